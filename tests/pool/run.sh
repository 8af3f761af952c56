#!/usr/bin/env bash
# Scale-out tests: nginx with the shipped nginx/ files plus
# nginx/mirror-pool.conf and nginx/mirror-fastcgi-pool.conf (kept
# connections, failover) in front of two FastCGI responders:
#   A  mirror-fcgi under spawn-fcgi on a unix socket
#   B  mirror-fcgi under spawn-fcgi on TCP 127.0.0.1:<free port>, with
#      FCGI_WEB_SERVER_ADDRS=127.0.0.1 (only nginx's address may connect)
# each with 16 threads (>= 2 nginx workers x keepalive 4 + the load).
#
# Checks, each bounded in time and requests. Every step waits for a
# condition (requests served, a log line, a socket) with a deadline, never
# for a fixed time: the machine may be busy.
#   - nginx -t accepts the pool files; both responders serve; nginx keeps
#     connections to the responders open between requests;
#   - FCGI_WEB_SERVER_ADDRS: a responder restricted to another address
#     closes a connection from 127.0.0.1 without answering;
#   - test A: 16 clients; once A has served 50 of their requests it gets
#     SIGKILL; the load stops once nginx has answered 300 more: every
#     request must still get 200 (nginx retries what A had in flight on
#     B), and the pool serves on;
#   - test B: 16 clients; once A serves them, A is restarted gracefully (a
#     replacement binds a new socket, is renamed over A's path, then the
#     old A gets SIGTERM); once nginx's fail_timeout has passed since it
#     last marked A failed (its error log says when), B gets SIGTERM and a
#     replacement on the same port; the load stops 300 answers later:
#     every request must get 200, and both old responders must exit 0;
#   - test C: one responder (the shipped single-server upstream) whose
#     listening socket is held by a supervisor, as systemd's socket unit
#     holds it; 16 clients; once it has served 50 requests it is restarted
#     (SIGTERM, wait, start again on the same socket); the load stops once
#     the replacement has served 50: every request must get 200.
# The figures (requests, retries, failures) are printed and written to
# $MIRROR_POOL_REPORT when set (bench/deployments.sh and the docs quote them).
#
# Needs: nginx, spawn-fcgi, curl, openssl, python3, iproute2 (ss).
# MIRROR_E2E_BIN_DIR: tree with the built binaries (default this tree).
# Cleanups are registered as text and run at exit (deploy_on_exit):
# shellcheck disable=SC2016,SC2034
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN_DIR=$(cd "${MIRROR_E2E_BIN_DIR:-$TOP}" && pwd)
BIN=$BIN_DIR/fcgi/mirror-fcgi
PY=${PYTHON:-python3}
THREADS=16

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=tests/deploy/lib.sh
. "$TOP/tests/deploy/lib.sh"

deploy_init pool
[ -x "$BIN" ] || { echo "pool: $BIN is not built" >&2; exit 1; }
W=$DEPLOY_WORK
TLS=$W/tls
stack_make_tls "$TLS"
STACK_DIR=$W/nginx
mkdir -p "$STACK_DIR"
STACK_DIR=$(cd "$STACK_DIR" && pwd)
stack_users "$BIN" # STACK_SPAWN_USER: the responders run as nobody under root
REPORT=${MIRROR_POOL_REPORT:-$W/report.txt}
: >"$REPORT"

report() {
	printf 'pool: %s\n' "$*"
	printf '%s\n' "$*" >>"$REPORT"
}

# --- responders (started in this shell: $! is the responder, reaped by wait) ----------

RESP_PIDS=()
deploy_on_exit 'for p in "${RESP_PIDS[@]}"; do stack_kill "$p" TERM 35; done'

# start_unix SOCK LOG: sets LAST_PID.
start_unix() {
	env MIRROR_API_KEY=api_key MIRROR_KEY_CHECK=on \
		"$(stack_spawn_bin)" -n -s "$1" -M 0600 "${STACK_SPAWN_USER[@]}" -- \
		"$BIN" --threads "$THREADS" >>"$2" 2>&1 &
	LAST_PID=$!
	RESP_PIDS+=("$LAST_PID")
}

