#!/usr/bin/env bash
# Programmes acting on the model's own risk-factor states
# (models/iv_riskfactor.c, docs/programmes.md "Through the risk factors"),
# on tests/configs/rf_programmes.yaml:
#   - pathway risk_factor ignores the effects block: an arm whose programme
#     has one gives the same /summary as one without;
#   - the effect reaches bone and muscle through the risk factors alone:
#     raising 25(OH)D, moving sedentary people active, or stopping smoking
#     gives fewer people with osteoporosis and with sarcopenia than the
#     status quo (same people, same draws);
#   - the natural 25(OH)D trajectory is the status quo's, person by person
#     (the programme's rise is kept apart, so it cannot compound through
#     the AR(1)), and smokers on the cessation programme with
#     smoking_quit 1 are all former smokers the next year.
source "$(dirname "$0")/../integration_lib.sh"

CFG="$SRC/tests/configs/rf_programmes.yaml"
"$OSTEOSIM" check "$CFG" >/dev/null 2>"$TMP/err" || fail "check: $(cat "$TMP/err")"
run() {  # run OUT REFERENCE_ARM
  "$OSTEOSIM" run "$CFG" --agents 8000 --quiet --set "economics.reference_arm=$2" \
      --set "output.cohort_years=[2025,2028,2031]" -o "$1" >/dev/null 2>"$TMP/err" || fail "run ($2): $(cat "$TMP/err")"
}
run "$TMP/sq.h5" status_quo
run "$TMP/vitd.h5" vitd
run "$TMP/quit.h5" quit

"$PY" - "$TMP/sq.h5" "$TMP/vitd.h5" "$TMP/quit.h5" <<'PY' || fail "risk-factor programme checks"
import sys
import h5py
import numpy as np

sq, vitd, quit = (h5py.File(p, "r") for p in sys.argv[1:4])
s = sq["summary"]
names = [n.decode() if isinstance(n, bytes) else n for n in sq["economics/arm_name"][:]]
arm, year = s["arm"][:], s["year"][:]

def total(col, a, y0=2027):
    return float(s[col][(arm == names.index(a)) & (year >= y0)].sum())

for col in s:
    if col in ("arm", "year", "sex", "age_lo", "age_hi"):
        continue
    a, b = s[col][arm == names.index("vitd")], s[col][arm == names.index("vitd_noeff")]
    assert np.array_equal(a, b), f"pathway risk_factor applied its effects block: {col} differs"
for a in ("vitd", "active", "quit"):
    for col in ("osteoporosis", "sarcopenia_awgs2019"):
        ref, got = total(col, "status_quo"), total(col, a)
        print(f"{a}: {col} {got:.4g} vs status quo {ref:.4g} ({100 * (got / ref - 1):+.2f} %)")
        assert got < ref, f"{a}: {col} not lowered through the risk factors"

def cohort(f, y, col):
    g = f[f"cohort/{y}"]
    return dict(zip(g["id"][:].tolist(), g[col][:].tolist()))

for y in (2028, 2031):
    ref, got = cohort(sq, y, "vitd"), cohort(vitd, y, "vitd")
    common = ref.keys() & got.keys()
    assert len(common) > 1000, len(common)
    diff = sum(ref[i] != got[i] for i in common)
    assert diff == 0, f"{y}: natural 25(OH)D of {diff} people differs from the status quo"
    print(f"{y}: natural 25(OH)D identical to the status quo for {len(common)} people")
smokers = [i for i, v in cohort(quit, 2025, "smoking").items() if v == 1]
later = cohort(quit, 2028, "smoking")
still = sum(later[i] == 1 for i in smokers if i in later)
assert smokers and still == 0, f"{still} of the 2025 smokers still smoke after smoking_quit 1"
print(f"{len(smokers)} smokers in 2025, none still smoking in 2028")
PY
