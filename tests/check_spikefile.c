/*
 * Tests of the spike files (sim/io/spikefile.c, include/snn/spikes.h): HDF5 and
 * CSV round trips, the SONATA layout as seen through the HDF5 C API, atomic
 * commit and abort, and every bad input with its exact diagnostic (printed
 * without any HDF5 error stack, leaving no HDF5 object open).
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "snn/spikes.h"
#include "testutil.h"

#define PATH_LEN 4400

/* Check records every passing ck_assert (a write each time): loops over many
 * values test with this, which only reports a failure. */
#define EXPECT(cond, ...)                          \
	do {                                       \
		if (!(cond)) {                     \
			ck_abort_msg(__VA_ARGS__); \
		}                                  \
	} while (0)

/* ------------------------------------------------------------ helpers */

/* A fresh scratch folder (copied: tu_tmpdir reuses its buffer). */
static void scratch(char *dir, const char *name)
{
	int n = snprintf(dir, PATH_LEN, "%s", tu_tmpdir(name));
	ck_assert(n > 0 && n < PATH_LEN);
}

static void join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_LEN, "%s/%s", dir, name);
	ck_assert(n > 0 && n < PATH_LEN);
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Number of entries in a folder; the first one's name goes to first. */
static int count_entries(const char *dir, char *first, size_t len)
{
	DIR *dp = opendir(dir);
	ck_assert_ptr_nonnull(dp);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dp)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
			continue;
		}
		if (n++ == 0 && first) {
			snprintf(first, len, "%s", e->d_name);
		}
	}
	closedir(dp);
	return n;
}

static void write_text(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	ck_assert_ptr_nonnull(f);
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got == 0) {
			break;
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len) {
		*len = n;
	}
	return buf;
}

/* stderr goes to a file between capture_begin and capture_end, which returns
 * what was written there (caller frees). */
struct capture {
	int saved;
	char path[PATH_LEN];
};

static void capture_begin(struct capture *c, const char *dir)
{
	join(c->path, dir, "stderr.txt");
	fflush(stderr);
	int fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	c->saved = dup(2);
	ck_assert_int_ge(c->saved, 0);
	ck_assert_int_ge(dup2(fd, 2), 0);
	close(fd);
}

static char *capture_end(struct capture *c)
{
	fflush(stderr);
	ck_assert_int_ge(dup2(c->saved, 2), 0);
	close(c->saved);
	char *s = read_all(c->path, NULL);
	unlink(c->path);
	return s;
}

/* Every diagnostic as printed (caller frees). */
static char *printed(const snn_diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	snn_diag_print(d, f);
	fclose(f);
	return buf;
}

/* HDF5 objects (files, groups, datasets, ...) open in this process. */
static ssize_t h5_open_objects(void)
{
	return H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
}

static void assert_no_open_h5(void)
{
	ck_assert_int_eq(h5_open_objects(), 0);
}

/* Reads `path`, which must succeed quietly; the caller frees the result. */
static snn_spike_data *read_ok(const char *path)
{
	char dir[PATH_LEN];
	scratch(dir, "stderr");
	struct capture c;
	ssize_t open_before = h5_open_objects();
	capture_begin(&c, dir);
	snn_diag *d = snn_diag_new();
	snn_spike_data *s = NULL;
	int rc = snn_spike_data_read(path, &s, d);
	char *err = capture_end(&c);
	char *msg = printed(d);
	ck_assert_msg(rc == SNN_OK, "reading %s failed: %s", path, msg);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(snn_diag_count(d), 0);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(h5_open_objects(), open_before);
	free(err);
	free(msg);
	snn_diag_free(d);
	return s;
}

/* Reads `path`, which must fail with `code` and exactly one diagnostic,
 * printed as `path[:line]: error: want`, with nothing on stderr and no HDF5
 * object left open. */
static void read_fails(const char *path, int code, int line, const char *want)
{
	char dir[PATH_LEN];
	scratch(dir, "stderr");
	struct capture c;
	capture_begin(&c, dir);
	snn_diag *d = snn_diag_new();
	snn_spike_data *s = (snn_spike_data *)&c; /* must be reset to NULL */
	int rc = snn_spike_data_read(path, &s, d);
	char *err = capture_end(&c);
	char *got = printed(d);
	char exp[2 * PATH_LEN];
	if (line > 0) {
		snprintf(exp, sizeof(exp), "%s:%d: error: %s\n", path, line, want);
	} else {
		snprintf(exp, sizeof(exp), "%s: error: %s\n", path, want);
	}
	ck_assert_str_eq(got, exp);
	ck_assert_int_eq(rc, code);
	ck_assert_int_eq(snn_diag_first_code(d), code);
	ck_assert_ptr_null(s);
	ck_assert_msg(err[0] == '\0', "stderr: %s", err);
	assert_no_open_h5();
	free(err);
	free(got);
	snn_diag_free(d);
}

static const snn_provenance prov = {
    .software = "Spikeforge test",
    .config_path = "net.yaml",
    .config_text = "dt: 0.1 ms\nduration: 10 ms\n",
    .config_sha256 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    .seed = 18446744073709551557ull,
    .threads = 4,
    .engine = "cpu",
    .dt_ms = 0.1,
    .duration_ms = 10.0,
};

/* Writes a file with the given populations; spikes[i] has n[i] entries. */
struct pop_spikes {
	const char *name;
	size_t n;
	const double *t;
	const uint64_t *id;
};

static void write_file(const char *path, enum snn_spike_format fmt, const struct pop_spikes *p,
		       size_t np, const snn_provenance *pv)
{
	const char *names[8];
	ck_assert_uint_le(np, 8);
	for (size_t i = 0; i < np; i++) {
		names[i] = p[i].name;
	}
	snn_diag *d = snn_diag_new();
	snn_spike_writer *w = NULL;
	ck_assert_int_eq(snn_spike_writer_open(path, fmt, names, np, pv, &w, d), SNN_OK);
	ck_assert_ptr_nonnull(w);
	/* interleave the populations, a few spikes at a time */
	size_t done[8] = {0};
	for (bool more = true; more;) {
		more = false;
		for (size_t i = 0; i < np; i++) {
			size_t k = p[i].n - done[i] < 3 ? p[i].n - done[i] : 3;
			const double *t = p[i].t ? p[i].t + done[i] : NULL;
			const uint64_t *id = p[i].id ? p[i].id + done[i] : NULL;
			ck_assert_int_eq(snn_spike_writer_append(w, i, t, id, k, d), SNN_OK);
			done[i] += k;
			more |= done[i] < p[i].n;
		}
	}
	ck_assert_int_eq(snn_spike_writer_commit(w, d), SNN_OK);
	ck_assert_uint_eq(snn_diag_count(d), 0);
	snn_diag_free(d);
}

