#!/usr/bin/env bash
# hostmix run with repeats: `repeat = 3` makes three whole runs, each with
# its own result in OUTPUT/repeat-K; OUTPUT/result.json holds every run's
# CPU and their mean, standard deviation and 95% interval, and `hostmix
# report` reprints it; a spread above max_stddev makes the run invalid;
# --repeat overrides the job; SIGINT during the second run keeps the first.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"
port=$(free_port)
run_job "$TMP/rep.ini" rep "$port" 1s 2s 0s
sed -i 's/^\[global\]/[global]\nrepeat = 3/' "$TMP/rep.ini"
"$HOSTMIX" run "$TMP/rep.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
watch_run "$pid"
wait "$pid"; rc=$?
check_eq run_repeat_exit0 "$rc" 0
check run_repeat_lines test "$(grep -c '^repeat [1-3]/3: valid, QoS pass' "$TMP/err")" -eq 3
check run_repeat_result python3 - "$TMP/res" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1] + "/result.json"))
rp = d["repeats"]
assert d["valid"] and d["qos_pass"] and rp["n"] == 3 and len(rp["runs"]) == 3
sut = [r["sut_cores"] for r in rp["runs"]]
for k, r in enumerate(rp["runs"], 1):
    one = json.load(open("%s/repeat-%d/result.json" % (sys.argv[1], k)))
    assert r["dir"].endswith("repeat-%d" % k) and one["valid"], r
    assert r["sut_cores"] == one["summary"]["cpu"]["sut_cores"]
    assert one["servers"][0]["pid"] != 0
assert abs(rp["sut_cores"]["mean"] - statistics.mean(sut)) < 1e-12
assert abs(rp["sut_cores"]["stddev"] - statistics.stdev(sut)) < 1e-12
half = 4.302652729911275 * statistics.stdev(sut) / 3 ** 0.5      # t(0.975, 2)
assert abs(rp["sut_cores"]["ci_half"] - half) < 1e-9, (rp["sut_cores"], half)
assert d["summary"]["cpu"]["sut_cores"] == sut[-1]
assert d["job"]["global"]["repeat"] == "3"
# each repeat started its own server
pids = {json.load(open("%s/repeat-%d/result.json" % (sys.argv[1], k)))["servers"][0]["pid"]
        for k in (1, 2, 3)}
assert len(pids) == 3, pids
PY
check run_repeat_text grep -q "^Repeats: 3 runs" "$TMP/res/report.txt"
"$HOSTMIX" report "$TMP/res/result.json" >"$TMP/again.txt"
check run_repeat_report_same diff "$TMP/res/report.txt" "$TMP/again.txt"
# every repeat and the whole result have their HTML page too
check run_repeat_html test -s "$TMP/res/report.html" -a -s "$TMP/res/repeat-1/report.html" \
    -a -s "$TMP/res/repeat-3/report.html"
"$HOSTMIX" report "$TMP/res/result.json" --format html -o "$TMP/again.html"
check run_repeat_html_same cmp "$TMP/res/report.html" "$TMP/again.html"
"$HOSTMIX" report "$TMP/res/result.json" --format json >"$TMP/again.json"
check run_repeat_report_json_same cmp "$TMP/res/result.json" "$TMP/again.json"
check_nothing_left run_repeat "$pid" "$port"

# a spread bound no real run meets: invalid, exit 1; --repeat 2 overrides
rm -rf "$TMP/res"
sed -i 's/^repeat = 3/repeat = 3\nmax_stddev = 0.0001%/' "$TMP/rep.ini"
"$HOSTMIX" run "$TMP/rep.ini" --repeat 2 >"$TMP/out" 2>"$TMP/err"; rc=$?
check_eq run_repeat_spread_exit1 "$rc" 1
# (the servers' own CPU is judged when the host's ticks showed none of the
# small load: a quiet host; with no figure above 0 the bound cannot be
# judged, which is invalid too)
check run_repeat_spread_why grep -qE "run invalid: (the standard deviation of (system-under-test CPU|the servers' own CPU) over 2 repeats is .* more than max_stddev 0.0001%|the spread over 2 repeats cannot be judged against max_stddev 0.0001%)" "$TMP/err"
check run_repeat_override test -d "$TMP/res/repeat-2" -a ! -e "$TMP/res/repeat-3"
"$HOSTMIX" run "$TMP/rep.ini" --repeat 0 2>"$TMP/err"; rc=$?
check_eq run_repeat_bad_arg_exit2 "$rc" 2
check run_repeat_bad_arg_why grep -q "repeat '0': expected a whole number from 1 to 100" "$TMP/err"

# SIGINT during the second run: it ends cleanly, the first is kept
rm -rf "$TMP/res"
sed -i '/^max_stddev/d' "$TMP/rep.ini"
"$HOSTMIX" run "$TMP/rep.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
watch_run "$pid"
for _ in $(seq 1 300); do [ -e "$TMP/res/repeat-2/logs" ] && break; sleep 0.1; done
wait_port 127.1.6.1 "$port" 10
kill -INT "$pid"
wait "$pid"; rc=$?
check_eq run_repeat_sigint_exit1 "$rc" 1
check run_repeat_sigint_result python3 - "$TMP/res/result.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["valid"] and not d["complete"], d["invalid_reason"]
assert d["repeats"]["n"] == 2 and d["repeats"]["runs"][0]["valid"], d["repeats"]
assert "repeat 2 is invalid: interrupted by SIGINT" in d["invalid_reason"], d["invalid_reason"]
PY
check_nothing_left run_repeat_sigint "$pid" "$port"
