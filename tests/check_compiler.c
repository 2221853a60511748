/*
 * The compiler library (libsnncc) tested directly: the engine's expansion
 * equals the synapses the engine builds and delivers, the config and NIR
 * quantizers give the fixed-point weights, scales and thresholds worked out
 * by hand, the backend table dispatches the microcontroller and Loihi-class
 * rows, and the refusals say exactly why.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cc_int.h"
#include "engine_int.h"
#include "expand_int.h"
#include "nirtest.h"
#include "testutil.h"

/* 4 + 3 lif neurons: a one_to_one projection with a known weight and delay,
 * and a random one with drawn weights and delays. */
static const char *small = "simulation: {dt: 0.1 ms, duration: 10 ms, seed: 11}\n"
			   "populations:\n"
			   "  a: {model: lif, synapse: delta, size: 4,\n"
			   "      params: {V_th: 20 mV, V_reset: 10 mV, E_L: 0 mV, t_ref: 2 ms}}\n"
			   "  b: {model: lif, synapse: delta, size: 4,\n"
			   "      params: {V_th: 20 mV, V_reset: 10 mV, E_L: 0 mV, t_ref: 2 ms}}\n"
			   "projections:\n"
			   "  - {from: a, to: b, rule: one_to_one, weight: 0.5 mV, delay: 1 ms}\n";

static const char *random_net =
    "simulation: {dt: 0.1 ms, duration: 10 ms, seed: 5}\n"
    "populations:\n"
    "  a: {model: lif, synapse: delta, size: 50}\n"
    "  b: {model: lif, synapse: delta, size: 30}\n"
    "projections:\n"
    "  - {from: a, to: b, rule: {fixed_indegree: 7}, weight: {uniform: {low: 0.1 mV,\n"
    "     high: 0.9 mV}}, delay: {uniform: {low: 0.5 ms, high: 3 ms}}}\n"
    "  - {from: b, to: a, rule: {fixed_outdegree: 5}, weight: -0.4 mV, delay: 2 ms}\n";

