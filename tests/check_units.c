/*
 * Tests of sim/units.c (include/snn/units.h): every unit symbol with every SI
 * prefix, conversions to the canonical units that are exact where the decimal
 * value allows, blanks and signs, and every parse error with its exact reason.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snn/units.h"
#include "testutil.h"

#define MICRO_SIGN "\xc2\xb5" /* U+00B5 */
#define GREEK_MU "\xce\xbc"   /* U+03BC */

struct base_case {
	const char *symbol;
	enum snn_dim dim;
	int exp10; /* the base unit is 10^exp10 canonical units */
};

static const struct base_case bases[] = {
    {"s", SNN_DIM_TIME, 3},	    {"V", SNN_DIM_VOLTAGE, 3},	   {"A", SNN_DIM_CURRENT, 12},
    {"F", SNN_DIM_CAPACITANCE, 12}, {"S", SNN_DIM_CONDUCTANCE, 9}, {"Hz", SNN_DIM_RATE, 0},
};

struct prefix_case {
	const char *text;
	int exp10;
};

static const struct prefix_case prefixes[] = {
    {"", 0},	      {"k", 3},	      {"M", 6},	 {"m", -3},  {"u", -6},
    {MICRO_SIGN, -6}, {GREEK_MU, -6}, {"n", -9}, {"p", -12}, {"f", -15},
};

#define N_BASES (sizeof(bases) / sizeof(bases[0]))
#define N_PREFIXES (sizeof(prefixes) / sizeof(prefixes[0]))

/* The correctly rounded value of the decimal `mant` times 10^e. */
static double decimal(const char *mant, int e)
{
	char buf[64];
	snprintf(buf, sizeof(buf), "%se%d", mant, e);
	return strtod(buf, NULL);
}

/* Parses text as dim, asserting success, and returns the value. */
static double parse_ok(const char *text, enum snn_dim dim)
{
	char why[256] = "";
	double v = -12345.0;
	int rc = snn_units_parse(text, dim, &v, why, sizeof(why));
	ck_assert_msg(rc == 0, "'%s' as %s: unexpected error: %s", text, snn_dim_name(dim), why);
	return v;
}

/* Parses text as dim, asserting failure with the exact reason `want`, and
 * that the output value is left alone. */
static void parse_fails(const char *text, enum snn_dim dim, const char *want)
{
	char why[256] = "";
	double v = -12345.0;
	int rc = snn_units_parse(text, dim, &v, why, sizeof(why));
	ck_assert_msg(rc == -1, "'%s' as %s: expected an error, got %.17g", text, snn_dim_name(dim),
		      v);
	ck_assert_str_eq(why, want);
	ck_assert(v == -12345.0);
}

START_TEST(test_dimension_names)
{
	static const struct {
		enum snn_dim dim;
		const char *name, *example, *unit;
	} want[] = {
	    {SNN_DIM_NONE, "a plain number", "2.5", ""},
	    {SNN_DIM_TIME, "a time", "1.5 ms", "ms"},
	    {SNN_DIM_VOLTAGE, "a voltage", "-65 mV", "mV"},
	    {SNN_DIM_CURRENT, "a current", "100 pA", "pA"},
	    {SNN_DIM_CAPACITANCE, "a capacitance", "250 pF", "pF"},
	    {SNN_DIM_CONDUCTANCE, "a conductance", "1 nS", "nS"},
	    {SNN_DIM_RATE, "a rate", "8 Hz", "Hz"},
	};
	ck_assert_uint_eq(sizeof(want) / sizeof(want[0]), SNN_DIM_COUNT_);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		ck_assert_str_eq(snn_dim_name(want[i].dim), want[i].name);
		ck_assert_str_eq(snn_dim_example(want[i].dim), want[i].example);
		ck_assert_str_eq(snn_dim_unit(want[i].dim), want[i].unit);
		/* each example parses as its own dimension */
		(void)parse_ok(want[i].example, want[i].dim);
	}
	ck_assert_str_eq(snn_dim_name(SNN_DIM_COUNT_), "an unknown quantity");
	ck_assert_str_eq(snn_dim_example(SNN_DIM_COUNT_), "");
	ck_assert_str_eq(snn_dim_unit(SNN_DIM_COUNT_), "");
	ck_assert_str_eq(snn_dim_name((enum snn_dim) - 1), "an unknown quantity");
	ck_assert_str_eq(snn_dim_unit((enum snn_dim) - 1), "");
}
END_TEST

