/*
 * The YAML config loader's values: access to libyaml's document, located
 * errors, checked keys with suggestions, quantities with units, values and
 * distributions, and neuron sets ("pop[a:b]"). Layer: sim core (loaders),
 * internal to the config loader (yaml_values_int.h). Knows no config section.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_int.h"
#include "snn/spikes.h"
#include "util_int.h"
#include "yaml_values_int.h"

/* ------------------------------------------------------------------ helpers */

yaml_node_t *node_at(struct ld *l, int idx)
{
	return yaml_document_get_node(&l->doc, idx);
}

struct origin where(const struct ld *l, const yaml_node_t *n)
{
	struct origin o = {l->file, 0, 0};
	if (n) {
		o.line = (int)n->start_mark.line + 1;
		o.col = (int)n->start_mark.column + 1;
	}
	return o;
}

void err(struct ld *l, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct origin o = where(l, n);
	snn_diag_error(l->d, SNN_EINVAL, o.file, o.line, o.col, "%s", msg);
	l->nerr++;
}

void err_code(struct ld *l, const yaml_node_t *n, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct origin o = where(l, n);
	snn_diag_error(l->d, code, o.file, o.line, o.col, "%s", msg);
	l->nerr++;
}

bool check_steps(struct ld *l, const yaml_node_t *n, const char *key, double t_ms, double max_steps)
{
	double dt = l->net->sim.dt_ms;
	if (nearbyint(t_ms / dt) <= max_steps) {
		return true;
	}
	err(l, n, "%s %g ms is longer than %.0f time steps, the most allowed (%g ms at dt = %g ms)",
	    key, t_ms, max_steps, max_steps * dt, dt);
	return false;
}

void oom(struct ld *l)
{
	if (!l->oom) {
		mem_nomem(l->d);
	}
	l->oom = true;
	l->nerr++;
}

bool is_map(const yaml_node_t *n)
{
	return n && n->type == YAML_MAPPING_NODE;
}

bool is_seq(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE;
}

bool is_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE;
}

const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

/* A plain scalar that YAML reads as null ("", "~", "null"). */
bool is_null(const yaml_node_t *n)
{
	if (!is_scalar(n) || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		return false;
	}
	const char *s = sval(n);
	return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
	       strcmp(s, "NULL") == 0;
}

const char *kind_name(const yaml_node_t *n)
{
	if (is_map(n)) {
		return "a mapping";
	}
	if (is_seq(n)) {
		return "a list";
	}
	if (is_null(n)) {
		return "nothing";
	}
	return "a scalar";
}

size_t seq_len(const yaml_node_t *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *map_get(struct ld *l, const yaml_node_t *map, const char *key)
{
	if (!is_map(map)) {
		return NULL;
	}
	MAP_EACH(l, map, p)
	{
		yaml_node_t *k = node_at(l, p->key);
		if (is_scalar(k) && strcmp(sval(k), key) == 0) {
			return node_at(l, p->value);
		}
	}
	return NULL;
}

yaml_node_t *map_key_node(struct ld *l, const yaml_node_t *map, const char *key)
{
	MAP_EACH(l, map, p)
	{
		yaml_node_t *k = node_at(l, p->key);
		if (is_scalar(k) && strcmp(sval(k), key) == 0) {
			return k;
		}
	}
	return NULL;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 40 || lb > 40) {
		return 99;
	}
	size_t row[41];
	for (size_t j = 0; j <= lb; j++) {
		row[j] = j;
	}
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (tolower((unsigned char)a[i - 1]) !=
					     tolower((unsigned char)b[j - 1]));
			size_t del = row[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = cur;
		}
	}
	return row[lb];
}

/* " (did you mean 'x'?)" for the closest of `choices`, or ""; returns the
 * choice suggested, or NULL. */
const char *suggest(const char *got, const char *const *choices, char *buf, size_t len)
{
	size_t best = 3;
	const char *pick = NULL;
	buf[0] = '\0';
	for (size_t i = 0; choices[i]; i++) {
		size_t dd = edit_distance(got, choices[i]);
		if (dd < best) {
			best = dd;
			pick = choices[i];
		}
	}
	if (pick) {
		snprintf(buf, len, " (did you mean '%s'?)", pick);
	}
	return pick;
}

