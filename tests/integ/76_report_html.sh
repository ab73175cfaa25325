#!/usr/bin/env bash
# hostmix report --format html on stored results (tests/fixtures/results):
# the page is well-formed (xmllint in XML mode, and python3's html.parser
# through html_check.py), fetches nothing, has the expected charts each
# with drawn marks, and shows the stored numbers (computed here from the
# result.json, not written into this script); the comparison page states
# what `hostmix compare` states; guests' figures appear when servers ran
# in guests; a capacity.json gives the capacity page; bad arguments exit 2.
. "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
fx=$(cd "$here/../fixtures/results" && pwd)
chk() { python3 "$here/html_check.py" "$@"; }

# one run: a real quick run of every role
"$HOSTMIX" report "$fx/full/roles.json" --format html -o "$TMP/run.html"; rc=$?
check_eq html_run_exit0 "$rc" 0
check html_run_xml_wellformed xmllint --noout "$TMP/run.html"
charts=host-breakdown,host-interval,consumers,ctxt-intr
for r in web imap app idle; do charts=$charts,latency-$r,distribution-$r; done
check html_run_charts chk "$TMP/run.html" --charts "$charts" --text "verdict: PASS (valid run, QoS met)"
"$HOSTMIX" report "$fx/full/roles.json" --format html >"$TMP/stdout.html"
check html_stdout_same cmp "$TMP/run.html" "$TMP/stdout.html"
check html_run_numbers python3 - "$fx/full/roles.json" "$TMP/run.html" <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1])); page = open(sys.argv[2]).read()
text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
c = d["summary"]["cpu"]
# the headline: system-under-test cores for the work
head = "The system under test used %.3f cores for %.2f requests/s" % (c["sut_cores"], d["summary"]["achieved_rate"])
assert re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page)).find(head) >= 0, head
# per role: p95 and p99 in the QoS table, the QoS spec and its limit drawn
for role, r in d["summary"]["roles"].items():
    if "target_rate" not in r: continue
    row = re.search(r"<tr><td>%s</td>(.*?)</tr>" % role, page).group(1)
    assert "%.3f" % r["latency_ms"]["p95"] in row and "%.3f" % r["latency_ms"]["p99"] in row, (role, row)
    qos = d["job"]["roles"][role]["qos"].replace(" ", "")
    assert qos.replace("<", "&lt;") in row, (role, qos, row)
    svg = re.search(r'<svg class="chart" data-chart="latency-%s".*?</svg>' % role, page, re.S).group(0)
    assert svg.count('class="mark qos"') == len([q for q in qos.split(",") if not q.startswith("errors")]), role
# the breakdown over the interval: every kind's cores in its table
row = re.search(r"<tr><td>measurement interval</td>(.*?)</tr>", page).group(1)
cells = re.findall(r"<td>([^<]*)</td>", row)
want = [c["host_cores"][k] for k in ("user", "nice", "system", "irq", "softirq", "steal")]
want.append(c["host_cores"]["guest"] + c["host_cores"]["guest_nice"])
assert cells[:7] == ["%.3f" % v for v in want], (cells, want)
# the per-second chart: one hover column and one table row per series entry
svg = re.search(r'<svg class="chart" data-chart="host-breakdown".*?</svg>', page, re.S).group(0)
assert svg.count("<title>t ") == len(d["series"]), svg.count("<title>t ")
tab = page[page.index("</svg>", page.index('data-chart="host-breakdown"')):]
tab = tab[:tab.index("</table>")]
assert tab.count("<tr><td>") == len(d["series"])
assert svg.count("measurement interval") == 1 and 'stroke-dasharray="6 4"' in svg
# the job as run and the host facts
assert "[global]" in text and d["host"]["kernel"] in text and d["host"]["hostname"] in text
assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
PY

# comparison: the sentence hostmix compare prints, and why not when unequal
"$HOSTMIX" report "$fx/native.json" "$fx/vm.json" "$fx/slow.json" --format html -o "$TMP/cmp.html"; rc=$?
check_eq html_cmp_exit0 "$rc" 0
check html_cmp_xml_wellformed xmllint --noout "$TMP/cmp.html"
sentence=$("$HOSTMIX" compare "$fx/native.json" "$fx/vm.json" | grep -o "B needs .* for the same work")
why=$("$HOSTMIX" compare "$fx/native.json" "$fx/vm.json" "$fx/slow.json" | sed -n 's/.*no CPU comparison: \(.*\) (--force.*/\1/p')
check html_cmp_sentence_from_compare test -n "$sentence" -a -n "$why"
check html_cmp_charts chk "$TMP/cmp.html" --charts cmp-consumers,cmp-roles --text "$sentence" \
    --text "C vs A: not the same work, no CPU comparison: $why"
