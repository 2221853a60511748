/*
 * The NIR loader, part 3: lowers the checked graph to the network IR. Neuron
 * nodes become populations; linear nodes between them become projections
 * (convolutions and pooling structured); a linear node whose output feeds
 * another linear node becomes a relay population. doc/nir.md describes it.
 * Layer: sim core (loaders). Reads nothing from the file.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect_int.h"
#include "mem_int.h"
#include "nir_graph_int.h"

/* Interned origin "file:path" for elements of the IR. */
static struct origin origin_of(struct ld *L, const char *path)
{
	char where[PATH_MAX_LEN + 512];
	snprintf(where, sizeof(where), "%s:%s", L->file, path);
	return (struct origin){net_intern_file(L->net, where), 0, 0};
}
/* ------------------------------------------------------------------ lowering */

static bool is_spiking_model(enum model_id m)
{
	return m == MODEL_NIR_LIF || m == MODEL_NIR_IF || m == MODEL_NIR_CUBA_LIF ||
	       m == MODEL_NIR_THRESHOLD;
}

/* Decides which nodes become populations: inputs, neurons, a linear node that
 * feeds another linear node (a relay), an Output that does not observe a
 * single population. */
static int choose_populations(struct ld *L)
{
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		if (n->dead) {
			continue;
		}
		if (n->kind == GK_OUTPUT && n->n_succ) {
			return nir_fail(L, SNN_EPARSE, n->path,
					"an Output node with outgoing edges");
		}
		if (n->kind == GK_OP && n->n_succ == 0) {
			int rc = nir_assume(L, n->path, "%s node '%s' feeds nothing: ignored",
					    n->type, n->name);
			if (rc != SNN_OK) {
				return rc;
			}
			n->dead = true;
			continue;
		}
		if (n->kind == GK_NEURON && n->n_pred == 0 && n->n_succ == 0) {
			int rc = nir_assume(L, n->path, "%s node '%s' has no edges: ignored",
					    n->type, n->name);
			if (rc != SNN_OK) {
				return rc;
			}
			n->dead = true;
			continue;
		}
		n->is_pop = n->kind == GK_INPUT || n->kind == GK_NEURON;
		if (n->kind == GK_OP) {
			n->is_pop = n->n_pred == 0;
			for (uint32_t k = 0; k < n->n_succ; k++) {
				n->is_pop |= L->nodes[n->succ[k]].kind == GK_OP;
			}
		}
	}
	/* outputs, once every relay is known */
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		if (!n->dead && n->kind == GK_OUTPUT) {
			n->is_pop = !(n->n_pred == 1 && L->nodes[n->pred[0]].is_pop);
		}
	}
	return SNN_OK;
}

static int add_link(struct ld *L, uint32_t from, uint32_t to, int32_t op, bool bias)
{
	if (L->n_links == L->cap_links) {
		uint32_t c = L->cap_links ? L->cap_links * 2 : 32;
		struct link *v = mem_resize(L->links, (size_t)c, sizeof(*v));
		if (!v) {
			return mem_nomem(L->d);
		}
		L->links = v;
		L->cap_links = c;
	}
	L->links[L->n_links++] = (struct link){from, to, op, bias, false};
	return SNN_OK;
}

/* The projections between populations: into a relay through its own linear
 * node, into anything else directly or through an inlined linear node. */
static int make_links(struct ld *L)
{
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *s = &L->nodes[i];
		if (s->dead || !s->is_pop || s->kind == GK_INPUT) {
			continue;
		}
		bool own_op = s->kind == GK_OP;
		for (uint32_t k = 0; k < s->n_pred; k++) {
			uint32_t y = s->pred[k];
			const struct gnode *Y = &L->nodes[y];
			int rc;
			if (Y->dead) {
				continue;
			}
			if (own_op) {
				rc = add_link(L, y, i, (int32_t)i, k == 0);
			} else if (Y->is_pop) {
				rc = add_link(L, y, i, -1, false);
			} else {
				rc = SNN_OK;
				for (uint32_t q = 0; q < Y->n_pred && rc == SNN_OK; q++) {
					rc = add_link(L, Y->pred[q], i, (int32_t)y, q == 0);
				}
				if (Y->n_pred == 0) {
					rc =
					    nir_fail(L, SNN_EPARSE, Y->path,
						     "%s node '%s' has no input", Y->type, Y->name);
				}
			}
			if (rc != SNN_OK) {
				return rc;
			}
		}
	}
	return SNN_OK;
}