/* The canonical unit of every dimension converts with factor 1. */
START_TEST(test_canonical_units)
{
	for (int dim = SNN_DIM_TIME; dim < SNN_DIM_COUNT_; dim++) {
		enum snn_dim got = SNN_DIM_NONE;
		double f = 0.0;
		ck_assert_int_eq(snn_units_lookup(snn_dim_unit((enum snn_dim)dim), &got, &f), 0);
		ck_assert_int_eq(got, dim);
		ck_assert(f == 1.0);
	}
}
END_TEST

START_TEST(test_lookup_every_symbol)
{
	for (size_t b = 0; b < N_BASES; b++) {
		for (size_t p = 0; p < N_PREFIXES; p++) {
			char sym[16];
			snprintf(sym, sizeof(sym), "%s%s", prefixes[p].text, bases[b].symbol);
			enum snn_dim dim = SNN_DIM_NONE;
			double f = 0.0;
			ck_assert_msg(snn_units_lookup(sym, &dim, &f) == 0, "'%s' unknown", sym);
			ck_assert_int_eq(dim, bases[b].dim);
			double want = decimal("1", bases[b].exp10 + prefixes[p].exp10);
			ck_assert_msg(f == want, "'%s': factor %.17g, expected %.17g", sym, f,
				      want);
		}
	}
}
END_TEST

START_TEST(test_lookup_unknown)
{
	static const char *const bad[] = {
	    "",	 "m",	"ms ", " ms", "MS2", "hz", "HZ",    "sec",   "v",    "a",
	    "f", "Ohm", "kk",  "mms", "Gs",  "cs", "\xb5s", "\xc2s", "us\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum snn_dim dim = SNN_DIM_RATE;
		double f = 7.0;
		ck_assert_msg(snn_units_lookup(bad[i], &dim, &f) == -1, "'%s' was accepted",
			      bad[i]);
	}
}
END_TEST

/* Whole words only: no prefix, no empty word, no case folding. */
START_TEST(test_word)
{
	ck_assert_int_eq(snn_units_word("value", "value|subtract"), 0);
	ck_assert_int_eq(snn_units_word("subtract", "value|subtract"), 1);
	ck_assert_int_eq(snn_units_word("cuda", "cpu|cuda"), 1);
	ck_assert_int_eq(snn_units_word("grid", "grid"), 0);
	ck_assert_int_eq(snn_units_word("c", "cpu|cuda"), -1);
	ck_assert_int_eq(snn_units_word("cpus", "cpu|cuda"), -1);
	ck_assert_int_eq(snn_units_word("CPU", "cpu|cuda"), -1);
	ck_assert_int_eq(snn_units_word("", "cpu||cuda"), -1);
	ck_assert_int_eq(snn_units_word("x", ""), -1);
}
END_TEST

/* "x <prefix><unit>" for every symbol, several spellings and signs, each
 * compared with the correctly rounded decimal value. */
