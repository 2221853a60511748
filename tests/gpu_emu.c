/*
 * The gpu.h interface run on the host, one thread, step by step: the CUDA
 * engine's host side (engine_cuda.c) and the work of its kernels
 * (sim/cuda/kernels_hd.h, the same inline functions gpu.cu runs) tested on
 * machines without a GPU. Only the CUDA glue of gpu.cu (thread-block scans,
 * atomics, streams, device memory) is left to tests/check_cuda.c and
 * tests/cuda.sh on a GPU.
 * Layer: tests. A test program that links this file gets these gpu_*
 * functions instead of gpu.cu's (the linker takes no archive member for
 * symbols already defined).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cuda/kernels_hd.h"
#include "gpu_emu.h"

static double emu_free = 80e9, emu_total = 80e9;
static int emu_devices = 1;

void gpu_emu_set_device(int devices, double free_bytes, double total_bytes)
{
	emu_devices = devices;
	emu_free = free_bytes;
	emu_total = total_bytes;
}

struct etrace {
	uint32_t pop, var, n, iv, cap_rows;
	const uint32_t *gids;
	double *rows[2];
};

struct gpu {
	struct kp k;
	uint32_t F;
	uint32_t *off[2], *rec[2];
	uint64_t n0[2];
	uint32_t steps[2];
	uint32_t n_traces;
	struct etrace *traces;
	double **rows_out;
	uint32_t *nrows_out;
	struct dblock *blocks;
	uint64_t *block_syn;
	struct dpop *pops;
	struct dstim *stims;
	void *allocs[4096];
	uint32_t n_allocs;
	double bytes;
};

/* A zeroed (or filled) "device" allocation, freed by gpu_free. */
static void *emu_alloc(struct gpu *g, const void *src, size_t bytes)
{
	if (g->n_allocs == sizeof(g->allocs) / sizeof(g->allocs[0])) {
		return NULL;
	}
	void *p = calloc(1, bytes ? bytes : 1);
	if (p && src && bytes) {
		memcpy(p, src, bytes);
	}
	if (p) {
		g->allocs[g->n_allocs++] = p;
		g->bytes += (double)bytes;
	}
	return p;
}

int gpu_device_count(int *n, char *msg, size_t len)
{
	if (emu_devices < 0) {
		snprintf(msg, len, "emulated driver failure");
		*n = 0;
		return SNN_EDEVICE;
	}
	*n = emu_devices;
	return SNN_OK;
}

