/*
 * The NIR -> loihi_lif converter (snn_nir_to_loihi): for the NIR paper's
 * graphs (single LIF, Braille RNNs flat and nested, the Sinabs CNN) the
 * converted network run in snnsim and its chip image run in the emulator give
 * the same spikes, step by step, for every population; the single LIF fires
 * where the float graph and Lava on Loihi 2 fire; nodes, weights and inputs
 * the chip cannot take are refused with a message that names them.
 */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connect_int.h"
#include "net_int.h"
#include "nirtest.h"
#include "snn/loihi.h"
#include "testutil.h"

static bool have(const char *rel)
{
	const char *p = tu_fixture(rel);
	FILE *f = p ? fopen(p, "rb") : NULL;
	if (f) {
		fclose(f);
	}
	return f != NULL;
}

static snn_net *convert(const snn_net *nir, const snn_nir_data *in)
{
	snn_diag *d = snn_diag_new();
	snn_net *out = NULL;
	int rc = snn_nir_to_loihi(nir, in, NULL, &out, d);
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	snn_diag_free(d);
	return out;
}

/* Converted with options (the per-layer output to *report when not NULL). */
static snn_net *convert_opts(const snn_net *nir, const snn_nir_data *in, bool no_conv,
			     char **report)
{
	snn_diag *d = snn_diag_new();
	snn_nir_loihi_options o;
	snn_nir_loihi_options_init(&o);
	o.no_conv = no_conv;
	size_t len = 0;
	o.report = report ? open_memstream(report, &len) : NULL;
	snn_net *out = NULL;
	int rc = snn_nir_to_loihi(nir, in, &o, &out, d);
	if (o.report) {
		fclose(o.report);
	}
	if (rc != SNN_OK) {
		snn_diag_print(d, stderr);
	}
	ck_assert_int_eq(rc, SNN_OK);
	snn_diag_free(d);
	return out;
}

/* One expanded synapse: global ids, weight, delay in steps. */
struct esyn {
	uint32_t tgt, src, delay;
	float w;
};

static int cmp_esyn(const void *a, const void *b)
{
	const struct esyn *x = a, *y = b;
	if (x->tgt != y->tgt) {
		return x->tgt < y->tgt ? -1 : 1;
	}
	if (x->src != y->src) {
		return x->src < y->src ? -1 : 1;
	}
	if (x->delay != y->delay) {
		return x->delay < y->delay ? -1 : 1;
	}
	return x->w < y->w ? -1 : x->w > y->w;
}

/* Every synapse of the network as the CPU engine's builder expands it (zero
 * weights are none), sorted; *n_conv gets the projections kept as
 * convolutions. */
static struct esyn *expand_all(const snn_net *net, uint64_t *n, uint32_t *n_conv)
{
	snn_diag *d = snn_diag_new();
	struct conn_scratch sc;
	memset(&sc, 0, sizeof(sc));
	struct esyn *v = NULL;
	uint64_t cap = 0;
	*n = 0;
	*n_conv = 0;
	for (uint32_t k = 0; k < net->n_projs; k++) {
		const struct projection *pr = &net->projs[k];
		*n_conv += pr->kind == PROJ_CONV;
		struct conn c;
		ck_assert_int_eq(conn_prepare(&c, net, k, net->sim.seed, d), SNN_OK);
		const struct population *A = &net->pops[pr->pre.pop], *B = &net->pops[pr->post.pop];
		for (uint32_t j = 0; j < B->size; j++) {
			uint64_t m;
			ck_assert_int_eq(conn_sources(&c, j, &sc, &m), 0);
			if (*n + m > cap) {
				cap = 2 * (*n + m);
				v = realloc(v, cap * sizeof(*v));
				ck_assert_ptr_nonnull(v);
			}
			for (uint64_t e = 0; e < m; e++) {
				v[(*n)++] = (struct esyn){B->first + j, A->first + sc.idx[e],
							  sc.dl[e], sc.w[e]};
			}
		}
		conn_release(&c);
	}
	conn_scratch_free(&sc);
	snn_diag_free(d);
	qsort(v, *n, sizeof(*v), cmp_esyn);
	return v;
}

/* The converted network with convolutions kept has, once expanded, exactly
 * the synapses (target, source, weight, delay) of the one with synapse lists
 * only, and the same populations. Returns the synapses; *n_conv: the
 * convolutions kept. */
