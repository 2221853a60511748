/*
 * Targets that snncc compiles for, described as data: memory, compiler and
 * flags, board support files and the QEMU command that runs an image.
 * Layer: hw (target descriptions). Read by compiler/; no code of its own.
 */
#ifndef SNN_TARGETS_H
#define SNN_TARGETS_H

#include <stdint.h>

struct snn_target {
	const char *name;     /* --target value */
	const char *backend;  /* the compiler backend that emits for it ("mcu") */
	const char *describe; /* one line for --help */
	const char *board;    /* folder under hw/targets with the board files */
	unsigned word_bits;
	const char *cc;	    /* C compiler of the image */
	const char *cflags; /* architecture and ABI flags */
	const char *ldflags;
	/* memory: the image's code and constants go to flash, state to RAM */
	uint32_t flash_origin, flash_bytes;
	uint32_t ram_origin, ram_bytes;
	uint32_t stack_bytes;	 /* reserved at the top of RAM */
	const char *qemu;	 /* program; NULL for the host */
	const char *qemu_args;	 /* before -kernel IMAGE */
	const char *icount_args; /* extra arguments for deterministic instruction counts */
};

/* The target named `name`, or NULL. */
const struct snn_target *snn_target_find(const char *name);
/* Targets in order, NULL after the last. */
const struct snn_target *snn_target_at(unsigned i);

#endif
