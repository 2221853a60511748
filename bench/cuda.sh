#!/bin/sh
# make bench-cuda: the CUDA engine's figures for the Brunel network and the
# full-scale cortical microcircuit (77,169 neurons, about 0.3e9 synapses):
# build time, real-time factor (wall time / biological time), synaptic
# events per second, device memory and bytes per synapse on the device.
# Prints one JSON line per case (snnsim's --summary-json with the case name),
# then a table. With COMPARE=1 it also runs each case on the CPU backend
# (THREADS threads) and checks that the two spike files hold the same rows.
#
# Usage: bench/cuda.sh [CASE...]  (default: brunel microcircuit; also
# microcircuit-0.1, cuba, coba). Environment: SNNSIM (default ./snnsim),
# THREADS (default: all cores), COMPARE (0), BENCH_OUT (folder that keeps
# the outputs; without it they go to a temporary folder removed at the end,
# and the lines leave out the spike file's name). Needs a build with CUDA and
# a GPU.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
SNNSIM=${SNNSIM:-./snnsim}
THREADS=${THREADS:-$(nproc 2>/dev/null || echo 1)}
COMPARE=${COMPARE:-0}
. "$here/outdir.sh"
cases=${*:-"brunel microcircuit"}
status=0

# one run: name backend config [args]; writes $out/name.backend.{json,csv,log}
run_one() {
	name=$1
	be=$2
	cfg=$3
	shift 3
	if ! "$SNNSIM" run "$cfg" --backend "$be" --threads "$THREADS" -q \
		-o "$out/$name.$be.csv" --summary-json "$out/$name.$be.json" "$@" \
		>"$out/$name.$be.log" 2>&1; then
		echo "{\"case\": \"$name\", \"backend\": \"$be\", \"error\": \"$(head -c 300 \
			"$out/$name.$be.log" | tr '\n"' '  ')\"}"
		return 1
	fi
	if [ "$keep" = 1 ]; then
		sed "s/^{/{\"case\": \"$name\", \"backend\": \"$be\", /" "$out/$name.$be.json"
	else
		sed "s/^{/{\"case\": \"$name\", \"backend\": \"$be\", /; s/, \"spike_file\": \"[^\"]*\"//" \
			"$out/$name.$be.json"
	fi
}

# json FILE KEY: a number from a summary
json() {
	sed -n "s/.*\"$2\": \([0-9.e+-]*\).*/\1/p" "$1"
}

run_case() { # name config [args]
	name=$1
	cfg=$2
	shift 2
	run_one "$name" cuda "$cfg" "$@" || { status=1; return; }
	if [ "$COMPARE" = 1 ]; then
		run_one "$name" cpu "$cfg" "$@" || { status=1; return; }
		grep -v '^#' "$out/$name.cpu.csv" >"$out/$name.cpu.rows"
		grep -v '^#' "$out/$name.cuda.csv" >"$out/$name.cuda.rows"
		if cmp -s "$out/$name.cpu.rows" "$out/$name.cuda.rows"; then
			echo "{\"case\": \"$name\", \"identical_spikes\": true, \"rows\": $(wc -l \
				<"$out/$name.cpu.rows")}"
		else
			echo "{\"case\": \"$name\", \"identical_spikes\": false}"
			status=1
		fi
	fi
}

for c in $cases; do
	case $c in
	brunel) run_case brunel "$src/examples/brunel.yaml" ;;
	cuba) run_case cuba "$src/examples/cuba.yaml" ;;
	coba) run_case coba "$src/examples/coba.yaml" ;;
	microcircuit) run_case microcircuit "$src/examples/microcircuit.yaml" ;;
	microcircuit-0.1) run_case microcircuit-0.1 "$src/examples/microcircuit.yaml" --scale 0.1 ;;
	*)
		echo "bench/cuda.sh: unknown case '$c'" >&2
		exit 2
		;;
	esac
done

echo
printf '%-18s %-5s %9s %8s %12s %10s %9s %10s\n' case back build_s rtf events/s synapses \
	bytes/syn device_GB
for c in $cases; do
	for be in cuda cpu; do
		f="$out/$c.$be.json"
		[ -f "$f" ] || continue
		printf '%-18s %-5s %9.2f %8.3f %12.4g %10.4g %9.2f %10.3f\n' "$c" "$be" \
			"$(json "$f" build_s)" "$(json "$f" rtf)" "$(json "$f" events_per_s)" \
			"$(json "$f" synapses)" "$(json "$f" bytes_per_synapse)" \
			"$(awk -v b="$(json "$f" device_bytes)" 'BEGIN { printf "%.3f", (b + 0) / 1e9 }')"
	done
done
echo "outputs in $out"
exit $status
