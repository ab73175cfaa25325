#!/usr/bin/env bash
# tests/run.sh — runs the unit-test binary, then every executable script in
# tests/integ/ (sorted).  Each script prints "ok NAME" or "FAIL NAME" per
# check; a script that exits non-zero without printing FAIL counts as one
# failure.  Ends with the line "N passed, N failed".
#
# Environment: HOSTMIX (the binary under test), UNIT (the unit-test binary),
# TESTS (optional substring: run only integration scripts whose name has it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
export HOSTMIX=${HOSTMIX:-$here/../build/hostmix}
UNIT=${UNIT:-$here/../build/unit-tests}
passed=0 failed=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

count() { # count ok/FAIL lines of a log; $2 = name for a silent failure
    local log=$1 name=$2 rc=$3 p f
    p=$(grep -c '^ok ' "$log"); f=$(grep -c '^FAIL ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name (exit $rc)"; f=1
    fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name (no checks ran)"; f=1
    fi
    passed=$((passed + p)); failed=$((failed + f))
}

if [ -z "${TESTS:-}" ]; then
    "$UNIT" | tee "$tmp/unit.log" | grep -v '^[0-9]* passed, '
    count "$tmp/unit.log" unit "${PIPESTATUS[0]}"
fi
for t in "$here"/integ/*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    case "$name" in *${TESTS:-}*) ;; *) continue ;; esac
    echo "== $name"
    start=$(date +%s)
    timeout --kill-after=10 600 "$t" >"$tmp/$name.log" 2>&1
    rc=$?
    sed 's/^/   /' "$tmp/$name.log" | grep -v '^   ok ' || true
    grep -E '^(ok|FAIL) ' "$tmp/$name.log" | sed "s|^\(ok\|FAIL\) |\1 $name/|"
    count "$tmp/$name.log" "$name" "$rc"
    echo "   ($(( $(date +%s) - start )) s)"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
