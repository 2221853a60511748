/*
 * The CPU engine's build: turns the IR into the runtime network of engine_int.h
 * (populations, stages, stimuli, recorders, and in parallel each thread's
 * synapse blocks and buffers); engine.c runs it, engine_cuda.c reuses it.
 * Layer: sim core (engines). Runs once before the steps: nothing here may be
 * called from the step loop.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "bigmem_int.h"
#include "engine_int.h"
#include "util_int.h"
#include "mem_int.h"

#ifdef _OPENMP
#define ENGINE_BARRIER() _Pragma("omp barrier")
#else
#define ENGINE_BARRIER() ((void)0)
#endif

#define REC_TARGET_ENTRIES (1u << 22) /* per thread, between two bookkeeping steps */
#define BOOKKEEPING_MAX_STEPS 100u
#define WINDOW_MAX_STEPS 32u	       /* longest window between two barriers */
#define WINDOW_LIST_ENTRIES (1u << 22) /* per thread: spike-list entries of two windows */

/* ------------------------------------------------------------------ stimuli */

static int setup_poisson(struct grid_sim *s, struct stim_rt *st, snn_diag *d)
{
	const struct stimulus *ir = st->ir;
	const struct model *m = s->net->pops[ir->to.pop].model;
	st->w = ir->weight;
	st->ch = (s->pops[ir->to.pop].n_in == 2 && ir->weight < 0) ? 1 : 0;
	(void)m;
	st->delay_steps = (uint32_t)grid_delay_steps_of(s, ir->delay_ms);
	st->start_step = grid_steps_of(s, ir->start_ms);
	st->stop_step = grid_steps_of(s, ir->stop_ms);
	poisson_table_init(&st->pt, ir->rate_hz * 1e-3 * s->dt_ms);
	st->cmax = poisson_count_max(st->pt.lambda);
	(void)d;
	return SNN_OK;
}

static int cmp_dc(const void *a, const void *b)
{
	const struct dc_event *x = a, *y = b;
	if (x->step != y->step) {
		return (x->step > y->step) - (x->step < y->step);
	}
	return (x->stim > y->stim) - (x->stim < y->stim);
}

static int setup_stimuli(struct grid_sim *s, snn_diag *d)
{
	const snn_net *net = s->net;
	s->n_stims = net->n_stims;
	s->stims = mem_array(net->n_stims, sizeof(struct stim_rt));
	s->poisson = mem_array(net->n_stims, sizeof(uint32_t));
	if (!s->stims || !s->poisson) {
		return mem_nomem(d);
	}
	uint32_t nev = 0;
	for (uint32_t i = 0; i < net->n_stims; i++) {
		struct stim_rt *st = &s->stims[i];
		st->ir = &net->stims[i];
		st->index = i;
		st->pop = st->ir->to.pop;
		st->gfirst = net->pops[st->pop].first;
		if (st->ir->kind == STIM_POISSON) {
			int rc = setup_poisson(s, st, d);
			if (rc != SNN_OK) {
				return rc;
			}
			s->poisson[s->n_poisson++] = i;
		} else {
			nev += st->ir->kind == STIM_DC ? 2 : st->ir->n_steps;
		}
	}
	if (nev == 0) {
		return SNN_OK;
	}
	s->i_ext = mem_array(s->n_neurons, sizeof(double));
	s->dc_events = mem_array(nev, sizeof(struct dc_event));
	if (!s->i_ext || !s->dc_events) {
		return mem_nomem(d);
	}
	for (uint32_t i = 0; i < net->n_stims; i++) {
		const struct stimulus *ir = &net->stims[i];
		if (ir->kind == STIM_DC) {
			s->dc_events[s->n_dc_events++] =
			    (struct dc_event){grid_steps_of(s, ir->start_ms), i};
			if (isfinite(ir->stop_ms)) {
				s->dc_events[s->n_dc_events++] =
				    (struct dc_event){grid_steps_of(s, ir->stop_ms), i};
			}
		} else if (ir->kind == STIM_STEP) {
			for (uint32_t k = 0; k < ir->n_steps; k++) {
				s->dc_events[s->n_dc_events++] =
				    (struct dc_event){grid_steps_of(s, ir->times_ms[k]), i};
			}
		}
	}
	qsort(s->dc_events, s->n_dc_events, sizeof(struct dc_event), cmp_dc);
	return SNN_OK;
}

