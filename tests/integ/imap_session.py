# imap_session.py — one whole imaplib session against `hostmix serve imap`
# (run by 40_imap.sh; not executable on purpose: the test runner runs only
# executable files).  Prints "ok NAME" / "FAIL NAME: why" lines.
#   python3 imap_session.py PORT DATA_DIR
import imaplib, os, re, sys

port, data = int(sys.argv[1]), sys.argv[2]
user, password, count = open(os.path.join(data, "users.tsv")).readline().rstrip("\n").split("\t")
count = int(count)
maildir = os.path.join(data, "mail", user, "Maildir")
files = sorted(os.listdir(os.path.join(maildir, "cur")))  # UIDs follow name order


def check(name, cond, why=""):
    print(("ok " + name) if cond else ("FAIL %s: %s" % (name, why)))


M = imaplib.IMAP4("127.0.0.1", port)
check("imap_capability", "IMAP4REV1" in M.capabilities and "LITERAL+" in M.capabilities,
      M.capabilities)
typ, _ = M.login(user, password)
check("imap_login", typ == "OK", typ)
typ, boxes = M.list()
names = [b.split(b' "." ')[1].strip(b'"') for b in boxes]
check("imap_list", typ == "OK" and names[0] == b"INBOX" and b"Sent" in names, names)
typ, d = M.select("INBOX")
check("imap_select_exists", typ == "OK" and int(d[0]) == count, d)
typ, d = M.status("Sent", "(MESSAGES UIDVALIDITY)")
check("imap_status", typ == "OK" and b"MESSAGES 5" in d[0], d)

# Bodies byte-exact against the data set, sizes, headers, partial ranges.
exact = True
for i, name in enumerate(files):
    raw = open(os.path.join(maildir, "cur", name), "rb").read()
    typ, d = M.fetch(str(i + 1), "(UID RFC822.SIZE BODY.PEEK[])")
    meta, body = d[0]
    m = re.search(rb"UID (\d+)", meta)
    if typ != "OK" or body != raw or int(m.group(1)) != i + 1 or \
            b"RFC822.SIZE %d" % len(raw) not in meta:
        exact = False
        print("# message", i + 1, name, meta)
        break
check("imap_fetch_bodies_exact", exact)
raw = open(os.path.join(maildir, "cur", files[0]), "rb").read()
hdr = raw[:raw.index(b"\r\n\r\n") + 4]
typ, d = M.fetch("1", "(BODY.PEEK[HEADER])")
check("imap_fetch_header", d[0][1] == hdr, d[0][1][:80])
typ, d = M.fetch("1", "(BODY.PEEK[TEXT])")
check("imap_fetch_text", d[0][1] == raw[len(hdr):])
typ, d = M.fetch("1", "(BODY.PEEK[]<10.20>)")
check("imap_fetch_partial", d[0][1] == raw[10:30] and b"BODY[]<10>" in d[0][0], d)
typ, d = M.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)])")
want = b"".join(l + b"\r\n" for l in hdr.split(b"\r\n") if l.startswith((b"From:", b"Subject:")))
check("imap_fetch_header_fields", d[0][1] == want + b"\r\n", d)
typ, d = M.fetch("1:2", "(FLAGS INTERNALDATE ENVELOPE)")
check("imap_fetch_envelope", typ == "OK" and b"ENVELOPE (" in d[0] and b"@example.com" not in d[0]
      and b'"example.com"' in d[0], d[0][:200])
typ, d = M.uid("FETCH", "1:*", "(FLAGS)")
check("imap_uid_fetch", typ == "OK" and len(d) == count and b"UID %d" % count in d[-1], d[-1])

