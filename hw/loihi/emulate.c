/*
 * snn_loihi_run_image: reads a chip image (doc/loihi.md) and runs it step by
 * step with the same integer neuron arithmetic as loihi_lif (model_loihi.h):
 * spikes travel along each core's axon table into per-neuron delay rings.
 * Layer: hw. Allocates everything before the step loop.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_int.h"
#include "loihi_int.h"
#include "model_loihi.h"
#include "snn/spikes.h"

struct epop {
	char *name;
	uint32_t first, size, kind;
};

struct eaxon {
	uint32_t src, core, n;
	uint64_t first; /* into the synapse arrays */
};

/* A shared kernel of one core (version 2): the geometry (cv.kernel unused),
 * the chip weights, and the range [lo, hi) of target indices it may reach on
 * its core. */
struct ekern {
	struct proj_conv cv;
	uint32_t pre_first, post_first, lo, hi, delay, core;
	int32_t *w;
	uint64_t n_w;
};

/* A conv axon: a source's spikes through a kernel of a core; in is the
 * source's index in the kernel's input (channel, y, x). */
struct ecaxon {
	uint32_t src, kern, in;
};

struct emu {
	FILE *f;
	const char *path;
	snn_diag *d;
	char target[17];
	double dt_ms;
	uint64_t steps;
	uint32_t n_pops, n, n_cores, max_delay;
	struct epop *pops;
	struct loihi_prop *prop; /* per gid */
	int32_t *u, *v;
	uint32_t *ref;
	uint32_t *core;	      /* per gid, UINT32_MAX for inputs */
	uint32_t *core_first; /* per core: gid of its local neuron k is core_gid[core_first + k] */
	uint32_t *core_gid;
	struct eaxon *axons;
	uint64_t n_axons;
	uint64_t *src_off; /* per gid: its axons (CSR into axon_of) */
	uint64_t *axon_of;
	uint32_t *syn_tgt;
	int32_t *syn_w;
	uint32_t *syn_delay;
	uint64_t n_syn;
	uint32_t version;
	struct ekern *kerns; /* version 2 */
	uint64_t n_kerns;
	struct ecaxon *caxons;
	uint64_t n_caxons;
	uint64_t *csrc_off; /* per gid: its conv axons (CSR into caxon_of) */
	uint64_t *caxon_of;
	uint64_t max_taps; /* of an input through any kernel */
};

static int rd32(struct emu *E, uint32_t *x)
{
	unsigned char b[4];
	if (fread(b, 1, 4, E->f) != 4) {
		return snn_diag_error(E->d, SNN_EPARSE, E->path, 0, 0,
				      "corrupt image: truncated (at byte %ld)", ftell(E->f));
	}
	*x = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return SNN_OK;
}

static int rd64(struct emu *E, uint64_t *x)
{
	uint32_t lo = 0, hi = 0;
	int rc = rd32(E, &lo);
	if (rc == SNN_OK) {
		rc = rd32(E, &hi);
	}
	*x = (uint64_t)hi << 32 | lo;
	return rc;
}

static int bad(struct emu *E, const char *what)
{
	return snn_diag_error(E->d, SNN_EPARSE, E->path, 0, 0, "corrupt image: %s (at byte %ld)",
			      what, ftell(E->f));
}

static void emu_free(struct emu *E)
{
	for (uint32_t i = 0; E->pops && i < E->n_pops; i++) {
		free(E->pops[i].name);
	}
	free(E->pops);
	free(E->prop);
	free(E->u);
	free(E->v);
	free(E->ref);
	free(E->core);
	free(E->core_first);
	free(E->core_gid);
	free(E->axons);
	free(E->src_off);
	free(E->axon_of);
	free(E->syn_tgt);
	free(E->syn_w);
	free(E->syn_delay);
	for (uint64_t k = 0; E->kerns && k < E->n_kerns; k++) {
		free(E->kerns[k].w);
	}
	free(E->kerns);
	free(E->caxons);
	free(E->csrc_off);
	free(E->caxon_of);
}

