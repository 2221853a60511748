/*
 * The viewer's spike store and its binning into density grids.
 * Layer: libsnn (viz support), public API in include/snn/raster.h. Pure
 * computation: it must not include SDL nor know about windows.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "snn/raster.h"
#include "mem_int.h"

struct rpop {
	char *name;
	uint32_t size;	   /* declared size, 0 when unknown */
	uint32_t id_bound; /* largest node id seen + 1 */
	bool visible;
	double *t; /* times in ms, non-decreasing */
	uint32_t *id;
	size_t n, cap;
};

struct snn_raster {
	struct rpop *pops;
	size_t n_pops, cap_pops;
	uint64_t total;
	double t_end;
};

snn_raster *snn_raster_new(void)
{
	return mem_zalloc(sizeof(snn_raster));
}

void snn_raster_free(snn_raster *r)
{
	if (!r) {
		return;
	}
	for (size_t i = 0; i < r->n_pops; i++) {
		mem_free(r->pops[i].name);
		mem_free(r->pops[i].t);
		mem_free(r->pops[i].id);
	}
	mem_free(r->pops);
	mem_free(r);
}

int snn_raster_add_population(snn_raster *r, const char *name, uint32_t size, size_t *index,
			      snn_diag *d)
{
	if (!name || !*name) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0, "a population needs a name");
	}
	for (size_t i = 0; i < r->n_pops; i++) {
		if (strcmp(r->pops[i].name, name) == 0) {
			return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
					      "population '%s' is already present", name);
		}
	}
	if (r->n_pops == r->cap_pops) {
		size_t c = r->cap_pops ? r->cap_pops * 2 : 8;
		struct rpop *p = mem_resize(r->pops, c, sizeof(*p));
		if (!p) {
			return mem_nomem(d);
		}
		r->pops = p;
		r->cap_pops = c;
	}
	struct rpop *p = &r->pops[r->n_pops];
	memset(p, 0, sizeof(*p));
	p->name = mem_strdup(name);
	if (!p->name) {
		return mem_nomem(d);
	}
	p->size = size;
	p->id_bound = size;
	p->visible = true;
	if (index) {
		*index = r->n_pops;
	}
	r->n_pops++;
	return SNN_OK;
}

static int reserve(struct rpop *p, size_t extra)
{
	if (extra > SIZE_MAX / 2 - p->n) {
		return -1;
	}
	if (p->n + extra <= p->cap) {
		return 0;
	}
	size_t c = p->cap ? p->cap : 1024;
	while (c < p->n + extra) {
		c *= 2;
	}
	if (c > SIZE_MAX / sizeof(double)) {
		return -1;
	}
	double *t = mem_resize(p->t, c, sizeof(double));
	if (!t) {
		return -1;
	}
	p->t = t;
	uint32_t *id = mem_resize(p->id, c, sizeof(uint32_t));
	if (!id) {
		return -1;
	}
	p->id = id;
	p->cap = c;
	return 0;
}

int snn_raster_append(snn_raster *r, size_t pop, const double *t_ms, const uint64_t *node_ids,
		      size_t n, snn_diag *d)
{
	if (pop >= r->n_pops) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0, "no population %zu", pop);
	}
	struct rpop *p = &r->pops[pop];
	double prev = p->n ? p->t[p->n - 1] : -INFINITY;
	uint32_t bound = p->id_bound;
	/* check everything first, so that a bad batch appends nothing */
	for (size_t k = 0; k < n; k++) {
		if (!(t_ms[k] >= prev) || !isfinite(t_ms[k])) {
			return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
					      "%s: spike %zu at %g ms comes before %g ms or is "
					      "not a finite time",
					      p->name, k, t_ms[k], prev);
		}
		if (node_ids[k] >= UINT32_MAX) {
			return snn_diag_error(d, SNN_ERANGE, NULL, 0, 0,
					      "%s: node id %llu is too large to show", p->name,
					      (unsigned long long)node_ids[k]);
		}
		prev = t_ms[k];
		if (node_ids[k] + 1 > bound) {
			bound = (uint32_t)node_ids[k] + 1;
		}
	}
	if (reserve(p, n) != 0) {
		return mem_nomem(d);
	}
	for (size_t k = 0; k < n; k++) {
		p->t[p->n + k] = t_ms[k];
		p->id[p->n + k] = (uint32_t)node_ids[k];
	}
	p->n += n;
	p->id_bound = bound;
	r->total += n;
	if (n && t_ms[n - 1] > r->t_end) {
		r->t_end = t_ms[n - 1];
	}
	return SNN_OK;
}

