#!/usr/bin/python3
"""Derive the 2025 fracture-incidence calibration targets for China.

Usage: derive_fracture_targets.py [-o FILE] [--table]

Method (docs/events.md, "Incidence targets by site, sex and age"):

1. Hip.  Chinese hip fracture incidence by 5-year age band and sex is
   log-linear in age, hip(a) = c_sex * G ** ((a - 77.5) / 10).  G (one
   gradient for both sexes) is solved so that the mean age of hip fracture
   patients aged 55+ is 77.05 years, and c_sex so that the crude 55+ rates
   are 177.13 (women) and 99.15 (men) per 100,000 (Zhang C 2020, urban
   China 2016).  Weights: China 2025 population (WPP 2024), the year the
   existing hip targets (china_events.yaml) are compared with.  The 50-54
   band is extrapolated.
2. Other sites.  The standard method of the osteoporosis-model literature
   (Kanis 2001, IOF EU reports, FRAX): site incidence = hip incidence times
   an age- and sex-specific site-to-hip ratio from Malmo, Sweden.  The
   Malmo age tables themselves were not found in a readable source, so the
   ratios are rebuilt: each site's incidence is log-linear in age with an
   assumed gradient per decade (SITE_GRADIENT, [unverified], the Malmo
   pattern of ratios falling with age), and the level is set so that the
   ratio of lifetime risks equals Malmo's (Kanis 2000, verified: women
   forearm/spine/shoulder/hip 21.5/15.4/13.3/23.3 %, men 5.2/8.6/4.4/11.2
   %).  "Other" (humerus, pelvis, rib and other non-hip non-vertebral
   fractures) has the humerus ratio scaled so that, over China's 2025 hip
   fractures, it is 2.90 per hip fracture, the EU27 2010 ratio of the same
   method (1.8 M other / 0.62 M hip, Hernlund/Svedbom 2013).
3. 5-year bands are aggregated into 50-64, 65-79 and 80+ with China 2025
   population weights.  Tolerance = value * sqrt(u_hip^2 + u_ratio^2).
"""
import argparse
import csv
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "configs", "countries", "china", "data")
YEAR = 2025
SEXES = ("female", "male")
BANDS = list(range(50, 105, 5))          # first ages 50 ... 100 (100 = 100+)
MID = np.array([a + 2.5 if a < 100 else 102.0 for a in BANDS])
GROUPS = ((50, 65), (65, 80), (80, 200))

# Zhang C et al. 2020 PLoS Med 17:e1003180 doi:10.1371/journal.pmed.1003180
# (urban employee/resident insurance, 2016, per 100,000 PY, aged 55+; seen in
# the abstract): women 177.13 (139.93-214.33), men 99.15 (81.31-116.99);
# patients' mean age 77.05 (SD 8.94), 63.99 % female.  The age-specific
# table of the paper could not be read here: the age shape is fitted.
HIP_55PLUS = {"female": 177.13, "male": 99.15}
HIP_MEAN_AGE = 77.05
HIP_FEMALE_SHARE = 0.6399                # check only
# Gong XF et al. 2021 Osteoporos Int 32:1785 doi:10.1007/s00198-021-05849-y
# (HQMS inpatients 2013-16, abstract): 278 hip fractures per 100,000 aged 65+.
HIP_65PLUS_BOTH = 278.0                  # check only

# Kanis JA et al. 2000 Osteoporos Int 11:669 doi:10.1007/s001980070064
# (Malmo, abstract): lifetime risk at 45, % (shoulder = proximal humerus).
MALMO_LIFETIME = {
    "female": {"hip": 23.3, "vertebral": 15.4, "wrist": 21.5, "humerus": 13.3},
    "male": {"hip": 11.2, "vertebral": 8.6, "wrist": 5.2, "humerus": 4.4},
}
# Hernlund E / Svedbom A et al. 2013 Arch Osteoporos 8:136-137
# doi:10.1007/s11657-013-0136-1 (EU27 2010, abstract): 620,000 hip, 520,000
# vertebral, 560,000 forearm, 1,800,000 other fractures.
EU2010 = {"hip": 620e3, "vertebral": 520e3, "wrist": 560e3, "other": 1800e3}

# Assumed incidence gradient per decade of age at each site [unverified]:
# Malmo's forearm rates flatten after 65 while spine and humerus rise more
# slowly than hip, so all site/hip ratios fall with age (the decline is
# confirmed for Canada and Sweden by Leslie WD 2014 J Bone Miner Res
# 29:1067 doi:10.1002/jbmr.2146; its numbers were not seen).
SITE_GRADIENT = {"vertebral": 2.0, "wrist": 1.25, "humerus": 1.8, "other": 1.9}

