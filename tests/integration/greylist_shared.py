"""Greylisting shared by two MX through Valkey/Redis with Sentinel
(policy.greylist_store "valkey"): a primary, a replica and three
Sentinels on 127.0.0.31-35 (Debian's redis-server and redis-sentinel,
run as user redis in a private directory), and two mailmapd, each with
its own store, whose policy services use them.

  1. 1000 triplets: the first attempt on MX 1 is deferred, the retry on
     MX 2 after the delay passes, for all 1000; one MGET round trip each.
  2. kill -9 of the primary: the Sentinels promote the replica, mailmapd
     follows; triplets that had passed before are asked again and the
     extra deferrals (passes lost with the asynchronous replication) are
     counted and printed; while there is no primary, answers come in the
     failure mode, within 60 ms.
  3. the new primary stopped (SIGSTOP): each answer comes after the 50 ms
     timeout, in the failure mode; then it is resumed and answers again.
  4. Valkey gone (every server and Sentinel killed): answers within 60 ms
     in the configured failure mode, DUNNO (the default) on MX 1 and
     DEFER_IF_PERMIT with failure_greylisting "defer" on MX 2.
"""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import FAILS, Daemon, check, connect, letters  # noqa: E402
from policy_client import read_reply, request  # noqa: E402

MAILMAPD, MAILMAPCTL = os.environ["MAILMAPD"], os.environ["MAILMAPCTL"]
TRIPLETS = int(os.environ.get("TRIPLETS", "1000"))
PORT, SPORT = 36379, 36380
PRIMARY, REPLICA = "127.0.0.31", "127.0.0.32"
SENTINELS = ["127.0.0.33", "127.0.0.34", "127.0.0.35"]
DEFER = b"action=DEFER_IF_PERMIT 4.7.1 Greylisted"


class Redis:
    def __init__(self, work, name, conf):
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir)
        subprocess.run(["chown", "redis:redis", self.dir], check=True)
        self.conf = os.path.join(self.dir, "redis.conf")
        with open(self.conf, "w") as f:
            f.write(conf + "\ndir %s\nprotected-mode no\nsave \"\"\nappendonly no\n"
                    "daemonize no\nlogfile %s/log\n" % (self.dir, self.dir))
        subprocess.run(["chown", "redis:redis", self.conf], check=True)
        self.proc = None

    def start(self, sentinel=False):
        cmd = ["setpriv", "--reuid", "redis", "--regid", "redis", "--clear-groups",
               "redis-sentinel" if sentinel else "redis-server", self.conf]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def cli(host, port, *args):
    r = subprocess.run(["redis-cli", "-h", host, "-p", str(port), *args],
                       capture_output=True, text=True, timeout=5)
    return r.stdout.strip()


def mx(work, index, failure="dunno"):
    d = Daemon(MAILMAPD, MAILMAPCTL, os.path.join(work, "mx%d" % index))
    os.makedirs(d.work)
    d.batch("customer add acme\noffer add acme/basic\ndomain add example.com customer=acme\n"
            "mailbox add user@example.com offer=acme/basic\n")
    d.permissions()
    sock = os.path.join(d.run, "policy.sock")
    d.write_config('''store: { dir = "%s"; };
daemon: { user = "%s"; workers = 2; };
policy: { greylisting = true; greylist_delay = "2s"; greylist_retry_window = "1h";
  greylist_awl_count = 0; failure_greylisting = "%s"; greylist_store = "valkey"; };
valkey: { sentinels = "%s"; master = "mailmap"; timeout_ms = 50; };
listeners = ( { protocol = "policy"; path = "%s"; mode = "0666"; } );
''' % (d.store, d.user(), failure, ",".join("%s:%d" % (s, SPORT) for s in SENTINELS), sock))
    d.start(sock)
    d.sock = sock
    return d


def ask(s, i, client="192.0.2.10"):
    """One RCPT request on connection s: (reply, seconds)."""
    t0 = time.perf_counter()
    s.sendall(request(sender="s%s@remote.test" % letters(i), recipient="user@example.com",
                      client_address=client))
    return read_reply(s), time.perf_counter() - t0