START_TEST(test_parse_every_symbol)
{
	static const char *const mants[] = {"1",   "2.5",  "-3",  "0.1",   "0.0041", "8.2", "1e-4",
					    "-65", "0.07", "4.1", "+7.25", "1E2",    ".5"};
	static const char *const forms[] = {"%s %s", "%s%s", "  %s\t%s  ", "%s   %s\n"};
	for (size_t b = 0; b < N_BASES; b++) {
		for (size_t p = 0; p < N_PREFIXES; p++) {
			int e = bases[b].exp10 + prefixes[p].exp10;
			for (size_t m = 0; m < sizeof(mants) / sizeof(mants[0]); m++) {
				/* the mantissa shifted by e, as a decimal text */
				char mant[32];
				const char *x = strpbrk(mants[m], "eE");
				int e2 = e + (x ? atoi(x + 1) : 0);
				snprintf(mant, sizeof(mant), "%.*s",
					 (int)(x ? (size_t)(x - mants[m]) : strlen(mants[m])),
					 mants[m]);
				double want = decimal(mant, e2);
				for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
					char text[64];
					char sym[16];
					snprintf(sym, sizeof(sym), "%s%s", prefixes[p].text,
						 bases[b].symbol);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
					snprintf(text, sizeof(text), forms[f], mants[m], sym);
#pragma GCC diagnostic pop
					double v = parse_ok(text, bases[b].dim);
					ck_assert_msg(v == want, "'%s': %.17g, expected %.17g",
						      text, v, want);
				}
			}
		}
	}
}
END_TEST

START_TEST(test_exact_conversions)
{
	ck_assert(parse_ok("0.1 ms", SNN_DIM_TIME) == 0.1);
	ck_assert(parse_ok("0.1ms", SNN_DIM_TIME) == 0.1);
	ck_assert(parse_ok("200ms", SNN_DIM_TIME) == 200.0);
	ck_assert(parse_ok("1 s", SNN_DIM_TIME) == 1000.0);
	ck_assert(parse_ok("0.0041 s", SNN_DIM_TIME) == 4.1);
	ck_assert(parse_ok("0.035 s", SNN_DIM_TIME) == 35.0);
	ck_assert(parse_ok("1.5 us", SNN_DIM_TIME) == 0.0015);
	ck_assert(parse_ok("1 " MICRO_SIGN "s", SNN_DIM_TIME) == 0.001);
	ck_assert(parse_ok("1 " GREEK_MU "s", SNN_DIM_TIME) == 0.001);
	ck_assert(parse_ok("250 " MICRO_SIGN "s", SNN_DIM_TIME) == 0.25);
	ck_assert(parse_ok("0.07 us", SNN_DIM_TIME) == 7e-05);
	ck_assert(parse_ok("20 kHz", SNN_DIM_RATE) == 20000.0);
	ck_assert(parse_ok("8 Hz", SNN_DIM_RATE) == 8.0);
	ck_assert(parse_ok("1.5 MHz", SNN_DIM_RATE) == 1.5e6);
	ck_assert(parse_ok("8.2 MHz", SNN_DIM_RATE) == 8.2e6);
	ck_assert(parse_ok("-65 mV", SNN_DIM_VOLTAGE) == -65.0);
	ck_assert(parse_ok("-0.07 V", SNN_DIM_VOLTAGE) == -70.0);
	ck_assert(parse_ok("1 V", SNN_DIM_VOLTAGE) == 1000.0);
	ck_assert(parse_ok("100 pA", SNN_DIM_CURRENT) == 100.0);
	ck_assert(parse_ok("1 nA", SNN_DIM_CURRENT) == 1000.0);
	ck_assert(parse_ok("0.5 nA", SNN_DIM_CURRENT) == 500.0);
	ck_assert(parse_ok("2 A", SNN_DIM_CURRENT) == 2e12);
	ck_assert(parse_ok("250 pF", SNN_DIM_CAPACITANCE) == 250.0);
	ck_assert(parse_ok("1 F", SNN_DIM_CAPACITANCE) == 1e12);
	ck_assert(parse_ok("0.27 F", SNN_DIM_CAPACITANCE) == 2.7e11);
	ck_assert(parse_ok("1 nS", SNN_DIM_CONDUCTANCE) == 1.0);
	ck_assert(parse_ok("10 uS", SNN_DIM_CONDUCTANCE) == 10000.0);
	ck_assert(parse_ok("4.1 mS", SNN_DIM_CONDUCTANCE) == 4.1e6);
	ck_assert(parse_ok("1 S", SNN_DIM_CONDUCTANCE) == 1e9);
	/* millisiemens and megaseconds are not milliseconds */
	ck_assert(parse_ok("2 mS", SNN_DIM_CONDUCTANCE) == 2e6);
	ck_assert(parse_ok("2 Ms", SNN_DIM_TIME) == 2e9);
}
END_TEST