static void assert_pop(const snn_spike_data *s, const struct pop_spikes *want)
{
	const snn_spike_population *p = snn_spike_data_find(s, want->name);
	ck_assert_msg(p != NULL, "population %s missing", want->name);
	ck_assert_str_eq(p->name, want->name);
	ck_assert_uint_eq(p->n, want->n);
	for (size_t i = 0; i < want->n; i++) {
		EXPECT(p->t_ms[i] == want->t[i], "%s[%zu]: %.17g != %.17g", want->name, i,
		       p->t_ms[i], want->t[i]);
		EXPECT(p->node_ids[i] == want->id[i], "%s[%zu]: id %llu != %llu", want->name, i,
		       (unsigned long long)p->node_ids[i], (unsigned long long)want->id[i]);
	}
}

/* HDF5 fixtures, written with the C API directly. */
static hid_t h5_new(const char *path)
{
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
	ck_assert_int_ge(f, 0);
	return f;
}

static hid_t h5_group(hid_t loc, const char *name)
{
	hid_t g = H5Gcreate2(loc, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	ck_assert_int_ge(g, 0);
	return g;
}

/* A dataset of `rank` dims (rank 0: scalar) holding data of memory type mt
 * stored as file type ft. */
static void h5_dataset(hid_t loc, const char *name, hid_t ft, hid_t mt, int rank,
		       const hsize_t *dims, const void *data)
{
	hid_t sp = rank == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(rank, dims, NULL);
	ck_assert_int_ge(sp, 0);
	hid_t ds = H5Dcreate2(loc, name, ft, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
	ck_assert_int_ge(ds, 0);
	if (data) {
		ck_assert_int_ge(H5Dwrite(ds, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
	}
	H5Dclose(ds);
	H5Sclose(sp);
}

static void h5_doubles(hid_t loc, const char *name, const double *v, hsize_t n)
{
	h5_dataset(loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, &n, v);
}

static void h5_u64s(hid_t loc, const char *name, const uint64_t *v, hsize_t n)
{
	h5_dataset(loc, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, &n, v);
}

/* A scalar string attribute: variable length, or fixed length in a charset. */
static void h5_str_attr(hid_t obj, const char *name, const char *value, bool fixed, H5T_cset_t cset)
{
	hid_t t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, fixed ? strlen(value) : H5T_VARIABLE);
	H5Tset_strpad(t, H5T_STR_NULLPAD);
	H5Tset_cset(t, cset);
	hid_t sp = H5Screate(H5S_SCALAR);
	hid_t a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(H5Awrite(a, t, fixed ? (const void *)value : (const void *)&value), 0);
	H5Aclose(a);
	H5Sclose(sp);
	H5Tclose(t);
}

/* A file /spikes/<pop> with the given timestamps and node ids. */
static void h5_simple(const char *path, const char *pop, const double *t, const uint64_t *id,
		      hsize_t n)
{
	hid_t f = h5_new(path);
	hid_t g = h5_group(f, "spikes");
	hid_t p = h5_group(g, pop);
	h5_doubles(p, "timestamps", t, n);
	h5_u64s(p, "node_ids", id, n);
	H5Gclose(p);
	H5Gclose(g);
	H5Fclose(f);
}

static const double t3[] = {0.5, 1.25, 7.0};
static const uint64_t id3[] = {4, 0, 4};

/* ------------------------------------------------------------ round trips */

START_TEST(test_h5_roundtrip)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "h5rt");
	join(path, dir, "spikes.h5");
	/* times that no decimal printing would keep: thirds, tiny and huge */
	const double te[] = {0.1,
			     0.1,
			     1.0 / 3.0,
			     2.0 / 3.0,
			     1e-300,
			     5.0,
			     12345.678901234567,
			     1e15 + 0.5,
			     0.30000000000000004};
	const uint64_t ie[] = {0, 17, 3, UINT64_MAX, 1ull << 53, 9, 1, 2, 3};
	const double ti[] = {2.5, -1.0};
	const uint64_t ii[] = {7, 8};
	const struct pop_spikes pops[] = {
	    {"exc", 9, te, ie},
	    {"inh", 2, ti, ii},
	    {"silent", 0, NULL, NULL},
	};
	write_file(path, SNN_SPIKES_HDF5, pops, 3, &prov);
	snn_spike_data *s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 3);
	/* populations come back in name order */
	ck_assert_str_eq(s->pops[0].name, "exc");
	ck_assert_str_eq(s->pops[1].name, "inh");
	ck_assert_str_eq(s->pops[2].name, "silent");
	for (size_t i = 0; i < 3; i++) {
		assert_pop(s, &pops[i]);
	}
	ck_assert_ptr_null(snn_spike_data_find(s, "nobody"));
	ck_assert_ptr_null(snn_spike_data_find(NULL, "exc"));
	snn_spike_data_free(s);
	snn_spike_data_free(NULL);
	/* without provenance the file reads the same */
	write_file(path, SNN_SPIKES_HDF5, pops, 3, NULL);
	s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 3);
	assert_pop(s, &pops[0]);
	snn_spike_data_free(s);
	ck_assert_int_eq(count_entries(dir, NULL, 0), 1);
}
END_TEST

/* More spikes than one write buffer (64 Ki), appended in uneven pieces. */
START_TEST(test_h5_many_spikes)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "h5many");
	join(path, dir, "spikes.h5");
	const size_t n = 200003;
	double *t = malloc(n * sizeof(double));
	uint64_t *id = malloc(n * sizeof(uint64_t));
	ck_assert(t && id);
	for (size_t i = 0; i < n; i++) {
		t[i] = (double)i * 0.1;
		id[i] = (i * 2654435761u) % 100000;
	}
	const char *names[] = {"a", "b"};
	snn_diag *d = snn_diag_new();
	snn_spike_writer *w = NULL;
	ck_assert_int_eq(snn_spike_writer_open(path, SNN_SPIKES_HDF5, names, 2, &prov, &w, d),
			 SNN_OK);
	static const size_t pieces[] = {1, 65534, 1, 0, 65536, 70000};
	size_t at = 0;
	for (size_t k = 0; at < n; k = (k + 1) % 6) {
		size_t m = pieces[k] < n - at ? pieces[k] : n - at;
		ck_assert_int_eq(snn_spike_writer_append(w, 0, t + at, id + at, m, d), SNN_OK);
		ck_assert_int_eq(snn_spike_writer_append(w, 1, t + at, id + at, m / 7, d), SNN_OK);
		at += m;
	}
	ck_assert_int_eq(snn_spike_writer_commit(w, d), SNN_OK);
	snn_diag_free(d);
	snn_spike_data *s = read_ok(path);
	const snn_spike_population *a = snn_spike_data_find(s, "a");
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(a->n, n);
	ck_assert(memcmp(a->t_ms, t, n * sizeof(double)) == 0);
	ck_assert(memcmp(a->node_ids, id, n * sizeof(uint64_t)) == 0);
	const snn_spike_population *b = snn_spike_data_find(s, "b");
	ck_assert_ptr_nonnull(b);
	size_t nb = 0;
	at = 0;
	for (size_t k = 0; at < n; k = (k + 1) % 6) {
		size_t m = pieces[k] < n - at ? pieces[k] : n - at;
		for (size_t j = 0; j < m / 7 && nb < b->n; j++, nb++) {
			EXPECT(b->t_ms[nb] == t[at + j] && b->node_ids[nb] == id[at + j],
			       "b[%zu] differs", nb);
		}
		at += m;
	}
	ck_assert_uint_eq(b->n, nb);
	snn_spike_data_free(s);
	free(t);
	free(id);
}
END_TEST

