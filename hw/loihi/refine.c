/*
 * The Loihi-class mapper's refinement of an AUTO placement: single moves of
 * neurons to a neighbour's core while the weighted inter-core traffic drops,
 * within every limit of the target core, and the audit the tests read.
 * Layer: hw, internal (map_int.h). Calls the accounting of map.c, never the
 * placement (place.c calls it). Writes no file and prints nothing.
 */
#include "config.h"

#include <string.h>

#include "map_int.h"
#include "mem_int.h"

static int sm_counts_move(const struct cmap *M, struct smem *S, uint32_t g, uint32_t from,
			  uint32_t to);

/* Counts of the neurons using each kernel and pair on each of nc cores, for
 * moves between cores (refine); M->share false: nothing to count. */
static int sm_counts_new(const struct cmap *M, struct smem *S, uint32_t nc)
{
	memset(S, 0, sizeof(*S));
	S->nc = nc;
	S->kc = mem_array(M->n_kern * (size_t)nc, sizeof(uint32_t));
	S->skc = mem_zalloc(sizeof(struct sc_map));
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
		uint64_t sk = map_sk_of(M, c);
		if (to != UINT32_MAX) {
			uint32_t *p = map_sc_slot(S->skc, (uint32_t)sk, to, true);
			if (!p) {
				return -1;
			}
			(*p)++;
		}
		if (from != UINT32_MAX) {
			uint32_t *p = map_sc_slot(S->skc, (uint32_t)sk, from, false);
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
	mem_free(S->kc);
	if (S->skc) {
		mem_free(S->skc->key);
		mem_free(S->skc->cnt);
		mem_free(S->skc);
	}
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
	return map_sc_slot(&t->h, s, c, add);
}

static uint32_t sct_get(struct sc_tab *t, uint32_t s, uint32_t c)
{
	uint32_t *p = sct_slot(t, s, c, false);
	return p ? *p : 0;
}

static void sct_free(struct sc_tab *t)
{
	mem_free(t->dense);
	mem_free(t->h.key);
	mem_free(t->h.cnt);
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
				return mem_nomem(M->d);
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
	uint32_t *fn = mem_array(nc, sizeof(uint32_t));
	uint32_t *fa = mem_array(nc, sizeof(uint32_t));
	uint64_t *fb = mem_array(nc, sizeof(uint64_t));
	int rc = fn && fa && fb ? sct_build(M, &f, fn, fa, fb) : mem_nomem(M->d);
	if (rc == SNN_OK) {
		/* synaptic memory as the fill counts it (shared kernels once) */
		rc = map_core_bytes(M);
	}
	if (rc != SNN_OK) {
		goto out;
	}
	memcpy(fb, M->core_bytes, nc * sizeof(uint64_t));
	a->recount = map_traffic(M, M->weight);
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
	mem_free(fn);
	mem_free(fa);
	mem_free(fb);
	return rc;
}

/* The refinement's working state: the counts per (source, core), the
 * neurons, input axons and bytes of each core, the neighbour graph, the
 * candidate cores of the neuron under study and its distinct sources. */
struct refine_ws {
	struct sc_tab t;
	uint32_t *cn, *ca;
	uint64_t *cb;
	uint64_t *off;
	uint32_t *adj;
	uint32_t *cand;
	uint8_t *is_cand;
	struct smem S;
	/* the distinct sources of the neuron under study: id, core
	 * (UINT32_MAX: none) and weight in the traffic (0: not counted) */
	uint32_t *src, *score;
	uint64_t *sw;
	uint32_t ns;   /* distinct sources */
	uint32_t self; /* synapses from the neuron itself */
	int64_t gone;  /* traffic of the routes to the old core that go */
};

static int refine_setup(struct cmap *M, struct refine_ws *W)
{
	uint32_t nc = M->n_cores;
	size_t n1 = M->n;
	W->t.n = M->n;
	W->cn = mem_array(nc, sizeof(uint32_t));
	W->ca = mem_array(nc, sizeof(uint32_t));
	W->cb = mem_array(nc, sizeof(uint64_t));
	W->cand = mem_array_raw(nc, sizeof(uint32_t));
	W->is_cand = mem_array(nc, 1);
	W->src = mem_array_raw(n1, sizeof(uint32_t));
	W->score = mem_array_raw(n1, sizeof(uint32_t));
	W->sw = mem_array_raw(n1, sizeof(uint64_t));
	if (sm_counts_new(M, &W->S, nc) != 0 || map_core_bytes(M) != SNN_OK || !W->cn || !W->ca ||
	    !W->cb || !W->cand || !W->is_cand || !W->src || !W->score || !W->sw) {
		return mem_nomem(M->d);
	}
	if ((uint64_t)M->n * nc <= REFINE_DENSE_MAX && !(M->audit && M->audit->hashed)) {
		W->t.dense = mem_array(n1 * nc, sizeof(uint32_t));
		if (!W->t.dense) {
			return mem_nomem(M->d);
		}
	}
	int rc = map_neighbours(M, &W->off, &W->adj, NULL);
	if (rc == SNN_OK) {
		rc = sct_build(M, &W->t, W->cn, W->ca, W->cb);
	}
	return rc;
}

static void refine_free(struct cmap *M, struct refine_ws *W)
{
	sm_counts_free(&W->S);
	sct_free(&W->t);
	mem_free(W->cn);
	mem_free(W->ca);
	mem_free(W->cb);
	map_nb_release(M, W->off, W->adj, NULL);
	mem_free(W->cand);
	mem_free(W->is_cand);
	mem_free(W->src);
	mem_free(W->score);
	mem_free(W->sw);
}

/* The cores of g's neighbours other than old with room for one more neuron,
 * into W->cand (marked in W->is_cand); returns their count. */
static uint32_t candidates(const struct cmap *M, struct refine_ws *W, uint32_t g, uint32_t old)
{
	uint32_t n_cand = 0;
	for (uint64_t e = W->off[g]; e < W->off[g + 1]; e++) {
		uint32_t c = M->core[W->adj[e]];
		if (c != UINT32_MAX && c != old && !W->is_cand[c] &&
		    W->cn[c] + 1 <= M->T->neurons_per_core) {
			W->is_cand[c] = 1;
			W->cand[n_cand++] = c;
		}
	}
	return n_cand;
}

/* g's distinct sources, and the routes to old that the move removes (g's own
 * synapses move with it), whatever the new core. */
static void sources(const struct cmap *M, struct refine_ws *W, uint32_t g, uint32_t old)
{
	W->ns = 0;
	W->self = 0;
	W->gone = 0;
	for (uint64_t e = M->in_off[g]; e < M->in_off[g + 1];) {
		uint32_t s = M->syn[e].src, m = 0;
		while (e < M->in_off[g + 1] && M->syn[e].src == s) {
			m++;
			e++;
		}
		bool counted = s != g && M->on_chip[s];
		uint32_t i = W->ns++;
		W->src[i] = s;
		W->score[i] = counted ? M->core[s] : UINT32_MAX;
		W->sw[i] = counted ? M->weight[s] : 0;
		W->self = s == g ? m : W->self;
		if (counted && M->core[s] != old && sct_get(&W->t, s, old) == m) {
			W->gone += (int64_t)W->sw[i];
		}
	}
}

/* The candidate core that lowers the traffic most within its limits
 * (UINT32_MAX: none), its change in *best; clears W->is_cand. */
static uint32_t best_core(const struct cmap *M, struct refine_ws *W, uint32_t g, uint32_t old,
			  uint32_t n_cand, int64_t *best)
{
	const struct loihi_target *T = M->T;
	bool g_old = sct_get(&W->t, g, old) - W->self > 0;
	uint32_t best_c = UINT32_MAX;
	*best = 0;
	for (uint32_t k = 0; k < n_cand; k++) {
		uint32_t c = W->cand[k];
		W->is_cand[c] = 0;
		/* g's synaptic memory on c (shared kernels counted once) */
		if (W->cb[c] + map_syn_bytes(M, &W->S, g, c, 1) > T->syn_bytes_per_core) {
			continue;
		}
		/* g as a source, then its sources' routes to c */
		int64_t d =
		    (int64_t)M->weight[g] * ((int64_t)g_old - (sct_get(&W->t, g, c) > 0)) - W->gone;
		uint32_t new_axons = 0;
		const uint32_t *row = W->t.dense ? &W->t.dense[(uint64_t)c * M->n] : NULL;
		for (uint32_t i = 0; i < W->ns; i++) {
			uint32_t cc = row ? row[W->src[i]] : map_sc_get(&W->t.h, W->src[i], c);
			if (!cc) {
				new_axons++;
				d += c != W->score[i] ? (int64_t)W->sw[i] : 0;
			}
		}
		if (W->ca[c] + new_axons > T->axons_per_core) {
			continue;
		}
		if (d < *best) {
			*best = d;
			best_c = c;
		}
	}
	return best_c;
}

/* Moves g from core old to core to, updating every count. */
static int move(struct cmap *M, struct refine_ws *W, uint32_t g, uint32_t old, uint32_t to)
{
	for (uint64_t e = M->in_off[g]; e < M->in_off[g + 1]; e++) {
		uint32_t *pn = sct_slot(&W->t, M->syn[e].src, to, true);
		if (!pn) {
			return mem_nomem(M->d);
		}
		W->ca[to] += *pn == 0;
		(*pn)++;
		/* after the lookup that may rehash */
		uint32_t *po = sct_slot(&W->t, M->syn[e].src, old, false);
		(*po)--;
		W->ca[old] -= *po == 0;
	}
	W->cn[old]--;
	W->cn[to]++;
	W->cb[old] -= map_syn_bytes(M, &W->S, g, old, -1);
	W->cb[to] += map_syn_bytes(M, &W->S, g, to, 1);
	if (sm_counts_move(M, &W->S, g, old, to) != 0) {
		return mem_nomem(M->d);
	}
	M->core[g] = to;
	return SNN_OK;
}

/* Closes up the empty cores, keeping the order of the others. */
static void close_up(struct cmap *M, struct refine_ws *W)
{
	uint32_t *renum = W->cand, k = 0;
	for (uint32_t c = 0; c < M->n_cores; c++) {
		renum[c] = W->cn[c] ? k++ : UINT32_MAX;
	}
	for (uint32_t g = 0; g < M->n; g++) {
		if (M->core[g] != UINT32_MAX) {
			M->core[g] = renum[M->core[g]];
		}
	}
	M->n_cores = k;
}

/* Moves single neurons to a core of one of their neighbours when that lowers
 * the weighted inter-core traffic and keeps every limit of the target core;
 * passes until none improves (at most 16). Each accepted move lowers the
 * traffic, so the result is never worse than the placement it starts from.
 * Empty cores are then closed up. Needs the synapses grouped by target.
 * A neuron's gain for every candidate core comes from the counts of its
 * distinct sources on the old and the candidate core: O(in-degree) per
 * candidate, and a move updates the counts of its in-synapses only. */
int map_refine(struct cmap *M, bool *moved)
{
	struct refine_ws W = {0};
	uint64_t total_moves = 0;
	*moved = false;
	int rc = refine_setup(M, &W);
	if (rc != SNN_OK) {
		goto out;
	}
	uint64_t cur = M->audit ? map_traffic(M, M->weight) : 0; /* running traffic */
	if (M->audit) {
		M->audit->start = cur;
	}
	memcpy(W.cb, M->core_bytes, M->n_cores * sizeof(uint64_t));
	for (int pass = 0; pass < 16; pass++) {
		uint64_t moves = 0;
		for (uint32_t g = 0; g < M->n; g++) {
			uint32_t old = M->core[g];
			if (old == UINT32_MAX || !M->on_chip[g]) {
				continue;
			}
			uint32_t n_cand = candidates(M, &W, g, old);
			if (!n_cand) {
				continue;
			}
			sources(M, &W, g, old);
			int64_t best;
			uint32_t best_c = best_core(M, &W, g, old, n_cand, &best);
			if (best_c == UINT32_MAX) {
				continue;
			}
			if ((rc = move(M, &W, g, old, best_c)) != SNN_OK) {
				goto out;
			}
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
		rc = refine_audit(M, &W.t, W.cn, W.ca, W.cb);
		if (rc != SNN_OK) {
			goto out;
		}
	}
	close_up(M, &W);
out:
	refine_free(M, &W);
	return rc;
}
