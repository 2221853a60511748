/*
 * Tests of the counter-based random streams (sim/rng_int.h, sim/rng.c):
 * Philox4x32 known answers, how keys map to streams, reproducibility and
 * independence, and every distribution's moments and goodness of fit against
 * exact values. Seeds are fixed, so every run draws the same numbers.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "poisson_int.h"
#include "rng_int.h"
#include "testutil.h"

/* Statistical checks accept a deviation of up to 5 standard errors of the
 * statistic (for a normal statistic, a chance of 6e-7 to fail when the
 * sampler is right; the seeds are fixed, so a pass is reproducible). */
#define N_SE 5.0

/* ------------------------------------------------------------ helpers */

/* Check records every passing ck_assert (a write to its pipe each time), so
 * loops over many draws test with this, which only reports a failure. */
#define EXPECT(cond, ...)                          \
	do {                                       \
		if (!(cond)) {                     \
			ck_abort_msg(__VA_ARGS__); \
		}                                  \
	} while (0)

struct acc {
	double n, mean, m2;
};

static void acc_add(struct acc *a, double x)
{
	a->n += 1.0;
	double dlt = x - a->mean;
	a->mean += dlt / a->n;
	a->m2 += dlt * (x - a->mean);
}

/* Asserts that the sample mean and variance of `a` match a distribution of
 * mean mu, variance var and fourth central moment mu4 within N_SE standard
 * errors: sqrt(var/n) for the mean, sqrt((mu4 - var^2)/n) for the variance. */
static void check_moments(const char *what, const struct acc *a, double mu, double var, double mu4)
{
	double s2 = a->m2 / (a->n - 1.0);
	double se_mean = sqrt(var / a->n);
	double se_var = sqrt((mu4 - var * var) / a->n);
	ck_assert_msg(fabs(a->mean - mu) <= N_SE * se_mean,
		      "%s: mean %.6g, expected %.6g (standard error %.3g)", what, a->mean, mu,
		      se_mean);
	ck_assert_msg(fabs(s2 - var) <= N_SE * se_var,
		      "%s: variance %.6g, expected %.6g (standard error %.3g)", what, s2, var,
		      se_var);
}

/* Asserts that a proportion k/n estimates p within N_SE standard errors. */
static void check_fraction(const char *what, double k, double n, double p)
{
	double se = sqrt(p * (1.0 - p) / n);
	ck_assert_msg(fabs(k / n - p) <= N_SE * se, "%s: fraction %.6g, expected %.6g (se %.3g)",
		      what, k / n, p, se);
}

/* Pearson's chi-square test of counts[0..kmax] (counts[kmax + 1]: draws above
 * kmax) against pmf[0..kmax] (the tail beyond kmax gets the rest of the mass).
 * Neighbouring values are merged until every bin expects at least 20 draws.
 * The statistic is mapped to a standard normal with the Wilson-Hilferty
 * transform and must stay below 4.5 (an upper tail of 3.4e-6). */
static void check_chisq(const char *what, const uint64_t *counts, const double *pmf, size_t kmax,
			uint64_t n)
{
	double *rest = malloc((kmax + 2) * sizeof(double));
	ck_assert_ptr_nonnull(rest);
	double tot = 0.0;
	for (size_t k = 0; k <= kmax; k++) {
		tot += pmf[k];
	}
	double tail = tot < 1.0 ? 1.0 - tot : 0.0;
	/* rest[k]: mass of the values above k */
	rest[kmax] = tail;
	for (size_t k = kmax; k > 0; k--) {
		rest[k - 1] = rest[k] + pmf[k];
	}
	double x2 = 0.0, e = 0.0, o = 0.0;
	int bins = 0;
	for (size_t k = 0; k <= kmax; k++) {
		e += pmf[k] * (double)n;
		o += (double)counts[k];
		if (e >= 20.0 && rest[k] * (double)n >= 20.0) {
			x2 += (o - e) * (o - e) / e;
			bins++;
			e = o = 0.0;
		}
	}
	e += tail * (double)n;
	o += (double)counts[kmax + 1];
	ck_assert_msg(e > 0.0 || o == 0.0, "%s: %.0f draws where none can be", what, o);
	if (e > 0.0) {
		x2 += (o - e) * (o - e) / e;
		bins++;
	}
	free(rest);
	double df = bins - 1;
	ck_assert_msg(df >= 2, "%s: only %d bins", what, bins);
	double z = (cbrt(x2 / df) - (1.0 - 2.0 / (9.0 * df))) / sqrt(2.0 / (9.0 * df));
	ck_assert_msg(z < 4.5, "%s: chi-square %.2f with %.0f degrees of freedom (z = %.2f)", what,
		      x2, df, z);
}

static double lchoose(double n, double k)
{
	return lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0);
}

static double poisson_pmf(double lam, double k)
{
	return exp(-lam + k * log(lam) - lgamma(k + 1.0));
}

static double binomial_pmf(double n, double p, double k)
{
	return exp(lchoose(n, k) + k * log(p) + (n - k) * log1p(-p));
}

static double hyper_pmf(double draws, double good, double total, double k)
{
	if (k < 0 || k > draws || k > good || draws - k > total - good) {
		return 0.0;
	}
	return exp(lchoose(good, k) + lchoose(total - good, draws - k) - lchoose(total, draws));
}

/* Exact moments of a pmf over 0..kmax: mean, variance, fourth central moment. */
static void pmf_moments(const double *pmf, size_t kmax, double *mu, double *var, double *mu4)
{
	double m = 0.0, v = 0.0, f = 0.0;
	for (size_t k = 0; k <= kmax; k++) {
		m += pmf[k] * (double)k;
	}
	for (size_t k = 0; k <= kmax; k++) {
		double d = (double)k - m;
		v += pmf[k] * d * d;
		f += pmf[k] * d * d * d * d;
	}
	*mu = m;
	*var = v;
	*mu4 = f;
}

