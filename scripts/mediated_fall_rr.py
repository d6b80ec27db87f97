#!/usr/bin/python3
"""Falls rate ratio of a strength gain through the falls model alone.

    /usr/bin/python3 scripts/mediated_fall_rr.py OUT.h5 --strength 0.064 [--age-min 65] [--year Y]

A trial's falls rate ratio (e.g. Sherrington 2019: exercise 0.77) is the
whole effect of the programme, including the part that works through better
grip and gait.  The model gives that part itself: a programme's
strength_change raises grip and gait, and the falls model's low-grip and
slow-gait odds ratios then lower falls.  A programme's own fall_rr must
therefore be the trial ratio net of that pathway,

    fall_rr (net) = trial ratio / mediated ratio,

or the strength pathway would be counted twice.  This script gives the
mediated ratio of the first year on the programme for the people of a run's
snapshot in the eligible ages: the mean probability of a fall with grip and
gait raised by exp(STRENGTH) (the yearly strength change times adherence)
over the mean without, both from the falls model with the run's own
parameters (/parameters/used) and each person's prior fall (falls_n at the
census is last year's falls).  It is the ratio of fallers; the model's falls
per faller do not depend on strength.
"""
import argparse
import sys

import h5py
import numpy as np


def used_parameters(f):
    g = f["parameters/used"]
    keys = [k.decode() if isinstance(k, bytes) else k for k in g["key"][:]]
    vals = [v.decode() if isinstance(v, bytes) else v for v in g["value"][:]]
    return dict(zip(keys, vals))


def fall_probability(par, sex, age, grip, gait, prior):
    real = lambda k: float(par[k])
    base = np.where(sex == 0, real("falls.base_prob.female"), real("falls.base_prob.male"))
    lp = np.log(base / (1 - base)) + np.log(real("falls.or_per_decade")) * (age - real("falls.ref_age")) / 10
    low = np.where(sex == 0, real("falls.low_grip.female"), real("falls.low_grip.male"))
    lp += np.log(real("falls.or.low_grip")) * (grip < low)
    lp += np.log(real("falls.or.slow_gait")) * (gait < real("falls.slow_gait"))
    lp += np.log(real("falls.or.prior_fall")) * prior
    return 1 / (1 + np.exp(-lp))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("output", help="osteosim output with a cohort snapshot")
    ap.add_argument("--strength", type=float, required=True,
                    help="yearly log-change of grip and gait on the programme (strength_change x adherence)")
    ap.add_argument("--age-min", type=float, default=65.0, help="youngest eligible age")
    ap.add_argument("--year", type=int, help="snapshot year (default: the first)")
    a = ap.parse_args()
    try:
        with h5py.File(a.output, "r") as f:
            years = sorted(int(y) for y in f["cohort"])
            year = years[0] if a.year is None else a.year
            g = f[f"cohort/{year}"]
            s = {k: g[k][:] for k in ("sex", "age", "grip", "gait", "falls_n")}
            par = used_parameters(f)
    except (OSError, KeyError) as e:
        sys.exit(f"mediated_fall_rr: {a.output}: needs /cohort/<year>/ with grip, gait, falls_n "
                 f"and /parameters/used ({e})")
    m = s["age"] >= a.age_min
    sex, age, grip, gait = s["sex"][m], s["age"][m], s["grip"][m], s["gait"][m]
    prior = s["falls_n"][m] > 0
    p0 = fall_probability(par, sex, age, grip, gait, prior)
    k = np.exp(a.strength)
    p1 = fall_probability(par, sex, age, grip * k, gait * k, prior)
    rr = p1.mean() / p0.mean()
    print(f"{m.sum()} people aged {a.age_min:g}+ in {year}: fallers {p0.mean():.4f} -> {p1.mean():.4f} "
          f"with grip and gait x {k:.4f}; mediated rate ratio {rr:.4f}")


if __name__ == "__main__":
    main()
