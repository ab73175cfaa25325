#!/usr/bin/env python3
"""faults.py — hostile-client actions for the fault-injection tests.

    faults.py rst PORT BYTES SECONDS    send the bytes, wait, reset
    faults.py burst PORT BYTES N        send N copies in one write; print
                                        what comes back within 3 s
    faults.py bp PORT BYTES N           send N copies, never read, reset
    faults.py slow PORT BYTES SECONDS   send the bytes one line every
                                        SECONDS; print when the server closed
    faults.py pg PORT SQL...            simple queries in one PostgreSQL
                                        session; prints the rows, or
                                        "ERROR code message", per query
    faults.py pgext PORT                Parse "SELECT $1" (int4), Bind 7,
                                        Describe(statement), Execute, Sync
    faults.py pgcancel PORT SQL SECS    runs SQL, sends a CancelRequest for
                                        it after SECS; prints the answer and
                                        how long it took
    faults.py pgidle PORT SQL SECS      runs SQL (e.g. BEGIN; UPDATE ...),
                                        then sends only Sync every 0.5 s for
                                        SECS; prints what the server said

BYTES takes backslash escapes (\\r\\n).  "Reset" is SO_LINGER 0 then
close: the kernel sends RST, and the server's next send on that socket
fails, which is the path these tests exercise."""
import socket
import struct
import sys
import time


def conn(port):
    return socket.create_connection(("127.0.0.1", int(port)), timeout=10)


