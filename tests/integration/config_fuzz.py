#!/usr/bin/env python3
"""Mutant configurations for tests/integration/config_fuzz.sh.

    config_fuzz.py SRC_CONFIGS OUT_DIR COUNT [SEED]

Writes OUT_DIR/NNNNN/configs/ for each case: a tree of symbolic links to the
shipped configs in which one to three files are replaced by mutants (values
of the wrong type, huge, negative, NaN, empty or unicode; deleted,
duplicated, renamed or unknown keys; changed indentation; truncation; random
bytes; deep nesting; includes of a FIFO, a directory or a device).  Prints
one line per case: "NNNNN<TAB>scenario file to check<TAB>what was done".
Files are only ever created inside OUT_DIR (a mutant replaces a link, it is
never written through one).  The same SEED gives the same cases.
"""
import os
import random
import re
import sys

TOPS = ["china.yaml", "china_programmes.yaml"]

VALUES = [
    "[1, 2]", "{a: 1}", "[]", "{}", "true", "no", "abc", '"0.5"', "'x'",
    "1e308", "1e400", "-1e400", "99999999999999999999999", "-9223372036854775809",
    "18446744073709551615", "18446744073709551616", "4294967296", "1e19",
    "-1", "-0.5", "0", "-0", "1e-320", ".nan", "nan", ".inf", "-.inf", "NaN",
    "", "~", "null", '""', "é", "中文", "\u200b", "\U0001F600", "\\x00",
    "0x10", "1_000", "0o17", "+5", ".5", "5.", "1e", "--1", "2025-07-01",
    "*alias", "&anchor 1", "!!str 1", "|", ">", "- 1", ": x", "'", '"',
    "{type: normal, mean: 0.5, sd: 500}", "{type: beta, a: 2, b: 2}",
    "{type: uniform, min: -100, max: 100}", "{type: lognormal, meanlog: 5, sdlog: 2}",
    "{type: triangular, min: 0, mode: 0, max: 1e9}", "{type: gamma, shape: 1, scale: 1e6}",
    "{type: normal, mean: .nan, sd: 1}", "{type: fixed, x: 1}",
]
KEYS = ["zz_unknown", "valu", "dist", "unit", "source", "include", "like", "a.b",
        "a b", "é", "x" * 300, "y" * 70, "-", "_", "1", "''", '"k"', "[k]", "? k"]
DEPTHS = [10, 60, 63, 64, 65, 66, 200, 5000]

KV = re.compile(r"^(\s*)(- )?([^\s#:][^:#]*?):(\s+)(\S.*?)\s*$")
FLOW = re.compile(r"(\b[A-Za-z_]\w*): ([^,{}\[\]]+)")


def mutate_value(r, lines):
    cand = [i for i, l in enumerate(lines) if KV.match(l) or FLOW.search(l)]
    if not cand:
        return "value: none"
    i = r.choice(cand)
    v = r.choice(VALUES)
    l = lines[i]
    fl = list(FLOW.finditer(l))
    if fl and r.random() < 0.5:
        m = r.choice(fl)
        lines[i] = l[:m.start(2)] + v + l[m.end(2):]
    else:
        m = KV.match(l)
        if not m:
            return "value: none"
        lines[i] = l[:m.start(5)] + v
    return "value %d=%r" % (i + 1, v)


def op_delete(r, lines):
    if not lines:
        return "delete: none"
    i = r.randrange(len(lines))
    del lines[i]
    return "delete line %d" % (i + 1)


def op_duplicate(r, lines):
    cand = [i for i, l in enumerate(lines) if KV.match(l)]
    if not cand:
        return "dup: none"
    i = r.choice(cand)
    lines.insert(i + 1, lines[i])
    return "duplicate line %d" % (i + 1)


def op_indent(r, lines):
    if not lines:
        return "indent: none"
    i = r.randrange(len(lines))
    k = r.choice(["+1", "+2", "-1", "-2", "tab", "+40"])
    l = lines[i]
    if k == "tab":
        lines[i] = "\t" + l.lstrip(" ")
    elif k[0] == "+":
        lines[i] = " " * int(k[1:]) + l
    else:
        n = int(k[1:])
        lines[i] = l[n:] if l[:n] == " " * n else l
    return "indent line %d %s" % (i + 1, k)


def op_unknown(r, lines):
    i = r.randrange(len(lines) + 1)
    ind = ""
    if i < len(lines):
        ind = re.match(r"^(\s*)", lines[i]).group(1)
    k = r.choice(KEYS)
    lines.insert(i, "%s%s: %s" % (ind, k, r.choice(["1", "{a: 1}", "[x]", ""])))
    return "key %r at line %d" % (k[:20], i + 1)


def op_rename(r, lines):
    cand = [i for i, l in enumerate(lines) if KV.match(l) or re.match(r"^\s*\w[\w-]*:\s*$", l)]
    if not cand:
        return "rename: none"
    i = r.choice(cand)
    k = r.choice(KEYS)
    lines[i] = re.sub(r"^(\s*(?:- )?)[^\s:#][^:#]*?:", lambda m: m.group(1) + k + ":", lines[i], 1)
    return "rename key at line %d to %r" % (i + 1, k[:20])


