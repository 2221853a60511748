/*
 * The live spike stream over a Unix-domain socket (protocol: doc/stream.md).
 * Layer: sim core (outputs), public API in include/snn/stream.h.
 * The writer runs inside the engine's bookkeeping: it must never block,
 * never raise SIGPIPE and never allocate per spike (its queue is allocated
 * once); what does not fit is dropped and counted. The reader hands what
 * arrives to the caller's sink (snn_stream_sink): it knows no viewer and
 * calls nothing in viz/.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mem_int.h"
#include "snn/stream.h"

#define HDR_BYTES 8u
#define SPIKE_BYTES 16u /* f64 time, u32 population, u32 id */
#define HELLO_MAGIC "SNNSTRM"

struct snn_stream_writer {
	char *path;
	int lfd;	/* listening socket */
	int cfd;	/* the viewer, or -1 */
	uint8_t *hello; /* HELLO frame, sent first to every viewer */
	size_t hello_len;
	uint32_t *pop_map; /* network population -> stream population, UINT32_MAX: not streamed */
	size_t n_map;
	uint8_t *q; /* queued bytes [q_head, q_tail) */
	size_t q_cap, q_head, q_tail;
	uint64_t dropped, dropped_told, sent;
};

/* ------------------------------------------------------------------ writer */

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64f(uint8_t *p, double v)
{
	memcpy(p, &v, 8);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

static int make_addr(const char *path, struct sockaddr_un *a, snn_diag *d)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path)) {
		return snn_diag_error(d, SNN_EINVAL, path, 0, 0,
				      "socket path too long (at most %zu bytes)",
				      sizeof(a->sun_path) - 1);
	}
	memcpy(a->sun_path, path, strlen(path) + 1);
	return SNN_OK;
}

int snn_stream_listen(const char *path, const char *const *pop_names, const uint32_t *pop_sizes,
		      size_t n_pops, double dt_ms, double duration_ms, size_t buffer_bytes,
		      snn_stream_writer **out, snn_diag *d)
{
	*out = NULL;
	struct sockaddr_un addr;
	int rc = make_addr(path, &addr, d);
	if (rc != SNN_OK) {
		return rc;
	}
	struct stat st;
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			return snn_diag_error(d, SNN_EIO, path, 0, 0,
					      "exists and is not a socket; not replacing it");
		}
		unlink(path); /* a stale socket of an earlier run */
	}
	snn_stream_writer *w = mem_zalloc(sizeof(*w));
	if (!w) {
		return mem_nomem(d);
	}
	w->lfd = w->cfd = -1;
	w->path = mem_strdup(path);
	w->q_cap = buffer_bytes ? buffer_bytes : SNN_STREAM_DEFAULT_BUFFER;
	w->q = mem_alloc(w->q_cap);
	w->pop_map = mem_array_raw(n_pops, sizeof(uint32_t));
	size_t hl = HDR_BYTES + 8 + 4 + 4 + 8 + 8;
	for (size_t i = 0; i < n_pops; i++) {
		hl += pop_names[i] ? 8 + strlen(pop_names[i]) : 0;
	}
	w->hello = mem_alloc(hl);
	if (!w->path || !w->q || !w->pop_map || !w->hello) {
		rc = mem_nomem(d);
		goto out_free;
	}
	/* HELLO: magic, version, populations, dt, duration, then size and name of each */
	uint8_t *p = w->hello + HDR_BYTES;
	memcpy(p, HELLO_MAGIC, 8);
	p += 8;
	put32(p, SNN_STREAM_VERSION);
	p += 4;
	uint32_t ns = 0;
	for (size_t i = 0; i < n_pops; i++) {
		w->pop_map[i] = pop_names[i] ? ns++ : UINT32_MAX;
	}
	w->n_map = n_pops;
	put32(p, ns);
	p += 4;
	put64f(p, dt_ms);
	p += 8;
	put64f(p, duration_ms);
	p += 8;
	for (size_t i = 0; i < n_pops; i++) {
		if (!pop_names[i]) {
			continue;
		}
		uint32_t len = (uint32_t)strlen(pop_names[i]);
		put32(p, pop_sizes[i]);
		put32(p + 4, len);
		memcpy(p + 8, pop_names[i], len);
		p += 8 + len;
	}
	w->hello_len = (size_t)(p - w->hello);
	put32(w->hello, SNN_STREAM_HELLO);
	put32(w->hello + 4, (uint32_t)(w->hello_len - HDR_BYTES));
	w->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w->lfd < 0 || bind(w->lfd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    listen(w->lfd, 1) != 0) {
		rc = snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot listen on this socket: %s",
				    strerror(errno));
		goto out_free;
	}
	*out = w;
	return SNN_OK;
