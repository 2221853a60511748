/*
 * snnemu: runs a Loihi-class chip image bit-exactly (snn_loihi_run_image).
 * `snnemu --compile` is kept as an alias of `snncc MODEL --target
 * loihi*-class` (the same snn_loihi_compile).
 * Layer: tool (thin main). Exit: 0 ok, 1 run failed, 2 bad input or usage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn/snn.h"
#include "snn/loihi.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: snnemu IMAGE [--input SPIKES.h5] -o OUT.h5 [--steps N] [--report]\n"
		"       snnemu --compile MODEL.yaml|MODEL.net --target loihi1-class|loihi2-class\n"
		"              [--placement auto|sequential|greedy|metis] [--scale X] [-o IMAGE]\n"
		"       (without -o: the placement report only, for any neuron model)\n");
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

int main(int argc, char **argv)
{
	const char *image = NULL, *input = NULL, *out = NULL, *model = NULL;
	const char *target = "loihi2-class";
	enum snn_loihi_placement place = SNN_LOIHI_PLACE_AUTO;
	long steps = 0;
	double scale = 0;
	int report = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(a, "--report") == 0) {
			report = 1;
		} else if (v && strcmp(a, "--input") == 0) {
			input = v;
			i++;
		} else if (v && strcmp(a, "-o") == 0) {
			out = v;
			i++;
		} else if (v && strcmp(a, "--compile") == 0) {
			model = v;
			i++;
		} else if (v && strcmp(a, "--target") == 0) {
			target = v;
			i++;
		} else if (v && strcmp(a, "--steps") == 0) {
			char *end;
			steps = strtol(v, &end, 10);
			if (*end || steps <= 0) {
				fprintf(stderr,
					"snnemu: error: --steps takes a positive integer\n");
				return 2;
			}
			i++;
		} else if (v && strcmp(a, "--scale") == 0) {
			char *end;
			scale = strtod(v, &end);
			if (*end || !(scale > 0)) {
				fprintf(stderr, "snnemu: error: --scale takes a positive number\n");
				return 2;
			}
			i++;
		} else if (v && strcmp(a, "--placement") == 0) {
			if (strcmp(v, "auto") == 0) {
				place = SNN_LOIHI_PLACE_AUTO;
			} else if (strcmp(v, "sequential") == 0) {
				place = SNN_LOIHI_PLACE_SEQUENTIAL;
			} else if (strcmp(v, "greedy") == 0) {
				place = SNN_LOIHI_PLACE_GREEDY;
			} else if (strcmp(v, "metis") == 0) {
				place = SNN_LOIHI_PLACE_METIS;
			} else {
				fprintf(stderr, "snnemu: error: unknown placement '%s'\n", v);
				return 2;
			}
			i++;
		} else if (a[0] != '-' && !image) {
			image = a;
		} else {
			fprintf(stderr, "snnemu: error: unexpected argument '%s'\n", a);
			usage(stderr);
			return 2;
		}
	}
	if ((!model && !image) || (!model && !out)) {
		usage(stderr);
		return 2;
	}
	snn_diag *d = snn_diag_new();
	if (!d) {
		return 1;
	}
	int rc;
	if (!model && input) {
		FILE *f = fopen(input, "rb");
		if (!f) {
			fprintf(stderr, "snnemu: error: --input %s: cannot open the spike file\n",
				input);
			snn_diag_free(d);
			return 2;
		}
		fclose(f);
	}
	if (model) {
		snn_net *net = NULL;
		if (ends_with(model, ".net")) {
			rc = snn_netx_load(model, &net, d);
		} else {
			snn_config_options co = {.scale = scale};
			rc = snn_config_load_opts(model, &co, &net, d);
		}
		if (rc == SNN_OK) {
			rc = snn_loihi_compile(net, target, place, out, stdout, d);
		}
		snn_net_free(net);
	} else {
		rc = snn_loihi_run_image(image, input, out, steps, report ? stdout : NULL, d);
	}
	snn_diag_print(d, stderr);
	snn_diag_free(d);
	if (rc == SNN_OK) {
		return 0;
	}
	return rc == SNN_EINVAL || rc == SNN_EPARSE || rc == SNN_ERANGE || rc == SNN_EUNSUP ? 2 : 1;
}
