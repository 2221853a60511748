/*
 * The tools' shared command line: the table-driven option parser and usage
 * printer, and the pieces of a run that more than one tool needs.
 * Layer: tools (libsnncli). Calls libsnn's public API only; its one state is the
 * interrupt flag a signal handler sets.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <limits.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_int.h"
#include "snn/loihi.h"
#include "snn/units.h"

/* Seconds a viewer gets after the run to attach and take the rest: more for
 * the window --view started, which may still be opening. */
#define GRACE_STREAM_S 2.0
#define GRACE_VIEW_S 5.0
/* Seconds --view waits, before the run, for its window to attach. */
#define VIEW_OPEN_S 15.0

static void *field(void *target, const struct cli_option *o)
{
	return (char *)target + o->offset;
}

/* The one message of a bad or missing value, in the command's style. */
static int expects(const struct cli_command *c, const struct cli_option *o, const char *v)
{
	const char *name = o->say ? o->say : o->name;
	bool got = v && *v;
	if (c->style == CLI_SAY_EXPECTED) {
		fprintf(stderr, "%s: error: %s %s: expected %s\n", c->prog, name,
			v ? v : "(missing)", v ? o->expects : "a value");
	} else {
		fprintf(stderr, "%s: error: %s expects %s%s%s\n", c->prog, name, o->expects,
			got ? ", got " : "", got ? v : "");
	}
	return SNN_EINVAL;
}

/* Prints a failed setter's reason; returns rc. */
static int say_diag(const char *prog, snn_diag *d, int rc)
{
	if (rc != SNN_OK) {
		cli_print_diag(prog, d);
	}
	snn_diag_free(d);
	return rc;
}

/* Stores value v (NULL: missing) of option o. */
static int set_value(const struct cli_command *c, const struct cli_option *o, const char *v,
		     void *target)
{
	const char *prog = c->prog;
	char *end;
	switch (o->kind) {
	case CLI_FLAG:
	case CLI_SEE:
		*(bool *)field(target, o) = true;
		return SNN_OK;
	case CLI_INT: {
		long x = v ? strtol(v, &end, 10) : 0;
		if (!v || *end || x < o->min || x > o->max) {
			return expects(c, o, v);
		}
		*(int *)field(target, o) = (int)x;
		return SNN_OK;
	}
	case CLI_U64: {
		errno = 0;
		unsigned long long x = v ? strtoull(v, &end, 10) : 0;
		if (!v || *end || errno || v[0] == '-' || (o->max > 0 && x > o->max)) {
			return expects(c, o, v);
		}
		*(unsigned long long *)field(target, o) = x;
		if (o->flag_offset) {
			*(bool *)((char *)target + o->flag_offset) = true;
		}
		return SNN_OK;
	}
	case CLI_POSITIVE: {
		double x = v ? strtod(v, &end) : 0;
		if (!v || *end || !(x > 0) || x > o->max) {
			return expects(c, o, v);
		}
		*(double *)field(target, o) = x;
		return SNN_OK;
	}
	case CLI_NUMBER: {
		double x = v ? strtod(v, &end) : 0;
		if (!v || end == v || *end || !(x >= o->min && x <= o->max)) {
			return expects(c, o, v);
		}
		*(double *)field(target, o) = x;
		return SNN_OK;
	}
	case CLI_STRING:
		if (!v || (o->min > 0 && !*v)) {
			return expects(c, o, v && *v ? v : NULL);
		}
		*(const char **)field(target, o) = v;
		return SNN_OK;
	case CLI_CHOICE:
		if (!v || snn_units_word(v, o->choices) < 0) {
			return expects(c, o, v);
		}
		*(const char **)field(target, o) = v;
		return SNN_OK;
	case CLI_WORD: {
		int k = v ? snn_units_word(v, o->choices) : -1;
		if (k < 0) {
			return expects(c, o, v);
		}
		*(int *)field(target, o) = k;
		return SNN_OK;
	}
	case CLI_LIST: {
		struct cli_list *l = field(target, o);
		if (!v) {
			return expects(c, o, NULL);
		}
		const char **r = realloc(l->v, (l->n + 1) * sizeof(*r));
		if (!r) {
			fprintf(stderr, "%s: error: out of memory\n", prog);
			return SNN_ENOMEM;
		}
		l->v = r;
		l->v[l->n++] = v;
		return SNN_OK;
	}
	case CLI_NIR:
	case CLI_CALL: {
		if (o->kind == CLI_CALL && !v) {
			return expects(c, o, NULL);
		}
		snn_diag *d = snn_diag_new();
		if (!d) {
			fprintf(stderr, "%s: error: out of memory\n", prog);
			return SNN_ENOMEM;
		}
		int rc = o->kind == CLI_NIR ? snn_nir_option_set(field(target, o), o->name, v, d)
					    : o->set(field(target, o), o->name, v, d);
		return say_diag(prog, d, rc);
	}
	}
	return SNN_EINVAL;
}

