/*
 * Data around NIR networks: input tensors (plain HDF5 datasets or NIR's
 * NIRGraphData), result files in the NIRGraphData layout, and the graph
 * description that `snnsim inspect` prints.
 * Layer: sim core (formats). Reads and writes HDF5 through the C API with its
 * error stack silenced; writes through a temporary file renamed at the end.
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "h5util_int.h"
#include "mem_int.h"
#include "nir_int.h"
#include "nir_data_int.h"
#include "outfile_int.h"

#define MAX_VALUES (1ull << 33)

static uint32_t input_size(const struct nir_port *p)
{
	return (uint32_t)nir_shape_size(&p->shape);
}

/* ------------------------------------------------------------------ input data */

int snn_nir_data_new(const snn_net *net, uint32_t samples, uint32_t steps, snn_nir_data **out,
		     snn_diag *d)
{
	*out = NULL;
	if (!net->nir) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0, "the network is not a NIR graph");
	}
	const struct nir_info *I = net->nir;
	snn_nir_data *in = mem_zalloc(sizeof(*in));
	if (!in) {
		return mem_nomem(d);
	}
	in->samples = samples;
	in->steps = steps;
	in->n_inputs = I->n_inputs;
	in->size = mem_array(I->n_inputs, sizeof(uint32_t));
	in->v = mem_array(I->n_inputs, sizeof(double *));
	if (!in->size || !in->v) {
		snn_nir_data_free(in);
		return mem_nomem(d);
	}
	for (uint32_t k = 0; k < I->n_inputs; k++) {
		in->size[k] = input_size(&I->inputs[k]);
		uint64_t n = (uint64_t)samples * steps * in->size[k];
		if (n > MAX_VALUES) {
			snn_nir_data_free(in);
			return snn_diag_error(d, SNN_ERANGE, NULL, 0, 0,
					      "%llu input values are too many",
					      (unsigned long long)n);
		}
		in->v[k] = mem_array(n, sizeof(double));
		if (!in->v[k]) {
			snn_nir_data_free(in);
			return mem_nomem(d);
		}
	}
	*out = in;
	return SNN_OK;
}

uint32_t snn_nir_data_samples(const snn_nir_data *in)
{
	return in->samples;
}

uint32_t snn_nir_data_steps(const snn_nir_data *in)
{
	return in->steps;
}

size_t snn_nir_data_inputs(const snn_nir_data *in)
{
	return in->n_inputs;
}

double *snn_nir_data_values(snn_nir_data *in, size_t k, uint32_t *size)
{
	if (k >= in->n_inputs) {
		return NULL;
	}
	if (size) {
		*size = in->size[k];
	}
	return in->v[k];
}

void snn_nir_data_free(snn_nir_data *in)
{
	if (!in) {
		return;
	}
	for (uint32_t k = 0; in->v && k < in->n_inputs; k++) {
		free(in->v[k]);
	}
	free(in->v);
	free(in->size);
	free(in);
}

struct rd {
	const char *file;
	snn_diag *d;
};

static int rfail(struct rd *R, int code, const char *path, const char *msg)
{
	char where[1200];
	snprintf(where, sizeof(where), "%s%s%s", R->file, path ? ":" : "", path ? path : "");
	return snn_diag_error(R->d, code, where, 0, 0, "%s", msg);
}

/* Reads dataset `name` of loc (at HDF5 path `path`, for messages) whole as
 * doubles (integers, floats and booleans stored as h5py's enums); dims out.
 * Values must be finite unless inf_ok (event times padded with infinity). */
