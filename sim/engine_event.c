/*
 * The exact event-driven engine: every neuron's state advances in closed
 * form from one of its events to the next, spikes happen at real-valued
 * times, delays are used as drawn (never rounded), and the work grows with
 * the number of events, not with neurons x steps.
 * Layer: sim core (engines). Builds the same network as the grid engine
 * (the same synapses, weights, parameters and initial values for a seed);
 * runs on one thread, so its output never depends on a thread count. Names
 * no model: each population's dynamics are its model's row of struct
 * event_ops (event_int.h), fetched once per event from the population.
 *
 * Events and their order. Four sources of events feed one loop:
 *   0. current changes (dc and step stimuli), a sorted list;
 *   1. spike arrivals: one entry per spike in flight, in a binary heap keyed
 *      by the arrival time of its next delay group (a source's synapses are
 *      sorted by delay, so an entry walks its row group by group);
 *   2. Poisson stimulus arrivals: one stream per (stimulus, target), in a
 *      binary heap;
 *   3. emissions: threshold crossings of integrating neurons and the spikes
 *      of sources, in an indexed heap with one slot per neuron (a new input
 *      moves the neuron's slot); a slot may instead hold the end of a
 *      crossing search's look-ahead window (EV_CHECK), where the neuron is
 *      advanced and searched again without spiking.
 * The next event is the earliest; ties are broken by the kind above (so every
 * input arriving at t is summed before a neuron at threshold at t spikes),
 * then within a kind: changes by stimulus index; arrivals by emission time,
 * then source id, then delay group; Poisson arrivals by (stimulus, target)
 * stream index; emissions by neuron id. Spikes are therefore written in
 * (time, id) order. Trace samples at time t are taken after every event at t.
 * The run covers events with 0 <= t <= duration.
 *
 * Costs. A spike costs one push and one pop of the flight heap per delay
 * group, O(log F) with F the spikes in flight (a dozen in benchmark 4: the
 * heap takes under 2% of a run, so a calendar queue would buy nothing
 * there); each synaptic event costs a closed-form advance of its target, a
 * new crossing time and an O(log N) move in the emission heap. Memory: 12
 * bytes per synapse (target id, double weight), 16 per delay group, 64 per
 * neuron. Nothing is allocated in the loop except when the flight heap
 * doubles (rarely, and never beyond the spikes that can be in flight).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect_int.h"
#include "engines_int.h"
#include "event_int.h"
#include "mem_int.h"
#include "model_rt.h"
#include "net_int.h"
#include "outputs_int.h"
#include "tracefile_int.h"
#include "util_int.h"

#define EV_NONE UINT32_MAX
#define EV_REC_BATCH 256
#define EV_TRACE_ROWS 1024
#define EV_PROGRESS_EVERY 4096u
#define EV_HOOK_MS 10.0 /* the on_spikes hook hears of the time at least this often */

/* A spike in flight, delivered one delay group (run) at a time. */
struct ev_flight {
	double t_arr; /* arrival of run `run` */
	double t_emit;
	uint64_t run; /* index into the run tables */
	uint32_t src;
};

/* A Poisson stimulus train onto one neuron. */
struct ev_stream {
	double t_arr;  /* arrival of the current event */
	double t_emit; /* its emission */
	uint64_t j;    /* its index in the train */
	uint32_t stim;
	uint32_t gid;
};

struct ev_change {
	double t;
	uint32_t stim;
};

struct ev_trace {
	const struct trace_record *ir;
	const struct ev_pop *pop; /* the traced population */
	uint32_t n;
	uint32_t *gids;
	double interval_ms;
	uint64_t interval_steps;
	uint64_t n_samples, next; /* samples to take; the next one (1-based) */
	double *rows;
	uint32_t nrows;
};

struct ev_sim {
	const snn_net *net;
	snn_sim_options opt;
	struct ev_net ev; /* the neurons, the end of the run: what the rows see */
	uint32_t n_neurons;
	struct ev_pop *pops;
	uint32_t n_pops;
	/* synapses by source: row -> runs of equal delay -> targets and weights */
	uint64_t *row_run; /* n_neurons + 1 */
	uint64_t *run_off; /* n_runs + 1 */
	double *run_delay;
	uint32_t *syn_tgt;
	double *syn_w;
	uint64_t n_syn, n_runs;
	/* emissions: indexed heap over neurons */
	uint32_t *eh, *epos;
	double *ekey;
	uint8_t *echeck; /* per neuron: its key is a look-ahead check, not a spike */
	uint32_t en;
	/* spikes in flight */
	struct ev_flight *fh;
	size_t fn, fcap;
	/* Poisson stimulus streams */
	struct ev_stream *streams;
	uint32_t *sh;
	uint32_t sn, n_streams;
	/* current changes */
	struct ev_change *chg;
	uint32_t n_chg, cur_chg;
	bool has_current;
	/* outputs */
	struct engine_outputs out; /* rec_mask, spike and trace writers, statistics arrays */
	double rec_t[EV_REC_BATCH];
	uint64_t rec_id[EV_REC_BATCH];
	uint32_t nrec;
	int32_t rec_slot;
	snn_spike_event hook_ev[EV_REC_BATCH]; /* spikes for the on_spikes hook */
	uint32_t nhook;
	double hook_next; /* the next time the hook is told of */
	struct ev_trace *traces;
	uint32_t n_traces;
	/* results */
	uint64_t events;
	double t_now;
	snn_stats stats;
};

