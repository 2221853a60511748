/*
 * Connection rules and synaptic values: counts that the rules fix exactly,
 * counts of random rules within 5 standard deviations of their expectation,
 * the autapses and multapses switches, uniform choice of partners, weight
 * and delay distributions with their bounds, and the synapse count the
 * engine builds.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect_int.h"
#include "net_int.h"
#include "testutil.h"

/* Loads a one-projection network: population a (na neurons), b (nb), the
 * projection text (a YAML flow mapping without braces). */
static snn_net *net_with(uint32_t na, uint32_t nb, const char *proj)
{
	char *y = tu_fmt("simulation: {dt: 0.1 ms, duration: 1 ms, seed: 7}\n"
			 "populations:\n"
			 "  a: {model: lif, size: %u}\n"
			 "  b: {model: lif, synapse: exp, size: %u}\n"
			 "projections:\n"
			 "  - {%s}\n",
			 na, nb, proj);
	snn_net *net = tu_load(y);
	free(y);
	return net;
}

static void prepare(struct conn *c, snn_net *net, uint32_t index)
{
	snn_diag *d = snn_diag_new();
	ck_assert_int_eq(conn_prepare(c, net, index, net->sim.seed, d), SNN_OK);
	snn_diag_free(d);
}

/* Synapses per target (target-driven rules) or per source (outdegree), and
 * pairs seen, for a projection between sets of sizes npre x npost. */
struct census {
	uint64_t total;
	uint32_t *per_anchor;
	uint32_t *per_partner;
	bool self_seen;
	bool dup_seen;
};

static void census(const struct conn *c, struct census *cs)
{
	uint32_t nan = c->source_driven ? c->n_pre : c->n_post;
	uint32_t npa = c->source_driven ? c->n_post : c->n_pre;
	memset(cs, 0, sizeof(*cs));
	cs->per_anchor = calloc(nan, sizeof(uint32_t));
	cs->per_partner = calloc(npa, sizeof(uint32_t));
	uint8_t *seen = calloc(npa, 1);
	ck_assert(cs->per_anchor && cs->per_partner && seen);
	struct conn_scratch sc;
	memset(&sc, 0, sizeof(sc));
	for (uint32_t a = 0; a < nan; a++) {
		uint64_t n;
		int rc =
		    c->source_driven ? conn_targets(c, a, &sc, &n) : conn_sources(c, a, &sc, &n);
		ck_assert_int_eq(rc, 0);
		cs->per_anchor[a] = (uint32_t)n;
		cs->total += n;
		for (uint64_t k = 0; k < n; k++) {
			uint32_t p = sc.idx[k];
			ck_assert_uint_lt(p, npa);
			cs->per_partner[p]++;
			if (seen[p]) {
				cs->dup_seen = true;
			}
			seen[p] = 1;
			/* same population, same neuron */
			const struct target_set *as = c->source_driven ? &c->pr->pre : &c->pr->post;
			const struct target_set *ps = c->source_driven ? &c->pr->post : &c->pr->pre;
			if (c->same_pop && target_set_at(as, a) == target_set_at(ps, p)) {
				cs->self_seen = true;
			}
		}
		for (uint64_t k = 0; k < n; k++) {
			seen[sc.idx[k]] = 0;
		}
	}
	conn_scratch_free(&sc);
	free(seen);
}

static void census_free(struct census *cs)
{
	free(cs->per_anchor);
	free(cs->per_partner);
}

