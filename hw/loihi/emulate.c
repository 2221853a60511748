/*
 * snn_loihi_run_image: runs a chip image (read by image.c; the format is in
 * image_int.h) step by step with the same integer neuron arithmetic as
 * loihi_lif (model_loihi.h): spikes travel along each core's axon table into
 * per-neuron delay rings.
 * Layer: hw. Allocates everything before the step loop.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv_int.h"
#include "image_int.h"
#include "loihi_int.h"
#include "mem_int.h"
#include "model_loihi.h"
#include "snn/spikes.h"

/* Input spikes as (step, gid) lists per step (CSR over steps). */
static int load_input(const struct image *E, const char *path, uint64_t **off_out,
		      uint32_t **gid_out)
{
	/* steps comes from the image: a count that wraps here is one that
	 * memory could not hold anyway */
	uint64_t *off = E->steps < SIZE_MAX - 2 ? mem_array(E->steps + 2, sizeof(uint64_t)) : NULL;
	uint32_t *gid = NULL;
	snn_spike_data *sd = NULL;
	int rc = SNN_OK;
	if (!off) {
		return mem_nomem(E->d);
	}
	if (path) {
		rc = snn_spike_data_read(path, &sd, E->d);
		if (rc != SNN_OK) {
			mem_free(off);
			return rc;
		}
	}
	uint64_t total = 0;
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; sd && i < E->n_pops; i++) {
			const struct epop *p = &E->pops[i];
			const snn_spike_population *sp = snn_spike_data_find(sd, p->name);
			if (p->kind != 0 || !sp) {
				continue;
			}
			for (uint64_t k = 0; k < sp->n; k++) {
				/* a spike stamped t was emitted in step t / dt - 1 */
				double st = sp->t_ms[k] / E->dt_ms - 1.0;
				int64_t s = llround(st);
				if (fabs(st - (double)s) > 1e-6 || s < 0 ||
				    sp->node_ids[k] >= p->size) {
					rc = snn_diag_error(
					    E->d, SNN_EPARSE, path, 0, 0,
					    "population '%s': spike of node %llu at %g ms "
					    "is off the grid or outside the population",
					    p->name, (unsigned long long)sp->node_ids[k],
					    sp->t_ms[k]);
					goto out_free;
				}
				if ((uint64_t)s >= E->steps) {
					continue;
				}
				if (pass == 0) {
					off[s + 2]++;
					total++;
				} else {
					gid[off[s + 1]++] = p->first + (uint32_t)sp->node_ids[k];
				}
			}
		}
		if (pass == 0) {
			for (uint64_t s = 0; s < E->steps; s++) {
				off[s + 2] += off[s + 1];
			}
			gid = mem_array_raw(total, sizeof(uint32_t));
			if (!gid) {
				rc = mem_nomem(E->d);
				goto out_free;
			}
		}
	}
	*off_out = off;
	*gid_out = gid;
	snn_spike_data_free(sd);
	return SNN_OK;
out_free:
	mem_free(off);
	mem_free(gid);
	snn_spike_data_free(sd);
	return rc;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The run's delay rings, scratch and counters, allocated before the loop. */
struct run_buf {
	uint32_t slots;	  /* ring rows: a power of two above the longest delay */
	int64_t *ring;	  /* slots x n input sums, row (step mod slots) */
	uint64_t *in_off; /* input spikes by step (load_input) */
	uint32_t *in_gid;
	uint32_t *spk; /* the spikes of the step: inputs first, then the cores' */
	double *ts;
	uint64_t *ids;
	uint32_t *pop_of; /* per gid */
	uint32_t *wslot;  /* per population: its slot in the spike file */
	const char **names;
	uint32_t *tap_out, *tap_k; /* a conv input's taps */
	uint64_t intercore, offchip_in, synops, updates, spikes;
};

static void run_free(struct run_buf *B)
{
	mem_free(B->in_off);
	mem_free(B->in_gid);
	mem_free(B->ring);
	mem_free(B->spk);
	mem_free(B->ts);
	mem_free(B->ids);
	mem_free(B->pop_of);
	mem_free(B->wslot);
	mem_free(B->names);
	mem_free(B->tap_out);
	mem_free(B->tap_k);
}

static int run_alloc(const struct image *E, struct run_buf *B)
{
	uint64_t max_taps = 0; /* of an input through any kernel */
	for (uint64_t k = 0; k < E->n_kerns; k++) {
		uint64_t t = conv_max_taps_of_input(&E->kerns[k].cv);
		max_taps = t > max_taps ? t : max_taps;
	}
	B->slots = 1;
	while (B->slots <= E->max_delay) {
		B->slots <<= 1;
	}
	B->ring = mem_array(E->n, (size_t)B->slots * sizeof(int64_t));
	B->spk = mem_array_raw(E->n, sizeof(uint32_t));
	B->ts = mem_array_raw(E->n, sizeof(double));
	B->ids = mem_array_raw(E->n, sizeof(uint64_t));
	B->pop_of = mem_array_raw(E->n, sizeof(uint32_t));
	B->wslot = mem_array_raw(E->n_pops, sizeof(uint32_t));
	B->names = mem_array_raw(E->n_pops, sizeof(char *));
	B->tap_out = mem_array_raw(max_taps, sizeof(uint32_t));
	B->tap_k = mem_array_raw(max_taps, sizeof(uint32_t));
	if (!B->ring || !B->spk || !B->ts || !B->ids || !B->pop_of || !B->wslot || !B->names ||
	    !B->tap_out || !B->tap_k) {
		return mem_nomem(E->d);
	}
	return SNN_OK;
}

