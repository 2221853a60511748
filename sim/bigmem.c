/*
 * Huge-page backed allocations for large arrays (bigmem_int.h).
 * Layer: sim core, internal.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bigmem_int.h"
#include "mem_int.h"

#define HUGE_PAGE ((size_t)2 << 20)

void *big_alloc(size_t n)
{
	if (n < HUGE_PAGE) {
		return mem_alloc(n);
	}
	/* The seam's one other door: aligned blocks need posix_memalign, which
	 * mem.c does not wrap; it asks the fault-injection hook all the same. */
	if (mem_hook_fails()) {
		return NULL;
	}
	void *p = NULL;
	size_t rounded = (n + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
	if (posix_memalign(&p, HUGE_PAGE, rounded) != 0) {
		return NULL;
	}
#ifdef MADV_HUGEPAGE
	/* only advice: without transparent huge pages this changes nothing */
	madvise(p, rounded, MADV_HUGEPAGE);
#endif
	return p;
}

void *big_calloc(size_t n)
{
	void *p = big_alloc(n);
	if (p) {
		memset(p, 0, n);
	}
	return p;
}

void big_free(void *p)
{
	mem_free(p); /* posix_memalign's blocks go back through free() too */
}
