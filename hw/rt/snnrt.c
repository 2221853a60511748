/*
 * snnrt: the step of a quantized network (model and fixed-point formats in
 * snnrt.h), the same source on the host and in every image.
 * Layer: hw/rt. Freestanding: includes only <stdint.h>-class headers, calls
 * nothing, allocates nothing; floats are poisoned (snnrt.h).
 */
#include <limits.h>

#include "snnrt.h"

#ifdef SNNRT_HOST_TOOL
#error "the runtime is integer only: SNNRT_HOST_TOOL is for the tools that build its tables"
#endif

static inline int32_t sat32(int64_t x)
{
	if (x > INT32_MAX) {
		return INT32_MAX;
	}
	if (x < INT32_MIN) {
		return INT32_MIN;
	}
	return (int32_t)x;
}

/* x / 2^sh rounded to nearest (ties up), for negative x too; the one place
 * where negative numbers are shifted. C leaves >> of a negative number to
 * the compiler; every compiler we build with shifts arithmetically, which
 * the assertion below checks at compile time and snnrt_selftest at run
 * time. */
_Static_assert(((int64_t)-5 >> 1) == -3, "the runtime needs an arithmetic right shift");

static inline int64_t shr_round(int64_t x, uint32_t sh)
{
	if (sh == 0) {
		return x;
	}
	return (x + ((int64_t)1 << (sh - 1))) >> sh;
}

static inline int32_t mul_shift(int32_t x, int32_t mul, uint32_t sh)
{
	return sat32(shr_round((int64_t)x * mul, sh));
}

static inline int32_t decay(int32_t x, int32_t a)
{
	return sat32(shr_round((int64_t)x * a, SNNRT_DECAY_BITS));
}

static inline int32_t *slot(const struct snnrt_pop *p, struct snnrt_ram *r, uint32_t step)
{
	return r->words + p->out_off + (step % p->hist) * p->size;
}

static inline int32_t weight(const struct snnrt_proj *q, uint32_t k)
{
	return q->w8 ? (int32_t)q->w8[k] : (int32_t)q->w16[k];
}

static inline void add(int32_t *acc, uint32_t i, int32_t w, int32_t y)
{
	acc[i] = sat32((int64_t)acc[i] + (int64_t)w * y);
}

void snnrt_reset(const struct snnrt_model *m, struct snnrt_ram *r)
{
	for (uint32_t k = 0; k < m->n_words; k++) {
		r->words[k] = 0;
	}
	for (uint32_t k = 0; k < m->n_pops; k++) {
		const struct snnrt_pop *p = &m->pops[k];
		if (p->model >= SNNRT_LI) {
			for (uint32_t i = 0; i < p->size; i++) {
				r->words[p->v_off + i] = p->v0;
			}
		}
	}
	r->step = 0;
	r->syn_events = 0;
}

void snnrt_init(const struct snnrt_model *m, struct snnrt_ram *r)
{
	snnrt_reset(m, r);
}

/* Convolution, scattered from one active source (c, y, x) with output y0. */
static uint32_t conv_scatter(const struct snnrt_proj *q, int32_t *acc, uint32_t c, uint32_t iy,
			     uint32_t ix, int32_t y0)
{
	uint32_t cin_g = (uint32_t)q->cin / q->groups;
	uint32_t cout_g = (uint32_t)q->cout / q->groups;
	uint32_t g = c / cin_g;
	uint32_t ci = c - g * cin_g;
	uint32_t ops = 0;
	for (uint32_t ky = 0; ky < q->kh; ky++) {
		int32_t ty = (int32_t)(iy + q->ph) - (int32_t)(ky * q->dh);
		if (ty < 0 || ty % q->sh != 0 || ty / q->sh >= (int32_t)q->out_h) {
			continue;
		}
		uint32_t oy = (uint32_t)(ty / q->sh);
		for (uint32_t kx = 0; kx < q->kw; kx++) {
			int32_t tx = (int32_t)(ix + q->pw) - (int32_t)(kx * q->dw);
			if (tx < 0 || tx % q->sw != 0 || tx / q->sw >= (int32_t)q->out_w) {
				continue;
			}
			uint32_t ox = (uint32_t)(tx / q->sw);
			for (uint32_t co = g * cout_g; co < (g + 1) * cout_g; co++) {
				uint32_t k = ((co * cin_g + ci) * q->kh + ky) * q->kw + kx;
				add(acc, (co * q->out_h + oy) * q->out_w + ox, weight(q, k), y0);
			}
			ops += cout_g;
		}
	}
	return ops;
}

