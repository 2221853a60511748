/*
 * Spikeforge's library, libsnn: everything a tool needs, in one header.
 * Public layer.
 */
#ifndef SNN_SNN_H
#define SNN_SNN_H

#include "snn/config.h"
#include "snn/error.h"
#include "snn/image.h"
#include "snn/load.h"
#include "snn/loihi.h"
#include "snn/net.h"
#include "snn/netx.h"
#include "snn/nir.h"
#include "snn/raster.h"
#include "snn/sim.h"
#include "snn/spikes.h"
#include "snn/stream.h"
#include "snn/traces.h"
#include "snn/units.h"
#include "snn/version.h"
#include "snn/view.h"
#include "snn/visibility.h"

#endif
