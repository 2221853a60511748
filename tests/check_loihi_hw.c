/*
 * Loihi-class targets: an image run in the emulator gives, step by step, the
 * spikes snnsim gives with loihi_lif (a Brunel-style network with delays and
 * a refractory period, the NIR paper's single LIF, lava-dl's tiny CNN), for
 * every placement; the limits split cores and refuse a network too big for
 * the board, saying by how much; the mapper cuts fewer routes than the
 * sequential placement. Convolutions keep their weight sharing on
 * loihi2-class (image version 2): the same spikes, byte for byte, as the
 * expanded loihi1-class image and as snnsim, from a smaller image; a corrupt
 * version 2 image is refused.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect_int.h"
#include "loihi_int.h"
#include "net_int.h"
#include "snn/loihi.h"
#include "snn/nir.h"
#include "testutil.h"

static bool fopen_ok(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f) {
		fclose(f);
	}
	return f != NULL;
}

/* The figure after `label` in a mapping report. */
static double report_value(const char *rep, const char *label)
{
	const char *p = strstr(rep, label);
	ck_assert_msg(p != NULL, "no '%s' in:\n%s", label, rep);
	return strtod(p + strlen(label), NULL);
}

/* Runs net in snnsim, writing every population's spikes to path. */
static void run_sim(snn_net *net, const char *path)
{
	snn_sim_options o = {.threads = 2, .spike_path = path, .record_all = true};
	snn_diag *d = snn_diag_new();
	snn_sim *sim = NULL;
	int rc = snn_sim_new(net, &o, &sim, d);
	if (rc == SNN_OK) {
		rc = snn_sim_run(sim, d);
	}
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	snn_sim_free(sim);
	snn_diag_free(d);
}

/* Compiles net for target with placement, runs the image on the spikes
 * snnsim gave, and checks every chip population; returns the spikes seen. */
static uint64_t sim_vs_emu(snn_net *net, const char *target, enum snn_loihi_placement pl,
			   const char *const *pops, int n_pops)
{
	char *dir = strdup(tu_tmpdir("loihi_hw"));
	char *simp = tu_fmt("%s/sim.h5", dir), *img = tu_fmt("%s/img.bin", dir),
	     *emup = tu_fmt("%s/emu.h5", dir);
	run_sim(net, simp);
	snn_diag *d = snn_diag_new();
	int rc = snn_loihi_compile(net, target, pl, img, NULL, d);
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	rc = snn_loihi_run_image(img, simp, emup, 0, NULL, d);
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	snn_spike_data *a = NULL, *b = NULL;
	ck_assert_int_eq(snn_spike_data_read(simp, &a, d), SNN_OK);
	ck_assert_int_eq(snn_spike_data_read(emup, &b, d), SNN_OK);
	uint64_t total = 0;
	for (int k = 0; k < n_pops; k++) {
		total += tu_same_spikes(a, pops[k], b, pops[k]);
	}
	snn_spike_data_free(a);
	snn_spike_data_free(b);
	snn_diag_free(d);
	free(simp);
	free(img);
	free(emup);
	free(dir);
	return total;
}

/* Whether two spike files hold the same spikes of pop in the same order. */
static uint64_t identical_spikes(const char *pa, const char *pb, const char *pop)
{
	snn_diag *d = snn_diag_new();
	snn_spike_data *a = NULL, *b = NULL;
	ck_assert_int_eq(snn_spike_data_read(pa, &a, d), SNN_OK);
	ck_assert_int_eq(snn_spike_data_read(pb, &b, d), SNN_OK);
	const snn_spike_population *x = snn_spike_data_find(a, pop);
	const snn_spike_population *y = snn_spike_data_find(b, pop);
	ck_assert_msg(x && y, "population %s missing", pop);
	ck_assert_msg(x->n == y->n, "%s: %llu and %llu spikes", pop, (unsigned long long)x->n,
		      (unsigned long long)y->n);
	for (uint64_t k = 0; k < x->n; k++) {
		ck_assert_msg(x->t_ms[k] == y->t_ms[k] && x->node_ids[k] == y->node_ids[k],
			      "%s: spike %llu differs", pop, (unsigned long long)k);
	}
	uint64_t n = x->n;
	snn_spike_data_free(a);
	snn_spike_data_free(b);
	snn_diag_free(d);
	return n;
}

/* Compiles net for target (report to *rep when rep is not NULL) into img and
 * runs it on the inputs in simp, writing emup. */
static void compile_run(snn_net *net, const char *target, enum snn_loihi_placement pl,
			const char *img, const char *simp, const char *emup, char **rep)
{
	size_t len = 0;
	snn_loihi_options o = {.placement = pl};
	o.report = rep ? open_memstream(rep, &len) : NULL;
	snn_diag *d = snn_diag_new();
	int rc = snn_loihi_compile_opts(net, target, &o, img, d);
	if (o.report) {
		fclose(o.report);
	}
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	rc = snn_loihi_run_image(img, simp, emup, 0, NULL, d);
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	snn_diag_free(d);
}

