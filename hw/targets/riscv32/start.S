/*
 * RISC-V (rv32, QEMU virt, -bios none) entry: stack, zeroed .bss, main, exit.
 * Layer: hw/targets (copied into images).
 */
	.section .text.start
	.globl _start
_start:
	.option push
	.option norelax
	la gp, __global_pointer$
	.option pop
	la sp, _estack
	la t0, _sbss
	la t1, _ebss
1:	bgeu t0, t1, 2f
	sw zero, 0(t0)
	addi t0, t0, 4
	j 1b
2:	call main
	call board_exit
3:	j 3b
