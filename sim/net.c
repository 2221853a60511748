/*
 * The network IR: allocation, values drawn from distributions, queries and a
 * printable description.
 * Layer: sim core. Knows nothing of file formats or engines.
 */
#include "config.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net_int.h"
#include "nir_int.h"
#include "sha256_int.h"
#include "snn/units.h"
#include "mem_int.h"

snn_net *net_new(void)
{
	snn_net *net = mem_zalloc(sizeof(*net));
	if (!net) {
		return NULL;
	}
	net->sim.dt_ms = 0.1;
	net->sim.duration_ms = 1000.0;
	net->sim.seed = 1;
	net->sim.scale = 1.0;
	return net;
}

void proj_explicit_free(struct proj_explicit *x)
{
	if (!x) {
		return;
	}
	mem_free(x->w);
	mem_free(x->row);
	mem_free(x->col);
	mem_free(x->val);
	mem_free(x->conv.kernel);
	mem_free(x->bias);
	mem_free(x->pre_delay);
	mem_free(x);
}

void value_free(struct value *v)
{
	if (v) {
		mem_free(v->arr);
		v->arr = NULL;
	}
}

int net_draw_param(const snn_net *net, const struct population *p, int param, uint32_t local,
		   double *out, snn_diag *d)
{
	const struct value *v = &p->params[param];
	const struct model_param *mp = &p->model->params[param];
	struct rng r;
	rng_init(&r, net->sim.seed, RNG_PARAM, (uint32_t)param, p->first + local, 0);
	int rc = value_draw(v, &r, local, out);
	bool bad = rc != 0 || (mp->check == PC_POSITIVE && !(*out > 0)) ||
		   (mp->check == PC_NONNEG && !(*out >= 0));
	if (bad) {
		const struct origin *o = v->where.file ? &v->where : &p->where;
		const char *u = snn_dim_unit(mp->dim);
		if (rc != 0) {
			return snn_diag_error(
			    d, SNN_EINVAL, o->file, o->line, o->col,
			    "population '%s', neuron %u: no value of %s inside its "
			    "bounds after 1000 draws",
			    p->name, local, mp->name);
		}
		return snn_diag_error(d, SNN_EINVAL, o->file, o->line, o->col,
				      "population '%s', neuron %u: drawn %s = %g%s%s must be %s; "
				      "bound the distribution with min/max",
				      p->name, local, mp->name, *out, *u ? " " : "", u,
				      mp->check == PC_POSITIVE ? "positive" : "at least 0");
	}
	return 0;
}

bool pop_params_homogeneous(const struct population *p)
{
	for (int k = 0; k < p->model->n_params; k++) {
		if (!value_is_const(&p->params[k])) {
			return false;
		}
	}
	return true;
}

int net_draw_init(const snn_net *net, const struct population *p, int var, uint32_t local,
		  double def, double *out, snn_diag *d)
{
	const struct value *v = &p->init[var];
	if (v->kind == VALUE_CONST && isnan(v->a)) {
		*out = def;
		return 0;
	}
	struct rng r;
	rng_init(&r, net->sim.seed, RNG_INIT, (uint32_t)var, p->first + local, 0);
	if (value_draw(v, &r, local, out) != 0) {
		const struct origin *o = &v->where;
		return snn_diag_error(d, SNN_EINVAL, o->file, o->line, o->col,
				      "population '%s', neuron %u: no initial %s inside its bounds "
				      "after 1000 draws",
				      p->name, local, p->model->state[var].name);
	}
	return 0;
}

static void population_free(struct population *p, const struct model *m)
{
	mem_free(p->name);
	if (p->params) {
		for (int i = 0; i < m->n_params; i++) {
			value_free(&p->params[i]);
		}
	}
	if (p->init) {
		for (int i = 0; i < m->n_state; i++) {
			value_free(&p->init[i]);
		}
	}
	mem_free(p->params);
	mem_free(p->init);
	mem_free(p->train_off);
	mem_free(p->train_ms);
}

