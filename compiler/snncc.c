/*
 * snncc: compiles a trained network (a NIR graph) into a folder of
 * freestanding C for a microcontroller, or runs its quantized form on the
 * host. Layer: tool (thin main): parses the command line, calls the
 * compiler, maps the result to 0 (ok), 1 (failed) or 2 (bad input).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cc_int.h"
#include "snn/loihi.h"
#include "snn/netx.h"

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

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* snncc MODEL --target loihi1-class|loihi2-class: the mapper and the chip
 * image (snn_loihi_compile_opts). */
static int loihi_main(int argc, char **argv)
{
	const char *model = NULL, *target = NULL, *out = NULL, *input = NULL, *dataset = NULL;
	snn_loihi_options lo = {.placement = SNN_LOIHI_PLACE_AUTO, .report = stdout};
	snn_nir_options no;
	snn_nir_options_init(&no);
	double scale = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] == '-' && !v) {
			return bad(a, NULL, "a value");
		} else if (strcmp(a, "--target") == 0) {
			target = v;
			i++;
		} else if (strcmp(a, "-o") == 0) {
			out = v;
			i++;
		} else if (strcmp(a, "--activity") == 0) {
			lo.activity_path = v;
			i++;
		} else if (strcmp(a, "--input") == 0) {
			input = v;
			i++;
		} else if (strcmp(a, "--dataset") == 0) {
			dataset = v;
			i++;
		} else if (strcmp(a, "--dt") == 0) {
			char *end;
			no.dt_s = strtod(v, &end);
			if (*end || !(no.dt_s > 0.0)) {
				return bad(a, v, "a step in seconds");
			}
			i++;
		} else if (strcmp(a, "--reset") == 0 || strcmp(a, "--spikes-per-step") == 0 ||
			   strcmp(a, "--integration") == 0 || strcmp(a, "--input-gain") == 0) {
			static const char *ch[4][2] = {{"value", "subtract"},
						       {"single", "multiple"},
						       {"euler", "exact"},
						       {"euler", "exact"}};
			int w = strcmp(a, "--reset") == 0		? 0
				: strcmp(a, "--spikes-per-step") == 0 ? 1
				: strcmp(a, "--integration") == 0	? 2
									: 3;
			int k = strcmp(v, ch[w][0]) == 0 ? 0 : strcmp(v, ch[w][1]) == 0 ? 1 : -1;
			if (k < 0) {
				char want[40];
				snprintf(want, sizeof(want), "%s or %s", ch[w][0], ch[w][1]);
				return bad(a, v, want);
			}
			if (w == 0) {
				no.reset = k ? SNN_NIR_RESET_SUBTRACT : SNN_NIR_RESET_VALUE;
			} else if (w == 1) {
				no.spikes = k ? SNN_NIR_SPIKES_MULTIPLE : SNN_NIR_SPIKES_SINGLE;
			} else if (w == 2) {
				no.integration = k ? SNN_NIR_EXACT : SNN_NIR_EULER;
			} else {
				no.input_gain = k ? SNN_NIR_EXACT : SNN_NIR_EULER;
			}
			i++;
		} else if (strcmp(a, "--placement") == 0) {
			static const char *names[] = {"auto", "sequential", "greedy", "metis"};
			int k = 0;
			while (k < 4 && strcmp(v, names[k]) != 0) {
				k++;
			}
			if (k == 4) {
				return bad(a, v, "auto, sequential, greedy or metis");
			}
			lo.placement = (enum snn_loihi_placement)k;
			i++;
		} else if (strcmp(a, "--weight-sharing") == 0) {
			if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
				return bad(a, v, "on or off");
			}
			lo.no_weight_sharing = strcmp(v, "off") == 0;
			i++;
		} else if (strcmp(a, "--scale") == 0) {
			char *end;
			scale = strtod(v, &end);
			if (*end || !(scale > 0.0) || !isfinite(scale)) {
				return bad(a, v, "a positive factor");
			}
			i++;
		} else if (a[0] == '-') {
			fprintf(stderr,
				"snncc: error: option %s does not apply to %s (snncc --help)\n", a,
				target ? target : "Loihi-class targets");
			return EXIT_BAD_INPUT;
		} else if (!model) {
			model = a;
		} else {
			fprintf(stderr, "snncc: error: a second model '%s' (one per run)\n", a);
			return EXIT_BAD_INPUT;
		}
	}
	if (!model) {
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	snn_diag *d = snn_diag_new();
	if (!d) {
		fprintf(stderr, "snncc: error: out of memory\n");
		return EXIT_RUN_FAILED;
	}
	snn_net *net = NULL;
	int rc;
	if (ends_with(model, ".net")) {
		rc = snn_netx_load(model, &net, d);
	} else if (ends_with(model, ".nir") || snn_nir_is_hdf5(model)) {
		/* converted to loihi_lif by the function snnsim run --loihi calls,
		 * with the same options and input: the same network */
		snn_net *graph = NULL;
		snn_nir_data *in = NULL;
		rc = snn_nir_load(model, &no, &graph, d);
		if (rc == SNN_OK && input) {
			rc = snn_nir_data_read(input, graph, dataset, &in, d);
		}
		if (rc == SNN_OK) {
			snn_nir_loihi_options co;
			snn_nir_loihi_options_init(&co);
			co.input_path = input;
			co.report = stdout;
			rc = snn_nir_to_loihi(graph, in, &co, &net, d);
		}
		snn_nir_data_free(in);
		snn_net_free(graph);
	} else {
		snn_config_options co = {.scale = scale};
		rc = snn_config_load_opts(model, &co, &net, d);
	}
	if (rc == SNN_OK) {
		rc = snn_loihi_compile_opts(net, target, &lo, out, d);
	}
	snn_net_free(net);
	snn_diag_print(d, stderr);
	snn_diag_free(d);
	return rc == SNN_OK ? 0 : rc == SNN_ENOMEM || rc == SNN_EIO ? EXIT_RUN_FAILED
								  : EXIT_BAD_INPUT;
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
	for (int k = 1; k + 1 < argc; k++) {
		if (strcmp(argv[k], "--target") == 0 && snn_loihi_is_target(argv[k + 1])) {
			return loihi_main(argc, argv);
		}
	}
	int i = 1;
	if (argc > 1 && strcmp(argv[1], "run") == 0) {
		j.run_only = true;
		i = 2;
	}
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		uint32_t u;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			printf("%s (runtime %d, Spikeforge %s)\n", CC_VERSION, SNNRT_VERSION,
			       snn_version());
			return 0;
		} else if (strcmp(a, "--list-targets") == 0) {
			for (unsigned k = 0; snn_target_at(k); k++) {
				printf("%-12s %s\n", snn_target_at(k)->name,
				       snn_target_at(k)->describe);
			}
			printf("%-12s %s\n", "loihi1-class",
			       "Loihi-class chip image (1,024 neurons per core; doc/loihi.md)");
			printf("%-12s %s\n", "loihi2-class",
			       "Loihi-class chip image (8,192 neurons per core; doc/loihi.md)");
			return 0;
		} else if (a[0] == '-' && !v) {
			return bad(a, NULL, "a value");
		} else if (strcmp(a, "--target") == 0) {
			j.target = v;
			i++;
		} else if (strcmp(a, "-o") == 0) {
			j.outdir = v;
			i++;
		} else if (strcmp(a, "--weight-bits") == 0) {
			if (parse_u32(v, &u, 8, 16) || (u != 8 && u != 16)) {
				return bad(a, v, "8 or 16");
			}
			j.o.weight_bits = u;
			i++;
		} else if (strcmp(a, "--weight-scale") == 0) {
			if (strcmp(v, "layer") && strcmp(v, "channel")) {
				return bad(a, v, "layer or channel");
			}
			j.o.weight_scale = v[0] == 'c' ? CC_SCALE_CHANNEL : CC_SCALE_LAYER;
			i++;
		} else if (strcmp(a, "--input") == 0) {
			j.o.input = v;
			i++;
		} else if (strcmp(a, "--dataset") == 0) {
			j.o.dataset = v;
			i++;
		} else if (strcmp(a, "--calibrate") == 0) {
			j.o.calibrate = v;
			i++;
		} else if (strcmp(a, "--steps") == 0) {
			if (parse_u32(v, &j.o.steps, 1, 1000000)) {
				return bad(a, v, "a number of steps from 1 to 1000000");
			}
			i++;
		} else if (strcmp(a, "--samples") == 0) {
			if (parse_u32(v, &j.o.samples, 1, 100000)) {
				return bad(a, v, "a number of samples from 1 to 100000");
			}
			i++;
		} else if (strcmp(a, "--seed") == 0) {
			if (parse_u32(v, &u, 0, UINT32_MAX)) {
				return bad(a, v, "a whole number");
			}
			j.o.seed = u;
			i++;
		} else if (strcmp(a, "--rate") == 0) {
			char *end;
			j.o.rate = strtod(v, &end);
			if (*end || !(j.o.rate >= 0.0 && j.o.rate <= 1.0)) {
				return bad(a, v, "a probability from 0 to 1");
			}
			i++;
		} else if (strcmp(a, "--scale") == 0) {
			char *end;
			j.o.scale = strtod(v, &end);
			if (*end || !(j.o.scale > 0.0) || !isfinite(j.o.scale)) {
				return bad(a, v, "a positive factor");
			}
			i++;
		} else if (strcmp(a, "--dt") == 0) {
			char *end;
			j.o.nir.dt_s = strtod(v, &end);
			if (*end || !(j.o.nir.dt_s > 0.0)) {
				return bad(a, v, "a positive time step in seconds");
			}
			i++;
		} else if (strcmp(a, "--reset") == 0) {
			if (strcmp(v, "value") && strcmp(v, "subtract")) {
				return bad(a, v, "value or subtract");
			}
			j.o.nir.reset = v[0] == 's' ? SNN_NIR_RESET_SUBTRACT : SNN_NIR_RESET_VALUE;
			i++;
		} else if (strcmp(a, "--spikes-per-step") == 0) {
			if (strcmp(v, "single") && strcmp(v, "multiple")) {
				return bad(a, v, "single or multiple");
			}
			j.o.nir.spikes = v[0] == 'm' ? SNN_NIR_SPIKES_MULTIPLE : SNN_NIR_SPIKES_SINGLE;
			i++;
		} else if (strcmp(a, "--integration") == 0) {
			if (strcmp(v, "euler") && strcmp(v, "exact")) {
				return bad(a, v, "euler or exact");
			}
			j.o.nir.integration = v[1] == 'u' ? SNN_NIR_EULER : SNN_NIR_EXACT;
			i++;
		} else if (a[0] == '-') {
			fprintf(stderr, "snncc: error: unknown option %s (snncc --help)\n", a);
			return EXIT_BAD_INPUT;
		} else if (!j.model) {
			j.model = a;
		} else {
			fprintf(stderr, "snncc: error: a second model '%s' (one per run)\n", a);
			return EXIT_BAD_INPUT;
		}
	}
	if (!j.model) {
		usage(stderr);
		return EXIT_BAD_INPUT;
	}
	if (!j.run_only && (!j.target || !j.outdir)) {
		fprintf(stderr, "snncc: error: compiling needs --target and -o DIR "
				"(snncc --help)\n");
		return EXIT_BAD_INPUT;
	}
	snn_diag *d = snn_diag_new();
	if (!d) {
		fprintf(stderr, "snncc: error: out of memory\n");
		return EXIT_RUN_FAILED;
	}
	int rc = cc_job_run(&j, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	snn_diag_free(d);
	return rc == SNN_OK ? 0 : rc == SNN_ENOMEM || rc == SNN_EIO ? EXIT_RUN_FAILED
								    : EXIT_BAD_INPUT;
}
