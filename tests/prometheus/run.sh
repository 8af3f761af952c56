#!/usr/bin/env bash
# Tests of the Prometheus backend against a real Prometheus (Debian
# package "prometheus": /usr/bin/prometheus and /usr/bin/promtool), or
# with PT_STORE=victoriametrics against a real VictoriaMetrics (Debian
# package "victoria-metrics"; tests/victoria/run.sh), with the same tests.
#
#   1. data.py writes deterministic samples: as OpenMetrics, which promtool
#      turns into TSDB blocks (fixed 2024 timestamps, kept by a long
#      retention) for a Prometheus with a config that scrapes nothing
#      (lib.sh); or as text exposition imported into VictoriaMetrics
#      (/api/v1/import/prometheus), which runs with
#      -search.latencyOffset=0s and -search.disableCache. Either listens on
#      a free loopback port only.
#   2. The mirror stack (nginx + spawn-fcgi + fcgi/mirror-fcgi, from the
#      shipped configuration via nginx/stack.sh) starts with a store
#      allowlist naming the store and the fake stores the tests run.
#   3. test_prometheus.py sends StackState-shaped requests through nginx
#      and compares every answer with values computed in data.py.
#   4. The store is stopped (the mirror must answer 502 and keep
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

STORE=${PT_STORE:-prometheus}
case $STORE in
prometheus) TOOLS=(prometheus promtool) PKG=prometheus ;;
victoriametrics) TOOLS=(victoria-metrics prometheus) PKG="victoria-metrics prometheus" ;;
*)
	echo "prometheus tests: PT_STORE must be prometheus or victoriametrics" >&2
	exit 2
	;;
esac
for tool in "${TOOLS[@]}"; do
	command -v "$tool" >/dev/null || {
		echo "prometheus tests: $tool not found (apt-get install $PKG)" >&2
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
stack_take_port PROM_PORT
stack_take_port STALE_PORT
stack_take_port HANG_PORT
stack_take_port FAKE_PORT
stack_take_port DOWN_PORT
stack_take_port OUTSIDE_PORT
stack_take_port MIRROR_PORT

start_prometheus() {
	prom_start "$WORK" "$PROM_PORT" || {
		echo "prometheus tests: Prometheus did not become ready" >&2
		return 1
	}
}

# No cache and no hidden newest 30 s: what a test asks is what is stored
# (docs/PROMETHEUS.md, "VictoriaMetrics").
start_victoriametrics() {
	local i
	victoria-metrics -httpListenAddr="127.0.0.1:$PROM_PORT" -storageDataPath="$WORK/vm" \
		-retentionPeriod=100y -search.latencyOffset=0s -search.disableCache \
		-loggerLevel=WARN >>"$WORK/victoria.log" 2>&1 &
	PROM_PID=$!
	for ((i = 0; i < 300; i++)); do
		if curl -sf -o /dev/null "http://127.0.0.1:$PROM_PORT/health"; then
			return 0
		fi
		kill -0 "$PROM_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$WORK/victoria.log" >&2
	echo "prometheus tests: VictoriaMetrics did not become ready" >&2
	return 1
}

start_store() {
	"start_$STORE"
}

echo "prometheus tests: loading test data into $STORE"
if [ "$STORE" = prometheus ]; then
	prom_load "$WORK"
	start_store
else
	"$PY" "$HERE/data.py" --exposition "$WORK/data.prom"
	start_store
	curl -sf -XPOST "http://127.0.0.1:$PROM_PORT/api/v1/import/prometheus" \
		--data-binary "@$WORK/data.prom"
	# Imported samples become searchable once flushed.
	curl -sf -o /dev/null "http://127.0.0.1:$PROM_PORT/internal/force_flush"
fi

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
	PT_STORE_MAX_BYTES=$MIRROR_STORE_MAX_BYTES PT_STORE=$STORE
echo "$STORE tests: $PT_PROM_URL, mirror $STACK_URL, binaries from $BIN_DIR"

cd "$HERE"
"$PY" test_prometheus.py "$@" || FAILED=1

if [ $# -eq 0 ]; then
	printf '\nprometheus tests: stopping %s (pid %s)\n' "$STORE" "$PROM_PID"
	stack_kill "$PROM_PID" TERM 30
	PROM_PID=""
	PT_PHASE=store-down "$PY" test_prometheus.py StoreDown || FAILED=1
	printf '\nprometheus tests: starting %s again on port %s\n' "$STORE" "$PROM_PORT"
	start_store
	PT_PHASE=store-back "$PY" test_prometheus.py StoreBack || FAILED=1
fi

stack_stop_checked "prometheus tests" || FAILED=1
if [ "$FAILED" -ne 0 ]; then
	echo "$STORE tests: FAILED" >&2
	exit 1
fi
echo "$STORE tests: all passed"
