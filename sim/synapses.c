/*
 * Synapse tables of the CPU engine: builds, for each block of at most 65536
 * targets, the synapses ending there grouped by source id and by (delay,
 * channel), 6 bytes per synapse (16-bit target offset, 32-bit fixed-point
 * weight).
 * Layer: sim core (engines), internal. Runs at build time only.
 *
 * Each block is built in two passes over the connection rules: the first
 * counts synapses per source, the second draws weights and delays and places
 * every synapse in its row. Rows keep the creation order (target, projection,
 * draw) and are then stably sorted by (delay, channel), so the order of
 * additions into any input buffer never depends on the blocking.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem_int.h"
#include "connect_int.h"
#include "engine_int.h"
#include "mem_int.h"

struct shared {
	struct conn *conns;
	uint32_t n_conns;
	uint32_t **by_post; /* per population: target-driven projections onto it */
	uint32_t *n_by_post;
	uint32_t *src_driven;
	uint32_t n_src_driven;
};

int synapses_shared_new(struct grid_sim *s, void **out, snn_diag *d)
{
	const snn_net *net = s->net;
	struct shared *sh = mem_zalloc(sizeof(*sh));
	if (!sh) {
		return mem_nomem(d);
	}
	*out = sh;
	sh->conns = mem_array(net->n_projs, sizeof(struct conn));
	sh->by_post = mem_array(net->n_pops, sizeof(uint32_t *));
	sh->n_by_post = mem_array(net->n_pops, sizeof(uint32_t));
	sh->src_driven = mem_array(net->n_projs, sizeof(uint32_t));
	if (!sh->conns || !sh->by_post || !sh->n_by_post || !sh->src_driven) {
		return mem_nomem(d);
	}
	for (uint32_t i = 0; i < net->n_projs; i++) {
		int rc = conn_prepare(&sh->conns[i], net, i, net->sim.seed, d);
		sh->n_conns = i + 1;
		if (rc != SNN_OK) {
			return rc;
		}
		const struct projection *pr = &net->projs[i];
		/* the engine may merge a model's two channels into one */
		sh->conns[i].n_channels = s->pops[pr->post.pop].n_in;
		if (sh->conns[i].source_driven) {
			sh->src_driven[sh->n_src_driven++] = i;
			continue;
		}
		uint32_t t = pr->post.pop;
		uint32_t *v =
		    mem_resize(sh->by_post[t], (size_t)sh->n_by_post[t] + 1, sizeof(uint32_t));
		if (!v) {
			return mem_nomem(d);
		}
		sh->by_post[t] = v;
		v[sh->n_by_post[t]++] = i;
	}
	return SNN_OK;
}

void synapses_shared_free(struct grid_sim *s, void *p)
{
	struct shared *sh = p;
	if (!sh) {
		return;
	}
	for (uint32_t i = 0; i < sh->n_conns; i++) {
		conn_release(&sh->conns[i]);
	}
	for (uint32_t i = 0; sh->by_post && i < s->net->n_pops; i++) {
		mem_free(sh->by_post[i]);
	}
	mem_free(sh->by_post);
	mem_free(sh->n_by_post);
	mem_free(sh->src_driven);
	mem_free(sh->conns);
	mem_free(sh);
}

void synapses_free_block(struct syn_block *b)
{
	big_free(b->row_syn);
	big_free(b->row_run);
	big_free(b->runs);
	big_free(b->tgt);
	big_free(b->wf); /* b->w is the same memory */
	memset(b, 0, sizeof(*b));
}

/* Where one block's second pass writes. */
struct fill {
	struct syn_block *b;
	uint64_t *cursor; /* next free slot of each source row; NULL in the counting pass */
	uint16_t *key;	  /* (delay << 1) | channel of each synapse */
	uint32_t max_delay;
};

static void fail(struct thread_rt *t, int code, const struct origin *o, const char *msg)
{
	if (t->err) {
		return;
	}
	t->err = code;
	t->errwhere = o ? *o : (struct origin){NULL, 0, 0};
	snprintf(t->errmsg, sizeof(t->errmsg), "%s", msg);
}

