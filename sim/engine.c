/*
 * The CPU engine: runs the time grid with OpenMP threads on the runtime
 * network that engine_build.c builds from the IR (layout and ordering rules in
 * engine_int.h). Layer: sim core (engines). With engine_build.c and synapses.c,
 * the files that split the work between threads (engine_int.h: slices of
 * neuron ids); engine_cuda.c reuses the build, and the compiler and the
 * Loihi mapper still read the threads' synapse blocks. Models are called
 * through their ops (model_rt.h), once per population and slice. Nothing is
 * allocated inside the step loop, and every function the step calls stays in
 * this file (or is static inline in engine_int.h), so that it inlines.
 *
 * One step n (t_n = n dt to t_n + dt), each thread on its slice:
 *   1. apply current-stimulus changes that start at step n
 *   2. add Poisson stimulus input arriving in step n to the ring slot of n
 *   3. for each stage (a network without same-step projections has one):
 *      a. update the stage's neurons (reading the slot of n; spikes into the
 *         step's list); after the last stage, clear the slot of n
 *      b. after the last stage: count and queue spikes for recording, sample
 *         traces and captures
 *      -- with several stages: barrier, then deliver every thread's spikes of
 *         the stage into the slots of n + delay (delay 0: the slot of n, read
 *         by later stages) --
 *
 * Threads meet once per window of W steps, W no longer than the shortest
 * synaptic delay (W = 1 with several stages): after updating steps n0 ..
 * n0 + W - 1 they pass a barrier (on bookkeeping steps thread 0 then writes
 * outputs, and another barrier follows), and each delivers every thread's
 * spikes of the window into its own slots n + delay >= n0 + W, which no step
 * of the window reads. Spike lists alternate between two windows, so a thread
 * fills the next window's lists while others still read the last one's.
 * Inputs are sums of fixed-point integers (or, in graded networks, added in
 * the same order whatever W), so W changes no result.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "engine_int.h"
#include "engines_int.h"
#include "rng_int.h"
#include "tracefile_int.h"
#include "util_int.h"
#include "mem_int.h"

/* The spike list of step n and its parts. */
static inline uint32_t list_of(const struct grid_sim *s, uint64_t n)
{
	return (uint32_t)(n % s->n_lists);
}

static inline uint32_t *spk_of(const struct grid_sim *s, const struct thread_rt *t, uint64_t n)
{
	return t->spk + list_of(s, n) * grid_slice_cap(t);
}

static inline double *amp_of(const struct grid_sim *s, const struct thread_rt *t, uint64_t n)
{
	return t->amp ? t->amp + list_of(s, n) * grid_slice_cap(t) : NULL;
}

static inline uint32_t *stage_end_of(const struct grid_sim *s, const struct thread_rt *t,
				     uint64_t n)
{
	return t->stage_end + (size_t)list_of(s, n) * s->n_stages;
}

#define SPIKE_BATCH 256u

/* ------------------------------------------------------------------ stimuli */

/* Range of set elements [k0, k1) whose population-local index lies in [lo, hi). */
static void set_range(const struct target_set *t, uint32_t lo, uint32_t hi, uint32_t *k0,
		      uint32_t *k1)
{
	if (!t->ids) {
		uint32_t a = t->lo > lo ? t->lo : lo, b = t->hi < hi ? t->hi : hi;
		if (a >= b) {
			*k0 = *k1 = 0;
			return;
		}
		*k0 = a - t->lo;
		*k1 = b - t->lo;
		return;
	}
	uint32_t a = 0, b = t->n_ids;
	while (a < b) {
		uint32_t m = a + (b - a) / 2;
		if (t->ids[m] < lo) {
			a = m + 1;
		} else {
			b = m;
		}
	}
	*k0 = a;
	b = t->n_ids;
	uint32_t c = a;
	while (c < b) {
		uint32_t m = c + (b - c) / 2;
		if (t->ids[m] < hi) {
			c = m + 1;
		} else {
			b = m;
		}
	}
	*k1 = c;
}

/* Local (population) index range of a population inside a thread's slice. */
static bool pop_in_slice(const struct pop_rt *p, const struct thread_rt *t, uint32_t *lo,
			 uint32_t *hi)
{
	uint32_t a = p->first > t->lo ? p->first : t->lo;
	uint32_t b = p->first + p->size < t->hi ? p->first + p->size : t->hi;
	if (a >= b) {
		return false;
	}
	*lo = a - p->first;
	*hi = b - p->first;
	return true;
}

