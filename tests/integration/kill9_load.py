"""SMTP load for postfix_kill9.sh: COUNT messages over THREADS sessions at
a time to a real smtpd, each to one recipient (existing or unknown), as
a sending MTA would: a 4xx (greylisting, or mailmapd away) is tried again
after a pause, a 5xx is final. Prints one JSON line per message:
{"id", "rcpt", "result": "accepted" | "refused" | "gave up", "tries"}."""
import json
import os
import random
import smtplib
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import letters  # noqa: E402

HOST, PORT, COUNT, THREADS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
DEADLINE = time.monotonic() + float(sys.argv[5])  # seconds for the whole load
EXISTING = ["postmaster@example.com", "custom@example.com",
            "bob@nocatch.example", "dan@noserver.example"]
UNKNOWN = ["nobody@nocatch.example", "ghost@nocatch.example"]
RETRY_PAUSE = 0.7  # seconds before a message is tried again
lock = threading.Lock()
queue = list(range(COUNT))


def attempt(n, rcpt):
    """One SMTP transaction: 'accepted', 'refused' or 'temporary'."""
    try:
        with smtplib.SMTP(HOST, PORT, timeout=30) as s:
            s.ehlo("load.sender.test")
            code, _ = s.mail(f"load.{letters(n)}@sender.test")
            if code >= 500:
                return "refused"
            if code >= 400:
                return "temporary"
            code, _ = s.rcpt(rcpt)
            if code >= 500:
                return "refused"
            if code >= 400:
                return "temporary"
            code, _ = s.data(f"From: load@sender.test\r\nTo: {rcpt}\r\n"
                             f"Subject: load {n}\r\nX-Test: kill9-{n}\r\n\r\n"
                             f"message {n}\r\n")
            if code >= 500:
                return "refused"
            return "accepted" if code < 400 else "temporary"
    except (smtplib.SMTPException, OSError):
        return "temporary"


def worker():
    while True:
        with lock:
            if not queue:
                return
            n = queue.pop(0)
        rnd = random.Random(n)
        rcpt = rnd.choice(UNKNOWN if rnd.random() < 0.15 else EXISTING)
        tries, result = 0, "gave up"
        while time.monotonic() < DEADLINE:
            tries += 1
            outcome = attempt(n, rcpt)
            if outcome != "temporary":
                result = outcome
                break
            time.sleep(RETRY_PAUSE)
        with lock:
            print(json.dumps({"id": f"kill9-{n}", "rcpt": rcpt, "result": result,
                              "tries": tries}), flush=True)


threads = [threading.Thread(target=worker) for _ in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
