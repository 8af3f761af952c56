#!/usr/bin/env bash
# scratch.sh ROOT: copies standard input to standard output with the
# system paths a recipe or a configuration file names moved under ROOT:
# /etc (bare, as in --sysconfdir=/etc), /etc/{nginx,apache2,
# stackstate-mirror,logrotate.d,default,systemd}, /run, /var and
# /usr/local. Other paths (/etc/mime.types, /usr/sbin/nginx, /dev/null)
# stay the machine's. A path counts where it starts a word: after a
# blank, = : ' " < > | - or at the start of a line. Idempotent: paths
# already under ROOT do not start a word.
set -euo pipefail
root=$1
b="(^|[[:space:]=:'\"<>|-])"
exec sed -E \
	-e "s#$b/etc(/(nginx|apache2|stackstate-mirror|logrotate\.d|default|systemd)([/[:space:];'\"]|\$))#\1$root/etc\2#g" \
	-e "s#$b/etc([[:space:];'\"]|\$)#\1$root/etc\2#g" \
	-e "s#$b/(run|var|usr/local)([/[:space:];'\"]|\$)#\1$root/\2\3#g"
