/*
 * snncc's driver: picks the job's backend row (cc_job_run). Microcontroller
 * targets: loads a NIR graph or a config, draws or reads the test input,
 * runs the float model for calibration and for the error report, quantizes,
 * checks the fit against the target and hands the model to the backend.
 * Loihi-class targets: loads a config, a lava-dl .net or a NIR graph
 * (converted to loihi_lif) and maps it onto the chip.
 * Layer: compiler. Writes only into the output folder (through the backend).
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cc_int.h"
#include "mem_int.h"
#include "snn/load.h"
#include "snn/netx.h"

/* Room for the image's code (runtime, board, main), measured at about 3 kB
 * on Cortex-M and RISC-V at -O2: kept in the fit check. */
#define CODE_BYTES 4096u

static uint64_t xs_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Bernoulli spikes: each input value is 1 with probability `rate`. */
static int draw_input(snn_net *net, const struct cc_options *o, snn_nir_data **out, snn_diag *d)
{
	int rc = snn_nir_data_new(net, o->samples, o->steps, out, d);
	if (rc != SNN_OK) {
		return rc;
	}
	uint64_t s = o->seed * 0x9E3779B97F4A7C15ull + 1;
	for (size_t k = 0; k < snn_nir_data_inputs(*out); k++) {
		uint32_t size;
		double *v = snn_nir_data_values(*out, k, &size);
		size_t n = (size_t)o->samples * o->steps * size;
		for (size_t i = 0; i < n; i++) {
			v[i] = (double)(xs_next(&s) >> 11) * 0x1p-53 < o->rate ? 1.0 : 0.0;
		}
	}
	return SNN_OK;
}

/* The first n samples of in. */
static int first_samples(snn_net *net, snn_nir_data *in, uint32_t n, snn_nir_data **out,
			 snn_diag *d)
{
	uint32_t steps = snn_nir_data_steps(in);
	int rc = snn_nir_data_new(net, n, steps, out, d);
	for (size_t k = 0; rc == SNN_OK && k < snn_nir_data_inputs(in); k++) {
		uint32_t size;
		const double *src = snn_nir_data_values(in, k, &size);
		double *dst = snn_nir_data_values(*out, k, &size);
		memcpy(dst, src, (size_t)n * steps * size * sizeof(double));
	}
	return rc;
}

/* Class of a sample: the output unit with the most spikes (or largest
 * summed value), the lowest index on ties; -1 when all are 0. */
static long argmax(const double *sum, uint32_t n)
{
	long best = -1;
	double bv = 0.0;
	for (uint32_t i = 0; i < n; i++) {
		if (sum[i] > bv) {
			bv = sum[i];
			best = i;
		}
	}
	return best;
}

struct agreement {
	uint32_t samples, same_class, active; /* active: float model emitted something */
	uint64_t steps, same_steps;
	double float_total, quant_total;
	uint64_t events;
};

/* Compares the quantized run with the float run `fr` on every sample of in:
 * output per step and class per sample. */
static int compare(const struct cc_model *m, const snn_nir_result *fr, const snn_nir_data *in,
		   struct agreement *ag, snn_diag *d)
{
	uint32_t steps = snn_nir_data_steps(in), samples = snn_nir_data_samples(in);
	uint32_t width = cc_output_width(m);
	int32_t *y = mem_array((size_t)steps * width, sizeof(int32_t));
	double *sf = mem_array(width, sizeof(double));
	double *sq = mem_array(width, sizeof(double));
	int rc = SNN_OK;
	memset(ag, 0, sizeof(*ag));
	if (!y || !sf || !sq) {
		rc = mem_nomem(d);
		goto out;
	}
	for (uint32_t s = 0; s < samples && rc == SNN_OK; s++) {
		uint64_t ev;
		rc = cc_run_host(m, in, s, steps, y, &ev, d);
		ag->events += ev;
		memset(sf, 0, width * sizeof(double));
		memset(sq, 0, width * sizeof(double));
		for (uint32_t t = 0; t < steps; t++) {
			bool same = true;
			uint32_t o = 0;
			for (uint32_t k = 0; k < m->rt.n_outputs; k++) {
				const snn_nir_series *se = snn_nir_result_series(fr, k);
				uint32_t pop = m->outputs[k];
				double sc = m->info[pop].out_scale;
				for (uint32_t i = 0; i < se->size; i++, o++) {
					double f = se->data[((size_t)s * steps + t) * se->size + i];
					double q = y[(size_t)t * width + o] / sc;
					sf[o] += f;
					sq[o] += q;
					same = same &&
					       (m->info[pop].spiking
						    ? f == q
						    : fabs(f - q) <= 1e-3 * fabs(f) + 1.0 / sc);
				}
			}
			ag->same_steps += same;
			ag->steps++;
		}
		long cf = argmax(sf, width), cq = argmax(sq, width);
		ag->same_class += cf == cq;
		ag->active += cf >= 0;
		for (uint32_t i = 0; i < width; i++) {
			ag->float_total += sf[i];
			ag->quant_total += sq[i];
		}
		ag->samples++;
	}
out:
	mem_free(y);
	mem_free(sf);
	mem_free(sq);
	return rc;
}

