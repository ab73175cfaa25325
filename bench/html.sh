#!/usr/bin/env bash
# bench/html.sh — how long `hostmix report --format html` takes, and how
# big the page is, for a result of the seed job's size (examples/seed.ini:
# 4 sets of 6 roles = 24 servers, 60 s ramp-up, a 300 s measurement
# interval, 30 s ramp-down).  The result is synthesized from a real quick
# run's result.json by replicating its servers, targets and per-second
# series (the figures are the quick run's; the shape is the seed job's).
# Prints the one-run page's and a comparison page's render time (best of
# 5) and size, and fails if a page takes 1 s or more or exceeds 2 MiB.
#
#   bench/html.sh [QUICK-RESULT.json]   (default tests/fixtures/results/full/roles.json)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$here/..
hostmix=${HOSTMIX:-$root/build/hostmix}
src=${1:-$root/tests/fixtures/results/full/roles.json}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

python3 - "$src" "$out/seed.json" <<'PY'
import copy, json, sys
d = json.load(open(sys.argv[1]))
SETS, RAMP_UP, MEASURE, RAMP_DOWN = 4, 60, 300, 30
# servers and targets: set 1's, once per set
servers, targets = [], []
for k in range(1, SETS + 1):
    for s in d["servers"]:
        s = copy.deepcopy(s)
        s["name"] = s["name"].replace("set1-", "set%d-" % k)
        s["set"] = k
        servers.append(s)
    for t in d["drive"]["targets"]:
        t = copy.deepcopy(t)
        t["name"] = t["name"].replace("set1.", "set%d." % k)
        targets.append(t)
d["servers"], d["drive"]["targets"] = servers, targets
# the series: the quick run's entries of each phase repeated to the seed's lengths
by = {}
for e in d["series"]:
    by.setdefault(e["phase"], []).append(e)
series, t = [], 0.0
for phase, n in (("baseline", 1), ("ramp-up", RAMP_UP), ("measure", MEASURE), ("ramp-down", RAMP_DOWN)):
    src = by.get(phase) or d["series"]
    for i in range(n):
        e = copy.deepcopy(src[i % len(src)])
        t += 1.0
        e["t"], e["phase"] = t, phase
        e["unix"] = d["started_unix"] + t
        series.append(e)
d["series"] = series
d["job"]["global"]["sets"] = str(SETS)
d["summary"]["cpu"]["seconds"] = float(MEASURE)
d["drive"]["measure_s"] = float(MEASURE)
json.dump(d, open(sys.argv[2], "w"), indent=1)
PY

# best-of-5 wall time of one command, in seconds
best() {
    python3 - "$@" <<'PY'
import subprocess, sys, time
best = None
for _ in range(5):
    t = time.perf_counter()
    subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
    dt = time.perf_counter() - t
    best = dt if best is None or dt < best else best
print("%.3f" % best)
PY
}

fail=0
for page in run compare; do
    args=("$out/seed.json")
    [ "$page" = compare ] && args+=("$out/seed.json")
    secs=$(best "$hostmix" report "${args[@]}" --format html -o "$out/$page.html")
    bytes=$(stat -c %s "$out/$page.html")
    printf '%-8s servers %d, series %d entries: %s s, %d bytes (%.2f MiB)\n' "$page" \
        "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["servers"]))' "$out/seed.json")" \
        "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["series"]))' "$out/seed.json")" \
        "$secs" "$bytes" "$(echo "$bytes / 1048576" | bc -l)"
    if [ "$(echo "$secs >= 1" | bc)" = 1 ] || [ "$bytes" -ge $((2 << 20)) ]; then
        echo "bench/html.sh: $page page over budget (1 s, 2 MiB)"; fail=1
    fi
done
echo "result.json: $(stat -c %s "$out/seed.json") bytes"
exit $fail
