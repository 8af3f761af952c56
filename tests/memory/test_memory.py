#!/usr/bin/env python3
"""Memory of the responder on large store answers (issue 7, section 3).

For each answer size a fresh mirror-fcgi (4 threads, its own unix
socket) is asked, over FastCGI (tests/deploy/fcgiclient.py), for the SUM
in 1-hour buckets of a dense series that tests/memory/fakestore.py
generates on the fly (a sample every 10 ms). The test checks the answer
against sums it computes itself, then reads the responder's
/proc/PID/status:

  - peak: VmHWM - VmRSS(before) <= 2 x 16 bytes per kept point + 64 MiB
  - after: VmRSS, once answered, within 32 MiB of VmRSS before.

Environment: MEM_BIN (mirror-fcgi), MEM_STORE_PORT (fakestore.py is
listening there), MEM_WORK (a directory for the sockets),
MEM_CASES ("13MB 22MB 150MB" by default), MEM_REPORT=1 prints the
figures without asserting the targets (for measuring an older build).
"""

import json
import os
import signal
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "deploy"))

import fakestore  # noqa: E402
import fcgiclient  # noqa: E402
import mirrortest  # noqa: E402

ENV = os.environ
MiB = 1 << 20
START = 1704067200000          # 2024-01-01T00:00:00Z
HOUR = 3600 * 1000
# Answer sizes by range: 1 h of 10 ms samples is 13.0 MB of JSON.
CASES = {"13MB": HOUR, "22MB": 6120 * 1000, "150MB": 41760 * 1000}
POINT_BYTES = 16               # struct mirror_point


def status(pid):
    """VmRSS and VmHWM of pid, in bytes."""
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(rest.split()[0]) * 1024
    return out


def expected(start, end):
    """The SUM buckets of [start, end), computed from fakestore's values."""
    out = []
    for b in range(start, end, HOUR):
        total = sum(fakestore.value_n(t)
                    for t in range(b, min(b + HOUR, end), fakestore.STEP_MS))
        out.append((b, total / fakestore.SCALE))
    # [value, start, end] rows; compared as (start, value).
    return out


def body(end):
    q = {"conditions": [{"key": "__gauge__", "_type": "EqualityCondition",
                         "value": {"value": "mem", "_type": "StringValue"}}],
         "startTime": START, "endTime": end, "limit": 2147483647,
         "latestFirst": False, "_type": "MetricsQuery",
         "aggregation": {"method": "SUM", "bucketSizeMillis": HOUR,
                         "_type": "Aggregation"}}
    details = {"url": "http://127.0.0.1:%s" % ENV["MEM_STORE_PORT"],
               "request_timeout_seconds": 100}
    return json.dumps({"_type": "MetricsRequest", "connectionDetails": details,
                       "query": q}).encode()


class Responder:
    """A fresh mirror-fcgi on its own socket, stopped by PID."""

    def __init__(self, name):
        self.sock = os.path.join(ENV["MEM_WORK"], name + ".sock")
        env = dict(ENV, MIRROR_STORE_ALLOW="http://127.0.0.1:%s" % ENV["MEM_STORE_PORT"],
                   MIRROR_STORE_TIMEOUT_MAX_MS="100000", MIRROR_THREADS="4")
        self.proc = subprocess.Popen([ENV["MEM_BIN"], "--listen", self.sock],
                                     env=env, stdout=subprocess.DEVNULL,
                                     stderr=open(os.path.join(ENV["MEM_WORK"], name + ".log"), "w"))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if os.path.exists(self.sock) and self.ask("GET", "/healthz", b""):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("mirror-fcgi did not start")

    def ask(self, method, path, data):
        try:
            return fcgiclient.ask("unix:" + self.sock, method, path, data, timeout=120)
        except OSError:
            return None

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def split_cgi(raw):
    head, _, rest = raw.partition(b"\r\n\r\n")
    first = head.split(b"\r\n")[0].decode()
    return int(first.split()[1]), rest


class Memory(unittest.TestCase):
    def check_answer(self, raw, want):
        self.assertIsNotNone(raw, "no answer")
        code, data = split_cgi(raw)
        self.assertEqual(code, 200, data[:400])
        tel = json.loads(data)["telemetry"]
        self.assertFalse(tel["isPartial"])
        self.assertEqual([(p[1], p[0]) for p in tel["points"]], want)

    def run_case(self, name):
        end = START + CASES[name]
        want = expected(START, end)
        points = (end - START) // fakestore.STEP_MS
        size = sum(len(p) for p in fakestore.answer(START, end - 1))
        r = Responder(name)
        try:
            before = status(r.proc.pid)["VmRSS"]
            t0 = time.monotonic()
            raw = r.ask("POST", "/api/metric", body(end))
            seconds = time.monotonic() - t0
            peak = status(r.proc.pid)["VmHWM"]
            after = self.settled(r.proc.pid, before)
        finally:
            r.stop()
        self.check_answer(raw, want)
        limit = 2 * POINT_BYTES * points + 64 * MiB
        print("  %-6s answer %6.1f MB, %7d points, %.1f s: RSS before %5.1f MiB, "
              "peak +%6.1f MiB (limit +%5.1f), after +%5.1f MiB"
              % (name, size / 1e6, points, seconds, before / MiB,
                 (peak - before) / MiB, limit / MiB, (after - before) / MiB),
              flush=True)
        if ENV.get("MEM_REPORT") == "1":
            return
        self.assertLessEqual(peak - before, limit)
        self.assertLessEqual(after - before, 32 * MiB)

    def test_repeated(self):
        """Eight requests of mixed sizes on one responder: memory goes
        back after each, and the peak stays the largest one's."""
        order = ["13MB", "150MB", "22MB", "150MB", "13MB", "22MB", "150MB", "22MB"]
        wants = {n: expected(START, START + CASES[n]) for n in set(order)}
        r = Responder("repeated")
        afters = []
        try:
            before = status(r.proc.pid)["VmRSS"]
            for n in order:
                raw = r.ask("POST", "/api/metric", body(START + CASES[n]))
                self.check_answer(raw, wants[n])
                afters.append(self.settled(r.proc.pid, before) - before)
            peak = status(r.proc.pid)["VmHWM"] - before
        finally:
            r.stop()
        points = CASES["150MB"] // fakestore.STEP_MS
        print("  repeated: peak +%.1f MiB, after each +%s MiB" % (
            peak / MiB, " ".join("%.1f" % (a / MiB) for a in afters)), flush=True)
        if ENV.get("MEM_REPORT") == "1":
            return
        self.assertLessEqual(peak, 2 * POINT_BYTES * points + 64 * MiB)
        for a in afters:
            self.assertLessEqual(a, 32 * MiB)

    def settled(self, pid, before):
        """VmRSS once it is back within 32 MiB of before, or after 5 s."""
        deadline = time.monotonic() + 5
        rss = status(pid)["VmRSS"]
        while rss - before > 32 * MiB and time.monotonic() < deadline:
            time.sleep(0.05)
            rss = status(pid)["VmRSS"]
        return rss


def make_test(name):
    return lambda self: self.run_case(name)


for _name in ENV.get("MEM_CASES", " ".join(CASES)).split():
    setattr(Memory, "test_%s" % _name, make_test(_name))


if __name__ == "__main__":
    sys.exit(1 if mirrortest.run_tests(sys.modules[__name__], "memory",
                                       sys.argv[1:]) else 0)
