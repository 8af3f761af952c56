#!/usr/bin/env bash
# The Debian package (docs/INSTALL.md):
#   1. dpkg-buildpackage -us -uc -b in a copy of the tree;
#   2. lintian -I: nothing to say (remaining tags are overridden, with
#      their reasons, in debian/stackstate-mirror.lintian-overrides);
#   3. the layout: the exact file list (FHS: /usr/sbin, /usr/lib/cgi-bin,
#      /lib/systemd/system, /usr/lib/sysusers.d, /etc conffiles, docs,
#      man pages, the console when present), owners and modes, nothing
#      enabled, the paths inside the files, hardened binaries, the
#      maintainer scripts, and the packaged nginx and Apache sites
#      accepted by nginx -t and apachectl configtest on Debian's stock
#      server configuration (a scratch copy, tests/recipes/scratch.sh);
#   4. with CI=true (or MIRROR_PACKAGE_INSTALL=1), on this machine:
#      apt-get install the .deb (policy-rc.d: nothing starts), set the
#      key and this host's port and certificate as DEPLOY-nginx.md does,
#      enable the nginx site, nginx -t on /etc/nginx/nginx.conf, start
#      the responder with the installed unit's command line as its user
#      (tests/system/lib.sh, unit_start), serve a request over TLS with
#      the key through a private nginx that includes the enabled site,
#      then disable the site, apt-get purge, and check that nothing of
#      it is left: no file, no user, no unit link, /etc and the enabled
#      units as before.
# Needs: build-essential, debhelper, lintian, the build dependencies,
# nginx, apache2, spawn-fcgi, curl, openssl; root for step 4.
# Cleanups are registered as text and run at exit (deploy_on_exit):
# shellcheck disable=SC2016
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=tests/deploy/lib.sh
. "$TOP/tests/deploy/lib.sh"
# shellcheck source=tests/system/lib.sh
. "$TOP/tests/system/lib.sh"

for tool in dpkg-buildpackage dh lintian readelf; do
	command -v "$tool" >/dev/null || {
		echo "package: $tool is missing (apt-get install debhelper lintian binutils)" >&2
		exit 1
	}
done

deploy_init package
W=$DEPLOY_WORK
PKG=stackstate-mirror
USER_NAME=stackstate-mirror
EXPECT_OK='{"status":"OK","_type":"TestConnectionResponse"}'
EXPECT_401='{"_type":"RemoteMirrorError","summary":"missing or wrong API key","details":"X-MIRROR-API-KEY is missing or wrong"}'

# --- 1. build -------------------------------------------------------------------

mkdir -p "$W/src"
if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$TOP" ls-files -z --cached --others --exclude-standard |
		grep -zv -e '^build-san/' -e '^run/' |
		tar -C "$TOP" --null --ignore-failed-read -T - -cf - | tar -C "$W/src" -xf -
else
	tar -C "$TOP" --exclude=./build-san --exclude=./run -cf - . | tar -C "$W/src" -xf -