/* The spikes of pops from an image with weight sharing (on target `shared`)
 * and an expanded one (loihi1-class): the same bytes, and snnsim's; the
 * shared image is version 2 (and smaller when `smaller`). Returns the spikes
 * seen. */
static uint64_t shared_vs_expanded(snn_net *net, const char *shared, enum snn_loihi_placement pl,
				   const char *const *pops, int n_pops, bool smaller, char **rep2)
{
	char *dir = strdup(tu_tmpdir("loihi_share"));
	char *simp = tu_fmt("%s/sim.h5", dir), *img2 = tu_fmt("%s/img2.bin", dir),
	     *img1 = tu_fmt("%s/img1.bin", dir), *emu2 = tu_fmt("%s/emu2.h5", dir),
	     *emu1 = tu_fmt("%s/emu1.h5", dir);
	run_sim(net, simp);
	compile_run(net, shared, pl, img2, simp, emu2, rep2);
	compile_run(net, "loihi1-class", pl, img1, simp, emu1, NULL);
	ck_assert_uint_eq(tu_image_version(img2), 2);
	ck_assert_uint_eq(tu_image_version(img1), 1);
	long s2 = tu_file_size(img2), s1 = tu_file_size(img1);
	fprintf(stderr, "image bytes: %ld with sharing (%s), %ld expanded\n", s2, shared, s1);
	if (smaller) {
		ck_assert_int_lt(s2, s1);
	}
	uint64_t total = 0;
	for (int k = 0; k < n_pops; k++) {
		total += identical_spikes(emu2, emu1, pops[k]);
		identical_spikes(emu2, simp, pops[k]);
	}
	free(simp);
	free(img2);
	free(img1);
	free(emu2);
	free(emu1);
	free(dir);
	return total;
}

/* A square convolution's geometry (sizes, kernel, stride, padding and
 * dilation the same along y and x). */
static struct proj_conv square_conv(uint32_t cin, uint32_t cout, uint32_t groups, uint32_t in,
				    uint32_t out, uint32_t k, uint32_t stride, uint32_t pad,
				    uint32_t dil)
{
	struct proj_conv g = {.cin = cin, .cout = cout, .groups = groups};
	g.in_h = g.in_w = in;
	g.out_h = g.out_w = out;
	g.kh = g.kw = k;
	g.stride_h = g.stride_w = stride;
	g.pad_h = g.pad_w = pad;
	g.dil_h = g.dil_w = dil;
	return g;
}

/* A convolution between two populations of net (C x H x W row-major), with
 * integer weights from a fixed pattern (zeros included), delay 1. */
static void add_conv(snn_net *net, const char *from, const char *to, struct proj_conv g)
{
	uint32_t pre = UINT32_MAX, post = UINT32_MAX;
	for (uint32_t i = 0; i < net->n_pops; i++) {
		pre = strcmp(net->pops[i].name, from) == 0 ? i : pre;
		post = strcmp(net->pops[i].name, to) == 0 ? i : post;
	}
	ck_assert(pre != UINT32_MAX && post != UINT32_MAX);
	ck_assert_uint_eq(net->pops[pre].size, g.cin * g.in_h * g.in_w);
	ck_assert_uint_eq(net->pops[post].size, g.cout * g.out_h * g.out_w);
	struct projection *pr = net_add_projection(net);
	struct proj_explicit *x = calloc(1, sizeof(*x));
	ck_assert(pr && x);
	uint64_t n_w = (uint64_t)g.cout * (g.cin / g.groups) * g.kh * g.kw;
	g.kernel = malloc(n_w * sizeof(float));
	for (uint64_t k = 0; k < n_w; k++) {
		g.kernel[k] = (float)((int)((k * 7 + 3) % 17) - 5);
	}
	pr->kind = PROJ_CONV;
	pr->x = x;
	pr->pre = (struct target_set){pre, 0, net->pops[pre].size, NULL, 0};
	pr->post = (struct target_set){post, 0, net->pops[post].size, NULL, 0};
	pr->where = net->pops[post].where;
	pr->weight.kind = VALUE_CONST;
	pr->delay.kind = VALUE_CONST;
	pr->delay.a = 1.0;
	x->kind = PROJ_CONV;
	x->n_pre = net->pops[pre].size;
	x->n_post = net->pops[post].size;
	x->delay_steps = 1;
	x->conv = g;
	x->bytes = n_w * sizeof(float);
	x->n_syn = proj_count_synapses(x);
}

/* Two convolutions with strides, padding, dilation and groups, from input
 * ports and between chip populations, plus a plain projection: with sharing
 * and expanded alike, and as snnsim. */
