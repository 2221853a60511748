/*
 * The NIR loader, part 1: reads a graph written by nir.write (HDF5: /version,
 * /node/type, /node/nodes/<name>/..., /node/edges) into the loader's working
 * graph (nir_graph_int.h), nested graphs flattened, every dataset checked.
 * Layer: sim core (loaders). Never lets HDF5 print, checks every size and
 * value taken from the file, and names the HDF5 path of whatever it rejects.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_int.h"
#include "nir_graph_int.h"

static const char *const NIR_TYPES =
    "Affine, AvgPool2d, Conv1d, Conv2d, CubaLI, CubaLIF, Delay, Flatten, I, IF, Input, LI, "
    "LIF, Linear, NIRGraph, Output, Scale, SumPool2d, Threshold";

/* out = a b c, cut to PATH_MAX_LEN - 1 bytes. */
static void cat3(char *out, const char *a, const char *b, const char *c)
{
	size_t n = 0;
	const char *parts[3] = {a, b, c};
	for (int i = 0; i < 3; i++) {
		for (const char *p = parts[i]; *p && n + 1 < PATH_MAX_LEN; p++) {
			out[n++] = *p;
		}
	}
	out[n] = '\0';
}

/* HDF5 path of child b of group path a. */
void nir_join(char *out, const char *a, const char *b)
{
	cat3(out, strcmp(a, "/") == 0 ? "" : a, "/", b);
}

int nir_fail(struct ld *L, int code, const char *path, const char *fmt, ...)
{
	char where[PATH_MAX_LEN + 512];
	char msg[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (path) {
		snprintf(where, sizeof(where), "%s:%s", L->file, path);
	} else {
		snprintf(where, sizeof(where), "%s", L->file);
	}
	return snn_diag_error(L->d, code, where, 0, 0, "%s", msg);
}

int nir_assume(struct ld *L, const char *path, const char *fmt, ...)
{
	char msg[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct nir_info *I = L->info;
	char **a = mem_resize(I->assumed, I->n_assumed + 1, sizeof(char *));
	if (!a) {
		return mem_nomem(L->d);
	}
	I->assumed = a;
	size_t len = strlen(msg) + (path ? strlen(path) : 0) + 4;
	char *line = mem_alloc(len);
	if (!line) {
		return mem_nomem(L->d);
	}
	snprintf(line, len, "%s%s%s", path ? path : "", path ? ": " : "", msg);
	I->assumed[I->n_assumed++] = line;
	return SNN_OK;
}

static const char *class_name(H5T_class_t c)
{
	switch (c) {
	case H5T_INTEGER:
		return "integers";
	case H5T_FLOAT:
		return "floats";
	case H5T_STRING:
		return "strings";
	case H5T_COMPOUND:
		return "a compound type";
	case H5T_ENUM:
		return "an enumeration (booleans?)";
	case H5T_ARRAY:
		return "an array type";
	case H5T_VLEN:
		return "variable-length sequences";
	default:
		return "an unsupported type";
	}
}

/* ------------------------------------------------------------------ datasets */

/* Opens dataset `name` of g (group path gpath) into x and writes its full
 * path to dp (PATH_MAX_LEN bytes). Absent: x->ds -1 with SNN_OK, or an error
 * when required. A damaged header (no type or space) is "cannot read the
 * WHAT". On an error x is closed; else close it with h5_dataset_close. */
static int open_ds(struct ld *L, hid_t g, const char *gpath, const char *name, bool required,
		   const char *what, char *dp, struct h5_dataset *x)
{
	nir_join(dp, gpath, name);
	int rc = SNN_OK;
	switch (h5_dataset_open(g, name, x)) {
	case H5U_MISSING:
		if (required) {
			rc = nir_fail(L, SNN_EPARSE, dp, "missing dataset '%s'", name);
		}
		break;
	case H5U_GROUP:
		rc = nir_fail(L, SNN_EPARSE, dp, "'%s' is a group, expected a dataset", name);
		break;
	case H5U_NOT_DATASET:
		rc = nir_fail(L, SNN_EIO, dp,
			      "cannot open the dataset (the file may be truncated or damaged)");
		break;
	default:
		if (x->type < 0 || x->space < 0) {
			rc = nir_fail(L, SNN_EIO, dp,
				      "cannot read the %s (the file may be truncated or damaged)",
				      what);
		}
		break;
	}
	if (rc != SNN_OK) {
		h5_dataset_close(x);
	}
	return rc;
}

/* Reads one string from a dataset (variable or fixed length). */
static int read_str(struct ld *L, hid_t g, const char *gpath, const char *name, bool required,
		    char **out)
{
	char dp[PATH_MAX_LEN];
	*out = NULL;
	struct h5_dataset x;
	int rc = open_ds(L, g, gpath, name, required, "dataset", dp, &x);
	if (rc != SNN_OK || x.ds < 0) {
		return rc;
	}
	hid_t ds = x.ds, ft = x.type, sp = x.space;
	H5T_class_t cls = H5Tget_class(ft);
	hssize_t np = H5Sget_simple_extent_npoints(sp);
	if (cls != H5T_STRING) {
		rc = nir_fail(L, SNN_EPARSE, dp, "wrong dtype: expected a string, found %s",
			      class_name(cls));
		goto out;
	}
	if (np != 1) {
		rc = nir_fail(L, SNN_EPARSE, dp, "expected one string, found %lld", (long long)np);
		goto out;
	}
	hid_t mt = H5Tcopy(H5T_C_S1);
	H5Tset_cset(mt, H5Tget_cset(ft));
	if (H5Tis_variable_str(ft) > 0) {
		char *v = NULL;
		H5Tset_size(mt, H5T_VARIABLE);
		if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0 || !v) {
			rc = nir_fail(L, SNN_EIO, dp,
				      "cannot read the string (the file may be truncated "
				      "or damaged)");
		} else {
			*out = mem_strdup(v);
			H5free_memory(v);
			rc = *out ? SNN_OK : mem_nomem(L->d);
		}
	} else {
		size_t n = H5Tget_size(ft);
		H5Tset_size(mt, n + 1);
		*out = mem_array(n + 2, 1);
		if (!*out) {
			rc = mem_nomem(L->d);
		} else if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0) {
			free(*out);
			*out = NULL;
			rc = nir_fail(L, SNN_EIO, dp,
				      "cannot read the string (the file may be truncated "
				      "or damaged)");
		}
	}
	H5Tclose(mt);
out:
	h5_dataset_close(&x);
	return rc;
}

