#!/usr/bin/env bash
# bench/nfs.sh — throughput of the built-in nfs server read by libnfs's
# nfs-cat: a 50 MB file read ROUNDS times (default 5) over 127.0.0.1; then
# small READ calls, pipelined, for the server's CPU cost per call.
# Prints MB/s seen by the client and the server's CPU seconds (utime +
# stime from /proc/PID/stat), also per GB served.  There is no peer server
# in this run (kernel nfsd needs root and the nfs kernel module); the client's
# own CPU time is printed as the yardstick: the server should cost less
# than the client that decodes the same bytes.
#
#   HOSTMIX=./build/hostmix bench/nfs.sh [ROUNDS]
set -eu
HOSTMIX=${HOSTMIX:-$(cd "$(dirname "$0")/.." && pwd)/build/hostmix}
rounds=${1:-5}
tmp=$(mktemp -d /tmp/hostmix-bench-nfs.XXXXXX)
pid=
cleanup() { [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir "$tmp/export"
head -c 50000000 /dev/urandom >"$tmp/export/f50m"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$HOSTMIX" serve nfs --listen "127.0.0.1:$port" --data "$tmp/export" 2>"$tmp/server.log" &
pid=$!
for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done
url="nfs://127.0.0.1//f50m?nfsport=$port&mountport=$port&version=3"
nfs-cat "$url" | cmp -s - "$tmp/export/f50m" || { echo "nfs-cat output differs" >&2; exit 1; }
tck=$(getconf CLK_TCK)
cpu() { awk -v t="$tck" '{print ($14 + $15) / t}' "/proc/$1/stat"; }
c0=$(cpu "$pid")
t0=$(date +%s.%N)
client=$( { /usr/bin/time -f '%U %S' bash -c "for i in \$(seq $rounds); do nfs-cat '$url' >/dev/null; done" ; } 2>&1 | tail -1)
t1=$(date +%s.%N)
c1=$(cpu "$pid")
# Small calls: READ of a 3-byte file three directories down, 200 calls
# in flight, from a Python client (the client is the bottleneck; the
# server's CPU per call is the number to watch).
mkdir -p "$tmp/export/d1/d2" && printf 'hi\n' >"$tmp/export/d1/d2/f.txt"
small=$(python3 - "$port" "$pid" "$(dirname "$0")/../tests/integ" <<'PY'
import sys, time
sys.path.insert(0, sys.argv[3])
import nfs_rpc as r
r.PORT, pid = int(sys.argv[1]), sys.argv[2]
def cpu():
    v = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(v[11]) + int(v[12])
s = r.connect()
fh = r.mount_root(s)
for name in (b"d1", b"d2", b"f.txt"):
    fh = r.lookup(s, fh, name)[1]
n, batch = 50000, 200
blob = b"".join(r.record(r.call_body(i, r.NFS, 3, 6, r.opaque(fh) + r.u64(0) + r.u32(4096)))
                for i in range(batch))
c0, t0 = cpu(), time.time()
for _ in range(n // batch):
    s.sendall(blob)
    for _ in range(batch):
        last = r.Reply(r.recv_record(s))
if r.nfs_status(last) != 0 or last.rest[4 * 26:4 * 26 + 3] != b"hi\n":
    sys.exit("small READ answered wrongly")
print(n, time.time() - t0, cpu() - c0)
PY
)
awk -v r="$rounds" -v t0="$t0" -v t1="$t1" -v c0="$c0" -v c1="$c1" -v cl="$client" 'BEGIN {
    mb = 50 * r; s = t1 - t0; srv = c1 - c0; split(cl, c, " "); cli = c[1] + c[2];
    printf "nfs-cat %d x 50 MB: %.2f s, %.0f MB/s\n", r, s, mb / s;
    printf "server CPU %.2f s (%.2f s/GB), client CPU %.2f s, server/client %.2f\n",
           srv, srv / (mb / 1000), cli, (cli > 0 ? srv / cli : 0) }'
echo "$small" | awk -v t="$tck" '{ printf "small READs: %d calls in %.2f s, %.0f calls/s, server CPU %.1f us/call\n",
    $1, $2, $1 / $2, $3 / t / $1 * 1e6 }'
