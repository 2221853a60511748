/*
 * The insides of NIR input data and run results, shared by nir_io.c (files),
 * nir_run.c (runs, which fill the results) and the NIR -> Loihi lowering.
 * Layer: sim core (io), internal. Types and the conventions' text only: no
 * engine, so that the file side never reaches up into the runner.
 */
#ifndef SNN_NIR_DATA_INT_H
#define SNN_NIR_DATA_INT_H

#include <stdint.h>

#include "snn/nir.h"

struct snn_nir_data {
	uint32_t samples, steps;
	uint32_t n_inputs; /* as the network's Input nodes, in their order */
	uint32_t *size;
	double **v; /* per input: samples x steps x size */
};

struct snn_nir_result {
	snn_nir_series *series;
	size_t n;
	double **bufs; /* owned data of each series */
	uint32_t samples, steps;
	snn_stats stats; /* scalars; arrays below, names borrowed from the network */
	const char **pop_names;
	uint32_t *pop_sizes;
	uint64_t *pop_spikes;
	double *rates;
	char software[64];
};

/* "dt 0.0001 s, reset value, ..." */
void nir_conventions_format(const snn_nir_options *o, char *buf, size_t len);

#endif