static int read_numbers(struct rd *R, hid_t loc, const char *name, const char *path, double **out,
			int *nd, hsize_t *dims, bool inf_ok)
{
	*out = NULL;
	double *v = NULL;
	int rc = SNN_OK;
	char msg[300];
	struct h5_dataset dset;
	switch (h5_dataset_open(loc, name, &dset)) {
	case H5U_MISSING:
		snprintf(msg, sizeof(msg), "missing dataset '%s'", name);
		rc = rfail(R, SNN_EPARSE, path, msg);
		goto out;
	case H5U_GROUP:
	case H5U_NOT_DATASET:
		rc = rfail(R, SNN_EPARSE, path, "not a readable dataset");
		goto out;
	case H5U_HEADER:
		rc = rfail(R, SNN_EIO, path, "cannot read (the file may be truncated or damaged)");
		goto out;
	default:
		break;
	}
	*nd = dset.rank;
	if (dset.rank < 0 || dset.rank > 8) {
		rc = rfail(R, SNN_EPARSE, path, "expected an array of at most 8 dimensions");
		goto out;
	}
	memcpy(dims, dset.dims, (size_t)dset.rank * sizeof(*dims));
	uint64_t n = 1;
	for (int i = 0; i < dset.rank; i++) {
		n *= dims[i];
		if (n > MAX_VALUES) {
			rc = rfail(R, SNN_ERANGE, path, "too many values");
			goto out;
		}
	}
	hid_t ds = dset.ds, ft = dset.type;
	H5T_class_t cls = dset.cls;
	if (n == 0 || cls == H5T_INTEGER || cls == H5T_FLOAT) {
		/* an empty dataset of any type is no value */
		enum h5_fault f =
		    h5_dataset_read(&dset, H5T_NATIVE_DOUBLE, sizeof(double), (void **)&v);
		if (f == H5U_NOMEM || f == H5U_TOO_LARGE) {
			rc = mem_nomem(R->d);
		} else if (f == H5U_TRUNCATED) {
			rc = rfail(R, SNN_EIO, path,
				   "cannot read the values (the file may be "
				   "truncated or damaged)");
		}
	} else if (cls == H5T_ENUM) {
		v = mem_array_raw(n, sizeof(double));
		if (!v) {
			rc = mem_nomem(R->d);
			goto out;
		}
		/* h5py's booleans: an enumeration over an integer type */
		hid_t mt = H5Tget_native_type(ft, H5T_DIR_ASCEND);
		hid_t base = H5Tget_super(ft);
		size_t es = mt >= 0 ? H5Tget_size(mt) : 0;
		bool sign = base >= 0 && H5Tget_sign(base) == H5T_SGN_2;
		unsigned char *raw = es ? mem_array_raw(n, es) : NULL;
		if (!raw || H5Dread(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, raw) < 0) {
			rc = raw ? rfail(R, SNN_EIO, path, "cannot read the values")
				 : mem_nomem(R->d);
		} else {
			for (uint64_t i = 0; i < n; i++) {
				int64_t x = 0;
				const unsigned char *p = raw + i * es;
				if (es == 1) {
					x = sign ? (int64_t)(int8_t)p[0] : (int64_t)p[0];
				} else if (es == 2) {
					int16_t a;
					memcpy(&a, p, 2);
					x = sign ? (int64_t)a : (int64_t)(uint16_t)a;
				} else if (es == 4) {
					int32_t a;
					memcpy(&a, p, 4);
					x = sign ? (int64_t)a : (int64_t)(uint32_t)a;
				} else {
					memcpy(&x, p, 8);
				}
				v[i] = (double)x;
			}
		}
		mem_free(raw);
		if (mt >= 0) {
			H5Tclose(mt);
		}
		if (base >= 0) {
			H5Tclose(base);
		}
	} else {
		rc = rfail(R, SNN_EPARSE, path, "wrong dtype: expected numbers or booleans");
	}
	for (uint64_t i = 0; rc == SNN_OK && i < n; i++) {
		if (!isfinite(v[i]) && !(inf_ok && isinf(v[i]) && v[i] > 0)) {
			snprintf(msg, sizeof(msg), "value %llu is not a finite number",
				 (unsigned long long)i);
			rc = rfail(R, SNN_EPARSE, path, msg);
		}
	}
out:
	if (rc == SNN_OK) {
		*out = v;
	} else {
		mem_free(v);
	}
	h5_dataset_close(&dset);
	return rc;
}

/* A plain dataset: samples x steps x inputs (the inputs may keep the Input
 * node's shape), or steps x inputs for one sample. */