void snn_net_free(snn_net *net)
{
	if (!net) {
		return;
	}
	for (uint32_t i = 0; i < net->n_pops; i++) {
		population_free(&net->pops[i], net->pops[i].model);
	}
	mem_free(net->pops);
	for (uint32_t i = 0; i < net->n_projs; i++) {
		value_free(&net->projs[i].weight);
		value_free(&net->projs[i].delay);
		proj_explicit_free(net->projs[i].x);
		mem_free(net->projs[i].pre.ids);
		mem_free(net->projs[i].post.ids);
	}
	mem_free(net->projs);
	for (uint32_t i = 0; i < net->n_stims; i++) {
		mem_free(net->stims[i].to.ids);
		mem_free(net->stims[i].times_ms);
		mem_free(net->stims[i].amps_pa);
	}
	mem_free(net->stims);
	for (uint32_t i = 0; i < net->spikes.n_sets; i++) {
		mem_free(net->spikes.sets[i].ids);
	}
	mem_free(net->spikes.sets);
	mem_free(net->spikes.file);
	for (uint32_t i = 0; i < net->n_traces; i++) {
		mem_free(net->traces[i].who.ids);
		mem_free(net->traces[i].file);
	}
	mem_free(net->traces);
	for (uint32_t i = 0; i < net->n_files; i++) {
		mem_free(net->files[i]);
	}
	mem_free(net->files);
	mem_free(net->source_path);
	mem_free(net->source_text);
	nir_info_free(net->nir);
	mem_free(net);
}

const char *net_intern_file(snn_net *net, const char *path)
{
	for (uint32_t i = 0; i < net->n_files; i++) {
		if (strcmp(net->files[i], path) == 0) {
			return net->files[i];
		}
	}
	char **f = mem_resize(net->files, (size_t)net->n_files + 1, sizeof(*f));
	if (!f) {
		return NULL;
	}
	net->files = f;
	char *copy = mem_strdup(path);
	if (!copy) {
		return NULL;
	}
	net->files[net->n_files++] = copy;
	return copy;
}

/* Grows an array of `size`-byte elements by one zeroed element. */
static void *grow(void **arr, uint32_t *n, uint32_t *cap, size_t size)
{
	if (*n == *cap) {
		uint32_t c = *cap ? *cap * 2 : 4;
		void *a = mem_resize(*arr, c, size);
		if (!a) {
			return NULL;
		}
		*arr = a;
		*cap = c;
	}
	void *e = (char *)*arr + (size_t)(*n) * size;
	memset(e, 0, size);
	(*n)++;
	return e;
}

struct population *net_add_population(snn_net *net)
{
	return grow((void **)&net->pops, &net->n_pops, &net->cap_pops, sizeof(struct population));
}

struct projection *net_add_projection(snn_net *net)
{
	return grow((void **)&net->projs, &net->n_projs, &net->cap_projs,
		    sizeof(struct projection));
}

struct stimulus *net_add_stimulus(snn_net *net)
{
	return grow((void **)&net->stims, &net->n_stims, &net->cap_stims, sizeof(struct stimulus));
}

struct trace_record *net_add_trace(snn_net *net)
{
	return grow((void **)&net->traces, &net->n_traces, &net->cap_traces,
		    sizeof(struct trace_record));
}

int net_finalize(snn_net *net, snn_diag *d)
{
	uint64_t total = 0;
	for (uint32_t i = 0; i < net->n_pops; i++) {
		net->pops[i].first = (uint32_t)total;
		total += net->pops[i].size;
		if (total > UINT32_MAX - 1) {
			return snn_diag_error(d, SNN_ERANGE, net->pops[i].where.file,
					      net->pops[i].where.line, net->pops[i].where.col,
					      "the network has more than %u neurons",
					      UINT32_MAX - 1);
		}
	}
	net->n_neurons = total;
	return SNN_OK;
}

int net_set_source(snn_net *net, const char *path, const char *text, size_t len)
{
	mem_free(net->source_path);
	mem_free(net->source_text);
	net->source_path = mem_strdup(path);
	net->source_text = mem_alloc(len + 1);
	if (!net->source_path || !net->source_text) {
		return SNN_ENOMEM;
	}
	memcpy(net->source_text, text, len);
	net->source_text[len] = '\0';
	sha256_hex(text, len, net->source_sha256);
	return SNN_OK;
}

