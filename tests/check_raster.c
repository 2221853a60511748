/*
 * Tests of the viewer's display-free half: the spike store and its binning
 * against brute-force counts, rates, population stacking, bad input; images,
 * the bitmap font and PNG round trips; the trace reader; the live stream's
 * protocol, its non-blocking writer and its drop accounting.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "snn/snn.h"
#include "testutil.h"

#define PATH_LEN 4400

#define EXPECT(cond, ...)                          \
	do {                                       \
		if (!(cond)) {                     \
			ck_abort_msg(__VA_ARGS__); \
		}                                  \
	} while (0)

/* A small deterministic generator for test data (not the simulator's). */
static uint64_t lcg_state;
static uint32_t lcg(void)
{
	lcg_state = lcg_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(lcg_state >> 33);
}

static double unif(double a, double b)
{
	return a + (b - a) * (lcg() / 2147483648.0);
}

/* Three populations of random sizes with random sorted spike trains. */
static snn_raster *random_raster(uint32_t *sizes, size_t *counts)
{
	snn_raster *r = snn_raster_new();
	ck_assert_ptr_nonnull(r);
	const char *names[3] = {"exc", "inh", "ext"};
	for (size_t i = 0; i < 3; i++) {
		sizes[i] = 20 + lcg() % 300;
		size_t idx;
		ck_assert_int_eq(snn_raster_add_population(r, names[i], sizes[i], &idx, NULL),
				 SNN_OK);
		ck_assert_uint_eq(idx, i);
		counts[i] = 500 + lcg() % 4000;
		double *t = malloc(counts[i] * sizeof(double));
		uint64_t *id = malloc(counts[i] * sizeof(uint64_t));
		double now = 0;
		for (size_t k = 0; k < counts[i]; k++) {
			/* repeated times too, and times on round values */
			now += (lcg() % 4 == 0) ? 0.0 : (lcg() % 3 == 0 ? 0.5 : unif(0, 0.4));
			t[k] = now;
			id[k] = lcg() % sizes[i];
		}
		ck_assert_int_eq(snn_raster_append(r, i, t, id, counts[i], NULL), SNN_OK);
		free(t);
		free(id);
	}
	return r;
}

/* Counts by the rule stated in raster.h, spike by spike. */
static void brute_bin(const snn_raster *r, const snn_raster_window *w, uint32_t *count,
		      uint32_t *cols, uint64_t *shown)
{
	memset(count, 0, sizeof(uint32_t) * w->width * w->height);
	memset(cols, 0, sizeof(uint32_t) * w->width * snn_raster_population_count(r));
	*shown = 0;
	for (size_t i = 0; i < snn_raster_population_count(r); i++) {
		if (!snn_raster_is_visible(r, i)) {
			continue;
		}
		int64_t first = snn_raster_first_row(r, i);
		const double *t = snn_raster_times(r, i);
		const uint32_t *id = snn_raster_node_ids(r, i);
		for (size_t k = 0; k < snn_raster_population_spikes(r, i); k++) {
			if (t[k] < w->t0_ms || t[k] >= w->t1_ms) {
				continue;
			}
			double fx = floor((t[k] - w->t0_ms) * (w->width / (w->t1_ms - w->t0_ms)));
			if (fx < 0 || fx >= w->width) {
				continue;
			}
			cols[i * w->width + (size_t)fx]++;
			double R = (double)((uint64_t)first + id[k]);
			double fy = floor((R + 0.5 - w->row0) * (w->height / (w->row1 - w->row0)));
			if (fy < 0 || fy >= w->height) {
				continue;
			}
			count[(size_t)fx * w->height + (size_t)fy]++;
			(*shown)++;
		}
	}
}

START_TEST(test_bin_matches_brute_force)
{
	lcg_state = 12345;
	uint32_t sizes[3];
	size_t counts[3];
	snn_raster *r = random_raster(sizes, counts);
	snn_raster_bins b;
	memset(&b, 0, sizeof(b));
	uint32_t *cnt = malloc(sizeof(uint32_t) * 400 * 300);
	uint32_t *cols = malloc(sizeof(uint32_t) * 400 * 3);
	double tmax = snn_raster_t_last(r);
	uint64_t rows = snn_raster_rows(r);
	ck_assert_uint_eq(rows, (uint64_t)sizes[0] + sizes[1] + sizes[2]);
	for (int trial = 0; trial < 300; trial++) {
		/* hide a population now and then: rows restack */
		for (size_t i = 0; i < 3; i++) {
			snn_raster_set_visible(r, i, trial % 7 != (int)i);
		}
		snn_raster_window w;
		w.t0_ms = trial % 5 == 0 ? 0.0 : unif(-50, tmax);
		w.t1_ms = trial % 5 == 0 ? tmax + 1 : w.t0_ms + unif(0.01, tmax);
		double vr = (double)snn_raster_rows(r);
		w.row0 = trial % 3 == 0 ? 0.0 : unif(-20, vr);
		w.row1 = trial % 3 == 0 ? vr : w.row0 + unif(1, vr);
		w.width = 1 + lcg() % 400;
		w.height = 1 + lcg() % 300;
		ck_assert_int_eq(snn_raster_bin(r, &w, &b, NULL), SNN_OK);
		uint64_t shown;
		brute_bin(r, &w, cnt, cols, &shown);
		EXPECT(b.shown == shown, "trial %d: shown %llu, brute force %llu", trial,
		       (unsigned long long)b.shown, (unsigned long long)shown);
		EXPECT(memcmp(b.count, cnt, sizeof(uint32_t) * w.width * w.height) == 0,
		       "trial %d: the grid differs from brute force", trial);
		uint32_t mx = 0;
		uint64_t sum = 0;
		for (size_t c = 0; c < (size_t)w.width * w.height; c++) {
			mx = cnt[c] > mx ? cnt[c] : mx;
			sum += cnt[c];
		}
		EXPECT(b.max_count == mx, "trial %d: max %u, expected %u", trial, b.max_count, mx);
		EXPECT(sum == shown, "trial %d: grid sum", trial);
		for (size_t i = 0; i < 3; i++) {
			if (!snn_raster_is_visible(r, i)) {
				continue;
			}
			EXPECT(memcmp(b.col_count + i * w.width, cols + i * w.width,
				      sizeof(uint32_t) * w.width) == 0,
			       "trial %d: column counts of population %zu differ", trial, i);
			/* the rate over all columns is spikes in the window over
			 * neurons x window */
			uint64_t n = 0;
			for (uint32_t c = 0; c < w.width; c++) {
				n += cols[i * w.width + c];
			}
			double want = (double)n / (sizes[i] * (w.t1_ms - w.t0_ms) * 1e-3);
			double got = snn_raster_rate_hz(r, &b, &w, i, 0, w.width);
			EXPECT(fabs(got - want) <= 1e-9 * (want > 1 ? want : 1),
			       "trial %d: rate %g, expected %g", trial, got, want);
		}
	}
	snn_raster_bins_free(&b);
	free(cnt);
	free(cols);
	snn_raster_free(r);
}
END_TEST

