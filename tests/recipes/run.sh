#!/usr/bin/env bash
# The commands of README.md and docs/DEPLOY-*.md, followed literally.
#
# Each block marked <!-- recipe: NAME --> in those files is run as a
# shell script, as an operator would type it, on a scratch root: the
# system paths it names (/etc, /etc/nginx, /run, /var, /usr/local, ...)
# are moved under the root by tests/recipes/scratch.sh, and three
# commands that would reach the machine's services are stood in for by
# tests/recipes/shims/ (nginx on the root's nginx.conf; systemctl for
# nginx, apache2 and socket-activated units; apt-get, which only checks
# the packages are there). What the operator edits by hand (the host's
# port, name and certificate) the test edits the same way. URLs of
# mirror.example.com go to the root's server on a free loopback port,
# and every `# {...}` comment of a recipe is an expected output, checked
# in order.
#
#   by-hand     README.md "Running it by hand under spawn-fcgi": the
#               build and make install, the user, spawn-fcgi as that
#               user with its log in a file, then logrotate on that file
#   nginx       DEPLOY-nginx.md: the key, the systemd units, enabling
#               the site, the curl checks
#   apache      DEPLOY-apache.md: the key, the units, a2enmod/a2ensite,
#               apachectl configtest, the curl check
#   cgi-nginx   DEPLOY-cgi.md 1: fcgiwrap's units and mirror-cgi.conf
#   cgi-apache  DEPLOY-cgi.md 2: mod_cgid
# Each stack runs on a root of its own, installed from the by-hand build.
#
# Real on the machine, and undone at exit: the system user
# stackstate-mirror (adduser, removed again unless it existed before).
# Needs root (adduser, spawn-fcgi -u), nginx, apache2, spawn-fcgi,
# fcgiwrap, logrotate, curl, openssl, python3.
# Cleanups are registered as text and run at exit (deploy_on_exit):
# shellcheck disable=SC2016
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
PY=${PYTHON:-python3}

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=tests/deploy/lib.sh
. "$TOP/tests/deploy/lib.sh"
# shellcheck source=tests/system/lib.sh
. "$TOP/tests/system/lib.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "recipes: SKIPPED: the recipes run as root (adduser, spawn-fcgi -u)" >&2
	exit 0
fi
for tool in nginx apache2 apachectl a2enmod spawn-fcgi fcgiwrap logrotate curl openssl adduser; do
	command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || {
		echo "recipes: $tool is missing" >&2
		exit 1
	}
done

deploy_init recipes
W=$DEPLOY_WORK
TLS=$W/tls
stack_make_tls "$TLS"
SRC=$W/by-hand/src
USER_NAME=stackstate-mirror
EXPECT_OK='{"status":"OK","_type":"TestConnectionResponse"}'
EXPECT_401='{"_type":"RemoteMirrorError","summary":"missing or wrong API key","details":"X-MIRROR-API-KEY is missing or wrong"}'

# Registered first, so it runs last, once every process is stopped.
if ! getent passwd "$USER_NAME" >/dev/null; then
	deploy_on_exit 'remove_user'
fi
remove_user() {
	deluser --system --quiet "$USER_NAME" 2>/dev/null || true
	! getent group "$USER_NAME" >/dev/null || delgroup --system --quiet "$USER_NAME" 2>/dev/null || true
}

# --- recipes ------------------------------------------------------------------

