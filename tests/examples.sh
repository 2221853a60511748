#!/bin/sh
# Every example config runs (for 100 ms here; the microcircuit at a tenth of
# its size) and prints its summary, so that none of them rots. Run from a
# scratch folder: examples write their outputs to the current folder. Then the
# microcircuit's rates at a tenth of its size (in-degrees kept) must stay
# within a factor of 2.5 of the published full-scale rates.
. "$(dirname "$0")/lib.sh"

n=0
for cfg in "$SRC"/examples/*.yaml; do
	name=$(basename "$cfg" .yaml)
	scale=1
	[ "$name" = microcircuit ] && scale=0.1
	expect_exit 0 "$SNNSIM" check "$cfg" --scale $scale
	(cd "$TMP" && "$SNNSIM" run "$cfg" --duration 100ms --threads 2 --scale $scale) \
		>"$TMP/out" 2>"$TMP/err"
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

# Potjans & Diesmann (2014), full-scale mean rates (Hz)
(cd "$TMP" && "$SNNSIM" run "$SRC/examples/microcircuit.yaml" --scale 0.1 --duration 600ms \
	--threads 2 -q --summary-json mc.json) || fail "microcircuit at scale 0.1 failed"
for pr in L23E:0.971 L23I:2.868 L4E:4.746 L4I:5.396 L5E:8.142 L5I:9.078 L6E:0.991 L6I:7.523; do
	pop=${pr%%:*}
	ref=${pr#*:}
	got=$(sed -n "s/.*\"$pop\": \([0-9.e+-]*\).*/\1/p" "$TMP/mc.json")
	if [ -z "$got" ] || ! awk -v g="$got" -v r="$ref" 'BEGIN { exit !(g > r / 2.5 && g < r * 2.5) }'; then
		fail "microcircuit $pop rate ${got:-missing} Hz, published $ref Hz"
	fi
done
finish
