/*
 * The CUDA engine's device side (gpu.h): device memory, the step kernels and
 * the chunked transfer of spikes and traces back to the host.
 * Layer: sim core (engines), internal. Knows nothing of the IR: it runs the
 * plain description engine_cuda.c gives it. Uses no C++ library (the C
 * compiler links it) and no fast-math: built with --fmad=false so that the
 * per-neuron arithmetic of step_hd.h rounds exactly as on the CPU.
 *
 * One step n, in stream order:
 *   k_update   one thread per neuron: adds its Poisson input to the ring slot
 *              of n, advances the neuron (step_hd.h), clears the slot, and
 *              writes its spike into its thread block's segment in id order;
 *              the last block to finish joins the segments in block order,
 *              so the step's spikes land in the chunk's record buffer in
 *              ascending id order, as the CPU engine writes them.
 *   k_deliver  one thread block per (spike, synapse block) pair walks the
 *              source's row and adds each weight into the ring slot of
 *              n + delay with an int32 atomicAdd. Integer sums do not depend
 *              on their order: the inputs equal the CPU's bit for bit.
 *   k_sample   at trace steps only: copies the traced state to a row.
 * Steps run in chunks of up to chunk_steps; each chunk writes one of two
 * record buffers, copied back while the next chunk runs. Nothing crosses
 * to the host within a chunk.
 */
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cuda/kernels_hd.h"
#include "mem_int.h"

#define BLOCK GPU_BLOCK
#define WARPS (BLOCK / 32u)
/* Allocations gpu_free releases: a few per population, stimulus and trace,
 * three per synapse block of 65536 targets. */
#define MAX_DEV_ALLOCS 8192
#define MAX_HOST_ALLOCS 1024

struct htrace {
	uint32_t pop, var, n, iv, cap_rows;
	const uint32_t *gids; /* device */
	double *rows[2];      /* device, cap_rows x n */
	double *h_rows[2];    /* pinned host */
};

struct gpu {
	struct kp k;
	cudaStream_t st, cp;
	cudaEvent_t done_ev[2];
	bool streams, events;
	uint32_t F;
	int sms;
	uint32_t *off[2], *rec[2];     /* device: step offsets, spike ids of a chunk */
	uint32_t *h_off[2], *h_rec[2]; /* pinned host copies */
	uint64_t n0[2];
	uint32_t steps[2];
	uint32_t n_traces;
	struct htrace *traces;
	double **rows_out; /* per trace, for gpu_fetch */
	uint32_t *nrows_out;
	struct dblock *hblocks; /* host copy, device pointers */
	uint64_t *block_syn;
	void *dev[MAX_DEV_ALLOCS];
	uint32_t n_dev;
	void *host[MAX_HOST_ALLOCS];
	uint32_t n_host;
	double bytes;
};

/* ------------------------------------------------------------------ errors */

static int cuda_fail(cudaError_t e, const char *what, char *msg, size_t len)
{
	snprintf(msg, len, "CUDA error in %s: %s (%s)", what, cudaGetErrorString(e),
		 cudaGetErrorName(e));
	return e == cudaErrorMemoryAllocation ? SNN_ENOMEM : SNN_EDEVICE;
}

#define CK(call, what)                                           \
	do {                                                     \
		cudaError_t ck_e_ = (call);                      \
		if (ck_e_ != cudaSuccess) {                      \
			return cuda_fail(ck_e_, what, msg, len); \
		}                                                \
	} while (0)

/* ------------------------------------------------------------------ kernels */

/* Exclusive prefix sum over the block of one value per thread; *total gets
 * the sum. All threads must call it. */
static __device__ uint32_t block_scan(uint32_t x, uint32_t *total)
{
	__shared__ uint32_t wsum[WARPS];
	uint32_t lane = threadIdx.x & 31u, w = threadIdx.x >> 5;
	uint32_t incl = x;
	for (uint32_t o = 1; o < 32; o <<= 1) {
		uint32_t y = __shfl_up_sync(0xffffffffu, incl, o);
		if (lane >= o) {
			incl += y;
		}
	}
	if (lane == 31) {
		wsum[w] = incl;
	}
	__syncthreads();
	uint32_t before = 0, all = 0;
	for (uint32_t j = 0; j < WARPS; j++) {
		before += j < w ? wsum[j] : 0;
		all += wsum[j];
	}
	__syncthreads();
	*total = all;
	return before + incl - x;
}

