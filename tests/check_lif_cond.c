/*
 * lif_cond's integrator against a fine-step reference: the membrane potential
 * under trains of excitatory and inhibitory conductance inputs, compared with
 * RK4 at 1e-4 ms; the error must fall as dt^2 (second order). With constant
 * conductances the update is exact.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const double C = 200.0, GL = 10.0, EL = -60.0, EEX = 0.0, EIN = -80.0;
static const double TEX = 5.0, TIN = 10.0;

/* input events: arrival time (ms, where the conductance jumps) and weight (nS) */
struct ev {
	double t;
	double w;
};
static const struct ev events[] = {
    {2.0, 20.0},  {3.0, 20.0},	 {3.5, 15.0},  {8.0, -50.0}, {12.0, 30.0},  {12.5, 30.0},
    {13.0, 30.0}, {20.0, -80.0}, {26.0, 40.0}, {33.0, 10.0}, {34.0, -20.0}, {41.0, 60.0},
};
#define NEV (sizeof(events) / sizeof(events[0]))
#define T_END 60.0

static double dvdt(double v, double ge, double gi)
{
	return (GL * (EL - v) + ge * (EEX - v) + gi * (EIN - v)) / C;
}

/* RK4 with step h between events; the conductances are exact exponentials.
 * Fills ref[k] = V((k + 1) * 0.1 ms). */
static void reference(double *ref, size_t nsamp)
{
	const double h = 1e-4;
	double v = EL, ge = 0.0, gi = 0.0, t = 0.0;
	size_t next = 0, k = 0;
	long steps = lround(T_END / h);
	for (long s = 0; s < steps; s++) {
		double pe = exp(-h / TEX), pi = exp(-h / TIN);
		double pe2 = exp(-0.5 * h / TEX), pi2 = exp(-0.5 * h / TIN);
		double k1 = dvdt(v, ge, gi);
		double k2 = dvdt(v + 0.5 * h * k1, ge * pe2, gi * pi2);
		double k3 = dvdt(v + 0.5 * h * k2, ge * pe2, gi * pi2);
		double k4 = dvdt(v + h * k3, ge * pe, gi * pi);
		v += h / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4);
		ge *= pe;
		gi *= pi;
		t = (double)(s + 1) * h;
		while (next < NEV && fabs(events[next].t - t) < 0.5 * h) {
			if (events[next].w >= 0) {
				ge += events[next].w;
			} else {
				gi -= events[next].w;
			}
			next++;
		}
		if (k < nsamp && fabs(t - 0.1 * (double)(k + 1)) < 0.5 * h) {
			ref[k++] = v;
		}
	}
	ck_assert_uint_eq(k, nsamp);
}

/* Runs the neuron at step dt and returns V every 0.1 ms (caller frees). */
static double *simulate(double dt, size_t *nsamp)
{
	/* A spike stamped t with a delay of one step arrives in the step ending
	 * at t + dt: each input is stamped one step before its arrival. */
	const char *dir = tu_tmpdir("cond");
	char path[4200];
	snprintf(path, sizeof(path), "%s/v.h5", dir);
	char *y =
	    tu_fmt("simulation: {dt: %.17g ms, duration: %g ms}\n"
		   "populations:\n"
		   "  n: {model: lif_cond, size: 1, params: {C_m: 200 pF, g_L: 10 nS, E_L: -60 mV,"
		   " V_th: 1000 mV, V_reset: -60 mV, t_ref: 1 ms, E_ex: 0 mV, E_in: -80 mV,"
		   " tau_syn_ex: 5 ms, tau_syn_in: 10 ms}}\n",
		   dt, T_END);
	size_t cap = strlen(y) + 8192;
	char *full = malloc(cap);
	ck_assert_ptr_nonnull(full);
	snprintf(full, cap, "%s", y);
	/* each input is its own spike_source population and projection */
	for (size_t i = 0; i < NEV; i++) {
		size_t u = strlen(full);
		snprintf(full + u, cap - u,
			 "  s%zu: {model: spike_source, size: 1, spikes: {times: "
			 "[%.17g ms]}}\n",
			 i, events[i].t - dt);
	}
	size_t u = strlen(full);
	snprintf(full + u, cap - u, "projections:\n");
	for (size_t i = 0; i < NEV; i++) {
		u = strlen(full);
		snprintf(
		    full + u, cap - u,
		    "  - {from: s%zu, to: n, rule: all_to_all, weight: %g nS, delay: %.17g ms}\n",
		    i, events[i].w, dt);
	}
	u = strlen(full);
	snprintf(
	    full + u, cap - u,
	    "record:\n  traces: [{population: n, variable: V_m, interval: 0.1 ms, file: %s}]\n",
	    path);
	snn_net *net = tu_load(full);
	snn_spike_data *sd = tu_run(net, 1, NULL);
	size_t cols;
	double *v = tu_read_trace(path, "n", nsamp, &cols);
	snn_spike_data_free(sd);
	snn_net_free(net);
	free(full);
	free(y);
	return v;
}