START_TEST(test_bin_counts_everything_once)
{
	lcg_state = 777;
	uint32_t sizes[3];
	size_t counts[3];
	snn_raster *r = random_raster(sizes, counts);
	snn_raster_bins b;
	memset(&b, 0, sizeof(b));
	/* the whole data in one window: every spike lands exactly once */
	snn_raster_window w = {0.0, nextafter(snn_raster_t_last(r), INFINITY),
			       0.0, (double)snn_raster_rows(r),
			       97,  61};
	ck_assert_int_eq(snn_raster_bin(r, &w, &b, NULL), SNN_OK);
	ck_assert_uint_eq(b.shown, counts[0] + counts[1] + counts[2]);
	ck_assert_uint_eq(b.in_time, counts[0] + counts[1] + counts[2]);
	ck_assert_uint_eq(snn_raster_spike_count(r), counts[0] + counts[1] + counts[2]);
	/* one bin per neuron: bin y holds exactly neuron y's spikes */
	snn_raster_window w2 = {0.0, nextafter(snn_raster_t_last(r), INFINITY),
				0.0, (double)snn_raster_rows(r),
				1,   (uint32_t)snn_raster_rows(r)};
	ck_assert_int_eq(snn_raster_bin(r, &w2, &b, NULL), SNN_OK);
	const uint32_t *id = snn_raster_node_ids(r, 1);
	uint32_t n7 = 0;
	for (size_t k = 0; k < counts[1]; k++) {
		n7 += id[k] == 7;
	}
	ck_assert_uint_eq(b.count[sizes[0] + 7], n7);
	snn_raster_bins_free(&b);
	snn_raster_free(r);
}
END_TEST

START_TEST(test_bin_bad_windows)
{
	snn_raster *r = snn_raster_new();
	snn_diag *d = snn_diag_new();
	snn_raster_bins b;
	memset(&b, 0, sizeof(b));
	snn_raster_window w = {10, 10, 0, 1, 10, 10};
	ck_assert_int_eq(snn_raster_bin(r, &w, &b, d), SNN_EINVAL);
	ck_assert_str_eq(snn_diag_message(d, 0),
			 "empty view: t [10, 10) ms, rows [0, 1), 10 x 10 bins");
	w = (snn_raster_window){0, NAN, 0, 1, 10, 10};
	ck_assert_int_eq(snn_raster_bin(r, &w, &b, NULL), SNN_EINVAL);
	w = (snn_raster_window){0, 1, 0, 1, 0, 10};
	ck_assert_int_eq(snn_raster_bin(r, &w, &b, NULL), SNN_EINVAL);
	/* an empty store bins to an empty grid */
	w = (snn_raster_window){0, 1, 0, 1, 3, 2};
	ck_assert_int_eq(snn_raster_bin(r, &w, &b, NULL), SNN_OK);
	ck_assert_uint_eq(b.shown, 0);
	ck_assert_uint_eq(b.max_count, 0);
	snn_raster_bins_free(&b);
	snn_diag_free(d);
	snn_raster_free(r);
}
END_TEST

START_TEST(test_stacking_and_appends)
{
	snn_raster *r = snn_raster_new();
	snn_diag *d = snn_diag_new();
	size_t a, b2;
	ck_assert_int_eq(snn_raster_add_population(r, "a", 10, &a, d), SNN_OK);
	ck_assert_int_eq(snn_raster_add_population(r, "b", 0, &b2, d), SNN_OK);
	ck_assert_int_eq(snn_raster_add_population(r, "a", 3, NULL, d), SNN_EINVAL);
	ck_assert_str_eq(snn_diag_message(d, 0), "population 'a' is already present");
	ck_assert_int_eq(snn_raster_add_population(r, "", 3, NULL, NULL), SNN_EINVAL);
	/* unknown sizes grow with the ids seen */
	double t[3] = {1, 2, 2};
	uint64_t id[3] = {4, 0, 6};
	ck_assert_int_eq(snn_raster_append(r, b2, t, id, 3, d), SNN_OK);
	ck_assert_uint_eq(snn_raster_population_size(r, b2), 7);
	ck_assert_uint_eq(snn_raster_rows(r), 17);
	ck_assert_int_eq(snn_raster_first_row(r, b2), 10);
	ck_assert_int_eq(snn_raster_pop_at_row(r, 9.9), 0);
	ck_assert_int_eq(snn_raster_pop_at_row(r, 10), 1);
	ck_assert_int_eq(snn_raster_pop_at_row(r, 17), -1);
	ck_assert_int_eq(snn_raster_pop_at_row(r, -0.5), -1);
	snn_raster_set_visible(r, a, false);
	ck_assert_int_eq(snn_raster_first_row(r, a), -1);
	ck_assert_int_eq(snn_raster_first_row(r, b2), 0);
	ck_assert_uint_eq(snn_raster_rows(r), 7);
	snn_raster_set_visible(r, a, true);
	/* going back in time appends nothing */
	snn_diag_clear(d);
	double back[2] = {3, 1.5};
	uint64_t bid[2] = {0, 0};
	ck_assert_int_eq(snn_raster_append(r, b2, back, bid, 2, d), SNN_EINVAL);
	ck_assert_str_eq(snn_diag_message(d, 0),
			 "b: spike 1 at 1.5 ms comes before 3 ms or is not a finite time");
	ck_assert_uint_eq(snn_raster_population_spikes(r, b2), 3);
	snn_diag_clear(d);
	uint64_t huge = 1ull << 32;
	ck_assert_int_eq(snn_raster_append(r, a, t, &huge, 1, d), SNN_ERANGE);
	ck_assert_str_eq(snn_diag_message(d, 0), "a: node id 4294967296 is too large to show");
	ck_assert_int_eq(snn_raster_append(r, 9, t, id, 1, NULL), SNN_EINVAL);
	ck_assert_double_eq(snn_raster_t_first(r), 1.0);
	ck_assert_double_eq(snn_raster_t_last(r), 2.0);
	snn_raster_set_t_end(r, 50);
	snn_raster_set_t_end(r, 40); /* never decreases */
	ck_assert_double_eq(snn_raster_t_end(r), 50.0);
	ck_assert_uint_eq(snn_raster_lower_bound(r, b2, 2.0), 1);
	ck_assert_uint_eq(snn_raster_lower_bound(r, b2, 2.5), 3);
	snn_diag_free(d);
	snn_raster_free(r);
}
END_TEST

