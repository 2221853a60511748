/*
 * The network IR, inside libsnn: plain structures that loaders fill and
 * engines read. Every element records where it came from, so that an error
 * found late (while building or running) still names the file and line.
 * Layer: sim core, internal. Holds descriptions, never instantiated synapses
 * of rule-based projections (engines instantiate them in their own layout).
 */
#ifndef SNN_NET_INT_H
#define SNN_NET_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "model_int.h"
#include "rng_int.h"
#include "snn/error.h"
#include "snn/net.h"

/* Where an element was written: file (interned by the net), 1-based line and
 * column (0 where unknown). */
struct origin {
	const char *file;
	int line;
	int col;
};

enum value_kind {
	VALUE_CONST,
	VALUE_UNIFORM,   /* a: low, b: high */
	VALUE_NORMAL,    /* a: mean, b: standard deviation */
	VALUE_LOGNORMAL, /* a: mu, b: sigma of log(|x|); sign: sign of x */
	VALUE_ARRAY,     /* arr[i]: one value per element */
};

enum bound_mode { BOUND_REDRAW, BOUND_CLIP };

/* A physical value, constant or drawn per element, in canonical units. */
struct value {
	enum value_kind kind;
	double a, b;
	double sign;          /* lognormal: +1 or -1 */
	double lo, hi;        /* bounds: -inf/+inf when not given */
	enum bound_mode bound;
	double *arr;          /* VALUE_ARRAY, owned */
	uint64_t n;
	struct origin where;
};

/* Draws the value for one element: constants return a, arrays arr[index],
 * distributions draw from r (bounded by redraw or clip). Returns 0, or -1
 * when redrawing found no value inside the bounds in 1000 tries. */
int value_draw(const struct value *v, struct rng *r, uint64_t index, double *out);
/* Whether every element gets the same value. */
static inline bool value_is_const(const struct value *v)
{
	return v->kind == VALUE_CONST;
}
/* Smallest and largest value the value can take (bounds included). */
void value_range(const struct value *v, double *lo, double *hi);
/* Mean of the value (of its distribution before bounding). */
double value_mean(const struct value *v);
void value_free(struct value *v);
/* Formats a value in the unit of dim ("1.5 ms", "normal(1.5 ms, 0.75 ms)"). */
void value_format(const struct value *v, enum snn_dim dim, char *buf, size_t len);

/* A set of neurons of one population: all, a range, or a sorted list of ids. */
struct target_set {
	uint32_t pop;
	uint32_t lo, hi;  /* range [lo, hi) when ids == NULL */
	uint32_t *ids;    /* sorted, unique; owned */
	uint32_t n_ids;
};

static inline uint32_t target_set_size(const struct target_set *t)
{
	return t->ids ? t->n_ids : t->hi - t->lo;
}
/* The k-th neuron (index in its population) of the set. */
static inline uint32_t target_set_at(const struct target_set *t, uint32_t k)
{
	return t->ids ? t->ids[k] : t->lo + k;
}
bool target_set_contains(const struct target_set *t, uint32_t i);

struct population {
	char *name;
	uint32_t size;
	uint32_t first;            /* global id of its neuron 0 */
	const struct model *model;
	struct value *params;      /* model->n_params entries */
	struct value *init;        /* model->n_state entries; kind CONST with a NaN = model default */
	/* spike_source: spike times per neuron (CSR over neurons, times in ms, sorted) */
	uint64_t *train_off;       /* size + 1 */
	double *train_ms;
	struct origin where;
};

enum conn_rule {
	RULE_ALL_TO_ALL,
	RULE_ONE_TO_ONE,
	RULE_FIXED_PROBABILITY,
	RULE_FIXED_INDEGREE,
	RULE_FIXED_OUTDEGREE,
	RULE_FIXED_TOTAL_NUMBER,
};

