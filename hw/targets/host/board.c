/*
 * Host board: the image built as an ordinary program (target `host`), for
 * tests and for comparing the emitted code with the compiler's own run.
 * Layer: hw/targets (copied into images). Hosted: uses stdio and exit.
 */
#include <stdio.h>
#include <stdlib.h>

#include "board.h"

void board_puts(const char *s)
{
	fputs(s, stderr);
}

_Noreturn void board_exit(int status)
{
	exit(status);
}

uint64_t board_instret(void)
{
	return 0;
}
