#!/usr/bin/env bash
# hostmix compare on stored results (tests/fixtures/results): the expected
# percentage, and refusals for unequal work, failed QoS and invalid runs.
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
