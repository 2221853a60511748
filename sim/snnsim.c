/*
 * snnsim: run and check network simulations described in config files.
 * Layer: tool. Parses the command line, calls libsnn, prints, and maps the
 * result to an exit code: 0 ok, 1 the run failed, 2 bad input or usage.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "snn/loihi.h"
#include "snn/snn.h"

enum { EXIT_RUN_FAILED = 1, EXIT_BAD_INPUT = 2 };

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: snnsim run CONFIG [options]   simulate the network of a config file\n"
		"       snnsim check CONFIG [--scale F]\n"
		"                                     validate a config; print the network, its\n"
		"                                     expected size and a memory estimate\n"
		"       snnsim run MODEL.nir --input FILE [options]\n"
		"                                     run a NIR graph on input tensors\n"
		"       snnsim inspect MODEL.nir [NIR options]\n"
		"                                     print a NIR graph: nodes, shapes, parameters,\n"
		"                                     populations, synapses, what was assumed\n"
		"       snnsim --help | --version\n"
		"\n"
		"Options of run:\n"
		"  --threads N          worker threads (default: the config's 'threads', else\n"
		"                       OMP_NUM_THREADS, else all cores); the spikes do not\n"
		"                       depend on it\n"
		"  --seed S             random seed (overrides the config)\n"
		"  --engine E           grid (the time grid of step dt) or event (exact,\n"
		"                       event-driven: spike times off the grid, delays as\n"
		"                       written); overrides the config's simulation.engine\n"
		"  --duration T         biological time with its unit, e.g. 200ms or '1.5 s'\n"
		"  --scale F            population sizes times F, keeping each neuron's mean\n"
		"                       in-degree (overrides simulation.scale)\n"
		"  --backend B          cpu (OpenMP threads) or cuda (an NVIDIA GPU; the same\n"
		"                       spikes); overrides simulation.backend\n"
		"  -o, --output FILE    spike file; records every population's spikes unless\n"
		"                       the config's record section chooses\n"
		"  --format F           hdf5 (SONATA spike layout) or csv; default: csv for a\n"
		"                       FILE ending in .csv, else hdf5\n"
		"  --summary-json FILE  also write the run summary as JSON\n"
		"  --stream SOCKET      stream spikes live to a Unix socket (this machine only)\n"
		"                       for 'snnview --attach SOCKET'; a slow or absent viewer\n"
		"                       never slows the run: what it cannot take is dropped\n"
		"  --view               open snnview on a live stream of this run (needs a\n"
		"                       display; the viewer may be closed at any time)\n"
		"  -q, --quiet          print only errors\n"
		"\n"
		"Options of run for NIR graphs (HDF5 files written by nir.write):\n"
		"  --input FILE         input tensors: a dataset samples x steps x inputs, or\n"
		"                       NIR's NIRGraphData (TimeGriddedData or EventData)\n"
		"  --dataset NAME       the dataset of FILE to read (default: its only one)\n"
		"  -o, --output FILE    outputs of every sample in NIR's NIRGraphData layout\n"
		"                       (default: MODEL's name with _out.h5, here)\n"
		"  --record-state       also record v (and i) of the layers feeding Output nodes\n"
		"  --record POP         also record the output and state of population POP\n"
		"  --loihi TARGET       convert the graph to loihi_lif (loihi1-class or\n"
		"                       loihi2-class; doc/loihi.md) and run that network: -o\n"
		"                       then writes SONATA spikes of every population, input\n"
		"                       ports included, which 'snnemu IMAGE --input' reads\n"
		"                       (default: MODEL's name with _loihi.h5, here); the\n"
		"                       image of the same network: snncc MODEL.nir --target\n"
		"                       TARGET --input FILE -o IMAGE\n"
		"NIR conventions (run and inspect; doc/nir.md):\n"
		"  --dt T               time step, seconds or with a unit (default 1e-4)\n"
		"  --reset value|subtract            after a spike (default value: v_reset)\n"
		"  --spikes-per-step single|multiple (default single)\n"
		"  --integration euler|exact         decay of leaky states (default euler)\n"
		"  --input-gain euler|exact          gain of the input (default: as integration)\n"
		"  --integrator-gain step|dt         I and IF: v += r I per step, or dt r I\n"
		"  --recurrent-delay N  steps on edges that close a cycle (default 1)\n"
		"  --edge-delay N       steps on every path into a neuron layer (default 0)\n"
		"\n"
		"Exit status: 0 success, 1 the run failed, 2 bad input or usage.\n"
		"Config reference: doc/config.md in the Spikeforge sources.\n");
}

struct progress_state {
	bool tty;
	double last;
};

static double wall_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int on_progress(void *ctx, const snn_progress *p)
{
	struct progress_state *ps = ctx;
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

/* Parses "--opt VALUE" or "--opt=VALUE"; advances *i. Returns NULL when the
 * argument is not this option. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, const char *alias,
			     bool *missing)
{
	const char *a = argv[*i];
	size_t n = strlen(name);
	*missing = false;
	if (strcmp(a, name) == 0 || (alias && strcmp(a, alias) == 0)) {
		if (*i + 1 >= argc) {
			*missing = true;
			return a;
		}
		return argv[++*i];
	}
	if (strncmp(a, name, n) == 0 && a[n] == '=') {
		return a + n + 1;
	}
	return NULL;
}

struct run_args {
	const char *config;
	/* NIR graphs */
	snn_nir_options nir;
	bool nir_opt_given;       /* a NIR-only option was given */
	const char *nir_opt_name;
	const char *input;
	const char *dataset;
	const char *loihi; /* --loihi TARGET */
	bool record_state;
	const char **record;
	size_t n_record;
	int threads;
	bool seed_set;
	unsigned long long seed;
	const char *duration;
	const char *backend;
	double scale;
	const char *engine;
	const char *output;
	const char *summary_json;
	enum snn_spike_format format;
	bool quiet;
	const char *stream;
	bool view;
};

