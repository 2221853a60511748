/*
 * Random variates from counter-based streams: normal, exponential, Poisson,
 * binomial and geometric draws.
 * Layer: sim core, internal. Each function consumes words from the stream it
 * is given and touches nothing else.
 */
#include "config.h"

#include <math.h>

#include "rng_int.h"

/* Evaluates a polynomial of degree 7 with coefficients c[0..7] at x. */
static double poly7(const double c[8], double x)
{
	double v = c[7];
	for (int i = 6; i >= 0; i--) {
		v = v * x + c[i];
	}
	return v;
}

double rng_normal_quantile(double p)
{
	/* Wichura's algorithm AS 241 (PPND16): rational approximations of the
	 * standard normal quantile, accurate to about 1e-16, in three regions. */
	static const double a[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
				    1.9715909503065514427e+3, 1.3731693765509461125e+4,
				    4.5921953931549871457e+4, 6.7265770927008700853e+4,
				    3.3430575583588128105e+4, 2.5090809287301226727e+3};
	static const double b[8] = {1.0,
				    4.2313330701600911252e+1,
				    6.8718700749205790830e+2,
				    5.3941960214247511077e+3,
				    2.1213794301586595867e+4,
				    3.9307895800092710610e+4,
				    2.8729085735721942674e+4,
				    5.2264952788528545610e+3};
	static const double c[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
				    5.76949722146069140550e0,  3.64784832476320460504e0,
				    1.27045825245236838258e0,  2.41780725177450611770e-1,
				    2.27238449892691845833e-2, 7.74545014278341407640e-4};
	static const double d[8] = {1.0,
				    2.05319162663775882187e0,
				    1.67638483018380384940e0,
				    6.89767334985100004550e-1,
				    1.48103976427480074590e-1,
				    1.51986665636164571966e-2,
				    5.47593808499534494600e-4,
				    1.05075007164441684324e-9};
	static const double e[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
				    1.78482653991729133580e0,  2.96560571828504891230e-1,
				    2.65321895265761230930e-2, 1.24266094738807843860e-3,
				    2.71155556874348757815e-5, 2.01033439929228813265e-7};
	static const double f[8] = {1.0,
				    5.99832206555887937690e-1,
				    1.36929880922735805310e-1,
				    1.48753612908506148525e-2,
				    7.86869131145613259100e-4,
				    1.84631831751005468180e-5,
				    1.42151175831644588870e-7,
				    2.04426310338993978564e-15};
	double q = p - 0.5;
	if (fabs(q) <= 0.425) {
		double r = 0.180625 - q * q;
		return q * poly7(a, r) / poly7(b, r);
	}
	double r = q < 0 ? p : 1.0 - p;
	r = sqrt(-log(r));
	double z;
	if (r <= 5.0) {
		r -= 1.6;
		z = poly7(c, r) / poly7(d, r);
	} else {
		r -= 5.0;
		z = poly7(e, r) / poly7(f, r);
	}
	return q < 0 ? -z : z;
}

double rng_normal(struct rng *r)
{
	/* inversion of one uniform: one draw costs half a Philox block and,
	 * 85% of the time, no transcendental function at all */
	return rng_normal_quantile(rng_uniform(r));
}

double rng_exponential(struct rng *r)
{
	return -log(rng_uniform(r));
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
	return rng_poisson_ptrs(r, lambda);
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
	uint64_t k =
	    ((double)n * pp < 10.0) ? binomial_inversion(r, n, pp) : binomial_btrs(r, n, pp);
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
