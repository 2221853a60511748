/*
 * The engines behind snn_sim: each one builds and runs a network its own way
 * and writes the same statistics and output files, through one
 * struct engine_outputs (outputs.c): a new engine plans, opens, commits and
 * sums up its outputs there, and so writes the same files by construction.
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

/* The outputs and statistics every engine shares: outputs_int.h. */

#endif
