#!/usr/bin/env bash
# `osteosim export` long (tidy) form: for every kind of table (/summary,
# /economics and its subgroups, each /psa table, /events, /cohort/<year>,
# /parameters, /demography, /summary_quantiles, the replicates' national
# totals) every value of the HDF5 file is one CSV row with its identifiers
# as labels and its units, read back exactly; labels holding commas and
# quotes survive a CSV parser; --format dampack matrices equal /psa;
# /summary_totals equals sums of /summary and quantiles recomputed here.
. "$(dirname "$0")/../integration_lib.sh"
out="$TMP/prog.h5"
rep="$TMP/rep.h5"
"$OSTEOSIM" run "$SRC/configs/china_programmes.yaml" --agents 1000 --psa 3 --set run.end_year=2026 \
  --set output.event_log=true --set "output.cohort_years=[2026]" --quiet -o "$out"
"$OSTEOSIM" run "$SRC/configs/china.yaml" --agents 1000 --set run.end_year=2027 --replicates 3 --quiet -o "$rep"

# A synthetic file: labels with commas, quotes and a code without a label;
# a quantile table; a table of identifiers only; nested subgroups.
"$PY" - "$TMP/odd.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    g = f.create_group("economics")
    g["arm"] = np.array([0, 1, 2, 3], dtype="i4")
    g["arm"].attrs["labels"] = '0=plain,1=a, b,2=say "hi"'
    g["cost"] = np.array([1.5, np.nan, -np.inf, 1e300])
    g["cost"].attrs["units"] = "EUR, 2024"
    g["x_mean"] = np.array([0.1, 0.2, 0.3, 0.4])
    g["x_p2_5"] = np.array([0.0, 0.1, 0.2, 0.3])
    g["note"] = np.array(["n,1", "n2", "", "line\nbreak"], dtype=h5py.string_dtype())
    g["sub/wtp"] = np.array([0.0, 10.0])
    g["sub/probability"] = np.array([0.25, 0.75])
    ids = f.create_group("ids")
    ids["arm"] = np.array([-1, 0], dtype="i1")
    ids["arm"].attrs["labels"] = '-1=none, really,0=plain'
    ids["name"] = np.array(["p", "q"], dtype=h5py.string_dtype())
PY

tables=(summary economics economics/thresholds psa psa/parameters psa/ceac psa/evpi events cohort/2026
        parameters demography)
for t in "${tables[@]}"; do
  "$OSTEOSIM" export "$out" --table "$t" --csv "$TMP/$(echo "$t" | tr / _).csv"
done
for t in summary_quantiles summary_totals totals; do
  "$OSTEOSIM" export "$rep" --table "$t" --csv "$TMP/rep_$t.csv"
done
"$OSTEOSIM" export "$TMP/odd.h5" --table economics --csv "$TMP/odd.csv"
"$OSTEOSIM" export "$TMP/odd.h5" --table economics/sub --csv "$TMP/odd_sub.csv"
"$OSTEOSIM" export "$TMP/odd.h5" --table ids --csv "$TMP/odd_ids.csv"
"$OSTEOSIM" export "$out" --table psa --format dampack --csv "$TMP/dp"

"$PY" - "$out" "$rep" "$TMP" <<'PY'
import csv, math, re, sys, h5py, numpy as np
out, rep, tmp = sys.argv[1:4]
KEYS = {"year", "arm", "sex", "age_lo", "age_hi", "age_band", "draw", "replicate", "wtp", "id",
        "agent", "group", "parameter", "bound"}
STATS = ("_mean", "_p2_5", "_p50", "_p97_5")

def text(v):
    return v.decode() if isinstance(v, bytes) else v

def labels_of(ds, f):
    lab = text(ds.attrs.get("labels"))
    name = ds.name.rsplit("/", 1)[-1]
    if lab is None and ds.dtype.kind in "iu" and "summary" in f and name in f["summary"]:
        lab = text(f["summary"][name].attrs.get("labels"))
    if lab is None:
        return None
    return {int(k): v for k, _, v in (s.partition("=") for s in re.split(r",(?=-?\d+=)", lab))}

def units_of(ds, f):
    u = text(ds.attrs.get("units", ""))
    name = ds.name.rsplit("/", 1)[-1]
    if not u and "summary" in f and name in f["summary"]:
        u = text(f["summary"][name].attrs.get("units", ""))
    return u or ""

def is_id(ds, f):
    name = ds.name.rsplit("/", 1)[-1]
    if name == "age":
        return ds.dtype.kind in "iu"
    return ds.dtype.kind in "SOU" or labels_of(ds, f) is not None or name in KEYS

def same(cell, v):
    v = text(v)
    if isinstance(v, str):
        return cell == v
    if isinstance(v, (np.integer, int)):
        return int(cell) == int(v)
    x, v = float(cell), float(v)
    return (math.isnan(x) and math.isnan(v)) or x == v

