# shellcheck shell=bash
# The STACK_* variables are this library's inputs and outputs, read and
# set by the scripts that source it:
# shellcheck disable=SC2034,SC2153
# nginx/stack.sh: start and stop a private mirror stack, i.e. the FastCGI
# responder under spawn-fcgi on a unix socket and nginx in front of it,
# configured from the SHIPPED files of this directory. Everything lives in
# one run directory; both processes are children of the calling shell and
# are stopped by PID. Sourced by mirror.sh, tests/e2e/run.sh and
# bench/run.sh; it defines functions and variables only.
#
# Set before stack_start (only STACK_DIR and STACK_PORT are required):
#   STACK_DIR        run directory (created; absolute or relative)
#   STACK_PORT       HTTPS port
#   STACK_BIND       addresses to listen on (default "127.0.0.1 ::1"; ::1
#                    is skipped when the host has no IPv6 loopback)
#   STACK_KEYS       accepted API keys, comma-separated; the first is the
#                    primary (default "api_key", the tutorial's)
#   STACK_KEY_CHECK  on|off: the switch of mirror-keys.conf, also given to
#                    the responder as MIRROR_KEY_CHECK (default on)
#   STACK_PREFIXES   URL prefixes accepted besides none (default /stackstate)
#   STACK_TLS_CERT, STACK_TLS_KEY   a real certificate and key; without
#                    them a test CA and a localhost certificate are made in
#                    $STACK_DIR/tls (ca.pem, server.pem, client.pem, ...)
#   STACK_CLIENT_CA  turn on ssl_verify_client (mirror-guards.conf) with it
#   STACK_ALLOW      turn on the allowlist with these addresses/CIDRs
#   STACK_WORKERS    nginx worker_processes (default auto)
#   STACK_BIN_DIR    where fcgi/mirror-fcgi is built (default: the tree)
#   STACK_CONSOLE    on|off: the console switch of mirror-routes.conf
#                    (default on)
#   STACK_CONSOLE_DIR  the console's files (default: console/ of the tree)
# Set by stack_start: STACK_FCGI_PID, STACK_NGINX_PID, STACK_CA (the CA
# file clients should trust, empty for a real certificate), STACK_URL.

STACK_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_FCGI_PID=""
STACK_NGINX_PID=""
STACK_CA=""
STACK_URL=""

stack_say() { printf 'stack: %s\n' "$*" >&2; }
stack_die() { printf 'stack: error: %s\n' "$*" >&2; return 1; }

# Shows the last lines of a log that explains a failure.
stack_tail() {
	[ -s "$1" ] || return 0
	printf 'stack: last lines of %s:\n' "$1" >&2
	tail -n 15 "$1" | sed 's/^/    /' >&2
}

stack_nginx_bin() {
	command -v nginx 2>/dev/null || echo /usr/sbin/nginx
}

stack_spawn_bin() {
	command -v spawn-fcgi 2>/dev/null || echo /usr/bin/spawn-fcgi
}

# Prints a TCP port free on 127.0.0.1 (and ::1) at this moment.
stack_free_port() {
	python3 - <<'EOF'
import errno, socket
for _ in range(50):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    try:
        s6 = socket.socket(socket.AF_INET6)
        s6.bind(("::1", port))
        s6.close()
    except OSError as e:
        if e.errno == errno.EADDRINUSE:
            s.close()
            continue
        # no IPv6 (loopback): 127.0.0.1 alone decides
    s.close()
    print(port)
    break
EOF
}

# stack_take_port VAR: sets VAR to a free loopback port that no earlier
# stack_take_port of this shell handed out. A port found free stays
# unbound until its server starts, so ports asked for in a row could
# repeat; the ones handed out are remembered in this shell, which is why
# it sets a variable rather than printing (a $(...) subshell would forget).
declare -gA STACK_PORTS_TAKEN=()
stack_take_port() {
	local p
	while :; do
		p=$(stack_free_port)
		[ -z "${STACK_PORTS_TAKEN[$p]:-}" ] && break
	done
	STACK_PORTS_TAKEN[$p]=1
	printf -v "$1" '%s' "$p"
}

