/*
 * The live spike stream between a running simulation and a viewer: a
 * Unix-domain socket on this machine (no network), one viewer at a time.
 * The simulation side never blocks: what the viewer does not take in time is
 * dropped, counted and reported to the viewer. The protocol is described in
 * doc/stream.md.
 * Public layer.
 */
#ifndef SNN_STREAM_H
#define SNN_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snn/error.h"
#include "snn/run.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Frame types of the protocol (doc/stream.md). */
enum snn_stream_frame {
	SNN_STREAM_HELLO = 1,
	SNN_STREAM_SPIKES = 2,
	SNN_STREAM_DROPPED = 3,
	SNN_STREAM_END = 4,
};
#define SNN_STREAM_VERSION 1u
/* Default bytes queued for a viewer beyond what the socket holds. */
#define SNN_STREAM_DEFAULT_BUFFER (8u << 20)

typedef struct snn_stream_writer snn_stream_writer;

/* Creates the socket `path` and listens on it (a stale socket file there is
 * replaced; any other file is left alone and is an error). Populations are
 * given in the simulation's order; a NULL name is a population that is not
 * streamed. buffer_bytes bounds what is queued for a slow viewer (0: the
 * default). Returns SNN_OK, SNN_EIO (the message says why), SNN_EINVAL (path
 * too long for a socket) or SNN_ENOMEM. */
SNN_API int snn_stream_listen(const char *path, const char *const *pop_names,
			      const uint32_t *pop_sizes, size_t n_pops, double dt_ms,
			      double duration_ms, size_t buffer_bytes, snn_stream_writer **out,
			      snn_diag *d);
/* Hands spikes to the stream (the signature of snn_sim_options.on_spikes,
 * ctx being the writer). Accepts a waiting viewer, queues the batch and
 * sends what the socket takes now; never blocks, never raises SIGPIPE. A
 * batch that does not fit the queue is dropped and counted. */
SNN_API void snn_stream_on_spikes(void *ctx, const snn_spike_event *ev, size_t n, double t_ms);
/* Ends the stream: queues END, gives a viewer (attached, or attaching now)
 * at most grace_s seconds to take what is queued, closes and removes the
 * socket; frees w (accepts NULL). ok says whether the run completed. */
SNN_API void snn_stream_close(snn_stream_writer *w, bool ok, double t_ms, double grace_s);
/* Waits at most timeout_s seconds for a viewer to attach (before a run, for
 * a window that is opening); returns whether one is attached. */
SNN_API bool snn_stream_wait_viewer(snn_stream_writer *w, double timeout_s);
/* Spikes dropped so far, spikes queued so far, whether a viewer is attached. */
SNN_API uint64_t snn_stream_dropped(const snn_stream_writer *w);
SNN_API uint64_t snn_stream_sent(const snn_stream_writer *w);
SNN_API bool snn_stream_attached(const snn_stream_writer *w);

typedef struct snn_stream_reader snn_stream_reader;

/* Connects to a stream's socket without blocking. Returns SNN_OK, SNN_EIO
 * (no such socket or nobody listening: the message says which; a viewer
 * may try again) or SNN_ENOMEM. */
SNN_API int snn_stream_connect(const char *path, snn_stream_reader **out, snn_diag *d);
/* Where a reader puts what arrives: the caller's callbacks, each given ctx
 * (the viewer's is snn_raster_stream_sink of snn/raster.h). The strings and
 * arrays they get are borrowed for the call. A callback that returns an
 * error (SNN_ENOMEM, SNN_EPARSE, ... with the reason in d) ends the poll
 * with that error. */
typedef struct {
	void *ctx;
	/* HELLO arrived, announcing n_pops populations (NULL: nothing to check). */
	int (*hello)(void *ctx, size_t n_pops, snn_diag *d);
	/* The next population of HELLO: stream index 0, 1, ... in order. */
	int (*population)(void *ctx, const char *name, uint32_t size, snn_diag *d);
	/* n spikes of stream population pop, in time order: times in ms, ids
	 * local to the population. */
	int (*spikes)(void *ctx, size_t pop, const double *t_ms, const uint64_t *ids, size_t n,
		      snn_diag *d);
	/* The simulation reached t_ms (after each SPIKES frame, and at END). */
	void (*t_end)(void *ctx, double t_ms);
} snn_stream_sink;

/* Reads what has arrived (at most max_bytes; 0: no limit) without blocking
 * and hands it to sink: HELLO announces the populations, SPIKES hand their
 * spikes in runs of one population and advance the end time, END the final
 * time. Returns SNN_OK, SNN_EPARSE (a malformed frame: the stream is
 * unusable), SNN_ENOMEM, or a sink callback's error. A closed connection is
 * not an error: see snn_stream_reader_closed. */
SNN_API int snn_stream_poll(snn_stream_reader *rd, const snn_stream_sink *sink, size_t max_bytes,
			    snn_diag *d);
SNN_API bool snn_stream_reader_has_hello(const snn_stream_reader *rd);
/* The END frame arrived (ended) or the connection closed (closed). */
SNN_API bool snn_stream_reader_ended(const snn_stream_reader *rd);
SNN_API bool snn_stream_reader_closed(const snn_stream_reader *rd);
/* Whether the simulation reported success in its END frame. */
SNN_API bool snn_stream_reader_run_ok(const snn_stream_reader *rd);
/* Spikes the simulation dropped because this viewer was too slow. */
SNN_API uint64_t snn_stream_reader_dropped(const snn_stream_reader *rd);
/* The simulation's time step and duration from HELLO (0 before it). */
SNN_API double snn_stream_reader_dt_ms(const snn_stream_reader *rd);
SNN_API double snn_stream_reader_duration_ms(const snn_stream_reader *rd);
SNN_API void snn_stream_reader_free(snn_stream_reader *rd);

#ifdef __cplusplus
}
#endif

#endif
