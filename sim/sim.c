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
#include "mem_int.h"

struct snn_sim {
	const struct engine_ops *ops;
	void *impl;
	snn_net *view;	     /* the network as the options change it, or NULL */
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
		       net->sim.engine_where.col,
		       "engine %s on backend %s is not part of this build",
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
	snn_sim *s = mem_zalloc(sizeof(*s));
	if (!s) {
		return mem_nomem(d);
	}
	s->ops = ops;
	if (opt && (opt->steps || opt->no_outputs)) {
		/* the engines read the duration and the records from the network:
		 * they get a shallow copy (borrowing every array) that says what
		 * the options ask for */
		s->view = mem_alloc(sizeof(*s->view));
		if (!s->view) {
			mem_free(s);
			return mem_nomem(d);
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
		mem_free(s->view);
		mem_free(s);
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
	mem_free(s->view);
	mem_free(s);
}
