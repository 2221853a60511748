/*
 * The Loihi-class chip image: its byte layout (FORMAT DETAILS below), the
 * field definitions its writer and its reader share, and the image as the
 * emulator holds it once read. image.c is the one file that writes and reads it.
 * Layer: hw, internal to hw/loihi. Not for the compiler's or the sim core's use.
 */
#ifndef SNN_LOIHI_IMAGE_INT_H
#define SNN_LOIHI_IMAGE_INT_H

#include <stdint.h>
#include <stdio.h>

#include "loihi_int.h"
#include "model_loihi.h"
#include "net_int.h"

/*
 * FORMAT DETAILS
 *
 * An image is a flat file of little-endian words: u32 is 4 bytes, u64 8
 * bytes, low byte first; signed values (weights, bias, du, dv, w_exp, u, v)
 * are stored as their 32-bit two's complement. There is no padding and no
 * alignment. The compiler writes version 1 when no kernel is shared (every
 * loihi1-class image, loihi2-class images without shared convolutions) and
 * version 2 otherwise; the reader takes both.
 *
 * Header, 60 bytes:
 *
 *    offset  size  field
 *         0     8  magic "SNNLOIHI" (LOIHI_IMAGE_MAGIC, no NUL)
 *         8     4  version: 1 or 2 (LOIHI_IMAGE_VERSION is the newest)
 *        12    16  target name (loihi1-class, ...), NUL-padded, at most 15 bytes
 *        28     8  dt in ms: the IEEE-754 binary64 bits as a u64
 *        36     8  steps to run (u64)
 *        44     4  populations P
 *        48     4  neurons N: global ids 0 .. N-1, input ports included
 *        52     4  cores C
 *        56     4  longest synaptic delay D, in steps
 *
 * Then P population records, in the network's order:
 *
 *      u32 name length L, L bytes of name (no NUL), u32 first id, u32 size,
 *      u32 kind (0: input port, 1: loihi_lif on the chip)
 *
 * Then C core records, core 0 first. Each is:
 *
 *   1. u32 chip (core / cores per chip), u32 neuron count n.
 *   2. n neuron records, ids ascending, IMAGE_NEURON_WORDS u32 each, in the
 *      order of enum image_neuron: id, du, dv, vth, bias (already
 *      bias_mant * 2^bias_exp), w_exp, refractory steps, reset interval,
 *      reset offset, initial u, initial v. A neuron's index among its core's
 *      records is its local index, which synapses name.
 *   3. Version 2 only: u32 kernel count K, then K kernel records of
 *      IMAGE_KERNEL_WORDS u32 (enum image_kernel: the 15 conv geometry
 *      fields in, out channels, groups, in height, width, out height, width,
 *      kernel height, width, stride y, x, padding y, x, dilation y, x; then
 *      the source population's first id, the target population's first id,
 *      the range [lo, hi) of output indices (C x H x W) whose targets lie on
 *      this core, the delay, the weight count w), each followed by w u32
 *      weights, index ((co * in/groups + ci) * kh + ky) * kw + kx.
 *   4. u32 axon count A, then A axons, source id ascending: u32 source id,
 *      u32 synapse count s, then s synapse records of IMAGE_SYN_WORDS u32
 *      (enum image_syn: target's local index, weight, delay). In version 2
 *      these are the synapses that no shared kernel holds.
 *   5. Version 2 only: u32 conv axon count, then conv axon records of
 *      IMAGE_CAXON_WORDS u32, source id ascending (enum image_caxon: source
 *      id, kernel index among this core's K, the source's channel, y, x in
 *      the kernel's input).
 *
 * Then the end marker "END!" (4 bytes). Routing is implied: a source's spike
 * goes to every core with an axon or conv axon for it.
 *
 * The checks the reader makes, each a "corrupt image: ... (at byte N)"
 * message unless said otherwise (N is where the reader stood):
 *   - the magic ("not a Spikeforge chip image (no SNNLOIHI magic)") and the
 *     version ("image version V; this emulator reads versions 1 to 2");
 *   - every read: "truncated", and "truncated header" for the target name;
 *     a count of words that the rest of the file cannot hold (a kernel's
 *     weights) is "truncated" before anything is allocated for it;
 *   - the header: dt > 0, P <= 2^20, D <= 4096, C <= N + 1 ("implausible
 *     header");
 *   - a population: its name at most 4096 bytes ("population name too
 *     long"), all its fields there ("truncated population"), first + size
 *     <= N ("population outside the neuron range");
 *   - a core: the neurons of all cores so far at most N ("more neurons on
 *     cores than in the network"); a neuron: id < N and placed once ("neuron
 *     id out of range or placed twice"), 0 <= du, dv <= 4095 and -8 <= w_exp
 *     <= 7 ("neuron constants outside the chip's ranges");
 *   - a kernel: every size, stride and dilation in 1 .. 65536 (pads 0 ..
 *     65536) and groups dividing both channel counts ("kernel geometry out of
 *     range"); input and output inside the network, lo < hi <= the output
 *     size ("kernel geometry outside the network or its target range"); 1 <=
 *     delay <= D ("kernel delay out of range"); w equal to out * in/groups *
 *     kh * kw and at most 2^26 ("kernel weight count does not match its
 *     geometry");
 *   - an axon: source < N ("axon source out of range"); a synapse: local
 *     index < n, 1 <= delay <= D ("synapse target or delay out of range");
 *   - a conv axon: source < N ("conv axon source out of range"), kernel < K
 *     ("conv axon kernel reference out of range"), (channel, y, x) inside the
 *     kernel's input ("conv axon position outside its kernel's input") and
 *     equal to the source's position there ("conv axon position does not
 *     match its source");
 *   - the end marker ("missing end marker").
 * Sizes are checked before memory is allocated for them: the arrays per
 * neuron are sized by N (overflow-checked; input ports take no bytes in the
 * file, so N is not bounded by its size), the arrays that grow as records
 * are read grow with the bytes read, and a kernel's weights are checked
 * against the rest of the file first.
 */

