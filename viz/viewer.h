/*
 * snnview's two modes: the interactive SDL window (files and live streams)
 * and headless PNG export. Layer: tool (viz/); the only code that includes
 * SDL is viewer.c, and only libsnn's public headers are used.
 */
#ifndef SNN_VIEWER_H
#define SNN_VIEWER_H

#include <stdbool.h>
#include <stdint.h>

#include "snn/raster.h"

struct viewer_opts {
	const char *file;    /* spike file to show, or NULL */
	const char *attach;  /* live stream socket, or NULL */
	const char *traces;  /* SONATA report for the trace panel, or NULL */
	const char *png;     /* headless: write this PNG and exit */
	const char *script;  /* interactive: commands run as if typed (tests, demos) */
	const char *hide;    /* comma-separated populations hidden at start */
	double t0_ms, t1_ms; /* time window; NAN: the data's */
	uint32_t width, height;
	bool no_rates;
	double span_ms; /* live: time shown while following (NAN: default) */
};

/* Hides the populations named in a comma-separated list; an unknown name
 * is an error printed to stderr (returns -1). */
int viewer_hide(snn_raster *r, const char *list);
/* The time window to show at start: o's bounds where given, else the data's
 * (from 0 to the last spike, at least 1 ms). */
void viewer_initial_window(const snn_raster *r, const struct viewer_opts *o, double *t0,
			   double *t1);

/* Writes the picture of o->file to o->png without any display. Returns a
 * tool exit code (SNN_EXIT_*, by snn_exit_status); errors are printed to
 * stderr. */
int viewer_png(const struct viewer_opts *o);
/* Opens the window and runs until the user quits. Returns a tool exit code
 * (SNN_EXIT_*, by snn_exit_status). */
int viewer_run(const struct viewer_opts *o);

#endif
