"""Deterministic test data for the Prometheus backend, and the answers the
mirror must give for it, computed here independently of the mirror's C
code: from the same generated samples, with MIRROR-API.md's decisions
1-5 for windows and aggregation (tests/lib/mirror_ref.py) and
Prometheus' documented increase() for counters. Standard library only.

`python3 data.py FILE` writes the samples as OpenMetrics for
`promtool tsdb create-blocks-from openmetrics` (timestamps in seconds);
`python3 data.py --exposition FILE` as text exposition for
VictoriaMetrics' /api/v1/import/prometheus (timestamps in ms).
"""

import bisect
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from mirror_ref import (METHODS, PERCENTILES, aggregate, clean,  # noqa: E402,F401
                        percentile, raw, reduce)

# 2024-01-01T00:00:00Z: a fixed past range, so expected values never move.
# Prometheus is started with a retention long enough to keep it.
BASE = 1704067200
HOURS = 4
END = BASE + HOURS * 3600

GAUGE = "mt_gauge"
COUNTER = "mt_counter_total"


def gauge_a():
    """Every 15 s, a 15-minute gap, a NaN now and then; values are
    multiples of 1/8 so every sum is exact in binary floating point."""
    out = []
    for i in range(HOURS * 240):
        if 200 <= i < 260:
            continue
        t = BASE + 15 * i
        v = float("nan") if i % 97 == 5 else ((i * 7919) % 1000) / 8.0 - 20.0
        out.append((t * 1000, v))
    return out


def gauge_b():
    return [((BASE + 30 * i) * 1000, float((i * 31) % 17)) for i in range(HOURS * 120)]


def counter_a():
    """Every 15 s at 7 s past a multiple of 15 (never on a minute, so no
    sample sits on the boundary of a [t-60s, t] window), two resets and
    a 10-minute gap; integer values."""
    out, v = [], 0
    for i in range(HOURS * 240):
        if i in (300, 700):
            v = 0
        else:
            v += i % 5 + 1
        if 500 <= i < 540:
            continue
        out.append(((BASE + 7 + 15 * i) * 1000, float(v)))
    return out


def dense():
    """A 1 s gauge over 2 h, the shape of a dense store (the pushdown
    tests): 3-decimal values, so sums and interpolations round; samples
    on bucket boundaries and a millisecond before them; a 150 s gap
    (empty buckets, and buckets cut short); NaN now and then; one +Inf
    and one -Inf."""
    out = []
    for i in range(DENSE_S):
        if 1800 <= i < 1950:
            continue
        if i % 997 == 3:
            v = float("nan")
        elif i == 4000:
            v = float("inf")
        elif i == 5000:
            v = float("-inf")
        else:
            v = ((i * 7919) % 100000) / 1000.0 - 37.5
        # Every 11th a millisecond early: on a multiple of the bucket
        # size it is the last sample of the bucket before, which tells
        # the windows [t - R, t] and (t - R, t] apart.
        out.append(((BASE + i) * 1000 - (1 if i % 11 == 0 else 0), v))
    return out


DENSE = "mt_dense"
DENSE_S = 7200

ESCAPED = 'a"b\\c'   # label value with a quote and a backslash


def series():
    """(metric name, labels, samples) of every series."""
    s = [
        (GAUGE, {"job": "mt", "instance": "a"}, gauge_a()),
        (GAUGE, {"job": "mt", "instance": "b"}, gauge_b()),
        (COUNTER, {"job": "mt", "instance": "a"}, counter_a()),
        (DENSE, {"job": "mt", "instance": "d"}, dense()),
        ("mt_esc", {"job": "mt", "path": ESCAPED},
         [((BASE + 60 * i) * 1000, 1.0 + i) for i in range(5)]),
        ("mt_esc", {"job": "mt", "path": "x.y"},
         [((BASE + 60 * i) * 1000, 10.0 + i) for i in range(5)]),
        ("mt_esc", {"job": "mt", "path": "xzy"},
         [((BASE + 60 * i) * 1000, 20.0 + i) for i in range(5)]),
    ]
    for svc in GROUP_VALUES:
        s.append(("mt_grp", {"job": "mt", "svc": svc}, [((BASE + 60) * 1000, 1.0)]))
    return s


GROUP_VALUES = (["app.web.%d" % i for i in range(30)] +
                ["app.db.%d" % i for i in range(30)] +
                ["batch_%d" % i for i in range(10)] + ["solo"])


