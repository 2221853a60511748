/*
 * The viewer's picture, drawn in software into an snn_image: raster with
 * density shading, legend, axes, rate strip, trace panel, status line, key
 * overlay. Layer: libsnn (viz support), public API in include/snn/view.h.
 * It must not include SDL: snnview shows these pixels and --png writes them.
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn/view.h"
#include "mem_int.h"

#define COL_BG 0xFFFFFFu
#define COL_FRAME 0x9A9A9Au
#define COL_TEXT 0x202020u
#define COL_DIM 0x707070u
#define COL_GRID 0xE4E4E4u
#define COL_NOW 0xD00000u

#define MARGIN_L 64
#define MARGIN_R 12
#define TOP_H 18
#define STATUS_H 14
#define AXIS_H 24
#define RATES_H 64
#define TRACES_H 90
#define GAP 6
#define MIN_RASTER_H 120 /* panels are left out rather than squeeze the raster below this */
#define RATE_GROUP 4
#define TILE 16	  /* columns per tile when shading */
#define TILE_H 64 /* pixel rows per tile */
#define SHADES \
	257 /* white, then log2 counts in eighths 0..255 */ /* pixel columns per rate sample */

struct snn_view {
	snn_raster_bins bins;
	snn_raster_window win;
	int32_t *row_pop; /* per bin: population of the bin's centre row, -1 none */
	size_t cap_row_pop;
	double *rates;
	size_t cap_rates;
	int32_t *py_bin; /* per pixel row of the raster: its bin, -1 none */
	size_t cap_py;
	uint32_t *shade; /* per population: colour by log2 count in eighths */
	size_t cap_shade;
	uint32_t *py_shade; /* per pixel row: offset of its shade table */
	size_t cap_py_shade;
};

static const char keys_help[] = "wheel, +/-       zoom time around the cursor\n"
				"ctrl+wheel, [ ]  zoom neurons\n"
				"drag, arrows     pan time and neurons\n"
				"a, Home          show everything\n"
				"space            pause / follow (live)\n"
				"End              jump to now (live)\n"
				"1 .. 9, legend   show / hide a population\n"
				"r                rate strip on / off\n"
				"v                trace panel on / off\n"
				"s                save a PNG screenshot\n"
				"?                this help\n"
				"q, Esc           quit\n";

const char *snn_view_keys_help(void)
{
	return keys_help;
}

snn_view *snn_view_new(void)
{
	return mem_zalloc(sizeof(snn_view));
}

void snn_view_free(snn_view *v)
{
	if (!v) {
		return;
	}
	snn_raster_bins_free(&v->bins);
	mem_free(v->row_pop);
	mem_free(v->rates);
	mem_free(v->py_bin);
	mem_free(v->shade);
	mem_free(v->py_shade);
	mem_free(v);
}

const snn_raster_bins *snn_view_bins(const snn_view *v)
{
	return &v->bins;
}

void snn_view_layout_of(uint32_t w, uint32_t h, bool rates, bool traces, snn_view_layout *out)
{
	int W = (int)w, H = (int)h;
	int x = MARGIN_L, pw = W - MARGIN_L - MARGIN_R;
	pw = pw < 1 ? 1 : pw;
	int bottom = H - STATUS_H;
	out->status = (snn_view_rect){0, bottom, W, STATUS_H};
	bottom -= AXIS_H;
	out->axis = (snn_view_rect){x, bottom, pw, AXIS_H};
	/* panels give way to the raster on small pictures */
	int avail = bottom - TOP_H;
	int rh = rates && avail - RATES_H - GAP >= MIN_RASTER_H ? RATES_H : 0;
	int th = traces && avail - rh - TRACES_H - 2 * GAP >= MIN_RASTER_H ? TRACES_H : 0;
	if (rh) {
		out->rates = (snn_view_rect){x, bottom - rh, pw, rh};
		bottom -= rh + GAP;
	} else {
		out->rates = (snn_view_rect){x, bottom, pw, 0};
	}
	if (th) {
		out->traces = (snn_view_rect){x, bottom - th, pw, th};
		bottom -= th + GAP;
	} else {
		out->traces = (snn_view_rect){x, bottom, pw, 0};
	}
	int rh2 = bottom - TOP_H;
	out->raster = (snn_view_rect){x, TOP_H, pw, rh2 < 1 ? 1 : rh2};
}

