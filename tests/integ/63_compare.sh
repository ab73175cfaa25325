#!/usr/bin/env bash
# hostmix compare on stored results (tests/fixtures/results): the expected
# percentage, and refusals for unequal work, failed QoS and invalid runs;
# complete and older results side by side; `hostmix report` on a stored result and its
# errors (exit 2).
. "$(dirname "$0")/lib.sh"
fx=$(cd "$(dirname "$0")/../fixtures/results" && pwd)
out=$("$HOSTMIX" compare "$fx/native.json" "$fx/vm.json"); rc=$?
check_eq compare_same_work_exit "$rc" 0
check compare_percentage grep -q "B needs 26.6% more CPU than A for the same work" <<<"$out"
check compare_side_by_side grep -qE "system under test cores +0.500 +0.633" <<<"$out"
out=$("$HOSTMIX" compare "$fx/native.json" "$fx/slow.json"); rc=$?
check_eq compare_unequal_exit "$rc" 1
check compare_unequal_why grep -q "web throughput differs: A achieved 60.00/s, B 57.00/s (5.0% apart" <<<"$out"
out=$("$HOSTMIX" compare "$fx/native.json" "$fx/slow.json" --force); rc=$?
check_eq compare_force_exit "$rc" 0
check compare_force_line grep -q "B needs 10.0% less CPU than A for the same work.*forced" <<<"$out"
out=$("$HOSTMIX" compare "$fx/native.json" "$fx/qosfail.json"); rc=$?
check_eq compare_qos_exit "$rc" 1
check compare_qos_why grep -q "B failed QoS" <<<"$out"
out=$("$HOSTMIX" compare "$fx/invalid.json" "$fx/native.json"); rc=$?
check_eq compare_invalid_exit "$rc" 1
check compare_invalid_why grep -q "A is an invalid run (server set1-web" <<<"$out"
out=$("$HOSTMIX" compare "$fx/native.json" "$fx/vm.json" "$fx/slow.json"); rc=$?
check compare_three_runs grep -q "B needs 26.6% more" <<<"$out"
check_eq compare_three_runs_exit "$rc" 1
echo '{"schema": "other"}' > "$TMP/other.json"
"$HOSTMIX" compare "$fx/native.json" "$TMP/other.json" 2>"$TMP/err"; rc=$?
check_eq compare_foreign_exit "$rc" 2
check compare_foreign_why grep -q "not a hostmix result" "$TMP/err"
printf '{"schema": ' > "$TMP/torn.json"
"$HOSTMIX" compare "$fx/native.json" "$TMP/torn.json" 2>"$TMP/err"; rc=$?
check_eq compare_torn_exit "$rc" 2
"$HOSTMIX" compare "$fx/native.json" 2>/dev/null; rc=$?
check_eq compare_usage_exit "$rc" 2
# compare reads a complete result (the stored quick run) beside the short ones
out=$("$HOSTMIX" compare "$fx/full/quick.json" "$fx/full/quick.json"); rc=$?
check_eq compare_full_exit "$rc" 0
check compare_full_same grep -q "B needs 0.0% more CPU than A for the same work" <<<"$out"
# hostmix report: the stored report reprinted; clear errors, exit 2
out=$("$HOSTMIX" report "$fx/full/quick.json"); rc=$?
check_eq report_exit0 "$rc" 0
check report_same diff "$fx/full/quick.txt" - <<<"$out"
"$HOSTMIX" report "$fx/native.json" >/dev/null 2>"$TMP/err"; rc=$?
check_eq report_older_result_exit2 "$rc" 2
check report_older_result_why grep -q "native.json: no \"accounting.text\": written by an older hostmix" "$TMP/err"
"$HOSTMIX" report "$TMP/torn.json" >/dev/null 2>"$TMP/err"; rc=$?
check_eq report_torn_exit2 "$rc" 2
check report_torn_why grep -q "torn.json: not JSON: byte 11: unexpected end of input" "$TMP/err"
sed 's/"schema_version": 1/"schema_version": 9/' "$fx/full/quick.json" >"$TMP/future.json"
"$HOSTMIX" report "$TMP/future.json" >/dev/null 2>"$TMP/err"; rc=$?
check_eq report_future_exit2 "$rc" 2
check report_future_why grep -q "schema_version 9 is newer than this hostmix reads (2)" "$TMP/err"
"$HOSTMIX" report "$TMP/other.json" >/dev/null 2>"$TMP/err"; rc=$?
check_eq report_foreign_exit2 "$rc" 2
"$HOSTMIX" report "$fx/full/quick.json" --format pdf >/dev/null 2>"$TMP/err"; rc=$?
check_eq report_bad_format_exit2 "$rc" 2
check report_bad_format_why grep -q "unknown format 'pdf'" "$TMP/err"
"$HOSTMIX" report >/dev/null 2>&1; rc=$?
check_eq report_usage_exit2 "$rc" 2

# a base run whose system-under-test figure is 0 (a small load on a quiet
# host: its host busy ticks were all hostmix's own): the servers compare
python3 - "$fx/full/roles.json" "$TMP/zero.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["summary"]["cpu"]["sut_cores"] = 0
json.dump(d, open(sys.argv[2], "w"))
PY
out=$("$HOSTMIX" compare "$TMP/zero.json" "$fx/full/roles.json"); rc=$?
check_eq compare_zero_sut_exit0 "$rc" 0
check compare_zero_sut_servers grep -qE "B's servers need 0.0% more CPU than A's for the same work .*A has no system-under-test figure" <<<"$out"
