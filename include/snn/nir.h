/*
 * Trained networks in NIR (the Neuromorphic Intermediate Representation, HDF5
 * files written by `nir.write`): loading a graph into the network IR, reading
 * input tensors, running samples and writing their outputs.
 * Public layer. A NIR graph loads into the same snn_net as a config, so every
 * tool reads it through this one loader. doc/nir.md describes the file
 * layouts and the conventions (snn/nir_conv.h) in full.
 */
#ifndef SNN_NIR_H
#define SNN_NIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snn/error.h"
#include "snn/net.h"
#include "snn/nir_conv.h"
#include "snn/run.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The conventions (enum snn_nir_reset, snn_nir_spikes, snn_nir_scheme,
 * snn_nir_integrator) and snn_nir_options are in snn/nir_conv.h. */

/* Fills o with the defaults of snn_nir_options (snn/nir_conv.h). */
SNN_API void snn_nir_options_init(snn_nir_options *o);

/* Sets the NIR convention `name` (the command-line word, with or without its
 * leading "--": dt, reset, spikes-per-step, integration, input-gain,
 * integrator-gain, recurrent-delay, edge-delay) from its text `value`, the
 * one place where the conventions are spelled and checked for every tool.
 * dt is a time: seconds as a bare number (1e-4) or with a unit (0.1ms).
 * value NULL means the value is missing. Returns SNN_OK, or SNN_EINVAL with
 * "--NAME expects WHAT[, got VALUE]" (or "--dt: why" for a bad unit) in d;
 * o is left unchanged on error. */
SNN_API int snn_nir_option_set(snn_nir_options *o, const char *name, const char *value,
			       snn_diag *d);

/* Whether `name` (with or without its leading "--") is a NIR convention that
 * snn_nir_option_set takes. */
SNN_API bool snn_nir_option_is(const char *name);

/* Whether the file at path carries the HDF5 signature, at its start or after a
 * user block (a NIR graph or data file rather than a config). */
SNN_API bool snn_nir_is_hdf5(const char *path);

/* Loads the NIR graph at `path` into a new network (*out, owned by the caller,
 * freed with snn_net_free) with the conventions of o (NULL: defaults).
 * Neuron nodes become populations, chains of linear nodes projections
 * (convolutions and pooling stay structured); doc/nir.md gives the mapping.
 * Returns SNN_OK; SNN_EIO when the file cannot be opened or read; SNN_EPARSE
 * when it is malformed (unknown node type, missing dataset, wrong dtype,
 * shape mismatch along an edge, a cycle without a neuron), each error naming
 * the HDF5 path; SNN_EINVAL for invalid options or parameter values;
 * SNN_ENOMEM. On failure *out is NULL. */
SNN_API int snn_nir_load(const char *path, const snn_nir_options *o, snn_net **out, snn_diag *d);

/* Whether the network was loaded from a NIR graph. */
SNN_API bool snn_net_is_nir(const snn_net *net);

/* What the loader assumed about the file (absent fields and their defaults,
 * repaired names, tolerated shapes), one line each; borrowed from the
 * network. The count is 0 for networks not loaded from NIR. */
SNN_API size_t snn_nir_assumption_count(const snn_net *net);
SNN_API const char *snn_nir_assumption(const snn_net *net, size_t i);

/* Prints the graph of a network loaded by snn_nir_load: its nodes with types,
 * shapes and parameter ranges, the edges, the populations and projections it
 * became with neuron and synapse counts, the conventions, and everything the
 * loader had to assume. */
SNN_API void snn_nir_inspect(const snn_net *net, FILE *out);

/* Inputs of a NIR network: for each of its Input nodes a tensor of
 * samples x steps x size values (the node's shape flattened in C order). */
typedef struct snn_nir_data snn_nir_data;

/* Reads input tensors from an HDF5 file: a dataset of shape samples x steps x
 * inputs (or steps x inputs: one sample), the dataset named `dataset` or else
 * the file's only dataset, for a network with one Input node; or NIR's
 * NIRGraphData layout (TimeGriddedData, EventData or ValuedEventData
 * observables under /nodes/<input node>), events binned on the network's time
 * step. Returns SNN_OK, SNN_EIO, SNN_EPARSE (missing or malformed data, sizes
 * that do not fit the network, each naming the HDF5 path) or SNN_ENOMEM. */
SNN_API int snn_nir_data_read(const char *path, const snn_net *net, const char *dataset,
			      snn_nir_data **out, snn_diag *d);
/* Zero-filled inputs for `samples` samples of `steps` steps, to fill through
 * snn_nir_data_values. */
SNN_API int snn_nir_data_new(const snn_net *net, uint32_t samples, uint32_t steps,
			     snn_nir_data **out, snn_diag *d);
SNN_API uint32_t snn_nir_data_samples(const snn_nir_data *in);
SNN_API uint32_t snn_nir_data_steps(const snn_nir_data *in);
/* Number of Input nodes and the values of input k (samples x steps x size,
 * writable, owned by the data); NULL when k is out of range. */
SNN_API size_t snn_nir_data_inputs(const snn_nir_data *in);
SNN_API double *snn_nir_data_values(snn_nir_data *in, size_t k, uint32_t *size);
SNN_API void snn_nir_data_free(snn_nir_data *in);

