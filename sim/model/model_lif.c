/*
 * Dynamics of the `lif` model (delta and exponential synapses): setup of the
 * exact propagators and the per-step update (equations in model_lif.h).
 * Layer: sim core (models). The update loops touch only the arrays of the
 * neurons they are given; they allocate nothing.
 */
#include "config.h"

#include "simd_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_lif.h"
#include "model_rt.h"
#include "mem_int.h"

double lif_propagator_21(double tau_syn, double tau_m, double c_m, double h)
{
	double z = h * (1.0 / tau_syn - 1.0 / tau_m);
	double phi = z == 0.0 ? 1.0 : expm1(z) / z;
	return h / c_m * exp(-h / tau_syn) * phi;
}

/* Fills the constants of one neuron from its parameter values. */
static void lif_fill(struct lif_prop *P, const double *v, double h, bool exp_syn)
{
	double tau = v[LIF_TAU_M], C = v[LIF_C_M];
	P->P22 = exp(-h / tau);
	P->P20 = -tau / C * expm1(-h / tau);
	if (exp_syn) {
		P->P11ex = exp(-h / v[LIF_TAU_SYN_EX]);
		P->P11in = exp(-h / v[LIF_TAU_SYN_IN]);
		P->P21ex = lif_propagator_21(v[LIF_TAU_SYN_EX], tau, C, h);
		P->P21in = lif_propagator_21(v[LIF_TAU_SYN_IN], tau, C, h);
	} else {
		P->P11ex = P->P11in = P->P21ex = P->P21in = 0.0;
	}
	P->E_L = v[LIF_E_L];
	P->theta = v[LIF_V_TH] - v[LIF_E_L];
	P->reset = v[LIF_V_RESET] - v[LIF_E_L];
	P->v_min = v[LIF_V_MIN] - v[LIF_E_L];
	P->I_e = v[LIF_I_E];
	P->ref_steps = (uint32_t)nearbyint(v[LIF_T_REF] / h);
}

/* Whether a lif exp population can sum both channels in one buffer: equal
 * synaptic time constants in every neuron (the currents then add exactly in
 * the dynamics) and no trace that records one of them alone. */
static bool lif_can_merge(const snn_net *net, const struct pop_rt *p)
{
	for (uint32_t i = 0; i < (p->lif_het ? p->size : 1); i++) {
		const struct lif_prop *P = p->lif_het ? &p->lif_het[i] : &p->lif;
		if (P->P11ex != P->P11in || P->P21ex != P->P21in) {
			return false;
		}
	}
	for (uint32_t r = 0; r < net->n_traces; r++) {
		const struct trace_record *t = &net->traces[r];
		if (t->who.pop == p->index && t->var != LIF_S_V_M) {
			return false;
		}
	}
	return true;
}