out_free:
	if (w->lfd >= 0) {
		close(w->lfd);
	}
	mem_free(w->path);
	mem_free(w->q);
	mem_free(w->pop_map);
	mem_free(w->hello);
	mem_free(w);
	return rc;
}

static void drop_viewer(snn_stream_writer *w)
{
	if (w->cfd >= 0) {
		close(w->cfd);
	}
	w->cfd = -1;
	/* the queue may end inside a frame: the next viewer starts clean */
	w->q_head = w->q_tail = 0;
}

/* Sends from buf without blocking; returns the bytes taken, or -1 when the
 * viewer is gone. */
static long send_some(int fd, const uint8_t *buf, size_t len)
{
	size_t done = 0;
	while (done < len) {
		ssize_t k = send(fd, buf + done, len - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			done += (size_t)k;
		} else if (k < 0 && errno == EINTR) {
			continue;
		} else if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			break;
		} else {
			return -1;
		}
	}
	return (long)done;
}

static void accept_viewer(snn_stream_writer *w)
{
	if (w->cfd >= 0) {
		return;
	}
	int fd = accept(w->lfd, NULL, NULL);
	if (fd < 0) {
		return;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
		close(fd);
		return;
	}
	/* the HELLO frame is small: a fresh socket's buffer takes it whole */
	long k = send_some(fd, w->hello, w->hello_len);
	if (k != (long)w->hello_len) {
		close(fd);
		return;
	}
	w->cfd = fd;
	w->dropped_told = 0; /* a new viewer is told the total */
}

static void pump(snn_stream_writer *w)
{
	if (w->cfd < 0 || w->q_head == w->q_tail) {
		return;
	}
	long k = send_some(w->cfd, w->q + w->q_head, w->q_tail - w->q_head);
	if (k < 0) {
		drop_viewer(w);
		return;
	}
	w->q_head += (size_t)k;
	if (w->q_head == w->q_tail) {
		w->q_head = w->q_tail = 0;
	}
}

/* Room for len more bytes at the tail. The queue moves to the front only
 * when what it moves is no more than what was sent since (q_head), so the
 * copying costs at most one byte per byte sent. */
static bool room(snn_stream_writer *w, size_t len)
{
	if (w->q_cap - w->q_tail >= len) {
		return true;
	}
	if (w->q_head > 0 && w->q_head >= w->q_tail - w->q_head) {
		memmove(w->q, w->q + w->q_head, w->q_tail - w->q_head);
		w->q_tail -= w->q_head;
		w->q_head = 0;
	}
	return w->q_cap - w->q_tail >= len;
}

static void queue_dropped(snn_stream_writer *w)
{
	if (w->dropped == w->dropped_told || !room(w, HDR_BYTES + 8)) {
		return;
	}
	uint8_t *p = w->q + w->q_tail;
	put32(p, SNN_STREAM_DROPPED);
	put32(p + 4, 8);
	put64(p + 8, w->dropped);
	w->q_tail += HDR_BYTES + 8;
	w->dropped_told = w->dropped;
}