/* Depth-first search over the populations from the inputs: reverse postorder
 * is the update order; a link to a population on the stack closes a cycle,
 * which must contain a neuron. */
static int dfs(struct ld *L, uint32_t u, uint32_t *stack, uint32_t depth)
{
	struct gnode *U = &L->nodes[u];
	U->dfs = 1;
	stack[depth] = u;
	for (uint32_t k = 0; k < L->n_links; k++) {
		struct link *l = &L->links[k];
		if (l->from != u) {
			continue;
		}
		struct gnode *V = &L->nodes[l->to];
		if (V->dfs == 1) {
			l->back = true;
			bool neuron = false;
			uint32_t start = depth;
			while (stack[start] != l->to) {
				start--;
			}
			for (uint32_t j = start; j <= depth; j++) {
				const struct gnode *c = &L->nodes[stack[j]];
				neuron |= c->kind == GK_NEURON && c->model != MODEL_NIR_THRESHOLD;
			}
			if (!neuron) {
				char cyc[768] = "";
				size_t used = 0;
				for (uint32_t j = start; j <= depth && used < sizeof(cyc); j++) {
					used += (size_t)snprintf(cyc + used, sizeof(cyc) - used,
								 "%s -> ", L->nodes[stack[j]].path);
				}
				if (used < sizeof(cyc)) {
					snprintf(cyc + used, sizeof(cyc) - used, "%s", V->path);
				}
				return nir_fail(L, SNN_EPARSE, V->path,
						"a cycle without a neuron on it: %s", cyc);
			}
		} else if (V->dfs == 0) {
			int rc = dfs(L, l->to, stack, depth + 1);
			if (rc != SNN_OK) {
				return rc;
			}
		}
	}
	U->dfs = 2;
	L->order[L->n_order++] = u;
	return SNN_OK;
}

static int order_populations(struct ld *L)
{
	uint32_t npop = 0;
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		npop += !L->nodes[i].dead && L->nodes[i].is_pop;
	}
	L->order = mem_array(npop + 1, sizeof(uint32_t));
	uint32_t *stack = mem_array(npop + 1, sizeof(uint32_t));
	int rc = SNN_OK;
	if (!L->order || !stack) {
		rc = mem_nomem(L->d);
		goto out;
	}
	/* inputs first, then anything not reached from them */
	for (int pass = 0; pass < 2 && rc == SNN_OK; pass++) {
		for (uint32_t i = 0; i < L->n_nodes && rc == SNN_OK; i++) {
			const struct gnode *n = &L->nodes[i];
			if (!n->dead && n->is_pop && n->dfs == 0 &&
			    (pass == 1 || n->kind == GK_INPUT)) {
				rc = dfs(L, i, stack, 0);
			}
		}
	}
	/* reverse postorder */
	for (uint32_t a = 0, b = L->n_order; rc == SNN_OK && b > a + 1; a++, b--) {
		uint32_t t = L->order[a];
		L->order[a] = L->order[b - 1];
		L->order[b - 1] = t;
	}
out:
	free(stack);
	return rc;
}

/* Fills a parameter value from an array (broadcast when it holds one value). */
static int fill_param(struct ld *L, struct value *v, const struct arr *a, uint32_t size,
		      double scale)
{
	v->kind = VALUE_CONST;
	v->a = a->v[0] * scale;
	bool same = true;
	for (uint64_t i = 1; i < a->n; i++) {
		same &= a->v[i] == a->v[0];
	}
	if (same) {
		return SNN_OK;
	}
	v->kind = VALUE_ARRAY;
	v->n = size;
	v->arr = mem_array_raw((size_t)size, sizeof(double));
	if (!v->arr) {
		return mem_nomem(L->d);
	}
	for (uint32_t i = 0; i < size; i++) {
		v->arr[i] = a->v[i] * scale;
	}
	return SNN_OK;
}

