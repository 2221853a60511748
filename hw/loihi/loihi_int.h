/*
 * Loihi-class targets inside libsnn's hw layer: target descriptions and the
 * test hooks of the mapper. The mapper's own state is in map_int.h, the chip
 * image's format and the emulator's view of it in image_int.h.
 * Layer: hw, internal. Calls the sim core (engine, models) downward only.
 */
#ifndef SNN_LOIHI_INT_H
#define SNN_LOIHI_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "snn/error.h"
#include "snn/loihi.h"

struct loihi_target {
	const char *name;
	uint32_t neurons_per_core;   /* neuron compartments */
	uint32_t axons_per_core;     /* distinct input axons (fan-in sources) */
	uint32_t syn_bytes_per_core; /* synaptic memory */
	uint32_t weight_bits;
	uint32_t max_delay; /* steps */
	uint32_t cores_per_chip;
	bool weight_sharing; /* conv kernels stored once per core (doc/loihi.md) */
	uint32_t chips_per_board;
	double pj_per_synop, pj_per_neuron_update, pj_per_spike_hop;
	double ns_per_synop, ns_per_neuron_update, ns_per_step_barrier;
};

/* Bytes of synaptic memory one synapse takes in our accounting: an 8-bit
 * weight, a 6-bit delay and a target index of up to 18 bits (doc/loihi.md). */
#define LOIHI_SYN_BYTES 4u
/* A shared convolution kernel (weight sharing): stored once per core that
 * holds targets of it, as a geometry record plus one byte per 8-bit weight;
 * each source reaching the core through it adds one conv axon entry (a
 * kernel reference and the source's channel, y and x). Model figures of our
 * accounting, like LOIHI_SYN_BYTES (doc/loihi.md). */
#define LOIHI_KERNEL_HDR_BYTES 32u
#define LOIHI_KERNEL_WEIGHT_BYTES 1u
#define LOIHI_CONV_AXON_BYTES 4u

const struct loihi_target *loihi_target_find(const char *name);

/* Tests: what the refinement of an AUTO placement did, against a recount of
 * its final placement from scratch (traffic weighted by the activity). */
struct loihi_refine_audit {
	bool hashed;	     /* in: keep the counts in the hash table */
	uint64_t start;	     /* traffic before the refinement */
	uint64_t running;    /* start minus the gains of the accepted moves */
	uint64_t recount;    /* traffic of the final placement, from scratch */
	uint64_t moves;	     /* accepted moves */
	uint64_t mismatches; /* incremental counts that differ from a recount */
	uint64_t violations; /* core limits broken by the final placement */
};

/* Tests: snn_loihi_compile_opts for a target description of the test's own
 * (no image), filling a (NULL: no audit) when AUTO refines. */
int loihi_compile_audit(const snn_net *net, const struct loihi_target *T,
			const snn_loihi_options *o, struct loihi_refine_audit *a, snn_diag *d);

#endif
