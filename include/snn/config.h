/*
 * The YAML config loader: one file describes a network and its simulation
 * (schema in doc/config.md). JSON configs parse with the same reader.
 * Public layer. Every problem of a file is reported in one pass, each as
 * `file:line:col: error: ...`.
 */
#ifndef SNN_CONFIG_H
#define SNN_CONFIG_H

#include <stddef.h>

#include "snn/error.h"
#include "snn/net.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Loads the config at `path` into a new network (*out, owned by the caller,
 * freed with snn_net_free). Relative input paths in the config (spike files)
 * are resolved against the config's folder. Returns SNN_OK; SNN_EIO when the
 * file cannot be read; SNN_EPARSE or SNN_EINVAL when it is malformed or
 * invalid, with every problem found in d; SNN_ENOMEM. On failure *out is
 * NULL. */
SNN_API int snn_config_load(const char *path, snn_net **out, snn_diag *d);

/* The same from text in memory; `name` is the file name used in diagnostics
 * and `dir` the folder relative input paths are resolved against (NULL: the
 * current folder). */
SNN_API int snn_config_load_string(const char *text, size_t len, const char *name, const char *dir,
				   snn_net **out, snn_diag *d);

/* Choices made when loading, over the config's own. */
typedef struct {
	double scale; /* > 0: overrides simulation.scale (population sizes x scale,
		       * in-degrees kept); 0: the config's */
} snn_config_options;

SNN_API int snn_config_load_opts(const char *path, const snn_config_options *opt, snn_net **out,
				 snn_diag *d);
SNN_API int snn_config_load_string_opts(const char *text, size_t len, const char *name,
					const char *dir, const snn_config_options *opt,
					snn_net **out, snn_diag *d);

#ifdef __cplusplus
}
#endif

#endif
