/*
 * snnview: look at spikes, from a SONATA spike file or live from a running
 * snnsim, in a window or as a PNG.
 * Layer: tool. Its usage text and option table over cli/, and the call into
 * the viewer; exit codes by snn_exit_status (0 ok, 1 failed, 2 bad input).
 */
#include "config.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli_int.h"
#include "snn/snn.h"
#include "snn/view.h"
#include "viewer.h"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "Usage: snnview [options] SPIKES.h5       show a spike file (SONATA or CSV)\n"
	    "       snnview [options] --attach SOCKET live view of 'snnsim run --stream SOCKET'\n"
	    "       snnview --png OUT.png [options] SPIKES.h5\n"
	    "                                        render without a display and exit\n"
	    "       snnview --help | --version\n"
	    "\n"
	    "Options:\n"
	    "  --t0 T, --t1 T     time window with its unit (e.g. 200ms); default: all\n"
	    "  --size WxH         picture size in pixels (default 1200x800)\n"
	    "  --traces FILE      membrane traces (SONATA report written by snnsim)\n"
	    "  --hide POP[,POP]   populations hidden at start\n"
	    "  --no-rates         no population-rate strip\n"
	    "  --span T           live: time shown while following (default: 1 s)\n"
	    "  --script CMDS      run commands as if typed, for demos and tests:\n"
	    "                     'wait-end; wait-time T; wait MS; key NAME;\n"
	    "                     window T0 T1; shot FILE; quit' (times in ms)\n"
	    "\n"
	    "Keys:\n%s"
	    "\n"
	    "Exit status: 0 success, 1 failed, 2 bad input or usage.\n",
	    snn_view_keys_help());
}

/* --size WxH: width and height of the viewer_opts at field. */
static int set_size(void *field, const char *name, const char *value, snn_diag *d)
{
	struct viewer_opts *o = field;
	unsigned w, h;
	char tail;
	if (sscanf(value, "%ux%u%c", &w, &h, &tail) != 2 || w < 200 || h < 150 || w > 8192 ||
	    h > 8192) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "%s expects WxH from 200x150 to 8192x8192, got %s", name,
				      value);
	}
	o->width = w;
	o->height = h;
	return SNN_OK;
}

#define F(x) offsetof(struct viewer_opts, x)
#define STR(n, f)                                                                   \
	{                                                                           \
		.name = n, .kind = CLI_STRING, .offset = F(f), .expects = "a value" \
	}
#define TIME(n, f)                                                                              \
	{                                                                                       \
		.name = n, .kind = CLI_CALL, .offset = F(f), .expects = "a time such as 200ms", \
		.set = cli_set_time                                                             \
	}

/* The options; the usage text above describes them. */
static const struct cli_option view_options[] = {
    STR("--png", png),
    STR("--attach", attach),
    STR("--traces", traces),
    STR("--script", script),
    STR("--hide", hide),
    {.name = "--size", .kind = CLI_CALL, .offset = 0, .expects = "a value", .set = set_size},
    TIME("--t0", t0_ms),
    TIME("--t1", t1_ms),
    TIME("--span", span_ms),
    {.name = "--no-rates", .kind = CLI_FLAG, .offset = F(no_rates)},
    {.name = NULL},
};

#undef TIME
#undef STR
#undef F

static const struct cli_option *const view_tables[] = {view_options, NULL};
static const struct cli_command view_cmd = {
    .prog = "snnview", .tables = view_tables, .max_positional = 1, .too_many = "spike file"};

/* Parses the command line into o: 0, or an exit code after saying why. */
static int parse_args(int argc, char **argv, struct viewer_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->t0_ms = o->t1_ms = o->span_ms = NAN;
	o->width = 1200;
	o->height = 800;
	struct cli_parsed p;
	int rc = cli_parse(&view_cmd, argc, argv, 1, o, &p);
	if (rc != SNN_OK) {
		return snn_exit_status(rc);
	}
	o->file = p.n_positional ? p.positional[0] : NULL;
	const char *why = NULL;
	if (!isnan(o->span_ms) && !(o->span_ms > 0)) {
		why = "--span must be positive";
	} else if (!o->file == !o->attach) {
		why = "give a spike file or --attach SOCKET (see snnview --help)";
	} else if (o->png && !o->file) {
		why = "--png renders a spike file, not a live stream";
	} else if (!isnan(o->t0_ms) && !isnan(o->t1_ms) && !(o->t1_ms > o->t0_ms)) {
		why = "--t1 must come after --t0";
	}
	if (why) {
		fprintf(stderr, "snnview: error: %s\n", why);
		return SNN_EXIT_BAD_INPUT;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("snnview (Spikeforge) %s\n", snn_version());
		return SNN_EXIT_OK;
	}
	if (cli_find(argc, argv, 1, "--help|-h")) {
		usage(stdout);
		return SNN_EXIT_OK;
	}
	if (argc < 2) {
		usage(stderr);
		return SNN_EXIT_BAD_INPUT;
	}
	struct viewer_opts o;
	int ex = parse_args(argc, argv, &o);
	if (ex) {
		return ex;
	}
	return o.png ? viewer_png(&o) : viewer_run(&o);
}
