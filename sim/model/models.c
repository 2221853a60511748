/*
 * The table of neuron models: names, parameters with units and defaults,
 * state variables and synaptic channels, the vocabulary configs and loaders
 * speak.
 * Layer: sim core (IR level), internal. No dynamics and no operations here:
 * they live in model_<name>.c, and the engines find them by id in
 * model_ops.c. Adding a model: its id in model_int.h, one row below, one row
 * in model_ops.c, one file with its struct model_ops and, if the event engine
 * can run it exactly, its struct event_ops (else model_ops.c says why not).
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "model_int.h"

/* Defaults are NEST's (iaf_psc_delta / iaf_psc_exp / iaf_cond_exp), so a
 * config that names only what differs from NEST behaves as NEST would. */
static const struct model_param lif_params[LIF_N_PARAMS] = {
    [LIF_C_M] = {"C_m", SNN_DIM_CAPACITANCE, 250.0, PC_POSITIVE},
    [LIF_TAU_M] = {"tau_m", SNN_DIM_TIME, 10.0, PC_POSITIVE},
    [LIF_E_L] = {"E_L", SNN_DIM_VOLTAGE, -70.0, PC_ANY},
    [LIF_V_TH] = {"V_th", SNN_DIM_VOLTAGE, -55.0, PC_ANY},
    [LIF_V_RESET] = {"V_reset", SNN_DIM_VOLTAGE, -70.0, PC_ANY},
    [LIF_T_REF] = {"t_ref", SNN_DIM_TIME, 2.0, PC_NONNEG},
    [LIF_I_E] = {"I_e", SNN_DIM_CURRENT, 0.0, PC_ANY},
    [LIF_TAU_SYN_EX] = {"tau_syn_ex", SNN_DIM_TIME, 2.0, PC_POSITIVE},
    [LIF_TAU_SYN_IN] = {"tau_syn_in", SNN_DIM_TIME, 2.0, PC_POSITIVE},
    [LIF_V_MIN] = {"V_min", SNN_DIM_VOLTAGE, -INFINITY, PC_ANY},
};

static const struct model_state lif_exp_state[LIF_N_STATE] = {
    [LIF_S_V_M] = {"V_m", SNN_DIM_VOLTAGE, LIF_E_L, true},
    [LIF_S_I_SYN_EX] = {"I_syn_ex", SNN_DIM_CURRENT, -1, true},
    [LIF_S_I_SYN_IN] = {"I_syn_in", SNN_DIM_CURRENT, -1, true},
};

static const struct model_param cond_params[COND_N_PARAMS] = {
    [COND_C_M] = {"C_m", SNN_DIM_CAPACITANCE, 250.0, PC_POSITIVE},
    [COND_G_L] = {"g_L", SNN_DIM_CONDUCTANCE, 16.6667, PC_POSITIVE},
    [COND_E_L] = {"E_L", SNN_DIM_VOLTAGE, -70.0, PC_ANY},
    [COND_V_TH] = {"V_th", SNN_DIM_VOLTAGE, -55.0, PC_ANY},
    [COND_V_RESET] = {"V_reset", SNN_DIM_VOLTAGE, -60.0, PC_ANY},
    [COND_T_REF] = {"t_ref", SNN_DIM_TIME, 2.0, PC_NONNEG},
    [COND_I_E] = {"I_e", SNN_DIM_CURRENT, 0.0, PC_ANY},
    [COND_TAU_SYN_EX] = {"tau_syn_ex", SNN_DIM_TIME, 0.2, PC_POSITIVE},
    [COND_TAU_SYN_IN] = {"tau_syn_in", SNN_DIM_TIME, 2.0, PC_POSITIVE},
    [COND_E_EX] = {"E_ex", SNN_DIM_VOLTAGE, 0.0, PC_ANY},
    [COND_E_IN] = {"E_in", SNN_DIM_VOLTAGE, -85.0, PC_ANY},
};

static const struct model_state cond_state[COND_N_STATE] = {
    [COND_S_V_M] = {"V_m", SNN_DIM_VOLTAGE, COND_E_L, true},
    [COND_S_G_EX] = {"g_ex", SNN_DIM_CONDUCTANCE, -1, true},
    [COND_S_G_IN] = {"g_in", SNN_DIM_CONDUCTANCE, -1, true},
};