static int float_run(snn_net *net, const snn_nir_data *in, bool all, snn_nir_result **fr,
		     snn_diag *d)
{
	snn_nir_run_options ro;
	memset(&ro, 0, sizeof(ro));
	const char **names = NULL;
	if (all) {
		size_t np = snn_net_population_count(net);
		names = mem_array(np, sizeof(char *));
		if (!names) {
			return mem_nomem(d);
		}
		for (size_t k = 0; k < np; k++) {
			names[k] = snn_net_population_name(net, k);
		}
		ro.record = names;
		ro.n_record = np;
	}
	ro.threads = 1;
	int rc = snn_nir_run(net, in, &ro, fr, d);
	mem_free(names);
	return rc;
}

static const char *neuron_name(uint8_t k)
{
	static const char *names[] = {"input", "relay", "threshold", "LI",     "LIF",
				      "I",     "IF",	"CubaLI",    "CubaLIF"};
	return k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

/* The report (also written into the image folder). */
static char *make_report(const struct cc_model *m, const struct snn_target *t,
			 const struct agreement *ag, uint32_t steps, uint64_t events0,
			 uint64_t flash, uint64_t ram)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f) {
		return NULL;
	}
	fprintf(f, "%s report\n", CC_VERSION);
	fprintf(f, "model: %s (sha256 %s)\n", m->source, m->model_sha256);
	fprintf(f, "target: %s (%s)\n", t->name, t->describe);
	uint32_t n_sc = 0, n_chpop = 0;
	for (uint32_t k = 0; k < m->rt.n_pops; k++) {
		n_sc += m->info[k].n_ch > 1 ? m->info[k].n_ch : 0;
		n_chpop += m->info[k].n_ch > 1;
	}
	if (m->weight_scale == CC_SCALE_CHANNEL && n_chpop) {
		fprintf(f,
			"weights: %u-bit, per-channel scales (--weight-scale channel): %u scales "
			"in %u layers, one scale in the others\n",
			m->weight_bits, n_sc, n_chpop);
	} else if (m->weight_scale == CC_SCALE_CHANNEL) {
		fprintf(f,
			"weights: %u-bit, --weight-scale channel: no layer has channels of "
			"different scales, one scale per layer\n",
			m->weight_bits);
	} else {
		fprintf(f, "weights: %u-bit, one scale per layer (--weight-scale layer)\n",
			m->weight_bits);
	}
	if (m->rt.n_stims) {
		fprintf(f, "Poisson stimuli: %u (Philox4x32-10 on the chip, keyed as snnsim's)\n",
			m->rt.n_stims);
	}
	fprintf(f, "populations (%u):\n", m->rt.n_pops);
	for (uint32_t k = 0; k < m->rt.n_pops; k++) {
		const struct snnrt_pop *P = &m->pops[k];
		const struct cc_popinfo *in = &m->info[k];
		fprintf(f, "  %-12s %-9s %6u  out scale %-10.6g acc scale %-10.6g", in->name,
			neuron_name(P->model), P->size, in->out_scale, in->acc_scale);
		if (P->model >= SNNRT_LI) {
			fprintf(f, " v scale %-10.6g", in->v_scale);
		}
		if (P->model >= SNNRT_CUBA_LI) {
			fprintf(f, " i scale %.6g", in->i_scale);
		}
		if (in->n_ch > 1) {
			double hi = 0.0;
			for (uint32_t c = 0; c < in->n_ch; c++) {
				hi = in->ch_acc[c] > hi ? in->ch_acc[c] : hi;
			}
			fprintf(f, " channels %u x %u (acc scale up to %.6g)", in->n_ch,
				in->ch_size, hi);
		}
		fprintf(f, "\n");
	}
	fprintf(f, "synapses: %llu\n", (unsigned long long)m->synapses);
	fprintf(f, "flash: %llu bytes (%llu of tables, %u reserved for code)",
		(unsigned long long)flash, (unsigned long long)m->flash_tables, CODE_BYTES);
	if (t->qemu) {
		fprintf(f, " of %u (%.1f%%)\n", t->flash_bytes,
			100.0 * (double)flash / t->flash_bytes);
	} else {
		fprintf(f, "\n");
	}
	fprintf(f, "RAM: %llu bytes (state %u words, input %u words, stack %u)",
		(unsigned long long)ram, m->rt.n_words, m->rt.n_inputs, t->stack_bytes);
	if (t->qemu) {
		fprintf(f, " of %u (%.1f%%)\n", t->ram_bytes, 100.0 * (double)ram / t->ram_bytes);
	} else {
		fprintf(f, "\n");
	}
	fprintf(f, "synaptic events per step on the test input: %.1f (%llu in %u steps)\n",
		steps ? (double)events0 / steps : 0.0, (unsigned long long)events0, steps);
	if (!ag) {
		fclose(f);
		return buf;
	}
	fprintf(f, "quantization error against the float model (%u samples):\n", ag->samples);
	fprintf(f, "  steps with identical outputs: %llu of %llu (%.2f%%)\n",
		(unsigned long long)ag->same_steps, (unsigned long long)ag->steps,
		ag->steps ? 100.0 * (double)ag->same_steps / (double)ag->steps : 0.0);
	fprintf(f, "  output totals: float %.6g, quantized %.6g\n", ag->float_total,
		ag->quant_total);
	fprintf(f,
		"  class agreement: %u of %u samples (%.2f%%); the float model is silent on %u\n",
		ag->same_class, ag->samples,
		ag->samples ? 100.0 * ag->same_class / ag->samples : 0.0, ag->samples - ag->active);
	fclose(f);
	return buf;
}