/* Poisson input arriving in step n: the counts of the trains emitted at
 * e = n - delay, keyed (seed, stimulus, neuron, e) as step_poisson_ctr says.
 * The block of an even e also holds the count of e + 1, which is added to
 * the slot of step n + 1 now (a ring has at least two slots, and that slot
 * was cleared at the end of step n + 1 - slots); an odd e is drawn at its own
 * step only when e - 1 was not emitted. Means too large for a table take a
 * stream per step. */
static void add_poisson(struct grid_sim *s, struct thread_rt *t, uint64_t n)
{
	uint32_t slice = t->hi - t->lo;
	size_t cells = (size_t)s->n_ch * slice;
	int32_t *slot = t->ring + (size_t)(n & s->ring_mask) * cells;
	int32_t *next = t->ring + (size_t)((n + 1) & s->ring_mask) * cells;
	uint64_t seed = s->net->sim.seed;
	for (uint32_t q = 0; q < s->n_poisson; q++) {
		const struct stim_rt *st = &s->stims[s->poisson[q]];
		if (n < st->delay_steps) {
			continue;
		}
		uint64_t emit = n - st->delay_steps;
		if (emit < st->start_step || emit >= st->stop_step || !(st->pt.lambda > 0)) {
			continue;
		}
		bool odd = (emit & 1) != 0;
		if (st->pt.ncdf && odd && emit > st->start_step) {
			continue; /* drawn at step n - 1 */
		}
		const struct pop_rt *p = &s->pops[st->pop];
		uint32_t lo, hi, k0, k1;
		if (!pop_in_slice(p, t, &lo, &hi)) {
			continue;
		}
		const struct target_set *to = &st->ir->to;
		set_range(to, lo, hi, &k0, &k1);
		int32_t *dst = slot + (size_t)st->ch * slice;
		int32_t *dst_next = next + (size_t)st->ch * slice;
		/* words 0-1 and 2-3 of the block: the counts of steps n and n + 1 */
		int32_t *d_lo = odd ? NULL : dst;
		int32_t *d_hi = odd ? dst : (emit + 1 < st->stop_step ? dst_next : NULL);
		uint64_t ctr = step_poisson_ctr(emit);
		if (st->pt.ncdf && !to->ids) {
			uint32_t gid0 = p->first + target_set_at(to, k0);
			poisson_add_run(&st->pt, seed, st->index, gid0, k1 - k0, ctr, st->wq,
					st->cmax, d_lo ? d_lo + (gid0 - t->lo) : NULL,
					d_hi ? d_hi + (gid0 - t->lo) : NULL);
			continue;
		}
		for (uint32_t k = k0; k < k1; k++) {
			uint32_t gid = p->first + target_set_at(to, k);
			if (st->pt.ncdf) {
				philox4x32_ctr_t b =
				    rng_block(seed, RNG_POISSON, st->index, gid, ctr);
				if (d_lo) {
					uint32_t c = poisson_count(&st->pt, b.v[0], b.v[1]);
					d_lo[gid - t->lo] +=
					    (int32_t)(c < st->cmax ? c : st->cmax) * st->wq;
				}
				if (d_hi) {
					uint32_t c = poisson_count(&st->pt, b.v[2], b.v[3]);
					d_hi[gid - t->lo] +=
					    (int32_t)(c < st->cmax ? c : st->cmax) * st->wq;
				}
				continue;
			}
			struct rng r;
			rng_init(&r, seed, RNG_POISSON, st->index, gid, emit << 8);
			uint64_t c = rng_poisson(&r, st->pt.lambda);
			uint32_t cnt = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
			dst[gid - t->lo] += (int32_t)(cnt < st->cmax ? cnt : st->cmax) * st->wq;
		}
	}
}

/* Amplitude (pA) of a current stimulus during step n. */
static double current_at(const struct grid_sim *s, const struct stimulus *ir, uint64_t n)
{
	double t = (double)n * s->dt_ms;
	if (ir->kind == STIM_DC) {
		uint64_t a = grid_steps_of(s, ir->start_ms);
		uint64_t b = grid_steps_of(s, ir->stop_ms);
		return (n >= a && n < b) ? ir->amp_pa : 0.0;
	}
	double amp = 0.0;
	for (uint32_t k = 0; k < ir->n_steps; k++) {
		if (grid_steps_of(s, ir->times_ms[k]) <= n) {
			amp = ir->amps_pa[k];
		}
	}
	(void)t;
	return amp;
}

