/*
 * The .npy reader of npy.h. Layer: tests.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "npy.h"

double *npy_read(const char *path, size_t *dims, int *nd, size_t *n)
{
	FILE *f = fopen(path, "rb");
	double *out = NULL;
	char *hdr = NULL;
	if (!f) {
		return NULL;
	}
	unsigned char pre[12];
	if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
		goto out_close;
	}
	size_t hlen = pre[8] | (size_t)pre[9] << 8;
	if (pre[6] >= 2) {
		if (fread(pre + 10, 1, 2, f) != 2) {
			goto out_close;
		}
		hlen |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
	}
	hdr = calloc(hlen + 1, 1);
	if (!hdr || fread(hdr, 1, hlen, f) != hlen || strstr(hdr, "'fortran_order': True")) {
		goto out_close;
	}
	const char *dt = strstr(hdr, "'descr': '");
	const char *sh = strstr(hdr, "'shape': (");
	if (!dt || !sh) {
		goto out_close;
	}
	dt += 10;
	int esz = 0;
	char kind = 0;
	if (dt[0] == '<' || dt[0] == '|') {
		kind = dt[1];
		esz = dt[2] - '0';
	}
	*nd = 0;
	*n = 1;
	for (const char *p = sh + 10; *p && *p != ')' && *nd < 8;) {
		char *end;
		unsigned long v = strtoul(p, &end, 10);
		if (end == p) {
			break;
		}
		dims[(*nd)++] = v;
		*n *= v;
		p = end;
		while (*p == ',' || *p == ' ') {
			p++;
		}
	}
	out = malloc((*n ? *n : 1) * sizeof(double));
	unsigned char *raw = malloc((*n ? *n : 1) * 8);
	if (!out || !raw || fread(raw, (size_t)esz, *n, f) != *n) {
		free(raw);
		free(out);
		out = NULL;
		goto out_close;
	}
	for (size_t i = 0; i < *n; i++) {
		const unsigned char *b = raw + i * (size_t)esz;
		if (kind == 'f' && esz == 4) {
			float x;
			memcpy(&x, b, 4);
			out[i] = x;
		} else if (kind == 'f' && esz == 8) {
			memcpy(&out[i], b, 8);
		} else if (kind == 'i' && esz == 8) {
			int64_t x;
			memcpy(&x, b, 8);
			out[i] = (double)x;
		} else if (kind == 'i' && esz == 4) {
			int32_t x;
			memcpy(&x, b, 4);
			out[i] = x;
		} else {
			free(out);
			out = NULL;
			break;
		}
	}
	free(raw);
out_close:
	free(hdr);
	fclose(f);
	return out;
}
