/*
 * Connection rules and per-synapse weights and delays (connect_int.h).
 * Layer: sim core (engines), internal. Pure functions of (seed, projection,
 * anchor); callers pass their own scratch.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "connect_int.h"
#include "rng_int.h"
#include "mem_int.h"

uint32_t conn_set_index(const struct target_set *t, uint32_t local)
{
	if (!t->ids) {
		return (local >= t->lo && local < t->hi) ? local - t->lo : CONN_NONE;
	}
	uint32_t a = 0, b = t->n_ids;
	while (a < b) {
		uint32_t m = a + (b - a) / 2;
		if (t->ids[m] < local) {
			a = m + 1;
		} else {
			b = m;
		}
	}
	return (a < t->n_ids && t->ids[a] == local) ? a : CONN_NONE;
}

/* Index in `other` of the neuron at index j of `set` when both are sets of the
 * same population (the neuron itself, for autapses), or CONN_NONE. */
static uint32_t self_index(const struct conn *c, const struct target_set *set, uint32_t j,
			   const struct target_set *other)
{
	if (!c->same_pop || c->pr->autapses) {
		return CONN_NONE;
	}
	return conn_set_index(other, target_set_at(set, j));
}

/* Number of possible partners of one anchor: n, less one when the anchor
 * itself is among them and autapses are off. */
static uint32_t available(uint32_t n, uint32_t self)
{
	return self == CONN_NONE ? n : n - 1;
}

/* Maps a position among the available partners to a set index, skipping self. */
static uint32_t skip_self(uint32_t x, uint32_t self)
{
	return (self != CONN_NONE && x >= self) ? x + 1 : x;
}

int conn_prepare(struct conn *c, const snn_net *net, uint32_t index, uint64_t seed, snn_diag *d)
{
	const struct projection *pr = &net->projs[index];
	memset(c, 0, sizeof(*c));
	c->pr = pr;
	c->index = index;
	c->seed = seed;
	c->dt = net->sim.dt_ms;
	c->pre_first = net->pops[pr->pre.pop].first;
	c->post_first = net->pops[pr->post.pop].first;
	c->n_pre = target_set_size(&pr->pre);
	c->n_post = target_set_size(&pr->post);
	c->same_pop = pr->pre.pop == pr->post.pop;
	/* fixed_total_number splits its total over the sources (the law of the
	 * pairs is the same as splitting it over the targets) so that each
	 * source's synapses are drawn together and written in one burst. */
	c->source_driven = pr->rule == RULE_FIXED_OUTDEGREE || pr->rule == RULE_FIXED_TOTAL_NUMBER;
	c->n_channels = (uint8_t)net->pops[pr->post.pop].model->n_channels;
	c->log1m_p = log1p(-pr->p);
	if (pr->rule != RULE_FIXED_TOTAL_NUMBER) {
		return SNN_OK;
	}
	/* Split the total over the sources: source i gets a binomial (with
	 * multapses) or hypergeometric (without) share of what is left. */
	c->counts = mem_array_raw(c->n_pre, sizeof(uint32_t));
	if (!c->counts) {
		return snn_diag_error(d, SNN_ENOMEM, pr->where.file, pr->where.line, pr->where.col,
				      "out of memory");
	}
	double pairs_left = 0.0;
	for (uint32_t i = 0; i < c->n_pre; i++) {
		pairs_left += available(c->n_post, self_index(c, &pr->pre, i, &pr->post));
	}
	struct rng r;
	rng_init(&r, seed, RNG_SPLIT, index, 0, 0);
	uint64_t left = pr->n;
	for (uint32_t j = 0; j < c->n_pre; j++) {
		uint32_t avail = available(c->n_post, self_index(c, &pr->pre, j, &pr->post));
		uint64_t k;
		if (j + 1 == c->n_pre) {
			k = left;
		} else if (pr->multapses) {
			k = rng_binomial(&r, left, pairs_left > 0 ? avail / pairs_left : 0.0);
		} else {
			k = rng_hypergeometric(&r, left, avail, (uint64_t)pairs_left);
		}
		if (k > UINT32_MAX) {
			k = UINT32_MAX;
		}
		c->counts[j] = (uint32_t)k;
		left -= k;
		pairs_left -= avail;
	}
	return SNN_OK;
}