START_TEST(test_all_to_all_and_one_to_one)
{
	snn_net *net = net_with(30, 20,
				"from: a, to: a, rule: all_to_all, weight: 1 mV, "
				"delay: 1 ms, autapses: false");
	struct conn c;
	struct census cs;
	prepare(&c, net, 0);
	census(&c, &cs);
	ck_assert_uint_eq(cs.total, 30 * 29);
	ck_assert(!cs.self_seen && !cs.dup_seen);
	census_free(&cs);
	conn_release(&c);
	snn_net_free(net);

	net = net_with(30, 20, "from: a, to: b, rule: all_to_all, weight: 1 pA, delay: 1 ms");
	prepare(&c, net, 0);
	census(&c, &cs);
	ck_assert_uint_eq(cs.total, 30 * 20);
	census_free(&cs);
	conn_release(&c);
	snn_net_free(net);

	net = net_with(20, 20,
		       "from: a, to: 'b[0:20]', rule: one_to_one, weight: 1 pA, "
		       "delay: 1 ms");
	prepare(&c, net, 0);
	census(&c, &cs);
	ck_assert_uint_eq(cs.total, 20);
	for (uint32_t j = 0; j < 20; j++) {
		ck_assert_uint_eq(cs.per_anchor[j], 1);
		ck_assert_uint_eq(cs.per_partner[j], 1);
	}
	census_free(&cs);
	conn_release(&c);
	snn_net_free(net);

	/* one_to_one onto itself without autapses connects nothing */
	net = net_with(20, 20,
		       "from: a, to: a, rule: one_to_one, weight: 1 mV, delay: 1 ms, "
		       "autapses: false");
	prepare(&c, net, 0);
	census(&c, &cs);
	ck_assert_uint_eq(cs.total, 0);
	census_free(&cs);
	conn_release(&c);
	snn_net_free(net);
}
END_TEST

START_TEST(test_fixed_indegree)
{
	/* exact indegree; without multapses every source once; no autapses */
	snn_net *net = net_with(200, 10,
				"from: a, to: a, rule: {fixed_indegree: 199}, "
				"weight: 1 mV, delay: 1 ms, autapses: false, "
				"multapses: false");
	struct conn c;
	struct census cs;
	prepare(&c, net, 0);
	census(&c, &cs);
	for (uint32_t j = 0; j < 200; j++) {
		ck_assert_uint_eq(cs.per_anchor[j], 199);
	}
	ck_assert(!cs.self_seen && !cs.dup_seen);
	census_free(&cs);
	conn_release(&c);
	snn_net_free(net);

	/* with multapses, sources are uniform: chi-square over 100 sources of
	 * 5000 targets x 40 draws (expected 2000 each; 99 degrees of freedom:
	 * mean 99, sd 14; 99 + 5 sd = 170) */
	net = net_with(100, 5000,
		       "from: a, to: b, rule: {fixed_indegree: 40}, weight: 1 pA, "
		       "delay: 1 ms");
	prepare(&c, net, 0);
	census(&c, &cs);
	ck_assert_uint_eq(cs.total, 5000 * 40);
	double chi2 = 0.0;
	for (uint32_t i = 0; i < 100; i++) {
		double e = 2000.0, o = cs.per_partner[i];
		chi2 += (o - e) * (o - e) / e;
	}
	ck_assert_msg(chi2 < 170.0, "chi-square of source use %g", chi2);
	ck_assert(cs.dup_seen); /* multapses do occur at 40 draws from 100 */
	census_free(&cs);
	conn_release(&c);
	snn_net_free(net);
}
END_TEST

START_TEST(test_fixed_outdegree)
{
	snn_net *net = net_with(300, 10,
				"from: a, to: a, rule: {fixed_outdegree: 50}, "
				"weight: 1 mV, delay: 1 ms, autapses: false, "
				"multapses: false");
	struct conn c;
	struct census cs;
	prepare(&c, net, 0);
	ck_assert(c.source_driven);
	census(&c, &cs);
	for (uint32_t i = 0; i < 300; i++) {
		ck_assert_uint_eq(cs.per_anchor[i], 50);
	}
	ck_assert_uint_eq(cs.total, 300 * 50);
	ck_assert(!cs.self_seen && !cs.dup_seen);
	/* indegrees: binomial-like around 50 */
	double m = 0;
	for (uint32_t j = 0; j < 300; j++) {
		m += cs.per_partner[j];
	}
	ck_assert_double_eq_tol(m / 300.0, 50.0, 1e-12);
	census_free(&cs);
	conn_release(&c);
	snn_net_free(net);
}
END_TEST

