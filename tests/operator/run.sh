#!/usr/bin/env bash
# Operator mistakes and the responder's own socket, with the real binaries:
#   - mistakes refused at start: mirror-fcgi exits 2 with the exact
#     message (and its fix); mirror.cgi answers 500 JSON and logs it;
#   - --listen: a unix socket's mode, owner and group (defaults and the
#     --socket-* options), a stale socket replaced, a live one or a file
#     refused, the socket removed at exit; :PORT on 127.0.0.1 only, and
#     FCGI_WEB_SERVER_ADDRS 127.0.0.1 by default (a client from 127.0.0.2
#     gets no answer);
#   - SIGHUP does not stop the responder;
#   - API keys of 8, 48, 128 and 256 characters with the shipped nginx and
#     Apache configurations (nginx -t, apache2 -t, then a request with each).
# Every wait is for a condition (a socket, an answer, an exit) with a
# deadline. docs/RELIABILITY.md lists the messages checked here.
#
# Needs: nginx, apache2, spawn-fcgi, curl, openssl, python3, iproute2 (ss).
# MIRROR_E2E_BIN_DIR: tree with the built binaries (default this tree).
# Cleanups are registered as text and run at exit (deploy_on_exit):
# shellcheck disable=SC2016,SC2034
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN_DIR=$(cd "${MIRROR_E2E_BIN_DIR:-$TOP}" && pwd)
BIN=$BIN_DIR/fcgi/mirror-fcgi
CGI=$BIN_DIR/cgi/mirror.cgi
PY=${PYTHON:-python3}
CLIENT=$TOP/tests/deploy/fcgiclient.py

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=apache/stack.sh
. "$TOP/apache/stack.sh"
# shellcheck source=tests/deploy/lib.sh
. "$TOP/tests/deploy/lib.sh"

deploy_init operator
W=$DEPLOY_WORK
for f in "$BIN" "$CGI"; do
	[ -x "$f" ] || { echo "operator: $f is not built" >&2; exit 1; }
done

# --- mistakes refused at start ----------------------------------------------------

# refused WANT [VAR=value ...] -- [ARG ...]: mirror-fcgi exits 2 and says
# exactly "mirror-fcgi: WANT" (stdin is not a socket unless --listen works).
refused() {
	local want=$1 out rc=0
	shift
	local -a envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	out=$(cd "$W" && env -u MIRROR_LISTEN "${envs[@]}" "$BIN" "$@" 2>&1 </dev/null) || rc=$?
	[ "$rc" = 2 ] && [ "$out" = "mirror-fcgi: $want" ] && return 0
	printf 'exit %s, said: %s\n   wanted: mirror-fcgi: %s\n' "$rc" "$out" "$want"
	return 1
}

FIX_ALLOW="write each entry as a URL with its scheme, host and port, e.g. http://prometheus.internal:9090"
deploy_check "MIRROR_BACKEND naming no store" refused \
	'MIRROR_BACKEND "influx" is not a store of this mirror; set it to one of: sample, influxdb, prometheus, graphite' \
	MIRROR_BACKEND=influx --
deploy_check "MIRROR_STORE_ALLOW entry without a scheme" refused \
	"MIRROR_STORE_ALLOW entry \"prometheus:9090\" cannot be used: it has no scheme; $FIX_ALLOW" \
	MIRROR_STORE_ALLOW=prometheus:9090 --
deploy_check "MIRROR_STORE_ALLOW entry with another scheme, after a good one" refused \
	"MIRROR_STORE_ALLOW entry \"ftp://10.0.0.1:9090\" cannot be used: only http and https URLs are allowed; $FIX_ALLOW" \
	"MIRROR_STORE_ALLOW=http://ok:9090, ftp://10.0.0.1:9090" --
deploy_check "MIRROR_STORE_ALLOW entry with user info" refused \
	"MIRROR_STORE_ALLOW entry \"http://u:p@prom:9090\" cannot be used: user info in the URL is not allowed (use username/password); $FIX_ALLOW" \
	MIRROR_STORE_ALLOW=http://u:p@prom:9090 --
deploy_check "a malformed number" refused \
	"MIRROR_MAX_BODY_BYTES must be an integer from 64 to 67108864" \
	MIRROR_MAX_BODY_BYTES=1m --
deploy_check "--listen with a bare port" refused \
	"--listen: \"47002\" is neither HOST:PORT nor a socket path: for TCP give an address, e.g. 127.0.0.1:47002 (\":47002\" listens on loopback only); a unix socket path has a '/', e.g. ./mirror.sock or /run/stackstate-mirror/mirror.sock" \
	-- --listen 47002
