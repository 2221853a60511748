/*
 * The expander (expand_int.h): builds the grid engine for a network, copies
 * its synapse blocks and neuron constants into plain arrays, and frees it.
 * Layer: sim core, internal. The only reader of the engine's tables outside
 * the engines; it must not run the engine or open any output.
 */
#include "config.h"

#include <string.h>

#include "engine_int.h"
#include "expand_int.h"
#include "mem_int.h"

/* Runs BODY for every synapse (k in block B, from source src, in run), in the
 * engine's order: thread, block, source, (delay, channel) run, creation. */
#define FOR_EACH_SYN(s, B, src, k, run, BODY)                                                 \
	for (int t_ = 0; t_ < (s)->nthreads; t_++) {                                          \
		for (uint32_t b_ = 0; b_ < (s)->thr[t_].n_blocks; b_++) {                     \
			const struct syn_block *B = &(s)->thr[t_].blocks[b_];                 \
			for (uint32_t src = 0; src < (s)->n_neurons; src++) {                 \
				uint64_t k = B->row_syn[src];                                 \
				for (uint32_t r_ = B->row_run[src]; r_ < B->row_run[src + 1]; \
				     r_++) {                                                  \
					const struct syn_run *run = &B->runs[r_];             \
					for (uint32_t j_ = 0; j_ < run->len; j_++, k++) {     \
						BODY                                          \
					}                                                     \
				}                                                             \
			}                                                                     \
		}                                                                             \
	}

static int copy_synapses(const struct grid_sim *s, struct expanded *x)
{
	uint32_t n = s->n_neurons;
	uint64_t total = 0;
	for (int t = 0; t < s->nthreads; t++) {
		for (uint32_t b = 0; b < s->thr[t].n_blocks; b++) {
			total += s->thr[t].blocks[b].n_syn;
		}
	}
	x->n_syn = total;
	x->in_off = mem_array((size_t)n + 1, sizeof(uint64_t));
	x->syn = mem_array_raw(total, sizeof(struct expanded_syn));
	x->out_idx = mem_array_raw(total, sizeof(uint64_t));
	uint64_t *in_pos = mem_array_raw((size_t)n + 1, sizeof(uint64_t));
	if (!x->in_off || !x->syn || !x->out_idx || !in_pos) {
		mem_free(in_pos);
		return SNN_ENOMEM;
	}
	FOR_EACH_SYN(s, b, src, k, run, { x->in_off[b->lo + b->tgt[k] + 1]++; })
	for (uint32_t g = 0; g < n; g++) {
		x->in_off[g + 1] += x->in_off[g];
	}
	memcpy(in_pos, x->in_off, ((size_t)n + 1) * sizeof(uint64_t));
	/* a target lies in one block, where the order is by source, then run:
	 * filling in the engine's order sorts each target's synapses by
	 * (source, delay, channel, creation) */
	uint32_t pi = 0;
	uint64_t e_at = 0;
	FOR_EACH_SYN(s, b, src, k, run, {
		uint32_t tgt = b->lo + b->tgt[k];
		uint64_t at = in_pos[tgt]++;
		struct expanded_syn *e = &x->syn[at];
		if (tgt < s->pops[pi].first || tgt >= s->pops[pi].first + s->pops[pi].size) {
			pi = grid_pop_of(s, tgt);
		}
		e->src = src;
		e->tgt = tgt;
		e->delay = run->delay;
		e->ch = run->ch;
		if (s->graded) {
			e->wq = 0;
			e->w = b->wf[k];
		} else {
			e->wq = b->w[k];
			e->w = (double)b->w[k] * s->pops[pi].in_scale[run->ch];
		}
		x->out_idx[e_at++] = at;
		if (run->delay > x->max_delay) {
			x->max_delay = run->delay;
		}
	})
	mem_free(in_pos);
	return SNN_OK;
}

