/*
 * snnsim: run and check network simulations described in config files, NIR
 * graphs or lava-dl netx networks.
 * Layer: tool. Its option tables and usage text, and the calls into libsnn
 * and the shared command line (cli/); exit codes by snn_exit_status.
 */
#include "config.h"

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "snn/loihi.h"
#include "snn/snn.h"

/* The options of run (and of check and inspect, which take a few of them). */
struct run_args {
	const char *config;
	/* NIR graphs */
	snn_nir_options nir;
	const char *input;
	const char *dataset;
	const char *loihi; /* --loihi TARGET */
	bool record_state;
	struct cli_list record;
	/* every model */
	int threads;
	struct cli_overrides ov; /* --seed, --backend, --engine, --duration */
	double scale;
	const char *output;
	const char *summary_json;
	const char *format;
	bool quiet;
	const char *stream;
	bool view;
};

/* The group of the options that apply to NIR graphs only. */
enum { NIR_ONLY = 1 };

#define F(x) offsetof(struct run_args, x)
/* A row: name, short name, kind, field, value's name, what a bad value
 * expects, choices, min, max, group, help, and optionally the name in
 * messages and the field that says a value was given. */
#define OPT(n, s, k, f, a, e, c, lo, hi, g, ...)                                               \
	{                                                                                      \
		.name = n, .short_name = s, .kind = k, .offset = f, .arg = a, .expects = e,    \
		.choices = c, .min = lo, .max = hi, .group = g, OPT_TAIL(__VA_ARGS__, 0, 0, 0) \
	}
#define OPT_TAIL(h, sy, fo, ...) .help = h, .say = sy, .flag_offset = fo

static const struct cli_option run_options[] = {
    OPT("--threads", 0, CLI_INT, F(threads), "N", "a whole number from 1 to 4096", NULL, 1, 4096, 0,
	"worker threads (default: the config's 'threads', else\n"
	"OMP_NUM_THREADS, else all cores); the spikes do not\ndepend on it"),
    OPT("--seed", 0, CLI_U64, F(ov.seed), "S", "a whole number", NULL, 0, 0, 0,
	"random seed (overrides the config)", NULL, F(ov.seed_set)),
    OPT("--engine", 0, CLI_CHOICE, F(ov.engine), "E", "grid or event", "grid|event", 0, 0, 0,
	"grid (the time grid of step dt) or event (exact,\n"
	"event-driven: spike times off the grid, delays as\n"
	"written); overrides the config's simulation.engine"),
    OPT("--duration", 0, CLI_STRING, F(ov.duration), "T", "a time such as 200ms", NULL, 0, 0, 0,
	"biological time with its unit, e.g. 200ms or '1.5 s'"),
    OPT("--scale", 0, CLI_POSITIVE, F(scale), "F", "a positive number", NULL, 0, 1e6, 0,
	"population sizes times F, keeping each neuron's mean\n"
	"in-degree (overrides simulation.scale)"),
    OPT("--backend", 0, CLI_CHOICE, F(ov.backend), "B", "cpu or cuda", "cpu|cuda", 0, 0, 0,
	"cpu (OpenMP threads) or cuda (an NVIDIA GPU; the same\n"
	"spikes); overrides simulation.backend"),
    OPT("--output", 'o', CLI_STRING, F(output), "FILE", "a file name", NULL, 0, 0, 0,
	"spike file; records every population's spikes unless\n"
	"the config's record section chooses (a netx network:\n"
	"every population's, always)",
	"-o"),
    OPT("--format", 0, CLI_CHOICE, F(format), "F", "hdf5 or csv", "hdf5|csv", 0, 0, 0,
	"hdf5 (SONATA spike layout) or csv; default: csv for a\n"
	"FILE ending in .csv, else hdf5"),
    OPT("--summary-json", 0, CLI_STRING, F(summary_json), "FILE", "a file name", NULL, 0, 0, 0,
	"also write the run summary as JSON"),
    OPT("--stream", 0, CLI_STRING, F(stream), "SOCKET", "a socket path", NULL, 1, 0, 0,
	"stream spikes live to a Unix socket (this machine only)\n"
	"for 'snnview --attach SOCKET'; a slow or absent viewer\n"
	"never slows the run: what it cannot take is dropped"),
    OPT("--view", 0, CLI_FLAG, F(view), NULL, NULL, NULL, 0, 0, 0,
	"open snnview on a live stream of this run (needs a\n"
	"display; the viewer may be closed at any time)"),
    OPT("--quiet", 'q', CLI_FLAG, F(quiet), NULL, NULL, NULL, 0, 0, 0, "print only errors"),
    {.name = NULL},
};