void conn_release(struct conn *c)
{
	mem_free(c->counts);
	c->counts = NULL;
}

void conn_scratch_free(struct conn_scratch *sc)
{
	mem_free(sc->idx);
	mem_free(sc->bits);
	mem_free(sc->w);
	mem_free(sc->dl);
	memset(sc, 0, sizeof(*sc));
}

static int reserve(struct conn_scratch *sc, uint64_t n)
{
	if (n <= sc->cap) {
		return 0;
	}
	uint64_t cap = sc->cap ? sc->cap : 256;
	while (cap < n) {
		cap *= 2;
	}
	uint32_t *p = mem_resize(sc->idx, cap, sizeof(uint32_t));
	if (!p) {
		return -1;
	}
	sc->idx = p;
	sc->cap = cap;
	return 0;
}

static int reserve_bits(struct conn_scratch *sc, uint64_t n)
{
	if (n <= sc->nbits) {
		return 0;
	}
	uint64_t words = (n + 63) / 64;
	uint64_t *b = mem_resize(sc->bits, words, sizeof(uint64_t));
	if (!b) {
		return -1;
	}
	memset(b + (sc->nbits + 63) / 64, 0, (words - (sc->nbits + 63) / 64) * sizeof(uint64_t));
	sc->bits = b;
	sc->nbits = words * 64;
	return 0;
}

/* k distinct positions of [0, n) (Floyd's algorithm), in sc->idx[0..k). */
static int draw_distinct(struct rng *r, uint32_t n, uint64_t k, struct conn_scratch *sc)
{
	if (reserve(sc, k) || reserve_bits(sc, n)) {
		return -1;
	}
	uint64_t m = 0;
	for (uint64_t j = n - k; j < n; j++) {
		uint32_t t = rng_below(r, (uint32_t)j + 1);
		if (sc->bits[t / 64] >> (t % 64) & 1) {
			t = (uint32_t)j;
		}
		sc->bits[t / 64] |= (uint64_t)1 << (t % 64);
		sc->idx[m++] = t;
	}
	for (uint64_t i = 0; i < m; i++) {
		sc->bits[sc->idx[i] / 64] &= ~((uint64_t)1 << (sc->idx[i] % 64));
	}
	return 0;
}

/* k positions of [0, avail) with or without repetition, mapped around self. */
static int draw_k(struct rng *r, uint32_t avail, uint32_t self, uint64_t k, bool multapses,
		  struct conn_scratch *sc)
{
	if (multapses) {
		if (reserve(sc, k)) {
			return -1;
		}
		for (uint64_t i = 0; i < k; i++) {
			sc->idx[i] = skip_self(rng_below(r, avail), self);
		}
		return 0;
	}
	if (draw_distinct(r, avail, k, sc)) {
		return -1;
	}
	for (uint64_t i = 0; i < k; i++) {
		sc->idx[i] = skip_self(sc->idx[i], self);
	}
	return 0;
}

/* ------------------------------------------------------------------ convolution geometry */

/* The one definition of a convolution's geometry (PyTorch's): output
 * position o reads input position o stride - pad + k dil through kernel tap
 * k, and nothing when that falls outside the input (zero padding). */
static int64_t conv_pos(uint32_t o, uint32_t k, uint32_t stride, uint32_t pad, uint32_t dil)
{
	return (int64_t)o * stride - (int64_t)pad + (int64_t)k * dil;
}

/* The output position that reads input position i through tap k, solved from
 * conv_pos (and checked against it); false when there is none. */
