/*
 * The work of the CUDA engine's kernels on one neuron, one synapse row or
 * one traced value, as inline functions that compile for the GPU (gpu.cu)
 * and for the host (tests/gpu_emu.c, which runs the gpu.h interface
 * sequentially so that machines without a GPU test everything but the CUDA
 * glue).
 * Layer: sim core (engines), internal. Plain C that also compiles as CUDA
 * C++; the device-side tables here hold device pointers.
 */
#ifndef SNN_KERNELS_HD_H
#define SNN_KERNELS_HD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cuda/gpu.h"
#include "model_int.h"
#include "step_hd.h"

/* Threads per block of the neuron kernel; one spike segment per block. */
#define GPU_BLOCK 256u

/* Adds into the input ring: an atomic add on the device (integer sums do
 * not depend on their order), a plain one on the host. */
#ifdef __CUDA_ARCH__
#define KERN_ADD(p, v) atomicAdd((p), (v))
#else
#define KERN_ADD(p, v) (*(p) += (v))
#endif

struct dpop {
	uint32_t first, size, model, index;
	uint32_t merged;
	uint32_t stim_lo, stim_hi; /* its Poisson stimuli in the stimulus table */
	double sc0, sc1;
	struct lif_prop lif;
	struct cond_prop cond;
	const struct lif_prop *lif_het;
	const struct cond_prop *cond_het;
	const uint64_t *train_off;
	const uint32_t *train_step;
	uint64_t *cursor;
	double p_spike;
	uint64_t src_start, src_stop;
};

/* Fills the device entry d of population i from its host description:
 * every field but the device pointers (lif_het, cond_het, train_off,
 * train_step, cursor), which the caller sets once it has copied their arrays
 * to device memory. Host code; the same for the GPU and for the emulator. */
static inline void kern_pack_pop(struct dpop *d, const struct gpu_net *net, uint32_t i)
{
	const struct gpu_pop *p = &net->pops[i];
	d->first = p->first;
	d->size = p->size;
	d->model = p->model;
	d->index = p->index;
	d->merged = p->merged;
	d->sc0 = p->in_scale[0];
	d->sc1 = p->in_scale[1];
	d->lif = p->lif;
	d->cond = p->cond;
	d->p_spike = p->p_spike;
	d->src_start = p->src_start;
	d->src_stop = p->src_stop;
	d->stim_lo = d->stim_hi = 0;
	for (uint32_t s = 0; s < net->n_stims; s++) {
		if (net->stims[s].pop == i) {
			if (d->stim_hi == d->stim_lo) {
				d->stim_lo = s;
			}
			d->stim_hi = s + 1;
		}
	}
}

struct dstim {
	uint32_t index, lo, hi, n_ids;
	const uint32_t *ids;
	int32_t wq;
	uint32_t cmax, ch, delay_steps;
	uint64_t start_step, stop_step;
	double lambda, exp_neg;
	double cdf[48];
	int32_t ncdf;
};

struct dblock {
	uint32_t lo;
	const uint64_t *row; /* n_neurons + 1 offsets by source id */
	const uint32_t *syn; /* target - lo | delay << 16 | channel << 31 */
	const int32_t *w;
};

/* Everything the kernels read. */
struct kp {
	uint32_t N, n_ch, mask, n_pops, n_blocks, U;
	uint64_t seed;
	const uint32_t *pop_first;
	const struct dpop *pops;
	const struct dstim *stims;
	double *v, *x1, *x2;
	uint32_t *ref;
	const double *iext;
	int32_t *ring;
	uint32_t *seg, *seg_cnt, *done;
	const struct dblock *blocks;
};

/* Population of global id gid (populations are contiguous and in order). */
SNN_HD uint32_t kern_pop_of(const struct kp *k, uint32_t gid)
{
	uint32_t a = 0, b = k->n_pops;
	while (b - a > 1) {
		uint32_t m = a + (b - a) / 2;
		if (k->pop_first[m] <= gid) {
			a = m;
		} else {
			b = m;
		}
	}
	return a;
}

SNN_HD bool kern_stim_has(const struct dstim *st, uint32_t local)
{
	if (!st->ids) {
		return local >= st->lo && local < st->hi;
	}
	uint32_t a = 0, b = st->n_ids;
	while (a < b) {
		uint32_t m = a + (b - a) / 2;
		if (st->ids[m] < local) {
			a = m + 1;
		} else {
			b = m;
		}
	}
	return a < st->n_ids && st->ids[a] == local;
}

/* The Poisson input of one target in step n, in the channel's fixed point:
 * the count of the train emitted at n - delay, drawn as the CPU engine draws
 * it (engine.c add_poisson, poisson_kernel.c). */
