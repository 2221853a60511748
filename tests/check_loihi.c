/*
 * The loihi_lif neuron against test vectors worked out by hand from the
 * published equations of Lava's bit-accurate LIF (and its unit tests'
 * hand-worked series): rounding toward zero in the decays, current
 * wrap-around, voltage saturation, bias and threshold scaling, weight
 * truncation, the one-step synaptic pipeline and the refractory option, both
 * through the inline arithmetic and through snnsim's engine.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn/sim.h"

#include "model_loihi.h"
#include "testutil.h"

START_TEST(test_decay_rounds_toward_zero)
{
	/* 7 * 2048 / 4096 = 3.5: 3 and -3, never -4 (an arithmetic shift would) */
	ck_assert_int_eq(loihi_decay(7, 2048), 3);
	ck_assert_int_eq(loihi_decay(-7, 2048), -3);
	ck_assert_int_eq(loihi_decay(-1, 1), 0);
	ck_assert_int_eq(loihi_decay(-4096, 1), -4095);
	ck_assert_int_eq(loihi_decay(5000, 0), 5000);
	ck_assert_int_eq(loihi_decay(5000, 4096), 0);
	/* the largest magnitudes stay exact in 64 bits */
	ck_assert_int_eq(loihi_decay((1 << 23) - 1, 1), 8386559);
}
END_TEST

START_TEST(test_current_wraps)
{
	/* du = 4095 (+1 offset): the current is the input alone, a << 6 */
	ck_assert_int_eq(loihi_current(123, 4095, 10), 640);
	/* exactly 2^23 stays (Lava wraps only above it) */
	ck_assert_int_eq(loihi_current(0, 4095, 1 << 17), 1 << 23);
	/* 2^23 + 64 becomes -2^23 + 64 */
	ck_assert_int_eq(loihi_current(0, 4095, (1 << 17) + 1), -(1 << 23) + 64);
	/* -2^23 wraps to +2^23 */
	ck_assert_int_eq(loihi_current(0, 4095, -(1 << 17)), 1 << 23);
	ck_assert_int_eq(loihi_current(0, 4095, -(1 << 17) - 1), (1 << 23) - 64);
	/* decay of the old current, then the input: 8000 * 4095 / 4096 = 7998.05 */
	ck_assert_int_eq(loihi_current(8000, 0, 1), 7998 + 64);
	/* the summed input wraps to 24 bits before the exponent */
	ck_assert_int_eq(loihi_activation((1 << 23) + 5, 0), -(1 << 23) + 5);
	ck_assert_int_eq(loihi_activation(-5, -1), -3); /* floor, as numpy's >> */
	ck_assert_int_eq(loihi_activation(5, -1), 2);
	ck_assert_int_eq(loihi_activation(5, 3), 40);
}
END_TEST

START_TEST(test_voltage_saturates)
{
	int32_t top = (1 << 23) - 1;
	ck_assert_int_eq(loihi_voltage(top - 10, 0, 1000, 0), top);
	ck_assert_int_eq(loihi_voltage(-(top - 10), 0, -1000, 0), -top);
	ck_assert_int_eq(loihi_voltage(top, 0, top, top), top);
	ck_assert_int_eq(loihi_voltage(100, 0, 5, 7), 112);
	/* dv has no offset: dv = 0 keeps v */
	ck_assert_int_eq(loihi_voltage(-9, 2048, 0, 0), -4);
}
END_TEST

START_TEST(test_bias_and_threshold)
{
	/* Lava's test: bias 4095 << 5 = 131040 after one step, no overflow */
	ck_assert_int_eq(loihi_bias(4095, 5), 131040);
	ck_assert_int_eq(loihi_bias(-3, 6), -192);
	ck_assert_int_eq(loihi_bias(-3, -1), -2);
	/* bias 2 << 6, vth 8 (512), no decay: v = 128, 256, 384, 512 (not above),
	 * 640 spikes (step 4), reset, then step 9: Lava's hand-worked case */
	struct loihi_prop P = {.du = 0, .dv = 0, .vth = 8, .bias = loihi_bias(2, 6)};
	int32_t u = 0, v = 0;
	uint32_t ref = 0;
	int spikes[10];
	for (int t = 0; t < 10; t++) {
		spikes[t] = loihi_step(&P, &u, &v, &ref, 0);
	}
	for (int t = 0; t < 10; t++) {
		ck_assert_int_eq(spikes[t], t == 4 || t == 9);
	}
}
END_TEST

