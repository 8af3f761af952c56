#!/usr/bin/env bash
# Tests of the Graphite store against a real Graphite (Debian packages
# graphite-carbon, graphite-web, python3-whisper, gunicorn):
#
#   1. carbon-cache and graphite-web (under gunicorn) start on free
#      loopback ports with a private configuration, whisper tree and tag
#      database in the run directory (tests/graphite/graphite.sh).
#   2. data.py writes whisper files with exact history (several archives,
#      gaps, NaN) and sends tagged series through carbon, anchored at the
#      last whole hour: whisper picks archives by age, so data is recent.
#   3. The mirror stack (nginx + spawn-fcgi + fcgi/mirror-fcgi, from the
#      shipped configuration via nginx/stack.sh) starts with a store
#      allowlist naming graphite-web and the fake stores.
#   4. test_graphite.py sends StackState-shaped requests through nginx and
#      compares every answer with values computed from the data written.
#   5. graphite-web is stopped (502s), started again (kept-alive
#      connections recover); everything stops by PID.
#
# Usage: tests/graphite/run.sh [test names, e.g. Raw Errors.test_garbage]
# MIRROR_E2E_BIN_DIR: tree holding the built fcgi/ (default: this one).
# MIRROR_GT_KEEP=1 keeps the run directory.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN_DIR=$(cd "${MIRROR_E2E_BIN_DIR:-$TOP}" && pwd)
PY=${PYTHON:-python3}

# shellcheck source=../../nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=graphite.sh
. "$HERE/graphite.sh"

for f in /usr/bin/carbon-cache /usr/bin/gunicorn /usr/bin/django-admin; do
	[ -x "$f" ] || {
		echo "graphite tests: $f not found (apt-get install graphite-carbon graphite-web gunicorn)" >&2
		exit 1
	}
done
"$GRAPHITE_PY" -c 'import whisper, graphite' 2>/dev/null || {
	echo "graphite tests: $GRAPHITE_PY cannot import whisper and graphite" >&2
	exit 1
}
[ -x "$BIN_DIR/fcgi/mirror-fcgi" ] || {
	echo "graphite tests: $BIN_DIR/fcgi/mirror-fcgi is not built" >&2
	exit 1
}

WORK=$(mktemp -d /tmp/mirror-graphite.XXXXXX)
FAILED=0

cleanup() {
	local rc=$?
	stack_stop
	graphite_stop
	if [ "${MIRROR_GT_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ] || [ "$FAILED" -ne 0 ]; then
		echo "graphite tests: run directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stack_take_port GRAPHITE_PORT
stack_take_port CARBON_LINE_PORT
stack_take_port CARBON_PICKLE_PORT
stack_take_port CARBON_QUERY_PORT
stack_take_port HANG_PORT
stack_take_port FAKE_PORT
stack_take_port DOWN_PORT
stack_take_port OUTSIDE_PORT
stack_take_port MIRROR_PORT
GRAPHITE_DIR=$WORK/graphite

# The last whole hour: the data ends there.
T=$(($(date +%s) / 3600 * 3600))
echo "graphite tests: starting carbon-cache and graphite-web in $GRAPHITE_DIR"
graphite_start
echo "graphite tests: writing whisper files and tagged series (anchor $T)"
"$GRAPHITE_PY" "$HERE/data.py" whisper "$GRAPHITE_DIR/storage/whisper" "$T"
"$PY" "$HERE/data.py" carbon "$CARBON_LINE_PORT" "$T" "$GRAPHITE_URL"
"$PY" "$HERE/wait_data.py" "$GRAPHITE_URL" "$T" 60

export MIRROR_STORE_ALLOW="$GRAPHITE_URL,http://127.0.0.1:$HANG_PORT,http://127.0.0.1:$FAKE_PORT,http://127.0.0.1:$DOWN_PORT"
# graphite-web answers in Python: 3 s timed out once on a loaded machine.
export MIRROR_STORE_TIMEOUT_MS=8000 MIRROR_STORE_TIMEOUT_MAX_MS=8000
export MIRROR_STORE_MAX_BYTES=1048576
STACK_DIR=$WORK/stack STACK_PORT=$MIRROR_PORT STACK_BIN_DIR=$BIN_DIR \
	STACK_KEYS=api_key STACK_KEY_CHECK=on STACK_PREFIXES=/stackstate \
	STACK_WORKERS=2 STACK_ALLOW="" STACK_CLIENT_CA=""
stack_start

export GT_MIRROR_URL=$STACK_URL GT_CA=$STACK_CA GT_KEY=api_key \
	GT_GRAPHITE_URL=$GRAPHITE_URL GT_T=$T GT_HANG_PORT=$HANG_PORT \
	GT_FAKE_PORT=$FAKE_PORT GT_DOWN_PORT=$DOWN_PORT GT_OUTSIDE_PORT=$OUTSIDE_PORT \
	GT_STORE_TIMEOUT_MS=$MIRROR_STORE_TIMEOUT_MAX_MS \
	GT_STORE_MAX_BYTES=$MIRROR_STORE_MAX_BYTES
echo "graphite tests: graphite-web $GRAPHITE_URL, mirror $STACK_URL, binaries from $BIN_DIR"

cd "$HERE"
"$PY" test_graphite.py "$@" || FAILED=1

if [ $# -eq 0 ]; then
	printf '\ngraphite tests: stopping graphite-web (pid %s)\n' "$GRAPHITE_WEB_PID"
	graphite_web_stop
	GT_PHASE=store-down "$PY" test_graphite.py StoreDown || FAILED=1
	printf '\ngraphite tests: starting graphite-web again on port %s\n' "$GRAPHITE_PORT"
	graphite_web_start
	GT_PHASE=store-back "$PY" test_graphite.py StoreBack || FAILED=1
fi

stack_stop_checked "graphite tests" || FAILED=1
if [ "$FAILED" -ne 0 ]; then
	echo "graphite tests: FAILED" >&2
	exit 1
fi
echo "graphite tests: all passed"