START_TEST(test_from_spikes_sorts_stably)
{
	snn_spike_population p = {"x", 6, NULL, NULL};
	double t[6] = {5, 1, 3, 1, 5, 0};
	uint64_t id[6] = {0, 1, 2, 3, 4, 5};
	p.t_ms = t;
	p.node_ids = id;
	snn_spike_data s = {1, &p};
	snn_raster *r;
	ck_assert_int_eq(snn_raster_from_spikes(&s, &r, NULL), SNN_OK);
	const double *rt = snn_raster_times(r, 0);
	const uint32_t *ri = snn_raster_node_ids(r, 0);
	const double wt[6] = {0, 1, 1, 3, 5, 5};
	const uint32_t wi[6] = {5, 1, 3, 2, 0, 4};
	for (int k = 0; k < 6; k++) {
		ck_assert_double_eq(rt[k], wt[k]);
		ck_assert_uint_eq(ri[k], wi[k]);
	}
	ck_assert_double_eq(snn_raster_t_end(r), 5.0);
	snn_raster_free(r);
	/* a larger shuffled train comes out sorted, every spike kept */
	lcg_state = 99;
	size_t n = 100000;
	double *tt = malloc(n * sizeof(double));
	uint64_t *ii = malloc(n * sizeof(uint64_t));
	uint64_t sum = 0;
	for (size_t k = 0; k < n; k++) {
		uint32_t tenths = lcg() % 5000;
		tt[k] = (double)tenths / 10.0;
		ii[k] = k;
		sum += tenths;
	}
	p.n = n;
	p.t_ms = tt;
	p.node_ids = ii;
	ck_assert_int_eq(snn_raster_from_spikes(&s, &r, NULL), SNN_OK);
	rt = snn_raster_times(r, 0);
	ri = snn_raster_node_ids(r, 0);
	uint64_t sum2 = 0;
	for (size_t k = 0; k < n; k++) {
		sum2 += (uint64_t)llround(rt[k] * 10.0);
		EXPECT(tt[ri[k]] == rt[k], "spike %zu lost its time", k);
		EXPECT(k == 0 || rt[k] > rt[k - 1] || (rt[k] == rt[k - 1] && ri[k] > ri[k - 1]),
		       "not sorted stably at %zu", k);
	}
	ck_assert_uint_eq(sum, sum2);
	snn_raster_free(r);
	free(tt);
	free(ii);
}
END_TEST

START_TEST(test_load_bad_files)
{
	char dir[PATH_LEN], path[PATH_LEN + 32];
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir("raster_bad"));
	snn_diag *d = snn_diag_new();
	snn_raster *r = (snn_raster *)1;
	/* a missing file */
	snprintf(path, sizeof(path), "%s/none.h5", dir);
	ck_assert_int_eq(snn_raster_load(path, &r, d), SNN_EIO);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(snn_diag_message(d, 0), "cannot open: No such file or directory");
	/* a text file named .h5 */
	snprintf(path, sizeof(path), "%s/text.h5", dir);
	FILE *f = fopen(path, "w");
	fputs("hello\n", f);
	fclose(f);
	snn_diag_clear(d);
	ck_assert_int_eq(snn_raster_load(path, &r, d), SNN_EPARSE);
	ck_assert_str_eq(snn_diag_message(d, 0),
			 "not an HDF5 file (no HDF5 signature at its start)");
	/* a real spike file cut short */
	snprintf(path, sizeof(path), "%s/cut.h5", dir);
	const char *names[1] = {"p"};
	snn_spike_writer *w;
	ck_assert_int_eq(snn_spike_writer_open(path, SNN_SPIKES_HDF5, names, 1, NULL, &w, d),
			 SNN_OK);
	double t[1000];
	uint64_t id[1000];
	for (int k = 0; k < 1000; k++) {
		t[k] = k * 0.1;
		id[k] = (uint64_t)k % 37;
	}
	ck_assert_int_eq(snn_spike_writer_append(w, 0, t, id, 1000, d), SNN_OK);
	ck_assert_int_eq(snn_spike_writer_commit(w, d), SNN_OK);
	ck_assert_int_eq(snn_raster_load(path, &r, d), SNN_OK);
	ck_assert_uint_eq(snn_raster_spike_count(r), 1000);
	ck_assert_uint_eq(snn_raster_population_size(r, 0), 37);
	snn_raster_free(r);
	ck_assert_int_eq(truncate(path, 2000), 0);
	snn_diag_clear(d);
	ck_assert_int_eq(snn_raster_load(path, &r, d), SNN_EPARSE);
	ck_assert_ptr_null(r);
	ck_assert_str_eq(snn_diag_message(d, 0),
			 "cannot open as HDF5 (truncated or not an HDF5 file)");
	snn_diag_free(d);
}
END_TEST

/* ------------------------------------------------------------ images */