/* A value given with an exponent: 1e-4 s is 0.1 ms; the decimal exponent is
 * shifted rather than the double scaled, so it is exact, not just within an ulp. */
START_TEST(test_exponent_forms)
{
	double v = parse_ok("1e-4 s", SNN_DIM_TIME);
	ck_assert(fabs(v - 0.1) <= nextafter(0.1, 1.0) - 0.1);
	ck_assert(v == 0.1);
	ck_assert(parse_ok("1e-4s", SNN_DIM_TIME) == 0.1);
	ck_assert(parse_ok("1E-4 s", SNN_DIM_TIME) == 0.1);
	ck_assert(parse_ok("2e+1 kHz", SNN_DIM_RATE) == 20000.0);
	ck_assert(parse_ok("-6.5e1 mV", SNN_DIM_VOLTAGE) == -65.0);
	ck_assert(parse_ok("1e-3 V", SNN_DIM_VOLTAGE) == 1.0);
	ck_assert(parse_ok("0e99999 s", SNN_DIM_TIME) == 0.0);
	/* very long digit strings still convert (within an ulp) */
	const char *lng = "0.1000000000000000000000000000000000000000000000000000000000000"
			  "0000000000000000000000000000000000000000000000000000000000000000"
			  "00000000000000000000 s";
	v = parse_ok(lng, SNN_DIM_TIME);
	ck_assert(fabs(v - 100.0) <= nextafter(100.0, 200.0) - 100.0);
}
END_TEST

START_TEST(test_blanks_and_signs)
{
	ck_assert(parse_ok("  0.1 ms", SNN_DIM_TIME) == 0.1);
	ck_assert(parse_ok("0.1 ms  ", SNN_DIM_TIME) == 0.1);
	ck_assert(parse_ok("\t0.1\tms\t", SNN_DIM_TIME) == 0.1);
	ck_assert(parse_ok("0.1    ms", SNN_DIM_TIME) == 0.1);
	ck_assert(parse_ok("0.1 ms\n", SNN_DIM_TIME) == 0.1);
	ck_assert(parse_ok("-70mV", SNN_DIM_VOLTAGE) == -70.0);
	ck_assert(parse_ok("-0.5 nA", SNN_DIM_CURRENT) == -500.0);
	ck_assert(parse_ok("+20 kHz", SNN_DIM_RATE) == 20000.0);
	ck_assert(parse_ok("-1.5e-3 s", SNN_DIM_TIME) == -1.5);
	double z = parse_ok("-0 ms", SNN_DIM_TIME);
	ck_assert(z == 0.0 && signbit(z));
}
END_TEST

START_TEST(test_plain_numbers)
{
	ck_assert(parse_ok("2.5", SNN_DIM_NONE) == 2.5);
	ck_assert(parse_ok("  -3e2  ", SNN_DIM_NONE) == -300.0);
	ck_assert(parse_ok("0", SNN_DIM_NONE) == 0.0);
	ck_assert(parse_ok("+4", SNN_DIM_NONE) == 4.0);
	ck_assert(parse_ok("1e-300", SNN_DIM_NONE) == 1e-300);
	ck_assert(parse_ok("0.1", SNN_DIM_NONE) == 0.1);
}
END_TEST

START_TEST(test_error_missing_unit)
{
	parse_fails("0.1", SNN_DIM_TIME, "missing unit in '0.1': expected a time such as '1.5 ms'");
	parse_fails("  -65 ", SNN_DIM_VOLTAGE,
		    "missing unit in '  -65 ': expected a voltage such as '-65 mV'");
	parse_fails("100", SNN_DIM_CURRENT,
		    "missing unit in '100': expected a current such as '100 pA'");
	parse_fails("250", SNN_DIM_CAPACITANCE,
		    "missing unit in '250': expected a capacitance such as '250 pF'");
	parse_fails("1", SNN_DIM_CONDUCTANCE,
		    "missing unit in '1': expected a conductance such as '1 nS'");
	parse_fails("8", SNN_DIM_RATE, "missing unit in '8': expected a rate such as '8 Hz'");
}
END_TEST

