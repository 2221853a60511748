/*
 * Dynamics of the NIR models (equations and discretization in model_nir.h):
 * setup of the per-neuron constants from the parameters and the network's
 * conventions, reset to the initial state, and the per-step update.
 * Layer: sim core (models). The updates touch only the neurons they are given
 * and allocate nothing.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "model_nir.h"
#include "model_rt.h"
#include "mem_int.h"
#include "snn/nir_conv.h"

/* Decay and input gain of a leaky state with time constant tau over h (ms). */
static void leaky_factors(const struct nir_conv *cv, double tau, double h, double *a, double *g)
{
	double x = h / tau;
	*a = cv->integration == SNN_NIR_EXACT ? exp(-x) : 1.0 - x;
	int gain = cv->input_gain == SNN_NIR_SCHEME_DEFAULT ? cv->integration : cv->input_gain;
	*g = gain == SNN_NIR_EXACT ? -expm1(-x) : x;
}

void nir_constants(struct nir_prop *P, enum model_id m, const double *v, const struct nir_conv *cv,
		   double h)
{
	double a = 1.0, g = 1.0;
	P->a_s = P->gw = 0.0;
	P->c_m = 0.0;
	P->v0 = 0.0;
	switch (m) {
	case MODEL_NIR_LI:
	case MODEL_NIR_LIF:
	case MODEL_NIR_CUBA_LI:
	case MODEL_NIR_CUBA_LIF:
		leaky_factors(cv, v[NIR_TAU_MEM], h, &a, &g);
		P->c_m = (1.0 - a) * v[NIR_V_LEAK];
		P->v0 = v[NIR_V_LEAK];
		if (m == MODEL_NIR_CUBA_LI || m == MODEL_NIR_CUBA_LIF) {
			double gs;
			leaky_factors(cv, v[NIR_TAU_SYN], h, &P->a_s, &gs);
			P->gw = gs * v[NIR_W_IN];
		}
		break;
	case MODEL_NIR_I:
	case MODEL_NIR_IF:
		/* h is in ms; the integrator's `dt` gain is in seconds */
		g = cv->integrator_gain == SNN_NIR_INTEGRATOR_DT ? h * 1e-3 : 1.0;
		break;
	default:
		break;
	}
	P->a_m = a;
	P->gr = g * v[NIR_R];
	P->v_th = v[NIR_V_THRESHOLD];
	P->v_reset = v[NIR_V_RESET];
	P->jump = v[NIR_V_THRESHOLD] - v[NIR_V_RESET];
}

static void nir_reset_state(struct pop_rt *p);

static int nir_setup(const snn_net *net, double dt_ms, struct pop_rt *p, snn_diag *d)
{
	const struct nir_conv *cv = &net->nir_conv;
	size_t n = p->size;
	p->nir_multi = cv->spikes == SNN_NIR_SPIKES_MULTIPLE;
	p->nir_subtract = cv->reset == SNN_NIR_RESET_SUBTRACT;
	if (p->model == MODEL_NIR_INPUT || p->model == MODEL_NIR_RELAY ||
	    p->model == MODEL_NIR_THRESHOLD) {
		double vals[NIR_N_PARAMS];
		for (int k = 0; k < NIR_N_PARAMS; k++) {
			vals[k] = p->ir->params[k].a;
		}
		nir_constants(&p->nir, p->model, vals, cv, dt_ms);
		if (p->model == MODEL_NIR_THRESHOLD && !pop_params_homogeneous(p->ir)) {
			goto per_neuron;
		}
		return SNN_OK;
	}
	p->v = mem_array(n, sizeof(double));
	if (p->model == MODEL_NIR_CUBA_LI || p->model == MODEL_NIR_CUBA_LIF) {
		p->x1 = mem_array(n, sizeof(double));
		if (!p->x1) {
			goto nomem;
		}
	}
	if (!p->v) {
		goto nomem;
	}
	if (pop_params_homogeneous(p->ir)) {
		double vals[NIR_N_PARAMS];
		for (int k = 0; k < NIR_N_PARAMS; k++) {
			vals[k] = p->ir->params[k].a;
		}
		nir_constants(&p->nir, p->model, vals, cv, dt_ms);
		nir_reset_state(p);
		return SNN_OK;
	}
per_neuron:
	p->nir_het = mem_array_raw(n, sizeof(struct nir_prop));
	if (!p->nir_het) {
		goto nomem;
	}
	for (uint32_t i = 0; i < p->size; i++) {
		double vals[NIR_N_PARAMS];
		for (int k = 0; k < NIR_N_PARAMS; k++) {
			if (net_draw_param(net, p->ir, k, i, &vals[k], d) != 0) {
				return SNN_EINVAL;
			}
		}
		nir_constants(&p->nir_het[i], p->model, vals, cv, dt_ms);
	}
	p->nir = p->nir_het[0];
	nir_reset_state(p);
	return SNN_OK;
nomem:
	return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0, "out of memory for population '%s'",
			      p->ir->name);
}

