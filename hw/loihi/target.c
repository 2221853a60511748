/*
 * Loihi-class target descriptions: the resource limits of a core, a chip and
 * a board, and published per-operation time and energy figures.
 * Layer: hw. Data only (and the placement names); doc/loihi.md gives the
 * source of every number.
 */
#include "config.h"

#include <string.h>

#include "loihi_int.h"

static const struct loihi_target targets[] = {
    {
	.name = "loihi1-class",
	/* Davies et al., IEEE Micro 38(1), 2018 */
	.neurons_per_core = 1024,
	.axons_per_core = 4096,
	.syn_bytes_per_core = 128 * 1024,
	.weight_bits = 8,
	.max_delay = 62, /* lava-dl netx clamps axonal delays here */
	.cores_per_chip = 128,
	.chips_per_board = 32, /* Nahuku board */
	.pj_per_synop = 23.6,
	.pj_per_neuron_update = 52.0,
	.pj_per_spike_hop = 3.5,
	.ns_per_synop = 3.5,
	.ns_per_neuron_update = 6.0,
	.ns_per_step_barrier = 500.0,
    },
    {
	.name = "loihi2-class",
	/* Intel, "Taking Neuromorphic Computing to the Next Level with
	 * Loihi 2", technology brief, 2021 */
	.neurons_per_core = 8192,
	.axons_per_core = 8192,
	.syn_bytes_per_core = 192 * 1024,
	.weight_bits = 8,
	.max_delay = 62,
	.cores_per_chip = 128,
	/* Loihi 2's synapse encoding has convolutional (shared-weight)
	 * connectivity; Lava's Conv process targets it (doc/loihi.md) */
	.weight_sharing = true,
	.chips_per_board = 8, /* Kapoho Point */
	.pj_per_synop = 23.6,
	.pj_per_neuron_update = 52.0,
	.pj_per_spike_hop = 3.5,
	.ns_per_synop = 3.5,
	.ns_per_neuron_update = 6.0,
	.ns_per_step_barrier = 500.0,
    },
    {
	/* a deliberately small chip for the tests of the limits: 4
	 * neurons, 8 axons and 64 bytes (16 synapses) per core, 2 cores
	 * per chip, 2 chips */
	.name = "tiny-test-class",
	.neurons_per_core = 4,
	.axons_per_core = 8,
	.syn_bytes_per_core = 64,
	.weight_bits = 8,
	.max_delay = 62,
	.cores_per_chip = 2,
	.chips_per_board = 2,
	.pj_per_synop = 23.6,
	.pj_per_neuron_update = 52.0,
	.pj_per_spike_hop = 3.5,
	.ns_per_synop = 3.5,
	.ns_per_neuron_update = 6.0,
	.ns_per_step_barrier = 500.0,
    },
    {
	/* the same for weight sharing: 8 neurons, 64 axons and 1 KiB per
	 * core, 16 cores per chip, 2 chips, kernels shared */
	.name = "tiny-share-test-class",
	.neurons_per_core = 8,
	.axons_per_core = 64,
	.syn_bytes_per_core = 1024,
	.weight_bits = 8,
	.max_delay = 62,
	.cores_per_chip = 16,
	.weight_sharing = true,
	.chips_per_board = 2,
	.pj_per_synop = 23.6,
	.pj_per_neuron_update = 52.0,
	.pj_per_spike_hop = 3.5,
	.ns_per_synop = 3.5,
	.ns_per_neuron_update = 6.0,
	.ns_per_step_barrier = 500.0,
    },
};

const struct loihi_target *loihi_target_find(const char *name)
{
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		if (strcmp(targets[i].name, name) == 0) {
			return &targets[i];
		}
	}
	return NULL;
}

int snn_loihi_placement_from_name(const char *name, enum snn_loihi_placement *out, snn_diag *d)
{
	static const struct {
		const char *name;
		enum snn_loihi_placement place;
	} names[] = {
	    {"auto", SNN_LOIHI_PLACE_AUTO},
	    {"sequential", SNN_LOIHI_PLACE_SEQUENTIAL},
	    {"greedy", SNN_LOIHI_PLACE_GREEDY},
	    {"metis", SNN_LOIHI_PLACE_METIS},
	};
	for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].place;
			return SNN_OK;
		}
	}
	return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
			      "unknown placement '%s' (expected auto, sequential, greedy or metis)",
			      name ? name : "");
}
