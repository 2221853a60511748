/*
 * Loihi-class targets: mapping a network of loihi_lif neurons onto
 * neuromorphic cores within their resource limits, writing a chip image
 * (doc/loihi.md), and running an image bit-exactly (the emulator behind
 * snnemu). Public layer; the compiler (`snncc --target loihi2-class`) calls
 * snn_loihi_compile.
 */
#ifndef SNN_LOIHI_H
#define SNN_LOIHI_H

#include <stdbool.h>
#include <stdio.h>

#include "snn/error.h"
#include "snn/net.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How neurons are placed on cores. */
enum snn_loihi_placement {
	SNN_LOIHI_PLACE_AUTO,	    /* the best of METIS, greedy and sequential, then refined by
				       moves that each lower the inter-core traffic */
	SNN_LOIHI_PLACE_SEQUENTIAL, /* neuron ids in order, each core filled up (the baseline) */
	SNN_LOIHI_PLACE_GREEDY,	    /* grow each core from its most connected neurons */
	SNN_LOIHI_PLACE_METIS,	    /* METIS k-way partition of the synapse graph, then repaired */
};

/* The placement named `name` (auto, sequential, greedy or metis, as the
 * tools spell it) in *out. Returns SNN_OK, or SNN_EINVAL with "unknown
 * placement 'NAME' (expected auto, sequential, greedy or metis)" in d. */
SNN_API int snn_loihi_placement_from_name(const char *name, enum snn_loihi_placement *out,
					  snn_diag *d);

/* Maps `net` (every non-source population must be loihi_lif, every source
 * becomes an input port) onto the target named `target` ("loihi1-class",
 * "loihi2-class") and writes the image to out_path (through a temporary
 * name). A mapping report (cores, fill, estimated time and energy per step)
 * goes to `report` when not NULL. With out_path NULL only the placement is
 * computed and reported, for networks of any neuron model. Returns SNN_OK, SNN_EINVAL (unknown
 * target, a model the chip lacks), SNN_ERANGE (the network exceeds the chip or board: the
 * diagnostic says by how much), SNN_EUNSUP (METIS asked for but not built), SNN_EIO or SNN_ENOMEM.
 */
SNN_API int snn_loihi_compile(const snn_net *net, const char *target,
			      enum snn_loihi_placement placement, const char *out_path,
			      FILE *report, snn_diag *d);

/* What snn_loihi_compile_opts takes besides the network and the target. */
typedef struct {
	enum snn_loihi_placement placement;
	/* A spike file of a run of the same network (snnsim's layout, populations by
	 * name): each source is weighted by its spike count, so that the mapper
	 * minimizes the spikes that cross cores on that run and the report gives them
	 * per step. NULL: every source weighs 1 (the static count of routes). */
	const char *activity_path;
	FILE *report; /* the mapping report, or NULL */
	/* Expand convolutions into synapses even on a target that stores their
	 * kernels once per core (loihi2-class; doc/loihi.md). */
	bool no_weight_sharing;
} snn_loihi_options;

/* As snn_loihi_compile, with the options above. */
SNN_API int snn_loihi_compile_opts(const snn_net *net, const char *target,
				   const snn_loihi_options *o, const char *out_path, snn_diag *d);

/* Whether `name` is a Loihi-class target (the user-facing ones: loihi1-class,
 * loihi2-class), for tools that dispatch on the target name. */
SNN_API bool snn_loihi_is_target(const char *name);

/* Runs an image for its duration (or `steps` when > 0) with the input ports
 * driven by the spikes of the same-named populations in input_path (snnsim's
 * HDF5 or CSV spike layout; NULL: no input), and writes the spikes of every
 * chip population to out_path in snnsim's layout. Prints the run report
 * (inter-core spikes per step, estimated time and energy) to `report` when
 * not NULL. Returns SNN_OK, SNN_EPARSE (not an image, or a corrupt one),
 * SNN_EIO or SNN_ENOMEM. */
SNN_API int snn_loihi_run_image(const char *image_path, const char *input_path,
				const char *out_path, long steps, FILE *report, snn_diag *d);

/* How snn_loihi_run_image_opts runs an image. Zero it for the defaults. */
typedef struct snn_loihi_run_options {
	long steps;   /* steps to run when > 0, else the image's duration */
	FILE *report; /* the run report, or NULL */
	/* Called with stop_ctx before every step (may be NULL): nonzero stops
	 * the run there, writes nothing and returns SNN_EINTR. */
	int (*stop)(void *ctx);
	void *stop_ctx;
} snn_loihi_run_options;

/* As snn_loihi_run_image, with the options above (o may be NULL). A stopped
 * run removes its temporary output and returns SNN_EINTR with "stopped at
 * t = T ms; no output was written". */
SNN_API int snn_loihi_run_image_opts(const char *image_path, const char *input_path,
				     const char *out_path, const snn_loihi_run_options *o,
				     snn_diag *d);

#ifdef __cplusplus
}
#endif

#endif
