/*
 * Small helpers that several files of the library share.
 * Layer: sim core, internal, at the bottom: depends on the C library alone,
 * holds no state.
 */
#ifndef SNN_UTIL_INT_H
#define SNN_UTIL_INT_H

#include <time.h>

/* Seconds on the monotonic clock, for wall-time statistics (differences of
 * two calls only: the origin is arbitrary). */
static inline double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

#endif
