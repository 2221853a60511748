/*
 * The NIR loader, part 2: infers and checks the shape of every node of the
 * graph that nir_read.c read, builds its adjacency and removes pass-through
 * nodes. Layer: sim core (loaders). Works on the graph only: no HDF5 reads,
 * no network IR.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_int.h"
#include "nir_graph_int.h"
#include "util_int.h"

/* The number of values of shape s, saturating at UINT64_MAX (eight sizes of
 * up to 2^32 can pass 2^64). */
static uint64_t shape_size_sat(const struct nir_shape *s)
{
	uint64_t n = 1;
	for (uint32_t i = 0; i < s->nd && n; i++) {
		n = s->d[i] && n > UINT64_MAX / s->d[i] ? UINT64_MAX : n * s->d[i];
	}
	return n;
}

static bool shape_eq(const struct nir_shape *a, const struct nir_shape *b)
{
	if (a->nd != b->nd) {
		return false;
	}
	for (uint32_t i = 0; i < a->nd; i++) {
		if (a->d[i] != b->d[i]) {
			return false;
		}
	}
	return true;
}

/* Equal once dimensions of size 1 are dropped. */
static bool shape_eq_squeezed(const struct nir_shape *a, const struct nir_shape *b)
{
	uint32_t i = 0, j = 0;
	for (;;) {
		while (i < a->nd && a->d[i] == 1) {
			i++;
		}
		while (j < b->nd && b->d[j] == 1) {
			j++;
		}
		if (i == a->nd || j == b->nd) {
			return i == a->nd && j == b->nd;
		}
		if (a->d[i++] != b->d[j++]) {
			return false;
		}
	}
}

/* ------------------------------------------------------------------ shapes */

static bool elementwise(const struct gnode *n)
{
	return n->kind == GK_NEURON || n->kind == GK_OUTPUT ||
	       (n->kind == GK_PASS && n->op == OP_NONE) ||
	       (n->kind == GK_OP && (n->op == OP_SCALE || n->op == OP_DELAY));
}

static uint32_t conv_out(uint32_t in, uint32_t pad, uint32_t dil, uint32_t k, uint32_t stride,
			 bool *ok)
{
	int64_t span = (int64_t)dil * (k - 1) + 1;
	int64_t x = (int64_t)in + 2 * (int64_t)pad - span;
	*ok = x >= 0;
	return x < 0 ? 0 : (uint32_t)(x / stride + 1);
}

/* Sets node b's input shape from predecessor a's output, checking that b can
 * take it, and derives b's output shape. */
static int set_input(struct ld *L, struct gnode *b, const struct gnode *a)
{
	char sa[96], sb[160];
	const struct nir_shape *s = &a->out;
	nir_shape_format(s, sa, sizeof(sa));
	b->in = *s;
	b->in_known = true;
	if (elementwise(b)) {
		b->out = *s;
		b->out_known = true;
		return SNN_OK;
	}
	if (b->op == OP_CONV) {
		uint32_t cin = (uint32_t)b->weight.dims[1] * b->groups;
		bool fits = s->nd == b->cdims + 1 && s->d[0] == cin;
		if (!fits) {
			snprintf(sb, sizeof(sb), "[%u %s]", cin, b->cdims == 1 ? "N" : "H W");
			return nir_fail(
			    L, SNN_EPARSE, b->path,
			    "shape mismatch along edge '%s' -> '%s': %s gives %s but %s "
			    "takes %s",
			    a->name, b->name, a->path, sa, b->path, sb);
		}
		if (b->cdims == 1) {
			b->input_shape[0] = 1;
			b->input_shape[1] = s->d[1];
		} else {
			b->input_shape[0] = s->d[1];
			b->input_shape[1] = s->d[2];
		}
	} else if (b->op == OP_SUMPOOL || b->op == OP_AVGPOOL) {
		if (s->nd != 3) {
			return nir_fail(
			    L, SNN_EPARSE, b->path,
			    "shape mismatch along edge '%s' -> '%s': %s gives %s but %s "
			    "takes [C H W]",
			    a->name, b->name, a->path, sa, b->path);
		}
	} else if (b->op == OP_FLATTEN) {
		/* handled below */
	} else {
		return SNN_OK; /* fixed input shape (Affine, Linear): checked on the edge */
	}
	if (b->op == OP_FLATTEN) {
		int64_t nd = s->nd, st = b->start_dim, en = b->end_dim;
		st = st < 0 ? st + nd : st;
		en = en < 0 ? en + nd : en;
		if (st < 0 || en >= nd || st > en) {
			return nir_fail(
			    L, SNN_EPARSE, b->path,
			    "Flatten from dimension %lld to %lld does not fit its input %s",
			    (long long)b->start_dim, (long long)b->end_dim, sa);
		}
		struct nir_shape o = {0, {0}};
		for (int64_t i = 0; i < st; i++) {
			o.d[o.nd++] = s->d[i];
		}
		uint64_t m = 1;
		for (int64_t i = st; i <= en; i++) {
			m = m > UINT32_MAX ? m : m * s->d[i]; /* saturates */
		}
		if (m > UINT32_MAX / 2) {
			return nir_fail(L, SNN_ERANGE, b->path,
					"Flatten of %s gives a dimension of more than %u values",
					sa, UINT32_MAX / 2);
		}
		o.d[o.nd++] = (uint32_t)m;
		for (int64_t i = en + 1; i < nd; i++) {
			o.d[o.nd++] = s->d[i];
		}
		b->out = o;
		b->out_known = true;
		return SNN_OK;
	}
	/* conv and pool outputs */
	uint32_t H = s->nd == 3 ? s->d[1] : 1, W = s->d[s->nd - 1];
	bool ok1 = true, ok2 = true;
	uint32_t oh, ow;
	if (b->pad_same) {
		oh = H;
		ow = W;
	} else {
		oh = conv_out(H, b->pad[0], b->dil[0], b->kernel[0], b->stride[0], &ok1);
		ow = conv_out(W, b->pad[1], b->dil[1], b->kernel[1], b->stride[1], &ok2);
	}
	if (!ok1 || !ok2 || oh == 0 || ow == 0) {
		return nir_fail(
		    L, SNN_EPARSE, b->path,
		    "a kernel of %ux%u (dilation %ux%u, padding %ux%u) does not fit the input "
		    "%s",
		    b->kernel[0], b->kernel[1], b->dil[0], b->dil[1], b->pad[0], b->pad[1], sa);
	}
	uint32_t c = b->op == OP_CONV ? (uint32_t)b->weight.dims[0] : s->d[0];
	b->out.nd = s->nd;
	b->out.d[0] = c;
	if (s->nd == 3) {
		b->out.d[1] = oh;
		b->out.d[2] = ow;
	} else {
		b->out.d[1] = ow;
	}
	b->out_known = true;
	return SNN_OK;
}

