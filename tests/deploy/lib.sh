# shellcheck shell=bash
# shellcheck disable=SC2034,SC2153
# tests/deploy/lib.sh: what the deployment suites (tests/apache,
# tests/cgi_nginx, tests/pool, tests/cache) share:
#   - counting checks and printing "NAME: N passed, M failed";
#   - cleanup by PID on exit;
#   - nv_start: nginx with the SHIPPED nginx/ files, rendered by
#     nginx/stack.sh, plus one variant applied to the rendered files before
#     nginx -t, exactly as docs/DEPLOY-cgi.md and docs/SCALE-OUT.md tell an
#     operator to install them:
#       NV_VARIANT=cgi    nginx/mirror-cgi.conf as mirror-fastcgi.conf, with
#                         SCRIPT_FILENAME $NV_CGI and the fastcgi_param lines
#                         of NV_CGI_PARAMS added
#       NV_VARIANT=pool   nginx/mirror-pool.conf at http{} level (servers
#                         from NV_POOL_SERVERS), nginx/mirror-fastcgi-pool.conf
#                         as mirror-fastcgi.conf
#       NV_VARIANT=cache  nginx/mirror-cache-zone.conf at http{} level (its
#                         directory under the run directory),
#                         nginx/mirror-cache.conf at the end of mirror-server.conf
#       NV_VARIANT=""     the shipped files alone
#     and the backend NV_BACKEND: responder (mirror-fcgi under spawn-fcgi
#     on $STACK_SOCK, the default), fcgiwrap (fcgiwrap under spawn-fcgi on
#     $STACK_SOCK) or none (the caller runs its own).
# Source nginx/stack.sh first.

DEPLOY_PASSED=0
DEPLOY_FAILED=0
DEPLOY_CLEANUP=()

# deploy_init NAME: a work directory ($DEPLOY_WORK), counters, the exit trap.
deploy_init() {
	DEPLOY_NAME=$1
	DEPLOY_WORK=$(mktemp -d "/tmp/mirror-$1.XXXXXX")
	chmod 755 "$DEPLOY_WORK" # workers and children run as nobody under root
	export DEPLOY_COUNTS=$DEPLOY_WORK/python-counts
	: >"$DEPLOY_COUNTS"
	trap deploy_cleanup EXIT
	trap 'exit 130' INT TERM
}

# deploy_on_exit CMD...: run at exit, last registered first.
deploy_on_exit() {
	DEPLOY_CLEANUP+=("$*")
}

