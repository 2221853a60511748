/*
 * The engines behind snn_sim: each one builds and runs a network its own way
 * and fills the same statistics and output files.
 * Layer: sim core (engines), internal. sim.c picks one by the network's
 * engine and backend settings.
 */
#ifndef SNN_ENGINES_INT_H
#define SNN_ENGINES_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "snn/sim.h"
#include "snn/spikes.h"

struct engine_ops {
	const char *name; /* as recorded in outputs: "grid-cpu", ... */
	int (*create)(const snn_net *net, const snn_sim_options *opt, void **impl, snn_diag *d);
	int (*run)(void *impl, snn_diag *d);
	const snn_stats *(*stats)(const void *impl);
	void (*destroy)(void *impl);
};

/* The time-grid engine on CPU threads (engine.c). */
extern const struct engine_ops engine_grid_cpu;
/* The exact event-driven engine, one CPU thread (engine_event.c). */
extern const struct engine_ops engine_event_cpu;

/* The time-grid engine on an NVIDIA GPU (engine_cuda.c), in builds that
 * have it (configure found nvcc); NULL in the others. */
#ifdef HAVE_CUDA
extern const struct engine_ops engine_grid_cuda;
static inline const struct engine_ops *engines_grid_cuda(void)
{
	return &engine_grid_cuda;
}
#else
static inline const struct engine_ops *engines_grid_cuda(void)
{
	return NULL;
}
#endif

/* The spike recording of a run: *mask (n_neurons bytes, caller frees) gets
 * 1 for every neuron whose spikes go to the file (all but hidden
 * populations with record_all, else the config's spike record), and *path
 * a copy of the file's name (spike_path, else the config's; NULL when
 * nothing is recorded). A recording without a file name is an error naming
 * the record section. */
int engines_record_plan(const snn_net *net, uint32_t n_neurons, bool record_all,
			const char *spike_path, uint8_t **mask, char **path, snn_diag *d);

/* Opens the spike file of a run with one population entry for each
 * population that has a neuron g with rec_mask[g] & bits, in network order;
 * slot[i] becomes population i's index in the file, or -1. Shared by the
 * engines so that every engine writes the same layout. */
int engines_open_spike_file(const snn_net *net, const char *path,
			    enum snn_spike_format format, const uint8_t *rec_mask, uint8_t bits,
			    const snn_provenance *prov, int32_t *slot, snn_spike_writer **out,
			    snn_diag *d);

#endif
