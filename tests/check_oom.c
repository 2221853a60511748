/*
 * Out of memory, everywhere: loads, builds and runs the Brunel example
 * (reduced) and the lava-dl netx fixture tiny.net with the allocation seam
 * failing the k-th allocation, for every k that a clean run reaches (evenly
 * sampled when there are more than OOM_MAX_TRIES). Each failure must come
 * back as SNN_ENOMEM with the library's "out of memory" diagnostic (a tool
 * exits 1 on it), leave no output file behind, and leak nothing (the ASan
 * build's leak checker runs at exit).
 * Layer: tests.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mem_int.h"
#include "testutil.h"

/* Scale and duration keep one attempt to a few milliseconds, so that every
 * allocation of a run can be failed in turn. */
#define OOM_SCALE 0.02
#define OOM_DURATION_MS 20.0
/* At most this many failing runs per case: a larger count is sampled evenly,
 * its first and last allocation always included. */
#define OOM_MAX_TRIES 600

static char brunel_path[4200];

static const char *brunel(void)
{
	const char *src = getenv("SNN_SRCDIR");
	snprintf(brunel_path, sizeof(brunel_path), "%s/examples/brunel.yaml", src ? src : ".");
	return brunel_path;
}

/* A network to run: a config (reduced) or any model snn_model_load opens. */
struct oom_case {
	const char *name;
	const char *path;
	bool config;
};

/* Number of entries in a folder, "." and ".." not counted. */
static int entries(const char *dir)
{
	DIR *dp = opendir(dir);
	ck_assert_ptr_nonnull(dp);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(dp)) != NULL) {
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	}
	closedir(dp);
	return n;
}

/* One load, build and run of c with `threads` threads writing spikes into
 * dir; returns the status and leaves the diagnostics in d. */
static int attempt(const struct oom_case *c, const char *dir, int threads, snn_diag *d)
{
	char out[4300];
	snprintf(out, sizeof(out), "%s/spikes.h5", dir);
	snn_net *net = NULL;
	snn_sim *sim = NULL;
	int rc;
	if (c->config) {
		snn_config_options copt = {.scale = OOM_SCALE};
		rc = snn_config_load_opts(c->path, &copt, &net, d);
		if (rc == SNN_OK) {
			rc = snn_net_set_duration_ms(net, OOM_DURATION_MS, d);
		}
	} else {
		snn_load_options lo;
		snn_load_options_init(&lo);
		rc = snn_model_load(c->path, &lo, &net, d);
	}
	if (rc == SNN_OK) {
		snn_sim_options opt;
		memset(&opt, 0, sizeof(opt));
		opt.threads = threads;
		opt.spike_path = out;
		opt.format = SNN_SPIKES_HDF5;
		opt.record_all = true;
		opt.software = "test";
		rc = snn_sim_new(net, &opt, &sim, d);
	}
	if (rc == SNN_OK) {
		rc = snn_sim_run(sim, d);
	}
	snn_sim_free(sim);
	snn_net_free(net);
	return rc;
}

static bool says_out_of_memory(const snn_diag *d)
{
	for (size_t i = 0; i < snn_diag_count(d); i++) {
		if (strstr(snn_diag_message(d, i), "out of memory")) {
			return true;
		}
	}
	return false;
}

