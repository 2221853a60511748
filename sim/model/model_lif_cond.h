/*
 * The conductance-based leaky integrate-and-fire model `lif_cond`
 * (exponential conductances, as NEST's iaf_cond_exp and the COBA network of
 * Brette et al. 2007, benchmark 1).
 * Layer: sim core (models). Documentation of model_lif_cond.c.
 *
 * Units: V in mV, g in nS, C_m in pF, I in pA, times in ms (nS * mV = pA).
 *
 * Equations:
 *   C_m dV/dt = g_L (E_L - V) + g_ex (E_ex - V) + g_in (E_in - V) + I_e + I_stim
 *   dg_x/dt = -g_x / tau_syn_x; a spike of weight w (nS) adds w to g_ex when
 *   w >= 0 and |w| to g_in when w < 0.
 *   when V >= V_th: a spike, V = V_reset, held for t_ref.
 *
 * Discretization (second order): over a step h the conductances are known
 * exactly, g_x(t + s) = g_x(t) exp(-s / tau_syn_x). V is advanced with the
 * exponential integrator for the linear equation frozen at mid-step:
 *   gm_x = g_x exp(-h / (2 tau_syn_x)),  G = g_L + gm_ex + gm_in
 *   V_inf = (g_L E_L + gm_ex E_ex + gm_in E_in + I_e + I_stim) / G
 *   V <- V_inf + (V - V_inf) exp(-h G / C_m)
 * This is the exponential midpoint rule: exact when the conductances are
 * constant, with a global error O(h^2) otherwise. tests/check_lif_cond.c
 * measures it against a fine-step reference (see the figures there).
 *
 * Order of one step: if refractory, count down and hold V at V_reset; else
 * advance V as above and test the threshold; then decay the conductances by
 * exp(-h / tau_syn_x) and add the inputs that arrive in this step.
 */
#ifndef SNN_MODEL_LIF_COND_H
#define SNN_MODEL_LIF_COND_H

#endif