/* Step n (the k-th of the chunk): every neuron, then (last block) the
 * ordered list of the step's spikes at rec[off[k] ...], off[k + 1] its end. */
__global__ void __launch_bounds__(BLOCK)
    k_update(const struct kp k, uint64_t n, uint32_t ks, uint32_t *off, uint32_t *rec)
{
	__shared__ bool last;
	uint32_t gid = blockIdx.x * BLOCK + threadIdx.x;
	bool spike = gid < k.N ? kern_neuron_step(&k, gid, n) : false;
	uint32_t total;
	uint32_t pos = block_scan(spike ? 1u : 0u, &total);
	if (spike) {
		k.seg[(size_t)blockIdx.x * BLOCK + pos] = gid;
	}
	if (threadIdx.x == 0) {
		k.seg_cnt[blockIdx.x] = total;
	}
	/* publish the segment, then count the finished blocks: the last one
	 * sees every segment (the fence orders the writes before the count) */
	__threadfence();
	__syncthreads();
	if (threadIdx.x == 0) {
		last = atomicAdd(k.done, 1u) == gridDim.x - 1;
	}
	__syncthreads();
	if (!last) {
		return;
	}
	__threadfence();
	uint32_t running = off[ks];
	uint32_t lane = threadIdx.x & 31u, w = threadIdx.x >> 5;
	__shared__ uint32_t cnt_sh[BLOCK], pre_sh[BLOCK];
	for (uint32_t c0 = 0; c0 < k.U; c0 += BLOCK) {
		uint32_t u = c0 + threadIdx.x;
		uint32_t c = u < k.U ? __ldcg(&k.seg_cnt[u]) : 0;
		uint32_t sum;
		uint32_t pre = block_scan(c, &sum);
		cnt_sh[threadIdx.x] = c;
		pre_sh[threadIdx.x] = pre;
		__syncthreads();
		for (uint32_t j = w; j < BLOCK && c0 + j < k.U; j += WARPS) {
			uint32_t cj = cnt_sh[j], pj = running + pre_sh[j];
			const uint32_t *src = k.seg + (size_t)(c0 + j) * BLOCK;
			for (uint32_t x = lane; x < cj; x += 32) {
				rec[pj + x] = __ldcg(&src[x]);
			}
		}
		running += sum;
		__syncthreads();
	}
	if (threadIdx.x == 0) {
		off[ks + 1] = running;
		*k.done = 0;
	}
}

/* Delivery of step n's spikes: one thread block per (spike, synapse block). */
__global__ void __launch_bounds__(BLOCK)
    k_deliver(const struct kp k, uint64_t n, uint32_t ks, const uint32_t *off, const uint32_t *rec)
{
	uint32_t a = off[ks], e = off[ks + 1];
	uint64_t pairs = (uint64_t)(e - a) * k.n_blocks;
	for (uint64_t q = blockIdx.x; q < pairs; q += gridDim.x) {
		uint32_t src = rec[a + (uint32_t)(q / k.n_blocks)];
		kern_deliver_row(&k, &k.blocks[q % k.n_blocks], src, n, threadIdx.x, BLOCK);
	}
}

/* One sample of a trace (the values model_lif.c / model_lif_cond.c read). */
__global__ void k_sample(const struct kp k, uint32_t pop, uint32_t var, uint32_t n,
			 const uint32_t *gids, double *row)
{
	uint32_t e = blockIdx.x * blockDim.x + threadIdx.x;
	if (e >= n) {
		return;
	}
	row[e] = kern_sample(&k, pop, var, gids[e]);
}

__global__ void k_test_exp(const double *x, double *y, size_t n)
{
	size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n) {
		y[i] = step_exp(x[i]);
	}
}

__global__ void k_test_uniform(uint64_t seed, uint32_t sub, uint32_t gid0, uint64_t counter,
			       size_t n, double *u)
{
	size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n) {
		uint32_t b[4];
		step_block(seed, RNG_POISSON, sub, gid0 + (uint32_t)i, counter, b);
		u[i] = step_words_to_open01(b[0], b[1]);
	}
}

/* ------------------------------------------------------------------ memory */