START_TEST(test_image_drawing_and_png)
{
	snn_image *img = snn_image_new(40, 30, 0xFFFFFF);
	ck_assert_ptr_nonnull(img);
	ck_assert_ptr_null(snn_image_new(0, 3, 0));
	ck_assert_ptr_null(snn_image_new(SNN_IMAGE_MAX_SIDE + 1, 3, 0));
	snn_image_fill_rect(img, -5, -5, 10, 10, 0x112233); /* clipped to 5 x 5 */
	int n = 0;
	for (size_t k = 0; k < 40 * 30; k++) {
		n += img->px[k] == 0x112233;
	}
	ck_assert_int_eq(n, 25);
	snn_image_line(img, 0, 29, 39, 0, 0x0000FF); /* corner to corner */
	ck_assert_uint_eq(img->px[29 * 40 + 0], 0x0000FF);
	ck_assert_uint_eq(img->px[0 * 40 + 39], 0x0000FF);
	snn_image_blend_rect(img, 30, 20, 1, 1, 0x000000, 255);
	ck_assert_uint_eq(img->px[20 * 40 + 30], 0x000000);
	snn_image_blend_rect(img, 31, 20, 1, 1, 0x000000, 128);
	ck_assert_uint_eq(img->px[20 * 40 + 31], 0x7F7F7F);
	/* text: 'I' is a vertical bar with serifs, 6 pixels per cell */
	ck_assert_int_eq(snn_image_text_width(1, "abc"), 18);
	ck_assert_int_eq(snn_image_text_width(2, "abc"), 36);
	snn_image *t = snn_image_new(12, 10, 0);
	ck_assert_int_eq(snn_image_text(t, 0, 0, 1, 0xFFFFFF, "I"), 6);
	const char *want[8] = {".###.", "..#..", "..#..", "..#..",
			       "..#..", "..#..", ".###.", "....."};
	for (int y = 0; y < 8; y++) {
		for (int x = 0; x < 5; x++) {
			EXPECT((t->px[y * 12 + x] != 0) == (want[y][x] == '#'), "glyph I at %d,%d",
			       x, y);
		}
	}
	/* bytes outside ASCII draw as '?' */
	snn_image *q1 = snn_image_new(6, 10, 0), *q2 = snn_image_new(6, 10, 0);
	snn_image_text(q1, 0, 0, 1, 0xFFFFFF, "\xe9");
	snn_image_text(q2, 0, 0, 1, 0xFFFFFF, "?");
	ck_assert_mem_eq(q1->px, q2->px, 60 * sizeof(uint32_t));
	/* PNG round trip, exact */
	char path[PATH_LEN + 32];
	snprintf(path, sizeof(path), "%s/img.png", tu_tmpdir("raster_png"));
	ck_assert_int_eq(snn_image_write_png(img, path, NULL), SNN_OK);
	snn_image *back;
	ck_assert_int_eq(snn_image_read_png(path, &back, NULL), SNN_OK);
	ck_assert_uint_eq(back->w, 40);
	ck_assert_uint_eq(back->h, 30);
	ck_assert_mem_eq(back->px, img->px, 40 * 30 * sizeof(uint32_t));
	snn_image_free(back);
	/* not a PNG, a missing file, a truncated PNG */
	snn_diag *d = snn_diag_new();
	FILE *f = fopen(path, "r+b");
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	fclose(f);
	ck_assert_int_eq(truncate(path, len / 2), 0);
	back = (snn_image *)1;
	ck_assert_int_eq(snn_image_read_png(path, &back, d), SNN_EPARSE);
	ck_assert_ptr_null(back);
	ck_assert_msg(strncmp(snn_diag_message(d, 0), "corrupt PNG file", 16) == 0 ||
			  strncmp(snn_diag_message(d, 0), "not a PNG file", 14) == 0,
		      "%s", snn_diag_message(d, 0));
	f = fopen(path, "w");
	fputs("GIF89a....", f);
	fclose(f);
	snn_diag_clear(d);
	ck_assert_int_eq(snn_image_read_png(path, &back, d), SNN_EPARSE);
	ck_assert_msg(strncmp(snn_diag_message(d, 0), "not a PNG file", 14) == 0, "%s",
		      snn_diag_message(d, 0));
	snn_diag_clear(d);
	strcat(path, ".none");
	ck_assert_int_eq(snn_image_read_png(path, &back, d), SNN_EIO);
	/* a PNG cannot be written into a missing folder, and leaves nothing */
	snn_diag_clear(d);
	ck_assert_int_eq(snn_image_write_png(img, "/nonexistent-dir/x.png", d), SNN_EIO);
	snn_diag_free(d);
	snn_image_free(q1);
	snn_image_free(q2);
	snn_image_free(t);
	snn_image_free(img);
}
END_TEST

/* ------------------------------------------------------------ traces */

START_TEST(test_trace_reader)
{
	char dir[PATH_LEN];
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir("raster_trace"));
	char *yaml = tu_fmt("simulation: {dt: 0.1 ms, duration: 20 ms, seed: 1}\n"
			    "populations:\n"
			    "  n: {model: lif, size: 4, params: {I_e: 400 pA}}\n"
			    "record:\n"
			    "  traces:\n"
			    "    - {population: \"n[1:4]\", variable: V_m, interval: 0.5 ms, "
			    "file: %s/vm.h5}\n",
			    dir);
	snn_net *net = tu_load(yaml);
	snn_stats st;
	snn_spike_data_free(tu_run(net, 1, &st));
	char path[PATH_LEN + 16];
	snprintf(path, sizeof(path), "%s/vm.h5", dir);
	snn_trace_report *tr;
	snn_diag *d = snn_diag_new();
	ck_assert_int_eq(snn_trace_read(path, &tr, d), SNN_OK);
	ck_assert_str_eq(tr->population, "n");
	ck_assert_str_eq(tr->variable, "V_m");
	ck_assert_str_eq(tr->unit, "mV");
	ck_assert_uint_eq(tr->n_nodes, 3);
	ck_assert_uint_eq(tr->node_ids[0], 1);
	ck_assert_uint_eq(tr->node_ids[2], 3);
	ck_assert_uint_eq(tr->n_times, 40);
	ck_assert_double_eq_tol(tr->t0_ms, 0.5, 1e-12);
	ck_assert_double_eq_tol(tr->dt_ms, 0.5, 1e-12);
	size_t rows, cols;
	double *want = tu_read_trace(path, "n", &rows, &cols);
	ck_assert_uint_eq(rows, 40);
	ck_assert_mem_eq(tr->data, want, rows * cols * sizeof(double));
	free(want);
	snn_trace_free(tr);
	/* a spike file is not a report */
	char sp[PATH_LEN + 16];
	snprintf(sp, sizeof(sp), "%s/sp.h5", dir);
	const char *names[1] = {"p"};
	snn_spike_writer *w;
	ck_assert_int_eq(snn_spike_writer_open(sp, SNN_SPIKES_HDF5, names, 1, NULL, &w, d), SNN_OK);
	ck_assert_int_eq(snn_spike_writer_commit(w, d), SNN_OK);
	ck_assert_int_eq(snn_trace_read(sp, &tr, d), SNN_EPARSE);
	ck_assert_ptr_null(tr);
	ck_assert_str_eq(snn_diag_message(d, 0),
			 "/report: missing group; not a SONATA report file");
	/* truncated */
	snn_diag_clear(d);
	ck_assert_int_eq(truncate(path, 1500), 0);
	ck_assert_int_eq(snn_trace_read(path, &tr, d), SNN_EPARSE);
	ck_assert_str_eq(snn_diag_message(d, 0),
			 "cannot open as HDF5 (truncated or not an HDF5 file)");
	snn_diag_free(d);
	snn_net_free(net);
	free(yaml);
}
END_TEST

