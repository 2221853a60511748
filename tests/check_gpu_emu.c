/*
 * The CUDA engine without a GPU: its host side (engine_cuda.c) driving the
 * host emulation of gpu.h (gpu_emu.c), which runs the kernels' own inline
 * functions (sim/cuda/kernels_hd.h) one neuron and one row at a time. Each
 * network must give the CPU engine's spikes, statistics and traces exactly:
 * delta, exponential and conductance synapses, merged channels, Poisson
 * stimuli (tabled and PTRS counts, ranges and id lists), current stimuli
 * that change between chunks, spike and Poisson sources, heterogeneous
 * constants, more than one device block, recording subsets. The error paths
 * (no device, a network too large, a stopped run) give their messages.
 * Runs on every machine; the GPU itself is tested by check_cuda and cuda.sh.
 */
#include "config.h"

#include <check.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engines_int.h"
#include "gpu_cases.h"
#include "gpu_emu.h"
#include "net_int.h"
#include "nirtest.h"
#include "testutil.h"

extern const struct engine_ops engine_grid_cuda;

struct result {
	snn_spike_data *sd;
	snn_stats st;
	double *trace;
	size_t rows, cols;
};

/* Runs net on an engine (ops; NULL: the CPU engine through snn_sim) with
 * `threads` host threads; reads back the spikes and, when trace is set, the
 * trace file of population `tpop`. */
static void run_on(const struct engine_ops *ops, snn_net *net, int threads, const char *trace,
		   const char *tpop, struct result *r)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/spikes.h5", tu_tmpdir(ops ? "emu" : "cpu"));
	snn_sim_options opt;
	memset(&opt, 0, sizeof(opt));
	opt.threads = threads;
	opt.spike_path = path;
	opt.format = SNN_SPIKES_HDF5;
	opt.record_all = !snn_net_records_spikes(net);
	opt.software = "test";
	snn_diag *d = snn_diag_new();
	const struct engine_ops *e = ops ? ops : &engine_grid_cpu;
	void *impl = NULL;
	int rc = e->create(net, &opt, &impl, d);
	if (rc == SNN_OK) {
		rc = e->run(impl, d);
	}
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	r->st = *e->stats(impl);
	r->st.pop_names = NULL;
	r->st.pop_sizes = NULL;
	r->st.pop_spikes = NULL;
	r->st.rates_hz = NULL;
	r->st.spike_file = NULL;
	ck_assert_str_eq(r->st.engine, ops ? "grid-cuda" : "grid-cpu");
	r->st.engine = NULL;
	r->st.device = NULL;
	e->destroy(impl);
	r->sd = NULL;
	rc = snn_spike_data_read(path, &r->sd, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	unlink(path);
	r->trace = trace ? tu_read_trace(trace, tpop, &r->rows, &r->cols) : NULL;
	snn_diag_free(d);
}

static void result_free(struct result *r)
{
	snn_spike_data_free(r->sd);
	free(r->trace);
}

/* Spikes, counts and traces must be identical bit for bit. Returns the
 * number of spikes compared. */
static uint64_t expect_same(const struct result *a, const struct result *b)
{
	uint64_t total = 0;
	ck_assert_uint_eq(a->sd->n_pops, b->sd->n_pops);
	for (size_t i = 0; i < a->sd->n_pops; i++) {
		const snn_spike_population *p = &a->sd->pops[i], *q = &b->sd->pops[i];
		ck_assert_str_eq(p->name, q->name);
		ck_assert_msg(p->n == q->n, "%s: %llu spikes on the CPU, %llu on the GPU path",
			      p->name, (unsigned long long)p->n, (unsigned long long)q->n);
		for (uint64_t k = 0; k < p->n; k++) {
			ck_assert_msg(p->t_ms[k] == q->t_ms[k] && p->node_ids[k] == q->node_ids[k],
				      "%s: spike %llu differs: %.17g ms #%llu vs %.17g ms #%llu",
				      p->name, (unsigned long long)k, p->t_ms[k],
				      (unsigned long long)p->node_ids[k], q->t_ms[k],
				      (unsigned long long)q->node_ids[k]);
		}
		total += p->n;
	}
	ck_assert_uint_eq(a->st.spikes, b->st.spikes);
	ck_assert_uint_eq(a->st.events, b->st.events);
	ck_assert_uint_eq(a->st.synapses, b->st.synapses);
	ck_assert_uint_eq(a->st.neurons, b->st.neurons);
	ck_assert(a->st.bio_ms == b->st.bio_ms);
	if (a->trace || b->trace) {
		ck_assert_uint_eq(a->rows, b->rows);
		ck_assert_uint_eq(a->cols, b->cols);
		ck_assert(a->rows * a->cols > 0);
		ck_assert_msg(memcmp(a->trace, b->trace, a->rows * a->cols * sizeof(double)) == 0,
			      "traces differ");
	}
	return total;
}

