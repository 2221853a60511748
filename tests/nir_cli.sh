#!/bin/sh
# snnsim with NIR graphs as a user meets it: inspect, run on an input file
# written by h5py, the outputs read back by h5py, the conventions as flags,
# and bad input with its exit codes. Needs the shared fixtures and python3
# with h5py (skips without them).
. "$(dirname "$0")/lib.sh"

FIX=${SNN_FIXTURES:-}
if [ -z "$FIX" ] || [ ! -d "$FIX/nir" ]; then
	echo "SKIP: the shared fixtures (nir/) are absent"
	exit 77
fi
if [ -z "${PYTHON3:-}" ]; then
	echo "SKIP: python3 with h5py is not installed"
	exit 77
fi
LIF="$FIX/nir/lif/lif_norse.nir"
CNN="$FIX/nir/cnn/cnn_sinabs.nir"

# inspect: nodes, counts, conventions, assumptions
expect_exit 0 "$SNNSIM" inspect "$CNN"
expect_line "$TMP/out" "  0              Conv2d    [2 34 34] -> [16 16 16]  (projection)"
expect_line "$TMP/out" "      weight 16x2x5x5 float32 in [-1.78929, 0.511303], bias 0, kernel 5x5, stride 2x2, padding 1x1, dilation 1x1, groups 1"
expect_grep "$TMP/out" '^network: 8970 neurons in 5 layers, 1152 relay units, 2312 inputs'
expect_grep "$TMP/out" '^synapses: 843296 when expanded'
expect_grep "$TMP/out" '^conventions: dt 0.0001 s, reset value, spikes per step single'
expect_line "$TMP/out" "  /node/nodes/1: no v_reset (NIR before 1.0): 0"
expect_exit 0 "$SNNSIM" inspect "$CNN" --reset subtract --spikes-per-step multiple --dt 1ms
expect_grep "$TMP/out" '^conventions: dt 0.001 s, reset subtract, spikes per step multiple'
# check on a NIR graph inspects it
expect_exit 0 "$SNNSIM" check "$LIF"
expect_grep "$TMP/out" '^output output \[1\] <- spikes of population .1.$'

# the paper's input train as an HDF5 dataset (1 sample x 1000 steps x 1)
"$PYTHON3" - "$FIX/nir/lif/lif_norse.csv" "$TMP/in.h5" <<'PY' || fail "writing the input"
import sys, h5py, numpy as np
a = np.loadtxt(sys.argv[1], delimiter=",")
with h5py.File(sys.argv[2], "w") as f:
    f.create_dataset("spikes", data=a[:, 0].reshape(1, 1000, 1).astype(bool))
PY
expect_exit 0 "$SNNSIM" run "$LIF" --input "$TMP/in.h5" --dt 1e-4 -o "$TMP/out.h5" --record-state
expect_line "$TMP/out" "  output         spikes  1 values per step, sum 4 over all samples"
"$PYTHON3" - "$TMP/out.h5" "$FIX/nir/lif/lif_norse.csv" >"$TMP/py" 2>&1 <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
assert f.attrs["__type__"] == "NIRGraphData"
assert f.attrs["conventions"].startswith("dt 0.0001 s, reset value")
g = f["nodes/output"]
assert g.attrs["__type__"] == "NIRNodeData"
s = g["observables/spikes"]
assert s.attrs["__type__"] == "TimeGriddedData" and s.attrs["dt"] == 1e-4
z = s["data"][()]
assert z.shape == (1, 1000, 1) and z.dtype == np.uint8, (z.shape, z.dtype)
assert list(np.nonzero(z[0, :, 0])[0]) == [460, 510, 710, 760], np.nonzero(z[0, :, 0])
v = g["observables/v/data"][()][0, :, 0]
ref = np.loadtxt(sys.argv[2], delimiter=",")[:, 1]
nz = ref != 0
assert np.max(np.abs(v[nz] - ref[nz]) / np.abs(ref[nz])) < 1e-6
print("ok")
PY
expect_line "$TMP/py" "ok"