def op_deep(r, lines):
    d = r.choice(DEPTHS)
    i = r.randrange(len(lines) + 1)
    kind = r.choice(["seq", "map", "block"])
    if kind == "seq":
        new = ["deep: " + "[" * d + "]" * d]
    elif kind == "map":
        new = ["deep: " + "{a: " * d + "1" + "}" * d]
    else:
        d = min(d, 300)
        new = [" " * j + "k%d:" % j for j in range(d)] + [" " * d + "v: 1"]
    lines[i:i] = new
    return "deep %s %d at line %d" % (kind, d, i + 1)


def op_include(r, lines, special):
    target = r.choice(special)
    where = r.choice(["top", "list"])
    if where == "top" or not any(l.startswith("include:") for l in lines):
        lines.insert(0, "include: %s" % target)
        if any(l.startswith("include:") for l in lines[1:]):
            return "include %s (duplicate include key)" % target
    else:
        i = next(i for i, l in enumerate(lines) if l.startswith("include:"))
        lines.insert(i + 1, "  - %s" % target)
    return "include %s" % target


def op_truncate(r, data):
    n = r.randrange(len(data) + 1)
    return data[:n], "truncate at byte %d" % n


def op_bytes(r, data):
    b = bytearray(data)
    for _ in range(r.randint(1, 4)):
        p = r.randrange(len(b) + 1)
        b[p:p] = bytes([r.choice([0, 1, 9, 13, 0x7f, 0x80, 0xc3, 0xff, 0xfe, 0x22, 0x27,
                                  0x3a, 0x5b, 0x7b, 0x26, 0x2a])])
    return bytes(b), "random bytes"


def mutate_file(r, data, special):
    if r.random() < 0.08:
        return op_truncate(r, data)
    if r.random() < 0.05:
        return op_bytes(r, data)
    lines = data.decode("utf-8", "replace").split("\n")
    ops = []
    for _ in range(r.choice([1, 1, 1, 2, 3])):
        x = r.random()
        if x < 0.40:
            ops.append(mutate_value(r, lines))
        elif x < 0.50:
            ops.append(op_delete(r, lines))
        elif x < 0.58:
            ops.append(op_duplicate(r, lines))
        elif x < 0.68:
            ops.append(op_indent(r, lines))
        elif x < 0.77:
            ops.append(op_unknown(r, lines))
        elif x < 0.85:
            ops.append(op_rename(r, lines))
        elif x < 0.92:
            ops.append(op_deep(r, lines))
        else:
            ops.append(op_include(r, lines, special))
    return "\n".join(lines).encode("utf-8", "surrogateescape"), "; ".join(ops)


def yaml_files(src):
    out = []
    for d, _, files in os.walk(src):
        for f in files:
            if f.endswith(".yaml"):
                out.append(os.path.relpath(os.path.join(d, f), src))
    return sorted(out)


def link_tree(src, dst, mutated):
    """dst mirrors src with links, real directories only where a mutant goes."""
    real_dirs = {""}
    for m in mutated:
        p = os.path.dirname(m)
        while p:
            real_dirs.add(p)
            p = os.path.dirname(p)
    for d in sorted(real_dirs):
        os.makedirs(os.path.join(dst, d), exist_ok=True)
        for e in os.listdir(os.path.join(src, d)):
            rel = os.path.join(d, e) if d else e
            if rel in real_dirs or rel in mutated:
                continue
            os.symlink(os.path.join(src, rel), os.path.join(dst, rel))


def main():
    src, out, count = os.path.abspath(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 20250701
    r = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    special_dir = os.path.abspath(os.path.join(out, "special"))
    os.makedirs(special_dir, exist_ok=True)
    fifo = os.path.join(special_dir, "fifo.yaml")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    os.makedirs(os.path.join(special_dir, "dir.yaml"), exist_ok=True)
    # /dev/zero and /dev/null are only named as files to read (and refused).
    special = [fifo, special_dir + "/dir.yaml", "/dev/zero", "/dev/null", "params",
               "no_such.yaml", "''", "[]", "{a: 1}", "china.yaml"]
    files = yaml_files(src)
    for case in range(count):
        top = r.choice(TOPS + ["china.yaml"] * 2)
        pool = [f for f in files if top == "china_programmes.yaml" or not f.startswith("programmes")]
        pool = [f for f in pool if top == "china_programmes.yaml" or f != "china_programmes.yaml"]
        mutated = {}
        what = []
        for _ in range(r.choice([1, 1, 1, 1, 2, 3])):
            f = r.choice(pool + [top] * 3)
            data = mutated.get(f) or open(os.path.join(src, f), "rb").read()
            data, w = mutate_file(r, data, special)
            mutated[f] = data
            what.append("%s: %s" % (f, w))
        cdir = os.path.join(out, "%05d" % case, "configs")
        link_tree(src, cdir, set(mutated))
        for f, data in mutated.items():
            with open(os.path.join(cdir, f), "xb") as fh:   # never through a link
                fh.write(data)
        desc = " | ".join(what).replace("\t", " ").replace("\n", " ")
        print("%05d\t%s\t%s" % (case, os.path.join(os.path.abspath(cdir), top), desc))


if __name__ == "__main__":
    main()
