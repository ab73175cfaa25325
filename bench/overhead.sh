#!/usr/bin/env bash
# bench/overhead.sh — what hostmix's own measuring costs, and how exact it is.
#
# 1. Controller + sampler CPU during a quick run (idle role, 10 heartbeats/s,
#    sampling every second), as a share of one core.  Target: < 0.5%.
#    Peer in the same run: the load driver threads and the idle server.
# 2. Accounting accuracy against a calibrated CPU burner in its own cgroup
#    (bench/acct_burn.c).  Target: within 1 percentage point of one core.
#
# Usage: bench/overhead.sh [MEASURE_SECONDS]   (default 30)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-30}
cd "$here"
make -s hostmix >/dev/null
tmp=$(mktemp -d /tmp/hostmix-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$tmp/job.ini" <<JOB
[global]
name = overhead
roles = idle
ramp_up = 1s
measure = ${secs}s
ramp_down = 1s
sample_interval = 1s
output = $tmp/res
data_dir = $tmp/data
[idle]
rate = 10/s
port = $port
JOB
echo "== controller and sampler CPU during a ${secs}s run"
./build/hostmix run "$tmp/job.ini" >"$tmp/out" 2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
python3 - "$tmp/res/result.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
c = d["summary"]["cpu"]
ctl, drv, idle = c["controller_cores"], c["driver_cores"], c["role_cores"]["idle"]
n = len(d["series"])
print("  samples taken            %d" % (n + 1))
print("  controller + sampler     %.4f%% of one core (target < 0.5%%): %s"
      % (100 * ctl, "met" if ctl < 0.005 else "NOT met"))
interval = 1.0   # sample_interval of the job above
print("  per sample               %.1f us of CPU" % (ctl * interval * 1e6))
print("  peers: load driver       %.4f%% of one core" % (100 * drv))
print("         idle server       %.4f%% of one core" % (100 * idle))
print("  ratio controller / (driver + idle server) = %.2f" % (ctl / max(1e-9, drv + idle)))
PY
echo "== accounting accuracy against a calibrated burner"
cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o "$tmp/acct_burn" bench/acct_burn.c build/libhostmix.a -lm
"$tmp/acct_burn" 0.5 10
