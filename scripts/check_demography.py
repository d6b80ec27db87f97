#!/usr/bin/python3
"""Compare an osteosim run with the UN WPP projection it starts from.

Usage: check_demography.py OUT.h5 SHARED_DATA_DIR [--arm N] [--tol PCT]

Prints mid-year (1 July) population aged 50+, 65+ and 80+ by sex in 2030,
2040 and 2050: model (/summary, sum of the bands with age_lo at or above
the threshold) vs WPP 2024 (china_population_2025_2050.csv), with the %
difference.  Exits 1 when any difference exceeds --tol (default 2%).
"""
import argparse
import csv
import os
import sys

import h5py
import numpy as np

SEXES = ("female", "male")  # /summary sex codes 0, 1
THRESHOLDS = (50, 65, 80)
YEARS = (2030, 2040, 2050)


def wpp_population(data_dir):
    pop = {}
    with open(os.path.join(data_dir, "china_population_2025_2050.csv"), newline="") as f:
        for r in csv.DictReader(f):
            key = (int(r["year"]), r["sex"], int(r["age"]))
            pop[key] = float(r["population"])
    return pop


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("output")
    ap.add_argument("data_dir")
    ap.add_argument("--arm", type=int, default=0)
    ap.add_argument("--tol", type=float, default=2.0, help="largest |%% difference| accepted")
    a = ap.parse_args()
    with h5py.File(a.output, "r") as h:
        s = h["summary"]
        year, arm, sex = s["year"][:], s["arm"][:], s["sex"][:]
        age_lo, popn = s["age_lo"][:], s["population"][:]
    wpp = wpp_population(a.data_dir)
    print("%-6s %-6s %-4s %14s %14s %8s" % ("year", "sex", "ages", "model", "WPP 2024", "diff %"))
    worst = 0.0
    for y in YEARS:
        for si, sname in enumerate(SEXES):
            for t in THRESHOLDS:
                sel = (year == y) & (arm == a.arm) & (sex == si) & (age_lo >= t)
                if not sel.any():
                    print("%-6d %-6s %3d+ %14s" % (y, sname, t, "not simulated"))
                    continue
                model = float(np.sum(popn[sel]))
                ref = sum(v for (yy, ss, aa), v in wpp.items() if yy == y and ss == sname and aa >= t)
                d = 100.0 * (model - ref) / ref
                worst = max(worst, abs(d))
                print("%-6d %-6s %3d+ %14.0f %14.0f %+8.2f" % (y, sname, t, model, ref, d))
    print("largest |difference|: %.2f%% (tolerance %.1f%%)" % (worst, a.tol))
    return 0 if worst <= a.tol else 1


if __name__ == "__main__":
    sys.exit(main())
