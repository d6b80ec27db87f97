#!/usr/bin/python3
"""Derive Japan's fracture-incidence targets and a few starting values.

Usage: derive.py fractures [-o FILE] [--table]
       derive.py baselines

Run from the repository root; reads configs/countries/japan/data/ (WPP 2024
tables made by scripts/wpp_to_osteosim.py --name japan).

fractures (method of scripts/derive_fracture_targets.py, China's, with
Japanese inputs):
1. Japan's 2017 population aged 50+ by sex and 5-year group is projected
   back from WPP 2024's 2025 table: single ages split geometrically within
   each group, survival over 2017-2025 from the 2025-29 death rates times
   MX_BACK (1.1, because WPP's projected rates are lower than those of
   2017-24, which included the COVID-19 years; with 1.1 the back-projected
   65+ is 35.2 M, the official 1 Oct 2017 estimate 35.15 M [unverified]).
2. Hip: the age pattern of Tottori Prefecture (Hagino 2005 Osteoporos Int
   16:1963, all hip fractures 1998-2001: per 100,000 PY at 70-74, 75-79,
   80-84, 85+), log-linear below 85 with Tottori's 70-74 -> 80-84 gradient,
   the open 85+ group split with the gradient that reproduces Tottori's
   85+ rate on Japan's 2017 85+ ages; the level per sex so that 2017 cases
   aged 50+ equal the nationwide survey (Takusari 2021 JBMR Plus 5:e10428
   doi:10.1002/jbm4.10428: 149,300 women, 44,100 men; cases below 50,
   about 1-2 %, are ignored).  Check: mean age of the 2017 cases against
   82.6 years in Nagasaki 2005-14 (Koseki 2021 Arch Osteoporos
   doi:10.1007/s11657-021-00978-7, ages 35+).
3. Other sites: log-linear in age with the assumed gradients of China's
   script [unverified], level set so that each site's lifetime risk
   relative to hip is Malmo's (Kanis 2000 Osteoporos Int 11:669; the ratio
   method of scripts/derive_fracture_targets.py); other at the humerus
   level scaled to EU27 2010 2.90 other per hip (Hernlund 2013).  No
   Japanese population incidence of clinical vertebral, wrist or other
   fractures by age was read [unverified], so tolerances are wide.
4. 5-year bands aggregated to 50-64, 65-79, 80+ with Japan 2025 weights.

baselines: prints the vitamin D log-normal parameters fitted to ROAD's
25(OH)D shares, the femoral-neck BMD baseline means that give JPOS's
osteoporosis prevalence, and the 60-64 medians used as coupling references.
"""
import argparse
import csv
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "scripts"))
import derive_fracture_targets as dft  # noqa: E402  (the shared target layout)

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
SEXES = ("female", "male")
BANDS = list(range(50, 105, 5))
MID = np.array([a + 2.5 if a < 100 else 102.0 for a in BANDS])
GROUPS = ((50, 65), (65, 80), (80, 200))
YEAR = 2025
MX_BACK = 1.1

HIP_2017 = {"female": 149300.0, "male": 44100.0}     # Takusari 2021, 95% CI +-3 %
HIP_MEAN_AGE = 82.6                                  # Koseki 2021, Nagasaki (check only)
# Hagino H 2005 Osteoporos Int 16:1963 doi:10.1007/s00198-005-1974-5 (all hip
# fractures in Tottori Prefecture 1998-2001, abstract): per 100,000 PY at
# 70-74, 75-79, 80-84 and 85+.
TOTTORI = {"female": (249.1, 505.8, 1115.4, 2066.4), "male": (108.0, 209.0, 449.1, 780.0)}
MALMO_LIFETIME = {
    "female": {"hip": 23.3, "vertebral": 15.4, "wrist": 21.5, "humerus": 13.3},
    "male": {"hip": 11.2, "vertebral": 8.6, "wrist": 5.2, "humerus": 4.4},
}
EU2010 = {"hip": 620e3, "vertebral": 520e3, "wrist": 560e3, "other": 1800e3}
SITE_GRADIENT = {"vertebral": 2.0, "wrist": 1.25, "humerus": 1.8, "other": 1.9}
U_HIP = {(50, 65): 0.35, (65, 80): 0.20, (80, 200): 0.20}
U_RATIO = {"hip": 0.0, "vertebral": 0.60, "wrist": 0.50, "other": 0.55}
SITES = ("hip", "vertebral", "wrist", "other")


def read(name):
    out = {}
    with open(os.path.join(DATA, name)) as f:
        for r in csv.DictReader(line for line in f if not line.startswith("#")):
            out[(int(r["year"]), r["sex"], int(r["age"]))] = float(r["value"])
    return out