static void remember_suggestion(struct ld *l, const yaml_node_t *map, const char *key)
{
	if (l->n_sugg == l->cap_sugg) {
		size_t cap = l->cap_sugg ? 2 * l->cap_sugg : 16;
		struct suggestion *v = mem_resize(l->sugg, cap, sizeof(*v));
		if (!v) {
			return; /* only costs a redundant message */
		}
		l->sugg = v;
		l->cap_sugg = cap;
	}
	l->sugg[l->n_sugg++] = (struct suggestion){map, key};
}

/* Whether check_map suggested `key` for a misspelt key of `map`. */
bool was_suggested(const struct ld *l, const yaml_node_t *map, const char *key)
{
	for (size_t i = 0; i < l->n_sugg; i++) {
		if (l->sugg[i].map == map && strcmp(l->sugg[i].key, key) == 0) {
			return true;
		}
	}
	return false;
}

/* Whether `map` has a key outside `allowed` (already reported by check_map). */
static bool has_unknown_key(struct ld *l, const yaml_node_t *map, const char *const *allowed)
{
	MAP_EACH(l, map, p)
	{
		yaml_node_t *k = node_at(l, p->key);
		bool known = false;
		for (size_t i = 0; is_scalar(k) && allowed[i]; i++) {
			known |= strcmp(sval(k), allowed[i]) == 0;
		}
		if (!known) {
			return true;
		}
	}
	return false;
}

static void join(const char *const *choices, char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; choices[i]; i++) {
		size_t u = strlen(buf);
		snprintf(buf + u, len - u, "%s%s", i ? ", " : "", choices[i]);
	}
}

/* Checks that `map` is a mapping whose keys are all in `allowed` (a NULL-ended
 * list) and appear once. `what` names the mapping in messages. Unknown and
 * repeated keys are reported, and the known ones are still parsed (so that
 * every problem of the file shows in one pass): returns false only when map
 * is not a mapping. */
bool check_map(struct ld *l, const yaml_node_t *map, const char *const *allowed, const char *what)
{
	if (!is_map(map)) {
		err(l, map, "%s must be a mapping of keys to values, found %s", what,
		    kind_name(map));
		return false;
	}
	bool ok = true;
	MAP_EACH(l, map, p)
	{
		yaml_node_t *k = node_at(l, p->key);
		if (!is_scalar(k)) {
			err(l, k, "keys of %s must be names, found %s", what, kind_name(k));
			ok = false;
			continue;
		}
		bool known = false;
		for (size_t i = 0; allowed[i]; i++) {
			if (strcmp(sval(k), allowed[i]) == 0) {
				known = true;
				break;
			}
		}
		if (!known) {
			char hint[64], all[256];
			const char *pick = suggest(sval(k), allowed, hint, sizeof(hint));
			if (pick) {
				remember_suggestion(l, map, pick);
			}
			join(allowed, all, sizeof(all));
			err(l, k, "unknown key '%s' in %s%s; expected one of: %s", sval(k), what,
			    hint, all);
			continue;
		}
		for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
			yaml_node_t *k2 = node_at(l, q->key);
			if (is_scalar(k2) && strcmp(sval(k2), sval(k)) == 0) {
				err(l, k, "duplicate key '%s' in %s (first given at line %d)",
				    sval(k), what, (int)k2->start_mark.line + 1);
				break; /* a third copy is reported once, against the first */
			}
		}
	}
	return ok;
}

/* The value of `key`, or NULL with an error naming what needs it. A key
 * misspelt closely enough for check_map to have suggested `key` is not
 * reported twice. */
yaml_node_t *require(struct ld *l, const yaml_node_t *map, const char *key, const char *what)
{
	yaml_node_t *v = map_get(l, map, key);
	if (!v && !was_suggested(l, map, key)) {
		err(l, map, "%s needs a '%s'", what, key);
	}
	return v;
}

bool get_string(struct ld *l, const yaml_node_t *n, const char *key, const char **out)
{
	if (!is_scalar(n) || is_null(n)) {
		err(l, n, "%s must be a name or text, found %s", key, kind_name(n));
		return false;
	}
	*out = sval(n);
	return true;
}