START_TEST(test_csv_roundtrip)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "csvrt");
	join(path, dir, "spikes.csv");
	/* multiples of dt = 0.1 ms as decimals: exact through the text */
	const double te[] = {0.1, 0.3, 0.3, 2.0, 12.7, 9999.9};
	const uint64_t ie[] = {1, 0, 2, 18446744073709551615ull, 40, 3};
	const double ti[] = {0.2, 5.5};
	const uint64_t ii[] = {0, 9};
	const struct pop_spikes pops[] = {
	    {"exc", 6, te, ie},
	    {"inh", 2, ti, ii},
	};
	write_file(path, SNN_SPIKES_CSV, pops, 2, &prov);
	snn_spike_data *s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 2);
	assert_pop(s, &pops[0]);
	assert_pop(s, &pops[1]);
	snn_spike_data_free(s);

	/* the text: provenance as comments, a header, one spike per line */
	char *text = read_all(path, NULL);
	const char *want = "# software: Spikeforge test\n"
			   "# config_file: net.yaml\n"
			   "# config_sha256: 0123456789abcdef0123456789abcdef0123456789abcdef012345"
			   "6789abcdef\n"
			   "# seed: 18446744073709551557\n"
			   "# threads: 4\n"
			   "# engine: cpu\n"
			   "# dt_ms: 0.1\n"
			   "# duration_ms: 10\n"
			   "# config:\n"
			   "#   dt: 0.1 ms\n"
			   "#   duration: 10 ms\n"
			   "time_ms,population,node_id\n"
			   "0.1,exc,1\n"
			   "0.3,exc,0\n"
			   "0.3,exc,2\n"
			   "0.2,inh,0\n"
			   "5.5,inh,9\n"
			   "2.0,exc,18446744073709551615\n"
			   "12.7,exc,40\n"
			   "9999.9,exc,3\n";
	ck_assert_str_eq(text, want);
	free(text);

	/* without provenance: six decimals, no comments */
	const double tx[] = {1.0 / 3.0, 0.000001};
	const uint64_t ix[] = {5, 6};
	const struct pop_spikes one = {"p", 2, tx, ix};
	write_file(path, SNN_SPIKES_CSV, &one, 1, NULL);
	text = read_all(path, NULL);
	ck_assert_str_eq(text, "time_ms,population,node_id\n0.333333,p,5\n0.000001,p,6\n");
	free(text);
	s = read_ok(path);
	ck_assert_uint_eq(s->pops[0].n, 2);
	ck_assert(s->pops[0].t_ms[0] == 0.333333);
	ck_assert(s->pops[0].t_ms[1] == 0.000001);
	snn_spike_data_free(s);
	ck_assert_int_eq(count_entries(dir, NULL, 0), 1);
}
END_TEST

/* Empty populations survive in HDF5; CSV has no line for them, so only the
 * populations that spiked come back (and an empty file reads as one empty
 * "default" population). */
START_TEST(test_empty_populations)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "empty");
	const struct pop_spikes pops[] = {
	    {"quiet", 0, NULL, NULL},
	    {"loud", 3, t3, id3},
	    {"still", 0, NULL, NULL},
	};
	join(path, dir, "spikes.h5");
	write_file(path, SNN_SPIKES_HDF5, pops, 3, &prov);
	snn_spike_data *s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_pop(s, &pops[i]);
	}
	snn_spike_data_free(s);

	/* CSV prints the digits that multiples of dt need: 2 for 0.05 ms */
	snn_provenance pv = prov;
	pv.dt_ms = 0.05;
	join(path, dir, "spikes.csv");
	write_file(path, SNN_SPIKES_CSV, pops, 3, &pv);
	s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 1);
	assert_pop(s, &pops[1]);
	snn_spike_data_free(s);

	write_file(path, SNN_SPIKES_CSV, pops, 1, &prov);
	s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 1);
	ck_assert_str_eq(s->pops[0].name, "default");
	ck_assert_uint_eq(s->pops[0].n, 0);
	snn_spike_data_free(s);

	/* all populations empty in HDF5 */
	join(path, dir, "none.h5");
	write_file(path, SNN_SPIKES_HDF5, pops, 1, &prov);
	s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 1);
	ck_assert_str_eq(s->pops[0].name, "quiet");
	ck_assert_uint_eq(s->pops[0].n, 0);
	snn_spike_data_free(s);
}
END_TEST

/* ------------------------------------------------------------ SONATA layout */

static char *attr_string(hid_t obj, const char *name)
{
	hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
	ck_assert_msg(a >= 0, "attribute %s missing", name);
	hid_t t = H5Aget_type(a);
	ck_assert_int_eq(H5Tget_class(t), H5T_STRING);
	ck_assert_int_gt(H5Tis_variable_str(t), 0);
	ck_assert_int_eq(H5Tget_cset(t), H5T_CSET_UTF8);
	hid_t sp = H5Aget_space(a);
	ck_assert_int_eq(H5Sget_simple_extent_type(sp), H5S_SCALAR);
	hid_t mt = H5Tcopy(H5T_C_S1);
	H5Tset_size(mt, H5T_VARIABLE);
	H5Tset_cset(mt, H5T_CSET_UTF8);
	char *v = NULL;
	ck_assert_int_ge(H5Aread(a, mt, &v), 0);
	char *out = strdup(v);
	H5free_memory(v);
	H5Tclose(mt);
	H5Sclose(sp);
	H5Tclose(t);
	H5Aclose(a);
	return out;
}

static void assert_attr_str(hid_t obj, const char *name, const char *want)
{
	char *v = attr_string(obj, name);
	ck_assert_str_eq(v, want);
	free(v);
}

/* A scalar numeric attribute of exactly file type `ft`, read as `mt`. */
static void attr_number(hid_t obj, const char *name, hid_t ft, hid_t mt, void *out)
{
	hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
	ck_assert_msg(a >= 0, "attribute %s missing", name);
	hid_t t = H5Aget_type(a);
	ck_assert_msg(H5Tequal(t, ft) > 0, "attribute %s has another type", name);
	ck_assert_int_ge(H5Aread(a, mt, out), 0);
	H5Tclose(t);
	H5Aclose(a);
}

static void assert_dataset(hid_t grp, const char *name, hid_t ft, hsize_t n)
{
	hid_t ds = H5Dopen2(grp, name, H5P_DEFAULT);
	ck_assert_msg(ds >= 0, "dataset %s missing", name);
	hid_t t = H5Dget_type(ds);
	ck_assert_msg(H5Tequal(t, ft) > 0, "dataset %s has another type", name);
	hid_t sp = H5Dget_space(ds);
	ck_assert_int_eq(H5Sget_simple_extent_ndims(sp), 1);
	hsize_t dims, maxd;
	H5Sget_simple_extent_dims(sp, &dims, &maxd);
	ck_assert_uint_eq(dims, n);
	H5Sclose(sp);
	H5Tclose(t);
	H5Dclose(ds);
}

