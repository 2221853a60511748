/*
 * The YAML config loader: reads a config with libyaml's document API and
 * fills the network IR, checking every key, unit and value on the way.
 * Layer: sim core (loaders). Reports every problem of a file in one pass as
 * `file:line:col: error: ...`; never stops at the first one, never crashes
 * on input, never guesses a missing unit.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "mem_int.h"
#include "net_int.h"
#include "snn/config.h"
#include "snn/spikes.h"
#include "snn/units.h"
#include "textfile_int.h"
#include "yaml_values_int.h"

/* ------------------------------------------------------------------ simulation */

/* Returns whether dt is known (given and valid, or the default): every later
 * check of time values needs it. */
static bool parse_simulation(struct ld *l, const yaml_node_t *n)
{
	static const char *const keys[] = {"dt",     "duration", "seed",  "threads",
					   "engine", "backend",	 "scale", NULL};
	if (!check_map(l, n, keys, "the simulation section")) {
		return false;
	}
	if (!map_get(l, n, "dt") && was_suggested(l, n, "dt")) {
		return false; /* a misspelt dt: the default would give false errors later */
	}
	struct sim_params *s = &l->net->sim;
	yaml_node_t *x;
	bool dt_ok = true;
	if ((x = map_get(l, n, "dt"))) {
		s->dt_where = where(l, x);
		dt_ok = get_quantity(l, x, SNN_DIM_TIME, "dt", &s->dt_ms);
		if (dt_ok && !(s->dt_ms > 0)) {
			err(l, x, "dt must be positive (got %g ms)", s->dt_ms);
			dt_ok = false;
		}
	}
	if ((x = map_get(l, n, "duration"))) {
		s->duration_where = where(l, x);
		if (get_quantity(l, x, SNN_DIM_TIME, "duration", &s->duration_ms)) {
			if (!(s->duration_ms > 0)) {
				err(l, x, "duration must be positive (got %g ms)", s->duration_ms);
			} else if (dt_ok &&
				   !check_steps(l, x, "duration", s->duration_ms, NET_MAX_STEPS)) {
				/* reported */
			} else if (dt_ok && net_steps_of(s->duration_ms, s->dt_ms) < 0) {
				err(l, x,
				    "duration %g ms is not a whole number of time steps (dt = %g "
				    "ms)",
				    s->duration_ms, s->dt_ms);
			}
		}
	}
	uint64_t v;
	if ((x = map_get(l, n, "seed")) && get_u64(l, x, "seed", 0, UINT64_MAX, &v)) {
		s->seed = v;
	}
	if ((x = map_get(l, n, "threads")) && get_u64(l, x, "threads", 1, 4096, &v)) {
		s->threads = (int)v;
	}
	if ((x = map_get(l, n, "scale"))) {
		double sc;
		if (get_number(l, x, "scale", &sc)) {
			if (!(sc > 0) || sc > 1e6) {
				err(l, x, "scale must be positive and at most 1e6 (got %g)", sc);
			} else if (!l->scale_forced) {
				l->scale = sc;
			}
		}
	}
	if ((x = map_get(l, n, "engine"))) {
		const char *e;
		s->engine_where = where(l, x);
		if (get_string(l, x, "engine", &e)) {
			if (strcmp(e, "grid") == 0) {
				s->engine = ENGINE_GRID;
			} else if (strcmp(e, "event") == 0) {
				s->engine = ENGINE_EVENT;
			} else {
				err(l, x,
				    "unknown engine '%s'; expected grid (the time grid) or event "
				    "(exact, event-driven)",
				    e);
			}
		}
	}
	if ((x = map_get(l, n, "backend"))) {
		const char *b;
		if (!map_get(l, n, "engine")) {
			s->engine_where = where(l, x);
		}
		if (get_string(l, x, "backend", &b)) {
			if (strcmp(b, "cpu") == 0) {
				s->backend = BACKEND_CPU;
			} else if (strcmp(b, "cuda") == 0) {
				s->backend = BACKEND_CUDA;
			} else {
				err(l, x, "unknown backend '%s'; expected cpu or cuda", b);
			}
		}
	}
	return dt_ok;
}

/* ------------------------------------------------------------------ populations */

static bool valid_name(const char *s)
{
	if (!isalpha((unsigned char)s[0]) && s[0] != '_') {
		return false;
	}
	for (const char *p = s; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-') {
			return false;
		}
	}
	return strlen(s) < 100;
}

static void init_defaults(struct population *p)
{
	const struct model *m = p->model;
	for (int i = 0; i < m->n_params; i++) {
		p->params[i].kind = VALUE_CONST;
		p->params[i].a = m->params[i].def;
		p->params[i].lo = -INFINITY;
		p->params[i].hi = INFINITY;
		p->params[i].sign = 1.0;
	}
	for (int i = 0; i < m->n_state; i++) {
		p->init[i].kind = VALUE_CONST;
		p->init[i].a = NAN; /* the model's default */
		p->init[i].lo = -INFINITY;
		p->init[i].hi = INFINITY;
		p->init[i].sign = 1.0;
	}
}

/* Cross-parameter checks of the lif models (lif and lif_cond) on constant
 * values; pn is the params mapping, or the population where it has none.
 * Parameters whose bit is set in `failed` had an error of their own and keep
 * their default: they are left out, so as not to report a knock-on error.
 * Each error points at the value written, or at pn for a default. */
static void check_lif(struct ld *l, const yaml_node_t *pn, struct population *p, uint32_t failed)
{
	const struct model *m = p->model;
	int ith = model_param_index(m, "V_th"), irs = model_param_index(m, "V_reset");
	int itr = model_param_index(m, "t_ref");
	const struct value *th = &p->params[ith], *rs = &p->params[irs], *tr = &p->params[itr];
	bool th_rs_ok = !(failed & (1u << ith)) && !(failed & (1u << irs));
	if (th_rs_ok && value_is_const(th) && value_is_const(rs) && !(rs->a < th->a)) {
		yaml_node_t *at = map_get(l, pn, "V_reset");
		if (!at) {
			at = map_get(l, pn, "V_th");
		}
		err(l, at ? at : pn,
		    "V_reset (%g mV) must be below V_th (%g mV) in population '%s'", rs->a, th->a,
		    p->name);
	}
	double tr_lo, tr_hi;
	value_range(tr, &tr_lo, &tr_hi);
	if (!(failed & (1u << itr)) && isfinite(tr_hi) &&
	    !check_steps(l, map_get(l, pn, "t_ref") ? map_get(l, pn, "t_ref") : pn, "t_ref", tr_hi,
			 NET_MAX_STEPS_32)) {
		return;
	}
	if (!(failed & (1u << itr)) && value_is_const(tr) &&
	    net_steps_of(tr->a, l->net->sim.dt_ms) < 0) {
		yaml_node_t *at = map_get(l, pn, "t_ref");
		err(l, at ? at : pn, "t_ref %g ms is not a whole number of time steps (dt = %g ms)",
		    tr->a, l->net->sim.dt_ms);
	}
}