static bool conv_out_pos(uint32_t i, uint32_t k, uint32_t stride, uint32_t pad, uint32_t dil,
			 uint32_t n_out, uint32_t *o)
{
	int64_t t = (int64_t)i + pad - (int64_t)k * dil;
	if (t < 0 || t % stride != 0 || t / stride >= n_out) {
		return false;
	}
	*o = (uint32_t)(t / stride);
	return conv_pos(*o, k, stride, pad, dil) == (int64_t)i;
}

uint64_t conv_max_taps_of_output(const struct proj_conv *cv)
{
	return (uint64_t)(cv->cin / cv->groups) * cv->kh * cv->kw;
}

uint64_t conv_max_taps_of_input(const struct proj_conv *cv)
{
	return (uint64_t)(cv->cout / cv->groups) * cv->kh * cv->kw;
}

uint32_t conv_taps_of_output(const struct proj_conv *cv, uint32_t j, uint32_t *in, uint32_t *tap)
{
	uint32_t plane = cv->out_h * cv->out_w;
	uint32_t co = j / plane, oy = (j % plane) / cv->out_w, ox = j % cv->out_w;
	uint32_t cin_g = cv->cin / cv->groups;
	uint32_t g = co / (cv->cout / cv->groups);
	uint32_t m = 0;
	for (uint32_t ci = 0; ci < cin_g; ci++) {
		uint32_t c = g * cin_g + ci;
		for (uint32_t ky = 0; ky < cv->kh; ky++) {
			int64_t iy = conv_pos(oy, ky, cv->stride_h, cv->pad_h, cv->dil_h);
			if (iy < 0 || iy >= cv->in_h) {
				continue;
			}
			for (uint32_t kx = 0; kx < cv->kw; kx++) {
				int64_t ix = conv_pos(ox, kx, cv->stride_w, cv->pad_w, cv->dil_w);
				if (ix < 0 || ix >= cv->in_w) {
					continue;
				}
				in[m] = (uint32_t)(((int64_t)c * cv->in_h + iy) * cv->in_w + ix);
				tap[m] = ((co * cin_g + ci) * cv->kh + ky) * cv->kw + kx;
				m++;
			}
		}
	}
	return m;
}

uint32_t conv_taps_of_input(const struct proj_conv *cv, uint32_t i, uint32_t *out, uint32_t *tap)
{
	uint32_t plane = cv->in_h * cv->in_w;
	uint32_t c = i / plane, iy = (i % plane) / cv->in_w, ix = i % cv->in_w;
	uint32_t cin_g = cv->cin / cv->groups, cout_g = cv->cout / cv->groups;
	uint32_t g = c / cin_g, ci = c % cin_g;
	uint32_t m = 0;
	for (uint32_t co = g * cout_g; co < (g + 1) * cout_g; co++) {
		for (uint32_t ky = 0; ky < cv->kh; ky++) {
			uint32_t oy, ox;
			if (!conv_out_pos(iy, ky, cv->stride_h, cv->pad_h, cv->dil_h, cv->out_h,
					  &oy)) {
				continue;
			}
			for (uint32_t kx = 0; kx < cv->kw; kx++) {
				if (!conv_out_pos(ix, kx, cv->stride_w, cv->pad_w, cv->dil_w,
						  cv->out_w, &ox)) {
					continue;
				}
				out[m] = (co * cv->out_h + oy) * cv->out_w + ox;
				tap[m] = ((co * cin_g + ci) * cv->kh + ky) * cv->kw + kx;
				m++;
			}
		}
	}
	return m;
}

/* ------------------------------------------------------------------ explicit projections */

static int reserve_explicit(struct conn_scratch *sc, uint64_t n)
{
	if (reserve(sc, n)) {
		return -1;
	}
	if (n <= sc->wcap) {
		return 0;
	}
	uint64_t cap = sc->wcap ? sc->wcap : 256;
	while (cap < n) {
		cap *= 2;
	}
	float *w = mem_resize(sc->w, cap, sizeof(float));
	if (w) {
		sc->w = w;
	}
	uint32_t *dl = mem_resize(sc->dl, cap, sizeof(uint32_t));
	if (dl) {
		sc->dl = dl;
	}
	if (!w || !dl) {
		return -1;
	}
	sc->wcap = cap;
	return 0;
}