/* ------------------------------------------------------------------ emission heap */

static inline bool eh_less(const struct ev_sim *s, uint32_t a, uint32_t b)
{
	return s->ekey[a] < s->ekey[b] || (s->ekey[a] == s->ekey[b] && a < b);
}

static void eh_place(struct ev_sim *s, uint32_t i, uint32_t g)
{
	s->eh[i] = g;
	s->epos[g] = i;
}

static void eh_up(struct ev_sim *s, uint32_t i)
{
	uint32_t g = s->eh[i];
	while (i > 0) {
		uint32_t p = (i - 1) / 2;
		if (!eh_less(s, g, s->eh[p])) {
			break;
		}
		eh_place(s, i, s->eh[p]);
		i = p;
	}
	eh_place(s, i, g);
}

static void eh_down(struct ev_sim *s, uint32_t i)
{
	uint32_t g = s->eh[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= s->en) {
			break;
		}
		if (c + 1 < s->en && eh_less(s, s->eh[c + 1], s->eh[c])) {
			c++;
		}
		if (!eh_less(s, s->eh[c], g)) {
			break;
		}
		eh_place(s, i, s->eh[c]);
		i = c;
	}
	eh_place(s, i, g);
}

static void eh_remove(struct ev_sim *s, uint32_t g)
{
	uint32_t i = s->epos[g];
	s->epos[g] = EV_NONE;
	uint32_t last = s->eh[--s->en];
	if (i == s->en) {
		return;
	}
	eh_place(s, i, last);
	if (i > 0 && eh_less(s, last, s->eh[(i - 1) / 2])) {
		eh_up(s, i);
	} else {
		eh_down(s, i);
	}
}

/* Schedules neuron g's next emission at t (+inf or past the end: none).
 * O(log n). */
static void eh_set(struct ev_sim *s, uint32_t g, double t)
{
	uint32_t i = s->epos[g];
	if (!(t <= s->ev.t_end)) {
		if (i != EV_NONE) {
			eh_remove(s, g);
		}
		return;
	}
	if (i == EV_NONE) {
		s->ekey[g] = t;
		s->eh[s->en] = g;
		s->epos[g] = s->en;
		eh_up(s, s->en++);
		return;
	}
	double old = s->ekey[g];
	s->ekey[g] = t;
	if (t < old) {
		eh_up(s, i);
	} else if (t > old) {
		eh_down(s, i);
	}
}

/* Schedules what a row said of neuron g's next emission. */
static inline void schedule(struct ev_sim *s, uint32_t g, struct ev_next nx)
{
	if (nx.what == EV_KEEP) {
		return;
	}
	s->echeck[g] = nx.what == EV_CHECK;
	eh_set(s, g, nx.t);
}

/* ------------------------------------------------------------------ flight heap */

static inline bool fl_less(const struct ev_flight *a, const struct ev_flight *b)
{
	if (a->t_arr != b->t_arr) {
		return a->t_arr < b->t_arr;
	}
	if (a->t_emit != b->t_emit) {
		return a->t_emit < b->t_emit;
	}
	if (a->src != b->src) {
		return a->src < b->src;
	}
	return a->run < b->run;
}

static void fl_down(struct ev_sim *s, size_t i)
{
	struct ev_flight x = s->fh[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->fn) {
			break;
		}
		if (c + 1 < s->fn && fl_less(&s->fh[c + 1], &s->fh[c])) {
			c++;
		}
		if (!fl_less(&s->fh[c], &x)) {
			break;
		}
		s->fh[i] = s->fh[c];
		i = c;
	}
	s->fh[i] = x;
}

/* Adds a spike in flight; the heap grows by doubling (rarely, and never
 * beyond the spikes that can be in flight at once). Returns 0 or -1 when
 * out of memory. */
static int fl_push(struct ev_sim *s, const struct ev_flight *f)
{
	if (s->fn == s->fcap) {
		size_t cap = s->fcap ? 2 * s->fcap : 1024;
		struct ev_flight *p = mem_resize(s->fh, cap, sizeof(*p));
		if (!p) {
			return -1;
		}
		s->fh = p;
		s->fcap = cap;
	}
	size_t i = s->fn++;
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!fl_less(f, &s->fh[p])) {
			break;
		}
		s->fh[i] = s->fh[p];
		i = p;
	}
	s->fh[i] = *f;
	return 0;
}

/* ------------------------------------------------------------------ stream heap */

static inline bool st_less(const struct ev_sim *s, uint32_t a, uint32_t b)
{
	double ta = s->streams[a].t_arr, tb = s->streams[b].t_arr;
	return ta < tb || (ta == tb && a < b);
}

static void st_down(struct ev_sim *s, uint32_t i)
{
	uint32_t x = s->sh[i];
	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= s->sn) {
			break;
		}
		if (c + 1 < s->sn && st_less(s, s->sh[c + 1], s->sh[c])) {
			c++;
		}
		if (!st_less(s, s->sh[c], x)) {
			break;
		}
		s->sh[i] = s->sh[c];
		i = c;
	}
	s->sh[i] = x;
}

/* ------------------------------------------------------------------ build */

/* One cache line (64 bytes) per neuron record, zeroed; through the
 * allocation seam's hook, as aligned_alloc is not one of its functions.
 * Free with mem_free. */