START_TEST(test_impulse_series)
{
	/* Lava's impulse tests: an input of 128 in the first step. du = 2047
	 * halves the current each step (1 << 13, 1 << 12, ...); with du = 0 and
	 * dv = 2048 the voltage follows 8192, 12286, 14331, ... */
	struct loihi_prop P = {.du = 2047, .dv = 0, .vth = 256};
	int32_t u = 0, v = 0;
	uint32_t ref = 0;
	for (int t = 0; t < 8; t++) {
		loihi_step(&P, &u, &v, &ref, t == 0 ? 128 : 0);
		ck_assert_int_eq(u, 1 << (13 - t));
	}
	static const int32_t ev[8] = {8192, 12286, 14331, 15351, 15859, 16111, 16235, 16295};
	struct loihi_prop Q = {.du = 0, .dv = 2048, .vth = 256};
	u = v = 0;
	for (int t = 0; t < 8; t++) {
		loihi_step(&Q, &u, &v, &ref, t == 0 ? 128 : 0);
		ck_assert_int_eq(v, ev[t]);
	}
}
END_TEST

START_TEST(test_refractory)
{
	/* bias 640 per step, vth 10 (640): spikes when v > 640, i.e. every second
	 * step; with 3 refractory steps v is held at 0 for 3 steps after each */
	struct loihi_prop P = {.du = 4095, .dv = 0, .vth = 10, .bias = 640, .ref_steps = 3};
	int32_t u = 0, v = 0;
	uint32_t ref = 0;
	char s[13] = {0};
	for (int t = 0; t < 12; t++) {
		s[t] = loihi_step(&P, &u, &v, &ref, 0) ? '|' : '.';
	}
	ck_assert_str_eq(s, ".|....|....|");
	P.ref_steps = 0;
	u = v = 0;
	ref = 0;
	for (int t = 0; t < 12; t++) {
		s[t] = loihi_step(&P, &u, &v, &ref, 0) ? '|' : '.';
	}
	ck_assert_str_eq(s, ".|.|.|.|.|.|");
}
END_TEST

START_TEST(test_weight_truncation)
{
	float mixed[6] = {-256.0f, -3.0f, 3.0f, 255.0f, 100.0f, 300.0f};
	ck_assert_int_eq(loihi_sign_mode(mixed, 6), LOIHI_SIGN_MIXED);
	loihi_weight_quantize(mixed, 6, LOIHI_SIGN_MIXED, 8);
	/* mixed sign: one bit goes to the sign, the lowest bit is cleared */
	static const float m8[6] = {-256, -4, 2, 254, 100, 254};
	for (int k = 0; k < 6; k++) {
		ck_assert_float_eq(mixed[k], m8[k]);
	}
	float m6[4] = {-256.0f, -3.0f, 255.0f, 100.0f};
	loihi_weight_quantize(m6, 4, LOIHI_SIGN_MIXED, 6);
	ck_assert_float_eq(m6[0], -256);
	ck_assert_float_eq(m6[1], -8);
	ck_assert_float_eq(m6[2], 248);
	ck_assert_float_eq(m6[3], 96);
	float inh[3] = {-3.0f, -255.0f, -300.0f};
	ck_assert_int_eq(loihi_sign_mode(inh, 3), LOIHI_SIGN_INH);
	loihi_weight_quantize(inh, 3, LOIHI_SIGN_INH, 7);
	ck_assert_float_eq(inh[0], -2);
	ck_assert_float_eq(inh[1], -254);
	ck_assert_float_eq(inh[2], -254);
	float exc[3] = {0.0f, 7.0f, 300.0f};
	ck_assert_int_eq(loihi_sign_mode(exc, 3), LOIHI_SIGN_EXC);
	loihi_weight_quantize(exc, 3, LOIHI_SIGN_EXC, 8);
	ck_assert_float_eq(exc[1], 7);
	ck_assert_float_eq(exc[2], 255);
}
END_TEST

