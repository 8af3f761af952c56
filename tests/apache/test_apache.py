#!/usr/bin/env python3
"""End-to-end tests of the mirror behind Apache httpd with the shipped
apache/ configuration, in both gateway modes (mod_proxy_fcgi to the
FastCGI responder, mod_cgid running the CGI program), compared with nginx
in front of the FastCGI responder. Standard library only.

tests/apache/run.sh starts the servers and sets:
  APACHE_FCGI_URL, APACHE_FCGI_DIR   Apache + mod_proxy_fcgi + mirror-fcgi
  APACHE_CGI_URL, APACHE_CGI_DIR     Apache + mod_cgid + mirror.cgi
  APACHE_GUARD_URL                   Apache + CGI, key check off, client
                                     certificates, a 127.0.0.1 allowlist,
                                     no URL prefix
  APACHE_OFF_URL                     Apache + CGI, the console switched off
  MIRROR_CONSOLE_DIR                 the console's files (console/)
  NGINX_URL                          nginx + mirror-fcgi (the reference)
  DEPLOY_CA, DEPLOY_TLS_DIR          the test CA and certificates
  APACHE_PHASE=responder-down        run only ResponderDown
"""

import os
import socket
import ssl
import sys
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "deploy"))
from mirrortest import (CONNECTION_OK, ERR_401, ERR_404, KEY, KEY2, DeployCase,  # noqa: E402
                        FrontTests, apache_reached, call, connection_body,
                        count_lines, metric_body, mirror_error, run_tests,
                        split_url, tls_context, T0, T1)

ENV = os.environ
FCGI_URL = ENV.get("APACHE_FCGI_URL", "")
FCGI_DIR = ENV.get("APACHE_FCGI_DIR", "")
CGI_URL = ENV.get("APACHE_CGI_URL", "")
CGI_DIR = ENV.get("APACHE_CGI_DIR", "")
GUARD_URL = ENV.get("APACHE_GUARD_URL", "")
NGINX_URL = ENV.get("NGINX_URL", "")
OFF_URL = ENV.get("APACHE_OFF_URL", "")
CONSOLE_DIR = ENV.get("MIRROR_CONSOLE_DIR", "")
DYGRAPHS = "/usr/share/javascript/dygraphs"
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'none'")
ERR_CONSOLE_405 = mirror_error("method not allowed", "the console is read with GET")

ERR_UNAVAILABLE = mirror_error("mirror unavailable",
                               "Apache could not reach the mirror responder")
ERR_FORBIDDEN = mirror_error("forbidden", "this client may not use the mirror "
                             "(address or TLS client certificate)")


class ApacheFcgi(FrontTests, DeployCase):
    base = FCGI_URL
    reference = NGINX_URL

    def reached(self, r):
        return apache_reached(r, os.path.join(FCGI_DIR, "logs", "access.log"))

    def test_wrong_key_leaves_no_line_in_the_responder_log(self):
        log = os.path.join(FCGI_DIR, "responder.log")
        before = count_lines(log, r" POST ")
        for k in (None, "wrong", KEY.upper()):
            self.assertEqual(call(self.base, "/api/connection",
                                  connection_body(), key=k).status, 401)
        r = call(self.base, "/api/connection", connection_body())
        self.assertEqual(r.status, 200)
        for _ in range(50):       # the responder logs after answering
            if count_lines(log, r" POST ") > before:
                break
            time.sleep(0.05)
        self.assertEqual(count_lines(log, r" POST "), before + 1)

    def test_responder_routes_on_the_decoded_path(self):
        # Apache decodes %6d before matching; DOCUMENT_URI (set by
        # mirror-fcgi.conf) carries the decoded path to the responder.
        r = self.post("/api/%6detric", metric_body(method="MAX", bucket=600000))
        self.assertEqual(r.status, 200, r)


class ApacheCgi(FrontTests, DeployCase):
    base = CGI_URL
    reference = NGINX_URL

    def reached(self, r):
        return apache_reached(r, os.path.join(CGI_DIR, "logs", "access.log"))

    def test_metrics_from_loopback(self):
        # A CGI process lives for one request: its counters are empty,
        # but the format is there.
        r = call(self.base, "/metrics", None, key=None, method="GET")
        self.assertEqual(r.status, 200)
        self.assertIn("# TYPE mirror_requests_total counter", r.body)


class ApacheVersusNginx(DeployCase):
    """The same request gives the same body through all three."""

    def test_three_way(self):
        for path, body in [("/api/metric", metric_body(method="PERCENTILE_90",
                                                       bucket=300000)),
                           ("/api/metric", metric_body())]:
            got = {u: call(u, path, body) for u in (FCGI_URL, CGI_URL, NGINX_URL)}
            bodies = {(r.status, r.body) for r in got.values()}
            self.assertEqual(len(bodies), 1, [repr(r) for r in got.values()])
            self.assertEqual(next(iter(bodies))[0], 200)