# start_tcp PORT LOG [ALLOWED]: sets LAST_PID.
start_tcp() {
	local -a user=()
	[ "$(id -u)" -ne 0 ] || user=(-u nobody -g "$(id -gn nobody)")
	env MIRROR_API_KEY=api_key MIRROR_KEY_CHECK=on FCGI_WEB_SERVER_ADDRS="${3:-127.0.0.1}" \
		"$(stack_spawn_bin)" -n -a 127.0.0.1 -p "$1" "${user[@]}" -- \
		"$BIN" --threads "$THREADS" >>"$2" 2>&1 &
	LAST_PID=$!
	RESP_PIDS+=("$LAST_PID")
}

# wait_fcgi ADDRESS: until the responder answers GET /healthz (5 s at most).
wait_fcgi() {
	local i
	for ((i = 0; i < 50; i++)); do
		"$PY" "$TOP/tests/deploy/fcgiclient.py" "$1" GET /healthz 2>/dev/null | grep -q '^Status: 200' && return 0
		sleep 0.1
	done
	echo "pool: no responder answers on $1" >&2
	return 1
}

SOCK_A=$STACK_DIR/a.sock
PORT_B=$(stack_free_port)
start_unix "$SOCK_A" "$W/a1.log"
A=$LAST_PID
start_tcp "$PORT_B" "$W/b1.log"
B=$LAST_PID
wait_fcgi "unix:$SOCK_A"
wait_fcgi "127.0.0.1:$PORT_B"

# --- nginx with the pool files ---------------------------------------------------------
STACK_PORT=$(stack_free_port) STACK_BIN_DIR=$BIN_DIR STACK_KEYS=api_key STACK_KEY_CHECK=on
STACK_WORKERS=2 NV_TLS_DIR=$TLS NV_VARIANT=pool NV_BACKEND=none
NV_POOL_SERVERS="    server unix:$SOCK_A  max_fails=1 fail_timeout=10s;
    server 127.0.0.1:$PORT_B  max_fails=1 fail_timeout=10s;"
if nv_start; then
	deploy_pass "nginx -t accepts the shipped files with mirror-pool.conf and mirror-fastcgi-pool.conf"
else
	deploy_fail "nginx with the pool files starts"
	deploy_finish
	exit 1
fi
NGINX=$STACK_NGINX_PID
deploy_on_exit 'stack_kill "$NGINX" QUIT 10'
URL=$STACK_URL
ACCESS=$STACK_DIR/nginx/logs/access.log
export DEPLOY_CA=$TLS/ca.pem

# Request bodies: one hour raw, one hour of 1-minute MEANs (sample store).
Q='"conditions":[{"key":"metric","value":{"value":"cpu.user","_type":"StringValue"},"_type":"EqualityCondition"},{"key":"host","value":{"value":"web-1","_type":"StringValue"},"_type":"EqualityCondition"}],"startTime":1709287200000,"endTime":1709290800000,"limit":2147483647,"latestFirst":false'
printf '{"_type":"MetricsRequest","connectionDetails":{},"query":{%s,"_type":"MetricsQuery"}}' "$Q" >"$W/raw.json"
printf '{"_type":"MetricsRequest","connectionDetails":{},"query":{%s,"aggregation":{"method":"MEAN","bucketSizeMillis":60000,"_type":"Aggregation"},"_type":"MetricsQuery"}}' "$Q" >"$W/mean.json"

post() {
	curl -s -o /dev/null -w '%{http_code}' --cacert "$DEPLOY_CA" -H 'X-MIRROR-API-KEY: api_key' \
		-H 'Content-Type: application/json' --data-binary "@$W/raw.json" "$URL/api/metric"
}

lines() { grep -c "$2" "$1" 2>/dev/null || true; }

# until_true TENTHS CONDITION: evaluates CONDITION (shell text, which may
# use the caller's locals) every 0.1 s until it holds, at most TENTHS
# times; false when it never held.
until_true() {
	local i
	for ((i = 0; i < $1; i++)); do
		eval "$2" && return 0
		sleep 0.1
	done
	eval "$2"
}

ERRLOG=$STACK_DIR/nginx/logs/error.log
STOP=$W/stop-load

# last_mark ADDR: when nginx last marked ADDR failed (any worker), in
# epoch seconds from its error log; 0 when it never did.
last_mark() {
	local line
	line=$(grep 'upstream server temporarily disabled' "$ERRLOG" 2>/dev/null | grep -F "$1" | tail -n 1)
	[ -n "$line" ] || { echo 0; return; }
	date -d "$(cut -c1-19 <<<"$line" | tr / -)" +%s
}

