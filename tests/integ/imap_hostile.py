# imap_hostile.py — clients that push the imap server: pipelined FETCHes
# never read while they are sent, and a SEARCH whose needle is long
# and LIST patterns of many wildcards
# (run by 42_imap_hostile.sh; not executable on purpose).
#   python3 imap_hostile.py PORT DATA_DIR SERVER_PID
import os, socket, sys, time

port, data, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
user, password, _ = open(os.path.join(data, "users.tsv")).readline().rstrip("\n").split("\t")


def check(name, cond, why=""):
    print(("ok " + name) if cond else ("FAIL %s: %s" % (name, why)))


def rss_kib():
    for l in open("/proc/%d/status" % pid):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
    return 0


def until_tag(s, buf, tag, limit=30):
    """Reads until the line starting with tag; returns (bytes read, rest)."""
    s.settimeout(limit)
    need = b"\r\n" + tag + b" "
    parts, tail = [], b"\r\n" + buf      # buf starts at a line start
    i = tail.find(need)
    while i < 0:
        chunk = s.recv(1 << 20)
        if not chunk:
            return (b"".join(parts) + tail)[2:], b""
        keep = tail[-len(need):]
        parts.append(tail[:-len(need)] if len(tail) > len(need) else b"")
        tail = (keep if len(tail) > len(need) else tail) + chunk
        i = tail.find(need)
    j = tail.find(b"\r\n", i + 2)
    while j < 0:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        tail += chunk
        j = tail.find(b"\r\n", i + 2)
    return (b"".join(parts) + tail[:j + 2])[2:], tail[j + 2:]


s = socket.create_connection(("127.0.0.1", port), timeout=30)
buf = s.recv(4096)
s.sendall(b"a LOGIN %s %s\r\nb SELECT INBOX\r\n" % (user.encode(), password.encode()))
got, buf = until_tag(s, buf, b"b")
check("imap_hostile_login", b"b OK" in got, got[-200:])

# Every FETCH answers the whole mailbox; the answers to all of them would
# be far more than the server should hold for a client that does not read.
n = 40
s.sendall(b"c FETCH 1:* BODY.PEEK[]\r\n")
one, buf = until_tag(s, buf, b"c")
base = rss_kib()
s.sendall(b"".join(b"p%d FETCH 1:* BODY.PEEK[]\r\n" % i for i in range(n)))
time.sleep(1.5)
grown = rss_kib() - base
t0 = time.time()
got, buf = until_tag(s, buf, b"p%d" % (n - 1), 30)
oks = got.count(b" OK FETCH completed")
check("imap_pipelined_fetch_all_answered", oks == n, "%d of %d" % (oks, n))
check("imap_pipelined_fetch_bounded_memory", grown < 24 * 1024,
      "server grew by %d KiB for %d unread answers of %d bytes" % (grown, n, len(one)))

# SEARCH BODY with a needle of one MiB against a message of two MiB:
# a byte-by-byte comparison at every offset would take minutes.
msg = b"Subject: big\r\n\r\n" + b"a" * (2 << 20) + b"\r\n"
s.sendall(b"d APPEND INBOX {%d+}\r\n" % len(msg) + msg + b"\r\n")
got, buf = until_tag(s, buf, b"d")
check("imap_hostile_append_big", b"d OK" in got, got[-200:])
needle = b"a" * (1 << 20) + b"b"
t0 = time.time()
s.sendall(b"e SEARCH BODY {%d+}\r\n" % len(needle) + needle + b"\r\n")
try:
    got, buf = until_tag(s, buf, b"e", 20)
except socket.timeout:
    got = b"(timeout)"
took = time.time() - t0
check("imap_search_long_needle_fast", b"e OK" in got and took < 5,
      "%.1f s: %s" % (took, got[-100:]))
s.sendall(b"f SEARCH BODY {%d+}\r\n" % (len(needle) - 1) + needle[:-1] + b"\r\n")
got, buf = until_tag(s, buf, b"f")
check("imap_search_long_needle_finds", b"* SEARCH " in got and got.split(b"* SEARCH")[1].split(b"\r\n")[0].strip() != b"",
      got[-100:])
# LIST patterns of many wildcards: backtracking would try every way to
# share the name's letters among them.
t0 = time.time()
s.sendall(b'g LIST "" "' + b"*" * 300 + b'Z"\r\n')
try:
    got, buf = until_tag(s, buf, b"g", 20)
except socket.timeout:
    got = b"(timeout)"
took = time.time() - t0
check("imap_list_many_wildcards_fast", b"g OK" in got and b"INBOX" not in got and took < 3,
      "%.1f s: %s" % (took, got[-100:]))
s.sendall(b'h LIST "" "' + b"%*" * 100 + b'X"\r\ni LIST "" "%.%"\r\n')
got, buf = until_tag(s, buf, b"i")
check("imap_list_wildcards_still_match", got.count(b"INBOX") == 1 and b"i OK" in got, got[-200:])
s.sendall(b"z LOGOUT\r\n")
s.close()