deploy_check "MIRROR_LISTEN with a bare port" refused \
	"--listen: \"9000\" is neither HOST:PORT nor a socket path: for TCP give an address, e.g. 127.0.0.1:9000 (\":9000\" listens on loopback only); a unix socket path has a '/', e.g. ./mirror.sock or /run/stackstate-mirror/mirror.sock" \
	MIRROR_LISTEN=9000 --
deploy_check "--listen with a port out of range" refused \
	'--listen: the port of ":65536" must be a number from 1 to 65535' -- --listen :65536
deploy_check "--listen on IPv6" refused \
	"--listen: \"[::1]:9000\": IPv6 is not supported (libfcgi's FCGI_WEB_SERVER_ADDRS filter knows IPv4 clients only)" \
	-- --listen '[::1]:9000'
deploy_check "--socket-mode without --listen" refused \
	"--socket-user, --socket-group and --socket-mode apply to the unix socket of --listen" \
	-- --socket-mode 0660
deploy_check "--socket-mode with TCP" refused \
	"--socket-user, --socket-group and --socket-mode apply to a unix socket, not to :47003" \
	-- --listen :47003 --socket-group www-data
deploy_check "--socket-mode not octal" refused \
	"--socket-mode takes an octal mode such as 0660" -- --listen ./x.sock --socket-mode 0999
deploy_check "--socket-user unknown" refused \
	'no user "no-such-user-here" (--socket-user)' -- --listen ./x.sock --socket-user no-such-user-here
deploy_check "an argument that is no option" refused \
	'unexpected argument "9000"' -- --threads 4 9000
deploy_check "fd 0 not a socket and no --listen" refused \
	"fd 0 is not a socket; run it under spawn-fcgi or pass --listen" --

# The CGI program cannot refuse to start: it answers 500 JSON, says why
# in the server's log, and exits 1.
cgi_refuses() {
	local out err rc=0
	out=$(env -i PATH="$PATH" MIRROR_BACKEND=influx REQUEST_METHOD=POST \
		PATH_INFO=/api/connection CONTENT_LENGTH=0 "$CGI" 2>"$W/cgi.err" </dev/null) || rc=$?
	err=$(cat "$W/cgi.err")
	[ "$rc" = 1 ] &&
		[ "$out" = $'Status: 500 Internal Server Error\r\nContent-Type: application/json\r\n\r\n{"_type":"RemoteMirrorError","summary":"internal error","details":"the mirror is misconfigured; see the server log"}' ] &&
		[ "$err" = 'mirror.cgi: MIRROR_BACKEND "influx" is not a store of this mirror; set it to one of: sample, influxdb, prometheus, graphite' ] ||
		{ printf 'exit %s\nstdout: %s\nstderr: %s\n' "$rc" "$out" "$err"; return 1; }
}
deploy_check "mirror.cgi with an unknown MIRROR_BACKEND: 500 JSON, the reason logged" cgi_refuses

# --- the responder's own socket -----------------------------------------------------

RESP_PIDS=()
deploy_on_exit 'for p in "${RESP_PIDS[@]}"; do stack_kill "$p" TERM 35; done'

# start_listen LOG ARG...: mirror-fcgi --listen ... in the background; LAST_PID.
start_listen() {
	local log=$1
	shift
	env -u MIRROR_LISTEN "$BIN" "$@" >>"$log" 2>&1 </dev/null &
	LAST_PID=$!
	RESP_PIDS+=("$LAST_PID")
}

