/*
 * A barrier for the engine's threads that stays fast on a busy machine.
 * A waiting thread spins for a short while (the others usually arrive within
 * microseconds) and then sleeps in the kernel until the last one arrives, so
 * that a thread waiting for a descheduled peer gives its core back instead of
 * spinning through the peer's time slice (OpenMP's default barrier spins for
 * far longer, which made runs ten times slower when other programs shared the
 * cores).
 * Layer: sim core, internal. Linux futexes; elsewhere the sleep is a yield.
 */
#ifndef SNN_BARRIER_INT_H
#define SNN_BARRIER_INT_H

#include <stdatomic.h>
#include <stdint.h>

struct engine_barrier {
	_Atomic uint32_t arrived;    /* threads that reached the current barrier */
	_Atomic uint32_t generation; /* completed barriers; sleepers wait on it */
	_Atomic uint32_t sleepers;   /* threads asleep (or about to be) on generation */
	uint32_t n;		     /* threads that take part */
	uint32_t spin_ns;	     /* spinning time before sleeping */
};

/* Prepares b for n threads (n >= 1). */
void engine_barrier_init(struct engine_barrier *b, uint32_t n);
/* Returns once all n threads have called it; also a full memory fence
 * between what each thread wrote before and what any reads after. Returns
 * the nanoseconds the caller waited (0 for the last to arrive). */
uint64_t engine_barrier_wait(struct engine_barrier *b);

#endif