/* ------------------------------------------------------------ live stream */

static void sock_path(char *buf, size_t n, const char *name)
{
	/* socket paths are short (108 bytes): the build tree may be deep */
	snprintf(buf, n, "/tmp/snn-test-%ld-%s.sock", (long)getpid(), name);
}

START_TEST(test_stream_round_trip)
{
	char path[128];
	sock_path(path, sizeof(path), "rt");
	const char *names[3] = {"exc", NULL, "inh"};
	uint32_t sizes[3] = {100, 5, 25};
	snn_stream_writer *w;
	snn_diag *d = snn_diag_new();
	ck_assert_int_eq(snn_stream_listen(path, names, sizes, 3, 0.1, 50.0, 0, &w, d), SNN_OK);
	/* spikes before a viewer attaches wait in the queue */
	snn_spike_event ev[4] = {{1.0, 0, 3}, {1.0, 2, 7}, {1.0, 1, 2}, {1.5, 0, 99}};
	snn_stream_on_spikes(w, ev, 4, 2.0);
	ck_assert(!snn_stream_attached(w));
	snn_stream_reader *rd;
	ck_assert_int_eq(snn_stream_connect(path, &rd, d), SNN_OK);
	snn_spike_event ev2[2] = {{2.5, 2, 24}, {3.0, 0, 0}};
	snn_stream_on_spikes(w, ev2, 2, 4.0);
	ck_assert(snn_stream_attached(w));
	snn_stream_close(w, true, 50.0, 1.0);
	snn_raster *r = snn_raster_new();
	snn_stream_sink sink = snn_raster_stream_sink(r);
	for (int k = 0; k < 100 && !snn_stream_reader_ended(rd); k++) {
		ck_assert_int_eq(snn_stream_poll(rd, &sink, 0, d), SNN_OK);
	}
	ck_assert(snn_stream_reader_ended(rd));
	ck_assert(snn_stream_reader_run_ok(rd));
	ck_assert_uint_eq(snn_stream_reader_dropped(rd), 0);
	ck_assert_double_eq(snn_stream_reader_dt_ms(rd), 0.1);
	ck_assert_double_eq(snn_stream_reader_duration_ms(rd), 50.0);
	ck_assert_uint_eq(snn_raster_population_count(r), 2);
	ck_assert_str_eq(snn_raster_population_name(r, 0), "exc");
	ck_assert_str_eq(snn_raster_population_name(r, 1), "inh");
	ck_assert_uint_eq(snn_raster_population_size(r, 0), 100);
	ck_assert_uint_eq(snn_raster_population_size(r, 1), 25);
	/* the stimulus population is not streamed */
	ck_assert_uint_eq(snn_raster_spike_count(r), 5);
	ck_assert_uint_eq(snn_raster_population_spikes(r, 0), 3);
	ck_assert_uint_eq(snn_raster_node_ids(r, 0)[1], 99);
	ck_assert_double_eq(snn_raster_times(r, 1)[1], 2.5);
	ck_assert_double_eq(snn_raster_t_end(r), 50.0);
	/* the socket is gone after close */
	ck_assert_int_ne(access(path, F_OK), 0);
	snn_stream_reader_free(rd);
	snn_raster_free(r);
	snn_diag_free(d);
}
END_TEST

START_TEST(test_stream_slow_viewer_drops)
{
	char path[128];
	sock_path(path, sizeof(path), "slow");
	const char *names[1] = {"p"};
	uint32_t sizes[1] = {1000};
	snn_stream_writer *w;
	/* a tiny queue: the kernel's socket buffer and 64 KiB, then drops */
	ck_assert_int_eq(snn_stream_listen(path, names, sizes, 1, 0.1, 1e6, 65536, &w, NULL),
			 SNN_OK);
	snn_stream_reader *rd;
	ck_assert_int_eq(snn_stream_connect(path, &rd, NULL), SNN_OK);
	snn_spike_event ev[256];
	double t = 0;
	uint64_t handed = 0;
	/* the viewer reads nothing meanwhile; the writer must not block */
	for (int batch = 0; batch < 4000; batch++) {
		for (int k = 0; k < 256; k++) {
			ev[k] = (snn_spike_event){t, 0, (uint32_t)k};
		}
		t += 0.1;
		snn_stream_on_spikes(w, ev, 256, t);
		handed += 256;
	}
	uint64_t dropped = snn_stream_dropped(w), sent = snn_stream_sent(w);
	ck_assert_uint_gt(dropped, 0);
	ck_assert_uint_eq(sent + dropped, handed);
	/* the viewer catches up: it gets every queued spike and the drop count */
	snn_raster *r = snn_raster_new();
	snn_stream_sink sink = snn_raster_stream_sink(r);
	for (int k = 0; k < 200; k++) {
		ck_assert_int_eq(snn_stream_poll(rd, &sink, 0, NULL), SNN_OK);
		snn_stream_on_spikes(w, NULL, 0, t);
	}
	snn_stream_close(w, false, t, 2.0);
	for (int k = 0; k < 1000 && !snn_stream_reader_ended(rd); k++) {
		ck_assert_int_eq(snn_stream_poll(rd, &sink, 0, NULL), SNN_OK);
	}
	ck_assert(snn_stream_reader_ended(rd));
	ck_assert(!snn_stream_reader_run_ok(rd));
	ck_assert_uint_eq(snn_stream_reader_dropped(rd), dropped);
	ck_assert_uint_eq(snn_raster_spike_count(r), sent);
	snn_stream_reader_free(rd);
	snn_raster_free(r);
}
END_TEST

/* A reader needs no raster: any sink gets the populations, the spikes in
 * runs of one population and the stream's time; a sink's error ends the
 * poll with that error. */
struct count_sink {
	size_t pops, calls, spikes;
	uint32_t size_sum;
	double t_end;
	int fail_spikes; /* returned by the spikes callback */
};

static int cs_population(void *ctx, const char *name, uint32_t size, snn_diag *d)
{
	struct count_sink *c = ctx;
	(void)name;
	(void)d;
	c->pops++;
	c->size_sum += size;
	return SNN_OK;
}

