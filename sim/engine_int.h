/*
 * The CPU engine's runtime structures: per-population state, per-thread
 * synapse tables and ring buffers, recorders.
 * Layer: sim core (engines), internal. Built once by engine_build.c and synapses.c;
 * nothing here is allocated inside the step loop.
 *
 * Threads own contiguous slices of global neuron ids. A thread owns the state
 * of its neurons, the ring buffers of their inputs and every synapse that ends
 * on them, so spike delivery needs no locks.
 *
 * Inputs are summed in 32-bit fixed point: a synapse onto population p,
 * channel c carries its weight as round(w * 2^S) with one shift S per (p, c),
 * the largest that keeps the largest input any neuron can receive in one step
 * within 32 bits. Integer sums do not depend on their order, so the result is
 * the same for any thread count and on any engine that sums the same integers;
 * the buffers take half the memory of doubles.
 */
#ifndef SNN_ENGINE_INT_H
#define SNN_ENGINE_INT_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "barrier_int.h"
#include "model_rt.h"
#include "net_int.h"
#include "outputs_int.h"
#include "poisson_int.h"
#include "snn/sim.h"

/* A delay group inside a source's row: `len` synapses with one delay and
 * one channel. */
struct syn_run {
	uint32_t len;
	uint16_t delay; /* steps, >= 1 */
	uint8_t ch;	/* input channel of the targets */
	uint8_t pad;
};

/* Synapses ending on targets [lo, hi) (at most 65536), grouped by source id,
 * then by (delay, channel): delivering a spike walks contiguous memory. */
struct syn_block {
	uint32_t lo, hi;
	uint64_t *row_syn; /* n_neurons + 1 */
	uint32_t *row_run; /* n_neurons + 1 */
	struct syn_run *runs;
	uint64_t n_runs;
	uint16_t *tgt; /* target id - lo */
	int32_t *w;    /* weight in the fixed point of the target's channel */
	float *wf;     /* the same memory while building: the weight as drawn */
	uint64_t n_syn;
};

#define SYN_BLOCK_MAX 65536u

/* A spike waiting to be written: step and global id. */
struct rec_entry {
	uint32_t step;
	uint32_t gid;
};

struct thread_rt {
	uint32_t lo, hi; /* slice of global ids */
	struct syn_block *blocks;
	uint32_t n_blocks;
	int32_t *ring; /* [slot][channel][hi - lo], fixed point; or, for graded */
	double *ringd; /* networks (spikes that carry values), doubles */
	/* spike lists, one per step of two windows (list = step % n_lists): */
	uint32_t *spk;	     /* [list][slice]: ids of the step's spikes */
	double *amp;	     /* [list][slice]: the value each spike carries (graded
			      * networks), or NULL */
	uint32_t *nspk;	     /* [list] */
	uint32_t *stage_end; /* [list][stage]: end of each stage's spikes in the list */
	struct rec_entry *rec;
	size_t nrec, caprec;
	uint32_t rec_in_slice; /* recorded neurons in the slice */
	uint64_t *pop_spikes;  /* per population */
	uint64_t events;
	uint64_t wait_ns;   /* time spent waiting at barriers */
	uint32_t max_delay; /* longest delay of the thread's synapses (steps) */
	uint32_t min_delay; /* shortest (UINT32_MAX when it has none) */
	uint32_t dc_next;   /* next current-stimulus event to apply */
	/* first error met by this thread while building */
	int err;
	char errmsg[320];
	struct origin errwhere;
	char pad[64]; /* keeps the hot counters of threads apart */
};

/* A stimulus as the engine runs it. */
struct stim_rt {
	const struct stimulus *ir;
	uint32_t index;
	uint32_t pop;
	uint32_t gfirst; /* global id of the population's neuron 0 */
	/* poisson */
	double w;
	int32_t wq;    /* w in the fixed point of the target channel */
	uint32_t cmax; /* counts are clipped here (P < 1e-80) */
	uint8_t ch;
	uint32_t delay_steps;
	uint64_t start_step, stop_step; /* emission steps [start, stop) */
	struct poisson_table pt;
};

/* A change of a current stimulus at a step. */
struct dc_event {
	uint64_t step;
	uint32_t stim; /* index into sim->stims */
};

struct trace_rt {
	const struct trace_record *ir;
	uint32_t pop;
	uint32_t n;	  /* neurons traced */
	uint32_t *gids;	  /* sorted */
	uint32_t *thr_lo; /* per thread: first element in its slice */
	uint32_t *thr_hi;
	uint32_t interval_steps;
	double *rows; /* cap_rows x n */
	uint32_t cap_rows;
	uint64_t rows_flushed; /* samples written so far (to out.traces[this index]) */
};