/* The engine: a spike emitted in step n moves u in step n + 1 (the one-step
 * pipeline), with the same numbers as the inline arithmetic. */
START_TEST(test_engine_one_step_delay)
{
	char *dir = strdup(tu_tmpdir("loihi_engine")); /* tu_run reuses the buffer */
	char *y = tu_fmt("simulation: {dt: 1 ms, duration: 12 ms}\n"
			 "populations:\n"
			 "  src: {model: spike_source, size: 1, spikes: {times: [3 ms, 4 ms]}}\n"
			 "  n: {model: loihi_lif, size: 1, params: {du: 3000, dv: 500, vth: 100}}\n"
			 "projections:\n"
			 "  - {from: src, to: n, rule: all_to_all, weight: 100, delay: 1 ms}\n"
			 "record:\n"
			 "  spikes: {populations: [n]}\n"
			 "  traces:\n"
			 "    - {population: n, variable: u, file: %s/u.h5}\n"
			 "    - {population: n, variable: v, file: %s/v.h5}\n",
			 dir, dir);
	snn_net *net = tu_load(y);
	snn_spike_data *sd = tu_run(net, 1, NULL);
	size_t n, rows, cols;
	double *t = tu_spike_times(sd, "n", 0, &n);
	char *pu = tu_fmt("%s/u.h5", dir), *pv = tu_fmt("%s/v.h5", dir);
	double *u = tu_read_trace(pu, "n", &rows, &cols);
	double *v = tu_read_trace(pv, "n", &rows, &cols);
	/* source spikes in steps 2 and 3 (times 3, 4 ms): u is 0 through step 2 */
	struct loihi_prop P = {.du = 3000, .dv = 500, .vth = 100};
	int32_t eu = 0, ev = 0;
	uint32_t ref = 0;
	size_t k = 0;
	for (size_t s = 0; s < rows; s++) {
		bool sp = loihi_step(&P, &eu, &ev, &ref, (s == 3 || s == 4) ? 100 : 0);
		ck_assert_double_eq(u[s], eu);
		ck_assert_double_eq(v[s], ev);
		if (sp) {
			ck_assert_uint_lt(k, n);
			ck_assert_double_eq(t[k], (double)(s + 1));
			k++;
		}
	}
	ck_assert_double_eq(u[2], 0);
	ck_assert_double_eq(u[3], 6400);
	ck_assert_uint_eq(k, n);
	ck_assert_uint_eq(n, 1);
	free(u);
	free(v);
	free(pu);
	free(pv);
	free(dir);
	free(t);
	snn_spike_data_free(sd);
	snn_net_free(net);
	free(y);
}
END_TEST

START_TEST(test_bad_params)
{
	snn_net *net = tu_load("simulation: {dt: 1 ms, duration: 2 ms}\n"
			       "populations:\n"
			       "  n: {model: loihi_lif, size: 1, params: {du: 4096.5}}\n");
	snn_sim *sim = NULL;
	snn_diag *d = snn_diag_new();
	snn_sim_options o = {.threads = 1};
	int rc = snn_sim_new(net, &o, &sim, d);
	ck_assert_int_eq(rc, SNN_EINVAL);
	ck_assert_ptr_null(sim);
	ck_assert_str_eq(snn_diag_message(d, 0),
			 "population 'n', neuron 0: loihi_lif du must be an integer in [0, 4095] "
			 "(got 4096.5)");
	snn_diag_free(d);
	snn_net_free(net);
}
END_TEST

/* The NIR paper's single LIF (tau 2.5 ms, r 1, v_threshold 0.1, weight 1,
 * dt 0.1 ms) converted to loihi_lif: dv = floor(4096 dt / tau) = 163 (Lava truncates), du = 4095
 * (no synaptic current), a weight mantissa of 10 and vth = 0.1 / (dt / tau)
 * * 10 / 1 = 25 (a scale of 16000 per unit of v). It must fire at the steps
 * Lava fired on CPU and Loihi 2 (461, 511, 711, 761) with Lava's integer
 * voltage in every one of the 1000 steps. */
