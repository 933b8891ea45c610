"""The delivery rule, checked on random stores through mailmapd's socketmap
socket against a model of Postfix written from its documentation
(virtual(5), ADDRESS_REWRITING_README, ADDRESS_VERIFICATION_README; the
expansion loop of cleanup(8) as cleanup_map1n.c runs it), not from
mailmap's code.

For every address of every store (and its +extension, alias-domain and
unknown-local-part variants) the test plays what Postfix does with
mailmapd's answers:
  trivial-rewrite   the domain's class: `domains` (virtual mailbox) or
                    `alias_domains` (virtual alias), else not ours (relay
                    refused to an unauthenticated client);
  smtpd             reject_unlisted_recipient: `aliases`, then for the
                    mailbox class `mailboxes`; neither found is 550;
  cleanup           virtual alias expansion: each address asked again in
                    `aliases` (full keys: a socketmap is a pattern table),
                    an address that expands into itself is final after one
                    expansion (been_here), at most 1000 nesting levels and
                    1000 addresses (else the mail is not accepted);
  delivery          a final recipient in a mailbox domain goes to Dovecot
                    over LMTP (which strips +extension): it must be a
                    mailbox enabled in an active domain; one in an alias
                    domain bounces (user unknown in virtual alias table);
                    anything else is relayed: it must not be in a domain
                    of ours (an inactive one would be relayed to its MX).
and compares with the rule, computed here from the store's own data:
every accepted address ends in at least one recipient that takes mail,
each final recipient takes mail, and an address is refused only when
nothing behind it takes mail (NOTFOUND never refuses mail we host).

Stores are generated from a seed (MODEL_SEED, MODEL_STORES): domains
active or not, alias domains, mailboxes enabled/disabled/login=no, extra
addresses, forwards with and without a copy, nested lists mixing
internal and external targets, catch-alls enabled/disabled. After each
store is loaded, a change naming an address of ours that does not exist
(a list or forward target, a catch-all) must be refused by mailmapctl,
then up to two changes follow (a mailbox or list deleted, something
disabled or suspended), each allowed or refused as the model forecasts.
"""
import os
import random
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, check, finish  # noqa: E402

MAILMAPD, MAILMAPCTL, WORK = sys.argv[1:4]
SEED = int(os.environ.get("MODEL_SEED", "21"))
STORES = int(os.environ.get("MODEL_STORES", "1500"))
SECONDS = float(os.environ.get("MODEL_SECONDS", "240"))
D = Daemon(MAILMAPD, MAILMAPCTL, WORK)
SOCK = os.path.join(D.run, "socketmap.sock")
RECURSION_LIMIT = 1000  # virtual_alias_recursion_limit
EXPANSION_LIMIT = 1000  # virtual_alias_expansion_limit
VIOLATIONS = []
COUNTS = {"refused": 0}


# ---- The store, as the generator wrote it ---------------------------------

class Store:
    def __init__(self, n):
        self.n = n
        self.domains = {}   # name -> dict(active, catchall, catchall_enabled)
        self.aliases = {}   # alias domain -> dict(target, active)
        self.mailboxes = {}  # address -> dict(enabled, login, forward, keep, extra)
        self.extras = {}    # address -> owner mailbox
        self.lists = {}     # address -> dict(enabled, targets)
        self.externals = []

    def records(self):
        return list(self.mailboxes) + list(self.extras) + list(self.lists)


def split(address):
    local, _, domain = address.rpartition("@")
    return local, domain


def strip_extension(local):
    return local.split("+", 1)[0]


