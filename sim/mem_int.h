/*
 * The one allocation seam of libsnn: every allocation of the library goes
 * through these functions, which check sizes for overflow, accept zero sizes,
 * and let a test fail the Nth allocation (mem_fail_after) to prove that every
 * failure path returns SNN_ENOMEM cleanly and leaks nothing.
 * Layer: sim core, internal (hidden from the shared library). Depends on libc only.
 */
#ifndef SNN_MEM_INT_H
#define SNN_MEM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "snn/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* n bytes, not initialized; a zero n gives a valid, unique pointer. NULL when
 * out of memory (or when the fault-injection hook says so). Free with mem_free. */
void *mem_alloc(size_t n);
/* n bytes, zeroed. */
void *mem_zalloc(size_t n);
/* An array of n elements of `size` bytes, zeroed; NULL when n * size
 * overflows size_t or memory runs out. */
void *mem_array(size_t n, size_t size);
/* The same, not initialized (for arrays that are filled at once). */
void *mem_array_raw(size_t n, size_t size);
/* Resizes p (which may be NULL) to n elements of `size` bytes; the new tail
 * is not initialized. On failure returns NULL and p is left untouched. */
void *mem_resize(void *p, size_t n, size_t size);
/* Grows *p, an array of *cap elements of `size` bytes, so that it holds at
 * least `need` elements: the capacity at least doubles, so appends cost
 * amortized O(1). The new tail is zeroed. Returns SNN_OK, or SNN_ENOMEM with
 * *p and *cap untouched. */
int mem_grow(void **p, size_t *cap, size_t need, size_t size);
/* A copy of s (NULL when s is NULL or memory runs out). */
char *mem_strdup(const char *s);
/* A copy of the first n bytes of s, NUL-terminated. */
char *mem_strndup(const char *s, size_t n);
/* Frees what the functions above returned; accepts NULL. */
void mem_free(void *p);

/* Records the library's one out-of-memory message in d and returns
 * SNN_ENOMEM: `return mem_nomem(d);`. */
int mem_nomem(snn_diag *d);

/* true when an allocation of n * size bytes would overflow size_t. */
static inline bool mem_overflows(size_t n, size_t size)
{
	return size != 0 && n > (size_t)-1 / size;
}

/*
 * Fault injection, for tests only: after mem_fail_after(k), the k allocations
 * that follow succeed and every one after them fails, until
 * mem_fail_after(-1) turns the hook off (the default). mem_alloc_count is the
 * number of allocations made since the last mem_fail_after. The counters are
 * atomic, so a multithreaded build counts every allocation; a production run
 * pays one predictable branch per allocation.
 */
void mem_fail_after(long k);
long mem_alloc_count(void);
/* Asks the hook for one allocation: true when it must fail. Used by the few
 * allocators outside this file (bigmem.c). */
bool mem_hook_fails(void);

#ifdef __cplusplus
}
#endif

#endif
