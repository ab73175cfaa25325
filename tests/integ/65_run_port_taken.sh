#!/usr/bin/env bash
# A server address already taken (another run, another server) stops the
# run before that server starts, names the address, and leaves nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"
port=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.1.6.1", int(sys.argv[1]))); s.listen(1); time.sleep(30)' "$port" &
holder=$!
_pids+=("$holder")
wait_port 127.1.6.1 "$port" || fail holder_listens
run_job "$TMP/j.ini" taken "$port" 1s 2s 0s
"$HOSTMIX" run "$TMP/j.ini" >"$TMP/out" 2>&1 &
run=$!
wait "$run"
check_eq port_taken_exit_1 "$?" 1
check port_taken_named grep -q "127.1.6.1:$port is already in use" "$TMP/out"
check port_taken_invalid grep -q '"valid": *false' "$TMP/res/result.json"
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
check_eq port_taken_no_cgroup "$(find /sys/fs/cgroup /sys/fs/cgroup/unified -maxdepth 4 -name "hostmix-$run" 2>/dev/null)" ""
check port_taken_no_server test -z "$(pgrep -f "serve idle --listen 127.1.6.1:$port")"
