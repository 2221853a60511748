/*
 * Temporary-then-rename output files, so that a failed or interrupted run
 * never leaves a partial file under the requested name.
 * Layer: sim core, internal.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem_int.h"
#include "outfile_int.h"

char *outfile_temp_name(const char *path)
{
	size_t n = strlen(path) + 32;
	char *t = mem_alloc(n);
	if (t) {
		snprintf(t, n, "%s.tmp%ld", path, (long)getpid());
	}
	return t;
}

int outfile_commit(const char *tmp, const char *path, snn_diag *d)
{
	if (rename(tmp, path) != 0) {
		int e = errno;
		remove(tmp);
		return snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot write: %s", strerror(e));
	}
	return SNN_OK;
}

void outfile_abort(const char *tmp)
{
	if (tmp) {
		remove(tmp);
	}
}
