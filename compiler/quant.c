/*
 * Quantization: a NIR network in the IR becomes the runtime's integer
 * tables. Scales come from the parameters and from the ranges the float
 * model reaches on calibration inputs; weights are rounded per layer or per
 * channel to 8 or 16 bits, states are int32 with headroom (the runtime
 * saturates).
 * Layer: compiler. Reads the IR; allocates the model it returns.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cc_int.h"
#include "mem_int.h"
#include "model_nir.h"
#include "nir_int.h"

/* States use at most 2^29 of the int32 range: the rest is headroom for a
 * step's input before saturation. */
#define STATE_LIMIT CC_STATE_LIMIT

void cc_model_free(struct cc_model *m)
{
	if (!m) {
		return;
	}
	for (uint32_t k = 0; m->info && k < m->rt.n_pops; k++) {
		mem_free(m->info[k].name);
		mem_free(m->info[k].ch_acc);
		mem_free(m->bias[k]);
		if (m->ch_mul) {
			mem_free(m->ch_mul[k]);
			mem_free(m->ch_sh[k]);
		}
	}
	for (uint32_t q = 0; m->wtab && q < m->rt.n_projs; q++) {
		mem_free(m->wtab[q]);
		mem_free(m->rows[q]);
		mem_free(m->cols[q]);
	}
	mem_free(m->pops);
	mem_free(m->projs);
	mem_free(m->outputs);
	mem_free(m->info);
	mem_free(m->bias);
	mem_free(m->ch_mul);
	mem_free(m->ch_sh);
	mem_free(m->wtab);
	mem_free(m->n_w);
	mem_free(m->rows);
	mem_free(m->cols);
	mem_free(m->n_col);
	mem_free(m->in_pop);
	for (uint32_t k = 0; m->thr && k < m->n_thr_tabs; k++) {
		mem_free(m->thr[k]);
	}
	mem_free(m->thr);
	mem_free(m->stims);
	mem_free(m);
}

static enum snnrt_neuron rt_model(enum model_id id, bool *ok)
{
	*ok = true;
	switch (id) {
	case MODEL_NIR_INPUT:
		return SNNRT_INPUT;
	case MODEL_NIR_RELAY:
		return SNNRT_RELAY;
	case MODEL_NIR_THRESHOLD:
		return SNNRT_THRESHOLD;
	case MODEL_NIR_LI:
		return SNNRT_LI;
	case MODEL_NIR_LIF:
		return SNNRT_LIF;
	case MODEL_NIR_I:
		return SNNRT_I;
	case MODEL_NIR_IF:
		return SNNRT_IF;
	case MODEL_NIR_CUBA_LI:
		return SNNRT_CUBA_LI;
	case MODEL_NIR_CUBA_LIF:
		return SNNRT_CUBA_LIF;
	default:
		*ok = false;
		return SNNRT_INPUT;
	}
}

/* Largest |x| of a recorded series of population `pop` ("spikes", "values",
 * "v", "i"); 0 when not recorded. */
static double series_max(const snn_nir_result *fr, const char *pop, const char *what)
{
	const snn_nir_series *s = fr ? snn_nir_result_find(fr, pop, what) : NULL;
	double m = 0.0;
	if (!s) {
		return 0.0;
	}
	size_t n = (size_t)s->samples * s->steps * s->size;
	for (size_t k = 0; k < n; k++) {
		double a = fabs(s->data[k]);
		m = a > m ? a : m;
	}
	return m;
}

double cc_pow2_scale(double range)
{
	if (!(range > 0.0)) {
		range = 1.0;
	}
	return ldexp(1.0, (int)floor(log2(CC_STATE_LIMIT / range)));
}

int cc_multiplier(double x, bool tiny_to_zero, int32_t *mul, uint8_t *sh)
{
	if (!(x > 0.0) || !isfinite(x)) {
		return -1;
	}
	int e;
	double f = frexp(x, &e); /* x = f 2^e, f in [0.5, 1) */
	int s = 30 - e;
	if (s < 0) {
		return -1;
	}
	if (s > 62) {
		if (!tiny_to_zero) {
			return -1;
		}
		*mul = 0;
		*sh = 0;
		return 0;
	}
	*mul = (int32_t)llround(ldexp(f, 30));
	*sh = (uint8_t)s;
	return 0;
}

int32_t cc_q32(double x)
{
	double r = nearbyint(x);
	return r > INT32_MAX ? INT32_MAX : r < INT32_MIN ? INT32_MIN : (int32_t)r;
}

void cc_put_weight(struct cc_model *m, uint32_t q, uint64_t k, double w, double scale)
{
	double lim = m->weight_bits == 8 ? 127.0 : 32767.0;
	double r = nearbyint(w * scale);
	r = r > lim ? lim : r < -lim ? -lim : r;
	if (m->weight_bits == 8) {
		((int8_t *)m->wtab[q])[k] = (int8_t)r;
	} else {
		((int16_t *)m->wtab[q])[k] = (int16_t)r;
	}
}