/* Grows *p (of *cap elements of size sz) to hold n + 1. */
static int grow(void **p, uint64_t *cap, uint64_t n, size_t sz)
{
	if (n < *cap) {
		return 0;
	}
	uint64_t c = *cap ? 2 * *cap : 16;
	void *q = realloc(*p, c * sz);
	if (!q) {
		return -1;
	}
	*p = q;
	*cap = c;
	return 0;
}

/* The shared kernels of core c (version 2), checked against the network. */
static int load_kernels(struct emu *E, uint32_t c, uint64_t *cap)
{
	uint32_t nk;
	int rc = rd32(E, &nk);
	if (rc != SNN_OK) {
		return rc;
	}
	for (uint32_t k = 0; k < nk; k++) {
		uint32_t x[21];
		for (int j = 0; j < 21; j++) {
			if ((rc = rd32(E, &x[j])) != SNN_OK) {
				return rc;
			}
		}
		if (grow((void **)&E->kerns, cap, E->n_kerns, sizeof(struct ekern))) {
			return snn_diag_error(E->d, SNN_ENOMEM, E->path, 0, 0, "out of memory");
		}
		struct ekern *K = &E->kerns[E->n_kerns++];
		memset(K, 0, sizeof(*K));
		struct proj_conv *cv = &K->cv;
		uint32_t *geo[15] = {&cv->cin,	 &cv->cout,	&cv->groups,   &cv->in_h,
				     &cv->in_w,	 &cv->out_h,	&cv->out_w,    &cv->kh,
				     &cv->kw,	 &cv->stride_h, &cv->stride_w, &cv->pad_h,
				     &cv->pad_w, &cv->dil_h,	&cv->dil_w};
		bool ok = true;
		for (int j = 0; j < 15; j++) {
			*geo[j] = x[j];
			/* every size, stride and dilation >= 1 (pads may be 0) */
			ok &= x[j] <= 65536 && (x[j] >= 1 || j == 11 || j == 12);
		}
		K->pre_first = x[15];
		K->post_first = x[16];
		K->lo = x[17];
		K->hi = x[18];
		K->delay = x[19];
		K->core = c;
		uint32_t n_w = x[20];
		if (!ok || cv->cin % cv->groups || cv->cout % cv->groups) {
			return bad(E, "kernel geometry out of range");
		}
		uint64_t n_in = (uint64_t)cv->cin * cv->in_h * cv->in_w;
		uint64_t n_out = (uint64_t)cv->cout * cv->out_h * cv->out_w;
		if (K->pre_first + n_in > E->n || K->post_first + n_out > E->n || K->lo >= K->hi ||
		    K->hi > n_out) {
			return bad(E, "kernel geometry outside the network or its target range");
		}
		if (K->delay < 1 || K->delay > E->max_delay) {
			return bad(E, "kernel delay out of range");
		}
		/* at most 2^26 weights, checked factor by factor (no overflow) */
		uint64_t a = (uint64_t)cv->cout * (cv->cin / cv->groups);
		uint64_t b = a <= (1u << 26) ? a * cv->kh : UINT64_MAX;
		K->n_w = b <= (1u << 26) ? b * cv->kw : UINT64_MAX;
		if (K->n_w > (1u << 26) || n_w != K->n_w) {
			return bad(E, "kernel weight count does not match its geometry");
		}
		K->w = malloc(K->n_w * sizeof(int32_t));
		if (!K->w) {
			return snn_diag_error(E->d, SNN_ENOMEM, E->path, 0, 0, "out of memory");
		}
		for (uint64_t j = 0; j < K->n_w; j++) {
			uint32_t w;
			if ((rc = rd32(E, &w)) != SNN_OK) {
				return rc;
			}
			K->w[j] = (int32_t)w;
		}
		uint64_t t = conv_max_taps_of_input(cv);
		E->max_taps = t > E->max_taps ? t : E->max_taps;
	}
	return SNN_OK;
}

