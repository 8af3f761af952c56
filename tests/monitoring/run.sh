#!/usr/bin/env bash
# Monitoring a pool of responders (docs/MONITORING.md): two mirror-fcgi
# under spawn-fcgi behind nginx's pool (the shipped mirror-pool.conf),
# each with its own MIRROR_METRICS_LISTEN, and a real Prometheus
# scraping both with the scrape configuration of MONITORING.md (its
# recipe block, with this run's ports and a 1 s interval).
#
# Checks: the listener's answers byte for byte (/healthz, /metrics'
# content type, a JSON 404 and 405 with Allow, nothing of the mirror's
# four methods); then N requests sent through nginx, and Prometheus
# must see exactly N connection answers summed over the two instances,
# both instances up, and mirror_build_info naming configure.ac's
# version and the stores of common/store/registry.c on both.
#
# Needs: nginx, spawn-fcgi, prometheus, curl, openssl, python3.
# MIRROR_E2E_BIN_DIR: tree with the built binaries (default this tree).
# Cleanups are registered as text and run at exit (deploy_on_exit):
# shellcheck disable=SC2016
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN_DIR=$(cd "${MIRROR_E2E_BIN_DIR:-$TOP}" && pwd)
BIN=$BIN_DIR/fcgi/mirror-fcgi
PY=${PYTHON:-python3}
N=40

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=tests/deploy/lib.sh
. "$TOP/tests/deploy/lib.sh"

command -v prometheus >/dev/null || { echo "monitoring: prometheus is missing" >&2; exit 1; }
[ -x "$BIN" ] || { echo "monitoring: $BIN is not built" >&2; exit 1; }

deploy_init monitoring
W=$DEPLOY_WORK
STACK_DIR=$W/nginx
mkdir -p "$STACK_DIR"
stack_users "$BIN"

# What the test expects, from the sources rather than from the binary.
version=$(sed -n 's/^AC_INIT(\[stackstate-mirror\], \[\([^]]*\)\].*/\1/p' "$TOP/configure.ac")
stores=$(sed -n '/stores\[\] = {/,/^};/s/^[[:space:]]*&mirror_store_\([a-z0-9_]*\),.*/\1/p' \
	"$TOP/common/store/registry.c" | paste -sd, -)

# --- two responders, each with its own listener ---------------------------------------

MA=$(stack_free_port)
MB=$(stack_free_port)
RESP_PIDS=()
deploy_on_exit 'for p in "${RESP_PIDS[@]}"; do stack_kill "$p" TERM 35; done'
start_responder() {
	env MIRROR_API_KEY=api_key MIRROR_KEY_CHECK=on MIRROR_METRICS_LISTEN="127.0.0.1:$2" \
		"$(stack_spawn_bin)" -n -s "$1" -M 0600 "${STACK_SPAWN_USER[@]}" -- "$BIN" --threads 16 \
		>>"$3" 2>&1 &
	RESP_PIDS+=("$!")
}
start_responder "$W/a.sock" "$MA" "$W/a.log"
start_responder "$W/b.sock" "$MB" "$W/b.log"

# Waits until URL answers 200; at most 10 s.
wait_200() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1" || true)" != 200 ] || return 0
		sleep 0.1
	done
	return 1
}
deploy_check "responder A's listener answers" wait_200 "http://127.0.0.1:$MA/healthz"
deploy_check "responder B's listener answers" wait_200 "http://127.0.0.1:$MB/healthz"

# --- the listener, byte for byte ---------------------------------------------------------

# "STATUS|CONTENT-TYPE|ALLOW|BODY" of one request.
ask() {
	curl -s --max-time 5 -o "$W/body" -D "$W/head" -X "$1" "http://127.0.0.1:$MA$2" >/dev/null || true
	printf '%s|%s|%s|%s' "$(awk 'NR == 1 { print $2 }' "$W/head")" \
		"$(sed -n 's/^Content-Type: \(.*\)\r$/\1/p' "$W/head")" \
		"$(sed -n 's/^Allow: \(.*\)\r$/\1/p' "$W/head")" "$(cat "$W/body")"
}
deploy_check "GET /healthz: 200 and {\"status\":\"OK\"}" \
	test "$(ask GET /healthz)" = '200|application/json||{"status":"OK"}'
deploy_check "GET /metrics: 200 in Prometheus text format" \
	bash -c "[ \"\$(awk 'NR == 1 { print \$2 }' <(curl -s -D - -o /dev/null http://127.0.0.1:$MA/metrics))\" = 200 ] &&
		curl -s -D - -o /dev/null http://127.0.0.1:$MA/metrics | grep -qx 'Content-Type: text/plain; version=0.0.4.'"
deploy_check "another path: JSON 404" test "$(ask GET /api/connection)" = \
	'404|application/json||{"_type":"RemoteMirrorError","summary":"unknown path","details":"this listener answers GET /metrics and GET /healthz"}'
deploy_check "POST: JSON 405 with Allow" test "$(ask POST /metrics)" = \
	'405|application/json|GET, HEAD|{"_type":"RemoteMirrorError","summary":"method not allowed","details":"use GET"}'
deploy_check "a malformed request: JSON 400" bash -c "
	printf 'garbage\r\n\r\n' | '$PY' -c '