int64_t net_steps_of(double t_ms, double dt_ms)
{
	double s = t_ms / dt_ms;
	double r = nearbyint(s);
	if (!(fabs(s - r) <= 1e-9 * (r > 1.0 ? r : 1.0)) || r > NET_MAX_STEPS) {
		return -1;
	}
	return (int64_t)r;
}

bool target_set_contains(const struct target_set *t, uint32_t i)
{
	if (!t->ids) {
		return i >= t->lo && i < t->hi;
	}
	uint32_t a = 0, b = t->n_ids;
	while (a < b) {
		uint32_t m = a + (b - a) / 2;
		if (t->ids[m] < i) {
			a = m + 1;
		} else {
			b = m;
		}
	}
	return a < t->n_ids && t->ids[a] == i;
}

/* ------------------------------------------------------------------ values */

/* The value of a distribution at one uniform u in (0, 1): every
 * distribution is drawn by inversion of one uniform (two words). */
static double from_uniform(const struct value *v, double u)
{
	switch (v->kind) {
	case VALUE_UNIFORM:
		return v->a + (v->b - v->a) * u;
	case VALUE_NORMAL:
		return v->a + v->b * rng_normal_quantile(u);
	case VALUE_LOGNORMAL:
		return v->sign * exp(v->a + v->b * rng_normal_quantile(u));
	case VALUE_CONST:
	case VALUE_ARRAY:
	default:
		return v->a;
	}
}

/* Applies the bounds: returns whether x is taken (possibly clipped). */
static bool bounded(const struct value *v, double x, double *out)
{
	if (x >= v->lo && x <= v->hi) {
		*out = x;
		return true;
	}
	if (v->bound == BOUND_CLIP) {
		*out = x < v->lo ? v->lo : v->hi;
		return true;
	}
	return false;
}

int value_draw(const struct value *v, struct rng *r, uint64_t index, double *out)
{
	if (v->kind == VALUE_CONST) {
		*out = v->a;
		return 0;
	}
	if (v->kind == VALUE_ARRAY) {
		*out = v->arr[index < v->n ? index : v->n - 1];
		return 0;
	}
	for (int tries = 0; tries < 1000; tries++) {
		if (bounded(v, from_uniform(v, rng_uniform(r)), out)) {
			return 0;
		}
	}
	return -1;
}

int value_draw_at(const struct value *v, uint64_t seed, enum rng_purpose purpose, uint32_t sub,
		  uint32_t element, uint64_t counter, uint64_t index, double *out)
{
	if (v->kind == VALUE_CONST || v->kind == VALUE_ARRAY) {
		return value_draw(v, NULL, index, out);
	}
	/* the first block serves the first two tries without a stream */
	philox4x32_ctr_t b = rng_block(seed, purpose, sub, element, counter);
	if (bounded(v, from_uniform(v, rng_words_to_open01(b.v[0], b.v[1])), out) ||
	    bounded(v, from_uniform(v, rng_words_to_open01(b.v[2], b.v[3])), out)) {
		return 0;
	}
	struct rng r;
	rng_init(&r, seed, purpose, sub, element, counter + 1);
	return value_draw(v, &r, index, out);
}

void value_range(const struct value *v, double *lo, double *hi)
{
	double a = -INFINITY, b = INFINITY;
	switch (v->kind) {
	case VALUE_CONST:
		a = b = v->a;
		break;
	case VALUE_UNIFORM:
		a = v->a;
		b = v->b;
		break;
	case VALUE_LOGNORMAL:
		if (v->sign > 0) {
			a = 0.0;
		} else {
			b = 0.0;
		}
		break;
	case VALUE_ARRAY:
		for (uint64_t i = 0; i < v->n; i++) {
			if (i == 0 || v->arr[i] < a) {
				a = v->arr[i];
			}
			if (i == 0 || v->arr[i] > b) {
				b = v->arr[i];
			}
		}
		break;
	case VALUE_NORMAL:
	default:
		break;
	}
	if (v->kind != VALUE_CONST && v->kind != VALUE_ARRAY) {
		if (v->lo > a) {
			a = v->lo;
		}
		if (v->hi < b) {
			b = v->hi;
		}
	}
	*lo = a;
	*hi = b;
}

