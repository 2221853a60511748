/*
 * The exact event-driven engine: every neuron's state advances in closed
 * form from one of its events to the next, spikes happen at real-valued
 * times, delays are used as drawn (never rounded), and the work grows with
 * the number of events, not with neurons x steps.
 * Layer: sim core (engines). Builds the same network as the grid engine
 * (the same synapses, weights, parameters and initial values for a seed);
 * runs on one thread, so its output never depends on a thread count.
 *
 * Events and their order. Four sources of events feed one loop:
 *   0. current changes (dc and step stimuli), a sorted list;
 *   1. spike arrivals: one entry per spike in flight, in a binary heap keyed
 *      by the arrival time of its next delay group (a source's synapses are
 *      sorted by delay, so an entry walks its row group by group);
 *   2. Poisson stimulus arrivals: one stream per (stimulus, target), in a
 *      binary heap;
 *   3. emissions: threshold crossings of lif neurons and the spikes of
 *      spike_source and poisson_source neurons, in an indexed heap with one
 *      slot per neuron (a new input moves the neuron's slot); a slot may
 *      instead hold the end of a crossing search's look-ahead window, where
 *      the neuron is advanced and searched again without spiking.
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
#include "net_int.h"
#include "outputs_int.h"
#include "rng_int.h"
#include "tracefile_int.h"
#include "util_int.h"

#define EV_NONE UINT32_MAX
#define EV_REC_BATCH 256
#define EV_TRACE_ROWS 1024
#define EV_PROGRESS_EVERY 4096u
#define EV_HOOK_MS 10.0 /* the on_spikes hook hears of the time at least this often */

struct ev_pop {
	const struct population *ir;
	enum model_id model;
	uint32_t first, size;
	/* poisson_source */
	double rate_per_ms, start_ms, stop_ms;
	uint64_t spikes;
};

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
	double t_end;
	uint32_t n_neurons;
	struct ev_pop *pops;
	uint32_t n_pops;
	struct ev_neuron *nrn; /* per global id */
	struct ev_lif *par;    /* constants, referenced by nrn[].par */
	uint64_t *src_j;       /* per global id: spike_source cursor, poisson_source count */
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