# conventions change the result: Loihi's one step per layer
expect_exit 0 "$SNNSIM" run "$LIF" --input "$TMP/in.h5" --edge-delay 1 -o "$TMP/late.h5" -q
"$PYTHON3" -c "
import h5py, numpy as np
z = h5py.File('$TMP/late.h5')['nodes/output/observables/spikes/data'][()]
print(list(np.nonzero(z[0, :, 0])[0]))" >"$TMP/py" 2>&1
expect_line "$TMP/py" "[461, 511, 711, 761]"

# NIRData input with events
"$PYTHON3" - "$TMP/ev.h5" <<'PY' || fail "writing the events"
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    f.attrs["__type__"] = "NIRGraphData"
    g = f.create_group("nodes/input/observables/spikes")
    g.attrs["__type__"] = "EventData"
    g.attrs["n_neurons"] = 1
    g.attrs["t_max"] = 0.1
    t = np.array([[0.006, 0.022, 0.027, 0.031, 0.032, 0.035, 0.037, 0.040, 0.041, 0.043,
                   0.044, 0.045, 0.046]])
    g.create_dataset("idx", data=np.zeros_like(t, dtype=np.int64))
    g.create_dataset("time", data=t)
PY
expect_exit 0 "$SNNSIM" run "$LIF" --input "$TMP/ev.h5" -q -o "$TMP/ev_out.h5"
"$PYTHON3" -c "
import h5py, numpy as np
z = h5py.File('$TMP/ev_out.h5')['nodes/output/observables/spikes/data'][()]
print(z.shape, list(np.nonzero(z[0, :, 0])[0]))" >"$TMP/py" 2>&1
expect_line "$TMP/py" "(1, 1000, 1) [460]"

# bad input: exit 2 with the reason; nothing written
expect_exit 2 "$SNNSIM" run "$LIF"
expect_line "$TMP/err" "snnsim: error: a NIR graph runs on input tensors: give --input FILE (see snnsim --help)"
expect_exit 2 "$SNNSIM" run "$LIF" --input "$TMP/in.h5" --reset zero
expect_line "$TMP/err" "snnsim: error: --reset expects value|subtract, got zero"
expect_exit 2 "$SNNSIM" run "$LIF" --input "$TMP/in.h5" --engine event
expect_line "$TMP/err" "snnsim: error: --engine event does not apply to NIR graphs: they run on the time grid of their dt"
expect_exit 2 "$SNNSIM" run "$LIF" --input "$TMP/in.h5" --dt -1
expect_grep "$TMP/err" "^snnsim: error: --dt expects a positive time step in seconds"
expect_exit 2 "$SNNSIM" run "$LIF" --input "$TMP/in.h5" --recurrent-delay 0
expect_line "$TMP/err" "snnsim: error: --recurrent-delay expects a whole number of steps from 1 to 32767, got 0"
expect_exit 2 "$SNNSIM" run "$LIF" --input "$TMP/in.h5" --backend cuda -o "$TMP/bad.h5"
expect_line "$TMP/err" "snnsim: error: --backend cuda: NIR graphs run on the cpu backend only (the cuda backend has no graded spikes or NIR neuron models)"
expect_exit 2 "$SNNSIM" run "$CNN" --input "$TMP/in.h5" -o "$TMP/bad.h5"
expect_line "$TMP/err" "$TMP/in.h5:/spikes: error: inputs of shape [1 1000 1] do not fit the Input 'input' of 2312 values: expected samples x steps x 2312 (or steps x 2312)"
[ -e "$TMP/bad.h5" ] && fail "a failed run left $TMP/bad.h5"
head -c 20000 "$CNN" >"$TMP/cut.nir"
# SNN_EIO: a failed run by snn_exit_status
expect_exit 1 "$SNNSIM" inspect "$TMP/cut.nir"
expect_line "$TMP/err" "$TMP/cut.nir: error: cannot open the HDF5 file (it may be truncated or damaged)"
expect_exit 2 "$SNNSIM" run "$SRC/examples/brunel.yaml" --input "$TMP/in.h5"
expect_line "$TMP/err" "snnsim: error: --input applies to NIR graphs only"
expect_exit 2 "$SNNSIM" inspect
expect_line "$TMP/err" "snnsim: error: usage: snnsim inspect MODEL.nir [NIR options]"

finish