START_TEST(test_sonata_layout)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "sonata");
	join(path, dir, "spikes.h5");
	const struct pop_spikes pops[] = {
	    {"exc", 3, t3, id3},
	    {"inh", 0, NULL, NULL},
	};
	write_file(path, SNN_SPIKES_HDF5, pops, 2, &prov);

	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	ck_assert_int_ge(f, 0);
	/* provenance on the root */
	assert_attr_str(f, "software", "Spikeforge test");
	assert_attr_str(f, "config_file", "net.yaml");
	assert_attr_str(f, "config", prov.config_text);
	assert_attr_str(f, "config_sha256", prov.config_sha256);
	assert_attr_str(f, "engine", "cpu");
	uint64_t seed = 0;
	attr_number(f, "seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &seed);
	ck_assert_uint_eq(seed, prov.seed);
	int64_t threads = 0;
	attr_number(f, "threads", H5T_STD_I64LE, H5T_NATIVE_INT64, &threads);
	ck_assert_int_eq(threads, 4);
	double x = 0.0;
	attr_number(f, "dt_ms", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &x);
	ck_assert(x == 0.1);
	attr_number(f, "duration_ms", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &x);
	ck_assert(x == 10.0);

	hid_t spikes = H5Gopen2(f, "spikes", H5P_DEFAULT);
	ck_assert_int_ge(spikes, 0);
	H5G_info_t gi;
	ck_assert_int_ge(H5Gget_info(spikes, &gi), 0);
	ck_assert_uint_eq(gi.nlinks, 2);
	for (size_t i = 0; i < 2; i++) {
		hid_t g = H5Gopen2(spikes, pops[i].name, H5P_DEFAULT);
		ck_assert_int_ge(g, 0);
		ck_assert_int_ge(H5Gget_info(g, &gi), 0);
		ck_assert_uint_eq(gi.nlinks, 2);
		assert_dataset(g, "timestamps", H5T_IEEE_F64LE, pops[i].n);
		assert_dataset(g, "node_ids", H5T_STD_U64LE, pops[i].n);
		hid_t ds = H5Dopen2(g, "timestamps", H5P_DEFAULT);
		assert_attr_str(ds, "units", "ms");
		if (pops[i].n) {
			double t[3];
			ck_assert_int_ge(
			    H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, t), 0);
			ck_assert(memcmp(t, t3, sizeof(t)) == 0);
		}
		H5Dclose(ds);

		/* sorting: an enum whose value names by_time */
		hid_t a = H5Aopen(g, "sorting", H5P_DEFAULT);
		ck_assert_int_ge(a, 0);
		hid_t et = H5Aget_type(a);
		ck_assert_int_eq(H5Tget_class(et), H5T_ENUM);
		ck_assert_int_eq(H5Tget_nmembers(et), 3);
		static const char *const members[] = {"none", "by_id", "by_time"};
		for (unsigned m = 0; m < 3; m++) {
			char *nm = H5Tget_member_name(et, m);
			uint8_t v = 0xff;
			ck_assert_str_eq(nm, members[m]);
			H5free_memory(nm);
			ck_assert_int_ge(H5Tget_member_value(et, m, &v), 0);
			ck_assert_uint_eq(v, m);
		}
		uint8_t sv = 0;
		ck_assert_int_eq(H5Tget_size(et), 1);
		ck_assert_int_ge(H5Aread(a, et, &sv), 0);
		char nm[16];
		ck_assert_int_ge(H5Tenum_nameof(et, &sv, nm, sizeof(nm)), 0);
		ck_assert_str_eq(nm, "by_time");
		H5Tclose(et);
		H5Aclose(a);
		H5Gclose(g);
	}
	H5Gclose(spikes);
	H5Fclose(f);
	assert_no_open_h5();
}
END_TEST

/* The bytes of a file depend on its content only (no timestamps). */
START_TEST(test_h5_reproducible)
{
	char dir[PATH_LEN], a[PATH_LEN], b[PATH_LEN];
	scratch(dir, "repro");
	join(a, dir, "a.h5");
	join(b, dir, "b.h5");
	const struct pop_spikes pops[] = {{"exc", 3, t3, id3}};
	write_file(a, SNN_SPIKES_HDF5, pops, 1, &prov);
	sleep(1);
	write_file(b, SNN_SPIKES_HDF5, pops, 1, &prov);
	size_t na, nb;
	char *x = read_all(a, &na);
	char *y = read_all(b, &nb);
	ck_assert_uint_eq(na, nb);
	ck_assert(memcmp(x, y, na) == 0);
	free(x);
	free(y);
}
END_TEST

/* ------------------------------------------------------------ commit, abort */

START_TEST(test_abort_leaves_nothing)
{
	static const enum snn_spike_format fmts[] = {SNN_SPIKES_HDF5, SNN_SPIKES_CSV};
	for (size_t i = 0; i < 2; i++) {
		char dir[PATH_LEN], path[PATH_LEN];
		scratch(dir, i ? "abortcsv" : "aborth5");
		join(path, dir, i ? "spikes.csv" : "spikes.h5");
		const char *names[] = {"exc", "inh"};
		snn_diag *d = snn_diag_new();
		snn_spike_writer *w = NULL;
		ck_assert_int_eq(snn_spike_writer_open(path, fmts[i], names, 2, &prov, &w, d),
				 SNN_OK);
		ck_assert_int_eq(snn_spike_writer_append(w, 0, t3, id3, 3, d), SNN_OK);
		ck_assert_int_eq(snn_spike_writer_append(w, 1, t3, id3, 2, d), SNN_OK);
		ck_assert_int_eq(count_entries(dir, NULL, 0), 1);
		snn_spike_writer_abort(w);
		ck_assert(!exists(path));
		ck_assert_int_eq(count_entries(dir, NULL, 0), 0);
		ck_assert_uint_eq(snn_diag_count(d), 0);
		assert_no_open_h5();
		snn_diag_free(d);
	}
	snn_spike_writer_abort(NULL);
}
END_TEST