/* Whether dataset `name` holds strings (absent: false). */
static bool is_string_ds(hid_t g, const char *name)
{
	if (H5Lexists(g, name, H5P_DEFAULT) <= 0) {
		return false;
	}
	hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
	if (ds < 0) {
		return false;
	}
	hid_t ft = H5Dget_type(ds);
	bool s = ft >= 0 && H5Tget_class(ft) == H5T_STRING;
	if (ft >= 0) {
		H5Tclose(ft);
	}
	H5Dclose(ds);
	return s;
}

/* Reads the edges of a graph: an (E, 2) dataset of strings (an empty dataset
 * of any type is no edge). Returns 2E strings in *out. */
static int read_edges(struct ld *L, hid_t g, const char *gpath, char ***out, uint32_t *n_out)
{
	char dp[PATH_MAX_LEN];
	*out = NULL;
	*n_out = 0;
	struct h5_dataset x;
	int rc = open_ds(L, g, gpath, "edges", true, "edges", dp, &x);
	if (rc != SNN_OK || x.ds < 0) {
		return rc;
	}
	hid_t ds = x.ds, ft = x.type, sp = x.space;
	char **v = NULL;
	hssize_t np = H5Sget_simple_extent_npoints(sp);
	int nd = H5Sget_simple_extent_ndims(sp);
	hsize_t dims[2] = {0, 0};
	if (np == 0) {
		goto out; /* no edges */
	}
	if (H5Tget_class(ft) != H5T_STRING) {
		rc = nir_fail(L, SNN_EPARSE, dp, "wrong dtype: expected strings, found %s",
			      class_name(H5Tget_class(ft)));
		goto out;
	}
	if (nd != 2 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0 || dims[1] != 2 ||
	    dims[0] > (1u << 24)) {
		rc = nir_fail(L, SNN_EPARSE, dp, "expected an (E, 2) array of node names");
		goto out;
	}
	size_t total = (size_t)dims[0] * 2;
	v = mem_array(total, sizeof(char *));
	if (!v) {
		rc = mem_nomem(L->d);
		goto out;
	}
	hid_t mt = H5Tcopy(H5T_C_S1);
	H5Tset_cset(mt, H5Tget_cset(ft));
	if (H5Tis_variable_str(ft) > 0) {
		char **raw = mem_array(total, sizeof(char *));
		H5Tset_size(mt, H5T_VARIABLE);
		if (!raw) {
			rc = mem_nomem(L->d);
		} else if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
			rc = nir_fail(L, SNN_EIO, dp,
				      "cannot read the edges (the file may be truncated "
				      "or damaged)");
		} else {
			for (size_t i = 0; i < total && rc == SNN_OK; i++) {
				v[i] = mem_strdup(raw[i] ? raw[i] : "");
				if (!v[i]) {
					rc = mem_nomem(L->d);
				}
			}
			for (size_t i = 0; i < total; i++) {
				H5free_memory(raw[i]);
			}
		}
		free(raw);
	} else {
		size_t len = H5Tget_size(ft);
		char *buf = mem_array(total, len + 1);
		H5Tset_size(mt, len + 1);
		if (!buf) {
			rc = mem_nomem(L->d);
		} else if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
			rc = nir_fail(L, SNN_EIO, dp,
				      "cannot read the edges (the file may be truncated "
				      "or damaged)");
		} else {
			for (size_t i = 0; i < total && rc == SNN_OK; i++) {
				v[i] = mem_strdup(buf + i * (len + 1));
				if (!v[i]) {
					rc = mem_nomem(L->d);
				}
			}
		}
		free(buf);
	}
	H5Tclose(mt);
	if (rc == SNN_OK) {
		*out = v;
		*n_out = (uint32_t)dims[0];
		v = NULL;
	}
out:
	if (v) {
		for (size_t i = 0; i < (size_t)dims[0] * 2; i++) {
			free(v[i]);
		}
		free(v);
	}
	h5_dataset_close(&x);
	return rc;
}

void nir_arr_free(struct arr *a)
{
	free(a->v);
	memset(a, 0, sizeof(*a));
}

/* Reads a numeric dataset (any integer or float type, any rank up to
 * NIR_MAX_DIMS, a 0-d scalar as one value) as doubles; every value must be
 * finite. */
