/*
 * Neuron model descriptors: the parameters, state variables, units and
 * synaptic channels of every model a network can use.
 * Layer: sim core, internal. Describes models; the dynamics live in one file
 * per model (model_lif, model_lif_cond, model_source, model_nir, model_loihi:
 * equations in the .h, code in the .c), behind struct model_ops (model_rt.h)
 * for the grid engine and struct event_ops (event_int.h) for the event one,
 * which the engines find by id (model_ops_of, model_event_of, model_ops.c):
 * this table does not point up to them.
 *
 * Adding a neuron model: its id below (and its parameter and state
 * indices), one row in models.c, one in model_ops.c, one file
 * model_<name>.c with its ops for both engines (or its grid ops alone, and
 * the reason the event engine refuses it). No engine names a model.
 */
#ifndef SNN_MODEL_INT_H
#define SNN_MODEL_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "snn/units.h"

enum model_id {
	MODEL_LIF_DELTA,      /* lif, synapse: delta (as NEST iaf_psc_delta) */
	MODEL_LIF_EXP,	      /* lif, synapse: exp (as NEST iaf_psc_exp) */
	MODEL_LIF_COND,	      /* lif_cond (as NEST iaf_cond_exp; COBA) */
	MODEL_SPIKE_SOURCE,   /* replays given spike times */
	MODEL_POISSON_SOURCE, /* independent Poisson trains, at most one spike per step */
	/* NIR primitives (model_nir.h); only NIR graphs create them */
	MODEL_NIR_INPUT,     /* emits the values of the input tensor */
	MODEL_NIR_RELAY,     /* emits the sum of its inputs (a linear node between two others) */
	MODEL_NIR_LI,	     /* leaky integrator */
	MODEL_NIR_LIF,	     /* leaky integrate-and-fire */
	MODEL_NIR_I,	     /* integrator */
	MODEL_NIR_IF,	     /* integrate-and-fire */
	MODEL_NIR_CUBA_LI,   /* current-based leaky integrator */
	MODEL_NIR_CUBA_LIF,  /* current-based leaky integrate-and-fire */
	MODEL_NIR_THRESHOLD, /* Heaviside step of its input */
	MODEL_LOIHI_LIF,     /* Loihi's fixed-point LIF (model_loihi.h) */
	MODEL_COUNT_
};

enum param_check {
	PC_ANY,	     /* any finite value */
	PC_POSITIVE, /* > 0 */
	PC_NONNEG,   /* >= 0 */
};

struct model_param {
	const char *name;
	enum snn_dim dim;
	double def; /* default in canonical units */
	enum param_check check;
};

struct model_state {
	const char *name; /* as written in `init:` and trace records */
	enum snn_dim dim;
	int default_param; /* index of the parameter whose value is the default, or -1 for 0 */
	bool settable;	   /* may be given in `init:` */
};

struct model {
	enum model_id id;
	const char *name;    /* config name ("lif") */
	const char *synapse; /* "delta", "exp" or NULL where the model has no choice */
	const struct model_param *params;
	int n_params;
	unsigned param_mask; /* bit i: parameter i may be given for this model */
	const struct model_state *state;
	int n_state;
	enum snn_dim weight_dim; /* dimension of weights of synapses onto it */
	int n_channels; /* input channels: 1, or 2 (excitatory, inhibitory by weight sign) */
	bool is_source; /* has no inputs: cannot be the target of a projection */
	bool hidden;	/* not available in configs (created by other loaders) */
	bool graded;	/* its output events carry a value (spike count, potential) */
};

/* Looks up a model by config name and synapse kind (synapse may be NULL:
 * the model's default). Returns NULL when unknown. */
const struct model *model_find(const char *name, const char *synapse);
const struct model *model_get(enum model_id id);
/* Index of a parameter or state variable by name, or -1. */
int model_param_index(const struct model *m, const char *name);
/* Whether parameter i may be given for model m. */
bool model_accepts_param(const struct model *m, int i);
int model_state_index(const struct model *m, const char *name);
/* Comma-separated list of the names of the models or of a model's state
 * variables (static buffers are not used: the caller passes one). */
void model_list_names(char *buf, size_t len);
void model_list_state(const struct model *m, char *buf, size_t len);

/* Parameter indices of the models, for the engines. */
enum lif_param {
	LIF_C_M,
	LIF_TAU_M,
	LIF_E_L,
	LIF_V_TH,
	LIF_V_RESET,
	LIF_T_REF,
	LIF_I_E,
	LIF_TAU_SYN_EX,
	LIF_TAU_SYN_IN,
	LIF_V_MIN,
	LIF_N_PARAMS
};
enum lif_state { LIF_S_V_M, LIF_S_I_SYN_EX, LIF_S_I_SYN_IN, LIF_N_STATE };

enum cond_param {
	COND_C_M,
	COND_G_L,
	COND_E_L,
	COND_V_TH,
	COND_V_RESET,
	COND_T_REF,
	COND_I_E,
	COND_TAU_SYN_EX,
	COND_TAU_SYN_IN,
	COND_E_EX,
	COND_E_IN,
	COND_N_PARAMS
};
enum cond_state { COND_S_V_M, COND_S_G_EX, COND_S_G_IN, COND_N_STATE };

enum poisson_source_param { PSRC_RATE, PSRC_START, PSRC_STOP, PSRC_N_PARAMS };

/* Parameters of the NIR models, one table for all (LIF's and LI's tau is
 * tau_mem); each model's mask says which it has. Times in ms, the rest as
 * written in the NIR file (dimensionless). */
enum nir_param {
	NIR_TAU_SYN,
	NIR_TAU_MEM,
	NIR_R,
	NIR_V_LEAK,
	NIR_V_THRESHOLD,
	NIR_V_RESET,
	NIR_W_IN,
	NIR_N_PARAMS
};
enum nir_state { NIR_S_V, NIR_S_I, NIR_N_STATE };

/* loihi_lif (model_loihi.h): integers in the chip's fixed point. */
enum loihi_param {
	LOIHI_DU,
	LOIHI_DV,
	LOIHI_VTH,
	LOIHI_BIAS_MANT,
	LOIHI_BIAS_EXP,
	LOIHI_W_EXP,
	LOIHI_REFRACTORY,
	LOIHI_RESET_INTERVAL,
	LOIHI_RESET_OFFSET,
	LOIHI_N_PARAMS
};
enum loihi_state { LOIHI_S_V, LOIHI_S_U, LOIHI_N_STATE };

#endif