def cells_of(ds, f):
    """The column's cells as the CSV should show them (labels applied)."""
    v = ds.asstr()[:] if ds.dtype.kind in "SOU" else ds[:]
    lab = labels_of(ds, f)
    if lab is None or ds.dtype.kind not in "iu":
        return list(v)
    return [lab.get(int(x), x) for x in v]

def stat_split(name, cols):
    for s in STATS:
        if name.endswith(s):
            stem = name[: -len(s)]
            if any(c != name and c.startswith(stem) and c[len(stem):] in STATS for c in cols):
                return stem, s[1:]
    return name, ""

def read(name):
    with open(f"{tmp}/{name}", newline="", encoding="utf-8") as fh:
        r = list(csv.reader(fh))
    return r[0], r[1:]

def check(f, group, csvname, tagged=False):
    """Every value of the tables under GROUP in file order is one row."""
    header, body = read(csvname)
    g = f[group]
    direct = [k for k in g if isinstance(g[k], h5py.Dataset)]
    tables = [("", g)] if direct else [(k, g[k]) for k in g if isinstance(g[k], h5py.Group)]
    assert (header[0] == "table") == (len(tables) > 1 or tagged), (csvname, header)
    has_values = "variable" in header
    idcols = header[1 if header[0] == "table" else 0: header.index("variable") if has_values else None]
    it = iter(body)
    n = 0
    for tag, t in tables:
        cols = [k for k in t if isinstance(t[k], h5py.Dataset)]
        ids = [c for c in cols if is_id(t[c], f)]
        vals = [c for c in cols if c not in ids]
        assert set(ids) <= set(idcols), (csvname, ids, idcols)
        rows = len(t[cols[0]])
        cell = {c: cells_of(t[c], f) for c in ids}
        data = {c: t[c][:] for c in vals}
        units = {c: units_of(t[c], f) for c in vals}
        split = {c: stat_split(c, vals) for c in vals}
        for i in range(rows):
            for c in vals or [None]:
                row = next(it)
                n += 1
                rec = dict(zip(header, row))
                assert len(row) == len(header), (csvname, row)
                if header[0] == "table":
                    assert rec["table"] == tag, (csvname, rec)
                for k in idcols:
                    want = cell[k][i] if k in ids else ""
                    assert same(rec[k], want), (csvname, i, k, rec[k], want)
                if c is None:
                    assert not has_values or rec["variable"] == "", rec
                    continue
                stem, stat = split[c]
                assert rec["variable"] == stem and rec.get("statistic", "") == stat, (csvname, c, rec)
                assert same(rec["value"], data[c][i]), (csvname, c, i, rec["value"], data[c][i])
                assert rec["units"] == units[c], (csvname, c, rec["units"])
    assert next(it, None) is None, f"{csvname}: extra rows"
    return header, body, n

with h5py.File(out, "r") as f:
    for grp in ("summary", "economics", "economics/thresholds", "psa", "psa/parameters", "psa/ceac",
                "psa/evpi", "events", "cohort/2026", "parameters", "demography"):
        header, body, n = check(f, grp, grp.replace("/", "_") + ".csv")
        print(f"{grp}: {n} rows, columns {header}")
    h, b = read("summary.csv")
    assert h[:5] == ["year", "arm", "sex", "age_lo", "age_hi"] and h[-3:] == ["variable", "value", "units"], h
    assert {r[1] for r in b} == set(labels_of(f["summary/arm"], f).values()), "arm labels"
    assert {r[2] for r in b} == {"female", "male"}
    h, b = read("psa.csv")
    assert {r[h.index("arm")] for r in b} >= {"status_quo", "combined"}, "psa arm labels from /summary"
    assert all(r[h.index("units")] for r in b if r[h.index("variable")] == "cost_discounted"), "psa units"
    h, b = read("events.csv")
    assert "variable" not in h and {r[h.index("type")] for r in b} >= {"fall"}, h
    h, b = read("economics.csv")
    assert "dominance" in h and "reference" in {r[h.index("dominance")] for r in b}
    # The scenario description holds commas: one field, quoted.
    h, b = read("parameters.csv")
    d = [r for r in b if r[h.index("key")] == "scenario.description"]
    assert len(d) == 1 and "," in d[0][h.index("value")] and len(d[0]) == len(h), d

    # dampack / BCEA matrices: draws x arms, in draw order; parameters.
    p = f["psa"]
    arms = labels_of(f["summary/arm"], f)
    draws = sorted(set(p["draw"][:]))
    for fname, col in (("dp_cost.csv", "cost_discounted"), ("dp_effectiveness.csv", "qaly_discounted")):
        h, b = read(fname)
        assert h == [arms[a] for a in range(len(arms))], h
        assert len(b) == len(draws), (fname, len(b))
        for i, d in enumerate(draws):
            for a in range(len(arms)):
                k = np.flatnonzero((p["draw"][:] == d) & (p["arm"][:] == a))
                assert len(k) == 1 and same(b[i][a], p[col][k[0]]), (fname, d, a)
    h, b = read("dp_parameters.csv")
    pp = f["psa/parameters"]
    assert h == [k for k in pp if k != "draw"], h
    for j, k in enumerate(h):
        assert all(same(b[i][j], v) for i, v in enumerate(pp[k][:])), k