# calm ADDR: waits (at most 30 s) until nginx's fail_timeout (10 s) has
# passed since it last marked ADDR failed, so no worker skips it any more.
calm() {
	local addr=$1
	until_true 300 '[ "$(date +%s)" -gt $(($(last_mark "$addr") + 11)) ]'
}

# served LOG N: waits (at most 60 s) until LOG holds N more POST lines
# than it held when served_mark was taken.
served_mark() { MARK_LINES=$(lines "$1" ' POST '); }
served() {
	local log=$1 want=$2
	until_true 600 '[ $(($(lines "$log" " POST ") - MARK_LINES)) -ge $want ]'
}

# answered N: waits (at most 60 s) until nginx has logged N more requests
# than at answered_mark.
answered_mark() { MARK_ACCESS=$(wc -l <"$ACCESS"); }
answered() {
	local want=$1
	until_true 600 '[ $(($(wc -l <"$ACCESS") - MARK_ACCESS)) -ge $want ]'
}

# --- both serve, connections are kept ------------------------------------------------------
both_serve() {
	local i a0 b0 code
	a0=$(lines "$W/a1.log" ' POST ') b0=$(lines "$W/b1.log" ' POST ')
	for ((i = 0; i < 40; i++)); do
		code=$(post)
		[ "$code" = 200 ] || { echo "request $i: $code"; return 1; }
	done
	# The responders log after answering: wait for all 40 lines.
	until_true 50 '[ $(($(lines "$W/a1.log" " POST ") + $(lines "$W/b1.log" " POST ") - a0 - b0)) -ge 40 ]'
	echo "A served $(($(lines "$W/a1.log" ' POST ') - a0)), B $(($(lines "$W/b1.log" ' POST ') - b0)) of 40"
	[ $(($(lines "$W/a1.log" ' POST ') - a0)) -gt 0 ] && [ $(($(lines "$W/b1.log" ' POST ') - b0)) -gt 0 ]
}
deploy_check "40 requests: all 200, spread over both responders" both_serve

# After a burst, idle connections from nginx to B stay open (keepalive);
# at most worker_processes x keepalive = 8 of them.
kept_connections() {
	local n
	"$PY" "$TOP/tests/deploy/load.py" "$URL" --ca "$DEPLOY_CA" --threads 8 --seconds 1 \
		--body "$W/raw.json" >/dev/null
	until_true 50 '[ "$(ss -Htn state established "( dport = :$PORT_B )" | wc -l)" -ge 1 ]' || true
	n=$(ss -Htn state established "( dport = :$PORT_B )" | wc -l)
	echo "idle kept connections nginx -> B after a burst: $n"
	report "kept idle connections nginx->B after a burst of 8 clients: $n (limit 2 workers x keepalive 4 = 8)"
	[ "$n" -ge 1 ] && [ "$n" -le 8 ]
}
deploy_check "nginx keeps 1..8 idle connections to a responder (keepalive 4, 2 workers)" kept_connections

# FCGI_WEB_SERVER_ADDRS: B accepts 127.0.0.1; a responder allowing only
# 127.0.0.2 closes the connection without answering.
web_server_addrs() {
	local port pid rc=0 out
	"$PY" "$TOP/tests/deploy/fcgiclient.py" "127.0.0.1:$PORT_B" GET /healthz | grep -q '^Status: 200' || return 1
	port=$(stack_free_port)
	start_tcp "$port" "$W/restricted.log" 127.0.0.2
	pid=$LAST_PID
	until_true 50 '[ -n "$(ss -Hltn "( sport = :$port )")" ]' || return 1
	# (fcgiclient.py exits 1 for no answer: read its output, not its status.)
	out=$("$PY" "$TOP/tests/deploy/fcgiclient.py" "127.0.0.1:$port" GET /healthz || true)
	echo "from 127.0.0.1 to a responder allowing 127.0.0.2: ${out%%$'\n'*}"
	[[ $out == "NO ANSWER"* ]] || rc=1
	stack_kill "$pid" TERM 10
	[ "$STACK_KILL_STATUS" -eq 0 ] || rc=1
	return $rc
}
deploy_check "FCGI_WEB_SERVER_ADDRS: a TCP responder answers only the listed address" web_server_addrs

