#!/usr/bin/env bash
# A third country built only by following docs/countries.md: synthetic WPP
# tables (China's pack tables, population scaled, relabelled "Freedonia"), costs in
# EUR, scripts/build_pack.sh (template, convert, derive, calibrate) into a
# pack in a temp dir, then a small run.  Checks: the run needs no China
# file (no /parameters/used origin or path under configs/countries/china:
# every file it read is the pack's or a generic configs/params/ file),
# costs are in EUR, the population follows the synthetic tables
# (check_demography.py --pack), and the pack directory is self-contained
# (a copy moved elsewhere runs the same, bit for bit).
. "$(dirname "$0")/../integration_lib.sh"
rm -rf "$TMP/wpp" "$TMP/packs" "$TMP/moved"
mkdir -p "$TMP/wpp"
# 1. Tables in the WPP long layout (docs/countries.md, step 1).
"$PY" - "$SRC/configs/countries/china/data" "$TMP/wpp" <<'PY' || fail "synthetic tables"
import csv, os, sys
src, out = sys.argv[1:3]
def rows(name):
    with open(os.path.join(src, name)) as f:
        return list(csv.DictReader(l for l in f if not l.startswith("#")))
def group(a):
    return "%d+" % a if a >= 100 else "%d-%d" % (a, a + 4)
with open(os.path.join(out, "freedonia_population_2025_2050.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["year", "sex", "age", "age_group", "population"])
    for r in rows("china_population.csv"):   # a small country: 4 % of China
        w.writerow([r["year"], r["sex"], r["age"], group(int(r["age"])), round(float(r["value"]) * 0.04)])
with open(os.path.join(out, "freedonia_mortality_2025_2050.csv"), "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["year", "period", "sex", "age", "age_group", "mx"])
    for r in rows("china_mortality.csv"):    # the same death rates (the tables must agree)
        y = int(r["year"])
        w.writerow([y, "%d-%d" % (y, y + 5), r["sex"], r["age"], group(int(r["age"])),
                    r["value"]])
PY
pack="$TMP/packs/freedonia" scen="$TMP/packs/freedonia.yaml"
# 2-5. The pack builder: template, convert, derive, calibrate (small sizes).
bash "$SRC/scripts/build_pack.sh" --name freedonia --currency EUR \
  --population "$TMP/wpp/freedonia_population_2025_2050.csv" \
  --mortality "$TMP/wpp/freedonia_mortality_2025_2050.csv" \
  --label "Freedonia, synthetic test tables" --source "synthetic: China's WPP 2024 tables x0.04 (population)" \
  --out "$pack" --scenario "$scen" --agents 20000 --calibrate-agents 5000 --max-iter 1 \
  --osteosim "$OSTEOSIM" --threads 2 > "$TMP/build.txt" 2>&1 || fail "build_pack: $(tail -5 "$TMP/build.txt")"
for f in pack.yaml demography.yaml physiology.yaml events.yaml fitted.yaml economics.yaml DATA-LICENCE.md \
         data/freedonia_population.csv data/freedonia_mortality.csv targets/freedonia_2025.yaml \
         targets/freedonia_events.yaml targets/freedonia_fractures.yaml; do
  [ -f "$pack/$f" ] || fail "pack file missing: $f"
done
grep -c "^# TEMPLATE" "$pack/physiology.yaml" > /dev/null || fail "template values not marked"
grep -c "Written by osteosim .* calibrate" "$pack/fitted.yaml" > /dev/null || fail "fitted.yaml not written by calibrate"
grep -c "wrote $pack/physiology.yaml" "$TMP/build.txt" > /dev/null || fail "ageing rates not derived"
# A pack that already exists is not replaced without --force.
rc=0; bash "$SRC/scripts/build_pack.sh" --name freedonia --out "$pack" --scenario "$scen" --steps template \
  > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -c "exists: not replaced" "$TMP/err" > /dev/null || fail "existing pack: exit $rc: $(cat "$TMP/err")"
# 6. A run of the new country.
run=(--agents 20000 --set run.end_year=2030 --set model.disease_effects=false --threads 2 --quiet)
"$OSTEOSIM" run "$scen" "${run[@]}" -o "$TMP/freedonia.h5" || fail "the Freedonia run"
"$PY" - "$TMP/freedonia.h5" "$pack" "$SRC/configs/params" "$scen" <<'PY' || fail "Freedonia run contents"
import os, sys, h5py
out, pack, params, scen = sys.argv[1:5]
txt = lambda v: v.decode() if isinstance(v, bytes) else str(v)
with h5py.File(out, "r") as f:
    u = f["parameters/used"]
    keys, vals = [txt(x) for x in u["key"][:]], [txt(x) for x in u["value"][:]]
    origins = [txt(x) for x in u["origin"][:]]
    cur = txt(f["economics"].attrs["currency"])
    label = txt(f["demography"].attrs["label"])
    units = [txt(x) for x in u["unit"][:]]
china = [(k, o) for k, o in zip(keys, origins) if "countries/china" in o]
assert not china, "values read from China's pack: %s" % china[:3]
files = {o.rsplit(":", 2)[0] for o in origins if o and ":" in o and "/" in o}
allowed = (os.path.realpath(pack) + "/", os.path.realpath(params) + "/")
stray = [p for p in files if not os.path.realpath(p).startswith(allowed) and os.path.realpath(p) != os.path.realpath(scen)]
assert not stray, "files outside the pack and configs/params: %s" % stray
paths = {k: v for k, v in zip(keys, vals) if k in ("demography.population_file", "demography.mortality_file",
                                                   "calibration.targets", "calibration.targets_extra")}
assert len(paths) == 4 and all(os.path.realpath(v).startswith(allowed[0]) for v in paths.values()), paths
assert cur == "EUR", cur
assert not any("CNY" in x for x in units) and any("EUR" in x for x in units)
assert label.startswith("Freedonia"), label
print("freedonia: %d keys, none from China's pack; files read: %d; currency %s" % (len(keys), len(files), cur))
PY
# Population against the pack's own (synthetic) table: 20,000 agents, 2030:
# the 80+ groups hold ~1,000 agents, so sampling error is a few per cent.
"$PY" "$SRC/scripts/check_demography.py" "$TMP/freedonia.h5" --pack "$pack" --tol 5 > "$TMP/chk.txt" \
  || fail "Freedonia population: $(tail -3 "$TMP/chk.txt")"
grep -c "freedonia_population.csv" "$TMP/chk.txt" > /dev/null || fail "compared with: $(head -1 "$TMP/chk.txt")"
# Self-contained: the pack and its scenario moved elsewhere give the same
# results (every path in the pack is relative to the pack).
mkdir -p "$TMP/moved/configs"
cp -r "$SRC/configs/params" "$TMP/moved/configs/params"
mkdir -p "$TMP/moved/configs/countries"
cp -r "$pack" "$TMP/moved/configs/countries/freedonia"
sed "s#^  - .*params/#  - params/#; s#^  - .*freedonia/pack.yaml#  - countries/freedonia/pack.yaml#" "$scen" \
  > "$TMP/moved/configs/freedonia.yaml"
"$OSTEOSIM" run "$TMP/moved/configs/freedonia.yaml" "${run[@]}" -o "$TMP/moved.h5" || fail "the moved pack"
"$PY" - "$TMP/freedonia.h5" "$TMP/moved.h5" <<'PY' || fail "moved pack differs"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for k in a["summary"]:
    assert np.array_equal(a["summary"][k][:], b["summary"][k][:]), k
PY
echo "country_pack: ok"
