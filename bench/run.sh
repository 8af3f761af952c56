#!/usr/bin/env bash
# HTTP benchmark: wrk over HTTPS through nginx to the FastCGI responder,
# beside nginx serving the very same response bytes as a static file, so
# the mirror's throughput reads as a fraction of what nginx alone does on
# this machine.
#
#   bench/run.sh                 all cases, 10 s each, median of 3 runs
#   BENCH_DURATION=5 BENCH_RUNS=1 bench/run.sh connection raw_1h
#
# Cases (request bodies in bench/wrk/*.json, sent by bench/wrk/post.lua):
#   connection    TestConnectionRequest
#   field_names   FieldNamesRequest, no conditions
#   raw_1h        one hour of raw points (360 points, 10 s apart)
#   mean_1d_1m    one day, MEAN in 1-minute buckets (8640 points -> 1440)
#   p95_1d_1m     one day, PERCENTILE_95 in 1-minute buckets
# each at concurrency 1 (wrk -t1 -c1) and 64 (wrk -t2 -c64).
#
# The static twin is a second server{} in the same nginx (same TLS
# settings, same key check, same response headers) whose location answers
# the POST with the saved body: nginx's static module refuses POST with
# 405, and `error_page 405 =200 $uri` turns that into an internal GET of
# the same file, answered 200 with sendfile. It measures TLS, HTTP parsing,
# the key check and writing the response: everything but the FastCGI hop
# and the mirror's own work.
#
# Settings: BENCH_DURATION (s, 10), BENCH_RUNS (3), BENCH_CONNS ("1 64"),
# MIRROR_THREADS (responder threads, its default 8), BENCH_WORKERS (nginx
# worker_processes, auto). Results: a Markdown table on stdout and in
# bench/out/http-<time>.md; raw wrk output beside it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
TOP=$(cd "$HERE/.." && pwd)
DURATION=${BENCH_DURATION:-10}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNS:-1 64}
ALL_CASES=(connection field_names raw_1h mean_1d_1m p95_1d_1m)
CASES=("$@")
[ "${#CASES[@]}" -gt 0 ] || CASES=("${ALL_CASES[@]}")

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"

bench_need wrk wrk
bench_built "$TOP/fcgi/mirror-fcgi"
for c in "${CASES[@]}"; do
	[ -f "$HERE/wrk/$c.json" ] || {
		echo "bench: no request body $HERE/wrk/$c.json" >&2
		exit 1
	}
done

bench_out http
WORK=$(mktemp -d /tmp/mirror-bench.XXXXXX)
cleanup() {
	stack_stop
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the stack and its static twin ----------------------------------------

# The static twin goes in first: stack.sh includes conf/extra/*.conf.
STACK_DIR=$WORK/stack
STACK_PORT=$(stack_free_port)
STACK_WORKERS=${BENCH_WORKERS:-auto}
STACK_KEYS=api_key STACK_KEY_CHECK=on
STATIC_PORT=$(stack_free_port)
STATIC_ROOT=$WORK/static
chmod 755 "$WORK"
mkdir -p "$STACK_DIR/nginx/conf/extra" "$STATIC_ROOT/case"
cat >"$STACK_DIR/nginx/conf/extra/static.conf" <<EOF
# bench/run.sh: nginx alone, answering each case's POST with the saved bytes.
server {
    listen 127.0.0.1:$STATIC_PORT ssl;
    server_name localhost;
    ssl_certificate $STACK_DIR/tls/server.pem;
    ssl_certificate_key $STACK_DIR/tls/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
    ssl_ecdh_curve X25519:prime256v1:secp384r1;
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:MirrorTLS:10m;
    ssl_session_tickets off;
    access_log $STACK_DIR/nginx/logs/static.access.log mirror_access;
    server_tokens off;
    default_type application/json;
    charset off;
    add_header X-MIRROR-API-KEY \$mirror_key_echo always;
    add_header Strict-Transport-Security "max-age=63072000" always;
    add_header X-Request-ID \$request_id always;
    client_max_body_size 1m;
    client_body_buffer_size 1m;
    if (\$mirror_key_refused) {
        return 401 '{"_type":"RemoteMirrorError","summary":"missing or wrong API key","details":"X-MIRROR-API-KEY is missing or wrong"}';
    }
    root $STATIC_ROOT;
    location /case/ {
        error_page 405 =200 \$uri;
    }
}
EOF

stack_start
MIRROR_URL=$STACK_URL
STATIC_URL=https://localhost:$STATIC_PORT

# Saves the mirror's answer to each case once: the static twin serves it.
for c in "${CASES[@]}"; do
	case $c in
	connection) path=/api/connection ;;
	field_names) path=/api/field/name ;;
	*) path=/api/metric ;;
	esac
	code=$(curl -s -o "$STATIC_ROOT/case/$c" -w '%{http_code}' --cacert "$STACK_CA" \
		-H 'X-MIRROR-API-KEY: api_key' -H 'Content-Type: application/json' \
		--data-binary "@$HERE/wrk/$c.json" "$MIRROR_URL$path")
	[ "$code" = 200 ] || {
		echo "bench: $c answered $code: $(head -c 300 "$STATIC_ROOT/case/$c")" >&2
		exit 1
	}
	printf '%s\t%s\n' "$c" "$path" >>"$WORK/paths"