# answers ADDRESS: the responder at ADDRESS answers GET /healthz 200,
# within 5 s (or the process has died).
answers() {
	local i
	for ((i = 0; i < 50; i++)); do
		"$PY" "$CLIENT" "$1" GET /healthz 2>/dev/null | grep -q '^Status: 200' && return 0
		kill -0 "$LAST_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# stops PID: SIGTERM, exit 0 within 35 s.
stops() {
	stack_kill "$1" TERM 35
	[ "$STACK_KILL_STATUS" = 0 ] || { echo "exit status $STACK_KILL_STATUS"; return 1; }
}

WEB_GROUP=$(id -gn)
[ "$(id -u)" -ne 0 ] || ! getent group www-data >/dev/null || WEB_GROUP=www-data

default_socket() {
	local sock=$W/default.sock got rc=0
	start_listen "$W/default.log" --listen "$sock"
	answers "unix:$sock" || return 1
	got=$(stat -c '%a %U %G' "$sock")
	echo "socket: $got (want 660 $(id -un) $WEB_GROUP)"
	[ "$got" = "660 $(id -un) $WEB_GROUP" ] || rc=1
	stops "$LAST_PID" || rc=1
	[ ! -e "$sock" ] || { echo "the socket is left behind"; rc=1; }
	return $rc
}
deploy_check "--listen PATH: mode 0660, group www-data as root, served, removed at exit" default_socket

chosen_socket() {
	local sock=$W/chosen.sock got want rc=0 user=$(id -un) group=$(id -gn)
	if [ "$(id -u)" -eq 0 ]; then
		user=nobody group=$(id -gn nobody)
	fi
	want="600 $user $group"
	start_listen "$W/chosen.log" --listen "$sock" --socket-mode 600 \
		--socket-user "$user" --socket-group "$group"
	answers "unix:$sock" || return 1
	got=$(stat -c '%a %U %G' "$sock")
	echo "socket: $got (want $want)"
	[ "$got" = "$want" ] || rc=1
	stops "$LAST_PID" || rc=1
	return $rc
}
deploy_check "--socket-mode, --socket-user, --socket-group" chosen_socket

busy_and_stale() {
	local sock=$W/busy.sock first rc=0
	start_listen "$W/busy.log" --listen "$sock"
	first=$LAST_PID
	answers "unix:$sock" || return 1
	refused "another process listens on $sock" -- --listen "$sock" || rc=1
	# SIGKILL leaves the socket file; the next start replaces it.
	kill -KILL "$first"
	wait "$first" 2>/dev/null || true
	[ -S "$sock" ] || { echo "no stale socket to replace"; return 1; }
	start_listen "$W/busy.log" --listen "$sock"
	answers "unix:$sock" || rc=1
	stops "$LAST_PID" || rc=1
	: >"$W/plain-file"
	refused "$W/plain-file exists and is not a socket" -- --listen "$W/plain-file" || rc=1
	return $rc
}
deploy_check "--listen PATH: a live socket refused, a stale one replaced, a file refused" busy_and_stale

tcp_loopback() {
	local port rc=0 out
	port=$(stack_free_port)
	start_listen "$W/tcp.log" --listen ":$port"
	answers "127.0.0.1:$port" || return 1
	out=$(ss -Hltn "( sport = :$port )" | awk '{print $4}')
	echo "listening on: $out"
	[ "$out" = "127.0.0.1:$port" ] || rc=1
	# FCGI_WEB_SERVER_ADDRS was unset: only 127.0.0.1 is answered.
	out=$(FCGI_CLIENT_SOURCE=127.0.0.2 "$PY" "$CLIENT" "127.0.0.1:$port" GET /healthz || true)
	echo "from 127.0.0.2: ${out%%$'\n'*}"
	[[ $out == "NO ANSWER"* ]] || rc=1
	stops "$LAST_PID" || rc=1
	return $rc
}
deploy_check "--listen :PORT binds 127.0.0.1 only and answers only 127.0.0.1" tcp_loopback

tcp_listed_clients() {
	local port rc=0 out i
	port=$(stack_free_port)
	FCGI_WEB_SERVER_ADDRS=127.0.0.2 start_listen "$W/tcp2.log" --listen "127.0.0.1:$port"
	for ((i = 0; i < 50; i++)); do
		FCGI_CLIENT_SOURCE=127.0.0.2 "$PY" "$CLIENT" "127.0.0.1:$port" GET /healthz 2>/dev/null |
			grep -q '^Status: 200' && break
		sleep 0.1
	done
	[ "$i" -lt 50 ] || { echo "127.0.0.2 is not answered"; rc=1; }
	out=$("$PY" "$CLIENT" "127.0.0.1:$port" GET /healthz || true)
	echo "from 127.0.0.1: ${out%%$'\n'*}"
	[[ $out == "NO ANSWER"* ]] || rc=1
	stops "$LAST_PID" || rc=1
	return $rc
}
deploy_check "FCGI_WEB_SERVER_ADDRS, when set, is what decides" tcp_listed_clients

# A TCP socket handed over on fd 0 (spawn-fcgi -p, a systemd socket unit)
# gets the same default.
spawned_tcp() {
	local port rc=0 out
	port=$(stack_free_port)
	env -u FCGI_WEB_SERVER_ADDRS "$(stack_spawn_bin)" -n -a 127.0.0.1 -p "$port" -- "$BIN" \
		>>"$W/spawned.log" 2>&1 &
	LAST_PID=$!
	RESP_PIDS+=("$LAST_PID")
	answers "127.0.0.1:$port" || return 1
	out=$(FCGI_CLIENT_SOURCE=127.0.0.2 "$PY" "$CLIENT" "127.0.0.1:$port" GET /healthz || true)
	echo "from 127.0.0.2: ${out%%$'\n'*}"
	[[ $out == "NO ANSWER"* ]] || rc=1
	stops "$LAST_PID" || rc=1
	return $rc
}
deploy_check "a TCP socket from spawn-fcgi answers only 127.0.0.1 when FCGI_WEB_SERVER_ADDRS is unset" spawned_tcp

sighup() {
	local sock=$W/hup.sock rc=0 i
	start_listen "$W/hup.log" --listen "$sock"
	answers "unix:$sock" || return 1
	kill -HUP "$LAST_PID"
	# The log line says the signal was taken; then it must still answer.
	for ((i = 0; i < 50; i++)); do
		grep -q 'SIGHUP: still serving' "$W/hup.log" && break
		sleep 0.1
	done
	grep -q 'SIGHUP: still serving; settings are read at start only, so restart the responder to apply new ones' \
		"$W/hup.log" || { echo "no SIGHUP line"; rc=1; }
	answers "unix:$sock" || { echo "no answer after SIGHUP"; rc=1; }
	stops "$LAST_PID" || rc=1
	return $rc
}
deploy_check "SIGHUP: logged, the responder keeps serving, SIGTERM still stops it with 0" sighup

# --- long API keys with the shipped front configurations -----------------------------

key_of() { head -c 600 /dev/urandom | base64 -w0 | tr -dc 'A-Za-z0-9' | head -c "$1"; }
KEYS=() ; for n in 8 48 128 256; do KEYS+=("$(key_of "$n")"); done
KEY_LIST=$(IFS=,; echo "${KEYS[*]}")
export DEPLOY_CA

# each_key URL: every key is accepted and echoed; a wrong 256-character one is not.
each_key() {
	local url=$1 k code echo wrong
	for k in "${KEYS[@]}"; do
		echo=$(curl -s -o "$W/key.out" -D - --cacert "$DEPLOY_CA" -H "X-MIRROR-API-KEY: $k" \
			-H 'Content-Type: application/json' \
			-d '{"_type":"TestConnectionRequest","connectionDetails":{}}' "$url/api/connection" |
			tr -d '\r' | sed -n 's/^[Xx]-[Mm][Ii][Rr][Rr][Oo][Rr]-[Aa][Pp][Ii]-[Kk][Ee][Yy]: //p')
		code=$(head -c 100 "$W/key.out")
		[ "$code" = '{"status":"OK","_type":"TestConnectionResponse"}' ] && [ "$echo" = "$k" ] ||
			{ echo "key of ${#k}: body $code, echo ${echo:0:20}"; return 1; }
	done
	wrong=$(key_of 256)
	code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$DEPLOY_CA" -H "X-MIRROR-API-KEY: $wrong" \
		-d '{}' "$url/api/connection")
	[ "$code" = 401 ] || { echo "a wrong 256-character key got $code"; return 1; }
	echo "keys of 8, 48, 128, 256 characters accepted and echoed; a wrong one 401"
}

nginx_long_keys() {
	local rc=0
	STACK_DIR=$W/nginx STACK_PORT=$(stack_free_port) STACK_BIN_DIR=$BIN_DIR STACK_KEYS=$KEY_LIST \
		STACK_KEY_CHECK=on STACK_WORKERS=1 NV_VARIANT="" NV_BACKEND=responder
	nv_start || return 1
	DEPLOY_CA=$STACK_CA
	each_key "$STACK_URL" || rc=1
	stack_stop
	return $rc
}
deploy_check "nginx (shipped files): keys of 8, 48, 128 and 256 characters" nginx_long_keys

apache_long_keys() {
	local rc=0
	HTTPD_DIR=$W/apache HTTPD_PORT=$(stack_free_port) HTTPD_GATEWAY=fcgi HTTPD_KEYS=$KEY_LIST \
		HTTPD_KEY_CHECK=on HTTPD_BIN_DIR=$BIN_DIR HTTPD_ALLOW="" HTTPD_CLIENT_CA="" HTTPD_FCGI_SOCK=""
	httpd_start || return 1
	DEPLOY_CA=$HTTPD_CA
	each_key "$HTTPD_URL" || rc=1
	httpd_stop
	return $rc
}
deploy_check "Apache (shipped files): keys of 8, 48, 128 and 256 characters" apache_long_keys

deploy_check "no sanitizer report or crash in the responders' logs" \
	bash -c "! grep -rhsE --include='*.log' 'Sanitizer|runtime error|Segmentation' '$W'"
deploy_finish
