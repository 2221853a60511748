/*
 * snnview's window: shows the picture that libsnn's renderer draws, and turns
 * keys and mouse into changes of the view. Live mode reads the stream on
 * this (SDL's main) thread, a bounded amount per frame, so a fast simulation
 * cannot freeze the window; the simulation never waits for us.
 * Layer: tool (viz/). The only file of Spikeforge that includes SDL.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <SDL.h>

#include "snn/snn.h"
#include "snn/image.h"
#include "snn/stream.h"
#include "snn/traces.h"
#include "snn/view.h"
#include "viewer.h"

#define POLL_BYTES_PER_FRAME (8u << 20)
#define SCRIPT_TIMEOUT_S 900.0

struct app {
	const struct viewer_opts *o;
	snn_diag *d;
	snn_raster *r;
	snn_stream_reader *rd;
	snn_trace_report *tr;
	snn_view *v;
	snn_image *img;
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Texture *tex;
	snn_view_state st;
	bool live, follow, dirty, quit, rows_set;
	double span_ms;
	bool dragging;
	int drag_x, drag_y;
	double drag_t0, drag_row0;
	char status[256];
	char note[160]; /* last message (screenshot saved, ...) */
	double next_connect;
	const char *script; /* next script command */
	double script_wait_until;
	int exit_code;
};

static double now_s(void)
{
	return (double)SDL_GetTicks64() / 1000.0;
}

static uint64_t total_rows(const struct app *a)
{
	uint64_t rows = snn_raster_rows(a->r);
	return rows ? rows : 1;
}

static void reset_rows(struct app *a)
{
	a->st.row0 = 0;
	a->st.row1 = (double)total_rows(a);
}

static void show_all(struct app *a)
{
	viewer_initial_window(a->r, &(struct viewer_opts){.t0_ms = NAN, .t1_ms = NAN}, &a->st.t0_ms,
			      &a->st.t1_ms);
	reset_rows(a);
	a->follow = false;
	a->dirty = true;
}

/* Live: keeps the newest span_ms in view. */
static void follow_now(struct app *a)
{
	/* the window is half-open: the newest spikes stay in it */
	double end = nextafter(snn_raster_t_end(a->r), INFINITY);
	double t1 = end > a->span_ms ? end : a->span_ms;
	a->st.t0_ms = t1 - a->span_ms;
	a->st.t1_ms = t1;
}

static void zoom_time(struct app *a, double factor, double frac)
{
	double span = a->st.t1_ms - a->st.t0_ms;
	double ns = span * factor;
	if (ns < 1e-3) {
		ns = 1e-3;
	}
	if (ns > 1e9) {
		ns = 1e9;
	}
	double pivot = a->st.t0_ms + frac * span;
	a->st.t0_ms = pivot - frac * ns;
	a->st.t1_ms = a->st.t0_ms + ns;
	if (a->live) {
		a->span_ms = ns;
		a->follow = false;
	}
	a->dirty = true;
}

static void zoom_rows(struct app *a, double factor, double frac)
{
	double span = a->st.row1 - a->st.row0;
	double ns = span * factor;
	double all = (double)total_rows(a);
	ns = ns < 2 ? 2 : ns > all ? all : ns;
	double pivot = a->st.row0 + frac * span;
	a->st.row0 = pivot - frac * ns;
	a->st.row1 = a->st.row0 + ns;
	a->rows_set = true;
	a->dirty = true;
}

static void clamp_rows(struct app *a)
{
	double all = (double)total_rows(a);
	double span = a->st.row1 - a->st.row0;
	if (span > all) {
		span = all;
	}
	if (a->st.row0 < 0) {
		a->st.row0 = 0;
	}
	if (a->st.row0 + span > all) {
		a->st.row0 = all - span;
	}
	a->st.row1 = a->st.row0 + span;
}

static void pan_time(struct app *a, double frac)
{
	double dt = frac * (a->st.t1_ms - a->st.t0_ms);
	a->st.t0_ms += dt;
	a->st.t1_ms += dt;
	a->follow = false;
	a->dirty = true;
}

