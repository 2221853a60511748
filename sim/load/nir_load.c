/*
 * The NIR loader's entry points: options, the HDF5 sniffer, and
 * snn_nir_load, which reads a graph written by nir.write (nir_read.c), checks
 * its shapes (nir_shape.c) and lowers it to the network IR (nir_lower.c).
 * Layer: sim core (loaders). The only code that reads NIR graphs. Never lets
 * HDF5 print, checks every size and value taken from the file, and names the
 * HDF5 path of whatever it rejects. doc/nir.md describes the mapping.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem_int.h"
#include "nir_graph_int.h"
#include "sha256_int.h"

static void ld_free(struct ld *L)
{
	for (uint32_t i = 0; i < L->n_nodes; i++) {
		struct gnode *n = &L->nodes[i];
		free(n->name);
		free(n->path);
		free(n->type);
		for (int k = 0; k < NIR_N_PARAMS; k++) {
			nir_arr_free(&n->prm[k]);
		}
		nir_arr_free(&n->weight);
		nir_arr_free(&n->bias);
		nir_arr_free(&n->scale);
		nir_arr_free(&n->delay);
		free(n->pred);
		free(n->succ);
		free(n->params);
	}
	free(L->nodes);
	free(L->edges);
	free(L->links);
	free(L->order);
}

/* ------------------------------------------------------------------ entry points */

void snn_nir_options_init(snn_nir_options *o)
{
	memset(o, 0, sizeof(*o));
	o->dt_s = 1e-4;
	o->reset = SNN_NIR_RESET_VALUE;
	o->spikes = SNN_NIR_SPIKES_SINGLE;
	o->integration = SNN_NIR_EULER;
	o->input_gain = SNN_NIR_SCHEME_DEFAULT;
	o->integrator = SNN_NIR_INTEGRATOR_STEP;
	o->recurrent_delay = 1;
	o->edge_delay = 0;
}

bool snn_nir_is_hdf5(const char *path)
{
	return h5_is_hdf5(path);
}

bool snn_net_is_nir(const snn_net *net)
{
	return net && net->nir;
}

static int check_options(const snn_nir_options *o, snn_diag *d)
{
	if (!(o->dt_s > 0) || !isfinite(o->dt_s)) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0,
				      "the time step must be positive (got %g s)", o->dt_s);
	}
	if (o->recurrent_delay < 1 || o->recurrent_delay > NET_MAX_DELAY_STEPS ||
	    o->edge_delay > NET_MAX_DELAY_STEPS) {
		return snn_diag_error(
		    d, SNN_EINVAL, NULL, 0, 0,
		    "delays: the recurrent delay must be 1 to %u steps and the edge "
		    "delay 0 to %u steps",
		    NET_MAX_DELAY_STEPS, NET_MAX_DELAY_STEPS);
	}
	if ((unsigned)o->reset > SNN_NIR_RESET_SUBTRACT ||
	    (unsigned)o->spikes > SNN_NIR_SPIKES_MULTIPLE ||
	    (unsigned)o->integration > SNN_NIR_EXACT || (unsigned)o->input_gain > SNN_NIR_EXACT ||
	    (unsigned)o->integrator > SNN_NIR_INTEGRATOR_DT) {
		return snn_diag_error(d, SNN_EINVAL, NULL, 0, 0, "unknown NIR convention value");
	}
	return SNN_OK;
}

/* SHA-256 of the file's bytes. */
static int hash_file(struct ld *L, char out[65])
{
	FILE *f = fopen(L->file, "rb");
	if (!f) {
		return nir_fail(L, SNN_EIO, NULL, "cannot open: %s", strerror(errno));
	}
	struct sha256 h;
	sha256_init(&h);
	unsigned char buf[65536];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		sha256_update(&h, buf, n);
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		return nir_fail(L, SNN_EIO, NULL, "cannot read the file");
	}
	uint8_t dig[32];
	sha256_final(&h, dig);
	for (int i = 0; i < 32; i++) {
		snprintf(out + 2 * i, 3, "%02x", dig[i]);
	}
	return SNN_OK;
}

static int load(struct ld *L)
{
	struct h5quiet q;
	h5_quiet_begin(&q);
	int rc = SNN_OK;
	if (!snn_nir_is_hdf5(L->file)) {
		FILE *f = fopen(L->file, "rb");
		if (!f) {
			rc = nir_fail(L, SNN_EIO, NULL, "cannot open: %s", strerror(errno));
		} else {
			fclose(f);
			rc = nir_fail(L, SNN_EPARSE, NULL,
				      "not an HDF5 file (NIR graphs are HDF5 files "
				      "written by nir.write)");
		}
		goto out;
	}
	L->f = H5Fopen(L->file, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (L->f < 0) {
		rc = nir_fail(L, SNN_EIO, NULL,
			      "cannot open the HDF5 file (it may be truncated or "
			      "damaged)");
		goto out;
	}
	if ((rc = nir_read_graph(L)) == SNN_OK && (rc = nir_check_graph(L)) == SNN_OK) {
		rc = nir_lower(L);
	}
out:
	if (L->f >= 0) {
		H5Fclose(L->f);
	}
	h5_quiet_end(&q);
	return rc;
}

int snn_nir_load(const char *path, const snn_nir_options *o, snn_net **out, snn_diag *d)
{
	*out = NULL;
	snn_nir_options def;
	if (!o) {
		snn_nir_options_init(&def);
		o = &def;
	}
	int rc = check_options(o, d);
	if (rc != SNN_OK) {
		return rc;
	}
	struct ld L;
	memset(&L, 0, sizeof(L));
	L.file = path;
	L.d = d;
	L.opt = *o;
	L.f = -1;
	L.net = net_new();
	L.info = mem_zalloc(sizeof(struct nir_info));
	if (!L.net || !L.info) {
		free(L.info);
		snn_net_free(L.net);
		return mem_nomem(d);
	}
	L.net->nir = L.info;
	L.info->opt = *o;
	L.net->sim.dt_ms = o->dt_s * 1e3;
	L.net->sim.duration_ms = L.net->sim.dt_ms;
	L.net->nir_conv = (struct nir_conv){(int)o->reset, (int)o->spikes, (int)o->integration,
					    (int)o->input_gain, (int)o->integrator};
	char sha[65];
	rc = hash_file(&L, sha);
	if (rc == SNN_OK) {
		rc = load(&L);
	}
	if (rc == SNN_OK) {
		char text[PATH_MAX_LEN + 64];
		int len = snprintf(text, sizeof(text), "NIR graph %s (NIR version %s)\n", path,
				   L.info->version ? L.info->version : "unknown");
		rc = net_set_source(L.net, path, text, (size_t)len);
		memcpy(L.net->source_sha256, sha, sizeof(sha));
		L.info->file_sha256 = mem_strdup(sha);
		if (rc != SNN_OK || !L.info->file_sha256) {
			rc = mem_nomem(d);
		}
	}
	ld_free(&L);
	if (rc != SNN_OK) {
		snn_net_free(L.net);
		return rc;
	}
	*out = L.net;
	return SNN_OK;
}
