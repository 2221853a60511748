/*
 * viewer_fps: how many frames per second snnview's picture takes to draw
 * while the user pans and zooms over a spike file (the whole frame: binning,
 * density shading, rate strip, axes, text; what snnview then hands to SDL),
 * and with the whole run on screen (the costliest frame). fps is wall time,
 * fps_cpu the thread's CPU time (steadier on a shared machine).
 *   viewer_fps FILE [WxH]           prints one JSON line
 *   viewer_fps --synthetic FILE N   writes a SONATA file of N spikes (two
 *                                   populations, 10 s, rhythmic rates)
 * Layer: bench. Uses libsnn's public API only.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snn/snn.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of this thread: a figure that a busy shared machine disturbs
 * less than wall time. */
static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t rng = 88172645463325252ull;
static double unif(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (double)(rng >> 11) * (1.0 / 9007199254740992.0);
}

/* 80 % of the spikes in "exc" (80000 neurons), 20 % in "inh" (20000); the
 * rate follows a 7 Hz rhythm so that pictures have structure. */
static int synthetic(const char *path, uint64_t n)
{
	const char *names[2] = {"exc", "inh"};
	const uint32_t sizes[2] = {80000, 20000};
	snn_diag *d = snn_diag_new();
	snn_spike_writer *w;
	int rc = snn_spike_writer_open(path, SNN_SPIKES_HDF5, names, 2, NULL, &w, d);
	const size_t chunk = 1 << 16;
	double *t = malloc(chunk * sizeof(double));
	uint64_t *id = malloc(chunk * sizeof(uint64_t));
	const double dur = 10000.0;
	uint64_t done = 0;
	double now = 0;
	/* spikes in time order: exponential gaps with a modulated rate */
	double mean_gap = dur / (double)n;
	while (rc == SNN_OK && done < n) {
		size_t m[2] = {0, 0};
		double *tt[2] = {t, t + chunk / 2};
		uint64_t *ii[2] = {id, id + chunk / 2};
		while (m[0] < chunk / 2 && m[1] < chunk / 2 && done < n) {
			double mod = 1.0 + 0.8 * sin(2 * M_PI * 7.0 * now / 1000.0);
			now += -log(1.0 - unif()) * mean_gap / mod;
			int p = unif() < 0.8 ? 0 : 1;
			tt[p][m[p]] = now < dur ? now : dur;
			ii[p][m[p]] = (uint64_t)(unif() * sizes[p]);
			m[p]++;
			done++;
		}
		for (int p = 0; p < 2 && rc == SNN_OK; p++) {
			rc = snn_spike_writer_append(w, (size_t)p, tt[p], ii[p], m[p], d);
		}
	}
	if (rc == SNN_OK) {
		rc = snn_spike_writer_commit(w, d);
	} else {
		snn_spike_writer_abort(w);
	}
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	free(t);
	free(id);
	snn_diag_free(d);
	return rc == SNN_OK ? 0 : 1;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--synthetic") == 0) {
		return synthetic(argv[2], strtoull(argv[3], NULL, 10));
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: viewer_fps FILE [WxH] | viewer_fps --synthetic FILE N\n");
		return 2;
	}
	unsigned W = 1200, H = 800;
	if (argc == 3 && sscanf(argv[2], "%ux%u", &W, &H) != 2) {
		fprintf(stderr, "viewer_fps: bad size %s\n", argv[2]);
		return 2;
	}
	snn_diag *d = snn_diag_new();
	snn_raster *r;
	double t0 = now_s();
	if (snn_raster_load(argv[1], &r, d) != SNN_OK) {
		snn_diag_print(d, stderr);
		return 1;
	}
	double load_s = now_s() - t0;
	snn_view *v = snn_view_new();
	snn_image *img = snn_image_new(W, H, 0xFFFFFF);
	double T = nextafter(snn_raster_t_end(r), INFINITY);
	double rows = (double)snn_raster_rows(r);
	/* a session: the whole run, zoom in on the middle, pan through the
	 * run, zoom in on neurons, pan them, zoom back out */
	enum { FRAMES = 240 };
	snn_view_state st;
	memset(&st, 0, sizeof(st));
	st.rates = true;
	st.t_now_ms = NAN;
	st.title = argv[1];
	double *ms = malloc(FRAMES * sizeof(double));
	double a = 0, b = T, r0 = 0, r1 = rows;
	uint64_t shown = 0;
	double total0 = now_s(), cpu0 = cpu_s();
	for (int f = 0; f < FRAMES; f++) {
		int phase = f / 40, k = f % 40;
		double span = b - a, rspan = r1 - r0;
		switch (phase) {
		case 0: /* zoom in on time, 0.9 per frame */
			a += span * 0.05;
			b -= span * 0.05;
			break;
		case 1: /* pan right */
			a += span * 0.025;
			b += span * 0.025;
			break;
		case 2: /* zoom in on neurons */
			r0 += rspan * 0.04;
			r1 -= rspan * 0.04;
			break;
		case 3: /* pan neurons up and time left */
			r0 += rspan * 0.02;
			r1 += rspan * 0.02;
			a -= span * 0.02;
			b -= span * 0.02;
			break;
		case 4: /* zoom back out */
			a -= span * 0.06;
			b += span * 0.06;
			r0 -= rspan * 0.06;
			r1 += rspan * 0.06;
			break;
		default: /* the whole run again, scrolling as when live */
			a = T * k / 80.0;
			b = a + T / 2;
			r0 = 0;
			r1 = rows;
			break;
		}
		st.t0_ms = a;
		st.t1_ms = b;
		st.row0 = r0;
		st.row1 = r1;
		double f0 = now_s();
		if (snn_view_render(v, r, NULL, &st, img, d) != SNN_OK) {
			snn_diag_print(d, stderr);
			return 1;
		}
		ms[f] = (now_s() - f0) * 1e3;
		shown += snn_view_bins(v)->shown;
	}
	double total = now_s() - total0, cpu = cpu_s() - cpu0;
	/* the worst case: the whole run on screen, frame after frame */
	enum { FULL = 20 };
	st.t0_ms = 0;
	st.t1_ms = T;
	st.row0 = 0;
	st.row1 = rows;
	double full0 = now_s(), fcpu0 = cpu_s();
	for (int f = 0; f < FULL; f++) {
		if (snn_view_render(v, r, NULL, &st, img, d) != SNN_OK) {
			snn_diag_print(d, stderr);
			return 1;
		}
	}
	double full = now_s() - full0, fcpu = cpu_s() - fcpu0;
	qsort(ms, FRAMES, sizeof(double), cmp_double);
	printf(
	    "{\"bench\": \"viewer_fps\", \"file\": \"%s\", \"spikes\": %llu, \"size\": \"%ux%u\", "
	    "\"frames\": %d, \"fps\": %.1f, \"fps_cpu\": %.1f, \"ms_median\": %.2f, "
	    "\"ms_p95\": %.2f, \"ms_max\": %.2f, \"mean_spikes_shown\": %.0f, "
	    "\"fps_whole_run\": %.1f, \"fps_whole_run_cpu\": %.1f, \"load_s\": %.2f}\n",
	    argv[1], (unsigned long long)snn_raster_spike_count(r), W, H, FRAMES, FRAMES / total,
	    FRAMES / cpu, ms[FRAMES / 2], ms[FRAMES * 95 / 100], ms[FRAMES - 1],
	    (double)shown / FRAMES, FULL / full, FULL / fcpu, load_s);
	free(ms);
	snn_image_free(img);
	snn_view_free(v);
	snn_raster_free(r);
	snn_diag_free(d);
	return 0;
}
