#!/usr/bin/env bash
# The db server against hostile clients: no escape through SQLite (native
# pointers, files elsewhere, shared-connection PRAGMAs), a statement time
# limit and a working CancelRequest, a bound on idle-in-transaction, and
# the extended protocol keeping bound parameters through Describe.
. "$(dirname "$0")/lib.sh"
F="python3 $(dirname "$0")/faults.py"
"$HOSTMIX" prepare db --data "$TMP/d" --customers 10 --items 20 >/dev/null 2>&1
p=$(free_port)
spawn db "$HOSTMIX" serve db --listen "127.0.0.1:$p" --data "$TMP/d" \
    --statement-timeout 1s --idle-in-transaction-timeout 2s
check db_listens wait_port 127.0.0.1 "$p"
q() { $F pg "$p" "$@" 2>&1; }
code() { q "$1" | cut -d' ' -f1-2; }
mkdir "$TMP/out"

check_eq db_fts3_tokenizer_refused "$(code "SELECT hex(fts3_tokenizer('simple'))")" "ERROR 42501"
check_eq db_fts3_tokenizer_register_refused \
    "$(code "SELECT fts3_tokenizer('evil', x'4141414141414141')")" "ERROR 42501"
check_eq db_load_extension_refused "$(code "SELECT load_extension('/tmp/x.so')")" "ERROR 42501"
check_eq db_attach_refused "$(code "ATTACH DATABASE '$TMP/out/w.db' AS w")" "ERROR 42501"
check_eq db_vacuum_into_refused "$(code "VACUUM INTO '$TMP/out/copy.db'")" "ERROR 42501"
check_eq db_no_file_written "$(ls "$TMP/out")" ""
check_eq db_vacuum_allowed "$(q VACUUM)" ""
for pr in "synchronous=OFF" "foreign_keys=OFF" "journal_mode=DELETE" "writable_schema=ON" \
          "main.synchronous=0" "ignore_check_constraints=ON" "query_only=ON"; do
    check_eq "db_pragma_refused_${pr%%=*}" "$(code "PRAGMA $pr")" "ERROR 42501"
done
# a refused PRAGMA in one session leaves the next session as it was
q "PRAGMA synchronous=OFF" "PRAGMA foreign_keys=OFF" >/dev/null
check_eq db_pragma_isolation "$(q "PRAGMA synchronous" "PRAGMA foreign_keys" | tr '\n' ' ')" "2 1 "
check_eq db_pragma_read_allowed "$(q "PRAGMA table_info(customers)" | head -1 | cut -d'|' -f2)" "id"
check_eq db_order_entry_still_works "$(q "SELECT count(*) FROM items")" "20"

# statement time limit; the server goes on
t0=$(date +%s%N)
out=$(q "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r) SELECT count(*) FROM r")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq db_statement_timeout "$out" "ERROR 57014 canceling statement due to statement timeout"
check db_statement_timeout_bounded test "$ms" -lt 2500
check_eq db_after_timeout "$(q "SELECT 1")" "1"
# an endless result of big rows stops at 64 MiB, not at memory
check_eq db_endless_rows_bounded "$(q "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r) SELECT zeroblob(100000) FROM r" | tail -1)" \
    "ERROR 54000 the statement's result exceeds 64 MiB"
# CancelRequest stops the running statement at once
out=$($F pgcancel "$p" "WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r) SELECT count(*) FROM r" 0.3)
check_eq db_cancel_request "$(echo "$out" | head -1)" "ERROR 57014 canceling statement due to user request"
# answered after the cancel was sent (at 0.3 s), and before the 1 s statement
# timeout: "due to user request" above, not "due to statement timeout"
check db_cancel_request_after_cancel awk '{exit !($1 == "after" && $2 >= 0.3)}' <<<"$(echo "$out" | tail -1)"

# idle in transaction: Sync alone does not keep the lock
price=$(q "SELECT price FROM items WHERE id = 1")
$F pgidle "$p" "BEGIN; UPDATE items SET price = price + 1 WHERE id = 1" 8 >"$TMP/idle.out" &
idle=$!
sleep 0.5
t0=$(date +%s%N)
out=$(q "UPDATE items SET price = price WHERE id = 2")
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
wait "$idle"
check_eq db_idle_in_transaction_ended "$(head -1 "$TMP/idle.out")" \
    "ERROR 25P03 terminating connection due to idle-in-transaction timeout"
# ended at the 2 s timeout, not before (pgidle gives up after 8 s)
check db_idle_in_transaction_at_timeout awk \
    '{exit !($1 == "EOF" && $2 == "after" && $3 >= 2 && $3 < 8)}' <<<"$(tail -1 "$TMP/idle.out")"
check_eq db_waiter_runs_after_idle_bound "$out" ""
check db_waiter_bounded test "$ms" -lt 3000
check_eq db_idle_txn_rolled_back "$(q "SELECT price FROM items WHERE id = 1")" "$price"

# extended protocol: Describe(statement) after Bind keeps the parameters
check_eq db_describe_after_bind "$($F pgext "$p")" "7"
check db_alive kill -0 "$PID_db"