static struct ev_neuron *alloc_neurons(uint32_t n)
{
	size_t nb = ((size_t)n + 1) * sizeof(struct ev_neuron);
	struct ev_neuron *v = mem_hook_fails() ? NULL : aligned_alloc(64, nb);
	if (v) {
		memset(v, 0, nb);
	}
	return v;
}

/* Each population's row, constants and initial state; refuses a model
 * without a row (before anything is drawn, so the refusal comes first). */
static int setup_pops(struct ev_sim *s, snn_diag *d)
{
	const snn_net *net = s->net;
	s->n_pops = net->n_pops;
	s->pops = mem_array(net->n_pops, sizeof(struct ev_pop));
	s->ev.nrn = alloc_neurons(s->n_neurons);
	s->ev.src_j = mem_array(s->n_neurons, sizeof(uint64_t));
	if (!s->pops || !s->ev.nrn || !s->ev.src_j) {
		return mem_nomem(d);
	}
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct population *p = &net->pops[i];
		const struct model *m = p->model;
		const struct event_ops *ops = model_event_of(m->id);
		if (!ops) {
			return snn_diag_error(d, SNN_EUNSUP, p->where.file, p->where.line,
					      p->where.col,
					      "population '%s': the event engine cannot integrate "
					      "model '%s' exactly (%s); run it with engine: grid",
					      p->name, m->name, model_event_refusal(m->id));
		}
		struct ev_pop *ep = &s->pops[i];
		ep->ir = p;
		ep->ops = ops;
		ep->index = i;
		ep->first = p->first;
		ep->size = p->size;
	}
	for (uint32_t i = 0; i < net->n_pops; i++) {
		struct ev_pop *ep = &s->pops[i];
		uint64_t n_par = ep->ops->n_par ? ep->ops->n_par(ep->ir) : 0;
		ep->par = mem_array(n_par, ep->ops->par_size);
		if (!ep->par) {
			return mem_nomem(d);
		}
	}
	for (uint32_t i = 0; i < net->n_pops; i++) {
		struct ev_pop *ep = &s->pops[i];
		for (uint32_t k = 0; k < ep->size; k++) {
			s->ev.nrn[ep->first + k].pop = i;
		}
		int rc = ep->ops->setup(&s->ev, ep, d);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	return SNN_OK;
}

/* What the synapse builder shares between its two passes. */
struct builder {
	struct conn *conns;
	uint32_t n_conns;
	uint32_t **by_post; /* per population: target-driven projections onto it */
	uint32_t *n_by_post;
	uint64_t *cursor; /* NULL in the counting pass */
	double *delay;	  /* per synapse, until the runs are made */
	struct conn_scratch sc;
};

static int put(struct ev_sim *s, struct builder *b, const struct conn *c, uint32_t a, uint64_t k,
	       uint32_t src, uint32_t tgt, snn_diag *d)
{
	const struct origin *o = &c->pr->where;
	if (!b->cursor) {
		s->row_run[src]++;
		return 0;
	}
	double w, dms;
	if (conn_weight(c, a, k, &w) != 0) {
		return snn_diag_error(d, SNN_EINVAL, o->file, o->line, o->col,
				      "no weight inside the bounds after 1000 draws: the bounds "
				      "leave almost no probability");
	}
	if (conn_delay_ms(c, a, k, &dms) != 0) {
		return snn_diag_error(d, SNN_EINVAL, o->file, o->line, o->col,
				      "no delay inside the bounds after 1000 draws");
	}
	if (!(dms > 0) || !isfinite(dms)) {
		return snn_diag_error(d, SNN_EINVAL, o->file, o->line, o->col,
				      "a drawn delay is not positive (%g ms): bound the delay "
				      "distribution",
				      dms);
	}
	uint64_t pos = b->cursor[src]++;
	s->syn_tgt[pos] = tgt;
	s->syn_w[pos] = w;
	b->delay[pos] = dms;
	return 0;
}

/* One pass over every synapse, in the grid engine's creation order (target,
 * projection, draw; then the source-driven projections). */
static int pass(struct ev_sim *s, struct builder *b, snn_diag *d)
{
	const snn_net *net = s->net;
	for (uint32_t pi = 0; pi < net->n_pops; pi++) {
		const struct population *pop = &net->pops[pi];
		for (uint32_t q = 0; q < b->n_by_post[pi]; q++) {
			const struct conn *c = &b->conns[b->by_post[pi][q]];
			const struct projection *pr = c->pr;
			for (uint32_t j = 0; j < c->n_post; j++) {
				uint32_t tgt = pop->first + target_set_at(&pr->post, j);
				uint64_t n;
				if (conn_sources(c, j, &b->sc, &n) != 0) {
					return mem_nomem(d);
				}
				for (uint64_t k = 0; k < n; k++) {
					uint32_t src =
					    c->pre_first + target_set_at(&pr->pre, b->sc.idx[k]);
					int rc = put(s, b, c, j, k, src, tgt, d);
					if (rc != 0) {
						return rc;
					}
				}
			}
		}
	}
	for (uint32_t q = 0; q < b->n_conns; q++) {
		const struct conn *c = &b->conns[q];
		if (!c->source_driven) {
			continue;
		}
		const struct projection *pr = c->pr;
		for (uint32_t i = 0; i < c->n_pre; i++) {
			uint64_t n;
			if (conn_targets(c, i, &b->sc, &n) != 0) {
				return mem_nomem(d);
			}
			uint32_t src = c->pre_first + target_set_at(&pr->pre, i);
			for (uint64_t k = 0; k < n; k++) {
				uint32_t tgt =
				    c->post_first + target_set_at(&pr->post, b->sc.idx[k]);
				int rc = put(s, b, c, i, k, src, tgt, d);
				if (rc != 0) {
					return rc;
				}
			}
		}
	}
	return SNN_OK;
}

