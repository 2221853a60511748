/*
 * Tests of the YAML config loader (sim/load/yaml_config.c): valid configs fill the
 * network IR with values in canonical units (ms, mV, pA, pF, nS, Hz), and every
 * bad input gets its exact diagnostic, file:line:col included, with all the
 * problems of a file reported in one pass. Layer: tests.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_int.h"
#include "snn/snn.h"
#include "testutil.h"

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))
/* Parsed values are correctly rounded decimals; the tolerance only absorbs
 * the last bit of a unit conversion. */
#define TOL 1e-9

/* ------------------------------------------------------------------ helpers */

static const struct population *pop(const snn_net *net, const char *name)
{
	long i = snn_net_find_population(net, name);
	ck_assert_msg(i >= 0, "no population '%s'", name);
	return &net->pops[i];
}

static void assert_where(struct origin o, int line, int col)
{
	ck_assert_str_eq(o.file, "test.yaml");
	ck_assert_int_eq(o.line, line);
	ck_assert_int_eq(o.col, col);
}

static void assert_range(const struct target_set *t, uint32_t pop_index, uint32_t lo, uint32_t hi)
{
	ck_assert_uint_eq(t->pop, pop_index);
	ck_assert_ptr_null(t->ids);
	ck_assert_uint_eq(t->lo, lo);
	ck_assert_uint_eq(t->hi, hi);
}

static void assert_const(const struct value *v, double want)
{
	ck_assert_int_eq(v->kind, VALUE_CONST);
	ck_assert_double_eq_tol(v->a, want, TOL);
}

/* Loads `yaml` with relative paths resolved against `dir`; returns the status
 * and, in *diags (caller frees), every diagnostic as printed. */
static int load_in(const char *dir, const char *yaml, snn_net **net, char **diags)
{
	snn_diag *d = snn_diag_new();
	ck_assert_ptr_nonnull(d);
	int rc = snn_config_load_string(yaml, strlen(yaml), "test.yaml", dir, net, d);
	size_t len = 0;
	FILE *f = open_memstream(diags, &len);
	ck_assert_ptr_nonnull(f);
	snn_diag_print(d, f);
	fclose(f);
	snn_diag_free(d);
	return rc;
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void remove_file(const char *dir, const char *name)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
}

/* A config expected to fail, and all of its diagnostics as printed. */
struct bad {
	const char *what;
	const char *yaml;
	const char *want;
};

static void check_bad(const struct bad *b)
{
	char *got = tu_load_errors(b->yaml);
	bool same = strcmp(got, b->want) == 0;
	if (!same) {
		fprintf(stderr, "%s\n--- config\n%s--- expected\n%s--- got\n%s", b->what, b->yaml,
			b->want, got);
	}
	free(got);
	ck_assert_msg(same, "wrong diagnostics for: %s", b->what);
}

/* ------------------------------------------------------------------ valid: simulation */

START_TEST(valid_scale)
{
	/* scale multiplies population sizes and keeps mean in-degrees: total
	 * numbers scale with the sizes, probabilities become p / scale */
	const char *y =
	    "simulation: {scale: 0.5}\n"
	    "populations:\n"
	    "  a: {model: lif, size: 1000}\n"
	    "  b: {model: lif, size: 3}\n"
	    "projections:\n"
	    "  - {from: a, to: a, rule: {fixed_total_number: 1001}, weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: a, to: a, rule: {fixed_probability: 0.1}, weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: a, to: a, rule: {fixed_indegree: 7}, weight: 1 mV, delay: 1 ms}\n";
	snn_net *net = tu_load(y);
	ck_assert_uint_eq(net->pops[0].size, 500);
	ck_assert_uint_eq(net->pops[1].size, 2);
	ck_assert_uint_eq(net->projs[0].n, 500); /* round(1001 * 0.5), ties to even */
	ck_assert_double_eq_tol(net->projs[1].p, 0.2, 1e-15);
	ck_assert_uint_eq(net->projs[2].n, 7);
	ck_assert_double_eq(net->sim.scale, 0.5);
	snn_net_free(net);
	/* the caller's scale wins over the config's */
	snn_diag *d = snn_diag_new();
	snn_config_options o = {2.0};
	ck_assert_int_eq(snn_config_load_string_opts(y, strlen(y), "test.yaml", NULL, &o, &net, d),
			 SNN_OK);
	ck_assert_uint_eq(net->pops[0].size, 2000);
	ck_assert_uint_eq(net->projs[0].n, 2002);
	snn_net_free(net);
	snn_diag_free(d);
}
END_TEST

START_TEST(valid_simulation)
{
	snn_net *net = tu_load("simulation:\n"
			       "  dt: 0.25 ms\n"
			       "  duration: 1 s\n"
			       "  seed: 18446744073709551615\n"
			       "  threads: 4\n"
			       "  engine: grid\n"
			       "  backend: cpu\n"
			       "populations:\n"
			       "  a: {model: lif, size: 1}\n");
	ck_assert_double_eq_tol(net->sim.dt_ms, 0.25, TOL);
	ck_assert_double_eq_tol(net->sim.duration_ms, 1000.0, TOL);
	ck_assert_uint_eq(net->sim.seed, UINT64_MAX);
	ck_assert_int_eq(net->sim.threads, 4);
	ck_assert_int_eq(net->sim.engine, ENGINE_GRID);
	ck_assert_int_eq(net->sim.backend, BACKEND_CPU);
	assert_where(net->sim.dt_where, 2, 7);
	assert_where(net->sim.duration_where, 3, 13);
	/* the public view of the same settings */
	ck_assert_double_eq_tol(snn_net_dt_ms(net), 0.25, TOL);
	ck_assert_double_eq_tol(snn_net_duration_ms(net), 1000.0, TOL);
	ck_assert_uint_eq(snn_net_seed(net), UINT64_MAX);
	ck_assert_int_eq(snn_net_threads(net), 4);
	snn_net_free(net);
}
END_TEST

START_TEST(valid_simulation_defaults)
{
	snn_net *net = tu_load("populations:\n"
			       "  a: {model: lif, size: 1}\n");
	ck_assert_double_eq_tol(net->sim.dt_ms, 0.1, TOL);
	ck_assert_double_eq_tol(net->sim.duration_ms, 1000.0, TOL);
	ck_assert_uint_eq(net->sim.seed, 1);
	ck_assert_int_eq(net->sim.threads, 0);
	snn_net_free(net);
}
END_TEST

START_TEST(valid_simulation_prefixes)
{
	snn_net *net = tu_load("simulation: {dt: 100 us, duration: 0.5 s, seed: 0, threads: 1}\n"
			       "populations:\n"
			       "  a: {model: lif, size: 1}\n");
	ck_assert_double_eq_tol(net->sim.dt_ms, 0.1, TOL);
	ck_assert_double_eq_tol(net->sim.duration_ms, 500.0, TOL);
	ck_assert_uint_eq(net->sim.seed, 0);
	ck_assert_int_eq(net->sim.threads, 1);
	snn_net_free(net);
}
END_TEST

START_TEST(valid_whole_numbers)
{
	/* quoted scalars keep their blanks; a whole number may still have them */
	snn_net *net = tu_load("simulation: {seed: \" 42 \", threads: '2'}\n"
			       "populations:\n"
			       "  a: {model: lif, size: \" 3\"}\n");
	ck_assert_uint_eq(net->sim.seed, 42);
	ck_assert_int_eq(net->sim.threads, 2);
	ck_assert_uint_eq(pop(net, "a")->size, 3);
	snn_net_free(net);
}
END_TEST

/* ------------------------------------------------------------------ valid: populations */

START_TEST(valid_lif_delta_defaults)
{
	snn_net *net = tu_load("populations:\n"
			       "  a: {model: lif, size: 3}\n"
			       "  b: {model: lif, synapse: delta, size: 2, params: null, "
			       "init: ~}\n");
	ck_assert_uint_eq(net->n_pops, 2);
	const struct population *a = pop(net, "a"), *b = pop(net, "b");
	ck_assert_str_eq(a->name, "a");
	ck_assert_int_eq(a->model->id, MODEL_LIF_DELTA);
	ck_assert_int_eq(b->model->id, MODEL_LIF_DELTA);
	ck_assert_int_eq(a->model->weight_dim, SNN_DIM_VOLTAGE);
	ck_assert(!a->model->is_source);
	ck_assert_uint_eq(a->size, 3);
	ck_assert_uint_eq(b->size, 2);
	ck_assert_uint_eq(a->first, 0);
	ck_assert_uint_eq(b->first, 3);
	ck_assert_uint_eq(net->n_neurons, 5);
	assert_where(a->where, 2, 3);
	assert_where(b->where, 3, 3);
	/* NEST's iaf_psc_delta defaults */
	assert_const(&a->params[LIF_C_M], 250.0);
	assert_const(&a->params[LIF_TAU_M], 10.0);
	assert_const(&a->params[LIF_E_L], -70.0);
	assert_const(&a->params[LIF_V_TH], -55.0);
	assert_const(&a->params[LIF_V_RESET], -70.0);
	assert_const(&a->params[LIF_T_REF], 2.0);
	assert_const(&a->params[LIF_I_E], 0.0);
	ck_assert(isinf(a->params[LIF_V_MIN].a) && a->params[LIF_V_MIN].a < 0);
	/* no init: the model's default (NaN marks it) */
	ck_assert_int_eq(a->init[LIF_S_V_M].kind, VALUE_CONST);
	ck_assert(isnan(a->init[LIF_S_V_M].a));
	ck_assert(isnan(b->init[LIF_S_V_M].a));
	ck_assert_ptr_null(a->train_off);
	ck_assert(!net->record_spikes);
	ck_assert_uint_eq(net->n_projs, 0);
	ck_assert_uint_eq(net->n_stims, 0);
	ck_assert_uint_eq(net->n_traces, 0);
	snn_net_free(net);
}
END_TEST

START_TEST(valid_lif_exp_units)
{
	snn_net *net = tu_load("populations:\n"
			       "  e:\n"
			       "    model: lif\n"
			       "    synapse: exp\n"
			       "    size: 4\n"
			       "    params:\n"
			       "      C_m: 0.25 nF\n"
			       "      tau_m: 0.02 s\n"
			       "      E_L: -0.065 V\n"
			       "      V_th: -50 mV\n"
			       "      V_reset: -65 mV\n"
			       "      t_ref: 2000 us\n"
			       "      I_e: 1 nA\n"
			       "      tau_syn_ex: 500 us\n"
			       "      tau_syn_in: 5 ms\n"
			       "    init:\n"
			       "      V_m: -60 mV\n"
			       "      I_syn_ex: 10 pA\n");
	const struct population *e = pop(net, "e");
	ck_assert_int_eq(e->model->id, MODEL_LIF_EXP);
	ck_assert_int_eq(e->model->weight_dim, SNN_DIM_CURRENT);
	assert_const(&e->params[LIF_C_M], 250.0);
	assert_const(&e->params[LIF_TAU_M], 20.0);
	assert_const(&e->params[LIF_E_L], -65.0);
	assert_const(&e->params[LIF_V_TH], -50.0);
	assert_const(&e->params[LIF_V_RESET], -65.0);
	assert_const(&e->params[LIF_T_REF], 2.0);
	assert_const(&e->params[LIF_I_E], 1000.0);
	assert_const(&e->params[LIF_TAU_SYN_EX], 0.5);
	assert_const(&e->params[LIF_TAU_SYN_IN], 5.0);
	assert_where(e->params[LIF_C_M].where, 7, 12);
	assert_const(&e->init[LIF_S_V_M], -60.0);
	assert_const(&e->init[LIF_S_I_SYN_EX], 10.0);
	ck_assert(isnan(e->init[LIF_S_I_SYN_IN].a));
	snn_net_free(net);
}
END_TEST

START_TEST(valid_lif_cond)
{
	snn_net *net = tu_load("populations:\n"
			       "  c:\n"
			       "    model: lif_cond\n"
			       "    size: 2\n"
			       "    params: {g_L: 0.01 uS, E_ex: 0 mV, E_in: -80 mV, "
			       "tau_syn_ex: 0.5 ms, C_m: 200 pF}\n"
			       "    init: {g_ex: 1 nS, V_m: -70 mV}\n");
	const struct population *c = pop(net, "c");
	ck_assert_int_eq(c->model->id, MODEL_LIF_COND);
	ck_assert_int_eq(c->model->weight_dim, SNN_DIM_CONDUCTANCE);
	assert_const(&c->params[COND_G_L], 10.0);
	assert_const(&c->params[COND_E_EX], 0.0);
	assert_const(&c->params[COND_E_IN], -80.0);
	assert_const(&c->params[COND_TAU_SYN_EX], 0.5);
	assert_const(&c->params[COND_C_M], 200.0);
	/* NEST's iaf_cond_exp defaults for what is not given */
	assert_const(&c->params[COND_V_RESET], -60.0);
	assert_const(&c->params[COND_V_TH], -55.0);
	assert_const(&c->params[COND_TAU_SYN_IN], 2.0);
	assert_const(&c->init[COND_S_G_EX], 1.0);
	assert_const(&c->init[COND_S_V_M], -70.0);
	ck_assert(isnan(c->init[COND_S_G_IN].a));
	snn_net_free(net);
}
END_TEST

START_TEST(valid_spike_source_inline)
{
	snn_net *net = tu_load("populations:\n"
			       "  one: {model: spike_source, size: 1, spikes: {times: [3 ms, "
			       "1 ms, 2.5 ms]}}\n"
			       "  three:\n"
			       "    model: spike_source\n"
			       "    size: 3\n"
			       "    spikes:\n"
			       "      times:\n"
			       "        - [2 ms, 1 ms]\n"
			       "        - []\n"
			       "        - [500 us]\n"
			       "  none: {model: spike_source, size: 1, spikes: {times: []}}\n");
	const struct population *one = pop(net, "one"), *three = pop(net, "three");
	const struct population *none = pop(net, "none");
	ck_assert_int_eq(one->model->id, MODEL_SPIKE_SOURCE);
	ck_assert(one->model->is_source);
	/* times are sorted per neuron, in CSR over the neurons */
	ck_assert_uint_eq(one->train_off[0], 0);
	ck_assert_uint_eq(one->train_off[1], 3);
	ck_assert_double_eq_tol(one->train_ms[0], 1.0, TOL);
	ck_assert_double_eq_tol(one->train_ms[1], 2.5, TOL);
	ck_assert_double_eq_tol(one->train_ms[2], 3.0, TOL);
	const uint64_t off[] = {0, 2, 2, 3};
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(three->train_off[i], off[i]);
	}
	ck_assert_double_eq_tol(three->train_ms[0], 1.0, TOL);
	ck_assert_double_eq_tol(three->train_ms[1], 2.0, TOL);
	ck_assert_double_eq_tol(three->train_ms[2], 0.5, TOL);
	ck_assert_uint_eq(none->train_off[0], 0);
	ck_assert_uint_eq(none->train_off[1], 0);
	snn_net_free(net);
}
END_TEST

START_TEST(valid_poisson_source)
{
	snn_net *net = tu_load("populations:\n"
			       "  p: {model: poisson_source, size: 5, params: {rate: 20 kHz, "
			       "start: 5 ms}}\n"
			       "  q: {model: poisson_source, size: 1, params: {rate: 0 Hz, "
			       "stop: 1 s}}\n");
	const struct population *p = pop(net, "p"), *q = pop(net, "q");
	ck_assert_int_eq(p->model->id, MODEL_POISSON_SOURCE);
	ck_assert(p->model->is_source);
	assert_const(&p->params[PSRC_RATE], 20000.0);
	assert_const(&p->params[PSRC_START], 5.0);
	ck_assert(isinf(p->params[PSRC_STOP].a));
	assert_const(&q->params[PSRC_RATE], 0.0);
	assert_const(&q->params[PSRC_START], 0.0);
	assert_const(&q->params[PSRC_STOP], 1000.0);
	snn_net_free(net);
}
END_TEST