static int read_arr(struct ld *L, hid_t g, const char *gpath, const char *name, bool required,
		    struct arr *a)
{
	char dp[PATH_MAX_LEN];
	memset(a, 0, sizeof(*a));
	struct h5_dataset x;
	int rc = open_ds(L, g, gpath, name, required, "dataset", dp, &x);
	if (rc != SNN_OK || x.ds < 0) {
		return rc;
	}
	if (x.cls != H5T_INTEGER && x.cls != H5T_FLOAT) {
		rc = nir_fail(L, SNN_EPARSE, dp, "wrong dtype: expected numbers, found %s",
			      class_name(x.cls));
		goto out;
	}
	if (x.rank < 0 || x.rank > NIR_MAX_DIMS) {
		rc = nir_fail(L, SNN_EPARSE, dp, "expected an array of at most %d dimensions",
			      NIR_MAX_DIMS);
		goto out;
	}
	a->nd = (uint32_t)x.rank;
	/* x.n is the product of the dimensions, UINT64_MAX when it overflows */
	for (int i = 0; i < x.rank; i++) {
		a->dims[i] = x.dims[i];
	}
	a->n = x.n;
	if (a->n > MAX_ELEMENTS) {
		rc = nir_fail(L, SNN_ERANGE, dp, "more than %llu values",
			      (unsigned long long)MAX_ELEMENTS);
		goto out;
	}
	a->f64 = x.cls == H5T_FLOAT && H5Tget_size(x.type) > 4;
	enum h5_fault f = h5_dataset_read(&x, H5T_NATIVE_DOUBLE, sizeof(double), (void **)&a->v);
	if (f == H5U_NOMEM || f == H5U_TOO_LARGE) {
		rc = mem_nomem(L->d);
		goto out;
	}
	if (f == H5U_TRUNCATED) {
		rc = nir_fail(L, SNN_EIO, dp,
			      "cannot read the values (the file may be truncated or "
			      "damaged, or compressed with a filter this HDF5 lacks)");
		goto out;
	}
	for (uint64_t i = 0; i < a->n; i++) {
		if (!isfinite(a->v[i])) {
			rc = nir_fail(L, SNN_EPARSE, dp, "value %llu is not a finite number (%g)",
				      (unsigned long long)i, a->v[i]);
			goto out;
		}
	}
	a->present = true;
out:
	if (rc != SNN_OK) {
		nir_arr_free(a);
	}
	h5_dataset_close(&x);
	return rc;
}

/* Reads an integer setting for `dims` dimensions: 1 value (or a 0-d scalar)
 * for all, or one per dimension; each at least lo. Absent and not required:
 * def. */
static int read_ints(struct ld *L, hid_t g, const char *gpath, const char *name, uint32_t dims,
		     uint32_t lo, bool required, uint32_t def, uint32_t *out)
{
	char dp[PATH_MAX_LEN];
	nir_join(dp, gpath, name);
	struct arr a;
	int rc = read_arr(L, g, gpath, name, required, &a);
	if (rc != SNN_OK) {
		return rc;
	}
	if (!a.present) {
		for (uint32_t i = 0; i < dims; i++) {
			out[i] = def;
		}
		return SNN_OK;
	}
	if (a.n != 1 && a.n != dims) {
		rc = nir_fail(L, SNN_EPARSE, dp, "expected 1 or %u values, found %llu", dims,
			      (unsigned long long)a.n);
		goto out;
	}
	for (uint32_t i = 0; i < dims; i++) {
		double x = a.v[a.n == 1 ? 0 : i];
		if (x != floor(x) || x < lo || x > MAX_SETTING) {
			rc = nir_fail(L, SNN_EPARSE, dp,
				      "expected whole numbers from %u to %u, found %g", lo,
				      MAX_SETTING, x);
			goto out;
		}
		out[i] = (uint32_t)x;
	}
out:
	nir_arr_free(&a);
	return rc;
}

/* A scalar integer (start_dim, end_dim); absent: def. */
static int read_int(struct ld *L, hid_t g, const char *gpath, const char *name, int64_t def,
		    int64_t *out, bool *absent)
{
	char dp[PATH_MAX_LEN];
	nir_join(dp, gpath, name);
	struct arr a;
	int rc = read_arr(L, g, gpath, name, false, &a);
	*absent = !a.present;
	*out = def;
	if (rc != SNN_OK || !a.present) {
		return rc;
	}
	if (a.n != 1 || a.v[0] != floor(a.v[0]) || fabs(a.v[0]) > 64) {
		rc = nir_fail(L, SNN_EPARSE, dp, "expected one whole number");
	} else {
		*out = (int64_t)a.v[0];
	}
	nir_arr_free(&a);
	return rc;
}

/* Shape from an integer array dataset (Input/Output `shape`). */
static int read_shape(struct ld *L, hid_t g, const char *gpath, const char *name, bool required,
		      struct nir_shape *s, bool *present)
{
	char dp[PATH_MAX_LEN];
	nir_join(dp, gpath, name);
	struct arr a;
	*present = false;
	int rc = read_arr(L, g, gpath, name, required, &a);
	if (rc != SNN_OK || !a.present) {
		return rc;
	}
	if (a.n > NIR_MAX_DIMS || a.n == 0) {
		rc = nir_fail(L, SNN_EPARSE, dp, "expected a shape of 1 to %d sizes", NIR_MAX_DIMS);
		goto out;
	}
	s->nd = (uint32_t)a.n;
	uint64_t total = 1;
	for (uint32_t i = 0; i < s->nd; i++) {
		double x = a.v[i];
		if (x != floor(x) || x < 0 || x > MAX_SETTING) {
			rc = nir_fail(L, SNN_EPARSE, dp, "expected sizes (whole numbers), found %g",
				      x);
			goto out;
		}
		s->d[i] = (uint32_t)x;
		/* saturates: eight sizes below 2^24 could pass 2^64 */
		total = total > UINT32_MAX ? total : total * s->d[i];
	}
	if (total > UINT32_MAX) {
		rc = nir_fail(L, SNN_ERANGE, dp, "a layer of more than %u neurons is too large",
			      UINT32_MAX / 2);
	} else if (total > UINT32_MAX / 2) {
		rc = nir_fail(L, SNN_ERANGE, dp, "a layer of %llu neurons is too large",
			      (unsigned long long)total);
		goto out;
	}
	*present = true;
out:
	nir_arr_free(&a);
	return rc;
}

/* ------------------------------------------------------------------ nodes */

static struct gnode *new_node(struct ld *L, uint32_t *idx)
{
	if (L->n_nodes == L->cap_nodes) {
		uint32_t c = L->cap_nodes ? L->cap_nodes * 2 : 16;
		struct gnode *v = mem_resize(L->nodes, (size_t)c, sizeof(*v));
		if (!v) {
			return NULL;
		}
		L->nodes = v;
		L->cap_nodes = c;
	}
	struct gnode *n = &L->nodes[L->n_nodes];
	memset(n, 0, sizeof(*n));
	n->pop = -1;
	*idx = L->n_nodes++;
	return n;
}