static void pan_rows(struct app *a, double frac)
{
	double dr = frac * (a->st.row1 - a->st.row0);
	a->st.row0 += dr;
	a->st.row1 += dr;
	clamp_rows(a);
	a->dirty = true;
}

static int save_png(struct app *a, const char *path)
{
	snn_diag_clear(a->d);
	if (snn_image_write_png(a->img, path, a->d) != SNN_OK) {
		snn_diag_print(a->d, stderr);
		snprintf(a->note, sizeof(a->note), "screenshot failed: %s", path);
		return -1;
	}
	printf("snnview: saved %s\n", path);
	fflush(stdout);
	snprintf(a->note, sizeof(a->note), "saved %s", path);
	return 0;
}

static void screenshot(struct app *a)
{
	char path[64];
	struct stat sb;
	for (int k = 1; k < 10000; k++) {
		snprintf(path, sizeof(path), "snnview-%03d.png", k);
		if (stat(path, &sb) != 0) {
			save_png(a, path);
			a->dirty = true;
			return;
		}
	}
}

static void toggle_pop(struct app *a, size_t i)
{
	if (i >= snn_raster_population_count(a->r)) {
		return;
	}
	bool vis = snn_raster_is_visible(a->r, i);
	size_t shown = 0;
	for (size_t k = 0; k < snn_raster_population_count(a->r); k++) {
		shown += snn_raster_is_visible(a->r, k);
	}
	if (vis && shown == 1) {
		snprintf(a->note, sizeof(a->note), "at least one population stays shown");
		a->dirty = true;
		return;
	}
	snn_raster_set_visible(a->r, i, !vis);
	reset_rows(a);
	a->dirty = true;
}

static void on_key(struct app *a, const SDL_Keysym *k)
{
	bool ctrl = (k->mod & KMOD_CTRL) != 0;
	switch (k->sym) {
	case SDLK_q:
	case SDLK_ESCAPE:
		if (a->st.help && k->sym == SDLK_ESCAPE) {
			a->st.help = false;
			a->dirty = true;
		} else {
			a->quit = true;
		}
		break;
	case SDLK_LEFT:
		pan_time(a, -0.1);
		break;
	case SDLK_RIGHT:
		pan_time(a, 0.1);
		break;
	case SDLK_UP:
		pan_rows(a, 0.1);
		break;
	case SDLK_DOWN:
		pan_rows(a, -0.1);
		break;
	case SDLK_PLUS:
	case SDLK_EQUALS:
	case SDLK_KP_PLUS:
		zoom_time(a, 0.5, 0.5);
		break;
	case SDLK_MINUS:
	case SDLK_KP_MINUS:
		zoom_time(a, 2.0, 0.5);
		break;
	case SDLK_LEFTBRACKET:
		zoom_rows(a, 2.0, 0.5);
		break;
	case SDLK_RIGHTBRACKET:
		zoom_rows(a, 0.5, 0.5);
		break;
	case SDLK_a:
	case SDLK_HOME:
		show_all(a);
		break;
	case SDLK_SPACE:
		if (a->live) {
			a->follow = !a->follow;
			if (a->follow) {
				follow_now(a);
			}
			a->dirty = true;
		}
		break;
	case SDLK_END:
		if (a->live) {
			a->follow = true;
			follow_now(a);
			a->dirty = true;
		}
		break;
	case SDLK_r:
		a->st.rates = !a->st.rates;
		a->dirty = true;
		break;
	case SDLK_v:
		a->st.traces = !a->st.traces;
		if (!a->tr) {
			snprintf(a->note, sizeof(a->note), "no traces: give --traces FILE");
		}
		a->dirty = true;
		break;
	case SDLK_s:
		if (!ctrl) {
			screenshot(a);
		}
		break;
	case SDLK_SLASH:
	case SDLK_QUESTION:
	case SDLK_h:
		a->st.help = !a->st.help;
		a->dirty = true;
		break;
	default:
		if (k->sym >= SDLK_1 && k->sym <= SDLK_9) {
			toggle_pop(a, (size_t)(k->sym - SDLK_1));
		}
		break;
	}
}

/* Fractions of the raster area under a window point (x from the left, y
 * from the bottom). */
