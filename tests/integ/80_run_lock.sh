#!/usr/bin/env bash
# One measured run at a time on a host (run/hostlock.h): while run A holds
# the host, run B refuses naming A, B with --wait starts only after A
# ended, and C with allow_overlap = yes runs anyway; C and A are then both
# marked overlapped, and compare refuses them without --force.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"
pa=$(free_port); pb=$(free_port); pc=$(free_port)
mk() { run_job "$TMP/$1.ini" "$1" "$2" 1s "$3" 1s; sed -i "s|^output = .*|output = $TMP/res-$1|" "$TMP/$1.ini"; }
mk lockA "$pa" 8s
mk lockB "$pb" 1s
mk lockC "$pc" 1s
printf 'allow_overlap = yes\n' >"$TMP/extra"
sed -i "/^\[global\]/r $TMP/extra" "$TMP/lockC.ini"
"$HOSTMIX" run "$TMP/lockA.ini" >"$TMP/a.out" 2>"$TMP/a.err" &
a=$!
for _ in $(seq 100); do grep -q "lockA" /run/hostmix.lock 2>/dev/null && break; sleep 0.1; done
check lock_held_by_a grep -q "^$a lockA$" /run/hostmix.lock
"$HOSTMIX" run "$TMP/lockB.ini" >"$TMP/b.out" 2>"$TMP/b.err"; rc=$?
check_eq lock_refused_exit "$rc" 1
check lock_refused_names_holder grep -q "another hostmix run holds this host (pid and job: $a lockA); nothing was started" "$TMP/b.err"
check lock_refused_no_result test ! -e "$TMP/res-lockB/result.json"
"$HOSTMIX" run "$TMP/lockC.ini" >"$TMP/c.out" 2>"$TMP/c.err"; rc=$?
check_eq lock_overlap_exit "$rc" 0
"$HOSTMIX" run --wait "$TMP/lockB.ini" >"$TMP/b.out" 2>"$TMP/b.err"; rc=$?
wait "$a"; rca=$?
check_eq lock_wait_exit "$rc" 0
check_eq lock_a_exit "$rca" 0
check lock_results python3 - "$TMP" <<'PY'
import json, sys
t = sys.argv[1]
a, b, c = (json.load(open("%s/res-lock%s/result.json" % (t, x))) for x in "ABC")
assert b["started_unix"] >= a["ended_unix"] - 0.5, (b["started_unix"], a["ended_unix"])
assert b["overlapped"] is None, b["overlapped"]
assert "lockA" in c["overlapped"], c["overlapped"]
assert "lockC" in a["overlapped"], a["overlapped"]
PY
check lock_overlap_said grep -q "WARNING: overlapped: " "$TMP/c.out"
out=$("$HOSTMIX" compare "$TMP/res-lockB/result.json" "$TMP/res-lockC/result.json"); rc=$?
check_eq lock_compare_refused "$rc" 1
check lock_compare_why grep -q "B shared the host with another run" <<<"$out"
