#!/bin/sh
# snncc end to end: images of the NIR fixtures and a Brunel-style random
# network, built with the cross compilers and run in QEMU (Cortex-M3, M4,
# RISC-V), must give the host run's outputs step by step; objects need no
# symbol from outside the image; output is reproducible; the quantized CNN
# agrees with the float model; a corrupted expectation makes the run fail.
. "${SNN_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
SNNCC="$BUILD/snncc"
FIX=${SNN_FIXTURES:-}

# --dt takes a time with its unit, as snnsim's does: the same images as
# seconds; a bad one gives snnsim's message (no cross compiler needed)
if [ -n "$FIX" ] && [ -d "$FIX/nir" ]; then
	M="$FIX/nir/rnn/braille_noDelay_bias_zero.nir"
	for dt in 0.05ms 5e-5; do
		expect_exit 0 "$SNNCC" "$M" --steps 20 --rate 0.1 --dt "$dt" --target host \
			-o "$TMP/dt-$dt"
		expect_exit 0 "$SNNCC" "$M" --dt "$dt" --target loihi2-class -o "$TMP/dt-$dt.bin"
	done
	diff -r "$TMP/dt-0.05ms" "$TMP/dt-5e-5" >/dev/null ||
		fail "--dt 0.05ms and --dt 5e-5 differ"
	cmp -s "$TMP/dt-0.05ms.bin" "$TMP/dt-5e-5.bin" ||
		fail "--dt 0.05ms and --dt 5e-5 differ (loihi)"
	for dt in 0 abc 3parsecs; do
		expect_exit 2 "$SNNSIM" inspect "$M" --dt "$dt"
		sed 's/^snnsim: /snncc: /' "$TMP/err" >"$TMP/want"
		expect_exit 2 "$SNNCC" "$M" --dt "$dt" --target host -o "$TMP/x"
		cmp -s "$TMP/want" "$TMP/err" || fail "snncc --dt $dt: not snnsim's message"
		expect_exit 2 "$SNNCC" "$M" --dt "$dt" --target loihi2-class
		cmp -s "$TMP/want" "$TMP/err" || fail "snncc --dt $dt (loihi): not snnsim's message"
	done
	expect_line "$TMP/err" \
		"snncc: error: --dt: unknown unit 'parsecs': expected a time such as '1.5 ms'"
	# the placement by the library's name table; options of the other backend
	expect_exit 2 "$SNNCC" "$M" --target loihi2-class --placement best
	expect_line "$TMP/err" \
		"snncc: error: unknown placement 'best' (expected auto, sequential, greedy or metis)"
	expect_exit 2 "$SNNCC" "$M" --target loihi2-class --steps 10
	expect_line "$TMP/err" \
		"snncc: error: option --steps does not apply to loihi2-class (snncc --help)"
	expect_exit 2 "$SNNCC" "$M" --target host -o "$TMP/x" --placement greedy
	expect_line "$TMP/err" "snncc: error: unknown option --placement (snncc --help)"
fi

targets=""
if [ -n "${ARM_CC:-}" ] && [ -n "${QEMU_ARM:-}" ]; then
	targets="$targets cortex-m3 cortex-m4"
else
	echo "note: no Cortex-M tests (arm-none-eabi-gcc or qemu-system-arm absent)"
fi
if [ -n "${RISCV_CC:-}" ] && [ -n "${QEMU_RISCV32:-}" ]; then
	targets="$targets riscv32"
else
	echo "note: no RISC-V tests (riscv64-unknown-elf-gcc or qemu-system-riscv32 absent)"
fi
if [ -z "$targets" ]; then
	echo "SKIP: no cross compiler with its QEMU found by configure"
	exit 77
fi

# image NAME TARGET MODEL ARGS...: compiles, builds, checks symbols, runs
image() {
	name=$1 target=$2
	shift 2
	dir="$TMP/$name-$target"
	expect_exit 0 "$SNNCC" "$@" --target "$target" -o "$dir"
	expect_exit 0 make -s -C "$dir"
	expect_exit 0 make -s -C "$dir" symbols
	expect_grep "$TMP/out" "^no symbol outside the image"
	expect_exit 0 timeout 120 make -s -C "$dir" run
	expect_grep "$TMP/err" "nonzero outputs equal to the host run"
	echo "$name $target: $(grep 'snn image' "$TMP/err" | head -1)"
}

# the Brunel-style network needs no fixture
"$BUILD/tests/gen_brunel" "$TMP/brunel.nir" || fail "gen_brunel"
for t in $targets; do
	image brunel "$t" "$TMP/brunel.nir" --steps 100 --rate 0.05 --weight-bits 16
done
# it spikes at all (else the comparison proves little)
expect_exit 0 "$SNNCC" run "$TMP/brunel.nir" --steps 100 --rate 0.05 --weight-bits 16
expect_grep "$TMP/out" "output totals: float [1-9][0-9]*, quantized [1-9]"