START_TEST(test_nir_lif_lava_fixed)
{
	const char *fx = tu_fixture("nir/lif/lif_lava_cpu_fixed.csv");
	FILE *f = fx ? fopen(fx, "r") : NULL;
	if (!f) {
		return; /* main reports the skip */
	}
	double in[1000], vcsv[1000], scsv[1000];
	int n = 0;
	while (n < 1000 && fscanf(f, "%lf,%lf,%lf", &in[n], &vcsv[n], &scsv[n]) == 3) {
		n++;
	}
	fclose(f);
	ck_assert_int_eq(n, 1000);
	char *times = malloc(16 * 1000);
	size_t len = 0;
	for (int k = 0; k < n; k++) {
		if (in[k] != 0.0) {
			len += (size_t)sprintf(times + len, "%s%d ms", len ? ", " : "", k + 1);
		}
	}
	char *dir = strdup(tu_tmpdir("loihi_nir"));
	char *y =
	    tu_fmt("simulation: {dt: 1 ms, duration: 1000 ms}\n"
		   "populations:\n"
		   "  input: {model: spike_source, size: 1, spikes: {times: [%s]}}\n"
		   "  lif: {model: loihi_lif, size: 1, params: {du: 4095, dv: 163, vth: 25}}\n"
		   "projections:\n"
		   "  - {from: input, to: lif, rule: one_to_one, weight: 10, delay: 1 ms}\n"
		   "record:\n"
		   "  traces: [{population: lif, variable: v, file: %s/v.h5}]\n",
		   times, dir);
	snn_net *net = tu_load(y);
	snn_spike_data *sd = tu_run(net, 1, NULL);
	size_t ns, rows, cols;
	double *t = tu_spike_times(sd, "lif", 0, &ns);
	ck_assert_uint_eq(ns, 4);
	static const int lava[4] = {461, 511, 711, 761};
	for (int k = 0; k < 4; k++) {
		ck_assert_double_eq(t[k], lava[k] + 1); /* step s ends at (s + 1) dt */
	}
	char *vp = tu_fmt("%s/v.h5", dir);
	double *v = tu_read_trace(vp, "lif", &rows, &cols);
	ck_assert_uint_eq(rows, 1000);
	for (size_t k = 0; k < rows; k++) {
		ck_assert_msg(v[k] == vcsv[k], "step %zu: v %g, Lava %g", k, v[k], vcsv[k]);
		ck_assert_int_eq(scsv[k] != 0.0, k == 461 || k == 511 || k == 711 || k == 761);
	}
	free(v);
	free(vp);
	free(t);
	snn_spike_data_free(sd);
	snn_net_free(net);
	free(y);
	free(dir);
	free(times);
}
END_TEST

static int have_fixture(void)
{
	const char *fx = tu_fixture("nir/lif/lif_lava_cpu_fixed.csv");
	FILE *f = fx ? fopen(fx, "r") : NULL;
	if (f) {
		fclose(f);
	}
	return f != NULL;
}

static Suite *loihi_suite(void)
{
	Suite *s = suite_create("loihi");
	TCase *tc = tcase_create("neuron");
	tcase_add_test(tc, test_decay_rounds_toward_zero);
	tcase_add_test(tc, test_current_wraps);
	tcase_add_test(tc, test_voltage_saturates);
	tcase_add_test(tc, test_bias_and_threshold);
	tcase_add_test(tc, test_impulse_series);
	tcase_add_test(tc, test_refractory);
	tcase_add_test(tc, test_weight_truncation);
	tcase_add_test(tc, test_engine_one_step_delay);
	tcase_add_test(tc, test_bad_params);
	if (have_fixture()) {
		tcase_add_test(tc, test_nir_lif_lava_fixed);
	}
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(loihi_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed) {
		return EXIT_FAILURE;
	}
	if (!have_fixture()) {
		printf("SKIP: fixture nir/lif/lif_lava_cpu_fixed.csv absent; the synthetic cases "
		       "passed\n");
		return 77;
	}
	return EXIT_SUCCESS;
}