/* Refuses a model that does not fit the target (naming the bytes needed, the
 * excess and what to change), else emits the image (unless run only). */
static int fit_and_emit(const struct cc_job *j, const struct snn_target *t,
			const struct cc_backend *be, const struct cc_model *m,
			const snn_nir_data *test, uint32_t steps, const char *report,
			uint64_t flash, uint64_t ram, snn_diag *d)
{
	int rc = SNN_OK;
	if (t->qemu && (flash > t->flash_bytes || ram > t->ram_bytes)) {
		bool fl = flash > t->flash_bytes;
		rc = snn_diag_error(
		    d, SNN_ERANGE, j->model, 0, 0,
		    "the model does not fit %s: it needs %llu bytes of %s, %llu more than the "
		    "%u it has; use %s, fewer neurons or synapses, or a bigger target",
		    t->name, (unsigned long long)(fl ? flash : ram), fl ? "flash" : "RAM",
		    (unsigned long long)((fl ? flash : ram) - (fl ? t->flash_bytes : t->ram_bytes)),
		    fl ? t->flash_bytes : t->ram_bytes,
		    fl && m->weight_bits == 16 ? "8-bit weights (--weight-bits 8)"
					       : "a smaller network");
		return rc;
	}
	if (!j->run_only) {
		rc = be->emit(m, t, test, steps, j->outdir, report, d);
		if (rc == SNN_OK) {
			fprintf(j->msg, "wrote %s (make -C %s run)\n", j->outdir, j->outdir);
		}
	}
	return rc;
}

/* Opens the job's model, of format fmt (snn_model_detect's), through the one
 * door every tool uses (snn_model_load): with the job's NIR conventions, and
 * for a config its scale (ignored for the other formats). */
static int load_model(const struct cc_job *j, enum snn_model_format fmt, snn_net **net, snn_diag *d)
{
	snn_load_options lo;
	snn_load_options_init(&lo);
	lo.nir = j->o.nir;
	lo.scale = fmt == SNN_MODEL_CONFIG ? j->o.scale : 0.0;
	return snn_model_load(j->model, &lo, net, d);
}

/* A config: lif populations, rule-based projections, Poisson stimuli. The
 * report compares the population rates of the quantized host run with
 * snnsim's float run of the same network over the same steps. */
