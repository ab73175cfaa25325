#!/usr/bin/env bash
# The server core against very many connections: out of file descriptors,
# it pauses accepting instead of spinning on the listener and logging each
# turn, and accepts again once connections close.
. "$(dirname "$0")/lib.sh"
port=$(free_port)
spawn idle bash -c "ulimit -n 32 && exec '$HOSTMIX' serve idle --listen 127.0.0.1:$port"
check srv_fds_listens wait_port 127.0.0.1 "$port"
out=$(python3 - "$port" "$PID_idle" <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), int(sys.argv[2])
def cpu():
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / 100.0
conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(60)]
time.sleep(0.2)
c0 = cpu()
time.sleep(1.0)
print("cpu %.2f" % (cpu() - c0))
for c in conns:
    c.close()
time.sleep(0.5)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(b"PING after\n")
print("reply", s.recv(100).decode().strip())
PY
)
cpu=$(echo "$out" | awk '/^cpu/ {print int($2 * 100)}')
check srv_fds_no_spin test "${cpu:-999}" -lt 40
check_eq srv_fds_accepts_again "$(echo "$out" | grep ^reply)" "reply PONG after"
lines=$(grep -c "accept" "$TMP/idle.log")
check srv_fds_log_bounded test "$lines" -ge 1 -a "$lines" -lt 60
