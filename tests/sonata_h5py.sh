#!/bin/sh
# A SONATA reader (h5py) opens what snnsim writes: the spike layout with its
# sorting enum and units, the provenance attributes, and a trace report.
# Skips when python3 with h5py is absent.
. "$(dirname "$0")/lib.sh"

if [ -z "${PYTHON3:-}" ]; then
	echo "SKIP: python3 with h5py is not installed"
	exit 77
fi
cat >"$TMP/net.yaml" <<YAML
simulation: {dt: 0.1 ms, duration: 100 ms, seed: 9}
populations:
  e: {model: lif, size: 100, params: {tau_m: 20 ms, E_L: 0 mV, V_th: 20 mV, V_reset: 10 mV}}
  i: {model: lif, synapse: exp, size: 30, params: {E_L: 0 mV, V_th: 15 mV, V_reset: 0 mV}}
projections:
  - {from: e, to: i, rule: {fixed_indegree: 10}, weight: 30 pA, delay: 1 ms}
stimuli:
  - {poisson: {rate: 15 kHz}, to: e, weight: 0.1 mV, delay: 0.1 ms}
  - {dc: {amplitude: 400 pA}, to: i}
record:
  spikes: {populations: [e, i], file: $TMP/s.h5}
  traces: [{population: 'i[0:3]', variable: V_m, interval: 0.5 ms, file: $TMP/v.h5}]
YAML
expect_exit 0 "$SNNSIM" run "$TMP/net.yaml" -q --threads 2
"$PYTHON3" - "$TMP/s.h5" "$TMP/v.h5" >"$TMP/py" 2>&1 <<'PY'
import sys, h5py, numpy as np
s = h5py.File(sys.argv[1], "r")
assert set(s["spikes"].keys()) == {"e", "i"}, list(s["spikes"].keys())
for pop, n in (("e", 100), ("i", 30)):
    g = s["spikes"][pop]
    t, ids = g["timestamps"][:], g["node_ids"][:]
    assert t.dtype == np.float64 and ids.dtype == np.uint64
    assert len(t) == len(ids) and len(t) > 0, pop
    assert g["timestamps"].attrs["units"] in ("ms", b"ms")
    enum = h5py.check_enum_dtype(g.attrs.get_id("sorting").dtype)
    assert enum == {"none": 0, "by_id": 1, "by_time": 2}, enum
    assert g.attrs["sorting"] == 2, g.attrs["sorting"]          # by_time
    assert np.all(np.diff(t) >= 0), "not sorted by time"
    assert ids.max() < n
for k in ("software", "config", "config_sha256", "seed", "threads", "engine", "dt_ms"):
    assert k in s.attrs, k
assert s.attrs["seed"] == 9 and s.attrs["engine"] == "grid-cpu"
v = h5py.File(sys.argv[2], "r")
r = v["report"]["i"]
d = r["data"][:]
assert d.shape == (200, 3), d.shape
assert list(r["mapping"]["node_ids"][:]) == [0, 1, 2]
assert list(r["mapping"]["index_pointers"][:]) == [0, 1, 2, 3]
tm = r["mapping"]["time"][:]
assert np.allclose(tm, [0.5, 100.5, 0.5]), tm
assert r["data"].attrs["units"] == "mV"
print("ok")
PY
expect_line "$TMP/py" "ok"
finish
