/*
 * The host emulation of the CUDA engine's device side (tests/gpu_emu.c).
 * Layer: tests.
 */
#ifndef SNN_GPU_EMU_H
#define SNN_GPU_EMU_H

/* What the emulated driver reports: `devices` GPUs (-1: the driver fails)
 * with free_bytes of total_bytes of memory. */
void gpu_emu_set_device(int devices, double free_bytes, double total_bytes);

#endif