static int cs_spikes(void *ctx, size_t pop, const double *t_ms, const uint64_t *ids, size_t n,
		     snn_diag *d)
{
	struct count_sink *c = ctx;
	(void)pop;
	(void)t_ms;
	(void)ids;
	if (c->fail_spikes) {
		return snn_diag_error(d, c->fail_spikes, NULL, 0, 0, "sink refused");
	}
	c->calls++;
	c->spikes += n;
	return SNN_OK;
}

static void cs_t_end(void *ctx, double t_ms)
{
	((struct count_sink *)ctx)->t_end = t_ms;
}

static int poll_until_end(snn_stream_reader *rd, const snn_stream_sink *sink, snn_diag *d)
{
	int rc = SNN_OK;
	for (int k = 0; k < 100 && rc == SNN_OK && !snn_stream_reader_ended(rd); k++) {
		rc = snn_stream_poll(rd, sink, 0, d);
	}
	return rc;
}

START_TEST(test_stream_custom_sink)
{
	char path[128];
	sock_path(path, sizeof(path), "sink");
	const char *names[2] = {"a", "b"};
	uint32_t sizes[2] = {10, 20};
	snn_diag *d = snn_diag_new();
	for (int fail = 0; fail < 2; fail++) {
		snn_stream_writer *w;
		ck_assert_int_eq(snn_stream_listen(path, names, sizes, 2, 0.1, 5.0, 0, &w, d),
				 SNN_OK);
		snn_stream_reader *rd;
		ck_assert_int_eq(snn_stream_connect(path, &rd, d), SNN_OK);
		snn_spike_event ev[3] = {{1.0, 0, 1}, {1.0, 0, 2}, {1.5, 1, 3}};
		snn_stream_on_spikes(w, ev, 3, 2.0);
		snn_stream_close(w, true, 5.0, 1.0);
		struct count_sink c = {.fail_spikes = fail ? SNN_ENOMEM : SNN_OK};
		snn_stream_sink sink = {&c, NULL, cs_population, cs_spikes, cs_t_end};
		snn_diag_clear(d);
		int rc = poll_until_end(rd, &sink, d);
		ck_assert_uint_eq(c.pops, 2);
		ck_assert_uint_eq(c.size_sum, 30);
		if (fail) {
			ck_assert_int_eq(rc, SNN_ENOMEM);
			ck_assert_str_eq(snn_diag_message(d, 0), "sink refused");
		} else {
			ck_assert_int_eq(rc, SNN_OK);
			ck_assert(snn_stream_reader_ended(rd));
			ck_assert_uint_eq(c.calls, 2); /* a run of population 0, then one of 1 */
			ck_assert_uint_eq(c.spikes, 3);
			ck_assert_double_eq(c.t_end, 5.0);
		}
		snn_stream_reader_free(rd);
	}
	/* the raster's sink refuses a raster that already holds populations */
	snn_raster *r = snn_raster_new();
	ck_assert_int_eq(snn_raster_add_population(r, "x", 1, NULL, d), SNN_OK);
	snn_stream_sink rs = snn_raster_stream_sink(r);
	snn_diag_clear(d);
	ck_assert_int_eq(rs.hello(rs.ctx, 1, d), SNN_EPARSE);
	ck_assert_str_eq(snn_diag_message(d, 0), "live stream: a second HELLO");
	snn_raster_free(r);
	snn_diag_free(d);
}
END_TEST

/* Times that are not finite times >= 0 (a NaN would become an integer bin in
 * the viewer: undefined behaviour) are refused by the reader, in a spike and
 * in the END frame. */
START_TEST(test_stream_bad_times)
{
	char path[128];
	sock_path(path, sizeof(path), "nan");
	const char *names[1] = {"a"};
	uint32_t sizes[1] = {10};
	snn_diag *d = snn_diag_new();
	for (int where = 0; where < 3; where++) {
		snn_stream_writer *w;
		ck_assert_int_eq(snn_stream_listen(path, names, sizes, 1, 0.1, 5.0, 0, &w, d),
				 SNN_OK);
		snn_stream_reader *rd;
		ck_assert_int_eq(snn_stream_connect(path, &rd, d), SNN_OK);
		snn_spike_event ev[2] = {{1.0, 0, 1}, {where == 0 ? NAN : 1.5, 0, 2}};
		snn_stream_on_spikes(w, ev, 2, where == 1 ? -INFINITY : 2.0);
		snn_stream_close(w, true, where == 2 ? NAN : 5.0, 1.0);
		struct count_sink c = {.fail_spikes = SNN_OK};
		snn_stream_sink sink = {&c, NULL, cs_population, cs_spikes, cs_t_end};
		snn_diag_clear(d);
		ck_assert_int_eq(poll_until_end(rd, &sink, d), SNN_EPARSE);
		const char *want[3] = {
		    "live stream: spike time that is not a finite time >= 0",
		    "live stream: spike frame whose time is not a finite time >= 0",
		    "live stream: END frame whose time is not a finite time >= 0"};
		ck_assert_str_eq(snn_diag_message(d, 0), want[where]);
		snn_stream_reader_free(rd);
	}
	snn_diag_free(d);
}
END_TEST