static int read_plain(struct rd *R, hid_t f, const snn_net *net, const char *dataset,
		      snn_nir_data **out)
{
	const struct nir_info *I = net->nir;
	if (I->n_inputs != 1) {
		char msg[300];
		snprintf(msg, sizeof(msg),
			 "the network has %u Input nodes: give its inputs in "
			 "NIR's NIRGraphData layout",
			 I->n_inputs);
		return rfail(R, SNN_EPARSE, NULL, msg);
	}
	char name[512];
	if (dataset) {
		snprintf(name, sizeof(name), "%s", dataset);
	} else {
		/* the file's only dataset at the root */
		H5G_info_t gi;
		uint32_t found = 0;
		char list[400] = "";
		if (H5Gget_info(f, &gi) < 0) {
			return rfail(R, SNN_EIO, "/", "cannot list the file");
		}
		for (hsize_t i = 0; i < gi.nlinks; i++) {
			char nm[256];
			if (H5Lget_name_by_idx(f, ".", H5_INDEX_NAME, H5_ITER_INC, i, nm,
					       sizeof(nm), H5P_DEFAULT) < 0) {
				continue;
			}
			hid_t ds = H5Dopen2(f, nm, H5P_DEFAULT);
			if (ds >= 0) {
				H5Dclose(ds);
				if (found++ == 0) {
					snprintf(name, sizeof(name), "%s", nm);
				}
			}
			size_t ul = strlen(list);
			snprintf(list + ul, sizeof(list) - ul, "%s%s", ul ? ", " : "", nm);
		}
		if (found != 1) {
			char msg[600];
			snprintf(msg, sizeof(msg),
				 "%s: name the input dataset (--dataset); the file "
				 "has: %s",
				 found ? "several datasets" : "no dataset at the root",
				 *list ? list : "nothing");
			return rfail(R, SNN_EPARSE, NULL, msg);
		}
	}
	char path[600];
	snprintf(path, sizeof(path), "%s%s", name[0] == '/' ? "" : "/", name);
	double *v = NULL;
	int nd = 0;
	hsize_t dims[8];
	int rc = read_numbers(R, f, name, path, &v, &nd, dims, false);
	if (rc != SNN_OK) {
		return rc;
	}
	uint32_t want = input_size(&I->inputs[0]);
	uint64_t samples = 0, steps = 0, rest = 1;
	bool ok = false;
	/* samples x steps x (inputs, maybe in the Input's shape), else steps x inputs */
	for (int first = 2; first >= 1 && !ok; first--) {
		rest = 1;
		for (int i = first; i < nd; i++) {
			rest *= dims[i];
		}
		if (nd > first && rest == want) {
			ok = true;
			samples = first == 2 ? dims[0] : 1;
			steps = dims[first - 1];
		}
	}
	if (!ok || samples == 0 || steps == 0 || samples > UINT32_MAX || steps >= UINT32_MAX) {
		char msg[400], sh[160] = "";
		size_t u = 0;
		for (int i = 0; i < nd && u < sizeof(sh); i++) {
			u += (size_t)snprintf(sh + u, sizeof(sh) - u, "%s%llu", i ? " " : "",
					      (unsigned long long)dims[i]);
		}
		snprintf(msg, sizeof(msg),
			 "inputs of shape [%s] do not fit the Input '%s' of %u "
			 "values: expected samples x steps x %u (or steps x %u)",
			 sh, I->inputs[0].name, want, want, want);
		free(v);
		return rfail(R, SNN_EPARSE, path, msg);
	}
	snn_nir_data *in;
	rc = snn_nir_data_new(net, (uint32_t)samples, (uint32_t)steps, &in, R->d);
	if (rc == SNN_OK) {
		memcpy(in->v[0], v, samples * steps * want * sizeof(double));
		*out = in;
	}
	free(v);
	return rc;
}

/* Reads a scalar numeric attribute. */
static int attr_f64(hid_t obj, const char *name, double *out)
{
	if (H5Aexists(obj, name) <= 0) {
		return -1;
	}
	hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
	if (a < 0) {
		return -1;
	}
	int rc = H5Aread(a, H5T_NATIVE_DOUBLE, out) < 0 ? -1 : 0;
	H5Aclose(a);
	return rc;
}

