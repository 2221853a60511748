/*
 * Spike files: writing and reading SONATA's HDF5 spike layout and a CSV form.
 * Layer: sim core (formats). Writers go through a temporary file; readers
 * check every dataset they use and name the HDF5 path of a problem.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "h5util_int.h"
#include "mem_int.h"
#include "outfile_int.h"
#include "snn/spikes.h"
#include "textfile_int.h"

#define SPIKE_CHUNK 65536u

struct pop_out {
	char *name;
	hid_t grp, ds_t, ds_id;
	hsize_t len;
	double *buf_t;
	uint64_t *buf_id;
	size_t nbuf;
};

struct snn_spike_writer {
	enum snn_spike_format format;
	char *path;
	char *tmp;
	hid_t file;
	FILE *csv;
	int decimals; /* CSV: digits after the point that a time needs; -1: 17 significant */
	struct pop_out *pops;
	size_t n_pops;
	bool failed;
};

/* ------------------------------------------------------------------ writer */

static void write_provenance_h5(hid_t f, const snn_provenance *p)
{
	if (!p) {
		return;
	}
	if (p->software) {
		h5_attr_str(f, "software", p->software);
	}
	if (p->config_path) {
		h5_attr_str(f, "config_file", p->config_path);
	}
	if (p->config_text) {
		h5_attr_str(f, "config", p->config_text);
	}
	if (p->config_sha256) {
		h5_attr_str(f, "config_sha256", p->config_sha256);
	}
	h5_attr_u64(f, "seed", p->seed);
	h5_attr_i64(f, "threads", p->threads);
	if (p->engine) {
		h5_attr_str(f, "engine", p->engine);
	}
	h5_attr_f64(f, "dt_ms", p->dt_ms);
	h5_attr_f64(f, "duration_ms", p->duration_ms);
}

/* Digits after the decimal point needed to print multiples of dt exactly. */
static int decimals_for(double dt)
{
	if (!(dt > 0)) {
		return 6;
	}
	for (int k = 0; k <= 9; k++) {
		double s = dt * pow(10.0, k);
		if (fabs(s - nearbyint(s)) < 1e-9 * (s > 1 ? s : 1)) {
			return k;
		}
	}
	return 10;
}

static void write_provenance_csv(FILE *f, const snn_provenance *p)
{
	if (!p) {
		return;
	}
	if (p->software) {
		fprintf(f, "# software: %s\n", p->software);
	}
	if (p->config_path) {
		fprintf(f, "# config_file: %s\n", p->config_path);
	}
	if (p->config_sha256) {
		fprintf(f, "# config_sha256: %s\n", p->config_sha256);
	}
	fprintf(f, "# seed: %llu\n# threads: %d\n", (unsigned long long)p->seed, p->threads);
	if (p->engine) {
		fprintf(f, "# engine: %s\n", p->engine);
	}
	fprintf(f, "# dt_ms: %g\n# duration_ms: %g\n", p->dt_ms, p->duration_ms);
	if (p->config_text) {
		fprintf(f, "# config:\n");
		const char *s = p->config_text;
		while (*s) {
			const char *e = strchr(s, '\n');
			size_t n = e ? (size_t)(e - s) : strlen(s);
			fprintf(f, "#   %.*s\n", (int)n, s);
			s += n + (e ? 1 : 0);
		}
	}
}

/* Creates one population's group and datasets and its buffers: SNN_OK,
 * SNN_EIO (HDF5 failed) or SNN_ENOMEM. */