START_TEST(valid_distributions)
{
	snn_net *net =
	    tu_load("populations:\n"
		    "  a:\n"
		    "    model: lif\n"
		    "    size: 10\n"
		    "    params:\n"
		    "      tau_m: {normal: {mean: 20 ms, std: 2 ms}, min: 5 ms, max: 40 ms, "
		    "bound: clip}\n"
		    "      C_m: {lognormal: {mean: 250 pF, std: 25 pF}}\n"
		    "      I_e: {lognormal: {mean: -100 pA, std: 10 pA}, bound: redraw}\n"
		    "      E_L: {uniform: {low: -75 mV, high: -0.065 V}}\n"
		    "      V_th: {normal: {mean: -50 mV, std: 0 mV}, max: -45 mV}\n"
		    "    init:\n"
		    "      V_m: {uniform: {low: -70 mV, high: -55 mV}}\n");
	const struct population *a = pop(net, "a");
	const struct value *tau = &a->params[LIF_TAU_M];
	ck_assert_int_eq(tau->kind, VALUE_NORMAL);
	ck_assert_double_eq_tol(tau->a, 20.0, TOL);
	ck_assert_double_eq_tol(tau->b, 2.0, TOL);
	ck_assert_double_eq_tol(tau->lo, 5.0, TOL);
	ck_assert_double_eq_tol(tau->hi, 40.0, TOL);
	ck_assert_int_eq(tau->bound, BOUND_CLIP);
	assert_where(tau->where, 6, 14);
	/* lognormal: mean and std of the value give mu and sigma of its log */
	const struct value *cm = &a->params[LIF_C_M];
	double s2 = log1p(0.01);
	ck_assert_int_eq(cm->kind, VALUE_LOGNORMAL);
	ck_assert_double_eq_tol(cm->sign, 1.0, TOL);
	ck_assert_double_eq_tol(cm->b, sqrt(s2), TOL);
	ck_assert_double_eq_tol(cm->a, log(250.0) - 0.5 * s2, TOL);
	ck_assert_double_eq_tol(value_mean(cm), 250.0, 1e-6);
	ck_assert(isinf(cm->lo) && cm->lo < 0 && isinf(cm->hi) && cm->hi > 0);
	ck_assert_int_eq(cm->bound, BOUND_REDRAW);
	const struct value *ie = &a->params[LIF_I_E];
	ck_assert_int_eq(ie->kind, VALUE_LOGNORMAL);
	ck_assert_double_eq_tol(ie->sign, -1.0, TOL);
	ck_assert_double_eq_tol(value_mean(ie), -100.0, 1e-6);
	ck_assert_int_eq(ie->bound, BOUND_REDRAW);
	const struct value *el = &a->params[LIF_E_L];
	ck_assert_int_eq(el->kind, VALUE_UNIFORM);
	ck_assert_double_eq_tol(el->a, -75.0, TOL);
	ck_assert_double_eq_tol(el->b, -65.0, TOL);
	const struct value *th = &a->params[LIF_V_TH];
	ck_assert_int_eq(th->kind, VALUE_NORMAL);
	ck_assert_double_eq_tol(th->b, 0.0, TOL);
	ck_assert(isinf(th->lo));
	ck_assert_double_eq_tol(th->hi, -45.0, TOL);
	ck_assert_int_eq(a->init[LIF_S_V_M].kind, VALUE_UNIFORM);
	ck_assert_double_eq_tol(a->init[LIF_S_V_M].a, -70.0, TOL);
	ck_assert_double_eq_tol(a->init[LIF_S_V_M].b, -55.0, TOL);
	/* untouched parameters stay constant defaults */
	assert_const(&a->params[LIF_V_RESET], -70.0);
	snn_net_free(net);
}
END_TEST

START_TEST(valid_anchors)
{
	snn_net *net =
	    tu_load("simulation: {dt: &step 0.1 ms}\n"
		    "populations:\n"
		    "  exc: &neuron\n"
		    "    model: lif\n"
		    "    size: 8\n"
		    "    params: &p {tau_m: 20 ms, E_L: 0 mV, V_th: 20 mV, V_reset: 10 mV}\n"
		    "  inh: *neuron\n"
		    "  other: {model: lif, synapse: exp, size: 2, params: *p}\n"
		    "projections:\n"
		    "  - {from: exc, to: inh, rule: all_to_all, weight: &w 0.1 mV, delay: *step}\n"
		    "  - {from: inh, to: exc, rule: all_to_all, weight: *w, delay: 1.5 ms}\n");
	const struct population *exc = pop(net, "exc"), *inh = pop(net, "inh");
	const struct population *other = pop(net, "other");
	ck_assert_uint_eq(inh->size, 8);
	ck_assert_int_eq(inh->model->id, MODEL_LIF_DELTA);
	ck_assert_int_eq(other->model->id, MODEL_LIF_EXP);
	const struct population *all[] = {exc, inh, other};
	for (int i = 0; i < 3; i++) {
		assert_const(&all[i]->params[LIF_TAU_M], 20.0);
		assert_const(&all[i]->params[LIF_E_L], 0.0);
		assert_const(&all[i]->params[LIF_V_TH], 20.0);
		assert_const(&all[i]->params[LIF_V_RESET], 10.0);
	}
	ck_assert_uint_eq(net->n_projs, 2);
	assert_const(&net->projs[0].weight, 0.1);
	assert_const(&net->projs[0].delay, 0.1);
	assert_const(&net->projs[1].weight, 0.1);
	assert_const(&net->projs[1].delay, 1.5);
	snn_net_free(net);
}
END_TEST

START_TEST(valid_json)
{
	snn_net *net = tu_load("{\"simulation\": {\"dt\": \"0.1 ms\", \"seed\": 5},\n"
			       " \"populations\": {\"a\": {\"model\": \"lif\", \"size\": 3}},\n"
			       " \"projections\": [{\"from\": \"a\", \"to\": \"a\",\n"
			       "   \"rule\": {\"fixed_indegree\": 2}, \"weight\": \"0.2 mV\",\n"
			       "   \"delay\": \"1 ms\"}]}\n");
	ck_assert_uint_eq(net->sim.seed, 5);
	ck_assert_uint_eq(pop(net, "a")->size, 3);
	ck_assert_uint_eq(net->n_projs, 1);
	ck_assert_int_eq(net->projs[0].rule, RULE_FIXED_INDEGREE);
	ck_assert_uint_eq(net->projs[0].n, 2);
	assert_const(&net->projs[0].weight, 0.2);
	snn_net_free(net);
}
END_TEST

START_TEST(valid_document_markers)
{
	snn_net *net = tu_load("%YAML 1.1\n"
			       "---\n"
			       "populations:\n"
			       "  a: {model: lif, size: 1}\n"
			       "...\n");
	ck_assert_uint_eq(net->n_pops, 1);
	snn_net_free(net);
}
END_TEST

/* ------------------------------------------------------------------ valid: projections */

START_TEST(valid_rules)
{
	snn_net *net = tu_load(
	    "populations:\n"
	    "  a: {model: lif, size: 10}\n"
	    "  b: {model: lif, size: 10}\n"
	    "projections:\n"
	    "  - {from: a, to: b, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: a, to: b, rule: one_to_one, weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: a, to: a, rule: {fixed_probability: 0.1}, autapses: false, "
	    "weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: a, to: a, rule: {fixed_indegree: 9}, autapses: false, "
	    "multapses: false, weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: a, to: b, rule: {fixed_outdegree: 10}, multapses: no, weight: 1 mV, "
	    "delay: 1 ms}\n"
	    "  - {from: a, to: a, rule: {fixed_total_number: 90}, autapses: false, "
	    "multapses: false, weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: a, to: b, rule: {fixed_total_number: 1000}, weight: 1 mV, "
	    "delay: 1 ms}\n"
	    "  - {from: a, to: b, rule: {fixed_probability: 1}, autapses: True, "
	    "multapses: yes, weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: a, to: b, rule: {fixed_indegree: 0}, weight: 1 mV, delay: 1 ms}\n");
	const struct {
		enum conn_rule rule;
		double p;
		uint64_t n;
		bool autapses, multapses;
		uint32_t pre, post;
	} want[] = {
	    {RULE_ALL_TO_ALL, 0, 0, true, true, 0, 1},
	    {RULE_ONE_TO_ONE, 0, 0, true, true, 0, 1},
	    {RULE_FIXED_PROBABILITY, 0.1, 0, false, true, 0, 0},
	    {RULE_FIXED_INDEGREE, 0, 9, false, false, 0, 0},
	    {RULE_FIXED_OUTDEGREE, 0, 10, true, false, 0, 1},
	    {RULE_FIXED_TOTAL_NUMBER, 0, 90, false, false, 0, 0},
	    {RULE_FIXED_TOTAL_NUMBER, 0, 1000, true, true, 0, 1},
	    {RULE_FIXED_PROBABILITY, 1, 0, true, true, 0, 1},
	    {RULE_FIXED_INDEGREE, 0, 0, true, true, 0, 1},
	};
	ck_assert_uint_eq(net->n_projs, N_OF(want));
	for (int i = 0; i < N_OF(want); i++) {
		const struct projection *pr = &net->projs[i];
		ck_assert_int_eq(pr->rule, want[i].rule);
		ck_assert_double_eq_tol(pr->p, want[i].p, TOL);
		ck_assert_uint_eq(pr->n, want[i].n);
		ck_assert_int_eq(pr->autapses, want[i].autapses);
		ck_assert_int_eq(pr->multapses, want[i].multapses);
		assert_range(&pr->pre, want[i].pre, 0, 10);
		assert_range(&pr->post, want[i].post, 0, 10);
		assert_const(&pr->weight, 1.0);
		assert_const(&pr->delay, 1.0);
		assert_where(pr->where, 5 + i, 5);
	}
	snn_net_free(net);
}
END_TEST

/* Without autapses only neurons in both sets lose a partner (as connect.c
 * counts), so sets of one population that do not overlap keep all of theirs. */
START_TEST(valid_rules_disjoint_sets)
{
	snn_net *net = tu_load(
	    "populations:\n"
	    "  a: {model: lif, size: 10}\n"
	    "projections:\n"
	    "  - {from: \"a[0:5]\", to: \"a[5:10]\", rule: {fixed_indegree: 5}, "
	    "autapses: false, multapses: false, weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: \"a[0:5]\", to: \"a[5:10]\", rule: {fixed_outdegree: 5}, "
	    "autapses: false, multapses: false, weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: \"a[0:5]\", to: a, rule: {fixed_total_number: 45}, autapses: false, "
	    "multapses: false, weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: {population: a, ids: [0, 9]}, to: \"a[1:9]\", "
	    "rule: {fixed_total_number: 16}, autapses: false, multapses: false, weight: 1 mV, "
	    "delay: 1 ms}\n"
	    "  - {from: \"a[0:3]\", to: {population: a, ids: [1, 2]}, "
	    "rule: {fixed_total_number: 4}, autapses: false, multapses: false, weight: 1 mV, "
	    "delay: 1 ms}\n");
	ck_assert_uint_eq(net->n_projs, 5);
	ck_assert_uint_eq(net->projs[2].n, 45);
	ck_assert_uint_eq(net->projs[3].n, 16);
	ck_assert_uint_eq(net->projs[4].n, 4);
	snn_net_free(net);
}
END_TEST

START_TEST(valid_lists_expand)
{
	snn_net *net = tu_load("populations:\n"
			       "  a: {model: lif, size: 2}\n"
			       "  b: {model: lif, size: 3}\n"
			       "  c: {model: lif, size: 4}\n"
			       "  d: {model: lif, size: 5}\n"
			       "projections:\n"
			       "  - {from: [a, b], to: [c, d], rule: {fixed_indegree: 2}, "
			       "weight: -0.5 mV, delay: 2 ms}\n");
	/* one projection per (from, to) pair, grouped by target */
	const uint32_t pre[] = {0, 1, 0, 1}, post[] = {2, 2, 3, 3}, size[] = {2, 3, 4, 5};
	ck_assert_uint_eq(net->n_projs, 4);
	for (int i = 0; i < 4; i++) {
		const struct projection *pr = &net->projs[i];
		assert_range(&pr->pre, pre[i], 0, size[pre[i]]);
		assert_range(&pr->post, post[i], 0, size[post[i]]);
		ck_assert_int_eq(pr->rule, RULE_FIXED_INDEGREE);
		ck_assert_uint_eq(pr->n, 2);
		assert_const(&pr->weight, -0.5);
		assert_const(&pr->delay, 2.0);
		assert_where(pr->where, 7, 5);
	}
	snn_net_free(net);
}
END_TEST

START_TEST(valid_neuron_sets)
{
	snn_net *net = tu_load(
	    "populations:\n"
	    "  exc: {model: lif, size: 100}\n"
	    "projections:\n"
	    "  - {from: \"exc[0:10]\", to: \"exc[90:]\", rule: all_to_all, weight: 1 mV, "
	    "delay: 1 ms}\n"
	    "  - {from: \"exc[:3]\", to: {population: exc, ids: [50, 7, 20]}, "
	    "rule: one_to_one, weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: \"exc[:]\", to: [exc], rule: all_to_all, weight: 1 mV, delay: 1 ms}\n");
	ck_assert_uint_eq(net->n_projs, 3);
	assert_range(&net->projs[0].pre, 0, 0, 10);
	assert_range(&net->projs[0].post, 0, 90, 100);
	assert_range(&net->projs[1].pre, 0, 0, 3);
	const struct target_set *ids = &net->projs[1].post;
	ck_assert_uint_eq(ids->pop, 0);
	ck_assert_ptr_nonnull(ids->ids);
	ck_assert_uint_eq(ids->n_ids, 3);
	ck_assert_uint_eq(target_set_size(ids), 3);
	/* ids are kept sorted */
	ck_assert_uint_eq(target_set_at(ids, 0), 7);
	ck_assert_uint_eq(target_set_at(ids, 1), 20);
	ck_assert_uint_eq(target_set_at(ids, 2), 50);
	assert_range(&net->projs[2].pre, 0, 0, 100);
	assert_range(&net->projs[2].post, 0, 0, 100);
	snn_net_free(net);
}
END_TEST

START_TEST(valid_weights_delays)
{
	snn_net *net =
	    tu_load("populations:\n"
		    "  d: {model: lif, size: 10}\n"
		    "  e: {model: lif, synapse: exp, size: 10}\n"
		    "  c: {model: lif_cond, size: 10}\n"
		    "projections:\n"
		    "  - {from: d, to: d, rule: all_to_all, weight: {normal: {mean: 0.1 mV, "
		    "std: 0.01 mV}}, delay: {uniform: {low: 0.1 ms, high: 3 ms}}}\n"
		    "  - {from: d, to: e, rule: all_to_all, weight: 1 nA, delay: 0.06 ms}\n"
		    "  - {from: d, to: c, rule: all_to_all, weight: -2 nS, delay: 3276.7 ms}\n"
		    "  - {from: d, to: d, rule: all_to_all, weight: 0 mV, "
		    "delay: {normal: {mean: 1 ms, std: 0.5 ms}, min: 0.06 ms, max: 3276.7 ms}}\n");
	ck_assert_uint_eq(net->n_projs, 4);
	const struct projection *p = net->projs;
	ck_assert_int_eq(p[0].weight.kind, VALUE_NORMAL);
	ck_assert_double_eq_tol(p[0].weight.a, 0.1, TOL);
	ck_assert_double_eq_tol(p[0].weight.b, 0.01, TOL);
	ck_assert_int_eq(p[0].delay.kind, VALUE_UNIFORM);
	ck_assert_double_eq_tol(p[0].delay.a, 0.1, TOL);
	ck_assert_double_eq_tol(p[0].delay.b, 3.0, TOL);
	assert_const(&p[1].weight, 1000.0);
	/* 0.06 ms rounds to one step of 0.1 ms, 3276.7 ms to the longest delay */
	assert_const(&p[1].delay, 0.06);
	assert_const(&p[2].weight, -2.0);
	assert_const(&p[2].delay, 3276.7);
	ck_assert_int_eq(p[3].delay.kind, VALUE_NORMAL);
	ck_assert_double_eq_tol(p[3].delay.lo, 0.06, TOL);
	ck_assert_double_eq_tol(p[3].delay.hi, 3276.7, TOL);
	snn_net_free(net);
}
END_TEST

