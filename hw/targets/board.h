/*
 * The few board services an image's main.c uses: text out, exit with a
 * status, and an instruction counter where the board has one.
 * Layer: hw/targets (board support, copied into images). Freestanding.
 */
#ifndef SNN_BOARD_H
#define SNN_BOARD_H

#include <stdint.h>

/* Writes a NUL-terminated string to the console (semihosting on QEMU boards:
 * QEMU's stderr). */
void board_puts(const char *s);
/* Ends the program with a status the shell sees (QEMU exits with it). */
_Noreturn void board_exit(int status);
/* Instructions retired so far, or 0 where the board cannot tell (RISC-V:
 * instret, deterministic under QEMU's -icount shift=0). */
uint64_t board_instret(void);

#endif