/* One observable of NIRGraphData for input k. */
static int read_observable(struct rd *R, hid_t og, const char *opath, const snn_net *net,
			   uint32_t k, double **vals, uint64_t *samples, uint64_t *steps)
{
	const struct nir_info *I = net->nir;
	uint32_t want = input_size(&I->inputs[k]);
	double dt = I->opt.dt_s;
	char *type = h5_read_attr_str(og, "__type__");
	char msg[600];
	int rc = SNN_OK;
	double *v = NULL;
	*vals = NULL;
	if (!type) {
		rc = rfail(R, SNN_EPARSE, opath,
			   "no __type__ attribute (TimeGriddedData, EventData "
			   "or ValuedEventData)");
		goto out;
	}
	int nd;
	hsize_t dims[8];
	if (strcmp(type, "TimeGriddedData") == 0) {
		char dp[1100];
		snprintf(dp, sizeof(dp), "%s/data", opath);
		double fdt;
		if (attr_f64(og, "dt", &fdt) != 0) {
			rc = rfail(R, SNN_EPARSE, opath, "TimeGriddedData without a dt attribute");
			goto out;
		}
		if (fabs(fdt - dt) > 1e-9 * dt) {
			snprintf(msg, sizeof(msg),
				 "the data's time step is %g s but the network runs "
				 "with %g s (--dt)",
				 fdt, dt);
			rc = rfail(R, SNN_EPARSE, opath, msg);
			goto out;
		}
		rc = read_numbers(R, og, "data", dp, &v, &nd, dims, false);
		if (rc != SNN_OK) {
			goto out;
		}
		if (nd != 3 || dims[2] != want || dims[0] == 0 || dims[1] == 0) {
			snprintf(msg, sizeof(msg),
				 "expected samples x steps x %u values for Input '%s'", want,
				 I->inputs[k].name);
			rc = rfail(R, SNN_EPARSE, dp, msg);
			goto out;
		}
		*samples = dims[0];
		*steps = dims[1];
		*vals = v;
		v = NULL;
		goto out;
	}
	bool valued = strcmp(type, "ValuedEventData") == 0;
	if (!valued && strcmp(type, "EventData") != 0) {
		snprintf(msg, sizeof(msg), "unknown observable type '%s'", type);
		rc = rfail(R, SNN_EPARSE, opath, msg);
		goto out;
	}
	double nn, tmax;
	if (attr_f64(og, "n_neurons", &nn) != 0 || attr_f64(og, "t_max", &tmax) != 0) {
		rc = rfail(R, SNN_EPARSE, opath, "EventData without n_neurons or t_max attributes");
		goto out;
	}
	if (nn != want) {
		snprintf(msg, sizeof(msg), "%g neurons, but Input '%s' has %u", nn,
			 I->inputs[k].name, want);
		rc = rfail(R, SNN_EPARSE, opath, msg);
		goto out;
	}
	double *idx = NULL, *tim = NULL, *val = NULL;
	int nd2, nd3;
	hsize_t d2[8], d3[8];
	const char *names[3] = {"idx", "time", "value"};
	double **dst[3] = {&idx, &tim, &val};
	for (int q = 0; q < (valued ? 3 : 2) && rc == SNN_OK; q++) {
		char dp[1100];
		snprintf(dp, sizeof(dp), "%s/%s", opath, names[q]);
		rc = read_numbers(R, og, names[q], dp, dst[q],
				  q == 0   ? &nd
				  : q == 1 ? &nd2
					   : &nd3,
				  q == 0   ? dims
				  : q == 1 ? d2
					   : d3,
				  q == 1);
	}
	if (rc == SNN_OK && (nd != 2 || nd2 != 2 || dims[0] != d2[0] || dims[1] != d2[1] ||
			     (valued && (nd3 != 2 || d3[0] != dims[0] || d3[1] != dims[1])))) {
		rc = rfail(R, SNN_EPARSE, opath,
			   "idx, time (and value) must be arrays of the same "
			   "shape samples x events");
	}
	double st = floor(tmax / dt + 1e-9);
	if (rc == SNN_OK && !(st >= 1 && st < UINT32_MAX)) {
		snprintf(msg, sizeof(msg), "t_max %g s is not one step or more of %g s", tmax, dt);
		rc = rfail(R, SNN_EPARSE, opath, msg);
	}
	if (rc == SNN_OK) {
		*samples = dims[0];
		*steps = (uint64_t)st;
		uint64_t n = *samples * *steps * want;
		v = n <= MAX_VALUES ? mem_array(n, sizeof(double)) : NULL;
		if (!v) {
			rc = mem_nomem(R->d);
		}
	}
	for (uint64_t s = 0; rc == SNN_OK && s < dims[0]; s++) {
		for (uint64_t e = 0; e < dims[1]; e++) {
			double i = idx[s * dims[1] + e], t = tim[s * dims[1] + e];
			if (i == -1 || !isfinite(t)) {
				continue; /* padding */
			}
			if (i != floor(i) || i < 0 || i >= want || t < 0) {
				snprintf(msg, sizeof(msg),
					 "sample %llu, event %llu: neuron %g at %g s is "
					 "outside the Input",
					 (unsigned long long)s, (unsigned long long)e, i, t);
				rc = rfail(R, SNN_EPARSE, opath, msg);
				break;
			}
			/* NIR's binning, floor(t / dt); events within 1e-9 of a step
			 * boundary count in the later step */
			double b = floor(t / dt + 1e-9);
			if (b >= (double)*steps) {
				continue;
			}
			v[(s * *steps + (uint64_t)b) * want + (uint64_t)i] =
			    valued ? val[s * dims[1] + e] : 1.0;
		}
	}
	free(idx);
	free(tim);
	free(val);
	if (rc == SNN_OK) {
		*vals = v;
		v = NULL;
	}
out:
	free(v);
	free(type);
	return rc;
}

