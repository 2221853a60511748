/*
 * The CUDA engine ("grid-cuda"): the time-grid engine's semantics on an
 * NVIDIA GPU, giving its spikes bit for bit.
 * Layer: sim core (engines). Builds the network on the host with the CPU
 * engine's parallel builder (engine.c, synapses.c: the same draws, the same
 * fixed-point weights), repacks the synapses for the device, uploads them
 * and drives the kernels of sim/cuda/gpu.cu chunk by chunk; writes outputs
 * through engine.c. Never touches CUDA itself: only gpu.h.
 *
 * Device layout of the synapses: blocks of at most 65536 targets (whole CPU
 * blocks merged), per block a row index by source id and per synapse one
 * packed word (16-bit target offset, 15-bit delay, channel bit) and one
 * 32-bit fixed-point weight: 8 bytes per synapse.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cuda/gpu.h"
#include "engine_int.h"
#include "engines_int.h"
#include "util_int.h"
#include "mem_int.h"

/* Spike records of one chunk take at most this many ids per buffer. */
#define CHUNK_IDS_MAX (1u << 26)
#define CHUNK_STEPS_MAX 100u

struct cuda_sim {
	struct grid_sim *s;
	struct gpu *g;
	struct gpu_info info;
	uint64_t *outdeg;      /* synapses per source: the events a spike makes */
	struct rec_entry *rec; /* recorded spikes of one chunk */
	size_t caprec;
	uint64_t n_rec; /* neurons whose spikes are recorded */
	char device[300];
};

/* ------------------------------------------------------------------ synapses */

/* A device block: the CPU blocks [b0, b1) of the flat list, which cover
 * consecutive targets [lo, hi), hi - lo <= 65536. */
struct dev_block {
	uint32_t lo, hi;
	uint32_t b0, b1;
	uint64_t n_syn;
};

/* The CPU blocks of every thread in ascending target order. */
static struct syn_block **flat_blocks(struct grid_sim *s, uint32_t *n)
{
	uint32_t total = 0;
	for (int t = 0; t < s->nthreads; t++) {
		total += s->thr[t].n_blocks;
	}
	struct syn_block **v = mem_array(total, sizeof(*v));
	if (!v) {
		return NULL;
	}
	uint32_t k = 0;
	for (int t = 0; t < s->nthreads; t++) {
		for (uint32_t b = 0; b < s->thr[t].n_blocks; b++) {
			v[k++] = &s->thr[t].blocks[b];
		}
	}
	*n = total;
	return v;
}

/* Groups consecutive CPU blocks into device blocks of at most 65536 targets
 * (fewer, larger blocks: fewer (spike, block) pairs to walk per spike). */
static uint32_t plan_blocks(struct syn_block *const *fb, uint32_t nfb, struct dev_block *db)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < nfb; i++) {
		if (n && fb[i]->hi - db[n - 1].lo <= SYN_BLOCK_MAX) {
			db[n - 1].hi = fb[i]->hi;
			db[n - 1].b1 = i + 1;
			db[n - 1].n_syn += fb[i]->n_syn;
			continue;
		}
		db[n++] = (struct dev_block){fb[i]->lo, fb[i]->hi, i, i + 1, fb[i]->n_syn};
	}
	return n;
}

/* Repacks the CPU blocks of one device block into its row index, packed
 * words and weights, and counts each source's synapses into outdeg. Sources
 * are independent: threads take them in static slices. */
static void pack_block(struct grid_sim *s, struct syn_block *const *fb, const struct dev_block *db,
		       uint64_t *row, uint32_t *syn, int32_t *w, uint64_t *outdeg)
{
	uint32_t N = s->n_neurons;
	uint64_t acc = 0;
	for (uint32_t src = 0; src < N; src++) {
		row[src] = acc;
		uint64_t len = 0;
		for (uint32_t b = db->b0; b < db->b1; b++) {
			len += fb[b]->row_syn[src + 1] - fb[b]->row_syn[src];
		}
		outdeg[src] += len;
		acc += len;
	}
	row[N] = acc;
	int nt = s->nthreads;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static) default(none) \
    shared(N, fb, db, row, syn, w)
#else
	(void)nt;
#endif
	for (uint32_t src = 0; src < N; src++) {
		uint64_t pos = row[src];
		for (uint32_t b = db->b0; b < db->b1; b++) {
			const struct syn_block *blk = fb[b];
			uint32_t shift = blk->lo - db->lo;
			uint64_t k = blk->row_syn[src];
			for (uint32_t r = blk->row_run[src]; r < blk->row_run[src + 1]; r++) {
				const struct syn_run *run = &blk->runs[r];
				uint32_t tag = (uint32_t)run->delay << 16 | (uint32_t)run->ch << 31;
				for (uint32_t j = 0; j < run->len; j++, k++, pos++) {
					syn[pos] = ((uint32_t)blk->tgt[k] + shift) | tag;
					w[pos] = blk->w[k];
				}
			}
		}
	}
}

