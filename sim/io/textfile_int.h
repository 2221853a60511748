/*
 * Whole-file reads of text inputs (configs, CSV files).
 * Layer: sim core, internal.
 */
#ifndef SNN_TEXTFILE_INT_H
#define SNN_TEXTFILE_INT_H

#include <stddef.h>

#include "snn/error.h"

/* Reads all of `path` into a NUL-terminated buffer (*text, owned by the
 * caller) of *len bytes. Returns SNN_OK, SNN_EIO with the reason in d, or
 * SNN_ENOMEM. Refuses files with NUL bytes (not text). */
int textfile_read(const char *path, char **text, size_t *len, snn_diag *d);

#endif