int gpu_create(const struct gpu_net *net, struct gpu **out, struct gpu_info *info, char *msg,
	       size_t len)
{
	*out = NULL;
	memset(info, 0, sizeof(*info));
	snprintf(info->name, sizeof(info->name), "host emulation of gpu.h");
	info->free_bytes = emu_free;
	info->total_bytes = emu_total;
	double syn;
	info->need_bytes = gpu_need_bytes(net, &syn);
	info->synapse_bytes = syn;
	if (emu_devices == 0) {
		snprintf(msg, len, "no CUDA device was found");
		return SNN_EDEVICE;
	}
	if (info->need_bytes + GPU_RESERVE_BYTES > emu_free) {
		gpu_fit_message(msg, len, info->need_bytes, syn, info->name, emu_free, emu_total);
		return SNN_ENOMEM;
	}
	struct gpu *g = calloc(1, sizeof(*g));
	if (!g) {
		snprintf(msg, len, "out of memory");
		return SNN_ENOMEM;
	}
	uint32_t N = net->n_neurons;
	g->F = net->chunk_steps;
	struct kp *k = &g->k;
	k->N = N;
	k->n_ch = net->n_ch;
	k->mask = net->ring_slots - 1;
	k->n_pops = net->n_pops;
	k->n_blocks = net->n_blocks;
	k->U = (N + GPU_BLOCK - 1) / GPU_BLOCK;
	k->seed = net->seed;
	k->v = emu_alloc(g, NULL, (size_t)N * sizeof(double));
	k->x1 = emu_alloc(g, NULL, (size_t)N * sizeof(double));
	k->x2 = emu_alloc(g, NULL, (size_t)N * sizeof(double));
	k->ref = emu_alloc(g, NULL, (size_t)N * sizeof(uint32_t));
	k->iext = net->has_current ? emu_alloc(g, NULL, (size_t)N * sizeof(double)) : NULL;
	k->ring = emu_alloc(g, NULL, (size_t)net->ring_slots * net->n_ch * N * sizeof(int32_t));
	g->pops = calloc(net->n_pops ? net->n_pops : 1, sizeof(struct dpop));
	g->stims = calloc(net->n_stims ? net->n_stims : 1, sizeof(struct dstim));
	uint32_t *first = emu_alloc(g, NULL, (net->n_pops ? net->n_pops : 1) * sizeof(uint32_t));
	g->blocks = calloc(net->n_blocks ? net->n_blocks : 1, sizeof(struct dblock));
	g->block_syn = calloc(net->n_blocks ? net->n_blocks : 1, sizeof(uint64_t));
	g->n_traces = net->n_traces;
	g->traces = calloc(net->n_traces ? net->n_traces : 1, sizeof(struct etrace));
	g->rows_out = calloc(net->n_traces ? net->n_traces : 1, sizeof(double *));
	g->nrows_out = calloc(net->n_traces ? net->n_traces : 1, sizeof(uint32_t));
	for (int b = 0; b < 2; b++) {
		g->off[b] = emu_alloc(g, NULL, ((size_t)g->F + 1) * sizeof(uint32_t));
		g->rec[b] = emu_alloc(g, NULL, (size_t)g->F * N * sizeof(uint32_t));
	}
	if (!k->v || !k->x1 || !k->x2 || !k->ref || (net->has_current && !k->iext) || !k->ring ||
	    !g->pops || !g->stims || !first || !g->blocks || !g->block_syn || !g->traces ||
	    !g->rows_out || !g->nrows_out || !g->off[0] || !g->off[1] || !g->rec[0] || !g->rec[1]) {
		gpu_free(g);
		snprintf(msg, len, "out of memory");
		return SNN_ENOMEM;
	}
	for (uint32_t s = 0; s < net->n_stims; s++) {
		const struct gpu_stim *a = &net->stims[s];
		struct dstim *d = &g->stims[s];
		d->index = a->index;
		d->lo = a->lo;
		d->hi = a->hi;
		d->n_ids = a->n_ids;
		d->ids = a->ids ? emu_alloc(g, a->ids, (size_t)a->n_ids * sizeof(uint32_t)) : NULL;
		d->wq = a->wq;
		d->cmax = a->cmax;
		d->ch = a->ch;
		d->delay_steps = a->delay_steps;
		d->start_step = a->start_step;
		d->stop_step = a->stop_step;
		d->lambda = a->lambda;
		d->exp_neg = a->exp_neg;
		memcpy(d->cdf, a->cdf, sizeof(d->cdf));
		d->ncdf = a->ncdf;
	}
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct gpu_pop *p = &net->pops[i];
		struct dpop *d = &g->pops[i];
		size_t n = p->size;
		first[i] = p->first;
		kern_pack_pop(d, net, i);
		d->lif_het =
		    p->lif_het ? emu_alloc(g, p->lif_het, n * sizeof(struct lif_prop)) : NULL;
		d->cond_het =
		    p->cond_het ? emu_alloc(g, p->cond_het, n * sizeof(struct cond_prop)) : NULL;
		if (p->train_off) {
			d->train_off = emu_alloc(g, p->train_off, (n + 1) * sizeof(uint64_t));
			d->train_step =
			    emu_alloc(g, p->train_step, p->train_off[n] * sizeof(uint32_t));
			d->cursor = emu_alloc(g, p->train_off, n * sizeof(uint64_t));
		}
		if (p->v) {
			memcpy(k->v + p->first, p->v, n * sizeof(double));
		}
		if (p->x1) {
			memcpy(k->x1 + p->first, p->x1, n * sizeof(double));
		}
		if (p->x2) {
			memcpy(k->x2 + p->first, p->x2, n * sizeof(double));
		}
		if (p->ref) {
			memcpy(k->ref + p->first, p->ref, n * sizeof(uint32_t));
		}
	}
	k->pop_first = first;
	k->pops = g->pops;
	k->stims = g->stims;
	for (uint32_t t = 0; t < net->n_traces; t++) {
		const struct gpu_trace *src = &net->traces[t];
		struct etrace *h = &g->traces[t];
		h->pop = src->pop;
		h->var = src->var;
		h->n = src->n;
		h->iv = src->interval_steps;
		h->cap_rows = g->F / h->iv + 2;
		h->gids = emu_alloc(g, src->gids, (size_t)src->n * sizeof(uint32_t));
		h->rows[0] = emu_alloc(g, NULL, (size_t)h->cap_rows * h->n * sizeof(double));
		h->rows[1] = emu_alloc(g, NULL, (size_t)h->cap_rows * h->n * sizeof(double));
	}
	for (uint32_t b = 0; b < net->n_blocks; b++) {
		g->blocks[b].lo = net->block_lo[b];
		g->block_syn[b] = net->block_syn[b];
	}
	k->blocks = g->blocks;
	*out = g;
	return SNN_OK;
}