START_TEST(test_conv_shared)
{
	const char *y =
	    "simulation: {dt: 1 ms, duration: 80 ms, seed: 5}\n"
	    "populations:\n"
	    "  in: {model: poisson_source, size: 72, params: {rate: 150 Hz}}\n"
	    "  hid: {model: loihi_lif, size: 36, params: {du: 3000, dv: 600, vth: 12}}\n"
	    "  out: {model: loihi_lif, size: 18,\n"
	    "        params: {du: 3500, dv: 400, vth: 10, bias_mant: 1, bias_exp: 5}}\n"
	    "projections:\n"
	    "  - {from: out, to: hid, rule: {fixed_indegree: 3}, weight: -4, delay: 2 ms}\n";
	snn_net *net = tu_load(y);
	/* 2 x 6 x 6 -> 4 x 3 x 3: 3 x 3 kernel, stride 2, padding 1, 2 groups */
	add_conv(net, "in", "hid", square_conv(2, 4, 2, 6, 3, 3, 2, 1, 1));
	/* 4 x 3 x 3 -> 2 x 3 x 3: 2 x 2 kernel dilated by 2, padding 1 */
	add_conv(net, "hid", "out", square_conv(4, 2, 1, 3, 3, 2, 1, 1, 2));
	static const char *pops[2] = {"hid", "out"};
	enum snn_loihi_placement pl[2] = {SNN_LOIHI_PLACE_SEQUENTIAL, SNN_LOIHI_PLACE_AUTO};
	for (int k = 0; k < 2; k++) {
		char *rep = NULL;
		uint64_t n = shared_vs_expanded(net, "loihi2-class", pl[k], pops, 2, true, &rep);
		ck_assert_msg(n > 100 && n < 54 * 80 / 2, "%llu spikes", (unsigned long long)n);
		/* every chip neuron on one core: both kernels once, one conv axon
		 * per source (72 + 36): 32 + 36 + 32 + 32 bytes of kernels, 432
		 * bytes of conv axons, 3 x 36 plain synapses of 4 bytes */
		ck_assert_msg(strstr(rep,
				     "weight sharing   2 conv kernels stored 2 times, 108 conv "
				     "axons") != NULL,
			      "%s", rep);
		ck_assert_double_eq(report_value(rep, "synaptic memory  "),
				    32 + 36 + 32 + 32 + 108 * 4 + 3 * 36 * 4);
		free(rep);
		/* small cores: each kernel on several cores, each core's targets a
		 * range of them (interleaved by auto's moves); still the same spikes,
		 * and every core within its 1 KiB */
		n = shared_vs_expanded(net, "tiny-share-test-class", pl[k], pops, 2, false, &rep);
		fprintf(stderr, "on tiny-share-test-class:\n%s", rep);
		ck_assert_double_ge(report_value(rep, "cores used       "), 7);
		ck_assert_double_le(report_value(rep, "fullest core "), 1024);
		ck_assert_msg(strstr(rep, "weight sharing   2 conv kernels") != NULL, "%s", rep);
		free(rep);
	}
	snn_net_free(net);
}
END_TEST

static const char *brunel =
    "simulation: {dt: 1 ms, duration: 300 ms, seed: 7}\n"
    "populations:\n"
    "  noise: {model: poisson_source, size: 200, params: {rate: 20 Hz}}\n"
    "  exc: {model: loihi_lif, size: 400, params: {du: 3500, dv: 300, vth: 120}}\n"
    "  inh: {model: loihi_lif, size: 100,\n"
    "        params: {du: 3500, dv: 300, vth: 120, refractory: 2, bias_mant: 1, bias_exp: 6}}\n"
    "projections:\n"
    "  - {from: noise, to: [exc, inh], rule: {fixed_indegree: 20}, weight: 40, delay: 1 ms}\n"
    "  - {from: exc, to: [exc, inh], rule: {fixed_indegree: 40}, weight: 10,\n"
    "     delay: {uniform: {low: 1 ms, high: 4 ms}}}\n"
    "  - {from: inh, to: [exc, inh], rule: {fixed_indegree: 10}, weight: -50, delay: 1 ms}\n";

START_TEST(test_brunel_sim_equals_emu)
{
	static const char *pops[2] = {"exc", "inh"};
	snn_net *net = tu_load(brunel);
	enum snn_loihi_placement pl[3] = {SNN_LOIHI_PLACE_SEQUENTIAL, SNN_LOIHI_PLACE_GREEDY,
					  SNN_LOIHI_PLACE_AUTO};
	for (int k = 0; k < 3; k++) {
		uint64_t n = sim_vs_emu(net, "loihi1-class", pl[k], pops, 2);
		/* a network that neither stays silent nor fires every step */
		ck_assert_msg(n > 500 && n < 500 * 300 / 4, "%llu spikes", (unsigned long long)n);
	}
	snn_net_free(net);
}
END_TEST