/* Uploads every device block, freeing the CPU blocks it consumed. */
static int upload_synapses(struct cuda_sim *c, struct syn_block *const *fb,
			   const struct dev_block *db, uint32_t ndb, snn_diag *d)
{
	struct grid_sim *s = c->s;
	char msg[400];
	int rc = SNN_OK;
	uint64_t *row = mem_array_raw((size_t)s->n_neurons + 1, sizeof(uint64_t));
	if (!row) {
		return mem_nomem(d);
	}
	for (uint32_t k = 0; k < ndb && rc == SNN_OK; k++) {
		size_t n = db[k].n_syn ? db[k].n_syn : 1;
		uint32_t *syn = mem_array_raw(n, sizeof(uint32_t));
		int32_t *w = mem_array_raw(n, sizeof(int32_t));
		if (!syn || !w) {
			rc = snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0,
					    "out of memory while packing the synapses for the GPU");
		} else {
			pack_block(s, fb, &db[k], row, syn, w, c->outdeg);
			rc = gpu_put_block(c->g, k, row, syn, w, msg, sizeof(msg));
			if (rc != SNN_OK) {
				snn_diag_error(d, rc, NULL, 0, 0, "cuda backend: %s", msg);
			}
		}
		mem_free(syn);
		mem_free(w);
		for (uint32_t b = db[k].b0; b < db[k].b1; b++) {
			synapses_free_block(fb[b]);
		}
	}
	mem_free(row);
	return rc;
}

/* ------------------------------------------------------------------ description */

static void describe_pop(const struct pop_rt *p, struct gpu_pop *g)
{
	memset(g, 0, sizeof(*g));
	g->first = p->first;
	g->size = p->size;
	g->model = (uint32_t)p->model;
	g->index = p->index;
	g->merged = p->merged;
	g->in_scale[0] = p->in_scale[0];
	g->in_scale[1] = p->in_scale[1];
	g->lif = p->lif;
	g->cond = p->cond;
	g->lif_het = p->lif_het;
	g->cond_het = p->cond_het;
	g->v = p->v;
	g->x1 = p->x1;
	g->x2 = p->x2;
	g->ref = p->ref;
	if (p->model == MODEL_SPIKE_SOURCE) {
		g->train_off = p->train_off;
		g->train_step = p->train_step;
	}
	g->p_spike = p->p_spike;
	g->src_start = p->src_start;
	g->src_stop = p->src_stop;
}

static void describe_stim(const struct stim_rt *st, struct gpu_stim *g)
{
	memset(g, 0, sizeof(*g));
	const struct target_set *to = &st->ir->to;
	g->index = st->index;
	g->pop = st->pop;
	g->lo = to->lo;
	g->hi = to->hi;
	g->ids = to->ids;
	g->n_ids = to->n_ids;
	g->wq = st->wq;
	g->cmax = st->cmax;
	g->ch = st->ch;
	g->delay_steps = st->delay_steps;
	g->start_step = st->start_step;
	g->stop_step = st->stop_step;
	g->lambda = st->pt.lambda;
	g->exp_neg = st->pt.exp_neg;
	memcpy(g->cdf, st->pt.cdf, sizeof(g->cdf));
	g->ncdf = st->pt.ncdf;
}

static int cmp_stim_pop(const void *a, const void *b)
{
	const struct gpu_stim *x = a, *y = b;
	if (x->pop != y->pop) {
		return (x->pop > y->pop) - (x->pop < y->pop);
	}
	return (x->index > y->index) - (x->index < y->index);
}

/* Steps per chunk: up to 100, fewer where the record buffers (every neuron
 * could spike in every step) would pass CHUNK_IDS_MAX ids. */
static uint32_t chunk_steps(const snn_net *net)
{
	uint64_t n = net->n_neurons ? net->n_neurons : 1;
	uint64_t f = CHUNK_IDS_MAX / n;
	return f < 1 ? 1 : f > CHUNK_STEPS_MAX ? CHUNK_STEPS_MAX : (uint32_t)f;
}

/* ------------------------------------------------------------------ build */

static void cuda_free(void *impl)
{
	struct cuda_sim *c = impl;
	if (!c) {
		return;
	}
	gpu_free(c->g);
	grid_destroy(c->s);
	mem_free(c->outdeg);
	mem_free(c->rec);
	mem_free(c);
}