static void nir_reset_state(struct pop_rt *p)
{
	for (uint32_t i = 0; p->v && i < p->size; i++) {
		p->v[i] = p->nir_het ? p->nir_het[i].v0 : p->nir.v0;
	}
	for (uint32_t i = 0; p->x1 && i < p->size; i++) {
		p->x1[i] = 0.0;
	}
}

/* Threshold test and reset of a spiking neuron; returns the spikes emitted. */
static inline double fire(const struct pop_rt *p, const struct nir_prop *P, double *v)
{
	if (!(*v > P->v_th)) {
		return 0.0;
	}
	double n = p->nir_multi ? floor((*v - P->v_reset) / P->jump) : 1.0;
	*v = p->nir_subtract ? *v - n * P->jump : P->v_reset;
	return n;
}

#define EMIT(i, x)                       \
	do {                             \
		out[n] = p->first + (i); \
		amp[n++] = (x);          \
	} while (0)

/* Emitted values go to amp (never NULL here: NIR networks are graded). */
static void nir_update(struct pop_rt *p, const struct model_step *in, uint32_t lo, uint32_t hi,
		       uint32_t *out, double *amp, uint32_t *nout)
{
	const double *in0 = in->din0;
	uint64_t step = in->step;
	const struct nir_prop *het = p->nir_het;
	const double *bias = p->bias;
	double *restrict v = p->v;
	double *restrict cur = p->x1;
	uint32_t n = *nout;
	switch (p->model) {
	case MODEL_NIR_INPUT: {
		if (!p->input) {
			break;
		}
		const double *x = p->input + step * p->size;
		for (uint32_t i = lo; i < hi; i++) {
			if (x[i] != 0.0) {
				EMIT(i, x[i]);
			}
		}
		break;
	}
	case MODEL_NIR_RELAY:
		for (uint32_t i = lo; i < hi; i++) {
			double I = bias ? in0[i - lo] + bias[i] : in0[i - lo];
			if (I != 0.0) {
				EMIT(i, I);
			}
		}
		break;
	case MODEL_NIR_THRESHOLD:
		for (uint32_t i = lo; i < hi; i++) {
			const struct nir_prop *P = het ? &het[i] : &p->nir;
			double I = bias ? in0[i - lo] + bias[i] : in0[i - lo];
			if (I > P->v_th) {
				EMIT(i, 1.0);
			}
		}
		break;
	case MODEL_NIR_LI:
	case MODEL_NIR_LIF:
	case MODEL_NIR_I:
	case MODEL_NIR_IF:
	case MODEL_NIR_CUBA_LI:
	case MODEL_NIR_CUBA_LIF: {
		bool spiking = p->model == MODEL_NIR_LIF || p->model == MODEL_NIR_IF ||
			       p->model == MODEL_NIR_CUBA_LIF;
		bool leaky = p->model == MODEL_NIR_LI || p->model == MODEL_NIR_LIF;
		/* CubaLI and CubaLIF: the input drives a leaky current, which
		 * drives v */
		bool cuba = p->model == MODEL_NIR_CUBA_LI || p->model == MODEL_NIR_CUBA_LIF;
		for (uint32_t i = lo; i < hi; i++) {
			const struct nir_prop *P = het ? &het[i] : &p->nir;
			double I = bias ? in0[i - lo] + bias[i] : in0[i - lo];
			double y;
			if (cuba) {
				double c = P->a_s * cur[i] + P->gw * I;
				y = P->a_m * v[i] + P->c_m + P->gr * c;
				cur[i] = c;
			} else {
				y = leaky ? P->a_m * v[i] + P->c_m + P->gr * I : v[i] + P->gr * I;
			}
			if (spiking) {
				double z = fire(p, P, &y);
				if (z != 0.0) {
					EMIT(i, z);
				}
			} else if (y != 0.0) {
				EMIT(i, y);
			}
			v[i] = y;
		}
		break;
	}
	default:
		break;
	}
	*nout = n;
}

static double nir_get(const struct pop_rt *p, int var, uint32_t i)
{
	switch (var) {
	case NIR_S_V:
		return p->v ? p->v[i] : NAN;
	case NIR_S_I:
		return p->x1 ? p->x1[i] : NAN;
	default:
		return NAN;
	}
}

static int nir_reset(const snn_net *net, struct pop_rt *p, snn_diag *d)
{
	(void)net;
	(void)d;
	nir_reset_state(p);
	return SNN_OK;
}

const struct model_ops model_nir_ops = {nir_setup, nir_reset, nir_update, nir_get};