static int open_pop_h5(struct snn_spike_writer *w, struct pop_out *po, hid_t spikes)
{
	hid_t gcpl = h5_gcpl();
	po->grp = H5Gcreate2(spikes, po->name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
	H5Pclose(gcpl);
	if (po->grp < 0) {
		return SNN_EIO;
	}
	/* SONATA's sorting attribute: an enum of none, by_id, by_time. */
	hid_t et = H5Tenum_create(H5T_NATIVE_UINT8);
	uint8_t v;
	v = 0;
	H5Tenum_insert(et, "none", &v);
	v = 1;
	H5Tenum_insert(et, "by_id", &v);
	v = 2;
	H5Tenum_insert(et, "by_time", &v);
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t a = H5Acreate2(po->grp, "sorting", et, sp, H5P_DEFAULT, H5P_DEFAULT);
	v = 2;
	int rc = (a >= 0 && H5Awrite(a, et, &v) >= 0) ? 0 : -1;
	if (a >= 0) {
		H5Aclose(a);
	}
	H5Sclose(sp);
	H5Tclose(et);
	po->ds_t = h5_create_extendable(po->grp, "timestamps", H5T_IEEE_F64LE, SPIKE_CHUNK);
	po->ds_id = h5_create_extendable(po->grp, "node_ids", H5T_STD_U64LE, SPIKE_CHUNK);
	if (rc < 0 || po->ds_t < 0 || po->ds_id < 0 || h5_attr_str(po->ds_t, "units", "ms") < 0) {
		return SNN_EIO;
	}
	po->buf_t = mem_array_raw(SPIKE_CHUNK, sizeof(double));
	po->buf_id = mem_array_raw(SPIKE_CHUNK, sizeof(uint64_t));
	(void)w;
	return (po->buf_t && po->buf_id) ? SNN_OK : SNN_ENOMEM;
}

static void close_all(struct snn_spike_writer *w)
{
	for (size_t i = 0; i < w->n_pops; i++) {
		struct pop_out *po = &w->pops[i];
		if (po->ds_t > 0) {
			H5Dclose(po->ds_t);
		}
		if (po->ds_id > 0) {
			H5Dclose(po->ds_id);
		}
		if (po->grp > 0) {
			H5Gclose(po->grp);
		}
		po->ds_t = po->ds_id = po->grp = -1;
		free(po->buf_t);
		free(po->buf_id);
		free(po->name);
		po->buf_t = NULL;
		po->buf_id = NULL;
		po->name = NULL;
	}
	if (w->file > 0) {
		H5Fclose(w->file);
		w->file = -1;
	}
}

static void writer_free(struct snn_spike_writer *w)
{
	free(w->pops);
	free(w->path);
	free(w->tmp);
	free(w);
}

int snn_spike_writer_open(const char *path, enum snn_spike_format format,
			  const char *const *pop_names, size_t n_pops, const snn_provenance *prov,
			  snn_spike_writer **out, snn_diag *d)
{
	*out = NULL;
	struct snn_spike_writer *w = mem_zalloc(sizeof(*w));
	if (!w) {
		return mem_nomem(d);
	}
	w->format = format;
	w->file = -1;
	w->path = mem_strdup(path);
	w->tmp = outfile_temp_name(path);
	w->pops = mem_array(n_pops, sizeof(*w->pops));
	if (!w->path || !w->tmp || !w->pops) {
		writer_free(w);
		return mem_nomem(d);
	}
	w->n_pops = n_pops;
	for (size_t i = 0; i < n_pops; i++) {
		w->pops[i].grp = w->pops[i].ds_t = w->pops[i].ds_id = -1;
	}
	/* without a time grid (dt_ms 0, the event engine), times print with the
	 * 17 significant digits that read back to the same double */
	w->decimals = prov && !(prov->dt_ms > 0) ? -1 : decimals_for(prov ? prov->dt_ms : 0.0);
	if (format == SNN_SPIKES_CSV) {
		w->csv = fopen(w->tmp, "w");
		if (!w->csv) {
			int rc = snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot create: %s",
						strerror(errno));
			writer_free(w);
			return rc;
		}
		write_provenance_csv(w->csv, prov);
		fprintf(w->csv, "time_ms,population,node_id\n");
		for (size_t i = 0; i < n_pops; i++) {
			if (!(w->pops[i].name = mem_strdup(pop_names[i]))) {
				snn_spike_writer_abort(w);
				return mem_nomem(d);
			}
		}
		*out = w;
		return SNN_OK;
	}
	struct h5quiet q;
	h5_quiet_begin(&q);
	w->file = h5_create_file(w->tmp);
	if (w->file < 0) {
		h5_quiet_end(&q);
		int rc = snn_diag_error(d, SNN_EIO, path, 0, 0,
					"cannot create the HDF5 file (is the folder writable?)");
		writer_free(w);
		return rc;
	}
	write_provenance_h5(w->file, prov);
	hid_t gcpl = h5_gcpl();
	hid_t spikes = H5Gcreate2(w->file, "spikes", H5P_DEFAULT, gcpl, H5P_DEFAULT);
	H5Pclose(gcpl);
	int rc = spikes < 0 ? SNN_EIO : SNN_OK;
	for (size_t i = 0; rc == SNN_OK && i < n_pops; i++) {
		w->pops[i].name = mem_strdup(pop_names[i]);
		rc = w->pops[i].name ? open_pop_h5(w, &w->pops[i], spikes) : SNN_ENOMEM;
	}
	if (spikes >= 0) {
		H5Gclose(spikes);
	}
	h5_quiet_end(&q);
	if (rc == SNN_ENOMEM) {
		snn_spike_writer_abort(w);
		return mem_nomem(d);
	}
	if (rc != SNN_OK) {
		snn_spike_writer_abort(w);
		return snn_diag_error(d, SNN_EIO, path, 0, 0, "cannot create the spike datasets");
	}
	*out = w;
	return SNN_OK;
}

