#!/usr/bin/env bash
# End-to-end tests: the real responder under spawn-fcgi behind nginx with
# the shipped configuration (nginx/*.conf, rendered by nginx/stack.sh),
# plus the CGI binary run as a CGI program. Python 3 standard library only.
#
# Two stacks on free loopback ports, each with a fresh test CA:
#   main     key check on, keys "api_key,rotated_key", prefix /stackstate
#   guarded  key check off, TLS client certificates and a 127.0.0.1-only
#            allowlist on (the alternatives mirror-guards.conf offers)
# Then the main responder is stopped to see nginx's own 502, and both
# responders must have exited cleanly on SIGTERM.
#
# Usage: tests/e2e/run.sh [unittest arguments, e.g. -k Aggregation]
# MIRROR_E2E_BIN_DIR: tree holding the built fcgi/ and cgi/ binaries
# (default: this tree; mirror.sh test points it at build-san/src).
# MIRROR_E2E_KEEP=1 keeps the run directory for inspection.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN_DIR=$(cd "${MIRROR_E2E_BIN_DIR:-$TOP}" && pwd)
PY=${PYTHON:-python3}

# shellcheck source=../../nginx/stack.sh
. "$TOP/nginx/stack.sh"

for f in "$BIN_DIR/fcgi/mirror-fcgi" "$BIN_DIR/cgi/mirror.cgi"; do
	[ -x "$f" ] || {
		echo "e2e: $f is not built" >&2
		exit 1
	}
done

WORK=$(mktemp -d /tmp/mirror-e2e.XXXXXX)
chmod 755 "$WORK"  # nginx workers run as nobody when started as root
MAIN_NGINX="" MAIN_FCGI="" GUARD_NGINX="" GUARD_FCGI=""
FAILED=0

cleanup() {
	local rc=$?
	STACK_SOCK=""
	stack_kill "$GUARD_NGINX" QUIT 10
	stack_kill "$GUARD_FCGI" TERM 35
	stack_kill "$MAIN_NGINX" QUIT 10
	stack_kill "$MAIN_FCGI" TERM 35
	if [ "${MIRROR_E2E_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
		echo "e2e: run directory kept: $WORK" >&2
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts one stack in $WORK/$1 and exports what the Python side needs
# as E2E_<NAME>_* variables.
start() {
	local name=$1 upper
	upper=$(printf '%s' "$name" | tr '[:lower:]' '[:upper:]')
	STACK_DIR=$WORK/$name
	STACK_PORT=$(stack_free_port)
	STACK_BIN_DIR=$BIN_DIR
	STACK_WORKERS=2
	stack_start
	export "E2E_${upper}_URL=$STACK_URL" "E2E_${upper}_PORT=$STACK_PORT" \
		"E2E_${upper}_DIR=$STACK_DIR"
}

# The main stack: the key check on, two keys (a rotation in progress).
STACK_KEYS=api_key,rotated_key STACK_KEY_CHECK=on STACK_PREFIXES=/stackstate \
	STACK_ALLOW="" STACK_CLIENT_CA=""
start main
MAIN_NGINX=$STACK_NGINX_PID MAIN_FCGI=$STACK_FCGI_PID
MAIN_SOCK=$STACK_SOCK
export E2E_CA=$STACK_CA E2E_TLS_DIR=$STACK_DIR/tls

# The guarded stack: no key check, but client certificates and an
# allowlist; it reuses the main stack's test CA for the client certificate.
mkdir -p "$WORK/guarded"
cp -r "$WORK/main/tls" "$WORK/guarded/tls"
STACK_KEYS=api_key STACK_KEY_CHECK=off STACK_PREFIXES="" STACK_ALLOW=127.0.0.1 \
	STACK_CLIENT_CA=$WORK/guarded/tls/ca.pem
start guarded
GUARD_NGINX=$STACK_NGINX_PID GUARD_FCGI=$STACK_FCGI_PID

export E2E_CGI=$BIN_DIR/cgi/mirror.cgi E2E_KEY=api_key E2E_KEY2=rotated_key
printf 'e2e: main %s, guarded %s, binaries from %s\n' "$E2E_MAIN_URL" "$E2E_GUARDED_URL" "$BIN_DIR"

"$PY" "$HERE/test_mirror.py" "$@" || FAILED=1

# nginx's own 502 when the responder is gone, then a clean stop.
printf '\ne2e: stopping the main responder (pid %s) with SIGTERM\n' "$MAIN_FCGI"
stack_kill "$MAIN_FCGI" TERM 35
main_status=$STACK_KILL_STATUS
MAIN_FCGI=""
rm -f "$MAIN_SOCK"
E2E_PHASE=responder-down "$PY" "$HERE/test_mirror.py" ResponderDown || FAILED=1
stack_kill "$GUARD_FCGI" TERM 35
guard_status=$STACK_KILL_STATUS
GUARD_FCGI=""

check_log() {
	local log=$1
	if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: .*Sanitizer' "$log"; then
		echo "e2e: FAIL sanitizer report in $log:" >&2
		grep -E -A20 'ERROR: |runtime error:' "$log" | head -60 >&2
		return 1
	fi
}
for pair in "main:$main_status" "guarded:$guard_status"; do
	name=${pair%%:*} status=${pair#*:}
	if [ "$status" -eq 0 ]; then
		echo "e2e: PASS $name responder exited 0 on SIGTERM"
	else
		echo "e2e: FAIL $name responder exited with status $status on SIGTERM" >&2
		FAILED=1
	fi
	check_log "$WORK/$name/responder.log" || FAILED=1
done

if [ "$FAILED" -ne 0 ]; then
	echo "e2e: FAILED (logs in $WORK)" >&2
	exit 1
fi
echo "e2e: all passed"
