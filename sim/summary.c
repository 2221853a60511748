/*
 * Run statistics as text and JSON, memory estimates and peak memory.
 * Layer: sim core. Formats what the engine measured; measures nothing itself
 * except the process's peak resident memory.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "net_int.h"
#include "snn/sim.h"

double snn_peak_rss_mb(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0) {
		return 0.0;
	}
	return (double)ru.ru_maxrss / 1024.0; /* ru_maxrss is in KiB on Linux */
}

void snn_stats_print(const snn_stats *st, FILE *out)
{
	double rtf = st->bio_ms > 0 ? st->sim_s / (st->bio_ms * 1e-3) : 0.0;
	fprintf(out, "neurons          %llu\n", (unsigned long long)st->neurons);
	fprintf(out, "synapses         %llu (%.2f bytes each%s)\n",
		(unsigned long long)st->synapses,
		st->synapses ? st->synapse_bytes / (double)st->synapses : 0.0,
		st->device ? " on the device" : "");
	fprintf(out, "engine           %s, %d thread%s\n", st->engine ? st->engine : "?",
		st->threads, st->threads == 1 ? "" : "s");
	if (st->device) {
		fprintf(out, "device           %s, %.3f GB of device memory\n", st->device,
			st->device_bytes / 1e9);
	}
	fprintf(out, "build time       %.3f s\n", st->build_s);
	fprintf(out, "simulation time  %.3f s for %g ms (real-time factor %.3f)\n", st->sim_s,
		st->bio_ms, rtf);
	fprintf(out, "spikes           %llu\n", (unsigned long long)st->spikes);
	fprintf(out, "synaptic events  %llu (%.3g per second)\n", (unsigned long long)st->events,
		st->sim_s > 0 ? (double)st->events / st->sim_s : 0.0);
	fprintf(out, "peak memory      %.1f MB\n", st->peak_rss_mb);
	fprintf(out, "mean rates:\n");
	for (size_t i = 0; i < st->n_pops; i++) {
		fprintf(out, "  %-14s %9.3f Hz  (%llu spikes, %u neurons)\n", st->pop_names[i],
			st->rates_hz[i], (unsigned long long)st->pop_spikes[i], st->pop_sizes[i]);
	}
	if (st->spike_file) {
		fprintf(out, "spikes written to %s\n", st->spike_file);
	}
}

static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			fprintf(out, "\\%c", *p);
		} else if (*p < 0x20) {
			fprintf(out, "\\u%04x", *p);
		} else {
			fputc(*p, out);
		}
	}
	fputc('"', out);
}

int snn_stats_write_json(const snn_stats *st, FILE *out)
{
	double rtf = st->bio_ms > 0 ? st->sim_s / (st->bio_ms * 1e-3) : 0.0;
	fprintf(out, "{\"neurons\": %llu, \"synapses\": %llu, \"threads\": %d, \"engine\": ",
		(unsigned long long)st->neurons, (unsigned long long)st->synapses, st->threads);
	json_string(out, st->engine ? st->engine : "");
	fprintf(out, ", ");
	fprintf(out, "\"build_s\": %.6f, \"sim_s\": %.6f, \"bio_ms\": %.6f, \"rtf\": %.6f, ",
		st->build_s, st->sim_s, st->bio_ms, rtf);
	fprintf(out, "\"spikes\": %llu, \"events\": %llu, \"events_per_s\": %.6g, ",
		(unsigned long long)st->spikes, (unsigned long long)st->events,
		st->sim_s > 0 ? (double)st->events / st->sim_s : 0.0);
	fprintf(out, "\"wait_s\": %.6f, ", st->wait_s);
	fprintf(out, "\"bytes_per_synapse\": %.4f, \"peak_rss_mb\": %.3f, \"rates_hz\": {",
		st->synapses ? st->synapse_bytes / (double)st->synapses : 0.0, st->peak_rss_mb);
	for (size_t i = 0; i < st->n_pops; i++) {
		fprintf(out, "%s", i ? ", " : "");
		json_string(out, st->pop_names[i]);
		fprintf(out, ": %.6f", st->rates_hz[i]);
	}
	fprintf(out, "}");
	if (st->device) {
		fprintf(out, ", \"device\": ");
		json_string(out, st->device);
		fprintf(out, ", \"device_bytes\": %.0f", st->device_bytes);
	}
	if (st->spike_file) {
		fprintf(out, ", \"spike_file\": ");
		json_string(out, st->spike_file);
	}
	fprintf(out, "}\n");
	return ferror(out) ? SNN_EIO : SNN_OK;
}

double snn_sim_estimate_bytes(const snn_net *net, int threads)
{
	if (threads < 1) {
		threads = 1;
	}
	double syn = snn_net_expected_synapses(net);
	double n = (double)net->n_neurons;
	if (net->sim.engine == ENGINE_EVENT) {
		/* event engine (engine_event.c): 12 bytes per synapse and 8 more
		 * while building, 16 per delay group (one per source and projection
		 * with constant delays, about one per synapse with drawn ones), 64
		 * per neuron and 25 in its queues and rows */
		bool drawn = false;
		for (uint32_t i = 0; i < net->n_projs; i++) {
			drawn = drawn || !value_is_const(&net->projs[i].delay);
		}
		double runs = drawn ? syn : n * (double)net->n_projs;
		return syn * 20.0 + runs * 16.0 + n * 89.0;
	}
	double blocks = threads + n / 65536.0;
	double max_delay = 1.0;
	uint32_t channels = 1;
	for (uint32_t i = 0; i < net->n_projs; i++) {
		double lo, hi;
		value_range(&net->projs[i].delay, &lo, &hi);
		if (!isfinite(hi)) {
			hi = value_mean(&net->projs[i].delay) + 6.0 * net->projs[i].delay.b;
		}
		double steps = hi / net->sim.dt_ms;
		max_delay = steps > max_delay ? steps : max_delay;
	}
	for (uint32_t i = 0; i < net->n_pops; i++) {
		uint32_t c = (uint32_t)net->pops[i].model->n_channels;
		channels = c > channels ? c : channels;
	}
	double slots = 2.0;
	while (slots < max_delay + 1.0) {
		slots *= 2.0;
	}
	return syn * 6.2 + blocks * (n + 1.0) * 12.0 + n * 48.0 + slots * channels * n * 8.0;
}
