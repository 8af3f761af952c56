#!/usr/bin/env bash
# Benchmark of the InfluxDB store: requests/s and p50/p99 through the
# mirror (wrk over HTTPS -> nginx -> FastCGI -> mirror -> influxd), beside
# the data query the mirror sends, asked of influxd directly (wrk over
# plain HTTP on loopback) in the same run, so the mirror's cost over the
# store reads as a ratio; and what pushing MEAN down saves: bytes fetched
# from InfluxDB per request and requests/s, against the same MEAN computed
# by the mirror from raw points ("pushdown": false).
#
#   bench/influxdb.sh                  all cases, 10 s each, median of 3
#   BENCH_DURATION=5 BENCH_RUNS=1 bench/influxdb.sh raw_1h mean_1d_1m
#
# Data: one day of a 10 s float gauge (8640 points, 2024-01-01 UTC) in a
# private influxd 1.6 on loopback (its own config and directories).
# Cases:
#   raw_1h          raw points, 1 h (360 points)
#   mean_1d_1m      MEAN in 1-minute buckets over 1 day, pushed down
#   mean_1d_1m_raw  the same MEAN from the 8640 raw points (pushdown off)
#   p95_1d_1m       PERCENTILE_95 in 1-minute buckets over 1 day (engine)
# Settings: BENCH_DURATION (s, 10), BENCH_RUNS (3), BENCH_CONNS ("1 16").
# Results: Markdown on stdout and in bench/out/influxdb-<time>.md, raw wrk
# output beside it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
TOP=$(cd "$HERE/.." && pwd)
DURATION=${BENCH_DURATION:-10}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNS:-1 16}
ALL_CASES=(raw_1h mean_1d_1m mean_1d_1m_raw p95_1d_1m)
CASES=("$@")
[ "${#CASES[@]}" -gt 0 ] || CASES=("${ALL_CASES[@]}")

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"

bench_need "wrk influxdb curl" wrk influxd curl
bench_built "$TOP/fcgi/mirror-fcgi"

bench_out influxdb
WORK=$(mktemp -d /tmp/mirror-bench-influx.XXXXXX)
INFLUX_PID=""
cleanup() {
	stack_stop
	stack_kill "$INFLUX_PID" TERM 30
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- influxd with the data, and the mirror in front of it --------------------

PORT=$(stack_free_port)
INFLUX=http://127.0.0.1:$PORT
cat >"$WORK/influxdb.conf" <<EOF
reporting-disabled = true
bind-address = "127.0.0.1:0"
[meta]
  dir = "$WORK/meta"
[data]
  dir = "$WORK/data"
  wal-dir = "$WORK/wal"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:$PORT"
  log-enabled = false
[logging]
  level = "warn"
EOF
influxd -config "$WORK/influxdb.conf" >"$WORK/influxd.log" 2>&1 &
INFLUX_PID=$!
for ((i = 0; i < 300; i++)); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$INFLUX/ping")" = 204 ] && break
	sleep 0.1
done
curl -sf -o /dev/null -XPOST "$INFLUX/query" --data-urlencode 'q=CREATE DATABASE bench'
python3 - >"$WORK/data.lp" <<'EOF'
base = 1704067200
for i in range(8640):
    print("cpu,host=web-1 value=%r %d" % (((i * 7919) % 1000) / 10.0 - 37.3, (base + 10 * i) * 1000))
EOF
curl -sf -XPOST "$INFLUX/write?db=bench&precision=ms" --data-binary "@$WORK/data.lp"

export MIRROR_STORE_ALLOW=$INFLUX
# All the load goes to one store, above the bulkhead's default cap (half
# the threads, store/bulkhead.h), which would refuse the excess with 503:
# this measures the mirror's path, as bench/prometheus.sh does.
export MIRROR_STORE_MAX_INFLIGHT=${MIRROR_STORE_MAX_INFLIGHT:-1024}
STACK_DIR=$WORK/stack STACK_PORT=$(stack_free_port) STACK_KEYS=api_key STACK_KEY_CHECK=on
stack_start

# --- request bodies: the mirror's, and the data query it sends influxd ------
# (the InfluxQL is the mirror's, as tests/influxdb/test_influxdb.py,
# class Statements, pins it down)

python3 - "$WORK" "$INFLUX" <<'EOF'
import json, sys, urllib.parse
work, influx = sys.argv[1], sys.argv[2]
S = 1704067200000
H, D = 3600000, 86400000
MAX_POINTS = 5000000   # MIRROR_MAX_STORE_POINTS: the aggregated fetch's LIMIT

