/*
 * snnview: look at spikes, from a SONATA spike file or live from a running
 * snnsim, in a window or as a PNG.
 * Layer: tool. Parses the command line and calls the viewer; exit status 0
 * ok, 1 failed, 2 bad input or usage.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn/snn.h"
#include "snn/units.h"
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

static int parse_time(const char *opt, const char *v, double *ms)
{
	char why[160];
	if (!v) {
		fprintf(stderr, "snnview: error: %s expects a time such as 200ms\n", opt);
		return -1;
	}
	if (snn_units_parse(v, SNN_DIM_TIME, ms, why, sizeof(why)) != 0) {
		fprintf(stderr, "snnview: error: %s: %s\n", opt, why);
		return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct viewer_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->t0_ms = o->t1_ms = o->span_ms = NAN;
	o->width = 1200;
	o->height = 800;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--png") == 0 || strcmp(a, "--attach") == 0 ||
		    strcmp(a, "--traces") == 0 || strcmp(a, "--script") == 0 ||
		    strcmp(a, "--hide") == 0 || strcmp(a, "--size") == 0) {
			if (!v) {
				fprintf(stderr, "snnview: error: %s expects a value\n", a);
				return -1;
			}
			i++;
			if (strcmp(a, "--png") == 0) {
				o->png = v;
			} else if (strcmp(a, "--attach") == 0) {
				o->attach = v;
			} else if (strcmp(a, "--traces") == 0) {
				o->traces = v;
			} else if (strcmp(a, "--script") == 0) {
				o->script = v;
			} else if (strcmp(a, "--hide") == 0) {
				o->hide = v;
			} else {
				unsigned w, h;
				char tail;
				if (sscanf(v, "%ux%u%c", &w, &h, &tail) != 2 || w < 200 ||
				    h < 150 || w > 8192 || h > 8192) {
					fprintf(stderr,
						"snnview: error: --size expects WxH from "
						"200x150 to 8192x8192, got %s\n",
						v);
					return -1;
				}
				o->width = w;
				o->height = h;
			}
		} else if (strcmp(a, "--t0") == 0 || strcmp(a, "--t1") == 0 ||
			   strcmp(a, "--span") == 0) {
			double ms;
			if (parse_time(a, v, &ms) != 0) {
				return -1;
			}
			i++;
			if (strcmp(a, "--t0") == 0) {
				o->t0_ms = ms;
			} else if (strcmp(a, "--t1") == 0) {
				o->t1_ms = ms;
			} else if (ms > 0) {
				o->span_ms = ms;
			} else {
				fprintf(stderr, "snnview: error: --span must be positive\n");
				return -1;
			}
		} else if (strcmp(a, "--no-rates") == 0) {
			o->no_rates = true;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr,
				"snnview: error: unknown option '%s' (see snnview --help)\n", a);
			return -1;
		} else if (!o->file) {
			o->file = a;
		} else {
			fprintf(stderr,
				"snnview: error: one spike file at a time (got '%s' and '%s')\n",
				o->file, a);
			return -1;
		}
	}
	if (!o->file == !o->attach) {
		fprintf(stderr, "snnview: error: give a spike file or --attach SOCKET (see snnview "
				"--help)\n");
		return -1;
	}
	if (o->png && !o->file) {
		fprintf(stderr, "snnview: error: --png renders a spike file, not a live stream\n");
		return -1;
	}
	if (!isnan(o->t0_ms) && !isnan(o->t1_ms) && !(o->t1_ms > o->t0_ms)) {
		fprintf(stderr, "snnview: error: --t1 must come after --t0\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
		printf("snnview (Spikeforge) %s\n", snn_version());
		return 0;
	}
	struct viewer_opts o;
	if (argc < 2 || parse_args(argc, argv, &o) != 0) {
		if (argc < 2) {
			usage(stderr);
		}
		return SNN_EXIT_BAD_INPUT;
	}
	return o.png ? viewer_png(&o) : viewer_run(&o);
}