deploy_cleanup() {
	local rc=$? i
	for ((i = ${#DEPLOY_CLEANUP[@]} - 1; i >= 0; i--)); do
		eval "${DEPLOY_CLEANUP[i]}" || true
	done
	if [ "${MIRROR_DEPLOY_KEEP:-0}" = 1 ] || [ "$rc" -ne 0 ]; then
		echo "$DEPLOY_NAME: run directory kept: $DEPLOY_WORK" >&2
	else
		rm -rf "$DEPLOY_WORK"
	fi
}

deploy_pass() {
	DEPLOY_PASSED=$((DEPLOY_PASSED + 1))
	printf 'PASS  %s\n' "$*"
}

deploy_fail() {
	DEPLOY_FAILED=$((DEPLOY_FAILED + 1))
	printf 'FAIL  %s\n' "$*"
}

# deploy_check TEXT CMD...: PASS when CMD succeeds.
deploy_check() {
	local text=$1
	shift
	if "$@"; then deploy_pass "$text"; else deploy_fail "$text"; fi
}

# deploy_python SCRIPT ARGS...: runs a Python suite; its counts are added
# at deploy_finish.
deploy_python() {
	local before rc=0
	before=$(wc -l <"$DEPLOY_COUNTS")
	"${PYTHON:-python3}" "$@" || rc=$?
	# A suite that died before counting is one failure, not zero tests.
	if [ "$rc" -ne 0 ] && [ "$(wc -l <"$DEPLOY_COUNTS")" -eq "$before" ]; then
		deploy_fail "python suite $(basename "$1") exited $rc before reporting"
	fi
}

# Prints "NAME: N passed, M failed"; returns non-zero on any failure (or
# when nothing ran).
deploy_finish() {
	local p f
	while read -r p f; do
		DEPLOY_PASSED=$((DEPLOY_PASSED + p))
		DEPLOY_FAILED=$((DEPLOY_FAILED + f))
	done <"$DEPLOY_COUNTS"
	printf '%s: %d passed, %d failed\n' "$DEPLOY_NAME" "$DEPLOY_PASSED" "$DEPLOY_FAILED"
	[ "$DEPLOY_FAILED" -eq 0 ] && [ "$DEPLOY_PASSED" -gt 0 ]
}

# deploy_wait_https URL [PID...]: until URL/healthz answers 200 (front
# server and mirror both up) while every PID lives; at most 10 s.
deploy_wait_https() {
	local url=$1 i code pid
	shift
	for ((i = 0; i < 100; i++)); do
		for pid in "$@"; do
			kill -0 "$pid" 2>/dev/null || {
				echo "$DEPLOY_NAME: pid $pid exited while starting" >&2
				return 1
			}
		done
		code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "${DEPLOY_CA:-$STACK_CA}" \
			--max-time 2 "$url/healthz" || true)
		[ "$code" != 200 ] || return 0
		sleep 0.1
	done
	echo "$DEPLOY_NAME: $url/healthz does not answer 200 (last: $code)" >&2
	return 1
}

# --- nginx variants ---------------------------------------------------------------

# Replaces the server lines of "upstream NAME {" in FILE with BODY,
# keeping the upstream's other directives (keepalive, ...).
nv_set_servers() {
	local file=$1 name=$2 body=$3
	NV_BODY=$body awk -v name="$name" '
		$1 == "upstream" && $2 == name && $3 == "{" { inside = 1; print; print ENVIRON["NV_BODY"]; found++; next }
		inside && /^}/ { inside = 0 }
		inside && $1 == "server" { next }
		{ print }
		END { if (found != 1) exit 3 }
	' "$file" >"$file.new" && mv "$file.new" "$file"
}

nv_apply_variant() {
	local conf=$STACK_DIR/nginx/conf
	case ${NV_VARIANT:-} in
	"") ;;
	cgi)
		sed "s|^fastcgi_param  SCRIPT_FILENAME .*|fastcgi_param  SCRIPT_FILENAME  $NV_CGI;|" \
			"$STACK_SRC/nginx/mirror-cgi.conf" >"$conf/mirror/mirror-fastcgi.conf"
		grep -q "SCRIPT_FILENAME  $NV_CGI;" "$conf/mirror/mirror-fastcgi.conf" || return 1
		# Settings for the program, as docs/DEPLOY-cgi.md has operators add them.
		[ -z "${NV_CGI_PARAMS:-}" ] || printf '%s\n' "$NV_CGI_PARAMS" >>"$conf/mirror/mirror-fastcgi.conf"
		;;
	pool)
		cp "$STACK_SRC/nginx/mirror-pool.conf" "$conf/mirror/mirror-pool.conf"
		nv_set_servers "$conf/mirror/mirror-pool.conf" mirror_pool "$NV_POOL_SERVERS" || return 1
		[ -z "${NV_POOL_KEEPALIVE:-}" ] ||
			sed -i "s|^    keepalive  *[0-9]*;|    keepalive           $NV_POOL_KEEPALIVE;|" "$conf/mirror/mirror-pool.conf"
		echo "include mirror/mirror-pool.conf;" >"$conf/extra/mirror-pool.conf"
		cp "$STACK_SRC/nginx/mirror-fastcgi-pool.conf" "$conf/mirror/mirror-fastcgi.conf"
		;;
	cache)
		mkdir -p "$STACK_DIR/nginx/cache"
		chmod 700 "$STACK_DIR/nginx/cache"
		[ "$(id -u)" -ne 0 ] || chown nobody "$STACK_DIR/nginx/cache"
		sed "s|/var/cache/nginx/stackstate-mirror|$STACK_DIR/nginx/cache|" \
			"$STACK_SRC/nginx/mirror-cache-zone.conf" >"$conf/mirror/mirror-cache-zone.conf"
		sed "s|^fastcgi_cache_valid  200  10s;|fastcgi_cache_valid  200  ${NV_CACHE_VALID:-10s};|" \
			"$STACK_SRC/nginx/mirror-cache.conf" >"$conf/mirror/mirror-cache.conf"
		echo "include mirror/mirror-cache-zone.conf;" >"$conf/extra/mirror-cache.conf"
		echo "include mirror/mirror-cache.conf;" >>"$conf/mirror/mirror-server.conf"
		;;
	*)
		echo "unknown NV_VARIANT $NV_VARIANT" >&2
		return 1
		;;
	esac
}

# Starts fcgiwrap under spawn-fcgi on $STACK_SOCK (it execs fcgiwrap: $!
# is fcgiwrap's PID). fcgiwrap's -c N prefork children each run one CGI
# request at a time.
nv_start_fcgiwrap() {
	local wrap
	wrap=$(command -v fcgiwrap || echo /usr/sbin/fcgiwrap)
	[ -x "$wrap" ] || {
		echo "$DEPLOY_NAME: fcgiwrap is missing (apt-get install fcgiwrap)" >&2
		return 1
	}
	rm -f "$STACK_SOCK"
	"$(stack_spawn_bin)" -n -s "$STACK_SOCK" -M 0600 "${STACK_SPAWN_USER[@]}" -- \
		"$wrap" -c "${NV_FCGIWRAP_CHILDREN:-4}" >>"$STACK_DIR/fcgiwrap.log" 2>&1 &
	STACK_FCGI_PID=$!
}

