/*
 * snn_loihi_compile: expands a network's synapses (through the CPU engine's
 * own builder, so the chip gets exactly the synapses snnsim simulates),
 * places the loihi_lif neurons on cores within the target's limits, and
 * writes the chip image (doc/loihi.md) and a mapping report.
 * Layer: hw. Cost: O(synapses) memory and time, plus METIS where used.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef HAVE_METIS
#include <metis.h>
#endif

#include "expand_int.h"
#include "snn/spikes.h"
#include "loihi_int.h"
#include "model_loihi.h"

/* A synapse as the chip stores it. */
struct csyn {
	uint32_t src, tgt;
	int32_t w;
	uint32_t delay;
	uint32_t tc;   /* core of the target, once placed */
	uint32_t kern; /* the shared kernel it comes from, or UINT32_MAX */
};

/* A convolution whose weights a core may store once (weight sharing): the
 * projection's geometry, its integer weights and delay. */
struct ckern {
	const struct proj_conv *cv;
	uint32_t pre_first, post_first, n_pre;
	uint32_t delay;
	int32_t *w; /* cout x cin/groups x kh x kw chip weights */
	uint64_t n_w;
	uint64_t sk_base; /* first index of its (source, kernel) pairs */
	uint64_t bytes;	  /* synaptic memory of one stored copy */
};

struct cmap {
	const snn_net *net;
	const struct loihi_target *T;
	uint32_t n;	  /* global ids */
	uint8_t *on_chip; /* per gid: a loihi_lif neuron */
	struct loihi_prop *prop;
	int32_t *u0, *v0;
	struct csyn *syn; /* sorted by (tgt core, src, tgt) once placed */
	uint64_t n_syn;
	uint64_t *in_off; /* CSR of synapses by target (n + 1) */
	uint32_t *core;	  /* per gid: core, or UINT32_MAX for input ports */
	uint32_t n_cores;
	uint32_t max_delay;
	bool need_image; /* else: a placement report for any model */
	enum snn_loihi_placement placed_by;
	bool refined;	  /* AUTO: the refinement pass moved neurons */
	uint64_t *weight; /* per gid: spikes on the activity run (or 1 each) */
	uint64_t steps;	  /* of the activity run (0: none given) */
	uint64_t seq_traffic, seq_routes; /* AUTO: the sequential baseline's */
	uint32_t seq_cores;
	uint64_t routes, traffic; /* of the final placement */
	struct ckern *kern;	  /* conv projections that can be shared */
	uint32_t n_kern;
	uint64_t n_sk;			  /* (source, kernel) pairs */
	bool share;			  /* the placement stores kernels once per core */
	uint64_t *core_bytes;		  /* synaptic memory per core, once placed */
	uint64_t kern_copies, conv_axons; /* kernels stored, conv axon entries */
	uint32_t alt_cores;		  /* the other way (with or without sharing) */
	uint64_t alt_bytes;
	bool alt_ok;
	snn_diag *d;

	/* placement */
	struct loihi_refine_audit *audit; /* tests: NULL */
	bool trial;			  /* AUTO's trial of a candidate placement */
	struct nbr *nb;			  /* AUTO: the neighbour graph, built once */
};

/* The neighbour graph (neighbours()). */
struct nbr {
	uint64_t *off;
	uint32_t *adj, *wgt;
};