bool get_quantity(struct ld *l, const yaml_node_t *n, enum snn_dim dim, const char *key,
		  double *out)
{
	if (!is_scalar(n) || is_null(n)) {
		err(l, n, "%s: expected %s such as '%s', found %s", key, snn_dim_name(dim),
		    snn_dim_example(dim), kind_name(n));
		return false;
	}
	char why[160];
	if (snn_units_parse(sval(n), dim, out, why, sizeof(why)) != 0) {
		err(l, n, "%s: %s", key, why);
		return false;
	}
	return true;
}

bool get_u64(struct ld *l, const yaml_node_t *n, const char *key, uint64_t min, uint64_t max,
	     uint64_t *out)
{
	if (!is_scalar(n) || is_null(n)) {
		err(l, n, "%s must be a whole number, found %s", key, kind_name(n));
		return false;
	}
	const char *s = sval(n);
	const char *p = s;
	while (*p == ' ') {
		p++;
	}
	if (!isdigit((unsigned char)*p)) {
		err(l, n, "%s must be a whole number, found '%s'", key, s);
		return false;
	}
	errno = 0;
	char *end;
	unsigned long long v = strtoull(p, &end, 10);
	while (*end == ' ') {
		end++;
	}
	if (*end) {
		err(l, n, "%s must be a whole number, found '%s'", key, s);
		return false;
	}
	if (errno == ERANGE) {
		/* a whole number still, only too large for 64 bits */
		err(l, n, "%s must be between %llu and %llu (got %.*s)", key,
		    (unsigned long long)min, (unsigned long long)max, (int)strspn(p, "0123456789"),
		    p);
		return false;
	}
	if (v < min || v > max) {
		err(l, n, "%s must be between %llu and %llu (got %llu)", key,
		    (unsigned long long)min, (unsigned long long)max, v);
		return false;
	}
	*out = v;
	return true;
}

bool get_bool(struct ld *l, const yaml_node_t *n, const char *key, bool *out)
{
	if (is_scalar(n)) {
		const char *s = sval(n);
		if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "yes")) {
			*out = true;
			return true;
		}
		if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "no")) {
			*out = false;
			return true;
		}
	}
	err(l, n, "%s must be true or false, found %s%s%s%s", key, is_scalar(n) ? "'" : "",
	    is_scalar(n) ? sval(n) : kind_name(n), is_scalar(n) ? "'" : "", "");
	return false;
}

bool get_number(struct ld *l, const yaml_node_t *n, const char *key, double *out)
{
	return get_quantity(l, n, SNN_DIM_NONE, key, out);
}

/* A value: a quantity, or a distribution mapping
 *   {normal: {mean, std}} | {lognormal: {mean, std}} | {uniform: {low, high}}
 * with optional min, max and bound (redraw | clip). */
/* "<key> <part>" for messages about a part of a distribution. */
static const char *sub_key(const char *key, const char *part, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s", key, part);
	return buf;
}

