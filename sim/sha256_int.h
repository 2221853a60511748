/*
 * SHA-256 (FIPS 180-4), for the provenance of outputs and the hashes that
 * generated images record.
 * Layer: sim core, internal. Pure computation on caller memory.
 */
#ifndef SNN_SHA256_INT_H
#define SNN_SHA256_INT_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
	size_t nbuf;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[32]);
/* Hash of a buffer as 64 lowercase hex digits and a terminating NUL. */
void sha256_hex(const void *data, size_t len, char out[65]);

#endif