static void shape_from_arr(struct nir_shape *s, const struct arr *a)
{
	s->nd = a->nd;
	for (uint32_t i = 0; i < a->nd; i++) {
		s->d[i] = (uint32_t)a->dims[i];
	}
}

/* The shape of an elementwise node from its parameter arrays: the largest one
 * (0-d or 1-value arrays apply to every element). Unknown when all are such. */
static int elementwise_shape(struct ld *L, struct gnode *n, struct arr *const *ps, int np)
{
	const struct arr *big = NULL;
	for (int i = 0; i < np; i++) {
		if (ps[i]->present && ps[i]->n > 1 && (!big || ps[i]->n > big->n)) {
			big = ps[i];
		}
	}
	for (int i = 0; i < np && big; i++) {
		if (ps[i]->present && ps[i]->n != 1 && ps[i]->n != big->n) {
			return nir_fail(L, SNN_EPARSE, n->path,
					"parameters of different sizes (%llu and %llu values)",
					(unsigned long long)ps[i]->n, (unsigned long long)big->n);
		}
	}
	if (!big) {
		/* every parameter is a 0-d scalar or a single value: a (1,) array
		 * fixes one neuron, a 0-d scalar leaves the size to the edges */
		for (int i = 0; i < np; i++) {
			if (ps[i]->present && ps[i]->nd >= 1) {
				big = ps[i];
				break;
			}
		}
	}
	if (big) {
		if (big->nd > NIR_MAX_DIMS || big->n > UINT32_MAX / 2) {
			return nir_fail(L, SNN_ERANGE, n->path, "a layer too large");
		}
		shape_from_arr(&n->out, big);
		n->in = n->out;
		n->in_known = n->out_known = true;
	}
	return SNN_OK;
}

struct type_entry {
	const char *name;
	enum gkind kind;
	enum model_id model;
	enum gop op;
};

static const struct type_entry types[] = {
    {"Input", GK_INPUT, MODEL_COUNT_, OP_NONE},
    {"Output", GK_OUTPUT, MODEL_COUNT_, OP_NONE},
    {"Affine", GK_OP, MODEL_COUNT_, OP_AFFINE},
    {"Linear", GK_OP, MODEL_COUNT_, OP_LINEAR},
    {"Conv1d", GK_OP, MODEL_COUNT_, OP_CONV},
    {"Conv2d", GK_OP, MODEL_COUNT_, OP_CONV},
    {"SumPool2d", GK_OP, MODEL_COUNT_, OP_SUMPOOL},
    {"AvgPool2d", GK_OP, MODEL_COUNT_, OP_AVGPOOL},
    {"Scale", GK_OP, MODEL_COUNT_, OP_SCALE},
    {"Delay", GK_OP, MODEL_COUNT_, OP_DELAY},
    {"Flatten", GK_PASS, MODEL_COUNT_, OP_FLATTEN},
    {"Threshold", GK_NEURON, MODEL_NIR_THRESHOLD, OP_NONE},
    {"LI", GK_NEURON, MODEL_NIR_LI, OP_NONE},
    {"LIF", GK_NEURON, MODEL_NIR_LIF, OP_NONE},
    {"I", GK_NEURON, MODEL_NIR_I, OP_NONE},
    {"IF", GK_NEURON, MODEL_NIR_IF, OP_NONE},
    {"CubaLI", GK_NEURON, MODEL_NIR_CUBA_LI, OP_NONE},
    {"CubaLIF", GK_NEURON, MODEL_NIR_CUBA_LIF, OP_NONE},
};

/* Reads the parameters of a neuron node. */
static int parse_neuron(struct ld *L, hid_t g, struct gnode *n)
{
	/* datasets of each model: name, parameter, required */
	struct want {
		const char *ds;
		int p;
		bool req;
	};
	static const struct want lif[] = {{"tau", NIR_TAU_MEM, true},
					  {"r", NIR_R, true},
					  {"v_leak", NIR_V_LEAK, true},
					  {"v_threshold", NIR_V_THRESHOLD, true},
					  {"v_reset", NIR_V_RESET, false}};
	static const struct want li[] = {
	    {"tau", NIR_TAU_MEM, true}, {"r", NIR_R, true}, {"v_leak", NIR_V_LEAK, true}};
	static const struct want integ[] = {{"r", NIR_R, true}};
	static const struct want iff[] = {{"r", NIR_R, true},
					  {"v_threshold", NIR_V_THRESHOLD, true},
					  {"v_reset", NIR_V_RESET, false}};
	static const struct want cli[] = {{"tau_syn", NIR_TAU_SYN, true},
					  {"tau_mem", NIR_TAU_MEM, true},
					  {"r", NIR_R, true},
					  {"v_leak", NIR_V_LEAK, true},
					  {"w_in", NIR_W_IN, false}};
	static const struct want clif[] = {{"tau_syn", NIR_TAU_SYN, true},
					   {"tau_mem", NIR_TAU_MEM, true},
					   {"r", NIR_R, true},
					   {"v_leak", NIR_V_LEAK, true},
					   {"v_threshold", NIR_V_THRESHOLD, true},
					   {"v_reset", NIR_V_RESET, false},
					   {"w_in", NIR_W_IN, false}};
	static const struct want thr[] = {{"threshold", NIR_V_THRESHOLD, true}};
	const struct want *w;
	int nw;
	switch (n->model) {
	case MODEL_NIR_LIF:
		w = lif;
		nw = 5;
		break;
	case MODEL_NIR_LI:
		w = li;
		nw = 3;
		break;
	case MODEL_NIR_I:
		w = integ;
		nw = 1;
		break;
	case MODEL_NIR_IF:
		w = iff;
		nw = 3;
		break;
	case MODEL_NIR_CUBA_LI:
		w = cli;
		nw = 5;
		break;
	case MODEL_NIR_CUBA_LIF:
		w = clif;
		nw = 7;
		break;
	default:
		w = thr;
		nw = 1;
		break;
	}
	struct arr *ps[NIR_N_PARAMS];
	for (int i = 0; i < nw; i++) {
		int rc = read_arr(L, g, n->path, w[i].ds, w[i].req, &n->prm[w[i].p]);
		if (rc != SNN_OK) {
			return rc;
		}
		ps[i] = &n->prm[w[i].p];
		if (!n->prm[w[i].p].present) {
			if (w[i].p == NIR_V_RESET) {
				n->v_reset_absent = true;
			} else {
				n->w_in_absent = true;
			}
		}
	}
	return elementwise_shape(L, n, ps, nw);
}