bool get_value(struct ld *l, const yaml_node_t *n, enum snn_dim dim, const char *key,
	       struct value *v)
{
	char kb[256];
	memset(v, 0, sizeof(*v));
	v->kind = VALUE_CONST;
	v->lo = -INFINITY;
	v->hi = INFINITY;
	v->sign = 1.0;
	v->bound = BOUND_REDRAW;
	v->where = where(l, n);
	if (!is_map(n)) {
		return get_quantity(l, n, dim, key, &v->a);
	}
	static const char *const keys[] = {"normal", "lognormal", "uniform", "min",
					   "max",    "bound",	  NULL};
	char what[96];
	snprintf(what, sizeof(what), "the distribution of %s", key);
	if (!check_map(l, n, keys, what)) {
		return false;
	}
	int ndist = 0;
	bool ok = true;
	yaml_node_t *dn;
	char sub[96];
	if ((dn = map_get(l, n, "normal"))) {
		static const char *const k[] = {"mean", "std", NULL};
		ndist++;
		snprintf(sub, sizeof(sub), "the normal distribution of %s", key);
		v->kind = VALUE_NORMAL;
		if (check_map(l, dn, k, sub)) {
			yaml_node_t *m = require(l, dn, "mean", sub);
			yaml_node_t *s = require(l, dn, "std", sub);
			ok &= m &&
			      get_quantity(l, m, dim, sub_key(key, "mean", kb, sizeof(kb)), &v->a);
			ok &= s &&
			      get_quantity(l, s, dim, sub_key(key, "std", kb, sizeof(kb)), &v->b);
			if (ok && v->b < 0) {
				err(l, s, "std of %s must not be negative (got %g %s)", key, v->b,
				    snn_dim_unit(dim));
				ok = false;
			}
		} else {
			ok = false;
		}
	}
	if ((dn = map_get(l, n, "lognormal"))) {
		static const char *const k[] = {"mean", "std", NULL};
		ndist++;
		snprintf(sub, sizeof(sub), "the lognormal distribution of %s", key);
		v->kind = VALUE_LOGNORMAL;
		double mean = 0, sd = 0;
		if (check_map(l, dn, k, sub)) {
			yaml_node_t *m = require(l, dn, "mean", sub);
			yaml_node_t *s = require(l, dn, "std", sub);
			bool ok2 = m && get_quantity(l, m, dim,
						     sub_key(key, "mean", kb, sizeof(kb)), &mean);
			ok2 &=
			    s && get_quantity(l, s, dim, sub_key(key, "std", kb, sizeof(kb)), &sd);
			if (ok2 && mean == 0.0) {
				err(l, m, "the mean of a lognormal %s must not be zero", key);
				ok2 = false;
			}
			if (ok2 && sd < 0) {
				err(l, s, "std of %s must not be negative (got %g %s)", key, sd,
				    snn_dim_unit(dim));
				ok2 = false;
			}
			if (ok2) {
				/* mean m and std s of the variable give the parameters of its log.
				 */
				double s2 = log1p((sd * sd) / (mean * mean));
				v->sign = mean < 0 ? -1.0 : 1.0;
				v->b = sqrt(s2);
				v->a = log(fabs(mean)) - 0.5 * s2;
			}
			ok &= ok2;
		} else {
			ok = false;
		}
	}
	if ((dn = map_get(l, n, "uniform"))) {
		static const char *const k[] = {"low", "high", NULL};
		ndist++;
		snprintf(sub, sizeof(sub), "the uniform distribution of %s", key);
		v->kind = VALUE_UNIFORM;
		if (check_map(l, dn, k, sub)) {
			yaml_node_t *a = require(l, dn, "low", sub);
			yaml_node_t *b = require(l, dn, "high", sub);
			bool ok2 = a && get_quantity(l, a, dim, sub_key(key, "low", kb, sizeof(kb)),
						     &v->a);
			ok2 &= b &&
			       get_quantity(l, b, dim, sub_key(key, "high", kb, sizeof(kb)), &v->b);
			if (ok2 && !(v->a < v->b)) {
				err(l, b, "high must be above low in %s (got low %g, high %g %s)",
				    key, v->a, v->b, snn_dim_unit(dim));
				ok2 = false;
			}
			ok &= ok2;
		} else {
			ok = false;
		}
	}
	if (ndist != 1) {
		if (ndist > 1 || !has_unknown_key(l, n, keys)) {
			err(l, n,
			    "%s must name one distribution (normal, lognormal or uniform), found "
			    "%d",
			    key, ndist);
		}
		return false;
	}
	yaml_node_t *x;
	if ((x = map_get(l, n, "min"))) {
		ok &= get_quantity(l, x, dim, sub_key(key, "min", kb, sizeof(kb)), &v->lo);
	}
	if ((x = map_get(l, n, "max"))) {
		ok &= get_quantity(l, x, dim, sub_key(key, "max", kb, sizeof(kb)), &v->hi);
	}
	if ((x = map_get(l, n, "bound"))) {
		const char *b;
		if (get_string(l, x, "bound", &b)) {
			if (!strcmp(b, "clip")) {
				v->bound = BOUND_CLIP;
			} else if (strcmp(b, "redraw") != 0) {
				err(l, x, "bound must be 'redraw' or 'clip', found '%s'", b);
				ok = false;
			}
		} else {
			ok = false;
		}
	}
	if (ok && !(v->lo < v->hi)) {
		err(l, n, "max must be above min in %s (got min %g, max %g %s)", key, v->lo, v->hi,
		    snn_dim_unit(dim));
		ok = false;
	}
	return ok;
}

