#!/usr/bin/env python3
"""The InfluxDB 1.x store against a real influxd, through the whole
stack: StackState-shaped requests over HTTPS to nginx (the shipped
configuration), the FastCGI responder, and influxd on loopback.

tests/influxdb/run.sh writes the data of data.py into influxd, starts
everything and sets the IT_* variables read below; run that script
rather than this file. Every expected answer is computed in data.py
from the generated points, never read back from InfluxDB. Standard
library only.
"""

import base64
import json
import os
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import data  # first: puts tests/lib on the path
import mirror_client
from mirror_client import Listener, Mirror, cond, points, read_request
from mirror_ref import close

ENV = os.environ
MIRROR = ENV.get("IT_MIRROR_URL", "")
CA = ENV.get("IT_CA", "")
KEY = ENV.get("IT_KEY", "api_key")
INFLUX = ENV.get("IT_INFLUX_URL", "")
AUTH = ENV.get("IT_AUTH_URL", "")
INFLUX_LOG = ENV.get("IT_INFLUX_LOG", "")
HANG_PORT = int(ENV.get("IT_HANG_PORT", "0"))
FAKE_PORT = int(ENV.get("IT_FAKE_PORT", "0"))
DOWN_PORT = int(ENV.get("IT_DOWN_PORT", "0"))
OUTSIDE_PORT = int(ENV.get("IT_OUTSIDE_PORT", "0"))
STORE_TIMEOUT_MS = int(ENV.get("IT_STORE_TIMEOUT_MS", "3000"))
MAX_STORE_BYTES = int(ENV.get("IT_STORE_MAX_BYTES", "1048576"))
MAX_BUCKETS = int(ENV.get("IT_MAX_BUCKETS", "11000"))
PHASE = ENV.get("IT_PHASE", "")

S, E = data.S, data.E
MIN = 60000
WEB1 = {"host": "web-1", "region": "eu-west"}
WEB2 = {"host": "web-2", "region": "eu-west"}


def details(url=None, **extra):
    d = {"backend": "influxdb", "url": url or INFLUX, "database": data.DB}
    d.update(extra)
    return d


ask = Mirror(MIRROR, CA, KEY).ask


# Request bodies with this suite's connectionDetails unless given others.
def connection_body(d=None):
    return mirror_client.connection_body(d or details())


def names_body(conditions=(), start=None, end=None, limit=2147483647, d=None):
    return mirror_client.names_body(d or details(), conditions, start, end, limit)


def values_body(field, conditions=(), prefix=None, offset=0, limit=2147483647,
                d=None, start=S, end=E):
    return mirror_client.values_body(d or details(), field, conditions, prefix,
                                     offset, limit, start, end)


def metric_body(conditions, start, end, method=None, bucket=None, limit=100500,
                latest_first=False, d=None):
    return mirror_client.metric_body(d or details(), conditions, start, end, method,
                                     bucket, limit, latest_first)


def meas(name):
    return cond("_measurement", name)


CPU1 = [meas("cpu"), cond("host", "web-1")]
CPU2 = [meas("cpu"), cond("host", "web-2")]


def cpu1(field="value"):
    return data.field_points("cpu", WEB1, field)


def metric_field(body, field):
    body["query"]["metricField"] = field
    return body


def influx_direct(query, url=None, **params):
    """Asks influxd itself (only to prove a point about InfluxDB, never
    for an expected value)."""
    p = {"db": data.DB, "q": query, "epoch": "ms"}
    p.update(params)
    with urllib.request.urlopen("%s/query?%s" % (url or INFLUX, urllib.parse.urlencode(p)),
                                timeout=30) as r:
        return json.loads(r.read())


class QueryLog:
    """The statements influxd logged (query-log-enabled) since it was
    opened: what the mirror asked for."""

    def __init__(self):
        self.start = os.path.getsize(INFLUX_LOG)

    def statements(self):
        with open(INFLUX_LOG, encoding="utf-8", errors="replace") as f:
            f.seek(self.start)
            return [line for line in f if "Executing query" in line]


# --- fake stores ------------------------------------------------------------


def reply(c, status, ctype, body):
    c.sendall(b"HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
              % (status, ctype, len(body)) + body)


def fake_store(listener, c):
    """By the first path segment of the base URL: /garbage: 200 HTML for
    everything; /notinflux: a web server answering /ping with 404;
    /big: a /query answer larger than the mirror's cap; /inf: InfluxDB's
    failure to encode an infinite sum; /record: InfluxDB-like answers,
    remembering each request."""
    dbs = b'{"results":[{"statement_id":0,"series":[{"name":"databases",' \
          b'"columns":["name"],"values":[["mt"]]}]}]}\n'
    keys = b'{"results":[{"statement_id":0,"series":[{"name":"cpu","columns":' \
           b'["fieldKey","fieldType"],"values":[["value","float"],["n","integer"]]}]}]}\n'
    one = b'{"results":[{"statement_id":0,"series":[{"name":"cpu","tags":{"host":' \
          b'"a"},"columns":["time","v"],"values":[[%d,1]]}]}]}\n' % S
    try:
        while True:
            req = read_request(c)
            if req is None:
                return
            listener.requests.append(req)
            path = req[0].split(" ")[1]
            if path.startswith("/garbage"):
                reply(c, b"200 OK", b"text/html", b"<html>not influx</html>")
            elif path.startswith("/notinflux"):
                reply(c, b"404 Not Found", b"text/html", b"<html>no</html>")
            elif path.startswith("/big") and "/query" in path:
                reply(c, b"200 OK", b"application/json", b'{"results":[{"x":"' +
                      b"x" * (MAX_STORE_BYTES + 10) + b'"}]}\n')
            elif path.startswith("/inf") and "/query" in path:
                reply(c, b"200 OK", b"application/json",
                      b"json: error calling MarshalJSON for type httpd.Response: "
                      b"json: unsupported value: +Inf\n")
            elif path.endswith("/ping"):
                c.sendall(b"HTTP/1.1 204 No Content\r\nX-Influxdb-Version: 1.8.10\r\n\r\n")
            elif "SHOW%20FIELD%20KEYS" in path:
                reply(c, b"200 OK", b"application/json", keys)
            elif "SELECT" in path:
                reply(c, b"200 OK", b"application/json", one)
            else:
                reply(c, b"200 OK", b"application/json", dbs)
    except OSError:
        pass
    finally:
        c.close()