static int parse_conv(struct ld *L, hid_t g, struct gnode *n)
{
	char dp[PATH_MAX_LEN];
	int rc = read_arr(L, g, n->path, "weight", true, &n->weight);
	if (rc != SNN_OK) {
		return rc;
	}
	uint32_t want = strcmp(n->type, "Conv1d") == 0 ? 3 : 4;
	n->cdims = want - 2;
	nir_join(dp, n->path, "weight");
	if (n->weight.nd != want) {
		return nir_fail(L, SNN_EPARSE, dp,
				"%s expects a %u-d weight (out channels, in channels "
				"/ groups, %s), found %u dimensions",
				n->type, want, want == 3 ? "kernel" : "kernel height, kernel width",
				n->weight.nd);
	}
	for (uint32_t i = 0; i < want; i++) {
		if (n->weight.dims[i] == 0 || n->weight.dims[i] > MAX_SETTING) {
			return nir_fail(L, SNN_EPARSE, dp, "weight dimension %u has size %llu", i,
					(unsigned long long)n->weight.dims[i]);
		}
	}
	n->kernel[0] = want == 3 ? 1 : (uint32_t)n->weight.dims[2];
	n->kernel[1] = (uint32_t)n->weight.dims[want - 1];
	uint32_t v[2];
	if ((rc = read_ints(L, g, n->path, "stride", n->cdims, 1, true, 1, v)) != SNN_OK) {
		return rc;
	}
	n->stride[0] = n->cdims == 1 ? 1 : v[0];
	n->stride[1] = v[n->cdims - 1];
	if ((rc = read_ints(L, g, n->path, "dilation", n->cdims, 1, true, 1, v)) != SNN_OK) {
		return rc;
	}
	n->dil[0] = n->cdims == 1 ? 1 : v[0];
	n->dil[1] = v[n->cdims - 1];
	if (is_string_ds(g, "padding")) {
		char *p = NULL;
		if ((rc = read_str(L, g, n->path, "padding", true, &p)) != SNN_OK) {
			return rc;
		}
		nir_join(dp, n->path, "padding");
		if (strcmp(p, "valid") == 0) {
			n->pad[0] = n->pad[1] = 0;
		} else if (strcmp(p, "same") == 0) {
			n->pad_same = true;
		} else {
			rc = nir_fail(L, SNN_EPARSE, dp,
				      "padding '%s' is not 'same', 'valid' or sizes", p);
		}
		free(p);
		if (rc != SNN_OK) {
			return rc;
		}
	} else {
		if ((rc = read_ints(L, g, n->path, "padding", n->cdims, 0, true, 0, v)) != SNN_OK) {
			return rc;
		}
		n->pad[0] = n->cdims == 1 ? 0 : v[0];
		n->pad[1] = v[n->cdims - 1];
	}
	if ((rc = read_ints(L, g, n->path, "groups", 1, 1, true, 1, &n->groups)) != SNN_OK) {
		return rc;
	}
	if ((rc = read_arr(L, g, n->path, "bias", true, &n->bias)) != SNN_OK) {
		return rc;
	}
	uint32_t cout = (uint32_t)n->weight.dims[0];
	nir_join(dp, n->path, "bias");
	if (n->bias.n != 1 && n->bias.n != cout) {
		return nir_fail(L, SNN_EPARSE, dp,
				"expected %u values (one per output channel), found %llu", cout,
				(unsigned long long)n->bias.n);
	}
	nir_join(dp, n->path, "groups");
	if (cout % n->groups != 0) {
		return nir_fail(L, SNN_EPARSE, dp, "%u output channels do not split into %u groups",
				cout, n->groups);
	}
	if (n->pad_same && (n->stride[0] != 1 || n->stride[1] != 1)) {
		nir_join(dp, n->path, "padding");
		return nir_fail(L, SNN_EPARSE, dp, "padding 'same' needs a stride of 1");
	}
	if (H5Lexists(g, "input_shape", H5P_DEFAULT) > 0) {
		if ((rc = read_ints(L, g, n->path, "input_shape", n->cdims, 1, true, 1, v)) !=
		    SNN_OK) {
			return rc;
		}
		n->has_input_shape = true;
		n->input_shape[0] = n->cdims == 1 ? 1 : v[0];
		n->input_shape[1] = v[n->cdims - 1];
		n->in.nd = n->cdims + 1;
		n->in.d[0] = (uint32_t)n->weight.dims[1] * n->groups;
		n->in.d[1] = n->cdims == 1 ? n->input_shape[1] : n->input_shape[0];
		if (n->cdims == 2) {
			n->in.d[2] = n->input_shape[1];
		}
		n->in_known = true;
	}
	return SNN_OK;
}

static int parse_pool(struct ld *L, hid_t g, struct gnode *n)
{
	int rc;
	n->cdims = 2;
	if ((rc = read_ints(L, g, n->path, "kernel_size", 2, 1, true, 1, n->kernel)) != SNN_OK ||
	    (rc = read_ints(L, g, n->path, "stride", 2, 1, true, 1, n->stride)) != SNN_OK ||
	    (rc = read_ints(L, g, n->path, "padding", 2, 0, true, 0, n->pad)) != SNN_OK) {
		return rc;
	}
	n->dil[0] = n->dil[1] = 1;
	return SNN_OK;
}

