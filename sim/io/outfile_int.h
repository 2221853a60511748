/*
 * Output files that appear whole or not at all: write to a temporary name in
 * the same folder, rename over the final name when complete.
 * Layer: sim core, internal. Never replaces or removes what is not a regular file.
 *
 * Where an output named PATH is written:
 * - PATH absent or a regular file: PATH.tmp<pid> in its folder, renamed over
 *   PATH on success, removed on failure;
 * - PATH a symbolic link to a regular file: the link is resolved; the
 *   temporary goes next to the target and is renamed over the target (the
 *   link stays a link);
 * - PATH a directory: as a regular file; the rename fails ("cannot write:
 *   Is a directory", naming PATH) and the temporary goes, the folder stays;
 * - PATH anything else that exists (a device such as /dev/null, a FIFO,
 *   /dev/stdout): PATH itself, written in place; never renamed over or
 *   removed.
 */
#ifndef SNN_OUTFILE_INT_H
#define SNN_OUTFILE_INT_H

#include <stdbool.h>

#include "snn/error.h"

/* The name to write an output of `path` to, as above (owned by the caller),
 * or NULL when out of memory. */
char *outfile_temp_name(const char *path);
/* Whether path exists and is neither a regular file nor a directory, so that
 * it is written in place (follows symbolic links). */
bool outfile_in_place(const char *path);
/* Renames tmp (from outfile_temp_name(path)) over path, or over the regular
 * file a symbolic link path points to; nothing when tmp is path itself
 * (written in place). Returns SNN_OK or SNN_EIO (and removes tmp). */
int outfile_commit(const char *tmp, const char *path, snn_diag *d);
/* Removes tmp when it is a regular file (never an output written in place);
 * accepts NULL. */
void outfile_abort(const char *tmp);

#endif