static int flush_pop(struct snn_spike_writer *w, struct pop_out *po)
{
	if (po->nbuf == 0) {
		return 0;
	}
	hsize_t len2 = po->len;
	int rc = h5_append(po->ds_t, H5T_NATIVE_DOUBLE, po->buf_t, po->nbuf, &po->len);
	rc |= h5_append(po->ds_id, H5T_NATIVE_UINT64, po->buf_id, po->nbuf, &len2);
	po->nbuf = 0;
	if (rc) {
		w->failed = true;
	}
	return rc;
}

int snn_spike_writer_append(snn_spike_writer *w, size_t pop, const double *t_ms,
			    const uint64_t *node_ids, size_t n, snn_diag *d)
{
	if (pop >= w->n_pops) {
		return snn_diag_error(d, SNN_EINVAL, w->path, 0, 0, "no population %zu", pop);
	}
	struct pop_out *po = &w->pops[pop];
	if (w->format == SNN_SPIKES_CSV) {
		for (size_t i = 0; i < n; i++) {
			if (w->decimals < 0) {
				fprintf(w->csv, "%.17g,%s,%llu\n", t_ms[i], po->name,
					(unsigned long long)node_ids[i]);
			} else {
				fprintf(w->csv, "%.*f,%s,%llu\n", w->decimals, t_ms[i], po->name,
					(unsigned long long)node_ids[i]);
			}
		}
		if (ferror(w->csv)) {
			w->failed = true;
			return snn_diag_error(d, SNN_EIO, w->path, 0, 0, "write error: %s",
					      strerror(errno));
		}
		return SNN_OK;
	}
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		po->buf_t[po->nbuf] = t_ms[i];
		po->buf_id[po->nbuf] = node_ids[i];
		if (++po->nbuf == SPIKE_CHUNK) {
			/* HDF5's error printing is silenced around the library calls
			 * only: appending is called often with a few spikes */
			struct h5quiet q;
			h5_quiet_begin(&q);
			rc = flush_pop(w, po);
			h5_quiet_end(&q);
		}
	}
	if (rc) {
		return snn_diag_error(d, SNN_EIO, w->path, 0, 0,
				      "cannot write spikes of population '%s' (disk full?)",
				      po->name);
	}
	return SNN_OK;
}

