#!/usr/bin/env python3
"""End-to-end tests of the mirror: HTTPS through nginx (the shipped
configuration) to the FastCGI responder, and the CGI binary run as a CGI
program. Standard library only.

tests/e2e/run.sh starts the stacks and sets the E2E_* variables read
below; run that script rather than this file. Error bodies are compared
byte for byte; success bodies depend on the sample store's data, so their
structure and invariants are checked (and aggregations are recomputed from
the raw points of the same window).
"""

import concurrent.futures
import http.client
import json
import math
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import unittest
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "deploy"))
import mirrortest  # noqa: E402
from mirrortest import HostileTests  # noqa: E402

ENV = os.environ
MAIN_URL = ENV.get("E2E_MAIN_URL", "")
GUARDED_URL = ENV.get("E2E_GUARDED_URL", "")
CA = ENV.get("E2E_CA", "")
mirrortest.CA = CA
TLS_DIR = ENV.get("E2E_TLS_DIR", "")
CGI = ENV.get("E2E_CGI", "")
KEY = ENV.get("E2E_KEY", "api_key")
KEY2 = ENV.get("E2E_KEY2", "rotated_key")
MAIN_DIR = ENV.get("E2E_MAIN_DIR", "")
GUARDED_DIR = ENV.get("E2E_GUARDED_DIR", "")

MAX_BODY = 1048576

# --- exact error bodies ------------------------------------------------------


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
ERR_502_NGINX = mirror_error("mirror unavailable",
                             "nginx could not reach the mirror responder")
ERR_497_NGINX = mirror_error("invalid request",
                             "plain HTTP was sent to the HTTPS port")
ERR_CERT_NGINX = mirror_error("forbidden",
                              "a valid TLS client certificate is required")
ERR_403_NGINX = mirror_error("forbidden",
                             "this client address may not use the mirror")
ERR_END_BEFORE_START = mirror_error("invalid request",
                                    "query.endTime is before query.startTime")
ERR_TRUNCATED_JSON = mirror_error("invalid request",
                                  "the body is not JSON: it ends too early")

CONNECTION_OK = '{"status":"OK","_type":"TestConnectionResponse"}'

AGGREGATIONS = ["MEAN", "PERCENTILE_25", "PERCENTILE_50", "PERCENTILE_75",
                "PERCENTILE_90", "PERCENTILE_95", "PERCENTILE_98",
                "PERCENTILE_99", "MAX", "MIN", "SUM", "EVENT_COUNT",
                "SUM_NO_ZEROS", "EVENT_COUNT_NO_ZEROS"]
ZERO_FILLED = {"SUM", "EVENT_COUNT"}

# --- requests ---------------------------------------------------------------

HOUR = 3600 * 1000
DAY = 24 * HOUR
# A fixed past window, so every run asks for the same data: the hour from
# 2024-03-01T10:00:00Z, shifted by 17 s so buckets straddle both edges.
T0 = 1709287200000 + 17000
T1 = T0 + HOUR


def cond(key, value):
    return {"key": key, "value": {"value": value, "_type": "StringValue"},
            "_type": "EqualityCondition"}


SERIES = [cond("metric", "cpu.user"), cond("host", "web-1")]


def connection_body():
    return {"_type": "TestConnectionRequest", "connectionDetails": {}}


def names_body(conditions=None):
    return {"_type": "FieldNamesRequest", "connectionDetails": {},
            "query": {"conditions": conditions or [], "startTime": T0,
                      "endTime": T1, "limit": 2147483647,
                      "latestFirst": False, "_type": "FieldNamesQuery"}}


def values_body(field, field_type="STRING", prefix=None, conditions=None):
    query = {"conditions": conditions or [], "startTime": T0, "endTime": T1,
             "field": {"_type": "FieldDescriptor", "classified": False,
                       "fieldName": field, "fieldType": field_type},
             "limit": 2147483647, "offset": 0, "latestFirst": False,
             "_type": "FieldValuesQuery"}
    if prefix is not None:
        query["fieldValuePrefix"] = prefix
    return {"_type": "FieldValuesRequest", "connectionDetails": {},
            "query": query}