def generate(n, rng):
    s = Store(n)
    for k in range(rng.randint(1, 3)):
        s.domains[f"p{k}-s{n}.test"] = dict(active=rng.random() < 0.8,
                                            catchall=None, catchall_enabled=True)
    primaries = list(s.domains)
    for k in range(rng.randint(0, 2)):
        s.aliases[f"al{k}-s{n}.test"] = dict(target=rng.choice(primaries),
                                             active=rng.random() < 0.8)
    s.externals = [f"e{k}@ext{k % 2}-s{n}.example" for k in range(3)]
    for d in primaries:
        for k in range(rng.randint(1, 4)):
            s.mailboxes[f"m{k}@{d}"] = dict(enabled=rng.random() < 0.75,
                                            login=rng.random() < 0.8,
                                            forward=[], keep=True, extra=[])
    for k, (box, m) in enumerate(list(s.mailboxes.items())):
        if rng.random() < 0.3:
            extra = f"x{k}@{rng.choice(primaries)}"
            m["extra"].append(extra)
            s.extras[extra] = box
    for k in range(rng.randint(0, 4)):
        # a list names only lists made before it: no list loops
        pool = variants(s, list(s.mailboxes) + list(s.extras) + list(s.lists))
        targets = rng.sample(pool + s.externals, rng.randint(1, 4))
        s.lists[f"l{k}@{rng.choice(primaries)}"] = dict(enabled=rng.random() < 0.85,
                                                        targets=targets)
    for box, m in s.mailboxes.items():
        if rng.random() < 0.3:
            add_forward(s, box, m, rng)
    for d in primaries:
        if rng.random() < 0.45:
            pool = variants(s, s.records()) + s.externals
            s.domains[d]["catchall"] = rng.choice(pool)
            s.domains[d]["catchall_enabled"] = rng.random() < 0.8
    return s


def variants(s, addresses):
    """Each address as written, with an extension, and in an alias domain."""
    out = []
    for a in addresses:
        local, domain = split(a)
        out += [a, f"{local}+t@{domain}"]
        out += [f"{local}@{al}" for al, v in s.aliases.items() if v["target"] == domain]
    return out


def add_forward(s, box, m, rng):
    """Forwards that cannot lead back to the mailbox (mailmapctl refuses
    loops; the unit tests cover them)."""
    own = {box} | set(m["extra"])
    pool = [t for t in variants(s, s.records()) + s.externals
            if record_of(s, t) not in own]
    m["keep"] = rng.random() < 0.5
    for t in rng.sample(pool, min(len(pool), rng.randint(1, 2))):
        m["forward"].append(t)
        if leads_to(s, t, box, set()):
            m["forward"].pop()


def record_of(s, address):
    """The record an address names (any state): exact, without the
    extension, then in the alias domain's target."""
    local, domain = split(address)
    domain = s.aliases[domain]["target"] if domain in s.aliases else domain
    for cand in (f"{local}@{domain}", f"{strip_extension(local)}@{domain}"):
        if cand in s.mailboxes or cand in s.extras or cand in s.lists:
            return cand
    return None


def leads_to(s, target, goal, seen):
    rec = record_of(s, target)
    if rec is None or rec in seen:
        return False
    if rec == goal:
        return True
    seen.add(rec)
    if rec in s.extras:
        return leads_to(s, s.extras[rec], goal, seen)
    if rec in s.lists:
        return any(leads_to(s, t, goal, seen) for t in s.lists[rec]["targets"])
    return any(leads_to(s, t, goal, seen) for t in s.mailboxes[rec]["forward"])


def batch(s):
    n = s.n
    yn = {True: "yes", False: "no"}
    lines = [f"customer add c{n}", f"offer add c{n}/o max_seats=100"]
    for d, v in s.domains.items():
        lines.append(f"domain add {d} customer=c{n} active={yn[v['active']]}")
    for al, v in s.aliases.items():
        lines.append(f"domain-alias add {al} target={v['target']} active={yn[v['active']]}")
    for box, m in s.mailboxes.items():
        extra = f" extra={','.join(m['extra'])}" if m["extra"] else ""
        lines.append(f"mailbox add {box} offer=c{n}/o enabled={yn[m['enabled']]} "
                     f"login={yn[m['login']]}{extra}")
    for lst, v in s.lists.items():
        lines.append(f"alias add {lst} targets={','.join(v['targets'])} "
                     f"enabled={yn[v['enabled']]}")
    for box, m in s.mailboxes.items():
        if m["forward"]:
            lines.append(f"mailbox set {box} forward={','.join(m['forward'])} "
                         f"forward_keep_copy={yn[m['keep']]}")
    for d, v in s.domains.items():
        if v["catchall"]:
            lines.append(f"domain set {d} catchall={v['catchall']} "
                         f"catchall_enabled={yn[v['catchall_enabled']]}")
    return "\n".join(lines) + "\n"


# ---- The rule, from the store's data --------------------------------------

