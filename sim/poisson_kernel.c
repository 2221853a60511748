/*
 * Lane-parallel Poisson input (poisson_int.h). Philox4x32-10 rounds are
 * written over small arrays so that the compiler turns them into vector
 * code; the functions are built for several instruction sets and the best
 * one the processor has is picked when the program loads. All of it is
 * integer arithmetic and exact comparisons, so every variant gives the same
 * counts bit for bit.
 * Layer: sim core (engines), internal. No allocation.
 */
#include "config.h"

#include "simd_int.h"

#include <math.h>
#include <string.h>

#include "poisson_int.h"

#define LANES 64

void poisson_table_init(struct poisson_table *t, double lambda)
{
	t->lambda = lambda;
	t->exp_neg = exp(-lambda);
	t->ncdf = 0;
	t->nfast = 0;
	if (!(lambda > 0) || lambda >= 10.0) {
		return;
	}
	double p = exp(-lambda), c = p;
	t->cdf[0] = c;
	int k = 1;
	for (; k < (int)(sizeof(t->cdf) / sizeof(t->cdf[0])); k++) {
		p *= lambda / (double)k;
		c += p;
		t->cdf[k] = c;
	}
	t->ncdf = k;
	for (int j = 0; j < k; j++) {
		t->thr[j] = (int64_t)poisson_threshold(t->cdf[j]);
	}
	/* search branch-free as far as covers all but 1e-4 of the draws */
	int f = 4;
	while (f < t->ncdf && t->cdf[f - 1] < 1.0 - 1e-4) {
		f++;
	}
	t->nfast = f;
}

/* The uniform of the 53-bit draw x, as rng_words_to_open01 makes it. */
static double uniform_of(uint64_t x)
{
	return rng_words_to_open01((uint32_t)(x >> 26) << 5, (uint32_t)(x & 0x3FFFFFFu) << 6);
}

uint64_t poisson_threshold(double c)
{
	uint64_t lo = 0, hi = UINT64_C(1) << 53;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (uniform_of(mid) > c) {
			hi = mid;
		} else {
			lo = mid + 1;
		}
	}
	return lo;
}

uint32_t poisson_count_max(double lambda)
{
	/* the Chernoff bound of Poisson(lambda) past lambda + 20 sqrt(lambda) + 200
	 * is far below 1e-80 for every lambda */
	double c = ceil(lambda + 20.0 * sqrt(lambda) + 200.0);
	return c > 1e9 ? 1000000000u : (uint32_t)c;
}

/* The slow tail of the search, from entry `from` on (step_hd.h: the GPU
 * engine runs the same function). */
static uint32_t search_from(const struct poisson_table *t, double u, int from)
{
	return step_poisson_search(t->cdf, t->ncdf, t->lambda, t->exp_neg, u, from);
}

uint32_t poisson_count(const struct poisson_table *t, uint32_t w0, uint32_t w1)
{
	return search_from(t, rng_words_to_open01(w0, w1), 0);
}

SIMD_CLONES
void philox_run(uint64_t seed, enum rng_purpose purpose, uint32_t sub, uint32_t gid0, uint32_t n,
		uint64_t counter, uint32_t *w0, uint32_t *w1, uint32_t *w2, uint32_t *w3)
{
	const uint32_t c1 = ((uint32_t)purpose << 24) | (sub & 0xFFFFFFu);
	const uint32_t c2 = (uint32_t)counter, c3 = (uint32_t)(counter >> 32);
	for (uint32_t j = 0; j < n; j++) {
		w0[j] = gid0 + j;
		w1[j] = c1;
		w2[j] = c2;
		w3[j] = c3;
	}
	uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
	for (int r = 0; r < 10; r++) {
		for (uint32_t j = 0; j < n; j++) {
			uint64_t p0 = (uint64_t)0xD2511F53u * w0[j];
			uint64_t p1 = (uint64_t)0xCD9E8D57u * w2[j];
			uint32_t x0 = (uint32_t)(p1 >> 32) ^ w1[j] ^ k0;
			uint32_t x2 = (uint32_t)(p0 >> 32) ^ w3[j] ^ k1;
			w0[j] = x0;
			w1[j] = (uint32_t)p1;
			w2[j] = x2;
			w3[j] = (uint32_t)p0;
		}
		k0 += 0x9E3779B9u;
		k1 += 0xBB67AE85u;
	}
}