# Flags: search, store, \Seen set by a non-peek fetch.
unseen = [i + 1 for i, n in enumerate(files) if "S" not in n.split(":2,")[1]]
typ, d = M.search(None, "UNSEEN")
check("imap_search_unseen", [int(x) for x in d[0].split()] == unseen, (d, unseen))
typ, d = M.search(None, "SEEN")
check("imap_search_seen", len(d[0].split()) == count - len(unseen), d)
subj = re.search(rb"Subject: (\S+)", hdr).group(1).decode()
typ, d = M.search(None, "SUBJECT", subj)
check("imap_search_subject", b"1" in d[0].split(), d)
frm = re.search(rb'From: "(\w+)', hdr).group(1).decode()
typ, d = M.uid("SEARCH", None, "FROM", frm, "UID", "1:5")
check("imap_uid_search_from", typ == "OK" and b"1" in d[0].split(), d)
typ, d = M.search(None, "SINCE", "1-Jan-2030")
check("imap_search_since", typ == "OK" and d[0] == b"", d)
typ, d = M.search(None, "OR", "SEEN", "UNSEEN")
check("imap_search_or", len(d[0].split()) == count, d)
if unseen:
    u = str(unseen[0])
    typ, d = M.fetch(u, "(BODY[TEXT])")
    check("imap_fetch_sets_seen", b"\\Seen" in d[-1] if isinstance(d[-1], bytes) else False, d[-1])
typ, d = M.store("2", "+FLAGS", "(\\Flagged \\Answered)")
check("imap_store_add", typ == "OK" and b"\\Flagged" in d[0] and b"\\Answered" in d[0], d)
typ, d = M.store("2", "-FLAGS.SILENT", "(\\Flagged)")
check("imap_store_silent", typ == "OK" and d == [None], d)
typ, d = M.uid("STORE", "2", "FLAGS", "(\\Draft)")
check("imap_uid_store", typ == "OK" and b"UID 2" in d[0] and b"(\\Draft)" in d[0], d)
flagged = [n for n in os.listdir(os.path.join(maildir, "cur")) if n.startswith(files[1].split(":")[0])]
check("imap_flags_in_file_name", flagged and flagged[0].endswith(":2,D"), flagged)

# APPEND, fetch it back, expunge.
msg = b"From: Test <t@example.com>\r\nSubject: appended\r\n\r\nhello\r\n" + b"x" * 3000 + b"\r\n"
typ, d = M.append("INBOX", None, None, msg)
check("imap_append", typ == "OK", d)
typ, d = M.uid("FETCH", str(count + 1), "(BODY.PEEK[] FLAGS)")
check("imap_append_fetch_back", typ == "OK" and d[0][1] == msg, d[0])
check("imap_append_in_new", len(os.listdir(os.path.join(maildir, "new"))) == 1)
check("imap_append_tmp_empty", os.listdir(os.path.join(maildir, "tmp")) == [])
typ, d = M.select("INBOX")
check("imap_reselect_counts_append", int(d[0]) == count + 1, d)
M.store("1,3", "+FLAGS", "(\\Deleted)")
typ, d = M.expunge()
check("imap_expunge", typ == "OK" and d == [b"3", b"1"], d)
check("imap_expunge_unlinks", len(os.listdir(os.path.join(maildir, "cur"))) == len(files) - 2)
typ, d = M.select("INBOX")
check("imap_after_expunge", int(d[0]) == count - 1, d)
typ, d = M.fetch("1", "(UID)")
check("imap_uids_stable", b"UID 2" in d[0], d)
# the uid list is a log: UIDNEXT is the header's, raised by appended lines
uidlist = open(os.path.join(maildir, "hostmix-uidlist")).read().split("\n")
listed = [int(l.split()[0]) for l in uidlist[1:] if l.strip()]
uidnext = max([int(uidlist[0].split()[3])] + [u + 1 for u in listed])
check("imap_uidlist", uidlist[0].startswith("hostmix-uidlist 1 ") and uidnext == count + 2 and
      listed[-1] == count + 1, uidlist[0])
typ, d = M.select("INBOX", readonly=True)
typ, d = M.store("1", "+FLAGS", "(\\Deleted)")
check("imap_examine_readonly", typ == "NO", d)
typ, d = M.close()
check("imap_close", typ == "OK", d)
typ, d = M.logout()
check("imap_logout", typ == "BYE", d)