# load OUT: the load loop in the background until stop_load (at most
# 90 s); sets LOAD_PID.
load() {
	rm -f "$STOP"
	"$PY" "$TOP/tests/deploy/load.py" "$URL" --ca "$DEPLOY_CA" --threads 16 --seconds 90 \
		--max-requests 400000 --stop-file "$STOP" --body "$W/raw.json" --body "$W/mean.json" >"$1" &
	LOAD_PID=$!
}
stop_load() {
	: >"$STOP"
	wait "$LOAD_PID"
}
field() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
retried_since() { tail -n +"$(($1 + 1))" "$ACCESS" | grep -c 'up=[^ ]*, ' || true; }

# --- test A: SIGKILL one responder under load ---------------------------------------------
test_kill() {
	local mark rc=0 n bad b_before b_after
	mark=$(wc -l <"$ACCESS")
	b_before=$(lines "$W/b1.log" ' POST ')
	served_mark "$W/a1.log"
	load "$W/loadA.json"
	served "$W/a1.log" 50 || rc=1
	kill -KILL "$A"
	wait "$A" 2>/dev/null || true
	answered_mark
	answered 300 || rc=1
	stop_load || rc=1
	n=$(field "$W/loadA.json" requests) bad=$(field "$W/loadA.json" non_200)
	b_after=$(lines "$W/b1.log" ' POST ')
	report "test A (SIGKILL responder A once it had served 50 of the load, 300 more answers, 16 clients): $n requests, $bad not 200, $(retried_since "$mark") retried by nginx on the other responder; $(field "$W/loadA.json" rps) req/s"
	[ "$bad" = 0 ] || { cat "$W/loadA.json"; rc=1; }
	[ "$n" -gt 100 ] && [ $((b_after - b_before)) -gt 0 ] || rc=1
	return $rc
}
deploy_check "test A: SIGKILL of a responder under load, no request fails" test_kill

serves_on() {
	local i code
	for ((i = 0; i < 20; i++)); do
		code=$(post)
		[ "$code" = 200 ] || { echo "request $i after the kill: $code"; return 1; }
	done
}
deploy_check "the pool serves on with one responder (20 requests, all 200)" serves_on

# Bring A back on its socket; nginx uses it again once fail_timeout
# (10 s) has passed since a worker last marked it failed.
start_unix "$SOCK_A" "$W/a2.log"
A=$LAST_PID
wait_fcgi "unix:$SOCK_A"
# rejoins LOG: requests, one at a time, each 200, until the responder of
# LOG has served one (at most 300, about 30 s).
rejoins() {
	local i code
	for ((i = 0; i < 300; i++)); do
		[ "$(lines "$1" ' POST ')" -gt 0 ] && return 0
		code=$(post)
		[ "$code" = 200 ] || { echo "request $i: $code"; return 1; }
		sleep 0.1
	done
	echo "no request reached it after 300"
	return 1
}
deploy_check "a restarted responder rejoins the pool after fail_timeout" rejoins "$W/a2.log"
# Before the next restart, as an operator would: no worker skips A.
deploy_check "nginx's fail_timeout for A has passed in every worker" calm "unix:$SOCK_A"

# --- test B: graceful restarts under load -------------------------------------------------
restart_a() {
	# A replacement on a new path, renamed over A's (atomic): new
	# connections reach it at once; then the old A stops accepting,
	# finishes what it has, and exits 0.
	start_unix "$SOCK_A.new" "$W/a3.log"
	NEW_A=$LAST_PID
	wait_fcgi "unix:$SOCK_A.new" && mv -f "$SOCK_A.new" "$SOCK_A"
	# The replacement takes new connections before the old one stops.
	served_mark "$W/a3.log"
	served "$W/a3.log" 1
	stack_kill "$A" TERM 35
	A_STATUS=$STACK_KILL_STATUS
	A=$NEW_A
}
restart_b() {
	# SIGTERM; the pool (A) answers while B drains and its replacement
	# binds the same port.
	stack_kill "$B" TERM 35
	B_STATUS=$STACK_KILL_STATUS
	start_tcp "$PORT_B" "$W/b2.log"
	B=$LAST_PID
	wait_fcgi "127.0.0.1:$PORT_B"
}
test_restart() {
	local mark rc=0 n bad
	mark=$(wc -l <"$ACCESS")
	served_mark "$W/a2.log"
	load "$W/loadB.json"
	served "$W/a2.log" 50 || rc=1
	restart_a
	# A closing kept connections can make a worker mark it failed; B may
	# only go once no worker skips A any more.
	calm "unix:$SOCK_A" || rc=1
	restart_b
	answered_mark
	answered 300 || rc=1
	stop_load || rc=1
	n=$(field "$W/loadB.json" requests) bad=$(field "$W/loadB.json" non_200)
	report "test B (16 clients; A restarted gracefully once serving, B once nginx's fail_timeout for A had passed, both with SIGTERM; 300 more answers): $n requests, $bad not 200, $(retried_since "$mark") retried by nginx; old A exited $A_STATUS, old B exited $B_STATUS; $(field "$W/loadB.json" rps) req/s"
	[ "$bad" = 0 ] || { cat "$W/loadB.json"; rc=1; }
	[ "$A_STATUS" = 0 ] && [ "$B_STATUS" = 0 ] && [ "$n" -gt 100 ] || rc=1
	# The renamed replacement of A took over at once.
	[ "$(lines "$W/a3.log" ' POST ')" -gt 0 ] || rc=1
	return $rc
}
deploy_check "test B: SIGTERM restarts of both responders under load, no request cut, old ones exit 0" test_restart