/* The populations' slots in the spike file: the chip populations, in order. */
static uint32_t spike_slots(const struct image *E, struct run_buf *B)
{
	uint32_t nw = 0;
	for (uint32_t i = 0; i < E->n_pops; i++) {
		for (uint32_t k = 0; k < E->pops[i].size; k++) {
			B->pop_of[E->pops[i].first + k] = i;
		}
		if (E->pops[i].kind == 1) {
			B->wslot[i] = nw;
			B->names[nw++] = E->pops[i].name;
		}
	}
	return nw;
}

/* Step n on every core: neurons update in id order with the sums that
 * arrived for n; their spikes go after the ns so far. Returns the new ns. */
static uint32_t update_cores(struct image *E, struct run_buf *B, uint64_t n, uint32_t ns)
{
	int64_t *slot = B->ring + (size_t)(n & (B->slots - 1)) * E->n;
	for (uint32_t c = 0; c < E->n_cores; c++) {
		for (uint32_t k = E->core_first[c]; k < E->core_first[c + 1]; k++) {
			uint32_t g = E->core_gid[k];
			const struct loihi_prop *P = &E->prop[g];
			if (loihi_reset_due(P, n)) {
				E->u[g] = E->v[g] = 0;
				E->ref[g] = 0;
			}
			if (loihi_step(P, &E->u[g], &E->v[g], &E->ref[g], slot[g])) {
				B->spk[ns++] = g;
			}
			slot[g] = 0;
		}
	}
	B->updates += E->core_first[E->n_cores];
	return ns;
}

/* The spikes of step n, spk[n_in, ns), in id order, whatever the placement:
 * the spike file of an image does not depend on how its network was mapped. */
static int record(const struct image *E, struct run_buf *B, snn_spike_writer *w, uint64_t n,
		  uint32_t n_in, uint32_t ns)
{
	qsort(B->spk + n_in, ns - n_in, sizeof(uint32_t), cmp_u32);
	for (uint32_t j = n_in; j < ns; j++) {
		uint32_t g = B->spk[j], p = B->pop_of[g];
		B->ts[0] = (double)(n + 1) * E->dt_ms;
		B->ids[0] = g - E->pops[p].first;
		int rc = snn_spike_writer_append(w, B->wslot[p], B->ts, B->ids, 1, E->d);
		if (rc != SNN_OK) {
			return rc;
		}
	}
	B->spikes += ns - n_in;
	return SNN_OK;
}

/* Routes spike g of step n (an input port's when `input`) along its axons
 * and conv axons into the rings. */
static void route(const struct image *E, struct run_buf *B, uint64_t n, uint32_t g, bool input)
{
	for (uint64_t a = E->src_off[g]; a < E->src_off[g + 1]; a++) {
		const struct eaxon *ax = &E->axons[E->axon_of[a]];
		if (input) {
			B->offchip_in++;
		} else if (ax->core != E->core[g]) {
			B->intercore++;
		}
		for (uint64_t s = ax->first; s < ax->first + ax->n; s++) {
			uint32_t t = E->core_gid[E->syn_tgt[s]];
			B->ring[(size_t)((n + E->syn_delay[s]) & (B->slots - 1)) * E->n + t] +=
			    E->syn_w[s];
		}
		B->synops += ax->n;
	}
	/* conv axons: the kernel's taps of the source that land on the axon's
	 * core, as the expanded synapses would (zero weights are no synapse);
	 * the sums are exact integers, wrapped only when the neuron reads them,
	 * so the order of the additions cannot matter */
	for (uint64_t a = E->csrc_off[g]; a < E->csrc_off[g + 1]; a++) {
		const struct ecaxon *ax = &E->caxons[E->caxon_of[a]];
		const struct ekern *K = &E->kerns[ax->kern];
		if (input) {
			B->offchip_in++;
		} else if (K->core != E->core[g]) {
			B->intercore++;
		}
		uint32_t nt = conv_taps_of_input(&K->cv, ax->in, B->tap_out, B->tap_k);
		size_t row = (size_t)((n + K->delay) & (B->slots - 1)) * E->n;
		for (uint32_t t = 0; t < nt; t++) {
			uint32_t o = B->tap_out[t], tg = K->post_first + o;
			int32_t wt = K->w[B->tap_k[t]];
			if (o < K->lo || o >= K->hi || wt == 0 || E->core[tg] != K->core) {
				continue;
			}
			B->ring[row + tg] += wt;
			B->synops++;
		}
	}
}

