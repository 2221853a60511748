/*
 * snnrt: the freestanding runtime that runs a quantized spiking network in
 * every image snncc emits, and on the host as the reference of those images.
 * Layer: hw/rt. Freestanding C11: no libc, no heap, no floats, no recursion;
 * integers only, saturating where a sum may overflow (STYLE.md's subset).
 *
 * A model is a set of constant tables (flash) that describe populations and
 * projections, and one array of int32 words (RAM) that holds all mutable
 * state at offsets the compiler fixed. A step updates the populations in
 * order; a projection with delay 0 carries its source's output of the same
 * step (its source comes earlier), a projection with delay d the output of d
 * steps before (kept in a ring of output slots per population).
 *
 * Fixed point: population p keeps its potential v and current i as integers
 * in scales chosen by the compiler (x = value * scale). Its input accumulator
 * sums w_q * y over active sources, y being the source's output (spike
 * counts, or values in the source's output scale); the accumulator is then
 * brought into the state's scale by a multiplier and a right shift. The
 * accumulator has one scale per population, or one per channel (a run of
 * ch_size neurons: a convolution's output channel, a dense layer's target
 * neuron) with a multiplier and shift per channel. Decays are Q30 factors.
 * Every sum saturates at the int32 range.
 */
#ifndef SNNRT_H
#define SNNRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Integers only, in every file that includes this header: the runtime and the
 * files of an image (main.c, model.c, testdata.c through model.h). Include it
 * after the system headers. A host tool that builds the tables in floating
 * point (snncc) defines SNNRT_HOST_TOOL before including it. */
#ifndef SNNRT_HOST_TOOL
#pragma GCC poison float double
#endif

#define SNNRT_VERSION 2
#define SNNRT_DECAY_BITS 30

enum snnrt_neuron {
	SNNRT_INPUT,	 /* emits the input values it is given */
	SNNRT_RELAY,	 /* emits its input, converted to its output scale */
	SNNRT_THRESHOLD, /* emits 1 when its input exceeds v_th */
	SNNRT_LI,	 /* leaky integrator: emits v */
	SNNRT_LIF,	 /* leaky integrate-and-fire */
	SNNRT_I,	 /* integrator: emits v */
	SNNRT_IF,	 /* integrate-and-fire */
	SNNRT_CUBA_LI,	 /* current then leaky integrator: emits v */
	SNNRT_CUBA_LIF,	 /* current-based LIF */
};

/* Population flags. */
#define SNNRT_F_MULTI 1u    /* several spikes per step: n = (v - v_reset) / jump */
#define SNNRT_F_SUBTRACT 2u /* reset by subtracting n jump (else v = v_reset) */
#define SNNRT_F_OLDCUR 4u   /* CubaLIF: v takes the current of before this step's input */
#define SNNRT_F_VMIN 8u	    /* v is kept at or above v_min after the update */

enum snnrt_proj_kind {
	SNNRT_DENSE,  /* w[pre][post] */
	SNNRT_SPARSE, /* CSR by source: row[pre..pre+1] into col[], w[] */
	SNNRT_CONV,   /* 2-d convolution, shared kernel [cout][cin/groups][kh][kw] */
	SNNRT_POOL,   /* sum pooling per channel with one weight */
	SNNRT_DIAG,   /* pre i -> post i with w[i] */
};

/* Constants of one population (all in its own scales). */
struct snnrt_pop {
	uint8_t model;	/* enum snnrt_neuron */
	uint8_t flags;	/* SNNRT_F_* */
	uint8_t hist;	/* output slots: 1 + largest delay of its outgoing projections */
	uint8_t in_sh;	/* acc -> state: (acc * in_mul) >> in_sh */
	uint8_t syn_sh; /* CubaLIF: i -> v: (i * syn_mul) >> syn_sh */
	uint32_t size;
	uint32_t v_off;	    /* RAM word of v[0] (and i[0] at v_off + size), when stateful */
	uint32_t out_off;   /* RAM word of the output slots: hist x size */
	uint32_t acc_off;   /* RAM word of the input accumulator */
	uint32_t input_off; /* input pops: index of its first value in the step's input */
	int32_t in_mul;
	int32_t syn_mul;
	int32_t a_m; /* Q30 decay of v */
	int32_t a_s; /* Q30 decay of i */
	int32_t c_m; /* constant added to v each step: (1 - a) v_leak */
	int32_t v0;  /* initial v */
	int32_t v_th, v_reset, jump;
	const int32_t *bias; /* constant input per neuron, accumulator units, or NULL */
	int32_t v_min;	     /* with SNNRT_F_VMIN */
	uint32_t ref_steps;  /* refractory steps after a spike (v held, input dropped) */
	uint32_t r_off;	     /* RAM word of the refractory counters, when ref_steps > 0 */
	/* Per-channel accumulator scales: neuron i belongs to channel
	 * i / ch_size and reaches its state through ch_mul[c] and ch_sh[c]
	 * instead of in_mul and in_sh. NULL: one scale for the population. */
	const int32_t *ch_mul;
	const uint8_t *ch_sh;
	uint32_t ch_size;
};