/* One of the words of `choices` ("a|b"): its index, or -1. */
static int pick_word(const char *v, const char *choices)
{
	int k = 0;
	size_t n = strlen(v);
	for (const char *c = choices; *c; k++) {
		const char *bar = strchr(c, '|');
		size_t len = bar ? (size_t)(bar - c) : strlen(c);
		if (len == n && strncmp(c, v, n) == 0) {
			return k;
		}
		c += len + (bar ? 1 : 0);
	}
	return -1;
}

/* Parses a NIR convention option at argv[*i]. Returns 1 when it was one, 0
 * when not, -1 on a bad value. */
static int parse_nir_option(int argc, char **argv, int *i, snn_nir_options *o, const char **name)
{
	static const struct {
		const char *opt;
		const char *choices;
	} words[] = {
		{"--reset", "value|subtract"},
		{"--spikes-per-step", "single|multiple"},
		{"--integration", "euler|exact"},
		{"--input-gain", "euler|exact"},
		{"--integrator-gain", "step|dt"},
	};
	bool missing;
	const char *v;
	for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
		if (!(v = opt_value(argc, argv, i, words[w].opt, NULL, &missing))) {
			continue;
		}
		*name = words[w].opt;
		int k = missing ? -1 : pick_word(v, words[w].choices);
		if (k < 0) {
			fprintf(stderr, "snnsim: error: %s expects %s%s%s\n", words[w].opt,
				words[w].choices, missing ? "" : ", got ", missing ? "" : v);
			return -1;
		}
		switch (w) {
		case 0:
			o->reset = k ? SNN_NIR_RESET_SUBTRACT : SNN_NIR_RESET_VALUE;
			break;
		case 1:
			o->spikes = k ? SNN_NIR_SPIKES_MULTIPLE : SNN_NIR_SPIKES_SINGLE;
			break;
		case 2:
			o->integration = k ? SNN_NIR_EXACT : SNN_NIR_EULER;
			break;
		case 3:
			o->input_gain = k ? SNN_NIR_EXACT : SNN_NIR_EULER;
			break;
		default:
			o->integrator = k ? SNN_NIR_INTEGRATOR_DT : SNN_NIR_INTEGRATOR_STEP;
			break;
		}
		return 1;
	}
	if ((v = opt_value(argc, argv, i, "--dt", NULL, &missing))) {
		*name = "--dt";
		char *end;
		double x = missing ? 0 : strtod(v, &end);
		if (!missing && *end) {
			/* with a unit */
			double ms;
			char why[160];
			if (snn_units_parse(v, SNN_DIM_TIME, &ms, why, sizeof(why)) != 0) {
				fprintf(stderr, "snnsim: error: --dt: %s\n", why);
				return -1;
			}
			x = ms * 1e-3;
		}
		if (missing || !(x > 0) || x > 1e3) {
			fprintf(stderr, "snnsim: error: --dt expects a positive time step in seconds "
					"(e.g. 1e-4) or with a unit (0.1ms)%s%s\n",
				missing ? "" : ", got ", missing ? "" : v);
			return -1;
		}
		o->dt_s = x;
		return 1;
	}
	const char *dn[2] = {"--recurrent-delay", "--edge-delay"};
	for (int q = 0; q < 2; q++) {
		if (!(v = opt_value(argc, argv, i, dn[q], NULL, &missing))) {
			continue;
		}
		*name = dn[q];
		char *end;
		long n = missing ? -1 : strtol(v, &end, 10);
		long lo = q == 0 ? 1 : 0;
		if (missing || *end || n < lo || n > 32767) {
			fprintf(stderr, "snnsim: error: %s expects a whole number of steps from %ld to "
					"32767%s%s\n",
				dn[q], lo, missing ? "" : ", got ", missing ? "" : v);
			return -1;
		}
		if (q == 0) {
			o->recurrent_delay = (uint32_t)n;
		} else {
			o->edge_delay = (uint32_t)n;
		}
		return 1;
	}
	return 0;
}

