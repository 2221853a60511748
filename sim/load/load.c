/*
 * snn_model_load: finds a model file's format by its content and hands it to
 * the one loader of that format.
 * Layer: sim core (libsnn), above the loaders. Reads no more of a file than
 * it needs to tell the formats apart; parses nothing itself.
 */
#include "config.h"

#include <stdbool.h>

#include "h5util_int.h"
#include "snn/config.h"
#include "snn/load.h"
#include "snn/netx.h"
#include "snn/nir.h"

void snn_load_options_init(snn_load_options *o)
{
	o->scale = 0.0;
	snn_nir_options_init(&o->nir);
}

/* Whether the open HDF5 file has a link at path. */
static bool h5_has(hid_t f, const char *path)
{
	return H5Lexists(f, path, H5P_DEFAULT) > 0;
}

enum snn_model_format snn_model_detect(const char *path)
{
	if (!snn_nir_is_hdf5(path)) {
		return SNN_MODEL_CONFIG;
	}
	struct h5quiet q;
	h5_quiet_begin(&q);
	enum snn_model_format fmt = SNN_MODEL_NIR;
	hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
	if (f >= 0) {
		/* a file the HDF5 library cannot open stays NIR: its loader says why */
		if (!h5_has(f, "/node") && h5_has(f, "/layer")) {
			fmt = SNN_MODEL_NETX;
		}
		H5Fclose(f);
	}
	h5_quiet_end(&q);
	return fmt;
}

const char *snn_model_format_name(enum snn_model_format f)
{
	switch (f) {
	case SNN_MODEL_NIR:
		return "NIR graph";
	case SNN_MODEL_NETX:
		return "lava-dl netx network";
	default:
		return "config";
	}
}

int snn_model_load(const char *path, const snn_load_options *o, snn_net **out, snn_diag *d)
{
	snn_load_options def;
	if (!o) {
		snn_load_options_init(&def);
		o = &def;
	}
	*out = NULL;
	enum snn_model_format fmt = snn_model_detect(path);
	if (fmt != SNN_MODEL_CONFIG && o->scale > 0) {
		return snn_diag_error(d, SNN_EINVAL, path, 0, 0,
				      "a scale applies to configs, not to a %s",
				      snn_model_format_name(fmt));
	}
	switch (fmt) {
	case SNN_MODEL_NIR:
		return snn_nir_load(path, &o->nir, out, d);
	case SNN_MODEL_NETX:
		return snn_netx_load(path, out, d);
	default: {
		snn_config_options co = {o->scale};
		return snn_config_load_opts(path, &co, out, d);
	}
	}
}
