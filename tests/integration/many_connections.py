"""10 000 simultaneous connections to mailmapd (see the .sh): with the
descriptor limit raised, every one is served, memory stays bounded (RSS
printed), a newcomer is still answered, and all is well once they leave.
(Running out of descriptors is daemon_socketmap.sh's test_out_of_descriptors.)"""
import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, check, connect, finish  # noqa: E402

D = Daemon(*sys.argv[1:4])
SOCK = os.path.join(D.run, "socketmap.sock")
CONNS = 10000
LIMIT = 30000


def ask(s, payload=b"mailboxes user@example.com"):
    s.sendall(b"%d:%s," % (len(payload), payload))
    buf = b""
    while not buf.endswith(b","):
        chunk = s.recv(4096)
        if not chunk:
            return None
        buf += chunk
    return buf


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    limit = LIMIT if hard == resource.RLIM_INFINITY else min(hard, LIMIT)
    if limit < CONNS + 200:
        print(f"  SKIPPED: the descriptor limit is {hard}, under {CONNS + 200}")
        sys.exit(0)
    # the test and mailmapd (which inherits it) each hold one end
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
    D.batch("customer add acme\noffer add acme/basic\n"
            "domain add example.com customer=acme\n"
            "mailbox add user@example.com offer=acme/basic\n")
    D.permissions()
    D.write_config(f'''store: {{ dir = "{D.store}"; }};
daemon: {{ user = "{D.user()}"; workers = 2; idle_timeout = "120s"; }};
listeners = ( {{ protocol = "socketmap"; path = "{SOCK}"; mode = "0666";
  max_connections = {CONNS + 100}; }} );
''')
    proc = D.start(SOCK)
    want = b"20:OK example.com/user/,"
    before = rss_kb(proc.pid)
    t0 = time.monotonic()
    conns = []
    for _ in range(CONNS):
        conns.append(connect(SOCK, timeout=30))
    answered = sum(1 for s in conns if ask(s) == want)
    elapsed = time.monotonic() - t0
    grown = rss_kb(proc.pid) - before
    print(f"  {CONNS} connections opened and each asked once in {elapsed:.1f} s; "
          f"mailmapd RSS {before} kB before, +{grown} kB with them open")
    check(answered == CONNS, f"{answered} of {CONNS} connections answered")
    # A connection that asked holds its 4 KB input and 4 KB output
    # buffers (conn.c) until it closes: about 9 KB each, bounded by
    # max_connections.
    check(grown < CONNS * 12, f"memory bounded: +{grown} kB for {CONNS} connections "
          f"({grown / CONNS:.1f} kB each)")
    late = connect(SOCK)
    check(ask(late) == want, "a newcomer is answered with 10 000 open")
    late.close()
    again = sum(1 for s in conns[::100] if ask(s) == want)
    check(again == len(conns[::100]), f"{again} of {len(conns[::100])} held connections answer again")
    for s in conns:
        s.close()
    time.sleep(1)
    s = connect(SOCK)
    check(ask(s) == want, "answered after they all left")
    s.close()
    check(proc.poll() is None, "mailmapd is alive")
    status = D.stop()
    check(status == 0, f"SIGTERM stops cleanly (exit {status})")
    finish(D)


main()