START_TEST(test_commit_is_atomic)
{
	static const enum snn_spike_format fmts[] = {SNN_SPIKES_HDF5, SNN_SPIKES_CSV};
	for (size_t i = 0; i < 2; i++) {
		char dir[PATH_LEN], path[PATH_LEN], first[256];
		scratch(dir, i ? "commitcsv" : "commith5");
		join(path, dir, i ? "spikes.csv" : "spikes.h5");
		const char *names[] = {"exc"};
		snn_diag *d = snn_diag_new();
		snn_spike_writer *w = NULL;
		ck_assert_int_eq(snn_spike_writer_open(path, fmts[i], names, 1, &prov, &w, d),
				 SNN_OK);
		ck_assert_int_eq(snn_spike_writer_append(w, 0, t3, id3, 3, d), SNN_OK);
		/* while writing, only a temporary file next to the final name */
		ck_assert(!exists(path));
		ck_assert_int_eq(count_entries(dir, first, sizeof(first)), 1);
		const char *base = i ? "spikes.csv.tmp" : "spikes.h5.tmp";
		ck_assert_msg(strncmp(first, base, strlen(base)) == 0, "temporary file %s", first);
		ck_assert_int_eq(snn_spike_writer_commit(w, d), SNN_OK);
		ck_assert(exists(path));
		ck_assert_int_eq(count_entries(dir, first, sizeof(first)), 1);
		ck_assert_str_eq(first, i ? "spikes.csv" : "spikes.h5");

		/* an existing file stays whole until the new one replaces it */
		ck_assert_int_eq(snn_spike_writer_open(path, fmts[i], names, 1, &prov, &w, d),
				 SNN_OK);
		ck_assert_int_eq(snn_spike_writer_append(w, 0, t3, id3, 2, d), SNN_OK);
		snn_spike_data *s = read_ok(path);
		ck_assert_uint_eq(s->pops[0].n, 3);
		snn_spike_data_free(s);
		ck_assert_int_eq(snn_spike_writer_commit(w, d), SNN_OK);
		s = read_ok(path);
		ck_assert_uint_eq(s->pops[0].n, 2);
		snn_spike_data_free(s);
		ck_assert_int_eq(count_entries(dir, NULL, 0), 1);
		ck_assert_uint_eq(snn_diag_count(d), 0);
		snn_diag_free(d);
	}
}
END_TEST

/* Writer errors: each with its diagnostic, none leaves a file behind. */
START_TEST(test_writer_errors)
{
	char dir[PATH_LEN], path[PATH_LEN], exp[2 * PATH_LEN];
	scratch(dir, "werr");
	struct capture c;
	capture_begin(&c, dir);
	const char *names[] = {"exc", "exc"};
	snn_spike_writer *w = (snn_spike_writer *)&c;

	/* a folder that does not exist */
	join(path, dir, "no/such/dir/s.h5");
	snn_diag *d = snn_diag_new();
	ck_assert_int_eq(snn_spike_writer_open(path, SNN_SPIKES_HDF5, names, 1, &prov, &w, d),
			 SNN_EIO);
	ck_assert_ptr_null(w);
	char *got = printed(d);
	snprintf(exp, sizeof(exp),
		 "%s: error: cannot create the HDF5 file (is the folder writable?)\n", path);
	ck_assert_str_eq(got, exp);
	free(got);
	snn_diag_clear(d);
	join(path, dir, "no/such/dir/s.csv");
	ck_assert_int_eq(snn_spike_writer_open(path, SNN_SPIKES_CSV, names, 1, &prov, &w, d),
			 SNN_EIO);
	ck_assert_ptr_null(w);
	got = printed(d);
	snprintf(exp, sizeof(exp), "%s: error: cannot create: No such file or directory\n", path);
	ck_assert_str_eq(got, exp);
	free(got);
	snn_diag_clear(d);

	/* two populations of one name */
	join(path, dir, "dup.h5");
	ck_assert_int_eq(snn_spike_writer_open(path, SNN_SPIKES_HDF5, names, 2, &prov, &w, d),
			 SNN_EIO);
	ck_assert_ptr_null(w);
	got = printed(d);
	snprintf(exp, sizeof(exp), "%s: error: cannot create the spike datasets\n", path);
	ck_assert_str_eq(got, exp);
	free(got);
	snn_diag_clear(d);
	ck_assert_int_eq(count_entries(dir, NULL, 0), 1); /* stderr.txt only */

	/* a population index out of range */
	join(path, dir, "idx.h5");
	ck_assert_int_eq(snn_spike_writer_open(path, SNN_SPIKES_HDF5, names, 1, &prov, &w, d),
			 SNN_OK);
	ck_assert_int_eq(snn_spike_writer_append(w, 1, t3, id3, 3, d), SNN_EINVAL);
	got = printed(d);
	snprintf(exp, sizeof(exp), "%s: error: no population 1\n", path);
	ck_assert_str_eq(got, exp);
	free(got);
	snn_diag_clear(d);
	snn_spike_writer_abort(w);

	/* commit onto a folder: the rename fails and the temporary file goes */
	join(path, dir, "folder.csv");
	ck_assert_int_eq(mkdir(path, 0777), 0);
	ck_assert_int_eq(snn_spike_writer_open(path, SNN_SPIKES_CSV, names, 1, &prov, &w, d),
			 SNN_OK);
	ck_assert_int_eq(snn_spike_writer_append(w, 0, t3, id3, 3, d), SNN_OK);
	ck_assert_int_eq(snn_spike_writer_commit(w, d), SNN_EIO);
	got = printed(d);
	snprintf(exp, sizeof(exp), "%s: error: cannot write: Is a directory\n", path);
	ck_assert_str_eq(got, exp);
	free(got);
	snn_diag_clear(d);
	ck_assert_int_eq(rmdir(path), 0);
	ck_assert_int_eq(count_entries(dir, NULL, 0), 1);

	snn_diag_free(d);
	char *err = capture_end(&c);
	ck_assert_msg(err[0] == '\0', "stderr: %s", err);
	free(err);
	assert_no_open_h5();
}
END_TEST

/* ------------------------------------------------------------ bad HDF5 input */

START_TEST(test_read_missing_file)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "missing");
	join(path, dir, "nothing.h5");
	read_fails(path, SNN_EIO, 0, "cannot open: No such file or directory");
	join(path, dir, "nothing.csv");
	read_fails(path, SNN_EIO, 0, "cannot open: No such file or directory");
}
END_TEST

START_TEST(test_read_truncated)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "trunc");
	join(path, dir, "spikes.h5");
	const struct pop_spikes pops[] = {{"exc", 3, t3, id3}};
	write_file(path, SNN_SPIKES_HDF5, pops, 1, &prov);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	const off_t sizes[] = {st.st_size - 1, st.st_size / 2, 100, 8};
	for (size_t i = 0; i < 4; i++) {
		ck_assert_int_eq(truncate(path, sizes[i]), 0);
		read_fails(path, SNN_EPARSE, 0,
			   "cannot open as HDF5 (truncated or not an HDF5 file)");
	}
	/* shorter than the signature: not recognised as HDF5 at all */
	ck_assert_int_eq(truncate(path, 4), 0);
	read_fails(path, SNN_EPARSE, 0, "not an HDF5 file (no HDF5 signature at its start)");
}
END_TEST

