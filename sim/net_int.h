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
#include <stdio.h>

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
	VALUE_UNIFORM,	 /* a: low, b: high */
	VALUE_NORMAL,	 /* a: mean, b: standard deviation */
	VALUE_LOGNORMAL, /* a: mu, b: sigma of log(|x|); sign: sign of x */
	VALUE_ARRAY,	 /* arr[i]: one value per element */
};

enum bound_mode { BOUND_REDRAW, BOUND_CLIP };

/* A physical value, constant or drawn per element, in canonical units. */
struct value {
	enum value_kind kind;
	double a, b;
	double sign;   /* lognormal: +1 or -1 */
	double lo, hi; /* bounds: -inf/+inf when not given */
	enum bound_mode bound;
	double *arr; /* VALUE_ARRAY, owned */
	uint64_t n;
	struct origin where;
};

/* Draws the value for one element: constants return a, arrays arr[index],
 * distributions draw from r (bounded by redraw or clip). Returns 0, or -1
 * when redrawing found no value inside the bounds in 1000 tries. */
int value_draw(const struct value *v, struct rng *r, uint64_t index, double *out);
/* The same as value_draw on the stream (seed, purpose, sub, element) started
 * at `counter`, with the first two tries taken from one block directly (the
 * common case, on hot paths). */
int value_draw_at(const struct value *v, uint64_t seed, enum rng_purpose purpose, uint32_t sub,
		  uint32_t element, uint64_t counter, uint64_t index, double *out);
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
	uint32_t lo, hi; /* range [lo, hi) when ids == NULL */
	uint32_t *ids;	 /* sorted, unique; owned */
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
	uint32_t first; /* global id of its neuron 0 */
	const struct model *model;
	struct value *params; /* model->n_params entries */
	struct value *init;   /* model->n_state entries; kind CONST with a NaN = model default */
	/* spike_source: spike times per neuron (CSR over neurons, times in ms, sorted) */
	uint64_t *train_off; /* size + 1 */
	double *train_ms;
	bool hidden; /* a loader's helper (a config's stimulus source): not
		      * recorded, counted or shown; its name starts with '@' */
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

/* How a projection says which synapses it has: a connection rule drawn from
 * random streams (configs), or an explicit description (loaded networks such
 * as NIR graphs) that engines may keep structured or expand. */
enum proj_kind {
	PROJ_RULE,   /* rule, weight and delay values below */
	PROJ_DENSE,  /* weight matrix w[post][pre]; a zero weight is no synapse */
	PROJ_SPARSE, /* synapse list in CSR by target: row, col (pre index), val */
	PROJ_DIAG,   /* pre i -> post i with weight w[i] (w NULL: all 1) */
	PROJ_CONV,   /* convolution, PyTorch semantics, C x H x W row-major layout */
	PROJ_POOL,   /* sum or average pooling over C x H x W */
};

/* A 1-d or 2-d convolution (1-d: in_h = out_h = kh = 1). Output (co, oy, ox)
 * sums kernel[co][ci - g cin_g][ky][kx] * in(g cin_g + ci, oy sh - ph + ky dh,
 * ox sw - pw + kx dw) over in-range positions (zero padding), where
 * g = co / (cout / groups) and cin_g = cin / groups. */
struct proj_conv {
	uint32_t cin, cout, groups;
	uint32_t in_h, in_w, out_h, out_w;
	uint32_t kh, kw;
	uint32_t stride_h, stride_w, pad_h, pad_w, dil_h, dil_w; /* pad: before the data */
	float *kernel; /* cout x (cin / groups) x kh x kw, owned */
};

/* Pooling of each channel: output (c, oy, ox) takes in(c, oy sh - ph + ky,
 * ox sw - pw + kx) for ky < kh, kx < kw inside the input, with weight 1 (sum)
 * or 1 / (kh kw) (average, padding counted as PyTorch's default does). */
struct proj_pool {
	bool avg;
	uint32_t c, in_h, in_w, out_h, out_w;
	uint32_t kh, kw, stride_h, stride_w, pad_h, pad_w;
};