def metric_body(start=T0, end=T1, method=None, bucket=None, limit=2147483647,
                latest_first=False, conditions=None):
    query = {"conditions": SERIES if conditions is None else conditions,
             "startTime": start, "endTime": end, "limit": limit,
             "latestFirst": latest_first, "_type": "MetricsQuery"}
    if method is not None:
        query["aggregation"] = {"method": method, "bucketSizeMillis": bucket,
                                "_type": "Aggregation"}
    return {"_type": "MetricsRequest", "connectionDetails": {}, "query": query}


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

    def json(self):
        return json.loads(self.body, object_pairs_hook=list)

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


def call(path, body=None, key=KEY, method="POST", base=None, ctx=None,
         headers=None, raw=None, address=None):
    """One HTTPS request; body is JSON-encoded unless raw bytes are given."""
    host, port = split_url(base or MAIN_URL)
    # The test certificate names localhost, 127.0.0.1 and ::1.
    conn = http.client.HTTPSConnection(address or host, port, timeout=30,
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


def run_cgi(body, path="/api/connection", method="POST", key=KEY, env=None,
            length=None):
    """Runs the CGI binary as a web server would (RFC 3875)."""
    data = json.dumps(body).encode() if isinstance(body, dict) else (body or b"")
    e = {"PATH": ENV.get("PATH", "/usr/bin:/bin"),
         "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1",
         "SERVER_SOFTWARE": "e2e", "SERVER_NAME": "localhost",
         "SERVER_PORT": "443", "REMOTE_ADDR": "127.0.0.1",
         "REQUEST_METHOD": method, "SCRIPT_NAME": "/cgi-bin/mirror.cgi",
         "PATH_INFO": path, "CONTENT_TYPE": "application/json",
         "CONTENT_LENGTH": str(len(data) if length is None else length),
         "MIRROR_API_KEY": "%s,%s" % (KEY, KEY2)}
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in ENV:
            e[k] = ENV[k]
    if key is not None:
        e["HTTP_X_MIRROR_API_KEY"] = key
    e.update(env or {})
    e = {k: v for k, v in e.items() if v is not None}
    p = subprocess.run([CGI], input=data, env=e, capture_output=True,
                       timeout=60)
    return p


def parse_cgi(testcase, p):
    testcase.assertEqual(p.returncode, 0, p.stderr.decode(errors="replace"))
    testcase.assertNotRegex(p.stderr.decode(errors="replace"),
                            r"Sanitizer|runtime error")
    head, sep, body = p.stdout.partition(b"\r\n\r\n")
    testcase.assertEqual(sep, b"\r\n\r\n", "no CRLF CRLF after the headers")
    lines = head.decode().split("\r\n")
    m = re.match(r"Status: (\d{3}) [A-Za-z ]+$", lines[0])
    testcase.assertTrue(m, "first line is not a Status header: %r" % lines[0])
    headers = [tuple(l.split(": ", 1)) for l in lines[1:]]
    r = Response(int(m.group(1)), headers, body.decode())
    testcase.assertEqual(r.header("Content-Type"), "application/json")
    testcase.assertEqual(int(r.header("Content-Length")), len(body))
    return r


# --- checks -----------------------------------------------------------------


class MirrorCase(unittest.TestCase):
    maxDiff = 4000

    def assertFrontHeaders(self, r, sent_key=KEY, key_check=True):
        """What nginx adds to every response, errors included. The key:
        the one presented when it is accepted; the primary one when the
        check is off; none on a refused request (that would hand it out)."""
        if sent_key in (KEY, KEY2):
            want = [sent_key]
        else:
            want = [] if key_check else [KEY]
        self.assertEqual(r.all("X-MIRROR-API-KEY"), want, r)
        self.assertEqual(r.header("Strict-Transport-Security"),
                         "max-age=63072000")
        self.assertIsNotNone(r.header("X-Request-ID"))
        self.assertTrue((r.header("Content-Type") or "")
                        .startswith("application/json"), r.headers)

    def post(self, path, body, key=KEY, **kw):
        r = call(path, body, key=key, **kw)
        self.assertFrontHeaders(r, key)
        return r

    def assertError(self, r, status, body):
        self.assertEqual((r.status, r.body), (status, body))

    def assertOk(self, r):
        self.assertEqual(r.status, 200, r)
        return r.data()

    def assertKeys(self, pairs, keys):
        self.assertEqual([k for k, _ in pairs], keys)

    def upstream_of(self, r, log_dir=None):
        """The responder address nginx logged for r ("-": none)."""
        rid = r.header("X-Request-ID")
        log = os.path.join(log_dir or MAIN_DIR, "nginx", "logs", "access.log")
        for _ in range(50):
            with open(log) as f:
                for line in f:
                    if line.rstrip().endswith("rid=" + rid):
                        return re.search(r" up=(\S+)", line).group(1)
            time.sleep(0.05)
        self.fail("request %s not in %s" % (rid, log))


def check_telemetry(tc, data, raw):
    pairs = data
    tc.assertKeys(pairs, ["telemetry", "_type"])
    d = dict(pairs)
    tc.assertEqual(d["_type"], "MetricsResponse")
    tel = dict(d["telemetry"])
    tc.assertKeys(d["telemetry"], ["points", "dataFormat", "isPartial", "_type"])
    if raw:
        tc.assertEqual(tel["dataFormat"], ["value", "timestamp"])
        tc.assertEqual(tel["_type"], "RawMetricTelemetry")
    else:
        tc.assertEqual(tel["dataFormat"],
                       ["value", "startTimestamp", "endTimestamp"])
        tc.assertEqual(tel["_type"], "AggregatedMetricTelemetry")
    tc.assertIsInstance(tel["isPartial"], bool)
    for p in tel["points"]:
        tc.assertEqual(len(p), 2 if raw else 3, p)
        tc.assertIsInstance(p[0], (int, float))
        tc.assertTrue(math.isfinite(p[0]), p)
        for t in p[1:]:
            tc.assertIsInstance(t, int)
    return tel


def percentile(sorted_values, p):
    """MIRROR-API.md decision 3: linear interpolation between closest ranks."""
    r = p * (len(sorted_values) - 1)
    lo, hi = math.floor(r), math.ceil(r)
    return sorted_values[lo] + (r - lo) * (sorted_values[hi] - sorted_values[lo])


def expected_buckets(points, method, start, end, bucket):
    """Decisions 1-3 applied to raw points: {bucket start: value}."""
    groups = {}
    for v, t in points:
        if start <= t < end:
            groups.setdefault(t - t % bucket, []).append(v)
    first = start - start % bucket
    out = {}
    k = first
    while k < end:
        vs = sorted(groups.get(k, []))
        if vs:
            if method == "MEAN":
                out[k] = sum(vs) / len(vs)
            elif method.startswith("PERCENTILE_"):
                out[k] = percentile(vs, int(method[11:]) / 100)
            elif method == "MAX":
                out[k] = vs[-1]
            elif method == "MIN":
                out[k] = vs[0]
            elif method.startswith("SUM"):
                out[k] = sum(vs)
            else:
                out[k] = len(vs)
        elif method in ZERO_FILLED:
            out[k] = 0
        k += bucket
    return out


# --- the tests ----------------------------------------------------------------


class Connection(MirrorCase):
    def test_right_key(self):
        r = self.post("/api/connection", connection_body())
        self.assertError(r, 200, CONNECTION_OK)
        self.assertNotEqual(self.upstream_of(r), "-")

    def test_rotated_key_is_accepted_and_echoed(self):
        r = self.post("/api/connection", connection_body(), key=KEY2)
        self.assertError(r, 200, CONNECTION_OK)

    def test_wrong_key_refused_by_nginx(self):
        r = self.post("/api/connection", connection_body(), key="wrong")
        self.assertError(r, 401, ERR_401)
        self.assertEqual(self.upstream_of(r), "-", "the responder saw it")

    def test_missing_key_refused_by_nginx(self):
        r = self.post("/api/connection", connection_body(), key=None)
        self.assertError(r, 401, ERR_401)
        self.assertEqual(self.upstream_of(r), "-", "the responder saw it")

    def test_key_is_case_sensitive(self):
        # nginx's map looks strings up case-blind; the site must not.
        r = self.post("/api/metric", metric_body(), key=KEY.upper())
        self.assertError(r, 401, ERR_401)
        self.assertEqual(self.upstream_of(r), "-", "the responder saw it")

    def test_wrong_key_on_unknown_path_is_401(self):
        r = self.post("/nothing/here", {}, key="wrong")
        self.assertError(r, 401, ERR_401)

    def test_responder_key_header_not_doubled(self):
        r = self.post("/api/connection", connection_body())
        self.assertEqual(len(r.all("X-MIRROR-API-KEY")), 1)


class FieldNames(MirrorCase):
    def test_names(self):
        r = self.post("/api/field/name", names_body())
        self.assertOk(r)
        pairs = r.json()
        self.assertKeys(pairs, ["fields", "isPartial", "_type"])
        d = dict(pairs)
        self.assertEqual(d["_type"], "FieldNamesResponse")
        self.assertIsInstance(d["isPartial"], bool)
        self.assertGreater(len(d["fields"]), 0)
        for f in d["fields"]:
            self.assertKeys(f, ["_type", "classified", "fieldName", "fieldType"])
            f = dict(f)
            self.assertEqual(f["_type"], "FieldDescriptor")
            self.assertIsInstance(f["classified"], bool)
            self.assertIsInstance(f["fieldName"], str)
            self.assertIn(f["fieldType"], ("STRING", "NUMBER", "BOOLEAN"))
        names = [dict(f)["fieldName"] for f in d["fields"]]
        self.assertIn("host", names)

    def test_names_under_prefix(self):
        a = self.post("/api/field/name", names_body())
        b = self.post("/stackstate/api/field/name", names_body())
        self.assertEqual((b.status, b.body), (a.status, a.body))


class FieldValues(MirrorCase):
    def values(self, body):
        r = self.post("/api/field/value", body)
        self.assertOk(r)
        pairs = r.json()
        self.assertKeys(pairs, ["values", "isPartial", "_type"])
        d = dict(pairs)
        self.assertEqual(d["_type"], "FieldValuesResponse")
        self.assertIsInstance(d["isPartial"], bool)
        for v in d["values"]:
            self.assertKeys(v, ["value", "_type"])
            self.assertIn(dict(v)["_type"], ("CompleteValue", "FieldValuePattern"))
        return [dict(v) for v in d["values"]]

    def test_hosts(self):
        values = self.values(values_body("host"))
        self.assertIn({"value": "web-1", "_type": "CompleteValue"}, values)

    def test_prefix_filters(self):
        values = self.values(values_body("host", prefix="web"))
        self.assertGreater(len(values), 0)
        for v in values:
            self.assertTrue(v["value"].startswith("web"), v)


class RawMetric(MirrorCase):
    def raw(self, **kw):
        r = self.post("/api/metric", metric_body(**kw))
        self.assertOk(r)
        return check_telemetry(self, r.json(), raw=True)

    def test_one_hour(self):
        tel = self.raw()
        ts = [p[1] for p in tel["points"]]
        self.assertGreater(len(ts), 0)
        self.assertEqual(ts, sorted(set(ts)), "not strictly ascending")
        self.assertTrue(all(T0 <= t < T1 for t in ts), "outside [start, end)")
        self.assertFalse(tel["isPartial"])

    def test_limit_keeps_earliest(self):
        full = self.raw()["points"]
        cut = self.raw(limit=3)
        self.assertEqual(cut["points"], full[:3])
        self.assertEqual(cut["isPartial"], len(full) > 3)

    def test_limit_latest_first_keeps_latest_ascending(self):
        full = self.raw()["points"]
        cut = self.raw(limit=3, latest_first=True)
        self.assertEqual(cut["points"], full[-3:])

    def test_prefix_path_gives_the_same_answer(self):
        a = self.post("/api/metric", metric_body())
        b = self.post("/stackstate/api/metric", metric_body())
        self.assertEqual((b.status, b.body), (a.status, a.body))
        self.assertEqual(a.status, 200)


class Aggregation(MirrorCase):
    """Each method over a window, checked against the raw points of the
    same window recomputed here (decisions 1-3 of MIRROR-API.md)."""
    BUCKET = 5 * 60 * 1000
    START, END = T0, T1
    CONDITIONS = None
    DETAILS = {}

    @classmethod
    def body(cls, **kw):
        b = metric_body(cls.START, cls.END, conditions=cls.CONDITIONS, **kw)
        b["connectionDetails"] = dict(cls.DETAILS)
        return b

    @classmethod
    def setUpClass(cls):
        r = call("/api/metric", cls.body())
        cls.raw_points = json.loads(r.body)["telemetry"]["points"]

    def check(self, method):
        r = self.post("/api/metric", self.body(method=method, bucket=self.BUCKET))
        self.assertOk(r)
        tel = check_telemetry(self, r.json(), raw=False)
        b = self.BUCKET
        starts = [p[1] for p in tel["points"]]
        self.assertEqual(starts, sorted(set(starts)))
        for v, s, e in tel["points"]:
            self.assertEqual(e - s, b)
            self.assertEqual(s % b, 0)
            self.assertTrue(s < self.END and e > self.START, "bucket outside the range")
        want = expected_buckets(self.raw_points, method, self.START, self.END, b)
        got = {p[1]: p[0] for p in tel["points"]}
        self.assertEqual(sorted(got), sorted(want), "bucket set differs")
        for k in want:
            self.assertAlmostEqual(got[k], want[k], delta=1e-9 * max(1, abs(want[k])),
                                   msg="%s bucket %d" % (method, k))
        self.assertFalse(tel["isPartial"])
        return tel


class AggregationWithGaps(Aggregation):
    """A series with NaN stretches and missing points (db.replication_lag_s
    of db-1), over a day whose 10-minute buckets include empty ones: SUM
    and EVENT_COUNT report them as 0, the other methods leave them out."""
    BUCKET = 10 * 60 * 1000
    START = T0 - T0 % DAY + DAY
    END = START + DAY
    CONDITIONS = [cond("metric", "db.replication_lag_s"), cond("host", "db-1")]

    def test_some_buckets_are_empty(self):
        want = expected_buckets(self.raw_points, "EVENT_COUNT", self.START,
                                self.END, self.BUCKET)
        self.assertIn(0, want.values(), "pick a window with a gap")


class AggregationNanAsZero(AggregationWithGaps):
    """The same with connectionDetails.nan_interpretation ZERO (decision 5)."""
    DETAILS = {"nan_interpretation": "ZERO"}

    def test_nan_read_as_zero_adds_points(self):
        skipped = call("/api/metric", AggregationWithGaps.body()).data()
        self.assertGreater(len(self.raw_points),
                           len(skipped["telemetry"]["points"]))

    def test_some_buckets_are_empty(self):
        # NaN stretches now count as zeros: fewer empty buckets than when
        # they are skipped (missing points still leave gaps).
        def empty(points):
            want = expected_buckets(points, "EVENT_COUNT", self.START,
                                    self.END, self.BUCKET)
            return sum(1 for v in want.values() if v == 0)
        skipped = call("/api/metric", AggregationWithGaps.body()).data()
        self.assertLess(empty(self.raw_points),
                        empty(skipped["telemetry"]["points"]))


def _add_aggregation_tests():
    for cls in (Aggregation, AggregationWithGaps, AggregationNanAsZero):
        for m in AGGREGATIONS:
            setattr(cls, "test_" + m.lower(), lambda self, m=m: self.check(m))


_add_aggregation_tests()


class Aggregation1Day(MirrorCase):
    def test_mean_1min_over_a_day(self):
        start = T0 - T0 % DAY
        r = self.post("/api/metric", metric_body(start, start + DAY, "MEAN", 60000))
        self.assertOk(r)
        tel = check_telemetry(self, r.json(), raw=False)
        self.assertLessEqual(len(tel["points"]), 1440)
        self.assertGreater(len(tel["points"]), 0)

    def test_event_count_fills_every_bucket(self):
        start = T0 - T0 % DAY
        r = self.post("/api/metric", metric_body(start, start + DAY, "EVENT_COUNT", HOUR))
        self.assertOk(r)
        tel = check_telemetry(self, r.json(), raw=False)
        self.assertEqual([p[1] for p in tel["points"]],
                         [start + i * HOUR for i in range(24)])


class LargeAnswers(MirrorCase):
    def test_raw_answer_of_megabytes_capped_at_max_points(self):
        # 20 days of 10 s points: more than MIRROR_MAX_POINTS (100000), and
        # megabytes: more than nginx keeps in its fastcgi_buffers.
        start = T0 - T0 % DAY
        r = self.post("/api/metric", metric_body(start, start + 20 * DAY))
        self.assertOk(r)
        self.assertGreater(len(r.body), 1 << 20)
        tel = check_telemetry(self, r.json(), raw=True)
        self.assertEqual(len(tel["points"]), 100000)
        self.assertTrue(tel["isPartial"])
        ts = [p[1] for p in tel["points"]]
        self.assertEqual(ts, sorted(ts))
        self.assertEqual(ts[0], start)


class BadRequests(MirrorCase):
    def test_unparsable_json(self):
        r = self.post("/api/metric", None, raw=b'{"_type":')
        self.assertError(r, 400, ERR_TRUNCATED_JSON)

    def test_not_json_at_all(self):
        r = self.post("/api/metric", None, raw=b"hello")
        self.assertEqual(r.status, 400)
        d = r.json()
        self.assertKeys(d, ["_type", "summary", "details"])
        self.assertEqual(dict(d)["summary"], "invalid request")
        self.assertTrue(dict(d)["details"].startswith("the body is not JSON"), d)

    def test_end_before_start(self):
        r = self.post("/api/metric", metric_body(T1, T0))
        self.assertError(r, 400, ERR_END_BEFORE_START)

    def test_unknown_aggregation(self):
        r = self.post("/api/metric", metric_body(method="MEDIAN", bucket=60000))
        self.assertError(r, 400, mirror_error(
            "invalid request", 'unknown aggregation method "MEDIAN"'))

    def test_unknown_path(self):
        r = self.post("/api/metrics", metric_body())
        self.assertError(r, 404, ERR_404)
        self.assertEqual(self.upstream_of(r), "-")

    def test_unknown_prefix(self):
        r = self.post("/other/api/metric", metric_body())
        self.assertError(r, 404, ERR_404)

    def test_internal_error_location_from_outside(self):
        for key in (KEY, None):
            r = self.post("/_mirror/error/414", {}, key=key)
            self.assertError(r, 404, ERR_404)

    def test_root(self):
        r = self.post("/", {})
        self.assertError(r, 404, ERR_404)

    def test_get_is_405_from_the_responder(self):
        r = call("/api/metric", None, method="GET")
        self.assertFrontHeaders(r)
        self.assertError(r, 405, ERR_405)
        self.assertEqual(r.header("Allow"), "POST")
        self.assertNotEqual(self.upstream_of(r), "-")

    def test_body_over_1mib_is_413_from_nginx(self):
        raw = b'{"_type":"MetricsRequest","pad":"' + b"x" * MAX_BODY + b'"}'
        r = self.post("/api/metric", None, raw=raw)
        self.assertError(r, 413, ERR_413)
        self.assertEqual(self.upstream_of(r), "-")

    def test_body_just_under_1mib_reaches_the_responder(self):
        pad = MAX_BODY - len(json.dumps(connection_body())) - 20
        body = connection_body()
        body["pad"] = "x" * pad
        r = self.post("/api/connection", body)
        self.assertError(r, 200, CONNECTION_OK)

    def test_uri_too_long(self):
        # nginx stops reading at the request line, so it never sees the
        # key: the answer carries none (as for any unaccepted key).
        r = call("/api/" + "a" * 9000, {})
        self.assertError(r, 414, mirror_error("invalid request",
                                              "the request URI is too long"))
        self.assertEqual(r.all("X-MIRROR-API-KEY"), [], r)

    def test_header_too_large(self):
        r = self.post("/api/connection", connection_body(),
                      headers={"X-Big": "a" * 9000})
        self.assertError(r, 400, mirror_error(
            "invalid request", "nginx could not parse the HTTP request"))

    def test_chunked_body_reaches_the_responder_whole(self):
        body = json.dumps(metric_body()).encode()
        chunks = iter([body[:100], body[100:]])
        r = self.post("/api/metric", None, raw=chunks,
                      headers={"Transfer-Encoding": "chunked"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.body, call("/api/metric", metric_body()).body)

    def test_empty_body(self):
        r = self.post("/api/connection", None, raw=b"")
        self.assertError(r, 400, mirror_error(
            "invalid request", "the body is not JSON: it is empty"))

    def test_plain_http_on_the_https_port(self):
        host, port = split_url(MAIN_URL)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("POST", "/api/connection", body=b"{}",
                         headers={"X-MIRROR-API-KEY": KEY})
            r = conn.getresponse()
            self.assertEqual((r.status, r.read().decode()), (400, ERR_497_NGINX))
        finally:
            conn.close()


class Hostile(HostileTests, MirrorCase):
    """Malformed and unusual requests through nginx, byte for byte."""
    base = MAIN_URL
    front = "nginx"

    def test_error_paths_are_internal(self):
        # nginx's own answers live under /_mirror/error/; from outside
        # they are an unknown path.
        for path in ("/_mirror/error/400", "/_mirror/error/", "/_mirror/error/x"):
            r = call(path, connection_body())
            self.assertError(r, 404, ERR_404)


class Operators(MirrorCase):
    def test_healthz_needs_no_key(self):
        r = call("/healthz", None, key=None, method="GET")
        self.assertEqual((r.status, r.body), (200, '{"status":"OK"}'))
        self.assertNotEqual(self.upstream_of(r), "-")

    def test_metrics_from_loopback(self):
        r = call("/metrics", None, key=None, method="GET")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.header("Content-Type").startswith("text/plain"))


class Tls(MirrorCase):
    def handshake(self, ctx):
        host, port = split_url(MAIN_URL)
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
        # The server's alert, not a client-side refusal to try.
        self.assertRegex(str(cm.exception), r"(?i)alert protocol version")

    def test_tls12_cbc_suite_refused(self):
        ctx = tls_context(maximum=ssl.TLSVersion.TLSv1_2,
                          ciphers="ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:@SECLEVEL=0")
        with self.assertRaises(ssl.SSLError):
            self.handshake(ctx)

    def test_no_session_tickets(self):
        ctx = tls_context(maximum=ssl.TLSVersion.TLSv1_2)
        host, port = split_url(MAIN_URL)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname=host) as t:
                sess = t.session
        self.assertFalse(sess.has_ticket)