static uint64_t same_synapses(const snn_net *kept, const snn_net *plain, uint32_t *n_conv)
{
	ck_assert_uint_eq(kept->n_pops, plain->n_pops);
	for (uint32_t p = 0; p < kept->n_pops; p++) {
		ck_assert_str_eq(kept->pops[p].name, plain->pops[p].name);
		ck_assert_uint_eq(kept->pops[p].first, plain->pops[p].first);
	}
	uint64_t na, nb;
	uint32_t ca, cb;
	struct esyn *a = expand_all(kept, &na, &ca), *b = expand_all(plain, &nb, &cb);
	ck_assert_uint_eq(cb, 0);
	ck_assert_uint_eq(na, nb);
	for (uint64_t k = 0; k < na; k++) {
		ck_assert_msg(cmp_esyn(&a[k], &b[k]) == 0,
			      "synapse %llu: %u <- %u (w %g, delay %u) kept, %u <- %u (w %g, delay "
			      "%u) plain",
			      (unsigned long long)k, a[k].tgt, a[k].src, (double)a[k].w, a[k].delay,
			      b[k].tgt, b[k].src, (double)b[k].w, b[k].delay);
	}
	free(a);
	free(b);
	*n_conv = ca;
	return na;
}

/* Bernoulli spikes of probability p on every input. */
static snn_nir_data *bernoulli(const snn_net *net, uint32_t samples, uint32_t steps, double p)
{
	snn_nir_data *in = new_data(net, samples, steps);
	for (size_t k = 0; k < snn_nir_data_inputs(in); k++) {
		uint32_t size;
		double *v = snn_nir_data_values(in, k, &size);
		for (size_t i = 0; i < (size_t)samples * steps * size; i++) {
			v[i] = rnd() < p ? 1.0 : 0.0;
		}
	}
	return in;
}

/* Runs the converted network in snnsim (every population to sim.h5),
 * compiles it, runs the image on sim.h5 and checks that every chip
 * population has the same spikes. Returns snnsim's spikes (caller frees) and
 * the chip's spike total in *total. */
static snn_spike_data *sim_vs_emu(snn_net *net, const char *tag, uint64_t *total)
{
	char *dir = strdup(tu_tmpdir(tag));
	char *simp = tu_fmt("%s/sim.h5", dir), *img = tu_fmt("%s/img.bin", dir),
	     *emup = tu_fmt("%s/emu.h5", dir);
	snn_diag *d = snn_diag_new();
	snn_sim_options o = {.threads = 2, .spike_path = simp, .record_all = true};
	snn_sim *sim = NULL;
	int rc = snn_sim_new(net, &o, &sim, d);
	if (rc == SNN_OK) {
		rc = snn_sim_run(sim, d);
	}
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	snn_sim_free(sim);
	rc = snn_loihi_compile(net, "loihi2-class", SNN_LOIHI_PLACE_SEQUENTIAL, img, NULL, d);
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	rc = snn_loihi_run_image(img, simp, emup, 0, NULL, d);
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	snn_spike_data *a = NULL, *b = NULL;
	ck_assert_int_eq(snn_spike_data_read(simp, &a, d), SNN_OK);
	ck_assert_int_eq(snn_spike_data_read(emup, &b, d), SNN_OK);
	*total = 0;
	for (size_t i = 0; i < snn_net_population_count(net); i++) {
		if (strcmp(snn_net_population_model(net, i), "loihi_lif") == 0) {
			const char *nm = snn_net_population_name(net, i);
			*total += tu_same_spikes(a, nm, b, nm);
		}
	}
	snn_spike_data_free(b);
	snn_diag_free(d);
	free(simp);
	free(img);
	free(emup);
	free(dir);
	return a;
}

/* The NIR paper's LIF on Lava's input: 461, 511, 711, 761, as the float
 * graph with Loihi's one-step pipeline and Lava on Loihi 2 fire. */