SNN_HD int32_t kern_poisson_input(const struct dstim *st, uint32_t local, uint32_t gid, uint64_t n,
				  uint64_t seed)
{
	if (n < st->delay_steps) {
		return 0;
	}
	uint64_t emit = n - st->delay_steps;
	if (emit < st->start_step || emit >= st->stop_step || !(st->lambda > 0) ||
	    !kern_stim_has(st, local)) {
		return 0;
	}
	uint32_t cnt;
	if (st->ncdf) {
		uint32_t b[4];
		uint32_t w = step_poisson_word(emit);
		step_block(seed, RNG_POISSON, st->index, gid, step_poisson_ctr(emit), b);
		double u = step_words_to_open01(b[w], b[w + 1]);
		cnt = step_poisson_search(st->cdf, st->ncdf, st->lambda, st->exp_neg, u, 0);
	} else {
		uint64_t c;
		if (st->lambda > 1.7976931348623157e308) {
			c = UINT64_MAX;
		} else {
			struct step_stream r;
			step_stream_init(&r, seed, RNG_POISSON, st->index, gid, emit << 8);
			c = step_poisson_ptrs(&r, st->lambda);
		}
		cnt = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
	}
	return (int32_t)(cnt < st->cmax ? cnt : st->cmax) * st->wq;
}

/* Advances neuron gid by step n: reads and clears its ring cells of step n
 * (adding its Poisson input), runs its model's step (step_hd.h). Returns
 * whether it spiked. */
SNN_HD bool kern_neuron_step(const struct kp *k, uint32_t gid, uint64_t n)
{
	const struct dpop *q = &k->pops[kern_pop_of(k, gid)];
	uint32_t i = gid - q->first;
	int32_t *slot = k->ring + (size_t)(n & k->mask) * k->n_ch * k->N;
	int32_t in0 = slot[gid];
	int32_t in1 = k->n_ch > 1 ? slot[k->N + gid] : 0;
	slot[gid] = 0;
	if (k->n_ch > 1) {
		slot[k->N + gid] = 0;
	}
	for (uint32_t s = q->stim_lo; s < q->stim_hi; s++) {
		const struct dstim *st = &k->stims[s];
		int32_t x = kern_poisson_input(st, i, gid, n, k->seed);
		if (st->ch) {
			in1 += x;
		} else {
			in0 += x;
		}
	}
	double I = k->iext ? k->iext[gid] : 0.0;
	bool spike = false;
	switch (q->model) {
	case MODEL_LIF_DELTA: {
		const struct lif_prop *P = q->lif_het ? &q->lif_het[i] : &q->lif;
		double v = k->v[gid];
		uint32_t ref = k->ref[gid];
		spike = lif_delta_step(P, &v, &ref, in0, q->sc0, I);
		k->v[gid] = v;
		k->ref[gid] = ref;
		break;
	}
	case MODEL_LIF_EXP: {
		const struct lif_prop *P = q->lif_het ? &q->lif_het[i] : &q->lif;
		double v = k->v[gid], a = k->x1[gid];
		uint32_t ref = k->ref[gid];
		if (q->merged) {
			spike = lif_exp1_step(P, &v, &a, &ref, in0, q->sc0, I);
		} else {
			double b = k->x2[gid];
			spike = lif_exp_step(P, &v, &a, &b, &ref, in0, in1, q->sc0, q->sc1, I);
			k->x2[gid] = b;
		}
		k->v[gid] = v;
		k->x1[gid] = a;
		k->ref[gid] = ref;
		break;
	}
	case MODEL_LIF_COND: {
		const struct cond_prop *P = q->cond_het ? &q->cond_het[i] : &q->cond;
		double v = k->v[gid], a = k->x1[gid], b = k->x2[gid];
		uint32_t ref = k->ref[gid];
		spike = cond_step(P, &v, &a, &b, &ref, in0, in1, q->sc0, q->sc1, I);
		k->v[gid] = v;
		k->x1[gid] = a;
		k->x2[gid] = b;
		k->ref[gid] = ref;
		break;
	}
	case MODEL_SPIKE_SOURCE: {
		uint64_t c = q->cursor[i];
		if (c < q->train_off[i + 1] && q->train_step[c] == n) {
			spike = true;
			q->cursor[i] = c + 1;
		}
		break;
	}
	case MODEL_POISSON_SOURCE:
		if (n >= q->src_start && n < q->src_stop) {
			uint32_t r[4];
			step_block(k->seed, RNG_SOURCE, q->index, gid, n, r);
			spike = step_words_to_open01(r[0], r[1]) < q->p_spike;
		}
		break;
	default:
		break;
	}
	return spike;
}