# nv_stop_fcgiwrap PID: fcgiwrap's prefork parent dies on SIGTERM without
# stopping its children, which would go on serving the socket; stop them
# too, by PID (each finishes the request it is running).
nv_stop_fcgiwrap() {
	local pid=$1 kids k i
	[ -n "$pid" ] || return 0
	kids=$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ')
	stack_kill "$pid" TERM 10
	for k in $kids; do
		kill -TERM "$k" 2>/dev/null || true
	done
	for k in $kids; do
		for ((i = 0; i < 100; i++)); do
			kill -0 "$k" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$k" 2>/dev/null || true
	done
}

# Like nginx/stack.sh's stack_start, with the variant and backend above.
# NV_TLS_DIR: share an existing test CA (default: make one in $STACK_DIR/tls).
nv_start() {
	local bin nginx
	: "${STACK_DIR:?}" "${STACK_PORT:?}"
	STACK_BIND=${STACK_BIND:-127.0.0.1 ::1}
	STACK_KEYS=${STACK_KEYS:-api_key}
	STACK_KEY_CHECK=${STACK_KEY_CHECK:-on}
	STACK_PREFIXES=${STACK_PREFIXES-/stackstate}
	STACK_WORKERS=${STACK_WORKERS:-2}
	STACK_ALLOW=${STACK_ALLOW:-}
	STACK_CLIENT_CA=${STACK_CLIENT_CA:-}
	mkdir -p "$STACK_DIR"
	STACK_DIR=$(cd "$STACK_DIR" && pwd)
	chmod 755 "$STACK_DIR"
	STACK_SOCK=$STACK_DIR/mirror-fcgi.sock
	[ "${NV_BACKEND:-}" != fcgiwrap ] || STACK_SOCK=$STACK_DIR/fcgiwrap.sock
	bin=${STACK_BIN_DIR:-$STACK_SRC}/fcgi/mirror-fcgi
	nginx=$(stack_nginx_bin)
	local tls=${NV_TLS_DIR:-$STACK_DIR/tls}
	stack_make_tls "$tls" || return 1
	STACK_CERT=$tls/server.pem STACK_KEY=$tls/server.key STACK_CA=$tls/ca.pem
	stack_users "$bin"
	stack_render || return 1
	nv_apply_variant || return 1
	"$nginx" -t -q -p "$STACK_DIR/nginx/" -c conf/nginx.conf -e "$STACK_DIR/nginx/logs/error.log" ||
		stack_die "nginx rejects the configuration in $STACK_DIR/nginx/conf" || return 1
	STACK_FCGI_PID=""
	case ${NV_BACKEND:-responder} in
	responder)
		rm -f "$STACK_SOCK"
		env -u MIRROR_LISTEN MIRROR_API_KEY="$STACK_KEYS" MIRROR_KEY_CHECK="$STACK_KEY_CHECK" \
			"$(stack_spawn_bin)" -n -s "$STACK_SOCK" -M 0600 "${STACK_SPAWN_USER[@]}" -- "$bin" \
			>>"$STACK_DIR/responder.log" 2>&1 &
		STACK_FCGI_PID=$!
		;;
	fcgiwrap) nv_start_fcgiwrap || return 1 ;;
	none) ;;
	*) stack_die "unknown NV_BACKEND $NV_BACKEND" || return 1 ;;
	esac
	"$nginx" -p "$STACK_DIR/nginx/" -c conf/nginx.conf -e "$STACK_DIR/nginx/logs/error.log" \
		>>"$STACK_DIR/nginx/logs/stderr.log" 2>&1 &
	STACK_NGINX_PID=$!
	STACK_URL=https://localhost:$STACK_PORT
	# shellcheck disable=SC2086
	DEPLOY_CA=$STACK_CA deploy_wait_https "$STACK_URL" "$STACK_NGINX_PID" $STACK_FCGI_PID || {
		stack_tail "$STACK_DIR/nginx/logs/error.log"
		stack_kill "$STACK_NGINX_PID" QUIT 10
		if [ "${NV_BACKEND:-responder}" = fcgiwrap ]; then
			nv_stop_fcgiwrap "$STACK_FCGI_PID"
		else
			stack_kill "$STACK_FCGI_PID" TERM 35
		fi
		return 1
	}
}
