#!/usr/bin/env bash
# Deployment benchmark: the same mirror requests over HTTPS through five
# deployments, one at a time, with wrk:
#   nginx-fcgi    nginx (shipped nginx/) -> mirror-fcgi, one responder
#   nginx-cgi     nginx (mirror-cgi.conf) -> fcgiwrap -> mirror.cgi
#   apache-fcgi   Apache (shipped apache/) -> mod_proxy_fcgi -> mirror-fcgi
#   apache-cgi    Apache (shipped apache/) -> mod_cgid -> mirror.cgi
#   nginx-pool    nginx (mirror-pool.conf, keepalive 4) -> two mirror-fcgi
#
#   bench/deployments.sh                      all, 10 s runs, median of 3
#   BENCH_DURATION=5 BENCH_RUNS=1 bench/deployments.sh nginx-fcgi apache-fcgi
#
# Cases (request bodies in bench/wrk/*.json, sent by bench/wrk/post.lua):
#   raw_1h       one hour of raw points (360 points)
#   mean_1d_1m   one day, MEAN in 1-minute buckets (8640 points -> 1440)
# each at concurrency 1 (wrk -t1 -c1) and 16 (wrk -t2 -c16), keep-alive.
#
# Settings: BENCH_DURATION (s, 10), BENCH_RUNS (3), BENCH_CONNS ("1 16"),
# BENCH_CASES ("raw_1h mean_1d_1m"), BENCH_THREADS (threads per responder,
# 4, the responder's default; the pool's responders get 12, enough for
# 2 nginx workers x keepalive 4 plus the load), BENCH_CGI_CHILDREN
# (fcgiwrap -c, 8). nginx runs 2 workers; Apache the event MPM as in
# apache/httpd.conf.in. Results: a Markdown table on stdout and in
# bench/out/deployments-<time>.md, raw wrk output beside it.
#
# Needs: wrk, nginx, apache2, fcgiwrap, spawn-fcgi, curl, openssl, python3.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
TOP=$(cd "$HERE/.." && pwd)
DURATION=${BENCH_DURATION:-10}
RUNS=${BENCH_RUNS:-3}
CONNS=${BENCH_CONNS:-1 16}
read -r -a CASES <<<"${BENCH_CASES:-raw_1h mean_1d_1m}"
ALL=(nginx-fcgi nginx-cgi apache-fcgi apache-cgi nginx-pool)
DEPLOYS=("$@")
[ "${#DEPLOYS[@]}" -gt 0 ] || DEPLOYS=("${ALL[@]}")
THREADS=${BENCH_THREADS:-4}

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=apache/stack.sh
. "$TOP/apache/stack.sh"
# shellcheck source=tests/deploy/lib.sh
. "$TOP/tests/deploy/lib.sh"

bench_need wrk wrk
bench_built "$TOP/fcgi/mirror-fcgi" "$TOP/cgi/mirror.cgi"
for d in "${DEPLOYS[@]}"; do
	[[ " ${ALL[*]} " == *" $d "* ]] || { echo "deployments: unknown deployment $d (${ALL[*]})" >&2; exit 1; }
done

deploy_init deployments
bench_out deployments
TLS=$DEPLOY_WORK/tls
stack_make_tls "$TLS"
export DEPLOY_CA=$TLS/ca.pem

declare -A URL
STACK_KEYS=api_key STACK_KEY_CHECK=on STACK_WORKERS=2 NV_TLS_DIR=$TLS

start_nginx_fcgi() {
	STACK_DIR=$DEPLOY_WORK/nginx-fcgi STACK_PORT=$(stack_free_port) NV_VARIANT="" NV_BACKEND=responder
	MIRROR_THREADS=$THREADS nv_start
	deploy_on_exit "stack_kill $STACK_NGINX_PID QUIT 10; stack_kill $STACK_FCGI_PID TERM 35"
	URL[nginx-fcgi]=$STACK_URL
}

start_nginx_cgi() {
	STACK_DIR=$DEPLOY_WORK/nginx-cgi STACK_PORT=$(stack_free_port) NV_VARIANT=cgi NV_BACKEND=fcgiwrap
	NV_CGI=$TOP/cgi/mirror.cgi NV_FCGIWRAP_CHILDREN=${BENCH_CGI_CHILDREN:-8} nv_start
	deploy_on_exit "stack_kill $STACK_NGINX_PID QUIT 10; nv_stop_fcgiwrap $STACK_FCGI_PID"
	URL[nginx-cgi]=$STACK_URL
}

start_apache() {
	local gw=$1
	HTTPD_DIR=$DEPLOY_WORK/apache-$gw HTTPD_PORT=$(stack_free_port) HTTPD_GATEWAY=$gw \
		HTTPD_KEYS=api_key HTTPD_KEY_CHECK=on HTTPD_TLS_DIR=$TLS HTTPD_THREADS=$THREADS
	httpd_start
	deploy_on_exit "stack_kill $HTTPD_PID TERM 15; stack_kill '$HTTPD_RESP_PID' TERM 35"
	URL[apache-$gw]=$HTTPD_URL
}

