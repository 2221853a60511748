/*
 * pngtool: PNG checks for the viewer's shell tests.
 *   pngtool cmp A.png B.png          exit 0 when the pixels are equal
 *   pngtool pops FILE.png RATES TRACES RRGGBB...
 *                                    for each colour: the raster-area pixels
 *                                    of that hue (white blended towards it),
 *                                    and their lowest, mean and highest
 *                                    height as fractions of the raster (0 at
 *                                    the bottom), one line per colour
 * Layer: tests. Uses libsnn's PNG reader and the viewer's layout.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn/snn.h"

/* Whether p lies on the way from white to c, at least a third of the way. */
static int of_hue(uint32_t p, uint32_t c)
{
	double a[3];
	for (int k = 0; k < 3; k++) {
		int s = 16 - 8 * k;
		double pc = (p >> s) & 0xFF, cc = (c >> s) & 0xFF;
		if (cc > 250) {
			if (pc < 245) {
				return 0;
			}
			a[k] = -1;
			continue;
		}
		a[k] = (255.0 - pc) / (255.0 - cc);
	}
	double lo = 2, hi = -1;
	for (int k = 0; k < 3; k++) {
		if (a[k] >= 0) {
			lo = a[k] < lo ? a[k] : lo;
			hi = a[k] > hi ? a[k] : hi;
		}
	}
	return hi >= 0 && lo >= 0.3 && hi <= 1.02 && hi - lo < 0.08;
}

static snn_image *load(const char *path)
{
	snn_image *img = NULL;
	snn_diag *d = snn_diag_new();
	if (snn_image_read_png(path, &img, d) != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	snn_diag_free(d);
	return img;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "cmp") == 0) {
		snn_image *a = load(argv[2]), *b = load(argv[3]);
		if (!a || !b) {
			return 2;
		}
		if (a->w != b->w || a->h != b->h) {
			printf("sizes differ: %ux%u and %ux%u\n", a->w, a->h, b->w, b->h);
			return 1;
		}
		size_t diff = 0;
		for (size_t k = 0; k < (size_t)a->w * a->h; k++) {
			diff += a->px[k] != b->px[k];
		}
		if (diff) {
			printf("%zu pixels differ\n", diff);
		}
		snn_image_free(a);
		snn_image_free(b);
		return diff ? 1 : 0;
	}
	if (argc >= 6 && strcmp(argv[1], "pops") == 0) {
		snn_image *img = load(argv[2]);
		if (!img) {
			return 2;
		}
		snn_view_layout L;
		snn_view_layout_of(img->w, img->h, atoi(argv[3]) != 0, atoi(argv[4]) != 0, &L);
		for (int i = 5; i < argc; i++) {
			uint32_t c = (uint32_t)strtoul(argv[i], NULL, 16);
			size_t n = 0;
			double sum = 0, lo = 1, hi = 0;
			for (int y = 0; y < L.raster.h; y++) {
				for (int x = 0; x < L.raster.w; x++) {
					uint32_t p = img->px[(size_t)(L.raster.y + y) * img->w +
							     L.raster.x + x];
					if (of_hue(p, c)) {
						double f = (L.raster.h - 0.5 - y) / L.raster.h;
						n++;
						sum += f;
						lo = f < lo ? f : lo;
						hi = f > hi ? f : hi;
					}
				}
			}
			printf("%06x %zu %.3f %.3f %.3f\n", c, n, n ? lo : 0.0, n ? sum / n : 0.0,
			       n ? hi : 0.0);
		}
		snn_image_free(img);
		return 0;
	}
	fprintf(stderr, "usage: pngtool cmp A.png B.png | pngtool pops FILE.png RATES TRACES "
			"RRGGBB...\n");
	return 2;
}
