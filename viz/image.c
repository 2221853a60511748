/*
 * RGB images: drawing primitives, bitmap text and PNG files through
 * libpng's simplified API.
 * Layer: libsnn (viz support), public API in include/snn/image.h. No SDL,
 * no floating point in drawing, so pixels are the same everywhere.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "font_int.h"
#include "outfile_int.h"
#include "snn/image.h"
#include "mem_int.h"

snn_image *snn_image_new(uint32_t w, uint32_t h, uint32_t rgb)
{
	if (w == 0 || h == 0 || w > SNN_IMAGE_MAX_SIDE || h > SNN_IMAGE_MAX_SIDE) {
		return NULL;
	}
	snn_image *img = mem_alloc(sizeof(*img));
	if (!img) {
		return NULL;
	}
	img->px = mem_array_raw((size_t)w * h, sizeof(uint32_t));
	if (!img->px) {
		mem_free(img);
		return NULL;
	}
	img->w = w;
	img->h = h;
	for (size_t k = 0; k < (size_t)w * h; k++) {
		img->px[k] = rgb;
	}
	return img;
}

void snn_image_free(snn_image *img)
{
	if (!img) {
		return;
	}
	mem_free(img->px);
	mem_free(img);
}

/* Clips [x, x + w) x [y, y + h) to the image; false when nothing is left. */
static bool clip(const snn_image *img, int *x, int *y, int *w, int *h)
{
	long x0 = *x, y0 = *y, x1 = (long)*x + *w, y1 = (long)*y + *h;
	x0 = x0 < 0 ? 0 : x0;
	y0 = y0 < 0 ? 0 : y0;
	x1 = x1 > (long)img->w ? (long)img->w : x1;
	y1 = y1 > (long)img->h ? (long)img->h : y1;
	if (x1 <= x0 || y1 <= y0) {
		return false;
	}
	*x = (int)x0;
	*y = (int)y0;
	*w = (int)(x1 - x0);
	*h = (int)(y1 - y0);
	return true;
}

void snn_image_fill_rect(snn_image *img, int x, int y, int w, int h, uint32_t rgb)
{
	if (!clip(img, &x, &y, &w, &h)) {
		return;
	}
	for (int j = 0; j < h; j++) {
		uint32_t *row = img->px + (size_t)(y + j) * img->w + x;
		for (int i = 0; i < w; i++) {
			row[i] = rgb;
		}
	}
}

static uint32_t mix(uint32_t dst, uint32_t src, uint32_t a)
{
	uint32_t out = 0;
	for (int s = 0; s < 24; s += 8) {
		uint32_t cd = (dst >> s) & 0xFF, cs = (src >> s) & 0xFF;
		out |= ((cd * (255 - a) + cs * a + 127) / 255) << s;
	}
	return out;
}

void snn_image_blend_rect(snn_image *img, int x, int y, int w, int h, uint32_t rgb, uint32_t alpha)
{
	if (alpha > 255) {
		alpha = 255;
	}
	if (!clip(img, &x, &y, &w, &h)) {
		return;
	}
	for (int j = 0; j < h; j++) {
		uint32_t *row = img->px + (size_t)(y + j) * img->w + x;
		for (int i = 0; i < w; i++) {
			row[i] = mix(row[i], rgb, alpha);
		}
	}
}

void snn_image_hline(snn_image *img, int x0, int x1, int y, uint32_t rgb)
{
	if (x1 < x0) {
		int t = x0;
		x0 = x1;
		x1 = t;
	}
	snn_image_fill_rect(img, x0, y, x1 - x0 + 1, 1, rgb);
}

void snn_image_vline(snn_image *img, int x, int y0, int y1, uint32_t rgb)
{
	if (y1 < y0) {
		int t = y0;
		y0 = y1;
		y1 = t;
	}
	snn_image_fill_rect(img, x, y0, 1, y1 - y0 + 1, rgb);
}

void snn_image_line(snn_image *img, int x0, int y0, int x1, int y1, uint32_t rgb)
{
	/* Bresenham: integer steps, so the pixels never depend on rounding */
	long dx = labs((long)x1 - x0), dy = -labs((long)y1 - y0);
	int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
	long err = dx + dy;
	for (;;) {
		if (x0 >= 0 && y0 >= 0 && (uint32_t)x0 < img->w && (uint32_t)y0 < img->h) {
			img->px[(size_t)y0 * img->w + (size_t)x0] = rgb;
		}
		if (x0 == x1 && y0 == y1) {
			break;
		}
		long e2 = 2 * err;
		if (e2 >= dy) {
			err += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			err += dx;
			y0 += sy;
		}
	}
}