static int parse_run_args(int argc, char **argv, struct run_args *ra)
{
	memset(ra, 0, sizeof(*ra));
	ra->format = SNN_SPIKES_HDF5;
	snn_nir_options_init(&ra->nir);
	bool format_given = false;
	for (int i = 2; i < argc; i++) {
		bool missing;
		const char *v;
		int nk = parse_nir_option(argc, argv, &i, &ra->nir, &ra->nir_opt_name);
		if (nk < 0) {
			return -1;
		}
		if (nk > 0) {
			ra->nir_opt_given = true;
		} else if ((v = opt_value(argc, argv, &i, "--input", NULL, &missing))) {
			if (missing) {
				fprintf(stderr, "snnsim: error: --input expects a file name\n");
				return -1;
			}
			ra->input = v;
			ra->nir_opt_given = true;
			ra->nir_opt_name = "--input";
		} else if ((v = opt_value(argc, argv, &i, "--dataset", NULL, &missing))) {
			if (missing) {
				fprintf(stderr, "snnsim: error: --dataset expects a dataset name\n");
				return -1;
			}
			ra->dataset = v;
			ra->nir_opt_given = true;
			ra->nir_opt_name = "--dataset";
		} else if ((v = opt_value(argc, argv, &i, "--loihi", NULL, &missing))) {
			if (missing || !snn_loihi_is_target(v)) {
				fprintf(stderr, "snnsim: error: --loihi expects loihi1-class or "
						"loihi2-class%s%s\n", missing ? "" : ", got ",
					missing ? "" : v);
				return -1;
			}
			ra->loihi = v;
			ra->nir_opt_given = true;
			ra->nir_opt_name = "--loihi";
		} else if ((v = opt_value(argc, argv, &i, "--record", NULL, &missing))) {
			if (missing) {
				fprintf(stderr, "snnsim: error: --record expects a population name\n");
				return -1;
			}
			const char **r = realloc(ra->record, (ra->n_record + 1) * sizeof(char *));
			if (!r) {
				fprintf(stderr, "snnsim: error: out of memory\n");
				return -1;
			}
			ra->record = r;
			ra->record[ra->n_record++] = v;
			ra->nir_opt_given = true;
			ra->nir_opt_name = "--record";
		} else if (strcmp(argv[i], "--record-state") == 0) {
			ra->record_state = true;
			ra->nir_opt_given = true;
			ra->nir_opt_name = "--record-state";
		} else if ((v = opt_value(argc, argv, &i, "--threads", NULL, &missing))) {
			char *end;
			long t = missing ? 0 : strtol(v, &end, 10);
			if (missing || *end || t < 1 || t > 4096) {
				fprintf(stderr, "snnsim: error: --threads expects a whole number from 1 to "
						"4096%s%s\n", missing ? "" : ", got ", missing ? "" : v);
				return -1;
			}
			ra->threads = (int)t;
		} else if ((v = opt_value(argc, argv, &i, "--seed", NULL, &missing))) {
			char *end;
			errno = 0;
			ra->seed = missing ? 0 : strtoull(v, &end, 10);
			if (missing || *end || errno || v[0] == '-') {
				fprintf(stderr, "snnsim: error: --seed expects a whole number%s%s\n",
					missing ? "" : ", got ", missing ? "" : v);
				return -1;
			}
			ra->seed_set = true;
		} else if ((v = opt_value(argc, argv, &i, "--scale", NULL, &missing))) {
			char *end;
			ra->scale = missing ? 0 : strtod(v, &end);
			if (missing || *end || !(ra->scale > 0) || ra->scale > 1e6) {
				fprintf(stderr, "snnsim: error: --scale expects a positive number%s%s\n",
					missing ? "" : ", got ", missing ? "" : v);
				return -1;
			}
		} else if ((v = opt_value(argc, argv, &i, "--backend", NULL, &missing))) {
			if (missing || (strcmp(v, "cpu") != 0 && strcmp(v, "cuda") != 0)) {
				fprintf(stderr, "snnsim: error: --backend expects cpu or cuda%s%s\n",
					missing ? "" : ", got ", missing ? "" : v);
				return -1;
			}
			ra->backend = v;
		} else if ((v = opt_value(argc, argv, &i, "--engine", NULL, &missing))) {
			if (missing || (strcmp(v, "grid") != 0 && strcmp(v, "event") != 0)) {
				fprintf(stderr, "snnsim: error: --engine expects grid or event%s%s\n",
					missing ? "" : ", got ", missing ? "" : v);
				return -1;
			}
			ra->engine = v;
		} else if ((v = opt_value(argc, argv, &i, "--duration", NULL, &missing))) {
			if (missing) {
				fprintf(stderr, "snnsim: error: --duration expects a time such as 200ms\n");
				return -1;
			}
			ra->duration = v;
		} else if ((v = opt_value(argc, argv, &i, "--output", "-o", &missing))) {
			if (missing) {
				fprintf(stderr, "snnsim: error: -o expects a file name\n");
				return -1;
			}
			ra->output = v;
		} else if ((v = opt_value(argc, argv, &i, "--summary-json", NULL, &missing))) {
			if (missing) {
				fprintf(stderr, "snnsim: error: --summary-json expects a file name\n");
				return -1;
			}
			ra->summary_json = v;
		} else if ((v = opt_value(argc, argv, &i, "--format", NULL, &missing))) {
			format_given = true;
			if (!missing && strcmp(v, "csv") == 0) {
				ra->format = SNN_SPIKES_CSV;
			} else if (missing || strcmp(v, "hdf5") != 0) {
				fprintf(stderr, "snnsim: error: --format expects hdf5 or csv%s%s\n",
					missing ? "" : ", got ", missing ? "" : v);
				return -1;
			}
		} else if ((v = opt_value(argc, argv, &i, "--stream", NULL, &missing))) {
			if (missing || !*v) {
				fprintf(stderr, "snnsim: error: --stream expects a socket path\n");
				return -1;
			}
			ra->stream = v;
		} else if (strcmp(argv[i], "--view") == 0) {
			ra->view = true;
		} else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
			ra->quiet = true;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "snnsim: error: unknown option '%s' (see snnsim --help)\n",
				argv[i]);
			return -1;
		} else if (!ra->config) {
			ra->config = argv[i];
		} else {
			fprintf(stderr, "snnsim: error: one config file at a time (got '%s' and '%s')\n",
				ra->config, argv[i]);
			return -1;
		}
	}
	if (!ra->config) {
		fprintf(stderr, "snnsim: error: run needs a config file (see snnsim --help)\n");
		return -1;
	}
	if (ra->view && ra->stream) {
		fprintf(stderr, "snnsim: error: --view makes its own stream; give either --view or "
				"--stream SOCKET\n");
		return -1;
	}
	/* without --format, an output named *.csv is written as CSV */
	size_t ol = ra->output ? strlen(ra->output) : 0;
	if (!format_given && ol > 4 && strcmp(ra->output + ol - 4, ".csv") == 0) {
		ra->format = SNN_SPIKES_CSV;
	}
	return 0;
}