/* ------------------------------------------------------------------ recording */

static int setup_recording(struct grid_sim *s, snn_diag *d)
{
	const snn_net *net = s->net;
	int rc = outputs_plan(&s->out, net, s->n_neurons, &s->opt, d);
	if (rc != SNN_OK) {
		return rc;
	}
	/* traces */
	s->n_traces = net->n_traces;
	s->traces = mem_array(net->n_traces, sizeof(struct trace_rt));
	if (!s->traces) {
		return mem_nomem(d);
	}
	for (uint32_t r = 0; r < net->n_traces; r++) {
		struct trace_rt *tr = &s->traces[r];
		tr->ir = &net->traces[r];
		tr->pop = tr->ir->who.pop;
		tr->n = target_set_size(&tr->ir->who);
		tr->interval_steps = (uint32_t)net_steps_of(tr->ir->interval_ms, s->dt_ms);
		tr->gids = mem_array_raw(tr->n, sizeof(uint32_t));
		tr->thr_lo = mem_array((size_t)s->nthreads, sizeof(uint32_t));
		tr->thr_hi = mem_array((size_t)s->nthreads, sizeof(uint32_t));
		if (!tr->gids || !tr->thr_lo || !tr->thr_hi) {
			return mem_nomem(d);
		}
		uint32_t first = net->pops[tr->pop].first;
		for (uint32_t e = 0; e < tr->n; e++) {
			tr->gids[e] = first + target_set_at(&tr->ir->who, e);
		}
		for (int k = 0; k < s->nthreads; k++) {
			const struct thread_rt *t = &s->thr[k];
			uint32_t e = 0;
			while (e < tr->n && tr->gids[e] < t->lo) {
				e++;
			}
			tr->thr_lo[k] = e;
			while (e < tr->n && tr->gids[e] < t->hi) {
				e++;
			}
			tr->thr_hi[k] = e;
		}
	}
	return SNN_OK;
}

/* Steps between bookkeeping points, and buffer sizes that cannot overflow
 * between two of them. Another backend may fix the interval itself and keep
 * its own spike buffers (mode->bookkeeping). */
static int setup_buffers(struct grid_sim *s, const struct grid_mode *mode, snn_diag *d)
{
	uint32_t F = BOOKKEEPING_MAX_STEPS;
	for (int k = 0; k < s->nthreads; k++) {
		struct thread_rt *t = &s->thr[k];
		uint32_t c = 0;
		for (uint32_t g = t->lo; g < t->hi; g++) {
			c += s->out.rec_mask[g] != 0;
		}
		t->rec_in_slice = c;
		if (c && REC_TARGET_ENTRIES / c < F) {
			F = REC_TARGET_ENTRIES / c ? REC_TARGET_ENTRIES / c : 1;
		}
	}
	if (mode->bookkeeping) {
		F = mode->bookkeeping;
	}
	s->bookkeeping = F;
	for (int k = 0; k < s->nthreads; k++) {
		struct thread_rt *t = &s->thr[k];
		t->caprec = mode->host_buffers ? (size_t)F * t->rec_in_slice + 1 : 1;
		t->rec = mem_array_raw(t->caprec, sizeof(struct rec_entry));
		t->pop_spikes = mem_array(s->n_pops, sizeof(uint64_t));
		if (!t->rec || !t->pop_spikes) {
			return mem_nomem(d);
		}
	}
	for (uint32_t r = 0; r < s->n_traces; r++) {
		struct trace_rt *tr = &s->traces[r];
		tr->cap_rows = F / tr->interval_steps + 2;
		tr->rows = mem_array((size_t)tr->cap_rows * tr->n, sizeof(double));
		if (!tr->rows) {
			return mem_nomem(d);
		}
	}
	return SNN_OK;
}

