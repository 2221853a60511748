/*
 * snn_loihi_compile: the Loihi-class mapper's driver. It expands a network's
 * synapses (through the CPU engine's own builder, so the chip gets exactly
 * the synapses snnsim simulates), finds the shareable conv kernels, has
 * place.c place the loihi_lif neurons within the target's limits, image.c
 * write the chip image, and prints the mapping report.
 * Layer: hw. Cost: O(synapses) memory and time, plus METIS where used.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expand_int.h"
#include "loihi_int.h"
#include "map_int.h"
#include "mem_int.h"
#include "snn/spikes.h"
#include "model_loihi.h"

/* Synapses and neuron constants from the engine's expansion (the CPU
 * engine's own builder, never run). */
static int collect(struct cmap *M)
{
	const snn_net *net = M->net;
	struct expanded *x = NULL;
	int rc;
	for (uint32_t i = 0; M->need_image && i < net->n_pops; i++) {
		const struct population *p = &net->pops[i];
		if (!p->model->is_source && p->model->id != MODEL_LOIHI_LIF) {
			return snn_diag_error(
			    M->d, SNN_EINVAL, p->where.file, p->where.line, p->where.col,
			    "population '%s': model %s has no Loihi implementation "
			    "(use loihi_lif)",
			    p->name, p->model->name);
		}
	}
	if (net->n_stims && M->need_image) {
		const struct origin *w = &net->stims[0].where;
		return snn_diag_error(M->d, SNN_EUNSUP, w->file, w->line, w->col,
				      "stimuli cannot be compiled for a chip: drive the network "
				      "from a spike_source or poisson_source population instead");
	}
	rc = expand_network(net, 0, &x, M->d);
	if (rc != SNN_OK) {
		return rc;
	}
	M->n = x->n_neurons;
	M->on_chip = mem_array(M->n, 1);
	M->prop = mem_array(M->n, sizeof(struct loihi_prop));
	M->u0 = mem_array(M->n, sizeof(int32_t));
	M->v0 = mem_array(M->n, sizeof(int32_t));
	M->core = mem_array_raw(M->n, sizeof(uint32_t));
	if (!M->on_chip || !M->prop || !M->u0 || !M->v0 || !M->core) {
		rc = mem_nomem(M->d);
		goto out_free;
	}
	for (uint32_t i = 0; i < x->n_pops; i++) {
		const struct expanded_pop *p = &x->pops[i];
		if (p->model != MODEL_LOIHI_LIF) {
			/* placement reports also place other neuron models */
			for (uint32_t k = 0;
			     !M->need_image && !p->ir->model->is_source && k < p->size; k++) {
				M->on_chip[p->first + k] = 1;
			}
			continue;
		}
		for (uint32_t k = 0; k < p->size; k++) {
			M->on_chip[p->first + k] = 1;
			M->prop[p->first + k] = x->loihi[p->first + k];
			M->u0[p->first + k] = x->loihi_u0[p->first + k];
			M->v0[p->first + k] = x->loihi_v0[p->first + k];
		}
	}
	M->syn = mem_array_raw(x->n_syn, sizeof(struct csyn));
	M->in_off = mem_array_raw((size_t)M->n + 1, sizeof(uint64_t));
	if (!M->syn || !M->in_off) {
		rc = mem_nomem(M->d);
		goto out_free;
	}
	/* the expansion is by target, then source, then delay: the order the
	 * placement wants */
	for (uint64_t k = 0; k < x->n_syn; k++) {
		const struct expanded_syn *e = &x->syn[k];
		struct csyn *c = &M->syn[M->n_syn++];
		c->src = e->src;
		c->tgt = e->tgt;
		/* graded (NIR) networks keep float weights (wq 0): only placement
		 * reports get here */
		c->w = e->wq;
		c->delay = e->delay;
		c->kern = UINT32_MAX;
	}
	memcpy(M->in_off, x->in_off, ((size_t)M->n + 1) * sizeof(uint64_t));
	M->max_delay = x->max_delay;
	if (M->max_delay > M->T->max_delay) {
		rc = snn_diag_error(M->d, SNN_ERANGE, NULL, 0, 0,
				    "a synaptic delay of %u steps exceeds %s's %u steps",
				    M->max_delay, M->T->name, M->T->max_delay);
	}
out_free:
	expanded_free(x);
	return rc;
}