/* Places (or counts) synapse k of anchor a: source src, target tgt. */
static int put(struct thread_rt *t, struct fill *f, const struct conn *c,
	       const struct conn_scratch *sc, uint32_t a, uint64_t k, uint32_t src, uint32_t tgt)
{
	struct syn_block *b = f->b;
	if (!f->cursor) {
		b->row_syn[src]++;
		return 0;
	}
	double w = 0.0;
	uint32_t d = 0;
	if (c->pr->kind != PROJ_RULE) {
		/* explicit projections: weights and delays come with the sources */
		w = sc->w[k];
		d = sc->dl[k];
	} else if (conn_weight(c, a, k, &w) != 0) {
		char m[200];
		snprintf(m, sizeof(m),
			 "no weight inside the bounds after 1000 draws: the bounds "
			 "leave almost no probability");
		fail(t, SNN_EINVAL, &c->pr->where, m);
		return -1;
	}
	int rc = c->pr->kind != PROJ_RULE ? 0 : conn_delay(c, a, k, &d);
	if (rc != 0) {
		char m[200];
		snprintf(m, sizeof(m),
			 rc == -1 ? "no delay inside the bounds after 1000 draws"
				  : "a drawn delay rounds to less than one step or more "
				    "than %u steps: bound the delay distribution",
			 NET_MAX_DELAY_STEPS);
		fail(t, SNN_EINVAL, &c->pr->where, m);
		return -1;
	}
	if (!(fabs(w) <= NET_MAX_WEIGHT)) {
		/* a drawn or listed weight the fixed-point inputs cannot hold */
		char m[200];
		snprintf(m, sizeof(m),
			 "a weight of %g is more than the engine's fixed-point inputs hold "
			 "(at most %g)",
			 w, NET_MAX_WEIGHT);
		fail(t, SNN_ERANGE, &c->pr->where, m);
		return -1;
	}
	uint64_t pos = f->cursor[src]++;
	b->tgt[pos] = (uint16_t)(tgt - b->lo);
	b->wf[pos] = (float)w;
	f->key[pos] = (uint16_t)(d << 1 | conn_channel(c, w));
	if (d > f->max_delay) {
		f->max_delay = d;
	}
	return 0;
}

/* One pass over every synapse ending in the block, in creation order. */
static int pass(struct grid_sim *s, struct thread_rt *t, struct shared *sh, struct fill *f,
		struct conn_scratch *sc)
{
	const snn_net *net = s->net;
	struct syn_block *b = f->b;
	uint32_t pi = 0;
	for (uint32_t gid = b->lo; gid < b->hi; gid++) {
		while (pi + 1 < net->n_pops && gid >= net->pops[pi + 1].first) {
			pi++;
		}
		uint32_t local = gid - net->pops[pi].first;
		for (uint32_t q = 0; q < sh->n_by_post[pi]; q++) {
			const struct conn *c = &sh->conns[sh->by_post[pi][q]];
			const struct projection *pr = c->pr;
			uint32_t j = conn_set_index(&pr->post, local);
			if (j == CONN_NONE) {
				continue;
			}
			uint64_t n;
			if (conn_sources(c, j, sc, &n) != 0) {
				fail(t, SNN_ENOMEM, &pr->where, "out of memory while connecting");
				return -1;
			}
			for (uint64_t k = 0; k < n; k++) {
				uint32_t src = c->pre_first + target_set_at(&pr->pre, sc->idx[k]);
				if (put(t, f, c, sc, j, k, src, gid) != 0) {
					return -1;
				}
			}
		}
	}
	for (uint32_t q = 0; q < sh->n_src_driven; q++) {
		const struct conn *c = &sh->conns[sh->src_driven[q]];
		const struct projection *pr = c->pr;
		/* only projections onto a population that overlaps the block */
		uint32_t tfirst = c->post_first, tend = tfirst + net->pops[pr->post.pop].size;
		if (tend <= b->lo || tfirst >= b->hi) {
			continue;
		}
		for (uint32_t i = 0; i < c->n_pre; i++) {
			uint64_t n;
			if (conn_targets(c, i, sc, &n) != 0) {
				fail(t, SNN_ENOMEM, &pr->where, "out of memory while connecting");
				return -1;
			}
			uint32_t src = c->pre_first + target_set_at(&pr->pre, i);
			for (uint64_t k = 0; k < n; k++) {
				uint32_t tgt = c->post_first + target_set_at(&pr->post, sc->idx[k]);
				if (tgt >= b->lo && tgt < b->hi &&
				    put(t, f, c, sc, i, k, src, tgt) != 0) {
					return -1;
				}
			}
		}
	}
	return 0;
}

