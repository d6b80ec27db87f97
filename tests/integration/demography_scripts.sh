#!/usr/bin/env bash
# The demography scripts: wpp_to_osteosim.py rebuilds the shipped China
# tables byte for byte from the WPP tables in ../shared/data, needs --name
# and never replaces an existing table without --force; check_demography.py
# finds the country's WPP table from the run (or --country) or takes a
# pack's own table (--pack), compares a run within 2 %, and refuses a
# country it has no table for with one line.
. "$(dirname "$0")/../integration_lib.sh"
data="$SHARED/data"
[ -f "$data/china_population_2025_2050.csv" ] || { echo "demography_scripts: skipped, no $data"; exit 77; }
conv="$SRC/scripts/wpp_to_osteosim.py"
pop="$data/china_population_2025_2050.csv" mx="$data/china_mortality_2025_2050.csv"
rm -rf "$TMP/out"
rc=0; "$PY" "$conv" "$pop" "$mx" "$TMP/out" 45 > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q -- "--name" "$TMP/err" || fail "no --name: exit $rc: $(cat "$TMP/err")"
"$PY" "$conv" "$pop" "$mx" "$TMP/out" 45 --name china > /dev/null
cmp -s "$TMP/out/china_population.csv" "$SRC/configs/countries/china/data/china_population.csv" \
  && cmp -s "$TMP/out/china_mortality.csv" "$SRC/configs/countries/china/data/china_mortality.csv" \
  || fail "the shipped China tables are not what wpp_to_osteosim.py makes from $data"
echo "# edited" >> "$TMP/out/china_population.csv"
cp "$TMP/out/china_population.csv" "$TMP/edited.csv"
rc=0; "$PY" "$conv" "$pop" "$mx" "$TMP/out" 45 --name china > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "exists: not replaced" "$TMP/err" || fail "overwrite: exit $rc: $(cat "$TMP/err")"
cmp -s "$TMP/out/china_population.csv" "$TMP/edited.csv" || fail "a refused conversion changed the existing table"
"$PY" "$conv" "$pop" "$mx" "$TMP/out" 45 --name china --force > /dev/null
cmp -s "$TMP/out/china_population.csv" "$SRC/configs/countries/china/data/china_population.csv" || fail "--force did not replace"
ls "$TMP/out" | grep -c tmp > /dev/null && fail "temporary files left: $(ls "$TMP/out")"
# check_demography.py on a small run (within 2 % at 200,000 agents).
"$OSTEOSIM" run "$SRC/configs/china.yaml" --agents 200000 --set model.disease_effects=false \
  --threads 2 --quiet -o "$TMP/run.h5"
chk="$SRC/scripts/check_demography.py"
"$PY" "$chk" "$TMP/run.h5" "$data" > "$TMP/chk.txt" || fail "China run not within 2 %: $(tail -3 "$TMP/chk.txt")"
grep -q "china_population_2025_2050.csv" "$TMP/chk.txt" || fail "compared with: $(head -1 "$TMP/chk.txt")"
"$PY" "$chk" "$TMP/run.h5" "$pop" > /dev/null || fail "a table given as a file"
"$PY" "$chk" "$TMP/run.h5" --pack "$SRC/configs/countries/china" > "$TMP/chk.txt" \
  || fail "China run against its pack's table: $(tail -3 "$TMP/chk.txt")"
grep -c "countries/china/data/china_population.csv" "$TMP/chk.txt" > /dev/null || fail "--pack compared with: $(head -1 "$TMP/chk.txt")"
rc=0; "$PY" "$chk" "$TMP/run.h5" "$data" --pack "$SRC/configs/countries/china" > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -c "either DATA or --pack" "$TMP/err" > /dev/null || fail "DATA and --pack: exit $rc: $(cat "$TMP/err")"
rc=0; "$PY" "$chk" "$TMP/run.h5" --pack "$TMP" > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -c "demography.yaml: cannot read" "$TMP/err" > /dev/null || fail "no pack: exit $rc: $(cat "$TMP/err")"
rc=0; "$PY" "$chk" "$TMP/run.h5" "$data" --country japan > /dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "a China run against Japan's table: exit $rc, expected 1"
rc=0; "$PY" "$chk" "$TMP/run.h5" "$data" --country atlantis > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "no population table for 'atlantis'" "$TMP/err" || fail "unknown country: exit $rc: $(cat "$TMP/err")"
echo "demography_scripts: ok"
