/*
 * A STREAM-style triad (a[i] = b[i] + s * c[i]) over arrays far larger than
 * the caches: the memory bandwidth this machine gives the given number of
 * threads, so that synaptic events per second can be read as a fraction of
 * what the memory allows. Prints one JSON line.
 * Layer: benchmarks (not part of libsnn).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 1;
	size_t n = (size_t)32 << 20; /* 32 Mi doubles: 256 MiB per array */
	if (threads < 1) {
		fprintf(stderr, "usage: stream [THREADS]\n");
		return 2;
	}
	double *a = malloc(n * sizeof(double));
	double *b = malloc(n * sizeof(double));
	double *c = malloc(n * sizeof(double));
	if (!a || !b || !c) {
		fprintf(stderr, "stream: out of memory\n");
		return 1;
	}
#ifdef _OPENMP
	omp_set_num_threads(threads);
#endif
	long ln = (long)n;
#pragma omp parallel for schedule(static)
	for (long i = 0; i < ln; i++) {
		a[i] = 0.0;
		b[i] = 1.0;
		c[i] = 2.0;
	}
	double best = 1e30;
	for (int rep = 0; rep < 10; rep++) {
		double t0 = now_s();
#pragma omp parallel for schedule(static)
		for (long i = 0; i < ln; i++) {
			a[i] = b[i] + 3.0 * c[i];
		}
		double t = now_s() - t0;
		best = t < best ? t : best;
	}
	double gbs = 3.0 * (double)n * sizeof(double) / best / 1e9;
	printf("{\"case\": \"stream-triad\", \"threads\": %d, \"bandwidth_gb_s\": %.3f, "
	       "\"check\": %g}\n",
	       threads, gbs, a[n / 2]);
	free(a);
	free(b);
	free(c);
	return 0;
}
