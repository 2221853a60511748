/*
 * snncc: compiles a network (a NIR graph, a YAML config, or for Loihi-class
 * chips also a lava-dl .net) into a folder of freestanding C for a
 * microcontroller or into a Loihi-class chip image, or runs its quantized
 * form on the host. Layer: tool (thin main): its usage text and option
 * tables over cli/, one call into the compiler library (cc_job_run), and the
 * exit code by snn_exit_status (0 ok, 1 run failed, 2 bad input or usage).
 */
#include "config.h"

#include <float.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cc_int.h"
#include "cli_int.h"
#include "snn/loihi.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: snncc MODEL.nir|MODEL.yaml --target TARGET -o DIR [options]\n"
	    "       snncc run MODEL [options]     quantized run on the host, error report\n"
	    "       snncc --list-targets | --help | --version\n\n"
	    "Quantizes the network, lays it out as constant tables and one RAM struct, and\n"
	    "writes DIR with the runtime, a main.c for the target's board, a Makefile\n"
	    "(make -C DIR; make -C DIR run checks the image against the host run in QEMU)\n"
	    "and report.txt (flash, RAM, synaptic events per step, quantization error).\n\n"
	    "options:\n"
	    "  --target NAME              host, cortex-m3, cortex-m4, riscv32, loihi1-class,\n"
	    "                             loihi2-class (--list-targets)\n"
	    "  -o DIR                     output folder (created; files replaced)\n"
	    "  --weight-bits 8|16         weight width (default 8)\n"
	    "  --weight-scale layer|channel  one weight scale per layer (default), or per\n"
	    "                             output channel (conv) and target neuron (dense)\n"
	    "  --input FILE.h5            test input (as snnsim run --input); the image runs\n"
	    "                             its first sample, the error report all of them\n"
	    "  --dataset NAME             dataset of --input\n"
	    "  --calibrate FILE.h5        input whose float run sets the state scales\n"
	    "                             (default: the test input's first 8 samples)\n"
	    "  --steps N --samples N      drawn test input when no --input (default 100, 1)\n"
	    "  --rate P                   drawn input: spike probability per step (0.05)\n"
	    "  --seed N                   drawn input: seed (default 1)\n"
	    "  --dt T --reset value|subtract --spikes-per-step single|multiple\n"
	    "  --integration euler|exact  NIR conventions, as snnsim run (T: 1e-4 or 0.1ms)\n"
	    "  --scale F                  configs: population sizes x F (simulation.scale)\n\n"
	    "Loihi-class targets (loihi1-class, loihi2-class; doc/loihi.md):\n"
	    "  snncc MODEL --target loihi2-class [-o IMAGE.bin] [--placement P] [--activity S.h5]\n"
	    "  maps MODEL (.yaml config, lava-dl .net, NIR graph) onto the chip's cores and "
	    "writes\n"
	    "  the chip image for snnemu (without -o: the mapping report only, any neuron model)\n"
	    "  A NIR graph is first converted to loihi_lif as 'snnsim run MODEL.nir --loihi\n"
	    "  TARGET' converts it; give the same --input FILE [--dataset NAME] (the run's\n"
	    "  length and the resets between samples come from it) and conventions (--dt,\n"
	    "  --reset, --spikes-per-step, --integration, --input-gain)\n"
	    "  --placement auto|sequential|greedy|metis   (default auto)\n"
	    "  --activity FILE.h5         spikes of a run of MODEL (snnsim run -o): the mapper\n"
	    "                             weighs each source by its spikes, the report gives the\n"
	    "                             spikes crossing cores per step\n"
	    "  --weight-sharing on|off    convolutions as kernels stored once per core where the\n"
	    "                             target has them (loihi2-class; default on), or expanded\n"
	    "Configs (.yaml): lif populations, rule-based projections expanded as snnsim\n"
	    "builds them, Poisson stimuli drawn on the chip as snnsim draws them; the image\n"
	    "runs --steps steps from step 0 and the report compares rates with snnsim's run.\n\n"
	    "Exit status: 0 success, 1 the run failed (out of memory, a file that cannot\n"
	    "be read or written), 2 bad input or usage.\n");
}