static int config_job(const struct cc_job *j, const struct snn_target *t,
		      const struct cc_backend *be, snn_diag *d)
{
	snn_net *net = NULL;
	struct cc_model *m = NULL;
	snn_sim *fs = NULL;
	char *report = NULL, *buf = NULL;
	int32_t *y = NULL;
	int rc = load_model(j, SNN_MODEL_CONFIG, &net, d);
	if (rc != SNN_OK) {
		return rc;
	}
	uint32_t steps = j->o.steps;
	if (j->o.weight_scale == CC_SCALE_CHANNEL) {
		rc =
		    snn_diag_error(d, SNN_EUNSUP, j->model, 0, 0,
				   "--weight-scale channel applies to NIR graphs; configs keep "
				   "one weight scale per target population (--weight-scale layer)");
		goto out;
	}
	/* the run the image makes: steps from 0, no outputs written (the
	 * quantizer expands the network over j->o.steps) */
	rc = cc_quantize_config(net, &j->o, &m, d);
	if (rc != SNN_OK) {
		goto out;
	}
	m->config = true;
	const char *base = strrchr(j->model, '/');
	snprintf(m->source, sizeof(m->source), "%s", base ? base + 1 : j->model);
	snn_sim_options so;
	memset(&so, 0, sizeof(so));
	so.threads = 1;
	so.steps = steps;
	so.no_outputs = true;
	rc = snn_sim_new(net, &so, &fs, d);
	if (rc == SNN_OK) {
		rc = snn_sim_run(fs, d);
	}
	if (rc != SNN_OK) {
		goto out;
	}
	const snn_stats *st = snn_sim_stats(fs);
	uint32_t width = cc_output_width(m);
	y = mem_array((size_t)steps * width, sizeof(int32_t));
	if (!y) {
		rc = mem_nomem(d);
		goto out;
	}
	uint64_t ev0 = 0;
	rc = cc_run_host(m, NULL, 0, steps, y, &ev0, d);
	if (rc != SNN_OK) {
		goto out;
	}
	uint64_t flash = m->flash_tables + CODE_BYTES;
	uint64_t ram = cc_ram_bytes(m) + t->stack_bytes;
	report = make_report(m, t, NULL, steps, ev0, flash, ram);
	size_t len = 0;
	FILE *f = report ? open_memstream(&buf, &len) : NULL;
	if (!f) {
		rc = mem_nomem(d);
		goto out;
	}
	double dt_ms = snn_net_dt_ms(net);
	double secs = steps * dt_ms * 1e-3;
	fprintf(f, "%sseed %llu, %u steps of %g ms\n", report,
		(unsigned long long)snn_net_seed(net), steps, dt_ms);
	fprintf(f, "rates against snnsim's float run of the same network (Hz):\n");
	uint64_t tf = 0, tq = 0;
	for (uint32_t k = 0, o = 0; k < m->rt.n_pops; k++) {
		uint32_t n = m->pops[k].size;
		uint64_t q = 0;
		for (uint32_t s = 0; s < steps; s++) {
			for (uint32_t i = 0; i < n; i++) {
				q += (uint64_t)y[(size_t)s * width + o + i];
			}
		}
		o += n;
		uint64_t fl = st->pop_spikes[k];
		tf += fl;
		tq += q;
		fprintf(f, "  %-12s float %8.3f  quantized %8.3f  (spikes %llu, %llu)\n",
			m->info[k].name, n ? (double)fl / n / secs : 0.0,
			n ? (double)q / n / secs : 0.0, (unsigned long long)fl,
			(unsigned long long)q);
	}
	fprintf(f, "  output totals: float %llu, quantized %llu\n", (unsigned long long)tf,
		(unsigned long long)tq);
	fclose(f);
	fputs(buf, j->msg);
	rc = fit_and_emit(j, t, be, m, NULL, steps, buf, flash, ram, d);
out:
	mem_free(y);
	/* open_memstream's buffers: libc's */
	free(buf);
	free(report);
	snn_sim_free(fs);
	cc_model_free(m);
	snn_net_free(net);
	return rc;
}

int cc_loihi_job(const struct cc_job *j, snn_diag *d)
{
	enum snn_model_format fmt = snn_model_detect(j->model);
	snn_net *net = NULL;
	int rc = load_model(j, fmt, &net, d);
	if (rc == SNN_OK && fmt == SNN_MODEL_NIR) {
		/* converted to loihi_lif by the function snnsim run --loihi calls,
		 * with the same options and input: the same network */
		snn_net *graph = net;
		snn_nir_data *in = NULL;
		net = NULL;
		if (j->o.input) {
			rc = snn_nir_data_read(j->o.input, graph, j->o.dataset, &in, d);
		}
		if (rc == SNN_OK) {
			snn_nir_loihi_options co;
			snn_nir_loihi_options_init(&co);
			co.input_path = j->o.input;
			co.report = j->msg;
			rc = snn_nir_to_loihi(graph, in, &co, &net, d);
		}
		snn_nir_data_free(in);
		snn_net_free(graph);
	}
	if (rc == SNN_OK) {
		rc = snn_loihi_compile_opts(net, j->target, &j->loihi, j->outdir, d);
	}
	snn_net_free(net);
	return rc;
}

