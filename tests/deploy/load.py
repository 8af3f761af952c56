#!/usr/bin/env python3
"""A bounded HTTPS load loop that counts every answer by status, for the
failover tests (tests/pool): N threads, each on its own kept-alive
connection, POST mirror requests until the time or the request budget
runs out. A request that fails below HTTP (reset, refused, timeout)
counts as an error and the thread reconnects.

  load.py URL --ca CA [--threads 16] [--seconds 8] [--max-requests 200000]
          [--key api_key] [--path /api/metric] [--body FILE ...]
          [--stop-file FILE]

Prints one JSON object: requests, status counts, error counts, seconds,
req/s, and the first few non-200 answers with their time offsets. With
--stop-file, the load also ends as soon as FILE exists: a test creates it
once the events it drives are over (a condition, not a guess of how long
they take), and --seconds is then only a deadline.
"""

import argparse
import http.client
import json
import os
import ssl
import sys
import threading
import time


def worker(args, bodies, deadline, budget, stats, lock, t0):
    host, port = args.url.split("//", 1)[1].rsplit(":", 1)
    ctx = ssl.create_default_context(cafile=args.ca)
    conn = None
    i = 0
    while time.monotonic() < deadline:
        if args.stop_file and os.path.exists(args.stop_file):
            return
        with lock:
            if budget[0] <= 0:
                return
            budget[0] -= 1
        body = bodies[i % len(bodies)]
        i += 1
        try:
            if conn is None:
                conn = http.client.HTTPSConnection(host, int(port), timeout=30,
                                                   context=ctx)
            conn.request("POST", args.path, body=body,
                         headers={"Content-Type": "application/json",
                                  "X-MIRROR-API-KEY": args.key})
            r = conn.getresponse()
            data = r.read()
            key = str(r.status)
            if r.status != 200 or r.getheader("Connection", "") == "close":
                conn.close()
                conn = None
        except Exception as e:     # below HTTP: counted, then reconnect
            key = "error:" + type(e).__name__
            data = str(e).encode()
            if conn is not None:
                conn.close()
            conn = None
        with lock:
            stats["counts"][key] = stats["counts"].get(key, 0) + 1
            if key != "200" and len(stats["bad"]) < 10:
                stats["bad"].append([round(time.monotonic() - t0, 3), key,
                                     data[:200].decode(errors="replace")])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--ca", required=True)
    p.add_argument("--threads", type=int, default=16)
    p.add_argument("--seconds", type=float, default=8)
    p.add_argument("--max-requests", type=int, default=200000)
    p.add_argument("--key", default="api_key")
    p.add_argument("--path", default="/api/metric")
    p.add_argument("--body", action="append", required=True)
    p.add_argument("--stop-file")
    args = p.parse_args()
    bodies = []
    for f in args.body:
        with open(f, "rb") as fh:
            bodies.append(fh.read())
    stats = {"counts": {}, "bad": []}
    lock = threading.Lock()
    t0 = time.monotonic()
    deadline = t0 + min(args.seconds, 120)
    budget = [args.max_requests]
    threads = [threading.Thread(target=worker, daemon=True,
                                args=(args, bodies, deadline, budget, stats,
                                      lock, t0))
               for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(args.seconds + 60)
    seconds = time.monotonic() - t0
    total = sum(stats["counts"].values())
    json.dump({"requests": total, "counts": stats["counts"],
               "non_200": total - stats["counts"].get("200", 0),
               "seconds": round(seconds, 2), "rps": round(total / seconds),
               "first_bad": stats["bad"]}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
