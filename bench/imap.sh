#!/usr/bin/env bash
# bench/imap.sh — hostmix's imap server against dovecot on the same
# mailboxes and the same client mix; prints operations per server-CPU-
# second for each and their ratio (hostmix / dovecot).
#
#   bench/imap.sh            (env: HOSTMIX binary, SECONDS_RUN=15, WORKERS=4,
#                             USERS=50, MESSAGES=100, SYNC=yes)
# Server CPU is utime+stime(+reaped children) of each server's whole process
# tree from /proc (bench/cpu_ticks.py), sampled around the measured run;
# both servers get a 2 s warm-up first.  Needs root (dovecot runs its mail
# processes as the mailboxes' owner, here nobody).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
HOSTMIX=${HOSTMIX:-$here/../build/hostmix}
SECONDS_RUN=${SECONDS_RUN:-15}
WORKERS=${WORKERS:-4}
USERS=${USERS:-50}
MESSAGES=${MESSAGES:-100}
SYNC=${SYNC:-yes}
"$here/../scripts/deps.sh" bench
[ "$(id -u)" -eq 0 ] || { echo "bench/imap.sh: needs root for dovecot" >&2; exit 1; }
B=$(mktemp -d /tmp/hostmix-bench-imap.XXXXXX)
chmod 755 "$B"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$B"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
    echo "bench/imap.sh: nothing listens on port $1" >&2; return 1
}

"$HOSTMIX" prepare imap --data "$B/data" --users "$USERS" --messages "$MESSAGES" >/dev/null
cp -a "$B/data" "$B/hm"
cp -a "$B/data" "$B/dc"
chown -R 65534:65534 "$B/dc/mail"

# measure NAME PORT PID: warm-up, then the measured run; prints one line.
measure() {
    local name=$1 port=$2 pid=$3 c0 c1 out
    python3 "$here/imap_client.py" "$port" "$B/data/users.tsv" "$WORKERS" 2 99 >/dev/null
    c0=$(python3 "$here/cpu_ticks.py" "$pid")
    out=$(python3 "$here/imap_client.py" "$port" "$B/data/users.tsv" "$WORKERS" "$SECONDS_RUN" 1)
    c1=$(python3 "$here/cpu_ticks.py" "$pid")
    # "ops N errors E seconds S" -> name ops errors cpu ops/cpu-s
    set -- $out
    python3 -c "import sys; n,o,e,c=sys.argv[1],int(sys.argv[2]),int(sys.argv[3]),float(sys.argv[4]); \
print('%-8s %7d ops %4d errors %6.2f server-CPU-s %9.1f ops/CPU-s %7.1f ops/s' % (n,o,e,c,o/max(c,0.01),o/float(sys.argv[5])))" \
        "$name" "$2" "$4" "$(python3 -c "print($c1-$c0)")" "$6"
}

port=$(free_port)
"$HOSTMIX" serve imap --listen "127.0.0.1:$port" --data "$B/hm" --sync="$SYNC" 2>"$B/hostmix.log" &
hpid=$!; pids+=("$hpid")
wait_port "$port"
line_h=$(measure hostmix "$port" "$hpid")
echo "$line_h"
kill -TERM "$hpid"; wait "$hpid" || true

dport=$(free_port)
awk -F'\t' -v home="$B/dc/mail" '{ printf "%s:{PLAIN}%s:65534:65534::%s/%s\n", $1, $2, home, $1 }' \
    "$B/data/users.tsv" >"$B/dovecot.passwd"
mkdir -p "$B/dovecot-run" "$B/dovecot-state"
fsync_mode=optimized; [ "$SYNC" = yes ] || fsync_mode=never
cat >"$B/dovecot.conf" <<CONF
protocols = imap
listen = 127.0.0.1
base_dir = $B/dovecot-run
state_dir = $B/dovecot-state
log_path = $B/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = scheme=PLAIN $B/dovecot.passwd
}
userdb {
  driver = passwd-file
  args = $B/dovecot.passwd
}
mail_location = maildir:~/Maildir
mail_fsync = $fsync_mode
first_valid_uid = 65534
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $dport
  }
  service_count = 0
}
CONF
dovecot -F -c "$B/dovecot.conf" &
dpid=$!; pids+=("$dpid")
wait_port "$dport"
line_d=$(measure dovecot "$dport" "$dpid")
echo "$line_d"
kill -TERM "$dpid"; wait "$dpid" || true

python3 - "$line_h" "$line_d" <<'PY'
import sys
h, d = (float(l.split()[7]) for l in sys.argv[1:3])
print("ratio hostmix/dovecot ops per server-CPU-second: %.2f" % (h / d))
PY
