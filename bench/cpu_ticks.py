# cpu_ticks.py — CPU seconds used by a process tree (a helper of
# bench/imap.sh, not executable): utime+stime+cutime+cstime from
# /proc/PID/stat of PID and all its live descendants; exited children are
# in their parent's cutime/cstime once reaped.   python3 cpu_ticks.py PID
import os, sys

root = int(sys.argv[1])
procs = {}
for d in os.listdir("/proc"):
    if not d.isdigit():
        continue
    try:
        s = open("/proc/%s/stat" % d).read()
    except OSError:
        continue
    f = s[s.rindex(")") + 2:].split()
    procs[int(d)] = (int(f[1]), sum(int(x) for x in f[11:15]))   # ppid, ticks
tree, grew = {root}, True
while grew:
    grew = False
    for pid, (ppid, _) in procs.items():
        if ppid in tree and pid not in tree:
            tree.add(pid)
            grew = True
print("%.2f" % (sum(procs[p][1] for p in tree if p in procs) / os.sysconf("SC_CLK_TCK")))
