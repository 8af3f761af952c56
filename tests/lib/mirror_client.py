"""A StackState-shaped client of the mirror, and loopback fake stores, for
the suites that drive a real store through nginx (tests/prometheus,
tests/graphite). Standard library only.
"""

import http.client
import json
import socket
import ssl
import threading
import time

PATHS = {"TestConnectionRequest": "/api/connection",
         "FieldNamesRequest": "/api/field/name",
         "FieldValuesRequest": "/api/field/value",
         "MetricsRequest": "/api/metric"}


def cond(key, value):
    """An EqualityCondition; a list is an InSetValue."""
    if isinstance(value, list):
        v = {"value": value, "_type": "InSetValue"}
    elif isinstance(value, bool):
        v = {"value": value, "_type": "BooleanValue"}
    elif isinstance(value, float):
        v = {"value": value, "_type": "DoubleValue"}
    else:
        v = {"value": value, "_type": "StringValue"}
    return {"key": key, "value": v, "_type": "EqualityCondition"}


def connection_body(d):
    return {"_type": "TestConnectionRequest", "connectionDetails": d}


def names_body(d, conditions=(), start=None, end=None, limit=2147483647):
    q = {"conditions": list(conditions), "limit": limit, "latestFirst": False,
         "_type": "FieldNamesQuery"}
    if start is not None:
        q["startTime"], q["endTime"] = start, end
    return {"_type": "FieldNamesRequest", "connectionDetails": d, "query": q}


def values_body(d, field, conditions=(), prefix=None, offset=0,
                limit=2147483647, start=None, end=None):
    q = {"conditions": list(conditions),
         "field": {"_type": "FieldDescriptor", "classified": False,
                   "fieldName": field, "fieldType": "STRING"},
         "limit": limit, "offset": offset, "latestFirst": False,
         "_type": "FieldValuesQuery"}
    if start is not None:
        q["startTime"], q["endTime"] = start, end
    if prefix is not None:
        q["fieldValuePrefix"] = prefix
    return {"_type": "FieldValuesRequest", "connectionDetails": d, "query": q}


def metric_body(d, conditions, start, end, method=None, bucket=None,
                limit=100500, latest_first=False, metric_field=None):
    q = {"conditions": list(conditions), "startTime": start, "endTime": end,
         "limit": limit, "latestFirst": latest_first, "_type": "MetricsQuery"}
    if method is not None:
        q["aggregation"] = {"method": method, "bucketSizeMillis": bucket,
                            "_type": "Aggregation"}
    if metric_field is not None:
        q["metricField"] = metric_field
    return {"_type": "MetricsRequest", "connectionDetails": d, "query": q}


class Answer:
    def __init__(self, status, body, seconds):
        self.status, self.body, self.seconds = status, body, seconds

    def data(self):
        return json.loads(self.body)

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:400])


def host_port(url):
    rest = url.split("://", 1)[1]
    host, port = rest.rsplit(":", 1)
    return host, int(port)


class Mirror:
    """The mirror behind nginx: url https://localhost:PORT, its CA, a key."""

    def __init__(self, url, ca, key):
        self.url, self.ca, self.key = url, ca, key

    def ask(self, body, prefix="/stackstate"):
        """POSTs body to the mirror through nginx, as StackState does."""
        host, port = host_port(self.url)
        ctx = ssl.create_default_context(cafile=self.ca)
        conn = http.client.HTTPSConnection(host, port, timeout=60, context=ctx)
        t0 = time.monotonic()
        try:
            conn.request("POST", prefix + PATHS[body["_type"]],
                         body=json.dumps(body).encode(),
                         headers={"Content-Type": "application/json",
                                  "X-MIRROR-API-KEY": self.key})
            r = conn.getresponse()
            return Answer(r.status, r.read().decode(), time.monotonic() - t0)
        finally:
            conn.close()


def points(answer):
    t = answer.data()["telemetry"]
    return t["points"], t["isPartial"]


class Listener:
    """A loopback TCP listener that counts the connections it accepts;
    `serve` answers them (None: accept and never answer)."""

    def __init__(self, port, serve=None):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(16)
        self.serve = serve
        self.accepted = 0
        self.requests = []
        self.held = []
        self.stopping = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stopping:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.held.append(c)
            if self.serve is not None:
                threading.Thread(target=self.serve, args=(self, c), daemon=True).start()

    def close(self):
        self.stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        # Also end the connections the mirror keeps alive, so that no
        # later test talks to this listener's threads.
        for c in self.held:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            c.close()
        self.thread.join(5)


def read_request(c):
    """Reads one HTTP/1.1 request; returns (request line, headers, body)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = c.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, body = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    n = int(headers.get("content-length", "0"))
    while len(body) < n:
        body += c.recv(65536)
    return lines[0], headers, body


def http_reply(status, ctype, body):
    """Bytes of an HTTP/1.1 answer with a Content-Length."""
    return (b"HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
            % (status.encode(), ctype.encode(), len(body))) + body
