/*
 * snncc's insides: the quantized model (runtime tables plus what the
 * compiler knows about them), quantization, the host run through the
 * runtime, and emission by backend.
 * Layer: compiler. Calls libsnn (sim core) and hw; emits files; never runs
 * the cross tools itself.
 */
#ifndef SNN_CC_INT_H
#define SNN_CC_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* snncc builds the runtime's tables in floating point: no float poison */
#define SNNRT_HOST_TOOL
#include "hw/rt/snnrt.h"
#include "hw/targets/targets.h"
#include "snn/config.h"
#include "snn/error.h"
#include "snn/loihi.h"
#include "snn/net.h"
#include "snn/nir.h"
#include "snn/sim.h"
#include "snn/version.h"

#define CC_VERSION "snncc 1"

/* How weights onto a population share scales (--weight-scale). */
enum cc_weight_scale {
	CC_SCALE_LAYER,	  /* one accumulator scale per target population */
	CC_SCALE_CHANNEL, /* one per output channel (conv) or target neuron (dense) */
};

struct cc_options {
	unsigned weight_bits; /* 8 or 16 */
	enum cc_weight_scale weight_scale;
	const char *input; /* test input file (NIR data), or NULL: drawn */
	const char *dataset;
	const char *calibrate; /* calibration input, or NULL: the test input */
	uint32_t steps;	       /* drawn input: steps per sample */
	uint32_t samples;      /* drawn input: samples (the image runs the first) */
	double rate;	       /* drawn input: probability of a spike per input and step */
	uint64_t seed;
	snn_nir_options nir;
	double scale; /* configs: simulation.scale override (0: the config's) */
};

/* Scales the compiler chose for one population (value = integer / scale). */
struct cc_popinfo {
	char *name;
	double out_scale; /* of its outputs (1 for spike counts) */
	double acc_scale; /* of its input accumulator (the smallest channel's) */
	double v_scale, i_scale;
	bool spiking;
	uint32_t n_ch, ch_size; /* accumulator channels: n_ch runs of ch_size neurons */
	double *ch_acc;		/* per channel: its accumulator scale (n_ch of them) */
};

struct cc_model {
	struct snnrt_model rt; /* points into the arrays below */
	struct snnrt_pop *pops;
	struct snnrt_proj *projs;
	uint16_t *outputs;
	struct cc_popinfo *info;
	int32_t **bias;		 /* per population, or NULL */
	void **wtab;		 /* per projection: its weights */
	uint64_t *n_w;		 /* per projection: weight count */
	uint32_t **rows, **cols; /* per projection, sparse only */
	uint64_t *n_col;
	uint32_t *in_pop; /* input populations in input order */
	uint32_t n_in_pops;
	unsigned weight_bits;
	enum cc_weight_scale weight_scale;
	int32_t **ch_mul; /* per population: channel multipliers, or NULL */
	uint8_t **ch_sh;  /* and shifts */
	char model_sha256[65];
	char source[256];	  /* the model file's name as given */
	uint64_t flash_tables;	  /* bytes of constant tables */
	uint64_t synapses;	  /* as stored */
	struct snnrt_stim *stims; /* configs: Poisson stimuli */
	uint64_t **thr;		  /* their threshold tables */
	uint32_t n_thr_tabs;
	bool config; /* from a config (no input populations) */
};

/* The quantized model of a NIR network, scales from the calibration
 * inputs `cal` run through the float model (`fr`: its result with every
 * population recorded). Reports SNN_EUNSUP for what the runtime cannot run
 * (naming the node), SNN_ERANGE for values no scale can hold. */
int cc_quantize(const snn_net *net, const snn_nir_result *fr, const struct cc_options *o,
		struct cc_model **out, snn_diag *d);
void cc_model_free(struct cc_model *m);
/* The quantized model of a config network (lif populations, rule-based
 * projections expanded by libsnn's engine, Poisson stimuli). */
int cc_quantize_config(const snn_net *net, const struct cc_options *o, struct cc_model **out,
		       snn_diag *d);