int cc_job_run(const struct cc_job *j, snn_diag *d)
{
	const char *name = j->backend					 ? j->backend
			   : j->target && snn_loihi_is_target(j->target) ? "loihi"
									 : "mcu";
	const struct cc_backend *be = cc_backend_find(name);
	if (!be) {
		return snn_diag_error(d, SNN_EUNSUP, NULL, 0, 0,
				      "backend '%s' is not in this build", name);
	}
	return be->job(j, d);
}

int cc_mcu_job(const struct cc_job *j, snn_diag *d)
{
	const struct snn_target *t = snn_target_find(j->target ? j->target : "host");
	if (!t) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "unknown target '%s' (snncc --list-targets)", j->target);
	}
	const struct cc_backend *be = cc_backend_find(t->backend);
	if (!be) {
		return snn_diag_error(d, SNN_EUNSUP, NULL, 0, 0,
				      "target '%s' needs backend '%s', not in this build", t->name,
				      t->backend);
	}
	enum snn_model_format fmt = snn_model_detect(j->model);
	if (fmt == SNN_MODEL_CONFIG) {
		return config_job(j, t, be, d);
	}
	if (fmt == SNN_MODEL_NETX) {
		return snn_diag_error(d, SNN_EUNSUP, j->model, 0, 0,
				      "a lava-dl netx network compiles for Loihi-class targets "
				      "only; target '%s' takes NIR graphs and configs",
				      t->name);
	}
	snn_net *net = NULL;
	snn_nir_data *test = NULL, *cal = NULL, *cal_in = NULL;
	snn_nir_result *fcal = NULL, *feval = NULL;
	struct cc_model *m = NULL;
	char *report = NULL;
	int rc = load_model(j, fmt, &net, d);
	if (rc != SNN_OK) {
		goto out;
	}
	if (j->o.input) {
		rc = snn_nir_data_read(j->o.input, net, j->o.dataset, &test, d);
	} else {
		rc = draw_input(net, &j->o, &test, d);
	}
	if (rc != SNN_OK) {
		goto out;
	}
	if (j->o.calibrate) {
		rc = snn_nir_data_read(j->o.calibrate, net, NULL, &cal_in, d);
	} else {
		uint32_t n = snn_nir_data_samples(test);
		rc = first_samples(net, test, n < 8 ? n : 8, &cal_in, d);
	}
	if (rc == SNN_OK) {
		uint32_t n = snn_nir_data_samples(cal_in);
		rc = first_samples(net, cal_in, n < 8 ? n : 8, &cal, d);
	}
	if (rc == SNN_OK) {
		rc = float_run(net, cal, true, &fcal, d);
	}
	if (rc == SNN_OK) {
		rc = float_run(net, test, false, &feval, d);
	}
	if (rc != SNN_OK) {
		goto out;
	}
	struct cc_options o = j->o;
	rc = cc_quantize(net, fcal, &o, &m, d);
	if (rc != SNN_OK) {
		goto out;
	}
	const char *base = strrchr(j->model, '/');
	snprintf(m->source, sizeof(m->source), "%s", base ? base + 1 : j->model);
	struct agreement ag;
	rc = compare(m, feval, test, &ag, d);
	if (rc != SNN_OK) {
		goto out;
	}
	/* events of the image's own run: sample 0 */
	uint64_t ev0 = 0;
	{
		uint32_t steps = snn_nir_data_steps(test);
		int32_t *y = mem_array((size_t)steps * cc_output_width(m), sizeof(int32_t));
		if (!y) {
			rc = mem_nomem(d);
			goto out;
		}
		rc = cc_run_host(m, test, 0, steps, y, &ev0, d);
		mem_free(y);
		if (rc != SNN_OK) {
			goto out;
		}
	}
	uint32_t steps = snn_nir_data_steps(test);
	/* the image keeps its test data in flash too */
	uint64_t flash = m->flash_tables + CODE_BYTES;
	uint64_t ram = cc_ram_bytes(m) + t->stack_bytes;
	report = make_report(m, t, &ag, steps, ev0, flash, ram);
	if (!report) {
		rc = mem_nomem(d);
		goto out;
	}
	fputs(report, j->msg);
	rc = fit_and_emit(j, t, be, m, test, snn_nir_data_steps(test), report, flash, ram, d);
out:
	free(report); /* open_memstream's */
	cc_model_free(m);
	snn_nir_result_free(fcal);
	snn_nir_result_free(feval);
	snn_nir_data_free(test);
	snn_nir_data_free(cal);
	snn_nir_data_free(cal_in);
	snn_net_free(net);
	return rc;
}
