/*
 * The outputs of a run, shared by every engine (outputs_int.h): the record
 * plan, the spike and trace writers, commit and abort, and the statistics
 * per population.
 * Layer: sim core (engines), internal. Runs outside the step loop only: it
 * allocates when a run is planned, opened or summed up.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "mem_int.h"
#include "outputs_int.h"

int outputs_plan(struct engine_outputs *o, const snn_net *net, uint32_t n_neurons,
		 const snn_sim_options *opt, snn_diag *d)
{
	o->net = net;
	o->rec_mask = mem_zalloc(n_neurons);
	o->pop_spikes = mem_array(net->n_pops, sizeof(uint64_t));
	o->spike_pop_slot = mem_array_raw(net->n_pops, sizeof(int32_t));
	o->traces = mem_array(net->n_traces, sizeof(struct trace_writer *));
	/* The statistics' arrays are made now, not when the run ends: once the
	 * files are committed nothing may fail. */
	uint32_t nv = 0;
	for (uint32_t i = 0; i < net->n_pops; i++) {
		nv += !net->pops[i].hidden;
	}
	o->stat_names = mem_array(nv, sizeof(char *));
	o->stat_sizes = mem_array(nv, sizeof(uint32_t));
	o->stat_spikes = mem_array(nv, sizeof(uint64_t));
	o->stat_rates = mem_array(nv, sizeof(double));
	if (!o->rec_mask || !o->pop_spikes || !o->spike_pop_slot || !o->traces || !o->stat_names ||
	    !o->stat_sizes || !o->stat_spikes || !o->stat_rates) {
		return mem_nomem(d);
	}
	o->n_traces = net->n_traces;
	bool any = false;
	if (opt->record_all) {
		for (uint32_t i = 0; i < net->n_pops; i++) {
			if (!net->pops[i].hidden) {
				memset(o->rec_mask + net->pops[i].first, REC_FILE,
				       net->pops[i].size);
				any = true;
			}
		}
	} else if (net->record_spikes) {
		for (uint32_t k = 0; k < net->spikes.n_sets; k++) {
			const struct target_set *t = &net->spikes.sets[k];
			uint32_t first = net->pops[t->pop].first;
			for (uint32_t e = 0; e < target_set_size(t); e++) {
				o->rec_mask[first + target_set_at(t, e)] = REC_FILE;
			}
			any = true;
		}
	}
	const char *file = opt->spike_path ? opt->spike_path : net->spikes.file;
	if (any && !file) {
		return snn_diag_error(d, SNN_EINVAL, net->spikes.where.file, net->spikes.where.line,
				      net->spikes.where.col,
				      "spikes are recorded but no file is named: add 'file' to the "
				      "spike record or give -o FILE");
	}
	if (any && !(o->spike_path = mem_strdup(file))) {
		return mem_nomem(d);
	}
	if (opt->on_spikes) {
		for (uint32_t i = 0; i < net->n_pops; i++) {
			if (net->pops[i].hidden) {
				continue;
			}
			for (uint32_t k = 0; k < net->pops[i].size; k++) {
				o->rec_mask[net->pops[i].first + k] |= REC_HOOK;
			}
		}
	}
	for (uint32_t r = 0; r < net->n_traces; r++) {
		const struct trace_record *t = &net->traces[r];
		if (o->spike_path && strcmp(o->spike_path, t->file) == 0) {
			return snn_diag_error(
			    d, SNN_EINVAL, t->where.file, t->where.line, t->where.col,
			    "the spike file '%s' is also the file of trace record %u", t->file,
			    r + 1);
		}
	}
	return SNN_OK;
}

/* The spike file holds one entry per population with a recorded neuron, in
 * network order, whatever the engine. */
static int open_spike_file(struct engine_outputs *o, enum snn_spike_format format,
			   const snn_provenance *prov, snn_diag *d)
{
	const snn_net *net = o->net;
	const char **names = mem_array(net->n_pops, sizeof(char *));
	if (!names) {
		return mem_nomem(d);
	}
	size_t nn = 0;
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct population *p = &net->pops[i];
		bool any = false;
		for (uint32_t g = p->first; g < p->first + p->size && !any; g++) {
			any = (o->rec_mask[g] & REC_FILE) != 0;
		}
		o->spike_pop_slot[i] = any ? (int32_t)nn : -1;
		if (any) {
			names[nn++] = p->name;
		}
	}
	int rc = snn_spike_writer_open(o->spike_path, format, names, nn, prov, &o->spikes, d);
	mem_free(names);
	return rc;
}

