/*
 * Quantization of a config network (YAML): the synapses are those libsnn's
 * grid engine builds for it (rules expanded by the engine's own code, weights
 * as the engine stores them), grouped into one sparse projection per
 * (source population, target population, delay); lif neurons (delta
 * synapses, or exponential ones with one time constant) become the runtime's
 * LIF and CubaLIF with a refractory counter; Poisson stimuli become Philox
 * draws on the chip with integer thresholds that invert the engine's CDF
 * table, so that the host run and the image draw the same counts as snnsim.
 * Layer: compiler. Reads the engine's expansion (expand_int.h), never the
 * engine itself, and allocates the model it returns.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cc_int.h"
#include "expand_int.h"
#include "mem_int.h"

/* One group of synapses: (pre, post, delay). */
struct group {
	uint32_t pre, post, delay;
	uint64_t n;
};

static int find_group(struct group **g, uint32_t *n, size_t *cap, uint32_t pre, uint32_t post,
		      uint32_t delay)
{
	for (uint32_t k = 0; k < *n; k++) {
		if ((*g)[k].pre == pre && (*g)[k].post == post && (*g)[k].delay == delay) {
			return (int)k;
		}
	}
	if (mem_grow((void **)g, cap, (size_t)*n + 1, sizeof(**g)) != SNN_OK) {
		return -1;
	}
	(*g)[*n] = (struct group){pre, post, delay, 0};
	return (int)(*n)++;
}

/* Every synapse of the expanded network, in the engine's order: calls fn
 * for each. */
struct syn_visit {
	uint32_t pre, post, pre_local, post_local, delay;
	double w;
};

static void visit(const struct expanded *x, void (*fn)(void *, const struct syn_visit *), void *ctx)
{
	for (uint64_t e = 0; e < x->n_syn; e++) {
		const struct expanded_syn *y = &x->syn[x->out_idx[e]];
		struct syn_visit v;
		v.pre = expanded_pop_of(x, y->src);
		v.post = expanded_pop_of(x, y->tgt);
		v.pre_local = y->src - x->pops[v.pre].first;
		v.post_local = y->tgt - x->pops[v.post].first;
		v.delay = y->delay;
		v.w = y->w;
		fn(ctx, &v);
	}
}

/* The state of one quantization: the network, its expansion, the model
 * being built and the groups of synapses. */
struct pass {
	const snn_net *net;
	const struct cc_options *o;
	const struct expanded *s;
	struct cc_model *m;
	struct group *g;
	uint32_t ng;
	size_t cap;
	int phase; /* 0: count groups and maxima; 1: count per source; 2: fill */
	int err;
	double *wmax;	 /* per post population */
	double *insum;	 /* per post neuron (global id): sum of |w| */
	uint32_t **fill; /* phase 2: next slot per source of each group */
};

static void pass_fn(void *ctx, const struct syn_visit *v)
{
	struct pass *p = ctx;
	if (p->err) {
		return;
	}
	int q = find_group(&p->g, &p->ng, &p->cap, v->pre, v->post, v->delay);
	if (q < 0) {
		p->err = 1;
		return;
	}
	struct cc_model *m = p->m;
	if (p->phase == 0) {
		p->g[q].n++;
		double a = fabs(v->w);
		p->wmax[v->post] = a > p->wmax[v->post] ? a : p->wmax[v->post];
		p->insum[p->s->pops[v->post].first + v->post_local] += a;
	} else if (p->phase == 1) {
		m->rows[q][v->pre_local + 1]++;
	} else {
		uint32_t k = p->fill[q][v->pre_local]++;
		m->cols[q][k] = v->post_local;
		cc_put_weight(m, (uint32_t)q, k, v->w, m->info[v->post].acc_scale);
	}
}

/* What the runtime cannot run: models other than lif, stimuli other than
 * Poisson ones onto whole populations or ranges. */
static int check_network(const snn_net *net, snn_diag *d)
{
	for (uint32_t k = 0; k < net->n_pops; k++) {
		const struct population *pop = &net->pops[k];
		if (pop->model->id != MODEL_LIF_DELTA && pop->model->id != MODEL_LIF_EXP) {
			return snn_diag_error(
			    d, SNN_EUNSUP, pop->where.file, pop->where.line, pop->where.col,
			    "population '%s': snncc compiles lif neurons only (not %s)", pop->name,
			    pop->model->name);
		}
	}
	for (uint32_t k = 0; k < net->n_stims; k++) {
		const struct stimulus *st = &net->stims[k];
		if (st->kind != STIM_POISSON) {
			return snn_diag_error(
			    d, SNN_EUNSUP, st->where.file, st->where.line, st->where.col,
			    "snncc compiles Poisson stimuli only (current stimuli "
			    "have no integer form in the runtime yet)");
		}
		if (st->to.ids) {
			return snn_diag_error(
			    d, SNN_EUNSUP, st->where.file, st->where.line, st->where.col,
			    "a Poisson stimulus onto a list of neurons: snncc takes "
			    "whole populations or ranges");
		}
	}
	return SNN_OK;
}

