"""Broken stores at start (see the .sh). The state environment holds only
what can be learnt again: one that is corrupt, of a newer format or
unreadable is moved aside with a log line and a new one is made, and the
daemon serves. The config environment is the admin's data: mailmapd
refuses to start with a clear error and touches nothing."""
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, check, connect, finish  # noqa: E402
from policy_client import read_reply, request  # noqa: E402

D = Daemon(*sys.argv[1:4])
STATE = os.path.join(D.store, "state")
CONFIG = os.path.join(D.store, "config")
POLICY = os.path.join(D.run, "policy.sock")
SOCKETMAP = os.path.join(D.run, "socketmap.sock")


def config():
    D.write_config(f'''store: {{ dir = "{D.store}"; }};
daemon: {{ user = "{D.user()}"; workers = 1; log_level = "info"; }};
policy: {{ greylisting = true; greylist_delay = "1s"; }};
listeners = (
  {{ protocol = "policy"; path = "{POLICY}"; mode = "0666"; }},
  {{ protocol = "socketmap"; path = "{SOCKETMAP}"; mode = "0666"; }}
);
''')


def mailbox_answer():
    s = connect(SOCKETMAP)
    s.sendall(b"26:mailboxes user@example.com,")
    data = s.recv(4096)
    s.close()
    return data


def greylisted(sender):
    s = connect(POLICY)
    s.sendall(request(sender=sender, recipient="user@example.com"))
    reply = read_reply(s)
    s.close()
    return reply.startswith(b"action=DEFER_IF_PERMIT 4.7.1 Greylisted")


def fresh_state():
    """A valid state environment, made by mailmapd itself."""
    for d in glob.glob(STATE + "*"):
        shutil.rmtree(d)
    proc = D.start(POLICY)
    check(proc.poll() is None and greylisted("first.run@sender.test"),
          "a state environment is made")
    D.stop()
    D.permissions()


def mdb_load(table, key, value):
    text = f"{key}\n{value}\n"
    r = subprocess.run(["mdb_load", "-T", "-s", table, STATE], input=text,
                       capture_output=True, text=True)
    check(r.returncode == 0, f"mdb_load {table} {key}: {r.stderr.strip()}")


def started_aside(what):
    """mailmapd, started on a broken state, moves it aside and serves."""
    mark = len(D.log_text())
    proc = D.start(POLICY)
    alive = proc.poll() is None
    check(alive, f"{what}: mailmapd serves (exit {proc.poll()})")
    if not alive:
        return
    log = D.wait_log("ready:", mark)
    aside = glob.glob(STATE + ".broken-*")
    check("moved aside to" in log and len(aside) == 1,
          f"{what}: moved aside with a log line: "
          f"{[line for line in log.splitlines() if 'aside' in line][:1]}")
    check(mailbox_answer() == b"20:OK example.com/user/,",
          f"{what}: socketmap answers")
    check(greylisted(f"after.{what.replace(' ', '.')}@sender.test"),
          f"{what}: greylisting works on the new state")
    status = D.stop()
    check(status == 0, f"{what}: SIGTERM stops cleanly (exit {status})")
    for d in aside:
        shutil.rmtree(d)


def main():
    D.batch("customer add acme\noffer add acme/basic\n"
            "domain add example.com customer=acme\n"
            "mailbox add user@example.com offer=acme/basic\n")
    D.permissions()
    config()

    fresh_state()
    with open(os.path.join(STATE, "data.mdb"), "wb") as f:
        f.write(b"not an LMDB file " * 1000)
    started_aside("garbage data.mdb")

    fresh_state()
    mdb_load("meta", "schema_version", "\\00\\00\\00\\63")  # 99
    started_aside("newer schema")

    if os.geteuid() == 0 and D.user():
        fresh_state()
        for name in ("data.mdb", "lock.mdb"):
            path = os.path.join(STATE, name)
            os.chown(path, 0, 0)
            os.chmod(path, 0o600)
        started_aside("unreadable files")
    else:
        print("  skipped: unreadable state files (needs root and a daemon user)")

    # The config environment is never moved aside.
    data = os.path.join(CONFIG, "data.mdb")
    saved = data + ".saved"
    shutil.copy(data, saved)
    with open(data, "r+b") as f:
        f.seek(0)
        f.write(b"\xff" * 4096)  # the meta pages
    before = hashlib.sha256(open(data, "rb").read()).hexdigest()
    r = subprocess.run([D.mailmapd, "--config", D.conf, "--foreground"],
                       capture_output=True, text=True, timeout=20)
    after = hashlib.sha256(open(data, "rb").read()).hexdigest()
    errors = [line for line in r.stderr.splitlines() if ": error: " in line]
    check(r.returncode != 0 and errors and CONFIG in errors[0],
          f"a corrupt config store: mailmapd exits {r.returncode}: "
          f"{errors[:1]}")
    check(before == after and not glob.glob(CONFIG + ".broken*"),
          "the config store is left as it was")
    shutil.move(saved, data)
    time.sleep(0.1)
    finish(D)


main()
