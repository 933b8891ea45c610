"""RCPT validations through a real smtpd, for tests/bench/smtpd_bench.sh.

  rcpt_load.py PORT KEYS_FILE CONNECTIONS SECONDS

CONNECTIONS SMTP sessions to 127.0.0.1:PORT, each: EHLO, MAIL FROM, then
RCPT TO one address after the other (waiting for each reply: no
pipelining, so each is timed), RSET and MAIL FROM again every 100 000
recipients; addresses from KEYS_FILE in turn, each session from its own
offset. Runs SECONDS, then QUIT. Prints one line: rcpts= ok= rejected=
errors= rps= p50_us= p99_us=. Bounded: SECONDS, and each reply waits at
most 10 s."""
import asyncio
import sys
import time

PORT, KEYS, CONNS, SECONDS = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
keys = [k.strip() for k in open(KEYS) if k.strip()]
lat, counts = [], {"ok": 0, "rejected": 0, "errors": 0}


async def reply(reader):
    while True:
        line = await asyncio.wait_for(reader.readline(), 10)
        if not line:
            raise ConnectionError("closed")
        if line[3:4] != b"-":
            return line


async def command(reader, writer, text):
    writer.write(text.encode() + b"\r\n")
    await writer.drain()
    return await reply(reader)


async def session(n, stop):
    reader, writer = await asyncio.open_connection("127.0.0.1", int(PORT))
    await reply(reader)
    await command(reader, writer, "EHLO load.test")
    i, in_txn = n * 7919 % len(keys), 0
    while time.monotonic() < stop:
        if in_txn == 0:
            await command(reader, writer, "MAIL FROM:<load@sender.test>")
        t0 = time.perf_counter()
        r = await command(reader, writer, f"RCPT TO:<{keys[i]}>")
        lat.append(time.perf_counter() - t0)
        if r.startswith(b"250"):
            counts["ok"] += 1
        elif r.startswith(b"5"):
            counts["rejected"] += 1
        else:
            counts["errors"] += 1
        i = (i + 1) % len(keys)
        in_txn += 1
        if in_txn == 100000:
            await command(reader, writer, "RSET")
            in_txn = 0
    writer.write(b"QUIT\r\n")
    await writer.drain()
    writer.close()


async def main():
    start = time.monotonic()
    stop = start + SECONDS
    results = await asyncio.gather(*(session(n, stop) for n in range(CONNS)),
                                   return_exceptions=True)
    elapsed = time.monotonic() - start
    counts["errors"] += sum(1 for r in results if isinstance(r, Exception))
    lat.sort()
    p = (lambda q: lat[min(len(lat) - 1, int(len(lat) * q))] * 1e6) if lat else (lambda q: 0)
    print(f"rcpts={len(lat)} ok={counts['ok']} rejected={counts['rejected']} "
          f"errors={counts['errors']} rps={len(lat) / elapsed:.0f} "
          f"p50_us={p(0.5):.0f} p99_us={p(0.99):.0f}")


asyncio.run(main())
