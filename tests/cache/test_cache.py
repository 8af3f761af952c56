#!/usr/bin/env python3
"""Tests of the optional response cache (nginx/mirror-cache-zone.conf and
nginx/mirror-cache.conf) in front of the FastCGI responder. Standard
library only.

tests/cache/run.sh starts the stack and sets:
  CACHE_URL, CACHE_DIR     nginx (cache on) + mirror-fcgi
  CACHE_VALID_S            the validity the stack was rendered with
  DEPLOY_CA                the test CA
  CACHE_PHASE=responder-down   run only ResponderDown (responder stopped,
                               after Warm has filled the cache)
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "deploy"))
from mirrortest import (ERR_401, KEY, KEY2, T0, T1, DeployCase,  # noqa: E402
                        call, count_lines, metric_body, mirror_error,
                        run_tests, values_body)

ENV = os.environ
URL = ENV.get("CACHE_URL", "")
DIR = ENV.get("CACHE_DIR", "")
VALID = float(ENV.get("CACHE_VALID_S", "10"))
RESPONDER_LOG = os.path.join(DIR, "responder.log")
STATE = os.path.join(DIR, "cache-test-state.json")
ERR_502 = mirror_error("mirror unavailable",
                       "nginx could not reach the mirror responder")


def responder_posts():
    return count_lines(RESPONDER_LOG, r" POST ")


def settle(before, want, tries=40):
    """Waits until the responder logged want more POSTs than before (it
    logs after answering), or gives up; returns the difference."""
    for _ in range(tries):
        n = responder_posts() - before
        if n >= want:
            break
        time.sleep(0.05)
    return responder_posts() - before


class CacheUp(DeployCase):
    def test_second_identical_request_is_a_hit_without_the_responder(self):
        body = metric_body(method="MEAN", bucket=60000, start=T0 + 1000)
        before = responder_posts()
        a = call(URL, "/api/metric", body)
        b = call(URL, "/api/metric", body)
        self.assertEqual((a.status, a.header("X-Cache-Status")), (200, "MISS"))
        self.assertEqual((b.status, b.header("X-Cache-Status")), (200, "HIT"))
        self.assertEqual(a.body, b.body)
        # A marker request the cache cannot answer: once the responder has
        # logged it, a POST for b would have been logged too.
        c = call(URL, "/api/metric", metric_body(method="MEAN", bucket=60000,
                                                 start=T0 + 1001))
        self.assertEqual(c.header("X-Cache-Status"), "MISS")
        self.assertEqual(settle(before, 2), 2)
        self.assertFrontHeaders(b, KEY)

    def test_the_body_is_in_the_key(self):
        a = call(URL, "/api/metric", metric_body(start=T0 + 2000))
        b = call(URL, "/api/metric", metric_body(start=T0 + 62000))
        self.assertEqual([a.header("X-Cache-Status"), b.header("X-Cache-Status")],
                         ["MISS", "MISS"])
        self.assertNotEqual(len(a.body), len(b.body))

    def test_bodies_differing_late_get_different_entries(self):
        # Same first 8 KB, different tails: $request_body is the whole
        # in-memory body (client_body_buffer_size = client_max_body_size).
        pad = "p" * 8000
        a = values_body("host")
        a["pad"], a["tail"] = pad, "a"
        b = values_body("host")
        b["pad"], b["tail"] = pad, "b"
        ra = call(URL, "/api/field/value", a)
        rb = call(URL, "/api/field/value", b)
        self.assertEqual([ra.header("X-Cache-Status"), rb.header("X-Cache-Status")],
                         ["MISS", "MISS"])

    def test_the_path_is_in_the_key(self):
        body = metric_body(start=T0 + 4000)
        a = call(URL, "/api/metric", body)
        b = call(URL, "/stackstate/api/metric", body)
        self.assertEqual([a.header("X-Cache-Status"), b.header("X-Cache-Status")],
                         ["MISS", "MISS"])
        self.assertEqual(a.body, b.body)

    def test_a_hit_echoes_the_key_of_its_own_request(self):
        body = metric_body(start=T0 + 5000)
        call(URL, "/api/metric", body, key=KEY)
        r = call(URL, "/api/metric", body, key=KEY2)
        self.assertEqual(r.header("X-Cache-Status"), "HIT")
        self.assertEqual(r.all("X-MIRROR-API-KEY"), [KEY2])

    def test_a_refused_key_is_never_answered_from_the_cache(self):
        body = metric_body(start=T0 + 6000)
        call(URL, "/api/metric", body)
        for k in (None, "wrong"):
            r = call(URL, "/api/metric", body, key=k)
            self.assertError(r, 401, ERR_401)
            self.assertIsNone(r.header("X-Cache-Status"))

    def test_errors_are_not_cached(self):
        body = metric_body(start=T1, end=T0)
        before = responder_posts()
        a = call(URL, "/api/metric", body)
        b = call(URL, "/api/metric", body)
        self.assertEqual([a.status, b.status], [400, 400])
        self.assertEqual([a.header("X-Cache-Status"), b.header("X-Cache-Status")],
                         ["MISS", "MISS"])
        self.assertEqual(settle(before, 2), 2)

    def test_healthz_and_metrics_bypass_the_cache(self):
        for path in ("/healthz", "/metrics"):
            r = call(URL, path, None, key=None, method="GET")
            self.assertEqual((r.status, r.header("X-Cache-Status")), (200, "BYPASS"))

    def test_a_body_too_long_for_a_key_is_answered_uncached(self):
        # The key must fit in fastcgi_buffer_size (16k): bigger bodies go
        # to the responder every time (nginx logs that once per request).
        body = values_body("host")
        body["pad"] = "q" * 20000
        before = responder_posts()
        a = call(URL, "/api/field/value", body)
        b = call(URL, "/api/field/value", body)
        self.assertEqual([a.status, b.status], [200, 200])
        self.assertNotEqual(b.header("X-Cache-Status"), "HIT")
        self.assertEqual(settle(before, 2), 2)


class Warm(DeployCase):
    """Fills the cache for ResponderDown and notes when."""

    def test_warm(self):
        body = metric_body(method="PERCENTILE_95", bucket=300000)
        r = call(URL, "/api/metric", body)
        self.assertEqual(r.status, 200)
        with open(STATE, "w") as f:
            json.dump({"t": time.time(), "body": body, "answer": r.body}, f)


class ResponderDown(DeployCase):
    def test_a_hit_is_served_without_the_responder_until_it_expires(self):
        with open(STATE) as f:
            s = json.load(f)
        r = call(URL, "/api/metric", s["body"])
        self.assertLess(time.time() - s["t"], VALID, "the run was too slow")
        self.assertEqual((r.status, r.header("X-Cache-Status"), r.body),
                         (200, "HIT", s["answer"]))
        self.assertFrontHeaders(r, KEY)
        # Uncached: the responder is really gone.
        r = call(URL, "/api/metric", metric_body(start=T0 + 7000))
        self.assertError(r, 502, ERR_502)
        # After the validity the entry is not served any more (no stale
        # answers): nginx asks the (absent) responder. nginx counts in
        # whole seconds: an entry valid for N s may live up to N + 1 s, so
        # the answer is asked for until it changes, until N + 3 s.
        deadline = s["t"] + VALID + 3
        while True:
            r = call(URL, "/api/metric", s["body"])
            if r.header("X-Cache-Status") != "HIT" or time.time() > deadline:
                break
            self.assertEqual(r.body, s["answer"])
            time.sleep(0.1)
        self.assertError(r, 502, ERR_502)
        self.assertEqual(r.header("X-Cache-Status"), "EXPIRED")
        self.assertGreaterEqual(time.time(), s["t"] + VALID - 1.5)


def main():
    if not URL:
        sys.exit("run tests/cache/run.sh, which starts the stack")
    if ENV.get("CACHE_PHASE") == "responder-down":
        names = ["ResponderDown"]
    else:
        names = [a for a in sys.argv[1:] if not a.startswith("-")] or ["CacheUp", "Warm"]
    sys.exit(1 if run_tests(sys.modules[__name__], "cache", names) else 0)


if __name__ == "__main__":
    main()
