"""A multi-host test cluster on this one machine (replica_cluster.py,
tests/bench/replica_bench.py): three etcd members on 127.0.0.11-13, and
mailmapd replicas, replica i connecting to etcd from 127.0.0.2i (its
replica.bind_address) so that nftables can cut it off alone. Every
process is started here in a private directory and stopped by PID.
Partitions are nftables rules in a table of our own (inet mailmap_test),
deleted at the end."""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

NFT_TABLE = "mailmap_test"
CLIENT_PORT = 23790
PEER_PORT = 23800
METRICS_PORT = 29177
# member 3 runs as another user: its peer traffic is told apart by uid
# (etcd dials its peers from 127.0.0.1, whatever it listens on)
MINORITY_USER = "nobody"


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def post(url, body, timeout=2.0):
    req = urllib.request.Request(url, data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.loads(r.read())


class Member:
    def __init__(self, work, index, names):
        self.index, self.name = index, "etcd%d" % index
        self.ip = "127.0.0.1%d" % index
        self.client = "http://%s:%d" % (self.ip, CLIENT_PORT)
        self.peer = "http://%s:%d" % (self.ip, PEER_PORT)
        self.dir = os.path.join(work, self.name)
        self.data = os.path.join(self.dir, "data")
        self.names = names
        self.proc = None
        self.user = MINORITY_USER if index == 3 else None

    def start(self, cluster_spec, state="new", extra=()):
        os.makedirs(self.dir, exist_ok=True)
        if self.user is not None:
            subprocess.run(["chown", "-R", self.user, self.dir], check=True)
        cmd = ["etcd", "--name", self.name, "--data-dir", self.data,
               "--listen-client-urls", self.client,
               "--advertise-client-urls", self.client,
               "--listen-peer-urls", self.peer,
               "--initial-advertise-peer-urls", self.peer,
               "--initial-cluster", cluster_spec,
               "--initial-cluster-state", state,
               "--initial-cluster-token", "mailmap-test",
               "--heartbeat-interval", "50", "--election-timeout", "500",
               "--max-txn-ops", "10000", "--max-request-bytes", "33554432",
               "--logger", "zap", "--log-outputs", "stderr", *extra]
        if self.user is not None:
            cmd = ["setpriv", "--reuid", self.user, "--regid", "nogroup",
                   "--clear-groups", *cmd]
        log = open(os.path.join(self.dir, "etcd.log"), "a")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log,
                                     cwd=self.dir)

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()

    def status(self):
        return post(self.client + "/v3/maintenance/status", {}, timeout=1.0)


class Cluster:
    def __init__(self, work, size=3):
        self.work = work
        self.members = [Member(work, i + 1, None) for i in range(size)]
        self.spec = ",".join("%s=%s" % (m.name, m.peer) for m in self.members)

    def endpoints(self, members=None):
        return ",".join(m.client for m in (members or self.members))

    def start(self):
        for m in self.members:
            m.start(self.spec)
        return self.wait_healthy()

    def restart(self, m):
        m.start(self.spec, state="existing")

    def wait_healthy(self, seconds=20):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.call("kv/range", {"key": b64("health")})
                return True
            except Exception:
                time.sleep(0.1)
        return False

    def call(self, path, body, members=None):
        """A call to the first member that answers."""
        last = None
        for m in members or self.members:
            try:
                return post(m.client + "/v3/" + path, body)
            except Exception as e:
                last = e
        raise last

    def leader(self):
        for m in self.members:
            try:
                s = m.status()
                if s["header"]["member_id"] == s.get("leader"):
                    return m
            except Exception:
                pass
        return None

    def revision(self):
        return int(self.call("kv/range", {"key": b64("x")})["header"]["revision"])

    def compact(self, revision):
        return self.call("kv/compaction", {"revision": str(revision), "physical": True})

    def prefix_rows(self, prefix):
        """{key bytes: value bytes} under prefix, and the revision."""
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        r = self.call("kv/range", {"key": b64(prefix), "range_end": b64(end)})
        rows = {}
        for kv in r.get("kvs", []):
            rows[base64.b64decode(kv["key"])] = base64.b64decode(kv.get("value", ""))
        return rows, int(r["header"]["revision"])

    def stop(self):
        for m in self.members:
            m.stop()