static uint32_t pool_scatter(const struct snnrt_proj *q, int32_t *acc, uint32_t c, uint32_t iy,
			     uint32_t ix, int32_t y0)
{
	uint32_t ops = 0;
	for (uint32_t ky = 0; ky < q->kh; ky++) {
		int32_t ty = (int32_t)(iy + q->ph) - (int32_t)ky;
		if (ty < 0 || ty % q->sh != 0 || ty / q->sh >= (int32_t)q->out_h) {
			continue;
		}
		for (uint32_t kx = 0; kx < q->kw; kx++) {
			int32_t tx = (int32_t)(ix + q->pw) - (int32_t)kx;
			if (tx < 0 || tx % q->sw != 0 || tx / q->sw >= (int32_t)q->out_w) {
				continue;
			}
			uint32_t o = (c * q->out_h + (uint32_t)(ty / q->sh)) * q->out_w +
				     (uint32_t)(tx / q->sw);
			add(acc, o, q->w_pool, y0);
			ops++;
		}
	}
	return ops;
}

/* Adds one projection's contribution to its target's accumulator; returns
 * the synaptic events. Work grows with the active sources times fan-out. */
static uint32_t deliver(const struct snnrt_model *m, const struct snnrt_proj *q,
			struct snnrt_ram *r)
{
	const struct snnrt_pop *pre = &m->pops[q->pre];
	const struct snnrt_pop *post = &m->pops[q->post];
	if (r->step < q->delay) {
		return 0;
	}
	const int32_t *y = slot(pre, r, r->step - q->delay);
	int32_t *acc = r->words + post->acc_off;
	uint32_t ops = 0;
	for (uint32_t j = 0; j < pre->size; j++) {
		int32_t yj = y[j];
		if (yj == 0) {
			continue;
		}
		switch (q->kind) {
		case SNNRT_DENSE: {
			uint32_t base = j * post->size;
			for (uint32_t i = 0; i < post->size; i++) {
				add(acc, i, weight(q, base + i), yj);
			}
			ops += post->size;
			break;
		}
		case SNNRT_SPARSE:
			for (uint32_t k = q->row[j]; k < q->row[j + 1]; k++) {
				add(acc, q->col[k], weight(q, k), yj);
			}
			ops += q->row[j + 1] - q->row[j];
			break;
		case SNNRT_DIAG:
			add(acc, j, weight(q, j), yj);
			ops++;
			break;
		case SNNRT_CONV:
		case SNNRT_POOL: {
			uint32_t hw = (uint32_t)q->in_h * q->in_w;
			uint32_t c = j / hw;
			uint32_t iy = (j - c * hw) / q->in_w;
			uint32_t ix = j - c * hw - iy * q->in_w;
			ops += q->kind == SNNRT_CONV ? conv_scatter(q, acc, c, iy, ix, yj)
						     : pool_scatter(q, acc, c, iy, ix, yj);
			break;
		}
		default:
			break;
		}
	}
	return ops;
}

/* Threshold test and reset; returns the spikes emitted. */
static inline int32_t fire(const struct snnrt_pop *p, int32_t *v)
{
	if (*v <= p->v_th) {
		return 0;
	}
	int32_t n = 1;
	if (p->flags & SNNRT_F_MULTI) {
		/* v > v_th > v_reset and jump > 0 (the compiler checks): the
		 * difference fits in 32 unsigned bits, and n in 31 */
		uint32_t d = (uint32_t)*v - (uint32_t)p->v_reset;
		n = (int32_t)(d / (uint32_t)p->jump);
	}
	if (p->flags & SNNRT_F_SUBTRACT) {
		*v = sat32((int64_t)*v - (int64_t)n * p->jump);
	} else {
		*v = p->v_reset;
	}
	return n;
}

/* Philox4x32-10 of counter c under key (k0, k1), in place (the rounds of
 * Random123's philox4x32, integers only). */
