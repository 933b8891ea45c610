"""mailmapd's dict service against a raw client (see the .sh)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, check, closed, connect, finish  # noqa: E402

D = Daemon(*sys.argv[1:4])
AUTH = os.path.join(D.run, "auth.sock")
QUOTA = os.path.join(D.run, "quota.sock")
MANY = 3000  # mailboxes, for an iteration over many output chunks
HELLO = b"H3\t2\t0\t\tauth\n"
USERDB = b"Lshared/userdb/user@example.com\tuser@example.com\n"


def setup():
    lines = ["customer add acme", "offer add acme/basic quota=1G",
             "domain add example.com customer=acme",
             "domain add many.example customer=acme",
             "mailbox add user@example.com offer=acme/basic password=secret",
             "mailbox add other@example.com offer=acme/basic"]
    lines += [f"mailbox add u{i:05d}@many.example offer=acme/basic"
              for i in range(MANY)]
    D.batch("\n".join(lines) + "\n")
    D.permissions()


def config(listeners):
    # max_output at its minimum: an iteration goes out in many chunks.
    D.write_config(f'''store: {{ dir = "{D.store}"; }};
daemon: {{ user = "{D.user()}"; workers = 2; max_request = 4096;
  max_output = "64k"; }};
listeners = ( {listeners} );
''')


def talk(path, data, lines, timeout=3.0):
    """Sends data; returns the first `lines` reply lines (b'' if closed)."""
    s = connect(path)
    s.sendall(data)
    buf = b""
    end = time.time() + timeout
    s.settimeout(0.2)
    while buf.count(b"\n") < lines and time.time() < end:
        try:
            chunk = s.recv(65536)
        except OSError:
            continue
        if not chunk:
            break
        buf += chunk
    s.close()
    return buf


def after_iteration(buf):
    """Has buf an iteration's empty line and one full line after it?"""
    return b"\n\n" in buf and buf.split(b"\n\n", 1)[1].endswith(b"\n")


def read_iteration(s, timeout=20.0, pause=0.0, size=65536):
    """Reads an iteration and the reply after it (or to EOF / timeout)."""
    buf = b""
    stop = time.time() + timeout
    s.settimeout(timeout)
    while not after_iteration(buf) and time.time() < stop:
        if pause:
            time.sleep(pause)
        chunk = s.recv(size)
        if not chunk:
            break
        buf += chunk
    return buf


def answered():
    return talk(AUTH, HELLO + USERDB, 1).startswith(b"O{")


def test_auth_only():
    """A daemon serving only auth needs no state environment."""
    config(f'{{ protocol = "dict"; path = "{AUTH}"; mode = "0666"; '
           f'maps = ["auth"]; }}')
    D.start(AUTH)
    try:
        check(answered(), "auth-only listener answers")
        check(not os.path.exists(os.path.join(D.store, "state")),
              "no state environment without quota or lastlogin")
    finally:
        status = D.stop()
    check(status == 0, f"SIGTERM stops cleanly (exit {status})")


def test_answers():
    got = talk(AUTH, HELLO + b"Lshared/userdb/user@example.com\t"
               b"User@Example.COM\nLshared/passdb/imap//nobody@example.com\t"
               b"nobody@example.com\n", 2)
    check(got.startswith(b'O{"home": "/var/vmail/example.com/user"'),
          f"userdb lookup answered first: {got[:80]!r}")
    check(got.endswith(b"\nN\n"), f"unknown user: N, in order: {got[-20:]!r}")
    got = talk(AUTH, HELLO + b"Lshared/passdb/imap/secured/user@example.com"
               b"\tuser@example.com\n", 1)
    check(got.startswith(b'O{"password": "{') and got.endswith(b"}\n"),
          f"passdb: a JSON object with the password hash: {got[:30]!r}")
    got = talk(AUTH, HELLO + b"I8\t1\tshared/userdb/\t*\n", 2)
    check(got == b"Oshared/userdb/other@example.com\t\n\n",
          f"iteration with NO_VALUE and max_rows 1: {got!r}")
    got = talk(QUOTA, b"H3\t2\t0\t\tquota\nLpriv/quota/storage\tuser@example.com\n"
               b"B1\tuser@example.com\nS1\tpriv/quota/storage\t0\n"
               b"S1\tpriv/quota/messages\t0\nC1\n"
               b"B2\tuser@example.com\nA2\tpriv/quota/storage\t74\nC2\n"
               b"B3\tuser@example.com\nA3\tpriv/quota/storage\t5\nR3\n"
               b"Lpriv/quota/storage\tuser@example.com\n", 4)
    check(got == b"N\nO1\nO2\nO74\n",
          f"quota: N, commits, rollback ignored, then 74: {got!r}")
    got = talk(QUOTA, b"H3\t2\t0\t\tquota\nLpriv/quota/storage\t\n", 1)
    check(got == b"N\n", f"priv/ key with an empty user: N: {got!r}")
    got = talk(QUOTA, b"H3\t2\t0\t\tquota\nB1\t\nA1\tpriv/quota/storage\t1\n"
               b"C1\nLpriv/quota/storage\tuser@example.com\n", 2)
    check(got.startswith(b"F1\t") and got.endswith(b"\nO74\n"),
          f"priv/ commit with an empty user: F, connection kept: {got!r}")
    got = talk(QUOTA, b"H3\t2\t0\t\tlastlogin\nB1\tuser@example.com\n"
               b"S1\tshared/last-login/user@example.com\t1700000000\nD1\n"
               b"Lshared/last-login/user@example.com\tuser@example.com\n", 2)
    check(got == b"AO1\nO1700000000\n", f"last login: D commit, then L: {got!r}")