static void fail_each_allocation(const struct oom_case *c, int threads)
{
	char tag[64];
	snprintf(tag, sizeof(tag), "oom-%s-%d", c->name, threads);
	const char *dir = tu_tmpdir(tag);
	snn_diag *d = snn_diag_new();
	ck_assert_ptr_nonnull(d);

	/* The clean run: it succeeds and counts the allocations to fail. */
	mem_fail_after(-1);
	int rc = attempt(c, dir, threads, d);
	long total = mem_alloc_count();
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	ck_assert_int_eq(entries(dir), 1);
	char out[4300];
	snprintf(out, sizeof(out), "%s/spikes.h5", dir);
	ck_assert_int_eq(unlink(out), 0);
	/* Loading, building and running a network allocates in the loader, the
	 * IR, the connectivity, the engine and the writer: far more than this
	 * unless the library bypasses the seam. */
	ck_assert_msg(total >= 50, "%s: only %ld allocations went through the seam", c->name,
		      total);

	long tries = total < OOM_MAX_TRIES ? total : OOM_MAX_TRIES;
	for (long t = 0; t < tries; t++) {
		long k = tries == total ? t : t * (total - 1) / (tries - 1);
		snn_diag_clear(d);
		mem_fail_after(k);
		rc = attempt(c, dir, threads, d);
		mem_fail_after(-1);
		if (rc != SNN_ENOMEM || !says_out_of_memory(d)) {
			snn_diag_print(d, stderr);
		}
		ck_assert_msg(rc == SNN_ENOMEM,
			      "%s: allocation %ld of %ld failed: status %d, not ENOMEM", c->name, k,
			      total, rc);
		ck_assert_int_eq(snn_exit_status(rc), 1);
		ck_assert_msg(snn_diag_first_code(d) == SNN_ENOMEM,
			      "%s: allocation %ld: first diagnostic code %d", c->name, k,
			      snn_diag_first_code(d));
		ck_assert_msg(says_out_of_memory(d),
			      "%s: allocation %ld: no 'out of memory' message", c->name, k);
		ck_assert_msg(entries(dir) == 0,
			      "%s: allocation %ld: a failed run left a file in %s", c->name, k,
			      dir);
	}
	printf("%s, %d thread%s: %ld allocations, %ld failed in turn\n", c->name, threads,
	       threads == 1 ? "" : "s", total, tries);
	snn_diag_free(d);
}

static const struct oom_case brunel_case = {"brunel", NULL, true};

START_TEST(test_oom_one_thread)
{
	struct oom_case c = brunel_case;
	c.path = brunel();
	fail_each_allocation(&c, 1);
}
END_TEST

START_TEST(test_oom_two_threads)
{
	struct oom_case c = brunel_case;
	c.path = brunel();
	fail_each_allocation(&c, 2);
}
END_TEST

START_TEST(test_oom_netx)
{
	/* lava-dl's netx network, opened by content like snnsim opens it */
	const char *p = tu_fixture("lava-dl/tiny.net");
	if (!p) {
		printf("fixtures absent: the netx case is not run\n");
		return;
	}
	struct oom_case c = {"tiny.net", p, false};
	fail_each_allocation(&c, 2);
}
END_TEST

START_TEST(test_hook_counts_and_fails)
{
	/* The seam itself: k allocations succeed, the next fails, off again. */
	mem_fail_after(2);
	void *a = mem_alloc(8), *b = mem_array(4, 4), *c = mem_zalloc(1);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(mem_alloc_count(), 3);
	mem_fail_after(-1);
	c = mem_strdup("x");
	ck_assert_str_eq(c, "x");
	/* overflow and zero sizes */
	ck_assert_ptr_null(mem_array((size_t)-1 / 2, 4));
	ck_assert_ptr_null(mem_array_raw((size_t)1 << 62, 8));
	void *z = mem_array(0, 16);
	ck_assert_ptr_nonnull(z);
	size_t cap = 0;
	int *g = NULL;
	ck_assert_int_eq(mem_grow((void **)&g, &cap, 100, sizeof(int)), SNN_OK);
	ck_assert_uint_ge(cap, 100);
	for (size_t i = 0; i < cap; i++) {
		ck_assert_int_eq(g[i], 0);
	}
	mem_fail_after(0);
	size_t cap2 = cap;
	int *g2 = g;
	ck_assert_int_eq(mem_grow((void **)&g, &cap, cap + 1, sizeof(int)), SNN_ENOMEM);
	ck_assert_ptr_eq(g, g2);
	ck_assert_uint_eq(cap, cap2);
	mem_fail_after(-1);
	mem_free(g);
	mem_free(z);
	mem_free(a);
	mem_free(b);
	mem_free(c);
	mem_free(NULL);
}
END_TEST

static Suite *oom_suite(void)
{
	Suite *s = suite_create("oom");
	TCase *t = tcase_create("seam");
	tcase_add_test(t, test_hook_counts_and_fails);
	suite_add_tcase(s, t);
	t = tcase_create("brunel");
	tcase_set_timeout(t, 600);
	tcase_add_test(t, test_oom_one_thread);
	tcase_add_test(t, test_oom_two_threads);
	tcase_add_test(t, test_oom_netx);
	suite_add_tcase(s, t);
	return s;
}

int main(void)
{
	SRunner *r = srunner_create(oom_suite());
	srunner_run_all(r, CK_NORMAL);
	int failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
