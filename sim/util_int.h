/*
 * Small helpers that several files of the library share.
 * Layer: sim core, internal, at the bottom: depends on the C library alone,
 * holds no state.
 */
#ifndef SNN_UTIL_INT_H
#define SNN_UTIL_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

/* Seconds on the monotonic clock, for wall-time statistics (differences of
 * two calls only: the origin is arbitrary). */
static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* qsort comparator of uint32_t values, ascending. */
static inline int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* true when the string s ends with suf (both NUL-terminated). */
static inline bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

#endif