/* The command line: the job, and the values that the job holds in other
 * types (cc_job_run's fields are filled from them after the parse). */
struct cc_args {
	struct cc_job j;
	int weight_bits; /* the word: 0 for 8, 1 for 16 */
	int weight_scale;
	int steps, samples;
	unsigned long long seed;
	int sharing; /* 0 on, 1 off */
};

#define F(x) offsetof(struct cc_args, x)
/* A row: name, kind, field, what a bad value expects, choices, min, max. */
#define OPT(n, k, f, e, c, lo, hi)                                                           \
	{                                                                                    \
		.name = n, .kind = k, .offset = F(f), .expects = e, .choices = c, .min = lo, \
		.max = hi                                                                    \
	}
#define NIR(n)                                                   \
	{                                                        \
		.name = n, .kind = CLI_NIR, .offset = F(j.o.nir) \
	}

/* Options of every target; the usage text above describes them all. */
static const struct cli_option common_options[] = {
    OPT("--target", CLI_STRING, j.target, NULL, NULL, 0, 0),
    OPT("-o", CLI_STRING, j.outdir, NULL, NULL, 0, 0),
    OPT("--input", CLI_STRING, j.o.input, NULL, NULL, 0, 0),
    OPT("--dataset", CLI_STRING, j.o.dataset, NULL, NULL, 0, 0),
    OPT("--scale", CLI_POSITIVE, j.o.scale, "a positive factor", NULL, 0, DBL_MAX),
    NIR("--dt"),
    NIR("--reset"),
    NIR("--spikes-per-step"),
    NIR("--integration"),
    {.name = NULL},
};

/* The microcontroller targets (struct cc_options). */
static const struct cli_option mcu_options[] = {
    OPT("--weight-bits", CLI_WORD, weight_bits, "8 or 16", "8|16", 0, 0),
    OPT("--weight-scale", CLI_WORD, weight_scale, "layer or channel", "layer|channel", 0, 0),
    OPT("--calibrate", CLI_STRING, j.o.calibrate, NULL, NULL, 0, 0),
    OPT("--steps", CLI_INT, steps, "a number of steps from 1 to 1000000", NULL, 1, 1000000),
    OPT("--samples", CLI_INT, samples, "a number of samples from 1 to 100000", NULL, 1, 100000),
    OPT("--seed", CLI_U64, seed, "a whole number", NULL, 0, UINT32_MAX),
    OPT("--rate", CLI_NUMBER, j.o.rate, "a probability from 0 to 1", NULL, 0, 1),
    {.name = NULL},
};

/* The Loihi-class targets (snn_loihi_options, and the input gain of the
 * NIR conversion). */
static const struct cli_option loihi_options[] = {
    NIR("--input-gain"),
    OPT("--activity", CLI_STRING, j.loihi.activity_path, NULL, NULL, 0, 0),
    {.name = "--placement",
     .kind = CLI_CALL,
     .offset = F(j.loihi.placement),
     .set = cli_set_placement},
    OPT("--weight-sharing", CLI_WORD, sharing, "on or off", "on|off", 0, 0),
    {.name = NULL},
};

#undef NIR
#undef OPT
#undef F

static const struct cli_option *const mcu_tables[] = {common_options, mcu_options, NULL};
static const struct cli_option *const loihi_tables[] = {common_options, loihi_options, NULL};
static const struct cli_command mcu_cmd = {.prog = "snncc",
					   .tables = mcu_tables,
					   .max_positional = 1,
					   .style = CLI_SAY_EXPECTED,
					   .tool_says_stray = true};
static const struct cli_command loihi_cmd = {.prog = "snncc",
					     .tables = loihi_tables,
					     .max_positional = 1,
					     .style = CLI_SAY_EXPECTED,
					     .tool_says_stray = true};