START_TEST(test_stream_errors)
{
	char path[128];
	sock_path(path, sizeof(path), "err");
	snn_diag *d = snn_diag_new();
	snn_stream_reader *rd;
	ck_assert_int_eq(snn_stream_connect(path, &rd, d), SNN_EIO);
	ck_assert_str_eq(snn_diag_message(d, 0),
			 "no such socket (is snnsim running with --stream?)");
	/* a regular file is never replaced */
	FILE *f = fopen(path, "w");
	fclose(f);
	snn_stream_writer *w;
	const char *names[1] = {"p"};
	uint32_t sizes[1] = {1};
	snn_diag_clear(d);
	ck_assert_int_eq(snn_stream_listen(path, names, sizes, 1, 0.1, 1, 0, &w, d), SNN_EIO);
	ck_assert_str_eq(snn_diag_message(d, 0), "exists and is not a socket; not replacing it");
	unlink(path);
	char longp[200];
	memset(longp, 'x', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = '\0';
	snn_diag_clear(d);
	ck_assert_int_eq(snn_stream_listen(longp, names, sizes, 1, 0.1, 1, 0, &w, d), SNN_EINVAL);
	/* a peer that speaks something else is refused with a clear error */
	int ls = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a;
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, path, strlen(path) + 1); /* short: see sock_path */
	ck_assert_int_eq(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	ck_assert_int_eq(listen(ls, 1), 0);
	ck_assert_int_eq(snn_stream_connect(path, &rd, d), SNN_OK);
	int c = accept(ls, NULL, NULL);
	uint8_t junk[40] = {1, 0, 0, 0, 32, 0, 0, 0, 'H', 'T', 'T', 'P', '/', '1', '.', '1'};
	ck_assert_int_eq(write(c, junk, sizeof(junk)), (int)sizeof(junk));
	snn_raster *r = snn_raster_new();
	snn_stream_sink sink = snn_raster_stream_sink(r);
	int rc = SNN_OK;
	snn_diag_clear(d);
	for (int k = 0; k < 100 && rc == SNN_OK; k++) {
		rc = snn_stream_poll(rd, &sink, 0, d);
	}
	ck_assert_int_eq(rc, SNN_EPARSE);
	ck_assert_str_eq(snn_diag_message(d, 0), "live stream: not a Spikeforge spike stream");
	snn_stream_reader_free(rd);
	snn_raster_free(r);
	close(c);
	close(ls);
	unlink(path);
	snn_diag_free(d);
}
END_TEST

/* ------------------------------------------------------------ engine hook */

struct hook_log {
	snn_raster *r;
	double last_t;
	int calls, bad_order;
};

static void hook(void *ctx, const snn_spike_event *ev, size_t n, double t_ms)
{
	struct hook_log *h = ctx;
	h->calls++;
	if (t_ms < h->last_t) {
		h->bad_order++;
	}
	h->last_t = t_ms;
	for (size_t k = 0; k < n; k++) {
		double t = ev[k].t_ms;
		uint64_t id = ev[k].id;
		if (t > t_ms || snn_raster_append(h->r, ev[k].pop, &t, &id, 1, NULL) != SNN_OK) {
			h->bad_order++;
		}
	}
}

/* The on_spikes hook sees every spike of every population, the file only
 * what the config records, and the file is the same with or without the
 * hook, for 1 and 3 threads. */
START_TEST(test_engine_hook)
{
	char dir[PATH_LEN];
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir("raster_hook"));
	char *yaml = tu_fmt("simulation: {dt: 0.1 ms, duration: 300 ms, seed: 11}\n"
			    "populations:\n"
			    "  src: {model: poisson_source, size: 40, params: {rate: 30 Hz}}\n"
			    "  e: {model: lif, size: 200, params: {E_L: 0 mV, V_th: 20 mV, "
			    "V_reset: 10 mV}}\n"
			    "projections:\n"
			    "  - {from: src, to: e, rule: {fixed_indegree: 5}, weight: 6 mV, "
			    "delay: 1 ms}\n"
			    "  - {from: e, to: e, rule: {fixed_indegree: 10}, weight: 0.5 mV, "
			    "delay: 1.5 ms}\n"
			    "stimuli:\n"
			    "  - {poisson: {rate: 8 kHz}, to: e, weight: 0.1 mV, delay: 0.1 ms}\n"
			    "record:\n"
			    "  spikes: {populations: [e], file: %s/rec.h5}\n",
			    dir);
	snn_net *net = tu_load(yaml);
	char ref[PATH_LEN + 16];
	unsigned char *bytes[3] = {NULL, NULL, NULL};
	long len[3] = {0, 0, 0};
	for (int run = 0; run < 3; run++) {
		snprintf(ref, sizeof(ref), "%s/rec.h5", dir);
		struct hook_log h = {snn_raster_new(), 0, 0, 0};
		for (size_t i = 0; i < snn_net_population_count(net); i++) {
			const char *nm = snn_net_population_name(net, i);
			ck_assert_int_eq(snn_raster_add_population(
					     h.r, nm, snn_net_population_size(net, i), NULL, NULL),
					 SNN_OK);
		}
		snn_sim_options opt;
		memset(&opt, 0, sizeof(opt));
		opt.threads = run == 2 ? 3 : 1;
		opt.software = "test";
		if (run > 0) {
			opt.on_spikes = hook;
			opt.spikes_ctx = &h;
		}
		snn_sim *sim;
		snn_diag *d = snn_diag_new();
		ck_assert_int_eq(snn_sim_new(net, &opt, &sim, d), SNN_OK);
		ck_assert_int_eq(snn_sim_run(sim, d), SNN_OK);
		const snn_stats *st = snn_sim_stats(sim);
		FILE *f = fopen(ref, "rb");
		ck_assert_ptr_nonnull(f);
		fseek(f, 0, SEEK_END);
		len[run] = ftell(f);
		rewind(f);
		bytes[run] = malloc((size_t)len[run]);
		ck_assert_int_eq(fread(bytes[run], 1, (size_t)len[run], f), len[run]);
		fclose(f);
		if (run > 0) {
			ck_assert_int_eq(h.bad_order, 0);
			ck_assert_int_gt(h.calls, 1);
			ck_assert_double_eq(h.last_t, 300.0);
			/* every spike of src and e, none of the stimulus */
			uint64_t total = 0;
			for (size_t i = 0; i < snn_raster_population_count(h.r); i++) {
				const char *nm = snn_raster_population_name(h.r, i);
				uint64_t n = snn_raster_population_spikes(h.r, i);
				if (nm[0] == '@') {
					ck_assert_uint_eq(n, 0);
				}
				total += n;
			}
			uint64_t shown = 0;
			for (size_t i = 0; i < st->n_pops; i++) {
				shown += st->pop_spikes[i];
			}
			ck_assert_uint_eq(total, shown);
			/* the hook's e spikes are the file's, in order */
			snn_spike_data *sd;
			ck_assert_int_eq(snn_spike_data_read(ref, &sd, d), SNN_OK);
			ck_assert_uint_eq(sd->n_pops, 1);
			long e = snn_net_find_population(net, "e");
			ck_assert_uint_eq(sd->pops[0].n,
					  snn_raster_population_spikes(h.r, (size_t)e));
			const double *ht = snn_raster_times(h.r, (size_t)e);
			const uint32_t *hi = snn_raster_node_ids(h.r, (size_t)e);
			for (uint64_t k = 0; k < sd->pops[0].n; k++) {
				EXPECT(sd->pops[0].t_ms[k] == ht[k] &&
					   sd->pops[0].node_ids[k] == hi[k],
				       "spike %llu differs", (unsigned long long)k);
			}
			long src = snn_net_find_population(net, "src");
			ck_assert_uint_gt(snn_raster_population_spikes(h.r, (size_t)src), 100);
			snn_spike_data_free(sd);
		}
		snn_sim_free(sim);
		snn_diag_free(d);
		snn_raster_free(h.r);
	}
	/* the file does not depend on the hook: byte for byte (same threads) */
	ck_assert_int_eq(len[0], len[1]);
	ck_assert_mem_eq(bytes[0], bytes[1], (size_t)len[0]);
	free(bytes[0]);
	free(bytes[1]);
	free(bytes[2]);
	snn_net_free(net);
	free(yaml);
}
END_TEST

