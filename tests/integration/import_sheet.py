"""mailmapctl import of the hosting guide's spreadsheet (see the .sh):
CSV in its dialects, XLSX written by openpyxl and by hand."""
import io
import subprocess
import json
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(__file__))
from harness import Daemon, check, finish  # noqa: E402

D = Daemon(*sys.argv[1:4])
HASH = ("{SHA512-CRYPT}$6$abcdefgh$3rj1vTLX64btReFsM4MQ22otcD40l7vbtw7qC"
        "yr0dxc4kxNmgx53xVM8gWiLYbCqTHTbXFaVFU7ZT28pnvdyu0")
HEADER = ["login", "customer", "profile", "firstname", "lastname", "password",
          "language", "timezone", "activated", "domain", "organisation",
          "directory"]


def path(name):
    return os.path.join(D.work, name)


def write(name, data):
    with open(path(name), "wb") as f:
        f.write(data)
    return path(name)


def imp(file, *args):
    return D.ctl("import", file, *args)


def mailbox(address):
    r = D.ctl("--json", "mailbox", "show", address)
    return json.loads(r.stdout) if r.returncode == 0 else None


def count():
    r = D.ctl("--json", "mailbox", "list")
    return len(json.loads(r.stdout))


def csv_text(rows, sep, eol):
    def cell(v):
        v = str(v)
        if any(c in v for c in (sep, '"', "\n", "\r")):
            return '"' + v.replace('"', '""') + '"'
        return v
    return eol.join(sep.join(cell(v) for v in r) for r in rows) + eol


def test_csv_dialects():
    rows = [HEADER,
            ["a1@example.com", "acme", "basic", "Ann", "Smith, Jr; \"the\" 2nd",
             "secret", "fr", "Europe/Paris", "oui", "example.com", "Org", ""],
            ["a2@example.com", "acme", "basic", "Bob", "Lee", HASH, "en",
             "UTC", "0", "", "", "/var/vmail/bob-dir/"]]
    n = count()
    for sep, name in ((",", "comma"), (";", "semicolon"), ("\t", "tab")):
        for eol, bom in (("\n", b""), ("\r\n", b"\xef\xbb\xbf")):
            label = f"{name}, {'CRLF + BOM' if bom else 'LF'}"
            f = write("d.csv", bom + csv_text(rows, sep, eol).encode())
            r = imp(f, "--check")
            check(r.returncode == 0 and count() == n,
                  f"CSV {label}: --check passes, writes nothing "
                  f"{r.stdout.strip()} {r.stderr.strip()}")
    r = imp(f)
    check(r.returncode == 0, f"CSV import: {r.stdout.strip()} {r.stderr.strip()}")
    a1, a2 = mailbox("a1@example.com"), mailbox("a2@example.com")
    check(a1 and a1["last_name"] == 'Smith, Jr; "the" 2nd' and
          a1["enabled"] and a1["language"] == "fr" and a1["password"],
          f"quoted cell with separators and quotes kept: {a1 and a1['last_name']}")
    check(a2 and not a2["enabled"] and a2["maildir"] == "bob-dir/",
          f"activated 0, directory under the storage: {a2 and a2['maildir']}")
    r = D.ctl("query", "mailboxes", "a1@example.com")
    check("example.com/a1/" in r.stdout, f"mailmapd's answer: {r.stdout.strip()}")


def test_csv_errors():
    n = count()
    rows = [["Login", " customer ", "PROFILE", "language", "activated",
             "domain", "firstname"],
            ["e1@example.com", "acme", "nope", "zz-!!", "maybe", "other.com", "x"],
            ["e2@nowhere.example", "acme", "basic", "", "", "", "x"],
            ["e3@example.com", "acme", "basic", "", "", "", "Multi\nLine"],
            ["e4@example.com", "acme", "basic", "", "", "", "fine"],
            ["e4@example.com", "acme", "basic", "", "", "", "again"]]
    r = imp(write("e.csv", csv_text(rows, ",", "\r\n").encode()))
    err = r.stderr
    want = ["row 2, column activated", "row 2, column domain",
            "row 2, column language", "row 3, column login",
            "row 4, column firstname", "row 6, column login",
            "4 of 5 rows refused: nothing written"]
    missing = [w for w in want if w not in err]
    check(r.returncode == 1 and not missing and count() == n,
          f"every fault with its row and column, nothing written "
          f"(missing: {missing}): {err.strip()[:400]}")
    r = imp(write("u.csv", b"login,customer,profile,colour\n"))
    check(r.returncode == 1 and 'unknown column "colour"' in r.stderr,
          f"unknown column refused by name: {r.stderr.strip()}")
    r = imp(write("m.csv", b"login,profile\nx@example.com,basic\n"))
    check(r.returncode == 1 and 'no column "customer"' in r.stderr,
          f"a missing required column: {r.stderr.strip()}")
    r = imp(write("q.csv", b'login,customer,profile\n"x@example.com,acme,basic\n'))
    check(r.returncode == 1 and "row 2" in r.stderr,
          f"an unterminated quote: {r.stderr.strip()}")
    r = imp(write("big.csv", b"login,customer,profile\nx@example.com,acme," +
                  b"b" * 70000 + b"\n"))
    check(r.returncode == 1 and "row 2: a cell over 64 KiB" in r.stderr,
          f"a cell over the limit: {r.stderr.strip()}")
    r = imp(write("w.csv", b"login,customer,profile\n" +
                  b"a,b,c," * 30 + b"\n"))
    check(r.returncode == 1 and "64 columns" in r.stderr,
          f"over the column limit: {r.stderr.strip()}")


