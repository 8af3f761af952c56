"""The answers the mirror must give for a series, computed independently
of its C code, from MIRROR-API.md's decisions 1-5: NaN rules, the raw
window, epoch-aligned buckets and the fourteen aggregation methods. Shared
by the store suites (tests/prometheus, tests/graphite). Standard library
only.
"""

import math

PERCENTILES = {"PERCENTILE_25": 0.25, "PERCENTILE_50": 0.50, "PERCENTILE_75": 0.75,
               "PERCENTILE_90": 0.90, "PERCENTILE_95": 0.95, "PERCENTILE_98": 0.98,
               "PERCENTILE_99": 0.99}
METHODS = ["MEAN"] + list(PERCENTILES) + ["MAX", "MIN", "SUM", "EVENT_COUNT",
                                          "SUM_NO_ZEROS", "EVENT_COUNT_NO_ZEROS"]


def clean(points, nan_as_zero=False):
    """Decision 5: NaN dropped, or 0 with nan_interpretation ZERO;
    infinities dropped. points: (t_ms, value) pairs."""
    out = []
    for t, v in points:
        if math.isnan(v):
            if nan_as_zero:
                out.append((t, 0.0))
        elif not math.isinf(v):
            out.append((t, v))
    return out


def raw(points, start, end, limit=None, latest_first=False, nan_as_zero=False):
    """Decision 4: [start, end), earliest `limit` points (latest with
    latestFirst), ascending; returns (points, isPartial)."""
    pts = [(t, v) for t, v in clean(points, nan_as_zero) if start <= t < end]
    if limit is None or limit >= len(pts):
        return pts, False
    return (pts[-limit:] if latest_first else pts[:limit]), True


def percentile(vals, p):
    """Decision 3: linear interpolation between closest ranks."""
    v = sorted(vals)
    r = p * (len(v) - 1)
    lo, hi = math.floor(r), math.ceil(r)
    return v[lo] + (r - lo) * (v[hi] - v[lo])


def plain_sum(vals):
    """Left to right, one rounding per addition, as agg.c adds (the sum()
    of Python 3.12 and later compensates, so it is not used)."""
    s = 0.0
    for v in vals:
        s += v
    return s


def reduce(method, vals):
    if method == "MEAN":
        return plain_sum(vals) / len(vals)
    if method in PERCENTILES:
        return percentile(vals, PERCENTILES[method])
    if method == "MAX":
        return max(vals)
    if method == "MIN":
        return min(vals)
    if method in ("SUM", "SUM_NO_ZEROS"):
        return plain_sum(vals)
    return float(len(vals))


def aggregate(points, start, end, bucket, method, nan_as_zero=False):
    """Decisions 1-2: epoch-aligned buckets intersecting [start, end),
    each from the points inside both; empty buckets are 0 for SUM and
    EVENT_COUNT and left out otherwise. Returns [value, start, end] rows."""
    pts = [(t, v) for t, v in clean(points, nan_as_zero) if start <= t < end]
    out = []
    k = start // bucket
    i = 0
    while k * bucket < end:
        b0, b1 = k * bucket, (k + 1) * bucket
        vals = []
        while i < len(pts) and pts[i][0] < b1:
            if pts[i][0] >= b0:
                vals.append(pts[i][1])
            i += 1
        if vals:
            out.append([reduce(method, vals), b0, b1])
        elif method in ("SUM", "EVENT_COUNT"):
            out.append([0.0, b0, b1])
        k += 1
    return out


def close(a, b):
    return a == b or abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
