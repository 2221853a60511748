/*
 * SONATA report files for state traces (membrane potential, currents).
 * Layer: sim core (formats), internal.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "h5util_int.h"
#include "mem_int.h"
#include "outfile_int.h"
#include "tracefile_int.h"

struct trace_writer {
	char *path;
	char *tmp;
	hid_t file, grp, data;
	uint32_t n;
	hsize_t rows;
	double t0, interval;
	bool failed;
};

static void tw_close(struct trace_writer *w)
{
	if (w->data >= 0) {
		H5Dclose(w->data);
	}
	if (w->grp >= 0) {
		H5Gclose(w->grp);
	}
	if (w->file >= 0) {
		H5Fclose(w->file);
	}
	w->data = w->grp = w->file = -1;
}

static void tw_free(struct trace_writer *w)
{
	free(w->path);
	free(w->tmp);
	free(w);
}

static int write_1d(hid_t loc, const char *name, hid_t ftype, hid_t mtype, const void *v, hsize_t n)
{
	hid_t sp = H5Screate_simple(1, &n, NULL);
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
	H5Pset_obj_track_times(dcpl, 0);
	hid_t ds = H5Dcreate2(loc, name, ftype, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	int rc = (ds >= 0 && (n == 0 || H5Dwrite(ds, mtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0))
		     ? 0
		     : -1;
	if (ds >= 0) {
		H5Dclose(ds);
	}
	H5Pclose(dcpl);
	H5Sclose(sp);
	return rc;
}

int trace_writer_open(const char *path, const char *pop_name, const uint64_t *node_ids, uint32_t n,
		      const char *var, const char *unit, double t0_ms, double interval_ms,
		      const snn_provenance *prov, struct trace_writer **out, snn_diag *d)
{
	*out = NULL;
	struct trace_writer *w = mem_zalloc(sizeof(*w));
	if (!w) {
		return mem_nomem(d);
	}
	w->file = w->grp = w->data = -1;
	w->n = n;
	w->t0 = t0_ms;
	w->interval = interval_ms;
	w->path = mem_strdup(path);
	w->tmp = outfile_temp_name(path);
	uint64_t *ptr = mem_array((size_t)n + 1, sizeof(uint64_t));
	uint32_t *zeros = mem_array(n, sizeof(uint32_t));
	float *pos = mem_array(n, sizeof(float));
	if (!w->path || !w->tmp || !ptr || !zeros || !pos) {
		free(ptr);
		free(zeros);
		free(pos);
		tw_free(w);
		return mem_nomem(d);
	}
	for (uint32_t i = 0; i <= n; i++) {
		ptr[i] = i;
	}
	struct h5quiet q;
	h5_quiet_begin(&q);
	int rc = -1;
	w->file = h5_create_file(w->tmp);
	if (w->file >= 0) {
		if (prov) {
			if (prov->software) {
				h5_attr_str(w->file, "software", prov->software);
			}
			if (prov->config_sha256) {
				h5_attr_str(w->file, "config_sha256", prov->config_sha256);
			}
			h5_attr_u64(w->file, "seed", prov->seed);
			h5_attr_i64(w->file, "threads", prov->threads);
			if (prov->engine) {
				h5_attr_str(w->file, "engine", prov->engine);
			}
		}
		hid_t gcpl = h5_gcpl();
		hid_t rep = H5Gcreate2(w->file, "report", H5P_DEFAULT, gcpl, H5P_DEFAULT);
		w->grp = rep >= 0 ? H5Gcreate2(rep, pop_name, H5P_DEFAULT, gcpl, H5P_DEFAULT) : -1;
		hid_t map = w->grp >= 0
				? H5Gcreate2(w->grp, "mapping", H5P_DEFAULT, gcpl, H5P_DEFAULT)
				: -1;
		if (map >= 0 &&
		    write_1d(map, "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, node_ids, n) == 0 &&
		    write_1d(map, "element_ids", H5T_STD_U32LE, H5T_NATIVE_UINT32, zeros, n) == 0 &&
		    write_1d(map, "element_pos", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, pos, n) == 0 &&
		    write_1d(map, "index_pointers", H5T_STD_U64LE, H5T_NATIVE_UINT64, ptr,
			     (hsize_t)n + 1) == 0) {
			hsize_t dims[2] = {0, n}, maxd[2] = {H5S_UNLIMITED, n};
			hsize_t rows = n ? (65536 / n) : 1;
			hsize_t chunk[2] = {rows ? rows : 1, n ? n : 1};
			hid_t sp = H5Screate_simple(2, dims, maxd);
			hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
			H5Pset_obj_track_times(dcpl, 0);
			H5Pset_chunk(dcpl, 2, chunk);
			w->data = H5Dcreate2(w->grp, "data", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl,
					     H5P_DEFAULT);
			H5Pclose(dcpl);
			H5Sclose(sp);
			if (w->data >= 0 && h5_attr_str(w->data, "units", unit) == 0 &&
			    h5_attr_str(w->data, "variable_name", var) == 0) {
				rc = 0;
			}
		}
		if (map >= 0) {
			H5Gclose(map);
		}
		if (rep >= 0) {
			H5Gclose(rep);
		}
		H5Pclose(gcpl);
	}
	h5_quiet_end(&q);
	free(ptr);
	free(zeros);
	free(pos);
	if (rc != 0) {
		trace_writer_abort(w);
		return snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot create the trace file");
	}
	*out = w;
	return SNN_OK;
}

int trace_writer_append(struct trace_writer *w, const double *rows, uint32_t n_rows, snn_diag *d)
{
	if (n_rows == 0 || w->n == 0) {
		w->rows += n_rows;
		return SNN_OK;
	}
	struct h5quiet q;
	h5_quiet_begin(&q);
	int rc = -1;
	hsize_t newdims[2] = {w->rows + n_rows, w->n};
	if (H5Dset_extent(w->data, newdims) >= 0) {
		hid_t fs = H5Dget_space(w->data);
		hsize_t start[2] = {w->rows, 0}, count[2] = {n_rows, w->n};
		hid_t ms = H5Screate_simple(2, count, NULL);
		if (fs >= 0 && ms >= 0 &&
		    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
		    H5Dwrite(w->data, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, rows) >= 0) {
			rc = 0;
		}
		if (ms >= 0) {
			H5Sclose(ms);
		}
		if (fs >= 0) {
			H5Sclose(fs);
		}
	}
	h5_quiet_end(&q);
	if (rc != 0) {
		w->failed = true;
		return snn_diag_error(d, SNN_EIO, w->path, 0, 0,
				      "cannot write traces (disk full?)");
	}
	w->rows += n_rows;
	return SNN_OK;
}

int trace_writer_commit(struct trace_writer *w, snn_diag *d)
{
	struct h5quiet q;
	h5_quiet_begin(&q);
	double tm[3] = {w->t0, w->t0 + (double)w->rows * w->interval, w->interval};
	hid_t map = w->grp >= 0 ? H5Gopen2(w->grp, "mapping", H5P_DEFAULT) : -1;
	int rc = 0;
	if (map < 0 || write_1d(map, "time", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, tm, 3) != 0) {
		rc = -1;
	} else {
		hid_t ds = H5Dopen2(map, "time", H5P_DEFAULT);
		if (ds >= 0) {
			h5_attr_str(ds, "units", "ms");
			H5Dclose(ds);
		}
	}
	if (map >= 0) {
		H5Gclose(map);
	}
	tw_close(w);
	h5_quiet_end(&q);
	int out;
	if (rc != 0 || w->failed) {
		outfile_abort(w->tmp);
		out = snn_diag_error(d, SNN_EIO, w->path, 0, 0, "cannot write the trace file");
	} else {
		out = outfile_commit(w->tmp, w->path, d);
	}
	tw_free(w);
	return out;
}

void trace_writer_abort(struct trace_writer *w)
{
	if (!w) {
		return;
	}
	struct h5quiet q;
	h5_quiet_begin(&q);
	tw_close(w);
	h5_quiet_end(&q);
	outfile_abort(w->tmp);
	tw_free(w);
}