class Concurrency(MirrorCase):
    def test_64_parallel_requests(self):
        bodies = [metric_body(method=AGGREGATIONS[i % 14], bucket=60000)
                  for i in range(64)]
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            rs = list(pool.map(lambda b: call("/api/metric", b), bodies))
        self.assertEqual([r.status for r in rs], [200] * 64)


class Cgi(MirrorCase):
    def test_connection(self):
        r = parse_cgi(self, run_cgi(connection_body()))
        self.assertEqual((r.status, r.body), (200, CONNECTION_OK))
        self.assertEqual(r.header("X-MIRROR-API-KEY"), KEY)

    def test_rotated_key_echoed(self):
        r = parse_cgi(self, run_cgi(connection_body(), key=KEY2))
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("X-MIRROR-API-KEY"), KEY2)

    def test_wrong_key(self):
        r = parse_cgi(self, run_cgi(connection_body(), key="wrong"))
        self.assertEqual((r.status, r.body), (401, ERR_401))
        self.assertIsNone(r.header("X-MIRROR-API-KEY"))

    def test_missing_key(self):
        r = parse_cgi(self, run_cgi(connection_body(), key=None))
        self.assertEqual((r.status, r.body), (401, ERR_401))

    def test_get(self):
        r = parse_cgi(self, run_cgi(None, path="/api/metric", method="GET",
                                    env={"CONTENT_LENGTH": None}))
        self.assertEqual((r.status, r.body), (405, ERR_405))
        self.assertEqual(r.header("Allow"), "POST")

    def test_unknown_path(self):
        r = parse_cgi(self, run_cgi(connection_body(), path="/api/nothing"))
        self.assertEqual((r.status, r.body), (404, ERR_404))

    def test_declared_length_over_the_cap(self):
        r = parse_cgi(self, run_cgi(b"{}", length=MAX_BODY + 1))
        self.assertEqual((r.status, r.body), (413, ERR_413))

    def test_end_before_start(self):
        r = parse_cgi(self, run_cgi(metric_body(T1, T0), path="/api/metric"))
        self.assertEqual((r.status, r.body), (400, ERR_END_BEFORE_START))

    def test_request_uri_with_query_routes(self):
        r = parse_cgi(self, run_cgi(connection_body(), env={
            "PATH_INFO": None, "SCRIPT_NAME": None,
            "REQUEST_URI": "/stackstate/api/connection?x=1"}))
        self.assertEqual((r.status, r.body), (200, CONNECTION_OK))

    def test_same_bodies_as_fastcgi(self):
        cases = [
            ("/api/connection", connection_body()),
            ("/api/field/name", names_body()),
            ("/api/field/value", values_body("host")),
            ("/api/metric", metric_body()),
            ("/api/metric", metric_body(limit=5, latest_first=True)),
            ("/api/metric", metric_body(method="PERCENTILE_95", bucket=60000)),
            ("/api/metric", metric_body(method="SUM", bucket=600000)),
            ("/api/metric", metric_body(T1, T0)),
            ("/api/metric", metric_body(method="NOPE", bucket=1)),
        ]
        for path, body in cases:
            with self.subTest(path=path, body=json.dumps(body)[:120]):
                f = self.post(path, body)
                c = parse_cgi(self, run_cgi(body, path=path))
                self.assertEqual((c.status, c.body), (f.status, f.body))


