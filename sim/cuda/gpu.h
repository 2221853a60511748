/*
 * The CUDA engine's device side (gpu.cu) behind a plain-C interface: the
 * host engine (sim/engine_cuda.c) describes the built network with plain
 * structs and host arrays; this layer copies it to the GPU, runs steps in
 * chunks and hands back each chunk's spikes and trace rows.
 * Layer: sim core (engines), internal. No CUDA type crosses this header;
 * only engine_cuda.c and the tests include it.
 *
 * Errors: every function returns SNN_OK or a negative snn_err code and, on
 * failure, writes a one-line reason into the caller's msg buffer.
 */
#ifndef SNN_GPU_H
#define SNN_GPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snn/error.h"
#include "step_hd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A population as the kernels run it. Pointers are host arrays of `size`
 * elements (lif_het/cond_het/state: NULL where not used), copied by
 * gpu_create and not kept. */
struct gpu_pop {
	uint32_t first, size;
	uint32_t model;	     /* enum model_id */
	uint32_t index;	     /* population index (poisson_source's stream) */
	bool merged;	     /* lif exp: one buffer for both currents */
	double in_scale[2];  /* 2^-S of each input channel */
	struct lif_prop lif; /* homogeneous constants */
	struct cond_prop cond;
	const struct lif_prop *lif_het;
	const struct cond_prop *cond_het;
	const double *v, *x1, *x2;
	const uint32_t *ref;
	const uint64_t *train_off;  /* spike_source: size + 1 offsets into train_step */
	const uint32_t *train_step; /* emission steps */
	double p_spike;		    /* poisson_source */
	uint64_t src_start, src_stop;
};

/* A Poisson stimulus: a private train per target, counts drawn from the
 * block (seed, RNG_POISSON, index, target gid, step_poisson_ctr(emission step)),
 * or for means past the table the stream of counter emission step << 8. */
struct gpu_stim {
	uint32_t index;
	uint32_t pop;
	uint32_t lo, hi;     /* targets: local ids [lo, hi) when ids == NULL */
	const uint32_t *ids; /* else sorted local ids (host array) */
	uint32_t n_ids;
	int32_t wq;    /* weight in the channel's fixed point */
	uint32_t cmax; /* counts clipped here */
	uint32_t ch;
	uint32_t delay_steps;
	uint64_t start_step, stop_step; /* emission steps [start, stop) */
	double lambda, exp_neg;
	double cdf[48];
	int32_t ncdf; /* 0: lambda >= 10, counts by rng_poisson's PTRS */
};

/* A state trace: the neurons it samples (sorted global ids) every
 * interval_steps steps. */
struct gpu_trace {
	uint32_t pop;
	uint32_t var;
	uint32_t n;
	const uint32_t *gids;
	uint32_t interval_steps;
};

/* The network to upload; synapse blocks follow with gpu_put_block. */
struct gpu_net {
	uint64_t seed;
	uint32_t n_neurons;
	uint32_t n_ch;	     /* input channels per neuron (1 or 2) */
	uint32_t ring_slots; /* power of two > the longest delay */
	uint32_t n_pops;
	const struct gpu_pop *pops;
	uint32_t n_stims; /* Poisson stimuli */
	const struct gpu_stim *stims;
	bool has_current;  /* current stimuli: a per-neuron i_ext array */
	uint32_t n_blocks; /* synapse blocks: targets [lo, lo + 65536) at most */
	const uint32_t *block_lo;
	const uint64_t *block_syn; /* synapses of each block */
	uint32_t n_traces;
	const struct gpu_trace *traces;
	uint32_t chunk_steps; /* the most steps one gpu_run enqueues */
};

/* What gpu_create found and allocated. */
struct gpu_info {
	char name[256];			/* the device's name */
	double total_bytes, free_bytes; /* device memory before allocation */
	double need_bytes;		/* what the network needed */
	double synapse_bytes;		/* of which synapse tables */
};

/* One finished chunk, in pinned host memory owned by the engine (valid until
 * the buffer is run again). */
struct gpu_chunk {
	uint64_t n0; /* first step */
	uint32_t steps;
	const uint32_t *step_off;  /* steps + 1 offsets into gids */
	const uint32_t *gids;	   /* every spike of the chunk, by step, ids ascending */
	const double *const *rows; /* per trace: its samples of the chunk, rows x n */
	const uint32_t *n_rows;
};

struct gpu;

/* Number of CUDA devices; SNN_OK with *n = 0 when the driver sees none. */
int gpu_device_count(int *n, char *msg, size_t len);

/* Copies the network (without its synapses) to device 0, after checking
 * that everything fits: SNN_ENOMEM says how many bytes it needs and how
 * many are free. */
int gpu_create(const struct gpu_net *net, struct gpu **out, struct gpu_info *info, char *msg,
	       size_t len);
/* Uploads block b: row_syn (n_neurons + 1 offsets by source id), and per
 * synapse a packed word (target - lo in bits 0-15, delay in steps in 16-30,
 * channel in 31) and a fixed-point weight. */
int gpu_put_block(struct gpu *g, uint32_t b, const uint64_t *row_syn, const uint32_t *syn,
		  const int32_t *w, char *msg, size_t len);
/* Sets the current stimuli of neurons [lo, hi) from step n on (before any
 * step >= n is run): i_ext holds the values of the n_neurons neurons. */
int gpu_set_current(struct gpu *g, uint32_t lo, uint32_t hi, const double *i_ext, char *msg,
		    size_t len);
/* Enqueues steps [n0, n0 + steps) into chunk buffer buf (0 or 1) and
 * returns at once; steps <= chunk_steps. */
int gpu_run(struct gpu *g, uint64_t n0, uint32_t steps, int buf, char *msg, size_t len);
/* Waits for the chunk in buffer buf and gives its spikes and trace rows. */
int gpu_fetch(struct gpu *g, int buf, struct gpu_chunk *out, char *msg, size_t len);
/* Device memory this engine holds (bytes). */
double gpu_bytes(const struct gpu *g);
void gpu_free(struct gpu *g);

/* Self-tests of the device arithmetic (tests/check_cuda.c): step_exp of n
 * values and the first word pair of Philox blocks turned into uniforms, as
 * the device computes them. */
int gpu_test_exp(const double *x, double *y, size_t n, char *msg, size_t len);
int gpu_test_uniform(uint64_t seed, uint32_t sub, uint32_t gid0, uint64_t counter, size_t n,
		     double *u, char *msg, size_t len);

#ifdef __cplusplus
}
#endif

#endif
