#!/usr/bin/env bash
# bench/drive_rate.sh — whether the load driver holds high request rates on
# this host: `hostmix drive idle` against `hostmix serve idle` at RATE over
# two threads, and at RATE2 on one thread (above 8,000/s a thread batches
# its wake-ups, src/drive/engine.c).  For each it prints the achieved rate
# over the measurement interval against the target, and the ratio
# achieved / target (target >= 0.99).  The tests check pacing at rates a
# shared host holds (tests/integ/60_drive_idle.sh); this is the high end.
#
#   bench/drive_rate.sh [RATE] [RATE2] [SECONDS]     (defaults 12000 20000 3)
# Environment: HOSTMIX (default ./build/hostmix).
set -u
here=$(cd "$(dirname "$0")" && pwd)
HOSTMIX=${HOSTMIX:-$here/../build/hostmix}
rate=${1:-12000} rate2=${2:-20000} secs=${3:-3}
. "$here/../tests/integ/lib.sh"

port=$(free_port)
spawn idle "$HOSTMIX" serve idle --listen "127.0.0.1:$port"
wait_port 127.0.0.1 "$port" || { echo "bench/drive_rate.sh: the idle server did not start"; exit 1; }

# held NAME RATE ARGS...: drives RATE/s with ARGS, prints achieved vs target
held() {
    local name=$1 r=$2; shift 2
    echo "== hostmix drive idle --rate $r $*"
    "$HOSTMIX" drive idle --target "127.0.0.1:$port" --rate "$r" --duration "${secs}s" \
        --ramp-up 0.5s --qos none --json "$TMP/$name.json" "$@" >"$TMP/$name.txt" 2>&1
    python3 - "$TMP/$name.json" "$r" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))["targets"][0]
target = float(sys.argv[2])
bad = t["errors"] + t["timeouts"] + t["conn_errors"]
print("achieved %.0f/s of %.0f/s (%d errors): ratio achieved/target %.4f (target >= 0.99)"
      % (t["achieved_rate"], target, bad, t["achieved_rate"] / target))
PY
}
held threads "$rate" --connections 8 --threads 2
held batched "$rate2" --connections 8
