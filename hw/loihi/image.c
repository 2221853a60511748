/*
 * The Loihi-class chip image's one home: image_write turns a placed network
 * (map_int.h) into the bytes that image_int.h's FORMAT DETAILS describe, and
 * image_load reads them back for the emulator, checking every field.
 * Layer: hw, internal. The reader must never trust the file: it checks each
 * count and range before it allocates or indexes with it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image_int.h"
#include "map_int.h"
#include "mem_int.h"

/* The geometry words of a kernel record, in the order of enum image_kernel:
 * the writer and the reader go through these two, so they cannot disagree. */
static void geo_to_words(const struct proj_conv *cv, uint32_t *x)
{
	x[IMAGE_KERNEL_CIN] = cv->cin;
	x[IMAGE_KERNEL_COUT] = cv->cout;
	x[IMAGE_KERNEL_GROUPS] = cv->groups;
	x[IMAGE_KERNEL_IN_H] = cv->in_h;
	x[IMAGE_KERNEL_IN_W] = cv->in_w;
	x[IMAGE_KERNEL_OUT_H] = cv->out_h;
	x[IMAGE_KERNEL_OUT_W] = cv->out_w;
	x[IMAGE_KERNEL_KH] = cv->kh;
	x[IMAGE_KERNEL_KW] = cv->kw;
	x[IMAGE_KERNEL_STRIDE_H] = cv->stride_h;
	x[IMAGE_KERNEL_STRIDE_W] = cv->stride_w;
	x[IMAGE_KERNEL_PAD_H] = cv->pad_h;
	x[IMAGE_KERNEL_PAD_W] = cv->pad_w;
	x[IMAGE_KERNEL_DIL_H] = cv->dil_h;
	x[IMAGE_KERNEL_DIL_W] = cv->dil_w;
}

static void geo_from_words(const uint32_t *x, struct proj_conv *cv)
{
	cv->cin = x[IMAGE_KERNEL_CIN];
	cv->cout = x[IMAGE_KERNEL_COUT];
	cv->groups = x[IMAGE_KERNEL_GROUPS];
	cv->in_h = x[IMAGE_KERNEL_IN_H];
	cv->in_w = x[IMAGE_KERNEL_IN_W];
	cv->out_h = x[IMAGE_KERNEL_OUT_H];
	cv->out_w = x[IMAGE_KERNEL_OUT_W];
	cv->kh = x[IMAGE_KERNEL_KH];
	cv->kw = x[IMAGE_KERNEL_KW];
	cv->stride_h = x[IMAGE_KERNEL_STRIDE_H];
	cv->stride_w = x[IMAGE_KERNEL_STRIDE_W];
	cv->pad_h = x[IMAGE_KERNEL_PAD_H];
	cv->pad_w = x[IMAGE_KERNEL_PAD_W];
	cv->dil_h = x[IMAGE_KERNEL_DIL_H];
	cv->dil_w = x[IMAGE_KERNEL_DIL_W];
}

/* ---------------------------------------------------------------- writer */

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