def cond(k, v):
    return {"key": k, "value": {"value": v, "_type": "StringValue"},
            "_type": "EqualityCondition"}

def mirror(start, end, method=None, bucket=None, pushdown=True):
    q = {"conditions": [cond("_measurement", "cpu"), cond("host", "web-1")],
         "startTime": start, "endTime": end, "limit": 100500, "latestFirst": False,
         "_type": "MetricsQuery"}
    if method:
        q["aggregation"] = {"method": method, "bucketSizeMillis": bucket,
                            "_type": "Aggregation"}
    d = {"backend": "influxdb", "url": influx, "database": "bench"}
    if not pushdown:
        d["pushdown"] = False
    return json.dumps({"_type": "MetricsRequest", "query": q, "connectionDetails": d})

def where(start, end):
    return "\"host\" = 'web-1' AND time >= %dms AND time < %dms" % (start, end)

def raw(start, end, limit):
    return ('SELECT "value" FROM "cpu" WHERE %s GROUP BY * ORDER BY time ASC LIMIT %d'
            % (where(start, end), limit), True)

def mean(start, end, bucket):
    n = (end - 1) // bucket - start // bucket + 1
    return ('SELECT mean("value") FROM (SELECT "value"::float AS "value" FROM "cpu" '
            'WHERE %s GROUP BY *) WHERE time >= %dms AND time < %dms GROUP BY '
            'time(%dms), * fill(none) LIMIT %d' % (where(start, end), start, end,
                                                  bucket, n + 1), False)

def url(ql, chunked):
    p = [("db", "bench"), ("epoch", "ms")]
    if chunked:
        p += [("chunked", "true"), ("chunk_size", "10000")]
    return "%s/query?%s" % (influx, urllib.parse.urlencode(p + [("q", ql)],
                                                             quote_via=urllib.parse.quote))

cases = {
    "raw_1h": (mirror(S + H, S + 2 * H), raw(S + H, S + 2 * H, 100001)),
    "mean_1d_1m": (mirror(S, S + D, "MEAN", 60000), mean(S, S + D, 60000)),
    "mean_1d_1m_raw": (mirror(S, S + D, "MEAN", 60000, False), raw(S, S + D, MAX_POINTS + 1)),
    "p95_1d_1m": (mirror(S, S + D, "PERCENTILE_95", 60000), raw(S, S + D, MAX_POINTS + 1)),
}
for name, (body, (ql, chunked)) in cases.items():
    open("%s/%s.json" % (work, name), "w").write(body)
    open("%s/%s.url" % (work, name), "w").write(url(ql, chunked))
open("%s/keys.url" % work, "w").write(url('SHOW FIELD KEYS FROM "cpu"', False))
# For comparison only: InfluxQL's plain MEAN, which adds each shard's
# points apart (not what the mirror sends; docs/INFLUXDB.md).
open("%s/plain_mean.url" % work, "w").write(url(
    'SELECT mean("value") FROM "cpu" WHERE %s GROUP BY time(60000ms), * fill(none) '
    'LIMIT 1441' % where(S, S + D), False))
EOF

# Bytes the mirror reads from influxd for a case: its SHOW FIELD KEYS and
# its data query, as influxd answers them.
fetched() {
	local a b
	a=$(curl -s -o /dev/null -w '%{size_download}' "$(cat "$WORK/keys.url")")
	b=$(curl -s -o /dev/null -w '%{size_download}' "$(cat "$WORK/$1.url")")
	echo $((a + b))
}

declare -A BYTES=()
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
	code=$(curl -s -o "$WORK/$c.direct" -w '%{http_code}' "$(cat "$WORK/$c.url")")
	grep -q '"values"' "$WORK/$c.direct" && [ "$code" = 200 ] || {
		echo "bench: influxd answered $code for $c: $(head -c 300 "$WORK/$c.direct")" >&2
		exit 1
	}
	BYTES[$c]=$(fetched "$c")
done
# The pushed-down and the engine's MEAN are one answer.
if [ -f "$WORK/mean_1d_1m.answer" ] && [ -f "$WORK/mean_1d_1m_raw.answer" ]; then
	cmp -s "$WORK/mean_1d_1m.answer" "$WORK/mean_1d_1m_raw.answer" || {
		echo "bench: the pushed-down MEAN differs from the engine's" >&2
		exit 1
	}
