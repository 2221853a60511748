/*
 * Golden-image tests of the viewer's picture (include/snn/view.h): small
 * synthetic rasters rendered and compared pixel for pixel with
 * tests/golden/view_*.png. SNN_REGEN_GOLDEN=1 (make regen-golden) rewrites
 * the golden files instead; review their diff like code.
 * Also: the layout, and that the pixels show the data where it belongs.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn/snn.h"
#include "testutil.h"

#define PATH_LEN 4400

/* Population a: a diagonal (neuron k fires at 2k ms); b: every neuron
 * fires every 10 ms; c: a burst of all neurons at 40 ms. */
static snn_raster *scene(void)
{
	snn_raster *r = snn_raster_new();
	ck_assert_int_eq(snn_raster_add_population(r, "a", 50, NULL, NULL), SNN_OK);
	ck_assert_int_eq(snn_raster_add_population(r, "b", 30, NULL, NULL), SNN_OK);
	ck_assert_int_eq(snn_raster_add_population(r, "c", 20, NULL, NULL), SNN_OK);
	double t[400];
	uint64_t id[400];
	for (int k = 0; k < 50; k++) {
		t[k] = 2.0 * k;
		id[k] = (uint64_t)k;
	}
	ck_assert_int_eq(snn_raster_append(r, 0, t, id, 50, NULL), SNN_OK);
	size_t n = 0;
	for (int s = 0; s < 10; s++) {
		for (int k = 0; k < 30; k++) {
			t[n] = 10.0 * s + 5.0;
			id[n++] = (uint64_t)k;
		}
	}
	ck_assert_int_eq(snn_raster_append(r, 1, t, id, n, NULL), SNN_OK);
	for (int k = 0; k < 20; k++) {
		t[k] = 40.0 + 0.1 * k;
		id[k] = (uint64_t)k;
	}
	ck_assert_int_eq(snn_raster_append(r, 2, t, id, 20, NULL), SNN_OK);
	return r;
}

/* Compares img with the golden file `name`, or rewrites it when asked. */
static void golden(const snn_image *img, const char *name)
{
	const char *src = getenv("SNN_SRCDIR");
	ck_assert_msg(src != NULL, "SNN_SRCDIR is not set");
	char path[PATH_LEN];
	snprintf(path, sizeof(path), "%s/tests/golden/%s", src, name);
	const char *regen = getenv("SNN_REGEN_GOLDEN");
	if (regen && strcmp(regen, "1") == 0) {
		ck_assert_int_eq(snn_image_write_png(img, path, NULL), SNN_OK);
		return;
	}
	snn_image *want;
	snn_diag *d = snn_diag_new();
	int rc = snn_image_read_png(path, &want, d);
	ck_assert_msg(rc == SNN_OK, "%s: %s (make regen-golden writes it)", path,
		      snn_diag_message(d, 0));
	snn_diag_free(d);
	ck_assert_uint_eq(want->w, img->w);
	ck_assert_uint_eq(want->h, img->h);
	size_t diff = 0, first = 0;
	for (size_t k = (size_t)img->w * img->h; k-- > 0;) {
		if (want->px[k] != img->px[k]) {
			diff++;
			first = k;
		}
	}
	if (diff) {
		char got[PATH_LEN + 16];
		snprintf(got, sizeof(got), "%s/%s", tu_tmpdir("view_got"), name);
		snn_image_write_png(img, got, NULL);
		ck_abort_msg("%s: %zu pixels differ, the first at (%zu, %zu): %06x, expected "
			     "%06x; this picture is in %s",
			     name, diff, first % img->w, first / img->w, img->px[first],
			     want->px[first], got);
	}
	snn_image_free(want);
}

static snn_view_state state(double t0, double t1, double r0, double r1)
{
	snn_view_state st;
	memset(&st, 0, sizeof(st));
	st.t0_ms = t0;
	st.t1_ms = t1;
	st.row0 = r0;
	st.row1 = r1;
	st.rates = true;
	st.t_now_ms = NAN;
	return st;
}

