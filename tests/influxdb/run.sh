#!/usr/bin/env bash
# Tests of the InfluxDB 1.x store against a real InfluxDB (Debian package
# "influxdb", /usr/bin/influxd 1.6).
#
#   1. Two influxd start on free loopback ports, each with its own config
#      and meta/data/wal directories under the run directory, reporting
#      and every other listener off: one open (with the query log on, so
#      the tests see what the mirror asked), one with authentication.
#   2. data.py writes deterministic points as line protocol; they go in
#      with /write, into a default retention policy with one-hour shards
#      (buckets then span shards) and a second policy.
#   3. The mirror stack (nginx + spawn-fcgi + fcgi/mirror-fcgi, the shipped
#      configuration via nginx/stack.sh) starts with a store allowlist
#      naming both and the fake stores the tests run.
#   4. test_influxdb.py sends StackState-shaped requests through nginx and
#      compares every answer with values computed in data.py.
#   5. The open influxd is stopped (502s, and the responder keeps serving),
#      started again on the same port (the kept-alive connections must
#      recover), then everything stops by PID.
#
# Usage: tests/influxdb/run.sh [test names, e.g. Raw Aggregated.test_pushdown_equals_engine]
# MIRROR_E2E_BIN_DIR: tree holding the built fcgi/ and cgi/ (default: this one).
# MIRROR_IT_KEEP=1 keeps the run directory.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN_DIR=$(cd "${MIRROR_E2E_BIN_DIR:-$TOP}" && pwd)
PY=${PYTHON:-python3}

# shellcheck source=../../nginx/stack.sh
. "$TOP/nginx/stack.sh"

command -v influxd >/dev/null || {
	echo "influxdb tests: influxd not found (apt-get install influxdb)" >&2
	exit 1
}
for f in "$BIN_DIR/fcgi/mirror-fcgi" "$BIN_DIR/cgi/mirror.cgi"; do
	[ -x "$f" ] || {
		echo "influxdb tests: $f is not built" >&2
		exit 1
	}
done

WORK=$(mktemp -d /tmp/mirror-influx.XXXXXX)
INFLUX_PID=""
AUTH_PID=""
FAILED=0

