# run_lib.sh — helpers shared by the `hostmix run` integration scripts.

# run_job FILE NAME PORT RAMP_UP MEASURE RAMP_DOWN [ROLES]: writes a job
# file whose results go to $TMP/res and data to $TMP/data.
run_job() {
    cat >"$1" <<JOB
[global]
name = $2
roles = ${7:-idle}
ramp_up = $4
measure = $5
ramp_down = $6
output = $TMP/res
data_dir = $TMP/data
[idle]
rate = 10/s
connections = 1
qos = p99<=500ms,errors<=0%
port = $3
[web]
port = $3
[nfs]
port = $3
JOB
}

# set_job FILE NAME PORT WEB_RATE IMAP_RATE APP_RATE [ROLES]: a small job of
# whole sets (every role, or ROLES) on PORT, results in $TMP/res and data in
# $TMP/data; append sections to FILE for more.
set_job() {
    cat >"$1" <<JOB
[global]
name = $2
roles = ${7:-web,imap,app,db,nfs,idle}
ramp_up = 2s
measure = 8s
ramp_down = 1s
output = $TMP/res
data_dir = $TMP/data
[web]
rate = $4/s
connections = 8
qos = p95<=1s,errors<=1%
docroot_size = 1MiB
port = $3
[imap]
rate = $5/s
connections = 2
qos = p95<=1s,errors<=1%
users = 5
messages = 5
port = $3
[app]
rate = $6/s
connections = 2
qos = p90<=1s,errors<=1%
port = $3
[db]
customers = 100
items = 50
port = $3
[nfs]
port = $3
[idle]
port = $3
JOB
}

# start_time PID: the process's start time (field 22 of /proc/PID/stat),
# which tells a process apart from a later one given the same PID.
start_time() {
    sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

# cgroup_of PID: the cgroup v2 directory process PID is in, or nothing
# without cgroup v2.
cgroup_of() {
    local mnt rel
    mnt=$(awk '$3 == "cgroup2" {print $2; exit}' /proc/mounts)
    rel=$(sed -n 's/^0:://p' "/proc/$1/cgroup" 2>/dev/null)
    [ -n "$mnt" ] && [ -n "$rel" ] && echo "$mnt${rel%/}"
}

# cgroup_writable: this host lets a run started here make cgroup v2 groups
# below its own (so its servers must be accounted by cgroup).
cgroup_writable() {
    local g
    g=$(cgroup_of $$)
    [ -n "$g" ] && [ -w "$g" ] && [ -e "$g/cgroup.procs" ]
}

# watch_run PID: call right after starting a run (or capacity search) in
# the background.  While PID lives, a watcher records in $TMP/watch-PID.*
# every process the run started ("PID START_TIME": its children and the
# processes in its cgroups) and every cgroup directory of the run.
watch_run() {
    _watch_loop "$1" &
    eval "WATCH_$1=$!"
}

_watch_loop() {
    local pid=$1 w=$TMP/watch-$1 dir procs p
    : >"$w.pids"; : >"$w.cgroups"
    while kill -0 "$pid" 2>/dev/null; do
        dir=$(cgroup_of "$pid")
        dir=${dir:+$dir/hostmix-$pid}
        if [ -n "$dir" ] && [ -d "$dir" ]; then
            find "$dir" -type d >>"$w.cgroups" 2>/dev/null
            procs=$(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null)
        else
            procs=
        fi
        for p in $(pgrep -P "$pid") $procs; do
            echo "$p $(start_time "$p")"
        done | grep -v ' $' >>"$w.pids"
        sleep 0.3
    done
}

# wait_recorded PID [SECONDS]: until the watcher of run PID has recorded a
# process the run started and, where the run can make cgroups, a cgroup
# (10 s at most).
wait_recorded() {
    local i w=$TMP/watch-$1 cg=0
    cgroup_writable && cg=1
    for ((i = 0; i < ${2:-10} * 20; i++)); do
        [ -s "$w.pids" ] && { [ $cg = 0 ] || [ -s "$w.cgroups" ]; } && return 0
        sleep 0.05
    done
    return 1
}

# _zombie PID: the process has exited and only waits for its parent (init,
# once the run has ended) to collect its status.
_zombie() {
    [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" = Z ]
}

# check_nothing_left NAME RUN_PID PORT: after the run PID (watched with
# watch_run) ended: the watcher recorded the run's processes (and, where
# the host let the run make cgroups, its cgroups), none of those processes
# is alive (exited ones waiting for init to collect them are not), none
# of those cgroups and no hostmix-PID group is left, and
# nothing listens on the port.
check_nothing_left() {
    local name=$1 pid=$2 port=$3 w=$TMP/watch-$2 watcher p st left="" d cg=""
    watcher=WATCH_$pid
    [ -n "${!watcher:-}" ] && wait "${!watcher}"
    check "${name}_processes_recorded" test -s "$w.pids"
    while read -r p st; do
        [ "$(start_time "$p")" = "$st" ] && ! _zombie "$p" && left="$left $p($(cat "/proc/$p/comm" 2>/dev/null))"
    done < <(sort -u "$w.pids" 2>/dev/null)
    for p in $(pgrep -f "serve idle --listen 127.1.6.1:$port"); do left="$left $p"; done
    check_eq "${name}_no_process" "$(tr ' ' '\n' <<<"$left" | sort -u | xargs)" ""
    if cgroup_writable; then
        check "${name}_cgroups_recorded" test -s "$w.cgroups"
    fi
    while read -r d; do
        [ -d "$d" ] && cg="$cg $d"
    done < <(sort -u "$w.cgroups" 2>/dev/null;
             find /sys/fs/cgroup -maxdepth 5 -name "hostmix-$pid" 2>/dev/null)
    check_eq "${name}_no_cgroup" "$cg" ""
    check "${name}_no_port" test -z "$(ss -Hltn "sport = :$port")"
}

# server_pid PORT: the pid of the idle server of set 1 on PORT.
server_pid() {
    pgrep -f "serve idle --listen 127.1.6.1:$1"
}