/* The row of argv[*i] and its value (advancing *i past a separate value),
 * or NULL when no row matches. */
static const struct cli_option *match(const struct cli_command *c, int argc, char **argv, int *i,
				      const char **v)
{
	const char *a = argv[*i];
	for (const struct cli_option *const *t = c->tables; *t; t++) {
		for (const struct cli_option *o = *t; o->name; o++) {
			if (o->kind == CLI_SEE) {
				continue;
			}
			size_t n = strlen(o->name);
			bool takes = o->kind != CLI_FLAG;
			bool is_short =
			    o->short_name && a[0] == '-' && a[1] == o->short_name && !a[2];
			if (strcmp(a, o->name) == 0 || is_short) {
				*v = !takes ? NULL : *i + 1 < argc ? argv[++*i] : NULL;
				return o;
			}
			if (takes && strncmp(a, o->name, n) == 0 && a[n] == '=') {
				*v = a + n + 1;
				return o;
			}
		}
	}
	return NULL;
}

int cli_parse(const struct cli_command *c, int argc, char **argv, int first, void *target,
	      struct cli_parsed *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = first; i < argc; i++) {
		const char *v = NULL;
		const struct cli_option *o = match(c, argc, argv, &i, &v);
		if (o) {
			int rc = set_value(c, o, v, target);
			if (rc != SNN_OK) {
				return rc;
			}
			if (o->group) {
				p->groups |= o->group;
				p->group_name = o->name;
			}
			continue;
		}
		const char *a = argv[i];
		bool extra = a[0] != '-' && p->n_positional == c->max_positional;
		if ((a[0] == '-' || extra) && c->tool_says_stray) {
			p->stray = a;
			return SNN_EINVAL;
		}
		if ((a[0] == '-' || extra) && c->usage_error) {
			fprintf(stderr, "%s: error: usage: %s\n", c->prog, c->usage_error);
			return SNN_EINVAL;
		}
		if (a[0] == '-') {
			fprintf(stderr, "%s: error: unknown option '%s' (see %s --help)\n", c->prog,
				a, c->prog);
			return SNN_EINVAL;
		}
		if (extra) {
			fprintf(stderr, "%s: error: one %s at a time (got '%s' and '%s')\n",
				c->prog, c->too_many, p->positional[0], a);
			return SNN_EINVAL;
		}
		p->positional[p->n_positional++] = a;
	}
	return SNN_OK;
}

int cli_find(int argc, char **argv, int first, const char *words)
{
	for (int i = first; i < argc; i++) {
		if (snn_units_word(argv[i], words) >= 0) {
			return i;
		}
	}
	return 0;
}

bool cli_ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcmp(s + a - b, suffix) == 0;
}

int cli_set_placement(void *field, const char *name, const char *value, snn_diag *d)
{
	(void)name;
	return snn_loihi_placement_from_name(value, field, d);
}

