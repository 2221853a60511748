/*
 * Diagnostics: a growable list of located messages.
 * Layer: sim core (depends on libc only). Never prints unless asked to.
 * It allocates with libc directly, not through the seam (mem_int.h): the list
 * is the error channel itself, so the fault-injection hook must not fail the
 * very message that reports an allocation failure; it remembers its own
 * failures instead (`lost`).
 */
#include "config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "snn/error.h"

struct diag_entry {
	enum snn_severity sev;
	int code;
	char *file;
	int line;
	int col;
	char *msg;
};

struct snn_diag {
	struct diag_entry *v;
	size_t n;
	size_t cap;
	bool lost; /* an entry could not be recorded (out of memory) */
};

snn_diag *snn_diag_new(void)
{
	return calloc(1, sizeof(snn_diag));
}

void snn_diag_clear(snn_diag *d)
{
	if (!d) {
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	d->n = 0;
	d->lost = false;
}

void snn_diag_free(snn_diag *d)
{
	if (!d) {
		return;
	}
	snn_diag_clear(d);
	free(d->v);
	free(d);
}

__attribute__((format(printf, 1, 0))) static char *vformat(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len < 0) {
		return NULL;
	}
	char *s = malloc((size_t)len + 1);
	if (s) {
		vsnprintf(s, (size_t)len + 1, fmt, ap);
	}
	return s;
}

__attribute__((format(printf, 7, 0))) static int diag_vadd(snn_diag *d, enum snn_severity sev,
							   int code, const char *file, int line,
							   int col, const char *fmt, va_list ap)
{
	if (!d) {
		return code;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct diag_entry *v = realloc(d->v, cap * sizeof(*v));
		if (!v) {
			d->lost = true;
			return code;
		}
		d->v = v;
		d->cap = cap;
	}
	struct diag_entry *e = &d->v[d->n];
	e->sev = sev;
	e->code = code;
	e->line = line;
	e->col = col;
	e->file = file ? strdup(file) : NULL;
	e->msg = vformat(fmt, ap);
	if (!e->msg || (file && !e->file)) {
		free(e->file);
		free(e->msg);
		d->lost = true;
		return code;
	}
	d->n++;
	return code;
}

int snn_diag_add(snn_diag *d, enum snn_severity sev, int code, const char *file, int line, int col,
		 const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = diag_vadd(d, sev, code, file, line, col, fmt, ap);
	va_end(ap);
	return r;
}

int snn_diag_error(snn_diag *d, int code, const char *file, int line, int col, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = diag_vadd(d, SNN_SEV_ERROR, code, file, line, col, fmt, ap);
	va_end(ap);
	return r;
}

size_t snn_diag_count(const snn_diag *d)
{
	return d ? d->n : 0;
}

size_t snn_diag_error_count(const snn_diag *d)
{
	size_t n = 0;
	if (!d) {
		return 0;
	}
	for (size_t i = 0; i < d->n; i++) {
		n += d->v[i].sev == SNN_SEV_ERROR;
	}
	return n + (d->lost ? 1 : 0);
}

int snn_diag_first_code(const snn_diag *d)
{
	if (!d) {
		return SNN_OK;
	}
	for (size_t i = 0; i < d->n; i++) {
		if (d->v[i].sev == SNN_SEV_ERROR) {
			return d->v[i].code;
		}
	}
	return d->lost ? SNN_ENOMEM : SNN_OK;
}

const char *snn_diag_message(const snn_diag *d, size_t i)
{
	return (d && i < d->n) ? d->v[i].msg : NULL;
}

static const char *sev_name(enum snn_severity s)
{
	switch (s) {
	case SNN_SEV_WARNING:
		return "warning";
	case SNN_SEV_NOTE:
		return "note";
	case SNN_SEV_ERROR:
	default:
		return "error";
	}
}

void snn_diag_print(const snn_diag *d, FILE *out)
{
	if (!d) {
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		const struct diag_entry *e = &d->v[i];
		if (e->file && e->line > 0 && e->col > 0) {
			fprintf(out, "%s:%d:%d: ", e->file, e->line, e->col);
		} else if (e->file && e->line > 0) {
			fprintf(out, "%s:%d: ", e->file, e->line);
		} else if (e->file) {
			fprintf(out, "%s: ", e->file);
		}
		fprintf(out, "%s: %s\n", sev_name(e->sev), e->msg);
	}
	if (d->lost) {
		fprintf(out,
			"error: out of memory while recording diagnostics; some are missing\n");
	}
}

const char *snn_strerror(int code)
{
	switch (code) {
	case SNN_OK:
		return "success";
	case SNN_ENOMEM:
		return "out of memory";
	case SNN_EINVAL:
		return "invalid value";
	case SNN_EPARSE:
		return "malformed input";
	case SNN_EIO:
		return "input/output error";
	case SNN_EUNSUP:
		return "not supported";
	case SNN_ERANGE:
		return "value out of range";
	case SNN_EINTR:
		return "interrupted";
	case SNN_EDEVICE:
		return "device unavailable or failed";
	default:
		return "unknown error";
	}
}