#define LOIHI_IMAGE_MAGIC "SNNLOIHI"
/* Version 1: every synapse expanded; version 2 adds shared conv kernels and
 * conv axons per core. The compiler writes version 1 when no kernel is
 * shared, version 2 otherwise; the emulator reads both. */
#define LOIHI_IMAGE_VERSION 2u
#define LOIHI_IMAGE_MAGIC_BYTES 8u
#define LOIHI_IMAGE_TARGET_BYTES 16u
#define LOIHI_IMAGE_END "END!"
#define LOIHI_IMAGE_END_BYTES 4u
/* The reader's limits of a plausible header and population record. */
#define LOIHI_IMAGE_MAX_POPS (1u << 20)
#define LOIHI_IMAGE_MAX_DELAY 4096u
#define LOIHI_IMAGE_MAX_NAME 4096u
/* The chip's ranges of the neuron constants. */
#define LOIHI_IMAGE_MAX_DECAY 4095
#define LOIHI_IMAGE_MIN_W_EXP (-8)
#define LOIHI_IMAGE_MAX_W_EXP 7
/* A kernel's geometry fields and weight count. */
#define LOIHI_IMAGE_MAX_CONV_SIZE 65536u
#define LOIHI_IMAGE_MAX_KERNEL_WEIGHTS (1u << 26)

/* A neuron record's words. */
enum image_neuron {
	IMAGE_NEURON_ID,
	IMAGE_NEURON_DU,
	IMAGE_NEURON_DV,
	IMAGE_NEURON_VTH,
	IMAGE_NEURON_BIAS,
	IMAGE_NEURON_W_EXP,
	IMAGE_NEURON_REF_STEPS,
	IMAGE_NEURON_RESET_INTERVAL,
	IMAGE_NEURON_RESET_OFFSET,
	IMAGE_NEURON_U0,
	IMAGE_NEURON_V0,
	IMAGE_NEURON_WORDS
};

