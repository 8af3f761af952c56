#!/usr/bin/env bash
# The Prometheus backend's tests against a real VictoriaMetrics (Debian
# package "victoria-metrics") instead of Prometheus: the same data, the
# same tests, the differences docs/PROMETHEUS.md lists asserted as such.
# See tests/prometheus/run.sh; arguments and variables are its own.
set -euo pipefail
PT_STORE=victoriametrics exec bash "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../prometheus/run.sh" "$@"
