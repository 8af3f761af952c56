#!/usr/bin/env bash
# `make install` under a scratch prefix: the layout of docs/INSTALL.md
# (sbindir, cgibindir, systemd units, sysusers.d, sysconfdir, docdir),
# the configured paths inside the installed files, DESTDIR, an
# operator's configuration never overwritten, uninstall keeping edited
# files, every MIRROR_* setting of common/conf.c in mirror.env, the
# socket + service pair passing `systemd-analyze verify`, and a build
# without Check (only `make check` needs it).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d /tmp/mirror-service.XXXXXX)
unit=$top/systemd/stackstate-mirror.service
# The generated unit names this run's prefix; drop it so the next build
# makes it again for the configured one.
trap 'rm -rf "$tmp" "$unit"' EXIT

passed=0
failed=0
check() {
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		printf 'PASS  %s\n' "$name"
	else
		failed=$((failed + 1))
		printf 'FAIL  %s\n' "$name"
	fi
}

# install_to DIR [make arguments]: prefix DIR/usr, sysconfdir DIR/etc.
install_to() {
	local d=$1
	shift
	rm -f "$unit"
	make -C "$top" -s install prefix="$d/usr" sysconfdir="$d/etc" localstatedir="$d/var" "$@"
}

install_to "$tmp" >"$tmp/install.log"
u=$tmp/usr
e=$tmp/etc
units=$u/lib/systemd/system

# --- the layout -------------------------------------------------------------
check "the responder in sbindir" test -x "$u/sbin/mirror-fcgi"
check "the CGI program in cgibindir (PREFIX/lib/cgi-bin)" test -x "$u/lib/cgi-bin/mirror.cgi"
check "nothing in bindir" test ! -e "$u/bin"
check "man pages" test -f "$u/share/man/man8/mirror-fcgi.8" \
	-a -f "$u/share/man/man8/mirror.cgi.8" -a -f "$u/share/man/man5/mirror.conf.5"
check "systemd units and the sysusers.d user" test -f "$units/stackstate-mirror.service" \
	-a -f "$units/stackstate-mirror.socket" -a -f "$u/lib/sysusers.d/stackstate-mirror.conf"
check "mirror.env and the logrotate file" test -f "$e/stackstate-mirror/mirror.env" \
	-a -f "$e/logrotate.d/stackstate-mirror"
check "no nginx file where nothing reads it" test ! -e "$e/stackstate-mirror/mirror-keys.conf"
check "the nginx site, not enabled, and its includes" test -f "$e/nginx/sites-available/stackstate-mirror" \
	-a ! -e "$e/nginx/sites-enabled" -a -f "$e/nginx/mirror/mirror-site.conf" -a -f "$e/nginx/mirror/mirror-keys.conf"
check "every nginx/mirror-*.conf installed" bash -c "cd '$top/nginx' && for f in mirror-*.conf; do test -f '$e/nginx/mirror/'\$f || exit 1; done"
check "the Apache site, not enabled, and its includes" test -f "$e/apache2/sites-available/stackstate-mirror.conf" \
	-a ! -e "$e/apache2/sites-enabled" -a -f "$e/apache2/mirror/mirror-site.conf"
check "every apache/mirror-*.conf installed" bash -c "cd '$top/apache' && for f in mirror-*.conf; do test -f '$e/apache2/mirror/'\$f || exit 1; done"
check "README and docs/ in docdir, links intact" test -f "$u/share/doc/stackstate-mirror/README.md" \
	-a -f "$u/share/doc/stackstate-mirror/docs/DEPLOY-nginx.md" -a -f "$u/share/doc/stackstate-mirror/docs/INSTALL.md"
check "the stream console in pkgdatadir (datadir/stackstate-mirror/console)" \
	diff -r "$top/console" "$u/share/stackstate-mirror/console"
check "the sites serve the console from there" bash -c "
	grep -q 'default  $u/share/stackstate-mirror/console;' '$e/nginx/mirror/mirror-routes.conf' &&
	grep -qx 'Define MIRROR_CONSOLE_DIR $u/share/stackstate-mirror/console' '$e/apache2/mirror/mirror-routes.conf'"

# --- the configured paths in the installed files ------------------------------
check "unit runs the installed responder" grep -qx "ExecStart=$u/sbin/mirror-fcgi" "$units/stackstate-mirror.service"
check "unit reads the installed configuration" \
	grep -qx "EnvironmentFile=-$e/stackstate-mirror/mirror.env" "$units/stackstate-mirror.service"
check "unit runs as the sysusers.d user" bash -c "grep -qx 'User=stackstate-mirror' '$units/stackstate-mirror.service' &&
	grep -q '^u stackstate-mirror ' '$u/lib/sysusers.d/stackstate-mirror.conf'"
check "nginx's CGI variant names the installed program" \
	grep -q "^fastcgi_param  SCRIPT_FILENAME  $u/lib/cgi-bin/mirror.cgi;" "$e/nginx/mirror/mirror-cgi.conf"
check "Apache's routes name the installed program" \
	grep -qx "Define MIRROR_CGI_PROGRAM $u/lib/cgi-bin/mirror.cgi" "$e/apache2/mirror/mirror-routes.conf"
check "logrotate rotates under localstatedir" grep -qx "$tmp/var/log/stackstate-mirror/\*.log {" "$e/logrotate.d/stackstate-mirror"