/* --------------------------------------------------------- shared kernels */

/* Whether projection i is a convolution whose synapses are exactly its
 * kernel's taps between two whole populations: no source subset, no
 * per-source delay, and no other projection between the same populations
 * (so that the expanded synapses of that population pair are its own). */
static bool shareable(const snn_net *net, uint32_t i)
{
	const struct projection *pr = &net->projs[i];
	if (pr->kind != PROJ_CONV || !pr->x || pr->x->pre_delay) {
		return false;
	}
	const struct target_set *a = &pr->pre, *b = &pr->post;
	if (a->ids || b->ids || a->lo != 0 || b->lo != 0 || a->hi != net->pops[a->pop].size ||
	    b->hi != net->pops[b->pop].size) {
		return false;
	}
	for (uint32_t k = 0; k < net->n_projs; k++) {
		if (k != i && net->projs[k].pre.pop == a->pop && net->projs[k].post.pop == b->pop) {
			return false;
		}
	}
	return true;
}

/* Finds the shareable conv projections and tags their expanded synapses with
 * the kernel, so that a placement can store each kernel once per core (a
 * kernel whose copy would take more than a quarter of a core's synaptic
 * memory stays expanded: a core stores a whole kernel, not a slice). The
 * chip weights are the CPU builder's (the float weight rounded, unscaled for
 * loihi_lif); graded networks (placement reports only) keep weight 0. */
static int find_kernels(struct cmap *M)
{
	const snn_net *net = M->net;
	uint32_t n = 0;
	for (uint32_t i = 0; i < net->n_projs; i++) {
		n += shareable(net, i);
	}
	if (!n) {
		return SNN_OK;
	}
	M->kern = mem_array(n, sizeof(struct ckern));
	if (!M->kern) {
		return mem_nomem(M->d);
	}
	for (uint32_t i = 0; i < net->n_projs; i++) {
		if (!shareable(net, i)) {
			continue;
		}
		const struct projection *pr = &net->projs[i];
		const struct population *post = &net->pops[pr->post.pop];
		const struct proj_conv *cv = &pr->x->conv;
		uint64_t n_w = (uint64_t)cv->cout * (cv->cin / cv->groups) * cv->kh * cv->kw;
		if (LOIHI_KERNEL_HDR_BYTES + n_w * LOIHI_KERNEL_WEIGHT_BYTES >
		    M->T->syn_bytes_per_core / 4) {
			continue; /* a kernel this big stays expanded */
		}
		struct ckern *K = &M->kern[M->n_kern++];
		K->cv = cv;
		K->pre_first = net->pops[pr->pre.pop].first;
		K->n_pre = net->pops[pr->pre.pop].size;
		K->post_first = post->first;
		K->delay = pr->x->delay_steps;
		K->n_w = n_w;
		K->w = mem_array(K->n_w, sizeof(int32_t));
		if (!K->w) {
			return mem_nomem(M->d);
		}
		for (uint64_t k = 0; M->need_image && k < K->n_w; k++) {
			K->w[k] = (int32_t)llrint((double)K->cv->kernel[k]);
		}
		K->sk_base = M->n_sk;
		M->n_sk += K->n_pre;
		K->bytes = LOIHI_KERNEL_HDR_BYTES + K->n_w * LOIHI_KERNEL_WEIGHT_BYTES;
		if (K->delay > M->T->max_delay) {
			return snn_diag_error(M->d, SNN_ERANGE, NULL, 0, 0,
					      "a synaptic delay of %u steps exceeds %s's %u steps",
					      K->delay, M->T->name, M->T->max_delay);
		}
	}
	for (uint64_t e = 0; e < M->n_syn; e++) {
		struct csyn *c = &M->syn[e];
		for (uint32_t k = 0; k < M->n_kern; k++) {
			const struct ckern *K = &M->kern[k];
			if (c->src - K->pre_first < K->n_pre &&
			    c->tgt - K->post_first <
				(uint64_t)K->cv->cout * K->cv->out_h * K->cv->out_w) {
				c->kern = k;
				break;
			}
		}
	}
	return SNN_OK;
}