/* snnemu --report: the run's counts and the target's estimates. */
static void report_run(const struct image *E, const struct run_buf *B, FILE *report)
{
	const struct loihi_target *T = loihi_target_find(E->target);
	double st = E->steps ? (double)E->steps : 1.0;
	fprintf(report, "target              %s, %u cores\n", E->target, E->n_cores);
	fprintf(report, "steps               %llu\n", (unsigned long long)E->steps);
	fprintf(report, "spikes              %llu\n", (unsigned long long)B->spikes);
	fprintf(report, "inter-core spikes   %.3f per step (%llu in all)\n",
		(double)B->intercore / st, (unsigned long long)B->intercore);
	fprintf(report, "input spikes routed %.3f per step\n", (double)B->offchip_in / st);
	fprintf(report, "synaptic ops        %.3f per step\n", (double)B->synops / st);
	if (T) {
		/* cores work in parallel: the busiest core sets the pace; we bound
		 * it by the mean plus the barrier */
		double per_core = ((double)B->synops * T->ns_per_synop +
				   (double)B->updates * T->ns_per_neuron_update) /
				  st / (E->n_cores ? E->n_cores : 1);
		double pj = ((double)B->synops * T->pj_per_synop +
			     (double)B->updates * T->pj_per_neuron_update +
			     (double)B->intercore * T->pj_per_spike_hop) /
			    st;
		fprintf(report, "est. time per step  %.3f us (published per-op figures)\n",
			(per_core + T->ns_per_step_barrier) * 1e-3);
		fprintf(report, "est. energy         %.3f nJ per step, %.1f pJ per synaptic op\n",
			pj * 1e-3, T->pj_per_synop);
	}
}

static int run(struct image *E, const char *input, const char *out_path,
	       const snn_loihi_run_options *o)
{
	FILE *report = o->report;
	struct run_buf B = {0};
	snn_spike_writer *w = NULL;
	int rc = run_alloc(E, &B);
	if (rc == SNN_OK) {
		rc = load_input(E, input, &B.in_off, &B.in_gid);
	}
	if (rc != SNN_OK) {
		goto out_free;
	}
	uint32_t nw = spike_slots(E, &B);
	char prov_sw[64];
	snprintf(prov_sw, sizeof(prov_sw), "Spikeforge snnemu (%s)", E->target);
	snn_provenance prov = {.software = prov_sw,
			       .engine = "snnemu",
			       .dt_ms = E->dt_ms,
			       .duration_ms = (double)E->steps * E->dt_ms};
	rc = snn_spike_writer_open(out_path, SNN_SPIKES_HDF5, B.names, nw, &prov, &w, E->d);
	if (rc != SNN_OK) {
		goto out_free;
	}
	for (uint64_t n = 0; n < E->steps && rc == SNN_OK; n++) {
		if (o->stop && o->stop(o->stop_ctx)) {
			rc = snn_diag_error(E->d, SNN_EINTR, NULL, 0, 0,
					    "stopped at t = %g ms; no output was written",
					    (double)n * E->dt_ms);
			break;
		}
		uint32_t ns = 0;
		/* input ports emit their spikes of this step */
		for (uint64_t k = B.in_off[n]; k < B.in_off[n + 1]; k++) {
			B.spk[ns++] = B.in_gid[k];
		}
		uint32_t n_in = ns;
		ns = update_cores(E, &B, n, ns);
		rc = record(E, &B, w, n, n_in, ns);
		/* route every spike along its axons */
		for (uint32_t j = 0; j < ns; j++) {
			route(E, &B, n, B.spk[j], j < n_in);
		}
	}
	if (rc == SNN_OK) {
		rc = snn_spike_writer_commit(w, E->d);
	} else {
		snn_spike_writer_abort(w);
	}
	if (rc == SNN_OK && report) {
		report_run(E, &B, report);
	}
out_free:
	run_free(&B);
	return rc;
}

int snn_loihi_run_image_opts(const char *image_path, const char *input_path, const char *out_path,
			     const snn_loihi_run_options *o, snn_diag *d)
{
	snn_loihi_run_options none = {0};
	if (!o) {
		o = &none;
	}
	struct image E = {0};
	int rc = image_load(&E, image_path, d);
	if (rc == SNN_OK) {
		if (o->steps > 0) {
			E.steps = (uint64_t)o->steps;
		}
		rc = run(&E, input_path, out_path, o);
	}
	image_free(&E);
	return rc;
}

int snn_loihi_run_image(const char *image_path, const char *input_path, const char *out_path,
			long steps, FILE *report, snn_diag *d)
{
	snn_loihi_run_options o = {.steps = steps, .report = report};
	return snn_loihi_run_image_opts(image_path, input_path, out_path, &o, d);
}
