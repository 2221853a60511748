/*
 * The YAML config loader's shared state and value readers, between
 * yaml_config.c (the sections) and yaml_values.c (the values). Layer: sim core
 * (loaders), internal to those two files; the short names are theirs alone.
 * Every reader reports its problem through err() and returns false or NULL.
 */
#ifndef SNN_YAML_VALUES_INT_H
#define SNN_YAML_VALUES_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "net_int.h"
#include "snn/units.h"

struct ld {
	yaml_document_t doc;
	double scale;	   /* population sizes x scale; in-degrees kept */
	bool scale_forced; /* given by the caller: the config's scale is ignored */
	snn_net *net;
	snn_diag *d;
	const char *file; /* interned in net */
	const char *dir;  /* folder of the config, for relative input paths */
	int nerr;
	bool oom;
	/* names of populations dropped for an error (borrowed from doc): a
	 * reference to one is not reported again as unknown */
	const char **dropped;
	size_t n_dropped, cap_dropped;
	/* keys that check_map suggested for a misspelt key of a mapping: a
	 * missing required key is then not reported a second time */
	struct suggestion {
		const yaml_node_t *map;
		const char *key;
	} * sugg;
	size_t n_sugg, cap_sugg;
};

yaml_node_t *node_at(struct ld *l, int idx);

struct origin where(const struct ld *l, const yaml_node_t *n);

__attribute__((format(printf, 3, 4))) void err(struct ld *l, const yaml_node_t *n, const char *fmt,
					       ...);

/* err with the status code `code` (an SNN_E... value) in place of SNN_EINVAL. */
__attribute__((format(printf, 4, 5))) void err_code(struct ld *l, const yaml_node_t *n, int code,
						    const char *fmt, ...);

void oom(struct ld *l);

/* Reports (at n, naming key) a time t_ms that rounds to more than max_steps
 * time steps, with the longest time allowed; returns whether it fits. */
bool check_steps(struct ld *l, const yaml_node_t *n, const char *key, double t_ms,
		 double max_steps);

bool is_map(const yaml_node_t *n);

bool is_seq(const yaml_node_t *n);

bool is_scalar(const yaml_node_t *n);

const char *sval(const yaml_node_t *n);

/* A plain scalar that YAML reads as null ("", "~", "null"). */
bool is_null(const yaml_node_t *n);

const char *kind_name(const yaml_node_t *n);

#define MAP_EACH(l, map, p)                                         \
	for (yaml_node_pair_t *p = (map)->data.mapping.pairs.start; \
	     p < (map)->data.mapping.pairs.top; p++)

#define SEQ_EACH(map, it)                                             \
	for (yaml_node_item_t *it = (map)->data.sequence.items.start; \
	     it < (map)->data.sequence.items.top; it++)

size_t seq_len(const yaml_node_t *n);

yaml_node_t *map_get(struct ld *l, const yaml_node_t *map, const char *key);

yaml_node_t *map_key_node(struct ld *l, const yaml_node_t *map, const char *key);

/* " (did you mean 'x'?)" for the closest of `choices`, or ""; returns the
 * choice suggested, or NULL. */
const char *suggest(const char *got, const char *const *choices, char *buf, size_t len);

/* Whether check_map suggested `key` for a misspelt key of `map`. */
bool was_suggested(const struct ld *l, const yaml_node_t *map, const char *key);

/* Checks that `map` is a mapping whose keys are all in `allowed` (a NULL-ended
 * list) and appear once. `what` names the mapping in messages. Unknown and
 * repeated keys are reported, and the known ones are still parsed (so that
 * every problem of the file shows in one pass): returns false only when map
 * is not a mapping. */
bool check_map(struct ld *l, const yaml_node_t *map, const char *const *allowed, const char *what);

/* The value of `key`, or NULL with an error naming what needs it. A key
 * misspelt closely enough for check_map to have suggested `key` is not
 * reported twice. */
yaml_node_t *require(struct ld *l, const yaml_node_t *map, const char *key, const char *what);

bool get_string(struct ld *l, const yaml_node_t *n, const char *key, const char **out);

bool get_quantity(struct ld *l, const yaml_node_t *n, enum snn_dim dim, const char *key,
		  double *out);

bool get_u64(struct ld *l, const yaml_node_t *n, const char *key, uint64_t min, uint64_t max,
	     uint64_t *out);

bool get_bool(struct ld *l, const yaml_node_t *n, const char *key, bool *out);

bool get_number(struct ld *l, const yaml_node_t *n, const char *key, double *out);

bool get_value(struct ld *l, const yaml_node_t *n, enum snn_dim dim, const char *key,
	       struct value *v);

/* Checks a constant value against a parameter's constraint. */
bool check_param(struct ld *l, const yaml_node_t *n, const struct model_param *mp,
		 const struct value *v);

/* Index of a population by name, or -1. The hidden populations of spikes
 * stimuli ('@stimulus...') cannot be named in a config. */
long find_pop(struct ld *l, const char *name);

/* Remembers a population that was dropped for an error already reported. */
void pop_dropped(struct ld *l, const char *name);

bool pop_was_dropped(const struct ld *l, const char *name);

/* A set of neurons: "name", "name[a:b]" (either bound may be left out), or
 * {population: name, ids: [i, j, ...]}. */
bool get_set(struct ld *l, const yaml_node_t *n, const char *key, struct target_set *t);

/* A list of sets, or one set. Returns the count (0 on error). */
uint32_t get_sets(struct ld *l, const yaml_node_t *n, const char *key, struct target_set **out);

bool dup_set(struct ld *l, const struct target_set *src, struct target_set *dst);

void free_sets(struct target_set *v, uint32_t n);

/* Resolves a path written in the config against the config's folder. */
char *input_path(struct ld *l, const char *p);

/* Whose spike trains are read, for messages: a spike_source population
 * ("population 'in'"), or the hidden population of a spikes stimulus
 * ("stimulus 2"), whose own name is never shown. */
struct trains_of {
	struct population *p;
	char owner[96];
	bool stim;
	bool checked; /* the caller has already checked the mapping's keys */
};

/* spikes: {times: [...] | [[...], ...]} or {file: F, population: P}. */
bool parse_trains(struct ld *l, const yaml_node_t *n, const struct trains_of *o);

#endif
