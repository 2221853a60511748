/*
 * Physical quantities written with their unit ("0.1 ms", "20 mV", "8 Hz"),
 * and words among fixed choices ("grid|event"). Public layer. Every value is
 * converted to Spikeforge's canonical units: ms, mV, pA, pF, nS, Hz (the
 * units of NEST). A value without a unit, or with a unit of the wrong
 * dimension, is an error, never a guess.
 */
#ifndef SNN_UNITS_H
#define SNN_UNITS_H

#include <stddef.h>

#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

enum snn_dim {
	SNN_DIM_NONE,	     /* a pure number: no unit allowed */
	SNN_DIM_TIME,	     /* canonical ms */
	SNN_DIM_VOLTAGE,     /* canonical mV */
	SNN_DIM_CURRENT,     /* canonical pA */
	SNN_DIM_CAPACITANCE, /* canonical pF */
	SNN_DIM_CONDUCTANCE, /* canonical nS */
	SNN_DIM_RATE,	     /* canonical Hz */
	SNN_DIM_COUNT_	     /* number of dimensions (not a dimension) */
};

/* Human name of a dimension ("a time"), and an example value ("1.5 ms"). */
SNN_API const char *snn_dim_name(enum snn_dim dim);
SNN_API const char *snn_dim_example(enum snn_dim dim);
/* Canonical unit symbol of a dimension ("ms"; "" for SNN_DIM_NONE). */
SNN_API const char *snn_dim_unit(enum snn_dim dim);

/* Parses `text` (a number, optional blanks, a unit symbol with an optional SI
 * prefix: "0.1 ms", "200ms", "-65 mV", "20 kHz", "1e-4 s", "250 pF", "1 nS",
 * "10 uS", "1 nA") as a quantity of dimension `dim` and stores its value in
 * the canonical unit. For SNN_DIM_NONE the text must be a plain number.
 * Returns 0, or -1 with a one-line reason in `why` (at most whylen bytes,
 * e.g. "missing unit: expected a time such as '1.5 ms'"). */
SNN_API int snn_units_parse(const char *text, enum snn_dim dim, double *value, char *why,
			    size_t whylen);

/* Dimension of a unit symbol such as "ms" or "kHz" and its factor to the
 * canonical unit; -1 when the symbol is not a known unit. */
SNN_API int snn_units_lookup(const char *symbol, enum snn_dim *dim, double *factor);

/* The index (0 for the first) of `word` among the '|'-separated words of
 * `choices` ("value|subtract"), or -1 when it is none of them; the empty word
 * matches nothing. Whole words, case-sensitive: the one string-to-choice
 * mapper of options and conventions. */
SNN_API int snn_units_word(const char *word, const char *choices);

#ifdef __cplusplus
}
#endif

#endif