/* Checks a constant value against a parameter's constraint. */
bool check_param(struct ld *l, const yaml_node_t *n, const struct model_param *mp,
		 const struct value *v)
{
	if (v->kind != VALUE_CONST) {
		return true;
	}
	const char *u = snn_dim_unit(mp->dim);
	if (mp->check == PC_POSITIVE && !(v->a > 0)) {
		err(l, n, "%s must be positive (got %g%s%s)", mp->name, v->a, *u ? " " : "", u);
		return false;
	}
	if (mp->check == PC_NONNEG && !(v->a >= 0)) {
		err(l, n, "%s must not be negative (got %g%s%s)", mp->name, v->a, *u ? " " : "", u);
		return false;
	}
	return true;
}

/* Index of a population by name, or -1. The hidden populations of spikes
 * stimuli ('@stimulus...') cannot be named in a config. */
long find_pop(struct ld *l, const char *name)
{
	long i = snn_net_find_population(l->net, name);
	return i >= 0 && l->net->pops[i].hidden ? -1 : i;
}

/* Remembers a population that was dropped for an error already reported. */
void pop_dropped(struct ld *l, const char *name)
{
	if (l->n_dropped == l->cap_dropped) {
		size_t cap = l->cap_dropped ? 2 * l->cap_dropped : 8;
		const char **v = mem_resize(l->dropped, cap, sizeof(*v));
		if (!v) {
			oom(l);
			return;
		}
		l->dropped = v;
		l->cap_dropped = cap;
	}
	l->dropped[l->n_dropped++] = name;
}

bool pop_was_dropped(const struct ld *l, const char *name)
{
	for (size_t i = 0; i < l->n_dropped; i++) {
		if (strcmp(l->dropped[i], name) == 0) {
			return true;
		}
	}
	return false;
}

static void list_pops(struct ld *l, char *buf, size_t len)
{
	buf[0] = '\0';
	for (uint32_t i = 0; i < l->net->n_pops; i++) {
		if (l->net->pops[i].hidden) {
			continue;
		}
		size_t u = strlen(buf);
		snprintf(buf + u, len - u, "%s%s", u ? ", " : "", l->net->pops[i].name);
	}
}

static void unknown_pop(struct ld *l, const yaml_node_t *n, const char *name)
{
	if (pop_was_dropped(l, name)) {
		return; /* its definition's error is reported: no knock-on error here */
	}
	char all[256];
	list_pops(l, all, sizeof(all));
	err(l, n, "unknown population '%s'; the config defines: %s", name, all[0] ? all : "none");
}

/* A set of neurons: "name", "name[a:b]" (either bound may be left out), or
 * {population: name, ids: [i, j, ...]}. */
