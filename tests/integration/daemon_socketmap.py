"""mailmapd's socketmap service against a raw client (see the .sh)."""
import os
import pwd
import resource
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, check, closed, connect as connect_to, finish  # noqa: E402

MAILMAPD, MAILMAPCTL, WORK = sys.argv[1:4]
D = Daemon(MAILMAPD, MAILMAPCTL, WORK)
STORE = D.store
SOCK = os.path.join(D.run, "socketmap.sock")
CONF = D.conf
LOG = D.log
MAX_REQUEST = 4096


def ctl(*args):
    return D.ctl(*args)


def write_config(maps='', idle="3s", max_conn=1010, level="info", mode="0666",
                 store=""):
    D.write_config(f'''store: {{ dir = "{STORE}"; {store} }};
daemon: {{ user = "{D.user()}"; workers = 2; idle_timeout = "{idle}";
  max_request = "{MAX_REQUEST}"; log_level = "{level}"; }};
listeners = (
  {{ protocol = "socketmap"; path = "{SOCK}"; mode = "{mode}"; {maps}
     max_connections = {max_conn}; }}
);
''')


def prepare():
    D.batch("server add imap1 host=127.0.0.1 roles=imap lmtp_port=2424\n"
            "customer add acme\noffer add acme/basic\n"
            "domain add example.com customer=acme server=imap1\n"
            "mailbox add user@example.com offer=acme/basic\n")
    D.permissions()


def start():
    return D.start(SOCK)


def connect():
    return connect_to(SOCK)


def netstring(payload):
    return b"%d:%s," % (len(payload), payload)


def read_reply(s):
    """One netstring reply, or None on EOF."""
    buf = b""
    while b":" not in buf:
        chunk = s.recv(1)
        if not chunk:
            return None
        buf += chunk
    length = int(buf[:-1])
    data = b""
    while len(data) < length + 1:
        chunk = s.recv(length + 1 - len(data))
        if not chunk:
            return None
        data += chunk
    assert data[-1:] == b","
    return data[:-1]


def ask(payload, s=None):
    own = s is None
    s = s or connect()
    s.sendall(netstring(payload))
    reply = read_reply(s)
    if own:
        s.close()
    return reply


def test_answers():
    check(ask(b"mailboxes user@example.com") == b"OK example.com/user/", "mailbox found")
    check(ask(b"mailboxes User+Tag@EXAMPLE.com") == b"OK example.com/user/", "case and extension")
    check(ask(b"mailboxes nobody@example.com") == b"NOTFOUND ", "unknown mailbox")
    check(ask(b"transport user@example.com") == b"OK lmtp:inet:127.0.0.1:2424", "transport")
    check(ask(b"transport *") == b"NOTFOUND ", "transport *")
    check(ask(b"aliases example.com") == b"NOTFOUND ", "bare domain in aliases")
    check(ask(b"nosuchmap x").startswith(b"PERM "), "unknown map is PERM")
    check(ask(b"mailboxes") == b"NOTFOUND ", "no key")
    check(ask(b"mailboxes ") == b"NOTFOUND ", "empty key")
    r = ctl("mailbox", "add", "new@example.com", "offer=acme/basic")
    check(r.returncode == 0 and ask(b"mailboxes new@example.com") == b"OK example.com/new/",
          "a mailmapctl commit is visible to the next query")


def test_framing():
    s = connect()
    s.sendall(netstring(b"domains example.com") + netstring(b"mailboxes user@example.com"))
    check(read_reply(s) == b"OK example.com" and read_reply(s) == b"OK example.com/user/",
          "pipelined requests answered in order")
    for byte in netstring(b"mailboxes user@example.com"):
        s.sendall(bytes([byte]))
    check(read_reply(s) == b"OK example.com/user/", "request sent byte by byte")
    s.close()
    key_at = b"mailboxes " + b"k" * (MAX_REQUEST - len(b"mailboxes "))
    check(ask(key_at) == b"NOTFOUND ", "request of exactly max_request bytes answered")
    for name, data, want in [
            ("over max_request", netstring(key_at + b"k"), b"PERM request too long"),
            ("huge length field", b"99999999999999999999999:", b"PERM request too long"),
            ("non-digit length", b"1x:abc,", b"PERM malformed netstring"),
            ("missing comma", b"3:abc;", b"PERM malformed netstring")]:
        s = connect()
        s.sendall(data)
        reply = read_reply(s)
        check(reply == want and closed(s), f"{name}: {reply!r} then closed")
        s.close()


