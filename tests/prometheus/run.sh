#!/usr/bin/env bash
# Tests of the Prometheus backend against a real Prometheus (Debian
# package "prometheus": /usr/bin/prometheus and /usr/bin/promtool).
#
#   1. data.py writes deterministic samples as OpenMetrics; promtool turns
#      them into TSDB blocks (fixed 2024 timestamps, kept by a long
#      retention); Prometheus starts on a free loopback port with a
#      config that scrapes nothing.
#   2. The mirror stack (nginx + spawn-fcgi + fcgi/mirror-fcgi, from the
#      shipped configuration via nginx/stack.sh) starts with a store
#      allowlist naming Prometheus and the fake stores the tests run.
#   3. test_prometheus.py sends StackState-shaped requests through nginx
#      and compares every answer with values computed in data.py.
#   4. Prometheus is stopped (the mirror must answer 502 and keep
#      serving), then started again on the same port (the kept-alive
#      connections must recover), then everything stops by PID.
#
# Usage: tests/prometheus/run.sh [test names, e.g. Raw Aggregated.test_nan_as_zero]
# MIRROR_E2E_BIN_DIR: tree holding the built fcgi/ and cgi/ (default: this one).
# MIRROR_PT_KEEP=1 keeps the run directory.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN_DIR=$(cd "${MIRROR_E2E_BIN_DIR:-$TOP}" && pwd)
PY=${PYTHON:-python3}

# shellcheck source=../../nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=lib.sh
. "$HERE/lib.sh"

for tool in prometheus promtool; do
	command -v "$tool" >/dev/null || {
		echo "prometheus tests: $tool not found (apt-get install prometheus)" >&2
		exit 1
	}
done
for f in "$BIN_DIR/fcgi/mirror-fcgi" "$BIN_DIR/cgi/mirror.cgi"; do
	[ -x "$f" ] || {
		echo "prometheus tests: $f is not built" >&2
		exit 1
	}
done

WORK=$(mktemp -d /tmp/mirror-prom.XXXXXX)
PROM_PID=""
FAILED=0

cleanup() {
	local rc=$?
	stack_stop
	stack_kill "$PROM_PID" TERM 30
	if [ "${MIRROR_PT_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ] || [ "$FAILED" -ne 0 ]; then
		echo "prometheus tests: run directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Distinct free loopback ports: Prometheus, a second Prometheus for the
# staleness test, the fake stores, one where nothing listens, and one
# outside the allowlist.
declare -A USED=()
free_port() {
	local p
	while :; do
		p=$(stack_free_port)
		[ -z "${USED[$p]:-}" ] && break
	done
	USED[$p]=1
	printf '%s' "$p"
}
PROM_PORT=$(free_port)
STALE_PORT=$(free_port)
HANG_PORT=$(free_port)
FAKE_PORT=$(free_port)
DOWN_PORT=$(free_port)
OUTSIDE_PORT=$(free_port)
MIRROR_PORT=$(free_port)

echo "prometheus tests: loading test data into $WORK/tsdb"
prom_load "$WORK"

start_prometheus() {
	prom_start "$WORK" "$PROM_PORT" || {
		echo "prometheus tests: Prometheus did not become ready" >&2
		return 1
	}
}
start_prometheus

# The responder reads these from its environment (stack.sh passes it on).
export MIRROR_STORE_ALLOW="http://127.0.0.1:$PROM_PORT,http://127.0.0.1:$STALE_PORT,http://127.0.0.1:$HANG_PORT,http://127.0.0.1:$FAKE_PORT,http://127.0.0.1:$DOWN_PORT"
export MIRROR_STORE_TIMEOUT_MS=3000 MIRROR_STORE_TIMEOUT_MAX_MS=3000
export MIRROR_STORE_MAX_BYTES=1048576
STACK_DIR=$WORK/stack STACK_PORT=$MIRROR_PORT STACK_BIN_DIR=$BIN_DIR \
	STACK_KEYS=api_key STACK_KEY_CHECK=on STACK_PREFIXES=/stackstate \
	STACK_WORKERS=2 STACK_ALLOW="" STACK_CLIENT_CA=""
stack_start

export PT_MIRROR_URL=$STACK_URL PT_CA=$STACK_CA PT_KEY=api_key \
	PT_PROM_URL="http://127.0.0.1:$PROM_PORT" PT_STALE_PORT=$STALE_PORT \
	PT_HANG_PORT=$HANG_PORT PT_FAKE_PORT=$FAKE_PORT PT_DOWN_PORT=$DOWN_PORT \
	PT_OUTSIDE_PORT=$OUTSIDE_PORT PT_CGI=$BIN_DIR/cgi/mirror.cgi \
	PT_STORE_TIMEOUT_MS=$MIRROR_STORE_TIMEOUT_MAX_MS \
	PT_STORE_MAX_BYTES=$MIRROR_STORE_MAX_BYTES
echo "prometheus tests: Prometheus $PT_PROM_URL, mirror $STACK_URL, binaries from $BIN_DIR"

cd "$HERE"
"$PY" test_prometheus.py "$@" || FAILED=1

if [ $# -eq 0 ]; then
	printf '\nprometheus tests: stopping Prometheus (pid %s)\n' "$PROM_PID"
	stack_kill "$PROM_PID" TERM 30
	PROM_PID=""
	PT_PHASE=store-down "$PY" test_prometheus.py StoreDown || FAILED=1
	printf '\nprometheus tests: starting Prometheus again on port %s\n' "$PROM_PORT"
	start_prometheus
	PT_PHASE=store-back "$PY" test_prometheus.py StoreBack || FAILED=1
fi

stack_stop
if [ "$STACK_FCGI_STATUS" -ne 0 ]; then
	echo "prometheus tests: FAIL the responder exited with status $STACK_FCGI_STATUS" >&2
	FAILED=1
fi
if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$WORK/stack/responder.log"; then
	echo "prometheus tests: FAIL sanitizer report in the responder's log:" >&2
	grep -E -A20 'ERROR: |runtime error:' "$WORK/stack/responder.log" | head -60 >&2
	FAILED=1
fi
if [ "$FAILED" -ne 0 ]; then
	echo "prometheus tests: FAILED" >&2
	exit 1
fi
echo "prometheus tests: all passed"