def with_fake(fn):
    fake = Listener(FAKE_PORT, fake_store)
    try:
        return fn(fake)
    finally:
        fake.close()


def fake_url(path):
    return "http://127.0.0.1:%d/%s" % (FAKE_PORT, path)


# --- the tests ----------------------------------------------------------------


class Connection(unittest.TestCase):
    def failure(self, d):
        a = ask(connection_body(d))
        self.assertEqual(a.status, 200, a)
        body = a.data()
        self.assertEqual((body["status"], body["error"]["_type"]),
                         ("FAILURE", "MetricStoreConnectionError"), body)
        return body["error"]["details"], a

    def test_ok(self):
        a = ask(connection_body())
        self.assertEqual((a.status, a.data()), (200, {"status": "OK",
                                                      "_type": "TestConnectionResponse"}))

    def test_url_and_database_mean_influxdb(self):
        """No backend: a url with a database is InfluxDB, not Prometheus."""
        a = ask(connection_body({"url": INFLUX, "database": data.DB}))
        self.assertEqual(a.data()["status"], "OK", a)
        why, _ = self.failure({"url": INFLUX, "database": "nope"})
        self.assertIn('database "nope" does not exist', why)

    def test_unknown_database(self):
        why, _ = self.failure(details(database="nope"))
        self.assertEqual(why, 'database "nope" does not exist, or these credentials '
                         'may not read it (databases they may read: mt)')

    def test_store_down(self):
        why, _ = self.failure(details("http://127.0.0.1:%d" % DOWN_PORT))
        self.assertIn("cannot reach http://127.0.0.1:%d" % DOWN_PORT, why)

    def test_store_never_answers(self):
        hang = Listener(HANG_PORT)
        try:
            why, a = self.failure(details("http://127.0.0.1:%d" % HANG_PORT,
                                          requestTimeout=1000))
        finally:
            hang.close()
        self.assertEqual(why, "no answer from http://127.0.0.1:%d within 1000 ms" % HANG_PORT)
        self.assertLess(a.seconds, 2.5)

    def test_not_influxdb(self):
        why, _ = with_fake(lambda f: self.failure(details(fake_url("notinflux"))))
        self.assertEqual(why, "%s is not InfluxDB: /ping answered HTTP 404 (InfluxDB "
                         "answers 204)" % fake_url("notinflux"))
        why, _ = with_fake(lambda f: self.failure(details(fake_url("garbage"))))
        self.assertIn("is not InfluxDB /query JSON: <html>not influx</html>", why)

    def test_auth(self):
        why, _ = self.failure(details(AUTH))
        self.assertEqual(why, "InfluxDB refused the credentials (HTTP 401): unable "
                         "to parse authentication credentials")
        why, _ = self.failure(details(AUTH, username="reader", password="wrong"))
        self.assertEqual(why, "InfluxDB refused the credentials (HTTP 401): "
                         "authorization failed")
        for user, pw in (("reader", "r3ad"), ("admin", "adm pw")):
            a = ask(connection_body(details(AUTH, username=user, password=pw)))
            self.assertEqual(a.data()["status"], "OK", a)
        why, _ = self.failure(details(AUTH, database="other", username="reader",
                                      password="r3ad"))
        self.assertEqual(why, 'database "other" does not exist, or these credentials '
                         'may not read it (databases they may read: mt)')

    def test_credentials_sent(self):
        """Basic auth for username/password, "Token" for a token; neither
        travels in the URL."""
        def go(fake):
            ask(connection_body(details(fake_url("record"), username="u", password="p w")))
            ask(connection_body(details(fake_url("record"), token="u:tok en")))
            return fake.requests
        reqs = with_fake(go)
        self.assertEqual(len(reqs), 4)
        self.assertEqual(reqs[1][1]["authorization"],
                         "Basic " + base64.b64encode(b"u:p w").decode())
        self.assertEqual(reqs[3][1]["authorization"], "Token u:tok en")
        for line, _, _ in reqs:
            self.assertNotIn("p%20w", line)
            self.assertNotIn("tok", line)
        self.assertTrue(reqs[1][0].startswith("GET /record/query?db=mt&epoch=ms&q=SHOW%20DATABASES "),
                        reqs[1][0])

    def test_bad_details(self):
        for d, why in (({"backend": "influxdb", "url": INFLUX},
                        "connectionDetails.database is required"),
                       (details(database=""), "connectionDetails.database is empty"),
                       (details(token="a\r\nX: y"), "connectionDetails.token holds a line break"),
                       (details(token="t", username="u"),
                        "give connectionDetails.token or username/password, not both")):
            a = ask(connection_body(d))
            self.assertEqual(a.status, 400, a)
            self.assertIn(why, a.data()["details"])

    def test_outside_allowlist(self):
        outside = Listener(OUTSIDE_PORT)
        try:
            bodies = [connection_body(details("http://127.0.0.1:%d" % OUTSIDE_PORT)),
                      metric_body(CPU1, S, E, d=details("http://127.0.0.1:%d" % OUTSIDE_PORT)),
                      names_body(d=details("http://u@127.0.0.1:%d/" % OUTSIDE_PORT))]
            answers = [ask(b) for b in bodies]
            time.sleep(0.3)
        finally:
            outside.close()
        for a in answers:
            self.assertEqual(a.status, 400, a)
            self.assertRegex(a.data()["details"], "allowlist|refused")
        self.assertEqual(outside.accepted, 0)


