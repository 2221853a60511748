/*
 * Reading state traces written in SONATA's report layout
 * (/report/<population>/data, times x neurons, with mapping/node_ids and
 * mapping/time = [start, stop, step] in ms), as snnsim writes them.
 * Public layer.
 */
#ifndef SNN_TRACES_H
#define SNN_TRACES_H

#include <stddef.h>
#include <stdint.h>

#include "snn/error.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One population's report. */
typedef struct {
	char *population;
	char *variable; /* "V_m", ... ("" when the file does not say) */
	char *unit;	/* "mV", ... ("" when the file does not say) */
	size_t n_nodes;
	uint64_t *node_ids;
	size_t n_times;
	double t0_ms, dt_ms; /* sample k is at t0_ms + k * dt_ms */
	double *data;	     /* n_times x n_nodes: data[k * n_nodes + j] */
} snn_trace_report;

/* Reads the first population of a report file. Returns SNN_OK, SNN_EIO
 * (cannot open), SNN_EPARSE (not a report file: the message names the file
 * and the HDF5 path) or SNN_ENOMEM. The caller frees *out. */
SNN_API int snn_trace_read(const char *path, snn_trace_report **out, snn_diag *d);
SNN_API void snn_trace_free(snn_trace_report *t);

#ifdef __cplusplus
}
#endif

#endif