/* A round step (1, 2 or 5 times a power of ten) giving about n ticks. */
static double nice_step(double range, int n)
{
	if (!(range > 0) || n < 1) {
		return 1.0;
	}
	double raw = range / n;
	double p = pow(10.0, floor(log10(raw)));
	double m = raw / p;
	return (m < 1.5 ? 1.0 : m < 3.5 ? 2.0 : m < 7.5 ? 5.0 : 10.0) * p;
}

/* A number as a tick label: as few digits as the step needs. */
static void tick_label(char *buf, size_t n, double v, double step)
{
	int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
	if (dec > 6) {
		dec = 6;
	}
	if (fabs(v) < step * 1e-6) {
		v = 0.0;
	}
	snprintf(buf, n, "%.*f", dec, v);
}

/* Integer-only log2 in eighths: density shading that is the same
 * everywhere. */
static uint32_t lg8(uint32_t c)
{
	uint32_t m = 31 - (uint32_t)__builtin_clz(c);
	uint32_t frac = m >= 3 ? (c >> (m - 3)) & 7 : (c << (3 - m)) & 7;
	return m * 8 + frac;
}

static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	if (n <= *cap) {
		return 0;
	}
	void *q = mem_resize(*p, n, size);
	if (!q) {
		return -1;
	}
	*p = q;
	*cap = n;
	return 0;
}