/* ------------------------------------------------------------ report */

/* The image's order of the synapses: by target core, then source, target and
 * delay. */
static int cmp_syn_core(const void *a, const void *b)
{
	const struct csyn *x = a, *y = b;
	uint32_t cx = x->tc, cy = y->tc;
	if (cx != cy) {
		return cx < cy ? -1 : 1;
	}
	if (x->src != y->src) {
		return x->src < y->src ? -1 : 1;
	}
	if (x->tgt != y->tgt) {
		return x->tgt < y->tgt ? -1 : 1;
	}
	return x->delay < y->delay ? -1 : x->delay > y->delay;
}

static void report_mapping(const struct cmap *M, enum snn_loihi_placement how, FILE *out)
{
	const struct loihi_target *T = M->T;
	uint32_t chip_neurons = 0;
	for (uint32_t g = 0; g < M->n; g++) {
		chip_neurons += M->on_chip[g];
	}
	static const char *names[] = {"auto", "sequential", "greedy", "metis"};
	fprintf(out, "target           %s\n", T->name);
	fprintf(out, "placement        %s%s%s%s\n", names[how],
		how == SNN_LOIHI_PLACE_AUTO ? ": chose " : "",
		how == SNN_LOIHI_PLACE_AUTO ? names[M->placed_by] : "",
		how == SNN_LOIHI_PLACE_AUTO && M->refined ? ", refined by moves" : "");
	fprintf(out, "neurons          %u on chip, %u input ports\n", chip_neurons,
		M->n - chip_neurons);
	fprintf(out, "synapses         %llu\n", (unsigned long long)M->n_syn);
	fprintf(out, "cores used       %u of %u per chip (%u chips)\n", M->n_cores,
		T->cores_per_chip, (M->n_cores + T->cores_per_chip - 1) / T->cores_per_chip);
	fprintf(out, "routes           %llu core-to-core (source neuron, other core) pairs\n",
		(unsigned long long)M->routes);
	if (M->steps) {
		fprintf(out,
			"traffic          %.3f spikes crossing cores per step (%llu in %llu "
			"steps of the activity run)\n",
			(double)M->traffic / (double)M->steps, (unsigned long long)M->traffic,
			(unsigned long long)M->steps);
	}
	if (how == SNN_LOIHI_PLACE_AUTO && M->seq_cores) {
		fprintf(out, "sequential       %u cores, %llu routes", M->seq_cores,
			(unsigned long long)M->seq_routes);
		if (M->steps) {
			fprintf(out, ", %.3f spikes crossing cores per step",
				(double)M->seq_traffic / (double)M->steps);
		}
		fprintf(out, " (the baseline)\n");
	}
	uint64_t fullest = 0;
	for (uint32_t c = 0; c < M->n_cores; c++) {
		fullest = M->core_bytes[c] > fullest ? M->core_bytes[c] : fullest;
	}
	fprintf(out, "synaptic memory  %llu bytes, fullest core %llu (%.1f%% of %u)\n",
		(unsigned long long)map_total_bytes(M), (unsigned long long)fullest,
		100.0 * (double)fullest / T->syn_bytes_per_core, T->syn_bytes_per_core);
	if (!M->n_kern) {
		fprintf(out, "weight sharing   none: no conv projection to share\n");
	} else if (M->share) {
		fprintf(out,
			"weight sharing   %u conv kernels stored %llu times, %llu conv axons\n",
			M->n_kern, (unsigned long long)M->kern_copies,
			(unsigned long long)M->conv_axons);
	} else {
		fprintf(out, "weight sharing   %s %s: %u conv projections expanded\n",
			T->weight_sharing ? "turned off on" : "not on", T->name, M->n_kern);
	}
	if (M->n_kern && M->alt_ok) {
		fprintf(out, "%s  %u cores, %llu bytes of synaptic memory\n",
			M->share ? "without sharing" : "with sharing   ", M->alt_cores,
			(unsigned long long)M->alt_bytes);
	} else if (M->n_kern) {
		fprintf(out, "%s  does not fit the board\n",
			M->share ? "without sharing" : "with sharing   ");
	}
	for (uint32_t c = 0; c < M->n_cores && c < 16; c++) {
		uint32_t nn = 0;
		uint64_t ns = 0;
		for (uint32_t g = 0; g < M->n; g++) {
			if (M->core[g] == c) {
				nn++;
				ns += M->in_off[g + 1] - M->in_off[g];
			}
		}
		fprintf(out,
			"core %-4u        %u neurons (%.1f%%), %llu synapses (%.1f%% of memory)\n",
			c, nn, 100.0 * nn / T->neurons_per_core, (unsigned long long)ns,
			100.0 * (double)M->core_bytes[c] / T->syn_bytes_per_core);
	}
	if (M->n_cores > 16) {
		fprintf(out, "...              (%u more cores)\n", M->n_cores - 16);
	}
}

