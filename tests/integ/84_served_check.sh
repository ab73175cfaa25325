#!/usr/bin/env bash
# A run never reports work its own servers did not do (run/served.c):
# each server counts the requests it answers in memory it shares with the
# run, and the run compares that count over the measurement interval with
# the driver's.  A run whose driver is pointed at another server than the
# one measured (HOSTMIX_TEST_DRIVE_TO: an impostor idle server the test
# starts) is invalid, naming the server; an honest run passes with the
# counts matching.  Native, then container (its server gets the counters
# through the runtime's --preserve-fds).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"
. "$(dirname "$0")/ctr_lib.sh"

# served_ok NAME ERRFILE: the log line of set1-idle has served == completed > 0
served_ok() {
    local l; l=$(grep -o "set1-idle: served [0-9]* requests in the measurement interval, the driver completed [0-9]*" "$2")
    set -- $l
    [ -n "$l" ] && [ "$3" -gt 0 ] && [ "$3" -le $(( ${12} + 2 )) ] && [ "$3" -ge $(( ${12} - 2 )) ]
}

# one PLATFORM PREFIX...: an honest run and a misdirected one
one() {
    local plat=$1; shift
    local port=$(free_port) q=$(free_port)
    run_job "$TMP/$plat.ini" "served-$plat" "$port" 1s 3s 1s
    sed -i "s|^output = .*|output = $TMP/res-$plat|; s|^\[global\]$|[global]\nplatform = $plat|" "$TMP/$plat.ini"
    "$@" "$HOSTMIX" run "$TMP/$plat.ini" >"$TMP/$plat-ok.out" 2>"$TMP/$plat-ok.err"; rc=$?
    check_eq "served_${plat}_honest_exit" "$rc" 0
    [ "$rc" = 0 ] || tail -3 "$TMP/$plat-ok.err" | sed 's/^/# /'
    check "served_${plat}_counts_match" served_ok "$plat" "$TMP/$plat-ok.err"
    grep "set1-idle: served" "$TMP/$plat-ok.err" | sed 's/^.*info: /# /'
    # an impostor on another port; the driver is sent there
    "$@" "$HOSTMIX" serve idle --listen "127.0.0.1:$q" >"$TMP/$plat-imp.log" 2>&1 &
    local imp=$!
    _pids+=("$imp")
    sleep 1     # (it may listen in the script's network namespace: no wait_port)
    HOSTMIX_TEST_DRIVE_TO=127.0.0.1:$q "$@" "$HOSTMIX" run "$TMP/$plat.ini" \
        >"$TMP/$plat-bad.out" 2>"$TMP/$plat-bad.err"; rc=$?
    kill "$imp" 2>/dev/null; wait "$imp" 2>/dev/null
    check_eq "served_${plat}_misdirected_invalid" "$rc" 1
    check "served_${plat}_names_server" grep -q "set1-idle served 0 requests in the measurement interval by its own count, but the driver completed [1-9]" "$TMP/$plat-bad.err"
    check "served_${plat}_result_invalid" python3 - "$TMP/res-$plat/result.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["valid"] and "set1-idle served 0 requests" in d["invalid_reason"], d.get("invalid_reason")
PY
}

one native
if command -v crun >/dev/null 2>&1 || command -v runc >/dev/null 2>&1; then
    ctr_netns
    one container "${NSX[@]}"
else
    skip served_container "neither crun nor runc is installed"
fi