int snn_spike_writer_commit(snn_spike_writer *w, snn_diag *d)
{
	int rc = SNN_OK;
	if (w->format == SNN_SPIKES_CSV) {
		if (fclose(w->csv) != 0 || w->failed) {
			rc = snn_diag_error(d, SNN_EIO, w->path, 0, 0, "write error: %s",
					    strerror(errno));
		}
		w->csv = NULL;
	} else {
		struct h5quiet q;
		h5_quiet_begin(&q);
		for (size_t i = 0; i < w->n_pops; i++) {
			flush_pop(w, &w->pops[i]);
		}
		if (w->file >= 0 && H5Fflush(w->file, H5F_SCOPE_GLOBAL) < 0) {
			w->failed = true;
		}
		close_all(w);
		h5_quiet_end(&q);
		if (w->failed) {
			rc = snn_diag_error(d, SNN_EIO, w->path, 0, 0,
					    "cannot write the spike file");
		}
	}
	if (rc == SNN_OK) {
		rc = outfile_commit(w->tmp, w->path, d);
	} else {
		outfile_abort(w->tmp);
	}
	for (size_t i = 0; i < w->n_pops; i++) {
		free(w->pops[i].name);
	}
	writer_free(w);
	return rc;
}

void snn_spike_writer_abort(snn_spike_writer *w)
{
	if (!w) {
		return;
	}
	if (w->csv) {
		fclose(w->csv);
	}
	struct h5quiet q;
	h5_quiet_begin(&q);
	close_all(w);
	h5_quiet_end(&q);
	outfile_abort(w->tmp);
	for (size_t i = 0; i < w->n_pops; i++) {
		free(w->pops[i].name);
	}
	writer_free(w);
}

/* ------------------------------------------------------------------ reader */

void snn_spike_data_free(snn_spike_data *s)
{
	if (!s) {
		return;
	}
	for (size_t i = 0; i < s->n_pops; i++) {
		free(s->pops[i].name);
		free(s->pops[i].t_ms);
		free(s->pops[i].node_ids);
	}
	free(s->pops);
	free(s);
}

const snn_spike_population *snn_spike_data_find(const snn_spike_data *s, const char *name)
{
	for (size_t i = 0; s && i < s->n_pops; i++) {
		if (strcmp(s->pops[i].name, name) == 0) {
			return &s->pops[i];
		}
	}
	return NULL;
}

static snn_spike_population *add_pop(snn_spike_data *s, const char *name)
{
	snn_spike_population *p = mem_resize(s->pops, s->n_pops + 1, sizeof(*p));
	if (!p) {
		return NULL;
	}
	s->pops = p;
	p = &s->pops[s->n_pops];
	memset(p, 0, sizeof(*p));
	p->name = mem_strdup(name);
	if (!p->name) {
		return NULL;
	}
	s->n_pops++;
	return p;
}

/* Reads a 1-d numeric dataset into a new array of `mtype` elements. With
 * `integer`, only integer datasets are accepted, and signed ones must hold no
 * negative value (HDF5 would clip it to 0 on its way to an unsigned type). */