/* ------------------------------------------------------------ Philox */

struct kat {
	uint32_t ctr[4], key[2], out[4];
};

/* Random123's published known-answer vectors (kat_vectors) for Philox4x32. */
static const struct kat kat10[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};
static const struct kat kat7[] = {
    {{0, 0, 0, 0}, {0, 0}, {0x5f6fb709, 0x0d893f64, 0x4f121f81, 0x4f730a48}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x5207ddc2, 0x45165e59, 0x4d8ee751, 0x8c52f662}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a}},
};

START_TEST(test_philox_known_answers)
{
	for (size_t i = 0; i < 3; i++) {
		philox4x32_ctr_t c = {
		    {kat10[i].ctr[0], kat10[i].ctr[1], kat10[i].ctr[2], kat10[i].ctr[3]}};
		philox4x32_key_t k = {{kat10[i].key[0], kat10[i].key[1]}};
		philox4x32_ctr_t o = philox4x32(c, k);
		for (int j = 0; j < 4; j++) {
			ck_assert_msg(o.v[j] == kat10[i].out[j], "vector %zu word %d: %08x != %08x",
				      i, j, o.v[j], kat10[i].out[j]);
		}
		o = philox4x32_R(10, c, k);
		for (int j = 0; j < 4; j++) {
			ck_assert_uint_eq(o.v[j], kat10[i].out[j]);
		}
		c = (philox4x32_ctr_t){
		    {kat7[i].ctr[0], kat7[i].ctr[1], kat7[i].ctr[2], kat7[i].ctr[3]}};
		k = (philox4x32_key_t){{kat7[i].key[0], kat7[i].key[1]}};
		o = philox4x32_R(7, c, k);
		for (int j = 0; j < 4; j++) {
			ck_assert_uint_eq(o.v[j], kat7[i].out[j]);
		}
	}
}
END_TEST

/* The stream key lays out as counter = {element, purpose << 24 | sub, start
 * low, start high}, key = {seed low, seed high}: the known answers come out of
 * rng_block and of a stream started there. */
START_TEST(test_stream_layout)
{
	static const struct {
		uint64_t seed;
		unsigned purpose;
		uint32_t sub, element;
		uint64_t counter;
	} keys[] = {
	    {0, 0, 0, 0, 0},
	    {UINT64_MAX, 0xff, 0xffffff, 0xffffffff, UINT64_MAX},
	    {0x299f31d0a4093822ull, 0x85, 0xa308d3, 0x243f6a88, 0x0370734413198a2eull},
	};
	for (size_t i = 0; i < 3; i++) {
		philox4x32_ctr_t o = rng_block(keys[i].seed, (enum rng_purpose)keys[i].purpose,
					       keys[i].sub, keys[i].element, keys[i].counter);
		struct rng r;
		rng_init(&r, keys[i].seed, (enum rng_purpose)keys[i].purpose, keys[i].sub,
			 keys[i].element, keys[i].counter);
		for (int j = 0; j < 4; j++) {
			ck_assert_uint_eq(o.v[j], kat10[i].out[j]);
			ck_assert_uint_eq(rng_u32(&r), kat10[i].out[j]);
		}
	}
	/* the stream goes on with the next counter, carrying into the high word */
	struct rng r;
	rng_init(&r, 42, RNG_WEIGHT, 3, 9, 0xfffffffeu);
	for (uint64_t c = 0xfffffffeu; c < 0x100000003ull; c++) {
		philox4x32_ctr_t o = rng_block(42, RNG_WEIGHT, 3, 9, c);
		for (int j = 0; j < 4; j++) {
			ck_assert_uint_eq(rng_u32(&r), o.v[j]);
		}
	}
	/* a stream counted from `start` is the stream from 0 advanced by start blocks */
	struct rng a, b;
	rng_init(&a, 7, RNG_POISSON, 1, 2, 0);
	rng_init(&b, 7, RNG_POISSON, 1, 2, 5);
	for (int j = 0; j < 20; j++) {
		(void)rng_u32(&a);
	}
	for (int j = 0; j < 100; j++) {
		ck_assert_uint_eq(rng_u32(&a), rng_u32(&b));
	}
	/* sub keeps its low 24 bits only (documented in rng_init) */
	philox4x32_ctr_t p = rng_block(5, RNG_CONNECT, 0x1000007, 1, 0);
	philox4x32_ctr_t q = rng_block(5, RNG_CONNECT, 7, 1, 0);
	ck_assert(memcmp(&p, &q, sizeof(p)) == 0);
}
END_TEST

