/*
 * Helpers of the NIR tests: writing NIR files with the HDF5 C API, loading
 * and running graphs, and plain dense references of the layers (summing in
 * increasing input index, as the engine does).
 * Layer: tests.
 */
#ifndef SNN_NIRTEST_H
#define SNN_NIRTEST_H

#include <hdf5.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snn/snn.h"

/* A 2-d convolution (1-d: H = OH = kh = 1) with PyTorch's semantics. */
struct conv_spec {
	int cin, cout, groups, kh, kw, sh, sw, ph, pw, dh, dw, H, W, OH, OW;
	const float *w;
	const double *bias; /* per output channel, or NULL */
};

/* State of rnd(): tests reseed it for reproducible inputs. */
extern uint64_t rnd_state;

/* Writing NIR files. w_open creates a file with /version (NULL: none). */
hid_t w_open(const char *path, const char *version);

/* A scalar variable-length UTF-8 string dataset. */
void w_str(hid_t g, const char *name, const char *val);

/* A fixed-length ASCII string dataset (as some writers store strings). */
void w_fixed_str(hid_t g, const char *name, const char *val);

/* Edges as fixed-length strings of `len` bytes. */
void w_fixed_edges(hid_t g, const char *const *pairs, int n, size_t len);

/* A numeric dataset from doubles stored as `ftype`; nd 0 is a scalar. */
void w_num(hid_t g, const char *name, hid_t ftype, int nd, const hsize_t *dims, const double *v,
	   bool gzip);

/* Shorthands: float32, float64, 1-d int64 and 0-d int64 datasets. */
void w_f32(hid_t g, const char *name, int nd, const hsize_t *dims, const double *v);
void w_f64(hid_t g, const char *name, int nd, const hsize_t *dims, const double *v);
void w_i64(hid_t g, const char *name, int n, const int64_t *v);
void w_scalar_i64(hid_t g, const char *name, int64_t v);

/* A node group with its type under nodes. */
hid_t w_node(hid_t nodes, const char *name, const char *type);

/* Edges as an (n, 2) dataset of variable-length UTF-8 strings. */
void w_edges(hid_t g, const char *const *pairs, int n);

/* The top graph group /node with its type; returns its `nodes` group. */
hid_t w_graph(hid_t parent, const char *name, hid_t *graph);

/* An Input or Output node with its shape. */
void w_io(hid_t nodes, const char *name, const char *type, int nd, const int64_t *shape);

/* Loads a graph that must load (the test fails with the diagnostics). */
snn_net *load_nir(const char *path, const snn_nir_options *o);

/* Loads a graph expected to fail; returns its diagnostics as text. */
char *load_errors(const char *path, const snn_nir_options *o, int *code);

/* Runs every sample (the test fails on an error); state: record v and i
 * of the output layers; record: more populations. */
snn_nir_result *run_nir(snn_net *net, const snn_nir_data *in, bool state, const char *const *record,
			size_t n_record, int threads);

/* A recorded series that must exist. */
const snn_nir_series *series(const snn_nir_result *r, const char *name, const char *what);

/* Zeroed inputs for the network. */
snn_nir_data *new_data(const snn_net *net, uint32_t samples, uint32_t steps);

/* A uniform number in [0, 1) from a fixed xorshift stream (rnd_state). */
double rnd(void);

/* A float32 dataset of an HDF5 file (caller frees). */
float *read_f32(const char *file, const char *ds, size_t *n);

/* A 2-d convolution with PyTorch's semantics in plain loops over every
 * output and every kernel tap, summing in increasing input index. */
void ref_conv(const struct conv_spec *c, const double *in, double *out);

/* Sum (avg 0) or average pooling, PyTorch's semantics, padding counted. */
void ref_pool(int C, int H, int W, int k0, int k1, int s0, int s1, int p0, int p1, bool avg,
	      const double *in, double *out, int OH, int OW);

/* out = W in (+ bias), summing in increasing input index. */
void ref_affine(int nout, int nin, const float *w, const double *bias, const double *in,
		double *out);

/* One step of IF neurons (gain per step): v += r I, then spikes. */
void ref_if(int n, double *v, const double *I, const double *r, double th, bool multi,
	    bool subtract, double *z);

/* Exact equality of engine and reference values, with a message naming them. */
void assert_same(const double *a, const double *b, size_t n, const char *what, int step);

/* A path in the test's scratch folder (four rotating buffers). */
const char *tmp_file(const char *name);

#endif