/* Recomputes the stimulus current of the neurons of stimulus `which` inside
 * [glo, ghi): the sum, in config order, of every current stimulus on them. */
void grid_refresh_current(struct grid_sim *s, uint32_t which, uint32_t glo, uint32_t ghi,
			  uint64_t n)
{
	const struct stim_rt *st = &s->stims[which];
	const struct pop_rt *p = &s->pops[st->pop];
	uint32_t lo = p->first > glo ? p->first : glo;
	uint32_t hi = p->first + p->size < ghi ? p->first + p->size : ghi;
	if (lo >= hi) {
		return;
	}
	uint32_t k0, k1;
	set_range(&st->ir->to, lo - p->first, hi - p->first, &k0, &k1);
	for (uint32_t k = k0; k < k1; k++) {
		uint32_t local = target_set_at(&st->ir->to, k);
		double sum = 0.0;
		for (uint32_t q = 0; q < s->n_stims; q++) {
			const struct stim_rt *o = &s->stims[q];
			if (o->ir->kind == STIM_POISSON || o->pop != st->pop ||
			    !target_set_contains(&o->ir->to, local)) {
				continue;
			}
			sum += current_at(s, o->ir, n);
		}
		s->i_ext[p->first + local] = sum;
	}
}

static void apply_dc(struct grid_sim *s, struct thread_rt *t, uint64_t n)
{
	while (t->dc_next < s->n_dc_events && s->dc_events[t->dc_next].step <= n) {
		grid_refresh_current(s, s->dc_events[t->dc_next].stim, t->lo, t->hi, n);
		t->dc_next++;
	}
}

/* ------------------------------------------------------------------ recording */

/* Population of a global id (populations are contiguous, in order). */
uint32_t grid_pop_of(const struct grid_sim *s, uint32_t gid)
{
	uint32_t a = 0, b = s->n_pops;
	while (b - a > 1) {
		uint32_t m = a + (b - a) / 2;
		if (s->pops[m].first <= gid) {
			a = m;
		} else {
			b = m;
		}
	}
	return a;
}

/* Writes recorded spikes, in (step, id) order, to the spike file (neurons
 * with REC_FILE) and hands them in the same order to the on_spikes hook
 * (neurons with REC_HOOK; t_ms: the time reached), then calls the hook once
 * more with what is left, possibly nothing. */
int grid_write_spikes(struct grid_sim *s, const struct rec_entry *const *lists,
		      const size_t *counts, int n_lists, double t_ms, snn_diag *d)
{
	size_t *pos = s->flush_pos;
	memset(pos, 0, sizeof(size_t) * (size_t)n_lists);
	int rc = SNN_OK;
	double tbuf[256];
	uint64_t ibuf[256];
	size_t nb = 0;
	int32_t bpop = -1;
	snn_spike_event ev[SPIKE_BATCH];
	size_t nev = 0;
	for (;;) {
		uint32_t step = UINT32_MAX;
		for (int k = 0; k < n_lists; k++) {
			if (pos[k] < counts[k] && lists[k][pos[k]].step < step) {
				step = lists[k][pos[k]].step;
			}
		}
		if (step == UINT32_MAX) {
			break;
		}
		double ts = (double)(step + 1) * s->dt_ms;
		for (int k = 0; k < n_lists && rc == SNN_OK; k++) {
			const struct rec_entry *l = lists[k];
			while (pos[k] < counts[k] && l[pos[k]].step == step) {
				uint32_t gid = l[pos[k]].gid;
				uint32_t pi = grid_pop_of(s, gid);
				uint8_t mask = s->out.rec_mask[gid];
				if (mask & REC_HOOK) {
					if (nev == SPIKE_BATCH) {
						s->opt.on_spikes(s->opt.spikes_ctx, ev, nev, t_ms);
						nev = 0;
					}
					ev[nev++] = (snn_spike_event){s->t_base_ms + ts, pi,
								      gid - s->pops[pi].first};
				}
				if (!(mask & REC_FILE) || !s->out.spikes) {
					pos[k]++;
					continue;
				}
				int32_t slot = s->out.spike_pop_slot[pi];
				if (slot != bpop || nb == 256) {
					if (nb) {
						rc = snn_spike_writer_append(
						    s->out.spikes, (size_t)bpop, tbuf, ibuf, nb, d);
					}
					nb = 0;
					bpop = slot;
				}
				tbuf[nb] = ts;
				ibuf[nb] = gid - s->pops[pi].first;
				nb++;
				pos[k]++;
			}
		}
		if (rc != SNN_OK) {
			break;
		}
	}
	if (rc == SNN_OK && nb) {
		rc = snn_spike_writer_append(s->out.spikes, (size_t)bpop, tbuf, ibuf, nb, d);
	}
	if (s->opt.on_spikes) {
		s->opt.on_spikes(s->opt.spikes_ctx, ev, nev, t_ms);
	}
	return rc;
}