static int make_population(struct ld *L, uint32_t ni)
{
	struct gnode *n = &L->nodes[ni];
	struct population *p = net_add_population(L->net);
	if (!p) {
		return mem_nomem(L->d);
	}
	n->pop = (int)(L->net->n_pops - 1);
	enum model_id m = n->kind == GK_INPUT	 ? MODEL_NIR_INPUT
			  : n->kind == GK_NEURON ? n->model
						 : MODEL_NIR_RELAY;
	p->model = model_get(m);
	p->name = mem_strdup(n->name);
	const struct nir_shape *sh = n->kind == GK_OUTPUT ? &n->in : &n->out;
	p->size = (uint32_t)nir_shape_size(sh);
	p->where = origin_of(L, n->path);
	p->params = mem_array(NIR_N_PARAMS, sizeof(struct value));
	p->init = mem_array(NIR_N_STATE, sizeof(struct value));
	if (!p->name || !p->params || !p->init || !p->where.file) {
		return mem_nomem(L->d);
	}
	for (int k = 0; k < NIR_N_PARAMS; k++) {
		p->params[k].kind = VALUE_CONST;
		p->params[k].a = p->model->params[k].def;
		p->params[k].lo = -INFINITY;
		p->params[k].hi = INFINITY;
		p->params[k].where = p->where;
	}
	for (int k = 0; k < NIR_N_STATE; k++) {
		p->init[k].kind = VALUE_CONST;
		p->init[k].a = NAN;
	}
	if (n->kind != GK_NEURON) {
		return SNN_OK;
	}
	for (int k = 0; k < NIR_N_PARAMS; k++) {
		const struct arr *a = &n->prm[k];
		if (!model_accepts_param(p->model, k)) {
			continue;
		}
		if (!a->present) {
			p->params[k].a = 0.0; /* v_reset absent: 0 (checked below) */
			if (k == NIR_W_IN) {
				p->params[k].a = 1.0;
			}
			continue;
		}
		char dp[PATH_MAX_LEN];
		nir_join(dp, n->path, p->model->params[k].name);
		if (a->n != 1 && a->n != p->size) {
			return nir_fail(L, SNN_EPARSE, dp, "%llu values for a layer of %u neurons",
					(unsigned long long)a->n, p->size);
		}
		bool is_time = k == NIR_TAU_MEM || k == NIR_TAU_SYN;
		for (uint64_t i = 0; is_time && i < a->n; i++) {
			if (!(a->v[i] > 0)) {
				return nir_fail(L, SNN_EPARSE, dp,
						"time constants must be positive (got %g "
						"s at element %llu)",
						a->v[i], (unsigned long long)i);
			}
		}
		int rc = fill_param(L, &p->params[k], a, p->size, is_time ? 1e3 : 1.0);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	bool spiking = is_spiking_model(m) && m != MODEL_NIR_THRESHOLD;
	bool strict =
	    L->opt.reset == SNN_NIR_RESET_SUBTRACT || L->opt.spikes == SNN_NIR_SPIKES_MULTIPLE;
	for (uint32_t i = 0; spiking && strict && i < p->size; i++) {
		const struct value *vt = &p->params[NIR_V_THRESHOLD], *vr = &p->params[NIR_V_RESET];
		double th = vt->kind == VALUE_ARRAY ? vt->arr[i] : vt->a;
		double rs = vr->kind == VALUE_ARRAY ? vr->arr[i] : vr->a;
		if (!(th > rs)) {
			return nir_fail(
			    L, SNN_EINVAL, n->path,
			    "neuron %u: v_threshold %g is not above v_reset %g, which reset by "
			    "subtraction and multiple spikes per step need",
			    i, th, rs);
		}
	}
	return SNN_OK;
}

/* Max relative change of values stored as float32. */
static double float_rounding(const struct arr *a)
{
	double m = 0.0;
	for (uint64_t i = 0; i < a->n; i++) {
		double x = a->v[i], y = (double)(float)x;
		if (x != 0.0 && fabs(y - x) / fabs(x) > m) {
			m = fabs(y - x) / fabs(x);
		}
	}
	return m;
}

static float *to_float(const struct arr *a)
{
	float *w = mem_array_raw(a->n, sizeof(float));
	for (uint64_t i = 0; w && i < a->n; i++) {
		w[i] = (float)a->v[i];
	}
	return w;
}

/* Per-target bias of a linear node for a target of `size` neurons. */
static double *make_bias(const struct gnode *op, uint32_t size)
{
	if (!op->bias.present) {
		return NULL;
	}
	bool zero = true;
	for (uint64_t i = 0; i < op->bias.n; i++) {
		zero &= op->bias.v[i] == 0.0;
	}
	if (zero) {
		return NULL;
	}
	double *b = mem_array_raw((size_t)size, sizeof(double));
	if (!b) {
		return NULL;
	}
	uint32_t per = op->op == OP_CONV ? size / (uint32_t)op->weight.dims[0] : 1;
	for (uint32_t j = 0; j < size; j++) {
		uint64_t c = op->bias.n == 1 ? 0 : j / per;
		b[j] = op->bias.v[c];
	}
	return b;
}

/* Builds the explicit description of one link. */
/* The weights of an Affine or Linear node: sparse (CSR by target) when that
 * is smaller than the dense matrix. */
static int lay_linear(struct ld *L, const struct gnode *X, struct proj_explicit *x)
{
	uint64_t nnz = 0;
	for (uint64_t i = 0; i < X->weight.n; i++) {
		nnz += X->weight.v[i] != 0.0;
	}
	uint64_t dense = X->weight.n * sizeof(float);
	uint64_t sparse = nnz * 8 + ((uint64_t)x->n_post + 1) * 8;
	if (sparse < dense) {
		x->kind = PROJ_SPARSE;
		x->row = mem_array_raw((size_t)x->n_post + 1, sizeof(uint64_t));
		x->col = mem_array_raw(nnz, sizeof(uint32_t));
		x->val = mem_array_raw(nnz, sizeof(float));
		if (!x->row || !x->col || !x->val) {
			return mem_nomem(L->d);
		}
		uint64_t e = 0;
		for (uint32_t j = 0; j < x->n_post; j++) {
			x->row[j] = e;
			for (uint32_t i = 0; i < x->n_pre; i++) {
				double w = X->weight.v[(uint64_t)j * x->n_pre + i];
				if (w != 0.0) {
					x->col[e] = i;
					x->val[e++] = (float)w;
				}
			}
		}
		x->row[x->n_post] = e;
		x->bytes = sparse;
	} else {
		x->kind = PROJ_DENSE;
		x->w = to_float(&X->weight);
		if (!x->w) {
			return mem_nomem(L->d);
		}
		x->bytes = dense;
	}
	return SNN_OK;
}

/* Lays out the linear node X between two populations in x; base is the
 * delay of every synapse in steps. */
static int lay_op(struct ld *L, const struct gnode *X, struct proj_explicit *x, uint32_t base)
{
	switch (X->op) {
	case OP_AFFINE:
	case OP_LINEAR:
		return lay_linear(L, X, x);
	case OP_CONV: {
		struct proj_conv *c = &x->conv;
		x->kind = PROJ_CONV;
		c->cout = (uint32_t)X->weight.dims[0];
		c->cin = (uint32_t)X->weight.dims[1] * X->groups;
		c->groups = X->groups;
		c->kh = X->kernel[0];
		c->kw = X->kernel[1];
		c->stride_h = X->stride[0];
		c->stride_w = X->stride[1];
		c->dil_h = X->dil[0];
		c->dil_w = X->dil[1];
		const struct nir_shape *in = &X->in, *out = &X->out;
		c->in_h = in->nd == 3 ? in->d[1] : 1;
		c->in_w = in->d[in->nd - 1];
		c->out_h = out->nd == 3 ? out->d[1] : 1;
		c->out_w = out->d[out->nd - 1];
		if (X->pad_same) {
			/* PyTorch's 'same': the total padding d (k - 1), the extra
			 * one after the data */
			c->pad_h = c->dil_h * (c->kh - 1) / 2;
			c->pad_w = c->dil_w * (c->kw - 1) / 2;
		} else {
			c->pad_h = X->pad[0];
			c->pad_w = X->pad[1];
		}
		c->kernel = to_float(&X->weight);
		if (!c->kernel) {
			return mem_nomem(L->d);
		}
		x->bytes = X->weight.n * sizeof(float);
		break;
	}
	case OP_SUMPOOL:
	case OP_AVGPOOL: {
		struct proj_pool *q = &x->pool;
		x->kind = PROJ_POOL;
		q->avg = X->op == OP_AVGPOOL;
		q->c = X->in.d[0];
		q->in_h = X->in.d[1];
		q->in_w = X->in.d[2];
		q->out_h = X->out.d[1];
		q->out_w = X->out.d[2];
		q->kh = X->kernel[0];
		q->kw = X->kernel[1];
		q->stride_h = X->stride[0];
		q->stride_w = X->stride[1];
		q->pad_h = X->pad[0];
		q->pad_w = X->pad[1];
		break;
	}
	case OP_SCALE:
		x->w = mem_array_raw((size_t)x->n_post, sizeof(float));
		if (!x->w) {
			return mem_nomem(L->d);
		}
		for (uint32_t j = 0; j < x->n_post; j++) {
			x->w[j] = (float)X->scale.v[X->scale.n == 1 ? 0 : j];
		}
		x->bytes = (uint64_t)x->n_post * sizeof(float);
		break;
	case OP_DELAY: {
		x->pre_delay = mem_array_raw((size_t)x->n_pre, sizeof(uint32_t));
		if (!x->pre_delay) {
			return mem_nomem(L->d);
		}
		double dt_s = L->opt.dt_s;
		for (uint32_t j = 0; j < x->n_pre; j++) {
			double steps = X->delay.v[X->delay.n == 1 ? 0 : j] / dt_s;
			double r = nearbyint(steps);
			if (r + base > NET_MAX_DELAY_STEPS) {
				char dp[PATH_MAX_LEN];
				nir_join(dp, X->path, "delay");
				return nir_fail(L, SNN_ERANGE, dp,
						"a delay of %g steps; at most %u", steps,
						NET_MAX_DELAY_STEPS);
			}
			x->pre_delay[j] = (uint32_t)r;
		}
		x->bytes = (uint64_t)x->n_pre * sizeof(uint32_t);
		break;
	}
	default:
		break;
	}
	return SNN_OK;
}

static int make_projection(struct ld *L, const struct link *l)
{
	const struct gnode *P = &L->nodes[l->from], *S = &L->nodes[l->to];
	const struct gnode *X = l->op >= 0 ? &L->nodes[l->op] : NULL;
	struct projection *pr = net_add_projection(L->net);
	struct proj_explicit *x = mem_zalloc(sizeof(*x));
	if (!pr || !x) {
		free(x);
		return mem_nomem(L->d);
	}
	pr->kind = PROJ_DIAG;
	pr->x = x;
	const struct population *pp = &L->net->pops[P->pop], *sp = &L->net->pops[S->pop];
	pr->pre = (struct target_set){(uint32_t)P->pop, 0, pp->size, NULL, 0};
	pr->post = (struct target_set){(uint32_t)S->pop, 0, sp->size, NULL, 0};
	pr->where = origin_of(L, X ? X->path : S->path);
	pr->weight.kind = VALUE_CONST;
	pr->delay.kind = VALUE_CONST;
	x->n_pre = pp->size;
	x->n_post = sp->size;
	x->kind = PROJ_DIAG;
	uint32_t base = S->kind == GK_NEURON ? L->opt.edge_delay : 0;
	if (l->back && base < L->opt.recurrent_delay) {
		base = L->opt.recurrent_delay;
	}
	x->delay_steps = base;
	if (X) {
		int rc = lay_op(L, X, x, base);
		if (rc != SNN_OK) {
			return rc;
		}
		if (l->bias) {
			x->bias = make_bias(X, x->n_post);
			if (X->bias.present && !x->bias) {
				bool zero = true;
				for (uint64_t i = 0; i < X->bias.n; i++) {
					zero &= X->bias.v[i] == 0.0;
				}
				if (!zero) {
					return mem_nomem(L->d);
				}
			}
			x->bytes += x->bias ? (uint64_t)x->n_post * sizeof(double) : 0;
		}
	}
	pr->kind = x->kind;
	x->n_syn = proj_count_synapses(x);
	if (x->n_syn == UINT64_MAX) {
		return mem_nomem(L->d);
	}
	pr->delay.a = x->delay_steps * L->net->sim.dt_ms;
	return SNN_OK;
}

/* Order of links: by target population, source population, linear node. */
static int cmp_link(const void *a, const void *b, void *ctx)
{
	const struct ld *L = ctx;
	const struct link *x = a, *y = b;
	int tx = L->nodes[x->to].pop, ty = L->nodes[y->to].pop;
	if (tx != ty) {
		return (tx > ty) - (tx < ty);
	}
	int fx = L->nodes[x->from].pop, fy = L->nodes[y->from].pop;
	if (fx != fy) {
		return (fx > fy) - (fx < fy);
	}
	return (x->op > y->op) - (x->op < y->op);
}

/* Notes about the conventions and values the file leaves open. */
static int note_defaults(struct ld *L)
{
	int rc = SNN_OK;
	for (uint32_t i = 0; i < L->n_nodes && rc == SNN_OK; i++) {
		const struct gnode *n = &L->nodes[i];
		if (n->dead || n->kind != GK_NEURON) {
			continue;
		}
		if (n->v_reset_absent && model_accepts_param(model_get(n->model), NIR_V_RESET)) {
			rc = nir_assume(L, n->path, "no v_reset (NIR before 1.0): 0");
		}
		if (rc == SNN_OK && n->w_in_absent &&
		    model_accepts_param(model_get(n->model), NIR_W_IN)) {
			rc = nir_assume(L, n->path, "no w_in: 1");
		}
		const struct arr *tm = &n->prm[NIR_TAU_MEM], *ts = &n->prm[NIR_TAU_SYN];
		bool euler = L->opt.integration != SNN_NIR_EXACT;
		for (int k = 0; k < 2 && rc == SNN_OK && euler; k++) {
			const struct arr *t = k ? ts : tm;
			for (uint64_t e = 0; t->present && e < t->n; e++) {
				if (t->v[e] <= L->opt.dt_s) {
					rc =
					    nir_assume(L, n->path,
						       "%s %g s is not longer than dt (%g s): "
						       "forward Euler overshoots",
						       k ? "tau_syn" : "tau", t->v[e], L->opt.dt_s);
					break;
				}
			}
		}
		for (int k = 0; k < NIR_N_PARAMS && rc == SNN_OK; k++) {
			const struct arr *a = &n->prm[k];
			if (a->present && a->n == 1 && nir_shape_size(&n->out) > 1) {
				char dp[PATH_MAX_LEN];
				nir_join(dp, n->path, model_get(n->model)->params[k].name);
				rc =
				    nir_assume(L, dp, "one value for %llu neurons: applies to each",
					       (unsigned long long)nir_shape_size(&n->out));
			}
		}
	}
	for (uint32_t i = 0; i < L->n_nodes && rc == SNN_OK; i++) {
		const struct gnode *n = &L->nodes[i];
		if (n->dead || n->kind != GK_OP) {
			continue;
		}
		if (n->weight.present && n->weight.f64) {
			double r = float_rounding(&n->weight);
			if (r > 0) {
				char dp[PATH_MAX_LEN];
				nir_join(dp, n->path, "weight");
				rc = nir_assume(
				    L, dp,
				    "float64 weights stored as float32 (largest relative "
				    "change %.2g)",
				    r);
			}
		}
		if (rc == SNN_OK && n->op == OP_DELAY) {
			for (uint64_t e = 0; e < n->delay.n; e++) {
				double s = n->delay.v[e] / L->opt.dt_s;
				if (fabs(s - nearbyint(s)) > 1e-6 * (s > 1 ? s : 1)) {
					rc = nir_assume(L, n->path,
							"delays rounded to whole steps of %g s",
							L->opt.dt_s);
					break;
				}
			}
		}
		if (rc == SNN_OK && n->op == OP_AVGPOOL &&
		    n->kernel[0] * n->kernel[1] & (n->kernel[0] * n->kernel[1] - 1)) {
			rc = nir_assume(L, n->path,
					"average pooling as weights 1/%u on each input (rounded "
					"once per weight)",
					n->kernel[0] * n->kernel[1]);
		}
	}
	return rc;
}

/* Describes a node's parameters in one line for inspect. */
static void range(const struct arr *a, double scale, char *buf, size_t len)
{
	if (!a->present) {
		snprintf(buf, len, "absent");
		return;
	}
	double lo = a->v[0], hi = a->v[0];
	for (uint64_t i = 1; i < a->n; i++) {
		lo = a->v[i] < lo ? a->v[i] : lo;
		hi = a->v[i] > hi ? a->v[i] : hi;
	}
	if (lo == hi) {
		snprintf(buf, len, "%.6g", lo * scale);
	} else {
		snprintf(buf, len, "[%.6g, %.6g]", lo * scale, hi * scale);
	}
}

static int describe_node(struct ld *L, struct gnode *n)
{
	char buf[1024] = "", r[96];
	size_t used = 0;
#define PUT(...) \
	used +=  \
	    (size_t)snprintf(buf + used, used < sizeof(buf) ? sizeof(buf) - used : 0, __VA_ARGS__)
	if (n->kind == GK_NEURON) {
		const struct model *m = model_get(n->model);
		for (int k = 0; k < NIR_N_PARAMS; k++) {
			if (!model_accepts_param(m, k)) {
				continue;
			}
			bool t = k == NIR_TAU_MEM || k == NIR_TAU_SYN;
			range(&n->prm[k], t ? 1e3 : 1.0, r, sizeof(r));
			const char *name = m->params[k].name;
			if (n->model == MODEL_NIR_THRESHOLD) {
				name = "threshold";
			} else if (k == NIR_TAU_MEM &&
				   (n->model == MODEL_NIR_LI || n->model == MODEL_NIR_LIF)) {
				name = "tau";
			}
			if (!n->prm[k].present) {
				snprintf(r, sizeof(r), "%s",
					 k == NIR_W_IN ? "1 (absent)" : "0 (absent)");
			}
			PUT("%s%s %s%s", used ? ", " : "", name, r,
			    t && n->prm[k].present ? " ms" : "");
		}
	} else if (n->weight.present) {
		range(&n->weight, 1.0, r, sizeof(r));
		PUT("weight ");
		for (uint32_t i = 0; i < n->weight.nd; i++) {
			PUT("%s%llu", i ? "x" : "", (unsigned long long)n->weight.dims[i]);
		}
		PUT(" %s in %s", n->weight.f64 ? "float64" : "float32", r);
		if (n->bias.present) {
			range(&n->bias, 1.0, r, sizeof(r));
			PUT(", bias %s", r);
		}
	}
	if (n->op == OP_CONV || n->op == OP_SUMPOOL || n->op == OP_AVGPOOL) {
		PUT("%skernel %ux%u, stride %ux%u, padding ", used ? ", " : "", n->kernel[0],
		    n->kernel[1], n->stride[0], n->stride[1]);
		if (n->pad_same) {
			PUT("same");
		} else {
			PUT("%ux%u", n->pad[0], n->pad[1]);
		}
		if (n->op == OP_CONV) {
			PUT(", dilation %ux%u, groups %u", n->dil[0], n->dil[1], n->groups);
		}
	} else if (n->op == OP_SCALE) {
		range(&n->scale, 1.0, r, sizeof(r));
		PUT("scale %s", r);
	} else if (n->op == OP_DELAY) {
		range(&n->delay, 1.0, r, sizeof(r));
		PUT("delay %s s", r);
	} else if (n->op == OP_FLATTEN) {
		PUT("start_dim %lld, end_dim %lld", (long long)n->start_dim, (long long)n->end_dim);
	}
#undef PUT
	n->params = mem_strdup(buf);
	return n->params ? SNN_OK : mem_nomem(L->d);
}

static int fill_info(struct ld *L)
{
	struct nir_info *I = L->info;
	I->nodes = mem_array(L->n_nodes, sizeof(struct nir_node_info));
	if (!I->nodes) {
		return mem_nomem(L->d);
	}
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		struct nir_node_info *o = &I->nodes[I->n_nodes++];
		int rc = describe_node(L, n);
		if (rc != SNN_OK) {
			return rc;
		}
		o->path = mem_strdup(n->path);
		o->name = mem_strdup(n->name);
		o->type = mem_strdup(n->type);
		o->params = n->params;
		n->params = NULL;
		o->in = n->in;
		o->out = n->out;
		o->pop = n->pop;
		o->role = n->kind == GK_PASS ? (n->op == OP_FLATTEN ? "reshape" : "graph boundary")
			  : n->dead	     ? "ignored"
			  : n->kind == GK_INPUT	 ? "input population"
			  : n->kind == GK_NEURON ? "population"
			  : n->kind == GK_OUTPUT
			      ? (n->is_pop ? "output (relay population)" : "output")
			  : n->is_pop ? "relay population"
				      : "projection";
		if (!o->path || !o->name || !o->type) {
			return mem_nomem(L->d);
		}
	}
	return SNN_OK;
}

