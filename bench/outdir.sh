# Sourced by the bench scripts: sets out to BENCH_OUT (created if needed) and
# keep=1, or to a temporary folder removed when the script ends and keep=0
# (the lines then leave out the names of files that will be gone).
if [ -n "${BENCH_OUT:-}" ]; then
	out=$BENCH_OUT
	mkdir -p "$out"
	keep=1
else
	out=$(mktemp -d)
	keep=0
	trap 'rm -rf "$out"' EXIT
fi
