/*
 * Poisson input of many neurons at once: counter-based Philox blocks for a
 * run of consecutive neurons, computed lane-parallel, then inverted into
 * counts with a branch-free search of the cumulative distribution.
 * Layer: sim core (engines), internal. Gives exactly the counts of the
 * one-neuron path (rng_block + inversion), whatever vector unit runs it.
 */
#ifndef SNN_POISSON_INT_H
#define SNN_POISSON_INT_H

#include <stdint.h>

#include "rng_int.h"

/* The distribution of one Poisson input, prepared once. */
struct poisson_table {
	double lambda;	 /* mean count per step */
	double exp_neg;	 /* exp(-lambda), where the search continues past the table */
	double cdf[48];	 /* P(X <= k) */
	int64_t thr[48]; /* the smallest 53-bit draw whose uniform exceeds cdf[k] */
	int ncdf;	 /* entries in cdf; 0: lambda too large for a table */
	int nfast;	 /* entries searched branch-free; beyond, one at a time */
};

/* Fills the table for mean lambda (>= 0). */
void poisson_table_init(struct poisson_table *t, double lambda);

/* The smallest x < 2^53 whose uniform (rng_words_to_open01 of the words
 * carrying x) exceeds c; 2^53 when none does. The uniform grows with x, so a
 * draw x counts past entry k exactly when x >= the threshold of cdf[k]. */
uint64_t poisson_threshold(double c);

/* The count of one neuron from the two words of its block. */
uint32_t poisson_count(const struct poisson_table *t, uint32_t w0, uint32_t w1);

/* Adds min(count, cmax) * wq to dst_lo[k] and dst_hi[k] for the n neurons
 * gid0 + k, k < n: the counts of the blocks (seed, RNG_POISSON, sub, gid0 + k,
 * counter), words 0 and 1 for dst_lo, 2 and 3 for dst_hi (the two emission
 * steps that share a block, step_poisson_ctr); either may be NULL. wq is the
 * weight in the fixed point of the buffer. Needs a table (t->ncdf > 0). */
void poisson_add_run(const struct poisson_table *t, uint64_t seed, uint32_t sub, uint32_t gid0,
		     uint32_t n, uint64_t counter, int32_t wq, uint32_t cmax, int32_t *dst_lo,
		     int32_t *dst_hi);

/* The count no draw of mean lambda exceeds but with probability < 1e-80. */
uint32_t poisson_count_max(double lambda);

/* Philox4x32-10 of `n` counters (elements gid0 + k) in structure-of-arrays
 * form; the same words as rng_block. Exposed for tests. */
void philox_run(uint64_t seed, enum rng_purpose purpose, uint32_t sub, uint32_t gid0, uint32_t n,
		uint64_t counter, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3);

#endif
