/*
 * The random streams for host and device: Philox blocks, sequential
 * streams, uniforms from random words and Poisson counts, written out so
 * that the CPU (rng_int.h wraps them for the library) and the CUDA kernels
 * draw the same numbers bit for bit.
 * Layer: sim core (IR level), internal. Plain C that also compiles as CUDA
 * C++ (math_hd.h's rules); keys every stream by (seed, purpose, sub,
 * element): nothing here allocates or keeps state.
 */
#ifndef SNN_RNG_HD_H
#define SNN_RNG_HD_H

#include <math.h>
#include <stdint.h>

#include "math_hd.h"

/* ------------------------------------------------------------------ random */

/* What a stream is for; part of the key so that streams never overlap. */
enum rng_purpose {
	RNG_CONNECT = 1,       /* which synapses exist */
	RNG_WEIGHT = 2,	       /* synaptic weights */
	RNG_DELAY = 3,	       /* synaptic delays */
	RNG_POISSON = 4,       /* Poisson stimuli, counted by step */
	RNG_INIT = 5,	       /* initial state of neurons */
	RNG_PARAM = 6,	       /* per-neuron parameters drawn from distributions */
	RNG_SOURCE = 7,	       /* spike sources (poisson_source), counted by step */
	RNG_SPLIT = 8,	       /* splitting a total synapse count over targets */
	RNG_EVENT_POISSON = 9, /* event engine: Poisson stimuli, counted by event */
	RNG_EVENT_SOURCE = 10, /* event engine: poisson_source, counted by event */
};

/* Poisson stimuli (RNG_POISSON) draw the counts of two consecutive emission
 * steps from one block: steps 2m and 2m + 1 take words 0-1 and 2-3 of the
 * block with counter m << 8 (the low byte numbers the further blocks of a
 * stream, for means too large for a table). */
SNN_HD uint64_t step_poisson_ctr(uint64_t emit)
{
	return (emit >> 1) << 8;
}

SNN_HD uint32_t step_poisson_word(uint64_t emit)
{
	return (uint32_t)(emit & 1) * 2;
}

/* A double uniform on the open interval (0, 1) from two words, with 53
 * random bits (the form every stream and every hot path uses). */
SNN_HD double step_words_to_open01(uint32_t w0, uint32_t w1)
{
	uint64_t x = ((uint64_t)(w0 >> 5) << 26) | (uint64_t)(w1 >> 6);
	/* x + 0.5 is exact below 2^52 and rounds to even above, where only the
	 * largest x would round up to 2^53 and give 1.0: it takes the largest
	 * double below 1 instead, so the interval stays open. */
	if (x == (UINT64_C(1) << 53) - 1) {
		return 1.0 - 1.0 / 9007199254740992.0;
	}
	return ((double)x + 0.5) * (1.0 / 9007199254740992.0);
}

/* Philox4x32-10 (Salmon et al. 2011) of counter c under key k: the
 * function Random123's philox4x32 computes, word for word (check_rng.c
 * compares them), written out so that CUDA code needs no C++ library. */
SNN_HD void step_philox(const uint32_t c[4], const uint32_t k[2], uint32_t out[4])
{
	uint32_t x0 = c[0], x1 = c[1], x2 = c[2], x3 = c[3];
	uint32_t k0 = k[0], k1 = k[1];
	for (int r = 0; r < 10; r++) {
		uint64_t p0 = (uint64_t)0xD2511F53u * x0;
		uint64_t p1 = (uint64_t)0xCD9E8D57u * x2;
		uint32_t y0 = (uint32_t)(p1 >> 32) ^ x1 ^ k0;
		uint32_t y2 = (uint32_t)(p0 >> 32) ^ x3 ^ k1;
		x1 = (uint32_t)p1;
		x3 = (uint32_t)p0;
		x0 = y0;
		x2 = y2;
		k0 += 0x9E3779B9u;
		k1 += 0xBB67AE85u;
	}
	out[0] = x0;
	out[1] = x1;
	out[2] = x2;
	out[3] = x3;
}

/* One block of the stream (seed, purpose, sub, element) at `counter`, as
 * rng_block of rng_int.h (purpose in the top byte of word 1, sub below). */