static int load_nir(const char *path, const snn_nir_options *o, snn_net **net, snn_diag *d)
{
	int rc = snn_nir_load(path, o, net, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		return rc == SNN_ENOMEM ? EXIT_RUN_FAILED : EXIT_BAD_INPUT;
	}
	return 0;
}

/* Whether path names a NIR graph (an HDF5 file) rather than a config. */
static bool is_nir(const char *path)
{
	return snn_nir_is_hdf5(path);
}

static int load(const char *path, double scale, snn_net **net, snn_diag *d)
{
	snn_config_options o = {scale};
	int rc = snn_config_load_opts(path, &o, net, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		size_t n = snn_diag_error_count(d);
		if (n > 1) {
			fprintf(stderr, "%zu errors\n", n);
		}
		return rc == SNN_ENOMEM ? EXIT_RUN_FAILED : EXIT_BAD_INPUT;
	}
	return 0;
}

/* snnsim inspect MODEL.nir [NIR options] */
static int cmd_inspect(int argc, char **argv)
{
	snn_nir_options o;
	snn_nir_options_init(&o);
	const char *model = NULL, *name;
	for (int i = 2; i < argc; i++) {
		int k = parse_nir_option(argc, argv, &i, &o, &name);
		if (k < 0) {
			return EXIT_BAD_INPUT;
		}
		if (k > 0) {
			continue;
		}
		if (argv[i][0] == '-') {
			fprintf(stderr, "snnsim: error: unknown option '%s' (see snnsim --help)\n",
				argv[i]);
			return EXIT_BAD_INPUT;
		}
		if (model) {
			fprintf(stderr, "snnsim: error: one graph at a time (got '%s' and '%s')\n",
				model, argv[i]);
			return EXIT_BAD_INPUT;
		}
		model = argv[i];
	}
	if (!model) {
		fprintf(stderr, "snnsim: error: usage: snnsim inspect MODEL.nir [NIR options]\n");
		return EXIT_BAD_INPUT;
	}
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	if (!d) {
		fprintf(stderr, "snnsim: error: out of memory\n");
		return EXIT_RUN_FAILED;
	}
	int ex = load_nir(model, &o, &net, d);
	if (ex == 0) {
		snn_nir_inspect(net, stdout);
	}
	snn_net_free(net);
	snn_diag_free(d);
	return ex;
}

