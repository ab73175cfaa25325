# tests/integ/nfs_rpc.py — crafted ONC RPC records against `hostmix serve nfs`
# (used by 31_nfs_rpc.sh and bench/nfs.sh; not executable itself).  Prints "ok NAME" or
# "FAIL NAME: why" per check.
#
#   python3 nfs_rpc.py PORT EXPORT_DIR HANDLE_FILE
#       runs every check; saves the handle of d1/deep.txt in HANDLE_FILE
#   python3 nfs_rpc.py PORT EXPORT_DIR HANDLE_FILE --after-restart
#       checks that the saved handle still works on a restarted server
#
# The export must hold: a.txt ("hello\n"), d1/ (a directory), out (a
# symlink to /etc/passwd), many/ (a directory with hundreds of entries),
# d1/deep.txt ("deep\n").
import socket
import struct
import sys

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 2049   # importers may set it
NFS, MOUNT = 100003, 100005
failed = False


def ok(name):
    print("ok " + name)


def fail(name, why):
    global failed
    failed = True
    print("FAIL %s: %s" % (name, why))


def check_eq(name, got, want):
    if got == want:
        ok(name)
    else:
        fail(name, "got %r, want %r" % (got, want))


def u32(v):
    return struct.pack(">I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack(">Q", v)


def opaque(b):
    return u32(len(b)) + b + b"\0" * ((4 - len(b) % 4) % 4)


AUTH_NONE = u32(0) + opaque(b"")
AUTH_SYS = u32(1) + opaque(u32(0) + opaque(b"test") + u32(1000) + u32(1000) + u32(1) + u32(1000))


def call_body(xid, prog, vers, proc, args=b"", cred=AUTH_SYS, rpcvers=2):
    return u32(xid) + u32(0) + u32(rpcvers) + u32(prog) + u32(vers) + u32(proc) + cred + AUTH_NONE + args


def record(body):
    return u32(0x80000000 | len(body)) + body


def connect():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=5)
    return s