bool get_set(struct ld *l, const yaml_node_t *n, const char *key, struct target_set *t)
{
	memset(t, 0, sizeof(*t));
	if (is_map(n)) {
		static const char *const keys[] = {"population", "ids", NULL};
		char what[64];
		snprintf(what, sizeof(what), "the neuron set of %s", key);
		if (!check_map(l, n, keys, what)) {
			return false;
		}
		yaml_node_t *pn = require(l, n, "population", what);
		yaml_node_t *in = require(l, n, "ids", what);
		const char *name;
		if (!pn || !in || !get_string(l, pn, "population", &name)) {
			return false;
		}
		long pi = find_pop(l, name);
		if (pi < 0) {
			unknown_pop(l, pn, name);
			return false;
		}
		if (!is_seq(in) || seq_len(in) == 0) {
			err(l, in, "ids must be a non-empty list of neuron indices, found %s",
			    is_seq(in) ? "an empty list" : kind_name(in));
			return false;
		}
		uint32_t size = l->net->pops[pi].size;
		t->pop = (uint32_t)pi;
		t->ids = mem_array_raw(seq_len(in), sizeof(uint32_t));
		if (!t->ids) {
			oom(l);
			return false;
		}
		bool ok = true;
		SEQ_EACH(in, it)
		{
			uint64_t v;
			yaml_node_t *e = node_at(l, *it);
			if (!get_u64(l, e, "a neuron index", 0, size ? size - 1 : 0, &v)) {
				ok = false;
				continue;
			}
			t->ids[t->n_ids++] = (uint32_t)v;
		}
		qsort(t->ids, t->n_ids, sizeof(uint32_t), cmp_u32);
		for (uint32_t i = 1; ok && i < t->n_ids; i++) {
			if (t->ids[i] == t->ids[i - 1]) {
				err(l, in, "neuron %u is listed twice in ids", t->ids[i]);
				ok = false;
			}
		}
		if (!ok) {
			free(t->ids);
			t->ids = NULL;
		}
		return ok;
	}
	const char *s;
	if (!get_string(l, n, key, &s)) {
		return false;
	}
	char name[128];
	const char *br = strchr(s, '[');
	size_t nl = br ? (size_t)(br - s) : strlen(s);
	if (nl == 0 || nl >= sizeof(name)) {
		err(l, n,
		    "%s: expected a population name, optionally with a range such as "
		    "'exc[0:100]', found '%s'",
		    key, s);
		return false;
	}
	memcpy(name, s, nl);
	name[nl] = '\0';
	long pi = find_pop(l, name);
	if (pi < 0) {
		unknown_pop(l, n, name);
		return false;
	}
	uint32_t size = l->net->pops[pi].size;
	t->pop = (uint32_t)pi;
	t->lo = 0;
	t->hi = size;
	if (br) {
		unsigned long a = 0, b = size;
		const char *p = br + 1;
		char *end;
		bool bad = false;
		/* strtoul alone would take "-1" (as ULONG_MAX), " 1" and "+1" */
		if (*p != ':') {
			a = strtoul(p, &end, 10);
			bad |= end == p || !isdigit((unsigned char)*p);
			p = end;
		}
		bad |= *p != ':';
		if (!bad) {
			p++;
			if (*p != ']') {
				b = strtoul(p, &end, 10);
				bad |= end == p || !isdigit((unsigned char)*p);
				p = end;
			}
			bad |= strcmp(p, "]") != 0;
		}
		if (bad) {
			err(l, n, "%s: expected a range such as '%s[0:100]', found '%s'", key, name,
			    s);
			return false;
		}
		if (a >= b || b > size) {
			err(l, n,
			    "%s: the range [%lu:%lu] is empty or beyond the %u neurons of '%s'",
			    key, a, b, size, name);
			return false;
		}
		t->lo = (uint32_t)a;
		t->hi = (uint32_t)b;
	}
	return true;
}

/* A list of sets, or one set. Returns the count (0 on error). */
uint32_t get_sets(struct ld *l, const yaml_node_t *n, const char *key, struct target_set **out)
{
	size_t cnt = is_seq(n) ? seq_len(n) : 1;
	if (is_seq(n) && cnt == 0) {
		err(l, n, "%s must name at least one population", key);
		return 0;
	}
	struct target_set *v = mem_array(cnt, sizeof(*v));
	if (!v) {
		oom(l);
		return 0;
	}
	bool ok = true;
	if (is_seq(n)) {
		size_t i = 0;
		SEQ_EACH(n, it)
		{
			ok &= get_set(l, node_at(l, *it), key, &v[i++]);
		}
	} else {
		ok = get_set(l, n, key, &v[0]);
	}
	if (!ok) {
		for (size_t i = 0; i < cnt; i++) {
			free(v[i].ids);
		}
		free(v);
		return 0;
	}
	*out = v;
	return (uint32_t)cnt;
}

bool dup_set(struct ld *l, const struct target_set *src, struct target_set *dst)
{
	*dst = *src;
	if (src->ids) {
		dst->ids = mem_array_raw(src->n_ids, sizeof(uint32_t));
		if (!dst->ids) {
			oom(l);
			return false;
		}
		memcpy(dst->ids, src->ids, src->n_ids * sizeof(uint32_t));
	}
	return true;
}

void free_sets(struct target_set *v, uint32_t n)
{
	for (uint32_t i = 0; v && i < n; i++) {
		free(v[i].ids);
	}
	free(v);
}

/* Resolves a path written in the config against the config's folder. */
char *input_path(struct ld *l, const char *p)
{
	char *r;
	if (p[0] == '/' || !l->dir || !*l->dir) {
		r = mem_strdup(p);
	} else {
		size_t n = strlen(l->dir) + strlen(p) + 2;
		r = mem_alloc(n);
		if (r) {
			snprintf(r, n, "%s/%s", l->dir, p);
		}
	}
	if (!r) {
		oom(l);
	}
	return r;
}

/* ------------------------------------------------------------------ spike trains */

struct train {
	uint32_t neuron;
	double t;
};