fi

# --- measuring ------------------------------------------------------------------

fmt_ms() {
	awk -v u="$1" 'BEGIN { printf (u < 1000 ? "%.2f" : (u < 10000 ? "%.1f" : "%.0f")), u / 1000 }'
}

{
	echo "# InfluxDB store benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
	echo "- $(influxd version 2>&1 | head -1), loopback; nginx $("$(stack_nginx_bin)" -v 2>&1 | sed 's|.*/||'); responder threads ${MIRROR_THREADS:-default}, MIRROR_STORE_MAX_INFLIGHT $MIRROR_STORE_MAX_INFLIGHT"
	echo "- wrk ${DURATION} s per run, median of ${RUNS} runs; -t1 -c1 and -t2 -cN; keep-alive"
	echo "- mirror: HTTPS -> nginx -> FastCGI -> fcgi/mirror-fcgi -> HTTP -> influxd (SHOW FIELD KEYS, then the data query)"
	echo "- direct: plain HTTP GET of the data query the mirror sends, to influxd"
	echo "- bytes: what influxd sends the mirror per request (both queries)"
	echo
	echo "| case | conc | mirror req/s | p50 ms | p99 ms | direct req/s | p50 ms | p99 ms | mirror / direct req/s | bytes from influxd |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$OUT.md"

for c in "${CASES[@]}"; do
	for n in $CONNS; do
		: >"$WORK/m" && : >"$WORK/d"
		for ((r = 1; r <= RUNS; r++)); do
			echo "bench: $c c=$n run $r/$RUNS" >&2
			WRK_BODY=$WORK/$c.json WRK_CTYPE=application/json wrk_measure \
				"$HERE/prometheus.lua" "$STACK_URL/api/metric" "$n" \
				"$OUT/$c-c$n-mirror-$r.txt" >>"$WORK/m"
			wrk_measure "$HERE/influxdb.lua" "$(cat "$WORK/$c.url")" "$n" \
				"$OUT/$c-c$n-direct-$r.txt" >>"$WORK/d"
		done
		m_rps=$(awk '{ print $1 }' "$WORK/m" | median)
		d_rps=$(awk '{ print $1 }' "$WORK/d" | median)
		printf '| %s | %s | %.0f | %s | %s | %.0f | %s | %s | %.2f | %s |\n' "$c" "$n" \
			"$m_rps" "$(fmt_ms "$(awk '{ print $2 }' "$WORK/m" | median)")" \
			"$(fmt_ms "$(awk '{ print $3 }' "$WORK/m" | median)")" \
			"$d_rps" "$(fmt_ms "$(awk '{ print $2 }' "$WORK/d" | median)")" \
			"$(fmt_ms "$(awk '{ print $3 }' "$WORK/d" | median)")" \
			"$(awk -v a="$m_rps" -v b="$d_rps" 'BEGIN { print a / b }')" \
			"${BYTES[$c]}" >>"$OUT.md"
	done
done
# What the order-keeping subquery of a pushed-down MEAN costs influxd.
{
	echo
	echo "influxd alone, MEAN in 1-minute buckets over 1 day (direct req/s, median of $RUNS):"
	echo
	echo "| query | conc | req/s | p50 ms |"
	echo "|---|---:|---:|---:|"
} >>"$OUT.md"
for n in $CONNS; do
	for q in mean_1d_1m plain_mean; do
		: >"$WORK/d"
		for ((r = 1; r <= RUNS; r++)); do
			echo "bench: $q direct c=$n run $r/$RUNS" >&2
			wrk_measure "$HERE/influxdb.lua" "$(cat "$WORK/$q.url")" "$n" \
				"$OUT/$q-c$n-alone-$r.txt" >>"$WORK/d"
		done
		printf '| %s | %s | %.0f | %s |\n' "$([ "$q" = plain_mean ] &&
			echo 'plain `mean()` (shard-wise sums)' || echo 'the mirror'"'"'s subquery')" "$n" \
			"$(awk '{ print $1 }' "$WORK/d" | median)" \
			"$(fmt_ms "$(awk '{ print $2 }' "$WORK/d" | median)")" >>"$OUT.md"
	done
done
echo >>"$OUT.md"
echo "Raw wrk output: bench/out/influxdb-$STAMP/" >>"$OUT.md"
cat "$OUT.md"