START_TEST(test_fixed_total_number)
{
	/* the total is exact; the pairs are uniform, so per-target counts are
	 * multinomial: mean N/n, variance N (1/n)(1 - 1/n) (the rule draws by
	 * source: the targets are its partners) */
	snn_net *net = net_with(400, 1000,
				"from: a, to: b, rule: {fixed_total_number: 100000}, "
				"weight: 1 pA, delay: 1 ms");
	struct conn c;
	struct census cs;
	prepare(&c, net, 0);
	ck_assert(c.source_driven);
	census(&c, &cs);
	ck_assert_uint_eq(cs.total, 100000);
	double mean = 0, var = 0;
	for (uint32_t j = 0; j < 1000; j++) {
		mean += cs.per_partner[j];
	}
	mean /= 1000.0;
	for (uint32_t j = 0; j < 1000; j++) {
		var += (cs.per_partner[j] - mean) * (cs.per_partner[j] - mean);
	}
	var /= 999.0;
	double ev = 100000.0 * (1.0 / 1000.0) * (1.0 - 1.0 / 1000.0);
	/* the variance estimate of 1000 samples has a relative sd of sqrt(2/999) */
	ck_assert_msg(fabs(var - ev) < 5.0 * ev * sqrt(2.0 / 999.0), "variance %g vs %g", var, ev);
	census_free(&cs);
	conn_release(&c);
	snn_net_free(net);

	/* without multapses and autapses, the same population, nearly full */
	net = net_with(50, 10,
		       "from: a, to: a, rule: {fixed_total_number: 2400}, weight: 1 mV, "
		       "delay: 1 ms, autapses: false, multapses: false");
	prepare(&c, net, 0);
	census(&c, &cs);
	ck_assert_uint_eq(cs.total, 2400);
	ck_assert(!cs.self_seen && !cs.dup_seen);
	for (uint32_t j = 0; j < 50; j++) {
		ck_assert_uint_le(cs.per_anchor[j], 49);
	}
	census_free(&cs);
	conn_release(&c);
	snn_net_free(net);
}
END_TEST

START_TEST(test_fixed_probability)
{
	/* total ~ Binomial(pairs, p): within 5 sd; no autapses */
	snn_net *net = net_with(2000, 10,
				"from: a, to: a, rule: {fixed_probability: 0.02}, "
				"weight: 1 mV, delay: 1 ms, autapses: false");
	struct conn c;
	struct census cs;
	prepare(&c, net, 0);
	census(&c, &cs);
	double pairs = 2000.0 * 1999.0, p = 0.02;
	double mean = pairs * p, sd = sqrt(pairs * p * (1 - p));
	ck_assert_msg(fabs((double)cs.total - mean) < 5 * sd, "total %llu, expected %g +- %g",
		      (unsigned long long)cs.total, mean, sd);
	ck_assert(!cs.self_seen && !cs.dup_seen);
	/* per-target counts: variance of Binomial(1999, p) */
	double m = (double)cs.total / 2000.0, v = 0;
	for (uint32_t j = 0; j < 2000; j++) {
		v += (cs.per_anchor[j] - m) * (cs.per_anchor[j] - m);
	}
	v /= 1999.0;
	double ev = 1999.0 * p * (1 - p);
	ck_assert_msg(fabs(v - ev) < 5.0 * ev * sqrt(2.0 / 1999.0), "variance %g vs %g", v, ev);
	census_free(&cs);
	conn_release(&c);
	snn_net_free(net);

	/* p = 1 is all-to-all; p = 0 is nothing */
	net = net_with(40, 30,
		       "from: a, to: b, rule: {fixed_probability: 1}, weight: 1 pA, "
		       "delay: 1 ms");
	prepare(&c, net, 0);
	census(&c, &cs);
	ck_assert_uint_eq(cs.total, 40 * 30);
	ck_assert(!cs.dup_seen);
	census_free(&cs);
	conn_release(&c);
	snn_net_free(net);
	net = net_with(40, 30,
		       "from: a, to: b, rule: {fixed_probability: 0}, weight: 1 pA, "
		       "delay: 1 ms");
	prepare(&c, net, 0);
	census(&c, &cs);
	ck_assert_uint_eq(cs.total, 0);
	census_free(&cs);
	conn_release(&c);
	snn_net_free(net);
}
END_TEST