/* ------------------------------------------------------------------ valid: stimuli */

START_TEST(valid_stimuli)
{
	snn_net *net = tu_load(
	    "populations:\n"
	    "  exc: {model: lif, size: 10}\n"
	    "  inh: {model: lif_cond, size: 4}\n"
	    "stimuli:\n"
	    "  - {poisson: {rate: 20 kHz}, to: exc, weight: 0.1 mV, delay: 1.5 ms}\n"
	    "  - {poisson: {rate: 5 Hz, start: 100 ms, stop: 0.2 s}, to: inh, weight: 1 nS, "
	    "delay: 1 ms}\n"
	    "  - {dc: {amplitude: 1 nA, start: 10 ms, stop: 20 ms}, to: [\"exc[0:5]\", inh]}\n"
	    "  - {dc: {amplitude: -50 pA}, to: exc}\n"
	    "  - {step: {times: [0 ms, 5 ms, 10 ms], amplitudes: [100 pA, 0 pA, -1 nA]}, "
	    "to: \"exc[2:4]\"}\n");
	ck_assert_uint_eq(net->n_stims, 6);
	const struct stimulus *s = net->stims;
	ck_assert_int_eq(s[0].kind, STIM_POISSON);
	assert_range(&s[0].to, 0, 0, 10);
	ck_assert_double_eq_tol(s[0].rate_hz, 20000.0, TOL);
	ck_assert_double_eq_tol(s[0].weight, 0.1, TOL);
	ck_assert_double_eq_tol(s[0].delay_ms, 1.5, TOL);
	ck_assert_double_eq_tol(s[0].start_ms, 0.0, TOL);
	ck_assert(isinf(s[0].stop_ms));
	assert_where(s[0].where, 5, 5);
	ck_assert_int_eq(s[1].kind, STIM_POISSON);
	assert_range(&s[1].to, 1, 0, 4);
	ck_assert_double_eq_tol(s[1].rate_hz, 5.0, TOL);
	ck_assert_double_eq_tol(s[1].weight, 1.0, TOL);
	ck_assert_double_eq_tol(s[1].start_ms, 100.0, TOL);
	ck_assert_double_eq_tol(s[1].stop_ms, 200.0, TOL);
	/* a list of targets gives one stimulus each */
	for (int i = 2; i < 4; i++) {
		ck_assert_int_eq(s[i].kind, STIM_DC);
		ck_assert_double_eq_tol(s[i].amp_pa, 1000.0, TOL);
		ck_assert_double_eq_tol(s[i].start_ms, 10.0, TOL);
		ck_assert_double_eq_tol(s[i].stop_ms, 20.0, TOL);
		assert_where(s[i].where, 7, 5);
	}
	assert_range(&s[2].to, 0, 0, 5);
	assert_range(&s[3].to, 1, 0, 4);
	ck_assert_int_eq(s[4].kind, STIM_DC);
	ck_assert_double_eq_tol(s[4].amp_pa, -50.0, TOL);
	ck_assert(isinf(s[4].stop_ms));
	ck_assert_int_eq(s[5].kind, STIM_STEP);
	assert_range(&s[5].to, 0, 2, 4);
	ck_assert_uint_eq(s[5].n_steps, 3);
	const double t[] = {0.0, 5.0, 10.0}, amp[] = {100.0, 0.0, -1000.0};
	for (int i = 0; i < 3; i++) {
		ck_assert_double_eq_tol(s[5].times_ms[i], t[i], TOL);
		ck_assert_double_eq_tol(s[5].amps_pa[i], amp[i], TOL);
	}
	/* only spikes stimuli make populations or projections */
	ck_assert_uint_eq(net->n_pops, 2);
	ck_assert_uint_eq(net->n_projs, 0);
	snn_net_free(net);
}
END_TEST

/* A spikes stimulus is a hidden spike_source per target set with an
 * all_to_all projection from its one train. */
START_TEST(valid_spikes_stimulus)
{
	snn_net *net = tu_load("populations:\n"
			       "  exc: {model: lif, size: 10}\n"
			       "  inh: {model: lif, size: 5}\n"
			       "stimuli:\n"
			       "  - {spikes: {times: [2 ms, 1 ms]}, to: [exc, \"inh[1:3]\"], "
			       "weight: 0.5 mV, delay: 1 ms}\n"
			       "record:\n"
			       "  spikes: {}\n");
	ck_assert_uint_eq(net->n_pops, 4);
	ck_assert_uint_eq(net->n_neurons, 17);
	ck_assert_uint_eq(net->n_projs, 2);
	ck_assert_uint_eq(net->n_stims, 0);
	for (uint32_t j = 0; j < 2; j++) {
		const struct population *h = &net->pops[2 + j];
		ck_assert_int_eq(h->name[0], '@');
		ck_assert_int_eq(h->model->id, MODEL_SPIKE_SOURCE);
		ck_assert_uint_eq(h->size, 1);
		ck_assert_uint_eq(h->train_off[1], 2);
		ck_assert_double_eq_tol(h->train_ms[0], 1.0, TOL);
		ck_assert_double_eq_tol(h->train_ms[1], 2.0, TOL);
		const struct projection *pr = &net->projs[j];
		ck_assert_int_eq(pr->rule, RULE_ALL_TO_ALL);
		assert_range(&pr->pre, 2 + j, 0, 1);
		assert_const(&pr->weight, 0.5);
		assert_const(&pr->delay, 1.0);
		assert_where(pr->where, 5, 5);
	}
	ck_assert_uint_eq(net->pops[2].first, 15);
	assert_range(&net->projs[0].post, 0, 0, 10);
	assert_range(&net->projs[1].post, 1, 1, 3);
	/* recording "all" means the populations of the config, not hidden ones */
	ck_assert(net->record_spikes);
	ck_assert_uint_eq(net->spikes.n_sets, 2);
	assert_range(&net->spikes.sets[0], 0, 0, 10);
	assert_range(&net->spikes.sets[1], 1, 0, 5);
	snn_net_free(net);
}
END_TEST

/* ------------------------------------------------------------------ valid: record */

START_TEST(valid_record)
{
	snn_net *net = tu_load("simulation: {dt: 0.25 ms}\n"
			       "populations:\n"
			       "  exc: {model: lif, size: 10}\n"
			       "  inh: {model: lif_cond, size: 5}\n"
			       "record:\n"
			       "  spikes: {populations: [inh, \"exc[0:4]\"], file: out.h5}\n"
			       "  traces:\n"
			       "    - {population: exc, variable: V_m, file: v.h5}\n"
			       "    - {population: {population: inh, ids: [3, 1]}, variable: g_ex, "
			       "interval: 1 ms, file: g.h5}\n");
	ck_assert(net->record_spikes);
	ck_assert_uint_eq(net->spikes.n_sets, 2);
	assert_range(&net->spikes.sets[0], 1, 0, 5);
	assert_range(&net->spikes.sets[1], 0, 0, 4);
	ck_assert_str_eq(net->spikes.file, "out.h5");
	assert_where(net->spikes.where, 6, 11);
	ck_assert_uint_eq(net->n_traces, 2);
	const struct trace_record *t = net->traces;
	assert_range(&t[0].who, 0, 0, 10);
	ck_assert_int_eq(t[0].var, LIF_S_V_M);
	/* the interval defaults to one step */
	ck_assert_double_eq_tol(t[0].interval_ms, 0.25, TOL);
	ck_assert_str_eq(t[0].file, "v.h5");
	assert_where(t[0].where, 8, 7);
	ck_assert_uint_eq(t[1].who.pop, 1);
	ck_assert_uint_eq(t[1].who.n_ids, 2);
	ck_assert_uint_eq(t[1].who.ids[0], 1);
	ck_assert_uint_eq(t[1].who.ids[1], 3);
	ck_assert_int_eq(t[1].var, COND_S_G_EX);
	ck_assert_double_eq_tol(t[1].interval_ms, 1.0, TOL);
	ck_assert_str_eq(t[1].file, "g.h5");
	snn_net_free(net);
}
END_TEST

START_TEST(valid_record_all)
{
	static const char *const configs[] = {
	    "populations:\n"
	    "  exc: {model: lif, size: 10}\n"
	    "  src: {model: poisson_source, size: 3, params: {rate: 1 Hz}}\n"
	    "record:\n"
	    "  spikes: {populations: all}\n",
	    "populations:\n"
	    "  exc: {model: lif, size: 10}\n"
	    "  src: {model: poisson_source, size: 3, params: {rate: 1 Hz}}\n"
	    "record:\n"
	    "  spikes: {}\n",
	};
	for (int i = 0; i < N_OF(configs); i++) {
		snn_net *net = tu_load(configs[i]);
		ck_assert(net->record_spikes);
		ck_assert_ptr_null(net->spikes.file);
		ck_assert_uint_eq(net->spikes.n_sets, 2);
		assert_range(&net->spikes.sets[0], 0, 0, 10);
		assert_range(&net->spikes.sets[1], 1, 0, 3);
		snn_net_free(net);
	}
}
END_TEST

/* ------------------------------------------------------------------ spike files */

/* Spike trains and spikes stimuli read from CSV files, with the paths of a
 * config resolved against its folder. */
START_TEST(valid_spike_files)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir("config_files"));
	write_file(dir, "one.csv", "1.0,0\n0.5,1\n");
	write_file(dir, "two.csv", "time_ms,population,node_id\n1.0,p,0\n2.0,p,1\n1.5,q,1\n");
	snn_net *net = NULL;
	char *diags = NULL;
	int rc = load_in(dir,
			 "populations:\n"
			 "  s: {model: spike_source, size: 2, spikes: {file: one.csv}}\n"
			 "  p: {model: spike_source, size: 2, spikes: {file: two.csv}}\n"
			 "  t: {model: spike_source, size: 3, spikes: {file: two.csv, "
			 "population: q}}\n"
			 "  exc: {model: lif, size: 4}\n"
			 "stimuli:\n"
			 "  - {spikes: {file: one.csv}, to: \"exc[1:3]\", weight: 1 mV, "
			 "delay: 1 ms}\n",
			 &net, &diags);
	ck_assert_str_eq(diags, "");
	free(diags);
	ck_assert_int_eq(rc, SNN_OK);
	const struct population *s = pop(net, "s"), *p = pop(net, "p"), *t = pop(net, "t");
	ck_assert_uint_eq(s->train_off[1], 1);
	ck_assert_uint_eq(s->train_off[2], 2);
	ck_assert_double_eq_tol(s->train_ms[0], 1.0, TOL);
	ck_assert_double_eq_tol(s->train_ms[1], 0.5, TOL);
	/* a file of several populations: the one named like the population */
	ck_assert_uint_eq(p->train_off[2], 2);
	ck_assert_double_eq_tol(p->train_ms[1], 2.0, TOL);
	const uint64_t off[] = {0, 0, 1, 1};
	for (int i = 0; i < 4; i++) {
		ck_assert_uint_eq(t->train_off[i], off[i]);
	}
	ck_assert_double_eq_tol(t->train_ms[0], 1.5, TOL);
	/* from a file: train k drives target k */
	const struct population *h = &net->pops[4];
	ck_assert_int_eq(h->name[0], '@');
	ck_assert_uint_eq(h->size, 2);
	ck_assert_uint_eq(net->n_projs, 1);
	ck_assert_int_eq(net->projs[0].rule, RULE_ONE_TO_ONE);
	assert_range(&net->projs[0].pre, 4, 0, 2);
	assert_range(&net->projs[0].post, 3, 1, 3);
	snn_net_free(net);

	/* snn_config_load resolves against the folder of the config file */
	char path[4200];
	snprintf(path, sizeof(path), "%s/net.yaml", dir);
	write_file(dir, "net.yaml",
		   "populations:\n"
		   "  s: {model: spike_source, size: 2, spikes: {file: one.csv}}\n");
	snn_diag *d = snn_diag_new();
	rc = snn_config_load(path, &net, d);
	ck_assert_int_eq(rc, SNN_OK);
	ck_assert_uint_eq(snn_diag_count(d), 0);
	ck_assert_uint_eq(pop(net, "s")->train_off[2], 2);
	ck_assert_str_eq(net->pops[0].where.file, path);
	snn_net_free(net);
	snn_diag_free(d);
	remove_file(dir, "net.yaml");
	remove_file(dir, "one.csv");
	remove_file(dir, "two.csv");
	rmdir(dir);
}
END_TEST

START_TEST(bad_spike_files)
{
	static const struct {
		const char *what, *yaml, *want;
	} cases[] = {
	    {"a file of two populations, none named",
	     "populations:\n"
	     "  s: {model: spike_source, size: 2, spikes: {file: two.csv}}\n",
	     "test.yaml:2:45: error: spike file 'two.csv' holds 2 populations: name one with "
	     "'population'\n"},
	    {"a population the file does not have",
	     "populations:\n"
	     "  s: {model: spike_source, size: 2, spikes: {file: two.csv, population: r}}\n",
	     "test.yaml:2:45: error: spike file 'two.csv' has no population 'r'\n"},
	    {"a node id beyond the population",
	     "populations:\n"
	     "  s: {model: spike_source, size: 2, spikes: {file: big.csv}}\n",
	     "test.yaml:2:52: error: spike file 'big.csv' has node id 5, but population 's' has 2 "
	     "neurons\n"},
	    {"a node id beyond the targets of a stimulus",
	     "populations:\n"
	     "  a: {model: lif, size: 2}\n"
	     "stimuli:\n"
	     "  - {spikes: {file: big.csv}, to: a, weight: 1 mV, delay: 1 ms}\n",
	     "test.yaml:4:21: error: spike file 'big.csv' has node id 5, but stimulus 1 has 2 "
	     "targets\n"},
	    {"a file that is not a spike file",
	     "populations:\n"
	     "  s: {model: spike_source, size: 2, spikes: {file: bad.csv}}\n",
	     "test.yaml:2:52: error: spike file 'bad.csv': 'abc' is not a spike time in ms\n"},
	    {"a file that is missing",
	     "populations:\n"
	     "  s: {model: spike_source, size: 2, spikes: {file: nothere.csv}}\n",
	     "test.yaml:2:52: error: spike file 'nothere.csv': cannot open: No such file or "
	     "directory\n"},
	    {"an absolute path, not resolved against the folder",
	     "populations:\n"
	     "  s: {model: spike_source, size: 2, spikes: {file: /nonexistent/one.csv}}\n",
	     "test.yaml:2:52: error: spike file '/nonexistent/one.csv': cannot open: No such file "
	     "or directory\n"},
	    {"a spike off the time grid in a file",
	     "populations:\n"
	     "  s: {model: spike_source, size: 2, spikes: {file: grid.csv}}\n",
	     "test.yaml:2:52: error: spike time 1.05 ms of neuron 1 of population 's' is not on "
	     "the time grid (dt = 0.1 ms)\n"},
	    {"two spikes in one step in a stimulus file",
	     "populations:\n"
	     "  a: {model: lif, size: 3}\n"
	     "stimuli:\n"
	     "  - {spikes: {file: twice.csv}, to: a, weight: 1 mV, delay: 1 ms}\n",
	     "test.yaml:4:21: error: train 2 of stimulus 1 has two spikes in the same time step (1 "
	     "ms)\n"},
	};
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir("config_bad_files"));
	write_file(dir, "two.csv", "1.0,p,0\n1.5,q,1\n");
	write_file(dir, "big.csv", "1.0,0\n2.0,5\n");
	write_file(dir, "bad.csv", "1.0,0\nabc,1\n");
	write_file(dir, "grid.csv", "1.0,0\n1.05,1\n");
	write_file(dir, "twice.csv", "1.0,2\n1.0,2\n");
	for (int i = 0; i < N_OF(cases); i++) {
		snn_net *net = NULL;
		char *got = NULL;
		int rc = load_in(dir, cases[i].yaml, &net, &got);
		bool same = strcmp(got, cases[i].want) == 0;
		if (!same) {
			fprintf(stderr, "%s\n--- expected\n%s--- got\n%s", cases[i].what,
				cases[i].want, got);
		}
		free(got);
		ck_assert_msg(same, "wrong diagnostics for: %s", cases[i].what);
		ck_assert_int_ne(rc, SNN_OK);
		ck_assert_ptr_null(net);
	}
	const char *const files[] = {"two.csv", "big.csv", "bad.csv", "grid.csv", "twice.csv"};
	for (int i = 0; i < N_OF(files); i++) {
		remove_file(dir, files[i]);
	}
	rmdir(dir);
}
END_TEST