struct projection {
	struct target_set pre;      /* source neurons */
	struct target_set post;     /* target neurons */
	enum conn_rule rule;
	double p;                   /* fixed_probability */
	uint64_t n;                 /* indegree, outdegree or total number */
	bool autapses, multapses;
	struct value weight;        /* unit of the target model's weights */
	struct value delay;         /* ms */
	struct origin where;
};

enum stim_kind {
	STIM_POISSON, /* private Poisson train per target neuron */
	STIM_DC,      /* constant current between start and stop */
	STIM_STEP,    /* piecewise-constant current */
};

struct stimulus {
	enum stim_kind kind;
	struct target_set to;
	double start_ms, stop_ms;  /* active when start <= t < stop */
	double rate_hz;            /* poisson */
	double weight;             /* poisson: per spike, in the target's weight unit */
	double delay_ms;           /* poisson */
	double amp_pa;             /* dc */
	double *times_ms;          /* step: change times (sorted), owned */
	double *amps_pa;           /* step: amplitude from times_ms[k] on */
	uint32_t n_steps;
	struct origin where;
};

/* Spike recording: which neurons of which population (sets, possibly none). */
struct spike_record {
	struct target_set *sets;
	uint32_t n_sets;
	char *file;               /* NULL: the tool decides (or -o) */
	struct origin where;
};

struct trace_record {
	struct target_set who;
	int var;                  /* state variable index of the population's model */
	double interval_ms;
	char *file;
	struct origin where;
};

/* How a network is simulated: on the time grid or event by event, on CPU
 * threads or a GPU. */
enum sim_engine { ENGINE_GRID, ENGINE_EVENT };
enum sim_backend { BACKEND_CPU, BACKEND_CUDA };

struct sim_params {
	double dt_ms;
	double duration_ms;
	uint64_t seed;
	int threads;              /* 0: open */
	enum sim_engine engine;
	enum sim_backend backend;
	struct origin dt_where, duration_where, engine_where;
};

const char *net_engine_name(enum sim_engine e);
const char *net_backend_name(enum sim_backend b);

struct snn_net {
	struct sim_params sim;
	struct population *pops;
	uint32_t n_pops, cap_pops;
	struct projection *projs;
	uint32_t n_projs, cap_projs;
	struct stimulus *stims;
	uint32_t n_stims, cap_stims;
	struct spike_record spikes;
	bool record_spikes;
	struct trace_record *traces;
	uint32_t n_traces, cap_traces;
	uint64_t n_neurons;
	char **files;             /* interned file names for origins */
	uint32_t n_files;
	char *source_path;
	char *source_text;
	char source_sha256[65];
};

/* Allocation of an empty network and of its parts. Each returns NULL (or a
 * negative code) when out of memory. */
snn_net *net_new(void);
const char *net_intern_file(snn_net *net, const char *path);
struct population *net_add_population(snn_net *net);
struct projection *net_add_projection(snn_net *net);
struct stimulus *net_add_stimulus(snn_net *net);
struct trace_record *net_add_trace(snn_net *net);
/* Assigns global ids (first) to populations in order; checks the total. */
int net_finalize(snn_net *net, snn_diag *d);
int net_set_source(snn_net *net, const char *path, const char *text, size_t len);

/* Draws parameter `param` (checked against the model's constraint) or the
 * initial value of state variable `var` (def where the config gives none) of
 * neuron `local` of population p, from the streams (seed, param or init,
 * index, global id): every engine gets the same values. Return 0, or
 * SNN_EINVAL with an error naming the config line. */
int net_draw_param(const snn_net *net, const struct population *p, int param, uint32_t local,
		   double *out, snn_diag *d);
int net_draw_init(const snn_net *net, const struct population *p, int var, uint32_t local,
		  double def, double *out, snn_diag *d);

/* Delay of a projection in steps is round(delay / dt); the most steps a
 * delay may take (ring buffers and synapse tables store 15 bits). */
#define NET_MAX_DELAY_STEPS 32767u

/* Number of time steps of a duration, or -1 when it is not a whole number of
 * steps (to within 1e-9 of a step). */
int64_t net_steps_of(double t_ms, double dt_ms);

#endif