def recorded_queries(*bodies):
    """The /query parameters the mirror sent the recording fake store for
    each body, in order."""
    def go(fake):
        for b in bodies:
            ask(b)
        return fake.requests
    out = []
    for line, _, _ in with_fake(go):
        target = line.split(" ")[1]
        if "/query?" in target:
            out.append(dict(urllib.parse.parse_qsl(target.split("?", 1)[1])))
    return out


class Statements(unittest.TestCase):
    """The exact InfluxQL the mirror sends, and the parameters it goes
    with (the recording fake store answers as InfluxDB would)."""

    def test_raw(self):
        d = details(fake_url("record"), retention_policy="r p")
        q = recorded_queries(metric_body([meas("cpu"), cond("host", ["a", "b'c"])],
                                         S, E, limit=7, latest_first=True, d=d))
        self.assertEqual(q, [
            {"db": "mt", "epoch": "ms", "q": 'SHOW FIELD KEYS FROM "r p"."cpu"'},
            {"db": "mt", "epoch": "ms", "chunked": "true", "chunk_size": "10000",
             "q": 'SELECT "value" FROM "r p"."cpu" WHERE ("host" = \'a\' OR "host" = '
                  '\'b\\\'c\') AND time >= %dms AND time < %dms GROUP BY * ORDER BY '
                  'time DESC LIMIT 8' % (S, E)}])

    def test_pushed_down(self):
        d = details(fake_url("record"))
        conds = [meas("cpu"), cond("host", "a")]
        q = recorded_queries(metric_body(conds, S, E, "MEAN", 420000, d=d),
                             metric_field(metric_body(conds, S, E, "MAX", 420000, d=d), "n"),
                             metric_body(conds, S, E, "EVENT_COUNT", 420000, d=d))
        where = '"host" = \'a\' AND time >= %dms AND time < %dms' % (S, E)
        limit = (E - 1) // 420000 - S // 420000 + 2   # the buckets, and one more
        self.assertEqual([x["q"] for x in q if "GROUP BY time(" in x["q"]], [
            'SELECT mean("value") FROM (SELECT "value"::float AS "value" FROM "cpu" '
            'WHERE %s GROUP BY *) WHERE time >= %dms AND time < %dms GROUP BY '
            'time(420000ms), * fill(none) LIMIT %d' % (where, S, E, limit),
            'SELECT max("n") FROM "cpu" WHERE %s GROUP BY time(420000ms), * '
            'fill(none) LIMIT %d' % (where, limit),
            'SELECT count("value") FROM "cpu" WHERE %s GROUP BY time(420000ms), * '
            'fill(0) LIMIT %d' % (where, limit)])

    def test_schema(self):
        d = details(fake_url("record"))
        q = recorded_queries(
            names_body([meas("cpu"), cond("host", "a")], S, E, d=d),
            values_body("_measurement", [cond("host", "a")], prefix="app.w*", d=d),
            values_body("host", [meas("cpu"), cond("host", "z"), cond("dc", "x")],
                        prefix="w.", offset=3, limit=4,
                        d=details(fake_url("record"), value_group_threshold=0)))
        self.assertEqual([x["q"] for x in q], [
            'SHOW TAG KEYS FROM "cpu" WHERE "host" = \'a\' AND time >= %dms AND '
            'time < %dms; SHOW FIELD KEYS FROM "cpu"' % (S, E),
            'SHOW MEASUREMENTS WITH MEASUREMENT =~ /^app\\x2ew/ WHERE "host" = '
            '\'a\' LIMIT 5000001',
            'SHOW TAG VALUES FROM "cpu" WITH KEY = "host" WHERE "dc" = \'x\' AND '
            '"host" =~ /^w\\x2e/ AND time >= %dms AND time < %dms LIMIT 8' % (S, E)])