/* Device allocation recorded for gpu_free. */
static int dalloc(struct gpu *g, void **p, size_t bytes, const char *what, char *msg, size_t len)
{
	*p = NULL;
	if (g->n_dev == sizeof(g->dev) / sizeof(g->dev[0])) {
		snprintf(msg, len, "too many device allocations");
		return SNN_EDEVICE;
	}
	cudaError_t e = cudaMalloc(p, bytes ? bytes : 1);
	if (e != cudaSuccess) {
		*p = NULL;
		snprintf(msg, len, "cannot allocate %.3f GB of device memory for %s: %s",
			 (double)bytes / 1e9, what, cudaGetErrorString(e));
		return SNN_ENOMEM;
	}
	g->dev[g->n_dev++] = *p;
	g->bytes += (double)bytes;
	return SNN_OK;
}

static int halloc(struct gpu *g, void **p, size_t bytes, char *msg, size_t len)
{
	*p = NULL;
	if (g->n_host == sizeof(g->host) / sizeof(g->host[0])) {
		snprintf(msg, len, "too many pinned host allocations");
		return SNN_EDEVICE;
	}
	cudaError_t e = cudaMallocHost(p, bytes ? bytes : 1);
	if (e != cudaSuccess) {
		*p = NULL;
		return cuda_fail(e, "cudaMallocHost", msg, len);
	}
	g->host[g->n_host++] = *p;
	return SNN_OK;
}

/* Copies bytes from the host to device memory allocated before. */
static int copy_in(void *dst, const void *src, size_t bytes, char *msg, size_t len)
{
	cudaError_t e = cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice);
	return e == cudaSuccess ? SNN_OK : cuda_fail(e, "cudaMemcpy", msg, len);
}

/* Allocates and fills a device copy of a host array. */
static int upload(struct gpu *g, void **p, const void *src, size_t bytes, const char *what,
		  char *msg, size_t len)
{
	int rc = dalloc(g, p, bytes, what, msg, len);
	if (rc != SNN_OK) {
		return rc;
	}
	if (bytes && src) {
		CK(cudaMemcpy(*p, src, bytes, cudaMemcpyHostToDevice), "cudaMemcpy");
	} else if (bytes) {
		CK(cudaMemset(*p, 0, bytes), "cudaMemset");
	}
	return SNN_OK;
}

/* ------------------------------------------------------------------ API */

extern "C" int gpu_device_count(int *n, char *msg, size_t len)
{
	*n = 0;
	cudaError_t e = cudaGetDeviceCount(n);
	if (e == cudaErrorNoDevice) {
		*n = 0;
		return SNN_OK;
	}
	if (e != cudaSuccess) {
		*n = 0;
		if (e == cudaErrorInsufficientDriver) {
			int rt = 0;
			cudaRuntimeGetVersion(&rt);
			snprintf(msg, len,
				 "no NVIDIA driver is loaded, or it is older than CUDA %d.%d needs "
				 "(cudaErrorInsufficientDriver)",
				 rt / 1000, rt % 1000 / 10);
		} else {
			snprintf(msg, len, "%s (%s)", cudaGetErrorString(e), cudaGetErrorName(e));
		}
		(void)cudaGetLastError(); /* clear the sticky error state */
		return SNN_EDEVICE;
	}
	return SNN_OK;
}

