/*
 * The Loihi-class mapper's accounting, shared by the placement (place.c) and
 * its refinement (refine.c): synaptic memory per core (shared kernels once),
 * the counts of synapses per (source, core), inter-core traffic, and the
 * neighbour graph. Below both: it calls neither.
 * Layer: hw, internal (map_int.h). Writes no file and prints nothing.
 */
#include "config.h"

#include <string.h>

#include "map_int.h"
#include "mem_int.h"

/* ------------------------------------------------------------ counts */

static uint64_t sc_hash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	return k;
}

uint32_t *map_sc_slot(struct sc_map *h, uint32_t s, uint32_t c, bool add)
{
	uint64_t key = ((uint64_t)s << 32 | c) + 1;
	if (add && 2 * (h->used + 1) > h->cap) {
		struct sc_map g = {.cap = h->cap ? 2 * h->cap : 1024};
		g.key = mem_array(g.cap, sizeof(uint64_t));
		g.cnt = mem_array(g.cap, sizeof(uint32_t));
		if (!g.key || !g.cnt) {
			mem_free(g.key);
			mem_free(g.cnt);
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
		mem_free(h->key);
		mem_free(h->cnt);
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

uint32_t map_sc_get(struct sc_map *h, uint32_t s, uint32_t c)
{
	uint32_t *p = map_sc_slot(h, s, c, false);
	return p ? *p : 0;
}

/* Neurons of core `core` using the (source, kernel) pair sk (refine). */
uint32_t map_pair_users(const struct smem *S, uint64_t sk, uint32_t core)
{
	return map_sc_get(S->skc, (uint32_t)sk, core);
}

/* ------------------------------------------------------------ accounting */

/* Bytes neuron g adds to core (sign > 0) or frees from it (sign < 0, g on
 * it: what only g uses). */
uint64_t map_syn_bytes(const struct cmap *M, const struct smem *S, uint32_t g, uint32_t core,
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
		uint64_t sk = map_sk_of(M, c);
		bool pair_new = S->kst ? S->skst[sk] != core : map_pair_users(S, sk, core) == here;
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

int map_stamps_new(const struct cmap *M, struct smem *S)
{
	memset(S, 0, sizeof(*S));
	S->kst = mem_array_raw(M->n_kern, sizeof(uint32_t));
	S->skst = mem_array_raw(M->n_sk, sizeof(uint32_t));
	if (!S->kst || !S->skst) {
		mem_free(S->kst);
		mem_free(S->skst);
		return -1;
	}
	memset(S->kst, 0xff, M->n_kern * sizeof(uint32_t));
	memset(S->skst, 0xff, M->n_sk * sizeof(uint32_t));
	return 0;
}

void map_stamps_free(struct smem *S)
{
	mem_free(S->kst);
	mem_free(S->skst);
}

/* The placed neurons grouped by core, ids ascending within a core: core c's
 * are by_core[start[c - 1] .. start[c]) (from 0 for c = 0). start must hold
 * n_cores + 1 zeros. */
void map_neurons_by_core(const struct cmap *M, uint32_t *start, uint32_t *by_core)
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
int map_core_bytes(struct cmap *M)
{
	struct smem S;
	uint32_t *start = mem_array((size_t)M->n_cores + 1, sizeof(uint32_t));
	uint32_t *by_core = mem_array_raw(M->n, sizeof(uint32_t));
	mem_free(M->core_bytes);
	M->core_bytes = mem_array(M->n_cores, sizeof(uint64_t));
	M->kern_copies = M->conv_axons = 0;
	if (!start || !by_core || !M->core_bytes || map_stamps_new(M, &S) != 0) {
		mem_free(start);
		mem_free(by_core);
		return mem_nomem(M->d);
	}
	map_neurons_by_core(M, start, by_core);
	for (uint32_t c = 0, k = 0; c < M->n_cores; c++) {
		for (; k < start[c]; k++) {
			uint32_t g = by_core[k];
			M->core_bytes[c] += map_syn_bytes(M, &S, g, c, 1);
			for (uint64_t e = M->in_off[g]; M->share && e < M->in_off[g + 1]; e++) {
				const struct csyn *y = &M->syn[e];
				if (y->kern == UINT32_MAX) {
					continue;
				}
				uint64_t sk = map_sk_of(M, y);
				M->conv_axons += S.skst[sk] != c;
				M->kern_copies += S.kst[y->kern] != c;
				S.skst[sk] = c;
				S.kst[y->kern] = c;
			}
		}
	}
	map_stamps_free(&S);
	mem_free(start);
	mem_free(by_core);
	return SNN_OK;
}

uint64_t map_total_bytes(const struct cmap *M)
{
	uint64_t t = 0;
	for (uint32_t c = 0; c < M->n_cores; c++) {
		t += M->core_bytes[c];
	}
	return t;
}

/* ------------------------------------------------------------ graph */

/* Undirected neighbours of the chip neurons (CSR) for the greedy and METIS
 * placements and the refinement: the synapses between two neurons (both
 * directions, every delay) are merged into one edge, so that a dense
 * network's edge list is no longer than its neuron pairs. The edge's weight
 * (wgt_out, may be NULL) is 1 plus the weight in the traffic (M->weight) of
 * each end that drives the other: what cutting the edge may cost. A
 * neighbour list keeps the order in which the synapses, sorted by target
 * then source, first name the neighbour. */
int map_neighbours(struct cmap *M, uint64_t **off_out, uint32_t **adj_out, uint32_t **wgt_out)
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
	uint64_t *off = mem_array(n1, sizeof(uint64_t));
	uint64_t *oo = mem_array(n1, sizeof(uint64_t)); /* out-CSR by source */
	uint32_t *ot = mem_array_raw(M->n_syn, sizeof(uint32_t));
	uint32_t *stamp = mem_array_raw(n1, sizeof(uint32_t));
	uint64_t *where = mem_array_raw(n1, sizeof(uint64_t));
	uint32_t *adj = NULL, *wgt = NULL;
	int rc = SNN_OK;
	if (!off || !oo || !ot || !stamp || !where) {
		rc = mem_nomem(M->d);
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
			adj = mem_array_raw(m, sizeof(uint32_t));
			wgt = wgt_out ? mem_array_raw(m, sizeof(uint32_t)) : NULL;
			if (!adj || (wgt_out && !wgt)) {
				rc = mem_nomem(M->d);
				goto out;
			}
		}
	}
out:
	mem_free(oo);
	mem_free(ot);
	mem_free(stamp);
	mem_free(where);
	if (rc != SNN_OK) {
		mem_free(off);
		mem_free(adj);
		mem_free(wgt);
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
void map_nb_release(struct cmap *M, uint64_t *off, uint32_t *adj, uint32_t *wgt)
{
	if (!M->nb || off != M->nb->off) {
		mem_free(off);
		mem_free(adj);
		mem_free(wgt);
	}
}

/* ------------------------------------------------------------ traffic */

/* Inter-core traffic of the placement: for every chip neuron, its weight
 * (w NULL: 1) times the number of other cores holding targets of it.
 * Needs the synapses grouped by target (in_off). */
uint64_t map_traffic(const struct cmap *M, const uint64_t *w)
{
	uint64_t t = 0;
	uint32_t *last = mem_array_raw(M->n, sizeof(uint32_t));
	uint32_t *by_core = mem_array_raw(M->n, sizeof(uint32_t));
	uint32_t *start = mem_array((size_t)M->n_cores + 1, sizeof(uint32_t));
	if (!last || !by_core || !start) {
		t = UINT64_MAX;
		goto out;
	}
	for (uint32_t g = 0; g < M->n; g++) {
		last[g] = UINT32_MAX;
	}
	map_neurons_by_core(M, start, by_core);
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
	mem_free(last);
	mem_free(by_core);
	mem_free(start);
	return t;
}