/* ------------------------------------------------------------------ the API */

START_TEST(api_status_codes)
{
	snn_diag *d = snn_diag_new();
	snn_net dummy;
	snn_net *net = &dummy; /* any value: a failed load must reset it */
	const char *text = "populations: [\n";
	ck_assert_int_eq(snn_config_load_string(text, strlen(text), "test.yaml", NULL, &net, d),
			 SNN_EPARSE);
	ck_assert_ptr_null(net);
	ck_assert_int_eq(snn_diag_first_code(d), SNN_EPARSE);
	snn_diag_clear(d);

	text = "populations:\n  a: {model: lif, size: 0}\n";
	net = &dummy;
	ck_assert_int_eq(snn_config_load_string(text, strlen(text), "test.yaml", NULL, &net, d),
			 SNN_EINVAL);
	ck_assert_ptr_null(net);
	ck_assert_uint_eq(snn_diag_error_count(d), 1);
	snn_diag_clear(d);

	/* the length bounds the text: what follows is never read */
	text = "populations:\n  a: {model: lif, size: 1}\nrubbish: [";
	ck_assert_int_eq(snn_config_load_string(text, strlen(text) - 10, "mem.yaml", NULL, &net, d),
			 SNN_OK);
	ck_assert_ptr_nonnull(net);
	ck_assert_uint_eq(snn_diag_count(d), 0);
	ck_assert_str_eq(net->pops[0].where.file, "mem.yaml");
	snn_net_free(net);

	ck_assert_int_eq(snn_config_load("/nonexistent/net.yaml", &net, d), SNN_EIO);
	ck_assert_ptr_null(net);
	ck_assert_uint_eq(snn_diag_error_count(d), 1);
	snn_diag_free(d);
}
END_TEST

/* ------------------------------------------------------------------ bad input */

static const struct bad bad_doc[] = {
    {"an unclosed flow list", "populations: {a: [\n",
     "test.yaml:2:1: error: malformed YAML: did not find expected node content while parsing a "
     "flow node\n"},
    {"a tab used for indentation",
     "populations:\n"
     "\ta: {model: lif, size: 1}\n",
     "test.yaml:2:1: error: malformed YAML: found character that cannot start any token while "
     "scanning for the next token\n"},
    {"a mapping value where none may start", "populations: a: b\n",
     "test.yaml:1:15: error: malformed YAML: mapping values are not allowed in this context\n"},
    {"an alias to an undefined anchor",
     "populations:\n"
     "  a: *pop\n",
     "test.yaml:2:6: error: malformed YAML: found undefined alias\n"},
    {"an empty file", "",
     "test.yaml: error: the config is empty: it needs at least a 'populations' section\n"},
    {"a file with only a comment", "# nothing here\n",
     "test.yaml: error: the config is empty: it needs at least a 'populations' section\n"},
    {"a scalar at the top", "42\n",
     "test.yaml:1:1: error: the config must be a mapping of keys to values, found a scalar\n"},
    {"a list at the top", "- populations\n",
     "test.yaml:1:1: error: the config must be a mapping of keys to values, found a list\n"},
    {"an unknown top-level key",
     "populations:\n"
     "  a: {model: lif, size: 1}\n"
     "recrod: {}\n",
     "test.yaml:3:1: error: unknown key 'recrod' in the config (did you mean 'record'?); expected "
     "one of: simulation, populations, projections, stimuli, record\n"},
    {"a duplicate top-level key",
     "populations:\n"
     "  a: {model: lif, size: 1}\n"
     "populations:\n"
     "  b: {model: lif, size: 1}\n",
     "test.yaml:3:1: error: duplicate key 'populations' in the config (first given at line 1)\n"},
    {"a key that is not a name",
     "? [simulation]\n"
     ": {dt: 1 ms}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:3: error: keys of the config must be names, found a list\n"},
    {"no populations section", "simulation: {dt: 0.1 ms}\n",
     "test.yaml:1:1: error: the config needs a 'populations' section\n"},
    {"a second YAML document",
     "populations:\n"
     "  a: {model: lif, size: 1}\n"
     "---\n"
     "populations: {}\n",
     "test.yaml:4:1: error: a config holds one YAML document; found a second one\n"},
    {"a malformed second YAML document",
     "populations:\n"
     "  a: {model: lif, size: 1}\n"
     "---\n"
     "populations: [\n",
     "test.yaml:5:1: error: malformed YAML: did not find expected node content while parsing a "
     "flow node\n"},
    {"a second document reported with the errors of the first",
     "populations:\n"
     "  a: {model: lif, size: 0}\n"
     "---\n"
     "x: 1\n",
     "test.yaml:2:25: error: size must be between 1 and 4294967294 (got 0)\n"
     "test.yaml:4:1: error: a config holds one YAML document; found a second one\n"},
};

START_TEST(bad_document)
{
	check_bad(&bad_doc[_i]);
}
END_TEST

static const struct bad bad_sim[] = {
    {"dt without a unit",
     "simulation: {dt: 0.1}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:18: error: dt: missing unit in '0.1': expected a time such as '1.5 ms'\n"},
    {"dt with a voltage unit",
     "simulation: {dt: 0.1 mV}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:18: error: dt: '0.1 mV' is a voltage, expected a time such as '1.5 ms'\n"},
    {"dt with an unknown unit",
     "simulation: {dt: 0.1 fortnight}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:18: error: dt: unknown unit 'fortnight': expected a time such as '1.5 ms'\n"},
    {"dt zero",
     "simulation: {dt: 0 ms}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:18: error: dt must be positive (got 0 ms)\n"},
    {"dt negative",
     "simulation: {dt: -0.1 ms}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:18: error: dt must be positive (got -0.1 ms)\n"},
    {"dt a list",
     "simulation: {dt: [1 ms]}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:18: error: dt: expected a time such as '1.5 ms', found a list\n"},
    {"dt empty",
     "simulation: {dt: }\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:18: error: dt: expected a time such as '1.5 ms', found nothing\n"},
    {"dt not a number",
     "simulation: {dt: fast}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:18: error: dt: expected a time such as '1.5 ms', found 'fast'\n"},
    {"duration negative",
     "simulation: {dt: 0.1 ms, duration: -5 ms}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:36: error: duration must be positive (got -5 ms)\n"},
    {"duration zero",
     "simulation: {duration: 0 s}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:24: error: duration must be positive (got 0 ms)\n"},
    {"duration not a multiple of dt",
     "simulation: {dt: 0.1 ms, duration: 10.05 ms}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:36: error: duration 10.05 ms is not a whole number of time steps (dt = 0.1 "
     "ms)\n"},
    {"a coarse dt: the duration and the default t_ref off its grid",
     "simulation: {dt: 0.3 ms, duration: 1 s}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:36: error: duration 1000 ms is not a whole number of time steps (dt = 0.3 ms)\n"
     "test.yaml:3:6: error: t_ref 2 ms is not a whole number of time steps (dt = 0.3 ms)\n"},
    {"duration without a unit",
     "simulation: {duration: 1000}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:24: error: duration: missing unit in '1000': expected a time such as '1.5 ms'\n"},
    {"seed negative",
     "simulation: {seed: -1}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:20: error: seed must be a whole number, found '-1'\n"},
    {"seed beyond 64 bits",
     "simulation: {seed: 99999999999999999999999}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:20: error: seed must be between 0 and 18446744073709551615 (got "
     "99999999999999999999999)\n"},
    {"seed not whole",
     "simulation: {seed: 1.5}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:20: error: seed must be a whole number, found '1.5'\n"},
    {"threads zero",
     "simulation: {threads: 0}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:23: error: threads must be between 1 and 4096 (got 0)\n"},
    {"threads too many",
     "simulation: {threads: 5000}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:23: error: threads must be between 1 and 4096 (got 5000)\n"},
    {"threads a list",
     "simulation: {threads: [1]}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:23: error: threads must be a whole number, found a list\n"},
    {"engine unknown",
     "simulation: {engine: gpu}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:22: error: unknown engine 'gpu'; expected grid (the time grid) or event (exact, "
     "event-driven)\n"},
    {"scale not positive",
     "simulation: {scale: 0}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:21: error: scale must be positive and at most 1e6 (got 0)\n"},
    {"scale that needs a probability above one",
     "simulation: {scale: 0.01}\n"
     "populations:\n"
     "  a: {model: lif, size: 1000}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_probability: 0.02}, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:5:48: error: at scale 0.01, fixed_probability 0.02 would become 2 (p / scale) to "
     "keep the in-degree; use a larger scale\n"},
    {"backend unknown",
     "simulation: {backend: tpu}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:23: error: unknown backend 'tpu'; expected cpu or cuda\n"},
    {"engine a list",
     "simulation: {engine: [cpu]}\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:22: error: engine must be a name or text, found a list\n"},
    {"simulation not a mapping",
     "simulation: 5\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:1:13: error: the simulation section must be a mapping of keys to values, found a "
     "scalar\n"},
    {"simulation unknown key with a suggestion",
     "simulation: {dtt: 1 ms}\n"
     "populations:\n"
     "  a: {model: lif, size: 0}\n",
     "test.yaml:1:14: error: unknown key 'dtt' in the simulation section (did you mean 'dt'?); "
     "expected one of: dt, duration, seed, threads, engine, backend, scale\n"},
    {"dt given three times: each copy once, against the first",
     "simulation:\n"
     "  dt: 0.1 ms\n"
     "  dt: 0.2 ms\n"
     "  dt: 0.3 ms\n"
     "populations:\n"
     "  a: {model: lif, size: 1}\n",
     "test.yaml:3:3: error: duplicate key 'dt' in the simulation section (first given at line 2)\n"
     "test.yaml:4:3: error: duplicate key 'dt' in the simulation section (first given at line "
     "2)\n"},
    {"a bad dt stops before knock-on errors",
     "simulation: {dt: 1}\n"
     "populations:\n"
     "  a: {model: lif, size: 0}\n",
     "test.yaml:1:18: error: dt: missing unit in '1': expected a time such as '1.5 ms'\n"},
    {"a bad seed does not hide later errors",
     "simulation:\n"
     "  seed: x\n"
     "populations:\n"
     "  a: {model: lif, size: 0}\n",
     "test.yaml:2:9: error: seed must be a whole number, found 'x'\n"
     "test.yaml:4:25: error: size must be between 1 and 4294967294 (got 0)\n"},
};

START_TEST(bad_simulation)
{
	check_bad(&bad_sim[_i]);
}
END_TEST

static const struct bad bad_pop[] = {
    {"populations a list", "populations: [a, b]\n",
     "test.yaml:1:14: error: populations must be a mapping of names to populations, found a "
     "list\n"},
    {"populations empty", "populations:\n",
     "test.yaml:1:13: error: populations must be a mapping of names to populations, found "
     "nothing\n"},
    {"populations an empty mapping", "populations: {}\n",
     "test.yaml:1:14: error: populations is empty: define at least one population\n"},
    {"a name starting with a digit",
     "populations:\n"
     "  1abc: {model: lif, size: 1}\n",
     "test.yaml:2:3: error: population name '1abc' must start with a letter or '_' and hold only "
     "letters, digits, '_', '.' and '-'\n"},
    {"a name with a blank",
     "populations:\n"
     "  \"a b\": {model: lif, size: 1}\n",
     "test.yaml:2:3: error: population name 'a b' must start with a letter or '_' and hold only "
     "letters, digits, '_', '.' and '-'\n"},
    {"a name starting with @",
     "populations:\n"
     "  \"@x\": {model: lif, size: 1}\n",
     "test.yaml:2:3: error: population name '@x' must start with a letter or '_' and hold only "
     "letters, digits, '_', '.' and '-'\n"},
    {"a name that is a list",
     "populations:\n"
     "  ? [a]\n"
     "  : {model: lif, size: 1}\n",
     "test.yaml:2:5: error: population names must be text, found a list\n"},
    {"a population defined twice",
     "populations:\n"
     "  a: {model: lif, size: 1}\n"
     "  a: {model: lif, size: 2}\n",
     "test.yaml:3:3: error: population 'a' is defined twice\n"},
    {"a population defined twice, the first one bad",
     "populations:\n"
     "  a: {model: lif, size: 0}\n"
     "  a: {model: lif, size: 2}\n",
     "test.yaml:2:25: error: size must be between 1 and 4294967294 (got 0)\n"
     "test.yaml:3:3: error: population 'a' is defined twice\n"},
    {"a population that is not a mapping",
     "populations:\n"
     "  a: 5\n",
     "test.yaml:2:6: error: population 'a' must be a mapping of keys to values, found a scalar\n"},
    {"no model",
     "populations:\n"
     "  a: {size: 1}\n",
     "test.yaml:2:6: error: population 'a' needs a 'model'\n"},
    {"no size",
     "populations:\n"
     "  a: {model: lif}\n",
     "test.yaml:2:6: error: population 'a' needs a 'size'\n"},
    {"size zero",
     "populations:\n"
     "  a: {model: lif, size: 0}\n",
     "test.yaml:2:25: error: size must be between 1 and 4294967294 (got 0)\n"},
    {"size beyond 32 bits",
     "populations:\n"
     "  a: {model: lif, size: 4294967295}\n",
     "test.yaml:2:25: error: size must be between 1 and 4294967294 (got 4294967295)\n"},
    {"size not a number",
     "populations:\n"
     "  a: {model: lif, size: ten}\n",
     "test.yaml:2:25: error: size must be a whole number, found 'ten'\n"},
    {"size not whole",
     "populations:\n"
     "  a: {model: lif, size: 1.5}\n",
     "test.yaml:2:25: error: size must be a whole number, found '1.5'\n"},
    {"size with a sign",
     "populations:\n"
     "  a: {model: lif, size: +3}\n",
     "test.yaml:2:25: error: size must be a whole number, found '+3'\n"},
    {"model unknown",
     "populations:\n"
     "  a: {model: izhikevich, size: 1}\n",
     "test.yaml:2:14: error: unknown model 'izhikevich'; expected one of: lif, lif_cond, "
     "spike_source, poisson_source, loihi_lif\n"},
    {"model a list",
     "populations:\n"
     "  a: {model: [lif], size: 1}\n",
     "test.yaml:2:14: error: model must be a name or text, found a list\n"},
    {"synapse unknown for lif",
     "populations:\n"
     "  a: {model: lif, synapse: alpha, size: 1}\n",
     "test.yaml:2:28: error: model 'lif' has no synapse kind 'alpha'; expected 'delta' or 'exp'\n"},
    {"synapse for a model without a choice",
     "populations:\n"
     "  a: {model: lif_cond, synapse: exp, size: 1}\n",
     "test.yaml:2:33: error: model 'lif_cond' has no synapse kind 'exp'\n"},
    {"synapse a list",
     "populations:\n"
     "  a: {model: lif, synapse: [exp], size: 1}\n",
     "test.yaml:2:28: error: synapse must be a name or text, found a list\n"},
    {"an unknown key with a suggestion",
     "populations:\n"
     "  a: {model: lif, size: 1, parms: {}}\n",
     "test.yaml:2:28: error: unknown key 'parms' in population 'a' (did you mean 'params'?); "
     "expected one of: model, size, synapse, params, init, spikes\n"},
    {"an unknown key without a suggestion",
     "populations:\n"
     "  a: {model: lif, size: 1, colour: red}\n",
     "test.yaml:2:28: error: unknown key 'colour' in population 'a'; expected one of: model, size, "
     "synapse, params, init, spikes\n"},
    {"an unknown key too long for a suggestion",
     "populations:\n"
     "  a: {model: lif, size: 1, a_key_that_is_much_longer_than_forty_characters: 1}\n",
     "test.yaml:2:28: error: unknown key 'a_key_that_is_much_longer_than_forty_characters' in "
     "population 'a'; expected one of: model, size, synapse, params, init, spikes\n"},
    {"spikes on a lif population",
     "populations:\n"
     "  a: {model: lif, size: 1, spikes: {times: [1 ms]}}\n",
     "test.yaml:2:28: error: 'spikes' only applies to populations of model spike_source\n"},
    {"more neurons than a network can number",
     "populations:\n"
     "  a: {model: lif, size: 4294967294}\n"
     "  b: {model: lif, size: 4294967294}\n",
     "test.yaml:3:3: error: the network has more than 4294967294 neurons\n"},
    {"no population left to name",
     "populations:\n"
     "  a: {model: lif, size: 0}\n"
     "projections:\n"
     "  - {from: b, to: b, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:2:25: error: size must be between 1 and 4294967294 (got 0)\n"
     "test.yaml:4:12: error: unknown population 'b'; the config defines: none\n"
     "test.yaml:4:19: error: unknown population 'b'; the config defines: none\n"},
    {"references to a dropped population are not reported again",
     "populations:\n"
     "  a: {model: lif, size: 0}\n"
     "  b: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: b, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n"
     "  - {from: \"a[0:2]\", to: {population: a, ids: [1]}, rule: all_to_all, weight: 1 mV, "
     "delay: 1 ms}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 pA}, to: a}\n"
     "record:\n"
     "  spikes: {populations: [a, b]}\n"
     "  traces: [{population: a, variable: V_m, file: v.h5}]\n",
     "test.yaml:2:25: error: size must be between 1 and 4294967294 (got 0)\n"},
};