class Guarded(MirrorCase):
    """Key check off; client certificates and an allowlist instead."""

    def test_client_certificate_and_no_key(self):
        r = call("/api/connection", connection_body(), key=None,
                 base=GUARDED_URL, ctx=tls_context(cert="client"))
        self.assertError(r, 200, CONNECTION_OK)
        self.assertFrontHeaders(r, None, key_check=False)

    def test_wrong_key_passes_when_the_check_is_off(self):
        r = call("/api/connection", connection_body(), key="wrong",
                 base=GUARDED_URL, ctx=tls_context(cert="client"))
        self.assertError(r, 200, CONNECTION_OK)
        self.assertFrontHeaders(r, "wrong", key_check=False)

    def test_no_client_certificate(self):
        r = call("/api/connection", connection_body(), base=GUARDED_URL)
        self.assertError(r, 403, ERR_CERT_NGINX)
        self.assertFrontHeaders(r)
        self.assertEqual(self.upstream_of(r, GUARDED_DIR), "-")

    def test_address_not_on_the_allowlist(self):
        # The guarded stack allows 127.0.0.1 only; come from ::1.
        try:
            socket.create_connection(("::1", split_url(GUARDED_URL)[1]), 2).close()
        except OSError:
            self.skipTest("no IPv6 loopback")
        r = call("/api/connection", connection_body(), base=GUARDED_URL,
                 ctx=tls_context(cert="client"), address="::1")
        self.assertError(r, 403, ERR_403_NGINX)
        self.assertFrontHeaders(r)


