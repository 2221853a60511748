/*
 * The Loihi-class mapper's placement: the orders (sequential, greedy, METIS)
 * that fill() turns into cores within the target's limits, and AUTO's choice,
 * which refine.c improves. The accounting it fills by is map.c's.
 * Layer: hw, internal (map_int.h). Calls map.c and refine.c, never the other
 * way round. Writes no file and prints nothing.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#ifdef HAVE_METIS
#include <metis.h>
#endif

#include "map_int.h"
#include "mem_int.h"
#include "snn/spikes.h"

/* ------------------------------------------------------------- placement */

/* Stamps g's kernels and pairs as present on core (fill). */
static void sm_stamp(const struct cmap *M, struct smem *S, uint32_t g, uint32_t core)
{
	for (uint64_t e = M->in_off[g]; M->share && e < M->in_off[g + 1]; e++) {
		const struct csyn *c = &M->syn[e];
		if (c->kern != UINT32_MAX) {
			S->skst[map_sk_of(M, c)] = core;
			S->kst[c->kern] = core;
		}
	}
}

/* Fills cores in the given order of chip neurons, opening a new core when
 * the next neuron would break a limit: neurons, distinct input axons, bytes
 * of synaptic memory. Always succeeds unless one neuron alone breaks a limit. */
static int fill(struct cmap *M, const uint32_t *order, uint32_t n_order)
{
	const struct loihi_target *T = M->T;
	uint32_t *stamp = mem_array_raw(M->n, sizeof(uint32_t));
	struct smem S;
	if (!stamp || map_stamps_new(M, &S) != 0) {
		mem_free(stamp);
		return mem_nomem(M->d);
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
		uint64_t nb = map_syn_bytes(M, &S, g, core, 1);
		uint64_t alone = M->share ? map_syn_bytes(M, &S, g, UINT32_MAX - 1, 1) : nb;
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
	mem_free(stamp);
	map_stamps_free(&S);
	return rc;
}

/* Greedy order: breadth-first from the lowest unplaced id, so that each
 * core fills with neurons that share synapses. */
static int order_greedy(struct cmap *M, uint32_t *order, uint32_t *n_order)
{
	uint64_t *off;
	uint32_t *adj;
	int rc = map_neighbours(M, &off, &adj, NULL);
	if (rc != SNN_OK) {
		return rc;
	}
	uint8_t *seen = mem_array(M->n, 1);
	if (!seen) {
		map_nb_release(M, off, adj, NULL);
		return mem_nomem(M->d);
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
	mem_free(seen);
	map_nb_release(M, off, adj, NULL);
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
	int rc = map_neighbours(M, &off, &adj, &wgt);
	if (rc != SNN_OK) {
		return rc;
	}
	uint32_t nc = 0;
	uint32_t *local = mem_array_raw(M->n, sizeof(uint32_t));
	uint32_t *chip = mem_array_raw(M->n, sizeof(uint32_t));
	uint64_t bytes = 0;
	for (uint32_t g = 0; local && chip && g < M->n; g++) {
		if (M->on_chip[g]) {
			local[g] = nc;
			chip[nc++] = g;
			bytes += (M->in_off[g + 1] - M->in_off[g]) * LOIHI_SYN_BYTES;
		}
	}
	idx_t *xadj = mem_array_raw((size_t)nc + 1, sizeof(idx_t));
	idx_t *adjncy = mem_array_raw(off[M->n], sizeof(idx_t));
	idx_t *adjwgt = mem_array_raw(off[M->n], sizeof(idx_t));
	idx_t *part = mem_array_raw(nc, sizeof(idx_t));
	/* two constraints per neuron: one neuron slot, and its synaptic memory */
	idx_t *vwgt = mem_array_raw(2 * (size_t)nc, sizeof(idx_t));
	if (!local || !chip || !xadj || !adjncy || !adjwgt || !part || !vwgt) {
		rc = mem_nomem(M->d);
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
		 * (map_neighbours()): METIS's volume objective, closer to what the
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
		memset(part, 0, nc * sizeof(idx_t));
	}
	/* counting sort by part, ids in order inside a part */
	uint32_t *cnt = mem_array((size_t)parts + 1, sizeof(uint32_t));
	if (!cnt) {
		rc = mem_nomem(M->d);
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
	mem_free(cnt);
	*n_order = nc;
out_free:
	mem_free(local);
	mem_free(chip);
	mem_free(xadj);
	mem_free(adjncy);
	mem_free(adjwgt);
	mem_free(part);
	mem_free(vwgt);
	map_nb_release(M, off, adj, wgt);
	return rc;
}
#endif

/* Source weights: the spike count of every neuron in a spike file of a run
 * of the same network (populations by name), or 1 each without one. */
int map_read_activity(struct cmap *M, const char *path)
{
	M->weight = mem_array_raw(M->n, sizeof(uint64_t));
	if (!M->weight) {
		return mem_nomem(M->d);
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
				rc = snn_diag_error(
				    M->d, SNN_EINVAL, path, 0, 0,
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
int map_place(struct cmap *M, enum snn_loihi_placement how)
{
	uint32_t *order = mem_array_raw(M->n, sizeof(uint32_t));
	int rc = SNN_OK;
	if (!order) {
		return mem_nomem(M->d);
	}
	M->placed_by = how;
	if (how != SNN_LOIHI_PLACE_AUTO) {
		rc = place_one(M, how, order);
		mem_free(order);
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
	uint32_t *best_core = mem_array_raw(M->n, sizeof(uint32_t));
	/* one neighbour graph for every candidate and the refinement */
	struct nbr nb = {0};
	if (!best_core) {
		rc = mem_nomem(M->d);
		goto out;
	}
	rc = map_neighbours(M, &nb.off, &nb.adj, &nb.wgt);
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
		uint64_t t = r == SNN_OK ? map_traffic(&T, T.weight) : UINT64_MAX;
		if (cand[k] == SNN_LOIHI_PLACE_SEQUENTIAL && r == SNN_OK) {
			M->seq_traffic = t;
			M->seq_routes = map_traffic(&T, NULL);
			M->seq_cores = T.n_cores;
		}
		if (r == SNN_OK && t < best) {
			best = t;
			best_k = k;
			best_cores = T.n_cores;
			memcpy(best_core, T.core, M->n * sizeof(uint32_t));
		}
	}
	if (best_k >= 0) {
		M->placed_by = cand[best_k];
		M->n_cores = best_cores;
		memcpy(M->core, best_core, M->n * sizeof(uint32_t));
	} else {
		/* every candidate failed: the sequential one again reports why */
		M->placed_by = SNN_LOIHI_PLACE_SEQUENTIAL;
		rc = place_one(M, M->placed_by, order);
	}
	if (rc == SNN_OK) {
		rc = map_refine(M, &M->refined);
	}
out:
	M->nb = NULL;
	mem_free(nb.off);
	mem_free(nb.adj);
	mem_free(nb.wgt);
	mem_free(best_core);
	mem_free(order);
	return rc;
}