static int create_pops(struct gpu *g, const struct gpu_net *net, char *msg, size_t len)
{
	int rc;
	struct dpop *hp = (struct dpop *)mem_array(net->n_pops, sizeof(*hp));
	uint32_t *first = (uint32_t *)mem_array(net->n_pops, sizeof(uint32_t));
	if (!hp || !first) {
		mem_free(hp);
		mem_free(first);
		snprintf(msg, len, "out of memory");
		return SNN_ENOMEM;
	}
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct gpu_pop *p = &net->pops[i];
		struct dpop *d = &hp[i];
		first[i] = p->first;
		kern_pack_pop(d, net, i);
		size_t n = p->size;
		void *x;
		if (p->lif_het) {
			if ((rc = upload(g, &x, p->lif_het, n * sizeof(struct lif_prop),
					 "constants", msg, len)) != SNN_OK) {
				goto out;
			}
			d->lif_het = (const struct lif_prop *)x;
		}
		if (p->cond_het) {
			if ((rc = upload(g, &x, p->cond_het, n * sizeof(struct cond_prop),
					 "constants", msg, len)) != SNN_OK) {
				goto out;
			}
			d->cond_het = (const struct cond_prop *)x;
		}
		if (p->train_off) {
			uint64_t total = p->train_off[n];
			if ((rc = upload(g, &x, p->train_off, (n + 1) * sizeof(uint64_t),
					 "spike trains", msg, len)) != SNN_OK) {
				goto out;
			}
			d->train_off = (const uint64_t *)x;
			if ((rc = upload(g, &x, p->train_step, total * sizeof(uint32_t),
					 "spike trains", msg, len)) != SNN_OK) {
				goto out;
			}
			d->train_step = (const uint32_t *)x;
			/* the cursors start at each neuron's first spike */
			if ((rc = upload(g, &x, p->train_off, n * sizeof(uint64_t), "spike trains",
					 msg, len)) != SNN_OK) {
				goto out;
			}
			d->cursor = (uint64_t *)x;
		}
		/* state into the global arrays */
		if ((p->v &&
		     (rc = copy_in(g->k.v + p->first, p->v, n * sizeof(double), msg, len))) ||
		    (p->x1 &&
		     (rc = copy_in(g->k.x1 + p->first, p->x1, n * sizeof(double), msg, len))) ||
		    (p->x2 &&
		     (rc = copy_in(g->k.x2 + p->first, p->x2, n * sizeof(double), msg, len))) ||
		    (p->ref &&
		     (rc = copy_in(g->k.ref + p->first, p->ref, n * sizeof(uint32_t), msg, len)))) {
			goto out;
		}
	}
	void *x;
	if ((rc = upload(g, &x, hp, net->n_pops * sizeof(*hp), "populations", msg, len)) !=
	    SNN_OK) {
		goto out;
	}
	g->k.pops = (const struct dpop *)x;
	if ((rc = upload(g, &x, first, net->n_pops * sizeof(uint32_t), "populations", msg, len)) !=
	    SNN_OK) {
		goto out;
	}
	g->k.pop_first = (const uint32_t *)x;
	rc = SNN_OK;
out:
	mem_free(hp);
	mem_free(first);
	return rc;
}

static int create_stims(struct gpu *g, const struct gpu_net *net, char *msg, size_t len)
{
	int rc = SNN_OK;
	struct dstim *hs = (struct dstim *)mem_array(net->n_stims, sizeof(*hs));
	if (!hs) {
		snprintf(msg, len, "out of memory");
		return SNN_ENOMEM;
	}
	for (uint32_t i = 0; i < net->n_stims && rc == SNN_OK; i++) {
		const struct gpu_stim *s = &net->stims[i];
		struct dstim *d = &hs[i];
		d->index = s->index;
		d->lo = s->lo;
		d->hi = s->hi;
		d->n_ids = s->n_ids;
		d->wq = s->wq;
		d->cmax = s->cmax;
		d->ch = s->ch;
		d->delay_steps = s->delay_steps;
		d->start_step = s->start_step;
		d->stop_step = s->stop_step;
		d->lambda = s->lambda;
		d->exp_neg = s->exp_neg;
		memcpy(d->cdf, s->cdf, sizeof(d->cdf));
		d->ncdf = s->ncdf;
		if (s->ids) {
			void *x;
			rc = upload(g, &x, s->ids, (size_t)s->n_ids * sizeof(uint32_t), "stimuli",
				    msg, len);
			d->ids = (const uint32_t *)x;
		}
	}
	if (rc == SNN_OK) {
		void *x;
		rc = upload(g, &x, hs, net->n_stims * sizeof(*hs), "stimuli", msg, len);
		g->k.stims = (const struct dstim *)x;
	}
	mem_free(hs);
	return rc;
}

static int create_traces(struct gpu *g, const struct gpu_net *net, char *msg, size_t len)
{
	g->n_traces = net->n_traces;
	g->traces = (struct htrace *)mem_array(net->n_traces, sizeof(*g->traces));
	g->rows_out = (double **)mem_array(net->n_traces, sizeof(double *));
	g->nrows_out = (uint32_t *)mem_array(net->n_traces, sizeof(uint32_t));
	if (!g->traces || !g->rows_out || !g->nrows_out) {
		snprintf(msg, len, "out of memory");
		return SNN_ENOMEM;
	}
	for (uint32_t t = 0; t < net->n_traces; t++) {
		const struct gpu_trace *src = &net->traces[t];
		struct htrace *h = &g->traces[t];
		h->pop = src->pop;
		h->var = src->var;
		h->n = src->n;
		h->iv = src->interval_steps;
		h->cap_rows = g->F / h->iv + 2;
		void *x;
		int rc =
		    upload(g, &x, src->gids, (size_t)src->n * sizeof(uint32_t), "traces", msg, len);
		if (rc != SNN_OK) {
			return rc;
		}
		h->gids = (const uint32_t *)x;
		for (int b = 0; b < 2; b++) {
			size_t bytes = (size_t)h->cap_rows * h->n * sizeof(double);
			if ((rc = dalloc(g, &x, bytes, "traces", msg, len)) != SNN_OK ||
			    (rc = halloc(g, (void **)&h->h_rows[b], bytes, msg, len)) != SNN_OK) {
				return rc;
			}
			h->rows[b] = (double *)x;
		}
	}
	return SNN_OK;
}