/* The conv axons of core c (version 2); its kernels start at kernel k0. */
static int load_conv_axons(struct emu *E, uint64_t k0, uint64_t *cap)
{
	uint32_t na;
	int rc = rd32(E, &na);
	if (rc != SNN_OK) {
		return rc;
	}
	for (uint32_t a = 0; a < na; a++) {
		uint32_t x[5];
		for (int j = 0; j < 5; j++) {
			if ((rc = rd32(E, &x[j])) != SNN_OK) {
				return rc;
			}
		}
		if (x[0] >= E->n) {
			return bad(E, "conv axon source out of range");
		}
		if (x[1] >= E->n_kerns - k0) {
			return bad(E, "conv axon kernel reference out of range");
		}
		const struct ekern *K = &E->kerns[k0 + x[1]];
		if (x[2] >= K->cv.cin || x[3] >= K->cv.in_h || x[4] >= K->cv.in_w) {
			return bad(E, "conv axon position outside its kernel's input");
		}
		uint32_t in = (x[2] * K->cv.in_h + x[3]) * K->cv.in_w + x[4];
		if ((uint64_t)K->pre_first + in != x[0]) {
			return bad(E, "conv axon position does not match its source");
		}
		if (grow((void **)&E->caxons, cap, E->n_caxons, sizeof(struct ecaxon))) {
			return snn_diag_error(E->d, SNN_ENOMEM, E->path, 0, 0, "out of memory");
		}
		E->caxons[E->n_caxons++] = (struct ecaxon){x[0], (uint32_t)(k0 + x[1]), in};
		E->csrc_off[x[0] + 1]++;
	}
	return SNN_OK;
}

