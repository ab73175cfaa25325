#!/usr/bin/env bash
# platform = container end to end, in a network namespace of this test:
# the quick job passes QoS with every server in its own container; while
# it runs, each server (the runtime's init pid, from `RUNTIME state`) is in
# its own network namespace (not the run's, not another server's) and its
# own cgroup below hostmix-PID; afterwards nothing of the run is left.
# The same job on native, then `hostmix compare` of the two results says
# how much more CPU containers needed.  A short run with the other runtime
# (runc) passes too.  The host's cgroup v2 root and the run's parent keep
# their cgroup.controllers and cgroup.subtree_control, during the run and
# after (crun on a hybrid host runs with the controllers hidden in a mount
# namespace of its own, never on the host).  Skips only when neither crun
# nor runc is installed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/ctr_lib.sh"
ctr_need run_container
ctr_netns
roles="web imap app db nfs idle"
cg_before=$(cg_v2_state)
echo "# cgroup v2: $(tr '\n' ';' <<<"$cg_before")"

ctr_job "$TMP/c.ini" ctr container 2s 8s 1s
"${NSX[@]}" "$HOSTMIX" run "$TMP/c.ini" >"$TMP/c.out" 2>"$TMP/c.err" &
pid=$!
if ctr_wait_log "$TMP/c.err" "containers: all 6 ready" 60; then ok container_all_ready
else fail container_all_ready "$(tail -3 "$TMP/c.err")"; fi
grep "all 6 ready" "$TMP/c.err" | sed 's/^/# /'
check_eq "container_${CTR_RT}_host_cgroup_v2_kept_running" "$(cg_v2_state)" "$cg_before"

# While it runs: one namespace and one cgroup per server.
run_ns=$(readlink "/proc/$pid/ns/net")
rtroot=/run/hostmix-ctr-$pid/$CTR_RT
seen=""
check container_run_pid test -d "$rtroot"
for role in $roles; do
    [ -d "$rtroot" ] && init=$("$CTR_RT" --root "$rtroot" state "hmx$pid-set1-$role" 2>/dev/null |
           python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])' 2>/dev/null)
    ns=$(readlink "/proc/$init/ns/net" 2>/dev/null)
    cg=$(sed -n 's/^0:://p' "/proc/$init/cgroup" 2>/dev/null)
    cmd=$(tr '\0' ' ' <"/proc/$init/cmdline" 2>/dev/null)
    if [ -n "$init" ] && [ -n "$ns" ] && [ "$ns" != "$run_ns" ] && ! grep -qF "$ns" <<<"$seen"
    then ok "container_${role}_own_netns"
    else fail "container_${role}_own_netns" "init '$init' ns '$ns' run '$run_ns' seen '$seen'"; fi
    seen="$seen $ns"
    case "$cg" in */hostmix-$pid/set1-$role) ok "container_${role}_own_cgroup" ;;
        *) fail "container_${role}_own_cgroup" "cgroup '$cg'" ;; esac
    case "$cmd" in "/bin/hostmix serve $role --listen 198.18.1."*) ok "container_${role}_serves" ;;
        *) fail "container_${role}_serves" "cmdline '$cmd'" ;; esac
done

wait "$pid"; rc=$?
check_eq container_exit0 "$rc" 0
check container_verdict grep -q "verdict: PASS" "$TMP/c.out"
check container_runtime_named grep -q "^container: runtime $CTR_RT" "$TMP/c.out"
check container_result python3 - "$TMP/ctr/result.json" "$pid" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] and d["complete"] and d["qos_pass"], d.get("invalid_reason")
assert d["accounting"]["platform"] == "container", d["accounting"]
assert d["accounting"]["servers"] in ("cgroup", "cgroup-v1"), d["accounting"]
assert len(d["servers"]) == 6
for s in d["servers"]:
    assert s["address"].startswith("198.18.1."), s
    assert s["cgroup"].endswith("/hostmix-%s/%s" % (sys.argv[2], s["name"])), s
    assert s["exit"] == "exited with status 0", s
assert sum(s["cpu_s"] for s in d["servers"]) > 0
assert d["summary"]["cpu"]["servers_cores"] > 0
PY
left=$(ctr_left "$pid")
check_eq container_nothing_left "$left" ""
check_eq "container_${CTR_RT}_host_cgroup_v2_kept" "$(cg_v2_state)" "$cg_before"

# The same work as processes, then the comparison on the two results.
ctr_job "$TMP/n.ini" nat native 2s 8s 1s
nsx "$HOSTMIX" run "$TMP/n.ini" >"$TMP/n.out" 2>"$TMP/n.err"
check_eq native_exit0 "$?" 0
out=$("$HOSTMIX" compare "$TMP/nat/result.json" "$TMP/ctr/result.json"); rc=$?
check_eq compare_native_container_exit0 "$rc" 0
check compare_native_container_says \
    grep -qE "B('s servers)? needs? ([0-9.]+% (more|less) CPU than|the same CPU as) A('s)? for the same work" <<<"$out"
grep -E "needs|system under test cores" <<<"$out" | sed 's/^/# /'

# The other runtime, briefly.
if [ "$CTR_RT" = crun ] && command -v runc >/dev/null 2>&1; then
    ctr_job "$TMP/r.ini" runc container 1s 2s 1s runc
    "${NSX[@]}" "$HOSTMIX" run "$TMP/r.ini" >"$TMP/r.out" 2>"$TMP/r.err" &
    pid=$!
    wait "$pid"; rc=$?
    check_eq container_runc_exit0 "$rc" 0
    check container_runc_named grep -q "^container: runtime runc" "$TMP/r.out"
    grep "all 6 ready" "$TMP/r.err" | sed 's/^/# runc: /'
    check_eq container_runc_nothing_left "$(ctr_left "$pid")" ""
    check_eq container_runc_host_cgroup_v2_kept "$(cg_v2_state)" "$cg_before"
fi