START_TEST(test_reproducible)
{
	struct rng a, b;
	rng_init(&a, 12345, RNG_PARAM, 17, 99, 3);
	rng_init(&b, 12345, RNG_PARAM, 17, 99, 3);
	for (int i = 0; i < 1000; i++) {
		EXPECT(rng_u32(&a) == rng_u32(&b), "word %d differs", i);
	}
	for (int i = 0; i < 1000; i++) {
		EXPECT(rng_uniform(&a) == rng_uniform(&b), "uniform %d differs", i);
		EXPECT(rng_normal(&a) == rng_normal(&b), "normal %d differs", i);
		EXPECT(rng_exponential(&a) == rng_exponential(&b), "exponential %d differs", i);
		EXPECT(rng_poisson(&a, 3.5) == rng_poisson(&b, 3.5), "Poisson %d differs", i);
		EXPECT(rng_poisson(&a, 300.0) == rng_poisson(&b, 300.0), "Poisson %d differs", i);
		EXPECT(rng_binomial(&a, 40, 0.6) == rng_binomial(&b, 40, 0.6),
		       "binomial %d differs", i);
		EXPECT(rng_hypergeometric(&a, 10, 20, 50) == rng_hypergeometric(&b, 10, 20, 50),
		       "hypergeometric %d differs", i);
		EXPECT(rng_geometric(&a, log1p(-0.2)) == rng_geometric(&b, log1p(-0.2)),
		       "geometric %d differs", i);
		EXPECT(rng_below(&a, 1000) == rng_below(&b, 1000), "below %d differs", i);
	}
	/* the stateless form agrees with a stream */
	rng_init(&a, 12345, RNG_PARAM, 17, 99, 3);
	for (uint64_t c = 3; c < 10; c++) {
		philox4x32_ctr_t o = rng_block(12345, RNG_PARAM, 17, 99, c);
		for (int j = 0; j < 4; j++) {
			ck_assert_uint_eq(rng_u32(&a), o.v[j]);
		}
	}
}
END_TEST

/* Two streams whose keys differ in one field: their words agree on half of
 * their bits (binomial, within N_SE standard errors) and almost never as a
 * whole word. */
static void check_unrelated(const char *what, struct rng *a, struct rng *b)
{
	const int words = 8192;
	double same_bits = 0.0;
	int same_words = 0;
	for (int i = 0; i < words; i++) {
		uint32_t x = rng_u32(a), y = rng_u32(b);
		same_bits += 32 - __builtin_popcount(x ^ y);
		same_words += x == y;
	}
	check_fraction(what, same_bits, 32.0 * words, 0.5);
	ck_assert_msg(same_words <= 1, "%s: %d equal words", what, same_words);
}

START_TEST(test_independent_streams)
{
	struct rng a, b;
	rng_init(&a, 1000, RNG_CONNECT, 4, 10, 0);

	rng_init(&b, 1001, RNG_CONNECT, 4, 10, 0);
	check_unrelated("seed", &a, &b);
	rng_init(&a, 1000, RNG_CONNECT, 4, 10, 0);
	rng_init(&b, 1000 | (1ull << 40), RNG_CONNECT, 4, 10, 0);
	check_unrelated("seed high word", &a, &b);
	rng_init(&a, 1000, RNG_CONNECT, 4, 10, 0);
	rng_init(&b, 1000, RNG_WEIGHT, 4, 10, 0);
	check_unrelated("purpose", &a, &b);
	rng_init(&a, 1000, RNG_CONNECT, 4, 10, 0);
	rng_init(&b, 1000, RNG_CONNECT, 5, 10, 0);
	check_unrelated("sub", &a, &b);
	rng_init(&a, 1000, RNG_CONNECT, 4, 10, 0);
	rng_init(&b, 1000, RNG_CONNECT, 4, 11, 0);
	check_unrelated("element", &a, &b);
	rng_init(&a, 1000, RNG_CONNECT, 4, 10, 0);
	rng_init(&b, 1000, RNG_CONNECT, 4, 10, 1ull << 32);
	check_unrelated("start", &a, &b);

	/* every purpose gives its own first block */
	philox4x32_ctr_t first[9];
	for (unsigned p = RNG_CONNECT; p <= RNG_SPLIT; p++) {
		first[p] = rng_block(1, (enum rng_purpose)p, 0, 0, 0);
		for (unsigned q = RNG_CONNECT; q < p; q++) {
			ck_assert(memcmp(&first[p], &first[q], sizeof(first[p])) != 0);
		}
	}
}
END_TEST

/* ------------------------------------------------------------ uniform */

START_TEST(test_uniform_open_interval)
{
	struct rng r;
	rng_init(&r, 2024, RNG_INIT, 0, 0, 0);
	struct acc a = {0};
	const int n = 400000;
	uint64_t bins[101] = {0};
	double pmf[100];
	double lo = 1.0, hi = 0.0;
	for (int i = 0; i < n; i++) {
		double u = rng_uniform(&r);
		EXPECT(u > 0.0 && u < 1.0, "uniform draw %d: %.17g", i, u);
		lo = u < lo ? u : lo;
		hi = u > hi ? u : hi;
		acc_add(&a, u);
		bins[(int)(u * 100.0)]++;
	}
	for (int k = 0; k < 100; k++) {
		pmf[k] = 0.01;
	}
	/* U(0,1): variance 1/12, fourth central moment 1/80 */
	check_moments("uniform", &a, 0.5, 1.0 / 12.0, 1.0 / 80.0);
	check_chisq("uniform in 100 bins", bins, pmf, 99, (uint64_t)n);
	ck_assert(lo < 1e-4 && hi > 1.0 - 1e-4);

	/* the extremes of the 53-bit grid: all-zero and all-one words */
	rng_init(&r, 1, RNG_INIT, 0, 0, 0);
	r.buf[0] = 0;
	r.buf[1] = 0;
	r.buf[2] = 0xffffffffu;
	r.buf[3] = 0xffffffffu;
	r.idx = 0;
	ck_assert(rng_uniform(&r) == 0x1p-54);
	double top = rng_uniform(&r);
	ck_assert_msg(top < 1.0, "all-one words give %.17g", top);
	ck_assert(top == nextafter(1.0, 0.0));
	/* the next grid point down stays below it */
	r.buf[0] = 0xffffffffu;
	r.buf[1] = 0xffffff80u;
	r.idx = 0;
	double below = rng_uniform(&r);
	ck_assert(below < top && below > 1.0 - 1e-15);
	/* an exponential from the largest uniform is still positive */
	r.buf[0] = 0xffffffffu;
	r.buf[1] = 0xffffffffu;
	r.idx = 0;
	ck_assert(rng_exponential(&r) > 0.0);

	ck_assert(rng_u32_to_open01(0) == 0x1p-33);
	ck_assert(rng_u32_to_open01(0xffffffffu) < 1.0);
	ck_assert(rng_u32_to_open01(0xffffffffu) == 1.0 - 0x1p-33);
	ck_assert(rng_u32_to_open01(0x80000000u) == 0.5 + 0x1p-33);
}
END_TEST

