#!/usr/bin/env bash
# Host busy is measured, not sampled at the tick: burners of known CPU
# (short timer-driven bursts, as servers run, about 0.3 cores by their own
# CLOCK_PROCESS_CPUTIME_ID) run beside a native run from before the
# measurement interval to after it; the run's host busy must hold the
# burner's CPU plus the exactly measured parts (servers, load driver,
# controller), the run says its busy time was measured with a resolution,
# keeps the tick figures beside it, and finds its figures consistent.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/run_lib.sh"
port=$(free_port)
run_job "$TMP/busy.ini" busy "$port" 2s 10s 1s
# three processes, each a burst of 100 us every 1 ms (shorter than a tick,
# so the tick fields miss most of them); prints their CPU seconds (their
# own CLOCK_PROCESS_CPUTIME_ID) and the wall seconds they ran, at exit
python3 - "$TMP/burner.out" <<'PY' &
import os, signal, sys, time
out, stop = sys.argv[1], []
signal.signal(signal.SIGTERM, lambda *_: stop.append(1))

def burn():
    t0, cpu0 = time.monotonic(), time.process_time()
    nxt = t0
    while not stop:
        nxt += 0.001
        end = time.monotonic() + 0.0001
        while time.monotonic() < end:
            pass
        d = nxt - time.monotonic()
        if d > 0:
            time.sleep(d)
    with open(out, "a") as f:
        f.write("%.6f %.6f\n" % (time.process_time() - cpu0, time.monotonic() - t0))

kids = []
for _ in range(3):
    pid = os.fork()
    if pid == 0:
        burn()
        os._exit(0)
    kids.append(pid)
while not stop:
    time.sleep(0.05)
for k in kids:
    os.kill(k, signal.SIGTERM)
    os.waitpid(k, 0)
PY
burner=$!
_pids+=("$burner")
sleep 1
"$HOSTMIX" run "$TMP/busy.ini" >"$TMP/out" 2>"$TMP/err"; rc=$?
sleep 1
kill -TERM "$burner"; wait "$burner"
check_eq run_busy_exit0 "$rc" 0
check run_busy_burner_ran test -s "$TMP/burner.out"
check run_busy_said grep -q "busy measured (elapsed x CPUs - idle - iowait - steal" "$TMP/out"
python3 - "$TMP/res/result.json" "$TMP/burner.out" >"$TMP/busy.txt" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
lines = [list(map(float, l.split())) for l in open(sys.argv[2])]
assert len(lines) == 3, lines
burner = sum(c / w for c, w in lines)
assert 0.15 < burner < 0.9, "the burners ran %.3f cores, not about 0.3" % burner
c = d["summary"]["cpu"]
assert d["accounting"]["host_busy"] == "measured", d["accounting"]
assert c["busy_measured"] is True and 0 < c["resolution_cores"] < 0.01, c
assert c["host_ticks"]["busy_cores"] >= 0 and "user" in c["host_ticks"], c["host_ticks"]
assert d["consistency"] is None, d["consistency"]
parts = c["servers_cores"] + c["driver_cores"] + c["controller_cores"]
want = burner + parts
tol = max(0.05 * want, 0.005) + c["resolution_cores"]
print("burner %.4f + parts %.4f = %.4f; host busy %.4f (ticks %.4f)" % (burner, parts, want, c["host_busy_cores"], c["host_ticks"]["busy_cores"]))
assert c["host_busy_cores"] >= want - tol, \
    "host busy %.4f < burner %.4f + parts %.4f" % (c["host_busy_cores"], burner, parts)
assert abs(c["sut_cores"] - (c["host_busy_cores"] - c["driver_cores"] - c["controller_cores"])) < 0.002, c
# the kinds add up to the measured total
kinds = sum(c["host_cores"][k] for k in ("user", "nice", "system", "irq", "softirq", "guest", "guest_nice"))
assert abs(kinds - c["host_busy_cores"]) < 0.002, (kinds, c["host_busy_cores"])
PY
rc=$?
cat "$TMP/busy.txt"
check_eq run_busy_holds_burner "$rc" 0