done

# --- measuring ------------------------------------------------------------------


# One wrk run; prints "req/s p50_us p99_us" and keeps wrk's output.
measure() {
	local url=$1 body=$2 conns=$3 log=$4
	WRK_BODY=$body wrk_measure "$HERE/wrk/post.lua" "$url" "$conns" "$log"
}


fmt_ms() {
	awk -v u="$1" 'BEGIN { printf (u < 1000 ? "%.2f" : (u < 10000 ? "%.1f" : "%.0f")), u / 1000 }'
}

{
	echo "# HTTP benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "- nginx $("$(stack_nginx_bin)" -v 2>&1 | sed 's|.*/||'), worker_processes ${STACK_WORKERS}; responder threads ${MIRROR_THREADS:-8 (default)}"
	echo "- wrk ${DURATION} s per run, median of ${RUNS} runs; -t1 -c1 and -t2 -cN; HTTPS, keep-alive"
	echo "- mirror: nginx -> FastCGI (unix socket) -> fcgi/mirror-fcgi, sample store"
	echo "- static: the same nginx answering the same POST with the saved response file"
	echo
	echo "| case | conc | response bytes | mirror req/s | p50 ms | p99 ms | static req/s | p50 ms | p99 ms | mirror / static |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$OUT.md"

for c in "${CASES[@]}"; do
	path=$(awk -F'\t' -v c="$c" '$1 == c { print $2 }' "$WORK/paths")
	bytes=$(wc -c <"$STATIC_ROOT/case/$c")
	for n in $CONNS; do
		: >"$WORK/m" && : >"$WORK/s"
		for ((r = 1; r <= RUNS; r++)); do
			# Alternate the targets so drift in the machine hits both alike.
			echo "bench: $c c=$n run $r/$RUNS" >&2
			measure "$MIRROR_URL$path" "$HERE/wrk/$c.json" "$n" "$OUT/$c-c$n-mirror-$r.txt" >>"$WORK/m"
			measure "$STATIC_URL/case/$c" "$HERE/wrk/$c.json" "$n" "$OUT/$c-c$n-static-$r.txt" >>"$WORK/s"
		done
		m_rps=$(awk '{ print $1 }' "$WORK/m" | median)
		m_p50=$(awk '{ print $2 }' "$WORK/m" | median)
		m_p99=$(awk '{ print $3 }' "$WORK/m" | median)
		s_rps=$(awk '{ print $1 }' "$WORK/s" | median)
		s_p50=$(awk '{ print $2 }' "$WORK/s" | median)
		s_p99=$(awk '{ print $3 }' "$WORK/s" | median)
		printf '| %s | %s | %s | %.0f | %s | %s | %.0f | %s | %s | %.0f%% |\n' \
			"$c" "$n" "$bytes" "$m_rps" "$(fmt_ms "$m_p50")" "$(fmt_ms "$m_p99")" \
			"$s_rps" "$(fmt_ms "$s_p50")" "$(fmt_ms "$s_p99")" \
			"$(awk -v a="$m_rps" -v b="$s_rps" 'BEGIN { print 100 * a / b }')" >>"$OUT.md"
	done
done

echo >>"$OUT.md"
echo "Raw wrk output: bench/out/http-$STAMP/" >>"$OUT.md"
cat "$OUT.md"