/* NIR's NIRGraphData: /nodes/<input>/observables/<one observable>. */
static int read_nirdata(struct rd *R, hid_t f, const snn_net *net, snn_nir_data **out)
{
	const struct nir_info *I = net->nir;
	double **vals = mem_array(I->n_inputs, sizeof(double *));
	if (!vals) {
		return mem_nomem(R->d);
	}
	uint64_t samples = 0, steps = 0;
	int rc = SNN_OK;
	char msg[600];
	for (uint32_t k = 0; k < I->n_inputs && rc == SNN_OK; k++) {
		char np[600], op[700];
		snprintf(np, sizeof(np), "/nodes/%s", I->inputs[k].name);
		snprintf(op, sizeof(op), "%s/observables", np);
		if (H5Lexists(f, "nodes", H5P_DEFAULT) <= 0 || H5Lexists(f, np, H5P_DEFAULT) <= 0 ||
		    H5Lexists(f, op, H5P_DEFAULT) <= 0) {
			snprintf(msg, sizeof(msg), "no observables for the Input node '%s'",
				 I->inputs[k].name);
			rc = rfail(R, SNN_EPARSE, op, msg);
			break;
		}
		hid_t g = H5Gopen2(f, op, H5P_DEFAULT);
		H5G_info_t gi;
		if (g < 0 || H5Gget_info(g, &gi) < 0) {
			rc = rfail(R, SNN_EIO, op, "cannot open the group");
			if (g >= 0) {
				H5Gclose(g);
			}
			break;
		}
		char obs[256] = "";
		if (gi.nlinks == 1) {
			H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, 0, obs, sizeof(obs),
					   H5P_DEFAULT);
		} else {
			const char *pref[] = {"spikes", "input", "data"};
			for (int q = 0; q < 3 && !*obs; q++) {
				if (H5Lexists(g, pref[q], H5P_DEFAULT) > 0) {
					snprintf(obs, sizeof(obs), "%s", pref[q]);
				}
			}
		}
		if (!*obs) {
			rc = rfail(R, SNN_EPARSE, op,
				   "several observables and none named 'spikes', "
				   "'input' or 'data'");
			H5Gclose(g);
			break;
		}
		char opath[1000];
		snprintf(opath, sizeof(opath), "%s/%s", op, obs);
		hid_t og = H5Gopen2(g, obs, H5P_DEFAULT);
		if (og < 0) {
			rc = rfail(R, SNN_EPARSE, opath, "expected an observable group");
		} else {
			uint64_t sa = 0, st = 0;
			rc = read_observable(R, og, opath, net, k, &vals[k], &sa, &st);
			if (rc == SNN_OK && k > 0 && (sa != samples || st != steps)) {
				snprintf(msg, sizeof(msg),
					 "%llu samples of %llu steps, but the first "
					 "input has %llu of %llu",
					 (unsigned long long)sa, (unsigned long long)st,
					 (unsigned long long)samples, (unsigned long long)steps);
				rc = rfail(R, SNN_EPARSE, opath, msg);
			}
			samples = sa;
			steps = st;
			H5Gclose(og);
		}
		H5Gclose(g);
	}
	if (rc == SNN_OK && I->n_inputs == 0) {
		rc = rfail(R, SNN_EPARSE, NULL, "the network has no Input node");
	}
	if (rc == SNN_OK && (samples > UINT32_MAX || steps >= UINT32_MAX)) {
		rc = rfail(R, SNN_ERANGE, NULL, "too many samples or steps");
	}
	snn_nir_data *in = NULL;
	if (rc == SNN_OK) {
		rc = snn_nir_data_new(net, (uint32_t)samples, (uint32_t)steps, &in, R->d);
	}
	for (uint32_t k = 0; rc == SNN_OK && k < I->n_inputs; k++) {
		memcpy(in->v[k], vals[k], samples * steps * in->size[k] * sizeof(double));
	}
	for (uint32_t k = 0; k < I->n_inputs; k++) {
		free(vals[k]);
	}
	free(vals);
	if (rc == SNN_OK) {
		*out = in;
	}
	return rc;
}

