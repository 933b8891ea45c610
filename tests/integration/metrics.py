#!/usr/bin/env python3
"""Drives mailmapd's request listeners with a known set of requests and
checks that its metrics listener counts exactly them (metrics.sh).

    metrics.py RUN_DIR METRICS_PORT REPORT

RUN_DIR holds sm.sock, policy.sock, dict.sock; the metrics listener is
on 127.0.0.1:METRICS_PORT. Writes the scrapes to REPORT.before and
REPORT.after and prints one "ok: ..." or "FAIL: ..." line per check.
"""
import re
import socket
import sys
import urllib.request

import policy_client

RUN, PORT, REPORT = sys.argv[1], int(sys.argv[2]), sys.argv[3]
SAMPLE = re.compile(r'^([a-z_]+)(\{[^}]*\})? (\S+)$')
fails = 0


def check(ok, what):
    global fails
    print(("  ok: " if ok else "  FAIL: ") + what)
    fails += 0 if ok else 1


def scrape(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/metrics", timeout=10) as r:
        text = r.read().decode()
        ctype = r.headers.get("Content-Type", "")
    with open(path, "w") as f:
        f.write(text)
    samples = {}
    for line in text.splitlines():
        m = SAMPLE.match(line)
        if m:
            samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return samples, ctype


def netstring(s):
    return b"%d:%s," % (len(s), s)


def socketmap(queries):
    s = socket.socket(socket.AF_UNIX)
    s.connect(f"{RUN}/sm.sock")
    for q in queries:
        s.sendall(netstring(q.encode()))
        data = b""
        while not data.endswith(b","):
            data += s.recv(4096)
    s.close()


def policy(requests):
    s = socket.socket(socket.AF_UNIX)
    s.connect(f"{RUN}/policy.sock")
    for values in requests:
        s.sendall(policy_client.request(**values))
        policy_client.read_reply(s)
    s.close()


def dict_lookups(lines):
    s = socket.socket(socket.AF_UNIX)
    s.connect(f"{RUN}/dict.sock")
    s.sendall(b"H3\t2\t0\t\tauth\n")
    for line in lines:
        s.sendall(line.encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            data += s.recv(4096)
    s.close()


def delta(before, after, key):
    return after.get(key, 0) - before.get(key, 0)


def requests_key(listener, protocol, name, outcome):
    return ('mailmap_requests_total{listener="unix:%s/%s",protocol="%s",'
            'name="%s",outcome="%s"}' % (RUN, listener, protocol, name, outcome))


before, ctype = scrape(REPORT + ".before")
check(ctype.startswith("text/plain; version=0.0.4"), "Content-Type: " + ctype)
socketmap(["mailboxes jane@example.org"] * 5 + ["mailboxes nobody@example.org"] * 2
          + ["aliases jane@example.org"] + ["nosuchmap x"])
policy([{"sender": "a@remote.test", "recipient": "jane@example.org",
         "client_address": "192.0.2.1"},   # greylisted: defer_if_permit
        {"sender": "a@remote.test", "recipient": "off@example.org",
         "client_address": "192.0.2.1"}])  # disabled recipient: reject
dict_lookups(["Lshared/userdb/jane@example.org\tjane@example.org",
              "Lshared/userdb/nobody@example.org\tnobody@example.org"])
after, _ = scrape(REPORT + ".after")

want = [
    (("sm.sock", "socketmap", "mailboxes", "found"), 5),
    (("sm.sock", "socketmap", "mailboxes", "notfound"), 2),
    (("sm.sock", "socketmap", "aliases", "found"), 1),
    (("sm.sock", "socketmap", "other", "perm"), 1),
    (("sm.sock", "socketmap", "domains", "found"), 0),
    (("policy.sock", "policy", "greylisting", "defer_if_permit"), 1),
    (("policy.sock", "policy", "disabled_recipient", "reject"), 1),
    (("policy.sock", "policy", "none", "dunno"), 0),
    (("dict.sock", "dict", "auth", "found"), 1),
    (("dict.sock", "dict", "auth", "notfound"), 1),
]
for labels, n in want:
    got = delta(before, after, requests_key(*labels))
    check(got == n, "%s/%s %s %s: +%d (want +%d)" % (labels[1], labels[0], labels[2],
                                                     labels[3], got, n))
count = delta(before, after, 'mailmap_request_duration_seconds_count'
              '{protocol="socketmap",name="mailboxes"}')
check(count == 7, "duration histogram count of socketmap mailboxes: +%d (want +7)" % count)
inf = delta(before, after, 'mailmap_request_duration_seconds_bucket'
            '{protocol="socketmap",name="mailboxes",le="+Inf"}')
check(inf == 7, "its +Inf bucket: +%d" % inf)
for sock, n in (("sm.sock", 1), ("policy.sock", 1), ("dict.sock", 1)):
    key = 'mailmap_connections_accepted_total{listener="unix:%s/%s"}' % (RUN, sock)
    got = delta(before, after, key)
    check(got == n, "connections accepted on %s: +%d (want +%d)" % (sock, got, n))
for name in ("mailmap_greylist_queue_depth", "mailmap_state_store_used_bytes",
             "mailmap_state_store_free_pages", "mailmap_greylist_sweeps_total",
             'mailmap_store_errors_total{store="config"}'):
    check(name in after, "exposes " + name)
check(delta(before, after, 'mailmap_store_errors_total{store="config"}') == 0,
      "no store error counted")
sys.exit(1 if fails else 0)