/* poisson_source: a rate is required; rate, start and stop are constants, on
 * the time grid, with stop after start. */
static void check_poisson_source(struct ld *l, const yaml_node_t *pn, const yaml_node_t *n,
				 const struct population *p, unsigned failed)
{
	static const int which[] = {PSRC_RATE, PSRC_START, PSRC_STOP};
	yaml_node_t *rn = pn ? map_get(l, pn, "rate") : NULL;
	if (!rn && !(pn && was_suggested(l, pn, "rate"))) {
		err(l, pn ? pn : n, "population '%s' (poisson_source) needs a 'rate' in its params",
		    p->name);
	}
	bool ok = true;
	for (int k = 0; k < 3; k++) {
		const struct value *v = &p->params[which[k]];
		const char *key = p->model->params[which[k]].name;
		if (failed & (1u << which[k])) {
			ok = false;
		} else if (!value_is_const(v)) {
			err(l, map_get(l, pn, key), "%s of a poisson_source must be a constant",
			    key);
			ok = false;
		}
	}
	if (!ok) {
		return;
	}
	double dt = l->net->sim.dt_ms, start = p->params[PSRC_START].a,
	       stop = p->params[PSRC_STOP].a;
	yaml_node_t *sn = map_get(l, pn, "start"), *en = map_get(l, pn, "stop");
	if (sn && !check_steps(l, sn, "start", start, NET_MAX_STEPS)) {
		return;
	}
	if (en && isfinite(stop) && !check_steps(l, en, "stop", stop, NET_MAX_STEPS)) {
		return;
	}
	if (sn && net_steps_of(start, dt) < 0) {
		err(l, sn, "start %g ms is not on the time grid (dt = %g ms)", start, dt);
	}
	if (en && !(stop > start)) {
		err(l, en, "stop (%g ms) must be after start (%g ms)", stop, start);
	} else if (en && isfinite(stop) && net_steps_of(stop, dt) < 0) {
		err(l, en, "stop %g ms is not on the time grid (dt = %g ms)", stop, dt);
	}
}

/* The params mapping of population p (model m): each value checked against
 * its parameter. Returns the parameters that had an error (bit i: parameter
 * i; all bits: the mapping itself had one). */
static uint32_t parse_params(struct ld *l, const yaml_node_t *pn, const struct model *m,
			     struct population *p, const char *name)
{
	uint32_t failed = 0;
	const char *names[32];
	int k = 0;
	for (int i = 0; i < m->n_params && k < 31; i++) {
		if (model_accepts_param(m, i)) {
			names[k++] = m->params[i].name;
		}
	}
	names[k] = NULL;
	char pwhat[192];
	snprintf(pwhat, sizeof(pwhat), "the parameters of population '%s' (model %s%s%s)", name,
		 m->name, m->synapse ? ", synapse " : "", m->synapse ? m->synapse : "");
	if (m->n_params == 0) {
		err(l, pn, "model '%s' has no parameters", m->name);
	} else if (check_map(l, pn, names, pwhat)) {
		MAP_EACH(l, pn, pp)
		{
			yaml_node_t *key = node_at(l, pp->key);
			yaml_node_t *val = node_at(l, pp->value);
			int idx = model_param_index(m, sval(key));
			struct value v;
			if (!model_accepts_param(m, idx)) {
				continue; /* reported by check_map */
			}
			if (get_value(l, val, m->params[idx].dim, sval(key), &v) &&
			    check_param(l, val, &m->params[idx], &v)) {
				p->params[idx] = v;
			} else {
				failed |= 1u << idx;
			}
		}
	} else {
		failed = ~0u;
	}
	return failed;
}

/* The init mapping of population p (model m): its settable state. */
static void parse_init(struct ld *l, const yaml_node_t *in, const struct model *m,
		       struct population *p, const char *name)
{
	const char *names[16];
	int k = 0;
	for (int i = 0; i < m->n_state && k < 15; i++) {
		if (m->state[i].settable) {
			names[k++] = m->state[i].name;
		}
	}
	names[k] = NULL;
	char iwhat[160];
	snprintf(iwhat, sizeof(iwhat), "the initial state of population '%s'", name);
	if (k == 0) {
		err(l, in, "model '%s' has no state to initialize", m->name);
	} else if (check_map(l, in, names, iwhat)) {
		MAP_EACH(l, in, pp)
		{
			yaml_node_t *key = node_at(l, pp->key);
			int idx = model_state_index(m, sval(key));
			struct value v;
			if (idx < 0 || !m->state[idx].settable) {
				continue; /* reported by check_map */
			}
			if (get_value(l, node_at(l, pp->value), m->state[idx].dim, sval(key), &v)) {
				p->init[idx] = v;
			}
		}
	}
}