START_TEST(test_read_not_hdf5)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "noth5");
	const char *text = "0.5,exc,1\n";
	join(path, dir, "text.h5");
	write_text(path, text, strlen(text));
	read_fails(path, SNN_EPARSE, 0, "not an HDF5 file (no HDF5 signature at its start)");
	join(path, dir, "text.hdf5");
	write_text(path, text, strlen(text));
	read_fails(path, SNN_EPARSE, 0, "not an HDF5 file (no HDF5 signature at its start)");
	join(path, dir, "empty.h5");
	write_text(path, "", 0);
	read_fails(path, SNN_EPARSE, 0, "not an HDF5 file (no HDF5 signature at its start)");
	/* under another name the same text reads as CSV */
	join(path, dir, "spikes.txt");
	write_text(path, text, strlen(text));
	snn_spike_data *s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 1);
	ck_assert_str_eq(s->pops[0].name, "exc");
	snn_spike_data_free(s);
	/* an HDF5 file named .csv is read as text */
	join(path, dir, "binary.csv");
	h5_simple(path, "exc", t3, id3, 3);
	read_fails(path, SNN_EPARSE, 0, "not a text file (it holds NUL bytes)");
}
END_TEST

START_TEST(test_read_no_spikes_group)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "nospikes");
	join(path, dir, "a.h5");
	hid_t f = h5_new(path);
	hid_t g = h5_group(f, "other");
	h5_doubles(g, "timestamps", t3, 3);
	H5Gclose(g);
	H5Fclose(f);
	read_fails(path, SNN_EPARSE, 0, "/spikes: missing group; not a SONATA spike file");

	join(path, dir, "b.h5");
	f = h5_new(path);
	h5_doubles(f, "spikes", t3, 3);
	H5Fclose(f);
	read_fails(path, SNN_EPARSE, 0, "/spikes: not a group");

	join(path, dir, "c.h5");
	f = h5_new(path);
	H5Gclose(h5_group(f, "spikes"));
	H5Fclose(f);
	read_fails(path, SNN_EPARSE, 0, "/spikes: holds no populations");
}
END_TEST

/* Builds /spikes/exc with the given members; fills in what is NULL. */
static void h5_pop_file(const char *path, void (*fill)(hid_t grp))
{
	hid_t f = h5_new(path);
	hid_t g = h5_group(f, "spikes");
	hid_t p = h5_group(g, "exc");
	fill(p);
	H5Gclose(p);
	H5Gclose(g);
	H5Fclose(f);
}

static void fill_no_ids(hid_t p)
{
	h5_doubles(p, "timestamps", t3, 3);
}

static void fill_no_times(hid_t p)
{
	h5_u64s(p, "node_ids", id3, 3);
}

static void fill_times_group(hid_t p)
{
	H5Gclose(h5_group(p, "timestamps"));
	h5_u64s(p, "node_ids", id3, 3);
}

static void fill_mismatch(hid_t p)
{
	h5_doubles(p, "timestamps", t3, 3);
	h5_u64s(p, "node_ids", id3, 2);
}

static void fill_string_times(hid_t p)
{
	static const char text[12] = {'0', '.', '5', 0, '1', '.', '2', '5', '7', '.', '0', 0};
	hid_t t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, 4);
	hsize_t n = 3;
	h5_dataset(p, "timestamps", t, t, 1, &n, text);
	H5Tclose(t);
	h5_u64s(p, "node_ids", id3, 3);
}

static void fill_float_ids(hid_t p)
{
	h5_doubles(p, "timestamps", t3, 3);
	h5_doubles(p, "node_ids", t3, 3);
}

static void fill_2d_times(hid_t p)
{
	const double t[2][3] = {{0.5, 1.25, 7.0}, {1, 2, 3}};
	hsize_t dims[2] = {2, 3};
	h5_dataset(p, "timestamps", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, dims, t);
	h5_u64s(p, "node_ids", id3, 3);
}

static void fill_2d_ids(hid_t p)
{
	const uint64_t id[3][1] = {{1}, {2}, {3}};
	hsize_t dims[2] = {3, 1};
	h5_doubles(p, "timestamps", t3, 3);
	h5_dataset(p, "node_ids", H5T_STD_U64LE, H5T_NATIVE_UINT64, 2, dims, id);
}

static void fill_scalar_times(hid_t p)
{
	h5_dataset(p, "timestamps", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 0, NULL, t3);
	h5_u64s(p, "node_ids", id3, 1);
}

static void fill_negative_ids(hid_t p)
{
	const int32_t id[3] = {4, 0, -2};
	hsize_t n = 3;
	h5_doubles(p, "timestamps", t3, 3);
	h5_dataset(p, "node_ids", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, &n, id);
}

static void fill_bad_units(hid_t p)
{
	h5_doubles(p, "timestamps", t3, 3);
	h5_u64s(p, "node_ids", id3, 3);
	hid_t ds = H5Dopen2(p, "timestamps", H5P_DEFAULT);
	h5_str_attr(ds, "units", "us", false, H5T_CSET_UTF8);
	H5Dclose(ds);
}

static void fill_nan_times(hid_t p)
{
	const double t[3] = {0.5, NAN, 2.0};
	h5_doubles(p, "timestamps", t, 3);
	h5_u64s(p, "node_ids", id3, 3);
}

static void fill_inf_times(hid_t p)
{
	const double t[3] = {0.5, 1.0, -INFINITY};
	h5_doubles(p, "timestamps", t, 3);
	h5_u64s(p, "node_ids", id3, 3);
}

/* Datasets that claim more entries than memory can hold (no storage). */
static void fill_huge(hid_t p)
{
	hsize_t dims = (1ull << 61) + 1, maxd = H5S_UNLIMITED, chunk = 1024;
	hid_t sp = H5Screate_simple(1, &dims, &maxd);
	hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
	H5Pset_chunk(dcpl, 1, &chunk);
	hid_t ds = H5Dcreate2(p, "timestamps", H5T_IEEE_F64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	ck_assert_int_ge(ds, 0);
	H5Dclose(ds);
	ds = H5Dcreate2(p, "node_ids", H5T_STD_U64LE, sp, H5P_DEFAULT, dcpl, H5P_DEFAULT);
	ck_assert_int_ge(ds, 0);
	H5Dclose(ds);
	H5Pclose(dcpl);
	H5Sclose(sp);
}

START_TEST(test_read_bad_population)
{
	static const struct {
		void (*fill)(hid_t);
		int code;
		const char *want;
	} cases[] = {
	    {fill_no_ids, SNN_EPARSE, "/spikes/exc/node_ids: missing dataset"},
	    {fill_no_times, SNN_EPARSE, "/spikes/exc/timestamps: missing dataset"},
	    {fill_times_group, SNN_EPARSE, "/spikes/exc/timestamps: not a dataset"},
	    {fill_mismatch, SNN_EPARSE, "/spikes/exc: timestamps has 3 entries but node_ids has 2"},
	    {fill_string_times, SNN_EPARSE, "/spikes/exc/timestamps: expected real numbers"},
	    {fill_float_ids, SNN_EPARSE, "/spikes/exc/node_ids: expected integer numbers"},
	    {fill_2d_times, SNN_EPARSE,
	     "/spikes/exc/timestamps: expected a 1-d dataset, found 2 dimensions"},
	    {fill_2d_ids, SNN_EPARSE,
	     "/spikes/exc/node_ids: expected a 1-d dataset, found 2 dimensions"},
	    {fill_scalar_times, SNN_EPARSE,
	     "/spikes/exc/timestamps: expected a 1-d dataset, found 0 dimensions"},
	    {fill_negative_ids, SNN_EPARSE, "/spikes/exc/node_ids: entry 2 is negative (-2)"},
	    {fill_bad_units, SNN_EPARSE,
	     "/spikes/exc/timestamps: unknown units 'us' (expected ms or s)"},
	    {fill_nan_times, SNN_EPARSE, "/spikes/exc/timestamps: entry 1 is not a finite time"},
	    {fill_inf_times, SNN_EPARSE, "/spikes/exc/timestamps: entry 2 is not a finite time"},
	    {fill_huge, SNN_ENOMEM,
	     "/spikes/exc/timestamps: 2305843009213693953 entries do not fit in memory"},
	};
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "badpop");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "case%zu.h5", i);
		join(path, dir, name);
		h5_pop_file(path, cases[i].fill);
		read_fails(path, cases[i].code, 0, cases[i].want);
	}
}
END_TEST