void snn_stream_on_spikes(void *ctx, const snn_spike_event *ev, size_t n, double t_ms)
{
	snn_stream_writer *w = ctx;
	accept_viewer(w);
	pump(w);
	/* without a viewer, spikes wait in the queue for one (up to its size) */
	queue_dropped(w);
	size_t count = 0;
	for (size_t k = 0; k < n; k++) {
		count += ev[k].pop < w->n_map && w->pop_map[ev[k].pop] != UINT32_MAX;
	}
	size_t len = HDR_BYTES + 12 + count * SPIKE_BYTES;
	if (count > (SIZE_MAX - HDR_BYTES - 12) / SPIKE_BYTES || !room(w, len)) {
		w->dropped += count;
	} else {
		uint8_t *p = w->q + w->q_tail;
		put32(p, SNN_STREAM_SPIKES);
		put32(p + 4, (uint32_t)(len - HDR_BYTES));
		put64f(p + 8, t_ms);
		put32(p + 16, (uint32_t)count);
		p += HDR_BYTES + 12;
		for (size_t k = 0; k < n; k++) {
			if (ev[k].pop >= w->n_map || w->pop_map[ev[k].pop] == UINT32_MAX) {
				continue;
			}
			put64f(p, ev[k].t_ms);
			put32(p + 8, w->pop_map[ev[k].pop]);
			put32(p + 12, ev[k].id);
			p += SPIKE_BYTES;
		}
		w->q_tail += len;
		w->sent += count;
	}
	pump(w);
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void snn_stream_close(snn_stream_writer *w, bool ok, double t_ms, double grace_s)
{
	if (!w) {
		return;
	}
	accept_viewer(w);
	queue_dropped(w);
	if (room(w, HDR_BYTES + 12)) {
		uint8_t *p = w->q + w->q_tail;
		put32(p, SNN_STREAM_END);
		put32(p + 4, 12);
		put64f(p + 8, t_ms);
		put32(p + 16, ok ? 0u : 1u);
		w->q_tail += HDR_BYTES + 12;
	}
	/* the run is over: a viewer still starting up may attach now, and gets
	 * what is queued, within the grace time */
	double until = mono_s() + grace_s;
	pump(w);
	while (w->q_head != w->q_tail) {
		double left = until - mono_s();
		if (left <= 0) {
			break;
		}
		struct pollfd pf = w->cfd >= 0 ? (struct pollfd){w->cfd, POLLOUT, 0}
					       : (struct pollfd){w->lfd, POLLIN, 0};
		int ms = left > 0.05 ? 50 : (int)(left * 1000) + 1;
		if (poll(&pf, 1, ms) < 0 && errno != EINTR) {
			break;
		}
		accept_viewer(w);
		pump(w);
	}
	if (w->cfd >= 0) {
		close(w->cfd);
	}
	close(w->lfd);
	unlink(w->path);
	mem_free(w->path);
	mem_free(w->q);
	mem_free(w->pop_map);
	mem_free(w->hello);
	mem_free(w);
}

bool snn_stream_wait_viewer(snn_stream_writer *w, double timeout_s)
{
	double until = mono_s() + timeout_s;
	accept_viewer(w);
	while (w->cfd < 0) {
		double left = until - mono_s();
		if (left <= 0) {
			break;
		}
		struct pollfd pf = {w->lfd, POLLIN, 0};
		int ms = left > 0.05 ? 50 : (int)(left * 1000) + 1;
		if (poll(&pf, 1, ms) < 0 && errno != EINTR) {
			break;
		}
		accept_viewer(w);
	}
	return w->cfd >= 0;
}

uint64_t snn_stream_dropped(const snn_stream_writer *w)
{
	return w->dropped;
}

uint64_t snn_stream_sent(const snn_stream_writer *w)
{
	return w->sent;
}

bool snn_stream_attached(const snn_stream_writer *w)
{
	return w->cfd >= 0;
}

/* ------------------------------------------------------------------ reader */

#define MAX_FRAME (64u << 20)

struct snn_stream_reader {
	int fd;
	uint8_t *buf;
	size_t cap, len;
	bool hello, ended, closed, run_ok;
	uint64_t dropped;
	double dt_ms, duration_ms;
	size_t n_pops; /* populations of HELLO handed to the sink so far */
	/* spikes of one stream population being gathered for one sink call */
	double *t;
	uint64_t *id;
	size_t cap_sp;
};

int snn_stream_connect(const char *path, snn_stream_reader **out, snn_diag *d)
{
	*out = NULL;
	struct sockaddr_un addr;
	int rc = make_addr(path, &addr, d);
	if (rc != SNN_OK) {
		return rc;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		return snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot create a socket: %s",
				      strerror(errno));
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		int e = errno;
		close(fd);
		return snn_diag_error(d, SNN_EIO, path, 0, 0, "%s",
				      e == ENOENT	  ? "no such socket (is snnsim running "
							    "with --stream?)"
				      : e == ECONNREFUSED ? "nobody is listening on this socket"
							  : strerror(e));
	}
	int fl = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	snn_stream_reader *rd = mem_zalloc(sizeof(*rd));
	if (!rd) {
		close(fd);
		return mem_nomem(d);
	}
	rd->fd = fd;
	*out = rd;
	return SNN_OK;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return v;
}

