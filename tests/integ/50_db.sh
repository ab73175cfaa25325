#!/usr/bin/env bash
# The built-in db server through psql: prepare, create, insert, select,
# multi-statement queries, rolled-back transactions, SQLSTATEs, waiting for
# another client's transaction, extended protocol (psql \bind), password.
. "$(dirname "$0")/lib.sh"
port=$(free_port)
check db_prepare "$HOSTMIX" prepare db --data "$TMP/d" --customers 50 --items 300
sum1=$(md5sum <"$TMP/d/orders.db")
"$HOSTMIX" prepare db --data "$TMP/d2" --customers 50 --items 300 >/dev/null 2>&1
check_eq db_prepare_deterministic "$(md5sum <"$TMP/d2/orders.db")" "$sum1"
check db_prepare_stamp test -s "$TMP/d/.hostmix-prepared"
spawn db "$HOSTMIX" serve db --listen "127.0.0.1:$port" --data "$TMP/d"
check db_listens wait_port 127.0.0.1 "$port"
export PGCONNECT_TIMEOUT=5
conn="host=127.0.0.1 port=$port dbname=orders user=hostmix"
q() { psql "$conn" -X -A -t -q "$@" 2>&1; }

check_eq db_prepared_rows "$(q -c 'SELECT count(*) FROM customers' -c 'SELECT count(*) FROM items' | tr '\n' ' ')" "50 300 "
check_eq db_create "$(psql "$conn" -X -c 'CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT NOT NULL)' 2>&1)" "CREATE TABLE"
check_eq db_insert_tag "$(psql "$conn" -X -c "INSERT INTO t VALUES (1, 'one'), (2, 'two')" 2>&1)" "INSERT 0 2"
check_eq db_select "$(q -c 'SELECT a, b FROM t ORDER BY a' | tr '\n' ' ')" "1|one 2|two "
check_eq db_update_tag "$(psql "$conn" -X -c "UPDATE t SET b = 'uno' WHERE a = 1" 2>&1)" "UPDATE 1"
check_eq db_multi_statement "$(q -c "INSERT INTO t VALUES (3, 'three'); SELECT count(*) FROM t; SELECT max(a) FROM t" | tr '\n' ' ')" "3 3 "
check_eq db_multi_statement_atomic "$({ q -c "INSERT INTO t VALUES (20, 'x'); INSERT INTO t VALUES (1, 'dup')" | cut -c1-6; q -c 'SELECT count(*) FROM t WHERE a = 20'; } | tr '\n' ' ')" "ERROR: 0 "
check_eq db_multi_statement_begin_inside "$(q -c "INSERT INTO t VALUES (21, 'x'); BEGIN; INSERT INTO t VALUES (22, 'y'); COMMIT" -c 'SELECT count(*) FROM t WHERE a IN (21, 22)'; q -c 'DELETE FROM t WHERE a IN (21, 22)')" "2"
check_eq db_rollback_tags "$(psql "$conn" -X -c "BEGIN; INSERT INTO t VALUES (4, 'four'); ROLLBACK" 2>&1 | tr '\n' ' ')" "BEGIN INSERT 0 1 ROLLBACK "
check_eq db_rollback_no_trace "$(q -c 'SELECT count(*) FROM t WHERE a = 4')" "0"
check_eq db_delete_tag "$(psql "$conn" -X -c 'DELETE FROM t WHERE a = 3' 2>&1)" "DELETE 1"
sqlstate() { psql "$conn" -X -v VERBOSITY=verbose -c "$1" 2>&1 | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p' | head -1; }
check_eq db_err_unique "$(sqlstate "INSERT INTO t VALUES (1, 'x')")" 23505
check_eq db_err_notnull "$(sqlstate "INSERT INTO t VALUES (9, NULL)")" 23502
check_eq db_err_fk "$(sqlstate "INSERT INTO inventory VALUES (99999, 1)")" 23503
check_eq db_err_check "$(sqlstate "UPDATE inventory SET qty = -1 WHERE item_id = 1")" 23514
check_eq db_err_syntax "$(sqlstate "SELEC 1")" 42601
check_eq db_err_no_table "$(sqlstate "SELECT * FROM nosuch")" 42P01
check_eq db_err_no_column "$(sqlstate "SELECT nosuch FROM t")" 42703
# An error inside a transaction aborts it: later statements are refused
# and COMMIT rolls back.
out=$(printf '%s\n' "BEGIN;" "INSERT INTO t VALUES (5, 'five');" "SELECT nosuch FROM t;" \
      "SELECT 1;" "COMMIT;" | psql "$conn" -X -v VERBOSITY=verbose 2>&1 | grep -E '^(ERROR|ROLLBACK|COMMIT)' | cut -c1-13 | tr '\n' ' ')
check_eq db_aborted_txn "$out" "ERROR:  42703 ERROR:  25P02 ROLLBACK "
check_eq db_aborted_txn_no_trace "$(q -c 'SELECT count(*) FROM t WHERE a = 5')" "0"
check_eq db_empty_query "$(psql "$conn" -X -c ';' 2>&1; echo rc=$?)" "rc=0"
# A second client waits for the first one's transaction and then sees it.
# The first client says "ready" once the server has run its INSERT inside
# the open transaction, then commits a second later.
python3 - "$port" "$TMP/txn.ready" >"$TMP/py.out" 2>&1 <<'PY' &
import subprocess, sys, time
conn = "host=127.0.0.1 port=%s dbname=orders user=hostmix" % sys.argv[1]
p = subprocess.Popen(["psql", conn, "-X", "-q", "-A", "-t"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE, text=True)
p.stdin.write("BEGIN; INSERT INTO t VALUES (10, 'ten'); SELECT 'ready';\n"); p.stdin.flush()
assert p.stdout.readline().strip() == "ready"
open(sys.argv[2], "w").close()
time.sleep(1.0)
p.stdin.write("COMMIT;\n"); p.stdin.close(); p.wait()
PY
for _ in $(seq 200); do [ -e "$TMP/txn.ready" ] && break; sleep 0.05; done
t0=$(date +%s%N)
got=$(q -c 'SELECT count(*) FROM t WHERE a = 10')
t1=$(date +%s%N)
wait $!
check_eq db_waits_for_other_txn "$got" "1"
check db_waited_about_a_second test $(( (t1 - t0) / 1000000 )) -ge 300
# Many clients with interleaved transactions (statement by statement):
# every transaction's effects are all there, serialised.
clients=()
q -c 'CREATE TABLE ctr (n INTEGER NOT NULL); INSERT INTO ctr VALUES (0)' >/dev/null
for i in 1 2 3 4 5 6; do
    for j in $(seq 30); do
        echo "BEGIN;"; echo "INSERT INTO t VALUES ($((1000 + i * 100 + j)), 'c$i');"
        echo "UPDATE ctr SET n = n + 1;"; echo "COMMIT;"
    done | psql "$conn" -X -q >/dev/null 2>&1 &
    clients+=($!)
done
wait "${clients[@]}"
check_eq db_concurrent_txns "$(q -c 'SELECT count(*) FROM t WHERE a > 1000' -c 'SELECT n FROM ctr' | tr '\n' ' ')" "180 180 "
# Extended query protocol (psql's \bind sends Parse/Bind/Describe/Execute/Sync).
if psql --help 2>/dev/null | grep -q . && [ "$(psql --version | sed 's/[^0-9]*\([0-9]*\).*/\1/')" -ge 16 ]; then
    check_eq db_extended "$(q -c "SELECT b FROM t WHERE a = \$1 \\bind 2 \\g")" "two"
fi
python3 - "$port" >"$TMP/ext.out" 2>&1 <<'PY'
# Extended protocol by hand: Parse, Bind with a text parameter, Describe,
# Execute, Sync; then a garbage message type.
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def msg(t, body): return t + struct.pack("!I", len(body) + 4) + body
body = struct.pack("!I", 196608) + b"user\0hostmix\0\0"
s.sendall(struct.pack("!I", len(body) + 4) + body)
def read_until(tag):
    data = b""
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
read_until(b"Z")
q = b"SELECT b FROM t WHERE a = $1\0"
s.sendall(msg(b"P", b"\0" + q + struct.pack("!hI", 1, 23)) +
          msg(b"B", b"\0\0" + struct.pack("!hhI", 0, 1, 1) + b"2" + struct.pack("!h", 0)) +
          msg(b"D", b"P\0") + msg(b"E", b"\0" + struct.pack("!I", 0)) + msg(b"S", b""))
r = read_until(b"Z")
print(" ".join(chr(m[0]) for m in r), [m[11:] for m in r if m[:1] == b"D"])
s.sendall(msg(b"!", b""))
r = read_until(b"E")
print(chr(r[-1][0]), b"08P01" in r[-1])
PY
check_eq db_extended_by_hand "$(cat "$TMP/ext.out")" "1 2 T D C Z [b'two']
E True"
# Password authentication.
port2=$(free_port)
spawn dbpw "$HOSTMIX" serve db --listen "127.0.0.1:$port2" --data "$TMP/d" --password s3cret
wait_port 127.0.0.1 "$port2"
check_eq db_password_ok "$(PGPASSWORD=s3cret psql "host=127.0.0.1 port=$port2 user=u" -X -A -t -c 'SELECT 7' 2>&1)" "7"
check db_password_bad sh -c "! PGPASSWORD=wrong psql 'host=127.0.0.1 port=$port2 user=u' -X -c 'SELECT 7'"
kill -TERM "$PID_db"; wait "$PID_db"; rc=$?
check_eq db_sigterm_exit0 "$rc" 0
