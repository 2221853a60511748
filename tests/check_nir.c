/*
 * Tests of the NIR loader and of NIR graphs run by the CPU engine on graphs
 * written here: structured convolutions and pooling against dense
 * references, the conventions on analytic cases, delays, recurrence,
 * readouts, nested graphs, input files and every malformed-file error with
 * its exact message.
 * Layer: tests. Needs no fixtures.
 */
#include "config.h"

#include <check.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_int.h"
#include "nir_int.h"
#include "nirtest.h"
#include "snn/snn.h"
#include "testutil.h"

/* A CNN exercising groups, dilation, asymmetric stride and padding, average
 * pooling, biases, per-neuron parameters, Scale and Flatten, written with
 * gzip-compressed and float64 datasets and unordered edges. */
static void write_conv_graph(const char *path, float *kern, double *cbias, double *r_if, double *sc,
			     float *aw, double *ab, double *tau)
{
	hid_t f = w_open(path, "1.0.0"), g;
	hid_t nodes = w_graph(f, "node", &g);
	int64_t in_shape[3] = {4, 9, 8};
	w_io(nodes, "input", "Input", 3, in_shape);
	/* conv: 6 out, 4 in, groups 2 -> weight 6 x 2 x 3 x 2 */
	hid_t c = w_node(nodes, "conv.a", "Conv2d");
	hsize_t kd[4] = {6, 2, 3, 2};
	double kv[72];
	for (int i = 0; i < 72; i++) {
		kv[i] = kern[i];
	}
	w_num(c, "weight", H5T_IEEE_F32LE, 4, kd, kv, true);
	hsize_t bd[1] = {6};
	w_f64(c, "bias", 1, bd, cbias);
	int64_t st[2] = {2, 1}, pd[2] = {1, 2}, dl[2] = {2, 1}, ins[2] = {9, 8};
	w_i64(c, "stride", 2, st);
	w_i64(c, "padding", 2, pd);
	w_i64(c, "dilation", 2, dl);
	w_scalar_i64(c, "groups", 2);
	w_i64(c, "input_shape", 2, ins);
	H5Gclose(c);
	/* out: H = (9 + 2 - 2*2 - 1)/2 + 1 = 4, W = (8 + 4 - 1 - 1)/1 + 1 = 11 */
	hid_t n1 = w_node(nodes, "if", "IF");
	hsize_t sd[3] = {6, 4, 11};
	w_f64(n1, "r", 3, sd, r_if);
	double th = 0.6;
	w_f64(n1, "v_threshold", 0, NULL, &th);
	H5Gclose(n1);
	hid_t p = w_node(nodes, "pool", "AvgPool2d");
	int64_t ks[2] = {2, 3}, ps[2] = {2, 2}, pp[2] = {1, 1};
	w_i64(p, "kernel_size", 2, ks);
	w_i64(p, "stride", 2, ps);
	w_i64(p, "padding", 2, pp);
	H5Gclose(p);
	/* pool out: H = (4 + 2 - 2)/2 + 1 = 3, W = (11 + 2 - 3)/2 + 1 = 6 */
	hid_t s = w_node(nodes, "scale", "Scale");
	hsize_t scd[3] = {6, 3, 6};
	w_f32(s, "scale", 3, scd, sc);
	H5Gclose(s);
	hid_t fl = w_node(nodes, "flat", "Flatten");
	w_scalar_i64(fl, "start_dim", 0);
	w_scalar_i64(fl, "end_dim", -1);
	H5Gclose(fl);
	hid_t a = w_node(nodes, "fc", "Affine");
	hsize_t ad[2] = {5, 108};
	double av[540];
	for (int i = 0; i < 540; i++) {
		av[i] = aw[i];
	}
	w_num(a, "weight", H5T_IEEE_F32LE, 2, ad, av, true);
	hsize_t abd[1] = {5};
	w_f32(a, "bias", 1, abd, ab);
	H5Gclose(a);
	hid_t l = w_node(nodes, "lif", "LIF");
	hsize_t ld[1] = {5};
	double one5[5] = {1, 1, 1, 1, 1}, zero5[5] = {0, 0, 0, 0, 0}, th5[5] = {1, 1, 1, 1, 1};
	w_f64(l, "tau", 1, ld, tau);
	w_f64(l, "r", 1, ld, one5);
	w_f32(l, "v_leak", 1, ld, zero5);
	w_f32(l, "v_threshold", 1, ld, th5);
	w_f32(l, "v_reset", 1, ld, zero5);
	H5Gclose(l);
	int64_t os[1] = {5};
	w_io(nodes, "output", "Output", 1, os);
	const char *edges[] = {"lif",  "output", "flat",   "fc", "input", "conv.a",
			       "pool", "scale",	 "conv.a", "if", "scale", "flat",
			       "if",   "pool",	 "fc",	   "lif"};
	w_edges(g, edges, 8);
	H5Gclose(nodes);
	H5Gclose(g);
	H5Fclose(f);
}