/* A series that grid_run_io writes every step: a population's output (var
 * -1: the value each neuron emitted, 0 when none) or a state variable. */
struct grid_capture {
	uint32_t pop;
	int var;
	double *buf; /* steps x size of the population */
};

/* Stages: populations are updated in stages of consecutive indices; a
 * projection with a delay of 0 steps (NIR's same-step edges) delivers the
 * spikes of one stage to later stages within the step. A network without such
 * projections is one stage, updated and delivered as a whole. */
struct grid_sim {
	const snn_net *net;
	const char *engine_name; /* as recorded in outputs: "grid-cpu", "grid-cuda" */
	snn_sim_options opt;
	double dt_ms; /* the step (ms): net->sim.dt_ms */
	uint64_t n_steps;
	uint32_t n_neurons;
	int nthreads;
	uint32_t n_ch;	     /* channels in the ring buffers (1 or 2) */
	uint32_t ring_slots; /* power of two > the longest delay */
	uint32_t ring_mask;
	struct pop_rt *pops;
	uint32_t n_pops;
	uint32_t *pop_of_gid_first; /* pops[i].first, for lookups */
	struct thread_rt *thr;
	/* scratch of the spike writer, one entry per thread (no allocation while
	 * running) */
	const struct rec_entry **flush_lists;
	size_t *flush_counts, *flush_pos;
	struct stim_rt *stims;
	uint32_t n_stims;
	uint32_t *poisson; /* indices of poisson stimuli */
	uint32_t n_poisson;
	struct dc_event *dc_events;
	uint32_t n_dc_events;
	double *i_ext;		   /* current stimuli per neuron (pA), NULL when none */
	struct engine_outputs out; /* rec_mask, spike and trace writers, statistics arrays */
	uint32_t bookkeeping;	   /* steps between bookkeeping points (a multiple of window
				    * on the CPU threads) */
	uint32_t window;	   /* steps updated between two deliveries (<= shortest delay) */
	uint32_t n_lists;	   /* spike lists per thread: 2 * window */
	struct engine_barrier barrier; /* where the threads of a run meet */
	double t_base_ms; /* time of step 0 for the on_spikes hook (NIR: the sample's) */
	struct trace_rt *traces;
	uint32_t n_traces;
	/* set by a backend whose synapses live on a device (else NULL, 0) */
	const char *device_name;
	double device_bytes; /* device memory the engine allocated */
	uint64_t device_synapses;
	double device_synapse_bytes;
	/* results */
	snn_stats stats;
	uint64_t steps_done;
	/* graded output and stages (NIR networks) */
	bool graded; /* spikes carry values (amp) */
	uint32_t n_stages;
	uint32_t *stage_first; /* n_stages + 1 population indices */
	double *bias;	       /* constant input per neuron, or NULL */
	const struct grid_capture *caps;
	uint32_t n_caps;
	double run_s; /* wall time of the runs so far */
};

/* How grid_build builds the network: for the CPU threads, or as the host
 * side of another backend (which runs the steps itself). */
struct grid_mode {
	const char *name;     /* engine name recorded in outputs and stats */
	bool host_buffers;    /* allocate the threads' ring buffers and spike queues */
	uint32_t bookkeeping; /* steps between bookkeeping points; 0: the CPU's choice */
};

/*
 * Milliseconds to steps. The loader has put every time of a config on the
 * grid (net_steps_of: within 1e-9 of a whole number of steps), so t_ms /
 * dt_ms is within rounding of an integer and the two rounding rules below,
 * which differ only halfway between two steps, give the same step. They stay
 * two because each says what its quantity means off the grid.
 */

/* The step of a time (a start, a stop, a change of a step current), rounded
 * half away from zero; +inf (no stop) is UINT64_MAX, after every step. */
static inline uint64_t grid_steps_of(const struct grid_sim *s, double t_ms)
{
	return isfinite(t_ms) ? (uint64_t)llround(t_ms / s->dt_ms) : UINT64_MAX;
}

/* Steps of a delay, rounded half to even as connect.c rounds a synapse's
 * delay (drawn, so off the grid), so that a stimulus's delay rounds alike. */
static inline uint64_t grid_delay_steps_of(const struct grid_sim *s, double t_ms)
{
	return (uint64_t)nearbyint(t_ms / s->dt_ms);
}

/* Entries of one spike list of a thread: its slice's neurons (at least 1). */
static inline size_t grid_slice_cap(const struct thread_rt *t)
{
	return t->hi > t->lo ? t->hi - t->lo : 1;
}