START_TEST(test_golden_overview)
{
	snn_raster *r = scene();
	snn_view *v = snn_view_new();
	snn_image *img = snn_image_new(480, 320, 0);
	snn_view_state st = state(0, 100, 0, 100);
	st.title = "scene.h5";
	ck_assert_int_eq(snn_view_render(v, r, NULL, &st, img, NULL), SNN_OK);
	ck_assert_uint_eq(snn_view_bins(v)->shown, 50 + 300 + 20);
	golden(img, "view_overview.png");
	snn_image_free(img);
	snn_view_free(v);
	snn_raster_free(r);
}
END_TEST

START_TEST(test_golden_zoomed_hidden_help)
{
	snn_raster *r = scene();
	snn_raster_set_visible(r, 0, false); /* b then c: 50 rows */
	snn_view *v = snn_view_new();
	snn_image *img = snn_image_new(400, 300, 0);
	/* fewer rows than pixels: one band per neuron */
	snn_view_state st = state(30, 60, 20.5, 40.5);
	st.rates = false;
	st.help = true;
	st.t_now_ms = 52.0;
	st.status = "live t=52.0 ms";
	ck_assert_int_eq(snn_view_render(v, r, NULL, &st, img, NULL), SNN_OK);
	golden(img, "view_zoom_help.png");
	snn_image_free(img);
	snn_view_free(v);
	snn_raster_free(r);
}
END_TEST

START_TEST(test_golden_traces)
{
	snn_raster *r = scene();
	snn_trace_report tr;
	memset(&tr, 0, sizeof(tr));
	tr.population = "a";
	tr.variable = "V_m";
	tr.unit = "mV";
	uint64_t ids[2] = {0, 1};
	tr.node_ids = ids;
	tr.n_nodes = 2;
	tr.n_times = 200;
	tr.t0_ms = 0.5;
	tr.dt_ms = 0.5;
	double data[400];
	for (int k = 0; k < 200; k++) {
		/* sawtooths: integer arithmetic only, so the picture is exact */
		data[2 * k] = -70.0 + (k % 20);
		data[2 * k + 1] = -65.0 + (k % 50) / 5;
	}
	tr.data = data;
	snn_view *v = snn_view_new();
	snn_image *img = snn_image_new(480, 420, 0);
	snn_view_state st = state(0, 100, 0, 100);
	st.traces = true;
	ck_assert_int_eq(snn_view_render(v, r, &tr, &st, img, NULL), SNN_OK);
	golden(img, "view_traces.png");
	snn_image_free(img);
	snn_view_free(v);
	snn_raster_free(r);
}
END_TEST

/* The colour of pixel (x, y measured from the bottom of the raster). */
static uint32_t raster_px(const snn_image *img, const snn_view_layout *L, int x, int y)
{
	return img->px[(size_t)(L->raster.y + L->raster.h - 1 - y) * img->w + L->raster.x + x];
}

START_TEST(test_pixels_where_the_data_is)
{
	snn_raster *r = scene();
	snn_view *v = snn_view_new();
	snn_image *img = snn_image_new(500, 400, 0);
	snn_view_state st = state(0, 100, 0, 100);
	st.rates = false;
	ck_assert_int_eq(snn_view_render(v, r, NULL, &st, img, NULL), SNN_OK);
	snn_view_layout L;
	snn_view_layout_of(500, 400, false, false, &L);
	ck_assert_int_eq(L.rates.h, 0);
	/* the burst of c (40.0 to 41.9 ms): c's colour fills c's rows in the
	 * columns of those times, and appears nowhere else in the raster */
	int x0 = (int)floor(40.0 / 100.0 * L.raster.w), x1 = (int)floor(41.9 / 100.0 * L.raster.w);
	int inside = 0, outside = 0;
	for (int y = 0; y < L.raster.h; y++) {
		double row = (y + 0.5) * 100.0 / L.raster.h;
		bool band = row >= 80 && row < 100;
		bool any = false;
		for (int x = 0; x < L.raster.w; x++) {
			uint32_t p = raster_px(img, &L, x, y);
			/* c's pure colour or a lighter blend of it: green leads */
			bool green = p != 0xFFFFFF && ((p >> 8) & 0xFF) > ((p >> 16) & 0xFF) + 30 &&
				     ((p >> 8) & 0xFF) > (p & 0xFF) + 20;
			if (green && x >= x0 && x <= x1) {
				any = true;
			}
			if (green && !band) {
				outside++;
			}
		}
		inside += band && any;
	}
	/* 20 neurons over a fifth of the height: every pixel row of c's band */
	ck_assert_int_ge(inside, L.raster.h / 5 - 1);
	ck_assert_int_eq(outside, 0);
	/* nothing is drawn where no spike is: population a at 99 ms */
	int xe = (int)floor(99.0 / 100.0 * L.raster.w);
	for (int y = 0; y < L.raster.h / 2 - 2; y++) {
		ck_assert_uint_eq(raster_px(img, &L, xe, y), 0xFFFFFF);
	}
	snn_image_free(img);
	snn_view_free(v);
	snn_raster_free(r);
}
END_TEST