START_TEST(test_below_unbiased)
{
	static const uint32_t ns[] = {2, 3, 7, 10, 1000};
	struct rng r;
	rng_init(&r, 77, RNG_CONNECT, 1, 2, 0);
	for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
		uint32_t m = ns[i];
		uint64_t draws = m == 1000 ? 200000 : 70000;
		uint64_t *cnt = calloc(m + 1, sizeof(uint64_t));
		double *pmf = malloc(m * sizeof(double));
		ck_assert(cnt && pmf);
		for (uint64_t k = 0; k < draws; k++) {
			uint32_t v = rng_below(&r, m);
			EXPECT(v < m, "below(%u) gave %u", m, v);
			cnt[v]++;
		}
		for (uint32_t k = 0; k < m; k++) {
			pmf[k] = 1.0 / m;
		}
		char what[32];
		snprintf(what, sizeof(what), "below(%u)", m);
		if (m >= 7) {
			check_chisq(what, cnt, pmf, m - 1, draws);
		} else {
			for (uint32_t k = 0; k < m; k++) {
				check_fraction(what, (double)cnt[k], (double)draws, 1.0 / m);
			}
		}
		free(cnt);
		free(pmf);
	}
	for (int k = 0; k < 100; k++) {
		EXPECT(rng_below(&r, 1) == 0, "below(1) is not 0");
	}
	/* n = 3 * 2^30: a word maps to floor(w * 3/4), so without rejection the
	 * multiples of 3 would come up half of the time instead of a third */
	const uint32_t big = 0xC0000000u;
	double mult3 = 0.0, high = 0.0;
	const int n = 300000;
	for (int k = 0; k < n; k++) {
		uint32_t v = rng_below(&r, big);
		EXPECT(v < big, "below(3 * 2^30) gave %u", v);
		mult3 += v % 3 == 0;
		high += v >= big / 2;
	}
	check_fraction("below(3 * 2^30) multiples of 3", mult3, n, 1.0 / 3.0);
	check_fraction("below(3 * 2^30) upper half", high, n, 0.5);
	/* the largest n */
	for (int k = 0; k < 1000; k++) {
		EXPECT(rng_below(&r, UINT32_MAX) < UINT32_MAX, "below(2^32 - 1) out of range");
	}
}
END_TEST

/* ------------------------------------------------------------ continuous */

START_TEST(test_normal)
{
	struct rng r;
	rng_init(&r, 5, RNG_PARAM, 0, 0, 0);
	struct acc a = {0};
	const int n = 400000;
	double tails = 0.0, prod = 0.0, prev = 0.0;
	for (int i = 0; i < n; i++) {
		double z = rng_normal(&r);
		EXPECT(isfinite(z), "normal draw %d: %g", i, z);
		acc_add(&a, z);
		tails += fabs(z) > 2.0;
		prod += z * prev;
		prev = z;
	}
	check_moments("normal", &a, 0.0, 1.0, 3.0);
	/* P(|Z| > 2) = erfc(2 / sqrt 2) */
	check_fraction("normal |z| > 2", tails, n, erfc(2.0 / sqrt(2.0)));
	/* consecutive values are uncorrelated: the mean of z_i z_{i-1} has
	 * standard error 1/sqrt(n) */
	ck_assert(fabs(prod / n) <= N_SE / sqrt((double)n));
	/* a normal is one uniform: two words, so a block of four serves two */
	rng_init(&r, 5, RNG_PARAM, 0, 0, 0);
	(void)rng_normal(&r);
	ck_assert_int_eq(r.idx, 2);
	(void)rng_normal(&r);
	ck_assert_int_eq(r.idx, 4);
	ck_assert_uint_eq(r.ctr.v[2], 1);
	/* the quantile function: known values and symmetry */
	ck_assert(fabs(rng_normal_quantile(0.5)) < 1e-16);
	ck_assert(fabs(rng_normal_quantile(0.975) - 1.959963984540054) < 1e-14);
	ck_assert(fabs(rng_normal_quantile(0.8413447460685429) - 1.0) < 1e-13);
	ck_assert(fabs(rng_normal_quantile(1e-10) + 6.361340902404056) < 1e-12);
	ck_assert(fabs(rng_normal_quantile(1e-300) + 37.0470962993612) < 1e-10);
	for (double p = 0.01; p < 0.5; p += 0.01) {
		ck_assert(rng_normal_quantile(p) == -rng_normal_quantile(1.0 - p) ||
			  fabs(rng_normal_quantile(p) + rng_normal_quantile(1.0 - p)) < 1e-14);
	}
}
END_TEST

START_TEST(test_exponential)
{
	struct rng r;
	rng_init(&r, 6, RNG_PARAM, 0, 0, 0);
	struct acc a = {0};
	const int n = 400000;
	double over3 = 0.0;
	for (int i = 0; i < n; i++) {
		double x = rng_exponential(&r);
		EXPECT(x > 0.0 && isfinite(x), "exponential draw %d: %g", i, x);
		acc_add(&a, x);
		over3 += x > 3.0;
	}
	/* Exp(1): mean 1, variance 1, fourth central moment 9 */
	check_moments("exponential", &a, 1.0, 1.0, 9.0);
	check_fraction("exponential > 3", over3, n, exp(-3.0));
}
END_TEST

