# imap_client.py — the IMAP client mix bench/imap.sh runs against both
# servers (a helper, not executable).  Each worker process runs sessions
# back to back for the given seconds: LOGIN, SELECT INBOX, ten operations
# drawn from the mix, LOGOUT.  The mix follows docs/imap.md (the SPECmail
# placeholder of /work/shared/workloads.md): fetch headers 20, fetch body
# 25, store flags 15, append 12, expunge 5 (login 8, select 10, logout 5
# come from the session frame).  Prints "ops N errors E seconds S".
#   python3 imap_client.py PORT USERS_TSV WORKERS SECONDS SEED
import imaplib, math, multiprocessing, random, sys, time

port, users_tsv, workers, seconds, seed = (int(sys.argv[1]), sys.argv[2], int(sys.argv[3]),
                                           float(sys.argv[4]), int(sys.argv[5]))
users = [l.rstrip("\n").split("\t")[:2] for l in open(users_tsv)]
MIX = [("headers", 20), ("body", 25), ("store", 15), ("append", 12), ("expunge", 5)]
WORDS = b"report meeting budget review server plan update status order team notes".split()


def message(r):
    size = min(1 << 20, max(512, int(math.exp(math.log(4096) + math.sqrt(2 * math.log(5)) * r.gauss(0, 1)))))
    head = b"From: Bench <bench@example.com>\r\nTo: user@hostmix.test\r\nSubject: bench %d\r\n\r\n" % r.randrange(1 << 30)
    body = bytearray()
    while len(head) + len(body) < size:
        body += b" ".join(r.choice(WORDS) for _ in range(10)) + b"\r\n"
    return head + bytes(body)


def session(r, ops):
    """One session; returns the number of commands that completed OK."""
    name, password = r.choice(users)
    m = imaplib.IMAP4("127.0.0.1", port)
    done = 0
    typ, _ = m.login(name, password); done += typ == "OK"
    typ, d = m.select("INBOX"); done += typ == "OK"
    exists = int(d[0])
    for _ in range(ops):
        op = r.choices([o for o, _ in MIX], [w for _, w in MIX])[0]
        if op == "append":
            typ, _ = m.append("INBOX", None, None, message(r))
            exists += 1
        elif op == "expunge":
            # an EXISTS for others' appends comes before our own EXPUNGEs
            typ, d = m.expunge()
            ex = m.untagged_responses.pop("EXISTS", None)
            exists = (int(ex[-1]) if ex else exists) - len([x for x in d if x])
        elif exists == 0:
            typ, _ = m.noop()
        elif op == "headers":
            lo = r.randrange(1, exists + 1)
            typ, _ = m.fetch("%d:%d" % (lo, min(exists, lo + 9)),
                             "(UID FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (From To Subject Date)])")
        elif op == "body":
            typ, _ = m.fetch(str(r.randrange(1, exists + 1)), "(BODY[])")
        else:
            flag = r.choices(["\\Seen", "\\Flagged", "\\Deleted"], [5, 3, 2])[0]
            typ, _ = m.store(str(r.randrange(1, exists + 1)), "+FLAGS", flag)
        done += typ == "OK"
        # other sessions' EXPUNGE/EXISTS arrive as untagged responses
        ex, gone = m.untagged_responses.pop("EXISTS", None), m.untagged_responses.pop("EXPUNGE", None)
        if ex:
            exists = int(ex[-1])
        elif gone:
            exists -= len(gone)
    typ, _ = m.logout(); done += typ == "BYE"
    return done, ops + 3 - done


def worker(k, q):
    r = random.Random(seed * 1000 + k)
    end = time.monotonic() + seconds
    ops = errors = 0
    while time.monotonic() < end:
        try:
            ok, bad = session(r, 10)
        except Exception as e:  # noqa: a failed session counts as errors
            print("# worker %d: %r" % (k, e), file=sys.stderr)
            ok, bad = 0, 1
        ops += ok
        errors += bad
    q.put((ops, errors))


if __name__ == "__main__":
    q = multiprocessing.Queue()
    t0 = time.monotonic()
    ps = [multiprocessing.Process(target=worker, args=(k, q)) for k in range(workers)]
    for p in ps:
        p.start()
    res = [q.get() for _ in ps]
    for p in ps:
        p.join()
    print("ops %d errors %d seconds %.2f" % (sum(r[0] for r in res), sum(r[1] for r in res),
                                             time.monotonic() - t0))
