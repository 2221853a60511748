#!/bin/sh
# snnsim as a user meets it: help, version, usage errors and their exit
# codes, check, CSV and JSON outputs, and interrupted or failing runs that
# must leave no output file behind.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$SNNSIM" --help
expect_grep "$TMP/out" '^Usage: snnsim run CONFIG'
for c in run check inspect; do
	expect_exit 0 "$SNNSIM" $c --help
	expect_grep "$TMP/out" '^Usage: snnsim run CONFIG'
done
expect_exit 0 "$SNNSIM" --version
expect_grep "$TMP/out" '^snnsim \(Spikeforge\) [0-9]+\.[0-9]+\.[0-9]+$'
expect_exit 2 "$SNNSIM"
expect_exit 2 "$SNNSIM" frobnicate
expect_line "$TMP/err" "snnsim: error: unknown command 'frobnicate' (expected run, check or inspect; see snnsim --help)"
expect_exit 2 "$SNNSIM" run
expect_line "$TMP/err" "snnsim: error: run needs a config file (see snnsim --help)"
# a file that cannot be read is a failed run (snn_exit_status: SNN_EIO gives 1)
expect_exit 1 "$SNNSIM" run "$TMP/none.yaml"
expect_grep "$TMP/err" "none.yaml: error: cannot open: No such file or directory"
expect_exit 2 "$SNNSIM" run "$SRC/examples/brunel.yaml" --bogus
expect_line "$TMP/err" "snnsim: error: unknown option '--bogus' (see snnsim --help)"
expect_exit 2 "$SNNSIM" run "$SRC/examples/brunel.yaml" --threads 0
expect_line "$TMP/err" "snnsim: error: --threads expects a whole number from 1 to 4096, got 0"
expect_exit 2 "$SNNSIM" run "$SRC/examples/brunel.yaml" --duration 20
expect_line "$TMP/err" "snnsim: error: --duration: missing unit in '20': expected a time such as '1.5 ms'"
expect_exit 2 "$SNNSIM" run "$SRC/examples/brunel.yaml" --duration 5mV
expect_line "$TMP/err" "snnsim: error: --duration: '5mV' is a voltage, expected a time such as '1.5 ms'"
expect_exit 2 "$SNNSIM" run "$SRC/examples/brunel.yaml" --duration 0.05ms
expect_line "$TMP/err" "snnsim: error: --duration: the duration 0.05 ms is not a whole number of time steps (dt = 0.1 ms)"
expect_exit 2 "$SNNSIM" run "$SRC/examples/brunel.yaml" --format xml
expect_line "$TMP/err" "snnsim: error: --format expects hdf5 or csv, got xml"
expect_exit 2 "$SNNSIM" run "$SRC/examples/brunel.yaml" --seed -3
expect_exit 2 "$SNNSIM" check
expect_line "$TMP/err" "snnsim: error: usage: snnsim check CONFIG [--scale F]"
expect_exit 0 "$SNNSIM" check "$SRC/examples/cuba.yaml" --scale 4
expect_grep "$TMP/out" '^total: 16000 neurons, about 1280000 synapses, 10000 steps$'

# check: a valid config prints the network and its estimate
expect_exit 0 "$SNNSIM" check "$SRC/examples/brunel.yaml"
expect_grep "$TMP/out" '^populations \(2, 12500 neurons\):$'
expect_grep "$TMP/out" '^total: 12500 neurons, about 15625000 synapses, 10000 steps$'
expect_grep "$TMP/out" '^memory estimate: [0-9.]+ MB$'

# check: every problem of a file in one pass, exit 2
cat >"$TMP/bad.yaml" <<'YAML'
simulation: {dt: 0.1 ms, duration: 1 s}
populations:
  exc: {model: lif, size: 10, params: {tau_m: 20, V_th: 20 mV, V_reset: 30 mV}}
  inh: {model: lifx, size: 5}
projections:
  - {from: exc, to: nobody, rule: all_to_all, weight: 1 mV, delay: 1 ms}
YAML
expect_exit 2 "$SNNSIM" check "$TMP/bad.yaml"
expect_line "$TMP/err" "$TMP/bad.yaml:3:47: error: tau_m: missing unit in '20': expected a time such as '1.5 ms'"
expect_line "$TMP/err" "$TMP/bad.yaml:3:73: error: V_reset (30 mV) must be below V_th (20 mV) in population 'exc'"
expect_grep "$TMP/err" "^$TMP/bad.yaml:4:16: error: unknown model 'lifx'; expected one of: lif, lif_cond, spike_source, poisson_source, loihi_lif$"
expect_grep "$TMP/err" "^$TMP/bad.yaml:6:21: error: unknown population 'nobody'; the config defines: exc$"
expect_line "$TMP/err" "4 errors"

