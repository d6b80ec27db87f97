#!/usr/bin/python3
"""Figures comparing the arms of a run: PNG files under results/ (or --outdir).

usage: /usr/bin/python3 scripts/plot_arms.py OUT.h5 [--outdir DIR]

Writes, named after the input file (results/foo.h5 -> results/foo-arms.png):
  <file>-arms.png      hip fractures, all fractures, falls and AWGS 2019
                       osteosarcopenia prevalence per year, one line per arm
  <file>-ce-plane.png  incremental discounted QALYs and costs against the
                       reference arm (/economics), with the PSA draws as a
                       cloud when the run has /psa, and the willingness-to-pay
                       thresholds as lines
  <file>-ceac.png      cost-effectiveness acceptability curves (/psa/ceac);
                       only for runs with --psa
The projection by sex (prevalence, events) is scripts/plot_projection.py.
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


def labels(attr):
    """'0=a,1=b' -> {0: 'a', 1: 'b'}"""
    out = {}
    for item in text(attr).split(","):
        k, v = item.split("=", 1)
        out[int(k)] = v
    return out


def load(path):
    with h5py.File(path, "r") as f:
        s = {k: f["summary"][k][:] for k in f["summary"].keys()}
        arms = labels(f["summary/arm"].attrs["labels"])
        e = {k: f["economics"][k][:] for k in f["economics"] if isinstance(f["economics"][k], h5py.Dataset)} \
            if "economics" in f else None
        wtp = f["economics/thresholds/wtp"][:] if e is not None and "thresholds" in f["economics"] else []
        money = text(f["economics"].attrs.get("currency", "")) if e is not None else ""
        psa = None
        if "psa" in f:
            g = f["psa"]
            psa = {k: g[k][:] for k in g if isinstance(g[k], h5py.Dataset)}
            psa["ceac"] = {k: g["ceac"][k][:] for k in g["ceac"]}
        name = text(f.attrs.get("scenario", os.path.splitext(os.path.basename(path))[0]))
    return s, arms, e, wtp, money, psa, name


def per_year(s, col, arm):
    sel = s["arm"] == arm
    years = np.unique(s["year"][sel])
    return years, np.array([s[col][sel & (s["year"] == y)].sum() for y in years])


def plot_arms(s, arms, name, outdir, file):
    panels = [("fractures_hip", "hip fractures per year (thousands)", 1e3),
              (("fractures_hip", "fractures_vertebral", "fractures_wrist", "fractures_other"),
               "fractures per year, all sites (millions)", 1e6),
              ("falls", "falls per year (millions)", 1e6),
              ("osteosarcopenia_awgs2019", "osteosarcopenia, AWGS 2019 (% of 50+)", None)]
    fig, axes = plt.subplots(2, 2, figsize=(11, 8))
    for ax, (cols, title, scale) in zip(axes.flat, panels):
        cols = cols if isinstance(cols, tuple) else (cols,)
        if not all(c in s for c in cols):
            ax.set_visible(False)
            continue
        for a, label in arms.items():
            y = None
            v = 0
            for c in cols:
                y, t = per_year(s, c, a)
                v = v + t
            if scale is None:
                _, pop = per_year(s, "population", a)
                v = 100 * v / np.maximum(pop, 1)
            else:
                v = v / scale
            ax.plot(y, v, label=label, lw=2 if a == s["arm"][0] else 1.2)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("year")
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"{name}: arms side by side")
    return save(fig, outdir, file, "arms")


def plot_plane(arms, e, wtp, money, psa, name, outdir, file):
    if e is None:
        return None
    fig, ax = plt.subplots(figsize=(7.5, 6))
    ref = int(e["arm"][int(np.argmax(e["dominance"] == 3))])
    for i, a in enumerate(e["arm"]):
        a = int(a)
        if a == ref:
            continue
        color = f"C{i % 10}"
        if psa is not None:
            sel = psa["arm"] == a
            ax.scatter(psa["incremental_qaly"][sel] / 1e6, psa["incremental_cost"][sel] / 1e9, s=8,
                       alpha=0.35, color=color)
        ax.scatter(e["incremental_qaly"][i] / 1e6, e["incremental_cost"][i] / 1e9, s=60, color=color,
                   edgecolor="black", label=arms.get(a, str(a)), zorder=3)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    xs = np.array([min(x0, 0), max(x1, 0)])
    for k, w in enumerate(wtp):
        ax.plot(xs, w * xs * 1e6 / 1e9, ls=("--", ":", "-.")[k % 3], color="grey", lw=0.9,
                label=f"{w:,.0f} {money}/QALY")
    ax.set_xlim(min(x0, 0), max(x1, 0))
    ax.set_ylim(min(y0, 0), max(y1, 0))
    ax.axhline(0, color="black", lw=0.6)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel("incremental QALYs (millions, discounted)")
    ax.set_ylabel(f"incremental cost (billion {money}, discounted)")
    ax.set_title(f"{name}: cost-effectiveness plane against {arms.get(ref, ref)}"
                 + (f" ({len(np.unique(psa['draw']))} PSA draws)" if psa is not None else ""), fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return save(fig, outdir, file, "ce-plane")


def plot_ceac(arms, wtp, money, psa, name, outdir, file):
    if psa is None:
        return None
    c = psa["ceac"]
    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    for a, label in arms.items():
        sel = c["arm"] == a
        ax.plot(c["wtp"][sel] / 1e3, c["probability"][sel], label=label)
    for w in wtp:
        ax.axvline(w / 1e3, color="grey", ls="--", lw=0.8)
    ax.set_xlabel(f"willingness to pay (thousand {money} per QALY)")
    ax.set_ylabel("probability cost-effective")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"{name}: acceptability curves ({len(np.unique(psa['draw']))} PSA draws)", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return save(fig, outdir, file, "ceac")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("h5")
    ap.add_argument("--outdir", default="results")
    a = ap.parse_args(argv)
    try:
        s, arms, e, wtp, money, psa, name = load(a.h5)
    except (OSError, KeyError) as ex:
        print(f"plot_arms: {a.h5}: cannot read /summary and /economics ({ex})", file=sys.stderr)
        return 1
    file = stem(a.h5)  # figures are named after the input file
    paths = [plot_arms(s, arms, name, a.outdir, file),
             plot_plane(arms, e, wtp, money, psa, name, a.outdir, file),
             plot_ceac(arms, wtp, money, psa, name, a.outdir, file)]
    for p in paths:
        if p:
            print(p)
    if psa is None:
        print("plot_arms: no /psa in this file (run with --psa N): no PSA cloud and no acceptability curve",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