/* Reads the node at group g (path gpath) of type `type`. */
static int parse_node(struct ld *L, hid_t g, const char *gpath, const char *name, const char *type,
		      bool top, uint32_t *idx)
{
	const struct type_entry *te = NULL;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcmp(types[i].name, type) == 0) {
			te = &types[i];
		}
	}
	char tp[PATH_MAX_LEN];
	nir_join(tp, gpath, "type");
	if (!te) {
		return nir_fail(L, SNN_EPARSE, tp, "unknown node type '%s'; NIR 1.0 has: %s", type,
				NIR_TYPES);
	}
	struct gnode *n = new_node(L, idx);
	if (!n) {
		return mem_nomem(L->d);
	}
	n->name = mem_strdup(name);
	n->path = mem_strdup(gpath);
	n->type = mem_strdup(type);
	if (!n->name || !n->path || !n->type) {
		return mem_nomem(L->d);
	}
	n->kind = te->kind;
	n->model = te->model;
	n->op = te->op;
	int rc = SNN_OK;
	bool present;
	switch (te->kind) {
	case GK_INPUT:
	case GK_OUTPUT:
		n->is_input_type = te->kind == GK_INPUT;
		if (!top) {
			n->kind = GK_PASS;
		}
		rc = read_shape(L, g, gpath, "shape", te->kind == GK_INPUT && top, &n->out,
				&present);
		if (rc == SNN_OK && present) {
			n->in = n->out;
			n->in_known = n->out_known = true;
		}
		return rc;
	case GK_NEURON:
		return parse_neuron(L, g, n);
	case GK_PASS: {
		bool a1, a2;
		if ((rc = read_int(L, g, gpath, "start_dim", 1, &n->start_dim, &a1)) != SNN_OK ||
		    (rc = read_int(L, g, gpath, "end_dim", -1, &n->end_dim, &a2)) != SNN_OK) {
			return rc;
		}
		if (a1 || a2) {
			rc = nir_assume(L, gpath,
					"Flatten without start_dim or end_dim: 1 and -1 (NIR's "
					"defaults)");
		}
		if (rc == SNN_OK && H5Lexists(g, "input_type", H5P_DEFAULT) > 0) {
			struct nir_shape s = {0, {0}};
			rc = read_shape(L, g, gpath, "input_type", false, &s, &present);
			if (rc == SNN_OK && present && nir_shape_size(&s) > 0) {
				n->in = s;
				n->in_known = true;
			}
		}
		return rc;
	}
	case GK_OP:
	default:
		break;
	}
	char dp[PATH_MAX_LEN];
	switch (te->op) {
	case OP_AFFINE:
	case OP_LINEAR:
		if ((rc = read_arr(L, g, gpath, "weight", true, &n->weight)) != SNN_OK) {
			return rc;
		}
		nir_join(dp, gpath, "weight");
		if (n->weight.nd != 2) {
			return nir_fail(L, SNN_EPARSE, dp,
					"expected a 2-d weight (outputs, inputs), found "
					"%u dimensions",
					n->weight.nd);
		}
		if (n->weight.dims[0] == 0 || n->weight.dims[1] == 0) {
			return nir_fail(L, SNN_EPARSE, dp, "an empty weight matrix");
		}
		n->in = (struct nir_shape){1, {(uint32_t)n->weight.dims[1]}};
		n->out = (struct nir_shape){1, {(uint32_t)n->weight.dims[0]}};
		n->in_known = n->out_known = true;
		if (te->op == OP_AFFINE) {
			if ((rc = read_arr(L, g, gpath, "bias", true, &n->bias)) != SNN_OK) {
				return rc;
			}
			nir_join(dp, gpath, "bias");
			if (n->bias.n != 1 && n->bias.n != n->weight.dims[0]) {
				return nir_fail(L, SNN_EPARSE, dp,
						"expected %llu values (one per output), "
						"found %llu",
						(unsigned long long)n->weight.dims[0],
						(unsigned long long)n->bias.n);
			}
		}
		return SNN_OK;
	case OP_CONV:
		return parse_conv(L, g, n);
	case OP_SUMPOOL:
	case OP_AVGPOOL:
		return parse_pool(L, g, n);
	case OP_SCALE: {
		if ((rc = read_arr(L, g, gpath, "scale", true, &n->scale)) != SNN_OK) {
			return rc;
		}
		struct arr *ps[] = {&n->scale};
		return elementwise_shape(L, n, ps, 1);
	}
	case OP_DELAY: {
		if ((rc = read_arr(L, g, gpath, "delay", true, &n->delay)) != SNN_OK) {
			return rc;
		}
		nir_join(dp, gpath, "delay");
		for (uint64_t i = 0; i < n->delay.n; i++) {
			if (n->delay.v[i] < 0) {
				return nir_fail(L, SNN_EPARSE, dp, "a negative delay (%g s)",
						n->delay.v[i]);
			}
		}
		struct arr *ps[] = {&n->delay};
		return elementwise_shape(L, n, ps, 1);
	}
	default:
		return SNN_OK;
	}
}

/* ------------------------------------------------------------------ graphs */

static void level_free(struct level *lv)
{
	if (!lv) {
		return;
	}
	for (uint32_t i = 0; i < lv->n; i++) {
		free(lv->names ? lv->names[i] : NULL);
		level_free(lv->sub ? lv->sub[i] : NULL);
	}
	free(lv->names);
	free(lv->node);
	free(lv->sub);
	free(lv->path);
	free(lv);
}

struct name_list {
	char **v;
	uint32_t n, cap;
	int err;
};

