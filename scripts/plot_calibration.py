#!/usr/bin/python3
"""Diagnostics of a calibration posterior: PNG figures and a text summary.

usage: /usr/bin/python3 scripts/plot_calibration.py POSTERIOR.h5 [-o DIR]

POSTERIOR.h5 is the file `osteosim calibrate --method abc-smc -o FILE`
writes (docs/hdf5-schema.md, "Posterior files").  Writes, named after the
input file (posterior.h5 -> DIR/posterior-targets.png; DIR default results/):
  <file>-targets.png       each target's observed value and tolerance against
                           the posterior predictive interval (weighted 2.5-97.5 %
                           quantiles of /posterior/achieved), as residuals in
                           units of the target's scale
  <file>-marginals.png     posterior (weighted histogram) against the prior
                           (bounds, and its density when uniform) of the most
                           informed parameters
  <file>-correlations.png  the most correlated pairs of parameters (weighted
                           correlation), particles sized by weight
  <file>-ess.png           effective sample size, tolerance and acceptance by
                           generation
  <file>-summary.txt       effective sample size, and for the most informed
                           parameters the posterior mean, 95 % interval and
                           prior interval; the targets' predictive intervals
Parameters are ranked by how much the targets narrowed them: 1 - (width of
the posterior 95 % interval) / (width of the prior interval).
"""
import argparse
import os
import sys

import h5py
import numpy as np

from plotlib import plt, save, stem, text

MAX_PARAMS = 12  # marginals shown
MAX_PAIRS = 4    # correlation panels


def strings(d):
    return [text(v) for v in d[:]]


def load(path):
    with h5py.File(path, "r") as f:
        g = f["posterior"]
        p = {
            "params": strings(g["parameters"]),
            "samples": np.asarray(g["samples"][:], dtype=float),
            "weights": np.asarray(g["weights"][:], dtype=float),
            "achieved": np.asarray(g["achieved"][:], dtype=float),
            "targets": strings(g["targets/names"]),
            "value": np.asarray(g["targets/value"][:], dtype=float),
            "scale": np.asarray(g["targets/scale"][:], dtype=float),
            "lo": np.asarray(g["prior/lo"][:], dtype=float),
            "hi": np.asarray(g["prior/hi"][:], dtype=float),
            "dist": strings(g["prior/dist"]),
            "gen": {k: np.asarray(v[:], dtype=float) for k, v in g["generations"].items()}
            if "generations" in g else {},
            "attrs": {k: text(v) if isinstance(v, (bytes, str)) else v for k, v in g.attrs.items()},
        }
    n, k = p["samples"].shape
    if len(p["params"]) != k or len(p["weights"]) != n or p["achieved"].shape != (n, len(p["targets"])):
        raise KeyError("/posterior datasets of inconsistent shapes")
    w = p["weights"]
    p["weights"] = w / w.sum()
    return p


def wquantile(x, w, q):
    """Weighted quantiles of X (weights W): the inverse of the weighted
    empirical distribution function, at the midpoints of each weight."""
    o = np.argsort(x)
    x, w = x[o], w[o]
    c = np.cumsum(w) - 0.5 * w
    return np.interp(q, c, x)


def wcorr(x, y, w):
    mx, my = np.sum(w * x), np.sum(w * y)
    vx, vy = np.sum(w * (x - mx) ** 2), np.sum(w * (y - my) ** 2)
    return np.sum(w * (x - mx) * (y - my)) / np.sqrt(vx * vy) if vx > 0 and vy > 0 else 0.0


def ess(w):
    return 1.0 / np.sum(w ** 2)


def ranking(p):
    """Parameters by contraction (most informed first), with their stats."""
    rows = []
    w = p["weights"]
    for j, key in enumerate(p["params"]):
        x = p["samples"][:, j]
        lo, hi = wquantile(x, w, [0.025, 0.975])
        width = p["hi"][j] - p["lo"][j]
        shrink = 1 - (hi - lo) / width if width > 0 else float("nan")
        rows.append((key, j, float(np.sum(w * x)), lo, hi, shrink))
    return sorted(rows, key=lambda r: -np.nan_to_num(r[5], nan=-1))


