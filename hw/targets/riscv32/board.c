/*
 * RISC-V board support for QEMU's virt machine: RISC-V semihosting (the
 * slli/ebreak/srai sequence, uncompressed) for output and the exit status,
 * and the instret counter.
 * Layer: hw/targets (copied into images). Freestanding; no libc.
 */
#include <stdint.h>

#include "board.h"

static int32_t semihost(uint32_t op, const void *arg)
{
	register uint32_t a0 __asm__("a0") = op;
	register const void *a1 __asm__("a1") = arg;
	__asm__ volatile(".option push\n"
			 ".option norvc\n"
			 "slli x0, x0, 0x1f\n"
			 "ebreak\n"
			 "srai x0, x0, 7\n"
			 ".option pop\n"
			 : "+r"(a0)
			 : "r"(a1)
			 : "memory");
	return (int32_t)a0;
}

void board_puts(const char *s)
{
	semihost(0x04, s);
}

_Noreturn void board_exit(int status)
{
	uint32_t block[2] = {0x20026u, (uint32_t)status};
	semihost(0x20, block);
	for (;;) {
	}
}

uint64_t board_instret(void)
{
	uint32_t hi, lo, hi2;
	do {
		__asm__ volatile("csrr %0, minstreth" : "=r"(hi));
		__asm__ volatile("csrr %0, minstret" : "=r"(lo));
		__asm__ volatile("csrr %0, minstreth" : "=r"(hi2));
	} while (hi != hi2);
	return ((uint64_t)hi << 32) | lo;
}
