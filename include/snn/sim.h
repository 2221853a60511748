/*
 * The simulation engine: builds a network's synapses and state from the IR
 * and advances it on a time grid, writing spikes and traces as it goes.
 * Public layer. The same network, seed and engine give byte-identical spikes
 * for any number of threads.
 */
#ifndef SNN_SIM_H
#define SNN_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "snn/error.h"
#include "snn/net.h"
#include "snn/spikes.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct snn_sim snn_sim;

/* Called on the engine's bookkeeping steps (every few milliseconds of wall
 * time at most once per step); returning nonzero stops the run, which then
 * fails with SNN_EINTR and writes no output. */
typedef struct {
	double t_ms;        /* biological time reached */
	double duration_ms; /* biological time to reach */
	double wall_s;      /* wall time since the run started */
	uint64_t spikes;    /* spikes so far */
} snn_progress;
typedef int (*snn_progress_fn)(void *ctx, const snn_progress *p);

/* A spike as handed to an on_spikes hook. */
typedef struct {
	double t_ms;  /* spike time */
	uint32_t pop; /* population index in the network (snn_net_population_name) */
	uint32_t id;  /* neuron index within the population */
} snn_spike_event;
/* Called on the engine's bookkeeping steps with every spike of every
 * population (stimulus sources excluded) since the previous call, in time
 * order, possibly in several batches; t_ms is the time the simulation has
 * reached (n may be 0). It runs on the engine's thread while the workers
 * wait, so it must return quickly and never block (the live stream queues or
 * drops). */
typedef void (*snn_spikes_fn)(void *ctx, const snn_spike_event *ev, size_t n, double t_ms);

typedef struct {
	int threads;                  /* 0: the network's setting, else OpenMP's default */
	const char *spike_path;       /* overrides the config's spike file; NULL: the config's */
	enum snn_spike_format format; /* spike file format */
	bool record_all;              /* record spikes of every population (e.g. for -o) */
	const char *software;         /* for provenance ("Spikeforge 0.1.0") */
	snn_progress_fn progress;
	void *progress_ctx;
	snn_spikes_fn on_spikes;      /* NULL: no hook (the live stream uses it) */
	void *spikes_ctx;
	uint64_t steps;               /* run this many steps of dt; 0: the network's duration */
	bool no_outputs;              /* write no spike or trace file: the network's records,
				       * record_all and spike_path are ignored */
} snn_sim_options;

/* Results of a run. Arrays are owned by the simulation. */
typedef struct {
	uint64_t neurons;
	uint64_t synapses;
	uint64_t spikes;
	uint64_t events;        /* synaptic events delivered (spikes x fan-out) */
	double build_s;         /* network construction, wall seconds */
	double sim_s;           /* simulation loop, wall seconds */
	double bio_ms;          /* biological time simulated */
	double peak_rss_mb;     /* peak resident memory of the process */
	double synapse_bytes;   /* memory of the synapse tables (on the device for GPU engines) */
	const char *engine;     /* "grid-cpu", "grid-cuda", ... */
	int threads;
	size_t n_pops;
	const char *const *pop_names;
	const uint32_t *pop_sizes;
	const uint64_t *pop_spikes;
	const double *rates_hz;  /* mean rate per population */
	const char *spike_file;  /* written spike file, or NULL */
	const char *device;      /* the GPU that ran the simulation, or NULL on CPU engines */
	double device_bytes;     /* device memory the engine allocated (0 on CPU engines) */
	double wait_s;           /* mean over the threads of the wall seconds each waited for
				  * the others (CPU grid engine; 0 elsewhere) */
} snn_stats;

/* Builds a simulation of `net` (borrowed: it must outlive the simulation):
 * instantiates synapses, initial state and stimuli. Returns SNN_OK, SNN_EINVAL
 * (a drawn value broke a constraint: the diagnostic names the config line),
 * SNN_ENOMEM or SNN_EUNSUP. */
SNN_API int snn_sim_new(const snn_net *net, const snn_sim_options *opt, snn_sim **out,
			snn_diag *d);
/* Runs the whole duration and writes the outputs. Returns SNN_OK, SNN_EINTR
 * (stopped by the progress callback), SNN_EIO (an output could not be
 * written) or SNN_ENOMEM. On failure no output file is left behind. */
SNN_API int snn_sim_run(snn_sim *s, snn_diag *d);
SNN_API const snn_stats *snn_sim_stats(const snn_sim *s);
/* The engine running the simulation, as recorded in outputs ("grid-cpu"). */
SNN_API const char *snn_sim_engine_name(const snn_sim *s);
SNN_API void snn_sim_free(snn_sim *s);

/* Writes the statistics as text (the summary snnsim prints) or as JSON. */
SNN_API void snn_stats_print(const snn_stats *st, FILE *out);
SNN_API int snn_stats_write_json(const snn_stats *st, FILE *out);

/* A network's memory estimate in bytes before building it (synapse tables,
 * state, ring buffers), as `snnsim check` prints it. */
SNN_API double snn_sim_estimate_bytes(const snn_net *net, int threads);

/* Peak resident memory of this process in MB. */
SNN_API double snn_peak_rss_mb(void);

#ifdef __cplusplus
}
#endif

#endif
