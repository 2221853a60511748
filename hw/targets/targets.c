/*
 * The target table (targets.h). A new board is a new entry here and, when
 * it needs one, a folder of board files beside this one.
 * Layer: hw (target descriptions). Data only.
 */
#include <stddef.h>
#include <string.h>

#include "targets.h"

#define ARM_QEMU_ARGS \
	"-semihosting-config enable=on,target=native -nographic -monitor none -serial none"

static const struct snn_target targets[] = {
    {
	.name = "host",
	.backend = "mcu",
	.describe = "this machine, built with cc as an ordinary program (tests)",
	.board = "host",
	.word_bits = 64,
	.cc = "cc",
	.cflags = "",
	.ldflags = "",
	.flash_origin = 0,
	.flash_bytes = 0xffffffffu,
	.ram_origin = 0,
	.ram_bytes = 0xffffffffu,
	.stack_bytes = 0,
	.qemu = NULL,
	.qemu_args = "",
	.icount_args = "",
    },
    {
	.name = "cortex-m3",
	.backend = "mcu",
	.describe = "Arm Cortex-M3, QEMU mps2-an385 (4 MiB code SSRAM, 4 MiB data SSRAM)",
	.board = "cortex-m",
	.word_bits = 32,
	.cc = "arm-none-eabi-gcc",
	.cflags = "-mcpu=cortex-m3 -mthumb",
	.ldflags = "",
	.flash_origin = 0x00000000u,
	.flash_bytes = 4u << 20,
	.ram_origin = 0x20000000u,
	.ram_bytes = 4u << 20,
	.stack_bytes = 8192,
	.qemu = "qemu-system-arm",
	.qemu_args = "-M mps2-an385 " ARM_QEMU_ARGS,
	.icount_args = "-icount shift=0",
    },
    {
	.name = "cortex-m4",
	.backend = "mcu",
	.describe = "Arm Cortex-M4, QEMU mps2-an386 (4 MiB code SSRAM, 4 MiB data SSRAM)",
	.board = "cortex-m",
	.word_bits = 32,
	.cc = "arm-none-eabi-gcc",
	.cflags = "-mcpu=cortex-m4 -mthumb -mfloat-abi=soft",
	.ldflags = "",
	.flash_origin = 0x00000000u,
	.flash_bytes = 4u << 20,
	.ram_origin = 0x20000000u,
	.ram_bytes = 4u << 20,
	.stack_bytes = 8192,
	.qemu = "qemu-system-arm",
	.qemu_args = "-M mps2-an386 " ARM_QEMU_ARGS,
	.icount_args = "-icount shift=0",
    },
    {
	.name = "riscv32",
	.backend = "mcu",
	.describe = "32-bit RISC-V rv32imac, QEMU virt (image in 16 MiB of its RAM)",
	.board = "riscv32",
	.word_bits = 32,
	.cc = "riscv64-unknown-elf-gcc",
	.cflags = "-march=rv32imac_zicsr -mabi=ilp32 -mcmodel=medany",
	.ldflags = "",
	.flash_origin = 0x80000000u,
	.flash_bytes = 8u << 20,
	.ram_origin = 0x80800000u,
	.ram_bytes = 8u << 20,
	.stack_bytes = 8192,
	.qemu = "qemu-system-riscv32",
	.qemu_args = "-M virt -bios none -m 32M -nographic -monitor none -serial none "
		     "-semihosting-config enable=on,target=native",
	.icount_args = "-icount shift=0",
    },
};

const struct snn_target *snn_target_find(const char *name)
{
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		if (strcmp(targets[i].name, name) == 0) {
			return &targets[i];
		}
	}
	return NULL;
}

const struct snn_target *snn_target_at(unsigned i)
{
	return i < sizeof(targets) / sizeof(targets[0]) ? &targets[i] : NULL;
}
