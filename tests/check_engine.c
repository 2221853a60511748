/*
 * The CPU engine end to end: Poisson stimuli (counts, independence, time
 * window), current stimuli and delays against closed forms, byte-identical
 * spikes for 1, 2 and 4 threads, the vectorized neuron updates against the
 * one-neuron step, and the rates of the example networks
 * against their mean-field or reference values.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* Rate bands of the Vogels-Abbott networks. Brian2 2.5.1 (C++ standalone)
 * with the same models and parameters gives, for seeds 1-3: CUBA 5.7-6.0 Hz,
 * COBA 13.6-14.4 Hz (excitatory); this engine gives, for seeds 1-8, CUBA
 * 5.2-6.1 Hz and, for seeds 1-3, COBA 13.2-15.2 Hz. The bands cover both,
 * with room for the seed-to-seed spread of a 4000-neuron network. */
#define CUBA_LO 4.5
#define CUBA_HI 7.0
#define COBA_LO 11.0
#define COBA_HI 18.0

/* Runs a config text on two threads and returns the trace of population n
 * (rows x cols); "@FILE@" in the text names the trace file. */
static double *trace_of(const char *yaml, size_t *rows, size_t *cols)
{
	const char *dir = tu_tmpdir("engine");
	char path[4200];
	snprintf(path, sizeof(path), "%s/v.h5", dir);
	const char *at = strstr(yaml, "@FILE@");
	ck_assert_ptr_nonnull(at);
	char *y = tu_fmt("%.*s%s%s", (int)(at - yaml), yaml, path, at + 6);
	snn_net *net = tu_load(y);
	snn_spike_data *sd = tu_run(net, 2, NULL);
	double *v = tu_read_trace(path, "n", rows, cols);
	snn_spike_data_free(sd);
	snn_net_free(net);
	free(y);
	return v;
}

START_TEST(test_poisson_counts)
{
	/* 2000 perfect integrators (tau_m 1e9 ms, no threshold) count the events
	 * of their private 20 kHz trains: each V(T) is a count with mean and
	 * variance lambda (Poisson), and neighbours are uncorrelated. Emission
	 * steps 0..999 arrive after 1 ms of delay, by T = 101 ms. */
	size_t rows, cols;
	double *v =
	    trace_of("simulation: {dt: 0.1 ms, duration: 101 ms, seed: 3}\n"
		     "populations:\n"
		     "  n: {model: lif, size: 2000, params: {tau_m: 1e12 ms, E_L: 0 mV,"
		     " V_th: 1e9 mV, V_reset: 0 mV}}\n"
		     "stimuli:\n"
		     "  - {poisson: {rate: 20 kHz}, to: n, weight: 1 mV, delay: 1 ms}\n"
		     "record:\n"
		     "  traces: [{population: n, variable: V_m, interval: 101 ms, file: @FILE@}]\n",
		     &rows, &cols);
	ck_assert_uint_eq(rows, 1);
	ck_assert_uint_eq(cols, 2000);
	double lambda = 20000.0 * 1e-3 * 100.0;
	double m = 0, var = 0, cov = 0;
	for (size_t i = 0; i < cols; i++) {
		double c = nearbyint(v[i]);
		ck_assert_msg(fabs(v[i] - c) < 1e-6, "V = %.12g is not a count", v[i]);
		m += c;
	}
	m /= (double)cols;
	for (size_t i = 0; i < cols; i++) {
		double c = nearbyint(v[i]) - m;
		var += c * c;
		if (i + 1 < cols) {
			cov += c * (nearbyint(v[i + 1]) - m);
		}
	}
	var /= (double)(cols - 1);
	cov /= (double)(cols - 1);
	double n = (double)cols;
	ck_assert_msg(fabs(m - lambda) < 5.0 * sqrt(lambda / n), "mean count %g, expected %g", m,
		      lambda);
	ck_assert_msg(fabs(var - lambda) < 5.0 * lambda * sqrt(2.0 / n), "variance %g, expected %g",
		      var, lambda);
	ck_assert_msg(fabs(cov) < 5.0 * lambda / sqrt(n), "neighbour covariance %g", cov);
	free(v);
}
END_TEST

