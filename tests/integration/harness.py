"""Shared parts of the raw-client tests of mailmapd: a store made with
mailmapctl, a configuration, start and stop, and the ok/FAIL report."""
import os
import signal
import socket
import subprocess
import sys
import time

FAILS = []


def check(cond, what):
    print(("  ok: " if cond else "  FAIL: ") + what, flush=True)
    if not cond:
        FAILS.append(what)


class Daemon:
    def __init__(self, mailmapd, mailmapctl, work):
        self.mailmapd, self.mailmapctl, self.work = mailmapd, mailmapctl, work
        self.store = os.path.join(work, "store")
        self.run = os.path.join(work, "run")
        self.conf = os.path.join(work, "mailmapd.conf")
        self.log = os.path.join(work, "mailmapd.log")
        self.proc = None

    def ctl(self, *args):
        return subprocess.run([self.mailmapctl, "--store", self.store, *args],
                              capture_output=True, text=True)

    def batch(self, text):
        path = os.path.join(self.work, "setup.batch")
        with open(path, "w") as f:
            f.write(text)
        r = self.ctl("batch", path)
        check(r.returncode == 0, "store created " + r.stderr)

    def user(self):
        return "mailmap" if os.geteuid() == 0 else ""

    def permissions(self):
        """The daemon's user reads the store, writes state and sockets."""
        os.makedirs(self.run, exist_ok=True)
        if os.geteuid() != 0:
            return
        if subprocess.run(["id", "mailmap"], capture_output=True).returncode:
            subprocess.run(["useradd", "--system", "--no-create-home",
                            "--shell", "/usr/sbin/nologin", "mailmap"], check=True)
        subprocess.run(["chgrp", "-R", "mailmap", self.store, self.run], check=True)
        subprocess.run(["chmod", "-R", "g+rwX", self.store, self.run], check=True)
        subprocess.run(["chmod", "o+x", self.work], check=True)

    def write_config(self, text):
        with open(self.conf, "w") as f:
            f.write(text)

    def start(self, socket_path):
        log = open(self.log, "a")
        self.proc = subprocess.Popen([self.mailmapd, "--config", self.conf,
                                      "--foreground"], stdout=log, stderr=log)
        for _ in range(100):
            try:
                connect(socket_path).close()
                return self.proc
            except OSError:
                time.sleep(0.05)
        check(False, "mailmapd started: " + open(self.log).read()[-500:])
        return self.proc

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return "killed"

    def log_text(self):
        return open(self.log).read() if os.path.exists(self.log) else ""

    def wait_log(self, text, mark=0, seconds=5):
        """The log from mark on, once it holds text (or after seconds):
        the listeners accept before the stores are open, so a connection
        alone does not tell that startup is done."""
        deadline = time.monotonic() + seconds
        while True:
            log = self.log_text()[mark:]
            if text in log or time.monotonic() > deadline:
                return log
            time.sleep(0.02)


def letters(i):
    """i written in letters: greylisting normalises numeric parts of
    senders (VERP), so distinct senders must differ in letters."""
    out = ""
    while True:
        out += chr(ord("a") + i % 26)
        i //= 26
        if i == 0:
            return out


def connect(path, timeout=5):
    """A connection to a unix socket, waiting up to timeout for room in its
    backlog: with a timeout set, Python's socket is non-blocking, and a
    unix socket's connect() then fails with EAGAIN while the backlog is
    full instead of waiting (many_connections.py opens 10 000 at once)."""
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(path)
            return s
        except BlockingIOError:
            s.close()
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def closed(s, wait=2.0):
    s.settimeout(wait)
    try:
        return s.recv(1) == b""
    except socket.timeout:
        return False
    except OSError:
        return True


def finish(daemon):
    if FAILS:
        print("  log tail:\n" + daemon.log_text()[-2000:])
    print("  all checks passed" if not FAILS else f"  {len(FAILS)} checks failed")
    sys.exit(1 if FAILS else 0)