START_TEST(test_lif_norse)
{
	FILE *f = fopen(tu_fixture("nir/lif/lif_lava_cpu_fixed.csv"), "r");
	ck_assert_ptr_nonnull(f);
	snn_net *nir = load_nir(tu_fixture("nir/lif/lif_norse.nir"), NULL);
	snn_nir_data *in = new_data(nir, 1, 1000);
	uint32_t size;
	double *x = snn_nir_data_values(in, 0, &size);
	double v, s;
	int n = 0;
	while (n < 1000 && fscanf(f, "%lf,%lf,%lf", &x[n], &v, &s) == 3) {
		n++;
	}
	fclose(f);
	ck_assert_int_eq(n, 1000);
	snn_net *net = convert(nir, in);
	uint64_t total;
	snn_spike_data *a = sim_vs_emu(net, "nir_loihi_lif", &total);
	ck_assert_uint_eq(total, 4);
	const snn_spike_population *p = snn_spike_data_find(a, "1");
	static const int lava[4] = {461, 511, 711, 761};
	for (int k = 0; k < 4; k++) {
		/* step s ends at (s + 1) dt */
		ck_assert_double_eq(p->t_ms[k], (double)(lava[k] + 1) * 0.1);
	}
	snn_spike_data_free(a);
	snn_net_free(net);
	snn_nir_data_free(in);
	snn_net_free(nir);
}
END_TEST

/* A Braille RNN, flat and with its recurrent layer in a nested graph: the
 * same spikes in snnsim and the emulator, and the same in both files. */
static void braille(const char *flat, const char *nested, const char *l1, const char *l1n)
{
	snn_net *a = load_nir(tu_fixture(flat), NULL);
	snn_net *b = load_nir(tu_fixture(nested), NULL);
	rnd_state = 99;
	snn_nir_data *in = bernoulli(a, 3, 100, 0.2);
	snn_net *ca = convert(a, in), *cb = convert(b, in);
	uint64_t ta, tb;
	snn_spike_data *sa = sim_vs_emu(ca, "nir_loihi_braille_a", &ta);
	snn_spike_data *sb = sim_vs_emu(cb, "nir_loihi_braille_b", &tb);
	ck_assert_uint_eq(ta, tb);
	uint64_t n1 = tu_same_spikes(sa, l1, sb, l1n);
	uint64_t n2 = tu_same_spikes(sa, "lif2", sb, "lif2");
	ck_assert_msg(n1 > 0 && n2 > 0, "silent layers: %llu, %llu", (unsigned long long)n1,
		      (unsigned long long)n2);
	snn_spike_data_free(sa);
	snn_spike_data_free(sb);
	snn_net_free(ca);
	snn_net_free(cb);
	snn_nir_data_free(in);
	snn_net_free(a);
	snn_net_free(b);
}

START_TEST(test_braille_bias)
{
	braille("nir/rnn/braille_noDelay_bias_zero.nir",
		"nir/rnn/braille_noDelay_bias_zero_subgraph.nir", "lif1.lif", "lif1.lif1");
}
END_TEST

START_TEST(test_braille_nobias)
{
	braille("nir/rnn/braille_noDelay_noBias_subtract.nir",
		"nir/rnn/braille_noDelay_noBias_subtract_subgraph.nir", "lif1.lif", "lif1.lif1");
}
END_TEST

/* The paper's CNN (sum pooling composed into the next layers' synapses) on
 * three samples of Bernoulli spikes, with resets between them. */
START_TEST(test_cnn_sinabs)
{
	snn_net *nir = load_nir(tu_fixture("nir/cnn/cnn_sinabs.nir"), NULL);
	rnd_state = 7;
	snn_nir_data *in = bernoulli(nir, 3, 60, 0.1);
	snn_net *net = convert(nir, in);
	ck_assert_uint_eq(snn_net_population_count(net), 6); /* the relays are gone */
	uint64_t total;
	snn_spike_data *a = sim_vs_emu(net, "nir_loihi_cnn", &total);
	const snn_spike_population *out = snn_spike_data_find(a, "12");
	ck_assert_msg(out && out->n > 0 && total > 10000, "output %llu, total %llu",
		      out ? (unsigned long long)out->n : 0ull, (unsigned long long)total);
	snn_spike_data_free(a);
	snn_net_free(net);
	snn_nir_data_free(in);
	snn_net_free(nir);
}
END_TEST

/* input (1 x h x h) -> SumPool2d (kernel k, stride st, padding pp) ->
 * Conv2d (2 x 1 x 3 x 3, padding 1, random weights) -> IF -> output. */
