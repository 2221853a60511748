/*
 * HDF5 helpers: quiet error stacks, attributes, reproducible creation
 * properties, extendable 1-d datasets.
 * Layer: sim core, internal.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util_int.h"
#include "mem_int.h"

void h5_quiet_begin(struct h5quiet *q)
{
	H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
	H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void h5_quiet_end(const struct h5quiet *q)
{
	H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

hid_t h5_create_file(const char *path)
{
	hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
	if (fcpl < 0) {
		return -1;
	}
	H5Pset_obj_track_times(fcpl, 0);
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
	H5Pclose(fcpl);
	return f;
}

hid_t h5_gcpl(void)
{
	hid_t p = H5Pcreate(H5P_GROUP_CREATE);
	if (p >= 0) {
		H5Pset_obj_track_times(p, 0);
	}
	return p;
}

hid_t h5_dcpl_chunked(hsize_t chunk)
{
	hid_t p = H5Pcreate(H5P_DATASET_CREATE);
	if (p >= 0) {
		H5Pset_obj_track_times(p, 0);
		H5Pset_chunk(p, 1, &chunk);
	}
	return p;
}

static int attr_write(hid_t obj, const char *name, hid_t type, const void *value)
{
	hid_t sp = H5Screate(H5S_SCALAR);
	if (sp < 0) {
		return -1;
	}
	hid_t a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
	int rc = -1;
	if (a >= 0) {
		rc = H5Awrite(a, type, value) < 0 ? -1 : 0;
		H5Aclose(a);
	}
	H5Sclose(sp);
	return rc;
}

int h5_attr_str(hid_t obj, const char *name, const char *value)
{
	hid_t t = H5Tcopy(H5T_C_S1);
	if (t < 0) {
		return -1;
	}
	H5Tset_size(t, H5T_VARIABLE);
	H5Tset_cset(t, H5T_CSET_UTF8);
	int rc = attr_write(obj, name, t, &value);
	H5Tclose(t);
	return rc;
}

int h5_attr_u64(hid_t obj, const char *name, uint64_t value)
{
	return attr_write(obj, name, H5T_NATIVE_UINT64, &value);
}

int h5_attr_i64(hid_t obj, const char *name, int64_t value)
{
	return attr_write(obj, name, H5T_NATIVE_INT64, &value);
}

int h5_attr_f64(hid_t obj, const char *name, double value)
{
	return attr_write(obj, name, H5T_NATIVE_DOUBLE, &value);
}

char *h5_read_attr_str(hid_t obj, const char *name)
{
	if (H5Aexists(obj, name) <= 0) {
		return NULL;
	}
	hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
	if (a < 0) {
		return NULL;
	}
	char *out = NULL;
	hid_t ft = H5Aget_type(a);
	hid_t sp = H5Aget_space(a);
	if (ft >= 0 && sp >= 0 && H5Tget_class(ft) == H5T_STRING &&
	    H5Sget_simple_extent_npoints(sp) == 1) {
		if (H5Tis_variable_str(ft) > 0) {
			hid_t mt = H5Tcopy(H5T_C_S1);
			H5Tset_size(mt, H5T_VARIABLE);
			H5Tset_cset(mt, H5Tget_cset(ft));
			char *v = NULL;
			if (H5Aread(a, mt, &v) >= 0 && v) {
				out = mem_strdup(v);
				H5free_memory(v);
			}
			H5Tclose(mt);
		} else {
			size_t n = H5Tget_size(ft);
			hid_t mt = H5Tcopy(H5T_C_S1);
			H5Tset_size(mt, n + 1);
			/* HDF5 converts no string between ASCII and UTF-8: read in
			 * the file's character set */
			H5Tset_cset(mt, H5Tget_cset(ft));
			out = mem_array(n + 2, 1);
			if (out && H5Aread(a, mt, out) < 0) {
				free(out);
				out = NULL;
			}
			H5Tclose(mt);
		}
	}
	if (sp >= 0) {
		H5Sclose(sp);
	}
	if (ft >= 0) {
		H5Tclose(ft);
	}
	H5Aclose(a);
	return out;
}

hid_t h5_create_extendable(hid_t loc, const char *name, hid_t type, hsize_t chunk)
{
	hsize_t dims = 0, maxd = H5S_UNLIMITED;
	hid_t sp = H5Screate_simple(1, &dims, &maxd);
	if (sp < 0) {
		return -1;
	}
	hid_t dcpl = h5_dcpl_chunked(chunk);
	/* appends write whole chunks: no chunk cache, straight to the file */
	hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
	hid_t ds = -1;
	if (dcpl >= 0 && dapl >= 0 && H5Pset_chunk_cache(dapl, 0, 0, 1.0) >= 0) {
		ds = H5Dcreate2(loc, name, type, sp, H5P_DEFAULT, dcpl, dapl);
	}
	if (dcpl >= 0) {
		H5Pclose(dcpl);
	}
	if (dapl >= 0) {
		H5Pclose(dapl);
	}
	H5Sclose(sp);
	return ds;
}