static int lif_setup(const snn_net *net, double dt_ms, struct pop_rt *p, snn_diag *d)
{
	bool exp_syn = p->model == MODEL_LIF_EXP;
	size_t n = p->size;
	p->v = mem_array(n, sizeof(double));
	p->ref = mem_array(n, sizeof(uint32_t));
	if (exp_syn) {
		p->x1 = mem_array(n, sizeof(double));
		p->x2 = mem_array(n, sizeof(double));
	}
	if (!p->v || !p->ref || (exp_syn && (!p->x1 || !p->x2))) {
		return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0,
				      "out of memory for population '%s'", p->ir->name);
	}
	double vals[LIF_N_PARAMS];
	bool hom = pop_params_homogeneous(p->ir);
	if (hom) {
		for (int k = 0; k < LIF_N_PARAMS; k++) {
			vals[k] = p->ir->params[k].a;
		}
		lif_fill(&p->lif, vals, dt_ms, exp_syn);
	} else {
		p->lif_het = mem_array_raw(n, sizeof(struct lif_prop));
		if (!p->lif_het) {
			return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0,
					      "out of memory for population '%s'", p->ir->name);
		}
		for (uint32_t i = 0; i < p->size; i++) {
			for (int k = 0; k < LIF_N_PARAMS; k++) {
				if (net_draw_param(net, p->ir, k, i, &vals[k], d) != 0) {
					return SNN_EINVAL;
				}
			}
			if (!(vals[LIF_V_RESET] < vals[LIF_V_TH])) {
				const struct origin *o = &p->ir->where;
				return snn_diag_error(
				    d, SNN_EINVAL, o->file, o->line, o->col,
				    "population '%s', neuron %u: V_reset %g mV is not "
				    "below V_th %g mV; bound the distributions",
				    p->ir->name, i, vals[LIF_V_RESET], vals[LIF_V_TH]);
			}
			lif_fill(&p->lif_het[i], vals, dt_ms, exp_syn);
		}
		p->lif = p->lif_het[0];
	}
	for (uint32_t i = 0; i < p->size; i++) {
		const struct lif_prop *P = p->lif_het ? &p->lif_het[i] : &p->lif;
		double vm;
		if (net_draw_init(net, p->ir, LIF_S_V_M, i, P->E_L, &vm, d) != 0) {
			return SNN_EINVAL;
		}
		p->v[i] = vm - P->E_L;
		if (exp_syn) {
			if (net_draw_init(net, p->ir, LIF_S_I_SYN_EX, i, 0.0, &p->x1[i], d) != 0 ||
			    net_draw_init(net, p->ir, LIF_S_I_SYN_IN, i, 0.0, &p->x2[i], d) != 0) {
				return SNN_EINVAL;
			}
		}
	}
	if (exp_syn && lif_can_merge(net, p)) {
		p->merged = true;
		p->n_in = 1;
		for (uint32_t k = 0; k < p->size; k++) {
			p->x1[k] += p->x2[k];
			p->x2[k] = 0.0;
		}
	}
	return SNN_OK;
}

/* The loops below run the per-neuron steps of step_hd.h, which the CUDA
 * engine runs too: the two engines cannot drift apart.
 *
 * The end of one neuron's step in the passes below: the new potential yu
 * is taken only outside the refractory period (r steps left), and a
 * neuron at threshold resets. Writes v and ref; returns whether it fired. */
static inline bool lane_settle(double y, double yu, uint32_t r, double theta, double reset,
			       uint32_t rs, double *v, uint32_t *ref)
{
	y = r == 0 ? yu : y;
	r = r == 0 ? 0 : r - 1;
	bool s = y >= theta;
	*ref = s ? rs : r;
	*v = s ? reset : y;
	return s;
}

/* lif_delta_step over m neurons of one parameter set and no current
 * stimulus, written branch-free so that it vectorizes: the same operations
 * in the same order, so the same bits. */
SIMD_CLONES
static void delta_pass(const struct lif_prop *P, double *restrict v, uint32_t *restrict ref,
		       const int32_t *restrict in0, double sc, uint32_t m, uint8_t *restrict fired)
{
	const double c = P->P20 * (0.0 + P->I_e);
	const double P22 = P->P22, vmin = P->v_min, theta = P->theta, reset = P->reset;
	const uint32_t rs = P->ref_steps;
	for (uint32_t j = 0; j < m; j++) {
		double y = v[j];
		uint32_t r = ref[j];
		double yu = c + P22 * y + (double)in0[j] * sc;
		yu = yu < vmin ? vmin : yu;
		fired[j] = lane_settle(y, yu, r, theta, reset, rs, &v[j], &ref[j]);
	}
}

