#!/usr/bin/env bash
# tests/run.sh — runs the unit-test binary, then every executable script in
# tests/integ/ (sorted).  Each script prints "ok NAME", "FAIL NAME" or
# "SKIP NAME: why" per check (a skip is never counted as a pass); a script
# that exits non-zero without printing FAIL counts as one failure, and so
# does one that printed nothing at all.  Ends with the line
# "N passed, N failed, N skipped".
#
# Environment: HOSTMIX (the binary under test), UNIT (the unit-test binary),
# TESTS (optional space-separated substrings: run only the integration
# scripts whose name has one, and no unit tests), TESTS_EXCLUDE (optional space-separated substrings: do not run the
# integration scripts whose name has one; they are not counted at all),
# SKIP_LOG (optional file: the SKIP lines are appended to it, so a caller
# such as .ci/run can hold them against the skips it allows).
set -u
here=$(cd "$(dirname "$0")" && pwd)
export HOSTMIX=${HOSTMIX:-$here/../build/hostmix}
UNIT=${UNIT:-$here/../build/unit-tests}
passed=0 failed=0 skipped=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

count() { # count ok/FAIL/SKIP lines of a log; $2 = name for a silent failure
    local log=$1 name=$2 rc=$3 p f s
    p=$(grep -c '^ok ' "$log"); f=$(grep -c '^FAIL ' "$log"); s=$(grep -c '^SKIP ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "FAIL $name (exit $rc)"; f=1
    fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
        echo "FAIL $name (no checks ran)"; f=1
    fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
}

named() { # is script $1 named by one of the substrings $2?
    local x
    for x in $2; do
        case "$1" in *"$x"*) return 0 ;; esac
    done
    return 1
}

if [ -z "${TESTS:-}" ]; then
    "$UNIT" | tee "$tmp/unit.log" | grep -v '^[0-9]* passed, '
    count "$tmp/unit.log" unit "${PIPESTATUS[0]}"
    [ -n "${SKIP_LOG:-}" ] && grep '^SKIP ' "$tmp/unit.log" >>"$SKIP_LOG"
fi
for t in "$here"/integ/*; do
    [ -x "$t" ] || continue
    name=$(basename "$t")
    [ -z "${TESTS:-}" ] || named "$name" "$TESTS" || continue
    named "$name" "${TESTS_EXCLUDE:-}" && continue
    echo "== $name"
    start=$(date +%s)
    timeout --kill-after=10 600 "$t" >"$tmp/$name.log" 2>&1
    rc=$?
    sed 's/^/   /' "$tmp/$name.log" | grep -v '^   ok ' || true
    grep -E '^(ok|FAIL|SKIP) ' "$tmp/$name.log" | sed -E "s#^(ok|FAIL|SKIP) #\1 $name/#" >"$tmp/$name.res"
    cat "$tmp/$name.res"
    [ -n "${SKIP_LOG:-}" ] && grep '^SKIP ' "$tmp/$name.res" >>"$SKIP_LOG"
    count "$tmp/$name.log" "$name" "$rc"
    echo "   ($(( $(date +%s) - start )) s)"
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
