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
#include "snn/run.h"
#include "snn/spikes.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The run hooks (snn_progress_fn, snn_spikes_fn) and the statistics of a
 * run (snn_stats) are in snn/run.h, which this header includes. */
typedef struct snn_sim snn_sim;

typedef struct {
	int threads;		      /* 0: the network's setting, else OpenMP's default */
	const char *spike_path;	      /* overrides the config's spike file; NULL: the config's */
	enum snn_spike_format format; /* spike file format */
	bool record_all;	      /* record spikes of every population (e.g. for -o) */
	const char *software;	      /* for provenance ("Spikeforge 0.1.0") */
	snn_progress_fn progress;
	void *progress_ctx;
	snn_spikes_fn on_spikes; /* NULL: no hook (the live stream uses it) */
	void *spikes_ctx;
	uint64_t steps;	 /* run this many steps of dt; 0: the network's duration */
	bool no_outputs; /* write no spike or trace file: the network's records,
			  * record_all and spike_path are ignored */
} snn_sim_options;

/* Builds a simulation of `net` (borrowed: it must outlive the simulation):
 * instantiates synapses, initial state and stimuli. Returns SNN_OK, SNN_EINVAL
 * (a drawn value broke a constraint: the diagnostic names the config line),
 * SNN_ENOMEM or SNN_EUNSUP. */
SNN_API int snn_sim_new(const snn_net *net, const snn_sim_options *opt, snn_sim **out, snn_diag *d);
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
