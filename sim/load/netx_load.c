/*
 * The lava-dl netx loader: reads a `.net` HDF5 file (/layer/<i>/ groups with
 * type, shape, weight, bias and a neuron group; /simulation) into the network
 * IR as loihi_lif populations and structured projections.
 * Layer: sim core (loaders). Reads the file once; never runs anything.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect_int.h"
#include "h5util_int.h"
#include "mem_int.h"
#include "model_loihi.h"
#include "net_int.h"
#include "snn/netx.h"

/* The largest stride, padding, dilation or kernel size taken from a file. */
#define NX_GEOM_MAX 65535u

struct nx {
	const char *file;
	hid_t f;
	snn_net *net;
	snn_diag *d;
};

static int nx_fail(struct nx *L, int code, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int nx_fail(struct nx *L, int code, const char *where, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return snn_diag_error(L->d, code, L->file, 0, 0, "%s: %s", where, msg);
}

/* Reads every number of a numeric dataset as doubles (row-major); *n its
 * element count, dims/nd its shape (up to 6 dimensions). */
static int nx_read(struct nx *L, const char *path, double **out, uint64_t *n, hsize_t *dims,
		   int *nd)
{
	*out = NULL;
	struct h5_dataset x;
	enum h5_fault f = h5_dataset_open(L->f, path, &x);
	int rc = SNN_OK;
	if (f == H5U_MISSING) {
		rc = nx_fail(L, SNN_EPARSE, path, "%s", "missing dataset");
		goto out_close;
	}
	if (f == H5U_GROUP || f == H5U_NOT_DATASET) {
		rc = nx_fail(L, SNN_EPARSE, path, "%s", "not a dataset");
		goto out_close;
	}
	if (x.rank < 0 || x.rank > 6 || (x.cls != H5T_INTEGER && x.cls != H5T_FLOAT)) {
		rc = nx_fail(L, SNN_EPARSE, path, "%s",
			     "expected a numeric array of up to 6 dimensions");
		goto out_close;
	}
	if (dims) {
		memcpy(dims, x.dims, (size_t)x.rank * sizeof(*dims));
	}
	if (nd) {
		*nd = x.rank;
	}
	f = h5_dataset_read(&x, H5T_NATIVE_DOUBLE, sizeof(double), (void **)out);
	if (f == H5U_NOMEM || f == H5U_TOO_LARGE) {
		rc = mem_nomem(L->d);
	} else if (f == H5U_TRUNCATED) {
		rc = nx_fail(L, SNN_EPARSE, path, "%s", "unreadable numbers");
	} else {
		*n = x.n;
	}
out_close:
	h5_dataset_close(&x);
	return rc;
}

/* One number (a scalar or a one-element array). */
static int nx_scalar(struct nx *L, const char *path, double *v)
{
	double *a;
	uint64_t n;
	int rc = nx_read(L, path, &a, &n, NULL, NULL);
	if (rc != SNN_OK) {
		return rc;
	}
	if (n != 1) {
		mem_free(a);
		return nx_fail(L, SNN_EPARSE, path, "%s", "expected one number");
	}
	*v = a[0];
	mem_free(a);
	return SNN_OK;
}

/* A string dataset (fixed or variable length, scalar or one element). */
static int nx_string(struct nx *L, const char *path, char *buf, size_t len)
{
	buf[0] = '\0';
	struct h5_dataset x;
	if (h5_dataset_open(L->f, path, &x) == H5U_MISSING) {
		return nx_fail(L, SNN_EPARSE, path, "%s", "missing dataset");
	}
	hid_t ds = x.ds, ty = x.type, sp = x.space;
	int rc = SNN_OK;
	if (ty < 0 || H5Tget_class(ty) != H5T_STRING) {
		rc = nx_fail(L, SNN_EPARSE, path, "%s", "expected a string");
	} else if (H5Tis_variable_str(ty) > 0) {
		char *s[1] = {NULL};
		hid_t mt = H5Tcopy(H5T_C_S1);
		H5Tset_size(mt, H5T_VARIABLE);
		H5Tset_cset(mt, H5Tget_cset(ty));
		if (H5Sget_simple_extent_npoints(sp) == 1 &&
		    H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, s) >= 0 && s[0]) {
			snprintf(buf, len, "%s", s[0]);
			H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, s);
		} else {
			rc = nx_fail(L, SNN_EPARSE, path, "%s", "unreadable string");
		}
		H5Tclose(mt);
	} else {
		size_t sz = H5Tget_size(ty);
		char *tmp = mem_zalloc(sz + 1);
		if (!tmp) {
			rc = mem_nomem(L->d);
		} else if (H5Sget_simple_extent_npoints(sp) == 1 &&
			   H5Dread(ds, ty, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) >= 0) {
			snprintf(buf, len, "%s", tmp);
		} else {
			rc = nx_fail(L, SNN_EPARSE, path, "%s", "unreadable string");
		}
		mem_free(tmp);
	}
	h5_dataset_close(&x);
	return rc;
}

