#!/usr/bin/env python3
"""The service manager's end of sd_notify(3) for systemd_notify.sh.

    notify_listener.py SOCKET LOG SECONDS

Binds a unix datagram socket at SOCKET (mode 0666: mailmapd sends after
dropping root) and appends each message to LOG as one line,
"<monotonic seconds> <fields joined by |>", until SECONDS have passed
(bounded) or SIGTERM.
"""
import os
import signal
import socket
import sys
import time


def main():
    path, log_path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o666)
    end = time.monotonic() + seconds
    with open(log_path, "a", buffering=1) as log:
        while time.monotonic() < end:
            sock.settimeout(max(0.1, end - time.monotonic()))
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            fields = data.decode("utf-8", "replace").strip().split("\n")
            log.write("%.3f %s\n" % (time.monotonic(), "|".join(fields)))


if __name__ == "__main__":
    main()
