/*
 * Parsing of physical quantities with units into canonical units, and of
 * words among fixed choices. Layer: sim core (libc only). Pure functions, no
 * state.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn/units.h"

struct unit_base {
	const char *symbol;
	enum snn_dim dim;
	int exp10; /* canonical unit = base unit * 10^-exp10 */
};

/* Base units, with the power of ten that converts them to the canonical unit
 * of their dimension (ms, mV, pA, pF, nS, Hz). Powers of ten are kept as
 * integers so that "0.1 ms" or "20 kHz" convert without a second rounding. */
static const struct unit_base bases[] = {
    {"s", SNN_DIM_TIME, 3},	    {"V", SNN_DIM_VOLTAGE, 3},	   {"A", SNN_DIM_CURRENT, 12},
    {"F", SNN_DIM_CAPACITANCE, 12}, {"S", SNN_DIM_CONDUCTANCE, 9}, {"Hz", SNN_DIM_RATE, 0},
};

struct prefix {
	const char *text;
	int exp10;
};

static const struct prefix prefixes[] = {
    {"", 0},	      {"k", 3},	  {"M", 6},
    {"m", -3},	      {"u", -6},  {"\xc2\xb5", -6}, /* U+00B5 micro sign */
    {"\xce\xbc", -6},				    /* U+03BC greek mu */
    {"n", -9},	      {"p", -12}, {"f", -15},
};

/* 10^e as a double, exact for the |e| <= 22 used here. */
static double pow10i(int e)
{
	double r = 1.0;
	for (int i = 0; i < (e < 0 ? -e : e); i++) {
		r *= 10.0;
	}
	return e < 0 ? 1.0 / r : r;
}

/* v * 10^e, dividing for negative e; within an ulp of the exact product. */
static double scale10(double v, int e)
{
	if (e >= 0) {
		return v * pow10i(e);
	}
	return v / pow10i(-e);
}

/* The decimal number num[0..len) (as accepted by strtod, already parsed to v)
 * times 10^e, correctly rounded. Scaling v would round twice ("0.0041 s" would
 * become 4.1000000000000005 ms), so the power of ten is moved into the text's
 * exponent and the text parsed again. Falls back to scale10 for numbers too
 * long for the local buffer or with absurd exponents. */
static double scale_decimal(const char *num, size_t len, double v, int e)
{
	if (e == 0) {
		return v;
	}
	size_t mlen = 0;
	while (mlen < len && num[mlen] != 'e' && num[mlen] != 'E') {
		mlen++;
	}
	long x = 0;
	if (mlen < len) {
		char *xend = NULL;
		errno = 0;
		x = strtol(num + mlen + 1, &xend, 10);
		if (errno != 0 || xend != num + len || x > 100000 || x < -100000) {
			return scale10(v, e);
		}
	}
	char buf[128];
	if (mlen + 16 > sizeof(buf)) {
		return scale10(v, e);
	}
	snprintf(buf, sizeof(buf), "%.*se%ld", (int)mlen, num, x + e);
	return strtod(buf, NULL);
}

static const char *const dim_names[SNN_DIM_COUNT_] = {
    "a plain number", "a time",	       "a voltage", "a current",
    "a capacitance",  "a conductance", "a rate",
};
static const char *const dim_examples[SNN_DIM_COUNT_] = {
    "2.5", "1.5 ms", "-65 mV", "100 pA", "250 pF", "1 nS", "8 Hz",
};
static const char *const dim_units[SNN_DIM_COUNT_] = {
    "", "ms", "mV", "pA", "pF", "nS", "Hz",
};

const char *snn_dim_name(enum snn_dim dim)
{
	return (dim >= 0 && dim < SNN_DIM_COUNT_) ? dim_names[dim] : "an unknown quantity";
}

const char *snn_dim_example(enum snn_dim dim)
{
	return (dim >= 0 && dim < SNN_DIM_COUNT_) ? dim_examples[dim] : "";
}

const char *snn_dim_unit(enum snn_dim dim)
{
	return (dim >= 0 && dim < SNN_DIM_COUNT_) ? dim_units[dim] : "";
}