# recipe_text FILE NAME: the fenced block after <!-- recipe: NAME -->.
recipe_text() {
	awk -v name="$2" '
		$0 == "<!-- recipe: " name " -->" { want = 1; next }
		want && /^```/ { if (inside) exit; inside = 1; next }
		inside { print }
	' "$TOP/$1"
}

# The `# {...}` comments of the recipes in $ROOT/recipe.sh, in order.
expected_outputs() {
	grep -o '# {.*}[[:space:]]*$' "$ROOT/recipe.sh" | sed -e 's/^# //' -e 's/[[:space:]]*$//'
}

# True when every expected output appears in the recipe's output, in order.
outputs_in_order() {
	"$PY" - "$ROOT/recipe.out" <<'EOF'
import sys
out = open(sys.argv[1]).read()
pos = 0
for want in sys.stdin.read().splitlines():
    i = out.find(want, pos)
    if i < 0:
        print("recipes: expected output not found (in order): " + want, file=sys.stderr)
        sys.exit(1)
    pos = i + len(want)
EOF
}

# write_recipes PORT FILE:NAME...: $ROOT/recipe.sh, the blocks in order,
# moved under the root, mirror.example.com on PORT.
write_recipes() {
	local port=$1 fn text
	shift
	{
		echo "set -eo pipefail"
		for fn in "$@"; do
			text=$(recipe_text "${fn%%:*}" "${fn#*:}")
			[ -n "$text" ] || {
				echo "recipes: no recipe ${fn#*:} in ${fn%%:*}" >&2
				return 1
			}
			printf '# --- %s\n%s\n' "$fn" "$text"
		done
	} | "$HERE/scratch.sh" "$ROOT" |
		sed -e "s#https://mirror\.example\.com#https://localhost:$port#g" >"$ROOT/recipe.sh"
}

# The environment a recipe runs in: the shims first in PATH, the root.
recipe_env() {
	env PATH="$HERE/shims:$PATH" RECIPE_ROOT="$ROOT" RECIPE_TOP="$TOP" \
		APACHE_CONFDIR="$ROOT/etc/apache2" APACHE_STATE_DIRECTORY="$ROOT/var/lib/apache2" \
		CURL_CA_BUNDLE="$TLS/ca.pem" "$@"
}

# run_recipes NAME PORT FILE:NAME...: runs them in one shell in $SRC.
run_recipes() {
	local name=$1 port=$2 rc=0
	shift 2
	write_recipes "$port" "$@" || {
		deploy_fail "$name: the recipes are in the docs"
		return 1
	}
	(cd "$SRC" && recipe_env bash "$ROOT/recipe.sh") >"$ROOT/recipe.out" 2>"$ROOT/recipe.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		deploy_fail "$name: the recipes run without error (exit $rc)"
		sed 's/^/    /' "$ROOT/recipe.err" | tail -n 20 >&2
		return 1
	fi
	deploy_pass "$name: the recipes run without error"
	deploy_check "$name: every output the recipes show is what they print" \
		outputs_in_order < <(expected_outputs)
}

# --- scratch roots ------------------------------------------------------------------

new_root() {
	ROOT=$W/$1
	mkdir -p "$ROOT/etc" "$ROOT/run" "$ROOT/var/log" "$ROOT/var/lib" "$ROOT/usr/local"
	chmod 755 "$ROOT" "$ROOT/run" "$ROOT/var" "$ROOT/usr" "$ROOT/usr/local"
}

# Moves the system paths of the files under DIR into the root.
scratch_files() {
	local f
	while IFS= read -r -d '' f; do
		"$HERE/scratch.sh" "$ROOT" <"$f" >"$f.scratch" && cat "$f.scratch" >"$f" && rm -f "$f.scratch"
	done < <(find "$1" -type f -print0)
}

# What the package or `make install` leaves, under the root (from the
# by-hand build), with its /run paths moved under the root too.
install_into_root() {
	rm -f "$SRC/systemd/stackstate-mirror.service"
	make -C "$SRC" -s install prefix="$ROOT/usr/local" sysconfdir="$ROOT/etc" \
		localstatedir="$ROOT/var" >"$ROOT/install.log" 2>&1
	scratch_files "$ROOT/etc"
	scratch_files "$ROOT/usr/local/lib/systemd"
}

# Debian's nginx configuration, as the nginx package ships it, without
# its default site (port 80).
nginx_root() {
	cp -an /etc/nginx/. "$ROOT/etc/nginx/"
	rm -f "$ROOT/etc/nginx/sites-enabled/"*
	scratch_files "$ROOT/etc/nginx"
	mkdir -p "$ROOT/var/log/nginx"
	deploy_on_exit "stop_pidfile '$ROOT/run/nginx.pid' QUIT"
}

# Debian's Apache configuration without its default site, on two free
# loopback ports instead of 80 and 443.
apache_root() {
	local p80=$1 p443=$2
	cp -an /etc/apache2/. "$ROOT/etc/apache2/"
	rm -f "$ROOT/etc/apache2/sites-enabled/"*
	scratch_files "$ROOT/etc/apache2"
	sed -i -e "s/^\([[:space:]]*\)Listen 80$/\1Listen 127.0.0.1:$p80/" \
		-e "s/^\([[:space:]]*\)Listen 443$/\1Listen 127.0.0.1:$p443/" "$ROOT/etc/apache2/ports.conf"
	mkdir -p "$ROOT/var/run/apache2" "$ROOT/var/lock/apache2" "$ROOT/var/log/apache2" "$ROOT/var/lib/apache2"
	deploy_on_exit "stop_pidfile '$ROOT/var/run/apache2/apache2.pid' TERM"
}

# stop_pidfile FILE SIGNAL: stops a daemon by the PID it wrote; waits.
stop_pidfile() {
	[ ! -s "$1" ] || sys_stop "$(cat "$1")" "$2" 10
}

stop_units() {
	local root=$1 f
	for f in "$root"/run/shim-units/*.pid; do
		[ -e "$f" ] || continue
		stop_pidfile "$f" TERM
	done
}

# The operator's edits of step 2 (this host): port, name, certificate.
edit_nginx_server() {
	local f=$ROOT/etc/nginx/mirror/mirror-server.conf
	sed -i -e "s|^listen  *443 ssl;|listen 127.0.0.1:$1 ssl;|" -e '/^listen  *\[::\]:443 ssl;/d' \
		-e 's|^server_name .*|server_name  localhost;|' \
		-e "s|^ssl_certificate  .*|ssl_certificate  $TLS/server.pem;|" \
		-e "s|^ssl_certificate_key .*|ssl_certificate_key  $TLS/server.key;|" "$f"
	grep -q "^listen 127.0.0.1:$1 ssl;" "$f" && grep -q "^ssl_certificate_key  $TLS/server.key;" "$f"
}

edit_apache_server() {
	local f=$ROOT/etc/apache2/mirror/mirror-server.conf
	sed -i -e "s|^Define MIRROR_PORT .*|Define MIRROR_PORT $1|" \
		-e 's|^Define MIRROR_SERVER_NAME .*|Define MIRROR_SERVER_NAME localhost|' \
		-e "s|^Define MIRROR_TLS_CERT .*|Define MIRROR_TLS_CERT $TLS/server.pem|" \
		-e "s|^Define MIRROR_TLS_KEY .*|Define MIRROR_TLS_KEY $TLS/server.key|" "$f"
	grep -q "^Define MIRROR_PORT $1$" "$f" && grep -q "^Define MIRROR_TLS_KEY $TLS/server.key$" "$f"
}

# --- checks -----------------------------------------------------------------------

# The user a process runs as.
proc_user() {
	ps -o user= -p "$1" 2>/dev/null | tr -d ' '
}

# status_body URL [KEY]: "STATUS BODY" of a TestConnectionRequest.
status_body() {
	local -a h=()
	[ -z "${2:-}" ] || h=(-H "X-MIRROR-API-KEY: $2")
	curl -s --cacert "$TLS/ca.pem" --max-time 10 "${h[@]}" -w ' %{http_code}' \
		-d '{"_type":"TestConnectionRequest","connectionDetails":{}}' "$1/api/connection" |
		awk '{ code = $NF; $NF = ""; sub(/ $/, ""); print code " " $0 }'
}

check_answers() {
	local name=$1 url=$2 key=$3
	deploy_check "$name: the key gets 200 and the connection answer" \
		test "$(status_body "$url" "$key")" = "200 $EXPECT_OK"
	deploy_check "$name: no key gets 401 and its JSON" \
		test "$(status_body "$url")" = "401 $EXPECT_401"
}

# The service's process (its pid file from the systemctl shim).
unit_pid() {
	cat "$ROOT/run/shim-units/$1.pid" 2>/dev/null || true
}

# --- 1. README: by hand under spawn-fcgi --------------------------------------------

by_hand() {
	local sock log pid script_pid i rc=0
	new_root by-hand
	mkdir -p "$SRC"
	if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$TOP" ls-files -z --cached --others --exclude-standard |
			tar -C "$TOP" --null --ignore-failed-read -T - -cf - | tar -C "$SRC" -xf -
	else
		tar -C "$TOP" --exclude=./build-san --exclude=./run -cf - . | tar -C "$SRC" -xf -
		[ ! -f "$SRC/Makefile" ] || make -C "$SRC" -s distclean
	fi
	write_recipes 0 README.md:by-hand
	sock=$ROOT/run/stackstate-mirror/mirror.sock
	log=$ROOT/var/log/stackstate-mirror/mirror-fcgi.log
	# The block ends with the responder in the foreground.
	(cd "$SRC" && exec env PATH="$HERE/shims:$PATH" MAKEFLAGS=-j2 bash "$ROOT/recipe.sh") \
		>"$ROOT/recipe.out" 2>"$ROOT/recipe.err" &
	script_pid=$!
	deploy_on_exit "stack_kill $script_pid TERM 5"
	for ((i = 0; i < 1800; i++)); do
		[ ! -S "$sock" ] || break
		kill -0 "$script_pid" 2>/dev/null || break
		sleep 0.1
	done
	pid=$(pgrep -P "$script_pid" -x mirror-fcgi || true)
	if [ -z "$pid" ] || [ ! -S "$sock" ]; then
		deploy_fail "by-hand: the recipe builds, installs and starts the responder"
		tail -n 30 "$ROOT/recipe.err" | sed 's/^/    /' >&2
		return 1
	fi
	deploy_on_exit "kill -TERM $pid 2>/dev/null || true"
	deploy_pass "by-hand: the recipe builds, installs and starts the responder"
	deploy_check "by-hand: the responder runs as $USER_NAME" test "$(proc_user "$pid")" = "$USER_NAME"
	deploy_check "by-hand: the socket is for nginx's user (www-data www-data 660)" \
		test "$(stat -c '%U %G %a' "$sock")" = "www-data www-data 660"
	deploy_check "by-hand: it answers GET /healthz on the socket" \
		bash -c "'$PY' '$TOP/tests/deploy/fcgiclient.py' 'unix:$sock' GET /healthz | grep -qx '{\"status\":\"OK\"}'"
	deploy_check "by-hand: its log is the file, one line per request" grep -q ' /healthz ' "$log"
	deploy_check "by-hand: it warns, in that log, that its key check is off" \
		grep -q 'warning: the key check is off' "$log"
	deploy_check "by-hand: and does not warn about root" bash -c "! grep -q 'running as root' '$log'"
	# logrotate, as cron would run it, on the installed file.
	logrotate -s "$ROOT/logrotate.state" -f "$ROOT/etc/logrotate.d/stackstate-mirror" 2>"$ROOT/logrotate.err" || rc=$?
	deploy_check "by-hand: logrotate rotates the log (exit $rc)" \
		bash -c "[ $rc -eq 0 ] && grep -q ' /healthz ' '$log.1' && [ ! -s '$log' ]"
	"$PY" "$TOP/tests/deploy/fcgiclient.py" "unix:$sock" GET /metrics >/dev/null
	deploy_check "by-hand: after rotation the responder logs into the emptied file" \
		bash -c "grep -q ' /metrics ' '$log' && ! grep -q ' /healthz ' '$log'"
	kill -TERM "$pid"
	wait "$script_pid" || rc=$?
	deploy_check "by-hand: SIGTERM stops it cleanly (exit $rc)" test "$rc" -eq 0
}

# --- 2. DEPLOY-nginx.md --------------------------------------------------------------

nginx_flow() {
	local port key pid
	new_root nginx
	install_into_root
	nginx_root
	deploy_on_exit "stop_units '$ROOT'"
	port=$(stack_free_port)
	deploy_check "nginx: step 2, this host's port, name and certificate" edit_nginx_server "$port"
	run_recipes nginx "$port" docs/DEPLOY-nginx.md:nginx-key docs/DEPLOY-nginx.md:nginx-service \
		docs/DEPLOY-nginx.md:nginx-enable docs/DEPLOY-nginx.md:nginx-check || return 1
	key=$(sed -n 's/^MIRROR_API_KEY=//p' "$ROOT/etc/stackstate-mirror/mirror.env" | tail -n 1)
	check_answers nginx "https://localhost:$port" "$key"
	pid=$(unit_pid stackstate-mirror)
	deploy_check "nginx: the unit's responder runs as $USER_NAME" test "$(proc_user "$pid")" = "$USER_NAME"
	deploy_check "nginx: the responder checks the key itself (401 without, on its socket)" \
		bash -c "'$PY' '$TOP/tests/deploy/fcgiclient.py' 'unix:$ROOT/run/stackstate-mirror/mirror.sock' POST /api/connection '{}' | grep -q '^Status: 401'"
	deploy_check "nginx: the responder's log (the journal's share) has the requests" \
		grep -q ' /api/connection 200 ' "$ROOT/var/log/journal-stackstate-mirror.log"
	stop_pidfile "$ROOT/run/nginx.pid" QUIT
	stop_units "$ROOT"
}

# --- 3. DEPLOY-apache.md -------------------------------------------------------------

apache_flow() {
	local p80 p443 key
	new_root apache
	install_into_root
	p80=$(stack_free_port)
	p443=$(stack_free_port)
	apache_root "$p80" "$p443"
	deploy_on_exit "stop_units '$ROOT'"
	deploy_check "apache: step 2, this host's port, name and certificate" edit_apache_server "$p443"
	run_recipes apache "$p443" docs/DEPLOY-apache.md:apache-key docs/DEPLOY-apache.md:apache-service \
		docs/DEPLOY-apache.md:apache-enable docs/DEPLOY-apache.md:apache-check || return 1
	key=$(sed -n 's/^MIRROR_API_KEY=//p' "$ROOT/etc/stackstate-mirror/mirror.env" | tail -n 1)
	check_answers apache "https://localhost:$p443" "$key"
	stop_pidfile "$ROOT/var/run/apache2/apache2.pid" TERM
	stop_units "$ROOT"
}

# --- 4, 5. DEPLOY-cgi.md -------------------------------------------------------------

cgi_nginx_flow() {
	local port key
	new_root cgi-nginx
	install_into_root
	nginx_root
	deploy_on_exit "stop_units '$ROOT'"
	port=$(stack_free_port)
	deploy_check "cgi-nginx: this host's port, name and certificate" edit_nginx_server "$port"
	run_recipes cgi-nginx "$port" docs/DEPLOY-nginx.md:nginx-key docs/DEPLOY-cgi.md:cgi-nginx || return 1
	key=$(sed -n 's/^MIRROR_API_KEY=//p' "$ROOT/etc/stackstate-mirror/mirror.env" | tail -n 1)
	check_answers cgi-nginx "https://localhost:$port" "$key"
	deploy_check "cgi-nginx: fcgiwrap runs as www-data (its unit's user)" \
		test "$(proc_user "$(unit_pid fcgiwrap)")" = www-data
	stop_pidfile "$ROOT/run/nginx.pid" QUIT
	stop_units "$ROOT"
}

cgi_apache_flow() {
	local p80 p443 key
	new_root cgi-apache
	install_into_root
	p80=$(stack_free_port)
	p443=$(stack_free_port)
	apache_root "$p80" "$p443"
	deploy_check "cgi-apache: this host's port, name and certificate" edit_apache_server "$p443"
	run_recipes cgi-apache "$p443" docs/DEPLOY-apache.md:apache-key docs/DEPLOY-cgi.md:cgi-apache || return 1
	key=$(sed -n 's/^MIRROR_API_KEY=//p' "$ROOT/etc/stackstate-mirror/mirror.env" | tail -n 1)
	check_answers cgi-apache "https://localhost:$p443" "$key"
	stop_pidfile "$ROOT/var/run/apache2/apache2.pid" TERM
}

if by_hand; then
	nginx_flow || true
	apache_flow || true
	cgi_nginx_flow || true
	cgi_apache_flow || true
fi
deploy_finish
