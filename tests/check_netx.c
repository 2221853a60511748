/*
 * lava-dl's netx format: tiny.net (input layer driven by a bias, two conv
 * layers of loihi_lif neurons) with the bias lava-dl's own test gives it must
 * reproduce the arrays that test requires of a Loihi-exact implementation:
 * the input layer's spikes, the first conv layer's spikes and currents, and
 * the output spikes (../shared/fixtures/lava-dl). Skips (77) without them.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_loihi.h"
#include "net_int.h"
#include "npy.h"
#include "testutil.h"

static int skip_reason(void)
{
	if (!tu_fixture("lava-dl/tiny.net")) {
		return 1;
	}
	FILE *f = fopen(tu_fixture("lava-dl/tiny.net"), "rb");
	if (!f) {
		return 1;
	}
	fclose(f);
	return 0;
}

static double *load_npy(const char *rel, size_t *dims, int *nd)
{
	size_t n;
	char *p = strdup(tu_fixture(rel));
	double *a = npy_read(p, dims, nd, &n);
	ck_assert_msg(a != NULL, "cannot read %s", p);
	free(p);
	return a;
}

/* Counts (step, neuron) where the recorded spikes of pop differ from the
 * array gt[0][c][y][x][t + off] (slayer's N C H W T order). */
static long compare_spikes(const snn_spike_data *sd, const char *pop, const double *gt,
			   const size_t *dims, long off, uint32_t steps, long *n_gt)
{
	size_t nn = dims[1] * dims[2] * dims[3], T = dims[4];
	unsigned char *mine = calloc(nn * steps, 1);
	const snn_spike_population *p = snn_spike_data_find(sd, pop);
	for (uint64_t k = 0; p && k < p->n; k++) {
		long s = lround(p->t_ms[k]) - 1;
		if (s >= 0 && s < (long)steps) {
			mine[(size_t)s * nn + p->node_ids[k]] = 1;
		}
	}
	long diff = 0;
	*n_gt = 0;
	for (uint32_t s = 0; s < steps; s++) {
		long t = (long)s + off;
		if (t < 1 || t >= (long)T) {
			continue;
		}
		for (size_t i = 0; i < nn; i++) {
			int g = gt[i * T + (size_t)t] != 0.0;
			*n_gt += g;
			diff += g != mine[(size_t)s * nn + i];
		}
	}
	free(mine);
	return diff;
}

/* Loads tiny.net with the sample's input bias. */
static snn_net *load_tiny(uint32_t steps)
{
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	int rc = snn_netx_load(tu_fixture("lava-dl/tiny.net"), &net, d);
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	snn_diag_free(d);
	ck_assert_uint_eq(net->n_pops, 3);
	ck_assert_uint_eq(net->pops[0].size, 3 * 16 * 16);
	ck_assert_uint_eq(net->pops[1].size, 24 * 6 * 6);
	ck_assert_uint_eq(net->pops[2].size, 36);
	/* the sample's input: a bias per input neuron, stored (x, y, c) */
	size_t bd[8];
	int nd;
	double *ib = load_npy("lava-dl/tinynet/input_bias.npy", bd, &nd);
	ck_assert_int_eq(nd, 3);
	struct value *bv = &net->pops[0].params[LOIHI_BIAS_MANT];
	bv->kind = VALUE_ARRAY;
	bv->n = net->pops[0].size;
	bv->arr = malloc(bv->n * sizeof(double));
	for (size_t c = 0; c < 3; c++) {
		for (size_t y = 0; y < 16; y++) {
			for (size_t x = 0; x < 16; x++) {
				bv->arr[(c * 16 + y) * 16 + x] = ib[(x * 16 + y) * 3 + c];
			}
		}
	}
	free(ib);
	net->sim.duration_ms = steps;
	/* lava-dl's protocol: layer i's u and v are zeroed after its first
	 * pipeline step, step i - 1 (Reset processes with interval 17, offset
	 * i - 1): at the start of step i */
	for (uint32_t i = 0; i < 3; i++) {
		struct value *ri = &net->pops[i].params[LOIHI_RESET_INTERVAL];
		struct value *ro = &net->pops[i].params[LOIHI_RESET_OFFSET];
		ri->a = 17;
		ro->a = i;
	}
	return net;
}

/* Lava-dl's whole-network test: the input layer's spikes (the array's step
 * s + 1 in our step s) and the output layer's (two pipeline steps later: the
 * array's s - 1, compared from the array's step 1 on, as lava-dl does). */