def test_xlsx_openpyxl():
    import datetime
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Users"
    ws.append(HEADER)
    ws.append(["x1@example.com", "acme", "basic", "Xavier", "Dupont", 123456,
               "fr", "Europe/Paris", True, "example.com", None, None])
    ws.append(["x2@example.com", "acme", "basic", datetime.date(2026, 12, 24),
               3.5, "pw", "en", "UTC", False, None, None, "x2dir/"])
    other = wb.create_sheet("Other")
    other.append(["not", "read"])
    wb.save(path("o.xlsx"))
    r = imp(path("o.xlsx"))
    check(r.returncode == 0, f"XLSX by openpyxl: {r.stdout.strip()} {r.stderr.strip()}")
    x1, x2 = mailbox("x1@example.com"), mailbox("x2@example.com")
    check(x1 and x1["enabled"] and x1["first_name"] == "Xavier",
          "XLSX: strings and a TRUE boolean")
    check(x2 and not x2["enabled"] and x2["first_name"] == "2026-12-24" and
          x2["last_name"] == "3.5" and x2["maildir"] == "x2dir/",
          f"XLSX: a date cell as its date, a number as written: "
          f"{x2 and (x2['first_name'], x2['last_name'])}")
    r = D.ctl("export")
    line = next(x for x in r.stdout.splitlines() if "x1@example.com" in x)
    check("password=" in line and "123456" not in line,
          "a numeric password cell is hashed like any plain password")


def xlsx_by_hand(profile="nope"):
    """An XLSX with inline strings, rich text runs, the 1904 date system,
    a custom date format, sparse cells and an absolute sheet target."""
    files = {
        "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
        "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="1"/><sheets><sheet name="S" sheetId="1" r:id="rId7"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="x" Target="/xl/worksheets/data.xml"/></Relationships>',
        "xl/sharedStrings.xml": '<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><r><t>Ri</t></r><r><t xml:space="preserve">ch </t></r><rPh><t>PHONETIC</t></rPh></si></sst>',
        "xl/styles.xml": '<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="170" formatCode="dd&quot;/&quot;mm&quot;/&quot;yyyy"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="170"/></cellXfs></styleSheet>',
        "xl/worksheets/data.xml": '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>login</t></is></c><c r="B1" t="inlineStr"><is><t>customer</t></is></c><c r="C1" t="inlineStr"><is><t>profile</t></is></c><c r="D1" t="inlineStr"><is><t>firstname</t></is></c><c r="F1" t="inlineStr"><is><t>lastname</t></is></c></row>'
        '<row r="2"><c r="A2" t="inlineStr"><is><t>h1@example.com</t></is></c><c r="B2" t="inlineStr"><is><t>acme</t></is></c><c r="C2" t="inlineStr"><is><t>basic</t></is></c><c r="D2" t="s"><v>0</v></c><c r="F2" s="1"><v>0</v></c></row>'
        '<row r="4"><c r="A4" t="inlineStr"><is><t>h2@example.com</t></is></c><c r="B4" t="inlineStr"><is><t>acme</t></is></c><c r="C4" t="inlineStr"><is><t>' + profile + '</t></is></c></row>'
        '</sheetData></worksheet>',
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()


def test_xlsx_by_hand():
    f = write("h.xlsx", xlsx_by_hand())
    r = imp(f)
    check(r.returncode == 1 and "row 4, column profile" in r.stderr,
          f"XLSX: the spreadsheet's row number (4, after a gap): "
          f"{r.stderr.strip()}")
    r = imp(write("h2.xlsx", xlsx_by_hand("basic")))
    h1 = mailbox("h1@example.com")
    check(r.returncode == 0 and h1 and h1["first_name"] == "Rich " and
          h1["last_name"] == "1904-01-01",
          f"XLSX: rich text joined without phonetics, a 1904 date in a "
          f"custom format: {h1 and (h1['first_name'], h1['last_name'])} "
          f"{r.stderr.strip()}")
    r = imp(write("z.xlsx", b"PK\x03\x04 not really a zip"))
    check(r.returncode == 1 and "XLSX" in r.stderr,
          f"a broken XLSX: {r.stderr.strip()}")


def test_killed_midway():
    """kill -9 of an import midway: nothing of it in the store."""
    import signal
    import time
    rows = [HEADER] + [[f"k{i}@example.com", "acme", "basic", "K", "L", HASH,
                        "", "", "", "", "", ""] for i in range(50000)]
    f = write("k.csv", csv_text(rows, ",", "\n").encode())
    before = D.ctl("export").stdout
    p = subprocess.Popen([D.mailmapctl, "--store", D.store, "import", f],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.1)  # it takes the best part of a second
    killed = p.poll() is None
    p.send_signal(signal.SIGKILL)
    p.wait()
    check(killed, "an import of 50 000 rows killed midway")
    check(D.ctl("export").stdout == before,
          "after kill -9 of an import, the store is as it was")


def main():
    D.batch("customer add acme\noffer add acme/basic quota=1G\n"
            "domain add example.com customer=acme storage=/var/vmail\n")
    test_csv_dialects()
    test_csv_errors()
    test_xlsx_openpyxl()
    test_xlsx_by_hand()
    test_killed_midway()
    finish(D)


main()