static int copy_neurons(const struct grid_sim *s, struct expanded *x)
{
	x->n_pops = s->n_pops;
	x->pops = mem_array(s->n_pops, sizeof(*x->pops));
	if (!x->pops) {
		return SNN_ENOMEM;
	}
	bool lif = false, loihi = false;
	for (uint32_t i = 0; i < s->n_pops; i++) {
		const struct pop_rt *p = &s->pops[i];
		struct expanded_pop *e = &x->pops[i];
		e->ir = p->ir;
		e->model = p->model;
		e->first = p->first;
		e->size = p->size;
		e->merged = p->merged;
		e->lif_het = p->lif_het != NULL;
		for (int c = 0; c < 2; c++) {
			e->in_shift[c] = p->in_shift[c];
			e->in_scale[c] = p->in_scale[c];
		}
		e->lif = p->lif;
		lif |= p->model == MODEL_LIF_DELTA || p->model == MODEL_LIF_EXP;
		loihi |= p->model == MODEL_LOIHI_LIF;
	}
	uint32_t n = s->n_neurons;
	if (lif) {
		x->v0 = mem_array(n, sizeof(double));
		x->i0 = mem_array(n, sizeof(double));
		if (!x->v0 || !x->i0) {
			return SNN_ENOMEM;
		}
	}
	if (loihi) {
		x->loihi = mem_array(n, sizeof(struct loihi_prop));
		x->loihi_u0 = mem_array(n, sizeof(int32_t));
		x->loihi_v0 = mem_array(n, sizeof(int32_t));
		if (!x->loihi || !x->loihi_u0 || !x->loihi_v0) {
			return SNN_ENOMEM;
		}
	}
	for (uint32_t i = 0; i < s->n_pops; i++) {
		const struct pop_rt *p = &s->pops[i];
		for (uint32_t k = 0; k < p->size; k++) {
			uint32_t g = p->first + k;
			if (p->model == MODEL_LIF_DELTA || p->model == MODEL_LIF_EXP) {
				x->v0[g] = p->v[k];
				x->i0[g] = p->x1 ? p->x1[k] : 0.0;
			} else if (p->model == MODEL_LOIHI_LIF) {
				x->loihi[g] = p->loihi_het ? p->loihi_het[k] : p->loihi;
				x->loihi_u0[g] = p->lu[k];
				x->loihi_v0[g] = p->lv[k];
			}
		}
	}
	return SNN_OK;
}

static int copy_stimuli(const struct grid_sim *s, struct expanded *x)
{
	x->n_stims = s->n_stims;
	x->stims = mem_array(s->n_stims, sizeof(*x->stims));
	if (!x->stims) {
		return SNN_ENOMEM;
	}
	for (uint32_t k = 0; k < s->n_stims; k++) {
		const struct stim_rt *st = &s->stims[k];
		struct expanded_stim *e = &x->stims[k];
		e->ir = st->ir;
		e->index = st->index;
		e->pop = st->pop;
		e->ch = st->ch;
		e->wq = st->wq;
		e->cmax = st->cmax;
		e->delay_steps = st->delay_steps;
		e->start_step = st->start_step;
		e->stop_step = st->stop_step;
		e->pt = st->pt;
	}
	return SNN_OK;
}

int expand_network(const snn_net *net, uint64_t steps, struct expanded **out, snn_diag *d)
{
	/* the CPU threads' buffers are never used: the engine is not run */
	static const struct grid_mode mode = {"grid-cpu", false, 0};
	*out = NULL;
	/* a view of the network without records, over the steps asked for */
	snn_net view = *net;
	view.record_spikes = false;
	view.n_traces = 0;
	if (steps) {
		view.sim.duration_ms = (double)steps * net->sim.dt_ms;
	}
	snn_sim_options so;
	memset(&so, 0, sizeof(so));
	so.threads = 1;
	struct grid_sim *s = NULL;
	int rc = grid_build(&view, &so, &mode, &s, d);
	if (rc != SNN_OK) {
		return rc;
	}
	struct expanded *x = mem_zalloc(sizeof(*x));
	if (!x) {
		rc = mem_nomem(d);
		goto out_destroy;
	}
	x->n_neurons = s->n_neurons;
	if (copy_synapses(s, x) != SNN_OK || copy_neurons(s, x) != SNN_OK ||
	    copy_stimuli(s, x) != SNN_OK) {
		rc = mem_nomem(d);
		expanded_free(x);
		goto out_destroy;
	}
	*out = x;
out_destroy:
	grid_destroy(s);
	return rc;
}

void expanded_free(struct expanded *x)
{
	if (!x) {
		return;
	}
	mem_free(x->pops);
	mem_free(x->stims);
	mem_free(x->syn);
	mem_free(x->in_off);
	mem_free(x->out_idx);
	mem_free(x->v0);
	mem_free(x->i0);
	mem_free(x->loihi);
	mem_free(x->loihi_u0);
	mem_free(x->loihi_v0);
	mem_free(x);
}

uint32_t expanded_pop_of(const struct expanded *x, uint32_t gid)
{
	uint32_t lo = 0, hi = x->n_pops;
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (x->pops[mid].first <= gid) {
			lo = mid;
		} else {
			hi = mid;
		}
	}
	return lo;
}
