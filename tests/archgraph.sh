#!/bin/sh
# The layering of issue 16, enforced: tools/archgraph --check on the source
# tree finds no upward arrow, no dependency cycle, no file without a layer and
# no private header included from another folder outside its allow-list
# (doc/architecture.md). A small tree with an upward arrow and a cycle shows
# that the check fails when it should.
. "${SNN_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
PY=${PYTHON3:-python3}
if [ -z "$PY" ] || ! command -v "$PY" >/dev/null; then
	echo "SKIP: no python3"
	exit 77
fi

expect_exit 0 "$PY" "$SRC/tools/archgraph" --check "$SRC"
expect_grep "$TMP/out" "^upward 0, cycles 0, unexpected crossings 0,"
if [ -s "$TMP/err" ]; then
	fail "archgraph --check wrote to stderr"
	sed 's/^/  stderr: /' "$TMP/err"
fi

# the IR including an engine header, and two files calling each other
T="$TMP/tree"
mkdir -p "$T/sim" "$T/hw/loihi"
printf '#include "engine_int.h"\n' >"$T/sim/net.c"
printf 'int engine_run(void);\n' >"$T/sim/engine_int.h"
printf 'int a(void) { return b(); }\n' >"$T/hw/loihi/place.c"
printf 'int b(void) { return a(); }\n' >"$T/hw/loihi/refine.c"
expect_exit 1 "$PY" "$SRC/tools/archgraph" --check "$T"
expect_line "$TMP/out" "  sim/net.c [ir] -> sim/engine_int.h [engines]: include"
expect_line "$TMP/out" "  hw/loihi/place.c -> hw/loihi/refine.c -> hw/loihi/place.c"
expect_grep "$TMP/err" "^archgraph: --check: 1 upward arrows, 1 cycles,"
# without --check the same tree is only measured
expect_exit 0 "$PY" "$SRC/tools/archgraph" "$T"

finish