# a Brunel-style config (rule-based projections expanded by libsnn's engine,
# per-synapse delays, delta and exponential synapses, refractory periods,
# Poisson input drawn on the chip): spike-exact in QEMU
cat > "$TMP/bsmall.yaml" <<'EOF'
simulation: {dt: 0.1 ms, duration: 100 ms, seed: 7}
populations:
  exc:
    model: lif
    synapse: delta
    size: 400
    params: &n {C_m: 250 pF, tau_m: 20 ms, E_L: 0 mV, V_th: 20 mV, V_reset: 10 mV, t_ref: 2 ms}
  inh: {model: lif, synapse: delta, size: 100, params: *n}
  probe:
    model: lif
    synapse: exp
    size: 20
    params: {tau_syn_ex: 2 ms, tau_syn_in: 2 ms, t_ref: 2 ms}
projections:
  - {from: exc, to: [exc, inh], rule: {fixed_indegree: 40}, weight: 0.5 mV, delay: 1.5 ms}
  - from: inh
    to: [exc, inh]
    rule: {fixed_indegree: 10}
    weight: -2.5 mV
    delay: {uniform: {low: 1 ms, high: 2 ms}}
  - {from: exc, to: probe, rule: {fixed_indegree: 40}, weight: 60 pA, delay: 1 ms}
stimuli:
  - {poisson: {rate: 4 kHz}, to: [exc, inh], weight: 0.5 mV, delay: 1.5 ms}
EOF
for t in $targets; do
	image bsmall "$t" "$TMP/bsmall.yaml" --steps 300 --weight-bits 16
done
# rates of the quantized run within 10% of snnsim's float run, every population
expect_exit 0 "$SNNCC" run "$TMP/bsmall.yaml" --steps 2000 --weight-bits 16
grep -E "^  (exc|inh|probe) +float" "$TMP/out"
awk '/^  (exc|inh|probe) +float/ { f = $3; q = $5; if (f < 5 || q < 0.9 * f || q > 1.1 * f) bad = 1 }
	END { exit bad }' "$TMP/out" || fail "quantized rates differ from the float run by more than 10%"
# Poisson counts equal snnsim's: a neuron that fires on any input spike
# (25 mV over a 20 mV threshold, no refractory period) spikes exactly when
# its Poisson count is not 0, in the float run and the quantized one
cat > "$TMP/pois.yaml" <<'EOF'
simulation: {dt: 0.1 ms, duration: 10 ms, seed: 12345678901}
populations:
  drv: {model: lif, size: 50, params: {V_th: 20 mV, V_reset: 0 mV, E_L: 0 mV, t_ref: 0 ms}}
stimuli:
  - {poisson: {rate: 3 kHz}, to: drv, weight: 25 mV, delay: 0.5 ms}
  - {poisson: {rate: 20 kHz, start: 20 ms, stop: 60 ms}, to: "drv[10:30]", weight: 25 mV,
     delay: 0.1 ms}
EOF
expect_exit 0 "$SNNCC" run "$TMP/pois.yaml" --steps 1000 --weight-bits 8
expect_grep "$TMP/out" "output totals: float ([1-9][0-9]+), quantized \1$"
t1=$(echo $targets | cut -d' ' -f1)
image pois "$t1" "$TMP/pois.yaml" --steps 300 --weight-bits 8

# too big for the target: exit 2, the bytes needed, the excess and what to
# change, and no image folder
cat > "$TMP/big.yaml" <<'EOF'
simulation: {dt: 0.1 ms, duration: 1 ms}
populations:
  a: {model: lif, size: 1100}
projections:
  - {from: a, to: a, rule: all_to_all, weight: 0.1 mV, delay: 1 ms}
EOF
expect_exit 2 "$SNNCC" "$TMP/big.yaml" --weight-bits 16 --target cortex-m4 -o "$TMP/big"
expect_grep "$TMP/err" "does not fit cortex-m4: it needs [0-9]+ bytes of flash, [0-9]+ more than the 4194304 it has; use 8-bit weights \(--weight-bits 8\), fewer neurons or synapses, or a bigger target"
[ ! -e "$TMP/big" ] || fail "a model too big for the target left a folder"

# a wrong expectation is caught, naming the step
d="$TMP/brunel-$(echo $targets | cut -d' ' -f1)"
if [ -d "$d" ]; then
	sed -i '/snn_test_out_val/,/};/ s/^\t\([0-9-]*\),/\t7\1,/' "$d/testdata.c"
	expect_exit 2 make -s -C "$d" run
	expect_grep "$TMP/err" "snn image: step [0-9]+, output [0-9]+: got"
fi

# reproducible byte for byte, with the model's hash recorded
"$SNNCC" "$TMP/brunel.nir" --target riscv32 -o "$TMP/r1" >/dev/null &&
	"$SNNCC" "$TMP/brunel.nir" --target riscv32 -o "$TMP/r2" >/dev/null ||
	fail "compiling twice"
