/*
 * Spike sources: replayed spike times and Poisson trains (model_source.h),
 * on the grid engine (struct model_ops) and at exact times on the event
 * engine (struct event_ops).
 * Layer: sim core (models). No allocation in the updates.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "event_int.h"
#include "model_rt.h"
#include "model_source.h"
#include "rng_int.h"
#include "mem_int.h"

static int source_setup(const snn_net *net, double dt_ms, struct pop_rt *p, snn_diag *d)
{
	(void)net;
	const struct population *ir = p->ir;
	if (p->model == MODEL_SPIKE_SOURCE) {
		uint64_t total = ir->train_off ? ir->train_off[ir->size] : 0;
		p->train_off = ir->train_off;
		p->train_step = mem_array_raw(total, sizeof(uint32_t));
		p->cursor = mem_array(ir->size, sizeof(uint64_t));
		if (!p->train_step || !p->cursor) {
			return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0,
					      "out of memory for population '%s'", ir->name);
		}
		for (uint64_t k = 0; k < total; k++) {
			/* a spike stamped t is emitted in step t/h - 1 */
			int64_t st = net_steps_of(ir->train_ms[k], dt_ms) - 1;
			p->train_step[k] = st > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)st;
		}
		for (uint32_t i = 0; i < ir->size; i++) {
			p->cursor[i] = ir->train_off[i];
		}
		return SNN_OK;
	}
	/* poisson_source: homogeneous rate, start and stop */
	for (int k = 0; k < PSRC_N_PARAMS; k++) {
		if (!value_is_const(&ir->params[k])) {
			const struct origin *o = &ir->where;
			return snn_diag_error(d, SNN_EUNSUP, o->file, o->line, o->col,
					      "population '%s': poisson_source parameters must be "
					      "constants",
					      ir->name);
		}
	}
	double rate = ir->params[PSRC_RATE].a;
	p->p_spike = -expm1(-rate * 1e-3 * dt_ms);
	p->src_start = (uint64_t)nearbyint(ir->params[PSRC_START].a / dt_ms);
	double stop = ir->params[PSRC_STOP].a;
	p->src_stop = isfinite(stop) ? (uint64_t)nearbyint(stop / dt_ms) : UINT64_MAX;
	return SNN_OK;
}

static void spike_source_update(struct pop_rt *p, const struct model_step *in, uint32_t lo,
				uint32_t hi, uint32_t *out, double *amp, uint32_t *nout)
{
	(void)amp;
	uint64_t step = in->step;
	uint32_t n = *nout;
	for (uint32_t i = lo; i < hi; i++) {
		uint64_t c = p->cursor[i];
		if (c < p->train_off[i + 1] && p->train_step[c] == step) {
			out[n++] = p->first + i;
			p->cursor[i] = c + 1;
		}
	}
	*nout = n;
}

static void poisson_source_update(struct pop_rt *p, const struct model_step *in, uint32_t lo,
				  uint32_t hi, uint32_t *out, double *amp, uint32_t *nout)
{
	(void)amp;
	uint64_t step = in->step, seed = in->seed;
	if (step < p->src_start || step >= p->src_stop) {
		return;
	}
	uint32_t n = *nout;
	for (uint32_t i = lo; i < hi; i++) {
		philox4x32_ctr_t r = rng_block(seed, RNG_SOURCE, p->index, p->first + i, step);
		double u = rng_words_to_open01(r.v[0], r.v[1]);
		if (u < p->p_spike) {
			out[n++] = p->first + i;
		}
	}
	*nout = n;
}

/* Puts every train back at its first spike. */
static int spike_source_reset(const snn_net *net, struct pop_rt *p, snn_diag *d)
{
	(void)net;
	(void)d;
	for (uint32_t k = 0; k < p->size; k++) {
		p->cursor[k] = p->train_off[k];
	}
	return SNN_OK;
}

/* Poisson trains keep no state between steps. */
static int poisson_source_reset(const snn_net *net, struct pop_rt *p, snn_diag *d)
{
	(void)net;
	(void)p;
	(void)d;
	return SNN_OK;
}

/* Sources have no state variables. */
static double source_get(const struct pop_rt *p, int var, uint32_t i)
{
	(void)p;
	(void)var;
	(void)i;
	return NAN;
}

const struct model_ops model_spike_source_ops = {source_setup, spike_source_reset,
						 spike_source_update, source_get};