/* Synapses onto target j of an explicit projection, by increasing source. */
static int explicit_sources(const struct proj_explicit *x, uint32_t j, struct conn_scratch *sc,
			    uint64_t *n)
{
	uint64_t m = 0;
	*n = 0;
#define ADD(src, weight)                                                                     \
	do {                                                                                 \
		float w_ = (weight);                                                         \
		if (w_ != 0.0f) {                                                            \
			sc->idx[m] = (src);                                                  \
			sc->w[m] = w_;                                                       \
			sc->dl[m] = x->delay_steps + (x->pre_delay ? x->pre_delay[src] : 0); \
			m++;                                                                 \
		}                                                                            \
	} while (0)
	switch (x->kind) {
	case PROJ_DENSE: {
		if (reserve_explicit(sc, x->n_pre)) {
			return -1;
		}
		const float *row = x->w + (size_t)j * x->n_pre;
		for (uint32_t i = 0; i < x->n_pre; i++) {
			ADD(i, row[i]);
		}
		break;
	}
	case PROJ_SPARSE: {
		if (reserve_explicit(sc, x->row[j + 1] - x->row[j])) {
			return -1;
		}
		for (uint64_t e = x->row[j]; e < x->row[j + 1]; e++) {
			ADD(x->col[e], x->val[e]);
		}
		break;
	}
	case PROJ_DIAG:
		if (reserve_explicit(sc, 1)) {
			return -1;
		}
		ADD(j, x->w ? x->w[j] : 1.0f);
		break;
	case PROJ_CONV: {
		/* the taps' kernel entries go through sc->dl, then become the
		 * weights (compacted in place: zero weights are no synapse) */
		if (reserve_explicit(sc, conv_max_taps_of_output(&x->conv))) {
			return -1;
		}
		uint32_t nt = conv_taps_of_output(&x->conv, j, sc->idx, sc->dl);
		for (uint32_t r = 0; r < nt; r++) {
			ADD(sc->idx[r], x->conv.kernel[sc->dl[r]]);
		}
		break;
	}
	case PROJ_POOL: {
		const struct proj_pool *pl = &x->pool;
		uint32_t plane = pl->out_h * pl->out_w;
		uint32_t c = j / plane, oy = (j % plane) / pl->out_w, ox = j % pl->out_w;
		float w = pl->avg ? (float)(1.0 / ((double)pl->kh * pl->kw)) : 1.0f;
		if (reserve_explicit(sc, (uint64_t)pl->kh * pl->kw)) {
			return -1;
		}
		for (uint32_t ky = 0; ky < pl->kh; ky++) {
			int64_t iy = (int64_t)oy * pl->stride_h - pl->pad_h + ky;
			if (iy < 0 || iy >= pl->in_h) {
				continue;
			}
			for (uint32_t kx = 0; kx < pl->kw; kx++) {
				int64_t ix = (int64_t)ox * pl->stride_w - pl->pad_w + kx;
				if (ix < 0 || ix >= pl->in_w) {
					continue;
				}
				ADD((uint32_t)(((int64_t)c * pl->in_h + iy) * pl->in_w + ix), w);
			}
		}
		break;
	}
	case PROJ_RULE:
	default:
		break;
	}
#undef ADD
	*n = m;
	return 0;
}

uint64_t proj_count_synapses(const struct proj_explicit *x)
{
	struct conn_scratch sc;
	memset(&sc, 0, sizeof(sc));
	uint64_t total = 0;
	for (uint32_t j = 0; j < x->n_post; j++) {
		uint64_t n;
		if (explicit_sources(x, j, &sc, &n) != 0) {
			total = UINT64_MAX;
			break;
		}
		total += n;
	}
	conn_scratch_free(&sc);
	return total;
}

