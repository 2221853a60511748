/*
 * snncc: compiles a network (a NIR graph, a YAML config, or for Loihi-class
 * chips also a lava-dl .net) into a folder of freestanding C for a
 * microcontroller or into a Loihi-class chip image, or runs its quantized
 * form on the host. Layer: tool (thin main): parses the command line, calls
 * the compiler library (cc_job_run), maps the result to 0 (ok), 1 (failed)
 * or 2 (bad input).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_int.h"
#include "snn/loihi.h"

#define EXIT_RUN_FAILED 1
#define EXIT_BAD_INPUT 2

static void usage(FILE *f)
{
	fprintf(f,
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
		"  --dt SECONDS --reset value|subtract --spikes-per-step single|multiple\n"
		"  --integration euler|exact  NIR conventions, as snnsim run\n"
		"  --scale F                  configs: population sizes x F (simulation.scale)\n\n"
		"Loihi-class targets (loihi1-class, loihi2-class; doc/loihi.md):\n"
		"  snncc MODEL --target loihi2-class [-o IMAGE.bin] [--placement P] [--activity S.h5]\n"
		"  maps MODEL (.yaml config, lava-dl .net, NIR graph) onto the chip's cores and writes\n"
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
		"runs --steps steps from step 0 and the report compares rates with snnsim's run.\n");
}

static int parse_u32(const char *s, uint32_t *v, uint32_t lo, uint32_t hi)
{
	char *end;
	unsigned long long x = strtoull(s, &end, 10);
	if (!*s || *end || x < lo || x > hi) {
		return -1;
	}
	*v = (uint32_t)x;
	return 0;
}

static int bad(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "snncc: error: %s %s: expected %s\n", opt, val ? val : "(missing)", want);
	return EXIT_BAD_INPUT;
}

/* The NIR convention options both kinds of target take: --reset,
 * --spikes-per-step, --integration, and (Loihi-class) --input-gain. Returns
 * 0, 1 when a is none of them, or an exit status. */
static int nir_choice(const char *a, const char *v, bool loihi, snn_nir_options *no)
{
	static const char *opt[4] = {"--reset", "--spikes-per-step", "--integration",
				     "--input-gain"};
	static const char *ch[4][2] = {
	    {"value", "subtract"}, {"single", "multiple"}, {"euler", "exact"}, {"euler", "exact"}};
	int w = 0;
	while (w < (loihi ? 4 : 3) && strcmp(a, opt[w]) != 0) {
		w++;
	}
	if (w == (loihi ? 4 : 3)) {
		return 1;
	}
	int k = strcmp(v, ch[w][0]) == 0 ? 0 : strcmp(v, ch[w][1]) == 0 ? 1 : -1;
	if (k < 0) {
		char want[40];
		snprintf(want, sizeof(want), "%s or %s", ch[w][0], ch[w][1]);
		return bad(a, v, want);
	}
	if (w == 0) {
		no->reset = k ? SNN_NIR_RESET_SUBTRACT : SNN_NIR_RESET_VALUE;
	} else if (w == 1) {
		no->spikes = k ? SNN_NIR_SPIKES_MULTIPLE : SNN_NIR_SPIKES_SINGLE;
	} else if (w == 2) {
		no->integration = k ? SNN_NIR_EXACT : SNN_NIR_EULER;
	} else {
		no->input_gain = k ? SNN_NIR_EXACT : SNN_NIR_EULER;
	}
	return 0;
}

/* The options only Loihi-class targets take (snn_loihi_options). Returns 0,
 * 1 when a is none of them, or an exit status. */
static int loihi_option(const char *a, const char *v, snn_loihi_options *lo)
{
	if (strcmp(a, "--activity") == 0) {
		lo->activity_path = v;
	} else if (strcmp(a, "--placement") == 0) {
		static const char *names[] = {"auto", "sequential", "greedy", "metis"};
		int k = 0;
		while (k < 4 && strcmp(v, names[k]) != 0) {
			k++;
		}
		if (k == 4) {
			return bad(a, v, "auto, sequential, greedy or metis");
		}
		lo->placement = (enum snn_loihi_placement)k;
	} else if (strcmp(a, "--weight-sharing") == 0) {
		if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
			return bad(a, v, "on or off");
		}
		lo->no_weight_sharing = strcmp(v, "off") == 0;
	} else {
		return 1;
	}
	return 0;
}

/* The options only the microcontroller targets take (struct cc_options).
 * Returns 0, 1 when a is none of them, or an exit status. */
static int mcu_option(const char *a, const char *v, struct cc_job *j)
{
	uint32_t u;
	if (strcmp(a, "--weight-bits") == 0) {
		if (parse_u32(v, &u, 8, 16) || (u != 8 && u != 16)) {
			return bad(a, v, "8 or 16");
		}
		j->o.weight_bits = u;
	} else if (strcmp(a, "--weight-scale") == 0) {
		if (strcmp(v, "layer") && strcmp(v, "channel")) {
			return bad(a, v, "layer or channel");
		}
		j->o.weight_scale = v[0] == 'c' ? CC_SCALE_CHANNEL : CC_SCALE_LAYER;
	} else if (strcmp(a, "--calibrate") == 0) {
		j->o.calibrate = v;
	} else if (strcmp(a, "--steps") == 0) {
		if (parse_u32(v, &j->o.steps, 1, 1000000)) {
			return bad(a, v, "a number of steps from 1 to 1000000");
		}
	} else if (strcmp(a, "--samples") == 0) {
		if (parse_u32(v, &j->o.samples, 1, 100000)) {
			return bad(a, v, "a number of samples from 1 to 100000");
		}
	} else if (strcmp(a, "--seed") == 0) {
		if (parse_u32(v, &u, 0, UINT32_MAX)) {
			return bad(a, v, "a whole number");
		}
		j->o.seed = u;
	} else if (strcmp(a, "--rate") == 0) {
		char *end;
		j->o.rate = strtod(v, &end);
		if (*end || !(j->o.rate >= 0.0 && j->o.rate <= 1.0)) {
			return bad(a, v, "a probability from 0 to 1");
		}
	} else {
		return 1;
	}
	return 0;
}

