#!/usr/bin/env bash
# platform = vm: the quick job's six servers in six QEMU guests (TCG where
# the host cannot run stock guests under KVM) pass QoS at the quick job's
# rates; result.json has per-guest CPU by QEMU thread class, the busy time
# each guest reports and the neutral overhead.  A guest killed mid-run
# makes the run invalid, naming it; SIGINT while guests boot and while
# measuring, and kill -9 of the run followed by a new run, leave no QEMU,
# tap, bridge, run directory or cgroup behind.  Where this shell's cgroup
# v2 group is writable, CPU must be accounted by cgroup, never by /proc.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctr_lib.sh"

vm_need run_vm
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=$VM_CACHE

# vm_job FILE MEASURE: the quick-vm job with its results in $TMP/res.
vm_job() {
    sed -e "s|^output = .*|output = $TMP/res\ndata_dir = $cache|" \
        -e "s|^measure = .*|measure = $2|" "$root/examples/quick-vm.ini" >"$1"
}

# nothing_left NAME PID: nothing of the run of PID remains.
nothing_left() {
    check_eq "${1}_nothing_left" "$(ctr_left "$2" | tr '\n' ';')" ""
}

# wait_phase ERRLOG WORD SECONDS: until the run's progress shows WORD.
wait_phase() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# ---- the quick job --------------------------------------------------------
vm_job "$TMP/quick.ini" 15s
start=$(date +%s)
"$HOSTMIX" run "$TMP/quick.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
wait "$pid"; rc=$?
echo "# quick-vm run: $(( $(date +%s) - start )) s"
grep -E "accelerator|answered" "$TMP/out" "$TMP/err" | sed 's/^/# /'
if [ "$rc" -ne 0 ]; then tail -20 "$TMP/err"; tail -30 "$TMP/out"; fi
check_eq run_vm_quick_exit0 "$rc" 0
check run_vm_quick_verdict grep -q "^verdict: PASS" "$TMP/out"
check run_vm_accelerator_named grep -qE "^vm: accelerator (TCG|KVM)" "$TMP/out"
python3 - "$TMP/res/result.json" "$(cg_v2_writable)" >"$TMP/chk" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] and d["complete"] and d["qos_pass"], d.get("invalid_reason")
assert d["accounting"]["platform"] == "vm"
if sys.argv[2]:                                    # a writable cgroup v2 group
    assert d["accounting"]["servers"] == "cgroup", d["accounting"]
    assert d["accounting"]["cgroup_base"] == sys.argv[2], d["accounting"]
assert d["accounting"]["accelerator"] in ("tcg", "kvm")
srv = d["servers"]
assert len(srv) == 6, len(srv)
for s in srv:
    assert s["address"].startswith("198.18.1."), s["address"]
    assert s["cgroup"] or d["accounting"]["servers"] != "cgroup", s
    if sys.argv[2]:
        assert s["cgroup"].startswith(sys.argv[2] + "/hostmix-"), s
    g = s["guest"]
    assert 0 < s["ready_s"] < 180, s
    th = g["threads_cores"]
    assert th["vcpu"] > 0, th                      # the guest ran
    # live threads only: a pool thread that ended takes its time out of the split
    assert sum(th.values()) <= 1.1 * s["measure_cores"] + 0.01, (th, s)
    # the guest reported its own busy time (in 1/100 s ticks: an idle guest
    # may report none over the interval, and then has no overhead figure)
    assert g["busy_cores"] is not None and g["busy_cores"] >= 0, g
    if s["role"] in ("web", "imap", "app", "db"):
        assert g["busy_cores"] > 0, g
    if g["busy_cores"] > 0:
        assert g["overhead"] > 0, g                # host CPU per guest-busy CPU
