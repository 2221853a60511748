/*
 * Helpers of the NIR tests (nirtest.h).
 * Layer: tests.
 */
#define _GNU_SOURCE
#include "config.h"

#include <check.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nirtest.h"
#include "testutil.h"

/* ------------------------------------------------------------------ writing NIR files */

hid_t w_open(const char *path, const char *version)
{
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	ck_assert_msg(f >= 0, "cannot create %s", path);
	if (version) {
		hid_t t = H5Tcopy(H5T_C_S1);
		H5Tset_size(t, H5T_VARIABLE);
		H5Tset_cset(t, H5T_CSET_UTF8);
		hid_t sp = H5Screate(H5S_SCALAR);
		hid_t ds = H5Dcreate2(f, "version", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
		H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &version);
		H5Dclose(ds);
		H5Sclose(sp);
		H5Tclose(t);
	}
	return f;
}

void w_str(hid_t g, const char *name, const char *val)
{
	hid_t t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, H5T_VARIABLE);
	H5Tset_cset(t, H5T_CSET_UTF8);
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t ds = H5Dcreate2(g, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	ck_assert(ds >= 0);
	H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, &val);
	H5Dclose(ds);
	H5Sclose(sp);
	H5Tclose(t);
}

/* A fixed-length ASCII string dataset (as some writers store strings). */
void w_fixed_str(hid_t g, const char *name, const char *val)
{
	hid_t t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, strlen(val) + 1);
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t ds = H5Dcreate2(g, name, t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, val);
	H5Dclose(ds);
	H5Sclose(sp);
	H5Tclose(t);
}

/* Edges as fixed-length strings of `len` bytes. */
void w_fixed_edges(hid_t g, const char *const *pairs, int n, size_t len)
{
	char *buf = calloc((size_t)n * 2, len);
	for (int i = 0; i < 2 * n; i++) {
		strncpy(buf + (size_t)i * len, pairs[i], len - 1);
	}
	hid_t t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, len);
	hsize_t dims[2] = {(hsize_t)n, 2};
	hid_t sp = H5Screate_simple(2, dims, NULL);
	hid_t ds = H5Dcreate2(g, "edges", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
	H5Dclose(ds);
	H5Sclose(sp);
	H5Tclose(t);
	free(buf);
}