/* The model's population arrays and the pass's per-population scratch. */
static int model_new(struct pass *P, snn_diag *d)
{
	const struct expanded *s = P->s;
	uint32_t np = s->n_pops;
	struct cc_model *m = P->m = mem_zalloc(sizeof(*m));
	P->wmax = mem_array(np, sizeof(double));
	P->insum = mem_array(s->n_neurons, sizeof(double));
	if (!m || !P->wmax || !P->insum) {
		return mem_nomem(d);
	}
	m->weight_bits = P->o->weight_bits;
	m->rt.n_pops = np;
	m->pops = mem_array(np, sizeof(*m->pops));
	m->info = mem_array(np, sizeof(*m->info));
	m->bias = mem_array(np, sizeof(*m->bias));
	m->outputs = mem_array(np, sizeof(uint16_t));
	m->in_pop = mem_array(1, sizeof(uint32_t));
	if (!m->pops || !m->info || !m->bias || !m->outputs || !m->in_pop) {
		return mem_nomem(d);
	}
	snprintf(m->model_sha256, sizeof(m->model_sha256), "%s", P->net->source_sha256);
	m->rt.pops = m->pops;
	m->rt.outputs = m->outputs;
	m->rt.n_outputs = np;
	if (np > 65535) {
		return snn_diag_error(d, SNN_EUNSUP, NULL, 0, 0, "%u populations: at most 65535",
				      np);
	}
	return SNN_OK;
}

/* Pass 0: the groups, the largest weight onto each population (stimuli
 * included: they weigh in the accumulator scales too) and every neuron's
 * fan-in sum. */
static int group_synapses(struct pass *P, snn_diag *d)
{
	const struct expanded *s = P->s;
	visit(s, pass_fn, P);
	if (P->err) {
		return mem_nomem(d);
	}
	for (uint32_t q = 0; q < P->ng; q++) {
		if (P->g[q].delay > 254) {
			const struct population *pp = &P->net->pops[P->g[q].post];
			return snn_diag_error(d, SNN_EUNSUP, pp->where.file, pp->where.line,
					      pp->where.col,
					      "synapses onto '%s' with a delay of %u steps: the "
					      "runtime takes at most 254",
					      pp->name, P->g[q].delay);
		}
	}
	for (uint32_t k = 0; k < s->n_stims; k++) {
		const struct expanded_stim *st = &s->stims[k];
		double w = fabs((double)st->wq * s->pops[st->pop].in_scale[st->ch]);
		P->wmax[st->pop] = w > P->wmax[st->pop] ? w : P->wmax[st->pop];
	}
	return SNN_OK;
}

/* What the runtime's neurons cannot hold: per-neuron parameters or initial
 * values, two currents, currents not starting at 0. */
static int check_population(const struct pass *P, uint32_t k, snn_diag *d)
{
	const struct expanded *s = P->s;
	const struct expanded_pop *pr = &s->pops[k];
	const struct population *pop = pr->ir;
	bool exp_syn = pr->model == MODEL_LIF_EXP;
	const char *why = NULL;
	if (pr->lif_het) {
		why = "parameters differ between neurons; the runtime keeps one value per "
		      "population";
	} else if (exp_syn && !pr->merged) {
		why = "exponential synapses with tau_syn_ex != tau_syn_in need two currents; the "
		      "runtime has one";
	}
	const double *v = s->v0 + pr->first, *x1 = s->i0 + pr->first;
	for (uint32_t i = 1; !why && i < pr->size; i++) {
		if (v[i] != v[0] || (exp_syn && x1[i] != x1[0])) {
			why = "initial values differ between neurons; the runtime starts all from "
			      "one value";
		}
	}
	if (!why && exp_syn && pr->size && x1[0] != 0.0) {
		why = "the runtime starts currents at 0";
	}
	if (why) {
		return snn_diag_error(d, SNN_EUNSUP, pop->where.file, pop->where.line,
				      pop->where.col, "population '%s': %s", pop->name, why);
	}
	return SNN_OK;
}