/* ------------------------------------------------------------ Poisson */

START_TEST(test_poisson_moments)
{
	/* below 10 by inversion, from 10 on by PTRS */
	static const double lams[] = {0.05, 0.5, 2.0, 9.9, 10.0, 10.5, 50.0, 1000.0, 1e6};
	struct rng r;
	rng_init(&r, 8, RNG_POISSON, 0, 0, 0);
	for (size_t i = 0; i < sizeof(lams) / sizeof(lams[0]); i++) {
		double lam = lams[i];
		struct acc a = {0};
		for (int k = 0; k < 200000; k++) {
			acc_add(&a, (double)rng_poisson(&r, lam));
		}
		char what[48];
		snprintf(what, sizeof(what), "Poisson(%g)", lam);
		/* mean and variance lambda; fourth central moment lambda + 3 lambda^2 */
		check_moments(what, &a, lam, lam, lam + 3.0 * lam * lam);
	}
}
END_TEST

START_TEST(test_poisson_edges)
{
	struct rng r;
	rng_init(&r, 9, RNG_POISSON, 0, 0, 0);
	for (int k = 0; k < 100; k++) {
		ck_assert_uint_eq(rng_poisson(&r, 0.0), 0);
		ck_assert_uint_eq(rng_poisson(&r, -3.0), 0);
		ck_assert_uint_eq(rng_poisson(&r, NAN), 0);
		ck_assert_uint_eq(rng_poisson(&r, -INFINITY), 0);
	}
	/* huge means: a draw is within 10 standard deviations, and means beyond
	 * the range of a count saturate instead of overflowing */
	for (int k = 0; k < 100; k++) {
		double x = (double)rng_poisson(&r, 1e15);
		ck_assert(fabs(x - 1e15) < 10.0 * sqrt(1e15));
	}
	ck_assert_uint_eq(rng_poisson(&r, 1e30), UINT64_MAX);
	ck_assert_uint_eq(rng_poisson(&r, INFINITY), UINT64_MAX);
}
END_TEST

static void poisson_fit(double lam, uint64_t seed)
{
	enum { KMAX = 80, N = 200000 };
	uint64_t cnt[KMAX + 2] = {0};
	double pmf[KMAX + 1];
	struct rng r;
	rng_init(&r, seed, RNG_POISSON, 1, 0, 0);
	for (int i = 0; i < N; i++) {
		uint64_t k = rng_poisson(&r, lam);
		cnt[k > KMAX ? KMAX + 1 : k]++;
	}
	for (int k = 0; k <= KMAX; k++) {
		pmf[k] = poisson_pmf(lam, k);
	}
	char what[48];
	snprintf(what, sizeof(what), "Poisson(%g) fit", lam);
	check_chisq(what, cnt, pmf, KMAX, N);
}

START_TEST(test_poisson_fit)
{
	poisson_fit(2.0, 1);
	poisson_fit(0.5, 2);
	poisson_fit(9.9, 3);
	poisson_fit(10.0, 4);
	poisson_fit(30.0, 5);
}
END_TEST

/* Inversion returns the smallest k whose cdf reaches u. */
START_TEST(test_poisson_inversion)
{
	static const double lams[] = {0.1, 2.0, 7.5, 40.0};
	for (size_t i = 0; i < sizeof(lams) / sizeof(lams[0]); i++) {
		double lam = lams[i], el = exp(-lam);
		double cdf[200];
		double c = 0.0;
		for (int k = 0; k < 200; k++) {
			c += poisson_pmf(lam, k);
			cdf[k] = c;
		}
		for (int j = 1; j < 2000; j++) {
			double u = j / 2000.0;
			int want = 0;
			while (cdf[want] < u) {
				want++;
			}
			/* skip grid points within rounding of a step of the cdf */
			if (fabs(cdf[want] - u) < 1e-9 ||
			    (want > 0 && fabs(cdf[want - 1] - u) < 1e-9)) {
				continue;
			}
			EXPECT(rng_poisson_inversion(u, lam, el) == (uint32_t)want,
			       "lambda %g, u %g: %u, expected %d", lam, u,
			       rng_poisson_inversion(u, lam, el), want);
		}
		ck_assert_uint_eq(rng_poisson_inversion(el * 0.5, lam, el), 0);
	}
	ck_assert_uint_eq(rng_poisson_inversion(0.999999, 0.0, 1.0), 0);

	/* as the engine uses it: one word per draw */
	struct acc a = {0};
	const double lam = 0.8;
	for (uint32_t e = 0; e < 50000; e++) {
		philox4x32_ctr_t b = rng_block(3, RNG_POISSON, 0, e, 0);
		for (int j = 0; j < 4; j++) {
			double u = rng_u32_to_open01(b.v[j]);
			acc_add(&a, rng_poisson_inversion(u, lam, exp(-lam)));
		}
	}
	check_moments("Poisson inversion(0.8)", &a, lam, lam, lam + 3.0 * lam * lam);
}
END_TEST

/* ------------------------------------------------------------ binomial */