static void parse_population(struct ld *l, const yaml_node_t *kn, const yaml_node_t *n)
{
	static const char *const keys[] = {"model", "size",   "synapse", "params",
					   "init",  "spikes", NULL};
	const char *name = sval(kn);
	char what[160];
	snprintf(what, sizeof(what), "population '%s'", name);
	if (!valid_name(name)) {
		err(l, kn,
		    "population name '%s' must start with a letter or '_' and hold only "
		    "letters, digits, '_', '.' and '-'",
		    name);
		pop_dropped(l, name);
		return;
	}
	if (find_pop(l, name) >= 0 || pop_was_dropped(l, name)) {
		err(l, kn, "population '%s' is defined twice", name);
		return;
	}
	if (!check_map(l, n, keys, what)) {
		pop_dropped(l, name);
		return;
	}
	yaml_node_t *mn = require(l, n, "model", what);
	yaml_node_t *zn = require(l, n, "size", what);
	yaml_node_t *sn = map_get(l, n, "synapse");
	const char *mname = NULL, *syn = NULL;
	uint64_t size = 0;
	bool ok = mn && get_string(l, mn, "model", &mname);
	ok &= zn && get_u64(l, zn, "size", 1, UINT32_MAX - 1, &size);
	if (sn) {
		ok &= get_string(l, sn, "synapse", &syn);
	}
	if (ok && l->scale != 1.0) {
		double scaled = nearbyint((double)size * l->scale);
		if (scaled > UINT32_MAX - 1) {
			err(l, zn, "size %llu times scale %g is more than %u neurons",
			    (unsigned long long)size, l->scale, UINT32_MAX - 1);
			ok = false;
		}
		size = scaled < 1 ? 1 : (uint64_t)scaled;
	}
	if (!ok) {
		pop_dropped(l, name);
		return;
	}
	const struct model *m = model_find(mname, syn);
	if (!m) {
		if (syn && model_find(mname, NULL)) {
			err(l, sn, "model '%s' has no synapse kind '%s'%s", mname, syn,
			    strcmp(mname, "lif") == 0 ? "; expected 'delta' or 'exp'" : "");
		} else {
			char all[256];
			model_list_names(all, sizeof(all));
			err(l, mn, "unknown model '%s'; expected one of: %s", mname, all);
		}
		pop_dropped(l, name);
		return;
	}
	struct population *p = net_add_population(l->net);
	if (p && !(p->name = mem_strdup(name))) {
		l->net->n_pops--; /* a nameless population would crash later lookups */
		p = NULL;
	}
	if (!p) {
		oom(l);
		return;
	}
	p->size = (uint32_t)size;
	p->model = m;
	p->where = where(l, kn);
	p->params = mem_array(m->n_params, sizeof(struct value));
	p->init = mem_array(m->n_state, sizeof(struct value));
	if (!p->params || !p->init) {
		oom(l);
		return;
	}
	init_defaults(p);

	yaml_node_t *pn = map_get(l, n, "params");
	uint32_t failed = 0; /* bit i: parameter i had an error (all: the mapping had one) */
	if (pn && is_null(pn)) {
		pn = NULL;
	}
	if (pn) {
		failed = parse_params(l, pn, m, p, name);
	}
	if (m->id == MODEL_LIF_DELTA || m->id == MODEL_LIF_EXP || m->id == MODEL_LIF_COND) {
		check_lif(l, pn ? pn : n, p, failed);
	}
	if (failed != ~0u && m->id == MODEL_POISSON_SOURCE) {
		check_poisson_source(l, pn, n, p, failed);
	}

	yaml_node_t *in = map_get(l, n, "init");
	if (in && !is_null(in)) {
		parse_init(l, in, m, p, name);
	}

	yaml_node_t *spn = map_get(l, n, "spikes");
	if (m->id == MODEL_SPIKE_SOURCE) {
		if (!spn) {
			err(l, n, "population '%s' (spike_source) needs 'spikes'", name);
		} else {
			struct trains_of o = {p, "", false, false};
			snprintf(o.owner, sizeof(o.owner), "population '%s'", name);
			parse_trains(l, spn, &o);
		}
	} else if (spn) {
		err(l, map_key_node(l, n, "spikes"),
		    "'spikes' only applies to populations of model spike_source");
	}
}

static void parse_populations(struct ld *l, const yaml_node_t *n)
{
	if (!is_map(n)) {
		err(l, n, "populations must be a mapping of names to populations, found %s",
		    kind_name(n));
		return;
	}
	if (n->data.mapping.pairs.top == n->data.mapping.pairs.start) {
		err(l, n, "populations is empty: define at least one population");
		return;
	}
	MAP_EACH(l, n, p)
	{
		yaml_node_t *k = node_at(l, p->key);
		if (!is_scalar(k)) {
			err(l, k, "population names must be text, found %s", kind_name(k));
			continue;
		}
		parse_population(l, k, node_at(l, p->value));
	}
}

/* ------------------------------------------------------------------ projections */

/* Checks a delay value against the time grid. */
static bool check_delay(struct ld *l, const yaml_node_t *n, const struct value *v)
{
	double dt = l->net->sim.dt_ms;
	double lo, hi;
	value_range(v, &lo, &hi);
	if (v->kind == VALUE_CONST) {
		double steps = nearbyint(v->a / dt);
		if (steps < 1) {
			err(l, n, "delay %g ms is below one time step (dt = %g ms)", v->a, dt);
			return false;
		}
		if (steps > NET_MAX_DELAY_STEPS) {
			err(l, n, "delay %g ms is longer than %u time steps", v->a,
			    NET_MAX_DELAY_STEPS);
			return false;
		}
		return true;
	}
	/* A drawn delay becomes round(d / dt) steps (ties to even, as conn_delay
	 * rounds): the bounds must round into [1, NET_MAX_DELAY_STEPS] as well. */
	if (!(nearbyint(lo / dt) >= 1)) {
		err(l, n,
		    "delay distribution can give delays below one time step (dt = %g ms): "
		    "add 'min: %g ms'",
		    dt, dt);
		return false;
	}
	/* An unbounded distribution may still draw a delay past the limit: the
	 * engine reports it when it builds the synapse. */
	if (isfinite(hi) && !(nearbyint(hi / dt) <= NET_MAX_DELAY_STEPS)) {
		err(l, n,
		    "delay distribution can give delays longer than %u time steps (%g ms): "
		    "lower its upper bound",
		    NET_MAX_DELAY_STEPS, NET_MAX_DELAY_STEPS * dt);
		return false;
	}
	return true;
}

static bool parse_rule(struct ld *l, const yaml_node_t *n, struct projection *pr)
{
	static const char *const rules[] = {"all_to_all",
					    "one_to_one",
					    "fixed_probability",
					    "fixed_indegree",
					    "fixed_outdegree",
					    "fixed_total_number",
					    NULL};
	static const char expected[] = "expected all_to_all, one_to_one, {fixed_probability: p}, "
				       "{fixed_indegree: K}, {fixed_outdegree: K} or "
				       "{fixed_total_number: N}";
	if (!is_map(n) && (!is_scalar(n) || is_null(n))) {
		err(l, n, "the connection rule must be a name or a mapping: %s, found %s", expected,
		    kind_name(n));
		return false;
	}
	if (is_scalar(n)) {
		const char *s = sval(n);
		if (!strcmp(s, "all_to_all")) {
			pr->rule = RULE_ALL_TO_ALL;
			return true;
		}
		if (!strcmp(s, "one_to_one")) {
			pr->rule = RULE_ONE_TO_ONE;
			return true;
		}
		for (int i = 2; rules[i]; i++) {
			if (!strcmp(s, rules[i])) {
				err(l, n, "rule %s needs a number: write {%s: ...}", s, s);
				return false;
			}
		}
		char hint[64];
		suggest(s, rules, hint, sizeof(hint));
		err(l, n, "unknown connection rule '%s'%s; %s", s, hint, expected);
		return false;
	}
	MAP_EACH(l, n, p)
	{
		yaml_node_t *k = node_at(l, p->key);
		const char *ks = is_scalar(k) ? sval(k) : "";
		if (!strcmp(ks, "all_to_all") || !strcmp(ks, "one_to_one")) {
			err(l, k, "rule %s takes no number: write %s", ks, ks);
			return false;
		}
	}
	if (!check_map(l, n, rules + 2, "the connection rule")) {
		return false;
	}
	if (n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1) {
		err(l, n, "the connection rule must name exactly one rule");
		return false;
	}
	yaml_node_t *k = node_at(l, n->data.mapping.pairs.start[0].key);
	yaml_node_t *v = node_at(l, n->data.mapping.pairs.start[0].value);
	const char *s = sval(k);
	if (!strcmp(s, "fixed_probability")) {
		pr->rule = RULE_FIXED_PROBABILITY;
		if (!get_number(l, v, "fixed_probability", &pr->p)) {
			return false;
		}
		if (!(pr->p >= 0 && pr->p <= 1)) {
			err(l, v, "fixed_probability must be between 0 and 1 (got %g)", pr->p);
			return false;
		}
		if (l->scale != 1.0) {
			/* the sources scale with the network: keep the mean in-degree */
			double ps = pr->p / l->scale;
			if (ps > 1.0) {
				err(l, v,
				    "at scale %g, fixed_probability %g would become %g (p / scale) "
				    "to keep the in-degree; use a larger scale",
				    l->scale, pr->p, ps);
				return false;
			}
			pr->p = ps;
		}
		return true;
	}
	pr->rule = !strcmp(s, "fixed_indegree")	   ? RULE_FIXED_INDEGREE
		   : !strcmp(s, "fixed_outdegree") ? RULE_FIXED_OUTDEGREE
						   : RULE_FIXED_TOTAL_NUMBER;
	if (!get_u64(l, v, s, 0, UINT32_MAX, &pr->n)) {
		return false;
	}
	if (pr->rule == RULE_FIXED_TOTAL_NUMBER && l->scale != 1.0) {
		/* as many synapses per target as at scale 1 */
		double ns = nearbyint((double)pr->n * l->scale);
		pr->n = ns > UINT32_MAX ? UINT32_MAX : (uint64_t)ns;
	}
	return true;
}