int gpu_put_block(struct gpu *g, uint32_t b, const uint64_t *row_syn, const uint32_t *syn,
		  const int32_t *w, char *msg, size_t len)
{
	uint64_t n = g->block_syn[b];
	g->blocks[b].row = emu_alloc(g, row_syn, ((size_t)g->k.N + 1) * sizeof(uint64_t));
	g->blocks[b].syn = emu_alloc(g, syn, n * sizeof(uint32_t));
	g->blocks[b].w = emu_alloc(g, w, n * sizeof(int32_t));
	if (!g->blocks[b].row || !g->blocks[b].syn || !g->blocks[b].w) {
		snprintf(msg, len, "out of memory");
		return SNN_ENOMEM;
	}
	return SNN_OK;
}

int gpu_set_current(struct gpu *g, uint32_t lo, uint32_t hi, const double *i_ext, char *msg,
		    size_t len)
{
	(void)msg;
	(void)len;
	if (g->k.iext && hi > lo) {
		memcpy((double *)g->k.iext + lo, i_ext + lo, (size_t)(hi - lo) * sizeof(double));
	}
	return SNN_OK;
}

int gpu_run(struct gpu *g, uint64_t n0, uint32_t steps, int buf, char *msg, size_t len)
{
	if (steps == 0 || steps > g->F || buf < 0 || buf > 1) {
		snprintf(msg, len, "gpu_run: bad chunk (%u steps, buffer %d)", steps, buf);
		return SNN_EINVAL;
	}
	const struct kp *k = &g->k;
	uint32_t *off = g->off[buf], *rec = g->rec[buf];
	off[0] = 0;
	for (uint32_t ks = 0; ks < steps; ks++) {
		uint64_t n = n0 + ks;
		uint32_t m = off[ks];
		for (uint32_t gid = 0; gid < k->N; gid++) {
			if (kern_neuron_step(k, gid, n)) {
				rec[m++] = gid;
			}
		}
		off[ks + 1] = m;
		for (uint32_t j = off[ks]; j < m; j++) {
			for (uint32_t b = 0; b < k->n_blocks; b++) {
				kern_deliver_row(k, &k->blocks[b], rec[j], n, 0, 1);
			}
		}
		for (uint32_t t = 0; t < g->n_traces; t++) {
			const struct etrace *h = &g->traces[t];
			if ((n + 1) % h->iv != 0) {
				continue;
			}
			uint64_t row = (n + 1) / h->iv - 1 - n0 / h->iv;
			for (uint32_t e = 0; e < h->n; e++) {
				h->rows[buf][row * h->n + e] =
				    kern_sample(k, h->pop, h->var, h->gids[e]);
			}
		}
	}
	g->n0[buf] = n0;
	g->steps[buf] = steps;
	return SNN_OK;
}

int gpu_fetch(struct gpu *g, int buf, struct gpu_chunk *out, char *msg, size_t len)
{
	(void)msg;
	(void)len;
	uint64_t n0 = g->n0[buf];
	uint32_t steps = g->steps[buf];
	for (uint32_t t = 0; t < g->n_traces; t++) {
		const struct etrace *h = &g->traces[t];
		g->rows_out[t] = h->rows[buf];
		g->nrows_out[t] = (uint32_t)((n0 + steps) / h->iv - n0 / h->iv);
	}
	out->n0 = n0;
	out->steps = steps;
	out->step_off = g->off[buf];
	out->gids = g->rec[buf];
	out->rows = (const double *const *)g->rows_out;
	out->n_rows = g->nrows_out;
	return SNN_OK;
}

double gpu_bytes(const struct gpu *g)
{
	return g->bytes;
}

void gpu_free(struct gpu *g)
{
	if (!g) {
		return;
	}
	for (uint32_t i = 0; i < g->n_allocs; i++) {
		free(g->allocs[i]);
	}
	free(g->pops);
	free(g->stims);
	free(g->blocks);
	free(g->block_syn);
	free(g->traces);
	free(g->rows_out);
	free(g->nrows_out);
	free(g);
}
