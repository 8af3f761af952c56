#!/usr/bin/env python3
"""Waits until graphite-web serves everything data.py sent through carbon:
every tagged series in the tag database, and every point of the main
tagged series (from carbon's cache or its whisper files). Polls with a
deadline; this reads the store only to know it is ready, never for
expected values.

  python3 wait_data.py GRAPHITE_URL T SECONDS
"""

import json
import sys
import time
import urllib.parse
import urllib.request

import data


def get(url, path, params):
    with urllib.request.urlopen("%s%s?%s" % (url, path, urllib.parse.urlencode(params)),
                                timeout=10) as r:
        return json.load(r)


def ready(url, T):
    found = get(url, "/tags/findSeries", {"expr": "name=~.+"})
    if not isinstance(found, list) or set(found) != set(data.all_tagged()):
        return False
    series = get(url, "/render", {"target": "seriesByTag('name=~^disk\\.')",
                                  "from": T - 1801, "until": T - 1, "format": "json"})
    have = {s["target"]: sum(v is not None for v, _ in s["datapoints"]) for s in series}
    return all(have.get(n) == len(data.tagged_points(n, T)) for n in data.TAGGED)


def main():
    url, T, secs = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        try:
            if ready(url, T):
                return 0
        except OSError:
            pass
        time.sleep(0.2)
    print("graphite tests: carbon's data did not reach graphite-web within %g s" % secs,
          file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
