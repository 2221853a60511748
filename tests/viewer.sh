#!/bin/sh
# snnview without a display: --png renders a spike file to exactly the
# golden picture, usage errors, bad spike files (truncated, not HDF5,
# missing) give clear errors and no output, and the populations land in
# their rows. Skips when snnview was not built (no SDL2).
# SNN_REGEN_GOLDEN=1 rewrites tests/golden/snnview_cli.png instead.
. "$(dirname "$0")/lib.sh"

SNNVIEW="$BUILD/snnview"
PNGTOOL="$BUILD/tests/pngtool"
if [ ! -x "$SNNVIEW" ]; then
	echo "SKIP: snnview was not built (SDL2 not found by configure)"
	exit 77
fi

expect_exit 0 "$SNNVIEW" --help
expect_grep "$TMP/out" '^Usage: snnview \[options\] SPIKES.h5'
expect_grep "$TMP/out" 'save a PNG screenshot'
expect_exit 0 "$SNNVIEW" --version
expect_grep "$TMP/out" '^snnview \(Spikeforge\) [0-9]+\.[0-9]+\.[0-9]+$'
expect_exit 2 "$SNNVIEW"
expect_exit 2 "$SNNVIEW" --bogus x.h5
expect_line "$TMP/err" "snnview: error: unknown option '--bogus' (see snnview --help)"
expect_exit 2 "$SNNVIEW" --png "$TMP/x.png"
expect_line "$TMP/err" "snnview: error: give a spike file or --attach SOCKET (see snnview --help)"
expect_exit 2 "$SNNVIEW" --png "$TMP/x.png" --attach "$TMP/sock"
expect_line "$TMP/err" "snnview: error: --png renders a spike file, not a live stream"
expect_exit 2 "$SNNVIEW" --size 10x10 a.h5
expect_line "$TMP/err" "snnview: error: --size expects WxH from 200x150 to 8192x8192, got 10x10"
expect_exit 2 "$SNNVIEW" --t0 5 a.h5
expect_line "$TMP/err" "snnview: error: --t0: missing unit in '5': expected a time such as '1.5 ms'"
expect_exit 2 "$SNNVIEW" --t0 50ms --t1 10ms a.h5
expect_line "$TMP/err" "snnview: error: --t1 must come after --t0"

# a deterministic two-population file: "low" 40 neurons in a diagonal sweep
# every 25 ms, "high" 60 neurons firing in 5 ms volleys every 20 ms
awk 'BEGIN {
	print "time_ms,population,node_id"
	for (t = 1; t <= 200; t += 1) {
		if (t % 20 < 5) { for (k = 0; k < 60; k += 3) printf "%d,high,%d\n", t, (k + t) % 60 }
		printf "%d,low,%d\n", t, int((t % 25) * 40 / 25)
	}
}' >"$TMP/two.csv"

# the picture is exactly the golden one (the title is the path as given)
(cd "$TMP" && "$SNNVIEW" --png two.png --size 480x320 two.csv) || fail "snnview --png two.csv failed"
GOLDEN="$SRC/tests/golden/snnview_cli.png"
if [ "${SNN_REGEN_GOLDEN:-}" = 1 ]; then
	cp "$TMP/two.png" "$GOLDEN"
	echo "rewrote $GOLDEN"
fi
expect_exit 0 "$PNGTOOL" cmp "$TMP/two.png" "$GOLDEN"

# populations in their rows: "high" (first in the file: rows 0-59, the
# bottom 60 %) in blue, "low" (rows 60-99) in vermilion above it
"$PNGTOOL" pops "$TMP/two.png" 1 0 0072b2 d55e00 >"$TMP/stats"
read -r _ n_hi lo_hi _ hi_hi <<EOT
$(sed -n 1p "$TMP/stats")
EOT
read -r _ n_lo lo_lo _ hi_lo <<EOT
$(sed -n 2p "$TMP/stats")
EOT
awk -v n="$n_hi" -v lo="$lo_hi" -v hi="$hi_hi" 'BEGIN { exit !(n > 500 && lo >= 0 && hi <= 0.61) }' ||
	fail "population high not in the bottom 60 %: $(sed -n 1p "$TMP/stats")"
awk -v n="$n_lo" -v lo="$lo_lo" -v hi="$hi_lo" 'BEGIN { exit !(n > 100 && lo >= 0.59 && hi <= 1) }' ||
	fail "population low not in the top 40 %: $(sed -n 2p "$TMP/stats")"