struct sort_item {
	double delay;
	uint64_t pos;
};

static int cmp_item(const void *x, const void *y)
{
	const struct sort_item *a = x, *b = y;
	if (a->delay != b->delay) {
		return a->delay < b->delay ? -1 : 1;
	}
	return (a->pos > b->pos) - (a->pos < b->pos);
}

/* Sorts every row by delay (stably) and groups equal delays into runs. */
static int make_runs(struct ev_sim *s, struct builder *b, uint64_t *row_syn, snn_diag *d)
{
	uint32_t N = s->n_neurons;
	uint64_t maxrow = 0;
	for (uint32_t src = 0; src < N; src++) {
		uint64_t len = row_syn[src + 1] - row_syn[src];
		maxrow = len > maxrow ? len : maxrow;
	}
	struct sort_item *it = mem_array_raw(maxrow, sizeof(*it));
	uint32_t *tt = mem_array_raw(maxrow, sizeof(uint32_t));
	double *tw = mem_array_raw(maxrow, sizeof(double));
	int rc = SNN_OK;
	if (!it || !tt || !tw) {
		rc = mem_nomem(d);
		goto out_free;
	}
	uint64_t nruns = 0;
	for (uint32_t src = 0; src < N; src++) {
		uint64_t a = row_syn[src], e = row_syn[src + 1];
		bool sorted = true;
		for (uint64_t i = a + 1; i < e && sorted; i++) {
			sorted = b->delay[i - 1] <= b->delay[i];
		}
		if (!sorted) {
			for (uint64_t i = a; i < e; i++) {
				it[i - a] = (struct sort_item){b->delay[i], i};
			}
			qsort(it, e - a, sizeof(*it), cmp_item);
			for (uint64_t i = a; i < e; i++) {
				tt[i - a] = s->syn_tgt[it[i - a].pos];
				tw[i - a] = s->syn_w[it[i - a].pos];
			}
			for (uint64_t i = a; i < e; i++) {
				s->syn_tgt[i] = tt[i - a];
				s->syn_w[i] = tw[i - a];
				b->delay[i] = it[i - a].delay;
			}
		}
		for (uint64_t i = a; i < e; i++) {
			nruns += i == a || b->delay[i] != b->delay[i - 1];
		}
	}
	s->run_off = mem_array_raw(nruns + 1, sizeof(uint64_t));
	s->run_delay = mem_array_raw(nruns, sizeof(double));
	if (!s->run_off || !s->run_delay) {
		rc = mem_nomem(d);
		goto out_free;
	}
	uint64_t r = 0;
	for (uint32_t src = 0; src < N; src++) {
		s->row_run[src] = r;
		uint64_t a = row_syn[src], e = row_syn[src + 1];
		for (uint64_t i = a; i < e; i++) {
			if (i == a || b->delay[i] != b->delay[i - 1]) {
				s->run_off[r] = i;
				s->run_delay[r] = b->delay[i];
				r++;
			}
		}
	}
	s->row_run[N] = r;
	s->run_off[r] = s->n_syn;
	s->n_runs = r;
out_free:
	mem_free(it);
	mem_free(tt);
	mem_free(tw);
	return rc;
}

static void builder_free(struct ev_sim *s, struct builder *b)
{
	for (uint32_t i = 0; i < b->n_conns; i++) {
		conn_release(&b->conns[i]);
	}
	for (uint32_t i = 0; b->by_post && i < s->net->n_pops; i++) {
		mem_free(b->by_post[i]);
	}
	mem_free(b->by_post);
	mem_free(b->n_by_post);
	mem_free(b->conns);
	mem_free(b->cursor);
	mem_free(b->delay);
	conn_scratch_free(&b->sc);
}

static int build_synapses(struct ev_sim *s, snn_diag *d)
{
	const snn_net *net = s->net;
	uint32_t N = s->n_neurons;
	struct builder b;
	memset(&b, 0, sizeof(b));
	uint64_t *row_syn = NULL;
	int rc = SNN_OK;
	b.conns = mem_array(net->n_projs, sizeof(struct conn));
	b.by_post = mem_array(net->n_pops, sizeof(uint32_t *));
	b.n_by_post = mem_array(net->n_pops, sizeof(uint32_t));
	s->row_run = mem_array((size_t)N + 1, sizeof(uint64_t));
	if (!b.conns || !b.by_post || !b.n_by_post || !s->row_run) {
		rc = mem_nomem(d);
		goto out;
	}
	for (uint32_t i = 0; i < net->n_projs; i++) {
		rc = conn_prepare(&b.conns[i], net, i, net->sim.seed, d);
		b.n_conns = i + 1;
		if (rc != SNN_OK) {
			goto out;
		}
		if (b.conns[i].source_driven) {
			continue;
		}
		uint32_t t = net->projs[i].post.pop;
		uint32_t *v =
		    mem_resize(b.by_post[t], (size_t)b.n_by_post[t] + 1, sizeof(uint32_t));
		if (!v) {
			rc = mem_nomem(d);
			goto out;
		}
		b.by_post[t] = v;
		v[b.n_by_post[t]++] = i;
	}
	/* pass 1 counts per source (in row_run, reused), pass 2 places */
	if ((rc = pass(s, &b, d)) != SNN_OK) {
		goto out;
	}
	row_syn = mem_array_raw((size_t)N + 1, sizeof(uint64_t));
	if (!row_syn) {
		rc = mem_nomem(d);
		goto out;
	}
	uint64_t total = 0;
	for (uint32_t src = 0; src <= N; src++) {
		row_syn[src] = total;
		total += src < N ? s->row_run[src] : 0;
	}
	s->n_syn = total;
	b.cursor = mem_array_raw((size_t)N + 1, sizeof(uint64_t));
	b.delay = mem_array_raw(total, sizeof(double));
	s->syn_tgt = mem_array_raw(total, sizeof(uint32_t));
	s->syn_w = mem_array_raw(total, sizeof(double));
	if (!b.cursor || !b.delay || !s->syn_tgt || !s->syn_w) {
		rc = mem_nomem(d);
		goto out;
	}
	memcpy(b.cursor, row_syn, ((size_t)N + 1) * sizeof(uint64_t));
	if ((rc = pass(s, &b, d)) != SNN_OK) {
		goto out;
	}
	rc = make_runs(s, &b, row_syn, d);
out:
	mem_free(row_syn);
	builder_free(s, &b);
	return rc;
}