# --- every setting, with its default --------------------------------------------
settings=$(grep -o '"MIRROR_[A-Z_]*"' "$top/common/conf.c" | tr -d '"' | sort -u)
missing_from() {
	local file=$1 pattern=$2 s out=""
	for s in $settings; do
		grep -q "$(printf "$pattern" "$s")" "$file" || out+=" $s"
	done
	[ -z "$out" ] || echo "missing from $file:$out" >&2
	[ -z "$out" ]
}
check "common/conf.c reads $(echo "$settings" | wc -l) settings" test -n "$settings"
check "mirror.env lists every one, commented" missing_from "$e/stackstate-mirror/mirror.env" '^#%s='
check "mirror.conf(5) describes every one" missing_from "$top/man/mirror.conf.5" '^\\.B %s$'
check "the README's table lists every one" missing_from "$top/README.md" '^| `%s` |'
# Uncommented as shipped, the file must change nothing.
check "mirror.env's values are the defaults: the responder starts with all of them" bash -c "
	set -a; . <(sed -n 's/^#\(MIRROR_[A-Z_]*=\)/\1/p' '$e/stackstate-mirror/mirror.env'); set +a
	'$u/sbin/mirror-fcgi' --help >/dev/null"

# --- DESTDIR, kept configuration, uninstall ---------------------------------------
rm -f "$unit"
make -C "$top" -s install DESTDIR="$tmp/dest" prefix=/usr sysconfdir=/etc localstatedir=/var >/dev/null
check "DESTDIR: files under it, naming the final paths" bash -c "
	test -x '$tmp/dest/usr/sbin/mirror-fcgi' &&
	grep -qx 'ExecStart=/usr/sbin/mirror-fcgi' '$tmp/dest/usr/lib/systemd/system/stackstate-mirror.service' &&
	grep -q '^fastcgi_param  SCRIPT_FILENAME  /usr/lib/cgi-bin/mirror.cgi;' '$tmp/dest/etc/nginx/mirror/mirror-cgi.conf' &&
	! grep -rq '$tmp/dest' '$tmp/dest/etc' '$tmp/dest/usr/lib/systemd'"

echo "MIRROR_API_KEY=edited-by-the-operator" >"$e/stackstate-mirror/mirror.env"
sed -i 's/replace-with-your-key/operators-key/' "$e/nginx/mirror/mirror-keys.conf"
install_to "$tmp" >"$tmp/install2.log"
check "a second install keeps the operator's mirror.env" \
	grep -qx "MIRROR_API_KEY=edited-by-the-operator" "$e/stackstate-mirror/mirror.env"
check "and the operator's nginx keys" grep -q 'operators-key' "$e/nginx/mirror/mirror-keys.conf"
check "and says so" grep -q "kept $e/stackstate-mirror/mirror.env" "$tmp/install2.log"

if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify: socket + service" \
		systemd-analyze verify --man=no "$units/stackstate-mirror.socket" \
		"$units/stackstate-mirror.service"
else
	check "systemd-analyze is installed (package systemd)" false
fi

check "the responder prints its usage" "$u/sbin/mirror-fcgi" --help
check "man pages format without warnings" \
	bash -c "! man --warnings -l '$u/share/man/man8/mirror-fcgi.8' \
		'$u/share/man/man8/mirror.cgi.8' \
		'$u/share/man/man5/mirror.conf.5' 2>&1 >/dev/null | grep -q ."

rm -f "$unit"
make -C "$top" -s uninstall prefix="$u" sysconfdir="$e" localstatedir="$tmp/var" >"$tmp/uninstall.log"
check "uninstall removes the programs and units" \
	test ! -e "$u/sbin/mirror-fcgi" -a ! -e "$u/lib/cgi-bin/mirror.cgi" -a ! -e "$units/stackstate-mirror.socket"
check "uninstall removes the console" test ! -e "$u/share/stackstate-mirror/console/index.html"
check "uninstall removes configuration as installed" test ! -e "$e/nginx/mirror/mirror-site.conf"
check "uninstall keeps edited configuration" test -f "$e/stackstate-mirror/mirror.env" \
	-a -f "$e/nginx/mirror/mirror-keys.conf"

# --- a build without Check ------------------------------------------------------
# A pkg-config path with every .pc file of this machine but check.pc.
pc=$tmp/pkgconfig
mkdir -p "$pc" "$tmp/nocheck"
for d in $(pkg-config --variable pc_path pkg-config | tr : ' '); do
	for f in "$d"/*.pc; do
		[ -e "$f" ] && [ "$(basename "$f")" != check.pc ] && ln -sf "$f" "$pc/"
	done
done
(cd "$top" && git ls-files -z --cached --others --exclude-standard 2>/dev/null |
	tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$tmp/nocheck" -xf -
(
	cd "$tmp/nocheck"
	autoreconf -fi >/dev/null 2>&1 &&
		PKG_CONFIG_LIBDIR=$pc ./configure >configure.out 2>&1 &&
		make -s -j2 >make.out 2>&1
) && built=1 || built=0
check "without Check: configure and make succeed" test "$built" -eq 1
check "without Check: configure says what make check needs" \
	grep -q 'make check. needs it' "$tmp/nocheck/configure.out"
rc=0
make -C "$tmp/nocheck" -s check >"$tmp/nocheck/check.out" 2>&1 || rc=$?
check "without Check: make check fails, naming the package" \
	bash -c "[ $rc -ne 0 ] && grep -q 'apt-get install check libsubunit-dev' '$tmp/nocheck/tests/need-check.sh.log'"

printf 'service: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