# Relative uncertainty (1 SD-like, judgement): hip from Zhang's CI (+-21 %)
# and the fitted age shape (wider below 55, extrapolated, and at 80+, where the
# 2025 weights make the fitted gradient a lower bound); ratios from the
# Malmo transfer to China (Canadian/Swedish ratios differ up to 46 %, Leslie
# 2014) and the several-fold disagreement of Chinese sources (doc).
U_HIP = {(50, 65): 0.35, (65, 80): 0.20, (80, 200): 0.25}
U_RATIO = {"hip": 0.0, "vertebral": 0.45, "wrist": 0.45, "other": 0.55}
SITES = ("hip", "vertebral", "wrist", "other")
COLUMN = {s: "fractures_" + s for s in SITES}


def read_table_years(name):
    """{(year, sex, age): value} for every year of the pack's data/NAME."""
    with open(os.path.join(DATA, name)) as f:
        rows = csv.DictReader(line for line in f if not line.startswith("#"))
        return {(int(r["year"]), r["sex"], int(r["age"])): float(r["value"]) for r in rows}


def read_table(name):
    """{(sex, age): value} for YEAR from the pack's data/NAME."""
    return {(s, a): v for (y, s, a), v in read_table_years(name).items() if y == YEAR}


def fit_hip(pop):
    """(G, {sex: hip rate per band}) matching Zhang's 55+ rates and mean age."""
    w55 = MID >= 55

    def rates(g):
        shape = g ** ((MID - 77.5) / 10)
        return {s: HIP_55PLUS[s] * pop[s][w55].sum() / (shape * pop[s])[w55].sum() * shape
                for s in SEXES}

    def mean_age(g):
        r = rates(g)
        cases = sum(r[s] * pop[s] for s in SEXES) * w55
        return (cases * MID).sum() / cases.sum()

    lo, hi = 1.01, 10.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if mean_age(mid) < HIP_MEAN_AGE else (lo, mid)
    g = 0.5 * (lo + hi)
    return g, rates(g)


def site_rates(hip, g_hip, mx, pop):
    """{sex: {site: rate per band}} by the ratio method; also the ratios."""
    ratio = {s: {} for s in SEXES}
    for s in SEXES:
        surv = np.exp(-5 * np.concatenate(([0], np.cumsum(mx[s][:-1])))) * np.exp(-2.5 * mx[s])
        w = hip[s] * surv                       # lifetime weights of hip fractures
        for site in ("vertebral", "wrist", "humerus"):
            shape = (SITE_GRADIENT[site] / g_hip) ** ((MID - 77.5) / 10)
            target = MALMO_LIFETIME[s][site] / MALMO_LIFETIME[s]["hip"]
            ratio[s][site] = target * w.sum() / (w * shape).sum() * shape
    # other = humerus-level ratio, other's gradient, scaled to EU 2.90 per hip
    shape = {s: ratio[s]["humerus"][0] / (SITE_GRADIENT["humerus"] / g_hip) ** ((MID[0] - 77.5) / 10)
             * (SITE_GRADIENT["other"] / g_hip) ** ((MID - 77.5) / 10) for s in SEXES}
    hipcases = {s: hip[s] * pop[s] for s in SEXES}
    m = (EU2010["other"] / EU2010["hip"]) * sum(hipcases[s].sum() for s in SEXES) \
        / sum((hipcases[s] * shape[s]).sum() for s in SEXES)
    for s in SEXES:
        ratio[s]["other"] = m * shape[s]
        ratio[s]["hip"] = np.ones_like(MID)
    rates = {s: {site: hip[s] * ratio[s][site] for site in SITES} for s in SEXES}
    return rates, ratio, m


def group(values, pop, lo, hi):
    sel = (np.array(BANDS) >= lo) & (np.array(BANDS) < hi)
    return (values * pop)[sel].sum() / pop[sel].sum()


def derive():
    p, q = read_table("china_population.csv"), read_table("china_mortality.csv")
    pop = {s: np.array([p[(s, a)] for a in BANDS]) for s in SEXES}
    mx = {s: np.array([q[(s, a)] for a in BANDS]) for s in SEXES}
    g, hip = fit_hip(pop)
    rates, ratio, m = site_rates(hip, g, mx, pop)
    return pop, g, hip, rates, ratio, m


def fmt(v):
    return float(f"{v:.3g}") if v < 1000 else round(v)


