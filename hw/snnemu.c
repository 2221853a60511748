/*
 * snnemu: runs a Loihi-class chip image bit-exactly (snn_loihi_run_image).
 * Images are made by `snncc MODEL --target loihi*-class -o IMAGE`.
 * Layer: tool (thin main): an option table, one library call, and the exit
 * code by snn_exit_status (0 ok, 1 run failed or interrupted by Ctrl-C,
 * SIGTERM, SIGHUP or SIGQUIT, 2 bad input or usage).
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "snn/loihi.h"
#include "snn/snn.h"

struct emu_args {
	const char *input;
	const char *out;
	int steps;
	bool report;
};

#define F(x) offsetof(struct emu_args, x)

static const struct cli_option emu_options[] = {
    {.name = "--input",
     .kind = CLI_STRING,
     .offset = F(input),
     .arg = "SPIKES.h5",
     .expects = "a spike file",
     .help = "drive the input ports with these spikes"},
    {.name = "-o",
     .kind = CLI_STRING,
     .offset = F(out),
     .arg = "OUT.h5",
     .expects = "a file name",
     .help = "spikes of every chip population"},
    {.name = "--steps",
     .kind = CLI_INT,
     .offset = F(steps),
     .arg = "N",
     .expects = "a positive integer",
     .min = 1,
     .max = 2147483647,
     .help = "steps to run (default: the image's duration)"},
    {.name = "--report",
     .kind = CLI_FLAG,
     .offset = F(report),
     .help = "print inter-core spikes, time and energy per step"},
    {.name = NULL},
};

#undef F

static const struct cli_option *const emu_tables[] = {emu_options, NULL};
static const struct cli_command emu_cmd = {
    .prog = "snnemu", .tables = emu_tables, .max_positional = 1, .too_many = "image"};

static void usage(FILE *f)
{
	fprintf(f, "usage: snnemu IMAGE [--input SPIKES.h5] -o OUT.h5 [--steps N] [--report]\n"
		   "       (images: snncc MODEL --target loihi1-class|loihi2-class -o IMAGE)\n");
	cli_usage(f, emu_options);
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return SNN_EXIT_OK;
		}
	}
	cli_catch_signals();
	struct emu_args a = {0};
	struct cli_parsed p;
	int rc = cli_parse(&emu_cmd, argc, argv, 1, &a, &p);
	if (rc != SNN_OK) {
		return snn_exit_status(rc);
	}
	const char *image = p.n_positional ? p.positional[0] : NULL;
	if (!image || !a.out) {
		usage(stderr);
		return SNN_EXIT_BAD_INPUT;
	}
	if (a.input) {
		FILE *f = fopen(a.input, "rb");
		if (!f) {
			fprintf(stderr, "snnemu: error: --input %s: cannot open the spike file\n",
				a.input);
			return SNN_EXIT_BAD_INPUT;
		}
		fclose(f);
	}
	const char *inputs[] = {image, a.input};
	rc = cli_check_output("snnemu", a.out, true, inputs, 2);
	if (rc) {
		return rc;
	}
	snn_diag *d = snn_diag_new();
	if (!d) {
		fprintf(stderr, "snnemu: error: out of memory\n");
		return SNN_EXIT_RUN_FAILED;
	}
	snn_loihi_run_options o = {
	    .steps = a.steps, .report = a.report ? stdout : NULL, .stop = cli_stop_requested};
	rc = snn_loihi_run_image_opts(image, a.input, a.out, &o, d);
	snn_diag_print(d, stderr);
	snn_diag_free(d);
	return snn_exit_status(rc);
}