int h5_append(hid_t ds, hid_t mtype, const void *data, hsize_t n, hsize_t *len)
{
	if (n == 0) {
		return 0;
	}
	hsize_t newlen = *len + n;
	if (H5Dset_extent(ds, &newlen) < 0) {
		return -1;
	}
	hid_t fs = H5Dget_space(ds);
	if (fs < 0) {
		return -1;
	}
	int rc = -1;
	hsize_t start = *len;
	hid_t ms = H5Screate_simple(1, &n, NULL);
	if (ms >= 0 && H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &n, NULL) >= 0 &&
	    H5Dwrite(ds, mtype, ms, fs, H5P_DEFAULT, data) >= 0) {
		*len = newlen;
		rc = 0;
	}
	if (ms >= 0) {
		H5Sclose(ms);
	}
	H5Sclose(fs);
	return rc;
}

int h5_open_top_group(const char *path, const char *group, const char *what, hid_t *file,
		      hid_t *grp, snn_diag *d)
{
	*file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (*file < 0) {
		return snn_diag_error(d, SNN_EPARSE, path, 0, 0,
				      "cannot open as HDF5 (truncated or not an HDF5 file)");
	}
	if (H5Lexists(*file, group, H5P_DEFAULT) <= 0) {
		H5Fclose(*file);
		return snn_diag_error(d, SNN_EPARSE, path, 0, 0, "/%s: missing group; not a %s",
				      group, what);
	}
	*grp = H5Gopen2(*file, group, H5P_DEFAULT);
	if (*grp < 0) {
		H5Fclose(*file);
		return snn_diag_error(d, SNN_EPARSE, path, 0, 0, "/%s: not a group", group);
	}
	return SNN_OK;
}

bool h5_is_hdf5(const char *path)
{
	static const unsigned char h5sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
	FILE *f = fopen(path, "rb");
	if (!f) {
		return false;
	}
	bool found = false;
	for (long off = 0; !found && off <= LONG_MAX / 2; off = off ? off * 2 : 512) {
		unsigned char sig[8];
		if (fseek(f, off, SEEK_SET) != 0 || fread(sig, 1, 8, f) != 8) {
			break;
		}
		found = memcmp(sig, h5sig, 8) == 0;
	}
	fclose(f);
	return found;
}

int h5_check_readable(const char *path, snn_diag *d)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		return snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
	}
	fclose(f);
	return SNN_OK;
}

enum h5_fault h5_dataset_open(hid_t loc, const char *name, struct h5_dataset *x)
{
	memset(x, 0, sizeof(*x));
	x->ds = x->type = x->space = -1;
	x->cls = H5T_NO_CLASS;
	x->rank = -1;
	if (H5Lexists(loc, name, H5P_DEFAULT) <= 0) {
		return H5U_MISSING;
	}
	x->ds = H5Dopen2(loc, name, H5P_DEFAULT);
	if (x->ds < 0) {
		hid_t g = H5Gopen2(loc, name, H5P_DEFAULT);
		if (g >= 0) {
			H5Gclose(g);
			return H5U_GROUP;
		}
		return H5U_NOT_DATASET;
	}
	x->type = H5Dget_type(x->ds);
	x->space = H5Dget_space(x->ds);
	if (x->type >= 0) {
		x->cls = H5Tget_class(x->type);
	}
	if (x->space >= 0) {
		x->rank = H5Sget_simple_extent_ndims(x->space);
	}
	if (x->rank >= 0 && H5Sget_simple_extent_dims(x->space, x->dims, NULL) < 0) {
		x->rank = -1;
	}
	x->n = 1;
	for (int k = 0; k < x->rank && x->n; k++) {
		x->n =
		    x->dims[k] && x->n > UINT64_MAX / x->dims[k] ? UINT64_MAX : x->n * x->dims[k];
	}
	return x->type < 0 || x->space < 0 ? H5U_HEADER : H5U_OK;
}

enum h5_fault h5_dataset_read(const struct h5_dataset *x, hid_t mem_type, size_t esize, void **buf)
{
	*buf = NULL;
	if (x->n > SIZE_MAX / esize) {
		return H5U_TOO_LARGE;
	}
	*buf = mem_array_raw((size_t)x->n, esize);
	if (!*buf) {
		return H5U_NOMEM;
	}
	if (x->n && H5Dread(x->ds, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, *buf) < 0) {
		mem_free(*buf);
		*buf = NULL;
		return H5U_TRUNCATED;
	}
	return H5U_OK;
}

void h5_dataset_close(struct h5_dataset *x)
{
	if (x->type >= 0) {
		H5Tclose(x->type);
	}
	if (x->space >= 0) {
		H5Sclose(x->space);
	}
	if (x->ds >= 0) {
		H5Dclose(x->ds);
	}
	x->ds = x->type = x->space = -1;
}
