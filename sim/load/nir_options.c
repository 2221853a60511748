/*
 * The NIR conventions as words: snn_nir_option_set spells, parses and checks
 * every one of them (--dt, --reset, ...) for every tool, with one message shape.
 * Layer: sim core (libsnn). Knows only the option struct; never prints.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_int.h"
#include "snn/nir.h"
#include "snn/units.h"

/* The enum conventions, one row each: the words in the order of their
 * values, and where the value goes. */
struct nir_word_option {
	const char *name;
	const char *choices; /* "a|b": word k sets values[k] */
	int values[2];
	size_t offset; /* of the enum field in snn_nir_options */
};

/* the table stores each value as an int */
_Static_assert(sizeof(enum snn_nir_reset) == sizeof(int) &&
		   sizeof(enum snn_nir_spikes) == sizeof(int) &&
		   sizeof(enum snn_nir_scheme) == sizeof(int) &&
		   sizeof(enum snn_nir_integrator) == sizeof(int),
	       "NIR convention enums are ints");

static const struct nir_word_option word_options[] = {
    {"reset",
     "value|subtract",
     {SNN_NIR_RESET_VALUE, SNN_NIR_RESET_SUBTRACT},
     offsetof(snn_nir_options, reset)},
    {"spikes-per-step",
     "single|multiple",
     {SNN_NIR_SPIKES_SINGLE, SNN_NIR_SPIKES_MULTIPLE},
     offsetof(snn_nir_options, spikes)},
    {"integration",
     "euler|exact",
     {SNN_NIR_EULER, SNN_NIR_EXACT},
     offsetof(snn_nir_options, integration)},
    {"input-gain",
     "euler|exact",
     {SNN_NIR_EULER, SNN_NIR_EXACT},
     offsetof(snn_nir_options, input_gain)},
    {"integrator-gain",
     "step|dt",
     {SNN_NIR_INTEGRATOR_STEP, SNN_NIR_INTEGRATOR_DT},
     offsetof(snn_nir_options, integrator)},
};

/* The one message shape: "--NAME expects WHAT" with ", got VALUE" when a
 * value was given. */
static int expects(snn_diag *d, const char *name, const char *what, const char *v)
{
	return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0, "--%s expects %s%s%s", name, what,
			      v ? ", got " : "", v ? v : "");
}

static int set_dt(snn_nir_options *o, const char *v, snn_diag *d)
{
	static const char what[] = "a positive time step in seconds (e.g. 1e-4) or with a unit "
				   "(0.1ms)";
	if (!v) {
		return expects(d, "dt", what, NULL);
	}
	char *end;
	double x = strtod(v, &end);
	if (*end) {
		/* with a unit */
		double ms;
		char why[160];
		if (snn_units_parse(v, SNN_DIM_TIME, &ms, why, sizeof(why)) != 0) {
			return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0, "--dt: %s", why);
		}
		x = ms * 1e-3;
	}
	if (!(x > 0) || x > 1e3) {
		return expects(d, "dt", what, v);
	}
	o->dt_s = x;
	return SNN_OK;
}

static int set_steps(uint32_t *field, const char *name, long lo, const char *v, snn_diag *d)
{
	char what[64];
	snprintf(what, sizeof(what), "a whole number of steps from %ld to %u", lo,
		 NET_MAX_DELAY_STEPS);
	char *end;
	long n = v ? strtol(v, &end, 10) : -1;
	if (!v || end == v || *end || n < lo || n > (long)NET_MAX_DELAY_STEPS) {
		return expects(d, name, what, v);
	}
	*field = (uint32_t)n;
	return SNN_OK;
}

bool snn_nir_option_is(const char *name)
{
	if (strncmp(name, "--", 2) == 0) {
		name += 2;
	}
	for (size_t w = 0; w < sizeof(word_options) / sizeof(word_options[0]); w++) {
		if (strcmp(name, word_options[w].name) == 0) {
			return true;
		}
	}
	return strcmp(name, "dt") == 0 || strcmp(name, "recurrent-delay") == 0 ||
	       strcmp(name, "edge-delay") == 0;
}

int snn_nir_option_set(snn_nir_options *o, const char *name, const char *value, snn_diag *d)
{
	if (strncmp(name, "--", 2) == 0) {
		name += 2;
	}
	for (size_t w = 0; w < sizeof(word_options) / sizeof(word_options[0]); w++) {
		const struct nir_word_option *wo = &word_options[w];
		if (strcmp(name, wo->name) != 0) {
			continue;
		}
		int k = value ? snn_units_word(value, wo->choices) : -1;
		if (k < 0) {
			return expects(d, wo->name, wo->choices, value);
		}
		/* every field of the table is an enum, which has the size of an int */
		int x = wo->values[k];
		memcpy((char *)o + wo->offset, &x, sizeof(x));
		return SNN_OK;
	}
	if (strcmp(name, "dt") == 0) {
		return set_dt(o, value, d);
	}
	if (strcmp(name, "recurrent-delay") == 0) {
		return set_steps(&o->recurrent_delay, name, 1, value, d);
	}
	if (strcmp(name, "edge-delay") == 0) {
		return set_steps(&o->edge_delay, name, 0, value, d);
	}
	return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0, "unknown NIR option '--%s'", name);
}