START_TEST(test_second_order)
{
	size_t n = (size_t)lround(T_END / 0.1);
	double *ref = malloc(n * sizeof(double));
	ck_assert_ptr_nonnull(ref);
	reference(ref, n);
	const double dts[] = {0.1, 0.05, 0.025, 0.0125};
	double err[4];
	for (int j = 0; j < 4; j++) {
		size_t ns;
		double *v = simulate(dts[j], &ns);
		ck_assert_uint_eq(ns, n);
		err[j] = 0.0;
		for (size_t k = 0; k < n; k++) {
			double e = fabs(v[k] - ref[k]);
			err[j] = e > err[j] ? e : err[j];
		}
		free(v);
		printf("lif_cond: dt = %g ms, largest error against RK4 at 1e-4 ms: %.3e mV\n",
		       dts[j], err[j]);
	}
	for (int j = 1; j < 4; j++) {
		double order = log2(err[j - 1] / err[j]);
		printf("lif_cond: observed order between dt = %g and %g ms: %.2f\n", dts[j - 1],
		       dts[j], order);
		ck_assert_msg(order > 1.8 && order < 2.3, "order %g", order);
	}
	/* the coarse step is already accurate to a few microvolts */
	ck_assert_msg(err[0] < 5e-3, "error at dt = 0.1 ms: %g mV", err[0]);
	free(ref);
}
END_TEST

START_TEST(test_constant_conductance_exact)
{
	/* g_ex held constant (tau_syn_ex = 1e300 ms: no decay at all) from an initial value: V
	 * relaxes exactly as V_inf + (V0 - V_inf) exp(-t G / C). */
	const char *dir = tu_tmpdir("cond_exact");
	char path[4200];
	snprintf(path, sizeof(path), "%s/v.h5", dir);
	char *y =
	    tu_fmt("simulation: {dt: 0.1 ms, duration: 50 ms}\n"
		   "populations:\n"
		   "  n: {model: lif_cond, size: 1, params: {C_m: 200 pF, g_L: 10 nS, E_L: -60 mV,"
		   " V_th: 1000 mV, V_reset: -60 mV, E_ex: 0 mV, tau_syn_ex: 1e300 ms},"
		   " init: {g_ex: 5 nS, V_m: -70 mV}}\n"
		   "record:\n"
		   "  traces: [{population: n, variable: V_m, file: %s}]\n",
		   path);
	snn_net *net = tu_load(y);
	snn_spike_data *sd = tu_run(net, 1, NULL);
	size_t rows, cols;
	double *v = tu_read_trace(path, "n", &rows, &cols);
	double G = 15.0, vinf = (10.0 * -60.0 + 5.0 * 0.0) / G;
	for (size_t r = 0; r < rows; r++) {
		double t = 0.1 * (double)(r + 1);
		double ex = vinf + (-70.0 - vinf) * exp(-t * G / 200.0);
		/* exact up to the rounding of one update per step */
		double bound = 4.0 * ldexp(1.0, -52) * (double)(r + 1) * fabs(ex);
		ck_assert_msg(fabs(v[r] - ex) <= bound, "V(%g) = %.15g vs %.15g", t, v[r], ex);
	}
	free(v);
	snn_spike_data_free(sd);
	snn_net_free(net);
	free(y);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("lif_cond");
	TCase *tc = tcase_create("integrator");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_second_order);
	tcase_add_test(tc, test_constant_conductance_exact);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
