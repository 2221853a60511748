/*
 * The NIR loader: reads a graph written by nir.write (HDF5: /version,
 * /node/type, /node/nodes/<name>/..., /node/edges) and builds the network IR.
 * Neuron nodes become populations; linear nodes between them become
 * projections (convolutions and pooling structured); a linear node whose
 * output feeds another linear node becomes a relay population.
 * Layer: sim core (loaders). The only code that reads NIR graphs. Never lets
 * HDF5 print, checks every size and value taken from the file, and names the
 * HDF5 path of whatever it rejects. doc/nir.md describes the mapping.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util_int.h"
#include "net_int.h"
#include "nir_int.h"
#include "sha256_int.h"

#define PATH_MAX_LEN 1024
#define MAX_DEPTH 32		  /* nested graphs */
#define MAX_ELEMENTS (1ull << 31) /* values of one dataset */
#define MAX_SETTING (1u << 24)	  /* strides, kernel sizes, ... */

static const char *const NIR_TYPES =
    "Affine, AvgPool2d, Conv1d, Conv2d, CubaLI, CubaLIF, Delay, Flatten, I, IF, Input, LI, "
    "LIF, Linear, NIRGraph, Output, Scale, SumPool2d, Threshold";

/* A numeric dataset read as doubles. */
struct arr {
	bool present;
	bool f64; /* stored as 64-bit floats */
	uint32_t nd;
	uint64_t dims[NIR_MAX_DIMS];
	uint64_t n;
	double *v;
};

enum gkind { GK_INPUT, GK_OUTPUT, GK_PASS, GK_NEURON, GK_OP };
enum gop {
	OP_NONE,
	OP_AFFINE,
	OP_LINEAR,
	OP_CONV,
	OP_SUMPOOL,
	OP_AVGPOOL,
	OP_SCALE,
	OP_DELAY,
	OP_FLATTEN
};

/* A node of the graph, nested graphs flattened into one. */
struct gnode {
	char *name; /* "lif1/lin" for nested nodes */
	char *path; /* "/node/nodes/lif1/nodes/lin" */
	char *type;
	enum gkind kind;
	enum model_id model; /* GK_NEURON */
	enum gop op;	     /* GK_OP, and Flatten (GK_PASS) */
	bool is_input_type;  /* Input (top-level or nested) */
	struct nir_shape in, out;
	bool in_known, out_known;
	struct arr prm[NIR_N_PARAMS]; /* neuron parameters as written (times in s) */
	bool v_reset_absent, w_in_absent;
	struct arr weight, bias, scale, delay;
	uint32_t cdims; /* conv and pool: spatial dimensions */
	uint32_t kernel[2], stride[2], pad[2], dil[2], groups;
	bool pad_same;
	bool has_input_shape;
	uint32_t input_shape[2];
	int64_t start_dim, end_dim;
	uint32_t *pred, n_pred, cap_pred;
	uint32_t *succ, n_succ, cap_succ;
	/* lowering */
	bool is_pop;
	bool dead;
	int pop;
	int expand;   /* pass-through expansion: 0 new, 1 in progress, 2 done */
	int dfs;      /* 0 unvisited, 1 on the stack, 2 done */
	char *params; /* inspect line */
};

/* One graph level: its children by name, for resolving edge endpoints. */
struct level {
	char *path;
	uint32_t n;
	char **names;
	int32_t *node; /* node index, or -1: a nested graph */
	struct level **sub;
	int32_t in_node, out_node; /* the only Input / Output node, -1 none, -2 several */
	uint32_t n_in, n_out;
};

struct link {
	uint32_t from, to; /* population nodes */
	int32_t op;	   /* inlined linear node, or -1: identity */
	bool bias;	   /* carries the linear node's bias */
	bool back;	   /* closes a cycle */
};

struct ld {
	const char *file;
	snn_diag *d;
	snn_net *net;
	struct nir_info *info;
	snn_nir_options opt;
	hid_t f;
	struct gnode *nodes;
	uint32_t n_nodes, cap_nodes;
	uint32_t (*edges)[2];
	uint32_t n_edges, cap_edges;
	struct link *links;
	uint32_t n_links, cap_links;
	uint32_t *order; /* population nodes in update order */
	uint32_t n_order;
};

/* ------------------------------------------------------------------ helpers */

uint64_t nir_shape_size(const struct nir_shape *s)
{
	uint64_t n = 1;
	for (uint32_t i = 0; i < s->nd; i++) {
		n *= s->d[i];
	}
	return n;
}

void nir_shape_format(const struct nir_shape *s, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "[");
	for (uint32_t i = 0; i < s->nd && used < len; i++) {
		used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? " " : "", s->d[i]);
	}
	if (used < len) {
		snprintf(buf + used, len - used, "]");
	}
}

static bool shape_eq(const struct nir_shape *a, const struct nir_shape *b)
{
	if (a->nd != b->nd) {
		return false;
	}
	for (uint32_t i = 0; i < a->nd; i++) {
		if (a->d[i] != b->d[i]) {
			return false;
		}
	}
	return true;
}

/* Equal once dimensions of size 1 are dropped. */
static bool shape_eq_squeezed(const struct nir_shape *a, const struct nir_shape *b)
{
	uint32_t i = 0, j = 0;
	for (;;) {
		while (i < a->nd && a->d[i] == 1) {
			i++;
		}
		while (j < b->nd && b->d[j] == 1) {
			j++;
		}
		if (i == a->nd || j == b->nd) {
			return i == a->nd && j == b->nd;
		}
		if (a->d[i++] != b->d[j++]) {
			return false;
		}
	}
}

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
static void join(char *out, const char *a, const char *b)
{
	cat3(out, strcmp(a, "/") == 0 ? "" : a, "/", b);
}

static char *dupstr(const char *s)
{
	return s ? strdup(s) : NULL;
}

__attribute__((format(printf, 4, 5))) static int fail(struct ld *L, int code, const char *path,
						      const char *fmt, ...)
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

static int nomem(struct ld *L)
{
	return fail(L, SNN_ENOMEM, NULL, "out of memory");
}

/* Records what the loader assumed: "path: text". */
__attribute__((format(printf, 3, 4))) static int assume(struct ld *L, const char *path,
							const char *fmt, ...)
{
	char msg[1536];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	struct nir_info *I = L->info;
	char **a = realloc(I->assumed, (I->n_assumed + 1) * sizeof(char *));
	if (!a) {
		return nomem(L);
	}
	I->assumed = a;
	size_t len = strlen(msg) + (path ? strlen(path) : 0) + 4;
	char *line = malloc(len);
	if (!line) {
		return nomem(L);
	}
	snprintf(line, len, "%s%s%s", path ? path : "", path ? ": " : "", msg);
	I->assumed[I->n_assumed++] = line;
	return SNN_OK;
}

/* Interned origin "file:path" for elements of the IR. */
static struct origin origin_of(struct ld *L, const char *path)
{
	char where[PATH_MAX_LEN + 512];
	snprintf(where, sizeof(where), "%s:%s", L->file, path);
	return (struct origin){net_intern_file(L->net, where), 0, 0};
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

/* Opens dataset `name` of g (full path dp). Absent: -1 with *rc SNN_OK, or an
 * error when required. */
static hid_t open_ds(struct ld *L, hid_t g, const char *dp, const char *name, bool required,
		     int *rc)
{
	*rc = SNN_OK;
	htri_t ex = H5Lexists(g, name, H5P_DEFAULT);
	if (ex <= 0) {
		if (required) {
			*rc = fail(L, SNN_EPARSE, dp, "missing dataset '%s'", name);
		}
		return -1;
	}
	hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
	if (ds < 0) {
		hid_t gg = H5Gopen2(g, name, H5P_DEFAULT);
		if (gg >= 0) {
			H5Gclose(gg);
			*rc = fail(L, SNN_EPARSE, dp, "'%s' is a group, expected a dataset", name);
		} else {
			*rc =
			    fail(L, SNN_EIO, dp,
				 "cannot open the dataset (the file may be truncated or damaged)");
		}
	}
	return ds;
}

/* Reads one string from a dataset (variable or fixed length). */
static int read_str(struct ld *L, hid_t g, const char *gpath, const char *name, bool required,
		    char **out)
{
	char dp[PATH_MAX_LEN];
	join(dp, gpath, name);
	*out = NULL;
	int rc;
	hid_t ds = open_ds(L, g, dp, name, required, &rc);
	if (ds < 0) {
		return rc;
	}
	hid_t ft = H5Dget_type(ds);
	hid_t sp = H5Dget_space(ds);
	if (ft < 0 || sp < 0) {
		rc = fail(L, SNN_EIO, dp,
			  "cannot read the dataset (the file may be truncated or "
			  "damaged)");
		goto out;
	}
	H5T_class_t cls = H5Tget_class(ft);
	hssize_t np = H5Sget_simple_extent_npoints(sp);
	if (cls != H5T_STRING) {
		rc = fail(L, SNN_EPARSE, dp, "wrong dtype: expected a string, found %s",
			  class_name(cls));
		goto out;
	}
	if (np != 1) {
		rc = fail(L, SNN_EPARSE, dp, "expected one string, found %lld", (long long)np);
		goto out;
	}
	hid_t mt = H5Tcopy(H5T_C_S1);
	H5Tset_cset(mt, H5Tget_cset(ft));
	if (H5Tis_variable_str(ft) > 0) {
		char *v = NULL;
		H5Tset_size(mt, H5T_VARIABLE);
		if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) < 0 || !v) {
			rc = fail(L, SNN_EIO, dp,
				  "cannot read the string (the file may be truncated "
				  "or damaged)");
		} else {
			*out = strdup(v);
			H5free_memory(v);
			rc = *out ? SNN_OK : nomem(L);
		}
	} else {
		size_t n = H5Tget_size(ft);
		H5Tset_size(mt, n + 1);
		*out = calloc(n + 2, 1);
		if (!*out) {
			rc = nomem(L);
		} else if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, *out) < 0) {
			free(*out);
			*out = NULL;
			rc = fail(L, SNN_EIO, dp,
				  "cannot read the string (the file may be truncated "
				  "or damaged)");
		}
	}
	H5Tclose(mt);