static char *write_pool_conv(const char *tag, int h, int k, int st, int pp)
{
	char *path = tu_fmt("%s/g.nir", tu_tmpdir(tag));
	int hp = (h + 2 * pp - k) / st + 1;
	hid_t f = w_open(path, "1.0");
	hid_t g, nodes = w_graph(f, "node", &g);
	int64_t ins[3] = {1, h, h}, outs[3] = {2, hp, hp};
	w_io(nodes, "input", "Input", 3, ins);
	w_io(nodes, "output", "Output", 3, outs);
	hid_t pl = w_node(nodes, "pool", "SumPool2d");
	int64_t ks[2] = {k, k}, ss[2] = {st, st}, ps[2] = {pp, pp};
	w_i64(pl, "kernel_size", 2, ks);
	w_i64(pl, "stride", 2, ss);
	w_i64(pl, "padding", 2, ps);
	H5Gclose(pl);
	hid_t c = w_node(nodes, "conv", "Conv2d");
	hsize_t kd[4] = {2, 1, 3, 3}, bd[1] = {2};
	double kv[18], bias[2] = {0, 0};
	for (int i = 0; i < 18; i++) {
		kv[i] = rnd() - 0.4;
	}
	w_f32(c, "weight", 4, kd, kv);
	w_f32(c, "bias", 1, bd, bias);
	int64_t one[2] = {1, 1}, cin[2] = {hp, hp};
	w_i64(c, "stride", 2, one);
	w_i64(c, "padding", 2, one);
	w_i64(c, "dilation", 2, one);
	w_scalar_i64(c, "groups", 1);
	w_i64(c, "input_shape", 2, cin);
	H5Gclose(c);
	hid_t l = w_node(nodes, "if", "IF");
	hsize_t ld[3] = {2, (hsize_t)hp, (hsize_t)hp};
	double r[2 * 16 * 16], th = 1.0;
	for (int i = 0; i < 2 * hp * hp; i++) {
		r[i] = 1.0;
	}
	w_f64(l, "r", 3, ld, r);
	w_f64(l, "v_threshold", 0, NULL, &th);
	H5Gclose(l);
	const char *edges[] = {"input", "pool", "pool", "conv", "conv", "if", "if", "output"};
	w_edges(g, edges, 4);
	H5Gclose(nodes);
	H5Gclose(g);
	H5Fclose(f);
	return path;
}

/* A sum pool into a Conv2d becomes one convolution where the fold is exact
 * (the pool tiles its input, padding included) and a synapse list where it
 * is not (a row and column the pool leaves out would be taps of the folded
 * kernel; a pool that overlaps itself is no tiling), with the same expanded
 * synapses either way and the same spikes in snnsim and the emulator. */
START_TEST(test_pool_conv_fold)
{
	static const struct {
		int h, k, st, pp;
		uint32_t convs;
		const char *note;
	} cs[] = {
	    {8, 2, 2, 0, 1,
	     "sum pool folded into the convolution 2x1x6x6 (in 1x8x8, stride 2x2, "
	     "padding 2x2"},
	    {6, 2, 2, 1, 1,
	     "sum pool folded into the convolution 2x1x6x6 (in 1x6x6, stride 2x2, "
	     "padding 3x3"},
	    {7, 2, 2, 0, 0,
	     "synapse list, not a convolution: the kernel has taps the composed "
	     "synapses lack"},
	    {8, 2, 1, 0, 0,
	     "synapse list, not a convolution: its pool (kernel 2x2, stride 1x1) "
	     "does not tile its input"},
	};
	for (size_t c = 0; c < sizeof(cs) / sizeof(cs[0]); c++) {
		rnd_state = 31 + c;
		char *tag = tu_fmt("nir_loihi_fold%zu", c);
		char *p = write_pool_conv(tag, cs[c].h, cs[c].k, cs[c].st, cs[c].pp);
		snn_net *nir = load_nir(p, NULL);
		snn_nir_data *in = bernoulli(nir, 2, 30, 0.3);
		char *rep = NULL;
		snn_net *kept = convert_opts(nir, in, false, &rep);
		snn_net *plain = convert_opts(nir, in, true, NULL);
		uint32_t nc;
		uint64_t ns = same_synapses(kept, plain, &nc);
		ck_assert_msg(strstr(rep, cs[c].note) != NULL, "'%s' not in:\n%s", cs[c].note, rep);
		ck_assert_uint_eq(nc, cs[c].convs);
		ck_assert_uint_gt(ns, 50);
		uint64_t total;
		snn_spike_data *a = sim_vs_emu(kept, tag, &total);
		ck_assert_uint_gt(total, 0);
		snn_spike_data_free(a);
		free(rep);
		snn_net_free(kept);
		snn_net_free(plain);
		snn_nir_data_free(in);
		snn_net_free(nir);
		free(p);
		free(tag);
	}
}
END_TEST

