/*
 * The arithmetic the CPU and the CUDA engine share (sim/model/step_hd.h), on the
 * host: step_exp and step_log against glibc (their error in units of the
 * last place, and their special values), step_lgamma_int against lgamma,
 * step_philox and the step streams against Random123 and struct rng word
 * for word, and PTRS Poisson counts through both stream types.
 */
#include "config.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rng_int.h"
#include "step_hd.h"
#include "testutil.h"

/* |a - b| in units of the last place of b. */
static double ulps(double a, double b)
{
	if (a == b) {
		return 0.0;
	}
	double u = nextafter(fabs(b), INFINITY) - fabs(b);
	return fabs(a - b) / u;
}

/* A reproducible double uniform in [lo, hi) from the test's own stream. */
static double uni(struct rng *r, double lo, double hi)
{
	return lo + (hi - lo) * rng_uniform(r);
}

START_TEST(test_exp)
{
	struct rng r;
	rng_init(&r, 1, RNG_INIT, 0, 0, 0);
	double worst = 0.0, at = 0.0;
	for (int i = 0; i < 2000000; i++) {
		/* the whole normal range, and [-1, 1] densely */
		double x = i % 2 ? uni(&r, -708.0, 709.7) : uni(&r, -1.0, 1.0);
		double e = ulps(step_exp(x), exp(x));
		if (e > worst) {
			worst = e;
			at = x;
		}
	}
	printf("step_exp: at most %g ulp from glibc's exp (at x = %.17g)\n", worst, at);
	ck_assert_msg(worst <= 1.0, "step_exp is %g ulp off at %.17g", worst, at);
	ck_assert(step_exp(0.0) == 1.0);
	ck_assert(ulps(step_exp(1.0), exp(1.0)) <= 1.0);
	ck_assert(isnan(step_exp(NAN)));
	ck_assert(step_exp(INFINITY) == INFINITY);
	ck_assert(step_exp(-INFINITY) == 0.0);
	ck_assert(step_exp(710.0) == INFINITY);
	ck_assert(step_exp(-746.0) == 0.0);
	/* the subnormal range: one rounding, within one subnormal unit */
	for (double x = -744.0; x < -708.0; x += 0.37) {
		ck_assert_msg(fabs(step_exp(x) - exp(x)) <= 4.9406564584124654e-324, "x = %g", x);
	}
	ck_assert(ulps(step_exp(709.7), exp(709.7)) <= 1.0);
}
END_TEST

START_TEST(test_log)
{
	struct rng r;
	rng_init(&r, 2, RNG_INIT, 0, 0, 0);
	double worst = 0.0, at = 0.0;
	for (int i = 0; i < 2000000; i++) {
		double x = i % 2 ? exp(uni(&r, -700.0, 700.0)) : uni(&r, 0.5, 2.0);
		double e = ulps(step_log(x), log(x));
		if (e > worst) {
			worst = e;
			at = x;
		}
	}
	printf("step_log: at most %g ulp from glibc's log (at x = %.17g)\n", worst, at);
	ck_assert_msg(worst <= 2.0, "step_log is %g ulp off at %.17g", worst, at);
	ck_assert(step_log(1.0) == 0.0);
	ck_assert(step_log(2.0) == log(2.0));
	ck_assert(step_log(0.0) == -INFINITY);
	ck_assert(isnan(step_log(-1.0)));
	ck_assert(isnan(step_log(NAN)));
	ck_assert(step_log(INFINITY) == INFINITY);
	ck_assert(ulps(step_log(DBL_MIN), log(DBL_MIN)) <= 2.0);
	ck_assert(ulps(step_log(4.9406564584124654e-324), log(4.9406564584124654e-324)) <= 2.0);
	ck_assert(ulps(step_log(DBL_MAX), log(DBL_MAX)) <= 2.0);
}
END_TEST

START_TEST(test_lgamma)
{
	double worst = 0.0;
	for (double x = 1.0; x < 1e6; x += 1.0) {
		double a = step_lgamma_int(x), b = lgamma(x);
		double e = b == 0.0 ? fabs(a) : fabs(a - b) / fabs(b);
		worst = e > worst ? e : worst;
	}
	for (double x = 1e6; x < 1e300; x *= 1.37) {
		double a = step_lgamma_int(floor(x)), b = lgamma(floor(x));
		double e = fabs(a - b) / fabs(b);
		worst = e > worst ? e : worst;
	}
	printf("step_lgamma_int: relative error at most %.3g\n", worst);
	ck_assert_msg(worst < 2e-15, "relative error %g", worst);
	ck_assert(step_lgamma_int(1.0) == 0.0);
	ck_assert(step_lgamma_int(2.0) == 0.0);
}
END_TEST

