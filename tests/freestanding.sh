#!/bin/sh
# The freestanding rule, checked with the host compiler on every machine (no
# cross compiler needed): the runtime (hw/rt/snnrt.c), an image's main.c and
# the model files snncc emits compile as -std=c11 -ffreestanding -nostdlib
# -DSNNRT_FREESTANDING with the strict warnings and need no symbol from
# outside the image (the nm filter of the image Makefile's `symbols` target);
# a call into the C library or a float makes the check fail; the runtime's
# fixed-point self-test passes.
. "${SNN_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
CC=${CC:-cc}
NM=${NM:-nm}
if ! command -v "$CC" >/dev/null || ! command -v "$NM" >/dev/null; then
	echo "SKIP: no host compiler ($CC) or nm ($NM)"
	exit 77
fi
# the image Makefile's flags without the target's; host compilers may turn
# the stack protector on by default, image toolchains do not
CFLAGS="-std=c11 -O2 -ffreestanding -nostdlib -DSNNRT_FREESTANDING -ffunction-sections \
-fdata-sections -fno-stack-protector -Wall -Wextra -Wconversion -Wsign-conversion -Wcast-align \
-Wvla -Werror"

# missing OBJ...: the symbols the objects need and do not define, filtered
# as the image Makefile's `symbols` target does
missing() {
	"$NM" --defined-only "$@" | awk 'NF == 3 { print $3 }' | sort -u >"$TMP/defined.txt"
	"$NM" -u "$@" | awk 'NF == 2 { print $2 }' | sort -u >"$TMP/undefined.txt"
	comm -23 "$TMP/undefined.txt" "$TMP/defined.txt" |
		grep -v -E '^(_sidata|_sdata|_edata|_sbss|_ebss|_estack|__global_pointer\$)$'
}

# compile DIR FILE...: FILE.c in DIR to FILE.o with the freestanding flags
compile() {
	dir=$1
	shift
	for f in "$@"; do
		# shellcheck disable=SC2086
		expect_exit 0 $CC $CFLAGS -I"$dir" -c -o "$dir/$f.o" "$dir/$f.c"
	done
}

# an image: lif and CubaLIF populations, a sparse projection with a delay, a
# Poisson stimulus drawn on the chip; the tree's runtime, main.c and board.h
# replace the copies snncc embedded, and a board with no C library replaces
# the target's (whose assembly is the target's)
img="$TMP/img"
cat >"$TMP/net.yaml" <<'EOF'
simulation: {dt: 0.1 ms, duration: 5 ms, seed: 3}
populations:
  a: {model: lif, synapse: exp, size: 20, params: {t_ref: 2 ms}}
  b: {model: lif, size: 10}
projections:
  - {from: a, to: b, rule: {fixed_indegree: 5}, weight: 2 mV, delay: 1 ms}
stimuli:
  - {poisson: {rate: 2 kHz}, to: a, weight: 60 pA, delay: 0.5 ms}
EOF
expect_exit 0 "$BUILD/snncc" "$TMP/net.yaml" --steps 20 --target cortex-m3 -o "$img"
cp "$SRC/hw/rt/snnrt.c" "$SRC/hw/rt/snnrt.h" "$SRC/hw/targets/main.c" "$SRC/hw/targets/board.h" \
	"$img/" || fail "copying the runtime"
cat >"$img/board.c" <<'EOF'
#include "board.h"

void board_puts(const char *s)
{
	(void)s;
}

_Noreturn void board_exit(int status)
{
	(void)status;
	for (;;) {
	}
}

uint64_t board_instret(void)
{
	return 0;
}
EOF
compile "$img" snnrt main model testdata board
objs="$img/snnrt.o $img/main.o $img/model.o $img/testdata.o $img/board.o"
# shellcheck disable=SC2086
missing $objs >"$TMP/missing.txt"
if [ -s "$TMP/missing.txt" ]; then
	fail "symbols the image does not define: $(tr '\n' ' ' <"$TMP/missing.txt")"
fi

# a call into the C library is caught
bad="$TMP/bad"
mkdir -p "$bad"
cp "$img/snnrt.c" "$img/snnrt.h" "$bad/"
cat >>"$bad/snnrt.c" <<'EOF'

int puts(const char *s);

int snnrt_greet(void)
{
	return puts("hello");
}
EOF
compile "$bad" snnrt
missing "$bad/snnrt.o" >"$TMP/missing.txt"
expect_line "$TMP/missing.txt" "puts"

# so is a float, in any file that includes the runtime's header
cp "$img/model.h" "$bad/"
cat >"$bad/gain.c" <<'EOF'
#include "model.h"

float snn_gain = 0.5f;
EOF
# shellcheck disable=SC2086
expect_exit 1 $CC $CFLAGS -I"$bad" -c -o "$bad/gain.o" "$bad/gain.c"
expect_grep "$TMP/err" "poisoned"

# the fixed-point self-test, on the host
cat >"$TMP/selftest.c" <<'EOF'
#include "snnrt.h"

int main(void)
{
	return snnrt_selftest();
}
EOF
expect_exit 0 $CC -std=c11 -O2 -I"$SRC/hw/rt" -o "$TMP/selftest" "$TMP/selftest.c" \
	"$SRC/hw/rt/snnrt.c"
expect_exit 0 "$TMP/selftest"
finish