static const struct cli_option nir_run_options[] = {
    OPT("--input", 0, CLI_STRING, F(input), "FILE", "a file name", NULL, 0, 0, NIR_ONLY,
	"input tensors: a dataset samples x steps x inputs, or\n"
	"NIR's NIRGraphData (TimeGriddedData or EventData)"),
    OPT("--dataset", 0, CLI_STRING, F(dataset), "NAME", "a dataset name", NULL, 0, 0, NIR_ONLY,
	"the dataset of FILE to read (default: its only one)"),
    OPT("--output", 'o', CLI_SEE, F(output), "FILE", NULL, NULL, 0, 0, 0,
	"outputs of every sample in NIR's NIRGraphData layout\n"
	"(default: MODEL's name with _out.h5, here)"),
    OPT("--record-state", 0, CLI_FLAG, F(record_state), NULL, NULL, NULL, 0, 0, NIR_ONLY,
	"also record v (and i) of the layers feeding Output nodes"),
    OPT("--record", 0, CLI_LIST, F(record), "POP", "a population name", NULL, 0, 0, NIR_ONLY,
	"also record the output and state of population POP"),
    OPT("--loihi", 0, CLI_CHOICE, F(loihi), "TARGET", "loihi1-class or loihi2-class",
	"loihi1-class|loihi2-class", 0, 0, NIR_ONLY,
	"convert the graph to loihi_lif (loihi1-class or\n"
	"loihi2-class; doc/loihi.md) and run that network: -o\n"
	"then writes SONATA spikes of every population, input\n"
	"ports included, which 'snnemu IMAGE --input' reads\n"
	"(default: MODEL's name with _loihi.h5, here); the\n"
	"image of the same network: snncc MODEL.nir --target\n"
	"TARGET --input FILE -o IMAGE"),
    {.name = NULL},
};

/* Spelled and checked by snn_nir_option_set; these rows give the help. */
static const struct cli_option nir_conventions[] = {
    OPT("--dt", 0, CLI_NIR, F(nir), "T", NULL, NULL, 0, 0, NIR_ONLY,
	"time step, seconds or with a unit (default 1e-4)"),
    OPT("--reset", 0, CLI_NIR, F(nir), "value|subtract", NULL, NULL, 0, 0, NIR_ONLY,
	"after a spike (default value: v_reset)"),
    OPT("--spikes-per-step", 0, CLI_NIR, F(nir), "single|multiple", NULL, NULL, 0, 0, NIR_ONLY,
	"(default single)"),
    OPT("--integration", 0, CLI_NIR, F(nir), "euler|exact", NULL, NULL, 0, 0, NIR_ONLY,
	"decay of leaky states (default euler)"),
    OPT("--input-gain", 0, CLI_NIR, F(nir), "euler|exact", NULL, NULL, 0, 0, NIR_ONLY,
	"gain of the input (default: as integration)"),
    OPT("--integrator-gain", 0, CLI_NIR, F(nir), "step|dt", NULL, NULL, 0, 0, NIR_ONLY,
	"I and IF: v += r I per step, or dt r I"),
    OPT("--recurrent-delay", 0, CLI_NIR, F(nir), "N", NULL, NULL, 0, 0, NIR_ONLY,
	"steps on edges that close a cycle (default 1)"),
    OPT("--edge-delay", 0, CLI_NIR, F(nir), "N", NULL, NULL, 0, 0, NIR_ONLY,
	"steps on every path into a neuron layer (default 0)"),
    {.name = NULL},
};

