/*
 * The main program of an image: runs the model on the test input that snncc
 * recorded and checks every step's outputs against the host run of the same
 * quantized model; exits 0 when all are equal, 1 at the first difference.
 * Layer: hw/targets (copied into images). Freestanding: board.h for output.
 */
#include <stdint.h>

#include "board.h"
#include "model.h"
#include "snnrt.h"

/* All mutable state of the image. */
static struct {
	struct snnrt_ram rt;
	int32_t words[SNN_N_WORDS];
	int32_t input[SNN_N_INPUTS + 1];
} ram;

/* n / 10 and n % 10 by shifts and subtraction (no 64-bit division helper). */
static uint64_t div10(uint64_t n, uint32_t *rem)
{
	uint64_t q = 0, r = 0;
	for (int b = 63; b >= 0; b--) {
		r = (r << 1) | ((n >> b) & 1u);
		if (r >= 10u) {
			r -= 10u;
			q |= (uint64_t)1 << b;
		}
	}
	*rem = (uint32_t)r;
	return q;
}

static void put_u64(uint64_t n)
{
	char buf[24];
	int k = 22;
	buf[23] = 0;
	do {
		uint32_t d;
		n = div10(n, &d);
		buf[k--] = (char)('0' + d);
	} while (n && k >= 0);
	board_puts(&buf[k + 1]);
}

static void put_i32(int32_t v)
{
	if (v < 0) {
		board_puts("-");
		put_u64((uint64_t)(-(int64_t)v));
	} else {
		put_u64((uint64_t)v);
	}
}

static int mismatch(uint32_t step, uint32_t index, int32_t got, int32_t want)
{
	board_puts("snn image: step ");
	put_u64(step);
	board_puts(", output ");
	put_u64(index);
	board_puts(": got ");
	put_i32(got);
	board_puts(", the host run has ");
	put_i32(want);
	board_puts("\n");
	return 1;
}

int main(void)
{
	ram.rt.words = ram.words;
	snnrt_init(&snn_model, &ram.rt);
	uint32_t e = 0;
	uint64_t events = 0, outputs = 0;
	uint64_t i0 = board_instret();
	for (uint32_t t = 0; t < SNN_TEST_STEPS; t++) {
		for (uint32_t k = snn_test_in_off[t]; k < snn_test_in_off[t + 1]; k++) {
			ram.input[snn_test_in_idx[k]] = snn_test_in_val[k];
		}
		snnrt_step(&snn_model, &ram.rt, ram.input);
		events += ram.rt.syn_events;
		for (uint32_t k = snn_test_in_off[t]; k < snn_test_in_off[t + 1]; k++) {
			ram.input[snn_test_in_idx[k]] = 0;
		}
		uint32_t o = 0;
		for (uint32_t p = 0; p < snn_model.n_outputs; p++) {
			uint32_t pop = snn_model.outputs[p];
			const int32_t *y = snnrt_output(&snn_model, &ram.rt, pop);
			for (uint32_t i = 0; i < snn_model.pops[pop].size; i++, o++) {
				if (y[i] == 0) {
					continue;
				}
				if (e >= snn_test_out_off[t + 1] || snn_test_out_idx[e] != o) {
					return mismatch(t, o, y[i], 0);
				}
				if (snn_test_out_val[e] != y[i]) {
					return mismatch(t, o, y[i], snn_test_out_val[e]);
				}
				e++;
				outputs++;
			}
		}
		if (e != snn_test_out_off[t + 1]) {
			return mismatch(t, snn_test_out_idx[e], 0, snn_test_out_val[e]);
		}
	}
	uint64_t i1 = board_instret();
	board_puts("snn image: ");
	put_u64(SNN_TEST_STEPS);
	board_puts(" steps, ");
	put_u64(outputs);
	board_puts(" nonzero outputs equal to the host run, ");
	put_u64(events);
	board_puts(" synaptic events\n");
	if (i1 > i0) {
		board_puts("snn image: instructions retired ");
		put_u64(i1 - i0);
		board_puts(" in ");
		put_u64(SNN_TEST_STEPS);
		board_puts(" steps\n");
	}
	return 0;
}
