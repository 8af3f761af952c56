# shellcheck shell=bash
# Shared by the wrk benchmarks (bench/*.sh): what they need installed and
# built, where their output goes, one wrk run, its figures, and medians.
# Sourced; expects HERE (bench/) and DURATION (seconds per run).

# bench_need "PACKAGES" TOOL...: stops when a tool is not installed,
# naming the Debian packages that bring them.
bench_need() {
	local packages=$1 tool
	shift
	for tool; do
		command -v "$tool" >/dev/null || {
			echo "bench: $tool is missing (apt-get install $packages)" >&2
			exit 1
		}
	done
}

# bench_built FILE...: stops unless the build made each FILE.
bench_built() {
	local f
	for f; do
		[ -e "$f" ] || {
			echo "bench: build first (./mirror.sh build): no $f" >&2
			exit 1
		}
	done
}

# bench_out NAME: STAMP (UTC) and OUT=bench/out/NAME-STAMP, made, for the
# raw output beside the NAME-STAMP.md report.
bench_out() {
	STAMP=$(date -u +%Y%m%d-%H%M%S)
	OUT=$HERE/out/$1-$STAMP
	mkdir -p "$OUT"
}

# Converts wrk's "1.23ms" / "456.00us" / "1.02s" to microseconds.
to_us() {
	awk -v t="$1" 'BEGIN {
		n = t + 0; u = t; sub(/^[0-9.]+/, "", u)
		if (u == "us") f = 1; else if (u == "ms") f = 1000;
		else if (u == "s") f = 1000000; else if (u == "m") f = 60000000; else f = -1
		printf "%.0f\n", f < 0 ? -1 : n * f
	}'
}

# The median of the numbers on standard input, one per line.
median() {
	sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# wrk_measure SCRIPT URL CONNS LOG: one wrk run with the Lua SCRIPT (which
# reads its request from the WRK_* variables the caller sets), output kept
# in LOG. Prints "req/s p50_us p99_us"; fails, showing LOG, when any
# answer was not 2xx or wrk measured nothing.
wrk_measure() {
	local script=$1 url=$2 conns=$3 log=$4 threads=1
	[ "$conns" -gt 1 ] && threads=2
	wrk -t"$threads" -c"$conns" -d"${DURATION}s" --latency -s "$script" "$url" \
		>"$log" 2>&1 || true
	if grep -q 'Non-2xx or 3xx responses' "$log" || ! grep -q 'Requests/sec' "$log"; then
		echo "bench: errors in $log:" >&2
		cat "$log" >&2
		return 1
	fi
	echo "$(awk '/^Requests\/sec:/ { print $2 }' "$log")" \
		"$(to_us "$(awk '$1 == "50%" { print $2 }' "$log")")" \
		"$(to_us "$(awk '$1 == "99%" { print $2 }' "$log")")"
}