START_TEST(test_poisson_window)
{
	/* emission between 20 and 50 ms only: counts have mean rate * 30 ms */
	size_t rows, cols;
	double *v =
	    trace_of("simulation: {dt: 0.1 ms, duration: 100 ms, seed: 4}\n"
		     "populations:\n"
		     "  n: {model: lif, size: 1000, params: {tau_m: 1e12 ms, E_L: 0 mV,"
		     " V_th: 1e9 mV, V_reset: 0 mV}}\n"
		     "stimuli:\n"
		     "  - {poisson: {rate: 10 kHz, start: 20 ms, stop: 50 ms}, to: n,"
		     " weight: 1 mV, delay: 0.1 ms}\n"
		     "record:\n"
		     "  traces: [{population: n, variable: V_m, interval: 20 ms, file: @FILE@}]\n",
		     &rows, &cols);
	ck_assert_uint_eq(rows, 5);
	double lambda = 10000.0 * 1e-3 * 30.0, m[5] = {0};
	for (size_t r = 0; r < rows; r++) {
		for (size_t i = 0; i < cols; i++) {
			m[r] += v[r * cols + i] / (double)cols;
		}
	}
	/* nothing before 20 ms; all arrived by 60 ms */
	ck_assert(m[0] == 0.0);
	ck_assert_msg(fabs(m[2] - lambda) < 5.0 * sqrt(lambda / (double)cols), "mean %g", m[2]);
	ck_assert_msg(fabs(m[4] - m[2]) < 1e-6, "%g %g", m[4], m[2]);
	free(v);
}
END_TEST

START_TEST(test_current_steps_exact)
{
	/* a step current 100 pA from 1 ms, 300 pA from 3 ms, 0 from 5 ms, plus a
	 * dc of 50 pA between 2 and 6 ms: V follows the closed form of piecewise
	 * constant input exactly */
	size_t rows, cols;
	double *v =
	    trace_of("simulation: {dt: 0.1 ms, duration: 10 ms}\n"
		     "populations:\n"
		     "  n: {model: lif, size: 1, params: {C_m: 250 pF, tau_m: 10 ms,"
		     " E_L: 0 mV, V_th: 1e9 mV, V_reset: 0 mV}}\n"
		     "stimuli:\n"
		     "  - {step: {times: [1 ms, 3 ms, 5 ms], amplitudes: [100 pA, 300 pA, 0 pA]},"
		     " to: n}\n"
		     "  - {dc: {amplitude: 50 pA, start: 2 ms, stop: 6 ms}, to: n}\n"
		     "record:\n"
		     "  traces: [{population: n, variable: V_m, file: @FILE@}]\n",
		     &rows, &cols);
	ck_assert_uint_eq(rows, 100);
	double V = 0.0;
	for (size_t r = 0; r < rows; r++) {
		double t0 = 0.1 * (double)r; /* the step from t0 to t0 + 0.1 ms */
		double I = (t0 >= 1.0 - 1e-9 ? 100.0 : 0.0);
		I = t0 >= 3.0 - 1e-9 ? 300.0 : I;
		I = t0 >= 5.0 - 1e-9 ? 0.0 : I;
		I += (t0 >= 2.0 - 1e-9 && t0 < 6.0 - 1e-9) ? 50.0 : 0.0;
		double vinf = I * 10.0 / 250.0;
		V = vinf + (V - vinf) * exp(-0.1 / 10.0);
		ck_assert_msg(fabs(v[r] - V) < 1e-12, "V(%g) = %.15g vs %.15g", t0 + 0.1, v[r], V);
	}
	free(v);
}
END_TEST

START_TEST(test_delays)
{
	/* a spike stamped 1 ms reaches targets exactly `delay` later, the delay
	 * rounded to the grid (0.26 ms -> 3 steps) */
	size_t rows, cols;
	double *v =
	    trace_of("simulation: {dt: 0.1 ms, duration: 5 ms}\n"
		     "populations:\n"
		     "  s: {model: spike_source, size: 1, spikes: {times: [1 ms]}}\n"
		     "  n: {model: lif, size: 4, params: {tau_m: 1e12 ms, E_L: 0 mV,"
		     " V_th: 1e9 mV, V_reset: 0 mV}}\n"
		     "projections:\n"
		     "  - {from: s, to: 'n[0:1]', rule: all_to_all, weight: 1 mV, delay: 0.1 ms}\n"
		     "  - {from: s, to: 'n[1:2]', rule: all_to_all, weight: 1 mV, delay: 0.5 ms}\n"
		     "  - {from: s, to: 'n[2:3]', rule: all_to_all, weight: 1 mV, delay: 2.3 ms}\n"
		     "  - {from: s, to: 'n[3:4]', rule: all_to_all, weight: 1 mV, delay: 0.26 ms}\n"
		     "record:\n"
		     "  traces: [{population: n, variable: V_m, file: @FILE@}]\n",
		     &rows, &cols);
	const double arrive[4] = {1.1, 1.5, 3.3, 1.3};
	for (size_t i = 0; i < 4; i++) {
		for (size_t r = 0; r < rows; r++) {
			double t = 0.1 * (double)(r + 1);
			double ex = t >= arrive[i] - 1e-9 ? 1.0 : 0.0;
			ck_assert_msg(fabs(v[r * cols + i] - ex) < 1e-9, "neuron %zu at %g: %g", i,
				      t, v[r * cols + i]);
		}
	}
	free(v);
}
END_TEST