/* Lanes counted together, their counts kept in registers. */
#define BLOCK 16

/* The counts of n draws (n a multiple of BLOCK) over the branch-free part
 * of the table: the number of thresholds at or below each draw's 53 bits,
 * which is the number of entries its uniform exceeds (all integer, so every
 * variant agrees). */
SIMD_CLONES
static void counts_of(const struct poisson_table *t, const uint32_t *wa, const uint32_t *wb,
		      uint32_t n, int64_t *x, int64_t *kc)
{
	for (size_t b = 0; b < n; b += BLOCK) {
		const uint32_t *pa = wa + b, *pb = wb + b;
		int64_t xb[BLOCK], k[BLOCK];
		for (int j = 0; j < BLOCK; j++) {
			xb[j] = (int64_t)(((uint64_t)(pa[j] >> 5) << 26) | (uint64_t)(pb[j] >> 6));
			k[j] = 0;
		}
		for (int m = 0; m < t->nfast; m++) {
			int64_t c = t->thr[m];
			for (int j = 0; j < BLOCK; j++) {
				k[j] += xb[j] >= c;
			}
		}
		memcpy(x + b, xb, sizeof(xb));
		memcpy(kc + b, k, sizeof(k));
	}
}

/* dst[j] += min(kc[j], cmax) * wq over the lanes. */
SIMD_CLONES
static void add_clipped(const int64_t *kc, uint32_t n, int32_t wq, uint32_t cmax, int32_t *dst)
{
	int64_t cm = (int64_t)cmax;
	for (uint32_t j = 0; j < n; j++) {
		dst[j] += (int32_t)(kc[j] < cm ? kc[j] : cm) * wq;
	}
}

/* Adds the counts of one pair of words per lane to dst (m lanes; the words
 * are filled up to a multiple of BLOCK). */
static void add_counts(const struct poisson_table *t, const uint32_t *wa, const uint32_t *wb,
		       uint32_t m, int32_t wq, uint32_t cmax, int64_t *x, int64_t *kc, int32_t *dst)
{
	counts_of(t, wa, wb, (m + BLOCK - 1) / BLOCK * BLOCK, x, kc);
	for (uint32_t j = 0; j < m; j++) {
		if (kc[j] == t->nfast) {
			/* the draw lies beyond the branch-free part: go on one by one */
			kc[j] = search_from(t, uniform_of((uint64_t)x[j]), t->nfast);
		}
	}
	add_clipped(kc, m, wq, cmax, dst);
}

void poisson_add_run(const struct poisson_table *t, uint64_t seed, uint32_t sub, uint32_t gid0,
		     uint32_t n, uint64_t counter, int32_t wq, uint32_t cmax, int32_t *dst_lo,
		     int32_t *dst_hi)
{
	/* aligned to the 64-byte vectors: on a thread whose stack left them
	 * unaligned, every vector load split across two lines and its Poisson
	 * input took 20 % longer */
	_Alignas(64) uint32_t w0[LANES], w1[LANES], w2[LANES], w3[LANES];
	_Alignas(64) int64_t x[LANES], kc[LANES];
	for (uint32_t base = 0; base < n; base += LANES) {
		uint32_t m = n - base < LANES ? n - base : LANES;
		/* the lanes past m up to a multiple of BLOCK are drawn and not used */
		uint32_t mb = (m + BLOCK - 1) / BLOCK * BLOCK;
		philox_run(seed, RNG_POISSON, sub, gid0 + base, mb, counter, w0, w1, w2, w3);
		if (dst_lo) {
			add_counts(t, w0, w1, m, wq, cmax, x, kc, dst_lo + base);
		}
		if (dst_hi) {
			add_counts(t, w2, w3, m, wq, cmax, x, kc, dst_hi + base);
		}
	}
}