def recv_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("connection closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def recv_record(s):
    body = b""
    while True:
        (h,) = struct.unpack(">I", recv_exact(s, 4))
        body += recv_exact(s, h & 0x7FFFFFFF)
        if h & 0x80000000:
            return body


class Reply:
    """A decoded reply: xid, accepted (bool), stat (accept_stat or
    reject_stat), and the rest of the words / bytes."""

    def __init__(self, body):
        self.xid, mtype, rstat = struct.unpack(">III", body[:12])
        assert mtype == 1
        self.accepted = rstat == 0
        if self.accepted:
            vlen = struct.unpack(">I", body[16:20])[0]
            off = 20 + vlen + (4 - vlen % 4) % 4
            self.stat = struct.unpack(">I", body[off:off + 4])[0]
            self.rest = body[off + 4:]
        else:
            self.stat = struct.unpack(">I", body[12:16])[0]
            self.rest = body[16:]

    def word(self, i):
        return struct.unpack(">I", self.rest[4 * i:4 * i + 4])[0]


def rpc(s, body):
    s.sendall(record(body))
    return Reply(recv_record(s))


def mount_root(s):
    r = rpc(s, call_body(1, MOUNT, 3, 1, opaque(b"/")))
    assert r.accepted and r.stat == 0 and r.word(0) == 0, "MNT / failed"
    n = r.word(1)
    return r.rest[8:8 + n]


def nfs_status(r):
    return r.word(0) if r.accepted and r.stat == 0 else ("rpc", r.accepted, r.stat)


def lookup(s, dirfh, name):
    r = rpc(s, call_body(10, NFS, 3, 3, opaque(dirfh) + opaque(name)))
    st = nfs_status(r)
    if st != 0:
        return st, None
    n = r.word(1)
    return 0, r.rest[8:8 + n]


def getattr_size(s, fh):
    r = rpc(s, call_body(90, NFS, 3, 1, opaque(fh)))
    st = nfs_status(r)
    return st if st != 0 else struct.unpack(">Q", r.rest[24:32])[0]


def after_restart(path):
    """A handle from before a restart still names the same file."""
    s = connect()
    with open(path, "rb") as f:
        fh = f.read()
    check_eq("handle_stable_across_restart", getattr_size(s, fh), 5)
    s.close()
    return 1 if failed else 0


def main():
    if len(sys.argv) > 4 and sys.argv[4] == "--after-restart":
        return after_restart(sys.argv[3])
    s = connect()
    r = rpc(s, call_body(7, NFS, 3, 0))
    check_eq("rpc_null_nfs", (r.xid, r.accepted, r.stat), (7, True, 0))
    r = rpc(s, call_body(8, MOUNT, 3, 0, cred=AUTH_NONE))
    check_eq("rpc_null_mount_auth_none", (r.xid, r.accepted, r.stat), (8, True, 0))
    r = rpc(s, call_body(9, NFS, 3, 0, rpcvers=3))
    check_eq("rpc_mismatch", (r.accepted, r.stat, r.word(0), r.word(1)), (False, 0, 2, 2))
    r = rpc(s, call_body(10, 100000, 2, 0))
    check_eq("rpc_prog_unavail", (r.accepted, r.stat), (True, 1))
    r = rpc(s, call_body(11, NFS, 4, 0))
    check_eq("rpc_prog_mismatch_nfs", (r.accepted, r.stat, r.word(0), r.word(1)), (True, 2, 3, 3))
    r = rpc(s, call_body(12, MOUNT, 1, 0))
    check_eq("rpc_prog_mismatch_mount", (r.accepted, r.stat, r.word(0), r.word(1)), (True, 2, 3, 3))
    r = rpc(s, call_body(13, NFS, 3, 99))
    check_eq("rpc_proc_unavail", (r.accepted, r.stat), (True, 3))
    r = rpc(s, call_body(14, NFS, 3, 1, u32(28) + b"HMX1"))
    check_eq("rpc_garbage_args_truncated_fh", (r.accepted, r.stat), (True, 4))
    r = rpc(s, call_body(15, MOUNT, 3, 1, u32(5000)))
    check_eq("rpc_garbage_args_long_path", (r.accepted, r.stat), (True, 4))
    r = rpc(s, u32(16) + u32(0) + u32(2) + u32(NFS))
    check_eq("rpc_truncated_header_garbage", (r.xid, r.accepted, r.stat), (16, True, 4))
    r = rpc(s, call_body(17, NFS, 3, 0, cred=u32(6) + opaque(b"gss")))
    check_eq("rpc_auth_gss_badcred", (r.accepted, r.stat, r.word(0)), (False, 1, 1))
    r = rpc(s, call_body(18, NFS, 3, 0, cred=u32(1) + opaque(u32(0) + u32(300))))
    check_eq("rpc_auth_sys_malformed_badcred", (r.accepted, r.stat, r.word(0)), (False, 1, 1))

    # A call split over three fragments, and three calls in one send.
    body = call_body(20, NFS, 3, 0)
    s.sendall(u32(8) + body[:8] + u32(4) + body[8:12] + u32(0x80000000 | (len(body) - 12)) + body[12:])
    check_eq("rpc_multi_fragment", Reply(recv_record(s)).xid, 20)
    s.sendall(b"".join(record(call_body(x, NFS, 3, 0)) for x in (21, 22, 23)))
    check_eq("rpc_pipelined_in_order", [Reply(recv_record(s)).xid for _ in range(3)], [21, 22, 23])
    # A REPLY message gets no answer; the next call still does.
    s.sendall(record(u32(30) + u32(1) + u32(0)) + record(call_body(31, NFS, 3, 0)))
    check_eq("rpc_reply_ignored", Reply(recv_record(s)).xid, 31)

    root = mount_root(s)
    check_eq("mnt_root_fh_len", len(root), 28)
    r = rpc(s, call_body(40, MOUNT, 3, 1, opaque(b"/a.txt")))
    check_eq("mnt_file_notdir", r.word(0), 20)
    r = rpc(s, call_body(41, MOUNT, 3, 1, opaque(b"/../etc")))
    check_eq("mnt_dotdot_refused", r.word(0), 13)
    r = rpc(s, call_body(42, MOUNT, 3, 1, opaque(b"/nonexistent")))
    check_eq("mnt_noent", r.word(0), 2)
    r = rpc(s, call_body(43, MOUNT, 3, 5))
    check_eq("mount_export_list", r.rest[:12], u32(1) + u32(1) + b"/\0\0\0")

    st, up = lookup(s, root, b"..")
    check_eq("lookup_dotdot_at_root_is_root", (st, up), (0, root))
    st, _ = lookup(s, root, b"../etc")
    check_eq("lookup_slash_in_name_acces", st, 13)
    st, d1 = lookup(s, root, b"d1")
    st2, back = lookup(s, d1, b"..")
    check_eq("lookup_dotdot_from_subdir", (st, st2, back), (0, 0, root))
    st, deep = lookup(s, d1, b"deep.txt")
    check_eq("getattr_nested_size", (st, getattr_size(s, deep)), (0, 5))
    with open(sys.argv[3], "wb") as f:
        f.write(deep)
    st, out = lookup(s, root, b"out")
    r = rpc(s, call_body(44, NFS, 3, 5, opaque(out)))
    check_eq("readlink_leading_out_acces", (st, r.word(0)), (0, 13))
    st, a = lookup(s, root, b"a.txt")
    r = rpc(s, call_body(45, NFS, 3, 6, opaque(a) + u64(0) + u32(100)))
    # status, post_op_attr (1 + 21 words), count, eof, opaque
    check_eq("read_small", (r.word(0), r.word(23), r.word(24), r.rest[4 * 26:4 * 26 + 6]),
             (0, 6, 1, b"hello\n"))
    r = rpc(s, call_body(46, NFS, 3, 6, opaque(d1) + u64(0) + u32(100)))
    check_eq("read_dir_isdir", r.word(0), 21)

    forged = bytearray(root)
    forged[20:28] = u64(0x3FFFFFFFFFFF1234)    # an inode no file here has
    r = rpc(s, call_body(50, NFS, 3, 1, opaque(bytes(forged))))
    check_eq("forged_handle_stale", r.word(0), 70)
    forged = bytearray(root)
    forged[0] = ord("X")
    r = rpc(s, call_body(51, NFS, 3, 1, opaque(bytes(forged))))
    check_eq("bad_magic_badhandle", r.word(0), 10001)
    r = rpc(s, call_body(52, NFS, 3, 1, opaque(root[:20])))
    check_eq("short_handle_badhandle", r.word(0), 10001)
    import os
    outside = os.stat("/").st_ino
    forged = bytearray(root)
    forged[20:28] = u64(outside)
    r = rpc(s, call_body(53, NFS, 3, 1, opaque(bytes(forged))))
    check_eq("handle_to_outside_inode_stale", r.word(0), 70)

    r = rpc(s, call_body(60, NFS, 3, 7, opaque(a) + u64(0) + u32(5) + u32(2) + opaque(b"xxxxx")))
    check_eq("write_rofs", (r.word(0), len(r.rest)), (30, 12))
    r = rpc(s, call_body(61, NFS, 3, 12, opaque(root) + opaque(b"a.txt")))
    check_eq("remove_rofs", r.word(0), 30)
    r = rpc(s, call_body(62, NFS, 3, 14, opaque(root) + opaque(b"a") + opaque(root) + opaque(b"b")))
    check_eq("rename_rofs", (r.word(0), len(r.rest)), (30, 20))
    st, many = lookup(s, root, b"many")
    r = rpc(s, call_body(63, NFS, 3, 16, opaque(many) + u64(0) + b"\0" * 8 + u32(120)))
    check_eq("readdir_toosmall", r.word(0), 10005)

    # READDIR with cookies: walk the directory in small replies.
    names, cookie, calls = [], 0, 0
    while calls < 1000:
        calls += 1
        r = rpc(s, call_body(64, NFS, 3, 16, opaque(many) + u64(cookie) + b"\0" * 8 + u32(1024)))
        if r.word(0) != 0:
            break
        off = 4 + 88 + 8
        while struct.unpack(">I", r.rest[off:off + 4])[0] == 1:
            n = struct.unpack(">I", r.rest[off + 12:off + 16])[0]
            names.append(r.rest[off + 16:off + 16 + n].decode())
            off += 16 + n + (4 - n % 4) % 4
            cookie = struct.unpack(">Q", r.rest[off:off + 8])[0]
            off += 8
        if struct.unpack(">I", r.rest[off + 4:off + 8])[0] == 1:
            break
    want = sorted(os.listdir(sys.argv[2] + "/many") + [".", ".."]) if len(sys.argv) > 2 else None
    check_eq("readdir_cookies_all_entries", (sorted(names) == want, calls > 5), (True, True))

    # A record longer than the limit: GARBAGE_ARGS, then the server closes.
    s.sendall(u32(0x80000000 | 0x7FFFFFF0) + u32(70) + u32(0))
    r = Reply(recv_record(s))
    try:
        closed = s.recv(1) == b""
    except ConnectionResetError:
        closed = True
    check_eq("oversized_record_refused", (r.xid, r.stat, closed), (70, 4, True))
    s.close()

    s = connect()
    s.sendall(b"\x00\x00\x00\x02xy")   # a non-last fragment, then hang up
    s.close()
    s = connect()
    r = rpc(s, call_body(80, NFS, 3, 0))
    check_eq("server_still_serving", (r.xid, r.stat), (80, 0))
    s.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
