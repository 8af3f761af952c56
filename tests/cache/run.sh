#!/usr/bin/env bash
# Tests of the optional response cache: the shipped nginx/ files plus
# nginx/mirror-cache-zone.conf (http{}) and nginx/mirror-cache.conf (at the
# end of mirror-server.conf), in front of mirror-fcgi
# (tests/cache/test_cache.py has the checks). The validity is rendered as
# 3 s instead of the shipped 10 s so that expiry is tested quickly
# (MIRROR_CACHE_VALID=10s to test the shipped value).
#
# Needs: nginx, spawn-fcgi, curl, openssl, python3 (Debian 12).
# MIRROR_E2E_BIN_DIR: tree with the built binaries (default this tree).
# Cleanups are registered as text and run at exit (deploy_on_exit):
# shellcheck disable=SC2016,SC2034
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN_DIR=$(cd "${MIRROR_E2E_BIN_DIR:-$TOP}" && pwd)

# shellcheck source=nginx/stack.sh
. "$TOP/nginx/stack.sh"
# shellcheck source=tests/deploy/lib.sh
. "$TOP/tests/deploy/lib.sh"

deploy_init cache
VALID=${MIRROR_CACHE_VALID:-3s}
[[ $VALID =~ ^([0-9]+)s$ ]] || { echo "cache: MIRROR_CACHE_VALID is seconds, e.g. 10s" >&2; exit 1; }
VALID_S=${BASH_REMATCH[1]}

STACK_DIR=$DEPLOY_WORK/stack STACK_PORT=$(stack_free_port) STACK_BIN_DIR=$BIN_DIR
STACK_KEYS=api_key,rotated_key STACK_KEY_CHECK=on STACK_WORKERS=2
NV_VARIANT=cache NV_BACKEND=responder NV_CACHE_VALID=$VALID
if nv_start; then
	deploy_pass "nginx -t accepts the shipped files with the cache files included"
else
	deploy_fail "nginx with the cache files starts"
	deploy_finish
	exit 1
fi
CACHE_NGINX=$STACK_NGINX_PID CACHE_FCGI=$STACK_FCGI_PID
deploy_on_exit 'stack_kill "$CACHE_NGINX" QUIT 10; stack_kill "$CACHE_FCGI" TERM 35'

export DEPLOY_CA=$STACK_CA DEPLOY_KEY=api_key DEPLOY_KEY2=rotated_key
export CACHE_URL=$STACK_URL CACHE_DIR=$STACK_DIR CACHE_VALID_S=$VALID_S
printf 'cache: %s, validity %s\n' "$CACHE_URL" "$VALID"

deploy_python "$HERE/test_cache.py" "$@"

printf '\ncache: stopping the responder (pid %s) with SIGTERM\n' "$CACHE_FCGI"
stack_kill "$CACHE_FCGI" TERM 35
status=$STACK_KILL_STATUS
CACHE_FCGI=""
deploy_check "the responder exited 0 on SIGTERM (status $status)" [ "$status" -eq 0 ]
CACHE_PHASE=responder-down deploy_python "$HERE/test_cache.py"

deploy_check "the cache directory holds entries, readable by nginx's user only" \
	bash -c "[ \"\$(stat -c %a '$STACK_DIR/nginx/cache')\" = 700 ] && [ -n \"\$(find '$STACK_DIR/nginx/cache' -type f | head -1)\" ]"
deploy_finish
