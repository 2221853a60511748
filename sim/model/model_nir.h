/*
 * The NIR primitives as neuron models: nir_input, nir_relay, nir_li, nir_lif,
 * nir_i, nir_if, nir_cubali, nir_cubalif, nir_threshold.
 * Layer: sim core (models). Documentation of the dynamics that model_nir.c
 * implements, and the per-neuron constants that the compiler reads too; its
 * operations are declared in model_rt.h. Must not name engine types.
 *
 * Units: as written in the NIR file (dimensionless potentials and currents);
 * time constants in ms in the IR, h the step. NIR's continuous-time equations
 * (the NIR 1.0 specification), with I the node's input:
 *   LI, LIF        tau dv/dt = (v_leak - v) + r I
 *   I, IF          dv/dt = r I
 *   CubaLI(F)      tau_syn di/dt = -i + w_in I,  tau_mem dv/dt = (v_leak - v) + r i
 *   spiking (LIF, IF, CubaLIF): z = 1 when v > v_threshold, then v = v_reset
 *   Threshold      z = 1 when I > v_threshold (stateless)
 *
 * Discretization over one step h, the input constant over the step. For each
 * leaky state with time constant tau, a decay a and an input gain g:
 *   Euler: a = 1 - h/tau, g = h/tau      exact: a = exp(-h/tau), g = 1 - exp(-h/tau)
 * (the decay follows the `integration` convention, the gain `input_gain`).
 *   LI, LIF:      v <- a v + (1 - a) v_leak + (g r) I
 *   CubaLI(F):    i <- a_s i + (g_s w_in) I;  v <- a v + (1 - a) v_leak + (g r) i
 *                 (the membrane sees the current updated in the same step, as
 *                 snnTorch's Synaptic and Norse's CubaLIF do)
 *   I, IF:        v <- v + (k r) I, k = 1 (integrator gain `step`) or h in
 *                 seconds (`dt`)
 * Each product in parentheses is computed once per neuron at setup.
 * Spiking, after the update: if v > v_threshold, n = 1 (single spike per step)
 * or n = floor((v - v_reset) / (v_threshold - v_reset)) (multiple); then
 * v <- v_reset (reset `value`) or v <- v - n (v_threshold - v_reset)
 * (`subtract`). The neuron emits n (its synapses carry n times their weight).
 * Non-spiking models (LI, I, CubaLI) emit v, a relay the sum of its inputs,
 * an input its tensor value; none emits a zero.
 *
 * I is the sum, in a fixed order, of the weighted values arriving in the step
 * (ordered by source id), then plus the constant bias of the projections onto
 * the neuron. Initial state: v = v_leak for the leaky models, 0 for
 * integrators; i = 0.
 */
#ifndef SNN_MODEL_NIR_H
#define SNN_MODEL_NIR_H

#include "model_int.h"
#include "net_int.h"

/* Constants of the NIR models (see above). */
struct nir_prop {
	double a_m, c_m, gr; /* v <- a_m v + c_m + gr I */
	double a_s, gw;	     /* i <- a_s i + gw I (current-based models) */
	double v_th, v_reset;
	double jump; /* v_th - v_reset */
	double v0;   /* resting value, the initial v */
};

/* The per-step constants of one neuron of NIR model m from its parameter
 * values (indexed NIR_TAU_SYN...), the network's conventions and the step h
 * in ms (the formulas above); also used by snncc and the NIR->Loihi lowering
 * to quantize. */
void nir_constants(struct nir_prop *P, enum model_id m, const double *v, const struct nir_conv *cv,
		   double h);

#endif