int snn_nir_data_read(const char *path, const snn_net *net, const char *dataset, snn_nir_data **out,
		      snn_diag *d)
{
	*out = NULL;
	if (!net->nir) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0, "the network is not a NIR graph");
	}
	struct rd R = {path, d};
	if (!snn_nir_is_hdf5(path)) {
		FILE *fp = fopen(path, "rb");
		if (fp) {
			fclose(fp);
			return rfail(&R, SNN_EPARSE, NULL, "not an HDF5 file");
		}
		return rfail(&R, SNN_EIO, NULL, "cannot open the file");
	}
	struct h5quiet q;
	h5_quiet_begin(&q);
	int rc;
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (f < 0) {
		rc = rfail(&R, SNN_EIO, NULL,
			   "cannot open the HDF5 file (it may be truncated or "
			   "damaged)");
	} else {
		char *type = h5_read_attr_str(f, "__type__");
		if (type && strcmp(type, "NIRGraphData") == 0 && !dataset) {
			rc = read_nirdata(&R, f, net, out);
		} else {
			rc = read_plain(&R, f, net, dataset, out);
		}
		free(type);
		H5Fclose(f);
	}
	h5_quiet_end(&q);
	return rc;
}

/* ------------------------------------------------------------------ results */

static hid_t make_group(hid_t loc, const char *name)
{
	hid_t gcpl = h5_gcpl();
	hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
	if (gcpl >= 0) {
		H5Pclose(gcpl);
	}
	return g;
}