/* ------------------------------------------------------------------ build */

static void thread_free(struct thread_rt *t)
{
	for (uint32_t k = 0; t->blocks && k < t->n_blocks; k++) {
		synapses_free_block(&t->blocks[k]);
	}
	mem_free(t->blocks);
	big_free(t->ring);
	big_free(t->ringd);
	mem_free(t->spk);
	mem_free(t->amp);
	mem_free(t->nspk);
	mem_free(t->stage_end);
	mem_free(t->rec);
	mem_free(t->pop_spikes);
}

void grid_destroy(struct grid_sim *s)
{
	if (!s) {
		return;
	}
	for (int k = 0; s->thr && k < s->nthreads; k++) {
		thread_free(&s->thr[k]);
	}
	mem_free(s->thr);
	mem_free(s->flush_lists);
	mem_free(s->flush_counts);
	mem_free(s->flush_pos);
	for (uint32_t i = 0; s->pops && i < s->n_pops; i++) {
		struct pop_rt *p = &s->pops[i];
		mem_free(p->v);
		mem_free(p->x1);
		mem_free(p->x2);
		mem_free(p->ref);
		mem_free(p->lif_het);
		mem_free(p->cond_het);
		mem_free(p->nir_het);
		mem_free(p->loihi_het);
		mem_free(p->lu);
		mem_free(p->lv);
		mem_free(p->train_step);
		mem_free(p->cursor);
	}
	mem_free(s->pops);
	mem_free(s->stage_first);
	mem_free(s->bias);
	mem_free(s->stims);
	mem_free(s->poisson);
	mem_free(s->dc_events);
	mem_free(s->i_ext);
	for (uint32_t r = 0; s->traces && r < s->n_traces; r++) {
		mem_free(s->traces[r].gids);
		mem_free(s->traces[r].thr_lo);
		mem_free(s->traces[r].thr_hi);
		mem_free(s->traces[r].rows);
	}
	mem_free(s->traces);
	outputs_free(&s->out);
	mem_free(s);
}