# a small network to run
cat >"$TMP/small.yaml" <<'YAML'
simulation: {dt: 0.1 ms, duration: 50 ms, seed: 5}
populations:
  e: {model: lif, size: 200, params: {tau_m: 20 ms, E_L: 0 mV, V_th: 20 mV, V_reset: 10 mV}}
projections:
  - {from: e, to: e, rule: {fixed_indegree: 20}, weight: 0.2 mV, delay: 1.5 ms}
stimuli:
  - {poisson: {rate: 15 kHz}, to: e, weight: 0.1 mV, delay: 0.1 ms}
YAML

# a spike record without a file, and no -o: an error naming the record, on
# both engines, and no output
{ cat "$TMP/small.yaml"; echo "record: {spikes: {populations: [e]}}"; } >"$TMP/nofile.yaml"
for engine in grid event; do
	expect_exit 2 "$SNNSIM" run "$TMP/nofile.yaml" --engine $engine -q
	expect_grep "$TMP/err" "nofile.yaml:[0-9]+:[0-9]+: error: spikes are recorded but no file is named"
done

# -o records everything; CSV has provenance comments, a header and rows
expect_exit 0 "$SNNSIM" run "$TMP/small.yaml" -o "$TMP/s.csv" --format csv --threads 2
expect_grep "$TMP/s.csv" '^# software: Spikeforge [0-9.]+$'
expect_grep "$TMP/s.csv" '^# seed: 5$'
expect_grep "$TMP/s.csv" '^# config_sha256: [0-9a-f]{64}$'
expect_line "$TMP/s.csv" "time_ms,population,node_id"
expect_grep "$TMP/s.csv" '^[0-9]+\.[0-9],e,[0-9]+$'
rows=$(grep -c ',e,' "$TMP/s.csv")
spikes=$(sed -n 's/^spikes  *\([0-9]*\)$/\1/p' "$TMP/out")
[ "$rows" = "$spikes" ] || fail "CSV has $rows rows, the summary says $spikes spikes"

# --summary-json has the keys scripts rely on; --quiet prints nothing
expect_exit 0 "$SNNSIM" run "$TMP/small.yaml" -o "$TMP/s.h5" --summary-json "$TMP/sum.json" -q
[ -s "$TMP/out" ] && fail "--quiet printed: $(cat "$TMP/out")"
for k in neurons synapses build_s sim_s spikes events_per_s peak_rss_mb rates_hz; do
	grep -q "\"$k\": " "$TMP/sum.json" || fail "summary JSON lacks $k"
done
expect_grep "$TMP/sum.json" '"rates_hz": \{"e": [0-9.]+\}'

# an interrupted run leaves no file under the requested name, nor a temporary
"$SNNSIM" run "$SRC/examples/brunel.yaml" --duration 60s -o "$TMP/int.h5" --threads 2 \
	>"$TMP/out" 2>"$TMP/err" &
pid=$!
sleep 3
kill -INT $pid
wait $pid
rc=$?
[ "$rc" = 1 ] || fail "interrupted run exited $rc, expected 1"
expect_grep "$TMP/err" 'error: (stopped at t = [0-9.]+ ms|interrupted while building the network); no output was written$'
ls "$TMP" | grep -q '^int\.h5' && fail "an interrupted run left $(ls "$TMP" | grep int)"

# SIGHUP and SIGTERM stop a run the same way: no temporary is left, and a
# previous output of the same name stays as it was
for sig in HUP TERM; do
	echo previous >"$TMP/keep.h5"
	"$SNNSIM" run "$SRC/examples/brunel.yaml" --duration 60s -o "$TMP/keep.h5" --threads 2 \
		>"$TMP/out" 2>"$TMP/err" &
	pid=$!
	sleep 3
	kill -$sig $pid
	wait $pid
	rc=$?
	[ "$rc" = 1 ] || fail "a run stopped by SIG$sig exited $rc, expected 1"
	expect_grep "$TMP/err" 'no output was written$'
	ls "$TMP" | grep -q '^keep\.h5\.tmp' && fail "SIG$sig left $(ls "$TMP" | grep keep)"
	expect_line "$TMP/keep.h5" previous
done

# snnemu stops the same way (an image of a loihi_lif network, 1000 s of 1 ms steps)
cat >"$TMP/emu.yaml" <<'YAML'
simulation: {dt: 1 ms, duration: 1000 s, seed: 5}
populations:
  e: {model: loihi_lif, size: 2000}
projections:
  - {from: e, to: e, rule: {fixed_indegree: 50}, weight: 10, delay: 1 ms}
