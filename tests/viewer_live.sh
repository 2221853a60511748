#!/bin/sh
# The live view under Xvfb: snnview attached to a running snnsim (--stream
# and --view), scripted to take screenshots when the run ends; the pictures
# show each population in its rows. A viewer that quits, or never reads,
# neither stops nor slows the run: snnsim finishes, writes its output and
# reports what it dropped. Skips without snnview or xvfb-run.
. "$(dirname "$0")/lib.sh"

SNNVIEW="$BUILD/snnview"
PNGTOOL="$BUILD/tests/pngtool"
if [ ! -x "$SNNVIEW" ]; then
	echo "SKIP: snnview was not built (SDL2 not found by configure)"
	exit 77
fi
if [ -z "${XVFB_RUN:-}" ] || [ ! -x "$XVFB_RUN" ]; then
	echo "SKIP: xvfb-run is not installed (apt-get install xvfb)"
	exit 77
fi
SOCK="/tmp/snn-live-$$.sock"
# Sanitizer builds: the display libraries leak on their own, some from
# modules SDL has unloaded (no names to suppress): snnview's windows run
# without leak detection; the code they use is leak-checked by check_view,
# check_raster and tests/viewer.sh.
LSAN_OPTIONS="suppressions=$SRC/tests/lsan-display.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export LSAN_OPTIONS
WINDOW_ASAN="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
VIEWTMP=
trap 'rm -rf "$TMP" "$SOCK" ${VIEWTMP:+"$VIEWTMP"}' EXIT

# "bottom": 60 neurons at 60 Hz, "top": 40 neurons at 120 Hz (rows 60-99)
cat >"$TMP/net.yaml" <<YAML
simulation: {dt: 0.1 ms, duration: 400 ms, seed: 5}
populations:
  bottom: {model: poisson_source, size: 60, params: {rate: 60 Hz}}
  top: {model: poisson_source, size: 40, params: {rate: 120 Hz}}
YAML

# checks that a screenshot shows bottom (blue) low and top (vermilion) high
check_rows() {
	"$PNGTOOL" pops "$1" 1 0 0072b2 d55e00 >"$TMP/stats"
	read -r _ n_b lo_b _ hi_b <<EOT
$(sed -n 1p "$TMP/stats")
EOT
	read -r _ n_t lo_t _ hi_t <<EOT
$(sed -n 2p "$TMP/stats")
EOT
	awk -v n="$n_b" -v hi="$hi_b" 'BEGIN { exit !(n > 1000 && hi <= 0.61) }' ||
		fail "$1: bottom not in rows 0-59: $(sed -n 1p "$TMP/stats")"
	awk -v n="$n_t" -v lo="$lo_t" 'BEGIN { exit !(n > 1000 && lo >= 0.59) }' ||
		fail "$1: top not in rows 60-99: $(sed -n 2p "$TMP/stats")"
}

# 1. snnview --attach, started before the simulation, waits for the socket
cd "$TMP" || exit 1
ASAN_OPTIONS="$WINDOW_ASAN" "$XVFB_RUN" -a -s "-screen 0 800x600x24" "$SNNVIEW" --attach "$SOCK" --size 640x420 \
	--script "shot $TMP/ready.png; wait-end; shot $TMP/live.png; window 0 400; shot $TMP/win.png; key s; key r; shot $TMP/norates.png; quit" \
	>"$TMP/view.out" 2>"$TMP/view.err" &
viewer=$!
# the run starts once the window is up (its first screenshot), however busy
# the machine
k=0
while [ ! -f "$TMP/ready.png" ] && [ $k -lt 600 ]; do
	sleep 0.1
	k=$((k + 1))
done
expect_exit 0 "$SNNSIM" run "$TMP/net.yaml" --stream "$SOCK" -o "$TMP/s.h5"
expect_grep "$TMP/err" "^snnsim: live stream: [0-9]+ spikes queued, 0 dropped$"
wait $viewer
rc=$?
[ "$rc" = 0 ] || { fail "snnview exited $rc"; sed 's/^/  viewer: /' "$TMP/view.err"; }
if [ -f "$TMP/live.png" ]; then
	check_rows "$TMP/live.png"
	# the stream and the file hold the same spikes: same raster as --png
	"$SNNVIEW" --png "$TMP/file.png" --size 640x420 --t0 0ms --t1 400ms "$TMP/s.h5"
	"$PNGTOOL" pops "$TMP/file.png" 1 0 0072b2 d55e00 >"$TMP/stats_file"
	"$PNGTOOL" pops "$TMP/win.png" 1 0 0072b2 d55e00 >"$TMP/stats_live"
	cmp -s "$TMP/stats_file" "$TMP/stats_live" ||
		fail "live and file pictures differ: $(cat "$TMP/stats_live") vs $(cat "$TMP/stats_file")"
