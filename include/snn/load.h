/*
 * Opening a model by what the file holds: a YAML/JSON config, a NIR graph or
 * a lava-dl netx network, one door for every tool.
 * Public layer.
 */
#ifndef SNN_LOAD_H
#define SNN_LOAD_H

#include "snn/error.h"
#include "snn/net.h"
#include "snn/nir.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The kinds of model file, as found by their content. */
enum snn_model_format {
	SNN_MODEL_CONFIG, /* a YAML or JSON config (anything that is not HDF5) */
	SNN_MODEL_NIR,	  /* an HDF5 file with a NIR graph (/node) */
	SNN_MODEL_NETX,	  /* an HDF5 file with lava-dl netx layers (/layer, no /node) */
};

/* What snn_model_load takes besides the path. */
typedef struct {
	double scale;	     /* configs only: > 0 overrides simulation.scale; 0: the config's */
	snn_nir_options nir; /* NIR graphs only: the conventions */
} snn_load_options;

/* Fills o with the defaults: no scale, snn_nir_options_init's conventions. */
SNN_API void snn_load_options_init(snn_load_options *o);

/* The format of the file at path, by its content, not its name: an HDF5
 * file (snn_nir_is_hdf5) is netx when it holds a /layer group and no /node
 * group, else NIR; any other file, or one that cannot be read, is a config
 * (whose loader then says what is wrong). Never fails. */
SNN_API enum snn_model_format snn_model_detect(const char *path);

/* A short name of a format, for messages: "config", "NIR graph", "lava-dl
 * netx network". */
SNN_API const char *snn_model_format_name(enum snn_model_format f);

/* Loads the model at path into a new network (*out, owned by the caller,
 * freed with snn_net_free) with the loader snn_model_detect chooses:
 * snn_config_load_opts (with o->scale), snn_nir_load (with o->nir) or
 * snn_netx_load. o NULL: defaults. Returns that loader's status (SNN_OK,
 * SNN_EIO, SNN_EPARSE, SNN_EINVAL, SNN_EUNSUP, SNN_ENOMEM), or SNN_EINVAL when
 * a scale is given for a file that is not a config. On failure *out is NULL. */
SNN_API int snn_model_load(const char *path, const snn_load_options *o, snn_net **out, snn_diag *d);

#ifdef __cplusplus
}
#endif

#endif