/* Whether a file's bytes equal another file's. */
static bool same_bytes(const char *a, const char *b)
{
	FILE *f = fopen(a, "rb"), *g = fopen(b, "rb");
	ck_assert(f && g);
	int x, y;
	do {
		x = fgetc(f);
		y = fgetc(g);
	} while (x == y && x != EOF);
	fclose(f);
	fclose(g);
	return x == y;
}

/* Compiles net for loihi2-class (sequential placement), with or without
 * weight sharing, into img (the mapping report into *rep), and runs the
 * image on the inputs of simp into emup. */
static void compile_emu(const snn_net *net, bool share, const char *img, const char *simp,
			const char *emup, char **rep)
{
	size_t len = 0;
	snn_loihi_options o = {.placement = SNN_LOIHI_PLACE_SEQUENTIAL};
	o.no_weight_sharing = !share;
	o.report = open_memstream(rep, &len);
	snn_diag *d = snn_diag_new();
	int rc = snn_loihi_compile_opts(net, "loihi2-class", &o, img, d);
	fclose(o.report);
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	rc = snn_loihi_run_image(img, simp, emup, 0, NULL, d);
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	snn_diag_free(d);
}

static void run_sim(const snn_net *net, const char *path)
{
	snn_diag *d = snn_diag_new();
	snn_sim_options o = {.threads = 2, .spike_path = path, .record_all = true};
	snn_sim *sim = NULL;
	int rc = snn_sim_new(net, &o, &sim, d);
	if (rc == SNN_OK) {
		rc = snn_sim_run(sim, d);
	}
	snn_diag_print(d, stderr);
	ck_assert_int_eq(rc, SNN_OK);
	snn_sim_free(sim);
	snn_diag_free(d);
}

static snn_spike_data *read_spikes(const char *path)
{
	snn_diag *d = snn_diag_new();
	snn_spike_data *s = NULL;
	ck_assert_int_eq(snn_spike_data_read(path, &s, d), SNN_OK);
	snn_diag_free(d);
	return s;
}

/* The converted CNN keeps its two convolutions and its pool + convolution
 * as three convolutions with exactly the synapses of the synapse-list
 * conversion; on loihi2-class its image with shared kernels (version 2) and
 * its image expanded (--weight-sharing off, version 1, byte for byte the
 * image of the synapse-list conversion) give the same spikes as each other
 * and as snnsim (the converted network with convolutions and without), and
 * the shared image is smaller. */