/* Runs one sample of `in` (index smp) through the runtime on the host;
 * writes the outputs of the model's output populations (steps x n_out
 * int32, concatenated in output order) into out, and the synaptic events
 * of the run into *events. `in` may be NULL (configs: no input) with
 * `steps` steps; else its own step count is used. */
int cc_run_host(const struct cc_model *m, const snn_nir_data *in, uint32_t smp, uint32_t steps,
		int32_t *out, uint64_t *events, snn_diag *d);
/* Values per step of all output populations. */
uint32_t cc_output_width(const struct cc_model *m);
/* The quantized value of input value x of input population k. */
int32_t cc_quantize_input(const struct cc_model *m, uint32_t k, double x);

struct cc_job;

/* A backend: runs a job for its targets (job), and for the microcontroller
 * backend emits the image folder of a quantized model (emit; NULL for
 * backends that write their image themselves). */
struct cc_backend {
	const char *name;
	int (*job)(const struct cc_job *j, snn_diag *d);
	int (*emit)(const struct cc_model *m, const struct snn_target *t, const snn_nir_data *test,
		    uint32_t steps, const char *dir, const char *report, snn_diag *d);
};
/* The backend of that name ("mcu", "loihi"), or NULL. */
const struct cc_backend *cc_backend_find(const char *name);
/* The jobs of the two backends (driver.c): the microcontroller targets of
 * hw/targets (quantize, host run, report, emit), and the Loihi-class chips
 * (load, convert a NIR graph to loihi_lif, snn_loihi_compile_opts). */
int cc_mcu_job(const struct cc_job *j, snn_diag *d);
int cc_loihi_job(const struct cc_job *j, snn_diag *d);

/* The MCU backend (Cortex-M, RISC-V, host): tables, runtime, board, main,
 * Makefile. */
int cc_emit_mcu(const struct cc_model *m, const struct snn_target *t, const snn_nir_data *test,
		uint32_t steps, const char *dir, const char *report, snn_diag *d);

/* Files embedded at build time (runtime and board sources). */
struct cc_file {
	const char *path; /* relative to the source tree: "hw/rt/snnrt.c" */
	const char *text;
};
extern const struct cc_file cc_files[];
const char *cc_file_text(const char *path);

/* Bytes of flash of the model's tables and RAM of its state. */
uint64_t cc_ram_bytes(const struct cc_model *m);

/* The compiler's driver (driver.c): load, calibrate, quantize, report,
 * emit. */
struct cc_job {
	const char *model;
	const char *target;
	const char *outdir; /* compile: the image folder */
	struct cc_options o;
	bool run_only;		 /* snncc run: host run and error report, no image */
	FILE *msg;		 /* report and summary (stdout) */
	const char *backend;	 /* the backend's name, or NULL: the target's */
	snn_loihi_options loihi; /* Loihi-class targets: placement, activity, sharing */
};
/* Runs the job on its backend's row. Returns SNN_OK or an error code with
 * diagnostics in d. */
int cc_job_run(const struct cc_job *j, snn_diag *d);
/* Fixed-point helpers of the quantizers (quant.c). States stay within
 * CC_STATE_LIMIT (2^29). */
#define CC_STATE_LIMIT 536870912.0
/* The largest power of two s with range * s <= CC_STATE_LIMIT. */
double cc_pow2_scale(double range);
/* mul and sh with mul / 2^sh = x, mul in [2^29, 2^30); -1 when x is not
 * positive and finite, or too large; a value too small for a 62-bit shift
 * gives mul = 0 when tiny_to_zero, else -1. */
int cc_multiplier(double x, bool tiny_to_zero, int32_t *mul, uint8_t *sh);
/* x rounded to the nearest int32, saturating. */
int32_t cc_q32(double x);
/* Stores weight k of projection q of m: w * scale rounded, saturated to the
 * model's weight width (8 or 16 bits). */
void cc_put_weight(struct cc_model *m, uint32_t q, uint64_t k, double w, double scale);

#endif