static double get64f(const uint8_t *p)
{
	double v;
	memcpy(&v, p, 8);
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static int bad(snn_diag *d, const char *what)
{
	return snn_diag_error(d, SNN_EPARSE, NULL, 0, 0, "live stream: %s", what);
}

/* A time read from the stream: finite and not negative (a NaN or an infinity
 * would later become an integer bin or step, undefined behaviour). */
static bool good_time(double t_ms)
{
	return isfinite(t_ms) && t_ms >= 0.0;
}

static int on_hello(snn_stream_reader *rd, const snn_stream_sink *sink, const uint8_t *p,
		    size_t len, snn_diag *d)
{
	if (rd->hello || len < 32 || memcmp(p, HELLO_MAGIC, 8) != 0) {
		return bad(d, "not a Spikeforge spike stream");
	}
	if (get32(p + 8) != SNN_STREAM_VERSION) {
		return bad(d, "protocol version not understood (viewer and simulator differ)");
	}
	uint32_t n = get32(p + 12);
	rd->dt_ms = get64f(p + 16);
	rd->duration_ms = get64f(p + 24);
	if (!good_time(rd->dt_ms) || rd->dt_ms == 0.0 || !good_time(rd->duration_ms)) {
		return bad(d, "HELLO with a time step or duration that is not a positive time");
	}
	if (sink->hello) {
		int rc = sink->hello(sink->ctx, n, d);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	size_t off = 32;
	for (uint32_t i = 0; i < n; i++) {
		if (len - off < 8 || get32(p + off + 4) > len - off - 8 ||
		    get32(p + off + 4) > 255) {
			return bad(d, "truncated population list");
		}
		uint32_t size = get32(p + off), nl = get32(p + off + 4);
		char name[256];
		memcpy(name, p + off + 8, nl);
		name[nl] = '\0';
		int rc = sink->population(sink->ctx, name, size, d);
		if (rc != SNN_OK) {
			return rc;
		}
		rd->n_pops++;
		off += 8 + nl;
	}
	rd->hello = true;
	return SNN_OK;
}

static int on_spikes(snn_stream_reader *rd, const snn_stream_sink *sink, const uint8_t *p,
		     size_t len, snn_diag *d)
{
	if (!rd->hello || len < 12) {
		return bad(d, "spikes before HELLO or a short frame");
	}
	double t_end = get64f(p);
	uint32_t n = get32(p + 8);
	if ((len - 12) / SPIKE_BYTES != n || (len - 12) % SPIKE_BYTES) {
		return bad(d, "spike frame of the wrong length");
	}
	if (!good_time(t_end)) {
		return bad(d, "spike frame whose time is not a finite time >= 0");
	}
	if (n > rd->cap_sp) {
		double *t = mem_resize(rd->t, n, sizeof(double));
		if (t) {
			rd->t = t;
		}
		uint64_t *id = mem_resize(rd->id, n, sizeof(uint64_t));
		if (id) {
			rd->id = id;
		}
		if (!t || !id) {
			return mem_nomem(d);
		}
		rd->cap_sp = n;
	}
	/* runs of one population go in one sink call */
	size_t np = rd->n_pops;
	const uint8_t *e = p + 12;
	uint32_t k = 0;
	while (k < n) {
		uint32_t pop = get32(e + 8);
		size_t m = 0;
		while (k < n && get32(e + 8) == pop) {
			rd->t[m] = get64f(e);
			if (!good_time(rd->t[m])) {
				return bad(d, "spike time that is not a finite time >= 0");
			}
			rd->id[m] = get32(e + 12);
			m++;
			k++;
			e += SPIKE_BYTES;
		}
		if (pop >= np) {
			return bad(d, "spike of an unknown population");
		}
		int rc = sink->spikes(sink->ctx, pop, rd->t, rd->id, m, d);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	sink->t_end(sink->ctx, t_end);
	return SNN_OK;
}

static int on_frame(snn_stream_reader *rd, const snn_stream_sink *sink, uint32_t type,
		    const uint8_t *p, size_t len, snn_diag *d)
{
	switch (type) {
	case SNN_STREAM_HELLO:
		return on_hello(rd, sink, p, len, d);
	case SNN_STREAM_SPIKES:
		return on_spikes(rd, sink, p, len, d);
	case SNN_STREAM_DROPPED:
		if (len != 8) {
			return bad(d, "DROPPED frame of the wrong length");
		}
		rd->dropped = get64(p);
		return SNN_OK;
	case SNN_STREAM_END:
		if (len != 12) {
			return bad(d, "END frame of the wrong length");
		}
		if (!good_time(get64f(p))) {
			return bad(d, "END frame whose time is not a finite time >= 0");
		}
		sink->t_end(sink->ctx, get64f(p));
		rd->run_ok = get32(p + 8) == 0;
		rd->ended = true;
		return SNN_OK;
	default:
		return SNN_OK; /* frames of later versions are skipped */
	}
}

int snn_stream_poll(snn_stream_reader *rd, const snn_stream_sink *sink, size_t max_bytes,
		    snn_diag *d)
{
	size_t got = 0;
	while (!rd->closed && (max_bytes == 0 || got < max_bytes)) {
		if (rd->cap - rd->len < 65536) {
			size_t c = rd->cap ? rd->cap * 2 : 262144;
			uint8_t *b = mem_resize(rd->buf, c, 1);
			if (!b) {
				return mem_nomem(d);
			}
			rd->buf = b;
			rd->cap = c;
		}
		ssize_t k = recv(rd->fd, rd->buf + rd->len, rd->cap - rd->len, MSG_DONTWAIT);
		if (k == 0) {
			rd->closed = true;
		} else if (k < 0) {
			if (errno == EINTR) {
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				rd->closed = true;
			}
			break;
		} else {
			rd->len += (size_t)k;
			got += (size_t)k;
		}
		/* parse every complete frame */
		size_t off = 0;
		while (rd->len - off >= HDR_BYTES) {
			uint32_t type = get32(rd->buf + off), len = get32(rd->buf + off + 4);
			if (len > MAX_FRAME) {
				return bad(d, "frame too large");
			}
			if (rd->len - off - HDR_BYTES < len) {
				break;
			}
			int rc = on_frame(rd, sink, type, rd->buf + off + HDR_BYTES, len, d);
			if (rc != SNN_OK) {
				return rc;
			}
			off += HDR_BYTES + len;
		}
		memmove(rd->buf, rd->buf + off, rd->len - off);
		rd->len -= off;
	}
	return SNN_OK;
}

bool snn_stream_reader_has_hello(const snn_stream_reader *rd)
{
	return rd->hello;
}

bool snn_stream_reader_ended(const snn_stream_reader *rd)
{
	return rd->ended;
}

bool snn_stream_reader_closed(const snn_stream_reader *rd)
{
	return rd->closed;
}

bool snn_stream_reader_run_ok(const snn_stream_reader *rd)
{
	return rd->run_ok;
}

uint64_t snn_stream_reader_dropped(const snn_stream_reader *rd)
{
	return rd->dropped;
}

double snn_stream_reader_dt_ms(const snn_stream_reader *rd)
{
	return rd->dt_ms;
}

double snn_stream_reader_duration_ms(const snn_stream_reader *rd)
{
	return rd->duration_ms;
}

void snn_stream_reader_free(snn_stream_reader *rd)
{
	if (!rd) {
		return;
	}
	close(rd->fd);
	mem_free(rd->buf);
	mem_free(rd->t);
	mem_free(rd->id);
	mem_free(rd);
}