/* Opens device 0 and checks that the network fits in its free memory
 * (info: the device, its memory and what the network needs). */
static int open_device(struct gpu *g, const struct gpu_net *net, struct gpu_info *info, char *msg,
		       size_t len)
{
	int rc;
	cudaError_t e;
	size_t free_b = 0, total_b = 0;
	cudaDeviceProp prop;
	double syn_bytes = 0;
	int ndev = 0;
	if ((rc = gpu_device_count(&ndev, msg, len)) != SNN_OK) {
		return rc;
	}
	if (ndev == 0) {
		snprintf(msg, len, "no CUDA device was found");
		return SNN_EDEVICE;
	}
	if ((e = cudaSetDevice(0)) != cudaSuccess ||
	    (e = cudaGetDeviceProperties(&prop, 0)) != cudaSuccess ||
	    (e = cudaMemGetInfo(&free_b, &total_b)) != cudaSuccess) {
		return cuda_fail(e, "opening device 0", msg, len);
	}
	snprintf(info->name, sizeof(info->name), "%s", prop.name);
	g->sms = prop.multiProcessorCount;
	info->total_bytes = (double)total_b;
	info->free_bytes = (double)free_b;
	info->need_bytes = gpu_need_bytes(net, &syn_bytes);
	info->synapse_bytes = syn_bytes;
	if (info->need_bytes + GPU_RESERVE_BYTES > (double)free_b) {
		gpu_fit_message(msg, len, info->need_bytes, syn_bytes, prop.name, (double)free_b,
				(double)total_b);
		return SNN_ENOMEM;
	}
	return SNN_OK;
}

/* The step stream, the copy stream and the chunks' completion events. */
static int create_streams(struct gpu *g, char *msg, size_t len)
{
	cudaError_t e;
	if ((e = cudaStreamCreateWithFlags(&g->st, cudaStreamNonBlocking)) != cudaSuccess ||
	    (e = cudaStreamCreateWithFlags(&g->cp, cudaStreamNonBlocking)) != cudaSuccess) {
		return cuda_fail(e, "cudaStreamCreate", msg, len);
	}
	g->streams = true;
	if ((e = cudaEventCreateWithFlags(&g->done_ev[0], cudaEventDisableTiming)) != cudaSuccess ||
	    (e = cudaEventCreateWithFlags(&g->done_ev[1], cudaEventDisableTiming)) != cudaSuccess) {
		return cuda_fail(e, "cudaEventCreate", msg, len);
	}
	g->events = true;
	return SNN_OK;
}

/* The neurons' state, the input buffers, the spike lists and the two
 * chunks' spike records (device and pinned host). */
