#!/usr/bin/env python3
"""IMAP and POP3 client steps of the Dovecot integration tests
(dovecot.bash): one step per call, one result line on stdout, exit 0 when
the step went as the server answered (the caller compares the line).

  dovecot_client.py greeting PORT
      waits (bounded) until the server on 127.0.0.1:PORT greets; prints it
  dovecot_client.py imap PORT USER PASSWORD [options]
      LOGIN, then the options' steps in order:
        --source IP     connect from this loopback address (127.0.0.2:
                        Dovecot does not count the connection as secured)
        --starttls      STARTTLS before LOGIN (certificate not checked)
        --append BYTES  APPEND to INBOX a message that Dovecot stores and
                        counts for the quota as exactly BYTES bytes
        --quota         GETQUOTAROOT INBOX (STORAGE in KiB)
      prints "LOGIN OK" or "LOGIN NO <text>", then per step
      "APPEND OK" / "APPEND NO <text>" and "QUOTA <used> <limit>" /
      "QUOTA none"
  dovecot_client.py pop3 PORT USER PASSWORD [--source IP] [--stls]
      USER/PASS, then STAT: "LOGIN OK <messages> <bytes>" or "LOGIN ERR
      <text>"

Every socket operation times out after 10 s (exit 2 with "TIMEOUT").
"""
import imaplib
import poplib
import re
import socket
import ssl
import sys
import time

TIMEOUT = 10
HOST = "127.0.0.1"


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def make_imap(source):
    class Imap(imaplib.IMAP4):
        def _create_socket(self, timeout):
            return socket.create_connection(
                (self.host, self.port), timeout, source_address=(source, 0))
    return Imap


def make_pop3(source):
    class Pop3(poplib.POP3):
        def _create_socket(self, timeout):
            return socket.create_connection(
                (self.host, self.port), timeout, source_address=(source, 0))
    return Pop3


def text(data):
    """The server's text of an imaplib error or reply."""
    if isinstance(data, (list, tuple)):
        data = data[0] if data else b""
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    return str(data)


def message(size):
    """A message whose stored size is exactly size bytes: LF line ends, as
    Dovecot stores it and counts it for the quota (imaplib sends CRLF)."""
    head = (b"From: test@example.net\nTo: user@example.com\n"
            b"Subject: quota\n\n")
    left = size - len(head)
    if left < 1:
        raise SystemExit("message size %d too small" % size)
    lines, rest = divmod(left, 77)
    body = (b"x" * 76 + b"\n") * lines
    if rest:
        body += b"y" * (rest - 1) + b"\n"
    assert len(head + body) == size
    return head + body


def greeting(port):
    deadline = time.monotonic() + TIMEOUT
    while True:
        try:
            with socket.create_connection((HOST, port), 2) as s:
                s.settimeout(2)
                line = s.recv(512).decode("utf-8", "replace").strip()
                if line:
                    print(line)
                    return 0
        except OSError:
            pass
        if time.monotonic() > deadline:
            print("no greeting on port %d" % port)
            return 1
        time.sleep(0.1)


def imap(port, user, password, args):
    source = HOST
    steps = []
    starttls = False
    i = 0
    while i < len(args):
        if args[i] == "--source":
            source = args[i + 1]
            i += 2
        elif args[i] == "--starttls":
            starttls = True
            i += 1
        elif args[i] == "--append":
            steps.append(("append", int(args[i + 1])))
            i += 2
        elif args[i] == "--quota":
            steps.append(("quota", None))
            i += 1
        else:
            raise SystemExit("unknown option %s" % args[i])
    m = make_imap(source)(HOST, port, timeout=TIMEOUT)
    try:
        if starttls:
            m.starttls(tls_context())
        try:
            m.login(user, password)
        except imaplib.IMAP4.error as e:
            print("LOGIN NO %s" % text(e.args[0] if e.args else e))
            return 0
        print("LOGIN OK")
        for step, arg in steps:
            if step == "append":
                typ, data = m.append("INBOX", None, None, message(arg))
                print("APPEND OK" if typ == "OK" else "APPEND NO %s" % text(data))
            elif step == "quota":
                typ, data = m.getquotaroot("INBOX")
                # [[b'INBOX "User quota"'], [b'"User quota" (STORAGE 1 5)']]
                found = None
                for group in data:
                    for item in group if isinstance(group, list) else [group]:
                        if isinstance(item, bytes) and not found:
                            found = re.search(rb"STORAGE (\d+) (\d+)", item)
                print("QUOTA %s %s" % (found.group(1).decode(), found.group(2).decode())
                      if found else "QUOTA none")
        m.logout()
    except imaplib.IMAP4.error as e:
        print("ERROR %s" % text(e.args[0] if e.args else e))
        return 1
    return 0


def pop3(port, user, password, args):
    source = HOST
    stls = False
    i = 0
    while i < len(args):
        if args[i] == "--source":
            source = args[i + 1]
            i += 2
        elif args[i] == "--stls":
            stls = True
            i += 1
        else:
            raise SystemExit("unknown option %s" % args[i])
    p = make_pop3(source)(HOST, port, timeout=TIMEOUT)
    try:
        if stls:
            p.stls(tls_context())
        p.user(user)
        try:
            p.pass_(password)
        except poplib.error_proto as e:
            print("LOGIN ERR %s" % text(e.args[0]).removeprefix("-ERR "))
            return 0
        count, size = p.stat()
        print("LOGIN OK %d %d" % (count, size))
        p.quit()
    except poplib.error_proto as e:
        print("ERROR %s" % text(e.args[0]))
        return 1
    return 0


def main(argv):
    try:
        if len(argv) >= 3 and argv[1] == "greeting":
            return greeting(int(argv[2]))
        if len(argv) >= 5 and argv[1] == "imap":
            return imap(int(argv[2]), argv[3], argv[4], argv[5:])
        if len(argv) >= 5 and argv[1] == "pop3":
            return pop3(int(argv[2]), argv[3], argv[4], argv[5:])
    except (socket.timeout, TimeoutError):
        print("TIMEOUT")
        return 2
    except (OSError, EOFError) as e:
        print("ERROR %s" % e)
        return 2
    sys.stderr.write(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