class FieldNames(unittest.TestCase):
    def names(self, body):
        a = ask(body)
        self.assertEqual(a.status, 200, a)
        d = a.data()
        self.assertEqual(d["_type"], "FieldNamesResponse")
        for f in d["fields"]:
            self.assertEqual((f["_type"], f["classified"]), ("FieldDescriptor", False))
        return [(f["fieldName"], f["fieldType"]) for f in d["fields"]], d["isPartial"]

    @staticmethod
    def expected(measurements, rp=data.RP):
        tags, fields = set(), {}
        for p, m, tg, pts in data.series():
            if m not in measurements:
                continue
            tags |= set(tg)
            if p != rp:
                continue
            for _, f in pts:
                for k, v in f.items():
                    fields.setdefault(k, "BOOLEAN" if isinstance(v, bool) else
                                      "STRING" if isinstance(v, str) else "NUMBER")
        out = [("_measurement", "STRING")] + [(t, "STRING") for t in sorted(tags)]
        return out + [(k, fields[k]) for k in sorted(fields) if k not in tags]

    def test_one_measurement(self):
        got, partial = self.names(names_body([meas("cpu")]))
        self.assertEqual((got, partial), (self.expected({"cpu"}), False))
        self.assertEqual(got, [("_measurement", "STRING"), ("host", "STRING"),
                               ("region", "STRING"), ("n", "NUMBER"), ("state", "STRING"),
                               ("up", "BOOLEAN"), ("user", "NUMBER"), ("value", "NUMBER")])

    def test_all(self):
        got, _ = self.names(names_body())
        names = {m for _, m, _, _ in data.series()}
        # Field keys of every retention policy's shards.
        want = self.expected(names)
        want += [("value", "NUMBER")] if ("value", "NUMBER") not in want else []
        self.assertEqual(got, want)

    def test_narrowed_by_tags(self):
        """SHOW TAG KEYS takes the conditions; SHOW FIELD KEYS takes only
        the measurement."""
        got, _ = self.names(names_body([meas("esc"), cond("path", "x.y")]))
        self.assertEqual(got, [("_measurement", "STRING"), ("path", "STRING"),
                               ("value", "NUMBER")])
        got, _ = self.names(names_body([meas("cpu"), cond("host", "nope")]))
        self.assertEqual(got, [("_measurement", "STRING"), ("n", "NUMBER"),
                               ("state", "STRING"), ("up", "BOOLEAN"),
                               ("user", "NUMBER"), ("value", "NUMBER")])

    def test_time_range_by_shard(self):
        """InfluxDB 1.6 applies the range of SHOW TAG KEYS by shard: a
        month before the data (no shard) lists no tag; any range with a
        shard lists the tags of the whole database (its in-memory index
        is per database). Field keys are not narrowed by time."""
        got, _ = self.names(names_body([meas("cpu")], S - 30 * 86400000, S - 29 * 86400000))
        self.assertEqual(got, [f for f in self.expected({"cpu"})
                               if f[0] not in ("host", "region")])
        got, _ = self.names(names_body([meas("cpu")], S, S + 60000))
        self.assertEqual(got, self.expected({"cpu"}))

    def test_limit(self):
        got, partial = self.names(names_body([meas("cpu")], limit=3))
        self.assertEqual((got, partial), (self.expected({"cpu"})[:3], True))

    def test_contradiction(self):
        got, partial = self.names(names_body([meas("cpu"), meas("mem")]))
        self.assertEqual((got, partial), ([], False))


class FieldValues(unittest.TestCase):
    def values(self, body):
        a = ask(body)
        self.assertEqual(a.status, 200, a)
        d = a.data()
        self.assertEqual(d["_type"], "FieldValuesResponse")
        return [(v["value"], v["_type"]) for v in d["values"]], d["isPartial"]

    def test_measurements_grouped(self):
        names = data.measurements()
        self.assertEqual(self.values(values_body("_measurement")), data.group(names))
        self.assertIn(("app.*", "FieldValuePattern"), data.group(names)[0])
        for prefix in ("app.", "app.web.", "app.web.*", "batch_", "c"):
            self.assertEqual(self.values(values_body("_measurement", prefix=prefix)),
                             data.group(names, prefix.rstrip("*")), prefix)

    def test_measurements_offset_limit(self):
        names = data.measurements()
        for prefix, offset, limit, threshold in (("app.web.", 5, 10, 50),
                                                 ("app.web.", 25, 10, 50),
                                                 ("", 3, 7, 0), ("", 0, 1, 0),
                                                 ("", 70, 100, 0), ("", 2, 2, 50)):
            body = values_body("_measurement", prefix=prefix, offset=offset, limit=limit,
                               d=details(value_group_threshold=threshold))
            self.assertEqual(self.values(body),
                             data.group(names, prefix, threshold, offset, limit),
                             (prefix, offset, limit, threshold))

    def test_measurements_narrowed_by_tags(self):
        self.assertEqual(self.values(values_body("_measurement", [cond("host", "web-2")])),
                         ([("cpu", "CompleteValue")], False))
        got = self.values(values_body("_measurement", [cond("svc", "app")]))
        self.assertEqual(got, data.group([n for n in data.GROUP_MEASUREMENTS
                                          if n.startswith("app.")]))

    def test_tag_values(self):
        self.assertEqual(self.values(values_body("host", [meas("cpu")])),
                         ([("web-1", "CompleteValue"), ("web-2", "CompleteValue")], False))
        # The listed field's own condition does not narrow its values.
        self.assertEqual(self.values(values_body("host", [meas("cpu"), cond("host", "web-1")])),
                         ([("web-1", "CompleteValue"), ("web-2", "CompleteValue")], False))
        # Over every measurement, each value once.
        hosts = sorted({tg["host"] for _, _, tg, _ in data.series() if "host" in tg})
        self.assertEqual(self.values(values_body("host")), data.group(hosts))

    def test_escaped_prefixes(self):
        """Prefixes with regex and literal specials ('.', '\\', '/', '\'',
        '"', ' ') match literally."""
        for prefix in ("x.", "x", "sl/", "q'", 'a b,c=d"e\\', "a b,c=d\"e\\f'g", "."):
            got = self.values(values_body("path", [meas("esc")], prefix=prefix))
            self.assertEqual(got, data.group(data.ESC_VALUES, prefix), prefix)

    def test_field_key_has_no_values(self):
        self.assertEqual(self.values(values_body("value", [meas("cpu")])), ([], False))


