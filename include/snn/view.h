/*
 * The viewer's picture: a spike raster with density shading, a legend, axes,
 * a population-rate strip, an optional membrane-trace panel and a status
 * line, drawn into an snn_image. The SDL viewer shows these pixels as they
 * are, and `snnview --png` writes them, so both give the same picture.
 * Public layer. No SDL, no threads; the same inputs give the same pixels.
 */
#ifndef SNN_VIEW_H
#define SNN_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "snn/error.h"
#include "snn/image.h"
#include "snn/raster.h"
#include "snn/traces.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	double t0_ms, t1_ms; /* time window shown */
	double row0, row1;   /* rows shown; row 0 is drawn at the bottom */
	bool rates;	     /* draw the population-rate strip */
	bool traces;	     /* draw the trace panel (when a report is given) */
	bool help;	     /* draw the key overlay */
	double t_now_ms;     /* live: the simulation's time, drawn as a marker; NAN: none */
	const char *title;   /* top-left text (the file or socket); NULL: none */
	const char *status;  /* appended to the status line ("live", "paused", ...) */
} snn_view_state;

typedef struct {
	int x, y, w, h;
} snn_view_rect;

/* Where each part of a picture of a given size lies. */
typedef struct {
	snn_view_rect raster, traces, rates, axis, status;
} snn_view_layout;

/* The layout of a w x h picture; panels that are off get a zero height. */
SNN_API void snn_view_layout_of(uint32_t w, uint32_t h, bool rates, bool traces,
				snn_view_layout *out);

typedef struct snn_view snn_view;

/* A renderer (it keeps the binning buffers from frame to frame). NULL when
 * out of memory; free with snn_view_free (accepts NULL). */
SNN_API snn_view *snn_view_new(void);
SNN_API void snn_view_free(snn_view *v);

/* Draws the whole picture into img (which sets the size). tr may be NULL.
 * Returns SNN_OK, SNN_EINVAL (an empty window) or SNN_ENOMEM. */
SNN_API int snn_view_render(snn_view *v, const snn_raster *r, const snn_trace_report *tr,
			    const snn_view_state *st, snn_image *img, snn_diag *d);
/* The binning of the last render (spikes shown, counts). */
SNN_API const snn_raster_bins *snn_view_bins(const snn_view *v);

/* The population whose legend entry is at (x, y) of a picture w pixels wide,
 * or -1 (for clicks). Cost: O(populations^2) text measurements. */
SNN_API long snn_view_legend_at(const snn_raster *r, uint32_t w, int x, int y);

/* The text of the key overlay, one key per line (also printed by
 * snnview --help). */
SNN_API const char *snn_view_keys_help(void);

#ifdef __cplusplus
}
#endif

#endif