static const struct cli_option check_options[] = {
    OPT("--scale", 0, CLI_POSITIVE, F(scale), "F", "a positive number", NULL, 0, 1e6, 0, ""),
    {.name = NULL},
};

#undef OPT_TAIL
#undef OPT
#undef F

static const struct cli_option *const run_tables[] = {run_options, nir_run_options, nir_conventions,
						      NULL};
static const struct cli_option *const inspect_tables[] = {nir_conventions, NULL};
static const struct cli_option *const check_tables[] = {check_options, NULL};

static const struct cli_command run_cmd = {
    .prog = "snnsim", .tables = run_tables, .max_positional = 1, .too_many = "config file"};
static const struct cli_command inspect_cmd = {
    .prog = "snnsim", .tables = inspect_tables, .max_positional = 1, .too_many = "graph"};
static const struct cli_command check_cmd = {.prog = "snnsim",
					     .tables = check_tables,
					     .max_positional = 1,
					     .usage_error = "snnsim check CONFIG [--scale F]"};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: snnsim run CONFIG [options]   simulate the network of a config file\n"
	    "       snnsim check CONFIG [--scale F]\n"
	    "                                     validate a config; print the network, its\n"
	    "                                     expected size and a memory estimate\n"
	    "       snnsim run MODEL.nir --input FILE [options]\n"
	    "                                     run a NIR graph on input tensors\n"
	    "       snnsim inspect MODEL.nir [NIR options]\n"
	    "                                     print a NIR graph: nodes, shapes, parameters,\n"
	    "                                     populations, synapses, what was assumed\n"
	    "       snnsim run MODEL.net [options]\n"
	    "                                     run a lava-dl netx network for the duration\n"
	    "                                     its file gives: every population's spikes to\n"
	    "                                     -o FILE (default: MODEL's name with\n"
	    "                                     _spikes.h5, here)\n"
	    "       snnsim check|inspect MODEL.net\n"
	    "                                     print a netx network's populations, size and\n"
	    "                                     memory estimate\n"
	    "       snnsim --help | --version\n"
	    "The kind of model is found by the file's content, not its name.\n"
	    "\n"
	    "Options of run:\n");
	cli_usage(out, run_options);
	fprintf(out, "\nOptions of run for NIR graphs (HDF5 files written by nir.write):\n");
	cli_usage(out, nir_run_options);
	fprintf(out, "NIR conventions (run and inspect; doc/nir.md):\n");
	cli_usage(out, nir_conventions);
	fprintf(out, "\n"
		     "Exit status: 0 success, 1 the run failed (out of memory, a file that cannot\n"
		     "be read or written, interrupted, no device), 2 bad input or usage.\n"
		     "Config reference: doc/config.md in the Spikeforge sources.\n");
}

/* Prints a failed call's diagnostics and gives its exit code. */
static int failed(const snn_diag *d, int rc)
{
	snn_diag_print(d, stderr);
	return snn_exit_status(rc);
}

/* Loads any model with the options of ra; prints why not. */
static int load(const struct run_args *ra, snn_net **net, snn_diag *d)
{
	snn_load_options o = {ra->scale, ra->nir};
	return cli_load_model(ra->config, &o, net, d);
}

/* snnsim run MODEL.nir --input FILE --loihi TARGET: the graph converted to
 * loihi_lif (snn_nir_to_loihi, the network snncc maps) run on the CPU engine,
 * spikes of every population to a SONATA file. */
