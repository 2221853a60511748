/*
 * Trained Loihi networks in lava-dl's `netx` HDF5 format (the `.net` files
 * that lava-dl's SLAYER exports): loading them into the network IR as
 * loihi_lif populations joined by structured projections.
 * Public layer. doc/loihi.md describes the layout read and the mapping.
 */
#ifndef SNN_NETX_H
#define SNN_NETX_H

#include "snn/error.h"
#include "snn/net.h"
#include "snn/visibility.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Loads a netx network: one loihi_lif population per layer (`layer0`,
 * `layer1`, ...; an input layer with a neuron becomes a population driven by
 * its bias only), a structured projection (conv: kept as a kernel; dense:
 * a matrix) with a one-step delay between consecutive layers. dt is 1 ms per
 * chip step; the duration is the file's simulation/tSample steps (or 1 ms).
 * Returns SNN_OK, SNN_EIO (unreadable), SNN_EPARSE (a missing or malformed
 * dataset: the diagnostic names the HDF5 path), SNN_EUNSUP (a layer type or
 * neuron type not supported: pool, convT, SDNN, ...) or SNN_ENOMEM. The
 * caller frees *out with snn_net_free. */
SNN_API int snn_netx_load(const char *path, snn_net **out, snn_diag *d);

#ifdef __cplusplus
}
#endif

#endif
