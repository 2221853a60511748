/*
 * The engine's one door for its clients (snncc's quantizers, the Loihi
 * mapper): a network's synapses and neuron constants exactly as the grid
 * engine builds them, copied into plain arrays.
 * Layer: sim core, internal. Builds the engine (never runs it) and frees it
 * before returning: no engine structure reaches a client.
 */
#ifndef SNN_EXPAND_INT_H
#define SNN_EXPAND_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "model_loihi.h"
#include "net_int.h"
#include "poisson_int.h"
#include "step_hd.h"

/* One synapse. The engine delivers w = wq * 2^-shift, shift being its target
 * population's for channel ch (expanded_pop.in_shift); in graded networks
 * (NIR) it keeps float weights: wq is then 0 and w the weight as drawn. */
struct expanded_syn {
	uint32_t src, tgt; /* global neuron ids */
	uint32_t delay;	   /* steps */
	uint8_t ch;	   /* input channel of the target */
	int32_t wq;
	double w;
};

/* A population as the engine set it up. The lif constants hold for every
 * neuron unless lif_het; loihi_lif constants are per neuron (expanded.loihi). */
struct expanded_pop {
	const struct population *ir;
	enum model_id model;
	uint32_t first, size;
	bool merged;	    /* lif exp: both currents summed in one buffer */
	bool lif_het;	    /* lif: parameters differ between neurons */
	int in_shift[2];    /* fixed point of each input channel */
	double in_scale[2]; /* 2^-in_shift */
	struct lif_prop lif;
};

/* A Poisson or current stimulus as the engine runs it. */
struct expanded_stim {
	const struct stimulus *ir;
	uint32_t index, pop; /* stimulus index (its random stream), target population */
	uint8_t ch;
	int32_t wq;    /* weight in the target channel's fixed point */
	uint32_t cmax; /* counts are clipped here */
	uint32_t delay_steps;
	uint64_t start_step, stop_step; /* emission steps [start, stop) */
	struct poisson_table pt;
};

struct expanded {
	uint32_t n_neurons, n_pops, n_stims;
	struct expanded_pop *pops;
	struct expanded_stim *stims;
	/* synapses in CSR by target: those onto gid g are syn[in_off[g] ..
	 * in_off[g + 1]), ordered by (source, delay, channel, creation) */
	struct expanded_syn *syn;
	uint64_t n_syn, *in_off;
	/* the same synapses in the engine's own order (by block of targets,
	 * then source, then (delay, channel), then creation), as indices into
	 * syn: rows by source filled in this order deliver in the engine's order */
	uint64_t *out_idx;
	uint32_t max_delay; /* of the synapses (0 when none) */
	/* per gid: lif state at step 0 (v: V_m - E_L, i: the exponential
	 * current); loihi_lif constants and integer state (NULL when the
	 * network has no such population; zero outside them) */
	double *v0, *i0;
	struct loihi_prop *loihi;
	int32_t *loihi_u0, *loihi_v0;
};

/* Expands `net` (borrowed) as a one-thread grid engine over `steps` steps
 * (0: the network's duration) with no spike or trace record. Returns SNN_OK
 * with *out owned by the caller (expanded_free), or the engine's build error
 * (SNN_EINVAL, SNN_ERANGE, SNN_EUNSUP, SNN_ENOMEM) with *out NULL. */
int expand_network(const snn_net *net, uint64_t steps, struct expanded **out, snn_diag *d);
void expanded_free(struct expanded *x);

/* Population index of a global neuron id. */
uint32_t expanded_pop_of(const struct expanded *x, uint32_t gid);

#endif