START_TEST(bad_population)
{
	check_bad(&bad_pop[_i]);
}
END_TEST

static const struct bad bad_params[] = {
    {"an unknown parameter with a suggestion",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau: 10 ms}}\n",
     "test.yaml:2:37: error: unknown key 'tau' in the parameters of population 'a' (model lif, "
     "synapse delta) (did you mean 'tau_m'?); expected one of: C_m, tau_m, E_L, V_th, V_reset, "
     "t_ref, I_e, V_min\n"},
    {"tau_syn_ex on delta synapses",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_syn_ex: 1 ms}}\n",
     "test.yaml:2:37: error: unknown key 'tau_syn_ex' in the parameters of population 'a' (model "
     "lif, synapse delta); expected one of: C_m, tau_m, E_L, V_th, V_reset, t_ref, I_e, V_min\n"},
    {"V_min on exp synapses",
     "populations:\n"
     "  a: {model: lif, synapse: exp, size: 1, params: {V_min: -80 mV}}\n",
     "test.yaml:2:51: error: unknown key 'V_min' in the parameters of population 'a' (model lif, "
     "synapse exp); expected one of: C_m, tau_m, E_L, V_th, V_reset, t_ref, I_e, tau_syn_ex, "
     "tau_syn_in\n"},
    {"params a list",
     "populations:\n"
     "  a: {model: lif, size: 1, params: [1]}\n",
     "test.yaml:2:36: error: the parameters of population 'a' (model lif, synapse delta) must be a "
     "mapping of keys to values, found a list\n"},
    {"a parameter with a wrong unit",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {C_m: 250 pA}}\n",
     "test.yaml:2:42: error: C_m: '250 pA' is a current, expected a capacitance such as '250 "
     "pF'\n"},
    {"tau_m negative",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: -3 ms}}\n",
     "test.yaml:2:44: error: tau_m must be positive (got -3 ms)\n"},
    {"C_m zero",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {C_m: 0 pF}}\n",
     "test.yaml:2:42: error: C_m must be positive (got 0 pF)\n"},
    {"t_ref negative",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {t_ref: -1 ms}}\n",
     "test.yaml:2:44: error: t_ref must not be negative (got -1 ms)\n"},
    {"V_reset above V_th",
     "populations:\n"
     "  a:\n"
     "    model: lif\n"
     "    size: 1\n"
     "    params:\n"
     "      V_th: -55 mV\n"
     "      V_reset: -50 mV\n",
     "test.yaml:7:16: error: V_reset (-50 mV) must be below V_th (-55 mV) in population 'a'\n"},
    {"V_reset equal to V_th",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {V_th: -60 mV, V_reset: -60 mV}}\n",
     "test.yaml:2:60: error: V_reset (-60 mV) must be below V_th (-60 mV) in population 'a'\n"},
    {"V_th below the default V_reset",
     "populations:\n"
     "  a:\n"
     "    model: lif\n"
     "    size: 1\n"
     "    params:\n"
     "      V_th: -75 mV\n",
     "test.yaml:6:13: error: V_reset (-70 mV) must be below V_th (-75 mV) in population 'a'\n"},
    {"t_ref not a multiple of dt",
     "simulation: {dt: 0.1 ms}\n"
     "populations:\n"
     "  a:\n"
     "    model: lif\n"
     "    size: 1\n"
     "    params:\n"
     "      t_ref: 0.25 ms\n",
     "test.yaml:7:14: error: t_ref 0.25 ms is not a whole number of time steps (dt = 0.1 ms)\n"},
    {"the default t_ref not a multiple of dt",
     "simulation: {dt: 0.3 ms, duration: 300 ms}\n"
     "populations:\n"
     "  a: {model: lif, synapse: exp, size: 1}\n",
     "test.yaml:3:6: error: t_ref 2 ms is not a whole number of time steps (dt = 0.3 ms)\n"},
    {"V_reset above V_th in lif_cond",
     "populations:\n"
     "  a:\n"
     "    model: lif_cond\n"
     "    size: 1\n"
     "    params:\n"
     "      V_th: -55 mV\n"
     "      V_reset: -50 mV\n",
     "test.yaml:7:16: error: V_reset (-50 mV) must be below V_th (-55 mV) in population 'a'\n"},
    {"t_ref not a multiple of dt in lif_cond",
     "populations:\n"
     "  a:\n"
     "    model: lif_cond\n"
     "    size: 1\n"
     "    params:\n"
     "      t_ref: 0.25 ms\n",
     "test.yaml:6:14: error: t_ref 0.25 ms is not a whole number of time steps (dt = 0.1 ms)\n"},
    {"g_L zero",
     "populations:\n"
     "  a: {model: lif_cond, size: 1, params: {g_L: 0 nS}}\n",
     "test.yaml:2:47: error: g_L must be positive (got 0 nS)\n"},
    {"a bad V_reset gives no knock-on error",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {V_th: -80 mV, V_reset: -90}}\n",
     "test.yaml:2:60: error: V_reset: missing unit in '-90': expected a voltage such as '-65 "
     "mV'\n"},
    {"params for a spike_source",
     "populations:\n"
     "  a: {model: spike_source, size: 1, params: {rate: 1 Hz}, spikes: {times: []}}\n",
     "test.yaml:2:45: error: model 'spike_source' has no parameters\n"},
    {"init for a spike_source",
     "populations:\n"
     "  a: {model: spike_source, size: 1, init: {V_m: 1 mV}, spikes: {times: []}}\n",
     "test.yaml:2:43: error: model 'spike_source' has no state to initialize\n"},
    {"a poisson_source without params",
     "populations:\n"
     "  a: {model: poisson_source, size: 1}\n",
     "test.yaml:2:6: error: population 'a' (poisson_source) needs a 'rate' in its params\n"},
    {"a poisson_source without a rate",
     "populations:\n"
     "  a: {model: poisson_source, size: 1, params: {start: 1 ms}}\n",
     "test.yaml:2:47: error: population 'a' (poisson_source) needs a 'rate' in its params\n"},
    {"a poisson_source with a misspelt rate",
     "populations:\n"
     "  a: {model: poisson_source, size: 1, params: {rat: 1 Hz}}\n",
     "test.yaml:2:48: error: unknown key 'rat' in the parameters of population 'a' (model "
     "poisson_source) (did you mean 'rate'?); expected one of: rate, start, stop\n"},
    {"a negative rate",
     "populations:\n"
     "  a: {model: poisson_source, size: 1, params: {rate: -1 Hz}}\n",
     "test.yaml:2:54: error: rate must not be negative (got -1 Hz)\n"},
    {"a rate with a time unit",
     "populations:\n"
     "  a: {model: poisson_source, size: 1, params: {rate: 1 ms}}\n",
     "test.yaml:2:54: error: rate: '1 ms' is a time, expected a rate such as '8 Hz'\n"},
    {"init for a poisson_source",
     "populations:\n"
     "  a: {model: poisson_source, size: 1, params: {rate: 1 Hz}, init: {V_m: 0 mV}}\n",
     "test.yaml:2:67: error: model 'poisson_source' has no state to initialize\n"},
    {"an unknown init variable with a suggestion",
     "populations:\n"
     "  a: {model: lif, size: 1, init: {V: 0 mV}}\n",
     "test.yaml:2:35: error: unknown key 'V' in the initial state of population 'a' (did you mean "
     "'V_m'?); expected one of: V_m\n"},
    {"I_syn_ex init on delta synapses",
     "populations:\n"
     "  a: {model: lif, size: 1, init: {I_syn_ex: 0 pA}}\n",
     "test.yaml:2:35: error: unknown key 'I_syn_ex' in the initial state of population 'a'; "
     "expected one of: V_m\n"},
    {"an init value with a wrong unit",
     "populations:\n"
     "  a: {model: lif, size: 1, init: {V_m: 0 pA}}\n",
     "test.yaml:2:40: error: V_m: '0 pA' is a current, expected a voltage such as '-65 mV'\n"},
    {"init a list",
     "populations:\n"
     "  a: {model: lif, size: 1, init: [V_m]}\n",
     "test.yaml:2:34: error: the initial state of population 'a' must be a mapping of keys to "
     "values, found a list\n"},
};

START_TEST(bad_parameters)
{
	check_bad(&bad_params[_i]);
}
END_TEST