/* Amplitude (pA) of a current stimulus at time t. */
static double current_at(const struct stimulus *ir, double t)
{
	if (ir->kind == STIM_DC) {
		return (t >= ir->start_ms && t < ir->stop_ms) ? ir->amp_pa : 0.0;
	}
	double amp = 0.0;
	for (uint32_t k = 0; k < ir->n_steps && ir->times_ms[k] <= t; k++) {
		amp = ir->amps_pa[k];
	}
	return amp;
}

/* The stimulus current of neuron `local` of population pi at t: the sum, in
 * config order, of every current stimulus on it (as the grid engine sums). */
static double current_sum(const struct ev_sim *s, uint32_t pi, uint32_t local, double t)
{
	double sum = 0.0;
	for (uint32_t q = 0; q < s->net->n_stims; q++) {
		const struct stimulus *o = &s->net->stims[q];
		if (o->kind != STIM_POISSON && o->to.pop == pi &&
		    target_set_contains(&o->to, local)) {
			sum += current_at(o, t);
		}
	}
	return sum;
}

static int cmp_change(const void *x, const void *y)
{
	const struct ev_change *a = x, *b = y;
	if (a->t != b->t) {
		return a->t < b->t ? -1 : 1;
	}
	return (a->stim > b->stim) - (a->stim < b->stim);
}

static int setup_stimuli(struct ev_sim *s, snn_diag *d)
{
	const snn_net *net = s->net;
	uint64_t nstreams = 0, nchg = 0;
	for (uint32_t i = 0; i < net->n_stims; i++) {
		const struct stimulus *st = &net->stims[i];
		if (st->kind == STIM_POISSON) {
			nstreams += st->rate_hz > 0 ? target_set_size(&st->to) : 0;
		} else {
			nchg += st->kind == STIM_DC ? 2 : st->n_steps;
			s->has_current = true;
		}
	}
	if (nstreams > UINT32_MAX - 1) {
		return snn_diag_error(d, SNN_EUNSUP, NULL, 0, 0,
				      "more than %u Poisson stimulus trains", UINT32_MAX - 1);
	}
	s->streams = mem_array(nstreams, sizeof(struct ev_stream));
	s->sh = mem_array(nstreams, sizeof(uint32_t));
	s->chg = mem_array(nchg, sizeof(struct ev_change));
	if (!s->streams || !s->sh || !s->chg) {
		return mem_nomem(d);
	}
	uint64_t seed = net->sim.seed;
	for (uint32_t i = 0; i < net->n_stims; i++) {
		const struct stimulus *st = &net->stims[i];
		if (st->kind == STIM_POISSON) {
			if (!(st->rate_hz > 0)) {
				continue;
			}
			double per_ms = st->rate_hz * 1e-3;
			uint32_t first = net->pops[st->to.pop].first;
			for (uint32_t k = 0; k < target_set_size(&st->to); k++) {
				uint32_t gid = first + target_set_at(&st->to, k);
				double te = st->start_ms + ev_exp_interval(seed, RNG_EVENT_POISSON,
									   i, gid, 0, per_ms);
				if (!(te < st->stop_ms)) {
					continue;
				}
				uint32_t id = s->n_streams++;
				s->streams[id] =
				    (struct ev_stream){te + st->delay_ms, te, 0, i, gid};
				s->sh[s->sn++] = id;
			}
			continue;
		}
		if (st->kind == STIM_DC) {
			if (st->start_ms > 0) {
				s->chg[s->n_chg++] = (struct ev_change){st->start_ms, i};
			}
			if (isfinite(st->stop_ms)) {
				s->chg[s->n_chg++] = (struct ev_change){st->stop_ms, i};
			}
		} else {
			for (uint32_t k = 0; k < st->n_steps; k++) {
				if (st->times_ms[k] > 0) {
					s->chg[s->n_chg++] = (struct ev_change){st->times_ms[k], i};
				}
			}
		}
	}
	/* streams were added in id order: sorting the heap array by key makes a
	 * valid heap */
	for (uint32_t i = s->sn / 2; i-- > 0;) {
		st_down(s, i);
	}
	qsort(s->chg, s->n_chg, sizeof(struct ev_change), cmp_change);
	return SNN_OK;
}