/* Population k as the runtime's LIF (delta synapses) or CubaLIF (one
 * exponential current): the state scale from the largest value v reaches,
 * the accumulator scale from the largest weight onto it, the current's
 * scale from the largest input it can sum. */
static int quantize_population(struct pass *P, uint32_t k, snn_diag *d)
{
	const struct expanded *s = P->s;
	const struct expanded_pop *pr = &s->pops[k];
	const struct population *pop = pr->ir;
	struct cc_model *m = P->m;
	struct snnrt_pop *R = &m->pops[k];
	struct cc_popinfo *inf = &m->info[k];
	inf->name = mem_strdup(pop->name);
	if (!inf->name) {
		return mem_nomem(d);
	}
	int rc = check_population(P, k, d);
	if (rc != SNN_OK) {
		return rc;
	}
	bool exp_syn = pr->model == MODEL_LIF_EXP;
	const struct lif_prop *L = &pr->lif;
	double lim = P->o->weight_bits == 8 ? 127.0 : 32767.0;
	double A = P->wmax[k] > 0 ? lim / P->wmax[k] : 1.0;
	double v0 = pr->size ? s->v0[pr->first] : 0.0;
	double r = fmax(fmax(fabs(L->theta), fabs(L->reset)), fabs(v0));
	if (!exp_syn && isfinite(L->v_min)) {
		r = fmax(r, fabs(L->v_min));
	}
	double sv = cc_pow2_scale(8.0 * r);
	R->model = exp_syn ? SNNRT_CUBA_LIF : SNNRT_LIF;
	R->size = pr->size;
	R->hist = 1;
	R->a_m = cc_q32(ldexp(L->P22, SNNRT_DECAY_BITS));
	R->c_m = cc_q32(L->P20 * L->I_e * sv);
	R->v0 = cc_q32(v0 * sv);
	/* the engine fires at y >= theta, the runtime at v > v_th */
	R->v_th = cc_q32(L->theta * sv) - 1;
	R->v_reset = cc_q32(L->reset * sv);
	R->jump = R->v_th - R->v_reset;
	R->ref_steps = L->ref_steps;
	if (R->jump <= 0) {
		return snn_diag_error(d, SNN_EUNSUP, pop->where.file, pop->where.line,
				      pop->where.col, "population '%s': V_th must be above V_reset",
				      pop->name);
	}
	int bad;
	double si = 0.0;
	if (exp_syn) {
		/* the current's bound: the largest per-step input over (1 - P11) */
		double in = 0.0;
		for (uint32_t i = 0; i < pr->size; i++) {
			in = fmax(in, P->insum[pr->first + i]);
		}
		for (uint32_t q = 0; q < s->n_stims; q++) {
			const struct expanded_stim *st = &s->stims[q];
			if (st->pop == k) {
				double lam = st->pt.lambda;
				in += P->wmax[k] * (lam + 10.0 * sqrt(lam) + 10.0);
			}
		}
		si = cc_pow2_scale(2.0 * in / (1.0 - L->P11ex) + 1.0);
		R->flags |= SNNRT_F_OLDCUR;
		R->a_s = cc_q32(ldexp(L->P11ex, SNNRT_DECAY_BITS));
		bad = cc_multiplier(si / A, false, &R->in_mul, &R->in_sh) ||
		      cc_multiplier(L->P21ex * sv / si, false, &R->syn_mul, &R->syn_sh);
	} else {
		bad = cc_multiplier(sv / A, false, &R->in_mul, &R->in_sh);
		if (isfinite(L->v_min)) {
			R->flags |= SNNRT_F_VMIN;
			R->v_min = cc_q32(L->v_min * sv);
		}
	}
	if (bad) {
		return snn_diag_error(d, SNN_ERANGE, pop->where.file, pop->where.line,
				      pop->where.col,
				      "population '%s': its input gain does not fit a 32-bit "
				      "multiplier",
				      pop->name);
	}
	inf->spiking = true;
	inf->out_scale = 1.0;
	inf->acc_scale = A;
	inf->v_scale = sv;
	inf->i_scale = si;
	m->outputs[k] = (uint16_t)k;
	return SNN_OK;
}

/* The projections' arrays: one sparse projection per group, in CSR by
 * source. */
