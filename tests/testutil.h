/*
 * Helpers shared by the Check programs: fixture lookup, scratch folders,
 * running a config given as text and reading back its spikes.
 * Layer: tests.
 */
#ifndef SNN_TESTUTIL_H
#define SNN_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snn/snn.h"

/* The shared fixture folder ($SNN_FIXTURES), or NULL when it is absent. */
const char *tu_fixtures(void);
/* Path of a fixture file (static buffer), or NULL when the folder is absent. */
const char *tu_fixture(const char *rel);
/* A fresh scratch folder under tests/tmp of the build tree (static buffer). */
const char *tu_tmpdir(const char *name);

/* Loads a config from text; aborts the test with the diagnostics on failure. */
snn_net *tu_load(const char *yaml);
/* Loads a config expected to fail and returns all its diagnostics as one
 * string (lines "file:line:col: error: ..."), owned by the caller. */
char *tu_load_errors(const char *yaml);

/* Runs a network with `threads` threads, recording every population to a
 * scratch file, and returns the spikes read back (caller frees). */
snn_spike_data *tu_run(snn_net *net, int threads, snn_stats *stats_out);

/* Spike times (ms) of neuron `id` of population `pop` (caller frees). */
double *tu_spike_times(const snn_spike_data *s, const char *pop, uint64_t id, size_t *n);

/* Reads the samples of a SONATA report file written for population `pop`:
 * returns rows x cols values (rows = samples, cols = neurons), caller frees. */
double *tu_read_trace(const char *path, const char *pop, size_t *rows, size_t *cols);

/* Asserts that population pa of a and pb of b have the same (time, id)
 * spikes, in any order; returns their number. */
uint64_t tu_same_spikes(const snn_spike_data *a, const char *pa, const snn_spike_data *b,
			const char *pb);

/* Size of a file in bytes (asserts it exists). */
long tu_file_size(const char *path);
/* The format version of a Loihi-class chip image (the u32 after its magic). */
uint32_t tu_image_version(const char *path);

/* Builds a config text with printf formatting (caller frees). */
char *tu_fmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