ov = d["guests"]
assert ov["busy_cores"] > 0 and ov["host_cores"] > 0
assert abs(ov["overhead"] - ov["host_cores"] / ov["busy_cores"]) < 1e-6 * ov["overhead"] + 1e-9
PY
rc=$?
[ "$rc" -ne 0 ] && sed 's/^/# /' "$TMP/chk"
check_eq run_vm_result "$rc" 0
check run_vm_report_overhead grep -q "host CPU per guest-busy CPU" "$TMP/out"
nothing_left run_vm_quick "$pid"

# ---- compare: the same work natively ----------------------------------------
cp "$TMP/res/result.json" "$TMP/vm.json"
sed -e "s|^output = .*|output = $TMP/native\ndata_dir = $cache|" "$root/examples/quick.ini" \
    >"$TMP/native.ini"
"$HOSTMIX" run "$TMP/native.ini" >"$TMP/native.out" 2>&1
check_eq run_vm_native_exit0 "$?" 0
"$HOSTMIX" compare "$TMP/native/result.json" "$TMP/vm.json" >"$TMP/cmp" 2>&1
check_eq run_vm_compare_exit0 "$?" 0
sed 's/^/# /' "$TMP/cmp" | head -12
check run_vm_compare_says grep -qE "B('s servers)? needs? [0-9.]+% (more|less) CPU than A('s)? for the same work" "$TMP/cmp"

# ---- a guest killed mid-run ------------------------------------------------
rm -rf "$TMP/res"
vm_job "$TMP/kill.ini" 20s
"$HOSTMIX" run "$TMP/kill.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
wait_phase "$TMP/err" "^measure" 120
qpid=$(pgrep -f "hostmix-vm-$pid/set1-idle.qmp")
kill -KILL $qpid
wait "$pid"; rc=$?
check_eq run_vm_guest_killed_exit1 "$rc" 1
check run_vm_guest_killed_named grep -q "server set1-idle (pid $qpid) killed by signal 9" "$TMP/err"
nothing_left run_vm_guest_killed "$pid"

# ---- SIGINT while the guests boot, and while measuring --------------------
for when in boot measure; do
    rm -rf "$TMP/res"
    "$HOSTMIX" run "$TMP/kill.ini" >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    if [ "$when" = boot ]; then
        for ((i = 0; i < 300; i++)); do
            [ -n "$(pgrep -f "hostmix-vm-$pid/set1-idle.qmp")" ] && break
            sleep 0.1
        done
    else
        wait_phase "$TMP/err" "^measure" 120
    fi
    kill -INT "$pid"
    wait "$pid"; rc=$?
    check_eq "run_vm_sigint_${when}_exit1" "$rc" 1
    check "run_vm_sigint_${when}_reason" grep -q "interrupted by SIGINT" "$TMP/err"
    nothing_left "run_vm_sigint_$when" "$pid"
done

# ---- kill -9 of the run: its guests die with it, the next run sweeps ------
rm -rf "$TMP/res"
"$HOSTMIX" run "$TMP/kill.ini" >"$TMP/out" 2>"$TMP/err" &
dead=$!
wait_phase "$TMP/err" "^measure" 120
kill -KILL "$dead"
wait "$dead" 2>/dev/null
sleep 1
left=$(ctr_left "$dead")
echo "# after kill -9: $(echo "$left" | tr '\n' ';')"
check run_vm_kill9_guests_gone test -z "$(echo "$left" | grep '^qemu ')"
# what the next run must sweep: the run directory, the bridge, the cgroup
check run_vm_kill9_left_rundir grep -q "^run directory /run/hostmix-vm-$dead" <<<"$left"
check run_vm_kill9_left_bridge grep -q "^link hmxb$dead" <<<"$left"
[ -n "$(cg_v2_writable)" ] && check run_vm_kill9_left_cgroup grep -q "^cgroup " <<<"$left"
vm_job "$TMP/next.ini" 2s
"$HOSTMIX" run "$TMP/next.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
wait "$pid"; rc=$?
check_eq run_vm_after_kill9_exit0 "$rc" 0
nothing_left run_vm_kill9_swept "$dead"
nothing_left run_vm_after_kill9 "$pid"
