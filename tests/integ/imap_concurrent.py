# imap_concurrent.py — sessions sharing a mailbox see each other's APPEND,
# STORE and EXPUNGE; many clients at once (run by 41_imap_concurrent.sh;
# not executable on purpose).   python3 imap_concurrent.py PORT DATA_DIR
import imaplib, os, sys, threading

port, data = int(sys.argv[1]), sys.argv[2]
users = [l.rstrip("\n").split("\t") for l in open(os.path.join(data, "users.tsv"))]
user, password, count = users[0][0], users[0][1], int(users[0][2])


def check(name, cond, why=""):
    print(("ok " + name) if cond else ("FAIL %s: %s" % (name, why)))


def session(u=user, p=password):
    m = imaplib.IMAP4("127.0.0.1", port)
    m.login(u, p)
    return m


A, B = session(), session()
A.select("INBOX")
B.select("INBOX")
A.append("INBOX", None, None, b"Subject: from A\r\n\r\nhi\r\n")
B.untagged_responses.clear()
typ, d = B.noop()
check("imap_peer_sees_append", B.untagged_responses.get("EXISTS") == [b"%d" % (count + 1)],
      B.untagged_responses)
B.untagged_responses.clear()
typ, d = B.fetch(str(count + 1), "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
check("imap_peer_fetches_append", b"from A" in d[0][1], d)
# Fetch/store/search must not send EXPUNGE; the next NOOP does.
B.store("2", "+FLAGS", "(\\Deleted)")
B.expunge()
A.untagged_responses.clear()
typ, d = A.fetch("1:3", "(FLAGS)")
check("imap_no_expunge_during_fetch", "EXPUNGE" not in A.untagged_responses, A.untagged_responses)
typ, d = A.noop()
check("imap_peer_sees_expunge", A.untagged_responses.get("EXPUNGE") == [b"2"], A.untagged_responses)
typ, d = A.search(None, "ALL")
check("imap_views_agree", len(d[0].split()) == count, d)
A.store("1", "+FLAGS", "(\\Flagged)")
typ, d = B.fetch("1", "(FLAGS)")
check("imap_peer_sees_flags", b"\\Flagged" in d[0], d)
A.logout()
B.logout()

# Many clients at once, each a whole short session on its own user.
errors = []
def worker(k):
    try:
        u = users[k % len(users)]
        m = session(u[0], u[1])
        typ, d = m.select("INBOX")
        for i in range(1, 6):
            typ, d = m.fetch(str(i), "(RFC822.SIZE BODY.PEEK[])")
            if typ != "OK":
                errors.append((k, typ, d))
        m.logout()
    except Exception as e:  # noqa
        errors.append((k, repr(e)))
threads = [threading.Thread(target=worker, args=(k,)) for k in range(40)]
for t in threads:
    t.start()
for t in threads:
    t.join()
check("imap_40_concurrent_sessions", not errors, errors[:3])