START_TEST(synthetic_cnn_against_dense_reference)
{
	float kern[72], aw[540];
	double cbias[6], r_if[264], sc[108], ab[5], tau[5];
	rnd_state = 12345;
	for (int i = 0; i < 72; i++) {
		kern[i] = (float)(rnd() - 0.3);
	}
	for (int i = 0; i < 6; i++) {
		cbias[i] = 0.05 * (rnd() - 0.5);
	}
	for (int i = 0; i < 264; i++) {
		r_if[i] = 0.5 + rnd();
	}
	for (int i = 0; i < 108; i++) {
		sc[i] = (double)(float)(0.5 + 2 * rnd());
	}
	for (int i = 0; i < 540; i++) {
		aw[i] = (float)(rnd() - 0.4);
	}
	for (int i = 0; i < 5; i++) {
		ab[i] = (double)(float)(0.1 * rnd());
		tau[i] = 1e-3 * (1 + i);
	}
	const char *path = tmp_file("conv.nir");
	write_conv_graph(path, kern, cbias, r_if, sc, aw, ab, tau);
	snn_net *net = load_nir(path, NULL);
	/* the structure stays: one conv, one pool, one one-to-one, one dense */
	ck_assert_uint_eq(net->n_projs, 4);
	ck_assert_int_eq(net->projs[0].kind, PROJ_CONV);
	ck_assert_uint_eq(net->projs[0].x->conv.groups, 2);
	ck_assert_int_eq(net->projs[1].kind, PROJ_POOL);
	ck_assert_int_eq(net->projs[2].kind, PROJ_DIAG);
	ck_assert_int_eq(net->projs[3].kind, PROJ_DENSE);
	const int T = 30;
	snn_nir_data *in = new_data(net, 1, T);
	double *x = snn_nir_data_values(in, 0, NULL);
	for (int i = 0; i < T * 288; i++) {
		x[i] = rnd() < 0.3 ? (double)(float)(4 * rnd()) : 0.0; /* graded input */
	}
	const char *rec[] = {"if", "pool", "scale"};
	snn_nir_result *r = run_nir(net, in, true, rec, 3, 1);
	struct conv_spec cs = {4, 6, 2, 3, 2, 2, 1, 1, 2, 2, 1, 9, 8, 4, 11, kern, cbias};
	double I1[264], v1[264] = {0}, z1[264], P[108], Z[108], I2[5], v2[5] = {0};
	long spikes = 0;
	for (int t = 0; t < T; t++) {
		ref_conv(&cs, x + t * 288, I1);
		/* the conv bias is the neurons' constant input: added after the sum */
		ref_if(264, v1, I1, r_if, 0.6, false, false, z1);
		ref_pool(6, 4, 11, 2, 3, 2, 2, 1, 1, true, z1, P, 3, 6);
		for (int i = 0; i < 108; i++) {
			Z[i] = (double)(float)sc[i] * P[i];
		}
		ref_affine(5, 108, aw, ab, Z, I2);
		double z2[5];
		for (int i = 0; i < 5; i++) {
			double h = 1e-4 * 1e3, tm = tau[i] * 1e3;
			double a = 1.0 - h / tm, gr = (h / tm) * 1.0;
			double y = a * v2[i] + (1.0 - a) * 0.0 + gr * I2[i];
			z2[i] = y > 1.0;
			v2[i] = y > 1.0 ? 0.0 : y;
		}
		assert_same(series(r, "if", "spikes")->data + t * 264, z1, 264, "if", t);
		assert_same(series(r, "if", "v")->data + t * 264, v1, 264, "v of if", t);
		assert_same(series(r, "pool", "values")->data + t * 108, P, 108, "pool", t);
		assert_same(series(r, "scale", "values")->data + t * 108, Z, 108, "scale", t);
		assert_same(series(r, "output", "v")->data + t * 5, v2, 5, "v of lif", t);
		assert_same(series(r, "output", "spikes")->data + t * 5, z2, 5, "lif", t);
		for (int i = 0; i < 264; i++) {
			spikes += z1[i] != 0;
		}
	}
	ck_assert_msg(spikes > 200, "only %ld spikes", spikes);
	snn_nir_result_free(r);
	snn_nir_data_free(in);
	snn_net_free(net);
}
END_TEST

/* Input [2 20] -> Conv1d -> LI -> Output: values, not spikes. */
START_TEST(conv1d_and_leaky_integrator)
{
	const char *path = tmp_file("conv1d.nir");
	hid_t f = w_open(path, "1.0.0"), g;
	hid_t nodes = w_graph(f, "node", &g);
	int64_t in_shape[2] = {2, 20};
	w_io(nodes, "in", "Input", 2, in_shape);
	hid_t c = w_node(nodes, "c", "Conv1d");
	hsize_t kd[3] = {3, 2, 4};
	double kv[24];
	float kf[24];
	rnd_state = 99;
	for (int i = 0; i < 24; i++) {
		kf[i] = (float)(rnd() - 0.5);
		kv[i] = kf[i];
	}
	w_f32(c, "weight", 3, kd, kv);
	double b[3] = {0.25, -0.5, 0.125};
	hsize_t bd[1] = {3};
	w_f32(c, "bias", 1, bd, b);
	w_scalar_i64(c, "stride", 2);
	w_scalar_i64(c, "padding", 1);
	w_scalar_i64(c, "dilation", 2);
	w_scalar_i64(c, "groups", 1);
	H5Gclose(c);
	/* out: (20 + 2 - 2*3 - 1)/2 + 1 = 8 */
	hid_t l = w_node(nodes, "li", "LI");
	double tau = 2e-3, r = 2.0, vl = 0.0;
	w_f64(l, "tau", 0, NULL, &tau);
	w_f64(l, "r", 0, NULL, &r);
	w_f64(l, "v_leak", 0, NULL, &vl);
	H5Gclose(l);
	int64_t os[2] = {3, 8};
	w_io(nodes, "out", "Output", 2, os);
	const char *edges[] = {"in", "c", "c", "li", "li", "out"};
	w_edges(g, edges, 3);
	H5Gclose(nodes);
	H5Gclose(g);
	H5Fclose(f);

	snn_nir_options o;
	snn_nir_options_init(&o);
	o.integration = SNN_NIR_EXACT;
	snn_net *net = load_nir(path, &o);
	snn_nir_data *in = new_data(net, 1, 12);
	double *x = snn_nir_data_values(in, 0, NULL);
	for (int i = 0; i < 12 * 40; i++) {
		x[i] = rnd() < 0.4;
	}
	snn_nir_result *res = run_nir(net, in, false, NULL, 0, 1);
	const snn_nir_series *s = series(res, "out", "values");
	ck_assert_uint_eq(s->size, 24);
	double bias[3] = {(double)(float)0.25, (double)(float)-0.5, (double)(float)0.125};
	struct conv_spec cs = {2, 3, 1, 1, 4, 1, 2, 0, 1, 1, 2, 1, 20, 1, 8, kf, NULL};
	double I[24], v[24] = {0};
	double h = 1e-4 * 1e3, tm = 2e-3 * 1e3, a = exp(-h / tm), gr = -expm1(-h / tm) * 2.0;
	for (int t = 0; t < 12; t++) {
		ref_conv(&cs, x + t * 40, I);
		for (int i = 0; i < 24; i++) {
			v[i] = a * v[i] + (1.0 - a) * 0.0 + gr * (I[i] + bias[i / 8]);
		}
		assert_same(s->data + t * 24, v, 24, "LI", t);
	}
	snn_nir_result_free(res);
	snn_nir_data_free(in);
	snn_net_free(net);
}
END_TEST

