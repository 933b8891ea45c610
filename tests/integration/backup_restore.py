"""mailmapctl backup and restore under a running mailmapd (see the .sh)."""
import glob
import hashlib
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, check, connect, finish  # noqa: E402
from policy_client import read_reply, request  # noqa: E402

D = Daemon(*sys.argv[1:4])
MAILBOXES = int(os.environ.get("BACKUP_MAILBOXES", "20000"))
SOCKETMAP = os.path.join(D.run, "socketmap.sock")
POLICY = os.path.join(D.run, "policy.sock")
DICT = os.path.join(D.run, "auth.sock")
B1 = os.path.join(D.work, "backup1")


def netstring(text):
    data = text.encode()
    return str(len(data)).encode() + b":" + data + b","


def read_netstring(s):
    data = b""
    while b":" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed")
        data += chunk
    length, rest = data.split(b":", 1)
    while len(rest) < int(length) + 1:
        chunk = s.recv(4096)
        if not chunk:
            raise OSError("closed")
        rest += chunk
    return rest[:int(length)]


class Load:
    """Clients of the three protocols, each on its own connection in a
    thread, asking without pause: every answer is timed, and anything but
    a proper answer (TEMP, a dict F, a closed connection) is a failure."""

    def __init__(self):
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.samples = []  # (time, seconds)
        self.failures = []
        self.after_seen = []  # (time, answer for after@d0.example)
        self.threads = [threading.Thread(target=f, daemon=True) for f in
                        (self.socketmap, self.socketmap, self.policy,
                         self.dict)]

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(10)

    def record(self, t0, ok, what):
        t1 = time.monotonic()
        with self.lock:
            self.samples.append((t1, t1 - t0))
            if not ok:
                self.failures.append((t1, what))

    def socketmap(self):
        s, i = connect(SOCKETMAP), 0
        while not self.stop.is_set():
            i += 1
            name = ("after@d0.example" if i % 10 == 0
                    else f"u{i * 7919 % MAILBOXES}@d{i * 7919 % MAILBOXES % 100}.example")
            t0 = time.monotonic()
            try:
                s.sendall(netstring("mailboxes " + name))
                answer = read_netstring(s)
            except OSError as e:
                self.record(t0, False, f"socketmap: {e}")
                s = connect(SOCKETMAP)
                continue
            ok = answer.startswith(b"OK ") or answer == b"NOTFOUND "
            self.record(t0, ok and (name.startswith("after") or
                                    answer.startswith(b"OK ")),
                        f"socketmap {name}: {answer!r}")
            if name.startswith("after"):
                with self.lock:
                    self.after_seen.append((time.monotonic(), answer[:2]))

    def policy(self):
        s, i = connect(POLICY), 0
        while not self.stop.is_set():
            i += 1
            t0 = time.monotonic()
            try:
                s.sendall(request(sender=f"s{i}@remote.test",
                                  recipient=f"u{i % MAILBOXES}@d{i % MAILBOXES % 100}.example"))
                reply = read_reply(s)
            except OSError as e:
                self.record(t0, False, f"policy: {e}")
                s = connect(POLICY)
                continue
            self.record(t0, reply.startswith(b"action=DUNNO"),
                        f"policy: {reply!r}")

    def dict(self):
        s, i = connect(DICT), 0
        s.sendall(b"H3\t2\t0\t\tauth\n")
        while not self.stop.is_set():
            i += 1
            user = f"u{i % MAILBOXES}@d{i % MAILBOXES % 100}.example"
            t0 = time.monotonic()
            try:
                s.sendall(f"Lshared/userdb/{user}\t{user}\n".encode())
                line = b""
                while not line.endswith(b"\n"):
                    chunk = s.recv(4096)
                    if not chunk:
                        raise OSError("closed")
                    line += chunk
            except OSError as e:
                self.record(t0, False, f"dict: {e}")
                s = connect(DICT)
                s.sendall(b"H3\t2\t0\t\tauth\n")
                continue
            self.record(t0, line.startswith(b"O{"), f"dict: {line[:60]!r}")

    def window(self, t0, t1):
        with self.lock:
            lat = [d for t, d in self.samples if t0 <= t <= t1]
            bad = [w for t, w in self.failures if t0 <= t <= t1]
        return lat, bad


def p99(lat):
    return sorted(lat)[int(len(lat) * 0.99)] * 1000 if lat else float("nan")


def setup():
    lines = ["customer add c", "offer add c/basic quota=1G"]
    lines += [f"domain add d{d}.example customer=c" for d in range(100)]
    lines += [f"mailbox add u{i}@d{i % 100}.example offer=c/basic"
              for i in range(MAILBOXES)]
    D.batch("\n".join(lines) + "\n")
    D.permissions()
    D.write_config(f'''store: {{ dir = "{D.store}"; }};
daemon: {{ user = "{D.user()}"; workers = 2; }};
policy: {{ greylisting = false; }};
listeners = (
  {{ protocol = "socketmap"; path = "{SOCKETMAP}"; mode = "0666"; }},
  {{ protocol = "policy"; path = "{POLICY}"; mode = "0666"; }},
  {{ protocol = "dict"; path = "{DICT}"; mode = "0666"; maps = ["auth"]; }}
);
''')


def export():
    r = D.ctl("export")
    check(r.returncode == 0, f"export: {r.stderr.strip()}")
    return r.stdout