/* A record of n words. */
static void wrec(FILE *f, const uint32_t *x, int n)
{
	for (int j = 0; j < n; j++) {
		w32(f, x[j]);
	}
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
			uint32_t x[IMAGE_KERNEL_WORDS];
			geo_to_words(cv, x);
			x[IMAGE_KERNEL_PRE_FIRST] = K->pre_first;
			x[IMAGE_KERNEL_POST_FIRST] = K->post_first;
			x[IMAGE_KERNEL_LO] = lo[k];
			x[IMAGE_KERNEL_HI] = hi[k];
			x[IMAGE_KERNEL_DELAY] = K->delay;
			x[IMAGE_KERNEL_N_W] = (uint32_t)K->n_w;
			wrec(f, x, IMAGE_KERNEL_WORDS);
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
			uint32_t x[IMAGE_AXON_WORDS];
			x[IMAGE_AXON_SRC] = M->syn[a].src;
			x[IMAGE_AXON_N] = (uint32_t)n;
			wrec(f, x, IMAGE_AXON_WORDS);
			for (uint64_t k = a; k < b; k++) {
				if (!M->share || M->syn[k].kern == UINT32_MAX) {
					uint32_t y[IMAGE_SYN_WORDS];
					y[IMAGE_SYN_TGT] = local[M->syn[k].tgt];
					y[IMAGE_SYN_W] = (uint32_t)M->syn[k].w;
					y[IMAGE_SYN_DELAY] = M->syn[k].delay;
					wrec(f, y, IMAGE_SYN_WORDS);
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
		uint32_t x[IMAGE_CAXON_WORDS];
		x[IMAGE_CAXON_SRC] = y->src;
		x[IMAGE_CAXON_KERN] = kloc[y->kern];
		x[IMAGE_CAXON_CH] = i / plane;
		x[IMAGE_CAXON_Y] = (i % plane) / K->cv->in_w;
		x[IMAGE_CAXON_X] = i % K->cv->in_w;
		wrec(f, x, IMAGE_CAXON_WORDS);
	}
}

int image_write(const struct cmap *M, const char *path)
{
	const snn_net *net = M->net;
	char *tmp = mem_alloc(strlen(path) + 32);
	uint32_t *local = mem_array_raw(M->n, sizeof(uint32_t));
	uint32_t *ncore = mem_array(M->n_cores, sizeof(uint32_t));
	uint32_t *kscr = mem_array_raw(3 * (size_t)M->n_kern, sizeof(uint32_t));
	int rc = SNN_OK;
	if (!tmp || !local || !ncore || !kscr) {
		rc = mem_nomem(M->d);
		goto out_free;
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
	fwrite(LOIHI_IMAGE_MAGIC, 1, LOIHI_IMAGE_MAGIC_BYTES, f);
	w32(f, M->share ? LOIHI_IMAGE_VERSION : 1u);
	char tname[LOIHI_IMAGE_TARGET_BYTES] = {0};
	strncpy(tname, M->T->name, sizeof(tname) - 1);
	fwrite(tname, 1, sizeof(tname), f);
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
			uint32_t x[IMAGE_NEURON_WORDS];
			x[IMAGE_NEURON_ID] = g;
			x[IMAGE_NEURON_DU] = (uint32_t)P->du;
			x[IMAGE_NEURON_DV] = (uint32_t)P->dv;
			x[IMAGE_NEURON_VTH] = (uint32_t)P->vth;
			x[IMAGE_NEURON_BIAS] = (uint32_t)P->bias;
			x[IMAGE_NEURON_W_EXP] = (uint32_t)P->w_exp;
			x[IMAGE_NEURON_REF_STEPS] = P->ref_steps;
			x[IMAGE_NEURON_RESET_INTERVAL] = P->reset_interval;
			x[IMAGE_NEURON_RESET_OFFSET] = P->reset_offset;
			x[IMAGE_NEURON_U0] = (uint32_t)M->u0[g];
			x[IMAGE_NEURON_V0] = (uint32_t)M->v0[g];
			wrec(f, x, IMAGE_NEURON_WORDS);
		}
		uint64_t e0 = e;
		while (e < M->n_syn && M->core[M->syn[e].tgt] == c) {
			e++;
		}
		write_core_synapses(M, f, e0, e, local, kscr);
	}
	fwrite(LOIHI_IMAGE_END, 1, LOIHI_IMAGE_END_BYTES, f);
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
	mem_free(tmp);
	mem_free(local);
	mem_free(ncore);
	mem_free(kscr);
	return rc;
}

/* ---------------------------------------------------------------- reader */

static int rd32(struct image *E, uint32_t *x)
{
	unsigned char b[4];
	if (fread(b, 1, 4, E->f) != 4) {
		return snn_diag_error(E->d, SNN_EPARSE, E->path, 0, 0,
				      "corrupt image: truncated (at byte %ld)", ftell(E->f));
	}
	*x = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	return SNN_OK;
}

static int rd64(struct image *E, uint64_t *x)
{
	uint32_t lo = 0, hi = 0;
	int rc = rd32(E, &lo);
	if (rc == SNN_OK) {
		rc = rd32(E, &hi);
	}
	*x = (uint64_t)hi << 32 | lo;
	return rc;
}

