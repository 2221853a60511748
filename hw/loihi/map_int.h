/*
 * The Loihi-class mapper's private state, shared by its files: the network's
 * synapses as the chip stores them, the shared kernels, the placement and the
 * accounting of synaptic memory (compile.c drives; map.c counts; place.c
 * places; refine.c improves an AUTO placement; image.c writes the chip image;
 * calls run place.c -> refine.c -> map.c, never back).
 * Layer: hw, internal to hw/loihi. Not for the emulator or any other layer.
 */
#ifndef SNN_LOIHI_MAP_INT_H
#define SNN_LOIHI_MAP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "loihi_int.h"
#include "net_int.h"

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
	bool refined;			  /* AUTO: the refinement pass moved neurons */
	uint64_t *weight;		  /* per gid: spikes on the activity run (or 1 each) */
	uint64_t steps;			  /* of the activity run (0: none given) */
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

/* The neighbour graph (map_neighbours()). */
struct nbr {
	uint64_t *off;
	uint32_t *adj, *wgt;
};

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

/* Counts of synapses per (source, core), in an open-addressing table. */
struct sc_map {
	uint64_t *key; /* (source << 32 | core) + 1; 0: empty */
	uint32_t *cnt;
	uint64_t cap, used;
};

/* map.c: the count's slot for (s, c), added (zero) when add is set; NULL
 * when absent (add false) or when growing the table fails. A rehash may move
 * the slots returned before. Free the table's key and cnt with mem_free. */
uint32_t *map_sc_slot(struct sc_map *h, uint32_t s, uint32_t c, bool add);
/* map.c: the count for (s, c), 0 when absent. */
uint32_t map_sc_get(struct sc_map *h, uint32_t s, uint32_t c);
/* map.c: neurons of core `core` using the (source, kernel) pair sk, from
 * the counts of struct smem (S->skc). */
uint32_t map_pair_users(const struct smem *S, uint64_t sk, uint32_t core);
/* map.c: the stamps of struct smem for fill() and map_core_bytes (every
 * kernel and pair absent); 0, or -1 when out of memory (nothing is kept). */
int map_stamps_new(const struct cmap *M, struct smem *S);
void map_stamps_free(struct smem *S);

/* The index of c's (source, kernel) pair, c in a shared kernel. */
static inline uint64_t map_sk_of(const struct cmap *M, const struct csyn *c)
{
	return M->kern[c->kern].sk_base + (c->src - M->kern[c->kern].pre_first);
}

/* map.c: accounting. Synaptic memory neuron g adds to `core` (sign > 0) or
 * frees from it (sign < 0, g on it): see struct smem. */
uint64_t map_syn_bytes(const struct cmap *M, const struct smem *S, uint32_t g, uint32_t core,
		       int sign);
/* Fills M->core_bytes, kern_copies and conv_axons for the placement; SNN_OK
 * or SNN_ENOMEM (recorded in M->d). */
int map_core_bytes(struct cmap *M);
/* The sum of M->core_bytes. */
uint64_t map_total_bytes(const struct cmap *M);
/* Inter-core traffic of the placement: for every chip neuron, its weight (w
 * NULL: 1) times the number of other cores holding targets of it; UINT64_MAX
 * when out of memory. Needs the synapses grouped by target (in_off). */
uint64_t map_traffic(const struct cmap *M, const uint64_t *w);
/* The placed neurons grouped by core (see map.c). */
void map_neurons_by_core(const struct cmap *M, uint32_t *start, uint32_t *by_core);

/* map.c: the neighbour graph (CSR; AUTO's shared one while M->nb is set),
 * released with map_nb_release. SNN_OK or SNN_ENOMEM. */
int map_neighbours(struct cmap *M, uint64_t **off_out, uint32_t **adj_out, uint32_t **wgt_out);
void map_nb_release(struct cmap *M, uint64_t *off, uint32_t *adj, uint32_t *wgt);

/* place.c: source weights (M->weight, M->steps) from an activity spike file
 * (path NULL: 1 each); SNN_OK or the reader's error, recorded in M->d. */
int map_read_activity(struct cmap *M, const char *path);
/* place.c: places the chip neurons (M->core, M->n_cores, M->placed_by) by
 * `how`, AUTO refining the best candidate; SNN_OK, or SNN_ERANGE when the
 * network does not fit, SNN_EUNSUP, SNN_ENOMEM, recorded in M->d. */
int map_place(struct cmap *M, enum snn_loihi_placement how);

/* refine.c: moves single neurons while that lowers the weighted traffic
 * (sets *moved when any moved); fills M->audit when set. SNN_OK or
 * SNN_ENOMEM, recorded in M->d. */
int map_refine(struct cmap *M, bool *moved);

/* image.c: writes the chip image of the placement to path (through a
 * temporary name, renamed at the end; image_int.h has the format). The
 * synapses must be grouped by target core, then source (csyn.tc set).
 * SNN_OK, SNN_EIO or SNN_ENOMEM, recorded in M->d. */
int image_write(const struct cmap *M, const char *path);

#endif
