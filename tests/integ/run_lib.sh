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

# check_nothing_left NAME RUN_PID PORT: no child of the run, no cgroup
# of the run, nothing listening on the port.
check_nothing_left() {
    local name=$1 pid=$2 port=$3 cg
    check "${name}_no_process" test -z "$(pgrep -P "$pid")$(pgrep -f "serve idle --listen 127.1.6.1:$port")"
    cg=$(find /sys/fs/cgroup /sys/fs/cgroup/unified -maxdepth 4 -name "hostmix-$pid" 2>/dev/null)
    check_eq "${name}_no_cgroup" "$cg" ""
    check "${name}_no_port" test -z "$(ss -Hltn "sport = :$port")"
}

# server_pid PORT: the pid of the idle server of set 1 on PORT.
server_pid() {
    pgrep -f "serve idle --listen 127.1.6.1:$1"
}