static int draw_raster(snn_view *v, const snn_raster *r, const snn_view_state *st,
		       const snn_view_rect *a, snn_image *img, snn_diag *d)
{
	double span = st->row1 - st->row0;
	snn_raster_window w = {st->t0_ms, st->t1_ms,	  st->row0,
			       st->row1,  (uint32_t)a->w, (uint32_t)a->h};
	bool per_row = span < a->h; /* a neuron is taller than a pixel: one bin per neuron */
	if (per_row) {
		w.row0 = floor(st->row0);
		w.row1 = ceil(st->row1);
		if (w.row1 <= w.row0) {
			w.row1 = w.row0 + 1;
		}
		w.height = (uint32_t)(w.row1 - w.row0);
	}
	int rc = snn_raster_bin(r, &w, &v->bins, d);
	if (rc != SNN_OK) {
		return rc;
	}
	v->win = w;
	if (grow((void **)&v->row_pop, &v->cap_row_pop, w.height, sizeof(int32_t)) != 0) {
		return mem_nomem(d);
	}
	for (uint32_t b = 0; b < w.height; b++) {
		double row = w.row0 + (b + 0.5) * (w.row1 - w.row0) / w.height;
		v->row_pop[b] = (int32_t)snn_raster_pop_at_row(r, row);
	}
	/* per pixel row (from the bottom): its bin and colour, or -1 */
	if (grow((void **)&v->py_bin, &v->cap_py, (size_t)a->h, sizeof(int32_t)) != 0) {
		return mem_nomem(d);
	}
	for (int py = 0; py < a->h; py++) {
		int32_t b = py;
		if (per_row) {
			double bb = floor(st->row0 + (py + 0.5) * span / a->h) - w.row0;
			b = bb < 0 || bb >= w.height ? -1 : (int32_t)bb;
		}
		v->py_bin[py] = b >= 0 && v->row_pop[b] >= 0 ? b : -1;
	}
	if (grow((void **)&v->py_shade, &v->cap_py_shade, (size_t)a->h, sizeof(uint32_t)) != 0) {
		return mem_nomem(d);
	}
	/* shade by log2 of the count in eighths, relative to the largest: a
	 * table per population of its colour over the white background, entry 0
	 * (no spike) white; one more all-white table for rows of no population */
	uint32_t mx = v->bins.max_count;
	uint32_t lmax = mx ? lg8(mx) + 8 : 1;
	size_t np_all = snn_raster_population_count(r);
	if (grow((void **)&v->shade, &v->cap_shade, (np_all + 1) * SHADES, sizeof(uint32_t)) != 0) {
		return mem_nomem(d);
	}
	for (size_t i = 0; i <= np_all; i++) {
		uint32_t col = i < np_all ? snn_raster_color(i) : COL_BG;
		v->shade[i * SHADES] = COL_BG;
		for (uint32_t l = 0; l < SHADES - 1; l++) {
			uint32_t al = 90 + 165 * (l + 8) / lmax;
			al = al > 255 ? 255 : al;
			uint32_t out = 0;
			for (int sh = 0; sh < 24; sh += 8) {
				uint32_t cs = (col >> sh) & 0xFF;
				out |= ((255 * (255 - al) + cs * al + 127) / 255) << sh;
			}
			v->shade[i * SHADES + 1 + l] = out;
		}
	}
	for (int py = 0; py < a->h; py++) {
		int32_t b = v->py_bin[py];
		v->py_shade[py] = (uint32_t)((b >= 0 ? (size_t)v->row_pop[b] : np_all) * SHADES);
		v->py_bin[py] = b >= 0 ? b : 0;
	}
	/* The grid is stored by column and the picture by row: tiles of 16 x 64
	 * read each column in order while the tile's picture lines stay in L1. Every pixel is
	 * written (white where no spike), without a branch on the count: sparse rasters cost no
	 * mispredictions. */
	uint32_t *base = img->px + (size_t)(a->y + a->h - 1) * img->w + a->x;
	for (uint32_t x0 = 0; x0 < w.width; x0 += TILE) {
		uint32_t x1 = x0 + TILE < w.width ? x0 + TILE : w.width;
		for (int py0 = 0; py0 < a->h; py0 += TILE_H) {
			int py1 = py0 + TILE_H < a->h ? py0 + TILE_H : a->h;
			for (uint32_t x = x0; x < x1; x++) {
				const uint32_t *cnt = v->bins.count + (size_t)x * w.height;
				uint32_t *dst = base + x;
				for (int py = py0; py < py1; py++) {
					uint32_t c = cnt[v->py_bin[py]];
					uint32_t l = lg8(c | 1) + 1;
					l = c ? l : 0;
					dst[-(ptrdiff_t)py * img->w] =
					    v->shade[v->py_shade[py] + l];
				}
			}
		}
	}
	/* population boundaries and names */
	size_t np = snn_raster_population_count(r);
	for (size_t i = 0; i < np; i++) {
		int64_t first = snn_raster_first_row(r, i);
		if (first < 0) {
			continue;
		}
		double lo = (double)first, hi = lo + snn_raster_population_size(r, i);
		if (hi <= st->row0 || lo >= st->row1) {
			continue;
		}
		if (lo > st->row0) {
			int y = a->y + a->h - 1 - (int)floor((lo - st->row0) / span * a->h);
			snn_image_hline(img, a->x, a->x + a->w - 1, y, COL_FRAME);
		}
		double top = hi < st->row1 ? hi : st->row1;
		int y = a->y + a->h - (int)floor((top - st->row0) / span * a->h) + 2;
		const char *name = snn_raster_population_name(r, i);
		int tw = snn_image_text_width(1, name);
		snn_image_blend_rect(img, a->x + 2, y - 1, tw + 3, SNN_FONT_H, COL_BG, 200);
		snn_image_text(img, a->x + 4, y, 1, snn_raster_color(i), name);
	}
	/* row ticks */
	double step = nice_step(span, a->h / 40 > 1 ? a->h / 40 : 1);
	if (step < 1) {
		step = 1;
	}
	for (double t = ceil(st->row0 / step) * step; t <= st->row1; t += step) {
		int y = a->y + a->h - 1 - (int)floor((t - st->row0) / span * a->h);
		char lab[32];
		tick_label(lab, sizeof(lab), t, step);
		snn_image_hline(img, a->x - 4, a->x - 1, y, COL_TEXT);
		if (abs(y - (a->y + a->h / 2)) < SNN_FONT_H + 2) {
			continue; /* keep clear of the axis name */
		}
		snn_image_text(img, a->x - 6 - snn_image_text_width(1, lab), y - 4, 1, COL_DIM,
			       lab);
	}
	snn_image_text(img, 4, a->y + a->h / 2 - 4, 1, COL_TEXT, "neuron");
	return SNN_OK;
}

