/*
 * The NIR -> loihi_lif converter: turns a network loaded from a NIR graph
 * into a plain network of loihi_lif layers and spike_source input ports that
 * snnsim runs on the CPU engine and snn_loihi_compile maps onto a chip, so
 * that both see one and the same network (doc/loihi.md, "NIR graphs"). A
 * projection whose synapses are exactly a convolution's (a Conv, or a pool
 * and a Conv folded) stays a convolution, so that the mapper can share its
 * kernel; its weights are the synapse lists' all the same.
 * Layer: compiler (a lowering pass, which snnsim run --loihi calls from
 * above). Reads the NIR network and its input; never runs
 * anything and never changes the network it is given.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect_int.h"
#include "mem_int.h"
#include "model_loihi.h"
#include "model_nir.h"
#include "nir_int.h"
#include "nir_data_int.h"
#include "snn/nir.h"

/* What a NIR population becomes. */
enum nl_kind {
	NL_INPUT, /* nir_input: an input port */
	NL_RELAY, /* nir_relay: composed away into its neighbours' synapses */
	NL_SPIKE, /* nir_lif, nir_if, nir_cubalif: a loihi_lif layer */
	NL_VALUE, /* nir_li, nir_cubali: loihi_lif with a threshold it cannot reach */
};

#define NL_MAX_RELAY_DEPTH 16

/* The synapses of one chip layer as composed from the NIR projections. */
struct nl_syn {
	uint32_t tgt;	/* index in the layer */
	uint32_t src;	/* global id in the NIR network */
	uint32_t delay; /* chip steps (>= 1) */
	double w;	/* NIR weight (input units of the layer) */
};

struct nl {
	const snn_net *nir;
	const snn_nir_loihi_options *o;
	snn_diag *d;
	const char *file;
	enum nl_kind *kind;
	struct conn *conns;
	bool *prepared;
	struct conn_scratch sc[NL_MAX_RELAY_DEPTH];
	uint32_t **in_proj; /* per population: incoming projection indices */
	uint32_t *n_in;
	double *acc;  /* per NIR global id: summed weight onto the current target */
	int64_t *dly; /* per NIR global id: the path's delay, or -1 */
	uint32_t *touched;
	uint32_t n_touched;
	double cacc; /* constant input of the current target (biases) */
	uint32_t tgt_pop;
	uint32_t *depth; /* per NIR population: steps from the inputs (resets) */
	bool warned_cuba_bias;
	char *text; /* the report's layer lines */
	size_t tlen, tcap;
};

