/*
 * snn_sim: the public face of the engines. Picks the engine that the
 * network's settings name and forwards to it.
 * Layer: sim core (engines). Holds no simulation logic of its own.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "engines_int.h"
#include "net_int.h"

struct snn_sim {
	const struct engine_ops *ops;
	void *impl;
	snn_net *view;       /* the network as the options change it, or NULL */
	snn_sim_options opt; /* the options the engine was given */
};

static const struct engine_ops *pick(const snn_net *net, snn_diag *d)
{
	if (net->sim.engine == ENGINE_GRID && net->sim.backend == BACKEND_CPU) {
		return &engine_grid_cpu;
	}
	if (net->sim.engine == ENGINE_GRID && net->sim.backend == BACKEND_CUDA) {
		const struct engine_ops *cuda = engines_grid_cuda();
		if (cuda) {
			return cuda;
		}
		snn_diag_error(d, SNN_EUNSUP, net->sim.engine_where.file,
			       net->sim.engine_where.line, net->sim.engine_where.col,
			       "backend cuda is not part of this build: this build has no CUDA "
			       "(configure found no nvcc; install the CUDA toolkit and configure "
			       "again, or point to it with --with-cuda=DIR)");
		return NULL;
	}
	if (net->sim.engine == ENGINE_EVENT && net->sim.backend == BACKEND_CPU) {
		return &engine_event_cpu;
	}
	if (net->sim.engine == ENGINE_EVENT && net->sim.backend == BACKEND_CUDA) {
		snn_diag_error(d, SNN_EUNSUP, net->sim.engine_where.file,
			       net->sim.engine_where.line, net->sim.engine_where.col,
			       "engine event runs on backend cpu only (there is no CUDA event "
			       "engine): use backend cpu, or engine grid for backend cuda");
		return NULL;
	}
	snn_diag_error(d, SNN_EUNSUP, net->sim.engine_where.file, net->sim.engine_where.line,
		       net->sim.engine_where.col, "engine %s on backend %s is not part of this build",
		       net_engine_name(net->sim.engine), net_backend_name(net->sim.backend));
	return NULL;
}

int snn_sim_new(const snn_net *net, const snn_sim_options *opt, snn_sim **out, snn_diag *d)
{
	*out = NULL;
	const struct engine_ops *ops = pick(net, d);
	if (!ops) {
		return SNN_EUNSUP;
	}
	snn_sim *s = calloc(1, sizeof(*s));
	if (!s) {
		return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0, "out of memory");
	}
	s->ops = ops;
	if (opt && (opt->steps || opt->no_outputs)) {
		/* the engines read the duration and the records from the network:
		 * they get a shallow copy (borrowing every array) that says what
		 * the options ask for */
		s->view = malloc(sizeof(*s->view));
		if (!s->view) {
			free(s);
			return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0, "out of memory");
		}
		*s->view = *net;
		s->opt = *opt;
		if (opt->steps) {
			s->view->sim.duration_ms = (double)opt->steps * net->sim.dt_ms;
		}
		if (opt->no_outputs) {
			s->view->record_spikes = false;
			s->view->n_traces = 0;
			s->opt.record_all = false;
			s->opt.spike_path = NULL;
		}
		net = s->view;
		opt = &s->opt;
	}
	int rc = ops->create(net, opt, &s->impl, d);
	if (rc != SNN_OK) {
		free(s->view);
		free(s);
		return rc;
	}
	*out = s;
	return SNN_OK;
}

int snn_sim_run(snn_sim *s, snn_diag *d)
{
	return s->ops->run(s->impl, d);
}

const snn_stats *snn_sim_stats(const snn_sim *s)
{
	return s->ops->stats(s->impl);
}

const char *snn_sim_engine_name(const snn_sim *s)
{
	return s->ops->name;
}

void snn_sim_free(snn_sim *s)
{
	if (!s) {
		return;
	}
	s->ops->destroy(s->impl);
	free(s->view);
	free(s);
}

int engines_record_plan(const snn_net *net, uint32_t n_neurons, bool record_all,
			const char *spike_path, uint8_t **mask, char **path, snn_diag *d)
{
	*path = NULL;
	*mask = calloc(n_neurons ? n_neurons : 1, 1);
	if (!*mask) {
		return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0, "out of memory");
	}
	bool any = false;
	if (record_all) {
		for (uint32_t i = 0; i < net->n_pops; i++) {
			if (net->pops[i].name[0] != '@') {
				memset(*mask + net->pops[i].first, 1, net->pops[i].size);
				any = true;
			}
		}
	} else if (net->record_spikes) {
		for (uint32_t k = 0; k < net->spikes.n_sets; k++) {
			const struct target_set *t = &net->spikes.sets[k];
			uint32_t first = net->pops[t->pop].first;
			for (uint32_t e = 0; e < target_set_size(t); e++) {
				(*mask)[first + target_set_at(t, e)] = 1;
			}
			any = true;
		}
	}
	const char *file = spike_path ? spike_path : net->spikes.file;
	if (any && !file) {
		return snn_diag_error(d, SNN_EINVAL, net->spikes.where.file, net->spikes.where.line,
				      net->spikes.where.col,
				      "spikes are recorded but no file is named: add 'file' to the "
				      "spike record or give -o FILE");
	}
	if (any) {
		*path = strdup(file);
		if (!*path) {
			return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0, "out of memory");
		}
	}
	return SNN_OK;
}

int engines_open_spike_file(const snn_net *net, const char *path,
			    enum snn_spike_format format, const uint8_t *rec_mask, uint8_t bits,
			    const snn_provenance *prov, int32_t *slot, snn_spike_writer **out,
			    snn_diag *d)
{
	const char **names = calloc(net->n_pops ? net->n_pops : 1, sizeof(char *));
	if (!names) {
		return snn_diag_error(d, SNN_ENOMEM, NULL, 0, 0, "out of memory");
	}
	size_t nn = 0;
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct population *p = &net->pops[i];
		bool any = false;
		for (uint32_t g = p->first; g < p->first + p->size && !any; g++) {
			any = (rec_mask[g] & bits) != 0;
		}
		slot[i] = any ? (int32_t)nn : -1;
		if (any) {
			names[nn++] = p->name;
		}
	}
	int rc = snn_spike_writer_open(path, format, names, nn, prov, out, d);
	free(names);
	return rc;
}