/* Stable bottom-up merge sort of (t, id) pairs by t; tmp holds n of each. */
static void sort_by_time(double *t, uint32_t *id, double *tt, uint32_t *ti, size_t n)
{
	double *st = t, *dt = tt;
	uint32_t *si = id, *di = ti;
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n;
			size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t a = lo, b = mid, o = lo;
			while (a < mid && b < hi) {
				if (st[b] < st[a]) {
					dt[o] = st[b];
					di[o++] = si[b++];
				} else {
					dt[o] = st[a];
					di[o++] = si[a++];
				}
			}
			while (a < mid) {
				dt[o] = st[a];
				di[o++] = si[a++];
			}
			while (b < hi) {
				dt[o] = st[b];
				di[o++] = si[b++];
			}
		}
		double *x = st;
		st = dt;
		dt = x;
		uint32_t *y = si;
		si = di;
		di = y;
	}
	if (st != t) {
		memcpy(t, st, n * sizeof(double));
		memcpy(id, si, n * sizeof(uint32_t));
	}
}

static int fill_pop(struct rpop *p, const snn_spike_population *sp, snn_diag *d)
{
	size_t n = (size_t)sp->n;
	if (sp->n > SIZE_MAX / 2 || reserve(p, n) != 0) {
		return mem_nomem(d);
	}
	bool sorted = true;
	uint32_t bound = 0;
	for (size_t k = 0; k < n; k++) {
		if (sp->node_ids[k] >= UINT32_MAX) {
			return snn_diag_error(d, SNN_ERANGE, NULL, 0, 0,
					      "population %s: node id %llu is too large to show",
					      p->name, (unsigned long long)sp->node_ids[k]);
		}
		p->t[k] = sp->t_ms[k];
		p->id[k] = (uint32_t)sp->node_ids[k];
		if (p->id[k] + 1 > bound) {
			bound = p->id[k] + 1;
		}
		if (k && sp->t_ms[k] < sp->t_ms[k - 1]) {
			sorted = false;
		}
	}
	if (!sorted) {
		double *tt = mem_array_raw(n, sizeof(double));
		uint32_t *ti = mem_array_raw(n, sizeof(uint32_t));
		if (!tt || !ti) {
			mem_free(tt);
			mem_free(ti);
			return mem_nomem(d);
		}
		sort_by_time(p->t, p->id, tt, ti, n);
		mem_free(tt);
		mem_free(ti);
	}
	p->n = n;
	p->id_bound = bound > p->id_bound ? bound : p->id_bound;
	return SNN_OK;
}

int snn_raster_from_spikes(const snn_spike_data *s, snn_raster **out, snn_diag *d)
{
	*out = NULL;
	snn_raster *r = snn_raster_new();
	if (!r) {
		return mem_nomem(d);
	}
	int rc = SNN_OK;
	for (size_t i = 0; i < s->n_pops; i++) {
		size_t idx;
		rc = snn_raster_add_population(r, s->pops[i].name, 0, &idx, d);
		if (rc != SNN_OK) {
			goto out_free;
		}
		rc = fill_pop(&r->pops[idx], &s->pops[i], d);
		if (rc != SNN_OK) {
			goto out_free;
		}
		r->total += r->pops[idx].n;
		if (r->pops[idx].n && r->pops[idx].t[r->pops[idx].n - 1] > r->t_end) {
			r->t_end = r->pops[idx].t[r->pops[idx].n - 1];
		}
	}
	*out = r;
	return SNN_OK;
out_free:
	snn_raster_free(r);
	return rc;
}

int snn_raster_load(const char *path, snn_raster **out, snn_diag *d)
{
	snn_spike_data *s = NULL;
	*out = NULL;
	int rc = snn_spike_data_read(path, &s, d);
	if (rc != SNN_OK) {
		return rc;
	}
	rc = snn_raster_from_spikes(s, out, d);
	snn_spike_data_free(s);
	return rc;
}

size_t snn_raster_population_count(const snn_raster *r)
{
	return r->n_pops;
}

const char *snn_raster_population_name(const snn_raster *r, size_t pop)
{
	return pop < r->n_pops ? r->pops[pop].name : NULL;
}

/* The rows a population takes: its declared size, or what its ids need. */
static uint32_t pop_rows(const struct rpop *p)
{
	return p->id_bound > p->size ? p->id_bound : p->size;
}

uint32_t snn_raster_population_size(const snn_raster *r, size_t pop)
{
	return pop < r->n_pops ? pop_rows(&r->pops[pop]) : 0;
}

uint64_t snn_raster_population_spikes(const snn_raster *r, size_t pop)
{
	return pop < r->n_pops ? r->pops[pop].n : 0;
}

