/*
 * The allocation seam (mem_int.h): overflow-checked, zero-size safe wrappers
 * of malloc and friends, with a countdown that fails allocations on request.
 * Layer: sim core, internal. It must not print, abort or depend on libsnn.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem_int.h"

/*
 * The only mutable state of the library outside a handle, and it is for
 * tests: `fail_at` < 0 means "never fail"; otherwise the allocation whose
 * serial number (counted from the last mem_fail_after) reaches it fails.
 */
static atomic_long fail_at = -1;
static atomic_long served;

void mem_fail_after(long k)
{
	atomic_store(&served, 0);
	atomic_store(&fail_at, k < 0 ? -1 : k);
}

long mem_alloc_count(void)
{
	return atomic_load(&served);
}

bool mem_hook_fails(void)
{
	long at = atomic_load_explicit(&fail_at, memory_order_relaxed);
	long n = atomic_fetch_add_explicit(&served, 1, memory_order_relaxed);
	return at >= 0 && n >= at;
}

void *mem_alloc(size_t n)
{
	if (mem_hook_fails()) {
		return NULL;
	}
	return malloc(n ? n : 1);
}

void *mem_zalloc(size_t n)
{
	if (mem_hook_fails()) {
		return NULL;
	}
	return calloc(n ? n : 1, 1);
}

void *mem_array(size_t n, size_t size)
{
	if (mem_overflows(n, size) || mem_hook_fails()) {
		return NULL;
	}
	if (n == 0 || size == 0) {
		return calloc(1, 1);
	}
	return calloc(n, size);
}

void *mem_array_raw(size_t n, size_t size)
{
	if (mem_overflows(n, size) || mem_hook_fails()) {
		return NULL;
	}
	size_t bytes = n * size;
	return malloc(bytes ? bytes : 1);
}

void *mem_resize(void *p, size_t n, size_t size)
{
	if (mem_overflows(n, size) || mem_hook_fails()) {
		return NULL;
	}
	size_t bytes = n * size;
	return realloc(p, bytes ? bytes : 1);
}

int mem_grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap && *p != NULL) {
		return SNN_OK;
	}
	size_t ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2) {
			ncap = need;
			break;
		}
		ncap *= 2;
	}
	unsigned char *q = mem_resize(*p, ncap, size);
	if (!q) {
		return SNN_ENOMEM;
	}
	size_t old = *p ? *cap : 0;
	memset(q + old * size, 0, (ncap - old) * size);
	*p = q;
	*cap = ncap;
	return SNN_OK;
}

char *mem_strndup(const char *s, size_t n)
{
	if (!s) {
		return NULL;
	}
	size_t len = strnlen(s, n);
	if (len == SIZE_MAX) {
		return NULL;
	}
	char *c = mem_alloc(len + 1);
	if (c) {
		memcpy(c, s, len);
		c[len] = '\0';
	}
	return c;
}

char *mem_strdup(const char *s)
{
	return s ? mem_strndup(s, strlen(s)) : NULL;
}

void mem_free(void *p)
{
	free(p);
}

int mem_nomem(snn_diag *d)
{
	return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0, "out of memory");
}