/* Writes the queued spikes of all threads (t_ms: the time reached): threads
 * hold ascending id slices, so taking each step from every thread in turn
 * keeps the (step, id) order whatever the thread count. Thread 0 only,
 * between barriers. */
static int flush_spikes(struct grid_sim *s, double t_ms, snn_diag *d)
{
	for (int k = 0; k < s->nthreads; k++) {
		s->flush_lists[k] = s->thr[k].rec;
		s->flush_counts[k] = s->thr[k].nrec;
	}
	int rc = grid_write_spikes(s, s->flush_lists, s->flush_counts, s->nthreads, t_ms, d);
	for (int k = 0; k < s->nthreads; k++) {
		s->thr[k].nrec = 0;
	}
	return rc;
}

int grid_flush_traces(struct grid_sim *s, uint64_t steps_done, snn_diag *d)
{
	for (uint32_t r = 0; r < s->n_traces; r++) {
		struct trace_rt *tr = &s->traces[r];
		uint64_t samples = steps_done / tr->interval_steps;
		uint32_t rows = (uint32_t)(samples - tr->rows_flushed);
		if (rows == 0) {
			continue;
		}
		int rc = trace_writer_append(s->out.traces[r], tr->rows, rows, d);
		if (rc != SNN_OK) {
			return rc;
		}
		tr->rows_flushed = samples;
	}
	return SNN_OK;
}

/* ------------------------------------------------------------------ the step */

static void update_stage(struct grid_sim *s, struct thread_rt *t, uint64_t n, uint32_t stage)
{
	uint32_t slice = t->hi - t->lo;
	size_t slot_at = (size_t)(n & s->ring_mask) * s->n_ch * slice;
	uint32_t *out = spk_of(s, t, n);
	double *amp = amp_of(s, t, n);
	uint32_t *ends = stage_end_of(s, t, n);
	uint32_t nout = stage ? ends[stage - 1] : 0;
	for (uint32_t pi = s->stage_first[stage]; pi < s->stage_first[stage + 1]; pi++) {
		struct pop_rt *p = &s->pops[pi];
		uint32_t lo, hi;
		if (!pop_in_slice(p, t, &lo, &hi)) {
			continue;
		}
		uint32_t before = nout;
		size_t off = slot_at + p->first + lo - t->lo;
		/* fixed-point buffers for configs, doubles for graded (NIR) networks */
		const int32_t *in0 = t->ring ? t->ring + off : NULL;
		const int32_t *in1 = t->ring && s->n_ch > 1 ? in0 + slice : in0;
		const double *din0 = t->ringd ? t->ringd + off : NULL;
		const double *iext = s->i_ext ? s->i_ext + p->first + lo : NULL;
		const struct model_step in = {in0, in1, din0, iext, n, s->net->sim.seed};
		p->ops->update(p, &in, lo, hi, out, amp, &nout);
		if (amp && !p->ir->model->graded) {
			for (uint32_t j = before; j < nout; j++) {
				amp[j] = 1.0;
			}
		}
	}
	ends[stage] = nout;
	if (stage + 1 == s->n_stages) {
		if (t->ring) {
			memset(t->ring + slot_at, 0, sizeof(int32_t) * s->n_ch * slice);
		} else {
			memset(t->ringd + slot_at, 0, sizeof(double) * s->n_ch * slice);
		}
		t->nspk[list_of(s, n)] = nout;
	}
}

/* Writes the captures of step n for the thread's neurons: outputs from the
 * thread's spike list, states from the neurons. */
static void capture_slice(struct grid_sim *s, struct thread_rt *t, uint64_t n)
{
	const uint32_t *spk = spk_of(s, t, n);
	const double *amp = amp_of(s, t, n);
	uint32_t ns = t->nspk[list_of(s, n)];
	for (uint32_t c = 0; c < s->n_caps; c++) {
		const struct grid_capture *cp = &s->caps[c];
		const struct pop_rt *p = &s->pops[cp->pop];
		uint32_t lo, hi;
		if (!pop_in_slice(p, t, &lo, &hi)) {
			continue;
		}
		double *row = cp->buf + n * p->size;
		if (cp->var >= 0) {
			for (uint32_t i = lo; i < hi; i++) {
				row[i] = p->ops->get(p, cp->var, i);
			}
			continue;
		}
		for (uint32_t j = 0; j < ns; j++) {
			uint32_t g = spk[j];
			if (g >= p->first + lo && g < p->first + hi) {
				row[g - p->first] = amp ? amp[j] : 1.0;
			}
		}
	}
}

