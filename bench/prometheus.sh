#!/usr/bin/env bash
# Benchmark of the Prometheus backend: requests/s and p50/p99 through the
# mirror (wrk over HTTPS -> nginx -> FastCGI -> mirror -> Prometheus),
# interleaved, run by run, with Prometheus answering the equivalent
# questions itself over plain HTTP on loopback, so the mirror's cost over
# the store reads as ratios:
#   raw     the samples the answer is made of (sel[R] at one instant), or
#           for the other calls the very request the mirror sends
#   pushed  the store doing the aggregation itself: query_range of
#           avg/quantile/max_over_time(sel[B - 1 ms]), step B
# Then the effect of keeping one libcurl handle per worker
# (bench/prometheus_reuse.c, calling mirror_handle() directly).
#
#   bench/prometheus.sh                  the issue-11 cases, 10 s each, median of 3
#   BENCH_DURATION=5 BENCH_RUNS=1 bench/prometheus.sh d_mean_1d_1m raw_1h
#   STACK_BIN_DIR=/other/tree bench/prometheus.sh   another build's responder
#
# Data: a 1 s gauge over 3 days (mt_day: 259 200 samples of 3-decimal
# values, backfilled with promtool) and tests/prometheus/data.py (a 15 s
# gauge and counter over 4 h). Cases (the d_ ones and the three calls by
# default; the calls at BENCH_META_CONNS, the others at BENCH_CONNS):
#   d_mean_1d_1m   MEAN of a day of the 1 s gauge in 1-minute buckets
#   d_p95_1d_1m    PERCENTILE_95, the same
#   d_max_1d_1m    MAX, the same
#   d_mean_3d_1m   MEAN of 3 days at 1 minute (anomaly detection's window)
#   d_raw_1h       an hour of raw 1 s samples
#   connection     TestConnectionRequest (Prometheus: GET buildinfo)
#   field_names    FieldNamesRequest (POST /api/v1/labels)
#   field_values   FieldValuesRequest for job (GET label values)
#   raw_1h raw_4h mean_4h_5m p95_4h_1m counter_4h_5m   the 15 s data
# Settings: BENCH_DURATION (s, 10), BENCH_RUNS (3), BENCH_CONNS ("1 16"),
# BENCH_META_CONNS (64), BENCH_REUSE_N (500; 0 skips it), BENCH_PERF (1:
# the machine's CPU by process during each case's first mirror run, from
# `perf record -a`, in a second table). Results:
# Markdown on stdout and in bench/out/prometheus-<time>.md, raw wrk
# output beside it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
TOP=$(cd "$HERE/.." && pwd)
DURATION=${BENCH_DURATION:-10}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNS:-1 16}
META_CONNS=${BENCH_META_CONNS:-64}
DEFAULT_CASES=(d_mean_1d_1m d_p95_1d_1m d_max_1d_1m d_mean_3d_1m d_raw_1h
	connection field_names field_values)
CASES=("$@")
[ "${#CASES[@]}" -gt 0 ] || CASES=("${DEFAULT_CASES[@]}")
BIN_DIR=${STACK_BIN_DIR:-$TOP}

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"

bench_need "wrk prometheus" wrk prometheus promtool
bench_built "$BIN_DIR/fcgi/mirror-fcgi" "$BIN_DIR/common/libmirror.a"

bench_out prometheus
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
DAY0=1706745600   # 2024-02-01T00:00:00Z: the dense gauge's first sample
python3 "$TOP/tests/prometheus/data.py" "$WORK/data.om"
promtool tsdb create-blocks-from openmetrics "$WORK/data.om" "$WORK/tsdb" >/dev/null
python3 - "$WORK/day.om" "$DAY0" <<'EOF'
import sys
start = int(sys.argv[2])
x = 12345
with open(sys.argv[1], "w") as f:
    for i in range(3 * 86400):
        x = (x * 1103515245 + 12345) % 2147483648
        f.write('mt_day{job="mt"} %.3f %d\n' % (20 + (x % 60000) / 1000.0, start + i))
    f.write("# EOF\n")
EOF
promtool tsdb create-blocks-from openmetrics "$WORK/day.om" "$WORK/tsdb" >/dev/null
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

# --- request bodies: the mirror's, and Prometheus' own questions -------------
# Each case writes <case>.json and .mpath (the mirror's request), and for
# each of raw and pushed a .path, .form and .method.

python3 - "$WORK" "$PROM" "$DAY0" "$TOP/tests/prometheus" <<'EOF'
import json, sys, urllib.parse
sys.path.insert(0, sys.argv[4])
import data
work, prom, day0 = sys.argv[1], sys.argv[2], int(sys.argv[3]) * 1000
S, E, H, D, M = data.BASE * 1000, data.END * 1000, 3600000, 86400000, 60000