diff -r "$TMP/r1" "$TMP/r2" >/dev/null || fail "two compilations differ"
expect_grep "$TMP/r1/model.c" "sha256 [0-9a-f]{64}"

# bad input
expect_exit 2 "$SNNCC" "$TMP/brunel.nir" --target pdp11 -o "$TMP/x"
expect_grep "$TMP/err" "unknown target 'pdp11'"
expect_exit 2 "$SNNCC" "$TMP/brunel.nir" --weight-bits 12 --target host -o "$TMP/x"
expect_grep "$TMP/err" "expected 8 or 16"
expect_exit 2 "$SNNCC" "$TMP/brunel.nir" --target riscv32
expect_grep "$TMP/err" "needs --target and -o DIR"
expect_exit 2 "$SNNCC" "$TMP/brunel.nir" --weight-scale tensor --target host -o "$TMP/x"
expect_grep "$TMP/err" "--weight-scale tensor: expected layer or channel"
expect_exit 2 "$SNNCC" run "$TMP/pois.yaml" --weight-scale channel
expect_grep "$TMP/err" "--weight-scale channel applies to NIR graphs"

if [ -z "$FIX" ] || [ ! -d "$FIX/nir" ]; then
	echo "note: fixtures absent: NIR fixture images not tested"
	[ "$failures" = 0 ] || exit 1
	exit 0
fi
for t in $targets; do
	image lif "$t" "$FIX/nir/lif/lif_norse.nir" --steps 1000 --rate 0.1
	image braille "$t" "$FIX/nir/rnn/braille_noDelay_bias_zero.nir" --steps 256 --rate 0.1 \
		--weight-bits 16
	image braille-sub "$t" "$FIX/nir/rnn/braille_noDelay_noBias_subtract.nir" --reset subtract \
		--steps 256 --rate 0.1 --weight-bits 16
	image cnn "$t" "$FIX/nir/cnn/cnn_sinabs.nir" --reset subtract --spikes-per-step multiple \
		--steps 20 --rate 0.05 --weight-bits 16
done
# the quantized CNN classifies as the float model on >= 99% of the samples
expect_exit 0 "$SNNCC" run "$FIX/nir/cnn/cnn_sinabs.nir" --reset subtract \
	--spikes-per-step multiple --steps 30 --samples 100 --rate 0.05 --weight-bits 16
line=$(grep "class agreement" "$TMP/out")
echo "cnn (16-bit weights):$line"
same=$(echo "$line" | sed 's/.*agreement: \([0-9]*\) of \([0-9]*\).*/\1/')
all=$(echo "$line" | sed 's/.*agreement: \([0-9]*\) of \([0-9]*\).*/\2/')
[ "$all" -gt 0 ] && [ $((same * 100)) -ge $((all * 99)) ] || fail "CNN agreement $same of $all"

# per-channel weight scales (one per conv output channel, per dense target
# neuron): the image is spike-exact in QEMU (one target), the report says so,
# and on the CNN they lose nothing against one scale per layer: classes at
# 16 bits, steps with outputs identical to the float model's at 8 bits
image cnn-ch "$t1" "$FIX/nir/cnn/cnn_sinabs.nir" --reset subtract --spikes-per-step multiple \
	--steps 20 --rate 0.05 --weight-bits 8 --weight-scale channel
expect_grep "$TMP/cnn-ch-$t1/report.txt" \
	"^weights: 8-bit, per-channel scales \(--weight-scale channel\): [1-9][0-9]* scales"
expect_grep "$TMP/cnn-ch-$t1/model.c" "chmul_[0-9]+, chsh_[0-9]+, [0-9]+u\}"
# field N of "steps with identical outputs: A of B" and "class agreement: A of B"
agree() {
	expect_exit 0 "$SNNCC" run "$FIX/nir/cnn/cnn_sinabs.nir" --reset subtract \
		--spikes-per-step multiple --steps 30 --samples 100 --rate 0.05 "$@"
	sed -n "s/.*$what: \([0-9]*\) of .*/\1/p" "$TMP/out"
}
what="class agreement"
cl16=$same
cc16=$(agree --weight-bits 16 --weight-scale channel)
echo "cnn class agreement, 16-bit: per layer $cl16, per channel $cc16 of $all"
[ -n "$cc16" ] && [ "$cc16" -ge "$cl16" ] || fail "per-channel scales lose class agreement"
expect_grep "$TMP/out" "weights: 16-bit, per-channel scales"
what="steps with identical outputs"
sl8=$(agree --weight-bits 8 --weight-scale layer)
expect_grep "$TMP/out" "weights: 8-bit, one scale per layer \(--weight-scale layer\)"
sc8=$(agree --weight-bits 8 --weight-scale channel)
echo "cnn steps identical to the float model's, 8-bit: per layer $sl8, per channel $sc8"
[ -n "$sl8" ] && [ -n "$sc8" ] && [ "$sc8" -ge "$sl8" ] ||
	fail "per-channel scales lose identical steps"

[ "$failures" = 0 ] || exit 1
