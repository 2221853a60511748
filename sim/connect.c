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

int conn_prepare(struct conn *c, const snn_net *net, uint32_t index, uint64_t seed,
		 snn_diag *d)
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
	c->source_driven = pr->rule == RULE_FIXED_OUTDEGREE;
	c->n_channels = (uint8_t)net->pops[pr->post.pop].model->n_channels;
	c->log1m_p = log1p(-pr->p);
	if (pr->rule != RULE_FIXED_TOTAL_NUMBER) {
		return SNN_OK;
	}
	/* Split the total over the targets: target j gets a binomial (with
	 * multapses) or hypergeometric (without) share of what is left. */
	c->counts = malloc((c->n_post ? c->n_post : 1) * sizeof(uint32_t));
	if (!c->counts) {
		return snn_diag_error(d, SNN_ENOMEM, pr->where.file, pr->where.line, pr->where.col,
				      "out of memory");
	}
	double pairs_left = 0.0;
	for (uint32_t j = 0; j < c->n_post; j++) {
		pairs_left += available(c->n_pre, self_index(c, &pr->post, j, &pr->pre));
	}
	struct rng r;
	rng_init(&r, seed, RNG_SPLIT, index, 0, 0);
	uint64_t left = pr->n;
	for (uint32_t j = 0; j < c->n_post; j++) {
		uint32_t avail = available(c->n_pre, self_index(c, &pr->post, j, &pr->pre));
		uint64_t k;
		if (j + 1 == c->n_post) {
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
	free(c->counts);
	c->counts = NULL;
}

void conn_scratch_free(struct conn_scratch *sc)
{
	free(sc->idx);
	free(sc->bits);
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
	uint32_t *p = realloc(sc->idx, cap * sizeof(uint32_t));
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
	uint64_t *b = realloc(sc->bits, words * sizeof(uint64_t));
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

int conn_sources(const struct conn *c, uint32_t j, struct conn_scratch *sc, uint64_t *n)
{
	const struct projection *pr = c->pr;
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
		if (draw_k(&r, avail, self, c->counts[j], pr->multapses, sc)) {
			return -1;
		}
		*n = c->counts[j];
		return 0;
	case RULE_FIXED_OUTDEGREE:
	default:
		return 0;
	}
}

int conn_targets(const struct conn *c, uint32_t i, struct conn_scratch *sc, uint64_t *n)
{
	const struct projection *pr = c->pr;
	uint32_t self = self_index(c, &pr->pre, i, &pr->post);
	uint32_t avail = available(c->n_post, self);
	struct rng r;
	rng_init(&r, c->seed, RNG_CONNECT, c->index, i, 0);
	if (draw_k(&r, avail, self, pr->n, pr->multapses, sc)) {
		return -1;
	}
	*n = pr->n;
	return 0;
}

int conn_weight(const struct conn *c, uint32_t a, uint64_t k, double *w)
{
	const struct value *v = &c->pr->weight;
	if (v->kind == VALUE_CONST) {
		*w = v->a;
		return 0;
	}
	struct rng r;
	rng_init(&r, c->seed, RNG_WEIGHT, c->index, a, k << 20);
	return value_draw(v, &r, k, w);
}

int conn_delay_ms(const struct conn *c, uint32_t a, uint64_t k, double *ms)
{
	const struct value *v = &c->pr->delay;
	if (v->kind == VALUE_CONST) {
		*ms = v->a;
		return 0;
	}
	struct rng r;
	rng_init(&r, c->seed, RNG_DELAY, c->index, a, k << 20);
	return value_draw(v, &r, k, ms) != 0 ? -1 : 0;
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