def cond(k, v):
    return {"key": k, "value": {"value": v, "_type": "StringValue"},
            "_type": "EqualityCondition"}

GAUGE = [cond("__gauge__", "mt_gauge"), cond("job", "mt"), cond("instance", "a")]
COUNTER = [cond("__counter__", "mt_counter_total"), cond("instance", "a")]
DAY = [cond("__gauge__", "mt_day"), cond("job", "mt")]
DETAILS = {"backend": "prometheus", "url": prom}

def secs(ms):
    return "%d.%03d" % divmod(ms, 1000)

def metric(conds, start, end, method=None, bucket=None):
    q = {"conditions": conds, "startTime": start, "endTime": end,
         "limit": 100500, "latestFirst": False, "_type": "MetricsQuery"}
    if method:
        q["aggregation"] = {"method": method, "bucketSizeMillis": bucket,
                            "_type": "Aggregation"}
    return "/api/metric", {"_type": "MetricsRequest", "query": q,
                           "connectionDetails": DETAILS}

def instant(sel, start, end):   # the samples of [start, end) (prom_fetch.c)
    return "POST", "/api/v1/query", {"query": "%s[%dms]" % (sel, end - start),
                                     "time": secs(end - 1)}

def over_time(fn, sel, start, end, bucket):   # one window per bucket
    return "POST", "/api/v1/query_range", {
        "query": "%s(%s[%dms])" % (fn, sel, bucket - 1), "start": secs(start + bucket - 1),
        "end": secs(end - 1), "step": secs(bucket)}

def steps(start, end):         # what the mirror sends for a counter
    return "POST", "/api/v1/query_range", {
        "end": secs(end - 60000), "query": 'increase(mt_counter_total{instance="a"}[60s])',
        "start": secs(start), "step": "60.000"}

G = 'mt_gauge{job="mt",instance="a"}'
DS = 'mt_day{job="mt"}'
d1, d2 = day0 + D, day0 + 2 * D
cases = {
    "d_mean_1d_1m": (metric(DAY, d1, d2, "MEAN", M), instant(DS, d1, d2),
                     over_time("avg_over_time", DS, d1, d2, M)),
    "d_p95_1d_1m": (metric(DAY, d1, d2, "PERCENTILE_95", M), instant(DS, d1, d2),
                    over_time("quantile_over_time", DS.replace("mt_day", "0.95, mt_day", 1),
                              d1, d2, M)),
    "d_max_1d_1m": (metric(DAY, d1, d2, "MAX", M), instant(DS, d1, d2),
                    over_time("max_over_time", DS, d1, d2, M)),
    "d_mean_3d_1m": (metric(DAY, day0, day0 + 3 * D, "MEAN", M),
                     instant(DS, day0, day0 + 3 * D),
                     over_time("avg_over_time", DS, day0, day0 + 3 * D, M)),
    "d_raw_1h": (metric(DAY, d1 + H, d1 + 2 * H), instant(DS, d1 + H, d1 + 2 * H), None),
    "connection": (("/api/connection", {"_type": "TestConnectionRequest",
                                        "connectionDetails": DETAILS}),
                   ("GET", "/api/v1/status/buildinfo", None), None),
    "field_names": (("/api/field/name", {"_type": "FieldNamesRequest",
                     "connectionDetails": DETAILS,
                     "query": {"conditions": [], "limit": 100, "latestFirst": False,
                               "_type": "FieldNamesQuery"}}),
                    ("POST", "/api/v1/labels", {}), None),
    "field_values": (("/api/field/value", {"_type": "FieldValuesRequest",
                      "connectionDetails": DETAILS,
                      "query": {"conditions": [], "startTime": S, "endTime": E,
                                "field": {"_type": "FieldDescriptor", "classified": False,
                                          "fieldName": "job", "fieldType": "STRING"},
                                "limit": 100, "offset": 0, "latestFirst": False,
                                "_type": "FieldValuesQuery"}}),
                     ("GET", "/api/v1/label/job/values?" + urllib.parse.urlencode(
                         {"end": secs(E), "start": secs(S)}), None), None),
    "raw_1h": (metric(GAUGE, S + H, S + 2 * H), instant(G, S + H, S + 2 * H), None),
    "raw_4h": (metric(GAUGE, S, E), instant(G, S, E), None),
    "mean_4h_5m": (metric(GAUGE, S, E, "MEAN", 300000), instant(G, S, E), None),
    "p95_4h_1m": (metric(GAUGE, S, E, "PERCENTILE_95", M), instant(G, S, E), None),
    "counter_4h_5m": (metric(COUNTER, S, E, "SUM", 300000), steps(S, E), None),
}
for name, ((mpath, body), raw, pushed) in cases.items():
    open("%s/%s.json" % (work, name), "w").write(json.dumps(body))
    if "query" not in body or "field" in body["query"] or name == "field_names":
        # The same call answered by the sample store: the stack alone.
        alone = dict(body, connectionDetails={"backend": "sample"})
        open("%s/%s.alone.json" % (work, name), "w").write(json.dumps(alone))
    open("%s/%s.mpath" % (work, name), "w").write(mpath)
    for kind, q in (("raw", raw), ("pushed", pushed)):
        if q is None:
            continue
        method, path, form = q
        open("%s/%s.%s.method" % (work, name, kind), "w").write(method)
        open("%s/%s.%s.path" % (work, name, kind), "w").write(path)
        open("%s/%s.%s.form" % (work, name, kind), "w").write(
            urllib.parse.urlencode(form) if form is not None else "")