/* Reads the whole numbers of dataset path (at least min_n, at most max_n of
 * them) into out[], each checked to lie in [lo, hi] before it is converted;
 * *n their count. */
static int nx_uints(struct nx *L, const char *path, uint64_t min_n, uint64_t max_n, uint32_t lo,
		    uint32_t hi, uint32_t *out, uint64_t *n)
{
	double *a;
	uint64_t na;
	int rc = nx_read(L, path, &a, &na, NULL, NULL);
	if (rc != SNN_OK) {
		return rc;
	}
	if (na < min_n || na > max_n) {
		rc = nx_fail(L, SNN_EPARSE, path, "expected %llu to %llu numbers, found %llu",
			     (unsigned long long)min_n, (unsigned long long)max_n,
			     (unsigned long long)na);
	}
	for (uint64_t k = 0; rc == SNN_OK && k < na; k++) {
		if (!(a[k] >= lo && a[k] <= hi && a[k] == nearbyint(a[k]))) {
			rc = nx_fail(L, SNN_EPARSE, path,
				     "entry %llu is %g; expected a whole number from %u to %u",
				     (unsigned long long)k, a[k], lo, hi);
		} else {
			out[k] = (uint32_t)a[k];
		}
	}
	mem_free(a);
	*n = na;
	return rc;
}

static void set_const(struct value *v, double a, struct origin w)
{
	v->kind = VALUE_CONST;
	v->a = a;
	v->lo = -INFINITY;
	v->hi = INFINITY;
	v->where = w;
}

/* A population of loihi_lif for a layer of `size` neurons with the neuron
 * group at `npath`; bias (per neuron, or NULL) its bias mantissas. */
static int add_layer(struct nx *L, uint32_t index, uint32_t size, const char *lpath,
		     const double *bias, int32_t w_exp)
{
	char p[256], type[64];
	struct population *pop = net_add_population(L->net);
	if (!pop) {
		return mem_nomem(L->d);
	}
	char name[32];
	snprintf(name, sizeof(name), "layer%u", index);
	pop->name = mem_strdup(name);
	pop->model = model_get(MODEL_LOIHI_LIF);
	pop->size = size;
	pop->where = (struct origin){net_intern_file(L->net, L->file), 0, 0};
	pop->params = mem_array(LOIHI_N_PARAMS, sizeof(struct value));
	pop->init = mem_array(LOIHI_N_STATE, sizeof(struct value));
	if (!pop->name || !pop->params || !pop->init || !pop->where.file) {
		return mem_nomem(L->d);
	}
	for (int k = 0; k < LOIHI_N_STATE; k++) {
		set_const(&pop->init[k], NAN, pop->where);
	}
	snprintf(p, sizeof(p), "%s/neuron/type", lpath);
	int rc = nx_string(L, p, type, sizeof(type));
	if (rc != SNN_OK) {
		return rc;
	}
	if (strcmp(type, "LOIHI") != 0 && strcmp(type, "CUBA") != 0) {
		return nx_fail(L, SNN_EUNSUP, p, "neuron type '%s' is not supported (LOIHI, CUBA)",
			       type);
	}
	double idecay, vdecay, vth;
	snprintf(p, sizeof(p), "%s/neuron/iDecay", lpath);
	if ((rc = nx_scalar(L, p, &idecay)) != SNN_OK) {
		return rc;
	}
	snprintf(p, sizeof(p), "%s/neuron/vDecay", lpath);
	if ((rc = nx_scalar(L, p, &vdecay)) != SNN_OK) {
		return rc;
	}
	snprintf(p, sizeof(p), "%s/neuron/vThMant", lpath);
	if ((rc = nx_scalar(L, p, &vth)) != SNN_OK) {
		return rc;
	}
	/* netx: du = iDecay - 1 (the chip adds one), dv = vDecay, bias_exp 6 */
	double vals[LOIHI_N_PARAMS] = {
	    [LOIHI_DU] = idecay - 1, [LOIHI_DV] = vdecay,	 [LOIHI_VTH] = vth,
	    [LOIHI_BIAS_MANT] = 0,   [LOIHI_BIAS_EXP] = 6,	 [LOIHI_W_EXP] = w_exp,
	    [LOIHI_REFRACTORY] = 0,  [LOIHI_RESET_INTERVAL] = 0, [LOIHI_RESET_OFFSET] = 0,
	};
	for (int k = 0; k < LOIHI_N_PARAMS; k++) {
		set_const(&pop->params[k], vals[k], pop->where);
		if (k != LOIHI_BIAS_MANT && !loihi_check_param(k, vals[k])) {
			char what[64];
			snprintf(what, sizeof(what), "%s", pop->model->params[k].name);
			return nx_fail(L, SNN_EPARSE, lpath,
				       "neuron parameter %s is outside the chip's range", what);
		}
	}
	if (bias) {
		bool same = true;
		for (uint32_t i = 1; i < size; i++) {
			same &= bias[i] == bias[0];
		}
		struct value *v = &pop->params[LOIHI_BIAS_MANT];
		v->a = size ? bias[0] : 0.0;
		if (!same) {
			v->kind = VALUE_ARRAY;
			v->n = size;
			v->arr = mem_array_raw(size, sizeof(double));
			if (!v->arr) {
				return mem_nomem(L->d);
			}
			memcpy(v->arr, bias, size * sizeof(double));
		}
	}
	return SNN_OK;
}

