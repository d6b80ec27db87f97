#!/usr/bin/python3
"""Derive the ageing rates of a country pack from its baselines.

Usage:
    derive_ageing_rates.py SCENARIO.yaml [--agents N] [--year Y] [--osteosim BIN]
                           [--threads T] [--set key=value ...] [--yaml]
                           [--write PACK/physiology.yaml]

The ageing terms bone.loss.{female,male,age_accel_*} and
muscle.loss.{asm,grip,gait,chair}_{female,male} with muscle.loss.age_accel_*
are residuals (docs/parameters.md, "Ageing rates"): in a population without
secular trends each measure's age-specific distribution must stay the
baseline's, so the mean yearly log-loss of a measure at age a must be

    g(a) = E[log X | a] - E[log X | a+1]            (baseline cross-section)
         + E[log X | a, survivor] - E[log X | a]     (selective survival)

(for ASM the target is ASMI = ASM / height^2: g of log ASMI plus twice the
simulated height log-loss).  The drivers add D(a) and multiply the ageing
term by M(a), so the ageing rate is L(a) = (g(a) - D(a)) / M(a).  This
script measures everything in the simulation itself:

  run A  the scenario as it is, snapshots in the start year, Y and Y+1;
  run B  the same with every ageing rate at 0: its Y -> Y+1 loss is D(a);
  g(a)   from run A's start-year snapshot (the baseline population): minus
         the slope in age of mean log X (a cubic over 50-94), plus the
         survivor term at Y (agents of the band at Y alive at Y+1 against
         all);
  M(a)   (T_A(a) - D(a)) / L_now(a), T_A the Y -> Y+1 loss in run A and
         L_now the current rates (a band where L_now is 0 takes M from the
         nearest band where it is not);

then fits L(a) = loss50 max(0, 1 + accel (a - 50)) over the bands 50-89
weighted by sqrt(agents): bone per sex, muscle with one acceleration per
measure shared by the sexes (grid over accel, least squares for loss50).
Y defaults to the projection midpoint (start + end) / 2 rounded down, as
China's rates were fitted at the 2037 driver mix.

It prints the current and derived values side by side, with the rate at
age 70 (loss50 (1 + 20 accel), better determined than either part); --yaml
prints the derived values as `--set` arguments instead, and --write
replaces the `value:` of each rate in the given pack file (the long form
of configs/countries/china/physiology.yaml), moving a uniform
distribution's bounds with it (scaled for a rate, shifted for an
acceleration); the file is rewritten under a temporary name and renamed.  The fit is a fixed point of
the current rates only approximately (D and M depend on the rates through
the trajectories); iterate by running it again with --set of the result.
Needs h5py and numpy (/usr/bin/python3).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

SEXES = ("female", "male")
BANDS = [(lo, lo + 5) for lo in range(50, 90, 5)]
BONE = ["bone.loss.female", "bone.loss.male", "bone.loss.age_accel_female", "bone.loss.age_accel_male"]
MEASURES = ("asm", "grip", "gait", "chair")


def die(msg):
    sys.stderr.write("derive_ageing_rates: %s\n" % msg)
    sys.exit(2)


def run(bin_, scen, out, agents, years, threads, sets):
    cmd = [bin_, "run", scen, "--agents", str(agents), "--threads", str(threads), "--quiet",
           "--set", "run.end_year=%d" % years[-1],
           "--set", "output.cohort_years=[%s]" % ", ".join(str(y) for y in years), "-o", out]
    for s in sets:
        cmd += ["--set", s]
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if r.returncode:
        die("%s failed (exit %d): %s" % (" ".join(cmd), r.returncode, r.stderr.strip()))


def used(path, keys):
    with h5py.File(path, "r") as f:
        g = f["parameters/used"]
        k = [x.decode() if isinstance(x, bytes) else x for x in g["key"][:]]
        v = [x.decode() if isinstance(x, bytes) else x for x in g["value"][:]]
    d = dict(zip(k, v))
    missing = [x for x in keys if x not in d]
    if missing:
        die("%s: the run did not use %s" % (path, ", ".join(missing)))
    return {x: float(d[x]) for x in keys}


def snap(f, year):
    g = f["cohort/%d" % year]
    d = {k: g[k][:] for k in ("id", "sex", "age", "bmd", "asm", "height", "grip", "gait", "chair")}
    d["asmi"] = d["asm"] / (d["height"] ** 2)
    return d


def logx(d, m):
    """log of the measure the rate keeps stable (ASM: ASMI), sign so that
    a loss is positive (chair time grows with age)."""
    key = "asmi" if m == "asm" else ("bmd" if m == "bone" else m)
    x = np.log(np.maximum(d[key], 1e-6))
    return -x if m == "chair" else x


def pair(f, year):
    """Snapshots at YEAR and YEAR+1 joined on id (survivors)."""
    a, b = snap(f, year), snap(f, year + 1)
    ia = np.searchsorted(a["id"], b["id"])
    ok = (ia < len(a["id"])) & (a["id"][np.minimum(ia, len(a["id"]) - 1)] == b["id"])
    surv = np.zeros(len(a["id"]), bool)
    surv[ia[ok]] = True
    return a, b, ia[ok], ok, surv


def loss_by_band(f, year, m, raw=False):
    """{(sex, band): mean yearly log-loss} of survivors, on the model's
    own variable (ASM itself when RAW)."""
    a, b, ia, ok, _ = pair(f, year)
    key = "asm" if (m == "asm" and raw) else None

    def lx(d):
        if key:
            return np.log(d["asm"])
        return logx(d, m)
    la, lb = lx(a)[ia], lx(b)[ok]
    out = {}
    for s in range(2):
        for lo, hi in BANDS:
            sel = (a["sex"][ia] == s) & (a["age"][ia] >= lo) & (a["age"][ia] < hi)
            out[s, lo] = (float(np.mean(la[sel] - lb[sel])) if sel.any() else np.nan, int(sel.sum()))
    return out


def height_loss(f, year):
    a, b, ia, ok, _ = pair(f, year)
    d = np.log(a["height"][ia]) - np.log(b["height"][ok])
    return {(s, lo): float(np.mean(d[(a["sex"][ia] == s) & (a["age"][ia] >= lo) & (a["age"][ia] < hi)]))
            for s in range(2) for lo, hi in BANDS}


def target(f, start, year, m):
    """g(a) by (sex, band): cross-section of the start year plus survival at
    YEAR.  The cross-section is a cubic in age fitted to the mean of log X by
    single year of age 50-94 (weighted by agents), differentiated at the
    band's midpoint: a slope within each band alone is too noisy."""
    base = snap(f, start)
    lx0 = logx(base, m)
    a, _, _, _, surv = pair(f, year)
    lxa = logx(a, m)
    g = {}
    for s in range(2):
        ages, means, ns = [], [], []
        for y in range(50, 95):
            sel = (base["sex"] == s) & (base["age"] >= y) & (base["age"] < y + 1)
            if sel.sum() >= 5:
                ages.append(float(np.mean(base["age"][sel])))
                means.append(float(np.mean(lx0[sel])))
                ns.append(float(sel.sum()))
        c = np.polyfit(np.array(ages) - 70.0, means, 3, w=np.sqrt(ns))
        dc = np.polyder(c)
        for lo, hi in BANDS:
            sa = (a["sex"] == s) & (a["age"] >= lo) & (a["age"] < hi)
            sv = float(np.mean(lxa[sa & surv]) - np.mean(lxa[sa])) if sa.any() else 0.0
            g[s, lo] = -float(np.polyval(dc, lo + 2.5 - 70.0)) + sv
    return g