def test_half_close():
    """A client that sends its requests and then half-closes (shutdown
    SHUT_WR) still gets every reply, even those still queued when the EOF
    came (more than the socket buffer holds: the client reads only after
    it has sent everything)."""
    n = 60000
    s = connect()
    s.sendall(netstring(b"mailboxes nobody@example.com") * n)
    s.shutdown(socket.SHUT_WR)
    data = b""
    s.settimeout(10)
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    one = netstring(b"NOTFOUND ")
    check(data == one * n, f"half-closed client: {data.count(one)} replies of {n}")


def test_clients():
    half = connect()
    half.sendall(b"26:mailboxes user@exa")
    gone = connect()
    gone.sendall(b"26:mailboxes use")
    gone.close()
    check(ask(b"domains example.com") == b"OK example.com",
          "others answered while one client sends half a request and one left mid-request")
    check(closed(half, 6), "half a request: closed at the idle timeout")
    idle = connect()
    t0 = time.monotonic()
    check(closed(idle, 6) and 2 <= time.monotonic() - t0 <= 5.5, "idle connection closed after idle_timeout (3s)")
    # A request every second for 5 s: the timer armed at the start fires
    # meanwhile and must wait again; then idle time counts from the last
    # request.
    busy = connect()
    answered = 0
    for _ in range(5):
        time.sleep(1)
        try:
            busy.sendall(netstring(b"domains example.com"))
            answered += read_reply(busy) == b"OK example.com"
        except OSError:  # closed under it
            break
    t0 = time.monotonic()
    check(answered == 5 and closed(busy, 6) and 2 <= time.monotonic() - t0 <= 5.5,
          "a connection with a request every second stays open past idle_timeout, "
          "then closes idle_timeout after its last request")


def rss_kb(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def test_many_idle(proc):
    before = rss_kb(proc.pid)
    conns = [connect() for _ in range(1000)]
    check(ask(b"domains example.com") == b"OK example.com", "answered with 1000 idle connections open")
    grown = rss_kb(proc.pid) - before
    check(grown < 16 * 1024, f"1000 idle connections cost {grown} kB of memory")
    extra = [connect() for _ in range(15)]  # past max_connections = 1010
    refused = sum(1 for s in extra if closed(s, 1))
    check(refused >= 5, f"{refused} connections past max_connections refused")
    for s in conns + extra:
        s.close()
    time.sleep(0.5)
    check(ask(b"domains example.com") == b"OK example.com", "answered after they all left")


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def spawn(preexec_fn=None):
    """A daemon of the test's own on the same configuration and log."""
    with open(LOG, "a") as log:
        return subprocess.Popen([MAILMAPD, "--config", CONF, "--foreground"],
                                stdout=log, stderr=log, preexec_fn=preexec_fn)


def wait_ready():
    for _ in range(100):
        try:
            connect().close()
            return
        except OSError:
            time.sleep(0.05)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def hup_blocked(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("SigBlk:"):
            return int(line.split()[1], 16) & (1 << (signal.SIGHUP - 1)) != 0
    return False


def test_hup_during_start():
    """A SIGHUP while mailmapd starts (systemctl reload right after start)
    waits for its handler: the daemon lives and reloads once ready."""
    before = len(open(LOG).read())
    proc = spawn()
    try:
        deadline = time.monotonic() + 5
        while not hup_blocked(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.0005)
        proc.send_signal(signal.SIGHUP)
        wait_ready()
        time.sleep(0.3)
        check(proc.poll() is None, "a SIGHUP during start-up does not kill mailmapd")
        check("configuration reloaded" in open(LOG).read()[before:],
              "and is applied once it is ready")
        check(ask(b"domains example.com") == b"OK example.com", "it answers")
    finally:
        stop(proc)


def test_stale_socket():
    """The socket of a daemon that was killed (-9) is taken over by the
    next start: nothing listens on it any more."""
    first = D.start(SOCK)
    first.kill()
    first.wait()
    check(os.path.exists(SOCK), "a killed daemon leaves its socket behind")
    D.start(SOCK)
    check(ask(b"domains example.com") == b"OK example.com", "the next start takes it over")
    D.stop()


def test_out_of_descriptors():
    """Clients queued while mailmapd has no descriptor left: it waits
    instead of spinning on accept(), and serves again once it has some.
    A daemon of its own, started with a hard limit of 64 descriptors."""
    proc = spawn(lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64)))
    try:
        wait_ready()
        conns = [connect() for _ in range(80)]
        time.sleep(0.3)
        t0 = cpu_seconds(proc.pid)
        time.sleep(1.0)
        spent = cpu_seconds(proc.pid) - t0
        check(spent < 0.25, f"out of descriptors with clients queued: {spent:.2f} s of CPU in 1 s")
        check("Too many open files; accepting again in 100 ms" in open(LOG).read(),
              "accept failure logged with its pause")
        for s in conns:
            s.close()
        time.sleep(0.3)
        check(ask(b"domains example.com") == b"OK example.com",
              "answered again once descriptors are free")
    finally:
        stop(proc)