# a window and a hidden population change the picture; an unknown one is an error
expect_exit 0 "$SNNVIEW" --png "$TMP/win.png" --size 480x320 --t0 20ms --t1 60ms --hide low "$TMP/two.csv"
expect_exit 1 "$PNGTOOL" cmp "$TMP/two.png" "$TMP/win.png"
"$PNGTOOL" pops "$TMP/win.png" 1 0 d55e00 >"$TMP/stats"
expect_grep "$TMP/stats" '^d55e00 0 '
expect_exit 2 "$SNNVIEW" --png "$TMP/x.png" --hide nobody "$TMP/two.csv"
expect_line "$TMP/err" "snnview: error: --hide: no population 'nobody'"

# an HDF5 spike file written by snnsim renders the same as its CSV twin
cat >"$TMP/net.yaml" <<YAML
simulation: {dt: 0.1 ms, duration: 100 ms, seed: 3}
populations:
  p: {model: poisson_source, size: 50, params: {rate: 40 Hz}}
  q: {model: poisson_source, size: 20, params: {rate: 80 Hz}}
YAML
expect_exit 0 "$SNNSIM" run "$TMP/net.yaml" -q -o "$TMP/pq.h5"
expect_exit 0 "$SNNSIM" run "$TMP/net.yaml" -q -o "$TMP/pq.csv"
expect_exit 0 "$SNNVIEW" --png "$TMP/pq_csv.png" --size 400x300 --t1 100.0001ms "$TMP/pq.csv"
expect_exit 0 "$SNNVIEW" --png "$TMP/pq_h5.png" --size 400x300 --t1 100.0001ms "$TMP/pq.h5"
"$PNGTOOL" pops "$TMP/pq_csv.png" 1 0 0072b2 d55e00 >"$TMP/stats_csv"
"$PNGTOOL" pops "$TMP/pq_h5.png" 1 0 0072b2 d55e00 >"$TMP/stats_h5"
cmp -s "$TMP/stats_csv" "$TMP/stats_h5" || fail "HDF5 and CSV pictures differ: $(cat "$TMP/stats_h5")"

# snnsim --view whose viewer cannot start, or exits at once (no display):
# the run goes on and completes
expect_exit 0 env SNNSIM_VIEWER=/bin/false "$SNNSIM" run "$TMP/net.yaml" --view -o "$TMP/v1.h5"
expect_line "$TMP/err" "snnsim: warning: --view: the viewer exited; the run goes on without it"
[ -f "$TMP/v1.h5" ] || fail "--view with a failing viewer wrote no spike file"
expect_exit 0 env SNNSIM_VIEWER="$TMP/no-such-viewer" "$SNNSIM" run "$TMP/net.yaml" --view -o "$TMP/v2.h5"
expect_grep "$TMP/err" "^snnsim: warning: --view: cannot start $TMP/no-such-viewer: "
expect_exit 2 "$SNNSIM" run "$TMP/net.yaml" --view --stream "$TMP/s.sock"
expect_line "$TMP/err" "snnsim: error: --view makes its own stream; give either --view or --stream SOCKET"
expect_exit 1 "$SNNSIM" run "$TMP/net.yaml" --stream "$TMP/pq.h5"
expect_line "$TMP/err" "$TMP/pq.h5: error: exists and is not a socket; not replacing it"

# bad spike files: a clear error, exit 2, no picture left behind
head -c 3000 "$TMP/pq.h5" >"$TMP/cut.h5"
expect_exit 2 "$SNNVIEW" --png "$TMP/bad.png" "$TMP/cut.h5"
expect_line "$TMP/err" "$TMP/cut.h5: error: cannot open as HDF5 (truncated or not an HDF5 file)"
echo "not spikes" >"$TMP/text.h5"
expect_exit 2 "$SNNVIEW" --png "$TMP/bad.png" "$TMP/text.h5"
expect_line "$TMP/err" "$TMP/text.h5: error: not an HDF5 file (no HDF5 signature at its start)"
# SNN_EIO: a failed run by snn_exit_status
expect_exit 1 "$SNNVIEW" --png "$TMP/bad.png" "$TMP/missing.h5"
expect_line "$TMP/err" "$TMP/missing.h5: error: cannot open: No such file or directory"
cp "$SRC/tests/golden/snnview_cli.png" "$TMP/picture.h5"
expect_exit 2 "$SNNVIEW" --png "$TMP/bad.png" "$TMP/picture.h5"
expect_line "$TMP/err" "$TMP/picture.h5: error: not an HDF5 file (no HDF5 signature at its start)"
if [ -e "$TMP/bad.png" ]; then
	fail "a failed render left $TMP/bad.png"
fi
# an unwritable output
expect_exit 1 "$SNNVIEW" --png "$TMP/no/such/dir.png" "$TMP/two.csv"
expect_grep "$TMP/err" "dir.png: error: "
finish
