#!/usr/bin/env bash
# Strings read back from a stored result reach the terminal escaped:
# `hostmix report` (text) and `hostmix compare` on a crafted result.json
# whose name, host facts, accounting text, target and QoS strings and
# invalid reason carry ESC sequences, a BEL, a DEL, a C1 CSI (U+009B) and
# a newline print no control byte but the newline ending each line, and
# print the escapes (\x1b, \u009b) in their place; so does a capacity
# result's text.
. "$(dirname "$0")/lib.sh"
fx=$(cd "$(dirname "$0")/../fixtures/results" && pwd)

python3 - "$fx/full/quick.json" "$TMP" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
bad = "\x1b[31mred\x1b]0;title\x07\x7f\u009b2J\nverdict: PASS"
d["name"] = "quick" + bad
d["host"]["kernel"] = "Linux" + bad
d["host"]["cpu_model"] = "\x1b[2J"
d["accounting"]["text"] = "proc" + bad
d["job"]["file"] = "job\x1b[1m.ini"
t = d["drive"]["targets"][0]
t["name"], t["qos"], t["arrival"] = "set1" + bad, "p99<=500ms" + bad, "\x9b" + "c"
json.dump(d, open(sys.argv[2] + "/crafted.json", "w"))
d["valid"] = False
d["invalid_reason"] = "broken" + bad
json.dump(d, open(sys.argv[2] + "/invalid.json", "w"))
PY

# no control byte but newline, no DEL, no C1 (UTF-8 C2 80..9F) in out
clean() {
    python3 - "$1" <<'PY'
import re, sys
b = open(sys.argv[1], "rb").read()
bad = re.search(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", b)
sys.exit(1 if bad or not b else 0)
PY
}

"$HOSTMIX" report "$TMP/crafted.json" >"$TMP/report.txt"; rc=$?
check_eq escape_report_exit0 "$rc" 0
check escape_report_no_controls clean "$TMP/report.txt"
check escape_report_shows_esc grep -qF 'hostmix run "quick\x1b[31mred\x1b]0;title\x07\x7f\u009b2J\x0averdict: PASS"' "$TMP/report.txt"
check escape_report_qos grep -qF 'QoS p99<=500ms\x1b[31m' "$TMP/report.txt"
check escape_report_one_verdict test "$(grep -c '^verdict:' "$TMP/report.txt")" = 1

"$HOSTMIX" report "$TMP/invalid.json" >"$TMP/invalid.txt"
check escape_reason_no_controls clean "$TMP/invalid.txt"
check escape_reason_shown grep -qF 'run: INVALID: broken\x1b[31m' "$TMP/invalid.txt"

"$HOSTMIX" compare "$TMP/crafted.json" "$TMP/crafted.json" >"$TMP/cmp.txt"; rc=$?
check_eq escape_compare_exit0 "$rc" 0
check escape_compare_no_controls clean "$TMP/cmp.txt"
"$HOSTMIX" compare "$TMP/invalid.json" "$TMP/crafted.json" >"$TMP/cmp2.txt"
check escape_compare_reason_no_controls clean "$TMP/cmp2.txt"
check escape_compare_reason_shown grep -qF 'A is an invalid run (broken\x1b[31m' "$TMP/cmp2.txt"

# a capacity result: its name, platform and a step's reason
python3 - "$fx/capacity.json" "$TMP/cap.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["name"] = "cap\x1b[31m"
d["platform"] = "native\x9b" + "2J"
for s in d["steps"]:
    if not s["pass"]: s["why"] = "slow\x1b]0;t\x07"
json.dump(d, open(sys.argv[2], "w"))
PY
"$HOSTMIX" report "$TMP/cap.json" >"$TMP/cap.txt"; rc=$?
check_eq escape_capacity_exit0 "$rc" 0
check escape_capacity_no_controls clean "$TMP/cap.txt"
check escape_capacity_name grep -qF 'capacity "cap\x1b[31m" on native\u009b2J' "$TMP/cap.txt"
