/*
 * Spike files: SONATA's HDF5 spike layout (/spikes/<population>/timestamps in
 * ms and node_ids, with a `sorting` attribute) and a CSV text form.
 * Public layer. Writers never leave a partial file under the requested name:
 * they write to a temporary name and rename it on commit.
 */
#ifndef SNN_SPIKES_H
#define SNN_SPIKES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snn/error.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

enum snn_spike_format { SNN_SPIKES_HDF5, SNN_SPIKES_CSV };

/* How a result can be reproduced; written as attributes (HDF5) or comment
 * lines (CSV). Strings are borrowed for the call. NULL strings are skipped. */
typedef struct {
	const char *software; /* "Spikeforge 0.1.0" */
	const char *config_path;
	const char *config_text;
	const char *config_sha256;
	uint64_t seed;
	int threads;
	const char *engine; /* "grid-cpu", "event-cpu", ... */
	double dt_ms;	    /* time step; 0 without a time grid (the event engine):
			     * CSV times are then written with 17 significant digits */
	double duration_ms;
} snn_provenance;

typedef struct snn_spike_writer snn_spike_writer;

/* Opens a writer for the populations named in pop_names (in that order; the
 * index is the `pop` argument of append). The file is created under a
 * temporary name next to `path`. Returns SNN_OK, SNN_EIO (with the reason in
 * d) or SNN_ENOMEM. */
SNN_API int snn_spike_writer_open(const char *path, enum snn_spike_format format,
				  const char *const *pop_names, size_t n_pops,
				  const snn_provenance *prov, snn_spike_writer **out, snn_diag *d);
/* Appends n spikes of population `pop`: times in ms, node ids local to the
 * population. Spikes must come in time order (the file says sorting=by_time). */
SNN_API int snn_spike_writer_append(snn_spike_writer *w, size_t pop, const double *t_ms,
				    const uint64_t *node_ids, size_t n, snn_diag *d);
/* Completes the file and renames it to its final name; frees the writer
 * (also on failure, when the temporary file is removed). */
SNN_API int snn_spike_writer_commit(snn_spike_writer *w, snn_diag *d);
/* Drops the file being written and frees the writer; accepts NULL. */
SNN_API void snn_spike_writer_abort(snn_spike_writer *w);

/* Spikes of one population, as read from a file. */
typedef struct {
	char *name;
	uint64_t n;
	double *t_ms;
	uint64_t *node_ids;
} snn_spike_population;

typedef struct {
	size_t n_pops;
	snn_spike_population *pops;
} snn_spike_data;

/* Reads a spike file: SONATA HDF5 (any file HDF5 recognises) or CSV (lines
 * `time_ms,population,node_id` or `time_ms,node_id`; `#` starts a comment; a
 * header line is allowed). Returns SNN_OK, SNN_EIO (unreadable), SNN_EPARSE
 * (not a spike file: the diagnostic names the file and the HDF5 path or line)
 * or SNN_ENOMEM. The caller frees *out with snn_spike_data_free. */
SNN_API int snn_spike_data_read(const char *path, snn_spike_data **out, snn_diag *d);
SNN_API void snn_spike_data_free(snn_spike_data *s);
/* The population called `name`, or NULL. */
SNN_API const snn_spike_population *snn_spike_data_find(const snn_spike_data *s, const char *name);

#ifdef __cplusplus
}
#endif

#endif
