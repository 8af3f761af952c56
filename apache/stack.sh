# shellcheck shell=bash
# The HTTPD_* variables are this library's inputs and outputs:
# shellcheck disable=SC2034,SC2153
# apache/stack.sh: start and stop a private Apache httpd serving the mirror
# with the SHIPPED apache/*.conf files, in one of the two gateway modes:
#   fcgi  mod_proxy_fcgi to fcgi/mirror-fcgi (started here under spawn-fcgi
#         on a unix socket, unless HTTPD_FCGI_SOCK names a running one)
#   cgi   mod_cgid running cgi/mirror.cgi per request
# Everything lives in one run directory; the processes are children of the
# calling shell and are stopped by PID. Sourced by tests/apache/run.sh and
# bench/deployments.sh; it defines functions and variables only. It needs
# nginx/stack.sh's helpers (TLS, free ports, stopping by PID) and sources
# that file when the caller has not.
#
# Set before httpd_start (HTTPD_DIR and HTTPD_PORT are required):
#   HTTPD_DIR        run directory (created; becomes Apache's ServerRoot)
#   HTTPD_PORT       HTTPS port
#   HTTPD_GATEWAY    fcgi | cgi (default fcgi)
#   HTTPD_BIND       addresses to listen on (default "127.0.0.1 ::1"; ::1
#                    is skipped when the host has no IPv6 loopback)
#   HTTPD_KEYS       accepted API keys, comma-separated, primary first
#                    (default api_key)
#   HTTPD_KEY_CHECK  on|off (default on); also the responder's
#                    MIRROR_KEY_CHECK
#   HTTPD_PREFIXES   URL prefixes besides none, space-separated
#                    (default /stackstate)
#   HTTPD_TLS_DIR    a directory with ca.pem, server.pem, server.key (as
#                    nginx/stack.sh's stack_make_tls makes); default
#                    $HTTPD_DIR/tls, made when missing
#   HTTPD_ALLOW      turn on the client-address allowlist with these
#   HTTPD_CLIENT_CA  turn on TLS client certificates with this CA
#   HTTPD_FCGI_SOCK  fcgi mode: use this running responder's socket instead
#                    of starting one
#   HTTPD_THREADS    fcgi mode: the started responder's --threads (default 4)
#   HTTPD_BIN_DIR    tree holding fcgi/mirror-fcgi and cgi/mirror.cgi
#                    (default: this tree)
#   HTTPD_CONSOLE    on|off: the console switch of mirror-routes.conf
#                    (default on)
#   HTTPD_CONSOLE_DIR  the console's files (default: console/ of this tree)
# Set by httpd_start: HTTPD_PID (Apache's parent), HTTPD_RESP_PID (the
# responder it started, or empty), HTTPD_SOCK, HTTPD_CA, HTTPD_URL.

HTTPD_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
declare -F stack_kill >/dev/null || . "$HTTPD_SRC/nginx/stack.sh"
HTTPD_PID=""
HTTPD_RESP_PID=""
HTTPD_MODULE_DIR=${HTTPD_MODULE_DIR:-/usr/lib/apache2/modules}

httpd_say() { printf 'httpd: %s\n' "$*" >&2; }
httpd_die() { printf 'httpd: error: %s\n' "$*" >&2; return 1; }

httpd_bin() {
	command -v apache2 2>/dev/null || command -v httpd 2>/dev/null || echo /usr/sbin/apache2
}

# Replaces the value of "Define NAME ..." in FILE (exactly one such line).
httpd_set_define() {
	local file=$1 name=$2 value=$3
	[ "$(grep -c "^Define $name " "$file")" = 1 ] ||
		httpd_die "no single \"Define $name\" line in $file" || return 1
	HTTPD_VALUE=$value awk -v name="$name" '
		$1 == "Define" && $2 == name { print "Define " name " \"" ENVIRON["HTTPD_VALUE"] "\""; next }
		{ print }
	' "$file" >"$file.new" && mv "$file.new" "$file"
}