double value_mean(const struct value *v)
{
	switch (v->kind) {
	case VALUE_UNIFORM:
		return 0.5 * (v->a + v->b);
	case VALUE_NORMAL:
		return v->a;
	case VALUE_LOGNORMAL:
		return v->sign * exp(v->a + 0.5 * v->b * v->b);
	case VALUE_ARRAY: {
		double s = 0.0;
		for (uint64_t i = 0; i < v->n; i++) {
			s += v->arr[i];
		}
		return v->n ? s / (double)v->n : 0.0;
	}
	case VALUE_CONST:
	default:
		return v->a;
	}
}

void value_format(const struct value *v, enum snn_dim dim, char *buf, size_t len)
{
	const char *u = snn_dim_unit(dim);
	const char *sp = *u ? " " : "";
	char bounds[96] = "";
	if (v->kind != VALUE_CONST && v->kind != VALUE_ARRAY &&
	    (isfinite(v->lo) || isfinite(v->hi))) {
		snprintf(bounds, sizeof(bounds), " in [%g, %g]%s%s (%s)", v->lo, v->hi, sp, u,
			 v->bound == BOUND_CLIP ? "clip" : "redraw");
	}
	switch (v->kind) {
	case VALUE_UNIFORM:
		snprintf(buf, len, "uniform(%g%s%s, %g%s%s)%s", v->a, sp, u, v->b, sp, u, bounds);
		break;
	case VALUE_NORMAL:
		snprintf(buf, len, "normal(mean %g%s%s, std %g%s%s)%s", v->a, sp, u, v->b, sp, u,
			 bounds);
		break;
	case VALUE_LOGNORMAL: {
		double m = value_mean(v);
		double var = (exp(v->b * v->b) - 1.0) * exp(2.0 * v->a + v->b * v->b);
		snprintf(buf, len, "lognormal(mean %g%s%s, std %g%s%s)%s", m, sp, u, sqrt(var), sp,
			 u, bounds);
		break;
	}
	case VALUE_ARRAY: {
		double lo, hi;
		value_range(v, &lo, &hi);
		snprintf(buf, len, "%llu values in [%g, %g]%s%s", (unsigned long long)v->n, lo, hi,
			 sp, u);
		break;
	}
	case VALUE_CONST:
	default:
		snprintf(buf, len, "%g%s%s", v->a, sp, u);
		break;
	}
}

/* ------------------------------------------------------------------ queries */

double snn_net_dt_ms(const snn_net *net)
{
	return net->sim.dt_ms;
}

double snn_net_duration_ms(const snn_net *net)
{
	return net->sim.duration_ms;
}

uint64_t snn_net_seed(const snn_net *net)
{
	return net->sim.seed;
}

int snn_net_threads(const snn_net *net)
{
	return net->sim.threads;
}

int snn_net_set_seed(snn_net *net, uint64_t seed)
{
	net->sim.seed = seed;
	return SNN_OK;
}

int snn_net_set_duration_ms(snn_net *net, double duration_ms, snn_diag *d)
{
	if (!(duration_ms > 0.0) || !isfinite(duration_ms)) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "the duration must be positive (got %g ms)", duration_ms);
	}
	if (net_steps_of(duration_ms, net->sim.dt_ms) < 0) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "the duration %g ms is not a whole number of time steps "
				      "(dt = %g ms)",
				      duration_ms, net->sim.dt_ms);
	}
	net->sim.duration_ms = duration_ms;
	return SNN_OK;
}

const char *net_engine_name(enum sim_engine e)
{
	return e == ENGINE_EVENT ? "event" : "grid";
}

const char *net_backend_name(enum sim_backend b)
{
	return b == BACKEND_CUDA ? "cuda" : "cpu";
}

