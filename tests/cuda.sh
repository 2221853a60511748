#!/bin/sh
# The GPU gives the CPU's spikes: the Brunel, CUBA and COBA examples (1 s)
# and the microcircuit at a tenth of its size run on both backends, and
# their spike datasets must be equal byte for byte (HDF5 /spikes/<pop>/
# timestamps and node_ids read raw with h5py, else compared with h5dump; the
# CSV rows always). Skips (exit 77) without a CUDA build or a usable GPU.
# The full-scale microcircuit is bench/cuda.sh's.
. "$(dirname "$0")/lib.sh"

if [ "${SNN_HAVE_CUDA:-no}" = no ]; then
	echo "SKIP: this build has no CUDA engine"
	exit 77
fi
cat >"$TMP/probe.yaml" <<'YAML'
simulation: {dt: 0.1 ms, duration: 1 ms}
populations:
  e: {model: lif, size: 10}
YAML
if ! "$SNNSIM" run "$TMP/probe.yaml" --backend cuda -q >"$TMP/out" 2>"$TMP/err"; then
	if grep -q 'no usable GPU' "$TMP/err"; then
		echo "SKIP: $(cat "$TMP/err")"
		exit 77
	fi
	fail "probe run on the GPU: $(cat "$TMP/err")"
	finish
fi

# compare NAME: the spike files $TMP/NAME.cpu.* and $TMP/NAME.gpu.*
compare() {
	grep -v '^#' "$TMP/$1.cpu.csv" >"$TMP/a.rows"
	grep -v '^#' "$TMP/$1.gpu.csv" >"$TMP/b.rows"
	[ "$(wc -l <"$TMP/a.rows")" -gt 100 ] || fail "$1: too few spikes to compare"
	cmp -s "$TMP/a.rows" "$TMP/b.rows" || fail "$1: CSV spike rows differ between cpu and cuda"
	if [ -n "${PYTHON3:-}" ]; then
		"$PYTHON3" - "$TMP/$1.cpu.h5" "$TMP/$1.gpu.h5" >"$TMP/py" 2>&1 <<'PY' ||
import sys, h5py
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
assert sorted(a["spikes"].keys()) == sorted(b["spikes"].keys())
for pop in a["spikes"]:
    for ds in ("timestamps", "node_ids"):
        x, y = a["spikes"][pop][ds], b["spikes"][pop][ds]
        assert x.dtype == y.dtype and x.shape == y.shape, (pop, ds)
        assert x[()].tobytes() == y[()].tobytes(), (pop, ds)
print("ok")
PY
			fail "$1: HDF5 spike datasets differ: $(cat "$TMP/py")"
	elif command -v h5dump >/dev/null 2>&1; then
		h5dump -d /spikes -y -w 0 "$TMP/$1.cpu.h5" | grep -v HDF5 >"$TMP/a.dump"
		h5dump -d /spikes -y -w 0 "$TMP/$1.gpu.h5" | grep -v HDF5 >"$TMP/b.dump"
		cmp -s "$TMP/a.dump" "$TMP/b.dump" || fail "$1: HDF5 spike datasets differ"
	fi
}

run_both() {
	name=$1
	shift
	for b in cpu gpu; do
		be=$b
		[ $b = gpu ] && be=cuda
		expect_exit 0 "$SNNSIM" run "$@" --backend $be -o "$TMP/$name.$b.csv" -q
		expect_exit 0 "$SNNSIM" run "$@" --backend $be -o "$TMP/$name.$b.h5" \
			--summary-json "$TMP/$name.$b.json"
	done
	compare "$name"
	for k in spikes events synapses; do
		a=$(sed -n "s/.*\"$k\": \([0-9]*\).*/\1/p" "$TMP/$name.cpu.json")
		g=$(sed -n "s/.*\"$k\": \([0-9]*\).*/\1/p" "$TMP/$name.gpu.json")
		[ "$a" = "$g" ] || fail "$name: $k $a on the CPU, $g on the GPU"
	done
	grep -q '"engine": "grid-cuda"' "$TMP/$name.gpu.json" || fail "$name: not run by grid-cuda"
}

run_both brunel "$SRC/examples/brunel.yaml"
run_both cuba "$SRC/examples/cuba.yaml"
run_both coba "$SRC/examples/coba.yaml"
run_both microcircuit "$SRC/examples/microcircuit.yaml" --scale 0.1
finish