/* Conv1d with padding 'same' and an even kernel: PyTorch pads 1 before the
 * data and 2 after. */
START_TEST(conv_same_padding)
{
	const char *path = tmp_file("same.nir");
	hid_t f = w_open(path, "1.0.0"), g;
	hid_t nodes = w_graph(f, "node", &g);
	int64_t in_shape[2] = {1, 10};
	w_io(nodes, "in", "Input", 2, in_shape);
	hid_t c = w_node(nodes, "c", "Conv1d");
	hsize_t kd[3] = {1, 1, 4};
	double kv[4] = {1, 10, 100, 1000};
	w_f32(c, "weight", 3, kd, kv);
	double zero = 0;
	w_f32(c, "bias", 0, NULL, &zero);
	w_scalar_i64(c, "stride", 1);
	w_str(c, "padding", "same");
	w_scalar_i64(c, "dilation", 1);
	w_scalar_i64(c, "groups", 1);
	H5Gclose(c);
	hid_t n = w_node(nodes, "i", "I");
	double r = 1;
	w_f64(n, "r", 0, NULL, &r);
	H5Gclose(n);
	int64_t os[2] = {1, 10};
	w_io(nodes, "out", "Output", 2, os);
	const char *edges[] = {"in", "c", "c", "i", "i", "out"};
	w_edges(g, edges, 3);
	H5Gclose(nodes);
	H5Gclose(g);
	H5Fclose(f);
	snn_net *net = load_nir(path, NULL);
	snn_nir_data *in = new_data(net, 1, 1);
	double *x = snn_nir_data_values(in, 0, NULL);
	for (int i = 0; i < 10; i++) {
		x[i] = i + 1; /* 1 .. 10 */
	}
	snn_nir_result *res = run_nir(net, in, false, NULL, 0, 1);
	const snn_nir_series *s = series(res, "out", "values");
	ck_assert_uint_eq(s->size, 10);
	/* output o takes inputs o - 1 .. o + 2 */
	for (int o = 0; o < 10; o++) {
		double want = 0;
		for (int k = 0; k < 4; k++) {
			int i = o - 1 + k;
			want += (i >= 0 && i < 10) ? kv[k] * (i + 1) : 0;
		}
		ck_assert_msg(s->data[o] == want, "output %d: %g, want %g", o, s->data[o], want);
	}
	snn_nir_result_free(res);
	snn_nir_data_free(in);
	snn_net_free(net);
}
END_TEST

/* One current-based neuron with a constant input, in every convention. */
static snn_net *single_neuron(const char *type, const char *extra_name, double extra,
			      const snn_nir_options *o)
{
	const char *path = tmp_file("one.nir");
	hid_t f = w_open(path, NULL), g;
	hid_t nodes = w_graph(f, "node", &g);
	int64_t one[1] = {1};
	w_io(nodes, "in", "Input", 1, one);
	hid_t n = w_node(nodes, "n", type);
	hsize_t d1[1] = {1};
	double ts = 2e-3, tm = 5e-3, r = 3.0, vl = 0.25, th = 1.0, win = 0.5;
	if (strcmp(type, "CubaLIF") == 0 || strcmp(type, "CubaLI") == 0) {
		w_f64(n, "tau_syn", 1, d1, &ts);
		w_f64(n, "tau_mem", 1, d1, &tm);
		if (!extra_name || strcmp(extra_name, "no w_in") != 0) {
			w_f64(n, "w_in", 1, d1, &win);
		}
	} else if (strcmp(type, "LIF") == 0 || strcmp(type, "LI") == 0) {
		w_f64(n, "tau", 1, d1, &tm);
	}
	w_f64(n, "r", 1, d1, &r);
	if (strcmp(type, "IF") && strcmp(type, "I")) {
		w_f64(n, "v_leak", 1, d1, &vl);
	}
	if (strcmp(type, "LIF") == 0 || strcmp(type, "IF") == 0 || strcmp(type, "CubaLIF") == 0) {
		w_f64(n, "v_threshold", 1, d1, &th);
	}
	if (extra_name && strcmp(extra_name, "no w_in") != 0) {
		w_f64(n, extra_name, 1, d1, &extra);
	}
	H5Gclose(n);
	w_io(nodes, "out", "Output", 1, one);
	const char *edges[] = {"in", "n", "n", "out"};
	w_edges(g, edges, 2);
	H5Gclose(nodes);
	H5Gclose(g);
	H5Fclose(f);
	return load_nir(path, o);
}

