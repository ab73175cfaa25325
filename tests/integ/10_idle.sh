#!/usr/bin/env bash
# The idle server: heartbeat answers, bad lines, size limit, clean SIGTERM.
. "$(dirname "$0")/lib.sh"
port=$(free_port)
spawn idle "$HOSTMIX" serve idle --listen "127.0.0.1:$port"
check idle_listens wait_port 127.0.0.1 "$port"
out=$(python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"PING 1\nPING abc\r\nbogus\nPING " + b"x" * 65 + b"\n")
data = b""
while data.count(b"\n") < 4:
    chunk = s.recv(4096)
    if not chunk: break
    data += chunk
print(data.decode().replace("\n", "|"))
PY
)
check_eq idle_heartbeat "$out" "PONG 1|PONG abc|ERR expected PING <token>|ERR expected PING <token>|"
big=$(python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"P" * 1000)
data = b""
while True:
    chunk = s.recv(4096)
    if not chunk: break
    data += chunk
print(data.decode().strip())
PY
)
check_eq idle_overlong_line_closed "$big" "ERR line too long"
kill -TERM "$PID_idle"; wait "$PID_idle"; rc=$?
check_eq idle_sigterm_exit0 "$rc" 0
