/*
 * Temporary-then-rename output files, so that a failed or interrupted run
 * never leaves a partial file under the requested name; outputs that are not
 * regular files (devices, FIFOs) are written in place, never replaced.
 * Layer: sim core, internal.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mem_int.h"
#include "outfile_int.h"

bool outfile_in_place(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

/* The file the rename replaces: the regular file a symbolic link path
 * points to, else path. Owned by the caller; NULL when out of memory. */
static char *final_name(const char *path)
{
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
		char *r = realpath(path, NULL);
		if (r) {
			char *t = mem_strdup(r);
			free(r); /* realpath's, not the seam's */
			return t;
		}
	}
	return mem_strdup(path);
}

char *outfile_temp_name(const char *path)
{
	if (outfile_in_place(path)) {
		return mem_strdup(path);
	}
	char *target = final_name(path);
	if (!target) {
		return NULL;
	}
	size_t n = strlen(target) + 32;
	char *t = mem_alloc(n);
	if (t) {
		snprintf(t, n, "%s.tmp%ld", target, (long)getpid());
	}
	mem_free(target);
	return t;
}

int outfile_commit(const char *tmp, const char *path, snn_diag *d)
{
	if (strcmp(tmp, path) == 0) {
		return SNN_OK;
	}
	char *target = final_name(path);
	if (!target) {
		remove(tmp);
		return mem_nomem(d);
	}
	int rc = SNN_OK;
	if (rename(tmp, target) != 0) {
		int e = errno;
		remove(tmp);
		rc = snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot write: %s", strerror(e));
	}
	mem_free(target);
	return rc;
}

void outfile_abort(const char *tmp)
{
	struct stat st;
	if (tmp && lstat(tmp, &st) == 0 && S_ISREG(st.st_mode)) {
		remove(tmp);
	}
}