static int run_nir_loihi(const struct run_args *ra, const snn_net *nir, const snn_nir_data *in,
			 snn_diag *d)
{
	snn_nir_loihi_options lo;
	snn_nir_loihi_options_init(&lo);
	lo.input_path = ra->input;
	lo.report = ra->quiet ? NULL : stdout;
	snn_net *net = NULL;
	int rc = snn_nir_to_loihi(nir, in, &lo, &net, d);
	fflush(stdout);
	snn_diag_print(d, stderr); /* the warnings, or the error */
	snn_diag_clear(d);
	if (rc != SNN_OK) {
		return snn_exit_status(rc);
	}
	char defout[1024];
	const char *output =
	    ra->output ? ra->output
		       : cli_default_output(ra->config, "_loihi.h5", defout, sizeof(defout));
	const char *inputs[] = {ra->config, ra->input};
	int ex = cli_check_output("snnsim", output, true, inputs, 2);
	if (ex) {
		snn_net_free(net);
		return ex;
	}
	snn_sim_options opt = {.threads = ra->threads,
			       .spike_path = output,
			       .format = SNN_SPIKES_HDF5,
			       .record_all = true};
	char wrote[1200];
	snprintf(wrote, sizeof(wrote), "spikes of every population (%s) written to %s", ra->loihi,
		 output);
	ex = cli_sim_run("snnsim", net, &opt, ra->quiet, wrote, ra->summary_json, NULL, d);
	snn_net_free(net);
	return ex;
}

/* The options of run that a NIR graph refuses: 0, or 2 after saying why. */
static int nir_refuses(const struct run_args *ra)
{
	const char *why = NULL;
	if (!ra->input) {
		why = "a NIR graph runs on input tensors: give --input FILE (see snnsim --help)";
	} else if (ra->ov.seed_set || ra->ov.duration || ra->format) {
		why = "--seed, --duration and --format do not apply to NIR graphs (the input sets "
		      "the duration; outputs are HDF5)";
	} else if (ra->ov.backend && strcmp(ra->ov.backend, "cpu") != 0) {
		fprintf(stderr,
			"snnsim: error: --backend %s: NIR graphs run on the cpu backend only "
			"(the cuda backend has no graded spikes or NIR neuron models)\n",
			ra->ov.backend);
		return SNN_EXIT_BAD_INPUT;
	} else if (ra->ov.engine && strcmp(ra->ov.engine, "grid") != 0) {
		fprintf(stderr,
			"snnsim: error: --engine %s does not apply to NIR graphs: they run "
			"on the time grid of their dt\n",
			ra->ov.engine);
		return SNN_EXIT_BAD_INPUT;
	} else if (ra->loihi && (ra->stream || ra->view || ra->record_state || ra->record.n)) {
		why = "--loihi writes the spikes of every population; --stream, --view, --record "
		      "and --record-state do not apply";
	}
	if (why) {
		fprintf(stderr, "snnsim: error: %s\n", why);
		return SNN_EXIT_BAD_INPUT;
	}
	return 0;
}

/* snnsim run MODEL.nir --input FILE ... */
static int cmd_run_nir(const struct run_args *ra, snn_diag *d)
{
	snn_net *net = NULL;
	snn_nir_data *in = NULL;
	struct cli_live lv;
	memset(&lv, 0, sizeof(lv));
	int ex = load(ra, &net, d);
	if (ex) {
		goto out;
	}
	char defout[1024];
	const char *output =
	    ra->output ? ra->output
		       : cli_default_output(ra->config, "_out.h5", defout, sizeof(defout));
	const char *inputs[] = {ra->config, ra->input};
	if (!ra->loihi && (ex = cli_check_output("snnsim", output, true, inputs, 2)) != 0) {
		goto out;
	}
	int rc = snn_nir_data_read(ra->input, net, ra->dataset, &in, d);
	if (rc != SNN_OK) {
		ex = failed(d, rc);
		goto out;
	}
	if (ra->loihi) {
		ex = run_nir_loihi(ra, net, in, d);
		goto out;
	}
	uint32_t samples = snn_nir_data_samples(in), steps = snn_nir_data_steps(in);
	if (!ra->quiet) {
		printf("%s: %llu neurons and relays, about %.0f synapses; %u sample%s of %u steps "
		       "(dt %g s)\n",
		       ra->config, (unsigned long long)snn_net_neuron_count(net),
		       snn_net_expected_synapses(net), samples, samples == 1 ? "" : "s", steps,
		       ra->nir.dt_s);
		size_t na = snn_nir_assumption_count(net);
		if (na) {
			printf(
			    "the loader assumed %zu thing%s about the file (snnsim inspect lists "
			    "them)\n",
			    na, na == 1 ? "" : "s");
		}
		fflush(stdout);
	}
	snn_nir_run_options ro = {
	    ra->threads, ra->record_state, ra->record.v, ra->record.n, NULL, NULL, NULL, NULL};
	/* the samples follow one another on the stream */
	double total_ms = (double)samples * steps * snn_net_dt_ms(net);
	if (ra->stream || ra->view) {
		if (cli_live_open("snnsim", ra->stream, ra->view, ra->quiet, net, total_ms, &lv,
				  d) != 0) {
			ex = SNN_EXIT_RUN_FAILED;
			goto out;
		}
		ro.on_spikes = snn_stream_on_spikes;
		ro.spikes_ctx = lv.w;
	}
	ex = cli_nir_run("snnsim", net, in, &ro, ra->quiet, output, ra->summary_json, &lv, total_ms,
			 d);
out:
	cli_live_close("snnsim", &lv, false, 0.0, true);
	snn_nir_data_free(in);
	snn_net_free(net);
	return ex;
}

