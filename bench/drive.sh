#!/usr/bin/env bash
# bench/drive.sh — the load driver's efficiency against wrk.
#
# Starts nginx (one worker) on a 4 KiB file, then drives it with
# `hostmix drive web` at a fixed rate (open loop, per-request corrected and
# uncorrected histograms) and with wrk (closed loop, as fast as it can) for
# the same duration and connection count.  For each it prints requests per
# second of driver CPU (user + system of the driver process, from
# getrusage of the child) and the ratio hostmix / wrk.  Target: >= 1.0.
# Both keep every connection open (--keepalive 100), as wrk does.
#
#   bench/drive.sh [RATE] [SECONDS] [CONNECTIONS]      (defaults 40000 10 32)
# Environment: HOSTMIX (default ./build/hostmix).
set -u
here=$(cd "$(dirname "$0")" && pwd)
HOSTMIX=${HOSTMIX:-$here/../build/hostmix}
rate=${1:-40000} secs=${2:-10} conns=${3:-32}
. "$here/../tests/integ/lib.sh"
. "$here/../tests/integ/nginx.sh"
command -v wrk >/dev/null || { echo "bench/drive.sh: wrk is needed (scripts/deps.sh test)"; exit 1; }

mkdir -p "$TMP/data/docroot"
head -c 4096 /dev/zero | tr '\0' 'x' >"$TMP/data/docroot/f.html"
printf '/f.html\t4096\tpage\n' >"$TMP/data/manifest.tsv"
port=$(free_port)
nginx_start nginx "$TMP/data/docroot" "$port" "keepalive_requests 1000000;" ||
    { echo "bench/drive.sh: nginx did not start (scripts/deps.sh bench)"; exit 1; }

# cpu CMD...: runs CMD, prints its stdout, then "CPU <seconds>" (children's user+sys)
cpu() {
    python3 -c '
import resource, subprocess, sys
p = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
sys.stdout.write(p.stdout)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("CPU %.3f" % (r.ru_utime + r.ru_stime))' "$@"
}

echo "== hostmix drive web --rate $rate --connections $conns --duration ${secs}s --keepalive 100"
cpu "$HOSTMIX" drive web --target "127.0.0.1:$port" --data "$TMP/data" --rate "$rate" \
    --connections "$conns" --duration "${secs}s" --keepalive 100 --qos none --json "$TMP/h.json" >"$TMP/h.txt"
cat "$TMP/h.txt"
h_req=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["targets"][0]; print(t["count"])' "$TMP/h.json")
h_err=$(python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["targets"][0]; print(t["errors"]+t["timeouts"]+t["conn_errors"])' "$TMP/h.json")
h_cpu=$(awk '/^CPU /{print $2}' "$TMP/h.txt")

echo "== wrk -t1 -c$conns -d${secs}s"
cpu wrk -t1 -c"$conns" -d"${secs}s" "http://127.0.0.1:$port/f.html" >"$TMP/w.txt"
cat "$TMP/w.txt"
w_req=$(awk '/requests in/{print $1}' "$TMP/w.txt")
w_cpu=$(awk '/^CPU /{print $2}' "$TMP/w.txt")

python3 - "$h_req" "$h_cpu" "$w_req" "$w_cpu" "$h_err" <<'PY'
import sys
hr, hc, wr, wc, he = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
h, w = hr / hc, wr / wc
print("hostmix drive: %d requests (%d errors), %.2f CPU s: %.0f requests per driver-CPU-second" % (hr, he, hc, h))
print("wrk:           %d requests, %.2f CPU s: %.0f requests per driver-CPU-second" % (wr, wc, w))
print("ratio hostmix/wrk: %.2fx (target >= 1.0x)" % (h / w))
PY
