/*
 * Running NIR networks on input tensors: builds the CPU engine once, runs
 * every sample from the resting state and collects the outputs of the
 * graph's Output nodes (and asked-for states) into dense series.
 * Layer: sim core (engines). Drives the engine through its sample-by-sample
 * interface (grid_run_io); owns no dynamics.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "mem_int.h"
#include "nir_int.h"
#include "nir_data_int.h"
#include "snn/nir.h"
#include "snn/sim.h"
#include "snn/version.h"

#define NIR_NEURONS_PER_THREAD 32768u

void snn_nir_result_free(snn_nir_result *r)
{
	if (!r) {
		return;
	}
	for (size_t i = 0; r->bufs && i < r->n; i++) {
		free(r->bufs[i]);
		free((char *)r->series[i].name);
		free((char *)r->series[i].population);
	}
	for (size_t i = 0; r->pop_names && i < r->stats.n_pops; i++) {
		free((char *)r->pop_names[i]);
	}
	free(r->bufs);
	free(r->series);
	free(r->pop_names);
	free(r->pop_sizes);
	free(r->pop_spikes);
	free(r->rates);
	free(r);
}

size_t snn_nir_result_count(const snn_nir_result *r)
{
	return r->n;
}

const snn_nir_series *snn_nir_result_series(const snn_nir_result *r, size_t i)
{
	return i < r->n ? &r->series[i] : NULL;
}

const snn_nir_series *snn_nir_result_find(const snn_nir_result *r, const char *name,
					  const char *what)
{
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->series[i].name, name) == 0 && strcmp(r->series[i].what, what) == 0) {
			return &r->series[i];
		}
	}
	return NULL;
}

const snn_stats *snn_nir_result_stats(const snn_nir_result *r)
{
	return &r->stats;
}

/* Whether a NIR model keeps state variable var (NIR_S_V, NIR_S_I): the model
 * table lists its state, v first and i second. */
static bool has_state(const struct model *m, int var)
{
	return var >= 0 && var < m->n_state;
}

/* Whether a NIR model emits spikes rather than values: the models with a
 * threshold (LIF, IF, CubaLIF, Threshold). */
static bool spiking(const struct model *m)
{
	return (m->param_mask & (1u << NIR_V_THRESHOLD)) != 0;
}

/* Adds a series of population `pop` (var -1: its output). */
static int add_series(snn_nir_result *r, const snn_net *net, const char *name, uint32_t pop,
		      int var, snn_diag *d)
{
	const struct population *p = &net->pops[pop];
	const char *what = var == NIR_S_V      ? "v"
			   : var == NIR_S_I    ? "i"
			   : spiking(p->model) ? "spikes"
					       : "values";
	for (size_t i = 0; i < r->n; i++) {
		if (strcmp(r->series[i].name, name) == 0 && strcmp(r->series[i].what, what) == 0) {
			return SNN_OK;
		}
	}
	snn_nir_series *s = mem_resize(r->series, r->n + 1, sizeof(*s));
	if (s) {
		r->series = s;
	}
	double **b = mem_resize(r->bufs, r->n + 1, sizeof(double *));
	if (b) {
		r->bufs = b;
	}
	uint64_t n = (uint64_t)r->samples * r->steps * p->size;
	double *data = (s && b && n < (1ull << 34)) ? mem_array(n, sizeof(double)) : NULL;
	char *nm = mem_strdup(name), *pn = mem_strdup(p->name);
	if (!data || !nm || !pn) {
		free(data);
		free(nm);
		free(pn);
		return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0,
				      "out of memory for the %s of '%s' (%llu values)", what, name,
				      (unsigned long long)n);
	}
	r->bufs[r->n] = data;
	r->series[r->n] = (snn_nir_series){nm, what, pn, p->size, r->samples, r->steps, data};
	r->n++;
	return SNN_OK;
}

static int copy_stats(snn_nir_result *r, const snn_stats *st, snn_diag *d)
{
	r->stats = *st;
	r->stats.n_pops = 0;
	size_t n = st->n_pops ? st->n_pops : 1;
	r->pop_names = mem_array(n, sizeof(char *));
	r->pop_sizes = mem_array(n, sizeof(uint32_t));
	r->pop_spikes = mem_array(n, sizeof(uint64_t));
	r->rates = mem_array(n, sizeof(double));
	if (!r->pop_names || !r->pop_sizes || !r->pop_spikes || !r->rates) {
		return mem_nomem(d);
	}
	for (size_t i = 0; i < st->n_pops; i++) {
		r->pop_names[i] = mem_strdup(st->pop_names[i]);
		if (!r->pop_names[i]) {
			return mem_nomem(d);
		}
		r->stats.n_pops = i + 1;
		r->pop_sizes[i] = st->pop_sizes[i];
		r->pop_spikes[i] = st->pop_spikes[i];
		r->rates[i] = st->rates_hz[i];
	}
	r->stats.pop_names = r->pop_names;
	r->stats.pop_sizes = r->pop_sizes;
	r->stats.pop_spikes = r->pop_spikes;
	r->stats.rates_hz = r->rates;
	r->stats.spike_file = NULL;
	r->stats.engine = "grid-cpu";
	return SNN_OK;
}