def test_second_instance(proc):
    """A second mailmapd on the same socket path (started by hand, say)
    refuses to start and leaves the running one's socket alone."""
    r = subprocess.run([MAILMAPD, "--config", CONF, "--foreground"],
                       capture_output=True, text=True, timeout=10)
    check(r.returncode != 0 and "another process listens on" in r.stderr,
          f"a second instance refuses the live socket (exit {r.returncode})")
    check(os.path.exists(SOCK) and ask(b"domains example.com") == b"OK example.com",
          "the running daemon keeps its socket and answers")


def test_reload(proc):
    write_config(maps='maps = ["domains"];')
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    check(ask(b"mailboxes user@example.com").startswith(b"PERM map not served"),
          "SIGHUP applied the new maps list")
    with open(CONF, "a") as f:
        f.write("bogus = 1;\n")
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    check(ask(b"domains example.com") == b"OK example.com", "a bad configuration keeps the old one")
    check("reload refused" in open(LOG).read(), "the refusal is logged")
    write_config()
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    check(ask(b"mailboxes user@example.com") == b"OK example.com/user/", "reload back")
    # a socket's mode is applied at bind: a reload cannot change it
    write_config(mode="0660")
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    check("the listeners changed (protocol, path, address, owner, group or mode)"
          in open(LOG).read(), "a new socket mode asks for a restart")
    check(oct(os.stat(SOCK).st_mode & 0o777) == "0o666", "the socket keeps its mode")
    # so is the state store's sync timer
    write_config(store='state_sync = "10s";')
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    check("store.state_sync or policy.sweep_interval changed (restart mailmapd)"
          in open(LOG).read(), "a new store.state_sync asks for a restart")
    write_config()


def test_identity(proc):
    uid = [l for l in open(f"/proc/{proc.pid}/status") if l.startswith("Uid:")][0].split()[1:]
    if os.geteuid() == 0:
        check(all(int(u) == pwd.getpwnam("mailmap").pw_uid for u in uid),
              f"privileges dropped to mailmap (uids {uid})")
        with open(CONF) as f:
            text = f.read()
        with open(CONF + ".root", "w") as f:
            f.write(text.replace('user = "mailmap"', 'user = ""')
                    .replace(SOCK, SOCK + ".root"))
        r = subprocess.run([MAILMAPD, "--config", CONF + ".root", "--foreground"],
                           capture_output=True, text=True, timeout=10)
        check(r.returncode != 0 and "refusing to run as root" in r.stderr, "refuses to serve as root")
    r = subprocess.run([MAILMAPD, "--config", CONF, "--check-config"], capture_output=True, text=True)
    check(r.returncode == 0, "--check-config accepts the configuration")


def main():
    prepare()
    write_config()
    proc = start()
    try:
        test_answers()
        test_framing()
        test_half_close()
        test_clients()
        test_many_idle(proc)
        test_second_instance(proc)
        test_reload(proc)
        test_identity(proc)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            status = proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            status = "killed"
    check(status == 0, f"SIGTERM stops cleanly (exit {status})")
    check(not os.path.exists(SOCK), "socket removed at exit")
    test_stale_socket()
    test_out_of_descriptors()
    test_hup_during_start()
    finish(D)


main()