/* --help, --version and --list-targets: prints and returns 0, or 1 when a is
 * none of them. */
static int info_option(const char *a)
{
	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
		usage(stdout);
	} else if (strcmp(a, "--version") == 0) {
		printf("%s (runtime %d, Spikeforge %s)\n", CC_VERSION, SNNRT_VERSION, snn_version());
	} else if (strcmp(a, "--list-targets") == 0) {
		for (unsigned k = 0; snn_target_at(k); k++) {
			printf("%-12s %s\n", snn_target_at(k)->name, snn_target_at(k)->describe);
		}
		printf("%-12s %s\n", "loihi1-class",
		       "Loihi-class chip image (1,024 neurons per core; doc/loihi.md)");
		printf("%-12s %s\n", "loihi2-class",
		       "Loihi-class chip image (8,192 neurons per core; doc/loihi.md)");
	} else {
		return 1;
	}
	return 0;
}

/* Parses the command line into j. A Loihi-class --target anywhere selects
 * that backend, whose command line has no 'run', no --help and its own
 * options. Returns -1 when the job is to run, else the exit status. */
static int parse(int argc, char **argv, struct cc_job *j)
{
	bool loihi = false;
	for (int k = 1; k + 1 < argc; k++) {
		if (strcmp(argv[k], "--target") == 0 && snn_loihi_is_target(argv[k + 1])) {
			loihi = true;
		}
	}
	if (loihi) {
		j->backend = "loihi";
		j->loihi.placement = SNN_LOIHI_PLACE_AUTO;
		j->loihi.report = stdout;
	}
	int i = 1;
	if (!loihi && argc > 1 && strcmp(argv[1], "run") == 0) {
		j->run_only = true;
		i = 2;
	}
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		int rc;
		if (!loihi && (rc = info_option(a)) != 1) {
			return rc;
		} else if (a[0] == '-' && !v) {
			return bad(a, NULL, "a value");
		} else if (strcmp(a, "--target") == 0) {
			j->target = v;
		} else if (strcmp(a, "-o") == 0) {
			j->outdir = v;
		} else if (strcmp(a, "--input") == 0) {
			j->o.input = v;
		} else if (strcmp(a, "--dataset") == 0) {
			j->o.dataset = v;
		} else if (strcmp(a, "--scale") == 0) {
			char *end;
			j->o.scale = strtod(v, &end);
			if (*end || !(j->o.scale > 0.0) || !isfinite(j->o.scale)) {
				return bad(a, v, "a positive factor");
			}
		} else if (strcmp(a, "--dt") == 0) {
			char *end;
			j->o.nir.dt_s = strtod(v, &end);
			if (*end || !(j->o.nir.dt_s > 0.0)) {
				return bad(a, v, loihi ? "a step in seconds"
						       : "a positive time step in seconds");
			}
		} else if ((rc = nir_choice(a, v, loihi, &j->o.nir)) != 1 ||
			   (loihi ? (rc = loihi_option(a, v, &j->loihi)) != 1
				  : (rc = mcu_option(a, v, j)) != 1)) {
			if (rc != 0) {
				return rc;
			}
		} else if (a[0] == '-') {
			if (loihi) {
				fprintf(stderr,
					"snncc: error: option %s does not apply to %s (snncc --help)\n",
					a, j->target ? j->target : "Loihi-class targets");
			} else {
				fprintf(stderr, "snncc: error: unknown option %s (snncc --help)\n", a);
			}
			return EXIT_BAD_INPUT;
		} else if (!j->model) {
			j->model = a;
			continue;
		} else {
			fprintf(stderr, "snncc: error: a second model '%s' (one per run)\n", a);
			return EXIT_BAD_INPUT;
		}
		i++; /* the option's value */
	}
	if (!j->model) {
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	if (!loihi && !j->run_only && (!j->target || !j->outdir)) {
		fprintf(stderr, "snncc: error: compiling needs --target and -o DIR "
				"(snncc --help)\n");
		return EXIT_BAD_INPUT;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct cc_job j;
	memset(&j, 0, sizeof(j));
	j.msg = stdout;
	j.o.weight_bits = 8;
	j.o.steps = 100;
	j.o.samples = 1;
	j.o.rate = 0.05;
	j.o.seed = 1;
	snn_nir_options_init(&j.o.nir);
	int status = parse(argc, argv, &j);
	if (status >= 0) {
		return status;
	}
	snn_diag *d = snn_diag_new();
	if (!d) {
		fprintf(stderr, "snncc: error: out of memory\n");
		return EXIT_RUN_FAILED;
	}
	int rc = cc_job_run(&j, d);
	/* the Loihi mapper's warnings are printed on success too */
	if (rc != SNN_OK || j.backend) {
		snn_diag_print(d, stderr);
	}
	snn_diag_free(d);
	return rc == SNN_OK ? 0 : rc == SNN_ENOMEM || rc == SNN_EIO ? EXIT_RUN_FAILED
								    : EXIT_BAD_INPUT;
}
