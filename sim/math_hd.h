/*
 * Deterministic exp, log and log-factorial for host and device: the same
 * bits from glibc and CUDA, for the model constants (step_hd.h) and the
 * Poisson draws (rng_hd.h) that the CPU and GPU engines share.
 * Layer: sim core (IR level), internal. Plain C that also compiles as CUDA
 * C++; no libc beyond <math.h> functions that are exact on both sides
 * (rint, floor, frexp, ldexp, fabs, sqrt). Nothing here allocates or keeps
 * state; built without fused multiply-add (see step_hd.h).
 */
#ifndef SNN_MATH_HD_H
#define SNN_MATH_HD_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Functions for both sides: static inline in C, __host__ __device__ in CUDA. */
#ifdef __CUDACC__
#define SNN_HD static __host__ __device__ __forceinline__
#else
#define SNN_HD static inline
#endif

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
	double c =
	    r * (1.0 / 12.0 -
		 r2 * (1.0 / 360.0 - r2 * (1.0 / 1260.0 - r2 * (1.0 / 1680.0 - r2 / 1188.0))));
	return (x - 0.5) * step_log(x) - x + half_log_2pi + c;
}

#endif