# B's replacement is used once nginx's fail_timeout for B has passed.
deploy_check "B's replacement rejoins the pool after fail_timeout" rejoins "$W/b2.log"

# --- test C: one responder, restarted the way systemd's socket unit does it -------------
# The listening socket belongs to a supervisor (tests/deploy/sockhold.py
# here, stackstate-mirror.socket in production), so `restart` = SIGTERM,
# wait for the in-flight requests, start again on the same socket. nginx
# uses the shipped mirror-fastcgi.conf (one server, no keepalive).
test_socket_restart() {
	local rc=0 n bad holder pidfile=$W/c.pid nginx_c url
	(
		STACK_DIR=$W/single STACK_PORT=$(stack_free_port) NV_VARIANT="" NV_BACKEND=none
		mkdir -p "$STACK_DIR"
		STACK_DIR=$(cd "$STACK_DIR" && pwd)
		local hold_user=-
		[ "$(id -u)" -ne 0 ] || hold_user=nobody
		env MIRROR_API_KEY=api_key MIRROR_KEY_CHECK=on "$PY" "$TOP/tests/deploy/sockhold.py" \
			"$STACK_DIR/mirror-fcgi.sock" 0600 "$hold_user" "$pidfile" -- "$BIN" --threads "$THREADS" \
			>>"$W/c.log" 2>&1 &
		holder=$!
		nginx_c=""
		trap 'stack_kill "$nginx_c" QUIT 10; stack_kill "$holder" TERM 40' EXIT
		wait_fcgi "unix:$STACK_DIR/mirror-fcgi.sock" || exit 1
		nv_start || exit 1
		nginx_c=$STACK_NGINX_PID URL=$STACK_URL
		served_mark "$W/c.log"
		load "$W/loadC.json"
		served "$W/c.log" 50 || rc=1
		kill -HUP "$holder"
		# The first responder has exited 0 and its replacement serves.
		until_true 600 '[ "$(grep -c "exited with 0" "$W/c.log")" -ge 1 ]' || rc=1
		served_mark "$W/c.log"
		served "$W/c.log" 50 || rc=1
		stop_load || rc=1
		exit $rc
	) || rc=1
	n=$(field "$W/loadC.json" requests) bad=$(field "$W/loadC.json" non_200)
	report "test C (one responder, listening socket held by a supervisor as systemd does; restarted with SIGTERM once it had served 50, its replacement then serving 50, 16 clients): $n requests, $bad not 200; exits: $(grep -c 'exited with 0' "$W/c.log") of $(grep -c 'exited with' "$W/c.log") responders exited 0; $(field "$W/loadC.json" rps) req/s"
	[ "$bad" = 0 ] || { cat "$W/loadC.json"; rc=1; }
	[ "$(grep -c 'exited with 0' "$W/c.log")" = 2 ] || rc=1
	return $rc
}
deploy_check "test C: a single responder restarted on a held socket, no request cut" test_socket_restart

deploy_check "no sanitizer report or crash in the responders' logs" \
	bash -c "! grep -hE 'Sanitizer|runtime error|Segmentation' $W/*.log"
deploy_finish