/* Number of neurons in both sets (of the same population). Costs the size of
 * an id list times log of the other; two ranges cost nothing. */
static uint64_t set_overlap(const struct target_set *a, const struct target_set *b)
{
	if (!a->ids && !b->ids) {
		uint32_t lo = a->lo > b->lo ? a->lo : b->lo, hi = a->hi < b->hi ? a->hi : b->hi;
		return hi > lo ? hi - lo : 0;
	}
	if (!a->ids) {
		const struct target_set *t = a;
		a = b;
		b = t;
	}
	uint64_t n = 0;
	for (uint32_t k = 0; k < a->n_ids; k++) {
		n += target_set_contains(b, a->ids[k]);
	}
	return n;
}

/* Checks that a rule can be met by the sizes of its two sets. Without
 * autapses a neuron in both sets cannot pair with itself (as connect.c
 * counts): one partner less for it, |pre and post| pairs less in all. */
static bool check_rule_fits(struct ld *l, const yaml_node_t *n, const struct projection *pr)
{
	uint32_t ns = target_set_size(&pr->pre), nt = target_set_size(&pr->post);
	const char *sname = l->net->pops[pr->pre.pop].name;
	const char *tname = l->net->pops[pr->post.pop].name;
	bool same = pr->pre.pop == pr->post.pop;
	uint64_t self = (same && !pr->autapses) ? set_overlap(&pr->pre, &pr->post) : 0;
	uint64_t avail_src = ns - (self ? 1 : 0);
	uint64_t avail_tgt = nt - (self ? 1 : 0);
	switch (pr->rule) {
	case RULE_ONE_TO_ONE:
		if (ns != nt) {
			err(l, n,
			    "one_to_one needs sets of equal size ('%s' has %u neurons, '%s' %u)",
			    sname, ns, tname, nt);
			return false;
		}
		return true;
	case RULE_FIXED_INDEGREE:
		if (!pr->multapses && pr->n > avail_src) {
			err(l, n,
			    "fixed_indegree %llu without multapses needs at least %llu sources, "
			    "but '%s' offers %llu",
			    (unsigned long long)pr->n, (unsigned long long)pr->n, sname,
			    (unsigned long long)avail_src);
			return false;
		}
		if (pr->n > 0 && avail_src == 0) {
			err(l, n, "fixed_indegree: '%s' offers no source neurons", sname);
			return false;
		}
		return true;
	case RULE_FIXED_OUTDEGREE:
		if (!pr->multapses && pr->n > avail_tgt) {
			err(l, n,
			    "fixed_outdegree %llu without multapses needs at least %llu targets, "
			    "but '%s' offers %llu",
			    (unsigned long long)pr->n, (unsigned long long)pr->n, tname,
			    (unsigned long long)avail_tgt);
			return false;
		}
		if (pr->n > 0 && avail_tgt == 0) {
			err(l, n, "fixed_outdegree: '%s' offers no target neurons", tname);
			return false;
		}
		return true;
	case RULE_FIXED_TOTAL_NUMBER: {
		double pairs = (double)ns * (double)nt - (double)self;
		if (!pr->multapses && (double)pr->n > pairs) {
			err(l, n,
			    "fixed_total_number %llu without multapses exceeds the %.0f possible "
			    "pairs",
			    (unsigned long long)pr->n, pairs);
			return false;
		}
		if (pr->n > 0 && pairs <= 0) {
			err(l, n, "fixed_total_number: there are no possible pairs");
			return false;
		}
		return true;
	}
	case RULE_ALL_TO_ALL:
	case RULE_FIXED_PROBABILITY:
	default:
		return true;
	}
}

/* Parses weight and delay for synapses onto population `tgt`. */
static bool parse_weight_delay(struct ld *l, const yaml_node_t *n, const char *what, uint32_t tgt,
			       struct value *w, struct value *dl)
{
	const struct model *m = l->net->pops[tgt].model;
	yaml_node_t *wn = require(l, n, "weight", what);
	yaml_node_t *dn = require(l, n, "delay", what);
	bool ok = wn && dn;
	if (wn) {
		char key[160];
		snprintf(key, sizeof(key), "weight (onto '%s', model %s%s%s)",
			 l->net->pops[tgt].name, m->name, m->synapse ? ", synapse " : "",
			 m->synapse ? m->synapse : "");
		bool okw = get_value(l, wn, m->weight_dim, key, w);
		double lo, hi;
		if (okw) {
			value_range(w, &lo, &hi);
		}
		/* an unbounded distribution is checked at each drawn weight */
		if (okw && ((isfinite(lo) && !(fabs(lo) <= NET_MAX_WEIGHT)) ||
			    (isfinite(hi) && !(fabs(hi) <= NET_MAX_WEIGHT)))) {
			const char *u = snn_dim_unit(m->weight_dim);
			err_code(
			    l, wn, SNN_ERANGE,
			    "weight %g%s%s is more than the engine's fixed-point inputs hold (at "
			    "most %g%s%s)",
			    fabs(lo) > fabs(hi) ? lo : hi, u[0] ? " " : "", u, NET_MAX_WEIGHT,
			    u[0] ? " " : "", u);
			okw = false;
		}
		ok &= okw;
	}
	if (dn) {
		/* checked even when the weight failed, so that both are reported */
		bool okd = get_value(l, dn, SNN_DIM_TIME, "delay", dl) && check_delay(l, dn, dl);
		ok = ok && okd;
	}
	return ok;
}

