/*
 * The CUDA engine on a GPU: the device's arithmetic against the host's bit
 * for bit (step_exp, Philox uniforms), and whole networks on the GPU
 * against the CPU engine (spikes, statistics, traces) through the public
 * API with backend cuda. Skips (exit 77) when the build has no CUDA or the
 * machine no GPU; tests/cuda.sh compares the examples through snnsim.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#ifdef HAVE_CUDA
#include "cuda/gpu.h"
#include "gpu_cases.h"
#include "rng_int.h"

START_TEST(test_device_exp)
{
	size_t n = 1 << 21;
	double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double));
	ck_assert(x && y);
	struct rng r;
	rng_init(&r, 9, RNG_INIT, 0, 0, 0);
	for (size_t i = 0; i < n; i++) {
		/* the whole range, [-1, 1], subnormal results and the edges */
		switch (i % 4) {
		case 0:
			x[i] = -745.5 + 1455.5 * rng_uniform(&r);
			break;
		case 1:
			x[i] = -1.0 + 2.0 * rng_uniform(&r);
			break;
		case 2:
			x[i] = -745.5 + 37.0 * rng_uniform(&r);
			break;
		default:
			x[i] = -50.0 * rng_uniform(&r);
			break;
		}
	}
	x[0] = 0.0;
	x[1] = NAN;
	x[2] = INFINITY;
	x[3] = -INFINITY;
	x[4] = 709.782712893384;
	char msg[400];
	int rc = gpu_test_exp(x, y, n, msg, sizeof(msg));
	ck_assert_msg(rc == SNN_OK, "%s", msg);
	size_t bad = 0;
	for (size_t i = 0; i < n; i++) {
		double h = step_exp(x[i]);
		if (memcmp(&h, &y[i], sizeof(double)) != 0) {
			if (bad++ < 5) {
				printf("step_exp(%.17g): host %.17g, device %.17g\n", x[i], h,
				       y[i]);
			}
		}
	}
	ck_assert_msg(bad == 0, "%zu of %zu values differ", bad, n);
	free(x);
	free(y);
}
END_TEST

START_TEST(test_device_uniforms)
{
	size_t n = 100000;
	double *u = malloc(n * sizeof(double));
	ck_assert_ptr_nonnull(u);
	char msg[400];
	uint64_t counter = (uint64_t)123456 << 8;
	int rc = gpu_test_uniform(42, 3, 1000, counter, n, u, msg, sizeof(msg));
	ck_assert_msg(rc == SNN_OK, "%s", msg);
	for (size_t i = 0; i < n; i++) {
		philox4x32_ctr_t b = rng_block(42, RNG_POISSON, 3, 1000 + (uint32_t)i, counter);
		ck_assert(rng_words_to_open01(b.v[0], b.v[1]) == u[i]);
	}
	free(u);
}
END_TEST

/* Runs a config text on a backend and reads back spikes and the trace. */
static snn_spike_data *run_backend(const char *yaml, const char *backend, snn_stats *st,
				   const char *trace, double **rows, size_t *nr, size_t *nc)
{
	snn_net *net = tu_load(yaml);
	snn_diag *d = snn_diag_new();
	ck_assert_int_eq(snn_net_set_backend(net, backend, d), SNN_OK);
	snn_spike_data *sd = tu_run(net, 2, st);
	*rows = tu_read_trace(trace, "e", nr, nc);
	snn_diag_free(d);
	snn_net_free(net);
	return sd;
}

START_TEST(test_everything_on_gpu)
{
	const char *dir = tu_tmpdir("cuda_all");
	char ta[4200], tb[4200];
	snprintf(ta, sizeof(ta), "%s/a.h5", dir);
	snprintf(tb, sizeof(tb), "%s/b.h5", dir);
	char *ya = tu_fmt(GPU_CASE_EVERYTHING, ta), *yb = tu_fmt(GPU_CASE_EVERYTHING, tb);
	snn_stats sa, sb;
	double *ra, *rb;
	size_t nra, nca, nrb, ncb;
	snn_spike_data *a = run_backend(ya, "cpu", &sa, ta, &ra, &nra, &nca);
	snn_spike_data *b = run_backend(yb, "cuda", &sb, tb, &rb, &nrb, &ncb);
	ck_assert_uint_eq(a->n_pops, b->n_pops);
	uint64_t total = 0;
	for (size_t i = 0; i < a->n_pops; i++) {
		const snn_spike_population *p = &a->pops[i], *q = &b->pops[i];
		ck_assert_str_eq(p->name, q->name);
		ck_assert_uint_eq(p->n, q->n);
		ck_assert(memcmp(p->t_ms, q->t_ms, p->n * sizeof(double)) == 0);
		ck_assert(memcmp(p->node_ids, q->node_ids, p->n * sizeof(uint64_t)) == 0);
		total += p->n;
	}
	ck_assert(total > 1000);
	ck_assert_uint_eq(sa.spikes, sb.spikes);
	ck_assert_uint_eq(sa.events, sb.events);
	ck_assert_uint_eq(sa.synapses, sb.synapses);
	ck_assert_uint_eq(nra, nrb);
	ck_assert_uint_eq(nca, ncb);
	ck_assert(memcmp(ra, rb, nra * nca * sizeof(double)) == 0);
	ck_assert_ptr_nonnull(sb.device);
	printf("GPU (%s): %llu spikes and a %zu x %zu trace identical to the CPU's; "
	       "%.2f bytes per synapse on the device\n",
	       sb.device, (unsigned long long)total, nra, nca,
	       sb.synapse_bytes / (double)sb.synapses);
	free(ra);
	free(rb);
	snn_spike_data_free(a);
	snn_spike_data_free(b);
	free(ya);
	free(yb);
}
END_TEST
#endif

int main(void)
{
#ifndef HAVE_CUDA
	printf("this build has no CUDA engine: skipped\n");
	return 77;
#else
	char msg[400] = "";
	int n = 0;
	if (gpu_device_count(&n, msg, sizeof(msg)) != SNN_OK || n == 0) {
		printf("no usable CUDA device (%s): skipped\n", n == 0 && !msg[0] ? "none" : msg);
		return 77;
	}
	Suite *s = suite_create("cuda");
	TCase *tc = tcase_create("gpu");
	tcase_set_timeout(tc, 1200);
	tcase_add_test(tc, test_device_exp);
	tcase_add_test(tc, test_device_uniforms);
	tcase_add_test(tc, test_everything_on_gpu);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
#endif
}