static int create_state(struct gpu *g, const struct gpu_net *net, char *msg, size_t len)
{
	int rc;
	uint32_t N = net->n_neurons;
	uint32_t U = (N + BLOCK - 1) / BLOCK;
	void *x;
	if ((rc = upload(g, &x, NULL, (size_t)N * sizeof(double), "state", msg, len)) != SNN_OK) {
		return rc;
	}
	g->k.v = (double *)x;
	if ((rc = upload(g, &x, NULL, (size_t)N * sizeof(double), "state", msg, len)) != SNN_OK) {
		return rc;
	}
	g->k.x1 = (double *)x;
	if ((rc = upload(g, &x, NULL, (size_t)N * sizeof(double), "state", msg, len)) != SNN_OK) {
		return rc;
	}
	g->k.x2 = (double *)x;
	if ((rc = upload(g, &x, NULL, (size_t)N * sizeof(uint32_t), "state", msg, len)) != SNN_OK) {
		return rc;
	}
	g->k.ref = (uint32_t *)x;
	if (net->has_current) {
		if ((rc = upload(g, &x, NULL, (size_t)N * sizeof(double), "current stimuli", msg,
				 len)) != SNN_OK) {
			return rc;
		}
		g->k.iext = (const double *)x;
	}
	if ((rc = upload(g, &x, NULL, (size_t)net->ring_slots * net->n_ch * N * sizeof(int32_t),
			 "input buffers", msg, len)) != SNN_OK) {
		return rc;
	}
	g->k.ring = (int32_t *)x;
	if ((rc = upload(g, &x, NULL, (size_t)U * BLOCK * sizeof(uint32_t), "spike lists", msg,
			 len)) != SNN_OK) {
		return rc;
	}
	g->k.seg = (uint32_t *)x;
	if ((rc = upload(g, &x, NULL, (size_t)U * sizeof(uint32_t), "spike lists", msg, len)) !=
	    SNN_OK) {
		return rc;
	}
	g->k.seg_cnt = (uint32_t *)x;
	if ((rc = upload(g, &x, NULL, sizeof(uint32_t), "spike lists", msg, len)) != SNN_OK) {
		return rc;
	}
	g->k.done = (uint32_t *)x;
	for (int b = 0; b < 2; b++) {
		size_t cap = (size_t)g->F * N;
		if ((rc = dalloc(g, &x, cap * sizeof(uint32_t), "spike records", msg, len)) !=
		    SNN_OK) {
			return rc;
		}
		g->rec[b] = (uint32_t *)x;
		if ((rc = dalloc(g, &x, ((size_t)g->F + 1) * sizeof(uint32_t), "spike records", msg,
				 len)) != SNN_OK) {
			return rc;
		}
		g->off[b] = (uint32_t *)x;
		if ((rc = halloc(g, (void **)&g->h_rec[b], cap * sizeof(uint32_t), msg, len)) !=
			SNN_OK ||
		    (rc = halloc(g, (void **)&g->h_off[b], ((size_t)g->F + 1) * sizeof(uint32_t),
				 msg, len)) != SNN_OK) {
			return rc;
		}
	}
	return SNN_OK;
}

extern "C" int gpu_create(const struct gpu_net *net, struct gpu **out, struct gpu_info *info,
			  char *msg, size_t len)
{
	*out = NULL;
	memset(info, 0, sizeof(*info));
	struct gpu *g = (struct gpu *)mem_zalloc(sizeof(*g));
	if (!g) {
		snprintf(msg, len, "out of memory");
		return SNN_ENOMEM;
	}
	int rc = SNN_OK;
	uint32_t N = net->n_neurons;
	uint32_t U = (N + BLOCK - 1) / BLOCK;
	void *x;
	if ((rc = open_device(g, net, info, msg, len)) != SNN_OK) {
		goto fail;
	}
	g->F = net->chunk_steps;
	g->k.N = N;
	g->k.n_ch = net->n_ch;
	g->k.mask = net->ring_slots - 1;
	g->k.n_pops = net->n_pops;
	g->k.n_blocks = net->n_blocks;
	g->k.U = U;
	g->k.seed = net->seed;
	if ((rc = create_streams(g, msg, len)) != SNN_OK ||
	    (rc = create_state(g, net, msg, len)) != SNN_OK) {
		goto fail;
	}
	if ((rc = create_pops(g, net, msg, len)) != SNN_OK ||
	    (rc = create_stims(g, net, msg, len)) != SNN_OK ||
	    (rc = create_traces(g, net, msg, len)) != SNN_OK) {
		goto fail;
	}
	g->hblocks = (struct dblock *)mem_array(net->n_blocks, sizeof(struct dblock));
	g->block_syn = (uint64_t *)mem_array(net->n_blocks, sizeof(uint64_t));
	if (!g->hblocks || !g->block_syn) {
		snprintf(msg, len, "out of memory");
		rc = SNN_ENOMEM;
		goto fail;
	}
	for (uint32_t b = 0; b < net->n_blocks; b++) {
		g->hblocks[b].lo = net->block_lo[b];
		g->block_syn[b] = net->block_syn[b];
	}
	if ((rc = dalloc(g, &x, (net->n_blocks ? net->n_blocks : 1) * sizeof(struct dblock),
			 "synapse tables", msg, len)) != SNN_OK) {
		goto fail;
	}
	g->k.blocks = (const struct dblock *)x;
	*out = g;
	return SNN_OK;
fail:
	gpu_free(g);
	return rc;
}

