#!/usr/bin/env python3
"""A minimal FastCGI client (one request per connection) for tests that
talk to a responder directly, without nginx:

  fcgiclient.py unix:/path/to.sock|HOST:PORT [METHOD [PATH [BODY]]]

Prints the responder's raw CGI answer (Status: line, headers, body), or
"NO ANSWER: <why>" and exits 1 when the responder closed the connection
without answering (e.g. libfcgi refusing a client address not in
FCGI_WEB_SERVER_ADDRS). FCGI_CLIENT_SOURCE=ADDR connects from that
address (a loopback one, e.g. 127.0.0.2).
"""

import os
import socket
import struct
import sys

VERSION, BEGIN, END, PARAMS, STDIN, STDOUT, STDERR = 1, 1, 3, 4, 5, 6, 7


def record(kind, content, rid=1):
    return struct.pack(">BBHHBx", VERSION, kind, rid, len(content), 0) + content


def pair(name, value):
    n, v = name.encode(), value.encode()
    def length(b):
        return bytes([len(b)]) if len(b) < 128 else struct.pack(">I", len(b) | 0x80000000)
    return length(n) + length(v) + n + v


def ask(address, method="GET", path="/healthz", body=b"", timeout=10):
    if address.startswith("unix:"):
        s = socket.socket(socket.AF_UNIX)
        target = address[5:]
    else:
        host, port = address.rsplit(":", 1)
        s = socket.socket()
        target = (host, int(port))
        if os.environ.get("FCGI_CLIENT_SOURCE"):
            s.bind((os.environ["FCGI_CLIENT_SOURCE"], 0))
    s.settimeout(timeout)
    s.connect(target)
    params = {"REQUEST_METHOD": method, "DOCUMENT_URI": path,
              "REQUEST_URI": path, "CONTENT_LENGTH": str(len(body)),
              "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1"}
    out = record(BEGIN, struct.pack(">HB5x", 1, 0))
    out += record(PARAMS, b"".join(pair(k, v) for k, v in params.items()))
    out += record(PARAMS, b"")
    if body:
        out += record(STDIN, body)
    out += record(STDIN, b"")
    try:
        s.sendall(out)
    except OSError:             # closed at once: refused by address
        s.close()
        return None
    answer = b""
    buf = b""
    while True:
        try:
            chunk = s.recv(65536)
        except OSError:
            chunk = b""
        if not chunk:
            s.close()
            return None if not answer else answer
        buf += chunk
        while len(buf) >= 8:
            _, kind, _, clen, plen = struct.unpack(">BBHHB", buf[:7])
            if len(buf) < 8 + clen + plen:
                break
            content = buf[8:8 + clen]
            buf = buf[8 + clen + plen:]
            if kind == STDOUT:
                answer += content
            elif kind == END:
                s.close()
                return answer


def main():
    a = sys.argv[1:]
    answer = ask(a[0], *(a[1:3]), body=a[3].encode() if len(a) > 3 else b"")
    if answer is None:
        print("NO ANSWER: the responder closed the connection")
        sys.exit(1)
    sys.stdout.write(answer.decode(errors="replace"))


if __name__ == "__main__":
    main()
