#!/usr/bin/env python3
"""End-to-end tests of cgi/mirror.cgi behind nginx through fcgiwrap: the
shipped nginx/ configuration with nginx/mirror-cgi.conf installed as
mirror-fastcgi.conf (docs/DEPLOY-cgi.md). Standard library only.

tests/cgi_nginx/run.sh starts the servers and sets:
  CGI_NGINX_URL, CGI_NGINX_DIR   nginx + fcgiwrap + mirror.cgi
  NGINX_URL                      nginx + mirror-fcgi (the reference)
  DEPLOY_CA, DEPLOY_TLS_DIR      the test CA and certificates
  CGI_PHASE=fcgiwrap-down        run only FcgiwrapDown
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "deploy"))
from mirrortest import (ERR_401, KEY, DeployCase, FrontTests,  # noqa: E402
                        call, connection_body, find_log_line, metric_body,
                        mirror_error, nginx_reached, run_tests)

ENV = os.environ
URL = ENV.get("CGI_NGINX_URL", "")
DIR = ENV.get("CGI_NGINX_DIR", "")
NGINX_URL = ENV.get("NGINX_URL", "")
LOG = os.path.join(DIR, "nginx", "logs", "access.log")
# run.sh gives the program MIRROR_MAX_BODY_BYTES=4096 by fastcgi_param.
PROGRAM_MAX_BODY = 4096

ERR_502 = mirror_error("mirror unavailable",
                       "nginx could not reach the mirror responder")


class NginxCgi(FrontTests, DeployCase):
    base = URL
    reference = NGINX_URL

    def reached(self, r):
        return nginx_reached(r, LOG)

    def test_served_by_fcgiwrap(self):
        r = self.post("/api/connection", connection_body())
        line = find_log_line(LOG, r.header("X-Request-ID"))
        self.assertRegex(line, r" up=unix:\S+/fcgiwrap\.sock ust=200 ")

    def test_program_settings_come_from_fastcgi_param(self):
        # Only fastcgi_param lines reach the program's environment: a body
        # over the program's own limit (4096 here, 1 MiB in nginx) gets the
        # program's 413.
        body = metric_body()
        body["pad"] = "x" * PROGRAM_MAX_BODY
        r = self.post("/api/metric", body)
        self.assertError(r, 413, mirror_error(
            "request body too large",
            "the body exceeds %d bytes" % PROGRAM_MAX_BODY))
        self.assertTrue(self.reached(r))

    def test_metrics_from_loopback(self):
        # A CGI process lives for one request: its counters are empty,
        # but the format is there.
        r = call(self.base, "/metrics", None, key=None, method="GET")
        self.assertEqual(r.status, 200)
        self.assertIn("# TYPE mirror_requests_total counter", r.body)


class FcgiwrapDown(DeployCase):
    """Run with CGI_PHASE=fcgiwrap-down, after fcgiwrap stopped."""

    def test_502_json_from_nginx(self):
        r = call(URL, "/api/metric", metric_body())
        self.assertError(r, 502, ERR_502)
        self.assertFrontHeaders(r, KEY)

    def test_401_still_from_nginx(self):
        r = call(URL, "/api/metric", metric_body(), key="wrong")
        self.assertError(r, 401, ERR_401)


def main():
    if not URL:
        sys.exit("run tests/cgi_nginx/run.sh, which starts the servers")
    if ENV.get("CGI_PHASE") == "fcgiwrap-down":
        names = ["FcgiwrapDown"]
    else:
        names = [a for a in sys.argv[1:] if not a.startswith("-")] or ["NginxCgi"]
    sys.exit(1 if run_tests(sys.modules[__name__], "cgi_nginx", names) else 0)


if __name__ == "__main__":
    main()
