#!/bin/sh
# The tree follows .clang-format (STYLE.md: it decides): tools/format-check,
# behind `make format-check`, finds no C file that clang-format would change,
# and a badly laid out file in a scratch copy makes it fail. Versions of
# clang-format lay out the same code differently, so the check runs with the
# major version the tree was formatted with (CF_MAJOR, Debian 12's) and skips
# with any other, or without clang-format.
. "${SNN_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
CF_MAJOR=14
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
	echo "SKIP: no clang-format (Debian: clang-format)"
	exit 77
fi
major=$("$CLANG_FORMAT" --version | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
if [ "$major" != "$CF_MAJOR" ]; then
	echo "SKIP: clang-format $major; the tree is laid out with clang-format $CF_MAJOR"
	exit 77
fi

expect_exit 0 "$SRC/tools/format-check"
expect_grep "$TMP/out" "^format-check: [0-9]* files follow .clang-format$"

# the check can fail: a file laid out against the rules, checked alone
cp "$SRC/.clang-format" "$TMP/.clang-format"
printf 'int f(int a){if(a){return 1;}return 0;}\n' >"$TMP/bad.c"
expect_exit 1 "$SRC/tools/format-check" "$TMP/bad.c"
expect_grep "$TMP/out" "bad.c: [0-9]* lines"

[ "$failures" = 0 ] || exit 1
echo "the tree follows .clang-format (clang-format $major)"