def shape(accel, lo):
    mid = lo + 2.5 - 50.0
    return max(0.0, 1.0 + accel * mid)


def fit(targets, weights, sexes_share):
    """Least squares of L(a) = loss50_s shape(accel, a): one accel for the
    sexes listed together.  Returns ({sex: loss50}, accel)."""
    best = None
    for accel in np.arange(-0.06, 0.1, 0.0005):
        loss, sse = {}, 0.0
        for s in sexes_share:
            x = np.array([shape(accel, lo) for lo, _ in BANDS])
            y = np.array([targets[s, lo] for lo, _ in BANDS])
            w = np.array([weights[s, lo] for lo, _ in BANDS])
            k = np.isfinite(y)
            den = float(np.sum(w[k] * x[k] ** 2))
            b = float(np.sum(w[k] * x[k] * y[k]) / den) if den > 0 else 0.0
            loss[s] = b
            sse += float(np.sum(w[k] * (y[k] - b * x[k]) ** 2))
        if best is None or sse < best[0]:
            best = (sse, loss, float(accel))
    return best[1], best[2]


def residual_rates(fa, fb, start, year, m, now_loss, now_accel):
    """L(a) by (sex, band) and the band weights."""
    g = target(fa, start, year, m)
    if m == "asm":
        h = height_loss(fa, year)
        g = {k: v + 2.0 * h[k] for k, v in g.items()}
    ta = loss_by_band(fa, year, m, raw=True)
    tb = loss_by_band(fb, year, m, raw=True)
    L, w = {}, {}
    for s in range(2):
        mult = {}
        for lo, _ in BANDS:
            now = now_loss[s] * shape(now_accel[s], lo)
            mult[lo] = (ta[s, lo][0] - tb[s, lo][0]) / now if now > 1e-9 else np.nan
        good = [lo for lo in mult if np.isfinite(mult[lo])]
        for lo, _ in BANDS:
            mm = mult[lo] if np.isfinite(mult[lo]) else mult[min(good, key=lambda b: abs(b - lo))]
            L[s, lo] = (g[s, lo] - tb[s, lo][0]) / mm
            w[s, lo] = np.sqrt(ta[s, lo][1])
    return L, w