static int read_1d(hid_t loc, const char *name, const char *path, const char *gpath, bool integer,
		   hid_t mtype, size_t esize, void **out, hsize_t *n, snn_diag *d)
{
	*out = NULL;
	struct h5_dataset x;
	enum h5_fault f = h5_dataset_open(loc, name, &x);
	int rc = SNN_OK;
	if (f == H5U_MISSING) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0, "%s/%s: missing dataset", gpath,
				    name);
		goto out;
	}
	if (f == H5U_GROUP || f == H5U_NOT_DATASET) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0, "%s/%s: not a dataset", gpath, name);
		goto out;
	}
	if (x.rank != 1) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0,
				    "%s/%s: expected a 1-d dataset, found %d dimensions", gpath,
				    name, x.rank);
		goto out;
	}
	if (!(x.cls == H5T_INTEGER || (!integer && x.cls == H5T_FLOAT))) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0, "%s/%s: expected %s numbers", gpath,
				    name, integer ? "integer" : "real");
		goto out;
	}
	*n = x.dims[0];
	/* signed integers are read as such, so that a negative one is seen */
	bool sign = integer && esize == sizeof(int64_t) && H5Tget_sign(x.type) == H5T_SGN_2;
	f = h5_dataset_read(&x, sign ? H5T_NATIVE_INT64 : mtype, esize, out);
	if (f == H5U_TOO_LARGE) {
		rc = snn_diag_error(d, SNN_ENOMEM, path, 0, 0,
				    "%s/%s: %llu entries do not fit in memory", gpath, name,
				    (unsigned long long)*n);
	} else if (f == H5U_NOMEM) {
		rc = mem_nomem(d);
	} else if (f == H5U_TRUNCATED) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0,
				    "%s/%s: cannot read (is the file truncated?)", gpath, name);
	}
	for (hsize_t i = 0; rc == SNN_OK && sign && i < *n; i++) {
		int64_t v = ((const int64_t *)*out)[i];
		if (v < 0) {
			rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0,
					    "%s/%s: entry %llu is negative (%lld)", gpath, name,
					    (unsigned long long)i, (long long)v);
		}
	}
	if (rc != SNN_OK) {
		mem_free(*out);
		*out = NULL;
	}
out:
	h5_dataset_close(&x);
	return rc;
}

/* Reads one population group (timestamps + node_ids, or the older gids). */
static int read_pop_h5(hid_t grp, const char *gpath, const char *name, const char *path,
		       snn_spike_data *s, snn_diag *d)
{
	hsize_t nt = 0, ni = 0;
	double *t = NULL;
	uint64_t *ids = NULL;
	const char *idname = H5Lexists(grp, "node_ids", H5P_DEFAULT) > 0 ? "node_ids"
			     : H5Lexists(grp, "gids", H5P_DEFAULT) > 0	 ? "gids"
									 : "node_ids";
	int rc = read_1d(grp, "timestamps", path, gpath, false, H5T_NATIVE_DOUBLE, sizeof(double),
			 (void **)&t, &nt, d);
	if (rc == SNN_OK) {
		rc = read_1d(grp, idname, path, gpath, true, H5T_NATIVE_UINT64, sizeof(uint64_t),
			     (void **)&ids, &ni, d);
	}
	if (rc == SNN_OK && nt != ni) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0,
				    "%s: timestamps has %llu entries but %s has %llu", gpath,
				    (unsigned long long)nt, idname, (unsigned long long)ni);
	}
	if (rc == SNN_OK) {
		hid_t ds = H5Dopen2(grp, "timestamps", H5P_DEFAULT);
		char *units = ds >= 0 ? h5_read_attr_str(ds, "units") : NULL;
		if (ds >= 0) {
			H5Dclose(ds);
		}
		double scale = 1.0;
		if (units && strcmp(units, "s") == 0) {
			scale = 1000.0;
		} else if (units && strcmp(units, "ms") != 0) {
			rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0,
					    "%s/timestamps: unknown units '%s' (expected ms or s)",
					    gpath, units);
		}
		free(units);
		for (hsize_t i = 0; rc == SNN_OK && i < nt; i++) {
			t[i] *= scale;
			if (!isfinite(t[i])) {
				rc =
				    snn_diag_error(d, SNN_EPARSE, path, 0, 0,
						   "%s/timestamps: entry %llu is not a finite time",
						   gpath, (unsigned long long)i);
			}
		}
	}
	if (rc == SNN_OK) {
		snn_spike_population *p = add_pop(s, name);
		if (!p) {
			rc = mem_nomem(d);
		} else {
			p->n = nt;
			p->t_ms = t;
			p->node_ids = ids;
			return SNN_OK;
		}
	}
	free(t);
	free(ids);
	return rc;
}