static snn_nir_result *drive(snn_net *net, double x, uint32_t steps)
{
	snn_nir_data *in = new_data(net, 1, steps);
	double *v = snn_nir_data_values(in, 0, NULL);
	for (uint32_t t = 0; t < steps; t++) {
		v[t] = x;
	}
	snn_nir_result *r = run_nir(net, in, true, NULL, 0, 1);
	snn_nir_data_free(in);
	return r;
}

START_TEST(conventions_on_one_neuron)
{
	/* CubaLI, Euler: i_n = (1 - h/ts)^... analytically i_n = w_in x (1 - (1 - h/ts)^n)
	 * (Euler gain h/ts); v from the recursion */
	snn_nir_options o;
	snn_nir_options_init(&o);
	for (int scheme = 0; scheme < 2; scheme++) {
		o.integration = scheme ? SNN_NIR_EXACT : SNN_NIR_EULER;
		snn_net *net = single_neuron("CubaLI", NULL, 0, &o);
		snn_nir_result *r = drive(net, 2.0, 50);
		const snn_nir_series *i = series(r, "out", "i"), *v = series(r, "out", "v");
		const snn_nir_series *out = series(r, "out", "values");
		double as = scheme ? exp(-0.1 / 2.0) : 1 - 0.1 / 2.0;
		double am = scheme ? exp(-0.1 / 5.0) : 1 - 0.1 / 5.0;
		double vv = 0.25; /* rests at v_leak */
		for (uint32_t t = 0; t < 50; t++) {
			double it = 0.5 * 2.0 * (1 - pow(as, t + 1));
			ck_assert_msg(fabs(i->data[t] - it) < 1e-12, "i[%u] %.15g vs %.15g", t,
				      i->data[t], it);
			vv = am * vv + (1 - am) * 0.25 + (1 - am) * 3.0 * i->data[t];
			ck_assert(fabs(v->data[t] - vv) < 1e-12);
			ck_assert(out->data[t] == v->data[t]);
		}
		snn_nir_result_free(r);
		snn_net_free(net);
	}
	/* without w_in (older files) the input weighs 1 */
	o.integration = SNN_NIR_EULER;
	snn_net *nw = single_neuron("CubaLI", "no w_in", 0, &o);
	snn_nir_result *rw = drive(nw, 2.0, 200);
	ck_assert(fabs(series(rw, "out", "i")->data[199] - 2.0 * (1 - pow(1 - 0.1 / 2.0, 200))) <
		  1e-12);
	ck_assert_uint_eq(snn_nir_assumption_count(nw), 2); /* and: no /version */
	ck_assert_str_eq(snn_nir_assumption(nw, 1), "/node/nodes/n: no w_in: 1");
	snn_nir_result_free(rw);
	snn_net_free(nw);
	/* LIF, exact decay with an Euler gain (Rockpool's export) */
	o.integration = SNN_NIR_EXACT;
	o.input_gain = SNN_NIR_EULER;
	snn_net *net = single_neuron("LIF", "v_reset", -0.5, &o);
	snn_nir_result *r = drive(net, 0.5, 200);
	const snn_nir_series *v = series(r, "out", "v"), *z = series(r, "out", "spikes");
	double a = exp(-0.1 / 5.0), y = 0.25;
	int fired = 0;
	for (uint32_t t = 0; t < 200; t++) {
		y = a * y + (1 - a) * 0.25 + (0.1 / 5.0) * 3.0 * 0.5;
		if (y > 1.0) {
			y = -0.5;
			fired++;
			ck_assert(z->data[t] == 1.0);
		} else {
			ck_assert(z->data[t] == 0.0);
		}
		ck_assert_msg(fabs(v->data[t] - y) < 1e-12, "v[%u] %.15g vs %.15g", t, v->data[t],
			      y);
	}
	ck_assert_int_gt(fired, 2);
	snn_nir_result_free(r);
	snn_net_free(net);
	/* IF, several spikes per step with subtraction, per-step gain: a
	 * constant input of 2.5 with r 3 and threshold 1 above v_reset 0 */
	snn_nir_options_init(&o);
	o.spikes = SNN_NIR_SPIKES_MULTIPLE;
	o.reset = SNN_NIR_RESET_SUBTRACT;
	net = single_neuron("IF", NULL, 0, &o);
	r = drive(net, 2.5, 10);
	z = series(r, "out", "spikes");
	v = series(r, "out", "v");
	y = 0;
	for (uint32_t t = 0; t < 10; t++) {
		y += 7.5;
		double k = floor(y);
		ck_assert(z->data[t] == k);
		y -= k;
		ck_assert(v->data[t] == y);
	}
	snn_nir_result_free(r);
	snn_net_free(net);
	/* I with the integrator gain in seconds: v grows by dt r x per step */
	snn_nir_options_init(&o);
	o.integrator = SNN_NIR_INTEGRATOR_DT;
	net = single_neuron("I", NULL, 0, &o);
	r = drive(net, 2.0, 10);
	v = series(r, "out", "values");
	ck_assert(fabs(v->data[9] - 10 * 1e-4 * 3.0 * 2.0) < 1e-15);
	snn_nir_result_free(r);
	snn_net_free(net);
}
END_TEST