static void philox(uint32_t c[4], uint32_t k0, uint32_t k1)
{
	for (int n = 0; n < 10; n++) {
		uint64_t p0 = (uint64_t)0xD2511F53u * c[0];
		uint64_t p1 = (uint64_t)0xCD9E8D57u * c[2];
		uint32_t x0 = (uint32_t)(p1 >> 32) ^ c[1] ^ k0;
		uint32_t x2 = (uint32_t)(p0 >> 32) ^ c[3] ^ k1;
		c[0] = x0;
		c[1] = (uint32_t)p1;
		c[2] = x2;
		c[3] = (uint32_t)p0;
		k0 += 0x9E3779B9u;
		k1 += 0xBB67AE85u;
	}
}

/* Adds a Poisson stimulus's counts of this step to its population's
 * accumulator. */
static void stimulate(const struct snnrt_model *m, const struct snnrt_stim *s, struct snnrt_ram *r)
{
	if (r->step < s->delay) {
		return;
	}
	uint32_t e = r->step - s->delay;
	if (e < s->start || e >= s->stop) {
		return;
	}
	int32_t *acc = r->words + m->pops[s->pop].acc_off;
	/* steps 2m and 2m + 1 share the block of counter m << 8: words 0-1, 2-3 */
	uint64_t ctr = (uint64_t)(e >> 1) << 8;
	uint32_t w = (e & 1) * 2;
	for (uint32_t i = s->lo; i < s->hi; i++) {
		uint32_t c[4] = {s->gfirst + i, (4u << 24) | (s->sub & 0xFFFFFFu), (uint32_t)ctr,
				 (uint32_t)(ctr >> 32)};
		philox(c, s->seed_lo, s->seed_hi);
		uint64_t x = ((uint64_t)(c[w] >> 5) << 26) | (uint64_t)(c[w + 1] >> 6);
		uint32_t k = 0;
		while (k < s->n_thr && x >= s->thr[k]) {
			k++;
		}
		k = k < s->cmax ? k : s->cmax;
		if (k) {
			acc[i] = sat32((int64_t)acc[i] + (int64_t)s->wq * k);
		}
	}
}

static void update(const struct snnrt_pop *p, struct snnrt_ram *r, const int32_t *in)
{
	int32_t *acc = r->words + p->acc_off;
	int32_t *out = slot(p, r, r->step);
	int32_t *v = r->words + p->v_off;
	int32_t *cur = v + p->size;
	int32_t *ref = p->ref_steps ? r->words + p->r_off : NULL;
	bool spiking = p->model == SNNRT_LIF || p->model == SNNRT_IF || p->model == SNNRT_CUBA_LIF;
	int32_t in_mul = p->in_mul;
	uint32_t in_sh = p->in_sh;
	uint32_t ch = 0, left = p->ch_size;
	for (uint32_t i = 0; i < p->size; i++) {
		int32_t a = p->bias ? sat32((int64_t)acc[i] + p->bias[i]) : acc[i];
		int32_t y = 0;
		bool held = ref && ref[i] > 0;
		if (p->ch_mul) {
			/* channels are runs of ch_size neurons: no division */
			if (left == 0) {
				ch++;
				left = p->ch_size;
			}
			left--;
			in_mul = p->ch_mul[ch];
			in_sh = p->ch_sh[ch];
		}
		if (held) {
			ref[i]--;
		}
		switch (p->model) {
		case SNNRT_INPUT:
			y = in[p->input_off + i];
			break;
		case SNNRT_RELAY:
			y = mul_shift(a, in_mul, in_sh);
			break;
		case SNNRT_THRESHOLD:
			y = a > p->v_th ? 1 : 0;
			break;
		case SNNRT_LI:
		case SNNRT_LIF:
			if (held) {
				y = v[i];
				break;
			}
			y = sat32((int64_t)decay(v[i], p->a_m) + p->c_m +
				  mul_shift(a, in_mul, in_sh));
			if ((p->flags & SNNRT_F_VMIN) && y < p->v_min) {
				y = p->v_min;
			}
			break;
		case SNNRT_I:
		case SNNRT_IF:
			y = sat32((int64_t)v[i] + mul_shift(a, in_mul, in_sh));
			break;
		case SNNRT_CUBA_LI:
		case SNNRT_CUBA_LIF: {
			int32_t c0 = cur[i];
			int32_t c = sat32((int64_t)decay(c0, p->a_s) + mul_shift(a, in_mul, in_sh));
			cur[i] = c;
			if (held) {
				y = v[i];
				break;
			}
			c = (p->flags & SNNRT_F_OLDCUR) ? c0 : c;
			y = sat32((int64_t)decay(v[i], p->a_m) + p->c_m +
				  mul_shift(c, p->syn_mul, p->syn_sh));
			break;
		}
		default:
			break;
		}
		if (p->model >= SNNRT_LI) {
			int32_t z = spiking ? fire(p, &y) : y;
			if (ref && spiking && z) {
				ref[i] = (int32_t)p->ref_steps;
			}
			v[i] = y;
			y = z;
		}
		out[i] = y;
		acc[i] = 0;
	}
}