static void point_frac(const struct app *a, int x, int y, double *fx, double *fy)
{
	snn_view_layout L;
	snn_view_layout_of(a->img->w, a->img->h, a->st.rates, a->st.traces && a->tr, &L);
	*fx = (double)(x - L.raster.x) / L.raster.w;
	*fy = (double)(L.raster.y + L.raster.h - y) / L.raster.h;
	*fx = *fx < 0 ? 0 : *fx > 1 ? 1 : *fx;
	*fy = *fy < 0 ? 0 : *fy > 1 ? 1 : *fy;
}

static void on_event(struct app *a, const SDL_Event *e)
{
	switch (e->type) {
	case SDL_QUIT:
		a->quit = true;
		break;
	case SDL_KEYDOWN:
		on_key(a, &e->key.keysym);
		break;
	case SDL_MOUSEWHEEL: {
		int mx, my;
		SDL_GetMouseState(&mx, &my);
		double fx, fy;
		point_frac(a, mx, my, &fx, &fy);
		double f = pow(0.8, e->wheel.y);
		if (SDL_GetModState() & (KMOD_CTRL | KMOD_SHIFT)) {
			zoom_rows(a, f, fy);
		} else {
			zoom_time(a, f, fx);
		}
		break;
	}
	case SDL_MOUSEBUTTONDOWN:
		if (e->button.button == SDL_BUTTON_LEFT && a->img) {
			long pop = snn_view_legend_at(a->r, a->img->w, e->button.x, e->button.y);
			if (pop >= 0) {
				toggle_pop(a, (size_t)pop);
				break;
			}
		}
		if (e->button.button == SDL_BUTTON_LEFT) {
			a->dragging = true;
			a->drag_x = e->button.x;
			a->drag_y = e->button.y;
			a->drag_t0 = a->st.t0_ms;
			a->drag_row0 = a->st.row0;
		}
		break;
	case SDL_MOUSEBUTTONUP:
		a->dragging = false;
		break;
	case SDL_MOUSEMOTION:
		if (a->dragging) {
			snn_view_layout L;
			snn_view_layout_of(a->img->w, a->img->h, a->st.rates, a->st.traces && a->tr,
					   &L);
			double tspan = a->st.t1_ms - a->st.t0_ms;
			double rspan = a->st.row1 - a->st.row0;
			a->st.t0_ms =
			    a->drag_t0 - (double)(e->motion.x - a->drag_x) / L.raster.w * tspan;
			a->st.t1_ms = a->st.t0_ms + tspan;
			a->st.row0 =
			    a->drag_row0 + (double)(e->motion.y - a->drag_y) / L.raster.h * rspan;
			a->st.row1 = a->st.row0 + rspan;
			clamp_rows(a);
			a->follow = false;
			a->dirty = true;
		}
		break;
	case SDL_WINDOWEVENT:
		if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
		    e->window.event == SDL_WINDOWEVENT_EXPOSED) {
			a->dirty = true;
		}
		break;
	default:
		break;
	}
}

/* Matches the picture to the window's size. */
static int fit(struct app *a)
{
	int w, h;
	SDL_GetRendererOutputSize(a->ren, &w, &h);
	w = w < 64 ? 64 : w;
	h = h < 64 ? 64 : h;
	if (a->img && a->img->w == (uint32_t)w && a->img->h == (uint32_t)h) {
		return 0;
	}
	snn_image_free(a->img);
	a->img = snn_image_new((uint32_t)w, (uint32_t)h, 0xFFFFFF);
	if (a->tex) {
		SDL_DestroyTexture(a->tex);
	}
	a->tex =
	    SDL_CreateTexture(a->ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING, w, h);
	if (!a->img || !a->tex) {
		fprintf(stderr, "snnview: error: cannot make a %dx%d picture: %s\n", w, h,
			SDL_GetError());
		return -1;
	}
	return 0;
}

