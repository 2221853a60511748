/*
 * What a run reports while it goes and when it ends: the progress and spike
 * hooks and the statistics of a run, shared by the engine (sim.h), NIR runs
 * (nir.h) and the live stream (stream.h).
 * Public layer (IR level): plain types only, no functions; sim.h includes it,
 * so code that includes sim.h sees the same names as before.
 */
#ifndef SNN_RUN_H
#define SNN_RUN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Called on the engine's bookkeeping steps (every few milliseconds of wall
 * time at most once per step); returning nonzero stops the run, which then
 * fails with SNN_EINTR and writes no output. */
typedef struct {
	double t_ms;	    /* biological time reached */
	double duration_ms; /* biological time to reach */
	double wall_s;	    /* wall time since the run started */
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

/* Results of a run. Arrays are owned by the simulation. */
typedef struct {
	uint64_t neurons;
	uint64_t synapses;
	uint64_t spikes;
	uint64_t events;      /* synaptic events delivered (spikes x fan-out) */
	double build_s;	      /* network construction, wall seconds */
	double sim_s;	      /* simulation loop, wall seconds */
	double bio_ms;	      /* biological time simulated */
	double peak_rss_mb;   /* peak resident memory of the process */
	double synapse_bytes; /* memory of the synapse tables (on the device for GPU engines) */
	const char *engine;   /* "grid-cpu", "grid-cuda", ... */
	int threads;
	size_t n_pops;
	const char *const *pop_names;
	const uint32_t *pop_sizes;
	const uint64_t *pop_spikes;
	const double *rates_hz; /* mean rate per population */
	const char *spike_file; /* written spike file, or NULL */
	const char *device;	/* the GPU that ran the simulation, or NULL on CPU engines */
	double device_bytes;	/* device memory the engine allocated (0 on CPU engines) */
	double wait_s;		/* mean over the threads of the wall seconds each waited for
				 * the others (CPU grid engine; 0 elsewhere) */
} snn_stats;

#ifdef __cplusplus
}
#endif

#endif