static int alloc_projections(struct pass *P, snn_diag *d)
{
	struct cc_model *m = P->m;
	uint32_t nq = P->ng;
	m->rt.n_projs = nq;
	m->projs = mem_array(nq, sizeof(*m->projs));
	m->wtab = mem_array(nq, sizeof(void *));
	m->n_w = mem_array(nq, sizeof(uint64_t));
	m->rows = mem_array(nq, sizeof(uint32_t *));
	m->cols = mem_array(nq, sizeof(uint32_t *));
	m->n_col = mem_array(nq, sizeof(uint64_t));
	P->fill = mem_array(nq, sizeof(uint32_t *));
	if (!m->projs || !m->wtab || !m->n_w || !m->rows || !m->cols || !m->n_col || !P->fill) {
		return mem_nomem(d);
	}
	m->rt.projs = m->projs;
	size_t wb = P->o->weight_bits / 8;
	for (uint32_t q = 0; q < nq; q++) {
		uint32_t npre = m->pops[P->g[q].pre].size;
		uint64_t n = P->g[q].n;
		if (n > UINT32_MAX) {
			return snn_diag_error(d, SNN_ERANGE, NULL, 0, 0, "too many synapses");
		}
		m->rows[q] = mem_array((size_t)npre + 1, sizeof(uint32_t));
		m->cols[q] = mem_array_raw((size_t)n, sizeof(uint32_t));
		m->wtab[q] = mem_array_raw((size_t)n, wb);
		P->fill[q] = mem_array((size_t)npre + 1, sizeof(uint32_t));
		if (!m->rows[q] || !m->cols[q] || !m->wtab[q] || !P->fill[q]) {
			return mem_nomem(d);
		}
		struct snnrt_proj *R = &m->projs[q];
		R->kind = SNNRT_SPARSE;
		R->delay = (uint8_t)P->g[q].delay;
		R->pre = (uint16_t)P->g[q].pre;
		R->post = (uint16_t)P->g[q].post;
		m->n_w[q] = n;
		m->n_col[q] = n;
		m->synapses += n;
		m->flash_tables += n * wb + ((uint64_t)npre + 1) * 4 + n * 4;
	}
	return SNN_OK;
}

/* Passes 1 and 2: row lengths, then columns and weights in the engine's
 * order within each row. */
static void fill_projections(struct pass *P)
{
	struct cc_model *m = P->m;
	P->phase = 1;
	visit(P->s, pass_fn, P);
	for (uint32_t q = 0; q < P->ng; q++) {
		uint32_t npre = m->pops[P->g[q].pre].size;
		for (uint32_t j = 0; j < npre; j++) {
			m->rows[q][j + 1] += m->rows[q][j];
			P->fill[q][j] = m->rows[q][j];
		}
	}
	P->phase = 2;
	visit(P->s, pass_fn, P);
	for (uint32_t q = 0; q < P->ng; q++) {
		struct snnrt_proj *R = &m->projs[q];
		R->row = m->rows[q];
		R->col = m->cols[q];
		if (P->o->weight_bits == 8) {
			R->w8 = m->wtab[q];
		} else {
			R->w16 = m->wtab[q];
		}
	}
}

/* Poisson stimulus st as Philox draws on the chip: the engine's CDF table as
 * integer thresholds, up to the first entry no draw exceeds. */
static int quantize_stimulus(struct pass *P, const struct expanded_stim *st, snn_diag *d)
{
	const struct expanded *s = P->s;
	struct cc_model *m = P->m;
	struct snnrt_stim *R = &m->stims[m->rt.n_stims];
	if (!(st->pt.lambda > 0)) {
		return SNN_OK;
	}
	if (st->pt.ncdf == 0) {
		const struct origin *w = &st->ir->where;
		return snn_diag_error(d, SNN_EUNSUP, w->file, w->line, w->col,
				      "Poisson stimulus with a mean of %g spikes per step: the "
				      "runtime's table takes means below 10",
				      st->pt.lambda);
	}
	if (st->start_step > UINT32_MAX) {
		return SNN_OK;
	}
	uint64_t *T = m->thr[m->rt.n_stims] = mem_array((size_t)st->pt.ncdf, sizeof(uint64_t));
	if (!T) {
		return mem_nomem(d);
	}
	int n = 0;
	for (; n < st->pt.ncdf; n++) {
		T[n] = (uint64_t)st->pt.thr[n];
		if (T[n] >> 53) {
			break; /* no draw exceeds this entry */
		}
	}
	double lim = P->o->weight_bits == 8 ? 127.0 : 32767.0;
	double w = (double)st->wq * s->pops[st->pop].in_scale[st->ch];
	double wq = nearbyint(w * m->info[st->pop].acc_scale);
	uint64_t seed = P->net->sim.seed;
	R->pop = (uint16_t)st->pop;
	R->n_thr = (uint8_t)n;
	R->sub = st->index;
	R->seed_lo = (uint32_t)seed;
	R->seed_hi = (uint32_t)(seed >> 32);
	R->gfirst = s->pops[st->pop].first;
	R->lo = st->ir->to.lo;
	R->hi = st->ir->to.hi;
	R->delay = st->delay_steps;
	R->start = (uint32_t)st->start_step;
	R->stop = st->stop_step > UINT32_MAX ? UINT32_MAX : (uint32_t)st->stop_step;
	R->wq = (int32_t)(wq > lim ? lim : wq < -lim ? -lim : wq);
	R->cmax = st->cmax;
	R->thr = T;
	m->flash_tables += sizeof(*R) + (uint64_t)n * 8;
	m->rt.n_stims++;
	return SNN_OK;
}