static int load(struct emu *E)
{
	char magic[8];
	uint32_t ver;
	int rc;
	if (fread(magic, 1, 8, E->f) != 8 || memcmp(magic, LOIHI_IMAGE_MAGIC, 8) != 0) {
		return snn_diag_error(E->d, SNN_EPARSE, E->path, 0, 0,
				      "not a Spikeforge chip image (no SNNLOIHI magic)");
	}
	if ((rc = rd32(E, &ver)) != SNN_OK) {
		return rc;
	}
	if (ver < 1 || ver > LOIHI_IMAGE_VERSION) {
		return snn_diag_error(E->d, SNN_EPARSE, E->path, 0, 0,
				      "image version %u; this emulator reads versions 1 to %u", ver,
				      LOIHI_IMAGE_VERSION);
	}
	E->version = ver;
	if (fread(E->target, 1, 16, E->f) != 16) {
		return bad(E, "truncated header");
	}
	uint64_t dtbits;
	if ((rc = rd64(E, &dtbits)) != SNN_OK || (rc = rd64(E, &E->steps)) != SNN_OK ||
	    (rc = rd32(E, &E->n_pops)) != SNN_OK || (rc = rd32(E, &E->n)) != SNN_OK ||
	    (rc = rd32(E, &E->n_cores)) != SNN_OK || (rc = rd32(E, &E->max_delay)) != SNN_OK) {
		return rc;
	}
	memcpy(&E->dt_ms, &dtbits, 8);
	if (!(E->dt_ms > 0) || E->n_pops > 1u << 20 || E->max_delay > 4096 ||
	    E->n_cores > E->n + 1) {
		return bad(E, "implausible header");
	}
	size_t nn = E->n ? E->n : 1;
	E->pops = calloc(E->n_pops ? E->n_pops : 1, sizeof(struct epop));
	E->prop = calloc(nn, sizeof(struct loihi_prop));
	E->u = calloc(nn, sizeof(int32_t));
	E->v = calloc(nn, sizeof(int32_t));
	E->ref = calloc(nn, sizeof(uint32_t));
	E->core = malloc(nn * sizeof(uint32_t));
	E->core_first = calloc((size_t)E->n_cores + 1, sizeof(uint32_t));
	E->core_gid = malloc(nn * sizeof(uint32_t));
	E->src_off = calloc(nn + 1, sizeof(uint64_t));
	E->csrc_off = calloc(nn + 1, sizeof(uint64_t));
	if (!E->pops || !E->prop || !E->u || !E->v || !E->ref || !E->core || !E->core_first ||
	    !E->core_gid || !E->src_off || !E->csrc_off) {
		return snn_diag_error(E->d, SNN_ENOMEM, E->path, 0, 0, "out of memory");
	}
	for (uint32_t g = 0; g < E->n; g++) {
		E->core[g] = UINT32_MAX;
	}
	for (uint32_t i = 0; i < E->n_pops; i++) {
		uint32_t len;
		if ((rc = rd32(E, &len)) != SNN_OK) {
			return rc;
		}
		if (len > 4096) {
			return bad(E, "population name too long");
		}
		E->pops[i].name = calloc(len + 1, 1);
		if (!E->pops[i].name) {
			return snn_diag_error(E->d, SNN_ENOMEM, E->path, 0, 0, "out of memory");
		}
		if (fread(E->pops[i].name, 1, len, E->f) != len ||
		    (rc = rd32(E, &E->pops[i].first)) != SNN_OK ||
		    (rc = rd32(E, &E->pops[i].size)) != SNN_OK ||
		    (rc = rd32(E, &E->pops[i].kind)) != SNN_OK) {
			return rc != SNN_OK ? rc : bad(E, "truncated population");
		}
		if ((uint64_t)E->pops[i].first + E->pops[i].size > E->n) {
			return bad(E, "population outside the neuron range");
		}
	}
	/* cores: the synapse arrays grow as they are read */
	uint64_t cap_syn = 1024, cap_ax = 64;
	E->syn_tgt = malloc(cap_syn * sizeof(uint32_t));
	E->syn_w = malloc(cap_syn * sizeof(int32_t));
	E->syn_delay = malloc(cap_syn * sizeof(uint32_t));
	E->axons = malloc(cap_ax * sizeof(struct eaxon));
	if (!E->syn_tgt || !E->syn_w || !E->syn_delay || !E->axons) {
		return snn_diag_error(E->d, SNN_ENOMEM, E->path, 0, 0, "out of memory");
	}
	uint32_t placed = 0;
	uint64_t cap_k = 0, cap_ca = 0;
	for (uint32_t c = 0; c < E->n_cores; c++) {
		uint32_t chip, nc;
		if ((rc = rd32(E, &chip)) != SNN_OK || (rc = rd32(E, &nc)) != SNN_OK) {
			return rc;
		}
		if ((uint64_t)placed + nc > E->n) {
			return bad(E, "more neurons on cores than in the network");
		}
		E->core_first[c] = placed;
		for (uint32_t k = 0; k < nc; k++) {
			uint32_t x[11];
			for (int j = 0; j < 11; j++) {
				if ((rc = rd32(E, &x[j])) != SNN_OK) {
					return rc;
				}
			}
			uint32_t g = x[0];
			if (g >= E->n || E->core[g] != UINT32_MAX) {
				return bad(E, "neuron id out of range or placed twice");
			}
			struct loihi_prop *P = &E->prop[g];
			P->du = (int32_t)x[1];
			P->dv = (int32_t)x[2];
			P->vth = (int32_t)x[3];
			P->bias = (int32_t)x[4];
			P->w_exp = (int32_t)x[5];
			P->ref_steps = x[6];
			P->reset_interval = x[7];
			P->reset_offset = x[8];
			if (P->du < 0 || P->du > 4095 || P->dv < 0 || P->dv > 4095 ||
			    P->w_exp < -8 || P->w_exp > 7) {
				return bad(E, "neuron constants outside the chip's ranges");
			}
			E->u[g] = (int32_t)x[9];
			E->v[g] = (int32_t)x[10];
			E->core[g] = c;
			E->core_gid[placed++] = g;
		}
		uint64_t k0 = E->n_kerns;
		if (E->version >= 2 && (rc = load_kernels(E, c, &cap_k)) != SNN_OK) {
			return rc;
		}
		uint32_t na;
		if ((rc = rd32(E, &na)) != SNN_OK) {
			return rc;
		}
		for (uint32_t a = 0; a < na; a++) {
			struct eaxon ax = {.core = c, .first = E->n_syn};
			if ((rc = rd32(E, &ax.src)) != SNN_OK || (rc = rd32(E, &ax.n)) != SNN_OK) {
				return rc;
			}
			if (ax.src >= E->n) {
				return bad(E, "axon source out of range");
			}
			if (E->n_axons == cap_ax) {
				cap_ax *= 2;
				void *p = realloc(E->axons, cap_ax * sizeof(struct eaxon));
				if (!p) {
					return snn_diag_error(E->d, SNN_ENOMEM, E->path, 0, 0,
							      "out of memory");
				}
				E->axons = p;
			}
			E->axons[E->n_axons++] = ax;
			E->src_off[ax.src + 1]++;
			for (uint32_t s = 0; s < ax.n; s++) {
				uint32_t t, w, dl;
				if ((rc = rd32(E, &t)) != SNN_OK || (rc = rd32(E, &w)) != SNN_OK ||
				    (rc = rd32(E, &dl)) != SNN_OK) {
					return rc;
				}
				if (t >= nc || dl < 1 || dl > E->max_delay) {
					return bad(E, "synapse target or delay out of range");
				}
				if (E->n_syn == cap_syn) {
					cap_syn *= 2;
					void *p1 = realloc(E->syn_tgt, cap_syn * sizeof(uint32_t));
					if (p1) {
						E->syn_tgt = p1;
					}
					void *p2 = realloc(E->syn_w, cap_syn * sizeof(int32_t));
					if (p2) {
						E->syn_w = p2;
					}
					void *p3 =
					    realloc(E->syn_delay, cap_syn * sizeof(uint32_t));
					if (p3) {
						E->syn_delay = p3;
					}
					if (!p1 || !p2 || !p3) {
						return snn_diag_error(E->d, SNN_ENOMEM, E->path, 0,
								      0, "out of memory");
					}
				}
				E->syn_tgt[E->n_syn] = E->core_first[c] + t;
				E->syn_w[E->n_syn] = (int32_t)w;
				E->syn_delay[E->n_syn] = dl;
				E->n_syn++;
			}
		}
		if (E->version >= 2 && (rc = load_conv_axons(E, k0, &cap_ca)) != SNN_OK) {
			return rc;
		}
	}
	E->core_first[E->n_cores] = placed;
	char end[4];
	if (fread(end, 1, 4, E->f) != 4 || memcmp(end, "END!", 4) != 0) {
		return bad(E, "missing end marker");
	}
	for (uint32_t g = 0; g < E->n; g++) {
		E->src_off[g + 1] += E->src_off[g];
	}
	E->axon_of = malloc((E->n_axons ? E->n_axons : 1) * sizeof(uint64_t));
	uint64_t *pos = malloc((E->n ? E->n : 1) * sizeof(uint64_t));
	if (!E->axon_of || !pos) {
		free(pos);
		return snn_diag_error(E->d, SNN_ENOMEM, E->path, 0, 0, "out of memory");
	}
	memcpy(pos, E->src_off, E->n * sizeof(uint64_t));
	for (uint64_t a = 0; a < E->n_axons; a++) {
		E->axon_of[pos[E->axons[a].src]++] = a;
	}
	/* conv axons by source likewise */
	for (uint32_t g = 0; g < E->n; g++) {
		E->csrc_off[g + 1] += E->csrc_off[g];
	}
	E->caxon_of = malloc((E->n_caxons ? E->n_caxons : 1) * sizeof(uint64_t));
	if (!E->caxon_of) {
		free(pos);
		return snn_diag_error(E->d, SNN_ENOMEM, E->path, 0, 0, "out of memory");
	}
	memcpy(pos, E->csrc_off, E->n * sizeof(uint64_t));
	for (uint64_t a = 0; a < E->n_caxons; a++) {
		E->caxon_of[pos[E->caxons[a].src]++] = a;
	}
	free(pos);
	return SNN_OK;
}