start_nginx_pool() {
	local i sock pids=()
	STACK_DIR=$DEPLOY_WORK/nginx-pool
	mkdir -p "$STACK_DIR"
	STACK_DIR=$(cd "$STACK_DIR" && pwd)
	stack_users "$TOP/fcgi/mirror-fcgi"
	NV_POOL_SERVERS=""
	for i in 1 2; do
		sock=$STACK_DIR/r$i.sock
		env MIRROR_API_KEY=api_key MIRROR_KEY_CHECK=on \
			"$(stack_spawn_bin)" -n -s "$sock" -M 0600 "${STACK_SPAWN_USER[@]}" -- \
			"$TOP/fcgi/mirror-fcgi" --threads "${BENCH_POOL_THREADS:-12}" >>"$STACK_DIR/r$i.log" 2>&1 &
		pids+=($!)
		NV_POOL_SERVERS+="    server unix:$sock max_fails=1 fail_timeout=10s;"$'\n'
	done
	deploy_on_exit "stack_kill ${pids[0]} TERM 35; stack_kill ${pids[1]} TERM 35"
	sleep 0.3
	STACK_PORT=$(stack_free_port) NV_VARIANT=pool NV_BACKEND=none nv_start
	deploy_on_exit "stack_kill $STACK_NGINX_PID QUIT 10"
	URL[nginx-pool]=$STACK_URL
}

for d in "${DEPLOYS[@]}"; do
	echo "deployments: starting $d" >&2
	case $d in
	nginx-fcgi) start_nginx_fcgi ;;
	nginx-cgi) start_nginx_cgi ;;
	apache-fcgi) start_apache fcgi ;;
	apache-cgi) start_apache cgi ;;
	nginx-pool) start_nginx_pool ;;
	esac
done

# Every deployment must give the same answer before it is timed.
path_of() { case $1 in connection) echo /api/connection ;; field_names) echo /api/field/name ;; *) echo /api/metric ;; esac; }
for c in "${CASES[@]}"; do
	ref=""
	for d in "${DEPLOYS[@]}"; do
		code=$(curl -s -o "$DEPLOY_WORK/$d-$c.out" -w '%{http_code}' --cacert "$DEPLOY_CA" \
			-H 'X-MIRROR-API-KEY: api_key' -H 'Content-Type: application/json' \
			--data-binary "@$HERE/wrk/$c.json" "${URL[$d]}$(path_of "$c")")
		[ "$code" = 200 ] || { echo "deployments: $d answered $c with $code" >&2; exit 1; }
		[ -n "$ref" ] || ref=$DEPLOY_WORK/$d-$c.out
		cmp -s "$ref" "$DEPLOY_WORK/$d-$c.out" || { echo "deployments: $d answers $c differently" >&2; exit 1; }
	done
done

# --- measuring (the helpers of bench/run.sh) ----------------------------------------

fmt_ms() {
	awk -v u="$1" 'BEGIN { printf (u < 1000 ? "%.2f" : (u < 10000 ? "%.1f" : "%.0f")), u / 1000 }'
}

# One wrk run; prints "req/s p50_us p99_us".
measure() {
	local url=$1 body=$2 conns=$3 log=$4
	WRK_BODY=$body wrk_measure "$HERE/wrk/post.lua" "$url" "$conns" "$log"
}

declare -A RPS P50 P99
for c in "${CASES[@]}"; do
	for n in $CONNS; do
		for d in "${DEPLOYS[@]}"; do : >"$DEPLOY_WORK/m-$d"; done
		for ((r = 1; r <= RUNS; r++)); do
			# Round robin over the deployments, so drift hits all alike.
			for d in "${DEPLOYS[@]}"; do
				echo "deployments: $c c=$n $d run $r/$RUNS" >&2
				measure "${URL[$d]}$(path_of "$c")" "$HERE/wrk/$c.json" "$n" \
					"$OUT/$c-c$n-$d-$r.txt" >>"$DEPLOY_WORK/m-$d"
			done
		done
		for d in "${DEPLOYS[@]}"; do
			RPS[$d,$c,$n]=$(awk '{ print $1 }' "$DEPLOY_WORK/m-$d" | median)
			P50[$d,$c,$n]=$(awk '{ print $2 }' "$DEPLOY_WORK/m-$d" | median)
			P99[$d,$c,$n]=$(awk '{ print $3 }' "$DEPLOY_WORK/m-$d" | median)
		done
	done
done

base=${DEPLOYS[0]}
{
	echo "# Deployment benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- machine: $(nproc) CPUs, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
	echo "- $("$(stack_nginx_bin)" -v 2>&1 | sed 's|.*: ||') (2 workers), $("$(httpd_bin)" -v | sed -n 's/^Server version: //p') (event MPM), fcgiwrap -c ${BENCH_CGI_CHILDREN:-8}"
	echo "- responder threads: $THREADS (pool: 2 responders x ${BENCH_POOL_THREADS:-12}, keepalive 4)"
	echo "- wrk ${DURATION} s per run, median of ${RUNS} runs, deployments measured in turn; -t1 -c1 and -t2 -c16; HTTPS, keep-alive; client on the same machine"
	echo "- command: BENCH_DURATION=$DURATION BENCH_RUNS=$RUNS bench/deployments.sh ${DEPLOYS[*]}"
	echo
	echo "| case | conc | deployment | req/s | p50 ms | p99 ms | req/s vs $base |"
	echo "|---|---:|---|---:|---:|---:|---:|"
	for c in "${CASES[@]}"; do
		for n in $CONNS; do
			for d in "${DEPLOYS[@]}"; do
				printf '| %s | %s | %s | %.0f | %s | %s | %.2f |\n' "$c" "$n" "$d" "${RPS[$d,$c,$n]}" \
					"$(fmt_ms "${P50[$d,$c,$n]}")" "$(fmt_ms "${P99[$d,$c,$n]}")" \
					"$(awk -v a="${RPS[$d,$c,$n]}" -v b="${RPS[$base,$c,$n]}" 'BEGIN { print a / b }')"
			done
		done
	done
	echo
	echo "Raw wrk output: bench/out/deployments-$STAMP/"
} >"$OUT.md"
cat "$OUT.md"
DEPLOY_PASSED=1
deploy_finish >/dev/null
