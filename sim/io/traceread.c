/*
 * Reading SONATA report files (state traces) back, for the viewer's trace
 * panel. Layer: sim core (formats), public API in include/snn/traces.h.
 * Every dataset is checked before use; a problem names the HDF5 path.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "h5util_int.h"
#include "mem_int.h"
#include "snn/traces.h"

void snn_trace_free(snn_trace_report *t)
{
	if (!t) {
		return;
	}
	free(t->population);
	free(t->variable);
	free(t->unit);
	free(t->node_ids);
	free(t->data);
	free(t);
}

/* Reads a whole dataset of `rank` dimensions into a new buffer of mtype. */
static int read_all(hid_t grp, const char *name, int rank, hid_t mtype, size_t esize,
		    const char *path, const char *gpath, void **out, hsize_t *dims, snn_diag *d)
{
	*out = NULL;
	struct h5_dataset x;
	enum h5_fault f = h5_dataset_open(grp, name, &x);
	int rc = SNN_OK;
	if (f == H5U_MISSING) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0, "%s/%s: missing dataset", gpath,
				    name);
		goto out_close;
	}
	if (f == H5U_GROUP || f == H5U_NOT_DATASET) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0, "%s/%s: not a dataset", gpath, name);
		goto out_close;
	}
	if (f == H5U_HEADER || x.rank != rank || (x.cls != H5T_FLOAT && x.cls != H5T_INTEGER)) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0,
				    "%s/%s: expected a %d-dimensional numeric dataset", gpath, name,
				    rank);
		goto out_close;
	}
	memcpy(dims, x.dims, (size_t)rank * sizeof(*dims));
	f = h5_dataset_read(&x, mtype, esize, out);
	if (f == H5U_TOO_LARGE) {
		rc = snn_diag_error(d, SNN_ENOMEM, path, 0, 0, "%s/%s: too large", gpath, name);
	} else if (f == H5U_NOMEM) {
		rc = mem_nomem(d);
	} else if (f == H5U_TRUNCATED) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0,
				    "%s/%s: cannot be read (truncated file?)", gpath, name);
	}
out_close:
	h5_dataset_close(&x);
	return rc;
}

static int read_report(hid_t rep, const char *path, snn_trace_report *t, snn_diag *d)
{
	H5G_info_t info;
	if (H5Gget_info(rep, &info) < 0) {
		return snn_diag_error(d, SNN_EPARSE, path, 0, 0, "/report: not a group");
	}
	if (info.nlinks == 0) {
		return snn_diag_error(d, SNN_EPARSE, path, 0, 0, "/report: holds no populations");
	}
	char name[256];
	ssize_t nl = H5Lget_name_by_idx(rep, ".", H5_INDEX_NAME, H5_ITER_INC, 0, name, sizeof(name),
					H5P_DEFAULT);
	if (nl < 0 || (size_t)nl >= sizeof(name)) {
		return snn_diag_error(d, SNN_EPARSE, path, 0, 0,
				      "/report: cannot read the name of its first member");
	}
	char gpath[300];
	snprintf(gpath, sizeof(gpath), "/report/%s", name);
	t->population = mem_strdup(name);
	if (!t->population) {
		return mem_nomem(d);
	}
	hid_t g = H5Gopen2(rep, name, H5P_DEFAULT);
	if (g < 0) {
		return snn_diag_error(d, SNN_EPARSE, path, 0, 0, "%s: not a group", gpath);
	}
	int rc = SNN_OK;
	hsize_t dd[2] = {0, 0}, dn[1] = {0}, dt[1] = {0};
	double *tm = NULL;
	char mpath[320];
	snprintf(mpath, sizeof(mpath), "%s/mapping", gpath);
	hid_t map =
	    H5Lexists(g, "mapping", H5P_DEFAULT) > 0 ? H5Gopen2(g, "mapping", H5P_DEFAULT) : -1;
	if (map < 0) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0, "%s: missing group", mpath);
		goto out_close;
	}
	rc = read_all(g, "data", 2, H5T_NATIVE_DOUBLE, sizeof(double), path, gpath,
		      (void **)&t->data, dd, d);
	if (rc == SNN_OK) {
		rc = read_all(map, "node_ids", 1, H5T_NATIVE_UINT64, sizeof(uint64_t), path, mpath,
			      (void **)&t->node_ids, dn, d);
	}
	if (rc == SNN_OK) {
		rc = read_all(map, "time", 1, H5T_NATIVE_DOUBLE, sizeof(double), path, mpath,
			      (void **)&tm, dt, d);
	}
	if (rc == SNN_OK && dn[0] != dd[1]) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0,
				    "%s/data has %llu columns but mapping/node_ids has %llu "
				    "entries",
				    gpath, (unsigned long long)dd[1], (unsigned long long)dn[0]);
	}
	if (rc == SNN_OK && (dt[0] != 3 || !isfinite(tm[0]) || !(tm[2] > 0))) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0,
				    "%s/time: expected [start, stop, step] with a positive step",
				    mpath);
	}
	if (rc == SNN_OK) {
		t->n_nodes = (size_t)dd[1];
		t->n_times = (size_t)dd[0];
		t->t0_ms = tm[0];
		t->dt_ms = tm[2];
		hid_t ds = H5Dopen2(g, "data", H5P_DEFAULT);
		t->unit = ds >= 0 ? h5_read_attr_str(ds, "units") : NULL;
		t->variable = ds >= 0 ? h5_read_attr_str(ds, "variable_name") : NULL;
		if (ds >= 0) {
			H5Dclose(ds);
		}
		t->unit = t->unit ? t->unit : mem_strdup("");
		t->variable = t->variable ? t->variable : mem_strdup("");
		if (!t->unit || !t->variable) {
			rc = mem_nomem(d);
		}
	}
	free(tm);
	H5Gclose(map);
out_close:
	H5Gclose(g);
	return rc;
}

int snn_trace_read(const char *path, snn_trace_report **out, snn_diag *d)
{
	*out = NULL;
	int rc = h5_check_readable(path, d);
	if (rc != SNN_OK) {
		return rc;
	}
	snn_trace_report *t = mem_zalloc(sizeof(*t));
	if (!t) {
		return mem_nomem(d);
	}
	struct h5quiet q;
	h5_quiet_begin(&q);
	hid_t file, rep;
	rc = h5_open_top_group(path, "report", "SONATA report file", &file, &rep, d);
	if (rc != SNN_OK) {
		goto out;
	}
	rc = read_report(rep, path, t, d);
	H5Gclose(rep);
	H5Fclose(file);
out:
	h5_quiet_end(&q);
	if (rc != SNN_OK) {
		snn_trace_free(t);
		return rc;
	}
	*out = t;
	return SNN_OK;
}
