/*
 * Dynamics of the `loihi_lif` model (equations in model_loihi.h): setup of the
 * per-neuron integer constants from the parameters, the per-step update, and
 * the weight quantization of Loihi's synapses.
 * Layer: sim core (models). The update touches only the neurons it is given
 * and allocates nothing.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "model_loihi.h"
#include "model_rt.h"
#include "mem_int.h"

/* Range and integrality of each parameter (the chip's register widths). */
static const struct {
	double lo, hi;
} loihi_range[LOIHI_N_PARAMS] = {
    [LOIHI_DU] = {0, 4095},
    [LOIHI_DV] = {0, 4095},
    [LOIHI_VTH] = {0, 131071},
    [LOIHI_BIAS_MANT] = {-4096, 4095},
    [LOIHI_BIAS_EXP] = {0, 7},
    [LOIHI_W_EXP] = {-8, 7},
    [LOIHI_REFRACTORY] = {0, 65535},
    [LOIHI_RESET_INTERVAL] = {0, 4294967295.0},
    [LOIHI_RESET_OFFSET] = {0, 4294967295.0},
};

int loihi_check_param(int k, double x)
{
	return x == nearbyint(x) && x >= loihi_range[k].lo && x <= loihi_range[k].hi;
}

void loihi_fill(struct loihi_prop *P, const double *v)
{
	P->du = (int32_t)v[LOIHI_DU];
	P->dv = (int32_t)v[LOIHI_DV];
	P->vth = (int32_t)v[LOIHI_VTH];
	P->bias = loihi_bias((int32_t)v[LOIHI_BIAS_MANT], (int32_t)v[LOIHI_BIAS_EXP]);
	P->w_exp = (int32_t)v[LOIHI_W_EXP];
	P->ref_steps = (uint32_t)v[LOIHI_REFRACTORY];
	P->reset_interval = (uint32_t)v[LOIHI_RESET_INTERVAL];
	P->reset_offset = (uint32_t)v[LOIHI_RESET_OFFSET];
}

static int bad_param(const struct pop_rt *p, int k, uint32_t i, double x, snn_diag *d)
{
	const struct value *v = &p->ir->params[k];
	const struct origin *o = v->where.file ? &v->where : &p->ir->where;
	return snn_diag_error(d, SNN_EINVAL, o->file, o->line, o->col,
			      "population '%s', neuron %u: loihi_lif %s must be an integer in "
			      "[%g, %g] (got %g)",
			      p->ir->name, i, p->ir->model->params[k].name, loihi_range[k].lo,
			      loihi_range[k].hi, x);
}

static int loihi_reset(const snn_net *net, struct pop_rt *p, snn_diag *d);

static int loihi_setup(const snn_net *net, double dt_ms, struct pop_rt *p, snn_diag *d)
{
	(void)dt_ms;
	size_t n = p->size;
	p->lu = mem_array(n, sizeof(int32_t));
	p->lv = mem_array(n, sizeof(int32_t));
	p->ref = mem_array(n, sizeof(uint32_t));
	if (!p->lu || !p->lv || !p->ref) {
		goto nomem;
	}
	double vals[LOIHI_N_PARAMS];
	if (pop_params_homogeneous(p->ir)) {
		for (int k = 0; k < LOIHI_N_PARAMS; k++) {
			vals[k] = p->ir->params[k].a;
			if (!loihi_check_param(k, vals[k])) {
				return bad_param(p, k, 0, vals[k], d);
			}
		}
		loihi_fill(&p->loihi, vals);
	} else {
		p->loihi_het = mem_array_raw(n, sizeof(struct loihi_prop));
		if (!p->loihi_het) {
			goto nomem;
		}
		for (uint32_t i = 0; i < p->size; i++) {
			for (int k = 0; k < LOIHI_N_PARAMS; k++) {
				if (net_draw_param(net, p->ir, k, i, &vals[k], d) != 0) {
					return SNN_EINVAL;
				}
				if (!loihi_check_param(k, vals[k])) {
					return bad_param(p, k, i, vals[k], d);
				}
			}
			loihi_fill(&p->loihi_het[i], vals);
		}
		p->loihi = p->loihi_het[0];
	}
	return loihi_reset(net, p, d);
nomem:
	return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0, "out of memory for population '%s'",
			      p->ir->name);
}

/* The initial u and v, drawn again (the same values: the streams are keyed). */
static int loihi_reset(const snn_net *net, struct pop_rt *p, snn_diag *d)
{
	for (uint32_t i = 0; i < p->size; i++) {
		double u0, v0;
		if (net_draw_init(net, p->ir, LOIHI_S_V, i, 0.0, &v0, d) != 0 ||
		    net_draw_init(net, p->ir, LOIHI_S_U, i, 0.0, &u0, d) != 0) {
			return SNN_EINVAL;
		}
		if (u0 != nearbyint(u0) || fabs(u0) > LOIHI_UV_MAX || v0 != nearbyint(v0) ||
		    fabs(v0) >= LOIHI_UV_MAX) {
			const struct origin *o = &p->ir->where;
			return snn_diag_error(d, SNN_EINVAL, o->file, o->line, o->col,
					      "population '%s', neuron %u: initial u and v of "
					      "loihi_lif must be 24-bit integers (got u %g, v %g)",
					      p->ir->name, i, u0, v0);
		}
		p->lu[i] = (int32_t)u0;
		p->lv[i] = (int32_t)v0;
		p->ref[i] = 0;
	}
	return SNN_OK;
}

