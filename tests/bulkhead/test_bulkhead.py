#!/usr/bin/env python3
"""No slow store starves the mirror: the bulkhead through the whole stack.

tests/bulkhead/run.sh starts a real Prometheus (the healthy store), the
two hostile fake stores of hostile.py (one accepts and never answers, one
drops SYNs) and the mirror stack (nginx + spawn-fcgi + mirror-fcgi), and
sets the BH_* variables read below; run that script rather than this file.

Each scenario keeps 2 x MIRROR_THREADS slow requests in flight against one
hostile store for a few seconds while a steady stream of fast requests
(the sample store, the healthy Prometheus, /healthz) runs beside them:
  - every fast request is answered 200 with exactly the expected body,
    none in more than 1 s;
  - every slow one is answered 503 (busy, Retry-After) or 504, with the
    exact typed JSON body;
  - the moment the slow ones end, everything answers at once and /metrics
    counted exactly what the client saw.
The figures (fast p50/p99, errors) are printed for docs/RELIABILITY.md;
BH_FIGURES_ONLY=1 prints them without asserting (for the old code).
Standard library only.
"""

import http.client
import json
import math
import os
import ssl
import sys
import threading
import time
import unittest

ENV = os.environ
MIRROR = ENV.get("BH_MIRROR_URL", "")          # https://localhost:PORT
CA = ENV.get("BH_CA", "")
KEY = ENV.get("BH_KEY", "api_key")
PROM = ENV.get("BH_PROM_URL", "")              # http://127.0.0.1:PORT
HANG = ENV.get("BH_HANG_URL", "")
DROP = ENV.get("BH_DROP_URL", "")
THREADS = int(ENV.get("BH_THREADS", "4"))
CAP = int(ENV.get("BH_CAP", "2"))
TIMEOUT_MS = int(ENV.get("BH_TIMEOUT_MS", "3000"))
CONNECT_MS = int(ENV.get("BH_CONNECT_MS", "1000"))
TEST_MS = int(ENV.get("BH_TEST_MS", "1500"))
BASE = int(ENV.get("BH_BASE", "1704067200"))   # first sample, epoch s
SAMPLES = int(ENV.get("BH_SAMPLES", "360"))    # one every 10 s, value i
PHASE_S = float(ENV.get("BH_PHASE_S", "7"))
FIGURES_ONLY = ENV.get("BH_FIGURES_ONLY") == "1"
POOL = ENV.get("BH_POOL") == "1"

FAST_BOUND_S = 1.0


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def cond(key, value):
    return {"key": key, "value": {"_type": "StringValue", "value": value},
            "_type": "EqualityCondition"}


def metric_body(details, conditions, start, end):
    return {"_type": "MetricsRequest", "connectionDetails": details,
            "query": {"_type": "MetricsQuery", "conditions": conditions,
                      "startTime": start, "endTime": end, "limit": 100000,
                      "latestFirst": False}}


def connection_body(details):
    return {"_type": "TestConnectionRequest", "connectionDetails": details}


def prom_details(url, **extra):
    d = {"backend": "prometheus", "url": url}
    d.update(extra)
    return d


S_MS = BASE * 1000
E_MS = (BASE + 10 * SAMPLES) * 1000
SAMPLE_REQ = metric_body({}, [cond("metric", "cpu.user"), cond("host", "web-1")],
                         1704067200000, 1704067200000 + 600000)
PROM_REQ = metric_body(prom_details(PROM), [cond("__gauge__", "bh_gauge"),
                                            cond("job", "bh")], S_MS, E_MS)
# The samples run.sh wrote: value i at BASE + 10 i seconds.
PROM_POINTS = [[float(i), (BASE + 10 * i) * 1000] for i in range(SAMPLES)]
HEALTH_BODY = '{"status":"OK"}'


def slow_req(url):
    return metric_body(prom_details(url, request_timeout_seconds=TIMEOUT_MS / 1000),
                       [cond("__gauge__", "bh_gauge")], S_MS, E_MS)


def origin(url):
    return url.rstrip("/")


