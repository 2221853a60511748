/*
 * Dynamics of `lif_cond`: exponential conductances with the exponential
 * midpoint integrator described in model_lif_cond.h.
 * Layer: sim core (models). No allocation in the update.
 */
#include "config.h"

#include "simd_int.h"

#include <math.h>
#include <stdlib.h>

#include "model_lif_cond.h"
#include "model_rt.h"
#include "mem_int.h"

static void cond_fill(struct cond_prop *P, const double *v, double h)
{
	P->C_m = v[COND_C_M];
	P->g_L = v[COND_G_L];
	P->E_L = v[COND_E_L];
	P->E_ex = v[COND_E_EX];
	P->E_in = v[COND_E_IN];
	P->I_e = v[COND_I_E];
	P->V_th = v[COND_V_TH];
	P->V_reset = v[COND_V_RESET];
	P->P_ex = exp(-h / v[COND_TAU_SYN_EX]);
	P->P_in = exp(-h / v[COND_TAU_SYN_IN]);
	P->P_ex_half = exp(-0.5 * h / v[COND_TAU_SYN_EX]);
	P->P_in_half = exp(-0.5 * h / v[COND_TAU_SYN_IN]);
	P->h_over_C = h / v[COND_C_M];
	P->ref_steps = (uint32_t)nearbyint(v[COND_T_REF] / h);
}

static int cond_setup(const snn_net *net, double dt_ms, struct pop_rt *p, snn_diag *d)
{
	size_t n = p->size;
	p->v = mem_array(n, sizeof(double));
	p->x1 = mem_array(n, sizeof(double));
	p->x2 = mem_array(n, sizeof(double));
	p->ref = mem_array(n, sizeof(uint32_t));
	if (!p->v || !p->x1 || !p->x2 || !p->ref) {
		return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0,
				      "out of memory for population '%s'", p->ir->name);
	}
	double vals[COND_N_PARAMS];
	if (pop_params_homogeneous(p->ir)) {
		for (int k = 0; k < COND_N_PARAMS; k++) {
			vals[k] = p->ir->params[k].a;
		}
		cond_fill(&p->cond, vals, dt_ms);
	} else {
		p->cond_het = mem_array_raw(n, sizeof(struct cond_prop));
		if (!p->cond_het) {
			return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0,
					      "out of memory for population '%s'", p->ir->name);
		}
		for (uint32_t i = 0; i < p->size; i++) {
			for (int k = 0; k < COND_N_PARAMS; k++) {
				if (net_draw_param(net, p->ir, k, i, &vals[k], d) != 0) {
					return SNN_EINVAL;
				}
			}
			if (!(vals[COND_V_RESET] < vals[COND_V_TH])) {
				const struct origin *o = &p->ir->where;
				return snn_diag_error(
				    d, SNN_EINVAL, o->file, o->line, o->col,
				    "population '%s', neuron %u: V_reset %g mV is not "
				    "below V_th %g mV; bound the distributions",
				    p->ir->name, i, vals[COND_V_RESET], vals[COND_V_TH]);
			}
			cond_fill(&p->cond_het[i], vals, dt_ms);
		}
		p->cond = p->cond_het[0];
	}
	for (uint32_t i = 0; i < p->size; i++) {
		const struct cond_prop *P = p->cond_het ? &p->cond_het[i] : &p->cond;
		if (net_draw_init(net, p->ir, COND_S_V_M, i, P->E_L, &p->v[i], d) != 0 ||
		    net_draw_init(net, p->ir, COND_S_G_EX, i, 0.0, &p->x1[i], d) != 0 ||
		    net_draw_init(net, p->ir, COND_S_G_IN, i, 0.0, &p->x2[i], d) != 0) {
			return SNN_EINVAL;
		}
	}
	return SNN_OK;
}

/* The per-neuron step is cond_step of step_hd.h, which the CUDA engine runs
 * too; its exponential is step_exp, the same bits on both.
 *
 * Whether the exponent of every neuron's step, -h/C_m times its total
 * conductance at mid-step, lies where step_exp needs no branch. */
SIMD_CLONES
static bool cond_plain(const struct cond_prop *P, const double *restrict gex,
		       const double *restrict gin, uint32_t m)
{
	const double hC = -P->h_over_C, gL = P->g_L, Pxh = P->P_ex_half, Pih = P->P_in_half;
	int bad = 0;
	for (uint32_t j = 0; j < m; j++) {
		double x = hC * (gL + gex[j] * Pxh + gin[j] * Pih);
		bad |= !(x >= -STEP_EXP_PLAIN && x <= STEP_EXP_PLAIN);
	}
	return !bad;
}

