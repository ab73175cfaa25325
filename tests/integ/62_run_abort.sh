#!/usr/bin/env bash
# hostmix run stopped early: SIGINT mid-run cleans up and writes a partial
# result marked incomplete; kill -9 of a server makes the run invalid with
# the server named.  Neither leaves a process, cgroup or port behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"

# wait_server PORT: until the run's idle server listens (10 s at most)
wait_server() { wait_port 127.1.6.1 "$1" 10; }

port=$(free_port)
run_job "$TMP/int.ini" int "$port" 1s 30s 1s
"$HOSTMIX" run "$TMP/int.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
watch_run "$pid"
wait_server "$port"
sleep 3
kill -INT "$pid"
wait "$pid"; rc=$?
check_eq run_sigint_exit1 "$rc" 1
check run_sigint_reason grep -q "interrupted by SIGINT during measure" "$TMP/err"
check run_sigint_partial python3 - "$TMP/res/result.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["valid"] and not d["complete"], d
assert "interrupted by SIGINT" in d["invalid_reason"]
assert d["summary"]["cpu"] is not None and d["summary"]["cpu"]["seconds"] > 0.5
PY
check_nothing_left run_sigint "$pid" "$port"

rm -f "$TMP/res/result.json"
port=$(free_port)
run_job "$TMP/kill.ini" kill "$port" 1s 30s 1s
"$HOSTMIX" run "$TMP/kill.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
watch_run "$pid"
wait_server "$port"
sleep 2
spid=$(server_pid "$port")
kill -KILL "$spid"
wait "$pid"; rc=$?
check_eq run_server_killed_exit1 "$rc" 1
check run_server_killed_named grep -q "server set1-idle (pid $spid) killed by signal 9" "$TMP/err"
check run_server_killed_result python3 - "$TMP/res/result.json" "$spid" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["valid"] and not d["complete"]
assert "set1-idle (pid %s) killed by signal 9" % sys.argv[2] in d["invalid_reason"], d["invalid_reason"]
assert d["servers"][0]["exit"].startswith("killed by signal 9")
PY
check run_server_killed_report grep -q "run: INVALID and incomplete: server set1-idle" "$TMP/out"
check_nothing_left run_server_killed "$pid" "$port"

# SIGTERM during the start phase (servers still coming up) also cleans up
port=$(free_port)
run_job "$TMP/term.ini" term "$port" 1s 30s 1s
"$HOSTMIX" run "$TMP/term.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
watch_run "$pid"
check run_sigterm_server_started wait_recorded "$pid"
kill -TERM "$pid"
wait "$pid"; rc=$?
check_eq run_sigterm_exit1 "$rc" 1
check_nothing_left run_sigterm "$pid" "$port"