def busy_body(url):
    return compact({"_type": "RemoteMirrorError", "summary": "metric store busy",
                    "details": "store %s busy: %d requests already waiting on it"
                    % (origin(url), CAP)})


def hang_504():
    return compact({"_type": "MetricStoreConnectionError",
                    "details": "no answer from %s within %d ms" % (HANG, TIMEOUT_MS)})


def drop_504():
    return compact({"_type": "MetricStoreConnectionError",
                    "details": "no connection to %s within %d ms" % (DROP, CONNECT_MS)})


PATHS = {"TestConnectionRequest": "/api/connection", "MetricsRequest": "/api/metric"}


class Client:
    """One kept-alive HTTPS connection to nginx, reopened when closed."""

    def __init__(self):
        rest = MIRROR.split("://", 1)[1]
        self.host, port = rest.rsplit(":", 1)
        self.port = int(port)
        self.ctx = ssl.create_default_context(cafile=CA)
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def once(self, method, path, body):
        if self.conn is None:
            self.conn = http.client.HTTPSConnection(self.host, self.port,
                                                    timeout=90, context=self.ctx)
        headers = {"X-MIRROR-API-KEY": KEY}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        t0 = time.monotonic()
        self.conn.request(method, path, body=data, headers=headers)
        r = self.conn.getresponse()
        text = r.read().decode()
        secs = time.monotonic() - t0
        if (r.getheader("Connection") or "").lower() == "close":
            self.close()
        return r.status, dict(r.getheaders()), text, secs

    def ask(self, body=None, path=None):
        """POSTs body (GET path when body is None); (status, headers, text, s)."""
        method = "GET" if body is None else "POST"
        path = path or "/stackstate" + PATHS[body["_type"]]
        try:
            return self.once(method, path, body)
        except (http.client.RemoteDisconnected, ConnectionError,
                http.client.BadStatusLine):
            # A kept connection nginx closed between requests: once more.
            self.close()
            return self.once(method, path, body)


def metrics_text():
    c = Client()
    try:
        return c.ask(path="/metrics")[2]
    finally:
        c.close()