static int cmd_check(int argc, char **argv)
{
	const char *config = NULL;
	double scale = 0.0;
	for (int i = 2; i < argc; i++) {
		bool missing;
		const char *v;
		if ((v = opt_value(argc, argv, &i, "--scale", NULL, &missing))) {
			char *end;
			scale = missing ? 0 : strtod(v, &end);
			if (missing || *end || !(scale > 0) || scale > 1e6) {
				fprintf(stderr, "snnsim: error: --scale expects a positive number%s%s\n",
					missing ? "" : ", got ", missing ? "" : v);
				return EXIT_BAD_INPUT;
			}
		} else if (argv[i][0] == '-' || config) {
			config = NULL;
			break;
		} else {
			config = argv[i];
		}
	}
	if (!config) {
		fprintf(stderr, "snnsim: error: usage: snnsim check CONFIG [--scale F]\n");
		return EXIT_BAD_INPUT;
	}
	if (is_nir(config)) {
		if (scale > 0) {
			fprintf(stderr, "snnsim: error: --scale applies to configs, not NIR graphs\n");
			return EXIT_BAD_INPUT;
		}
		return cmd_inspect(argc, argv);
	}
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	if (!d) {
		fprintf(stderr, "snnsim: error: out of memory\n");
		return EXIT_RUN_FAILED;
	}
	int ex = load(config, scale, &net, d);
	if (ex == 0) {
		snn_net_describe(net, stdout);
		int th = snn_net_threads(net) > 0 ? snn_net_threads(net) : 1;
		double bytes = snn_sim_estimate_bytes(net, th);
		printf("total: %llu neurons, about %.0f synapses, %.0f steps\n",
		       (unsigned long long)snn_net_neuron_count(net), snn_net_expected_synapses(net),
		       snn_net_duration_ms(net) / snn_net_dt_ms(net));
		printf("memory estimate: %.1f MB\n", bytes / 1048576.0);
		printf("%s: ok\n", config);
	}
	snn_net_free(net);
	snn_diag_free(d);
	return ex;
}

/* Seconds a viewer gets after the run to attach and take the rest: more for
 * the window --view started, which may still be opening. */
#define GRACE_STREAM_S 2.0
#define GRACE_VIEW_S 5.0
/* Seconds --view waits, before the run, for its window to attach. */
#define VIEW_OPEN_S 15.0

/* The live stream of a run: the socket, and for --view the folder made for
 * it and the viewer started on it. */
struct live {
	snn_stream_writer *w;
	char dir[64];
	char sock[128];
};

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

/* Opens the stream of a run of duration_ms (and for --view starts the
 * viewer). Returns 0, or -1 after printing why. */
static int live_open(const struct run_args *ra, const snn_net *net, double duration_ms,
		     struct live *lv, snn_diag *d)
{
	const char *path = ra->stream;
	if (ra->view) {
		snprintf(lv->dir, sizeof(lv->dir), "/tmp/snnsim-view-XXXXXX");
		if (!mkdtemp(lv->dir)) {
			fprintf(stderr, "snnsim: error: --view: cannot make a folder for the stream "
					"socket: %s\n", strerror(errno));
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
			names[i] = nm[0] == '@' ? NULL : nm; /* stimulus sources are not shown */
			sizes[i] = snn_net_population_size(net, i);
		}
		rc = snn_stream_listen(path, names, sizes, np, snn_net_dt_ms(net), duration_ms, 0,
				       &lv->w, d);
	}
	free(names);
	free(sizes);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		return -1;
	}
	if (!ra->quiet) {
		fprintf(stderr, "snnsim: streaming spikes on %s\n", path);
	}
	if (ra->view) {
		char viewer[PATH_MAX + 16];
		viewer_path(viewer, sizeof(viewer));
		char *argv[] = {viewer, "--attach", lv->sock, NULL};
		pid_t pid;
		int e = posix_spawnp(&pid, viewer, NULL, NULL, argv, environ);
		if (e != 0) {
			/* the run goes on without a window: the stream costs nothing */
			fprintf(stderr, "snnsim: warning: --view: cannot start %s: %s\n", viewer,
				strerror(e));
			return 0;
		}
		/* the window gets a moment to open, so that it shows the run from its
		 * start; a viewer that fails (no display) ends the wait */
		double waited = 0;
		while (!snn_stream_wait_viewer(lv->w, 0.1) && waited < VIEW_OPEN_S) {
			int status;
			if (waitpid(pid, &status, WNOHANG) == pid) {
				fprintf(stderr, "snnsim: warning: --view: the viewer exited; the run goes "
						"on without it\n");
				break;
			}
			waited += 0.1;
		}
	}
	return 0;
}

