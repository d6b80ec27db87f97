#!/usr/bin/env bash
# The default scenario and Japan's, at reduced size, meet every fitted calibration target
# (physiology, falls, fractures by site, sex and age group, case fatality)
# within its tolerance widened by twice the run's Monte Carlo standard error
# (sim/res_targets.c), so that a later change cannot de-calibrate the model
# silently.  Validation targets (weight 0) are printed but not checked.
. "$(dirname "$0")/../integration_lib.sh"
# Each shipped country: China (the default) and Japan (configs/japan.yaml).
check_country() {
local country=$1
local out="$TMP/calibration-$country.h5"
"$OSTEOSIM" run "$SRC/configs/$country.yaml" --agents 300000 --set run.end_year=2026 \
  --set "output.cohort_years=[2025]" -o "$out" > "$TMP/run-$country.txt"
# Target rows: name model value residual se verdict (the verdict may be two words).
local rows fitted met missed
rows=$(awk '/^calibration targets:/ {on = 1; next} on && NF >= 6 && $1 != "target" && $1 !~ /^[0-9]+$/ {print}' "$TMP/run-$country.txt")
[ -n "$rows" ] || fail "$country: no calibration target table in the run's output"
fitted=$(printf '%s\n' "$rows" | grep -cvE 'validation|n/a' || true)
met=$(printf '%s\n' "$rows" | grep -cE ' yes( \(MC error\))?$' || true)
missed=$(printf '%s\n' "$rows" | grep -E ' NO$' || true)
[ -z "$missed" ] || fail "$country: targets missed (beyond tolerance + 2 MC s.e.):
$missed"
[ "$fitted" -eq "$met" ] || fail "$country: $fitted fitted targets but $met met"
# Every site, sex and age group is among them.
for site in hip vertebral wrist other; do
  for g in f_50_64 f_65_79 f_80plus m_50_64 m_65_79 m_80plus; do
    printf '%s\n' "$rows" | grep -cE "^${site}_fracture_${g} .* yes" > /dev/null || fail "$country: target ${site}_fracture_${g} not met or missing"
  done
done
echo "calibration_targets: $country: $met of $fitted fitted targets met"
}
check_country china
check_country japan