/* The first emission of every neuron, with the current stimuli on it at
 * t = 0. */
static int setup_emitters(struct ev_sim *s, snn_diag *d)
{
	uint32_t N = s->n_neurons;
	s->eh = mem_array_raw(N, sizeof(uint32_t));
	s->epos = mem_array_raw(N, sizeof(uint32_t));
	s->ekey = mem_array_raw(N, sizeof(double));
	s->echeck = mem_array(N, 1);
	if (!s->eh || !s->epos || !s->ekey || !s->echeck) {
		return mem_nomem(d);
	}
	for (uint32_t g = 0; g < N; g++) {
		s->epos[g] = EV_NONE;
	}
	for (uint32_t g = 0; g < N; g++) {
		const struct ev_pop *p = &s->pops[s->ev.nrn[g].pop];
		double amp = 0.0;
		if (s->has_current) {
			amp = current_sum(s, s->ev.nrn[g].pop, g - p->first, 0.0);
		}
		schedule(s, g, p->ops->first(&s->ev, p, g, amp));
	}
	return SNN_OK;
}

static int setup_recording(struct ev_sim *s, snn_diag *d)
{
	const snn_net *net = s->net;
	int rc = outputs_plan(&s->out, net, s->n_neurons, &s->opt, d);
	if (rc != SNN_OK) {
		return rc;
	}
	s->n_traces = net->n_traces;
	s->traces = mem_array(net->n_traces, sizeof(struct ev_trace));
	if (!s->traces) {
		return mem_nomem(d);
	}
	uint64_t n_steps = (uint64_t)net_steps_of(net->sim.duration_ms, net->sim.dt_ms);
	for (uint32_t r = 0; r < net->n_traces; r++) {
		const struct trace_record *t = &net->traces[r];
		struct ev_trace *tr = &s->traces[r];
		tr->ir = t;
		tr->pop = &s->pops[t->who.pop];
		tr->n = target_set_size(&t->who);
		tr->interval_steps = (uint64_t)net_steps_of(t->interval_ms, net->sim.dt_ms);
		tr->interval_ms = t->interval_ms;
		tr->n_samples = n_steps / tr->interval_steps;
		tr->next = 1;
		tr->gids = mem_array_raw(tr->n, sizeof(uint32_t));
		tr->rows = mem_array_raw((size_t)EV_TRACE_ROWS * tr->n, sizeof(double));
		if (!tr->gids || !tr->rows) {
			return mem_nomem(d);
		}
		uint32_t first = net->pops[t->who.pop].first;
		for (uint32_t e = 0; e < tr->n; e++) {
			tr->gids[e] = first + target_set_at(&t->who, e);
		}
	}
	return SNN_OK;
}

static void ev_free(void *impl)
{
	struct ev_sim *s = impl;
	if (!s) {
		return;
	}
	for (uint32_t i = 0; s->pops && i < s->n_pops; i++) {
		mem_free(s->pops[i].par);
	}
	mem_free(s->pops);
	mem_free(s->ev.nrn);
	mem_free(s->ev.src_j);
	mem_free(s->row_run);
	mem_free(s->run_off);
	mem_free(s->run_delay);
	mem_free(s->syn_tgt);
	mem_free(s->syn_w);
	mem_free(s->eh);
	mem_free(s->epos);
	mem_free(s->ekey);
	mem_free(s->echeck);
	mem_free(s->fh);
	mem_free(s->streams);
	mem_free(s->sh);
	mem_free(s->chg);
	for (uint32_t r = 0; s->traces && r < s->n_traces; r++) {
		mem_free(s->traces[r].gids);
		mem_free(s->traces[r].rows);
	}
	mem_free(s->traces);
	outputs_free(&s->out);
	mem_free(s);
}

static int ev_new(const snn_net *net, const snn_sim_options *opt, void **out, snn_diag *d)
{
	*out = NULL;
	double t0 = now_s();
	struct ev_sim *s = mem_zalloc(sizeof(*s));
	if (!s) {
		return mem_nomem(d);
	}
	s->net = net;
	s->ev.net = net;
	if (opt) {
		s->opt = *opt;
	}
	s->ev.t_end = net->sim.duration_ms;
	s->n_neurons = (uint32_t)net->n_neurons;
	s->rec_slot = -1;
	s->hook_next = EV_HOOK_MS;
	int rc;
	if ((rc = setup_pops(s, d)) != SNN_OK || (rc = build_synapses(s, d)) != SNN_OK ||
	    (rc = setup_stimuli(s, d)) != SNN_OK || (rc = setup_emitters(s, d)) != SNN_OK ||
	    (rc = setup_recording(s, d)) != SNN_OK) {
		ev_free(s);
		return rc;
	}
	s->stats.build_s = now_s() - t0;
	*out = s;
	return SNN_OK;
}

/* ------------------------------------------------------------------ outputs */

static int flush_rec(struct ev_sim *s, snn_diag *d)
{
	int rc = SNN_OK;
	if (s->nrec) {
		rc = snn_spike_writer_append(s->out.spikes, (size_t)s->rec_slot, s->rec_t,
					     s->rec_id, s->nrec, d);
	}
	s->nrec = 0;
	return rc;
}

/* Hands the queued spikes to the on_spikes hook; t_ms: the time reached. */
static void hook_flush(struct ev_sim *s, double t_ms)
{
	s->opt.on_spikes(s->opt.spikes_ctx, s->hook_ev, s->nhook, t_ms);
	s->nhook = 0;
}

