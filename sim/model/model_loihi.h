/*
 * `loihi_lif`: the fixed-point current-based LIF neuron of Loihi-class cores,
 * bit-accurate to the behaviour of Lava's bit-accurate CPU model of Loihi's
 * LIF (lava-nc/lava, src/lava/proc/lif/models.py, PyLifModelBitAcc) and of its
 * Dense and Conv synapses. Layer: sim core (models). Integer arithmetic only;
 * the chip emulator (hw/loihi) runs the same inline functions.
 *
 * Units: none. Every quantity is an integer in the chip's fixed point.
 * State: u (synaptic current) and v (membrane voltage), 24-bit signed.
 * Parameters (per neuron):
 *   du, dv      12-bit decay constants on a 4096 scale (0..4095)
 *   vth         17-bit threshold mantissa (0..131071); threshold = vth << 6
 *   bias_mant   13-bit signed bias mantissa; bias = bias_mant << bias_exp
 *   bias_exp    bias exponent (0..7)
 *   w_exp       exponent applied to the summed synaptic input (-8..7)
 *   refractory  refractory period in steps (0: none, as Loihi 1; > 0 as
 *               Loihi 2's refractory LIF: v held for that many steps after a
 *               spike while u still integrates)
 *   reset_interval, reset_offset  u and v (and the refractory count) are
 *               zeroed at the start of every step n (0-based) with
 *               n % reset_interval == reset_offset (0: never); lava's
 *               LIFReset with offset o is reset_offset (o - 1) mod interval
 *
 * One step, in this order:
 *   a    = wrap24(sum of the weights of the spikes that arrived)
 *   a    = a << w_exp (w_exp >= 0) or a >> -w_exp (arithmetic, rounds down)
 *   u    = decay(u, du + 1) + (a << 6), wrapped once into (-2^23, 2^23]
 *   v    = clamp(decay(v, dv) + u + bias, -(2^23 - 1), 2^23 - 1)   (unless refractory)
 *   spike when v > vth << 6; then v = 0 (and the refractory period starts)
 * where decay(x, d) = sign(x) (|x| (4096 - d) >> 12) rounds toward zero. The
 * current's decay constant carries Loihi 1's one-bit offset (du + 1: du = 4095
 * clears the current every step, delta synapses); the voltage's does not.
 *
 * The synaptic pipeline: a spike emitted in step t reaches its targets' sum
 * in step t + d, d >= 1 the synapse's delay in steps (d = 1 is the one-step
 * pipeline of Lava's Dense and Conv processes; more is an axonal delay).
 *
 * Weights are integers. A trained weight matrix becomes chip weights through
 * loihi_weight_quantize: sign mode (excitatory, inhibitory, mixed), clipping
 * to 8 bits, truncation of the low 8 - num_weight_bits bits (one more for
 * mixed-sign matrices, whose sign takes a bit), as Lava's Dense does.
 */
#ifndef SNN_MODEL_LOIHI_H
#define SNN_MODEL_LOIHI_H

#include <stdbool.h>
#include <stdint.h>

#define LOIHI_UV_MAX (1 << 23) /* 2^23: u and v are 24-bit */
#define LOIHI_DECAY_SHIFT 12
#define LOIHI_DECAY_UNITY (1 << 12)
#define LOIHI_ACT_SHIFT 6 /* input and threshold are MSB-aligned by 6 bits */
#define LOIHI_VTH_SHIFT 6
#define LOIHI_DU_OFFSET 1
#define LOIHI_DV_OFFSET 0

/* Per-neuron constants, in the chip's integers. */
struct loihi_prop {
	int32_t du, dv; /* 0..4095 */
	int32_t vth;	/* mantissa */
	int32_t bias;	/* bias_mant scaled by bias_exp */
	int32_t w_exp;
	uint32_t ref_steps;
	uint32_t reset_interval; /* 0: never */
	uint32_t reset_offset;
};

/* Whether u and v are zeroed at the start of step n (0-based), as lava's
 * LIFReset and Reset processes do between samples. */
static inline bool loihi_reset_due(const struct loihi_prop *P, uint64_t n)
{
	return P->reset_interval && n % P->reset_interval == P->reset_offset;
}

/* Decay of x by d on a 4096 scale, rounding toward zero. |x| < 2^31. */
static inline int32_t loihi_decay(int32_t x, int32_t d)
{
	int64_t p = (int64_t)x * (int64_t)(LOIHI_DECAY_UNITY - d);
	int64_t m = (p < 0 ? -p : p) >> LOIHI_DECAY_SHIFT;
	return (int32_t)(p < 0 ? -m : m);
}

/* Two's complement wrap of x to `bits` bits (x any 64-bit value). */
static inline int64_t loihi_wrap(int64_t x, int bits)
{
	uint64_t base = (uint64_t)1 << bits;
	uint64_t r = ((uint64_t)x + (base >> 1)) & (base - 1);
	return (int64_t)r - (int64_t)(base >> 1);
}