# The LoadModule lines a gateway mode needs (modules built in are skipped).
httpd_modules() {
	local gateway=$1 m builtin
	builtin=$("$(httpd_bin)" -l 2>/dev/null)
	local -a mods=(mpm_event authz_core authz_host ssl socache_shmcb headers rewrite
		alias env mime unique_id)
	case $gateway in
	fcgi) mods+=(proxy proxy_fcgi) ;;
	cgi) mods+=(cgid) ;;
	esac
	for m in "${mods[@]}"; do
		grep -q "mod_$m\.c" <<<"$builtin" && continue
		[ -f "$HTTPD_MODULE_DIR/mod_$m.so" ] ||
			httpd_die "$HTTPD_MODULE_DIR/mod_$m.so is missing (apt-get install apache2)" || return 1
		echo "LoadModule ${m}_module $HTTPD_MODULE_DIR/mod_$m.so"
	done
}

httpd_render() {
	local dir=$HTTPD_DIR keys=$HTTPD_KEYS k primary="" keylist="" p prefixes="" addr
	mkdir -p "$dir/mirror" "$dir/logs" "$dir/run" "$dir/htdocs"
	cp "$HTTPD_SRC"/apache/mirror-*.conf "$dir/mirror/"
	# Keys, prefixes and addresses end up inside Apache's configuration:
	# refuse anything that could change its meaning.
	IFS=, read -r -a HTTPD_KEY_LIST <<<"$keys"
	for k in "${HTTPD_KEY_LIST[@]}"; do
		k=${k// /}
		[ -n "$k" ] || continue
		stack_check_word "API key" "$k" '^[A-Za-z0-9._~+/=:@-]+$' || return 1
		[ -n "$primary" ] || primary=$k
		keylist+=${keylist:+,}$k
	done
	[ -n "$primary" ] || httpd_die "no API key given" || return 1
	case $HTTPD_KEY_CHECK in on | off) ;; *) httpd_die "the key check is on or off" || return 1 ;; esac
	case $HTTPD_CONSOLE in on | off) ;; *) httpd_die "the console is on or off" || return 1 ;; esac
	stack_check_word "console directory" "$HTTPD_CONSOLE_DIR" '^/[A-Za-z0-9._/+-]*$' || return 1
	for p in $HTTPD_PREFIXES; do
		stack_check_word "prefix" "$p" '^(/[A-Za-z0-9_~-]+)+$' || return 1
		prefixes+=${prefixes:+|}$p
	done
	# No prefix: a pattern that matches nothing (an empty Define is undefined).
	[ -n "$prefixes" ] || prefixes='(?!)'

	httpd_set_define "$dir/mirror/mirror-keys.conf" MIRROR_KEY_CHECK "$HTTPD_KEY_CHECK" &&
		httpd_set_define "$dir/mirror/mirror-keys.conf" MIRROR_KEY_PRIMARY "$primary" &&
		httpd_set_define "$dir/mirror/mirror-keys.conf" MIRROR_API_KEYS "$keylist" &&
		httpd_set_define "$dir/mirror/mirror-routes.conf" MIRROR_PREFIXES "$prefixes" &&
		httpd_set_define "$dir/mirror/mirror-routes.conf" MIRROR_GATEWAY "$HTTPD_GATEWAY" &&
		httpd_set_define "$dir/mirror/mirror-routes.conf" MIRROR_FCGI_SOCKET "$HTTPD_SOCK" &&
		httpd_set_define "$dir/mirror/mirror-routes.conf" MIRROR_CGI_PROGRAM "$HTTPD_CGI" &&
		httpd_set_define "$dir/mirror/mirror-routes.conf" MIRROR_CONSOLE "$HTTPD_CONSOLE" &&
		httpd_set_define "$dir/mirror/mirror-routes.conf" MIRROR_CONSOLE_DIR "$HTTPD_CONSOLE_DIR" ||
		return 1
	{
		echo "# Generated by apache/stack.sh for a private run; see apache/mirror-server.conf."
		for addr in $HTTPD_BIND; do
			case $addr in
			*:*)
				stack_have_ipv6_loopback || [ "$addr" != "::1" ] || continue
				echo "Listen [$addr]:$HTTPD_PORT https"
				;;
			*) echo "Listen $addr:$HTTPD_PORT https" ;;
			esac
		done
		echo "Define MIRROR_PORT $HTTPD_PORT"
		echo "Define MIRROR_SERVER_NAME localhost"
		echo "Define MIRROR_TLS_CERT $HTTPD_TLS_DIR/server.pem"
		echo "Define MIRROR_TLS_KEY $HTTPD_TLS_DIR/server.key"
		echo "Define MIRROR_ACCESS_LOG $dir/logs/access.log"
		echo "Define MIRROR_ERROR_LOG $dir/logs/error.log"
	} >"$dir/mirror/mirror-server.conf"
	# The guards: the same lines an operator would uncomment.
	for a in $HTTPD_ALLOW; do
		stack_check_word "address" "$a" '^[0-9A-Fa-f.:/]+$' || return 1
	done
	HTTPD_ALLOW_LIST=$HTTPD_ALLOW HTTPD_CA_FILE=${HTTPD_CLIENT_CA:-} awk '
		ENVIRON["HTTPD_ALLOW_LIST"] != "" && /^#Define MIRROR_ALLOW / {
			print "Define MIRROR_ALLOW \"" ENVIRON["HTTPD_ALLOW_LIST"] "\""; next
		}
		ENVIRON["HTTPD_CA_FILE"] != "" && /^#SSLCACertificateFile / {
			print "SSLCACertificateFile " ENVIRON["HTTPD_CA_FILE"]; next
		}
		ENVIRON["HTTPD_CA_FILE"] != "" && /^#(SSLVerify|Define MIRROR_CLIENT_CERT)/ { print substr($0, 2); next }
		{ print }
	' "$HTTPD_SRC/apache/mirror-guards.conf" >"$dir/mirror/mirror-guards.conf"
	HTTPD_MODULES_TEXT=$(httpd_modules "$HTTPD_GATEWAY") || return 1
	HTTPD_MODULES_TEXT=$HTTPD_MODULES_TEXT awk -v prefix="$dir" -v user="$HTTPD_USER" -v group="$HTTPD_GROUP" '
		/^@MODULES@$/ { print ENVIRON["HTTPD_MODULES_TEXT"]; next }
		{ gsub(/@PREFIX@/, prefix); gsub(/@USER@/, user); gsub(/@GROUP@/, group); print }
	' "$HTTPD_SRC/apache/httpd.conf.in" >"$dir/httpd.conf"
}