/* x pixel of time t in a panel. */
static int x_of(const snn_view_state *st, const snn_view_rect *a, double t)
{
	return a->x + (int)floor((t - st->t0_ms) / (st->t1_ms - st->t0_ms) * a->w);
}

static int draw_rates(snn_view *v, const snn_raster *r, const snn_view_rect *a, snn_image *img,
		      snn_diag *d)
{
	uint32_t groups = (v->bins.width + RATE_GROUP - 1) / RATE_GROUP;
	size_t np = snn_raster_population_count(r);
	if (grow((void **)&v->rates, &v->cap_rates, (size_t)groups * (np ? np : 1),
		 sizeof(double)) != 0) {
		return mem_nomem(d);
	}
	double top = 0;
	for (size_t i = 0; i < np; i++) {
		for (uint32_t g = 0; g < groups; g++) {
			uint32_t c0 = g * RATE_GROUP;
			uint32_t c1 =
			    c0 + RATE_GROUP < v->bins.width ? c0 + RATE_GROUP : v->bins.width;
			double hz = snn_raster_rate_hz(r, &v->bins, &v->win, i, c0, c1);
			v->rates[i * groups + g] = hz;
			if (snn_raster_is_visible(r, i) && hz > top) {
				top = hz;
			}
		}
	}
	double step = nice_step(top > 0 ? top : 1.0, 2);
	double ymax = ceil((top > 0 ? top : 1.0) / step) * step;
	for (double t = step; t < ymax + step / 2; t += step) {
		int y = a->y + a->h - 1 - (int)floor(t / ymax * (a->h - 1));
		snn_image_hline(img, a->x, a->x + a->w - 1, y, COL_GRID);
		char lab[32];
		tick_label(lab, sizeof(lab), t, step);
		snn_image_text(img, a->x - 6 - snn_image_text_width(1, lab), y - 4, 1, COL_DIM,
			       lab);
	}
	snn_image_text(img, 4, a->y + a->h / 2 - 4, 1, COL_TEXT, "Hz");
	for (size_t i = 0; i < np; i++) {
		if (!snn_raster_is_visible(r, i)) {
			continue;
		}
		uint32_t col = snn_raster_color(i);
		int px = -1, py = 0;
		for (uint32_t g = 0; g < groups; g++) {
			double hz = v->rates[i * groups + g];
			int x0 = a->x + (int)(g * RATE_GROUP);
			int x1 = a->x + (int)((g + 1) * RATE_GROUP) - 1;
			x1 = x1 > a->x + a->w - 1 ? a->x + a->w - 1 : x1;
			int y = a->y + a->h - 1 - (int)floor(hz / ymax * (a->h - 1));
			if (px >= 0) {
				snn_image_vline(img, x0, py, y, col);
			}
			snn_image_hline(img, x0, x1, y, col);
			px = x1;
			py = y;
		}
	}
	snn_image_rect(img, a->x - 1, a->y - 1, a->w + 2, a->h + 2, COL_FRAME);
	return SNN_OK;
}