START_TEST(test_tinynet_io)
{
	if (skip_reason()) {
		return;
	}
	const uint32_t steps = 17;
	snn_net *net = load_tiny(steps);
	snn_spike_data *sd = tu_run(net, 2, NULL);
	size_t dims[8];
	int nd;
	long ngt;
	double *in = load_npy("lava-dl/tinynet/input.npy", dims, &nd);
	long di = compare_spikes(sd, "layer0", in, dims, 1, steps - 2, &ngt);
	ck_assert_msg(ngt > 100, "only %ld input spikes in the fixture", ngt);
	ck_assert_msg(di == 0, "input layer: %ld of %ld spikes differ", di, ngt);
	free(in);
	double *o = load_npy("lava-dl/tinynet/output.npy", dims, &nd);
	long d2 = compare_spikes(sd, "layer2", o, dims, -1, steps, &ngt);
	ck_assert_msg(ngt > 5, "only %ld output spikes in the fixture", ngt);
	ck_assert_msg(d2 == 0, "output: %ld of %ld spikes differ", d2, ngt);
	free(o);
	snn_spike_data_free(sd);
	snn_net_free(net);
}
END_TEST

/* Lava-dl's conv-block test: the first conv layer with u and v zeroed after
 * its first step must give the array's spikes and currents (units of 2^6) step for step. */
START_TEST(test_tinynet_conv)
{
	if (skip_reason()) {
		return;
	}
	const uint32_t steps = 16;
	snn_net *net = load_tiny(steps);
	struct population *p1 = &net->pops[1];
	char *dir = strdup(tu_tmpdir("netx"));
	char *upath = tu_fmt("%s/u.h5", dir);
	struct trace_record *tr = net_add_trace(net);
	tr->who = (struct target_set){1, 0, p1->size, NULL, 0};
	tr->var = LOIHI_S_U;
	tr->interval_ms = 1.0;
	tr->file = strdup(upath);
	snn_spike_data *sd = tu_run(net, 2, NULL);
	size_t dims[8];
	int nd;
	long ngt;
	double *l1 = load_npy("lava-dl/tinynet/layer1.npy", dims, &nd);
	long d1 = compare_spikes(sd, "layer1", l1, dims, 0, steps, &ngt);
	ck_assert_msg(ngt > 10, "only %ld layer1 spikes in the fixture", ngt);
	ck_assert_msg(d1 == 0, "layer1: %ld of %ld spikes differ", d1, ngt);
	free(l1);
	double *cur = load_npy("lava-dl/tinynet/current.npy", dims, &nd);
	size_t rows, cols;
	double *u = tu_read_trace(upath, "layer1", &rows, &cols);
	ck_assert_uint_eq(rows, steps);
	ck_assert_uint_eq(cols, 24 * 36);
	long du = 0, nz = 0;
	for (size_t s = 0; s < steps; s++) {
		for (size_t i = 0; i < cols; i++) {
			double g = cur[i * dims[4] + s] * 64.0;
			nz += g != 0.0;
			du += u[s * cols + i] != g;
		}
	}
	ck_assert_msg(nz > 100, "only %ld nonzero currents in the fixture", nz);
	ck_assert_msg(du == 0, "layer1 current: %ld of %zu values differ", du, rows * cols);
	free(u);
	free(cur);
	snn_spike_data_free(sd);
	snn_net_free(net);
	free(upath);
	free(dir);
}
END_TEST

START_TEST(test_not_netx)
{
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	char *path = tu_fmt("%s/none.net", tu_tmpdir("netx_bad"));
	ck_assert_int_eq(snn_netx_load(path, &net, d), SNN_EIO);
	ck_assert_ptr_null(net);
	ck_assert_str_eq(snn_diag_message(d, 0), "cannot open as HDF5");
	snn_diag_free(d);
	free(path);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("netx");
	TCase *tc = tcase_create("tinynet");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_tinynet_io);
	tcase_add_test(tc, test_tinynet_conv);
	tcase_add_test(tc, test_not_netx);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (skip_reason()) {
		fprintf(stderr, "SKIP: lava-dl fixtures absent (SNN_FIXTURES=%s)\n",
			tu_fixtures() ? tu_fixtures() : "unset");
		return failed ? EXIT_FAILURE : 77;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
