"""Multi-host mode against real etcd (cluster.py): 3 etcd members, 3
mailmapd replicas. Checks, in order (issue 19's list):
  basics     a commit on one host answers on the others, through Postfix's
             own client (postmap -q) on two replicas;
  atomicity  a reader of one replica's store (mdb_dump: one read
             transaction) during 1000 multi-record commits never sees a
             domain without its mailboxes and alias, or the reverse;
  leader     500 commits while the etcd leader is killed (-9) every 5 s
             and restarted: every acknowledged commit is on every replica,
             and each replica equals etcd row for row (replica check);
  partition  a replica cut off etcd for 60 s keeps answering (p99 < 1 ms,
             no error), shows it is stale within 10 s, catches up within
             2 s of the healing; an etcd member cut off its peers refuses
             mailmapctl's commit with a clear error;
  staged     a commit beyond replica.max_txn_ops (a 400-mailbox import)
             lands whole at one revision: a reader never sees part of it,
             every replica equals etcd after it;
  compaction a replica stopped while etcd compacts past its revision
             bootstraps again on start, without a lookup ever missing a
             domain, and equals etcd; a plain restart resumes instead.
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import cluster  # noqa: E402
from harness import FAILS, check  # noqa: E402

MAILMAPD = os.environ["MAILMAPD"]
MAILMAPCTL = os.environ["MAILMAPCTL"]
ATOMIC_COMMITS = int(os.environ.get("ATOMIC_COMMITS", "1000"))
LEADER_COMMITS = int(os.environ.get("LEADER_COMMITS", "500"))
PARTITION_S = int(os.environ.get("PARTITION_S", "60"))


def batch(replica, text):
    path = os.path.join(replica.dir, "commit.batch")
    with open(path, "w") as f:
        f.write(text)
    return replica.ctl("batch", path)


def wait_for(pred, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.01)
    return pred()


def answers(replica, request, want_prefix=b"OK"):
    try:
        s = replica.connect()
        r = replica.ask(s, request)
        s.close()
        return r is not None and r.startswith(want_prefix)
    except OSError:
        return False


def postmap(pfdir, replica, key, table):
    return subprocess.run(["postmap", "-c", pfdir, "-q", key,
                           "socketmap:unix:%s:%s" % (replica.sock, table)],
                          capture_output=True, text=True)


def test_basics(work, replicas):
    r = batch(replicas[0], "customer add acme\noffer add acme/basic\n"
              "domain add example.org customer=acme\n"
              "mailbox add jane@example.org offer=acme/basic\n")
    check(r.returncode == 0 and "committed: etcd revision" in r.stdout,
          "a batch commits to etcd and prints its revision: " + r.stdout + r.stderr)
    for rep in replicas:
        check(wait_for(lambda: answers(rep, b"mailboxes jane@example.org"), 2),
              "replica %d answers the new mailbox" % rep.index)
    pfdir = os.path.join(work, "postfix")
    os.makedirs(pfdir, exist_ok=True)
    with open(os.path.join(pfdir, "main.cf"), "w") as f:
        f.write("compatibility_level = 3.6\n")
    for rep in replicas[1:]:
        p = postmap(pfdir, rep, "example.org", "domains")
        check(p.returncode == 0 and p.stdout.strip() != "",
              "postmap -q example.org on replica %d: %s%s" % (rep.index, p.stdout.strip(), p.stderr))
        p = postmap(pfdir, rep, "nobody@example.org", "mailboxes")
        check(p.returncode == 1 and p.stderr == "",
              "postmap -q nobody@example.org on replica %d: not found" % rep.index)
    r = replicas[1].ctl("mailbox", "add", "jane@example.org", "offer=acme/basic")
    check(r.returncode == 1 and "jane@example.org" in r.stderr,
          "rules are checked against the replica: a second jane is refused: " + r.stderr.strip())
    r = replicas[2].ctl("replica", "check")
    check(r.returncode == 0 and "equals etcd" in r.stdout, "replica check: " + r.stdout + r.stderr)


def dump_tables(store):
    """{table: set of keys} of one replica, read in one transaction."""
    out = subprocess.run(["mdb_dump", "-a", "-p", os.path.join(store, "config")],
                         capture_output=True, text=True)
    tables, table, in_data, is_key = {}, None, False, True
    for line in out.stdout.splitlines():
        if line.startswith("database="):
            table = line.split("=", 1)[1]
            tables[table] = set()
        elif line == "HEADER=END":
            in_data, is_key = True, True
        elif line == "DATA=END":
            in_data = False
        elif in_data and line.startswith(" "):
            if is_key:
                tables[table].add(line[1:])
            is_key = not is_key
    return tables


def violations(tables):
    """Objects of the atomic domains seen without their fellows."""
    domains = {d for d in tables.get("domains", ()) if d.startswith("atomic")}
    addresses = [a for a in tables.get("addresses", ()) if "@atomic" in a]
    bad = 0
    for d in domains:
        want = {"a@" + d, "b@" + d, "list@" + d}
        if not want <= set(addresses):
            bad += 1
    for a in addresses:
        if a.split("@", 1)[1] not in domains:
            bad += 1
    return bad


def test_atomicity(replicas):
    stop = threading.Event()
    seen = {"dumps": 0, "bad": 0, "with": 0}

    def reader():
        while not stop.is_set():
            t = dump_tables(replicas[1].store)
            seen["dumps"] += 1
            seen["bad"] += violations(t)
            seen["with"] += any(d.startswith("atomic") for d in t.get("domains", ()))

    th = threading.Thread(target=reader)
    th.start()
    failed = 0
    for i in range(ATOMIC_COMMITS):
        d = "atomic%d.test" % (i // 2)
        if i % 2 == 0:
            text = ("domain add %s customer=acme\nmailbox add a@%s offer=acme/basic\n"
                    "mailbox add b@%s offer=acme/basic\nalias add list@%s targets=a@%s,b@%s\n"
                    % (d, d, d, d, d, d))
        else:
            text = "alias del list@%s\nmailbox del a@%s\nmailbox del b@%s\ndomain del %s\n" % (d, d, d, d)
        failed += batch(replicas[0], text).returncode != 0
    stop.set()
    th.join()
    check(failed == 0, "%d multi-record commits, %d failed" % (ATOMIC_COMMITS, failed))
    check(seen["dumps"] > 50 and seen["with"] > 0,
          "the reader read %d snapshots, %d with a domain being committed" % (seen["dumps"], seen["with"]))
    check(seen["bad"] == 0, "violations seen: %d" % seen["bad"])


def test_leader_kills(cl, replicas):
    stop = threading.Event()
    kills = []

    def killer():
        while not stop.wait(5):
            m = cl.leader()
            if m is None:
                continue
            m.kill9()
            kills.append(m.name)
            time.sleep(0.5)
            cl.restart(m)

    th = threading.Thread(target=killer)
    th.start()
    t0 = time.monotonic()
    acked, refused = [], 0
    for i in range(LEADER_COMMITS):
        rep = replicas[i % 3]
        r = rep.ctl("mailbox", "add", "k%d@example.org" % i, "offer=acme/basic")
        if r.returncode == 0 and "committed: etcd revision" in r.stdout:
            acked.append(i)
        else:
            refused += 1
    took = time.monotonic() - t0
    stop.set()
    th.join()
    cl.wait_healthy()
    # one kill per 5 s pause, plus the kill, 0.5 s and the restart
    check(len(kills) >= max(1, int(took / 7)),
          "leaders killed in %.0f s: %s" % (took, kills))
    print("  %d of %d commits acknowledged, %d refused while leaders died" %
          (len(acked), LEADER_COMMITS, refused))
    check(len(acked) >= LEADER_COMMITS * 0.9, "most commits acknowledged")
    for rep in replicas:
        ok = wait_for(lambda: answers(rep, b"mailboxes k%d@example.org" % acked[-1]), 10)
        missing = [i for i in acked if not answers(rep, b"mailboxes k%d@example.org" % i)]
        check(ok and not missing, "replica %d holds every acknowledged commit (missing %s)"
              % (rep.index, missing[:5]))
        r = rep.ctl("replica", "check")
        check(r.returncode == 0, "replica %d equals etcd: %s" % (rep.index, (r.stdout + r.stderr).strip()))


def quantile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))] if values else 0


def lookup_load(replica, stop, lat, errors):
    s = replica.connect()
    while not stop.is_set():
        t0 = time.perf_counter()
        r = replica.ask(s, b"domains example.org")
        lat.append(time.perf_counter() - t0)
        if r is None or not r.startswith(b"OK"):
            errors.append(r)
        time.sleep(0.002)
    s.close()


def test_partition(cl, replicas, work):
    rep = replicas[2]
    stop = threading.Event()
    lat, errors = [], []
    th = threading.Thread(target=lookup_load, args=(rep, stop, lat, errors))
    th.start()
    before = rep.metric("mailmap_replica_revision")
    cluster.cut_replica(rep)
    t_cut = time.monotonic()
    shown = wait_for(lambda: rep.metric("mailmap_replica_watch_up") == 0, 10)
    check(shown, "staleness shows within 10 s (watch down after %.1f s)" % (time.monotonic() - t_cut))
    r = rep.ctl("status")
    line = [x for x in r.stdout.splitlines() if x.startswith("replica: etcd revision")]
    check(line and "watch DOWN" in line[0], "mailmapctl status shows it: %s" % line)
    r = replicas[0].ctl("mailbox", "add", "partition@example.org", "offer=acme/basic")
    check(r.returncode == 0, "a commit elsewhere during the partition")
    time.sleep(max(0, PARTITION_S - (time.monotonic() - t_cut)))
    stale = rep.metric("mailmap_replica_staleness_seconds")
    check(stale is not None and stale >= PARTITION_S - 15,
          "staleness after %d s cut off: %s s" % (PARTITION_S, stale))
    check(not answers(rep, b"mailboxes partition@example.org"), "the cut-off replica has not seen it")
    cluster.heal()
    t_heal = time.monotonic()
    caught = wait_for(lambda: answers(rep, b"mailboxes partition@example.org"), 5)
    took = time.monotonic() - t_heal
    check(caught and took < 2, "caught up %.2f s after the healing" % took)
    last = replicas[0].metric("mailmap_replica_revision")
    all_in = wait_for(lambda: rep.metric("mailmap_replica_revision") >= last, 10)
    check(all_in, "and all %d revisions of the partition %.2f s after it"
          % (last - before, time.monotonic() - t_heal))
    stop.set()
    th.join()
    p99 = quantile(lat, .99) * 1000
    check(not errors and p99 < 1.0, "%d lookups while cut off: p99 %.3f ms, %d errors"
          % (len(lat), p99, len(errors)))
    # an etcd member alone refuses writes
    m3 = cl.members[2]
    cluster.cut_member(m3)
    alone = os.path.join(work, "alone.conf")
    with open(rep.conf) as f:
        text = re.sub(r'etcd = "[^"]*"', 'etcd = "%s"' % m3.client, f.read())
    with open(alone, "w") as f:
        f.write(text)
    time.sleep(2)
    t0 = time.monotonic()
    r = subprocess.run([MAILMAPCTL, "--config", alone, "mailbox", "add",
                        "minority@example.org", "offer=acme/basic"],
                       capture_output=True, text=True)
    took = time.monotonic() - t0
    check(r.returncode == 75 and "etcd" in r.stderr,
          "the minority member refuses in %.1f s: %s" % (took, r.stderr.strip()))
    cluster.heal()
    cl.wait_healthy()
    check(not answers(replicas[0], b"mailboxes minority@example.org"), "and nothing was written")


def test_staged(replicas):
    stop = threading.Event()
    seen = {"dumps": 0, "partial": 0, "whole": 0}

    def reader():
        while not stop.is_set():
            t = dump_tables(replicas[1].store)
            n = sum(1 for a in t.get("addresses", ()) if a.endswith("@staged.test"))
            seen["dumps"] += 1
            seen["whole"] += n == 400
            seen["partial"] += n not in (0, 400)

    th = threading.Thread(target=reader)
    th.start()
    text = "domain add staged.test customer=acme\n" + "".join(
        "mailbox add s%d@staged.test offer=acme/basic\n" % i for i in range(400))
    r = batch(replicas[0], text)
    ok = wait_for(lambda: answers(replicas[1], b"mailboxes s399@staged.test"), 10)
    time.sleep(0.2)
    stop.set()
    th.join()
    check(r.returncode == 0 and ok, "a 400-mailbox batch commits, staged: " + r.stdout.strip() + r.stderr)
    check("switches generations" in open(replicas[1].log).read(), "the replicas reloaded at the switch")
    check(seen["partial"] == 0 and seen["whole"] > 0,
          "%d snapshots read, %d partial" % (seen["dumps"], seen["partial"]))
    for rep in replicas:
        r = rep.ctl("replica", "check")
        check(r.returncode == 0, "replica %d equals etcd: %s" % (rep.index, r.stdout.strip()))
    r = replicas[2].ctl("mailbox", "add", "after@staged.test", "offer=acme/basic")
    check(r.returncode == 0 and wait_for(lambda: answers(replicas[0], b"mailboxes after@staged.test"), 2),
          "a single commit on the new generation")


def test_compaction(cl, replicas):
    rep, other = replicas[2], replicas[1]
    # a plain restart resumes from its revision
    before = other.metric("mailmap_replica_revision")
    other.stop()
    r = replicas[0].ctl("mailbox", "add", "resume@example.org", "offer=acme/basic")
    check(r.returncode == 0, "a commit while replica 2 is down")
    other.start()
    check(wait_for(lambda: answers(other, b"mailboxes resume@example.org"), 5),
          "replica 2 restarted at revision %s catches up" % before)
    check(other.metric("mailmap_replica_bootstraps_total") == 0, "by watching, no bootstrap")
    # stopped past etcd's retention: bootstraps again
    rep.stop()
    for i in range(20):
        replicas[0].ctl("mailbox", "add", "c%d@example.org" % i, "offer=acme/basic")
    cl.compact(cl.revision())
    stop = threading.Event()
    lat, errors = [], []
    rep.start()
    th = threading.Thread(target=lookup_load, args=(rep, stop, lat, errors))
    th.start()
    caught = wait_for(lambda: answers(rep, b"mailboxes c19@example.org"), 10)
    stop.set()
    th.join()
    check(caught, "the replica started past the compaction catches up")
    check(rep.metric("mailmap_replica_bootstraps_total") == 1, "by one bootstrap")
    check(not errors and lat, "%d lookups during the start, none missed example.org" % len(lat))
    for r_ in replicas:
        r = r_.ctl("replica", "check")
        check(r.returncode == 0, "replica %d equals etcd: %s" % (r_.index, r.stdout.strip()))


def main():
    why = cluster.available()
    if why is not None:
        print("  cannot run the cluster: " + why)
        sys.exit(1)
    work = tempfile.mkdtemp(prefix="mailmap-cluster.")
    os.chmod(work, 0o755)
    cl = cluster.Cluster(work)
    replicas = [cluster.Replica(work, i + 1, MAILMAPD, MAILMAPCTL) for i in range(3)]
    cluster.heal()
    try:
        check(cl.start(), "3 etcd members up")
        for rep in replicas:
            order = [cl.members[rep.index - 1]] + [m for m in cl.members if m.index != rep.index]
            rep.configure(cl.endpoints(order), extra="max_txn_ops = 256;")
            check(rep.start(), "replica %d started" % rep.index)
        test_basics(work, replicas)
        test_atomicity(replicas)
        test_leader_kills(cl, replicas)
        test_partition(cl, replicas, work)
        test_staged(replicas)
        test_compaction(cl, replicas)
    finally:
        cluster.heal()
        for rep in replicas:
            code = rep.stop()
            check(code in (0, None), "replica %d stopped cleanly (%s)" % (rep.index, code))
        cl.stop()
        if FAILS:
            for rep in replicas:
                print("  replica %d log tail:\n%s" % (rep.index, open(rep.log).read()[-1500:]))
        else:
            subprocess.run(["rm", "-rf", work])
    print("  all checks passed" if not FAILS else "  %d checks failed" % len(FAILS))
    sys.exit(1 if FAILS else 0)


main()