static void live_poll(struct app *a)
{
	if (!a->rd) {
		if (now_s() < a->next_connect) {
			return;
		}
		snn_diag_clear(a->d);
		if (snn_stream_connect(a->o->attach, &a->rd, a->d) != SNN_OK) {
			snprintf(a->note, sizeof(a->note), "waiting for %s: %s", a->o->attach,
				 snn_diag_message(a->d, 0));
			a->next_connect = now_s() + 0.2;
			a->dirty = true;
			return;
		}
		a->note[0] = '\0';
	}
	if (snn_stream_reader_closed(a->rd)) {
		return;
	}
	uint64_t before = snn_raster_spike_count(a->r);
	double end_before = snn_raster_t_end(a->r);
	bool had_hello = snn_stream_reader_has_hello(a->rd);
	snn_diag_clear(a->d);
	snn_stream_sink sink = snn_raster_stream_sink(a->r);
	if (snn_stream_poll(a->rd, &sink, POLL_BYTES_PER_FRAME, a->d) != SNN_OK) {
		snn_diag_print(a->d, stderr);
		snprintf(a->note, sizeof(a->note), "stream error: %s", snn_diag_message(a->d, 0));
		snn_stream_reader_free(a->rd);
		a->rd = NULL;
		a->next_connect = 1e300; /* a broken stream is not retried */
		a->exit_code = SNN_EXIT_RUN_FAILED;
		a->dirty = true;
		return;
	}
	if (!had_hello && snn_stream_reader_has_hello(a->rd)) {
		if (viewer_hide(a->r, a->o->hide) != 0) {
			a->exit_code = SNN_EXIT_BAD_INPUT;
			a->quit = true;
		}
		double dur = snn_stream_reader_duration_ms(a->rd);
		if (isnan(a->span_ms)) {
			a->span_ms = dur > 0 && dur < 1000 ? dur : 1000;
		}
		reset_rows(a);
	}
	if (snn_raster_spike_count(a->r) != before || snn_raster_t_end(a->r) != end_before ||
	    snn_stream_reader_closed(a->rd)) {
		a->dirty = true;
	}
	if (a->follow && snn_stream_reader_has_hello(a->rd)) {
		follow_now(a);
	}
}

static void make_status(struct app *a)
{
	size_t n = 0;
	a->status[0] = '\0';
	if (a->live) {
		const char *state = !a->rd			      ? "connecting"
				    : snn_stream_reader_ended(a->rd)  ? "run finished"
				    : snn_stream_reader_closed(a->rd) ? "stream closed"
								      : "live";
		n += (size_t)snprintf(a->status + n, sizeof(a->status) - n, "%s t=%.1f ms%s", state,
				      snn_raster_t_end(a->r),
				      a->follow ? "" : " (paused: End = now)");
		uint64_t drop = a->rd ? snn_stream_reader_dropped(a->rd) : 0;
		if (drop && n < sizeof(a->status)) {
			n += (size_t)snprintf(a->status + n, sizeof(a->status) - n,
					      "  dropped %llu spikes (viewer too slow)",
					      (unsigned long long)drop);
		}
	}
	if (a->note[0] && n < sizeof(a->status)) {
		snprintf(a->status + n, sizeof(a->status) - n, "%s%s", n ? "  " : "", a->note);
	}
	a->st.status = a->status;
	/* the marker shows the live edge while the run goes on */
	bool running =
	    a->live && a->rd && !snn_stream_reader_ended(a->rd) && !snn_stream_reader_closed(a->rd);
	a->st.t_now_ms = running ? snn_raster_t_end(a->r) : NAN;
}

static int draw(struct app *a)
{
	if (fit(a) != 0) {
		return -1;
	}
	make_status(a);
	snn_diag_clear(a->d);
	if (snn_view_render(a->v, a->r, a->tr, &a->st, a->img, a->d) != SNN_OK) {
		snn_diag_print(a->d, stderr);
		return -1;
	}
	SDL_UpdateTexture(a->tex, NULL, a->img->px, (int)(a->img->w * sizeof(uint32_t)));
	SDL_RenderClear(a->ren);
	SDL_RenderCopy(a->ren, a->tex, NULL, NULL);
	SDL_RenderPresent(a->ren);
	a->dirty = false;
	return 0;
}