static void record_slice(struct grid_sim *s, struct thread_rt *t, int tid, uint64_t n)
{
	const uint32_t *spk = spk_of(s, t, n);
	uint32_t ns = t->nspk[list_of(s, n)];
	uint32_t pi = 0;
	for (uint32_t k = 0; k < ns; k++) {
		uint32_t gid = spk[k];
		while (pi + 1 < s->n_pops && gid >= s->pops[pi + 1].first) {
			pi++;
		}
		t->pop_spikes[pi]++;
		if (s->out.rec_mask[gid]) {
			t->rec[t->nrec++] = (struct rec_entry){(uint32_t)n, gid};
		}
	}
	for (uint32_t r = 0; r < s->n_traces; r++) {
		struct trace_rt *tr = &s->traces[r];
		if ((n + 1) % tr->interval_steps != 0 || tr->thr_lo[tid] == tr->thr_hi[tid]) {
			continue;
		}
		uint64_t row = (n + 1) / tr->interval_steps - 1 - tr->rows_flushed;
		const struct pop_rt *p = &s->pops[tr->pop];
		double *dst = tr->rows + row * tr->n;
		for (uint32_t e = tr->thr_lo[tid]; e < tr->thr_hi[tid]; e++) {
			uint32_t local = tr->gids[e] - p->first;
			dst[e] = p->ops->get(p, tr->ir->var, local);
		}
	}
	if (s->n_caps) {
		capture_slice(s, t, n);
	}
}

/* The inner loop of delivery: one run of synapses with one delay and
 * channel. Integer sums: the order of the additions does not matter. */
static inline void add_run(int32_t *restrict dst, const uint16_t *restrict tg,
			   const int32_t *restrict w, uint32_t len)
{
	for (uint32_t k = 0; k < len; k++) {
		dst[tg[k]] += w[k];
	}
}

/* The same for a graded network: weights times the value of the spike, in
 * doubles (the order is fixed: emission step, source, synapse). */
static inline void add_run_graded(double *restrict dst, const uint16_t *restrict tg,
				  const float *restrict w, uint32_t len, const double *amp)
{
	if (amp) {
		double a = *amp;
		for (uint32_t k = 0; k < len; k++) {
			dst[tg[k]] += (double)w[k] * a;
		}
	} else {
		for (uint32_t k = 0; k < len; k++) {
			dst[tg[k]] += w[k];
		}
	}
}

#define PREFETCH_W_LINES 64u /* of a row's weights: 1024 synapses */

/* Starts loading source src's rows of the thread, so that their memory
 * latency overlaps the previous row's additions. The whole row, not only its
 * start: the hardware prefetcher needs a few misses before it follows a
 * stream, which on the short rows of a thread's slice cost as much as the
 * additions (prefetching a row's first 4 lines only, Brunel on 2 threads
 * delivered in 0.32 s, the whole row in 0.23 s; bench/README.md). */
static inline void prefetch_rows(const struct thread_rt *t, uint32_t src)
{
	for (uint32_t bi = 0; bi < t->n_blocks; bi++) {
		const struct syn_block *b = &t->blocks[bi];
		uint64_t off = b->row_syn[src];
		uint64_t len = b->row_syn[src + 1] - off;
		if (len == 0) {
			continue;
		}
		__builtin_prefetch(&b->runs[b->row_run[src]]);
		/* 64-byte lines: 16 weights, 32 targets */
		uint64_t lines = (len + 15) / 16;
		if (lines > PREFETCH_W_LINES) {
			lines = PREFETCH_W_LINES;
		}
		for (uint64_t k = 0; k < lines; k++) {
			__builtin_prefetch(b->w + off + 16 * k);
		}
		for (uint64_t k = 0; k < (lines + 1) / 2; k++) {
			__builtin_prefetch(b->tgt + off + 32 * k);
		}
	}
}