HIP_SOURCE = ("Zhang C 2020 PLoS Med 17:e1003180 (urban China 2016, 55+ women 177.13 / men 99.15, "
              "mean age 77.05), log-linear age shape, China 2025 weights")


def site_source(site):
    return ("hip (Zhang C 2020) x Malmo site/hip ratio (level: Kanis 2000 Osteoporos Int "
            "11:669 lifetime risks; age slope [unverified]" +
            ("; scaled to EU 2010 other/hip 2.90, Hernlund 2013" if site == "other" else "") + ")")


def targets(pop, rates, u_hip=None, u_ratio=None, source=None):
    """Targets by site, sex and age group: the group's incidence, with a
    relative tolerance from the hip and site-ratio uncertainties (at least
    15 %).  U_HIP, U_RATIO and SOURCE(site) default to China's; another
    country's derivation (configs/countries/japan/derive.py) passes its own."""
    u_hip, u_ratio = u_hip or U_HIP, u_ratio or U_RATIO
    source = source or (lambda site: HIP_SOURCE if site == "hip" else site_source(site))
    out = []
    for site in SITES:
        for s in SEXES:
            for lo, hi in GROUPS:
                v = group(rates[s][site], pop[s], lo, hi)
                u = max(0.15, math.hypot(u_hip[(lo, hi)], u_ratio[site]))
                label = f"{lo}_{hi - 1}" if hi < 200 else f"{lo}plus"
                out.append(dict(name=f"{site}_fracture_{s[0]}_{label}", column=COLUMN[site],
                                sex=s, age=(lo, hi), value=fmt(v), tol=fmt(u * v),
                                source=source(site)))
    return out


VALIDATION = [  # weight 0, not fitted
    dict(name="vertebral_deformity_women_50_59", measure="prevalence", column="vertebral_deformity",
         sex="female", age=(50, 60), value=0.09, tol=0.05,
         source="Beijing women 50-59, radiographic: 5 % (1-9 %) Ling X 2000 J Bone Miner Res 15:2019; "
                "13.4 % Cui L 2017 Osteoporos Int 28:2583; midpoint, tolerance spans both"),
    dict(name="vertebral_deformity_women_80plus", measure="prevalence", column="vertebral_deformity",
         sex="female", age=(80, 200), value=0.475, tol=0.12,
         source="Beijing women 80+, radiographic: 37 % (27-46 %) Ling X 2000 J Bone Miner Res 15:2019; "
                "58.1 % Cui L 2017 Osteoporos Int 28:2583; midpoint, tolerance spans both"),
]


HEADER = """\
# Calibration targets: fracture incidence by site, sex and age group, China 2025.
# Format: sim/res_targets.h.  GENERATED - do not edit; regenerate with
#   /usr/bin/python3 scripts/derive_fracture_targets.py -o configs/countries/china/targets/china_fractures.yaml
# (derivation table: add --table).  Method and sources: docs/events.md.
#
# Hip: Zhang C 2020 PLoS Med 17:e1003180 (insurance claims, urban China 2016,
# 55+: women 177.13, men 99.15 per 100,000 PY; patients' mean age 77.05), with a
# log-linear age shape fitted to that mean age (gradient {g:.2f} per decade) and
# China 2025 (WPP 2024) weights.  Other sites: hip incidence x Malmo
# site-to-hip ratios (the IOF/FRAX method; Kanis 2001 Osteoporos Int 12:417),
# rebuilt from Malmo lifetime risks (Kanis 2000 Osteoporos Int 11:669) with
# assumed age slopes [unverified]; "other" scaled to the EU27 2010 ratio of
# 2.90 other fractures per hip fracture (Hernlund 2013 Arch Osteoporos 8:136).
# Trusted: the claims-based hip rates and the registry-based Malmo ratios.
# Not fitted to: self-report surveys (CNFS, Zhu 2020 Medicine 99:e18531: 213 /
# 120 per 100,000 PY for hip+wrist+spine together at 50+, barely above hip alone
# in claims data), which miss most non-hospitalised fractures.  Tolerances are
# wide (about 50 % for non-hip sites) because sources disagree several-fold.
# Values are per 100,000 person-years; weight-0 targets are validation only.
targets:
"""