static int quantize_stimuli(struct pass *P, snn_diag *d)
{
	const struct expanded *s = P->s;
	struct cc_model *m = P->m;
	m->stims = mem_array(s->n_stims, sizeof(*m->stims));
	m->thr = mem_array(s->n_stims, sizeof(uint64_t *));
	if (!m->stims || !m->thr) {
		return mem_nomem(d);
	}
	m->n_thr_tabs = s->n_stims;
	for (uint32_t k = 0; k < s->n_stims; k++) {
		int rc = quantize_stimulus(P, &s->stims[k], d);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	m->rt.stims = m->stims;
	return SNN_OK;
}

/* RAM: v (and i), refractory counters, output slots, accumulator. */
static int layout_ram(struct cc_model *m, snn_diag *d)
{
	uint32_t words = 0;
	for (uint32_t k = 0; k < m->rt.n_pops; k++) {
		struct snnrt_pop *R = &m->pops[k];
		uint64_t need = (uint64_t)R->size * (R->hist + 3u + (R->ref_steps ? 1u : 0u));
		if (words + need > UINT32_MAX / 8) {
			return snn_diag_error(d, SNN_ERANGE, NULL, 0, 0, "network too large");
		}
		R->v_off = words;
		words += R->size * (R->model == SNNRT_CUBA_LIF ? 2u : 1u);
		if (R->ref_steps) {
			R->r_off = words;
			words += R->size;
		}
		R->out_off = words;
		words += R->size * R->hist;
		R->acc_off = words;
		words += R->size;
	}
	m->rt.n_words = words;
	m->flash_tables += (uint64_t)m->rt.n_pops * sizeof(struct snnrt_pop) +
			   (uint64_t)m->rt.n_projs * sizeof(struct snnrt_proj);
	return SNN_OK;
}

int cc_quantize_config(const snn_net *net, const struct cc_options *o, struct cc_model **out,
		       snn_diag *d)
{
	*out = NULL;
	struct expanded *s = NULL;
	struct pass P;
	memset(&P, 0, sizeof(P));
	P.net = net;
	P.o = o;
	int rc = check_network(net, d);
	if (rc == SNN_OK) {
		rc = expand_network(net, o->steps, &s, d);
	}
	if (rc != SNN_OK) {
		return rc;
	}
	P.s = s;
	rc = model_new(&P, d);
	if (rc == SNN_OK) {
		rc = group_synapses(&P, d);
	}
	for (uint32_t k = 0; rc == SNN_OK && k < s->n_pops; k++) {
		rc = quantize_population(&P, k, d);
	}
	if (rc == SNN_OK) {
		/* a population keeps its outputs as long as its slowest synapses */
		for (uint32_t q = 0; q < P.ng; q++) {
			struct snnrt_pop *pre = &P.m->pops[P.g[q].pre];
			if ((uint32_t)pre->hist < P.g[q].delay + 1u) {
				pre->hist = (uint8_t)(P.g[q].delay + 1u);
			}
		}
		rc = alloc_projections(&P, d);
	}
	if (rc == SNN_OK) {
		fill_projections(&P);
		rc = quantize_stimuli(&P, d);
	}
	if (rc == SNN_OK) {
		rc = layout_ram(P.m, d);
	}
	if (rc == SNN_OK) {
		*out = P.m;
		P.m = NULL;
	}
	for (uint32_t q = 0; P.fill && q < P.ng; q++) {
		mem_free(P.fill[q]);
	}
	mem_free(P.fill);
	mem_free(P.g);
	mem_free(P.wmax);
	mem_free(P.insum);
	cc_model_free(P.m);
	expanded_free(s);
	return rc;
}
