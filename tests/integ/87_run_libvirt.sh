#!/usr/bin/env bash
# platform = libvirt: the quick job's six servers in six transient libvirt
# domains (domain type qemu, TCG, where the host cannot run stock guests
# under KVM) pass QoS; result.json has per-guest vCPU and emulator time and
# the vCPUs' run delay from libvirt's domain stats, the busy time each
# guest reports, and libvirtd's and virtlogd's own CPU in the platform
# facts.  Refusals name their cause (a remote URI, an unreachable daemon).
# kill -9 of a run: libvirtd destroys its domains (autodestroy), and the
# next run sweeps its directory and bridge.  Nothing is left: no hmx<pid>
# domain, no link, no run directory, no QEMU log of the run.
#
# libvirtd and virtlogd are started (-d) when none runs and stopped at the
# end only when started here, by the pids in their pid files; libvirt's
# `default` network is never created or started: if it is active, it is
# left as it was and the script says so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctr_lib.sh"

for c in libvirtd virtlogd virsh; do
    command -v "$c" >/dev/null || skip_all run_libvirt "needs $c (scripts/deps.sh test)"
done
vm_need run_libvirt
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=$VM_CACHE

# ---- the daemons ----------------------------------------------------------
started=()
# lv_running NAME: NAME runs with the pid of its pid file.
lv_running() {
    local p
    p=$(cat "/run/$1.pid" 2>/dev/null) && [ -n "$p" ] && kill -0 "$p" 2>/dev/null
}
lv_stop_started() {
    local d p
    for d in "${started[@]}"; do
        p=$(cat "/run/$d.pid" 2>/dev/null) && [ -n "$p" ] && kill -TERM "$p" 2>/dev/null
    done
}
trap 'lv_stop_started; _cleanup; exit $_failed' EXIT
for d in virtlogd libvirtd; do
    lv_running "$d" && continue
    "$d" -d || { fail "run_libvirt_start_$d"; exit 1; }
    started+=("$d")
done
for ((i = 0; i < 50; i++)); do
    [ -S /run/libvirt/libvirt-sock ] && lv_running libvirtd && break
    sleep 0.1
done
echo "# daemons started here: ${started[*]:-none}"
net_state() {
    virsh -q net-info default 2>/dev/null | awk '/^(Active|Autostart):/ { printf "%s%s ", $1, $2 }'
}
net_before=$(net_state)
case "$net_before" in
    *Active:yes*) echo "# libvirt's default network is active: left as it was" ;;
    "") echo "# libvirt's default network does not exist" ;;
esac