def manifest_matches(backup):
    """The backup's config/data.mdb has the size and SHA-256 its MANIFEST
    gives."""
    text = open(os.path.join(backup, "MANIFEST")).read()
    line = next(x for x in text.splitlines() if x.startswith("file config/"))
    _, _, size, digest = line.split()
    data = open(os.path.join(backup, "config", "data.mdb"), "rb").read()
    return len(data) == int(size) and hashlib.sha256(data).hexdigest() == digest


def killed_midway(args, delays):
    """Runs mailmapctl ARGS and kills it with SIGKILL after each delay in
    turn until a run was killed before it finished; the delay used."""
    for delay in delays:
        p = subprocess.Popen([D.mailmapctl, "--store", D.store, *args],
                             stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(delay)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait()
            return delay
        p.wait()
    return None


def test_backup(load):
    t0 = time.monotonic()
    time.sleep(2)
    base, _ = load.window(t0, time.monotonic())
    before = export()
    t1 = time.monotonic()
    r = D.ctl("backup", B1)
    t2 = time.monotonic()
    time.sleep(0.2)
    during, bad = load.window(t1, time.monotonic())
    check(r.returncode == 0, f"backup under load: {r.stdout.strip()} "
          f"{r.stderr.strip()} ({t2 - t1:.2f} s)")
    print(f"  lookups: p99 {p99(base):.2f} ms before the backup, "
          f"{p99(during):.2f} ms during it ({len(base)} / {len(during)} "
          "requests)", flush=True)
    check(not bad, f"no failed request during the backup: {bad[:3]}")
    check(manifest_matches(B1), "the MANIFEST's size and SHA-256 match")
    check(not glob.glob(B1 + ".partial-*"), "no partial directory left")
    return before


def test_restore(load, before):
    r = D.ctl("mailbox", "add", "after@d0.example", "offer=c/basic")
    check(r.returncode == 0, f"a mailbox added after the backup: {r.stderr}")
    time.sleep(0.5)
    t1 = time.monotonic()
    r = D.ctl("restore", B1)
    t2 = time.monotonic()
    check(r.returncode == 0, f"restore under load: {r.stdout.strip()} "
          f"{r.stderr.strip()} ({t2 - t1:.2f} s)")
    time.sleep(2.5)
    _, bad = load.window(t1, time.monotonic())
    check(not bad, f"no failed request across the restore: {bad[:3]}")
    with load.lock:
        seen = list(load.after_seen)
    before_restore = [a for t, a in seen if t < t1]
    settled = [a for t, a in seen if t > t2 + 1.5]
    check(before_restore and before_restore[-1] == b"OK",
          "before the restore: after@d0.example found")
    check(settled and all(a == b"NO" for a in settled),
          f"after the restore: answers switched to the backup's data "
          f"({len(settled)} lookups of after@d0.example NOTFOUND)")
    check(export() == before, "the restored store exports as it did when "
          "the backup was taken")
    check("swapped in" in D.log_text(), "mailmapd logged the swap")


def test_kills():
    before = export()
    delay = killed_midway(["backup", os.path.join(D.work, "backup2")],
                          [0.005, 0.01, 0.02, 0.04, 0.08])
    check(delay is not None, f"a backup killed midway (after {delay} s)")
    check(not os.path.exists(os.path.join(D.work, "backup2")),
          "no backup2: a killed backup never has the final name")
    check(manifest_matches(B1), "the earlier backup is intact")
    r = D.ctl("mailbox", "add", "late@d1.example", "offer=c/basic")
    changed = export()
    delay = killed_midway(["restore", B1], [0.005, 0.01, 0.02, 0.04, 0.08])
    check(delay is not None, f"a restore killed midway (after {delay} s)")
    now = export()
    check(now in (before, changed), "after a killed restore the store is "
          "the old one or the restored one, whole: "
          f"{'restored' if now == before else 'old'}")
    check(manifest_matches(B1), "the backup is intact after it")


def test_refusals():
    """A backup never overwrites; a restore checks what it is given."""
    import shutil
    before = export()
    r = D.ctl("backup", B1)
    check(r.returncode == 1 and "exists" in r.stderr,
          f"backup into an existing directory refused: {r.stderr.strip()}")
    empty = os.path.join(D.work, "empty")
    os.makedirs(empty)
    r = D.ctl("restore", empty)
    check(r.returncode == 1 and "no MANIFEST" in r.stderr,
          f"restore of a directory with no MANIFEST: {r.stderr.strip()}")
    damaged = os.path.join(D.work, "damaged")
    shutil.copytree(B1, damaged)
    with open(os.path.join(damaged, "config", "data.mdb"), "r+b") as f:
        f.seek(8192)
        byte = f.read(1)
        f.seek(8192)
        f.write(bytes([byte[0] ^ 0xff]))
    r = D.ctl("restore", damaged)
    check(r.returncode == 1 and "damaged" in r.stderr,
          f"restore of a backup whose file does not match its MANIFEST: "
          f"{r.stderr.strip()}")
    check(export() == before, "after the refusals the store is as it was")


def main():
    setup()
    D.start(SOCKETMAP)
    load = Load()
    load.start()
    try:
        before = test_backup(load)
        test_restore(load, before)
        test_kills()
        test_refusals()
    finally:
        load.finish()
        status = D.stop()
    check(status == 0, f"SIGTERM stops cleanly (exit {status})")
    finish(D)


main()
