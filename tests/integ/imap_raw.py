# imap_raw.py — malformed input, limits and the failed-LOGIN delay, over a
# raw socket (run by 40_imap.sh; not executable on purpose).
#   python3 imap_raw.py PORT DATA_DIR MAX_REQUEST
import os, socket, sys, threading, time

port, data, max_request = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
user, password, _ = open(os.path.join(data, "users.tsv")).readline().rstrip("\n").split("\t")


def check(name, cond, why=""):
    print(("ok " + name) if cond else ("FAIL %s: %s" % (name, why)))


class Conn:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        self.greeting = self.line()

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                out, self.buf = self.buf, b""
                return out
            self.buf += chunk
        out, self.buf = self.buf.split(b"\r\n", 1)
        return out

    def cmd(self, raw, tag=None):
        """Sends raw bytes; returns the lines up to the tagged reply (or EOF)."""
        self.s.sendall(raw)
        tag = tag or raw.split(b" ", 1)[0]
        lines = []
        while True:
            l = self.line()
            lines.append(l)
            if l == b"" or l.startswith(tag + b" ") or l.startswith(b"* BYE"):
                return lines

    def closed(self):
        try:
            self.s.settimeout(5)
            while True:
                if not self.s.recv(65536):
                    return True
        except OSError:
            return False


c = Conn()
check("imap_greeting", c.greeting.startswith(b"* OK"), c.greeting)
r = c.cmd(b"a1 FOO bar\r\n")
check("imap_unknown_command_bad", r[-1].startswith(b"a1 BAD"), r)
r = c.cmd(b"a2 FETCH 1 FLAGS\r\n")
check("imap_state_enforced", r[-1].startswith(b"a2 BAD") and b"LOGIN" in r[-1], r)
r = c.cmd(b"a3 LOGIN\r\n")
check("imap_missing_args_bad", r[-1].startswith(b"a3 BAD"), r)
r = c.cmd(b'a4 LOGIN "unterminated\r\n')
check("imap_bad_quote", r[-1].startswith(b"a4 BAD"), r)
r = c.cmd(b"\r\n", tag=b"*")
check("imap_empty_line", r[-1].startswith(b"* BAD"), r)
r = c.cmd(b"a5 LOGIN (((((((((((((((((((((x\r\n")
check("imap_unbalanced", r[-1].startswith(b"a5 BAD"), r)
r = c.cmd(b"a6 LOGIN {%d}\r\n" % (max_request * 2))
check("imap_big_sync_literal_refused", r[-1].startswith(b"a6 BAD") and b"TOOBIG" in r[-1], r)
r = c.cmd(b"a7 NOOP\r\n")
check("imap_alive_after_refusal", r[-1] == b"a7 OK NOOP completed", r)
r = c.cmd(b"a8 LOGIN {%d}\r\n" % len(user), tag=b"+")
check("imap_continuation", r[-1].startswith(b"+ "), r)
r = c.cmd(user.encode() + b" {%d+}\r\n%s\r\n" % (len(password), password.encode()), tag=b"a8")
check("imap_login_literals", r[-1].startswith(b"a8 OK"), r)
r = c.cmd(b"a9 SELECT INBOX\r\n")
# a synchronising literal of 0 bytes gets its "+" like any other: a
# conforming client sends nothing more until then
c.s.settimeout(3)
try:
    r = c.cmd(b"a0 SEARCH SUBJECT {0}\r\n", tag=b"+")
except OSError as e:
    r = [repr(e).encode()]
c.s.settimeout(10)
check("imap_zero_literal_continuation", r[-1].startswith(b"+ "), r)
r = c.cmd(b"\r\n", tag=b"a0") if r[-1].startswith(b"+ ") else [b""]
check("imap_zero_literal_command", r[-1].startswith(b"a0 OK") and r[0].startswith(b"* SEARCH"), r)
r = c.cmd(b"b1 FETCH 1:x FLAGS\r\n")
check("imap_bad_seqset", r[-1].startswith(b"b1 BAD"), r)
r = c.cmd(b"b2 FETCH 99999 FLAGS\r\n")
check("imap_seq_out_of_range", r[-1].startswith(b"b2 BAD"), r)
r = c.cmd(b"b3 FETCH 1 (BODY[HEADER.FIELDS (From)]<1.x>)\r\n")
check("imap_bad_fetch_att", r[-1].startswith(b"b3 BAD"), r)
r = c.cmd(b"b4 SEARCH SINCE 32-Foo-20\r\n")
check("imap_bad_search_date", r[-1].startswith(b"b4 BAD"), r)
r = c.cmd(b"b5 SELECT ../../etc\r\n")
check("imap_mailbox_name_refused", r[-1].startswith(b"b5 NO"), r)
r = c.cmd(b"b6 APPEND Nowhere {3+}\r\nabc\r\n")
check("imap_append_trycreate", r[-1].startswith(b"b6 NO [TRYCREATE]"), r)
r = c.cmd(b"b7 UID EXPUNGE 1\r\n")
check("imap_uid_bad_subcommand", r[-1].startswith(b"b7 BAD"), r)
r = c.cmd(b"b8 APPEND INBOX {%d+}\r\n" % (max_request * 2))
r.append(c.line())
check("imap_big_nonsync_literal_bye", r[0].startswith(b"b8 BAD") and r[1].startswith(b"* BYE")
      and c.closed(), r)

c = Conn()
c.s.sendall(b"a1 NOOP " + b"x" * 9000)
r = c.cmd(b"", tag=b"a1")
check("imap_long_line_bye", r[-1].startswith(b"* BYE") and c.closed(), r)

c = Conn()
c.s.sendall(bytes(range(256)) * 4 + b"\r\n\x00\x01\r\n")
time.sleep(0.2)
r = c.cmd(b"z1 NOOP\r\n", tag=b"z1")
check("imap_binary_garbage", r[-1] == b"z1 OK NOOP completed", r)

# A failed LOGIN is answered after the delay, without stalling others.
slow = Conn()
t0 = time.monotonic()
result = {}
def bad_login():
    result["r"] = slow.cmd(b"x1 LOGIN %s wrong\r\n" % user.encode())
    result["done"] = time.monotonic()
th = threading.Thread(target=bad_login)
th.start()
time.sleep(0.05)
fast = Conn()
r = fast.cmd(b"y1 NOOP\r\n")
fast_done = time.monotonic()
th.join()
check("imap_bad_login_no", result["r"][-1].startswith(b"x1 NO"), result)
check("imap_bad_login_delayed", result["done"] - t0 >= 0.4, result["done"] - t0)
# the other client's NOOP is answered while the failed LOGIN still waits
check("imap_bad_login_does_not_block", fast_done < result["done"] and r[-1].startswith(b"y1 OK"),
      (fast_done - t0, result["done"] - t0))
r = slow.cmd(b"x2 LOGOUT\r\n")
check("imap_session_after_bad_login", any(l.startswith(b"* BYE") for l in r), r)