static void draw_traces(const snn_trace_report *tr, const snn_view_state *st,
			const snn_view_rect *a, snn_image *img)
{
	size_t shown = tr->n_nodes < 5 ? tr->n_nodes : 5;
	if (tr->n_times == 0 || shown == 0 || !(tr->dt_ms > 0)) {
		snn_image_text(img, a->x + 4, a->y + 4, 1, COL_DIM, "no trace samples");
		snn_image_rect(img, a->x - 1, a->y - 1, a->w + 2, a->h + 2, COL_FRAME);
		return;
	}
	double k0d = floor((st->t0_ms - tr->t0_ms) / tr->dt_ms) - 1;
	double k1d = ceil((st->t1_ms - tr->t0_ms) / tr->dt_ms) + 1;
	size_t k0 = k0d < 0 ? 0 : k0d >= (double)tr->n_times ? tr->n_times : (size_t)k0d;
	size_t k1 = k1d < 0 ? 0 : k1d >= (double)tr->n_times ? tr->n_times : (size_t)k1d;
	double lo = INFINITY, hi = -INFINITY;
	for (size_t k = k0; k < k1; k++) {
		for (size_t j = 0; j < shown; j++) {
			double x = tr->data[k * tr->n_nodes + j];
			if (isfinite(x)) {
				lo = x < lo ? x : lo;
				hi = x > hi ? x : hi;
			}
		}
	}
	char lab[96];
	snprintf(lab, sizeof(lab), "%s (%s)", tr->variable[0] ? tr->variable : "trace",
		 tr->unit[0] ? tr->unit : "?");
	snn_image_text(img, 4, a->y + a->h / 2 - 4, 1, COL_TEXT,
		       tr->variable[0] ? tr->variable : "trace");
	if (!(hi >= lo)) {
		snn_image_text(img, a->x + 4, a->y + 4, 1, COL_DIM, "no samples in this window");
	} else {
		if (hi - lo < 1e-9) {
			hi = lo + 1;
		}
		char num[32];
		snprintf(num, sizeof(num), "%.4g", hi);
		snn_image_text(img, a->x - 6 - snn_image_text_width(1, num), a->y, 1, COL_DIM, num);
		snprintf(num, sizeof(num), "%.4g", lo);
		snn_image_text(img, a->x - 6 - snn_image_text_width(1, num), a->y + a->h - 8, 1,
			       COL_DIM, num);
		/* many samples per pixel: a min-max column; few: joined points */
		for (size_t j = 0; j < shown; j++) {
			uint32_t col = snn_raster_color(j + 4);
			int px = 0, py = 0;
			bool have = false;
			for (size_t k = k0; k < k1; k++) {
				double t = tr->t0_ms + (double)k * tr->dt_ms;
				double val = tr->data[k * tr->n_nodes + j];
				if (!isfinite(val)) {
					continue;
				}
				int x = x_of(st, a, t);
				int y = a->y + a->h - 1 -
					(int)floor((val - lo) / (hi - lo) * (a->h - 1));
				if (x < a->x - 1 || x > a->x + a->w) {
					px = x;
					py = y;
					have = true;
					continue;
				}
				if (have) {
					snn_image_line(img, px, py, x, y, col);
				}
				px = x;
				py = y;
				have = true;
			}
		}
	}
	/* the panel's key: variable and unit, then each neuron in its colour */
	int kw = snn_image_text_width(1, lab) + 8;
	for (size_t j = 0; j < shown; j++) {
		char nm[96];
		snprintf(nm, sizeof(nm), "%s %llu", tr->population,
			 (unsigned long long)tr->node_ids[j]);
		kw += snn_image_text_width(1, nm) + 8;
	}
	snn_image_blend_rect(img, a->x + 1, a->y + 1, kw, SNN_FONT_H + 1, COL_BG, 210);
	int x = snn_image_text(img, a->x + 4, a->y + 2, 1, COL_TEXT, lab) + 8;
	for (size_t j = 0; j < shown; j++) {
		char nm[96];
		snprintf(nm, sizeof(nm), "%s %llu", tr->population,
			 (unsigned long long)tr->node_ids[j]);
		x = snn_image_text(img, x, a->y + 2, 1, snn_raster_color(j + 4), nm) + 8;
	}
	snn_image_rect(img, a->x - 1, a->y - 1, a->w + 2, a->h + 2, COL_FRAME);
}

