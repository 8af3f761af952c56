#!/usr/bin/env python3
"""Two hostile fake stores on 127.0.0.1, for tests/bulkhead/run.sh.

  --hang PORT   accepts every connection, reads what it is sent, and
                never answers (a store whose process hangs).
  --drop PORT   listens but never accepts; its accept queue is filled
                first, so the kernel drops every further SYN and a
                connect hangs (a store whose packets are dropped). The
                script checks that a connect really hangs before it
                reports ready.

Writes "ready" to --ready FILE once both listen, then runs until killed.
Standard library only; loopback only.
"""

import argparse
import selectors
import socket
import sys
import time


def drop_listener(port):
    """A listener whose accept queue is full: Linux drops a SYN when the
    queue of a listening socket is full (it holds backlog + 1)."""
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(0)
    fillers = []
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        probe = socket.socket()
        probe.settimeout(0.3)
        try:
            probe.connect(("127.0.0.1", port))
        except (socket.timeout, TimeoutError):
            probe.close()
            return lsock, fillers
        fillers.append(probe)
    sys.exit("hostile.py: connects to the drop port still succeed")


def serve(hang_port, drop_port, ready):
    sel = selectors.DefaultSelector()
    hang = socket.socket()
    hang.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    hang.bind(("127.0.0.1", hang_port))
    hang.listen(128)
    sel.register(hang, selectors.EVENT_READ)
    keep = drop_listener(drop_port)
    with open(ready, "w") as f:
        f.write("ready %d fillers\n" % len(keep[1]))
    while True:
        for key, _ in sel.select():
            s = key.fileobj
            if s is hang:
                c, _ = hang.accept()
                sel.register(c, selectors.EVENT_READ)
                continue
            try:
                data = s.recv(65536)
            except OSError:
                data = b""
            if not data:           # the mirror gave up: forget the socket
                sel.unregister(s)
                s.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hang", type=int, required=True)
    p.add_argument("--drop", type=int, required=True)
    p.add_argument("--ready", required=True)
    a = p.parse_args()
    serve(a.hang, a.drop, a.ready)


if __name__ == "__main__":
    main()