static struct projection *add_proj(struct nx *L, uint32_t pre, uint32_t post, enum proj_kind kind)
{
	struct projection *pr = net_add_projection(L->net);
	struct proj_explicit *x = mem_zalloc(sizeof(*x));
	if (!pr || !x) {
		mem_free(x);
		return NULL;
	}
	const struct population *a = &L->net->pops[pre], *b = &L->net->pops[post];
	pr->kind = kind;
	pr->x = x;
	pr->pre = (struct target_set){pre, 0, a->size, NULL, 0};
	pr->post = (struct target_set){post, 0, b->size, NULL, 0};
	pr->where = b->where;
	pr->weight.kind = VALUE_CONST;
	pr->delay.kind = VALUE_CONST;
	pr->delay.a = 1.0; /* one chip step: the synaptic pipeline */
	x->kind = kind;
	x->n_pre = a->size;
	x->n_post = b->size;
	x->delay_steps = 1;
	return pr;
}

/* (C, H, W): a layer's channels, height and width. */
struct nx_shape {
	uint32_t c, h, w;
};

/* The bias of layer lpath, of o->c * o->h * o->w neurons: one per neuron in
 * *out (NULL when the layer has none), from one per neuron or per channel. */
static int read_bias(struct nx *L, const char *lpath, const struct nx_shape *o, double **out)
{
	char p[256];
	uint32_t size = o->c * o->h * o->w;
	double *bias = NULL;
	uint64_t nbias = 0;
	int rc;
	*out = NULL;
	snprintf(p, sizeof(p), "%s/bias", lpath);
	if (H5Lexists(L->f, p, H5P_DEFAULT) <= 0) {
		return SNN_OK;
	}
	if ((rc = nx_read(L, p, &bias, &nbias, NULL, NULL)) != SNN_OK) {
		return rc;
	}
	if (nbias != size && nbias != o->c) {
		mem_free(bias);
		return nx_fail(L, SNN_EPARSE, p, "%s",
			       "bias size is neither the layer's nor its channels'");
	}
	double *nbias_arr = mem_array_raw(size, sizeof(double));
	if (!nbias_arr) {
		mem_free(bias);
		return mem_nomem(L->d);
	}
	for (uint32_t k = 0; k < size; k++) {
		nbias_arr[k] = nbias == size ? bias[k] : bias[k / (o->h * o->w)];
	}
	mem_free(bias);
	*out = nbias_arr;
	return SNN_OK;
}

/* The geometry of conv layer lpath (input shape in, output o) in x, whose
 * kernel is wf with dims[nd] as read. */
