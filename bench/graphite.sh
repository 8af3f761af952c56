#!/usr/bin/env bash
# Benchmark of the Graphite store: requests/s and p50/p99 through the
# mirror (wrk over HTTPS -> nginx -> FastCGI -> mirror -> graphite-web),
# beside the very request the mirror sends, asked of graphite-web
# directly (wrk over plain HTTP on loopback), in the same run, so the
# mirror's overhead over the store reads as a ratio.
#
#   bench/graphite.sh                    both cases, 10 s each, median of 3
#   BENCH_DURATION=5 BENCH_RUNS=1 bench/graphite.sh raw_1h
#
# Store: Debian's carbon-cache and graphite-web under gunicorn
# (BENCH_GRAPHITE_WORKERS sync workers, default 2), private directory,
# loopback (tests/graphite/graphite.sh); data: tests/graphite/data.py,
# a series of 10 s points for 8 hours and 1-minute points for 7 days.
# Cases:
#   raw_1h        raw points of one hour (the 10 s archive: 332 points)
#   mean_1d_1m    MEAN in 1-minute buckets over one day (the 1-minute
#                 archive: 1125 points, aggregated by the mirror)
# Settings: BENCH_DURATION (s, 10), BENCH_RUNS (3), BENCH_CONNS ("1 4").
# Results: Markdown on stdout and in bench/out/graphite-<time>.md, raw wrk
# output beside it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
TOP=$(cd "$HERE/.." && pwd)
DURATION=${BENCH_DURATION:-10}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNS:-1 4}
ALL_CASES=(raw_1h mean_1d_1m)
CASES=("$@")
[ "${#CASES[@]}" -gt 0 ] || CASES=("${ALL_CASES[@]}")

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=tests/graphite/graphite.sh
. "$TOP/tests/graphite/graphite.sh"

bench_need wrk wrk
bench_built "$TOP/fcgi/mirror-fcgi"

