/*
 * The arithmetic of one time step, shared word for word by the CPU engine
 * (C) and the CUDA kernels (sim/cuda/): neuron updates, their constants and
 * the state a trace reads; with the deterministic exp and log (math_hd.h)
 * and the random streams and Poisson counts (rng_hd.h) it includes.
 * Layer: sim core (models), internal. Plain C that also compiles as CUDA
 * C++; no libc beyond <math.h> functions that are exact on both sides
 * (rint, floor, frexp, ldexp, fabs, sqrt). Nothing here allocates or keeps
 * state.
 *
 * Why it exists: the GPU must give the CPU's spikes bit for bit. Both sides
 * therefore run these same inline functions, built without fused
 * multiply-add (the C build uses -ffp-contract=off, nvcc --fmad=false), and
 * use only +, -, *, / and exact conversions, which IEEE 754 rounds the same
 * way everywhere. Library functions whose last bit may differ between glibc
 * and CUDA (exp) are replaced by step_exp (math_hd.h).
 */
#ifndef SNN_STEP_HD_H
#define SNN_STEP_HD_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* SNN_HD and the deterministic exp and log; the random streams and the
 * Poisson draws (IR-level utilities, which rng_int.h wraps) */
#include "math_hd.h"
#include "rng_hd.h"

/* Per-neuron propagators and constants of the lif models (exact integration
 * over one step h, after Rotter & Diesmann 1999; see model_lif.h). */
struct lif_prop {
	double P22;   /* exp(-h / tau_m) */
	double P20;   /* tau_m / C_m * (1 - P22): mV per pA of constant current */
	double P21ex; /* effect of I_syn_ex on V over a step */
	double P21in;
	double P11ex; /* exp(-h / tau_syn_ex) */
	double P11in;
	double theta; /* V_th - E_L */
	double reset; /* V_reset - E_L */
	double v_min; /* V_min - E_L (delta model) */
	double I_e;
	double E_L;
	uint32_t ref_steps;
};

/* Constants of lif_cond (see model_lif_cond.h). */
struct cond_prop {
	double C_m, g_L, E_L, E_ex, E_in, I_e;
	double P_ex, P_in;	     /* exp(-h / tau_syn) */
	double P_ex_half, P_in_half; /* exp(-h / (2 tau_syn)): conductances at mid-step */
	double V_th, V_reset;
	double h_over_C; /* h / C_m */
	uint32_t ref_steps;
};

/* ------------------------------------------------------------------ neurons */

/* The end of a lif step: a neuron at threshold fires, resets and starts
 * its refractory period; stores the potential y. Returns whether it fired. */
SNN_HD bool lif_settle(const struct lif_prop *P, double y, double *v, uint32_t *ref)
{
	bool spike = y >= P->theta;
	if (spike) {
		*ref = P->ref_steps;
		y = P->reset;
	}
	*v = y;
	return spike;
}

/* lif with delta synapses, one neuron, one step (model_lif.h): y = V - E_L,
 * in0 the fixed-point input of the step and sc its scale, I the current
 * stimulus (pA). Returns whether the neuron spiked. */
SNN_HD bool lif_delta_step(const struct lif_prop *P, double *v, uint32_t *ref, int32_t in0,
			   double sc, double I)
{
	double y = *v;
	if (*ref == 0) {
		y = P->P20 * (I + P->I_e) + P->P22 * y + (double)in0 * sc;
		y = y < P->v_min ? P->v_min : y;
	} else {
		--*ref;
	}
	return lif_settle(P, y, v, ref);
}

/* lif with exponential synapses, both currents apart (iex, iin in pA). */
SNN_HD bool lif_exp_step(const struct lif_prop *P, double *v, double *iex, double *iin,
			 uint32_t *ref, int32_t in0, int32_t in1, double sc0, double sc1, double I)
{
	double y = *v;
	if (*ref == 0) {
		y = y * P->P22 + *iex * P->P21ex + *iin * P->P21in + (P->I_e + I) * P->P20;
	} else {
		--*ref;
	}
	*iex = *iex * P->P11ex + (double)in0 * sc0;
	*iin = *iin * P->P11in + (double)in1 * sc1;
	return lif_settle(P, y, v, ref);
}

/* lif with exponential synapses of equal time constants: one current, the
 * sum of both, fed by one input buffer. */
SNN_HD bool lif_exp1_step(const struct lif_prop *P, double *v, double *isyn, uint32_t *ref,
			  int32_t in0, double sc, double I)
{
	double y = *v;
	if (*ref == 0) {
		y = y * P->P22 + *isyn * P->P21ex + (P->I_e + I) * P->P20;
	} else {
		--*ref;
	}
	*isyn = *isyn * P->P11ex + (double)in0 * sc;
	return lif_settle(P, y, v, ref);
}

/* lif_cond, one neuron, one step (model_lif_cond.h); gex, gin in nS. Inhibitory
 * inputs arrive as negative weights: their magnitude is the conductance. */
SNN_HD bool cond_step(const struct cond_prop *P, double *v, double *gex, double *gin, uint32_t *ref,
		      int32_t in0, int32_t in1, double sc0, double sc1, double I)
{
	double V = *v;
	bool spike = false;
	if (*ref > 0) {
		--*ref;
		V = P->V_reset;
	} else {
		double ge = *gex * P->P_ex_half;
		double gi = *gin * P->P_in_half;
		double G = P->g_L + ge + gi;
		double vinf = (P->g_L * P->E_L + ge * P->E_ex + gi * P->E_in + P->I_e + I) / G;
		V = vinf + (V - vinf) * step_exp(-P->h_over_C * G);
		if (V >= P->V_th) {
			*ref = P->ref_steps;
			V = P->V_reset;
			spike = true;
		}
	}
	*gex = *gex * P->P_ex + (double)in0 * sc0;
	*gin = *gin * P->P_in - (double)in1 * sc1;
	*v = V;
	return spike;
}

/* The membrane potential a trace records: lif keeps V - E_L. */
SNN_HD double lif_v_m(const struct lif_prop *P, double y)
{
	return y + P->E_L;
}

#endif
