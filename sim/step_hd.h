/*
 * The arithmetic of one time step, shared word for word by the CPU engine
 * (C) and the CUDA kernels (sim/cuda/): neuron updates, their constants, the
 * state a trace reads, a deterministic exp and log, Philox blocks and
 * streams, uniforms from random words and Poisson counts.
 * Layer: sim core (engines), internal. Plain C that also compiles as CUDA
 * C++; no libc beyond <math.h> functions that are exact on both sides
 * (rint, floor, frexp, ldexp, fabs, sqrt). Nothing here allocates or keeps
 * state.
 *
 * Why it exists: the GPU must give the CPU's spikes bit for bit. Both sides
 * therefore run these same inline functions, built without fused
 * multiply-add (the C build uses -ffp-contract=off, nvcc --fmad=false), and
 * use only +, -, *, / and exact conversions, which IEEE 754 rounds the same
 * way everywhere. Library functions whose last bit may differ between glibc
 * and CUDA (exp) are replaced by step_exp below.
 */
#ifndef SNN_STEP_HD_H
#define SNN_STEP_HD_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef __CUDACC__
#define SNN_HD static __host__ __device__ __forceinline__
#else
#define SNN_HD static inline
#endif

/* Per-neuron propagators and constants of the lif models (exact integration
 * over one step h, after Rotter & Diesmann 1999; see model_lif.h). */
struct lif_prop {
	double P22;   /* exp(-h / tau_m) */
	double P20;   /* tau_m / C_m * (1 - P22): mV per pA of constant current */
	double P21ex; /* effect of I_syn_ex on V over a step */
	double P21in;
	double P11ex; /* exp(-h / tau_syn_ex) */
	double P11in;
	double theta; /* V_th - E_L */
	double reset; /* V_reset - E_L */
	double v_min; /* V_min - E_L (delta model) */
	double I_e;
	double E_L;
	uint32_t ref_steps;
};

/* Constants of lif_cond (see model_lif_cond.h). */
struct cond_prop {
	double C_m, g_L, E_L, E_ex, E_in, I_e;
	double P_ex, P_in;           /* exp(-h / tau_syn) */
	double P_ex_half, P_in_half; /* exp(-h / (2 tau_syn)): conductances at mid-step */
	double V_th, V_reset;
	double h_over_C;             /* h / C_m */
	uint32_t ref_steps;
};

/* ------------------------------------------------------------------ exp */

/* 2^e for -1022 <= e <= 1023, built from its bits: the value ldexp(1, e)
 * gives, without a library call in the inner loops. */
SNN_HD double step_pow2(int e)
{
	uint64_t bits = (uint64_t)(e + 1023) << 52;
	double d;
	memcpy(&d, &bits, sizeof(d));
	return d;
}

/* e^x to within a few units in the last place, the same bits on every
 * machine: x = k ln2 + r with |r| <= ln2 / 2 (ln2 split in a 32-bit head,
 * so that k * head is exact, and a tail), e^r by its Taylor series to
 * degree 13 (the remainder is below 2^-56), then scaled by 2^k with exact
 * multiplications by powers of two. Costs about 20 multiply-adds.
 * step_exp_parts gives e^r and k; with no branch, a loop of it over many x
 * vectorizes. */
SNN_HD double step_exp_parts(double x, double *k_out)
{
	const double ln2_hi = 6.93147180369123816490e-01; /* 0x1.62e42fee00000p-1 */
	const double ln2_lo = 1.90821492927058770002e-10; /* 0x1.a39ef35793c76p-33 */
	double k = rint(x * 1.4426950408889634);
	double r = (x - k * ln2_hi) - k * ln2_lo;
	double p = 1.6059043836821613e-10;
	p = p * r + 2.08767569878681e-09;
	p = p * r + 2.505210838544172e-08;
	p = p * r + 2.755731922398589e-07;
	p = p * r + 2.7557319223985893e-06;
	p = p * r + 2.48015873015873e-05;
	p = p * r + 0.0001984126984126984;
	p = p * r + 0.001388888888888889;
	p = p * r + 0.008333333333333333;
	p = p * r + 0.041666666666666664;
	p = p * r + 0.16666666666666666;
	p = p * r + 0.5;
	p = p * r + 1.0;
	p = p * r + 1.0;
	*k_out = k;
	return p;
}

