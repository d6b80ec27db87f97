#!/usr/bin/env bash
# Percent body fat (models/body_fat.c): the start population's values follow
# mean_50 + per_year (age - 50) with SD sd for each sex and age band (within
# 4 standard errors); a survivor's value rises by per_year a year; and the
# /summary counts of obesity, sarcopenic and osteosarcopenic obesity are the
# weighted counts of the cohort snapshot's people meeting the definitions.
. "$(dirname "$0")/../integration_lib.sh"
"$OSTEOSIM" run "$SRC/configs/china.yaml" --agents 100000 --set run.end_year=2027 \
  --set "output.cohort_years=[2025,2027]" --quiet -o "$TMP/bf.h5"
"$PY" - "$TMP/bf.h5" <<'PY'
import sys
import h5py
import numpy as np

f = h5py.File(sys.argv[1], "r")
used = f["parameters/used"]
par = {k.decode(): float(v) for k, v in zip(used["key"][:], used["value"][:])
       if k.decode().startswith(("body_fat.", "diagnosis.obesity."))}
SEX = ("female", "male")
c0 = {k: v[:] for k, v in f["cohort/2025"].items()}
for x, sx in enumerate(SEX):
    m50, slope, sd = (par[f"body_fat.{k}_{sx}"] for k in ("mean_50", "per_year", "sd"))
    for lo in (50, 60, 70, 80):
        m = (c0["sex"] == x) & (c0["age"] >= lo) & (c0["age"] < lo + 10)
        v, age = c0["body_fat"][m], c0["age"][m]
        n = m.sum()
        want = m50 + slope * (age.mean() - 50)
        se_mean, se_sd = sd / np.sqrt(n), sd / np.sqrt(2 * n)
        print(f"{sx} {lo}-{lo + 9}: n {n}, mean {v.mean():.3f} (expected {want:.3f}, "
              f"s.e. {se_mean:.3f}), SD {v.std():.3f} (expected {sd:.3f}, s.e. {se_sd:.3f})")
        assert abs(v.mean() - want) < 4 * se_mean, "mean percent body fat off its regression"
        # residual SD about the age line (the band's age spread adds slope^2 var(age))
        assert abs((v - slope * age).std() - sd) < 4 * se_sd, "SD of percent body fat off"

# Survivors: two years of age add 2 per_year.
c2 = {k: v[:] for k, v in f["cohort/2027"].items()}
ids, i0, i2 = np.intersect1d(c0["id"], c2["id"], return_indices=True)
step = np.where(c0["sex"][i0] == 0, par["body_fat.per_year_female"], par["body_fat.per_year_male"])
gain = c2["body_fat"][i2] - c0["body_fat"][i0]
inside = (c0["body_fat"][i0] > 3.5) & (c0["body_fat"][i0] < 69.5)   # away from the clamps
print(f"survivors {len(ids)}: largest error of the 2-year gain {np.abs(gain - 2 * step)[inside].max():.2e}")
assert len(ids) > 50000 and np.allclose(gain[inside], 2 * step[inside], atol=1e-4)

# /summary 2025 against the snapshot.
s = {k: v[:] for k, v in f["summary"].items()}
cut = np.where(c0["sex"] == 0, par["diagnosis.obesity.body_fat_female"],
               par["diagnosis.obesity.body_fat_male"])
obese = c0["body_fat"] >= cut
dx = c0["dx"].astype(np.int64)
AWGS, BROAD_AWGS = 32, 1024                                   # models/diagnosis.h
for col, sel in (("obesity_body_fat", obese),
                 ("sarcopenic_obesity_awgs2019", obese & (dx & AWGS > 0)),
                 ("osteosarcopenic_obesity_awgs2019", obese & (dx & BROAD_AWGS > 0))):
    got = s[col][s["year"] == 2025].sum()
    want = c0["weight"][sel].astype(np.float64).sum()
    print(f"{col}: /summary {got:.0f}, snapshot {want:.0f}")
    assert want > 0 and abs(got - want) <= 1e-9 * want, col
PY
echo "body_fat: ok"
