#!/usr/bin/env python3
"""The Prometheus backend against a real Prometheus, through the whole
stack: StackState-shaped requests over HTTPS to nginx (the shipped
configuration), the FastCGI responder, and Prometheus on loopback.

tests/prometheus/run.sh loads the data of data.py into Prometheus,
starts everything and sets the PT_* variables read below; run that
script rather than this file. Every expected answer is computed in
data.py from the generated samples, never read back from Prometheus.
Standard library only.
"""

import base64
import http.client
import json
import math
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import data  # first: puts tests/lib on the path
from mirror_client import Listener, Mirror, cond, host_port, points, read_request
from mirror_ref import close

ENV = os.environ
MIRROR = ENV.get("PT_MIRROR_URL", "")          # https://localhost:PORT
CA = ENV.get("PT_CA", "")
KEY = ENV.get("PT_KEY", "api_key")
PROM = ENV.get("PT_PROM_URL", "")              # http://127.0.0.1:PORT
STALE_PORT = int(ENV.get("PT_STALE_PORT", "0"))
HANG_PORT = int(ENV.get("PT_HANG_PORT", "0"))
FAKE_PORT = int(ENV.get("PT_FAKE_PORT", "0"))
DOWN_PORT = int(ENV.get("PT_DOWN_PORT", "0"))
OUTSIDE_PORT = int(ENV.get("PT_OUTSIDE_PORT", "0"))
CGI = ENV.get("PT_CGI", "")
STORE_TIMEOUT_MS = int(ENV.get("PT_STORE_TIMEOUT_MS", "3000"))
MAX_STORE_BYTES = int(ENV.get("PT_STORE_MAX_BYTES", "1048576"))
PHASE = ENV.get("PT_PHASE", "")
# The store under test: Prometheus, or VictoriaMetrics through the same
# API, whose differences docs/PROMETHEUS.md lists.
VM = ENV.get("PT_STORE", "prometheus") == "victoriametrics"

S = data.BASE * 1000
E = data.END * 1000
MIN = 60000

ask = Mirror(MIRROR, CA, KEY).ask

# --- requests shaped like StackState's ------------------------------------


def details(url=None, **extra):
    d = {"backend": "prometheus", "url": url or PROM}
    d.update(extra)
    return d


def stored(samples):
    """The samples the store holds: VictoriaMetrics drops NaN on import."""
    return [(t, v) for t, v in samples if not (VM and math.isnan(v))]


GAUGE_A = [cond("__gauge__", data.GAUGE), cond("job", "mt"), cond("instance", "a")]
COUNTER_A = [cond("__counter__", data.COUNTER), cond("instance", "a")]


def connection_body(d=None):
    return {"_type": "TestConnectionRequest", "connectionDetails": d or details()}


def names_body(conditions=(), start=None, end=None, limit=2147483647, d=None):
    q = {"conditions": list(conditions), "limit": limit, "latestFirst": False,
         "_type": "FieldNamesQuery"}
    if start is not None:
        q["startTime"], q["endTime"] = start, end
    return {"_type": "FieldNamesRequest", "connectionDetails": d or details(),
            "query": q}


def values_body(field, conditions=(), prefix=None, offset=0, limit=2147483647,
                d=None, start=S, end=E):
    q = {"conditions": list(conditions), "startTime": start, "endTime": end,
         "field": {"_type": "FieldDescriptor", "classified": False,
                   "fieldName": field, "fieldType": "STRING"},
         "limit": limit, "offset": offset, "latestFirst": False,
         "_type": "FieldValuesQuery"}
    if prefix is not None:
        q["fieldValuePrefix"] = prefix
    return {"_type": "FieldValuesRequest", "connectionDetails": d or details(),
            "query": q}


def metric_body(conditions, start, end, method=None, bucket=None,
                limit=100500, latest_first=False, d=None):
    q = {"conditions": list(conditions), "startTime": start, "endTime": end,
         "limit": limit, "latestFirst": latest_first, "_type": "MetricsQuery"}
    if method is not None:
        q["aggregation"] = {"method": method, "bucketSizeMillis": bucket,
                            "_type": "Aggregation"}
    return {"_type": "MetricsRequest", "connectionDetails": d or details(),
            "query": q}


# --- fake stores ------------------------------------------------------------


BUILDINFO = b'{"status":"success","data":{"version":"2.42.0"}}'


BUILDINFO_3 = (b'{"status":"success","data":{"version":"3.1.0","revision":"f",'
               b'"branch":"HEAD","buildUser":"u","buildDate":"d","goVersion":"go1.23"}}')
BUILDINFO_VM = b'{"status":"success","data":{}}'


def engine_store(path, body, buildinfo):
    """A store answering `buildinfo` for its build info, the value 1 at
    every step of a query_range, empty matrices otherwise (instant
    queries, MetricsQL's WITH among them, succeed)."""
    import urllib.parse
    if "buildinfo" in path:
        answer = buildinfo
    elif "query_range" in path:
        f = urllib.parse.parse_qs(body.decode())
        t, end, step = float(f["start"][0]), float(f["end"][0]), float(f["step"][0])
        values = []
        while t <= end + 1e-9:
            values.append([round(t, 3), "1"])
            t += step
        answer = json.dumps({"status": "success", "data": {"resultType": "matrix",
                             "result": [{"metric": {}, "values": values}]}}).encode()
    else:
        answer = b'{"status":"success","data":{"resultType":"matrix","result":[]}}'
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n" % len(answer)) + answer