# lv_job FILE MEASURE: the quick-libvirt job with its results in $TMP/res.
lv_job() {
    sed -e "s|^output = .*|output = $TMP/res\ndata_dir = $cache|" \
        -e "s|^measure = .*|measure = $2|" "$root/examples/quick-libvirt.ini" >"$1"
}
# lv_left PID: what of the run of PID is left (nothing when clean).
lv_left() {
    ctr_left "$1"
    virsh -q list --all --name 2>/dev/null | grep "^hmx$1-" | sed 's/^/domain /'
    ls /var/log/libvirt/qemu/ 2>/dev/null | grep "^hmx$1-" | sed 's/^/qemu log /'
    return 0
}
nothing_left() {
    check_eq "${1}_nothing_left" "$(lv_left "$2" | tr '\n' ';')" ""
}
wait_phase() {
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# ---- refusals ---------------------------------------------------------------
lv_job "$TMP/remote.ini" 2s
sed -i "s|^uri = .*|uri = qemu+ssh://elsewhere.example/system|" "$TMP/remote.ini"
"$HOSTMIX" run "$TMP/remote.ini" >"$TMP/out" 2>&1
check_eq run_libvirt_remote_refused_exit1 "$?" 1
check run_libvirt_remote_refused_why grep -q "names a remote host" "$TMP/out"
sed -i "s|^uri = .*|uri = xen:///system|" "$TMP/remote.ini"
"$HOSTMIX" run "$TMP/remote.ini" >"$TMP/out" 2>&1
check_eq run_libvirt_unreachable_exit1 "$?" 1
check run_libvirt_unreachable_names_uri grep -q "cannot connect to libvirt at xen:///system" "$TMP/out"

# ---- the quick job --------------------------------------------------------
lv_job "$TMP/quick.ini" 5s
start=$(date +%s)
"$HOSTMIX" run "$TMP/quick.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
wait "$pid"; rc=$?
echo "# quick-libvirt run: $(( $(date +%s) - start )) s"
grep -E "^libvirt |answered" "$TMP/out" "$TMP/err" | sed 's/^/# /'
if [ "$rc" -ne 0 ]; then tail -20 "$TMP/err"; tail -30 "$TMP/out"; fi
check_eq run_libvirt_quick_exit0 "$rc" 0
check run_libvirt_quick_verdict grep -q "^verdict: PASS" "$TMP/out"
check run_libvirt_delay_line grep -q "^  vCPU run delay (runnable vCPU threads" "$TMP/out"
python3 - "$TMP/res/result.json" >"$TMP/chk" 2>&1 <<'PY'
import json, re, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] and d["complete"] and d["qos_pass"], d.get("invalid_reason")
a = d["accounting"]
assert a["platform"] == "libvirt" and a["servers"] == "libvirt", a
assert a["accelerator"] in ("tcg", "kvm"), a
m = re.search(r"libvirtd (\d+\.\d+) s \((\d+\.\d+)% of a core\), virtlogd (\d+\.\d+) s", a["facts"])
assert m and float(m.group(1)) > 0, a["facts"]      # libvirtd answered the stats requests
srv = d["servers"]
assert len(srv) == 6, len(srv)
for s in srv:
    assert s["address"].startswith("198.18."), s["address"]
    g = s["guest"]
    th = g["threads_cores"]
    assert th["vcpu"] > 0 and th["other"] > 0, th     # vCPUs and the emulator ran
    # vCPU + emulator is cpu.time, the server's total, exactly
    assert abs(th["vcpu"] + th["other"] - s["measure_cores"]) < 0.01 + 0.02 * s["measure_cores"], (th, s)
    assert g["delay_cores"] >= 0, g
    assert g["busy_cores"] is not None and g["busy_cores"] >= 0, g
    if s["role"] in ("web", "imap", "app", "db"):
        assert g["busy_cores"] > 0, g
PY
rc=$?
[ "$rc" -ne 0 ] && sed 's/^/# /' "$TMP/chk"
check_eq run_libvirt_result "$rc" 0
nothing_left run_libvirt_quick "$pid"

# ---- kill -9 of the run: libvirtd destroys its domains, the next run sweeps --
rm -rf "$TMP/res"
lv_job "$TMP/kill.ini" 20s
"$HOSTMIX" run "$TMP/kill.ini" >"$TMP/out" 2>"$TMP/err" &
dead=$!
wait_phase "$TMP/err" "^measure" 180
check run_libvirt_kill9_domains_ran test -n "$(virsh -q list --name | grep "^hmx$dead-")"
kill -KILL "$dead"
wait "$dead" 2>/dev/null
for ((i = 0; i < 100; i++)); do
    [ -z "$(virsh -q list --all --name | grep "^hmx$dead-")" ] && break
    sleep 0.1
done
left=$(lv_left "$dead")
echo "# after kill -9: $(echo "$left" | tr '\n' ';')"
check run_libvirt_kill9_domains_gone test -z "$(echo "$left" | grep -E '^domain |^qemu /proc')"
check run_libvirt_kill9_left_rundir grep -q "^run directory /run/hostmix-libvirt-$dead" <<<"$left"
check run_libvirt_kill9_left_bridge grep -q "^link hmxb$dead" <<<"$left"
lv_job "$TMP/next.ini" 2s
"$HOSTMIX" run "$TMP/next.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
wait "$pid"; rc=$?
check_eq run_libvirt_after_kill9_exit0 "$rc" 0
# the dead run's QEMU logs stay with libvirt until the sweep
nothing_left run_libvirt_kill9_swept "$dead"
nothing_left run_libvirt_after_kill9 "$pid"

check_eq run_libvirt_default_net_unchanged "$(net_state)" "$net_before"
