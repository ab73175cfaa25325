#!/usr/bin/env bash
# A live oracle for each platform's accounting (native, container, vm):
# during the measurement interval a burner of known CPU (it reports its
# own, from getrusage) runs in the cgroup by which the platform accounts
# set1-idle (native: the server's group below hostmix-PID; container: the
# container's; vm: the QEMU process's).  set1-idle's CPU over the interval
# in result.json, minus the same server's in a run without the burner,
# must be the burner's CPU within 30%.  Needs a writable cgroup v2 group;
# every run is in a network namespace of this test.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctr_lib.sh"
base=$(cg_v2_writable)
[ -n "$base" ] || skip_all acct_oracle "no writable cgroup v2 group to account by"
ctr_need acct_oracle
ctr_netns
CTR_DATA=${HOSTMIX_VM_CACHE:-/var/tmp/hostmix-data}

# The burner: stops itself until it has been moved, then burns BURN CPU
# seconds and prints what it used (getrusage) from then on.
cat >"$TMP/burn.py" <<'PY'
import os, resource, signal, sys
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
os.kill(os.getpid(), signal.SIGSTOP)
c0, x = cpu(), 0
while cpu() - c0 < float(sys.argv[1]):
    for _ in range(20000):
        x += 1
print("%.6f" % (cpu() - c0), flush=True)
PY

# run PLATFORM NAME [BURN]: the quick job of PLATFORM (results in
# $TMP/NAME); with BURN, the burner burns BURN CPU seconds in set1-idle's
# group once the measurement interval has begun.
run() {
    local plat=$1 name=$2 burn=${3:-} pid bpid i
    ctr_job "$TMP/$name.ini" "$name" "$plat" 1s 8s 1s
    : >"$TMP/$name.err"
    "${NSX[@]}" "$HOSTMIX" run "$TMP/$name.ini" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    pid=$!
    if [ -n "$burn" ]; then
        ctr_wait_log "$TMP/$name.err" "^measure" 180
        python3 "$TMP/burn.py" "$burn" >"$TMP/$name.burn" &
        bpid=$!
        for ((i = 0; i < 200; i++)); do
            [ "$(awk '{print $3}' "/proc/$bpid/stat" 2>/dev/null)" = T ] && break
            sleep 0.02
        done
        echo "$bpid" >"$base/hostmix-$pid/set1-idle/cgroup.procs" ||
            fail "${plat}_burner_moved" "cannot move the burner into $base/hostmix-$pid/set1-idle"
        kill -CONT "$bpid"
        wait "$bpid"
    fi
    wait "$pid"
    check_eq "${name}_exit0" "$?" 0
    check_eq "${name}_nothing_left" "$(ctr_left "$pid" | tr '\n' ';')" ""
}

# oracle PLATFORM BURN: a run without the burner, one with it; compares.
oracle() {
    local plat=$1 start=$SECONDS
    run "$plat" "${plat}_base"
    run "$plat" "${plat}_burn" "$2"
    python3 - "$TMP/${plat}_base/result.json" "$TMP/${plat}_burn/result.json" \
        "$(cat "$TMP/${plat}_burn.burn" 2>/dev/null)" >"$TMP/$plat.chk" 2>&1 <<'PY'
import json, sys
def idle_cpu_s(path):
    d = json.load(open(path))
    assert d["accounting"]["servers"] == "cgroup", d["accounting"]
    s = [s for s in d["servers"] if s["name"] == "set1-idle"][0]
    return s["measure_cores"] * d["summary"]["cpu"]["seconds"]
base, burn, burned = idle_cpu_s(sys.argv[1]), idle_cpu_s(sys.argv[2]), float(sys.argv[3])
seen = burn - base
print("burner %.3f CPU-s, set1-idle %.3f - %.3f = %.3f CPU-s (%+.0f%%)"
      % (burned, burn, base, seen, 100 * (seen - burned) / burned))
assert abs(seen - burned) <= 0.3 * burned
PY
    local rc=$?
    sed 's/^/# '"$plat"': /' "$TMP/$plat.chk"
    check_eq "${plat}_accounts_burner" "$rc" 0
    echo "# $plat: $((SECONDS - start)) s"
}

oracle native 0.5
oracle container 0.5
vm_need acct_oracle_vm
oracle vm 1.0
