/*
 * Whole-file reads of text inputs.
 * Layer: sim core, internal. Allocates the buffer it returns, nothing else.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_int.h"
#include "textfile_int.h"

int textfile_read(const char *path, char **text, size_t *len, snn_diag *d)
{
	*text = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		return snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
	}
	size_t cap = 4096, n = 0;
	char *buf = mem_alloc(cap);
	int rc = SNN_OK;
	if (!buf) {
		rc = snn_diag_error(d, SNN_ENOMEM, path, 0, 0, "out of memory");
		goto out_close;
	}
	for (;;) {
		if (n + 1 >= cap) {
			if (cap > ((size_t)1 << 40)) {
				rc = snn_diag_error(d, SNN_ERANGE, path, 0, 0, "file is too large");
				goto out_free;
			}
			char *b = mem_resize(buf, cap, 2);
			if (!b) {
				rc = snn_diag_error(d, SNN_ENOMEM, path, 0, 0, "out of memory");
				goto out_free;
			}
			buf = b;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0) {
			break;
		}
	}
	if (ferror(f)) {
		rc = snn_diag_error(d, SNN_EIO, path, 0, 0, "read error: %s", strerror(errno));
		goto out_free;
	}
	if (memchr(buf, '\0', n)) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0,
				    "not a text file (it holds NUL bytes)");
		goto out_free;
	}
	buf[n] = '\0';
	*text = buf;
	*len = n;
	fclose(f);
	return SNN_OK;
out_free:
	mem_free(buf);
out_close:
	fclose(f);
	return rc;
}
