# shellcheck shell=bash
# shellcheck disable=SC2034
# tests/prometheus/lib.sh: a real Prometheus holding data.py's samples,
# for the suites that need one (tests/prometheus, tests/console). Sourced;
# defines functions only. Needs prometheus and promtool (Debian package
# "prometheus") and python3.

PROM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROM_PID=""

# prom_load WORK: data.py's samples as TSDB blocks in WORK/tsdb (fixed
# 2024 timestamps), and WORK/prometheus.yml, a config that scrapes nothing.
prom_load() {
	local work=$1
	"${PYTHON:-python3}" "$PROM_LIB_DIR/data.py" "$work/data.om" || return 1
	promtool tsdb create-blocks-from openmetrics "$work/data.om" "$work/tsdb" >"$work/promtool.log" 2>&1 || {
		cat "$work/promtool.log" >&2
		return 1
	}
	printf 'global:\n  scrape_interval: 1m\n' >"$work/prometheus.yml"
}

# prom_start WORK PORT: Prometheus on 127.0.0.1:PORT over WORK/tsdb, a
# child of this shell (PROM_PID; stop it with stack_kill "$PROM_PID" TERM 30),
# once /-/ready answers; at most 30 s.
prom_start() {
	local work=$1 port=$2 i
	prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
		--web.listen-address="127.0.0.1:$port" \
		--storage.tsdb.retention.time=20y >>"$work/prometheus.log" 2>&1 &
	PROM_PID=$!
	for ((i = 0; i < 300; i++)); do
		if curl -sf -o /dev/null "http://127.0.0.1:$port/-/ready"; then
			return 0
		fi
		kill -0 "$PROM_PID" 2>/dev/null || break
		sleep 0.1
	done
	tail -n 20 "$work/prometheus.log" >&2
	echo "Prometheus did not become ready on port $port" >&2
	return 1
}