/* The event engine calls the same hook: every spike at its exact time, the
 * time reached at least every 10 ms, the recorded population's spikes equal
 * to its spike file. */
START_TEST(test_event_engine_hook)
{
	char dir[PATH_LEN];
	snprintf(dir, sizeof(dir), "%s", tu_tmpdir("raster_hook_event"));
	char *yaml = tu_fmt("simulation: {dt: 0.1 ms, duration: 300 ms, seed: 5, engine: event}\n"
			    "populations:\n"
			    "  src: {model: poisson_source, size: 40, params: {rate: 30 Hz}}\n"
			    "  e: {model: lif, size: 200, params: {E_L: 0 mV, V_th: 20 mV, "
			    "V_reset: 10 mV}}\n"
			    "projections:\n"
			    "  - {from: src, to: e, rule: {fixed_indegree: 5}, weight: 6 mV, "
			    "delay: 1 ms}\n"
			    "  - {from: e, to: e, rule: {fixed_indegree: 10}, weight: 0.5 mV, "
			    "delay: 1.5 ms}\n"
			    "stimuli:\n"
			    "  - {poisson: {rate: 8 kHz}, to: e, weight: 0.1 mV, delay: 0.1 ms}\n"
			    "record:\n"
			    "  spikes: {populations: [e], file: %s/ev.h5}\n",
			    dir);
	snn_net *net = tu_load(yaml);
	struct hook_log h = {snn_raster_new(), 0, 0, 0};
	for (size_t i = 0; i < snn_net_population_count(net); i++) {
		ck_assert_int_eq(snn_raster_add_population(h.r, snn_net_population_name(net, i),
							   snn_net_population_size(net, i), NULL,
							   NULL),
				 SNN_OK);
	}
	snn_sim_options opt;
	memset(&opt, 0, sizeof(opt));
	opt.software = "test";
	opt.on_spikes = hook;
	opt.spikes_ctx = &h;
	snn_sim *sim;
	snn_diag *d = snn_diag_new();
	ck_assert_int_eq(snn_sim_new(net, &opt, &sim, d), SNN_OK);
	ck_assert_str_eq(snn_sim_engine_name(sim), "event-cpu");
	ck_assert_int_eq(snn_sim_run(sim, d), SNN_OK);
	const snn_stats *st = snn_sim_stats(sim);
	ck_assert_int_eq(h.bad_order, 0);
	ck_assert_int_ge(h.calls, 30);
	ck_assert_double_eq(h.last_t, 300.0);
	uint64_t total = 0, shown = 0;
	for (size_t i = 0; i < snn_raster_population_count(h.r); i++) {
		uint64_t n = snn_raster_population_spikes(h.r, i);
		if (snn_raster_population_name(h.r, i)[0] == '@') {
			ck_assert_uint_eq(n, 0);
		}
		total += n;
	}
	for (size_t i = 0; i < st->n_pops; i++) {
		shown += st->pop_spikes[i];
	}
	ck_assert_uint_eq(total, shown);
	long src = snn_net_find_population(net, "src");
	ck_assert_uint_gt(snn_raster_population_spikes(h.r, (size_t)src), 100);
	char ref[PATH_LEN + 16];
	snprintf(ref, sizeof(ref), "%s/ev.h5", dir);
	snn_spike_data *sd;
	ck_assert_int_eq(snn_spike_data_read(ref, &sd, d), SNN_OK);
	long e = snn_net_find_population(net, "e");
	ck_assert_uint_eq(sd->n_pops, 1);
	ck_assert_uint_gt(sd->pops[0].n, 100);
	ck_assert_uint_eq(sd->pops[0].n, snn_raster_population_spikes(h.r, (size_t)e));
	const double *ht = snn_raster_times(h.r, (size_t)e);
	const uint32_t *hi = snn_raster_node_ids(h.r, (size_t)e);
	bool off_grid = false;
	for (uint64_t k = 0; k < sd->pops[0].n; k++) {
		EXPECT(sd->pops[0].t_ms[k] == ht[k] && sd->pops[0].node_ids[k] == hi[k],
		       "spike %llu differs", (unsigned long long)k);
		off_grid |= fabs(ht[k] * 10 - nearbyint(ht[k] * 10)) > 1e-6;
	}
	ck_assert(off_grid); /* the exact times, not a grid's */
	snn_spike_data_free(sd);
	snn_sim_free(sim);
	snn_diag_free(d);
	snn_raster_free(h.r);
	snn_net_free(net);
	free(yaml);
}
END_TEST

static Suite *raster_suite(void)
{
	Suite *s = suite_create("raster");
	TCase *tc = tcase_create("store");
	tcase_add_test(tc, test_bin_matches_brute_force);
	tcase_add_test(tc, test_bin_counts_everything_once);
	tcase_add_test(tc, test_bin_bad_windows);
	tcase_add_test(tc, test_stacking_and_appends);
	tcase_add_test(tc, test_from_spikes_sorts_stably);
	tcase_add_test(tc, test_load_bad_files);
	suite_add_tcase(s, tc);
	tc = tcase_create("image");
	tcase_add_test(tc, test_image_drawing_and_png);
	suite_add_tcase(s, tc);
	tc = tcase_create("traces");
	tcase_add_test(tc, test_trace_reader);
	suite_add_tcase(s, tc);
	tc = tcase_create("stream");
	tcase_add_test(tc, test_stream_round_trip);
	tcase_add_test(tc, test_stream_slow_viewer_drops);
	tcase_add_test(tc, test_stream_errors);
	tcase_add_test(tc, test_stream_bad_times);
	tcase_add_test(tc, test_stream_custom_sink);
	suite_add_tcase(s, tc);
	tc = tcase_create("engine");
	tcase_add_test(tc, test_engine_hook);
	tcase_add_test(tc, test_event_engine_hook);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(raster_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
