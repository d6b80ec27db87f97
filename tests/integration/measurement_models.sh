#!/usr/bin/env bash
# Measurement models and fatal adverse events in whole runs
# (docs/programmes.md#measurement-models, #adverse-events):
#   - muscle mass by DXA gives fewer AWGS 2019 sarcopenia diagnoses than
#     the calibrated default (DXA cut-off 5.4 < 5.7 in women), BIA fewer
#     still (its bias exceeds the cut-off difference); the measurement
#     changes sarcopenia only, never osteoporosis (start year: diagnoses
#     feed mortality, so later populations differ);
#   - osteoporosis at the lower of spine and femoral neck is at least that
#     at either site, in every cell; sarcopenia does not move;
#   - BIA and spine errors are per person and counter-based: two thread
#     counts give identical summaries;
#   - a programme whose adverse event is always fatal kills at its rate
#     (4 binomial s.e.), within the year's deaths; a configuration without
#     a case fatality has no adverse_event_deaths column.
. "$(dirname "$0")/../integration_lib.sh"
run=(--agents 60000 --set run.end_year=2027 --quiet)
cfg="$SRC/configs/china.yaml"
for v in calibrated dxa bia; do
    "$OSTEOSIM" run "$cfg" "${run[@]}" --set diagnosis.muscle_mass.measurement=$v -o "$TMP/mass_$v.h5"
done
for v in spine lowest; do
    "$OSTEOSIM" run "$cfg" "${run[@]}" --set diagnosis.osteoporosis_site=$v -o "$TMP/site_$v.h5"
done
"$OSTEOSIM" run "$cfg" "${run[@]}" --threads 1 --set diagnosis.muscle_mass.measurement=bia \
    --set diagnosis.osteoporosis_site=lowest -o "$TMP/both_t1.h5"
"$OSTEOSIM" run "$cfg" "${run[@]}" --threads 2 --set diagnosis.muscle_mass.measurement=bia \
    --set diagnosis.osteoporosis_site=lowest -o "$TMP/both_t2.h5"
cat >"$TMP/fatal.yaml" <<YAML
include: $cfg
programmes:
  p:
    label: "test drug with a fatal adverse event"
    type: drug
    evidence: A
    source: "test input"
    start_year: 2025
    eligibility: {age_min: 50}
    coverage: 1
    uptake: 1
    adherence: 1
    discontinuation: 0
    costs: {per_year: 1}
    adverse:
      fatal: {rate: 0.01, cost: 0, disutility: 0, case_fatality: 1}
arms:
  status_quo: []
  p: [p]
YAML
"$OSTEOSIM" run "$TMP/fatal.yaml" "${run[@]}" -o "$TMP/fatal.h5"
"$PY" - "$TMP" <<'PY'
import sys
import h5py
import numpy as np

tmp = sys.argv[1]


def load(name, first=True):
    """The /summary rows; FIRST: of the start year only (diagnoses feed
    mortality, so later years' populations differ between settings)."""
    with h5py.File(f"{tmp}/{name}.h5", "r") as f:
        s = {k: v[:] for k, v in f["summary"].items()}
    if first:
        m = s["year"] == s["year"].min()
        s = {k: v[m] for k, v in s.items()}
    return s


def prev(s, col, sex):
    m = s["sex"] == sex
    return s[col][m].sum() / s["population"][m].sum()


cal, dxa, bia = load("mass_calibrated"), load("mass_dxa"), load("mass_bia")
for s in (dxa, bia):
    assert np.array_equal(s["osteoporosis"], cal["osteoporosis"]), "muscle measurement moved osteoporosis"
w = [prev(s, "sarcopenia_awgs2019", 0) for s in (cal, dxa, bia)]
print("AWGS 2019 sarcopenia, women 50+: calibrated %.4f, dxa %.4f, bia %.4f" % tuple(w))
assert w[1] < w[0] and w[2] < w[1], "expected calibrated > dxa > bia in women"
assert np.array_equal(dxa["sarcopenia_awgs2019"][dxa["sex"] == 1], cal["sarcopenia_awgs2019"][cal["sex"] == 1]), \
    "men's DXA cut-off equals the calibrated one: no change expected"
fn, sp, lo = load("mass_calibrated"), load("site_spine"), load("site_lowest")
assert np.all(lo["osteoporosis"] >= np.maximum(fn["osteoporosis"], sp["osteoporosis"]) - 1e-9)
assert np.array_equal(sp["sarcopenia_awgs2019"], fn["sarcopenia_awgs2019"])
print("osteoporosis, women 50+: fn %.4f, spine %.4f, lowest %.4f"
      % tuple(prev(s, "osteoporosis", 0) for s in (fn, sp, lo)))
a, b = load("both_t1", False), load("both_t2", False)
for k in a:
    assert np.array_equal(a[k], b[k]), f"{k} differs between thread counts"
assert "adverse_event_deaths" not in load("mass_calibrated", False)
f = load("fatal", False)
arm = f["arm"]
on = arm == 1
w = f["population"][on] / np.maximum(f["agents"][on], 1)
d_agents = (f["adverse_event_deaths"][on] / np.maximum(w, 1e-12)).sum()
n_agents = (f["programme_persons"][on] / np.maximum(w, 1e-12)).sum()
se = np.sqrt(0.01 * 0.99 * n_agents)
print(f"fatal adverse events: {d_agents:.0f} deaths among {n_agents:.0f} person-years on the programme "
      f"(expected {0.01 * n_agents:.0f} +- {4 * se:.0f})")
assert abs(d_agents - 0.01 * n_agents) < 4 * se
assert np.all(f["adverse_event_deaths"] <= f["deaths"] + 1e-9)
assert f["adverse_event_deaths"][~on].sum() == 0
assert f["deaths"][on].sum() > f["deaths"][~on].sum()
PY
echo "measurement_models: ok"
