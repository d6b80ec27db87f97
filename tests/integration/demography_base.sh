#!/usr/bin/env bash
# The start-year population of a run equals the shipped WPP table exactly
# (per sex, ages 50+), and /demography holds the tables used.
. "$(dirname "$0")/../integration_lib.sh"
out="$TMP/demog.h5"
"$OSTEOSIM" run "$SRC/configs/china.yaml" "${SMALL[@]}" --set model.disease_effects=false -o "$out" \
  || fail "run failed"
$PY - "$out" "$SRC/configs/countries/china/data/china_population.csv" <<'PY' || fail "population check"
import csv, sys, h5py, numpy as np
h = h5py.File(sys.argv[1], "r")
s = h["summary"]
rows = [r for r in csv.reader(l for l in open(sys.argv[2]) if not l.startswith("#"))][1:]
for si, sex in enumerate(("female", "male")):
    want = sum(float(v) for y, sx, a, v in rows if y == "2025" and sx == sex and int(a) >= 50)
    sel = (s["year"][:] == 2025) & (s["sex"][:] == si)
    got = float(np.sum(s["population"][sel]))
    assert got == want, (sex, got, want)
    assert float(np.sum(s["deaths"][sel])) > 0
g = h["demography"]
assert len(g["population/value"]) == len(rows)
assert g["population/value"].attrs["units"] in (b"persons", "persons")
print("ok")
PY
