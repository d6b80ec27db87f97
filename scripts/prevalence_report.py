#!/usr/bin/python3
"""Prevalence of osteoporosis, sarcopenia and osteosarcopenia by sex and age
group, the odds ratio between sarcopenia and osteoporosis, and the yearly
events (falls, fractures by site, deaths, costs, QALYs) with hip fracture
incidence per 100,000 by sex and age band.

usage: /usr/bin/python3 scripts/prevalence_report.py OUT.h5 [--years 2025 2050]

Prevalences come from /summary (weighted persons / population, arm 0).
Odds ratios come from the per-agent snapshot /cohort/<year>/dx (weighted by
`weight`), so the year must be one of output.cohort_years.
"""
import argparse
import sys

import h5py
import numpy as np

GROUPS = [("50-64", 50, 65), ("65-79", 65, 80), ("80+", 80, 1000), ("50+", 50, 1000), ("65+", 65, 1000)]
COLUMNS = ["osteopenia", "osteoporosis", "sarcopenia_ewgsop2", "sarcopenia_awgs2019",
           "osteosarcopenia_ewgsop2", "osteosarcopenia_awgs2019",
           "osteosarcopenia_broad_ewgsop2", "osteosarcopenia_broad_awgs2019"]
# Bits of the dx column (models/diagnosis.h).
DX_OSTEOPOROSIS = 1 << 1
DX_SARC_EW = 1 << 3
DX_SARC_AWGS = 1 << 5


def prevalence(s, col, year, sex, lo, hi):
    sel = (s["arm"] == 0) & (s["year"] == year) & (s["age_lo"] >= lo) & (s["age_lo"] < hi)
    if sex is not None:
        sel &= s["sex"] == sex
    pop = s["population"][sel].sum()
    return 100.0 * s[col][sel].sum() / pop if pop > 0 else float("nan")


def odds_ratio(dx, w, sarc_bit, sel):
    """Weighted odds ratio of osteoporosis between sarcopenic and not, with a
    95% interval from the agent counts (Woolf)."""
    a = dx & sarc_bit != 0
    b = dx & DX_OSTEOPOROSIS != 0
    cells = []
    for x in (True, False):
        for y in (True, False):
            m = sel & (a == x) & (b == y)
            cells.append((w[m].sum(), m.sum()))
    (w11, n11), (w10, n10), (w01, n01), (w00, n00) = cells
    if min(w11, w10, w01, w00) <= 0:
        return float("nan"), float("nan"), float("nan")
    orr = (w11 * w00) / (w10 * w01)
    se = np.sqrt(1 / n11 + 1 / n10 + 1 / n01 + 1 / n00)
    return orr, orr * np.exp(-1.96 * se), orr * np.exp(1.96 * se)


EVENTS = ["falls", "fallers", "fractures_hip", "fractures_vertebral", "fractures_wrist",
          "fractures_other", "hospital_days", "deaths", "cost", "cost_discounted",
          "life_years", "qaly", "qaly_discounted"]
HIP_BANDS = [("50-54", 50, 55), ("55-64", 55, 65), ("65-74", 65, 75), ("75-84", 75, 85),
             ("85+", 85, 1000), ("55+", 55, 1000)]


def total(s, col, year, sex, lo=50, hi=1000):
    sel = (s["arm"] == 0) & (s["year"] == year) & (s["age_lo"] >= lo) & (s["age_lo"] < hi)
    if sex is not None:
        sel &= s["sex"] == sex
    return s[col][sel].sum()


def print_events(s, year):
    cols = [c for c in EVENTS if c in s]
    print(f"\nEvents during {year} (1 July {year} to 1 July {year + 1}), reference arm, ages 50+")
    print(f"{'outcome':18} {'women':>18} {'men':>18} {'both':>18}")
    for c in cols:
        print(f"{c:18} " + " ".join(f"{total(s, c, year, x):18.6g}" for x in (0, 1, None)))
    if "fractures_hip" in s:
        print(f"Hip fracture incidence per 100,000 person-years, {year} "
              "(targets: women 55+ 177.1, men 55+ 99.2; Zhang C 2020, urban China 2016)")
        print(f"{'age':8} {'women':>10} {'men':>10}")
        for name, lo, hi in HIP_BANDS:
            vals = [1e5 * total(s, "fractures_hip", year, x, lo, hi) /
                    max(total(s, "population", year, x, lo, hi), 1) for x in (0, 1)]
            print(f"{name:8} {vals[0]:10.1f} {vals[1]:10.1f}")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("h5")
    ap.add_argument("--years", type=int, nargs="+", default=None)
    a = ap.parse_args(argv)
    f = h5py.File(a.h5, "r")
    s = {k: f["summary"][k][:] for k in f["summary"].keys()}
    years = a.years or [int(s["year"].min()), int(s["year"].max())]
    cols = [c for c in COLUMNS if c in s]
    for year in years:
        print(f"\nPrevalence (% of persons), {year}, reference arm")
        print(f"{'sex':6} {'age':6} " + " ".join(f"{c[:24]:>24}" for c in cols))
        for sex, label in ((0, "women"), (1, "men"), (None, "both")):
            for name, lo, hi in GROUPS:
                vals = [prevalence(s, c, year, sex, lo, hi) for c in cols]
                print(f"{label:6} {name:6} " + " ".join(f"{v:24.1f}" for v in vals))
        key = f"cohort/{year}"
        if key in f and "dx" in f[key]:
            g = f[key]
            dx, w, sex, age = g["dx"][:].astype(np.int64), g["weight"][:].astype(float), g["sex"][:], g["age"][:]
            print(f"Odds ratio of osteoporosis, sarcopenic vs not, {year} (weighted; 95% CI from agent counts)")
            for label, sel in (("women 50+", sex == 0), ("men 50+", sex == 1), ("all 50+", age >= 0),
                               ("all 65+", age >= 65)):
                for dname, bit in (("EWGSOP2", DX_SARC_EW), ("AWGS 2019", DX_SARC_AWGS)):
                    orr, lo, hi = odds_ratio(dx, w, bit, sel)
                    print(f"  {label:10} {dname:10} OR {orr:6.2f}  ({lo:.2f}-{hi:.2f})")
        else:
            print(f"(no /cohort/{year}/dx: odds ratio needs a cohort snapshot that year)")
        print_events(s, year)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