class Raw(unittest.TestCase):
    def check(self, conditions, want_points, start, end, limit=100500, latest=False,
              d=None, field=None):
        body = metric_body(conditions, start, end, limit=limit, latest_first=latest, d=d)
        if field is not None:
            metric_field(body, field)
        a = ask(body)
        self.assertEqual(a.status, 200, a)
        self.assertEqual(a.data()["telemetry"]["_type"], "RawMetricTelemetry")
        got, partial = points(a)
        want, want_partial = data.raw(want_points, start, end, limit, latest)
        self.assertEqual([g[1] for g in got], [w[0] for w in want])
        self.assertEqual([g[0] for g in got], [w[1] for w in want])
        self.assertEqual(partial, want_partial)
        return got

    def test_whole_range(self):
        self.assertGreater(len(self.check(CPU1, cpu1(), S, E)), 800)

    def test_boundaries(self):
        got = self.check(CPU1, cpu1(), S + 15000 * 10, S + 15000 * 20)
        self.assertEqual((got[0][1], got[-1][1], len(got)), (S + 150000, S + 15000 * 19, 10))

    def test_limit_and_latest_first(self):
        """The limit goes to InfluxDB (LIMIT n+1, newest first for
        latestFirst); the answer is ascending, isPartial exact."""
        for limit in (1, 7, 899, 900, 901):
            log = QueryLog()
            self.check(CPU1, cpu1(), S, E, limit=limit)
            self.check(CPU1, cpu1(), S, E, limit=limit, latest=True)
            sent = "".join(log.statements())
            self.assertIn("ORDER BY time ASC LIMIT %d" % (limit + 1), sent)
            self.assertIn("ORDER BY time DESC LIMIT %d" % (limit + 1), sent)

    def test_chunks_agree(self):
        """Chunks of 97 points: the answer is the one-chunk answer."""
        self.check(CPU1, cpu1(), S + 1234, E - 4321, d=details(chunk_size=97))
        self.check(CPU1, cpu1(), S, E, limit=500, latest=True, d=details(chunk_size=97))

    def test_fields(self):
        """value is the default (several numeric fields); an integer near
        2^53 reads as the double it rounds to; booleans are 1 and 0."""
        self.check(CPU1, cpu1("n"), S, E, field="n")
        self.check(CPU1, cpu1("up"), S, E, field="up")
        self.check(CPU1, cpu1("user"), S, E, field="user")
        # mem has one numeric field: it is the default.
        self.check([meas("mem")], data.field_points("mem", {"host": "web-1"}, "used"), S, E)

    def test_in_set_value(self):
        self.check([meas("cpu"), cond("host", ["web-1"])], cpu1(), S, E)
        self.check([meas("cpu"), cond("host", ["web-2", "nope"])],
                   data.field_points("cpu", WEB2, "value"), S, E)
        self.check([meas(["cpu", "nope"]), cond("host", "web-2")],
                   data.field_points("cpu", WEB2, "value"), S, E)
        # Two _measurement conditions: the measurements both name.
        self.check([meas(["cpu", "mem"]), meas(["cpu", "disk"]), cond("host", "web-2")],
                   data.field_points("cpu", WEB2, "value"), S, E)

    def test_long_in_set_value(self):
        """600 values of 500 bytes: a statement over 256 KiB goes as a POST
        form, and still selects the one series."""
        many = ["h%03d-" % i + "x" * 495 for i in range(600)] + ["web-2"]
        log = QueryLog()
        self.check([meas("cpu"), cond("host", many)],
                   data.field_points("cpu", WEB2, "value"), S, E)
        self.assertTrue(any(len(line) > 300000 for line in log.statements()))

    def test_escaped_values(self):
        for v in data.ESC_VALUES:
            self.check([meas("esc"), cond("path", v)],
                       data.field_points("esc", {"path": v}, "value"), S, E)
            self.check([meas("esc"), cond("path", [v, "nope"])],
                       data.field_points("esc", {"path": v}, "value"), S, E)
        # "." is no wildcard: x.y must not also match xzy.
        self.check([meas("esc"), cond("path", ["x.y"])],
                   data.field_points("esc", {"path": "x.y"}, "value"), S, E)
        self.check([meas(data.ODD_NAME)],
                   data.field_points(data.ODD_NAME, {"host": "o"}, "value"), S, E)

    def test_retention_policy(self):
        self.check([meas("arch")], data.field_points("arch", {"host": "a"}, "value",
                                                     rp=data.ARCHIVE),
                   S, E, d=details(retention_policy=data.ARCHIVE))

    def test_auth(self):
        self.check(CPU1, cpu1(), S, E, d=details(AUTH, username="reader", password="r3ad"))
        a = ask(metric_body(CPU1, S, E, d=details(AUTH)))
        self.assertEqual(a.status, 502, a)
        self.assertEqual(a.data(), {"_type": "MetricStoreConnectionError", "details":
                                    "InfluxDB refused the credentials (HTTP 401): "
                                    "unable to parse authentication credentials"})

    def test_empty_range(self):
        for start, end in ((S + 1, S + 2), (S - 3600000, S)):
            a = ask(metric_body(CPU1, start, end))
            self.assertEqual((a.status, points(a)), (200, ([], False)))

    def test_no_nan_in_influxdb(self):
        """InfluxDB refuses NaN and infinities, so nan_interpretation has
        nothing to act on: ZERO answers as SKIP does."""
        for v in ("NaN", "+Inf", "-Inf"):
            req = urllib.request.Request("%s/write?db=%s&precision=ms" % (INFLUX, data.DB),
                                         data=("nan v=%s %d" % (v, S)).encode())
            with self.assertRaises(urllib.error.HTTPError) as ctx:
                urllib.request.urlopen(req, timeout=10)
            self.assertEqual(ctx.exception.code, 400)
        self.check(CPU1, cpu1(), S, E, d=details(nan_interpretation="ZERO"))


