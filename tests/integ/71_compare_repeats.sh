#!/usr/bin/env bash
# hostmix compare with repeats on stored results (tests/fixtures/results/rep_*):
# A's system-under-test CPU over 5 runs is 0.500 ± 0.0079 (sample stddev),
# B's the same values + 0.133, so Welch's degrees of freedom are exactly 8,
# t(0.975, 8) = 2.3060, the interval ±2.306 × 0.005 / 0.5 = ±2.3% and
# t = 26.6; rep_close is A + 0.002 (t = 0.4, p = 0.70): not significant.
. "$(dirname "$0")/lib.sh"
fx=$(cd "$(dirname "$0")/../fixtures/results" && pwd)
out=$("$HOSTMIX" compare "$fx/rep_native.json" "$fx/rep_vm.json"); rc=$?
check_eq compare_repeats_exit0 "$rc" 0
check compare_repeats_significant grep -q "^B needs 26.6% ± 2.3% more CPU than A for the same work (95% CI; Welch's t-test p < 0.001; 0.633 vs 0.500 cores, 5 and 5 runs)" <<<"$out"
# the side-by-side table shows the repeats' means and intervals (t(0.975, 4)
# = 2.776: 2.776 x 0.0079 / sqrt(5) = 0.010) under the last repeats' rows
check compare_repeats_mean_row grep -qE "^  repeats: SUT cores, mean +0\.500 +0\.633$" <<<"$out"
check compare_repeats_half_row grep -qE "^    95% CI half-width +0\.010 +0\.010$" <<<"$out"
check compare_repeats_last_note grep -q "^  (the rows above are each run's last repeat)" <<<"$out"
out=$("$HOSTMIX" compare "$fx/rep_native.json" "$fx/rep_close.json"); rc=$?
check_eq compare_repeats_close_exit0 "$rc" 0
check compare_repeats_not_significant grep -q "^B vs A: no significant difference in CPU for the same work: B needs 0.4% ± 2.3% more than A (95% CI holds 0; Welch's t-test p = 0.700;" <<<"$out"
out=$("$HOSTMIX" compare "$fx/native.json" "$fx/rep_vm.json"); rc=$?
check_eq compare_repeats_one_side_exit0 "$rc" 0
check compare_repeats_one_side grep -q "A has 1 run, B 5: a significance test needs repeats on both sides" <<<"$out"
out=$("$HOSTMIX" compare "$fx/native.json" "$fx/vm.json")
check compare_single_runs_note grep -q "this rests on one run each" <<<"$out"
# a run compared with itself: a difference of exactly 0, p = 1
check compare_repeats_self python3 - "$HOSTMIX" "$fx/rep_native.json" <<'PY'
import subprocess, sys
out = subprocess.run([sys.argv[1], "compare", sys.argv[2], sys.argv[2]], capture_output=True,
                     text=True).stdout
assert "no significant difference" in out and "0.0% ± 2.3%" in out and "p = 1.000" in out, out
PY
