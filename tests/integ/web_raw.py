#!/usr/bin/env python3
"""web_raw.py PORT [HEAD_METHODS] — sends stdin as raw bytes to 127.0.0.1:PORT,
reads HTTP/1.1 responses until the server closes (or 5 s pass) and prints one
line per response: "STATUS LENGTH" (LENGTH: body bytes received).  Used by the
web integration tests for pipelining and malformed requests that curl will
not send.  Responses to HEAD requests carry no body: pass how many of the
requests, in order, are HEAD as a comma list of 0/1 in HEAD_METHODS.  With
WEB_RAW_SHUT=1 in the environment the client shuts down its sending side
after the request (a half-close)."""
import os
import socket
import sys

port = int(sys.argv[1])
heads = [x == "1" for x in sys.argv[2].split(",")] if len(sys.argv) > 2 else []
data = sys.stdin.buffer.read()
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(5)
s.sendall(data)
if os.environ.get("WEB_RAW_SHUT") == "1":
    s.shutdown(socket.SHUT_WR)
buf = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        buf += chunk
except (socket.timeout, ConnectionResetError):
    pass
i = 0
n = 0
while buf:
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        print("PARTIAL", len(buf))
        break
    head = buf[:end].decode("latin-1").split("\r\n")
    status = head[0].split(" ")[1]
    length = 0
    for h in head[1:]:
        k, _, v = h.partition(":")
        if k.lower() == "content-length":
            length = int(v.strip())
    is_head = n < len(heads) and heads[n]
    if is_head or status in ("304", "204"):
        length = 0
    body = buf[end + 4:end + 4 + length]
    print(status, len(body))
    buf = buf[end + 4 + length:]
    n += 1
