/*
 * State traces in SONATA's report layout: /report/<population>/data
 * (times x elements), /report/<population>/mapping/{node_ids, element_ids,
 * element_pos, index_pointers, time}.
 * Layer: sim core (formats), internal. Written through a temporary file.
 */
#ifndef SNN_TRACEFILE_INT_H
#define SNN_TRACEFILE_INT_H

#include <stdint.h>

#include "snn/error.h"
#include "snn/spikes.h"

struct trace_writer;

/* Opens a report of `var` (in `unit`) for the n neurons node_ids of
 * population pop_name, sampled every interval_ms from t0_ms on. */
int trace_writer_open(const char *path, const char *pop_name, const uint64_t *node_ids, uint32_t n,
		      const char *var, const char *unit, double t0_ms, double interval_ms,
		      const snn_provenance *prov, struct trace_writer **out, snn_diag *d);
/* Appends n_rows samples; rows[r * n + k] is element k at sample r. */
int trace_writer_append(struct trace_writer *w, const double *rows, uint32_t n_rows, snn_diag *d);
/* Writes the time axis, closes and renames the file; frees w. */
int trace_writer_commit(struct trace_writer *w, snn_diag *d);
/* Drops the file; frees w; accepts NULL. */
void trace_writer_abort(struct trace_writer *w);

#endif