stack_have_ipv6_loopback() {
	[ -r /proc/net/if_inet6 ] && grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6
}

# Keys, prefixes and addresses end up inside nginx's configuration:
# refuse anything that could change its meaning.
stack_check_word() {
	local what=$1 value=$2 re=$3
	[[ $value =~ $re ]] || stack_die "$what \"$value\" has characters the nginx configuration cannot carry"
}

# Replaces the lines inside the block "KIND ... NAME {" ... "}" of FILE
# with BODY (the block's first line and its closing brace stay).
stack_set_block() {
	local file=$1 kind=$2 name=$3 body=$4
	STACK_BODY=$body awk -v kind="$kind" -v name="$name" '
		skip && /^}/ { skip = 0 }
		skip { next }
		{ print }
		$1 == kind && $(NF - 1) == name && $NF == "{" {
			print ENVIRON["STACK_BODY"]; skip = 1; found++
		}
		END { if (found != 1) exit 3 }
	' "$file" >"$file.new" || stack_die "cannot find \"$kind ... $name {\" in $file" || return 1
	mv "$file.new" "$file"
}

# The workers' user: when run as root, nginx's workers and the responder
# drop to nobody if nobody can reach the run directory and the binary.
stack_users() {
	local bin=$1 group
	STACK_USER_LINE="# not started as root: the workers keep the caller's user"
	STACK_SPAWN_USER=()
	[ "$(id -u)" -eq 0 ] || return 0
	group=$(id -gn nobody 2>/dev/null || true)
	if [ -n "$group" ] && command -v runuser >/dev/null &&
		runuser -u nobody -- test -x "$STACK_DIR" -a -x "$bin"; then
		STACK_USER_LINE="user nobody $group;"
		STACK_SPAWN_USER=(-u nobody -g "$group" -U nobody -G "$group")
	else
		STACK_USER_LINE="user root;  # nobody cannot reach $STACK_DIR"
		stack_say "nobody cannot reach $STACK_DIR or $bin: workers run as root"
	fi
}