def reset(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def rst(port, payload, secs):
    s = conn(port)
    s.sendall(payload)
    time.sleep(float(secs))
    reset(s)


def burst(port, payload, n):
    s = conn(port)
    s.settimeout(3)
    s.sendall(payload * int(n))
    got = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except socket.timeout:
        pass
    print(got.decode("latin-1"), end="")


def bp(port, payload, n):
    s = conn(port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    try:
        s.sendall(payload * int(n))
    except OSError:
        pass
    time.sleep(0.5)
    reset(s)


def slow(port, payload, secs):
    s = conn(port)
    s.settimeout(120)
    t0 = time.time()
    for line in payload.split(b"\n"):
        try:
            s.sendall(line + b"\n")
        except OSError:
            break
        s.settimeout(float(secs))
        try:
            if s.recv(4096) == b"":
                break
        except socket.timeout:
            pass
        except OSError:
            break
    print("closed after %.0f s" % (time.time() - t0))


def pg_msg(t, body):
    return t + struct.pack("!i", len(body) + 4) + body


def pg_startup(s):
    """Returns the (pid, key) of BackendKeyData."""
    body = struct.pack("!i", 196608) + b"user\0hostmix\0database\0orders\0\0"
    s.sendall(struct.pack("!i", len(body) + 4) + body)
    for t, b in pg_read_until_ready(s):
        if t == b"K":
            return struct.unpack("!ii", b)
    return (0, 0)


def pg_read_until_ready(s):
    """Returns a list of (type, body) up to and including ReadyForQuery."""
    out, buf = [], b""
    while True:
        while len(buf) >= 5:
            t, n = buf[0:1], struct.unpack("!i", buf[1:5])[0]
            if len(buf) < 1 + n:
                break
            out.append((t, buf[5:1 + n]))
            buf = buf[1 + n:]
            if t == b"Z":
                return out
        b = s.recv(65536)
        if not b:
            out.append((b"EOF", b""))
            return out
        buf += b


def pg_show(msgs):
    rows = []
    for t, b in msgs:
        if t == b"D":
            n = struct.unpack("!h", b[:2])[0]
            p, vals = 2, []
            for _ in range(n):
                ln = struct.unpack("!i", b[p:p + 4])[0]
                p += 4
                if ln < 0:
                    vals.append("NULL")
                else:
                    vals.append(b[p:p + ln].decode())
                    p += ln
            rows.append("|".join(vals))
        elif t == b"E":
            f = dict((x[:1], x[1:].decode()) for x in b.split(b"\0") if x)
            rows.append("ERROR %s %s" % (f.get(b"C"), f.get(b"M")))
        elif t == b"EOF":
            rows.append("EOF")
    return "\n".join(rows)


def pg(port, *sqls):
    s = conn(port)
    pg_startup(s)
    for sql in sqls:
        s.sendall(pg_msg(b"Q", sql.encode() + b"\0"))
        print(pg_show(pg_read_until_ready(s)))


def pgext(port):
    s = conn(port)
    pg_startup(s)
    s.sendall(pg_msg(b"P", b"\0SELECT $1\0" + struct.pack("!hi", 1, 23)) +
              pg_msg(b"B", b"\0\0" + struct.pack("!hhi", 0, 1, 1) + b"7" + struct.pack("!h", 0)) +
              pg_msg(b"D", b"S\0") + pg_msg(b"E", b"\0" + struct.pack("!i", 0)) +
              pg_msg(b"S", b""))
    print(pg_show(pg_read_until_ready(s)))


def pgcancel(port, sql, secs):
    s = conn(port)
    pid, key = pg_startup(s)
    t0 = time.time()
    s.sendall(pg_msg(b"Q", sql.encode() + b"\0"))
    time.sleep(float(secs))
    c = conn(port)
    c.sendall(struct.pack("!iiii", 16, 80877102, pid, key))
    print(pg_show(pg_read_until_ready(s)))
    print("after %.1f s" % (time.time() - t0))
    c.close()


def pgidle(port, sql, secs):
    s = conn(port)
    pg_startup(s)
    s.sendall(pg_msg(b"Q", sql.encode() + b"\0"))
    pg_read_until_ready(s)
    t0 = time.time()
    out = ""
    while time.time() - t0 < float(secs):
        try:
            s.sendall(pg_msg(b"S", b""))
            got = pg_show(pg_read_until_ready(s))
        except OSError:
            got = "EOF"
        if got:
            out = got
            break
        time.sleep(0.5)
    print("%s after %.0f s" % (out or "still open", time.time() - t0))


def pgkeys(port, n):
    """Prints the cancel keys of n connections opened one after another."""
    socks = [conn(port) for _ in range(int(n))]
    print(" ".join(str(pg_startup(s)[1]) for s in socks))


def pg_read_answers(s, n):
    """Returns n answers (lists of (type, body) up to ReadyForQuery) that
    arrive back to back on s."""
    out, cur, buf = [], [], b""
    while len(out) < n:
        while len(buf) >= 5 and len(buf) >= 1 + struct.unpack("!i", buf[1:5])[0]:
            ln = struct.unpack("!i", buf[1:5])[0]
            cur.append((buf[0:1], buf[5:1 + ln]))
            if buf[0:1] == b"Z":
                out.append(cur)
                cur = []
            buf = buf[1 + ln:]
        if len(out) == n:
            break
        b = s.recv(65536)
        if not b:
            out.append(cur + [(b"EOF", b"")])
            break
        buf += b
    return out


def pgpipe(port, sql, n, after):
    """Writes n Query messages of sql at once on one connection; `after`
    seconds later times connecting and a SELECT 1 on another.  Prints that
    time in ms, then the first line of each answer of the pipelined
    queries."""
    s = conn(port)
    pg_startup(s)
    s.sendall(pg_msg(b"Q", sql.encode() + b"\0") * int(n))
    time.sleep(float(after))
    t0 = time.time()
    o = conn(port)
    pg_startup(o)
    o.sendall(pg_msg(b"Q", b"SELECT 1\0"))
    pg_read_until_ready(o)
    print("%d" % ((time.time() - t0) * 1000))
    for a in pg_read_answers(s, int(n)):
        print(pg_show(a).split("\n")[0])


def pgpin(port, n, sql, secs):
    """n connections send sql and read nothing for secs seconds."""
    socks = [conn(port) for _ in range(int(n))]
    for s in socks:
        pg_startup(s)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(pg_msg(b"Q", sql.encode() + b"\0"))
    time.sleep(float(secs))


def main():
    cmd, port = sys.argv[1], sys.argv[2]
    arg = sys.argv[3] if len(sys.argv) > 3 else ""
    if cmd == "pg":
        return pg(port, *sys.argv[3:])
    if cmd in ("pgext", "pgcancel", "pgidle", "pgkeys", "pgpipe", "pgpin"):
        return globals()[cmd](port, *sys.argv[3:])
    payload = arg.encode().decode("unicode_escape").encode("latin-1")
    {"rst": rst, "burst": burst, "bp": bp, "slow": slow}[cmd](port, payload, sys.argv[4])


main()