/* Reads every population group under /spikes, in name order. */
static int read_groups(hid_t g, const char *path, snn_spike_data *s, snn_diag *d)
{
	H5G_info_t gi;
	if (H5Gget_info(g, &gi) < 0) {
		return snn_diag_error(d, SNN_EPARSE, path, 0, 0,
				      "/spikes: cannot list populations (truncated file?)");
	}
	for (hsize_t i = 0; i < gi.nlinks; i++) {
		char name[256];
		ssize_t nl = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name,
						sizeof(name), H5P_DEFAULT);
		if (nl < 0 || (size_t)nl >= sizeof(name)) {
			return snn_diag_error(d, SNN_EPARSE, path, 0, 0,
					      "/spikes: cannot read the name of member %llu",
					      (unsigned long long)i);
		}
		hid_t o = H5Oopen(g, name, H5P_DEFAULT);
		if (o < 0) {
			return snn_diag_error(d, SNN_EPARSE, path, 0, 0, "/spikes/%s: cannot open",
					      name);
		}
		bool group = H5Iget_type(o) == H5I_GROUP;
		int rc = SNN_OK;
		if (group) {
			char gpath[300];
			snprintf(gpath, sizeof(gpath), "/spikes/%s", name);
			rc = read_pop_h5(o, gpath, name, path, s, d);
		}
		H5Oclose(o);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	return SNN_OK;
}

static int read_h5(const char *path, snn_spike_data *s, snn_diag *d)
{
	struct h5quiet q;
	h5_quiet_begin(&q);
	int rc = SNN_OK;
	hid_t f, g;
	rc = h5_open_top_group(path, "spikes", "SONATA spike file", &f, &g, d);
	if (rc != SNN_OK) {
		goto out;
	}
	if (H5Lexists(g, "timestamps", H5P_DEFAULT) > 0) {
		/* older SONATA: /spikes/timestamps and /spikes/gids, one population */
		rc = read_pop_h5(g, "/spikes", "default", path, s, d);
	} else {
		rc = read_groups(g, path, s, d);
	}
	H5Gclose(g);
	if (rc == SNN_OK && s->n_pops == 0) {
		rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0, "/spikes: holds no populations");
	}
	H5Fclose(f);
out:
	h5_quiet_end(&q);
	return rc;
}

/* Appends to a population of a growing result (for CSV). */
static int push_spike(snn_spike_population *p, uint64_t *cap, double t, uint64_t id)
{
	if (p->n == *cap) {
		uint64_t c = *cap ? *cap * 2 : 1024;
		double *tt = mem_resize(p->t_ms, c, sizeof(double));
		if (!tt) {
			return -1;
		}
		p->t_ms = tt;
		uint64_t *ii = mem_resize(p->node_ids, c, sizeof(uint64_t));
		if (!ii) {
			return -1;
		}
		p->node_ids = ii;
		*cap = c;
	}
	p->t_ms[p->n] = t;
	p->node_ids[p->n] = id;
	p->n++;
	return 0;
}