/* --help, --version and --list-targets (wherever they stand): prints. */
static void info(const char *a)
{
	if (strcmp(a, "--version") == 0) {
		printf("%s (runtime %d, Spikeforge %s)\n", CC_VERSION, SNNRT_VERSION,
		       snn_version());
	} else if (strcmp(a, "--list-targets") == 0) {
		for (unsigned k = 0; snn_target_at(k); k++) {
			printf("%-12s %s\n", snn_target_at(k)->name, snn_target_at(k)->describe);
		}
		printf("%-12s %s\n", "loihi1-class",
		       "Loihi-class chip image (1,024 neurons per core; doc/loihi.md)");
		printf("%-12s %s\n", "loihi2-class",
		       "Loihi-class chip image (8,192 neurons per core; doc/loihi.md)");
	} else {
		usage(stdout);
	}
}

/* Whether a --target names a Loihi-class chip: that backend's table, which
 * has no 'run' and options of its own. */
static bool loihi_target(int argc, char **argv)
{
	for (int k = 1; k < argc; k++) {
		const char *v = strcmp(argv[k], "--target") == 0 ? (k + 1 < argc ? argv[k + 1] : "")
				: strncmp(argv[k], "--target=", 9) == 0 ? argv[k] + 9
									: "";
		if (snn_loihi_is_target(v)) {
			return true;
		}
	}
	return false;
}

/* Parses the command line into a. Returns -1 when the job is to run, else
 * the exit status. */
static int parse(int argc, char **argv, struct cc_args *a)
{
	struct cc_job *j = &a->j;
	bool loihi = loihi_target(argc, argv);
	if (loihi) {
		j->backend = "loihi";
		j->loihi.placement = SNN_LOIHI_PLACE_AUTO;
		j->loihi.report = stdout;
	}
	j->run_only = !loihi && argc > 1 && strcmp(argv[1], "run") == 0;
	struct cli_parsed p;
	int rc = cli_parse(loihi ? &loihi_cmd : &mcu_cmd, argc, argv, j->run_only ? 2 : 1, a, &p);
	if (p.stray && p.stray[0] == '-' && loihi) {
		fprintf(stderr, "snncc: error: option %s does not apply to %s (snncc --help)\n",
			p.stray, j->target ? j->target : "Loihi-class targets");
	} else if (p.stray && p.stray[0] == '-') {
		fprintf(stderr, "snncc: error: unknown option %s (snncc --help)\n", p.stray);
	} else if (p.stray) {
		fprintf(stderr, "snncc: error: a second model '%s' (one per run)\n", p.stray);
	}
	if (rc != SNN_OK) {
		return snn_exit_status(rc);
	}
	j->model = p.n_positional ? p.positional[0] : NULL;
	j->o.weight_bits = a->weight_bits ? 16 : 8;
	j->o.weight_scale = a->weight_scale ? CC_SCALE_CHANNEL : CC_SCALE_LAYER;
	j->o.steps = (uint32_t)a->steps;
	j->o.samples = (uint32_t)a->samples;
	j->o.seed = a->seed;
	j->loihi.no_weight_sharing = a->sharing == 1;
	if (!j->model) {
		usage(stderr);
		return SNN_EXIT_BAD_INPUT;
	}
	if (!loihi && !j->run_only && (!j->target || !j->outdir)) {
		fprintf(stderr, "snncc: error: compiling needs --target and -o DIR "
				"(snncc --help)\n");
		return SNN_EXIT_BAD_INPUT;
	}
	return -1;
}

int main(int argc, char **argv)
{
	int k = cli_find(argc, argv, 1, "--help|-h|--version|--list-targets");
	if (k) {
		info(argv[k]);
		return SNN_EXIT_OK;
	}
	struct cc_args a;
	memset(&a, 0, sizeof(a));
	a.j.msg = stdout;
	a.steps = 100;
	a.samples = 1;
	a.j.o.rate = 0.05;
	a.seed = 1;
	snn_nir_options_init(&a.j.o.nir);
	int status = parse(argc, argv, &a);
	if (status >= 0) {
		return status;
	}
	snn_diag *d = snn_diag_new();
	if (!d) {
		fprintf(stderr, "snncc: error: out of memory\n");
		return SNN_EXIT_RUN_FAILED;
	}
	int rc = cc_job_run(&a.j, d);
	/* the Loihi mapper's warnings are printed on success too */
	if (rc != SNN_OK || a.j.backend) {
		snn_diag_print(d, stderr);
	}
	snn_diag_free(d);
	return snn_exit_status(rc);
}
