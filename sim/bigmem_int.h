/*
 * Large, long-lived arrays (synapse tables, ring buffers, neuron state) in
 * transparent huge pages where the kernel offers them: a random access into
 * tens of megabytes then costs a cache miss, not also a TLB miss.
 * Layer: sim core, internal. Allocated at build time only.
 */
#ifndef SNN_BIGMEM_INT_H
#define SNN_BIGMEM_INT_H

#include <stddef.h>

/* n bytes, zeroed, aligned to 2 MiB when n is large; NULL when out of memory.
 * Free with big_free. */
void *big_calloc(size_t n);
/* The same, not zeroed. */
void *big_alloc(size_t n);
void big_free(void *p);

#endif
