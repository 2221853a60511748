/*
 * Random variates from counter-based streams: normal, exponential, Poisson,
 * binomial and geometric draws.
 * Layer: sim core, internal. Each function consumes words from the stream it
 * is given and touches nothing else.
 */
#include "config.h"

#include <math.h>

#include "rng_int.h"

double rng_normal(struct rng *r)
{
	if (r->have_normal) {
		r->have_normal = false;
		return r->next_normal;
	}
	/* Box-Muller: two independent standard normals from two uniforms. */
	double u1 = rng_uniform(r);
	double u2 = rng_uniform(r);
	double rad = sqrt(-2.0 * log(u1));
	double th = 6.283185307179586476925287 * u2;
	r->next_normal = rad * sin(th);
	r->have_normal = true;
	return rad * cos(th);
}

double rng_exponential(struct rng *r)
{
	return -log(rng_uniform(r));
}

/* A count computed in a double, saturated to UINT64_MAX (a larger value does
 * not convert: the cast would be undefined). */
static uint64_t count_from(double k)
{
	return k >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)k;
}

/* Hoermann's transformed rejection with squeeze (PTRS), for lambda >= 10. */
static uint64_t poisson_ptrs(struct rng *r, double lambda)
{
	double slam = sqrt(lambda);
	double loglam = log(lambda);
	double b = 0.931 + 2.53 * slam;
	double a = -0.059 + 0.02483 * b;
	double invalpha = 1.1239 + 1.1328 / (b - 3.4);
	double vr = 0.9277 - 3.6224 / (b - 2.0);
	for (;;) {
		double u = rng_uniform(r) - 0.5;
		double v = rng_uniform(r);
		double us = 0.5 - fabs(u);
		double k = floor((2.0 * a / us + b) * u + lambda + 0.43);
		if (us >= 0.07 && v <= vr) {
			return count_from(k);
		}
		if (k < 0.0 || (us < 0.013 && v > us)) {
			continue;
		}
		if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
		    -lambda + k * loglam - lgamma(k + 1.0)) {
			return count_from(k);
		}
	}
}

uint64_t rng_poisson(struct rng *r, double lambda)
{
	if (!(lambda > 0.0)) {
		return 0;
	}
	if (lambda < 10.0) {
		return rng_poisson_inversion(rng_uniform(r), lambda, exp(-lambda));
	}
	if (isinf(lambda)) {
		return UINT64_MAX;
	}
	return poisson_ptrs(r, lambda);
}

/* Inversion by sequential search, for n * p < 10 with p <= 1/2. */
static uint64_t binomial_inversion(struct rng *r, uint64_t n, double p)
{
	double q = 1.0 - p;
	double s = p / q;
	double a = ((double)n + 1.0) * s;
	double f = exp((double)n * log1p(-p)); /* P(X = 0) */
	double u = rng_uniform(r);
	uint64_t x = 0;
	while (u > f) {
		u -= f;
		x++;
		if (x > n) {
			/* u was within rounding of 1: the tail is empty, start over. */
			x = 0;
			f = exp((double)n * log1p(-p));
			u = rng_uniform(r);
			continue;
		}
		f *= a / (double)x - s;
	}
	return x;
}

/* Hoermann's BTRS (transformed rejection with squeeze), n * p >= 10, p <= 1/2. */
static uint64_t binomial_btrs(struct rng *r, uint64_t n, double p)
{
	double dn = (double)n;
	double q = 1.0 - p;
	double spq = sqrt(dn * p * q);
	double b = 1.15 + 2.53 * spq;
	double a = -0.0873 + 0.0248 * b + 0.01 * p;
	double c = dn * p + 0.5;
	double alpha = (2.83 + 5.1 / b) * spq;
	double vr = 0.92 - 4.2 / b;
	double urvr = 0.86 * vr;
	double m = floor((dn + 1.0) * p);
	double lpq = log(p / q);
	double h_m = lgamma(m + 1.0) + lgamma(dn - m + 1.0);
	for (;;) {
		double v = rng_uniform(r);
		double u;
		if (v <= urvr) {
			u = v / vr - 0.43;
			double k = floor((2.0 * a / (0.5 - fabs(u)) + b) * u + c);
			if (k >= 0.0 && k <= dn) {
				return (uint64_t)k;
			}
			continue;
		}
		if (v >= vr) {
			u = rng_uniform(r) - 0.5;
		} else {
			u = v / vr - 0.93;
			u = (u < 0 ? -0.5 : 0.5) - u;
			v = rng_uniform(r) * vr;
		}
		double us = 0.5 - fabs(u);
		double k = floor((2.0 * a / us + b) * u + c);
		if (k < 0.0 || k > dn) {
			continue;
		}
		v = v * alpha / (a / (us * us) + b);
		double logf_ratio = h_m - lgamma(k + 1.0) - lgamma(dn - k + 1.0) + (k - m) * lpq;
		if (log(v) <= logf_ratio) {
			return (uint64_t)k;
		}
	}
}

uint64_t rng_binomial(struct rng *r, uint64_t n, double p)
{
	if (n == 0 || !(p > 0.0)) {
		return 0;
	}
	if (p >= 1.0) {
		return n;
	}
	bool flip = p > 0.5;
	double pp = flip ? 1.0 - p : p;
	uint64_t k = ((double)n * pp < 10.0) ? binomial_inversion(r, n, pp)
					       : binomial_btrs(r, n, pp);
	return flip ? n - k : k;
}

uint64_t rng_geometric(struct rng *r, double log1m_p)
{
	if (log1m_p == -INFINITY) {
		return 0;
	}
	double g = floor(log(rng_uniform(r)) / log1m_p);
	if (g >= 1.8e19) {
		return UINT64_MAX;
	}
	return (uint64_t)g;
}

/* log of the binomial coefficient C(n, k). */
static double lchoose(double n, double k)
{
	return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

uint64_t rng_hypergeometric(struct rng *r, uint64_t draws, uint64_t good, uint64_t total)
{
	if (draws == 0 || good == 0) {
		return 0;
	}
	if (good >= total) {
		return draws;
	}
	double N = (double)draws, K = (double)good, M = (double)total;
	double lo = N - (M - K) > 0 ? N - (M - K) : 0.0;
	double hi = N < K ? N : K;
	double mode = floor((N + 1.0) * (K + 1.0) / (M + 2.0));
	if (mode < lo) {
		mode = lo;
	}
	if (mode > hi) {
		mode = hi;
	}
	/* Inversion by a chop-down search that starts at the mode and walks
	 * outwards, alternating sides, with the ratio of successive terms. */
	double pm = exp(lchoose(K, mode) + lchoose(M - K, N - mode) - lchoose(M, N));
	double u = rng_uniform(r);
	if (u <= pm) {
		return (uint64_t)mode;
	}
	u -= pm;
	double up = mode, dn = mode, pu = pm, pd = pm;
	for (;;) {
		bool moved = false;
		if (up < hi) {
			pu *= (K - up) * (N - up) / ((up + 1.0) * (M - K - N + up + 1.0));
			up += 1.0;
			moved = true;
			if (u <= pu) {
				return (uint64_t)up;
			}
			u -= pu;
		}
		if (dn > lo) {
			pd *= dn * (M - K - N + dn) / ((K - dn + 1.0) * (N - dn + 1.0));
			dn -= 1.0;
			moved = true;
			if (u <= pd) {
				return (uint64_t)dn;
			}
			u -= pd;
		}
		if (!moved) {
			return (uint64_t)mode; /* u exceeded the total by rounding */
		}
	}
}