POP, MX = read("japan_population.csv"), read("japan_mortality.csv")
ALL = sorted({a for (_, _, a) in POP})                     # 45 ... 100


def pop_year(sex, year=YEAR):
    return np.array([POP[(year, sex, a)] for a in BANDS])


def mx_at(sex, age):
    return MX[(YEAR, sex, min(100, age // 5 * 5))]


def back_project_2017(sex):
    """Japan 2017 population by 5-year band 50..100+ from the 2025 table."""
    p = [POP[(YEAR, sex, a)] for a in ALL]
    ages, vals = [], []
    for i, a in enumerate(ALL[:-1]):
        r = (p[i + 1] / p[i - 1]) ** 0.1 if i > 0 else (p[i + 1] / p[i]) ** 0.2
        w = np.array([r ** k for k in range(5)])
        for k in range(5):
            ages.append(a + k)
            vals.append(p[i] * w[k] / w.sum())
    w = np.array([0.7 ** k for k in range(15)])           # 100+: geometric tail
    for k in range(15):
        ages.append(100 + k)
        vals.append(p[-1] * w[k] / w.sum())
    out = np.zeros(len(BANDS))
    for a, n in zip(ages, vals):
        a17 = a - 8
        if a17 < 50:
            continue
        s = math.exp(-MX_BACK * sum(mx_at(sex, x) for x in range(a17, a)))
        out[BANDS.index(min(100, a17 // 5 * 5))] += n / s
    return out


def hip_shape(sex, pop17):
    """Relative hip incidence by band: Tottori's age pattern (TOTTORI)."""
    r = TOTTORI[sex]
    g = (r[2] / r[0]) ** (10 / 10.0)            # 70-74 -> 80-84: one decade
    shape = np.array([r[0] * g ** ((m - 72.5) / 10) for m in MID])
    shape[BANDS.index(75)] = r[1]
    shape[BANDS.index(80)] = r[2]
    old = np.array(BANDS) >= 85                 # split Tottori's open 85+ group
    lo, hi = 1.0, g
    for _ in range(60):
        g2 = 0.5 * (lo + hi)
        tail = r[2] * g2 ** ((MID[old] - 82.5) / 10)
        avg = (tail * pop17[old]).sum() / pop17[old].sum()
        lo, hi = (g2, hi) if avg < r[3] else (lo, g2)
    shape[old] = r[2] * g2 ** ((MID[old] - 82.5) / 10)
    return shape, g, g2


def fit_hip(pop17):
    """(G, {sex: rate per band}, {sex: (G below 85, G within 85+)})."""
    rates, grads = {}, {}
    for s in SEXES:
        shape, g, g2 = hip_shape(s, pop17[s])
        rates[s] = 1e5 * HIP_2017[s] / (shape * pop17[s]).sum() * shape
        grads[s] = (g, g2)
    # one gradient for the ratio method of the other sites: the case-weighted
    # log-linear slope over 50-89
    sel = MID < 90
    x = MID[sel]
    y = np.log(np.concatenate([rates[s][sel] for s in SEXES]))
    xx = np.concatenate([x, x])
    sx = np.concatenate([np.zeros(sel.sum()), np.ones(sel.sum())])
    A = np.column_stack([np.ones_like(xx), sx, (xx - 77.5) / 10])
    coef = np.linalg.lstsq(A, y, rcond=None)[0]
    return math.exp(coef[2]), rates, grads


def site_rates(hip, pop):
    """{sex: {site: rate per band}}: each non-hip site log-linear in age
    with its gradient (SITE_GRADIENT), its lifetime risk relative to hip set
    to Malmo's (the ratio method of China's script; with a log-linear hip it
    is the same), "other" at the humerus level scaled to 2.90 per hip."""
    x = (MID - 77.5) / 10
    level = {s: {} for s in SEXES}
    for s in SEXES:
        mx = np.array([mx_at(s, a) for a in BANDS])
        surv = np.exp(-5 * np.concatenate(([0], np.cumsum(mx[:-1])))) * np.exp(-2.5 * mx)
        for site in ("vertebral", "wrist", "humerus"):
            shape = SITE_GRADIENT[site] ** x
            target = MALMO_LIFETIME[s][site] / MALMO_LIFETIME[s]["hip"]
            level[s][site] = target * (hip[s] * surv).sum() / (shape * surv).sum()
    other = {s: level[s]["humerus"] * SITE_GRADIENT["other"] ** x for s in SEXES}
    m = (EU2010["other"] / EU2010["hip"]) * sum((hip[s] * pop[s]).sum() for s in SEXES) \
        / sum((other[s] * pop[s]).sum() for s in SEXES)
    out = {}
    for s in SEXES:
        out[s] = {"hip": hip[s], "other": m * other[s]}
        for site in ("vertebral", "wrist"):
            out[s][site] = level[s][site] * SITE_GRADIENT[site] ** x
    return out


HEADER = """\
# Calibration targets: fracture incidence by site, sex and age group, Japan 2025.
# Format: sim/res_targets.h.  GENERATED - do not edit; regenerate with
#   /usr/bin/python3 configs/countries/japan/derive.py fractures \\
#     -o configs/countries/japan/targets/japan_fractures.yaml
# (derivation table: add --table).  Method: the header of derive.py.
#
# Hip: Takusari 2021 JBMR Plus 5:e10428 (7th nationwide survey, 2017: 149,300
# women, 44,100 men, 95% CI about +-3 %), spread over age with the Tottori
# pattern (Hagino 2005 Osteoporos Int 16:1963, 1998-2001: women 249/506/1115/
# 2066, men 108/209/449/780 per 100,000 at 70-74/75-79/80-84/85+; gradient
# {gf:.2f} (women) and {gm:.2f} (men) per decade, extrapolated below 70) on Japan's
# 2017 population (WPP 2024 back-projected); Japan 2025 weights.  Compared
# with the simulated year 2025 assuming stable age-specific rates (Tamaki 2019
# Osteoporos Int 30:975: no change in women 2012-15, men rising slightly).
# Tolerance 20 % (35 % at 50-64, extrapolated).
# Other sites: lifetime risk relative to hip as in Malmo (Kanis 2000
# Osteoporos Int 11:669; age slopes [unverified]; "other" scaled to EU27 2010
# 2.90 per hip, Hernlund 2013), the method of China's targets: no Japanese
# age-specific incidence of clinical vertebral, wrist or other fractures was
# read [unverified], so tolerances are 50-60 %%.  Values are per 100,000 person-years.
targets:
"""


def source(site):
    if site == "hip":
        return ("Takusari 2021 JBMR Plus 5:e10428 (Japan 2017: women 149,300, men 44,100), "
                "Tottori age pattern (Hagino 2005 Osteoporos Int 16:1963), Japan 2025 weights")
    return ("hip (Takusari 2021) x Malmo site/hip ratio (Kanis 2000 Osteoporos Int 11:669; "
            "age slope [unverified]" +
            ("; scaled to EU 2010 other/hip 2.90, Hernlund 2013" if site == "other" else "") +
            "); no Japanese source read [unverified]")


def yaml_text(g, rates, pop, grads):
    """China's target layout (scripts/derive_fracture_targets.py) with Japan's
    rates, uncertainties and sources."""
    lines = [HEADER.format(gf=grads["female"][0], gm=grads["male"][0]).replace("%%", "%")]
    for t in dft.targets(pop, rates, U_HIP, U_RATIO, source):
        lo, hi = t["age"]
        lines.append(f"  - name: {t['name']}\n    measure: incidence\n"
                     f"    column: {t['column']}\n    year: {YEAR}\n    sex: {t['sex']}\n"
                     f"    age: [{lo}, {hi}]\n    value: {t['value']}\n    tolerance: {t['tol']}\n"
                     f"    weight: 1.0\n    source: \"{t['source']}\"\n")
    return "".join(lines)


def fractures(args):
    pop17 = {s: back_project_2017(s) for s in SEXES}
    pop = {s: pop_year(s) for s in SEXES}
    g, hip, grads = fit_hip(pop17)
    rates = site_rates(hip, pop)
    if args.table:
        w = sys.stdout.write
        tot = lambda lo: sum(pop17[s][np.array(BANDS) >= lo].sum() for s in SEXES) / 1e6
        w(f"2017 back-projected (M): 50+ {tot(50):.2f}, 65+ {tot(65):.2f}, 75+ {tot(75):.2f}, "
          f"80+ {tot(80):.2f}, 90+ {tot(90):.2f}\n")
        cases = sum(hip[s] * pop17[s] for s in SEXES)
        w(f"hip: Tottori gradient per decade below 85 / within 85+: " +
          ", ".join(f"{s} {grads[s][0]:.2f} / {grads[s][1]:.2f}" for s in SEXES) +
          f"; case-weighted log-linear G {g:.2f}; mean age of 2017 cases "
          f"{(cases * MID).sum() / cases.sum():.1f} (Nagasaki: {HIP_MEAN_AGE}); female share "
          f"{(hip['female'] * pop17['female']).sum() / cases.sum():.3f}\n")
        for s in SEXES:
            w(f"{s}: age pop2017(M) pop2025(M) hip vertebral wrist other (per 100,000)\n")
            for i, a in enumerate(BANDS):
                w(f"  {a:<4}{pop17[s][i] / 1e6:7.2f}{pop[s][i] / 1e6:7.2f}" +
                  "".join(f"{rates[s][x][i]:9.1f}" for x in SITES) + "\n")
        for y in (2025, 2030, 2040, 2050):
            n = sum((hip[s] * pop_year(s, y)).sum() for s in SEXES) / 1e5
            w(f"hip fractures 50+ at 2017 rates, {y}: {n:,.0f}\n")
        return
    text = yaml_text(g, rates, pop, grads)
    if args.output:
        tmp = args.output + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, args.output)
    else:
        sys.stdout.write(text)


def norm_cdf(x):
    return 0.5 * math.erfc(-x / math.sqrt(2))


def baselines(_args):
    w = sys.stdout.write
    # Vitamin D: ROAD (Yoshimura 2013 Osteoporos Int 24:2775), 1,683 adults:
    # 25(OH)D < 30 ng/mL (75 nmol/L) 82.5 % (81.3 insufficient + 1.2
    # deficient), < 10 ng/mL (25 nmol/L) 1.2 %.  Log-normal mixture with the
    # pack's low-sun share q and shift d; solve (mu, sigma) for both shares.
    q, d = 0.3, -0.4

    def share(mu, sg, cut):
        z = math.log(cut)
        return (1 - q) * norm_cdf((z - mu) / sg) + q * norm_cdf((z - mu - d) / sg)

    best = None
    for sg in np.arange(0.20, 0.60, 0.001):
        lo, hi = 2.0, 6.0
        for _ in range(60):
            mu = 0.5 * (lo + hi)
            lo, hi = (mu, hi) if share(mu, sg, 75) > 0.825 else (lo, mu)
        err = abs(share(mu, sg, 25) - 0.012)
        if best is None or err < best[0]:
            best = (err, mu, sg)
    _, mu, sg = best
    w(f"vitamin D: logsd {sg:.3f}, logmean (both sexes) {mu:.4f}; "
      f"share <50 nmol/L {share(mu, sg, 50):.3f}\n")
    # Sexes: women 64.6 % of ROAD's sample with insufficiency RRR 2.28 vs men:
    # split the 82.5 % as 88 % women / 72 % men (0.646*0.88 + 0.354*0.72 = 0.823).
    for s, target in (("female", 0.88), ("male", 0.72)):
        lo, hi = 2.0, 6.0
        for _ in range(60):
            m = 0.5 * (lo + hi)
            lo, hi = (m, hi) if share(m, sg, 75) > target else (lo, m)
        w(f"  logmean {s} {m:.4f} (<75 nmol/L {target}, <50 nmol/L {share(m, sg, 50):.3f})\n")
    # FN BMD baseline: normal(mean50 + slope*(age-50), sd); osteoporosis if
    # BMD <= ref_mean - 2.5 ref_sd.  JPOS: women 50-79 11.6 % (Iki 2001).
    ref = {"female": (0.787, 0.109), "male": (0.863, 0.12)}   # physiology.yaml bone.tscore
    # slopes and SDs: China's (no Japanese FN values by age were read)
    slope = {"female": -0.00717, "male": -0.00451}
    sd = {"female": 0.125, "male": 0.125}
    for s in SEXES:
        cut = ref[s][0] - 2.5 * ref[s][1]
        p = pop_year(s)

        def prev(m50, lo, hi):
            sel = (np.array(BANDS) >= lo) & (np.array(BANDS) < hi)
            pr = np.array([norm_cdf((cut - (m50 + slope[s] * (x - 50))) / sd[s]) for x in MID])
            return (pr * p)[sel].sum() / p[sel].sum()
        if s == "female":
            lo, hi = 0.4, 1.2
            for _ in range(60):
                m = 0.5 * (lo + hi)
                lo, hi = (m, hi) if prev(m, 50, 80) > 0.116 else (lo, m)
        else:
            m = 0.8615 * ref["male"][0] / 0.896      # China's fit scaled by the YAM ratio
        w(f"BMD {s}: mean50 {m:.4f} slope {slope[s]} sd {sd[s]}: prevalence 50-79 "
          f"{prev(m, 50, 80):.3f}, 50+ {prev(m, 50, 200):.3f}, 65+ {prev(m, 65, 200):.3f}, "
          f"70+ {prev(m, 70, 200):.3f}, 80+ {prev(m, 80, 200):.3f}; mean at 60-64 "
          f"{m + slope[s] * 12:.3f}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fractures")
    f.add_argument("-o", "--output")
    f.add_argument("--table", action="store_true")
    sub.add_parser("baselines")
    args = ap.parse_args()
    (fractures if args.cmd == "fractures" else baselines)(args)


if __name__ == "__main__":
    main()
