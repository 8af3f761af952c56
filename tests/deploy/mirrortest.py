"""Shared helpers for the deployment suites (tests/apache, tests/cgi_nginx,
tests/pool, tests/cache): HTTPS requests with the standard library, the
mirror's exact error bodies, request bodies for the sample store, and a
runner that prints one line per test and "NAME: N passed, M failed".

Each suite's run.sh starts the servers and passes what the Python side
needs in environment variables; see the suite's own docstring.
"""

import http.client
import json
import os
import re
import socket
import ssl
import sys
import unittest
import warnings

ENV = os.environ
KEY = ENV.get("DEPLOY_KEY", "api_key")
KEY2 = ENV.get("DEPLOY_KEY2", "rotated_key")
CA = ENV.get("DEPLOY_CA", "")
TLS_DIR = ENV.get("DEPLOY_TLS_DIR", "")
MAX_BODY = 1048576


def mirror_error(summary, details):
    return json.dumps({"_type": "RemoteMirrorError", "summary": summary,
                       "details": details}, separators=(",", ":"))


ERR_401 = mirror_error("missing or wrong API key",
                       "X-MIRROR-API-KEY is missing or wrong")
ERR_404 = mirror_error("unknown path", "the mirror answers POST /api/connection, "
                       "/api/field/name, /api/field/value and /api/metric")
ERR_405 = mirror_error("method not allowed", "use POST")
ERR_413 = mirror_error("request body too large",
                       "the body exceeds %d bytes" % MAX_BODY)
ERR_TRUNCATED_JSON = mirror_error("invalid request",
                                  "the body is not JSON: it ends too early")
ERR_END_BEFORE_START = mirror_error("invalid request",
                                    "query.endTime is before query.startTime")
CONNECTION_OK = '{"status":"OK","_type":"TestConnectionResponse"}'

# A fixed past window (2024-03-01T10:00:00Z + 17 s), so every run asks
# for the same data and buckets straddle both edges.
HOUR = 3600 * 1000
DAY = 24 * HOUR
T0 = 1709287200000 + 17000
T1 = T0 + HOUR


def cond(key, value):
    return {"key": key, "value": {"value": value, "_type": "StringValue"},
            "_type": "EqualityCondition"}


SERIES = [cond("metric", "cpu.user"), cond("host", "web-1")]


def connection_body():
    return {"_type": "TestConnectionRequest", "connectionDetails": {}}


def names_body():
    return {"_type": "FieldNamesRequest", "connectionDetails": {},
            "query": {"conditions": [], "startTime": T0, "endTime": T1,
                      "limit": 2147483647, "latestFirst": False,
                      "_type": "FieldNamesQuery"}}


def values_body(field="host", prefix=None):
    query = {"conditions": [], "startTime": T0, "endTime": T1,
             "field": {"_type": "FieldDescriptor", "classified": False,
                       "fieldName": field, "fieldType": "STRING"},
             "limit": 2147483647, "offset": 0, "latestFirst": False,
             "_type": "FieldValuesQuery"}
    if prefix is not None:
        query["fieldValuePrefix"] = prefix
    return {"_type": "FieldValuesRequest", "connectionDetails": {},
            "query": query}


def metric_body(start=T0, end=T1, method=None, bucket=None,
                limit=2147483647, conditions=None):
    query = {"conditions": SERIES if conditions is None else conditions,
             "startTime": start, "endTime": end, "limit": limit,
             "latestFirst": False, "_type": "MetricsQuery"}
    if method is not None:
        query["aggregation"] = {"method": method, "bucketSizeMillis": bucket,
                                "_type": "Aggregation"}
    return {"_type": "MetricsRequest", "connectionDetails": {}, "query": query}


