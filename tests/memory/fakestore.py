#!/usr/bin/env python3
"""A fake Prometheus on loopback that answers /api/v1/query with a matrix
of one dense series, generated on the fly (never held whole in memory):

  fakestore.py PORT

The series has a sample every STEP_MS ms; the sample at t ms has the value
value_n(t) / SCALE (exact in binary and in decimal, so a test can compute
sums exactly). An instant query of sel[<R>ms] at time T returns the
samples in [T-R, T], both ends included, as Prometheus 2.x does, written
the way Prometheus writes them: timestamps as float seconds without
trailing zeros, values as shortest decimal strings.
"""

import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STEP_MS = 10
SCALE = 65536
PER_SECOND = 1000 // STEP_MS
HEAD = (b'{"status":"success","data":{"resultType":"matrix","result":['
        b'{"metric":{"__name__":"mem","job":"memory"},"values":[')
TAIL = b']}]}}'
# Seconds are written into per-second templates at this mark.
MARK = b"@"


def value_n(t):
    """The sample at t ms is value_n(t) / SCALE."""
    s, ms = divmod(t, 1000)
    return class_n(s % 97, ms // STEP_MS)


def class_n(c, k):
    return (c * 600 + k * 6) * 64 + k % 61


def text(n):
    """n / SCALE as Prometheus writes a value: Go's shortest decimal
    ("1.5", "6", never "6.0")."""
    r = repr(n / SCALE)
    return (r[:-2] if r.endswith(".0") else r).encode()


def millis_suffix(ms):
    """".01" for 10 ms, "" for 0: Prometheus' float seconds."""
    return ("%.3f" % (ms / 1000))[1:].rstrip("0").rstrip(".").encode()


def pair(t):
    s, ms = divmod(t, 1000)
    return b'[%d%s,"%s"]' % (s, millis_suffix(ms), text(value_n(t)))


def templates():
    """For each s % 97, the samples of a whole second, MARK for s."""
    out = []
    for c in range(97):
        items = []
        for k in range(PER_SECOND):
            ms = k * STEP_MS
            items.append(b'[' + MARK + millis_suffix(ms) + b',"' +
                         text(class_n(c, k)) + b'"]')
        out.append(b",".join(items))
    return out


TEMPLATES = templates()


def samples(lo, hi):
    """Yields the JSON text of the samples in [lo, hi] ms, in pieces,
    with the commas between them."""
    t = -(-lo // STEP_MS) * STEP_MS
    first = True
    while t <= hi:
        s = t // 1000
        if t % 1000 == 0 and (s + 1) * 1000 - STEP_MS <= hi:
            piece = TEMPLATES[s % 97].replace(MARK, b"%d" % s)
            t = (s + 1) * 1000
        else:
            piece = pair(t)
            t += STEP_MS
        yield piece if first else b"," + piece
        first = False


def answer(lo, hi):
    yield HEAD
    buf = []
    size = 0
    for piece in samples(lo, hi):
        buf.append(piece)
        size += len(piece)
        if size >= 1 << 20:
            yield b"".join(buf)
            buf, size = [], 0
    buf.append(TAIL)
    yield b"".join(buf)


def window(form):
    """[T-R, T] in ms from query=sel[<R>ms] and time=T (seconds)."""
    query = form["query"][0]
    r = int(query[query.rindex("[") + 1:query.rindex("ms]")])
    t = round(float(form["time"][0]) * 1000)
    return t - r, t


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        form = urllib.parse.parse_qs(self.rfile.read(n).decode())
        if self.path != "/api/v1/query" or "query" not in form:
            self.send_error(404)
            return
        lo, hi = window(form)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in answer(lo, hi):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def main():
    server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
    server.daemon_threads = True
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