static double pval(const struct value *v, uint32_t i)
{
	return v->kind == VALUE_ARRAY ? v->arr[i < v->n ? i : v->n - 1] : v->a;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int classify(struct nl *L)
{
	const snn_net *n = L->nir;
	for (uint32_t p = 0; p < n->n_pops; p++) {
		const struct population *P = &n->pops[p];
		switch (P->model->id) {
		case MODEL_NIR_INPUT:
			L->kind[p] = NL_INPUT;
			break;
		case MODEL_NIR_RELAY:
			L->kind[p] = NL_RELAY;
			break;
		case MODEL_NIR_LIF:
		case MODEL_NIR_IF:
		case MODEL_NIR_CUBA_LIF:
			L->kind[p] = NL_SPIKE;
			break;
		case MODEL_NIR_LI:
		case MODEL_NIR_CUBA_LI:
			L->kind[p] = NL_VALUE;
			break;
		case MODEL_NIR_I:
			return snn_diag_error(
			    L->d, SNN_EUNSUP, L->file, 0, 0,
			    "population '%s' (nir_i, an integrator without threshold) has no "
			    "loihi_lif equivalent: its voltage grows without bound and would reach "
			    "the chip's threshold",
			    P->name);
		case MODEL_NIR_THRESHOLD:
			return snn_diag_error(
			    L->d, SNN_EUNSUP, L->file, 0, 0,
			    "population '%s' (nir_threshold, a stateless Heaviside step) has no "
			    "loihi_lif equivalent: a Loihi neuron keeps its voltage between steps",
			    P->name);
		default:
			return snn_diag_error(L->d, SNN_EUNSUP, L->file, 0, 0,
					      "population '%s': model %s is not a NIR model the "
					      "Loihi converter maps",
					      P->name, P->model->name);
		}
	}
	return SNN_OK;
}

/* Incoming projections per population, and their connection state. */
static int index_projections(struct nl *L)
{
	const snn_net *n = L->nir;
	L->n_in = mem_array(n->n_pops, sizeof(uint32_t));
	L->in_proj = mem_array(n->n_pops, sizeof(uint32_t *));
	L->conns = mem_array(n->n_projs, sizeof(struct conn));
	L->prepared = mem_array(n->n_projs, sizeof(bool));
	if (!L->n_in || !L->in_proj || !L->conns || !L->prepared) {
		return mem_nomem(L->d);
	}
	for (uint32_t k = 0; k < n->n_projs; k++) {
		const struct projection *pr = &n->projs[k];
		const struct population *a = &n->pops[pr->pre.pop], *b = &n->pops[pr->post.pop];
		if (pr->kind == PROJ_RULE || pr->pre.ids || pr->post.ids || pr->pre.lo ||
		    pr->post.lo || pr->pre.hi != a->size || pr->post.hi != b->size) {
			return snn_diag_error(L->d, SNN_EUNSUP, L->file, 0, 0,
					      "projection %s -> %s: only whole-population explicit "
					      "projections (as the NIR loader makes) convert",
					      a->name, b->name);
		}
		uint32_t *r = mem_resize(L->in_proj[pr->post.pop],
					 (size_t)L->n_in[pr->post.pop] + 1, sizeof(uint32_t));
		if (!r) {
			return mem_nomem(L->d);
		}
		L->in_proj[pr->post.pop] = r;
		r[L->n_in[pr->post.pop]++] = k;
		int rc = conn_prepare(&L->conns[k], n, k, n->sim.seed, L->d);
		if (rc != SNN_OK) {
			return rc;
		}
		L->prepared[k] = true;
	}
	return SNN_OK;
}

/* Adds to L->acc the weights from chip sources (inputs, spiking layers) onto
 * neuron j of population pop, through relays, each path's weight times
 * `scale` and its delay plus `delay`; constant inputs go to L->cacc. */
static int gather(struct nl *L, uint32_t pop, uint32_t j, double scale, uint32_t delay, int depth)
{
	const snn_net *n = L->nir;
	if (depth >= NL_MAX_RELAY_DEPTH) {
		return snn_diag_error(L->d, SNN_EUNSUP, L->file, 0, 0,
				      "population '%s': more than %d linear nodes in a row",
				      n->pops[L->tgt_pop].name, NL_MAX_RELAY_DEPTH);
	}
	struct conn_scratch *sc = &L->sc[depth];
	for (uint32_t q = 0; q < L->n_in[pop]; q++) {
		uint32_t k = L->in_proj[pop][q];
		const struct projection *pr = &n->projs[k];
		if (pr->x->bias) {
			L->cacc += scale * pr->x->bias[j];
		}
		uint64_t m;
		if (conn_sources(&L->conns[k], j, sc, &m) != 0) {
			return mem_nomem(L->d);
		}
		uint32_t sp = pr->pre.pop;
		const struct population *S = &n->pops[sp];
		for (uint64_t e = 0; e < m; e++) {
			uint32_t s = sc->idx[e];
			double w = scale * (double)sc->w[e];
			uint32_t dl = delay + sc->dl[e];
			if (L->kind[sp] == NL_RELAY) {
				int rc = gather(L, sp, s, w, dl, depth + 1);
				if (rc != SNN_OK) {
					return rc;
				}
				/* the recursion used the next scratch; this one is intact */
				continue;
			}
			if (L->kind[sp] == NL_VALUE) {
				return snn_diag_error(
				    L->d, SNN_EUNSUP, L->file, 0, 0,
				    "population '%s' (%s) feeds '%s': a non-spiking layer's value "
				    "cannot travel as a Loihi spike (only outputs may be "
				    "non-spiking)",
				    S->name, S->model->name, n->pops[L->tgt_pop].name);
			}
			uint32_t g = S->first + s;
			uint32_t cd = dl < 1 ? 1 : dl; /* Lava's one-step synaptic pipeline */
			if (L->dly[g] < 0) {
				L->dly[g] = cd;
				L->touched[L->n_touched++] = g;
			} else if (L->dly[g] != cd) {
				return snn_diag_error(
				    L->d, SNN_EUNSUP, L->file, 0, 0,
				    "population '%s', neuron %u: two paths from "
				    "'%s' neuron %u with different delays (%lld and "
				    "%u steps)",
				    n->pops[L->tgt_pop].name, j, S->name, s, (long long)L->dly[g],
				    cd);
			}
			L->acc[g] += w;
		}
	}
	return SNN_OK;
}

/* A growable array of synapses. */
struct nl_vec {
	struct nl_syn *v;
	uint64_t n, cap;
};

static int vec_push(struct nl_vec *a, struct nl_syn s)
{
	if (a->n == a->cap) {
		uint64_t cap = a->cap ? 2 * a->cap : 1024;
		struct nl_syn *v = mem_resize(a->v, cap, sizeof(*v));
		if (!v) {
			return -1;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = s;
	return 0;
}

/* Parameters of one chip layer, per neuron. */
struct nl_layer {
	uint32_t size;
	double *du, *dv, *vth, *bmant, *bexp, *wexp, *v0, *rint, *roff;
	double *cw;   /* factor from a NIR weight to v units */
	double *bias; /* constant input to v per step, v units */
	double *thr;  /* threshold, v units (spiking layers) */
	double *leak; /* 1 - a_m */
	double *ku;   /* 1 - decay of u as the chip applies it */
	struct nl_vec syn;
	double scale; /* chip voltage per unit of v */
	int32_t w_exp;
};

static void layer_free(struct nl_layer *Y)
{
	double **a[] = {&Y->du,	  &Y->dv,   &Y->vth, &Y->bmant, &Y->bexp, &Y->wexp, &Y->v0,
			&Y->rint, &Y->roff, &Y->cw,  &Y->bias,	&Y->thr,  &Y->leak, &Y->ku};
	for (size_t k = 0; k < sizeof(a) / sizeof(a[0]); k++) {
		mem_free(*a[k]);
		*a[k] = NULL;
	}
	mem_free(Y->syn.v);
	Y->syn.v = NULL;
}

static int layer_alloc(struct nl_layer *Y, uint32_t size)
{
	memset(Y, 0, sizeof(*Y));
	Y->size = size;
	double **a[] = {&Y->du,	  &Y->dv,   &Y->vth, &Y->bmant, &Y->bexp, &Y->wexp, &Y->v0,
			&Y->rint, &Y->roff, &Y->cw,  &Y->bias,	&Y->thr,  &Y->leak, &Y->ku};
	for (size_t k = 0; k < sizeof(a) / sizeof(a[0]); k++) {
		*a[k] = mem_array(size, sizeof(double));
		if (!*a[k]) {
			layer_free(Y);
			return -1;
		}
	}
	return 0;
}

/* A decay constant on the 4096 scale for a state that loses the fraction x
 * per step, minus the chip's offset (0 for v, 1 for u), in [0, 4095]. Rounded
 * to nearest: Lava's own NIR path truncates (dv 163 for the paper's LIF), which
 * leaks 0.5 % too little and, at the fine voltage scale chosen here, fires
 * the paper's LIF 10 steps early; rounded (164), it fires where the float
 * graph and Lava on Loihi 2 do (tests/check_loihi_hw.c). */
static double decay_4096(double x, int offset)
{
	double q = nearbyint(4096.0 * x) - offset;
	return q < 0 ? 0 : q > 4095 ? 4095 : q;
}

/* The weights of a layer as chip mantissas with one exponent (the chip applies
 * w_exp per neuron to the summed input, so all projections onto a layer share
 * it): W = scale * cw * w / 64 in activation units, put on the grid the
 * quantization keeps (so that its truncation rounds to nearest), then
 * loihi_weight_optimize, the netx code. out gets the mantissas. */
static int32_t quantize(const struct nl_layer *Y, double scale, float *out)
{
	uint64_t n = Y->syn.n;
	double mx = 0;
	for (uint64_t k = 0; k < n; k++) {
		const struct nl_syn *s = &Y->syn.v[k];
		double W = fabs(scale * Y->cw[s->tgt] * s->w / 64.0);
		mx = W > mx ? W : mx;
	}
	if (!(mx > 0)) {
		for (uint64_t k = 0; k < n; k++) {
			out[k] = 0;
		}
		return 0;
	}
	/* integers up to about 2^20: exact in float, far finer than 8 bits */
	int k2 = 20 - (int)ceil(log2(mx));
	for (uint64_t k = 0; k < n; k++) {
		const struct nl_syn *s = &Y->syn.v[k];
		out[k] = (float)nearbyint(ldexp(scale * Y->cw[s->tgt] * s->w / 64.0, k2));
	}
	float *tmp = mem_array_raw(n, sizeof(float));
	if (tmp) {
		memcpy(tmp, out, n * sizeof(float));
		int32_t e1 = loihi_weight_optimize(tmp, n);
		int drop = loihi_sign_mode(out, n) == LOIHI_SIGN_MIXED;
		double grid = ldexp(1.0, e1 + drop);
		if (grid > 1) {
			for (uint64_t k = 0; k < n; k++) {
				out[k] = (float)(nearbyint(out[k] / grid) * grid);
			}
		}
		mem_free(tmp);
	}
	/* without the scratch copy the truncation rounds down: still valid */
	return loihi_weight_optimize(out, n) - k2;
}

static int nl_fail_layer(struct nl *L, const struct population *P, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int nl_fail_layer(struct nl *L, const struct population *P, const char *fmt, ...)
{
	char msg[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return snn_diag_error(L->d, SNN_ERANGE, L->file, 0, 0, "population '%s' (%s): %s", P->name,
			      P->model->name, msg);
}

/* The neurons of chip layer p: their constants, the synapses onto each (by
 * increasing source) and their biases, in Y. */
static int layer_neurons(struct nl *L, uint32_t p, struct nl_layer *Y)
{
	const snn_net *n = L->nir;
	const struct population *P = &n->pops[p];
	bool spiking = L->kind[p] == NL_SPIKE;
	bool cuba = P->model->id == MODEL_NIR_CUBA_LIF || P->model->id == MODEL_NIR_CUBA_LI;
	bool vreset_warned = false;
	L->tgt_pop = p;
	for (uint32_t j = 0; j < P->size; j++) {
		double vals[NIR_N_PARAMS];
		for (int k = 0; k < NIR_N_PARAMS; k++) {
			vals[k] = pval(&P->params[k], j);
		}
		struct nir_prop C;
		nir_constants(&C, P->model->id, vals, &n->nir_conv, n->sim.dt_ms);
		Y->dv[j] = decay_4096(1.0 - C.a_m, LOIHI_DV_OFFSET);
		Y->leak[j] = Y->dv[j] / 4096.0;
		Y->du[j] = cuba ? decay_4096(1.0 - C.a_s, LOIHI_DU_OFFSET) : 4095;
		Y->ku[j] = (Y->du[j] + LOIHI_DU_OFFSET) / 4096.0;
		Y->cw[j] = cuba ? C.gr * C.gw : C.gr;
		Y->thr[j] = C.v_th;
		Y->v0[j] = C.v0;
		if (spiking && !(C.v_th > 0)) {
			return nl_fail_layer(L, P,
					     "neuron %u: v_threshold %g; Loihi's threshold must be "
					     "positive (the voltage resets to 0)",
					     j, C.v_th);
		}
		if (spiking && C.v_reset != 0 && !vreset_warned) {
			snn_diag_add(L->d, SNN_SEV_WARNING, 0, L->file, 0, 0,
				     "population '%s': v_reset %g (neuron %u); Loihi resets the "
				     "voltage to 0, so the converted layer resets to 0",
				     P->name, C.v_reset, j);
			vreset_warned = true;
		}
		/* the synapses onto j, by increasing source */
		L->cacc = 0;
		L->n_touched = 0;
		int rc = gather(L, p, j, 1.0, 0, 0);
		if (rc != SNN_OK) {
			return rc;
		}
		qsort(L->touched, L->n_touched, sizeof(uint32_t), cmp_u32);
		for (uint32_t t = 0; t < L->n_touched; t++) {
			uint32_t g = L->touched[t];
			if (L->acc[g] != 0 &&
			    vec_push(&Y->syn,
				     (struct nl_syn){j, g, (uint32_t)L->dly[g], L->acc[g]})) {
				return mem_nomem(L->d);
			}
			L->acc[g] = 0;
			L->dly[g] = -1;
		}
		/* a bias into the current reaches the voltage through it; Loihi adds
		 * biases to the voltage: the current's steady state, gw b / (1 - a_s) */
		double cb = C.gr;
		if (cuba && L->cacc != 0) {
			cb = C.a_s < 1 ? C.gr * C.gw / (1.0 - C.a_s) : 0;
			if (!L->warned_cuba_bias) {
				snn_diag_add(
				    L->d, SNN_SEV_WARNING, 0, L->file, 0, 0,
				    "population '%s': the bias of a current-based layer "
				    "enters the current in NIR but the voltage on Loihi; it "
				    "is converted at its steady state (exact once the "
				    "current has settled, a few tau_syn)",
				    P->name);
				L->warned_cuba_bias = true;
			}
		}
		Y->bias[j] = cb * L->cacc + C.c_m;
	}
	return SNN_OK;
}

/* The layer's depth from the inputs along forward synapses: the step of the
 * sample at which its reset falls (as lava-dl resets layer i at step i). */
static uint32_t layer_depth(struct nl *L, uint32_t p, const struct nl_layer *Y)
{
	const snn_net *n = L->nir;
	uint32_t depth = 0;
	for (uint64_t k = 0; k < Y->syn.n; k++) {
		uint32_t g = Y->syn.v[k].src, sp = 0;
		while (sp + 1 < n->n_pops && n->pops[sp + 1].first <= g) {
			sp++;
		}
		if (sp < p && L->depth[sp] + Y->syn.v[k].delay > depth) {
			depth = L->depth[sp] + Y->syn.v[k].delay;
		}
	}
	L->depth[p] = depth;
	return depth;
}

/* The scale of chip layer P (chip units per unit of v) in *scale. */
static int layer_scale(struct nl *L, const struct population *P, bool spiking, bool cuba,
		       const struct nl_layer *Y, double *scale)
{
	/* The scale: as large as keeps (a) the threshold at most 2^15 (a 4x
	 * headroom under the 24-bit voltage), (b) the summed input of a step, all
	 * sources firing, at half the current's wrap, (c) biases representable,
	 * (d) non-spiking layers' voltage under 2^22, far from the threshold
	 * they must never reach. */
	double S = INFINITY, vmax = 0;
	double *sum = mem_array(P->size, sizeof(double));
	if (!sum) {
		return mem_nomem(L->d);
	}
	for (uint64_t k = 0; k < Y->syn.n; k++) {
		const struct nl_syn *s = &Y->syn.v[k];
		sum[s->tgt] += fabs(Y->cw[s->tgt] * s->w);
	}
	for (uint32_t j = 0; j < P->size; j++) {
		if (spiking) {
			S = fmin(S, 32768.0 * 64.0 / Y->thr[j]);
		}
		if (sum[j] > 0) {
			S = fmin(S, 65536.0 * 64.0 * Y->ku[j] / sum[j]);
		}
		if (Y->bias[j] != 0) {
			S = fmin(S, 4095.0 * 128.0 / fabs(Y->bias[j]));
		}
		if (!spiking) {
			if (!(Y->leak[j] > 0)) {
				mem_free(sum);
				return nl_fail_layer(
				    L, P,
				    "neuron %u: a non-spiking layer without leak has "
				    "no bound that keeps it under the chip's threshold",
				    j);
			}
			double b =
			    (sum[j] / (cuba ? Y->ku[j] : 1.0) + fabs(Y->bias[j])) / Y->leak[j];
			b = fmax(b, fabs(Y->v0[j]));
			vmax = fmax(vmax, b);
		}
		if (Y->v0[j] != 0) {
			S = fmin(S, 4194304.0 / fabs(Y->v0[j]));
		}
	}
	mem_free(sum);
	if (vmax > 0) {
		S = fmin(S, 4194304.0 / vmax);
	}
	if (!isfinite(S)) {
		S = 64.0;
	}
	/* Down to the scale at which the largest weight is exactly a full
	 * mantissa times a power of two: the 8-bit weights then carry no error on
	 * the largest one, and the rounding goes to the 17-bit threshold. Mixed
	 * signs leave 7 bits and the sign (127, or 128 for a negative largest). */
	double m = 0, mpos = 0, mneg = 0;
	for (uint64_t k = 0; k < Y->syn.n; k++) {
		const struct nl_syn *s = &Y->syn.v[k];
		double e = Y->cw[s->tgt] * s->w;
		mpos = fmax(mpos, e);
		mneg = fmax(mneg, -e);
	}
	m = fmax(mpos, mneg);
	if (m > 0) {
		double M = mpos > 0 && mneg > 0 ? (mpos >= mneg ? 127.0 : 128.0) : 255.0;
		double e = floor(log2(S * m / (64.0 * M)));
		S = 64.0 * ldexp(M, (int)e) / m;
	}
	*scale = S;
	return SNN_OK;
}

/* The chip integers of the layer's neurons at scale S and weight exponent
 * wexp: thresholds, biases, initial voltages, reset steps. */
static int layer_integers(struct nl *L, const struct population *P, bool spiking,
			  uint32_t sample_steps, uint32_t depth, double S, int32_t wexp,
			  struct nl_layer *Y)
{
	Y->scale = S;
	Y->w_exp = wexp;
	for (uint32_t j = 0; j < P->size; j++) {
		Y->wexp[j] = wexp;
		if (spiking) {
			Y->vth[j] = nearbyint(S * Y->thr[j] / 64.0);
			if (Y->vth[j] < 1 || Y->vth[j] > 131071) {
				return nl_fail_layer(L, P,
						     "neuron %u: the threshold becomes %g on the "
						     "chip, outside 1..131071",
						     j, Y->vth[j]);
			}
		} else {
			Y->vth[j] = 131071; /* never reached: the chip reads the voltage */
		}
		double B = nearbyint(S * Y->bias[j]);
		int e = 0;
		while (e < 7 && fabs(nearbyint(B / ldexp(1.0, e))) > 4095) {
			e++;
		}
		Y->bexp[j] = e;
		Y->bmant[j] = nearbyint(B / ldexp(1.0, e));
		if (Y->bmant[j] > 4095 || Y->bmant[j] < -4096) {
			return nl_fail_layer(
			    L, P, "neuron %u: the bias %g is out of the chip's range", j, B);
		}
		Y->v0[j] = nearbyint(S * Y->v0[j]);
		Y->rint[j] = sample_steps;
		Y->roff[j] = sample_steps ? depth % sample_steps : 0;
	}
	return SNN_OK;
}

/* Composes the synapses of chip layer p and chooses its integers. */
static int convert_layer(struct nl *L, uint32_t p, uint32_t sample_steps, struct nl_layer *Y,
			 float **mant_out)
{
	const snn_net *n = L->nir;
	const struct population *P = &n->pops[p];
	bool spiking = L->kind[p] == NL_SPIKE;
	bool cuba = P->model->id == MODEL_NIR_CUBA_LIF || P->model->id == MODEL_NIR_CUBA_LI;
	if (layer_alloc(Y, P->size) != 0) {
		return mem_nomem(L->d);
	}
	int rc = layer_neurons(L, p, Y);
	if (rc != SNN_OK) {
		return rc;
	}
	uint32_t depth = layer_depth(L, p, Y);
	double S = 0;
	if ((rc = layer_scale(L, P, spiking, cuba, Y, &S)) != SNN_OK) {
		return rc;
	}
	float *mant = mem_array_raw(Y->syn.n, sizeof(float));
	if (!mant) {
		return mem_nomem(L->d);
	}
	int32_t wexp = quantize(Y, S, mant);
	if (wexp > 7) {
		/* weights too large for the exponent: a smaller scale */
		S = ldexp(S, 7 - wexp);
		wexp = quantize(Y, S, mant);
	}
	if (wexp < -8 || wexp > 7) {
		mem_free(mant);
		return nl_fail_layer(L, P,
				     "the weights cannot be represented: they need a weight "
				     "exponent of %d, outside the chip's -8..7 (the largest weight "
				     "is too %s for the layer's threshold and summed input)",
				     wexp, wexp < -8 ? "small" : "large");
	}
	if ((rc = layer_integers(L, P, spiking, sample_steps, depth, S, wexp, Y)) != SNN_OK) {
		mem_free(mant);
		return rc;
	}
	*mant_out = mant;
	return SNN_OK;
}

static void fmt_range(char *buf, size_t n, double lo, double hi)
{
	if (lo == hi) {
		snprintf(buf, n, "%g", lo);
	} else {
		snprintf(buf, n, "%g..%g", lo, hi);
	}
}

/* A parameter value: a constant when every neuron has the same, else an array
 * (owned by the value). */
static int set_values(struct value *v, const double *x, uint32_t n, struct origin w)
{
	memset(v, 0, sizeof(*v));
	v->kind = VALUE_CONST;
	v->a = n ? x[0] : 0;
	v->lo = -INFINITY;
	v->hi = INFINITY;
	v->where = w;
	bool same = true;
	for (uint32_t i = 1; i < n && same; i++) {
		same = x[i] == x[0];
	}
	if (same) {
		return 0;
	}
	v->kind = VALUE_ARRAY;
	v->n = n;
	v->arr = mem_array_raw(n, sizeof(double));
	if (!v->arr) {
		return -1;
	}
	memcpy(v->arr, x, n * sizeof(double));
	return 0;
}

/* The name of a converted population: the NIR population's, with the '/'
 * of nested graphs as '.' (a spike file's groups are named after the
 * populations, and '/' would nest them). */
static char *pop_name(const char *nir_name)
{
	char *s = mem_strdup(nir_name);
	for (char *c = s; c && *c; c++) {
		*c = *c == '/' ? '.' : *c;
	}
	return s;
}

/* The loihi_lif population of a converted layer. */
static int add_chip_pop(struct nl *L, snn_net *out, const struct population *P,
			const struct nl_layer *Y)
{
	struct population *q = net_add_population(out);
	if (!q) {
		return mem_nomem(L->d);
	}
	q->name = pop_name(P->name);
	q->model = model_get(MODEL_LOIHI_LIF);
	q->size = P->size;
	q->where = (struct origin){net_intern_file(out, L->file), 0, 0};
	q->params = mem_array(LOIHI_N_PARAMS, sizeof(struct value));
	q->init = mem_array(LOIHI_N_STATE, sizeof(struct value));
	if (!q->name || !q->params || !q->init) {
		return mem_nomem(L->d);
	}
	const double *vals[LOIHI_N_PARAMS] = {
	    [LOIHI_DU] = Y->du,
	    [LOIHI_DV] = Y->dv,
	    [LOIHI_VTH] = Y->vth,
	    [LOIHI_BIAS_MANT] = Y->bmant,
	    [LOIHI_BIAS_EXP] = Y->bexp,
	    [LOIHI_W_EXP] = Y->wexp,
	    [LOIHI_REFRACTORY] = NULL,
	    [LOIHI_RESET_INTERVAL] = Y->rint,
	    [LOIHI_RESET_OFFSET] = Y->roff,
	};
	static const double zero = 0;
	for (int k = 0; k < LOIHI_N_PARAMS; k++) {
		if (set_values(&q->params[k], vals[k] ? vals[k] : &zero, vals[k] ? P->size : 1,
			       q->where) != 0) {
			return mem_nomem(L->d);
		}
	}
	if (set_values(&q->init[LOIHI_S_V], Y->v0, P->size, q->where) != 0 ||
	    set_values(&q->init[LOIHI_S_U], &zero, 1, q->where) != 0) {
		return mem_nomem(L->d);
	}
	return SNN_OK;
}

/* The input port of Input population p: a spike_source with the spikes of
 * the input tensor (every sample one after the other), or none. */
static int add_input_pop(struct nl *L, snn_net *out, uint32_t p, const snn_nir_data *in)
{
	const snn_net *n = L->nir;
	const struct population *P = &n->pops[p];
	struct population *q = net_add_population(out);
	if (!q) {
		return mem_nomem(L->d);
	}
	q->name = pop_name(P->name);
	q->model = model_get(MODEL_SPIKE_SOURCE);
	q->size = P->size;
	q->where = (struct origin){net_intern_file(out, L->file), 0, 0};
	q->train_off = mem_array((size_t)P->size + 1, sizeof(uint64_t));
	if (!q->name || !q->train_off) {
		return mem_nomem(L->d);
	}
	const double *x = NULL;
	uint32_t samples = 0, steps = 0;
	for (uint32_t k = 0; in && k < n->nir->n_inputs; k++) {
		if (n->nir->inputs[k].pop == p && k < in->n_inputs) {
			x = in->v[k];
			samples = in->samples;
			steps = in->steps;
		}
	}
	uint64_t total = (uint64_t)samples * steps;
	uint64_t cnt = 0;
	const char *fname = L->o && L->o->input_path ? L->o->input_path : "the input";
	for (uint64_t t = 0; x && t < total; t++) {
		for (uint32_t i = 0; i < P->size; i++) {
			double v = x[t * P->size + i];
			if (v == 1.0) {
				q->train_off[i + 1]++;
				cnt++;
			} else if (v != 0.0) {
				return snn_diag_error(
				    L->d, SNN_EINVAL, fname, 0, 0,
				    "input '%s', sample %llu, step %llu, element %u: value %g is "
				    "not a "
				    "spike; Loihi's input ports take binary spikes (0 or 1)",
				    P->name, (unsigned long long)(t / steps),
				    (unsigned long long)(t % steps), i, v);
			}
		}
	}
	q->train_ms = mem_array_raw(cnt, sizeof(double));
	uint64_t *pos = mem_array_raw((size_t)P->size + 1, sizeof(uint64_t));
	if (!q->train_ms || !pos) {
		mem_free(pos);
		return mem_nomem(L->d);
	}
	for (uint32_t i = 0; i < P->size; i++) {
		q->train_off[i + 1] += q->train_off[i];
		pos[i] = q->train_off[i];
	}
	/* step t is emitted in step t: stamped (t + 1) dt, as snnsim stamps spikes */
	for (uint64_t t = 0; x && t < total; t++) {
		for (uint32_t i = 0; i < P->size; i++) {
			if (x[t * P->size + i] == 1.0) {
				q->train_ms[pos[i]++] = (double)(t + 1) * n->sim.dt_ms;
			}
		}
	}
	mem_free(pos);
	return SNN_OK;
}

/* A note of the per-layer output (appended, truncated when full). */
static void note(char *buf, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void note(char *buf, size_t n, const char *fmt, ...)
{
	size_t len = strlen(buf);
	if (len + 1 >= n) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, n - len, fmt, ap);
	va_end(ap);
}

/* Whether population a (a relay) is reached from population sp through relays. */
static bool reaches(const struct nl *L, uint32_t a, uint32_t sp, int depth)
{
	if (a == sp) {
		return true;
	}
	if (L->kind[a] != NL_RELAY || depth >= NL_MAX_RELAY_DEPTH) {
		return false;
	}
	for (uint32_t q = 0; q < L->n_in[a]; q++) {
		if (reaches(L, L->nir->projs[L->in_proj[a][q]].pre.pop, sp, depth + 1)) {
			return true;
		}
	}
	return false;
}

/* The geometry of the convolution that would carry the synapses from chip
 * source sp onto layer p: a Conv straight from sp, or a pool of sp into a
 * Conv folded into one convolution (a pool of kernel k, stride k, padding q
 * then a conv of kernel K, stride s, padding P, dilation 1 is a conv of
 * kernel K k, stride s k, padding P k + q over the pool's input, weight
 * w[ky / k][kx / k], or w / (k k) for an average pool; exact where the pool
 * covers its input, which conv_kernel checks tap by tap). Returns 1 with
 * *cv set (no kernel) and *how naming the form; 0 with why[] set when there
 * is a convolution that cannot be kept, 0 with why[] empty when there is
 * none. */
static int conv_geometry(const struct nl *L, uint32_t p, uint32_t sp, struct proj_conv *cv,
			 const char **how, char *why, size_t nwhy)
{
	const snn_net *n = L->nir;
	const struct proj_conv *c0 = NULL;
	const struct proj_pool *pl = NULL;
	uint32_t paths = 0;
	why[0] = '\0';
	for (uint32_t q = 0; q < L->n_in[p]; q++) {
		const struct projection *pr = &n->projs[L->in_proj[p][q]];
		uint32_t a = pr->pre.pop;
		if (a == sp) {
			paths++;
			if (pr->x->kind == PROJ_CONV) {
				c0 = &pr->x->conv;
				pl = NULL;
			}
		} else if (L->kind[a] == NL_RELAY && reaches(L, a, sp, 0)) {
			paths++;
			const struct projection *pp =
			    L->n_in[a] == 1 ? &n->projs[L->in_proj[a][0]] : NULL;
			if (pr->x->kind == PROJ_CONV && pp && pp->pre.pop == sp &&
			    pp->x->kind == PROJ_POOL && !pp->x->bias && !pp->x->pre_delay) {
				c0 = &pr->x->conv;
				pl = &pp->x->pool;
			} else if (pr->x->kind == PROJ_CONV) {
				snprintf(why, nwhy,
					 "its convolution's input is not one pool of it");
				c0 = NULL;
			}
		}
	}
	if (!c0 || paths != 1) {
		if (c0) {
			snprintf(why, nwhy, "%u paths from it (one convolution cannot carry them)",
				 paths);
		}
		return 0;
	}
	*cv = *c0;
	cv->kernel = NULL;
	*how = "convolution";
	if (!pl) {
		return 1;
	}
	*how = pl->avg ? "average pool folded into the convolution"
		       : "sum pool folded into the convolution";
	if (pl->kh != pl->stride_h || pl->kw != pl->stride_w) {
		snprintf(why, nwhy,
			 "its pool (kernel %ux%u, stride %ux%u) does not tile its input, so pool "
			 "and convolution are not one convolution",
			 pl->kh, pl->kw, pl->stride_h, pl->stride_w);
		return 0;
	}
	if ((c0->dil_h != 1 && pl->kh != 1) || (c0->dil_w != 1 && pl->kw != 1)) {
		snprintf(why, nwhy, "a dilated convolution after a pool is not one convolution");
		return 0;
	}
	if (pl->c != c0->cin || pl->out_h != c0->in_h || pl->out_w != c0->in_w) {
		snprintf(why, nwhy, "the pool's output is not the convolution's input");
		return 0;
	}
	cv->in_h = pl->in_h;
	cv->in_w = pl->in_w;
	cv->kh = c0->kh * pl->kh;
	cv->kw = c0->kw * pl->kw;
	cv->stride_h = c0->stride_h * pl->kh;
	cv->stride_w = c0->stride_w * pl->kw;
	cv->pad_h = c0->pad_h * pl->kh + pl->pad_h;
	cv->pad_w = c0->pad_w * pl->kw + pl->pad_w;
	cv->dil_h = pl->kh == 1 ? c0->dil_h : 1;
	cv->dil_w = pl->kw == 1 ? c0->dil_w : 1;
	return 1;
}

/* The kernel of geometry cv that gives exactly the layer's synapses from
 * population S (mantissas mant): every synapse of a non-zero weight is a
 * tap whose kernel entry is its weight, every tap of a non-zero entry is a
 * synapse, and all have one delay. Returns 1 with cv->kernel (owned) and
 * *delay set, 0 with why[] set, or -1 out of memory. */
static int conv_kernel(const struct nl_layer *Y, const float *mant, const struct population *S,
		       struct proj_conv *cv, uint32_t *delay, char *why, size_t nwhy)
{
	uint64_t nw = (uint64_t)cv->cout * (cv->cin / cv->groups) * cv->kh * cv->kw;
	uint64_t mt = conv_max_taps_of_output(cv);
	float *kern = mem_array(nw, sizeof(float));
	uint8_t *state = mem_array(nw, 1); /* bit 0: set by a synapse; 1: must be 0 */
	uint32_t *in = mem_array_raw(mt, sizeof(uint32_t));
	uint32_t *tap = mem_array_raw(mt, sizeof(uint32_t));
	int res = 1;
	bool have_delay = false;
	if (!kern || !state || !in || !tap) {
		res = -1;
		goto out;
	}
	if ((uint64_t)cv->cin * cv->in_h * cv->in_w != S->size ||
	    (uint64_t)cv->cout * cv->out_h * cv->out_w != Y->size) {
		snprintf(why, nwhy, "the geometry does not match the populations' sizes");
		res = 0;
		goto out;
	}
	uint64_t k = 0;
	for (uint32_t j = 0; j < Y->size && res == 1; j++) {
		uint32_t nt = conv_taps_of_output(cv, j, in, tap), r = 0;
		for (; k < Y->syn.n && Y->syn.v[k].tgt == j; k++) {
			const struct nl_syn *s = &Y->syn.v[k];
			if (s->src < S->first || s->src >= S->first + S->size) {
				continue;
			}
			uint32_t i = s->src - S->first;
			for (; r < nt && in[r] < i; r++) {
				state[tap[r]] |= 2;
			}
			float w = mant[k];
			if (w != 0.0f) {
				if (have_delay && s->delay != *delay) {
					snprintf(why, nwhy, "its synapses have different delays");
					res = 0;
					break;
				}
				*delay = s->delay;
				have_delay = true;
			}
			if (r == nt || in[r] != i) {
				if (w != 0.0f) {
					snprintf(why, nwhy, "synapse %u -> %u is not a tap", i, j);
					res = 0;
					break;
				}
				continue;
			}
			if ((state[tap[r]] & 1) && kern[tap[r]] != w) {
				snprintf(why, nwhy,
					 "one kernel entry would take two weights (%g and %g): "
					 "the weights differ between positions",
					 kern[tap[r]], w);
				res = 0;
				break;
			}
			kern[tap[r]] = w;
			state[tap[r]] |= 1;
			r++;
		}
		for (; r < nt; r++) {
			state[tap[r]] |= 2;
		}
	}
	for (uint64_t t = 0; t < nw && res == 1; t++) {
		if ((state[t] & 2) && kern[t] != 0.0f) {
			snprintf(why, nwhy,
				 "the kernel has taps the composed synapses lack (kernel entry "
				 "%llu); a pool leaves part of its input uncovered",
				 (unsigned long long)t);
			res = 0;
		}
	}
	if (res == 1 && !have_delay) {
		snprintf(why, nwhy, "every weight is zero");
		res = 0;
	}
out:
	if (res == 1) {
		cv->kernel = kern;
		kern = NULL;
	}
	mem_free(kern);
	mem_free(state);
	mem_free(in);
	mem_free(tap);
	return res;
}

/* The projections onto chip layer `post` (index in out) from its composed
 * synapses: one per source population, a convolution where its synapses are
 * exactly one (a Conv, or a pool and a Conv folded) and o->no_conv is not
 * set, else a synapse list. Notes what became what in notes[]. */
static int add_projections(struct nl *L, snn_net *out, const uint32_t *newidx, uint32_t p,
			   const struct nl_layer *Y, const float *mant, char *notes, size_t nnotes)
{
	uint32_t post = newidx[p];
	const snn_net *n = L->nir;
	for (uint32_t sp = 0; sp < n->n_pops; sp++) {
		const struct population *S = &n->pops[sp];
		uint64_t cnt = 0;
		uint32_t dmin = UINT32_MAX, dmax = 0;
		for (uint64_t k = 0; k < Y->syn.n; k++) {
			uint32_t g = Y->syn.v[k].src;
			if (g >= S->first && g < S->first + S->size) {
				cnt++;
				dmin = Y->syn.v[k].delay < dmin ? Y->syn.v[k].delay : dmin;
				dmax = Y->syn.v[k].delay > dmax ? Y->syn.v[k].delay : dmax;
			}
		}
		if (!cnt) {
			continue;
		}
		struct proj_conv cv;
		const char *how = NULL;
		char why[200] = "";
		uint32_t cdelay = 0;
		int conv = L->o && L->o->no_conv
			       ? 0
			       : conv_geometry(L, p, sp, &cv, &how, why, sizeof(why));
		if (conv == 1) {
			conv = conv_kernel(Y, mant, S, &cv, &cdelay, why, sizeof(why));
			if (conv < 0) {
				return mem_nomem(L->d);
			}
		}
		struct proj_explicit *x = mem_zalloc(sizeof(*x));
		struct projection *pr = x ? net_add_projection(out) : NULL;
		if (!pr) {
			mem_free(x);
			if (conv == 1) {
				mem_free(cv.kernel);
			}
			return mem_nomem(L->d);
		}
		pr->pre = (struct target_set){newidx[sp], 0, S->size, NULL, 0};
		pr->post = (struct target_set){post, 0, Y->size, NULL, 0};
		pr->where = out->pops[post].where;
		pr->weight.kind = VALUE_CONST;
		pr->weight.a = 1.0;
		pr->delay.kind = VALUE_CONST;
		pr->x = x;
		x->n_pre = S->size;
		x->n_post = Y->size;
		if (conv == 1) {
			/* the same synapses, kept as the kernel they share */
			pr->kind = PROJ_CONV;
			x->kind = PROJ_CONV;
			x->conv = cv;
			x->delay_steps = cdelay;
			pr->delay.a = cdelay * n->sim.dt_ms;
			uint64_t nw = (uint64_t)cv.cout * (cv.cin / cv.groups) * cv.kh * cv.kw;
			x->bytes = nw * sizeof(float);
			x->n_syn = proj_count_synapses(x);
			if (x->n_syn == UINT64_MAX) {
				return mem_nomem(L->d);
			}
			note(notes, nnotes,
			     "    from %-8s %s %ux%ux%ux%u (in %ux%ux%u, stride %ux%u, padding "
			     "%ux%u, dilation %ux%u, groups %u), %llu synapses\n",
			     S->name, how, cv.cout, cv.cin / cv.groups, cv.kh, cv.kw, cv.cin,
			     cv.in_h, cv.in_w, cv.stride_h, cv.stride_w, cv.pad_h, cv.pad_w,
			     cv.dil_h, cv.dil_w, cv.groups, (unsigned long long)x->n_syn);
			continue;
		}
		if (why[0]) {
			note(notes, nnotes, "    from %-8s synapse list, not a convolution: %s\n",
			     S->name, why);
		} else {
			note(notes, nnotes, "    from %-8s synapse list%s\n", S->name,
			     L->o && L->o->no_conv ? " (convolutions not kept)" : "");
		}
		pr->kind = PROJ_SPARSE;
		pr->delay.a = dmin * n->sim.dt_ms;
		x->kind = PROJ_SPARSE;
		x->delay_steps = dmin;
		x->row = mem_array((size_t)Y->size + 1, sizeof(uint64_t));
		x->col = mem_array_raw(cnt, sizeof(uint32_t));
		x->val = mem_array_raw(cnt, sizeof(float));
		if (dmax != dmin) {
			x->pre_delay = mem_array(S->size, sizeof(uint32_t));
		}
		if (!x->row || !x->col || !x->val || (dmax != dmin && !x->pre_delay)) {
			return mem_nomem(L->d);
		}
		uint64_t e = 0;
		for (uint64_t k = 0; k < Y->syn.n; k++) {
			const struct nl_syn *s = &Y->syn.v[k];
			if (s->src < S->first || s->src >= S->first + S->size) {
				continue;
			}
			uint32_t i = s->src - S->first;
			if (x->pre_delay) {
				if (x->pre_delay[i] && x->pre_delay[i] != s->delay - dmin) {
					return snn_diag_error(
					    L->d, SNN_EUNSUP, L->file, 0, 0,
					    "population '%s' -> '%s': delays that depend on the "
					    "target "
					    "as well as the source cannot be converted",
					    S->name, out->pops[post].name);
				}
				x->pre_delay[i] = s->delay - dmin;
			}
			x->row[s->tgt + 1]++;
			x->col[e] = i;
			x->val[e] = mant[k];
			e++;
		}
		for (uint32_t j = 0; j < Y->size; j++) {
			x->row[j + 1] += x->row[j];
		}
		x->bytes = cnt * (sizeof(uint32_t) + sizeof(float)) +
			   ((size_t)Y->size + 1) * sizeof(uint64_t);
		x->n_syn = cnt;
	}
	return SNN_OK;
}

void snn_nir_loihi_options_init(snn_nir_loihi_options *o)
{
	memset(o, 0, sizeof(*o));
}

/* The warnings about NIR conventions that the chip cannot follow. */
static void warn_conventions(struct nl *L)
{
	const struct nir_conv *cv = &L->nir->nir_conv;
	if (cv->reset == SNN_NIR_RESET_SUBTRACT) {
		snn_diag_add(
		    L->d, SNN_SEV_WARNING, 0, L->file, 0, 0,
		    "--reset subtract: Loihi resets the voltage to 0 after a spike, so the "
		    "converted network resets to 0 (not exact for this convention)");
	}
	if (cv->spikes == SNN_NIR_SPIKES_MULTIPLE) {
		snn_diag_add(L->d, SNN_SEV_WARNING, 0, L->file, 0, 0,
			     "--spikes-per-step multiple: a Loihi neuron emits at most one spike "
			     "per step, so the converted network does (not exact for this "
			     "convention)");
	}
}

/* Appends the report line of converted layer p (and its notes) to L->text. */
static int report_layer(struct nl *L, uint32_t p, const struct nl_layer *Y, const char *notes)
{
	const snn_net *nir = L->nir;
	int rc = SNN_OK;
	char line[2600], dvs[48], vths[48];
	double dvmin = 4096, dvmax = -1, vmin = 1e9, vmax = -1;
	for (uint32_t j = 0; j < Y->size; j++) {
		dvmin = fmin(dvmin, Y->dv[j]);
		dvmax = fmax(dvmax, Y->dv[j]);
		vmin = fmin(vmin, Y->vth[j]);
		vmax = fmax(vmax, Y->vth[j]);
	}
	fmt_range(dvs, sizeof(dvs), dvmin, dvmax);
	fmt_range(vths, sizeof(vths), vmin, vmax);
	int len = snprintf(line, sizeof(line),
			   "  %-12s %6u %-12s du %g, dv %s, vth %s%s, w_exp %d, scale %.6g "
			   "per unit of v, %llu synapses\n%s",
			   nir->pops[p].name, Y->size, nir->pops[p].model->name, Y->du[0], dvs,
			   vths, L->kind[p] == NL_VALUE ? " (never reached)" : "", Y->w_exp,
			   Y->scale, (unsigned long long)Y->syn.n, notes);
	len = len < (int)sizeof(line) ? len : (int)sizeof(line) - 1;
	if (L->tlen + (size_t)len + 1 > L->tcap) {
		size_t cap = L->tcap ? 2 * L->tcap + (size_t)len : 4096;
		char *t = mem_resize(L->text, cap, 1);
		if (!t) {
			rc = mem_nomem(L->d);
		} else {
			L->text = t;
			L->tcap = cap;
		}
	}
	if (rc == SNN_OK) {
		memcpy(L->text + L->tlen, line, (size_t)len + 1);
		L->tlen += (size_t)len;
	}
	return rc;
}

/* Converts chip layer p into population newidx[p] of net, with its
 * projections, and reports it. */
static int add_chip_layer(struct nl *L, snn_net *net, uint32_t *newidx, uint32_t p,
			  uint32_t sample_steps)
{
	struct nl_layer Y;
	memset(&Y, 0, sizeof(Y));
	float *mant = NULL;
	char notes[2048];
	int rc = convert_layer(L, p, sample_steps, &Y, &mant);
	if (rc == SNN_OK) {
		newidx[p] = net->n_pops;
		rc = add_chip_pop(L, net, &L->nir->pops[p], &Y);
	}
	if (rc == SNN_OK) {
		notes[0] = '\0';
		rc = add_projections(L, net, newidx, p, &Y, mant, notes, sizeof(notes));
	}
	if (rc == SNN_OK) {
		rc = report_layer(L, p, &Y, notes);
	}
	layer_free(&Y);
	mem_free(mant);
	return rc;
}

/* The converted network's source text: the report's head and layer lines
 * (also printed to o->report when there is one). */
static int set_report(struct nl *L, snn_net *net, uint32_t samples, uint32_t steps,
		      uint32_t sample_steps)
{
	const snn_net *nir = L->nir;
	const snn_nir_loihi_options *o = L->o;
	char head[1200];
	int hl = snprintf(head, sizeof(head),
			  "NIR graph %s (sha256 %s) converted to loihi_lif: %u sample%s of %u "
			  "steps%s\n",
			  L->file, nir->nir->file_sha256 ? nir->nir->file_sha256 : "?", samples,
			  samples == 1 ? "" : "s", steps,
			  sample_steps ? ", layers reset between samples" : "");
	if (o && o->report) {
		fputs(head, o->report);
		if (L->text) {
			fputs(L->text, o->report);
		}
	}
	size_t all = (size_t)hl + L->tlen;
	char *src = mem_alloc(all + 1);
	if (!src) {
		return mem_nomem(L->d);
	}
	memcpy(src, head, (size_t)hl);
	if (L->text) {
		memcpy(src + hl, L->text, L->tlen);
	}
	src[all] = '\0';
	int rc = net_set_source(net, L->file, src, all);
	mem_free(src);
	if (rc != SNN_OK) {
		return mem_nomem(L->d);
	}
	return SNN_OK;
}

/* Frees what the conversion allocated in L. */
static void nl_free(struct nl *L)
{
	const snn_net *nir = L->nir;
	mem_free(L->text);
	for (uint32_t k = 0; L->prepared && k < nir->n_projs; k++) {
		if (L->prepared[k]) {
			conn_release(&L->conns[k]);
		}
	}
	for (int k = 0; k < NL_MAX_RELAY_DEPTH; k++) {
		conn_scratch_free(&L->sc[k]);
	}
	for (uint32_t p = 0; L->in_proj && p < nir->n_pops; p++) {
		mem_free(L->in_proj[p]);
	}
	mem_free(L->in_proj);
	mem_free(L->n_in);
	mem_free(L->conns);
	mem_free(L->prepared);
	mem_free(L->kind);
	mem_free(L->depth);
	mem_free(L->acc);
	mem_free(L->dly);
	mem_free(L->touched);
}

int snn_nir_to_loihi(const snn_net *nir, const snn_nir_data *in, const snn_nir_loihi_options *o,
		     snn_net **out, snn_diag *d)
{
	*out = NULL;
	if (!nir || !nir->nir) {
		return snn_diag_error(
		    d, SNN_EINVAL, NULL, 0, 0,
		    "the Loihi converter takes a network loaded from a NIR graph");
	}
	struct nl L = {.nir = nir, .o = o, .d = d};
	L.file = nir->source_path ? nir->source_path : "NIR graph";
	int rc = SNN_OK;
	snn_net *net = NULL;
	uint32_t *newidx = NULL;
	L.kind = mem_array(nir->n_pops, sizeof(enum nl_kind));
	L.depth = mem_array(nir->n_pops, sizeof(uint32_t));
	newidx = mem_array(nir->n_pops, sizeof(uint32_t));
	uint64_t ng = nir->n_neurons;
	L.acc = mem_array(ng, sizeof(double));
	L.dly = mem_array_raw(ng, sizeof(int64_t));
	L.touched = mem_array_raw(ng, sizeof(uint32_t));
	net = net_new();
	if (!L.kind || !L.depth || !newidx || !L.acc || !L.dly || !L.touched || !net) {
		rc = mem_nomem(L.d);
		goto out_free;
	}
	for (uint64_t g = 0; g < ng; g++) {
		L.dly[g] = -1;
	}
	if ((rc = classify(&L)) != SNN_OK || (rc = index_projections(&L)) != SNN_OK) {
		goto out_free;
	}
	warn_conventions(&L);
	uint32_t samples = in ? in->samples : 1, steps = in ? in->steps : 0;
	uint32_t sample_steps = samples > 1 ? steps : 0;
	net->sim = nir->sim;
	net->sim.duration_ms = in ? (double)samples * steps * nir->sim.dt_ms : nir->sim.duration_ms;
	/* populations in the NIR order, relays left out */
	for (uint32_t p = 0; p < nir->n_pops; p++) {
		newidx[p] = UINT32_MAX;
		if (L.kind[p] == NL_INPUT) {
			newidx[p] = net->n_pops;
			if ((rc = add_input_pop(&L, net, p, in)) != SNN_OK) {
				goto out_free;
			}
		} else if (L.kind[p] != NL_RELAY) {
			if ((rc = add_chip_layer(&L, net, newidx, p, sample_steps)) != SNN_OK) {
				goto out_free;
			}
		}
	}
	if ((rc = set_report(&L, net, samples, steps, sample_steps)) != SNN_OK) {
		goto out_free;
	}
	rc = net_finalize(net, d);
	if (rc == SNN_OK) {
		*out = net;
		net = NULL;
	}
out_free:
	snn_net_free(net);
	nl_free(&L);
	mem_free(newidx);
	return rc;
}