/* lif_exp1_step the same way. */
SIMD_CLONES
static void exp1_pass(const struct lif_prop *P, double *restrict v, double *restrict isyn,
		      uint32_t *restrict ref, const int32_t *restrict in0, double sc, uint32_t m,
		      uint8_t *restrict fired)
{
	const double c = (P->I_e + 0.0) * P->P20;
	const double P22 = P->P22, P21 = P->P21ex, P11 = P->P11ex;
	const double theta = P->theta, reset = P->reset;
	const uint32_t rs = P->ref_steps;
	for (uint32_t j = 0; j < m; j++) {
		double y = v[j], x = isyn[j];
		uint32_t r = ref[j];
		double yu = y * P22 + x * P21 + c;
		double xn = x * P11 + (double)in0[j] * sc;
		isyn[j] = xn;
		fired[j] = lane_settle(y, yu, r, theta, reset, rs, &v[j], &ref[j]);
	}
}

/* lif_exp_step the same way (two currents, two input buffers). */
SIMD_CLONES
static void exp2_pass(const struct lif_prop *P, double *restrict v, double *restrict iex,
		      double *restrict iin, uint32_t *restrict ref, const int32_t *restrict in0,
		      const int32_t *restrict in1, double sc0, double sc1, uint32_t m,
		      uint8_t *restrict fired)
{
	const double c = (P->I_e + 0.0) * P->P20;
	const double P22 = P->P22, P21e = P->P21ex, P21i = P->P21in;
	const double P11e = P->P11ex, P11i = P->P11in;
	const double theta = P->theta, reset = P->reset;
	const uint32_t rs = P->ref_steps;
	for (uint32_t j = 0; j < m; j++) {
		double y = v[j], xe = iex[j], xi = iin[j];
		uint32_t r = ref[j];
		double yu = y * P22 + xe * P21e + xi * P21i + c;
		double xen = xe * P11e + (double)in0[j] * sc0;
		double xin = xi * P11i + (double)in1[j] * sc1;
		iex[j] = xen;
		iin[j] = xin;
		fired[j] = lane_settle(y, yu, r, theta, reset, rs, &v[j], &ref[j]);
	}
}

/* The updates advance neurons [lo, hi) (local indices) by one step: in0/in1
 * are their input channels, i_ext their current stimuli (or NULL); spikes
 * are appended as global ids to out. */
static void lif_delta_update(struct pop_rt *p, uint32_t lo, uint32_t hi, const int32_t *in0,
			     const double *i_ext, uint32_t *out, uint32_t *nout)
{
	double *restrict v = p->v;
	uint32_t *restrict ref = p->ref;
	const struct lif_prop *het = p->lif_het;
	const double sc = p->in_scale[0];
	uint32_t n = *nout;
	if (!het && !i_ext) {
		_Alignas(64) uint8_t fired[MODEL_CHUNK]; /* whole vectors (poisson_kernel.c) */
		for (uint32_t a = lo; a < hi; a += MODEL_CHUNK) {
			uint32_t m = hi - a < MODEL_CHUNK ? hi - a : MODEL_CHUNK;
			delta_pass(&p->lif, v + a, ref + a, in0 + (a - lo), sc, m, fired);
			n = model_collect_fired(fired, m, p->first + a, out, n);
		}
		*nout = n;
		return;
	}
	for (uint32_t i = lo; i < hi; i++) {
		const struct lif_prop *P = het ? &het[i] : &p->lif;
		double I = i_ext ? i_ext[i - lo] : 0.0;
		if (lif_delta_step(P, &v[i], &ref[i], in0[i - lo], sc, I)) {
			out[n++] = p->first + i;
		}
	}
	*nout = n;
}