static int make_ports(struct ld *L)
{
	struct nir_info *I = L->info;
	uint32_t ni = 0, no = 0;
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		ni += L->nodes[i].kind == GK_INPUT && !L->nodes[i].dead;
		no += L->nodes[i].kind == GK_OUTPUT && !L->nodes[i].dead && L->nodes[i].n_pred;
	}
	I->inputs = mem_array(ni, sizeof(struct nir_port));
	I->outputs = mem_array(no, sizeof(struct nir_port));
	if (!I->inputs || !I->outputs) {
		return mem_nomem(L->d);
	}
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		const struct gnode *n = &L->nodes[i];
		if (n->dead) {
			continue;
		}
		if (n->kind == GK_INPUT) {
			struct nir_port *p = &I->inputs[I->n_inputs++];
			p->name = mem_strdup(n->name);
			p->shape = n->out;
			p->pop = (uint32_t)n->pop;
			if (!p->name) {
				return mem_nomem(L->d);
			}
		} else if (n->kind == GK_OUTPUT && n->n_pred) {
			struct nir_port *p = &I->outputs[I->n_outputs++];
			p->name = mem_strdup(n->name);
			p->shape = n->in;
			p->pop = (uint32_t)(n->is_pop ? n->pop : L->nodes[n->pred[0]].pop);
			p->spiking = is_spiking_model(L->net->pops[p->pop].model->id);
			if (!p->name) {
				return mem_nomem(L->d);
			}
		} else if (n->kind == GK_OUTPUT) {
			int rc =
			    nir_assume(L, n->path, "Output '%s' has no input: ignored", n->name);
			if (rc != SNN_OK) {
				return rc;
			}
		}
	}
	return SNN_OK;
}