/* Writes one series as a TimeGriddedData observable. */
static int write_series(hid_t obs, const snn_nir_series *s, double dt_s, bool counts)
{
	hid_t g = make_group(obs, s->what);
	if (g < 0) {
		return -1;
	}
	int rc = -1;
	hsize_t dims[3] = {s->samples, s->steps, s->size};
	hid_t sp = H5Screate_simple(3, dims, NULL);
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
	uint64_t n = (uint64_t)s->samples * s->steps * s->size;
	if (sp >= 0 && dcpl >= 0 && h5_attr_str(g, "__type__", "TimeGriddedData") == 0 &&
	    h5_attr_f64(g, "dt", dt_s) == 0) {
		H5Pset_obj_track_times(dcpl, 0);
		if (n > 4096) {
			hsize_t chunk[3] = {1, s->steps, s->size};
			while (chunk[1] > 1 && chunk[1] * chunk[2] > (1u << 18)) {
				chunk[1] = (chunk[1] + 1) / 2;
			}
			H5Pset_chunk(dcpl, 3, chunk);
			H5Pset_deflate(dcpl, 4);
		}
		hid_t ds = -1;
		if (counts) {
			uint32_t mx = 0;
			for (uint64_t i = 0; i < n; i++) {
				mx = s->data[i] > mx ? (uint32_t)s->data[i] : mx;
			}
			hid_t ft = mx <= 255 ? H5T_STD_U8LE : H5T_STD_U32LE;
			ds = H5Dcreate2(g, "data", ft, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
		} else {
			ds = H5Dcreate2(g, "data", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl,
					H5P_DEFAULT);
		}
		/* counts convert exactly from doubles (whole numbers) */
		if (ds >= 0 && (n == 0 || H5Dwrite(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL,
						   H5P_DEFAULT, s->data) >= 0)) {
			rc = 0;
		}
		if (ds >= 0) {
			H5Dclose(ds);
		}
	}
	if (dcpl >= 0) {
		H5Pclose(dcpl);
	}
	if (sp >= 0) {
		H5Sclose(sp);
	}
	H5Gclose(g);
	return rc;
}

static const char *reset_name(int r)
{
	return r == SNN_NIR_RESET_SUBTRACT ? "subtract" : "value";
}

static const char *scheme_name(int s, int dflt)
{
	if (s == SNN_NIR_SCHEME_DEFAULT) {
		s = dflt;
	}
	return s == SNN_NIR_EXACT ? "exact" : "euler";
}

void nir_conventions_format(const snn_nir_options *o, char *buf, size_t len)
{
	snprintf(buf, len,
		 "dt %g s, reset %s, spikes per step %s, integration %s, input gain %s, "
		 "integrator gain %s, recurrent delay %u step%s, edge delay %u step%s",
		 o->dt_s, reset_name(o->reset),
		 o->spikes == SNN_NIR_SPIKES_MULTIPLE ? "multiple" : "single",
		 scheme_name(o->integration, SNN_NIR_EULER),
		 scheme_name(o->input_gain, o->integration == SNN_NIR_SCHEME_DEFAULT
						? SNN_NIR_EULER
						: o->integration),
		 o->integrator == SNN_NIR_INTEGRATOR_DT ? "dt" : "step", o->recurrent_delay,
		 o->recurrent_delay == 1 ? "" : "s", o->edge_delay, o->edge_delay == 1 ? "" : "s");
}

int snn_nir_result_write(const snn_nir_result *r, const snn_net *net, const char *path, snn_diag *d)
{
	if (!net->nir) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0, "the network is not a NIR graph");
	}
	char *tmp = outfile_temp_name(path);
	if (!tmp) {
		return mem_nomem(d);
	}
	struct h5quiet q;
	h5_quiet_begin(&q);
	int rc = SNN_OK;
	hid_t f = h5_create_file(tmp);
	hid_t nodes = -1;
	if (f < 0) {
		rc = snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot create the HDF5 file");
		goto out;
	}
	char conv[400];
	nir_conventions_format(&net->nir->opt, conv, sizeof(conv));
	nodes = make_group(f, "nodes");
	if (nodes < 0 || h5_attr_str(f, "__type__", "NIRGraphData") != 0 ||
	    h5_attr_str(f, "software", r->software) != 0 ||
	    h5_attr_str(f, "model", net->source_path ? net->source_path : "") != 0 ||
	    h5_attr_str(f, "model_sha256", net->source_sha256) != 0 ||
	    h5_attr_str(f, "conventions", conv) != 0 ||
	    h5_attr_f64(f, "dt", net->nir->opt.dt_s) != 0 ||
	    h5_attr_u64(f, "samples", r->samples) != 0 || h5_attr_u64(f, "steps", r->steps) != 0) {
		rc = snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot write to the HDF5 file");
		goto out;
	}
	for (size_t i = 0; i < r->n && rc == SNN_OK; i++) {
		const snn_nir_series *s = &r->series[i];
		hid_t ng = -1, obs = -1;
		if (H5Lexists(nodes, s->name, H5P_DEFAULT) > 0) {
			ng = H5Gopen2(nodes, s->name, H5P_DEFAULT);
			obs = ng >= 0 ? H5Gopen2(ng, "observables", H5P_DEFAULT) : -1;
		} else {
			ng = make_group(nodes, s->name);
			if (ng >= 0 && (h5_attr_str(ng, "__type__", "NIRNodeData") != 0 ||
					h5_attr_str(ng, "population", s->population) != 0)) {
				H5Gclose(ng);
				ng = -1;
			}
			obs = ng >= 0 ? make_group(ng, "observables") : -1;
		}
		if (ng < 0 || obs < 0 ||
		    write_series(obs, s, net->nir->opt.dt_s, strcmp(s->what, "spikes") == 0) != 0) {
			rc = snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot write the %s of '%s'",
					    s->what, s->name);
		}
		if (obs >= 0) {
			H5Gclose(obs);
		}
		if (ng >= 0) {
			H5Gclose(ng);
		}
	}
out:
	if (nodes >= 0) {
		H5Gclose(nodes);
	}
	if (f >= 0 && H5Fclose(f) < 0 && rc == SNN_OK) {
		rc = snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot complete the HDF5 file");
	}
	h5_quiet_end(&q);
	if (rc == SNN_OK) {
		rc = outfile_commit(tmp, path, d);
	} else {
		outfile_abort(tmp);
	}
	free(tmp);
	return rc;
}