START_TEST(test_binomial_moments)
{
	static const struct {
		uint64_t n;
		double p;
	} cases[] = {
	    {20, 0.2},				  /* inversion */
	    {50, 0.3},				  /* BTRS */
	    {1000, 0.01}, {1000, 0.7}, {30, 0.9}, /* p > 1/2 by symmetry */
	    {100, 0.5},	  {1, 0.3},    {1000000, 0.25}, {5, 0.999},
	};
	struct rng r;
	rng_init(&r, 10, RNG_SPLIT, 0, 0, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double n = (double)cases[i].n, p = cases[i].p, q = 1.0 - p;
		struct acc a = {0};
		for (int k = 0; k < 200000; k++) {
			uint64_t x = rng_binomial(&r, cases[i].n, p);
			EXPECT(x <= cases[i].n, "binomial draw %llu > n", (unsigned long long)x);
			acc_add(&a, (double)x);
		}
		char what[64];
		snprintf(what, sizeof(what), "Binomial(%g, %g)", n, p);
		double var = n * p * q;
		check_moments(what, &a, n * p, var, var * (1.0 + 3.0 * (n - 2.0) * p * q));
	}
}
END_TEST

START_TEST(test_binomial_edges)
{
	struct rng r;
	rng_init(&r, 11, RNG_SPLIT, 0, 0, 0);
	for (int k = 0; k < 100; k++) {
		ck_assert_uint_eq(rng_binomial(&r, 0, 0.5), 0);
		ck_assert_uint_eq(rng_binomial(&r, 0, 1.0), 0);
		ck_assert_uint_eq(rng_binomial(&r, 17, 0.0), 0);
		ck_assert_uint_eq(rng_binomial(&r, 17, -0.5), 0);
		ck_assert_uint_eq(rng_binomial(&r, 17, NAN), 0);
		ck_assert_uint_eq(rng_binomial(&r, 17, 1.0), 17);
		ck_assert_uint_eq(rng_binomial(&r, 17, 1.5), 17);
		ck_assert_uint_eq(rng_binomial(&r, UINT64_MAX / 2, 1.0), UINT64_MAX / 2);
	}
	/* p > 1/2 draws n - Binomial(n, 1 - p) from the same words */
	static const uint64_t ns[] = {20, 100, 5000};
	for (size_t i = 0; i < 3; i++) {
		struct rng a, b;
		rng_init(&a, 12, RNG_SPLIT, 1, 0, 0);
		rng_init(&b, 12, RNG_SPLIT, 1, 0, 0);
		for (int k = 0; k < 2000; k++) {
			uint64_t x = rng_binomial(&a, ns[i], 0.75);
			uint64_t y = rng_binomial(&b, ns[i], 0.25);
			EXPECT(x == ns[i] - y, "n %llu: %llu is not n - %llu",
			       (unsigned long long)ns[i], (unsigned long long)x,
			       (unsigned long long)y);
		}
	}
}
END_TEST

static void binomial_fit(uint64_t n, double p, uint64_t seed)
{
	enum { N = 200000 };
	size_t kmax = (size_t)n;
	uint64_t *cnt = calloc(kmax + 2, sizeof(uint64_t));
	double *pmf = malloc((kmax + 1) * sizeof(double));
	ck_assert(cnt && pmf);
	struct rng r;
	rng_init(&r, seed, RNG_SPLIT, 2, 0, 0);
	for (int i = 0; i < N; i++) {
		uint64_t k = rng_binomial(&r, n, p);
		EXPECT(k <= n, "binomial draw %llu > n", (unsigned long long)k);
		cnt[k]++;
	}
	for (size_t k = 0; k <= kmax; k++) {
		pmf[k] = binomial_pmf((double)n, p, (double)k);
	}
	char what[64];
	snprintf(what, sizeof(what), "Binomial(%llu, %g) fit", (unsigned long long)n, p);
	check_chisq(what, cnt, pmf, kmax, N);
	free(cnt);
	free(pmf);
}

START_TEST(test_binomial_fit)
{
	binomial_fit(50, 0.3, 1);   /* BTRS */
	binomial_fit(20, 0.2, 2);   /* inversion */
	binomial_fit(30, 0.9, 3);   /* inversion, mirrored */
	binomial_fit(1000, 0.7, 4); /* BTRS, mirrored */
	binomial_fit(100, 0.1, 5);  /* n p = 10: BTRS at its lower limit */
}
END_TEST

/* ------------------------------------------------------------ hypergeometric */

static void hyper_case(uint64_t draws, uint64_t good, uint64_t total, uint64_t seed, bool fit)
{
	enum { N = 100000 };
	double dn = (double)draws, dk = (double)good, dm = (double)total;
	size_t kmax = (size_t)(draws < good ? draws : good);
	uint64_t lo = draws > total - good ? draws - (total - good) : 0;
	uint64_t *cnt = calloc(kmax + 2, sizeof(uint64_t));
	double *pmf = malloc((kmax + 1) * sizeof(double));
	ck_assert(cnt && pmf);
	struct rng r;
	rng_init(&r, seed, RNG_SPLIT, 3, 0, 0);
	struct acc a = {0};
	for (int i = 0; i < N; i++) {
		uint64_t k = rng_hypergeometric(&r, draws, good, total);
		EXPECT(k >= lo && k <= kmax, "H(%llu, %llu, %llu) gave %llu",
		       (unsigned long long)draws, (unsigned long long)good,
		       (unsigned long long)total, (unsigned long long)k);
		cnt[k]++;
		acc_add(&a, (double)k);
	}
	for (size_t k = 0; k <= kmax; k++) {
		pmf[k] = hyper_pmf(dn, dk, dm, (double)k);
	}
	double mu, var, mu4;
	pmf_moments(pmf, kmax, &mu, &var, &mu4);
	/* the exact mean and variance, which the pmf must reproduce */
	double mean = dn * dk / dm;
	double variance = dn * (dk / dm) * ((dm - dk) / dm) * ((dm - dn) / (dm - 1.0));
	ck_assert(fabs(mu - mean) <= 1e-9 * (1.0 + mean));
	ck_assert(fabs(var - variance) <= 1e-9 * (1.0 + variance));
	char what[96];
	snprintf(what, sizeof(what), "Hypergeometric(draws %llu, good %llu, total %llu)",
		 (unsigned long long)draws, (unsigned long long)good, (unsigned long long)total);
	check_moments(what, &a, mean, variance, mu4);
	if (fit) {
		check_chisq(what, cnt, pmf, kmax, N);
	}
	free(cnt);
	free(pmf);
}

