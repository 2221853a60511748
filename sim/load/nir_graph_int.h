/*
 * The NIR loader's working graph: what nir_read.c reads from the file (nodes,
 * nested graphs flattened, edges), what nir_shape.c checks and simplifies, and
 * what nir_lower.c turns into the network IR. Layer: sim core (loaders),
 * internal to the nir_*.c loader files; nothing outside them includes it.
 */
#ifndef SNN_NIR_GRAPH_INT_H
#define SNN_NIR_GRAPH_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "h5util_int.h"
#include "net_int.h"
#include "nir_int.h"
#include "snn/nir.h"

#define PATH_MAX_LEN 1024
#define MAX_DEPTH 32		  /* nested graphs */
#define MAX_ELEMENTS (1ull << 31) /* values of one dataset */
#define MAX_SETTING (1u << 24)	  /* strides, kernel sizes, ... */

/* A numeric dataset read as doubles. */
struct arr {
	bool present;
	bool f64; /* stored as 64-bit floats */
	uint32_t nd;
	uint64_t dims[NIR_MAX_DIMS];
	uint64_t n;
	double *v;
};

enum gkind { GK_INPUT, GK_OUTPUT, GK_PASS, GK_NEURON, GK_OP };
enum gop {
	OP_NONE,
	OP_AFFINE,
	OP_LINEAR,
	OP_CONV,
	OP_SUMPOOL,
	OP_AVGPOOL,
	OP_SCALE,
	OP_DELAY,
	OP_FLATTEN
};

/* A node of the graph, nested graphs flattened into one. */
struct gnode {
	char *name; /* "lif1/lin" for nested nodes */
	char *path; /* "/node/nodes/lif1/nodes/lin" */
	char *type;
	enum gkind kind;
	enum model_id model; /* GK_NEURON */
	enum gop op;	     /* GK_OP, and Flatten (GK_PASS) */
	bool is_input_type;  /* Input (top-level or nested) */
	struct nir_shape in, out;
	bool in_known, out_known;
	struct arr prm[NIR_N_PARAMS]; /* neuron parameters as written (times in s) */
	bool v_reset_absent, w_in_absent;
	struct arr weight, bias, scale, delay;
	uint32_t cdims; /* conv and pool: spatial dimensions */
	uint32_t kernel[2], stride[2], pad[2], dil[2], groups;
	bool pad_same;
	bool has_input_shape;
	uint32_t input_shape[2];
	int64_t start_dim, end_dim;
	uint32_t *pred, n_pred, cap_pred;
	uint32_t *succ, n_succ, cap_succ;
	/* lowering */
	bool is_pop;
	bool dead;
	int pop;
	int expand;   /* pass-through expansion: 0 new, 1 in progress, 2 done */
	int dfs;      /* 0 unvisited, 1 on the stack, 2 done */
	char *params; /* inspect line */
};

/* One graph level: its children by name, for resolving edge endpoints. */
struct level {
	char *path;
	uint32_t n;
	char **names;
	int32_t *node; /* node index, or -1: a nested graph */
	struct level **sub;
	int32_t in_node, out_node; /* the only Input / Output node, -1 none, -2 several */
	uint32_t n_in, n_out;
};

struct link {
	uint32_t from, to; /* population nodes */
	int32_t op;	   /* inlined linear node, or -1: identity */
	bool bias;	   /* carries the linear node's bias */
	bool back;	   /* closes a cycle */
};

struct ld {
	const char *file;
	snn_diag *d;
	snn_net *net;
	struct nir_info *info;
	snn_nir_options opt;
	hid_t f;
	struct gnode *nodes;
	uint32_t n_nodes, cap_nodes;
	uint32_t (*edges)[2];
	uint32_t n_edges, cap_edges;
	struct link *links;
	uint32_t n_links, cap_links;
	uint32_t *order; /* population nodes in update order */
	uint32_t n_order;
};

/* Records an error located at file:path (path NULL: the file) and returns code. */
__attribute__((format(printf, 4, 5))) int nir_fail(struct ld *L, int code, const char *path,
						   const char *fmt, ...);
/* Records what the loader assumed: "path: text". SNN_OK or SNN_ENOMEM. */
__attribute__((format(printf, 3, 4))) int nir_assume(struct ld *L, const char *path,
						     const char *fmt, ...);
/* HDF5 path of child b of group path a, into out (PATH_MAX_LEN bytes). */
void nir_join(char *out, const char *a, const char *b);
void nir_arr_free(struct arr *a);

/* nir_read.c: reads the file's graph (/version, /node) into L->nodes and
 * L->edges, nested graphs flattened. */
int nir_read_graph(struct ld *L);
/* nir_shape.c: infers and checks the shapes of every node, records the edges
 * for inspect, and removes pass-through nodes. */
int nir_check_graph(struct ld *L);
/* nir_lower.c: turns the checked graph into populations and projections of
 * L->net and fills L->info. */
int nir_lower(struct ld *L);

#endif
