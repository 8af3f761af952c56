# shellcheck shell=bash
# tests/system/lib.sh: what the suites that touch the machine share.
# Sourced by mirror.sh, tests/package/run.sh and tests/recipes/run.sh;
# it defines functions only.
#
#   sys_policy_deny / sys_policy_restore
#       around package installs: a policy-rc.d that forbids starting
#       services (invoke-rc.d(8), deb-systemd-invoke honour it), removed
#       again unless it was there before.
#   sys_disable_new_units BEFORE_FILE
#       disables every systemd unit enabled now that was not in
#       BEFORE_FILE (sys_enabled_units output): Debian enables what it
#       installs even when policy-rc.d forbids starting it.
#   sys_snapshot FILE [PATH...]
#       what "leave the machine as found" is checked against: listening
#       sockets, enabled units, and the checksum of every file in /etc
#       (or in PATH..., without the sockets).
#   unit_start SOCKET_UNIT SERVICE_UNIT LOG [RUNDIR]
#       starts a socket-activated service the way systemd would for
#       StandardInput=socket: spawn-fcgi binds ListenStream with the
#       socket's owner and mode and runs ExecStart, with the service's
#       Environment/EnvironmentFile, as its User/Group, after making its
#       RuntimeDirectory under RUNDIR (default /run). Standard output and
#       error (the journal's share) go to LOG. Sets UNIT_PID (the
#       service's process) and UNIT_SOCKET.

SYS_POLICY=/usr/sbin/policy-rc.d
SYS_POLICY_OURS=0

sys_policy_deny() {
	SYS_POLICY_OURS=0
	[ ! -e "$SYS_POLICY" ] || return 0
	printf '#!/bin/sh\n# stackstate-mirror tests: no service starts during their installs\nexit 101\n' \
		>"$SYS_POLICY" && chmod 755 "$SYS_POLICY" && SYS_POLICY_OURS=1
}

sys_policy_restore() {
	[ "$SYS_POLICY_OURS" != 1 ] || rm -f "$SYS_POLICY"
	SYS_POLICY_OURS=0
}

# Units enabled now (systemctl reads the unit files; systemd need not run).
sys_enabled_units() {
	command -v systemctl >/dev/null || return 0
	systemctl list-unit-files --state=enabled --no-legend --no-pager 2>/dev/null |
		awk '{print $1}' | sort
}

sys_disable_new_units() {
	local before=$1 u
	for u in $(sys_enabled_units | comm -13 "$before" -); do
		printf 'disabling %s (enabled by its package)\n' "$u" >&2
		systemctl disable --no-reload "$u" >/dev/null 2>&1 || systemctl disable "$u" >/dev/null 2>&1 || true
	done
}

# Listening TCP/UDP/unix sockets as "proto address", without PIDs.
sys_listening() {
	if command -v ss >/dev/null; then
		ss -Hlntu 2>/dev/null | awk '{print $1, $5}' | sort -u
		ss -Hlx 2>/dev/null | awk '$5 != "*" && $5 != "@" {print "unix", $5}' | sort -u
	fi
}

# Checksums of /etc (or of the paths given), where packages and these
# tests could leave traces; backups of the account files excepted: they
# change whenever an account does, even when it is put back.
sys_etc_sums() {
	local -a where=() p
	for p in "${@:-/etc}"; do
		[ ! -e "$p" ] || where+=("$p")
	done
	[ "${#where[@]}" -gt 0 ] || return 0
	{ find "${where[@]}" -xdev -type f ! -name '*-' ! -path '/etc/ld.so.cache' -print0 2>/dev/null || true; } |
		sort -z | { xargs -0 -r sha256sum 2>/dev/null || true; }
	{ find "${where[@]}" -xdev \( -type l -o -type d \) -printf '%y %p -> %l\n' 2>/dev/null || true; } | sort
}

# sys_snapshot FILE [PATH...]: the listening sockets, the enabled units
# and the checksums of /etc (or only of PATH..., then without sockets:
# other processes of a shared machine come and go).
sys_snapshot() {
	local out=$1
	shift
	{
		if [ "$#" -eq 0 ]; then
			echo "## listening"
			sys_listening
		fi
		echo "## enabled units"
		sys_enabled_units
		echo "## files"
		sys_etc_sums "$@"
	} >"$out"
}

# --- a socket unit, started without systemd ---------------------------------

# unit_get FILE KEY: the last KEY= of FILE (later assignments win).
unit_get() {
	awk -v k="$2" 'index($0, k "=") == 1 { v = substr($0, length(k) + 2) } END { print v }' "$1"
}