START_TEST(test_layout_and_errors)
{
	snn_view_layout L;
	snn_view_layout_of(1200, 800, true, true, &L);
	ck_assert_int_gt(L.raster.h, 400);
	ck_assert_int_gt(L.rates.h, 0);
	ck_assert_int_gt(L.traces.h, 0);
	ck_assert_int_eq(L.raster.x, L.rates.x);
	ck_assert_int_le(L.raster.y + L.raster.h, L.traces.y);
	ck_assert_int_le(L.traces.y + L.traces.h, L.rates.y);
	ck_assert_int_le(L.rates.y + L.rates.h, L.axis.y);
	ck_assert_int_eq(L.status.y + L.status.h, 800);
	/* small pictures give the raster the room */
	snn_view_layout_of(200, 150, true, true, &L);
	ck_assert_int_eq(L.rates.h, 0);
	ck_assert_int_eq(L.traces.h, 0);
	ck_assert_int_gt(L.raster.h, 50);
	snn_raster *r = scene();
	snn_view *v = snn_view_new();
	snn_image *img = snn_image_new(300, 200, 0);
	snn_diag *d = snn_diag_new();
	snn_view_state st = state(5, 5, 0, 10);
	ck_assert_int_eq(snn_view_render(v, r, NULL, &st, img, d), SNN_EINVAL);
	ck_assert_str_eq(snn_diag_message(d, 0), "empty view: t [5, 5) ms, rows [0, 10)");
	ck_assert_ptr_nonnull(strstr(snn_view_keys_help(), "save a PNG screenshot"));
	/* legend entries, right-aligned from x = 300 - 12: each takes 14 px (swatch
	 * and gaps) plus its text, "3 c" = 18 px: c spans [256, 285), b [224, 253),
	 * a [192, 221) */
	ck_assert_int_eq(snn_view_legend_at(r, 300, 256, 8), 2);
	ck_assert_int_eq(snn_view_legend_at(r, 300, 284, 8), 2);
	ck_assert_int_eq(snn_view_legend_at(r, 300, 285, 8), -1);
	ck_assert_int_eq(snn_view_legend_at(r, 300, 224, 8), 1);
	ck_assert_int_eq(snn_view_legend_at(r, 300, 192, 8), 0);
	ck_assert_int_eq(snn_view_legend_at(r, 300, 191, 8), -1);
	ck_assert_int_eq(snn_view_legend_at(r, 300, 290, 40), -1);
	snn_diag_free(d);
	snn_image_free(img);
	snn_view_free(v);
	snn_raster_free(r);
}
END_TEST

static Suite *view_suite(void)
{
	Suite *s = suite_create("view");
	TCase *tc = tcase_create("golden");
	tcase_add_test(tc, test_golden_overview);
	tcase_add_test(tc, test_golden_zoomed_hidden_help);
	tcase_add_test(tc, test_golden_traces);
	suite_add_tcase(s, tc);
	tc = tcase_create("pixels");
	tcase_add_test(tc, test_pixels_where_the_data_is);
	tcase_add_test(tc, test_layout_and_errors);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(view_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
