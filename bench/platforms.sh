#!/usr/bin/env bash
# bench/platforms.sh — the quick job's work as processes and as containers,
# in the same session, on this host.
#
# 1. System-under-test cores and the servers' own cores of each platform,
#    and the ratio container / native (hostmix compare on the two results).
# 2. Start-up: the time from the first container's start to all six of a
#    set answering (the platform logs it).  Target: under 1 s.
#
# Runs in a network namespace of its own (nsenter --net) so its bridge and
# ports never meet anything else.  Needs root and crun or runc.  Run it on
# an otherwise idle host: other work counts in system-under-test CPU.
#
# Usage: bench/platforms.sh [MEASURE_SECONDS] [RUNTIME]   (default 15, auto)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-15}
rt=${2:-auto}
cd "$here"
make -s hostmix >/dev/null
tmp=$(mktemp -d /tmp/hostmix-bench.XXXXXX)
ns=hmx-bench-$$
ip netns add "$ns"
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$tmp"' EXIT
nsx() { nsenter --net="/run/netns/$ns" "$@"; }
nsx ip link set lo up
echo "# load: $(cut -d' ' -f1-3 /proc/loadavg) (1, 5, 15 min)"

job() { # job NAME PLATFORM
    sed -e "s/^name = .*/name = $1/" -e "s/^platform = .*/platform = $2/" \
        -e "s/^measure = .*/measure = ${secs}s/" \
        -e "s|^output = .*|output = $tmp/$1\ndata_dir = $tmp/data|" examples/quick.ini \
        >"$tmp/$1.ini"
    if [ "$2" = container ]; then printf '\n[platform]\nruntime = %s\n' "$rt" >>"$tmp/$1.ini"; fi
}

for p in native container; do
    job "$p" "$p"
    echo "== $p: quick job, measure ${secs}s"
    nsx ./build/hostmix run "$tmp/$p.ini" >"$tmp/$p.out" 2>"$tmp/$p.err" ||
        { tail -5 "$tmp/$p.err"; exit 1; }
    grep -E "^verdict|^container:" "$tmp/$p.out"
done

echo "== system under test and servers, cores"
python3 - "$tmp/native/result.json" "$tmp/container/result.json" <<'PY'
import json, sys
n, c = (json.load(open(f))["summary"]["cpu"] for f in sys.argv[1:])
for k in ("sut_cores", "servers_cores", "host_busy_cores"):
    ratio = c[k] / n[k] if n[k] else float("nan")
    print("  %-16s native %.3f  container %.3f  ratio %.2f" % (k, n[k], c[k], ratio))
PY
./build/hostmix compare "$tmp/native/result.json" "$tmp/container/result.json" |
    grep -E "needs" || true

echo "== start-up of one set (six containers)"
grep -E "answered|containers: all" "$tmp/container.err" | sed 's/^hostmix\[[0-9]*\] info: /  /'