# unit_all FILE KEY: every KEY= value, one a line.
unit_all() {
	awk -v k="$2" 'index($0, k "=") == 1 { print substr($0, length(k) + 2) }' "$1"
}

# The service's environment as NAME=value lines: Environment= first,
# then each EnvironmentFile= ("-" marks an optional one), as systemd.exec(5).
unit_env() {
	local svc=$1 f e
	while read -r e; do
		[ -z "$e" ] || printf '%s\n' "$e"
	done < <(unit_all "$svc" Environment)
	while read -r f; do
		[ -n "$f" ] || continue
		f=${f#-}
		[ -r "$f" ] || continue
		sed -n -e 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*=\)/\1/p' "$f" |
			sed -e 's/^\([^=]*\)="\(.*\)"$/\1=\2/'
	done < <(unit_all "$svc" EnvironmentFile)
}

# ExecStart with ${NAME} and $NAME replaced from the environment lines.
unit_exec() {
	local cmd=$1 line name value
	shift
	for line in "$@"; do
		name=${line%%=*}
		value=${line#*=}
		cmd=${cmd//\$\{$name\}/$value}
		cmd=${cmd//\$$name/$value}
	done
	printf '%s\n' "$cmd"
}

unit_start() {
	local sock=$1 svc=$2 log=$3 rundir=${4:-/run}
	local listen mode suser sgroup user group exec rtdir rtmode
	local -a envs words as
	listen=$(unit_get "$sock" ListenStream)
	mode=$(unit_get "$sock" SocketMode)
	suser=$(unit_get "$sock" SocketUser)
	sgroup=$(unit_get "$sock" SocketGroup)
	user=$(unit_get "$svc" User)
	group=$(unit_get "$svc" Group)
	rtdir=$(unit_get "$svc" RuntimeDirectory)
	rtmode=$(unit_get "$svc" RuntimeDirectoryMode)
	mapfile -t envs < <(unit_env "$svc")
	exec=$(unit_exec "$(unit_get "$svc" ExecStart)" "${envs[@]}")
	case $listen in
	/*) ;;
	*)
		echo "unit_start: $sock: only unix ListenStream paths are emulated" >&2
		return 1
		;;
	esac
	install -d -m "$(unit_get "$sock" DirectoryMode | grep . || echo 0755)" "$(dirname "$listen")"
	[ -z "$rtdir" ] || install -d -o "${user:-root}" -g "${group:-root}" -m "${rtmode:-0755}" "$rundir/$rtdir"
	rm -f "$listen"
	# spawn-fcgi refuses to give the socket to root (-U root), and
	# without -U gives it to -u's user: the owner is set once it exists.
	as=()
	[ -z "$suser" ] || [ "$suser" = root ] || as+=(-U "$suser")
	[ -z "$sgroup" ] || as+=(-G "$sgroup")
	[ -z "$user" ] || as+=(-u "$user")
	[ -z "$group" ] || as+=(-g "$group")
	read -r -a words <<<"$exec"
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${envs[@]}" \
		spawn-fcgi -n -s "$listen" -M "${mode:-0666}" "${as[@]}" -- "${words[@]}" >>"$log" 2>&1 &
	UNIT_PID=$!
	UNIT_SOCKET=$listen
	unit_wait_socket "$listen" "$UNIT_PID" || return 1
	chown "${suser:-root}${sgroup:+:$sgroup}" "$listen"
}

# True while pid runs: a zombie (exited, not yet reaped by whoever
# adopted it) counts as gone.
sys_alive() {
	local state
	kill -0 "$1" 2>/dev/null || return 1
	state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)
	[ "$state" != Z ]
}

# sys_stop PID [SIGNAL [SECONDS]]: signals a process that need not be
# our child and waits until it is gone (SIGKILL after SECONDS, 35).
sys_stop() {
	local pid=$1 sig=${2:-TERM} secs=${3:-35} i
	[ -n "$pid" ] || return 0
	kill -s "$sig" "$pid" 2>/dev/null || return 0
	for ((i = 0; i < secs * 10; i++)); do
		sys_alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# Waits until path is a socket while pid lives; at most 10 s.
unit_wait_socket() {
	local path=$1 pid=$2 i
	for ((i = 0; i < 100; i++)); do
		sys_alive "$pid" || return 1
		[ -S "$path" ] && return 0
		sleep 0.1
	done
	return 1
}