/* One bad population among good ones fails the whole file. */
START_TEST(test_read_one_bad_population)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "onebad");
	join(path, dir, "spikes.h5");
	hid_t f = h5_new(path);
	hid_t g = h5_group(f, "spikes");
	hid_t p = h5_group(g, "a");
	h5_doubles(p, "timestamps", t3, 3);
	h5_u64s(p, "node_ids", id3, 3);
	H5Gclose(p);
	p = h5_group(g, "b");
	fill_mismatch(p);
	H5Gclose(p);
	H5Gclose(g);
	H5Fclose(f);
	read_fails(path, SNN_EPARSE, 0, "/spikes/b: timestamps has 3 entries but node_ids has 2");
}
END_TEST

/* ------------------------------------------------------------ other HDF5 forms */

/* Older SONATA: /spikes/timestamps and /spikes/gids, one population. */
START_TEST(test_read_older_layout)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "older");
	join(path, dir, "old.h5");
	hid_t f = h5_new(path);
	hid_t g = h5_group(f, "spikes");
	h5_doubles(g, "timestamps", t3, 3);
	const uint32_t gids[3] = {4, 0, 4};
	hsize_t n = 3;
	h5_dataset(g, "gids", H5T_STD_U32LE, H5T_NATIVE_UINT32, 1, &n, gids);
	hid_t ds = H5Dopen2(g, "timestamps", H5P_DEFAULT);
	h5_str_attr(ds, "units", "ms", false, H5T_CSET_ASCII);
	H5Dclose(ds);
	H5Gclose(g);
	H5Fclose(f);
	snn_spike_data *s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 1);
	const struct pop_spikes want = {"default", 3, t3, id3};
	assert_pop(s, &want);
	snn_spike_data_free(s);

	/* the older layout without gids */
	join(path, dir, "nogids.h5");
	f = h5_new(path);
	g = h5_group(f, "spikes");
	h5_doubles(g, "timestamps", t3, 3);
	H5Gclose(g);
	H5Fclose(f);
	read_fails(path, SNN_EPARSE, 0, "/spikes/node_ids: missing dataset");

	/* gids in a population group are read as node ids too */
	join(path, dir, "popgids.h5");
	f = h5_new(path);
	g = h5_group(f, "spikes");
	hid_t p = h5_group(g, "v1");
	h5_doubles(p, "timestamps", t3, 3);
	h5_u64s(p, "gids", id3, 2);
	H5Gclose(p);
	H5Gclose(g);
	H5Fclose(f);
	read_fails(path, SNN_EPARSE, 0, "/spikes/v1: timestamps has 3 entries but gids has 2");
}
END_TEST

/* units = "s" (as any kind of string) scales to ms; "ms" or none keeps them. */
START_TEST(test_read_units)
{
	static const struct {
		const char *units;
		bool fixed;
		H5T_cset_t cset;
		double scale;
	} cases[] = {
	    {"s", false, H5T_CSET_UTF8, 1000.0}, {"s", true, H5T_CSET_ASCII, 1000.0},
	    {"s", true, H5T_CSET_UTF8, 1000.0},	 {"s", false, H5T_CSET_ASCII, 1000.0},
	    {"ms", true, H5T_CSET_UTF8, 1.0},	 {"ms", false, H5T_CSET_ASCII, 1.0},
	    {NULL, false, H5T_CSET_ASCII, 1.0},
	};
	const double ts[] = {0.0005, 0.00125, 0.007, 1.5};
	const uint64_t ids[] = {1, 2, 3, 4};
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "units");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "u%zu.h5", i);
		join(path, dir, name);
		hid_t f = h5_new(path);
		hid_t g = h5_group(f, "spikes");
		hid_t p = h5_group(g, "exc");
		h5_doubles(p, "timestamps", ts, 4);
		h5_u64s(p, "node_ids", ids, 4);
		if (cases[i].units) {
			hid_t ds = H5Dopen2(p, "timestamps", H5P_DEFAULT);
			h5_str_attr(ds, "units", cases[i].units, cases[i].fixed, cases[i].cset);
			H5Dclose(ds);
		}
		H5Gclose(p);
		H5Gclose(g);
		H5Fclose(f);
		snn_spike_data *s = read_ok(path);
		ck_assert_uint_eq(s->pops[0].n, 4);
		for (size_t k = 0; k < 4; k++) {
			ck_assert_msg(s->pops[0].t_ms[k] == ts[k] * cases[i].scale,
				      "case %zu: %.17g != %.17g", i, s->pops[0].t_ms[k],
				      ts[k] * cases[i].scale);
			ck_assert_uint_eq(s->pops[0].node_ids[k], ids[k]);
		}
		snn_spike_data_free(s);
	}
}
END_TEST

/* Integer timestamps, narrower or signed id types, float32 times. */
START_TEST(test_read_other_types)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "types");
	join(path, dir, "t.h5");
	hid_t f = h5_new(path);
	hid_t g = h5_group(f, "spikes");
	hsize_t n = 3;
	hid_t p = h5_group(g, "ints");
	const int32_t ti[3] = {1, 2, 30};
	const int64_t ii[3] = {0, 5, INT64_MAX};
	h5_dataset(p, "timestamps", H5T_STD_I32BE, H5T_NATIVE_INT32, 1, &n, ti);
	h5_dataset(p, "node_ids", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, &n, ii);
	H5Gclose(p);
	p = h5_group(g, "narrow");
	const float tf[3] = {0.5f, 0.25f, 1e6f};
	const uint16_t iu[3] = {65535, 0, 7};
	h5_dataset(p, "timestamps", H5T_IEEE_F32BE, H5T_NATIVE_FLOAT, 1, &n, tf);
	h5_dataset(p, "node_ids", H5T_STD_U16LE, H5T_NATIVE_UINT16, 1, &n, iu);
	H5Gclose(p);
	/* something else under /spikes is not a population */
	h5_doubles(g, "notes", t3, 3);
	H5Gclose(g);
	H5Fclose(f);
	snn_spike_data *s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 2);
	const double wt[3] = {1.0, 2.0, 30.0};
	const uint64_t wi[3] = {0, 5, INT64_MAX};
	const struct pop_spikes a = {"ints", 3, wt, wi};
	assert_pop(s, &a);
	const double wf[3] = {0.5, 0.25, 1e6};
	const uint64_t wu[3] = {65535, 0, 7};
	const struct pop_spikes b = {"narrow", 3, wf, wu};
	assert_pop(s, &b);
	ck_assert_ptr_null(snn_spike_data_find(s, "notes"));
	snn_spike_data_free(s);
}
END_TEST

