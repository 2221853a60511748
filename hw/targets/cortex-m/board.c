/*
 * Cortex-M board support for QEMU's mps2 boards: the vector table, a reset
 * handler that copies .data and zeroes .bss before main, and ARM
 * semihosting (bkpt 0xab) for console output and the exit status.
 * Layer: hw/targets (copied into images). Freestanding; no libc.
 */
#include <stdint.h>

#include "board.h"

extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;
int main(void);

static int32_t semihost(uint32_t op, const void *arg)
{
	register uint32_t r0 __asm__("r0") = op;
	register const void *r1 __asm__("r1") = arg;
	__asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return (int32_t)r0;
}

void board_puts(const char *s)
{
	semihost(0x04, s); /* SYS_WRITE0 */
}

_Noreturn void board_exit(int status)
{
	/* SYS_EXIT_EXTENDED: ADP_Stopped_ApplicationExit and the status */
	uint32_t block[2] = {0x20026u, (uint32_t)status};
	semihost(0x20, block);
	for (;;) {
	}
}

uint64_t board_instret(void)
{
	return 0;
}

_Noreturn void board_reset(void);
_Noreturn void board_fault(void);

_Noreturn void board_reset(void)
{
	uint32_t *src = &_sidata;
	for (uint32_t *dst = &_sdata; dst < &_edata;) {
		*dst++ = *src++;
	}
	for (uint32_t *dst = &_sbss; dst < &_ebss;) {
		*dst++ = 0;
	}
	board_exit(main());
}

_Noreturn void board_fault(void)
{
	board_puts("fault\n");
	board_exit(3);
}

/* Initial stack pointer, reset, then NMI and the faults. */
__attribute__((section(".vectors"), used)) static const uintptr_t vectors[16] = {
    (uintptr_t)&_estack,
    (uintptr_t)board_reset,
    (uintptr_t)board_fault,
    (uintptr_t)board_fault,
    (uintptr_t)board_fault,
    (uintptr_t)board_fault,
    (uintptr_t)board_fault,
    0,
    0,
    0,
    0,
    (uintptr_t)board_fault,
    (uintptr_t)board_fault,
    0,
    (uintptr_t)board_fault,
    (uintptr_t)board_fault,
};