START_TEST(test_subsets)
{
	/* from a[0:10] to a[5:15] without autapses: neurons 5..9 are in both */
	snn_net *net = net_with(20, 10,
				"from: 'a[0:10]', to: 'a[5:15]', rule: all_to_all, "
				"weight: 1 mV, delay: 1 ms, autapses: false");
	struct conn c;
	struct census cs;
	prepare(&c, net, 0);
	census(&c, &cs);
	ck_assert_uint_eq(cs.total, 10 * 10 - 5);
	ck_assert(!cs.self_seen);
	census_free(&cs);
	conn_release(&c);
	snn_net_free(net);
}
END_TEST

START_TEST(test_independent_of_order)
{
	/* a target's sources depend on (seed, projection, target) only */
	snn_net *net = net_with(500, 300,
				"from: a, to: b, rule: {fixed_indegree: 25}, "
				"weight: {normal: {mean: 10 pA, std: 2 pA}}, delay: 1 ms");
	struct conn c;
	prepare(&c, net, 0);
	struct conn_scratch s1, s2;
	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	uint64_t n1, n2;
	ck_assert_int_eq(conn_sources(&c, 77, &s1, &n1), 0);
	for (uint32_t j = 0; j < 300; j += 7) {
		ck_assert_int_eq(conn_sources(&c, j, &s2, &n2), 0);
	}
	ck_assert_int_eq(conn_sources(&c, 77, &s2, &n2), 0);
	ck_assert_uint_eq(n1, n2);
	ck_assert_mem_eq(s1.idx, s2.idx, n1 * sizeof(uint32_t));
	double w1, w2;
	ck_assert_int_eq(conn_weight(&c, 77, 3, &w1), 0);
	ck_assert_int_eq(conn_weight(&c, 12, 3, &w2), 0);
	ck_assert(w1 != w2);
	ck_assert_int_eq(conn_weight(&c, 77, 3, &w2), 0);
	ck_assert(w1 == w2);
	conn_scratch_free(&s1);
	conn_scratch_free(&s2);
	conn_release(&c);
	snn_net_free(net);
}
END_TEST

/* Moments of a projection's weights over many synapses. */
static void weight_moments(const char *weight, double *mean, double *sd, double *lo, double *hi)
{
	char *p =
	    tu_fmt("from: a, to: b, rule: {fixed_indegree: 100}, weight: %s, delay: 1 ms", weight);
	snn_net *net = net_with(100, 400, p);
	struct conn c;
	prepare(&c, net, 0);
	double s = 0, s2 = 0;
	*lo = INFINITY;
	*hi = -INFINITY;
	const int n = 40000;
	for (int i = 0; i < n; i++) {
		double w;
		ck_assert_int_eq(conn_weight(&c, (uint32_t)(i / 100), (uint64_t)(i % 100), &w), 0);
		s += w;
		s2 += w * w;
		*lo = w < *lo ? w : *lo;
		*hi = w > *hi ? w : *hi;
	}
	*mean = s / n;
	*sd = sqrt(s2 / n - *mean * *mean);
	conn_release(&c);
	snn_net_free(net);
	free(p);
}