/* ------------------------------------------------------------------ inspect */

size_t snn_nir_assumption_count(const snn_net *net)
{
	return net->nir ? net->nir->n_assumed : 0;
}

const char *snn_nir_assumption(const snn_net *net, size_t i)
{
	return net->nir && i < net->nir->n_assumed ? net->nir->assumed[i] : NULL;
}

void snn_nir_inspect(const snn_net *net, FILE *out)
{
	const struct nir_info *I = net->nir;
	if (!I) {
		snn_net_describe(net, out);
		return;
	}
	char a[96], b[96];
	fprintf(out, "%s: NIR graph, version %s, sha256 %s\n", net->source_path,
		I->version ? I->version : "(none)", I->file_sha256 ? I->file_sha256 : "");
	fprintf(out, "nodes (%u):\n", I->n_nodes);
	for (uint32_t i = 0; i < I->n_nodes; i++) {
		const struct nir_node_info *n = &I->nodes[i];
		nir_shape_format(&n->in, a, sizeof(a));
		nir_shape_format(&n->out, b, sizeof(b));
		fprintf(out, "  %-14s %-9s %s -> %s  (%s)\n", n->name, n->type, a, b, n->role);
		fprintf(out, "      %s\n", n->path);
		if (n->params && *n->params) {
			fprintf(out, "      %s\n", n->params);
		}
	}
	fprintf(out, "edges (%u):\n", I->n_edges);
	for (uint32_t i = 0; i < I->n_edges; i++) {
		fprintf(out, "  %s\n", I->edges[i]);
	}
	for (uint32_t i = 0; i < I->n_inputs; i++) {
		nir_shape_format(&I->inputs[i].shape, a, sizeof(a));
		fprintf(out, "input  %s %s -> population '%s'\n", I->inputs[i].name, a,
			net->pops[I->inputs[i].pop].name);
	}
	for (uint32_t i = 0; i < I->n_outputs; i++) {
		nir_shape_format(&I->outputs[i].shape, a, sizeof(a));
		fprintf(out, "output %s %s <- %s of population '%s'\n", I->outputs[i].name, a,
			I->outputs[i].spiking ? "spikes" : "values",
			net->pops[I->outputs[i].pop].name);
	}
	uint64_t neurons = 0, relays = 0, inputs = 0;
	uint32_t layers = 0;
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct population *p = &net->pops[i];
		if (p->model->id == MODEL_NIR_INPUT) {
			inputs += p->size;
		} else if (p->model->id == MODEL_NIR_RELAY) {
			relays += p->size;
		} else {
			neurons += p->size;
			layers++;
		}
	}
	fprintf(out,
		"network: %llu neurons in %u layers, %llu relay units, %llu inputs "
		"(%u populations, update order as listed):\n",
		(unsigned long long)neurons, layers, (unsigned long long)relays,
		(unsigned long long)inputs, net->n_pops);
	for (uint32_t i = 0; i < net->n_pops; i++) {
		const struct population *p = &net->pops[i];
		fprintf(out, "  %-14s %8u  %s\n", p->name, p->size, p->model->name);
	}
	uint64_t syn = 0, bytes = 0;
	fprintf(out, "projections (%u):\n", net->n_projs);
	for (uint32_t i = 0; i < net->n_projs; i++) {
		const struct projection *pr = &net->projs[i];
		fprintf(out, "  %s -> %s: ", net->pops[pr->pre.pop].name,
			net->pops[pr->post.pop].name);
		net_describe_explicit(pr, out);
		fprintf(out, "\n");
		syn += pr->x->n_syn;
		bytes += pr->x->bytes;
	}
	fprintf(out,
		"synapses: %llu when expanded (%.1f MB in the CPU engine's tables at 6 bytes "
		"each), %.1f kB as described\n",
		(unsigned long long)syn, (double)syn * 6.0 / 1048576.0, (double)bytes / 1024.0);
	char conv[400];
	nir_conventions_format(&I->opt, conv, sizeof(conv));
	fprintf(out, "conventions: %s\n", conv);
	fprintf(out, "assumed (%u):\n", I->n_assumed);
	for (uint32_t i = 0; i < I->n_assumed; i++) {
		fprintf(out, "  %s\n", I->assumed[i]);
	}
}