def test_large_iteration():
    """MANY rows over max_output: chunks, resumed as the client drains."""
    for what, pause, size in [("fast reader", 0, 1 << 20),
                              ("slow reader", 0.001, 4096)]:
        s = connect(AUTH)
        s.sendall(HELLO + b"I0\t0\tshared/userdb/\t*\n" + USERDB)
        got = read_iteration(s, pause=pause, size=size)
        s.close()
        rows = got.split(b"\n\n")[0].split(b"\n")
        keys = [r.split(b"\t")[0] for r in rows]
        check(len(rows) == MANY + 2 and keys == sorted(keys) and
              keys[0] == b"Oshared/userdb/other@example.com" and
              keys[-1] == b"Oshared/userdb/user@example.com" and
              all(r.endswith(b"}") for r in rows) and
              b"\n\nO{" in got and got.endswith(b"}\n"),
              f"{what}: {MANY + 2} rows in key order, the empty line, then "
              f"the pipelined lookup (got {len(rows)} rows)")
    # A client that stops reading holds only its own connection.
    s = connect(AUTH)
    s.sendall(HELLO + b"I0\t0\tshared/userdb/\t*\n")
    time.sleep(0.2)
    check(answered(), "an iteration nobody reads does not block others")
    s.close()


def test_v3_and_v4_at_once():
    """A 2.3 (v3) and a 2.4 (v4) client on one listener, interleaved:
    each connection keeps its own version (B's third field in v4, D in
    v3 only)."""
    v3, v4 = connect(QUOTA), connect(QUOTA)
    v3.sendall(b"H3\t2\t0\t\tquota\nB1\tuser@example.com\n")
    v4.sendall(b"H4\t0\t0\t\tquota\nB1\tuser@example.com\t0\n")
    v3.sendall(b"S1\tpriv/quota/messages\t3\n")
    v4.sendall(b"V1\tyes\nS1\tpriv/quota/storage\t21\n")
    lookups = (b"Lpriv/quota/storage\tuser@example.com\n"
               b"Lpriv/quota/messages\tuser@example.com\n")
    v4.sendall(b"S1\tpriv/quota/messages\t1\nC1\n" + lookups)
    got4 = read_lines(v4, 3)
    check(got4 == b"O1\nO21\nO1\n",
          f"v4: B with expire, V, commit, lookups: {got4!r}")
    # v3's transaction, open all along, ends after v4's commit.
    v3.sendall(b"A1\tpriv/quota/messages\t1\nD1\n" + lookups)
    got3 = read_lines(v3, 3)
    check(got3 == b"AO1\nO21\nO4\n",
          f"v3: D commit beside it, same store: {got3!r}")
    v3.close()
    v4.sendall(b"B2\tuser@example.com\t0\nD2\n")
    check(closed(v4), "v4: D (gone in version 4) closes the connection")
    v4.close()


def read_lines(s, lines, timeout=3.0):
    buf = b""
    s.settimeout(timeout)
    while buf.count(b"\n") < lines:
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    return buf


BAD = [
    ("a future version 5", AUTH, b"H5\t0\t0\t\tauth\nLshared/x\tu\n",
     "unsupported protocol version"),
    ("a dict this listener does not serve", AUTH,
     b"H3\t2\t0\t\tquota\nLpriv/quota/storage\tu\n", "not served"),
    ("an unknown dict name", AUTH, b"H3\t2\t0\t\tnosuch\nLshared/x\tu\n",
     "unknown dict name"),
    ("a command before the handshake", AUTH, b"Lshared/x\tu\n",
     "before the handshake"),
    ("an unknown command", AUTH, HELLO + b"X1\n", "unknown command"),
    ("an unknown transaction id", QUOTA,
     b"H3\t2\t0\t\tquota\nB1\tu\nC7\n", "unknown transaction id"),
    ("a line over the limit", AUTH, HELLO + b"L" + b"x" * 5000 + b"\tu\n",
     "oversized request"),
]


def test_bad_input():
    for what, path, data, reason in BAD:
        s = connect(path)
        s.sendall(data)
        check(closed(s), f"{what}: closed without a reply")
        s.close()
        check(answered(), f"{what}: other clients unaffected")
        check(reason in D.log_text(), f"{what}: logged ({reason})")
    s = connect(AUTH)
    s.sendall(HELLO + b"Lshared/userdb/us")
    s.close()  # half a line, then gone
    check(answered(), "half a line, then a disconnect: others unaffected")
    idle = [connect(AUTH) for _ in range(200)]
    check(answered(), "with 200 idle connections open, another client is "
          "answered")
    for s in idle:
        s.close()


def main():
    setup()
    test_auth_only()
    config(f'''{{ protocol = "dict"; path = "{AUTH}"; mode = "0666"; maps = ["auth"]; }},
  {{ protocol = "dict"; path = "{QUOTA}"; mode = "0666";
     maps = ["quota", "lastlogin"]; }}''')
    D.start(AUTH)
    try:
        test_answers()
        test_v3_and_v4_at_once()
        test_large_iteration()
        test_bad_input()
    finally:
        status = D.stop()
    check(status == 0, f"SIGTERM stops cleanly (exit {status})")
    finish(D)


main()
