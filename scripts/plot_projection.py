#!/usr/bin/python3
"""Figures of a projection: PNG files under results/ (or --outdir).

usage: /usr/bin/python3 scripts/plot_projection.py OUT.h5 [--outdir DIR]

Writes, for the reference arm (the first in /summary), by sex and year,
named after the input file (results/foo.h5 -> results/foo-population.png):
  <file>-population.png   persons aged 50+, 65+ and 80+
  <file>-prevalence.png   osteoporosis, sarcopenia (EWGSOP2, AWGS 2019),
                          osteosarcopenia, as % of the population 50+
  <file>-events.png       falls, fractures by site and deaths (counts)
Panels whose columns the run does not have are left out.
"""
import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from plotlib import save, stem, text  # noqa: E402

SEXES = {0: "women", 1: "men"}


def load_summary(path):
    with h5py.File(path, "r") as f:
        s = {k: f["summary"][k][:] for k in f["summary"].keys()}
        name = f.attrs.get("scenario", os.path.splitext(os.path.basename(path))[0])
    return s, text(name)


def by_year(s, col, sex, age_min=50):
    """Total of COL per year for the reference arm (its rows come first),
    one sex, ages >= AGE_MIN."""
    sel = (s["arm"] == s["arm"][0]) & (s["sex"] == sex) & (s["age_lo"] >= age_min)
    years = np.unique(s["year"][sel])
    tot = np.array([s[col][sel & (s["year"] == y)].sum() for y in years])
    return years, tot


def plot_population(s, name, outdir, file):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for sex, label in SEXES.items():
        for age, style in ((50, "-"), (65, "--"), (80, ":")):
            y, v = by_year(s, "population", sex, age)
            ax.plot(y, v / 1e6, style, color="C%d" % sex, label=f"{label} {age}+")
    ax.set_xlabel("year (1 July)")
    ax.set_ylabel("persons (millions)")
    ax.set_title(f"{name}: projected population")
    ax.legend(ncol=2, fontsize=8)
    ax.grid(alpha=0.3)
    return save(fig, outdir, file, "population")


def plot_prevalence(s, name, outdir, file):
    cols = [c for c in ("osteoporosis", "sarcopenia_ewgsop2", "sarcopenia_awgs2019",
                        "osteosarcopenia_ewgsop2", "osteosarcopenia_awgs2019") if c in s]
    if not cols:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    for sex, ax in zip(SEXES, axes):
        y, pop = by_year(s, "population", sex)
        for c in cols:
            _, v = by_year(s, c, sex)
            ax.plot(y, 100 * v / np.maximum(pop, 1), label=c)
        ax.set_title(f"{SEXES[sex]} 50+")
        ax.set_xlabel("year (1 July)")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("prevalence (% of persons 50+)")
    axes[1].legend(fontsize=8)
    fig.suptitle(f"{name}: projected prevalence")
    return save(fig, outdir, file, "prevalence")


def plot_events(s, name, outdir, file):
    cols = [c for c in ("falls", "fractures_hip", "fractures_vertebral", "fractures_wrist",
                        "fractures_other", "deaths") if c in s]
    if not cols:
        return None
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    for sex, ax in zip(SEXES, axes):
        for c in cols:
            y, v = by_year(s, c, sex)
            ax.plot(y, v / 1e6, label=c)
        ax.set_title(f"{SEXES[sex]} 50+")
        ax.set_xlabel("year")
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("events per year (millions)")
    axes[1].legend(fontsize=8)
    fig.suptitle(f"{name}: projected events")
    return save(fig, outdir, file, "events")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("h5")
    ap.add_argument("--outdir", default="results")
    a = ap.parse_args(argv)
    try:
        s, name = load_summary(a.h5)
    except (OSError, KeyError) as e:
        print(f"plot_projection: {a.h5}: cannot read /summary ({e})", file=sys.stderr)
        return 1
    for fn in (plot_population, plot_prevalence, plot_events):
        path = fn(s, name, a.outdir, stem(a.h5))
        if path:
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