static bool copy_value(struct ld *l, const struct value *src, struct value *dst)
{
	*dst = *src;
	if (src->arr) {
		dst->arr = mem_array_raw(src->n, sizeof(double));
		if (!dst->arr) {
			oom(l);
			return false;
		}
		memcpy(dst->arr, src->arr, src->n * sizeof(double));
	}
	return true;
}

static void parse_projection(struct ld *l, const yaml_node_t *n, size_t index)
{
	static const char *const keys[] = {"from",  "to",	"rule",	     "weight",
					   "delay", "autapses", "multapses", NULL};
	char what[64];
	snprintf(what, sizeof(what), "projection %zu", index + 1);
	if (!check_map(l, n, keys, what)) {
		return;
	}
	yaml_node_t *fn = require(l, n, "from", what);
	yaml_node_t *tn = require(l, n, "to", what);
	yaml_node_t *rn = require(l, n, "rule", what);
	struct target_set *pre = NULL, *post = NULL;
	uint32_t npre = fn ? get_sets(l, fn, "from", &pre) : 0;
	uint32_t npost = tn ? get_sets(l, tn, "to", &post) : 0;
	struct projection tmpl;
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.autapses = true;
	tmpl.multapses = true;
	tmpl.where = where(l, n);
	bool ok = npre && npost && rn;
	yaml_node_t *x;
	if ((x = map_get(l, n, "autapses"))) {
		ok &= get_bool(l, x, "autapses", &tmpl.autapses);
	}
	if ((x = map_get(l, n, "multapses"))) {
		ok &= get_bool(l, x, "multapses", &tmpl.multapses);
	}
	if (rn) {
		/* independent of from and to: report its errors even when they failed */
		ok &= parse_rule(l, rn, &tmpl);
	}
	for (uint32_t j = 0; ok && j < npost; j++) {
		const struct population *tp = &l->net->pops[post[j].pop];
		if (tp->model->is_source) {
			err(l, tn, "population '%s' (%s) cannot receive synapses", tp->name,
			    tp->model->name);
			ok = false;
		}
	}
	/* One projection per (from, to) pair; weights and delays are parsed once
	 * per target model since their unit depends on it. */
	for (uint32_t j = 0; ok && j < npost; j++) {
		struct value w, dl;
		memset(&w, 0, sizeof(w));
		memset(&dl, 0, sizeof(dl));
		if (!parse_weight_delay(l, n, what, post[j].pop, &w, &dl)) {
			value_free(&w);
			value_free(&dl);
			break;
		}
		for (uint32_t i = 0; i < npre; i++) {
			struct projection *pr = net_add_projection(l->net);
			if (!pr) {
				oom(l);
				break;
			}
			*pr = tmpl;
			bool okc = dup_set(l, &pre[i], &pr->pre) &&
				   dup_set(l, &post[j], &pr->post) &&
				   copy_value(l, &w, &pr->weight) && copy_value(l, &dl, &pr->delay);
			if (!okc || !check_rule_fits(l, rn, pr)) {
				break;
			}
		}
		value_free(&w);
		value_free(&dl);
	}
	free_sets(pre, npre);
	free_sets(post, npost);
}

static void parse_projections(struct ld *l, const yaml_node_t *n)
{
	if (!is_seq(n)) {
		err(l, n, "projections must be a list, found %s", kind_name(n));
		return;
	}
	size_t i = 0;
	SEQ_EACH(n, it)
	{
		parse_projection(l, node_at(l, *it), i++);
	}
}

/* ------------------------------------------------------------------ stimuli */

/* start and stop of a stimulus or a poisson_source: on the time grid, not
 * negative, stop after start. */
static bool parse_window(struct ld *l, const yaml_node_t *n, double *start, double *stop)
{
	yaml_node_t *x;
	bool ok = true;
	double dt = l->net->sim.dt_ms;
	*start = 0.0;
	*stop = INFINITY;
	if ((x = map_get(l, n, "start"))) {
		ok &= get_quantity(l, x, SNN_DIM_TIME, "start", start);
		if (ok && *start < 0) {
			err(l, x, "start must not be negative (got %g ms)", *start);
			ok = false;
		} else if (ok && !check_steps(l, x, "start", *start, NET_MAX_STEPS)) {
			ok = false;
		} else if (ok && net_steps_of(*start, dt) < 0) {
			err(l, x, "start %g ms is not on the time grid (dt = %g ms)", *start, dt);
			ok = false;
		}
	}
	if ((x = map_get(l, n, "stop"))) {
		bool okq = get_quantity(l, x, SNN_DIM_TIME, "stop", stop);
		if (okq && ok && !(*stop > *start)) {
			err(l, x, "stop (%g ms) must be after start (%g ms)", *stop, *start);
			okq = false;
		} else if (okq && isfinite(*stop) &&
			   !check_steps(l, x, "stop", *stop, NET_MAX_STEPS)) {
			okq = false;
		} else if (okq && isfinite(*stop) && net_steps_of(*stop, dt) < 0) {
			err(l, x, "stop %g ms is not on the time grid (dt = %g ms)", *stop, dt);
			okq = false;
		}
		ok &= okq;
	}
	return ok;
}

/* A spike-time stimulus becomes a hidden spike_source population with a
 * projection onto the targets: all_to_all from one train for inline times,
 * one_to_one (train k to target k) for a file. */