/* snnsim run CONFIG|MODEL.net ...: a netx network has no record section, so
 * it records every population, by default to MODEL_spikes.h5 here. */
static int cmd_run_net(const struct run_args *ra, bool netx, snn_diag *d)
{
	snn_net *net = NULL;
	struct cli_live lv;
	memset(&lv, 0, sizeof(lv));
	int ex = load(ra, &net, d);
	if (ex || (ex = cli_override("snnsim", &ra->ov, net, d)) != 0) {
		goto out;
	}
	char defout[1024];
	const char *output = ra->output;
	if (netx && !output) {
		output = cli_default_output(ra->config, "_spikes.h5", defout, sizeof(defout));
	}
	/* without --format, an output named *.csv is written as CSV */
	bool csv =
	    ra->format ? strcmp(ra->format, "csv") == 0 : output && cli_ends_with(output, ".csv");
	/* -o records every population unless the config chose what to record,
	 * in which case it only names the file */
	const char *inputs[] = {ra->config};
	if ((ex = cli_check_output("snnsim", output, !csv, inputs, 1)) != 0) {
		goto out;
	}
	snn_sim_options opt = {.threads = ra->threads,
			       .spike_path = output,
			       .format = csv ? SNN_SPIKES_CSV : SNN_SPIKES_HDF5,
			       .record_all = output != NULL && !snn_net_records_spikes(net)};
	if (ra->stream || ra->view) {
		if (cli_live_open("snnsim", ra->stream, ra->view, ra->quiet, net,
				  snn_net_duration_ms(net), &lv, d) != 0) {
			ex = SNN_EXIT_RUN_FAILED;
			goto out;
		}
		opt.on_spikes = snn_stream_on_spikes;
		opt.spikes_ctx = lv.w;
	}
	if (!ra->quiet) {
		printf("%s: %llu neurons, about %.0f synapses, %g ms\n", ra->config,
		       (unsigned long long)snn_net_neuron_count(net),
		       snn_net_expected_synapses(net), snn_net_duration_ms(net));
		fflush(stdout);
	}
	ex = cli_sim_run("snnsim", net, &opt, ra->quiet, NULL, ra->summary_json, &lv, d);
out:
	cli_live_close("snnsim", &lv, false, 0.0, true);
	snn_net_free(net);
	return ex;
}

/* Parses the options of a command into ra. Returns 0 or an exit code. */
static int parse(const struct cli_command *c, int argc, char **argv, struct run_args *ra,
		 struct cli_parsed *p)
{
	memset(ra, 0, sizeof(*ra));
	snn_nir_options_init(&ra->nir);
	int rc = cli_parse(c, argc, argv, 2, ra, p);
	ra->config = p->n_positional ? p->positional[0] : NULL;
	return rc == SNN_OK ? 0 : snn_exit_status(rc);
}