/* Runs the next command of --script when its time has come:
 * "wait-end", "wait-time T" (live: until the simulation reaches T ms),
 * "wait MS", "key NAME", "window T0 T1" (ms), "shot FILE", "quit",
 * separated by ';'. */
static void script_step(struct app *a)
{
	if (!a->script || !*a->script || a->dirty) {
		return;
	}
	const char *s = a->script;
	while (*s == ' ' || *s == ';') {
		s++;
	}
	const char *e = strchr(s, ';');
	size_t n = e ? (size_t)(e - s) : strlen(s);
	char cmd[256];
	if (n >= sizeof(cmd)) {
		n = sizeof(cmd) - 1;
	}
	memcpy(cmd, s, n);
	cmd[n] = '\0';
	const char *next = s + n;
	if (strcmp(cmd, "wait-end") == 0) {
		if (a->live && !(a->rd && (snn_stream_reader_ended(a->rd) ||
					   snn_stream_reader_closed(a->rd)))) {
			if (a->script_wait_until == 0) {
				a->script_wait_until = now_s() + SCRIPT_TIMEOUT_S;
			} else if (now_s() > a->script_wait_until) {
				fprintf(stderr,
					"snnview: error: script: the stream did not end in "
					"%.0f s\n",
					SCRIPT_TIMEOUT_S);
				a->exit_code = SNN_EXIT_RUN_FAILED;
				a->quit = true;
			}
			return;
		}
	} else if (strncmp(cmd, "wait-time ", 10) == 0) {
		/* live: until the simulation has reached T ms (or ended) */
		bool done =
		    !a->live || snn_raster_t_end(a->r) >= atof(cmd + 10) ||
		    (a->rd && (snn_stream_reader_ended(a->rd) || snn_stream_reader_closed(a->rd)));
		if (!done) {
			if (a->script_wait_until == 0) {
				a->script_wait_until = now_s() + SCRIPT_TIMEOUT_S;
			} else if (now_s() > a->script_wait_until) {
				fprintf(stderr,
					"snnview: error: script: the simulation did not reach "
					"%s ms in %.0f s\n",
					cmd + 10, SCRIPT_TIMEOUT_S);
				a->exit_code = SNN_EXIT_RUN_FAILED;
				a->quit = true;
			}
			return;
		}
	} else if (strncmp(cmd, "wait ", 5) == 0) {
		if (a->script_wait_until == 0) {
			a->script_wait_until = now_s() + atof(cmd + 5) / 1000.0;
			return;
		}
		if (now_s() < a->script_wait_until) {
			return;
		}
	} else if (strncmp(cmd, "key ", 4) == 0) {
		SDL_Event ev;
		memset(&ev, 0, sizeof(ev));
		ev.type = SDL_KEYDOWN;
		ev.key.keysym.sym = SDL_GetKeyFromName(cmd + 4);
		if (ev.key.keysym.sym == SDLK_UNKNOWN) {
			fprintf(stderr, "snnview: error: script: unknown key '%s'\n", cmd + 4);
			a->exit_code = SNN_EXIT_BAD_INPUT;
			a->quit = true;
			return;
		}
		SDL_PushEvent(&ev);
	} else if (strncmp(cmd, "window ", 7) == 0) {
		double t0, t1;
		if (sscanf(cmd + 7, "%lf %lf", &t0, &t1) != 2 || !(t1 > t0)) {
			fprintf(stderr, "snnview: error: script: window expects T0 T1 in ms, "
					"T1 > T0\n");
			a->exit_code = SNN_EXIT_BAD_INPUT;
			a->quit = true;
			return;
		}
		a->st.t0_ms = t0;
		a->st.t1_ms = t1;
		a->follow = false;
		a->dirty = true;
	} else if (strncmp(cmd, "shot ", 5) == 0) {
		if (save_png(a, cmd + 5) != 0) {
			a->exit_code = SNN_EXIT_RUN_FAILED;
		}
	} else if (strcmp(cmd, "quit") == 0) {
		a->quit = true;
	} else if (*cmd) {
		fprintf(stderr, "snnview: error: script: unknown command '%s'\n", cmd);
		a->exit_code = SNN_EXIT_BAD_INPUT;
		a->quit = true;
		return;
	}
	a->script_wait_until = 0;
	a->script = next;
}