cleanup() {
	local rc=$?
	stack_stop
	stack_kill "$INFLUX_PID" TERM 30
	stack_kill "$AUTH_PID" TERM 30
	if [ "${MIRROR_IT_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ] || [ "$FAILED" -ne 0 ]; then
		echo "influxdb tests: run directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

stack_take_port INFLUX_PORT
stack_take_port AUTH_PORT
stack_take_port HANG_PORT
stack_take_port FAKE_PORT
stack_take_port DOWN_PORT
stack_take_port OUTSIDE_PORT
stack_take_port MIRROR_PORT

# influx_conf NAME PORT AUTH: a config with nothing listening but the
# HTTP API on 127.0.0.1:PORT (the RPC service takes an ephemeral loopback
# port; graphite, collectd, opentsdb, udp and ifql are off by default).
influx_conf() {
	local dir=$WORK/$1
	mkdir -p "$dir"
	cat >"$dir/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:0"
[meta]
  dir = "$dir/meta"
[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = true
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:$2"
  auth-enabled = $3
  log-enabled = false
[logging]
  level = "info"
EOF
}

# start_influx NAME PORT: starts influxd and waits for /ping; sets LAST_PID.
start_influx() {
	local i
	influxd -config "$WORK/$1/influxdb.conf" >>"$WORK/$1/influxd.log" 2>&1 &
	LAST_PID=$!
	for ((i = 0; i < 300; i++)); do
		if curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$2/ping" | grep -q 204; then
			return 0
		fi
		kill -0 "$LAST_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$WORK/$1/influxd.log" >&2
	echo "influxdb tests: influxd ($1) did not answer /ping" >&2
	return 1
}

# ql PORT STATEMENT [curl args]: runs one statement, fails on an error.
ql() {
	local port=$1 q=$2 out
	shift 2
	out=$(curl -s -XPOST "http://127.0.0.1:$port/query" --data-urlencode "q=$q" "$@")
	case $out in *'"error"'*)
		echo "influxdb tests: $q: $out" >&2
		return 1
		;;
	esac
}

write_lp() {
	local port=$1 rp=$2 file=$3 code
	shift 3
	code=$(curl -s -o "$WORK/write.out" -w '%{http_code}' -XPOST \
		"http://127.0.0.1:$port/write?db=mt&rp=$rp&precision=ms" --data-binary "@$file" "$@")
	[ "$code" = 204 ] || {
		echo "influxdb tests: write to $rp answered $code: $(cat "$WORK/write.out")" >&2
		return 1
	}
}

echo "influxdb tests: starting influxd on ports $INFLUX_PORT and $AUTH_PORT (auth)"
influx_conf open "$INFLUX_PORT" false
influx_conf auth "$AUTH_PORT" true
start_influx open "$INFLUX_PORT"
INFLUX_PID=$LAST_PID
start_influx auth "$AUTH_PORT"
AUTH_PID=$LAST_PID

"$PY" "$HERE/data.py" "$WORK"
ql "$INFLUX_PORT" 'CREATE DATABASE mt WITH SHARD DURATION 1h NAME "h1"'
ql "$INFLUX_PORT" 'CREATE RETENTION POLICY "archive" ON mt DURATION INF REPLICATION 1'
write_lp "$INFLUX_PORT" h1 "$WORK/h1.lp"
write_lp "$INFLUX_PORT" archive "$WORK/archive.lp"

# The first user of an auth-enabled influxd may be made without credentials.
ql "$AUTH_PORT" "CREATE USER admin WITH PASSWORD 'adm pw' WITH ALL PRIVILEGES"
ql "$AUTH_PORT" 'CREATE DATABASE mt WITH SHARD DURATION 1h NAME "h1"' -u 'admin:adm pw'
ql "$AUTH_PORT" 'CREATE DATABASE other' -u 'admin:adm pw'
ql "$AUTH_PORT" "CREATE USER reader WITH PASSWORD 'r3ad'" -u 'admin:adm pw'
ql "$AUTH_PORT" 'GRANT READ ON mt TO reader' -u 'admin:adm pw'
write_lp "$AUTH_PORT" h1 "$WORK/h1.lp" -u 'admin:adm pw'

# The responder reads these from its environment (stack.sh passes it on).
export MIRROR_STORE_ALLOW="http://127.0.0.1:$INFLUX_PORT,http://127.0.0.1:$AUTH_PORT,http://127.0.0.1:$HANG_PORT,http://127.0.0.1:$FAKE_PORT,http://127.0.0.1:$DOWN_PORT"
export MIRROR_STORE_TIMEOUT_MS=3000 MIRROR_STORE_TIMEOUT_MAX_MS=3000
export MIRROR_STORE_MAX_BYTES=1048576 MIRROR_MAX_BUCKETS=2000
STACK_DIR=$WORK/stack STACK_PORT=$MIRROR_PORT STACK_BIN_DIR=$BIN_DIR \
	STACK_KEYS=api_key STACK_KEY_CHECK=on STACK_PREFIXES=/stackstate \
	STACK_WORKERS=2 STACK_ALLOW="" STACK_CLIENT_CA=""
stack_start

export IT_MIRROR_URL=$STACK_URL IT_CA=$STACK_CA IT_KEY=api_key \
	IT_INFLUX_URL="http://127.0.0.1:$INFLUX_PORT" IT_AUTH_URL="http://127.0.0.1:$AUTH_PORT" \
	IT_INFLUX_LOG="$WORK/open/influxd.log" \
	IT_HANG_PORT=$HANG_PORT IT_FAKE_PORT=$FAKE_PORT IT_DOWN_PORT=$DOWN_PORT \
	IT_OUTSIDE_PORT=$OUTSIDE_PORT \
	IT_STORE_TIMEOUT_MS=$MIRROR_STORE_TIMEOUT_MAX_MS \
	IT_STORE_MAX_BYTES=$MIRROR_STORE_MAX_BYTES IT_MAX_BUCKETS=$MIRROR_MAX_BUCKETS
echo "influxdb tests: InfluxDB $IT_INFLUX_URL (auth: $IT_AUTH_URL), mirror $STACK_URL, binaries from $BIN_DIR"

cd "$HERE"
"$PY" test_influxdb.py "$@" || FAILED=1

if [ $# -eq 0 ]; then
	printf '\ninfluxdb tests: stopping influxd (pid %s)\n' "$INFLUX_PID"
	stack_kill "$INFLUX_PID" TERM 30
	INFLUX_PID=""
	IT_PHASE=store-down "$PY" test_influxdb.py StoreDown || FAILED=1
	printf '\ninfluxdb tests: starting influxd again on port %s\n' "$INFLUX_PORT"
	start_influx open "$INFLUX_PORT"
	INFLUX_PID=$LAST_PID
	IT_PHASE=store-back "$PY" test_influxdb.py StoreBack || FAILED=1
fi

stack_stop_checked "influxdb tests" || FAILED=1
if [ "$FAILED" -ne 0 ]; then
	echo "influxdb tests: FAILED" >&2
	exit 1
fi
echo "influxdb tests: all passed"