static void parse_spike_stimulus(struct ld *l, const yaml_node_t *n, const yaml_node_t *sn,
				 const yaml_node_t *tn, const struct target_set *to, uint32_t nto,
				 size_t index)
{
	char what[64];
	snprintf(what, sizeof(what), "stimulus %zu", index + 1);
	static const char *const keys[] = {"times", "file", "population", NULL};
	char swhat[96];
	snprintf(swhat, sizeof(swhat), "the spikes of %s", what);
	if (!check_map(l, sn, keys, swhat)) {
		return;
	}
	bool from_file = map_get(l, sn, "file") != NULL;
	for (uint32_t j = 0; j < nto; j++) {
		struct population *tp = &l->net->pops[to[j].pop];
		if (tp->model->is_source) {
			err(l, tn, "population '%s' (%s) cannot receive stimuli", tp->name,
			    tp->model->name);
			return;
		}
		char pname[64];
		snprintf(pname, sizeof(pname), "@stimulus%zu.%u", index + 1, j);
		struct population *p = net_add_population(l->net);
		if (p && !(p->name = mem_strdup(pname))) {
			l->net->n_pops--; /* a nameless population would crash later lookups */
			p = NULL;
		}
		if (!p) {
			oom(l);
			return;
		}
		p->model = model_get(MODEL_SPIKE_SOURCE);
		p->hidden = true;
		p->size = from_file ? target_set_size(&to[j]) : 1;
		p->where = where(l, sn);
		uint32_t pidx = l->net->n_pops - 1;
		/* Inline times are a flat list; parse_trains wants nested lists only for
		 * several neurons, which this population never has when inline. */
		struct trains_of o = {p, "", true, true};
		snprintf(o.owner, sizeof(o.owner), "%s", what);
		if (!parse_trains(l, sn, &o)) {
			return;
		}
		struct value w, dl;
		memset(&w, 0, sizeof(w));
		memset(&dl, 0, sizeof(dl));
		if (!parse_weight_delay(l, n, what, to[j].pop, &w, &dl)) {
			value_free(&w);
			value_free(&dl);
			return;
		}
		struct projection *pr = net_add_projection(l->net);
		if (!pr) {
			oom(l);
			value_free(&w);
			value_free(&dl);
			return;
		}
		pr->rule = from_file ? RULE_ONE_TO_ONE : RULE_ALL_TO_ALL;
		pr->autapses = true;
		pr->multapses = true;
		pr->pre.pop = pidx;
		pr->pre.lo = 0;
		pr->pre.hi = p->size;
		pr->weight = w;
		pr->delay = dl;
		pr->where = where(l, n);
		/* the population array may have moved: re-read the target set */
		if (!dup_set(l, &to[j], &pr->post)) {
			return;
		}
	}
}

/* A step current: times and amplitudes, the times increasing and on the
 * grid. Fills st and returns whether it is valid. */
static bool parse_step(struct ld *l, const yaml_node_t *sn, const char *swhat, struct stimulus *st)
{
	static const char *const k[] = {"times", "amplitudes", NULL};
	st->kind = STIM_STEP;
	bool ok = check_map(l, sn, k, swhat);
	yaml_node_t *tms = ok ? require(l, sn, "times", swhat) : NULL;
	yaml_node_t *ams = ok ? require(l, sn, "amplitudes", swhat) : NULL;
	ok = ok && tms && ams;
	if (ok &&
	    (!is_seq(tms) || !is_seq(ams) || seq_len(tms) != seq_len(ams) || seq_len(tms) == 0)) {
		err(l, sn, "times and amplitudes must be non-empty lists of the same length");
		ok = false;
	}
	if (ok) {
		st->n_steps = (uint32_t)seq_len(tms);
		st->times_ms = mem_array_raw(st->n_steps, sizeof(double));
		st->amps_pa = mem_array_raw(st->n_steps, sizeof(double));
		if (!st->times_ms || !st->amps_pa) {
			oom(l);
			ok = false;
		}
	}
	if (ok) {
		uint32_t i = 0;
		SEQ_EACH(tms, it)
		{
			yaml_node_t *e = node_at(l, *it);
			ok &= get_quantity(l, e, SNN_DIM_TIME, "a step time", &st->times_ms[i]);
			if (ok && (st->times_ms[i] < 0 ||
				   (i > 0 && !(st->times_ms[i] > st->times_ms[i - 1])))) {
				err(l, e, "step times must be increasing and not negative");
				ok = false;
			}
			if (ok && !check_steps(l, e, "step time", st->times_ms[i], NET_MAX_STEPS)) {
				ok = false;
			}
			if (ok && net_steps_of(st->times_ms[i], l->net->sim.dt_ms) < 0) {
				err(l, e, "step time %g ms is not on the time grid (dt = %g ms)",
				    st->times_ms[i], l->net->sim.dt_ms);
				ok = false;
			}
			i++;
		}
		i = 0;
		SEQ_EACH(ams, it)
		{
			ok &= get_quantity(l, node_at(l, *it), SNN_DIM_CURRENT, "an amplitude",
					   &st->amps_pa[i++]);
		}
	}
	st->start_ms = 0;
	st->stop_ms = INFINITY;
	return ok;
}

static void parse_stimulus(struct ld *l, const yaml_node_t *n, size_t index)
{
	static const char *const keys[] = {"poisson", "dc",	"step",	 "spikes",
					   "to",      "weight", "delay", NULL};
	char what[64];
	snprintf(what, sizeof(what), "stimulus %zu", index + 1);
	if (!check_map(l, n, keys, what)) {
		return;
	}
	const char *kinds[] = {"poisson", "dc", "step", "spikes"};
	int kind = -1, nk = 0;
	for (int i = 0; i < 4; i++) {
		if (map_get(l, n, kinds[i])) {
			kind = i;
			nk++;
		}
	}
	if (nk != 1) {
		err(l, n, "%s must have exactly one of poisson, dc, step or spikes (found %d)",
		    what, nk);
		return;
	}
	yaml_node_t *sn = map_get(l, n, kinds[kind]);
	yaml_node_t *tn = require(l, n, "to", what);
	struct target_set *to = NULL;
	uint32_t nto = tn ? get_sets(l, tn, "to", &to) : 0;
	if (!nto) {
		return;
	}
	if (kind == 3) {
		parse_spike_stimulus(l, n, sn, tn, to, nto, index);
		free_sets(to, nto);
		return;
	}
	struct stimulus tmpl;
	memset(&tmpl, 0, sizeof(tmpl));
	tmpl.where = where(l, n);
	bool ok = true;
	char swhat[96];
	snprintf(swhat, sizeof(swhat), "the %s of %s", kinds[kind], what);
	if (kind == 0) {
		static const char *const k[] = {"rate", "start", "stop", NULL};
		tmpl.kind = STIM_POISSON;
		ok = check_map(l, sn, k, swhat);
		yaml_node_t *rn = ok ? require(l, sn, "rate", swhat) : NULL;
		ok = ok && rn && get_quantity(l, rn, SNN_DIM_RATE, "rate", &tmpl.rate_hz);
		if (ok && tmpl.rate_hz < 0) {
			err(l, rn, "rate must not be negative (got %g Hz)", tmpl.rate_hz);
			ok = false;
		}
		ok = ok && parse_window(l, sn, &tmpl.start_ms, &tmpl.stop_ms);
	} else if (kind == 1) {
		static const char *const k[] = {"amplitude", "start", "stop", NULL};
		tmpl.kind = STIM_DC;
		ok = check_map(l, sn, k, swhat);
		yaml_node_t *an = ok ? require(l, sn, "amplitude", swhat) : NULL;
		ok = ok && an && get_quantity(l, an, SNN_DIM_CURRENT, "amplitude", &tmpl.amp_pa);
		ok = ok && parse_window(l, sn, &tmpl.start_ms, &tmpl.stop_ms);
	} else {
		ok = parse_step(l, sn, swhat, &tmpl);
	}
	if (kind != 0) {
		yaml_node_t *x;
		if ((x = map_key_node(l, n, "weight")) || (x = map_key_node(l, n, "delay"))) {
			err(l, x,
			    "'%s' applies only to poisson and spikes stimuli (a %s stimulus is a "
			    "current)",
			    sval(x), kinds[kind]);
			ok = false;
		}
	}
	for (uint32_t j = 0; ok && j < nto; j++) {
		const struct population *tp = &l->net->pops[to[j].pop];
		if (tp->model->is_source) {
			err(l, tn, "population '%s' (%s) cannot receive stimuli", tp->name,
			    tp->model->name);
			ok = false;
			break;
		}
		struct stimulus *s = net_add_stimulus(l->net);
		if (!s) {
			oom(l);
			break;
		}
		*s = tmpl;
		s->times_ms = NULL;
		s->amps_pa = NULL;
		if (!dup_set(l, &to[j], &s->to)) {
			break;
		}
		if (tmpl.kind == STIM_STEP) {
			s->times_ms = mem_array_raw(tmpl.n_steps, sizeof(double));
			s->amps_pa = mem_array_raw(tmpl.n_steps, sizeof(double));
			if (!s->times_ms || !s->amps_pa) {
				oom(l);
				break;
			}
			memcpy(s->times_ms, tmpl.times_ms, tmpl.n_steps * sizeof(double));
			memcpy(s->amps_pa, tmpl.amps_pa, tmpl.n_steps * sizeof(double));
		}
		if (tmpl.kind == STIM_POISSON) {
			struct value w, dl;
			memset(&w, 0, sizeof(w));
			memset(&dl, 0, sizeof(dl));
			bool okw = parse_weight_delay(l, n, what, to[j].pop, &w, &dl);
			if (okw && (w.kind != VALUE_CONST || dl.kind != VALUE_CONST)) {
				err(l, map_get(l, n, w.kind != VALUE_CONST ? "weight" : "delay"),
				    "weight and delay of a poisson stimulus must be constants");
				okw = false;
			}
			s->weight = w.a;
			s->delay_ms = dl.a;
			value_free(&w);
			value_free(&dl);
			if (!okw) {
				break;
			}
		}
	}
	free(tmpl.times_ms);
	free(tmpl.amps_pa);
	free_sets(to, nto);
}