def metric_value(text, name, labels):
    """The value of name{labels...} in /metrics, 0 when absent."""
    want = ",".join('%s="%s"' % kv for kv in labels)
    for line in text.splitlines():
        if line.startswith(name + "{" + want + "}"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def percentile(values, p):
    v = sorted(values)
    if not v:
        return 0.0
    # Nearest rank: the smallest value with at least p % at or below it.
    return v[max(0, math.ceil(p / 100.0 * len(v)) - 1)]


class Expect:
    """The answer each kind of fast request must get, taken on a quiet
    stack (the sample store) or computed from the data run.sh wrote."""
    sample = None

    @classmethod
    def load(cls):
        c = Client()
        status, _, text, _ = c.ask(SAMPLE_REQ)
        assert status == 200, (status, text)
        cls.sample = text
        c.close()


FAST = {
    "sample": lambda: (SAMPLE_REQ, None),
    "prometheus": lambda: (PROM_REQ, None),
    "healthz": lambda: (None, "/healthz"),
}


def fast_ok(kind, status, text):
    if status != 200:
        return False
    if kind == "sample":
        return text == Expect.sample
    if kind == "healthz":
        return text == HEALTH_BODY
    t = json.loads(text)["telemetry"]
    return t["points"] == PROM_POINTS and t["isPartial"] is False


class Run:
    """One scenario: slow requests to url beside fast ones, for PHASE_S."""

    def __init__(self, url):
        self.url = url
        self.slow = []        # (status, headers, text, secs)
        self.fast = []        # (kind, status, text, secs)
        self.lock = threading.Lock()
        self.stop = time.monotonic() + PHASE_S

    def slow_loop(self):
        c = Client()
        while time.monotonic() < self.stop:
            a = c.ask(slow_req(self.url))
            with self.lock:
                self.slow.append(a)
            if a[0] == 503:
                time.sleep(0.05)   # refused at once: do not spin
        c.close()

    def fast_loop(self, kind):
        c = Client()
        body, path = FAST[kind]()
        while time.monotonic() < self.stop:
            status, _, text, secs = c.ask(body, path)
            with self.lock:
                self.fast.append((kind, status, text, secs))
            time.sleep(0.02)
        c.close()

    def go(self):
        threads = [threading.Thread(target=self.slow_loop)
                   for _ in range(2 * THREADS)]
        for t in threads:
            t.start()
        time.sleep(0.3)   # the slow ones first: they hold what they can
        fast = [threading.Thread(target=self.fast_loop, args=(k,))
                for k in FAST for _ in range(2)]
        for t in fast:
            t.start()
        for t in threads + fast:
            t.join()
        self.ended = time.monotonic()
        return self

    def figures(self, label):
        secs = [f[3] for f in self.fast]
        bad = [f for f in self.fast if not fast_ok(f[0], f[1], f[2])]
        statuses = {}
        for f in bad:
            statuses[f[1]] = statuses.get(f[1], 0) + 1
        slow = {}
        for s in self.slow:
            slow[s[0]] = slow.get(s[0], 0) + 1
        print("\nfigures %s: fast requests %d, p50 %.3f s, p99 %.3f s, max %.3f s, "
              "over 1 s %d, failed %d %s; slow requests %d by status %s"
              % (label, len(secs), percentile(secs, 50), percentile(secs, 99),
                 max(secs) if secs else 0, sum(1 for s in secs if s > FAST_BOUND_S),
                 len(bad), statuses, len(self.slow), slow), file=sys.stderr)
        sys.stderr.flush()


def hold(url):
    c = Client()
    c.ask(slow_req(url))
    c.close()


@unittest.skipIf(FIGURES_ONLY, "figures only")
@unittest.skipIf(POOL, "one responder")
class Quiet(unittest.TestCase):
    def test_busy_connection_test(self):
        """A connection test to a hanging store is bounded by
        MIRROR_STORE_TEST_TIMEOUT_MS; with the store's slots taken, it
        is answered FAILURE at once."""
        c = Client()
        status, _, text, secs = c.ask(connection_body(prom_details(HANG)))
        self.assertEqual((status, text), (200, compact({
            "status": "FAILURE", "error": {
                "_type": "MetricStoreConnectionError",
                "details": "no answer from %s within %d ms" % (HANG, TEST_MS)},
            "_type": "TestConnectionResponse"})))
        self.assertLess(secs, TEST_MS / 1000.0 + 1)
        holders = [threading.Thread(target=hold, args=(HANG,)) for _ in range(CAP)]
        for t in holders:
            t.start()
        deadline = time.monotonic() + 5
        while metric_value(metrics_text(), "mirror_store_in_flight",
                           [("origin", origin(HANG))]) < CAP:
            self.assertLess(time.monotonic(), deadline, "the slots were not taken")
            time.sleep(0.05)
        status, _, text, secs = c.ask(connection_body(prom_details(HANG)))
        self.assertEqual((status, text), (200, compact({
            "status": "FAILURE", "error": {
                "_type": "MetricStoreConnectionError",
                "details": "store %s busy: %d requests already waiting on it"
                % (origin(HANG), CAP)},
            "_type": "TestConnectionResponse"})))
        self.assertLess(secs, FAST_BOUND_S)
        for t in holders:
            t.join()
        c.close()


@unittest.skipIf(POOL, "one responder")
class Burst(unittest.TestCase):
    """The price of refusing at once: a burst of simultaneous requests to a
    healthy store beyond its cap is partly refused (503, Retry-After),
    never queued. Every answer is a 200 with the exact points or the exact
    busy body; the counts are printed for docs/RELIABILITY.md."""

    def test_burst_on_healthy_store(self):
        n = 3 * THREADS
        barrier = threading.Barrier(n)
        out = []
        lock = threading.Lock()

        def one():
            c = Client()
            c.ask(path="/healthz")          # connected before the burst
            barrier.wait()
            a = c.ask(PROM_REQ)
            with lock:
                out.append(a)
            c.close()

        threads = [threading.Thread(target=one) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ok = sum(1 for a in out if fast_ok("prometheus", a[0], a[2]))
        busy = sum(1 for a in out if a[0] == 503)
        print("\nfigures burst of %d simultaneous requests to a healthy store: "
              "%d answered 200, %d refused 503" % (n, ok, busy), file=sys.stderr)
        if FIGURES_ONLY:
            return
        for status, headers, text, secs in out:
            if status == 503:
                self.assertEqual(text, busy_body(PROM))
                self.assertEqual(headers.get("Retry-After"), "1")
            else:
                self.assertTrue(fast_ok("prometheus", status, text), (status, text[:300]))
        self.assertEqual(ok + busy, n)
        self.assertGreaterEqual(ok, CAP)


@unittest.skipIf(POOL, "one responder")
class Starve(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        Expect.load()

    def scenario(self, url, label, want_504, fail_label):
        before = metrics_text()
        run = Run(url).go()
        run.figures(label)
        if FIGURES_ONLY:
            return
        # Every fast request: 200, the exact answer, within the bound.
        for kind, status, text, secs in run.fast:
            self.assertTrue(fast_ok(kind, status, text), (kind, status, text[:300]))
            self.assertLess(secs, FAST_BOUND_S, (kind, secs))
        self.assertGreater(len(run.fast), 30)
        # Every slow one: 503 at once with Retry-After, or 504; exact bodies.
        n503 = n504 = 0
        for status, headers, text, secs in run.slow:
            if status == 503:
                n503 += 1
                self.assertEqual(text, busy_body(url))
                self.assertEqual(headers.get("Retry-After"), "1")
                self.assertLess(secs, FAST_BOUND_S)
            else:
                n504 += 1
                self.assertEqual((status, text), (504, want_504))
        self.assertGreater(n503, 0)
        self.assertGreater(n504, 0)
        # The moment the slow ones end, everything is served at once.
        c = Client()
        for kind in FAST:
            body, path = FAST[kind]()
            status, _, text, secs = c.ask(body, path)
            self.assertTrue(fast_ok(kind, status, text), (kind, status, text[:300]))
            self.assertLess(secs, FAST_BOUND_S, (kind, secs))
        c.close()
        # /metrics counted exactly what the client saw.
        after = metrics_text()
        o = [("origin", origin(url))]
        self.assertEqual(metric_value(after, "mirror_store_in_flight", o), 0)
        self.assertEqual(metric_value(after, "mirror_store_refused_total", o) -
                         metric_value(before, "mirror_store_refused_total", o), n503)
        e = o + [("error", fail_label)]
        self.assertEqual(metric_value(after, "mirror_store_errors_total", e) -
                         metric_value(before, "mirror_store_errors_total", e), n504)
        self.assertEqual(metric_value(after, "mirror_store_requests_total", o) -
                         metric_value(before, "mirror_store_requests_total", o), n504)
        self.assertIn('mirror_store_requests_total{origin="%s"}' % origin(PROM), after)

    def test_store_never_answers(self):
        self.scenario(HANG, "store accepts, never answers", hang_504(), "timeout")

    def test_store_drops_packets(self):
        self.scenario(DROP, "store drops packets", drop_504(), "connect_timeout")


@unittest.skipUnless(POOL, "two responders (run.sh adds the second)")
class Pool(unittest.TestCase):
    """Two responders in the upstream (mirror-fastcgi.conf's retry rules):
    both refuse slow requests to the hanging store with 503, and nginx
    must not count that as their failure, or every request would get
    nginx's 502 until fail_timeout ends."""

    @classmethod
    def setUpClass(cls):
        Expect.load()

    def test_busy_store_keeps_responders_in(self):
        global THREADS
        threads, THREADS = THREADS, 2 * THREADS   # two responders' worth
        try:
            run = Run(HANG).go()
        finally:
            THREADS = threads
        run.figures("two responders, store accepts, never answers")
        if FIGURES_ONLY:
            return
        for kind, status, text, secs in run.fast:
            self.assertTrue(fast_ok(kind, status, text), (kind, status, text[:300]))
            self.assertLess(secs, FAST_BOUND_S, (kind, secs))
        for status, headers, text, secs in run.slow:
            if status == 503:
                self.assertEqual(text, busy_body(HANG))
            else:
                self.assertEqual((status, text), (504, hang_504()))


if __name__ == "__main__":
    unittest.main(verbosity=2)
