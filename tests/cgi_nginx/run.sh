#!/usr/bin/env bash
# End-to-end tests of the CGI program behind nginx through fcgiwrap
# (tests/cgi_nginx/test_cgi_nginx.py has the checks).
#
# Starts, on free loopback ports, sharing one throwaway test CA:
#   cgi        the shipped nginx/ files with nginx/mirror-cgi.conf installed
#              as mirror-fastcgi.conf (plus one fastcgi_param setting for
#              the program), the upstream on fcgiwrap's socket, and
#              fcgiwrap -c 4 under spawn-fcgi running cgi/mirror.cgi
#   reference  the shipped nginx/ files + mirror-fcgi (nginx/stack.sh)
# nginx -t must first accept the shipped files with mirror-cgi.conf in
# place. After the Python tests, fcgiwrap is stopped to see nginx's 502.
#
# Needs: nginx, fcgiwrap, spawn-fcgi, curl, openssl, python3 (Debian 12).
# Usage: tests/cgi_nginx/run.sh [test names]
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

deploy_init cgi_nginx
for f in "$BIN_DIR/fcgi/mirror-fcgi" "$BIN_DIR/cgi/mirror.cgi"; do
	[ -x "$f" ] || { echo "cgi_nginx: $f is not built" >&2; exit 1; }
done
TLS=$DEPLOY_WORK/tls
stack_make_tls "$TLS"

# The reference: nginx + the FastCGI responder.
STACK_DIR=$DEPLOY_WORK/reference STACK_PORT=$(stack_free_port) STACK_BIN_DIR=$BIN_DIR
STACK_KEYS=api_key,rotated_key STACK_KEY_CHECK=on STACK_WORKERS=2
mkdir -p "$STACK_DIR" && cp -r "$TLS" "$STACK_DIR/tls"
stack_start
REF_NGINX=$STACK_NGINX_PID REF_FCGI=$STACK_FCGI_PID
deploy_on_exit 'stack_kill "$REF_NGINX" QUIT 10; stack_kill "$REF_FCGI" TERM 35'
export NGINX_URL=$STACK_URL

# nginx + fcgiwrap + the CGI program.
STACK_DIR=$DEPLOY_WORK/cgi STACK_PORT=$(stack_free_port)
NV_TLS_DIR=$TLS NV_VARIANT=cgi NV_BACKEND=fcgiwrap NV_CGI=$BIN_DIR/cgi/mirror.cgi
NV_CGI_PARAMS="fastcgi_param  MIRROR_MAX_BODY_BYTES  4096;"
if nv_start; then
	deploy_pass "nginx -t accepts the shipped files with mirror-cgi.conf; nginx and fcgiwrap start"
else
	deploy_fail "nginx with mirror-cgi.conf and fcgiwrap start"
	deploy_finish
	exit 1
fi
CGI_NGINX=$STACK_NGINX_PID CGI_WRAP=$STACK_FCGI_PID
deploy_on_exit 'stack_kill "$CGI_NGINX" QUIT 10; nv_stop_fcgiwrap "$CGI_WRAP"'

export DEPLOY_CA=$TLS/ca.pem DEPLOY_TLS_DIR=$TLS DEPLOY_KEY=api_key DEPLOY_KEY2=rotated_key
export CGI_NGINX_URL=$STACK_URL CGI_NGINX_DIR=$STACK_DIR
printf 'cgi_nginx: nginx + fcgiwrap %s, reference %s, binaries from %s\n' \
	"$CGI_NGINX_URL" "$NGINX_URL" "$BIN_DIR"

deploy_python "$HERE/test_cgi_nginx.py" "$@"

# fcgiwrap gone: nginx's own JSON 502.
printf '\ncgi_nginx: stopping fcgiwrap (pid %s)\n' "$CGI_WRAP"
nv_stop_fcgiwrap "$CGI_WRAP"
CGI_WRAP=""
CGI_PHASE=fcgiwrap-down deploy_python "$HERE/test_cgi_nginx.py"

deploy_check "no program crash in fcgiwrap's log" \
	bash -c "! grep -E 'Sanitizer|runtime error|Segmentation' '$STACK_DIR/fcgiwrap.log'"
deploy_finish
