"""Where mail to each address ends up, by PostfixAdmin's own Postfix maps
(postmap -q on its mysql: tables, MariaDB behind) and by mailmap's
(mailmapctl query), compared (see postfixadmin_import.sh).

  postfixadmin_compare.py POSTMAP_CONFIG_DIR SQL_DIR MAILMAPCTL STORE
                          ADDRESSES_FILE EXPECTED_DIFFERENCES_FILE

Each address is resolved as Postfix's smtpd, cleanup and virtual delivery
would: the recipient's domain must be one of ours (else it is not ours to
take: "relay"); virtual_alias_maps are expanded recursively (an address
that maps to itself is final; Postfix tries user@domain, then @domain, in
each map in turn); each final address in one of our domains must be a
mailbox (else "reject"), and the others leave ("external"). The outcome
is "reject", "relay" or the sorted final set (mailbox:MAILDIR,
external:ADDRESS). PostfixAdmin's vacation addresses (@autoreply.*) are
left out: mailmap answers vacation in Dovecot.

An address listed in EXPECTED_DIFFERENCES_FILE ("address  reason") must
differ, and is printed with its reason; every other must agree.
"""
import subprocess
import sys

PF_DIR, SQL_DIR, CTL, STORE, ADDRS, EXPECTED = sys.argv[1:7]
PFA_ALIAS_MAPS = ["mysql_virtual_alias_maps", "mysql_virtual_alias_domain_maps",
                  "mysql_virtual_alias_domain_catchall_maps"]
PFA_MAILBOX_MAPS = ["mysql_virtual_mailbox_maps",
                    "mysql_virtual_alias_domain_mailbox_maps"]
cache = {}


def postmap(table, key):
    k = ("pfa", table, key)
    if k not in cache:
        r = subprocess.run(["postmap", "-c", PF_DIR, "-q", key,
                            f"mysql:{SQL_DIR}/{table}.cf"],
                           capture_output=True, text=True)
        if r.returncode not in (0, 1):
            sys.exit(f"postmap {table} {key}: {r.stderr}")
        cache[k] = r.stdout.strip() if r.returncode == 0 else None
    return cache[k]


def mmquery(table, key):
    k = ("mm", table, key)
    if k not in cache:
        r = subprocess.run([CTL, "--store", STORE, "query", table, key],
                           capture_output=True, text=True)
        if r.returncode not in (0, 2):
            sys.exit(f"mailmapctl query {table} {key}: {r.stderr}")
        out = r.stdout.strip()
        cache[k] = out[3:] if r.returncode == 0 and out.startswith("OK ") else None
    return cache[k]


class PostfixAdmin:
    def ours(self, domain):
        return postmap("mysql_virtual_domains_maps", domain) is not None

    def aliases(self, address):
        domain = address.rsplit("@", 1)[1]
        for key in (address, "@" + domain):
            for table in PFA_ALIAS_MAPS:
                v = postmap(table, key)
                if v is not None:
                    return [x.strip() for x in v.split(",") if x.strip()]
        return None

    def mailbox(self, address):
        for table in PFA_MAILBOX_MAPS:
            v = postmap(table, address)
            if v is not None:
                return v
        return None


class Mailmap:
    def ours(self, domain):
        return (mmquery("domains", domain) is not None or
                mmquery("alias_domains", domain) is not None)

    def aliases(self, address):
        v = mmquery("aliases", address)
        return [x for x in v.split(",") if x] if v is not None else None

    def mailbox(self, address):
        return mmquery("mailboxes", address)


def resolve(side, address):
    if not side.ours(address.rsplit("@", 1)[1]):
        return "relay"
    finals, seen, todo = set(), set(), [(address, 0)]
    while todo:
        a, depth = todo.pop()
        if a in seen or depth > 20:
            continue
        seen.add(a)
        targets = side.aliases(a)
        if targets is None:
            finals.add(a)
            continue
        for t in targets:
            if t.lower() == a.lower():
                finals.add(a)
            elif "@autoreply." not in t:
                todo.append((t, depth + 1))
    out = set()
    for f in finals:
        domain = f.rsplit("@", 1)[1]
        if side.ours(domain):
            box = side.mailbox(f)
            if box is None:
                return "reject" if f == address or not out else \
                    f"reject ({f})"
            out.add("mailbox:" + box)
        else:
            out.add("external:" + f.lower())
    return " ".join(sorted(out)) if out else "reject"


def main():
    addresses = [a.strip() for a in open(ADDRS) if a.strip()]
    expected = {}
    for line in open(EXPECTED):
        if line.strip() and not line.startswith("#"):
            a, why = line.split(None, 1)
            expected[a] = why.strip()
    pfa, mm = PostfixAdmin(), Mailmap()
    agree = differ = bad = 0
    for a in addresses:
        p, m = resolve(pfa, a), resolve(mm, a)
        if a in expected:
            if p != m:
                differ += 1
                print(f"  ok: {a}: differs as documented ({expected[a]}): "
                      f"PostfixAdmin {p} / mailmap {m}")
            else:
                bad += 1
                print(f"  FAIL: {a}: expected to differ ({expected[a]}), "
                      f"both {p}")
        elif p == m:
            agree += 1
        else:
            bad += 1
            print(f"  FAIL: {a}: PostfixAdmin {p} / mailmap {m}")
    print(f"  {agree} addresses agree, {differ} differ as documented, "
          f"{bad} wrong")
    sys.exit(1 if bad else 0)


main()