START_TEST(test_philox_is_random123)
{
	struct rng r;
	rng_init(&r, 3, RNG_INIT, 0, 0, 0);
	for (int i = 0; i < 200000; i++) {
		philox4x32_ctr_t c = {{rng_u32(&r), rng_u32(&r), rng_u32(&r), rng_u32(&r)}};
		philox4x32_key_t k = {{rng_u32(&r), rng_u32(&r)}};
		philox4x32_ctr_t want = philox4x32(c, k);
		uint32_t got[4];
		step_philox(c.v, k.v, got);
		for (int j = 0; j < 4; j++) {
			ck_assert_uint_eq(got[j], want.v[j]);
		}
	}
	/* the keyed blocks of the hot paths */
	for (uint32_t g = 0; g < 5000; g++) {
		uint64_t seed = 0x123456789ABCDEFull * (g + 1);
		philox4x32_ctr_t want = rng_block(seed, RNG_POISSON, g % 7, g, (uint64_t)g << 40);
		uint32_t got[4];
		step_block(seed, RNG_POISSON, g % 7, g, (uint64_t)g << 40, got);
		for (int j = 0; j < 4; j++) {
			ck_assert_uint_eq(got[j], want.v[j]);
		}
	}
}
END_TEST

START_TEST(test_streams_agree)
{
	for (uint32_t e = 0; e < 200; e++) {
		struct rng a;
		struct step_stream b;
		/* a start near the 32-bit boundary crosses into the high word */
		uint64_t start = 0xFFFFFFF0u + (uint64_t)e * 3;
		rng_init(&a, 77 + e, RNG_POISSON, e, e * 13, start);
		step_stream_init(&b, 77 + e, RNG_POISSON, e, e * 13, start);
		for (int i = 0; i < 300; i++) {
			ck_assert_uint_eq(rng_u32(&a), step_stream_u32(&b));
		}
		ck_assert(rng_uniform(&a) == step_stream_uniform(&b));
	}
}
END_TEST

START_TEST(test_ptrs_both_streams)
{
	/* rng_poisson (struct rng, host) and step_poisson_ptrs (the GPU's
	 * stream) give the same counts and leave their streams in step */
	const double lambdas[] = {10.0, 12.5, 25.0, 300.0, 1e4, 1e9};
	for (size_t l = 0; l < sizeof(lambdas) / sizeof(lambdas[0]); l++) {
		struct rng a;
		struct step_stream b;
		rng_init(&a, 5, RNG_POISSON, 1, (uint32_t)l, 0);
		step_stream_init(&b, 5, RNG_POISSON, 1, (uint32_t)l, 0);
		double sum = 0;
		for (int i = 0; i < 20000; i++) {
			uint64_t x = rng_poisson(&a, lambdas[l]);
			ck_assert_uint_eq(x, step_poisson_ptrs(&b, lambdas[l]));
			sum += (double)x;
		}
		double mean = sum / 20000.0;
		/* the mean within 5 standard errors */
		ck_assert_msg(fabs(mean - lambdas[l]) < 5.0 * sqrt(lambdas[l] / 20000.0),
			      "lambda %g: mean %g", lambdas[l], mean);
		ck_assert_uint_eq(rng_u32(&a), step_stream_u32(&b));
	}
}
END_TEST

START_TEST(test_poisson_search)
{
	/* the table search of a tiny mean falls back to inversion past its end */
	double cdf[3] = {0.5, 0.75, 0.875};
	ck_assert_uint_eq(step_poisson_search(cdf, 3, 0.5, exp(-0.5), 0.4, 0), 0);
	ck_assert_uint_eq(step_poisson_search(cdf, 3, 0.5, exp(-0.5), 0.8, 0), 2);
	ck_assert_uint_eq(step_poisson_search(cdf, 3, 0.5, exp(-0.5), 0.999, 0),
			  step_poisson_inversion(0.999, 0.5, exp(-0.5)));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("step");
	TCase *tc = tcase_create("shared arithmetic");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_exp);
	tcase_add_test(tc, test_log);
	tcase_add_test(tc, test_lgamma);
	tcase_add_test(tc, test_philox_is_random123);
	tcase_add_test(tc, test_streams_agree);
	tcase_add_test(tc, test_ptrs_both_streams);
	tcase_add_test(tc, test_poisson_search);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
