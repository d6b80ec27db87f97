#!/usr/bin/env bash
# The migration side of the demography scripts: wpp_to_osteosim.py
# --migration writes NAME_migration.csv (year,sex,age,value: WPP's signed
# period totals, ages >= MIN_AGE) under the same --name/--force rules;
# osteosim accepts it as demography.migration_file for Japan (a scratch
# scenario on China's physiology); check_demography.py prints WPP's and the
# run's net migrants, and "-" for a run without migration.
. "$(dirname "$0")/../integration_lib.sh"
data="$SHARED/data"
[ -f "$data/japan_migration_2025_2050.csv" ] || { echo "migration_scripts: skipped, no $data"; exit 77; }
conv="$SRC/scripts/wpp_to_osteosim.py"
wpp=("$data/japan_population_2025_2050.csv" "$data/japan_mortality_2025_2050.csv")
mig="$data/japan_migration_2025_2050.csv"
out="$TMP/out"
rm -rf "$out" "$TMP"/*.h5
"$PY" "$conv" "${wpp[@]}" "$out" 45 --name japan --migration "$mig" > /dev/null || fail "conversion"
"$PY" - "$mig" "$out/japan_migration.csv" <<'PY' || fail "converted table"
import csv, sys
want = {(r["year"], r["sex"], r["age"]): int(r["net_migrants"])
        for r in csv.DictReader(open(sys.argv[1])) if int(r["age"]) >= 45}
rows = list(csv.DictReader(l for l in open(sys.argv[2]) if not l.startswith("#")))
got = {(r["year"], r["sex"], r["age"]): int(r["value"]) for r in rows}
assert got == want and len(rows) == len(want), "values differ"
assert any(v < 0 for v in got.values()) and any(v > 0 for v in got.values())
print("migration_scripts: %d rows, net %+d at 50+" % (len(rows),
      sum(v for (y, s, a), v in got.items() if int(a) >= 50)))
PY
echo "# edited" >> "$out/japan_migration.csv"
cp "$out/japan_migration.csv" "$TMP/edited.csv"
rc=0; "$PY" "$conv" "${wpp[@]}" "$out" 45 --name japan --force --migration "$TMP/none.csv" \
  > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -c "cannot open" "$TMP/err" > /dev/null || fail "missing input: exit $rc: $(cat "$TMP/err")"
rm -f "$out/japan_population.csv" "$out/japan_mortality.csv"
rc=0; "$PY" "$conv" "${wpp[@]}" "$out" 45 --name japan --migration "$mig" > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -c "japan_migration.csv exists: not replaced" "$TMP/err" > /dev/null \
  || fail "overwrite: exit $rc: $(cat "$TMP/err")"
cmp -s "$out/japan_migration.csv" "$TMP/edited.csv" || fail "a refused conversion changed the table"
[ ! -e "$out/japan_population.csv" ] || fail "a refused conversion wrote another table"
"$PY" "$conv" "${wpp[@]}" "$out" 45 --name japan --force --migration "$mig" > /dev/null || fail "--force"
ls "$out" | grep -c tmp > /dev/null && fail "temporary files left: $(ls "$out")"

p="$SRC/configs/params" c="$SRC/configs/countries/china"
cat > "$out/japan.yaml" <<EOF
include: [$p/physiology.yaml, $p/events.yaml, $p/economics.yaml, $c/physiology.yaml, $c/events.yaml,
          $c/fitted.yaml, $c/economics.yaml]
demography:
  label: "Japan, UN WPP 2024 Medium variant"
  population_file: japan_population.csv
  mortality_file: japan_mortality.csv
  age_split: steffen
  mortality_age: step
  mortality_time: linear
mortality: {adjust_background: true}
scenario: {name: japan, description: "Japan, scratch (China physiology)"}
run: {start_year: 2025, end_year: 2030, agents: 20000, seed: 20250701}
EOF
a=(--set model.disease_effects=false --quiet)
"$OSTEOSIM" run "$out/japan.yaml" "${a[@]}" -o "$TMP/none.h5" || fail "Japan without migration"
"$OSTEOSIM" run "$out/japan.yaml" "${a[@]}" --set "demography.migration_file=$out/japan_migration.csv" \
  -o "$TMP/mig.h5" || fail "Japan with migration"
chk="$SRC/scripts/check_demography.py"
"$PY" "$chk" "$TMP/none.h5" "$data" > "$TMP/none.txt" || fail "check_demography, no migration"
"$PY" "$chk" "$TMP/mig.h5" "$data" > "$TMP/mig.txt" || fail "check_demography, migration"
grep -c "run: no migration" "$TMP/none.txt" > /dev/null || fail "no-migration run not named: $(cat "$TMP/none.txt")"
grep -c "run: with migration" "$TMP/mig.txt" > /dev/null || fail "migration run not named: $(cat "$TMP/mig.txt")"
# 2030 women 50+: WPP's 2025-29 net migrants at 50+ (+5,581) in both, the
# run's own only with migration.
grep -E '^2030 +female +50\+ .* \+5581 +-$' "$TMP/none.txt" > /dev/null || fail "$(cat "$TMP/none.txt")"
grep -E '^2030 +female +50\+ .* \+5581 +[-+][0-9]+$' "$TMP/mig.txt" > /dev/null || fail "$(cat "$TMP/mig.txt")"
echo "migration_scripts: ok"