static int cmd_run(int argc, char **argv)
{
	cli_catch_signals();
	struct run_args ra;
	struct cli_parsed p;
	snn_diag *d = NULL;
	int ex = parse(&run_cmd, argc, argv, &ra, &p);
	if (ex) {
		goto out;
	}
	if (!ra.config) {
		fprintf(stderr, "snnsim: error: run needs a config file (see snnsim --help)\n");
		ex = SNN_EXIT_BAD_INPUT;
		goto out;
	}
	if (ra.view && ra.stream) {
		fprintf(stderr, "snnsim: error: --view makes its own stream; give either --view or "
				"--stream SOCKET\n");
		ex = SNN_EXIT_BAD_INPUT;
		goto out;
	}
	enum snn_model_format fmt = snn_model_detect(ra.config);
	if (fmt == SNN_MODEL_NIR) {
		ex = nir_refuses(&ra);
	} else if (p.groups & NIR_ONLY) {
		fprintf(stderr, "snnsim: error: %s applies to NIR graphs only\n", p.group_name);
		ex = SNN_EXIT_BAD_INPUT;
	}
	if (ex) {
		goto out;
	}
	d = snn_diag_new();
	if (!d) {
		fprintf(stderr, "snnsim: error: out of memory\n");
		ex = SNN_EXIT_RUN_FAILED;
		goto out;
	}
	ex =
	    fmt == SNN_MODEL_NIR ? cmd_run_nir(&ra, d) : cmd_run_net(&ra, fmt == SNN_MODEL_NETX, d);
out:
	snn_diag_free(d);
	cli_list_free(&ra.record);
	return ex;
}

/* snnsim check|inspect: a NIR graph's nodes (snn_nir_inspect), or a config's
 * or netx network's populations, size and memory estimate. */
static int describe(const struct run_args *ra, enum snn_model_format fmt)
{
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	if (!d) {
		fprintf(stderr, "snnsim: error: out of memory\n");
		return SNN_EXIT_RUN_FAILED;
	}
	int ex = load(ra, &net, d);
	if (ex == 0) {
		cli_print_model(stdout, ra->config, net, fmt);
	}
	snn_net_free(net);
	snn_diag_free(d);
	return ex;
}

/* snnsim inspect MODEL [NIR options] and snnsim check CONFIG [--scale F]:
 * parses c's options, refuses those that do not apply to the model's kind
 * (inspect takes only NIR conventions, check only --scale), and describes
 * the model. usage is the line printed when MODEL is missing. */
static int cmd_describe(const struct cli_command *c, const char *usage, int argc, char **argv)
{
	struct run_args ra;
	struct cli_parsed p;
	int ex = parse(c, argc, argv, &ra, &p);
	if (ex) {
		return ex;
	}
	if (!ra.config) {
		fprintf(stderr, "snnsim: error: usage: %s\n", usage);
		return SNN_EXIT_BAD_INPUT;
	}
	enum snn_model_format fmt = snn_model_detect(ra.config);
	if (fmt != SNN_MODEL_NIR && p.groups) {
		fprintf(stderr, "snnsim: error: %s applies to NIR graphs only\n", p.group_name);
		return SNN_EXIT_BAD_INPUT;
	}
	if (fmt == SNN_MODEL_NIR && ra.scale > 0) {
		fprintf(stderr, "snnsim: error: --scale applies to configs, not NIR graphs\n");
		return SNN_EXIT_BAD_INPUT;
	}
	return describe(&ra, fmt);
}

int main(int argc, char **argv)
{
	/* a viewer that goes away must not kill the run (the stream also sends
	 * with MSG_NOSIGNAL) */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return SNN_EXIT_BAD_INPUT;
	}
	/* snnsim run --help and the like: the one usage text covers every command */
	if (strcmp(argv[1], "help") == 0 || cli_find(argc, argv, 1, "--help|-h")) {
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
		return cmd_describe(&check_cmd, "snnsim check CONFIG [--scale F]", argc, argv);
	}
	if (strcmp(argv[1], "inspect") == 0) {
		return cmd_describe(&inspect_cmd, "snnsim inspect MODEL.nir [NIR options]", argc,
				    argv);
	}
	fprintf(stderr,
		"snnsim: error: unknown command '%s' (expected run, check or inspect; see "
		"snnsim --help)\n",
		argv[1]);
	return SNN_EXIT_BAD_INPUT;
}