/* A kernel record's words (its weights follow). */
enum image_kernel {
	IMAGE_KERNEL_CIN,
	IMAGE_KERNEL_COUT,
	IMAGE_KERNEL_GROUPS,
	IMAGE_KERNEL_IN_H,
	IMAGE_KERNEL_IN_W,
	IMAGE_KERNEL_OUT_H,
	IMAGE_KERNEL_OUT_W,
	IMAGE_KERNEL_KH,
	IMAGE_KERNEL_KW,
	IMAGE_KERNEL_STRIDE_H,
	IMAGE_KERNEL_STRIDE_W,
	IMAGE_KERNEL_PAD_H,
	IMAGE_KERNEL_PAD_W,
	IMAGE_KERNEL_DIL_H,
	IMAGE_KERNEL_DIL_W,
	IMAGE_KERNEL_GEO_WORDS, /* the 15 geometry words above */
	IMAGE_KERNEL_PRE_FIRST = IMAGE_KERNEL_GEO_WORDS,
	IMAGE_KERNEL_POST_FIRST,
	IMAGE_KERNEL_LO,
	IMAGE_KERNEL_HI,
	IMAGE_KERNEL_DELAY,
	IMAGE_KERNEL_N_W,
	IMAGE_KERNEL_WORDS
};

/* An axon's words before its synapses, and a synapse record's. */
enum image_axon { IMAGE_AXON_SRC, IMAGE_AXON_N, IMAGE_AXON_WORDS };
enum image_syn { IMAGE_SYN_TGT, IMAGE_SYN_W, IMAGE_SYN_DELAY, IMAGE_SYN_WORDS };

/* A conv axon record's words. */
enum image_caxon {
	IMAGE_CAXON_SRC,
	IMAGE_CAXON_KERN,
	IMAGE_CAXON_CH,
	IMAGE_CAXON_Y,
	IMAGE_CAXON_X,
	IMAGE_CAXON_WORDS
};

/* ------------------------------------------------- the image once read */

struct epop {
	char *name;
	uint32_t first, size, kind;
};

struct eaxon {
	uint32_t src, core, n;
	uint64_t first; /* into the synapse arrays */
};

/* A shared kernel of one core (version 2): the geometry (cv.kernel unused),
 * the chip weights, and the range [lo, hi) of target indices it may reach on
 * its core. */
struct ekern {
	struct proj_conv cv;
	uint32_t pre_first, post_first, lo, hi, delay, core;
	int32_t *w;
	uint64_t n_w;
};

/* A conv axon: a source's spikes through a kernel of a core; in is the
 * source's index in the kernel's input (channel, y, x). */
struct ecaxon {
	uint32_t src, kern, in;
};

/* The image as the emulator runs it: the header, the populations, the
 * neurons' constants and state (u, v, ref start as the image says), the
 * cores and their axons, synapses, kernels and conv axons, with the axons
 * indexed by source. */
struct image {
	FILE *f;	  /* while reading */
	uint64_t size;	  /* of the file; UINT64_MAX: unknown (not seekable) */
	const char *path; /* for the messages */
	snn_diag *d;
	char target[LOIHI_IMAGE_TARGET_BYTES + 1];
	double dt_ms;
	uint64_t steps;
	uint32_t n_pops, n, n_cores, max_delay;
	struct epop *pops;
	struct loihi_prop *prop; /* per gid */
	int32_t *u, *v;
	uint32_t *ref;
	uint32_t *core;	      /* per gid, UINT32_MAX for inputs */
	uint32_t *core_first; /* per core: gid of its local neuron k is core_gid[core_first + k] */
	uint32_t *core_gid;
	struct eaxon *axons;
	uint64_t n_axons;
	uint64_t *src_off; /* per gid: its axons (CSR into axon_of) */
	uint64_t *axon_of;
	uint32_t *syn_tgt;
	int32_t *syn_w;
	uint32_t *syn_delay;
	uint64_t n_syn;
	uint32_t version;
	struct ekern *kerns; /* version 2 */
	uint64_t n_kerns;
	struct ecaxon *caxons;
	uint64_t n_caxons;
	uint64_t *csrc_off; /* per gid: its conv axons (CSR into caxon_of) */
	uint64_t *caxon_of;
};

/* Reads the image at path into *E (zeroed by the caller; free it with
 * image_free whatever this returns). SNN_OK; SNN_EIO when the file cannot be
 * opened; SNN_EPARSE for a file that is not an image, an unknown version or a
 * corrupt image (every check above, with its message and byte offset);
 * SNN_ENOMEM. The message goes to d. */
int image_load(struct image *E, const char *path, snn_diag *d);
/* Frees what image_load allocated in *E; the struct itself is the caller's. */
void image_free(struct image *E);

#endif