static int cm_nomem(struct cmap *M)
{
	return snn_diag_error(M->d, SNN_ENOMEM, NULL, 0, 0, "out of memory");
}

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
	M->on_chip = calloc(M->n ? M->n : 1, 1);
	M->prop = calloc(M->n ? M->n : 1, sizeof(struct loihi_prop));
	M->u0 = calloc(M->n ? M->n : 1, sizeof(int32_t));
	M->v0 = calloc(M->n ? M->n : 1, sizeof(int32_t));
	M->core = malloc((M->n ? M->n : 1) * sizeof(uint32_t));
	if (!M->on_chip || !M->prop || !M->u0 || !M->v0 || !M->core) {
		rc = cm_nomem(M);
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
	M->syn = malloc((x->n_syn ? x->n_syn : 1) * sizeof(struct csyn));
	M->in_off = malloc(((size_t)M->n + 1) * sizeof(uint64_t));
	if (!M->syn || !M->in_off) {
		rc = cm_nomem(M);
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
	M->kern = calloc(n, sizeof(struct ckern));
	if (!M->kern) {
		return cm_nomem(M);
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
		K->w = calloc(K->n_w ? K->n_w : 1, sizeof(int32_t));
		if (!K->w) {
			return cm_nomem(M);
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

/* Synaptic memory a neuron adds to a core: 4 bytes per synapse it gets
 * expanded; through a shared kernel, one conv axon entry per source the core
 * has no entry for yet, and the kernel itself when the core has none. The
 * core's current contents are given as stamps (kst per kernel, skst per
 * (source, kernel) pair: equal to `core` when present) or, with kst NULL,
 * as counts of the neurons using each (kc per kernel and core, skc per pair
 * and core). Without sharing every synapse counts 4 bytes. */
struct smem {
	uint32_t *kst, *skst; /* stamps (fill) */
	uint32_t *kc;	      /* counts (refine): kernel k on core c at k * nc + c */
	struct sc_map *skc;
	uint32_t nc;
};

static uint64_t sk_of(const struct cmap *M, const struct csyn *c)
{
	return M->kern[c->kern].sk_base + (c->src - M->kern[c->kern].pre_first);
}

static uint32_t sm_pair_users(const struct smem *S, uint64_t sk, uint32_t core);

/* Bytes neuron g adds to core (sign > 0) or frees from it (sign < 0, g on
 * it: what only g uses). */
static uint64_t sm_bytes(const struct cmap *M, const struct smem *S, uint32_t g, uint32_t core,
			 int sign)
{
	if (!M->share) {
		return (M->in_off[g + 1] - M->in_off[g]) * LOIHI_SYN_BYTES;
	}
	uint64_t b = 0;
	uint32_t seen[8], n_seen = 0;
	uint32_t here = sign > 0 ? 0 : 1;
	for (uint64_t e = M->in_off[g]; e < M->in_off[g + 1]; e++) {
		const struct csyn *c = &M->syn[e];
		if (!M->share || c->kern == UINT32_MAX) {
			b += LOIHI_SYN_BYTES;
			continue;
		}
		uint64_t sk = sk_of(M, c);
		bool pair_new = S->kst ? S->skst[sk] != core : sm_pair_users(S, sk, core) == here;
		b += pair_new ? LOIHI_CONV_AXON_BYTES : 0;
		uint32_t k = c->kern, j = 0;
		while (j < n_seen && seen[j] != k) {
			j++;
		}
		if (j < n_seen) {
			continue;
		}
		if (n_seen < 8) {
			seen[n_seen++] = k;
		} else {
			uint64_t f = M->in_off[g];
			while (f < e && M->syn[f].kern != k) {
				f++;
			}
			if (f < e) {
				continue;
			}
		}
		bool kern_new =
		    S->kst ? S->kst[k] != core : S->kc[(uint64_t)k * S->nc + core] == here;
		b += kern_new ? M->kern[k].bytes : 0;
	}
	return b;
}

/* Stamps g's kernels and pairs as present on core (fill). */
static void sm_stamp(const struct cmap *M, struct smem *S, uint32_t g, uint32_t core)
{
	for (uint64_t e = M->in_off[g]; M->share && e < M->in_off[g + 1]; e++) {
		const struct csyn *c = &M->syn[e];
		if (c->kern != UINT32_MAX) {
			S->skst[sk_of(M, c)] = core;
			S->kst[c->kern] = core;
		}
	}
}

static int sm_stamps_new(const struct cmap *M, struct smem *S)
{
	memset(S, 0, sizeof(*S));
	S->kst = malloc((M->n_kern ? M->n_kern : 1) * sizeof(uint32_t));
	S->skst = malloc((M->n_sk ? M->n_sk : 1) * sizeof(uint32_t));
	if (!S->kst || !S->skst) {
		free(S->kst);
		free(S->skst);
		return -1;
	}
	memset(S->kst, 0xff, (M->n_kern ? M->n_kern : 1) * sizeof(uint32_t));
	memset(S->skst, 0xff, (M->n_sk ? M->n_sk : 1) * sizeof(uint32_t));
	return 0;
}

static void sm_stamps_free(struct smem *S)
{
	free(S->kst);
	free(S->skst);
}

/* The placed neurons grouped by core, ids ascending within a core: core c's
 * are by_core[start[c - 1] .. start[c]) (from 0 for c = 0). start must hold
 * n_cores + 1 zeros. */
static void neurons_by_core(const struct cmap *M, uint32_t *start, uint32_t *by_core)
{
	for (uint32_t g = 0; g < M->n; g++) {
		if (M->core[g] != UINT32_MAX) {
			start[M->core[g] + 1]++;
		}
	}
	for (uint32_t c = 0; c < M->n_cores; c++) {
		start[c + 1] += start[c];
	}
	for (uint32_t g = 0; g < M->n; g++) {
		if (M->core[g] != UINT32_MAX) {
			by_core[start[M->core[g]]++] = g;
		}
	}
}

/* Synaptic memory of every core of the placement (M->core_bytes). */
static int core_bytes(struct cmap *M)
{
	struct smem S;
	uint32_t *start = calloc((size_t)M->n_cores + 1, sizeof(uint32_t));
	uint32_t *by_core = malloc((M->n ? M->n : 1) * sizeof(uint32_t));
	free(M->core_bytes);
	M->core_bytes = calloc(M->n_cores ? M->n_cores : 1, sizeof(uint64_t));
	M->kern_copies = M->conv_axons = 0;
	if (!start || !by_core || !M->core_bytes || sm_stamps_new(M, &S) != 0) {
		free(start);
		free(by_core);
		return cm_nomem(M);
	}
	neurons_by_core(M, start, by_core);
	for (uint32_t c = 0, k = 0; c < M->n_cores; c++) {
		for (; k < start[c]; k++) {
			uint32_t g = by_core[k];
			M->core_bytes[c] += sm_bytes(M, &S, g, c, 1);
			for (uint64_t e = M->in_off[g]; M->share && e < M->in_off[g + 1]; e++) {
				const struct csyn *y = &M->syn[e];
				if (y->kern == UINT32_MAX) {
					continue;
				}
				uint64_t sk = sk_of(M, y);
				M->conv_axons += S.skst[sk] != c;
				M->kern_copies += S.kst[y->kern] != c;
				S.skst[sk] = c;
				S.kst[y->kern] = c;
			}
		}
	}
	sm_stamps_free(&S);
	free(start);
	free(by_core);
	return SNN_OK;
}

static uint64_t total_bytes(const struct cmap *M)
{
	uint64_t t = 0;
	for (uint32_t c = 0; c < M->n_cores; c++) {
		t += M->core_bytes[c];
	}
	return t;
}

/* ------------------------------------------------------------- placement */

/* Fills cores in the given order of chip neurons, opening a new core when
 * the next neuron would break a limit: neurons, distinct input axons, bytes
 * of synaptic memory. Always succeeds unless one neuron alone breaks a limit. */
static int fill(struct cmap *M, const uint32_t *order, uint32_t n_order)
{
	const struct loihi_target *T = M->T;
	uint32_t *stamp = malloc((M->n ? M->n : 1) * sizeof(uint32_t));
	struct smem S;
	if (!stamp || sm_stamps_new(M, &S) != 0) {
		free(stamp);
		return cm_nomem(M);
	}
	for (uint32_t i = 0; i < M->n; i++) {
		stamp[i] = UINT32_MAX;
		M->core[i] = UINT32_MAX;
	}
	uint32_t core = 0, neurons = 0, axons = 0;
	uint64_t bytes = 0;
	int rc = SNN_OK;
	for (uint32_t k = 0; k < n_order; k++) {
		uint32_t g = order[k];
		/* bytes g adds to this core, and alone on a new one */
		uint64_t nb = sm_bytes(M, &S, g, core, 1);
		uint64_t alone = M->share ? sm_bytes(M, &S, g, UINT32_MAX - 1, 1) : nb;
		uint32_t new_axons = 0;
		for (uint64_t e = M->in_off[g]; e < M->in_off[g + 1]; e++) {
			uint32_t src = M->syn[e].src;
			if (stamp[src] != core && (e == M->in_off[g] || M->syn[e - 1].src != src)) {
				new_axons++;
			}
		}
		if (alone > T->syn_bytes_per_core || new_axons > T->axons_per_core) {
			rc = snn_diag_error(
			    M->d, SNN_ERANGE, NULL, 0, 0,
			    "neuron %u alone needs %llu bytes of synaptic memory and %u "
			    "input axons; a %s core has %u and %u",
			    g, (unsigned long long)alone, new_axons, T->name, T->syn_bytes_per_core,
			    T->axons_per_core);
			goto out_free;
		}
		if (neurons > 0 &&
		    (neurons + 1 > T->neurons_per_core || axons + new_axons > T->axons_per_core ||
		     bytes + nb > T->syn_bytes_per_core)) {
			core++;
			nb = alone;
			neurons = 0;
			axons = 0;
			bytes = 0;
			new_axons = 0;
			for (uint64_t e = M->in_off[g]; e < M->in_off[g + 1]; e++) {
				if (e == M->in_off[g] || M->syn[e - 1].src != M->syn[e].src) {
					new_axons++;
				}
			}
		}
		for (uint64_t e = M->in_off[g]; e < M->in_off[g + 1]; e++) {
			stamp[M->syn[e].src] = core;
		}
		sm_stamp(M, &S, g, core);
		M->core[g] = core;
		neurons++;
		axons += new_axons;
		bytes += nb;
	}
	M->n_cores = n_order ? core + 1 : 0;
	uint64_t have = (uint64_t)T->cores_per_chip * T->chips_per_board;
	if (M->n_cores > have) {
		rc = snn_diag_error(M->d, SNN_ERANGE, NULL, 0, 0,
				    "the network needs %u cores; a %s board has %llu (%u chips of "
				    "%u cores): %llu cores too many",
				    M->n_cores, T->name, (unsigned long long)have,
				    T->chips_per_board, T->cores_per_chip,
				    (unsigned long long)(M->n_cores - have));
	}
out_free:
	free(stamp);
	sm_stamps_free(&S);
	return rc;
}

/* Undirected neighbours of the chip neurons (CSR) for the greedy and METIS
 * placements and the refinement: the synapses between two neurons (both
 * directions, every delay) are merged into one edge, so that a dense
 * network's edge list is no longer than its neuron pairs. The edge's weight
 * (wgt_out, may be NULL) is 1 plus the weight in the traffic (M->weight) of
 * each end that drives the other: what cutting the edge may cost. A
 * neighbour list keeps the order in which the synapses, sorted by target
 * then source, first name the neighbour. */
static int neighbours(struct cmap *M, uint64_t **off_out, uint32_t **adj_out, uint32_t **wgt_out)
{
	if (M->nb) {
		*off_out = M->nb->off;
		*adj_out = M->nb->adj;
		if (wgt_out) {
			*wgt_out = M->nb->wgt;
		}
		return SNN_OK;
	}
	size_t n1 = (size_t)M->n + 1;
	uint64_t *off = calloc(n1, sizeof(uint64_t));
	uint64_t *oo = calloc(n1, sizeof(uint64_t)); /* out-CSR by source */
	uint32_t *ot = malloc((M->n_syn ? M->n_syn : 1) * sizeof(uint32_t));
	uint32_t *stamp = malloc(n1 * sizeof(uint32_t));
	uint64_t *where = malloc(n1 * sizeof(uint64_t));
	uint32_t *adj = NULL, *wgt = NULL;
	int rc = SNN_OK;
	if (!off || !oo || !ot || !stamp || !where) {
		rc = cm_nomem(M);
		goto out;
	}
	for (uint64_t k = 0; k < M->n_syn; k++) {
		const struct csyn *c = &M->syn[k];
		if (M->on_chip[c->src] && c->src != c->tgt) {
			oo[c->src + 1]++;
		}
	}
	for (uint32_t i = 0; i < M->n; i++) {
		oo[i + 1] += oo[i];
	}
	memcpy(where, oo, n1 * sizeof(uint64_t));
	/* targets ascending per source: the synapses are sorted by target */
	for (uint64_t k = 0; k < M->n_syn; k++) {
		const struct csyn *c = &M->syn[k];
		if (M->on_chip[c->src] && c->src != c->tgt) {
			ot[where[c->src]++] = c->tgt;
		}
	}
	/* two passes: count the merged edges, then write them */
	for (int write = 0; write < 2; write++) {
		uint64_t m = 0;
		for (uint32_t i = 0; i < M->n; i++) {
			stamp[i] = UINT32_MAX;
		}
		for (uint32_t g = 0; g < M->n; g++) {
			off[g] = m;
			if (!M->on_chip[g]) {
				continue;
			}
			uint64_t i = oo[g], e = M->in_off[g];
			/* out-targets below g, in-sources, out-targets above g */
			while (i < oo[g + 1] || e < M->in_off[g + 1]) {
				uint32_t h;
				bool out = i < oo[g + 1] && (ot[i] < g || e == M->in_off[g + 1]);
				if (out) {
					h = ot[i++];
				} else {
					h = M->syn[e++].src;
					if (!M->on_chip[h] || h == g) {
						continue;
					}
				}
				if (stamp[h] != g) {
					stamp[h] = g;
					if (write) {
						where[h] = m;
						adj[m] = h;
						if (wgt) {
							wgt[m] = 0;
						}
					}
					m++;
				}
				if (write && wgt) {
					/* bit 0: g drives h, bit 1: h drives g */
					wgt[where[h]] |= out ? 1u : 2u;
				}
			}
			for (uint64_t k = off[g]; write && wgt && k < m; k++) {
				uint32_t h = adj[k], dir = wgt[k];
				uint64_t x = 1 + ((dir & 1) ? M->weight[g] : 0) +
					     ((dir & 2) ? M->weight[h] : 0);
				wgt[k] = x < UINT32_MAX / 2 ? (uint32_t)x : UINT32_MAX / 2;
			}
		}
		off[M->n] = m;
		if (!write) {
			adj = malloc((m ? m : 1) * sizeof(uint32_t));
			wgt = wgt_out ? malloc((m ? m : 1) * sizeof(uint32_t)) : NULL;
			if (!adj || (wgt_out && !wgt)) {
				rc = cm_nomem(M);
				goto out;
			}
		}
	}
out:
	free(oo);
	free(ot);
	free(stamp);
	free(where);
	if (rc != SNN_OK) {
		free(off);
		free(adj);
		free(wgt);
		return rc;
	}
	*off_out = off;
	*adj_out = adj;
	if (wgt_out) {
		*wgt_out = wgt;
	}
	return SNN_OK;
}

/* Frees a neighbour graph unless it is AUTO's shared one. */
static void nb_release(struct cmap *M, uint64_t *off, uint32_t *adj, uint32_t *wgt)
{
	if (!M->nb || off != M->nb->off) {
		free(off);
		free(adj);
		free(wgt);
	}
}

/* Greedy order: breadth-first from the lowest unplaced id, so that each
 * core fills with neurons that share synapses. */
static int order_greedy(struct cmap *M, uint32_t *order, uint32_t *n_order)
{
	uint64_t *off;
	uint32_t *adj;
	int rc = neighbours(M, &off, &adj, NULL);
	if (rc != SNN_OK) {
		return rc;
	}
	uint8_t *seen = calloc(M->n ? M->n : 1, 1);
	if (!seen) {
		nb_release(M, off, adj, NULL);
		return cm_nomem(M);
	}
	uint32_t head = 0, tail = 0;
	for (uint32_t s0 = 0; s0 < M->n; s0++) {
		if (!M->on_chip[s0] || seen[s0]) {
			continue;
		}
		seen[s0] = 1;
		order[tail++] = s0;
		while (head < tail) {
			uint32_t g = order[head++];
			for (uint64_t e = off[g]; e < off[g + 1]; e++) {
				uint32_t h = adj[e];
				if (M->on_chip[h] && !seen[h]) {
					seen[h] = 1;
					order[tail++] = h;
				}
			}
		}
	}
	*n_order = tail;
	free(seen);
	nb_release(M, off, adj, NULL);
	return SNN_OK;
}

#ifdef HAVE_METIS
/* METIS order: a k-way partition of the synapse graph into as many parts as
 * the limits need (at least), neurons ordered by part; fill() then enforces
 * every limit, splitting a part that exceeds one. */
static int order_metis(struct cmap *M, uint32_t *order, uint32_t *n_order)
{
	uint64_t *off;
	uint32_t *adj, *wgt;
	int rc = neighbours(M, &off, &adj, &wgt);
	if (rc != SNN_OK) {
		return rc;
	}
	uint32_t nc = 0;
	uint32_t *local = malloc((M->n ? M->n : 1) * sizeof(uint32_t));
	uint32_t *chip = malloc((M->n ? M->n : 1) * sizeof(uint32_t));
	uint64_t bytes = 0;
	for (uint32_t g = 0; local && chip && g < M->n; g++) {
		if (M->on_chip[g]) {
			local[g] = nc;
			chip[nc++] = g;
			bytes += (M->in_off[g + 1] - M->in_off[g]) * LOIHI_SYN_BYTES;
		}
	}
	idx_t *xadj = malloc(((size_t)nc + 1) * sizeof(idx_t));
	idx_t *adjncy = malloc((off[M->n] ? off[M->n] : 1) * sizeof(idx_t));
	idx_t *adjwgt = malloc((off[M->n] ? off[M->n] : 1) * sizeof(idx_t));
	idx_t *part = malloc((nc ? nc : 1) * sizeof(idx_t));
	/* two constraints per neuron: one neuron slot, and its synaptic memory */
	idx_t *vwgt = malloc((nc ? 2 * (size_t)nc : 2) * sizeof(idx_t));
	if (!local || !chip || !xadj || !adjncy || !adjwgt || !part || !vwgt) {
		rc = cm_nomem(M);
		goto out_free;
	}
	idx_t m = 0;
	for (uint32_t k = 0; k < nc; k++) {
		uint32_t g = chip[k];
		vwgt[2 * k] = 1;
		vwgt[2 * k + 1] = (idx_t)(M->in_off[g + 1] - M->in_off[g]) + 1;
		xadj[k] = m;
		for (uint64_t e = off[g]; e < off[g + 1]; e++) {
			adjwgt[m] = (idx_t)wgt[e];
			adjncy[m++] = (idx_t)local[adj[e]];
		}
	}
	xadj[nc] = m;
	/* AUTO: on a graph where the mean neuron neighbours more than half the
	 * others, every partition cuts most edges, and METIS takes most of
	 * AUTO's time for nothing (the microcircuit, doc/loihi.md) */
	if (M->trial && (uint64_t)m > (uint64_t)nc * (nc - 1) / 2) {
		rc = snn_diag_error(M->d, SNN_EUNSUP, NULL, 0, 0,
				    "METIS skipped: %llu of %llu neuron pairs are connected",
				    (unsigned long long)m / 2,
				    (unsigned long long)nc * (nc - 1) / 2);
		goto out_free;
	}
	uint64_t parts = (nc + M->T->neurons_per_core - 1) / M->T->neurons_per_core;
	uint64_t by_mem = (bytes + M->T->syn_bytes_per_core - 1) / M->T->syn_bytes_per_core;
	parts = by_mem > parts ? by_mem : parts;
	/* headroom so that imbalance seldom forces a split */
	parts = parts > 1 ? parts + parts / 8 + 1 : parts;
	if (parts > 1 && m > 0 && parts < nc) {
		idx_t nv = (idx_t)nc, ncon = 2, np = (idx_t)parts, cut = 0;
		idx_t opts[METIS_NOPTIONS];
		METIS_SetDefaultOptions(opts);
		opts[METIS_OPTION_SEED] = 1;
		opts[METIS_OPTION_UFACTOR] = 30;
		/* the edge cut, weighted by the spikes a cut edge may carry
		 * (neighbours()): METIS's volume objective, closer to what the
		 * routers carry, took minutes on the dense microcircuit
		 * (doc/loihi.md), the cut seconds */
		opts[METIS_OPTION_OBJTYPE] = METIS_OBJTYPE_CUT;
		int mr = METIS_PartGraphKway(&nv, &ncon, xadj, adjncy, vwgt, NULL, adjwgt, &np,
					     NULL, NULL, opts, &cut, part);
		if (mr != METIS_OK) {
			rc = snn_diag_error(M->d, SNN_ENOMEM, NULL, 0, 0, "METIS failed (%d)", mr);
			goto out_free;
		}
	} else {
		memset(part, 0, (nc ? nc : 1) * sizeof(idx_t));
	}
	/* counting sort by part, ids in order inside a part */
	uint32_t *cnt = calloc((size_t)parts + 1, sizeof(uint32_t));
	if (!cnt) {
		rc = cm_nomem(M);
		goto out_free;
	}
	for (uint32_t k = 0; k < nc; k++) {
		cnt[part[k] + 1]++;
	}
	for (uint64_t p = 0; p < parts; p++) {
		cnt[p + 1] += cnt[p];
	}
	for (uint32_t k = 0; k < nc; k++) {
		order[cnt[part[k]]++] = chip[k];
	}
	free(cnt);
	*n_order = nc;
out_free:
	free(local);
	free(chip);
	free(xadj);
	free(adjncy);
	free(adjwgt);
	free(part);
	free(vwgt);
	nb_release(M, off, adj, wgt);
	return rc;
}
#endif

static int cmp_syn_core(const void *a, const void *b);

/* Source weights: the spike count of every neuron in a spike file of a run
 * of the same network (populations by name), or 1 each without one. */
static int read_activity(struct cmap *M, const char *path)
{
	M->weight = malloc((M->n ? M->n : 1) * sizeof(uint64_t));
	if (!M->weight) {
		return cm_nomem(M);
	}
	for (uint32_t g = 0; g < M->n; g++) {
		M->weight[g] = path ? 0 : 1;
	}
	if (!path) {
		return SNN_OK;
	}
	snn_spike_data *sd = NULL;
	int rc = snn_spike_data_read(path, &sd, M->d);
	if (rc != SNN_OK) {
		return rc;
	}
	double last_ms = 0;
	for (uint32_t i = 0; i < M->net->n_pops; i++) {
		const struct population *p = &M->net->pops[i];
		bool on_chip = false;
		for (uint32_t k = 0; k < p->size; k++) {
			on_chip = on_chip || M->on_chip[p->first + k];
		}
		const snn_spike_population *sp = snn_spike_data_find(sd, p->name);
		if (!sp) {
			if (on_chip) {
				rc = snn_diag_error(M->d, SNN_EINVAL, path, 0, 0,
						    "no spikes of population '%s' in the activity file "
						    "(record every population of the network)",
						    p->name);
				goto out;
			}
			continue;
		}
		for (uint64_t k = 0; k < sp->n; k++) {
			if (sp->node_ids[k] >= p->size) {
				rc = snn_diag_error(M->d, SNN_EINVAL, path, 0, 0,
						    "population '%s': node id %llu in the activity "
						    "file, but the population has %u neurons",
						    p->name, (unsigned long long)sp->node_ids[k],
						    p->size);
				goto out;
			}
			M->weight[p->first + sp->node_ids[k]]++;
			last_ms = sp->t_ms[k] > last_ms ? sp->t_ms[k] : last_ms;
		}
	}
	/* steps of the run: the network's duration (at least the last spike) */
	double dur = M->net->sim.duration_ms > last_ms ? M->net->sim.duration_ms : last_ms;
	M->steps = (uint64_t)llround(dur / M->net->sim.dt_ms);
	M->steps = M->steps ? M->steps : 1;
out:
	snn_spike_data_free(sd);
	return rc;
}

/* ------------------------------------------------------------- refinement */

/* Counts of synapses per (source, core), in an open-addressing table. */
struct sc_map {
	uint64_t *key; /* (source << 32 | core) + 1; 0: empty */
	uint32_t *cnt;
	uint64_t cap, used;
};

static uint64_t sc_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

static uint32_t *sc_slot(struct sc_map *h, uint32_t s, uint32_t c, bool add)
{
	uint64_t key = ((uint64_t)s << 32 | c) + 1;
	if (add && 2 * (h->used + 1) > h->cap) {
		struct sc_map g = {.cap = h->cap ? 2 * h->cap : 1024};
		g.key = calloc(g.cap, sizeof(uint64_t));
		g.cnt = calloc(g.cap, sizeof(uint32_t));
		if (!g.key || !g.cnt) {
			free(g.key);
			free(g.cnt);
			return NULL;
		}
		for (uint64_t i = 0; i < h->cap; i++) {
			if (h->key[i]) {
				uint64_t j = sc_hash(h->key[i]) & (g.cap - 1);
				while (g.key[j]) {
					j = (j + 1) & (g.cap - 1);
				}
				g.key[j] = h->key[i];
				g.cnt[j] = h->cnt[i];
				g.used++;
			}
		}
		free(h->key);
		free(h->cnt);
		*h = g;
	}
	if (!h->cap) {
		return NULL;
	}
	uint64_t j = sc_hash(key) & (h->cap - 1);
	while (h->key[j] && h->key[j] != key) {
		j = (j + 1) & (h->cap - 1);
	}
	if (!h->key[j]) {
		if (!add) {
			return NULL;
		}
		h->key[j] = key;
		h->used++;
	}
	return &h->cnt[j];
}

static uint32_t sc_get(struct sc_map *h, uint32_t s, uint32_t c)
{
	uint32_t *p = sc_slot(h, s, c, false);
	return p ? *p : 0;
}

/* Neurons of core `core` using the (source, kernel) pair sk (refine). */
static uint32_t sm_pair_users(const struct smem *S, uint64_t sk, uint32_t core)
{
	return sc_get(S->skc, (uint32_t)sk, core);
}

static int sm_counts_move(const struct cmap *M, struct smem *S, uint32_t g, uint32_t from,
			  uint32_t to);

/* Counts of the neurons using each kernel and pair on each of nc cores, for
 * moves between cores (refine); M->share false: nothing to count. */
static int sm_counts_new(const struct cmap *M, struct smem *S, uint32_t nc)
{
	memset(S, 0, sizeof(*S));
	S->nc = nc;
	S->kc = calloc(M->n_kern * (size_t)nc + 1, sizeof(uint32_t));
	S->skc = calloc(1, sizeof(struct sc_map));
	if (!S->kc || !S->skc) {
		return -1;
	}
	for (uint32_t g = 0; M->share && g < M->n; g++) {
		if (M->core[g] != UINT32_MAX && sm_counts_move(M, S, g, UINT32_MAX, M->core[g])) {
			return -1;
		}
	}
	return 0;
}

/* Moves g's uses from core `from` to core `to` (either UINT32_MAX: none). */
static int sm_counts_move(const struct cmap *M, struct smem *S, uint32_t g, uint32_t from,
			  uint32_t to)
{
	uint32_t last = UINT32_MAX;
	for (uint64_t e = M->in_off[g]; M->share && e < M->in_off[g + 1]; e++) {
		const struct csyn *c = &M->syn[e];
		if (c->kern == UINT32_MAX) {
			continue;
		}
		uint64_t sk = sk_of(M, c);
		if (to != UINT32_MAX) {
			uint32_t *p = sc_slot(S->skc, (uint32_t)sk, to, true);
			if (!p) {
				return -1;
			}
			(*p)++;
		}
		if (from != UINT32_MAX) {
			uint32_t *p = sc_slot(S->skc, (uint32_t)sk, from, false);
			if (p) {
				(*p)--;
			}
		}
		/* kernels: once per neuron (g's kernels, first use of each) */
		bool first = c->kern != last;
		for (uint64_t f = M->in_off[g]; first && c->kern != last && f < e; f++) {
			first = M->syn[f].kern != c->kern;
		}
		last = c->kern;
		if (!first) {
			continue;
		}
		if (to != UINT32_MAX) {
			S->kc[(uint64_t)c->kern * S->nc + to]++;
		}
		if (from != UINT32_MAX) {
			S->kc[(uint64_t)c->kern * S->nc + from]--;
		}
	}
	return 0;
}

static void sm_counts_free(struct smem *S)
{
	free(S->kc);
	if (S->skc) {
		free(S->skc->key);
		free(S->skc->cnt);
		free(S->skc);
	}
}

/* Inter-core traffic of the placement: for every chip neuron, its weight
 * (w NULL: 1) times the number of other cores holding targets of it.
 * Needs the synapses grouped by target (in_off). */
static uint64_t traffic(const struct cmap *M, const uint64_t *w)
{
	uint64_t t = 0;
	uint32_t *last = malloc((M->n ? M->n : 1) * sizeof(uint32_t));
	uint32_t *by_core = malloc((M->n ? M->n : 1) * sizeof(uint32_t));
	uint32_t *start = calloc((size_t)M->n_cores + 1, sizeof(uint32_t));
	if (!last || !by_core || !start) {
		t = UINT64_MAX;
		goto out;
	}
	for (uint32_t g = 0; g < M->n; g++) {
		last[g] = UINT32_MAX;
	}
	neurons_by_core(M, start, by_core);
	for (uint32_t c = 0, k = 0; c < M->n_cores; c++) {
		for (; k < start[c]; k++) {
			uint32_t g = by_core[k];
			for (uint64_t e = M->in_off[g]; e < M->in_off[g + 1]; e++) {
				uint32_t src = M->syn[e].src;
				if (last[src] != c) {
					last[src] = c;
					if (M->on_chip[src] && M->core[src] != c) {
						t += w ? w[src] : 1;
					}
				}
			}
		}
	}
out:
	free(last);
	free(by_core);
	free(start);
	return t;
}

/* The refinement's synapse counts per (source, core): a dense table, core
 * major, when sources x cores is small enough, else the hash table. */
#define REFINE_DENSE_MAX (1u << 24)

struct sc_tab {
	uint32_t *dense; /* [core * n + source], or NULL: h */
	uint32_t n;
	struct sc_map h;
};

/* The count's slot; NULL only when adding to the hash table fails. A rehash
 * may move the slots returned before. */
static uint32_t *sct_slot(struct sc_tab *t, uint32_t s, uint32_t c, bool add)
{
	if (t->dense) {
		return &t->dense[(uint64_t)c * t->n + s];
	}
	return sc_slot(&t->h, s, c, add);
}

static uint32_t sct_get(struct sc_tab *t, uint32_t s, uint32_t c)
{
	uint32_t *p = sct_slot(t, s, c, false);
	return p ? *p : 0;
}

static void sct_free(struct sc_tab *t)
{
	free(t->dense);
	free(t->h.key);
	free(t->h.cnt);
}

/* Counts the synapses per (source, core) of the placement into t (empty),
 * and the neurons, input axons and synaptic bytes of each core. */
static int sct_build(struct cmap *M, struct sc_tab *t, uint32_t *cn, uint32_t *ca, uint64_t *cb)
{
	for (uint32_t g = 0; g < M->n; g++) {
		uint32_t c = M->core[g];
		if (c == UINT32_MAX) {
			continue;
		}
		cn[c]++;
		cb[c] += (M->in_off[g + 1] - M->in_off[g]) * LOIHI_SYN_BYTES;
		for (uint64_t e = M->in_off[g]; e < M->in_off[g + 1]; e++) {
			uint32_t *p = sct_slot(t, M->syn[e].src, c, true);
			if (!p) {
				return cm_nomem(M);
			}
			ca[c] += *p == 0;
			(*p)++;
		}
	}
	return SNN_OK;
}

/* Tests: compares the refinement's incremental state (counts, running
 * traffic) with a recount of the final placement from scratch. */
static int refine_audit(struct cmap *M, struct sc_tab *t, const uint32_t *cn, const uint32_t *ca,
			const uint64_t *cb)
{
	struct loihi_refine_audit *a = M->audit;
	uint32_t nc = M->n_cores;
	struct sc_tab f = {.n = M->n};
	uint32_t *fn = calloc(nc ? nc : 1, sizeof(uint32_t));
	uint32_t *fa = calloc(nc ? nc : 1, sizeof(uint32_t));
	uint64_t *fb = calloc(nc ? nc : 1, sizeof(uint64_t));
	int rc = fn && fa && fb ? sct_build(M, &f, fn, fa, fb) : cm_nomem(M);
	if (rc == SNN_OK) {
		/* synaptic memory as the fill counts it (shared kernels once) */
		rc = core_bytes(M);
	}
	if (rc != SNN_OK) {
		goto out;
	}
	memcpy(fb, M->core_bytes, (nc ? nc : 1) * sizeof(uint64_t));
	a->recount = traffic(M, M->weight);
	/* every pair the synapses name has its count; the totals then show
	 * that no other pair kept a stale count */
	uint64_t placed = 0, total = 0;
	for (uint32_t g = 0; g < M->n; g++) {
		if (M->core[g] == UINT32_MAX) {
			continue;
		}
		for (uint64_t e = M->in_off[g]; e < M->in_off[g + 1]; e++, placed++) {
			uint32_t s = M->syn[e].src;
			a->mismatches += sct_get(t, s, M->core[g]) != sct_get(&f, s, M->core[g]);
		}
	}
	uint64_t cells = t->dense ? (uint64_t)M->n * nc : t->h.cap;
	for (uint64_t i = 0; i < cells; i++) {
		total += t->dense ? t->dense[i] : t->h.cnt[i];
	}
	a->mismatches += total != placed;
	for (uint32_t c = 0; c < nc; c++) {
		a->mismatches += cn[c] != fn[c] || ca[c] != fa[c] || cb[c] != fb[c];
		a->violations += fn[c] > M->T->neurons_per_core || fa[c] > M->T->axons_per_core ||
				 fb[c] > M->T->syn_bytes_per_core;
	}
out:
	sct_free(&f);
	free(fn);
	free(fa);
	free(fb);
	return rc;
}

/* Moves single neurons to a core of one of their neighbours when that lowers
 * the weighted inter-core traffic and keeps every limit of the target core;
 * passes until none improves (at most 16). Each accepted move lowers the
 * traffic, so the result is never worse than the placement it starts from.
 * Empty cores are then closed up. Needs the synapses grouped by target.
 * A neuron's gain for every candidate core comes from the counts of its
 * distinct sources on the old and the candidate core: O(in-degree) per
 * candidate, and a move updates the counts of its in-synapses only. */
static int refine(struct cmap *M, bool *moved)
{
	const struct loihi_target *T = M->T;
	uint32_t nc = M->n_cores;
	struct sc_tab t = {.n = M->n};
	size_t n1 = M->n ? M->n : 1;
	uint32_t *cn = calloc(nc ? nc : 1, sizeof(uint32_t)), *ca = calloc(nc ? nc : 1, 4);
	uint64_t *cb = calloc(nc ? nc : 1, sizeof(uint64_t));
	uint64_t *off = NULL;
	uint32_t *adj = NULL, *cand = malloc((nc ? nc : 1) * sizeof(uint32_t));
	uint8_t *is_cand = calloc(nc ? nc : 1, 1);
	struct smem S;
	/* the distinct sources of the neuron under study: id, core
	 * (UINT32_MAX: none) and weight in the traffic (0: not counted) */
	uint32_t *src = malloc(n1 * sizeof(uint32_t));
	uint32_t *score = malloc(n1 * sizeof(uint32_t));
	uint64_t *sw = malloc(n1 * sizeof(uint64_t));
	uint64_t total_moves = 0;
	int rc = SNN_OK;
	*moved = false;
	if (sm_counts_new(M, &S, nc) != 0 || core_bytes(M) != SNN_OK || !cn || !ca || !cb ||
	    !cand || !is_cand || !src || !score || !sw) {
		rc = cm_nomem(M);
		goto out;
	}
	if ((uint64_t)M->n * nc <= REFINE_DENSE_MAX && !(M->audit && M->audit->hashed)) {
		t.dense = calloc(n1 * (nc ? nc : 1), sizeof(uint32_t));
		if (!t.dense) {
			rc = cm_nomem(M);
			goto out;
		}
	}
	rc = neighbours(M, &off, &adj, NULL);
	if (rc == SNN_OK) {
		rc = sct_build(M, &t, cn, ca, cb);
	}
	if (rc != SNN_OK) {
		goto out;
	}
	uint64_t cur = M->audit ? traffic(M, M->weight) : 0; /* running traffic */
	if (M->audit) {
		M->audit->start = cur;
	}
	memcpy(cb, M->core_bytes, (nc ? nc : 1) * sizeof(uint64_t));
	for (int pass = 0; pass < 16; pass++) {
		uint64_t moves = 0;
		for (uint32_t g = 0; g < M->n; g++) {
			uint32_t old = M->core[g];
			if (old == UINT32_MAX || !M->on_chip[g]) {
				continue;
			}
			uint32_t n_cand = 0;
			for (uint64_t e = off[g]; e < off[g + 1]; e++) {
				uint32_t c = M->core[adj[e]];
				if (c != UINT32_MAX && c != old && !is_cand[c] &&
				    cn[c] + 1 <= T->neurons_per_core) {
					is_cand[c] = 1;
					cand[n_cand++] = c;
				}
			}
			if (!n_cand) {
				continue;
			}
			/* the routes to old that the move removes (g's own
			 * synapses move with it), whatever the new core */
			uint32_t ns = 0, self = 0;
			int64_t gone = 0;
			for (uint64_t e = M->in_off[g]; e < M->in_off[g + 1];) {
				uint32_t s = M->syn[e].src, m = 0;
				while (e < M->in_off[g + 1] && M->syn[e].src == s) {
					m++;
					e++;
				}
				bool counted = s != g && M->on_chip[s];
				src[ns] = s;
				score[ns] = counted ? M->core[s] : UINT32_MAX;
				sw[ns] = counted ? M->weight[s] : 0;
				self = s == g ? m : self;
				if (counted && M->core[s] != old && sct_get(&t, s, old) == m) {
					gone += (int64_t)sw[ns];
				}
				ns++;
			}
			bool g_old = sct_get(&t, g, old) - self > 0;
			int64_t best = 0;
			uint32_t best_c = UINT32_MAX;
			for (uint32_t k = 0; k < n_cand; k++) {
				uint32_t c = cand[k];
				is_cand[c] = 0;
				/* g's synaptic memory on c (shared kernels counted once) */
				if (cb[c] + sm_bytes(M, &S, g, c, 1) > T->syn_bytes_per_core) {
					continue;
				}
				/* g as a source, then its sources' routes to c */
				int64_t d = (int64_t)M->weight[g] *
						((int64_t)g_old - (sct_get(&t, g, c) > 0)) -
					    gone;
				uint32_t new_axons = 0;
				const uint32_t *row = t.dense ? &t.dense[(uint64_t)c * M->n] : NULL;
				for (uint32_t i = 0; i < ns; i++) {
					uint32_t cc = row ? row[src[i]] : sc_get(&t.h, src[i], c);
					if (!cc) {
						new_axons++;
						d += c != score[i] ? (int64_t)sw[i] : 0;
					}
				}
				if (ca[c] + new_axons > T->axons_per_core) {
					continue;
				}
				if (d < best) {
					best = d;
					best_c = c;
				}
			}
			if (best_c == UINT32_MAX) {
				continue;
			}
			/* move g from old to best_c */
			for (uint64_t e = M->in_off[g]; e < M->in_off[g + 1]; e++) {
				uint32_t *pn = sct_slot(&t, M->syn[e].src, best_c, true);
				if (!pn) {
					rc = cm_nomem(M);
					goto out;
				}
				ca[best_c] += *pn == 0;
				(*pn)++;
				/* after the lookup that may rehash */
				uint32_t *po = sct_slot(&t, M->syn[e].src, old, false);
				(*po)--;
				ca[old] -= *po == 0;
			}
			cn[old]--;
			cn[best_c]++;
			cb[old] -= sm_bytes(M, &S, g, old, -1);
			cb[best_c] += sm_bytes(M, &S, g, best_c, 1);
			if (sm_counts_move(M, &S, g, old, best_c) != 0) {
				rc = cm_nomem(M);
				goto out;
			}
			M->core[g] = best_c;
			cur -= (uint64_t)-best;
			moves++;
		}
		total_moves += moves;
		if (!moves) {
			break;
		}
		*moved = true;
	}
	if (M->audit) {
		M->audit->running = cur;
		M->audit->moves = total_moves;
		rc = refine_audit(M, &t, cn, ca, cb);
		if (rc != SNN_OK) {
			goto out;
		}
	}
	/* close up empty cores, keeping the order of the others */
	uint32_t *renum = cand, k = 0;
	for (uint32_t c = 0; c < nc; c++) {
		renum[c] = cn[c] ? k++ : UINT32_MAX;
	}
	for (uint32_t g = 0; g < M->n; g++) {
		if (M->core[g] != UINT32_MAX) {
			M->core[g] = renum[M->core[g]];
		}
	}
	M->n_cores = k;
out:
	sm_counts_free(&S);
	sct_free(&t);
	free(cn);
	free(ca);
	free(cb);
	nb_release(M, off, adj, NULL);
	free(cand);
	free(is_cand);
	free(src);
	free(score);
	free(sw);
	return rc;
}

/* One placement: an order of the chip neurons, then fill(). */
static int place_one(struct cmap *M, enum snn_loihi_placement how, uint32_t *order)
{
	uint32_t n_order = 0;
	int rc = SNN_OK;
	switch (how) {
	case SNN_LOIHI_PLACE_METIS:
#ifdef HAVE_METIS
		rc = order_metis(M, order, &n_order);
#else
		rc = snn_diag_error(
		    M->d, SNN_EUNSUP, NULL, 0, 0,
		    "this build has no METIS (install libmetis-dev and reconfigure)");
#endif
		break;
	case SNN_LOIHI_PLACE_GREEDY:
		rc = order_greedy(M, order, &n_order);
		break;
	default:
		for (uint32_t g = 0; g < M->n; g++) {
			if (M->on_chip[g]) {
				order[n_order++] = g;
			}
		}
		break;
	}
	if (rc == SNN_OK) {
		rc = fill(M, order, n_order);
	}
	return rc;
}

/* AUTO tries every placement this build has and keeps the one with the
 * least inter-core traffic (ties: the earlier of METIS, greedy, sequential),
 * then refines it by single moves that each lower the traffic, so it is never
 * worse than the sequential baseline, whose figures it keeps for the report. */
static int place(struct cmap *M, enum snn_loihi_placement how)
{
	uint32_t *order = malloc((M->n ? M->n : 1) * sizeof(uint32_t));
	int rc = SNN_OK;
	if (!order) {
		return cm_nomem(M);
	}
	M->placed_by = how;
	if (how != SNN_LOIHI_PLACE_AUTO) {
		rc = place_one(M, how, order);
		free(order);
		return rc;
	}
	static const enum snn_loihi_placement cand[] = {
#ifdef HAVE_METIS
	    SNN_LOIHI_PLACE_METIS,
#endif
	    SNN_LOIHI_PLACE_GREEDY, SNN_LOIHI_PLACE_SEQUENTIAL};
	int n_cand = (int)(sizeof(cand) / sizeof(cand[0]));
	uint64_t best = UINT64_MAX;
	int best_k = -1;
	uint32_t best_cores = 0;
	uint32_t *best_core = malloc((M->n ? M->n : 1) * sizeof(uint32_t));
	/* one neighbour graph for every candidate and the refinement */
	struct nbr nb = {0};
	if (!best_core) {
		rc = cm_nomem(M);
		goto out;
	}
	rc = neighbours(M, &nb.off, &nb.adj, &nb.wgt);
	if (rc != SNN_OK) {
		goto out;
	}
	M->nb = &nb;
	for (int k = 0; k < n_cand; k++) {
		snn_diag *tmp = snn_diag_new();
		struct cmap T = *M;
		T.d = tmp;
		T.trial = true;
		int r = tmp ? place_one(&T, cand[k], order) : SNN_ENOMEM;
		snn_diag_free(tmp);
		uint64_t t = r == SNN_OK ? traffic(&T, T.weight) : UINT64_MAX;
		if (cand[k] == SNN_LOIHI_PLACE_SEQUENTIAL && r == SNN_OK) {
			M->seq_traffic = t;
			M->seq_routes = traffic(&T, NULL);
			M->seq_cores = T.n_cores;
		}
		if (r == SNN_OK && t < best) {
			best = t;
			best_k = k;
			best_cores = T.n_cores;
			memcpy(best_core, T.core, (M->n ? M->n : 1) * sizeof(uint32_t));
		}
	}
	if (best_k >= 0) {
		M->placed_by = cand[best_k];
		M->n_cores = best_cores;
		memcpy(M->core, best_core, (M->n ? M->n : 1) * sizeof(uint32_t));
	} else {
		/* every candidate failed: the sequential one again reports why */
		M->placed_by = SNN_LOIHI_PLACE_SEQUENTIAL;
		rc = place_one(M, M->placed_by, order);
	}
	if (rc == SNN_OK) {
		rc = refine(M, &M->refined);
	}
out:
	M->nb = NULL;
	free(nb.off);
	free(nb.adj);
	free(nb.wgt);
	free(best_core);
	free(order);
	return rc;
}

/* ------------------------------------------------------------------ image */

static void w32(FILE *f, uint32_t x)
{
	unsigned char b[4] = {(unsigned char)x, (unsigned char)(x >> 8), (unsigned char)(x >> 16),
			      (unsigned char)(x >> 24)};
	fwrite(b, 1, 4, f);
}

static void w64(FILE *f, uint64_t x)
{
	w32(f, (uint32_t)x);
	w32(f, (uint32_t)(x >> 32));
}

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

/* The synapses of one core, M->syn[e0, e1) (by source, then target): in a
 * version 2 image (M->share) first the core's kernels, each with the range of
 * its targets here; then the expanded axons (version 1's records), then, in
 * version 2, one conv axon per (source, kernel). kscr: 3 n_kern scratch. */
static void write_core_synapses(const struct cmap *M, FILE *f, uint64_t e0, uint64_t e1,
				const uint32_t *local, uint32_t *kscr)
{
	uint32_t *lo = kscr, *hi = kscr + M->n_kern, *kloc = kscr + 2 * (size_t)M->n_kern;
	if (M->share) {
		for (uint32_t k = 0; k < M->n_kern; k++) {
			lo[k] = UINT32_MAX;
			hi[k] = 0;
		}
		for (uint64_t e = e0; e < e1; e++) {
			const struct csyn *y = &M->syn[e];
			if (y->kern != UINT32_MAX) {
				uint32_t o = y->tgt - M->kern[y->kern].post_first;
				lo[y->kern] = o < lo[y->kern] ? o : lo[y->kern];
				hi[y->kern] = o + 1 > hi[y->kern] ? o + 1 : hi[y->kern];
			}
		}
		uint32_t nk = 0;
		for (uint32_t k = 0; k < M->n_kern; k++) {
			kloc[k] = hi[k] ? nk++ : UINT32_MAX;
		}
		w32(f, nk);
		for (uint32_t k = 0; k < M->n_kern; k++) {
			const struct ckern *K = &M->kern[k];
			const struct proj_conv *cv = K->cv;
			if (kloc[k] == UINT32_MAX) {
				continue;
			}
			uint32_t geo[15] = {cv->cin,   cv->cout,     cv->groups,   cv->in_h,
					    cv->in_w,  cv->out_h,    cv->out_w,	   cv->kh,
					    cv->kw,    cv->stride_h, cv->stride_w, cv->pad_h,
					    cv->pad_w, cv->dil_h,    cv->dil_w};
			for (int j = 0; j < 15; j++) {
				w32(f, geo[j]);
			}
			w32(f, K->pre_first);
			w32(f, K->post_first);
			w32(f, lo[k]);
			w32(f, hi[k]);
			w32(f, K->delay);
			w32(f, (uint32_t)K->n_w);
			for (uint64_t j = 0; j < K->n_w; j++) {
				w32(f, (uint32_t)K->w[j]);
			}
		}
	}
	/* expanded axons: every synapse not in a shared kernel */
	/* per source: one axon when it has expanded synapses here, one conv
	 * axon per kernel (a source's synapses of one kernel are contiguous:
	 * its targets here are one population's) */
	uint32_t n_axons = 0, n_conv = 0;
	for (uint64_t a = e0; a < e1;) {
		uint64_t b = a, n = 0;
		while (b < e1 && M->syn[b].src == M->syn[a].src) {
			const struct csyn *y = &M->syn[b];
			if (!M->share || y->kern == UINT32_MAX) {
				n++;
			} else {
				n_conv += b == a || M->syn[b - 1].kern != y->kern;
			}
			b++;
		}
		n_axons += n > 0;
		a = b;
	}
	w32(f, n_axons);
	for (uint64_t a = e0; a < e1;) {
		uint64_t b = a, n = 0;
		while (b < e1 && M->syn[b].src == M->syn[a].src) {
			n += !M->share || M->syn[b].kern == UINT32_MAX;
			b++;
		}
		if (n) {
			w32(f, M->syn[a].src);
			w32(f, (uint32_t)n);
			for (uint64_t k = a; k < b; k++) {
				if (!M->share || M->syn[k].kern == UINT32_MAX) {
					w32(f, local[M->syn[k].tgt]);
					w32(f, (uint32_t)M->syn[k].w);
					w32(f, M->syn[k].delay);
				}
			}
		}
		a = b;
	}
	if (!M->share) {
		return;
	}
	w32(f, n_conv);
	for (uint64_t e = e0; e < e1; e++) {
		const struct csyn *y = &M->syn[e], *p = e > e0 ? &M->syn[e - 1] : NULL;
		if (y->kern == UINT32_MAX || (p && p->src == y->src && p->kern == y->kern)) {
			continue;
		}
		const struct ckern *K = &M->kern[y->kern];
		uint32_t i = y->src - K->pre_first, plane = K->cv->in_h * K->cv->in_w;
		w32(f, y->src);
		w32(f, kloc[y->kern]);
		w32(f, i / plane);
		w32(f, (i % plane) / K->cv->in_w);
		w32(f, i % K->cv->in_w);
	}
}

static int write_image(struct cmap *M, const char *path)
{
	const snn_net *net = M->net;
	char *tmp = malloc(strlen(path) + 16);
	uint32_t *local = malloc((M->n ? M->n : 1) * sizeof(uint32_t));
	uint32_t *ncore = calloc(M->n_cores ? M->n_cores : 1, sizeof(uint32_t));
	uint32_t *kscr = malloc((M->n_kern ? 3 * (size_t)M->n_kern : 1) * sizeof(uint32_t));
	int rc = SNN_OK;
	if (!tmp || !local || !ncore || !kscr) {
		free(tmp);
		free(local);
		free(ncore);
		free(kscr);
		return cm_nomem(M);
	}
	sprintf(tmp, "%s.tmp%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		rc = snn_diag_error(M->d, SNN_EIO, path, 0, 0, "cannot create the image");
		goto out_free;
	}
	for (uint32_t g = 0; g < M->n; g++) {
		if (M->core[g] != UINT32_MAX) {
			local[g] = ncore[M->core[g]]++;
		}
	}
	fwrite(LOIHI_IMAGE_MAGIC, 1, 8, f);
	w32(f, M->share ? LOIHI_IMAGE_VERSION : 1u);
	char tname[16] = {0};
	strncpy(tname, M->T->name, sizeof(tname) - 1);
	fwrite(tname, 1, 16, f);
	uint64_t dtbits;
	memcpy(&dtbits, &net->sim.dt_ms, 8);
	w64(f, dtbits);
	w64(f, (uint64_t)llround(net->sim.duration_ms / net->sim.dt_ms));
	w32(f, net->n_pops);
	w32(f, M->n);
	w32(f, M->n_cores);
	w32(f, M->max_delay);
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct population *p = &net->pops[i];
		uint32_t len = (uint32_t)strlen(p->name);
		w32(f, len);
		fwrite(p->name, 1, len, f);
		w32(f, p->first);
		w32(f, p->size);
		w32(f, p->model->id == MODEL_LOIHI_LIF ? 1u : 0u);
	}
	/* cores: neurons (ids in order), then axons in source order */
	uint64_t e = 0;
	for (uint32_t c = 0; c < M->n_cores; c++) {
		w32(f, c / M->T->cores_per_chip);
		w32(f, ncore[c]);
		for (uint32_t g = 0; g < M->n; g++) {
			if (M->core[g] != c) {
				continue;
			}
			const struct loihi_prop *P = &M->prop[g];
			w32(f, g);
			w32(f, (uint32_t)P->du);
			w32(f, (uint32_t)P->dv);
			w32(f, (uint32_t)P->vth);
			w32(f, (uint32_t)P->bias);
			w32(f, (uint32_t)P->w_exp);
			w32(f, P->ref_steps);
			w32(f, P->reset_interval);
			w32(f, P->reset_offset);
			w32(f, (uint32_t)M->u0[g]);
			w32(f, (uint32_t)M->v0[g]);
		}
		uint64_t e0 = e;
		while (e < M->n_syn && M->core[M->syn[e].tgt] == c) {
			e++;
		}
		write_core_synapses(M, f, e0, e, local, kscr);
	}
	fwrite("END!", 1, 4, f);
	if (ferror(f) | fclose(f)) {
		remove(tmp);
		rc = snn_diag_error(M->d, SNN_EIO, path, 0, 0, "cannot write the image");
		goto out_free;
	}
	if (rename(tmp, path) != 0) {
		remove(tmp);
		rc =
		    snn_diag_error(M->d, SNN_EIO, path, 0, 0, "cannot rename the image into place");
	}
out_free:
	free(tmp);
	free(local);
	free(ncore);
	free(kscr);
	return rc;
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
		fprintf(out, "traffic          %.3f spikes crossing cores per step (%llu in %llu "
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
		(unsigned long long)total_bytes(M), (unsigned long long)fullest,
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
		rc = read_activity(&M, o->activity_path);
	}
	if (rc == SNN_OK && M.n_kern) {
		/* the other way first (expanded on a target that shares, shared on
		 * one that cannot), for the report's comparison */
		snn_diag *tmp = snn_diag_new();
		M.d = tmp;
		M.share = !can_share;
		M.alt_ok = tmp && place(&M, o->placement) == SNN_OK && core_bytes(&M) == SNN_OK;
		M.alt_cores = M.n_cores;
		M.alt_bytes = M.alt_ok ? total_bytes(&M) : 0;
		M.d = d;
		snn_diag_free(tmp);
	}
	if (rc == SNN_OK) {
		M.share = can_share && M.n_kern;
		rc = place(&M, o->placement);
	}
	if (rc == SNN_OK) {
		rc = core_bytes(&M);
	}
	if (rc == SNN_OK) {
		M.routes = traffic(&M, NULL);
		M.traffic = traffic(&M, M.weight);
		/* from here on the synapses are grouped by target core, then source */
		for (uint64_t k = 0; k < M.n_syn; k++) {
			M.syn[k].tc = M.core[M.syn[k].tgt];
		}
		qsort(M.syn, M.n_syn, sizeof(struct csyn), cmp_syn_core);
	}
	if (rc == SNN_OK && out_path) {
		rc = write_image(&M, out_path);
	}
	if (rc == SNN_OK && o->report) {
		report_mapping(&M, o->placement, o->report);
	}
	free(M.on_chip);
	free(M.prop);
	free(M.u0);
	free(M.v0);
	free(M.syn);
	free(M.in_off);
	free(M.core);
	free(M.weight);
	free(M.core_bytes);
	for (uint32_t k = 0; k < M.n_kern; k++) {
		free(M.kern[k].w);
	}
	free(M.kern);
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