/* Stable sort of one row [a, b) by key: two counting passes over the bytes. */
static void sort_row(struct syn_block *blk, uint16_t *key, uint64_t a, uint64_t b, uint16_t *tk,
		     uint16_t *tt, float *tw)
{
	uint64_t n = b - a;
	bool sorted = true;
	for (uint64_t i = a + 1; i < b && sorted; i++) {
		sorted = key[i - 1] <= key[i];
	}
	if (sorted) {
		return;
	}
	for (int byte = 0; byte < 2; byte++) {
		uint64_t cnt[257] = {0};
		int sh = 8 * byte;
		for (uint64_t i = a; i < b; i++) {
			cnt[((key[i] >> sh) & 0xFF) + 1]++;
		}
		for (int v = 0; v < 256; v++) {
			cnt[v + 1] += cnt[v];
		}
		for (uint64_t i = a; i < b; i++) {
			uint64_t p = cnt[(key[i] >> sh) & 0xFF]++;
			tk[p] = key[i];
			tt[p] = blk->tgt[i];
			tw[p] = blk->wf[i];
		}
		memcpy(key + a, tk, n * sizeof(uint16_t));
		memcpy(blk->tgt + a, tt, n * sizeof(uint16_t));
		memcpy(blk->wf + a, tw, n * sizeof(float));
	}
}

/* Sorts every row and replaces the keys by runs of equal (delay, channel). */
static int make_runs(struct grid_sim *s, struct syn_block *b, uint16_t *key)
{
	uint32_t N = s->n_neurons;
	uint64_t maxrow = 0, nruns = 0;
	for (uint32_t src = 0; src < N; src++) {
		uint64_t len = b->row_syn[src + 1] - b->row_syn[src];
		maxrow = len > maxrow ? len : maxrow;
	}
	uint16_t *tk = mem_array_raw(maxrow, sizeof(uint16_t));
	uint16_t *tt = mem_array_raw(maxrow, sizeof(uint16_t));
	float *tw = mem_array_raw(maxrow, sizeof(float));
	b->row_run = big_alloc(((size_t)N + 1) * sizeof(uint32_t));
	if (!tk || !tt || !tw || !b->row_run) {
		mem_free(tk);
		mem_free(tt);
		mem_free(tw);
		return -1;
	}
	for (uint32_t src = 0; src < N; src++) {
		uint64_t a = b->row_syn[src], e = b->row_syn[src + 1];
		sort_row(b, key, a, e, tk, tt, tw);
		for (uint64_t i = a; i < e; i++) {
			nruns += (i == a || key[i] != key[i - 1]);
		}
	}
	mem_free(tk);
	mem_free(tt);
	mem_free(tw);
	if (nruns > UINT32_MAX) {
		return -1;
	}
	b->runs = big_alloc((nruns ? nruns : 1) * sizeof(struct syn_run));
	if (!b->runs) {
		return -1;
	}
	uint32_t r = 0;
	for (uint32_t src = 0; src < N; src++) {
		b->row_run[src] = r;
		uint64_t a = b->row_syn[src], e = b->row_syn[src + 1];
		for (uint64_t i = a; i < e; i++) {
			if (i == a || key[i] != key[i - 1]) {
				b->runs[r].delay = (uint16_t)(key[i] >> 1);
				b->runs[r].ch = (uint8_t)(key[i] & 1);
				b->runs[r].pad = 0;
				b->runs[r].len = 0;
				r++;
			}
			b->runs[r - 1].len++;
		}
	}
	b->row_run[N] = r;
	b->n_runs = r;
	return 0;
}