/* Delivers the synapses j = first, first + stride, ... of the row of source
 * src in block b, spiking in step n, into the ring slots of n + delay. */
SNN_HD void kern_deliver_row(const struct kp *k, const struct dblock *b, uint32_t src, uint64_t n,
			     uint32_t first, uint32_t stride)
{
	uint64_t s0 = b->row[src], s1 = b->row[src + 1];
	size_t slot_stride = (size_t)k->n_ch * k->N;
	int32_t *base = k->ring + b->lo;
	for (uint64_t j = s0 + first; j < s1; j += stride) {
		uint32_t word = b->syn[j];
		uint32_t d = (word >> 16) & 0x7FFFu;
		size_t cell = (size_t)((n + d) & k->mask) * slot_stride +
			      (size_t)(word >> 31) * k->N + (word & 0xFFFFu);
		KERN_ADD(base + cell, b->w[j]);
	}
}

/* The traced state variable var of neuron gid of population pop (the values
 * lif_get and cond_get read on the CPU). */
SNN_HD double kern_sample(const struct kp *k, uint32_t pop, uint32_t var, uint32_t gid)
{
	const struct dpop *q = &k->pops[pop];
	if (q->model == MODEL_LIF_COND) {
		return var == COND_S_V_M ? k->v[gid] : var == COND_S_G_EX ? k->x1[gid] : k->x2[gid];
	}
	const struct lif_prop *P = q->lif_het ? &q->lif_het[gid - q->first] : &q->lif;
	return var == LIF_S_V_M	       ? lif_v_m(P, k->v[gid])
	       : var == LIF_S_I_SYN_EX ? k->x1[gid]
				       : k->x2[gid];
}

/* Bytes the network needs on the device, counted before any allocation;
 * syn_bytes gets the part of the synapse tables. */
static inline double gpu_need_bytes(const struct gpu_net *net, double *syn_bytes)
{
	double N = net->n_neurons, b = 0, s = 0;
	double U = (double)((net->n_neurons + GPU_BLOCK - 1) / GPU_BLOCK);
	b += (double)net->n_pops * (sizeof(struct dpop) + 4);
	b += (double)net->n_stims * sizeof(struct dstim);
	for (uint32_t i = 0; i < net->n_stims; i++) {
		b += (double)net->stims[i].n_ids * 4;
	}
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct gpu_pop *p = &net->pops[i];
		b += p->lif_het ? (double)p->size * sizeof(struct lif_prop) : 0;
		b += p->cond_het ? (double)p->size * sizeof(struct cond_prop) : 0;
		if (p->train_off) {
			b += ((double)p->size + 1) * 8 + (double)p->train_off[p->size] * 4 +
			     (double)p->size * 8;
		}
	}
	b += N * (3 * 8 + 4);		   /* v, x1, x2, ref */
	b += net->has_current ? N * 8 : 0; /* i_ext */
	b += (double)net->ring_slots * net->n_ch * N * 4;
	b += U * GPU_BLOCK * 4 + U * 4 + 4; /* spike segments */
	b += 2.0 * ((double)net->chunk_steps * N * 4 + ((double)net->chunk_steps + 1) * 4);
	for (uint32_t t = 0; t < net->n_traces; t++) {
		const struct gpu_trace *tr = &net->traces[t];
		double rows = net->chunk_steps / tr->interval_steps + 2;
		b += (double)tr->n * 4 + 2.0 * rows * tr->n * 8;
	}
	b += (double)net->n_blocks * sizeof(struct dblock);
	for (uint32_t k = 0; k < net->n_blocks; k++) {
		s += (N + 1) * 8 + (double)net->block_syn[k] * 8;
	}
	*syn_bytes = s;
	return b + s;
}

/* Room the device keeps for its own needs (context, kernel stacks). */
#define GPU_RESERVE_BYTES 256e6

/* The message of a network too large for the device. */
static inline void gpu_fit_message(char *msg, size_t len, double need, double syn, const char *name,
				   double free_b, double total_b)
{
	snprintf(msg, len,
		 "the network does not fit in device memory: it needs %.2f GB on the GPU (%.2f GB "
		 "of synapse tables, plus %.2f GB kept free for the CUDA runtime), and %s has "
		 "%.2f GB free of %.2f GB",
		 need / 1e9, syn / 1e9, GPU_RESERVE_BYTES / 1e9, name, free_b / 1e9, total_b / 1e9);
}

#endif