static snn_net *load_example(const char *name, double scale, const char *duration_ms)
{
	char path[4200];
	const char *src = getenv("SNN_SRCDIR");
	snprintf(path, sizeof(path), "%s/examples/%s.yaml", src ? src : "..", name);
	snn_config_options o = {scale};
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	int rc = snn_config_load_opts(path, &o, &net, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	ck_assert_int_eq(snn_net_set_duration_ms(net, atof(duration_ms), d), SNN_OK);
	snn_diag_free(d);
	return net;
}

/* One example on the CPU (cpu_threads) and on the GPU path (emu_threads
 * host threads for the build); at least min_spikes spikes compared. */
static void compare_example(const char *name, double scale, const char *dur, int cpu_threads,
			    int emu_threads, uint64_t min_spikes)
{
	gpu_emu_set_device(1, 80e9, 80e9);
	snn_net *net = load_example(name, scale, dur);
	struct result a, b;
	run_on(NULL, net, cpu_threads, NULL, NULL, &a);
	run_on(&engine_grid_cuda, net, emu_threads, NULL, NULL, &b);
	uint64_t n = expect_same(&a, &b);
	printf("%s: %llu spikes identical on the CPU engine and the GPU path\n", name,
	       (unsigned long long)n);
	ck_assert_msg(n >= min_spikes, "%s: only %llu spikes", name, (unsigned long long)n);
	ck_assert(b.st.synapse_bytes > 0);
	result_free(&a);
	result_free(&b);
	snn_net_free(net);
}

START_TEST(test_brunel)
{
	compare_example("brunel", 1.0, "100", 1, 3, 20000);
}
END_TEST

START_TEST(test_cuba)
{
	compare_example("cuba", 1.0, "200", 2, 1, 3000);
}
END_TEST

START_TEST(test_coba)
{
	compare_example("coba", 1.0, "200", 1, 2, 5000);
}
END_TEST

START_TEST(test_microcircuit)
{
	compare_example("microcircuit", 0.02, "100", 2, 3, 100);
}
END_TEST

/* 70,000 neurons (two device blocks), every kind of input and output. */
START_TEST(test_everything)
{
	gpu_emu_set_device(1, 80e9, 80e9);
	const char *dir = tu_tmpdir("emu_all");
	char tr_a[4200], tr_b[4200];
	snprintf(tr_a, sizeof(tr_a), "%s/v.h5", dir);
	char *y = tu_fmt(GPU_CASE_EVERYTHING, tr_a);
	/* the same config with a second trace file name for the second run */
	snn_net *net = tu_load(y);
	struct result a, b;
	run_on(NULL, net, 2, tr_a, "e", &a);
	snn_net_free(net);
	snprintf(tr_b, sizeof(tr_b), "%s/w.h5", dir);
	char *at = strstr(y, tr_a);
	ck_assert_ptr_nonnull(at);
	char *y2 = tu_fmt("%.*s%s%s", (int)(at - y), y, tr_b, at + strlen(tr_a));
	net = tu_load(y2);
	run_on(&engine_grid_cuda, net, 3, tr_b, "e", &b);
	uint64_t n = expect_same(&a, &b);
	printf("everything: %llu spikes identical, trace %zu x %zu\n", (unsigned long long)n,
	       a.rows, a.cols);
	ck_assert(n > 1000);
	ck_assert_uint_eq(a.rows, 116);
	result_free(&a);
	result_free(&b);
	snn_net_free(net);
	free(y);
	free(y2);
}
END_TEST

/* Runs a small net on the GPU path and returns the status and the first
 * diagnostic (static buffer). */
static int try_run(const char *yaml, const char **message, snn_progress_fn progress)
{
	static char msg[1000];
	snn_net *net = tu_load(yaml);
	char path[4200];
	snprintf(path, sizeof(path), "%s/s.h5", tu_tmpdir("emu_err"));
	unlink(path); /* from an earlier successful run */
	snn_sim_options opt;
	memset(&opt, 0, sizeof(opt));
	opt.threads = 1;
	opt.spike_path = path;
	opt.record_all = true;
	opt.software = "test";
	opt.progress = progress;
	snn_diag *d = snn_diag_new();
	void *impl = NULL;
	int rc = engine_grid_cuda.create(net, &opt, &impl, d);
	if (rc == SNN_OK) {
		rc = engine_grid_cuda.run(impl, d);
		engine_grid_cuda.destroy(impl);
	}
	snprintf(msg, sizeof(msg), "%s", snn_diag_count(d) ? snn_diag_message(d, 0) : "");
	*message = msg;
	ck_assert_msg(access(path, F_OK) != 0 || rc == SNN_OK, "a failed run left %s", path);
	snn_diag_free(d);
	snn_net_free(net);
	return rc;
}

static const char *small =
    "simulation: {dt: 0.1 ms, duration: 50 ms, seed: 5}\n"
    "populations:\n"
    "  e: {model: lif, size: 2000, params: {tau_m: 20 ms, E_L: 0 mV, V_th: 20 mV,"
    " V_reset: 10 mV}}\n"
    "projections:\n"
    "  - {from: e, to: e, rule: {fixed_indegree: 100}, weight: 0.2 mV, delay: 1.5 ms}\n"
    "stimuli:\n"
    "  - {poisson: {rate: 15 kHz}, to: e, weight: 0.1 mV, delay: 0.1 ms}\n";

static int stop_at_once(void *ctx, const snn_progress *p)
{
	(void)ctx;
	return p->t_ms >= 10.0;
}

START_TEST(test_errors)
{
	const char *m;
	gpu_emu_set_device(0, 0, 0);
	ck_assert_int_eq(try_run(small, &m, NULL), SNN_EDEVICE);
	ck_assert_str_eq(m,
			 "the cuda backend found no usable GPU: the CUDA driver reports no "
			 "device; run with --backend cpu, or on a machine with an NVIDIA GPU and "
			 "its driver");
	gpu_emu_set_device(-1, 0, 0);
	ck_assert_int_eq(try_run(small, &m, NULL), SNN_EDEVICE);
	ck_assert_str_eq(m,
			 "the cuda backend found no usable GPU: emulated driver failure; run "
			 "with --backend cpu, or on a machine with an NVIDIA GPU and its driver");
	/* 2000 neurons, 200,000 synapses at 8 bytes, their row index, the rings and
	 * two chunk buffers: about 3.3 MB, plus the 256 MB kept free. 258 MB free
	 * is too little (the message gives the need and what the device has),
	 * 262 MB is enough. */
	gpu_emu_set_device(1, 258e6, 400e6);
	ck_assert_int_eq(try_run(small, &m, NULL), SNN_ENOMEM);
	ck_assert_msg(
	    strstr(m, "cuda backend: the network does not fit in device memory: it "
		      "needs 0.00 GB on the GPU (0.00 GB of synapse tables, plus 0.26 GB kept "
		      "free for the CUDA runtime), and host emulation of gpu.h has 0.26 GB free "
		      "of 0.40 GB") == m,
	    "%s", m);
	gpu_emu_set_device(1, 262e6, 400e6);
	ck_assert_int_eq(try_run(small, &m, NULL), SNN_OK);
	/* a stopped run writes nothing and says where it stopped */
	gpu_emu_set_device(1, 80e9, 80e9);
	ck_assert_int_eq(try_run(small, &m, stop_at_once), SNN_EINTR);
	ck_assert_str_eq(m, "stopped at t = 10 ms; no output was written");
	ck_assert_int_eq(try_run(small, &m, NULL), SNN_OK);
}
END_TEST

/* What the on_spikes hook saw: every event in order, the calls' times. */
struct hook_log {
	snn_spike_event *ev;
	size_t n, cap;
	double last_t;
	int calls, bad;
};

static void hook(void *ctx, const snn_spike_event *ev, size_t n, double t_ms)
{
	struct hook_log *h = ctx;
	h->calls++;
	if (t_ms < h->last_t) {
		h->bad++;
	}
	h->last_t = t_ms;
	if (h->n + n > h->cap) {
		h->cap = 2 * (h->n + n);
		h->ev = realloc(h->ev, h->cap * sizeof(*h->ev));
		ck_assert_ptr_nonnull(h->ev);
	}
	for (size_t k = 0; k < n; k++) {
		h->bad += ev[k].t_ms > t_ms;
		h->ev[h->n++] = ev[k];
	}
}

/* Runs net with the hook on an engine (NULL: the CPU engine); spike_path
 * NULL: the config's recording. Returns the spikes counted. */
static uint64_t run_hook(const struct engine_ops *ops, snn_net *net, const char *spike_path,
			 struct hook_log *h)
{
	snn_sim_options opt;
	memset(&opt, 0, sizeof(opt));
	opt.threads = 2;
	opt.spike_path = spike_path;
	opt.format = SNN_SPIKES_HDF5;
	opt.software = "test";
	opt.on_spikes = hook;
	opt.spikes_ctx = h;
	snn_diag *d = snn_diag_new();
	const struct engine_ops *e = ops ? ops : &engine_grid_cpu;
	void *impl = NULL;
	int rc = e->create(net, &opt, &impl, d);
	if (rc == SNN_OK) {
		rc = e->run(impl, d);
	}
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	uint64_t spikes = e->stats(impl)->spikes;
	e->destroy(impl);
	snn_diag_free(d);
	return spikes;
}

/* The on_spikes hook (snnsim --view, --stream) gets the same events, in the
 * same order, from the GPU path as from the CPU engine: every spike of every
 * population, not only the recorded ones, and a last call at the end time;
 * with a spike file, or with the hook alone. */
START_TEST(test_hook)
{
	gpu_emu_set_device(1, 80e9, 80e9);
	const char *dir = tu_tmpdir("emu_hook");
	const char *body =
	    "simulation: {dt: 0.1 ms, duration: 50 ms, seed: 9}\n"
	    "populations:\n"
	    "  e: {model: lif, size: 2000, params: {tau_m: 20 ms, E_L: 0 mV, V_th: 20 mV,"
	    " V_reset: 10 mV}}\n"
	    "  i: {model: lif, size: 500, params: {tau_m: 10 ms, E_L: 0 mV, V_th: 20 mV,"
	    " V_reset: 10 mV}}\n"
	    "projections:\n"
	    "  - {from: e, to: e, rule: {fixed_indegree: 100}, weight: 0.2 mV, delay: 1.5 ms}\n"
	    "  - {from: e, to: i, rule: {fixed_indegree: 50}, weight: 0.3 mV, delay: 1 ms}\n"
	    "stimuli:\n"
	    "  - {poisson: {rate: 15 kHz}, to: e, weight: 0.1 mV, delay: 0.1 ms}\n"
	    "  - {poisson: {rate: 12 kHz}, to: i, weight: 0.1 mV, delay: 0.1 ms}\n";
	char path[4200];
	snprintf(path, sizeof(path), "%s/s.h5", dir);
	for (int with_file = 0; with_file < 2; with_file++) {
		/* with a file: only e is recorded there, the hook still sees i */
		char *y = with_file ? tu_fmt("%srecord:\n  spikes: {populations: [e], file: %s}\n",
					     body, path)
				    : tu_fmt("%s", body);
		snn_net *net = tu_load(y);
		struct hook_log a = {0}, b = {0};
		uint64_t na = run_hook(NULL, net, NULL, &a);
		ck_assert_int_eq(access(path, F_OK) == 0, with_file);
		unlink(path);
		uint64_t nb = run_hook(&engine_grid_cuda, net, NULL, &b);
		ck_assert_int_eq(access(path, F_OK) == 0, with_file);
		unlink(path);
		ck_assert_int_eq(a.bad, 0);
		ck_assert_int_eq(b.bad, 0);
		ck_assert_double_eq(a.last_t, 50.0);
		ck_assert_double_eq(b.last_t, 50.0);
		ck_assert_int_gt(b.calls, 1);
		ck_assert_uint_eq(a.n, na);
		ck_assert_uint_eq(b.n, nb);
		ck_assert_uint_eq(a.n, b.n);
		ck_assert_uint_gt(a.n, 1000);
		bool saw_i = false;
		for (size_t k = 0; k < a.n; k++) {
			ck_assert_msg(a.ev[k].t_ms == b.ev[k].t_ms && a.ev[k].pop == b.ev[k].pop &&
					  a.ev[k].id == b.ev[k].id,
				      "event %zu differs: %.17g ms %u/%u vs %.17g ms %u/%u", k,
				      a.ev[k].t_ms, a.ev[k].pop, a.ev[k].id, b.ev[k].t_ms,
				      b.ev[k].pop, b.ev[k].id);
			saw_i |= a.ev[k].pop == 1;
		}
		ck_assert(saw_i);
		printf("hook%s: %zu events identical on the CPU engine and the GPU path\n",
		       with_file ? " with a spike file" : " alone", a.n);
		free(a.ev);
		free(b.ev);
		snn_net_free(net);
		free(y);
	}
}
END_TEST

/* A NIR graph (graded spikes, NIR neuron models, explicit weights) is
 * refused before anything is built, naming the population and why. */
START_TEST(test_nir_refused)
{
	const char *path = tmp_file("one_lif.nir");
	hid_t f = w_open(path, NULL), g;
	hid_t nodes = w_graph(f, "node", &g);
	int64_t one[1] = {1};
	w_io(nodes, "in", "Input", 1, one);
	hid_t n = w_node(nodes, "n", "LIF");
	hsize_t d1[1] = {1};
	double tau = 5e-3, r = 1.0, vl = 0.0, th = 1.0;
	w_f64(n, "tau", 1, d1, &tau);
	w_f64(n, "r", 1, d1, &r);
	w_f64(n, "v_leak", 1, d1, &vl);
	w_f64(n, "v_threshold", 1, d1, &th);
	H5Gclose(n);
	w_io(nodes, "out", "Output", 1, one);
	const char *edges[] = {"in", "n", "n", "out"};
	w_edges(g, edges, 2);
	H5Gclose(nodes);
	H5Gclose(g);
	H5Fclose(f);
	snn_nir_options o;
	snn_nir_options_init(&o);
	snn_net *net = load_nir(path, &o);
	gpu_emu_set_device(1, 80e9, 80e9);
	snn_diag *d = snn_diag_new();
	void *impl = NULL;
	snn_sim_options opt = {0};
	ck_assert_int_eq(engine_grid_cuda.create(net, &opt, &impl, d), SNN_EUNSUP);
	ck_assert_ptr_null(impl);
	ck_assert_msg(
	    strstr(snn_diag_message(d, 0), "the cuda backend does not run population '") &&
		strstr(snn_diag_message(d, 0), "runs on the cpu backend only (a NIR "
					       "primitive: graded spikes and NIR "
					       "neuron models)"),
	    "%s", snn_diag_message(d, 0));
	snn_diag_free(d);
	snn_net_free(net);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("gpu_emu");
	TCase *tc = tcase_create("cpu_vs_gpu_path");
	tcase_set_timeout(tc, 1200);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_nir_refused);
	tcase_add_test(tc, test_hook);
	tcase_add_test(tc, test_everything);
	tcase_add_test(tc, test_brunel);
	tcase_add_test(tc, test_cuba);
	tcase_add_test(tc, test_coba);
	tcase_add_test(tc, test_microcircuit);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