int snn_net_set_engine(snn_net *net, const char *engine, snn_diag *d)
{
	if (strcmp(engine, "grid") == 0) {
		net->sim.engine = ENGINE_GRID;
	} else if (strcmp(engine, "event") == 0) {
		net->sim.engine = ENGINE_EVENT;
	} else {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "unknown engine '%s' (expected grid or event)", engine);
	}
	net->sim.engine_where = (struct origin){NULL, 0, 0};
	return SNN_OK;
}

int snn_net_set_backend(snn_net *net, const char *backend, snn_diag *d)
{
	if (strcmp(backend, "cpu") == 0) {
		net->sim.backend = BACKEND_CPU;
	} else if (strcmp(backend, "cuda") == 0) {
		net->sim.backend = BACKEND_CUDA;
	} else {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "unknown backend '%s' (expected cpu or cuda)", backend);
	}
	net->sim.engine_where = (struct origin){NULL, 0, 0};
	return SNN_OK;
}

int snn_net_set_threads(snn_net *net, int threads, snn_diag *d)
{
	if (threads < 1 || threads > 4096) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "the thread count must be between 1 and 4096 (got %d)",
				      threads);
	}
	net->sim.threads = threads;
	return SNN_OK;
}

size_t snn_net_population_count(const snn_net *net)
{
	return net->n_pops;
}

const char *snn_net_population_name(const snn_net *net, size_t i)
{
	return i < net->n_pops ? net->pops[i].name : NULL;
}

uint32_t snn_net_population_size(const snn_net *net, size_t i)
{
	return i < net->n_pops ? net->pops[i].size : 0;
}

bool snn_net_population_is_hidden(const snn_net *net, size_t i)
{
	return i < net->n_pops && net->pops[i].hidden;
}

const char *snn_net_population_model(const snn_net *net, size_t i)
{
	return i < net->n_pops ? net->pops[i].model->name : NULL;
}

long snn_net_find_population(const snn_net *net, const char *name)
{
	for (uint32_t i = 0; i < net->n_pops; i++) {
		if (strcmp(net->pops[i].name, name) == 0) {
			return (long)i;
		}
	}
	return -1;
}

uint64_t snn_net_neuron_count(const snn_net *net)
{
	return net->n_neurons;
}

size_t snn_net_projection_count(const snn_net *net)
{
	return net->n_projs;
}

/* Expected synapse count of one projection. */
static double projection_expected(const struct projection *pr)
{
	double ns = target_set_size(&pr->pre);
	double nt = target_set_size(&pr->post);
	/* Autapses are only possible where the two sets are the same neurons. */
	if (pr->kind != PROJ_RULE) {
		return (double)pr->x->n_syn;
	}
	bool same = pr->pre.pop == pr->post.pop && !pr->pre.ids && !pr->post.ids &&
		    pr->pre.lo == pr->post.lo && pr->pre.hi == pr->post.hi;
	switch (pr->rule) {
	case RULE_ALL_TO_ALL:
		return ns * nt - ((same && !pr->autapses) ? nt : 0.0);
	case RULE_ONE_TO_ONE:
		return (same && !pr->autapses) ? 0.0 : nt;
	case RULE_FIXED_PROBABILITY:
		return pr->p * (ns * nt - ((same && !pr->autapses) ? nt : 0.0));
	case RULE_FIXED_INDEGREE:
		return (double)pr->n * nt;
	case RULE_FIXED_OUTDEGREE:
		return (double)pr->n * ns;
	case RULE_FIXED_TOTAL_NUMBER:
	default:
		return (double)pr->n;
	}
}

double snn_net_expected_synapses(const snn_net *net)
{
	double s = 0.0;
	for (uint32_t i = 0; i < net->n_projs; i++) {
		s += projection_expected(&net->projs[i]);
	}
	return s;
}

const char *snn_net_source_path(const snn_net *net)
{
	return net->source_path;
}

const char *snn_net_source_text(const snn_net *net)
{
	return net->source_text;
}

const char *snn_net_source_sha256(const snn_net *net)
{
	return net->source_sha256;
}

bool snn_net_records_spikes(const snn_net *net)
{
	return net->record_spikes;
}

const char *snn_net_spike_file(const snn_net *net)
{
	return net->spikes.file;
}