static void live_close(struct live *lv, bool ok, double t_ms, bool quiet)
{
	if (lv->w) {
		uint64_t sent = snn_stream_sent(lv->w), dropped = snn_stream_dropped(lv->w);
		snn_stream_close(lv->w, ok, t_ms, lv->dir[0] ? GRACE_VIEW_S : GRACE_STREAM_S);
		lv->w = NULL;
		if (!quiet) {
			fprintf(stderr, "snnsim: live stream: %llu spikes queued, %llu dropped\n",
				(unsigned long long)sent, (unsigned long long)dropped);
		}
	}
	if (lv->dir[0]) {
		rmdir(lv->dir);
		lv->dir[0] = '\0';
	}
}

static int write_json(const char *path, const snn_stats *st)
{
	FILE *f = fopen(path, "w");
	int ex = 0;
	if (!f || snn_stats_write_json(st, f) != SNN_OK) {
		fprintf(stderr, "snnsim: error: %s: cannot write: %s\n", path, strerror(errno));
		ex = EXIT_RUN_FAILED;
	}
	if (f && fclose(f) != 0) {
		ex = EXIT_RUN_FAILED;
	}
	return ex;
}

/* snnsim run MODEL.nir --input FILE --loihi TARGET: the graph converted to
 * loihi_lif (snn_nir_to_loihi, the network snncc maps) run on the CPU engine,
 * spikes of every population to a SONATA file. */
/* The default output of a model: its file name without folder and
 * extension, plus suffix, in the current folder. */
static const char *default_output(const char *model, const char *suffix, char *buf, size_t n)
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

static int run_nir_loihi(const struct run_args *ra, const snn_net *nir, const snn_nir_data *in,
			 snn_diag *d)
{
	snn_nir_loihi_options lo;
	snn_nir_loihi_options_init(&lo);
	lo.input_path = ra->input;
	lo.report = ra->quiet ? NULL : stdout;
	snn_net *net = NULL;
	snn_sim *sim = NULL;
	int ex = 0;
	int rc = snn_nir_to_loihi(nir, in, &lo, &net, d);
	fflush(stdout);
	snn_diag_print(d, stderr); /* the warnings, or the error */
	snn_diag_clear(d);
	if (rc != SNN_OK) {
		return rc == SNN_ENOMEM ? EXIT_RUN_FAILED : EXIT_BAD_INPUT;
	}
	char defout[1024];
	const char *output = ra->output ? ra->output
					: default_output(ra->config, "_loihi.h5", defout, sizeof(defout));
	struct progress_state ps = {isatty(STDERR_FILENO) && !ra->quiet, 0.0};
	char software[64];
	snprintf(software, sizeof(software), "Spikeforge %s", snn_version());
	snn_sim_options opt = {ra->threads, output, SNN_SPIKES_HDF5, true, software,
			       on_progress, &ps, NULL, NULL, 0, false};
	rc = snn_sim_new(net, &opt, &sim, d);
	if (rc == SNN_OK) {
		rc = snn_sim_run(sim, d);
	}
	if (ps.tty) {
		fprintf(stderr, "\r%*s\r", 100, "");
	}
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		ex = rc == SNN_EINVAL || rc == SNN_EUNSUP ? EXIT_BAD_INPUT : EXIT_RUN_FAILED;
		goto out;
	}
	const snn_stats *st = snn_sim_stats(sim);
	if (!ra->quiet) {
		snn_stats_print(st, stdout);
		printf("spikes of every population (%s) written to %s\n", ra->loihi, output);
	}
	if (ra->summary_json) {
		ex = write_json(ra->summary_json, st);
	}
out:
	snn_sim_free(sim);
	snn_net_free(net);
	return ex;
}

