/*
 * The spike store behind the viewer: spikes of named populations kept in
 * time order, stacked into rows (population after population, hidden ones
 * left out), and binned into a time x row density grid with per-population
 * counts per time column (for rate strips).
 * Public layer. Pure computation: no display, no SDL, no threads.
 */
#ifndef SNN_RASTER_H
#define SNN_RASTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snn/error.h"
#include "snn/spikes.h"
#include "snn/stream.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct snn_raster snn_raster;

/* Returns an empty store, or NULL when out of memory. Free with
 * snn_raster_free (which accepts NULL). */
SNN_API snn_raster *snn_raster_new(void);
SNN_API void snn_raster_free(snn_raster *r);

/* Adds a population of `size` neurons (0 when unknown: it then grows to the
 * largest node id seen plus one). Its index is written to *index. Returns
 * SNN_OK, SNN_EINVAL (empty or duplicate name) or SNN_ENOMEM. */
SNN_API int snn_raster_add_population(snn_raster *r, const char *name, uint32_t size, size_t *index,
				      snn_diag *d);
/* Appends n spikes of population `pop` (times in ms, node ids local to the
 * population). Spikes must not go back in time within a population (the
 * live stream and SONATA's by_time files give them so): an earlier time is
 * SNN_EINVAL and nothing is appended. A node id of 2^32 or more is SNN_ERANGE.
 * Amortised O(n). */
SNN_API int snn_raster_append(snn_raster *r, size_t pop, const double *t_ms,
			      const uint64_t *node_ids, size_t n, snn_diag *d);
/* Builds a store from spikes read from a file, sorting each population by
 * time (stable, so equal times keep their file order). Returns SNN_OK,
 * SNN_ERANGE (a node id of 2^32 or more: the message names the population)
 * or SNN_ENOMEM. The caller frees *out. */
SNN_API int snn_raster_from_spikes(const snn_spike_data *s, snn_raster **out, snn_diag *d);
/* snn_spike_data_read followed by snn_raster_from_spikes: the diagnostics
 * of a missing, truncated or foreign file are the reader's. */
SNN_API int snn_raster_load(const char *path, snn_raster **out, snn_diag *d);

/* A live-stream sink (snn_stream_poll) that fills r: HELLO adds the
 * stream's populations (r must be empty then: else "live stream: a second
 * HELLO", SNN_EPARSE), SPIKES append, and the stream's time sets r's end
 * time. r is borrowed: it must outlive the polls. */
SNN_API snn_stream_sink snn_raster_stream_sink(snn_raster *r);

SNN_API size_t snn_raster_population_count(const snn_raster *r);
SNN_API const char *snn_raster_population_name(const snn_raster *r, size_t pop);
SNN_API uint32_t snn_raster_population_size(const snn_raster *r, size_t pop);
SNN_API uint64_t snn_raster_population_spikes(const snn_raster *r, size_t pop);
SNN_API uint64_t snn_raster_spike_count(const snn_raster *r);
/* Time of the first and the last spike in ms (0 and 0 when empty). */
SNN_API double snn_raster_t_first(const snn_raster *r);
SNN_API double snn_raster_t_last(const snn_raster *r);
/* The time the data is known to reach (live: the simulation time reported by
 * the stream; files: the last spike). Never decreases. */
SNN_API double snn_raster_t_end(const snn_raster *r);
SNN_API void snn_raster_set_t_end(snn_raster *r, double t_ms);

/* Shows or hides a population: hidden populations take no rows and are not
 * binned. Every population starts visible. */
SNN_API void snn_raster_set_visible(snn_raster *r, size_t pop, bool visible);
SNN_API bool snn_raster_is_visible(const snn_raster *r, size_t pop);
/* Rows of the visible populations, stacked in population order. */
SNN_API uint64_t snn_raster_rows(const snn_raster *r);
/* First row of a population, or -1 when it is hidden. */
SNN_API int64_t snn_raster_first_row(const snn_raster *r, size_t pop);
/* The population shown in row `row`, or -1 when no population is. */
SNN_API long snn_raster_pop_at_row(const snn_raster *r, double row);

/* A view to bin: times [t0_ms, t1_ms) over `width` columns, rows
 * [row0, row1) over `height` bins. Bin 0 of the rows is row0. */
typedef struct {
	double t0_ms, t1_ms;
	double row0, row1;
	uint32_t width, height;
} snn_raster_window;

/* The result of binning, reused from call to call (snn_raster_bin grows its
 * arrays as needed; snn_raster_bins_free releases them). A spike at time t
 * in row R (its population's first row plus its node id) falls in column
 * floor((t - t0) * width / (t1 - t0)) and bin floor((R + 0.5 - row0) *
 * height / (row1 - row0)), both computed in double precision, and counts
 * only when both lie inside the window. */
typedef struct {
	uint32_t width, height;
	size_t n_pops;
	uint32_t *count;     /* width x height, by column: count[column * height + bin]
				(spikes come in time order, so binning writes stay
				inside one column's cache lines) */
	uint32_t max_count;  /* largest entry of count */
	uint32_t *col_count; /* n_pops x width: spikes of each population per column,
				whatever their row (rates of the whole population) */
	uint64_t shown;	     /* spikes counted in `count` */
	uint64_t in_time;    /* spikes of visible populations inside [t0, t1) */
	size_t cap_count, cap_cols;
} snn_raster_bins;

/* Bins the visible populations' spikes into b. Cost: O(log n) per
 * population to find the window, then O(spikes in the time window) plus
 * O(width x height) to clear the grid. Returns SNN_OK, SNN_EINVAL (empty
 * window, zero size or non-finite bounds) or SNN_ENOMEM. */
SNN_API int snn_raster_bin(const snn_raster *r, const snn_raster_window *w, snn_raster_bins *b,
			   snn_diag *d);
SNN_API void snn_raster_bins_free(snn_raster_bins *b);

/* Mean rate in Hz of population `pop` over columns [c0, c1) of a binning of
 * window w: spikes / (neurons x seconds). 0 for an empty range or an empty
 * population. */
SNN_API double snn_raster_rate_hz(const snn_raster *r, const snn_raster_bins *b,
				  const snn_raster_window *w, size_t pop, uint32_t c0, uint32_t c1);

/* Index of the first spike of population `pop` at or after t_ms; the
 * population's times and node ids are borrowed until the next append. */
SNN_API size_t snn_raster_lower_bound(const snn_raster *r, size_t pop, double t_ms);
SNN_API const double *snn_raster_times(const snn_raster *r, size_t pop);
SNN_API const uint32_t *snn_raster_node_ids(const snn_raster *r, size_t pop);

/* The colour of population i in the viewer's palette, 0xRRGGBB: ten
 * distinct hues that stay apart for colour-blind readers, then repeating. */
SNN_API uint32_t snn_raster_color(size_t i);

#ifdef __cplusplus
}
#endif

#endif