START_TEST(test_hypergeometric)
{
	hyper_case(20, 30, 100, 1, true);
	hyper_case(5, 8, 10, 2, true); /* at least 3 good ones are drawn */
	hyper_case(200, 500, 1000, 3, true);
	hyper_case(30, 970, 1000, 4, true);
	hyper_case(500, 3000, 10000, 5, false);
	hyper_case(1000, 300000, 1000000, 6, false);
	hyper_case(999, 10, 1000, 7, false);
}
END_TEST

START_TEST(test_hypergeometric_edges)
{
	struct rng r;
	rng_init(&r, 13, RNG_SPLIT, 0, 0, 0);
	for (int k = 0; k < 100; k++) {
		ck_assert_uint_eq(rng_hypergeometric(&r, 0, 5, 10), 0);
		ck_assert_uint_eq(rng_hypergeometric(&r, 7, 0, 10), 0);
		ck_assert_uint_eq(rng_hypergeometric(&r, 7, 10, 10), 7);
		ck_assert_uint_eq(rng_hypergeometric(&r, 10, 4, 10), 4); /* all drawn */
		ck_assert_uint_eq(rng_hypergeometric(&r, 9, 9, 10) >= 8, 1);
		ck_assert_uint_eq(rng_hypergeometric(&r, 1000000, 3, 1000000), 3);
	}
	/* one draw is Bernoulli(good / total) */
	double ones = 0.0;
	const int n = 100000;
	for (int k = 0; k < n; k++) {
		uint64_t x = rng_hypergeometric(&r, 1, 3, 10);
		EXPECT(x <= 1, "one draw gave %llu", (unsigned long long)x);
		ones += (double)x;
	}
	check_fraction("Hypergeometric(1, 3, 10)", ones, n, 0.3);
}
END_TEST

/* ------------------------------------------------------------ geometric */

START_TEST(test_geometric)
{
	static const double ps[] = {0.9, 0.5, 0.3, 0.01, 1e-4};
	struct rng r;
	rng_init(&r, 14, RNG_CONNECT, 0, 0, 0);
	for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		double p = ps[i], q = 1.0 - p;
		struct acc a = {0};
		for (int k = 0; k < 200000; k++) {
			acc_add(&a, (double)rng_geometric(&r, log1p(-p)));
		}
		char what[48];
		snprintf(what, sizeof(what), "Geometric(%g)", p);
		/* failures before a success: mean q/p, variance q/p^2, fourth
		 * central moment q (9 q + p^2) / p^4 */
		check_moments(what, &a, q / p, q / (p * p), q * (9.0 * q + p * p) / pow(p, 4.0));
	}
	/* goodness of fit for p = 0.3 */
	enum { KMAX = 40, N = 200000 };
	uint64_t cnt[KMAX + 2] = {0};
	double pmf[KMAX + 1];
	for (int i = 0; i < N; i++) {
		uint64_t k = rng_geometric(&r, log1p(-0.3));
		cnt[k > KMAX ? KMAX + 1 : k]++;
	}
	for (int k = 0; k <= KMAX; k++) {
		pmf[k] = 0.3 * pow(0.7, k);
	}
	check_chisq("Geometric(0.3) fit", cnt, pmf, KMAX, N);
	/* p = 1: no failures; p so small that the count saturates */
	for (int k = 0; k < 100; k++) {
		ck_assert_uint_eq(rng_geometric(&r, log1p(-1.0)), 0);
		ck_assert_uint_eq(rng_geometric(&r, -1e-300), UINT64_MAX);
	}
}
END_TEST

/* ------------------------------------------------------------ batched kernels */

START_TEST(test_philox_run_matches_blocks)
{
	/* the lane-parallel Philox gives the words of rng_block, for runs of any
	 * length and alignment and counters with carries */
	uint32_t w0[200], w1[200], w2[200], w3[200];
	const uint64_t counters[] = {0, 1, 0xFFFFFFFFull, 0x100000000ull, 12345ull << 8};
	for (size_t c = 0; c < sizeof(counters) / sizeof(counters[0]); c++) {
		for (uint32_t n = 1; n <= 200; n += 37) {
			uint32_t gid0 = 0xFFFFFF00u + (uint32_t)c;
			philox_run(0x123456789abcdefull, RNG_POISSON, 7, gid0, n, counters[c], w0,
				   w1, w2, w3);
			for (uint32_t j = 0; j < n; j++) {
				philox4x32_ctr_t b = rng_block(0x123456789abcdefull, RNG_POISSON, 7,
							       gid0 + j, counters[c]);
				ck_assert_uint_eq(w0[j], b.v[0]);
				ck_assert_uint_eq(w1[j], b.v[1]);
				ck_assert_uint_eq(w2[j], b.v[2]);
				ck_assert_uint_eq(w3[j], b.v[3]);
			}
		}
	}
}
END_TEST

