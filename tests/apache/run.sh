#!/usr/bin/env bash
# End-to-end tests of the mirror behind Apache httpd 2.4 with the shipped
# apache/ configuration (tests/apache/test_apache.py has the checks).
#
# Starts, on free loopback ports, each with its own config root under one
# work directory, sharing one throwaway test CA:
#   nginx      the shipped nginx/ config + spawn-fcgi + mirror-fcgi (the
#              reference the Apache answers are compared with)
#   fcgi       Apache + mod_proxy_fcgi -> spawn-fcgi + mirror-fcgi
#   cgi        Apache + mod_cgid -> cgi/mirror.cgi
#   guarded    Apache + mod_cgid, key check off, TLS client certificates
#              and a 127.0.0.1-only allowlist (mirror-guards.conf), no
#              URL prefix
#   noconsole  Apache + mod_cgid with the stream console switched off
# Before that, apache2 -t must accept the shipped files as
# docs/DEPLOY-apache.md installs them (both gateways, and every guard on).
# After the Python tests, the fcgi responder is stopped to see Apache's
# own JSON 503, and every responder must exit 0 on SIGTERM.
#
# Needs: apache2, nginx, spawn-fcgi, curl, openssl, python3 (Debian 12).
# Usage: tests/apache/run.sh [test names, e.g. ApacheCgi Tls]
# MIRROR_E2E_BIN_DIR: tree with the built fcgi/ and cgi/ binaries (default
# this tree). MIRROR_DEPLOY_KEEP=1 keeps the work directory.
# Cleanups are registered as text and run at exit (deploy_on_exit):
# shellcheck disable=SC2016,SC2034
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN_DIR=$(cd "${MIRROR_E2E_BIN_DIR:-$TOP}" && pwd)

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=apache/stack.sh
. "$TOP/apache/stack.sh"
# shellcheck source=tests/deploy/lib.sh
. "$TOP/tests/deploy/lib.sh"

deploy_init apache
for f in "$BIN_DIR/fcgi/mirror-fcgi" "$BIN_DIR/cgi/mirror.cgi"; do
	[ -x "$f" ] || { echo "apache: $f is not built" >&2; exit 1; }
done
command -v "$(httpd_bin)" >/dev/null || { echo "apache: apache2 is missing (apt-get install apache2)" >&2; exit 1; }

TLS=$DEPLOY_WORK/tls
stack_make_tls "$TLS"

# --- the shipped files, as docs/DEPLOY-apache.md installs them -------------------
# Unedited but for mirror-server.conf's certificate and log paths, in a
# ServerRoot of their own with Debian's module files.
check_shipped() {
	local gateway=$1 guards=$2 d=$DEPLOY_WORK/shipped-$1-$2
	mkdir -p "$d/mirror" "$d/logs" "$d/run"
	cp "$TOP"/apache/mirror-*.conf "$d/mirror/"
	sed -i -e "s|/etc/ssl/mirror/fullchain.pem|$TLS/server.pem|" \
		-e "s|/etc/ssl/mirror/privkey.pem|$TLS/server.key|" \
		-e "s|/var/log/apache2/|$d/logs/|" "$d/mirror/mirror-server.conf"
	sed -i "s|^Define MIRROR_GATEWAY .*|Define MIRROR_GATEWAY $gateway|" "$d/mirror/mirror-routes.conf"
	if [ "$guards" = all-guards ]; then
		sed -i -e 's|^#\([A-Z]\)|\1|' -e "s|/etc/ssl/mirror/clients-ca.pem|$TLS/ca.pem|" \
			"$d/mirror/mirror-guards.conf"
	fi
	{
		httpd_modules "$gateway"
		echo "ServerRoot $d"
		echo "PidFile $d/run/httpd.pid"
		echo "DefaultRuntimeDir $d/run"
		echo "ErrorLog $d/logs/error.log"
		echo "SSLSessionCache shmcb:$d/run/ssl_scache(512000)"
		echo "Listen 127.0.0.1:443 https"
		echo "Include mirror/mirror-site.conf"
	} >"$d/httpd.conf"
	"$(httpd_bin)" -t -d "$d" -f "$d/httpd.conf" >"$d/configtest.log" 2>&1 || {
		cat "$d/configtest.log"
		return 1
	}
}
for gw in fcgi cgi; do
	for g in as-shipped all-guards; do
		deploy_check "apache2 -t accepts the shipped apache/ files ($gw, $g)" check_shipped "$gw" "$g"
	done
done

# --- the servers --------------------------------------------------------------------