with h5py.File(rep, "r") as f:
    check(f, "summary_quantiles", "rep_summary_quantiles.csv")
    check(f, "summary_totals", "rep_summary_totals.csv")
    h, b, n = check(f, "summary_totals/quantiles", "rep_totals.csv")
    assert h == ["year", "arm", "sex", "variable", "statistic", "value", "units"], h
    # Replicate 0's totals are the sums of /summary over age bands (and sexes).
    s, t, q = ({k: v[:] for k, v in f[g].items() if isinstance(v, h5py.Dataset)}
               for g in ("summary", "summary_totals", "summary_totals/quantiles"))
    cols = [c for c in s if c not in ("year", "arm", "sex", "age_lo", "age_hi")]
    R = int(f["summary_totals"].attrs["replicates"])
    rows = {}
    assert R == 3 and sorted(set(t["replicate"][:])) == [0, 1, 2]
    assert set(t["sex"][:]) == {0, 1, 2} and labels_of(f["summary_totals/sex"], f)[2] == "both"
    for c in cols:
        for k in range(len(q["year"])):
            y, a, x = q["year"][k], q["arm"][k], q["sex"][k]
            m = (s["year"][:] == y) & (s["arm"][:] == a) & ((s["sex"][:] == x) | (x == 2))
            sel = (t["year"][:] == y) & (t["arm"][:] == a) & (t["sex"][:] == x)
            v = t[c][:][sel][np.argsort(t["replicate"][:][sel])]
            assert np.isclose(v[0], s[c][:][m].sum(), rtol=1e-12, atol=1e-6), (c, y, x)
            for suf, ref in (("mean", v.mean()), ("p2_5", np.percentile(v, 2.5)),
                             ("p50", np.percentile(v, 50)), ("p97_5", np.percentile(v, 97.5))):
                assert np.isclose(q[f"{c}_{suf}"][k], ref, rtol=1e-12, atol=1e-6), (c, suf)
    assert not np.array_equal(t["population"][:][t["replicate"][:] == 0],
                              t["population"][:][t["replicate"][:] == 1]), "replicates identical"

with h5py.File(f"{tmp}/odd.h5", "r") as f:
    check(f, "economics", "odd.csv")
    check(f, "economics/sub", "odd_sub.csv")
    check(f, "ids", "odd_ids.csv")
    assert read("odd_ids.csv") == (["arm", "name"], [["none, really", "p"], ["plain", "q"]]), read("odd_ids.csv")
    h, b = read("odd.csv")
    assert [r[0] for r in b[::3]] == ["plain", "a, b", 'say "hi"', "3"], b
    assert h == ["arm", "note", "variable", "statistic", "value", "units"], h
raw = open(f"{tmp}/odd.csv", encoding="utf-8").read()
assert '"a, b"' in raw and '"say ""hi"""' in raw and '"EUR, 2024"' in raw and '"line\nbreak"' in raw, raw
print("long export round-trips")
PY

# pandas parses the labels with commas (the issue's broken parser case).
"$PY" - "$TMP" <<'PY'
import sys
import pandas as pd
tmp = sys.argv[1]
d = pd.read_csv(f"{tmp}/odd.csv", keep_default_na=False)
assert list(d["arm"].unique()) == ["plain", "a, b", 'say "hi"', "3"], d["arm"].unique()
assert d.shape[1] == 6
e = pd.read_csv(f"{tmp}/economics.csv")
assert set(e["variable"]) >= {"cost_discounted", "icer"} and e["value"].dtype.kind == "f"
PY

set +e
"$OSTEOSIM" export "$out" --table psa --format dampack > /dev/null 2> "$TMP/err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "--format without --csv: exit $rc"
for bad in "/summary" "summary/" "../x" "a//b"; do
  set +e; "$OSTEOSIM" export "$out" --table "$bad" > /dev/null 2> "$TMP/err"; rc=$?; set -e
  [ $rc -eq 2 ] || fail "table '$bad': exit $rc"
done
set +e; "$OSTEOSIM" export "$out" --table cohort/1999 > /dev/null 2> "$TMP/err"; rc=$?; set -e
[ $rc -eq 1 ] && grep -c "no /cohort/1999" "$TMP/err" > /dev/null || fail "absent cohort year: exit $rc"
set +e; "$OSTEOSIM" export "$out" --table psa --format stata --csv "$TMP/x" 2> "$TMP/err"; rc=$?; set -e
[ $rc -eq 2 ] || fail "unknown format: exit $rc"
ls "$TMP"/*.tmp.* 2>/dev/null && fail "temporary file left behind"
echo "export_long: ok"
