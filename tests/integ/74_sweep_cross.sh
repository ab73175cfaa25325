#!/usr/bin/env bash
# kill -9 of a run mid-measure, then a run of another platform: native
# killed, then a container run; container killed, then a vm run; vm
# killed, then a native run.  Each killed run left something (its cgroup,
# run directory, links), and the run after it, whatever its platform,
# sweeps all of it.  Every run is in a network namespace of this test.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctr_lib.sh"
ctr_need sweep_cross
vm_need sweep_cross
ctr_netns
CTR_DATA=$VM_CACHE

# run_bg PLATFORM MEASURE: the quick job of PLATFORM in the background
# (pid in $pid, stderr in $TMP/err).
run_bg() {
    ctr_job "$TMP/$1.ini" "$1" "$1" 1s "$2" 1s
    : >"$TMP/err"
    "${NSX[@]}" "$HOSTMIX" run "$TMP/$1.ini" >"$TMP/out" 2>"$TMP/err" &
    pid=$!
}

# killed_then KILLED NEXT WANT...: kills a KILLED run mid-measure, checks
# that it left each WANT (a line start of ctr_left), runs NEXT, checks
# that NEXT passed and that nothing of either run is left.
killed_then() {
    local killed=$1 next=$2 dead left w start=$SECONDS
    shift 2
    run_bg "$killed" 60s
    ctr_wait_log "$TMP/err" "^measure" 180 || fail "${killed}_measure" "$(tail -2 "$TMP/err")"
    dead=$pid
    kill -KILL "$dead"
    wait "$dead" 2>/dev/null
    sleep 1
    left=$(ctr_left "$dead")
    echo "# $killed killed: $(echo "$left" | tr '\n' ';')"
    for w in "$@"; do
        check "${killed}_killed_left_${w// /_}" grep -q "^$w" <<<"$left"
    done
    run_bg "$next" 2s
    wait "$pid"
    check_eq "${killed}_then_${next}_exit0" "$?" 0
    check_eq "${killed}_swept_by_${next}" "$(ctr_left "$dead" | tr '\n' ';')" ""
    check_eq "${next}_after_${killed}_nothing_left" "$(ctr_left "$pid" | tr '\n' ';')" ""
    echo "# $killed killed, then $next: $((SECONDS - start)) s"
}

cgroup=""
[ -n "$(cg_v2_writable)" ] && cgroup=cgroup
killed_then native container $cgroup
killed_then container vm "run directory" "link hmxb" "cgroup"
killed_then vm native "run directory" "link hmxb" $cgroup