static int infer_shapes(struct ld *L)
{
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		if (n->in_known && !n->out_known) {
			/* input shape given (Conv input_shape, Flatten input_type):
			 * the output follows from it */
			struct gnode self = *n;
			self.out = n->in;
			int rc = set_input(L, n, &self);
			if (rc != SNN_OK) {
				return rc;
			}
		}
	}
	bool changed = true;
	while (changed) {
		changed = false;
		for (uint32_t k = 0; k < L->n_edges; k++) {
			struct gnode *a = &L->nodes[L->edges[k][0]];
			struct gnode *b = &L->nodes[L->edges[k][1]];
			if (a->out_known && !b->in_known && b->kind != GK_INPUT) {
				int rc = set_input(L, b, a);
				if (rc != SNN_OK) {
					return rc;
				}
				changed = true;
			}
			if (!a->out_known && b->in_known && elementwise(a)) {
				a->out = a->in = b->in;
				a->out_known = a->in_known = true;
				changed = true;
			}
		}
	}
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		if (n->n_pred == 0 && n->n_succ == 0) {
			continue;
		}
		if (!n->out_known || !n->in_known) {
			return nir_fail(
			    L, SNN_EPARSE, n->path,
			    "cannot infer the shape of %s node '%s': no shape in the file and "
			    "none from its neighbours",
			    n->type, n->name);
		}
		uint64_t size = shape_size_sat(&n->out);
		if (size == 0 || size > UINT32_MAX / 2) {
			char s[96];
			nir_shape_format(&n->out, s, sizeof(s));
			return nir_fail(L, SNN_EPARSE, n->path, "unusable shape %s", s);
		}
	}
	return SNN_OK;
}

/* Checks every edge: the output shape of its source is the input shape of
 * its target (up to dimensions of size 1, and to a Flatten's batch
 * convention). */
static int check_edges(struct ld *L)
{
	for (uint32_t k = 0; k < L->n_edges; k++) {
		const struct gnode *a = &L->nodes[L->edges[k][0]];
		const struct gnode *b = &L->nodes[L->edges[k][1]];
		if (shape_eq(&a->out, &b->in)) {
			continue;
		}
		char sa[96], sb[96];
		nir_shape_format(&a->out, sa, sizeof(sa));
		nir_shape_format(&b->in, sb, sizeof(sb));
		int rc = SNN_OK;
		if (shape_size_sat(&a->out) == shape_size_sat(&b->in) &&
		    shape_eq_squeezed(&a->out, &b->in)) {
			rc = nir_assume(L, b->path,
					"takes %s from '%s', which gives %s: the same values "
					"(the shapes differ in dimensions of size 1)",
					sb, a->name, sa);
		} else if (shape_size_sat(&a->out) == shape_size_sat(&b->in) &&
			   a->op == OP_FLATTEN) {
			rc = nir_assume(L, a->path,
					"Flatten gives %s but '%s' takes %s: every dimension "
					"flattened (start_dim counted a batch dimension)",
					sa, b->name, sb);
		} else {
			return nir_fail(
			    L, SNN_EPARSE, b->path,
			    "shape mismatch along edge '%s' -> '%s': %s gives %s but %s "
			    "takes %s",
			    a->name, b->name, a->path, sa, b->path, sb);
		}
		if (rc != SNN_OK) {
			return rc;
		}
	}
	return SNN_OK;
}