START_TEST(test_poisson_run_matches_single)
{
	/* counts added by the batched kernel equal the one-neuron path on both
	 * halves of the block (two emission steps), also for draws beyond the
	 * branch-free part of the search; a half given no buffer is not drawn;
	 * the distribution of each half is Poisson and the halves uncorrelated */
	const double lambdas[] = {0.01, 1.6, 2.0, 7.5};
	enum { N = 3000 };
	static int32_t lo[N], hi[N];
	for (size_t li = 0; li < sizeof(lambdas) / sizeof(lambdas[0]); li++) {
		struct poisson_table t;
		poisson_table_init(&t, lambdas[li]);
		ck_assert_int_gt(t.ncdf, 0);
		uint32_t cmax = poisson_count_max(lambdas[li]);
		ck_assert_uint_gt(cmax, lambdas[li] + 10.0 * sqrt(lambdas[li]));
		double mean[2] = {0.0, 0.0}, cross = 0.0;
		for (uint64_t pair = 0; pair < 40; pair++) {
			for (int i = 0; i < N; i++) {
				lo[i] = 5;
				hi[i] = 7;
			}
			poisson_add_run(&t, 99, 3, 1000, N, pair << 8, 2, cmax,
					pair % 5 == 4 ? NULL : lo, pair % 5 == 3 ? NULL : hi);
			for (uint32_t i = 0; i < N; i++) {
				philox4x32_ctr_t b =
				    rng_block(99, RNG_POISSON, 3, 1000 + i, pair << 8);
				uint32_t k0 = poisson_count(&t, b.v[0], b.v[1]);
				uint32_t k1 = poisson_count(&t, b.v[2], b.v[3]);
				int32_t want_lo = pair % 5 == 4 ? 5 : 5 + 2 * (int32_t)k0;
				int32_t want_hi = pair % 5 == 3 ? 7 : 7 + 2 * (int32_t)k1;
				ck_assert_msg(lo[i] == want_lo && hi[i] == want_hi,
					      "lambda %g neuron %u: %d %d vs %d %d", lambdas[li], i,
					      lo[i], hi[i], want_lo, want_hi);
				mean[0] += (double)k0;
				mean[1] += (double)k1;
				cross += ((double)k0 - lambdas[li]) * ((double)k1 - lambdas[li]);
			}
		}
		double draws = 40.0 * N;
		double se = sqrt(lambdas[li] / draws);
		for (int h = 0; h < 2; h++) {
			mean[h] /= draws;
			ck_assert_msg(fabs(mean[h] - lambdas[li]) < N_SE * se,
				      "lambda %g half %d: mean %g", lambdas[li], h, mean[h]);
		}
		/* correlation of the halves: standard error 1/sqrt(draws) */
		double corr = cross / draws / lambdas[li];
		ck_assert_msg(fabs(corr) < N_SE / sqrt(draws), "lambda %g: correlation %g",
			      lambdas[li], corr);
	}
}
END_TEST

/* The uniform of the 53-bit draw x, made from the two words that carry it. */
static double uniform_of_bits(uint64_t x)
{
	return rng_words_to_open01((uint32_t)(x >> 26) << 5, (uint32_t)(x & 0x3FFFFFFu) << 6);
}

START_TEST(test_poisson_thresholds_exact)
{
	/* the integer threshold of every table entry is the first draw whose
	 * uniform exceeds the entry: the batched count equals the double search's
	 * at the boundaries too, and a value no draw exceeds gets 2^53 */
	const double lambdas[] = {0.001, 0.3, 1.28, 2.32, 9.5};
	for (size_t li = 0; li < sizeof(lambdas) / sizeof(lambdas[0]); li++) {
		struct poisson_table t;
		poisson_table_init(&t, lambdas[li]);
		for (int m = 0; m < t.ncdf; m++) {
			uint64_t T = (uint64_t)t.thr[m];
			ck_assert_uint_eq(T, poisson_threshold(t.cdf[m]));
			if (T < (UINT64_C(1) << 53)) {
				ck_assert(uniform_of_bits(T) > t.cdf[m]);
			}
			if (T > 0 && T <= (UINT64_C(1) << 53)) {
				ck_assert(uniform_of_bits(T - 1) <= t.cdf[m]);
			}
		}
	}
	ck_assert_uint_eq(poisson_threshold(1.0), UINT64_C(1) << 53);
	ck_assert_uint_eq(poisson_threshold(0.0), 0);
	/* 2^52 + 0.5 rounds to 2^52 (ties to even): u = 0.5 exactly, not above */
	ck_assert_uint_eq(poisson_threshold(0.5), (UINT64_C(1) << 52) + 1);
}
END_TEST

static Suite *rng_suite(void)
{
	Suite *s = suite_create("rng");
	TCase *tc = tcase_create("streams");
	tcase_add_test(tc, test_philox_run_matches_blocks);
	tcase_add_test(tc, test_poisson_run_matches_single);
	tcase_add_test(tc, test_poisson_thresholds_exact);
	tcase_add_test(tc, test_philox_known_answers);
	tcase_add_test(tc, test_stream_layout);
	tcase_add_test(tc, test_reproducible);
	tcase_add_test(tc, test_independent_streams);
	tcase_add_test(tc, test_uniform_open_interval);
	tcase_add_test(tc, test_below_unbiased);
	suite_add_tcase(s, tc);

	tc = tcase_create("distributions");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_normal);
	tcase_add_test(tc, test_exponential);
	tcase_add_test(tc, test_poisson_moments);
	tcase_add_test(tc, test_poisson_edges);
	tcase_add_test(tc, test_poisson_fit);
	tcase_add_test(tc, test_poisson_inversion);
	tcase_add_test(tc, test_binomial_moments);
	tcase_add_test(tc, test_binomial_edges);
	tcase_add_test(tc, test_binomial_fit);
	tcase_add_test(tc, test_hypergeometric);
	tcase_add_test(tc, test_hypergeometric_edges);
	tcase_add_test(tc, test_geometric);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(rng_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