/* snnsim run MODEL.nir --input FILE ... */
static int cmd_run_nir(struct run_args *ra)
{
	if (!ra->input) {
		fprintf(stderr, "snnsim: error: a NIR graph runs on input tensors: give --input FILE "
				"(see snnsim --help)\n");
		return EXIT_BAD_INPUT;
	}
	if (ra->seed_set || ra->duration || ra->format != SNN_SPIKES_HDF5) {
		fprintf(stderr, "snnsim: error: --seed, --duration and --format do not apply to NIR "
				"graphs (the input sets the duration; outputs are HDF5)\n");
		return EXIT_BAD_INPUT;
	}
	if (ra->backend && strcmp(ra->backend, "cpu") != 0) {
		fprintf(stderr, "snnsim: error: --backend %s: NIR graphs run on the cpu backend only "
				"(the cuda backend has no graded spikes or NIR neuron models)\n",
			ra->backend);
		return EXIT_BAD_INPUT;
	}
	if (ra->engine && strcmp(ra->engine, "grid") != 0) {
		fprintf(stderr, "snnsim: error: --engine %s does not apply to NIR graphs: they run "
				"on the time grid of their dt\n", ra->engine);
		return EXIT_BAD_INPUT;
	}
	snn_diag *d = snn_diag_new();
	if (!d) {
		fprintf(stderr, "snnsim: error: out of memory\n");
		return EXIT_RUN_FAILED;
	}
	snn_net *net = NULL;
	snn_nir_data *in = NULL;
	snn_nir_result *res = NULL;
	struct live lv;
	memset(&lv, 0, sizeof(lv));
	int ex = load_nir(ra->config, &ra->nir, &net, d);
	if (ex) {
		goto out;
	}
	int rc = snn_nir_data_read(ra->input, net, ra->dataset, &in, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		ex = rc == SNN_ENOMEM ? EXIT_RUN_FAILED : EXIT_BAD_INPUT;
		goto out;
	}
	uint32_t samples = snn_nir_data_samples(in), steps = snn_nir_data_steps(in);
	if (ra->loihi) {
		if (ra->stream || ra->view || ra->record_state || ra->n_record) {
			fprintf(stderr, "snnsim: error: --loihi writes the spikes of every "
					"population; --stream, --view, --record and --record-state do "
					"not apply\n");
			ex = EXIT_BAD_INPUT;
			goto out;
		}
		ex = run_nir_loihi(ra, net, in, d);
		goto out;
	}
	if (!ra->quiet) {
		printf("%s: %llu neurons and relays, about %.0f synapses; %u sample%s of %u steps "
		       "(dt %g s)\n",
		       ra->config, (unsigned long long)snn_net_neuron_count(net),
		       snn_net_expected_synapses(net), samples, samples == 1 ? "" : "s", steps,
		       ra->nir.dt_s);
		size_t na = snn_nir_assumption_count(net);
		if (na) {
			printf("the loader assumed %zu thing%s about the file (snnsim inspect lists "
			       "them)\n",
			       na, na == 1 ? "" : "s");
		}
		fflush(stdout);
	}
	struct progress_state ps = {isatty(STDERR_FILENO) && !ra->quiet, 0.0};
	snn_nir_run_options ro = {ra->threads, ra->record_state, ra->record, ra->n_record,
				  on_progress, &ps, NULL, NULL};
	/* the samples follow one another on the stream */
	double total_ms = (double)samples * steps * snn_net_dt_ms(net);
	if (ra->stream || ra->view) {
		if (live_open(ra, net, total_ms, &lv, d) != 0) {
			ex = EXIT_RUN_FAILED;
			goto out;
		}
		ro.on_spikes = snn_stream_on_spikes;
		ro.spikes_ctx = lv.w;
	}
	rc = snn_nir_run(net, in, &ro, &res, d);
	if (ps.tty) {
		fprintf(stderr, "\r%*s\r", 100, "");
	}
	live_close(&lv, rc == SNN_OK, rc == SNN_OK ? total_ms : 0.0, ra->quiet);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		ex = rc == SNN_EINVAL || rc == SNN_EUNSUP ? EXIT_BAD_INPUT : EXIT_RUN_FAILED;
		goto out;
	}
	/* default output: the model's file name, without folder and extension,
	 * with _out.h5, in the current folder */
	char defout[1024];
	const char *output = ra->output
				     ? ra->output
				     : default_output(ra->config, "_out.h5", defout, sizeof(defout));
	rc = snn_nir_result_write(res, net, output, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		ex = EXIT_RUN_FAILED;
		goto out;
	}
	const snn_stats *st = snn_nir_result_stats(res);
	if (!ra->quiet) {
		snn_stats_print(st, stdout);
		printf("outputs:\n");
		for (size_t i = 0; i < snn_nir_result_count(res); i++) {
			const snn_nir_series *s = snn_nir_result_series(res, i);
			double sum = 0.0;
			uint64_t n = (uint64_t)s->samples * s->steps * s->size;
			for (uint64_t k = 0; k < n; k++) {
				sum += s->data[k];
			}
			printf("  %-14s %-7s %u values per step, sum %g over all samples\n", s->name,
			       s->what, s->size, sum);
		}
		printf("outputs written to %s\n", output);
	}
	if (ra->summary_json) {
		ex = write_json(ra->summary_json, st);
	}
out:
	live_close(&lv, false, 0.0, true);
	snn_nir_result_free(res);
	snn_nir_data_free(in);
	snn_net_free(net);
	snn_diag_free(d);
	return ex;
}

/* Ctrl-C and SIGTERM stop a run at its next bookkeeping step. Installed
 * before anything is loaded or built, so that a signal that comes early is
 * not lost (a background job starts with SIGINT ignored). */