static const char *rule_name(enum conn_rule r)
{
	switch (r) {
	case RULE_ALL_TO_ALL:
		return "all_to_all";
	case RULE_ONE_TO_ONE:
		return "one_to_one";
	case RULE_FIXED_PROBABILITY:
		return "fixed_probability";
	case RULE_FIXED_INDEGREE:
		return "fixed_indegree";
	case RULE_FIXED_OUTDEGREE:
		return "fixed_outdegree";
	case RULE_FIXED_TOTAL_NUMBER:
	default:
		return "fixed_total_number";
	}
}

static const char *kind_name(enum proj_kind k)
{
	switch (k) {
	case PROJ_DENSE:
		return "dense";
	case PROJ_SPARSE:
		return "sparse";
	case PROJ_DIAG:
		return "one_to_one";
	case PROJ_CONV:
		return "conv";
	case PROJ_POOL:
		return "pool";
	case PROJ_RULE:
	default:
		return "rule";
	}
}

void net_describe_explicit(const struct projection *pr, FILE *out)
{
	const struct proj_explicit *x = pr->x;
	fprintf(out, "%s", kind_name(x->kind));
	if (x->kind == PROJ_CONV) {
		const struct proj_conv *c = &x->conv;
		fprintf(out,
			" %ux%ux%ux%u (%ux%ux%u -> %ux%ux%u), stride %ux%u, padding %ux%u, "
			"dilation %ux%u, groups %u",
			c->cout, c->cin / c->groups, c->kh, c->kw, c->cin, c->in_h, c->in_w,
			c->cout, c->out_h, c->out_w, c->stride_h, c->stride_w, c->pad_h, c->pad_w,
			c->dil_h, c->dil_w, c->groups);
	} else if (x->kind == PROJ_POOL) {
		const struct proj_pool *p = &x->pool;
		fprintf(out, " %s %ux%u (%ux%ux%u -> %ux%ux%u), stride %ux%u, padding %ux%u",
			p->avg ? "average" : "sum", p->kh, p->kw, p->c, p->in_h, p->in_w, p->c,
			p->out_h, p->out_w, p->stride_h, p->stride_w, p->pad_h, p->pad_w);
	} else if (x->kind == PROJ_DENSE) {
		fprintf(out, " %ux%u", x->n_post, x->n_pre);
	} else if (x->kind == PROJ_DIAG && !x->w) {
		fprintf(out, " (weight 1)");
	}
	fprintf(out, ", delay %u step%s", x->delay_steps, x->delay_steps == 1 ? "" : "s");
	if (x->pre_delay) {
		fprintf(out, " + per source");
	}
	if (x->bias) {
		fprintf(out, ", bias");
	}
	fprintf(out, ", %llu synapses, %llu bytes described", (unsigned long long)x->n_syn,
		(unsigned long long)x->bytes);
}

static void describe_set(const snn_net *net, const struct target_set *t, FILE *out)
{
	const struct population *p = &net->pops[t->pop];
	if (t->ids) {
		fprintf(out, "%s (%u listed neurons)", p->name, t->n_ids);
	} else if (t->lo == 0 && t->hi == p->size) {
		fprintf(out, "%s", p->name);
	} else {
		fprintf(out, "%s[%u:%u]", p->name, t->lo, t->hi);
	}
}