void snnrt_step(const struct snnrt_model *m, struct snnrt_ram *r, const int32_t *in)
{
	uint32_t ops = 0;
	for (uint32_t k = 0; k < m->n_pops; k++) {
		for (uint32_t q = 0; q < m->n_projs; q++) {
			if (m->projs[q].post == k) {
				ops += deliver(m, &m->projs[q], r);
			}
		}
		for (uint32_t s = 0; s < m->n_stims; s++) {
			if (m->stims[s].pop == k) {
				stimulate(m, &m->stims[s], r);
			}
		}
		update(&m->pops[k], r, in);
	}
	r->syn_events = ops;
	r->step++;
}

const int32_t *snnrt_output(const struct snnrt_model *m, const struct snnrt_ram *r, uint32_t p)
{
	const struct snnrt_pop *pp = &m->pops[p];
	uint32_t last = r->step ? r->step - 1 : 0;
	return r->words + pp->out_off + (last % pp->hist) * pp->size;
}

int snnrt_selftest(void)
{
	/* volatile: computed at run time, not folded by the compiler */
	static const volatile struct {
		int64_t x;
		uint32_t sh;
		int64_t want;
	} shr[] = {
	    {5, 0, 5},	 {5, 1, 3},   {4, 1, 2},   {-3, 1, -1}, {-4, 1, -2},
	    {-5, 2, -1}, {-6, 2, -1}, {-7, 2, -2}, {-1, 30, 0}, {-((int64_t)3 << 40), 41, -1},
	};
	static const volatile struct {
		int32_t x, mul;
		uint32_t sh;
		int32_t want;
	} ms[] = {
	    {-100, 3, 2, -75},
	    {-101, 3, 2, -76},
	    {INT32_MAX, 4, 1, INT32_MAX},
	    {INT32_MIN, 4, 1, INT32_MIN},
	    {INT32_MIN, 1, 0, INT32_MIN},
	};
	int n = 0;
	for (size_t k = 0; k < sizeof(shr) / sizeof(shr[0]); k++) {
		n++;
		if (shr_round(shr[k].x, shr[k].sh) != shr[k].want) {
			return n;
		}
	}
	for (size_t k = 0; k < sizeof(ms) / sizeof(ms[0]); k++) {
		n++;
		if (mul_shift(ms[k].x, ms[k].mul, ms[k].sh) != ms[k].want) {
			return n;
		}
	}
	return 0;
}

#ifdef SNNRT_FREESTANDING
/* Byte loops: images copy little, and these keep the compiler from needing
 * a libc for struct copies and zeroing it may emit. */
void *memcpy(void *restrict d, const void *restrict s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	while (n--) {
		*dp++ = *sp++;
	}
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if (dp < sp) {
		while (n--) {
			*dp++ = *sp++;
		}
	} else {
		while (n--) {
			dp[n] = sp[n];
		}
	}
	return d;
}

void *memset(void *d, int c, size_t n)
{
	unsigned char *dp = d;
	while (n--) {
		*dp++ = (unsigned char)c;
	}
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t k = 0; k < n; k++) {
		if (x[k] != y[k]) {
			return x[k] < y[k] ? -1 : 1;
		}
	}
	return 0;
}
#endif