static int read_csv(const char *path, snn_spike_data *s, snn_diag *d)
{
	char *text;
	size_t len;
	int rc = textfile_read(path, &text, &len, d);
	if (rc != SNN_OK) {
		return rc;
	}
	uint64_t *caps = NULL;
	int line = 0;
	/* line by line, blank ones included, so that diagnostics count them */
	for (char *ln = text, *next; ln; ln = next) {
		char *nl = strchr(ln, '\n');
		next = nl ? nl + 1 : NULL;
		if (nl) {
			*nl = '\0';
		}
		line++;
		size_t n = strlen(ln);
		if (n && ln[n - 1] == '\r') {
			ln[--n] = '\0';
		}
		char *p = ln;
		while (isspace((unsigned char)*p)) {
			p++;
		}
		if (!*p || *p == '#') {
			continue;
		}
		if (isalpha((unsigned char)*p) && s->n_pops == 0 && strncmp(p, "time", 4) == 0) {
			continue; /* header line */
		}
		char *f[3];
		int nf = 0;
		bool extra = false;
		for (char *tok = p; nf < 3;) {
			f[nf++] = tok;
			char *c = strchr(tok, ',');
			if (!c) {
				break;
			}
			if (nf == 3) {
				extra = true; /* a fourth field */
				break;
			}
			*c = '\0';
			tok = c + 1;
		}
		if (nf < 2 || extra) {
			rc = snn_diag_error(d, SNN_EPARSE, path, line, 0,
					    "expected 'time_ms,population,node_id' or "
					    "'time_ms,node_id'");
			break;
		}
		char *end;
		errno = 0;
		double t = strtod(f[0], &end);
		while (isspace((unsigned char)*end)) {
			end++;
		}
		if (end == f[0] || *end || !isfinite(t)) {
			rc = snn_diag_error(d, SNN_EPARSE, path, line, 0,
					    "'%s' is not a spike time in ms", f[0]);
			break;
		}
		const char *pname = "default";
		const char *idtxt = nf == 3 ? f[2] : f[1];
		if (nf == 3) {
			char *pn = f[1];
			while (isspace((unsigned char)*pn)) {
				pn++;
			}
			size_t pl = strlen(pn);
			while (pl > 0 && isspace((unsigned char)pn[pl - 1])) {
				pn[--pl] = '\0';
			}
			pname = pn;
		}
		if (!*pname) {
			rc =
			    snn_diag_error(d, SNN_EPARSE, path, line, 0, "missing population name");
			break;
		}
		errno = 0;
		unsigned long long id = strtoull(idtxt, &end, 10);
		while (isspace((unsigned char)*end)) {
			end++;
		}
		if (end == idtxt || *end || strchr(idtxt, '-')) {
			rc = snn_diag_error(d, SNN_EPARSE, path, line, 0,
					    "'%s' is not a node id (a whole number)", idtxt);
			break;
		}
		if (errno == ERANGE) {
			rc = snn_diag_error(d, SNN_EPARSE, path, line, 0,
					    "'%s' is too large for a node id", idtxt);
			break;
		}
		size_t k = 0;
		while (k < s->n_pops && strcmp(s->pops[k].name, pname) != 0) {
			k++;
		}
		if (k == s->n_pops) {
			uint64_t *c2 = mem_resize(caps, s->n_pops + 1, sizeof(uint64_t));
			if (!c2 || !add_pop(s, pname)) {
				free(c2 ? c2 : caps);
				caps = NULL;
				rc = mem_nomem(d);
				break;
			}
			caps = c2;
			caps[k] = 0;
		}
		if (push_spike(&s->pops[k], &caps[k], t, id) != 0) {
			rc = mem_nomem(d);
			break;
		}
	}
	if (rc == SNN_OK && s->n_pops == 0) {
		/* an empty spike list is valid: one empty default population */
		if (!add_pop(s, "default")) {
			rc = mem_nomem(d);
		}
	}
	free(caps);
	free(text);
	return rc;
}

int snn_spike_data_read(const char *path, snn_spike_data **out, snn_diag *d)
{
	*out = NULL;
	int rc = h5_check_readable(path, d);
	if (rc != SNN_OK) {
		return rc;
	}
	snn_spike_data *s = mem_zalloc(sizeof(*s));
	if (!s) {
		return mem_nomem(d);
	}
	size_t plen = strlen(path);
	bool csv = plen > 4 && strcmp(path + plen - 4, ".csv") == 0;
	if (csv || !h5_is_hdf5(path)) {
		if (!csv && (plen > 3 && (strcmp(path + plen - 3, ".h5") == 0 ||
					  (plen > 5 && strcmp(path + plen - 5, ".hdf5") == 0)))) {
			rc = snn_diag_error(d, SNN_EPARSE, path, 0, 0,
					    "not an HDF5 file (no HDF5 signature at its start)");
		} else {
			rc = read_csv(path, s, d);
		}
	} else {
		rc = read_h5(path, s, d);
	}
	if (rc != SNN_OK) {
		snn_spike_data_free(s);
		return rc;
	}
	*out = s;
	return SNN_OK;
}