static int oom(snn_diag *d)
{
	return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0, "out of memory");
}

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
	if (!(t <= s->t_end)) {
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

/* Schedules lif neuron g's next crossing, or the look-ahead check that
 * stands for it (event_int.h). */
static void predict(struct ev_sim *s, uint32_t g, const struct ev_lif *P)
{
	bool check;
	double t = ev_lif_next_crossing(P, &s->nrn[g], s->t_end, &check);
	s->echeck[g] = check;
	eh_set(s, g, t);
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
		struct ev_flight *p = realloc(s->fh, cap * sizeof(*p));
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

/* Exponential interval (ms) number j of a Poisson train at `per_ms` events
 * per ms, from the stream (seed, purpose, sub, gid) at counter j. */
static double exp_interval(uint64_t seed, enum rng_purpose purpose, uint32_t sub, uint32_t gid,
			   uint64_t j, double per_ms)
{
	philox4x32_ctr_t b = rng_block(seed, purpose, sub, gid, j);
	return -log(rng_words_to_open01(b.v[0], b.v[1])) / per_ms;
}

/* ------------------------------------------------------------------ build */

static int setup_pops(struct ev_sim *s, snn_diag *d)
{
	const snn_net *net = s->net;
	s->n_pops = net->n_pops;
	s->pops = calloc(net->n_pops ? net->n_pops : 1, sizeof(struct ev_pop));
	/* one neuron per cache line (64 bytes) */
	size_t nb = (size_t)(s->n_neurons ? s->n_neurons : 1) * sizeof(struct ev_neuron);
	s->nrn = aligned_alloc(64, (nb + 63) / 64 * 64);
	if (s->nrn) {
		memset(s->nrn, 0, nb);
	}
	s->src_j = calloc(s->n_neurons ? s->n_neurons : 1, sizeof(uint64_t));
	if (!s->pops || !s->nrn || !s->src_j) {
		return oom(d);
	}
	uint64_t n_par = 0;
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct population *p = &net->pops[i];
		struct ev_pop *ep = &s->pops[i];
		ep->ir = p;
		ep->model = p->model->id;
		ep->first = p->first;
		ep->size = p->size;
		switch (ep->model) {
		case MODEL_LIF_DELTA:
		case MODEL_LIF_EXP: {
			bool hom = true;
			for (int k = 0; k < p->model->n_params; k++) {
				hom = hom && value_is_const(&p->params[k]);
			}
			n_par += hom ? 1 : p->size;
			break;
		}
		case MODEL_SPIKE_SOURCE:
		case MODEL_POISSON_SOURCE:
			break;
		case MODEL_LIF_COND:
		case MODEL_COUNT_:
		default:
			return snn_diag_error(
			    d, SNN_EUNSUP, p->where.file, p->where.line, p->where.col,
			    "population '%s': the event engine cannot integrate "
			    "model '%s' exactly (%s); run it with engine: grid",
			    p->name, p->model->name,
			    ep->model == MODEL_LIF_COND ? "its conductance-based synapses have no "
							  "closed-form solution"
							: "no closed form is implemented for it");
		}
	}
	s->par = calloc(n_par ? n_par : 1, sizeof(struct ev_lif));
	if (!s->par) {
		return oom(d);
	}
	uint32_t next_par = 0;
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct population *p = &net->pops[i];
		struct ev_pop *ep = &s->pops[i];
		for (uint32_t k = 0; k < p->size; k++) {
			struct ev_neuron *n = &s->nrn[p->first + k];
			n->pop = i;
			n->ref_end = -INFINITY;
		}
		if (ep->model == MODEL_POISSON_SOURCE) {
			/* constants (the loader checks) */
			ep->rate_per_ms = p->params[PSRC_RATE].a * 1e-3;
			ep->start_ms = p->params[PSRC_START].a;
			ep->stop_ms = p->params[PSRC_STOP].a;
			continue;
		}
		if (ep->model == MODEL_SPIKE_SOURCE) {
			for (uint32_t k = 0; k < p->size; k++) {
				s->src_j[p->first + k] = p->train_off[k];
			}
			continue;
		}
		bool exp_syn = ep->model == MODEL_LIF_EXP;
		bool hom = true;
		for (int k = 0; k < p->model->n_params; k++) {
			hom = hom && value_is_const(&p->params[k]);
		}
		double vals[LIF_N_PARAMS];
		uint32_t base = next_par;
		if (hom) {
			for (int k = 0; k < LIF_N_PARAMS; k++) {
				vals[k] = p->params[k].a;
			}
			ev_lif_init(&s->par[next_par++], vals, exp_syn);
		}
		for (uint32_t k = 0; k < p->size; k++) {
			struct ev_neuron *n = &s->nrn[p->first + k];
			if (hom) {
				n->par = base;
			} else {
				for (int q = 0; q < LIF_N_PARAMS; q++) {
					if (net_draw_param(net, p, q, k, &vals[q], d) != 0) {
						return SNN_EINVAL;
					}
				}
				if (!(vals[LIF_V_RESET] < vals[LIF_V_TH])) {
					return snn_diag_error(
					    d, SNN_EINVAL, p->where.file, p->where.line,
					    p->where.col,
					    "population '%s', neuron %u: V_reset %g mV is "
					    "not below V_th %g mV; bound the distributions",
					    p->name, k, vals[LIF_V_RESET], vals[LIF_V_TH]);
				}
				n->par = next_par;
				ev_lif_init(&s->par[next_par++], vals, exp_syn);
			}
			const struct ev_lif *P = &s->par[n->par];
			double vm;
			if (net_draw_init(net, p, LIF_S_V_M, k, P->E_L, &vm, d) != 0) {
				return SNN_EINVAL;
			}
			n->y = vm - P->E_L;
			if (exp_syn &&
			    (net_draw_init(net, p, LIF_S_I_SYN_EX, k, 0.0, &n->i_ex, d) != 0 ||
			     net_draw_init(net, p, LIF_S_I_SYN_IN, k, 0.0, &n->i_in, d) != 0)) {
				return SNN_EINVAL;
			}
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
					return oom(d);
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
				return oom(d);
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
	struct sort_item *it = malloc((maxrow ? maxrow : 1) * sizeof(*it));
	uint32_t *tt = malloc((maxrow ? maxrow : 1) * sizeof(uint32_t));
	double *tw = malloc((maxrow ? maxrow : 1) * sizeof(double));
	int rc = SNN_OK;
	if (!it || !tt || !tw) {
		rc = oom(d);
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
	s->run_off = malloc((nruns + 1) * sizeof(uint64_t));
	s->run_delay = malloc((nruns ? nruns : 1) * sizeof(double));
	if (!s->run_off || !s->run_delay) {
		rc = oom(d);
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
	free(it);
	free(tt);
	free(tw);
	return rc;
}

static void builder_free(struct ev_sim *s, struct builder *b)
{
	for (uint32_t i = 0; i < b->n_conns; i++) {
		conn_release(&b->conns[i]);
	}
	for (uint32_t i = 0; b->by_post && i < s->net->n_pops; i++) {
		free(b->by_post[i]);
	}
	free(b->by_post);
	free(b->n_by_post);
	free(b->conns);
	free(b->cursor);
	free(b->delay);
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
	b.conns = calloc(net->n_projs ? net->n_projs : 1, sizeof(struct conn));
	b.by_post = calloc(net->n_pops ? net->n_pops : 1, sizeof(uint32_t *));
	b.n_by_post = calloc(net->n_pops ? net->n_pops : 1, sizeof(uint32_t));
	s->row_run = calloc((size_t)N + 1, sizeof(uint64_t));
	if (!b.conns || !b.by_post || !b.n_by_post || !s->row_run) {
		rc = oom(d);
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
		uint32_t *v = realloc(b.by_post[t], (b.n_by_post[t] + 1) * sizeof(uint32_t));
		if (!v) {
			rc = oom(d);
			goto out;
		}
		b.by_post[t] = v;
		v[b.n_by_post[t]++] = i;
	}
	/* pass 1 counts per source (in row_run, reused), pass 2 places */
	if ((rc = pass(s, &b, d)) != SNN_OK) {
		goto out;
	}
	row_syn = malloc(((size_t)N + 1) * sizeof(uint64_t));
	if (!row_syn) {
		rc = oom(d);
		goto out;
	}
	uint64_t total = 0;
	for (uint32_t src = 0; src <= N; src++) {
		row_syn[src] = total;
		total += src < N ? s->row_run[src] : 0;
	}
	s->n_syn = total;
	b.cursor = malloc(((size_t)N + 1) * sizeof(uint64_t));
	b.delay = malloc((total ? total : 1) * sizeof(double));
	s->syn_tgt = malloc((total ? total : 1) * sizeof(uint32_t));
	s->syn_w = malloc((total ? total : 1) * sizeof(double));
	if (!b.cursor || !b.delay || !s->syn_tgt || !s->syn_w) {
		rc = oom(d);
		goto out;
	}
	memcpy(b.cursor, row_syn, ((size_t)N + 1) * sizeof(uint64_t));
	if ((rc = pass(s, &b, d)) != SNN_OK) {
		goto out;
	}
	rc = make_runs(s, &b, row_syn, d);
out:
	free(row_syn);
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
	s->streams = calloc(nstreams ? nstreams : 1, sizeof(struct ev_stream));
	s->sh = calloc(nstreams ? nstreams : 1, sizeof(uint32_t));
	s->chg = calloc(nchg ? nchg : 1, sizeof(struct ev_change));
	if (!s->streams || !s->sh || !s->chg) {
		return oom(d);
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
				double te = st->start_ms + exp_interval(seed, RNG_EVENT_POISSON, i,
									gid, 0, per_ms);
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
	if (s->has_current) {
		for (uint32_t g = 0; g < s->n_neurons; g++) {
			struct ev_neuron *n = &s->nrn[g];
			const struct ev_pop *p = &s->pops[n->pop];
			if (p->model == MODEL_LIF_DELTA || p->model == MODEL_LIF_EXP) {
				n->i_stim = current_sum(s, n->pop, g - p->first, 0.0);
			}
		}
	}
	return SNN_OK;
}

/* The first emission of every neuron. */
static int setup_emitters(struct ev_sim *s, snn_diag *d)
{
	uint32_t N = s->n_neurons;
	s->eh = malloc((N ? N : 1) * sizeof(uint32_t));
	s->epos = malloc((N ? N : 1) * sizeof(uint32_t));
	s->ekey = malloc((N ? N : 1) * sizeof(double));
	s->echeck = calloc(N ? N : 1, 1);
	if (!s->eh || !s->epos || !s->ekey || !s->echeck) {
		return oom(d);
	}
	for (uint32_t g = 0; g < N; g++) {
		s->epos[g] = EV_NONE;
	}
	uint64_t seed = s->net->sim.seed;
	for (uint32_t g = 0; g < N; g++) {
		struct ev_neuron *n = &s->nrn[g];
		const struct ev_pop *p = &s->pops[n->pop];
		double t = INFINITY;
		switch (p->model) {
		case MODEL_LIF_DELTA:
		case MODEL_LIF_EXP: {
			const struct ev_lif *P = &s->par[n->par];
			if (n->y < P->theta) {
				predict(s, g, P);
				continue;
			}
			t = 0.0;
			break;
		}
		case MODEL_SPIKE_SOURCE: {
			const struct population *ir = p->ir;
			uint32_t k = g - p->first;
			if (s->src_j[g] < ir->train_off[k + 1]) {
				t = ir->train_ms[s->src_j[g]];
			}
			break;
		}
		case MODEL_POISSON_SOURCE:
			if (p->rate_per_ms > 0) {
				t = p->start_ms + exp_interval(seed, RNG_EVENT_SOURCE, n->pop, g, 0,
							       p->rate_per_ms);
				t = t < p->stop_ms ? t : INFINITY;
			}
			break;
		case MODEL_LIF_COND:
		case MODEL_COUNT_:
		default:
			break;
		}
		eh_set(s, g, t);
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
	s->traces = calloc(net->n_traces ? net->n_traces : 1, sizeof(struct ev_trace));
	if (!s->traces) {
		return oom(d);
	}
	uint64_t n_steps = (uint64_t)net_steps_of(net->sim.duration_ms, net->sim.dt_ms);
	for (uint32_t r = 0; r < net->n_traces; r++) {
		const struct trace_record *t = &net->traces[r];
		struct ev_trace *tr = &s->traces[r];
		tr->ir = t;
		tr->n = target_set_size(&t->who);
		tr->interval_steps = (uint64_t)net_steps_of(t->interval_ms, net->sim.dt_ms);
		tr->interval_ms = t->interval_ms;
		tr->n_samples = n_steps / tr->interval_steps;
		tr->next = 1;
		tr->gids = malloc((tr->n ? tr->n : 1) * sizeof(uint32_t));
		tr->rows = malloc((size_t)EV_TRACE_ROWS * (tr->n ? tr->n : 1) * sizeof(double));
		if (!tr->gids || !tr->rows) {
			return oom(d);
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
	free(s->pops);
	free(s->nrn);
	free(s->par);
	free(s->src_j);
	free(s->row_run);
	free(s->run_off);
	free(s->run_delay);
	free(s->syn_tgt);
	free(s->syn_w);
	free(s->eh);
	free(s->epos);
	free(s->ekey);
	free(s->echeck);
	free(s->fh);
	free(s->streams);
	free(s->sh);
	free(s->chg);
	for (uint32_t r = 0; s->traces && r < s->n_traces; r++) {
		free(s->traces[r].gids);
		free(s->traces[r].rows);
	}
	free(s->traces);
	outputs_free(&s->out);
	free(s);
}

static int ev_new(const snn_net *net, const snn_sim_options *opt, void **out, snn_diag *d)
{
	*out = NULL;
	double t0 = now_s();
	struct ev_sim *s = calloc(1, sizeof(*s));
	if (!s) {
		return oom(d);
	}
	s->net = net;
	if (opt) {
		s->opt = *opt;
	}
	s->t_end = net->sim.duration_ms;
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
		rc = snn_spike_writer_append(s->out.spikes, (size_t)s->rec_slot, s->rec_t, s->rec_id,
					     s->nrec, d);
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
	s->hook_ev[s->nhook++] = (snn_spike_event){t, s->nrn[gid].pop, gid - p->first};
}

static int record_spike(struct ev_sim *s, const struct ev_pop *p, uint32_t gid, double t,
			snn_diag *d)
{
	int32_t slot = s->out.spike_pop_slot[s->nrn[gid].pop];
	if ((slot != s->rec_slot || s->nrec == EV_REC_BATCH) && flush_rec(s, d) != SNN_OK) {
		return SNN_EIO;
	}
	s->rec_slot = slot;
	s->rec_t[s->nrec] = t;
	s->rec_id[s->nrec] = gid - p->first;
	s->nrec++;
	return SNN_OK;
}

/* The value of a traced state variable of neuron g at t, from its closed
 * form; the neuron itself is not touched, so recording changes no spike. */
static double peek(const struct ev_sim *s, uint32_t g, int var, double t)
{
	struct ev_neuron c = s->nrn[g];
	const struct ev_lif *P = &s->par[c.par];
	ev_lif_advance(P, &c, t);
	switch (var) {
	case LIF_S_V_M:
		return c.y + P->E_L;
	case LIF_S_I_SYN_EX:
		return c.i_ex;
	case LIF_S_I_SYN_IN:
		return c.i_in;
	default:
		return NAN;
	}
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
			for (uint32_t e = 0; e < tr->n; e++) {
				row[e] = peek(s, tr->gids[e], tr->ir->var, ts);
			}
			tr->next++;
			if (++tr->nrows == EV_TRACE_ROWS) {
				int rc = trace_writer_append(s->out.traces[r], tr->rows, tr->nrows, d);
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
			       s->t_end};
	return outputs_open(&s->out, s->opt.format, &prov, d);
}

/* ------------------------------------------------------------------ events */

/* After neuron g (lif) changed at t: spike now if it stands at or above the
 * threshold (after every other input at t, by the tie rule), else schedule
 * its next crossing. */
static void reschedule(struct ev_sim *s, uint32_t g, const struct ev_lif *P, double t)
{
	struct ev_neuron *n = &s->nrn[g];
	n->t_in = t;
	if (n->ref_end < t && n->y >= P->theta) {
		s->echeck[g] = 0;
		eh_set(s, g, t);
	} else {
		predict(s, g, P);
	}
}

/* An input of weight w reaches lif neuron g at t: a voltage jump (delta
 * synapses; dropped while refractory) or a step of a synaptic current. */
static void deliver(struct ev_sim *s, uint32_t g, double w, double t)
{
	struct ev_neuron *n = &s->nrn[g];
	const struct ev_lif *P = &s->par[n->par];
	if (!P->exp_syn) {
		if (t <= n->ref_end) {
			return;
		}
		ev_lif_advance(P, n, t);
		n->y += w;
		if (n->y < P->v_min) {
			n->y = P->v_min;
		}
	} else {
		ev_lif_advance(P, n, t);
		if (w >= 0) {
			n->i_ex += w;
		} else {
			n->i_in += w;
		}
	}
	reschedule(s, g, P, t);
}

static int do_emit(struct ev_sim *s, double t, snn_diag *d)
{
	uint32_t g = s->eh[0];
	struct ev_neuron *n = &s->nrn[g];
	struct ev_pop *p = &s->pops[n->pop];
	if (s->echeck[g]) {
		/* the end of a look-ahead window: no crossing before it */
		const struct ev_lif *P = &s->par[n->par];
		ev_lif_advance(P, n, t);
		predict(s, g, P);
		return SNN_OK;
	}
	p->spikes++;
	if ((s->out.rec_mask[g] & REC_FILE) && record_spike(s, p, g, t, d) != SNN_OK) {
		return SNN_EIO;
	}
	if (s->opt.on_spikes) {
		hook_spike(s, p, g, t);
	}
	switch (p->model) {
	case MODEL_LIF_DELTA:
	case MODEL_LIF_EXP: {
		const struct ev_lif *P = &s->par[n->par];
		ev_lif_advance(P, n, t);
		n->y = P->reset;
		n->ref_end = t + P->t_ref;
		n->t_in = t;
		predict(s, g, P);
		/* a crossing so soon after the reset (t_ref 0 and a huge current)
		 * that it rounds to t still moves time forward */
		if (s->epos[g] != EV_NONE && !(s->ekey[g] > t)) {
			eh_set(s, g, nextafter(t, INFINITY));
		}
		break;
	}
	case MODEL_SPIKE_SOURCE: {
		uint64_t c = ++s->src_j[g];
		uint32_t k = g - p->first;
		eh_set(s, g, c < p->ir->train_off[k + 1] ? p->ir->train_ms[c] : INFINITY);
		break;
	}
	case MODEL_POISSON_SOURCE: {
		uint64_t j = ++s->src_j[g];
		double next = t + exp_interval(s->net->sim.seed, RNG_EVENT_SOURCE, n->pop, g, j,
					       p->rate_per_ms);
		eh_set(s, g, next < p->stop_ms ? next : INFINITY);
		break;
	}
	case MODEL_LIF_COND:
	case MODEL_COUNT_:
	default:
		eh_set(s, g, INFINITY);
		break;
	}
	uint64_t r0 = s->row_run[g];
	if (r0 < s->row_run[g + 1]) {
		struct ev_flight f = {t + s->run_delay[r0], t, r0, g};
		if (fl_push(s, &f) != 0) {
			return oom(d);
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
	st->t_emit += exp_interval(s->net->sim.seed, RNG_EVENT_POISSON, st->stim, st->gid, st->j,
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
	uint32_t first = s->pops[ir->to.pop].first;
	for (uint32_t k = 0; k < target_set_size(&ir->to); k++) {
		uint32_t local = target_set_at(&ir->to, k);
		uint32_t g = first + local;
		struct ev_neuron *n = &s->nrn[g];
		const struct ev_lif *P = &s->par[n->par];
		ev_lif_advance(P, n, c->t);
		n->i_stim = current_sum(s, ir->to.pop, local, c->t);
		reschedule(s, g, P, c->t);
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
		if (!(t <= s->t_end)) {
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
				snn_progress pr = {t, s->t_end, now_s() - t0, total_spikes(s)};
				if (s->opt.progress(s->opt.progress_ctx, &pr) != 0) {
					return snn_diag_error(d, SNN_EINTR, NULL, 0, 0,
							      "stopped at t = %g ms; no output was "
							      "written",
							      t);
				}
			}
		}
	}
	s->t_now = s->t_end;
	if (s->opt.on_spikes) {
		hook_flush(s, s->t_end);
	}
	if (s->n_traces) {
		return sample_until(s, s->t_end, true, d);
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
	if (fill_stats(s, sim_s, s->t_end) != SNN_OK) {
		return oom(d);
	}
	return SNN_OK;
}

static const snn_stats *ev_stats(const void *impl)
{
	const struct ev_sim *s = impl;
	return &s->stats;
}

const struct engine_ops engine_event_cpu = {"event-cpu", ev_new, ev_run, ev_stats, ev_free};