/* The time-grid engine's build (engine_build.c) and output steps (engine.c),
 * shared with the CUDA engine (engine_cuda.c). grid_build builds pops,
 * stimuli, recorders and (in parallel) the synapse blocks, with their
 * fixed-point weights; the caller owns the result (grid_destroy). */
int grid_build(const snn_net *net, const snn_sim_options *opt, const struct grid_mode *mode,
	       struct grid_sim **out, snn_diag *d);
/* All of grid_build (engine_build.c) but the current stimuli in force at
 * step 0, which grid_build (engine.c) then sets in i_ext. */
int grid_build_network(const snn_net *net, const snn_sim_options *opt, const struct grid_mode *mode,
		       struct grid_sim **out, snn_diag *d);
/* Frees a simulation of grid_build or grid_create and all it holds; accepts NULL. */
void grid_destroy(struct grid_sim *s);
/* Opens the spike and trace writers (temporary names until the run ends). */
int grid_open_outputs(struct grid_sim *s, snn_diag *d);
void grid_abort_outputs(struct grid_sim *s);
/* Appends recorded spikes to the spike file and hands them to the on_spikes
 * hook (t_ms: the time the run has reached, for the hook): n_lists lists,
 * each in (step, id) order, whose ids ascend from one list to the next within
 * a step (n_lists <= s->nthreads). Calls the hook (when there is one) even
 * with no spikes. */
int grid_write_spikes(struct grid_sim *s, const struct rec_entry *const *lists,
		      const size_t *counts, int n_lists, double t_ms, snn_diag *d);
/* Appends the trace rows sampled up to steps_done (in traces[].rows). */
int grid_flush_traces(struct grid_sim *s, uint64_t steps_done, snn_diag *d);
/* Ends a run that returned rc after sim_s wall seconds: commits the outputs
 * (or removes them when rc is an error) and fills the statistics from
 * thr[].pop_spikes and thr[].events. Returns the run's final status. */
int grid_finish_run(struct grid_sim *s, int rc, double sim_s, snn_diag *d);
/* Recomputes i_ext of the targets of current stimulus `which` within global
 * ids [glo, ghi) for step n. */
void grid_refresh_current(struct grid_sim *s, uint32_t which, uint32_t glo, uint32_t ghi,
			  uint64_t n);
/* Population index of a global neuron id. */
uint32_t grid_pop_of(const struct grid_sim *s, uint32_t gid);

/* Builds every thread's synapse blocks (synapses.c). Runs inside the
 * engine's parallel region: each thread builds its own slice. Returns 0 or
 * sets t->err. */
void synapses_build_thread(struct grid_sim *s, struct thread_rt *t, void *shared);
/* Prepares what the per-thread builders share (per-target counts of
 * fixed_total_number projections); freed by synapses_shared_free. */
int synapses_shared_new(struct grid_sim *s, void **shared, snn_diag *d);
void synapses_shared_free(struct grid_sim *s, void *shared);
void synapses_free_block(struct syn_block *b);
/* Largest delay of any projection or stimulus, in steps. */
uint32_t synapses_max_delay(const struct grid_sim *s);
/* Shortest delay of all synapses in steps (UINT32_MAX when there are none). */
uint32_t synapses_min_delay(const struct grid_sim *s);

/* Simulations driven sample by sample (NIR networks): builds the engine once;
 * each grid_run_io puts every population back in its initial state, empties
 * the input buffers and runs n_steps steps, feeding nir_input populations
 * from their `input` pointers and writing the captures. Only networks of
 * NIR and source models can be reset (SNN_EUNSUP otherwise). */
int grid_create(const snn_net *net, const snn_sim_options *opt, struct grid_sim **out, snn_diag *d);
int grid_run_io(struct grid_sim *s, uint64_t n_steps, const struct grid_capture *caps,
		uint32_t n_caps, snn_diag *d);
/* OpenMP's default thread count (1 without OpenMP). */
int grid_default_threads(void);
/* Statistics over every run so far (arrays owned by the simulation). */
const snn_stats *grid_run_stats(struct grid_sim *s);

/* Fixed-point inputs (synapses.c), after the synapses are built: each thread
 * finds the largest input its neurons of each population and channel can get
 * in one step (popmax[pop * 2 + ch], maxima over the thread); one thread then
 * chooses every shift (adding the Poisson inputs at their largest counts);
 * each thread finally converts its weights to fixed point. */
void synapses_bound_thread(struct grid_sim *s, struct thread_rt *t, double *popmax);
int synapses_choose_shifts(struct grid_sim *s, const double *popmax, snn_diag *d);
void synapses_convert_thread(struct grid_sim *s, struct thread_rt *t);

#endif