static const struct model_param psrc_params[PSRC_N_PARAMS] = {
    [PSRC_RATE] = {"rate", SNN_DIM_RATE, 0.0, PC_NONNEG},
    [PSRC_START] = {"start", SNN_DIM_TIME, 0.0, PC_NONNEG},
    [PSRC_STOP] = {"stop", SNN_DIM_TIME, INFINITY, PC_NONNEG},
};

static const struct model_param nir_params[NIR_N_PARAMS] = {
    [NIR_TAU_SYN] = {"tau_syn", SNN_DIM_TIME, 1.0, PC_POSITIVE},
    [NIR_TAU_MEM] = {"tau_mem", SNN_DIM_TIME, 10.0, PC_POSITIVE},
    [NIR_R] = {"r", SNN_DIM_NONE, 1.0, PC_ANY},
    [NIR_V_LEAK] = {"v_leak", SNN_DIM_NONE, 0.0, PC_ANY},
    [NIR_V_THRESHOLD] = {"v_threshold", SNN_DIM_NONE, 1.0, PC_ANY},
    [NIR_V_RESET] = {"v_reset", SNN_DIM_NONE, 0.0, PC_ANY},
    [NIR_W_IN] = {"w_in", SNN_DIM_NONE, 1.0, PC_ANY},
};

static const struct model_state nir_state[NIR_N_STATE] = {
    [NIR_S_V] = {"v", SNN_DIM_NONE, -1, false},
    [NIR_S_I] = {"i", SNN_DIM_NONE, -1, false},
};

static const struct model_param loihi_params[LOIHI_N_PARAMS] = {
    [LOIHI_DU] = {"du", SNN_DIM_NONE, 4095.0, PC_NONNEG},
    [LOIHI_DV] = {"dv", SNN_DIM_NONE, 0.0, PC_NONNEG},
    [LOIHI_VTH] = {"vth", SNN_DIM_NONE, 10.0, PC_NONNEG},
    [LOIHI_BIAS_MANT] = {"bias_mant", SNN_DIM_NONE, 0.0, PC_ANY},
    [LOIHI_BIAS_EXP] = {"bias_exp", SNN_DIM_NONE, 0.0, PC_NONNEG},
    [LOIHI_W_EXP] = {"w_exp", SNN_DIM_NONE, 0.0, PC_ANY},
    [LOIHI_REFRACTORY] = {"refractory", SNN_DIM_NONE, 0.0, PC_NONNEG},
    [LOIHI_RESET_INTERVAL] = {"reset_interval", SNN_DIM_NONE, 0.0, PC_NONNEG},
    [LOIHI_RESET_OFFSET] = {"reset_offset", SNN_DIM_NONE, 0.0, PC_NONNEG},
};

static const struct model_state loihi_state[LOIHI_N_STATE] = {
    [LOIHI_S_V] = {"v", SNN_DIM_NONE, -1, true},
    [LOIHI_S_U] = {"u", SNN_DIM_NONE, -1, true},
};