START_TEST(test_nir_lif_image)
{
	const char *fx = tu_fixture("nir/lif/lif_lava_cpu_fixed.csv");
	FILE *f = fx ? fopen(fx, "r") : NULL;
	if (!f) {
		return;
	}
	double in, v, s;
	int k = 0;
	char *times = calloc(16, 1000);
	size_t len = 0;
	while (k < 1000 && fscanf(f, "%lf,%lf,%lf", &in, &v, &s) == 3) {
		if (in != 0.0) {
			len += (size_t)sprintf(times + len, "%s%d ms", len ? ", " : "", k + 1);
		}
		k++;
	}
	fclose(f);
	char *y =
	    tu_fmt("simulation: {dt: 1 ms, duration: 1000 ms}\n"
		   "populations:\n"
		   "  input: {model: spike_source, size: 1, spikes: {times: [%s]}}\n"
		   "  lif: {model: loihi_lif, size: 1, params: {du: 4095, dv: 163, vth: 25}}\n"
		   "projections:\n"
		   "  - {from: input, to: lif, rule: one_to_one, weight: 10, delay: 1 ms}\n",
		   times);
	snn_net *net = tu_load(y);
	static const char *pops[1] = {"lif"};
	ck_assert_uint_eq(sim_vs_emu(net, "loihi2-class", SNN_LOIHI_PLACE_AUTO, pops, 1), 4);
	snn_net_free(net);
	free(y);
	free(times);
}
END_TEST

START_TEST(test_tinynet_image)
{
	const char *fx = tu_fixture("lava-dl/tiny.net");
	FILE *f = fx ? fopen(fx, "rb") : NULL;
	if (!f) {
		return;
	}
	fclose(f);
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	ck_assert_int_eq(snn_netx_load(fx, &net, d), SNN_OK);
	ck_assert_int_eq(snn_net_set_duration_ms(net, 16, d), SNN_OK);
	snn_diag_free(d);
	/* a deterministic input pattern through the input layer's biases */
	struct value *bv = &net->pops[0].params[LOIHI_BIAS_MANT];
	bv->kind = VALUE_ARRAY;
	bv->n = net->pops[0].size;
	bv->arr = malloc(bv->n * sizeof(double));
	for (uint64_t i = 0; i < bv->n; i++) {
		bv->arr[i] = (double)((i * 37) % 41);
	}
	static const char *pops[3] = {"layer0", "layer1", "layer2"};
	ck_assert_uint_gt(sim_vs_emu(net, "loihi2-class", SNN_LOIHI_PLACE_AUTO, pops, 3), 100);
	/* the conv layers' kernels shared on loihi2-class, expanded on
	 * loihi1-class: the same spike files; sharing needs fewer cores */
	char *srep = NULL;
	ck_assert_uint_gt(
	    shared_vs_expanded(net, "loihi2-class", SNN_LOIHI_PLACE_AUTO, pops, 3, true, &srep),
	    100);
	fprintf(stderr, "tiny.net on loihi2-class:\n%s", srep);
	ck_assert_msg(strstr(srep, "weight sharing   2 conv kernels") != NULL, "%s", srep);
	double cores = report_value(srep, "cores used       ");
	double bytes = report_value(srep, "synaptic memory  ");
	double cores_x = report_value(srep, "without sharing  ");
	double bytes_x = report_value(strstr(srep, "without sharing  "), "cores, ");
	ck_assert(cores < cores_x);
	ck_assert(bytes < bytes_x / 4);
	/* expanded, every synapse counts 4 bytes */
	ck_assert_double_eq(bytes_x, 4 * report_value(srep, "synapses         "));
	free(srep);
	/* the mapper cuts fewer core-to-core routes than sequential placement
	 * (loihi1-class: the CNN needs 3 cores) */
	unsigned long long cut[2];
	enum snn_loihi_placement pl[2] = {SNN_LOIHI_PLACE_SEQUENTIAL, SNN_LOIHI_PLACE_AUTO};
	for (int k = 0; k < 2; k++) {
		char *out = NULL;
		size_t len = 0;
		FILE *rep = open_memstream(&out, &len);
		d = snn_diag_new();
		ck_assert_int_eq(snn_loihi_compile(net, "loihi1-class", pl[k], NULL, rep, d),
				 SNN_OK);
		fclose(rep);
		snn_diag_free(d);
		cut[k] = (unsigned long long)report_value(out, "routes           ");
		free(out);
	}
	fprintf(stderr, "tiny CNN routes: sequential %llu, mapper %llu\n", cut[0], cut[1]);
	ck_assert_uint_lt(cut[1], cut[0]);
	snn_net_free(net);
}
END_TEST

