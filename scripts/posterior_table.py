#!/usr/bin/python3
"""Markdown tables of a posterior file of `osteosim calibrate --method abc-smc`:
the parameters (prior, posterior mean, sd and 90 % credible interval), every
target with its posterior predictive interval (the 5-95 % range of the model's
value over the particles, and the same with the target's measurement error
added), and the generations (tolerance, ESS, acceptance, simulations, agents).

Usage: scripts/posterior_table.py POSTERIOR.h5 > tables.md
Needs h5py and numpy (/usr/bin/python3 on Debian)."""
import sys
import h5py
import numpy as np


def text(a):
    return [x.decode() if isinstance(x, bytes) else str(x) for x in a]


def wq(v, w, q):
    """Weighted quantiles Q of V (inverse of the weighted empirical CDF)."""
    o = np.argsort(v)
    c = np.cumsum(w[o])
    return [v[o][min(np.searchsorted(c, x), len(v) - 1)] for x in q]


def main(path):
    with h5py.File(path) as f:
        p = f["posterior"]
        keys, s, w = text(p["parameters"][:]), p["samples"][:], p["weights"][:]
        prior = text(p["prior/dist"][:])
        names, obs = text(p["targets/names"][:]), p["targets/value"][:]
        scale, sigma, ach = p["targets/scale"][:], p["targets/sigma"][:], p["achieved"][:]
        g = {k: p["generations"][k][:] for k in p["generations"]}
        a = dict(p.attrs)
    print(f"Posterior: {a['particles']} particles, {a['generations']} generations, ESS {a['ess']:.0f}, "
          f"{a['agents']} agents in the last generation, converged: {'yes' if a['converged'] else 'NO'}.\n")
    print("| parameter | prior | posterior mean | sd | 90 % credible interval |")
    print("|---|---|---|---|---|")
    for j, k in enumerate(keys):
        m = np.sum(w * s[:, j])
        sd = np.sqrt(np.sum(w * (s[:, j] - m) ** 2))
        lo, hi = wq(s[:, j], w, [0.05, 0.95])
        print(f"| `{k}` | {prior[j]} | {m:.5g} | {sd:.3g} | {lo:.5g} - {hi:.5g} |")
    # Predictive: the model's value, and with the target's own error (normal,
    # sd sigma) drawn once per particle with a fixed seed.
    rng = np.random.default_rng(1)
    print("\n| target | observed | tolerance | model 90 % interval | predictive 90 % interval | observed inside |")
    print("|---|---|---|---|---|---|")
    for i, n in enumerate(names):
        lo, hi = wq(ach[:, i], w, [0.05, 0.95])
        y = ach[:, i] + rng.normal(0, sigma[i], len(w))
        plo, phi = wq(y, w, [0.05, 0.95])
        print(f"| {n} | {obs[i]:.4g} | {scale[i]:.3g} | {lo:.4g} - {hi:.4g} | {plo:.4g} - {phi:.4g} | "
              f"{'yes' if plo <= obs[i] <= phi else 'no'} |")
    print("\n| generation | epsilon | ESS | acceptance | simulations | agents |")
    print("|---|---|---|---|---|---|")
    for t in range(len(g["epsilon"])):
        print(f"| {t} | {g['epsilon'][t]:.4g} | {g['ess'][t]:.1f} | {g['acceptance'][t]:.2f} | "
              f"{g['evaluations'][t]} | {g['agents'][t]} |")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
