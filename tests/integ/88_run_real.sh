#!/usr/bin/env bash
# software = real on the native platform (docs/real-servers.md): a short
# run of one whole set with db on PostgreSQL 15 and imap on dovecot (the
# rest builtin) passes QoS, the processes in the db and imap servers'
# cgroups were postgres and dovecot, the PostgreSQL data set is cached
# and sealed under its own key, and nothing is left after the end, a
# SIGINT, or kill -9 of the run (swept by the next run).  Roles and
# platforms without real software refuse it with the reason.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"

# refusals need nothing installed
printf '[global]\nroles = web\n[web]\nsoftware = real\nnfs_share = 0\n' >"$TMP/web.ini"
"$HOSTMIX" check "$TMP/web.ini" >/dev/null 2>"$TMP/web.err"
check_eq real_web_refused_exit2 "$?" 2
check real_web_refused_reason grep -q "web.ini:4: web: software = real is not built yet" "$TMP/web.err"
printf '[global]\nplatform = container\nroles = db\nsoftware = real\n' >"$TMP/ctr.ini"
"$HOSTMIX" check "$TMP/ctr.ini" >/dev/null 2>"$TMP/ctr.err"
check_eq real_container_refused_exit2 "$?" 2
check real_container_refused_reason grep -q "platform container: real software is not built yet" "$TMP/ctr.err"

[ "$(id -u)" = 0 ] || skip_all run_real "needs root (PostgreSQL runs as postgres, dovecot's master as root)"
[ -x /usr/lib/postgresql/15/bin/postgres ] && id postgres >/dev/null 2>&1 ||
    skip_all run_real "PostgreSQL 15 not installed (scripts/deps.sh test)"
[ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/imap ] ||
    skip_all run_real "dovecot-imapd not installed (scripts/deps.sh test)"
chmod 755 "$TMP"                # postgres must reach its data directory below it

# real_job FILE NAME PORT MEASURE: one set, db and imap real
real_job() {
    set_job "$1" "$2" "$3" 20 10 10
    sed -i "s/^measure = .*/measure = $4/" "$1"
    sed -i '/^\[db\]/a software = real' "$1"
    sed -i '/^\[imap\]/a software = real' "$1"
}

# comm_loop PID: while run PID lives, the command names of the processes
# in its set1-db and set1-imap groups, as "ROLE COMM" lines.
comm_loop() {
    local base=$(cgroup_of "$1")/hostmix-$1 r p
    while kill -0 "$1" 2>/dev/null; do
        for r in db imap; do
            for p in $(cat "$base/set1-$r/cgroup.procs" 2>/dev/null); do
                echo "$r $(cat /proc/$p/comm 2>/dev/null)"
            done
        done
        sleep 0.3
    done >>"$TMP/comm-$1"
}

port=$(free_port)
real_job "$TMP/real.ini" real "$port" 4s
"$HOSTMIX" run "$TMP/real.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
watch_run "$pid"
comm_loop "$pid" &
wait "$pid"; rc=$?
wait
check_eq run_real_exit0 "$rc" 0
check run_real_qos python3 - "$TMP/res/result.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["valid"] and d["qos_pass"], d["invalid_reason"]
s = {x["role"]: x for x in d["servers"]}
assert s["db"]["ready_s"] > 0 and s["imap"]["ready_s"] > 0
PY
if cgroup_writable; then
    check run_real_db_is_postgres grep -qx "db postgres" "$TMP/comm-$pid"
    check run_real_imap_is_dovecot grep -qx "imap dovecot" "$TMP/comm-$pid"
    check run_real_imap_mail_process grep -qx "imap imap" "$TMP/comm-$pid"
    check_eq run_real_no_builtin_server "$(grep -c hostmix "$TMP/comm-$pid")" 0
fi
check run_real_pg_dataset test -s "$TMP/data/db-pg15-seed1-set1-cust100-items50.manifest"
check run_real_pg_owned test "$(stat -c %U "$TMP/data/db-pg15-seed1-set1-cust100-items50/pgdata")" = postgres
check run_real_sync_on grep -qx "fsync = on" "$TMP/res/logs/set1-db.conf"
check run_real_dovecot_conf grep -q "^mail_location = maildir:" "$TMP/res/logs/set1-imap.conf"
check run_real_pg_log grep -q "database system is shut down" "$TMP/res/logs/set1-db.log"
check_nothing_left run_real "$pid" "$port"
check_eq run_real_no_run_dir "$(ls -d /run/hostmix-real-"$pid" 2>/dev/null)" ""

# SIGINT once the real servers answer
port=$(free_port)
real_job "$TMP/int.ini" int "$port" 30s
"$HOSTMIX" run "$TMP/int.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
watch_run "$pid"
wait_port 127.1.4.1 "$port" 30 && wait_port 127.1.2.1 "$port" 30
sleep 2
kill -INT "$pid"
wait "$pid"
check_nothing_left run_real_sigint "$pid" "$port"

# kill -9 of the run: its servers die with it (death signal), and the
# next run sweeps its cgroups and configuration directory
port=$(free_port)
real_job "$TMP/kill.ini" kill "$port" 30s
"$HOSTMIX" run "$TMP/kill.ini" >"$TMP/out" 2>"$TMP/err" &
pid=$!
watch_run "$pid"
wait_port 127.1.4.1 "$port" 30 && wait_port 127.1.2.1 "$port" 30
sleep 2
check run_real_kill_run_dir test -d "/run/hostmix-real-$pid"
kill -KILL "$pid"
wait "$pid"
sleep 3
port2=$(free_port)
real_job "$TMP/next.ini" next "$port2" 1s
"$HOSTMIX" run "$TMP/next.ini" >"$TMP/out2" 2>"$TMP/err2"
check_eq run_real_next_exit0 "$?" 0
check_nothing_left run_real_killed "$pid" "$port"
check_eq run_real_killed_run_dir_swept "$(ls -d /run/hostmix-real-"$pid" 2>/dev/null)" ""