static struct expanded *expand(const snn_net *net)
{
	snn_diag *d = snn_diag_new();
	struct expanded *x = NULL;
	int rc = expand_network(net, 0, &x, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	snn_diag_free(d);
	return x;
}

START_TEST(test_expansion_known_synapses)
{
	snn_net *net = tu_load(small);
	struct expanded *x = expand(net);
	ck_assert_uint_eq(x->n_neurons, 8);
	ck_assert_uint_eq(x->n_syn, 4);
	ck_assert_uint_eq(x->max_delay, 10);
	for (uint32_t k = 0; k < 4; k++) {
		/* a[k] -> b[k]: one synapse onto each of b's neurons (gids 4..7) */
		ck_assert_uint_eq(x->in_off[4 + k + 1] - x->in_off[4 + k], 1);
		const struct expanded_syn *e = &x->syn[x->in_off[4 + k]];
		ck_assert_uint_eq(e->src, k);
		ck_assert_uint_eq(e->tgt, 4 + k);
		ck_assert_uint_eq(e->delay, 10);
		ck_assert_uint_eq(e->ch, 0);
		/* 0.5 in the fixed point of b's channel 0, exactly */
		ck_assert(e->w == 0.5);
		ck_assert_int_eq(e->wq, (int32_t)ldexp(0.5, x->pops[1].in_shift[0]));
	}
	ck_assert_uint_eq(x->in_off[4], 0); /* nothing onto a */
	ck_assert_uint_eq(expanded_pop_of(x, 3), 0);
	ck_assert_uint_eq(expanded_pop_of(x, 4), 1);
	/* lif constants: P22 = exp(-0.1 / 10) (tau_m defaults to 10 ms) */
	ck_assert(x->pops[1].lif.theta == 20.0);
	ck_assert(x->pops[1].lif.reset == 10.0);
	ck_assert_uint_eq(x->pops[1].lif.ref_steps, 20);
	ck_assert(x->v0[5] == 0.0);
	expanded_free(x);
	snn_net_free(net);
}
END_TEST

/* The expansion against the engine's own tables (one thread). */
START_TEST(test_expansion_equals_engine)
{
	snn_net *net = tu_load(random_net);
	struct expanded *x = expand(net);
	snn_diag *d = snn_diag_new();
	struct grid_sim *s = NULL;
	snn_sim_options so = {.threads = 1};
	ck_assert_int_eq(grid_create(net, &so, &s, d), SNN_OK);
	uint64_t n = 0, src_sum = 0, delay_sum = 0;
	int64_t wq_sum = 0;
	const struct thread_rt *t = &s->thr[0];
	for (uint32_t bi = 0; bi < t->n_blocks; bi++) {
		const struct syn_block *b = &t->blocks[bi];
		for (uint32_t src = 0; src < s->n_neurons; src++) {
			uint64_t k = b->row_syn[src];
			for (uint32_t r = b->row_run[src]; r < b->row_run[src + 1]; r++) {
				for (uint32_t j = 0; j < b->runs[r].len; j++, k++) {
					/* the engine's order is the expansion's out_idx */
					const struct expanded_syn *e = &x->syn[x->out_idx[n]];
					ck_assert_uint_eq(e->src, src);
					ck_assert_uint_eq(e->tgt, b->lo + b->tgt[k]);
					ck_assert_uint_eq(e->delay, b->runs[r].delay);
					ck_assert_int_eq(e->wq, b->w[k]);
					n++;
					src_sum += src;
					delay_sum += b->runs[r].delay;
					wq_sum += b->w[k];
				}
			}
		}
	}
	ck_assert_uint_eq(n, x->n_syn);
	/* 30 targets x 7 + 30 sources x 5 */
	ck_assert_uint_eq(n, 360);
	uint64_t xs = 0, xd = 0;
	int64_t xw = 0;
	for (uint32_t g = 0; g < x->n_neurons; g++) {
		for (uint64_t k = x->in_off[g]; k < x->in_off[g + 1]; k++) {
			const struct expanded_syn *e = &x->syn[k];
			ck_assert_uint_eq(e->tgt, g);
			if (k > x->in_off[g]) {
				const struct expanded_syn *p = e - 1;
				ck_assert(p->src < e->src ||
					  (p->src == e->src && p->delay <= e->delay));
			}
			xs += e->src;
			xd += e->delay;
			xw += e->wq;
			ck_assert(e->w ==
				  (double)e->wq * x->pops[expanded_pop_of(x, g)].in_scale[e->ch]);
		}
	}
	ck_assert_uint_eq(xs, src_sum);
	ck_assert_uint_eq(xd, delay_sum);
	ck_assert_int_eq(xw, wq_sum);
	grid_destroy(s);
	/* the engine delivers as many synapses as it reports (a run of 3 steps
	 * that writes nothing) */
	snn_sim *sim = NULL;
	so.steps = 3;
	so.no_outputs = true;
	ck_assert_int_eq(snn_sim_new(net, &so, &sim, d), SNN_OK);
	ck_assert_int_eq(snn_sim_run(sim, d), SNN_OK);
	ck_assert_uint_eq(snn_sim_stats(sim)->synapses, x->n_syn);
	ck_assert(fabs(snn_sim_stats(sim)->bio_ms - 0.3) < 1e-12);
	ck_assert_ptr_null(snn_sim_stats(sim)->spike_file);
	snn_sim_free(sim);
	snn_diag_free(d);
	expanded_free(x);
	snn_net_free(net);
}
END_TEST

START_TEST(test_quantize_config)
{
	snn_net *net = tu_load(small);
	struct cc_options o;
	memset(&o, 0, sizeof(o));
	o.weight_bits = 16;
	o.steps = 50;
	struct cc_model *m = NULL;
	snn_diag *d = snn_diag_new();
	ck_assert_int_eq(cc_quantize_config(net, &o, &m, d), SNN_OK);
	ck_assert_uint_eq(m->rt.n_pops, 2);
	ck_assert_uint_eq(m->rt.n_projs, 1);
	ck_assert_uint_eq(m->synapses, 4);
	const struct snnrt_proj *P = &m->projs[0];
	ck_assert_int_eq(P->kind, SNNRT_SPARSE);
	ck_assert_uint_eq(P->pre, 0);
	ck_assert_uint_eq(P->post, 1);
	ck_assert_uint_eq(P->delay, 10);
	/* the largest weight onto b (0.5) fills 16 bits: scale 32767 / 0.5 */
	ck_assert(m->info[1].acc_scale == 65534.0);
	ck_assert(m->info[0].acc_scale == 1.0);
	for (uint32_t k = 0; k < 4; k++) {
		ck_assert_uint_eq(P->row[k], k);
		ck_assert_uint_eq(P->col[k], k);
		ck_assert_int_eq(P->w16[k], 32767);
	}
	/* |theta| = 20 mV is the largest value: v scale 2^29 / 160 rounded
	 * down to a power of two; the runtime fires above theta - 1 unit */
	const struct snnrt_pop *R = &m->pops[1];
	ck_assert(m->info[1].v_scale == 2097152.0);
	ck_assert_int_eq(R->model, SNNRT_LIF);
	ck_assert_int_eq(R->v_th, 20 * 2097152 - 1);
	ck_assert_int_eq(R->v_reset, 10 * 2097152);
	ck_assert_int_eq(R->ref_steps, 20);
	ck_assert_uint_eq(m->pops[0].hist, 11); /* a's outputs wait 10 steps */
	cc_model_free(m);
	snn_diag_free(d);
	snn_net_free(net);
}
END_TEST

/* Runs the quantizer on a config expected to be refused; returns the code
 * and checks the message. */
static void refused(const char *yaml, int code, const char *msg)
{
	snn_net *net = tu_load(yaml);
	struct cc_options o;
	memset(&o, 0, sizeof(o));
	o.weight_bits = 8;
	o.steps = 10;
	struct cc_model *m = NULL;
	snn_diag *d = snn_diag_new();
	ck_assert_int_eq(cc_quantize_config(net, &o, &m, d), code);
	ck_assert_ptr_null(m);
	ck_assert_uint_eq(snn_diag_count(d), 1);
	ck_assert_str_eq(snn_diag_message(d, 0), msg);
	snn_diag_free(d);
	snn_net_free(net);
}

START_TEST(test_quantize_refusals)
{
	refused("simulation: {dt: 0.1 ms, duration: 1 ms}\n"
		"populations:\n  c: {model: lif_cond, size: 2}\n",
		SNN_EUNSUP, "population 'c': snncc compiles lif neurons only (not lif_cond)");
	refused("simulation: {dt: 0.1 ms, duration: 1 ms}\n"
		"populations:\n  a: {model: lif, size: 2}\n"
		"stimuli:\n  - {dc: {amplitude: 100 pA}, to: a}\n",
		SNN_EUNSUP,
		"snncc compiles Poisson stimuli only (current stimuli have no integer form in the "
		"runtime yet)");
	refused("simulation: {dt: 0.1 ms, duration: 1 ms}\n"
		"populations:\n"
		"  a: {model: lif, synapse: exp, size: 2, params: {tau_syn_ex: 2 ms, tau_syn_in: 5 "
		"ms}}\n",
		SNN_EUNSUP,
		"population 'a': exponential synapses with tau_syn_ex != tau_syn_in need two "
		"currents; the runtime has one");
	refused(
	    "simulation: {dt: 0.1 ms, duration: 1 ms}\n"
	    "populations:\n  a: {model: lif, size: 2}\n"
	    "projections:\n  - {from: a, to: a, rule: all_to_all, weight: 1 mV, delay: 30 ms}\n",
	    SNN_EUNSUP,
	    "synapses onto 'a' with a delay of 300 steps: the runtime takes at most 254");
}
END_TEST

/* input (2) -> Affine [[0.5, -0.25], [0, 1]] -> LIF (2) -> output */
static char *write_affine_lif(void)
{
	char *path = tu_fmt("%s/g.nir", tu_tmpdir("compiler_affine"));
	hid_t f = w_open(path, "1.0");
	hid_t g, nodes = w_graph(f, "node", &g);
	int64_t s2[1] = {2};
	w_io(nodes, "input", "Input", 1, s2);
	w_io(nodes, "output", "Output", 1, s2);
	hid_t a = w_node(nodes, "fc", "Affine");
	hsize_t ad[2] = {2, 2}, d2[1] = {2};
	double wv[4] = {0.5, -0.25, 0, 1}, zero[2] = {0, 0}, one[2] = {1, 1};
	double tau[2] = {1e-3, 1e-3};
	w_f32(a, "weight", 2, ad, wv);
	w_f32(a, "bias", 1, d2, zero);
	H5Gclose(a);
	hid_t l = w_node(nodes, "n", "LIF");
	w_f64(l, "tau", 1, d2, tau);
	w_f64(l, "r", 1, d2, one);
	w_f64(l, "v_leak", 1, d2, zero);
	w_f64(l, "v_reset", 1, d2, zero);
	w_f64(l, "v_threshold", 1, d2, one);
	H5Gclose(l);
	const char *edges[] = {"input", "fc", "fc", "n", "n", "output"};
	w_edges(g, edges, 3);
	H5Gclose(nodes);
	H5Gclose(g);
	H5Fclose(f);
	return path;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

START_TEST(test_quantize_nir)
{
	char *path = write_affine_lif();
	snn_nir_options no;
	snn_nir_options_init(&no);
	snn_net *net = load_nir(path, &no);
	struct cc_options o;
	memset(&o, 0, sizeof(o));
	o.weight_bits = 8;
	o.weight_scale = CC_SCALE_LAYER;
	o.nir = no;
	struct cc_model *m = NULL;
	snn_diag *d = snn_diag_new();
	int rc = cc_quantize(net, NULL, &o, &m, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	ck_assert_uint_eq(m->rt.n_projs, 1);
	uint32_t post = m->projs[0].post;
	ck_assert_str_eq(m->info[post].name, "n");
	ck_assert_str_eq(m->info[m->projs[0].pre].name, "input");
	/* spike inputs (scale 1), the largest weight 1.0 fills 8 bits */
	ck_assert(m->info[m->projs[0].pre].out_scale == 1.0);
	ck_assert(m->info[post].acc_scale == 127.0);
	/* 0.5, -0.25, 0 and 1 times 127, rounded to the nearest (even) */
	ck_assert_uint_eq(m->n_w[0], 4);
	int w[4];
	for (int k = 0; k < 4; k++) {
		w[k] = m->projs[0].w8[k];
	}
	qsort(w, 4, sizeof(int), cmp_int);
	ck_assert_int_eq(w[0], -32);
	ck_assert_int_eq(w[1], 0);
	ck_assert_int_eq(w[2], 64);
	ck_assert_int_eq(w[3], 127);
	/* the threshold in the state scale */
	ck_assert_int_eq(m->pops[post].v_th, cc_q32(m->info[post].v_scale));
	ck_assert(m->info[post].v_scale > 0);
	cc_model_free(m);
	/* 16-bit weights: the largest weight fills 15 bits and a sign */
	o.weight_bits = 16;
	ck_assert_int_eq(cc_quantize(net, NULL, &o, &m, d), SNN_OK);
	ck_assert(m->info[m->projs[0].post].acc_scale == 32767.0);
	cc_model_free(m);
	snn_diag_free(d);
	snn_net_free(net);
	free(path);
}
END_TEST

START_TEST(test_backend_table)
{
	const struct cc_backend *mcu = cc_backend_find("mcu");
	const struct cc_backend *loihi = cc_backend_find("loihi");
	ck_assert_ptr_nonnull(mcu);
	ck_assert_ptr_nonnull(loihi);
	ck_assert(mcu->job == cc_mcu_job);
	ck_assert(mcu->emit == cc_emit_mcu);
	ck_assert(loihi->job == cc_loihi_job);
	ck_assert_ptr_null(loihi->emit);
	ck_assert_ptr_null(cc_backend_find("pdp11"));
	/* an unknown target reaches the microcontroller row, which refuses it */
	struct cc_job j;
	memset(&j, 0, sizeof(j));
	j.model = "unused.yaml";
	j.target = "pdp11";
	snn_diag *d = snn_diag_new();
	ck_assert_int_eq(cc_job_run(&j, d), SNN_EINVAL);
	ck_assert_str_eq(snn_diag_message(d, 0), "unknown target 'pdp11' (snncc --list-targets)");
	snn_diag_free(d);
	/* a Loihi-class target reaches the Loihi row: the model's loader speaks */
	d = snn_diag_new();
	j.target = "loihi2-class";
	j.model = "/nonexistent/model.yaml";
	ck_assert_int_eq(cc_job_run(&j, d), SNN_EIO);
	ck_assert_str_eq(snn_diag_message(d, 0), "cannot open: No such file or directory");
	snn_diag_free(d);
	/* a named backend that is not in the table */
	d = snn_diag_new();
	j.backend = "fpga";
	ck_assert_int_eq(cc_job_run(&j, d), SNN_EUNSUP);
	ck_assert_str_eq(snn_diag_message(d, 0), "backend 'fpga' is not in this build");
	snn_diag_free(d);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("compiler");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_expansion_known_synapses);
	tcase_add_test(tc, test_expansion_equals_engine);
	tcase_add_test(tc, test_quantize_config);
	tcase_add_test(tc, test_quantize_refusals);
	tcase_add_test(tc, test_quantize_nir);
	tcase_add_test(tc, test_backend_table);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
