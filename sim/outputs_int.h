/*
 * The outputs of a run, the same for every engine: which neurons are
 * recorded, the spike file, the trace files, commit or abort at the end, and
 * the per-population statistics.
 * Layer: sim core (engines), internal. Knows the IR and the writers
 * (spikefile.c, tracefile.c), not how an engine runs: an engine samples its
 * own traces and hands spikes and rows to the writers held here.
 */
#ifndef SNN_OUTPUTS_INT_H
#define SNN_OUTPUTS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "net_int.h"
#include "snn/sim.h"
#include "snn/spikes.h"
#include "tracefile_int.h"

/* rec_mask bits: a neuron's spikes go to the spike file, to the on_spikes hook */
#define REC_FILE 1u
#define REC_HOOK 2u

struct engine_outputs {
	const snn_net *net;
	uint8_t *rec_mask;	      /* per neuron: REC_FILE | REC_HOOK */
	char *spike_path;	      /* the spike file, or NULL when none is written */
	snn_spike_writer *spikes;     /* open between outputs_open and commit or abort */
	int32_t *spike_pop_slot;      /* per population: its index in the spike file, or -1 */
	struct trace_writer **traces; /* per trace record of the network */
	uint32_t n_traces;
	uint64_t *pop_spikes; /* per population: spikes so far, for the statistics */
	/* the statistics' per-population arrays (visible populations only) */
	const char **stat_names;
	uint32_t *stat_sizes;
	uint64_t *stat_spikes;
	double *stat_rates;
};

/* Plans the outputs of a run of net (o zeroed by the caller): the spike
 * record (every visible population with opt->record_all, else the config's
 * record section; to opt->spike_path, else the config's file) and, with an
 * on_spikes hook, REC_HOOK on every neuron of a visible population. Fails
 * with a located error when spikes are recorded without a file name or
 * into the file of a trace record. Everything is freed by outputs_free. */
int outputs_plan(struct engine_outputs *o, const snn_net *net, uint32_t n_neurons,
		 const snn_sim_options *opt, snn_diag *d);
/* Opens the spike file (one entry per population with a REC_FILE neuron,
 * in network order) and one trace file per trace record, all under
 * temporary names, with provenance prov. On error the caller aborts. */
int outputs_open(struct engine_outputs *o, enum snn_spike_format format, const snn_provenance *prov,
		 snn_diag *d);
/* Gives every open file its final name; on the first failure removes them
 * all. Returns SNN_OK or the first error. */
int outputs_commit(struct engine_outputs *o, snn_diag *d);
/* Removes every open file (nothing of a failed run is left behind). */
void outputs_abort(struct engine_outputs *o);
/* Aborts what is open and frees everything the outputs hold. */
void outputs_free(struct engine_outputs *o);
/* Fills the per-population part of st from o->pop_spikes over bio_ms of
 * biological time: spikes (all populations), neurons and the arrays of the
 * visible populations (owned by o, made by outputs_plan and filled again at
 * each call), spike file and peak memory. It allocates nothing, so that it
 * cannot fail after outputs_commit: SNN_OK, or SNN_ENOMEM (without a message)
 * when outputs_plan did not get its arrays. */
int outputs_fill_stats(struct engine_outputs *o, double bio_ms, snn_stats *st);

#endif