class ResponderDown(MirrorCase):
    """Run by run.sh after it has stopped the main responder."""

    def setUp(self):
        if ENV.get("E2E_PHASE") != "responder-down":
            self.skipTest("only after run.sh stops the responder")

    def test_502_json_from_nginx(self):
        r = self.post("/api/metric", metric_body())
        self.assertError(r, 502, ERR_502_NGINX)

    def test_401_still_from_nginx(self):
        r = self.post("/api/metric", metric_body(), key="wrong")
        self.assertError(r, 401, ERR_401)


# --- runner -------------------------------------------------------------------


class Result(unittest.TextTestResult):
    """One line per test: PASS/FAIL/ERROR/SKIP and its name."""

    def startTest(self, test):
        unittest.TestResult.startTest(self, test)

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


def main():
    if not MAIN_URL:
        sys.exit("run tests/e2e/run.sh, which starts the stack and sets E2E_*")
    loader = unittest.TestLoader()
    names = [a for a in sys.argv[1:] if not a.startswith("-")]
    if names:
        suite = loader.loadTestsFromNames(names, sys.modules[__name__])
    else:
        suite = loader.loadTestsFromModule(sys.modules[__name__])
    if ENV.get("E2E_PHASE") != "responder-down" and not names:
        suite = unittest.TestSuite(t for t in _flatten(suite)
                                   if not isinstance(t, ResponderDown))
    runner = unittest.TextTestRunner(resultclass=Result, verbosity=0,
                                     stream=sys.stdout)
    result = runner.run(suite)
    failed = len({t.id() for t, _ in result.failures + result.errors})
    passed = result.testsRun - failed - len(result.skipped)
    print("e2e: %d passed, %d failed, %d skipped" % (passed, failed,
                                                     len(result.skipped)))
    sys.exit(1 if failed else 0)


def _flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _flatten(t)
        else:
            yield t


if __name__ == "__main__":
    main()