/* Largest |w| of an explicit projection's weights (1 for pooling). */
static double proj_wmax(const struct proj_explicit *x)
{
	double m = 0.0;
	const float *w = NULL;
	uint64_t n = 0;
	switch (x->kind) {
	case PROJ_DENSE:
		w = x->w;
		n = (uint64_t)x->n_pre * x->n_post;
		break;
	case PROJ_DIAG:
		if (!x->w) {
			return 1.0;
		}
		w = x->w;
		n = x->n_post;
		break;
	case PROJ_SPARSE:
		w = x->val;
		n = x->row[x->n_post];
		break;
	case PROJ_CONV:
		w = x->conv.kernel;
		n = (uint64_t)x->conv.cout * (x->conv.cin / x->conv.groups) * x->conv.kh *
		    x->conv.kw;
		break;
	case PROJ_POOL:
		return x->pool.avg ? 1.0 / (x->pool.kh * x->pool.kw) : 1.0;
	default:
		break;
	}
	for (uint64_t k = 0; k < n; k++) {
		double a = fabs((double)w[k]);
		m = a > m ? a : m;
	}
	return m;
}

/* Neurons per channel of a projection's target: an output channel of a
 * convolution, one neuron for dense, sparse and diagonal weights; 0 for
 * pooling (one weight for all: its target keeps one scale). */
static uint32_t proj_ch_size(const struct proj_explicit *x)
{
	switch (x->kind) {
	case PROJ_CONV:
		return x->conv.out_h * x->conv.out_w;
	case PROJ_DENSE:
	case PROJ_SPARSE:
	case PROJ_DIAG:
		return 1;
	default:
		return 0;
	}
}

/* Largest |w| onto each channel (runs of g target neurons) of an explicit
 * projection, into wm[0..n_ch). */
static void proj_wmax_ch(const struct proj_explicit *x, uint32_t g, uint32_t n_ch, double *wm)
{
	for (uint32_t c = 0; c < n_ch; c++) {
		wm[c] = 0.0;
	}
	switch (x->kind) {
	case PROJ_DENSE:
		for (uint32_t i = 0; i < x->n_post; i++) {
			for (uint32_t j = 0; j < x->n_pre; j++) {
				double a = fabs((double)x->w[(uint64_t)i * x->n_pre + j]);
				wm[i / g] = a > wm[i / g] ? a : wm[i / g];
			}
		}
		break;
	case PROJ_SPARSE:
		for (uint32_t i = 0; i < x->n_post; i++) {
			for (uint64_t k = x->row[i]; k < x->row[i + 1]; k++) {
				double a = fabs((double)x->val[k]);
				wm[i / g] = a > wm[i / g] ? a : wm[i / g];
			}
		}
		break;
	case PROJ_DIAG:
		for (uint32_t i = 0; i < x->n_post; i++) {
			double a = x->w ? fabs((double)x->w[i]) : 1.0;
			wm[i / g] = a > wm[i / g] ? a : wm[i / g];
		}
		break;
	case PROJ_CONV: {
		const struct proj_conv *c = &x->conv;
		uint64_t per = (uint64_t)(c->cin / c->groups) * c->kh * c->kw;
		uint32_t hw = c->out_h * c->out_w;
		for (uint32_t co = 0; co < c->cout; co++) {
			double a = 0.0;
			for (uint64_t k = 0; k < per; k++) {
				double v = fabs((double)c->kernel[co * per + k]);
				a = v > a ? v : a;
			}
			/* g divides hw: the channel's neurons fill whole runs */
			for (uint32_t r = co * hw / g; r < (co + 1) * hw / g; r++) {
				wm[r] = a > wm[r] ? a : wm[r];
			}
		}
		break;
	}
	default:
		break;
	}
}

