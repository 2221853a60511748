/*
 * NEST's reference trace of iaf_psc_exp under a constant current
 * (../shared/fixtures/nest/test_iaf_psc_exp__sli_block0.dat): the same
 * parameters in a `lif` neuron with exponential synapses must reproduce every
 * printed digit. Skips (exit 77) when the fixture folder is absent.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

struct row {
	int step;
	char v[32];
};

static size_t read_fixture(const char *path, struct row *rows, size_t max)
{
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char line[256];
	size_t n = 0;
	while (fgets(line, sizeof(line), f) && n < max) {
		if (line[0] == '#' || line[0] == '\n') {
			continue;
		}
		ck_assert_int_eq(sscanf(line, "%d %31s", &rows[n].step, rows[n].v), 2);
		n++;
	}
	fclose(f);
	return n;
}

START_TEST(test_nest_iaf_psc_exp_trace)
{
	struct row rows[256];
	size_t n = read_fixture(tu_fixture("nest/test_iaf_psc_exp__sli_block0.dat"), rows, 256);
	ck_assert_uint_ge(n, 40);
	const char *dir = tu_tmpdir("nest");
	char path[4200];
	snprintf(path, sizeof(path), "%s/v.h5", dir);
	/* NEST's defaults, and a DC current of 1000 pA that first moves V in the
	 * step from 0.2 to 0.3 ms: our dc stimulus acts from its start time on,
	 * without the generator's transmission delays. */
	char *y =
	    tu_fmt("simulation: {dt: 0.1 ms, duration: 10 ms}\n"
		   "populations:\n"
		   "  n: {model: lif, synapse: exp, size: 1, params: {C_m: 250 pF, tau_m: 10 ms,"
		   " t_ref: 2 ms, E_L: -70 mV, V_th: -55 mV, V_reset: -70 mV, tau_syn_ex: 2 ms,"
		   " tau_syn_in: 2 ms}}\n"
		   "stimuli:\n"
		   "  - {dc: {amplitude: 1000 pA, start: 0.2 ms}, to: n}\n"
		   "record:\n"
		   "  traces: [{population: n, variable: V_m, interval: 0.1 ms, file: %s}]\n",
		   path);
	snn_net *net = tu_load(y);
	snn_spike_data *sd = tu_run(net, 1, NULL);
	size_t nr, nc;
	double *v = tu_read_trace(path, "n", &nr, &nc);
	ck_assert_uint_eq(nc, 1);
	for (size_t i = 0; i < n; i++) {
		/* column 1 counts steps of 0.1 ms; sample k is V at (k + 1) * 0.1 ms */
		size_t k = (size_t)rows[i].step - 1;
		ck_assert_uint_lt(k, nr);
		char got[32];
		snprintf(got, sizeof(got), "%g", v[k]);
		ck_assert_msg(strcmp(got, rows[i].v) == 0, "step %d: V = %s, NEST prints %s",
			      rows[i].step, got, rows[i].v);
	}
	/* NEST spikes at 5.0 ms (V(4.9 ms) = -55.0001 stays below threshold) */
	size_t ns;
	double *t = tu_spike_times(sd, "n", 0, &ns);
	ck_assert_uint_ge(ns, 1);
	ck_assert_double_eq_tol(t[0], 5.0, 1e-12);
	free(t);
	free(v);
	snn_spike_data_free(sd);
	snn_net_free(net);
	free(y);
}
END_TEST

int main(void)
{
	if (!tu_fixtures()) {
		printf("SKIP: the shared fixture folder is absent (set SNN_FIXTURES or configure "
		       "--with-fixtures=DIR)\n");
		return 77;
	}
	Suite *s = suite_create("nest");
	TCase *tc = tcase_create("iaf_psc_exp");
	tcase_add_test(tc, test_nest_iaf_psc_exp_trace);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
