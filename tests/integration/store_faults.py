"""The config store under a running mailmapd (see the .sh): replaced by
another file (a restore moving a new data.mdb into place), deleted, made
unreadable, truncated under load. While a prober asks without pause,
lookups must answer TEMP while the store is broken and never NOTFOUND for
an address that exists, the daemon must stay up, and the right answers
must come back without a restart."""
import os
import shutil
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, check, connect, finish  # noqa: E402

D = Daemon(*sys.argv[1:4])
SOCK = os.path.join(D.run, "socketmap.sock")
DATA = os.path.join(D.store, "config", "data.mdb")
OTHER = os.path.join(D.work, "other")
WAIT = 10  # seconds at most for each change to be seen


def ask(s, key):
    payload = b"mailboxes " + key
    s.sendall(b"%d:%s," % (len(payload), payload))
    buf = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            return None
        buf += chunk
        head, sep, rest = buf.partition(b":")
        if sep and len(rest) > int(head):
            return rest[:int(head)]


def ask_once(key):
    try:
        s = connect(SOCK)
        reply = ask(s, key)
        s.close()
        return reply
    except OSError:
        return None


def wait_for(key, prefix):
    end = time.monotonic() + WAIT
    while time.monotonic() < end:
        reply = ask_once(key)
        if reply is not None and reply.startswith(prefix):
            return reply
        time.sleep(0.05)
    return ask_once(key)


class Prober(threading.Thread):
    """Asks for an address that always exists, without pause."""

    def __init__(self):
        super().__init__()
        self.stop = threading.Event()
        self.counts = {}
        self.bad = []

    def run(self):
        s = None
        while not self.stop.is_set():
            try:
                s = s or connect(SOCK)
                reply = ask(s, b"user@example.com")
            except OSError:
                reply = None
            if reply is None:  # closed after a fault: ask again
                kind = "reconnect"
                s = None
            else:
                kind = reply.split(b" ")[0].decode()
                if kind not in ("OK", "TEMP"):
                    self.bad.append(reply)
            self.counts[kind] = self.counts.get(kind, 0) + 1


def make_other_store():
    r = subprocess.run([D.mailmapctl, "--store", OTHER, "batch", "-"],
                       input="customer add acme\noffer add acme/basic\n"
                             "domain add example.com customer=acme\n"
                             "mailbox add user@example.com offer=acme/basic\n"
                             "mailbox add user2@example.com offer=acme/basic\n",
                       capture_output=True, text=True)
    check(r.returncode == 0, "a second store to restore from " + r.stderr)


def readable_by_daemon(path):
    if os.geteuid() == 0:
        subprocess.run(["chgrp", "mailmap", path], check=True)
    os.chmod(path, 0o660)


def main():
    D.batch("customer add acme\noffer add acme/basic\n"
            "domain add example.com customer=acme\n"
            "mailbox add user@example.com offer=acme/basic\n")
    make_other_store()
    D.permissions()
    D.write_config(f'''store: {{ dir = "{D.store}"; }};
daemon: {{ user = "{D.user()}"; workers = 2; log_level = "info"; }};
listeners = ( {{ protocol = "socketmap"; path = "{SOCK}"; mode = "0666"; }} );
''')
    proc = D.start(SOCK)
    prober = Prober()
    prober.start()
    try:
        faults(proc)
    finally:
        prober.stop.set()
        prober.join(30)
    print(f"  prober: {prober.counts}")
    check(not prober.bad, f"never a wrong answer for an existing address: {prober.bad[:3]}")
    check(proc.poll() is None, f"mailmapd is alive (exit {proc.poll()})")
    status = D.stop()
    check(status == 0, f"SIGTERM stops cleanly (exit {status})")
    finish(D)


def faults(proc):
    check(ask_once(b"user2@example.com") == b"NOTFOUND ", "before: user2 is not there")

    # 1. A restore: another store's data.mdb moved into place.
    new = DATA + ".new"
    shutil.copy(os.path.join(OTHER, "config", "data.mdb"), new)
    readable_by_daemon(new)
    os.rename(new, DATA)
    check(wait_for(b"user2@example.com", b"OK") == b"OK example.com/user2/",
          "a data.mdb moved into place is read without a restart")

    # 2. Deleted, then back.
    os.rename(DATA, DATA + ".away")
    check(wait_for(b"user@example.com", b"TEMP").startswith(b"TEMP"),
          "a deleted store answers TEMP")
    os.rename(DATA + ".away", DATA)
    check(wait_for(b"user2@example.com", b"OK") == b"OK example.com/user2/",
          "and the right answers once it is back")

    # 3. Unreadable, then readable.
    if os.geteuid() == 0 and D.user():
        os.chmod(DATA, 0)
        check(wait_for(b"user@example.com", b"TEMP").startswith(b"TEMP"),
              "an unreadable store answers TEMP")
        os.chmod(DATA, 0o660)
        check(wait_for(b"user2@example.com", b"OK") == b"OK example.com/user2/",
              "and the right answers once it is readable")
    else:
        print("  skipped: unreadable store (needs root and a daemon user)")

    # 4. Truncated under load (cp of a backup truncates first), then
    # written back whole.
    saved = open(DATA, "rb").read()
    with open(DATA, "r+b") as f:
        f.truncate(4096)
    check(wait_for(b"user@example.com", b"TEMP").startswith(b"TEMP"),
          "a truncated store answers TEMP")
    check(proc.poll() is None, "mailmapd survived the truncation")
    with open(DATA, "r+b") as f:
        f.write(saved)
    check(wait_for(b"user2@example.com", b"OK") == b"OK example.com/user2/",
          "and the right answers once it is whole")
    log = D.log_text()
    for what in ("was replaced", "is gone", "is unreadable"):
        if what == "is unreadable" and not (os.geteuid() == 0 and D.user()):
            continue
        check(f"data.mdb {what}" in log, f"the log says the store {what}")
    # seen by the check every second, or by a read that met the hole
    check("data.mdb was truncated" in log or "a page of it is gone" in log,
          "the log says the store was truncated")


main()