class Aggregated(unittest.TestCase):
    def ask_buckets(self, conditions, start, end, method, bucket, d=None, field=None):
        body = metric_body(conditions, start, end, method, bucket, d=d)
        if field is not None:
            metric_field(body, field)
        a = ask(body)
        self.assertEqual(a.status, 200, a)
        t = a.data()["telemetry"]
        self.assertEqual((t["_type"], t["dataFormat"]),
                         ("AggregatedMetricTelemetry",
                          ["value", "startTimestamp", "endTimestamp"]))
        return t["points"], t["isPartial"]

    def check(self, conditions, pts, start, end, method, bucket, d=None, field=None):
        got, partial = self.ask_buckets(conditions, start, end, method, bucket, d, field)
        want = data.aggregate(pts, start, end, bucket, method)
        self.assertEqual([g[1:] for g in got], [w[1:] for w in want], method)
        for g, w in zip(got, want):
            self.assertTrue(close(g[0], w[0]), (method, g, w))
        self.assertFalse(partial)
        return got

    def test_every_method(self):
        """All fourteen methods over a range with a gap and edges cut by the
        range, with buckets that divide the hour and buckets that do not
        (25 minutes: they also span the one-hour shards)."""
        for method in data.METHODS:
            for bucket in (7 * MIN, 25 * MIN):
                with self.subTest(method=method, bucket=bucket):
                    self.check(CPU1, cpu1(), S + 17000, E - 29000, method, bucket)

    def test_every_method_other_fields(self):
        for method in data.METHODS:
            with self.subTest(method=method):
                self.check(CPU1, cpu1("n"), S, E, method, 13 * MIN, field="n")
                self.check(CPU1, cpu1("up"), S, E, method, 30 * MIN, field="up")

    def test_pushdown_equals_engine(self):
        """Each method InfluxDB computes (MEAN, SUM, SUM_NO_ZEROS, MIN, MAX,
        EVENT_COUNT, EVENT_COUNT_NO_ZEROS) gives what the engine gives from
        the raw points (pushdown: false), bounds exactly and values within
        1e-12 relative: floats whose sums depend on their order, integers
        near 2^53 and integers whose sum passes 2^63, a gap (empty buckets),
        edge buckets cut by the range, buckets that do not divide the range
        and span shards, and a range starting before the data."""
        cases = [(CPU1, "value"), (CPU1, "n"), ([meas("mem")], "used"),
                 (CPU1, "user")]
        ranges = [(S + 17000, E - 29000), (S - 1800000 + 1, S + 5400000)]
        log = QueryLog()
        pushed = buckets = 0
        worst = 0.0
        for method in ("MEAN", "SUM", "SUM_NO_ZEROS", "MIN", "MAX", "EVENT_COUNT",
                       "EVENT_COUNT_NO_ZEROS"):
            for conds, field in cases:
                for start, end in ranges:
                    for bucket in (7 * MIN, 25 * MIN, 3600000):
                        args = (conds, start, end, method, bucket)
                        with self.subTest(method=method, field=field, bucket=bucket):
                            p = self.ask_buckets(*args, field=field, d=details(
                                nan_interpretation="ZERO" if pushed % 2 else "SKIP"))
                            e = self.ask_buckets(*args, field=field,
                                                 d=details(pushdown=False))
                            self.assertEqual([x[1:] for x in p[0]], [x[1:] for x in e[0]])
                            for x, y in zip(p[0], e[0]):
                                diff = abs(x[0] - y[0])
                                self.assertLessEqual(diff, 1e-12 * max(abs(x[0]), abs(y[0])),
                                                     (x, y))
                                worst = max(worst, diff / max(abs(x[0]), abs(y[0]), 1e-300))
                            self.assertEqual(p[1], e[1])
                            pushed += 1
                            buckets += len(p[0])
        grouped = [s for s in log.statements() if "GROUP BY time(" in s]
        self.assertEqual(len(grouped), pushed)
        print("\n    pushed down = engine: %d answers, %d buckets, largest relative "
              "difference %g" % (pushed, buckets, worst), file=sys.stderr)

    def test_pushdown_follows_shards_in_order(self):
        """A plain InfluxQL SUM adds each shard's points apart: around the
        01:00 shard boundary it is 24700, where the sum in time order (the
        engine's) is 24699.178. The mirror's pushed-down SUM and MEAN are
        the engine's."""
        q = ("SELECT sum(value) FROM cancel WHERE time >= %dms AND time < %dms"
             % (S, E))
        direct = influx_direct(q)["results"][0]["series"][0]["values"][0][1]
        self.assertEqual(direct, 24700)
        pts = data.field_points("cancel", {"host": "x"}, "value")
        for method in ("SUM", "MEAN"):
            got = self.check([meas("cancel")], pts, S, E, method, 4 * 3600000)
            self.assertEqual(got[0][0], data.reduce(method, [v for _, v in pts]))
        self.assertEqual(data.reduce("SUM", [v for _, v in pts]), 24699.178)

    def test_not_pushed(self):
        """Percentiles, booleans and sums beyond double range come from the
        engine: InfluxDB's PERCENTILE is nearest-rank, MEAN of a boolean
        fails, and an infinite sum cannot be written in its JSON."""
        log = QueryLog()
        self.check(CPU1, cpu1(), S, E, "PERCENTILE_90", 10 * MIN)
        self.check(CPU1, cpu1("up"), S, E, "MEAN", 10 * MIN, field="up")
        self.assertEqual([s for s in log.statements() if "GROUP BY time(" in s], [])
        huge = data.field_points("huge", {"host": "x"}, "value")
        for method in ("SUM", "MEAN", "SUM_NO_ZEROS"):
            got = self.check([meas("huge")], huge, S, E, method, 3600000)
            self.assertEqual(got[0][0], data.reduce(method, [v for _, v in huge]))

    def test_max_buckets(self):
        """One-second buckets over 4 h: cut at MIRROR_MAX_BUCKETS (SUM and
        EVENT_COUNT, whose empty buckets count) or not (MEAN), pushed down
        or not: the same buckets and isPartial."""
        for method in ("SUM", "MEAN", "EVENT_COUNT"):
            p = self.ask_buckets(CPU1, S, E, method, 1000)
            e = self.ask_buckets(CPU1, S, E, method, 1000, d=details(pushdown=False))
            self.assertEqual(p, e)
            want = data.aggregate(cpu1(), S, E, 1000, method)
            self.assertEqual(p[1], len(want) > MAX_BUCKETS, method)
            self.assertEqual([x[1:] for x in p[0]], [w[1:] for w in want[:MAX_BUCKETS]])
        self.assertTrue(p[1])

    def test_empty_series_range(self):
        """No point in the range: SUM and EVENT_COUNT report zeros, the
        others nothing, as the engine does."""
        start, end = S - 7200000, S - 3600000
        self.assertEqual(self.ask_buckets(CPU1, start, end, "SUM", 1800000),
                         ([[0.0, start, start + 1800000],
                           [0.0, start + 1800000, end]], False))
        self.assertEqual(self.ask_buckets(CPU1, start, end, "MEAN", 1800000), ([], False))