/* ------------------------------------------------------------------ the network */

int nir_lower(struct ld *L)
{
	int rc;
	if ((rc = choose_populations(L)) != SNN_OK || (rc = make_links(L)) != SNN_OK ||
	    (rc = order_populations(L)) != SNN_OK) {
		return rc;
	}
	for (uint32_t k = 0; k < L->n_order && rc == SNN_OK; k++) {
		rc = make_population(L, L->order[k]);
	}
	if (rc != SNN_OK || (rc = net_finalize(L->net, L->d)) != SNN_OK) {
		return rc;
	}
	/* a stable order of the projections: by target, source and node */
	for (uint32_t a = 1; a < L->n_links; a++) {
		struct link t = L->links[a];
		uint32_t b = a;
		while (b > 0 && cmp_link(&L->links[b - 1], &t, L) > 0) {
			L->links[b] = L->links[b - 1];
			b--;
		}
		L->links[b] = t;
	}
	for (uint32_t k = 0; k < L->n_links && rc == SNN_OK; k++) {
		rc = make_projection(L, &L->links[k]);
	}
	if (rc == SNN_OK) {
		rc = note_defaults(L);
	}
	if (rc == SNN_OK) {
		rc = make_ports(L);
	}
	if (rc == SNN_OK) {
		rc = fill_info(L);
	}
	return rc;
}