extern "C" int gpu_put_block(struct gpu *g, uint32_t b, const uint64_t *row_syn,
			     const uint32_t *syn, const int32_t *w, char *msg, size_t len)
{
	struct dblock *h = &g->hblocks[b];
	uint64_t n = g->block_syn[b];
	void *x;
	int rc;
	if ((rc = upload(g, &x, row_syn, ((size_t)g->k.N + 1) * sizeof(uint64_t), "synapse tables",
			 msg, len)) != SNN_OK) {
		return rc;
	}
	h->row = (const uint64_t *)x;
	if ((rc = upload(g, &x, syn, n * sizeof(uint32_t), "synapse tables", msg, len)) != SNN_OK) {
		return rc;
	}
	h->syn = (const uint32_t *)x;
	if ((rc = upload(g, &x, w, n * sizeof(int32_t), "synapse tables", msg, len)) != SNN_OK) {
		return rc;
	}
	h->w = (const int32_t *)x;
	CK(cudaMemcpy((void *)(g->k.blocks + b), h, sizeof(*h), cudaMemcpyHostToDevice),
	   "cudaMemcpy");
	return SNN_OK;
}

extern "C" int gpu_set_current(struct gpu *g, uint32_t lo, uint32_t hi, const double *i_ext,
			       char *msg, size_t len)
{
	if (!g->k.iext || hi <= lo) {
		return SNN_OK;
	}
	/* from pageable memory: staged before the call returns, so the caller
	 * may change i_ext at once; ordered after the steps already queued */
	CK(cudaMemcpyAsync((void *)(g->k.iext + lo), i_ext + lo, (size_t)(hi - lo) * sizeof(double),
			   cudaMemcpyHostToDevice, g->st),
	   "cudaMemcpyAsync");
	return SNN_OK;
}

extern "C" int gpu_run(struct gpu *g, uint64_t n0, uint32_t steps, int buf, char *msg, size_t len)
{
	if (steps == 0 || steps > g->F || buf < 0 || buf > 1) {
		snprintf(msg, len, "gpu_run: bad chunk (%u steps, buffer %d)", steps, buf);
		return SNN_EINVAL;
	}
	uint32_t *off = g->off[buf], *rec = g->rec[buf];
	unsigned grid_u = g->k.U ? g->k.U : 1;
	unsigned grid_d = (unsigned)(g->sms > 0 ? g->sms * 4 : 64);
	CK(cudaMemsetAsync(off, 0, sizeof(uint32_t), g->st), "cudaMemsetAsync");
	for (uint32_t ks = 0; ks < steps; ks++) {
		uint64_t n = n0 + ks;
		k_update<<<grid_u, BLOCK, 0, g->st>>>(g->k, n, ks, off, rec);
		if (g->k.n_blocks) {
			k_deliver<<<grid_d, BLOCK, 0, g->st>>>(g->k, n, ks, off, rec);
		}
		for (uint32_t t = 0; t < g->n_traces; t++) {
			const struct htrace *h = &g->traces[t];
			if ((n + 1) % h->iv != 0 || h->n == 0) {
				continue;
			}
			uint64_t row = (n + 1) / h->iv - 1 - n0 / h->iv;
			k_sample<<<(h->n + 127) / 128, 128, 0, g->st>>>(
			    g->k, h->pop, h->var, h->n, h->gids, h->rows[buf] + row * h->n);
		}
	}
	CK(cudaGetLastError(), "a kernel launch");
	CK(cudaMemcpyAsync(g->h_off[buf], off, ((size_t)steps + 1) * sizeof(uint32_t),
			   cudaMemcpyDeviceToHost, g->st),
	   "cudaMemcpyAsync");
	for (uint32_t t = 0; t < g->n_traces; t++) {
		const struct htrace *h = &g->traces[t];
		uint64_t rows = (n0 + steps) / h->iv - n0 / h->iv;
		if (rows && h->n) {
			CK(cudaMemcpyAsync(h->h_rows[buf], h->rows[buf],
					   rows * h->n * sizeof(double), cudaMemcpyDeviceToHost,
					   g->st),
			   "cudaMemcpyAsync");
		}
	}
	CK(cudaEventRecord(g->done_ev[buf], g->st), "cudaEventRecord");
	g->n0[buf] = n0;
	g->steps[buf] = steps;
	return SNN_OK;
}