SNN_HD void step_block(uint64_t seed, uint32_t purpose, uint32_t sub, uint32_t element,
		       uint64_t counter, uint32_t out[4])
{
	uint32_t k[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
	uint32_t c[4] = {element, (purpose << 24) | (sub & 0xFFFFFFu), (uint32_t)counter,
			 (uint32_t)(counter >> 32)};
	step_philox(c, k, out);
}

/* A sequential stream, as struct rng of rng_int.h: words of consecutive
 * blocks, the counter's words 2-3 counting blocks. */
struct step_stream {
	uint32_t key[2];
	uint32_t ctr[4];
	uint32_t buf[4];
	int idx; /* next unused word of buf; 4 when empty */
};

SNN_HD void step_stream_init(struct step_stream *r, uint64_t seed, uint32_t purpose, uint32_t sub,
			     uint32_t element, uint64_t start)
{
	r->key[0] = (uint32_t)seed;
	r->key[1] = (uint32_t)(seed >> 32);
	r->ctr[0] = element;
	r->ctr[1] = (purpose << 24) | (sub & 0xFFFFFFu);
	r->ctr[2] = (uint32_t)start;
	r->ctr[3] = (uint32_t)(start >> 32);
	r->idx = 4;
}

SNN_HD uint32_t step_stream_u32(struct step_stream *r)
{
	if (r->idx == 4) {
		step_philox(r->ctr, r->key, r->buf);
		r->idx = 0;
		if (++r->ctr[2] == 0) {
			++r->ctr[3];
		}
	}
	return r->buf[r->idx++];
}

SNN_HD double step_stream_uniform(struct step_stream *r)
{
	uint32_t w0 = step_stream_u32(r);
	uint32_t w1 = step_stream_u32(r);
	return step_words_to_open01(w0, w1);
}

/* A count computed in a double, saturated to UINT64_MAX (a larger value does
 * not convert: the cast would be undefined). */
SNN_HD uint64_t step_count_from(double k)
{
	return k >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)k;
}

/* Poisson with mean lambda >= 10 (finite) by Hoermann's transformed
 * rejection with squeeze (PTRS), drawing from r. Its logarithms are
 * step_log and step_lgamma_int, so the CPU and the GPU accept the same
 * candidates. */
SNN_HD uint64_t step_poisson_ptrs(struct step_stream *r, double lambda)
{
	double slam = sqrt(lambda);
	double loglam = step_log(lambda);
	double b = 0.931 + 2.53 * slam;
	double a = -0.059 + 0.02483 * b;
	double invalpha = 1.1239 + 1.1328 / (b - 3.4);
	double vr = 0.9277 - 3.6224 / (b - 2.0);
	for (;;) {
		double u = step_stream_uniform(r) - 0.5;
		double v = step_stream_uniform(r);
		double us = 0.5 - fabs(u);
		double k = floor((2.0 * a / us + b) * u + lambda + 0.43);
		if (us >= 0.07 && v <= vr) {
			return step_count_from(k);
		}
		if (k < 0.0 || (us < 0.013 && v > us)) {
			continue;
		}
		if (step_log(v) + step_log(invalpha) - step_log(a / (us * us) + b) <=
		    -lambda + k * loglam - step_lgamma_int(k + 1.0)) {
			return step_count_from(k);
		}
	}
}

/* Poisson count with mean lambda by inversion of one uniform u in (0, 1);
 * exp_neg_lambda = exp(-lambda) precomputed. Exact for the small means of
 * per-step inputs (the loop runs about lambda + 1 times). */
SNN_HD uint32_t step_poisson_inversion(double u, double lambda, double exp_neg_lambda)
{
	uint32_t k = 0;
	double p = exp_neg_lambda;
	double cdf = p;
	while (u > cdf && k < 100000u) {
		k++;
		p *= lambda / (double)k;
		cdf += p;
		if (p == 0.0) {
			break;
		}
	}
	return k;
}

/* The count of u from a cumulative table cdf[0..ncdf) of the distribution
 * (searched from entry `from` on), continued by inversion past its end. */
SNN_HD uint32_t step_poisson_search(const double *cdf, int ncdf, double lambda,
				    double exp_neg_lambda, double u, int from)
{
	int k = from;
	while (k < ncdf && u > cdf[k]) {
		k++;
	}
	if (k == ncdf) {
		/* beyond the table (probability below 1e-40 for the means used) */
		return step_poisson_inversion(u, lambda, exp_neg_lambda);
	}
	return (uint32_t)k;
}

#endif