def error(a):
    return a.status, a.data()


class Errors(unittest.TestCase):
    def test_several_series(self):
        for conds, tags in (([meas("cpu")], "host"),
                            ([meas("cpu"), cond("host", ["web-1", "web-2"])], "host"),
                            ([meas("esc")], "path"),
                            ([meas(["huge", "cancel"])], "_measurement")):
            status, d = error(ask(metric_body(conds, S, E)))
            self.assertEqual((status, d["_type"]), (400, "RemoteMirrorError"))
            self.assertEqual(d["details"], "the conditions select more than one series; "
                             "they differ in: %s. Add a condition on these tags so "
                             "that one series remains" % tags)
        status, d = error(ask(metric_body([meas("cpu")], S, E, "MEAN", MIN)))
        self.assertEqual((status, d["details"][:58]),
                         (400, "the conditions select more than one series; they differ in"))

    def test_not_found(self):
        status, d = error(ask(metric_body([meas("nope")], S, E)))
        self.assertEqual((status, d), (500, {
            "_type": "MetricNotFoundError", "metric": '"nope"',
            "details": 'no such measurement in database mt: "nope"'}))
        status, d = error(ask(metric_body([meas("cpu"), cond("host", "x'y")], S, E)))
        self.assertEqual((status, d), (500, {
            "_type": "MetricNotFoundError", "metric": '"cpu" WHERE "host" = \'x\\\'y\'',
            "details": 'no series matches in database mt: "cpu" WHERE "host" = \'x\\\'y\''}))

    def test_fields(self):
        cases = [
            (metric_field(metric_body(CPU1, S, E), "state"), 400,
             {"_type": "UnsupportedFieldTypeError", "mirrorType": "STRING"}),
            (metric_field(metric_body(CPU1, S, E), "nope"), 400,
             {"_type": "RemoteMirrorError", "summary": "invalid request",
              "details": 'the measurement has no field "nope"; its field keys: n (NUMBER), '
                         'state (STRING), up (BOOLEAN), user (NUMBER), value (NUMBER)'}),
            (metric_body([meas("disk")], S, E), 400,
             {"_type": "RemoteMirrorError", "summary": "invalid request",
              "details": "name the field in metricField; the measurement's field keys: "
                         "free (NUMBER), total (NUMBER)"}),
            (metric_body([cond("host", "web-1")], S, E), 400,
             {"_type": "RemoteMirrorError", "summary": "invalid request",
              "details": "the conditions name no measurement: add a condition on "
                         "_measurement"}),
            (metric_body(CPU1 + [cond("value", 1.5)], S, E), 400,
             {"_type": "RemoteMirrorError", "summary": "invalid request",
              "details": 'condition key "value" is a field of the measurement, not a '
                         'tag: conditions select series by their tags; name the field '
                         'in metricField'}),
            (metric_body(CPU1 + [cond("time", "x")], S, E), 400,
             {"_type": "RemoteMirrorError", "summary": "invalid request",
              "details": 'condition key "time" is InfluxDB\'s timestamp; the range is '
                         'startTime and endTime'}),
            (metric_body(CPU1 + [cond("host", [])], S, E), 400,
             {"_type": "RemoteMirrorError", "summary": "invalid request",
              "details": 'the InSetValue of condition "host" is empty'}),
        ]
        for body, status, want in cases:
            self.assertEqual(error(ask(body)), (status, want))

    def test_store_errors(self):
        status, d = error(ask(metric_body(CPU1, S, E, d=details(retention_policy="nope"))))
        self.assertEqual((status, d["_type"]), (500, "RemoteMirrorError"))
        self.assertIn("retention policy not found: nope", d["details"])

    def test_store_down(self):
        status, d = error(ask(metric_body(CPU1, S, E,
                                          d=details("http://127.0.0.1:%d" % DOWN_PORT))))
        self.assertEqual((status, d["_type"]), (502, "MetricStoreConnectionError"))

    def test_store_hangs(self):
        hang = Listener(HANG_PORT)
        try:
            a = ask(metric_body(CPU1, S, E, d=details("http://127.0.0.1:%d" % HANG_PORT,
                                                      request_timeout_seconds=1)))
        finally:
            hang.close()
        self.assertEqual(error(a), (504, {"_type": "MetricStoreConnectionError",
                                          "details": "no answer from http://127.0.0.1:%d "
                                                     "within 1000 ms" % HANG_PORT}))
        self.assertLess(a.seconds, 2.5)

    def test_garbage(self):
        a = with_fake(lambda f: ask(metric_body(CPU1, S, E, d=details(fake_url("garbage")))))
        self.assertEqual(error(a), (502, {
            "_type": "MetricStoreConnectionError",
            "details": "the store's answer (HTTP 200, text/html) is not InfluxDB /query "
                       "JSON: <html>not influx</html>"}))
        a = with_fake(lambda f: ask(names_body(d=details(fake_url("big")))))
        self.assertEqual(a.status, 500, a)
        self.assertIn("exceeds the mirror's %d-byte limit" % MAX_STORE_BYTES,
                      a.data()["details"])

    def test_infinite_sum_text(self):
        """InfluxDB's text for a sum it cannot encode is a store error (the
        raw path never asks for sums)."""
        a = with_fake(lambda f: ask(names_body(d=details(fake_url("inf")))))
        self.assertEqual(error(a), (500, {
            "_type": "RemoteMirrorError", "summary": "metric store error",
            "details": "InfluxDB could not write a value it computed (an infinite "
                       "sum): json: error calling MarshalJSON for type httpd.Response: "
                       "json: unsupported value: +Inf "}))