START_TEST(test_error_wrong_dimension)
{
	parse_fails("20 mV", SNN_DIM_TIME,
		    "'20 mV' is a voltage, expected a time such as '1.5 ms'");
	parse_fails("1 ms", SNN_DIM_RATE, "'1 ms' is a time, expected a rate such as '8 Hz'");
	parse_fails("1 nS", SNN_DIM_CURRENT,
		    "'1 nS' is a conductance, expected a current such as '100 pA'");
	parse_fails("2 mS", SNN_DIM_TIME,
		    "'2 mS' is a conductance, expected a time such as '1.5 ms'");
	parse_fails("250 pF", SNN_DIM_VOLTAGE,
		    "'250 pF' is a capacitance, expected a voltage such as '-65 mV'");
	parse_fails("5 pA", SNN_DIM_CAPACITANCE,
		    "'5 pA' is a current, expected a capacitance such as '250 pF'");
	parse_fails("3 kHz", SNN_DIM_CONDUCTANCE,
		    "'3 kHz' is a rate, expected a conductance such as '1 nS'");
}
END_TEST

START_TEST(test_error_unknown_unit)
{
	parse_fails("5 parsecs", SNN_DIM_TIME,
		    "unknown unit 'parsecs': expected a time such as '1.5 ms'");
	parse_fails("5 sec", SNN_DIM_TIME, "unknown unit 'sec': expected a time such as '1.5 ms'");
	parse_fails("5 m s", SNN_DIM_TIME, "unknown unit 'm s': expected a time such as '1.5 ms'");
	parse_fails("8 hz", SNN_DIM_RATE, "unknown unit 'hz': expected a rate such as '8 Hz'");
	parse_fails("1,5 ms", SNN_DIM_TIME,
		    "unknown unit ',5 ms': expected a time such as '1.5 ms'");
	parse_fails("1 Gs", SNN_DIM_TIME, "unknown unit 'Gs': expected a time such as '1.5 ms'");
	/* a symbol too long to be any unit names the whole text instead */
	parse_fails("5 abcdefghijklmnopq", SNN_DIM_TIME,
		    "unknown unit in '5 abcdefghijklmnopq': expected a time such as '1.5 ms'");
}
END_TEST

START_TEST(test_error_not_a_number)
{
	parse_fails("abc ms", SNN_DIM_TIME, "expected a time such as '1.5 ms', found 'abc ms'");
	parse_fails("ms", SNN_DIM_TIME, "expected a time such as '1.5 ms', found 'ms'");
	parse_fails("- 5 ms", SNN_DIM_TIME, "expected a time such as '1.5 ms', found '- 5 ms'");
	parse_fails(".ms", SNN_DIM_TIME, "expected a time such as '1.5 ms', found '.ms'");
	parse_fails("x", SNN_DIM_NONE, "expected a plain number such as '2.5', found 'x'");
}
END_TEST

START_TEST(test_error_empty)
{
	parse_fails("", SNN_DIM_TIME, "expected a time such as '1.5 ms', found nothing");
	parse_fails("   \t\n", SNN_DIM_VOLTAGE,
		    "expected a voltage such as '-65 mV', found nothing");
	parse_fails("", SNN_DIM_NONE, "expected a plain number such as '2.5', found nothing");
}
END_TEST