/* The message for a machine where the backend cannot run at all. */
static int no_device(const snn_net *net, const char *why, snn_diag *d)
{
	const struct origin *o = &net->sim.engine_where;
	return snn_diag_error(d, SNN_EDEVICE, o->file, o->line, o->col,
			      "the cuda backend found no usable GPU: %s; run with --backend cpu, "
			      "or on a machine with an NVIDIA GPU and its driver",
			      why);
}

static int describe_and_create(struct cuda_sim *c, struct syn_block **fb, uint32_t nfb,
			       struct dev_block **dbp, uint32_t *ndbp, snn_diag *d)
{
	struct grid_sim *s = c->s;
	int rc = SNN_OK;
	char msg[400];
	struct gpu_net gn;
	memset(&gn, 0, sizeof(gn));
	struct gpu_pop *pops = mem_array(s->n_pops, sizeof(*pops));
	struct gpu_stim *stims = mem_array(s->n_poisson, sizeof(*stims));
	struct gpu_trace *traces = mem_array(s->n_traces, sizeof(*traces));
	struct dev_block *db = mem_array(nfb, sizeof(*db));
	uint32_t *blo = mem_array(nfb, sizeof(uint32_t));
	uint64_t *bsyn = mem_array(nfb, sizeof(uint64_t));
	if (!pops || !stims || !traces || !db || !blo || !bsyn) {
		rc = mem_nomem(d);
		goto out;
	}
	for (uint32_t i = 0; i < s->n_pops; i++) {
		describe_pop(&s->pops[i], &pops[i]);
	}
	for (uint32_t q = 0; q < s->n_poisson; q++) {
		describe_stim(&s->stims[s->poisson[q]], &stims[q]);
	}
	qsort(stims, s->n_poisson, sizeof(*stims), cmp_stim_pop);
	for (uint32_t r = 0; r < s->n_traces; r++) {
		const struct trace_rt *tr = &s->traces[r];
		traces[r] = (struct gpu_trace){tr->pop, (uint32_t)tr->ir->var, tr->n, tr->gids,
					       tr->interval_steps};
	}
	uint32_t ndb = plan_blocks(fb, nfb, db);
	for (uint32_t k = 0; k < ndb; k++) {
		blo[k] = db[k].lo;
		bsyn[k] = db[k].n_syn;
	}
	gn.seed = s->net->sim.seed;
	gn.n_neurons = s->n_neurons;
	gn.n_ch = s->n_ch;
	gn.ring_slots = s->ring_slots;
	gn.n_pops = s->n_pops;
	gn.pops = pops;
	gn.n_stims = s->n_poisson;
	gn.stims = stims;
	gn.has_current = s->i_ext != NULL;
	gn.n_blocks = ndb;
	gn.block_lo = blo;
	gn.block_syn = bsyn;
	gn.n_traces = s->n_traces;
	gn.traces = traces;
	gn.chunk_steps = s->bookkeeping;
	rc = gpu_create(&gn, &c->g, &c->info, msg, sizeof(msg));
	if (rc == SNN_EDEVICE) {
		rc = no_device(s->net, msg, d);
		goto out;
	}
	if (rc != SNN_OK) {
		rc = snn_diag_error(d, rc, NULL, 0, 0, "cuda backend: %s", msg);
		goto out;
	}
	if (s->i_ext) {
		rc = gpu_set_current(c->g, 0, s->n_neurons, s->i_ext, msg, sizeof(msg));
		if (rc != SNN_OK) {
			rc = snn_diag_error(d, rc, NULL, 0, 0, "cuda backend: %s", msg);
			goto out;
		}
	}
	*dbp = db;
	*ndbp = ndb;
	db = NULL;
out:
	mem_free(pops);
	mem_free(stims);
	mem_free(traces);
	mem_free(db);
	mem_free(blo);
	mem_free(bsyn);
	return rc;
}

/* The networks the kernels run: the config models with rule-based
 * projections. NIR graphs (graded spikes that carry values, zero-delay
 * stages, explicit weight matrices, constant biases, NIR neuron models) and
 * loihi_lif run on the CPU backend only. */
