#!/usr/bin/env bash
# mirror.sh: run the StackState telemetry mirror locally, or test it.
#
#   ./mirror.sh run     install what is missing, build, and serve
#                       https://localhost:7007 (API key api_key) in the
#                       foreground; Ctrl-C stops everything it started
#   ./mirror.sh test    install, build, then unit tests, end-to-end tests,
#                       unit tests under valgrind and under ASan+UBSan;
#                       ends with "N passed, M failed"
#   ./mirror.sh stop    stop a `run` started from another terminal
#   ./mirror.sh build   install and build only
#
# Settings for `run` (environment):
#   MIRROR_PORT       HTTPS port (7007)
#   MIRROR_API_KEY    accepted keys, comma-separated, first one primary (api_key)
#   MIRROR_KEY_CHECK  on|off: nginx (and the responder) refuse requests
#                     without a valid X-MIRROR-API-KEY (on)
#   MIRROR_TLS_CERT, MIRROR_TLS_KEY   a real certificate; else a throwaway
#                     CA and localhost certificate are made in run/tls/
#   MIRROR_BIND       listen addresses ("127.0.0.1 ::1"); StackState in a
#                     container needs an address it can reach
#   MIRROR_PREFIXES   URL prefixes accepted besides none (/stackstate)
#   MIRROR_THREADS, MIRROR_MAX_BODY_BYTES, ... are passed to the responder.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
TOP=$(pwd)
RUN_DIR=$TOP/run
SAN_DIR=$TOP/build-san

BUILD_PKGS=(build-essential autoconf automake libtool pkg-config libfcgi-dev
	libjson-c-dev check libsubunit-dev libcurl4-openssl-dev)
RUN_PKGS=(spawn-fcgi curl openssl libjs-dygraphs)
TEST_PKGS=(valgrind python3 prometheus systemd man-db apache2 fcgiwrap iproute2 procps chromium
	graphite-carbon graphite-web python3-whisper gunicorn debhelper lintian logrotate)
# Commands the tests need, with the packages that bring them when missing
# (a node from elsewhere, with its own npm, is fine: tests/console).
TEST_TOOLS=("npm:nodejs npm")

say() { printf '==> %s\n' "$*"; }
die() {
	printf 'mirror.sh: %s\n' "$*" >&2
	exit 1
}

usage() {
	sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
}

# --- installing ------------------------------------------------------------

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