# a repeated run's page: every run and their spread (A: 0.500 ± 0.0079 over 5)
"$HOSTMIX" report "$fx/rep_native.json" --format html -o "$TMP/rep1.html"
check html_repeats_wellformed xmllint --noout "$TMP/rep1.html"
check html_repeats_section python3 - "$TMP/rep1.html" <<'PY'
import re, sys
page = open(sys.argv[1]).read()
sec = re.search(r'<section id="repeats">(.*?)</section>', page, re.S).group(1)
assert "5 runs (servers restarted" in sec, sec[:200]
assert len(re.findall(r"<tr><td>[1-5]</td><td>yes</td>", sec)) == 5, sec
row = re.search(r'<tr><td style="text-align:left">system under test</td>(.*?)</tr>', sec).group(1)
cells = re.findall(r"<td>([^<]*)</td>", row)
assert cells[0] == "0.500" and cells[1] == "0.008" and cells[2] == "1.6%", cells
PY
# with repeats on both sides, the page states compare's significance test
"$HOSTMIX" report "$fx/rep_native.json" "$fx/rep_vm.json" --format html -o "$TMP/rep.html"
welch=$("$HOSTMIX" compare "$fx/rep_native.json" "$fx/rep_vm.json" | grep "^B needs .*Welch")
check html_cmp_repeats_sentence test -n "$welch"
check html_cmp_repeats chk "$TMP/rep.html" --text "$welch"
"$HOSTMIX" report "$fx/full/roles.json" "$fx/full/roles.json" --format html -o "$TMP/same.html"
check html_cmp_full_charts chk "$TMP/same.html" \
    --charts cmp-breakdown,cmp-consumers,cmp-roles,cmp-latency-web,cmp-distribution-web \
    --text "B needs 0.0% more CPU than A for the same work"
"$HOSTMIX" report "$fx/full/roles.json" "$fx/full/quick.json" --format html -o "$TMP/unequal.html"
check html_cmp_unequal chk "$TMP/unequal.html" --text "B vs A: not the same work" \
    --text "role web ran in only one of A and B"

# servers in VM guests: the thread classes and the neutral overhead
python3 - "$fx/full/roles.json" "$TMP/guests.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["accounting"]["accelerator"] = "tcg"
for i, s in enumerate(d["servers"]):
    s["measure_cores"] = 0.1 * (i + 1)
    s["guest"] = {"threads_cores": {"vcpu": 0.06 * (i + 1), "main": 0.02, "io": 0.01, "pool": 0,
                                     "vhost": 0, "other": 0.01}, "guest_cores": 0,
                  "busy_cores": 0.05 * (i + 1), "overhead": 2.0}
json.dump(d, open(sys.argv[2], "w"))
PY
"$HOSTMIX" report "$TMP/guests.json" --format html -o "$TMP/guests.html"
overhead=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s=d["servers"]
print("%.2f" % (sum(x["measure_cores"] for x in s) / sum(x["guest"]["busy_cores"] for x in s)))' "$TMP/guests.json")
check html_guests chk "$TMP/guests.html" --charts guest-threads \
    --text "the hypervisor-neutral overhead): $overhead" --text "accelerator tcg"
check html_no_guests_section_natively test -z "$(grep -o 'data-chart="guest-threads"' "$TMP/run.html")"

# a profiled result: its causes drawn, and side by side in a comparison
pf=$(cd "$(dirname "$0")/../fixtures/profile" && pwd)
"$HOSTMIX" report "$pf/result-a.json" --format html -o "$TMP/prof.html"
check_eq html_profile_exit0 "$?" 0
check html_profile_causes chk "$TMP/prof.html" --charts explain-causes \
    --text "other processes (not hostmix's)"
"$HOSTMIX" report "$pf/result-a.json" "$pf/result-b.json" --format html -o "$TMP/profcmp.html"
check_eq html_profile_cmp_exit0 "$?" 0
check html_profile_cmp_causes chk "$TMP/profcmp.html" --charts cmp-explain
check html_no_profile_section_unprofiled test -z "$(grep -o 'data-chart="explain-causes"' "$TMP/run.html")"

# results of an older hostmix: the page shows what they hold
"$HOSTMIX" report "$fx/native.json" --format html -o "$TMP/old.html"; rc=$?
check_eq html_old_result_exit0 "$rc" 0
check html_old_result_page chk "$TMP/old.html" --charts consumers

# a capacity search's page from its stored capacity.json: the verdict and
# the first failure as capacity.json states them, both curves drawn
"$HOSTMIX" report "$fx/capacity.json" --format html -o "$TMP/cap.html"; rc=$?
check_eq html_capacity_exit0 "$rc" 0
check html_capacity_xml_wellformed xmllint --noout "$TMP/cap.html"
read -r cap_head cap_fail < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
f=d["first_failure"]; print("capacity:_%d_sets_=_%d_servers_at_QoS first_failure_at_%d_sets:_%s" % (
d["capacity_sets"], d["capacity_servers"], f["sets"], f["why"].replace(" ", "_")))' "$fx/capacity.json")
check html_capacity_page chk "$TMP/cap.html" --charts capacity-cores,capacity-per-set \
    --text "${cap_head//_/ }" --text "${cap_fail//_/ }"

# errors
"$HOSTMIX" report "$fx/native.json" "$fx/vm.json" >/dev/null 2>"$TMP/err"; rc=$?
check_eq html_several_text_exit2 "$rc" 2
check html_several_text_why grep -q "several results need --format html" "$TMP/err"
"$HOSTMIX" report "$fx/full/roles.json" --format html -o "$TMP/nodir/x.html" 2>"$TMP/err"; rc=$?
check_eq html_unwritable_exit1 "$rc" 1
check html_unwritable_why grep -q "cannot write $TMP/nodir/x.html" "$TMP/err"
"$HOSTMIX" report "$fx/full/roles.json" "$TMP/none.json" --format html -o "$TMP/x.html" 2>"$TMP/err"; rc=$?
check_eq html_missing_exit2 "$rc" 2
check html_missing_nothing_written test ! -e "$TMP/x.html"