bench_out graphite
WORK=$(mktemp -d /tmp/mirror-bench-graphite.XXXXXX)
cleanup() {
	stack_stop
	graphite_stop
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- graphite-web with the test data, and the mirror in front of it ---------

GRAPHITE_DIR=$WORK/graphite
GRAPHITE_PORT=$(stack_free_port)
CARBON_LINE_PORT=$(stack_free_port)
CARBON_PICKLE_PORT=$(stack_free_port)
CARBON_QUERY_PORT=$(stack_free_port)
GRAPHITE_WORKERS=${BENCH_GRAPHITE_WORKERS:-2}
T=$(($(date +%s) / 3600 * 3600))
graphite_start
"$GRAPHITE_PY" "$TOP/tests/graphite/data.py" whisper "$GRAPHITE_DIR/storage/whisper" "$T"

export MIRROR_STORE_ALLOW=$GRAPHITE_URL
STACK_DIR=$WORK/stack STACK_PORT=$(stack_free_port) STACK_KEYS=api_key STACK_KEY_CHECK=on
stack_start

# --- request bodies: the mirror's, and the form it sends to graphite-web ------

PYTHONPATH=$TOP/tests/graphite python3 - "$WORK" "$GRAPHITE_URL" "$T" <<'PY'
import json, sys, urllib.parse
import data
work, url, T = sys.argv[1], sys.argv[2], int(sys.argv[3])
H = 3600000
TE = T * 1000

def mirror(start, end, method=None, bucket=None):
    q = {"conditions": [{"key": "name", "value": {"value": data.RICH_A,
                                                 "_type": "StringValue"},
                         "_type": "EqualityCondition"}],
         "startTime": start, "endTime": end, "limit": 100500,
         "latestFirst": False, "_type": "MetricsQuery"}
    if method:
        q["aggregation"] = {"method": method, "bucketSizeMillis": bucket,
                            "_type": "Aggregation"}
    return json.dumps({"_type": "MetricsRequest", "query": q,
                       "connectionDetails": {"backend": "graphite", "url": url}})

def render(start, end):   # what the mirror sends (graphite_fetch.c)
    return urllib.parse.urlencode({"target": data.RICH_A, "format": "json",
                                   "from": -(-start // 1000) - 1,
                                   "until": -(-end // 1000) - 1})

cases = {
    "raw_1h": (mirror(TE - 2 * H, TE - H), render(TE - 2 * H, TE - H)),
    "mean_1d_1m": (mirror(TE - 24 * H, TE, "MEAN", 60000), render(TE - 24 * H, TE)),
}
for name, (body, form) in cases.items():
    open("%s/%s.json" % (work, name), "w").write(body)
    open("%s/%s.form" % (work, name), "w").write(form)
PY

for c in "${CASES[@]}"; do
	[ -f "$WORK/$c.json" ] || {
		echo "bench: unknown case $c" >&2
		exit 1
	}
	code=$(curl -s -o "$WORK/$c.answer" -w '%{http_code}' --cacert "$STACK_CA" \
		-H 'X-MIRROR-API-KEY: api_key' -H 'Content-Type: application/json' \
		--data-binary "@$WORK/$c.json" "$STACK_URL/api/metric")
	[ "$code" = 200 ] || {
		echo "bench: $c answered $code: $(head -c 300 "$WORK/$c.answer")" >&2
		exit 1
	}
	code=$(curl -s -o "$WORK/$c.direct" -w '%{http_code}' --data-binary "@$WORK/$c.form" \
		-H 'Content-Type: application/x-www-form-urlencoded' "$GRAPHITE_URL/render")
	[ "$code" = 200 ] || {
		echo "bench: graphite-web answered $code for $c: $(head -c 300 "$WORK/$c.direct")" >&2
		exit 1
	}
done

# --- measuring -------------------------------------------------------------------

measure() {
	local url=$1 body=$2 ctype=$3 conns=$4 log=$5
	WRK_BODY=$body WRK_CTYPE=$ctype wrk_measure "$HERE/prometheus.lua" "$url" "$conns" "$log"
}

fmt_ms() {
	awk -v u="$1" 'BEGIN { printf (u < 1000 ? "%.2f" : (u < 10000 ? "%.1f" : "%.0f")), u / 1000 }'
}

{
	echo "# Graphite store benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "- graphite-web $(dpkg-query -W -f='${Version}' graphite-web 2>/dev/null || echo '?') under gunicorn ($GRAPHITE_WORKERS sync workers), loopback; nginx $("$(stack_nginx_bin)" -v 2>&1 | sed 's|.*/||'); responder threads ${MIRROR_THREADS:-4 (default)}"
	echo "- wrk ${DURATION} s per run, median of ${RUNS} runs; -t1 -c1 and -t2 -cN; keep-alive"
	echo "- mirror: HTTPS -> nginx -> FastCGI -> fcgi/mirror-fcgi -> HTTP -> graphite-web"
	echo "- direct: plain HTTP POST /render to graphite-web with the form the mirror sends"
	echo "- answer bytes: $(for c in "${CASES[@]}"; do printf '%s mirror %s, direct %s; ' "$c" "$(wc -c <"$WORK/$c.answer")" "$(wc -c <"$WORK/$c.direct")"; done)"
	echo
	echo "| case | conc | mirror req/s | p50 ms | p99 ms | direct req/s | p50 ms | p99 ms | mirror / direct req/s |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$OUT.md"

for c in "${CASES[@]}"; do
	for n in $CONNS; do
		: >"$WORK/m" && : >"$WORK/d"
		for ((r = 1; r <= RUNS; r++)); do
			echo "bench: $c c=$n run $r/$RUNS" >&2
			measure "$STACK_URL/api/metric" "$WORK/$c.json" application/json "$n" \
				"$OUT/$c-c$n-mirror-$r.txt" >>"$WORK/m"
			measure "$GRAPHITE_URL/render" "$WORK/$c.form" \
				application/x-www-form-urlencoded "$n" "$OUT/$c-c$n-direct-$r.txt" >>"$WORK/d"
		done
		m_rps=$(awk '{ print $1 }' "$WORK/m" | median)
		d_rps=$(awk '{ print $1 }' "$WORK/d" | median)
		printf '| %s | %s | %.0f | %s | %s | %.0f | %s | %s | %.2f |\n' "$c" "$n" \
			"$m_rps" "$(fmt_ms "$(awk '{ print $2 }' "$WORK/m" | median)")" \
			"$(fmt_ms "$(awk '{ print $3 }' "$WORK/m" | median)")" \
			"$d_rps" "$(fmt_ms "$(awk '{ print $2 }' "$WORK/d" | median)")" \
			"$(fmt_ms "$(awk '{ print $3 }' "$WORK/d" | median)")" \
			"$(awk -v a="$m_rps" -v b="$d_rps" 'BEGIN { print a / b }')" >>"$OUT.md"
	done
done
echo >>"$OUT.md"
echo "Raw wrk output: bench/out/graphite-$STAMP/" >>"$OUT.md"
cat "$OUT.md"
