"""Deterministic test data for the InfluxDB store, written with line
protocol, and the answers the mirror must give for it, computed here from
the same generated points (tests/lib/mirror_ref.py for decisions 1-5),
never read back from InfluxDB. Standard library only.

`python3 data.py DIR` writes DIR/<retention policy>.lp, one file per
retention policy, timestamps in ms.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from mirror_ref import (METHODS, PERCENTILES, aggregate, clean,  # noqa: E402,F401
                        percentile, raw, reduce)

# 2024-01-01T00:00:00Z: a fixed past range, so expected values never move.
BASE = 1704067200
HOURS = 4
END = BASE + HOURS * 3600
S = BASE * 1000
E = END * 1000

DB = "mt"
RP = "h1"            # the default policy: one-hour shards, so buckets span shards
ARCHIVE = "archive"  # a second policy, named in connectionDetails

# Tag values and a measurement name that need every kind of escaping.
ESCAPED = 'a b,c=d"e\\f\'g'
ESC_VALUES = [ESCAPED, "x.y", "xzy", "sl/ash", "q'uote"]
ODD_NAME = 'odd "m" x'

GROUP_MEASUREMENTS = (["app.web.%d" % i for i in range(30)] +
                      ["app.db.%d" % i for i in range(30)] +
                      ["batch_%d" % i for i in range(10)] + ["solo"])


def cpu1():
    """Every 15 s, a 15-minute gap; floats that do not add up exactly
    (sums depend on their order), an integer near 2^53, a boolean and a
    string. Returns [(t_ms, {field: value})]."""
    out = []
    for i in range(HOURS * 240):
        if 200 <= i < 260:
            continue
        t = (BASE + 15 * i) * 1000
        out.append((t, {"value": ((i * 7919) % 1000) / 10.0 - 37.3,
                        "user": 0.1 * (i % 11) + 1e-3 * i,
                        "n": 2 ** 53 + 3 * i - 700,
                        "up": i % 3 != 0,
                        "state": "ok" if i % 5 else "warn"}))
    return out


def cpu2():
    return [((BASE + 30 * i) * 1000, {"value": float((i * 31) % 17) / 3.0})
            for i in range(HOURS * 120)]


def mem1():
    """Integers whose sums pass 2^63: InfluxDB's own integer SUM wraps
    around; the mirror reads them as doubles."""
    return [((BASE + 60 * i) * 1000, {"used": 3 * 10 ** 18 + 12345 * i,
                                      "status": "fine"})
            for i in range(HOURS * 60)]


def disk1():
    return [((BASE + 60 * i) * 1000, {"free": 10.5 + i, "total": 100.0})
            for i in range(10)]


def huge():
    """Sums beyond double range: InfluxDB cannot write them."""
    return [((BASE + 60 * i) * 1000, {"value": 1.5e308}) for i in range(10)]


def cancel():
    """Six points around the 01:00 shard boundary whose sum in time order
    (24699.178) differs from the sum of the two shards' sums (24700)."""
    vals = [0.001, 12345.678, 1e16, -1e16, 12345.678, 7.5]
    ts = [-1000, -900, -800, 0, 100, 200]
    return [((BASE + 3600) * 1000 + t, {"value": v}) for t, v in zip(ts, vals)]


def archived():
    return [((BASE + 60 * i) * 1000, {"value": 100.0 + i}) for i in range(20)]


def series():
    """(retention policy, measurement, tags, points) of every series."""
    s = [
        (RP, "cpu", {"host": "web-1", "region": "eu-west"}, cpu1()),
        (RP, "cpu", {"host": "web-2", "region": "eu-west"}, cpu2()),
        (RP, "mem", {"host": "web-1"}, mem1()),
        (RP, "disk", {"host": "web-1"}, disk1()),
        (RP, "huge", {"host": "x"}, huge()),
        (RP, "cancel", {"host": "x"}, cancel()),
        (RP, ODD_NAME, {"host": "o"},
         [((BASE + 60 * i) * 1000, {"value": 5.0 + i}) for i in range(5)]),
        (ARCHIVE, "arch", {"host": "a"}, archived()),
    ]
    for k, v in enumerate(ESC_VALUES):
        s.append((RP, "esc", {"path": v},
                  [((BASE + 60 * i) * 1000, {"value": 10.0 * k + i}) for i in range(5)]))
    for name in GROUP_MEASUREMENTS:
        s.append((RP, name, {"svc": name.split(".")[0]}, [((BASE + 60) * 1000, {"value": 1.0})]))
    return s


def field_points(name, tags, field, rp=RP):
    """The (t, value) points of one field of one series, booleans as 1/0."""
    for p, m, tg, pts in series():
        if p == rp and m == name and tg == tags:
            return [(t, float(f[field])) for t, f in pts if field in f]
    raise KeyError((name, tags, field))


def measurements():
    """Every measurement: a database's, whatever its retention policy."""
    return sorted({m for _, m, _, _ in series()})


# --- line protocol ---------------------------------------------------------


def lp_measurement(m):
    return m.replace(",", "\\,").replace(" ", "\\ ")


def lp_tag(v):
    # InfluxDB 1.6 unescapes only "\,", "\=" and "\ " in tags; any other
    # backslash stays as written.
    return v.replace(",", "\\,").replace("=", "\\=").replace(" ", "\\ ")


def lp_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return "%di" % v
    if isinstance(v, float):
        return repr(v)
    return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')


def line_protocol(rp):
    lines = []
    for p, m, tags, pts in series():
        if p != rp:
            continue
        key = lp_measurement(m) + "".join(
            ",%s=%s" % (lp_tag(k), lp_tag(v)) for k, v in sorted(tags.items()))
        for t, fields in pts:
            fs = ",".join("%s=%s" % (k, lp_value(v)) for k, v in sorted(fields.items()))
            lines.append("%s %s %d" % (key, fs, t))
    return "\n".join(lines) + "\n"


# --- field values, as the mirror groups them (docs/INFLUXDB.md) -------------


def group(values, prefix="", threshold=50, offset=0, limit=2 ** 31 - 1):
    """Sorted distinct values starting with prefix; above threshold of them,
    values sharing the prefix plus text up to the next '.' or '_' become
    one pattern "<shared>*" (a group of one stays a value). Returns
    ([(value, _type)], isPartial) after offset and limit."""
    vals = sorted({v for v in values if v.startswith(prefix)},
                  key=lambda s: s.encode())
    grouping = threshold > 0 and len(vals) > threshold
    entries, i = [], 0
    while i < len(vals):
        v, n = vals[i], 0
        rest = v[len(prefix):]
        if grouping and rest:
            cut = [k for k in range(1, len(rest)) if rest[k] in "._"]
            n = len(prefix) + cut[0] + 1 if cut else 0
        j = i + 1
        while n and j < len(vals) and vals[j][:n] == v[:n]:
            j += 1
        if n and j > i + 1:
            entries.append((v[:n] + "*", "FieldValuePattern"))
        else:
            entries.append((v, "CompleteValue"))
            j = i + 1
        i = j
    page = entries[offset:offset + limit]
    return page, offset + limit < len(entries)


if __name__ == "__main__":
    for policy in (RP, ARCHIVE):
        with open(os.path.join(sys.argv[1], policy + ".lp"), "w") as f:
            f.write(line_protocol(policy))
