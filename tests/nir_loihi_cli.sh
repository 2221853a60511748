#!/bin/sh
# NIR graphs on Loihi-class targets as a user meets them: snnsim run --loihi
# and snncc --target with the same input convert a graph the same way, and
# snnemu on the image gives exactly snnsim's spikes for every population;
# bad input with its exit codes. Needs the shared fixtures and python3 with
# h5py (skips without them).
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
SNNCC="$BUILD/snncc"
SNNEMU="$BUILD/snnemu"

# 2 samples x 80 steps of Bernoulli spikes on the 12 Braille inputs, and a
# copy with one value that is not a spike
"$PYTHON3" - "$TMP/in.h5" "$TMP/bad.h5" <<'PY' || fail "writing the input"
import sys, h5py, numpy as np
x = (np.random.default_rng(3).random((2, 80, 12)) < 0.2).astype(np.float32)
with h5py.File(sys.argv[1], "w") as f:
    f.create_dataset("x", data=x)
x[1, 7, 4] = 0.25
with h5py.File(sys.argv[2], "w") as f:
    f.create_dataset("x", data=x)
PY

for g in braille_noDelay_bias_zero braille_noDelay_bias_zero_subgraph; do
	M="$FIX/nir/rnn/$g.nir"
	expect_exit 0 "$SNNSIM" run "$M" --input "$TMP/in.h5" --loihi loihi2-class -o "$TMP/$g.sim.h5"
	expect_grep "$TMP/out" "converted to loihi_lif: 2 samples of 80 steps, layers reset"
	expect_grep "$TMP/err" "warning: population 'lif1.* the bias of a current-based layer"
	expect_exit 0 "$SNNCC" "$M" --input "$TMP/in.h5" --target loihi2-class -o "$TMP/$g.bin"
	expect_exit 0 "$SNNEMU" "$TMP/$g.bin" --input "$TMP/$g.sim.h5" -o "$TMP/$g.emu.h5"
done

# snnemu refuses -o naming its input
g=braille_noDelay_bias_zero
expect_exit 2 "$SNNEMU" "$TMP/$g.bin" --input "$TMP/$g.sim.h5" -o "$TMP/$g.sim.h5"
expect_line "$TMP/err" "snnemu: error: -o $TMP/$g.sim.h5 would overwrite $TMP/$g.sim.h5, an input of the run; name another output file"
# every chip population: the same spike arrays in snnsim and snnemu; the
# nested graph's spikes equal the flat graph's
"$PYTHON3" - "$TMP" >"$TMP/py" 2>&1 <<'PY' || { fail "spikes differ"; cat "$TMP/py"; }
import sys, h5py, numpy as np
d = sys.argv[1]
runs = {}
for g in ["braille_noDelay_bias_zero", "braille_noDelay_bias_zero_subgraph"]:
    s = h5py.File(f"{d}/{g}.sim.h5")["spikes"]
    e = h5py.File(f"{d}/{g}.emu.h5")["spikes"]
    assert set(e) == set(s) - {"input"}, (sorted(s), sorted(e))
    for p in e:
        for k in ("timestamps", "node_ids"):
            a, b = s[p][k][:], e[p][k][:]
            assert a.shape == b.shape and (a == b).all(), (g, p, k)
    runs[g] = [s[p]["timestamps"][:] for p in sorted(s)]
    assert all(len(x) > 0 for x in runs[g]), g
a, b = runs.values()
assert all(len(x) == len(y) and (x == y).all() for x, y in zip(a, b))
PY

# bad input: a value that is not a spike, a target that is not Loihi's
M="$FIX/nir/rnn/braille_noDelay_bias_zero.nir"
expect_exit 2 "$SNNSIM" run "$M" --input "$TMP/bad.h5" --loihi loihi2-class -o "$TMP/x.h5"
expect_grep "$TMP/err" "bad.h5: error: input 'input', sample 1, step 7, element 4: value 0.25 is not a spike"
[ -e "$TMP/x.h5" ] && fail "a failed conversion left $TMP/x.h5"
expect_exit 2 "$SNNCC" "$M" --input "$TMP/bad.h5" --target loihi2-class -o "$TMP/x.bin"
expect_grep "$TMP/err" "value 0.25 is not a spike"
expect_exit 2 "$SNNSIM" run "$M" --input "$TMP/in.h5" --loihi loihi3
expect_line "$TMP/err" "snnsim: error: --loihi expects loihi1-class or loihi2-class, got loihi3"

finish
