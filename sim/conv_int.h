/*
 * Convolution geometry: the taps of a struct proj_conv, the narrow part of
 * the connection rules that the Loihi image's reader needs too.
 * Layer: sim core, internal (defined in connect.c). Must not grow rules.
 */
#ifndef SNN_CONV_INT_H
#define SNN_CONV_INT_H

#include <stdint.h>

#include "net_int.h"

/* Convolution geometry (struct proj_conv, PyTorch semantics), the one place
 * it is written: the CPU builder walks it target by target, the Loihi image's
 * shared kernels source by source. A tap is an (input, output) pair with its
 * kernel entry, index ((co cin_g + ci) kh + ky) kw + kx of cv->kernel.
 * conv_taps_of_output: the taps of output j (C x H x W index), by increasing
 * input index, into in[] and tap[] (room for conv_max_taps_of_output);
 * conv_taps_of_input: the taps of input i, by (co, ky, kx), into out[] and
 * tap[] (room for conv_max_taps_of_input). Both return the count. The
 * geometry must be consistent (groups dividing cin and cout, sizes >= 1). */
uint64_t conv_max_taps_of_output(const struct proj_conv *cv);
uint64_t conv_max_taps_of_input(const struct proj_conv *cv);
uint32_t conv_taps_of_output(const struct proj_conv *cv, uint32_t j, uint32_t *in, uint32_t *tap);
uint32_t conv_taps_of_input(const struct proj_conv *cv, uint32_t i, uint32_t *out, uint32_t *tap);

#endif
