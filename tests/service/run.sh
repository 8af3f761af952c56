#!/usr/bin/env bash
# `make install` and the systemd units: everything lands where it should,
# an operator's edited configuration is never overwritten, and the
# installed socket + service pair passes `systemd-analyze verify` with the
# responder at the path the unit names.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d)
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

install_to() {
	make -C "$top" -s install prefix="$tmp/usr" sysconfdir="$tmp/etc" >/dev/null
}

rm -f "$unit"
install_to
units=$tmp/usr/lib/systemd/system

check "binaries installed" test -x "$tmp/usr/bin/mirror-fcgi" -a -x "$tmp/usr/bin/mirror.cgi"
check "man pages installed" test -f "$tmp/usr/share/man/man8/mirror-fcgi.8" \
	-a -f "$tmp/usr/share/man/man8/mirror.cgi.8" -a -f "$tmp/usr/share/man/man5/mirror.conf.5"
check "example configuration installed" test -f "$tmp/etc/stackstate-mirror/mirror.env" \
	-a -f "$tmp/etc/stackstate-mirror/mirror-keys.conf"
check "the stream console installed under \$(datadir)/stackstate-mirror/console" \
	diff -r "$top/console" "$tmp/usr/share/stackstate-mirror/console"
check "unit names the installed responder" \
	grep -qx "ExecStart=$tmp/usr/bin/mirror-fcgi" "$units/stackstate-mirror.service"
check "unit reads the installed configuration" \
	grep -qx "EnvironmentFile=-$tmp/etc/stackstate-mirror/mirror.env" "$units/stackstate-mirror.service"

echo "MIRROR_API_KEY=edited-by-the-operator" > "$tmp/etc/stackstate-mirror/mirror.env"
install_to
check "a second install keeps the operator's configuration" \
	grep -qx "MIRROR_API_KEY=edited-by-the-operator" "$tmp/etc/stackstate-mirror/mirror.env"

if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify: socket + service" \
		systemd-analyze verify --man=no "$units/stackstate-mirror.socket" \
		"$units/stackstate-mirror.service"
else
	check "systemd-analyze is installed (package systemd)" false
fi

check "the responder prints its usage" "$tmp/usr/bin/mirror-fcgi" --help
check "man pages format without warnings" \
	bash -c "! man --warnings -l '$tmp/usr/share/man/man8/mirror-fcgi.8' \
		'$tmp/usr/share/man/man8/mirror.cgi.8' \
		'$tmp/usr/share/man/man5/mirror.conf.5' 2>&1 >/dev/null | grep -q ."

make -C "$top" -s uninstall prefix="$tmp/usr" sysconfdir="$tmp/etc" >/dev/null
check "uninstall removes the binaries" test ! -e "$tmp/usr/bin/mirror-fcgi"
check "uninstall removes the console" test ! -e "$tmp/usr/share/stackstate-mirror/console/index.html"

printf 'service: %d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
