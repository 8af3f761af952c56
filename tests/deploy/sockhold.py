#!/usr/bin/env python3
"""Holds a listening unix socket and runs a FastCGI responder on it (the
socket as its fd 0), the way systemd's stackstate-mirror.socket does, so
that tests can restart the responder the way `systemctl restart` does
without systemd:

  sockhold.py SOCKET MODE USER PIDFILE -- COMMAND...

  SIGHUP   restart: SIGTERM to the responder, wait for it to exit (it
           finishes its requests in flight), start a new one on the same
           socket. Connections arriving meanwhile wait in the socket's
           backlog, which this process keeps open.
  SIGTERM  stop the responder the same way, then exit with its status.

PIDFILE holds the current responder's PID; every responder exit status
is printed to stderr ("sockhold: pid N exited with S").
"""

import os
import pwd
import signal
import socket
import sys
import time


def main():
    path, mode, user, pidfile = sys.argv[1:5]
    assert sys.argv[5] == "--"
    cmd = sys.argv[6:]
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    os.chmod(path, int(mode, 8))
    pw = pwd.getpwnam(user) if user != "-" else None
    if pw and os.getuid() == 0:
        os.chown(path, pw.pw_uid, pw.pw_gid)
    s.listen(1024)
    s.set_inheritable(True)

    def start():
        pid = os.fork()
        if pid == 0:
            os.dup2(s.fileno(), 0)
            if pw and os.getuid() == 0:
                os.setgroups([])
                os.setgid(pw.pw_gid)
                os.setuid(pw.pw_uid)
            os.execvp(cmd[0], cmd)
        with open(pidfile, "w") as f:
            f.write("%d\n" % pid)
        return pid

    def stop(pid):
        os.kill(pid, signal.SIGTERM)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        sys.stderr.write("sockhold: pid %d exited with %d\n" % (pid, code))
        sys.stderr.flush()
        return code

    events = []
    signal.signal(signal.SIGHUP, lambda *_: events.append("restart"))
    signal.signal(signal.SIGTERM, lambda *_: events.append("stop"))
    child = start()
    while True:
        if not events:
            time.sleep(0.05)     # interrupted by the signals above
            continue
        ev = events.pop(0)
        if ev == "restart":
            stop(child)
            child = start()
        else:
            code = stop(child)
            os.unlink(path)
            sys.exit(code)


if __name__ == "__main__":
    main()
