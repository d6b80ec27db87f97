#!/usr/bin/env bash
# `osteosim export --wide` (the file's layout): CSV values read back exactly
# equal to the HDF5 values; strings quoted per RFC 4180; exit codes for a bad
# table, an absent group, a missing file and bad usage.  The long (default)
# form is tested by export_long.sh.
. "$(dirname "$0")/../integration_lib.sh"
out="$TMP/e.h5"
"$OSTEOSIM" run "$SRC/configs/china.yaml" --agents 5000 --set run.end_year=2027 \
  --set "output.cohort_years=[2025]" --quiet -o "$out"
"$OSTEOSIM" export "$out" --table summary --wide --csv "$TMP/summary.csv"
"$OSTEOSIM" export "$out" --table summary --wide > "$TMP/summary_stdout.csv"
cmp -s "$TMP/summary.csv" "$TMP/summary_stdout.csv" || fail "--csv and stdout differ"
"$OSTEOSIM" export "$out" --table parameters --wide --csv "$TMP/parameters.csv"
"$OSTEOSIM" export "$out" --table demography --wide --csv "$TMP/demography.csv"

# A synthetic file with awkward values: NaN, infinities, float32, large
# integers, strings with commas, quotes and line breaks, subgroups.
"$PY" - "$TMP/odd.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as f:
    g = f.create_group("economics")
    g["x"] = np.array([np.nan, np.inf, -np.inf, 0.1, -0.0, 1e300, 5e-324, 2.0**60], dtype="f8")
    g["f"] = np.array([0.1, 1.0 / 3, -2.5, 3e38, 1e-40, 7, 0, 1], dtype="f4")
    g["big"] = np.array([2**62 + 1, -2**63, 0, 1, 2, 3, 4, 5], dtype="i8")
    g["u"] = np.array([2**64 - 1, 0, 1, 2, 3, 4, 5, 6], dtype="u8")
    g["s"] = np.array(["plain", "a,b", 'say "hi"', "two\nlines", "", "é", " x", "z"],
                      dtype=h5py.string_dtype())
    g["fixed"] = np.array([b"ab", b"c", b"", b"d,e", b"f", b"g", b"h", b"i"], dtype="S3")
    sub = f.create_group("psa/draws")
    sub["a"] = np.arange(3, dtype="i2")
    f["psa/b"] = np.array([1.5, 2.5], dtype="f8")
PY
"$OSTEOSIM" export "$TMP/odd.h5" --table economics --wide --csv "$TMP/odd.csv"
"$OSTEOSIM" export "$TMP/odd.h5" --table psa --wide --csv "$TMP/psa.csv"

"$PY" - "$out" "$TMP" <<'PY'
import csv, math, sys, h5py, numpy as np
path, tmp = sys.argv[1], sys.argv[2]

def rows(name):
    with open(f"{tmp}/{name}", newline="", encoding="utf-8") as fh:
        r = list(csv.reader(fh))
    return r[0], r[1:]

def same(cell, v):
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, str):
        return cell == v
    if isinstance(v, (np.integer, int)):
        return int(cell) == int(v)
    x = float(cell)
    v = float(v)
    return (math.isnan(x) and math.isnan(v)) or (x == v and math.copysign(1, x) == math.copysign(1, v))

def check_group(g, header, body, prefix=None):
    n = len(body)
    cols = [k for k in g if isinstance(g[k], h5py.Dataset)]
    assert n == len(g[cols[0]]), (n, len(g[cols[0]]))
    for c in cols:
        j = header.index(c)
        for i, v in enumerate(g[c][:]):
            assert same(body[i][j], v), f"{g.name}/{c}[{i}]: csv {body[i][j]!r} != h5 {v!r}"

with h5py.File(path, "r") as f:
    header, body = rows("summary.csv")
    s = f["summary"]
    assert sorted(header) == sorted(s.keys()), header
    assert header[:5] == ["year", "arm", "sex", "age_lo", "age_hi"], header[:5]
    assert all(len(r) == len(header) for r in body)
    check_group(s, header, body)
    # numbers exactly as in the file, compared as numpy arrays too
    for c in header:
        col = np.array([float(r[header.index(c)]) for r in body])
        assert np.array_equal(col, s[c][:].astype("f8")), c
    nonint = sum(1 for r in body for x in r if "." in x or "e" in x)
    assert nonint > 0, "expected some non-integer values"

    for name, grp in (("parameters.csv", "parameters"), ("demography.csv", "demography")):
        header, body = rows(name)
        assert header[0] == "table", header
        for sub in f[grp]:
            part = [r for r in body if r[0] == sub]
            empty = all(len(d) == 0 for d in f[grp][sub].values())  # e.g. no unused keys
            assert part or empty, f"{grp}/{sub} missing"
            check_group(f[grp][sub], header, part)
    header, body = rows("parameters.csv")
    desc = [r for r in body if r[header.index("key")] == "scenario.description"]
    assert desc and "," in desc[0][header.index("value")], desc

with h5py.File(f"{tmp}/odd.h5", "r") as f:
    header, body = rows("odd.csv")
    assert header[0] != "table", header
    check_group(f["economics"], header, body)
    header, body = rows("psa.csv")
    assert header == ["table", "a", "b"], header
    assert [r[0] for r in body] == ["", "", "draws", "draws", "draws"], body
    assert body[0][2] == "1.5" and body[2][1] == "0" and body[2][2] == "", body
raw = open(f"{tmp}/odd.csv", encoding="utf-8").read()
assert '"say ""hi"""' in raw and '"a,b"' in raw and '"two\nlines"' in raw, raw
header, body = rows("odd.csv")
x = [r[header.index("x")] for r in body]
assert x[:3] == ["NaN", "Inf", "-Inf"] and x[4] == "-0", x
print("values round-trip exactly")
PY

expect_rc() { # expected-code description command...
  local want=$1 what=$2; shift 2
  set +e; "$@" > "$TMP/rc.out" 2> "$TMP/rc.err"; local rc=$?; set -e
  [ "$rc" = "$want" ] || fail "$what: exit $rc, expected $want ($(cat "$TMP/rc.err"))"
  [ "$(wc -l < "$TMP/rc.err")" -le 1 ] || fail "$what: error is more than one line"
}
expect_rc 2 "unknown table" "$OSTEOSIM" export "$out" --table nonsense
grep -q "unknown table 'nonsense'" "$TMP/rc.err" || fail "unknown table message"
expect_rc 1 "absent group" "$OSTEOSIM" export "$out" --table psa
grep -qx "osteosim export: no /psa in $out" "$TMP/rc.err" || fail "absent group message: $(cat "$TMP/rc.err")"
expect_rc 1 "missing file" "$OSTEOSIM" export "$TMP/does-not-exist.h5" --table summary
expect_rc 2 "not HDF5" "$OSTEOSIM" export "$TMP/summary.csv"
expect_rc 1 "unwritable csv" "$OSTEOSIM" export "$out" --csv "$TMP/no/such/dir.csv"
expect_rc 2 "no file" "$OSTEOSIM" export
expect_rc 2 "bad option" "$OSTEOSIM" export "$out" --frobnicate
expect_rc 2 "missing value" "$OSTEOSIM" export "$out" --table
expect_rc 0 "help" "$OSTEOSIM" export --help
grep -q "usage: osteosim export" "$TMP/rc.out" || fail "--help text"
expect_rc 0 "version" "$OSTEOSIM" export --version
grep -q "^osteosim .* (commit .*)$" "$TMP/rc.out" || fail "--version text"
ls "$TMP"/*.tmp.* 2>/dev/null && fail "temporary file left behind"
echo "export_roundtrip: ok"