/* cond_step over m neurons of one parameter set and no current stimulus,
 * written branch-free (model_lif.c), for exponents that cond_plain
 * accepted: the same operations in the same order, so the same bits. */
SIMD_CLONES
static void cond_pass(const struct cond_prop *P, double *restrict v, double *restrict gex,
		      double *restrict gin, uint32_t *restrict ref, const int32_t *restrict in0,
		      const int32_t *restrict in1, double sc0, double sc1, uint32_t m,
		      uint8_t *restrict fired)
{
	const double hC = -P->h_over_C, gL = P->g_L, gLEL = P->g_L * P->E_L;
	const double Eex = P->E_ex, Ein = P->E_in, Ie = P->I_e;
	const double Pxh = P->P_ex_half, Pih = P->P_in_half, Px = P->P_ex, Pi = P->P_in;
	const double Vth = P->V_th, Vreset = P->V_reset;
	const uint32_t rs = P->ref_steps;
	for (uint32_t j = 0; j < m; j++) {
		double V = v[j], g0 = gex[j], g1 = gin[j];
		uint32_t r = ref[j];
		double ge = g0 * Pxh, gi = g1 * Pih;
		double G = gL + ge + gi;
		double vinf = (gLEL + ge * Eex + gi * Ein + Ie + 0.0) / G;
		double k;
		double e = step_exp_parts(hC * G, &k);
		double Vn = vinf + (V - vinf) * (e * step_pow2((int)k));
		bool on = r == 0;
		bool s = on && Vn >= Vth;
		v[j] = on && !s ? Vn : Vreset;
		ref[j] = s ? rs : on ? 0 : r - 1;
		gex[j] = g0 * Px + (double)in0[j] * sc0;
		gin[j] = g1 * Pi - (double)in1[j] * sc1;
		fired[j] = s;
	}
}

static void cond_update(struct pop_rt *p, uint32_t lo, uint32_t hi, const int32_t *in0,
			const int32_t *in1, const double *i_ext, uint32_t *out, uint32_t *nout)
{
	const double sc0 = p->in_scale[0], sc1 = p->in_scale[1];
	double *restrict v = p->v;
	double *restrict gex = p->x1;
	double *restrict gin = p->x2;
	uint32_t *restrict ref = p->ref;
	const struct cond_prop *het = p->cond_het;
	uint32_t n = *nout;
	if (!het && !i_ext) {
		_Alignas(64) uint8_t fired[MODEL_CHUNK]; /* whole vectors (poisson_kernel.c) */
		for (uint32_t a = lo; a < hi; a += MODEL_CHUNK) {
			uint32_t m = hi - a < MODEL_CHUNK ? hi - a : MODEL_CHUNK;
			if (!cond_plain(&p->cond, gex + a, gin + a, m)) {
				for (uint32_t i = a; i < a + m; i++) {
					if (cond_step(&p->cond, &v[i], &gex[i], &gin[i], &ref[i],
						      in0[i - lo], in1[i - lo], sc0, sc1, 0.0)) {
						out[n++] = p->first + i;
					}
				}
				continue;
			}
			cond_pass(&p->cond, v + a, gex + a, gin + a, ref + a, in0 + (a - lo),
				  in1 + (a - lo), sc0, sc1, m, fired);
			n = model_collect_fired(fired, m, p->first + a, out, n);
		}
		*nout = n;
		return;
	}
	for (uint32_t i = lo; i < hi; i++) {
		const struct cond_prop *P = het ? &het[i] : &p->cond;
		double I = i_ext ? i_ext[i - lo] : 0.0;
		if (cond_step(P, &v[i], &gex[i], &gin[i], &ref[i], in0[i - lo], in1[i - lo], sc0,
			      sc1, I)) {
			out[n++] = p->first + i;
		}
	}
	*nout = n;
}

static double cond_get(const struct pop_rt *p, int var, uint32_t i)
{
	switch (var) {
	case COND_S_V_M:
		return p->v[i];
	case COND_S_G_EX:
		return p->x1[i];
	case COND_S_G_IN:
		return p->x2[i];
	default:
		return NAN;
	}
}

static void cond_run(struct pop_rt *p, const struct model_step *in, uint32_t lo, uint32_t hi,
		     uint32_t *out, double *amp, uint32_t *nout)
{
	(void)amp;
	cond_update(p, lo, hi, in->in0, in->in1, in->iext, out, nout);
}

const struct model_ops model_lif_cond_ops = {cond_setup, NULL, cond_run, cond_get};