static void deliver(struct grid_sim *s, struct thread_rt *t, uint64_t n, uint32_t stage)
{
	uint32_t slice = t->hi - t->lo;
	size_t slot_stride = (size_t)s->n_ch * slice;
	uint64_t events = 0;
	for (int u = 0; u < s->nthreads; u++) {
		const uint32_t *spk = spk_of(s, &s->thr[u], n);
		const double *amp = amp_of(s, &s->thr[u], n);
		const uint32_t *ends = stage_end_of(s, &s->thr[u], n);
		uint32_t ns = ends[stage];
		for (uint32_t j = stage ? ends[stage - 1] : 0; j < ns; j++) {
			uint32_t src = spk[j];
			if (j + 1 < ns && t->ring) {
				prefetch_rows(t, spk[j + 1]);
			}
			for (uint32_t bi = 0; bi < t->n_blocks; bi++) {
				const struct syn_block *b = &t->blocks[bi];
				uint32_t r0 = b->row_run[src], r1 = b->row_run[src + 1];
				if (r0 == r1) {
					continue;
				}
				uint64_t off = b->row_syn[src];
				events += b->row_syn[src + 1] - off;
				size_t base = b->lo - t->lo;
				for (uint32_t r = r0; r < r1; r++) {
					const struct syn_run *run = &b->runs[r];
					size_t at =
					    base + ((n + run->delay) & s->ring_mask) * slot_stride +
					    (size_t)run->ch * slice;
					if (t->ring) {
						add_run(t->ring + at, b->tgt + off, b->w + off,
							run->len);
					} else {
						add_run_graded(t->ringd + at, b->tgt + off,
							       b->wf + off, run->len,
							       amp ? &amp[j] : NULL);
					}
					off += run->len;
				}
			}
		}
	}
	t->events += events;
}

struct run_ctl {
	int stop; /* set by thread 0 on bookkeeping steps */
	int rc;
	double t0;
	snn_diag *d;
};

static void bookkeep(struct grid_sim *s, struct run_ctl *c, uint64_t n)
{
	uint64_t done = n + 1;
	if ((s->out.spikes || s->opt.on_spikes) &&
	    flush_spikes(s, s->t_base_ms + (double)done * s->dt_ms, c->d) != SNN_OK) {
		c->rc = SNN_EIO;
		c->stop = 1;
		return;
	}
	if (grid_flush_traces(s, done, c->d) != SNN_OK) {
		c->rc = SNN_EIO;
		c->stop = 1;
		return;
	}
	s->steps_done = done;
	if (s->opt.progress) {
		uint64_t spikes = 0;
		for (int k = 0; k < s->nthreads; k++) {
			for (uint32_t i = 0; i < s->n_pops; i++) {
				spikes += s->thr[k].pop_spikes[i];
			}
		}
		snn_progress pr = {(double)done * s->dt_ms, (double)s->n_steps * s->dt_ms,
				   now_s() - c->t0, spikes};
		if (s->opt.progress(s->opt.progress_ctx, &pr) != 0) {
			c->rc = SNN_EINTR;
			c->stop = 1;
		}
	}
}

static void run_thread(struct grid_sim *s, struct run_ctl *c, int tid)
{
	struct thread_rt *t = &s->thr[tid];
	uint32_t F = s->bookkeeping;
	uint32_t W = s->window;
	uint32_t last = s->n_stages - 1;
	for (uint64_t n0 = 0; n0 < s->n_steps; n0 += W) {
		uint64_t n1 = n0 + W < s->n_steps ? n0 + W : s->n_steps;
		for (uint64_t n = n0; n < n1; n++) {
			if (s->i_ext) {
				apply_dc(s, t, n);
			}
			if (s->n_poisson) {
				add_poisson(s, t, n);
			}
			for (uint32_t k = 0; k < last; k++) {
				update_stage(s, t, n, k);
				t->wait_ns += engine_barrier_wait(&s->barrier);
				deliver(s, t, n, k);
			}
			update_stage(s, t, n, last);
			record_slice(s, t, tid, n);
		}
		t->wait_ns += engine_barrier_wait(&s->barrier);
		if (n1 % F == 0 || n1 == s->n_steps) {
			if (tid == 0) {
				bookkeep(s, c, n1 - 1);
			}
			t->wait_ns += engine_barrier_wait(&s->barrier);
			if (c->stop) {
				break;
			}
		}
		for (uint64_t n = n0; n < n1; n++) {
			deliver(s, t, n, last);
		}
	}
}

/* Runs the steps on s->nthreads threads, which must all start: each owns a
 * slice of the neurons. */