/* Queues a spike for the hook (stimulus sources are not shown). */
static void hook_spike(struct ev_sim *s, const struct ev_pop *p, uint32_t gid, double t)
{
	if (p->ir->hidden) {
		return;
	}
	if (s->nhook == EV_REC_BATCH) {
		hook_flush(s, t);
	}
	s->hook_ev[s->nhook++] = (snn_spike_event){t, s->ev.nrn[gid].pop, gid - p->first};
}

static int record_spike(struct ev_sim *s, const struct ev_pop *p, uint32_t gid, double t,
			snn_diag *d)
{
	int32_t slot = s->out.spike_pop_slot[s->ev.nrn[gid].pop];
	if ((slot != s->rec_slot || s->nrec == EV_REC_BATCH) && flush_rec(s, d) != SNN_OK) {
		return SNN_EIO;
	}
	s->rec_slot = slot;
	s->rec_t[s->nrec] = t;
	s->rec_id[s->nrec] = gid - p->first;
	s->nrec++;
	return SNN_OK;
}

/* Takes every trace sample due at a time before `t` (or at or before the
 * end, when t is past it). */
static int sample_until(struct ev_sim *s, double t, bool inclusive, snn_diag *d)
{
	for (uint32_t r = 0; r < s->n_traces; r++) {
		struct ev_trace *tr = &s->traces[r];
		while (tr->next <= tr->n_samples) {
			double ts = (double)(tr->next * tr->interval_steps) * s->net->sim.dt_ms;
			if (inclusive ? ts > t : ts >= t) {
				break;
			}
			double *row = tr->rows + (size_t)tr->nrows * tr->n;
			const struct ev_pop *p = tr->pop;
			for (uint32_t e = 0; e < tr->n; e++) {
				row[e] = p->ops->get(&s->ev, p, tr->gids[e], tr->ir->var, ts);
			}
			tr->next++;
			if (++tr->nrows == EV_TRACE_ROWS) {
				int rc =
				    trace_writer_append(s->out.traces[r], tr->rows, tr->nrows, d);
				tr->nrows = 0;
				if (rc != SNN_OK) {
					return rc;
				}
			}
		}
	}
	return SNN_OK;
}

static int open_outputs(struct ev_sim *s, snn_diag *d)
{
	const snn_net *net = s->net;
	/* dt_ms 0: no time grid (CSV times are then written with 17 digits) */
	snn_provenance prov = {s->opt.software,
			       net->source_path,
			       net->source_text,
			       net->source_sha256,
			       net->sim.seed,
			       1,
			       engine_event_cpu.name,
			       0.0,
			       s->ev.t_end};
	return outputs_open(&s->out, s->opt.format, &prov, d);
}

/* ------------------------------------------------------------------ events */

/* An input of weight w reaches neuron g at t. */
static inline void deliver(struct ev_sim *s, uint32_t g, double w, double t)
{
	const struct ev_pop *p = &s->pops[s->ev.nrn[g].pop];
	schedule(s, g, p->ops->input(&s->ev, p, g, w, t));
}

static int do_emit(struct ev_sim *s, double t, snn_diag *d)
{
	uint32_t g = s->eh[0];
	struct ev_pop *p = &s->pops[s->ev.nrn[g].pop];
	if (s->echeck[g]) {
		/* the end of a look-ahead window: no crossing before it */
		schedule(s, g, p->ops->resume(&s->ev, p, g, t));
		return SNN_OK;
	}
	p->spikes++;
	if ((s->out.rec_mask[g] & REC_FILE) && record_spike(s, p, g, t, d) != SNN_OK) {
		return SNN_EIO;
	}
	if (s->opt.on_spikes) {
		hook_spike(s, p, g, t);
	}
	schedule(s, g, p->ops->emit(&s->ev, p, g, t));
	uint64_t r0 = s->row_run[g];
	if (r0 < s->row_run[g + 1]) {
		struct ev_flight f = {t + s->run_delay[r0], t, r0, g};
		if (fl_push(s, &f) != 0) {
			return mem_nomem(d);
		}
	}
	return SNN_OK;
}

static void do_flight(struct ev_sim *s)
{
	struct ev_flight *f = &s->fh[0];
	double t = f->t_arr;
	uint64_t r = f->run;
	uint64_t a = s->run_off[r], e = s->run_off[r + 1];
	for (uint64_t k = a; k < e; k++) {
		deliver(s, s->syn_tgt[k], s->syn_w[k], t);
	}
	s->events += e - a;
	if (r + 1 < s->row_run[f->src + 1]) {
		f->run = r + 1;
		f->t_arr = f->t_emit + s->run_delay[r + 1];
	} else {
		*f = s->fh[--s->fn];
	}
	if (s->fn) {
		fl_down(s, 0);
	}
}

static void do_stream(struct ev_sim *s)
{
	uint32_t id = s->sh[0];
	struct ev_stream *st = &s->streams[id];
	const struct stimulus *ir = &s->net->stims[st->stim];
	deliver(s, st->gid, ir->weight, st->t_arr);
	st->j++;
	st->t_emit += ev_exp_interval(s->net->sim.seed, RNG_EVENT_POISSON, st->stim, st->gid, st->j,
				      ir->rate_hz * 1e-3);
	if (st->t_emit < ir->stop_ms) {
		st->t_arr = st->t_emit + ir->delay_ms;
	} else {
		s->sh[0] = s->sh[--s->sn];
	}
	if (s->sn) {
		st_down(s, 0);
	}
}