def plot_targets(p, name, outdir, file):
    w, t = p["weights"], len(p["targets"])
    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.32 * t))
    for i in range(t):
        r = (p["achieved"][:, i] - p["value"][i]) / p["scale"][i]
        lo, med, hi = wquantile(r, w, [0.025, 0.5, 0.975])
        ax.plot([lo, hi], [i, i], color="tab:blue", lw=3, solid_capstyle="butt",
                label="posterior predictive 95 %" if i == 0 else None)
        ax.plot(med, i, "o", color="tab:blue", ms=4)
    ax.axvspan(-1, 1, color="tab:green", alpha=0.15, label="within tolerance (scale)")
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(range(t))
    ax.set_yticklabels(p["targets"], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("(model - observed) / scale")
    ax.set_title(f"{name}: targets against the posterior predictive", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    return save(fig, outdir, file, "targets")


def prior_density(dist, lo, hi):
    """A flat density for a uniform prior, else None (bounds only)."""
    return 1.0 / (hi - lo) if dist.strip().lower().startswith("uniform") and hi > lo else None


def plot_marginals(p, rank, name, outdir, file):
    show = rank[:MAX_PARAMS]
    cols = min(3, len(show))
    rows = (len(show) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(3.4 * cols, 2.5 * rows), squeeze=False)
    w = p["weights"]
    for ax, (key, j, mean, lo, hi, shrink) in zip(axes.flat, show):
        x = p["samples"][:, j]
        plo, phi = p["lo"][j], p["hi"][j]
        ax.axvspan(plo, phi, color="0.85", label="prior range")
        d = prior_density(p["dist"][j], plo, phi)
        if d:
            ax.hlines(d, plo, phi, color="0.4", lw=1.2, label="prior")
        bins = np.linspace(min(plo, x.min()), max(phi, x.max()), 25)
        ax.hist(x, bins=bins, weights=w, density=True, color="tab:blue", alpha=0.7, label="posterior")
        ax.axvline(mean, color="tab:red", lw=1)
        ax.set_title(key, fontsize=7)
        ax.tick_params(labelsize=6)
        ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    for ax in list(axes.flat)[len(show):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=6)
    fig.suptitle(f"{name}: posterior and prior, most informed parameters", fontsize=10)
    return save(fig, outdir, file, "marginals")


def pairs(p):
    w, k = p["weights"], len(p["params"])
    out = [(abs(wcorr(p["samples"][:, a], p["samples"][:, b], w)), a, b) for a in range(k) for b in range(a + 1, k)]
    return sorted(out, reverse=True)[:MAX_PAIRS]


def plot_correlations(p, top, name, outdir, file):
    if not top:
        return None
    fig, axes = plt.subplots(1, len(top), figsize=(3.4 * len(top), 3.2), squeeze=False)
    w = p["weights"]
    for ax, (_, a, b) in zip(axes.flat, top):
        x, y = p["samples"][:, a], p["samples"][:, b]
        ax.scatter(x, y, s=4 + 400 * w / w.max() / max(1, len(w) / 50), alpha=0.5, color="tab:blue")
        ax.set_xlabel(p["params"][a], fontsize=6)
        ax.set_ylabel(p["params"][b], fontsize=6)
        ax.set_title(f"weighted r = {wcorr(x, y, w):+.2f}", fontsize=8)
        ax.tick_params(labelsize=6)
        ax.xaxis.set_major_locator(plt.MaxNLocator(4))
    fig.suptitle(f"{name}: most correlated parameter pairs", fontsize=10)
    return save(fig, outdir, file, "correlations")


def plot_ess(p, name, outdir, file):
    g = p["gen"]
    fig, ax = plt.subplots(1, 3, figsize=(10, 3))
    gens = np.arange(1, len(g.get("ess", [])) + 1)
    for a, key, label in zip(ax, ("ess", "epsilon", "acceptance"),
                             ("effective sample size", "tolerance epsilon", "acceptance rate")):
        if key in g and len(g[key]):
            a.plot(np.arange(1, len(g[key]) + 1), g[key], "o-")
        a.set_xlabel("generation")
        a.set_title(label, fontsize=9)
    ax[0].axhline(ess(p["weights"]), color="tab:red", lw=0.8, ls="--", label="final weights")
    ax[0].legend(fontsize=7)
    if len(gens) == 0:
        fig.text(0.5, 0.5, "no /posterior/generations", ha="center")
    fig.suptitle(f"{name}: ABC-SMC generations", fontsize=10)
    return save(fig, outdir, file, "ess")


def summary(p, rank, top, outdir, file, source):
    w = p["weights"]
    lines = [f"calibration posterior {source}",
             f"method {p['attrs'].get('method', '?')}, {len(w)} particles, "
             f"{len(p['gen'].get('ess', []))} generations, effective sample size {ess(w):.1f}",
             "",
             "parameters, most informed by the targets first (contraction = 1 - posterior/prior 95 % width):",
             f"{'parameter':48s} {'mean':>12s} {'95 % interval':>27s} {'prior interval':>27s} {'contraction':>11s}"]
    for key, j, mean, lo, hi, shrink in rank[:MAX_PARAMS]:
        lines.append(f"{key:48s} {mean:12.5g} [{lo:11.5g}, {hi:11.5g}] [{p['lo'][j]:11.5g}, {p['hi'][j]:11.5g}]"
                     f" {shrink:11.2f}   prior {p['dist'][j]}")
    lines += ["", "most correlated pairs (weighted):"]
    lines += [f"  {p['params'][a]} ~ {p['params'][b]}: r = {wcorr(p['samples'][:, a], p['samples'][:, b], w):+.2f}"
              for _, a, b in top]
    lines += ["", "targets: observed, posterior predictive median and 95 % interval, share of weight within scale:"]
    for i, t in enumerate(p["targets"]):
        a = p["achieved"][:, i]
        lo, med, hi = wquantile(a, w, [0.025, 0.5, 0.975])
        within = np.sum(w[np.abs(a - p["value"][i]) <= p["scale"][i]])
        lines.append(f"  {t:40s} {p['value'][i]:11.5g} {med:11.5g} [{lo:11.5g}, {hi:11.5g}] {within:6.2f}")
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, f"{file}-summary.txt")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("h5")
    ap.add_argument("-o", "--outdir", default="results")
    a = ap.parse_args(argv)
    try:
        p = load(a.h5)
    except (OSError, KeyError, ValueError) as ex:
        print(f"plot_calibration: {a.h5}: not a posterior file ({ex})", file=sys.stderr)
        return 1
    file = stem(a.h5)
    name = file
    rank = ranking(p)
    top = pairs(p)
    paths = [plot_targets(p, name, a.outdir, file), plot_marginals(p, rank, name, a.outdir, file),
             plot_correlations(p, top, name, a.outdir, file), plot_ess(p, name, a.outdir, file),
             summary(p, rank, top, a.outdir, file, a.h5)]
    for path in paths:
        if path:
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