# Apache's children (and the responder it starts) run as nobody when this
# runs as root; Apache refuses to serve as root.
httpd_users() {
	HTTPD_USER=$(id -un) HTTPD_GROUP=$(id -gn)
	HTTPD_SPAWN_USER=()
	[ "$(id -u)" -eq 0 ] || return 0
	HTTPD_USER=nobody HTTPD_GROUP=$(id -gn nobody)
	HTTPD_SPAWN_USER=(-u nobody -g "$HTTPD_GROUP" -U nobody -G "$HTTPD_GROUP")
	runuser -u nobody -- test -x "$HTTPD_DIR" -a -x "$1" ||
		httpd_die "user nobody cannot reach $HTTPD_DIR or $1"
}

# Stops Apache (SIGTERM: the parent stops its children) and the responder
# it started (SIGTERM: requests in flight finish). HTTPD_RESP_STATUS is the
# responder's exit status.
httpd_stop() {
	stack_kill "$HTTPD_PID" TERM 15
	HTTPD_PID=""
	stack_kill "$HTTPD_RESP_PID" TERM 35
	HTTPD_RESP_STATUS=$STACK_KILL_STATUS
	[ -z "$HTTPD_RESP_PID" ] || rm -f "$HTTPD_SOCK"
	HTTPD_RESP_PID=""
}

httpd_wait_ready() {
	local i code
	for ((i = 0; i < 100; i++)); do
		if [ -n "$HTTPD_RESP_PID" ] && ! kill -0 "$HTTPD_RESP_PID" 2>/dev/null; then
			stack_tail "$HTTPD_DIR/responder.log"
			httpd_die "the responder exited; see $HTTPD_DIR/responder.log"
			return 1
		fi
		if ! kill -0 "$HTTPD_PID" 2>/dev/null; then
			stack_tail "$HTTPD_DIR/logs/stderr.log"
			stack_tail "$HTTPD_DIR/logs/error.log"
			httpd_die "Apache exited; see $HTTPD_DIR/logs/"
			return 1
		fi
		code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$HTTPD_CA" --max-time 2 \
			--resolve "localhost:$HTTPD_PORT:127.0.0.1" "https://localhost:$HTTPD_PORT/healthz" || true)
		[ "$code" = 000 ] || [ -z "$code" ] || return 0
		sleep 0.1
	done
	httpd_die "Apache does not answer on port $HTTPD_PORT"
}