static void lif_exp_update(struct pop_rt *p, uint32_t lo, uint32_t hi, const int32_t *in0,
			   const int32_t *in1, const double *i_ext, uint32_t *out, uint32_t *nout)
{
	double *restrict v = p->v;
	double *restrict iex = p->x1;
	double *restrict iin = p->x2;
	uint32_t *restrict ref = p->ref;
	const struct lif_prop *het = p->lif_het;
	const double sc0 = p->in_scale[0], sc1 = p->in_scale[1];
	uint32_t n = *nout;
	if (!het && !i_ext) {
		_Alignas(64) uint8_t fired[MODEL_CHUNK]; /* whole vectors (poisson_kernel.c) */
		for (uint32_t a = lo; a < hi; a += MODEL_CHUNK) {
			uint32_t m = hi - a < MODEL_CHUNK ? hi - a : MODEL_CHUNK;
			exp2_pass(&p->lif, v + a, iex + a, iin + a, ref + a, in0 + (a - lo),
				  in1 + (a - lo), sc0, sc1, m, fired);
			n = model_collect_fired(fired, m, p->first + a, out, n);
		}
		*nout = n;
		return;
	}
	for (uint32_t i = lo; i < hi; i++) {
		const struct lif_prop *P = het ? &het[i] : &p->lif;
		double I = i_ext ? i_ext[i - lo] : 0.0;
		if (lif_exp_step(P, &v[i], &iex[i], &iin[i], &ref[i], in0[i - lo], in1[i - lo], sc0,
				 sc1, I)) {
			out[n++] = p->first + i;
		}
	}
	*nout = n;
}

/* lif exp with both inputs in one buffer (tau_syn_ex == tau_syn_in): the
 * current is the sum of both, kept in x1 */
static void lif_exp1_update(struct pop_rt *p, uint32_t lo, uint32_t hi, const int32_t *in0,
			    const double *i_ext, uint32_t *out, uint32_t *nout)
{
	double *restrict v = p->v;
	double *restrict isyn = p->x1;
	uint32_t *restrict ref = p->ref;
	const struct lif_prop *het = p->lif_het;
	const double sc = p->in_scale[0];
	uint32_t n = *nout;
	if (!het && !i_ext) {
		_Alignas(64) uint8_t fired[MODEL_CHUNK]; /* whole vectors (poisson_kernel.c) */
		for (uint32_t a = lo; a < hi; a += MODEL_CHUNK) {
			uint32_t m = hi - a < MODEL_CHUNK ? hi - a : MODEL_CHUNK;
			exp1_pass(&p->lif, v + a, isyn + a, ref + a, in0 + (a - lo), sc, m, fired);
			n = model_collect_fired(fired, m, p->first + a, out, n);
		}
		*nout = n;
		return;
	}
	for (uint32_t i = lo; i < hi; i++) {
		const struct lif_prop *P = het ? &het[i] : &p->lif;
		double I = i_ext ? i_ext[i - lo] : 0.0;
		if (lif_exp1_step(P, &v[i], &isyn[i], &ref[i], in0[i - lo], sc, I)) {
			out[n++] = p->first + i;
		}
	}
	*nout = n;
}

static double lif_get(const struct pop_rt *p, int var, uint32_t i)
{
	const struct lif_prop *P = p->lif_het ? &p->lif_het[i] : &p->lif;
	switch (var) {
	case LIF_S_V_M:
		return lif_v_m(P, p->v[i]);
	case LIF_S_I_SYN_EX:
		return p->x1 ? p->x1[i] : 0.0;
	case LIF_S_I_SYN_IN:
		return p->x2 ? p->x2[i] : 0.0;
	default:
		return NAN;
	}
}

static void lif_delta_run(struct pop_rt *p, const struct model_step *in, uint32_t lo, uint32_t hi,
			  uint32_t *out, double *amp, uint32_t *nout)
{
	(void)amp;
	lif_delta_update(p, lo, hi, in->in0, in->iext, out, nout);
}

static void lif_exp_run(struct pop_rt *p, const struct model_step *in, uint32_t lo, uint32_t hi,
			uint32_t *out, double *amp, uint32_t *nout)
{
	(void)amp;
	if (p->merged) {
		lif_exp1_update(p, lo, hi, in->in0, in->iext, out, nout);
	} else {
		lif_exp_update(p, lo, hi, in->in0, in->in1, in->iext, out, nout);
	}
}

const struct model_ops model_lif_delta_ops = {lif_setup, NULL, lif_delta_run, lif_get};
const struct model_ops model_lif_exp_ops = {lif_setup, NULL, lif_exp_run, lif_get};
