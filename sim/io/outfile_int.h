/*
 * Output files that appear whole or not at all: write to a temporary name in
 * the same folder, rename over the final name when complete.
 * Layer: sim core, internal.
 */
#ifndef SNN_OUTFILE_INT_H
#define SNN_OUTFILE_INT_H

#include "snn/error.h"

/* A temporary name next to `path` (owned by the caller), or NULL when out of
 * memory. */
char *outfile_temp_name(const char *path);
/* Renames tmp to path. Returns SNN_OK or SNN_EIO (and removes tmp). */
int outfile_commit(const char *tmp, const char *path, snn_diag *d);
/* Removes tmp; accepts NULL. */
void outfile_abort(const char *tmp);

#endif
