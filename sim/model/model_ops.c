/*
 * Where the engines find how each model runs: the models' operations by
 * model id (struct model_ops, model_rt.h, for the grid engine; struct
 * event_ops, event_int.h, for the event engine, or why it refuses the
 * model), and the helper the models' vectorized steps share.
 * Layer: sim core (models), internal. The model table (models.c) names the
 * models, their parameters and state at IR level and must not point here.
 */
#include "config.h"

#include <string.h>

#include "model_rt.h"

/* Adding a model: one row here, next to its row in models.c. */
static const struct model_ops *const ops_of[MODEL_COUNT_] = {
    [MODEL_LIF_DELTA] = &model_lif_delta_ops,
    [MODEL_LIF_EXP] = &model_lif_exp_ops,
    [MODEL_LIF_COND] = &model_lif_cond_ops,
    [MODEL_SPIKE_SOURCE] = &model_spike_source_ops,
    [MODEL_POISSON_SOURCE] = &model_poisson_source_ops,
    [MODEL_NIR_INPUT] = &model_nir_ops,
    [MODEL_NIR_RELAY] = &model_nir_ops,
    [MODEL_NIR_LI] = &model_nir_ops,
    [MODEL_NIR_LIF] = &model_nir_ops,
    [MODEL_NIR_I] = &model_nir_ops,
    [MODEL_NIR_IF] = &model_nir_ops,
    [MODEL_NIR_CUBA_LI] = &model_nir_ops,
    [MODEL_NIR_CUBA_LIF] = &model_nir_ops,
    [MODEL_NIR_THRESHOLD] = &model_nir_ops,
    [MODEL_LOIHI_LIF] = &model_loihi_ops,
};

const struct model_ops *model_ops_of(enum model_id id)
{
	return (id >= 0 && id < MODEL_COUNT_) ? ops_of[id] : NULL;
}

/* The event engine's rows; a model without one says why in refusal_of. */
static const struct event_ops *const event_of[MODEL_COUNT_] = {
    [MODEL_LIF_DELTA] = &model_lif_delta_event,
    [MODEL_LIF_EXP] = &model_lif_exp_event,
    [MODEL_SPIKE_SOURCE] = &model_spike_source_event,
    [MODEL_POISSON_SOURCE] = &model_poisson_source_event,
};

static const char *const refusal_of[MODEL_COUNT_] = {
    [MODEL_LIF_COND] = "its conductance-based synapses have no closed-form solution",
};

const struct event_ops *model_event_of(enum model_id id)
{
	return (id >= 0 && id < MODEL_COUNT_) ? event_of[id] : NULL;
}

const char *model_event_refusal(enum model_id id)
{
	const char *why = (id >= 0 && id < MODEL_COUNT_) ? refusal_of[id] : NULL;
	return why ? why : "no closed form is implemented for it";
}

/* Spikes are rare in a step: eight flags are tested at once. */
uint32_t model_collect_fired(const uint8_t *fired, uint32_t m, uint32_t first, uint32_t *out,
			     uint32_t n)
{
	uint32_t j = 0;
	for (; j + 8 <= m; j += 8) {
		uint64_t w;
		memcpy(&w, fired + j, sizeof(w));
		if (w == 0) {
			continue;
		}
		for (uint32_t k = j; k < j + 8; k++) {
			if (fired[k]) {
				out[n++] = first + k;
			}
		}
	}
	for (; j < m; j++) {
		if (fired[j]) {
			out[n++] = first + j;
		}
	}
	return n;
}