/* Time ticks: the grid (under the panels) or the labels (over them). */
static void draw_axis(const snn_view_state *st, const snn_view_rect *a, int top, bool grid,
		      snn_image *img)
{
	double span = st->t1_ms - st->t0_ms;
	double step = nice_step(span, a->w / 90 > 1 ? a->w / 90 : 1);
	for (double t = ceil(st->t0_ms / step) * step; t <= st->t1_ms; t += step) {
		int x = x_of(st, a, t);
		if (x >= a->x + a->w) {
			continue;
		}
		if (grid) {
			/* under the data: only where nothing was drawn */
			for (int y = top; y <= a->y - 2; y++) {
				uint32_t *p = &img->px[(size_t)y * img->w + (size_t)x];
				*p = *p == COL_BG ? COL_GRID : *p;
			}
			continue;
		}
		char lab[32];
		tick_label(lab, sizeof(lab), t, step);
		snn_image_vline(img, x, a->y, a->y + 3, COL_TEXT);
		snn_image_text(img, x - snn_image_text_width(1, lab) / 2, a->y + 5, 1, COL_DIM,
			       lab);
	}
	if (grid) {
		return;
	}
	const char *lab = "time (ms)";
	snn_image_text(img, a->x + a->w - snn_image_text_width(1, lab), a->y + 14, 1, COL_TEXT,
		       lab);
}

/* The legend entry of population i: its label and where it starts (entries
 * are right-aligned on the top line, the last population rightmost). */
static int legend_entry(const snn_raster *r, uint32_t w, size_t i, char *lab, size_t n)
{
	int x = (int)w - MARGIN_R;
	for (size_t k = snn_raster_population_count(r); k-- > i;) {
		if (k < 9) {
			snprintf(lab, n, "%zu %s", k + 1, snn_raster_population_name(r, k));
		} else {
			snprintf(lab, n, "%s", snn_raster_population_name(r, k));
		}
		x -= snn_image_text_width(1, lab) + 14;
	}
	return x;
}

long snn_view_legend_at(const snn_raster *r, uint32_t w, int x, int y)
{
	if (y < 2 || y >= TOP_H - 2) {
		return -1;
	}
	for (size_t i = 0; i < snn_raster_population_count(r); i++) {
		char lab[96];
		int x0 = legend_entry(r, w, i, lab, sizeof(lab));
		if (x >= x0 && x < x0 + 11 + snn_image_text_width(1, lab)) {
			return (long)i;
		}
	}
	return -1;
}

static void draw_legend(const snn_raster *r, const snn_view_state *st, uint32_t w, snn_image *img)
{
	size_t np = snn_raster_population_count(r);
	for (size_t i = 0; i < np; i++) {
		char lab[96];
		int x = legend_entry(r, w, i, lab, sizeof(lab));
		bool vis = snn_raster_is_visible(r, i);
		uint32_t col = snn_raster_color(i);
		if (vis) {
			snn_image_fill_rect(img, x, 5, 8, 8, col);
		} else {
			snn_image_rect(img, x, 5, 8, 8, col);
		}
		snn_image_text(img, x + 11, 5, 1, vis ? COL_TEXT : COL_DIM, lab);
	}
	if (st->title) {
		snn_image_text(img, 4, 5, 1, COL_TEXT, st->title);
	}
}