void snn_image_rect(snn_image *img, int x, int y, int w, int h, uint32_t rgb)
{
	if (w <= 0 || h <= 0) {
		return;
	}
	snn_image_hline(img, x, x + w - 1, y, rgb);
	snn_image_hline(img, x, x + w - 1, y + h - 1, rgb);
	snn_image_vline(img, x, y, y + h - 1, rgb);
	snn_image_vline(img, x + w - 1, y, y + h - 1, rgb);
}

int snn_image_text(snn_image *img, int x, int y, int scale, uint32_t rgb, const char *text)
{
	if (scale < 1) {
		scale = 1;
	}
	for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
		const uint8_t *g = font_glyph(*c);
		for (int row = 0; row < 8; row++) {
			for (int col = 0; col < 5; col++) {
				if (g[row] & (0x10 >> col)) {
					snn_image_fill_rect(img, x + col * scale, y + row * scale,
							    scale, scale, rgb);
				}
			}
		}
		x += SNN_FONT_W * scale;
	}
	return x;
}

int snn_image_text_width(int scale, const char *text)
{
	if (scale < 1) {
		scale = 1;
	}
	return (int)strlen(text) * SNN_FONT_W * scale;
}

int snn_image_write_png(const snn_image *img, const char *path, snn_diag *d)
{
	int rc = SNN_OK;
	char *tmp = outfile_temp_name(path);
	uint8_t *rgb = mem_array_raw((size_t)img->w * img->h, 3);
	if (!tmp || !rgb) {
		rc = snn_diag_error(d, SNN_ENOMEM, path, 0, 0, "out of memory");
		goto out_free;
	}
	for (size_t k = 0; k < (size_t)img->w * img->h; k++) {
		rgb[3 * k] = (uint8_t)(img->px[k] >> 16);
		rgb[3 * k + 1] = (uint8_t)(img->px[k] >> 8);
		rgb[3 * k + 2] = (uint8_t)img->px[k];
	}
	png_image pi;
	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	pi.width = img->w;
	pi.height = img->h;
	pi.format = PNG_FORMAT_RGB;
	errno = 0;
	if (!png_image_write_to_file(&pi, tmp, 0, rgb, (png_int_32)(img->w * 3), NULL)) {
		rc = snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot write: %s",
				    errno ? strerror(errno) : pi.message);
		png_image_free(&pi);
		outfile_abort(tmp);
		goto out_free;
	}
	rc = outfile_commit(tmp, path, d);
out_free:
	mem_free(rgb);
	mem_free(tmp);
	return rc;
}

int snn_image_read_png(const char *path, snn_image **out, snn_diag *d)
{
	*out = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		return snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
	}
	int rc = SNN_OK;
	uint8_t *rgb = NULL;
	snn_image *img = NULL;
	png_image pi;
	memset(&pi, 0, sizeof(pi));
	pi.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_stdio(&pi, f)) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0, "not a PNG file: %s", pi.message);
		goto out_close;
	}
	if (pi.width == 0 || pi.height == 0 || pi.width > SNN_IMAGE_MAX_SIDE ||
	    pi.height > SNN_IMAGE_MAX_SIDE) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0, "image size %ux%u is not supported",
				    pi.width, pi.height);
		png_image_free(&pi);
		goto out_close;
	}
	pi.format = PNG_FORMAT_RGB;
	img = snn_image_new(pi.width, pi.height, 0);
	rgb = mem_array_raw((size_t)pi.width * pi.height, 3);
	if (!img || !rgb) {
		rc = snn_diag_error(d, SNN_ENOMEM, path, 0, 0, "out of memory");
		png_image_free(&pi);
		goto out_free;
	}
	if (!png_image_finish_read(&pi, NULL, rgb, (png_int_32)(pi.width * 3), NULL)) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0, "corrupt PNG file: %s", pi.message);
		png_image_free(&pi);
		goto out_free;
	}
	for (size_t k = 0; k < (size_t)img->w * img->h; k++) {
		img->px[k] =
		    (uint32_t)rgb[3 * k] << 16 | (uint32_t)rgb[3 * k + 1] << 8 | rgb[3 * k + 2];
	}
	*out = img;
	img = NULL;
out_free:
	snn_image_free(img);
	mem_free(rgb);
out_close:
	fclose(f);
	return rc;
}