static void build_block(struct grid_sim *s, struct thread_rt *t, struct shared *sh,
			struct syn_block *b, struct conn_scratch *sc, uint32_t *max_delay)
{
	uint32_t N = s->n_neurons;
	struct fill f = {b, NULL, NULL, 0};
	b->row_syn = big_calloc(((size_t)N + 1) * sizeof(uint64_t));
	if (!b->row_syn) {
		fail(t, SNN_ENOMEM, NULL, "out of memory for the synapse tables");
		return;
	}
	/* pass 1: count per source, then turn the counts into row starts */
	if (pass(s, t, sh, &f, sc) != 0) {
		return;
	}
	uint64_t total = 0;
	for (uint32_t src = 0; src <= N; src++) {
		uint64_t c = b->row_syn[src];
		b->row_syn[src] = total;
		total += c;
	}
	b->n_syn = total;
	f.cursor = big_alloc(((size_t)N + 1) * sizeof(uint64_t));
	f.key = big_alloc((total ? total : 1) * sizeof(uint16_t));
	b->tgt = big_alloc((total ? total : 1) * sizeof(uint16_t));
	b->wf = big_alloc((total ? total : 1) * sizeof(float));
	if (!f.cursor || !f.key || !b->tgt || !b->wf) {
		fail(t, SNN_ENOMEM, NULL, "out of memory for the synapse tables");
		goto out;
	}
	memcpy(f.cursor, b->row_syn, ((size_t)N + 1) * sizeof(uint64_t));
	/* pass 2: draw and place */
	if (pass(s, t, sh, &f, sc) != 0) {
		goto out;
	}
	big_free(f.cursor);
	f.cursor = NULL;
	if (make_runs(s, b, f.key) != 0) {
		fail(t, SNN_ENOMEM, NULL, "out of memory for the synapse tables");
		goto out;
	}
	if (f.max_delay > *max_delay) {
		*max_delay = f.max_delay;
	}
out:
	big_free(f.cursor);
	big_free(f.key);
}

void synapses_build_thread(struct grid_sim *s, struct thread_rt *t, void *shared)
{
	struct shared *sh = shared;
	uint32_t n = t->hi - t->lo;
	t->n_blocks = n ? (n + SYN_BLOCK_MAX - 1) / SYN_BLOCK_MAX : 0;
	t->blocks = mem_array(t->n_blocks, sizeof(struct syn_block));
	if (!t->blocks) {
		fail(t, SNN_ENOMEM, NULL, "out of memory for the synapse tables");
		return;
	}
	struct conn_scratch sc;
	memset(&sc, 0, sizeof(sc));
	uint32_t max_delay = 0;
	for (uint32_t k = 0; k < t->n_blocks && !t->err; k++) {
		struct syn_block *b = &t->blocks[k];
		b->lo = t->lo + k * SYN_BLOCK_MAX;
		b->hi = b->lo + SYN_BLOCK_MAX < t->hi ? b->lo + SYN_BLOCK_MAX : t->hi;
		build_block(s, t, sh, b, &sc, &max_delay);
	}
	conn_scratch_free(&sc);
	t->max_delay = max_delay;
	t->min_delay = UINT32_MAX;
	for (uint32_t k = 0; k < t->n_blocks && !t->err; k++) {
		const struct syn_block *b = &t->blocks[k];
		for (uint64_t r = 0; r < b->n_runs; r++) {
			if (b->runs[r].delay < t->min_delay) {
				t->min_delay = b->runs[r].delay;
			}
		}
	}
}

uint32_t synapses_min_delay(const struct grid_sim *s)
{
	uint32_t m = UINT32_MAX;
	for (int i = 0; i < s->nthreads; i++) {
		if (s->thr[i].min_delay < m) {
			m = s->thr[i].min_delay;
		}
	}
	return m;
}

uint32_t synapses_max_delay(const struct grid_sim *s)
{
	uint32_t m = 1;
	for (int i = 0; i < s->nthreads; i++) {
		if (s->thr[i].max_delay > m) {
			m = s->thr[i].max_delay;
		}
	}
	return m;
}

/* ------------------------------------------------------------------ fixed point */

void synapses_bound_thread(struct grid_sim *s, struct thread_rt *t, double *popmax)
{
	uint32_t slice = t->hi - t->lo;
	uint32_t nch = s->n_ch;
	double *acc = mem_array((size_t)slice * nch, sizeof(double));
	if (!acc) {
		fail(t, SNN_ENOMEM, NULL, "out of memory while sizing the input buffers");
		return;
	}
	/* the largest input a neuron can get in one step: every synapse onto it
	 * (a source spikes at most once per step) */
	for (uint32_t bi = 0; bi < t->n_blocks; bi++) {
		const struct syn_block *b = &t->blocks[bi];
		uint32_t off = b->lo - t->lo;
		for (uint32_t src = 0; src < s->n_neurons; src++) {
			uint64_t k = b->row_syn[src];
			for (uint32_t r = b->row_run[src]; r < b->row_run[src + 1]; r++) {
				const struct syn_run *run = &b->runs[r];
				for (uint32_t j = 0; j < run->len; j++, k++) {
					acc[(size_t)(off + b->tgt[k]) * nch + run->ch] +=
					    fabs(b->wf[k]);
				}
			}
		}
	}
	for (uint32_t pi = 0; pi < s->n_pops; pi++) {
		const struct pop_rt *p = &s->pops[pi];
		uint32_t a = p->first > t->lo ? p->first : t->lo;
		uint32_t e = p->first + p->size < t->hi ? p->first + p->size : t->hi;
		for (uint32_t g = a; g < e; g++) {
			for (uint32_t c = 0; c < nch; c++) {
				double v = acc[(size_t)(g - t->lo) * nch + c];
				if (v > popmax[pi * 2 + c]) {
					popmax[pi * 2 + c] = v;
				}
			}
		}
	}
	mem_free(acc);
}

