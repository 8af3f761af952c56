#!/usr/bin/env python3
"""What the mirror must answer for the Prometheus data the console suite
loads: computed by tests/prometheus/data.py from the samples it wrote,
never from the mirror. Reads one JSON request per argument,
{"series": "gauge_a", "start": ms, "end": ms, "method": null|"MEAN"|...,
"bucket": ms}, prints a JSON list of answers: points as the mirror writes
them, [value, t] raw or [value, start, end] aggregated."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "prometheus"))
import data  # noqa: E402

SERIES = {"gauge_a": data.gauge_a, "gauge_b": data.gauge_b}


def answer(q):
    samples = SERIES[q["series"]]()
    if not q.get("method"):
        pts, _ = data.raw(samples, q["start"], q["end"])
        return [[v, t] for t, v in pts]
    return data.aggregate(samples, q["start"], q["end"], q["bucket"], q["method"])


if __name__ == "__main__":
    print(json.dumps({"base_ms": data.BASE * 1000,
                      "answers": [answer(json.loads(a)) for a in sys.argv[1:]]}))