/* The engine's on_spikes hook on a graded network: one event per nonzero
 * output, at the end of its step, the samples one after another in time. */
struct nir_hook {
	long pop_in, pop_out;
	uint32_t n_in, n_out, calls, bad;
	double last_t;
	double t_out[64];
};

static void nir_hook_fn(void *ctx, const snn_spike_event *ev, size_t n, double t_ms)
{
	struct nir_hook *h = ctx;
	h->calls++;
	h->bad += t_ms < h->last_t;
	h->last_t = t_ms;
	for (size_t k = 0; k < n; k++) {
		h->bad += ev[k].t_ms > t_ms + 1e-9 || ev[k].id != 0;
		if ((long)ev[k].pop == h->pop_in) {
			h->n_in++;
		} else if ((long)ev[k].pop == h->pop_out && h->n_out < 64) {
			h->t_out[h->n_out++] = ev[k].t_ms;
		} else {
			h->bad++;
		}
	}
}

START_TEST(spikes_hook_on_graded_network)
{
	snn_nir_options o;
	snn_nir_options_init(&o);
	o.integration = SNN_NIR_EXACT;
	o.input_gain = SNN_NIR_EULER;
	snn_net *net = single_neuron("LIF", "v_reset", -0.5, &o);
	const uint32_t steps = 200;
	snn_nir_data *in = new_data(net, 2, steps);
	double *x = snn_nir_data_values(in, 0, NULL);
	for (uint32_t t = 0; t < 2 * steps; t++) {
		x[t] = t % 50 == 7 ? 0.0 : 0.5; /* 8 steps without input */
	}
	struct nir_hook h;
	memset(&h, 0, sizeof(h));
	h.pop_in = snn_net_find_population(net, "in");
	h.pop_out = snn_net_find_population(net, "n");
	ck_assert_int_ge(h.pop_in, 0);
	ck_assert_int_ge(h.pop_out, 0);
	snn_nir_run_options ro = {1, false, NULL, 0, NULL, NULL, nir_hook_fn, &h};
	snn_diag *d = snn_diag_new();
	snn_nir_result *r = NULL;
	ck_assert_int_eq(snn_nir_run(net, in, &ro, &r, d), SNN_OK);
	const snn_nir_series *z = series(r, "out", "spikes");
	ck_assert_uint_eq(h.bad, 0);
	ck_assert_uint_ge(h.calls, 4);
	ck_assert(fabs(h.last_t - 2 * steps * 0.1) < 1e-9);
	ck_assert_uint_eq(h.n_in, 2 * steps - 8);
	uint32_t k = 0;
	for (uint32_t smp = 0; smp < 2; smp++) {
		for (uint32_t t = 0; t < steps; t++) {
			if (z->data[smp * steps + t] == 0.0) {
				continue;
			}
			ck_assert_uint_lt(k, h.n_out);
			double want = (smp * steps + t + 1) * 0.1;
			ck_assert_msg(fabs(h.t_out[k] - want) < 1e-9, "spike %u at %.12g, want %g",
				      k, h.t_out[k], want);
			k++;
		}
	}
	ck_assert_uint_gt(k, 4);
	ck_assert_uint_eq(k, h.n_out);
	snn_nir_result_free(r);
	snn_nir_data_free(in);
	snn_diag_free(d);
	snn_net_free(net);
}
END_TEST

/* A Threshold node, a Delay, a recurrent edge without an Affine and a
 * linear readout: Input -> Delay(3 steps) -> LIF ⟲ (recurrent Scale), LIF ->
 * Linear -> Output (a relay that outputs values). */
START_TEST(delay_recurrence_and_readout)
{
	const char *path = tmp_file("delay.nir");
	hid_t f = w_open(path, "1.0.0"), g;
	hid_t nodes = w_graph(f, "node", &g);
	int64_t two[1] = {2};
	w_io(nodes, "in", "Input", 1, two);
	hid_t d = w_node(nodes, "d", "Delay");
	hsize_t d2[1] = {2};
	double dl[2] = {3e-4, 0.0};
	w_f64(d, "delay", 1, d2, dl);
	H5Gclose(d);
	hid_t l = w_node(nodes, "lif", "LIF");
	double tau[2] = {1e-3, 1e-3}, r[2] = {10, 10}, vl[2] = {0, 0}, th[2] = {0.5, 0.5};
	w_f64(l, "tau", 1, d2, tau);
	w_f64(l, "r", 1, d2, r);
	w_f64(l, "v_leak", 1, d2, vl);
	w_f64(l, "v_threshold", 1, d2, th);
	H5Gclose(l);
	hid_t s = w_node(nodes, "rec", "Scale");
	double sv[2] = {0.25, 0.25};
	w_f64(s, "scale", 1, d2, sv);
	H5Gclose(s);
	hid_t th2 = w_node(nodes, "thr", "Threshold");
	double tv[2] = {0.5, 1.5};
	w_f64(th2, "threshold", 1, d2, tv);
	H5Gclose(th2);
	hid_t lin = w_node(nodes, "ro", "Linear");
	hsize_t wd[2] = {1, 2};
	double wv[2] = {2.0, -1.0};
	w_f32(lin, "weight", 2, wd, wv);
	H5Gclose(lin);
	int64_t one[1] = {1};
	w_io(nodes, "out", "Output", 1, one);
	w_io(nodes, "out2", "Output", 1, two);
	const char *edges[] = {"in",  "d",  "d",  "lif", "lif", "rec", "rec", "lif",
			       "lif", "ro", "ro", "out", "in",	"thr", "thr", "out2"};
	w_edges(g, edges, 8);
	H5Gclose(nodes);
	H5Gclose(g);
	H5Fclose(f);
	snn_net *net = load_nir(path, NULL);
	snn_nir_data *in = new_data(net, 1, 12);
	double *x = snn_nir_data_values(in, 0, NULL);
	x[0 * 2 + 0] = 1.0; /* neuron 0 gets a pulse at step 0, delayed to step 3 */
	x[0 * 2 + 1] = 1.0; /* neuron 1 at step 0, no delay */
	x[5 * 2 + 1] = 2.0; /* over the second threshold at step 5 */
	snn_nir_result *res = run_nir(net, in, false, NULL, 0, 1);
	const snn_nir_series *ro = series(res, "out", "values");
	const snn_nir_series *tz = series(res, "out2", "spikes");
	/* v += 0.1 * 10 * x: 1.0 > 0.5 spikes; the recurrent 0.25 arrives one
	 * step later and decays: 0.25 < 0.5 does not */
	for (uint32_t t = 0; t < 12; t++) {
		double want = (t == 3 ? 2.0 : 0.0) + (t == 0 || t == 5 ? -1.0 : 0.0);
		ck_assert_msg(ro->data[t] == want, "readout at %u: %g, want %g", t, ro->data[t],
			      want);
		ck_assert(tz->data[2 * t] == (x[2 * t] > 0.5));
		ck_assert(tz->data[2 * t + 1] == (x[2 * t + 1] > 1.5));
	}
	snn_nir_result_free(res);
	snn_nir_data_free(in);
	snn_net_free(net);
}
END_TEST