/* |x| at most this: 2^k is one normal power of two, and step_exp(x) is
 * step_exp_parts times step_pow2(k) */
#define STEP_EXP_PLAIN 690.0

SNN_HD double step_exp(double x)
{
	if (x != x) {
		return x;
	}
	if (x > 709.782712893384) {
		return HUGE_VAL;
	}
	if (x < -745.2) {
		return 0.0;
	}
	double k;
	double p = step_exp_parts(x, &k);
	/* 2^k in two exact factors, each a normal power of two, so that only
	 * the last product rounds (also into the subnormal range) */
	int e = (int)k;
	if (e > 1000) {
		return p * ldexp(1.0, 1000) * ldexp(1.0, e - 1000);
	}
	if (e < -1000) {
		return p * ldexp(1.0, e + 1000) * ldexp(1.0, -1000);
	}
	return p * step_pow2(e);
}

/* The natural logarithm to within a few units in the last place, the same
 * bits on every machine: x = m 2^e with m in [sqrt(1/2), sqrt(2)), and
 * log(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, by its odd series
 * to s^23 (the remainder is below 2^-58). frexp is exact on both sides. */
SNN_HD double step_log(double x)
{
	const double ln2_hi = 6.93147180369123816490e-01;
	const double ln2_lo = 1.90821492927058770002e-10;
	if (x != x || x < 0.0) {
		return (x - x) / (x - x); /* NaN */
	}
	if (x == 0.0) {
		return -HUGE_VAL;
	}
	if (x > 1.7976931348623157e308) {
		return x;
	}
	int e;
	double m = frexp(x, &e); /* [0.5, 1) */
	if (m < 0.70710678118654752440) {
		m *= 2.0;
		e -= 1;
	}
	double f = m - 1.0;
	double s = f / (2.0 + f);
	double z = s * s;
	double q = 1.0 / 23.0;
	q = q * z + 1.0 / 21.0;
	q = q * z + 1.0 / 19.0;
	q = q * z + 1.0 / 17.0;
	q = q * z + 1.0 / 15.0;
	q = q * z + 1.0 / 13.0;
	q = q * z + 1.0 / 11.0;
	q = q * z + 1.0 / 9.0;
	q = q * z + 1.0 / 7.0;
	q = q * z + 1.0 / 5.0;
	q = q * z + 1.0 / 3.0;
	/* log(m) = 2s + 2s^3 q(s^2), q = 1/3 + s^2/5 + ... */
	double lm = 2.0 * s + 2.0 * s * (z * q);
	double de = (double)e;
	return de * ln2_hi + (de * ln2_lo + lm);
}

/* log((x - 1)!) = lgamma(x) for a whole number x >= 1: the log of the
 * product below 30, Stirling's series (five terms, error below 1e-17
 * relative) from 30 on. */
SNN_HD double step_lgamma_int(double x)
{
	if (x < 30.0) {
		double p = 1.0;
		for (double k = 2.0; k < x; k += 1.0) {
			p *= k;
		}
		return step_log(p);
	}
	const double half_log_2pi = 0.91893853320467274178;
	double r = 1.0 / x, r2 = r * r;
	double c = r * (1.0 / 12.0 - r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 -
										      r2 / 1188.0))));
	return (x - 0.5) * step_log(x) - x + half_log_2pi + c;
}

/* ------------------------------------------------------------------ neurons */

/* The end of a lif step: a neuron at threshold fires, resets and starts
 * its refractory period; stores the potential y. Returns whether it fired. */
SNN_HD bool lif_settle(const struct lif_prop *P, double y, double *v, uint32_t *ref)
{
	bool spike = y >= P->theta;
	if (spike) {
		*ref = P->ref_steps;
		y = P->reset;
	}
	*v = y;
	return spike;
}

