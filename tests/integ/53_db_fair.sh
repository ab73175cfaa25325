#!/usr/bin/env bash
# The db server shares its one thread fairly: pipelined statements of one
# client take turns with the others', and a client that does not read its
# results holds a bounded amount of memory while the others go on.
. "$(dirname "$0")/lib.sh"
F="python3 $(dirname "$0")/faults.py"
"$HOSTMIX" prepare db --data "$TMP/d" --customers 10 --items 20 >/dev/null 2>&1
p=$(free_port)
# (a sanitizer build keeps freed memory in quarantine: keep that small so
# the server's resident size means what it holds)
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4 \
    spawn db "$HOSTMIX" serve db --listen "127.0.0.1:$p" --data "$TMP/d" --statement-timeout 1s
check db_listens wait_port 127.0.0.1 "$p"
q() { timeout 10 $F pg "$p" "$@" 2>&1; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$PID_db/status"; }
forever="WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r) SELECT count(*) FROM r"

# five pipelined endless statements (each stopped by the 1 s deadline):
# another client is answered between two of them, not after all five
out=$(timeout 20 $F pgpipe "$p" "$forever" 5 0.3)
check db_pipelined_yields test "$(echo "$out" | head -1)" -lt 2000
check_eq db_pipelined_all_answered "$(echo "$out" | tail -n +2 | sort | uniq -c | tr -s ' ')" \
    " 5 ERROR 57014 canceling statement due to statement timeout"

# six clients that send an 8 MB answer's query and never read: output is
# streamed as they read, so they pin little; the others go on meanwhile
big="WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM r WHERE i < 40) SELECT zeroblob(100000) FROM r"
before=$(rss_kb)
$F pgpin "$p" 6 "$big" 3 &
pin=$!
sleep 1.5
check db_unread_results_bounded test $(( $(rss_kb) - before )) -lt 30000
check_eq db_others_read_meanwhile "$(q "SELECT count(*) FROM items")" "20"
check_eq db_others_write_meanwhile "$(q "UPDATE items SET price = price WHERE id = 1")" ""
wait "$pin"
check_eq db_streamed_result_whole "$(q "SELECT count(*) FROM ($big)")" "40"
check_eq db_no_statement_left "$(q VACUUM)" ""
check db_alive kill -0 "$PID_db"