/* A Poisson stimulus (configs): neuron i of [lo, hi) of population pop gets
 * min(count, cmax) * wq in its accumulator in step n, count drawn for the
 * emission step e = n - delay (start <= e < stop) from Philox4x32-10 keyed
 * (seed, purpose 4, sub, gfirst + i, counter e * 256): the keying of
 * libsnn's engine (sim/rng_int.h). The count is the number of thresholds
 * thr[k] (increasing, 53-bit) at or below the draw's 53 bits, the inversion
 * of the Poisson CDF that snncc computed from the engine's own table. */
struct snnrt_stim {
	uint16_t pop;
	uint8_t n_thr;
	uint8_t pad;
	uint32_t sub;
	uint32_t seed_lo, seed_hi;
	uint32_t gfirst; /* global id of the population's neuron 0 */
	uint32_t lo, hi;
	uint32_t delay, start, stop;
	int32_t wq;
	uint32_t cmax;
	const uint64_t *thr;
};

/* Constants of one projection. Weights are int8 (w8) or int16 (w16). */
struct snnrt_proj {
	uint8_t kind;	    /* enum snnrt_proj_kind */
	uint8_t delay;	    /* steps */
	uint16_t pre, post; /* population indices */
	const int8_t *w8;
	const int16_t *w16;
	const uint32_t *row; /* sparse: n_pre + 1 offsets */
	const uint32_t *col; /* sparse: target index per synapse */
	int32_t w_pool;	     /* pool: the one weight */
	/* conv and pool geometry */
	uint16_t cin, cout, groups, in_h, in_w, out_h, out_w, kh, kw;
	uint8_t sh, sw, ph, pw, dh, dw;
};

struct snnrt_model {
	uint32_t n_pops, n_projs;
	const struct snnrt_pop *pops;
	const struct snnrt_proj *projs;
	uint32_t n_inputs; /* values of one step's input (all input pops) */
	uint32_t n_words;  /* RAM words needed */
	uint32_t n_outputs;
	const uint16_t *outputs; /* populations whose outputs the model reports */
	uint32_t n_stims;
	const struct snnrt_stim *stims;
};

/* The mutable state: the step counter, the synaptic events of the last step
 * and the words at the model's offsets (n_words of them; snncc emits them
 * with the exact size in one static struct). */
struct snnrt_ram {
	uint32_t step;
	uint32_t syn_events; /* source activations x targets reached, last step */
	int32_t *words;
};

/* Puts every population in its initial state and empties the output slots. */
void snnrt_reset(const struct snnrt_model *m, struct snnrt_ram *r);
/* Same as reset: the runtime keeps no other state. */
void snnrt_init(const struct snnrt_model *m, struct snnrt_ram *r);
/* Advances one step. `in` holds n_inputs values (integers in the input
 * populations' scales, spike counts for spiking inputs). */
void snnrt_step(const struct snnrt_model *m, struct snnrt_ram *r, const int32_t *in);
/* The outputs of population p in the step just done (size values). */
const int32_t *snnrt_output(const struct snnrt_model *m, const struct snnrt_ram *r, uint32_t p);
/* Checks the runtime's fixed-point helpers (the rounding shift of negative
 * numbers, the saturating multiply-shift) on known values: 0 when all agree,
 * else the number of the first case that does not. For tests and bring-up. */
int snnrt_selftest(void);

/* The memory functions a compiler may emit calls to (defined by the runtime,
 * so that images link without a libc). Hosts use their libc's. */
#ifdef SNNRT_FREESTANDING
void *memcpy(void *restrict d, const void *restrict s, size_t n);
void *memset(void *d, int c, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
#endif

#endif