void snn_net_describe(const snn_net *net, FILE *out)
{
	char buf[256];
	fprintf(out, "simulation: dt %g ms, duration %g ms, seed %llu", net->sim.dt_ms,
		net->sim.duration_ms, (unsigned long long)net->sim.seed);
	if (net->sim.threads) {
		fprintf(out, ", threads %d", net->sim.threads);
	}
	if (net->sim.scale != 1.0) {
		fprintf(out, ", scale %g", net->sim.scale);
	}
	fprintf(out, "\npopulations (%u, %llu neurons):\n", net->n_pops,
		(unsigned long long)net->n_neurons);
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct population *p = &net->pops[i];
		const struct model *m = p->model;
		fprintf(out, "  %-12s %8u  %s%s%s\n", p->name, p->size, m->name,
			m->synapse ? ", synapse " : "", m->synapse ? m->synapse : "");
		for (int k = 0; k < m->n_params; k++) {
			if (!model_accepts_param(m, k)) {
				continue;
			}
			value_format(&p->params[k], m->params[k].dim, buf, sizeof(buf));
			fprintf(out, "      %-11s %s\n", m->params[k].name, buf);
		}
		for (int k = 0; k < m->n_state; k++) {
			const struct value *v = &p->init[k];
			if (v->kind == VALUE_CONST && isnan(v->a)) {
				continue;
			}
			value_format(v, m->state[k].dim, buf, sizeof(buf));
			fprintf(out, "      init %-6s %s\n", m->state[k].name, buf);
		}
		if (p->train_off) {
			fprintf(out, "      %llu spike times\n",
				(unsigned long long)p->train_off[p->size]);
		}
	}
	fprintf(out, "projections (%u, about %.0f synapses):\n", net->n_projs,
		snn_net_expected_synapses(net));
	for (uint32_t i = 0; i < net->n_projs; i++) {
		const struct projection *pr = &net->projs[i];
		enum snn_dim wd = net->pops[pr->post.pop].model->weight_dim;
		fprintf(out, "  ");
		describe_set(net, &pr->pre, out);
		fprintf(out, " -> ");
		describe_set(net, &pr->post, out);
		if (pr->kind != PROJ_RULE) {
			fprintf(out, ": ");
			net_describe_explicit(pr, out);
			fprintf(out, "\n");
			continue;
		}
		fprintf(out, ": %s", rule_name(pr->rule));
		if (pr->rule == RULE_FIXED_PROBABILITY) {
			fprintf(out, " %g", pr->p);
		} else if (pr->rule >= RULE_FIXED_INDEGREE) {
			fprintf(out, " %llu", (unsigned long long)pr->n);
		}
		value_format(&pr->weight, wd, buf, sizeof(buf));
		fprintf(out, ", weight %s", buf);
		value_format(&pr->delay, SNN_DIM_TIME, buf, sizeof(buf));
		fprintf(out, ", delay %s", buf);
		fprintf(out, ", ~%.0f synapses%s%s\n", projection_expected(pr),
			pr->autapses ? "" : ", no autapses", pr->multapses ? "" : ", no multapses");
	}
	if (net->n_stims) {
		fprintf(out, "stimuli (%u):\n", net->n_stims);
	}
	for (uint32_t i = 0; i < net->n_stims; i++) {
		const struct stimulus *s = &net->stims[i];
		fprintf(out, "  ");
		switch (s->kind) {
		case STIM_POISSON:
			fprintf(out, "poisson %g Hz, weight %g %s, delay %g ms", s->rate_hz,
				s->weight, snn_dim_unit(net->pops[s->to.pop].model->weight_dim),
				s->delay_ms);
			break;
		case STIM_DC:
			fprintf(out, "dc %g pA", s->amp_pa);
			break;
		case STIM_STEP:
		default:
			fprintf(out, "step current, %u changes", s->n_steps);
			break;
		}
		if (s->kind != STIM_STEP && (s->start_ms > 0.0 || isfinite(s->stop_ms))) {
			fprintf(out, " from %g ms to %g ms", s->start_ms, s->stop_ms);
		}
		fprintf(out, " -> ");
		describe_set(net, &s->to, out);
		fprintf(out, "\n");
	}
	if (net->record_spikes) {
		fprintf(out, "record spikes of:");
		for (uint32_t i = 0; i < net->spikes.n_sets; i++) {
			fprintf(out, " ");
			describe_set(net, &net->spikes.sets[i], out);
		}
		fprintf(out, "%s%s\n", net->spikes.file ? " -> " : "",
			net->spikes.file ? net->spikes.file : "");
	}
	for (uint32_t i = 0; i < net->n_traces; i++) {
		const struct trace_record *t = &net->traces[i];
		const struct model *m = net->pops[t->who.pop].model;
		fprintf(out, "record %s of ", m->state[t->var].name);
		describe_set(net, &t->who, out);
		fprintf(out, " every %g ms -> %s\n", t->interval_ms, t->file ? t->file : "");
	}
}