static void run_threads(struct grid_sim *s, struct run_ctl *c)
{
	engine_barrier_init(&s->barrier, (uint32_t)s->nthreads);
#ifdef _OPENMP
	int nt = s->nthreads;
#pragma omp parallel num_threads(nt) default(none) shared(s, c, nt)
	{
		if (omp_get_num_threads() != nt) {
#pragma omp single
			{
				c->rc = snn_diag_error(c->d, SNN_ERANGE, NULL, 0, 0,
						       "OpenMP started %d threads instead of %d "
						       "(OMP_THREAD_LIMIT or OMP_DYNAMIC?)",
						       omp_get_num_threads(), nt);
			}
		} else {
			run_thread(s, c, omp_get_thread_num());
		}
	}
#else
	run_thread(s, c, 0);
#endif
}

int grid_build(const snn_net *net, const snn_sim_options *opt, const struct grid_mode *mode,
	       struct grid_sim **out, snn_diag *d)
{
	int rc = grid_build_network(net, opt, mode, out, d);
	if (rc != SNN_OK) {
		return rc;
	}
	struct grid_sim *s = *out;
	/* the current stimuli in force at step 0: here, with grid_refresh_current,
	 * which the step loop calls */
	for (uint32_t k = 0; k < s->n_dc_events && s->dc_events[k].step == 0; k++) {
		grid_refresh_current(s, s->dc_events[k].stim, 0, s->n_neurons, 0);
	}
	for (int k = 0; k < s->nthreads; k++) {
		uint32_t e = 0;
		while (e < s->n_dc_events && s->dc_events[e].step == 0) {
			e++;
		}
		s->thr[k].dc_next = e;
	}
	return SNN_OK;
}

static int grid_new(const snn_net *net, const snn_sim_options *opt, void **out, snn_diag *d)
{
	static const struct grid_mode cpu = {"grid-cpu", true, 0};
	struct grid_sim *s;
	int rc = grid_build(net, opt, &cpu, &s, d);
	*out = s;
	return rc;
}

static void grid_free(void *impl)
{
	grid_destroy(impl);
}

/* ------------------------------------------------------------------ run */

int grid_open_outputs(struct grid_sim *s, snn_diag *d)
{
	const snn_net *net = s->net;
	snn_provenance prov = {s->opt.software,	   net->source_path, net->source_text,
			       net->source_sha256, net->sim.seed,    s->nthreads,
			       s->engine_name,	   s->dt_ms,	     (double)s->n_steps * s->dt_ms};
	return outputs_open(&s->out, s->opt.format, &prov, d);
}

void grid_abort_outputs(struct grid_sim *s)
{
	outputs_abort(&s->out);
}

/* The engine's part of the statistics; outputs_fill_stats the populations'. */
static int fill_stats(struct grid_sim *s, double sim_s)
{
	snn_stats *st = &s->stats;
	double bio_ms = (double)s->steps_done * s->dt_ms;
	for (uint32_t i = 0; i < s->n_pops; i++) {
		uint64_t c = 0;
		for (int t = 0; t < s->nthreads; t++) {
			c += s->thr[t].pop_spikes[i];
		}
		s->out.pop_spikes[i] = c;
	}
	if (outputs_fill_stats(&s->out, bio_ms, st) != SNN_OK) {
		return SNN_ENOMEM;
	}
	st->events = 0;
	st->synapses = 0;
	st->synapse_bytes = 0;
	for (int t = 0; t < s->nthreads; t++) {
		st->events += s->thr[t].events;
		for (uint32_t b = 0; b < s->thr[t].n_blocks; b++) {
			const struct syn_block *blk = &s->thr[t].blocks[b];
			st->synapses += blk->n_syn;
			st->synapse_bytes += (double)blk->n_syn * 6.0 +
					     ((double)s->n_neurons + 1.0) * 12.0 +
					     (double)blk->n_runs * sizeof(struct syn_run);
		}
	}
	if (s->device_name) {
		/* the synapses live on the device, in its own layout */
		st->synapses = s->device_synapses;
		st->synapse_bytes = s->device_synapse_bytes;
	}
	st->sim_s = sim_s;
	st->bio_ms = bio_ms;
	st->threads = s->nthreads;
	st->wait_s = 0.0;
	for (int q = 0; q < s->nthreads; q++) {
		st->wait_s += (double)s->thr[q].wait_ns * 1e-9 / s->nthreads;
	}
	st->engine = s->engine_name;
	st->device = s->device_name;
	st->device_bytes = s->device_bytes;
	return SNN_OK;
}

