/*
 * Error codes and diagnostics of libsnn.
 * Public layer: every fallible libsnn function returns one of these codes and
 * reports the reason in a caller-owned snn_diag, never in a global.
 */
#ifndef SNN_ERROR_H
#define SNN_ERROR_H

#include <stddef.h>
#include <stdio.h>

#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Status codes: SNN_OK or a negative value. */
enum snn_err {
	SNN_OK = 0,
	SNN_ENOMEM = -1,  /* out of memory */
	SNN_EINVAL = -2,  /* invalid argument or value */
	SNN_EPARSE = -3,  /* malformed input file */
	SNN_EIO = -4,	  /* file could not be read or written */
	SNN_EUNSUP = -5,  /* valid but not supported by this build or engine */
	SNN_ERANGE = -6,  /* a size or value exceeds what can be represented */
	SNN_EINTR = -7,	  /* stopped on request (e.g. SIGINT) */
	SNN_EDEVICE = -8, /* no usable device (no GPU, no driver) or the device failed */
};

/* A list of diagnostics: each has a severity, a code, a message and where it
 * happened (file, 1-based line and column; 0 where unknown). */
typedef struct snn_diag snn_diag;

enum snn_severity { SNN_SEV_ERROR, SNN_SEV_WARNING, SNN_SEV_NOTE };

/* Returns a new empty diagnostic list, or NULL when out of memory. */
SNN_API snn_diag *snn_diag_new(void);
/* Frees the list; accepts NULL. */
SNN_API void snn_diag_free(snn_diag *d);
/* Removes every entry. */
SNN_API void snn_diag_clear(snn_diag *d);

/* Appends an entry. file may be NULL; line/col 0 when unknown. The message is
 * formatted with printf rules. Returns `code` so that callers can write
 * `return snn_diag_error(d, SNN_EINVAL, ...)`. A NULL d is accepted (the entry
 * is dropped). Out of memory while recording is remembered and reported by
 * snn_diag_print. */
SNN_API int snn_diag_add(snn_diag *d, enum snn_severity sev, int code, const char *file, int line,
			 int col, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
/* Shorthand for an error entry. */
SNN_API int snn_diag_error(snn_diag *d, int code, const char *file, int line, int col,
			   const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Number of entries of each severity. */
SNN_API size_t snn_diag_count(const snn_diag *d);
SNN_API size_t snn_diag_error_count(const snn_diag *d);
/* The code of the first error entry, or SNN_OK when there is none. */
SNN_API int snn_diag_first_code(const snn_diag *d);
/* Message of entry i (borrowed until the list changes), or NULL. */
SNN_API const char *snn_diag_message(const snn_diag *d, size_t i);

/* Prints every entry as `file:line:col: error: message`, one per line. */
SNN_API void snn_diag_print(const snn_diag *d, FILE *out);

/* The exit codes of Spikeforge's tools. */
enum snn_exit {
	SNN_EXIT_OK = 0,	 /* success */
	SNN_EXIT_RUN_FAILED = 1, /* the run failed: out of memory, I/O, interrupted, device */
	SNN_EXIT_BAD_INPUT = 2,	 /* bad input or usage */
};

/* The one rule from a status code to a tool's exit code: SNN_OK gives 0;
 * SNN_EINVAL, SNN_EPARSE, SNN_ERANGE and SNN_EUNSUP (the input is wrong)
 * give 2; SNN_ENOMEM, SNN_EIO, SNN_EINTR, SNN_EDEVICE and any other code
 * (the run failed) give 1. */
SNN_API int snn_exit_status(int rc);

/* A short English name of a status code ("out of memory", ...). */
SNN_API const char *snn_strerror(int code);

#ifdef __cplusplus
}
#endif

#endif
