"""A full filesystem under the state store (see the .sh): mailmapd's
state environment on a 3 MB tmpfs, filled by policy requests with new
greylisting triplets on 8 connections. mailmapd must stay up, its
socketmap and dict listeners must keep answering, the policy answers
must follow policy.failure_greylisting (dunno), and once the filesystem
has room again greylisting must work again by itself."""
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, check, connect, finish, letters  # noqa: E402
from policy_client import read_reply, request  # noqa: E402

D = Daemon(*sys.argv[1:4])
STATE = os.path.join(D.store, "state")
POLICY = os.path.join(D.run, "policy.sock")
SOCKETMAP = os.path.join(D.run, "socketmap.sock")
AUTH = os.path.join(D.run, "auth.sock")
CONNS = 8
FILL_SECONDS = 30      # at most, to fill the 3 MB
FILL_REQUESTS = 200000  # at most, over all connections


def mount(size):
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0770",
                        "tmpfs", STATE], capture_output=True, text=True)
    return r.returncode == 0, r.stderr.strip()


def remount(size):
    return subprocess.run(["mount", "-o", f"remount,size={size}", STATE],
                          capture_output=True, text=True).returncode == 0


def socketmap(key):
    s = connect(SOCKETMAP)
    payload = b"mailboxes " + key
    s.sendall(b"%d:%s," % (len(payload), payload))
    data = s.recv(4096)
    s.close()
    return data


def dict_userdb():
    s = connect(AUTH)
    s.sendall(b"H3\t2\t0\t\tauth\n"
              b"Lshared/userdb/user@example.com\tuser@example.com\n")
    s.settimeout(5)
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return data


def fill(stop, counts, n):
    """New triplets on one connection until stop is set."""
    s = connect(POLICY, timeout=10)
    i = 0
    run = letters(time.monotonic_ns() % 1000000)
    while not stop.is_set() and counts["sent"] < FILL_REQUESTS:
        s.sendall(request(sender=f"{letters(n)}.{letters(i)}.{run}@sender.test",
                          recipient="user@example.com"))
        reply = read_reply(s)
        if reply is None:
            counts["closed"] += 1
            return
        counts["sent"] += 1
        counts[reply.split(b"\n")[0].split(b" ")[0].decode()] = \
            counts.get(reply.split(b"\n")[0].split(b" ")[0].decode(), 0) + 1
        i += 1
    s.close()


def state_full():
    st = os.statvfs(STATE)
    return st.f_bavail == 0


def log_says(text):
    return text in D.log_text()


def main():
    D.batch("customer add acme\noffer add acme/basic\n"
            "domain add example.com customer=acme\n"
            "mailbox add user@example.com offer=acme/basic password=secret\n")
    os.makedirs(STATE, exist_ok=True)
    ok, why = mount("3m")
    if not ok:
        print(f"  SKIPPED: cannot mount a tmpfs here ({why})")
        sys.exit(0)
    try:
        run(D)
    finally:
        if D.proc is not None and D.proc.poll() is None:
            D.stop()
        subprocess.run(["umount", STATE], capture_output=True)
    finish(D)


def run(d):
    d.permissions()
    d.write_config(f'''store: {{ dir = "{d.store}"; }};
daemon: {{ user = "{d.user()}"; workers = 2; log_level = "info"; }};
policy: {{ greylisting = true; greylist_delay = "1s"; }};
listeners = (
  {{ protocol = "policy"; path = "{POLICY}"; mode = "0666"; }},
  {{ protocol = "socketmap"; path = "{SOCKETMAP}"; mode = "0666"; }},
  {{ protocol = "dict"; path = "{AUTH}"; mode = "0666"; maps = [ "auth" ]; }}
);
''')
    proc = d.start(POLICY)
    stop, counts = threading.Event(), {"sent": 0, "closed": 0}
    threads = [threading.Thread(target=fill, args=(stop, counts, n))
               for n in range(CONNS)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + FILL_SECONDS
    while time.monotonic() < deadline and proc.poll() is None:
        if state_full() and log_says("cannot write the state"):
            time.sleep(1)  # a while longer on a full disk
            break
        time.sleep(0.1)
    full = state_full()
    stop.set()
    for t in threads:
        t.join(30)
    print(f"  {counts['sent']} policy requests on {CONNS} connections: "
          f"{ {k: v for k, v in counts.items() if k.startswith('action')} }")
    check(full, "the 3 MB state filesystem filled up")
    check(proc.poll() is None, f"mailmapd is alive (exit status {proc.poll()})")
    if proc.poll() is not None:
        return
    check(log_says("cannot write the state"),
          "the failed state writes are logged")
    check(socketmap(b"user@example.com") == b"20:OK example.com/user/,",
          "socketmap still answers")
    check(dict_userdb().startswith(b"O"), "dict (userdb) still answers")
    s = connect(POLICY)
    s.sendall(request(sender="late@sender.test", recipient="user@example.com"))
    reply = read_reply(s)
    s.close()
    check(reply == b"action=DUNNO\n\n",
          f"a new triplet on a full disk follows failure_greylisting=dunno: {reply!r}")
    check(remount("64m"), "the filesystem has room again")
    # Greylisting works again by itself: a new triplet is deferred, and
    # passes after the delay.
    sender = f"again.{letters(time.monotonic_ns())}@sender.test"
    first = None
    for _ in range(50):  # the queue drains at the next flush (50 ms)
        s = connect(POLICY)
        s.sendall(request(sender=sender, recipient="user@example.com"))
        first = read_reply(s)
        s.close()
        if first.startswith(b"action=DEFER_IF_PERMIT"):
            break
        sender = f"again.{letters(time.monotonic_ns())}@sender.test"
        time.sleep(0.1)
    check(first.startswith(b"action=DEFER_IF_PERMIT"),
          f"after space returns, a new triplet is greylisted again: {first!r}")
    time.sleep(1.5)
    s = connect(POLICY)
    s.sendall(request(sender=sender, recipient="user@example.com"))
    second = read_reply(s)
    s.close()
    check(second.startswith(b"action=DUNNO") or second.startswith(b"action=PREPEND"),
          f"and passes after the delay: {second!r}")
    status = d.stop()
    check(status == 0, f"SIGTERM stops cleanly (exit {status})")


main()