START_TEST(test_error_inf_nan_hex)
{
	parse_fails("inf ms", SNN_DIM_TIME, "expected a time such as '1.5 ms', found 'inf ms'");
	parse_fails("-Infinity ms", SNN_DIM_TIME,
		    "expected a time such as '1.5 ms', found '-Infinity ms'");
	parse_fails("nan ms", SNN_DIM_TIME, "expected a time such as '1.5 ms', found 'nan ms'");
	parse_fails("NAN", SNN_DIM_NONE, "expected a plain number such as '2.5', found 'NAN'");
	parse_fails("inf", SNN_DIM_NONE, "expected a plain number such as '2.5', found 'inf'");
	parse_fails("0x10 ms", SNN_DIM_TIME, "expected a time such as '1.5 ms', found '0x10 ms'");
	parse_fails("0X1p3 Hz", SNN_DIM_RATE, "expected a rate such as '8 Hz', found '0X1p3 Hz'");
	parse_fails("0x10", SNN_DIM_NONE, "expected a plain number such as '2.5', found '0x10'");
	/* beyond the range of a double */
	parse_fails("1e999 ms", SNN_DIM_TIME, "expected a time such as '1.5 ms', found '1e999 ms'");
	parse_fails("-1e400", SNN_DIM_NONE,
		    "expected a plain number such as '2.5', found '-1e400'");
	/* representable as written but not in the canonical unit */
	parse_fails("1e300 F", SNN_DIM_CAPACITANCE, "'1e300 F' is out of range for a capacitance");
	parse_fails("-1e306 s", SNN_DIM_TIME, "'-1e306 s' is out of range for a time");
}
END_TEST

START_TEST(test_error_unit_for_plain_number)
{
	parse_fails("2.5 ms", SNN_DIM_NONE,
		    "expected a plain number without a unit, found '2.5 ms'");
	parse_fails("3x", SNN_DIM_NONE, "expected a plain number without a unit, found '3x'");
	parse_fails(" 1 Hz ", SNN_DIM_NONE,
		    "expected a plain number without a unit, found ' 1 Hz '");
}
END_TEST

/* The reason buffer is optional and never overrun. */
START_TEST(test_reason_buffer)
{
	double v = 1.0;
	ck_assert_int_eq(snn_units_parse("20 mV", SNN_DIM_TIME, &v, NULL, 0), -1);
	ck_assert_int_eq(snn_units_parse("20 mV", SNN_DIM_TIME, &v, NULL, 100), -1);
	char small[9];
	memset(small, 'Z', sizeof(small));
	ck_assert_int_eq(snn_units_parse("20 mV", SNN_DIM_TIME, &v, small, 8), -1);
	ck_assert_str_eq(small, "'20 mV'");
	ck_assert_int_eq(small[8], 'Z');
	char none[1] = {'Q'};
	ck_assert_int_eq(snn_units_parse("", SNN_DIM_TIME, &v, none, 0), -1);
	ck_assert_int_eq(none[0], 'Q');
	ck_assert(v == 1.0);
	ck_assert_int_eq(snn_units_parse("3 ms", SNN_DIM_TIME, &v, NULL, 0), 0);
	ck_assert(v == 3.0);
}
END_TEST

static Suite *units_suite(void)
{
	Suite *s = suite_create("units");
	TCase *tc = tcase_create("lookup");
	tcase_add_test(tc, test_dimension_names);
	tcase_add_test(tc, test_canonical_units);
	tcase_add_test(tc, test_lookup_every_symbol);
	tcase_add_test(tc, test_lookup_unknown);
	tcase_add_test(tc, test_word);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, test_parse_every_symbol);
	tcase_add_test(tc, test_exact_conversions);
	tcase_add_test(tc, test_exponent_forms);
	tcase_add_test(tc, test_blanks_and_signs);
	tcase_add_test(tc, test_plain_numbers);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_add_test(tc, test_error_missing_unit);
	tcase_add_test(tc, test_error_wrong_dimension);
	tcase_add_test(tc, test_error_unknown_unit);
	tcase_add_test(tc, test_error_not_a_number);
	tcase_add_test(tc, test_error_empty);
	tcase_add_test(tc, test_error_inf_nan_hex);
	tcase_add_test(tc, test_error_unit_for_plain_number);
	tcase_add_test(tc, test_reason_buffer);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(units_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
