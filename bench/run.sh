#!/bin/sh
# make bench: runs every benchmark case and prints one JSON line per case:
# case, neurons, synapses, threads, engine, build_s, sim_s, bio_ms, rtf,
# spikes, events, events_per_s, wait_s, bytes_per_synapse, peak_rss_mb, rates_hz,
# and, after the memory-bandwidth probe, the fraction of the memory bandwidth
# that the case's synaptic events stream (6 bytes of synapse table and 8 of
# input buffer per event).
#
# Usage: bench/run.sh [CASE...]  (default: all). Environment: THREADS (default
# 2), SNNSIM (default ./snnsim), BENCH_OUT (folder that keeps the spike files
# and logs, named in the lines as spike_file; without it they go to a
# temporary folder that is removed at the end, and the lines leave them out).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
SNNSIM=${SNNSIM:-./snnsim}
THREADS=${THREADS:-2}
STREAM=${STREAM:-./bench/stream}
. "$here/outdir.sh"
cases=${*:-"stream brunel cuba-4000 cuba-16000 cuba-64000 cuba-256000 coba microcircuit"}
bw=""

run_case() { # name config [extra args]
	name=$1
	cfg=$2
	shift 2
	if ! "$SNNSIM" run "$cfg" --threads "$THREADS" -q -o "$out/$name.h5" \
		--summary-json "$out/$name.json" "$@" >"$out/$name.log" 2>&1; then
		if [ "$keep" = 1 ]; then
			echo "{\"case\": \"$name\", \"error\": \"snnsim failed; see $out/$name.log\"}"
		else
			echo "{\"case\": \"$name\", \"error\": \"snnsim failed\"}"
			sed 's/^/  /' "$out/$name.log" >&2
		fi
		return
	fi
	line=$(sed "s/^{/{\"case\": \"$name\", /; s/}\$//" "$out/$name.json")
	if [ "$keep" = 0 ]; then
		line=$(echo "$line" | sed 's/, "spike_file": "[^"]*"//')
	fi
	if [ -n "$bw" ]; then
		eps=$(sed -n 's/.*"events_per_s": \([0-9.e+-]*\).*/\1/p' "$out/$name.json")
		frac=$(awk -v e="$eps" -v b="$bw" 'BEGIN { printf "%.4f", e * 14 / (b * 1e9) }')
		line="$line, \"bandwidth_fraction\": $frac"
	fi
	echo "$line}"
}

for c in $cases; do
	case $c in
	stream)
		line=$("$STREAM" "$THREADS")
		bw=$(echo "$line" | sed -n 's/.*"bandwidth_gb_s": \([0-9.]*\).*/\1/p')
		echo "$line"
		;;
	brunel) run_case brunel "$src/examples/brunel.yaml" ;;
	cuba-4000) run_case cuba-4000 "$src/examples/cuba.yaml" ;;
	cuba-16000) run_case cuba-16000 "$src/examples/cuba.yaml" --scale 4 ;;
	cuba-64000) run_case cuba-64000 "$src/examples/cuba.yaml" --scale 16 ;;
	cuba-256000) run_case cuba-256000 "$src/examples/cuba.yaml" --scale 64 ;;
	coba) run_case coba "$src/examples/coba.yaml" ;;
	microcircuit) run_case microcircuit "$src/examples/microcircuit.yaml" ;;
	*)
		echo "bench/run.sh: unknown case '$c'" >&2
		exit 2
		;;
	esac
done