/* lif with delta synapses, one neuron, one step (model_lif.h): y = V - E_L,
 * in0 the fixed-point input of the step and sc its scale, I the current
 * stimulus (pA). Returns whether the neuron spiked. */
SNN_HD bool lif_delta_step(const struct lif_prop *P, double *v, uint32_t *ref, int32_t in0,
			   double sc, double I)
{
	double y = *v;
	if (*ref == 0) {
		y = P->P20 * (I + P->I_e) + P->P22 * y + (double)in0 * sc;
		y = y < P->v_min ? P->v_min : y;
	} else {
		--*ref;
	}
	return lif_settle(P, y, v, ref);
}

/* lif with exponential synapses, both currents apart (iex, iin in pA). */
SNN_HD bool lif_exp_step(const struct lif_prop *P, double *v, double *iex, double *iin,
			 uint32_t *ref, int32_t in0, int32_t in1, double sc0, double sc1, double I)
{
	double y = *v;
	if (*ref == 0) {
		y = y * P->P22 + *iex * P->P21ex + *iin * P->P21in + (P->I_e + I) * P->P20;
	} else {
		--*ref;
	}
	*iex = *iex * P->P11ex + (double)in0 * sc0;
	*iin = *iin * P->P11in + (double)in1 * sc1;
	return lif_settle(P, y, v, ref);
}

/* lif with exponential synapses of equal time constants: one current, the
 * sum of both, fed by one input buffer. */
SNN_HD bool lif_exp1_step(const struct lif_prop *P, double *v, double *isyn, uint32_t *ref,
			  int32_t in0, double sc, double I)
{
	double y = *v;
	if (*ref == 0) {
		y = y * P->P22 + *isyn * P->P21ex + (P->I_e + I) * P->P20;
	} else {
		--*ref;
	}
	*isyn = *isyn * P->P11ex + (double)in0 * sc;
	return lif_settle(P, y, v, ref);
}

/* lif_cond, one neuron, one step (model_lif_cond.h); gex, gin in nS. Inhibitory
 * inputs arrive as negative weights: their magnitude is the conductance. */
SNN_HD bool cond_step(const struct cond_prop *P, double *v, double *gex, double *gin,
		      uint32_t *ref, int32_t in0, int32_t in1, double sc0, double sc1, double I)
{
	double V = *v;
	bool spike = false;
	if (*ref > 0) {
		--*ref;
		V = P->V_reset;
	} else {
		double ge = *gex * P->P_ex_half;
		double gi = *gin * P->P_in_half;
		double G = P->g_L + ge + gi;
		double vinf = (P->g_L * P->E_L + ge * P->E_ex + gi * P->E_in + P->I_e + I) / G;
		V = vinf + (V - vinf) * step_exp(-P->h_over_C * G);
		if (V >= P->V_th) {
			*ref = P->ref_steps;
			V = P->V_reset;
			spike = true;
		}
	}
	*gex = *gex * P->P_ex + (double)in0 * sc0;
	*gin = *gin * P->P_in - (double)in1 * sc1;
	*v = V;
	return spike;
}

/* The membrane potential a trace records: lif keeps V - E_L. */
SNN_HD double lif_v_m(const struct lif_prop *P, double y)
{
	return y + P->E_L;
}

/* ------------------------------------------------------------------ random */

/* What a stream is for; part of the key so that streams never overlap. */
enum rng_purpose {
	RNG_CONNECT = 1, /* which synapses exist */
	RNG_WEIGHT = 2,  /* synaptic weights */
	RNG_DELAY = 3,   /* synaptic delays */
	RNG_POISSON = 4, /* Poisson stimuli, counted by step */
	RNG_INIT = 5,    /* initial state of neurons */
	RNG_PARAM = 6,   /* per-neuron parameters drawn from distributions */
	RNG_SOURCE = 7,  /* spike sources (poisson_source), counted by step */
	RNG_SPLIT = 8,   /* splitting a total synapse count over targets */
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

SNN_HD void step_stream_init(struct step_stream *r, uint64_t seed, uint32_t purpose,
			     uint32_t sub, uint32_t element, uint64_t start)
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