const struct model_ops model_poisson_source_ops = {source_setup, poisson_source_reset,
						   poisson_source_update, source_get};

/* ------------------------------------------------------------ event engine */

/* Nothing reaches a source (the loaders see to it); were anything to, it
 * would change nothing, as on the grid engine. */
static struct ev_next source_input(struct ev_net *ev, const struct ev_pop *p, uint32_t g, double w,
				   double t)
{
	(void)ev;
	(void)p;
	(void)g;
	(void)w;
	return (struct ev_next){t, EV_KEEP};
}

static struct ev_next source_current(struct ev_net *ev, const struct ev_pop *p, uint32_t g,
				     double amp_pa, double t)
{
	(void)ev;
	(void)p;
	(void)g;
	(void)amp_pa;
	return (struct ev_next){t, EV_KEEP};
}

/* spike_source: the given times as written; src_j[g] is the cursor. */
static int spike_source_event_setup(struct ev_net *ev, struct ev_pop *p, snn_diag *d)
{
	(void)d;
	for (uint32_t k = 0; k < p->size; k++) {
		ev->src_j[p->first + k] = p->ir->train_off[k];
	}
	return SNN_OK;
}

/* The time of the spike under g's cursor, or +inf past its last. */
static struct ev_next spike_source_next(const struct ev_net *ev, const struct ev_pop *p, uint32_t g)
{
	uint64_t c = ev->src_j[g];
	uint32_t k = g - p->first;
	return (struct ev_next){c < p->ir->train_off[k + 1] ? p->ir->train_ms[c] : INFINITY,
				EV_EMIT};
}

static struct ev_next spike_source_first(struct ev_net *ev, const struct ev_pop *p, uint32_t g,
					 double amp_pa)
{
	(void)amp_pa;
	return spike_source_next(ev, p, g);
}

static struct ev_next spike_source_emit(struct ev_net *ev, const struct ev_pop *p, uint32_t g,
					double t)
{
	(void)t;
	ev->src_j[g]++;
	return spike_source_next(ev, p, g);
}

/* poisson_source: exponential intervals from the stream (seed,
 * RNG_EVENT_SOURCE, population, neuron), counted by src_j[g]. */
struct psrc_event {
	double rate_per_ms, start_ms, stop_ms;
};

static uint64_t poisson_source_n_par(const struct population *p)
{
	(void)p;
	return 1;
}

static int poisson_source_event_setup(struct ev_net *ev, struct ev_pop *p, snn_diag *d)
{
	(void)ev;
	(void)d;
	/* constants (the loader checks) */
	struct psrc_event *c = p->par;
	c->rate_per_ms = p->ir->params[PSRC_RATE].a * 1e-3;
	c->start_ms = p->ir->params[PSRC_START].a;
	c->stop_ms = p->ir->params[PSRC_STOP].a;
	return SNN_OK;
}

static struct ev_next poisson_source_first(struct ev_net *ev, const struct ev_pop *p, uint32_t g,
					   double amp_pa)
{
	(void)amp_pa;
	const struct psrc_event *c = p->par;
	double t = INFINITY;
	if (c->rate_per_ms > 0) {
		t = c->start_ms + ev_exp_interval(ev->net->sim.seed, RNG_EVENT_SOURCE, p->index, g,
						  0, c->rate_per_ms);
		t = t < c->stop_ms ? t : INFINITY;
	}
	return (struct ev_next){t, EV_EMIT};
}

static struct ev_next poisson_source_emit(struct ev_net *ev, const struct ev_pop *p, uint32_t g,
					  double t)
{
	const struct psrc_event *c = p->par;
	uint64_t j = ++ev->src_j[g];
	double next = t + ev_exp_interval(ev->net->sim.seed, RNG_EVENT_SOURCE, p->index, g, j,
					  c->rate_per_ms);
	return (struct ev_next){next < c->stop_ms ? next : INFINITY, EV_EMIT};
}

/* Sources have no state to trace and never ask to resume. */
const struct event_ops model_spike_source_event = {
    .setup = spike_source_event_setup,
    .first = spike_source_first,
    .emit = spike_source_emit,
    .input = source_input,
    .current = source_current,
};
const struct event_ops model_poisson_source_event = {
    .par_size = sizeof(struct psrc_event),
    .n_par = poisson_source_n_par,
    .setup = poisson_source_event_setup,
    .first = poisson_source_first,
    .emit = poisson_source_emit,
    .input = source_input,
    .current = source_current,
};
