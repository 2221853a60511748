#!/bin/sh
# snnsim with the event engine: --engine, spike times written to full
# precision, a refused model, and byte-identical spike rows run after run and
# for any --threads.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$SNNSIM" --help
expect_grep "$TMP/out" '^  --engine E  '
expect_exit 2 "$SNNSIM" run "$SRC/examples/cuba_event.yaml" --engine exact
expect_line "$TMP/err" "snnsim: error: --engine expects grid or event, got exact"
expect_exit 2 "$SNNSIM" run "$SRC/examples/cuba_event.yaml" --engine
expect_line "$TMP/err" "snnsim: error: --engine expects grid or event"

# the first spike of the constant-current neuron, 17 significant digits
cat >"$TMP/dc.yaml" <<'YAML'
simulation: {dt: 0.1 ms, duration: 10 ms}
populations:
  n: {model: lif, size: 1, params: {C_m: 250 pF, tau_m: 10 ms, E_L: 0 mV, V_th: 15 mV, V_reset: 0 mV, I_e: 1000 pA}}
YAML
expect_exit 0 "$SNNSIM" run "$TMP/dc.yaml" --engine event -o "$TMP/dc.csv" -q
expect_line "$TMP/dc.csv" "4.700036292457356,n,0"
expect_line "$TMP/dc.csv" "# engine: event-cpu"
expect_line "$TMP/dc.csv" "# dt_ms: 0"
expect_exit 0 "$SNNSIM" run "$TMP/dc.yaml" --engine grid -o "$TMP/dcg.csv" -q
expect_line "$TMP/dcg.csv" "4.8,n,0"
expect_line "$TMP/dcg.csv" "# engine: grid-cpu"

# lif_cond has no exact solution: refused, with the population named
cat >"$TMP/cond.yaml" <<'YAML'
simulation: {duration: 10 ms, engine: event}
populations:
  g: {model: lif_cond, size: 3}
YAML
expect_exit 2 "$SNNSIM" run "$TMP/cond.yaml" -o "$TMP/cond.csv"
expect_line "$TMP/err" "$TMP/cond.yaml:3:3: error: population 'g': the event engine cannot integrate model 'lif_cond' exactly (its conductance-based synapses have no closed-form solution); run it with engine: grid"
[ ! -e "$TMP/cond.csv" ] || fail "a refused run left $TMP/cond.csv behind"
# ... and the grid engine runs it
expect_exit 0 "$SNNSIM" run "$TMP/cond.yaml" --engine grid -q -o "$TMP/cond.csv"

# benchmark 4: the same rows for 1 and 2 threads and run after run
for run in a b; do
	for th in 1 2; do
		expect_exit 0 "$SNNSIM" run "$SRC/examples/cuba_event.yaml" --duration 200ms \
			--threads $th -o "$TMP/ev.$run.$th.csv" -q
		grep -v '^#' "$TMP/ev.$run.$th.csv" >"$TMP/ev.$run.$th.rows"
	done
done
[ "$(wc -l <"$TMP/ev.a.1.rows")" -gt 1000 ] || fail "too few spikes to compare"
for f in a.2 b.1 b.2; do
	cmp -s "$TMP/ev.a.1.rows" "$TMP/ev.$f.rows" || fail "event engine: spikes of run $f differ"
done
finish
