#!/usr/bin/env bash
# install.sh PACKAGE...: apt-get install, leaving services as they were.
# Debian starts and enables what it installs; here a policy-rc.d forbids
# the start (when none is in place already) and every unit the install
# enabled is disabled again. Run as root (mirror.sh uses sudo).
set -euo pipefail
# shellcheck source=tests/system/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

before=$(mktemp)
trap 'sys_policy_restore; rm -f "$before"' EXIT
sys_enabled_units >"$before"
sys_policy_deny
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=900 update -qq
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "$@" </dev/null
sys_disable_new_units "$before"