class Tls(DeployCase):
    """Apache's TLS policy is nginx's: TLS 1.2 and 1.3, ECDHE AEAD suites,
    no session tickets, HSTS (checked on every answer above)."""

    def handshake(self, ctx, url=FCGI_URL):
        host, port = split_url(url)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname=host) as t:
                return t.version(), t.cipher()[0]

    def test_tls13_accepted(self):
        v, _ = self.handshake(tls_context(minimum=ssl.TLSVersion.TLSv1_3))
        self.assertEqual(v, "TLSv1.3")

    def test_tls12_accepted_with_an_ecdhe_aead_suite(self):
        v, c = self.handshake(tls_context(maximum=ssl.TLSVersion.TLSv1_2))
        self.assertEqual(v, "TLSv1.2")
        self.assertRegex(c, r"^ECDHE-(ECDSA|RSA)-(AES\d+-GCM|CHACHA20-POLY1305)")

    def test_tls11_refused(self):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx = tls_context(minimum=ssl.TLSVersion.TLSv1,
                              maximum=ssl.TLSVersion.TLSv1_1)
        with self.assertRaises(ssl.SSLError) as cm:
            self.handshake(ctx)
        self.assertRegex(str(cm.exception), r"(?i)alert protocol version")

    def test_tls12_cbc_suite_refused(self):
        ctx = tls_context(maximum=ssl.TLSVersion.TLSv1_2,
                          ciphers="ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:@SECLEVEL=0")
        with self.assertRaises(ssl.SSLError):
            self.handshake(ctx)

    def test_no_session_tickets(self):
        ctx = tls_context(maximum=ssl.TLSVersion.TLSv1_2)
        host, port = split_url(FCGI_URL)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname=host) as t:
                sess = t.session
        self.assertFalse(sess.has_ticket)

    def test_same_policy_as_nginx(self):
        for maximum in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
            ctx = tls_context(maximum=maximum)
            self.assertEqual(self.handshake(ctx, FCGI_URL),
                             self.handshake(ctx, NGINX_URL))


class Guarded(DeployCase):
    """Key check off, client certificates and a 127.0.0.1 allowlist on
    (mirror-guards.conf), with the CGI program."""

    def test_client_certificate_and_no_key(self):
        r = call(GUARD_URL, "/api/connection", connection_body(), key=None,
                 ctx=tls_context(cert="client"))
        self.assertEqual((r.status, r.body), (200, CONNECTION_OK))
        self.assertFrontHeaders(r, None, key_check=False)

    def test_wrong_key_passes_when_the_check_is_off(self):
        r = call(GUARD_URL, "/api/metric", metric_body(), key="wrong",
                 ctx=tls_context(cert="client"))
        self.assertEqual(r.status, 200, r)
        self.assertFrontHeaders(r, "wrong", key_check=False)

    def test_rotated_key_echoed_when_the_check_is_off(self):
        r = call(GUARD_URL, "/api/connection", connection_body(), key=KEY2,
                 ctx=tls_context(cert="client"))
        self.assertEqual(r.status, 200, r)
        self.assertFrontHeaders(r, KEY2, key_check=False)

    def test_no_prefix_configured(self):
        ctx = tls_context(cert="client")
        r = call(GUARD_URL, "/api/connection", connection_body(), ctx=ctx)
        self.assertEqual(r.status, 200, r)
        r = call(GUARD_URL, "/stackstate/api/connection", connection_body(), ctx=ctx)
        self.assertError(r, 404, ERR_404)

    def test_no_client_certificate_403(self):
        r = call(GUARD_URL, "/api/connection", connection_body())
        self.assertError(r, 403, ERR_FORBIDDEN)
        self.assertFrontHeaders(r, KEY, key_check=False)

    def test_address_not_on_the_allowlist_403(self):
        if not os.path.exists("/proc/net/if_inet6"):
            self.skipTest("no IPv6 loopback")
        r = call(GUARD_URL, "/api/connection", connection_body(),
                 ctx=tls_context(cert="client"), address="::1")
        self.assertError(r, 403, ERR_FORBIDDEN)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