static int cmp_train(const void *a, const void *b)
{
	const struct train *x = a, *y = b;
	if (x->neuron != y->neuron) {
		return (x->neuron > y->neuron) - (x->neuron < y->neuron);
	}
	return (x->t > y->t) - (x->t < y->t);
}

/* Names train k in messages: "neuron 3 of population 'in'", "stimulus 2"
 * (inline times: one train) or "train 3 of stimulus 2" (from a file). */
static void train_name(const struct trains_of *o, uint32_t k, char *buf, size_t len)
{
	if (!o->stim) {
		snprintf(buf, len, "neuron %u of %s", k, o->owner);
	} else if (o->p->size == 1) {
		snprintf(buf, len, "%s", o->owner);
	} else {
		snprintf(buf, len, "train %u of %s", k, o->owner);
	}
}

/* Fills a spike source's trains (CSR by neuron) from a list of (neuron,
 * time) pairs; checks that times are on the grid and after the start. */
static bool set_trains(struct ld *l, const yaml_node_t *n, const struct trains_of *o,
		       struct train *v, uint64_t cnt)
{
	struct population *p = o->p;
	char who[160];
	double dt = l->net->sim.dt_ms;
	qsort(v, cnt, sizeof(*v), cmp_train);
	p->train_off = mem_array((size_t)p->size + 1, sizeof(uint64_t));
	p->train_ms = mem_array_raw(cnt, sizeof(double));
	if (!p->train_off || !p->train_ms) {
		oom(l);
		return false;
	}
	for (uint64_t i = 0; i < cnt; i++) {
		if (v[i].neuron >= p->size) {
			err(l, n, "spike train for neuron %u, but population '%s' has %u neurons",
			    v[i].neuron, p->name, p->size);
			return false;
		}
		int64_t st = net_steps_of(v[i].t, dt);
		if (!(v[i].t > 0) || st < 1) {
			train_name(o, v[i].neuron, who, sizeof(who));
			if (v[i].t <= 0) {
				err(l, n,
				    "spike time %g ms of %s is not after the start; the "
				    "earliest possible spike is at %g ms (one step)",
				    v[i].t, who, dt);
			} else {
				err(l, n,
				    "spike time %g ms of %s is not on the time grid "
				    "(dt = %g ms)",
				    v[i].t, who, dt);
			}
			return false;
		}
		if (i > 0 && v[i - 1].neuron == v[i].neuron && net_steps_of(v[i - 1].t, dt) == st) {
			train_name(o, v[i].neuron, who, sizeof(who));
			err(l, n, "%s has two spikes in the same time step (%g ms)", who, v[i].t);
			return false;
		}
		p->train_off[v[i].neuron + 1]++;
		p->train_ms[i] = v[i].t;
	}
	for (uint32_t i = 0; i < p->size; i++) {
		p->train_off[i + 1] += p->train_off[i];
	}
	return true;
}

/* Reads spike trains from a spike file (HDF5 or CSV): node id k -> neuron k. */
static bool trains_from_file(struct ld *l, const yaml_node_t *n, const yaml_node_t *fnode,
			     const char *popname, const struct trains_of *o)
{
	struct population *p = o->p;
	const char *rel;
	if (!get_string(l, fnode, "file", &rel)) {
		return false;
	}
	char *path = input_path(l, rel);
	if (!path) {
		return false;
	}
	snn_spike_data *sd = NULL;
	snn_diag *sub = snn_diag_new();
	if (!sub) {
		free(path);
		oom(l);
		return false;
	}
	bool ok = false;
	int rc = snn_spike_data_read(path, &sd, sub);
	if (rc != SNN_OK) {
		struct origin at = where(l, fnode);
		for (size_t i = 0; i < snn_diag_count(sub); i++) {
			snn_diag_error(l->d, rc, at.file, at.line, at.col, "spike file '%s': %s",
				       rel, snn_diag_message(sub, i));
		}
		l->nerr++;
		goto out;
	}
	const snn_spike_population *sp = NULL;
	if (popname) {
		sp = snn_spike_data_find(sd, popname);
		if (!sp) {
			err(l, n, "spike file '%s' has no population '%s'", rel, popname);
			goto out;
		}
	} else if (sd->n_pops == 1) {
		sp = &sd->pops[0];
	} else if (!(sp = snn_spike_data_find(sd, p->name))) {
		err(l, n, "spike file '%s' holds %zu populations: name one with 'population'", rel,
		    sd->n_pops);
		goto out;
	}
	struct train *v = mem_array_raw(sp->n, sizeof(*v));
	if (!v) {
		oom(l);
		goto out;
	}
	for (uint64_t i = 0; i < sp->n; i++) {
		if (sp->node_ids[i] >= p->size) {
			err(l, fnode, "spike file '%s' has node id %llu, but %s has %u %s", rel,
			    (unsigned long long)sp->node_ids[i], o->owner, p->size,
			    o->stim ? "targets" : "neurons");
			free(v);
			goto out;
		}
		v[i].neuron = (uint32_t)sp->node_ids[i];
		v[i].t = sp->t_ms[i];
	}
	ok = set_trains(l, fnode, o, v, sp->n);
	free(v);
out:
	snn_spike_data_free(sd);
	snn_diag_free(sub);
	free(path);
	return ok;
}