/* in0 is the exact integer sum of the weights (the population's input shift
 * is 0). */
static void loihi_update(struct pop_rt *p, const struct model_step *in, uint32_t lo, uint32_t hi,
			 uint32_t *out, double *amp, uint32_t *nout)
{
	(void)amp;
	const int32_t *in0 = in->in0;
	uint64_t step = in->step;
	const struct loihi_prop *het = p->loihi_het;
	int32_t *restrict u = p->lu;
	int32_t *restrict v = p->lv;
	uint32_t *restrict ref = p->ref;
	uint32_t n = *nout;
	for (uint32_t i = lo; i < hi; i++) {
		const struct loihi_prop *P = het ? &het[i] : &p->loihi;
		if (loihi_reset_due(P, step)) {
			u[i] = v[i] = 0;
			ref[i] = 0;
		}
		if (loihi_step(P, &u[i], &v[i], &ref[i], in0 ? in0[i - lo] : 0)) {
			out[n++] = p->first + i;
		}
	}
	*nout = n;
}

static double loihi_get(const struct pop_rt *p, int var, uint32_t i)
{
	switch (var) {
	case LOIHI_S_V:
		return p->lv ? (double)p->lv[i] : NAN;
	case LOIHI_S_U:
		return p->lu ? (double)p->lu[i] : NAN;
	default:
		return NAN;
	}
}

const struct model_ops model_loihi_ops = {loihi_setup, loihi_reset, loihi_update, loihi_get};

enum loihi_sign_mode loihi_sign_mode(const float *w, uint64_t n)
{
	bool neg = false, pos = false;
	for (uint64_t k = 0; k < n; k++) {
		neg |= w[k] < 0;
		pos |= w[k] > 0;
	}
	return !neg ? LOIHI_SIGN_EXC : !pos ? LOIHI_SIGN_INH : LOIHI_SIGN_MIXED;
}

void loihi_weight_quantize(float *w, uint64_t n, enum loihi_sign_mode mode, int num_weight_bits)
{
	int mixed = mode == LOIHI_SIGN_MIXED;
	int drop = 8 - num_weight_bits + mixed;
	double lo = mixed ? -256.0 : 0.0, hi = 255.0;
	for (uint64_t k = 0; k < n; k++) {
		double x = mode == LOIHI_SIGN_INH ? -(double)w[k] : (double)w[k];
		x = x < lo ? lo : x > hi ? hi : x;
		int32_t q = (int32_t)x; /* toward zero, as numpy's astype */
		/* clear the low bits of the two's complement value (rounds down) */
		if (drop > 0) {
			int32_t f = q >= 0 ? q >> drop : ~((~q) >> drop);
			q = (int32_t)((uint32_t)f << drop);
		}
		w[k] = (float)(mode == LOIHI_SIGN_INH ? -q : q);
	}
}

int32_t loihi_weight_optimize(float *w, uint64_t n)
{
	enum loihi_sign_mode m = loihi_sign_mode(w, n);
	double mx = -INFINITY, mn = INFINITY;
	for (uint64_t k = 0; k < n; k++) {
		mx = w[k] > mx ? w[k] : mx;
		mn = w[k] < mn ? w[k] : mn;
	}
	if (n == 0 || (mx == 0 && mn == 0)) {
		return 0;
	}
	double scale;
	if (m == LOIHI_SIGN_MIXED) {
		double ps = mx > 0 ? 127.0 / mx : INFINITY, ns = mn < 0 ? -128.0 / mn : INFINITY;
		scale = ps < ns ? ps : ns;
	} else if (m == LOIHI_SIGN_INH) {
		scale = -255.0 / mn;
	} else {
		scale = 255.0 / mx;
	}
	int bits = (int)floor(log2(scale)) + (m == LOIHI_SIGN_MIXED);
	int32_t w_exp = -bits;
	/* the number of weight bits: the most trailing zero bits all weights share */
	int nb = 8;
	for (; nb > 0; nb--) {
		bool exact = true;
		for (uint64_t k = 0; k < n && exact; k++) {
			double q = w[k] / ldexp(1.0, nb);
			exact = q == nearbyint(q);
		}
		if (exact) {
			break;
		}
	}
	nb -= m == LOIHI_SIGN_MIXED;
	int num_bits = 8 + w_exp - nb;
	for (uint64_t k = 0; k < n; k++) {
		int32_t q = (int32_t)w[k];
		q = bits >= 0 ? (int32_t)((uint32_t)q << bits) : q >> -bits;
		w[k] = (float)q;
	}
	loihi_weight_quantize(w, n, m, num_bits > 8 ? 8 : num_bits < 1 ? 1 : num_bits);
	return w_exp;
}
