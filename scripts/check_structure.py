#!/usr/bin/python3
"""Checks the engine/biology boundary and the size rules of the source tree.

  - no include cycle between the modules of sim/ (a module is X.c with X.h;
    a private X_int.h belongs to X);
  - no file in sim/ longer than 500 lines;
  - no function in sim/ or models/ longer than 80 lines (a function runs
    from its opening brace in column 0 to the closing brace in column 0);
  - sim/ names no biology or currency (the words below), and no file in
    sim/ but main.c (the program) includes a models/ header.

usage: scripts/check_structure.py [SOURCE_DIR]; prints each breach, exits 1
if there is one.
"""
import glob
import os
import re
import sys

MAX_FILE, MAX_FUNC = 500, 80
BIOLOGY = re.compile(r"fractures_|qaly|osteopor|sarcopen|CNY", re.I)


def module(path):
    return re.sub(r"_int$", "", os.path.basename(path)[:-2])


def include_cycles(src):
    edges = {}
    for f in glob.glob(f"{src}/sim/*.[ch]"):
        x = module(f)
        for y in re.findall(r'#include "(\w+)\.h"', open(f).read()):
            y = re.sub(r"_int$", "", y)
            if y != x and os.path.exists(f"{src}/sim/{y}.h"):
                edges.setdefault(x, set()).add(y)
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
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
                cycles.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return cycles


def long_functions(path):
    lines = open(path).read().split("\n")
    start = None
    for i, line in enumerate(lines):
        if line.startswith("{") and start is None:
            j = i - 1
            while j > 0 and not re.match(r"[A-Za-z_]", lines[j]):
                j -= 1
            start = j
        elif line.startswith("}") and start is not None:
            head = lines[start]
            # initialisers of tables ("... = {") are data, not functions
            if i - start + 1 > MAX_FUNC and "=" not in head.split("(")[0]:
                yield start + 1, i - start + 1, head.strip()
            start = None


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    bad = []
    for c in include_cycles(src):
        bad.append(f"sim/: include cycle between {', '.join(c)}")
    for f in sorted(glob.glob(f"{src}/sim/*.[ch]")):
        rel = os.path.relpath(f, src)
        text = open(f).read()
        n = text.count("\n")
        if n > MAX_FILE:
            bad.append(f"{rel}: {n} lines (at most {MAX_FILE})")
        for k, line in enumerate(text.split("\n"), 1):
            if BIOLOGY.search(line):
                bad.append(f"{rel}:{k}: names biology or currency: {line.strip()}")
        if os.path.basename(f) != "main.c":
            for h in re.findall(r'#include "(\w+\.h)"', text):
                if not os.path.exists(f"{src}/sim/{h}") and os.path.exists(f"{src}/models/{h}"):
                    bad.append(f"{rel}: includes models/{h}")
    for f in sorted(glob.glob(f"{src}/sim/*.[ch]") + glob.glob(f"{src}/models/*.[ch]")):
        for line, n, head in long_functions(f):
            bad.append(f"{os.path.relpath(f, src)}:{line}: function of {n} lines (at most {MAX_FUNC}): {head}")
    for b in bad:
        print(b)
    print(f"check_structure: {len(bad)} breaches" if bad else "check_structure: ok")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
