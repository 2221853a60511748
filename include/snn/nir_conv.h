/*
 * The conventions NIR graphs leave to the backend (reset, spikes per step,
 * discretization, integrator gain, delays): values a network loaded from NIR
 * keeps in its IR and the nir_* models run with. doc/nir.md describes them.
 * Public layer (IR level): plain types only, no functions, no file format;
 * nir.h includes it, and sets and parses the options (snn_nir_option_set).
 */
#ifndef SNN_NIR_CONV_H
#define SNN_NIR_CONV_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What a spiking neuron's potential becomes after it spikes: v_reset, as the
 * NIR equations say, or v - (v_threshold - v_reset) per spike (reset by
 * subtraction, as Sinabs and Rockpool run it). */
enum snn_nir_reset { SNN_NIR_RESET_VALUE, SNN_NIR_RESET_SUBTRACT };

/* Spikes a neuron emits in one step: at most one, or as many as its
 * potential holds thresholds, floor((v - v_reset) / (v_threshold - v_reset)),
 * as Sinabs' IAF does (the spike count is what its synapses carry). */
enum snn_nir_spikes { SNN_NIR_SPIKES_SINGLE, SNN_NIR_SPIKES_MULTIPLE };

/* Discretization of a leaky state tau dx/dt = -x + u over a step h, with u
 * constant over the step: forward Euler (decay 1 - h/tau, input gain h/tau,
 * as snnTorch and Norse) or exact (decay exp(-h/tau), input gain
 * 1 - exp(-h/tau)). The input gain may be chosen apart from the decay
 * (SNN_NIR_SCHEME_DEFAULT: as the decay); Rockpool's exports need an exact
 * decay with an Euler gain. */
enum snn_nir_scheme { SNN_NIR_SCHEME_DEFAULT, SNN_NIR_EULER, SNN_NIR_EXACT };

/* The gain of NIR's integrators (I, IF: dv/dt = r I), which have no time
 * constant: one unit of time per step (v += r I, as Sinabs, Norse and
 * snnTorch integrate them) or the step in seconds (v += dt r I). */
enum snn_nir_integrator { SNN_NIR_INTEGRATOR_STEP, SNN_NIR_INTEGRATOR_DT };

typedef struct {
	double dt_s;			 /* time step in seconds (default 1e-4, the NIR paper's) */
	enum snn_nir_reset reset;	 /* default: value */
	enum snn_nir_spikes spikes;	 /* default: single */
	enum snn_nir_scheme integration; /* default: Euler */
	enum snn_nir_scheme input_gain;	 /* default: as integration */
	enum snn_nir_integrator integrator; /* default: step */
	uint32_t recurrent_delay; /* steps on an edge that closes a cycle (>= 1; default 1:
				     the previous step's spikes) */
	uint32_t edge_delay;	  /* steps added on every path into a neuron layer (default
				     0: layers see the same step's spikes, as PyTorch
				     frameworks; 1: a hardware pipeline such as Loihi's) */
} snn_nir_options;

#ifdef __cplusplus
}
#endif

#endif