# Installs the Debian packages that are missing; fast when none is.
ensure_packages() {
	local -a want=("$@") missing=() sudo=()
	local p
	command -v dpkg-query >/dev/null || {
		say "not a Debian system: make sure these are installed: ${want[*]} nginx"
		return 0
	}
	for p in "${want[@]}"; do
		installed "$p" || missing+=("$p")
	done
	command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
	[ "${#missing[@]}" -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || die "missing packages (${missing[*]}); install them as root"
		sudo=(sudo)
	fi
	say "installing ${missing[*]} (services neither started nor enabled)"
	"${sudo[@]}" bash "$TOP/tests/system/install.sh" "${missing[@]}"
}

# Installs the packages of each "command:packages" row whose command is
# missing.
ensure_tools() {
	local row
	for row in "$@"; do
		command -v "${row%%:*}" >/dev/null && continue
		# shellcheck disable=SC2086
		ensure_packages ${row#*:}
	done
}

# --- building --------------------------------------------------------------

# autoreconf, configure and make in DIR, each only when out of date.
build_in() {
	local dir=$1
	shift
	(
		cd "$dir"
		if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt configure ]; then
			say "autoreconf in $dir"
			autoreconf -fi
		fi
		if [ ! -f config.status ] || [ configure -nt config.status ]; then
			say "configure $* in $dir"
			./configure -q "$@"
		fi
		make -j"$(nproc)"
	)
}

build() {
	ensure_packages "${BUILD_PKGS[@]}" "${RUN_PKGS[@]}"
	build_in "$TOP"
}

# The sanitizer build needs its own copy of the sources: automake refuses
# an out-of-tree build of a tree that is itself configured. The copy keeps
# file times, so make only rebuilds what changed.
sanitizer_tree() {
	mkdir -p "$SAN_DIR/src"
	if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$TOP" ls-files -z --cached --others --exclude-standard |
			grep -zv -e '^build-san/' -e '^run/' |
			tar -C "$TOP" --null --ignore-failed-read -T - -cf - | tar -C "$SAN_DIR/src" -xf -
	else
		tar -C "$TOP" --exclude=./build-san --exclude=./run --exclude=./.git -cf - . |
			tar -C "$SAN_DIR/src" -xf -
		[ ! -f "$SAN_DIR/src/Makefile" ] || make -C "$SAN_DIR/src" -s distclean
	fi
}

# --- running -----------------------------------------------------------------

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=tests/system/lib.sh
. "$TOP/tests/system/lib.sh"

stop_stack() {
	trap - INT TERM EXIT
	say "stopping nginx (pid ${STACK_NGINX_PID:-none}) and the responder (pid ${STACK_FCGI_PID:-none})"
	stack_stop
	rm -f "$RUN_DIR/mirror.pid"
}

cmd_run() {
	local status=0
	build
	if [ -f "$RUN_DIR/mirror.pid" ] && kill -0 "$(cat "$RUN_DIR/mirror.pid")" 2>/dev/null; then
		die "already running (pid $(cat "$RUN_DIR/mirror.pid")); use ./mirror.sh stop"
	fi
	STACK_DIR=$RUN_DIR
	STACK_PORT=${MIRROR_PORT:-7007}
	STACK_KEYS=${MIRROR_API_KEY:-api_key}
	STACK_KEY_CHECK=${MIRROR_KEY_CHECK:-on}
	STACK_BIND=${MIRROR_BIND:-127.0.0.1 ::1}
	STACK_PREFIXES=${MIRROR_PREFIXES-/stackstate}
	STACK_TLS_CERT=${MIRROR_TLS_CERT:-}
	STACK_TLS_KEY=${MIRROR_TLS_KEY:-}
	trap stop_stack EXIT
	trap 'exit 0' INT TERM
	stack_start || die "could not start; logs are in $RUN_DIR"
	echo $$ >"$RUN_DIR/mirror.pid"

	local key=${STACK_KEYS%%,*} cacert="--cacert run/tls/ca.pem "
	local trust=$'\n    (a browser trusts the throwaway certificate once run/tls/ca.pem is imported, or its warning accepted)'
	[ -n "$STACK_CA" ] || cacert="" trust=""
	cat <<EOF

The mirror is up: $STACK_URL  (API key: $key, key check: $STACK_KEY_CHECK)
  responder  fcgi/mirror-fcgi, pid $STACK_FCGI_PID, socket $STACK_SOCK, log run/responder.log
  nginx      pid $STACK_NGINX_PID, config run/nginx/conf/, logs run/nginx/logs/
Try:
  curl ${cacert}-H 'X-MIRROR-API-KEY: $key' -d '{"_type":"TestConnectionRequest","connectionDetails":{}}' $STACK_URL/api/connection
  or the stream console in a browser: $STACK_URL/console/  (type the API key $key there)$trust
Ctrl-C (or ./mirror.sh stop) stops both.
EOF
	# Returns when either process exits, or when a signal runs the trap.
	wait -n "$STACK_FCGI_PID" "$STACK_NGINX_PID" || status=$?
	kill -0 "$STACK_FCGI_PID" 2>/dev/null || say "the responder exited; see run/responder.log"
	kill -0 "$STACK_NGINX_PID" 2>/dev/null || say "nginx exited; see run/nginx/logs/error.log"
	exit "$((status == 0 ? 1 : status))"
}

cmd_stop() {
	local pid i
	[ -f "$RUN_DIR/mirror.pid" ] || die "not running (no run/mirror.pid)"
	pid=$(cat "$RUN_DIR/mirror.pid")
	# Only signal the pid if it still is a mirror.sh of this tree.
	grep -qa mirror.sh "/proc/$pid/cmdline" 2>/dev/null || {
		rm -f "$RUN_DIR/mirror.pid"
		die "not running (stale run/mirror.pid)"
	}
	kill -TERM "$pid"
	for ((i = 0; i < 400; i++)); do
		kill -0 "$pid" 2>/dev/null || {
			say "stopped"
			return 0
		}
		sleep 0.1
	done
	die "pid $pid did not stop within 40 s"
}

# --- testing -------------------------------------------------------------

PASSED=0
FAILED=0
RESULTS=()

# Runs one suite (a named command); records PASS or FAIL.
suite() {
	local name=$1 rc=0
	shift
	printf '\n==> suite: %s\n' "$name"
	"$@" || rc=$?
	if [ "$rc" -eq 0 ]; then
		PASSED=$((PASSED + 1))
		RESULTS+=("PASS  $name")
	else
		FAILED=$((FAILED + 1))
		RESULTS+=("FAIL  $name (exit $rc)")
	fi
	return 0
}

skip_failed() {
	FAILED=$((FAILED + 1))
	RESULTS+=("FAIL  $1 (not run: $2)")
}

unit_tests() {
	make -j"$(nproc)" check || {
		cat tests/test-suite.log 2>/dev/null || true
		return 1
	}
}

valgrind_tests() {
	CK_FORK=no valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --error-exitcode=1 tests/check_mirror
}

sanitizer_build() {
	sanitizer_tree && build_in "$SAN_DIR/src" --enable-sanitizers
}

sanitizer_tests() {
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		make -C "$SAN_DIR/src" -j"$(nproc)" check || {
		cat "$SAN_DIR/src/tests/test-suite.log" 2>/dev/null || true
		return 1
	}
}

# The suites that drive real servers; $1 names the build, $2 its top
# directory (MIRROR_E2E_BIN_DIR: where the runners find the binaries).
# The suites that drive real servers, as "name|runner" rows; each runner
# finds the binaries in MIRROR_E2E_BIN_DIR.
INTEGRATION=(
	"nginx + FastCGI + CGI|tests/e2e/run.sh"
	"Prometheus backend against a real Prometheus|tests/prometheus/run.sh"
	"Graphite store against carbon-cache + graphite-web|tests/graphite/run.sh"
	"bulkhead: hanging and dropped-packet stores beside healthy traffic|tests/bulkhead/run.sh"
	"Apache: mod_proxy_fcgi and mod_cgid|tests/apache/run.sh"
	"nginx + fcgiwrap running the CGI binary|tests/cgi_nginx/run.sh"
	"nginx fastcgi_cache in front of the responder|tests/cache/run.sh"
	"responder pool: failover on SIGKILL, graceful SIGTERM|tests/pool/run.sh"
	"Prometheus scraping each responder of a pool|tests/monitoring/run.sh"
	"stream console in Chromium: nginx, sample store, Prometheus|tests/console/run.sh"
)

# $1 names the build, $2 its top directory.
integration_suites() {
	local label=$1 dir=$2 row
	for row in "${INTEGRATION[@]}"; do
		suite "end-to-end: ${row%%|*}$label" \
			env MIRROR_E2E_BIN_DIR="$dir" bash "${row#*|}"
	done
}

skip_integration() {
	local row
	for row in "${INTEGRATION[@]}"; do
		skip_failed "end-to-end: ${row%%|*}$1" "$2"
	done
}

# The state sys_snapshot took before the tests against the state now:
# a socket listening now that was not before, a unit enabled or disabled,
# a file of /etc added, removed or changed. (Sockets that went away
# belong to someone else.)
machine_as_found() {
	local before=$1 after rc=0
	after=$(mktemp)
	sys_snapshot "$after"
	if sed -n '/^## listening/,/^## /p' "$after" | grep -v '^## ' |
		grep -vxF -f <(sed -n '/^## listening/,/^## /p' "$before") | sed 's/^/  now listening: /' | grep .; then
		rc=1
	fi
	if ! diff <(sed -n '/^## enabled units/,$p' "$before") <(sed -n '/^## enabled units/,$p' "$after"); then
		rc=1
	fi
	rm -f "$after"
	return "$rc"
}

cmd_test() {
	local r built=0 before
	ensure_packages "${BUILD_PKGS[@]}" "${RUN_PKGS[@]}" "${TEST_PKGS[@]}"
	ensure_tools "${TEST_TOOLS[@]}"
	before=$(mktemp)
	sys_snapshot "$before"
	suite "build" build_in "$TOP" && [ "$FAILED" -eq 0 ] && built=1
	if [ "$built" -eq 1 ]; then
		suite "unit tests (make check)" unit_tests
		integration_suites "" "$TOP"
		suite "unit tests under valgrind" valgrind_tests
		suite "make install and the systemd units" bash tests/service/run.sh
		suite "README and DEPLOY recipes, followed literally" bash tests/recipes/run.sh
	else
		skip_failed "unit tests (make check)" "the build failed"
		skip_integration "" "the build failed"
		skip_failed "unit tests under valgrind" "the build failed"
		skip_failed "make install and the systemd units" "the build failed"
		skip_failed "README and DEPLOY recipes, followed literally" "the build failed"
	fi
	suite "Debian package: build, lintian, layout (CI: install, serve, purge)" bash tests/package/run.sh
	suite "ASan+UBSan build (build-san/)" sanitizer_build
	if [ "${RESULTS[-1]:0:4}" = PASS ]; then
		suite "unit tests under ASan+UBSan" sanitizer_tests
		integration_suites " (ASan+UBSan)" "$SAN_DIR/src"
	else
		skip_failed "unit tests under ASan+UBSan" "the sanitizer build failed"
		skip_integration " (ASan+UBSan)" "the sanitizer build failed"
	fi
	suite "the machine as found: nothing listening, enabled or changed in /etc" \
		machine_as_found "$before"
	rm -f "$before"
	printf '\n==> summary\n'
	for r in "${RESULTS[@]}"; do
		printf '  %s\n' "$r"
	done
	printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
	[ "$FAILED" -eq 0 ]
}

case ${1:-} in
run) cmd_run ;;
stop) cmd_stop ;;
test) cmd_test ;;
build) build ;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac
