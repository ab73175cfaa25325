#!/usr/bin/env bash
# bench/profile.sh — what the [profile] collectors cost.
#
# 1. System-under-test CPU of the quick job (examples/quick.ini) without
#    and with the profile, runs alternating in the same invocation (off,
#    on, off, on, ...), medians compared as a ratio.  Target: under 2%
#    added.  The servers' own CPU is compared the same way: on a host
#    shared with other work the system-under-test figure includes that
#    work, the servers' figure does not.
# 2. Post-processing time (perf script and the analysis) against the
#    measurement interval.  Target: under 10%.
#
# Usage: bench/profile.sh [PAIRS]   (default 3; each pair is two quick runs, ~50 s)
# Needs root (a system-wide perf profile) and perf (linux-perf).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
pairs=${1:-3}
cd "$here"
make -s hostmix >/dev/null
tmp=$(mktemp -d /tmp/hostmix-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
sed -e "s#^output = .*#output = $tmp/res#" examples/quick.ini >"$tmp/off.ini"
cp "$tmp/off.ini" "$tmp/on.ini"
printf '\n[profile]\nenabled = yes\n' >>"$tmp/on.ini"
for ((i = 1; i <= pairs; i++)); do
    for mode in off on; do
        ./build/hostmix run "$tmp/$mode.ini" --output "$tmp/$mode-$i" >"$tmp/out" 2>"$tmp/err" ||
            { echo "run $mode $i failed:"; tail -5 "$tmp/err"; exit 1; }
        echo "  run $i $mode done" >&2
    done
done
python3 - "$tmp" "$pairs" <<'PY'
import json, statistics, sys
tmp, pairs = sys.argv[1], int(sys.argv[2])
def load(mode):
    return [json.load(open("%s/%s-%d/result.json" % (tmp, mode, i))) for i in range(1, pairs + 1)]
off, on = load("off"), load("on")
def med(runs, f):
    return statistics.median(f(d) for d in runs)
sut = lambda d: d["summary"]["cpu"]["sut_cores"]
srv = lambda d: d["summary"]["cpu"]["servers_cores"]
base = lambda d: d["summary"]["baseline"]["host_busy_cores"]
print("== system-under-test CPU of the quick job, %d runs each, medians" % pairs)
print("  without profile   %.4f cores (baseline host busy %.3f)" % (med(off, sut), med(off, base)))
print("  with profile      %.4f cores (baseline host busy %.3f)" % (med(on, sut), med(on, base)))
r = med(on, sut) / med(off, sut)
print("  ratio with/without %.4f: %+.2f%% (target under +2%%): %s"
      % (r, 100 * (r - 1), "met" if r < 1.02 else "NOT met"))
rs = med(on, srv) / med(off, srv)
print("  servers' own CPU  %.4f -> %.4f cores, ratio %.4f (%+.2f%%)"
      % (med(off, srv), med(on, srv), rs, 100 * (rs - 1)))
p = [d["profile"] for d in on]
print("  perf record's own CPU %.4f cores (kept out of the figures above)"
      % statistics.median(x["collector_cores"] for x in p))
print("== post-processing (perf script + analysis)")
post = statistics.median(x["post_s"] for x in p)
secs = statistics.median(x["seconds"] for x in p)
print("  %.3f s for a %.1f s interval = %.2f%% (target under 10%%): %s; %d samples, %d switches"
      % (post, secs, 100 * post / secs, "met" if post < 0.1 * secs else "NOT met",
         statistics.median(x["samples"] for x in p),
         statistics.median(x["switches"]["host"]["total"] for x in p)))
PY
