"""Deterministic test data for the Graphite store, and what graphite-web
holds after it is written, computed here from the data alone (never read
back from Graphite): the tree, the whisper archives (including whisper's
own propagation of fine points into the coarser archive), the tags.

Everything is anchored at T, a whole hour at or before the time of
writing (run.sh passes it on): whisper picks the archive by the age of a
query's `from` relative to *now*, so the data must be recent.

  /usr/bin/python3 data.py whisper DIR T   writes the whisper files (python3-whisper)
  python3 data.py carbon PORT T URL        registers the tagged series with
                                           graphite-web at URL and sends their points
                                           to carbon's plaintext port PORT (carbon
                                           creates the files)

The expected answers use tests/lib/mirror_ref.py. Standard library only,
except whisper when writing.
"""

import math
import os
import socket
import sys

HOUR = 3600
DAY = 86400

# --- the tree ----------------------------------------------------------------

DCS = {
    "ams": ["web-%d" % i for i in range(1, 13)] + ["db-1", "db-2"],
    "fra": ["web-%d" % i for i in range(1, 7)] + ["db-1"],
    "nyc": ["web-%d" % i for i in range(1, 4)],
}
GROUPS = {
    "cpu": ["user", "system", "idle", "steal"],
    "mem": ["used", "free"],
    "disk": ["free", "used", "read_ops"],
    "net": ["rx", "tx"],
}
# A level holding a branch and leaves, and names Graphite's patterns
# would misread: the mirror must match them literally.
EXTRA = [
    "apps.checkout.latency", "apps.checkout.http.requests",
    "apps.checkout.http.errors", "apps.search.latency",
    "weird.a*b", "weird.axb", "weird.a?b", "weird.a[1]", "weird.a1",
    "weird.(paren)", "weird.it's", "weird.a=b", "weird.brace{x}",
    "weird.sub*dir.leaf", "weird.sub*dir.other", "weird.subxdir.leaf",
]

RICH_A = "servers.ams.web-1.cpu.user"      # 10 s for 8 h, 1 min for 7 days
RICH_B = "servers.ams.web-1.cpu.system"    # 1 min for 2 days
NAN_C = "servers.fra.db-1.disk.free"       # 10 s, with NaN and infinity