static const struct bad bad_dist[] = {
    {"two distributions",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {normal: {mean: 10 ms, std: 1 ms}, "
     "uniform: {low: 1 ms, high: 2 ms}}}}\n",
     "test.yaml:2:44: error: tau_m must name one distribution (normal, lognormal or uniform), "
     "found 2\n"},
    {"no distribution",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {min: 1 ms}}}\n",
     "test.yaml:2:44: error: tau_m must name one distribution (normal, lognormal or uniform), "
     "found 0\n"},
    {"an unknown distribution with a suggestion",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {norml: {mean: 10 ms, std: 1 ms}}}}\n",
     "test.yaml:2:45: error: unknown key 'norml' in the distribution of tau_m (did you mean "
     "'normal'?); expected one of: normal, lognormal, uniform, min, max, bound\n"},
    {"an unknown distribution without a suggestion",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {gauss: {mean: 10 ms, std: 1 ms}}}}\n",
     "test.yaml:2:45: error: unknown key 'gauss' in the distribution of tau_m; expected one of: "
     "normal, lognormal, uniform, min, max, bound\n"},
    {"normal without std",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {normal: {mean: 10 ms}}}}\n",
     "test.yaml:2:53: error: the normal distribution of tau_m needs a 'std'\n"},
    {"normal with a negative std",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {normal: {mean: 10 ms, std: -1 ms}}}}\n",
     "test.yaml:2:72: error: std of tau_m must not be negative (got -1 ms)\n"},
    {"normal with a misspelt key",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {normal: {mean: 10 ms, sd: 1 ms}}}}\n",
     "test.yaml:2:67: error: unknown key 'sd' in the normal distribution of tau_m (did you mean "
     "'std'?); expected one of: mean, std\n"},
    {"normal with a wrong unit",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {normal: {mean: 10 mV, std: 1 ms}}}}\n",
     "test.yaml:2:60: error: tau_m mean: '10 mV' is a voltage, expected a time such as '1.5 ms'\n"},
    {"normal as a list",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {normal: [1, 2]}}}\n",
     "test.yaml:2:53: error: the normal distribution of tau_m must be a mapping of keys to values, "
     "found a list\n"},
    {"lognormal with a zero mean",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {lognormal: {mean: 0 ms, std: 1 ms}}}}\n",
     "test.yaml:2:63: error: the mean of a lognormal tau_m must not be zero\n"},
    {"lognormal with a negative std",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {lognormal: {mean: 1 ms, std: -1 ms}}}}\n",
     "test.yaml:2:74: error: std of tau_m must not be negative (got -1 ms)\n"},
    {"lognormal without a mean",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {lognormal: {std: 1 ms}}}}\n",
     "test.yaml:2:56: error: the lognormal distribution of tau_m needs a 'mean'\n"},
    {"lognormal as a list",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {lognormal: [1 ms]}}}\n",
     "test.yaml:2:56: error: the lognormal distribution of tau_m must be a mapping of keys to "
     "values, found a list\n"},
    {"uniform with high below low",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {uniform: {low: 5 ms, high: 2 ms}}}}\n",
     "test.yaml:2:72: error: high must be above low in tau_m (got low 5, high 2 ms)\n"},
    {"uniform with high equal to low",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {I_e: {uniform: {low: 5 pA, high: 5 pA}}}}\n",
     "test.yaml:2:70: error: high must be above low in I_e (got low 5, high 5 pA)\n"},
    {"uniform without high",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {uniform: {low: 5 ms}}}}\n",
     "test.yaml:2:54: error: the uniform distribution of tau_m needs a 'high'\n"},
    {"uniform as a scalar",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {uniform: 5 ms}}}\n",
     "test.yaml:2:54: error: the uniform distribution of tau_m must be a mapping of keys to "
     "values, found a scalar\n"},
    {"an unknown bound",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {normal: {mean: 10 ms, std: 1 ms}, "
     "min: 1 ms, bound: wrap}}}\n",
     "test.yaml:2:97: error: bound must be 'redraw' or 'clip', found 'wrap'\n"},
    {"bound a list",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {normal: {mean: 10 ms, std: 1 ms}, "
     "min: 1 ms, bound: [clip]}}}\n",
     "test.yaml:2:97: error: bound must be a name or text, found a list\n"},
    {"max below min",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {normal: {mean: 10 ms, std: 1 ms}, "
     "min: 5 ms, max: 2 ms}}}\n",
     "test.yaml:2:44: error: max must be above min in tau_m (got min 5, max 2 ms)\n"},
    {"min without a unit",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {normal: {mean: 10 ms, std: 1 ms}, "
     "min: 5}}}\n",
     "test.yaml:2:84: error: tau_m min: missing unit in '5': expected a time such as '1.5 ms'\n"},
    {"max with a wrong unit",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {V_th: {normal: {mean: -50 mV, std: 1 mV}, "
     "max: 5 ms}}}\n",
     "test.yaml:2:84: error: V_th max: '5 ms' is a time, expected a voltage such as '-65 mV'\n"},
    {"two errors in one distribution",
     "populations:\n"
     "  a: {model: lif, size: 1, params: {tau_m: {normal: {mean: 10, std: 1}}}}\n",
     "test.yaml:2:60: error: tau_m mean: missing unit in '10': expected a time such as '1.5 ms'\n"
     "test.yaml:2:69: error: tau_m std: missing unit in '1': expected a time such as '1.5 ms'\n"},
};

START_TEST(bad_distribution)
{
	check_bad(&bad_dist[_i]);
}
END_TEST

static const struct bad bad_sets[] = {
    {"an unknown population",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "  b: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: c, to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:5:12: error: unknown population 'c'; the config defines: a, b\n"},
    {"a range that is not numbers",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: \"a[1:x]\", to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:12: error: from: expected a range such as 'a[0:100]', found 'a[1:x]'\n"},
    {"an empty range and a range beyond the population",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: \"a[5:5]\", to: \"a[0:11]\", rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:12: error: from: the range [5:5] is empty or beyond the 10 neurons of 'a'\n"
     "test.yaml:4:26: error: to: the range [0:11] is empty or beyond the 10 neurons of 'a'\n"},
    {"a reversed range",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: \"a[6:2]\", to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:12: error: from: the range [6:2] is empty or beyond the 10 neurons of 'a'\n"},
    {"a range without a name",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: \"[0:5]\", to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:12: error: from: expected a population name, optionally with a range such as "
     "'exc[0:100]', found '[0:5]'\n"},
    {"a range with a negative bound",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: \"a[-1:5]\", to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:12: error: from: expected a range such as 'a[0:100]', found 'a[-1:5]'\n"},
    {"a range without a colon",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: \"a[3]\", to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:12: error: from: expected a range such as 'a[0:100]', found 'a[3]'\n"},
    {"a range with text after it",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: \"a[0:5]x\", to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:12: error: from: expected a range such as 'a[0:100]', found 'a[0:5]x'\n"},
    {"a range of an unknown population",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: \"b[0:5]\", to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:12: error: unknown population 'b'; the config defines: a\n"},
    {"a set that is a list inside a list",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: [[a]], to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:13: error: from must be a name or text, found a list\n"},
    {"an id listed twice",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: {population: a, ids: [1, 3, 1]}, to: a, rule: all_to_all, weight: 1 mV, "
     "delay: 1 ms}\n",
     "test.yaml:4:33: error: neuron 1 is listed twice in ids\n"},
    {"ids beyond the population and not numbers",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: {population: a, ids: [1, 10, x]}, to: a, rule: all_to_all, weight: 1 mV, "
     "delay: 1 ms}\n",
     "test.yaml:4:37: error: a neuron index must be between 0 and 9 (got 10)\n"
     "test.yaml:4:41: error: a neuron index must be a whole number, found 'x'\n"},
    {"ids empty",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: {population: a, ids: []}, to: a, rule: all_to_all, weight: 1 mV, "
     "delay: 1 ms}\n",
     "test.yaml:4:33: error: ids must be a non-empty list of neuron indices, found an empty "
     "list\n"},
    {"ids a scalar",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: {population: a, ids: 3}, to: a, rule: all_to_all, weight: 1 mV, "
     "delay: 1 ms}\n",
     "test.yaml:4:33: error: ids must be a non-empty list of neuron indices, found a scalar\n"},
    {"ids of an unknown population",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: {population: z, ids: [1]}, to: a, rule: all_to_all, weight: 1 mV, "
     "delay: 1 ms}\n",
     "test.yaml:4:25: error: unknown population 'z'; the config defines: a\n"},
    {"a neuron set with an unknown key",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: {pop: a, ids: [1]}, to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:13: error: unknown key 'pop' in the neuron set of from; expected one of: "
     "population, ids\n"
     "test.yaml:4:12: error: the neuron set of from needs a 'population'\n"},
    {"a neuron set without ids",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: {population: a}, to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:12: error: the neuron set of from needs a 'ids'\n"},
    {"an empty list of targets",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: [], rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:19: error: to must name at least one population\n"},
    {"every bad set of a list is reported",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: [x, a, y], to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:13: error: unknown population 'x'; the config defines: a\n"
     "test.yaml:4:19: error: unknown population 'y'; the config defines: a\n"},
};

START_TEST(bad_neuron_set)
{
	check_bad(&bad_sets[_i]);
}
END_TEST

static const struct bad bad_proj[] = {
    {"projections a mapping",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections: {from: a}\n",
     "test.yaml:3:14: error: projections must be a list, found a mapping\n"},
    {"a projection that is not a mapping",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections: [5]\n",
     "test.yaml:3:15: error: projection 1 must be a mapping of keys to values, found a scalar\n"},
    {"an unknown key with a suggestion",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weigth: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:40: error: unknown key 'weigth' in projection 1 (did you mean 'weight'?); "
     "expected one of: from, to, rule, weight, delay, autapses, multapses\n"},
    {"a duplicate key",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 mV, weight: 2 mV, delay: 1 ms}\n",
     "test.yaml:4:54: error: duplicate key 'weight' in projection 1 (first given at line 4)\n"},
    {"no to and no rule",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a}\n",
     "test.yaml:4:5: error: projection 1 needs a 'to'\n"
     "test.yaml:4:5: error: projection 1 needs a 'rule'\n"},
    {"no from",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:5: error: projection 1 needs a 'from'\n"},
    {"no weight and no delay",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all}\n",
     "test.yaml:4:5: error: projection 1 needs a 'weight'\n"
     "test.yaml:4:5: error: projection 1 needs a 'delay'\n"},
    {"onto a poisson_source",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "  s: {model: poisson_source, size: 10, params: {rate: 5 Hz}}\n"
     "projections:\n"
     "  - {from: a, to: s, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:5:19: error: population 's' (poisson_source) cannot receive synapses\n"},
    {"onto a spike_source in a list",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "  s: {model: spike_source, size: 1, spikes: {times: [1 ms]}}\n"
     "projections:\n"
     "  - {from: a, to: [a, s], rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:5:19: error: population 's' (spike_source) cannot receive synapses\n"},
    {"autapses and multapses not booleans",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, autapses: maybe, multapses: [x], weight: 1 mV, "
     "delay: 1 ms}\n",
     "test.yaml:4:50: error: autapses must be true or false, found 'maybe'\n"
     "test.yaml:4:68: error: multapses must be true or false, found a list\n"},
    {"the second of two projections",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 mV}\n",
     "test.yaml:5:5: error: projection 2 needs a 'delay'\n"},
};

START_TEST(bad_projection)
{
	check_bad(&bad_proj[_i]);
}
END_TEST

static const struct bad bad_rules[] = {
    {"an unknown rule with a suggestion",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_al, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:28: error: unknown connection rule 'all_to_al' (did you mean 'all_to_all'?); "
     "expected all_to_all, one_to_one, {fixed_probability: p}, {fixed_indegree: K}, "
     "{fixed_outdegree: K} or {fixed_total_number: N}\n"},
    {"an unknown rule without a suggestion",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: random, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:28: error: unknown connection rule 'random'; expected all_to_all, one_to_one, "
     "{fixed_probability: p}, {fixed_indegree: K}, {fixed_outdegree: K} or {fixed_total_number: "
     "N}\n"},
    {"a rule that needs a number",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: fixed_indegree, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:28: error: rule fixed_indegree needs a number: write {fixed_indegree: ...}\n"},
    {"fixed_probability without its number",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: fixed_probability, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:28: error: rule fixed_probability needs a number: write {fixed_probability: "
     "...}\n"},
    {"an unknown rule in a mapping",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_indegre: 3}, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:29: error: unknown key 'fixed_indegre' in the connection rule (did you mean "
     "'fixed_indegree'?); expected one of: fixed_probability, fixed_indegree, fixed_outdegree, "
     "fixed_total_number\n"},
    {"all_to_all written as a mapping",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {all_to_all: 1}, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:29: error: rule all_to_all takes no number: write all_to_all\n"},
    {"two rules",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_indegree: 3, fixed_outdegree: 3}, weight: 1 mV, "
     "delay: 1 ms}\n",
     "test.yaml:4:28: error: the connection rule must name exactly one rule\n"},
    {"an empty rule",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {}, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:28: error: the connection rule must name exactly one rule\n"},
    {"a rule that is a list",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: [all_to_all], weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:28: error: the connection rule must be a name or a mapping: expected all_to_all, "
     "one_to_one, {fixed_probability: p}, {fixed_indegree: K}, {fixed_outdegree: K} or "
     "{fixed_total_number: N}, found a list\n"},
    {"a rule left empty",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - from: a\n"
     "    to: a\n"
     "    rule:\n"
     "    weight: 1 mV\n"
     "    delay: 1 ms\n",
     "test.yaml:6:10: error: the connection rule must be a name or a mapping: expected all_to_all, "
     "one_to_one, {fixed_probability: p}, {fixed_indegree: K}, {fixed_outdegree: K} or "
     "{fixed_total_number: N}, found nothing\n"},
    {"one_to_one written as a mapping",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {one_to_one: true}, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:29: error: rule one_to_one takes no number: write one_to_one\n"},
    {"a probability above 1",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_probability: 1.5}, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:48: error: fixed_probability must be between 0 and 1 (got 1.5)\n"},
    {"a negative probability",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_probability: -0.1}, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:48: error: fixed_probability must be between 0 and 1 (got -0.1)\n"},
    {"a probability with a unit",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_probability: 0.5 Hz}, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:48: error: fixed_probability: expected a plain number without a unit, found '0.5 "
     "Hz'\n"},
    {"an indegree that is not a number",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_indegree: many}, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:45: error: fixed_indegree must be a whole number, found 'many'\n"},
    {"an indegree beyond 32 bits",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_indegree: 5000000000}, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:45: error: fixed_indegree must be between 0 and 4294967295 (got 5000000000)\n"},
    {"a negative outdegree",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_outdegree: -1}, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:46: error: fixed_outdegree must be a whole number, found '-1'\n"},
    {"fixed_indegree larger than the sources without autapses and multapses",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_indegree: 10}, autapses: false, multapses: false, "
     "weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:28: error: fixed_indegree 10 without multapses needs at least 10 sources, but "
     "'a' offers 9\n"},
    {"fixed_indegree larger than the sources of another population",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "  b: {model: lif, size: 5}\n"
     "projections:\n"
     "  - {from: b, to: a, rule: {fixed_indegree: 6}, multapses: false, weight: 1 mV, "
     "delay: 1 ms}\n",
     "test.yaml:5:28: error: fixed_indegree 6 without multapses needs at least 6 sources, but 'b' "
     "offers 5\n"},
    {"fixed_outdegree larger than the targets without multapses",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "  b: {model: lif, size: 5}\n"
     "projections:\n"
     "  - {from: a, to: b, rule: {fixed_outdegree: 6}, multapses: false, weight: 1 mV, "
     "delay: 1 ms}\n",
     "test.yaml:5:28: error: fixed_outdegree 6 without multapses needs at least 6 targets, but 'b' "
     "offers 5\n"},
    {"fixed_outdegree onto overlapping ids without autapses",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: {population: a, ids: [0, 4]}, to: \"a[4:7]\", rule: {fixed_outdegree: 3}, "
     "autapses: false, multapses: false, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:62: error: fixed_outdegree 3 without multapses needs at least 3 targets, but 'a' "
     "offers 2\n"},
    {"fixed_indegree with no source left",
     "populations:\n"
     "  a: {model: lif, size: 1}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_indegree: 1}, autapses: false, weight: 1 mV, "
     "delay: 1 ms}\n",
     "test.yaml:4:28: error: fixed_indegree: 'a' offers no source neurons\n"},
    {"fixed_outdegree with no target left",
     "populations:\n"
     "  a: {model: lif, size: 1}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_outdegree: 1}, autapses: false, weight: 1 mV, "
     "delay: 1 ms}\n",
     "test.yaml:4:28: error: fixed_outdegree: 'a' offers no target neurons\n"},
    {"fixed_total_number above the pairs without multapses",
     "populations:\n"
     "  a: {model: lif, size: 3}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_total_number: 7}, autapses: false, multapses: false, "
     "weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:28: error: fixed_total_number 7 without multapses exceeds the 6 possible "
     "pairs\n"},
    {"fixed_total_number above the pairs of overlapping ranges",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: \"a[0:5]\", to: \"a[3:10]\", rule: {fixed_total_number: 34}, "
     "autapses: false, multapses: false, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:43: error: fixed_total_number 34 without multapses exceeds the 33 possible "
     "pairs\n"},
    {"fixed_total_number above the pairs of a range and ids",
     "populations:\n"
     "  a: {model: lif, size: 3}\n"
     "projections:\n"
     "  - {from: \"a[0:3]\", to: {population: a, ids: [1, 2]}, rule: {fixed_total_number: 5}, "
     "autapses: false, multapses: false, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:62: error: fixed_total_number 5 without multapses exceeds the 4 possible "
     "pairs\n"},
    {"fixed_total_number with no pairs",
     "populations:\n"
     "  a: {model: lif, size: 1}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: {fixed_total_number: 1}, autapses: false, weight: 1 mV, "
     "delay: 1 ms}\n",
     "test.yaml:4:28: error: fixed_total_number: there are no possible pairs\n"},
    {"one_to_one between sets of different sizes",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "  b: {model: lif, size: 5}\n"
     "projections:\n"
     "  - {from: a, to: b, rule: one_to_one, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:5:28: error: one_to_one needs sets of equal size ('a' has 10 neurons, 'b' 5)\n"},
    {"one_to_one checked for every pair of a list",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "  b: {model: lif, size: 5}\n"
     "projections:\n"
     "  - {from: \"a[0:5]\", to: [b, a], rule: one_to_one, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:5:40: error: one_to_one needs sets of equal size ('a' has 5 neurons, 'a' 10)\n"},
    {"a rule error reported with a bad from",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: x, to: a, rule: {fixed_probability: 2}, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:12: error: unknown population 'x'; the config defines: a\n"
     "test.yaml:4:48: error: fixed_probability must be between 0 and 1 (got 2)\n"},
};

START_TEST(bad_rule)
{
	check_bad(&bad_rules[_i]);
}
END_TEST

static const struct bad bad_wd[] = {
    {"a weight in pA onto delta synapses",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 pA, delay: 1 ms}\n",
     "test.yaml:4:48: error: weight (onto 'a', model lif, synapse delta): '1 pA' is a current, "
     "expected a voltage such as '-65 mV'\n"},
    {"a weight in mV onto exp synapses",
     "populations:\n"
     "  a: {model: lif, synapse: exp, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:48: error: weight (onto 'a', model lif, synapse exp): '1 mV' is a voltage, "
     "expected a current such as '100 pA'\n"},
    {"a weight in pA onto lif_cond",
     "populations:\n"
     "  a: {model: lif_cond, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 pA, delay: 1 ms}\n",
     "test.yaml:4:48: error: weight (onto 'a', model lif_cond): '1 pA' is a current, expected a "
     "conductance such as '1 nS'\n"},
    {"a weight that fits only the first of two targets",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "  b: {model: lif_cond, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: [a, b], rule: all_to_all, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:5:53: error: weight (onto 'b', model lif_cond): '1 mV' is a voltage, expected a "
     "conductance such as '1 nS'\n"},
    {"a weight distribution with a wrong unit",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: {normal: {mean: 1 mV, std: 1 pA}}, "
     "delay: 1 ms}\n",
     "test.yaml:4:75: error: weight (onto 'a', model lif, synapse delta) std: '1 pA' is a current, "
     "expected a voltage such as '-65 mV'\n"},
    {"weight and delay without units",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1, delay: 1}\n",
     "test.yaml:4:48: error: weight (onto 'a', model lif, synapse delta): missing unit in '1': "
     "expected a voltage such as '-65 mV'\n"
     "test.yaml:4:58: error: delay: missing unit in '1': expected a time such as '1.5 ms'\n"},
    {"a delay below one step",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 mV, delay: 0.04 ms}\n",
     "test.yaml:4:61: error: delay 0.04 ms is below one time step (dt = 0.1 ms)\n"},
    {"a delay of half a step",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 mV, delay: 0.05 ms}\n",
     "test.yaml:4:61: error: delay 0.05 ms is below one time step (dt = 0.1 ms)\n"},
    {"a negative delay",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 mV, delay: -1 ms}\n",
     "test.yaml:4:61: error: delay -1 ms is below one time step (dt = 0.1 ms)\n"},
    {"a delay beyond the longest",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 mV, delay: 10 s}\n",
     "test.yaml:4:61: error: delay 10000 ms is longer than 32767 time steps\n"},
    {"a delay with a voltage unit",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 mV, delay: 1 mV}\n",
     "test.yaml:4:61: error: delay: '1 mV' is a voltage, expected a time such as '1.5 ms'\n"},
    {"a delay distribution without a min",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 mV, delay: {normal: {mean: 1.5 ms, "
     "std: 0.5 ms}}}\n",
     "test.yaml:4:61: error: delay distribution can give delays below one time step (dt = 0.1 ms): "
     "add 'min: 0.1 ms'\n"},
    {"a delay distribution whose min rounds to zero steps",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 mV, delay: {normal: {mean: 1.5 ms, "
     "std: 0.5 ms}, min: 0.05 ms, bound: clip}}\n",
     "test.yaml:4:61: error: delay distribution can give delays below one time step (dt = 0.1 ms): "
     "add 'min: 0.1 ms'\n"},
    {"a uniform delay from zero",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 mV, delay: {uniform: {low: 0 ms, "
     "high: 2 ms}}}\n",
     "test.yaml:4:61: error: delay distribution can give delays below one time step (dt = 0.1 ms): "
     "add 'min: 0.1 ms'\n"},
    {"a delay distribution with a max beyond the longest delay",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1 mV, delay: {uniform: {low: 1 ms, "
     "high: 4000 ms}, min: 0.1 ms}}\n",
     "test.yaml:4:61: error: delay distribution can give delays longer than 32767 time steps "
     "(3276.7 ms): lower its upper bound\n"},
};

START_TEST(bad_weight_delay)
{
	check_bad(&bad_wd[_i]);
}
END_TEST

static const struct bad bad_stim[] = {
    {"stimuli a mapping",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli: {dc: {amplitude: 1 pA}}\n",
     "test.yaml:3:10: error: stimuli must be a list, found a mapping\n"},
    {"a stimulus that is not a mapping",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli: [dc]\n",
     "test.yaml:3:11: error: stimulus 1 must be a mapping of keys to values, found a scalar\n"},
    {"a stimulus of no kind",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {to: a}\n",
     "test.yaml:4:5: error: stimulus 1 must have exactly one of poisson, dc, step or spikes (found "
     "0)\n"},
    {"a stimulus of two kinds",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 pA}, poisson: {rate: 1 Hz}, to: a}\n",
     "test.yaml:4:5: error: stimulus 1 must have exactly one of poisson, dc, step or spikes (found "
     "2)\n"},
    {"an unknown key with a suggestion",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 pA}, too: a}\n",
     "test.yaml:4:29: error: unknown key 'too' in stimulus 1 (did you mean 'to'?); expected one "
     "of: poisson, dc, step, spikes, to, weight, delay\n"},
    {"a stimulus without targets",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 pA}}\n",
     "test.yaml:4:5: error: stimulus 1 needs a 'to'\n"},
    {"a stimulus onto an unknown population",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 pA}, to: b}\n",
     "test.yaml:4:33: error: unknown population 'b'; the config defines: a\n"},
    {"a weight on a dc stimulus",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 pA}, to: a, weight: 1 mV}\n",
     "test.yaml:4:36: error: 'weight' applies only to poisson and spikes stimuli (a dc stimulus is "
     "a current)\n"},
    {"a delay on a step stimulus",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {step: {times: [0 ms], amplitudes: [1 pA]}, to: a, delay: 1 ms}\n",
     "test.yaml:4:56: error: 'delay' applies only to poisson and spikes stimuli (a step stimulus "
     "is a current)\n"},
    {"dc not a mapping",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: 5 pA, to: a}\n",
     "test.yaml:4:10: error: the dc of stimulus 1 must be a mapping of keys to values, found a "
     "scalar\n"},
    {"dc without an amplitude",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: {start: 1 ms}, to: a}\n",
     "test.yaml:4:10: error: the dc of stimulus 1 needs a 'amplitude'\n"},
    {"a dc amplitude with a voltage unit",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 mV}, to: a}\n",
     "test.yaml:4:22: error: amplitude: '1 mV' is a voltage, expected a current such as '100 "
     "pA'\n"},
    {"dc with an unknown key",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 pA, begin: 1 ms}, to: a}\n",
     "test.yaml:4:28: error: unknown key 'begin' in the dc of stimulus 1; expected one of: "
     "amplitude, start, stop\n"},
    {"a dc start off the time grid",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 pA, start: 1.05 ms}, to: a}\n",
     "test.yaml:4:35: error: start 1.05 ms is not on the time grid (dt = 0.1 ms)\n"},
    {"a dc stop off the time grid",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 pA, start: 1 ms, stop: 2.05 ms}, to: a}\n",
     "test.yaml:4:47: error: stop 2.05 ms is not on the time grid (dt = 0.1 ms)\n"},
    {"a stop before the start",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 pA, start: 5 ms, stop: 2 ms}, to: a}\n",
     "test.yaml:4:47: error: stop (2 ms) must be after start (5 ms)\n"},
    {"a negative start",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 pA, start: -5 ms}, to: a}\n",
     "test.yaml:4:35: error: start must not be negative (got -5 ms)\n"},
    {"a start without a unit",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {poisson: {rate: 1 Hz, start: 5}, to: a, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:35: error: start: missing unit in '5': expected a time such as '1.5 ms'\n"},
    {"step lists of different lengths",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {step: {times: [0 ms, 5 ms], amplitudes: [1 pA]}, to: a}\n",
     "test.yaml:4:12: error: times and amplitudes must be non-empty lists of the same length\n"},
    {"step lists empty",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {step: {times: [], amplitudes: []}, to: a}\n",
     "test.yaml:4:12: error: times and amplitudes must be non-empty lists of the same length\n"},
    {"step values that are not lists",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {step: {times: 1 ms, amplitudes: 1 pA}, to: a}\n",
     "test.yaml:4:12: error: times and amplitudes must be non-empty lists of the same length\n"},
    {"step times not increasing",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {step: {times: [5 ms, 2 ms], amplitudes: [1 pA, 2 pA]}, to: a}\n",
     "test.yaml:4:27: error: step times must be increasing and not negative\n"},
    {"a negative step time",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {step: {times: [-1 ms], amplitudes: [1 pA]}, to: a}\n",
     "test.yaml:4:21: error: step times must be increasing and not negative\n"},
    {"a step time off the time grid",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {step: {times: [0 ms, 2.05 ms], amplitudes: [1 pA, 2 pA]}, to: a}\n",
     "test.yaml:4:27: error: step time 2.05 ms is not on the time grid (dt = 0.1 ms)\n"},
    {"a step amplitude with a voltage unit",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {step: {times: [0 ms, 2 ms], amplitudes: [1 pA, 2 mV]}, to: a}\n",
     "test.yaml:4:53: error: an amplitude: '2 mV' is a voltage, expected a current such as '100 "
     "pA'\n"},
    {"step without amplitudes",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {step: {times: [0 ms]}, to: a}\n",
     "test.yaml:4:12: error: the step of stimulus 1 needs a 'amplitudes'\n"},
    {"poisson without a rate",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {poisson: {start: 1 ms}, to: a, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:15: error: the poisson of stimulus 1 needs a 'rate'\n"},
    {"a negative poisson rate",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {poisson: {rate: -1 Hz}, to: a, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:22: error: rate must not be negative (got -1 Hz)\n"},
    {"poisson without weight and delay",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {poisson: {rate: 1 Hz}, to: a}\n",
     "test.yaml:4:5: error: stimulus 1 needs a 'weight'\n"
     "test.yaml:4:5: error: stimulus 1 needs a 'delay'\n"},
    {"a poisson weight that is a distribution",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {poisson: {rate: 1 Hz}, to: a, weight: {normal: {mean: 1 mV, std: 0.1 mV}}, "
     "delay: 1 ms}\n",
     "test.yaml:4:44: error: weight and delay of a poisson stimulus must be constants\n"},
    {"a poisson delay that is a distribution",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {poisson: {rate: 1 Hz}, to: a, weight: 1 mV, delay: {uniform: {low: 1 ms, "
     "high: 2 ms}}}\n",
     "test.yaml:4:57: error: weight and delay of a poisson stimulus must be constants\n"},
    {"a poisson weight in mV onto exp synapses",
     "populations:\n"
     "  a: {model: lif, synapse: exp, size: 10}\n"
     "stimuli:\n"
     "  - {poisson: {rate: 1 Hz}, to: a, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:44: error: weight (onto 'a', model lif, synapse exp): '1 mV' is a voltage, "
     "expected a current such as '100 pA'\n"},
    {"a poisson delay below one step",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {poisson: {rate: 1 Hz}, to: a, weight: 1 mV, delay: 0 ms}\n",
     "test.yaml:4:57: error: delay 0 ms is below one time step (dt = 0.1 ms)\n"},
    {"a dc stimulus onto a poisson_source",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "  s: {model: poisson_source, size: 1, params: {rate: 1 Hz}}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 pA}, to: s}\n",
     "test.yaml:5:33: error: population 's' (poisson_source) cannot receive stimuli\n"},
    {"a spikes stimulus onto a poisson_source",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "  s: {model: poisson_source, size: 1, params: {rate: 1 Hz}}\n"
     "stimuli:\n"
     "  - {spikes: {times: [1 ms]}, to: [a, s], weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:5:35: error: population 's' (poisson_source) cannot receive stimuli\n"},
    {"a spikes stimulus without weight and delay",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {spikes: {times: [1 ms]}, to: a}\n",
     "test.yaml:4:5: error: stimulus 1 needs a 'weight'\n"
     "test.yaml:4:5: error: stimulus 1 needs a 'delay'\n"},
    {"the second of two stimuli",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {dc: {amplitude: 1 pA}, to: a}\n"
     "  - {dc: {amplitude: 1}, to: a}\n",
     "test.yaml:5:22: error: amplitude: missing unit in '1': expected a current such as '100 "
     "pA'\n"},
    {"a poisson stimulus starting off the grid",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {poisson: {rate: 1 kHz, start: 0.05 ms}, to: a, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:36: error: start 0.05 ms is not on the time grid (dt = 0.1 ms)\n"},
    {"a poisson_source rate drawn from a distribution",
     "populations:\n"
     "  s: {model: poisson_source, size: 2, params: {rate: {uniform: {low: 1 Hz, high: 2 Hz}}}}\n",
     "test.yaml:2:54: error: rate of a poisson_source must be a constant\n"},
    {"a poisson_source stopping before it starts",
     "populations:\n"
     "  s: {model: poisson_source, size: 2, params: {rate: 5 Hz, start: 10 ms, stop: 5 ms}}\n",
     "test.yaml:2:80: error: stop (5 ms) must be after start (10 ms)\n"},
    {"a poisson_source starting off the grid",
     "populations:\n"
     "  s: {model: poisson_source, size: 2, params: {rate: 5 Hz, start: 1.25 ms}}\n",
     "test.yaml:2:67: error: start 1.25 ms is not on the time grid (dt = 0.1 ms)\n"},
    {"two trace records writing one file",
     "populations:\n"
     "  a: {model: lif, synapse: exp, size: 10}\n"
     "record:\n"
     "  traces:\n"
     "    - {population: a, variable: V_m, file: t.h5}\n"
     "    - {population: a, variable: I_syn_ex, file: t.h5}\n",
     "test.yaml:6:7: error: trace records 1 and 2 write to the same file 't.h5'\n"},
    {"a trace record writing the spike file",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record:\n"
     "  spikes: {file: s.h5}\n"
     "  traces: [{population: a, variable: V_m, file: s.h5}]\n",
     "test.yaml:5:12: error: trace record 1 writes to 's.h5', the spike record's file\n"},
};

START_TEST(bad_stimulus)
{
	check_bad(&bad_stim[_i]);
}
END_TEST

static const struct bad bad_trains[] = {
    {"a spike_source without spikes",
     "populations:\n"
     "  s: {model: spike_source, size: 2}\n",
     "test.yaml:2:6: error: population 's' (spike_source) needs 'spikes'\n"},
    {"spikes not a mapping",
     "populations:\n"
     "  s: {model: spike_source, size: 1, spikes: [1 ms]}\n",
     "test.yaml:2:45: error: the spikes of population 's' must be a mapping of keys to values, "
     "found a list\n"},
    {"spikes with a misspelt key",
     "populations:\n"
     "  s: {model: spike_source, size: 1, spikes: {time: [1 ms]}}\n",
     "test.yaml:2:46: error: unknown key 'time' in the spikes of population 's' (did you mean "
     "'times'?); expected one of: times, file, population\n"},
    {"spikes with neither times nor file",
     "populations:\n"
     "  s: {model: spike_source, size: 1, spikes: {}}\n",
     "test.yaml:2:45: error: the spikes of population 's' need either 'times' or 'file'\n"},
    {"spikes with both times and file",
     "populations:\n"
     "  s: {model: spike_source, size: 1, spikes: {times: [1 ms], file: x.csv}}\n",
     "test.yaml:2:45: error: the spikes of population 's' need either 'times' or 'file', not "
     "both\n"},
    {"a population key with inline times",
     "populations:\n"
     "  s: {model: spike_source, size: 1, spikes: {times: [1 ms], population: x}}\n",
     "test.yaml:2:73: error: 'population' only applies to spikes read from a file\n"},
    {"times a scalar",
     "populations:\n"
     "  s: {model: spike_source, size: 1, spikes: {times: 1 ms}}\n",
     "test.yaml:2:53: error: times must be a list of spike times (a list per neuron when the "
     "population has several), found a scalar\n"},
    {"one flat list for several neurons",
     "populations:\n"
     "  s: {model: spike_source, size: 2, spikes: {times: [1 ms]}}\n",
     "test.yaml:2:53: error: population 's' has 2 neurons: give one list of times per neuron\n"},
    {"more lists than neurons",
     "populations:\n"
     "  s: {model: spike_source, size: 2, spikes: {times: [[1 ms], [2 ms], [3 ms]]}}\n",
     "test.yaml:2:53: error: times has 3 lists, but population 's' has 2 neurons\n"},
    {"a scalar among the lists",
     "populations:\n"
     "  s: {model: spike_source, size: 2, spikes: {times: [[1 ms], 2 ms]}}\n",
     "test.yaml:2:62: error: expected a list of spike times, found a scalar\n"},
    {"a spike time without a unit",
     "populations:\n"
     "  s: {model: spike_source, size: 1, spikes: {times: [1]}}\n",
     "test.yaml:2:54: error: a spike time: missing unit in '1': expected a time such as '1.5 "
     "ms'\n"},
    {"a spike time at zero",
     "populations:\n"
     "  s: {model: spike_source, size: 2, spikes: {times: [[1 ms], [0 ms]]}}\n",
     "test.yaml:2:53: error: spike time 0 ms of neuron 1 of population 's' is not after the start; "
     "the earliest possible spike is at 0.1 ms (one step)\n"},
    {"a negative spike time",
     "populations:\n"
     "  s: {model: spike_source, size: 1, spikes: {times: [-1 ms]}}\n",
     "test.yaml:2:53: error: spike time -1 ms of neuron 0 of population 's' is not after the "
     "start; the earliest possible spike is at 0.1 ms (one step)\n"},
    {"a spike time off the time grid",
     "populations:\n"
     "  s: {model: spike_source, size: 2, spikes: {times: [[1 ms], [0.55 ms]]}}\n",
     "test.yaml:2:53: error: spike time 0.55 ms of neuron 1 of population 's' is not on the time "
     "grid (dt = 0.1 ms)\n"},
    {"a spike time within the first step",
     "populations:\n"
     "  s: {model: spike_source, size: 1, spikes: {times: [0.01 ms]}}\n",
     "test.yaml:2:53: error: spike time 0.01 ms of neuron 0 of population 's' is not on the time "
     "grid (dt = 0.1 ms)\n"},
    {"two spikes in one step",
     "populations:\n"
     "  s: {model: spike_source, size: 2, spikes: {times: [[1 ms], [2 ms, "
     "2.00000000001 ms]]}}\n",
     "test.yaml:2:53: error: neuron 1 of population 's' has two spikes in the same time step (2 "
     "ms)\n"},
    {"a file that is a list",
     "populations:\n"
     "  s: {model: spike_source, size: 1, spikes: {file: [x]}}\n",
     "test.yaml:2:52: error: file must be a name or text, found a list\n"},
    {"a file population that is a list",
     "populations:\n"
     "  s: {model: spike_source, size: 1, spikes: {file: x.csv, population: [x]}}\n",
     "test.yaml:2:71: error: population must be a name or text, found a list\n"},
    {"a stimulus spike at zero",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {spikes: {times: [0 ms]}, to: a, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:22: error: spike time 0 ms of stimulus 1 is not after the start; the earliest "
     "possible spike is at 0.1 ms (one step)\n"},
    {"a stimulus spike off the time grid",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {spikes: {times: [1.05 ms]}, to: a, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:22: error: spike time 1.05 ms of stimulus 1 is not on the time grid (dt = 0.1 "
     "ms)\n"},
    {"two stimulus spikes in one step",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {spikes: {times: [1 ms, 1.0 ms]}, to: a, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:22: error: stimulus 1 has two spikes in the same time step (1 ms)\n"},
    {"stimulus spikes as several lists",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {spikes: {times: [[1 ms], [2 ms]]}, to: a, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:22: error: times of stimulus 1 must be one list of spike times (every target "
     "receives the same train), found 2 lists\n"},
    {"stimulus spikes with neither times nor file",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {spikes: {}, to: a, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:14: error: the spikes of stimulus 1 need either 'times' or 'file'\n"},
    {"stimulus spikes with a population key",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {spikes: {times: [1 ms], population: x}, to: a, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:42: error: 'population' only applies to spikes read from a file\n"},
    {"stimulus spikes with a misspelt key",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {spikes: {time: [1 ms]}, to: a, weight: 1 mV, delay: 1 ms}\n",
     "test.yaml:4:15: error: unknown key 'time' in the spikes of stimulus 1 (did you mean "
     "'times'?); expected one of: times, file, population\n"},
};

START_TEST(bad_spike_train)
{
	check_bad(&bad_trains[_i]);
}
END_TEST

static const struct bad bad_record[] = {
    {"record a list",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: [spikes]\n",
     "test.yaml:3:9: error: the record section must be a mapping of keys to values, found a "
     "list\n"},
    {"record with a misspelt key",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {spike: {}}\n",
     "test.yaml:3:10: error: unknown key 'spike' in the record section (did you mean 'spikes'?); "
     "expected one of: spikes, traces\n"},
    {"a spike record that is empty",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {spikes: }\n",
     "test.yaml:3:18: error: the spike record must be a mapping of keys to values, found "
     "nothing\n"},
    {"a spike record with an unknown key",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {spikes: {pops: all}}\n",
     "test.yaml:3:19: error: unknown key 'pops' in the spike record; expected one of: populations, "
     "file\n"},
    {"a population recorded twice",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {spikes: {populations: [a, \"a[0:2]\"]}}\n",
     "test.yaml:3:32: error: population 'a' is listed twice in the spike record\n"},
    {"an unknown population recorded",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {spikes: {populations: [b]}}\n",
     "test.yaml:3:33: error: unknown population 'b'; the config defines: a\n"},
    {"the hidden population of a stimulus recorded",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "stimuli:\n"
     "  - {spikes: {times: [1 ms]}, to: a, weight: 1 mV, delay: 1 ms}\n"
     "record: {spikes: {populations: [\"@stimulus1.0\"]}}\n",
     "test.yaml:5:33: error: unknown population '@stimulus1.0'; the config defines: a\n"},
    {"a spike record file that is a list",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {spikes: {file: [x]}}\n",
     "test.yaml:3:25: error: file must be a name or text, found a list\n"},
    {"a spike record of no population",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {spikes: {populations: []}}\n",
     "test.yaml:3:32: error: populations must name at least one population\n"},
    {"traces a mapping",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {traces: {population: a}}\n",
     "test.yaml:3:18: error: traces must be a list of trace records, found a mapping\n"},
    {"a trace record that is not a mapping",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {traces: [a]}\n",
     "test.yaml:3:19: error: trace record 1 must be a mapping of keys to values, found a scalar\n"},
    {"a trace record without variable and file",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {traces: [{population: a}]}\n",
     "test.yaml:3:19: error: trace record 1 needs a 'variable'\n"
     "test.yaml:3:19: error: trace record 1 needs a 'file'\n"},
    {"a trace record with a misspelt key",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {traces: [{population: a, varable: V_m, file: v.h5}]}\n",
     "test.yaml:3:35: error: unknown key 'varable' in trace record 1 (did you mean 'variable'?); "
     "expected one of: population, variable, interval, file\n"},
    {"an unknown trace variable",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {traces: [{population: a, variable: V, file: v.h5}]}\n",
     "test.yaml:3:45: error: population 'a' (model lif) has no variable 'V'; it has: V_m\n"},
    {"I_syn_ex traced on delta synapses",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {traces: [{population: a, variable: I_syn_ex, file: v.h5}]}\n",
     "test.yaml:3:45: error: population 'a' (model lif) has no variable 'I_syn_ex'; it has: V_m\n"},
    {"a trace of a source population",
     "populations:\n"
     "  s: {model: poisson_source, size: 1, params: {rate: 1 Hz}}\n"
     "record: {traces: [{population: s, variable: V_m, file: v.h5}]}\n",
     "test.yaml:3:45: error: population 's' (model poisson_source) has no variable 'V_m'; it has: "
     "none\n"},
    {"a trace interval off the time grid",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {traces: [{population: a, variable: V_m, file: v.h5, interval: 0.15 ms}]}\n",
     "test.yaml:3:72: error: interval 0.15 ms must be a whole, positive number of time steps (dt = "
     "0.1 ms)\n"},
    {"a trace interval of zero",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {traces: [{population: a, variable: V_m, file: v.h5, interval: 0 ms}]}\n",
     "test.yaml:3:72: error: interval 0 ms must be a whole, positive number of time steps (dt = "
     "0.1 ms)\n"},
    {"a trace interval past 32 bits of steps",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {traces: [{population: a, variable: V_m, file: v.h5, interval: 42949672960 ms}]}\n",
     "test.yaml:3:72: error: interval 4.29497e+10 ms is longer than 4294967295 time steps, the "
     "most "
     "allowed (4.29497e+08 ms at dt = 0.1 ms)\n"},
    {"a refractory period past 32 bits of steps",
     "populations:\n"
     "  a: {model: lif, size: 10, params: {t_ref: 1e12 ms}}\n",
     "test.yaml:2:45: error: t_ref 1e+12 ms is longer than 4294967295 time steps, the most allowed "
     "(4.29497e+08 ms at dt = 0.1 ms)\n"},
    {"a duration past the steps a double counts",
     "simulation: {duration: 1e300 ms}\n"
     "populations:\n"
     "  a: {model: lif, size: 10}\n",
     "test.yaml:1:24: error: duration 1e+300 ms is longer than 9000000000000000 time steps, the "
     "most allowed (9e+14 ms at dt = 0.1 ms)\n"},
    {"weights past the engine's fixed-point inputs",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "projections:\n"
     "  - {from: a, to: a, rule: all_to_all, weight: 1e306 mV, delay: 1 ms}\n"
     "stimuli:\n"
     "  - {poisson: {rate: 10 Hz}, to: a, weight: -1e306 mV, delay: 1 ms}\n",
     "test.yaml:4:48: error: weight 1e+306 mV is more than the engine's fixed-point inputs hold "
     "(at "
     "most 1.23794e+27 mV)\n"
     "test.yaml:6:45: error: weight -1e+306 mV is more than the engine's fixed-point inputs hold "
     "(at most 1.23794e+27 mV)\n"},
    {"a trace interval without a unit",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {traces: [{population: a, variable: V_m, file: v.h5, interval: 1}]}\n",
     "test.yaml:3:72: error: interval: missing unit in '1': expected a time such as '1.5 ms'\n"},
    {"a trace of an unknown population",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {traces: [{population: b, variable: V_m, file: v.h5}]}\n",
     "test.yaml:3:32: error: unknown population 'b'; the config defines: a\n"},
    {"a trace file that is a list",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {traces: [{population: a, variable: V_m, file: []}]}\n",
     "test.yaml:3:56: error: file must be a name or text, found a list\n"},
    {"a trace variable that is a list",
     "populations:\n"
     "  a: {model: lif, size: 10}\n"
     "record: {traces: [{population: a, variable: [V_m], file: v.h5}]}\n",
     "test.yaml:3:45: error: variable must be a name or text, found a list\n"},
};

START_TEST(bad_record_section)
{
	check_bad(&bad_record[_i]);
}
END_TEST

/* ------------------------------------------------------------------ one pass */

/* Every independent problem of a file is reported, in file order, and none
 * twice; a population that failed is not reported again where it is used. */
START_TEST(bad_many_in_one_pass)
{
	const char *yaml =
	    "simulation:\n"
	    "  dt: 0.1 ms\n"
	    "  seed: -3\n"
	    "populations:\n"
	    "  exc: {model: lif, size: 100, params: {tau_m: -20 ms, V_th: -80 mV}}\n"
	    "  inh: {model: lif, size: 0}\n"
	    "  src: {model: poisson_sourc, size: 5}\n"
	    "projections:\n"
	    "  - {from: exc, to: exc, rule: {fixed_probability: 2}, weight: 1 mV, "
	    "delay: 1 ms}\n"
	    "  - {from: exc, to: exc, rule: all_to_all, weight: 1 pA, delay: 0 ms}\n"
	    "  - {from: inh, to: [exc, src], rule: all_to_all, weight: 1 mV, delay: 1 ms}\n"
	    "stimuli:\n"
	    "  - {dc: {amplitude: 5}, to: exc}\n"
	    "  - {poisson: {rate: 1 Hz}, to: exc}\n"
	    "record:\n"
	    "  spikes: {populations: [exc, nobody]}\n"
	    "  traces: [{population: exc, variable: U, file: u.h5}]\n"
	    "---\n"
	    "extra: document\n";
	const char *want =
	    "test.yaml:3:9: error: seed must be a whole number, found '-3'\n"
	    "test.yaml:5:48: error: tau_m must be positive (got -20 ms)\n"
	    "test.yaml:5:62: error: V_reset (-70 mV) must be below V_th (-80 mV) in population "
	    "'exc'\n"
	    "test.yaml:6:27: error: size must be between 1 and 4294967294 (got 0)\n"
	    "test.yaml:7:16: error: unknown model 'poisson_sourc'; expected one of: lif, lif_cond, "
	    "spike_source, poisson_source, loihi_lif\n"
	    "test.yaml:9:52: error: fixed_probability must be between 0 and 1 (got 2)\n"
	    "test.yaml:10:52: error: weight (onto 'exc', model lif, synapse delta): '1 pA' is a "
	    "current, expected a voltage such as '-65 mV'\n"
	    "test.yaml:10:65: error: delay 0 ms is below one time step (dt = 0.1 ms)\n"
	    "test.yaml:13:22: error: amplitude: missing unit in '5': expected a current such as "
	    "'100 pA'\n"
	    "test.yaml:14:5: error: stimulus 2 needs a 'weight'\n"
	    "test.yaml:14:5: error: stimulus 2 needs a 'delay'\n"
	    "test.yaml:16:31: error: unknown population 'nobody'; the config defines: exc\n"
	    "test.yaml:17:40: error: population 'exc' (model lif) has no variable 'U'; it has: "
	    "V_m\n"
	    "test.yaml:19:1: error: a config holds one YAML document; found a second one\n";
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	ck_assert_int_eq(snn_config_load_string(yaml, strlen(yaml), "test.yaml", NULL, &net, d),
			 SNN_EINVAL);
	ck_assert_ptr_null(net);
	ck_assert_uint_eq(snn_diag_error_count(d), 14);
	ck_assert_str_eq(snn_diag_message(d, 0), "seed must be a whole number, found '-3'");
	ck_assert_str_eq(snn_diag_message(d, 13),
			 "a config holds one YAML document; found a second one");
	snn_diag_free(d);
	char *got = tu_load_errors(yaml);
	bool same = strcmp(got, want) == 0;
	if (!same) {
		fprintf(stderr, "--- expected\n%s--- got\n%s", want, got);
	}
	free(got);
	ck_assert(same);
}
END_TEST

/* ------------------------------------------------------------------ main */

#define ADD_TABLE(tc, fn, table) tcase_add_loop_test(tc, fn, 0, N_OF(table))

/* The network's public accessors that no tool calls: where it came from (the
 * name given, the text, its SHA-256 as sha256sum prints it), its projections
 * (a list of targets is one projection each), the record's file, the thread
 * override and its range, and the status names. */
START_TEST(valid_source_and_accessors)
{
	const char *text =
	    "simulation: {dt: 0.1 ms, duration: 10 ms, seed: 5}\n"
	    "populations:\n"
	    "  a: {model: lif, size: 10}\n"
	    "  b: {model: lif, size: 5}\n"
	    "projections:\n"
	    "  - {from: a, to: [a, b], rule: all_to_all, weight: 1 mV, delay: 1 ms}\n"
	    "  - {from: b, to: \"a[0:5]\", rule: one_to_one, weight: 1 mV, delay: 1 ms}\n"
	    "record:\n"
	    "  spikes: {populations: [a], file: out.h5}\n";
	snn_net *net = tu_load(text);
	ck_assert_str_eq(snn_net_source_path(net), "test.yaml");
	ck_assert_str_eq(snn_net_source_text(net), text);
	ck_assert_str_eq(snn_net_source_sha256(net),
			 "54fe4f9e70840ef30a43aad51825f62fe87fef62edf520770afc6be386da3087");
	ck_assert_uint_eq(snn_net_projection_count(net), 3);
	ck_assert(snn_net_records_spikes(net));
	ck_assert_str_eq(snn_net_spike_file(net), "out.h5");
	ck_assert(!snn_net_is_nir(net));
	snn_diag *d = snn_diag_new();
	ck_assert_int_eq(snn_net_threads(net), 0);
	ck_assert_int_eq(snn_net_set_threads(net, 3, d), SNN_OK);
	ck_assert_int_eq(snn_net_threads(net), 3);
	ck_assert_int_eq(snn_net_set_threads(net, 0, d), SNN_EINVAL);
	ck_assert_str_eq(snn_diag_message(d, 0),
			 "the thread count must be between 1 and 4096 (got 0)");
	ck_assert_int_eq(snn_net_threads(net), 3);
	snn_diag_free(d);
	snn_net_free(net);
	ck_assert_str_eq(snn_strerror(SNN_OK), "success");
	ck_assert_str_eq(snn_strerror(SNN_ENOMEM), "out of memory");
	ck_assert_str_eq(snn_strerror(SNN_EPARSE), "malformed input");
	ck_assert_str_eq(snn_strerror(-99), "unknown error");
}
END_TEST

static Suite *config_suite(void)
{
	Suite *s = suite_create("config");

	TCase *tc = tcase_create("valid");
	tcase_add_test(tc, valid_scale);
	tcase_add_test(tc, valid_simulation);
	tcase_add_test(tc, valid_simulation_defaults);
	tcase_add_test(tc, valid_simulation_prefixes);
	tcase_add_test(tc, valid_whole_numbers);
	tcase_add_test(tc, valid_lif_delta_defaults);
	tcase_add_test(tc, valid_lif_exp_units);
	tcase_add_test(tc, valid_lif_cond);
	tcase_add_test(tc, valid_spike_source_inline);
	tcase_add_test(tc, valid_poisson_source);
	tcase_add_test(tc, valid_distributions);
	tcase_add_test(tc, valid_anchors);
	tcase_add_test(tc, valid_json);
	tcase_add_test(tc, valid_document_markers);
	tcase_add_test(tc, valid_rules);
	tcase_add_test(tc, valid_rules_disjoint_sets);
	tcase_add_test(tc, valid_lists_expand);
	tcase_add_test(tc, valid_neuron_sets);
	tcase_add_test(tc, valid_weights_delays);
	tcase_add_test(tc, valid_stimuli);
	tcase_add_test(tc, valid_spikes_stimulus);
	tcase_add_test(tc, valid_record);
	tcase_add_test(tc, valid_record_all);
	tcase_add_test(tc, valid_spike_files);
	tcase_add_test(tc, valid_source_and_accessors);
	suite_add_tcase(s, tc);

	tc = tcase_create("api");
	tcase_add_test(tc, api_status_codes);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad");
	ADD_TABLE(tc, bad_document, bad_doc);
	ADD_TABLE(tc, bad_simulation, bad_sim);
	ADD_TABLE(tc, bad_population, bad_pop);
	ADD_TABLE(tc, bad_parameters, bad_params);
	ADD_TABLE(tc, bad_distribution, bad_dist);
	ADD_TABLE(tc, bad_neuron_set, bad_sets);
	ADD_TABLE(tc, bad_projection, bad_proj);
	ADD_TABLE(tc, bad_rule, bad_rules);
	ADD_TABLE(tc, bad_weight_delay, bad_wd);
	ADD_TABLE(tc, bad_stimulus, bad_stim);
	ADD_TABLE(tc, bad_spike_train, bad_trains);
	ADD_TABLE(tc, bad_record_section, bad_record);
	tcase_add_test(tc, bad_spike_files);
	tcase_add_test(tc, bad_many_in_one_pass);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(config_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