# Makes a throwaway CA, a server certificate for localhost/127.0.0.1/::1
# and a client certificate (for ssl_verify_client) in DIR, unless present.
stack_make_tls() {
	local dir=$1
	[ -s "$dir/server.pem" ] && [ -s "$dir/client.pem" ] && return 0
	mkdir -p "$dir"
	(
		set -e
		cd "$dir"
		umask 077
		local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
		openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 30 \
			-subj "/CN=mirror throwaway test CA" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
		openssl req "${ec[@]}" -keyout server.key -out server.csr \
			-subj "/CN=localhost" 2>/dev/null
		printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
			"extendedKeyUsage=serverAuth" \
			"subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" >server.ext
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 30 -extfile server.ext -out server.pem 2>/dev/null
		openssl req "${ec[@]}" -keyout client.key -out client.csr \
			-subj "/CN=stackstate test client" 2>/dev/null
		printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
			"extendedKeyUsage=clientAuth" >client.ext
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 30 -extfile client.ext -out client.pem 2>/dev/null
		rm -f ./*.csr ./*.ext ca.srl
		chmod 644 ./*.pem
	) || stack_die "openssl could not make the test certificates in $dir"
}

stack_render_keys() {
	local file=$1 check=$2 keys=$3 k body='    default  "";' primary=""
	local -a list
	IFS=, read -r -a list <<<"$keys"
	for k in "${list[@]}"; do
		k=${k// /}
		[ -n "$k" ] || continue
		stack_check_word "API key" "$k" '^[A-Za-z0-9._~+/=:@-]+$' || return 1
		[ -n "$primary" ] || primary=$k
		body+=$'\n'"    \"$k\"  \"$k\";"
	done
	[ -n "$primary" ] || stack_die "no API key given" || return 1
	case $check in on | off) ;; *) stack_die "the key check is on or off, not \"$check\"" || return 1 ;; esac
	stack_set_block "$file" map "\$mirror_key_check" "    default  $check;" &&
		stack_set_block "$file" map "\$mirror_key_primary" "    default  \"$primary\";" &&
		stack_set_block "$file" map "\$mirror_key_match" "$body"
}

stack_render_routes() {
	local file=$1 sock=$2 p body=$'    default  0;\n    ""  1;'
	for p in $STACK_PREFIXES; do
		stack_check_word "prefix" "$p" '^(/[A-Za-z0-9._~-]+)+$' || return 1
		body+=$'\n'"    \"$p\"  1;"
	done
	STACK_CONSOLE=${STACK_CONSOLE:-on}
	STACK_CONSOLE_DIR=${STACK_CONSOLE_DIR:-$STACK_SRC/console}
	case $STACK_CONSOLE in on | off) ;; *) stack_die "the console is on or off, not \"$STACK_CONSOLE\"" || return 1 ;; esac
	stack_check_word "console directory" "$STACK_CONSOLE_DIR" '^/[A-Za-z0-9._/+-]*$' || return 1
	stack_set_block "$file" map "\$mirror_prefix_ok" "$body" &&
		stack_set_block "$file" upstream mirror_fcgi "    server unix:$sock;" &&
		stack_set_block "$file" map "\$mirror_console" "    default  $STACK_CONSOLE;" &&
		stack_set_block "$file" map "\$mirror_console_dir" "    default  $STACK_CONSOLE_DIR;"
}

stack_render_server() {
	local file=$1 addr
	{
		echo "# Generated by nginx/stack.sh for a private run; see nginx/mirror-server.conf."
		for addr in $STACK_BIND; do
			case $addr in
			*:*)
				stack_have_ipv6_loopback || [ "$addr" != "::1" ] || continue
				echo "listen [$addr]:$STACK_PORT ssl;"
				;;
			*) echo "listen $addr:$STACK_PORT ssl;" ;;
			esac
		done
		echo "server_name localhost;"
		echo "ssl_certificate $STACK_CERT;"
		echo "ssl_certificate_key $STACK_KEY;"
		echo "access_log $STACK_DIR/nginx/logs/access.log mirror_access;"
		echo "error_log $STACK_DIR/nginx/logs/error.log warn;"
	} >"$file"
}

# The shipped guards, with the allowlist and/or client certificates
# switched on when asked (the same lines an operator would uncomment).
stack_render_guards() {
	local file=$1 a allow=""
	for a in $STACK_ALLOW; do
		stack_check_word "address" "$a" '^[0-9A-Fa-f.:/]+$' || return 1
		allow+="allow  $a;"$'\n'
	done
	STACK_ALLOW_LINES=$allow STACK_CLIENT_CA=${STACK_CLIENT_CA:-} awk '
		ENVIRON["STACK_ALLOW_LINES"] != "" && /^#allow / { next }
		ENVIRON["STACK_ALLOW_LINES"] != "" && /^#deny / {
			printf "%s", ENVIRON["STACK_ALLOW_LINES"]; print "deny   all;"; next
		}
		ENVIRON["STACK_CLIENT_CA"] != "" && /^#ssl_client_certificate / {
			print "ssl_client_certificate  " ENVIRON["STACK_CLIENT_CA"] ";"; next
		}
		ENVIRON["STACK_CLIENT_CA"] != "" && /^#ssl_verify_/ { print substr($0, 2); next }
		{ print }
	' "$STACK_SRC/nginx/mirror-guards.conf" >"$file"
}

stack_render() {
	local conf=$STACK_DIR/nginx/conf prefix=$STACK_DIR/nginx
	mkdir -p "$conf/mirror" "$conf/extra" "$prefix/logs" "$prefix/tmp"
	cp "$STACK_SRC/nginx/mirror-site.conf" "$STACK_SRC/nginx/mirror-fastcgi.conf" \
		"$STACK_SRC/nginx/mirror-keys.conf" "$STACK_SRC/nginx/mirror-routes.conf" "$conf/mirror/"
	if [ -r /etc/nginx/fastcgi_params ]; then
		cp /etc/nginx/fastcgi_params "$conf/fastcgi_params"
	else
		cp "$(dirname "$(stack_nginx_bin)")/../share/nginx/fastcgi_params" "$conf/fastcgi_params" ||
			stack_die "no stock fastcgi_params found (install nginx)" || return 1
	fi
	stack_render_keys "$conf/mirror/mirror-keys.conf" "$STACK_KEY_CHECK" "$STACK_KEYS" &&
		stack_render_routes "$conf/mirror/mirror-routes.conf" "$STACK_SOCK" &&
		stack_render_server "$conf/mirror/mirror-server.conf" &&
		stack_render_guards "$conf/mirror/mirror-guards.conf" || return 1
	sed -e "s|@PREFIX@|$prefix|g" -e "s|@WORKERS@|$STACK_WORKERS|g" \
		-e "s|@USER_LINE@|$STACK_USER_LINE|g" \
		"$STACK_SRC/nginx/nginx.conf.in" >"$conf/nginx.conf"
}

# Sends sig to pid (a child of this shell), waits up to secs, then
# SIGKILL. Sets STACK_KILL_STATUS to the child's exit status (0 when it
# had already been reaped).
stack_kill() {
	local pid=$1 sig=$2 secs=$3 i
	STACK_KILL_STATUS=0
	[ -n "$pid" ] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -s "$sig" "$pid" 2>/dev/null || true
		for ((i = 0; i < secs * 10; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			stack_say "pid $pid ignored SIG$sig for $secs s: killing it"
			kill -s KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || STACK_KILL_STATUS=$?
}

# Stops nginx (gracefully) and then the responder (SIGTERM: it finishes
# the requests in flight). STACK_FCGI_STATUS is the responder's exit status.
stack_stop() {
	stack_kill "$STACK_NGINX_PID" QUIT 10
	stack_kill "$STACK_FCGI_PID" TERM 35
	STACK_FCGI_STATUS=$STACK_KILL_STATUS
	STACK_NGINX_PID=""
	STACK_FCGI_PID=""
	[ -z "${STACK_SOCK:-}" ] || rm -f "$STACK_SOCK"
}

# stack_stop_checked WHO: stack_stop, then fails, saying so as WHO, when
# the responder exited with a status other than 0 or its log holds a
# sanitizer report (the suites run under ASan+UBSan too).
stack_stop_checked() {
	local who=$1 log=$STACK_DIR/responder.log rc=0
	stack_stop
	if [ "$STACK_FCGI_STATUS" -ne 0 ]; then
		echo "$who: FAIL the responder exited with status $STACK_FCGI_STATUS" >&2
		rc=1
	fi
	if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
		echo "$who: FAIL sanitizer report in the responder's log:" >&2
		grep -E -A20 'ERROR: |runtime error:' "$log" | head -60 >&2
		rc=1
	fi
	return "$rc"
}

# Waits until nginx answers on the port (any HTTP status) and both
# processes are alive.
stack_wait_ready() {
	local i code host=localhost
	local -a tls_opts=(--cacert "$STACK_CA")
	[ -n "$STACK_CA" ] || tls_opts=(-k)
	for ((i = 0; i < 100; i++)); do
		if ! kill -0 "$STACK_FCGI_PID" 2>/dev/null; then
			stack_tail "$STACK_DIR/responder.log"
			stack_die "the responder exited; see $STACK_DIR/responder.log"
			return 1
		fi
		if ! kill -0 "$STACK_NGINX_PID" 2>/dev/null; then
			stack_tail "$STACK_DIR/nginx/logs/error.log"
			stack_die "nginx exited; see $STACK_DIR/nginx/logs/error.log"
			return 1
		fi
		if [ -S "$STACK_SOCK" ]; then
			code=$(curl -s -o /dev/null -w '%{http_code}' "${tls_opts[@]}" --max-time 2 \
				--resolve "$host:$STACK_PORT:127.0.0.1" "https://$host:$STACK_PORT/" || true)
			[ "$code" = 000 ] || [ -z "$code" ] || return 0
		fi
		sleep 0.1
	done
	stack_die "nginx does not answer on port $STACK_PORT"
}

stack_start() {
	local bin nginx spawn
	: "${STACK_DIR:?}" "${STACK_PORT:?}"
	STACK_BIND=${STACK_BIND:-127.0.0.1 ::1}
	STACK_KEYS=${STACK_KEYS:-api_key}
	STACK_KEY_CHECK=${STACK_KEY_CHECK:-on}
	STACK_PREFIXES=${STACK_PREFIXES-/stackstate}
	STACK_WORKERS=${STACK_WORKERS:-auto}
	STACK_ALLOW=${STACK_ALLOW:-}
	mkdir -p "$STACK_DIR"
	STACK_DIR=$(cd "$STACK_DIR" && pwd)
	stack_check_word "run directory" "$STACK_DIR" '^[A-Za-z0-9._/+-]+$' || return 1
	chmod 755 "$STACK_DIR"
	STACK_SOCK=$STACK_DIR/mirror-fcgi.sock
	bin=${STACK_BIN_DIR:-$STACK_SRC}/fcgi/mirror-fcgi
	nginx=$(stack_nginx_bin)
	spawn=$(stack_spawn_bin)
	[ -x "$bin" ] || stack_die "$bin is not built" || return 1
	stack_check_word "port" "$STACK_PORT" '^[0-9]{1,5}$' || return 1

	if [ -n "${STACK_TLS_CERT:-}" ] || [ -n "${STACK_TLS_KEY:-}" ]; then
		[ -r "${STACK_TLS_CERT:-}" ] && [ -r "${STACK_TLS_KEY:-}" ] ||
			stack_die "set both STACK_TLS_CERT and STACK_TLS_KEY to readable files" || return 1
		STACK_CERT=$(realpath "$STACK_TLS_CERT")
		STACK_KEY=$(realpath "$STACK_TLS_KEY")
		STACK_CA=""
	else
		stack_make_tls "$STACK_DIR/tls" || return 1
		STACK_CERT=$STACK_DIR/tls/server.pem
		STACK_KEY=$STACK_DIR/tls/server.key
		STACK_CA=$STACK_DIR/tls/ca.pem
	fi
	stack_users "$bin"
	stack_render || return 1
	"$nginx" -t -q -p "$STACK_DIR/nginx/" -c conf/nginx.conf -e "$STACK_DIR/nginx/logs/error.log" ||
		stack_die "nginx rejects the generated configuration in $STACK_DIR/nginx/conf" || return 1

	rm -f "$STACK_SOCK"
	# -n: spawn-fcgi binds the socket, puts it on fd 0 and execs the
	# responder in its own process, so $! is the responder's PID.
	env -u MIRROR_LISTEN MIRROR_API_KEY="$STACK_KEYS" MIRROR_KEY_CHECK="$STACK_KEY_CHECK" \
		"$spawn" -n -s "$STACK_SOCK" -M 0600 "${STACK_SPAWN_USER[@]}" -- "$bin" \
		>>"$STACK_DIR/responder.log" 2>&1 &
	STACK_FCGI_PID=$!
	"$nginx" -p "$STACK_DIR/nginx/" -c conf/nginx.conf -e "$STACK_DIR/nginx/logs/error.log" \
		>>"$STACK_DIR/nginx/logs/stderr.log" 2>&1 &
	STACK_NGINX_PID=$!
	STACK_URL=https://localhost:$STACK_PORT
	stack_wait_ready || {
		stack_stop
		return 1
	}
}