fi
version=$(cd "$W/src" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
DEB=$W/${PKG}_${version}_$arch.deb
rc=0
# The build runs the unit suites (dh_auto_test); on a loaded machine
# Check's 4 s per test is short.
(cd "$W/src" && CK_TIMEOUT_MULTIPLIER=10 dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1 || rc=$?
deploy_check "dpkg-buildpackage -us -uc -b builds $(basename "$DEB") (exit $rc)" test "$rc" -eq 0 -a -f "$DEB"
if [ ! -f "$DEB" ]; then
	tail -n 30 "$W/build.log" | sed 's/^/    /' >&2
	deploy_finish
	exit 1
fi
deploy_check "its version is configure.ac's" \
	grep -q "^AC_INIT(\[stackstate-mirror\], \[$version\]" "$TOP/configure.ac"

# --- 2. lintian --------------------------------------------------------------------

lintian -I --pedantic "$W/${PKG}_${version}_$arch.changes" >"$W/lintian.out" 2>"$W/lintian.err" || true
echo "package: lintian -I --pedantic says:"
sed 's/^/    /' "$W/lintian.out"
deploy_check "lintian -I --pedantic: nothing (each remaining tag overridden with a reason)" \
	test ! -s "$W/lintian.out"

# --- 3. the layout -------------------------------------------------------------------

# The files the package must hold, computed from the tree.
expected_files() {
	local f
	printf '%s\n' ./usr/sbin/mirror-fcgi ./usr/lib/cgi-bin/mirror.cgi \
		./lib/systemd/system/stackstate-mirror.service ./lib/systemd/system/stackstate-mirror.socket \
		./usr/lib/sysusers.d/stackstate-mirror.conf \
		./etc/stackstate-mirror/mirror.env ./etc/logrotate.d/stackstate-mirror \
		./etc/nginx/sites-available/stackstate-mirror \
		./etc/apache2/sites-available/stackstate-mirror.conf \
		./usr/share/man/man8/mirror-fcgi.8.gz ./usr/share/man/man8/mirror.cgi.8.gz \
		./usr/share/man/man5/mirror.conf.5.gz \
		./usr/share/doc/stackstate-mirror/README.md ./usr/share/doc/stackstate-mirror/copyright \
		./usr/share/doc/stackstate-mirror/changelog.gz ./usr/share/lintian/overrides/stackstate-mirror
	for f in "$TOP"/nginx/mirror-*.conf; do echo "./etc/nginx/mirror/$(basename "$f")"; done
	for f in "$TOP"/apache/mirror-*.conf; do echo "./etc/apache2/mirror/$(basename "$f")"; done
	for f in "$TOP"/docs/*.md "$TOP"/docs/*.png; do
		[ ! -f "$f" ] || echo "./usr/share/doc/stackstate-mirror/docs/$(basename "$f")"
	done
	if [ -d "$TOP/console" ]; then
		(cd "$TOP/console" && find . -type f ! -name '.*') | sed 's|^\./|./usr/share/stackstate-mirror/console/|'
	fi
}

dpkg-deb -c "$DEB" >"$W/contents"
awk '$1 !~ /^d/ { print $6 }' "$W/contents" | sort >"$W/files"
expected_files | sort >"$W/files.expected"
deploy_check "the package holds exactly the FHS layout of docs/INSTALL.md" \
	diff -u "$W/files.expected" "$W/files"
deploy_check "everything is root's" bash -c "awk '\$2 != \"root/root\"' '$W/contents' | grep -q . && exit 1 || exit 0"
deploy_check "programs 0755, every other file 0644" bash -c "
	awk '\$1 !~ /^d/ { print \$1, \$6 }' '$W/contents' | while read -r mode f; do
		case \$f in ./usr/sbin/mirror-fcgi | ./usr/lib/cgi-bin/mirror.cgi) want=-rwxr-xr-x ;; *) want=-rw-r--r-- ;; esac
		[ \"\$mode\" = \"\$want\" ] || { echo \"\$f: \$mode\" >&2; exit 1; }
	done"
deploy_check "nothing enabled: no sites-enabled, no unit links" \
	bash -c "! grep -Eq '\\./etc/(nginx|apache2)/sites-enabled|\\./etc/systemd' '$W/contents'"

X=$W/extract
dpkg-deb -x "$DEB" "$X"
dpkg-deb -e "$DEB" "$X/DEBIAN"
deploy_check "every file under /etc is a conffile" \
	diff -u <(grep '^\./etc/' "$W/files" | sed 's|^\.||' | sort) <(sort "$X/DEBIAN/conffiles")
svc=$X/lib/systemd/system/stackstate-mirror.service
sock=$X/lib/systemd/system/stackstate-mirror.socket
deploy_check "the service runs /usr/sbin/mirror-fcgi as its own user, reading /etc/stackstate-mirror/mirror.env" \
	bash -c "grep -qx 'ExecStart=/usr/sbin/mirror-fcgi' '$svc' && grep -qx 'User=stackstate-mirror' '$svc' &&
		grep -qx 'EnvironmentFile=-/etc/stackstate-mirror/mirror.env' '$svc' && grep -qx 'RuntimeDirectory=stackstate-mirror' '$svc'"
deploy_check "the socket is /run/stackstate-mirror/mirror.sock for www-data" \
	bash -c "grep -qx 'ListenStream=/run/stackstate-mirror/mirror.sock' '$sock' && grep -qx 'SocketGroup=www-data' '$sock' &&
		grep -qx 'SocketMode=0660' '$sock'"
deploy_check "the sites name /usr/lib/cgi-bin/mirror.cgi" \
	bash -c "grep -q '^fastcgi_param  SCRIPT_FILENAME  /usr/lib/cgi-bin/mirror.cgi;' '$X/etc/nginx/mirror/mirror-cgi.conf' &&
		grep -qx 'Define MIRROR_CGI_PROGRAM /usr/lib/cgi-bin/mirror.cgi' '$X/etc/apache2/mirror/mirror-routes.conf'"
deploy_check "the user is created before any unit is started (postinst)" bash -c "
	u=\$(grep -n 'systemd-sysusers' '$X/DEBIAN/postinst' | head -n 1 | cut -d: -f1)
	s=\$(grep -n 'deb-systemd-invoke' '$X/DEBIAN/postinst' | head -n 1 | cut -d: -f1)
	[ -n \"\$u\" ] && [ -n \"\$s\" ] && [ \"\$u\" -lt \"\$s\" ]"
deploy_check "Depends names a sysusers implementation" \
	bash -c "dpkg-deb -f '$DEB' Depends | grep -q 'systemd | systemd-standalone-sysusers'"
deploy_check "a purge removes the user (postrm)" grep -q 'deluser --system --quiet stackstate-mirror' "$X/DEBIAN/postrm"
for b in usr/sbin/mirror-fcgi usr/lib/cgi-bin/mirror.cgi; do
	deploy_check "$b is hardened: PIE, full RELRO, fortified" bash -c "
		readelf -h '$X/$b' | grep -q 'Type: *DYN' &&
		readelf -l '$X/$b' | grep -q GNU_RELRO && readelf -d '$X/$b' | grep -q 'BIND_NOW' &&
		readelf -s --wide '$X/$b' | grep -q '__[a-z]*_chk'"
done

# Debian's stock server configuration in a scratch root, with the
# packaged site enabled as DEPLOY-*.md say.
stock_root() {
	R=$W/stock
	mkdir -p "$R/etc" "$R/run" "$R/var/log/nginx" "$R/var/log/apache2" "$R/var/run/apache2" \
		"$R/var/lock/apache2" "$R/var/lib/apache2"
	cp -an /etc/nginx "$R/etc/" && cp -a "$X/etc/nginx/." "$R/etc/nginx/"
	cp -an /etc/apache2 "$R/etc/" && cp -a "$X/etc/apache2/." "$R/etc/apache2/"
	rm -f "$R/etc/nginx/sites-enabled/"* "$R/etc/apache2/sites-enabled/"*
	local f
	while IFS= read -r -d '' f; do
		"$TOP/tests/recipes/scratch.sh" "$R" <"$f" >"$f.s" && cat "$f.s" >"$f" && rm -f "$f.s"
	done < <(find "$R/etc" -type f -print0)
	stack_make_tls "$W/tls"
	sed -i -e "s|/etc/ssl/mirror/fullchain.pem|$W/tls/server.pem|" -e "s|/etc/ssl/mirror/privkey.pem|$W/tls/server.key|" \
		"$R/etc/nginx/mirror/mirror-server.conf" "$R/etc/apache2/mirror/mirror-server.conf"
	ln -s ../sites-available/stackstate-mirror "$R/etc/nginx/sites-enabled/stackstate-mirror"
}
stock_root
deploy_check "nginx -t: Debian's nginx.conf with the packaged site enabled" \
	nginx -t -q -c "$R/etc/nginx/nginx.conf" -e "$R/var/log/nginx/error.log"
deploy_check "apachectl configtest: Debian's apache2.conf with the packaged site enabled" bash -c "
	export APACHE_CONFDIR='$R/etc/apache2' APACHE_STATE_DIRECTORY='$R/var/lib/apache2'
	a2enmod -q ssl headers rewrite alias unique_id proxy proxy_fcgi >/dev/null &&
	a2ensite -q stackstate-mirror >/dev/null && apachectl configtest 2>&1 | grep -q 'Syntax OK'"

# --- 4. install, serve, purge (CI) ---------------------------------------------------------

if [ "${CI:-}" != true ] && [ "${MIRROR_PACKAGE_INSTALL:-0}" != 1 ]; then
	echo "package: not installing it on this machine (set CI=true or MIRROR_PACKAGE_INSTALL=1)"
	deploy_finish
	exit
fi

refuse() {
	deploy_fail "install: $1; not touching this machine"
	deploy_finish
	exit 1
}
[ "$(id -u)" -eq 0 ] || refuse "installing needs root"
[ "$(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null)" != installed ] || refuse "$PKG is installed already"
! getent passwd "$USER_NAME" >/dev/null || refuse "the user $USER_NAME exists already"
[ ! -e /etc/nginx/sites-enabled/stackstate-mirror ] || refuse "/etc/nginx/sites-enabled/stackstate-mirror exists"
[ ! -e /run/stackstate-mirror ] || refuse "/run/stackstate-mirror exists"

# What must be as it was after the purge.
watched=(/etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/systemd /etc/nginx /etc/apache2
	/etc/stackstate-mirror /etc/logrotate.d)
sys_snapshot "$W/before" "${watched[@]}"
: >"$W/paths.before"
awk '{ print substr($6, 2) }' "$W/contents" | sed 's|/$||' | grep . | while read -r p; do
	[ ! -e "$p" ] || echo "$p"
done >"$W/paths.before"

# Undone at exit if a check stops half-way (last registered, first run).
deploy_on_exit 'purge_package'
purge_package() {
	rm -f /etc/nginx/sites-enabled/stackstate-mirror
	if [ "$(dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null)" != not-installed ] &&
		dpkg-query -W "$PKG" >/dev/null 2>&1; then
		sys_policy_deny
		env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 purge -y -qq "$PKG" \
			>>"$W/apt.log" 2>&1 || true
		sys_policy_restore
	fi
	rm -rf /run/stackstate-mirror
}

sys_policy_deny
rc=0
env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq \
	--no-install-recommends "$DEB" >"$W/apt.log" 2>&1 </dev/null || rc=$?
sys_policy_restore
deploy_check "apt-get install ./$(basename "$DEB") (exit $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || { tail -n 20 "$W/apt.log" | sed 's/^/    /' >&2; deploy_finish; exit 1; }
deploy_check "it created the system user $USER_NAME (no login)" bash -c "
	e=\$(getent passwd '$USER_NAME') && [ \"\$(echo \"\$e\" | cut -d: -f3)\" -lt 1000 ] &&
	[ \"\$(echo \"\$e\" | cut -d: -f7)\" = /usr/sbin/nologin ]"
deploy_check "and started nothing (policy-rc.d): no socket yet" test ! -e /run/stackstate-mirror/mirror.sock

# The operator's steps of DEPLOY-nginx.md: the key (its recipe, as is),
# this host's port and certificate, then the site enabled.
port=$(stack_free_port)
key=$(awk '$0 == "<!-- recipe: nginx-key -->" { w = 1; next } w && /^```/ { if (i) exit; i = 1; next } i' \
	"$TOP/docs/DEPLOY-nginx.md" | bash | tail -n 1)
deploy_check "the key recipe set the key in both places" bash -c "
	grep -q '\"$key\"' /etc/nginx/mirror/mirror-keys.conf && grep -qx 'MIRROR_API_KEY=$key' /etc/stackstate-mirror/mirror.env"
mkdir -p "$W/logs"
sed -i -e "s|^listen  *443 ssl;|listen 127.0.0.1:$port ssl;|" -e '/^listen  *\[::\]:443 ssl;/d' \
	-e 's|^server_name .*|server_name  localhost;|' \
	-e "s|^ssl_certificate  .*|ssl_certificate  $W/tls/server.pem;|" \
	-e "s|^ssl_certificate_key .*|ssl_certificate_key  $W/tls/server.key;|" \
	-e "s|/var/log/nginx/|$W/logs/|" /etc/nginx/mirror/mirror-server.conf
ln -s ../sites-available/stackstate-mirror /etc/nginx/sites-enabled/stackstate-mirror
deploy_check "nginx -t: /etc/nginx/nginx.conf with the site enabled" nginx -t -q

# The responder, as the installed units would start it.
started=1
unit_start /lib/systemd/system/stackstate-mirror.socket /lib/systemd/system/stackstate-mirror.service \
	"$W/journal.log" || started=0
RESP_PID=$UNIT_PID
deploy_on_exit 'stack_kill "$RESP_PID" TERM 35'
deploy_check "the responder starts on the unit's socket" test "$started" -eq 1
deploy_check "as $USER_NAME, on a socket for www-data (root www-data 660)" bash -c "
	[ \"\$(ps -o user= -p $RESP_PID | tr -d ' ')\" = '$USER_NAME' ] &&
	[ \"\$(stat -c '%U %G %a' '$UNIT_SOCKET')\" = 'root www-data 660' ]"

# A private nginx (its own pid, logs and temp files in $W) that includes
# the enabled site exactly as /etc/nginx/nginx.conf does.
N=$W/nginx
mkdir -p "$N/tmp"
chmod 755 "$W" "$N"
ln -s /etc/nginx/mirror "$N/mirror"
ln -s /etc/nginx/fastcgi_params "$N/fastcgi_params"
cat >"$N/nginx.conf" <<EOF
user www-data;
worker_processes 1;
pid $N/nginx.pid;
error_log $N/error.log;
events { worker_connections 64; }
http {
    client_body_temp_path $N/tmp/body;
    fastcgi_temp_path $N/tmp/fastcgi;
    proxy_temp_path $N/tmp/proxy;
    scgi_temp_path $N/tmp/scgi;
    uwsgi_temp_path $N/tmp/uwsgi;
    include /etc/nginx/sites-enabled/stackstate-mirror;
}
EOF
nginx -c "$N/nginx.conf" -e "$N/error.log" -g 'daemon off;' >>"$N/stderr.log" 2>&1 &
NGINX_PID=$!
deploy_on_exit 'stack_kill "$NGINX_PID" QUIT 10'
DEPLOY_CA=$W/tls/ca.pem deploy_wait_https "https://localhost:$port" "$NGINX_PID" "$RESP_PID" || true

answer() {
	local -a h=()
	[ -z "${1:-}" ] || h=(-H "X-MIRROR-API-KEY: $1")
	curl -s --cacert "$W/tls/ca.pem" --max-time 10 "${h[@]}" -w ' %{http_code}' \
		-d '{"_type":"TestConnectionRequest","connectionDetails":{}}' "https://localhost:$port/api/connection"
}
deploy_check "over TLS with the key: 200 and the connection answer" test "$(answer "$key")" = "$EXPECT_OK 200"
deploy_check "without it: 401 and its JSON" test "$(answer)" = "$EXPECT_401 401"
deploy_check "the responder logged it (the journal's share)" grep -q ' /api/connection 200 ' "$W/journal.log"

stack_kill "$NGINX_PID" QUIT 10
stack_kill "$RESP_PID" TERM 35
deploy_check "the responder stops cleanly on SIGTERM (exit $STACK_KILL_STATUS)" test "$STACK_KILL_STATUS" -eq 0

# Disable the site, purge, and look for anything left.
purge_package
deploy_check "apt-get purge: the package is gone" \
	bash -c "! dpkg-query -W -f='\${db:Status-Status}' '$PKG' 2>/dev/null | grep -qv not-installed"
deploy_check "no file or directory of the package is left" bash -c "
	awk '{ print substr(\$6, 2) }' '$W/contents' | sed 's|/\$||' | grep . | while read -r p; do
		[ -e \"\$p\" ] || continue
		grep -qx \"\$p\" '$W/paths.before' || { echo \"left: \$p\" >&2; exit 1; }
	done"
deploy_check "no user or group $USER_NAME" bash -c "! getent passwd '$USER_NAME' && ! getent group '$USER_NAME'"
deploy_check "no runtime directory, no unit link, no deb-systemd-helper state" bash -c "
	! ls -d /run/stackstate-mirror /etc/systemd/system/*/stackstate-mirror.* \
		/var/lib/systemd/deb-systemd-helper-enabled/*stackstate-mirror* \
		/var/lib/systemd/deb-systemd-helper-enabled/*/stackstate-mirror* 2>/dev/null | grep -q ."
sys_snapshot "$W/after" "${watched[@]}"
deploy_check "accounts, /etc/{systemd,nginx,apache2,logrotate.d} and the enabled units as before" \
	diff -u "$W/before" "$W/after"
deploy_finish