SCHEMA_A = [(10, 8 * HOUR // 10), (60, 7 * DAY // 60)]
SCHEMA_B = [(60, 2 * DAY // 60)]
SCHEMA_C = [(10, 8 * HOUR // 10)]
SCHEMA_LEAF = [(60, 120)]


def tree_paths():
    """Every leaf path, in a fixed order."""
    out = []
    for dc, hosts in DCS.items():
        for h in hosts:
            for g, metrics in GROUPS.items():
                out.extend("servers.%s.%s.%s.%s" % (dc, h, g, m) for m in metrics)
    return out + EXTRA


def children(prefix):
    """The mirror's answer for fieldValuePrefix `prefix` (literal, no
    trailing '*'): branches "<path>.*" first, then leaves, each sorted by
    bytes; the root hides carbon's _tagged store."""
    base = prefix[:prefix.rfind(".") + 1]
    branches, leaves = set(), set()
    for p in tree_paths():
        if not p.startswith(prefix):
            continue
        rest = p[len(base):]
        name = rest.split(".", 1)[0]
        if "." in rest:
            branches.add(base + name + ".*")
        else:
            leaves.add(base + name)
    key = lambda s: s.encode()
    return ([(b, "FieldValuePattern") for b in sorted(branches, key=key)] +
            [(v, "CompleteValue") for v in sorted(leaves, key=key)])


# --- the series' history ------------------------------------------------------


def fine_a(T):
    """RICH_A's 10 s points over [T-4h, T) as written: a 15-minute gap and
    every 13th step missing. (t_s, value)."""
    out = []
    for i in range(4 * HOUR // 10):
        if 600 <= i < 690 or i % 13 == 5:
            continue
        out.append((T - 4 * HOUR + 10 * i, ((i * 7919) % 1000) / 8.0 - 20.0))
    return out


def coarse_a_direct(T):
    """RICH_A's 1 min points over [T-2d, T-9h), older than its 10 s
    archive keeps, so whisper writes them to the 1 min archive; a 2-hour
    gap."""
    out = []
    for j in range((2 * DAY - 9 * HOUR) // 60):
        if 1000 <= j < 1120:
            continue
        out.append((T - 2 * DAY + 60 * j, ((j * 31) % 97) / 4.0))
    return out


def propagate(points, step, xff=0.0):
    """Whisper's propagation into a coarser archive (whisper.py,
    __propagate, aggregationMethod average): each coarse step holds the
    mean of the finer points inside it, in time order, when the known
    fraction reaches xFilesFactor (0 here: one point suffices)."""
    by = {}
    for t, v in points:
        by.setdefault(t - t % step, []).append(v)
    return [(t, float(sum(vs)) / float(len(vs))) for t, vs in sorted(by.items())]


def coarse_a(T):
    """RICH_A's 1 min archive: the direct points, then the propagated
    means of the 10 s points."""
    return coarse_a_direct(T) + propagate(fine_a(T), 60)


def points_b(T):
    return [(T - 4 * HOUR + 60 * j, float((j * 13) % 29) - 7.5)
            for j in range(240) if j % 7 != 3]


def points_c(T):
    """NaN every ninth step and one infinity: graphite-web writes NaN as
    null (a missing step) and infinity as 1e9999."""
    out = []
    for i in range(HOUR // 10):
        v = float("nan") if i % 9 == 4 else (float("inf") if i == 100 else i * 0.5)
        out.append((T - HOUR + 10 * i, v))
    return out


def leaf_point(k, T):
    """The one point of the k-th plain leaf."""
    return (T - 600 + (k % 10) * 60, float(k))


def ms(points):
    """(t_s, v) -> (t_ms, v), for mirror_ref."""
    return [(t * 1000, v) for t, v in points]


def as_graphite(points):
    """What graphite-web's JSON says of stored values: NaN is null (a
    missing point), so it is gone whatever nan_interpretation says."""
    return [(t, v) for t, v in points if not math.isnan(v)]


# --- tagged series (written through carbon) -------------------------------------

TAGGED = {
    "disk.used;dc=ams;host=web-1": 100.0,
    "disk.used;dc=ams;host=web-2": 200.0,
    "disk.used;dc=fra;host=db-1": 300.0,
    "disk.used;dc=fra;path=a.b": 400.0,
    "disk.used;dc=fra;path=axb": 500.0,
    "disk.used;q=it's": 600.0,
    'disk.used;q=a"b': 700.0,
    "disk.used;q=a\\b": 800.0,
    "disk.free;dc=ams;host=web-1": 900.0,
}
GROUP_VALUES = (["app.web.%d" % i for i in range(30)] +
                ["app.db.%d" % i for i in range(30)] +
                ["batch_%d" % i for i in range(10)] + ["solo"])


def tagged_points(name, T):
    """Every 10 s over [T-30min, T), every eleventh step missing."""
    base = TAGGED[name]
    return [(T - 1800 + 10 * i, base + i * 0.25) for i in range(180) if i % 11 != 3]


def group_series():
    return ["grp.count;svc=%s" % v for v in GROUP_VALUES]


def tags_of(name):
    parts = name.split(";")
    tags = dict(p.split("=", 1) for p in parts[1:])
    tags["name"] = parts[0]
    return tags


def all_tagged():
    return list(TAGGED) + group_series()


# --- writing ------------------------------------------------------------------------


def write_whisper(root, T):
    import whisper

    def make(path, schema, points):
        f = os.path.join(root, *path.split(".")) + ".wsp"
        os.makedirs(os.path.dirname(f), exist_ok=True)
        whisper.create(f, schema, xFilesFactor=0, aggregationMethod="average")
        if points:
            whisper.update_many(f, points)

    rich = {RICH_A: (SCHEMA_A, fine_a(T) + coarse_a_direct(T)),
            RICH_B: (SCHEMA_B, points_b(T)), NAN_C: (SCHEMA_C, points_c(T))}
    for k, p in enumerate(tree_paths()):
        schema, points = rich.get(p, (SCHEMA_LEAF, [leaf_point(k, T)]))
        make(p, schema, points)


def register_tags(graphite_url):
    """Enters the tagged series into graphite-web's tag database, as carbon
    does for each new series (carbon/database.py, tag()), but with a long
    timeout: the first writes to its SQLite database sync to disk once
    per series, slower than carbon's 5 s."""
    import urllib.parse
    import urllib.request
    form = urllib.parse.urlencode([("path", n) for n in all_tagged()]).encode()
    with urllib.request.urlopen(graphite_url + "/tags/tagMultiSeries", form,
                                timeout=120) as r:
        r.read()


def send_carbon(port, T):
    lines = []
    for name in TAGGED:
        lines.extend("%s %r %d\n" % (name, v, t) for t, v in tagged_points(name, T))
    for k, name in enumerate(group_series()):
        lines.append("%s %d %d\n" % (name, k, T - 600))
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall("".join(lines).encode())


if __name__ == "__main__":
    if sys.argv[1] == "whisper":
        write_whisper(sys.argv[2], int(sys.argv[3]))
    elif sys.argv[1] == "carbon":
        register_tags(sys.argv[4])
        send_carbon(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit("usage: data.py whisper DIR T | carbon PORT T GRAPHITE_URL")