static int cuda_supported(const snn_net *net, snn_diag *d)
{
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct population *p = &net->pops[i];
		if (p->model->id > MODEL_POISSON_SOURCE) {
			return snn_diag_error(
			    d, SNN_EUNSUP, p->where.file, p->where.line, p->where.col,
			    "the cuda backend does not run population '%s': its model %s "
			    "runs on the cpu backend only (%s)",
			    p->name, p->model->name,
			    p->model->id == MODEL_LOIHI_LIF
				? "loihi_lif is integer Loihi arithmetic"
				: "a NIR primitive: graded spikes and NIR neuron models");
		}
	}
	for (uint32_t q = 0; q < net->n_projs; q++) {
		const struct projection *pr = &net->projs[q];
		if (pr->kind != PROJ_RULE) {
			return snn_diag_error(
			    d, SNN_EUNSUP, pr->where.file, pr->where.line, pr->where.col,
			    "the cuda backend does not run the projection from '%s' to "
			    "'%s': it has explicit weights from a NIR graph (they run on "
			    "the cpu backend only)",
			    net->pops[pr->pre.pop].name, net->pops[pr->post.pop].name);
		}
	}
	return SNN_OK;
}

static int cuda_new(const snn_net *net, const snn_sim_options *opt, void **out, snn_diag *d)
{
	*out = NULL;
	double t0 = now_s();
	char msg[400];
	int ndev = 0;
	int rc = cuda_supported(net, d);
	if (rc != SNN_OK) {
		return rc;
	}
	/* before the (long) host build: is there a GPU at all? */
	rc = gpu_device_count(&ndev, msg, sizeof(msg));
	if (rc != SNN_OK) {
		return no_device(net, msg, d);
	}
	if (ndev == 0) {
		return no_device(net, "the CUDA driver reports no device", d);
	}
	struct cuda_sim *c = mem_zalloc(sizeof(*c));
	if (!c) {
		return mem_nomem(d);
	}
	struct syn_block **fb = NULL;
	struct dev_block *db = NULL;
	uint32_t nfb = 0, ndb = 0;
	const struct grid_mode mode = {"grid-cuda", false, chunk_steps(net)};
	rc = grid_build(net, opt, &mode, &c->s, d);
	if (rc != SNN_OK) {
		goto fail;
	}
	struct grid_sim *s = c->s;
	if (s->graded || s->n_stages > 1 || s->bias) {
		rc = snn_diag_error(
		    d, SNN_EUNSUP, NULL, 0, 0,
		    "the cuda backend does not run graded networks (NIR graphs); use "
		    "the cpu backend");
		goto fail;
	}
	c->outdeg = mem_array(s->n_neurons, sizeof(uint64_t));
	fb = flat_blocks(s, &nfb);
	for (uint32_t g = 0; g < s->n_neurons; g++) {
		c->n_rec += s->out.rec_mask[g] != 0;
	}
	c->caprec = (size_t)s->bookkeeping * c->n_rec + 1;
	c->rec = mem_array_raw(c->caprec, sizeof(struct rec_entry));
	if (!c->outdeg || !fb || !c->rec) {
		rc = mem_nomem(d);
		goto fail;
	}
	if ((rc = describe_and_create(c, fb, nfb, &db, &ndb, d)) != SNN_OK ||
	    (rc = upload_synapses(c, fb, db, ndb, d)) != SNN_OK) {
		goto fail;
	}
	snprintf(c->device, sizeof(c->device), "%s", c->info.name);
	s->device_name = c->device;
	s->device_bytes = gpu_bytes(c->g);
	s->device_synapse_bytes = c->info.synapse_bytes;
	for (uint32_t k = 0; k < ndb; k++) {
		s->device_synapses += db[k].n_syn;
	}
	s->stats.build_s = now_s() - t0;
	mem_free(fb);
	mem_free(db);
	*out = c;
	return SNN_OK;
fail:
	mem_free(fb);
	mem_free(db);
	cuda_free(c);
	return rc;
}

/* ------------------------------------------------------------------ run */