else
	fail "no screenshot from the live view"
fi
# the s key saved a numbered screenshot; r hid the rate strip
[ -f "$TMP/snnview-001.png" ] || fail "key s saved no snnview-001.png"
expect_grep "$TMP/view.out" "^snnview: saved snnview-001.png$"
"$PNGTOOL" pops "$TMP/norates.png" 0 0 0072b2 >"$TMP/stats"
expect_grep "$TMP/stats" "^0072b2 [0-9]{4,} "

# 2. snnsim --view starts the viewer itself (SNNSIM_VIEWER picks which)
cat >"$TMP/viewer" <<SH
#!/bin/sh
echo "\$@" >"$TMP/viewer.args"
ASAN_OPTIONS="$WINDOW_ASAN" exec "$SNNVIEW" "\$@" --size 640x420 --script "wait-end; shot $TMP/view.png; quit"
SH
chmod +x "$TMP/viewer"
# its socket folder goes to TMPDIR: a folder of this run's own, short enough
# for a socket's path, where no other test's folders are
VIEWTMP=$(mktemp -d /tmp/snn-live-view.XXXXXX) || exit 1
SNNSIM_VIEWER="$TMP/viewer" TMPDIR="$VIEWTMP" "$XVFB_RUN" -a -s "-screen 0 800x600x24" sh -c \
	"'$SNNSIM' run '$TMP/net.yaml' --view -q; k=0; while [ ! -f '$TMP/view.png' ] && [ \$k -lt 300 ]; do sleep 0.1; k=\$((k+1)); done; sleep 0.5" \
	>"$TMP/v.out" 2>"$TMP/v.err"
if [ -f "$TMP/view.png" ]; then
	check_rows "$TMP/view.png"
else
	fail "snnsim --view: no screenshot"
	sed 's/^/  stderr: /' "$TMP/v.err"
fi
# --view made its socket folder in TMPDIR and left nothing behind
expect_grep "$TMP/viewer.args" "^--attach $VIEWTMP/snnsim-view-[^/]+/stream\.sock$"
for d in "$VIEWTMP"/snnsim-view-*; do
	[ -e "$d" ] && fail "--view left $d"
done

# 3. a viewer that is gone, or never reads, does not hurt the run
cat >"$TMP/big.yaml" <<YAML
simulation: {dt: 1 ms, duration: 1000 ms, seed: 5}
populations:
  many: {model: poisson_source, size: 8000, params: {rate: 100 Hz}}
YAML
if command -v python3 >/dev/null 2>&1; then
	python3 - "$SOCK" "$TMP/stuck.done" <<'PY' &
import socket, sys, time, os
path = sys.argv[1]
for _ in range(200):
    if os.path.exists(path):
        break
    time.sleep(0.05)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(path)
time.sleep(8)  # never reads while the run goes on
s.close()
open(sys.argv[2], "w").close()
PY
	stuck=$!
	expect_exit 0 "$SNNSIM" run "$TMP/big.yaml" --stream "$SOCK" -o "$TMP/big.h5"
	expect_grep "$TMP/err" "^snnsim: live stream: [0-9]+ spikes queued, [1-9][0-9]* dropped$"
	[ -f "$TMP/big.h5" ] || fail "the run with a stuck viewer wrote no spike file"
	kill "$stuck" 2>/dev/null
	wait "$stuck" 2>/dev/null
	# a viewer that reads a little and hangs up: no SIGPIPE, the run completes
	python3 - "$SOCK" <<'PY' &
import socket, sys, time, os
for _ in range(200):
    if os.path.exists(sys.argv[1]):
        break
    time.sleep(0.05)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.recv(1000)
s.close()
PY
	hup=$!
	expect_exit 0 "$SNNSIM" run "$TMP/big.yaml" --stream "$SOCK" -o "$TMP/big2.h5"
	[ -f "$TMP/big2.h5" ] || fail "the run whose viewer hung up wrote no spike file"
	wait "$hup" 2>/dev/null
fi
finish