def yaml_text(pop, g, rates):
    lines = [HEADER.format(g=g)]

    def emit(t, measure, weight):
        lines.append(f"  - name: {t['name']}\n    measure: {measure}\n    column: {t['column']}\n"
                     f"    year: {YEAR}\n    sex: {t['sex']}\n    age: [{t['age'][0]}, {t['age'][1]}]\n"
                     f"    value: {t['value']}\n    tolerance: {t['tol']}\n    weight: {weight}\n"
                     f"    source: \"{t['source']}\"\n")
    for t in targets(pop, rates):
        emit(t, "incidence", 1.0)
    lines.append("  # Validation only (weight 0, not fitted).\n")
    for t in VALIDATION:
        emit(t, t["measure"], 0)
    return "".join(lines)


def print_table(pop, g, hip, rates, ratio, m):
    w = sys.stdout.write
    w(f"hip age gradient G = {g:.3f} per decade (fitted to mean age {HIP_MEAN_AGE} of 55+ cases)\n")
    cases = {s: hip[s] * pop[s] for s in SEXES}
    sel55, sel65 = MID >= 55, MID >= 65
    fshare = cases["female"][sel55].sum() / sum(cases[s][sel55].sum() for s in SEXES)
    r65 = sum(cases[s][sel65].sum() for s in SEXES) / sum(pop[s][sel65].sum() for s in SEXES)
    w(f"check: female share of 55+ hip cases {fshare:.3f} (Zhang 2020: {HIP_FEMALE_SHARE}); "
      f"65+ both sexes {r65:.0f} per 100,000 (Gong 2021 HQMS: {HIP_65PLUS_BOTH:.0f})\n")
    w(f"'other' = humerus-level ratio x {m:.2f}\n\n")
    for s in SEXES:
        w(f"{s}: per 100,000 PY (site/hip ratio)\n  age   pop(M)     hip" +
          "".join(f"{x:>18}" for x in SITES[1:]) + "\n")
        for i, a in enumerate(BANDS):
            w(f"  {a:<4}{pop[s][i] / 1e6:8.1f}{hip[s][i]:8.1f}" +
              "".join(f"{rates[s][x][i]:9.1f} ({ratio[s][x][i]:5.2f})" for x in SITES[1:]) + "\n")
        for lo, hi in GROUPS:
            label = f"{lo}-{hi - 1}" if hi < 200 else f"{lo}+"
            w(f"  {label:<12}{group(hip[s], pop[s], lo, hi):8.1f}" +
              "".join(f"{group(rates[s][x], pop[s], lo, hi):9.1f}{'':8}" for x in SITES[1:]) + "\n")
        w("\n")
    tot = {x: sum((rates[s][x] * pop[s]).sum() / 1e5 for s in SEXES) for x in SITES}
    w("China 2025, 50+ (counts): " + ", ".join(f"{x} {tot[x] / 1e6:.2f} M" for x in SITES) +
      f", total {sum(tot.values()) / 1e6:.2f} M\n")
    w("per hip fracture: " + ", ".join(f"{x} {tot[x] / tot['hip']:.2f}" for x in SITES[1:]) +
      " (EU27 2010, same method: " +
      ", ".join(f"{x} {EU2010[x] / EU2010['hip']:.2f}" for x in SITES[1:]) + ")\n")
    women = sum((rates["female"][x] * pop["female"]).sum() for x in SITES)
    men = sum((rates["male"][x] * pop["male"]).sum() for x in SITES)
    w(f"women:men fractures {women / men:.2f} (Si 2015: about 3)\n")
    p = read_table_years("china_population.csv")
    for y in (2035, 2050):
        py = {s: np.array([p[(y, s, a)] for a in BANDS]) for s in SEXES}
        all50 = sum((rates[s][x] * py[s]).sum() for s in SEXES for x in SITES) / 1e5
        hip65 = sum((hip[s] * py[s])[MID >= 65].sum() for s in SEXES) / 1e5
        w(f"{y} at 2025 rates: all sites 50+ {all50 / 1e6:.2f} M, hip 65+ {hip65 / 1e6:.2f} M\n")
    for s in SEXES:
        sel = MID >= 50
        three = sum((rates[s][x] * pop[s])[sel].sum() for x in ("hip", "vertebral", "wrist")) / pop[s][sel].sum()
        w(f"{s} 50+: hip+vertebral+wrist {three:.0f} per 100,000 (CNFS self-report, Zhu 2020: "
          f"{'213.1' if s == 'female' else '120.0'})\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", help="write the YAML here (default stdout)")
    ap.add_argument("--table", action="store_true", help="print the derivation table instead")
    args = ap.parse_args()
    pop, g, hip, rates, ratio, m = derive()
    if args.table:
        print_table(pop, g, hip, rates, ratio, m)
        return
    text = yaml_text(pop, g, rates)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
