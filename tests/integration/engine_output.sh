#!/usr/bin/env bash
# Output file contract: root attributes, /summary columns with units and
# descriptions, /cohort snapshots; `info`; atomic writes.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/configs/china.yaml"
out="$TMP/out.h5"
"$OSTEOSIM" run "$cfg" "${SMALL[@]}" -o "$out"
[ -f "$out" ] || fail "no output file"
ls "$TMP"/out.h5.tmp.* 2>/dev/null && fail "temporary file left behind"
"$PY" - "$out" <<'PY'
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
for a in ["osteosim_version", "git_commit", "seed", "created", "config"]:
    assert a in f.attrs, f"root attribute {a} missing"
assert "run:" in f.attrs["config"] and "include:" not in f.attrs["config"]
s = f["summary"]
n = len(s["year"])
for c in ["year", "arm", "sex", "age_lo", "age_hi", "population", "agents"]:
    assert c in s, f"/summary/{c} missing"
for name, d in s.items():
    assert len(d) == n, name
    assert "units" in d.attrs and "description" in d.attrs, f"{name} lacks units/description"
years = sorted(set(s["year"][:]))
assert years == list(range(2025, 2032)), years
assert n == len(years) * 2 * 11
assert sorted(set(s["age_lo"][:])) == list(range(50, 101, 5))
assert s["population"][:].sum() > 0 and (s["agents"][:] >= 0).all()
# Provenance: every parameter the run read, with value, unit, source, origin.
u = f["parameters/used"]
keys = [k.decode() for k in u["key"][:]]
for field in ["value", "unit", "source", "origin"]:
    assert len(u[field]) == len(keys), field
row = dict(zip(keys, [v.decode() for v in u["value"][:]]))
assert row["run.agents"] == "20000" and row["run.start_year"] == "2025", row.get("run.agents")
assert any(o.decode().startswith("--set") for o in u["origin"][:]), "override origin not recorded"
assert "unused" in f["parameters"]
PY
"$PY" - "$out" <<'PY'
import sys, h5py
f = h5py.File(sys.argv[1], "r")
assert sorted(f["cohort"].keys()) == ["2025", "2030"], list(f["cohort"].keys())
g = f["cohort/2025"]
n = len(g["id"])
for name, d in g.items():
    assert len(d) == n and "units" in d.attrs, name
assert g["id"].compression == "gzip" and g["id"].shuffle
s = f["summary"]
agents2025 = s["agents"][s["year"][:] == 2025].sum()
assert agents2025 == n, (agents2025, n)
PY
"$OSTEOSIM" info --verbose "$out" > "$TMP/info.txt"
for w in "seed:" "years:           2025-2031" "agents:" "arms:" "bytes per agent:" "/summary/population"; do
  grep -q -- "$w" "$TMP/info.txt" || fail "info lacks '$w'"
done
echo "engine_output: ok"