uint64_t snn_raster_spike_count(const snn_raster *r)
{
	return r->total;
}

double snn_raster_t_first(const snn_raster *r)
{
	double t = INFINITY;
	for (size_t i = 0; i < r->n_pops; i++) {
		if (r->pops[i].n && r->pops[i].t[0] < t) {
			t = r->pops[i].t[0];
		}
	}
	return isinf(t) ? 0.0 : t;
}

double snn_raster_t_last(const snn_raster *r)
{
	double t = -INFINITY;
	for (size_t i = 0; i < r->n_pops; i++) {
		if (r->pops[i].n && r->pops[i].t[r->pops[i].n - 1] > t) {
			t = r->pops[i].t[r->pops[i].n - 1];
		}
	}
	return isinf(t) ? 0.0 : t;
}

double snn_raster_t_end(const snn_raster *r)
{
	return r->t_end;
}

void snn_raster_set_t_end(snn_raster *r, double t_ms)
{
	if (t_ms > r->t_end) {
		r->t_end = t_ms;
	}
}

void snn_raster_set_visible(snn_raster *r, size_t pop, bool visible)
{
	if (pop < r->n_pops) {
		r->pops[pop].visible = visible;
	}
}

bool snn_raster_is_visible(const snn_raster *r, size_t pop)
{
	return pop < r->n_pops && r->pops[pop].visible;
}

uint64_t snn_raster_rows(const snn_raster *r)
{
	uint64_t rows = 0;
	for (size_t i = 0; i < r->n_pops; i++) {
		rows += r->pops[i].visible ? pop_rows(&r->pops[i]) : 0;
	}
	return rows;
}

int64_t snn_raster_first_row(const snn_raster *r, size_t pop)
{
	if (pop >= r->n_pops || !r->pops[pop].visible) {
		return -1;
	}
	uint64_t row = 0;
	for (size_t i = 0; i < pop; i++) {
		row += r->pops[i].visible ? pop_rows(&r->pops[i]) : 0;
	}
	return (int64_t)row;
}

long snn_raster_pop_at_row(const snn_raster *r, double row)
{
	if (!(row >= 0)) {
		return -1;
	}
	double first = 0;
	for (size_t i = 0; i < r->n_pops; i++) {
		if (!r->pops[i].visible) {
			continue;
		}
		double next = first + pop_rows(&r->pops[i]);
		if (row < next) {
			return (long)i;
		}
		first = next;
	}
	return -1;
}

size_t snn_raster_lower_bound(const snn_raster *r, size_t pop, double t_ms)
{
	if (pop >= r->n_pops) {
		return 0;
	}
	const double *t = r->pops[pop].t;
	size_t lo = 0, hi = r->pops[pop].n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t[mid] < t_ms) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

const double *snn_raster_times(const snn_raster *r, size_t pop)
{
	return pop < r->n_pops ? r->pops[pop].t : NULL;
}

const uint32_t *snn_raster_node_ids(const snn_raster *r, size_t pop)
{
	return pop < r->n_pops ? r->pops[pop].id : NULL;
}

static int grow_bins(snn_raster_bins *b, size_t cells, size_t cols, snn_diag *d)
{
	if (cells > b->cap_count) {
		uint32_t *c = mem_resize(b->count, cells, sizeof(uint32_t));
		if (!c) {
			return mem_nomem(d);
		}
		b->count = c;
		b->cap_count = cells;
	}
	if (cols > b->cap_cols) {
		uint32_t *c = mem_resize(b->col_count, cols, sizeof(uint32_t));
		if (!c) {
			return mem_nomem(d);
		}
		b->col_count = c;
		b->cap_cols = cols;
	}
	return SNN_OK;
}