/* ------------------------------------------------------------------ adjacency */

static int push(uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t x)
{
	if (*n == *cap) {
		uint32_t c = *cap ? *cap * 2 : 4;
		uint32_t *p = mem_resize(*v, c, sizeof(uint32_t));
		if (!p) {
			return -1;
		}
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Fills pred and succ lists from the edges, each sorted by node index so that
 * nothing depends on the order of the edges in the file. */
static int build_adjacency(struct ld *L)
{
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		L->nodes[i].n_pred = L->nodes[i].n_succ = 0;
	}
	for (uint32_t k = 0; k < L->n_edges; k++) {
		struct gnode *a = &L->nodes[L->edges[k][0]];
		struct gnode *b = &L->nodes[L->edges[k][1]];
		if (push(&a->succ, &a->n_succ, &a->cap_succ, L->edges[k][1]) ||
		    push(&b->pred, &b->n_pred, &b->cap_pred, L->edges[k][0])) {
			return mem_nomem(L->d);
		}
	}
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		if (n->n_pred > 1) {
			qsort(n->pred, n->n_pred, sizeof(uint32_t), cmp_u32);
		}
		if (n->n_succ > 1) {
			qsort(n->succ, n->n_succ, sizeof(uint32_t), cmp_u32);
		}
	}
	return SNN_OK;
}

/* Removes pass-through nodes (Flatten, nested Input and Output): every
 * non-pass source reaching a node through them is joined to it directly. */
static int expand_sources(struct ld *L, uint32_t i, uint32_t **out, uint32_t *n, uint32_t *cap)
{
	struct gnode *p = &L->nodes[i];
	if (p->kind != GK_PASS) {
		return push(out, n, cap, i) ? mem_nomem(L->d) : SNN_OK;
	}
	if (p->expand == 1) {
		return nir_fail(L, SNN_EPARSE, p->path,
				"a cycle without a neuron on it (through '%s', a %s node)", p->name,
				p->type);
	}
	p->expand = 1;
	for (uint32_t k = 0; k < p->n_pred; k++) {
		int rc = expand_sources(L, p->pred[k], out, n, cap);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	p->expand = 0;
	return SNN_OK;
}

static int remove_pass(struct ld *L)
{
	uint32_t(*ne)[2] = NULL;
	uint32_t nn = 0, cap = 0;
	uint32_t *src = NULL, ns = 0, scap = 0;
	int rc = SNN_OK;
	for (uint32_t k = 0; k < L->n_edges && rc == SNN_OK; k++) {
		uint32_t a = L->edges[k][0], b = L->edges[k][1];
		if (L->nodes[b].kind == GK_PASS) {
			continue;
		}
		ns = 0;
		rc = expand_sources(L, a, &src, &ns, &scap);
		for (uint32_t j = 0; j < ns && rc == SNN_OK; j++) {
			if (nn == cap) {
				uint32_t c = cap ? cap * 2 : 32;
				uint32_t(*v)[2] = mem_resize(ne, (size_t)c, sizeof(*v));
				if (!v) {
					rc = mem_nomem(L->d);
					break;
				}
				ne = v;
				cap = c;
			}
			ne[nn][0] = src[j];
			ne[nn][1] = b;
			nn++;
		}
	}
	free(src);
	if (rc != SNN_OK) {
		free(ne);
		return rc;
	}
	free(L->edges);
	L->edges = ne;
	L->n_edges = nn;
	L->cap_edges = cap;
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		if (L->nodes[i].kind == GK_PASS) {
			L->nodes[i].dead = true;
		}
	}
	return build_adjacency(L);
}

/* ------------------------------------------------------------------ checks */

int nir_check_graph(struct ld *L)
{
	int rc;
	if ((rc = build_adjacency(L)) != SNN_OK || (rc = infer_shapes(L)) != SNN_OK ||
	    (rc = check_edges(L)) != SNN_OK) {
		return rc;
	}
	/* edges as written (resolved), for inspect */
	L->info->edges = mem_array(L->n_edges, sizeof(char *));
	if (!L->info->edges) {
		return mem_nomem(L->d);
	}
	for (uint32_t k = 0; k < L->n_edges; k++) {
		char e[2 * PATH_MAX_LEN];
		snprintf(e, sizeof(e), "%s -> %s", L->nodes[L->edges[k][0]].name,
			 L->nodes[L->edges[k][1]].name);
		L->info->edges[k] = mem_strdup(e);
		L->info->n_edges = k + 1;
		if (!L->info->edges[k]) {
			return mem_nomem(L->d);
		}
	}
	return remove_pass(L);
}
