/*
 * snnview's headless mode and what both modes share: loading the data,
 * hiding populations, choosing the first window.
 * Layer: tool (viz/). No SDL here: `snnview --png` needs no display.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn/snn.h"
#include "snn/image.h"
#include "snn/traces.h"
#include "snn/view.h"
#include "viewer.h"

int viewer_hide(snn_raster *r, const char *list)
{
	if (!list) {
		return 0;
	}
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		bool found = false;
		for (size_t i = 0; i < snn_raster_population_count(r); i++) {
			const char *name = snn_raster_population_name(r, i);
			if (strlen(name) == n && strncmp(name, p, n) == 0) {
				snn_raster_set_visible(r, i, false);
				found = true;
			}
		}
		if (!found) {
			fprintf(stderr, "snnview: error: --hide: no population '%.*s'\n", (int)n,
				p);
			return -1;
		}
		p = e ? e + 1 : p + n;
	}
	return 0;
}

void viewer_initial_window(const snn_raster *r, const struct viewer_opts *o, double *t0, double *t1)
{
	double a = 0.0, b = snn_raster_t_end(r);
	if (snn_raster_t_first(r) < 0) {
		a = snn_raster_t_first(r);
	}
	if (!isnan(o->t0_ms)) {
		a = o->t0_ms;
	}
	if (!isnan(o->t1_ms)) {
		b = o->t1_ms;
	}
	if (isnan(o->t1_ms)) {
		/* the window is half-open: keep the last spike in it */
		b = nextafter(b, INFINITY);
	}
	if (!(b - a >= 1e-3)) {
		b = a + 1.0; /* no spikes, or all at one time */
	}
	*t0 = a;
	*t1 = b;
}

int viewer_png(const struct viewer_opts *o)
{
	int ex = SNN_EXIT_OK;
	snn_diag *d = snn_diag_new();
	snn_raster *r = NULL;
	snn_trace_report *tr = NULL;
	snn_view *v = snn_view_new();
	snn_image *img = snn_image_new(o->width, o->height, 0xFFFFFF);
	if (!d || !v || !img) {
		fprintf(stderr, "snnview: error: out of memory\n");
		ex = SNN_EXIT_RUN_FAILED;
		goto out;
	}
	int rc = snn_raster_load(o->file, &r, d);
	if (rc == SNN_OK && o->traces) {
		rc = snn_trace_read(o->traces, &tr, d);
	}
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		ex = snn_exit_status(rc);
		goto out;
	}
	if (viewer_hide(r, o->hide) != 0) {
		ex = SNN_EXIT_BAD_INPUT;
		goto out;
	}
	snn_view_state st = {0};
	viewer_initial_window(r, o, &st.t0_ms, &st.t1_ms);
	st.row0 = 0;
	st.row1 = snn_raster_rows(r) > 0 ? (double)snn_raster_rows(r) : 1.0;
	st.rates = !o->no_rates;
	st.traces = tr != NULL;
	st.t_now_ms = NAN;
	st.title = o->file;
	rc = snn_view_render(v, r, tr, &st, img, d);
	if (rc == SNN_OK) {
		rc = snn_image_write_png(img, o->png, d);
	}
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		ex = snn_exit_status(rc);
	}
out:
	snn_image_free(img);
	snn_view_free(v);
	snn_trace_free(tr);
	snn_raster_free(r);
	snn_diag_free(d);
	return ex;
}