def fake_store(listener, c):
    """Answers by the first path segment of the base URL:
    /garbage: 200 text/html junk; /big: JSON larger than the mirror's cap;
    /slow: an empty matrix after 0.3 s; /overload: Prometheus' 503 error;
    /redirect: 302 to the listener outside the allowlist; /v3 and /vm:
    the build info of Prometheus 3 or VictoriaMetrics and, for
    query_range, the value 1 at every step (empty matrices otherwise); /record: Prometheus-like answers,
    remembering each request's headers."""
    try:
        while True:
            req = read_request(c)
            if req is None:
                return
            line, headers, body = req
            listener.requests.append((line, headers, body))
            path = line.split(" ")[1]
            if path.startswith("/garbage"):
                reply = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                         b"Content-Length: 27\r\n\r\n<html>not prometheus</html>")
            elif path.startswith("/big"):
                blob = b'{"status":"success","data":["' + b"x" * (MAX_STORE_BYTES + 10) + b'"]}'
                reply = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(blob)) + blob
            elif path.startswith("/slow"):
                time.sleep(0.3)
                answer = b'{"status":"success","data":{"resultType":"matrix","result":[]}}'
                reply = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(answer)) + answer
            elif path.startswith("/overload"):
                answer = (b'{"status":"error","errorType":"unavailable",'
                          b'"error":"too many concurrent queries"}')
                reply = (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: "
                         b"application/json\r\nContent-Length: %d\r\n\r\n" % len(answer)) + answer
            elif path.startswith("/v3"):
                reply = engine_store(path, body, BUILDINFO_3)
            elif path.startswith("/vm"):
                reply = engine_store(path, body, BUILDINFO_VM)
            elif path.startswith("/redirect"):
                reply = (b"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:%d/\r\n"
                         b"Content-Length: 0\r\n\r\n" % OUTSIDE_PORT)
            else:
                answer = BUILDINFO if "buildinfo" in path else b'{"status":"success","data":["job"]}'
                reply = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: %d\r\n\r\n" % len(answer)) + answer
            c.sendall(reply)
    except OSError:
        pass
    finally:
        c.close()


# --- the tests ----------------------------------------------------------------


