/*
 * Loihi-class targets: an image run in the emulator gives, step by step, the
 * spikes snnsim gives with loihi_lif (a Brunel-style network with delays and
 * a refractory period, the NIR paper's single LIF, lava-dl's tiny CNN), for
 * every placement; the limits split cores and refuse a network too big for
 * the board, saying by how much; the mapper cuts fewer routes than the
 * sequential placement.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loihi_int.h"
#include "net_int.h"
#include "snn/loihi.h"
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

static int cmp_pair(const void *a, const void *b)
{
	const double *x = a, *y = b;
	return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

/* Whether population pop has the same (time, id) spikes in both data sets;
 * returns the number of spikes. */
static uint64_t same_spikes(const snn_spike_data *a, const snn_spike_data *b, const char *pop)
{
	const snn_spike_population *x = snn_spike_data_find(a, pop);
	const snn_spike_population *y = snn_spike_data_find(b, pop);
	ck_assert_msg(x && y, "population %s missing", pop);
	ck_assert_msg(x->n == y->n, "%s: %llu spikes in snnsim, %llu in snnemu", pop,
		      (unsigned long long)x->n, (unsigned long long)y->n);
	double *p = malloc((x->n ? x->n : 1) * 2 * sizeof(double));
	double *q = malloc((x->n ? x->n : 1) * 2 * sizeof(double));
	for (uint64_t k = 0; k < x->n; k++) {
		p[2 * k] = x->t_ms[k];
		p[2 * k + 1] = (double)x->node_ids[k];
		q[2 * k] = y->t_ms[k];
		q[2 * k + 1] = (double)y->node_ids[k];
	}
	qsort(p, x->n, 2 * sizeof(double), cmp_pair);
	qsort(q, x->n, 2 * sizeof(double), cmp_pair);
	for (uint64_t k = 0; k < 2 * x->n; k++) {
		ck_assert_msg(p[k] == q[k], "%s: spike %llu differs (%g vs %g)", pop,
			      (unsigned long long)(k / 2), p[k], q[k]);
	}
	free(p);
	free(q);
	return x->n;
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
		total += same_spikes(a, b, pops[k]);
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
	ck_assert_msg(strstr(snn_diag_message(d, 0), "no spikes of population 'c'") != NULL,
		      "%s", snn_diag_message(d, 0));
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
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed) {
		return EXIT_FAILURE;
	}
	if (!have_lif || !have_tiny) {
		printf("SKIP: fixtures absent (%s%s%s); the synthetic cases passed\n",
		       have_lif ? "" : "nir/lif/lif_lava_cpu_fixed.csv",
		       !have_lif && !have_tiny ? ", " : "", have_tiny ? "" : "lava-dl/tiny.net");
		return 77;
	}
	return EXIT_SUCCESS;
}
