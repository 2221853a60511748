# Shared helpers of the shell tests (sourced).
set -u
SRC=${SNN_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD=${SNN_BUILDDIR:-$(pwd)}
SNNSIM="$BUILD/snnsim"
TMP="$BUILD/tests/tmp/$(basename "$0" .sh).$$"
mkdir -p "$TMP"
trap 'rm -rf "$TMP"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# expect_exit CODE CMD...: runs CMD, stores stdout/stderr in $TMP/out, $TMP/err
expect_exit() {
	want=$1
	shift
	"$@" >"$TMP/out" 2>"$TMP/err"
	got=$?
	if [ "$got" != "$want" ]; then
		fail "'$*' exited $got, expected $want"
		sed 's/^/  stderr: /' "$TMP/err" | head -20
	fi
}

# expect_text FILE TEXT: FILE has a line equal to TEXT
expect_line() {
	if ! grep -qxF -- "$2" "$1"; then
		fail "$1 lacks the line: $2"
		sed 's/^/  has: /' "$1" | head -20
	fi
}

expect_grep() {
	if ! grep -qE -- "$2" "$1"; then
		fail "$1 does not match: $2"
		sed 's/^/  has: /' "$1" | head -20
	fi
}

finish() {
	if [ "$failures" -gt 0 ]; then
		echo "$failures failure(s)"
		exit 1
	fi
	echo "all passed"
	exit 0
}