START_TEST(test_weight_distributions)
{
	double m, sd, lo, hi;
	const double n = 40000;
	weight_moments("{normal: {mean: 87.8 pA, std: 8.78 pA}}", &m, &sd, &lo, &hi);
	ck_assert_msg(fabs(m - 87.8) < 5 * 8.78 / sqrt(n), "normal mean %g", m);
	ck_assert_msg(fabs(sd - 8.78) < 5 * 8.78 / sqrt(2 * n), "normal sd %g", sd);
	weight_moments("{lognormal: {mean: 50 pA, std: 20 pA}}", &m, &sd, &lo, &hi);
	ck_assert_msg(fabs(m - 50.0) < 5 * 20.0 / sqrt(n), "lognormal mean %g", m);
	ck_assert(lo > 0);
	weight_moments("{lognormal: {mean: -50 pA, std: 20 pA}}", &m, &sd, &lo, &hi);
	ck_assert_msg(fabs(m + 50.0) < 5 * 20.0 / sqrt(n), "negative lognormal mean %g", m);
	ck_assert(hi < 0);
	weight_moments("{uniform: {low: 10 pA, high: 30 pA}}", &m, &sd, &lo, &hi);
	ck_assert_msg(fabs(m - 20.0) < 5 * (20.0 / sqrt(12.0)) / sqrt(n), "uniform mean %g", m);
	ck_assert(lo >= 10.0 && hi < 30.0);
	/* bounds: redraw keeps the values inside; clip piles them on the bound */
	weight_moments("{normal: {mean: 0 pA, std: 10 pA}, min: 0 pA}", &m, &sd, &lo, &hi);
	ck_assert(lo >= 0.0);
	ck_assert_msg(fabs(m - 10.0 * sqrt(2.0 / M_PI)) < 0.2, "half-normal mean %g", m);
	weight_moments("{normal: {mean: 0 pA, std: 10 pA}, min: 0 pA, bound: clip}", &m, &sd, &lo,
		       &hi);
	ck_assert(lo == 0.0);
	ck_assert_msg(fabs(m - 10.0 / sqrt(2.0 * M_PI)) < 0.2, "clipped mean %g", m);
}
END_TEST

START_TEST(test_delays_on_grid)
{
	snn_net *net = net_with(100, 400,
				"from: a, to: b, rule: {fixed_indegree: 100}, "
				"weight: 1 pA, delay: {normal: {mean: 1.5 ms, std: 0.75 ms}, "
				"min: 0.1 ms}");
	struct conn c;
	prepare(&c, net, 0);
	double s = 0;
	for (int i = 0; i < 40000; i++) {
		uint32_t d;
		ck_assert_int_eq(conn_delay(&c, (uint32_t)(i / 100), (uint64_t)(i % 100), &d), 0);
		ck_assert_uint_ge(d, 1);
		s += d;
	}
	/* mean of the normal truncated at 0.1 ms, in steps: about 15.4 */
	ck_assert_msg(fabs(s / 40000.0 - 15.4) < 0.2, "mean delay %g steps", s / 40000.0);
	conn_release(&c);
	snn_net_free(net);
}
END_TEST

START_TEST(test_engine_synapse_count)
{
	/* the engine builds exactly what the rules say, for any thread count */
	const char *y =
	    "simulation: {dt: 0.1 ms, duration: 1 ms}\n"
	    "populations:\n"
	    "  a: {model: lif, size: 70000}\n"
	    "  b: {model: lif, size: 300}\n"
	    "projections:\n"
	    "  - {from: a, to: [a, b], rule: {fixed_indegree: 7}, weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: b, to: a, rule: {fixed_outdegree: 11}, weight: -1 mV,"
	    " delay: {uniform: {low: 0.1 ms, high: 3 ms}}}\n"
	    "  - {from: b, to: b, rule: all_to_all, weight: 1 mV, delay: 2 ms,"
	    " autapses: false}\n";
	snn_net *net = tu_load(y);
	for (int th = 1; th <= 3; th++) {
		snn_stats st;
		snn_spike_data *sd = tu_run(net, th, &st);
		ck_assert_uint_eq(st.synapses, 70300u * 7u + 300u * 11u + 300u * 299u);
		snn_spike_data_free(sd);
	}
	snn_net_free(net);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("connect");
	TCase *tc = tcase_create("rules");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_all_to_all_and_one_to_one);
	tcase_add_test(tc, test_fixed_indegree);
	tcase_add_test(tc, test_fixed_outdegree);
	tcase_add_test(tc, test_fixed_total_number);
	tcase_add_test(tc, test_fixed_probability);
	tcase_add_test(tc, test_subsets);
	tcase_add_test(tc, test_independent_of_order);
	tcase_add_test(tc, test_weight_distributions);
	tcase_add_test(tc, test_delays_on_grid);
	tcase_add_test(tc, test_engine_synapse_count);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
