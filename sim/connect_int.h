/*
 * Connection rules: which synapses a projection has, with their weights and
 * delays, drawn from counter-based streams so that the result never depends
 * on the thread that draws it or on the order of drawing.
 * Layer: sim core (engines), internal.
 *
 * Target-driven rules (all_to_all, one_to_one, fixed_probability,
 * fixed_indegree) draw the sources of each target from the stream (seed,
 * connect, projection, target index). fixed_outdegree and fixed_total_number
 * are source-driven: the targets of each source come from (seed, connect,
 * projection, source index). fixed_total_number first splits its total over
 * the sources (multinomial, or multivariate hypergeometric without
 * multapses) with one sequential stream per projection.
 * Synapse k of an anchor (the target, or the source for fixed_outdegree) has
 * its weight and delay from streams started at counter k << 20.
 */
#ifndef SNN_CONNECT_INT_H
#define SNN_CONNECT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "conv_int.h"
#include "net_int.h"

#define CONN_NONE UINT32_MAX

struct conn {
	const struct projection *pr;
	uint32_t index; /* projection index: the stream's sub id */
	uint64_t seed;
	double dt;
	uint32_t pre_first, post_first;
	uint32_t n_pre, n_post;
	bool same_pop;
	bool source_driven;
	double log1m_p;	    /* fixed_probability: log(1 - p) */
	uint32_t *counts;   /* fixed_total_number: synapses of each source */
	uint8_t n_channels; /* channels of the target model */
};

/* Per-thread scratch for drawing: an index buffer and a bitset; for explicit
 * projections also the weight and delay (steps) of each synapse. */
struct conn_scratch {
	uint32_t *idx;
	uint64_t cap;
	uint64_t *bits;
	uint64_t nbits;
	float *w;
	uint32_t *dl;
	uint64_t wcap;
};

int conn_prepare(struct conn *c, const snn_net *net, uint32_t index, uint64_t seed, snn_diag *d);
void conn_release(struct conn *c);
void conn_scratch_free(struct conn_scratch *sc);

/* Index of population-local neuron `local` in set t, or CONN_NONE. */
uint32_t conn_set_index(const struct target_set *t, uint32_t local);

/* Target-driven rules: the pre-set indices of the synapses onto post-set index
 * j, in creation order, in sc->idx[0..*n). Explicit projections (every kind
 * but PROJ_RULE) also give each synapse's weight in sc->w and delay in steps
 * in sc->dl, in increasing source order; zero weights are no synapse.
 * Returns 0, or -1 out of memory. */
int conn_sources(const struct conn *c, uint32_t j, struct conn_scratch *sc, uint64_t *n);
/* fixed_outdegree: the post-set indices of the synapses from pre index i. */
int conn_targets(const struct conn *c, uint32_t i, struct conn_scratch *sc, uint64_t *n);

/* Synapses of an explicit projection (counted from its description). */
uint64_t proj_count_synapses(const struct proj_explicit *x);

/* Weight (in the target model's unit) and delay (steps) of synapse k of
 * anchor a. Return 0, or -1 when redrawing found no value within the bounds
 * (conn_delay: -2 when the delay rounds outside [1, NET_MAX_DELAY_STEPS]). */
int conn_weight(const struct conn *c, uint32_t a, uint64_t k, double *w);
int conn_delay(const struct conn *c, uint32_t a, uint64_t k, uint32_t *steps);
/* The same delay in ms as drawn, before rounding to the grid (the event
 * engine's delay): conn_delay is round(conn_delay_ms / dt). */
int conn_delay_ms(const struct conn *c, uint32_t a, uint64_t k, double *ms);

/* Input channel of a synapse of weight w onto the projection's target. */
static inline uint8_t conn_channel(const struct conn *c, double w)
{
	return (c->n_channels == 2 && w < 0) ? 1 : 0;
}

#endif