int conn_sources(const struct conn *c, uint32_t j, struct conn_scratch *sc, uint64_t *n)
{
	const struct projection *pr = c->pr;
	if (pr->kind != PROJ_RULE) {
		return explicit_sources(pr->x, j, sc, n);
	}
	uint32_t self = self_index(c, &pr->post, j, &pr->pre);
	uint32_t avail = available(c->n_pre, self);
	struct rng r;
	rng_init(&r, c->seed, RNG_CONNECT, c->index, j, 0);
	*n = 0;
	switch (pr->rule) {
	case RULE_ALL_TO_ALL:
		if (reserve(sc, avail)) {
			return -1;
		}
		for (uint32_t x = 0; x < avail; x++) {
			sc->idx[x] = skip_self(x, self);
		}
		*n = avail;
		return 0;
	case RULE_ONE_TO_ONE:
		if (reserve(sc, 1)) {
			return -1;
		}
		if (self == j) {
			return 0; /* the partner would be the neuron itself */
		}
		sc->idx[0] = j;
		*n = 1;
		return 0;
	case RULE_FIXED_PROBABILITY: {
		uint64_t m = 0;
		if (!(pr->p > 0)) {
			return 0;
		}
		/* skip over the absent pairs: gaps are geometric */
		for (uint64_t x = rng_geometric(&r, c->log1m_p); x < avail;
		     x += 1 + rng_geometric(&r, c->log1m_p)) {
			if (reserve(sc, m + 1)) {
				return -1;
			}
			sc->idx[m++] = skip_self((uint32_t)x, self);
		}
		*n = m;
		return 0;
	}
	case RULE_FIXED_INDEGREE:
		if (draw_k(&r, avail, self, pr->n, pr->multapses, sc)) {
			return -1;
		}
		*n = pr->n;
		return 0;
	case RULE_FIXED_TOTAL_NUMBER:
	case RULE_FIXED_OUTDEGREE:
	default:
		return 0; /* source-driven: see conn_targets */
	}
}

int conn_targets(const struct conn *c, uint32_t i, struct conn_scratch *sc, uint64_t *n)
{
	const struct projection *pr = c->pr;
	uint32_t self = self_index(c, &pr->pre, i, &pr->post);
	uint32_t avail = available(c->n_post, self);
	struct rng r;
	rng_init(&r, c->seed, RNG_CONNECT, c->index, i, 0);
	uint64_t k = pr->rule == RULE_FIXED_TOTAL_NUMBER ? c->counts[i] : pr->n;
	if (draw_k(&r, avail, self, k, pr->multapses, sc)) {
		return -1;
	}
	*n = k;
	return 0;
}

int conn_weight(const struct conn *c, uint32_t a, uint64_t k, double *w)
{
	const struct value *v = &c->pr->weight;
	if (v->kind == VALUE_CONST) {
		*w = v->a;
		return 0;
	}
	return value_draw_at(v, c->seed, RNG_WEIGHT, c->index, a, k << 20, k, w);
}

int conn_delay_ms(const struct conn *c, uint32_t a, uint64_t k, double *ms)
{
	const struct value *v = &c->pr->delay;
	if (v->kind == VALUE_CONST) {
		*ms = v->a;
		return 0;
	}
	return value_draw_at(v, c->seed, RNG_DELAY, c->index, a, k << 20, k, ms) != 0 ? -1 : 0;
}

int conn_delay(const struct conn *c, uint32_t a, uint64_t k, uint32_t *steps)
{
	double dms;
	if (conn_delay_ms(c, a, k, &dms) != 0) {
		return -1;
	}
	double s = nearbyint(dms / c->dt);
	if (!(s >= 1.0) || s > NET_MAX_DELAY_STEPS) {
		return -2;
	}
	*steps = (uint32_t)s;
	return 0;
}
