/*
 * Helpers shared by the Check programs (testutil.h).
 * Layer: tests.
 */
#define _GNU_SOURCE
#include "config.h"

#include <check.h>
#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

const char *tu_fixtures(void)
{
	const char *f = getenv("SNN_FIXTURES");
	struct stat st;
	if (!f || stat(f, &st) != 0 || !S_ISDIR(st.st_mode)) {
		return NULL;
	}
	return f;
}

const char *tu_fixture(const char *rel)
{
	static char buf[4096];
	const char *f = tu_fixtures();
	if (!f) {
		return NULL;
	}
	snprintf(buf, sizeof(buf), "%s/%s", f, rel);
	return buf;
}

const char *tu_tmpdir(const char *name)
{
	static char buf[4096];
	const char *b = getenv("SNN_BUILDDIR");
	snprintf(buf, sizeof(buf), "%s/tests/tmp", b ? b : ".");
	mkdir(buf, 0777);
	snprintf(buf, sizeof(buf), "%s/tests/tmp/%s.%ld", b ? b : ".", name, (long)getpid());
	mkdir(buf, 0777);
	return buf;
}

snn_net *tu_load(const char *yaml)
{
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	int rc = snn_config_load_string(yaml, strlen(yaml), "test.yaml", NULL, &net, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	snn_diag_free(d);
	return net;
}

char *tu_load_errors(const char *yaml)
{
	snn_diag *d = snn_diag_new();
	snn_net *net = NULL;
	int rc = snn_config_load_string(yaml, strlen(yaml), "test.yaml", NULL, &net, d);
	ck_assert_msg(rc != SNN_OK, "the config was expected to fail");
	ck_assert_ptr_null(net);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	snn_diag_print(d, f);
	fclose(f);
	snn_diag_free(d);
	return buf;
}

snn_spike_data *tu_run(snn_net *net, int threads, snn_stats *stats_out)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/spikes.h5", tu_tmpdir("run"));
	snn_sim_options opt;
	memset(&opt, 0, sizeof(opt));
	opt.threads = threads;
	opt.spike_path = path;
	opt.format = SNN_SPIKES_HDF5;
	opt.record_all = true;
	opt.software = "test";
	snn_diag *d = snn_diag_new();
	snn_sim *sim = NULL;
	int rc = snn_sim_new(net, &opt, &sim, d);
	if (rc == SNN_OK) {
		rc = snn_sim_run(sim, d);
	}
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	if (stats_out) {
		*stats_out = *snn_sim_stats(sim);
		/* arrays belong to the simulation: keep only the scalars */
		stats_out->pop_names = NULL;
		stats_out->pop_sizes = NULL;
		stats_out->pop_spikes = NULL;
		stats_out->rates_hz = NULL;
		stats_out->spike_file = NULL;
		stats_out->engine = NULL;
	}
	snn_sim_free(sim);
	snn_spike_data *sd = NULL;
	rc = snn_spike_data_read(path, &sd, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	snn_diag_free(d);
	unlink(path);
	return sd;
}

double *tu_spike_times(const snn_spike_data *s, const char *pop, uint64_t id, size_t *n)
{
	const snn_spike_population *p = snn_spike_data_find(s, pop);
	ck_assert_ptr_nonnull(p);
	double *t = malloc((p->n ? p->n : 1) * sizeof(double));
	ck_assert_ptr_nonnull(t);
	size_t k = 0;
	for (uint64_t i = 0; i < p->n; i++) {
		if (p->node_ids[i] == id) {
			t[k++] = p->t_ms[i];
		}
	}
	*n = k;
	return t;
}

double *tu_read_trace(const char *path, const char *pop, size_t *rows, size_t *cols)
{
	char name[512];
	snprintf(name, sizeof(name), "/report/%s/data", pop);
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	ck_assert_msg(f >= 0, "cannot open %s", path);
	hid_t ds = H5Dopen2(f, name, H5P_DEFAULT);
	ck_assert_msg(ds >= 0, "no %s in %s", name, path);
	hid_t sp = H5Dget_space(ds);
	hsize_t dims[2];
	ck_assert_int_eq(H5Sget_simple_extent_ndims(sp), 2);
	H5Sget_simple_extent_dims(sp, dims, NULL);
	hsize_t total = dims[0] * dims[1];
	double *v = malloc((total > 0 ? total : 1) * sizeof(double));
	ck_assert_ptr_nonnull(v);
	if (total > 0) {
		ck_assert(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
	}
	H5Sclose(sp);
	H5Dclose(ds);
	H5Fclose(f);
	*rows = dims[0];
	*cols = dims[1];
	return v;
}

char *tu_fmt(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	ck_assert_int_ge(vasprintf(&s, fmt, ap), 0);
	va_end(ap);
	return s;
}

static int cmp_time_id(const void *a, const void *b)
{
	const double *x = a, *y = b;
	return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

uint64_t tu_same_spikes(const snn_spike_data *a, const char *pa, const snn_spike_data *b,
			const char *pb)
{
	const snn_spike_population *x = snn_spike_data_find(a, pa);
	const snn_spike_population *y = snn_spike_data_find(b, pb);
	ck_assert_msg(x && y, "population %s / %s missing", pa, pb);
	ck_assert_msg(x->n == y->n, "%s: %llu spikes, %s: %llu", pa, (unsigned long long)x->n, pb,
		      (unsigned long long)y->n);
	double *p = malloc((x->n ? x->n : 1) * 2 * sizeof(double));
	double *q = malloc((x->n ? x->n : 1) * 2 * sizeof(double));
	ck_assert(p && q);
	for (uint64_t k = 0; k < x->n; k++) {
		p[2 * k] = x->t_ms[k];
		p[2 * k + 1] = (double)x->node_ids[k];
		q[2 * k] = y->t_ms[k];
		q[2 * k + 1] = (double)y->node_ids[k];
	}
	qsort(p, x->n, 2 * sizeof(double), cmp_time_id);
	qsort(q, x->n, 2 * sizeof(double), cmp_time_id);
	for (uint64_t k = 0; k < 2 * x->n; k++) {
		ck_assert_msg(p[k] == q[k], "%s: spike %llu differs (%g vs %g)", pa,
			      (unsigned long long)(k / 2), p[k], q[k]);
	}
	free(p);
	free(q);
	return x->n;
}

long tu_file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fclose(f);
	return n;
}

uint32_t tu_image_version(const char *path)
{
	unsigned char b[12];
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_uint_eq(fread(b, 1, 12, f), 12);
	fclose(f);
	return (uint32_t)b[8] | (uint32_t)b[9] << 8 | (uint32_t)b[10] << 16 | (uint32_t)b[11] << 24;
}