/* lava-dl's CNN from NIR (cnn_sinabs.nir), mapping report only: its three
 * convolutions shared on loihi2-class; counted exactly for the sequential
 * placement (every kernel on one core): 3 kernels (32 bytes and a byte per
 * weight: 16x2x5x5, 16x16x3x3, 8x16x3x3), one conv axon per source of a
 * convolution (2312 + 4096 + 1024), and the pooling and dense synapses
 * (4096 + 512 + 32768 + 2560) at 4 bytes. */
START_TEST(test_cnn_sinabs_report)
{
	const char *fx = tu_fixture("nir/cnn/cnn_sinabs.nir");
	snn_diag *d = snn_diag_new();
	snn_nir_options no;
	snn_nir_options_init(&no);
	snn_net *net = NULL;
	ck_assert_int_eq(snn_nir_load(fx, &no, &net, d), SNN_OK);
	const char *tg[2] = {"loihi2-class", "loihi1-class"};
	double cores[2] = {0}, bytes[2] = {0}, other_cores[2] = {0}, other_bytes[2] = {0};
	for (int k = 0; k < 2; k++) {
		char *out = NULL;
		size_t len = 0;
		FILE *rep = open_memstream(&out, &len);
		int rc = snn_loihi_compile(net, tg[k], SNN_LOIHI_PLACE_SEQUENTIAL, NULL, rep, d);
		fclose(rep);
		snn_diag_print(d, stderr);
		ck_assert_int_eq(rc, SNN_OK);
		fprintf(stderr, "cnn_sinabs on %s:\n%s", tg[k], out);
		cores[k] = report_value(out, "cores used       ");
		bytes[k] = report_value(out, "synaptic memory  ");
		other_cores[k] =
		    report_value(out, k == 0 ? "without sharing  " : "with sharing     ");
		other_bytes[k] =
		    report_value(strstr(out, k == 0 ? "without" : "with sharing"), "cores, ");
		free(out);
	}
	double shared = (32 + 16 * 2 * 25) + (32 + 16 * 16 * 9) + (32 + 8 * 16 * 9) +
			4.0 * (2312 + 4096 + 1024) + 4.0 * (4096 + 512 + 32768 + 2560);
	ck_assert_double_eq(bytes[0], shared);
	ck_assert_double_eq(other_bytes[0], 843296.0 * 4);
	ck_assert_double_eq(bytes[1], 843296.0 * 4);
	/* loihi1-class with sharing would hold the kernels once per core */
	ck_assert(other_bytes[1] >= shared && other_bytes[1] < bytes[1] / 4);
	ck_assert(cores[0] < other_cores[0] && other_cores[1] < cores[1]);
	snn_net_free(net);
	snn_diag_free(d);
}
END_TEST

/* A version 2 image written by hand: 4 input ports (1 x 2 x 2) through a
 * 3 x 3 kernel (padding 1) onto 4 neurons on one core. */
struct img {
	unsigned char b[1024];
	size_t n;
};

static void put32(struct img *m, uint32_t x)
{
	for (int k = 0; k < 4; k++) {
		m->b[m->n++] = (unsigned char)(x >> (8 * k));
	}
}

/* Offsets of fields to corrupt. */
struct img_at {
	size_t kernels, geometry, range, conv_axons, kern_ref, weights;
};

static void make_image(struct img *m, struct img_at *at)
{
	m->n = 0;
	memcpy(m->b, "SNNLOIHI", 8);
	m->n = 8;
	put32(m, 2);
	char t[16] = "loihi2-class";
	memcpy(m->b + m->n, t, 16);
	m->n += 16;
	double dt = 1.0;
	uint64_t bits;
	memcpy(&bits, &dt, 8);
	put32(m, (uint32_t)bits);
	put32(m, (uint32_t)(bits >> 32));
	put32(m, 10); /* steps */
	put32(m, 0);
	put32(m, 2); /* populations, neurons, cores, longest delay */
	put32(m, 8);
	put32(m, 1);
	put32(m, 1);
	put32(m, 2);
	memcpy(m->b + m->n, "in", 2);
	m->n += 2;
	put32(m, 0);
	put32(m, 4);
	put32(m, 0);
	put32(m, 3);
	memcpy(m->b + m->n, "out", 3);
	m->n += 3;
	put32(m, 4);
	put32(m, 4);
	put32(m, 1);
	put32(m, 0); /* core 0 on chip 0, 4 neurons */
	put32(m, 4);
	for (uint32_t g = 4; g < 8; g++) {
		uint32_t v[11] = {g, 4095, 0, 5, 0, 0, 0, 0, 0, 0, 0};
		for (int k = 0; k < 11; k++) {
			put32(m, v[k]);
		}
	}
	at->kernels = m->n;
	put32(m, 1);
	at->geometry = m->n;
	uint32_t geo[15] = {1, 1, 1, 2, 2, 2, 2, 3, 3, 1, 1, 1, 1, 1, 1};
	for (int k = 0; k < 15; k++) {
		put32(m, geo[k]);
	}
	put32(m, 0); /* source first id, target first id */
	put32(m, 4);
	at->range = m->n;
	put32(m, 0);
	put32(m, 4);
	put32(m, 1); /* delay */
	put32(m, 9);
	at->weights = m->n;
	for (uint32_t k = 0; k < 9; k++) {
		put32(m, k + 1);
	}
	put32(m, 0); /* no expanded axons */
	at->conv_axons = m->n;
	put32(m, 4);
	for (uint32_t i = 0; i < 4; i++) {
		put32(m, i);
		if (i == 3) {
			at->kern_ref = m->n;
		}
		put32(m, 0);
		put32(m, 0);
		put32(m, i / 2);
		put32(m, i % 2);
	}
	memcpy(m->b + m->n, "END!", 4);
	m->n += 4;
}