bool snn_loihi_is_target(const char *name)
{
	return name && (strcmp(name, "loihi1-class") == 0 || strcmp(name, "loihi2-class") == 0);
}

static int compile_map(const snn_net *net, const struct loihi_target *T, const snn_loihi_options *o,
		       const char *out_path, struct loihi_refine_audit *a, snn_diag *d)
{
	struct cmap M = {.net = net, .T = T, .d = d, .need_image = out_path != NULL, .audit = a};
	bool can_share = M.T->weight_sharing && !o->no_weight_sharing;
	int rc = collect(&M);
	if (rc == SNN_OK) {
		rc = find_kernels(&M);
	}
	if (rc == SNN_OK) {
		rc = map_read_activity(&M, o->activity_path);
	}
	if (rc == SNN_OK && M.n_kern) {
		/* the other way first (expanded on a target that shares, shared on
		 * one that cannot), for the report's comparison */
		snn_diag *tmp = snn_diag_new();
		M.d = tmp;
		M.share = !can_share;
		M.alt_ok =
		    tmp && map_place(&M, o->placement) == SNN_OK && map_core_bytes(&M) == SNN_OK;
		M.alt_cores = M.n_cores;
		M.alt_bytes = M.alt_ok ? map_total_bytes(&M) : 0;
		M.d = d;
		snn_diag_free(tmp);
	}
	if (rc == SNN_OK) {
		M.share = can_share && M.n_kern;
		rc = map_place(&M, o->placement);
	}
	if (rc == SNN_OK) {
		rc = map_core_bytes(&M);
	}
	if (rc == SNN_OK) {
		M.routes = map_traffic(&M, NULL);
		M.traffic = map_traffic(&M, M.weight);
		/* from here on the synapses are grouped by target core, then source */
		for (uint64_t k = 0; k < M.n_syn; k++) {
			M.syn[k].tc = M.core[M.syn[k].tgt];
		}
		qsort(M.syn, M.n_syn, sizeof(struct csyn), cmp_syn_core);
	}
	if (rc == SNN_OK && out_path) {
		rc = image_write(&M, out_path);
	}
	if (rc == SNN_OK && o->report) {
		report_mapping(&M, o->placement, o->report);
	}
	mem_free(M.on_chip);
	mem_free(M.prop);
	mem_free(M.u0);
	mem_free(M.v0);
	mem_free(M.syn);
	mem_free(M.in_off);
	mem_free(M.core);
	mem_free(M.weight);
	mem_free(M.core_bytes);
	for (uint32_t k = 0; k < M.n_kern; k++) {
		mem_free(M.kern[k].w);
	}
	mem_free(M.kern);
	return rc;
}

int snn_loihi_compile_opts(const snn_net *net, const char *target, const snn_loihi_options *o,
			   const char *out_path, snn_diag *d)
{
	const struct loihi_target *T = loihi_target_find(target);
	if (!T) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "unknown target '%s' (loihi1-class, loihi2-class)", target);
	}
	return compile_map(net, T, o, out_path, NULL, d);
}

int loihi_compile_audit(const snn_net *net, const struct loihi_target *T,
			const snn_loihi_options *o, struct loihi_refine_audit *a, snn_diag *d)
{
	return compile_map(net, T, o, NULL, a, d);
}

int snn_loihi_compile(const snn_net *net, const char *target, enum snn_loihi_placement placement,
		      const char *out_path, FILE *report, snn_diag *d)
{
	snn_loihi_options o = {.placement = placement, .report = report};
	return snn_loihi_compile_opts(net, target, &o, out_path, d);
}
