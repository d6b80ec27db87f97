#!/usr/bin/env bash
# The first projected year looks like the second (issue: a consistent first
# year).  On the default scenario the 2025->2026 step of osteoporosis and
# sarcopenia prevalence (both definitions) and of deaths is no larger than
# the 2026->2027 step, within 3 standard errors.  Deaths are taken relative
# to a run without disease effects (the life tables alone), because the
# tables' own deaths step more in 2025->2026 than in 2026->2027.  Standard
# errors: prevalence steps from the agents whose status changed (matched
# by id between the cohort snapshots), deaths from the Poisson error of the
# agent death counts.  The same check on a run without burn-in
# (run.burn_in_years=0: bed rest and the mortality adjustment start at zero
# and one) must find the steps, so the test can fail.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/configs/china.yaml"
args=(--agents 500000 --set run.end_year=2027 --set "output.cohort_years=[2025,2026,2027]" --threads 2 --quiet)
"$OSTEOSIM" run "$cfg" "${args[@]}" -o "$TMP/on.h5"
"$OSTEOSIM" run "$cfg" "${args[@]}" --set run.burn_in_years=0 -o "$TMP/cold.h5"
"$OSTEOSIM" run "$cfg" "${args[@]}" --set model.disease_effects=false -o "$TMP/off.h5"
cat > "$TMP/steps.py" <<'PY'
import sys, h5py, numpy as np
run, off = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
years = (2025, 2026, 2027)
bad = []
# Prevalence among the living at 1 July, from the snapshots (weighted).
for name, bit in [("osteoporosis", 2), ("sarcopenia_ewgsop2", 8), ("sarcopenia_awgs2019", 32)]:
    p, ids = {}, {}
    for y in years:
        g = run[f"cohort/{y}"]
        w, f = g["weight"][:].astype(float), (g["dx"][:] & bit) != 0
        p[y] = (w * f).sum() / w.sum()
        ids[y] = dict(zip(g["id"][:], f))
    step, se = [], []
    for a, b in zip(years, years[1:]):
        step.append(p[b] - p[a])
        # agents whose status differs between the years (incl. deaths with
        # it and entrants with it), over the agents: the step's error
        ch = sum(1 for i, v in ids[a].items() if v != ids[b].get(i, False))
        ch += sum(1 for i, v in ids[b].items() if v and i not in ids[a])
        se.append(np.sqrt(ch) / len(ids[b]))
    tol = 3 * np.hypot(se[0], se[1])
    print(f"{name}: steps {100*step[0]:+.3f} {100*step[1]:+.3f} points, 3 s.e. {100*tol:.3f}")
    if abs(step[0]) > abs(step[1]) + tol: bad.append(name)
# Deaths relative to the life tables alone.
def deaths(h, y):
    s = h["summary"]; r = s["year"][:] == y
    d, pop, ag = s["deaths"][r], s["population"][r], s["agents"][r]
    agents_dying = (d * np.where(pop > 0, ag / np.where(pop > 0, pop, 1), 0)).sum()
    return d.sum(), agents_dying
e, se = [], []
for y in years:
    (dm, am), (do, ao) = deaths(run, y), deaths(off, y)
    e.append(dm / do)
    se.append(dm / do * np.sqrt(1 / am + 1 / ao))
s1, s2 = e[1] - e[0], e[2] - e[1]
tol = 3 * np.sqrt(se[0]**2 + 2 * se[1]**2 + se[2]**2)
print(f"deaths / life-table deaths: {e[0]:.4f} {e[1]:.4f} {e[2]:.4f}, 3 s.e. of a step difference {tol:.4f}")
if abs(s1) > abs(s2) + tol: bad.append("deaths")
print("steps larger in the first year:", ", ".join(bad) if bad else "none")
sys.exit(1 if bad else 0)
PY
"$PY" "$TMP/steps.py" "$TMP/on.h5" "$TMP/off.h5" > "$TMP/on.txt" || fail "first year is an outlier: $(cat "$TMP/on.txt")"
cat "$TMP/on.txt"
if "$PY" "$TMP/steps.py" "$TMP/cold.h5" "$TMP/off.h5" > "$TMP/cold.txt"; then
  fail "without burn-in the first-year steps went unnoticed: $(cat "$TMP/cold.txt")"
fi
grep -q "deaths" "$TMP/cold.txt" && grep -q "first year: .*sarcopenia_awgs2019" "$TMP/cold.txt" \
  || fail "without burn-in: $(cat "$TMP/cold.txt")"
echo "first_year: ok"