def om_escape(v):
    return v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def om_number(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(v)


def openmetrics():
    lines = []
    by_name = {}
    for name, labels, samples in series():
        by_name.setdefault(name, []).append((labels, samples))
    for name, group in by_name.items():
        for labels, samples in group:
            lab = ",".join('%s="%s"' % (k, om_escape(v)) for k, v in sorted(labels.items()))
            for t, v in samples:
                lines.append("%s{%s} %s %s" % (name, lab, om_number(v),
                                                "%d.%03d" % divmod(t, 1000)))
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


def exposition():
    """The same samples as Prometheus text exposition with timestamps in
    ms, for VictoriaMetrics' /api/v1/import/prometheus."""
    lines = []
    for name, labels, samples in series():
        lab = ",".join('%s="%s"' % (k, om_escape(v)) for k, v in sorted(labels.items()))
        for t, v in samples:
            lines.append("%s{%s} %s %d" % (name, lab, om_number(v), t))
    return "\n".join(lines) + "\n"


# --- what the mirror must answer ------------------------------------------


def prom_increase(samples, t, window=60000, rate=False):
    """Prometheus' increase()/rate() at time t over [t-window, t]
    (promql/functions.go extrapolatedRate, as documented: counter resets
    compensated, extrapolation to the window's edges unless the gap to an
    edge exceeds 1.1x the average sample spacing, and never below zero)."""
    pts = [(ts, v) for ts, v in samples if t - window <= ts <= t]
    if len(pts) < 2:
        return None
    result = pts[-1][1] - pts[0][1]
    last = 0.0
    for _, v in pts:
        if v < last:
            result += last
        last = v
    to_start = (pts[0][0] - (t - window)) / 1000.0
    to_end = (t - pts[-1][0]) / 1000.0
    sampled = (pts[-1][0] - pts[0][0]) / 1000.0
    avg = sampled / (len(pts) - 1)
    if result > 0 and pts[0][1] >= 0:
        to_zero = sampled * (pts[0][1] / result)
        if to_zero < to_start:
            to_start = to_zero
    threshold = avg * 1.1
    interval = sampled
    interval += to_start if to_start < threshold else avg / 2
    interval += to_end if to_end < threshold else avg / 2
    result = result * (interval / sampled)
    if rate:
        result /= window / 1000.0
    return result


def counter_points(samples, start, end, rate=False):
    """The mirror's counter series: increase over the 60 s ending at each
    multiple of 60 s in [start, end)."""
    out = []
    t = -(-start // 60000) * 60000
    while t < end:
        v = prom_increase(samples, t, rate=rate)
        if v is not None:
            out.append((t, v))
        t += 60000
    return out


def vm_increase(samples, t, window=60000, spacing=15000, rate=False):
    """MetricsQL's increase() (VictoriaMetrics docs/MetricsQL.md, rollup
    functions: windows (t-window, t], from the last sample before the
    window, no extrapolation, counter resets removed) where the window is
    regular: it holds a sample and the one before it is at most one
    sample spacing before the window. None elsewhere (the first window and
    windows next to gaps, where VictoriaMetrics guesses)."""
    adjusted, offset, prev = [], 0.0, None
    for ts, v in samples:
        if prev is not None and v < prev:
            offset += prev
        adjusted.append((ts, v + offset))
        prev = v
    inside = [v for ts, v in adjusted if t - window < ts <= t]
    before = [(ts, v) for ts, v in adjusted if ts <= t - window]
    if not inside or not before or before[-1][0] <= t - window - spacing:
        return None
    inc = inside[-1] - before[-1][1]
    return inc / (window / 1000.0) if rate else inc


def vm_last(samples, t, fn=lambda v: v, step=60000):
    """An instant selector in MetricsQL where a sample sits in the last
    step before t: that sample (VictoriaMetrics' lookback beyond one step
    depends on the sample interval it detects; not modelled)."""
    inside = [v for ts, v in samples if t - step < ts <= t]
    return fn(inside[-1]) if inside else None


def instant(times, samples, t, lookback=300000):
    """An instant selector at t: the newest sample in [t - 5m, t]
    (Prometheus' default lookback), NaN included. times: the samples'
    timestamps, ascending."""
    i = bisect.bisect_right(times, t) - 1
    if i < 0 or samples[i][0] < t - lookback:
        return None
    return samples[i][1]


def stepped(samples, start, end, step, fn=lambda v: v):
    """An expression over an instant selector, evaluated at every multiple
    of step in [start, end)."""
    times = [ts for ts, _ in samples]
    out = []
    t = -(-start // step) * step
    while t < end:
        v = instant(times, samples, t)
        if v is not None:
            out.append((t, fn(v)))
        t += step
    return out


if __name__ == "__main__":
    # data.py FILE: OpenMetrics for promtool; data.py --exposition FILE:
    # exposition text for VictoriaMetrics.
    text = exposition() if sys.argv[1] == "--exposition" else openmetrics()
    with open(sys.argv[-1], "w") as f:
        f.write(text)
