#!/usr/bin/env bash
# hostmix capacity on native with the test hook HOSTMIX_TEST_SLOW_FROM_SET=3
# (idle servers of sets 3 and above answer 200 ms late: at 10/s they fall
# behind and miss p99<=100ms): --step 2 tries 1 (pass), 3 (fail), then
# bisects to 2 (pass): capacity 2 sets.  Each step has its own result;
# capacity.json lists them.  Without a failure up to --max-sets the
# capacity is "at least".  SIGINT during a step keeps the finished steps.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"
port=$(free_port)
run_job "$TMP/cap.ini" cap "$port" 0s 2s 0s
sed -i 's/^qos = .*/qos = p99<=100ms,errors<=0%/' "$TMP/cap.ini"
HOSTMIX_TEST_SLOW_FROM_SET=3 "$HOSTMIX" capacity "$TMP/cap.ini" --step 2 --max-sets 8 \
    --output "$TMP/cap" >"$TMP/out" 2>"$TMP/err" &
pid=$!
wait "$pid"; rc=$?
check_eq capacity_exit0 "$rc" 0
check capacity_headline grep -q '^capacity "cap" on native: 2 sets = 2 servers at QoS; first failure at 3 sets: idle QoS: set3.idle: p99<=100ms' "$TMP/out"
check capacity_progress grep -q '^step 2/6: 3 sets: FAIL' "$TMP/err"
check capacity_json python3 - "$TMP/cap" <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/capacity.json"))
assert d["schema"] == "hostmix-capacity" and d["capacity_sets"] == 2 and d["bounded"], d
assert d["capacity_servers"] == 2 and not d["interrupted"]
assert [(s["sets"], s["order"], s["pass"]) for s in d["steps"]] == [(1, 1, True), (2, 3, True), (3, 2, False)]
f = d["first_failure"]
assert f["sets"] == 3 and f["role"] == "idle" and "p99<=100ms" in f["why"], f
for s in d["steps"]:
    r = json.load(open("%s/sets-%d/result.json" % (sys.argv[1], s["sets"])))
    assert r["job"]["global"]["sets"] == str(s["sets"]), r["job"]["global"]["sets"]
    assert len(r["servers"]) == s["sets"]
    assert s["sut_cores"] == r["summary"]["cpu"]["sut_cores"]
    assert abs(s["sut_cores_per_set"] - s["sut_cores"] / s["sets"]) < 1e-12
    assert s["achieved_rate"] == r["summary"]["achieved_rate"]
    assert r["valid"] and r["qos_pass"] == s["pass"]
PY
check capacity_text grep -qE '^ +3 +2 +FAIL +30.00' "$TMP/cap/capacity.txt"
check_nothing_left capacity "$pid" "$port"

# no failure up to --max-sets: "at least"
HOSTMIX_TEST_SLOW_FROM_SET=3 "$HOSTMIX" capacity "$TMP/cap.ini" --max-sets 2 \
    --output "$TMP/cap2" >"$TMP/out" 2>"$TMP/err"; rc=$?
check_eq capacity_max_exit0 "$rc" 0
check capacity_at_least grep -q 'at least 2 sets = 2 servers at QoS; no step failed up to 2 sets' "$TMP/out"
"$HOSTMIX" capacity "$TMP/cap.ini" --max-sets 0 2>"$TMP/err"; rc=$?
check_eq capacity_bad_arg_exit2 "$rc" 2
check capacity_bad_arg_why grep -q "max-sets '0': expected a whole number from 1 to 64" "$TMP/err"

# SIGINT during the second step: it ends cleanly, the first step is kept
"$HOSTMIX" capacity "$TMP/cap.ini" --output "$TMP/cap3" >"$TMP/out" 2>"$TMP/err" &
pid=$!
for _ in $(seq 1 400); do [ -e "$TMP/cap3/sets-2/logs" ] && break; sleep 0.1; done
wait_port 127.2.6.1 "$port" 10
kill -INT "$pid"
wait "$pid"; rc=$?
check_eq capacity_sigint_exit1 "$rc" 1
check capacity_sigint_kept python3 - "$TMP/cap3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1] + "/capacity.json"))
assert d["interrupted"] and [s["sets"] for s in d["steps"]] == [1], d
assert d["capacity_sets"] == 1 and not d["bounded"]
r = json.load(open(sys.argv[1] + "/sets-2/result.json"))
assert not r["valid"] and "interrupted by SIGINT" in r["invalid_reason"]
PY
check capacity_sigint_said grep -q "the search was interrupted" "$TMP/out"
check_nothing_left capacity_sigint "$pid" "$port"