/* A record of n words. */
static int rdrec(struct image *E, uint32_t *x, int n)
{
	for (int j = 0; j < n; j++) {
		int rc = rd32(E, &x[j]);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	return SNN_OK;
}

static int bad(struct image *E, const char *what)
{
	return snn_diag_error(E->d, SNN_EPARSE, E->path, 0, 0, "corrupt image: %s (at byte %ld)",
			      what, ftell(E->f));
}

/* Whether the rest of the file holds n words, checked before memory is
 * allocated for them. When it does not, the message is the one reading them
 * would give: truncated at the end of the file. */
static int need_words(struct image *E, uint64_t n)
{
	long at = ftell(E->f);
	if (E->size == UINT64_MAX || at < 0 || n <= (E->size - (uint64_t)at) / 4) {
		return SNN_OK;
	}
	return snn_diag_error(E->d, SNN_EPARSE, E->path, 0, 0,
			      "corrupt image: truncated (at byte %llu)",
			      (unsigned long long)E->size);
}

void image_free(struct image *E)
{
	for (uint32_t i = 0; E->pops && i < E->n_pops; i++) {
		mem_free(E->pops[i].name);
	}
	mem_free(E->pops);
	mem_free(E->prop);
	mem_free(E->u);
	mem_free(E->v);
	mem_free(E->ref);
	mem_free(E->core);
	mem_free(E->core_first);
	mem_free(E->core_gid);
	mem_free(E->axons);
	mem_free(E->src_off);
	mem_free(E->axon_of);
	mem_free(E->syn_tgt);
	mem_free(E->syn_w);
	mem_free(E->syn_delay);
	for (uint64_t k = 0; E->kerns && k < E->n_kerns; k++) {
		mem_free(E->kerns[k].w);
	}
	mem_free(E->kerns);
	mem_free(E->caxons);
	mem_free(E->csrc_off);
	mem_free(E->caxon_of);
}

/* Capacities of the arrays that grow as the cores are read. */
struct caps {
	size_t syn_tgt, syn_w, syn_delay, axons, kerns, caxons;
};

/* The header, up to the populations. */
static int read_header(struct image *E)
{
	char magic[LOIHI_IMAGE_MAGIC_BYTES];
	uint32_t ver;
	int rc;
	if (fread(magic, 1, sizeof(magic), E->f) != sizeof(magic) ||
	    memcmp(magic, LOIHI_IMAGE_MAGIC, sizeof(magic)) != 0) {
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
	if (fread(E->target, 1, LOIHI_IMAGE_TARGET_BYTES, E->f) != LOIHI_IMAGE_TARGET_BYTES) {
		return bad(E, "truncated header");
	}
	uint64_t dtbits;
	if ((rc = rd64(E, &dtbits)) != SNN_OK || (rc = rd64(E, &E->steps)) != SNN_OK ||
	    (rc = rd32(E, &E->n_pops)) != SNN_OK || (rc = rd32(E, &E->n)) != SNN_OK ||
	    (rc = rd32(E, &E->n_cores)) != SNN_OK || (rc = rd32(E, &E->max_delay)) != SNN_OK) {
		return rc;
	}
	memcpy(&E->dt_ms, &dtbits, 8);
	if (!(E->dt_ms > 0) || E->n_pops > LOIHI_IMAGE_MAX_POPS ||
	    E->max_delay > LOIHI_IMAGE_MAX_DELAY || E->n_cores > E->n + 1) {
		return bad(E, "implausible header");
	}
	return SNN_OK;
}

/* The arrays sized by the header (every count in it is bounded by now). */
static int alloc_arrays(struct image *E)
{
	size_t nn = E->n;
	E->pops = mem_array(E->n_pops, sizeof(struct epop));
	E->prop = mem_array(nn, sizeof(struct loihi_prop));
	E->u = mem_array(nn, sizeof(int32_t));
	E->v = mem_array(nn, sizeof(int32_t));
	E->ref = mem_array(nn, sizeof(uint32_t));
	E->core = mem_array_raw(nn, sizeof(uint32_t));
	E->core_first = mem_array((size_t)E->n_cores + 1, sizeof(uint32_t));
	E->core_gid = mem_array_raw(nn, sizeof(uint32_t));
	E->src_off = mem_array(nn + 1, sizeof(uint64_t));
	E->csrc_off = mem_array(nn + 1, sizeof(uint64_t));
	if (!E->pops || !E->prop || !E->u || !E->v || !E->ref || !E->core || !E->core_first ||
	    !E->core_gid || !E->src_off || !E->csrc_off) {
		return mem_nomem(E->d);
	}
	for (uint32_t g = 0; g < E->n; g++) {
		E->core[g] = UINT32_MAX;
	}
	return SNN_OK;
}

static int read_pops(struct image *E)
{
	int rc;
	for (uint32_t i = 0; i < E->n_pops; i++) {
		struct epop *p = &E->pops[i];
		uint32_t len;
		if ((rc = rd32(E, &len)) != SNN_OK) {
			return rc;
		}
		if (len > LOIHI_IMAGE_MAX_NAME) {
			return bad(E, "population name too long");
		}
		p->name = mem_array((size_t)len + 1, 1);
		if (!p->name) {
			return mem_nomem(E->d);
		}
		if (fread(p->name, 1, len, E->f) != len || (rc = rd32(E, &p->first)) != SNN_OK ||
		    (rc = rd32(E, &p->size)) != SNN_OK || (rc = rd32(E, &p->kind)) != SNN_OK) {
			return rc != SNN_OK ? rc : bad(E, "truncated population");
		}
		if ((uint64_t)p->first + p->size > E->n) {
			return bad(E, "population outside the neuron range");
		}
	}
	return SNN_OK;
}

/* The nc neuron records of core c; *placed counts the neurons of all cores. */
static int read_neurons(struct image *E, uint32_t c, uint32_t nc, uint32_t *placed)
{
	for (uint32_t k = 0; k < nc; k++) {
		uint32_t x[IMAGE_NEURON_WORDS];
		int rc = rdrec(E, x, IMAGE_NEURON_WORDS);
		if (rc != SNN_OK) {
			return rc;
		}
		uint32_t g = x[IMAGE_NEURON_ID];
		if (g >= E->n || E->core[g] != UINT32_MAX) {
			return bad(E, "neuron id out of range or placed twice");
		}
		struct loihi_prop *P = &E->prop[g];
		P->du = (int32_t)x[IMAGE_NEURON_DU];
		P->dv = (int32_t)x[IMAGE_NEURON_DV];
		P->vth = (int32_t)x[IMAGE_NEURON_VTH];
		P->bias = (int32_t)x[IMAGE_NEURON_BIAS];
		P->w_exp = (int32_t)x[IMAGE_NEURON_W_EXP];
		P->ref_steps = x[IMAGE_NEURON_REF_STEPS];
		P->reset_interval = x[IMAGE_NEURON_RESET_INTERVAL];
		P->reset_offset = x[IMAGE_NEURON_RESET_OFFSET];
		if (P->du < 0 || P->du > LOIHI_IMAGE_MAX_DECAY || P->dv < 0 ||
		    P->dv > LOIHI_IMAGE_MAX_DECAY || P->w_exp < LOIHI_IMAGE_MIN_W_EXP ||
		    P->w_exp > LOIHI_IMAGE_MAX_W_EXP) {
			return bad(E, "neuron constants outside the chip's ranges");
		}
		E->u[g] = (int32_t)x[IMAGE_NEURON_U0];
		E->v[g] = (int32_t)x[IMAGE_NEURON_V0];
		E->core[g] = c;
		E->core_gid[(*placed)++] = g;
	}
	return SNN_OK;
}

/* Checks kernel K's record x (its geometry already in K->cv). */
static int check_kernel(struct image *E, struct ekern *K, const uint32_t *x)
{
	const struct proj_conv *cv = &K->cv;
	bool ok = true;
	for (int j = 0; j < IMAGE_KERNEL_GEO_WORDS; j++) {
		/* every size, stride and dilation >= 1 (pads may be 0) */
		ok &= x[j] <= LOIHI_IMAGE_MAX_CONV_SIZE &&
		      (x[j] >= 1 || j == IMAGE_KERNEL_PAD_H || j == IMAGE_KERNEL_PAD_W);
	}
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
	uint64_t b = a <= LOIHI_IMAGE_MAX_KERNEL_WEIGHTS ? a * cv->kh : UINT64_MAX;
	K->n_w = b <= LOIHI_IMAGE_MAX_KERNEL_WEIGHTS ? b * cv->kw : UINT64_MAX;
	if (K->n_w > LOIHI_IMAGE_MAX_KERNEL_WEIGHTS || x[IMAGE_KERNEL_N_W] != K->n_w) {
		return bad(E, "kernel weight count does not match its geometry");
	}
	return SNN_OK;
}

/* The shared kernels of core c (version 2), checked against the network. */
static int read_kernels(struct image *E, uint32_t c, struct caps *cap)
{
	uint32_t nk;
	int rc = rd32(E, &nk);
	if (rc != SNN_OK) {
		return rc;
	}
	for (uint32_t k = 0; k < nk; k++) {
		uint32_t x[IMAGE_KERNEL_WORDS];
		if ((rc = rdrec(E, x, IMAGE_KERNEL_WORDS)) != SNN_OK) {
			return rc;
		}
		if (mem_grow((void **)&E->kerns, &cap->kerns, E->n_kerns + 1,
			     sizeof(struct ekern)) != SNN_OK) {
			return mem_nomem(E->d);
		}
		struct ekern *K = &E->kerns[E->n_kerns++];
		memset(K, 0, sizeof(*K));
		geo_from_words(x, &K->cv);
		K->pre_first = x[IMAGE_KERNEL_PRE_FIRST];
		K->post_first = x[IMAGE_KERNEL_POST_FIRST];
		K->lo = x[IMAGE_KERNEL_LO];
		K->hi = x[IMAGE_KERNEL_HI];
		K->delay = x[IMAGE_KERNEL_DELAY];
		K->core = c;
		if ((rc = check_kernel(E, K, x)) != SNN_OK ||
		    (rc = need_words(E, K->n_w)) != SNN_OK) {
			return rc;
		}
		K->w = mem_array_raw(K->n_w, sizeof(int32_t));
		if (!K->w) {
			return mem_nomem(E->d);
		}
		for (uint64_t j = 0; j < K->n_w; j++) {
			uint32_t w;
			if ((rc = rd32(E, &w)) != SNN_OK) {
				return rc;
			}
			K->w[j] = (int32_t)w;
		}
	}
	return SNN_OK;
}

/* The expanded axons of core c with nc neurons. */
static int read_axons(struct image *E, uint32_t c, uint32_t nc, struct caps *cap)
{
	uint32_t na;
	int rc = rd32(E, &na);
	if (rc != SNN_OK) {
		return rc;
	}
	for (uint32_t a = 0; a < na; a++) {
		uint32_t x[IMAGE_AXON_WORDS];
		if ((rc = rdrec(E, x, IMAGE_AXON_WORDS)) != SNN_OK) {
			return rc;
		}
		struct eaxon ax = {
		    .src = x[IMAGE_AXON_SRC], .n = x[IMAGE_AXON_N], .core = c, .first = E->n_syn};
		if (ax.src >= E->n) {
			return bad(E, "axon source out of range");
		}
		if (mem_grow((void **)&E->axons, &cap->axons, E->n_axons + 1,
			     sizeof(struct eaxon)) != SNN_OK) {
			return mem_nomem(E->d);
		}
		E->axons[E->n_axons++] = ax;
		E->src_off[ax.src + 1]++;
		for (uint32_t s = 0; s < ax.n; s++) {
			uint32_t y[IMAGE_SYN_WORDS];
			if ((rc = rdrec(E, y, IMAGE_SYN_WORDS)) != SNN_OK) {
				return rc;
			}
			uint32_t t = y[IMAGE_SYN_TGT], dl = y[IMAGE_SYN_DELAY];
			if (t >= nc || dl < 1 || dl > E->max_delay) {
				return bad(E, "synapse target or delay out of range");
			}
			size_t need = E->n_syn + 1;
			if (mem_grow((void **)&E->syn_tgt, &cap->syn_tgt, need, sizeof(uint32_t)) ||
			    mem_grow((void **)&E->syn_w, &cap->syn_w, need, sizeof(int32_t)) ||
			    mem_grow((void **)&E->syn_delay, &cap->syn_delay, need,
				     sizeof(uint32_t))) {
				return mem_nomem(E->d);
			}
			E->syn_tgt[E->n_syn] = E->core_first[c] + t;
			E->syn_w[E->n_syn] = (int32_t)y[IMAGE_SYN_W];
			E->syn_delay[E->n_syn] = dl;
			E->n_syn++;
		}
	}
	return SNN_OK;
}

/* The conv axons of a core (version 2); its kernels start at kernel k0. */
static int read_conv_axons(struct image *E, uint64_t k0, struct caps *cap)
{
	uint32_t na;
	int rc = rd32(E, &na);
	if (rc != SNN_OK) {
		return rc;
	}
	for (uint32_t a = 0; a < na; a++) {
		uint32_t x[IMAGE_CAXON_WORDS];
		if ((rc = rdrec(E, x, IMAGE_CAXON_WORDS)) != SNN_OK) {
			return rc;
		}
		uint32_t src = x[IMAGE_CAXON_SRC], kern = x[IMAGE_CAXON_KERN];
		if (src >= E->n) {
			return bad(E, "conv axon source out of range");
		}
		if (kern >= E->n_kerns - k0) {
			return bad(E, "conv axon kernel reference out of range");
		}
		const struct ekern *K = &E->kerns[k0 + kern];
		uint32_t ch = x[IMAGE_CAXON_CH], y = x[IMAGE_CAXON_Y], xx = x[IMAGE_CAXON_X];
		if (ch >= K->cv.cin || y >= K->cv.in_h || xx >= K->cv.in_w) {
			return bad(E, "conv axon position outside its kernel's input");
		}
		uint32_t in = (ch * K->cv.in_h + y) * K->cv.in_w + xx;
		if ((uint64_t)K->pre_first + in != src) {
			return bad(E, "conv axon position does not match its source");
		}
		if (mem_grow((void **)&E->caxons, &cap->caxons, E->n_caxons + 1,
			     sizeof(struct ecaxon)) != SNN_OK) {
			return mem_nomem(E->d);
		}
		E->caxons[E->n_caxons++] = (struct ecaxon){src, (uint32_t)(k0 + kern), in};
		E->csrc_off[src + 1]++;
	}
	return SNN_OK;
}

/* Every core record, then the end marker. */
static int read_cores(struct image *E)
{
	struct caps cap = {0};
	uint32_t placed = 0;
	int rc;
	for (uint32_t c = 0; c < E->n_cores; c++) {
		uint32_t chip, nc;
		if ((rc = rd32(E, &chip)) != SNN_OK || (rc = rd32(E, &nc)) != SNN_OK) {
			return rc;
		}
		if ((uint64_t)placed + nc > E->n) {
			return bad(E, "more neurons on cores than in the network");
		}
		E->core_first[c] = placed;
		if ((rc = read_neurons(E, c, nc, &placed)) != SNN_OK) {
			return rc;
		}
		uint64_t k0 = E->n_kerns;
		if (E->version >= 2 && (rc = read_kernels(E, c, &cap)) != SNN_OK) {
			return rc;
		}
		if ((rc = read_axons(E, c, nc, &cap)) != SNN_OK) {
			return rc;
		}
		if (E->version >= 2 && (rc = read_conv_axons(E, k0, &cap)) != SNN_OK) {
			return rc;
		}
	}
	E->core_first[E->n_cores] = placed;
	char end[LOIHI_IMAGE_END_BYTES];
	if (fread(end, 1, sizeof(end), E->f) != sizeof(end) ||
	    memcmp(end, LOIHI_IMAGE_END, sizeof(end)) != 0) {
		return bad(E, "missing end marker");
	}
	return SNN_OK;
}

/* The axons and the conv axons indexed by source (CSR: src_off, axon_of;
 * csrc_off, caxon_of), from the per-source counts read with them. */
static int index_axons(struct image *E)
{
	for (uint32_t g = 0; g < E->n; g++) {
		E->src_off[g + 1] += E->src_off[g];
		E->csrc_off[g + 1] += E->csrc_off[g];
	}
	E->axon_of = mem_array_raw(E->n_axons, sizeof(uint64_t));
	E->caxon_of = mem_array_raw(E->n_caxons, sizeof(uint64_t));
	uint64_t *pos = mem_array_raw(E->n, sizeof(uint64_t));
	if (!E->axon_of || !E->caxon_of || !pos) {
		mem_free(pos);
		return mem_nomem(E->d);
	}
	memcpy(pos, E->src_off, (size_t)E->n * sizeof(uint64_t));
	for (uint64_t a = 0; a < E->n_axons; a++) {
		E->axon_of[pos[E->axons[a].src]++] = a;
	}
	memcpy(pos, E->csrc_off, (size_t)E->n * sizeof(uint64_t));
	for (uint64_t a = 0; a < E->n_caxons; a++) {
		E->caxon_of[pos[E->caxons[a].src]++] = a;
	}
	mem_free(pos);
	return SNN_OK;
}

int image_load(struct image *E, const char *path, snn_diag *d)
{
	E->path = path;
	E->d = d;
	E->f = fopen(path, "rb");
	if (!E->f) {
		return snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot open the image");
	}
	long end = -1;
	if (fseek(E->f, 0, SEEK_END) == 0) {
		end = ftell(E->f);
	}
	E->size = end >= 0 && fseek(E->f, 0, SEEK_SET) == 0 ? (uint64_t)end : UINT64_MAX;
	int rc = read_header(E);
	if (rc == SNN_OK) {
		rc = alloc_arrays(E);
	}
	if (rc == SNN_OK) {
		rc = read_pops(E);
	}
	if (rc == SNN_OK) {
		rc = read_cores(E);
	}
	if (rc == SNN_OK) {
		rc = index_axons(E);
	}
	fclose(E->f);
	E->f = NULL;
	return rc;
}