int cli_set_time(void *field, const char *name, const char *value, snn_diag *d)
{
	char why[160];
	if (snn_units_parse(value, SNN_DIM_TIME, field, why, sizeof(why)) != 0) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0, "%s: %s", name, why);
	}
	return SNN_OK;
}

void cli_list_free(struct cli_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void cli_usage(FILE *out, const struct cli_option *table)
{
	for (const struct cli_option *o = table; o->name; o++) {
		char left[64];
		if (o->short_name) {
			snprintf(left, sizeof(left), "-%c, %s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		} else {
			snprintf(left, sizeof(left), "%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		}
		int w = strlen(left) <= 20 ? 20 : 33;
		fprintf(out, "  %-*s ", w, left);
		for (const char *h = o->help; *h; h++) {
			fputc(*h, out);
			if (*h == '\n') {
				fprintf(out, "%23s", "");
			}
		}
		fputc('\n', out);
	}
}

void cli_print_diag(const char *prog, const snn_diag *d)
{
	const char *m = snn_diag_message(d, 0);
	if (snn_diag_count(d) == 1 && m) {
		fprintf(stderr, "%s: error: %s\n", prog, m);
	} else {
		snn_diag_print(d, stderr);
	}
}

const char *cli_default_output(const char *model, const char *suffix, char *buf, size_t n)
{
	const char *base = strrchr(model, '/');
	base = base ? base + 1 : model;
	size_t len = strlen(base);
	const char *dot = strrchr(base, '.');
	if (dot && dot != base) {
		len = (size_t)(dot - base);
	}
	snprintf(buf, n, "%.*s%s", (int)(len < 900 ? len : 900), base, suffix);
	return buf;
}

int cli_write_json(const char *prog, const char *path, const snn_stats *st)
{
	FILE *f = fopen(path, "w");
	int ex = 0;
	if (!f || snn_stats_write_json(st, f) != SNN_OK) {
		fprintf(stderr, "%s: error: %s: cannot write: %s\n", prog, path, strerror(errno));
		ex = SNN_EXIT_RUN_FAILED;
	}
	if (f && fclose(f) != 0) {
		ex = SNN_EXIT_RUN_FAILED;
	}
	return ex;
}

/* Set by the signal handler: the one piece of state of the tools' command
 * line, as a handler can reach no other. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void cli_catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
}

int cli_stop_requested(void *ctx)
{
	(void)ctx;
	return interrupted != 0;
}

int cli_check_output(const char *prog, const char *out, bool hdf5, const char *const *inputs,
		     size_t n_inputs)
{
	struct stat so;
	if (!out || stat(out, &so) != 0) {
		return 0; /* a new file: nothing to destroy */
	}
	for (size_t i = 0; i < n_inputs; i++) {
		struct stat si;
		if (inputs[i] && stat(inputs[i], &si) == 0 && si.st_dev == so.st_dev &&
		    si.st_ino == so.st_ino && S_ISREG(so.st_mode)) {
			fprintf(stderr,
				"%s: error: -o %s would overwrite %s, an input of the run; name "
				"another output file\n",
				prog, out, inputs[i]);
			return SNN_EXIT_BAD_INPUT;
		}
	}
	if (hdf5 && !S_ISREG(so.st_mode)) {
		fprintf(stderr,
			"%s: error: -o %s is not a regular file: an HDF5 file cannot be written to "
			"a device, a pipe or a folder; name a file\n",
			prog, out);
		return SNN_EXIT_BAD_INPUT;
	}
	return 0;
}

bool cli_interrupted(void)
{
	return interrupted != 0;
}

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void cli_progress_init(struct cli_progress *ps, bool quiet)
{
	ps->tty = isatty(STDERR_FILENO) && !quiet;
	ps->last = 0.0;
}

int cli_on_progress(void *ctx, const snn_progress *p)
{
	struct cli_progress *ps = ctx;
	if (interrupted) {
		return 1;
	}
	if (!ps->tty) {
		return 0;
	}
	double now = wall_now();
	if (now - ps->last < 0.25 && p->t_ms < p->duration_ms) {
		return 0;
	}
	ps->last = now;
	double frac = p->duration_ms > 0 ? p->t_ms / p->duration_ms : 1.0;
	double rtf = p->t_ms > 0 ? p->wall_s / (p->t_ms * 1e-3) : 0.0;
	double eta = frac > 0 ? p->wall_s * (1.0 / frac - 1.0) : 0.0;
	fprintf(stderr, "\r  t = %.1f / %.1f ms  wall %.1f s  RTF %.2f  ETA %.1f s  spikes %llu   ",
		p->t_ms, p->duration_ms, p->wall_s, rtf, eta, (unsigned long long)p->spikes);
	fflush(stderr);
	return 0;
}

void cli_progress_end(const struct cli_progress *ps)
{
	if (ps->tty) {
		fprintf(stderr, "\r%*s\r", 100, "");
	}
}

int cli_load_model(const char *path, const snn_load_options *o, snn_net **net, snn_diag *d)
{
	int rc = snn_model_load(path, o, net, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		size_t n = snn_diag_error_count(d);
		if (n > 1) {
			fprintf(stderr, "%zu errors\n", n);
		}
	}
	return snn_exit_status(rc);
}

int cli_sim_run(const char *prog, const snn_net *net, snn_sim_options *opt, bool quiet,
		const char *wrote, const char *summary_json, struct cli_live *lv, snn_diag *d)
{
	struct cli_progress ps;
	cli_progress_init(&ps, quiet);
	/* both live until the simulation is freed below, which closes its files */
	char software[64];
	snprintf(software, sizeof(software), "Spikeforge %s", snn_version());
	opt->software = software;
	opt->progress = cli_on_progress;
	opt->progress_ctx = &ps;
	snn_sim *sim = NULL;
	int ex = 0;
	int rc = snn_sim_new(net, opt, &sim, d);
	if (rc != SNN_OK) {
		goto out_failed;
	}
	if (interrupted) {
		fprintf(stderr,
			"%s: error: interrupted while building the network; no output "
			"was written\n",
			prog);
		ex = SNN_EXIT_RUN_FAILED;
		goto out;
	}
	rc = snn_sim_run(sim, d);
	cli_progress_end(&ps);
	if (lv) {
		cli_live_close(prog, lv, rc == SNN_OK, snn_sim_stats(sim)->bio_ms, quiet);
	}
	if (rc != SNN_OK) {
		goto out_failed;
	}
	const snn_stats *st = snn_sim_stats(sim);
	if (!quiet) {
		snn_stats_print(st, stdout);
		if (wrote) {
			printf("%s\n", wrote);
		}
	}
	if (summary_json) {
		ex = cli_write_json(prog, summary_json, st);
	}
	goto out;
out_failed:
	snn_diag_print(d, stderr);
	ex = snn_exit_status(rc);
out:
	snn_sim_free(sim);
	return ex;
}

/* Prints the outputs of a NIR run (name, kind, width, sum) and where they
 * were written. */
static void print_nir_outputs(FILE *out, const snn_nir_result *res, const char *path)
{
	fprintf(out, "outputs:\n");
	for (size_t i = 0; i < snn_nir_result_count(res); i++) {
		const snn_nir_series *s = snn_nir_result_series(res, i);
		double sum = 0.0;
		uint64_t n = (uint64_t)s->samples * s->steps * s->size;
		for (uint64_t k = 0; k < n; k++) {
			sum += s->data[k];
		}
		fprintf(out, "  %-14s %-7s %u values per step, sum %g over all samples\n", s->name,
			s->what, s->size, sum);
	}
	fprintf(out, "outputs written to %s\n", path);
}

int cli_nir_run(const char *prog, snn_net *net, const snn_nir_data *in, snn_nir_run_options *ro,
		bool quiet, const char *output, const char *summary_json, struct cli_live *lv,
		double total_ms, snn_diag *d)
{
	struct cli_progress ps;
	cli_progress_init(&ps, quiet);
	ro->progress = cli_on_progress;
	ro->progress_ctx = &ps;
	snn_nir_result *res = NULL;
	int ex = 0;
	int rc = snn_nir_run(net, in, ro, &res, d);
	cli_progress_end(&ps);
	if (lv) {
		cli_live_close(prog, lv, rc == SNN_OK, rc == SNN_OK ? total_ms : 0.0, quiet);
	}
	if (rc == SNN_OK) {
		rc = snn_nir_result_write(res, net, output, d);
	}
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		ex = snn_exit_status(rc);
		goto out;
	}
	const snn_stats *st = snn_nir_result_stats(res);
	if (!quiet) {
		snn_stats_print(st, stdout);
		print_nir_outputs(stdout, res, output);
	}
	if (summary_json) {
		ex = cli_write_json(prog, summary_json, st);
	}
out:
	snn_nir_result_free(res);
	return ex;
}

int cli_override(const char *prog, const struct cli_overrides *ov, snn_net *net, snn_diag *d)
{
	if (ov->seed_set) {
		snn_net_set_seed(net, ov->seed);
	}
	if (ov->backend && snn_net_set_backend(net, ov->backend, d) != SNN_OK) {
		fprintf(stderr, "%s: error: --backend: %s\n", prog, snn_diag_message(d, 0));
		return SNN_EXIT_BAD_INPUT;
	}
	if (ov->engine && snn_net_set_engine(net, ov->engine, d) != SNN_OK) {
		fprintf(stderr, "%s: error: --engine: %s\n", prog, snn_diag_message(d, 0));
		return SNN_EXIT_BAD_INPUT;
	}
	if (ov->duration) {
		double ms;
		char why[160];
		if (snn_units_parse(ov->duration, SNN_DIM_TIME, &ms, why, sizeof(why)) != 0) {
			fprintf(stderr, "%s: error: --duration: %s\n", prog, why);
			return SNN_EXIT_BAD_INPUT;
		}
		if (snn_net_set_duration_ms(net, ms, d) != SNN_OK) {
			fprintf(stderr, "%s: error: --duration: %s\n", prog,
				snn_diag_message(d, 0));
			return SNN_EXIT_BAD_INPUT;
		}
	}
	return 0;
}

void cli_print_model(FILE *out, const char *path, const snn_net *net, enum snn_model_format fmt)
{
	if (fmt == SNN_MODEL_NIR) {
		snn_nir_inspect(net, out);
		return;
	}
	snn_net_describe(net, out);
	int th = snn_net_threads(net) > 0 ? snn_net_threads(net) : 1;
	double bytes = snn_sim_estimate_bytes(net, th);
	fprintf(out, "total: %llu neurons, about %.0f synapses, %.0f steps\n",
		(unsigned long long)snn_net_neuron_count(net), snn_net_expected_synapses(net),
		snn_net_duration_ms(net) / snn_net_dt_ms(net));
	fprintf(out, "memory estimate: %.1f MB\n", bytes / 1048576.0);
	fprintf(out, "%s: ok\n", path);
}

/* The viewer to start: $SNNSIM_VIEWER, else snnview next to this program,
 * else snnview on the PATH. */
static void viewer_path(char *buf, size_t n)
{
	const char *env = getenv("SNNSIM_VIEWER");
	if (env && *env) {
		snprintf(buf, n, "%s", env);
		return;
	}
	char self[PATH_MAX];
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (k > 0) {
		self[k] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, n, "%s/snnview", self);
			if (access(buf, X_OK) == 0) {
				return;
			}
		}
	}
	snprintf(buf, n, "snnview");
}