START_TEST(test_cnn_shared_vs_expanded)
{
	snn_net *nir = load_nir(tu_fixture("nir/cnn/cnn_sinabs.nir"), NULL);
	rnd_state = 7;
	snn_nir_data *in = bernoulli(nir, 3, 60, 0.1);
	char *rep = NULL;
	snn_net *kept = convert_opts(nir, in, false, &rep);
	snn_net *plain = convert_opts(nir, in, true, NULL);
	fprintf(stderr, "%s", rep);
	ck_assert_msg(strstr(rep, "from 3        sum pool folded into the convolution 8x16x6x6 (in "
				  "16x16x16, stride 2x2, padding 2x2") != NULL,
		      "%s", rep);
	uint32_t nc;
	uint64_t ns = same_synapses(kept, plain, &nc);
	ck_assert_uint_eq(nc, 3);
	fprintf(stderr, "cnn_sinabs converted: %llu synapses, %u convolutions kept\n",
		(unsigned long long)ns, nc);
	/* the comparison sees one kernel entry changed by one */
	for (uint32_t k = 0; k < kept->n_projs; k++) {
		struct proj_explicit *x = kept->projs[k].x;
		if (x->kind == PROJ_CONV) {
			uint64_t na, nb;
			uint32_t ca, cb;
			x->conv.kernel[7] += 1.0f;
			struct esyn *a = expand_all(kept, &na, &ca);
			struct esyn *b = expand_all(plain, &nb, &cb);
			uint64_t diff = na != nb;
			for (uint64_t e = 0; !diff && e < na; e++) {
				diff += cmp_esyn(&a[e], &b[e]) != 0;
			}
			ck_assert_uint_ne(diff, 0);
			x->conv.kernel[7] -= 1.0f;
			free(a);
			free(b);
			break;
		}
	}
	char *dir = strdup(tu_tmpdir("nir_loihi_cnn_share"));
	char *simk = tu_fmt("%s/sim_kept.h5", dir), *simp = tu_fmt("%s/sim_plain.h5", dir),
	     *img2 = tu_fmt("%s/shared.bin", dir), *img1 = tu_fmt("%s/expanded.bin", dir),
	     *img0 = tu_fmt("%s/plain.bin", dir), *emu2 = tu_fmt("%s/shared.h5", dir),
	     *emu1 = tu_fmt("%s/expanded.h5", dir), *emu0 = tu_fmt("%s/plain.h5", dir);
	run_sim(kept, simk);
	run_sim(plain, simp);
	char *r2 = NULL, *r1 = NULL, *r0 = NULL;
	compile_emu(kept, true, img2, simk, emu2, &r2);
	compile_emu(kept, false, img1, simk, emu1, &r1);
	compile_emu(plain, true, img0, simk, emu0, &r0);
	fprintf(stderr, "shared (%ld bytes):\n%sexpanded (%ld bytes):\n%s", tu_file_size(img2), r2,
		tu_file_size(img1), r1);
	ck_assert_uint_eq(tu_image_version(img2), 2);
	ck_assert_uint_eq(tu_image_version(img1), 1);
	ck_assert_msg(strstr(r2, "weight sharing   3 conv kernels") != NULL, "%s", r2);
	ck_assert(same_bytes(img1, img0));
	ck_assert_int_lt(tu_file_size(img2), tu_file_size(img1));
	snn_spike_data *sk = read_spikes(simk), *sp = read_spikes(simp), *e2 = read_spikes(emu2),
		       *e1 = read_spikes(emu1);
	uint64_t total = 0;
	for (size_t i = 0; i < snn_net_population_count(kept); i++) {
		const char *nm = snn_net_population_name(kept, i);
		tu_same_spikes(sk, nm, sp, nm);
		if (strcmp(snn_net_population_model(kept, i), "loihi_lif") == 0) {
			total += tu_same_spikes(sk, nm, e2, nm);
			tu_same_spikes(e1, nm, e2, nm);
		}
	}
	ck_assert_uint_gt(total, 10000);
	snn_spike_data_free(sk);
	snn_spike_data_free(sp);
	snn_spike_data_free(e2);
	snn_spike_data_free(e1);
	free(r0);
	free(r1);
	free(r2);
	free(simk);
	free(simp);
	free(img2);
	free(img1);
	free(img0);
	free(emu2);
	free(emu1);
	free(emu0);
	free(dir);
	free(rep);
	snn_net_free(kept);
	snn_net_free(plain);
	snn_nir_data_free(in);
	snn_net_free(nir);
}
END_TEST

/* input[2] -> Affine (weights w, bias 0) -> node of `type` -> output. */
static char *write_graph(const char *tag, const char *type, double w)
{
	char *path = tu_fmt("%s/g.nir", tu_tmpdir(tag));
	hid_t f = w_open(path, "1.0");
	hid_t g, nodes = w_graph(f, "node", &g);
	int64_t s2[1] = {2};
	w_io(nodes, "input", "Input", 1, s2);
	w_io(nodes, "output", "Output", 1, s2);
	hid_t a = w_node(nodes, "fc", "Affine");
	hsize_t ad[2] = {2, 2}, d2[1] = {2};
	double wv[4] = {w, 0, 0, w}, zero[2] = {0, 0}, one[2] = {1, 1}, tau[2] = {1e-3, 1e-3};
	w_f32(a, "weight", 2, ad, wv);
	w_f32(a, "bias", 1, d2, zero);
	H5Gclose(a);
	hid_t l = w_node(nodes, "n", type);
	if (strcmp(type, "LIF") == 0) {
		w_f64(l, "tau", 1, d2, tau);
		w_f64(l, "r", 1, d2, one);
		w_f64(l, "v_leak", 1, d2, zero);
		w_f64(l, "v_reset", 1, d2, zero);
	}
	w_f64(l, strcmp(type, "Threshold") == 0 ? "threshold" : "v_threshold", 1, d2, one);
	H5Gclose(l);
	const char *edges[] = {"input", "fc", "fc", "n", "n", "output"};
	w_edges(g, edges, 3);
	H5Gclose(nodes);
	H5Gclose(g);
	H5Fclose(f);
	return path;
}

