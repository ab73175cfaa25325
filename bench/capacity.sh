#!/usr/bin/env bash
# bench/capacity.sh — how many of the quick job's sets this host carries
# within QoS, on each platform that works here (native; container where
# crun or runc is installed; vm where QEMU and a guest kernel are), with
# the CPU per set at each step and the time the whole search took.
#
# Each platform's search is `hostmix capacity` with --step (default 2: 1,
# 3, 5, ... then a bisection), measure MEASURE_SECONDS per step.  Runs in a
# network namespace of its own.  Run it on an otherwise idle host: other
# work counts in system-under-test CPU and in the latencies QoS checks.
#
# Usage: bench/capacity.sh [MEASURE_SECONDS] [MAX_SETS] [STEP] [PLATFORMS]
#        (default 10, 16, 2, "native container vm")
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-10}
max=${2:-16}
step=${3:-2}
platforms=${4:-native container vm}
cd "$here"
make -s hostmix >/dev/null
tmp=$(mktemp -d /tmp/hostmix-bench.XXXXXX)
ns=hmx-bench-$$
ip netns add "$ns"
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"' EXIT
nsx() { nsenter --net="/run/netns/$ns" "$@"; }
nsx ip link set lo up
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min); $(nproc) CPUs"
echo "# quick job, measure ${secs}s per step, --max-sets $max --step $step"

job() { # job PLATFORM: the quick job on PLATFORM with this bench's phases
    local src=examples/quick.ini
    [ -f "examples/quick-$1.ini" ] && src=examples/quick-$1.ini
    sed -e "s/^platform = .*/platform = $1/" -e "s/^measure = .*/measure = ${secs}s/" \
        -e "s|^output = .*|output = $tmp/$1\ndata_dir = $tmp/data|" "$src" >"$tmp/$1.ini"
}

for p in $platforms; do
    job "$p"
    if ! ./build/hostmix check "$tmp/$p.ini" >/dev/null 2>"$tmp/$p.check"; then
        echo "== $p: not available here ($(head -1 "$tmp/$p.check"))"; continue
    fi
    echo "== $p"
    start=$(date +%s.%N)
    nsx ./build/hostmix capacity "$tmp/$p.ini" --max-sets "$max" --step "$step" \
        --output "$tmp/$p" >"$tmp/$p.out" 2>"$tmp/$p.err" || true
    end=$(date +%s.%N)
    if ! grep -q '^step [0-9]*/[0-9]*: [0-9]* sets*: ' "$tmp/$p.err"; then
        rm -f "$tmp/$p/capacity.json"
        echo "  no result: $(grep -v '^step\|^\s*$' "$tmp/$p.err" | tail -2)"; continue
    fi
    sed -n '/^capacity /,/search took/p' "$tmp/$p.out" | sed 's/^/  /'
    awk -v a="$start" -v b="$end" 'BEGIN { printf "  wall time of the whole search: %.1f s\n", b - a }'
done

echo "== summary"
python3 - "$tmp" $platforms <<'PY'
import json, os, sys
print("  %-10s %9s %8s %12s %14s %10s" % ("platform", "capacity", "servers", "cores/set@1",
                                          "cores/set@cap", "search s"))
for p in sys.argv[2:]:
    f = os.path.join(sys.argv[1], p, "capacity.json")
    if not os.path.exists(f):
        print("  %-10s %9s" % (p, "-")); continue
    d = json.load(open(f))
    by = {s["sets"]: s for s in d["steps"]}
    one = by.get(1, {}).get("sut_cores_per_set")
    cap = by.get(d["capacity_sets"], {}).get("sut_cores_per_set")
    fmt = lambda v: "-" if v is None else "%.3f" % v
    print("  %-10s %8s%s %8d %12s %14s %10.1f" % (
        p, d["capacity_sets"], "" if d["bounded"] else "+", d["capacity_servers"], fmt(one),
        fmt(cap), d["ended_unix"] - d["started_unix"]))
PY
