#!/bin/sh
# Frames per second of the viewer's picture (bench/viewer_fps) over
# (a) the spikes of examples/brunel.yaml, 1 s (about 470k spikes) and
# (b) a synthetic file of 10 million spikes. Inputs are made once under
# $SNN_BUILDDIR/bench/out. Prints one JSON line per file.
set -eu
SRC=${SNN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${SNN_BUILDDIR:-$(pwd)}
OUT="$BUILD/bench/out"
SIZE=${VIEWER_SIZE:-1200x800}
mkdir -p "$OUT"
if [ ! -f "$OUT/brunel_spikes.h5" ]; then
	"$BUILD/snnsim" run "$SRC/examples/brunel.yaml" -q -o "$OUT/brunel_spikes.h5"
fi
if [ ! -f "$OUT/synthetic_10M.h5" ]; then
	"$BUILD/bench/viewer_fps" --synthetic "$OUT/synthetic_10M.h5" 10000000
fi
"$BUILD/bench/viewer_fps" "$OUT/brunel_spikes.h5" "$SIZE"
"$BUILD/bench/viewer_fps" "$OUT/synthetic_10M.h5" "$SIZE"