/* Writes m (its first n bytes) and runs it; returns the status, with the
 * message in *msg (static storage). */
static int run_image_bytes(const struct img *m, size_t n, const char **msg)
{
	static char buf[512];
	char *path = tu_fmt("%s/img.bin", tu_tmpdir("loihi_v2"));
	char *out = tu_fmt("%s/out.h5", tu_tmpdir("loihi_v2"));
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(m->b, 1, n, f), n);
	fclose(f);
	snn_diag *d = snn_diag_new();
	int rc = snn_loihi_run_image(path, NULL, out, 0, NULL, d);
	snprintf(buf, sizeof(buf), "%s", rc != SNN_OK ? snn_diag_message(d, 0) : "");
	*msg = buf;
	snn_diag_free(d);
	free(path);
	free(out);
	return rc;
}

static void expect_corrupt(const struct img *m, size_t n, const char *what)
{
	const char *msg;
	ck_assert_int_eq(run_image_bytes(m, n, &msg), SNN_EPARSE);
	ck_assert_msg(strncmp(msg, "corrupt image: ", 15) == 0 && strstr(msg, what) &&
			  strstr(msg, "(at byte "),
		      "got '%s', expected '%s'", msg, what);
}

START_TEST(test_v2_corrupt)
{
	struct img m;
	struct img_at at;
	const char *msg;
	make_image(&m, &at);
	ck_assert_int_eq(run_image_bytes(&m, m.n, &msg), SNN_OK);
	/* truncated: in the kernel's weights, in its conv axons, before the end */
	expect_corrupt(&m, at.weights + 6, "truncated");
	expect_corrupt(&m, at.conv_axons + 10, "truncated");
	expect_corrupt(&m, m.n - 2, "end marker");
	/* a conv axon naming a kernel the core does not have */
	make_image(&m, &at);
	m.b[at.kern_ref] = 1;
	expect_corrupt(&m, m.n, "kernel reference out of range");
	/* geometry: a zero stride, groups not dividing, a kernel larger than
	 * the network, a target range beyond the output */
	make_image(&m, &at);
	m.b[at.geometry + 4 * 9] = 0;
	expect_corrupt(&m, m.n, "kernel geometry out of range");
	make_image(&m, &at);
	m.b[at.geometry + 4 * 2] = 2;
	expect_corrupt(&m, m.n, "kernel geometry out of range");
	make_image(&m, &at);
	m.b[at.geometry + 4 * 1] = 3; /* 3 output channels: 12 targets from id 4 */
	expect_corrupt(&m, m.n, "outside the network");
	make_image(&m, &at);
	m.b[at.range + 4] = 5;
	expect_corrupt(&m, m.n, "target range");
	/* a conv axon whose position is not its source's */
	make_image(&m, &at);
	m.b[at.conv_axons + 4] = 2;
	expect_corrupt(&m, m.n, "does not match its source");
	/* the weight count of the geometry */
	make_image(&m, &at);
	m.b[at.weights - 4] = 8;
	expect_corrupt(&m, m.n, "weight count");
	/* version 3 is not read */
	make_image(&m, &at);
	m.b[8] = 3;
	ck_assert_int_eq(run_image_bytes(&m, m.n, &msg), SNN_EPARSE);
	ck_assert_msg(strstr(msg, "versions 1 to 2") != NULL, "%s", msg);
}
END_TEST

/* 10 neurons in a ring (each drives the next): 4 per core on the tiny test
 * chip, so 3 cores; 20 neurons need 5 cores of a 4-core board. */