class Replica:
    def __init__(self, work, index, mailmapd, mailmapctl):
        self.index = index
        self.ip = "127.0.0.2%d" % index
        self.dir = os.path.join(work, "replica%d" % index)
        self.store = os.path.join(self.dir, "store")
        self.sock = os.path.join(self.dir, "sm.sock")
        self.conf = os.path.join(self.dir, "mailmapd.conf")
        self.log = os.path.join(self.dir, "mailmapd.log")
        self.metrics = "%s:%d" % (self.ip, METRICS_PORT)
        self.mailmapd, self.mailmapctl = mailmapd, mailmapctl
        self.proc = None
        os.makedirs(self.store, exist_ok=True)
        subprocess.run(["chown", "-R", "mailmap:mailmap", self.dir], check=True)
        os.chmod(self.dir, 0o755)

    def configure(self, endpoints, prefix="/mailmap/", extra=""):
        with open(self.conf, "w") as f:
            f.write("""store: { dir = "%s"; };
daemon: { user = "mailmap"; workers = 2; };
replica: { etcd = "%s"; prefix = "%s"; bind_address = "%s";
           timeout_ms = 1000; %s };
listeners = (
  { protocol = "socketmap"; path = "%s"; mode = "0666"; },
  { protocol = "metrics"; address = "%s"; }
);
""" % (self.store, endpoints, prefix, self.ip, extra, self.sock, self.metrics))

    def start(self, wait=True):
        mark = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        log = open(self.log, "a")
        self.proc = subprocess.Popen([self.mailmapd, "--config", self.conf,
                                      "--foreground"], stdout=log, stderr=log)
        if not wait:
            return True
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if "ready:" in open(self.log).read()[mark:]:
                return True
            if self.proc.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return "killed"
        return None

    def ctl(self, *args, input=None):
        return subprocess.run([self.mailmapctl, "--config", self.conf, *args],
                              capture_output=True, text=True, input=input)

    def metric(self, name):
        try:
            with urllib.request.urlopen("http://%s/metrics" % self.metrics,
                                        timeout=2) as r:
                for line in r.read().decode().splitlines():
                    if line.startswith(name + " "):
                        return float(line.split()[1])
        except Exception:
            return None
        return None

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(5)
        s.connect(self.sock)
        return s

    def ask(self, s, request):
        """One socketmap request on connection s: the reply."""
        s.sendall(b"%d:%s," % (len(request), request))
        buf = b""
        while b":" not in buf:
            chunk = s.recv(1)
            if not chunk:
                return None
            buf += chunk
        n = int(buf[:-1])
        data = b""
        while len(data) < n + 1:
            chunk = s.recv(n + 1 - len(data))
            if not chunk:
                return None
            data += chunk
        return data[:-1]


def nft(*rules):
    """Adds rules to our table (created on first use)."""
    subprocess.run(["nft", "add", "table", "inet", NFT_TABLE], check=True)
    subprocess.run(["nft", "add", "chain", "inet", NFT_TABLE, "out",
                    "{ type filter hook output priority 0 ; }"], check=True)
    subprocess.run(["nft", "add", "chain", "inet", NFT_TABLE, "in",
                    "{ type filter hook input priority 0 ; }"], check=True)
    for chain, rule in rules:
        subprocess.run(["nft", "add", "rule", "inet", NFT_TABLE, chain,
                        *rule.split()], check=True)


def heal():
    subprocess.run(["nft", "delete", "table", "inet", NFT_TABLE],
                   capture_output=True)


def cut_replica(replica):
    """The replica's connections to etcd's client ports, both ways."""
    nft(("out", "ip saddr %s tcp dport %d drop" % (replica.ip, CLIENT_PORT)),
        ("in", "ip daddr %s tcp sport %d drop" % (replica.ip, CLIENT_PORT)))


def cut_member(member):
    """A member from its peers (it keeps its clients): a minority of one."""
    nft(("out", "meta skuid %s tcp dport %d drop" % (member.user, PEER_PORT)),
        ("in", "ip daddr %s tcp dport %d drop" % (member.ip, PEER_PORT)))


def available():
    """Why this machine cannot run the cluster, or None."""
    for cmd in ("etcd", "nft", "setpriv"):
        if shutil.which(cmd) is None:
            return cmd + " is not installed"
    if os.geteuid() != 0:
        return "not root (nftables, a second user)"
    r = subprocess.run(["nft", "list", "tables"], capture_output=True)
    if r.returncode != 0:
        return "nftables unusable: " + r.stderr.decode().strip()
    return None