int snn_raster_bin(const snn_raster *r, const snn_raster_window *w, snn_raster_bins *b, snn_diag *d)
{
	if (!(w->t1_ms > w->t0_ms) || !(w->row1 > w->row0) || !isfinite(w->t0_ms) ||
	    !isfinite(w->t1_ms) || !isfinite(w->row0) || !isfinite(w->row1) || w->width == 0 ||
	    w->height == 0) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "empty view: t [%g, %g) ms, rows [%g, %g), %u x %u bins",
				      w->t0_ms, w->t1_ms, w->row0, w->row1, w->width, w->height);
	}
	size_t cells = (size_t)w->width * w->height;
	size_t cols = (size_t)w->width * (r->n_pops ? r->n_pops : 1);
	if (cells / w->width != w->height) {
		return snn_diag_error(d, SNN_ERANGE, NULL, 0, 0, "view too large");
	}
	int rc = grow_bins(b, cells, cols, d);
	if (rc != SNN_OK) {
		return rc;
	}
	b->width = w->width;
	b->height = w->height;
	b->n_pops = r->n_pops;
	memset(b->count, 0, cells * sizeof(uint32_t));
	memset(b->col_count, 0, cols * sizeof(uint32_t));
	b->shown = 0;
	b->in_time = 0;
	const double sx = w->width / (w->t1_ms - w->t0_ms);
	const double sy = w->height / (w->row1 - w->row0);
	const double t0 = w->t0_ms, row0 = w->row0;
	const double fw = w->width, fh = w->height;
	const uint32_t width = w->width, height = w->height;
	uint32_t *count = b->count;
	uint64_t first = 0, shown = 0;
	for (size_t i = 0; i < r->n_pops; i++) {
		const struct rpop *p = &r->pops[i];
		if (!p->visible) {
			continue;
		}
		size_t k0 = snn_raster_lower_bound(r, i, w->t0_ms);
		size_t k1 = snn_raster_lower_bound(r, i, w->t1_ms);
		uint32_t *cc = b->col_count + i * width;
		/* the rows of this population that fall inside the window decide
		 * whether the grid needs touching at all */
		bool rows_in = (double)first + pop_rows(p) > row0 && (double)first < w->row1;
		for (size_t k = k0; k < k1; k++) {
			double fx = (p->t[k] - t0) * sx;
			if (fx >= fw) {
				continue;
			}
			uint32_t x = (uint32_t)fx;
			cc[x]++;
			if (!rows_in) {
				continue;
			}
			double fy = ((double)(first + p->id[k]) + 0.5 - row0) * sy;
			if (fy < 0 || fy >= fh) {
				continue;
			}
			count[(size_t)x * height + (uint32_t)fy]++;
			shown++;
		}
		b->in_time += k1 - k0;
		first += pop_rows(p);
	}
	uint32_t mx = 0;
	for (size_t c = 0; c < cells; c++) {
		mx = count[c] > mx ? count[c] : mx;
	}
	b->max_count = mx;
	b->shown = shown;
	return SNN_OK;
}

void snn_raster_bins_free(snn_raster_bins *b)
{
	if (!b) {
		return;
	}
	mem_free(b->count);
	mem_free(b->col_count);
	memset(b, 0, sizeof(*b));
}

double snn_raster_rate_hz(const snn_raster *r, const snn_raster_bins *b, const snn_raster_window *w,
			  size_t pop, uint32_t c0, uint32_t c1)
{
	if (pop >= r->n_pops || pop >= b->n_pops || c1 > b->width || c0 >= c1) {
		return 0.0;
	}
	uint32_t rows = pop_rows(&r->pops[pop]);
	if (rows == 0) {
		return 0.0;
	}
	uint64_t n = 0;
	for (uint32_t c = c0; c < c1; c++) {
		n += b->col_count[pop * b->width + c];
	}
	double s = (double)(c1 - c0) * (w->t1_ms - w->t0_ms) / b->width * 1e-3;
	return (double)n / ((double)rows * s);
}

uint32_t snn_raster_color(size_t i)
{
	/* Okabe & Ito's colour-blind-safe set, then four darker companions */
	static const uint32_t pal[10] = {0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00,
					 0x56B4E9, 0x8C510A, 0x5E3C99, 0x1B7837, 0xB2182B};
	return pal[i % 10];
}

/* ------------------------------------------------------------ stream sink */

static int sink_hello(void *ctx, size_t n_pops, snn_diag *d)
{
	(void)n_pops;
	if (snn_raster_population_count(ctx) != 0) {
		return snn_diag_error(d, SNN_EPARSE, NULL, 0, 0, "live stream: a second HELLO");
	}
	return SNN_OK;
}

static int sink_population(void *ctx, const char *name, uint32_t size, snn_diag *d)
{
	return snn_raster_add_population(ctx, name, size, NULL, d);
}

static int sink_spikes(void *ctx, size_t pop, const double *t_ms, const uint64_t *ids, size_t n,
		       snn_diag *d)
{
	return snn_raster_append(ctx, pop, t_ms, ids, n, d);
}

static void sink_t_end(void *ctx, double t_ms)
{
	snn_raster_set_t_end(ctx, t_ms);
}

snn_stream_sink snn_raster_stream_sink(snn_raster *r)
{
	return (snn_stream_sink){.ctx = r,
				 .hello = sink_hello,
				 .population = sink_population,
				 .spikes = sink_spikes,
				 .t_end = sink_t_end};
}