import socket, sys
s = socket.create_connection((\"127.0.0.1\", $MA), timeout=5)
s.sendall(sys.stdin.buffer.read())
print(s.recv(4096).decode().split(\"\r\n\")[0])' | grep -qx 'HTTP/1.0 400 Bad Request'"

# A listener it cannot open stops the responder at start, saying why.
refused_start() {
	local out rc=0
	out=$(MIRROR_METRICS_LISTEN=$1 timeout 10 "$BIN" --listen "$W/refused.sock" 2>&1) || rc=$?
	rm -f "$W/refused.sock"
	[ "$rc" -eq 2 ] && printf '%s\n' "$out" | grep -qF "mirror-fcgi: $2"
}
deploy_check "MIRROR_METRICS_LISTEN=9464 (no host): exit 2, named" \
	refused_start 9464 'MIRROR_METRICS_LISTEN must be HOST:PORT (port 1 to 65535)'
deploy_check "MIRROR_METRICS_LISTEN=localhost:9464 (a name): exit 2, named" \
	refused_start localhost:9464 'MIRROR_METRICS_LISTEN localhost:9464: '
deploy_check "MIRROR_METRICS_LISTEN on a port in use: exit 2, named" \
	refused_start "127.0.0.1:$MA" "cannot listen on 127.0.0.1:$MA: Address already in use"

# --- nginx's pool in front ------------------------------------------------------------------

STACK_PORT=$(stack_free_port)
NV_VARIANT=pool NV_BACKEND=none NV_TLS_DIR=$W/tls \
	NV_POOL_SERVERS="    server unix:$W/a.sock;"$'\n'"    server unix:$W/b.sock;" nv_start
deploy_on_exit 'stack_kill "$STACK_NGINX_PID" QUIT 10'
sent=0
for ((i = 0; i < N; i++)); do
	code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$STACK_CA" -H 'X-MIRROR-API-KEY: api_key' \
		-d '{"_type":"TestConnectionRequest","connectionDetails":{}}' "$STACK_URL/api/connection" || true)
	[ "$code" != 200 ] || sent=$((sent + 1))
done
deploy_check "$N connection requests through nginx's pool: all 200" test "$sent" -eq "$N"

# --- Prometheus, with MONITORING.md's scrape configuration ----------------------------------

PP=$(stack_free_port)
awk '$0 == "<!-- recipe: prometheus-scrape -->" { w = 1; next } w && /^```/ { if (i) exit; i = 1; next } i' \
	"$TOP/docs/MONITORING.md" |
	sed -e "s/127\.0\.0\.1:9464/127.0.0.1:$MA/" -e "s/127\.0\.0\.1:9465/127.0.0.1:$MB/" \
		-e 's/scrape_interval: 15s/scrape_interval: 1s/' >"$W/prometheus.yml"
deploy_check "MONITORING.md's scrape configuration names both responders" \
	bash -c "grep -q '127.0.0.1:$MA' '$W/prometheus.yml' && grep -q '127.0.0.1:$MB' '$W/prometheus.yml'"
prometheus --config.file="$W/prometheus.yml" --storage.tsdb.path="$W/tsdb" \
	--web.listen-address="127.0.0.1:$PP" >>"$W/prometheus.log" 2>&1 &
PROM_PID=$!
deploy_on_exit 'stack_kill "$PROM_PID" TERM 10'
deploy_check "Prometheus starts" wait_200 "http://127.0.0.1:$PP/-/ready"

# query EXPR: the value of an instant query's single result ("" if none).
query() {
	curl -s --max-time 5 "http://127.0.0.1:$PP/api/v1/query" --data-urlencode "query=$1" |
		"$PY" -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if len(r) == 1 else "")' 2>/dev/null || true
}

# until_value EXPR VALUE: polls the query for up to 20 s.
until_value() {
	local i v=""
	for ((i = 0; i < 200; i++)); do
		v=$(query "$1")
		[ "$v" != "$2" ] || return 0
		sleep 0.1
	done
	echo "monitoring: $1 = '$v', not $2" >&2
	return 1
}
deploy_check "both responders are up for Prometheus" until_value 'count(up{job="stackstate-mirror"} == 1)' 2
deploy_check "the connection answers summed over both instances: exactly $N" \
	until_value 'sum(mirror_requests_total{job="stackstate-mirror",method="connection",status="200"})' "$N"
share=$(curl -s --max-time 5 "http://127.0.0.1:$PP/api/v1/query" \
	--data-urlencode 'query=mirror_requests_total{method="connection",status="200"}' |
	"$PY" -c 'import json, sys
print(", ".join(r["metric"]["instance"] + ": " + r["value"][1] for r in json.load(sys.stdin)["data"]["result"]))' || true)
echo "monitoring: answers per responder: $share"
deploy_check "mirror_build_info on both: version $version, stores $stores" \
	until_value "count(mirror_build_info{version=\"$version\",stores=\"$stores\"})" 2
deploy_check "each instance reports its start time" \
	until_value 'count(process_start_time_seconds{job="stackstate-mirror"} > 1e9)' 2

# Both stop cleanly, listener thread included, and nothing was reported.
stack_kill "$PROM_PID" TERM 10
stack_kill "$STACK_NGINX_PID" QUIT 10
for name in a b; do
	stack_kill "${RESP_PIDS[0]}" TERM 35
	deploy_check "responder $name exits 0 on SIGTERM (got $STACK_KILL_STATUS)" test "$STACK_KILL_STATUS" -eq 0
	RESP_PIDS=("${RESP_PIDS[@]:1}")
	deploy_check "no sanitizer report in responder $name's log" \
		bash -c "! grep -Eq 'Sanitizer|runtime error' '$W/$name.log'"
done
deploy_finish