/* Input spikes as (step, gid) lists per step (CSR over steps). */
static int load_input(struct emu *E, const char *path, uint64_t **off_out, uint32_t **gid_out)
{
	uint64_t *off = calloc(E->steps + 2, sizeof(uint64_t));
	uint32_t *gid = NULL;
	snn_spike_data *sd = NULL;
	int rc = SNN_OK;
	if (!off) {
		return snn_diag_error(E->d, SNN_ENOMEM, path, 0, 0, "out of memory");
	}
	if (path) {
		rc = snn_spike_data_read(path, &sd, E->d);
		if (rc != SNN_OK) {
			free(off);
			return rc;
		}
	}
	uint64_t total = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; sd && i < E->n_pops; i++) {
			const struct epop *p = &E->pops[i];
			const snn_spike_population *sp = snn_spike_data_find(sd, p->name);
			if (p->kind != 0 || !sp) {
				continue;
			}
			for (uint64_t k = 0; k < sp->n; k++) {
				/* a spike stamped t was emitted in step t / dt - 1 */
				double st = sp->t_ms[k] / E->dt_ms - 1.0;
				int64_t s = llround(st);
				if (fabs(st - (double)s) > 1e-6 || s < 0 ||
				    sp->node_ids[k] >= p->size) {
					rc = snn_diag_error(
					    E->d, SNN_EPARSE, path, 0, 0,
					    "population '%s': spike of node %llu at %g ms "
					    "is off the grid or outside the population",
					    p->name, (unsigned long long)sp->node_ids[k],
					    sp->t_ms[k]);
					goto out_free;
				}
				if ((uint64_t)s >= E->steps) {
					continue;
				}
				if (pass == 0) {
					off[s + 2]++;
					total++;
				} else {
					gid[off[s + 1]++] = p->first + (uint32_t)sp->node_ids[k];
				}
			}
		}
		if (pass == 0) {
			for (uint64_t s = 0; s < E->steps; s++) {
				off[s + 2] += off[s + 1];
			}
			gid = malloc((total ? total : 1) * sizeof(uint32_t));
			if (!gid) {
				rc = snn_diag_error(E->d, SNN_ENOMEM, path, 0, 0, "out of memory");
				goto out_free;
			}
		}
	}
	*off_out = off;
	*gid_out = gid;
	snn_spike_data_free(sd);
	return SNN_OK;