static void parse_stimuli(struct ld *l, const yaml_node_t *n)
{
	if (!is_seq(n)) {
		err(l, n, "stimuli must be a list, found %s", kind_name(n));
		return;
	}
	size_t i = 0;
	SEQ_EACH(n, it)
	{
		parse_stimulus(l, node_at(l, *it), i++);
	}
}

/* ------------------------------------------------------------------ record */

static void parse_record_spikes(struct ld *l, const yaml_node_t *n)
{
	static const char *const keys[] = {"populations", "file", NULL};
	if (!check_map(l, n, keys, "the spike record")) {
		return;
	}
	struct spike_record *r = &l->net->spikes;
	r->where = where(l, n);
	yaml_node_t *pn = map_get(l, n, "populations");
	if (!pn || (is_scalar(pn) && strcmp(sval(pn), "all") == 0)) {
		uint32_t cnt = 0;
		for (uint32_t i = 0; i < l->net->n_pops; i++) {
			cnt += !l->net->pops[i].hidden;
		}
		r->sets = mem_array(cnt, sizeof(*r->sets));
		if (!r->sets) {
			oom(l);
			return;
		}
		for (uint32_t i = 0; i < l->net->n_pops; i++) {
			if (l->net->pops[i].hidden) {
				continue;
			}
			struct target_set *t = &r->sets[r->n_sets++];
			t->pop = i;
			t->lo = 0;
			t->hi = l->net->pops[i].size;
		}
	} else {
		r->n_sets = get_sets(l, pn, "populations", &r->sets);
		for (uint32_t i = 0; i < r->n_sets; i++) {
			for (uint32_t j = 0; j < i; j++) {
				if (r->sets[i].pop == r->sets[j].pop) {
					err(l, pn,
					    "population '%s' is listed twice in the spike record",
					    l->net->pops[r->sets[i].pop].name);
				}
			}
		}
	}
	yaml_node_t *fn = map_get(l, n, "file");
	const char *f;
	if (fn && get_string(l, fn, "file", &f) && !(r->file = mem_strdup(f))) {
		oom(l);
	}
	l->net->record_spikes = true;
}

static void parse_trace(struct ld *l, const yaml_node_t *n, size_t index)
{
	static const char *const keys[] = {"population", "variable", "interval", "file", NULL};
	char what[64];
	snprintf(what, sizeof(what), "trace record %zu", index + 1);
	if (!check_map(l, n, keys, what)) {
		return;
	}
	yaml_node_t *pn = require(l, n, "population", what);
	yaml_node_t *vn = require(l, n, "variable", what);
	yaml_node_t *fn = require(l, n, "file", what);
	yaml_node_t *in = map_get(l, n, "interval");
	struct target_set who;
	memset(&who, 0, sizeof(who));
	const char *var = NULL, *file = NULL;
	double interval = l->net->sim.dt_ms;
	bool ok = pn && vn && fn;
	ok = ok && get_set(l, pn, "population", &who);
	ok = ok && get_string(l, vn, "variable", &var) && get_string(l, fn, "file", &file);
	if (ok && in) {
		ok = get_quantity(l, in, SNN_DIM_TIME, "interval", &interval);
		if (ok && interval > 0 &&
		    !check_steps(l, in, "interval", interval, NET_MAX_STEPS_32)) {
			ok = false;
		}
		int64_t st = ok ? net_steps_of(interval, l->net->sim.dt_ms) : -1;
		if (ok && st < 1) {
			err(l, in,
			    "interval %g ms must be a whole, positive number of time steps "
			    "(dt = %g ms)",
			    interval, l->net->sim.dt_ms);
			ok = false;
		}
	}
	int vi = -1;
	if (ok) {
		const struct model *m = l->net->pops[who.pop].model;
		vi = model_state_index(m, var);
		if (vi < 0) {
			char all[128];
			model_list_state(m, all, sizeof(all));
			err(l, vn, "population '%s' (model %s) has no variable '%s'; it has: %s",
			    l->net->pops[who.pop].name, m->name, var, all[0] ? all : "none");
			ok = false;
		}
	}
	if (!ok) {
		free(who.ids);
		return;
	}
	struct trace_record *t = net_add_trace(l->net);
	if (!t || !(t->file = mem_strdup(file))) {
		free(who.ids);
		oom(l);
		return;
	}
	t->who = who;
	t->var = vi;
	t->interval_ms = interval;
	t->where = where(l, n);
}