extern char **environ;

/* Starts the viewer on lv's socket and gives its window a moment to open,
 * so that it shows the run from its start; a viewer that fails (no display)
 * ends the wait. */
static void start_viewer(const char *prog, struct cli_live *lv)
{
	char viewer[PATH_MAX + 16];
	viewer_path(viewer, sizeof(viewer));
	char *argv[] = {viewer, "--attach", lv->sock, NULL};
	pid_t pid;
	int e = posix_spawnp(&pid, viewer, NULL, NULL, argv, environ);
	if (e != 0) {
		/* the run goes on without a window: the stream costs nothing */
		fprintf(stderr, "%s: warning: --view: cannot start %s: %s\n", prog, viewer,
			strerror(e));
		return;
	}
	double waited = 0;
	while (!snn_stream_wait_viewer(lv->w, 0.1) && waited < VIEW_OPEN_S) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			fprintf(stderr,
				"%s: warning: --view: the viewer exited; the run goes on "
				"without it\n",
				prog);
			break;
		}
		waited += 0.1;
	}
}

int cli_live_open(const char *prog, const char *stream, bool view, bool quiet, const snn_net *net,
		  double duration_ms, struct cli_live *lv, snn_diag *d)
{
	const char *path = stream;
	if (view) {
		/* in $TMPDIR when it is set and the socket's path fits a Unix
		 * socket address (108 bytes with its NUL), else in /tmp */
		const char *tmp = getenv("TMPDIR");
		if (!tmp || !*tmp ||
		    strlen(tmp) + sizeof("/snnsim-view-XXXXXX/stream.sock") > 108) {
			tmp = "/tmp";
		}
		snprintf(lv->dir, sizeof(lv->dir), "%s/snnsim-view-XXXXXX", tmp);
		if (!mkdtemp(lv->dir)) {
			fprintf(stderr,
				"%s: error: --view: cannot make a folder for the stream "
				"socket: %s\n",
				prog, strerror(errno));
			lv->dir[0] = '\0';
			return -1;
		}
		snprintf(lv->sock, sizeof(lv->sock), "%s/stream.sock", lv->dir);
		path = lv->sock;
	}
	size_t np = snn_net_population_count(net);
	const char **names = calloc(np ? np : 1, sizeof(char *));
	uint32_t *sizes = calloc(np ? np : 1, sizeof(uint32_t));
	int rc = SNN_ENOMEM;
	if (names && sizes) {
		for (size_t i = 0; i < np; i++) {
			const char *nm = snn_net_population_name(net, i);
			names[i] =
			    snn_net_population_is_hidden(net, i) ? NULL : nm; /* stimulus sources */
			sizes[i] = snn_net_population_size(net, i);
		}
		rc = snn_stream_listen(path, names, sizes, np, snn_net_dt_ms(net), duration_ms, 0,
				       &lv->w, d);
	} else {
		snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0, "out of memory");
	}
	free(names);
	free(sizes);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		return -1;
	}
	if (!quiet) {
		fprintf(stderr, "%s: streaming spikes on %s\n", prog, path);
	}
	if (view) {
		start_viewer(prog, lv);
	}
	return 0;
}

void cli_live_close(const char *prog, struct cli_live *lv, bool ok, double t_ms, bool quiet)
{
	if (lv->w) {
		uint64_t sent = snn_stream_sent(lv->w), dropped = snn_stream_dropped(lv->w);
		snn_stream_close(lv->w, ok, t_ms, lv->dir[0] ? GRACE_VIEW_S : GRACE_STREAM_S);
		lv->w = NULL;
		if (!quiet) {
			fprintf(stderr, "%s: live stream: %llu spikes queued, %llu dropped\n", prog,
				(unsigned long long)sent, (unsigned long long)dropped);
		}
	}
	if (lv->dir[0]) {
		rmdir(lv->dir);
		lv->dir[0] = '\0';
	}
}
