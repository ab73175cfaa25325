#!/usr/bin/env python3
"""faults.py — hostile-client actions for the fault-injection tests.

    faults.py rst PORT BYTES SECONDS    send the bytes, wait, reset
    faults.py burst PORT BYTES N        send N copies in one write; print
                                        what comes back within 3 s
    faults.py bp PORT BYTES N           send N copies, never read, reset
    faults.py slow PORT BYTES SECONDS   send the bytes one line every
                                        SECONDS; print when the server closed
    faults.py pg PORT SQL               one simple query over the PostgreSQL
                                        protocol; prints the rows, or
                                        "ERROR code message"

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
    body = struct.pack("!i", 196608) + b"user\0hostmix\0database\0orders\0\0"
    s.sendall(struct.pack("!i", len(body) + 4) + body)
    pg_read_until_ready(s)


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


def pg(port, sql):
    s = conn(port)
    pg_startup(s)
    s.sendall(pg_msg(b"Q", sql.encode() + b"\0"))
    print(pg_show(pg_read_until_ready(s)))


def main():
    cmd, port = sys.argv[1], sys.argv[2]
    arg = sys.argv[3]
    if cmd == "pg":
        return pg(port, arg)
    payload = arg.encode().decode("unicode_escape").encode("latin-1")
    {"rst": rst, "burst": burst, "bp": bp, "slow": slow}[cmd](port, payload, sys.argv[4])


main()