static int lookup_exp(const char *symbol, enum snn_dim *dim, int *exp10)
{
	size_t len = strlen(symbol);
	for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++) {
		size_t pl = strlen(prefixes[p].text);
		if (pl > len || strncmp(symbol, prefixes[p].text, pl) != 0) {
			continue;
		}
		for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
			if (strcmp(symbol + pl, bases[b].symbol) == 0) {
				*dim = bases[b].dim;
				*exp10 = prefixes[p].exp10 + bases[b].exp10;
				return 0;
			}
		}
	}
	return -1;
}

int snn_units_lookup(const char *symbol, enum snn_dim *dim, double *factor)
{
	int e;
	if (lookup_exp(symbol, dim, &e) != 0) {
		return -1;
	}
	*factor = scale10(1.0, e);
	return 0;
}

/* Writes the reason of a failure into the caller's buffer, if any. */
#define SAY(...)                                            \
	do {                                                \
		if (why && whylen) {                        \
			snprintf(why, whylen, __VA_ARGS__); \
		}                                           \
	} while (0)

int snn_units_parse(const char *text, enum snn_dim dim, double *value, char *why, size_t whylen)
{
	const char *p = text;
	while (isspace((unsigned char)*p)) {
		p++;
	}
	if (*p == '\0') {
		SAY("expected %s such as '%s', found nothing", snn_dim_name(dim),
		    snn_dim_example(dim));
		return -1;
	}
	errno = 0;
	char *end = NULL;
	double v = strtod(p, &end);
	if (end == p || errno == ERANGE || !isfinite(v)) {
		SAY("expected %s such as '%s', found '%s'", snn_dim_name(dim), snn_dim_example(dim),
		    text);
		return -1;
	}
	/* strtod accepts hex floats, "inf" and "nan": only decimal numbers are values here. */
	for (const char *q = p; q < end; q++) {
		if (*q == 'x' || *q == 'X' || *q == 'n' || *q == 'N' || *q == 'i' || *q == 'I') {
			SAY("expected %s such as '%s', found '%s'", snn_dim_name(dim),
			    snn_dim_example(dim), text);
			return -1;
		}
	}
	const char *u = end;
	while (isspace((unsigned char)*u)) {
		u++;
	}
	char sym[16];
	size_t n = strlen(u);
	while (n > 0 && isspace((unsigned char)u[n - 1])) {
		n--;
	}
	if (n >= sizeof(sym)) {
		SAY("unknown unit in '%s': expected %s such as '%s'", text, snn_dim_name(dim),
		    snn_dim_example(dim));
		return -1;
	}
	memcpy(sym, u, n);
	sym[n] = '\0';

	if (dim == SNN_DIM_NONE) {
		if (n != 0) {
			SAY("expected a plain number without a unit, found '%s'", text);
			return -1;
		}
		*value = v;
		return 0;
	}
	if (n == 0) {
		SAY("missing unit in '%s': expected %s such as '%s'", text, snn_dim_name(dim),
		    snn_dim_example(dim));
		return -1;
	}
	enum snn_dim got;
	int e;
	if (lookup_exp(sym, &got, &e) != 0) {
		SAY("unknown unit '%s': expected %s such as '%s'", sym, snn_dim_name(dim),
		    snn_dim_example(dim));
		return -1;
	}
	if (got != dim) {
		SAY("'%s' is %s, expected %s such as '%s'", text, snn_dim_name(got),
		    snn_dim_name(dim), snn_dim_example(dim));
		return -1;
	}
	double r = scale_decimal(p, (size_t)(end - p), v, e);
	if (!isfinite(r)) {
		SAY("'%s' is out of range for %s", text, snn_dim_name(dim));
		return -1;
	}
	*value = r;
	return 0;
}

int snn_units_word(const char *word, const char *choices)
{
	size_t n = strlen(word);
	int k = 0;
	for (const char *c = choices; *c; k++) {
		const char *bar = strchr(c, '|');
		size_t len = bar ? (size_t)(bar - c) : strlen(c);
		if (n && len == n && strncmp(c, word, n) == 0) {
			return k;
		}
		c += len + (bar ? 1 : 0);
	}
	return -1;
}