/* The description of a projection of an explicit kind (owned by it). */
struct proj_explicit {
	enum proj_kind kind;
	uint32_t n_pre, n_post; /* sizes of the source and target populations */
	float *w;		/* dense: n_post x n_pre; diag: n_post (or NULL) */
	uint64_t *row;		/* sparse: n_post + 1 offsets into col and val */
	uint32_t *col;
	float *val;
	struct proj_conv conv;
	struct proj_pool pool;
	double *bias;	      /* constant input to each target every step, or NULL */
	uint32_t delay_steps; /* delay of every synapse in steps; 0: the same step */
	uint32_t *pre_delay;  /* more steps per source neuron (n_pre), or NULL */
	uint64_t n_syn;	      /* synapses once expanded */
	uint64_t bytes;	      /* memory of the description itself */
};

void proj_explicit_free(struct proj_explicit *x);

struct projection {
	struct target_set pre;	 /* source neurons */
	struct target_set post;	 /* target neurons */
	enum proj_kind kind;	 /* PROJ_RULE: the fields below; else x */
	struct proj_explicit *x; /* owned; NULL for PROJ_RULE */
	enum conn_rule rule;
	double p;   /* fixed_probability */
	uint64_t n; /* indegree, outdegree or total number */
	bool autapses, multapses;
	struct value weight; /* unit of the target model's weights */
	struct value delay;  /* ms */
	struct origin where;
};

/* One line (no newline) describing an explicit projection. */
void net_describe_explicit(const struct projection *pr, FILE *out);

enum stim_kind {
	STIM_POISSON, /* private Poisson train per target neuron */
	STIM_DC,      /* constant current between start and stop */
	STIM_STEP,    /* piecewise-constant current */
};

struct stimulus {
	enum stim_kind kind;
	struct target_set to;
	double start_ms, stop_ms; /* active when start <= t < stop */
	double rate_hz;		  /* poisson */
	double weight;		  /* poisson: per spike, in the target's weight unit */
	double delay_ms;	  /* poisson */
	double amp_pa;		  /* dc */
	double *times_ms;	  /* step: change times (sorted), owned */
	double *amps_pa;	  /* step: amplitude from times_ms[k] on */
	uint32_t n_steps;
	struct origin where;
};

/* Spike recording: which neurons of which population (sets, possibly none). */
struct spike_record {
	struct target_set *sets;
	uint32_t n_sets;
	char *file; /* NULL: the tool decides (or -o) */
	struct origin where;
};

struct trace_record {
	struct target_set who;
	int var; /* state variable index of the population's model */
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
	int threads;  /* 0: open */
	double scale; /* the scale the network was loaded at (1: as written) */
	enum sim_engine engine;
	enum sim_backend backend;
	struct origin dt_where, duration_where, engine_where;
};

const char *net_engine_name(enum sim_engine e);
const char *net_backend_name(enum sim_backend b);

/* Conventions that NIR graphs leave to the backend (nir.h documents each);
 * they parameterize the nir_* models. */
struct nir_conv {
	int reset;	     /* enum snn_nir_reset */
	int spikes;	     /* enum snn_nir_spikes */
	int integration;     /* enum snn_nir_scheme: decay of leaky states */
	int input_gain;	     /* enum snn_nir_scheme: gain of the input over a step */
	int integrator_gain; /* enum snn_nir_integrator */
};

struct nir_info;

struct snn_net {
	struct sim_params sim;
	struct nir_conv nir_conv;
	struct nir_info *nir; /* the NIR graph the network came from, or NULL (owned) */
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
	char **files; /* interned file names for origins */
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
/* Whether every parameter of population p is a constant (the same for all
 * its neurons). */
bool pop_params_homogeneous(const struct population *p);

/* Delay of a projection in steps is round(delay / dt); the most steps a
 * delay may take (ring buffers and synapse tables store 15 bits). */
#define NET_MAX_DELAY_STEPS 32767u

/* The most steps a time of a config may count (net_steps_of: past it a double
 * no longer tells whole steps apart). */
#define NET_MAX_STEPS 9.0e15

/* The most steps a trace interval or a refractory period may count (the
 * engines keep them in 32 bits). */
#define NET_MAX_STEPS_32 4294967295.0

/* The largest |weight| (canonical unit: mV, pA or nS) the time-grid engine's
 * fixed-point inputs hold: 2^90, the sum of one step's inputs at the coarsest
 * scale (2^-60 per unit) still below 2^30 units. */
#define NET_MAX_WEIGHT 0x1p90

/* Number of time steps of a duration, or -1 when it is not a whole number of
 * steps (to within 1e-9 of a step). */
int64_t net_steps_of(double t_ms, double dt_ms);

#endif
