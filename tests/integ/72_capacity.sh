#!/usr/bin/env bash
# hostmix capacity on native with the test hook HOSTMIX_TEST_SLOW_FROM_SET=3
# (idle servers of sets 3 and above answer 200 ms late: at 10/s they fall
# behind and miss p99<=100ms): --step 2 tries 1 (pass), 3 (fail), then
# bisects to 2 (pass): capacity 2 sets.  Each step has its own result;
# capacity.json lists them.  Without a failure up to --max-sets the
# capacity is "at least".  SIGINT during a step keeps the finished steps.
# capacity.html is well-formed and draws the curve (a pass or fail mark
# per step); `hostmix report capacity.json` reprints capacity.txt, and
# with --format json capacity.json byte for byte.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
port=$(free_port)
run_job "$TMP/cap.ini" cap "$port" 0s 2s 0s
sed -i 's/^qos = .*/qos = p99<=100ms,errors<=0%/' "$TMP/cap.ini"
HOSTMIX_TEST_SLOW_FROM_SET=3 "$HOSTMIX" capacity "$TMP/cap.ini" --step 2 --max-sets 8 \
    --output "$TMP/cap" >"$TMP/out" 2>"$TMP/err" &
pid=$!
watch_run "$pid"
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
check capacity_html_xml_wellformed xmllint --noout "$TMP/cap/capacity.html"
check capacity_html_charts python3 "$here/html_check.py" "$TMP/cap/capacity.html" \
    --charts capacity-cores,capacity-per-set --text "capacity: 2 sets = 2 servers at QoS" \
    --text "first failure at 3 sets: idle QoS: set3.idle: p99<=100ms"
check capacity_html_marks python3 - "$TMP/cap" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1] + "/capacity.json"))
page = open(sys.argv[1] + "/capacity.html").read()
npass = sum(s["pass"] for s in d["steps"])
# two charts of two series each: one mark per step, its shape by its verdict
assert page.count('data-state="pass"') == 4 * npass, page.count('data-state="pass"')
assert page.count('data-state="fail"') == 4 * (len(d["steps"]) - npass)
for s in d["steps"]:
    row = re.search(r'<tr class="step" data-sets="%d">(.*?)</tr>' % s["sets"], page).group(1)
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
    assert cells[:8] == [str(s["sets"]), str(s["order"]), "pass" if s["pass"] else "FAIL",
                         "%.2f" % s["achieved_rate"], "%.2f" % s["target_rate"],
                         "%.3f" % s["sut_cores"], "%.3f" % s["servers_cores"],
                         "%.3f" % s["sut_cores_per_set"]], cells
    assert cells[8] == "%.3f" % s["role_cores"]["idle"], cells
    # the last cell links the step's own report page, relative to this one
    href, text = re.search(r'<td[^>]*><a href="([^"]*)">([^<]*)</a></td>$', row).groups()
    assert text == s["dir"] and href == s["dir"].rsplit("/", 1)[-1] + "/report.html", (href, text)
    import os
    assert os.path.getsize(os.path.join(sys.argv[1], href)) > 0, href
PY
"$HOSTMIX" report "$TMP/cap/capacity.json" >"$TMP/report.txt"; rc=$?
check_eq capacity_report_exit0 "$rc" 0
check capacity_report_text cmp "$TMP/report.txt" "$TMP/cap/capacity.txt"
"$HOSTMIX" report "$TMP/cap/capacity.json" --format json >"$TMP/again.json"
check capacity_report_json_round_trip cmp "$TMP/again.json" "$TMP/cap/capacity.json"
"$HOSTMIX" report "$TMP/cap/capacity.json" --format html -o "$TMP/again.html"
check capacity_report_html_same cmp "$TMP/again.html" "$TMP/cap/capacity.html"
"$HOSTMIX" report "$TMP/cap/capacity.json" "$TMP/cap/sets-1/result.json" --format html \
    -o "$TMP/mixed.html" 2>"$TMP/err"; rc=$?
check_eq capacity_report_mixed_exit2 "$rc" 2
check capacity_report_mixed_why grep -q "capacity result (capacity.json) is reported alone" "$TMP/err"
check capacity_report_mixed_nothing_written test ! -e "$TMP/mixed.html"
check_nothing_left capacity "$pid" "$port"

# no failure up to --max-sets: "at least"
HOSTMIX_TEST_SLOW_FROM_SET=3 "$HOSTMIX" capacity "$TMP/cap.ini" --max-sets 2 \
    --output "$TMP/cap2" >"$TMP/out" 2>"$TMP/err"; rc=$?
check_eq capacity_max_exit0 "$rc" 0
check capacity_at_least grep -q 'at least 2 sets = 2 servers at QoS; no step failed up to 2 sets' "$TMP/out"
check capacity_at_least_html python3 "$here/html_check.py" "$TMP/cap2/capacity.html" \
    --text "capacity: at least 2 sets = 2 servers at QoS" --text "no step failed up to 2 sets"
"$HOSTMIX" capacity "$TMP/cap.ini" --max-sets 0 2>"$TMP/err"; rc=$?
check_eq capacity_bad_arg_exit2 "$rc" 2
check capacity_bad_arg_why grep -q "max-sets '0': expected a whole number from 1 to 64" "$TMP/err"

# SIGINT during the second step: it ends cleanly, the first step is kept
"$HOSTMIX" capacity "$TMP/cap.ini" --output "$TMP/cap3" >"$TMP/out" 2>"$TMP/err" &
pid=$!
watch_run "$pid"
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
check capacity_sigint_html grep -q "the search was interrupted" "$TMP/cap3/capacity.html"
check_nothing_left capacity_sigint "$pid" "$port"