/* A trace file: the traced neurons' local ids, sampled every interval
 * (whole steps), the first sample one interval after the start. */
static int open_trace(struct engine_outputs *o, uint32_t r, const snn_provenance *prov, snn_diag *d)
{
	const snn_net *net = o->net;
	const struct trace_record *t = &net->traces[r];
	const struct population *p = &net->pops[t->who.pop];
	uint32_t n = target_set_size(&t->who);
	uint64_t *ids = mem_array_raw(n, sizeof(uint64_t));
	if (!ids) {
		return mem_nomem(d);
	}
	for (uint32_t e = 0; e < n; e++) {
		ids[e] = target_set_at(&t->who, e);
	}
	const struct model_state *ms = &p->model->state[t->var];
	double iv = (double)net_steps_of(t->interval_ms, net->sim.dt_ms) * net->sim.dt_ms;
	int rc = trace_writer_open(t->file, p->name, ids, n, ms->name, snn_dim_unit(ms->dim), iv,
				   iv, prov, &o->traces[r], d);
	mem_free(ids);
	return rc;
}

int outputs_open(struct engine_outputs *o, enum snn_spike_format format, const snn_provenance *prov,
		 snn_diag *d)
{
	for (uint32_t i = 0; i < o->net->n_pops; i++) {
		o->spike_pop_slot[i] = -1;
	}
	if (o->spike_path) {
		int rc = open_spike_file(o, format, prov, d);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	for (uint32_t r = 0; r < o->n_traces; r++) {
		int rc = open_trace(o, r, prov, d);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	return SNN_OK;
}

int outputs_commit(struct engine_outputs *o, snn_diag *d)
{
	int rc = SNN_OK;
	if (o->spikes) {
		rc = snn_spike_writer_commit(o->spikes, d);
		o->spikes = NULL;
	}
	for (uint32_t r = 0; r < o->n_traces; r++) {
		int rc2 = trace_writer_commit(o->traces[r], d);
		o->traces[r] = NULL;
		if (rc == SNN_OK) {
			rc = rc2;
		}
	}
	if (rc != SNN_OK) {
		outputs_abort(o);
	}
	return rc;
}

void outputs_abort(struct engine_outputs *o)
{
	snn_spike_writer_abort(o->spikes);
	o->spikes = NULL;
	for (uint32_t r = 0; o->traces && r < o->n_traces; r++) {
		trace_writer_abort(o->traces[r]);
		o->traces[r] = NULL;
	}
}

static void free_stat_arrays(struct engine_outputs *o)
{
	mem_free(o->stat_names);
	mem_free(o->stat_sizes);
	mem_free(o->stat_spikes);
	mem_free(o->stat_rates);
	o->stat_names = NULL;
	o->stat_sizes = NULL;
	o->stat_spikes = NULL;
	o->stat_rates = NULL;
}

void outputs_free(struct engine_outputs *o)
{
	outputs_abort(o);
	mem_free(o->rec_mask);
	mem_free(o->spike_path);
	mem_free(o->spike_pop_slot);
	mem_free(o->traces);
	mem_free(o->pop_spikes);
	free_stat_arrays(o);
	memset(o, 0, sizeof(*o));
}

int outputs_fill_stats(struct engine_outputs *o, double bio_ms, snn_stats *st)
{
	const snn_net *net = o->net;
	if (!o->stat_names) {
		return SNN_ENOMEM; /* outputs_plan failed or never ran */
	}
	st->spikes = 0;
	st->neurons = 0;
	uint32_t k = 0;
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct population *p = &net->pops[i];
		uint64_t c = o->pop_spikes[i];
		st->spikes += c;
		if (p->hidden) {
			continue;
		}
		st->neurons += p->size;
		o->stat_names[k] = p->name;
		o->stat_sizes[k] = p->size;
		o->stat_spikes[k] = c;
		o->stat_rates[k] = bio_ms > 0 ? (double)c / (p->size * bio_ms * 1e-3) : 0.0;
		k++;
	}
	st->n_pops = k;
	st->pop_names = o->stat_names;
	st->pop_sizes = o->stat_sizes;
	st->pop_spikes = o->stat_spikes;
	st->rates_hz = o->stat_rates;
	st->spike_file = o->spike_path;
	st->peak_rss_mb = snn_peak_rss_mb();
	return SNN_OK;
}