/* spikes: {times: [...] | [[...], ...]} or {file: F, population: P}. */
bool parse_trains(struct ld *l, const yaml_node_t *n, const struct trains_of *o)
{
	static const char *const keys[] = {"times", "file", "population", NULL};
	struct population *p = o->p;
	char what[128];
	snprintf(what, sizeof(what), "the spikes of %s", o->owner);
	if (!o->checked && !check_map(l, n, keys, what)) {
		return false;
	}
	yaml_node_t *tn = map_get(l, n, "times");
	yaml_node_t *fn = map_get(l, n, "file");
	yaml_node_t *pn = map_get(l, n, "population");
	if ((tn != NULL) == (fn != NULL)) {
		if (tn || !(was_suggested(l, n, "times") || was_suggested(l, n, "file"))) {
			err(l, n, "%s need either 'times' or 'file'%s", what,
			    tn ? ", not both" : "");
		}
		return false;
	}
	if (fn) {
		const char *pname = NULL;
		if (pn && !get_string(l, pn, "population", &pname)) {
			return false;
		}
		return trains_from_file(l, n, fn, pname, o);
	}
	if (pn) {
		err(l, pn, "'population' only applies to spikes read from a file");
		return false;
	}
	if (!is_seq(tn)) {
		err(l, tn,
		    "times must be a list of spike times (a list per neuron when the "
		    "population has several), found %s",
		    kind_name(tn));
		return false;
	}
	bool nested = seq_len(tn) > 0 && is_seq(node_at(l, tn->data.sequence.items.start[0]));
	if (!nested && p->size != 1) {
		err(l, tn, "population '%s' has %u neurons: give one list of times per neuron",
		    p->name, p->size);
		return false;
	}
	if (nested && o->stim && seq_len(tn) != 1) {
		err(l, tn,
		    "times of %s must be one list of spike times (every target receives the "
		    "same train), found %zu lists",
		    o->owner, seq_len(tn));
		return false;
	}
	if (nested && seq_len(tn) != p->size) {
		err(l, tn, "times has %zu lists, but population '%s' has %u neurons", seq_len(tn),
		    p->name, p->size);
		return false;
	}
	uint64_t cnt = 0;
	if (nested) {
		SEQ_EACH(tn, it)
		{
			yaml_node_t *e = node_at(l, *it);
			if (!is_seq(e)) {
				err(l, e, "expected a list of spike times, found %s", kind_name(e));
				return false;
			}
			cnt += seq_len(e);
		}
	} else {
		cnt = seq_len(tn);
	}
	struct train *v = mem_array_raw(cnt, sizeof(*v));
	if (!v) {
		oom(l);
		return false;
	}
	uint64_t k = 0;
	bool ok = true;
	uint32_t neuron = 0;
	SEQ_EACH(tn, it)
	{
		yaml_node_t *e = node_at(l, *it);
		if (nested) {
			SEQ_EACH(e, jt)
			{
				yaml_node_t *x = node_at(l, *jt);
				v[k].neuron = neuron;
				ok &= get_quantity(l, x, SNN_DIM_TIME, "a spike time", &v[k].t);
				k++;
			}
			neuron++;
		} else {
			v[k].neuron = 0;
			ok &= get_quantity(l, e, SNN_DIM_TIME, "a spike time", &v[k].t);
			k++;
		}
	}
	ok = ok && set_trains(l, tn, o, v, cnt);
	free(v);
	return ok;
}