static int set_conv(struct nx *L, const char *lpath, struct proj_explicit *x, float *wf,
		    uint64_t nw, const hsize_t *dims, int nd, const struct nx_shape *in,
		    const struct nx_shape *o)
{
	char p[256];
	int rc;
	struct proj_conv *cv = &x->conv;
	cv->kernel = wf;
	x->bytes = nw * sizeof(float);
	const char *keys[4] = {"stride", "padding", "dilation", "kernelSize"};
	uint32_t *dst[4][2] = {{&cv->stride_h, &cv->stride_w},
			       {&cv->pad_h, &cv->pad_w},
			       {&cv->dil_h, &cv->dil_w},
			       {&cv->kh, &cv->kw}};
	/* netx stores (y, x) pairs, as the (C, H, W) shapes; one number is both */
	const uint32_t lo[4] = {1, 0, 1, 1};
	for (int k = 0; k < 4; k++) {
		uint32_t v[2];
		uint64_t na;
		snprintf(p, sizeof(p), "%s/%s", lpath, keys[k]);
		if ((rc = nx_uints(L, p, 1, 2, lo[k], NX_GEOM_MAX, v, &na)) != SNN_OK) {
			return rc;
		}
		*dst[k][0] = v[0];
		*dst[k][1] = na > 1 ? v[1] : v[0];
	}
	snprintf(p, sizeof(p), "%s/groups", lpath);
	uint32_t g;
	uint64_t ng;
	if ((rc = nx_uints(L, p, 1, 1, 1, in->c, &g, &ng)) != SNN_OK) {
		return rc;
	}
	cv->groups = g;
	cv->cin = in->c;
	cv->cout = o->c;
	cv->in_h = in->h;
	cv->in_w = in->w;
	cv->out_h = o->h;
	cv->out_w = o->w;
	if (nd < 4 || dims[0] != o->c || dims[1] * cv->groups != in->c || dims[2] != cv->kh ||
	    dims[3] != cv->kw) {
		return nx_fail(L, SNN_EPARSE, lpath, "%s",
			       "conv weight is not (out, in / groups, kh, kw)");
	}
	return SNN_OK;
}

/* A conv or dense layer i (population me, fed by population prev of shape
 * in; its own shape o) and its projection. */
static int load_weighted(struct nx *L, uint32_t i, const char *lpath, bool conv, uint32_t prev,
			 uint32_t me, const struct nx_shape *in, const struct nx_shape *o)
{
	char p[256];
	int rc;
	uint32_t size = o->c * o->h * o->w;
	double *wt = NULL;
	uint64_t nw = 0;
	hsize_t dims[6];
	int nd;
	snprintf(p, sizeof(p), "%s/weight", lpath);
	if ((rc = nx_read(L, p, &wt, &nw, dims, &nd)) != SNN_OK) {
		return rc;
	}
	double *nbias_arr = NULL;
	if ((rc = read_bias(L, lpath, o, &nbias_arr)) != SNN_OK) {
		mem_free(wt);
		return rc;
	}
	float *wf = mem_array_raw(nw, sizeof(float));
	if (!wf) {
		mem_free(wt);
		mem_free(nbias_arr);
		return mem_nomem(L->d);
	}
	for (uint64_t k = 0; k < nw; k++) {
		wf[k] = (float)wt[k];
	}
	mem_free(wt);
	int32_t w_exp = 0;
	if (!conv) {
		if (nd != 2 || dims[0] != size || dims[1] != (hsize_t)in->c * in->h * in->w) {
			mem_free(wf);
			mem_free(nbias_arr);
			return nx_fail(L, SNN_EPARSE, lpath, "%s",
				       "dense weight is not (outputs, inputs)");
		}
		w_exp = loihi_weight_optimize(wf, nw);
	}
	rc = add_layer(L, i, size, lpath, nbias_arr, w_exp);
	mem_free(nbias_arr);
	struct projection *pr =
	    rc == SNN_OK ? add_proj(L, prev, me, conv ? PROJ_CONV : PROJ_DENSE) : NULL;
	if (!pr) {
		mem_free(wf);
		return rc != SNN_OK ? rc : mem_nomem(L->d);
	}
	struct proj_explicit *x = pr->x;
	if (!conv) {
		x->w = wf;
		x->bytes = nw * sizeof(float);
	} else if ((rc = set_conv(L, lpath, x, wf, nw, dims, nd, in, o)) != SNN_OK) {
		return rc;
	}
	x->n_syn = proj_count_synapses(x);
	if (x->n_syn == UINT64_MAX) {
		return mem_nomem(L->d);
	}
	return SNN_OK;
}