static herr_t collect_name(hid_t g, const char *name, const H5L_info_t *info, void *ctx)
{
	(void)g;
	(void)info;
	struct name_list *nl = ctx;
	if (nl->n == nl->cap) {
		uint32_t c = nl->cap ? nl->cap * 2 : 16;
		char **v = mem_resize(nl->v, c, sizeof(char *));
		if (!v) {
			nl->err = 1;
			return -1;
		}
		nl->v = v;
		nl->cap = c;
	}
	nl->v[nl->n] = mem_strdup(name);
	if (!nl->v[nl->n]) {
		nl->err = 1;
		return -1;
	}
	nl->n++;
	return 0;
}

/* Node index of an edge endpoint at a level: a child node, a nested graph's
 * only Input (as a target) or Output (as a source), or "graph.node" inside a
 * nested graph. -1: unknown; -2: a nested graph whose entry is ambiguous
 * (error recorded). */
static int32_t resolve(struct ld *L, const struct level *lv, const char *name, bool as_source,
		       const char *edges_path)
{
	for (uint32_t i = 0; i < lv->n; i++) {
		if (strcmp(lv->names[i], name) != 0) {
			continue;
		}
		if (lv->node[i] >= 0) {
			return lv->node[i];
		}
		const struct level *s = lv->sub[i];
		int32_t e = as_source ? s->out_node : s->in_node;
		if (e < 0) {
			nir_fail(
			    L, SNN_EPARSE, edges_path,
			    "an edge %s the nested graph '%s', which has %u %s nodes: name one as "
			    "'%s.<node>'",
			    as_source ? "leaves" : "enters", name, as_source ? s->n_out : s->n_in,
			    as_source ? "Output" : "Input", name);
			return -2;
		}
		return e;
	}
	for (const char *dot = strchr(name, '.'); dot; dot = strchr(dot + 1, '.')) {
		size_t len = (size_t)(dot - name);
		for (uint32_t i = 0; i < lv->n; i++) {
			if (lv->node[i] < 0 && strlen(lv->names[i]) == len &&
			    strncmp(lv->names[i], name, len) == 0) {
				int32_t r = resolve(L, lv->sub[i], dot + 1, as_source, edges_path);
				if (r != -1) {
					return r;
				}
			}
		}
	}
	return -1;
}

static int add_edge(struct ld *L, uint32_t a, uint32_t b)
{
	if (L->n_edges == L->cap_edges) {
		uint32_t c = L->cap_edges ? L->cap_edges * 2 : 32;
		uint32_t(*v)[2] = mem_resize(L->edges, (size_t)c, sizeof(*v));
		if (!v) {
			return mem_nomem(L->d);
		}
		L->edges = v;
		L->cap_edges = c;
	}
	L->edges[L->n_edges][0] = a;
	L->edges[L->n_edges][1] = b;
	L->n_edges++;
	return SNN_OK;
}

static int read_graph(struct ld *L, hid_t g, const char *gpath, const char *qual, bool top,
		      int depth, struct level **out);

/* Reads the children of a graph's `nodes` group. */
static int read_children(struct ld *L, hid_t g, struct level *lv, const char *qual, bool top,
			 int depth)
{
	char np[PATH_MAX_LEN];
	nir_join(np, lv->path, "nodes");
	if (H5Lexists(g, "nodes", H5P_DEFAULT) <= 0) {
		return nir_fail(L, SNN_EPARSE, lv->path, "missing group 'nodes'");
	}
	hid_t ng = H5Gopen2(g, "nodes", H5P_DEFAULT);
	if (ng < 0) {
		return nir_fail(L, SNN_EPARSE, np, "expected a group of nodes");
	}
	struct name_list nl = {NULL, 0, 0, 0};
	hsize_t idx = 0;
	int rc = SNN_OK;
	if (H5Literate(ng, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, &nl) < 0) {
		rc = nl.err ? mem_nomem(L->d)
			    : nir_fail(L, SNN_EIO, np,
				       "cannot list the nodes (the file may be truncated "
				       "or damaged)");
	}
	lv->names = nl.v;
	lv->n = nl.n;
	lv->node = mem_array(nl.n, sizeof(int32_t));
	lv->sub = mem_array(nl.n, sizeof(struct level *));
	if (rc == SNN_OK && (!lv->node || !lv->sub)) {
		rc = mem_nomem(L->d);
	}
	for (uint32_t i = 0; i < lv->n && rc == SNN_OK; i++) {
		char cp[PATH_MAX_LEN], qname[PATH_MAX_LEN];
		nir_join(cp, np, lv->names[i]);
		cat3(qname, qual, lv->names[i], "");
		hid_t cg = H5Gopen2(ng, lv->names[i], H5P_DEFAULT);
		if (cg < 0) {
			rc = nir_fail(L, SNN_EPARSE, cp, "expected a node group");
			break;
		}
		char *type = NULL;
		rc = read_str(L, cg, cp, "type", true, &type);
		if (rc == SNN_OK && strcmp(type, "NIRGraph") == 0) {
			char subq[PATH_MAX_LEN];
			cat3(subq, qname, "/", "");
			lv->node[i] = -1;
			rc = read_graph(L, cg, cp, subq, false, depth + 1, &lv->sub[i]);
		} else if (rc == SNN_OK) {
			uint32_t k = 0;
			rc = parse_node(L, cg, cp, qname, type, top, &k);
			lv->node[i] = (int32_t)k;
		}
		free(type);
		H5Gclose(cg);
	}
	H5Gclose(ng);
	return rc;
}

/* Reads the edges of a level, resolving names; repairs the one mismatch that
 * real files show (an edge naming a node by another name, see doc/nir.md). */
