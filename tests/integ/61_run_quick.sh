#!/usr/bin/env bash
# hostmix run end to end: a quick run (1 set, about 15 s) passes QoS,
# writes report.txt and result.json, and leaves no process, cgroup or
# listening port behind; `hostmix report` reprints report.txt line for
# line from result.json.  A job of several roles runs a server of each.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"
port=$(free_port)
run_job "$TMP/quick.ini" quick "$port" 2s 12s 1s
"$HOSTMIX" run "$TMP/quick.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
watch_run "$pid"
wait "$pid"; rc=$?
check_eq run_quick_exit0 "$rc" 0
check run_quick_verdict grep -q "verdict: PASS" "$TMP/out"
check run_quick_table grep -qE "^ +total +user +nice +system +irq +softirq +steal +guest" "$TMP/out"
check run_quick_report_file test -s "$TMP/res/report.txt"
check run_quick_json python3 - "$TMP/res/result.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "hostmix-result" and d["schema_version"] == 2
assert d["valid"] and d["complete"] and d["qos_pass"], d.get("invalid_reason")
s = d["summary"]
assert abs(s["roles"]["idle"]["achieved_rate"] - 10) < 0.5, s["roles"]["idle"]
assert 11 < s["cpu"]["seconds"] < 13, s["cpu"]["seconds"]
assert d["host"]["cores"] >= 1 and d["host"]["memory_bytes"] > 0
assert len(d["series"]) >= 12
assert d["drive"]["targets"][0]["count"] > 0
assert d["job"]["global"]["roles"] == "idle"
assert 0.9 < d["summary"]["baseline"]["seconds"] < 1.5
assert [e["phase"] for e in d["series"]][:2] == ["baseline", "ramp-up"]
# every series entry has its wall-clock time, increasing, inside the run
u = [e["unix"] for e in d["series"]]
assert all(b > a for a, b in zip(u, u[1:])), u
assert d["started_unix"] <= u[0] and u[-1] <= d["ended_unix"] + 1, (d["started_unix"], u)
assert abs((u[-1] - u[0]) - (d["series"][-1]["t"] - d["series"][0]["t"])) < 0.5
PY
"$HOSTMIX" report "$TMP/res/result.json" >"$TMP/report.txt" 2>"$TMP/err"; rc=$?
check_eq run_quick_report_exit0 "$rc" 0
check run_quick_report_same diff "$TMP/res/report.txt" "$TMP/report.txt"
"$HOSTMIX" report "$TMP/res/result.json" --format json >"$TMP/report.json"; rc=$?
check_eq run_quick_report_json_exit0 "$rc" 0
check run_quick_report_json_same cmp "$TMP/res/result.json" "$TMP/report.json"
check_nothing_left run_quick "$pid" "$port"
# a job of several roles starts a server of each and drives web and idle
run_job "$TMP/all.ini" all "$port" 1s 2s 1s web,nfs,idle
sed -i 's/^\[web\]$/&\ndocroot_size = 1MiB/' "$TMP/all.ini"
"$HOSTMIX" run "$TMP/all.ini" --output "$TMP/allres" >"$TMP/out" 2>"$TMP/err"; rc=$?
check_eq run_roles_exit0 "$rc" 0
check run_roles_result python3 - "$TMP/allres/result.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] and d["complete"], d.get("invalid_reason")
assert sorted(s["role"] for s in d["servers"]) == ["idle", "nfs", "web"], d["servers"]
assert d["summary"]["roles"]["web"]["requests"] > 0, d["summary"]["roles"]["web"]
PY
"$HOSTMIX" run "$TMP/nonexistent.ini" 2>/dev/null; rc=$?
check_eq run_missing_job_exit2 "$rc" 2
"$HOSTMIX" run 2>/dev/null; rc=$?
check_eq run_usage_exit2 "$rc" 2
# a QoS that cannot be met: the run is valid, QoS fails, exit 1
port=$(free_port)
run_job "$TMP/qos.ini" qos "$port" 1s 2s 1s
sed -i 's/^qos = .*/qos = p99<=1us/' "$TMP/qos.ini"
"$HOSTMIX" run "$TMP/qos.ini" --output "$TMP/qosres" --format json >"$TMP/out" 2>"$TMP/err"; rc=$?
check_eq run_qos_fail_exit1 "$rc" 1
check run_qos_fail_json_only test ! -e "$TMP/qosres/report.txt" -a -s "$TMP/qosres/result.json"
check run_qos_fail_result python3 - "$TMP/qosres/result.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] and d["complete"] and not d["qos_pass"]
assert not d["summary"]["roles"]["idle"]["qos_pass"]
PY
