#!/bin/sh
# Benchmark 4 of Brette et al. (2007) (examples/cuba_event.yaml, 1 s of
# biological time) on the event engine and on the grid engine at dt = 0.1 ms
# and 0.01 ms (one thread each, then the grid on two threads), REPEAT runs
# each; prints the fastest run of each: simulation time, build time,
# synaptic events per second of simulation time, spikes and rates, and the
# CPU time (user + system) of the whole process, fastest of the runs: on a
# busy machine the CPU time of a one-thread run is the steadier figure.
#
# Usage: bench/event.sh [BUILD_DIR] [REPEAT]   (from the source folder;
# BUILD_DIR holds snnsim, default: the current folder; REPEAT default 3)
set -eu
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-.}
REPEAT=${2:-3}
SNNSIM="$BUILD/snnsim"
[ -x "$SNNSIM" ] || { echo "bench/event.sh: no snnsim in $BUILD" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/event.sh: needs /usr/bin/time (Debian: time)" >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
sed 's/^  dt: 0.1 ms$/  dt: 0.01 ms/' "$SRC/examples/cuba_event.yaml" >"$TMP/cuba_event_dt001.yaml"
grep -q '^  dt: 0.01 ms$' "$TMP/cuba_event_dt001.yaml" ||
	{ echo "bench/event.sh: cannot set dt in cuba_event.yaml" >&2; exit 2; }

# field NAME FILE: a number of the summary JSON
field() {
	sed -n "s/.*\"$1\": \([0-9.e+-]*\).*/\1/p" "$2"
}

# run LABEL CONFIG ENGINE THREADS
run() {
	best=""
	cpu=""
	for i in $(seq "$REPEAT"); do
		/usr/bin/time -f "%U %S" -o "$TMP/time" "$SNNSIM" run "$2" --engine "$3" \
			--threads "$4" -q -o "$TMP/spikes.h5" --summary-json "$TMP/s.json"
		c=$(awk '{print $1 + $2}' "$TMP/time")
		if [ -z "$cpu" ] || awk "BEGIN{exit !($c < $cpu)}"; then
			cpu=$c
		fi
		sim=$(field sim_s "$TMP/s.json")
		if [ -z "$best" ] || awk "BEGIN{exit !($sim < $best)}"; then
			best=$sim
			cp "$TMP/s.json" "$TMP/best.json"
		fi
	done
	f="$TMP/best.json"
	rates=$(sed -n 's/.*"rates_hz": {\([^}]*\)}.*/\1/p' "$f" | sed 's/"//g; s/: /=/g; s/,//g')
	printf '%-28s %9.3f %8.3f %8.2f %11.3g %8s  %s\n' "$1" "$(field sim_s "$f")" \
		"$(field build_s "$f")" "$cpu" "$(field events_per_s "$f")" "$(field spikes "$f")" \
		"$rates"
}

echo "benchmark 4 (CUBA, voltage jumps), 4000 neurons, 1 s; fastest of $REPEAT runs"
printf '%-28s %9s %8s %8s %11s %8s  %s\n' "engine" "sim (s)" "build" "cpu" "events/s" "spikes" \
	"rates (Hz)"
run "event, 1 thread" "$SRC/examples/cuba_event.yaml" event 1
run "grid dt=0.1 ms, 1 thread" "$SRC/examples/cuba_event.yaml" grid 1
run "grid dt=0.01 ms, 1 thread" "$TMP/cuba_event_dt001.yaml" grid 1
run "grid dt=0.1 ms, 2 threads" "$SRC/examples/cuba_event.yaml" grid 2
run "grid dt=0.01 ms, 2 threads" "$TMP/cuba_event_dt001.yaml" grid 2

echo
echo "benchmark 2 (CUBA, exponential currents: examples/cuba.yaml), 1 s; fastest of $REPEAT runs"
printf '%-28s %9s %8s %8s %11s %8s  %s\n' "engine" "sim (s)" "build" "cpu" "events/s" "spikes" \
	"rates (Hz)"
run "event, 1 thread" "$SRC/examples/cuba.yaml" event 1
run "grid dt=0.1 ms, 1 thread" "$SRC/examples/cuba.yaml" grid 1
