/*
 * Counter-based random streams (Random123's Philox4x32-10).
 * Layer: sim core, internal. A stream is keyed by (seed, purpose, sub, element)
 * and counted from a start value, so a draw never depends on which thread
 * makes it or in which order elements are visited. Streams are plain values
 * on the stack: no shared state, no allocation.
 */
#ifndef SNN_RNG_INT_H
#define SNN_RNG_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <Random123/philox.h>

#include "rng_hd.h"

/* The purposes of the streams (enum rng_purpose) are in rng_hd.h. */

struct rng {
	philox4x32_key_t key;
	philox4x32_ctr_t ctr;
	uint32_t buf[4];
	int idx; /* next unused word of buf; 4 when empty */
};

/* Starts the stream (seed, purpose, sub, element) at counter `start`.
 * sub is truncated to 24 bits (projection or stimulus index). */
static inline void rng_init(struct rng *r, uint64_t seed, enum rng_purpose purpose, uint32_t sub,
			    uint32_t element, uint64_t start)
{
	r->key.v[0] = (uint32_t)seed;
	r->key.v[1] = (uint32_t)(seed >> 32);
	r->ctr.v[0] = element;
	r->ctr.v[1] = ((uint32_t)purpose << 24) | (sub & 0xFFFFFFu);
	r->ctr.v[2] = (uint32_t)start;
	r->ctr.v[3] = (uint32_t)(start >> 32);
	r->idx = 4;
}

/* One block of four words for (seed, purpose, sub, element, counter): the
 * stateless form used on hot paths. */
static inline philox4x32_ctr_t rng_block(uint64_t seed, enum rng_purpose purpose, uint32_t sub,
					 uint32_t element, uint64_t counter)
{
	philox4x32_key_t k = {{(uint32_t)seed, (uint32_t)(seed >> 32)}};
	philox4x32_ctr_t c = {{element, ((uint32_t)purpose << 24) | (sub & 0xFFFFFFu),
			       (uint32_t)counter, (uint32_t)(counter >> 32)}};
	return philox4x32(c, k);
}

static inline uint32_t rng_u32(struct rng *r)
{
	if (r->idx == 4) {
		philox4x32_ctr_t out = philox4x32(r->ctr, r->key);
		r->buf[0] = out.v[0];
		r->buf[1] = out.v[1];
		r->buf[2] = out.v[2];
		r->buf[3] = out.v[3];
		r->idx = 0;
		if (++r->ctr.v[2] == 0) {
			++r->ctr.v[3];
		}
	}
	return r->buf[r->idx++];
}

/* A double uniform on the open interval (0, 1) from two words, with 53
 * random bits (the form every stream and every hot path uses; rng_hd.h). */
static inline double rng_words_to_open01(uint32_t w0, uint32_t w1)
{
	return step_words_to_open01(w0, w1);
}

/* A double uniform on the open interval (0, 1), with 53 random bits. */
static inline double rng_uniform(struct rng *r)
{
	uint32_t w0 = rng_u32(r);
	uint32_t w1 = rng_u32(r);
	return rng_words_to_open01(w0, w1);
}

/* A double uniform on (0, 1) from one 32-bit word (for hot paths). */
static inline double rng_u32_to_open01(uint32_t w)
{
	return ((double)w + 0.5) * (1.0 / 4294967296.0);
}

/* An integer uniform on [0, n), n >= 1, without modulo bias (Lemire). */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	uint64_t m = (uint64_t)rng_u32(r) * n;
	uint32_t low = (uint32_t)m;
	if (low < n) {
		uint32_t t = (uint32_t)(-n) % n;
		while (low < t) {
			m = (uint64_t)rng_u32(r) * n;
			low = (uint32_t)m;
		}
	}
	return (uint32_t)(m >> 32);
}

/* Poisson count with mean lambda by inversion of one uniform u in (0, 1);
 * exp_neg_lambda = exp(-lambda) precomputed (rng_hd.h). */
static inline uint32_t rng_poisson_inversion(double u, double lambda, double exp_neg_lambda)
{
	return step_poisson_inversion(u, lambda, exp_neg_lambda);
}

/* Poisson with mean lambda >= 10 (finite) by Hoermann's transformed
 * rejection (step_poisson_ptrs of rng_hd.h, which the CUDA engine runs
 * too): the stream goes on from where r stands and r is left after it. */
static inline uint64_t rng_poisson_ptrs(struct rng *r, double lambda)
{
	struct step_stream st;
	st.key[0] = r->key.v[0];
	st.key[1] = r->key.v[1];
	for (int i = 0; i < 4; i++) {
		st.ctr[i] = r->ctr.v[i];
		st.buf[i] = r->buf[i];
	}
	st.idx = r->idx;
	uint64_t k = step_poisson_ptrs(&st, lambda);
	for (int i = 0; i < 4; i++) {
		r->ctr.v[i] = st.ctr[i];
		r->buf[i] = st.buf[i];
	}
	r->idx = st.idx;
	return k;
}

/* Distributions that need more than a few words (rng.c). */
/* A standard normal, by inversion of one uniform (two words). */
double rng_normal(struct rng *r);
/* The standard normal quantile (inverse CDF) of p in (0, 1), to ~1e-16. */
double rng_normal_quantile(double p);
double rng_exponential(struct rng *r);
/* Poisson with any mean >= 0 (inversion below 10, PTRS rejection above). */
uint64_t rng_poisson(struct rng *r, double lambda);
/* Binomial(n, p), 0 <= p <= 1 (inversion for small n*p, BTRS otherwise). */
uint64_t rng_binomial(struct rng *r, uint64_t n, double p);
/* Successes in `draws` draws without replacement from `total` items of
 * which `good` are successes (hypergeometric). */
uint64_t rng_hypergeometric(struct rng *r, uint64_t draws, uint64_t good, uint64_t total);
/* Number of failures before the first success of Bernoulli(p), 0 < p <= 1;
 * the argument is log(1 - p). */
uint64_t rng_geometric(struct rng *r, double log1m_p);

#endif