static void assert_same_spikes(const snn_spike_data *a, const snn_spike_data *b)
{
	ck_assert_uint_eq(a->n_pops, b->n_pops);
	for (size_t p = 0; p < a->n_pops; p++) {
		ck_assert_str_eq(a->pops[p].name, b->pops[p].name);
		ck_assert_uint_eq(a->pops[p].n, b->pops[p].n);
		ck_assert_mem_eq(a->pops[p].t_ms, b->pops[p].t_ms, a->pops[p].n * sizeof(double));
		ck_assert_mem_eq(a->pops[p].node_ids, b->pops[p].node_ids,
				 a->pops[p].n * sizeof(uint64_t));
	}
}

static snn_net *example(const char *name, const char *duration)
{
	const char *src = getenv("SNN_SRCDIR");
	char path[4096];
	snprintf(path, sizeof(path), "%s/examples/%s", src ? src : ".", name);
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	int rc = snn_config_load(path, &net, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	if (duration) {
		double ms;
		ck_assert_int_eq(snn_units_parse(duration, SNN_DIM_TIME, &ms, NULL, 0), 0);
		ck_assert_int_eq(snn_net_set_duration_ms(net, ms, d), SNN_OK);
	}
	snn_diag_free(d);
	return net;
}

static void check_thread_invariance(const char *name, const char *duration)
{
	snn_net *net = example(name, duration);
	snn_spike_data *one = tu_run(net, 1, NULL);
	uint64_t total = 0;
	for (size_t p = 0; p < one->n_pops; p++) {
		total += one->pops[p].n;
	}
	ck_assert_msg(total > 1000, "%s: too few spikes (%llu) to test anything", name,
		      (unsigned long long)total);
	for (int th = 2; th <= 4; th *= 2) {
		snn_spike_data *many = tu_run(net, th, NULL);
		assert_same_spikes(one, many);
		snn_spike_data_free(many);
	}
	snn_spike_data_free(one);
	snn_net_free(net);
}

/* The lif updates of a population with one parameter set and no current
 * stimulus run branch-free over chunks of neurons (model_lif.c); with a
 * current stimulus, even of 0 pA, every neuron takes the one-neuron step
 * of step_hd.h. Both must give the same spikes, for delta synapses, two
 * exponential currents, equal time constants (one merged current) and
 * conductances, and the same membrane potentials to the last bit; 1000
 * neurons on 2 threads leave chunks of every length. */
START_TEST(test_vector_paths)
{
	static const char *const lif =
	    "E_L: 0 mV, V_th: 15 mV, V_reset: 5 mV, tau_m: 15 ms, t_ref: 2 ms, I_e: 120 pA},"
	    " init: {V_m: {uniform: {low: 0 mV, high: 15 mV}}}";
	static const struct {
		const char *neuron, *more, *w, *wi;
	} c[] = {
	    {"lif, synapse: delta, params: {V_min: -2 mV,", lif, "0.4 mV",
	     "{mean: -1.5 mV, std: 0.2 mV}"},
	    {"lif, synapse: exp, params: {tau_syn_ex: 2 ms, tau_syn_in: 6 ms,", lif, "60 pA",
	     "{mean: -150 pA, std: 20 pA}"},
	    {"lif, synapse: exp, params: {tau_syn_ex: 3 ms, tau_syn_in: 3 ms,", lif, "60 pA",
	     "{mean: -150 pA, std: 20 pA}"},
	    {"lif_cond, params: {C_m: 200 pF, g_L: 10 nS, E_ex: 0 mV, E_in: -80 mV,",
	     "E_L: -60 mV, V_th: -50 mV, V_reset: -60 mV, t_ref: 2 ms, I_e: 150 pA,"
	     " tau_syn_ex: 5 ms, tau_syn_in: 10 ms},"
	     " init: {V_m: {uniform: {low: -60 mV, high: -50 mV}}}",
	     "1.5 nS", "{mean: -6 nS, std: 1 nS}"},
	};
	const char *dir = tu_tmpdir("engine");
	for (size_t k = 0; k < sizeof(c) / sizeof(c[0]); k++) {
		snn_spike_data *sd[2];
		double *v[2];
		size_t rows[2], cols[2];
		for (int scalar = 0; scalar < 2; scalar++) {
			char path[4200];
			snprintf(path, sizeof(path), "%s/vec%d.h5", dir, scalar);
			char *y = tu_fmt(
			    "simulation: {dt: 0.1 ms, duration: 200 ms, seed: 5}\n"
			    "populations:\n"
			    "  n: {size: 1000, model: %s %s}\n"
			    "projections:\n"
			    "  - {from: 'n[0:800]', to: n, rule: {fixed_indegree: 40},"
			    " weight: %s, delay: 1 ms}\n"
			    "  - {from: 'n[800:1000]', to: n, rule: {fixed_indegree: 10},"
			    " weight: {normal: %s}, delay: 0.5 ms}\n"
			    "stimuli:\n"
			    "  - {poisson: {rate: 3 kHz}, to: n, weight: %s, delay: 0.2 ms}\n"
			    "%s"
			    "record:\n"
			    "  spikes: {populations: [n]}\n"
			    "  traces: [{population: n, variable: V_m, interval: 0.7 ms, file: "
			    "%s}]\n",
			    c[k].neuron, c[k].more, c[k].w, c[k].wi, c[k].w,
			    scalar ? "  - {dc: {amplitude: 0 pA}, to: n}\n" : "", path);
			snn_net *net = tu_load(y);
			sd[scalar] = tu_run(net, 2, NULL);
			v[scalar] = tu_read_trace(path, "n", &rows[scalar], &cols[scalar]);
			snn_net_free(net);
			free(y);
		}
		/* the same spikes, and the same membrane potentials to the bit */
		uint64_t n = tu_same_spikes(sd[0], "n", sd[1], "n");
		ck_assert_msg(n > 2000 && n < 100000, "case %zu: %llu spikes", k,
			      (unsigned long long)n);
		ck_assert_uint_eq(rows[0], 285);
		ck_assert_uint_eq(cols[0], 1000);
		ck_assert(rows[1] == rows[0] && cols[1] == cols[0]);
		ck_assert_msg(memcmp(v[0], v[1], rows[0] * cols[0] * sizeof(double)) == 0,
			      "case %zu: the traces differ", k);
		for (int i = 0; i < 2; i++) {
			snn_spike_data_free(sd[i]);
			free(v[i]);
		}
	}
}
END_TEST

START_TEST(test_threads_brunel)
{
	check_thread_invariance("brunel.yaml", "200 ms");
}
END_TEST

START_TEST(test_threads_cuba_coba)
{
	check_thread_invariance("cuba.yaml", "300 ms");
	check_thread_invariance("coba.yaml", "300 ms");
}
END_TEST

/* Mean rate (Hz) and mean CV of the ISIs of a population after t0 ms. */
static void rate_cv(const snn_spike_data *sd, const char *pop, uint32_t size, double t0, double t1,
		    double *rate, double *cv)
{
	const snn_spike_population *p = snn_spike_data_find(sd, pop);
	ck_assert_ptr_nonnull(p);
	double *last = malloc(size * sizeof(double));
	double *s1 = calloc(size, sizeof(double)), *s2 = calloc(size, sizeof(double));
	uint32_t *k = calloc(size, sizeof(uint32_t));
	ck_assert(last && s1 && s2 && k);
	uint64_t cnt = 0;
	for (uint32_t i = 0; i < size; i++) {
		last[i] = -1.0;
	}
	for (uint64_t i = 0; i < p->n; i++) {
		if (p->t_ms[i] < t0) {
			continue;
		}
		cnt++;
		uint64_t id = p->node_ids[i];
		if (last[id] >= 0) {
			double isi = p->t_ms[i] - last[id];
			s1[id] += isi;
			s2[id] += isi * isi;
			k[id]++;
		}
		last[id] = p->t_ms[i];
	}
	double cvs = 0;
	uint32_t ncv = 0;
	for (uint32_t i = 0; i < size; i++) {
		if (k[i] >= 3) {
			double m = s1[i] / k[i];
			cvs += sqrt(s2[i] / k[i] - m * m) / m;
			ncv++;
		}
	}
	*rate = (double)cnt / size / ((t1 - t0) * 1e-3);
	*cv = ncv ? cvs / ncv : 0.0;
	free(last);
	free(s1);
	free(s2);
	free(k);
}

START_TEST(test_brunel_rates)
{
	/* Brunel's mean-field (diffusion) theory for these parameters gives a
	 * stationary rate of 37.95 Hz (self-consistent Siegert formula; mu = 21.0
	 * mV, sigma = 7.7 mV); we accept +-10%. At g = 5, eta = 2 and D = 1.5 ms
	 * the network is in Brunel's synchronous-irregular fast state (Brunel
	 * 2000, Fig. 8C): neurons fire irregularly with a CV near 0.4 (Brian2
	 * with the same parameters: 37.4 Hz, CV 0.41). */
	snn_net *net = example("brunel.yaml", "1 s");
	snn_spike_data *sd = tu_run(net, 2, NULL);
	double r, cv;
	rate_cv(sd, "exc", 10000, 100.0, 1000.0, &r, &cv);
	printf("brunel exc: %.2f Hz, CV %.3f\n", r, cv);
	ck_assert_msg(r > 34.2 && r < 41.7, "exc rate %g Hz", r);
	ck_assert_msg(cv > 0.3 && cv < 0.6, "exc CV %g", cv);
	rate_cv(sd, "inh", 2500, 100.0, 1000.0, &r, &cv);
	printf("brunel inh: %.2f Hz, CV %.3f\n", r, cv);
	ck_assert_msg(r > 34.2 && r < 41.7, "inh rate %g Hz", r);
	ck_assert_msg(cv > 0.3 && cv < 0.6, "inh CV %g", cv);
	snn_spike_data_free(sd);
	snn_net_free(net);
}
END_TEST

START_TEST(test_coba_rates)
{
	snn_net *net = example("coba.yaml", "1 s");
	snn_spike_data *sd = tu_run(net, 2, NULL);
	double r, cv;
	rate_cv(sd, "exc", 3200, 0.0, 1000.0, &r, &cv);
	printf("coba exc: %.2f Hz, CV %.3f\n", r, cv);
	ck_assert_msg(r > COBA_LO && r < COBA_HI, "exc rate %g Hz", r);
	rate_cv(sd, "inh", 800, 0.0, 1000.0, &r, &cv);
	printf("coba inh: %.2f Hz, CV %.3f\n", r, cv);
	ck_assert_msg(r > COBA_LO && r < COBA_HI, "inh rate %g Hz", r);
	snn_spike_data_free(sd);
	snn_net_free(net);
}
END_TEST

START_TEST(test_cuba_rates)
{
	snn_net *net = example("cuba.yaml", "1 s");
	snn_spike_data *sd = tu_run(net, 2, NULL);
	double r, cv;
	rate_cv(sd, "exc", 3200, 0.0, 1000.0, &r, &cv);
	printf("cuba exc: %.2f Hz, CV %.3f\n", r, cv);
	ck_assert_msg(r > CUBA_LO && r < CUBA_HI, "exc rate %g Hz", r);
	rate_cv(sd, "inh", 800, 0.0, 1000.0, &r, &cv);
	printf("cuba inh: %.2f Hz, CV %.3f\n", r, cv);
	ck_assert_msg(r > CUBA_LO && r < CUBA_HI, "inh rate %g Hz", r);
	snn_spike_data_free(sd);
	snn_net_free(net);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("behaviour");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_poisson_counts);
	tcase_add_test(tc, test_poisson_window);
	tcase_add_test(tc, test_current_steps_exact);
	tcase_add_test(tc, test_delays);
	tcase_add_test(tc, test_vector_paths);
	suite_add_tcase(s, tc);
	TCase *tn = tcase_create("networks");
	tcase_set_timeout(tn, 900);
	tcase_add_test(tn, test_threads_brunel);
	tcase_add_test(tn, test_threads_cuba_coba);
	tcase_add_test(tn, test_brunel_rates);
	tcase_add_test(tn, test_cuba_rates);
	tcase_add_test(tn, test_coba_rates);
	suite_add_tcase(s, tn);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
