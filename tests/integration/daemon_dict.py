"""mailmapd's dict service against a raw client (see the .sh)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, check, closed, connect, finish  # noqa: E402

D = Daemon(*sys.argv[1:4])
AUTH = os.path.join(D.run, "auth.sock")
QUOTA = os.path.join(D.run, "quota.sock")


def setup():
    D.batch("customer add acme\n"
            "offer add acme/basic quota=1G\n"
            "domain add example.com customer=acme\n"
            "mailbox add user@example.com offer=acme/basic\n"
            "mailbox add other@example.com offer=acme/basic\n")
    D.permissions()
    D.write_config(f'''store: {{ dir = "{D.store}"; }};
daemon: {{ user = "{D.user()}"; workers = 2; max_request = 4096; }};
listeners = (
  {{ protocol = "dict"; path = "{AUTH}"; mode = "0666"; maps = ["auth"]; }},
  {{ protocol = "dict"; path = "{QUOTA}"; mode = "0666";
     maps = ["quota", "lastlogin"]; }}
);
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


def test_answers():
    got = talk(AUTH, b"H3\t2\t0\t\tauth\nLshared/userdb/user@example.com\t"
               b"User@Example.COM\nLshared/passdb/imap//nobody@example.com\t"
               b"nobody@example.com\n", 2)
    check(got.startswith(b'O{"home": "/var/vmail/example.com/user"'),
          f"userdb lookup answered first: {got[:80]!r}")
    check(got.endswith(b"\nN\n"), f"unknown user: N, in order: {got[-20:]!r}")
    got = talk(AUTH, b"H3\t2\t0\t\tauth\nI0\t0\tshared/userdb/\t*\n", 3)
    rows = got.split(b"\n")
    check(len(rows) == 4 and
          rows[0].startswith(b"Oshared/userdb/other@example.com\t{") and
          rows[1].startswith(b"Oshared/userdb/user@example.com\t{") and
          rows[2] == b"" and rows[3] == b"",
          f"iteration: two rows in key order, then an empty line: {got!r}")
    got = talk(QUOTA, b"H3\t2\t0\t\tquota\nLpriv/quota/storage\tuser@example.com\n"
               b"B1\tuser@example.com\nS1\tpriv/quota/storage\t0\n"
               b"S1\tpriv/quota/messages\t0\nC1\n"
               b"B2\tuser@example.com\nA2\tpriv/quota/storage\t74\nC2\n"
               b"Lpriv/quota/storage\tuser@example.com\n", 4)
    check(got == b"N\nO1\nO2\nO74\n", f"quota: N, commits, then 74: {got!r}")
    got = talk(QUOTA, b"H3\t2\t0\t\tquota\nLpriv/quota/storage\t\n", 1)
    check(got == b"N\n", f"priv/ key with an empty user: N: {got!r}")


def test_bad_input():
    cases = [
        ("Dovecot 2.4's version 4", AUTH, b"H4\t0\t0\t\tauth\nLshared/x\tu\n"),
        ("a dict this listener does not serve", AUTH,
         b"H3\t2\t0\t\tquota\nLpriv/quota/storage\tu\n"),
        ("an unknown dict name", AUTH, b"H3\t2\t0\t\tnosuch\nLshared/x\tu\n"),
        ("a command before the handshake", AUTH, b"Lshared/x\tu\n"),
        ("an unknown command", AUTH, b"H3\t2\t0\t\tauth\nX1\n"),
        ("an unknown transaction id", QUOTA, b"H3\t2\t0\t\tquota\nC7\n"),
        ("a line over the limit", AUTH,
         b"H3\t2\t0\t\tauth\nL" + b"x" * 5000 + b"\tu\n"),
    ]
    for what, path, data in cases:
        s = connect(path)
        s.sendall(data)
        check(closed(s), f"{what}: closed without a reply")
        s.close()
    s = connect(AUTH)
    s.sendall(b"H3\t2\t0\t\tauth\nLshared/userdb/us")
    s.close()  # half a line, then gone
    idle = [connect(AUTH) for _ in range(200)]
    got = talk(AUTH, b"H3\t2\t0\t\tauth\nLshared/userdb/user@example.com\t"
               b"user@example.com\n", 1)
    check(got.startswith(b"O{"), "with 200 idle connections open, another "
          "client is answered")
    for s in idle:
        s.close()


def main():
    setup()
    D.start(AUTH)
    try:
        test_answers()
        test_bad_input()
    finally:
        status = D.stop()
    check(status == 0, f"SIGTERM stops cleanly (exit {status})")
    finish(D)


main()