static int default_threads(void)
{
#ifdef _OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}

int grid_default_threads(void)
{
	return default_threads();
}

/* Allocates a thread's ring buffers and spike lists (first touch by the
 * owning thread). */
static int thread_alloc_buffers(struct grid_sim *s, struct thread_rt *t)
{
	uint32_t slice = t->hi - t->lo;
	size_t cells = (size_t)s->ring_slots * s->n_ch * (slice ? slice : 1);
	if (s->graded) {
		t->ringd = big_calloc(cells * sizeof(double));
	} else {
		t->ring = big_calloc(cells * sizeof(int32_t));
	}
	size_t entries = (size_t)s->n_lists * grid_slice_cap(t);
	t->spk = mem_array_raw(entries, sizeof(uint32_t));
	t->nspk = mem_array(s->n_lists, sizeof(uint32_t));
	t->stage_end = mem_array((size_t)s->n_lists * s->n_stages, sizeof(uint32_t));
	bool amp_ok = true;
	if (s->graded) {
		t->amp = mem_array_raw(entries, sizeof(double));
		amp_ok = t->amp != NULL;
	}
	if ((!t->ring && !t->ringd) || !t->spk || !t->nspk || !t->stage_end || !amp_ok) {
		t->err = SNN_ENOMEM;
		snprintf(t->errmsg, sizeof(t->errmsg), "out of memory for the input buffers");
		return -1;
	}
	return 0;
}

struct build_ctl {
	bool host_buffers; /* allocate the ring buffers of the CPU threads */
	void *shared;
	double *popmax; /* [thread][pop][2] */
	int rc;		/* of the single-thread phase */
	bool failed;	/* some thread met an error */
	snn_diag *d;
};

/* Steps between two deliveries: at most the shortest delay, so that a
 * window's spikes only reach later windows; one with same-step stages; small
 * enough that the spike lists stay modest and that bookkeeping points (whose
 * interval becomes a multiple of the window) keep their buffers' bounds.
 * A backend that runs the steps itself (no host buffers) keeps the
 * bookkeeping interval it asked for: the window is then unused. */
static void choose_window(struct grid_sim *s, bool host_buffers)
{
	if (!host_buffers) {
		s->window = 1;
		s->n_lists = 2;
		return;
	}
	uint32_t w = synapses_min_delay(s);
	if (w > WINDOW_MAX_STEPS) {
		w = WINDOW_MAX_STEPS;
	}
	if (w > s->bookkeeping) {
		w = s->bookkeeping;
	}
	uint32_t widest = 1;
	for (int k = 0; k < s->nthreads; k++) {
		uint32_t n = s->thr[k].hi - s->thr[k].lo;
		widest = n > widest ? n : widest;
	}
	while (w > 1 && (uint64_t)2 * w * widest > WINDOW_LIST_ENTRIES) {
		w--;
	}
	if (w < 1 || s->n_stages > 1) {
		w = 1;
	}
	s->window = w;
	s->n_lists = 2 * w;
	s->bookkeeping -= s->bookkeeping % w;
}

/* One thread's part of the build. Phases: the synapses of its slice; the
 * largest inputs of its neurons; (thread 0) the ring size and the fixed-point
 * shifts; the conversion of its weights and its buffers. */
static void build_thread(struct grid_sim *s, struct build_ctl *c, int tid)
{
	struct thread_rt *t = &s->thr[tid];
	double *mine = c->popmax + (size_t)tid * s->n_pops * 2;
	synapses_build_thread(s, t, c->shared);
	if (!t->err && !s->graded) {
		synapses_bound_thread(s, t, mine);
	}
	ENGINE_BARRIER();
	if (tid == 0) {
		uint32_t md = synapses_max_delay(s);
		uint32_t slots = 2;
		while (slots < md + 1) {
			slots *= 2;
		}
		s->ring_slots = slots;
		s->ring_mask = slots - 1;
		choose_window(s, c->host_buffers);
		for (int k = 0; k < s->nthreads; k++) {
			c->failed |= s->thr[k].err != 0;
		}
		for (int k = 1; k < s->nthreads && !c->failed; k++) {
			const double *o = c->popmax + (size_t)k * s->n_pops * 2;
			for (uint32_t i = 0; i < s->n_pops * 2; i++) {
				c->popmax[i] = o[i] > c->popmax[i] ? o[i] : c->popmax[i];
			}
		}
		if (!c->failed && !s->graded) {
			c->rc = synapses_choose_shifts(s, c->popmax, c->d);
		}
	}
	ENGINE_BARRIER();
	if (!c->failed && c->rc == SNN_OK) {
		if (!s->graded) {
			synapses_convert_thread(s, t);
		}
		if (c->host_buffers) {
			thread_alloc_buffers(s, t);
		}
	}
}

static int build_region(struct grid_sim *s, bool host_buffers, void *shared, snn_diag *d)
{
	struct build_ctl c = {host_buffers, shared, NULL, SNN_OK, false, d};
	c.popmax = mem_array((size_t)s->nthreads * s->n_pops * 2, sizeof(double));
	if (!c.popmax) {
		return mem_nomem(d);
	}
#ifdef _OPENMP
	int nt = s->nthreads;
	int ok_count = 1;
#pragma omp parallel num_threads(nt) default(none) shared(s, c, ok_count, nt)
	{
		if (omp_get_num_threads() != nt) {
#pragma omp atomic write
			ok_count = 0;
		}
#pragma omp barrier
		if (ok_count) {
			build_thread(s, &c, omp_get_thread_num());
		}
	}
	if (!ok_count) {
		s->thr[0].err = SNN_EUNSUP;
		snprintf(s->thr[0].errmsg, sizeof(s->thr[0].errmsg),
			 "OpenMP gave fewer than the %d threads asked for", nt);
	}
#else
	build_thread(s, &c, 0);
#endif
	mem_free(c.popmax);
	return c.rc;
}

static int setup_pops(struct grid_sim *s, snn_diag *d)
{
	const snn_net *net = s->net;
	s->n_pops = net->n_pops;
	s->pops = mem_array(net->n_pops, sizeof(struct pop_rt));
	if (!s->pops) {
		return mem_nomem(d);
	}
	s->n_ch = 1;
	for (uint32_t i = 0; i < net->n_pops; i++) {
		struct pop_rt *p = &s->pops[i];
		p->ir = &net->pops[i];
		p->index = i;
		p->model = p->ir->model->id;
		p->first = p->ir->first;
		p->size = p->ir->size;
		p->ops = model_ops_of(p->model);
		p->n_in = (uint8_t)p->ir->model->n_channels;
		s->graded |= p->ir->model->graded;
		int rc = p->ops ? p->ops->setup(s->net, s->dt_ms, p, d)
				: snn_diag_error(d, SNN_EUNSUP, p->ir->where.file,
						 p->ir->where.line, p->ir->where.col,
						 "model not supported by the cpu engine");
		if (rc != SNN_OK) {
			return rc;
		}
		if (p->n_in > s->n_ch) {
			s->n_ch = p->n_in;
		}
	}
	return SNN_OK;
}

/* Smallest delay in steps that a projection may give a synapse. */
static uint32_t min_delay_steps(const struct projection *pr)
{
	if (pr->kind == PROJ_RULE) {
		return 1;
	}
	uint32_t m = UINT32_MAX;
	for (uint32_t i = 0; pr->x->pre_delay && i < pr->x->n_pre; i++) {
		m = pr->x->pre_delay[i] < m ? pr->x->pre_delay[i] : m;
	}
	return pr->x->delay_steps + (m == UINT32_MAX ? 0 : m);
}

/* Splits the populations into stages (engine_int.h) and gathers the constant
 * inputs (biases) of explicit projections. */
static int setup_stages(struct grid_sim *s, snn_diag *d)
{
	const snn_net *net = s->net;
	uint32_t np = s->n_pops;
	for (uint32_t i = 0; i < np; i++) {
		struct pop_rt *p = &s->pops[i];
		p->stage = i ? s->pops[i - 1].stage : 0;
		for (uint32_t q = 0; q < net->n_projs; q++) {
			const struct projection *pr = &net->projs[q];
			if (pr->post.pop != i || min_delay_steps(pr) > 0) {
				continue;
			}
			if (pr->pre.pop >= i) {
				const struct origin *o = &pr->where;
				return snn_diag_error(
				    d, SNN_EUNSUP, o->file, o->line, o->col,
				    "a projection without delay from '%s' to '%s', "
				    "which is not updated after it",
				    net->pops[pr->pre.pop].name, p->ir->name);
			}
			if (s->pops[pr->pre.pop].stage + 1 > p->stage) {
				p->stage = s->pops[pr->pre.pop].stage + 1;
			}
		}
	}
	s->n_stages = np ? s->pops[np - 1].stage + 1 : 1;
	s->stage_first = mem_array((size_t)s->n_stages + 1, sizeof(uint32_t));
	if (!s->stage_first) {
		return mem_nomem(d);
	}
	for (uint32_t i = np; i-- > 0;) {
		s->stage_first[s->pops[i].stage] = i;
	}
	s->stage_first[s->n_stages] = np;
	for (uint32_t q = 0; q < net->n_projs; q++) {
		const struct projection *pr = &net->projs[q];
		if (pr->kind == PROJ_RULE || !pr->x->bias) {
			continue;
		}
		if (!s->bias) {
			s->bias = mem_array(s->n_neurons, sizeof(double));
			if (!s->bias) {
				return mem_nomem(d);
			}
		}
		struct pop_rt *p = &s->pops[pr->post.pop];
		p->bias = s->bias + p->first;
		for (uint32_t j = 0; j < target_set_size(&pr->post); j++) {
			p->bias[target_set_at(&pr->post, j)] += pr->x->bias[j];
		}
	}
	return SNN_OK;
}

int grid_build_network(const snn_net *net, const snn_sim_options *opt, const struct grid_mode *mode,
		       struct grid_sim **out, snn_diag *d)
{
	*out = NULL;
	double t0 = now_s();
	struct grid_sim *s = mem_zalloc(sizeof(*s));
	if (!s) {
		return mem_nomem(d);
	}
	s->net = net;
	s->engine_name = mode->name;
	if (opt) {
		s->opt = *opt;
	}
	s->dt_ms = net->sim.dt_ms;
	int64_t steps = net_steps_of(net->sim.duration_ms, s->dt_ms);
	int rc = SNN_OK;
	if (steps < 1 || steps >= (int64_t)UINT32_MAX) {
		rc = snn_diag_error(
		    d, SNN_EINVAL, net->sim.duration_where.file, net->sim.duration_where.line,
		    net->sim.duration_where.col,
		    "the duration must be between one step and %u steps (got %g ms at "
		    "dt = %g ms)",
		    UINT32_MAX - 1, net->sim.duration_ms, s->dt_ms);
		goto fail;
	}
	s->n_steps = (uint64_t)steps;
	s->n_neurons = (uint32_t)net->n_neurons;
	s->nthreads = s->opt.threads > 0     ? s->opt.threads
		      : net->sim.threads > 0 ? net->sim.threads
					     : default_threads();
#ifndef _OPENMP
	if (s->nthreads != 1) {
		rc = snn_diag_error(d, SNN_EUNSUP, NULL, 0, 0,
				    "this build has no OpenMP: it runs on one thread only (asked "
				    "for %d)",
				    s->nthreads);
		goto fail;
	}
#endif
	if ((uint64_t)s->nthreads > (s->n_neurons ? s->n_neurons : 1)) {
		s->nthreads = (int)(s->n_neurons ? s->n_neurons : 1);
	}
	s->thr = mem_array((size_t)s->nthreads, sizeof(struct thread_rt));
	s->flush_lists = mem_array((size_t)s->nthreads, sizeof(*s->flush_lists));
	s->flush_counts = mem_array((size_t)s->nthreads, sizeof(size_t));
	s->flush_pos = mem_array((size_t)s->nthreads, sizeof(size_t));
	if (!s->thr || !s->flush_lists || !s->flush_counts || !s->flush_pos) {
		rc = mem_nomem(d);
		goto fail;
	}
	for (int k = 0; k < s->nthreads; k++) {
		s->thr[k].lo =
		    (uint32_t)((uint64_t)s->n_neurons * (uint64_t)k / (uint64_t)s->nthreads);
		s->thr[k].hi =
		    (uint32_t)((uint64_t)s->n_neurons * (uint64_t)(k + 1) / (uint64_t)s->nthreads);
	}
	if ((rc = setup_pops(s, d)) != SNN_OK || (rc = setup_stages(s, d)) != SNN_OK ||
	    (rc = setup_stimuli(s, d)) != SNN_OK || (rc = setup_recording(s, d)) != SNN_OK ||
	    (rc = setup_buffers(s, mode, d)) != SNN_OK) {
		goto fail;
	}
	void *shared = NULL;
	rc = synapses_shared_new(s, &shared, d);
	if (rc == SNN_OK) {
		rc = build_region(s, mode->host_buffers, shared, d);
	}
	synapses_shared_free(s, shared);
	if (rc != SNN_OK) {
		goto fail;
	}
	for (int k = 0; k < s->nthreads; k++) {
		const struct thread_rt *t = &s->thr[k];
		if (t->err) {
			rc = snn_diag_error(d, t->err, t->errwhere.file, t->errwhere.line,
					    t->errwhere.col, "%s", t->errmsg);
			goto fail;
		}
	}
	for (int k = 0; k < s->nthreads; k++) {
		s->thr[k].events = 0;
	}
	s->stats.build_s = now_s() - t0;
	*out = s;
	return SNN_OK;
fail:
	grid_destroy(s);
	return rc;
}