/* A numeric dataset from doubles stored as `ftype`; nd 0 is a scalar. */
void w_num(hid_t g, const char *name, hid_t ftype, int nd, const hsize_t *dims, const double *v,
	   bool gzip)
{
	hid_t sp = nd ? H5Screate_simple(nd, dims, NULL) : H5Screate(H5S_SCALAR);
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
	if (gzip && nd) {
		H5Pset_chunk(dcpl, nd, dims);
		H5Pset_deflate(dcpl, 6);
	}
	hid_t ds = H5Dcreate2(g, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	ck_assert(ds >= 0);
	H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
	H5Dclose(ds);
	H5Pclose(dcpl);
	H5Sclose(sp);
}

void w_f32(hid_t g, const char *name, int nd, const hsize_t *dims, const double *v)
{
	w_num(g, name, H5T_IEEE_F32LE, nd, dims, v, false);
}

void w_f64(hid_t g, const char *name, int nd, const hsize_t *dims, const double *v)
{
	w_num(g, name, H5T_IEEE_F64LE, nd, dims, v, false);
}

void w_i64(hid_t g, const char *name, int n, const int64_t *v)
{
	double d[8];
	for (int i = 0; i < n; i++) {
		d[i] = (double)v[i];
	}
	hsize_t dims[1] = {(hsize_t)n};
	w_num(g, name, H5T_STD_I64LE, n ? 1 : 0, dims, d, false);
}

void w_scalar_i64(hid_t g, const char *name, int64_t v)
{
	double d = (double)v;
	w_num(g, name, H5T_STD_I64LE, 0, NULL, &d, false);
}

/* A node group with its type under nodes. */
hid_t w_node(hid_t nodes, const char *name, const char *type)
{
	hid_t g = H5Gcreate2(nodes, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	ck_assert(g >= 0);
	w_str(g, "type", type);
	return g;
}

/* Edges as an (n, 2) dataset of variable-length UTF-8 strings. */
void w_edges(hid_t g, const char *const *pairs, int n)
{
	hid_t t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, H5T_VARIABLE);
	H5Tset_cset(t, H5T_CSET_UTF8);
	hsize_t dims[2] = {(hsize_t)n, 2};
	hid_t sp = H5Screate_simple(2, dims, NULL);
	hid_t ds = H5Dcreate2(g, "edges", t, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, pairs);
	H5Dclose(ds);
	H5Sclose(sp);
	H5Tclose(t);
}

/* The top graph group /node with its type; returns its `nodes` group. */
hid_t w_graph(hid_t parent, const char *name, hid_t *graph)
{
	*graph = H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	w_str(*graph, "type", "NIRGraph");
	return H5Gcreate2(*graph, "nodes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
}

void w_io(hid_t nodes, const char *name, const char *type, int nd, const int64_t *shape)
{
	hid_t g = w_node(nodes, name, type);
	w_i64(g, "shape", nd, shape);
	H5Gclose(g);
}

/* ------------------------------------------------------------------ loading and running */

snn_net *load_nir(const char *path, const snn_nir_options *o)
{
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	int rc = snn_nir_load(path, o, &net, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	snn_diag_free(d);
	return net;
}

/* Loads a graph expected to fail; returns its diagnostics as text. */
char *load_errors(const char *path, const snn_nir_options *o, int *code)
{
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	int rc = snn_nir_load(path, o, &net, d);
	ck_assert_msg(rc != SNN_OK, "%s was expected to fail", path);
	ck_assert_ptr_null(net);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	snn_diag_print(d, f);
	fclose(f);
	snn_diag_free(d);
	if (code) {
		*code = rc;
	}
	return buf;
}

snn_nir_result *run_nir(snn_net *net, const snn_nir_data *in, bool state, const char *const *record,
			size_t n_record, int threads)
{
	snn_nir_run_options o = {threads, state, record, n_record, NULL, NULL, NULL, NULL};
	snn_diag *d = snn_diag_new();
	snn_nir_result *r = NULL;
	int rc = snn_nir_run(net, in, &o, &r, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	snn_diag_free(d);
	return r;
}

const snn_nir_series *series(const snn_nir_result *r, const char *name, const char *what)
{
	const snn_nir_series *s = snn_nir_result_find(r, name, what);
	ck_assert_msg(s != NULL, "no %s of %s recorded", what, name);
	return s;
}

snn_nir_data *new_data(const snn_net *net, uint32_t samples, uint32_t steps)
{
	snn_nir_data *in = NULL;
	snn_diag *d = snn_diag_new();
	ck_assert_int_eq(snn_nir_data_new(net, samples, steps, &in, d), SNN_OK);
	snn_diag_free(d);
	return in;
}

/* A deterministic pseudo-random stream for test inputs (xorshift). */
uint64_t rnd_state = 88172645463325252ull;
double rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (double)(rnd_state >> 11) / 9007199254740992.0;
}

/* ------------------------------------------------------------------ dense references */

float *read_f32(const char *file, const char *ds, size_t *n)
{
	hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
	ck_assert(f >= 0);
	hid_t d = H5Dopen2(f, ds, H5P_DEFAULT);
	ck_assert_msg(d >= 0, "no %s", ds);
	hid_t sp = H5Dget_space(d);
	*n = (size_t)H5Sget_simple_extent_npoints(sp);
	float *v = malloc(*n * sizeof(float));
	ck_assert(H5Dread(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
	H5Sclose(sp);
	H5Dclose(d);
	H5Fclose(f);
	return v;
}

/* A 2-d convolution with PyTorch's semantics in plain loops over every
 * output and every kernel tap, summing in increasing input index. */

void ref_conv(const struct conv_spec *c, const double *in, double *out)
{
	int cin_g = c->cin / c->groups, cout_g = c->cout / c->groups;
	for (int co = 0; co < c->cout; co++) {
		int g = co / cout_g;
		for (int oy = 0; oy < c->OH; oy++) {
			for (int ox = 0; ox < c->OW; ox++) {
				double acc = 0.0;
				for (int ci = 0; ci < cin_g; ci++) {
					for (int ky = 0; ky < c->kh; ky++) {
						int iy = oy * c->sh - c->ph + ky * c->dh;
						if (iy < 0 || iy >= c->H) {
							continue;
						}
						for (int kx = 0; kx < c->kw; kx++) {
							int ix = ox * c->sw - c->pw + kx * c->dw;
							if (ix < 0 || ix >= c->W) {
								continue;
							}
							float w =
							    c->w[((co * cin_g + ci) * c->kh + ky) *
								     c->kw +
								 kx];
							double x =
							    in[((g * cin_g + ci) * c->H + iy) *
								   c->W +
							       ix];
							acc += (double)w * x;
						}
					}
				}
				if (c->bias) {
					acc += c->bias[co];
				}
				out[(co * c->OH + oy) * c->OW + ox] = acc;
			}
		}
	}
}

/* Sum (avg 0) or average pooling, PyTorch's semantics, padding counted. */
void ref_pool(int C, int H, int W, int k0, int k1, int s0, int s1, int p0, int p1, bool avg,
	      const double *in, double *out, int OH, int OW)
{
	float w = avg ? (float)(1.0 / (k0 * k1)) : 1.0f;
	for (int c = 0; c < C; c++) {
		for (int oy = 0; oy < OH; oy++) {
			for (int ox = 0; ox < OW; ox++) {
				double acc = 0.0;
				for (int ky = 0; ky < k0; ky++) {
					int iy = oy * s0 - p0 + ky;
					for (int kx = 0; kx < k1 && iy >= 0 && iy < H; kx++) {
						int ix = ox * s1 - p1 + kx;
						if (ix >= 0 && ix < W) {
							acc +=
							    (double)w * in[(c * H + iy) * W + ix];
						}
					}
				}
				out[(c * OH + oy) * OW + ox] = acc;
			}
		}
	}
}

void ref_affine(int nout, int nin, const float *w, const double *bias, const double *in,
		double *out)
{
	for (int j = 0; j < nout; j++) {
		double acc = 0.0;
		for (int i = 0; i < nin; i++) {
			acc += (double)w[j * nin + i] * in[i];
		}
		out[j] = bias ? acc + bias[j] : acc;
	}
}

/* One step of IF neurons (gain per step): v += r I, then spikes. */
void ref_if(int n, double *v, const double *I, const double *r, double th, bool multi,
	    bool subtract, double *z)
{
	for (int i = 0; i < n; i++) {
		double y = v[i] + (1.0 * r[i]) * I[i];
		z[i] = 0.0;
		if (y > th) {
			double k = multi ? floor((y - 0.0) / (th - 0.0)) : 1.0;
			y = subtract ? y - k * (th - 0.0) : 0.0;
			z[i] = k;
		}
		v[i] = y;
	}
}

void assert_same(const double *a, const double *b, size_t n, const char *what, int step)
{
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(a[i] == b[i],
			      "%s, step %d, element %zu: engine %.17g, reference %.17g", what, step,
			      i, a[i], b[i]);
	}
}

/* ------------------------------------------------------------------ synthetic graphs */

/* A path in the test's scratch folder (four rotating buffers). */
const char *tmp_file(const char *name)
{
	static char paths[4][1024];
	static int next;
	char *p = paths[next++ % 4];
	snprintf(p, sizeof(paths[0]), "%.900s/%.100s", tu_tmpdir("nir"), name);
	return p;
}
