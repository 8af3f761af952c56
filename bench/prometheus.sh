#!/usr/bin/env bash
# Benchmark of the Prometheus backend: requests/s and p50/p99 through the
# mirror (wrk over HTTPS -> nginx -> FastCGI -> mirror -> Prometheus),
# beside the very request the mirror sends, asked of Prometheus directly
# (wrk over plain HTTP on loopback), so the mirror's overhead over the
# store reads as a ratio. Then the effect of keeping one libcurl handle
# per worker: a worker's first request against its steady state
# (bench/prometheus_reuse.c, calling mirror_handle() directly).
#
#   bench/prometheus.sh                  all cases, 10 s each, median of 3
#   BENCH_DURATION=5 BENCH_RUNS=1 bench/prometheus.sh raw_1h mean_4h_5m
#
# Data: tests/prometheus/data.py (a 15 s gauge and counter over 4 h).
# Cases:
#   raw_1h         raw gauge, 1 h (240 samples)
#   raw_4h         raw gauge, 4 h (~890 samples)
#   mean_4h_5m     MEAN in 5-minute buckets over 4 h (same fetch as raw_4h)
#   p95_4h_1m      PERCENTILE_95 in 1-minute buckets over 4 h
#   counter_4h_5m  SUM of a counter's per-minute increase, 5-minute buckets
# Settings: BENCH_DURATION (s, 10), BENCH_RUNS (3), BENCH_CONNS ("1 16"),
# BENCH_REUSE_N (500). Results: Markdown on stdout and in
# bench/out/prometheus-<time>.md, raw wrk output beside it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
TOP=$(cd "$HERE/.." && pwd)
DURATION=${BENCH_DURATION:-10}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNS:-1 16}
ALL_CASES=(raw_1h raw_4h mean_4h_5m p95_4h_1m counter_4h_5m)
CASES=("$@")
[ "${#CASES[@]}" -gt 0 ] || CASES=("${ALL_CASES[@]}")

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"

for tool in wrk prometheus promtool; do
	command -v "$tool" >/dev/null || {
		echo "bench: $tool is missing (apt-get install wrk prometheus)" >&2
		exit 1
	}
done
[ -x "$TOP/fcgi/mirror-fcgi" ] && [ -f "$TOP/common/libmirror.a" ] || {
	echo "bench: build first (./mirror.sh build)" >&2
	exit 1
}

STAMP=$(date -u +%Y%m%d-%H%M%S)
OUT=$HERE/out/prometheus-$STAMP
mkdir -p "$OUT"
WORK=$(mktemp -d /tmp/mirror-bench-prom.XXXXXX)
PROM_PID=""
cleanup() {
	stack_stop
	stack_kill "$PROM_PID" TERM 30
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Prometheus with the test data, and the mirror in front of it ----------

PROM_PORT=$(stack_free_port)
PROM=http://127.0.0.1:$PROM_PORT
python3 "$TOP/tests/prometheus/data.py" "$WORK/data.om"
promtool tsdb create-blocks-from openmetrics "$WORK/data.om" "$WORK/tsdb" >/dev/null
printf 'global:\n  scrape_interval: 1m\n' >"$WORK/prometheus.yml"
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" --storage.tsdb.retention.time=20y \
	--log.level=warn >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
for ((i = 0; i < 300; i++)); do
	curl -sf -o /dev/null "$PROM/-/ready" && break
	sleep 0.1
done

export MIRROR_STORE_ALLOW=$PROM
# All the load goes to one store, above the bulkhead's default cap (half
# the threads, store/bulkhead.h), which would refuse the excess with 503:
# this measures the mirror's path, so the cap is the thread count unless
# set.
export MIRROR_STORE_MAX_INFLIGHT=${MIRROR_STORE_MAX_INFLIGHT:-1024}
STACK_DIR=$WORK/stack STACK_PORT=$(stack_free_port) STACK_KEYS=api_key STACK_KEY_CHECK=on
stack_start

# --- request bodies: the mirror's, and the one it sends to Prometheus -------

PYTHONPATH=$TOP/tests/prometheus python3 - "$WORK" "$PROM" <<'EOF'
import json, sys, urllib.parse
import data
work, prom = sys.argv[1], sys.argv[2]
S, E, H = data.BASE * 1000, data.END * 1000, 3600000

def cond(k, v):
    return {"key": k, "value": {"value": v, "_type": "StringValue"},
            "_type": "EqualityCondition"}

GAUGE = [cond("__gauge__", "mt_gauge"), cond("job", "mt"), cond("instance", "a")]
COUNTER = [cond("__counter__", "mt_counter_total"), cond("instance", "a")]

def secs(ms):
    return "%d.%03d" % divmod(ms, 1000)

def mirror(conds, start, end, method=None, bucket=None):
    q = {"conditions": conds, "startTime": start, "endTime": end,
         "limit": 100500, "latestFirst": False, "_type": "MetricsQuery"}
    if method:
        q["aggregation"] = {"method": method, "bucketSizeMillis": bucket,
                            "_type": "Aggregation"}
    return json.dumps({"_type": "MetricsRequest", "query": q,
                       "connectionDetails": {"backend": "prometheus", "url": prom}})

def instant(start, end):   # what the mirror sends for a gauge (prom_fetch.c)
    return "/api/v1/query", urllib.parse.urlencode(
        {"query": 'mt_gauge{job="mt",instance="a"}[%dms]' % (end - start),
         "time": secs(end - 1)})

def steps(start, end):     # ... and for a counter
    return "/api/v1/query_range", urllib.parse.urlencode(
        {"end": secs(end - 60000), "query": 'increase(mt_counter_total{instance="a"}[60s])',
         "start": secs(start), "step": "60.000"})

cases = {
    "raw_1h": (mirror(GAUGE, S + H, S + 2 * H), instant(S + H, S + 2 * H)),
    "raw_4h": (mirror(GAUGE, S, E), instant(S, E)),
    "mean_4h_5m": (mirror(GAUGE, S, E, "MEAN", 300000), instant(S, E)),
    "p95_4h_1m": (mirror(GAUGE, S, E, "PERCENTILE_95", 60000), instant(S, E)),
    "counter_4h_5m": (mirror(COUNTER, S, E, "SUM", 300000), steps(S, E)),
}
for name, (body, (path, form)) in cases.items():
    open("%s/%s.json" % (work, name), "w").write(body)
    open("%s/%s.form" % (work, name), "w").write(form)
    open("%s/%s.path" % (work, name), "w").write(path)
EOF

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
		-H 'Content-Type: application/x-www-form-urlencoded' "$PROM$(cat "$WORK/$c.path")")
	[ "$code" = 200 ] || {
		echo "bench: Prometheus answered $code for $c: $(head -c 300 "$WORK/$c.direct")" >&2
		exit 1
	}
