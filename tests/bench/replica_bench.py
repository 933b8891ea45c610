"""Convergence of multi-host mode (issue 19, target 1): admin commits at
a steady rate on one host; for each, the time from mailmapctl's
acknowledgement ("committed: etcd revision N" on its stdout) until every
replica answers the change (socketmap, one persistent connection per
replica, polled in turn). Also timed: mailmapctl from start to the
acknowledgement (its etcd reads and the etcd transaction). Printed:
p50/p90/p99/max of each, and PASS/FAIL against p50 < 50 ms, p99 < 500 ms.

  COMMITS (1000) at RATE (10/s); the cluster of
  tests/integration/cluster.py (3 etcd members, 3 replicas)."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
import cluster  # noqa: E402

COMMITS = int(os.environ.get("COMMITS", "1000"))
RATE = float(os.environ.get("RATE", "10"))


def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def report(name, values):
    ms = [v * 1000 for v in values]
    print("  %-34s p50 %7.2f  p90 %7.2f  p99 %7.2f  max %7.2f ms (n=%d)" %
          (name, quantile(ms, .5), quantile(ms, .9), quantile(ms, .99), max(ms), len(ms)))


def commit(replica, i):
    """Runs one commit; (start, ack time, process) or None."""
    t0 = time.monotonic()
    p = subprocess.Popen([replica.mailmapctl, "--config", replica.conf, "mailbox", "add",
                          "b%d@example.org" % i, "offer=acme/basic"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    t_ack = time.monotonic()
    if not line.startswith("committed: etcd revision"):
        p.wait()
        print("  commit %d failed: %s %s" % (i, line, p.stderr.read()))
        return None
    return t0, t_ack, p


def converge(replicas, conns, i, deadline):
    want = b"mailboxes b%d@example.org" % i
    pending = list(range(len(replicas)))
    while pending and time.monotonic() < deadline:
        for k in list(pending):
            r = replicas[k].ask(conns[k], want)
            if r is not None and r.startswith(b"OK"):
                pending.remove(k)
    return time.monotonic() if not pending else None


def main():
    why = cluster.available()
    if why:
        print("replica_bench: " + why)
        sys.exit(1)
    build = sys.argv[1] if len(sys.argv) > 1 else "build"
    work = tempfile.mkdtemp(prefix="mailmap-replica-bench.")
    os.chmod(work, 0o755)
    cl = cluster.Cluster(work)
    replicas = [cluster.Replica(work, i + 1, os.path.join(build, "daemon/mailmapd"),
                                os.path.join(build, "admin/mailmapctl")) for i in range(3)]
    cluster.heal()
    try:
        if not cl.start():
            print("replica_bench: etcd did not start")
            sys.exit(1)
        for rep in replicas:
            order = [cl.members[rep.index - 1]] + [m for m in cl.members if m.index != rep.index]
            rep.configure(cl.endpoints(order))
            rep.start()
        r = replicas[0].ctl("batch", "-", input="customer add acme\noffer add acme/basic\n"
                            "domain add example.org customer=acme\n")
        if r.returncode != 0:
            print("replica_bench: setup: " + r.stderr)
            sys.exit(1)
        conns = [rep.connect() for rep in replicas]
        acks, converged, lost = [], [], 0
        start = time.monotonic()
        print("replica_bench: %d commits at %.0f/s, 3 etcd members, 3 replicas" % (COMMITS, RATE))
        for i in range(COMMITS):
            due = start + i / RATE
            time.sleep(max(0, due - time.monotonic()))
            c = commit(replicas[0], i)
            if c is None:
                lost += 1
                continue
            t0, t_ack, p = c
            t_all = converge(replicas, conns, i, t_ack + 10)
            p.wait()
            acks.append(t_ack - t0)
            if t_all is None:
                lost += 1
            else:
                converged.append(t_all - t_ack)
        report("mailmapctl start -> acknowledged", acks)
        report("acknowledged -> on every replica", converged)
        p50, p99 = quantile(converged, .5) * 1000, quantile(converged, .99) * 1000
        print("  commits failed or never converged: %d" % lost)
        print("  %s: convergence p50 %.2f ms < 50 ms" % ("PASS" if p50 < 50 else "FAIL", p50))
        print("  %s: convergence p99 %.2f ms < 500 ms" % ("PASS" if p99 < 500 else "FAIL", p99))
        print("  %s: no commit lost" % ("PASS" if lost == 0 else "FAIL"))
    finally:
        cluster.heal()
        for rep in replicas:
            rep.stop()
        cl.stop()
        subprocess.run(["rm", "-rf", work])


main()
