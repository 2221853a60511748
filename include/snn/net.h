/*
 * The network IR: populations, projections, stimuli and recorders, loaded once
 * by one loader and shared by every tool and engine.
 * Public layer: an opaque handle with read-only queries. Loaders in libsnn
 * fill it; engines and compilers read it.
 */
#ifndef SNN_NET_H
#define SNN_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snn/error.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct snn_net snn_net;

/* Frees a network and everything it owns; accepts NULL. */
SNN_API void snn_net_free(snn_net *net);

/* Simulation settings of the network (canonical units). */
SNN_API double snn_net_dt_ms(const snn_net *net);
SNN_API double snn_net_duration_ms(const snn_net *net);
SNN_API uint64_t snn_net_seed(const snn_net *net);
/* Thread count asked for by the config; 0 when it leaves the choice open. */
SNN_API int snn_net_threads(const snn_net *net);

/* Overrides, as from a command line. Each returns SNN_OK or SNN_EINVAL with the
 * reason in d (e.g. a duration that is not a whole number of steps). */
SNN_API int snn_net_set_seed(snn_net *net, uint64_t seed);
SNN_API int snn_net_set_duration_ms(snn_net *net, double duration_ms, snn_diag *d);
SNN_API int snn_net_set_threads(snn_net *net, int threads, snn_diag *d);
/* The engine ("grid": the time grid; "event": exact event-driven) and the
 * backend ("cpu" or "cuda") that will simulate the network. Whether this
 * build has them is checked by snn_sim_new. */
SNN_API int snn_net_set_engine(snn_net *net, const char *engine, snn_diag *d);
SNN_API int snn_net_set_backend(snn_net *net, const char *backend, snn_diag *d);

SNN_API size_t snn_net_population_count(const snn_net *net);
SNN_API const char *snn_net_population_name(const snn_net *net, size_t i);
SNN_API uint32_t snn_net_population_size(const snn_net *net, size_t i);
/* Whether population i is a loader's helper that tools do not show (a
 * config's spike stimuli become such populations, named '@stimulus...');
 * false for an index out of range. */
SNN_API bool snn_net_population_is_hidden(const snn_net *net, size_t i);
/* Model name as written in configs ("lif", "lif_cond", "spike_source", ...). */
SNN_API const char *snn_net_population_model(const snn_net *net, size_t i);
/* Index of a population by name, or -1. */
SNN_API long snn_net_find_population(const snn_net *net, const char *name);
SNN_API uint64_t snn_net_neuron_count(const snn_net *net);
SNN_API size_t snn_net_projection_count(const snn_net *net);

/* Expected number of synapses of the whole network: exact for rules that fix
 * it, the expectation for random ones. */
SNN_API double snn_net_expected_synapses(const snn_net *net);

/* Where the network came from: the config's path, its text and its SHA-256
 * (hex). Borrowed, valid as long as the network. */
SNN_API const char *snn_net_source_path(const snn_net *net);
SNN_API const char *snn_net_source_text(const snn_net *net);
SNN_API const char *snn_net_source_sha256(const snn_net *net);

/* Whether the config has a spike record section, and the file it names
 * (NULL when none). */
SNN_API bool snn_net_records_spikes(const snn_net *net);
SNN_API const char *snn_net_spike_file(const snn_net *net);

/* Prints a human-readable description of the network: simulation settings,
 * populations with their parameters, projections, stimuli and recorders. */
SNN_API void snn_net_describe(const snn_net *net, FILE *out);

#ifdef __cplusplus
}
#endif

#endif