def domain_state(s, domain):
    """'active' (with its primary), 'inactive' (ours, off) or 'external'."""
    if domain in s.domains:
        return ("active" if s.domains[domain]["active"] else "inactive"), domain
    if domain in s.aliases:
        target = s.aliases[domain]["target"]
        on = s.aliases[domain]["active"] and s.domains[target]["active"]
        return ("active" if on else "inactive"), target
    return "external", None


def finals_of_target(s, target):
    """Where mail to a list, forward or catch-all target ends up: a set of
    recipients that take mail (empty: the target takes none)."""
    state, _ = domain_state(s, split(target)[1])
    if state == "external":
        return {target}
    if state == "inactive":
        return set()
    rec = record_of(s, target)
    return finals_of_record(s, rec) if rec else set()


def finals_of_record(s, rec):
    if rec in s.extras:
        return finals_of_record(s, s.extras[rec])
    if domain_state(s, split(rec)[1])[0] != "active":
        return set()
    if rec in s.lists:
        v = s.lists[rec]
        if not v["enabled"]:
            return set()
        return set().union(*[finals_of_target(s, t) for t in v["targets"]])
    m = s.mailboxes[rec]
    if not m["enabled"]:
        return set()
    forwarded = set().union(*[finals_of_target(s, t) for t in m["forward"]])
    keep = m["keep"] or not forwarded
    return ({rec} if keep else set()) | forwarded


def finals_of_key(s, key):
    """The recipients mail to key must reach; empty: refuse it."""
    local, domain = split(key)
    state, primary = domain_state(s, domain)
    if state != "active":
        return set()
    rec = record_of(s, key)
    if rec is not None:
        return finals_of_record(s, rec)
    v = s.domains[primary]
    if v["catchall"] and v["catchall_enabled"]:
        return finals_of_target(s, v["catchall"])
    return set()


# ---- Postfix, from its documentation --------------------------------------

class Socketmap:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        self.buf = b""
        self.count = 0

    def ask(self, table, key):
        payload = f"{table} {key}".encode()
        self.s.sendall(b"%d:%s," % (len(payload), payload))
        self.count += 1
        while True:
            head, sep, rest = self.buf.partition(b":")
            if sep and len(rest) > int(head):
                reply, self.buf = rest[:int(head)], rest[int(head) + 1:]
                break
            chunk = self.s.recv(65536)
            if not chunk:
                raise OSError("mailmapd closed the connection")
            self.buf += chunk
        status, _, value = reply.decode().partition(" ")
        if status == "OK":
            return value
        if status == "NOTFOUND":
            return None
        raise RuntimeError(f"{table} {key}: {reply!r}")


def address_class(sm, address):
    domain = split(address)[1]
    if sm.ask("domains", domain) is not None:
        return "mailbox"
    if sm.ask("alias_domains", domain) is not None:
        return "alias"
    return "other"


def smtpd_accepts(sm, key):
    cls = address_class(sm, key)
    if cls == "other":
        return False  # relay access denied
    if sm.ask("aliases", key) is not None:
        return True
    return cls == "mailbox" and sm.ask("mailboxes", key) is not None


def cleanup_expand(sm, address):
    """cleanup_map1n(): the recipients after virtual alias expansion, or
    a string saying why the mail is not accepted."""
    argv, been_here = [address], set()
    arg = 0
    while arg < len(argv):
        if len(argv) > EXPANSION_LIMIT:
            return "unreasonable virtual_alias_maps map expansion size"
        count = 0
        while argv[arg] not in been_here:
            if count >= RECURSION_LIMIT:
                return "unreasonable virtual_alias_maps map nesting"
            answer = sm.ask("aliases", argv[arg])
            if answer is None:
                break
            lhs = argv[arg]
            for i, item in enumerate(x.strip() for x in answer.split(",")):
                if i == 0:
                    argv[arg] = item
                else:
                    argv.append(item)
                if item.lower() == lhs.lower():
                    been_here.add(lhs)
            count += 1
        arg += 1
    return argv