out:
	if (sp >= 0) {
		H5Sclose(sp);
	}
	if (ft >= 0) {
		H5Tclose(ft);
	}
	H5Dclose(ds);
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
	join(dp, gpath, "edges");
	*out = NULL;
	*n_out = 0;
	int rc;
	hid_t ds = open_ds(L, g, dp, "edges", true, &rc);
	if (ds < 0) {
		return rc;
	}
	hid_t ft = H5Dget_type(ds);
	hid_t sp = H5Dget_space(ds);
	char **v = NULL;
	if (ft < 0 || sp < 0) {
		rc = fail(L, SNN_EIO, dp,
			  "cannot read the edges (the file may be truncated or "
			  "damaged)");
		goto out;
	}
	hssize_t np = H5Sget_simple_extent_npoints(sp);
	int nd = H5Sget_simple_extent_ndims(sp);
	hsize_t dims[2] = {0, 0};
	if (np == 0) {
		goto out; /* no edges */
	}
	if (H5Tget_class(ft) != H5T_STRING) {
		rc = fail(L, SNN_EPARSE, dp, "wrong dtype: expected strings, found %s",
			  class_name(H5Tget_class(ft)));
		goto out;
	}
	if (nd != 2 || H5Sget_simple_extent_dims(sp, dims, NULL) < 0 || dims[1] != 2 ||
	    dims[0] > (1u << 24)) {
		rc = fail(L, SNN_EPARSE, dp, "expected an (E, 2) array of node names");
		goto out;
	}
	size_t total = (size_t)dims[0] * 2;
	v = calloc(total, sizeof(char *));
	if (!v) {
		rc = nomem(L);
		goto out;
	}
	hid_t mt = H5Tcopy(H5T_C_S1);
	H5Tset_cset(mt, H5Tget_cset(ft));
	if (H5Tis_variable_str(ft) > 0) {
		char **raw = calloc(total, sizeof(char *));
		H5Tset_size(mt, H5T_VARIABLE);
		if (!raw) {
			rc = nomem(L);
		} else if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
			rc = fail(L, SNN_EIO, dp,
				  "cannot read the edges (the file may be truncated "
				  "or damaged)");
		} else {
			for (size_t i = 0; i < total && rc == SNN_OK; i++) {
				v[i] = strdup(raw[i] ? raw[i] : "");
				if (!v[i]) {
					rc = nomem(L);
				}
			}
			for (size_t i = 0; i < total; i++) {
				H5free_memory(raw[i]);
			}
		}
		free(raw);
	} else {
		size_t len = H5Tget_size(ft);
		char *buf = calloc(total, len + 1);
		H5Tset_size(mt, len + 1);
		if (!buf) {
			rc = nomem(L);
		} else if (H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
			rc = fail(L, SNN_EIO, dp,
				  "cannot read the edges (the file may be truncated "
				  "or damaged)");
		} else {
			for (size_t i = 0; i < total && rc == SNN_OK; i++) {
				v[i] = strdup(buf + i * (len + 1));
				if (!v[i]) {
					rc = nomem(L);
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
	if (sp >= 0) {
		H5Sclose(sp);
	}
	if (ft >= 0) {
		H5Tclose(ft);
	}
	H5Dclose(ds);
	return rc;
}

static void arr_free(struct arr *a)
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
	join(dp, gpath, name);
	memset(a, 0, sizeof(*a));
	int rc;
	hid_t ds = open_ds(L, g, dp, name, required, &rc);
	if (ds < 0) {
		return rc;
	}
	hid_t ft = H5Dget_type(ds);
	hid_t sp = H5Dget_space(ds);
	if (ft < 0 || sp < 0) {
		rc = fail(L, SNN_EIO, dp,
			  "cannot read the dataset (the file may be truncated or "
			  "damaged)");
		goto out;
	}
	H5T_class_t cls = H5Tget_class(ft);
	if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
		rc = fail(L, SNN_EPARSE, dp, "wrong dtype: expected numbers, found %s",
			  class_name(cls));
		goto out;
	}
	int nd = H5Sget_simple_extent_ndims(sp);
	hsize_t dims[NIR_MAX_DIMS];
	if (nd < 0 || nd > NIR_MAX_DIMS || H5Sget_simple_extent_dims(sp, dims, NULL) < 0) {
		rc = fail(L, SNN_EPARSE, dp, "expected an array of at most %d dimensions",
			  NIR_MAX_DIMS);
		goto out;
	}
	a->nd = (uint32_t)nd;
	a->n = 1;
	for (int i = 0; i < nd; i++) {
		a->dims[i] = dims[i];
		a->n *= dims[i];
		if (a->n > MAX_ELEMENTS) {
			rc = fail(L, SNN_ERANGE, dp, "more than %llu values",
				  (unsigned long long)MAX_ELEMENTS);
			goto out;
		}
	}
	a->f64 = cls == H5T_FLOAT && H5Tget_size(ft) > 4;
	a->v = malloc((a->n ? a->n : 1) * sizeof(double));
	if (!a->v) {
		rc = nomem(L);
		goto out;
	}
	if (a->n && H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, a->v) < 0) {
		rc = fail(L, SNN_EIO, dp,
			  "cannot read the values (the file may be truncated or "
			  "damaged, or compressed with a filter this HDF5 lacks)");
		goto out;
	}
	for (uint64_t i = 0; i < a->n; i++) {
		if (!isfinite(a->v[i])) {
			rc = fail(L, SNN_EPARSE, dp, "value %llu is not a finite number (%g)",
				  (unsigned long long)i, a->v[i]);
			goto out;
		}
	}
	a->present = true;
out:
	if (rc != SNN_OK) {
		arr_free(a);
	}
	if (sp >= 0) {
		H5Sclose(sp);
	}
	if (ft >= 0) {
		H5Tclose(ft);
	}
	H5Dclose(ds);
	return rc;
}

/* Reads an integer setting for `dims` dimensions: 1 value (or a 0-d scalar)
 * for all, or one per dimension; each at least lo. Absent and not required:
 * def. */
static int read_ints(struct ld *L, hid_t g, const char *gpath, const char *name, uint32_t dims,
		     uint32_t lo, bool required, uint32_t def, uint32_t *out)
{
	char dp[PATH_MAX_LEN];
	join(dp, gpath, name);
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
		rc = fail(L, SNN_EPARSE, dp, "expected 1 or %u values, found %llu", dims,
			  (unsigned long long)a.n);
		goto out;
	}
	for (uint32_t i = 0; i < dims; i++) {
		double x = a.v[a.n == 1 ? 0 : i];
		if (x != floor(x) || x < lo || x > MAX_SETTING) {
			rc = fail(L, SNN_EPARSE, dp,
				  "expected whole numbers from %u to %u, found %g", lo, MAX_SETTING,
				  x);
			goto out;
		}
		out[i] = (uint32_t)x;
	}
out:
	arr_free(&a);
	return rc;
}

/* A scalar integer (start_dim, end_dim); absent: def. */
static int read_int(struct ld *L, hid_t g, const char *gpath, const char *name, int64_t def,
		    int64_t *out, bool *absent)
{
	char dp[PATH_MAX_LEN];
	join(dp, gpath, name);
	struct arr a;
	int rc = read_arr(L, g, gpath, name, false, &a);
	*absent = !a.present;
	*out = def;
	if (rc != SNN_OK || !a.present) {
		return rc;
	}
	if (a.n != 1 || a.v[0] != floor(a.v[0]) || fabs(a.v[0]) > 64) {
		rc = fail(L, SNN_EPARSE, dp, "expected one whole number");
	} else {
		*out = (int64_t)a.v[0];
	}
	arr_free(&a);
	return rc;
}

/* Shape from an integer array dataset (Input/Output `shape`). */
static int read_shape(struct ld *L, hid_t g, const char *gpath, const char *name, bool required,
		      struct nir_shape *s, bool *present)
{
	char dp[PATH_MAX_LEN];
	join(dp, gpath, name);
	struct arr a;
	*present = false;
	int rc = read_arr(L, g, gpath, name, required, &a);
	if (rc != SNN_OK || !a.present) {
		return rc;
	}
	if (a.n > NIR_MAX_DIMS || a.n == 0) {
		rc = fail(L, SNN_EPARSE, dp, "expected a shape of 1 to %d sizes", NIR_MAX_DIMS);
		goto out;
	}
	s->nd = (uint32_t)a.n;
	uint64_t total = 1;
	for (uint32_t i = 0; i < s->nd; i++) {
		double x = a.v[i];
		if (x != floor(x) || x < 0 || x > MAX_SETTING) {
			rc = fail(L, SNN_EPARSE, dp, "expected sizes (whole numbers), found %g", x);
			goto out;
		}
		s->d[i] = (uint32_t)x;
		total *= s->d[i];
	}
	if (total > UINT32_MAX / 2) {
		rc = fail(L, SNN_ERANGE, dp, "a layer of %llu neurons is too large",
			  (unsigned long long)total);
		goto out;
	}
	*present = true;
out:
	arr_free(&a);
	return rc;
}

/* ------------------------------------------------------------------ nodes */