httpd_start() {
	local apache bin
	: "${HTTPD_DIR:?}" "${HTTPD_PORT:?}"
	HTTPD_GATEWAY=${HTTPD_GATEWAY:-fcgi}
	HTTPD_BIND=${HTTPD_BIND:-127.0.0.1 ::1}
	HTTPD_KEYS=${HTTPD_KEYS:-api_key}
	HTTPD_KEY_CHECK=${HTTPD_KEY_CHECK:-on}
	HTTPD_PREFIXES=${HTTPD_PREFIXES-/stackstate}
	HTTPD_ALLOW=${HTTPD_ALLOW:-}
	HTTPD_CONSOLE=${HTTPD_CONSOLE:-on}
	HTTPD_CONSOLE_DIR=${HTTPD_CONSOLE_DIR:-$HTTPD_SRC/console}
	mkdir -p "$HTTPD_DIR"
	HTTPD_DIR=$(cd "$HTTPD_DIR" && pwd)
	chmod 755 "$HTTPD_DIR"
	stack_check_word "run directory" "$HTTPD_DIR" '^[A-Za-z0-9._/+-]+$' || return 1
	stack_check_word "port" "$HTTPD_PORT" '^[0-9]{1,5}$' || return 1
	HTTPD_TLS_DIR=${HTTPD_TLS_DIR:-$HTTPD_DIR/tls}
	stack_make_tls "$HTTPD_TLS_DIR" || return 1
	HTTPD_CA=$HTTPD_TLS_DIR/ca.pem
	HTTPD_CGI=${HTTPD_BIN_DIR:-$HTTPD_SRC}/cgi/mirror.cgi
	bin=${HTTPD_BIN_DIR:-$HTTPD_SRC}/fcgi/mirror-fcgi
	case $HTTPD_GATEWAY in
	fcgi)
		HTTPD_SOCK=${HTTPD_FCGI_SOCK:-$HTTPD_DIR/mirror-fcgi.sock}
		[ -n "${HTTPD_FCGI_SOCK:-}" ] || [ -x "$bin" ] || httpd_die "$bin is not built" || return 1
		httpd_users "$bin" || return 1
		;;
	cgi)
		HTTPD_SOCK=/nonexistent
		[ -x "$HTTPD_CGI" ] || httpd_die "$HTTPD_CGI is not built" || return 1
		httpd_users "$HTTPD_CGI" || return 1
		;;
	*) httpd_die "HTTPD_GATEWAY is fcgi or cgi, not \"$HTTPD_GATEWAY\"" || return 1 ;;
	esac
	apache=$(httpd_bin)
	httpd_render || return 1
	"$apache" -t -d "$HTTPD_DIR" -f "$HTTPD_DIR/httpd.conf" >"$HTTPD_DIR/logs/configtest.log" 2>&1 || {
		cat "$HTTPD_DIR/logs/configtest.log" >&2
		httpd_die "Apache rejects the generated configuration in $HTTPD_DIR"
		return 1
	}
	if [ "$HTTPD_GATEWAY" = fcgi ] && [ -z "${HTTPD_FCGI_SOCK:-}" ]; then
		rm -f "$HTTPD_SOCK"
		# -n: spawn-fcgi execs the responder in its own process ($!).
		env -u MIRROR_LISTEN MIRROR_API_KEY="$HTTPD_KEYS" MIRROR_KEY_CHECK="$HTTPD_KEY_CHECK" \
			"$(stack_spawn_bin)" -n -s "$HTTPD_SOCK" -M 0600 "${HTTPD_SPAWN_USER[@]}" -- \
			"$bin" --threads "${HTTPD_THREADS:-4}" >>"$HTTPD_DIR/responder.log" 2>&1 &
		HTTPD_RESP_PID=$!
	fi
	"$apache" -d "$HTTPD_DIR" -f "$HTTPD_DIR/httpd.conf" -DFOREGROUND \
		>>"$HTTPD_DIR/logs/stderr.log" 2>&1 &
	HTTPD_PID=$!
	HTTPD_URL=https://localhost:$HTTPD_PORT
	httpd_wait_ready || {
		httpd_stop
		return 1
	}
}