START_TEST(test_limits)
{
	char *y =
	    tu_fmt("simulation: {dt: 1 ms, duration: 5 ms}\n"
		   "populations:\n"
		   "  n: {model: loihi_lif, size: %d}\n"
		   "projections:\n"
		   "  - {from: n, to: n, rule: {fixed_indegree: 2}, weight: 1, delay: 1 ms}\n",
		   10);
	snn_net *net = tu_load(y);
	char *out = NULL;
	size_t len = 0;
	FILE *rep = open_memstream(&out, &len);
	snn_diag *d = snn_diag_new();
	int rc =
	    snn_loihi_compile(net, "tiny-test-class", SNN_LOIHI_PLACE_SEQUENTIAL, NULL, rep, d);
	fclose(rep);
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	ck_assert_msg(strstr(out, "cores used       3 of 2 per chip (2 chips)") != NULL, "%s", out);
	free(out);
	snn_net_free(net);
	free(y);
	y = tu_fmt("simulation: {dt: 1 ms, duration: 5 ms}\n"
		   "populations:\n"
		   "  n: {model: loihi_lif, size: 20}\n");
	net = tu_load(y);
	snn_diag_clear(d);
	rc = snn_loihi_compile(net, "tiny-test-class", SNN_LOIHI_PLACE_AUTO, NULL, NULL, d);
	ck_assert_int_eq(rc, SNN_ERANGE);
	ck_assert_str_eq(snn_diag_message(d, 0),
			 "the network needs 5 cores; a tiny-test-class board has 4 (2 chips of 2 "
			 "cores): 1 cores too many");
	snn_net_free(net);
	free(y);
	/* synaptic memory: 16 synapses per core, 5 inputs each: 3 neurons per core */
	y = tu_fmt("simulation: {dt: 1 ms, duration: 5 ms}\n"
		   "populations:\n"
		   "  n: {model: loihi_lif, size: 5}\n"
		   "projections:\n"
		   "  - {from: n, to: n, rule: all_to_all, weight: 1, delay: 1 ms}\n");
	net = tu_load(y);
	snn_diag_clear(d);
	rep = open_memstream(&out, &len);
	rc = snn_loihi_compile(net, "tiny-test-class", SNN_LOIHI_PLACE_SEQUENTIAL, NULL, rep, d);
	fclose(rep);
	ck_assert_int_eq(rc, SNN_OK);
	ck_assert_msg(strstr(out, "cores used       2 of") != NULL, "%s", out);
	free(out);
	snn_net_free(net);
	free(y);
	snn_diag_free(d);
}
END_TEST

/* Pairs a_i <-> b_i (one to one both ways): the sequential placement puts
 * a and b on different cores (16 routes on the tiny chip, 4 neurons per
 * core), a mapper that keeps the pairs together needs none. With an activity
 * file the traffic is weighted by each source's spikes. */
START_TEST(test_mapper_beats_sequential)
{
	const char *y = "simulation: {dt: 1 ms, duration: 20 ms}\n"
			"populations:\n"
			"  a: {model: loihi_lif, size: 8, params: {vth: 1, bias_mant: 2, "
			"bias_exp: 6}}\n"
			"  b: {model: loihi_lif, size: 8}\n"
			"projections:\n"
			"  - {from: a, to: b, rule: one_to_one, weight: 1, delay: 1 ms}\n"
			"  - {from: b, to: a, rule: one_to_one, weight: 1, delay: 1 ms}\n";
	snn_net *net = tu_load(y);
	char *dir = strdup(tu_tmpdir("loihi_mapper"));
	char *act = tu_fmt("%s/act.h5", dir);
	run_sim(net, act);
	char *out = NULL;
	size_t len = 0;
	snn_diag *d = snn_diag_new();
	snn_loihi_options o = {.placement = SNN_LOIHI_PLACE_SEQUENTIAL, .activity_path = act};
	o.report = open_memstream(&out, &len);
	int rc = snn_loihi_compile_opts(net, "tiny-test-class", &o, NULL, d);
	fclose(o.report);
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	double seq_routes = report_value(out, "routes           ");
	double seq_traffic = report_value(out, "traffic          ");
	ck_assert_double_eq(seq_routes, 16);
	ck_assert(seq_traffic > 0);
	free(out);
	o.placement = SNN_LOIHI_PLACE_AUTO;
	o.report = open_memstream(&out, &len);
	rc = snn_loihi_compile_opts(net, "tiny-test-class", &o, NULL, d);
	fclose(o.report);
	ck_assert_int_eq(rc, SNN_OK);
	ck_assert_double_eq(report_value(out, "routes           "), 0);
	ck_assert_double_eq(report_value(out, "traffic          "), 0);
	/* the report's baseline is the sequential placement's own figures */
	ck_assert_double_eq(report_value(out, "cores, "), seq_routes);
	ck_assert_double_eq(report_value(out, "routes, "), seq_traffic);
	free(out);
	/* an activity file without the network's populations is refused */
	snn_net *other = tu_load("simulation: {dt: 1 ms, duration: 5 ms}\n"
				 "populations:\n"
				 "  c: {model: loihi_lif, size: 2}\n");
	snn_diag_clear(d);
	o.report = NULL;
	rc = snn_loihi_compile_opts(other, "tiny-test-class", &o, NULL, d);
	ck_assert_int_eq(rc, SNN_EINVAL);
	ck_assert_msg(strstr(snn_diag_message(d, 0), "no spikes of population 'c'") != NULL, "%s",
		      snn_diag_message(d, 0));
	snn_net_free(other);
	snn_diag_free(d);
	snn_net_free(net);
	free(act);
	free(dir);
}
END_TEST

