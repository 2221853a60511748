/*
 * What a network remembers of the NIR graph it was loaded from: the nodes as
 * written (for `snnsim inspect`), the graph's inputs and outputs and the
 * populations behind them, and what the loader had to assume.
 * Layer: sim core, internal. Filled by the NIR loader (nir_load.c and its
 * nir_read/shape/lower.c); read by nir_io.c, nir_run.c and the inspector; freed
 * with the network by nir_info.c, which knows no file format.
 */
#ifndef SNN_NIR_INT_H
#define SNN_NIR_INT_H

#include <stdint.h>

#include "net_int.h"
#include "snn/nir_conv.h"

#define NIR_MAX_DIMS 8

struct nir_shape {
	uint32_t nd;
	uint32_t d[NIR_MAX_DIMS];
};

uint64_t nir_shape_size(const struct nir_shape *s);
/* "[16 16 16]" into buf. */
void nir_shape_format(const struct nir_shape *s, char *buf, size_t len);

/* One node of the file (nested graphs flattened; their own Input and Output
 * nodes included). */
struct nir_node_info {
	char *path; /* HDF5 path, "/node/nodes/lif1/nodes/lin" */
	char *name; /* population-style name, "lif1/lin" */
	char *type; /* as written: "Conv2d" */
	struct nir_shape in, out;
	char *params;	  /* one line: parameter ranges and settings */
	int pop;	  /* population it became, or -1 */
	const char *role; /* "population", "relay", "projection", "reshape", ... */
};

/* An Input or Output node of the top-level graph. */
struct nir_port {
	char *name;
	struct nir_shape shape;
	uint32_t pop; /* the population fed (input) or observed (output) */
	bool spiking; /* output: the population emits spikes, else values */
};

struct nir_info {
	char *version;
	char *file_sha256;
	snn_nir_options opt;
	struct nir_node_info *nodes;
	uint32_t n_nodes;
	char **edges; /* "a -> b" as resolved */
	uint32_t n_edges;
	char **assumed; /* what the loader assumed, one line each */
	uint32_t n_assumed;
	struct nir_port *inputs;
	uint32_t n_inputs;
	struct nir_port *outputs;
	uint32_t n_outputs;
};

void nir_info_free(struct nir_info *info);

#endif