static int read_level_edges(struct ld *L, hid_t g, struct level *lv)
{
	char ep[PATH_MAX_LEN];
	nir_join(ep, lv->path, "edges");
	char **e = NULL;
	uint32_t ne = 0;
	int rc = read_edges(L, g, lv->path, &e, &ne);
	if (rc != SNN_OK) {
		return rc;
	}
	int32_t *r = mem_array((size_t)ne * 2 + 1, sizeof(int32_t));
	bool *named = mem_array(lv->n + 1, sizeof(bool));
	if (!r || !named) {
		rc = mem_nomem(L->d);
		goto out;
	}
	const char *unknown = NULL;
	uint32_t n_unknown = 0;
	for (uint32_t k = 0; k < 2 * ne; k++) {
		r[k] = resolve(L, lv, e[k], k % 2 == 0, ep);
		if (r[k] == -2) {
			rc = SNN_EPARSE;
			goto out;
		}
		for (uint32_t i = 0; i < lv->n; i++) {
			size_t len = strlen(lv->names[i]);
			if (strcmp(lv->names[i], e[k]) == 0 ||
			    (strncmp(lv->names[i], e[k], len) == 0 && e[k][len] == '.')) {
				named[i] = true;
			}
		}
		if (r[k] == -1 && (!unknown || strcmp(unknown, e[k]) != 0)) {
			n_unknown += !unknown || strcmp(unknown, e[k]) != 0;
			unknown = unknown ? unknown : e[k];
		}
	}
	if (n_unknown) {
		/* One name that is no node, and one plain node that no edge names:
		 * the edge means that node (a nested graph of the NIR paper's
		 * Braille files names its CubaLIF 'lif1' in the nodes and 'lif' in
		 * the edges). Anything else is an error. */
		int32_t cand = -1;
		uint32_t n_cand = 0;
		for (uint32_t i = 0; i < lv->n; i++) {
			if (!named[i] && lv->node[i] >= 0 &&
			    L->nodes[lv->node[i]].kind != GK_PASS) {
				cand = (int32_t)i;
				n_cand++;
			}
		}
		if (n_unknown > 1 || n_cand != 1) {
			for (uint32_t k = 0; k < 2 * ne; k++) {
				if (r[k] == -1) {
					rc = nir_fail(
					    L, SNN_EPARSE, ep,
					    "edge %u names '%s', which is not a node of the graph",
					    k / 2, e[k]);
					goto out;
				}
			}
		}
		rc = nir_assume(L, ep,
				"edges name '%s', which is no node; taken to be '%s', the only "
				"node no edge names",
				unknown, lv->names[cand]);
		for (uint32_t k = 0; k < 2 * ne && rc == SNN_OK; k++) {
			if (r[k] == -1) {
				r[k] = lv->node[cand];
			}
		}
	}
	for (uint32_t k = 0; k < ne && rc == SNN_OK; k++) {
		for (uint32_t q = 0; q < k; q++) {
			if (r[2 * q] == r[2 * k] && r[2 * q + 1] == r[2 * k + 1]) {
				rc = nir_assume(L, ep,
						"edge '%s' -> '%s' is listed more than once; each "
						"listing adds its input again",
						e[2 * k], e[2 * k + 1]);
				break;
			}
		}
		if (rc == SNN_OK) {
			rc = add_edge(L, (uint32_t)r[2 * k], (uint32_t)r[2 * k + 1]);
		}
	}
out:
	for (uint32_t k = 0; e && k < 2 * ne; k++) {
		free(e[k]);
	}
	free(e);
	free(r);
	free(named);
	return rc;
}

static int read_graph(struct ld *L, hid_t g, const char *gpath, const char *qual, bool top,
		      int depth, struct level **out)
{
	*out = NULL;
	if (depth > MAX_DEPTH) {
		return nir_fail(L, SNN_EPARSE, gpath, "graphs nested more than %d deep", MAX_DEPTH);
	}
	struct level *lv = mem_zalloc(sizeof(*lv));
	if (!lv) {
		return mem_nomem(L->d);
	}
	*out = lv;
	lv->path = mem_strdup(gpath);
	if (!lv->path) {
		return mem_nomem(L->d);
	}
	int rc = read_children(L, g, lv, qual, top, depth);
	if (rc != SNN_OK) {
		return rc;
	}
	lv->in_node = lv->out_node = -1;
	for (uint32_t i = 0; i < lv->n; i++) {
		if (lv->node[i] < 0) {
			continue;
		}
		const struct gnode *n = &L->nodes[lv->node[i]];
		bool in = strcmp(n->type, "Input") == 0, outp = strcmp(n->type, "Output") == 0;
		if (in) {
			lv->in_node = lv->n_in++ ? -2 : lv->node[i];
		}
		if (outp) {
			lv->out_node = lv->n_out++ ? -2 : lv->node[i];
		}
	}
	return read_level_edges(L, g, lv);
}

/* ------------------------------------------------------------------ the file */

int nir_read_graph(struct ld *L)
{
	int rc = SNN_OK;
	struct level *root = NULL;
	hid_t g = -1;
	char *version = NULL;
	if (H5Lexists(L->f, "version", H5P_DEFAULT) > 0) {
		rc = read_str(L, L->f, "/", "version", true, &version);
		if (rc != SNN_OK) {
			goto out;
		}
		L->info->version = version;
	} else if ((rc = nir_assume(L, "/version", "absent: a graph of an early NIR version")) !=
		   SNN_OK) {
		goto out;
	}
	if (H5Lexists(L->f, "node", H5P_DEFAULT) <= 0) {
		rc = nir_fail(L, SNN_EPARSE, "/node", "missing group 'node' (the graph)");
		goto out;
	}
	g = H5Gopen2(L->f, "node", H5P_DEFAULT);
	if (g < 0) {
		rc = nir_fail(L, SNN_EPARSE, "/node", "expected the graph's group");
		goto out;
	}
	char *type = NULL;
	if ((rc = read_str(L, g, "/node", "type", true, &type)) != SNN_OK) {
		goto out;
	}
	if (strcmp(type, "NIRGraph") != 0) {
		rc = nir_fail(L, SNN_EPARSE, "/node/type",
			      "the top node is a '%s', expected a NIRGraph", type);
	}
	free(type);
	if (rc == SNN_OK) {
		rc = read_graph(L, g, "/node", "", true, 0, &root);
	}
out:
	level_free(root);
	if (g >= 0) {
		H5Gclose(g);
	}
	return rc;
}