int synapses_choose_shifts(struct grid_sim *s, const double *popmax, snn_diag *d)
{
	for (uint32_t pi = 0; pi < s->n_pops; pi++) {
		struct pop_rt *p = &s->pops[pi];
		for (int c = 0; c < 2; c++) {
			double bound = popmax[pi * 2 + c];
			/* Poisson inputs onto the population, at their largest count */
			for (uint32_t q = 0; q < s->n_poisson; q++) {
				const struct stim_rt *st = &s->stims[s->poisson[q]];
				if (st->pop == pi && st->ch == c) {
					bound += (double)st->cmax * fabs(st->w);
				}
			}
			int sh = 30;
			if (bound > 0) {
				/* 2^sh <= 2^30 / bound: the rounding of each weight (half a
				 * unit) can then never carry a sum past 2^31 */
				int e;
				frexp(1073741824.0 / bound, &e);
				sh = e - 1;
			}
			if (sh > 60) {
				sh = 60;
			}
			if (sh < -60 || !(bound <= NET_MAX_WEIGHT)) {
				/* past 2^90 (inf or NaN included): no shift holds it */
				const struct origin *o = &p->ir->where;
				return snn_diag_error(
				    d, SNN_ERANGE, o->file, o->line, o->col,
				    "population '%s' can receive %g (weight units) in one "
				    "step: too much for the engine's input buffers",
				    p->ir->name, bound);
			}
			if (p->model == MODEL_LOIHI_LIF) {
				/* the chip's integer weights, summed exactly */
				if (bound > 2147483647.0) {
					const struct origin *o = &p->ir->where;
					return snn_diag_error(
					    d, SNN_ERANGE, o->file, o->line, o->col,
					    "population '%s' (loihi_lif) can receive %g in one "
					    "step: more than 32 bits",
					    p->ir->name, bound);
				}
				sh = 0;
			}
			p->in_shift[c] = sh;
			p->in_scale[c] = ldexp(1.0, -sh);
		}
	}
	for (uint32_t q = 0; q < s->n_poisson; q++) {
		struct stim_rt *st = &s->stims[s->poisson[q]];
		const struct pop_rt *p = &s->pops[st->pop];
		st->wq = (int32_t)llrint(ldexp(st->w, p->in_shift[st->ch]));
	}
	return SNN_OK;
}

void synapses_convert_thread(struct grid_sim *s, struct thread_rt *t)
{
	for (uint32_t bi = 0; bi < t->n_blocks; bi++) {
		struct syn_block *b = &t->blocks[bi];
		int32_t *wq = (int32_t *)(void *)b->wf;
		uint32_t pi = 0;
		for (uint32_t src = 0; src < s->n_neurons; src++) {
			uint64_t k = b->row_syn[src];
			for (uint32_t r = b->row_run[src]; r < b->row_run[src + 1]; r++) {
				const struct syn_run *run = &b->runs[r];
				/* 2^shift of the target's population: the product is exact */
				double mul = 1.0 / s->pops[pi].in_scale[run->ch];
				for (uint32_t j = 0; j < run->len; j++, k++) {
					uint32_t g = b->lo + b->tgt[k];
					if (g >= s->pops[pi].first + s->pops[pi].size ||
					    g < s->pops[pi].first) {
						while (g >= s->pops[pi].first + s->pops[pi].size) {
							pi++;
						}
						while (g < s->pops[pi].first) {
							pi--;
						}
						mul = 1.0 / s->pops[pi].in_scale[run->ch];
					}
					wq[k] = (int32_t)llrint((double)b->wf[k] * mul);
				}
			}
		}
		b->w = wq;
	}
}
