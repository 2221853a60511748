/*
 * snnsim: run and check network simulations described in config files.
 * Layer: tool. Parses the command line, calls libsnn, prints, and maps the
 * result to an exit code: 0 ok, 1 the run failed, 2 bad input or usage.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
		"       snnsim check CONFIG           validate a config; print the network, its\n"
		"                                     expected size and a memory estimate\n"
		"       snnsim --help | --version\n"
		"\n"
		"Options of run:\n"
		"  --threads N          worker threads (default: the config's 'threads', else\n"
		"                       OMP_NUM_THREADS, else all cores); the spikes do not\n"
		"                       depend on it\n"
		"  --seed S             random seed (overrides the config)\n"
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
		"  -q, --quiet          print only errors\n"
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
	int threads;
	bool seed_set;
	unsigned long long seed;
	const char *duration;
	const char *backend;
	double scale;
	const char *output;
	const char *summary_json;
	enum snn_spike_format format;
	bool quiet;
};

static int parse_run_args(int argc, char **argv, struct run_args *ra)
{
	memset(ra, 0, sizeof(*ra));
	ra->format = SNN_SPIKES_HDF5;
	bool format_given = false;
	for (int i = 2; i < argc; i++) {
		bool missing;
		const char *v;
		if ((v = opt_value(argc, argv, &i, "--threads", NULL, &missing))) {
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
	/* without --format, an output named *.csv is written as CSV */
	size_t ol = ra->output ? strlen(ra->output) : 0;
	if (!format_given && ol > 4 && strcmp(ra->output + ol - 4, ".csv") == 0) {
		ra->format = SNN_SPIKES_CSV;
	}
	return 0;
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

static int cmd_check(int argc, char **argv)
{
	if (argc != 3 || argv[2][0] == '-') {
		fprintf(stderr, "snnsim: error: usage: snnsim check CONFIG\n");
		return EXIT_BAD_INPUT;
	}
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	if (!d) {
		fprintf(stderr, "snnsim: error: out of memory\n");
		return EXIT_RUN_FAILED;
	}
	int ex = load(argv[2], 0.0, &net, d);
	if (ex == 0) {
		snn_net_describe(net, stdout);
		int th = snn_net_threads(net) > 0 ? snn_net_threads(net) : 1;
		double bytes = snn_sim_estimate_bytes(net, th);
		printf("total: %llu neurons, about %.0f synapses, %.0f steps\n",
		       (unsigned long long)snn_net_neuron_count(net), snn_net_expected_synapses(net),
		       snn_net_duration_ms(net) / snn_net_dt_ms(net));
		printf("memory estimate: %.1f MB\n", bytes / 1048576.0);
		printf("%s: ok\n", argv[2]);
	}
	snn_net_free(net);
	snn_diag_free(d);
	return ex;
}

static int cmd_run(int argc, char **argv)
{
	struct run_args ra;
	if (parse_run_args(argc, argv, &ra) != 0) {
		return EXIT_BAD_INPUT;
	}
	/* from the start: a signal during the build stops the run once built
	 * (also where the shell started us with SIGINT ignored) */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	snn_diag *d = snn_diag_new();
	if (!d) {
		fprintf(stderr, "snnsim: error: out of memory\n");
		return EXIT_RUN_FAILED;
	}
	snn_net *net = NULL;
	snn_sim *sim = NULL;
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
			       on_progress, &ps};
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
		FILE *f = fopen(ra.summary_json, "w");
		if (!f || snn_stats_write_json(st, f) != SNN_OK) {
			fprintf(stderr, "snnsim: error: %s: cannot write: %s\n", ra.summary_json,
				strerror(errno));
			ex = EXIT_RUN_FAILED;
		}
		if (f && fclose(f) != 0) {
			ex = EXIT_RUN_FAILED;
		}
	}
out:
	snn_sim_free(sim);
	snn_net_free(net);
	snn_diag_free(d);
	return ex;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
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
	fprintf(stderr, "snnsim: error: unknown command '%s' (expected run or check; see "
			"snnsim --help)\n", argv[1]);
	return EXIT_BAD_INPUT;
}