# (path, body) pairs covering every method, used to compare deployments.
def sample_requests():
    return [
        ("/api/connection", connection_body()),
        ("/api/field/name", names_body()),
        ("/api/field/value", values_body("host")),
        ("/api/field/value", values_body("metric", prefix="cpu.")),
        ("/api/metric", metric_body()),
        ("/api/metric", metric_body(method="MEAN", bucket=60000)),
        ("/api/metric", metric_body(start=T0, end=T0 + DAY,
                                    method="PERCENTILE_95", bucket=300000)),
        ("/api/metric", metric_body(start=T1, end=T0)),
        ("/stackstate/api/metric", metric_body(method="SUM", bucket=600000)),
    ]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers          # list of (name, value)
        self.body = body                # str

    def header(self, name):
        values = self.all(name)
        return values[0] if values else None

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def data(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


def tls_context(cert=None, minimum=None, maximum=None, ciphers=None):
    ctx = ssl.create_default_context(cafile=CA)
    if cert:
        ctx.load_cert_chain(os.path.join(TLS_DIR, cert + ".pem"),
                            os.path.join(TLS_DIR, cert + ".key"))
    if minimum or maximum:
        # Old protocols need the lowest security level on the client side,
        # so that a refusal is the server's doing.
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = minimum or ssl.TLSVersion.MINIMUM_SUPPORTED
            ctx.maximum_version = maximum or ssl.TLSVersion.MAXIMUM_SUPPORTED
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


def split_url(url):
    m = re.match(r"https://([^:/]+):(\d+)$", url)
    return m.group(1), int(m.group(2))


def call(base, path, body=None, key=KEY, method="POST", ctx=None,
         headers=None, raw=None, address=None, timeout=30):
    """One HTTPS request to base (https://host:port); body is JSON-encoded
    unless raw bytes are given; key None sends no key header."""
    host, port = split_url(base)
    conn = http.client.HTTPSConnection(address or host, port, timeout=timeout,
                                       context=ctx or tls_context())
    hdrs = {"Content-Type": "application/json"}
    if key is not None:
        hdrs["X-MIRROR-API-KEY"] = key
    hdrs.update(headers or {})
    data = raw
    if data is None and body is not None:
        data = json.dumps(body).encode()
    try:
        conn.request(method, path, body=data, headers=hdrs,
                     encode_chunked="Transfer-Encoding" in hdrs)
        r = conn.getresponse()
        return Response(r.status, r.getheaders(), r.read().decode())
    finally:
        conn.close()


def _read_response(buf, eof):
    """One response parsed from the start of buf: (Response, rest), or None
    while it is incomplete. Bodies by Content-Length, chunked, or (neither)
    up to the end of the connection (eof: it has ended)."""
    head, sep, rest = buf.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = [tuple(l.split(": ", 1)) for l in lines[1:] if ": " in l]
    r = Response(status, headers, "")
    if (r.header("Transfer-Encoding") or "").lower() == "chunked":
        body = b""
        while True:
            size, sep, more = rest.partition(b"\r\n")
            if not sep:
                return None
            n = int(size, 16)
            if len(more) < n + 2:
                return None
            body, rest = body + more[:n], more[n + 2:]
            if n == 0:
                break
    elif r.header("Content-Length") is None:
        if not eof:
            return None
        body, rest = rest, b""
    else:
        n = int(r.header("Content-Length"))
        if len(rest) < n:
            return None
        body, rest = rest[:n], rest[n:]
    r.body = body.decode("utf-8", errors="replace")
    return r, rest


def raw_exchange(base, data, answers=1, timeout=10):
    """Sends data as is over one TLS connection to base and reads until
    `answers` responses are complete, the server closes, or timeout s pass
    (a deadline, not a wait: a complete answer returns at once). Returns
    (responses, leftover bytes); an HTTP/0.9 answer is all leftover."""
    host, port = split_url(base)
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    conn = tls_context().wrap_socket(sock, server_hostname=host)
    out, buf, eof = [], b"", False
    try:
        conn.sendall(data)
        while len(out) < answers:
            got = _read_response(buf, eof) if buf.startswith(b"HTTP/") else None
            if got is not None:
                out.append(got[0])
                buf = got[1]
                continue
            if eof:
                break
            chunk = conn.recv(65536)
            eof = not chunk
            buf += chunk
    except (socket.timeout, ConnectionError, ssl.SSLError):
        pass
    finally:
        conn.close()
    return out, buf


def count_lines(path, pattern=None):
    """Lines of a log file (those matching pattern when given)."""
    try:
        with open(path, errors="replace") as f:
            return sum(1 for line in f if pattern is None or re.search(pattern, line))
    except FileNotFoundError:
        return 0


class DeployCase(unittest.TestCase):
    maxDiff = 4000

    def assertFrontHeaders(self, r, sent_key=KEY, key_check=True,
                           request_id=True):
        """What the front server adds to every answer, errors included.
        The key: the one presented when accepted; the primary one when
        the check is off; none on a refused request."""
        if sent_key in (KEY, KEY2):
            want = [sent_key]
        else:
            want = [] if key_check else [KEY]
        self.assertEqual(r.all("X-MIRROR-API-KEY"), want, r.headers)
        self.assertEqual(r.header("Strict-Transport-Security"),
                         "max-age=63072000")
        if request_id:
            self.assertIsNotNone(r.header("X-Request-ID"))
        self.assertTrue((r.header("Content-Type") or "")
                        .startswith("application/json"), r.headers)

    def assertError(self, r, status, body):
        self.assertEqual((r.status, r.body), (status, body))

    def assertOk(self, r):
        self.assertEqual(r.status, 200, r)
        return r.data()


# --- runner -------------------------------------------------------------------


class Result(unittest.TextTestResult):
    """One line per test: PASS/FAIL/ERROR/SKIP and its name."""

    def _line(self, word, test, extra=""):
        self.stream.write("%-5s %s%s\n" % (word, test.id().split(".", 1)[-1], extra))
        self.stream.flush()

    def addSuccess(self, test):
        unittest.TestResult.addSuccess(self, test)
        self._line("PASS", test)

    def addFailure(self, test, err):
        unittest.TestResult.addFailure(self, test, err)
        self._line("FAIL", test)

    def addError(self, test, err):
        unittest.TestResult.addError(self, test, err)
        self._line("ERROR", test)

    def addSkip(self, test, reason):
        unittest.TestResult.addSkip(self, test, reason)
        self._line("SKIP", test, " (%s)" % reason)

    def addSubTest(self, test, subtest, err):
        unittest.TestResult.addSubTest(self, test, subtest, err)
        if err is not None:
            self._line("FAIL", subtest)


def run_tests(module, label, names=None):
    """Runs the module's tests (or the named ones); prints one line per test
    and "<label> python: N passed, M failed"; returns the failure count."""
    loader = unittest.TestLoader()
    if names:
        suite = loader.loadTestsFromNames(names, module)
    else:
        suite = loader.loadTestsFromModule(module)
    runner = unittest.TextTestRunner(resultclass=Result, verbosity=0,
                                     stream=sys.stdout)
    result = runner.run(suite)
    failed = len({t.id() for t, _ in result.failures + result.errors})
    passed = result.testsRun - failed - len(result.skipped)
    print("%s python: %d passed, %d failed" % (label, passed, failed))
    # The suite's run.sh adds these to its own count.
    if ENV.get("DEPLOY_COUNTS"):
        with open(ENV["DEPLOY_COUNTS"], "a") as f:
            f.write("%d %d\n" % (passed, failed))
    return failed


# --- the checks every front server must pass -----------------------------------


def mean_buckets(points, start, end, bucket):
    """MIRROR-API.md decisions 1 and 2 for MEAN: {bucket start: mean}."""
    groups = {}
    for v, t in points:
        if start <= t < end:
            groups.setdefault(t - t % bucket, []).append(v)
    return {k: sum(vs) / len(vs) for k, vs in groups.items()}


class FrontTests:
    """Mixed into a DeployCase subclass that sets:
      base        https://localhost:PORT of the front server
      reference   https://... of another deployment answering the same
                  store (bodies must be byte-identical), or None
      and implements reached(r): did request r reach the mirror?"""

    base = None
    reference = None
    key_check = True

    def reached(self, r):
        raise NotImplementedError

    def post(self, path, body, key=KEY, **kw):
        r = call(self.base, path, body, key=key, **kw)
        self.assertFrontHeaders(r, key, key_check=self.key_check)
        return r

    # --- the key ---
    def test_right_key(self):
        r = self.post("/api/connection", connection_body())
        self.assertEqual((r.status, r.body), (200, CONNECTION_OK))
        self.assertTrue(self.reached(r))

    def test_rotated_key_accepted_and_echoed(self):
        r = self.post("/api/connection", connection_body(), key=KEY2)
        self.assertEqual((r.status, r.body), (200, CONNECTION_OK))

    def test_wrong_key_401_never_reaches_the_mirror(self):
        r = self.post("/api/connection", connection_body(), key="wrong")
        self.assertError(r, 401, ERR_401)
        self.assertFalse(self.reached(r))

    def test_missing_key_401(self):
        r = self.post("/api/metric", metric_body(), key=None)
        self.assertError(r, 401, ERR_401)
        self.assertFalse(self.reached(r))

    def test_key_is_case_sensitive(self):
        r = self.post("/api/connection", connection_body(), key=KEY.upper())
        self.assertError(r, 401, ERR_401)

    def test_key_list_or_wildcard_is_not_a_key(self):
        # (Trailing spaces are not part of a header value: RFC 9110 5.5.)
        for k in ("%s,%s" % (KEY, KEY2), "*", KEY[:3] + "*", "?" + KEY[1:],
                  KEY + "x", "," + KEY, KEY + ",", "[a]" + KEY):
            with self.subTest(key=k):
                r = call(self.base, "/api/connection", connection_body(), key=k)
                self.assertError(r, 401, ERR_401)
                self.assertEqual(r.all("X-MIRROR-API-KEY"), [])

    def test_wrong_key_on_unknown_path_is_401(self):
        r = self.post("/nope", connection_body(), key="wrong")
        self.assertError(r, 401, ERR_401)

    # --- every method ---
    def test_field_names(self):
        d = self.assertOk(self.post("/api/field/name", names_body()))
        self.assertEqual(d["_type"], "FieldNamesResponse")
        names = {f["fieldName"] for f in d["fields"]}
        self.assertTrue({"metric", "host", "owner"} <= names, names)

    def test_field_values(self):
        d = self.assertOk(self.post("/api/field/value", values_body("host")))
        self.assertEqual(d["_type"], "FieldValuesResponse")
        self.assertIn({"value": "web-1", "_type": "CompleteValue"}, d["values"])

    def test_raw_metric_under_prefix(self):
        d = self.assertOk(self.post("/stackstate/api/metric", metric_body()))
        tel = d["telemetry"]
        self.assertEqual(tel["_type"], "RawMetricTelemetry")
        self.assertEqual(len(tel["points"]), 360)
        self.assertFalse(tel["isPartial"])

    def test_aggregation_mean_1min(self):
        raw = self.assertOk(self.post("/api/metric", metric_body()))
        agg = self.assertOk(self.post("/api/metric",
                                      metric_body(method="MEAN", bucket=60000)))
        tel = agg["telemetry"]
        self.assertEqual(tel["_type"], "AggregatedMetricTelemetry")
        want = mean_buckets(raw["telemetry"]["points"], T0, T1, 60000)
        got = {p[1]: p[0] for p in tel["points"]}
        self.assertEqual(sorted(got), sorted(want))
        for k in want:
            self.assertAlmostEqual(got[k], want[k], places=6)
        for v, s, e in tel["points"]:
            self.assertEqual((s % 60000, e - s), (0, 60000))

    # --- errors, each with the key header ---
    def test_bad_json_400(self):
        r = self.post("/api/metric", None, raw=b'{"_type":')
        self.assertError(r, 400, ERR_TRUNCATED_JSON)
        self.assertTrue(self.reached(r))

    def test_end_before_start_400(self):
        r = self.post("/api/metric", metric_body(start=T1, end=T0))
        self.assertError(r, 400, ERR_END_BEFORE_START)

    def test_unknown_path_404(self):
        for path in ("/api/metrics", "/", "/other/api/metric", "/api/metric/x"):
            with self.subTest(path=path):
                r = self.post(path, connection_body())
                self.assertError(r, 404, ERR_404)
                self.assertFalse(self.reached(r))

    def test_get_is_405_from_the_mirror(self):
        r = self.post("/api/connection", None, method="GET")
        self.assertError(r, 405, ERR_405)
        self.assertEqual(r.header("Allow"), "POST")

    def test_body_over_1mib_413(self):
        big = b'{"_type":"MetricsRequest","pad":"' + b"x" * MAX_BODY + b'"}'
        r = self.post("/api/metric", None, raw=big)
        self.assertError(r, 413, ERR_413)
        self.assertFalse(self.reached(r))

    def test_chunked_body_over_1mib_413(self):
        big = b'{"_type":"MetricsRequest","pad":"' + b"x" * MAX_BODY + b'"}'
        r = self.post("/api/metric", None, raw=big,
                      headers={"Transfer-Encoding": "chunked"})
        self.assertError(r, 413, ERR_413)

    def test_chunked_body_reaches_the_mirror_whole(self):
        r = self.post("/api/connection", connection_body(),
                      headers={"Transfer-Encoding": "chunked"})
        self.assertEqual((r.status, r.body), (200, CONNECTION_OK))

    def test_key_header_not_doubled(self):
        r = self.post("/api/metric", metric_body(start=T1, end=T0))
        self.assertEqual(len(r.all("X-MIRROR-API-KEY")), 1)

    # --- operators ---
    def test_healthz_needs_no_key(self):
        r = call(self.base, "/healthz", None, key=None, method="GET")
        self.assertEqual((r.status, r.body), (200, '{"status":"OK"}'))

    def test_metrics_from_loopback(self):
        r = call(self.base, "/metrics", None, key=None, method="GET")
        self.assertEqual(r.status, 200)
        self.assertIn("# TYPE mirror_requests_total counter", r.body)

    # --- the same answers as the reference deployment ---
    def test_same_bodies_as_the_reference(self):
        if not self.reference:
            self.skipTest("no reference deployment")
        for path, body in sample_requests():
            with self.subTest(path=path, body=json.dumps(body)[:80]):
                a = call(self.base, path, body)
                b = call(self.reference, path, body)
                self.assertEqual((a.status, a.body), (b.status, b.body))
                self.assertEqual(a.header("Content-Type"), b.header("Content-Type"))

    def test_16_parallel_requests(self):
        import concurrent.futures
        reqs = sample_requests() * 2
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            rs = list(pool.map(lambda pb: call(self.base, pb[0], pb[1]), reqs))
        want = [200] * len(reqs)
        for i, (path, body) in enumerate(reqs):
            if body.get("query", {}).get("endTime", 1) < body.get("query", {}).get("startTime", 0):
                want[i] = 400
        self.assertEqual([r.status for r in rs], want)


def find_log_line(path, rid, tries=50):
    """The access-log line ending in rid=<rid> (the log is written after
    the answer, so wait a little)."""
    import time
    for _ in range(tries):
        try:
            with open(path, errors="replace") as f:
                for line in f:
                    if line.rstrip().endswith("rid=" + rid):
                        return line
        except FileNotFoundError:
            pass
        time.sleep(0.05)
    raise AssertionError("request %s not in %s" % (rid, path))


def nginx_reached(r, log):
    """nginx's mirror_access log: up=- when nginx answered itself."""
    line = find_log_line(log, r.header("X-Request-ID"))
    return re.search(r" up=(\S+)", line).group(1) != "-"


def apache_reached(r, log):
    """apache/mirror-site.conf's mirror_access log: handler=- when Apache
    answered itself."""
    line = find_log_line(log, r.header("X-Request-ID"))
    return re.search(r" handler=(\S+)", line).group(1) != "-"


# --- hostile requests: every answer typed JSON ------------------------------------

ERR_415_TEXT = mirror_error("unsupported media type", "Content-Type \"text/plain\" is "
                            "refused: the body must be sent as application/json")
ERR_DUP_KEY = mirror_error("invalid request", "the body repeats the key "
                           "\"connectionDetails\" in one object (at byte 56); a key "
                           "may appear only once")
ERR_NO_TYPE = mirror_error("invalid request", "_type is required")
ERR_501_NGINX = mirror_error("invalid request", "nginx does not implement this "
                             "Transfer-Encoding; send the body with a Content-Length")
ERR_505_NGINX = mirror_error("invalid request", "the mirror speaks HTTP/1.0 and HTTP/1.1")
ERR_417_APACHE = mirror_error("invalid request", "the only expectation the mirror "
                              "meets is 100-continue")


def front_400(front):
    return mirror_error("invalid request", "%s could not parse the HTTP request" % front)


def _req(line, *headers, body=b"", key=True):
    h = [b"Host: localhost"] + ([b"X-MIRROR-API-KEY: " + KEY.encode()] if key else [])
    return line + b"\r\n" + b"".join(x + b"\r\n" for x in h + list(headers)) + b"\r\n" + body


CONN_BODY = b'{"_type":"TestConnectionRequest","connectionDetails":{}}'


def _post(body, *headers):
    return _req(b"POST /api/connection HTTP/1.1",
                b"Content-Length: %d" % len(body), *headers, body=body)


# What each front server answers (status, body), per request; the two
# differ where HTTP leaves the choice to the server.
def hostile_cases(front):
    bad = (400, front_400(front))
    nginx = front == "nginx"
    return {
        # Malformed request lines: no URI for nginx to route on.
        "encoded_dot_segments": (_req(b"POST /%2e%2e/api/metric HTTP/1.1",
                                      b"Content-Length: 2", body=b"{}"), [bad]),
        "dot_segments_above_the_root": (_req(b"GET /../x HTTP/1.1"), [bad]),
        "nul_in_the_path": (_req(b"GET /api/a%00b HTTP/1.1"),
                            [bad] if nginx else [(404, ERR_404)]),
        "space_in_the_path": (_req(b"GET /a b HTTP/1.1"), [bad]),
        "del_in_the_path": (_req(b"GET /a\x7fb HTTP/1.1"), [bad]),
        "unknown_method_token": (_req(b"G@T /api/metric HTTP/1.1"), [bad]),
        "connect": (_req(b"CONNECT localhost:443 HTTP/1.1"),
                    [bad] if nginx else [(404, ERR_404)]),
        # nginx parses what follows a short body as the next request;
        # Apache closes the connection after a 400.
        "bytes_after_a_short_body": (_post(b"{}") + b"garbage here\r\n\r\n",
                                     [(400, ERR_NO_TYPE)] + ([bad] if nginx else [])),
        "no_host": (b"GET /api/metric HTTP/1.1\r\n\r\n", [bad]),
        "bad_content_length": (_req(b"POST /api/connection HTTP/1.1",
                                    b"Content-Length: 1x"), [bad]),
        "nul_in_a_header": (_req(b"GET /api/metric HTTP/1.1", b"X-A: a\x00b"), [bad]),
        "broken_chunk": (_req(b"POST /api/connection HTTP/1.1",
                              b"Transfer-Encoding: chunked", body=b"zz\r\n"), [bad]),
        "unknown_transfer_encoding": (_req(b"POST /api/connection HTTP/1.1",
                                           b"Transfer-Encoding: gzip"),
                                      [(501, ERR_501_NGINX)] if nginx else [bad]),
        # Apache takes HTTP/2.0 on an HTTP/1 connection as HTTP/1.1.
        "http_2_0_on_http_1": (_req(b"GET /api/metric HTTP/2.0"),
                               [(505, ERR_505_NGINX)] if nginx else [(405, ERR_405)]),
        "trace": (_req(b"TRACE /api/metric HTTP/1.1"), [(405, ERR_405)]),
        # nginx ignores an Expect it does not know; Apache refuses it.
        "unknown_expectation": (_post(b"{}", b"Expect: 100-fail"),
                                [(400, ERR_NO_TYPE)] if nginx else
                                [(417, ERR_417_APACHE)]),
        # The body's type, checked by the mirror (docs/RELIABILITY.md).
        "text_plain_body_415": (_post(CONN_BODY, b"Content-Type: text/plain"),
                                [(415, ERR_415_TEXT)]),
        "json_with_charset_accepted": (_post(CONN_BODY, b"Content-Type: application/"
                                             b"json; charset=UTF-8"), [(200, CONNECTION_OK)]),
        "no_content_type_accepted": (_post(CONN_BODY), [(200, CONNECTION_OK)]),
        "repeated_key_400": (_post(b'{"_type":"TestConnectionRequest","connectionDetails"'
                                   b':{},"connectionDetails":{}}',
                                   b"Content-Type: application/json"), [(400, ERR_DUP_KEY)]),
    }


class HostileTests:
    """Mixed into a test case that sets base (https://localhost:PORT) and
    front ("nginx" or "Apache"): requests sent byte for byte over TLS, each
    answered with the exact status and typed JSON body of hostile_cases()."""

    base = None
    front = "nginx"

    def check_case(self, name):
        data, want = hostile_cases(self.front)[name]
        got, rest = raw_exchange(self.base, data, answers=len(want))
        self.assertEqual([(r.status, r.body) for r in got], want, name)
        for r in got:
            self.assertEqual(r.header("Content-Type"), "application/json",
                             (name, r.headers))
        self.assertEqual(rest, b"", name)
        return got

    def test_hostile_requests_get_typed_json(self):
        for name in hostile_cases(self.front):
            with self.subTest(case=name):
                self.check_case(name)

    def test_trace_405_says_what_is_allowed(self):
        r = self.check_case("trace")[0]
        # nginx adds Allow; Apache's TRACE refusal (TraceEnable off) comes
        # before any handler, and its Allow lists nothing.
        self.assertEqual(r.all("Allow"), ["POST"] if self.front == "nginx" else [""])

    def test_http_0_9_gets_a_json_body(self):
        # HTTP/0.9 answers have no status line and no headers: the body only.
        got, rest = raw_exchange(self.base, b"GET /api/metric\r\n", answers=1)
        self.assertEqual(got, [])
        self.assertEqual(rest.decode(), ERR_401 if self.front == "nginx"
                         else front_400(self.front))