static int load_inputs(struct app *a)
{
	const struct viewer_opts *o = a->o;
	int rc = SNN_OK;
	if (o->file) {
		rc = snn_raster_load(o->file, &a->r, a->d);
	} else {
		a->r = snn_raster_new();
		rc = a->r ? SNN_OK : SNN_ENOMEM;
	}
	if (rc == SNN_OK && o->traces) {
		rc = snn_trace_read(o->traces, &a->tr, a->d);
	}
	if (rc != SNN_OK) {
		snn_diag_print(a->d, stderr);
		return snn_exit_status(rc);
	}
	if (o->file && viewer_hide(a->r, o->hide) != 0) {
		return SNN_EXIT_BAD_INPUT;
	}
	return SNN_EXIT_OK;
}

int viewer_run(const struct viewer_opts *o)
{
	struct app a;
	memset(&a, 0, sizeof(a));
	a.o = o;
	a.live = o->attach != NULL;
	a.follow = a.live;
	a.span_ms = o->span_ms;
	a.script = o->script;
	a.d = snn_diag_new();
	a.v = snn_view_new();
	if (!a.d || !a.v) {
		fprintf(stderr, "snnview: error: out of memory\n");
		a.exit_code = SNN_EXIT_RUN_FAILED;
		goto out;
	}
	a.exit_code = load_inputs(&a);
	if (a.exit_code != SNN_EXIT_OK) {
		goto out;
	}
	viewer_initial_window(a.r, o, &a.st.t0_ms, &a.st.t1_ms);
	if (a.live) {
		/* nothing has arrived yet: the first span */
		a.st.t0_ms = 0;
		a.st.t1_ms = isnan(a.span_ms) ? 1000.0 : a.span_ms;
	}
	reset_rows(&a);
	a.st.rates = !o->no_rates;
	a.st.traces = a.tr != NULL;
	a.st.title = o->file ? o->file : o->attach;
	a.st.t_now_ms = NAN;
	if (SDL_Init(SDL_INIT_VIDEO) != 0) {
		fprintf(stderr,
			"snnview: error: cannot open a display: %s (use --png FILE to "
			"render without one)\n",
			SDL_GetError());
		a.exit_code = SNN_EXIT_RUN_FAILED;
		goto out;
	}
	char title[300];
	snprintf(title, sizeof(title), "snnview - %s", a.st.title);
	a.win = SDL_CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
				 (int)o->width, (int)o->height, SDL_WINDOW_RESIZABLE);
	if (a.win) {
		a.ren = SDL_CreateRenderer(a.win, -1, SDL_RENDERER_ACCELERATED);
		if (!a.ren) {
			a.ren = SDL_CreateRenderer(a.win, -1, SDL_RENDERER_SOFTWARE);
		}
	}
	if (!a.win || !a.ren) {
		fprintf(stderr, "snnview: error: cannot open a window: %s\n", SDL_GetError());
		a.exit_code = SNN_EXIT_RUN_FAILED;
		goto out_sdl;
	}
	a.dirty = true;
	while (!a.quit) {
		SDL_Event e;
		if (SDL_WaitEventTimeout(&e, a.live || a.script ? 15 : 100)) {
			on_event(&a, &e);
			while (SDL_PollEvent(&e)) {
				on_event(&a, &e);
			}
		}
		if (a.live) {
			live_poll(&a);
		}
		if (a.dirty && draw(&a) != 0) {
			a.exit_code = SNN_EXIT_RUN_FAILED;
			break;
		}
		script_step(&a);
	}
out_sdl:
	if (a.tex) {
		SDL_DestroyTexture(a.tex);
	}
	if (a.ren) {
		SDL_DestroyRenderer(a.ren);
	}
	if (a.win) {
		SDL_DestroyWindow(a.win);
	}
	SDL_Quit();
out:
	snn_stream_reader_free(a.rd);
	snn_image_free(a.img);
	snn_view_free(a.v);
	snn_trace_free(a.tr);
	snn_raster_free(a.r);
	snn_diag_free(a.d);
	return a.exit_code;
}
