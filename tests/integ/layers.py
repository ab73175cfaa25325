#!/usr/bin/env python3
"""layers.py SRC_DIR OBJ_DIR|- — checks the architecture of src/ (docs/architecture.md).

Two graphs, both from the code itself:
  includes  #include "x/y.h" lines of every src/**/*.c and .h file;
  calls     (unless OBJ_DIR is -) every undefined symbol of an object file resolved to the object
            that defines it (nm), so a function called through a header that
            does not say where it lives still counts.
A unit is a .c file with its .h (x/y.c + x/y.h); a folder's private header
(x/*_int.h, declarations implemented across the folder) is not a unit.

Prints one line per finding and exits 1 when:
  - units or folders form a circle in either graph;
  - a folder uses a folder that is not below it in LAYERS.
"""
import os
import re
import subprocess
import sys

# Bottom first: a folder may use only folders to its left.
LAYERS = ["core", "proto", "measure", "guest", "roles", "platform", "job",
          "collect", "drive", "report", "run", "cli", "."]

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def unit_of(rel):
    """src-relative path -> unit name ("run/run"), or None for a private header."""
    base = os.path.splitext(rel)[0]
    return None if base.endswith("_int") else base


def folder_of(unit):
    return unit.split("/")[0] if "/" in unit else "."


def include_graph(src):
    g = {}
    for d, _, files in os.walk(src):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(d, f)
            u = unit_of(os.path.relpath(path, src))
            if u is None:
                continue
            with open(path, encoding="utf-8", errors="replace") as fh:
                for m in INCLUDE.finditer(fh.read()):
                    t = unit_of(m.group(1))
                    if t and t != u:
                        g.setdefault(u, {}).setdefault(t, m.group(1))
    return g


def nm_all(objs, *flags):
    """(object, fields) for every symbol line of nm -A over objs, in one run."""
    out = subprocess.run(["nm", "-A", *flags, *objs], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        path, _, rest = line.partition(":")
        if rest.strip():
            yield path, rest.split()


def call_graph(src, objdir):
    # objects of sources that exist (a build tree may keep a moved file's)
    objs = [os.path.join(d, f) for d, _, files in os.walk(objdir) for f in files
            if f.endswith(".o") and os.path.exists(
                os.path.join(src, os.path.relpath(os.path.join(d, f[:-2] + ".c"), objdir)))]
    unit = {o: os.path.splitext(os.path.relpath(o, objdir))[0] for o in objs}
    defs, undef = {}, {}
    for o, p in nm_all(objs, "--defined-only"):
        if len(p) == 3 and p[1] in "TDBR":
            defs[p[2]] = unit[o]
    for o, p in nm_all(objs, "-u"):
        undef.setdefault(unit[o], set()).add(p[-1])
    g = {}
    for u, syms in undef.items():
        for s in sorted(syms):
            t = defs.get(s)
            if t and t != u:
                g.setdefault(u, {}).setdefault(t, s)
    return g


def circles(g):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]
    sys.setrecursionlimit(100000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in g.get(v, {}):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in list(g):
        if v not in index:
            visit(v)
    return out


def folders(g):
    fg = {}
    for u, ts in g.items():
        for t, why in ts.items():
            a, b = folder_of(u), folder_of(t)
            if a != b:
                fg.setdefault(a, {}).setdefault(b, f"{u} -> {t} ({why})")
    return fg


def main():
    src, objdir = sys.argv[1], sys.argv[2]
    graphs = [("include", include_graph(src))]
    if objdir != "-":
        graphs.append(("call", call_graph(src, objdir)))
    bad = 0
    for name, g in graphs:
        for c in circles(g):
            bad += 1
            edges = [f"{a} -> {b} ({g[a][b]})" for a in c for b in c if b in g.get(a, {})]
            print(f"{name} circle between files: {', '.join(c)}: {'; '.join(edges)}")
        fg = folders(g)
        for c in circles(fg):
            bad += 1
            print(f"{name} circle between folders: {', '.join(c)}")
        for a, ts in sorted(fg.items()):
            for b, why in sorted(ts.items()):
                if a not in LAYERS or b not in LAYERS:
                    bad += 1
                    print(f"{name}: folder {a if a not in LAYERS else b} is not in the layer list")
                elif LAYERS.index(b) >= LAYERS.index(a):
                    bad += 1
                    print(f"{name}: {a}/ uses {b}/, which is not below it: {why}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
