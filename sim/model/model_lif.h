/*
 * The leaky integrate-and-fire model `lif` with delta or exponential synapses.
 * Layer: sim core (models). Documentation of the dynamics that model_lif.c
 * implements; its operations are declared in model_rt.h.
 *
 * Units: V in mV, I in pA, C_m in pF, times in ms (pA * ms / pF = mV).
 *
 * Equations (V relative to the resting potential E_L, y = V_m - E_L):
 *   dy/dt = -y / tau_m + (I_syn_ex + I_syn_in + I_e + I_stim) / C_m
 *   synapse: exp    dI_syn_x/dt = -I_syn_x / tau_syn_x, a spike of weight w
 *                   (pA) adds w to I_syn_ex (w >= 0) or I_syn_in (w < 0)
 *   synapse: delta  I_syn = 0; a spike of weight w (mV) makes y jump by w
 *   when y >= V_th - E_L: a spike, y = V_reset - E_L, and y is held there for
 *   t_ref (t_ref / h steps); delta inputs arriving meanwhile are dropped.
 *
 * Discretization: exact integration over a step h (Rotter & Diesmann 1999),
 * the same propagators as NEST's iaf_psc_delta and iaf_psc_exp:
 *   P22 = exp(-h/tau_m), P20 = -tau_m/C_m * expm1(-h/tau_m)
 *   P11x = exp(-h/tau_syn_x)
 *   P21x = h/C_m * exp(-h/tau_syn_x) * phi(h (1/tau_syn_x - 1/tau_m)),
 *          phi(z) = expm1(z)/z (phi(0) = 1), well conditioned also when
 *          tau_syn_x is close to tau_m.
 * I_stim (current stimuli) is constant over a step.
 *
 * Order of one step n (from t_n = n h to t_n + h), for each neuron:
 *   delta: if not refractory: y = P20 (I_stim + I_e) + P22 y + (sum of delta
 *          inputs arriving in step n); y = max(y, V_min - E_L)
 *          else: count down the refractory period
 *   exp:   if not refractory: y = P22 y + P21ex I_ex + P21in I_in + P20 (I_e + I_stim)
 *          else: count down the refractory period
 *          I_x = P11x I_x + (sum of inputs of channel x arriving in step n)
 *   both:  if y >= V_th - E_L: spike stamped t_n + h; y = V_reset - E_L;
 *          refractory for t_ref / h steps.
 * A spike stamped t with delay d (steps) arrives in the step ending at t + d h.
 */
#ifndef SNN_MODEL_LIF_H
#define SNN_MODEL_LIF_H

/* P21 above: the effect over one step h of a synaptic current of 1 pA
 * decaying with tau_syn on the membrane (tau_m, C_m). */
double lif_propagator_21(double tau_syn, double tau_m, double c_m, double h);

#endif