STACK_DIR=$DEPLOY_WORK/nginx STACK_PORT=$(stack_free_port) STACK_BIN_DIR=$BIN_DIR
STACK_KEYS=api_key,rotated_key STACK_KEY_CHECK=on STACK_WORKERS=2
mkdir -p "$STACK_DIR" && cp -r "$TLS" "$STACK_DIR/tls"
stack_start
NGINX_PID=$STACK_NGINX_PID NGINX_FCGI=$STACK_FCGI_PID
deploy_on_exit 'stack_kill "$NGINX_PID" QUIT 10; stack_kill "$NGINX_FCGI" TERM 35'
export NGINX_URL=$STACK_URL

# apache_up NAME GATEWAY [VAR=VALUE...]: one Apache, its PIDs kept for exit.
declare -A AP_PID AP_RESP AP_URL AP_DIR
apache_up() {
	local name=$1 gateway=$2
	shift 2
	HTTPD_DIR=$DEPLOY_WORK/apache-$name HTTPD_PORT=$(stack_free_port) HTTPD_GATEWAY=$gateway \
		HTTPD_KEYS=api_key,rotated_key HTTPD_KEY_CHECK=on HTTPD_TLS_DIR=$TLS HTTPD_BIN_DIR=$BIN_DIR \
		HTTPD_ALLOW="" HTTPD_CLIENT_CA="" HTTPD_FCGI_SOCK="" HTTPD_CONSOLE=on HTTPD_CONSOLE_DIR=$TOP/console
	local kv
	for kv in "$@"; do
		eval "${kv%%=*}=\${kv#*=}"
	done
	httpd_start
	AP_PID[$name]=$HTTPD_PID AP_RESP[$name]=$HTTPD_RESP_PID
	AP_URL[$name]=$HTTPD_URL AP_DIR[$name]=$HTTPD_DIR
	deploy_on_exit "stack_kill ${AP_PID[$name]} TERM 15; stack_kill '${AP_RESP[$name]}' TERM 35"
}
apache_up fcgi fcgi
apache_up cgi cgi
apache_up guarded cgi HTTPD_KEY_CHECK=off HTTPD_ALLOW=127.0.0.1 HTTPD_CLIENT_CA="$TLS/ca.pem" HTTPD_PREFIXES=
apache_up noconsole cgi HTTPD_CONSOLE=off

export DEPLOY_CA=$TLS/ca.pem DEPLOY_TLS_DIR=$TLS DEPLOY_KEY=api_key DEPLOY_KEY2=rotated_key
export APACHE_FCGI_URL=${AP_URL[fcgi]} APACHE_FCGI_DIR=${AP_DIR[fcgi]}
export APACHE_CGI_URL=${AP_URL[cgi]} APACHE_CGI_DIR=${AP_DIR[cgi]}
export APACHE_GUARD_URL=${AP_URL[guarded]}
export APACHE_OFF_URL=${AP_URL[noconsole]} MIRROR_CONSOLE_DIR=$TOP/console
printf 'apache: nginx %s, Apache proxy_fcgi %s, Apache CGI %s, guarded %s; binaries from %s\n' \
	"$NGINX_URL" "$APACHE_FCGI_URL" "$APACHE_CGI_URL" "$APACHE_GUARD_URL" "$BIN_DIR"

deploy_python "$HERE/test_apache.py" "$@"

# --- the responder gone: Apache's own JSON 503 ----------------------------------------
printf '\napache: stopping the proxy_fcgi responder (pid %s) with SIGTERM\n' "${AP_RESP[fcgi]}"
stack_kill "${AP_RESP[fcgi]}" TERM 35
status=$STACK_KILL_STATUS
deploy_check "the proxy_fcgi responder exited 0 on SIGTERM (status $status)" [ "$status" -eq 0 ]
APACHE_PHASE=responder-down deploy_python "$HERE/test_apache.py"

stack_kill "$NGINX_FCGI" TERM 35
status=$STACK_KILL_STATUS
NGINX_FCGI=""
deploy_check "the nginx responder exited 0 on SIGTERM (status $status)" [ "$status" -eq 0 ]
for d in "${AP_DIR[@]}" "$STACK_DIR"; do
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$d"/*.log "$d"/logs/*.log 2>/dev/null; then
		deploy_fail "sanitizer report in $d"
	fi
done
deploy_check "no segfault or child crash in the Apache error logs" \
	bash -c "! grep -hE 'Segmentation|exit signal|AH00052' ${AP_DIR[*]/%//logs/error.log}"
deploy_finish