EOF

# Every question is asked once first: an error stops the benchmark.
check() {
	local what=$1 code
	shift
	code=$(curl -s -o "$WORK/answer" -w '%{http_code}' "$@")
	[ "$code" = 200 ] || {
		echo "bench: $what answered $code: $(head -c 300 "$WORK/answer")" >&2
		exit 1
	}
}
for c in "${CASES[@]}"; do
	[ -f "$WORK/$c.json" ] || {
		echo "bench: unknown case $c" >&2
		exit 1
	}
	check "$c" --cacert "$STACK_CA" -H 'X-MIRROR-API-KEY: api_key' \
		-H 'Content-Type: application/json' --data-binary "@$WORK/$c.json" \
		"$STACK_URL$(cat "$WORK/$c.mpath")"
	for k in raw pushed; do
		[ -f "$WORK/$c.$k.path" ] || continue
		if [ "$(cat "$WORK/$c.$k.method")" = GET ]; then
			check "Prometheus ($c, $k)" "$PROM$(cat "$WORK/$c.$k.path")"
		else
			check "Prometheus ($c, $k)" --data-binary "@$WORK/$c.$k.form" \
				-H 'Content-Type: application/x-www-form-urlencoded' \
				"$PROM$(cat "$WORK/$c.$k.path")"
		fi
	done
done

# --- measuring ------------------------------------------------------------------

# One wrk run; prints "req/s p50_us p99_us".
measure() {
	local url=$1 body=$2 ctype=$3 method=$4 conns=$5 log=$6
	WRK_BODY=$body WRK_CTYPE=$ctype WRK_METHOD=$method \
		wrk_measure "$HERE/prometheus.lua" "$url" "$conns" "$log"
}

# The mirror asked case c at n connections, run r; with BENCH_PERF=1 the
# first run is sampled machine-wide and its CPU split by process.
mirror_run() {
	local c=$1 n=$2 r=$3 perf_pid=""
	if [ "${BENCH_PERF:-0}" = 1 ] && [ "$r" = 1 ]; then
		perf record -a -F 499 -o "$OUT/$c-c$n.perf.data" -- sleep "$DURATION" \
			>/dev/null 2>&1 &
		perf_pid=$!
	fi
	measure "$STACK_URL$(cat "$WORK/$c.mpath")" "$WORK/$c.json" application/json \
		POST "$n" "$OUT/$c-c$n-mirror-$r.txt"
	[ -z "$perf_pid" ] || wait "$perf_pid" || true
}

# "comm share%, ..." of the samples of one perf.data: the five busiest.
perf_split() {
	perf report -i "$1" --sort comm --stdio 2>/dev/null |
		awk '$1 ~ /%$/ && n < 5 { printf "%s%s %s", (n++ ? ", " : ""), $2, $1 }'
}

# Prometheus asked directly: kind raw or pushed of case c.
direct() {
	local c=$1 k=$2 n=$3 r=$4
	measure "$PROM$(cat "$WORK/$c.$k.path")" "$WORK/$c.$k.form" \
		application/x-www-form-urlencoded "$(cat "$WORK/$c.$k.method")" "$n" \
		"$OUT/$c-c$n-$k-$r.txt"
}

fmt_ms() {
	awk -v u="$1" 'BEGIN { printf (u < 1000 ? "%.2f" : (u < 10000 ? "%.1f" : "%.0f")), u / 1000 }'
}

# Column n of file f, its median.
col() {
	awk -v n="$2" '{ print $n }' "$1" | median
}

ratio() {
	[ -s "$2" ] || {
		echo "—"
		return
	}
	awk -v a="$(col "$1" 1)" -v b="$(col "$2" 1)" 'BEGIN { printf "%.2f", a / b }'
}

