/*
 * RGB images in memory for the viewer and its PNG export: filling, lines,
 * text in a built-in 5x8 bitmap font, and PNG files (libpng).
 * Public layer. Drawing is exact integer work, so the same calls give the
 * same pixels on every machine (the golden PNG tests rely on it).
 */
#ifndef SNN_IMAGE_H
#define SNN_IMAGE_H

#include <stdint.h>

#include "snn/error.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Pixels are 0x00RRGGBB, row after row from the top, `w` per row. */
typedef struct {
	uint32_t w, h;
	uint32_t *px;
} snn_image;

/* Largest width or height accepted (PNG files and new images). */
#define SNN_IMAGE_MAX_SIDE 16384u

/* A w x h image filled with `rgb`; NULL when out of memory or a side is 0
 * or above SNN_IMAGE_MAX_SIDE. Free with snn_image_free (accepts NULL). */
SNN_API snn_image *snn_image_new(uint32_t w, uint32_t h, uint32_t rgb);
SNN_API void snn_image_free(snn_image *img);

/* Drawing clips to the image; coordinates may lie outside it. */
SNN_API void snn_image_fill_rect(snn_image *img, int x, int y, int w, int h, uint32_t rgb);
/* Mixes `rgb` over the rectangle with weight alpha/255. */
SNN_API void snn_image_blend_rect(snn_image *img, int x, int y, int w, int h, uint32_t rgb,
				  uint32_t alpha);
SNN_API void snn_image_hline(snn_image *img, int x0, int x1, int y, uint32_t rgb);
SNN_API void snn_image_vline(snn_image *img, int x, int y0, int y1, uint32_t rgb);
/* A one-pixel line from (x0, y0) to (x1, y1), both ends included. */
SNN_API void snn_image_line(snn_image *img, int x0, int y0, int x1, int y1, uint32_t rgb);
SNN_API void snn_image_rect(snn_image *img, int x, int y, int w, int h, uint32_t rgb);

/* The font: glyph cells of SNN_FONT_W x SNN_FONT_H pixels at scale 1
 * (5 x 8 glyph, one column and two rows of spacing). Printable ASCII;
 * other bytes draw as '?'. */
#define SNN_FONT_W 6
#define SNN_FONT_H 10
/* Draws text with its top-left corner at (x, y), each font pixel a
 * scale x scale square. Returns the x after the last glyph. */
SNN_API int snn_image_text(snn_image *img, int x, int y, int scale, uint32_t rgb, const char *text);
/* Width in pixels that snn_image_text would take. */
SNN_API int snn_image_text_width(int scale, const char *text);

/* Writes the image as an 8-bit RGB PNG, through a temporary file renamed on
 * success (no partial file is left). Returns SNN_OK or SNN_EIO. */
SNN_API int snn_image_write_png(const snn_image *img, const char *path, snn_diag *d);
/* Reads a PNG into a new image (alpha is dropped onto black). Returns
 * SNN_OK, SNN_EIO (cannot open), SNN_EPARSE (not a PNG or corrupt: the
 * message names the file) or SNN_ENOMEM. The caller frees *out. */
SNN_API int snn_image_read_png(const char *path, snn_image **out, snn_diag *d);

#ifdef __cplusplus
}
#endif

#endif