class Connection(unittest.TestCase):
    def test_ok(self):
        a = ask(connection_body())
        self.assertEqual((a.status, a.data()), (200, {"status": "OK",
                                                      "_type": "TestConnectionResponse"}))

    def test_store_down(self):
        a = ask(connection_body(details("http://127.0.0.1:%d" % DOWN_PORT)))
        self.assertEqual(a.status, 200)
        d = a.data()
        self.assertEqual(d["status"], "FAILURE")
        self.assertEqual(d["error"]["_type"], "MetricStoreConnectionError")
        self.assertIn("cannot reach http://127.0.0.1:%d" % DOWN_PORT, d["error"]["details"])

    def test_store_never_answers(self):
        hang = Listener(HANG_PORT)
        try:
            a = ask(connection_body(details("http://127.0.0.1:%d" % HANG_PORT,
                                            requestTimeout=1000)))
        finally:
            hang.close()
        self.assertEqual(a.status, 200)
        d = a.data()
        self.assertEqual(d["status"], "FAILURE")
        self.assertIn("within 1000 ms", d["error"]["details"])
        self.assertLess(a.seconds, 2.5)
        self.assertGreaterEqual(hang.accepted, 1)

    def test_not_prometheus(self):
        fake = Listener(FAKE_PORT, fake_store)
        try:
            a = ask(connection_body(details("http://127.0.0.1:%d/garbage" % FAKE_PORT)))
        finally:
            fake.close()
        d = a.data()
        self.assertEqual((a.status, d["status"]), (200, "FAILURE"))
        self.assertIn("not Prometheus API JSON", d["error"]["details"])

    def test_redirect_not_followed(self):
        outside = Listener(OUTSIDE_PORT)
        fake = Listener(FAKE_PORT, fake_store)
        try:
            a = ask(connection_body(details("http://127.0.0.1:%d/redirect" % FAKE_PORT)))
            reached = outside.accepted_before_now()
        finally:
            fake.close()
            outside.close()
        self.assertEqual(a.data()["status"], "FAILURE")
        self.assertEqual(reached, 0)

    def test_outside_allowlist(self):
        """A 400 before any connection: the listener accepts nothing."""
        outside = Listener(OUTSIDE_PORT)
        try:
            bodies = [connection_body(details("http://127.0.0.1:%d" % OUTSIDE_PORT)),
                      metric_body(GAUGE_A, S, E, d=details("http://127.0.0.1:%d" % OUTSIDE_PORT)),
                      names_body(d=details("http://allowed@127.0.0.1:%d/" % OUTSIDE_PORT)),
                      values_body("job", d=details(PROM + "@127.0.0.1:%d" % OUTSIDE_PORT)),
                      connection_body(details("http://127.0.0.1:%d0" % int(PROM.rsplit(":", 1)[1]))),
                      connection_body(details(PROM + ".evil")),
                      connection_body(details("file:///etc/passwd"))]
            answers = [ask(b) for b in bodies]
            reached = outside.accepted_before_now()
        finally:
            outside.close()
        for a in answers:
            self.assertEqual(a.status, 400, a)
            self.assertEqual(a.data()["_type"], "RemoteMirrorError")
            self.assertRegex(a.data()["details"], "allowlist|refused|not a valid")
        self.assertEqual(reached, 0)

    def test_credentials_sent(self):
        """Basic, bearer and SigV4 credentials reach the store as headers;
        SigV4 calls go as POST forms."""
        fake = Listener(FAKE_PORT, fake_store)
        url = "http://127.0.0.1:%d/record" % FAKE_PORT
        try:
            ask(connection_body(details(url, username="u", password="p w")))
            ask(connection_body(details(url, bearer_token="tok-1")))
            ask(connection_body(details(url, aws={
                "region_name": "us-east-1", "aws_access_key_id": "AKIDEXAMPLE",
                "aws_secret_access_key": "secret", "aws_session_token": "sess"})))
        finally:
            fake.close()
        reqs = fake.requests
        self.assertEqual(reqs[0][1]["authorization"],
                         "Basic " + base64.b64encode(b"u:p w").decode())
        self.assertEqual(reqs[1][1]["authorization"], "Bearer tok-1")
        line, hdrs, _ = reqs[2]
        self.assertTrue(line.startswith("POST /record/api/v1/labels "), line)
        self.assertTrue(hdrs["authorization"].startswith(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"), hdrs["authorization"])
        self.assertIn("/us-east-1/aps/aws4_request", hdrs["authorization"])
        self.assertEqual(hdrs["x-amz-security-token"], "sess")

    def test_cgi_empty_allowlist(self):
        """The CGI door with no MIRROR_STORE_ALLOW: every URL is refused,
        and the reason says so."""
        body = json.dumps(connection_body()).encode()
        env = {"PATH": "/usr/bin:/bin", "GATEWAY_INTERFACE": "CGI/1.1",
               "REQUEST_METHOD": "POST", "SCRIPT_NAME": "/api/connection",
               "REQUEST_URI": "/api/connection", "CONTENT_TYPE": "application/json",
               "CONTENT_LENGTH": str(len(body)), "SERVER_PROTOCOL": "HTTP/1.1",
               "MIRROR_API_KEY": KEY, "HTTP_X_MIRROR_API_KEY": KEY}
        r = subprocess.run([CGI], input=body, env=env, capture_output=True, timeout=30)
        out = r.stdout.decode()
        self.assertIn("Status: 400", out)
        self.assertIn("MIRROR_STORE_ALLOW is empty", out)


class FieldNames(unittest.TestCase):
    def names(self, body):
        a = ask(body)
        self.assertEqual(a.status, 200, a)
        d = a.data()
        self.assertEqual(d["_type"], "FieldNamesResponse")
        for f in d["fields"]:
            self.assertEqual((f["_type"], f["fieldType"], f["classified"]),
                             ("FieldDescriptor", "STRING", False))
        return [f["fieldName"] for f in d["fields"]], d["isPartial"]

    def test_all(self):
        got, partial = self.names(names_body())
        self.assertEqual(got, ["__gauge__", "__counter__", "~", "__name__",
                               "instance", "job", "path", "svc"])
        self.assertFalse(partial)

    def test_narrowed_by_conditions(self):
        got, _ = self.names(names_body([cond("__gauge__", data.GAUGE)], S, E))
        self.assertEqual(got, ["__name__", "instance", "job"])
        got, _ = self.names(names_body([cond("job", "mt"), cond("path", "x.y")]))
        self.assertEqual(got, ["__gauge__", "__counter__", "~", "__name__", "job", "path"])

    def test_narrowed_by_time(self):
        got, _ = self.names(names_body([], S - 86400000 * 30, S - 86400000 * 29))
        self.assertEqual(got, ["__gauge__", "__counter__", "~"])

    def test_limit(self):
        got, partial = self.names(names_body(limit=4))
        self.assertEqual((got, partial), (["__gauge__", "__counter__", "~", "__name__"], True))

    def test_expression_stands_alone(self):
        got, partial = self.names(names_body([cond("~", "up")]))
        self.assertEqual((got, partial), ([], False))


class FieldValues(unittest.TestCase):
    def values(self, body):
        a = ask(body)
        self.assertEqual(a.status, 200, a)
        d = a.data()
        self.assertEqual(d["_type"], "FieldValuesResponse")
        return ([(v["value"], v["_type"]) for v in d["values"]], d["isPartial"])

    @staticmethod
    def complete(*vals):
        return [(v, "CompleteValue") for v in vals]

    def test_metric_names(self):
        names = sorted({n for n, _, _ in data.series()})
        for field in ("__gauge__", "__counter__", "__name__"):
            got, partial = self.values(values_body(field))
            self.assertEqual((got, partial), (self.complete(*names), False))

    def test_metric_names_narrowed(self):
        got, _ = self.values(values_body("__gauge__", [cond("path", "x.y")]))
        self.assertEqual(got, self.complete("mt_esc"))
        got, _ = self.values(values_body("__gauge__", prefix="mt_g"))
        self.assertEqual(got, self.complete("mt_gauge", "mt_grp"))

    def test_label_values_narrowed(self):
        got, _ = self.values(values_body("instance", [cond("__gauge__", data.GAUGE)]))
        self.assertEqual(got, self.complete("a", "b"))
        got, _ = self.values(values_body("instance", [cond("__counter__", data.COUNTER)]))
        self.assertEqual(got, self.complete("a"))
        # The listed field's own condition does not narrow its values.
        got, _ = self.values(values_body("instance", [cond("__gauge__", data.GAUGE),
                                                      cond("instance", "a")]))
        self.assertEqual(got, self.complete("a", "b"))
        got, _ = self.values(values_body("path", [cond("job", "mt")]))
        self.assertEqual(got, self.complete(data.ESCAPED, "x.y", "xzy"))

    def test_narrowed_by_time(self):
        got, _ = self.values(values_body("instance", start=S - 86400000 * 30,
                                         end=S - 86400000 * 29))
        self.assertEqual(got, [])

    def test_patterns(self):
        got, _ = self.values(values_body("svc"))
        self.assertEqual(got, [("app.*", "FieldValuePattern"),
                               ("batch_*", "FieldValuePattern"), ("solo", "CompleteValue")])
        got, _ = self.values(values_body("svc", prefix="app."))
        self.assertEqual(got, [("app.db.*", "FieldValuePattern"),
                               ("app.web.*", "FieldValuePattern")])
        want = sorted(v for v in data.GROUP_VALUES if v.startswith("app.web."))
        for prefix in ("app.web.", "app.web.*"):
            got, _ = self.values(values_body("svc", prefix=prefix))
            self.assertEqual(got, self.complete(*want))
        got, _ = self.values(values_body("svc", d=details(value_group_threshold=0)))
        self.assertEqual(got, self.complete(*sorted(data.GROUP_VALUES)))

    def test_offset_limit(self):
        want = sorted(v for v in data.GROUP_VALUES if v.startswith("app.web."))
        got, partial = self.values(values_body("svc", prefix="app.web.", offset=5, limit=10))
        self.assertEqual((got, partial), (self.complete(*want[5:15]), True))
        got, partial = self.values(values_body("svc", prefix="app.web.", offset=25, limit=10))
        self.assertEqual((got, partial), (self.complete(*want[25:]), False))

    def test_expression_has_no_values(self):
        self.assertEqual(self.values(values_body("~")), ([], False))

    def test_bad_field(self):
        a = ask(values_body("not-a-label"))
        self.assertEqual(a.status, 400)
        self.assertIn("not a Prometheus label name", a.data()["details"])


class Raw(unittest.TestCase):
    def check(self, conditions, samples, start, end, limit=100500, latest=False,
              d=None, nan_zero=False):
        dd = d or details()
        if nan_zero:
            dd["nan_interpretation"] = "ZERO"
        a = ask(metric_body(conditions, start, end, limit=limit, latest_first=latest, d=dd))
        self.assertEqual(a.status, 200, a)
        self.assertEqual(a.data()["telemetry"]["_type"], "RawMetricTelemetry")
        got, partial = points(a)
        want, want_partial = data.raw(stored(samples), start, end, limit, latest,
                                      nan_zero)
        self.assertEqual(len(got), len(want))
        for (gv, gt), (wt, wv) in zip(got, want):
            self.assertEqual(gt, wt)
            self.assertTrue(close(gv, wv), (gt, gv, wv))
        self.assertEqual(partial, want_partial)
        return got

    def test_gauge_whole_range(self):
        got = self.check(GAUGE_A, data.gauge_a(), S, E)
        self.assertGreater(len(got), 800)

    def test_boundaries(self):
        # Start on a sample (kept), end on a sample (left out).
        got = self.check(GAUGE_A, data.gauge_a(), S + 15000 * 10, S + 15000 * 20)
        self.assertEqual((got[0][1], got[-1][1], len(got)),
                         (S + 150000, S + 15000 * 19, 10))

    def test_nan_as_zero(self):
        """NaN samples read as 0; VictoriaMetrics stored none to read."""
        got = self.check(GAUGE_A, data.gauge_a(), S, S + 3600000, nan_zero=True)
        (self.assertNotIn if VM else self.assertIn)(0.0, [v for v, _ in got])

    def test_limit_and_latest_first(self):
        self.check(GAUGE_A, data.gauge_a(), S, E, limit=7)
        self.check(GAUGE_A, data.gauge_a(), S, E, limit=7, latest=True)

    def test_chunks_agree(self):
        """Ten-minute chunks (24 requests) give exactly the one-request answer."""
        self.check(GAUGE_A, data.gauge_a(), S + 1234, E - 4321,
                   d=details(chunk_seconds=600))

    def test_gzip(self):
        self.check(GAUGE_A, data.gauge_a(), S, E, d=details(gzip=True))

    def test_in_set_value(self):
        self.check([cond("__gauge__", data.GAUGE), cond("instance", ["a"])],
                   data.gauge_a(), S, E)
        self.check([cond("__gauge__", data.GAUGE), cond("instance", ["b", "nope"])],
                   data.gauge_b(), S, E)

    def test_escaped_values(self):
        ser = {lab.get("path"): smp for n, lab, smp in data.series() if n == "mt_esc"}
        self.check([cond("__gauge__", "mt_esc"), cond("path", data.ESCAPED)],
                   ser[data.ESCAPED], S, E)
        # "." is escaped: x.y must not also match xzy.
        self.check([cond("__gauge__", "mt_esc"), cond("path", ["x.y"])], ser["x.y"], S, E)
        self.check([cond("__name__", "mt_esc"), cond("path", [data.ESCAPED, "xzy"]),
                    cond("path", ["xzy"])], ser["xzy"], S, E)

    def check_metricsql(self, conditions, want, d=None):
        """VictoriaMetrics evaluates with MetricsQL: every point it answers
        is at a step inside the range, every step where want(t) is known
        is answered, with want(t)."""
        a = ask(metric_body(conditions, S, E, d=d))
        self.assertEqual(a.status, 200, a)
        got = {t: v for v, t in points(a)[0]}
        self.assertTrue(all(t % MIN == 0 and S <= t < E for t in got))
        known = {t: want(t) for t in range(S, E, MIN) if want(t) is not None}
        self.assertGreater(len(known), 200)
        for t, w in known.items():
            self.assertIn(t, got)
            self.assertTrue(close(got[t], w), (t, got[t], w))

    def test_counter(self):
        if VM:
            return self.check_metricsql(COUNTER_A, lambda t: data.vm_increase(
                data.counter_a(), t))
        self.check(COUNTER_A, data.counter_points(data.counter_a(), S, E), S, E)

    def test_counter_rate(self):
        if VM:
            return self.check_metricsql(COUNTER_A, lambda t: data.vm_increase(
                data.counter_a(), t, rate=True), d=details(counter="rate"))
        self.check(COUNTER_A, data.counter_points(data.counter_a(), S, E, rate=True),
                   S, E, d=details(counter="rate"))

    def test_nocache_sent(self):
        """nocache=1 goes with every query when asked (VictoriaMetrics'
        result cache), in the sorted place SigV4 needs."""
        fake = Listener(FAKE_PORT, fake_store)
        try:
            for conds in (GAUGE_A, COUNTER_A):
                ask(metric_body(conds, S, S + 3600000,
                                d=details("http://127.0.0.1:%d/record" % FAKE_PORT,
                                          nocache=True)))
        finally:
            fake.close()
        forms = [body.decode() for _, _, body in fake.requests]
        self.assertEqual(len(forms), 2)
        self.assertTrue(forms[0].startswith("nocache=1&query="), forms[0])
        self.assertRegex(forms[1], "^end=[0-9.]+&nocache=1&query=")

    def test_expression(self):
        expr = 'mt_gauge{instance="a"} * 2'
        if VM:
            return self.check_metricsql([cond("~", expr)], lambda t: data.vm_last(
                stored(data.gauge_a()), t, lambda v: v * 2))
        self.check([cond("~", expr)],
                   data.stepped(data.gauge_a(), S, E, MIN, lambda v: v * 2), S, E)

    def test_expression_split_at_11000_steps(self):
        """One-second steps over 4 h: 14,400 points in two query_range calls."""
        expr = 'mt_gauge{instance="b"}'
        want = data.stepped(data.gauge_b(), S, E, 1000)
        self.assertGreater(len(want), 11000)
        self.check([cond("~", expr)], want, S, E, d=details(step_seconds=1))

    def test_empty_range_inside_data(self):
        """[S+1, S+2) holds no sample. Prometheus 2 answers the series with
        no sample in it (its window [T-R, T] holds the sample at S);
        VictoriaMetrics (and Prometheus 3), whose window is (T-R, T], no
        series: MetricNotFoundError."""
        a = ask(metric_body(GAUGE_A, S + 1, S + 2))
        if VM:
            self.assertEqual((a.status, a.data()["_type"]), (500, "MetricNotFoundError"))
            return
        self.assertEqual((a.status, points(a)), (200, ([], False)))


class Aggregated(unittest.TestCase):
    def check(self, conditions, samples, start, end, method, bucket, d=None,
              nan_zero=False):
        dd = d or details()
        if nan_zero:
            dd["nan_interpretation"] = "ZERO"
        a = ask(metric_body(conditions, start, end, method, bucket, d=dd))
        self.assertEqual(a.status, 200, a)
        t = a.data()["telemetry"]
        self.assertEqual((t["_type"], t["dataFormat"], t["isPartial"]),
                         ("AggregatedMetricTelemetry",
                          ["value", "startTimestamp", "endTimestamp"], False))
        want = data.aggregate(stored(samples), start, end, bucket, method, nan_zero)
        got = t["points"]
        self.assertEqual([g[1:] for g in got], [w[1:] for w in want], method)
        for g, w in zip(got, want):
            self.assertTrue(close(g[0], w[0]), (method, g, w))

    def test_every_method_gauge(self):
        """All fourteen methods over a range with a gap and NaNs, with
        buckets that divide the hour and buckets that do not."""
        for method in data.METHODS:
            for bucket in (5 * MIN, 7 * MIN):
                with self.subTest(method=method, bucket=bucket):
                    self.check(GAUGE_A, data.gauge_a(), S + 17000, E - 29000,
                               method, bucket)

    def test_nan_as_zero(self):
        for method in ("MEAN", "EVENT_COUNT", "MIN"):
            self.check(GAUGE_A, data.gauge_a(), S, E, method, 10 * MIN, nan_zero=True)

    def test_every_method_counter(self):
        """A counter with two resets and a gap: its per-minute increases
        (Prometheus' increase(); VictoriaMetrics' differs, see Raw)."""
        if VM:
            self.skipTest("MetricsQL's increase() is checked in Raw.test_counter")
        inc = data.counter_points(data.counter_a(), S, E)
        for method in data.METHODS:
            with self.subTest(method=method):
                self.check(COUNTER_A, inc, S, E, method, 15 * MIN)

    def test_in_set_value(self):
        self.check([cond("__gauge__", data.GAUGE), cond("instance", ["a"])],
                   data.gauge_a(), S, E, "MAX", 30 * MIN)


def pushed_buckets():
    """The responder's count of buckets the store computed (/metrics)."""
    host, port = host_port(MIRROR)
    conn = http.client.HTTPSConnection(host, port, timeout=30,
                                       context=ssl.create_default_context(cafile=CA))
    try:
        conn.request("GET", "/metrics")
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    for line in text.splitlines():
        if line.startswith('mirror_aggregated_buckets_total{by="store"}'):
            return int(line.split()[1])
    return 0


DENSE = [cond("__gauge__", data.DENSE), cond("instance", "d")]
DS = data.BASE * 1000
DE = DS + data.DENSE_S * 1000
PUSHED = {"MIN", "MAX", "EVENT_COUNT", "EVENT_COUNT_NO_ZEROS"} | set(data.PERCENTILES)


class Pushdown(unittest.TestCase):
    """Aggregation pushed down to Prometheus or VictoriaMetrics
    (prom_pushdown.c) answers
    bit for bit what the engine answers from the raw samples: every
    value equals data.py's (the engine's arithmetic, in Python) and the
    answer equals byte for byte the one with "pushdown": false, for
    buckets that divide the range and ones that do not, over a gap,
    NaNs, infinities and samples on every bucket boundary."""

    def answer(self, method, start, end, bucket, **extra):
        a = ask(metric_body(DENSE, start, end, method, bucket, d=details(**extra)))
        self.assertEqual(a.status, 200, a)
        return a

    def check(self, method, start, end, bucket, nan_zero=False):
        extra = {"nan_interpretation": "ZERO"} if nan_zero else {}
        before = pushed_buckets()
        a = self.answer(method, start, end, bucket, **extra)
        pushed = pushed_buckets() - before
        raw = self.answer(method, start, end, bucket, pushdown=False, **extra)
        self.assertEqual(pushed_buckets() - before, pushed, "pushdown: false pushed")
        self.assertEqual(a.body, raw.body, (method, bucket))
        t = a.data()["telemetry"]
        self.assertFalse(t["isPartial"])
        # VictoriaMetrics drops NaN samples when it ingests them.
        dense = [p for p in data.dense() if not (VM and math.isnan(p[1]))]
        want = data.aggregate(dense, start, end, bucket, method, nan_zero)
        got = t["points"]
        self.assertEqual([g[1:] for g in got], [w[1:] for w in want], method)
        for g, w in zip(got, want):
            if VM:   # it keeps about 12 significant digits of a value
                self.assertTrue(math.isclose(g[0], w[0], rel_tol=1e-11, abs_tol=1e-11),
                                (method, bucket, g, w))
            else:
                self.assertEqual(g[0], w[0], (method, bucket, g, w))
        return pushed

    def test_every_method(self):
        for method in data.METHODS:
            for start, end, bucket in ((DS, DE, MIN), (DS + 1234, DE - 4321, MIN),
                                       (DS + 500, DE - 999, 7000)):
                with self.subTest(method=method, bucket=bucket, start=start):
                    pushed = self.check(method, start, end, bucket)
                    full = (end // bucket) - (-(-start // bucket))
                    if method in PUSHED:
                        # Not the ones NaNs, infinities, the gap's edges
                        # or (percentiles) an unusual size send the raw way.
                        self.assertGreater(pushed, full * 0.6, method)
                    else:
                        self.assertEqual(pushed, 0, method)

    def test_small_buckets(self):
        for method in ("MAX", "EVENT_COUNT", "PERCENTILE_50"):
            for bucket in (1000, 1500, 500):
                with self.subTest(method=method, bucket=bucket):
                    self.check(method, DS + 1700 * 1000, DS + 2100 * 1000 + 250, bucket)

    def test_nan_as_zero(self):
        for method in ("MIN", "MAX", "EVENT_COUNT", "PERCENTILE_90", "MEAN"):
            with self.subTest(method=method):
                self.check(method, DS, DE, 5 * MIN, nan_zero=True)

    def test_off_when_asked(self):
        before = pushed_buckets()
        self.answer("MAX", DS, DE, MIN, pushdown=False)
        self.assertEqual(pushed_buckets(), before)
        a = ask(metric_body(DENSE, DS, DE, "MAX", MIN, d=details(pushdown="no")))
        self.assertEqual(a.status, 400, a)

    def test_prometheus_3_windows(self):
        """Prometheus 3's ranges leave out their left end: the window of a
        bucket is then B, not B - 1 ms (a fake store with 3.x build info)."""
        import urllib.parse
        fake = Listener(FAKE_PORT, fake_store)
        try:
            url = "http://127.0.0.1:%d/v3" % FAKE_PORT
            a = ask(metric_body([cond("__gauge__", "up")], DS + 1000, DS + 10 * MIN,
                                "MAX", MIN, d=details(url)))
        finally:
            fake.close()
        self.assertEqual(a.status, 200, a)
        forms = [urllib.parse.parse_qs(b.decode()) for line, _, b in fake.requests
                 if "query_range" in line]
        self.assertEqual(len(forms), 1)
        self.assertEqual(forms[0]["query"], ["(max_over_time(up[60000ms]))"])
        self.assertEqual((forms[0]["start"], forms[0]["end"], forms[0]["step"]),
                         (["%d.999" % (DS // 1000 + 119)], ["%d.999" % (DS // 1000 + 599)],
                          ["60.000"]))
        # The cut first bucket asked raw found nothing; the nine whole ones, 1.
        self.assertEqual(points(a), ([[1.0, DS + k * MIN, DS + (k + 1) * MIN]
                                      for k in range(1, 10)], False))

    def test_victoriametrics_windows(self):
        """VictoriaMetrics (an empty build info, and MetricsQL evaluated):
        windows of B as in Prometheus 3, nocache=1 (its result cache would
        move the evaluation times to multiples of the step), and buckets
        of the newest 5 minutes (-search.latencyOffset hides 30 s) left to
        the raw way (a fake store)."""
        import urllib.parse
        before = int(time.time() * 1000)
        end = before - before % MIN
        start = end - 20 * MIN
        fake = Listener(FAKE_PORT, fake_store)
        try:
            url = "http://127.0.0.1:%d/vm" % FAKE_PORT
            a = ask(metric_body([cond("__gauge__", "up")], start, end, "MAX", MIN,
                                d=details(url)))
        finally:
            fake.close()
        after = int(time.time() * 1000)
        self.assertEqual(a.status, 200, a)
        self.assertTrue(any("/vm/api/v1/query?query=WITH" in line
                            for line, _, _ in fake.requests), fake.requests)
        forms = [urllib.parse.parse_qs(b.decode()) for line, _, b in fake.requests
                 if "query_range" in line]
        self.assertEqual(len(forms), 1)
        self.assertEqual(forms[0]["query"], ["(max_over_time(up[60000ms]))"])
        self.assertEqual(forms[0]["nocache"], ["1"])
        self.assertEqual(forms[0]["start"], ["%d.999" % (start // 1000 + 59)])
        got, partial = points(a)
        n = len(got)
        self.assertEqual(got, [[1.0, start + k * MIN, start + (k + 1) * MIN]
                               for k in range(n)])
        # The last bucket asked ends 5 minutes or more before now.
        self.assertLessEqual(start + n * MIN, after - 5 * MIN)
        self.assertGreater(start + (n + 1) * MIN, before - 5 * MIN)
        self.assertFalse(partial)

    def test_expression_and_counter_keep_the_raw_way(self):
        before = pushed_buckets()
        for conds in ([cond("~", 'mt_dense{instance="d"}')], COUNTER_A):
            a = ask(metric_body(conds, DS, DE, "MAX", 10 * MIN))
            self.assertEqual(a.status, 200, a)
        self.assertEqual(pushed_buckets(), before)


class Errors(unittest.TestCase):
    def test_several_series(self):
        for conds in ([cond("__gauge__", data.GAUGE)],
                      [cond("__gauge__", data.GAUGE), cond("instance", ["a", "b"])]):
            a = ask(metric_body(conds, S, E))
            self.assertEqual(a.status, 400, a)
            d = a.data()
            self.assertEqual(d["_type"], "RemoteMirrorError")
            self.assertIn("differ in: instance.", d["details"])
        a = ask(metric_body([cond("job", "mt"), cond("__name__", "mt_esc")], S, E))
        self.assertIn("differ in: path.", a.data()["details"])

    def test_not_found(self):
        a = ask(metric_body([cond("__gauge__", "mt_nope"), cond("job", "x")], S, E))
        self.assertEqual(a.status, 500)
        d = a.data()
        self.assertEqual((d["_type"], d["metric"]),
                         ("MetricNotFoundError", 'mt_nope{job="x"}'))

    def test_bad_promql(self):
        a = ask(metric_body([cond("~", "sum(rate(")], S, E))
        self.assertEqual(a.status, 500)
        d = a.data()
        self.assertEqual(d["_type"], "RemoteMirrorError")
        if VM:   # 422, with the status as errorType
            self.assertIn("Prometheus answered HTTP 422 (422): error when executing "
                          'query="sum(rate("', d["details"])
            return
        self.assertIn("bad_data", d["details"])
        self.assertIn("parse error", d["details"])

    def test_store_timeout(self):
        hang = Listener(HANG_PORT)
        try:
            a = ask(metric_body(GAUGE_A, S, E,
                                d=details("http://127.0.0.1:%d" % HANG_PORT,
                                          request_timeout_seconds=1)))
        finally:
            hang.close()
        self.assertEqual(a.status, 504, a)
        self.assertEqual(a.data()["_type"], "MetricStoreConnectionError")
        self.assertLess(a.seconds, 2.5)

    def test_timeout_capped_by_configuration(self):
        hang = Listener(HANG_PORT)
        try:
            a = ask(metric_body(GAUGE_A, S, E,
                                d=details("http://127.0.0.1:%d" % HANG_PORT,
                                          request_timeout_seconds=3600)))
        finally:
            hang.close()
        self.assertEqual(a.status, 504, a)
        self.assertLess(a.seconds, STORE_TIMEOUT_MS / 1000.0 * 2 + 1)

    def test_store_down(self):
        a = ask(metric_body(GAUGE_A, S, E, d=details("http://127.0.0.1:%d" % DOWN_PORT)))
        self.assertEqual(a.status, 502, a)
        self.assertEqual(a.data()["_type"], "MetricStoreConnectionError")

    def test_garbage(self):
        fake = Listener(FAKE_PORT, fake_store)
        try:
            a = ask(metric_body(GAUGE_A, S, E,
                                d=details("http://127.0.0.1:%d/garbage" % FAKE_PORT)))
            b = ask(names_body(d=details("http://127.0.0.1:%d/big" % FAKE_PORT)))
        finally:
            fake.close()
        self.assertEqual(a.status, 502, a)
        self.assertEqual(a.data()["_type"], "MetricStoreConnectionError")
        self.assertIn("not Prometheus API JSON", a.data()["details"])
        self.assertEqual(b.status, 500, b)
        self.assertIn("exceeds the mirror's %d-byte limit" % MAX_STORE_BYTES,
                      b.data()["details"])

    def test_overload(self):
        fake = Listener(FAKE_PORT, fake_store)
        try:
            a = ask(metric_body(GAUGE_A, S, E,
                                d=details("http://127.0.0.1:%d/overload" % FAKE_PORT)))
        finally:
            fake.close()
        self.assertEqual(a.status, 500, a)
        self.assertEqual(a.data()["_type"], "RemoteMirrorError")
        self.assertIn("HTTP 503 (unavailable): too many concurrent queries",
                      a.data()["details"])

    def test_timeout_covers_all_chunks(self):
        """24 chunks of 0.3 s each against a 1 s timeout: 504 after ~1 s."""
        fake = Listener(FAKE_PORT, fake_store)
        try:
            a = ask(metric_body(GAUGE_A, S, E, d=details(
                "http://127.0.0.1:%d/slow" % FAKE_PORT, requestTimeout=1000,
                chunk_seconds=600)))
        finally:
            fake.close()
        self.assertEqual(a.status, 504, a)
        self.assertIn("within 1000 ms", a.data()["details"])
        self.assertLess(a.seconds, 2.0)
        self.assertLessEqual(len(fake.requests), 5)

    def test_bad_conditions(self):
        for conds in ([cond("__gauge__", "a"), cond("__counter__", "b")],
                      [cond("~", "up"), cond("job", "x")],
                      [cond("__gauge__", "up"), cond("bad-key", "x")],
                      [cond("__gauge__", "up"), cond("v", [])],
                      []):
            a = ask(metric_body(conds, S, E))
            self.assertEqual(a.status, 400, (conds, a))
            self.assertEqual(a.data()["_type"], "RemoteMirrorError")

    def test_missing_url(self):
        a = ask(metric_body(GAUGE_A, S, E, d={"backend": "prometheus"}))
        self.assertEqual(a.status, 400)
        self.assertIn("connectionDetails.url is required", a.data()["details"])


class Staleness(unittest.TestCase):
    """Staleness markers never reach the answer: a second Prometheus
    scrapes a loopback exporter that then goes away."""

    def test_markers_skipped(self):
        import http.server

        class Exporter(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = b"mt_stale 1\n"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        exp = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Exporter)
        threading.Thread(target=exp.serve_forever, daemon=True).start()
        tmp = tempfile.mkdtemp(prefix="mirror-stale.")
        conf = os.path.join(tmp, "p.yml")
        with open(conf, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 500ms\n"
                    "scrape_configs:\n  - job_name: stale\n    static_configs:\n"
                    "      - targets: ['127.0.0.1:%d']\n" % exp.server_address[1])
        log = open(os.path.join(tmp, "prometheus.log"), "w")
        prom = subprocess.Popen(["prometheus", "--config.file=" + conf,
                                 "--storage.tsdb.path=" + os.path.join(tmp, "data"),
                                 "--web.listen-address=127.0.0.1:%d" % STALE_PORT],
                                stdout=log, stderr=log)
        url = "http://127.0.0.1:%d" % STALE_PORT
        try:
            t0 = int(time.time() * 1000)
            # Three good scrapes, then the target goes away.
            self.assertTrue(wait_for(url, "count_over_time(mt_stale[1m]) >= 3"))
            exp.shutdown()
            exp.server_close()
            # Prometheus itself says the series went stale: an instant
            # query finds nothing although the lookback is 5 minutes.
            self.assertTrue(wait_for(url, "absent(mt_stale)"))
            # absent() holds once the staleness marker is stored, so a
            # window ending now holds the marker: no need to wait longer.
            t1 = int(time.time() * 1000)
            a = ask(metric_body([cond("__gauge__", "mt_stale")], t0, t1,
                                d=details(url, nan_interpretation="ZERO")))
            self.assertEqual(a.status, 200, a)
            vals = [v for v, _ in points(a)[0]]
            self.assertGreaterEqual(len(vals), 2)
            self.assertEqual(set(vals), {1})
            # Pushed down, the windows holding the marker are as empty as
            # the raw way sees them.
            for method in ("MIN", "MAX", "EVENT_COUNT", "PERCENTILE_50"):
                for bucket in (1000, 3000):
                    got = [ask(metric_body([cond("__gauge__", "mt_stale")], t0, t1,
                                           method, bucket, d=details(url, pushdown=p)))
                           for p in (True, False)]
                    self.assertEqual(got[0].status, 200, got[0])
                    self.assertEqual(got[0].body, got[1].body, (method, bucket))
                    rows = got[0].data()["telemetry"]["points"]
                    # Three or more scrapes 1 s apart span two 1 s buckets;
                    # they may all fall into one 3 s bucket.
                    self.assertGreaterEqual(len(rows), 2 if bucket == 1000 else 1)
                    if method != "EVENT_COUNT":
                        self.assertEqual({r[0] for r in rows}, {1}, method)
        finally:
            exp.shutdown()
            exp.server_close()
            prom.terminate()
            prom.wait(30)
            log.close()
            shutil.rmtree(tmp, ignore_errors=True)


def wait_for(url, expr, seconds=20):
    """Polls Prometheus directly until the instant query expr has a result."""
    import urllib.parse
    import urllib.request
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            q = urllib.parse.urlencode({"query": expr})
            with urllib.request.urlopen("%s/api/v1/query?%s" % (url, q), timeout=5) as r:
                if json.loads(r.read())["data"]["result"]:
                    return True
        except OSError:
            pass
        time.sleep(0.25)
    return False


class StoreDown(unittest.TestCase):
    """Run by run.sh after it stopped Prometheus: 502s, and the responder
    keeps serving other stores."""

    def test_metric_502(self):
        a = ask(metric_body(GAUGE_A, S, E))
        self.assertEqual(a.status, 502, a)
        self.assertEqual(a.data()["_type"], "MetricStoreConnectionError")

    def test_connection_failure(self):
        self.assertEqual(ask(connection_body()).data()["status"], "FAILURE")

    def test_others_still_served(self):
        fake = Listener(FAKE_PORT, fake_store)
        try:
            a = ask(connection_body(details("http://127.0.0.1:%d/record" % FAKE_PORT)))
        finally:
            fake.close()
        self.assertEqual(a.data()["status"], "OK")


class StoreBack(unittest.TestCase):
    """Run by run.sh after it restarted Prometheus on the same port: the
    kept-alive handles recover from their dead connections."""

    def test_answers_again(self):
        for _ in range(6):   # more than one worker thread's handle
            a = ask(metric_body(GAUGE_A, S, S + 3600000))
            self.assertEqual(a.status, 200, a)
            self.assertEqual(points(a)[0][0][1], S)


def main():
    names = sys.argv[1:]
    loader = unittest.TestLoader()
    if names:
        suite = unittest.TestSuite(loader.loadTestsFromName(n, sys.modules[__name__])
                                   for n in names)
    else:
        suite = unittest.TestSuite(
            loader.loadTestsFromTestCase(c)
            for c in (Connection, FieldNames, FieldValues, Raw, Aggregated, Pushdown,
                      Errors) +
            # Staleness drives a Prometheus of its own.
            (() if VM else (Staleness,)))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    print("%s%s: %d passed, %d failed" % (
        "victoriametrics" if VM else "prometheus", " (" + PHASE + ")" if PHASE else "",
        result.testsRun - failed, failed))
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