/* A file with a user block (HDF5's signature at offset 512) is still HDF5. */
START_TEST(test_read_user_block)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "ublock");
	join(path, dir, "ub.h5");
	hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
	ck_assert_int_ge(H5Pset_userblock(fcpl, 1024), 0);
	hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
	ck_assert_int_ge(f, 0);
	H5Pclose(fcpl);
	hid_t g = h5_group(f, "spikes");
	hid_t p = h5_group(g, "exc");
	h5_doubles(p, "timestamps", t3, 3);
	h5_u64s(p, "node_ids", id3, 3);
	H5Gclose(p);
	H5Gclose(g);
	H5Fclose(f);
	snn_spike_data *s = read_ok(path);
	const struct pop_spikes want = {"exc", 3, t3, id3};
	assert_pop(s, &want);
	snn_spike_data_free(s);
}
END_TEST

/* ------------------------------------------------------------ CSV input */

START_TEST(test_csv_forms)
{
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "csvforms");
	join(path, dir, "s.csv");
	const char *text = "# a comment\n"
			   "\n"
			   "time_ms,population,node_id\r\n"
			   "0.5,exc,4\r\n"
			   "  1.25 , exc , 0 \n"
			   "\t# indented comment\n"
			   "   \n"
			   "7,exc,4\n"
			   "2.5,inh,18446744073709551615\n"
			   "-1e-3,inh,+12"; /* no final newline */
	write_text(path, text, strlen(text));
	snn_spike_data *s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 2);
	const struct pop_spikes exc = {"exc", 3, t3, id3};
	assert_pop(s, &exc);
	const double ti[] = {2.5, -1e-3};
	const uint64_t ii[] = {UINT64_MAX, 12};
	const struct pop_spikes inh = {"inh", 2, ti, ii};
	assert_pop(s, &inh);
	snn_spike_data_free(s);

	/* two columns: one population called default */
	write_text(path, "time_ms,node_id\n0.5,4\n1.25,0\n7,4\n", 33);
	s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 1);
	const struct pop_spikes def = {"default", 3, t3, id3};
	assert_pop(s, &def);
	snn_spike_data_free(s);

	/* nothing but comments: one empty default population */
	write_text(path, "# nothing\n\n", 11);
	s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 1);
	ck_assert_str_eq(s->pops[0].name, "default");
	ck_assert_uint_eq(s->pops[0].n, 0);
	snn_spike_data_free(s);
	write_text(path, "", 0);
	s = read_ok(path);
	ck_assert_uint_eq(s->n_pops, 1);
	ck_assert_uint_eq(s->pops[0].n, 0);
	snn_spike_data_free(s);
}
END_TEST

START_TEST(test_csv_bad_lines)
{
	static const struct {
		const char *text;
		int line;
		const char *want;
	} cases[] = {
	    {"time_ms,population,node_id\n1.5\n", 2,
	     "expected 'time_ms,population,node_id' or 'time_ms,node_id'"},
	    {"0.5,exc,1\n1.0,exc,2,9\n", 2,
	     "expected 'time_ms,population,node_id' or 'time_ms,node_id'"},
	    {"abc,exc,1\n", 1, "'abc' is not a spike time in ms"},
	    {"0.5,exc,1\n1.5abc,exc,3\n", 2, "'1.5abc' is not a spike time in ms"},
	    {",exc,1\n", 1, "'' is not a spike time in ms"},
	    {"inf,exc,1\n", 1, "'inf' is not a spike time in ms"},
	    {"nan,1\n", 1, "'nan' is not a spike time in ms"},
	    {"1e999,exc,1\n", 1, "'1e999' is not a spike time in ms"},
	    {"1.0,exc,-3\n", 1, "'-3' is not a node id (a whole number)"},
	    {"1.0,exc,3.5\n", 1, "'3.5' is not a node id (a whole number)"},
	    {"1.0,exc,\n", 1, "'' is not a node id (a whole number)"},
	    {"1.0,exc,x7\n", 1, "'x7' is not a node id (a whole number)"},
	    {"1.0,exc,18446744073709551616\n", 1,
	     "'18446744073709551616' is too large for a node id"},
	    {"1.0, ,3\n", 1, "missing population name"},
	    /* blank lines and comments count in line numbers */
	    {"# c\n\n\n0.5,exc,1\n\n\n1.0,exc,oops\n", 7,
	     "'oops' is not a node id (a whole number)"},
	    {"0.5,exc,1\r\n\r\n1.0;exc;2\r\n", 3,
	     "expected 'time_ms,population,node_id' or 'time_ms,node_id'"},
	    /* a header only opens the file */
	    {"0.5,exc,1\ntime_ms,population,node_id\n", 2, "'time_ms' is not a spike time in ms"},
	};
	char dir[PATH_LEN], path[PATH_LEN];
	scratch(dir, "csvbad");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32];
		snprintf(name, sizeof(name), "bad%zu.csv", i);
		join(path, dir, name);
		write_text(path, cases[i].text, strlen(cases[i].text));
		read_fails(path, SNN_EPARSE, cases[i].line, cases[i].want);
	}
	join(path, dir, "nul.csv");
	write_text(path, "0.5,exc,1\n\0\n", 12);
	read_fails(path, SNN_EPARSE, 0, "not a text file (it holds NUL bytes)");
}
END_TEST

static Suite *spikefile_suite(void)
{
	Suite *s = suite_create("spikefile");
	TCase *tc = tcase_create("write");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_h5_roundtrip);
	tcase_add_test(tc, test_h5_many_spikes);
	tcase_add_test(tc, test_csv_roundtrip);
	tcase_add_test(tc, test_empty_populations);
	tcase_add_test(tc, test_sonata_layout);
	tcase_add_test(tc, test_h5_reproducible);
	tcase_add_test(tc, test_abort_leaves_nothing);
	tcase_add_test(tc, test_commit_is_atomic);
	tcase_add_test(tc, test_writer_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("read");
	tcase_add_test(tc, test_read_missing_file);
	tcase_add_test(tc, test_read_truncated);
	tcase_add_test(tc, test_read_not_hdf5);
	tcase_add_test(tc, test_read_no_spikes_group);
	tcase_add_test(tc, test_read_bad_population);
	tcase_add_test(tc, test_read_one_bad_population);
	tcase_add_test(tc, test_read_older_layout);
	tcase_add_test(tc, test_read_units);
	tcase_add_test(tc, test_read_other_types);
	tcase_add_test(tc, test_read_user_block);
	tcase_add_test(tc, test_csv_forms);
	tcase_add_test(tc, test_csv_bad_lines);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(spikefile_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