extern "C" int gpu_fetch(struct gpu *g, int buf, struct gpu_chunk *out, char *msg, size_t len)
{
	CK(cudaEventSynchronize(g->done_ev[buf]), "running the steps");
	uint32_t steps = g->steps[buf];
	uint32_t total = g->h_off[buf][steps];
	if (total) {
		/* on the copy stream: the next chunk's kernels go on meanwhile */
		CK(cudaMemcpyAsync(g->h_rec[buf], g->rec[buf], (size_t)total * sizeof(uint32_t),
				   cudaMemcpyDeviceToHost, g->cp),
		   "cudaMemcpyAsync");
		CK(cudaStreamSynchronize(g->cp), "copying spikes");
	}
	uint64_t n0 = g->n0[buf];
	for (uint32_t t = 0; t < g->n_traces; t++) {
		const struct htrace *h = &g->traces[t];
		g->rows_out[t] = h->h_rows[buf];
		g->nrows_out[t] = (uint32_t)((n0 + steps) / h->iv - n0 / h->iv);
	}
	out->n0 = n0;
	out->steps = steps;
	out->step_off = g->h_off[buf];
	out->gids = g->h_rec[buf];
	out->rows = g->rows_out;
	out->n_rows = g->nrows_out;
	return SNN_OK;
}

extern "C" double gpu_bytes(const struct gpu *g)
{
	return g->bytes;
}

extern "C" void gpu_free(struct gpu *g)
{
	if (!g) {
		return;
	}
	if (g->streams) {
		cudaStreamSynchronize(g->st);
		cudaStreamSynchronize(g->cp);
	}
	for (uint32_t i = 0; i < g->n_dev; i++) {
		cudaFree(g->dev[i]);
	}
	for (uint32_t i = 0; i < g->n_host; i++) {
		cudaFreeHost(g->host[i]);
	}
	if (g->events) {
		cudaEventDestroy(g->done_ev[0]);
		cudaEventDestroy(g->done_ev[1]);
	}
	if (g->streams) {
		cudaStreamDestroy(g->st);
		cudaStreamDestroy(g->cp);
	}
	mem_free(g->traces);
	mem_free(g->rows_out);
	mem_free(g->nrows_out);
	mem_free(g->hblocks);
	mem_free(g->block_syn);
	mem_free(g);
}

/* ------------------------------------------------------------------ self-tests */

extern "C" int gpu_test_exp(const double *x, double *y, size_t n, char *msg, size_t len)
{
	double *dx = NULL, *dy = NULL;
	cudaError_t e;
	int rc = SNN_OK;
	if ((e = cudaMalloc((void **)&dx, n * sizeof(double))) != cudaSuccess ||
	    (e = cudaMalloc((void **)&dy, n * sizeof(double))) != cudaSuccess ||
	    (e = cudaMemcpy(dx, x, n * sizeof(double), cudaMemcpyHostToDevice)) != cudaSuccess) {
		rc = cuda_fail(e, "gpu_test_exp", msg, len);
		goto out;
	}
	k_test_exp<<<(unsigned)((n + 255) / 256), 256>>>(dx, dy, n);
	if ((e = cudaGetLastError()) != cudaSuccess ||
	    (e = cudaMemcpy(y, dy, n * sizeof(double), cudaMemcpyDeviceToHost)) != cudaSuccess) {
		rc = cuda_fail(e, "gpu_test_exp", msg, len);
	}
out:
	cudaFree(dx);
	cudaFree(dy);
	return rc;
}

extern "C" int gpu_test_uniform(uint64_t seed, uint32_t sub, uint32_t gid0, uint64_t counter,
				size_t n, double *u, char *msg, size_t len)
{
	double *du = NULL;
	cudaError_t e;
	int rc = SNN_OK;
	if ((e = cudaMalloc((void **)&du, n * sizeof(double))) != cudaSuccess) {
		return cuda_fail(e, "gpu_test_uniform", msg, len);
	}
	k_test_uniform<<<(unsigned)((n + 255) / 256), 256>>>(seed, sub, gid0, counter, n, du);
	if ((e = cudaGetLastError()) != cudaSuccess ||
	    (e = cudaMemcpy(u, du, n * sizeof(double), cudaMemcpyDeviceToHost)) != cudaSuccess) {
		rc = cuda_fail(e, "gpu_test_uniform", msg, len);
	}
	cudaFree(du);
	return rc;
}
