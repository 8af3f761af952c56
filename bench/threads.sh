#!/usr/bin/env bash
# How many responder threads a store ~1 ms away needs: requests/s of a
# Prometheus-backed TestConnectionRequest at concurrency 64, over HTTPS
# through the shipped nginx, against MIRROR_THREADS, with a store that
# answers after a fixed delay and uses almost no CPU (bench/slow_store.c).
# Each thread waits on the store for the whole delay, so too few threads
# cap the rate at threads / (delay + work) while the CPU idles; enough of
# them make the CPU the limit.
#
#   bench/threads.sh                          threads 2..64, 1 ms, 5 s runs, median of 3
#   BENCH_THREADS="4 32" BENCH_DELAY_US=2000 bench/threads.sh
#
# Settings: BENCH_THREADS ("2 4 8 16 32 64"), BENCH_DELAY_US (1000),
# BENCH_DURATION (s, 5), BENCH_RUNS (3), BENCH_CONNS (64), BENCH_CASE
# (connection | field_names), BENCH_INFLIGHT (the bulkhead's cap on calls
# to the one store, MIRROR_STORE_MAX_INFLIGHT; default: the thread count,
# so the threads are what is measured: answers past a lower cap are 503s,
# which wrk counts as errors). Thread counts are measured round robin,
# one run of each per round, so drift of a shared machine hits all alike.
# Results: a Markdown table on stdout and in bench/out/threads-<time>.md,
# wrk's raw output beside it. The "mirror CPU" column is the responder's
# own user + system time per request (from /proc/<pid>/stat).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
TOP=$(cd "$HERE/.." && pwd)
DURATION=${BENCH_DURATION:-5}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNS:-64}
THREADS=${BENCH_THREADS:-2 4 8 16 32 64}
DELAY_US=${BENCH_DELAY_US:-1000}
CASE=${BENCH_CASE:-connection}

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"

bench_need wrk wrk
bench_built "$TOP/fcgi/mirror-fcgi"

bench_out threads
WORK=$(mktemp -d /tmp/mirror-bench-threads.XXXXXX)
STORE_PID=""
cleanup() {
	stack_stop
	stack_kill "$STORE_PID" TERM 5
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cc -O2 -o "$WORK/slow_store" "$HERE/slow_store.c"
STORE_PORT=$(stack_free_port)
"$WORK/slow_store" "$STORE_PORT" "$DELAY_US" >"$WORK/store.log" 2>&1 &
STORE_PID=$!
for ((i = 0; i < 50; i++)); do
	grep -q ready "$WORK/store.log" && break
	sleep 0.1
done
STORE=http://127.0.0.1:$STORE_PORT
export MIRROR_STORE_ALLOW=$STORE

details="{\"backend\":\"prometheus\",\"url\":\"$STORE\"}"
case $CASE in
connection)
	path=/api/connection
	printf '{"_type":"TestConnectionRequest","connectionDetails":%s}' "$details" >"$WORK/body.json"
	;;
field_names)
	path=/api/field/name
	printf '{"_type":"FieldNamesRequest","connectionDetails":%s,"query":{"conditions":[],"limit":100,"_type":"FieldNamesQuery"}}' \
		"$details" >"$WORK/body.json"
	;;
*)
	echo "bench: unknown case $CASE" >&2
	exit 1
	;;
esac

# The responder's user + system CPU ticks so far.
fcgi_ticks() {
	awk '{ print $14 + $15 }' "/proc/$STACK_FCGI_PID/stat"
}

# One run at $1 threads: "req/s p50 p99 cpu_us_per_request".
measure() {
	local t=$1 log=$2 before after r
	MIRROR_THREADS=$t MIRROR_STORE_MAX_INFLIGHT=${BENCH_INFLIGHT:-$t} \
		STACK_DIR=$WORK/stack STACK_PORT=$PORT STACK_KEYS=api_key \
		STACK_KEY_CHECK=on stack_start >/dev/null 2>&1
	code=$(curl -s -o "$WORK/answer" -w '%{http_code}' --cacert "$STACK_CA" \
		-H 'X-MIRROR-API-KEY: api_key' -H 'Content-Type: application/json' \
		--data-binary "@$WORK/body.json" "$STACK_URL$path")
	grep -q '"status":"OK"\|"fields"' "$WORK/answer" && [ "$code" = 200 ] || {
		echo "bench: $CASE answered $code: $(head -c 300 "$WORK/answer")" >&2
		return 1
	}
	before=$(fcgi_ticks)
	r=$(WRK_BODY=$WORK/body.json wrk_measure "$HERE/prometheus.lua" "$STACK_URL$path" "$CONNS" "$log")
	after=$(fcgi_ticks)
	stack_stop
	awk -v r="$r" -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" -v d="$DURATION" 'BEGIN {
		split(r, f, " "); printf "%s %s %s %.0f\n", f[1], f[2], f[3],
		    (f[1] > 0 ? ticks / hz * 1e6 / (f[1] * d) : 0) }'
}

PORT=$(stack_free_port)
for ((run = 1; run <= RUNS; run++)); do
	for t in $THREADS; do
		measure "$t" "$OUT/t$t-run$run.txt" >"$OUT/t$t-run$run.res"
		echo "run $run, $t threads: $(cat "$OUT/t$t-run$run.res")" >&2
	done
done

{
	echo "Store delay ${DELAY_US} µs, $CASE, wrk -c$CONNS, ${DURATION} s runs, median of $RUNS ($(date -u +%F))"
	echo
	echo "| threads | req/s | p50 ms | p99 ms | mirror CPU µs/request | bound: threads / delay |"
	echo "|---:|---:|---:|---:|---:|---:|"
	for t in $THREADS; do
		rps=$(cat "$OUT"/t"$t"-run*.res | awk '{ print $1 }' | median)
		p50=$(cat "$OUT"/t"$t"-run*.res | awk '{ print $2 }' | median)
		p99=$(cat "$OUT"/t"$t"-run*.res | awk '{ print $3 }' | median)
		cpu=$(cat "$OUT"/t"$t"-run*.res | awk '{ print $4 }' | median)
		awk -v t="$t" -v r="$rps" -v a="$p50" -v b="$p99" -v c="$cpu" -v d="$DELAY_US" 'BEGIN {
			printf "| %d | %.0f | %.2f | %.2f | %.0f | %.0f |\n", t, r, a / 1000, b / 1000, c,
			    (d > 0 ? t * 1e6 / d : 0) }'
	done
} | tee "$HERE/out/threads-$STAMP.md"
