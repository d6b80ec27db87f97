#!/usr/bin/env bash
# Fracture risk follows absolute BMD on one fixed fracture-risk reference, so
# the diagnostic T-score reference (bone.tscore.reference) changes diagnoses
# only: total fractures move by less than the run's Monte Carlo standard
# error, while osteoporosis prevalence moves a lot.  Also: women's hip
# fracture incidence exceeds men's in every 5-year age band from 65.
. "$(dirname "$0")/../integration_lib.sh"
run=(--agents 200000 --set run.end_year=2030 --set "output.cohort_years=[2025]" --quiet)
"$OSTEOSIM" run "$SRC/configs/china.yaml" "${run[@]}" -o "$TMP/china.h5"
"$OSTEOSIM" run "$SRC/configs/china.yaml" "${run[@]}" --set bone.tscore.reference=nhanes -o "$TMP/nhanes.h5"
"$PY" - "$TMP/china.h5" "$TMP/nhanes.h5" <<'PY'
import sys
import h5py
import numpy as np

SITES = ("fractures_hip", "fractures_vertebral", "fractures_wrist", "fractures_other")


def load(path):
    with h5py.File(path, "r") as f:
        return {k: v[:] for k, v in f["summary"].items()}


a, b = load(sys.argv[1]), load(sys.argv[2])
fx = lambda s: sum(s[k] for k in SITES)
w = a["population"] / np.maximum(a["agents"], 1)          # persons per agent
se = np.sqrt(np.sum(fx(a) * w))                            # Poisson, in persons
diff = fx(b).sum() - fx(a).sum()
print(f"total fractures {fx(a).sum():.0f} (china) vs {fx(b).sum():.0f} (nhanes): "
      f"difference {diff:.0f}, Monte Carlo s.e. {se:.0f}")
assert abs(diff) < se, "the diagnostic T-score reference changed fracture totals"
op = lambda s: s["osteoporosis"].sum() / s["population"].sum()
print(f"osteoporosis prevalence {op(a):.4f} (china) vs {op(b):.4f} (nhanes)")
assert abs(op(a) - op(b)) > 0.02, "the reference switch did not change diagnoses"
# 5-year bands from 65 to 89, then 90+ pooled (too few men above 95 at this
# size for a band of their own).
for lo, hi in [(a, a + 5) for a in range(65, 90, 5)] + [(90, 200)]:
    rate = {}
    for sex in (0, 1):
        m = (a["sex"] == sex) & (a["age_lo"] >= lo) & (a["age_lo"] < hi)
        rate[sex] = a["fractures_hip"][m].sum() / a["population"][m].sum() * 1e5
    label = f"{lo}+" if hi == 200 else f"{lo}-{hi - 1}"
    print(f"hip fractures {label}: women {rate[0]:.0f}, men {rate[1]:.0f} per 100,000")
    assert rate[0] > rate[1], f"men's hip fracture rate exceeds women's at {label}"
PY
echo "tscore_reference: ok"
