#!/usr/bin/env bash
# The nfs server's RPC layer with crafted records (tests/integ/nfs_rpc.py):
# RPC_MISMATCH, PROG_UNAVAIL, PROG_MISMATCH, PROC_UNAVAIL, GARBAGE_ARGS,
# AUTH errors, fragments, pipelining, forged handles, ROFS, READDIR
# cookies, oversized records; the server keeps serving throughout.
. "$(dirname "$0")/lib.sh"
exp=$TMP/export
mkdir -p "$exp/d1" "$exp/many"
printf 'hello\n' >"$exp/a.txt"
printf 'deep\n' >"$exp/d1/deep.txt"
ln -s /etc/passwd "$exp/out"
for i in $(seq 1 300); do : >"$exp/many/f$i"; done
port=$(free_port)
spawn nfs "$HOSTMIX" serve nfs --listen "127.0.0.1:$port" --data "$exp"
check nfs_listens wait_port 127.0.0.1 "$port"
python3 "$(dirname "$0")/nfs_rpc.py" "$port" "$exp" "$TMP/fh" >"$TMP/rpc.out" 2>&1
rc=$?
cat "$TMP/rpc.out"
grep -q '^FAIL ' "$TMP/rpc.out" && _failed=1
[ "$rc" -eq 0 ] || fail nfs_rpc_script "exit $rc"
check nfs_alive_after_rpc kill -0 "$PID_nfs"
kill -TERM "$PID_nfs"; wait "$PID_nfs"; rc=$?
check_eq nfs_sigterm_exit0 "$rc" 0

# A restarted server knows nothing of earlier handles, yet honours them.
spawn nfs2 "$HOSTMIX" serve nfs --listen "127.0.0.1:$port" --data "$exp"
check nfs_restarted wait_port 127.0.0.1 "$port"
python3 "$(dirname "$0")/nfs_rpc.py" "$port" "$exp" "$TMP/fh" --after-restart >"$TMP/rpc2.out" 2>&1
cat "$TMP/rpc2.out"
grep -q '^ok handle_stable' "$TMP/rpc2.out" || _failed=1
