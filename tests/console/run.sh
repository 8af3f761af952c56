#!/usr/bin/env bash
# The stream console (console/, docs/CONSOLE.md) in a real browser:
# Debian's headless Chromium driven by playwright-core (npm), against the
# real stack, with the shipped nginx configuration (nginx/stack.sh):
#   main     nginx + spawn-fcgi + mirror-fcgi, prefix /stackstate; the
#            sample store and a real Prometheus (tests/prometheus/lib.sh,
#            data.py's samples) on a free loopback port
#   off      the same with the console switched off
#   guarded  the same with TLS client certificates and a 127.0.0.1
#            allowlist (mirror-guards.conf)
# Then:
#   unit.test.mjs     the page's DOM-free modules, in Node
#   http.test.mjs     what nginx serves at /console/: types, headers,
#                     prefixes, the switch, the guards
#   browser.test.mjs  the wizard end to end in Chromium
# Screenshots go to tests/console/artifacts/ (or MIRROR_CONSOLE_ARTIFACTS);
# MIRROR_CONSOLE_DOC_SHOT=docs/console.png also writes the README's.
#
# Needs: chromium, libjs-dygraphs, nodejs + npm, prometheus, nginx,
# spawn-fcgi, curl, openssl, python3 (mirror.sh's package lists).
# Usage: tests/console/run.sh [node --test-name-pattern REGEX]
# MIRROR_E2E_BIN_DIR: tree holding the built fcgi/ (default: this one).
# MIRROR_DEPLOY_KEEP=1 keeps the work directory.
# Cleanups are registered as text and run at exit (deploy_on_exit); the
# STACK_* variables are nginx/stack.sh's inputs, URL_* set by printf -v:
# shellcheck disable=SC2016,SC2034,SC2154
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN_DIR=$(cd "${MIRROR_E2E_BIN_DIR:-$TOP}" && pwd)

# shellcheck source=../../nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=../deploy/lib.sh
. "$TOP/tests/deploy/lib.sh"
# shellcheck source=../prometheus/lib.sh
. "$TOP/tests/prometheus/lib.sh"

need() {
	[ -e "$1" ] || command -v "$1" >/dev/null 2>&1 || {
		echo "console: $1 is missing ($2)" >&2
		exit 1
	}
}
need /usr/bin/chromium "apt-get install chromium"
need /usr/share/javascript/dygraphs/dygraph.min.js "apt-get install libjs-dygraphs"
need node "apt-get install nodejs npm"
need npm "apt-get install nodejs npm"
need prometheus "apt-get install prometheus"
[ -x "$BIN_DIR/fcgi/mirror-fcgi" ] || { echo "console: $BIN_DIR/fcgi/mirror-fcgi is not built" >&2; exit 1; }

# playwright-core and pngjs, exactly as package-lock.json pins them; npm
# ci only when the lock file changed since the last install (playwright-core
# downloads no browser: it drives Debian's).
if [ ! -f "$HERE/node_modules/.package-lock.json" ] ||
	[ "$HERE/package-lock.json" -nt "$HERE/node_modules/.package-lock.json" ]; then
	echo "console: npm ci in tests/console"
	(cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error)
fi

deploy_init console
TLS=$DEPLOY_WORK/tls
stack_make_tls "$TLS"

stack_take_port PROM_PORT
stack_take_port DOWN_PORT

prom_load "$DEPLOY_WORK"
prom_start "$DEPLOY_WORK" "$PROM_PORT"
deploy_on_exit "stack_kill $PROM_PID TERM 30"

# The responder reads these (stack.sh passes its environment on): the
# test Prometheus, and a port where nothing listens (a FAILURE).
export MIRROR_STORE_ALLOW="http://127.0.0.1:$PROM_PORT,http://127.0.0.1:$DOWN_PORT"
export MIRROR_STORE_TIMEOUT_MS=3000 MIRROR_STORE_TIMEOUT_MAX_MS=3000

# stack_up NAME [VAR=VALUE...]: one nginx + responder; its PIDs are kept
# for the exit, its URL in URL_<NAME>.
stack_up() {
	local name=$1 kv
	shift
	stack_take_port STACK_PORT
	STACK_DIR=$DEPLOY_WORK/$name STACK_BIN_DIR=$BIN_DIR
	STACK_KEYS=api_key STACK_KEY_CHECK=on STACK_PREFIXES=/stackstate STACK_WORKERS=1
	STACK_ALLOW="" STACK_CLIENT_CA="" STACK_CONSOLE=on STACK_CONSOLE_DIR=$TOP/console
	for kv in "$@"; do
		eval "${kv%%=*}=\${kv#*=}"
	done
	mkdir -p "$STACK_DIR" && cp -r "$TLS" "$STACK_DIR/tls"
	stack_start
	deploy_on_exit "stack_kill $STACK_NGINX_PID QUIT 10; stack_kill $STACK_FCGI_PID TERM 35"
	printf -v "URL_$name" '%s' "$STACK_URL"
}
stack_up main
stack_up off STACK_CONSOLE=off
stack_up guarded STACK_CLIENT_CA="$TLS/ca.pem" STACK_ALLOW="127.0.0.1 ::1"

ARTIFACTS=${MIRROR_CONSOLE_ARTIFACTS:-$HERE/artifacts}
mkdir -p "$ARTIFACTS"
export CONSOLE_URL=$URL_main CONSOLE_OFF_URL=$URL_off CONSOLE_GUARD_URL=$URL_guarded
export CONSOLE_TLS_DIR=$TLS CONSOLE_KEY=api_key CONSOLE_DIR=$TOP/console
export CONSOLE_PROM_URL=http://127.0.0.1:$PROM_PORT CONSOLE_DOWN_URL=http://127.0.0.1:$DOWN_PORT
export CONSOLE_ARTIFACTS=$ARTIFACTS CONSOLE_DOC_SHOT=${MIRROR_CONSOLE_DOC_SHOT:+$(realpath -m "$MIRROR_CONSOLE_DOC_SHOT")}
# Chromium trusts the test server certificate (only it) by its key's hash.
CONSOLE_SPKI=$(openssl x509 -in "$TLS/server.pem" -pubkey -noout | openssl pkey -pubin -outform der |
	openssl dgst -sha256 -binary | base64)
export CONSOLE_SPKI
printf 'console: mirror %s (console off: %s, guarded: %s), Prometheus %s, screenshots in %s\n' \
	"$CONSOLE_URL" "$CONSOLE_OFF_URL" "$CONSOLE_GUARD_URL" "$CONSOLE_PROM_URL" "$ARTIFACTS"

pattern=()
[ $# -eq 0 ] || pattern=(--test-name-pattern "$1")
rc=0
(cd "$HERE" && node --experimental-detect-module --test --test-concurrency=1 --test-reporter=spec \
	"${pattern[@]}" unit.test.mjs http.test.mjs browser.test.mjs) || rc=$?
deploy_check "node --test: the unit, HTTP and browser tests (exit $rc)" [ "$rc" -eq 0 ]

for d in main off guarded; do
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$DEPLOY_WORK/$d/responder.log" 2>/dev/null; then
		deploy_fail "sanitizer report in $DEPLOY_WORK/$d/responder.log"
	fi
done
deploy_finish
