#!/bin/sh
# --backend cuda as a user meets it on any machine: the option and the
# config key, and the error (and exit status) of a build without CUDA or of
# a machine without a GPU, leaving no output file behind. On a machine with
# a GPU the runs succeed; tests/cuda.sh then compares them with the CPU's.
. "$(dirname "$0")/lib.sh"

cat >"$TMP/small.yaml" <<'YAML'
simulation: {dt: 0.1 ms, duration: 20 ms, seed: 5}
populations:
  e: {model: lif, size: 200, params: {tau_m: 20 ms, E_L: 0 mV, V_th: 20 mV, V_reset: 10 mV}}
projections:
  - {from: e, to: e, rule: {fixed_indegree: 20}, weight: 0.2 mV, delay: 1.5 ms}
stimuli:
  - {poisson: {rate: 15 kHz}, to: e, weight: 0.1 mV, delay: 0.1 ms}
YAML
printf 'simulation: {dt: 0.1 ms, duration: 20 ms, backend: cuda}\n' >"$TMP/cfg.yaml"
sed -n '2,$p' "$TMP/small.yaml" >>"$TMP/cfg.yaml"

expect_exit 0 "$SNNSIM" --help
expect_grep "$TMP/out" '^  --backend B  +cpu \(OpenMP threads\) or cuda'
expect_exit 2 "$SNNSIM" run "$TMP/small.yaml" --backend tpu
expect_line "$TMP/err" "snnsim: error: --backend expects cpu or cuda, got tpu"
expect_exit 2 "$SNNSIM" run "$TMP/small.yaml" --backend
expect_line "$TMP/err" "snnsim: error: --backend expects cpu or cuda"
# the option overrides the config
expect_exit 0 "$SNNSIM" run "$TMP/cfg.yaml" --backend cpu -o "$TMP/cpu.csv" -q

# the event engine has no cuda backend, in every build, with or without a GPU
evmsg="engine event runs on backend cpu only (there is no CUDA event engine): use backend cpu,"
evmsg="$evmsg or engine grid for backend cuda"
expect_exit 2 "$SNNSIM" run "$TMP/small.yaml" --engine event --backend cuda -o "$TMP/ev.h5"
expect_line "$TMP/err" "error: $evmsg"
sed 's/backend: cuda}/engine: event, backend: cuda}/' "$TMP/cfg.yaml" >"$TMP/evcfg.yaml"
expect_exit 2 "$SNNSIM" run "$TMP/evcfg.yaml" -o "$TMP/ev.h5"
expect_line "$TMP/err" "$TMP/evcfg.yaml:1:51: error: $evmsg"
ls "$TMP" | grep -q '^ev\.h5' && fail "a refused run left $(ls "$TMP" | grep '^ev\.h5')"
expect_exit 0 "$SNNSIM" run "$TMP/evcfg.yaml" --backend cpu -o "$TMP/ev.csv" -q
expect_line "$TMP/ev.csv" "# engine: event-cpu"

nogpu_tail='; run with --backend cpu, or on a machine with an NVIDIA GPU and its driver$'
if [ "${SNN_HAVE_CUDA:-no}" = no ]; then
	msg="backend cuda is not part of this build: this build has no CUDA (configure found no"
	msg="$msg nvcc; install the CUDA toolkit and configure again, or point to it with"
	msg="$msg --with-cuda=DIR)"
	expect_exit 2 "$SNNSIM" run "$TMP/small.yaml" --backend cuda -o "$TMP/g.h5"
	expect_line "$TMP/err" "error: $msg"
	expect_exit 2 "$SNNSIM" run "$TMP/cfg.yaml" -o "$TMP/g.h5"
	expect_line "$TMP/err" "$TMP/cfg.yaml:1:52: error: $msg"
else
	"$SNNSIM" run "$TMP/small.yaml" --backend cuda -o "$TMP/g.h5" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	if grep -q 'no usable GPU' "$TMP/err"; then
		# a build with CUDA on a machine without a GPU (or its driver)
		[ "$rc" = 1 ] || fail "no GPU: exit status $rc, expected 1"
		expect_grep "$TMP/err" "^error: the cuda backend found no usable GPU: .+$nogpu_tail"
		expect_exit 1 "$SNNSIM" run "$TMP/cfg.yaml" -o "$TMP/g.h5"
		expect_grep "$TMP/err" "^$TMP/cfg.yaml:1:52: error: the cuda backend found no usable GPU: .+$nogpu_tail"
	else
		[ "$rc" = 0 ] || fail "--backend cuda exited $rc: $(cat "$TMP/err")"
		expect_grep "$TMP/out" '^engine  +grid-cuda, '
		expect_grep "$TMP/out" '^device  +.+, [0-9.]+ GB of device memory$'
		expect_grep "$TMP/out" '^synapses  +4000 \([0-9.]+ bytes each on the device\)$'
		expect_exit 0 "$SNNSIM" run "$TMP/cfg.yaml" -o "$TMP/g2.h5" -q
	fi
	ls "$TMP" | grep -q '^g\.h5\.' && fail "a failed run left $(ls "$TMP" | grep '^g\.h5')"
fi
finish