#define NIRP(x) (1u << NIR_##x)
#define NIR_MODEL(id, name, mask, nstate, src)                                             \
	[id] = {id,	  name,		NULL, nir_params, NIR_N_PARAMS, (mask), nir_state, \
		(nstate), SNN_DIM_NONE, 1,    (src),	  true,		true}

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const struct model models[MODEL_COUNT_] = {
    /* Both lif variants share one parameter table (so engines index it the
     * same way); the mask says which entries a variant accepts. The delta
     * variant's only state variable is V_m, the first entry. */
    [MODEL_LIF_DELTA] = {MODEL_LIF_DELTA, "lif", "delta", lif_params, LIF_N_PARAMS,
			 ~((1u << LIF_TAU_SYN_EX) | (1u << LIF_TAU_SYN_IN)), lif_exp_state, 1,
			 SNN_DIM_VOLTAGE, 1, false, false, false},
    [MODEL_LIF_EXP] = {MODEL_LIF_EXP, "lif", "exp", lif_params, LIF_N_PARAMS, ~(1u << LIF_V_MIN),
		       lif_exp_state, LIF_N_STATE, SNN_DIM_CURRENT, 2, false, false, false},
    [MODEL_LIF_COND] = {MODEL_LIF_COND, "lif_cond", NULL, cond_params, COND_N_PARAMS, ~0u,
			cond_state, COND_N_STATE, SNN_DIM_CONDUCTANCE, 2, false, false, false},
    [MODEL_SPIKE_SOURCE] = {MODEL_SPIKE_SOURCE, "spike_source", NULL, NULL, 0, 0, NULL, 0,
			    SNN_DIM_NONE, 0, true, false, false},
    [MODEL_POISSON_SOURCE] = {MODEL_POISSON_SOURCE, "poisson_source", NULL, psrc_params,
			      PSRC_N_PARAMS, ~0u, NULL, 0, SNN_DIM_NONE, 0, true, false, false},
    NIR_MODEL(MODEL_NIR_INPUT, "nir_input", 0u, 0, true),
    NIR_MODEL(MODEL_NIR_RELAY, "nir_relay", 0u, 0, false),
    NIR_MODEL(MODEL_NIR_LI, "nir_li", NIRP(TAU_MEM) | NIRP(R) | NIRP(V_LEAK), 1, false),
    NIR_MODEL(MODEL_NIR_LIF, "nir_lif",
	      NIRP(TAU_MEM) | NIRP(R) | NIRP(V_LEAK) | NIRP(V_THRESHOLD) | NIRP(V_RESET), 1, false),
    NIR_MODEL(MODEL_NIR_I, "nir_i", NIRP(R), 1, false),
    NIR_MODEL(MODEL_NIR_IF, "nir_if", NIRP(R) | NIRP(V_THRESHOLD) | NIRP(V_RESET), 1, false),
    NIR_MODEL(MODEL_NIR_CUBA_LI, "nir_cubali",
	      NIRP(TAU_SYN) | NIRP(TAU_MEM) | NIRP(R) | NIRP(V_LEAK) | NIRP(W_IN), 2, false),
    NIR_MODEL(MODEL_NIR_CUBA_LIF, "nir_cubalif", ~0u, 2, false),
    NIR_MODEL(MODEL_NIR_THRESHOLD, "nir_threshold", NIRP(V_THRESHOLD), 0, false),
    [MODEL_LOIHI_LIF] = {MODEL_LOIHI_LIF, "loihi_lif", NULL, loihi_params, LOIHI_N_PARAMS, ~0u,
			 loihi_state, LOIHI_N_STATE, SNN_DIM_NONE, 1, false, false, false},
};

const struct model *model_get(enum model_id id)
{
	return (id >= 0 && id < MODEL_COUNT_) ? &models[id] : NULL;
}

const struct model *model_find(const char *name, const char *synapse)
{
	for (int i = 0; i < MODEL_COUNT_; i++) {
		const struct model *m = &models[i];
		if (m->hidden || strcmp(m->name, name) != 0) {
			continue;
		}
		if (!synapse) {
			/* lif defaults to delta synapses, as NEST's simplest model. */
			if (!m->synapse || strcmp(m->synapse, "delta") == 0) {
				return m;
			}
			continue;
		}
		if (m->synapse && strcmp(m->synapse, synapse) == 0) {
			return m;
		}
	}
	return NULL;
}

int model_param_index(const struct model *m, const char *name)
{
	for (int i = 0; i < m->n_params; i++) {
		if (strcmp(m->params[i].name, name) == 0) {
			return i;
		}
	}
	return -1;
}

int model_state_index(const struct model *m, const char *name)
{
	for (int i = 0; i < m->n_state; i++) {
		if (strcmp(m->state[i].name, name) == 0) {
			return i;
		}
	}
	return -1;
}

static void append(char *buf, size_t len, const char *s)
{
	size_t used = strlen(buf);
	if (used + 1 >= len) {
		return;
	}
	snprintf(buf + used, len - used, "%s%s", used ? ", " : "", s);
}

void model_list_names(char *buf, size_t len)
{
	buf[0] = '\0';
	for (int i = 0; i < MODEL_COUNT_; i++) {
		if (models[i].hidden ||
		    (i > 0 && strcmp(models[i].name, models[i - 1].name) == 0)) {
			continue;
		}
		append(buf, len, models[i].name);
	}
}

bool model_accepts_param(const struct model *m, int i)
{
	return i >= 0 && i < m->n_params && (m->param_mask >> i) & 1u;
}

void model_list_state(const struct model *m, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int i = 0; i < m->n_state; i++) {
		append(buf, len, m->state[i].name);
	}
}
