/*
 * Neuron models at run time: a population's state and constants (struct
 * pop_rt) and the operations every model implements (struct model_ops).
 * Layer: sim core (models), internal. Below the engines: a model sees its
 * population, the IR and the step; it knows nothing of threads, synapses or
 * outputs, and allocates only in setup.
 *
 * Adding a neuron model: one file model_<name>.c that fills a pop_rt in
 * setup and defines its `const struct model_ops model_<name>_ops` and, where
 * the event engine can run it exactly, its `const struct event_ops
 * model_<name>_event` (event_int.h; lif's is in event_lif.c, beside its
 * closed form), both declared at the end of this header; one row in
 * models.c that names its parameters and state (with its id in
 * model_int.h); one row in model_ops.c for its ops and its event row (or,
 * instead of the event row, why the event engine refuses the model).
 * Neither engine names a model. The grid engine calls the ops once per
 * (population, thread slice) of a step, never per neuron; the event engine
 * calls the event row per neuron and event, through the pointer of the
 * neuron's population.
 */
#ifndef SNN_MODEL_RT_H
#define SNN_MODEL_RT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model_int.h"
#include "model_loihi.h"
#include "model_nir.h"
#include "net_int.h"
#include "snn/error.h"
#include "step_hd.h"

struct pop_rt {
	const struct population *ir;
	const struct model_ops *ops;
	uint32_t index;
	enum model_id model;
	uint32_t first, size;
	/* inputs: channels used (0 for sources; 1 for delta synapses, and for
	 * exponential ones when both time constants are equal and the two
	 * currents are not recorded apart: they then add in one buffer) */
	uint8_t n_in;
	bool merged;
	int in_shift[2];    /* S of each channel */
	double in_scale[2]; /* 2^-S */
	/* state, structure of arrays */
	double *v;  /* lif: V_m - E_L; lif_cond: V_m */
	double *x1; /* lif exp: I_syn_ex (pA); lif_cond: g_ex (nS) */
	double *x2; /* lif exp: I_syn_in (pA); lif_cond: g_in (nS) */
	uint32_t *ref;
	/* constants: one struct when homogeneous, one per neuron otherwise */
	struct lif_prop lif;
	struct lif_prop *lif_het;
	struct cond_prop cond;
	struct cond_prop *cond_het;
	/* spike_source: emission steps in CSR by neuron, and a cursor per neuron */
	uint64_t *train_off;
	uint32_t *train_step;
	uint64_t *cursor;
	/* poisson_source */
	double p_spike;
	uint64_t src_start, src_stop; /* active steps [start, stop) */
	/* NIR models: x1 is the synaptic current of the current-based ones */
	/* loihi_lif: integer state and constants (ref: refractory steps left) */
	int32_t *lu, *lv;
	struct loihi_prop loihi;
	struct loihi_prop *loihi_het;
	struct nir_prop nir;
	struct nir_prop *nir_het;
	bool nir_multi;	     /* several spikes per step */
	bool nir_subtract;   /* reset by subtraction */
	double *bias;	     /* constant input of each neuron, or NULL */
	const double *input; /* nir_input: steps x size values of the sample, or NULL */
	uint32_t stage;	     /* update stage (engine_int.h: stages) */
};

/* What an update reads in one step for neurons [lo, hi) of its population,
 * all indexed from lo (element 0 is neuron lo). */
struct model_step {
	const int32_t *in0; /* fixed-point input channels (in_scale converts them) */
	const int32_t *in1; /* the second channel (in0 again with one channel) */
	const double *din0; /* the input of graded (NIR) networks, else NULL */
	const double *iext; /* current stimuli (pA), or NULL when none */
	uint64_t step;	    /* the step n being computed */
	uint64_t seed;	    /* the network's seed */
};

/* A model's operations (one row per model in model_ops.c). */
struct model_ops {
	/* Allocates and fills p's state and constants for step dt_ms (p->ir,
	 * index, model, first, size and n_in, the model's channels, are set);
	 * may lower p->n_in (lif exp merging its two channels). Returns SNN_OK,
	 * or an error naming the config line (memory is freed by the engine). */
	int (*setup)(const snn_net *net, double dt_ms, struct pop_rt *p, snn_diag *d);
	/* Puts every neuron back in its initial state; NULL where the model
	 * cannot be run sample by sample. */
	int (*reset)(const snn_net *net, struct pop_rt *p, snn_diag *d);
	/* Advances neurons [lo, hi) by one step; appends the global ids of the
	 * neurons that emit to out[*nout...] (and, for graded models, their
	 * values to amp[*nout...]; amp is NULL in networks without values). */
	void (*update)(struct pop_rt *p, const struct model_step *in, uint32_t lo, uint32_t hi,
		       uint32_t *out, double *amp, uint32_t *nout);
	/* State variable var (its index in the model's state table) of local
	 * neuron i, in the units the model's table gives. */
	double (*get)(const struct pop_rt *p, int var, uint32_t i);
};

/* A population with one parameter set and no current stimulus updates in
 * passes over MODEL_CHUNK neurons written branch-free, so that they
 * vectorize (the same operations in the same order as the one-neuron step,
 * so the same bits), each marking its spikes in fired[]; then
 * model_collect_fired (model_ops.c) appends first + j for the marked j < m to
 * out[n...] and returns the new n. */
#define MODEL_CHUNK 256u
uint32_t model_collect_fired(const uint8_t *fired, uint32_t m, uint32_t first, uint32_t *out,
			     uint32_t n);

/* The operations of model `id` (model_ops.c), or NULL for an unknown id. */
const struct model_ops *model_ops_of(enum model_id id);

/* The rows (model_lif.c, model_lif_cond.c, model_source.c, model_nir.c,
 * model_loihi.c). */
extern const struct model_ops model_lif_delta_ops;
extern const struct model_ops model_lif_exp_ops;
extern const struct model_ops model_lif_cond_ops;
extern const struct model_ops model_spike_source_ops;
extern const struct model_ops model_poisson_source_ops;
extern const struct model_ops model_nir_ops;
extern const struct model_ops model_loihi_ops;

/* The event engine's rows (event_lif.c, beside the lif closed form, and
 * model_source.c); struct event_ops is in event_int.h. */
struct event_ops;
/* The event engine's row of model `id` (model_ops.c), or NULL where that
 * engine refuses the model; model_event_refusal then says why. */
const struct event_ops *model_event_of(enum model_id id);
const char *model_event_refusal(enum model_id id);
extern const struct event_ops model_lif_delta_event;
extern const struct event_ops model_lif_exp_event;
extern const struct event_ops model_spike_source_event;
extern const struct event_ops model_poisson_source_event;

#endif