class Console(DeployCase):
    """The stream console (docs/CONSOLE.md) at /console/, as nginx serves
    it: static files without a key, under the accepted prefixes, with a
    strict Content-Security-Policy; Debian's dygraphs under lib/."""

    FILES = [("/console/", "index.html", "text/html; charset=utf-8"),
             ("/console/console.css", "console.css", "text/css; charset=utf-8"),
             ("/console/favicon.svg", "favicon.svg", "image/svg+xml"),
             ("/console/js/main.js", "js/main.js", "text/javascript; charset=utf-8"),
             ("/stackstate/console/", "index.html", "text/html; charset=utf-8"),
             ("/stackstate/console/js/api.js", "js/api.js", "text/javascript; charset=utf-8")]

    def get(self, base, path, key=None, **kw):
        return call(base, path, key=key, method="GET", **kw)

    def assertConsoleFile(self, r, file, ctype, key_check=True):
        self.assertEqual((r.status, r.header("Content-Type")), (200, ctype), r)
        self.assertEqual(r.body, read(os.path.join(CONSOLE_DIR, file)))
        self.assertEqual(r.header("Content-Security-Policy"), CSP)
        self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
        self.assertEqual(r.header("Referrer-Policy"), "no-referrer")
        self.assertEqual(r.header("Strict-Transport-Security"), "max-age=63072000")
        # a page for anyone carries no key, unless the check is off (then
        # every answer carries the primary key, MIRROR-API.md "Transport")
        self.assertEqual(r.all("X-MIRROR-API-KEY"), [] if key_check else [KEY])

    def test_files_without_a_key(self):
        for path, file, ctype in self.FILES:
            with self.subTest(path=path):
                self.assertConsoleFile(self.get(FCGI_URL, path), file, ctype)

    def test_same_files_and_headers_as_nginx(self):
        for path, _, _ in self.FILES:
            a, n = self.get(FCGI_URL, path), self.get(NGINX_URL, path)
            for h in ("Content-Type", "Content-Security-Policy", "X-Content-Type-Options",
                      "Referrer-Policy"):
                self.assertEqual(a.header(h), n.header(h), (path, h))
            self.assertEqual((a.status, a.body), (n.status, n.body), path)

    def test_dygraphs_from_debian(self):
        for name, ctype in (("dygraph.min.js", "text/javascript; charset=utf-8"),
                            ("dygraph.min.css", "text/css; charset=utf-8")):
            r = self.get(FCGI_URL, "/stackstate/console/lib/" + name)
            self.assertEqual((r.status, r.header("Content-Type")), (200, ctype))
            self.assertEqual(r.body, read(os.path.join(DYGRAPHS, name)))

    def test_redirect_to_the_slash(self):
        r = self.get(FCGI_URL, "/stackstate/console")
        self.assertEqual(r.status, 301)
        self.assertEqual(r.header("Location"), FCGI_URL + "/stackstate/console/")

    def test_unknown_console_paths_404(self):
        for path in ("/other/console/", "/console/nope.js", "/console/lib/dygraph.js",
                     "/console/js/", "/consoles/"):
            with self.subTest(path=path):
                self.assertError(self.get(FCGI_URL, path, key=KEY), 404, ERR_404)
        self.assertError(self.get(FCGI_URL, "/other/console/"), 401, ERR_401)

    def test_post_405(self):
        r = call(FCGI_URL, "/console/index.html", {}, key=None)
        self.assertError(r, 405, ERR_CONSOLE_405)

    def test_mirror_paths_unchanged(self):
        r = self.post("/stackstate/api/connection", connection_body())
        self.assertEqual((r.status, r.body), (200, CONNECTION_OK))
        self.assertEqual(r.header("Content-Security-Policy"), None)
        self.assertError(self.post("/console/api/connection", connection_body()), 404, ERR_404)

    def post(self, path, body):
        return call(FCGI_URL, path, body)

    def test_guards_apply(self):
        self.assertError(self.get(GUARD_URL, "/console/"), 403, ERR_FORBIDDEN)
        ctx = tls_context(cert="client")
        self.assertConsoleFile(self.get(GUARD_URL, "/console/", ctx=ctx), "index.html",
                               "text/html; charset=utf-8", key_check=False)
        # no prefix configured there
        self.assertError(self.get(GUARD_URL, "/stackstate/console/", ctx=ctx), 404, ERR_404)

    def test_switched_off(self):
        for path in ("/console/", "/console/js/main.js", "/stackstate/console/"):
            with self.subTest(path=path):
                self.assertError(self.get(OFF_URL, path), 401, ERR_401)
                r = self.get(OFF_URL, path, key=KEY)
                self.assertError(r, 404, ERR_404)
                self.assertEqual(r.header("Content-Security-Policy"), None)


class ResponderDown(DeployCase):
    """Run with APACHE_PHASE=responder-down, after the fcgi responder stopped."""

    def test_503_json_from_apache(self):
        r = call(FCGI_URL, "/api/metric", metric_body(start=T0, end=T1))
        self.assertError(r, 503, ERR_UNAVAILABLE)
        self.assertFrontHeaders(r, KEY)

    def test_401_still_from_apache(self):
        r = call(FCGI_URL, "/api/metric", metric_body(), key="wrong")
        self.assertError(r, 401, ERR_401)


def main():
    if not FCGI_URL:
        sys.exit("run tests/apache/run.sh, which starts the servers")
    mod = sys.modules[__name__]
    if ENV.get("APACHE_PHASE") == "responder-down":
        names = ["ResponderDown"]
    else:
        names = [a for a in sys.argv[1:] if not a.startswith("-")] or [
            "ApacheFcgi", "ApacheCgi", "ApacheVersusNginx", "Tls", "Guarded", "Console"]
    sys.exit(1 if run_tests(mod, "apache", names) else 0)


if __name__ == "__main__":
    main()
