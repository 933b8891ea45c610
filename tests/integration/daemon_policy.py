"""mailmapd's policy service against a raw client (see the .sh)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, check, closed, connect, finish  # noqa: E402
from policy_client import read_reply, request  # noqa: E402

D = Daemon(*sys.argv[1:4])
SOCK = os.path.join(D.run, "policy.sock")

def ask(**values):
    s = connect(SOCK)
    s.sendall(request(**values))
    reply = read_reply(s)
    s.close()
    return reply


def setup():
    D.batch("customer add acme\n"
            "offer add acme/basic max_message_size=1M\n"
            "offer add acme/internal other_domains=no\n"
            "offer add acme/forced sasl_forced=yes\n"
            "domain add example.com customer=acme\n"
            "mailbox add user@example.com offer=acme/basic\n"
            "mailbox add off@example.com offer=acme/basic enabled=no\n"
            "mailbox add inside@example.com offer=acme/internal\n"
            "mailbox add forced@example.com offer=acme/forced\n"
            "mailbox add u2@example.com offer=acme/basic\n"
            "alias add staff@example.com targets=user@example.com send_rules=allow:domain:example.com\n")
    D.permissions()
    D.write_config(f'''store: {{ dir = "{D.store}"; }};
daemon: {{ user = "{D.user()}"; workers = 2; log_level = "info"; }};
policy: {{ greylisting = true; greylist_delay = "2s"; greylist_retry_window = "1h";
  greylist_header = true;
  whitelist_clients = ["198.51.100.0/24"]; }};
listeners = ( {{ protocol = "policy"; path = "{SOCK}"; mode = "0666"; }} );
''')


def test_checks():
    cases = [
        ("disabled recipient", dict(sender="a@gmail.com", recipient="off@example.com"),
         b"action=REJECT 5.2.1 Mailbox off@example.com is disabled\n\n"),
        ("list send rights", dict(sender="a@gmail.com", recipient="staff@example.com"),
         b"action=REJECT 5.7.1 a@gmail.com may not send to the list staff@example.com\n\n"),
        ("forced SASL", dict(sender="forced@example.com", recipient="user@example.com"),
         b"action=REJECT 5.7.1 Authentication required to send as forced@example.com\n\n"),
        ("plan: other domains", dict(sender="inside@example.com", sasl_method="PLAIN",
                                     sasl_username="inside@example.com", recipient="x@gmail.com"),
         b"action=REJECT 5.7.1 Your plan only allows sending to domains hosted here\n\n"),
        ("plan: size at RCPT", dict(sender="user@example.com", sasl_username="user@example.com",
                                    recipient="x@gmail.com", size="2000000"),
         b"action=REJECT 5.3.4 Message size 2000000 exceeds the limit of your plan (1048576 bytes)\n\n"),
        ("size at END-OF-MESSAGE", dict(protocol_state="END-OF-MESSAGE",
                                        sasl_username="user@example.com", size="1048577"),
         b"action=REJECT 5.3.4 Message size 1048577 exceeds the limit of your plan (1048576 bytes)\n\n"),
        ("authenticated, within the plan", dict(sender="user@example.com",
                                                sasl_username="user@example.com", recipient="x@gmail.com"),
         b"action=DUNNO\n\n"),
        ("other stages decide nothing", dict(protocol_state="CONNECT"), b"action=DUNNO\n\n"),
    ]
    for name, values, want in cases:
        got = ask(**values)
        check(got == want, f"{name}: {got!r}")


def ask_all(*requests):
    """Several requests on one connection, like one smtpd transaction."""
    s = connect(SOCK)
    replies = []
    for values in requests:
        s.sendall(request(**values))
        replies.append(read_reply(s))
    s.close()
    return replies


def test_greylisting():
    first = ask(sender="news@remote.test", recipient="user@example.com")
    check(first == b"action=DEFER_IF_PERMIT 4.7.1 Greylisted: please try again in 2 seconds\n\n",
          f"first sighting deferred: {first!r}")
    early = ask(sender="news+123@remote.test", recipient="user@example.com")
    check(early is not None and early.startswith(b"action=DEFER_IF_PERMIT 4.7.1 Greylisted"),
          f"early retry (sender extension ignored) deferred: {early!r}")
    second = ask(sender="news@remote.test", recipient="u2@example.com")
    check(second is not None and second.startswith(b"action=DEFER_IF_PERMIT"), "second recipient deferred")
    nobody = ask(sender="news@remote.test", recipient="nobody@example.com")
    check(nobody == b"action=DUNNO\n\n",
          f"a recipient nobody has is not greylisted (Postfix answers 550): {nobody!r}")
    time.sleep(2.3)
    both = ask_all(dict(sender="news@remote.test", recipient="user@example.com",
                        client_address="192.0.2.77", instance="aaaa.1"),
                   dict(sender="news@remote.test", recipient="u2@example.com",
                        client_address="192.0.2.77", instance="aaaa.1"))
    check(both[0] is not None and both[0].startswith(b"action=PREPEND X-Greylist: delayed "),
          f"retry after the delay from the same /24 passes with a header: {both[0]!r}")
    check(both[1] == b"action=DUNNO\n\n", f"one header per message (instance), not per recipient: {both[1]!r}")
    # Another worker sees the pass once the writer's queue flushed (50 ms).
    time.sleep(0.2)
    late = ask(sender="news@remote.test", recipient="user@example.com", instance="bbbb.2")
    check(late == b"action=DUNNO\n\n", f"a passed triplet passes without a new header: {late!r}")
    white = ask(sender="x@remote.test", recipient="user@example.com", client_address="198.51.100.9")
    check(white == b"action=DUNNO\n\n", f"whitelisted client not delayed: {white!r}")
    auth = ask(sender="user@example.com", sasl_username="user@example.com", recipient="u2@example.com")
    check(auth == b"action=DUNNO\n\n", f"authenticated client not greylisted: {auth!r}")
    time.sleep(0.3)  # the write queue flushes every 50 ms
    check(os.path.exists(os.path.join(D.store, "state", "data.mdb")), "state environment written")


def test_framing():
    s = connect(SOCK)
    s.sendall(request(sender="a@gmail.com", recipient="off@example.com") +
              request(sender="a@gmail.com", recipient="staff@example.com"))
    one, two = read_reply(s), None
    if one is not None and one.count(b"\n\n") == 2:
        one, two = one.split(b"\n\n")[0] + b"\n\n", one.split(b"\n\n")[1] + b"\n\n"
    else:
        two = read_reply(s)
    check(one.startswith(b"action=REJECT 5.2.1") and two.startswith(b"action=REJECT 5.7.1"),
          "pipelined requests answered in order")
    req = request(sender="a@gmail.com", recipient="off@example.com")
    for b in req:
        s.sendall(bytes([b]))
    check(read_reply(s).startswith(b"action=REJECT 5.2.1"), "request sent byte by byte")
    s.close()
    crlf = connect(SOCK)
    crlf.sendall(request(eol=b"\r\n", sender="a@gmail.com", recipient="off@example.com"))
    check(read_reply(crlf).startswith(b"action=REJECT 5.2.1"), "CRLF line ends accepted (reply LF only)")
    crlf.close()
    for name, data in [("a line over the limit", b"sender=" + b"a" * 9000 + b"\n"),
                       ("too many attributes", b"x=1\n" * 200),
                       ("a NUL byte", b"request=smtpd_access_policy\nsender=a\x00b\n\n"),
                       ("no request attribute", b"sender=a@b.c\n\n"),
                       ("a line without '='", b"request=smtpd_access_policy\nnonsense\n\n")]:
        s = connect(SOCK)
        s.sendall(data)
        check(closed(s, 3), f"{name}: closed without a reply")
        s.close()
    grow = connect(SOCK)
    grow.sendall(b"request=smtpd_access_policy\n")
    for _ in range(40):  # no empty line, growing past daemon.max_request (64k)
        try:
            grow.sendall(b"x_attr=" + b"v" * 2000 + b"\n")
        except OSError:
            break
    check(closed(grow, 3), "a request that never ends is closed at max_request")
    half = connect(SOCK)
    half.sendall(b"request=smtpd_access_policy\nsender=a@b")
    half.close()
    check(ask(sender="a@gmail.com", recipient="off@example.com").startswith(b"action=REJECT"),
          "answered after a client left mid-request")


def main():
    setup()
    D.start(SOCK)
    try:
        test_checks()
        test_greylisting()
        test_framing()
    finally:
        status = D.stop()
    check(status == 0, f"SIGTERM stops cleanly (exit {status})")
    finish(D)


main()
