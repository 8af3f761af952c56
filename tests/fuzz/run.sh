#!/usr/bin/env bash
# Runs each libFuzzer harness of an --enable-fuzz build for a bounded
# time (or number of runs) from its seed corpus and dictionary, and prints
# one line of figures per harness. A crash, a sanitizer report or a broken
# property fails the run; libFuzzer leaves the input as crash-* in the
# work directory.
#
# Usage: tests/fuzz/run.sh BUILD_TOP [SECONDS]   (default 25 s each)
#   FUZZ_RUNS=N         stop each harness after N inputs instead
#   FUZZ_ONLY="a b"     only these harnesses (names of tests/fuzz/corpus/*)
#   FUZZ_WORK=DIR       keep the grown corpora and logs in DIR (default: a
#                       temporary directory, removed after a clean run)
#   FUZZ_NICE=N         niceness of the runs (default 10)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$(cd "${1:?usage: run.sh BUILD_TOP [SECONDS]}" && pwd)
SECS=${2:-25}
WORK=${FUZZ_WORK:-$(mktemp -d /tmp/mirror-fuzz.XXXXXX)}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

# Longest input per harness: room for every field, small enough to stay fast.
max_len() {
	case $1 in
	request) echo 8192 ;;
	details | gateway) echo 4096 ;;
	selector) echo 2048 ;;
	*) echo 1024 ;;
	esac
}

failed=0
for dir in "$HERE"/corpus/*/; do
	name=$(basename "$dir")
	if [ -n "${FUZZ_ONLY:-}" ] && [[ " $FUZZ_ONLY " != *" $name "* ]]; then
		continue
	fi
	bin=$BUILD/tests/fuzz/fuzz_$name
	[ -x "$bin" ] || { echo "fuzz: $bin is not built" >&2; failed=1; continue; }
	corpus=$WORK/corpus-$name log=$WORK/$name.log
	mkdir -p "$corpus"
	limit=(-max_total_time="$SECS")
	[ -z "${FUZZ_RUNS:-}" ] || limit=(-runs="$FUZZ_RUNS")
	dict=()
	[ ! -f "$HERE/dict/$name.dict" ] || dict=(-dict="$HERE/dict/$name.dict")
	rc=0
	(cd "$WORK" && ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
		nice -n "${FUZZ_NICE:-10}" "$bin" "${limit[@]}" "${dict[@]}" \
		-max_len="$(max_len "$name")" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$WORK/$name-" "$corpus" "$dir" >"$log" 2>&1) || rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		printf 'fuzz: PASS %-9s %s execs, %s exec/s, %s, corpus %s\n' "$name" \
			"${execs:-?}" "${rate:-?}" "${cov:-cov: ?}" "$(ls "$corpus" | wc -l)"
	else
		printf 'fuzz: FAIL %-9s exit %s; log %s\n' "$name" "$rc" "$log"
		grep -E -m 20 'ERROR:|runtime error|property broken|SUMMARY|Test unit written' "$log" | sed 's/^/    /'
		failed=1
	fi
done
if [ "$failed" -eq 0 ] && [ -z "${FUZZ_WORK:-}" ]; then
	rm -rf "$WORK"
fi
exit $failed