static void draw_status(const snn_view *v, const snn_raster *r, const snn_view_state *st,
			const snn_view_rect *a, snn_image *img)
{
	char line[512];
	int n =
	    snprintf(line, sizeof(line), "t %.6g-%.6g ms  rows %.6g-%.6g  %llu spikes shown",
		     st->t0_ms, st->t1_ms, st->row0, st->row1, (unsigned long long)v->bins.shown);
	size_t np = snn_raster_population_count(r);
	for (size_t i = 0; i < np && n > 0 && (size_t)n < sizeof(line); i++) {
		if (!snn_raster_is_visible(r, i)) {
			continue;
		}
		double hz = snn_raster_rate_hz(r, &v->bins, &v->win, i, 0, v->bins.width);
		n += snprintf(line + n, sizeof(line) - (size_t)n, "  %s %.1f Hz",
			      snn_raster_population_name(r, i), hz);
	}
	if (st->status && *st->status && n > 0 && (size_t)n < sizeof(line)) {
		snprintf(line + n, sizeof(line) - (size_t)n, "  | %s", st->status);
	}
	snn_image_fill_rect(img, a->x, a->y, a->w, a->h, 0xF0F0F0u);
	snn_image_text(img, 4, a->y + 3, 1, COL_TEXT, line);
}

static void draw_help(snn_image *img)
{
	int lines = 0, width = 0, cur = 0;
	for (const char *c = keys_help; *c; c++) {
		if (*c == '\n') {
			lines++;
			width = cur > width ? cur : width;
			cur = 0;
		} else {
			cur++;
		}
	}
	int bw = width * SNN_FONT_W + 24, bh = (lines + 1) * (SNN_FONT_H + 2) + 20;
	int x = ((int)img->w - bw) / 2, y = ((int)img->h - bh) / 2;
	snn_image_blend_rect(img, x, y, bw, bh, 0x202020u, 225);
	snn_image_text(img, x + 12, y + 10, 1, 0xFFFFFFu, "keys");
	char buf[128];
	const char *c = keys_help;
	for (int l = 0; l < lines; l++) {
		const char *e = strchr(c, '\n');
		size_t len = (size_t)(e - c) < sizeof(buf) - 1 ? (size_t)(e - c) : sizeof(buf) - 1;
		memcpy(buf, c, len);
		buf[len] = '\0';
		snn_image_text(img, x + 12, y + 10 + (l + 1) * (SNN_FONT_H + 2), 1, 0xF0F0F0u, buf);
		c = e + 1;
	}
}

int snn_view_render(snn_view *v, const snn_raster *r, const snn_trace_report *tr,
		    const snn_view_state *st, snn_image *img, snn_diag *d)
{
	if (!(st->t1_ms > st->t0_ms) || !(st->row1 > st->row0) || !isfinite(st->t0_ms) ||
	    !isfinite(st->t1_ms) || !isfinite(st->row0) || !isfinite(st->row1)) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "empty view: t [%g, %g) ms, rows [%g, %g)", st->t0_ms,
				      st->t1_ms, st->row0, st->row1);
	}
	snn_view_layout L;
	snn_view_layout_of(img->w, img->h, st->rates, st->traces && tr, &L);
	snn_image_fill_rect(img, 0, 0, (int)img->w, (int)img->h, COL_BG);
	int rc = draw_raster(v, r, st, &L.raster, img, d);
	if (rc != SNN_OK) {
		return rc;
	}
	draw_axis(st, &L.axis, L.raster.y, true, img);
	if (L.rates.h > 0) {
		rc = draw_rates(v, r, &L.rates, img, d);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	if (L.traces.h > 0) {
		draw_traces(tr, st, &L.traces, img);
	}
	/* margins: labels outside the panels stay readable whatever was drawn */
	snn_image_rect(img, L.raster.x - 1, L.raster.y - 1, L.raster.w + 2, L.raster.h + 2,
		       COL_FRAME);
	draw_axis(st, &L.axis, L.raster.y, false, img);
	if (isfinite(st->t_now_ms) && st->t_now_ms >= st->t0_ms && st->t_now_ms < st->t1_ms) {
		int x = x_of(st, &L.raster, st->t_now_ms);
		snn_image_vline(img, x, L.raster.y, L.axis.y - 1, COL_NOW);
	}
	draw_legend(r, st, img->w, img);
	draw_status(v, r, st, &L.status, img);
	if (st->help) {
		draw_help(img);
	}
	return SNN_OK;
}
