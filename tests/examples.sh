#!/bin/sh
# Every example config runs (for 100 ms here) and prints its summary, so that
# none of them rots. Run from a scratch folder: examples write their outputs
# to the current folder.
. "$(dirname "$0")/lib.sh"

n=0
for cfg in "$SRC"/examples/*.yaml; do
	name=$(basename "$cfg" .yaml)
	expect_exit 0 "$SNNSIM" check "$cfg"
	(cd "$TMP" && "$SNNSIM" run "$cfg" --duration 100ms --threads 2) >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if [ $rc != 0 ]; then
		fail "example $name exited $rc"
		sed 's/^/  /' "$TMP/err" | head
		continue
	fi
	expect_grep "$TMP/out" '^spikes  *[1-9][0-9]*$'
	expect_grep "$TMP/out" '^synaptic events '
	n=$((n + 1))
done
[ "$n" -ge 3 ] || fail "only $n examples ran"
finish