/* ------------------------------------------------------------------ file variants */

/* Old-style file: no version, a 0-d v_threshold, float64 weights, gzip,
 * unordered edges, names with dots and a nested graph entered by name. */
START_TEST(nested_graph_with_dotted_names)
{
	const char *path = tmp_file("nested.nir");
	hid_t f = w_open(path, NULL), g;
	hid_t nodes = w_graph(f, "node", &g);
	int64_t three[1] = {6};
	w_io(nodes, "input", "Input", 1, three);
	hid_t a = w_node(nodes, "fc.0", "Affine");
	hsize_t wd[2] = {6, 6};
	double wv[36] = {0};
	for (int i = 0; i < 6; i++) {
		wv[7 * i] = i % 3 == 0 ? 1 : i % 3 == 1 ? 2 : 0.5;
	}
	w_num(a, "weight", H5T_IEEE_F64LE, 2, wd, wv, true);
	double zero = 0;
	w_f64(a, "bias", 0, NULL, &zero);
	H5Gclose(a);
	hid_t sg;
	hid_t sn = w_graph(nodes, "block", &sg);
	w_io(sn, "input", "Input", 1, three);
	hid_t l = H5Gcreate2(sn, "lif.x", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	w_fixed_str(l, "type", "LIF");
	double tau = 1e-3, r = 10, vl = 0, th = 0.5;
	w_f64(l, "tau", 0, NULL, &tau);
	w_f64(l, "r", 0, NULL, &r);
	w_f64(l, "v_leak", 0, NULL, &vl);
	w_f64(l, "v_threshold", 0, NULL, &th);
	H5Gclose(l);
	w_io(sn, "output", "Output", 1, three);
	const char *se[] = {"lif.x", "output", "input", "lif.x"};
	w_fixed_edges(sg, se, 2, 8);
	H5Gclose(sn);
	H5Gclose(sg);
	w_io(nodes, "output", "Output", 1, three);
	const char *edges[] = {"block.output", "output", "input", "fc.0", "fc.0", "block"};
	w_edges(g, edges, 3);
	H5Gclose(nodes);
	H5Gclose(g);
	H5Fclose(f);
	snn_net *net = load_nir(path, NULL);
	ck_assert_uint_eq(net->n_pops, 2);
	ck_assert_str_eq(net->pops[1].name, "block/lif.x");
	ck_assert_int_eq(net->projs[0].kind, PROJ_SPARSE); /* 6 of 36 weights */
	ck_assert_uint_eq(net->projs[0].x->n_syn, 6);
	snn_nir_data *in = new_data(net, 1, 3);
	double *x = snn_nir_data_values(in, 0, NULL);
	for (int i = 0; i < 6; i++) {
		x[i] = 0.4;
	}
	snn_nir_result *r2 = run_nir(net, in, true, NULL, 0, 1);
	const snn_nir_series *z = series(r2, "output", "spikes");
	/* v = 0.1 * 10 * w x = 0.4, 0.8, 0.2, ...: weight 2 spikes, then decay */
	for (int i = 0; i < 18; i++) {
		ck_assert(z->data[i] == (i == 1 || i == 4));
	}
	snn_nir_result_free(r2);
	snn_nir_data_free(in);
	/* what the loader assumed is recorded */
	const struct nir_info *I = net->nir;
	bool version = false, vreset = false;
	for (uint32_t k = 0; k < I->n_assumed; k++) {
		version |= strstr(I->assumed[k], "/version: absent") != NULL;
		vreset |=
		    strstr(I->assumed[k], "/node/nodes/block/nodes/lif.x: no v_reset") != NULL;
	}
	ck_assert(version && vreset);
	snn_net_free(net);
}
END_TEST

/* ------------------------------------------------------------------ input files */

START_TEST(nirdata_inputs)
{
	const char *gpath = tmp_file("g.nir");
	{
		hid_t f = w_open(gpath, "1.0.0"), g;
		hid_t nodes = w_graph(f, "node", &g);
		int64_t three[1] = {3};
		w_io(nodes, "input", "Input", 1, three);
		w_io(nodes, "output", "Output", 1, three);
		const char *edges[] = {"input", "output"};
		w_edges(g, edges, 1);
		H5Gclose(nodes);
		H5Gclose(g);
		H5Fclose(f);
	}
	snn_net *net = load_nir(gpath, NULL);
	/* EventData: two samples, events padded with -1 / inf */
	const char *dpath = tmp_file("events.h5");
	hid_t f = H5Fcreate(dpath, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	hid_t t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, H5T_VARIABLE);
	const char *ty = "NIRGraphData";
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t at = H5Acreate2(f, "__type__", t, sp, H5P_DEFAULT, H5P_DEFAULT);
	H5Awrite(at, t, &ty);
	H5Aclose(at);
	hid_t nd = H5Gcreate2(f, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	hid_t ng = H5Gcreate2(nd, "input", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	hid_t og = H5Gcreate2(ng, "observables", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	hid_t ev = H5Gcreate2(og, "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	ty = "EventData";
	at = H5Acreate2(ev, "__type__", t, sp, H5P_DEFAULT, H5P_DEFAULT);
	H5Awrite(at, t, &ty);
	H5Aclose(at);
	double nn = 3, tmax = 1e-3;
	at = H5Acreate2(ev, "n_neurons", H5T_STD_I64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
	H5Awrite(at, H5T_NATIVE_DOUBLE, &nn);
	H5Aclose(at);
	at = H5Acreate2(ev, "t_max", H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT);
	H5Awrite(at, H5T_NATIVE_DOUBLE, &tmax);
	H5Aclose(at);
	hsize_t dd[2] = {2, 3};
	double idx[6] = {0, 2, -1, 1, 1, 2};
	double tim[6] = {0.0, 3e-4, INFINITY, 5e-4, 5.5e-4, 9.99e-4};
	w_num(ev, "idx", H5T_STD_I64LE, 2, dd, idx, false);
	w_f64(ev, "time", 2, dd, tim);
	H5Gclose(ev);
	H5Gclose(og);
	H5Gclose(ng);
	H5Gclose(nd);
	H5Sclose(sp);
	H5Tclose(t);
	H5Fclose(f);
	snn_diag *d = snn_diag_new();
	snn_nir_data *in = NULL;
	int rc = snn_nir_data_read(dpath, net, NULL, &in, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	ck_assert_uint_eq(snn_nir_data_samples(in), 2);
	ck_assert_uint_eq(snn_nir_data_steps(in), 10);
	double *v = snn_nir_data_values(in, 0, NULL);
	/* sample 0: neuron 0 at step 0, neuron 2 at step 3 (3e-4 s is step 3,
	 * not 2.9999...); sample 1: neuron 1 at step 5 twice (one event
	 * per bin), neuron 2 at step 9 */
	double want[60] = {0};
	want[0 * 3 + 0] = 1;
	want[3 * 3 + 2] = 1;
	want[30 + 5 * 3 + 1] = 1;
	want[30 + 9 * 3 + 2] = 1;
	for (int i = 0; i < 60; i++) {
		ck_assert_msg(v[i] == want[i], "value %d: %g", i, v[i]);
	}
	snn_nir_data_free(in);
	/* a plain dataset with the wrong width names the file and the path */
	const char *ppath = tmp_file("plain.h5");
	f = H5Fcreate(ppath, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	hsize_t pd[3] = {2, 4, 5};
	double pv[40] = {0};
	w_f32(f, "spikes", 3, pd, pv);
	H5Fclose(f);
	snn_diag_clear(d);
	ck_assert_int_eq(snn_nir_data_read(ppath, net, NULL, &in, d), SNN_EPARSE);
	char want_msg[600];
	snprintf(want_msg, sizeof(want_msg),
		 "inputs of shape [2 4 5] do not fit the Input 'input' of 3 values: expected "
		 "samples x steps x 3 (or steps x 3)");
	ck_assert_str_eq(snn_diag_message(d, 0), want_msg);
	snn_diag_free(d);
	snn_net_free(net);
}
END_TEST

/* ------------------------------------------------------------------ malformed files */

/* A minimal valid graph Input [n] -> <node> -> Output, with the middle node
 * written by fn. */
typedef void (*node_fn)(hid_t nodes);

static const char *graph_with(const char *name, node_fn fn, const char *const *edges, int ne)
{
	const char *path = tmp_file(name);
	hid_t f = w_open(path, "1.0.0"), g;
	hid_t nodes = w_graph(f, "node", &g);
	int64_t four[1] = {4};
	w_io(nodes, "input", "Input", 1, four);
	w_io(nodes, "output", "Output", 1, four);
	fn(nodes);
	w_edges(g, edges, ne);
	H5Gclose(nodes);
	H5Gclose(g);
	H5Fclose(f);
	return path;
}

static void lif_without_tau(hid_t nodes)
{
	hid_t l = w_node(nodes, "lif", "LIF");
	hsize_t d[1] = {4};
	double one[4] = {1, 1, 1, 1};
	w_f64(l, "r", 1, d, one);
	w_f64(l, "v_leak", 1, d, one);
	w_f64(l, "v_threshold", 1, d, one);
	H5Gclose(l);
}

static void affine_3x2(hid_t nodes)
{
	hid_t a = w_node(nodes, "fc", "Affine");
	hsize_t d[2] = {3, 2}, b[1] = {3};
	double w[6] = {0}, bias[3] = {0};
	w_f32(a, "weight", 2, d, w);
	w_f32(a, "bias", 1, b, bias);
	H5Gclose(a);
}

static void weight_as_string(hid_t nodes)
{
	hid_t a = w_node(nodes, "fc", "Linear");
	w_str(a, "weight", "ones");
	H5Gclose(a);
}

static void unknown_type(hid_t nodes)
{
	H5Gclose(w_node(nodes, "x", "Spiky"));
}

static void two_affines(hid_t nodes)
{
	for (int k = 0; k < 2; k++) {
		hid_t a = w_node(nodes, k ? "b" : "a", "Linear");
		hsize_t d[2] = {4, 4};
		double w[16] = {0};
		w_f32(a, "weight", 2, d, w);
		H5Gclose(a);
	}
}

static char *errors_of(const char *path, int *code)
{
	return load_errors(path, NULL, code);
}

static void assert_error(const char *path, int code, const char *hdf5_path, const char *msg)
{
	int got;
	char *e = errors_of(path, &got);
	char want[2000];
	snprintf(want, sizeof(want), "%s:%s: error: %s\n", path, hdf5_path, msg);
	ck_assert_str_eq(e, want);
	ck_assert_int_eq(got, code);
	free(e);
}

START_TEST(malformed_graphs)
{
	const char *e1[] = {"input", "lif", "lif", "output"};
	assert_error(graph_with("notau.nir", lif_without_tau, e1, 2), SNN_EPARSE,
		     "/node/nodes/lif/tau", "missing dataset 'tau'");
	const char *e2[] = {"input", "fc", "fc", "output"};
	const char *p = graph_with("shape.nir", affine_3x2, e2, 2);
	assert_error(p, SNN_EPARSE, "/node/nodes/fc",
		     "shape mismatch along edge 'input' -> 'fc': /node/nodes/input gives [4] but "
		     "/node/nodes/fc takes [2]");
	assert_error(graph_with("dtype.nir", weight_as_string, e2, 2), SNN_EPARSE,
		     "/node/nodes/fc/weight", "wrong dtype: expected numbers, found strings");
	const char *e3[] = {"input", "x", "x", "output"};
	assert_error(graph_with("type.nir", unknown_type, e3, 2), SNN_EPARSE, "/node/nodes/x/type",
		     "unknown node type 'Spiky'; NIR 1.0 has: Affine, AvgPool2d, Conv1d, Conv2d, "
		     "CubaLI, CubaLIF, Delay, Flatten, I, IF, Input, LI, LIF, Linear, NIRGraph, "
		     "Output, Scale, SumPool2d, Threshold");
	const char *e4[] = {"input", "a", "a", "b", "b", "a", "b", "output"};
	assert_error(graph_with("cycle.nir", two_affines, e4, 4), SNN_EPARSE, "/node/nodes/a",
		     "a cycle without a neuron on it: /node/nodes/a -> /node/nodes/b -> "
		     "/node/nodes/a");
	const char *e5[] = {"input", "a", "a", "b", "b", "nowhere", "c", "output"};
	assert_error(graph_with("names.nir", two_affines, e5, 4), SNN_EPARSE, "/node/edges",
		     "edge 2 names 'nowhere', which is not a node of the graph");
	{
		/* sizes whose product is 2^64 + 4: it wrapped to 4 neurons */
		const char *path = tmp_file("wraps.nir");
		hid_t f = w_open(path, "1.0.0"), g;
		hid_t nodes = w_graph(f, "node", &g);
		int64_t wrap[6] = {4, 5, 5581, 8681, 49477, 384773}, four[1] = {4};
		w_io(nodes, "input", "Input", 6, wrap);
		w_io(nodes, "output", "Output", 1, four);
		const char *e6[] = {"input", "output"};
		w_edges(g, e6, 1);
		H5Gclose(nodes);
		H5Gclose(g);
		H5Fclose(f);
		assert_error(path, SNN_ERANGE, "/node/nodes/input/shape",
			     "a layer of more than 2147483647 neurons is too large");
	}
	/* subtraction needs the threshold above the reset */
	snn_nir_options o;
	snn_nir_options_init(&o);
	o.reset = SNN_NIR_RESET_SUBTRACT;
	snn_net *net = single_neuron("LIF", "v_reset", 1.0, NULL);
	snn_net_free(net);
	int code;
	char *e = load_errors(tmp_file("one.nir"), &o, &code);
	ck_assert(strstr(e, "one.nir:/node/nodes/n: error: neuron 0: v_threshold 1 is not above "
			    "v_reset 1") != NULL);
	ck_assert_int_eq(code, SNN_EINVAL);
	free(e);
	/* not HDF5 at all */
	const char *txt = tmp_file("text.nir");
	FILE *f = fopen(txt, "w");
	fputs("simulation: {}\n", f);
	fclose(f);
	e = errors_of(txt, &code);
	ck_assert_int_eq(code, SNN_EPARSE);
	ck_assert(strstr(e, "error: not an HDF5 file") != NULL);
	free(e);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("nir");
	TCase *tc = tcase_create("nir");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, synthetic_cnn_against_dense_reference);
	tcase_add_test(tc, conv1d_and_leaky_integrator);
	tcase_add_test(tc, conv_same_padding);
	tcase_add_test(tc, conventions_on_one_neuron);
	tcase_add_test(tc, spikes_hook_on_graded_network);
	tcase_add_test(tc, delay_recurrence_and_readout);
	tcase_add_test(tc, nested_graph_with_dotted_names);
	tcase_add_test(tc, nirdata_inputs);
	tcase_add_test(tc, malformed_graphs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
