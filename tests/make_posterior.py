#!/usr/bin/env python3
"""Writes a small posterior file in the format `osteosim calibrate --method
abc-smc -o posterior.h5` writes (docs/hdf5-schema.md, "Posterior files"), for
the tests of `osteosim run --posterior` and scripts/plot_calibration.py.

    make_posterior.py OUT.h5 --from RUN.h5 --param KEY=LO:HI [--param ...]
        [--particles N] [--seed S] [--weights w1,w2,...] [--targets T]
        [--rho R] [--break WHAT]

The configuration calibrated on (/provenance attribute config) is the root
attribute config of RUN.h5, an osteosim output.  Particles are uniform on
[LO, HI] in each parameter, the first two correlated with coefficient about
R; the weights are random (or --weights, one per particle) and normalised;
/posterior/achieved holds T made-up targets that depend linearly on the
parameters.  --break makes one defect the run must refuse (for the tests
of its errors): unknown-param, weights-sum, samples-shape, no-weights,
no-provenance, structure (a string setting of the configuration changed).
"""
import argparse
import sys

import h5py
import numpy as np

STR = h5py.string_dtype("utf-8")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--from", dest="run", required=True, help="an osteosim output (its config attribute)")
    ap.add_argument("--param", action="append", required=True, help="KEY=LO:HI")
    ap.add_argument("--particles", type=int, default=50)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--weights", help="comma-separated, one per particle (normalised here)")
    ap.add_argument("--targets", type=int, default=3)
    ap.add_argument("--rho", type=float, default=0.8)
    ap.add_argument("--break", dest="defect")
    a = ap.parse_args()

    rng = np.random.default_rng(a.seed)
    keys, lo, hi = [], [], []
    for p in a.param:
        k, rng_text = p.split("=")
        l, h = (float(x) for x in rng_text.split(":"))
        keys.append(k)
        lo.append(l)
        hi.append(h)
    lo, hi = np.array(lo), np.array(hi)
    n, p = a.particles, len(keys)
    z = rng.standard_normal((n, p))
    if p >= 2:
        z[:, 1] = a.rho * z[:, 0] + np.sqrt(1 - a.rho ** 2) * z[:, 1]
    from math import erf
    u = 0.5 * (1 + np.vectorize(erf)(z / np.sqrt(2)))
    samples = lo + u * (hi - lo)
    if a.weights:
        w = np.array([float(x) for x in a.weights.split(",")])
        if len(w) != n:
            sys.exit(f"make_posterior: --weights has {len(w)} values, --particles {n}")
    else:
        w = rng.gamma(2.0, 1.0, n)
    w = w / w.sum()
    t = a.targets
    coef = rng.standard_normal((p, t))
    achieved = (u - 0.5) @ coef + 0.05 * rng.standard_normal((n, t)) + 1.0
    observed = np.full(t, 1.0)
    scale = np.full(t, 0.2)

    with h5py.File(a.run, "r") as f:
        config = f.attrs["config"]
        config = config.decode() if isinstance(config, bytes) else config
    if a.defect == "unknown-param":
        keys[0] = keys[0] + "_typo"
    if a.defect == "weights-sum":
        w = w * 1.5
    if a.defect == "samples-shape":
        samples = samples[:, :-1] if p > 1 else np.hstack([samples, samples])
    if a.defect == "structure":
        # a model choice: the T-score reference population of China
        before = config
        config = config.replace("reference: national", "reference: nhanes", 1)
        if config == before:
            sys.exit("make_posterior: --break structure found no setting to change")

    with h5py.File(a.out, "w") as f:
        g = f.create_group("posterior")
        g.attrs.update({"method": "abc-smc", "seed": a.seed, "agents": 1000, "particles": n,
                        "generations": 3, "ess": float(1 / np.sum(w ** 2)),
                        "command_line": "tests/make_posterior.py " + " ".join(sys.argv[1:])})
        g.create_dataset("parameters", data=np.array(keys, dtype=object), dtype=STR)
        g.create_dataset("samples", data=samples)
        if a.defect != "no-weights":
            g.create_dataset("weights", data=w)
        g.create_dataset("achieved", data=achieved)
        tg = g.create_group("targets")
        tg.create_dataset("names", data=np.array([f"target_{i}" for i in range(t)], dtype=object), dtype=STR)
        tg.create_dataset("value", data=observed)
        tg.create_dataset("scale", data=scale)
        tg.create_dataset("weight", data=np.ones(t))
        pr = g.create_group("prior")
        pr.create_dataset("lo", data=lo)
        pr.create_dataset("hi", data=hi)
        pr.create_dataset("dist", data=np.array([f"uniform({l:g}, {h:g})" for l, h in zip(lo, hi)],
                                                dtype=object), dtype=STR)
        gen = g.create_group("generations")
        gen.create_dataset("epsilon", data=np.array([3.0, 1.5, 0.8]))
        gen.create_dataset("acceptance", data=np.array([0.5, 0.3, 0.2]))
        gen.create_dataset("ess", data=np.array([n, 0.8 * n, 0.6 * n]))
        gen.create_dataset("evaluations", data=np.array([2 * n, 3 * n, 5 * n]))
        gen.create_dataset("agents", data=np.array([1000, 1000, 1000]))
        if a.defect != "no-provenance":
            pv = f.create_group("provenance")
            pv.attrs["config"] = config


if __name__ == "__main__":
    main()