def delivered(s, sm, recipient):
    """Where a final recipient goes: (mailbox or external address, None)
    or (None, why it bounces)."""
    local, domain = split(recipient)
    cls = address_class(sm, recipient)
    if cls == "mailbox":
        box = f"{strip_extension(local)}@{domain}"
        m = s.mailboxes.get(box)
        if m is None or not m["enabled"] or not s.domains[domain]["active"]:
            return None, f"LMTP: no such user {box}"
        return box, None
    if cls == "alias":
        return None, "user unknown in virtual alias table"
    if domain_state(s, domain)[0] != "external":
        return None, "relayed: an address of an inactive domain of ours"
    return recipient, None


# ---- The test ---------------------------------------------------------------

def keys_of(s):
    keys = set()
    for a in s.records():
        local, domain = split(a)
        keys |= {a, f"{local}+z@{domain}"}
        keys |= {f"{local}@{al}" for al, v in s.aliases.items() if v["target"] == domain}
    for d in list(s.domains) + list(s.aliases):
        keys.add(f"nobody@{d}")
    keys |= set(s.externals)
    return sorted(keys)


def check_key(s, sm, key):
    want = finals_of_key(s, key)
    accepted = smtpd_accepts(sm, key)
    if not accepted:
        return None if not want else f"refused, but {sorted(want)} take mail"
    if not want:
        return "accepted, but nothing behind it takes mail"
    expanded = cleanup_expand(sm, key)
    if isinstance(expanded, str):
        return "accepted, then " + expanded
    got, bounces = set(), []
    for r in expanded:
        box, why = delivered(s, sm, r)
        if why:
            bounces.append(f"{r}: {why}")
        else:
            got.add(box)
    if bounces:
        return "accepted, then bounced " + "; ".join(bounces)
    if got != want:
        return f"delivered to {sorted(got)}, the rule says {sorted(want)}"
    return None


def refused_ghost(s, rng):
    """A change naming an address of ours that does not exist must be
    refused (the store stays as generated). On a build that accepts it,
    the store gets it too, so the model keeps matching the store."""
    d = rng.choice(list(s.domains) + list(s.aliases))
    ghost = f"ghost+{rng.randint(0, 9)}@{d}" if rng.random() < 0.3 else f"ghost@{d}"
    kind = rng.randrange(3)
    if kind == 0 or not s.mailboxes:
        name = f"gl@{rng.choice(list(s.domains))}"
        change = ["alias", "add", name, f"targets={ghost}"]
        apply = lambda: s.lists.__setitem__(name, dict(enabled=True, targets=[ghost]))
    elif kind == 1:
        box = rng.choice(list(s.mailboxes))
        change = ["mailbox", "set", box, f"forward+={ghost}"]
        apply = lambda: s.mailboxes[box]["forward"].append(ghost)
    else:
        primary = rng.choice(list(s.domains))
        change = ["domain", "set", primary, f"catchall={ghost}", "catchall_enabled=yes"]
        apply = lambda: s.domains[primary].update(catchall=ghost, catchall_enabled=True)
    r = D.ctl(*change)
    if r.returncode == 0:
        apply()
        return f"accepted {' '.join(change)}"
    if ghost.split("+")[0].split("@")[0] not in r.stderr or "does not exist" not in r.stderr:
        return f"refused {' '.join(change)} without naming the target: {r.stderr.strip()}"
    return None


def load(text):
    return subprocess.run([MAILMAPCTL, "--store", D.store, "batch", "-"],
                          input=text, capture_output=True, text=True)


def names(s, target, gone):
    return record_of(s, target) in gone


def delete_change(s, rng):
    """Deletes a mailbox or a list: the model's forecast of mailmapctl's
    answer (refused when it is a list's only target or a catch-all), and
    the store after it (it leaves the lists and forwards naming it)."""
    boxes, lists = list(s.mailboxes), list(s.lists)
    if lists and (not boxes or rng.random() < 0.3):
        victim, kind = rng.choice(lists), "alias"
        gone = {victim}
    elif boxes:
        victim, kind = rng.choice(boxes), "mailbox"
        gone = {victim} | set(s.mailboxes[victim]["extra"])
    else:
        return None
    holders = [v["targets"] for k, v in s.lists.items() if k not in gone]
    refused = any(all(names(s, t, gone) for t in ts) for ts in holders) or any(
        v["catchall"] and names(s, v["catchall"], gone) for v in s.domains.values())

    def apply():
        for k, v in list(s.lists.items()):
            v["targets"] = [t for t in v["targets"] if not names(s, t, gone)]
        for m in s.mailboxes.values():
            m["forward"] = [t for t in m["forward"] if not names(s, t, gone)]
        for a in gone:
            s.mailboxes.pop(a, None)
            s.extras.pop(a, None)
            s.lists.pop(a, None)
    return [kind, "del", victim], refused, apply