/* The summed input of a step as the neuron sees it: wrapped to 24 bits and
 * scaled by the weight exponent. */
static inline int32_t loihi_activation(int64_t sum, int32_t w_exp)
{
	int64_t a = loihi_wrap(sum, 24);
	if (w_exp >= 0) {
		a = (int64_t)((uint64_t)a << w_exp);
	} else {
		a = a >= 0 ? a >> -w_exp : ~((~a) >> -w_exp); /* floor, as numpy's >> */
	}
	return (int32_t)a;
}

/* The current update: decay, input, one wrap into (-2^23, 2^23]. */
static inline int32_t loihi_current(int32_t u, int32_t du, int32_t a)
{
	int64_t c = (int64_t)loihi_decay(u, du + LOIHI_DU_OFFSET) +
		    (int64_t)((uint64_t)(int64_t)a << LOIHI_ACT_SHIFT);
	if (c > LOIHI_UV_MAX) {
		c -= 2 * (int64_t)LOIHI_UV_MAX;
	} else if (c <= -LOIHI_UV_MAX) {
		c += 2 * (int64_t)LOIHI_UV_MAX;
	}
	return (int32_t)c;
}

/* The voltage update, saturating at +-(2^23 - 1). */
static inline int32_t loihi_voltage(int32_t v, int32_t dv, int32_t u, int32_t bias)
{
	int64_t y = (int64_t)loihi_decay(v, dv + LOIHI_DV_OFFSET) + u + bias;
	if (y > LOIHI_UV_MAX - 1) {
		y = LOIHI_UV_MAX - 1;
	} else if (y < -(LOIHI_UV_MAX - 1)) {
		y = -(LOIHI_UV_MAX - 1);
	}
	return (int32_t)y;
}

/* One step of one neuron; returns whether it spiked. ref counts the steps of
 * refractory period left (unused when P->ref_steps is 0). */
static inline bool loihi_step(const struct loihi_prop *P, int32_t *u, int32_t *v, uint32_t *ref,
			      int64_t in_sum)
{
	*u = loihi_current(*u, P->du, loihi_activation(in_sum, P->w_exp));
	if (*ref > 0) {
		--*ref;
	} else {
		*v = loihi_voltage(*v, P->dv, *u, P->bias);
	}
	if ((int64_t)*v > ((int64_t)P->vth << LOIHI_VTH_SHIFT)) {
		*v = 0;
		*ref = P->ref_steps;
		return true;
	}
	return false;
}

/* The bias of a neuron: bias_mant << bias_exp (a negative exponent shifts
 * right, rounding down, as Lava's scale_bias). */
static inline int32_t loihi_bias(int32_t mant, int32_t exp)
{
	return exp >= 0 ? (int32_t)((uint32_t)mant << exp)
			: (int32_t)(mant >= 0 ? mant >> -exp : ~((~mant) >> -exp));
}

enum loihi_sign_mode { LOIHI_SIGN_EXC = 0, LOIHI_SIGN_INH = 1, LOIHI_SIGN_MIXED = 2 };

/* Sign mode of a weight matrix: excitatory when no weight is negative,
 * inhibitory when none is positive, mixed otherwise. */
enum loihi_sign_mode loihi_sign_mode(const float *w, uint64_t n);
/* Turns weights (already integers in 8-bit mantissa units) into the chip's:
 * clipped to [0, 255] (excitatory), [-255, 0] (inhibitory) or [-256, 255]
 * (mixed), then the low 8 - num_weight_bits bits (plus one for mixed) of the
 * magnitude (inhibitory) or of the two's complement value cleared. In place. */
void loihi_weight_quantize(float *w, uint64_t n, enum loihi_sign_mode mode, int num_weight_bits);
/* The optimization of a weight matrix for the chip that lava-dl's netx
 * applies (lava's optimize_weight_bits, then the Dense process's clip and
 * truncation): from the largest weight magnitude, an exponent w_exp such
 * that the weights scaled by 2^-w_exp (a left or arithmetic right shift of
 * their integer part) fill the 8-bit mantissa, then loihi_weight_quantize
 * with the bits the weights need. In place; returns w_exp (0 for an all-zero
 * matrix). Used by the netx loader and by the NIR converter (compiler/nir_loihi.c),
 * which hands it weights already on an integer grid. */
int32_t loihi_weight_optimize(float *w, uint64_t n);
/* Whether x is a valid value of parameter k (enum loihi_param of
 * model_int.h): an integer inside its register's range. */
int loihi_check_param(int k, double x);
/* Constants of one neuron from its LOIHI_N_PARAMS parameter values (checked). */
void loihi_fill(struct loihi_prop *P, const double *v);

#endif