static void do_change(struct ev_sim *s)
{
	const struct ev_change *c = &s->chg[s->cur_chg++];
	const struct stimulus *ir = &s->net->stims[c->stim];
	const struct ev_pop *p = &s->pops[ir->to.pop];
	for (uint32_t k = 0; k < target_set_size(&ir->to); k++) {
		uint32_t local = target_set_at(&ir->to, k);
		uint32_t g = p->first + local;
		double amp = current_sum(s, ir->to.pop, local, c->t);
		schedule(s, g, p->ops->current(&s->ev, p, g, amp, c->t));
	}
}

static uint64_t total_spikes(const struct ev_sim *s)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < s->n_pops; i++) {
		n += s->pops[i].spikes;
	}
	return n;
}

/* The event loop (order of events in the file's head comment). */
static int run_loop(struct ev_sim *s, double t0, snn_diag *d)
{
	uint32_t tick = 0;
	for (;;) {
		double tc = s->cur_chg < s->n_chg ? s->chg[s->cur_chg].t : INFINITY;
		double td = s->fn ? s->fh[0].t_arr : INFINITY;
		double tp = s->sn ? s->streams[s->sh[0]].t_arr : INFINITY;
		double te = s->en ? s->ekey[s->eh[0]] : INFINITY;
		double t = fmin(fmin(tc, td), fmin(tp, te));
		if (!(t <= s->ev.t_end)) {
			break;
		}
		/* the hook hears of the time every EV_HOOK_MS, spikes or not */
		while (s->opt.on_spikes && t > s->hook_next) {
			hook_flush(s, s->hook_next);
			s->hook_next += EV_HOOK_MS;
		}
		if (s->n_traces) {
			int rc = sample_until(s, t, false, d);
			if (rc != SNN_OK) {
				return rc;
			}
		}
		s->t_now = t;
		if (tc == t) {
			do_change(s);
		} else if (td == t) {
			do_flight(s);
		} else if (tp == t) {
			do_stream(s);
		} else {
			int rc = do_emit(s, t, d);
			if (rc != SNN_OK) {
				return rc;
			}
		}
		if (++tick == EV_PROGRESS_EVERY) {
			tick = 0;
			if (s->opt.progress) {
				snn_progress pr = {t, s->ev.t_end, now_s() - t0, total_spikes(s)};
				if (s->opt.progress(s->opt.progress_ctx, &pr) != 0) {
					return snn_diag_error(d, SNN_EINTR, NULL, 0, 0,
							      "stopped at t = %g ms; no output was "
							      "written",
							      t);
				}
			}
		}
	}
	s->t_now = s->ev.t_end;
	if (s->opt.on_spikes) {
		hook_flush(s, s->ev.t_end);
	}
	if (s->n_traces) {
		return sample_until(s, s->ev.t_end, true, d);
	}
	return SNN_OK;
}

/* The engine's part of the statistics; outputs_fill_stats the populations'. */
static int fill_stats(struct ev_sim *s, double sim_s, double bio_ms)
{
	snn_stats *st = &s->stats;
	for (uint32_t i = 0; i < s->n_pops; i++) {
		s->out.pop_spikes[i] = s->pops[i].spikes;
	}
	if (outputs_fill_stats(&s->out, bio_ms, st) != SNN_OK) {
		return SNN_ENOMEM;
	}
	st->events = s->events;
	st->synapses = s->n_syn;
	st->synapse_bytes = (double)s->n_syn * (sizeof(uint32_t) + sizeof(double)) +
			    (double)s->n_runs * (sizeof(uint64_t) + sizeof(double)) +
			    ((double)s->n_neurons + 1.0) * sizeof(uint64_t);
	st->sim_s = sim_s;
	st->bio_ms = bio_ms;
	st->threads = 1;
	st->engine = engine_event_cpu.name;
	return SNN_OK;
}

static int ev_run(void *impl, snn_diag *d)
{
	struct ev_sim *s = impl;
	int rc = open_outputs(s, d);
	if (rc != SNN_OK) {
		outputs_abort(&s->out);
		return rc;
	}
	double t0 = now_s();
	rc = run_loop(s, t0, d);
	if (rc == SNN_OK && s->out.spikes) {
		rc = flush_rec(s, d);
	}
	for (uint32_t r = 0; rc == SNN_OK && r < s->n_traces; r++) {
		struct ev_trace *tr = &s->traces[r];
		if (tr->nrows) {
			rc = trace_writer_append(s->out.traces[r], tr->rows, tr->nrows, d);
			tr->nrows = 0;
		}
	}
	double sim_s = now_s() - t0;
	if (rc != SNN_OK) {
		outputs_abort(&s->out);
		fill_stats(s, sim_s, s->t_now);
		return rc;
	}
	rc = outputs_commit(&s->out, d);
	if (rc != SNN_OK) {
		return rc;
	}
	if (fill_stats(s, sim_s, s->ev.t_end) != SNN_OK) {
		return mem_nomem(d);
	}
	return SNN_OK;
}

static const snn_stats *ev_stats(const void *impl)
{
	const struct ev_sim *s = impl;
	return &s->stats;
}

const struct engine_ops engine_event_cpu = {"event-cpu", ev_new, ev_run, ev_stats, ev_free};