static int load_layers(struct nx *L)
{
	char p[256], type[64];
	int rc = SNN_OK;
	uint32_t prev = UINT32_MAX;
	struct nx_shape in = {0, 0, 0}; /* shape of the previous layer */
	for (uint32_t i = 0;; i++) {
		char lpath[64];
		snprintf(lpath, sizeof(lpath), "/layer/%u", i);
		if (H5Lexists(L->f, lpath, H5P_DEFAULT) <= 0) {
			if (i == 0) {
				return nx_fail(L, SNN_EPARSE, "/layer/0", "%s",
					       "no layers (not a netx network?)");
			}
			break;
		}
		snprintf(p, sizeof(p), "%s/type", lpath);
		if ((rc = nx_string(L, p, type, sizeof(type))) != SNN_OK) {
			return rc;
		}
		if (strcmp(type, "flatten") == 0) {
			continue; /* (C, H, W) order is already the flat order */
		}
		uint32_t sh[3] = {1, 1, 1};
		uint64_t ns = 0;
		snprintf(p, sizeof(p), "%s/shape", lpath);
		if ((rc = nx_uints(L, p, 1, 3, 1, UINT32_MAX, sh, &ns)) != SNN_OK) {
			return rc;
		}
		uint64_t hw = (uint64_t)sh[1] * sh[2]; /* each factor below 2^32 */
		if (hw > UINT32_MAX || hw * sh[0] > UINT32_MAX) {
			return nx_fail(L, SNN_EPARSE, p, "%s",
				       "the layer has more than 4294967295 neurons");
		}
		struct nx_shape o = {sh[0], sh[1], sh[2]};
		uint32_t size = o.c * o.h * o.w;
		char nb[300];
		snprintf(nb, sizeof(nb), "%s/neuron", lpath);
		bool has_neuron = H5Lexists(L->f, nb, H5P_DEFAULT) > 0;
		uint32_t me = L->net->n_pops;
		if (strcmp(type, "input") == 0) {
			if (!has_neuron) {
				return nx_fail(L, SNN_EUNSUP, lpath, "%s",
					       "an input layer without a neuron is not supported");
			}
			if ((rc = add_layer(L, i, size, lpath, NULL, 0)) != SNN_OK) {
				return rc;
			}
		} else if (strcmp(type, "conv") == 0 || strcmp(type, "dense") == 0) {
			if (prev == UINT32_MAX) {
				return nx_fail(L, SNN_EPARSE, lpath, "%s",
					       "a layer before any input");
			}
			rc = load_weighted(L, i, lpath, strcmp(type, "conv") == 0, prev, me, &in,
					   &o);
			if (rc != SNN_OK) {
				return rc;
			}
		} else {
			return nx_fail(L, SNN_EUNSUP, lpath,
				       "layer type '%s' is not supported "
				       "(input, conv, dense, flatten)",
				       type);
		}
		prev = me;
		in = o;
	}
	return SNN_OK;
}

int snn_netx_load(const char *path, snn_net **out, snn_diag *d)
{
	*out = NULL;
	struct h5quiet q;
	h5_quiet_begin(&q);
	struct nx L = {.file = path, .d = d};
	int rc = SNN_OK;
	L.f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (L.f < 0) {
		h5_quiet_end(&q);
		return snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot open as HDF5");
	}
	L.net = net_new();
	if (!L.net) {
		rc = mem_nomem(d);
		goto out_close;
	}
	L.net->sim.dt_ms = 1.0;
	L.net->sim.duration_ms = 1.0;
	rc = load_layers(&L);
	if (rc == SNN_OK && H5Lexists(L.f, "/simulation", H5P_DEFAULT) > 0 &&
	    H5Lexists(L.f, "/simulation/tSample", H5P_DEFAULT) > 0) {
		double ts;
		rc = nx_scalar(&L, "/simulation/tSample", &ts);
		if (rc == SNN_OK && ts >= 1 && ts == nearbyint(ts)) {
			L.net->sim.duration_ms = ts;
		}
	}
	if (rc == SNN_OK) {
		char text[600];
		int len = snprintf(text, sizeof(text), "lava-dl netx network %s\n", path);
		rc = net_set_source(L.net, path, text, (size_t)len);
		if (rc != SNN_OK) {
			rc = mem_nomem(d);
		}
	}
	if (rc == SNN_OK) {
		rc = net_finalize(L.net, d);
	}
	if (rc != SNN_OK) {
		snn_net_free(L.net);
		goto out_close;
	}
	*out = L.net;
out_close:
	H5Fclose(L.f);
	h5_quiet_end(&q);
	return rc;
}
