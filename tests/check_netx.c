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

#include <hdf5.h>

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

/* Writes a numeric dataset (doubles stored as float64) at path of f. */
static void nx_put(hid_t f, const char *path, const double *v, hsize_t n)
{
	hid_t sp = H5Screate_simple(1, &n, NULL);
	hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
	H5Pset_create_intermediate_group(lcpl, 1);
	hid_t ds = H5Dcreate2(f, path, H5T_IEEE_F64LE, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
	ck_assert_int_ge(ds, 0);
	ck_assert_int_ge(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
	H5Dclose(ds);
	H5Pclose(lcpl);
	H5Sclose(sp);
}

static void nx_put_str(hid_t f, const char *path, const char *v)
{
	hid_t t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, strlen(v));
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
	H5Pset_create_intermediate_group(lcpl, 1);
	hid_t ds = H5Dcreate2(f, path, t, sp, lcpl, H5P_DEFAULT, H5P_DEFAULT);
	ck_assert_int_ge(ds, 0);
	ck_assert_int_ge(H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, v), 0);
	H5Dclose(ds);
	H5Pclose(lcpl);
	H5Sclose(sp);
	H5Tclose(t);
}

static void nx_put_neuron(hid_t f, const char *layer)
{
	char p[64];
	const double one = 1, vth = 80;
	snprintf(p, sizeof(p), "%s/neuron/type", layer);
	nx_put_str(f, p, "CUBA");
	snprintf(p, sizeof(p), "%s/neuron/iDecay", layer);
	nx_put(f, p, &one, 1);
	snprintf(p, sizeof(p), "%s/neuron/vDecay", layer);
	nx_put(f, p, &one, 1);
	snprintf(p, sizeof(p), "%s/neuron/vThMant", layer);
	nx_put(f, p, &vth, 1);
}

/* An input layer of shape in_shape and a 1x1 conv layer of one channel, with
 * one value replaced: key (under /layer/1) set to bad[nbad]. */
static char *nx_bad_file(const char *name, const double *in_shape, hsize_t nin, const char *key,
			 const double *bad, hsize_t nbad)
{
	char *path = tu_fmt("%s/%s.net", tu_tmpdir("netx_bad"), name);
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	ck_assert_int_ge(f, 0);
	nx_put_str(f, "/layer/0/type", "input");
	nx_put(f, "/layer/0/shape", in_shape, nin);
	nx_put_neuron(f, "/layer/0");
	static const char *const keys[] = {"shape",    "stride",     "padding",
					   "dilation", "kernelSize", "groups"};
	const double shape[3] = {1, 2, 2}, one = 1, zero = 0, w = 1;
	const double *vals[] = {shape, &one, &zero, &one, &one, &one};
	const hsize_t ns[] = {3, 1, 1, 1, 1, 1};
	nx_put_str(f, "/layer/1/type", "conv");
	nx_put_neuron(f, "/layer/1");
	for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		char p[64];
		snprintf(p, sizeof(p), "/layer/1/%s", keys[k]);
		bool b = strcmp(keys[k], key) == 0;
		nx_put(f, p, b ? bad : vals[k], b ? nbad : ns[k]);
	}
	hsize_t wd[4] = {1, 1, 1, 1};
	hid_t sp = H5Screate_simple(4, wd, NULL);
	hid_t ds = H5Dcreate2(f, "/layer/1/weight", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT,
			      H5P_DEFAULT);
	ck_assert_int_ge(H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, &w), 0);
	H5Dclose(ds);
	H5Sclose(sp);
	H5Fclose(f);
	return path;
}

/* Every integer of the file is range-checked before it is converted: a
 * negative shape, a zero stride or dilation, a fractional or too-large value
 * is refused with the file, the HDF5 path and what was expected. */
START_TEST(test_bad_integers)
{
	static const double good_in[3] = {1, 2, 2};
	static const struct {
		const char *name;
		const double in[3];
		hsize_t nin;
		const char *key;
		double bad[3];
		hsize_t nbad;
		const char *want;
	} cases[] = {
	    {"neg_shape",
	     {1, -3, 2},
	     3,
	     "",
	     {0},
	     0,
	     "/layer/0/shape: entry 1 is -3; expected a whole number from 1 to 4294967295"},
	    {"no_shape", {0}, 0, "", {0}, 0, "/layer/0/shape: expected 1 to 3 numbers, found 0"},
	    {"big_shape",
	     {65536, 65536, 2},
	     3,
	     "",
	     {0},
	     0,
	     "/layer/0/shape: the layer has more than 4294967295 neurons"},
	    {"half_shape",
	     {1, 2.5, 2},
	     3,
	     "",
	     {0},
	     0,
	     "/layer/0/shape: entry 1 is 2.5; expected a whole number from 1 to 4294967295"},
	    {"stride0",
	     {0},
	     0,
	     "stride",
	     {0},
	     1,
	     "/layer/1/stride: entry 0 is 0; expected a whole number from 1 to 65535"},
	    {"dilation0",
	     {0},
	     0,
	     "dilation",
	     {1, 0},
	     2,
	     "/layer/1/dilation: entry 1 is 0; expected a whole number from 1 to 65535"},
	    {"neg_padding",
	     {0},
	     0,
	     "padding",
	     {-1},
	     1,
	     "/layer/1/padding: entry 0 is -1; expected a whole number from 0 to 65535"},
	    {"kernel3",
	     {0},
	     0,
	     "kernelSize",
	     {1, 1, 1},
	     3,
	     "/layer/1/kernelSize: expected 1 to 2 numbers, found 3"},
	    {"groups2",
	     {0},
	     0,
	     "groups",
	     {2},
	     1,
	     "/layer/1/groups: entry 0 is 2; expected a whole number from 1 to 1"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const double *in = cases[i].nin ? cases[i].in : good_in;
		hsize_t nin = cases[i].nin ? cases[i].nin : 3;
		if (strncmp(cases[i].name, "no_", 3) == 0) {
			nin = 0;
		}
		char *path =
		    nx_bad_file(cases[i].name, in, nin, cases[i].key, cases[i].bad, cases[i].nbad);
		snn_diag *d = snn_diag_new();
		snn_net *net = NULL;
		ck_assert_int_eq(snn_netx_load(path, &net, d), SNN_EPARSE);
		ck_assert_ptr_null(net);
		ck_assert_str_eq(snn_diag_message(d, 0), cases[i].want);
		snn_diag_free(d);
		free(path);
	}
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
	tcase_add_test(tc, test_bad_integers);
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