int grid_finish_run(struct grid_sim *s, int rc, double sim_s, snn_diag *d)
{
	if (rc != SNN_OK) {
		grid_abort_outputs(s);
		if (rc == SNN_EINTR) {
			snn_diag_error(d, SNN_EINTR, NULL, 0, 0,
				       "stopped at t = %g ms; no output was written",
				       (double)s->steps_done * s->dt_ms);
		}
		fill_stats(s, sim_s);
		return rc;
	}
	s->steps_done = s->n_steps;
	rc = outputs_commit(&s->out, d);
	if (rc != SNN_OK) {
		return rc;
	}
	if (fill_stats(s, sim_s) != SNN_OK) {
		return mem_nomem(d);
	}
	return SNN_OK;
}

static int grid_run(void *impl, snn_diag *d)
{
	struct grid_sim *s = impl;
	int rc = grid_open_outputs(s, d);
	if (rc != SNN_OK) {
		grid_abort_outputs(s);
		return rc;
	}
	struct run_ctl c = {0, SNN_OK, now_s(), d};
	run_threads(s, &c);
	return grid_finish_run(s, c.rc, now_s() - c.t0, d);
}

static const snn_stats *grid_stats(const void *impl)
{
	const struct grid_sim *s = impl;
	return &s->stats;
}

const struct engine_ops engine_grid_cpu = {"grid-cpu", grid_new, grid_run, grid_stats, grid_free};

/* ------------------------------------------------------------------ runs driven from outside */

int grid_create(const snn_net *net, const snn_sim_options *opt, struct grid_sim **out, snn_diag *d)
{
	void *impl = NULL;
	int rc = grid_new(net, opt, &impl, d);
	*out = impl;
	return rc;
}

/* Puts the network back in its initial state. */
static int grid_reset(struct grid_sim *s, snn_diag *d)
{
	if (s->n_stims) {
		return snn_diag_error(d, SNN_EUNSUP, NULL, 0, 0,
				      "a network with stimuli cannot be run sample by sample");
	}
	for (uint32_t i = 0; i < s->n_pops; i++) {
		struct pop_rt *p = &s->pops[i];
		if (!p->ops->reset) {
			return snn_diag_error(
			    d, SNN_EUNSUP, p->ir->where.file, p->ir->where.line, p->ir->where.col,
			    "population '%s': model %s cannot be run sample by sample", p->ir->name,
			    p->ir->model->name);
		}
		int rc = p->ops->reset(s->net, p, d);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	for (int k = 0; k < s->nthreads; k++) {
		struct thread_rt *t = &s->thr[k];
		uint32_t slice = t->hi - t->lo;
		size_t cells = (size_t)s->ring_slots * s->n_ch * (slice ? slice : 1);
		if (t->ring) {
			memset(t->ring, 0, cells * sizeof(int32_t));
		} else {
			memset(t->ringd, 0, cells * sizeof(double));
		}
		memset(t->nspk, 0, s->n_lists * sizeof(uint32_t));
		memset(t->stage_end, 0, (size_t)s->n_lists * s->n_stages * sizeof(uint32_t));
		t->nrec = 0;
		t->wait_ns = 0;
	}
	return SNN_OK;
}

int grid_run_io(struct grid_sim *s, uint64_t n_steps, const struct grid_capture *caps,
		uint32_t n_caps, snn_diag *d)
{
	if (n_steps < 1 || n_steps >= UINT32_MAX) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "a run takes between one step and %u steps (got %llu)",
				      UINT32_MAX - 1, (unsigned long long)n_steps);
	}
	int rc = grid_reset(s, d);
	if (rc != SNN_OK) {
		return rc;
	}
	s->n_steps = n_steps;
	s->caps = caps;
	s->n_caps = n_caps;
	struct run_ctl c = {0, SNN_OK, now_s(), d};
	run_threads(s, &c);
	s->run_s += now_s() - c.t0;
	s->caps = NULL;
	s->n_caps = 0;
	if (c.rc == SNN_EINTR) {
		return snn_diag_error(d, SNN_EINTR, NULL, 0, 0, "stopped; no output was written");
	}
	if (c.rc != SNN_OK) {
		return c.rc;
	}
	s->stats.bio_ms += (double)n_steps * s->dt_ms;
	return SNN_OK;
}

const snn_stats *grid_run_stats(struct grid_sim *s)
{
	double bio = s->stats.bio_ms;
	s->steps_done = (uint64_t)nearbyint(bio / s->dt_ms);
	if (fill_stats(s, s->run_s) != SNN_OK) {
		return NULL;
	}
	return &s->stats;
}