int snn_nir_run(snn_net *net, const snn_nir_data *in, const snn_nir_run_options *o,
		snn_nir_result **out, snn_diag *d)
{
	*out = NULL;
	const struct nir_info *I = net->nir;
	snn_nir_run_options def;
	if (!o) {
		memset(&def, 0, sizeof(def));
		o = &def;
	}
	if (!I) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0, "the network is not a NIR graph");
	}
	if (in->n_inputs != I->n_inputs) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "%u input tensors for a graph with %u Input nodes",
				      in->n_inputs, I->n_inputs);
	}
	for (uint32_t k = 0; k < I->n_inputs; k++) {
		if (in->size[k] != net->pops[I->inputs[k].pop].size) {
			return snn_diag_error(
			    d, SNN_EINVAL, NULL, 0, 0,
			    "input '%s' has %u values per step, the graph takes %u",
			    I->inputs[k].name, in->size[k], net->pops[I->inputs[k].pop].size);
		}
	}
	if (in->samples == 0 || in->steps == 0) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0, "no samples or no steps to run");
	}
	snn_nir_result *r = mem_zalloc(sizeof(*r));
	if (!r) {
		return mem_nomem(d);
	}
	r->samples = in->samples;
	r->steps = in->steps;
	snprintf(r->software, sizeof(r->software), "Spikeforge %s", snn_version());
	struct grid_sim *s = NULL;
	struct grid_capture *caps = NULL;
	int rc = SNN_OK;
	for (uint32_t k = 0; k < I->n_outputs && rc == SNN_OK; k++) {
		const struct nir_port *p = &I->outputs[k];
		rc = add_series(r, net, p->name, p->pop, -1, d);
		for (int v = 0; v < NIR_N_STATE && rc == SNN_OK && o->record_state; v++) {
			if (has_state(net->pops[p->pop].model, v)) {
				rc = add_series(r, net, p->name, p->pop, v, d);
			}
		}
	}
	for (size_t k = 0; k < o->n_record && rc == SNN_OK; k++) {
		long pi = snn_net_find_population(net, o->record[k]);
		if (pi < 0) {
			rc = snn_diag_error(
			    d, SNN_EINVAL, NULL, 0, 0,
			    "no population '%s' to record (snnsim inspect lists them)",
			    o->record[k]);
			break;
		}
		const char *name = net->pops[pi].name;
		rc = add_series(r, net, name, (uint32_t)pi, -1, d);
		for (int v = 0; v < NIR_N_STATE && rc == SNN_OK; v++) {
			if (has_state(net->pops[pi].model, v)) {
				rc = add_series(r, net, name, (uint32_t)pi, v, d);
			}
		}
	}
	if (rc != SNN_OK) {
		goto fail;
	}
	caps = mem_array(r->n, sizeof(*caps));
	if (!caps) {
		rc = mem_nomem(d);
		goto fail;
	}
	snn_sim_options so;
	memset(&so, 0, sizeof(so));
	so.threads = o->threads;
	if (so.threads == 0) {
		/* every stage of a step ends with a barrier: below tens of
		 * thousands of neurons per thread the barriers cost more than
		 * the threads save (doc/nir.md) */
		uint64_t t = snn_net_neuron_count(net) / NIR_NEURONS_PER_THREAD;
		int dt = grid_default_threads();
		so.threads = t < 1 ? 1 : t > (uint64_t)dt ? dt : (int)t;
	}
	so.software = r->software;
	so.progress = o->progress;
	so.progress_ctx = o->progress_ctx;
	so.on_spikes = o->on_spikes;
	so.spikes_ctx = o->spikes_ctx;
	rc = grid_create(net, &so, &s, d);
	if (rc != SNN_OK) {
		goto fail;
	}
	for (uint32_t smp = 0; smp < in->samples && rc == SNN_OK; smp++) {
		s->t_base_ms = (double)smp * in->steps * s->dt_ms;
		for (uint32_t k = 0; k < I->n_inputs; k++) {
			s->pops[I->inputs[k].pop].input =
			    in->v[k] + (size_t)smp * in->steps * in->size[k];
		}
		for (size_t c = 0; c < r->n; c++) {
			const snn_nir_series *se = &r->series[c];
			long pi = snn_net_find_population(net, se->population);
			int var = strcmp(se->what, "v") == 0   ? NIR_S_V
				  : strcmp(se->what, "i") == 0 ? NIR_S_I
							       : -1;
			caps[c] = (struct grid_capture){
			    (uint32_t)pi, var, r->bufs[c] + (size_t)smp * in->steps * se->size};
		}
		rc = grid_run_io(s, in->steps, caps, (uint32_t)r->n, d);
	}
	for (uint32_t k = 0; k < I->n_inputs; k++) {
		s->pops[I->inputs[k].pop].input = NULL;
	}
	if (rc != SNN_OK) {
		goto fail;
	}
	const snn_stats *st = grid_run_stats(s);
	if (!st) {
		rc = mem_nomem(d);
		goto fail;
	}
	rc = copy_stats(r, st, d);
	if (rc != SNN_OK) {
		goto fail;
	}
	r->stats.peak_rss_mb = snn_peak_rss_mb();
	grid_destroy(s);
	free(caps);
	*out = r;
	return SNN_OK;
fail:
	grid_destroy(s);
	free(caps);
	snn_nir_result_free(r);
	return rc;
}