YAML
expect_exit 0 "$BUILD/snncc" "$TMP/emu.yaml" --target loihi2-class -o "$TMP/emu.bin"
for sig in HUP TERM; do
	echo previous >"$TMP/keep.h5"
	"$BUILD/snnemu" "$TMP/emu.bin" -o "$TMP/keep.h5" >"$TMP/out" 2>"$TMP/err" &
	pid=$!
	sleep 2
	kill -$sig $pid
	wait $pid
	rc=$?
	[ "$rc" = 1 ] || fail "snnemu stopped by SIG$sig exited $rc, expected 1"
	expect_grep "$TMP/err" 'error: stopped at t = [0-9.]+ ms; no output was written$'
	ls "$TMP" | grep -q '^keep\.h5\.tmp' && fail "snnemu SIG$sig left $(ls "$TMP" | grep keep)"
	expect_line "$TMP/keep.h5" previous
done

# an output that is not a regular file is written in place, never replaced:
# a FIFO takes CSV, and refuses HDF5 naming it; -o naming the config is refused
mkfifo "$TMP/fifo" 2>/dev/null
if [ -p "$TMP/fifo" ]; then
	timeout 30 cat "$TMP/fifo" >"$TMP/fifo.csv" &
	cpid=$!
	expect_exit 0 timeout 30 "$SNNSIM" run "$TMP/small.yaml" -o "$TMP/fifo" --format csv -q
	wait $cpid
	[ -p "$TMP/fifo" ] || fail "-o FIFO replaced the FIFO"
	expect_line "$TMP/fifo.csv" "time_ms,population,node_id"
	expect_exit 2 timeout 30 "$SNNSIM" run "$TMP/small.yaml" -o "$TMP/fifo" -q
	expect_line "$TMP/err" "snnsim: error: -o $TMP/fifo is not a regular file: an HDF5 file cannot be written to a device, a pipe or a folder; name a file"
	[ -p "$TMP/fifo" ] || fail "-o FIFO (HDF5) replaced the FIFO"
else
	echo "SKIP (part): mkfifo is not possible here"
fi
[ -c /dev/null ] || fail "/dev/null is no longer a character device"
cp "$TMP/small.yaml" "$TMP/self.yaml"
expect_exit 2 "$SNNSIM" run "$TMP/self.yaml" -o "$TMP/self.yaml" --format csv -q
expect_line "$TMP/err" "snnsim: error: -o $TMP/self.yaml would overwrite $TMP/self.yaml, an input of the run; name another output file"
cmp -s "$TMP/small.yaml" "$TMP/self.yaml" || fail "-o CONFIG changed the config"

# an output that cannot be created fails cleanly (exit 1)
expect_exit 1 "$SNNSIM" run "$TMP/small.yaml" -o "$TMP/no/such/dir/s.h5"
expect_grep "$TMP/err" 'no/such/dir/s.h5: error: cannot create the HDF5 file'

# a lava-dl netx network, found by its content (a copy named .h5 too): run
# records every population, by default to MODEL_spikes.h5 in the current
# folder; check and inspect describe it (this part skips without the fixture)
NET=${SNN_FIXTURES:-}/lava-dl/tiny.net
if [ -n "${SNN_FIXTURES:-}" ] && [ -f "$NET" ]; then
	mkdir -p "$TMP/netx"
	cp "$NET" "$TMP/netx/renamed.h5"
	(cd "$TMP/netx" && "$SNNSIM" run "$NET" >"$TMP/out" 2>"$TMP/err")
	[ $? = 0 ] || fail "snnsim run tiny.net failed: $(cat "$TMP/err")"
	expect_grep "$TMP/out" '^spikes written to tiny_spikes.h5$'
	[ -f "$TMP/netx/tiny_spikes.h5" ] || fail "snnsim run tiny.net wrote no tiny_spikes.h5"
	expect_exit 0 "$SNNSIM" run "$TMP/netx/renamed.h5" -o "$TMP/netx/r.h5" -q
	# the provenance names the file; the spikes do not depend on the name
	if command -v h5diff >/dev/null 2>&1; then
		h5diff "$TMP/netx/tiny_spikes.h5" "$TMP/netx/r.h5" /spikes /spikes >/dev/null ||
			fail "netx spikes depend on the file name"
	fi
	expect_exit 0 "$SNNSIM" run "$NET" -o "$TMP/netx/t.csv" -q
	expect_line "$TMP/netx/t.csv" "time_ms,population,node_id"
	expect_exit 0 "$SNNSIM" check "$NET"
	expect_grep "$TMP/out" '^total: 1668 neurons, about 69807 synapses, 64 steps$'
	expect_exit 0 "$SNNSIM" inspect "$NET"
	expect_grep "$TMP/out" ': ok$'
	expect_exit 2 "$SNNSIM" run "$NET" --dt 1ms
	expect_line "$TMP/err" "snnsim: error: --dt applies to NIR graphs only"
	expect_exit 2 "$SNNSIM" check "$NET" --scale 2
	expect_line "$TMP/err" "$NET: error: a scale applies to configs, not to a lava-dl netx network"
else
	echo "SKIP (part): the lava-dl fixture is absent"
fi

finish
