#!/usr/bin/env bash
# No slow store starves the mirror (the bulkhead, store/bulkhead.h),
# through the real stack:
#
#   1. A real Prometheus on a free loopback port, loaded with one series
#      (promtool blocks of fixed 2024 samples): the healthy store.
#   2. hostile.py: a store that accepts and never answers, and one whose
#      full accept queue makes the kernel drop SYNs.
#   3. The mirror stack (nginx + spawn-fcgi + fcgi/mirror-fcgi, shipped
#      configuration, nginx/stack.sh) with MIRROR_THREADS=4 and short
#      store timeouts, so the suite takes well under two minutes.
#   4. test_bulkhead.py: 2 x threads slow requests against each hostile
#      store beside a steady stream of sample-store, Prometheus and
#      /healthz requests; a burst on the healthy store.
#   5. A second responder joins the upstream: slow requests to the
#      hanging store must not make nginx take the responders out
#      (Pool); then everything stops by PID.
#
# Usage: tests/bulkhead/run.sh [test names, e.g. Starve.test_store_drops_packets]
# MIRROR_E2E_BIN_DIR: tree holding the built fcgi/ (default: this one).
# MIRROR_BH_THREADS: the responder's threads (default 4; the cap is half);
# MIRROR_BH_TIMEOUT_MS, MIRROR_BH_CONNECT_MS: its store timeouts (3000,
# 1000); BH_PHASE_S: seconds of slow traffic per scenario (7).
# MIRROR_BH_KEEP=1 keeps the run directory. BH_FIGURES_ONLY=1 prints the
# figures without asserting (to measure a build without the bulkhead).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN_DIR=$(cd "${MIRROR_E2E_BIN_DIR:-$TOP}" && pwd)
PY=${PYTHON:-python3}

# shellcheck source=../../nginx/stack.sh
. "$TOP/nginx/stack.sh"

for tool in prometheus promtool; do
	command -v "$tool" >/dev/null || {
		echo "bulkhead tests: $tool not found (apt-get install prometheus)" >&2
		exit 1
	}
done
[ -x "$BIN_DIR/fcgi/mirror-fcgi" ] || {
	echo "bulkhead tests: $BIN_DIR/fcgi/mirror-fcgi is not built" >&2
	exit 1
}

WORK=$(mktemp -d /tmp/mirror-bulkhead.XXXXXX)
PROM_PID=""
HOSTILE_PID=""
R2_PID=""
FAILED=0