def wait_for(pred, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return False


def test_across_mx(mx1, mx2):
    s1, s2 = connect(mx1.sock), connect(mx2.sock)
    first = [ask(s1, i) for i in range(TRIPLETS)]
    deferred = sum(1 for r, _ in first if r.startswith(DEFER))
    check(deferred == TRIPLETS, "first attempts on MX 1 deferred: %d of %d" % (deferred, TRIPLETS))
    time.sleep(2.2)
    second = [ask(s2, i) for i in range(TRIPLETS)]
    passed = sum(1 for r, _ in second if r == b"action=DUNNO\n\n")
    check(passed == TRIPLETS, "retries on MX 2 after the delay pass: %d of %d" % (passed, TRIPLETS))
    lat = sorted(t for _, t in first + second)
    print("  latency over %d requests: p50 %.2f ms, p99 %.2f ms" %
          (len(lat), lat[len(lat) // 2] * 1000, lat[int(len(lat) * .99)] * 1000))
    s1.close()
    s2.close()


def test_failover(mx1, primary):
    s = connect(mx1.sock)
    passed = list(range(TRIPLETS, TRIPLETS + 200))
    for i in passed:
        ask(s, i)
    time.sleep(2.2)
    ok = sum(1 for i in passed if ask(s, i)[0] == b"action=DUNNO\n\n")
    check(ok == len(passed), "200 triplets passed before the failover: %d" % ok)
    t_kill = time.monotonic()
    primary.kill9()
    during, slow = [], 0
    promoted = False
    while time.monotonic() - t_kill < 30 and not promoted:
        r, t = ask(s, 5000 + len(during))
        during.append(r)
        slow += t > 0.060
        addr = cli(SENTINELS[0], SPORT, "SENTINEL", "get-master-addr-by-name", "mailmap")
        promoted = addr.startswith(REPLICA)
        time.sleep(0.02)
    took = time.monotonic() - t_kill
    check(promoted, "the Sentinels promoted the replica after %.1f s" % took)
    failed = sum(1 for r in during if r == b"action=DUNNO\n\n")
    check(slow == 0, "%d answers while the primary was away, none slower than 60 ms "
          "(%d in the failure mode)" % (len(during), failed))
    # mailmapd finds the new primary
    check(wait_for(lambda: ask(s, 9000)[0].startswith(DEFER), 10),
          "greylisting works again on the new primary")
    extra = sum(1 for i in passed if ask(s, i)[0].startswith(DEFER))
    print("  extra deferrals after the failover: %d of %d passed triplets "
          "(lost with the asynchronous replication)" % (extra, len(passed)))
    check(extra < len(passed), "the passes were on the replica: %d of %d kept"
          % (len(passed) - extra, len(passed)))
    s.close()


def test_stalled(mx1, primary):
    """A primary that stops answering (SIGSTOP): each request waits
    valkey.timeout_ms, then the failure mode; its late answer is dropped."""
    s = connect(mx1.sock)
    os.kill(primary.proc.pid, signal.SIGSTOP)
    try:
        answers = [ask(s, 30000 + i) for i in range(20)]
    finally:
        os.kill(primary.proc.pid, signal.SIGCONT)
    worst = max(t for _, t in answers)
    right = sum(1 for r, _ in answers if r == b"action=DUNNO\n\n")
    check(right == 20 and 0.045 < worst < 0.060,
          "stalled primary: 20 of 20 in the failure mode after the 50 ms timeout "
          "(%d right, worst %.1f ms)" % (right, worst * 1000))
    check(wait_for(lambda: ask(s, 30100)[0].startswith(DEFER), 5),
          "answers again once it resumes (the late answers dropped)")
    s.close()


def test_gone(mx1, mx2, servers):
    for srv in servers:
        srv.kill9()
    time.sleep(0.3)
    for d, want in ((mx1, b"action=DUNNO\n\n"),
                    (mx2, b"action=DEFER_IF_PERMIT 4.3.0 Temporary lookup failure")):
        s = connect(d.sock)
        answers = [ask(s, 20000 + i) for i in range(100)]
        s.close()
        worst = max(t for _, t in answers)
        right = sum(1 for r, _ in answers if r.startswith(want))
        check(right == 100 and worst < 0.060,
              "Valkey gone: %s 100 of 100 within 60 ms (%d right, worst %.1f ms)"
              % (want.decode().strip(), right, worst * 1000))


def main():
    work = tempfile.mkdtemp(prefix="mailmap-greylist.")
    os.chmod(work, 0o755)
    primary = Redis(work, "primary", "bind %s\nport %d" % (PRIMARY, PORT))
    # loopback connections come from 127.0.0.1: each says where it is
    replica = Redis(work, "replica", "bind %s\nport %d\nreplicaof %s %d\nreplica-announce-ip %s"
                    % (REPLICA, PORT, PRIMARY, PORT, REPLICA))
    sentinels = [Redis(work, "sentinel%d" % i,
                       "bind %s\nport %d\nsentinel announce-ip %s\n"
                       "sentinel monitor mailmap %s %d 2\n"
                       "sentinel down-after-milliseconds mailmap 1000\n"
                       "sentinel failover-timeout mailmap 5000\n" % (ip, SPORT, ip, PRIMARY, PORT))
                 for i, ip in enumerate(SENTINELS)]
    servers = [primary, replica] + sentinels
    mx1 = mx2 = None
    try:
        primary.start()
        replica.start()
        for s in sentinels:
            s.start(sentinel=True)
        check(wait_for(lambda: cli(PRIMARY, PORT, "PING") == "PONG" and
                       "master_link_status:up" in cli(REPLICA, PORT, "INFO", "replication"), 10),
              "primary and replica up")
        check(wait_for(lambda: all(cli(ip, SPORT, "SENTINEL", "get-master-addr-by-name",
                                       "mailmap").startswith(PRIMARY) for ip in SENTINELS), 10),
              "three Sentinels watch the primary")
        mx1, mx2 = mx(work, 1), mx(work, 2, failure="defer")
        time.sleep(0.5)
        test_across_mx(mx1, mx2)
        test_failover(mx1, primary)
        test_stalled(mx1, replica)
        test_gone(mx1, mx2, servers)
    finally:
        for d in (mx1, mx2):
            if d is not None and d.stop() not in (0, None):
                check(False, "mailmapd stopped cleanly")
        for srv in servers:
            srv.kill9()
        if FAILS:
            for d in (mx1, mx2):
                if d is not None:
                    print("  log tail:\n" + d.log_text()[-1500:])
        else:
            subprocess.run(["rm", "-rf", work])
    print("  all checks passed" if not FAILS else "  %d checks failed" % len(FAILS))
    sys.exit(1 if FAILS else 0)


main()
