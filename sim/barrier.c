/*
 * The engine's barrier (barrier_int.h): a counter and a generation number;
 * the last thread to arrive resets the counter, advances the generation and
 * wakes the sleepers.
 */
#include "config.h"

#include <sched.h>
#include <time.h>
#ifdef __linux__
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#include "barrier_int.h"

#define BARRIER_SPIN_NS 20000u /* 20 us: a few times the usual imbalance of a step */

void engine_barrier_init(struct engine_barrier *b, uint32_t n)
{
	atomic_init(&b->arrived, 0);
	atomic_init(&b->generation, 0);
	atomic_init(&b->sleepers, 0);
	b->n = n ? n : 1;
	b->spin_ns = BARRIER_SPIN_NS;
}

static uint64_t clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* Sleeps while the generation is still gen (or returns at once). */
static void sleep_on(struct engine_barrier *b, uint32_t gen)
{
#ifdef __linux__
	syscall(SYS_futex, (uint32_t *)&b->generation, FUTEX_WAIT_PRIVATE, gen, NULL, NULL, 0);
#else
	(void)b;
	(void)gen;
	sched_yield();
#endif
}

static void wake_all(struct engine_barrier *b)
{
#ifdef __linux__
	syscall(SYS_futex, (uint32_t *)&b->generation, FUTEX_WAKE_PRIVATE, (int)b->n, NULL, NULL,
		0);
#else
	(void)b;
#endif
}

uint64_t engine_barrier_wait(struct engine_barrier *b)
{
	if (b->n == 1) {
		atomic_thread_fence(memory_order_seq_cst);
		return 0;
	}
	uint32_t gen = atomic_load_explicit(&b->generation, memory_order_acquire);
	if (atomic_fetch_add_explicit(&b->arrived, 1, memory_order_acq_rel) + 1 == b->n) {
		atomic_store_explicit(&b->arrived, 0, memory_order_relaxed);
		atomic_fetch_add_explicit(&b->generation, 1, memory_order_seq_cst);
		if (atomic_load_explicit(&b->sleepers, memory_order_seq_cst)) {
			wake_all(b);
		}
		return 0;
	}
	/* spin a little: the usual case on an idle machine */
	uint64_t t0 = clock_ns();
	for (uint32_t k = 0;; k++) {
		for (int j = 0; j < 64; j++) {
			if (atomic_load_explicit(&b->generation, memory_order_acquire) != gen) {
				return clock_ns() - t0;
			}
			cpu_relax();
		}
		if ((k & 7) == 7 && clock_ns() - t0 > b->spin_ns) {
			break;
		}
	}
	/* then sleep; the sleeper count is raised before the generation is
	 * checked again, so the last thread either sees it and wakes us, or
	 * advanced the generation before our check (and the futex returns) */
	atomic_fetch_add_explicit(&b->sleepers, 1, memory_order_seq_cst);
	while (atomic_load_explicit(&b->generation, memory_order_seq_cst) == gen) {
		sleep_on(b, gen);
	}
	atomic_fetch_sub_explicit(&b->sleepers, 1, memory_order_seq_cst);
	return clock_ns() - t0;
}
