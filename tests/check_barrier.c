/*
 * Tests of the engine's barrier (sim/barrier.c): no thread leaves a barrier
 * before every thread has reached it, and what each wrote before is seen by
 * all after, over many rounds, with spinning, with sleeping at once, and with
 * more threads than cores (where threads must sleep and be woken).
 */
#include "config.h"

#include <check.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "barrier_int.h"

#define MAX_THREADS 16

/* Each round every thread writes its slot, meets the others, checks every
 * slot, and meets them again before the next round overwrites its slot.
 * Returns the number of wrong slots seen. */
static long rounds(int nthreads, uint32_t spin_ns, int n_rounds)
{
	struct engine_barrier b;
	engine_barrier_init(&b, (uint32_t)nthreads);
	b.spin_ns = spin_ns;
	int slot[MAX_THREADS] = {0};
	_Atomic long wrong = 0;
	int started = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nthreads) default(none) \
    shared(b, slot, wrong, started, n_rounds, nthreads)
#endif
	{
#ifdef _OPENMP
		int me = omp_get_thread_num();
#pragma omp single
		started = omp_get_num_threads();
#else
		int me = 0;
		started = 1;
#endif
		if (started == nthreads) {
			for (int r = 1; r <= n_rounds; r++) {
				slot[me] = r;
				engine_barrier_wait(&b);
				for (int k = 0; k < nthreads; k++) {
					if (slot[k] != r) {
						atomic_fetch_add(&wrong, 1);
					}
				}
				engine_barrier_wait(&b);
			}
		}
	}
	ck_assert_int_eq(started, nthreads);
	return atomic_load(&wrong);
}

START_TEST(test_two_threads_spinning)
{
	ck_assert_int_eq(rounds(2, 20000, 20000), 0);
}
END_TEST

START_TEST(test_sleeping_at_once)
{
	ck_assert_int_eq(rounds(2, 0, 5000), 0);
	ck_assert_int_eq(rounds(4, 0, 2000), 0);
}
END_TEST

START_TEST(test_more_threads_than_cores)
{
	ck_assert_int_eq(rounds(MAX_THREADS, 20000, 300), 0);
}
END_TEST

START_TEST(test_one_thread)
{
	ck_assert_int_eq(rounds(1, 20000, 100), 0);
}
END_TEST

static Suite *barrier_suite(void)
{
	Suite *s = suite_create("barrier");
	TCase *tc = tcase_create("barrier");
	tcase_add_test(tc, test_two_threads_spinning);
	tcase_add_test(tc, test_sleeping_at_once);
	tcase_add_test(tc, test_one_thread);
#ifdef _OPENMP
	tcase_add_test(tc, test_more_threads_than_cores);
#endif
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(barrier_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
