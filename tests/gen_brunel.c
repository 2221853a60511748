/*
 * Writes a Brunel-style random network as a NIR graph, for snncc's tests:
 * N_EXT external inputs -> sparse Affine -> LIF layer of N_E excitatory and
 * N_I inhibitory neurons with a sparse recurrent Affine (fixed in-degrees
 * C_E and C_I, inhibition g = 5 times stronger), sized for a microcontroller.
 * Layer: tests (a generator, not a test). usage: gen_brunel OUT.nir
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "nirtest.h"

static const char *out_path;

#define N_EXT 200
#define N_E 400
#define N_I 100
#define N (N_E + N_I)
#define C_EXT 20
#define C_E 40
#define C_I 10

/* k distinct sources in [lo, hi) for one target (marks chosen in used). */
static void pick(double *row, int lo, int hi, int k, double w)
{
	while (k > 0) {
		int j = lo + (int)(rnd() * (hi - lo));
		if (row[j] == 0.0) {
			row[j] = w;
			k--;
		}
	}
}

/* The writing helpers report through Check: the generator runs as a test. */
START_TEST(write_brunel)
{
	rnd_state = 12345;
	double *wext = calloc((size_t)N * N_EXT, sizeof(double));
	double *wrec = calloc((size_t)N * N, sizeof(double));
	double *tau = malloc(N * sizeof(double)), *r = malloc(N * sizeof(double));
	double *vl = calloc(N, sizeof(double)), *th = malloc(N * sizeof(double));
	double *vr = malloc(N * sizeof(double));
	ck_assert(wext && wrec && tau && r && vl && th && vr);
	const double J = 0.5, g = 5.0;
	for (int i = 0; i < N; i++) {
		pick(wext + (size_t)i * N_EXT, 0, N_EXT, C_EXT, J);
		pick(wrec + (size_t)i * N, 0, N_E, C_E, J);
		pick(wrec + (size_t)i * N, N_E, N, C_I, -g * J);
		tau[i] = 20e-3;
		r[i] = 200.0; /* tau / dt: a spike of weight w moves v by w */
		th[i] = 20.0;
		vr[i] = 10.0;
	}
	hid_t f = w_open(out_path, "1.0.0"), gr;
	hid_t nodes = w_graph(f, "node", &gr);
	int64_t in_shape[1] = {N_EXT}, out_shape[1] = {N};
	w_io(nodes, "input", "Input", 1, in_shape);
	hid_t a = w_node(nodes, "ext", "Linear");
	hsize_t ad[2] = {N, N_EXT};
	w_f32(a, "weight", 2, ad, wext);
	H5Gclose(a);
	hid_t rc = w_node(nodes, "rec", "Linear");
	hsize_t rd[2] = {N, N};
	w_f32(rc, "weight", 2, rd, wrec);
	H5Gclose(rc);
	hid_t l = w_node(nodes, "lif", "LIF");
	hsize_t ld[1] = {N};
	w_f64(l, "tau", 1, ld, tau);
	w_f64(l, "r", 1, ld, r);
	w_f64(l, "v_leak", 1, ld, vl);
	w_f64(l, "v_threshold", 1, ld, th);
	w_f64(l, "v_reset", 1, ld, vr);
	H5Gclose(l);
	w_io(nodes, "output", "Output", 1, out_shape);
	const char *edges[] = {"input", "ext", "ext", "lif", "lif",
			       "rec",	"rec", "lif", "lif", "output"};
	w_edges(gr, edges, 5);
	H5Gclose(nodes);
	H5Gclose(gr);
	H5Fclose(f);
	free(wext);
	free(wrec);
	free(tau);
	free(r);
	free(vl);
	free(th);
	free(vr);
}
END_TEST

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_brunel OUT.nir\n");
		return 2;
	}
	out_path = argv[1];
	Suite *s = suite_create("gen_brunel");
	TCase *tc = tcase_create("write");
	tcase_add_test(tc, write_brunel);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_set_fork_status(sr, CK_NOFORK);
	srunner_run_all(sr, CK_SILENT);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