cleanup() {
	local rc=$?
	stack_kill "$R2_PID" TERM 35
	stack_stop
	stack_kill "$PROM_PID" TERM 30
	stack_kill "$HOSTILE_PID" TERM 5
	if [ "${MIRROR_BH_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ] || [ "$FAILED" -ne 0 ]; then
		echo "bulkhead tests: run directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stack_take_port PROM_PORT
stack_take_port HANG_PORT
stack_take_port DROP_PORT
stack_take_port MIRROR_PORT

# One series: value i at BASE + 10 i s (test_bulkhead.py computes the
# expected answer from the same two numbers).
BASE=1704067200
SAMPLES=360
{
	echo '# TYPE bh_gauge gauge'
	for ((i = 0; i < SAMPLES; i++)); do
		echo "bh_gauge{job=\"bh\"} $i $((BASE + 10 * i))"
	done
	echo '# EOF'
} >"$WORK/data.om"
promtool tsdb create-blocks-from openmetrics "$WORK/data.om" "$WORK/tsdb" >"$WORK/promtool.log" 2>&1 || {
	cat "$WORK/promtool.log" >&2
	exit 1
}
printf 'global:\n  scrape_interval: 1m\n' >"$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" \
	--storage.tsdb.retention.time=20y >>"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!

"$PY" "$HERE/hostile.py" --hang "$HANG_PORT" --drop "$DROP_PORT" \
	--ready "$WORK/hostile.ready" >>"$WORK/hostile.log" 2>&1 &
HOSTILE_PID=$!

wait_for() {
	local what=$1 pid=$2 log=$3 i
	shift 3
	for ((i = 0; i < 300; i++)); do
		if "$@"; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$log" >&2
	echo "bulkhead tests: $what did not become ready" >&2
	return 1
}
wait_for Prometheus "$PROM_PID" "$WORK/prometheus.log" \
	curl -sf -o /dev/null "http://127.0.0.1:$PROM_PORT/-/ready"
wait_for "the hostile stores" "$HOSTILE_PID" "$WORK/hostile.log" \
	test -s "$WORK/hostile.ready"

# The responder reads these from its environment (stack.sh passes it on).
export MIRROR_STORE_ALLOW="http://127.0.0.1:$PROM_PORT,http://127.0.0.1:$HANG_PORT,http://127.0.0.1:$DROP_PORT"
export MIRROR_THREADS=${MIRROR_BH_THREADS:-4}
export MIRROR_STORE_TIMEOUT_MS=${MIRROR_BH_TIMEOUT_MS:-3000}
export MIRROR_STORE_TIMEOUT_MAX_MS=$MIRROR_STORE_TIMEOUT_MS
export MIRROR_STORE_CONNECT_TIMEOUT_MS=${MIRROR_BH_CONNECT_MS:-1000} MIRROR_STORE_TEST_TIMEOUT_MS=1500
unset MIRROR_STORE_MAX_INFLIGHT
# stack_start reads these (nginx/stack.sh):
# shellcheck disable=SC2034
STACK_DIR=$WORK/stack STACK_PORT=$MIRROR_PORT STACK_BIN_DIR=$BIN_DIR \
	STACK_KEYS=api_key STACK_KEY_CHECK=on STACK_PREFIXES=/stackstate \
	STACK_WORKERS=2 STACK_ALLOW="" STACK_CLIENT_CA=""
stack_start

export BH_MIRROR_URL=$STACK_URL BH_CA=$STACK_CA BH_KEY=api_key \
	BH_PROM_URL="http://127.0.0.1:$PROM_PORT" \
	BH_HANG_URL="http://127.0.0.1:$HANG_PORT" BH_DROP_URL="http://127.0.0.1:$DROP_PORT" \
	BH_THREADS=$MIRROR_THREADS BH_CAP=$((MIRROR_THREADS / 2)) \
	BH_TIMEOUT_MS=$MIRROR_STORE_TIMEOUT_MS BH_CONNECT_MS=$MIRROR_STORE_CONNECT_TIMEOUT_MS \
	BH_TEST_MS=$MIRROR_STORE_TEST_TIMEOUT_MS BH_BASE=$BASE BH_SAMPLES=$SAMPLES
echo "bulkhead tests: Prometheus $BH_PROM_URL, hanging $BH_HANG_URL, dropping $BH_DROP_URL, mirror $STACK_URL, binaries from $BIN_DIR"

cd "$HERE"
"$PY" test_bulkhead.py "$@" || FAILED=1

# Two responders behind the shipped upstream settings: a busy store's 503
# must not take them out of the upstream (mirror-fastcgi.conf).
if [ $# -eq 0 ]; then
	R2_SOCK=$WORK/stack/r2.sock
	spawn-fcgi -n -s "$R2_SOCK" -M 0600 "${STACK_SPAWN_USER[@]}" -- "$BIN_DIR/fcgi/mirror-fcgi" \
		>>"$WORK/stack/r2.log" 2>&1 &
	R2_PID=$!
	ROUTES=$WORK/stack/nginx/conf/mirror/mirror-routes.conf
	sed -i "s|^    server unix:$STACK_SOCK;|&\n    server unix:$R2_SOCK;|" "$ROUTES"
	grep -q "server unix:$R2_SOCK;" "$ROUTES" || {
		echo "bulkhead tests: cannot add the second responder to $ROUTES" >&2
		exit 1
	}
	kill -HUP "$STACK_NGINX_PID"
	# Reloaded once the second responder has served a request.
	healthz() {
		curl -s -o /dev/null --cacert "$STACK_CA" --max-time 2 "$STACK_URL/healthz" || true
		grep -q ' /healthz 200 ' "$WORK/stack/r2.log"
	}
	wait_for "the second responder" "$R2_PID" "$WORK/stack/r2.log" healthz
	printf '\nbulkhead tests: two responders in the upstream\n'
	BH_POOL=1 "$PY" test_bulkhead.py Pool || FAILED=1
	stack_kill "$R2_PID" TERM 35
	[ "$STACK_KILL_STATUS" -eq 0 ] || {
		echo "bulkhead tests: FAIL the second responder exited with status $STACK_KILL_STATUS" >&2
		FAILED=1
	}
fi

stack_stop
if [ "$STACK_FCGI_STATUS" -ne 0 ]; then
	echo "bulkhead tests: FAIL the responder exited with status $STACK_FCGI_STATUS" >&2
	FAILED=1
fi
for log in "$WORK/stack/responder.log" "$WORK/stack/r2.log"; do
	[ -f "$log" ] || continue
	if grep -Eq 'ERROR: (Address|Leak|Thread)Sanitizer|runtime error:' "$log"; then
		echo "bulkhead tests: FAIL sanitizer report in $log:" >&2
		grep -E -A20 'ERROR: |runtime error:' "$log" | head -60 >&2
		FAILED=1
	fi
done
if [ "$FAILED" -ne 0 ]; then
	echo "bulkhead tests: FAILED" >&2
	exit 1
fi
echo "bulkhead tests: all passed"
