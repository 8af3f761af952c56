#!/usr/bin/env bash
# Memory of the responder on large Prometheus answers (issue 7, section 3):
# tests/memory/fakestore.py serves dense matrices of 13, 22 and 150 MB on
# a free loopback port; test_memory.py starts a fresh fcgi/mirror-fcgi per
# answer size, asks it over FastCGI, checks the answer, and asserts its
# peak (VmHWM) and settled (VmRSS) memory from /proc.
#
# Usage: tests/memory/run.sh [test names, e.g. Memory.test_150MB]
# MIRROR_E2E_BIN_DIR: tree holding the built fcgi/ (default: this one).
# MEM_REPORT=1 prints the figures without asserting them.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN_DIR=$(cd "${MIRROR_E2E_BIN_DIR:-$TOP}" && pwd)
PY=${PYTHON:-python3}

# shellcheck source=../../nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=../deploy/lib.sh
. "$TOP/tests/deploy/lib.sh"

[ -x "$BIN_DIR/fcgi/mirror-fcgi" ] || {
	echo "memory tests: $BIN_DIR/fcgi/mirror-fcgi is not built" >&2
	exit 1
}
deploy_init memory

# Under AddressSanitizer (the build-san/ tree) memory is ASan's shadow and
# quarantine, not the mirror's: the answers are still checked exactly,
# the figures only printed.
if grep -q __asan_init "$BIN_DIR/fcgi/mirror-fcgi"; then
	echo "memory tests: an ASan build; figures are printed, not asserted"
	export MEM_REPORT=1
fi

STORE_PORT=$(stack_free_port)
"$PY" "$HERE/fakestore.py" "$STORE_PORT" >"$DEPLOY_WORK/store.log" 2>&1 &
STORE_PID=$!
deploy_on_exit "stack_kill $STORE_PID TERM 10"
for ((i = 0; i < 100; i++)); do
	grep -q ready "$DEPLOY_WORK/store.log" 2>/dev/null && break
	kill -0 "$STORE_PID" 2>/dev/null || break
	sleep 0.1
done
grep -q ready "$DEPLOY_WORK/store.log" || {
	cat "$DEPLOY_WORK/store.log" >&2
	echo "memory tests: the fake store did not start" >&2
	exit 1
}

MEM_BIN=$BIN_DIR/fcgi/mirror-fcgi MEM_STORE_PORT=$STORE_PORT MEM_WORK=$DEPLOY_WORK \
	deploy_python "$HERE/test_memory.py" "$@"
deploy_finish