static void expect_error(const snn_net *nir, const snn_nir_data *in, int code, const char *what)
{
	snn_diag *d = snn_diag_new();
	snn_net *out = NULL;
	snn_nir_loihi_options o;
	snn_nir_loihi_options_init(&o);
	o.input_path = "spikes.h5";
	ck_assert_int_eq(snn_nir_to_loihi(nir, in, &o, &out, d), code);
	ck_assert_ptr_null(out);
	const char *m = snn_diag_message(d, snn_diag_count(d) - 1);
	ck_assert_msg(strstr(m, what) != NULL, "'%s' not in: %s", what, m);
	snn_diag_free(d);
}

START_TEST(test_errors)
{
	/* a node with no Loihi equivalent, named */
	char *p = write_graph("nir_loihi_thr", "Threshold", 1.0);
	snn_net *nir = load_nir(p, NULL);
	expect_error(nir, NULL, SNN_EUNSUP,
		     "population 'n' (nir_threshold, a stateless Heaviside step) has no "
		     "loihi_lif equivalent");
	snn_net_free(nir);
	free(p);
	/* weights 10^9 times below the threshold: no weight exponent reaches */
	p = write_graph("nir_loihi_tiny", "LIF", 1e-9);
	nir = load_nir(p, NULL);
	expect_error(nir, NULL, SNN_ERANGE, "the weights cannot be represented");
	snn_net_free(nir);
	free(p);
	/* a non-binary input value, with its place */
	p = write_graph("nir_loihi_in", "LIF", 1.0);
	nir = load_nir(p, NULL);
	snn_nir_data *in = new_data(nir, 2, 5);
	uint32_t size;
	double *x = snn_nir_data_values(in, 0, &size);
	x[(1 * 5 + 3) * 2 + 1] = 0.5;
	expect_error(nir, in, SNN_EINVAL,
		     "input 'input', sample 1, step 3, element 1: value 0.5 is not a "
		     "spike");
	/* and the same graph with binary input converts: one weight, exact */
	x[(1 * 5 + 3) * 2 + 1] = 1.0;
	snn_net *net = convert(nir, in);
	ck_assert_uint_eq(snn_net_population_count(net), 2);
	snn_net_free(net);
	snn_nir_data_free(in);
	snn_net_free(nir);
	free(p);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("nir_loihi");
	TCase *tc = tcase_create("convert");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_pool_conv_fold);
	bool lif = have("nir/lif/lif_norse.nir") && have("nir/lif/lif_lava_cpu_fixed.csv");
	bool rnn = have("nir/rnn/braille_noDelay_bias_zero.nir") &&
		   have("nir/rnn/braille_noDelay_bias_zero_subgraph.nir") &&
		   have("nir/rnn/braille_noDelay_noBias_subtract.nir") &&
		   have("nir/rnn/braille_noDelay_noBias_subtract_subgraph.nir");
	bool cnn = have("nir/cnn/cnn_sinabs.nir");
	if (lif) {
		tcase_add_test(tc, test_lif_norse);
	}
	if (rnn) {
		tcase_add_test(tc, test_braille_bias);
		tcase_add_test(tc, test_braille_nobias);
	}
	if (cnn) {
		tcase_add_test(tc, test_cnn_sinabs);
		tcase_add_test(tc, test_cnn_shared_vs_expanded);
	}
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (failed) {
		return EXIT_FAILURE;
	}
	if (!lif || !rnn || !cnn) {
		printf("SKIP: NIR fixtures absent; the synthetic cases passed\n");
		return 77;
	}
	return EXIT_SUCCESS;
}