def write_values(path, derived):
    """Rewrites the value (and uniform bounds) of each derived key in PATH,
    a YAML file in long form with two-space indentation."""
    import re
    try:
        lines = open(path).read().split("\n")
    except OSError as e:
        die("%s: cannot read: %s" % (path, e.strerror))
    stack, done = [], set()
    for i, line in enumerate(lines):
        m = re.match(r"^( *)([A-Za-z0-9_]+):", line)
        if not m or line.lstrip().startswith("#"):
            continue
        depth = len(m.group(1)) // 2
        stack[depth:] = [m.group(2)]
        key = ".".join(stack[:-1])
        if stack[-1] != "value" or key not in derived:
            continue
        old = float(line.split(":", 1)[1].split("#")[0])
        new = derived[key]
        lines[i] = "%svalue: %.3g" % (m.group(1), new)
        for j in range(i + 1, min(i + 4, len(lines))):
            d = re.match(r"^( *)dist: \{type: uniform, min: ([-0-9.eE]+), max: ([-0-9.eE]+)\}(.*)$", lines[j])
            if not d:
                continue
            lo, hi = float(d.group(2)), float(d.group(3))
            if "accel" in key or old == 0:
                lo, hi = lo + new - old, hi + new - old
            else:
                lo, hi = lo * new / old, hi * new / old
            lines[j] = "%sdist: {type: uniform, min: %.3g, max: %.3g}%s" % (d.group(1), lo, hi, d.group(4))
        done.add(key)
    missing = sorted(set(derived) - done)
    if missing:
        die("%s: no value for %s" % (path, ", ".join(missing)))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines))
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--agents", type=int, default=200000)
    ap.add_argument("--year", type=int, help="driver-mix year Y (default: projection midpoint)")
    ap.add_argument("--osteosim", default=os.environ.get("OSTEOSIM") or
                    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "osteosim"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--set", action="append", default=[], dest="sets")
    ap.add_argument("--yaml", action="store_true", help="print the derived values as --set arguments")
    ap.add_argument("--write", metavar="FILE", help="replace the rates' values in this pack file")
    a = ap.parse_args()
    if not os.access(a.osteosim, os.X_OK):
        die("no program at %s (build first, or pass --osteosim)" % a.osteosim)
    mkeys = ["muscle.loss.%s_%s" % (m, s) for m in MEASURES for s in SEXES] + \
            ["muscle.loss.age_accel_%s" % m for m in MEASURES]
    with tempfile.TemporaryDirectory() as tmp:
        # Start and end years from the resolved scenario (`osteosim check`).
        r = subprocess.run([a.osteosim, "check", a.scenario] + sum((["--set", s] for s in a.sets), []),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
        if r.returncode:
            die("osteosim check %s: %s" % (a.scenario, r.stderr.strip()))
        start = end = None
        for line in r.stdout.splitlines():
            # run.start_year / run.end_year: the keys indented one level.
            if line.startswith("  start_year:"):
                start = int(line.split(":")[1].split()[0])
            if line.startswith("  end_year:"):
                end = int(line.split(":")[1].split()[0])
        if start is None or end is None:
            die("cannot read run.start_year / run.end_year from `osteosim check`")
        year = a.year or (start + end) // 2
        years = sorted({start, year, year + 1})
        fa_path, fb_path = os.path.join(tmp, "a.h5"), os.path.join(tmp, "b.h5")
        run(a.osteosim, a.scenario, fa_path, a.agents, years, a.threads, a.sets)
        now = used(fa_path, BONE + mkeys)
        zero = ["%s=0" % k for k in BONE[:2]] + ["muscle.loss.%s_%s=0" % (m, s) for m in MEASURES for s in SEXES]
        run(a.osteosim, a.scenario, fb_path, a.agents, years, a.threads, a.sets + zero)
        derived = {}
        with h5py.File(fa_path, "r") as fa, h5py.File(fb_path, "r") as fb:
            L, w = residual_rates(fa, fb, start, year, "bone",
                                  [now["bone.loss.female"], now["bone.loss.male"]],
                                  [now["bone.loss.age_accel_female"], now["bone.loss.age_accel_male"]])
            for s, sname in enumerate(SEXES):
                loss, accel = fit(L, w, [s])
                derived["bone.loss.%s" % sname] = loss[s]
                derived["bone.loss.age_accel_%s" % sname] = accel
            for m in MEASURES:
                nl = [now["muscle.loss.%s_%s" % (m, s)] for s in SEXES]
                na = [now["muscle.loss.age_accel_%s" % m]] * 2
                L, w = residual_rates(fa, fb, start, year, m, nl, na)
                loss, accel = fit(L, w, [0, 1])
                for s, sname in enumerate(SEXES):
                    derived["muscle.loss.%s_%s" % (m, sname)] = loss[s]
                derived["muscle.loss.age_accel_%s" % m] = accel
    if a.yaml:
        print(" ".join("--set %s=%.3g" % (k, v) for k, v in derived.items()))
        return 0
    print("ageing rates of %s (%d agents, driver mix of %d; docs/countries.md)" % (a.scenario, a.agents, year))
    print("%-34s %12s %12s %9s" % ("key", "current", "derived", "diff %"))
    for k, v in derived.items():
        c = now[k]
        d = 100.0 * (v - c) / abs(c) if c else float("nan")
        print("%-34s %12.5g %12.5g %+9.1f" % (k, c, v, d))
    print("rate at age 70 (loss50 (1 + 20 accel)):")
    pairs = [("bone.loss.%s" % s, "bone.loss.age_accel_%s" % s) for s in SEXES] + \
            [("muscle.loss.%s_%s" % (m, s), "muscle.loss.age_accel_%s" % m) for m in MEASURES for s in SEXES]
    for lk, ak in pairs:
        c = now[lk] * max(0.0, 1 + 20 * now[ak])
        v = derived[lk] * max(0.0, 1 + 20 * derived[ak])
        print("%-34s %12.5g %12.5g %+9.1f" % (lk + " @70", c, v, 100.0 * (v - c) / c if c else float("nan")))
    if a.write:
        write_values(a.write, derived)
        print("wrote %s" % a.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