static struct gnode *new_node(struct ld *L, uint32_t *idx)
{
	if (L->n_nodes == L->cap_nodes) {
		uint32_t c = L->cap_nodes ? L->cap_nodes * 2 : 16;
		struct gnode *v = realloc(L->nodes, (size_t)c * sizeof(*v));
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
			return fail(L, SNN_EPARSE, n->path,
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
			return fail(L, SNN_ERANGE, n->path, "a layer too large");
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
	join(dp, n->path, "weight");
	if (n->weight.nd != want) {
		return fail(L, SNN_EPARSE, dp,
			    "%s expects a %u-d weight (out channels, in channels "
			    "/ groups, %s), found %u dimensions",
			    n->type, want, want == 3 ? "kernel" : "kernel height, kernel width",
			    n->weight.nd);
	}
	for (uint32_t i = 0; i < want; i++) {
		if (n->weight.dims[i] == 0 || n->weight.dims[i] > MAX_SETTING) {
			return fail(L, SNN_EPARSE, dp, "weight dimension %u has size %llu", i,
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
		join(dp, n->path, "padding");
		if (strcmp(p, "valid") == 0) {
			n->pad[0] = n->pad[1] = 0;
		} else if (strcmp(p, "same") == 0) {
			n->pad_same = true;
		} else {
			rc = fail(L, SNN_EPARSE, dp, "padding '%s' is not 'same', 'valid' or sizes",
				  p);
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
	join(dp, n->path, "bias");
	if (n->bias.n != 1 && n->bias.n != cout) {
		return fail(L, SNN_EPARSE, dp,
			    "expected %u values (one per output channel), found %llu", cout,
			    (unsigned long long)n->bias.n);
	}
	join(dp, n->path, "groups");
	if (cout % n->groups != 0) {
		return fail(L, SNN_EPARSE, dp, "%u output channels do not split into %u groups",
			    cout, n->groups);
	}
	if (n->pad_same && (n->stride[0] != 1 || n->stride[1] != 1)) {
		join(dp, n->path, "padding");
		return fail(L, SNN_EPARSE, dp, "padding 'same' needs a stride of 1");
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
	join(tp, gpath, "type");
	if (!te) {
		return fail(L, SNN_EPARSE, tp, "unknown node type '%s'; NIR 1.0 has: %s", type,
			    NIR_TYPES);
	}
	struct gnode *n = new_node(L, idx);
	if (!n) {
		return nomem(L);
	}
	n->name = strdup(name);
	n->path = strdup(gpath);
	n->type = strdup(type);
	if (!n->name || !n->path || !n->type) {
		return nomem(L);
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
			rc = assume(L, gpath,
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
		join(dp, gpath, "weight");
		if (n->weight.nd != 2) {
			return fail(L, SNN_EPARSE, dp,
				    "expected a 2-d weight (outputs, inputs), found "
				    "%u dimensions",
				    n->weight.nd);
		}
		if (n->weight.dims[0] == 0 || n->weight.dims[1] == 0) {
			return fail(L, SNN_EPARSE, dp, "an empty weight matrix");
		}
		n->in = (struct nir_shape){1, {(uint32_t)n->weight.dims[1]}};
		n->out = (struct nir_shape){1, {(uint32_t)n->weight.dims[0]}};
		n->in_known = n->out_known = true;
		if (te->op == OP_AFFINE) {
			if ((rc = read_arr(L, g, gpath, "bias", true, &n->bias)) != SNN_OK) {
				return rc;
			}
			join(dp, gpath, "bias");
			if (n->bias.n != 1 && n->bias.n != n->weight.dims[0]) {
				return fail(L, SNN_EPARSE, dp,
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
		join(dp, gpath, "delay");
		for (uint64_t i = 0; i < n->delay.n; i++) {
			if (n->delay.v[i] < 0) {
				return fail(L, SNN_EPARSE, dp, "a negative delay (%g s)",
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
		char **v = realloc(nl->v, c * sizeof(char *));
		if (!v) {
			nl->err = 1;
			return -1;
		}
		nl->v = v;
		nl->cap = c;
	}
	nl->v[nl->n] = strdup(name);
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
			fail(L, SNN_EPARSE, edges_path,
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
		uint32_t(*v)[2] = realloc(L->edges, (size_t)c * sizeof(*v));
		if (!v) {
			return nomem(L);
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
	join(np, lv->path, "nodes");
	if (H5Lexists(g, "nodes", H5P_DEFAULT) <= 0) {
		return fail(L, SNN_EPARSE, lv->path, "missing group 'nodes'");
	}
	hid_t ng = H5Gopen2(g, "nodes", H5P_DEFAULT);
	if (ng < 0) {
		return fail(L, SNN_EPARSE, np, "expected a group of nodes");
	}
	struct name_list nl = {NULL, 0, 0, 0};
	hsize_t idx = 0;
	int rc = SNN_OK;
	if (H5Literate(ng, H5_INDEX_NAME, H5_ITER_INC, &idx, collect_name, &nl) < 0) {
		rc = nl.err ? nomem(L)
			    : fail(L, SNN_EIO, np,
				   "cannot list the nodes (the file may be truncated "
				   "or damaged)");
	}
	lv->names = nl.v;
	lv->n = nl.n;
	lv->node = calloc(nl.n ? nl.n : 1, sizeof(int32_t));
	lv->sub = calloc(nl.n ? nl.n : 1, sizeof(struct level *));
	if (rc == SNN_OK && (!lv->node || !lv->sub)) {
		rc = nomem(L);
	}
	for (uint32_t i = 0; i < lv->n && rc == SNN_OK; i++) {
		char cp[PATH_MAX_LEN], qname[PATH_MAX_LEN];
		join(cp, np, lv->names[i]);
		cat3(qname, qual, lv->names[i], "");
		hid_t cg = H5Gopen2(ng, lv->names[i], H5P_DEFAULT);
		if (cg < 0) {
			rc = fail(L, SNN_EPARSE, cp, "expected a node group");
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
	join(ep, lv->path, "edges");
	char **e = NULL;
	uint32_t ne = 0;
	int rc = read_edges(L, g, lv->path, &e, &ne);
	if (rc != SNN_OK) {
		return rc;
	}
	int32_t *r = calloc((size_t)ne * 2 + 1, sizeof(int32_t));
	bool *named = calloc(lv->n + 1, sizeof(bool));
	if (!r || !named) {
		rc = nomem(L);
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
					rc = fail(
					    L, SNN_EPARSE, ep,
					    "edge %u names '%s', which is not a node of the graph",
					    k / 2, e[k]);
					goto out;
				}
			}
		}
		rc = assume(L, ep,
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
				rc = assume(L, ep,
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
		return fail(L, SNN_EPARSE, gpath, "graphs nested more than %d deep", MAX_DEPTH);
	}
	struct level *lv = calloc(1, sizeof(*lv));
	if (!lv) {
		return nomem(L);
	}
	*out = lv;
	lv->path = strdup(gpath);
	if (!lv->path) {
		return nomem(L);
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

/* ------------------------------------------------------------------ shapes */

static bool elementwise(const struct gnode *n)
{
	return n->kind == GK_NEURON || n->kind == GK_OUTPUT ||
	       (n->kind == GK_PASS && n->op == OP_NONE) ||
	       (n->kind == GK_OP && (n->op == OP_SCALE || n->op == OP_DELAY));
}

static uint32_t conv_out(uint32_t in, uint32_t pad, uint32_t dil, uint32_t k, uint32_t stride,
			 bool *ok)
{
	int64_t span = (int64_t)dil * (k - 1) + 1;
	int64_t x = (int64_t)in + 2 * (int64_t)pad - span;
	*ok = x >= 0;
	return x < 0 ? 0 : (uint32_t)(x / stride + 1);
}

/* Sets node b's input shape from predecessor a's output, checking that b can
 * take it, and derives b's output shape. */
static int set_input(struct ld *L, struct gnode *b, const struct gnode *a)
{
	char sa[96], sb[160];
	const struct nir_shape *s = &a->out;
	nir_shape_format(s, sa, sizeof(sa));
	b->in = *s;
	b->in_known = true;
	if (elementwise(b)) {
		b->out = *s;
		b->out_known = true;
		return SNN_OK;
	}
	if (b->op == OP_CONV) {
		uint32_t cin = (uint32_t)b->weight.dims[1] * b->groups;
		bool fits = s->nd == b->cdims + 1 && s->d[0] == cin;
		if (!fits) {
			snprintf(sb, sizeof(sb), "[%u %s]", cin, b->cdims == 1 ? "N" : "H W");
			return fail(L, SNN_EPARSE, b->path,
				    "shape mismatch along edge '%s' -> '%s': %s gives %s but %s "
				    "takes %s",
				    a->name, b->name, a->path, sa, b->path, sb);
		}
		if (b->cdims == 1) {
			b->input_shape[0] = 1;
			b->input_shape[1] = s->d[1];
		} else {
			b->input_shape[0] = s->d[1];
			b->input_shape[1] = s->d[2];
		}
	} else if (b->op == OP_SUMPOOL || b->op == OP_AVGPOOL) {
		if (s->nd != 3) {
			return fail(L, SNN_EPARSE, b->path,
				    "shape mismatch along edge '%s' -> '%s': %s gives %s but %s "
				    "takes [C H W]",
				    a->name, b->name, a->path, sa, b->path);
		}
	} else if (b->op == OP_FLATTEN) {
		/* handled below */
	} else {
		return SNN_OK; /* fixed input shape (Affine, Linear): checked on the edge */
	}
	if (b->op == OP_FLATTEN) {
		int64_t nd = s->nd, st = b->start_dim, en = b->end_dim;
		st = st < 0 ? st + nd : st;
		en = en < 0 ? en + nd : en;
		if (st < 0 || en >= nd || st > en) {
			return fail(L, SNN_EPARSE, b->path,
				    "Flatten from dimension %lld to %lld does not fit its input %s",
				    (long long)b->start_dim, (long long)b->end_dim, sa);
		}
		struct nir_shape o = {0, {0}};
		for (int64_t i = 0; i < st; i++) {
			o.d[o.nd++] = s->d[i];
		}
		uint32_t m = 1;
		for (int64_t i = st; i <= en; i++) {
			m *= s->d[i];
		}
		o.d[o.nd++] = m;
		for (int64_t i = en + 1; i < nd; i++) {
			o.d[o.nd++] = s->d[i];
		}
		b->out = o;
		b->out_known = true;
		return SNN_OK;
	}
	/* conv and pool outputs */
	uint32_t H = s->nd == 3 ? s->d[1] : 1, W = s->d[s->nd - 1];
	bool ok1 = true, ok2 = true;
	uint32_t oh, ow;
	if (b->pad_same) {
		oh = H;
		ow = W;
	} else {
		oh = conv_out(H, b->pad[0], b->dil[0], b->kernel[0], b->stride[0], &ok1);
		ow = conv_out(W, b->pad[1], b->dil[1], b->kernel[1], b->stride[1], &ok2);
	}
	if (!ok1 || !ok2 || oh == 0 || ow == 0) {
		return fail(
		    L, SNN_EPARSE, b->path,
		    "a kernel of %ux%u (dilation %ux%u, padding %ux%u) does not fit the input "
		    "%s",
		    b->kernel[0], b->kernel[1], b->dil[0], b->dil[1], b->pad[0], b->pad[1], sa);
	}
	uint32_t c = b->op == OP_CONV ? (uint32_t)b->weight.dims[0] : s->d[0];
	b->out.nd = s->nd;
	b->out.d[0] = c;
	if (s->nd == 3) {
		b->out.d[1] = oh;
		b->out.d[2] = ow;
	} else {
		b->out.d[1] = ow;
	}
	b->out_known = true;
	return SNN_OK;
}

static int infer_shapes(struct ld *L)
{
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		if (n->in_known && !n->out_known) {
			/* input shape given (Conv input_shape, Flatten input_type):
			 * the output follows from it */
			struct gnode self = *n;
			self.out = n->in;
			int rc = set_input(L, n, &self);
			if (rc != SNN_OK) {
				return rc;
			}
		}
	}
	bool changed = true;
	while (changed) {
		changed = false;
		for (uint32_t k = 0; k < L->n_edges; k++) {
			struct gnode *a = &L->nodes[L->edges[k][0]];
			struct gnode *b = &L->nodes[L->edges[k][1]];
			if (a->out_known && !b->in_known && b->kind != GK_INPUT) {
				int rc = set_input(L, b, a);
				if (rc != SNN_OK) {
					return rc;
				}
				changed = true;
			}
			if (!a->out_known && b->in_known && elementwise(a)) {
				a->out = a->in = b->in;
				a->out_known = a->in_known = true;
				changed = true;
			}
		}
	}
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		if (n->n_pred == 0 && n->n_succ == 0) {
			continue;
		}
		if (!n->out_known || !n->in_known) {
			return fail(
			    L, SNN_EPARSE, n->path,
			    "cannot infer the shape of %s node '%s': no shape in the file and "
			    "none from its neighbours",
			    n->type, n->name);
		}
		if (nir_shape_size(&n->out) == 0 || nir_shape_size(&n->out) > UINT32_MAX / 2) {
			char s[96];
			nir_shape_format(&n->out, s, sizeof(s));
			return fail(L, SNN_EPARSE, n->path, "unusable shape %s", s);
		}
	}
	return SNN_OK;
}

/* Checks every edge: the output shape of its source is the input shape of
 * its target (up to dimensions of size 1, and to a Flatten's batch
 * convention). */
static int check_edges(struct ld *L)
{
	for (uint32_t k = 0; k < L->n_edges; k++) {
		const struct gnode *a = &L->nodes[L->edges[k][0]];
		const struct gnode *b = &L->nodes[L->edges[k][1]];
		if (shape_eq(&a->out, &b->in)) {
			continue;
		}
		char sa[96], sb[96];
		nir_shape_format(&a->out, sa, sizeof(sa));
		nir_shape_format(&b->in, sb, sizeof(sb));
		int rc = SNN_OK;
		if (nir_shape_size(&a->out) == nir_shape_size(&b->in) &&
		    shape_eq_squeezed(&a->out, &b->in)) {
			rc = assume(L, b->path,
				    "takes %s from '%s', which gives %s: the same values "
				    "(the shapes differ in dimensions of size 1)",
				    sb, a->name, sa);
		} else if (nir_shape_size(&a->out) == nir_shape_size(&b->in) &&
			   a->op == OP_FLATTEN) {
			rc = assume(L, a->path,
				    "Flatten gives %s but '%s' takes %s: every dimension "
				    "flattened (start_dim counted a batch dimension)",
				    sa, b->name, sb);
		} else {
			return fail(L, SNN_EPARSE, b->path,
				    "shape mismatch along edge '%s' -> '%s': %s gives %s but %s "
				    "takes %s",
				    a->name, b->name, a->path, sa, b->path, sb);
		}
		if (rc != SNN_OK) {
			return rc;
		}
	}
	return SNN_OK;
}

/* ------------------------------------------------------------------ adjacency */

static int push(uint32_t **v, uint32_t *n, uint32_t *cap, uint32_t x)
{
	if (*n == *cap) {
		uint32_t c = *cap ? *cap * 2 : 4;
		uint32_t *p = realloc(*v, c * sizeof(uint32_t));
		if (!p) {
			return -1;
		}
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = x;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* Fills pred and succ lists from the edges, each sorted by node index so that
 * nothing depends on the order of the edges in the file. */
static int build_adjacency(struct ld *L)
{
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		L->nodes[i].n_pred = L->nodes[i].n_succ = 0;
	}
	for (uint32_t k = 0; k < L->n_edges; k++) {
		struct gnode *a = &L->nodes[L->edges[k][0]];
		struct gnode *b = &L->nodes[L->edges[k][1]];
		if (push(&a->succ, &a->n_succ, &a->cap_succ, L->edges[k][1]) ||
		    push(&b->pred, &b->n_pred, &b->cap_pred, L->edges[k][0])) {
			return nomem(L);
		}
	}
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		if (n->n_pred > 1) {
			qsort(n->pred, n->n_pred, sizeof(uint32_t), cmp_u32);
		}
		if (n->n_succ > 1) {
			qsort(n->succ, n->n_succ, sizeof(uint32_t), cmp_u32);
		}
	}
	return SNN_OK;
}

/* Removes pass-through nodes (Flatten, nested Input and Output): every
 * non-pass source reaching a node through them is joined to it directly. */
static int expand_sources(struct ld *L, uint32_t i, uint32_t **out, uint32_t *n, uint32_t *cap)
{
	struct gnode *p = &L->nodes[i];
	if (p->kind != GK_PASS) {
		return push(out, n, cap, i) ? nomem(L) : SNN_OK;
	}
	if (p->expand == 1) {
		return fail(L, SNN_EPARSE, p->path,
			    "a cycle without a neuron on it (through '%s', a %s node)", p->name,
			    p->type);
	}
	p->expand = 1;
	for (uint32_t k = 0; k < p->n_pred; k++) {
		int rc = expand_sources(L, p->pred[k], out, n, cap);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	p->expand = 0;
	return SNN_OK;
}

static int remove_pass(struct ld *L)
{
	uint32_t(*ne)[2] = NULL;
	uint32_t nn = 0, cap = 0;
	uint32_t *src = NULL, ns = 0, scap = 0;
	int rc = SNN_OK;
	for (uint32_t k = 0; k < L->n_edges && rc == SNN_OK; k++) {
		uint32_t a = L->edges[k][0], b = L->edges[k][1];
		if (L->nodes[b].kind == GK_PASS) {
			continue;
		}
		ns = 0;
		rc = expand_sources(L, a, &src, &ns, &scap);
		for (uint32_t j = 0; j < ns && rc == SNN_OK; j++) {
			if (nn == cap) {
				uint32_t c = cap ? cap * 2 : 32;
				uint32_t(*v)[2] = realloc(ne, (size_t)c * sizeof(*v));
				if (!v) {
					rc = nomem(L);
					break;
				}
				ne = v;
				cap = c;
			}
			ne[nn][0] = src[j];
			ne[nn][1] = b;
			nn++;
		}
	}
	free(src);
	if (rc != SNN_OK) {
		free(ne);
		return rc;
	}
	free(L->edges);
	L->edges = ne;
	L->n_edges = nn;
	L->cap_edges = cap;
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		if (L->nodes[i].kind == GK_PASS) {
			L->nodes[i].dead = true;
		}
	}
	return build_adjacency(L);
}

/* ------------------------------------------------------------------ lowering */

static bool is_spiking_model(enum model_id m)
{
	return m == MODEL_NIR_LIF || m == MODEL_NIR_IF || m == MODEL_NIR_CUBA_LIF ||
	       m == MODEL_NIR_THRESHOLD;
}

/* Decides which nodes become populations: inputs, neurons, a linear node that
 * feeds another linear node (a relay), an Output that does not observe a
 * single population. */
static int choose_populations(struct ld *L)
{
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		if (n->dead) {
			continue;
		}
		if (n->kind == GK_OUTPUT && n->n_succ) {
			return fail(L, SNN_EPARSE, n->path, "an Output node with outgoing edges");
		}
		if (n->kind == GK_OP && n->n_succ == 0) {
			int rc = assume(L, n->path, "%s node '%s' feeds nothing: ignored", n->type,
					n->name);
			if (rc != SNN_OK) {
				return rc;
			}
			n->dead = true;
			continue;
		}
		if (n->kind == GK_NEURON && n->n_pred == 0 && n->n_succ == 0) {
			int rc = assume(L, n->path, "%s node '%s' has no edges: ignored", n->type,
					n->name);
			if (rc != SNN_OK) {
				return rc;
			}
			n->dead = true;
			continue;
		}
		n->is_pop = n->kind == GK_INPUT || n->kind == GK_NEURON;
		if (n->kind == GK_OP) {
			n->is_pop = n->n_pred == 0;
			for (uint32_t k = 0; k < n->n_succ; k++) {
				n->is_pop |= L->nodes[n->succ[k]].kind == GK_OP;
			}
		}
	}
	/* outputs, once every relay is known */
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		if (!n->dead && n->kind == GK_OUTPUT) {
			n->is_pop = !(n->n_pred == 1 && L->nodes[n->pred[0]].is_pop);
		}
	}
	return SNN_OK;
}

static int add_link(struct ld *L, uint32_t from, uint32_t to, int32_t op, bool bias)
{
	if (L->n_links == L->cap_links) {
		uint32_t c = L->cap_links ? L->cap_links * 2 : 32;
		struct link *v = realloc(L->links, (size_t)c * sizeof(*v));
		if (!v) {
			return nomem(L);
		}
		L->links = v;
		L->cap_links = c;
	}
	L->links[L->n_links++] = (struct link){from, to, op, bias, false};
	return SNN_OK;
}

/* The projections between populations: into a relay through its own linear
 * node, into anything else directly or through an inlined linear node. */
static int make_links(struct ld *L)
{
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *s = &L->nodes[i];
		if (s->dead || !s->is_pop || s->kind == GK_INPUT) {
			continue;
		}
		bool own_op = s->kind == GK_OP;
		for (uint32_t k = 0; k < s->n_pred; k++) {
			uint32_t y = s->pred[k];
			const struct gnode *Y = &L->nodes[y];
			int rc;
			if (Y->dead) {
				continue;
			}
			if (own_op) {
				rc = add_link(L, y, i, (int32_t)i, k == 0);
			} else if (Y->is_pop) {
				rc = add_link(L, y, i, -1, false);
			} else {
				rc = SNN_OK;
				for (uint32_t q = 0; q < Y->n_pred && rc == SNN_OK; q++) {
					rc = add_link(L, Y->pred[q], i, (int32_t)y, q == 0);
				}
				if (Y->n_pred == 0) {
					rc = fail(L, SNN_EPARSE, Y->path,
						  "%s node '%s' has no input", Y->type, Y->name);
				}
			}
			if (rc != SNN_OK) {
				return rc;
			}
		}
	}
	return SNN_OK;
}

/* Depth-first search over the populations from the inputs: reverse postorder
 * is the update order; a link to a population on the stack closes a cycle,
 * which must contain a neuron. */
static int dfs(struct ld *L, uint32_t u, uint32_t *stack, uint32_t depth)
{
	struct gnode *U = &L->nodes[u];
	U->dfs = 1;
	stack[depth] = u;
	for (uint32_t k = 0; k < L->n_links; k++) {
		struct link *l = &L->links[k];
		if (l->from != u) {
			continue;
		}
		struct gnode *V = &L->nodes[l->to];
		if (V->dfs == 1) {
			l->back = true;
			bool neuron = false;
			uint32_t start = depth;
			while (stack[start] != l->to) {
				start--;
			}
			for (uint32_t j = start; j <= depth; j++) {
				const struct gnode *c = &L->nodes[stack[j]];
				neuron |= c->kind == GK_NEURON && c->model != MODEL_NIR_THRESHOLD;
			}
			if (!neuron) {
				char cyc[768] = "";
				size_t used = 0;
				for (uint32_t j = start; j <= depth && used < sizeof(cyc); j++) {
					used += (size_t)snprintf(cyc + used, sizeof(cyc) - used,
								 "%s -> ", L->nodes[stack[j]].path);
				}
				if (used < sizeof(cyc)) {
					snprintf(cyc + used, sizeof(cyc) - used, "%s", V->path);
				}
				return fail(L, SNN_EPARSE, V->path,
					    "a cycle without a neuron on it: %s", cyc);
			}
		} else if (V->dfs == 0) {
			int rc = dfs(L, l->to, stack, depth + 1);
			if (rc != SNN_OK) {
				return rc;
			}
		}
	}
	U->dfs = 2;
	L->order[L->n_order++] = u;
	return SNN_OK;
}

static int order_populations(struct ld *L)
{
	uint32_t npop = 0;
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		npop += !L->nodes[i].dead && L->nodes[i].is_pop;
	}
	L->order = calloc(npop + 1, sizeof(uint32_t));
	uint32_t *stack = calloc(npop + 1, sizeof(uint32_t));
	int rc = SNN_OK;
	if (!L->order || !stack) {
		rc = nomem(L);
		goto out;
	}
	/* inputs first, then anything not reached from them */
	for (int pass = 0; pass < 2 && rc == SNN_OK; pass++) {
		for (uint32_t i = 0; i < L->n_nodes && rc == SNN_OK; i++) {
			const struct gnode *n = &L->nodes[i];
			if (!n->dead && n->is_pop && n->dfs == 0 &&
			    (pass == 1 || n->kind == GK_INPUT)) {
				rc = dfs(L, i, stack, 0);
			}
		}
	}
	/* reverse postorder */
	for (uint32_t a = 0, b = L->n_order; rc == SNN_OK && b > a + 1; a++, b--) {
		uint32_t t = L->order[a];
		L->order[a] = L->order[b - 1];
		L->order[b - 1] = t;
	}
out:
	free(stack);
	return rc;
}

/* Fills a parameter value from an array (broadcast when it holds one value). */
static int fill_param(struct ld *L, struct value *v, const struct arr *a, uint32_t size,
		      double scale)
{
	v->kind = VALUE_CONST;
	v->a = a->v[0] * scale;
	bool same = true;
	for (uint64_t i = 1; i < a->n; i++) {
		same &= a->v[i] == a->v[0];
	}
	if (same) {
		return SNN_OK;
	}
	v->kind = VALUE_ARRAY;
	v->n = size;
	v->arr = malloc((size_t)size * sizeof(double));
	if (!v->arr) {
		return nomem(L);
	}
	for (uint32_t i = 0; i < size; i++) {
		v->arr[i] = a->v[i] * scale;
	}
	return SNN_OK;
}

static int make_population(struct ld *L, uint32_t ni)
{
	struct gnode *n = &L->nodes[ni];
	struct population *p = net_add_population(L->net);
	if (!p) {
		return nomem(L);
	}
	n->pop = (int)(L->net->n_pops - 1);
	enum model_id m = n->kind == GK_INPUT	 ? MODEL_NIR_INPUT
			  : n->kind == GK_NEURON ? n->model
						 : MODEL_NIR_RELAY;
	p->model = model_get(m);
	p->name = strdup(n->name);
	const struct nir_shape *sh = n->kind == GK_OUTPUT ? &n->in : &n->out;
	p->size = (uint32_t)nir_shape_size(sh);
	p->where = origin_of(L, n->path);
	p->params = calloc(NIR_N_PARAMS, sizeof(struct value));
	p->init = calloc(NIR_N_STATE, sizeof(struct value));
	if (!p->name || !p->params || !p->init || !p->where.file) {
		return nomem(L);
	}
	for (int k = 0; k < NIR_N_PARAMS; k++) {
		p->params[k].kind = VALUE_CONST;
		p->params[k].a = p->model->params[k].def;
		p->params[k].lo = -INFINITY;
		p->params[k].hi = INFINITY;
		p->params[k].where = p->where;
	}
	for (int k = 0; k < NIR_N_STATE; k++) {
		p->init[k].kind = VALUE_CONST;
		p->init[k].a = NAN;
	}
	if (n->kind != GK_NEURON) {
		return SNN_OK;
	}
	for (int k = 0; k < NIR_N_PARAMS; k++) {
		const struct arr *a = &n->prm[k];
		if (!model_accepts_param(p->model, k)) {
			continue;
		}
		if (!a->present) {
			p->params[k].a = 0.0; /* v_reset absent: 0 (checked below) */
			if (k == NIR_W_IN) {
				p->params[k].a = 1.0;
			}
			continue;
		}
		char dp[PATH_MAX_LEN];
		join(dp, n->path, p->model->params[k].name);
		if (a->n != 1 && a->n != p->size) {
			return fail(L, SNN_EPARSE, dp, "%llu values for a layer of %u neurons",
				    (unsigned long long)a->n, p->size);
		}
		bool is_time = k == NIR_TAU_MEM || k == NIR_TAU_SYN;
		for (uint64_t i = 0; is_time && i < a->n; i++) {
			if (!(a->v[i] > 0)) {
				return fail(L, SNN_EPARSE, dp,
					    "time constants must be positive (got %g "
					    "s at element %llu)",
					    a->v[i], (unsigned long long)i);
			}
		}
		int rc = fill_param(L, &p->params[k], a, p->size, is_time ? 1e3 : 1.0);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	bool spiking = is_spiking_model(m) && m != MODEL_NIR_THRESHOLD;
	bool strict =
	    L->opt.reset == SNN_NIR_RESET_SUBTRACT || L->opt.spikes == SNN_NIR_SPIKES_MULTIPLE;
	for (uint32_t i = 0; spiking && strict && i < p->size; i++) {
		const struct value *vt = &p->params[NIR_V_THRESHOLD], *vr = &p->params[NIR_V_RESET];
		double th = vt->kind == VALUE_ARRAY ? vt->arr[i] : vt->a;
		double rs = vr->kind == VALUE_ARRAY ? vr->arr[i] : vr->a;
		if (!(th > rs)) {
			return fail(
			    L, SNN_EINVAL, n->path,
			    "neuron %u: v_threshold %g is not above v_reset %g, which reset by "
			    "subtraction and multiple spikes per step need",
			    i, th, rs);
		}
	}
	return SNN_OK;
}

/* Max relative change of values stored as float32. */
static double float_rounding(const struct arr *a)
{
	double m = 0.0;
	for (uint64_t i = 0; i < a->n; i++) {
		double x = a->v[i], y = (double)(float)x;
		if (x != 0.0 && fabs(y - x) / fabs(x) > m) {
			m = fabs(y - x) / fabs(x);
		}
	}
	return m;
}

static float *to_float(const struct arr *a)
{
	float *w = malloc((a->n ? a->n : 1) * sizeof(float));
	for (uint64_t i = 0; w && i < a->n; i++) {
		w[i] = (float)a->v[i];
	}
	return w;
}

/* Per-target bias of a linear node for a target of `size` neurons. */
static double *make_bias(const struct gnode *op, uint32_t size)
{
	if (!op->bias.present) {
		return NULL;
	}
	bool zero = true;
	for (uint64_t i = 0; i < op->bias.n; i++) {
		zero &= op->bias.v[i] == 0.0;
	}
	if (zero) {
		return NULL;
	}
	double *b = malloc((size_t)size * sizeof(double));
	if (!b) {
		return NULL;
	}
	uint32_t per = op->op == OP_CONV ? size / (uint32_t)op->weight.dims[0] : 1;
	for (uint32_t j = 0; j < size; j++) {
		uint64_t c = op->bias.n == 1 ? 0 : j / per;
		b[j] = op->bias.v[c];
	}
	return b;
}

/* Builds the explicit description of one link. */
static int make_projection(struct ld *L, const struct link *l)
{
	const struct gnode *P = &L->nodes[l->from], *S = &L->nodes[l->to];
	const struct gnode *X = l->op >= 0 ? &L->nodes[l->op] : NULL;
	struct projection *pr = net_add_projection(L->net);
	struct proj_explicit *x = calloc(1, sizeof(*x));
	if (!pr || !x) {
		free(x);
		return nomem(L);
	}
	pr->kind = PROJ_DIAG;
	pr->x = x;
	const struct population *pp = &L->net->pops[P->pop], *sp = &L->net->pops[S->pop];
	pr->pre = (struct target_set){(uint32_t)P->pop, 0, pp->size, NULL, 0};
	pr->post = (struct target_set){(uint32_t)S->pop, 0, sp->size, NULL, 0};
	pr->where = origin_of(L, X ? X->path : S->path);
	pr->weight.kind = VALUE_CONST;
	pr->delay.kind = VALUE_CONST;
	x->n_pre = pp->size;
	x->n_post = sp->size;
	x->kind = PROJ_DIAG;
	uint32_t base = S->kind == GK_NEURON ? L->opt.edge_delay : 0;
	if (l->back && base < L->opt.recurrent_delay) {
		base = L->opt.recurrent_delay;
	}
	x->delay_steps = base;
	if (X) {
		switch (X->op) {
		case OP_AFFINE:
		case OP_LINEAR: {
			uint64_t nnz = 0;
			for (uint64_t i = 0; i < X->weight.n; i++) {
				nnz += X->weight.v[i] != 0.0;
			}
			uint64_t dense = X->weight.n * sizeof(float);
			uint64_t sparse = nnz * 8 + ((uint64_t)x->n_post + 1) * 8;
			if (sparse < dense) {
				x->kind = PROJ_SPARSE;
				x->row = malloc(((size_t)x->n_post + 1) * sizeof(uint64_t));
				x->col = malloc((nnz ? nnz : 1) * sizeof(uint32_t));
				x->val = malloc((nnz ? nnz : 1) * sizeof(float));
				if (!x->row || !x->col || !x->val) {
					return nomem(L);
				}
				uint64_t e = 0;
				for (uint32_t j = 0; j < x->n_post; j++) {
					x->row[j] = e;
					for (uint32_t i = 0; i < x->n_pre; i++) {
						double w = X->weight.v[(uint64_t)j * x->n_pre + i];
						if (w != 0.0) {
							x->col[e] = i;
							x->val[e++] = (float)w;
						}
					}
				}
				x->row[x->n_post] = e;
				x->bytes = sparse;
			} else {
				x->kind = PROJ_DENSE;
				x->w = to_float(&X->weight);
				if (!x->w) {
					return nomem(L);
				}
				x->bytes = dense;
			}
			break;
		}
		case OP_CONV: {
			struct proj_conv *c = &x->conv;
			x->kind = PROJ_CONV;
			c->cout = (uint32_t)X->weight.dims[0];
			c->cin = (uint32_t)X->weight.dims[1] * X->groups;
			c->groups = X->groups;
			c->kh = X->kernel[0];
			c->kw = X->kernel[1];
			c->stride_h = X->stride[0];
			c->stride_w = X->stride[1];
			c->dil_h = X->dil[0];
			c->dil_w = X->dil[1];
			const struct nir_shape *in = &X->in, *out = &X->out;
			c->in_h = in->nd == 3 ? in->d[1] : 1;
			c->in_w = in->d[in->nd - 1];
			c->out_h = out->nd == 3 ? out->d[1] : 1;
			c->out_w = out->d[out->nd - 1];
			if (X->pad_same) {
				/* PyTorch's 'same': the total padding d (k - 1), the extra
				 * one after the data */
				c->pad_h = c->dil_h * (c->kh - 1) / 2;
				c->pad_w = c->dil_w * (c->kw - 1) / 2;
			} else {
				c->pad_h = X->pad[0];
				c->pad_w = X->pad[1];
			}
			c->kernel = to_float(&X->weight);
			if (!c->kernel) {
				return nomem(L);
			}
			x->bytes = X->weight.n * sizeof(float);
			break;
		}
		case OP_SUMPOOL:
		case OP_AVGPOOL: {
			struct proj_pool *q = &x->pool;
			x->kind = PROJ_POOL;
			q->avg = X->op == OP_AVGPOOL;
			q->c = X->in.d[0];
			q->in_h = X->in.d[1];
			q->in_w = X->in.d[2];
			q->out_h = X->out.d[1];
			q->out_w = X->out.d[2];
			q->kh = X->kernel[0];
			q->kw = X->kernel[1];
			q->stride_h = X->stride[0];
			q->stride_w = X->stride[1];
			q->pad_h = X->pad[0];
			q->pad_w = X->pad[1];
			break;
		}
		case OP_SCALE:
			x->w = malloc((size_t)x->n_post * sizeof(float));
			if (!x->w) {
				return nomem(L);
			}
			for (uint32_t j = 0; j < x->n_post; j++) {
				x->w[j] = (float)X->scale.v[X->scale.n == 1 ? 0 : j];
			}
			x->bytes = (uint64_t)x->n_post * sizeof(float);
			break;
		case OP_DELAY: {
			x->pre_delay = malloc((size_t)x->n_pre * sizeof(uint32_t));
			if (!x->pre_delay) {
				return nomem(L);
			}
			double dt_s = L->opt.dt_s;
			for (uint32_t j = 0; j < x->n_pre; j++) {
				double steps = X->delay.v[X->delay.n == 1 ? 0 : j] / dt_s;
				double r = nearbyint(steps);
				if (r + base > NET_MAX_DELAY_STEPS) {
					char dp[PATH_MAX_LEN];
					join(dp, X->path, "delay");
					return fail(L, SNN_ERANGE, dp,
						    "a delay of %g steps; at most %u", steps,
						    NET_MAX_DELAY_STEPS);
				}
				x->pre_delay[j] = (uint32_t)r;
			}
			x->bytes = (uint64_t)x->n_pre * sizeof(uint32_t);
			break;
		}
		default:
			break;
		}
		if (l->bias) {
			x->bias = make_bias(X, x->n_post);
			if (X->bias.present && !x->bias) {
				bool zero = true;
				for (uint64_t i = 0; i < X->bias.n; i++) {
					zero &= X->bias.v[i] == 0.0;
				}
				if (!zero) {
					return nomem(L);
				}
			}
			x->bytes += x->bias ? (uint64_t)x->n_post * sizeof(double) : 0;
		}
	}
	pr->kind = x->kind;
	x->n_syn = proj_count_synapses(x);
	if (x->n_syn == UINT64_MAX) {
		return nomem(L);
	}
	pr->delay.a = x->delay_steps * L->net->sim.dt_ms;
	return SNN_OK;
}

/* Order of links: by target population, source population, linear node. */
static int cmp_link(const void *a, const void *b, void *ctx)
{
	const struct ld *L = ctx;
	const struct link *x = a, *y = b;
	int tx = L->nodes[x->to].pop, ty = L->nodes[y->to].pop;
	if (tx != ty) {
		return (tx > ty) - (tx < ty);
	}
	int fx = L->nodes[x->from].pop, fy = L->nodes[y->from].pop;
	if (fx != fy) {
		return (fx > fy) - (fx < fy);
	}
	return (x->op > y->op) - (x->op < y->op);
}

/* Notes about the conventions and values the file leaves open. */
static int note_defaults(struct ld *L)
{
	int rc = SNN_OK;
	for (uint32_t i = 0; i < L->n_nodes && rc == SNN_OK; i++) {
		const struct gnode *n = &L->nodes[i];
		if (n->dead || n->kind != GK_NEURON) {
			continue;
		}
		if (n->v_reset_absent && model_accepts_param(model_get(n->model), NIR_V_RESET)) {
			rc = assume(L, n->path, "no v_reset (NIR before 1.0): 0");
		}
		if (rc == SNN_OK && n->w_in_absent &&
		    model_accepts_param(model_get(n->model), NIR_W_IN)) {
			rc = assume(L, n->path, "no w_in: 1");
		}
		const struct arr *tm = &n->prm[NIR_TAU_MEM], *ts = &n->prm[NIR_TAU_SYN];
		bool euler = L->opt.integration != SNN_NIR_EXACT;
		for (int k = 0; k < 2 && rc == SNN_OK && euler; k++) {
			const struct arr *t = k ? ts : tm;
			for (uint64_t e = 0; t->present && e < t->n; e++) {
				if (t->v[e] <= L->opt.dt_s) {
					rc = assume(L, n->path,
						    "%s %g s is not longer than dt (%g s): "
						    "forward Euler overshoots",
						    k ? "tau_syn" : "tau", t->v[e], L->opt.dt_s);
					break;
				}
			}
		}
		for (int k = 0; k < NIR_N_PARAMS && rc == SNN_OK; k++) {
			const struct arr *a = &n->prm[k];
			if (a->present && a->n == 1 && nir_shape_size(&n->out) > 1) {
				char dp[PATH_MAX_LEN];
				join(dp, n->path, model_get(n->model)->params[k].name);
				rc = assume(L, dp, "one value for %llu neurons: applies to each",
					    (unsigned long long)nir_shape_size(&n->out));
			}
		}
	}
	for (uint32_t i = 0; i < L->n_nodes && rc == SNN_OK; i++) {
		const struct gnode *n = &L->nodes[i];
		if (n->dead || n->kind != GK_OP) {
			continue;
		}
		if (n->weight.present && n->weight.f64) {
			double r = float_rounding(&n->weight);
			if (r > 0) {
				char dp[PATH_MAX_LEN];
				join(dp, n->path, "weight");
				rc = assume(L, dp,
					    "float64 weights stored as float32 (largest relative "
					    "change %.2g)",
					    r);
			}
		}
		if (rc == SNN_OK && n->op == OP_DELAY) {
			for (uint64_t e = 0; e < n->delay.n; e++) {
				double s = n->delay.v[e] / L->opt.dt_s;
				if (fabs(s - nearbyint(s)) > 1e-6 * (s > 1 ? s : 1)) {
					rc = assume(L, n->path,
						    "delays rounded to whole steps of %g s",
						    L->opt.dt_s);
					break;
				}
			}
		}
		if (rc == SNN_OK && n->op == OP_AVGPOOL &&
		    n->kernel[0] * n->kernel[1] & (n->kernel[0] * n->kernel[1] - 1)) {
			rc = assume(L, n->path,
				    "average pooling as weights 1/%u on each input (rounded "
				    "once per weight)",
				    n->kernel[0] * n->kernel[1]);
		}
	}
	return rc;
}

/* Describes a node's parameters in one line for inspect. */
static void range(const struct arr *a, double scale, char *buf, size_t len)
{
	if (!a->present) {
		snprintf(buf, len, "absent");
		return;
	}
	double lo = a->v[0], hi = a->v[0];
	for (uint64_t i = 1; i < a->n; i++) {
		lo = a->v[i] < lo ? a->v[i] : lo;
		hi = a->v[i] > hi ? a->v[i] : hi;
	}
	if (lo == hi) {
		snprintf(buf, len, "%.6g", lo * scale);
	} else {
		snprintf(buf, len, "[%.6g, %.6g]", lo * scale, hi * scale);
	}
}

static int describe_node(struct ld *L, struct gnode *n)
{
	char buf[1024] = "", r[96];
	size_t used = 0;
#define PUT(...) \
	used +=  \
	    (size_t)snprintf(buf + used, used < sizeof(buf) ? sizeof(buf) - used : 0, __VA_ARGS__)
	if (n->kind == GK_NEURON) {
		const struct model *m = model_get(n->model);
		for (int k = 0; k < NIR_N_PARAMS; k++) {
			if (!model_accepts_param(m, k)) {
				continue;
			}
			bool t = k == NIR_TAU_MEM || k == NIR_TAU_SYN;
			range(&n->prm[k], t ? 1e3 : 1.0, r, sizeof(r));
			const char *name = m->params[k].name;
			if (n->model == MODEL_NIR_THRESHOLD) {
				name = "threshold";
			} else if (k == NIR_TAU_MEM &&
				   (n->model == MODEL_NIR_LI || n->model == MODEL_NIR_LIF)) {
				name = "tau";
			}
			if (!n->prm[k].present) {
				snprintf(r, sizeof(r), "%s",
					 k == NIR_W_IN ? "1 (absent)" : "0 (absent)");
			}
			PUT("%s%s %s%s", used ? ", " : "", name, r,
			    t && n->prm[k].present ? " ms" : "");
		}
	} else if (n->weight.present) {
		range(&n->weight, 1.0, r, sizeof(r));
		PUT("weight ");
		for (uint32_t i = 0; i < n->weight.nd; i++) {
			PUT("%s%llu", i ? "x" : "", (unsigned long long)n->weight.dims[i]);
		}
		PUT(" %s in %s", n->weight.f64 ? "float64" : "float32", r);
		if (n->bias.present) {
			range(&n->bias, 1.0, r, sizeof(r));
			PUT(", bias %s", r);
		}
	}
	if (n->op == OP_CONV || n->op == OP_SUMPOOL || n->op == OP_AVGPOOL) {
		PUT("%skernel %ux%u, stride %ux%u, padding ", used ? ", " : "", n->kernel[0],
		    n->kernel[1], n->stride[0], n->stride[1]);
		if (n->pad_same) {
			PUT("same");
		} else {
			PUT("%ux%u", n->pad[0], n->pad[1]);
		}
		if (n->op == OP_CONV) {
			PUT(", dilation %ux%u, groups %u", n->dil[0], n->dil[1], n->groups);
		}
	} else if (n->op == OP_SCALE) {
		range(&n->scale, 1.0, r, sizeof(r));
		PUT("scale %s", r);
	} else if (n->op == OP_DELAY) {
		range(&n->delay, 1.0, r, sizeof(r));
		PUT("delay %s s", r);
	} else if (n->op == OP_FLATTEN) {
		PUT("start_dim %lld, end_dim %lld", (long long)n->start_dim, (long long)n->end_dim);
	}
#undef PUT
	n->params = strdup(buf);
	return n->params ? SNN_OK : nomem(L);
}

static int fill_info(struct ld *L)
{
	struct nir_info *I = L->info;
	I->nodes = calloc(L->n_nodes ? L->n_nodes : 1, sizeof(struct nir_node_info));
	if (!I->nodes) {
		return nomem(L);
	}
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		struct nir_node_info *o = &I->nodes[I->n_nodes++];
		int rc = describe_node(L, n);
		if (rc != SNN_OK) {
			return rc;
		}
		o->path = dupstr(n->path);
		o->name = dupstr(n->name);
		o->type = dupstr(n->type);
		o->params = n->params;
		n->params = NULL;
		o->in = n->in;
		o->out = n->out;
		o->pop = n->pop;
		o->role = n->kind == GK_PASS ? (n->op == OP_FLATTEN ? "reshape" : "graph boundary")
			  : n->dead	     ? "ignored"
			  : n->kind == GK_INPUT	 ? "input population"
			  : n->kind == GK_NEURON ? "population"
			  : n->kind == GK_OUTPUT
			      ? (n->is_pop ? "output (relay population)" : "output")
			  : n->is_pop ? "relay population"
				      : "projection";
		if (!o->path || !o->name || !o->type) {
			return nomem(L);
		}
	}
	return SNN_OK;
}

static int make_ports(struct ld *L)
{
	struct nir_info *I = L->info;
	uint32_t ni = 0, no = 0;
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		ni += L->nodes[i].kind == GK_INPUT && !L->nodes[i].dead;
		no += L->nodes[i].kind == GK_OUTPUT && !L->nodes[i].dead && L->nodes[i].n_pred;
	}
	I->inputs = calloc(ni ? ni : 1, sizeof(struct nir_port));
	I->outputs = calloc(no ? no : 1, sizeof(struct nir_port));
	if (!I->inputs || !I->outputs) {
		return nomem(L);
	}
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		const struct gnode *n = &L->nodes[i];
		if (n->dead) {
			continue;
		}
		if (n->kind == GK_INPUT) {
			struct nir_port *p = &I->inputs[I->n_inputs++];
			p->name = strdup(n->name);
			p->shape = n->out;
			p->pop = (uint32_t)n->pop;
			if (!p->name) {
				return nomem(L);
			}
		} else if (n->kind == GK_OUTPUT && n->n_pred) {
			struct nir_port *p = &I->outputs[I->n_outputs++];
			p->name = strdup(n->name);
			p->shape = n->in;
			p->pop = (uint32_t)(n->is_pop ? n->pop : L->nodes[n->pred[0]].pop);
			p->spiking = is_spiking_model(L->net->pops[p->pop].model->id);
			if (!p->name) {
				return nomem(L);
			}
		} else if (n->kind == GK_OUTPUT) {
			int rc = assume(L, n->path, "Output '%s' has no input: ignored", n->name);
			if (rc != SNN_OK) {
				return rc;
			}
		}
	}
	return SNN_OK;
}

void nir_info_free(struct nir_info *I)
{
	if (!I) {
		return;
	}
	free(I->version);
	free(I->file_sha256);
	for (uint32_t i = 0; i < I->n_nodes; i++) {
		free(I->nodes[i].path);
		free(I->nodes[i].name);
		free(I->nodes[i].type);
		free(I->nodes[i].params);
	}
	free(I->nodes);
	for (uint32_t i = 0; i < I->n_edges; i++) {
		free(I->edges[i]);
	}
	free(I->edges);
	for (uint32_t i = 0; i < I->n_assumed; i++) {
		free(I->assumed[i]);
	}
	free(I->assumed);
	for (uint32_t i = 0; i < I->n_inputs; i++) {
		free(I->inputs[i].name);
	}
	free(I->inputs);
	for (uint32_t i = 0; i < I->n_outputs; i++) {
		free(I->outputs[i].name);
	}
	free(I->outputs);
	free(I);
}

static void ld_free(struct ld *L)
{
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		free(n->name);
		free(n->path);
		free(n->type);
		for (int k = 0; k < NIR_N_PARAMS; k++) {
			arr_free(&n->prm[k]);
		}
		arr_free(&n->weight);
		arr_free(&n->bias);
		arr_free(&n->scale);
		arr_free(&n->delay);
		free(n->pred);
		free(n->succ);
		free(n->params);
	}
	free(L->nodes);
	free(L->edges);
	free(L->links);
	free(L->order);
}

/* ------------------------------------------------------------------ entry points */

void snn_nir_options_init(snn_nir_options *o)
{
	memset(o, 0, sizeof(*o));
	o->dt_s = 1e-4;
	o->reset = SNN_NIR_RESET_VALUE;
	o->spikes = SNN_NIR_SPIKES_SINGLE;
	o->integration = SNN_NIR_EULER;
	o->input_gain = SNN_NIR_SCHEME_DEFAULT;
	o->integrator = SNN_NIR_INTEGRATOR_STEP;
	o->recurrent_delay = 1;
	o->edge_delay = 0;
}

bool snn_nir_is_hdf5(const char *path)
{
	static const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
	unsigned char buf[8];
	FILE *f = fopen(path, "rb");
	if (!f) {
		return false;
	}
	bool ok = fread(buf, 1, 8, f) == 8 && memcmp(buf, sig, 8) == 0;
	fclose(f);
	return ok;
}

bool snn_net_is_nir(const snn_net *net)
{
	return net && net->nir;
}

static int check_options(const snn_nir_options *o, snn_diag *d)
{
	if (!(o->dt_s > 0) || !isfinite(o->dt_s)) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "the time step must be positive (got %g s)", o->dt_s);
	}
	if (o->recurrent_delay < 1 || o->recurrent_delay > NET_MAX_DELAY_STEPS ||
	    o->edge_delay > NET_MAX_DELAY_STEPS) {
		return snn_diag_error(
		    d, SNN_EINVAL, NULL, 0, 0,
		    "delays: the recurrent delay must be 1 to %u steps and the edge "
		    "delay 0 to %u steps",
		    NET_MAX_DELAY_STEPS, NET_MAX_DELAY_STEPS);
	}
	if ((unsigned)o->reset > SNN_NIR_RESET_SUBTRACT ||
	    (unsigned)o->spikes > SNN_NIR_SPIKES_MULTIPLE ||
	    (unsigned)o->integration > SNN_NIR_EXACT || (unsigned)o->input_gain > SNN_NIR_EXACT ||
	    (unsigned)o->integrator > SNN_NIR_INTEGRATOR_DT) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0, "unknown NIR convention value");
	}
	return SNN_OK;
}

/* SHA-256 of the file's bytes. */
static int hash_file(struct ld *L, char out[65])
{
	FILE *f = fopen(L->file, "rb");
	if (!f) {
		return fail(L, SNN_EIO, NULL, "cannot open: %s", strerror(errno));
	}
	struct sha256 h;
	sha256_init(&h);
	unsigned char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		sha256_update(&h, buf, n);
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		return fail(L, SNN_EIO, NULL, "cannot read the file");
	}
	uint8_t dig[32];
	sha256_final(&h, dig);
	for (int i = 0; i < 32; i++) {
		snprintf(out + 2 * i, 3, "%02x", dig[i]);
	}
	return SNN_OK;
}

static int load(struct ld *L)
{
	struct h5quiet q;
	h5_quiet_begin(&q);
	int rc = SNN_OK;
	struct level *root = NULL;
	hid_t g = -1;
	if (!snn_nir_is_hdf5(L->file)) {
		FILE *f = fopen(L->file, "rb");
		if (!f) {
			rc = fail(L, SNN_EIO, NULL, "cannot open: %s", strerror(errno));
		} else {
			fclose(f);
			rc = fail(L, SNN_EPARSE, NULL,
				  "not an HDF5 file (NIR graphs are HDF5 files "
				  "written by nir.write)");
		}
		goto out;
	}
	L->f = H5Fopen(L->file, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (L->f < 0) {
		rc = fail(L, SNN_EIO, NULL,
			  "cannot open the HDF5 file (it may be truncated or "
			  "damaged)");
		goto out;
	}
	char *version = NULL;
	if (H5Lexists(L->f, "version", H5P_DEFAULT) > 0) {
		rc = read_str(L, L->f, "/", "version", true, &version);
		if (rc != SNN_OK) {
			goto out;
		}
		L->info->version = version;
	} else if ((rc = assume(L, "/version", "absent: a graph of an early NIR version")) !=
		   SNN_OK) {
		goto out;
	}
	if (H5Lexists(L->f, "node", H5P_DEFAULT) <= 0) {
		rc = fail(L, SNN_EPARSE, "/node", "missing group 'node' (the graph)");
		goto out;
	}
	g = H5Gopen2(L->f, "node", H5P_DEFAULT);
	if (g < 0) {
		rc = fail(L, SNN_EPARSE, "/node", "expected the graph's group");
		goto out;
	}
	char *type = NULL;
	if ((rc = read_str(L, g, "/node", "type", true, &type)) != SNN_OK) {
		goto out;
	}
	if (strcmp(type, "NIRGraph") != 0) {
		rc = fail(L, SNN_EPARSE, "/node/type",
			  "the top node is a '%s', expected a NIRGraph", type);
	}
	free(type);
	if (rc != SNN_OK || (rc = read_graph(L, g, "/node", "", true, 0, &root)) != SNN_OK ||
	    (rc = build_adjacency(L)) != SNN_OK || (rc = infer_shapes(L)) != SNN_OK ||
	    (rc = check_edges(L)) != SNN_OK) {
		goto out;
	}
	/* edges as written (resolved), for inspect */
	L->info->edges = calloc(L->n_edges ? L->n_edges : 1, sizeof(char *));
	if (!L->info->edges) {
		rc = nomem(L);
		goto out;
	}
	for (uint32_t k = 0; k < L->n_edges; k++) {
		char e[2 * PATH_MAX_LEN];
		snprintf(e, sizeof(e), "%s -> %s", L->nodes[L->edges[k][0]].name,
			 L->nodes[L->edges[k][1]].name);
		L->info->edges[k] = strdup(e);
		L->info->n_edges = k + 1;
		if (!L->info->edges[k]) {
			rc = nomem(L);
			goto out;
		}
	}
	if ((rc = remove_pass(L)) != SNN_OK || (rc = choose_populations(L)) != SNN_OK ||
	    (rc = make_links(L)) != SNN_OK || (rc = order_populations(L)) != SNN_OK) {
		goto out;
	}
	for (uint32_t k = 0; k < L->n_order && rc == SNN_OK; k++) {
		rc = make_population(L, L->order[k]);
	}
	if (rc != SNN_OK || (rc = net_finalize(L->net, L->d)) != SNN_OK) {
		goto out;
	}
	/* a stable order of the projections: by target, source and node */
	for (uint32_t a = 1; a < L->n_links; a++) {
		struct link t = L->links[a];
		uint32_t b = a;
		while (b > 0 && cmp_link(&L->links[b - 1], &t, L) > 0) {
			L->links[b] = L->links[b - 1];
			b--;
		}
		L->links[b] = t;
	}
	for (uint32_t k = 0; k < L->n_links && rc == SNN_OK; k++) {
		rc = make_projection(L, &L->links[k]);
	}
	if (rc == SNN_OK) {
		rc = note_defaults(L);
	}
	if (rc == SNN_OK) {
		rc = make_ports(L);
	}
	if (rc == SNN_OK) {
		rc = fill_info(L);
	}
out:
	level_free(root);
	if (g >= 0) {
		H5Gclose(g);
	}
	if (L->f >= 0) {
		H5Fclose(L->f);
	}
	h5_quiet_end(&q);
	return rc;
}

int snn_nir_load(const char *path, const snn_nir_options *o, snn_net **out, snn_diag *d)
{
	*out = NULL;
	snn_nir_options def;
	if (!o) {
		snn_nir_options_init(&def);
		o = &def;
	}
	int rc = check_options(o, d);
	if (rc != SNN_OK) {
		return rc;
	}
	struct ld L;
	memset(&L, 0, sizeof(L));
	L.file = path;
	L.d = d;
	L.opt = *o;
	L.f = -1;
	L.net = net_new();
	L.info = calloc(1, sizeof(struct nir_info));
	if (!L.net || !L.info) {
		free(L.info);
		snn_net_free(L.net);
		return snn_diag_error(d, SNN_ENOMEM, path, 0, 0, "out of memory");
	}
	L.net->nir = L.info;
	L.info->opt = *o;
	L.net->sim.dt_ms = o->dt_s * 1e3;
	L.net->sim.duration_ms = L.net->sim.dt_ms;
	L.net->nir_conv = (struct nir_conv){(int)o->reset, (int)o->spikes, (int)o->integration,
					    (int)o->input_gain, (int)o->integrator};
	char sha[65];
	rc = hash_file(&L, sha);
	if (rc == SNN_OK) {
		rc = load(&L);
	}
	if (rc == SNN_OK) {
		char text[PATH_MAX_LEN + 64];
		int len = snprintf(text, sizeof(text), "NIR graph %s (NIR version %s)\n", path,
				   L.info->version ? L.info->version : "unknown");
		rc = net_set_source(L.net, path, text, (size_t)len);
		memcpy(L.net->source_sha256, sha, sizeof(sha));
		L.info->file_sha256 = strdup(sha);
		if (rc != SNN_OK || !L.info->file_sha256) {
			rc = snn_diag_error(d, SNN_ENOMEM, path, 0, 0, "out of memory");
		}
	}
	ld_free(&L);
	if (rc != SNN_OK) {
		snn_net_free(L.net);
		return rc;
	}
	*out = L.net;
	return SNN_OK;
}