static void parse_record(struct ld *l, const yaml_node_t *n)
{
	static const char *const keys[] = {"spikes", "traces", NULL};
	if (!check_map(l, n, keys, "the record section")) {
		return;
	}
	yaml_node_t *x;
	if ((x = map_get(l, n, "spikes"))) {
		parse_record_spikes(l, x);
	}
	if ((x = map_get(l, n, "traces"))) {
		if (!is_seq(x)) {
			err(l, x, "traces must be a list of trace records, found %s", kind_name(x));
		} else {
			size_t i = 0;
			SEQ_EACH(x, it)
			{
				parse_trace(l, node_at(l, *it), i++);
			}
		}
	}
	/* every recorder writes a file of its own */
	const struct spike_record *sr = &l->net->spikes;
	for (uint32_t i = 0; i < l->net->n_traces; i++) {
		const struct trace_record *t = &l->net->traces[i];
		if (sr->file && strcmp(sr->file, t->file) == 0) {
			snn_diag_error(l->d, SNN_EINVAL, t->where.file, t->where.line, t->where.col,
				       "trace record %u writes to '%s', the spike record's file",
				       i + 1, t->file);
			l->nerr++;
		}
		for (uint32_t j = 0; j < i; j++) {
			if (strcmp(l->net->traces[j].file, t->file) == 0) {
				snn_diag_error(
				    l->d, SNN_EINVAL, t->where.file, t->where.line, t->where.col,
				    "trace records %u and %u write to the same file '%s'", j + 1,
				    i + 1, t->file);
				l->nerr++;
				break;
			}
		}
	}
}

/* ------------------------------------------------------------------ driver */

/* Reports what libyaml found wrong in the text, where it found it. */
static void yaml_problem(struct ld *l, const yaml_parser_t *parser)
{
	/* libyaml's loader fails some allocations (tags, anchors) without
	 * setting an error: a failure with no error is out of memory too. */
	if (parser->error == YAML_MEMORY_ERROR || parser->error == YAML_NO_ERROR) {
		oom(l);
		return;
	}
	int line = (int)parser->problem_mark.line + 1, col = (int)parser->problem_mark.column + 1;
	snn_diag_error(l->d, SNN_EPARSE, l->file, line, col, "malformed YAML: %s%s%s",
		       parser->problem ? parser->problem : "unknown problem",
		       parser->context ? " " : "", parser->context ? parser->context : "");
	l->nerr++;
}

static void parse_root(struct ld *l, const yaml_node_t *root)
{
	static const char *const keys[] = {"simulation", "populations", "projections",
					   "stimuli",	 "record",	NULL};
	if (!root) {
		snn_diag_error(l->d, SNN_EPARSE, l->file, 0, 0,
			       "the config is empty: it needs at least a 'populations' section");
		l->nerr++;
		return;
	}
	if (!check_map(l, root, keys, "the config")) {
		return;
	}
	yaml_node_t *x;
	if ((x = map_get(l, root, "simulation")) && !parse_simulation(l, x)) {
		/* dt is needed by every later check: stop before reporting knock-on errors.
		 * Other errors of the section (seed, duration, ...) affect nothing later. */
		return;
	}
	x = map_get(l, root, "populations");
	if (!x) {
		err(l, root, "the config needs a 'populations' section");
		return;
	}
	parse_populations(l, x);
	if ((x = map_get(l, root, "projections"))) {
		parse_projections(l, x);
	}
	if ((x = map_get(l, root, "stimuli"))) {
		parse_stimuli(l, x);
	}
	if ((x = map_get(l, root, "record"))) {
		parse_record(l, x);
	}
}

int snn_config_load_string(const char *text, size_t len, const char *name, const char *dir,
			   snn_net **out, snn_diag *d)
{
	return snn_config_load_string_opts(text, len, name, dir, NULL, out, d);
}

int snn_config_load_string_opts(const char *text, size_t len, const char *name, const char *dir,
				const snn_config_options *opt, snn_net **out, snn_diag *d)
{
	*out = NULL;
	struct ld l;
	memset(&l, 0, sizeof(l));
	l.d = d;
	l.dir = dir;
	l.scale = 1.0;
	if (opt && opt->scale > 0) {
		l.scale = opt->scale;
		l.scale_forced = true;
	}
	l.net = net_new();
	if (!l.net) {
		return mem_nomem(d);
	}
	l.file = net_intern_file(l.net, name);
	if (!l.file || net_set_source(l.net, name, text, len) != SNN_OK) {
		snn_net_free(l.net);
		return mem_nomem(d);
	}
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		snn_net_free(l.net);
		return mem_nomem(d);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &l.doc)) {
		yaml_problem(&l, &parser);
		yaml_parser_delete(&parser);
		snn_net_free(l.net);
		return l.oom ? SNN_ENOMEM : SNN_EPARSE;
	}
	parse_root(&l, yaml_document_get_root_node(&l.doc));
	/* Whatever follows the first document is an error too, reported with the
	 * others (libyaml frees a document it failed to load). */
	yaml_document_t extra;
	if (!yaml_parser_load(&parser, &extra)) {
		yaml_problem(&l, &parser);
	} else {
		if (yaml_document_get_root_node(&extra)) {
			yaml_node_t *r = yaml_document_get_root_node(&extra);
			snn_diag_error(d, SNN_EPARSE, l.file, (int)r->start_mark.line + 1,
				       (int)r->start_mark.column + 1,
				       "a config holds one YAML document; found a second one");
			l.nerr++;
		}
		yaml_document_delete(&extra);
	}
	free(l.dropped); /* its names point into the document */
	free(l.sugg);
	yaml_document_delete(&l.doc);
	yaml_parser_delete(&parser);
	if (!l.nerr && net_finalize(l.net, d) != SNN_OK) {
		l.nerr++;
	}
	if (l.nerr) {
		snn_net_free(l.net);
		return l.oom ? SNN_ENOMEM : SNN_EINVAL;
	}
	l.net->sim.scale = l.scale;
	*out = l.net;
	return SNN_OK;
}

int snn_config_load(const char *path, snn_net **out, snn_diag *d)
{
	return snn_config_load_opts(path, NULL, out, d);
}

int snn_config_load_opts(const char *path, const snn_config_options *opt, snn_net **out,
			 snn_diag *d)
{
	*out = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc = textfile_read(path, &text, &len, d);
	if (rc != SNN_OK) {
		return rc;
	}
	char *dir = mem_strdup(path);
	if (!dir) {
		free(text);
		return mem_nomem(d);
	}
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
	} else {
		dir[0] = '\0';
	}
	rc = snn_config_load_string_opts(text, len, path, dir, opt, out, d);
	free(dir);
	free(text);
	return rc;
}