out_free:
	free(off);
	free(gid);
	snn_spike_data_free(sd);
	return rc;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int run(struct emu *E, const char *input, const char *out_path, FILE *report)
{
	uint32_t slots = 1;
	while (slots <= E->max_delay) {
		slots <<= 1;
	}
	uint64_t *in_off = NULL;
	uint32_t *in_gid = NULL;
	int64_t *ring = calloc((size_t)slots * (E->n ? E->n : 1), sizeof(int64_t));
	uint32_t *spk = malloc((E->n ? E->n : 1) * sizeof(uint32_t));
	double *ts = malloc((E->n ? E->n : 1) * sizeof(double));
	uint64_t *ids = malloc((E->n ? E->n : 1) * sizeof(uint64_t));
	uint32_t *pop_of = malloc((E->n ? E->n : 1) * sizeof(uint32_t));
	uint32_t *wslot = malloc((E->n_pops ? E->n_pops : 1) * sizeof(uint32_t));
	const char **names = malloc((E->n_pops ? E->n_pops : 1) * sizeof(char *));
	uint32_t *tap_out = malloc((E->max_taps ? E->max_taps : 1) * sizeof(uint32_t));
	uint32_t *tap_k = malloc((E->max_taps ? E->max_taps : 1) * sizeof(uint32_t));
	snn_spike_writer *w = NULL;
	int rc = SNN_OK;
	if (!ring || !spk || !ts || !ids || !pop_of || !wslot || !names || !tap_out || !tap_k) {
		rc = snn_diag_error(E->d, SNN_ENOMEM, NULL, 0, 0, "out of memory");
		goto out_free;
	}
	if ((rc = load_input(E, input, &in_off, &in_gid)) != SNN_OK) {
		goto out_free;
	}
	uint32_t nw = 0;
	for (uint32_t i = 0; i < E->n_pops; i++) {
		for (uint32_t k = 0; k < E->pops[i].size; k++) {
			pop_of[E->pops[i].first + k] = i;
		}
		if (E->pops[i].kind == 1) {
			wslot[i] = nw;
			names[nw++] = E->pops[i].name;
		}
	}
	char prov_sw[64];
	snprintf(prov_sw, sizeof(prov_sw), "Spikeforge snnemu (%s)", E->target);
	snn_provenance prov = {.software = prov_sw,
			       .engine = "snnemu",
			       .dt_ms = E->dt_ms,
			       .duration_ms = (double)E->steps * E->dt_ms};
	rc = snn_spike_writer_open(out_path, SNN_SPIKES_HDF5, names, nw, &prov, &w, E->d);
	if (rc != SNN_OK) {
		goto out_free;
	}
	uint64_t intercore = 0, offchip_in = 0, synops = 0, updates = 0, spikes = 0;
	for (uint64_t n = 0; n < E->steps && rc == SNN_OK; n++) {
		int64_t *slot = ring + (size_t)(n & (slots - 1)) * E->n;
		uint32_t ns = 0;
		/* input ports emit their spikes of this step */
		for (uint64_t k = in_off[n]; k < in_off[n + 1]; k++) {
			spk[ns++] = in_gid[k];
		}
		uint32_t n_in = ns;
		/* cores update their neurons in id order */
		for (uint32_t c = 0; c < E->n_cores; c++) {
			for (uint32_t k = E->core_first[c]; k < E->core_first[c + 1]; k++) {
				uint32_t g = E->core_gid[k];
				const struct loihi_prop *P = &E->prop[g];
				if (loihi_reset_due(P, n)) {
					E->u[g] = E->v[g] = 0;
					E->ref[g] = 0;
				}
				if (loihi_step(P, &E->u[g], &E->v[g], &E->ref[g], slot[g])) {
					spk[ns++] = g;
				}
				slot[g] = 0;
			}
		}
		updates += E->core_first[E->n_cores];
		/* record in id order, whatever the placement: the spike file of an
		 * image does not depend on how its network was mapped */
		qsort(spk + n_in, ns - n_in, sizeof(uint32_t), cmp_u32);
		for (uint32_t j = n_in; j < ns; j++) {
			uint32_t g = spk[j], p = pop_of[g];
			ts[0] = (double)(n + 1) * E->dt_ms;
			ids[0] = g - E->pops[p].first;
			rc = snn_spike_writer_append(w, wslot[p], ts, ids, 1, E->d);
			if (rc != SNN_OK) {
				break;
			}
		}
		spikes += ns - n_in;
		/* route every spike along its axons */
		for (uint32_t j = 0; j < ns; j++) {
			uint32_t g = spk[j];
			for (uint64_t a = E->src_off[g]; a < E->src_off[g + 1]; a++) {
				const struct eaxon *ax = &E->axons[E->axon_of[a]];
				if (j < n_in) {
					offchip_in++;
				} else if (ax->core != E->core[g]) {
					intercore++;
				}
				for (uint64_t s = ax->first; s < ax->first + ax->n; s++) {
					uint32_t t = E->core_gid[E->syn_tgt[s]];
					ring[(size_t)((n + E->syn_delay[s]) & (slots - 1)) * E->n +
					     t] += E->syn_w[s];
				}
				synops += ax->n;
			}
			/* conv axons: the kernel's taps of the source that land on
			 * the axon's core, as the expanded synapses would (zero
			 * weights are no synapse); the sums are exact integers,
			 * wrapped only when the neuron reads them, so the order of
			 * the additions cannot matter */
			for (uint64_t a = E->csrc_off[g]; a < E->csrc_off[g + 1]; a++) {
				const struct ecaxon *ax = &E->caxons[E->caxon_of[a]];
				const struct ekern *K = &E->kerns[ax->kern];
				if (j < n_in) {
					offchip_in++;
				} else if (K->core != E->core[g]) {
					intercore++;
				}
				uint32_t nt = conv_taps_of_input(&K->cv, ax->in, tap_out, tap_k);
				size_t row = (size_t)((n + K->delay) & (slots - 1)) * E->n;
				for (uint32_t t = 0; t < nt; t++) {
					uint32_t o = tap_out[t], tg = K->post_first + o;
					int32_t wt = K->w[tap_k[t]];
					if (o < K->lo || o >= K->hi || wt == 0 ||
					    E->core[tg] != K->core) {
						continue;
					}
					ring[row + tg] += wt;
					synops++;
				}
			}
		}
	}
	if (rc == SNN_OK) {
		rc = snn_spike_writer_commit(w, E->d);
	} else {
		snn_spike_writer_abort(w);
	}
	if (rc == SNN_OK && report) {
		const struct loihi_target *T = loihi_target_find(E->target);
		double st = E->steps ? (double)E->steps : 1.0;
		fprintf(report, "target              %s, %u cores\n", E->target, E->n_cores);
		fprintf(report, "steps               %llu\n", (unsigned long long)E->steps);
		fprintf(report, "spikes              %llu\n", (unsigned long long)spikes);
		fprintf(report, "inter-core spikes   %.3f per step (%llu in all)\n",
			(double)intercore / st, (unsigned long long)intercore);
		fprintf(report, "input spikes routed %.3f per step\n", (double)offchip_in / st);
		fprintf(report, "synaptic ops        %.3f per step\n", (double)synops / st);
		if (T) {
			/* cores work in parallel: the busiest core sets the pace; we
			 * bound it by the mean plus the barrier */
			double per_core = ((double)synops * T->ns_per_synop +
					   (double)updates * T->ns_per_neuron_update) /
					  st / (E->n_cores ? E->n_cores : 1);
			double pj = ((double)synops * T->pj_per_synop +
				     (double)updates * T->pj_per_neuron_update +
				     (double)intercore * T->pj_per_spike_hop) /
				    st;
			fprintf(report, "est. time per step  %.3f us (published per-op figures)\n",
				(per_core + T->ns_per_step_barrier) * 1e-3);
			fprintf(report,
				"est. energy         %.3f nJ per step, %.1f pJ per synaptic op\n",
				pj * 1e-3, T->pj_per_synop);
		}
	}
	w = NULL;
out_free:
	free(in_off);
	free(in_gid);
	free(ring);
	free(spk);
	free(ts);
	free(ids);
	free(pop_of);
	free(wslot);
	free(names);
	free(tap_out);
	free(tap_k);
	return rc;
}

int snn_loihi_run_image(const char *image_path, const char *input_path, const char *out_path,
			long steps, FILE *report, snn_diag *d)
{
	struct emu E = {.path = image_path, .d = d};
	E.f = fopen(image_path, "rb");
	if (!E.f) {
		return snn_diag_error(d, SNN_EIO, image_path, 0, 0, "cannot open the image");
	}
	int rc = load(&E);
	fclose(E.f);
	if (rc == SNN_OK) {
		if (steps > 0) {
			E.steps = (uint64_t)steps;
		}
		rc = run(&E, input_path, out_path, report);
	}
	emu_free(&E);
	return rc;
}