static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int cmd_run(int argc, char **argv)
{
	catch_signals();
	struct run_args ra;
	if (parse_run_args(argc, argv, &ra) != 0) {
		free(ra.record);
		return EXIT_BAD_INPUT;
	}
	if (is_nir(ra.config)) {
		int ex = cmd_run_nir(&ra);
		free(ra.record);
		return ex;
	}
	free(ra.record);
	if (ra.nir_opt_given) {
		fprintf(stderr, "snnsim: error: %s applies to NIR graphs only\n", ra.nir_opt_name);
		return EXIT_BAD_INPUT;
	}
	snn_diag *d = snn_diag_new();
	if (!d) {
		fprintf(stderr, "snnsim: error: out of memory\n");
		return EXIT_RUN_FAILED;
	}
	snn_net *net = NULL;
	snn_sim *sim = NULL;
	struct live lv;
	memset(&lv, 0, sizeof(lv));
	int ex = load(ra.config, ra.scale, &net, d);
	if (ex) {
		goto out;
	}
	if (ra.seed_set) {
		snn_net_set_seed(net, ra.seed);
	}
	if (ra.backend && snn_net_set_backend(net, ra.backend, d) != SNN_OK) {
		fprintf(stderr, "snnsim: error: --backend: %s\n", snn_diag_message(d, 0));
		ex = EXIT_BAD_INPUT;
		goto out;
	}
	if (ra.engine && snn_net_set_engine(net, ra.engine, d) != SNN_OK) {
		fprintf(stderr, "snnsim: error: --engine: %s\n", snn_diag_message(d, 0));
		ex = EXIT_BAD_INPUT;
		goto out;
	}
	if (ra.duration) {
		double ms;
		char why[160];
		if (snn_units_parse(ra.duration, SNN_DIM_TIME, &ms, why, sizeof(why)) != 0) {
			fprintf(stderr, "snnsim: error: --duration: %s\n", why);
			ex = EXIT_BAD_INPUT;
			goto out;
		}
		if (snn_net_set_duration_ms(net, ms, d) != SNN_OK) {
			fprintf(stderr, "snnsim: error: --duration: %s\n", snn_diag_message(d, 0));
			ex = EXIT_BAD_INPUT;
			goto out;
		}
	}
	struct progress_state ps = {isatty(STDERR_FILENO) && !ra.quiet, 0.0};
	char software[64];
	snprintf(software, sizeof(software), "Spikeforge %s", snn_version());
	/* -o records every population unless the config chose what to record,
	 * in which case it only names the file */
	snn_sim_options opt = {ra.threads, ra.output, ra.format,
			       ra.output != NULL && !snn_net_records_spikes(net), software,
			       on_progress, &ps, NULL, NULL, 0, false};
	if (ra.stream || ra.view) {
		if (live_open(&ra, net, snn_net_duration_ms(net), &lv, d) != 0) {
			ex = EXIT_RUN_FAILED;
			goto out;
		}
		opt.on_spikes = snn_stream_on_spikes;
		opt.spikes_ctx = lv.w;
	}
	if (!ra.quiet) {
		printf("%s: %llu neurons, about %.0f synapses, %g ms\n", ra.config,
		       (unsigned long long)snn_net_neuron_count(net), snn_net_expected_synapses(net),
		       snn_net_duration_ms(net));
		fflush(stdout);
	}
	int rc = snn_sim_new(net, &opt, &sim, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		ex = rc == SNN_EINVAL || rc == SNN_EUNSUP ? EXIT_BAD_INPUT : EXIT_RUN_FAILED;
		goto out;
	}
	if (interrupted) {
		fprintf(stderr, "snnsim: error: interrupted while building the network; no output "
				"was written\n");
		ex = EXIT_RUN_FAILED;
		goto out;
	}
	rc = snn_sim_run(sim, d);
	if (ps.tty) {
		fprintf(stderr, "\r%*s\r", 100, "");
	}
	live_close(&lv, rc == SNN_OK, snn_sim_stats(sim)->bio_ms, ra.quiet);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
		ex = EXIT_RUN_FAILED;
		goto out;
	}
	const snn_stats *st = snn_sim_stats(sim);
	if (!ra.quiet) {
		snn_stats_print(st, stdout);
	}
	if (ra.summary_json) {
		ex = write_json(ra.summary_json, st);
	}
out:
	live_close(&lv, false, 0.0, true);
	snn_sim_free(sim);
	snn_net_free(net);
	snn_diag_free(d);
	return ex;
}

int main(int argc, char **argv)
{
	/* a viewer that goes away must not kill the run (the stream also sends
	 * with MSG_NOSIGNAL) */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	/* snnsim run --help and the like: the one usage text covers every command */
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("snnsim (Spikeforge) %s\n", snn_version());
		return 0;
	}
	if (strcmp(argv[1], "run") == 0) {
		return cmd_run(argc, argv);
	}
	if (strcmp(argv[1], "check") == 0) {
		return cmd_check(argc, argv);
	}
	if (strcmp(argv[1], "inspect") == 0) {
		return cmd_inspect(argc, argv);
	}
	fprintf(stderr, "snnsim: error: unknown command '%s' (expected run, check or inspect; see "
			"snnsim --help)\n", argv[1]);
	return EXIT_BAD_INPUT;
}