rps() {
	if [ -s "$1" ]; then printf '%.0f' "$(col "$1" 1)"; else echo "—"; fi
}

{
	echo "# Prometheus backend benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
	echo "- $(prometheus --version 2>&1 | head -1), loopback; nginx $("$(stack_nginx_bin)" -v 2>&1 | sed 's|.*/||'); responder $BIN_DIR/fcgi/mirror-fcgi, threads ${MIRROR_THREADS:-default}, MIRROR_STORE_MAX_INFLIGHT $MIRROR_STORE_MAX_INFLIGHT"
	echo "- wrk ${DURATION} s per run, median of ${RUNS} runs, mirror, raw and pushed interleaved; -t1 -c1 and -t2 -cN; keep-alive"
	echo
	echo "- no store: the same call answered by the sample store, through the same stack (its ceiling)"
	echo
	echo "| case | conc | mirror req/s | p50 ms | p99 ms | raw req/s | pushed req/s | mirror / raw | mirror / pushed | no store req/s |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$OUT.md"

for c in "${CASES[@]}"; do
	conns=$CONNS
	case $c in connection | field_*) conns=$META_CONNS ;; esac
	for n in $conns; do
		: >"$WORK/m" && : >"$WORK/raw" && : >"$WORK/pushed" && : >"$WORK/alone"
		for ((r = 1; r <= RUNS; r++)); do
			echo "bench: $c c=$n run $r/$RUNS" >&2
			mirror_run "$c" "$n" "$r" >>"$WORK/m"
			direct "$c" raw "$n" "$r" >>"$WORK/raw"
			[ ! -f "$WORK/$c.pushed.path" ] || direct "$c" pushed "$n" "$r" >>"$WORK/pushed"
			[ ! -f "$WORK/$c.alone.json" ] ||
				measure "$STACK_URL$(cat "$WORK/$c.mpath")" "$WORK/$c.alone.json" \
					application/json POST "$n" "$OUT/$c-c$n-alone-$r.txt" >>"$WORK/alone"
		done
		printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$c" "$n" \
			"$(rps "$WORK/m")" "$(fmt_ms "$(col "$WORK/m" 2)")" \
			"$(fmt_ms "$(col "$WORK/m" 3)")" "$(rps "$WORK/raw")" "$(rps "$WORK/pushed")" \
			"$(ratio "$WORK/m" "$WORK/raw")" "$(ratio "$WORK/m" "$WORK/pushed")" \
			"$(rps "$WORK/alone")" >>"$OUT.md"
	done
done

if [ "${BENCH_PERF:-0}" = 1 ]; then
	{
		echo
		echo "CPU of the whole machine by process during the first mirror run of each case (perf record -a):"
		echo
		echo "| case | conc | busiest processes, share of samples |"
		echo "|---|---:|---|"
		for c in "${CASES[@]}"; do
			for f in "$OUT/$c"-c*.perf.data; do
				[ -f "$f" ] || continue
				n=${f##*-c}
				printf '| %s | %s | %s |\n' "$c" "${n%.perf.data}" "$(perf_split "$f")"
			done
		done
	} >>"$OUT.md"
fi

# --- handle reuse -------------------------------------------------------------

if [ "${BENCH_REUSE_N:-500}" -gt 0 ] && [ -f "$WORK/raw_1h.json" ]; then
	echo "bench: handle reuse" >&2
	cc -O2 -I"$BIN_DIR" -I"$BIN_DIR/common" -o "$WORK/prometheus_reuse" \
		"$HERE/prometheus_reuse.c" "$BIN_DIR/common/libmirror.a" \
		$(pkg-config --cflags --libs json-c libcurl) -pthread -lm
	"$WORK/prometheus_reuse" "$PROM" "$WORK/raw_1h.json" "${BENCH_REUSE_N:-500}" >"$WORK/reuse"
	{
		echo
		echo "Handle reuse (raw_1h through mirror_handle(), no nginx; ${BENCH_REUSE_N:-500} requests each):"
		echo
		echo "| worker | p50 us | p99 us | mean us |"
		echo "|---|---:|---:|---:|"
		awk '$1 == "first" { printf "| first request (new handle, new connection) | %s | %s | %s |\n", $3, $4, $5 }
		     $1 == "steady" { printf "| steady state (kept-alive handle) | %s | %s | %s |\n", $3, $4, $5 }' "$WORK/reuse"
	} >>"$OUT.md"
fi
echo >>"$OUT.md"
echo "Raw wrk output: bench/out/prometheus-$STAMP/" >>"$OUT.md"
cat "$OUT.md"
