#!/usr/bin/env bash
# The db server keeps one client from hurting the others that share its
# one SQLite connection: no session objects that outlive or shadow (TEMP
# tables, ATTACH), no view into other sessions (sqlite_stmt, dbstat),
# unpredictable cancel keys, bounded statements and results.
. "$(dirname "$0")/lib.sh"
F="python3 $(dirname "$0")/faults.py"
"$HOSTMIX" prepare db --data "$TMP/d" --customers 10 --items 20 >/dev/null 2>&1
p=$(free_port)
spawn db "$HOSTMIX" serve db --listen "127.0.0.1:$p" --data "$TMP/d" --statement-timeout 1s \
    --max-result 1MiB
check db_listens wait_port 127.0.0.1 "$p"
q() { timeout 10 $F pg "$p" "$@" 2>&1; }
code() { q "$1" | cut -d' ' -f1-2; }
hwm_kb() { awk '/^VmHWM/ { print $2 }' "/proc/$PID_db/status"; }

# one row of many large columns is refused while it is encoded, not after:
# 8 blobs of 1 MB would be a 16 MB DataRow
before=$(hwm_kb)
check_eq db_wide_row_bounded "$(q "SELECT $(printf 'zeroblob(1000000),%.0s' 1 2 3 4 5 6 7)zeroblob(1000000)")" \
    "ERROR 54000 the statement's result exceeds 1 MiB"
check db_wide_row_memory test $(( $(hwm_kb) - before )) -lt 14000

# strings and blobs are small; instr and replace are linear, so the
# statement deadline holds (a position-by-position search of a 2 MB
# haystack for a 1 MB needle takes minutes)
check_eq db_value_length_bounded "$(code "SELECT length(zeroblob(5000000))")" "ERROR 54000"
hay="replace(hex(zeroblob(1000000)), '0', 'a')"
t0=$(date +%s%N)
check_eq db_instr_fast "$(q "SELECT instr($hay, substr($hay, 1, 1000000) || 'b')")" "0"
check_eq db_replace_fast "$(q "SELECT length(replace($hay, substr($hay, 1, 1000000) || 'b', ''))")" "2000000"
check db_string_functions_bounded test $(( ($(date +%s%N) - t0) / 1000000 )) -lt 3000
check_eq db_like_pattern_bounded "$(code "SELECT 'a' LIKE '$(printf '%%a%.0s' $(seq 200))'")" "ERROR 54001"

# TEMP objects would live on the shared connection and shadow main tables
name=$(q "SELECT name FROM customers WHERE id = 1")
for t in "CREATE TEMP TABLE customers (id INTEGER, name TEXT)" \
         "CREATE TABLE temp.customers (id INTEGER, name TEXT)" \
         "CREATE TEMP VIEW customers AS SELECT 1 AS id, 'x' AS name" \
         "CREATE TEMP TRIGGER tt AFTER INSERT ON orders BEGIN SELECT 1; END"; do
    check_eq "db_temp_refused_$(echo "$t" | cut -d' ' -f2-3 | tr ' .' '__')" "$(code "$t")" "ERROR 42501"
done
check_eq db_temp_no_shadow "$(q "SELECT name FROM customers WHERE id = 1")" "$name"

# every ATTACH is refused, VACUUM still works after many tries
for i in 1 2 3 4 5 6 7 8 9 10 11; do out=$(code "ATTACH '' AS a$i"); done
check_eq db_attach_empty_refused "$out" "ERROR 42501"
check_eq db_vacuum_after_attaches "$(q VACUUM)" ""

# no parameter numbers past what a Bind can carry
check_eq db_variable_number_bounded "$(code "SELECT ?250000")" "ERROR 54023"

# no view into other sessions' statements or the raw file
for t in sqlite_stmt dbstat pragma_database_list; do
    check_eq "db_introspection_refused_$t" "$(code "SELECT * FROM $t")" "ERROR 42501"
done
check_eq db_introspection_refused_count "$(code "SELECT count(*) FROM sqlite_stmt")" "ERROR 42501"
case $(code "SELECT * FROM sqlite_dbpage") in  # absent from some SQLite builds
"ERROR 42501"|"ERROR 42P01") ok db_introspection_refused_sqlite_dbpage ;;
*) fail db_introspection_refused_sqlite_dbpage ;;
esac
check_eq db_pragma_function_read_allowed \
    "$(q "SELECT name FROM pragma_table_info('customers') LIMIT 1")" "id"

# cancel keys are not ordered by when connections opened
keys=$($F pgkeys "$p" 10)
check db_cancel_keys_distinct test "$(echo "$keys" | tr ' ' '\n' | sort -u | wc -l)" -eq 10
check db_cancel_keys_unordered test "$(echo "$keys" | tr ' ' '\n')" != \
    "$(echo "$keys" | tr ' ' '\n' | sort -n)"
check db_alive kill -0 "$PID_db"