def switch_change(s, rng):
    """Disables a mailbox or list, or suspends a domain or alias domain:
    always allowed (with a warning when something takes no mail now)."""
    choices = ([("mailbox", a, "enabled", s.mailboxes[a]) for a in s.mailboxes] +
               [("alias", a, "enabled", s.lists[a]) for a in s.lists] +
               [("domain", d, "active", s.domains[d]) for d in s.domains] +
               [("domain-alias", d, "active", s.aliases[d]) for d in s.aliases])
    kind, name, field, rec = rng.choice(choices)
    value = not rec[field]

    def apply():
        rec[field] = value
    return [kind, "set", name, f"{field}={'yes' if value else 'no'}"], False, apply


def change_store(s, rng):
    """One change after the store is loaded; mailmapctl must do what the
    model forecasts. None, or what went wrong."""
    change = (delete_change if rng.random() < 0.5 else switch_change)(s, rng)
    if change is None:
        return None
    args, refused, apply = change
    COUNTS["refused"] += refused
    r = D.ctl(*args)
    if (r.returncode != 0) != refused:
        return (f"{' '.join(args)}: exit {r.returncode}, the model says "
                f"{'refused' if refused else 'allowed'}: {r.stderr.strip()}")
    if r.returncode == 0:
        apply()
    return None


def main():
    D.batch("customer add seed\n")
    D.permissions()
    D.write_config(f'''store: {{ dir = "{D.store}"; }};
daemon: {{ user = "{D.user()}"; workers = 2; log_level = "warning"; }};
listeners = ( {{ protocol = "socketmap"; path = "{SOCK}"; mode = "0666"; }} );
''')
    proc = D.start(SOCK)
    rng = random.Random(SEED)
    sm = Socketmap(SOCK)
    started = time.monotonic()
    stores = keys = refusals = changes = 0
    try:
        for n in range(STORES):
            if time.monotonic() - started > SECONDS:
                break
            s = generate(n, rng)
            text = batch(s)
            r = load(text)
            if r.returncode != 0:
                VIOLATIONS.append(f"store {n}: refused: {r.stderr.strip()}\n{text}")
                continue
            why = refused_ghost(s, rng)
            refusals += why is None
            if why:
                VIOLATIONS.append(f"store {n}: write: {why}")
            for _ in range(rng.randint(0, 2)):
                why = change_store(s, rng)
                changes += 1
                if why:
                    VIOLATIONS.append(f"store {n}: write: {why}")
            for key in keys_of(s):
                keys += 1
                why = check_key(s, sm, key)
                if why:
                    VIOLATIONS.append(f"store {n}: lookup: {key}: {why}")
            stores += 1
            if len(VIOLATIONS) > 1000:
                break
    finally:
        status = D.stop()
    elapsed = time.monotonic() - started
    print(f"  seed {SEED}: {stores} stores, {keys} keys, {sm.count} socketmap "
          f"questions in {elapsed:.1f} s; {refusals} changes naming a missing "
          f"address refused; {changes} changes after loading, "
          f"{COUNTS['refused']} of them refused as forecast")
    writes = sum(": write: " in v for v in VIOLATIONS)
    print(f"  violations: {writes} by writes, {len(VIOLATIONS) - writes} by lookups")
    lookups = [v for v in VIOLATIONS if ": write: " not in v]
    for v in (lookups[:20] + [v for v in VIOLATIONS if v not in lookups][:5]):
        print("   ", v.replace("\n", "\n    "))
    if len(VIOLATIONS) > 25:
        print(f"    ... and {len(VIOLATIONS) - 25} more")
    check(stores >= min(STORES, 200), f"at least {min(STORES, 200)} stores checked")
    check(not VIOLATIONS, f"{len(VIOLATIONS)} violations of the delivery rule")
    check(status == 0, f"mailmapd stopped cleanly (exit {status})")
    finish(D)


main()
