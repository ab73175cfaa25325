#!/usr/bin/env bash
# hostmix run with a whole set of servers (web, nfs, imap, db, idle, app):
# prepares the data sets, passes QoS, accounts every server in its own
# cgroup where the host has a writable cgroup v2, caches the data for the
# next run, and leaves no process, cgroup or listening port behind.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"
port=$(free_port)
roles=web,nfs,imap,db,idle,app
acct=proc
cgroup_writable && acct=cgroup
set_job "$TMP/set.ini" set "$port" 40 5 5 "$roles"
"$HOSTMIX" run "$TMP/set.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
watch_run "$pid"
wait "$pid"; rc=$?
check_eq run_set_exit0 "$rc" 0
[ "$rc" = 0 ] || { cat "$TMP/err" "$TMP/out" | tail -30; }
check run_set_result python3 - "$TMP/res/result.json" "$roles" "$acct" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] and d["qos_pass"], d.get("invalid_reason")
roles = sys.argv[2].split(",")
assert sorted(s["role"] for s in d["servers"]) == sorted(roles)
# where this host has a writable cgroup v2, every server has its own group
a = d["accounting"]
assert a["servers"] == sys.argv[3], (a, sys.argv[3])
if a["servers"] == "cgroup":
    assert all(s["cgroup"] for s in d["servers"]), d["servers"]
else:
    assert a["why_proc"], a
r = d["summary"]["roles"]
assert abs(r["web"]["achieved_rate"] - 40) < 1.0, r["web"]
assert r["web"]["cores"] > 0 and r["imap"]["cores"] > 0
PY
if [ "$acct" = cgroup ]; then
    check run_set_acct_text grep -q "^server CPU: cgroup v2 cpu.stat, one group per server" "$TMP/out"
fi
check run_set_prepared grep -q "set 1 web: preparing data set" "$TMP/err"
ls "$TMP/data" | grep -v "\.manifest$" >"$TMP/cache"
check run_set_cache_keys grep -q "^web-seed1-set1-docroot1048576-nfs30$" "$TMP/cache"
check run_set_markers test -e "$TMP/data/$(grep ^db- "$TMP/cache")/.hostmix-prepared"
# teardown stops web before nfs: web never sees its nfs server go away
check run_set_teardown_quiet bash -c "! grep -q 'nfs.*dropping the connection' '$TMP/res/logs/set1-web.log'"
check_nothing_left run_set "$pid" "$port"
# an interrupted prepare (no marker) is redone; a complete one is reused
rm "$TMP/data/$(grep ^imap- "$TMP/cache")/.hostmix-prepared"
sed -i 's/^measure = 8s/measure = 2s/' "$TMP/set.ini"
"$HOSTMIX" run "$TMP/set.ini" --format json >"$TMP/out" 2>"$TMP/err"; rc=$?
check_eq run_set_again_exit0 "$rc" 0
check run_set_cached grep -q "set 1 web: data set cached" "$TMP/err"
check run_set_partial_redone grep -q "set 1 imap: removing data set .* to prepare it again" "$TMP/err"