static uint32_t gcd32(uint32_t a, uint32_t b)
{
	while (b) {
		uint32_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

/* Accumulator scales per channel of population k (cc_quantize's pass 2 in
 * channel mode): each channel's largest incoming weight reaches the weight
 * limit, at most 2^16 times the layer's scale and with room for its biases
 * in 2^29. */
static int channel_scales(struct cc_model *m, const snn_net *net, uint32_t k, uint32_t g,
			  double lim, snn_diag *d)
{
	struct cc_popinfo *inf = &m->info[k];
	uint32_t n = m->pops[k].size / g;
	double *wm = mem_array(n, sizeof(double));
	double *bm = mem_array(n, sizeof(double));
	inf->ch_acc = mem_array_raw(n, sizeof(double));
	if (!wm || !bm || !inf->ch_acc) {
		mem_free(wm);
		mem_free(bm);
		return mem_nomem(d);
	}
	for (uint32_t c = 0; c < n; c++) {
		inf->ch_acc[c] = INFINITY;
	}
	for (uint32_t q = 0; q < net->n_projs; q++) {
		const struct projection *pr = &net->projs[q];
		if (pr->post.pop != k) {
			continue;
		}
		proj_wmax_ch(pr->x, g, n, wm);
		for (uint32_t c = 0; c < n; c++) {
			if (wm[c] > 0) {
				double s = lim * m->info[pr->pre.pop].out_scale / wm[c];
				inf->ch_acc[c] = s < inf->ch_acc[c] ? s : inf->ch_acc[c];
			}
		}
		if (!pr->x->bias) {
			continue;
		}
		/* bm: the sum over projections of each channel's largest bias */
		for (uint32_t c = 0; c < n; c++) {
			wm[c] = 0.0;
		}
		for (uint32_t i = 0; i < m->pops[k].size; i++) {
			double b = fabs((double)pr->x->bias[i]);
			wm[i / g] = b > wm[i / g] ? b : wm[i / g];
		}
		for (uint32_t c = 0; c < n; c++) {
			bm[c] += wm[c];
		}
	}
	double cap = inf->acc_scale * 65536.0;
	for (uint32_t c = 0; c < n; c++) {
		double s = inf->ch_acc[c];
		s = isfinite(s) && s < cap ? s : cap;
		if (bm[c] > 0 && s * bm[c] > STATE_LIMIT) {
			s = STATE_LIMIT / bm[c];
		}
		inf->ch_acc[c] = s;
		inf->acc_scale = s < inf->acc_scale ? s : inf->acc_scale;
	}
	inf->n_ch = n;
	inf->ch_size = g;
	bool same = true;
	for (uint32_t c = 1; c < n; c++) {
		same = same && inf->ch_acc[c] == inf->ch_acc[0];
	}
	if (same) {
		/* one scale serves every channel: no tables */
		inf->acc_scale = inf->ch_acc[0];
		inf->n_ch = 1;
		inf->ch_size = m->pops[k].size;
		mem_free(inf->ch_acc);
		inf->ch_acc = NULL;
	}
	mem_free(wm);
	mem_free(bm);
	return SNN_OK;
}

/* Accumulator scale of target neuron i of a population. */
static double acc_of(const struct cc_popinfo *inf, uint32_t i)
{
	return inf->n_ch > 1 ? inf->ch_acc[i / inf->ch_size] : inf->acc_scale;
}

static bool whole_pop(const snn_net *net, const struct target_set *t)
{
	return !t->ids && t->lo == 0 && t->hi == net->pops[t->pop].size;
}

/* A dense projection: as a matrix by source, or sparse by source when most
 * of its synapses are absent. */
static int lay_dense(struct cc_model *m, const struct projection *pr, uint32_t q,
		     const struct cc_popinfo *po, double pre_scale, uint64_t *n_out, snn_diag *d)
{
	const struct proj_explicit *x = pr->x;
	struct snnrt_proj *P = &m->projs[q];
	size_t wb = m->weight_bits / 8;
	uint64_t nz = 0, all = (uint64_t)x->n_pre * x->n_post;
	for (uint64_t k = 0; k < all; k++) {
		nz += x->w[k] != 0.0f;
	}
	if (nz * 3 < all) {
		/* mostly absent synapses: store them sparse, by source */
		P->kind = SNNRT_SPARSE;
		m->rows[q] = mem_array((size_t)x->n_pre + 1, sizeof(uint32_t));
		m->cols[q] = mem_array_raw(nz, sizeof(uint32_t));
		m->wtab[q] = mem_array_raw(nz, wb);
		if (!m->rows[q] || !m->cols[q] || !m->wtab[q]) {
			return mem_nomem(d);
		}
		uint64_t k = 0;
		for (uint32_t j = 0; j < x->n_pre; j++) {
			for (uint32_t i = 0; i < x->n_post; i++) {
				float w = x->w[(uint64_t)i * x->n_pre + j];
				if (w != 0.0f) {
					m->cols[q][k] = i;
					cc_put_weight(m, q, k++, w, acc_of(po, i) / pre_scale);
				}
			}
			m->rows[q][j + 1] = (uint32_t)k;
		}
		m->n_col[q] = nz;
		*n_out = nz;
		return SNN_OK;
	}
	P->kind = SNNRT_DENSE;
	m->wtab[q] = mem_array_raw(all, wb);
	if (!m->wtab[q]) {
		return mem_nomem(d);
	}
	for (uint32_t j = 0; j < x->n_pre; j++) {
		for (uint32_t i = 0; i < x->n_post; i++) {
			cc_put_weight(m, q, (uint64_t)j * x->n_post + i,
				      x->w[(uint64_t)i * x->n_pre + j], acc_of(po, i) / pre_scale);
		}
	}
	*n_out = all;
	return SNN_OK;
}

/* A sparse projection (stored by target), laid out by source. */
static int lay_sparse(struct cc_model *m, const struct projection *pr, uint32_t q,
		      const struct cc_popinfo *po, double pre_scale, uint64_t *n_out, snn_diag *d)
{
	const struct proj_explicit *x = pr->x;
	struct snnrt_proj *P = &m->projs[q];
	size_t wb = m->weight_bits / 8;
	uint64_t nz = x->row[x->n_post];
	P->kind = SNNRT_SPARSE;
	m->rows[q] = mem_array((size_t)x->n_pre + 1, sizeof(uint32_t));
	m->cols[q] = mem_array_raw(nz, sizeof(uint32_t));
	m->wtab[q] = mem_array_raw(nz, wb);
	uint32_t *fill = mem_array((size_t)x->n_pre + 1, sizeof(uint32_t));
	if (!m->rows[q] || !m->cols[q] || !m->wtab[q] || !fill) {
		mem_free(fill);
		return mem_nomem(d);
	}
	for (uint64_t k = 0; k < nz; k++) {
		m->rows[q][x->col[k] + 1]++;
	}
	for (uint32_t j = 0; j < x->n_pre; j++) {
		m->rows[q][j + 1] += m->rows[q][j];
		fill[j] = m->rows[q][j];
	}
	/* targets in increasing order within a source, as the rows go */
	for (uint32_t i = 0; i < x->n_post; i++) {
		for (uint64_t k = x->row[i]; k < x->row[i + 1]; k++) {
			uint32_t s = fill[x->col[k]]++;
			m->cols[q][s] = i;
			cc_put_weight(m, q, s, x->val[k], acc_of(po, i) / pre_scale);
		}
	}
	mem_free(fill);
	m->n_col[q] = nz;
	*n_out = nz;
	return SNN_OK;
}

/* One-to-one synapses. */
static int lay_diag(struct cc_model *m, const struct projection *pr, uint32_t q,
		    const struct cc_popinfo *po, double pre_scale, uint64_t *n_out, snn_diag *d)
{
	const struct proj_explicit *x = pr->x;
	struct snnrt_proj *P = &m->projs[q];
	size_t wb = m->weight_bits / 8;
	P->kind = SNNRT_DIAG;
	m->wtab[q] = mem_array_raw(x->n_post, wb);
	if (!m->wtab[q]) {
		return mem_nomem(d);
	}
	for (uint32_t i = 0; i < x->n_post; i++) {
		cc_put_weight(m, q, i, x->w ? x->w[i] : 1.0, acc_of(po, i) / pre_scale);
	}
	*n_out = x->n_post;
	return SNN_OK;
}

/* A convolution: its kernel, in the accumulator scale of each output channel,
 * and its geometry. */
static int lay_conv(struct cc_model *m, const struct projection *pr, uint32_t q,
		    const struct cc_popinfo *po, double pre_scale, uint64_t *n_out, snn_diag *d)
{
	const struct proj_explicit *x = pr->x;
	struct snnrt_proj *P = &m->projs[q];
	size_t wb = m->weight_bits / 8;
	const struct proj_conv *c = &x->conv;
	P->kind = SNNRT_CONV;
	uint64_t n = (uint64_t)c->cout * (c->cin / c->groups) * c->kh * c->kw;
	m->wtab[q] = mem_array_raw(n, wb);
	if (!m->wtab[q]) {
		return mem_nomem(d);
	}
	uint64_t per = n / (c->cout ? c->cout : 1);
	for (uint64_t k = 0; k < n; k++) {
		uint32_t co = (uint32_t)(k / per);
		double s = acc_of(po, co * c->out_h * c->out_w) / pre_scale;
		cc_put_weight(m, q, k, c->kernel[k], s);
	}
	P->cin = (uint16_t)c->cin;
	P->cout = (uint16_t)c->cout;
	P->groups = (uint16_t)c->groups;
	P->in_h = (uint16_t)c->in_h;
	P->in_w = (uint16_t)c->in_w;
	P->out_h = (uint16_t)c->out_h;
	P->out_w = (uint16_t)c->out_w;
	P->kh = (uint16_t)c->kh;
	P->kw = (uint16_t)c->kw;
	P->sh = (uint8_t)c->stride_h;
	P->sw = (uint8_t)c->stride_w;
	P->ph = (uint8_t)c->pad_h;
	P->pw = (uint8_t)c->pad_w;
	P->dh = (uint8_t)c->dil_h;
	P->dw = (uint8_t)c->dil_w;
	if (c->cin > 65535 || c->cout > 65535 || c->in_h > 65535 || c->in_w > 65535 ||
	    c->stride_h > 255 || c->stride_w > 255 || c->pad_h > 255 || c->pad_w > 255 ||
	    c->dil_h > 255 || c->dil_w > 255) {
		return snn_diag_error(d, SNN_EUNSUP, pr->where.file, pr->where.line, pr->where.col,
				      "convolution too large for the runtime's 16-bit "
				      "sizes and 8-bit strides");
	}
	*n_out = n;
	return SNN_OK;
}

/* A pooling: one weight and its geometry. */
static void lay_pool(struct cc_model *m, const struct projection *pr, uint32_t q,
		     const struct cc_popinfo *po, double pre_scale)
{
	const struct proj_explicit *x = pr->x;
	struct snnrt_proj *P = &m->projs[q];
	const struct proj_pool *p = &x->pool;
	P->kind = SNNRT_POOL;
	P->w_pool = cc_q32(proj_wmax(x) * (po->acc_scale / pre_scale));
	P->cin = P->cout = (uint16_t)p->c;
	P->groups = 1;
	P->in_h = (uint16_t)p->in_h;
	P->in_w = (uint16_t)p->in_w;
	P->out_h = (uint16_t)p->out_h;
	P->out_w = (uint16_t)p->out_w;
	P->kh = (uint16_t)p->kh;
	P->kw = (uint16_t)p->kw;
	P->sh = (uint8_t)p->stride_h;
	P->sw = (uint8_t)p->stride_w;
	P->ph = (uint8_t)p->pad_h;
	P->pw = (uint8_t)p->pad_w;
	P->dh = P->dw = 1;
}

/* Lays out the weights of projection q in the runtime's order (by source),
 * each in the accumulator scale of its target (po) over the source's output
 * scale (pre_scale). */
static int lay_weights(struct cc_model *m, const snn_net *net, uint32_t q,
		       const struct cc_popinfo *po, double pre_scale, snn_diag *d)
{
	const struct projection *pr = &net->projs[q];
	const struct proj_explicit *x = pr->x;
	struct snnrt_proj *P = &m->projs[q];
	size_t wb = m->weight_bits / 8;
	uint64_t n = 0;
	int rc = SNN_OK;
	switch (x->kind) {
	case PROJ_DENSE:
		rc = lay_dense(m, pr, q, po, pre_scale, &n, d);
		break;
	case PROJ_SPARSE:
		rc = lay_sparse(m, pr, q, po, pre_scale, &n, d);
		break;
	case PROJ_DIAG:
		rc = lay_diag(m, pr, q, po, pre_scale, &n, d);
		break;
	case PROJ_CONV:
		rc = lay_conv(m, pr, q, po, pre_scale, &n, d);
		break;
	case PROJ_POOL:
		lay_pool(m, pr, q, po, pre_scale);
		break;
	default:
		return snn_diag_error(d, SNN_EUNSUP, pr->where.file, pr->where.line, pr->where.col,
				      "projection kind not supported by snncc");
	}
	if (rc != SNN_OK) {
		return rc;
	}
	m->n_w[q] = n;
	if (m->wtab[q]) {
		if (m->weight_bits == 8) {
			P->w8 = m->wtab[q];
		} else {
			P->w16 = m->wtab[q];
		}
	}
	P->row = m->rows[q];
	P->col = m->cols[q];
	m->flash_tables +=
	    n * wb + (m->rows[q] ? ((uint64_t)x->n_pre + 1) * 4 : 0) + m->n_col[q] * 4;
	m->synapses += x->n_syn;
	return SNN_OK;
}

static bool is_spiking(enum snnrt_neuron k)
{
	return k == SNNRT_LIF || k == SNNRT_IF || k == SNNRT_CUBA_LIF || k == SNNRT_THRESHOLD;
}

/* Output scale of a population that emits values (inputs, relays, LI):
 * 1 when every calibration value is a whole number (spike counts, sums of
 * them), else a power of two that keeps outputs within 2^12, so that a
 * weight times an output, summed over a layer's fan-in, stays in 32 bits. */
static double value_scale(const snn_nir_result *fr, const char *name, const char *what)
{
	const snn_nir_series *s = fr ? snn_nir_result_find(fr, name, what) : NULL;
	if (!s) {
		return 1.0;
	}
	size_t n = (size_t)s->samples * s->steps * s->size;
	double mx = 0.0;
	bool whole = true;
	for (size_t k = 0; k < n; k++) {
		whole = whole && s->data[k] == nearbyint(s->data[k]);
		mx = fabs(s->data[k]) > mx ? fabs(s->data[k]) : mx;
	}
	if (whole && mx < 32768.0) {
		return 1.0;
	}
	return ldexp(1.0, (int)floor(log2(4096.0 / (mx > 0 ? mx : 1.0))));
}

/* The model's arrays for a NIR network, its outputs and its hash. */
static int nir_model_new(const snn_net *net, const struct cc_options *o, struct cc_model *m,
			 snn_diag *d)
{
	const struct nir_info *I = net->nir;
	uint32_t np = net->n_pops, nq = net->n_projs;
	m->weight_bits = o->weight_bits;
	m->weight_scale = o->weight_scale;
	m->rt.n_pops = np;
	m->rt.n_projs = nq;
	m->pops = mem_array(np, sizeof(*m->pops));
	m->projs = mem_array(nq, sizeof(*m->projs));
	m->info = mem_array(np, sizeof(*m->info));
	m->bias = mem_array(np, sizeof(*m->bias));
	m->ch_mul = mem_array(np, sizeof(*m->ch_mul));
	m->ch_sh = mem_array(np, sizeof(*m->ch_sh));
	m->wtab = mem_array(nq, sizeof(void *));
	m->n_w = mem_array(nq, sizeof(uint64_t));
	m->rows = mem_array(nq, sizeof(uint32_t *));
	m->cols = mem_array(nq, sizeof(uint32_t *));
	m->n_col = mem_array(nq, sizeof(uint64_t));
	m->outputs = mem_array(I->n_outputs, sizeof(uint16_t));
	m->in_pop = mem_array(I->n_inputs, sizeof(uint32_t));
	if (!m->pops || !m->projs || !m->info || !m->bias || !m->wtab || !m->n_w || !m->rows ||
	    !m->cols || !m->n_col || !m->outputs || !m->in_pop || !m->ch_mul || !m->ch_sh) {
		return mem_nomem(d);
	}
	snprintf(m->model_sha256, sizeof(m->model_sha256), "%s",
		 I->file_sha256 ? I->file_sha256 : net->source_sha256);
	m->rt.pops = m->pops;
	m->rt.projs = m->projs;
	m->rt.outputs = m->outputs;
	m->rt.n_outputs = I->n_outputs;
	for (uint32_t k = 0; k < I->n_outputs; k++) {
		m->outputs[k] = (uint16_t)I->outputs[k].pop;
	}
	if (np > 65535) {
		return snn_diag_error(d, SNN_EUNSUP, NULL, 0, 0, "%u populations: at most 65535",
				      np);
	}
	return SNN_OK;
}

/* Pass 1: population k's runtime model, flags and output scale. */
static int setup_population(struct cc_model *m, const snn_net *net, const snn_nir_result *fr,
			    uint32_t k, snn_diag *d)
{
	const struct population *pop = &net->pops[k];
	struct snnrt_pop *P = &m->pops[k];
	struct cc_popinfo *inf = &m->info[k];
	bool ok;
	P->model = (uint8_t)rt_model(pop->model->id, &ok);
	inf->name = mem_strdup(pop->name);
	if (!inf->name) {
		return mem_nomem(d);
	}
	if (!ok) {
		return snn_diag_error(d, SNN_EUNSUP, pop->where.file, pop->where.line,
				      pop->where.col,
				      "population '%s': model %s has no integer version in "
				      "the runtime",
				      pop->name, pop->model->name);
	}
	for (uint32_t p = 0; p < (uint32_t)pop->model->n_params; p++) {
		if (!value_is_const(&pop->params[p])) {
			return snn_diag_error(
			    d, SNN_EUNSUP, pop->where.file, pop->where.line, pop->where.col,
			    "population '%s': parameter %s differs between neurons; the "
			    "runtime keeps one value per population",
			    pop->name, pop->model->params[p].name);
		}
	}
	P->size = pop->size;
	P->hist = 1;
	inf->spiking = is_spiking((enum snnrt_neuron)P->model);
	if (net->nir_conv.spikes == SNN_NIR_SPIKES_MULTIPLE) {
		P->flags |= SNNRT_F_MULTI;
	}
	if (net->nir_conv.reset == SNN_NIR_RESET_SUBTRACT) {
		P->flags |= SNNRT_F_SUBTRACT;
	}
	if (inf->spiking) {
		inf->out_scale = 1.0;
	} else {
		inf->out_scale = value_scale(fr, pop->name, "values");
	}
	return SNN_OK;
}

/* The input populations' offsets in the runtime's input vector. */
static void layout_inputs(struct cc_model *m, const struct nir_info *I)
{
	uint32_t off_in = 0;
	for (uint32_t k = 0; k < I->n_inputs; k++) {
		uint32_t p = I->inputs[k].pop;
		m->in_pop[k] = p;
		m->pops[p].input_off = off_in;
		off_in += m->pops[p].size;
	}
	m->n_in_pops = I->n_inputs;
	m->rt.n_inputs = off_in;
}

/* Pass 2: population k's accumulator scale from the weights onto it, and per
 * channel where asked (channels: the finest run of neurons that every
 * incoming projection's channels are made of; inputs, threshold units and
 * pooling targets keep one scale). */
static int accumulator_scales(struct cc_model *m, const snn_net *net, const struct cc_options *o,
			      uint32_t k, snn_diag *d)
{
	uint32_t nq = net->n_projs;
	double lim = o->weight_bits == 8 ? 127.0 : 32767.0;
	double a = INFINITY;
	uint32_t size = m->pops[k].size;
	uint32_t g = size;
	bool chan = o->weight_scale == CC_SCALE_CHANNEL && size > 1 &&
		    m->pops[k].model != SNNRT_INPUT && m->pops[k].model != SNNRT_THRESHOLD;
	for (uint32_t q = 0; q < nq; q++) {
		const struct projection *pr = &net->projs[q];
		if (pr->post.pop != k) {
			continue;
		}
		if (pr->kind == PROJ_RULE) {
			return snn_diag_error(d, SNN_EUNSUP, pr->where.file, pr->where.line,
					      pr->where.col,
					      "rule-based projections are not compiled yet");
		}
		double wm = proj_wmax(pr->x);
		if (wm > 0) {
			double s = lim * m->info[pr->pre.pop].out_scale / wm;
			a = s < a ? s : a;
		}
		uint32_t cs = proj_ch_size(pr->x);
		if (cs == 0 || !whole_pop(net, &pr->pre) || !whole_pop(net, &pr->post)) {
			chan = false;
		} else {
			g = gcd32(g, cs);
		}
	}
	if (!isfinite(a)) {
		a = 1.0;
	}
	m->info[k].acc_scale = a;
	m->info[k].n_ch = 1;
	m->info[k].ch_size = size ? size : 1;
	if (chan && g < size && size % g == 0) {
		return channel_scales(m, net, k, g, lim, d);
	}
	return SNN_OK;
}

/* Pass 3: projection q's weights, delay and bias. */
static int quantize_projection(struct cc_model *m, const snn_net *net, uint32_t q, snn_diag *d)
{
	const struct projection *pr = &net->projs[q];
	struct snnrt_proj *P = &m->projs[q];
	if (!whole_pop(net, &pr->pre) || !whole_pop(net, &pr->post)) {
		return snn_diag_error(d, SNN_EUNSUP, pr->where.file, pr->where.line, pr->where.col,
				      "projection onto part of a population: not supported");
	}
	if (pr->x->pre_delay || pr->x->delay_steps > 254) {
		return snn_diag_error(d, SNN_EUNSUP, pr->where.file, pr->where.line, pr->where.col,
				      "delays per source neuron or above 254 steps are not "
				      "supported by the runtime");
	}
	P->pre = (uint16_t)pr->pre.pop;
	P->post = (uint16_t)pr->post.pop;
	P->delay = (uint8_t)pr->x->delay_steps;
	struct snnrt_pop *pre = &m->pops[P->pre];
	if ((uint32_t)pre->hist < (uint32_t)P->delay + 1u) {
		pre->hist = (uint8_t)(P->delay + 1);
	}
	int rc = lay_weights(m, net, q, &m->info[P->post], m->info[P->pre].out_scale, d);
	if (rc != SNN_OK) {
		return rc;
	}
	if (pr->x->bias) {
		uint32_t n = m->pops[P->post].size;
		if (!m->bias[P->post]) {
			m->bias[P->post] = mem_array(n, sizeof(int32_t));
			if (!m->bias[P->post]) {
				return mem_nomem(d);
			}
			m->flash_tables += (uint64_t)n * 4;
		}
		for (uint32_t i = 0; i < n; i++) {
			int64_t b = (int64_t)m->bias[P->post][i] +
				    cc_q32(pr->x->bias[i] * acc_of(&m->info[P->post], i));
			m->bias[P->post][i] = cc_q32((double)b);
		}
		m->pops[P->post].bias = m->bias[P->post];
	}
	return SNN_OK;
}

/* Pass 4 for the models with a state v (and i) of population k (pop): the
 * state scales from the values the float run reached, and the constants and
 * multipliers in them. Sets *gain (state units per input unit) and *bad (a
 * multiplier that does not fit). */
static int state_constants(struct cc_model *m, const struct population *pop,
			   const snn_nir_result *fr, uint32_t k, const struct nir_prop *C,
			   double *gain, int *bad, snn_diag *d)
{
	struct snnrt_pop *P = &m->pops[k];
	struct cc_popinfo *inf = &m->info[k];
	double A = inf->acc_scale;
	double r = fmax(fmax(fabs(C->v_th), fabs(C->v_reset)), fabs(C->v0));
	double vr = series_max(fr, pop->name, "v");
	r = fmax(r, vr) * 2.0;
	double sv;
	if (!inf->spiking) {
		sv = inf->out_scale;
	} else if (P->model != SNNRT_CUBA_LIF && C->gr > 0 && inf->n_ch == 1 &&
		   r * A / C->gr <= STATE_LIMIT && r * A / C->gr >= 65536.0) {
		/* the input adds to v without rounding */
		sv = A / C->gr;
	} else {
		sv = cc_pow2_scale(r);
	}
	inf->v_scale = sv;
	P->a_m = cc_q32(ldexp(C->a_m, SNNRT_DECAY_BITS));
	P->c_m = cc_q32(C->c_m * sv);
	P->v0 = cc_q32(C->v0 * sv);
	P->v_th = cc_q32(C->v_th * sv);
	P->v_reset = cc_q32(C->v_reset * sv);
	P->jump = cc_q32(C->jump * sv);
	if (inf->spiking && P->jump <= 0) {
		return snn_diag_error(d, SNN_EUNSUP, pop->where.file, pop->where.line,
				      pop->where.col,
				      "population '%s': v_threshold must be above "
				      "v_reset",
				      pop->name);
	}
	if (P->model == SNNRT_CUBA_LI || P->model == SNNRT_CUBA_LIF) {
		double ri = series_max(fr, pop->name, "i") * 2.0;
		if (!(ri > 0)) {
			ri = r / (C->gr > 0 ? C->gr : 1.0);
		}
		double si = cc_pow2_scale(ri);
		inf->i_scale = si;
		P->a_s = cc_q32(ldexp(C->a_s, SNNRT_DECAY_BITS));
		*gain = C->gw * si;
		*bad = cc_multiplier(C->gw * si / A, true, &P->in_mul, &P->in_sh);
		if (!*bad && C->gr != 0) {
			*bad = cc_multiplier(C->gr * sv / si, true, &P->syn_mul, &P->syn_sh);
		}
	} else if (C->gr != 0) {
		*gain = C->gr * sv;
		*bad = cc_multiplier(C->gr * sv / A, true, &P->in_mul, &P->in_sh);
	}
	if (sv == A / C->gr && !*bad) {
		P->in_mul = 1;
		P->in_sh = 0;
	}
	return SNN_OK;
}

/* Pass 4: population k's neuron constants in its state scales. */
static int neuron_constants(struct cc_model *m, const snn_net *net, const snn_nir_result *fr,
			    uint32_t k, snn_diag *d)
{
	const struct population *pop = &net->pops[k];
	struct snnrt_pop *P = &m->pops[k];
	struct cc_popinfo *inf = &m->info[k];
	double vals[NIR_N_PARAMS];
	struct nir_prop C;
	for (int j = 0; j < NIR_N_PARAMS && j < (int)pop->model->n_params; j++) {
		vals[j] = pop->params[j].a;
	}
	nir_constants(&C, pop->model->id, vals, &net->nir_conv, net->sim.dt_ms);
	double A = inf->acc_scale;
	double gain = 0.0; /* state units per input unit: per channel, gain / A_c */
	int bad = 0;
	switch (P->model) {
	case SNNRT_INPUT:
		break;
	case SNNRT_RELAY:
		gain = inf->out_scale;
		bad = cc_multiplier(inf->out_scale / A, true, &P->in_mul, &P->in_sh);
		break;
	case SNNRT_THRESHOLD:
		P->v_th = cc_q32(C.v_th * A);
		break;
	default: {
		int rc = state_constants(m, pop, fr, k, &C, &gain, &bad, d);
		if (rc != SNN_OK) {
			return rc;
		}
		break;
	}
	}
	if (!bad && inf->n_ch > 1) {
		/* one multiplier and shift per channel */
		m->ch_mul[k] = mem_array(inf->n_ch, sizeof(int32_t));
		m->ch_sh[k] = mem_array(inf->n_ch, sizeof(uint8_t));
		if (!m->ch_mul[k] || !m->ch_sh[k]) {
			return mem_nomem(d);
		}
		for (uint32_t c = 0; c < inf->n_ch && !bad && gain != 0.0; c++) {
			bad = cc_multiplier(gain / inf->ch_acc[c], true, &m->ch_mul[k][c],
					    &m->ch_sh[k][c]);
		}
		P->ch_mul = m->ch_mul[k];
		P->ch_sh = m->ch_sh[k];
		P->ch_size = inf->ch_size;
		m->flash_tables += (uint64_t)inf->n_ch * 5;
	}
	if (bad) {
		return snn_diag_error(d, SNN_ERANGE, pop->where.file, pop->where.line,
				      pop->where.col,
				      "population '%s': its input gain does not fit a 32-bit "
				      "multiplier (weights too small or states too large)",
				      pop->name);
	}
	return SNN_OK;
}

/* RAM: v (and i), output slots, accumulator per population. */
static int layout_nir_ram(struct cc_model *m, snn_diag *d)
{
	uint32_t np = m->rt.n_pops, nq = m->rt.n_projs;
	uint32_t w = 0;
	for (uint32_t k = 0; k < np; k++) {
		struct snnrt_pop *P = &m->pops[k];
		uint64_t need = (uint64_t)P->size * (P->hist + 1u) +
				(P->model >= SNNRT_LI ? (uint64_t)P->size : 0) +
				(P->model >= SNNRT_CUBA_LI ? (uint64_t)P->size : 0);
		if (w + need > UINT32_MAX / 8) {
			return snn_diag_error(d, SNN_ERANGE, NULL, 0, 0, "network too large");
		}
		P->v_off = w;
		w += P->model >= SNNRT_LI ? P->size : 0;
		w += P->model >= SNNRT_CUBA_LI ? P->size : 0;
		P->out_off = w;
		w += P->size * P->hist;
		P->acc_off = w;
		w += P->size;
	}
	m->rt.n_words = w;
	m->flash_tables +=
	    (uint64_t)np * sizeof(struct snnrt_pop) + (uint64_t)nq * sizeof(struct snnrt_proj);
	return SNN_OK;
}

int cc_quantize(const snn_net *net, const snn_nir_result *fr, const struct cc_options *o,
		struct cc_model **out, snn_diag *d)
{
	*out = NULL;
	const struct nir_info *I = net->nir;
	if (!I) {
		return snn_diag_error(d, SNN_EUNSUP, net->source_path, 0, 0,
				      "snncc compiles NIR graphs (this build reads no weights "
				      "from configs)");
	}
	struct cc_model *m = mem_zalloc(sizeof(*m));
	if (!m) {
		return mem_nomem(d);
	}
	int rc = nir_model_new(net, o, m, d);
	for (uint32_t k = 0; rc == SNN_OK && k < net->n_pops; k++) {
		rc = setup_population(m, net, fr, k, d);
	}
	if (rc == SNN_OK) {
		layout_inputs(m, I);
	}
	for (uint32_t k = 0; rc == SNN_OK && k < net->n_pops; k++) {
		rc = accumulator_scales(m, net, o, k, d);
	}
	for (uint32_t q = 0; rc == SNN_OK && q < net->n_projs; q++) {
		rc = quantize_projection(m, net, q, d);
	}
	for (uint32_t k = 0; rc == SNN_OK && k < net->n_pops; k++) {
		rc = neuron_constants(m, net, fr, k, d);
	}
	if (rc == SNN_OK) {
		rc = layout_nir_ram(m, d);
	}
	if (rc != SNN_OK) {
		cc_model_free(m);
		return rc;
	}
	*out = m;
	return SNN_OK;
}

uint64_t cc_ram_bytes(const struct cc_model *m)
{
	return (uint64_t)m->rt.n_words * 4 + (uint64_t)m->rt.n_inputs * 4 + 16;
}

uint32_t cc_output_width(const struct cc_model *m)
{
	uint32_t n = 0;
	for (uint32_t k = 0; k < m->rt.n_outputs; k++) {
		n += m->pops[m->outputs[k]].size;
	}
	return n;
}

int32_t cc_quantize_input(const struct cc_model *m, uint32_t k, double x)
{
	return cc_q32(x * m->info[m->in_pop[k]].out_scale);
}

int cc_run_host(const struct cc_model *m, const snn_nir_data *in, uint32_t smp, uint32_t steps,
		int32_t *out, uint64_t *events, snn_diag *d)
{
	steps = in ? snn_nir_data_steps(in) : steps;
	int32_t *words = mem_array(m->rt.n_words, sizeof(int32_t));
	int32_t *x = mem_array(m->rt.n_inputs, sizeof(int32_t));
	if (!words || !x) {
		mem_free(words);
		mem_free(x);
		return mem_nomem(d);
	}
	struct snnrt_ram r = {0, 0, words};
	uint32_t width = cc_output_width(m);
	snnrt_init(&m->rt, &r);
	*events = 0;
	for (uint32_t t = 0; t < steps; t++) {
		for (uint32_t k = 0; in && k < m->n_in_pops; k++) {
			uint32_t size;
			const double *v = snn_nir_data_values((snn_nir_data *)in, k, &size);
			const double *row = v + ((size_t)smp * steps + t) * size;
			for (uint32_t i = 0; i < size; i++) {
				x[m->pops[m->in_pop[k]].input_off + i] =
				    cc_quantize_input(m, k, row[i]);
			}
		}
		snnrt_step(&m->rt, &r, x);
		*events += r.syn_events;
		uint32_t o = 0;
		for (uint32_t k = 0; k < m->rt.n_outputs; k++) {
			const int32_t *y = snnrt_output(&m->rt, &r, m->outputs[k]);
			uint32_t n = m->pops[m->outputs[k]].size;
			memcpy(out + (size_t)t * width + o, y, n * sizeof(int32_t));
			o += n;
		}
	}
	mem_free(words);
	mem_free(x);
	return SNN_OK;
}