/* Counts, records and writes the spikes and trace rows of one chunk. */
static int take_chunk(struct cuda_sim *c, const struct gpu_chunk *ch, snn_diag *d)
{
	struct grid_sim *s = c->s;
	struct thread_rt *t0 = &s->thr[0];
	size_t nrec = 0;
	uint64_t events = 0;
	for (uint32_t k = 0; k < ch->steps; k++) {
		uint32_t step = (uint32_t)(ch->n0 + k);
		uint32_t pi = 0;
		for (uint32_t j = ch->step_off[k]; j < ch->step_off[k + 1]; j++) {
			uint32_t gid = ch->gids[j];
			/* ids ascend within a step: the population only moves up */
			while (pi + 1 < s->n_pops && gid >= s->pops[pi + 1].first) {
				pi++;
			}
			t0->pop_spikes[pi]++;
			events += c->outdeg[gid];
			if (s->out.rec_mask[gid] && nrec < c->caprec) {
				c->rec[nrec++] = (struct rec_entry){step, gid};
			}
		}
	}
	t0->events += events;
	int rc = SNN_OK;
	uint64_t done = ch->n0 + ch->steps;
	if (s->out.spikes || s->opt.on_spikes) {
		/* to the spike file and to the on_spikes hook (--view, --stream), as
		 * at the CPU engine's bookkeeping points */
		const struct rec_entry *lists[1] = {c->rec};
		rc = grid_write_spikes(s, lists, &nrec, 1, s->t_base_ms + (double)done * s->dt_ms,
				       d);
	}
	for (uint32_t r = 0; r < s->n_traces && rc == SNN_OK; r++) {
		struct trace_rt *tr = &s->traces[r];
		memcpy(tr->rows, ch->rows[r], (size_t)ch->n_rows[r] * tr->n * sizeof(double));
	}
	if (rc == SNN_OK) {
		rc = grid_flush_traces(s, done, d);
	}
	s->steps_done = done;
	return rc;
}

/* The last step of the chunk starting at n0: the next bookkeeping point,
 * the end, or the step before the next change of a current stimulus. */
static uint64_t chunk_end(const struct grid_sim *s, uint64_t n0, uint32_t dc_next)
{
	uint64_t n1 = n0 + s->bookkeeping;
	n1 = n1 < s->n_steps ? n1 : s->n_steps;
	if (dc_next < s->n_dc_events && s->dc_events[dc_next].step < n1) {
		n1 = s->dc_events[dc_next].step;
	}
	return n1;
}

static int cuda_run(void *impl, snn_diag *d)
{
	struct cuda_sim *c = impl;
	struct grid_sim *s = c->s;
	char msg[400];
	int rc = grid_open_outputs(s, d);
	if (rc != SNN_OK) {
		grid_abort_outputs(s);
		return rc;
	}
	double t0 = now_s();
	uint32_t dc_next = 0;
	while (dc_next < s->n_dc_events && s->dc_events[dc_next].step == 0) {
		dc_next++; /* in force from the start: applied at build */
	}
	/* chunk c runs in buffer c & 1 while the host writes chunk c - 1 */
	uint64_t n0 = 0;
	int buf = 0, prev = -1;
	while (rc == SNN_OK) {
		int cur = -1;
		if (n0 < s->n_steps) {
			while (rc == SNN_OK && dc_next < s->n_dc_events &&
			       s->dc_events[dc_next].step <= n0) {
				const struct dc_event *ev = &s->dc_events[dc_next++];
				const struct pop_rt *p = &s->pops[s->stims[ev->stim].pop];
				grid_refresh_current(s, ev->stim, 0, s->n_neurons, n0);
				rc = gpu_set_current(c->g, p->first, p->first + p->size, s->i_ext,
						     msg, sizeof(msg));
			}
			uint64_t n1 = chunk_end(s, n0, dc_next);
			if (rc == SNN_OK) {
				rc = gpu_run(c->g, n0, (uint32_t)(n1 - n0), buf, msg, sizeof(msg));
			}
			if (rc != SNN_OK) {
				snn_diag_error(d, rc, NULL, 0, 0, "cuda backend: %s", msg);
				break;
			}
			cur = buf;
			n0 = n1;
		}
		if (prev >= 0) {
			struct gpu_chunk ch;
			rc = gpu_fetch(c->g, prev, &ch, msg, sizeof(msg));
			if (rc != SNN_OK) {
				snn_diag_error(d, rc, NULL, 0, 0, "cuda backend: %s", msg);
				break;
			}
			if ((rc = take_chunk(c, &ch, d)) != SNN_OK) {
				break;
			}
			if (s->opt.progress) {
				uint64_t spikes = 0;
				for (uint32_t i = 0; i < s->n_pops; i++) {
					spikes += s->thr[0].pop_spikes[i];
				}
				snn_progress pr = {(double)s->steps_done * s->dt_ms,
						   (double)s->n_steps * s->dt_ms, now_s() - t0,
						   spikes};
				if (s->opt.progress(s->opt.progress_ctx, &pr) != 0) {
					rc = SNN_EINTR;
					break;
				}
			}
		}
		if (cur < 0) {
			break;
		}
		prev = cur;
		buf ^= 1;
	}
	return grid_finish_run(s, rc, now_s() - t0, d);
}

static const snn_stats *cuda_stats(const void *impl)
{
	const struct cuda_sim *c = impl;
	return &c->s->stats;
}

const struct engine_ops engine_grid_cuda = {"grid-cuda", cuda_new, cuda_run, cuda_stats, cuda_free};