typedef struct {
	int threads;		   /* 0: one per 32768 neurons, at most OpenMP's default;
				      results do not depend on it */
	bool record_state;	   /* also record v (and i of current-based models) of the
				      neuron layers that feed Output nodes */
	const char *const *record; /* more populations whose output and state to record */
	size_t n_record;
	snn_progress_fn progress; /* called as snn_sim_options' progress, for each sample */
	void *progress_ctx;
	snn_spikes_fn on_spikes; /* as snn_sim_options' on_spikes: every nonzero output
				    of every population, one event per neuron and step
				    (the value is not carried); the samples follow one
				    another in time (sample k starts at k steps x dt) */
	void *spikes_ctx;
} snn_nir_run_options;

/* One recorded series: a population's output or state, every step of every
 * sample. `what` is "spikes" (spike counts of a spiking layer), "values" (the
 * output of a non-spiking node: LI, I, CubaLI, a linear readout, an input),
 * "v" or "i". */
/* Strings and data are owned by the result. */
typedef struct {
	const char *name; /* the Output node, or the population recorded */
	const char *what;
	const char *population; /* the population it comes from */
	uint32_t size;
	uint32_t samples, steps;
	const double *data; /* samples x steps x size */
} snn_nir_series;

typedef struct snn_nir_result snn_nir_result;

/* Runs every sample of `in` through the network from its resting state and
 * records the outputs of its Output nodes (and what o asks). The synapses are
 * built once and reused for every sample. Returns SNN_OK, SNN_EINVAL (inputs
 * that do not fit the network), SNN_EINTR (stopped by the progress callback)
 * or SNN_ENOMEM; *out is owned by the caller. */
SNN_API int snn_nir_run(snn_net *net, const snn_nir_data *in, const snn_nir_run_options *o,
			snn_nir_result **out, snn_diag *d);
SNN_API size_t snn_nir_result_count(const snn_nir_result *r);
SNN_API const snn_nir_series *snn_nir_result_series(const snn_nir_result *r, size_t i);
/* The series of `name` (Output node or population) and `what`, or NULL. */
SNN_API const snn_nir_series *snn_nir_result_find(const snn_nir_result *r, const char *name,
						  const char *what);
/* Statistics of the whole run (all samples). */
SNN_API const snn_stats *snn_nir_result_stats(const snn_nir_result *r);
/* Writes the result in NIR's NIRGraphData layout (doc/nir.md), through a
 * temporary file renamed when complete. Returns SNN_OK or SNN_EIO. */
SNN_API int snn_nir_result_write(const snn_nir_result *r, const snn_net *net, const char *path,
				 snn_diag *d);
SNN_API void snn_nir_result_free(snn_nir_result *r);

/* Options of the NIR -> loihi_lif conversion. */
typedef struct {
	const char *input_path; /* the input file, for messages (may be NULL) */
	FILE *report;		/* one line per converted layer, or NULL */
	/* Every projection a synapse list, convolutions included (by default a
	 * Conv, or a pool and a Conv folded into one, stays a convolution where
	 * it gives exactly the same synapses, so that a chip can share its
	 * kernel). */
	bool no_conv;
} snn_nir_loihi_options;

/* Fills o with the defaults (no report). */
SNN_API void snn_nir_loihi_options_init(snn_nir_loihi_options *o);

/* Converts a network loaded by snn_nir_load into a new network (*out, owned
 * by the caller) of loihi_lif layers (sim/model/model_loihi.h) and input ports,
 * which snnsim runs and snn_loihi_compile maps onto a chip: the same network
 * for both. Input nodes become spike_source populations replaying the binary
 * spikes of `in` (every sample after the other; NULL: no spikes), the spiking
 * layers (LIF, IF, CubaLIF) and the non-spiking outputs (LI, CubaLI, with a
 * threshold they cannot reach) loihi_lif layers; linear nodes between two
 * linear nodes (relays) are composed into the synapses, and a Conv (or a
 * pool followed by a Conv) stays one convolution where its kernel gives
 * exactly those synapses (never with o->no_conv); every synapse gets at
 * least Lava's one-step delay. Per layer: du, dv from the time constants
 * on the 4096 scale, a scale from v to the chip's voltage that keeps the
 * threshold, the summed input and the biases in range, one weight exponent
 * and 8-bit mantissas (lava-dl's quantization), layers reset at the start of
 * each sample when `in` has several. doc/loihi.md gives the details.
 * Conventions Loihi cannot follow (reset by subtraction, v_reset != 0,
 * several spikes per step, a current-based layer's bias) convert with a
 * warning in d. Returns SNN_OK; SNN_EUNSUP for a node with no Loihi
 * equivalent (Threshold, I, a non-spiking layer feeding another), naming the
 * population and why; SNN_ERANGE for weights, thresholds or biases the chip
 * cannot represent; SNN_EINVAL for a non-binary input value (naming the file,
 * the input, sample, step, element and value) or a network not loaded from
 * NIR; SNN_ENOMEM. */
SNN_API int snn_nir_to_loihi(const snn_net *nir, const snn_nir_data *in,
			     const snn_nir_loihi_options *o, snn_net **out, snn_diag *d);

#ifdef __cplusplus
}
#endif

#endif
