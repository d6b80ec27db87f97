#!/usr/bin/env bash
# scripts/cohort_study.py, the virtual cohort study: its regression fitters
# reproduce closed-form estimates; on a small run every row has a finite
# estimate inside its 95% CI (or a documented n/a); the Markdown and JSON
# outputs hold the same rows; bad input exits 2 with one line.
. "$(dirname "$0")/../integration_lib.sh"
script="$SRC/scripts/cohort_study.py"
out="$TMP/c.h5"
"$OSTEOSIM" run "$SRC/configs/china.yaml" --agents 20000 --set run.end_year=2030 \
  --set "output.cohort_years=[2025]" --set output.event_log=true --quiet -o "$out"
"$PY" "$script" "$out" --json "$TMP/c.json" --markdown "$TMP/c.md" > "$TMP/c.txt" \
  || fail "cohort_study.py failed on a run with an event log"
"$PY" "$script" "$out" --weighted --json "$TMP/w.json" > /dev/null \
  || fail "cohort_study.py --weighted failed"

"$PY" - "$script" "$out" "$TMP" <<'PY'
import importlib.util, json, math, sys
import numpy as np
script, h5, tmp = sys.argv[1:4]
spec = importlib.util.spec_from_file_location("cohort_study", script)
cs = importlib.util.module_from_spec(spec)
spec.loader.exec_module(cs)

# Fitters against closed forms.  Logistic, one binary covariate: the 2x2
# odds ratio with Woolf's standard error.
a, b, c, d = 30, 70, 20, 180                      # exposed yes/no outcome, unexposed
x = np.r_[np.ones(a + b), np.zeros(c + d)]
y = np.r_[np.ones(a), np.zeros(b), np.ones(c), np.zeros(d)]
r = cs.ratio_ci(cs.fit_logistic(np.column_stack([np.ones_like(x), x]), y))
assert abs(r["estimate"] - (a * d) / (b * c)) < 1e-8, r
assert abs(r["se_log"] - math.sqrt(1 / a + 1 / b + 1 / c + 1 / d)) < 1e-8, r
# Poisson with person-time: the rate ratio and sqrt(1/d1 + 1/d0).
ev = np.array([3, 0, 2, 1, 0, 4, 0, 1.0])
pt = np.array([2, 1, 3, 1, 2, 5, 1, 2.0])
x = np.array([1, 1, 1, 1, 0, 0, 0, 0.0])
r = cs.ratio_ci(cs.fit_poisson(np.column_stack([np.ones_like(x), x]), ev, pt))
d1, d0, t1, t0 = ev[x == 1].sum(), ev[x == 0].sum(), pt[x == 1].sum(), pt[x == 0].sum()
assert abs(r["estimate"] - (d1 / t1) / (d0 / t0)) < 1e-8, r
assert abs(r["se_log"] - math.sqrt(1 / d1 + 1 / d0)) < 1e-8, r
# Piecewise exponential per unit == the same model on expanded rows with
# interval indicators; an interval without events drops out.
rng = np.random.default_rng(1)
n, k = 400, 3
age = rng.normal(size=n)
x = (rng.random(n) < 0.4).astype(float)
T = np.where(rng.random((n, k)) < 0.9, 1.0, 0.5)
D = (rng.random((n, k)) < 0.1 * np.exp(0.7 * x + 0.3 * age)[:, None] * [1, 1.5, 0]).astype(float)
Xu = np.column_stack([np.ones(n), x, age])
pw = cs.fit_poisson(Xu, D, T)
rows = np.repeat(np.arange(n), 2)
iv = np.tile([0, 1], n)
Xe = np.column_stack([Xu[rows], iv == 1])
ex = cs.fit_poisson(Xe, D[rows, iv], T[rows, iv])
assert np.allclose(pw[0], ex[0], atol=1e-7) and np.allclose(pw[1], ex[1], atol=1e-7), (pw, ex)
# Complete separation and no events: no fit, no crash.
assert cs.fit_logistic(np.column_stack([np.ones(4), [0, 0, 1, 1]]), [0, 0, 1, 1]) is None
assert cs.fit_poisson(np.ones((3, 1)), np.zeros(3), np.ones(3)) is None

# The study of a small run.
res = json.load(open(f"{tmp}/c.json"))
rows = res["rows"]
assert res["follow_up_years"] == list(range(2025, 2030)), res["follow_up_years"]
measures = {r["measure"] for r in rows}
expect = {"sarcopenia_falls", "sarcopenia_fracture", "sarcopenia_death", "prior_fracture_fracture",
          "osteosarcopenia_death", "sarcopenia_osteoporosis", "fn_bmd_hip_fracture", "fn_bmd_fracture"}
assert measures == expect, measures
assert len(rows) == 13, len(rows)
NA = {"no exposed", "no unexposed", "no events", "no events in exposed",
      "no events in unexposed", "all exposed had it", "all unexposed had it", "not converged"}
for path in (f"{tmp}/c.json", f"{tmp}/w.json"):
    for r in json.load(open(path))["rows"]:
        for key in ("crude", "adjusted"):
            e = r[key]
            if e["estimate"] is None:
                assert e["na"] in NA, (path, r["measure"], e)
                continue
            assert all(math.isfinite(e[v]) and e[v] > 0 for v in ("estimate", "lo", "hi")), (r["measure"], e)
            assert e["lo"] < e["estimate"] < e["hi"], (path, r["measure"], key, e)
        assert r["published"] and r["published"]["source"], r["measure"]
# Most rows have enough events at 20,000 agents to be estimated.
assert sum(r["adjusted"]["estimate"] is not None for r in rows) >= 11, rows
# An empty exposure group gives n/a, not an exception.
cohort = cs.load_cohort(h5)
r = cs.association(cohort, np.zeros(cohort.n, dtype=bool), "death")
assert r["crude"]["na"] == "no exposed" and r["adjusted"]["na"] == "no exposed", r
# Markdown and text tables hold every row.
md = [l for l in open(f"{tmp}/c.md") if l.startswith("| ")]
assert len(md) == 1 + len(rows), len(md)
txt = open(f"{tmp}/c.txt").read()
for r in rows:
    assert r["measure"] in txt
print("cohort_study: fitters and table ok,", len(rows), "rows")
PY

# Bad input: exit 2 and one line on stderr, nothing on stdout.
expect_exit2() {  # expect_exit2 PATTERN ARGS...
  local pattern=$1 rc=0
  shift
  "$PY" "$script" "$@" > "$TMP/bad.out" 2> "$TMP/bad.err" || rc=$?
  [ "$rc" -eq 2 ] || fail "exit $rc (want 2) for: $*"
  [ "$(wc -l < "$TMP/bad.err")" -eq 1 ] || { cat "$TMP/bad.err" >&2; fail "not one line for: $*"; }
  [ ! -s "$TMP/bad.out" ] || fail "stdout not empty for: $*"
  grep -q -- "$pattern" "$TMP/bad.err" || fail "message lacks '$pattern': $(cat "$TMP/bad.err")"
}
"$OSTEOSIM" run "$SRC/configs/china.yaml" --agents 2000 --set run.end_year=2026 \
  --set "output.cohort_years=[2025]" --quiet -o "$TMP/nolog.h5"
expect_exit2 "output.event_log: true" "$TMP/nolog.h5"
expect_exit2 "no such file" "$TMP/missing.h5"
expect_exit2 "no snapshot for baseline 2027" "$out" --baseline 2027
echo "not hdf5" > "$TMP/junk.h5"
expect_exit2 "not an HDF5 file" "$TMP/junk.h5"
echo "cohort_study: ok"
