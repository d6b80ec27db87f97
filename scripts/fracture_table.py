#!/usr/bin/python3
"""Fracture burden of a run against its targets and published projections.

    /usr/bin/python3 scripts/fracture_table.py OUT.h5 [--year 2025] [--markdown FILE]

Prints, for the reference arm of OUT.h5:
  1. incidence per 100,000 person-years by site, sex and age group in YEAR
     against the targets of scripts/derive_fracture_targets.py (the same
     numbers as configs/countries/china/targets/china_fractures.yaml), with the run's Monte
     Carlo standard error;
  2. all-site and per-site fracture counts (ages 50+) in 2025, 2035 and 2050
     (those simulated) beside published national projections for China
     (validation: not fitted);
  3. prevalence of vertebral deformity by age group (women) beside the
     radiographic surveys the targets file names.
The model's values come from /summary only, so the table can be made for
any run, including one of an older version.
"""
import argparse
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import derive_fracture_targets as dft  # noqa: E402  (same folder)

SITES = ("hip", "vertebral", "wrist", "other")
SEX_CODE = {"female": 0, "male": 1}
# Published projections of osteoporotic fractures in China, ages 50+
# (validation only).  Si 2015 used constant age-specific rates.
PROJECTIONS = {
    2035: ("all sites", 4.83e6, "Si L 2015 Osteoporos Int 26:1929 (4.83 M in 2035 [unverified])"),
    2050: ("all sites", 5.99e6, "Si L 2015 Osteoporos Int 26:1929: 5.99 M (5.44-6.55) in 2050"),
}
HIP_2050_65PLUS = (1.3e6, "Gong XF 2021 Osteoporos Int 32:1785: 1.3 M hip fractures at 65+ in 2050")


def load_summary(path):
    try:
        with h5py.File(path, "r") as f:
            s = {k: v[:] for k, v in f["summary"].items()}
    except (OSError, KeyError) as e:
        sys.exit(f"fracture_table: {path}: not an osteosim output with /summary ({e})")
    arm0 = s["arm"][0]
    keep = s["arm"] == arm0
    return {k: v[keep] for k, v in s.items()}


def rows(s, year, sex, lo, hi):
    m = (s["year"] == year) & (s["age_lo"] >= lo) & (s["age_lo"] < hi)
    if sex is not None:
        m &= s["sex"] == SEX_CODE[sex]
    return m


def incidence(s, column, year, sex, lo, hi):
    """Per 100,000 and its Monte Carlo standard error (Poisson)."""
    m = rows(s, year, sex, lo, hi)
    if column not in s or not m.any():
        return np.nan, np.nan
    pop, n = s["population"][m].sum(), s[column][m].sum()
    w = pop / max(s["agents"][m].sum(), 1)
    return n / pop * 1e5, np.sqrt(n * w) / pop * 1e5


def age_label(lo, hi):
    return f"{lo}+" if hi >= 200 else f"{lo}-{hi - 1}"


def file_targets(path):
    """Incidence targets of a targets file (a country pack's NAME_fractures.yaml)."""
    import yaml  # python3-yaml, installed by scripts/setup.sh
    with open(path) as f:
        doc = yaml.safe_load(f) or {}
    return [{"column": t["column"], "sex": t["sex"], "age": tuple(t["age"]),
             "value": float(t["value"]), "tol": float(t["tolerance"])}
            for t in doc.get("targets", []) if t.get("measure") == "incidence"]


def incidence_table(s, year, targets_file=None):
    if targets_file:
        targets = file_targets(targets_file)
    else:
        pop, g, hip, rates, ratio, m = dft.derive()
        targets = dft.targets(pop, rates)
    out = ["| site | sex | age | model | MC s.e. | target | tolerance | within |",
           "|---|---|---|---|---|---|---|---|"]
    for t in targets:
        v, se = incidence(s, t["column"], year, t["sex"], *t["age"])
        d = abs(v - t["value"])
        ok = "yes" if d <= t["tol"] else ("yes (MC error)" if d <= t["tol"] + 2 * se else "NO")
        site = t["column"].replace("fractures_", "")
        out.append(f"| {site} | {t['sex']} | {age_label(*t['age'])} | {v:.0f} | {se:.0f} | "
                   f"{t['value']:.0f} | ±{t['tol']:.0f} | {ok} |")
    return out


def count(s, column, year, lo=50):
    m = rows(s, year, None, lo, 200)
    return s[column][m].sum() if column in s and m.any() else np.nan


def totals_table(s, published=True):
    years = [y for y in (2025, 2035, 2050) if (s["year"] == y).any()]
    out = ["| year | hip | vertebral (clinical) | wrist | other | all sites | published (validation) |",
           "|---|---|---|---|---|---|---|"]
    for y in years:
        c = [count(s, "fractures_" + k, y) for k in SITES]
        pub = PROJECTIONS.get(y) if published else None
        ptxt = f"{pub[1] / 1e6:.2f} M ({pub[2]})" if pub else ""
        out.append(f"| {y} | " + " | ".join(f"{v / 1e6:.2f} M" for v in c) +
                   f" | {sum(c) / 1e6:.2f} M | {ptxt} |")
    if 2050 in years and published:
        h = count(s, "fractures_hip", 2050, lo=65)
        out.append(f"\nHip fractures at 65+ in 2050: model {h / 1e6:.2f} M; {HIP_2050_65PLUS[1]}.")
    return out


def deformity_table(s, year, published_values=True):
    if "vertebral_deformity" not in s:
        return ["(this run has no vertebral_deformity column)"]
    out = ["| sex | age | model prevalence | published |", "|---|---|---|---|"]
    published = {t["age"]: t for t in dft.VALIDATION
                 if t["column"] == "vertebral_deformity"} if published_values else {}
    for sex in ("female", "male"):
        for lo, hi in ((50, 60), (60, 70), (70, 80), (80, 200)):
            m = rows(s, year, sex, lo, hi)
            p = s["vertebral_deformity"][m].sum() / s["population"][m].sum()
            t = published.get((lo, hi)) if sex == "female" else None
            ptxt = f"{t['value']:.3f} ± {t['tol']:.2f} ({t['source'].split(';')[0]})" if t else ""
            out.append(f"| {sex} | {age_label(lo, hi)} | {p:.3f} | {ptxt} |")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("output", help="osteosim output file (OUT.h5)")
    ap.add_argument("--year", type=int, default=dft.YEAR, help="year of the incidence table")
    ap.add_argument("--markdown", help="also write the tables to this file")
    ap.add_argument("--targets", help="a pack's incidence targets file (default: China's derivation, "
                    "with China's published projections and surveys beside the model)")
    a = ap.parse_args()
    s = load_summary(a.output)
    if not (s["year"] == a.year).any():
        sys.exit(f"fracture_table: {a.output}: year {a.year} was not simulated")
    text = "\n".join(
        [f"Incidence per 100,000 person-years, {a.year}:", ""] + incidence_table(s, a.year, a.targets) +
        ["", "Fractures at ages 50+:", ""] + totals_table(s, not a.targets) +
        ["", f"Prevalence of vertebral deformity, {a.year}:", ""] +
        deformity_table(s, a.year, not a.targets)) + "\n"
    sys.stdout.write(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