/* The refinement keeps its synapse counts per (source, core) and the traffic
 * incrementally: after its moves on a random network on a small chip, both
 * must equal a recount of the final placement from scratch, with the counts
 * in their dense and in their hashed form, with and without an activity
 * file; every core keeps its limits and the traffic went down. */
START_TEST(test_refine_incremental)
{
	const char *y =
	    "simulation: {dt: 1 ms, duration: 60 ms, seed: 7}\n"
	    "populations:\n"
	    "  a: {model: loihi_lif, size: 40, params: {vth: 1, bias_mant: 3, bias_exp: 6}}\n"
	    "  b: {model: loihi_lif, size: 40, params: {vth: 1}}\n"
	    "projections:\n"
	    "  - {from: a, to: b, rule: {fixed_indegree: 3}, weight: 200, delay: 1 ms}\n"
	    "  - {from: b, to: a, rule: {fixed_indegree: 2}, weight: 1, delay: 1 ms}\n"
	    "  - {from: b, to: b, rule: {fixed_indegree: 2}, weight: 1, delay: 2 ms}\n";
	/* 6 neurons, 12 input axons, 20 synapses per core */
	const struct loihi_target T = {.name = "audit-test-class",
				       .neurons_per_core = 6,
				       .axons_per_core = 12,
				       .syn_bytes_per_core = 20 * LOIHI_SYN_BYTES,
				       .weight_bits = 8,
				       .max_delay = 62,
				       .cores_per_chip = 8,
				       .chips_per_board = 4};
	snn_net *net = tu_load(y);
	char *dir = strdup(tu_tmpdir("loihi_refine"));
	char *act = tu_fmt("%s/act.h5", dir);
	run_sim(net, act);
	snn_diag *d = snn_diag_new();
	for (int k = 0; k < 4; k++) {
		snn_loihi_options o = {.placement = SNN_LOIHI_PLACE_AUTO,
				       .activity_path = k & 1 ? act : NULL};
		struct loihi_refine_audit a = {.hashed = k >= 2};
		int rc = loihi_compile_audit(net, &T, &o, &a, d);
		snn_diag_print(d, stderr);
		ck_assert_int_eq(rc, SNN_OK);
		ck_assert_uint_gt(a.moves, 0);
		ck_assert_uint_eq(a.running, a.recount);
		ck_assert_uint_lt(a.recount, a.start);
		ck_assert_uint_eq(a.mismatches, 0);
		ck_assert_uint_eq(a.violations, 0);
	}
	snn_diag_free(d);
	snn_net_free(net);
	free(act);
	free(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("loihi_hw");
	TCase *tc = tcase_create("image");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_brunel_sim_equals_emu);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_mapper_beats_sequential);
	tcase_add_test(tc, test_conv_shared);
	tcase_add_test(tc, test_v2_corrupt);
	tcase_add_test(tc, test_refine_incremental);
	/* the fixture cases only where the fixtures are */
	const char *lif = tu_fixture("nir/lif/lif_lava_cpu_fixed.csv");
	bool have_lif = lif && fopen_ok(lif);
	const char *tiny = tu_fixture("lava-dl/tiny.net");
	bool have_tiny = tiny && fopen_ok(tiny);
	if (have_lif) {
		tcase_add_test(tc, test_nir_lif_image);
	}
	if (have_tiny) {
		tcase_add_test(tc, test_tinynet_image);
	}
	const char *cnn = tu_fixture("nir/cnn/cnn_sinabs.nir");
	bool have_cnn = cnn && fopen_ok(cnn);
	if (have_cnn) {
		tcase_add_test(tc, test_cnn_sinabs_report);
	}
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed) {
		return EXIT_FAILURE;
	}
	if (!have_lif || !have_tiny || !have_cnn) {
		printf("SKIP: fixtures absent (%s %s %s); the synthetic cases passed\n",
		       have_lif ? "" : "nir/lif/lif_lava_cpu_fixed.csv",
		       have_tiny ? "" : "lava-dl/tiny.net",
		       have_cnn ? "" : "nir/cnn/cnn_sinabs.nir");
		return 77;
	}
	return EXIT_SUCCESS;
}
