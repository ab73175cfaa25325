#!/usr/bin/env bash
# The built-in db as clients written elsewhere use it: pgbench in its three
# query modes (simple; extended with the unnamed statement; prepared, with
# named statements) against the orders data, four clients at once with
# explicit transactions; every transaction adds 1 to a balance, so the sum
# of balances grows by exactly the transactions pgbench counts.  Then
# named statements and portals by hand: a second Parse of a name, Bind of a
# missing statement, Close, and a named portal.
. "$(dirname "$0")/lib.sh"
command -v pgbench >/dev/null || skip_all db_pgbench "pgbench is missing (scripts/deps.sh test installs postgresql-client)"
port=$(free_port)
"$HOSTMIX" prepare db --data "$TMP/d" --customers 50 --items 300 >/dev/null 2>&1
spawn db "$HOSTMIX" serve db --listen "127.0.0.1:$port" --data "$TMP/d"
check db_listens wait_port 127.0.0.1 "$port"
export PGCONNECT_TIMEOUT=5
conn="host=127.0.0.1 port=$port dbname=orders user=hostmix"
sum() { psql "$conn" -X -A -t -q -c 'SELECT sum(balance) FROM customers' 2>&1; }
cat >"$TMP/s.sql" <<'SQL'
\set c random(1, 50)
\set i random(1, 300)
SELECT name, balance FROM customers WHERE id = :c;
BEGIN;
UPDATE customers SET balance = balance + 1 WHERE id = :c;
SELECT price FROM items WHERE id = :i;
END;
SQL
for mode in simple extended prepared; do
    before=$(sum)
    timeout 120 pgbench -n -M "$mode" -f "$TMP/s.sql" -c 4 -j 2 -t 150 "$conn" >"$TMP/$mode.out" 2>&1
    check_eq "db_pgbench_${mode}_exit0" "$?" 0
    check_eq "db_pgbench_${mode}_all_done" \
        "$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$TMP/$mode.out")" 600
    check_eq "db_pgbench_${mode}_no_failure" "$(grep -c 'error\|aborted' "$TMP/$mode.out")" 0
    check_eq "db_pgbench_${mode}_balances" "$(echo "$(sum) - $before" | bc)" 600
done
python3 - "$port" >"$TMP/named.out" 2>&1 <<'PY'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def msg(t, body): return t + struct.pack("!I", len(body) + 4) + body
body = struct.pack("!I", 196608) + b"user\0hostmix\0\0"
s.sendall(struct.pack("!I", len(body) + 4) + body)
data = b""
def read_until(tag):
    global data
    out = []
    while True:
        while len(data) < 5 or len(data) < 1 + struct.unpack("!I", data[1:5])[0]:
            chunk = s.recv(65536)
            if not chunk: return out
            data += chunk
        n = 1 + struct.unpack("!I", data[1:5])[0]
        m, data = data[:n], data[n:]
        out.append(m)
        if m[:1] == tag: return out
def code(r):   # the SQLSTATE of the error in r, or "-"
    for m in r:
        if m[:1] == b"E":
            for f in m[5:].split(b"\0"):
                if f[:1] == b"C": return f[1:].decode()
    return "-"
def tags(r): return "".join(chr(m[0]) for m in r)
def parse(name, q): return msg(b"P", name + b"\0" + q + b"\0" + struct.pack("!h", 0))
def bind(portal, stmt, *params):
    b = portal + b"\0" + stmt + b"\0" + struct.pack("!hh", 0, len(params))
    for p in params: b += struct.pack("!I", len(p)) + p
    return msg(b"B", b + struct.pack("!h", 0))
def execute(portal): return msg(b"E", portal + b"\0" + struct.pack("!I", 0))
sync = msg(b"S", b"")
read_until(b"Z")
q = b"SELECT name FROM customers WHERE id = $1"
s.sendall(parse(b"s1", q) + sync); print("parse", tags(read_until(b"Z")))
s.sendall(parse(b"s1", q) + sync); print("again", code(read_until(b"Z")))
s.sendall(bind(b"", b"nope") + sync); print("missing", code(read_until(b"Z")))
s.sendall(bind(b"p1", b"s1", b"7") + bind(b"", b"s1", b"8") + msg(b"D", b"Pp1\0") +
          execute(b"p1") + execute(b"") + sync)
r = read_until(b"Z"); print("portals", tags(r), len([m for m in r if m[:1] == b"D"]))
s.sendall(execute(b"p1") + sync); print("used", code(read_until(b"Z")))
s.sendall(msg(b"C", b"Ss1\0") + sync); print("close", tags(read_until(b"Z")))
s.sendall(bind(b"", b"s1", b"7") + sync); print("closed", code(read_until(b"Z")))
PY
check_eq db_named_statements "$(cat "$TMP/named.out")" "parse 1Z
again 42P05
missing 26000
portals 22TDCDCZ 2
used 34000
close 3Z
closed 26000"
exit $_failed
