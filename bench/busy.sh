#!/usr/bin/env bash
# bench/busy.sh — host busy, measured against what the tick sees.
#
# Burners that spin B µs every P ms (timer-driven, as servers answer
# requests), N of them sized to about 0.2 cores, over a window of
# SECONDS (default 20: /proc/stat's 1/100 s is then under 1% of the
# figure), each net of an idle baseline of the same length taken first
# (bench/acct_burn.c bursts).  Printed: the burners' own CPU (the kernel's
# run time), hostmix's host busy (elapsed - idle - iowait - steal per CPU)
# and the tick fields of /proc/stat, as ratios to the burners' CPU.
# Target: hostmix within 3% for bursts of 20 µs and longer.
#
# Then the same beside the quick job (examples/quick.ini, its measurement
# interval stretched to cover both windows), so the burners share the host
# with servers, driver and sampler.
#
# Usage: bench/busy.sh [SECONDS]   (as root; on an otherwise quiet host)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-20}
cd "$here"
make -s hostmix >/dev/null
tmp=$(mktemp -d /tmp/hostmix-bench.XXXXXX)
job=""
trap '[ -n "$job" ] && kill -TERM "$job" 2>/dev/null; wait; rm -rf "$tmp"' EXIT
cc -std=c11 -D_GNU_SOURCE -O2 -Isrc -o "$tmp/acct_burn" bench/acct_burn.c build/libhostmix.a -lm

# N burners of B µs every P ms: about 0.2 cores in all
shapes="20:1:10 50:1:4 200:2:2"
run_shapes() {
    local s b p n
    for s in $shapes; do
        IFS=: read -r b p n <<<"$s"
        "$tmp/acct_burn" bursts "$n" "$b" "$p" "$secs" || true
    done
}
echo "== burners alone"
run_shapes
echo "== burners beside the quick job"
sed -e "s/^measure = .*/measure = $(( (secs * 2 + 5) * 3 + 10 ))s/" \
    -e "s|^output = .*|output = $tmp/res\ndata_dir = $tmp/data|" examples/quick.ini >"$tmp/quick.ini"
./build/hostmix run "$tmp/quick.ini" >"$tmp/out" 2>"$tmp/err" &
job=$!
sleep 8
run_shapes
