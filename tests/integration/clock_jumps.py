"""A clock that jumps under greylisting (see the .sh): mailmapd runs with
libfaketime (Debian's faketime package), its wall clock read from a file
the test rewrites: back one hour, then forward one day. No crash, and no
triplet passes before it waited the delay by the clock in force: a
triplet first seen "in the future" (the clock went back) starts afresh,
as postgrey does; one whose retry window passed in the jump starts
afresh; one that had passed stays passed."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, check, connect, finish  # noqa: E402
from policy_client import read_reply, request  # noqa: E402

D = Daemon(*sys.argv[1:4])
SOCK = os.path.join(D.run, "policy.sock")
CLOCK = os.path.join(D.work, "clock")
LIBS = ["/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
        "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"]
DELAY = 2  # greylist_delay, seconds


def ask(sender):
    s = connect(SOCK)
    s.sendall(request(sender=sender, recipient="user@example.com"))
    reply = read_reply(s)
    s.close()
    return reply


def deferred(reply):
    return reply is not None and reply.startswith(b"action=DEFER_IF_PERMIT")


def set_clock(offset):
    with open(CLOCK + ".new", "w") as f:
        f.write(offset + "\n")
    os.rename(CLOCK + ".new", CLOCK)
    time.sleep(0.2)


def main():
    lib = next((p for p in LIBS if os.path.exists(p)), None)
    if lib is None:
        print("  SKIPPED: no libfaketime (apt-get install faketime)")
        sys.exit(0)
    D.batch("customer add acme\noffer add acme/basic\n"
            "domain add example.com customer=acme\n"
            "mailbox add user@example.com offer=acme/basic\n")
    D.permissions()
    set_clock("+0")
    os.chmod(D.work, 0o755)
    os.chmod(CLOCK, 0o644)
    D.write_config(f'''store: {{ dir = "{D.store}"; }};
daemon: {{ user = "{D.user()}"; workers = 2; log_level = "info"; }};
policy: {{ greylisting = true; greylist_delay = "{DELAY}s";
  greylist_retry_window = "1h"; greylist_awl_count = 0; }};
listeners = ( {{ protocol = "policy"; path = "{SOCK}"; mode = "0666"; }} );
''')
    # The wall clock only: libevent's timers keep the monotonic one.
    os.environ.update(LD_PRELOAD=lib, FAKETIME_TIMESTAMP_FILE=CLOCK,
                      FAKETIME_NO_CACHE="1", FAKETIME_DONT_FAKE_MONOTONIC="1")
    proc = D.start(SOCK)
    for name in ("LD_PRELOAD", "FAKETIME_TIMESTAMP_FILE"):
        del os.environ[name]

    check(deferred(ask("a@sender.test")), "triplet a: first seen, deferred")
    check(deferred(ask("b@sender.test")), "triplet b: first seen, deferred")
    time.sleep(DELAY + 0.5)
    check(ask("b@sender.test") == b"action=DUNNO\n\n", "triplet b: retried after the delay, passes")

    set_clock("-1h")
    check(deferred(ask("a@sender.test")),
          "clock back 1 h: triplet a, first seen 'in the future', starts afresh (deferred)")
    check(ask("b@sender.test") == b"action=DUNNO\n\n", "clock back 1 h: triplet b stays passed")
    check(deferred(ask("c@sender.test")), "clock back 1 h: triplet c first seen, deferred")
    check(deferred(ask("c@sender.test")), "triplet c retried at once: still deferred")
    time.sleep(DELAY + 0.5)
    check(ask("c@sender.test") == b"action=DUNNO\n\n", "triplet c retried after the delay: passes")

    set_clock("+1d")
    check(deferred(ask("a@sender.test")),
          "clock forward 1 day: triplet a, past its retry window, starts afresh (deferred)")
    check(ask("c@sender.test") == b"action=DUNNO\n\n",
          "clock forward 1 day: triplet c stays passed (max age 35 days)")
    check(deferred(ask("d@sender.test")), "clock forward 1 day: triplet d first seen, deferred")
    time.sleep(1.5)  # a sweep or a flush meanwhile must not crash either
    check(proc.poll() is None, f"mailmapd is alive (exit {proc.poll()})")
    status = D.stop()
    check(status == 0, f"SIGTERM stops cleanly (exit {status})")
    finish(D)


main()
