#!/usr/bin/env bash
# platform = container stopped early, in a network namespace of this test.
# SIGINT at a dozen points (while containers start, at the first answer,
# in the baseline, ramp-up and measurement, and a second SIGINT during
# teardown) leaves no container, run directory, veth, bridge, cgroup,
# process or mount.  kill -9 of a run leaves state that the next run
# removes.  A container killed mid-run makes the run invalid, naming it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctr_lib.sh"
ctr_need container_abort
ctr_netns
ctr_job "$TMP/s.ini" short container 1s 3s 1s

# start_run: the short job in the background; $pid is hostmix's pid.
start_run() {
    : >"$TMP/err"
    "${NSX[@]}" "$HOSTMIX" run "$TMP/s.ini" >"$TMP/out" 2>"$TMP/err" &
    pid=$!
}

# A full short run first: it passes, and the data sets are cached for the
# points below (so their timing is the containers', not data preparation's).
start_run
wait "$pid"
check_eq short_run_exit0 "$?" 0
check_eq short_run_nothing_left "$(ctr_left "$pid")" ""

# interrupt NAME HOW: start a run, wait as HOW says, SIGINT, check.
#   HOW: "after SECONDS" | "log TEXT" | "twice SECONDS" (SIGINT, then again
#   50 ms later, when the run is tearing down)
phases=""
interrupt() {
    local name=$1 how=$2 arg=$3 rc phase
    start_run
    case "$how" in
        after) sleep "$arg" ;;
        log) ctr_wait_log "$TMP/err" "$arg" 30 ;;
        twice) sleep "$arg"; kill -INT "$pid"; sleep 0.05 ;;
    esac
    kill -INT "$pid" 2>/dev/null
    wait "$pid"; rc=$?
    phase=$(sed -n 's/.*interrupted by SIGINT during \([a-z-]*\).*/\1/p' "$TMP/err" | head -1)
    [ -z "$phase" ] && [ "$rc" -eq 0 ] && phase=finished
    echo "# sigint $name ($how $arg): exit $rc, phase ${phase:-?}"
    phases="$phases $phase"
    if [ "$rc" -eq 1 ] || [ "$phase" = finished ]; then ok "sigint_${name}_exit"
    else fail "sigint_${name}_exit" "exit $rc: $(tail -2 "$TMP/err")"; fi
    check_eq "sigint_${name}_nothing_left" "$(ctr_left "$pid")" ""
}

interrupt at_prepare_end log "container: "
interrupt first_answer log "answered"
interrupt t0.05 after 0.05
interrupt t0.4 after 0.4
interrupt t0.7 after 0.7
interrupt t0.9 after 0.9
interrupt all_ready log "containers: all 6 ready"
interrupt t1.6 after 1.6
interrupt t2.2 after 2.2
interrupt t3.5 after 3.5
interrupt t4.5 after 4.5
interrupt teardown twice 3.0
for want in start baseline measure; do
    case "$phases" in *" $want"*) ok "sigint_hit_$want" ;;
        *) fail "sigint_hit_$want" "phases seen:$phases" ;; esac
done

# kill -9 of the run: its containers go (the runtime gets SIGTERM, the
# namespace holders SIGKILL) and the next run removes the rest.
start_run
ctr_wait_log "$TMP/err" "containers: all 6 ready" 30
sleep 0.5
kill -KILL "$pid"
wait "$pid"
killed=$pid
sleep 1
left=$(ctr_left "$killed")
echo "# after kill -9: $(echo "$left" | tr '\n' ';')"
# what the next run must sweep: the runtime state, the bridge, the cgroups
check after_kill9_left_rundir grep -q "^run directory /run/hostmix-ctr-$killed" <<<"$left"
check after_kill9_left_bridge grep -q "^link hmxb$killed" <<<"$left"
check after_kill9_left_cgroup grep -q "^cgroup " <<<"$left"
start_run
wait "$pid"
check_eq after_kill9_next_run_exit0 "$?" 0
check_eq after_kill9_nothing_left "$(ctr_left "$killed")" ""
check_eq after_kill9_next_nothing_left "$(ctr_left "$pid")" ""
check after_kill9_no_runtime_state test -z "$(ls /run | grep "hostmix-ctr-$killed")"

# A container killed mid-run: the run is invalid and names it.
ctr_job "$TMP/k.ini" kill container 1s 20s 1s
: >"$TMP/err"
"${NSX[@]}" "$HOSTMIX" run "$TMP/k.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
ctr_wait_log "$TMP/err" "^measure" 30
init=""
for p in $(cat /sys/fs/cgroup/unified/hostmix-$pid/set1-idle/cgroup.procs \
               /sys/fs/cgroup/hostmix-$pid/set1-idle/cgroup.procs 2>/dev/null); do
    init=$p
done
kill -KILL "$init" 2>/dev/null
wait "$pid"; rc=$?
check_eq killed_container_exit1 "$rc" 1
check killed_container_named grep -q "server set1-idle (pid [0-9]*) .* during measure" "$TMP/err"
grep "set1-idle" "$TMP/err" | head -2 | sed 's/^/# /'
check killed_container_result python3 - "$TMP/kill/result.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert not d["valid"], d
assert "set1-idle" in d["invalid_reason"], d["invalid_reason"]
PY
check_eq killed_container_nothing_left "$(ctr_left "$pid")" ""