class StoreDown(unittest.TestCase):
    """Run by run.sh after it stopped influxd: 502s, and the responder
    keeps serving other stores."""

    def test_metric_502(self):
        status, d = error(ask(metric_body(CPU1, S, E)))
        self.assertEqual((status, d["_type"]), (502, "MetricStoreConnectionError"))

    def test_connection_failure(self):
        self.assertEqual(ask(connection_body()).data()["status"], "FAILURE")

    def test_others_still_served(self):
        a = ask(connection_body(details(AUTH, username="reader", password="r3ad")))
        self.assertEqual(a.data()["status"], "OK")


class StoreBack(unittest.TestCase):
    """Run by run.sh after it restarted influxd on the same port: the
    kept-alive handles recover from their dead connections."""

    def test_answers_again(self):
        for _ in range(6):   # more than one worker thread's handle
            a = ask(metric_body(CPU1, S, S + 3600000))
            self.assertEqual(a.status, 200, a)
            self.assertEqual(points(a)[0][0][1], S)


def main():
    names = sys.argv[1:]
    loader = unittest.TestLoader()
    if names:
        suite = unittest.TestSuite(loader.loadTestsFromName(n, sys.modules[__name__])
                                   for n in names)
    else:
        suite = unittest.TestSuite(
            loader.loadTestsFromTestCase(c)
            for c in (Connection, Statements, FieldNames, FieldValues, Raw, Aggregated,
                      Errors))
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    failed = len(result.failures) + len(result.errors)
    print("influxdb%s: %d passed, %d failed" % (
        " (" + PHASE + ")" if PHASE else "", result.testsRun - failed, failed))
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