done

# --- measuring ------------------------------------------------------------------


# One wrk run; prints "req/s p50_us p99_us".
measure() {
	local url=$1 body=$2 ctype=$3 conns=$4 log=$5
	WRK_BODY=$body WRK_CTYPE=$ctype wrk_measure "$HERE/prometheus.lua" "$url" "$conns" "$log"
}


fmt_ms() {
	awk -v u="$1" 'BEGIN { printf (u < 1000 ? "%.2f" : (u < 10000 ? "%.1f" : "%.0f")), u / 1000 }'
}

{
	echo "# Prometheus backend benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "- $(prometheus --version 2>&1 | head -1), loopback; nginx $("$(stack_nginx_bin)" -v 2>&1 | sed 's|.*/||'); responder threads ${MIRROR_THREADS:-default}, MIRROR_STORE_MAX_INFLIGHT $MIRROR_STORE_MAX_INFLIGHT"
	echo "- wrk ${DURATION} s per run, median of ${RUNS} runs; -t1 -c1 and -t2 -cN; keep-alive"
	echo "- mirror: HTTPS -> nginx -> FastCGI -> fcgi/mirror-fcgi -> HTTP -> Prometheus"
	echo "- direct: plain HTTP to Prometheus with the request the mirror sends"
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
			measure "$PROM$(cat "$WORK/$c.path")" "$WORK/$c.form" \
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

# --- handle reuse -------------------------------------------------------------

echo "bench: handle reuse" >&2
cc -O2 -I"$TOP" -I"$TOP/common" -o "$WORK/prometheus_reuse" "$HERE/prometheus_reuse.c" \
	"$TOP/common/libmirror.a" $(pkg-config --cflags --libs json-c libcurl) -pthread -lm
"$WORK/prometheus_reuse" "$PROM" "$WORK/raw_1h.json" "${BENCH_REUSE_N:-500}" >"$WORK/reuse"
{
	echo
	echo "Handle reuse (raw_1h through mirror_handle(), no nginx; ${BENCH_REUSE_N:-500} requests each):"
	echo
	echo "| worker | p50 us | p99 us | mean us |"
	echo "|---|---:|---:|---:|"
	awk '$1 == "first" { printf "| first request (new handle, new connection) | %s | %s | %s |\n", $3, $4, $5 }
	     $1 == "steady" { printf "| steady state (kept-alive handle) | %s | %s | %s |\n", $3, $4, $5 }' "$WORK/reuse"
	echo
	echo "Raw wrk output: bench/out/prometheus-$STAMP/"
} >>"$OUT.md"
cat "$OUT.md"
