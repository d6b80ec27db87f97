#!/usr/bin/env bash
# Time horizons (docs/demography.md, "Horizons past the tables" and
# "Start years between table years"): runs to 2070 past the China tables
# (2025..2050) with each mortality and entrant extrapolation, a start in
# 2027 between the 2025 and 2030 tables, and one-line refusals.
source "$(dirname "$0")/../integration_lib.sh"

cfg="$SRC/configs/china.yaml"
rm -f "$TMP"/*.h5
Q=(--agents 20000 --quiet --set "output.cohort_years=[]")

# Past the tables: the default (no declaration) says so on stderr.
"$OSTEOSIM" run "$cfg" "${Q[@]}" --set run.end_year=2070 --set output.path="$TMP/default.h5" \
    2> "$TMP/err" || fail "run to 2070: exit $?: $(cat "$TMP/err")"
grep -q "note: run.end_year 2070 passes the last table year 2050" "$TMP/err" ||
    fail "no note about the extrapolation: $(cat "$TMP/err")"
grep -q "defaults for what demography.extrapolation" "$TMP/err" || fail "the note does not say defaults apply"
for m in loglinear hold; do
  for e in trend stop; do
    "$OSTEOSIM" run "$cfg" "${Q[@]}" --set run.end_year=2070 --set output.path="$TMP/$m-$e.h5" \
        --set demography.extrapolation.mortality=$m --set demography.extrapolation.entrants=$e \
        2> "$TMP/err" || fail "$m/$e: exit $?: $(cat "$TMP/err")"
  done
done
"$OSTEOSIM" run "$cfg" "${Q[@]}" --set run.start_year=2027 --set run.end_year=2032 \
    --set output.path="$TMP/s2027.h5" 2> "$TMP/err" || fail "start 2027: exit $?: $(cat "$TMP/err")"
"$OSTEOSIM" run "$cfg" "${Q[@]}" --set run.end_year=2032 --set output.path="$TMP/s2025.h5" \
    2> /dev/null || fail "start 2025 run failed"

"$PY" - "$TMP" "$SRC/configs/countries/china/data/china_population.csv" <<'PY' || fail "horizon outputs"
import sys, math, h5py, numpy as np
tmp, popcsv = sys.argv[1:3]
def series(path):
    with h5py.File(path, "r") as h:
        s = h["summary"]
        y, p, d = s["year"][:], s["population"][:], s["deaths"][:]
        ys = np.unique(y)
        return (ys, np.array([p[y == v].sum() for v in ys]), np.array([d[y == v].sum() for v in ys]),
                s["year"].attrs["description"], dict(h["demography"].attrs))
bad = []
res = {}
for name in ["default", "loglinear-trend", "loglinear-stop", "hold-trend", "hold-stop"]:
    ys, pop, deaths, desc, attrs = series(f"{tmp}/{name}.h5")
    res[name] = (ys, pop, deaths)
    if list(ys) != list(range(2025, 2071)): bad.append(f"{name}: years {ys[0]}..{ys[-1]}")
    if not (pop > 0).all() or not (deaths > 0).all(): bad.append(f"{name}: population or deaths not positive")
    i = list(ys).index(2050)
    if abs(deaths[i + 1] - deaths[i]) > 3 * abs(deaths[i] - deaths[i - 1]) + 0.1 * deaths[i]:
        bad.append(f"{name}: deaths jump at 2050/2051: {deaths[i-1]:.0f} {deaths[i]:.0f} {deaths[i+1]:.0f}")
    m, e = name.split("-") if "-" in name else ("loglinear", "trend")
    if "years after 2050 are extrapolated" not in desc or f"mortality: {m}" not in desc \
            or f"entrants: {e}" not in desc:
        bad.append(f"{name}: /summary/year description: {desc!r}")
    if attrs.get("last_table_year") != 2050 or attrs.get("extrapolation_mortality") != m.encode() \
            or attrs.get("extrapolation_entrants") != e.encode():
        bad.append(f"{name}: /demography attributes {attrs}")
    src = attrs.get("extrapolation_source", b"").decode()
    if ("default" in src) != (name == "default"): bad.append(f"{name}: extrapolation_source {src!r}")
    if e == "trend" and abs(pop[i + 1] / pop[i] - 1) > 0.02: bad.append(f"{name}: population jumps at 2051")
# Within the tables the choice changes nothing; past them, stop loses the entrants
# and loglinear saves lives compared with hold.
ys, p0, d0 = res["default"]
k = list(ys).index(2051)
for name, (_, p, d) in res.items():
    if not (np.array_equal(p[:k], p0[:k]) and np.array_equal(d[:k - 1], d0[:k - 1])):
        bad.append(f"{name}: differs from the default before 2051")
if not res["loglinear-stop"][1][-1] < 0.7 * res["loglinear-trend"][1][-1]: bad.append("stop keeps entrants")
if not res["loglinear-trend"][2][-10:].sum() < res["hold-trend"][2][-10:].sum(): bad.append("loglinear kills more than hold")
# Start 2027: the base population is the tables interpolated log-linearly by group.
tab = {}
for line in open(popcsv):
    if line[0] in "#y": continue
    y, s, a, v = line.strip().split(",")
    tab[(int(y), s, int(a))] = float(v)
with h5py.File(f"{tmp}/s2027.h5") as h, h5py.File(f"{tmp}/s2025.h5") as g:
    s, r = h["summary"], g["summary"]
    if s["year"][0] != 2027: bad.append(f"start 2027: first year {s['year'][0]}")
    for sx, nm in ((0, "female"), (1, "male")):
        got = s["population"][:][(s["year"][:] == 2027) & (s["sex"][:] == sx)].sum()
        want = sum(math.floor(tab[(2025, nm, a)] ** 0.6 * tab[(2030, nm, a)] ** 0.4 + 0.5) for a in range(50, 101, 5))
        run25 = r["population"][:][(r["year"][:] == 2027) & (r["sex"][:] == sx)].sum()
        t25 = sum(tab[(2025, nm, a)] for a in range(50, 101, 5))
        t30 = sum(tab[(2030, nm, a)] for a in range(50, 101, 5))
        if abs(got - want) > 1: bad.append(f"start 2027 {nm}: {got} persons, tables interpolated {want}")
        if not t25 < got < t30 or abs(got / run25 - 1) > 0.02:
            bad.append(f"start 2027 {nm}: {got} vs tables {t25}..{t30}, run from 2025 {run25}")
for b in bad: print("horizons:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# Refusals: one line, exit 2, for run and check.
refuse() { # WANT ARGS...
    local want=$1; shift
    for cmd in run check; do
      set +e
      local extra=(--set run.agents=2000 --set output.path="$TMP/refused.h5"); [ $cmd = run ] && extra+=(--quiet)
      "$OSTEOSIM" $cmd "$cfg" "${extra[@]}" "$@" 2> "$TMP/err"
      local rc=$?
      set -e
      [ $rc -eq 2 ] || fail "$cmd $*: exit $rc, expected 2: $(cat "$TMP/err")"
      [ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "$cmd $*: $(wc -l < "$TMP/err") stderr lines"
      grep -qF -- "$want" "$TMP/err" || fail "$cmd $*: '$want' not in: $(cat "$TMP/err")"
      [ ! -e "$TMP/refused.h5" ] || fail "$cmd $*: left an output"
    done
}
refuse "no table for run.start_year 2020" --set run.start_year=2020
refuse "no table for run.start_year 2051" --set run.start_year=2051 --set run.end_year=2060
refuse "demography.extrapolation.mortality: loglinear (the default past the tables) needs" \
    --set run.end_year=2070 --set demography.extrapolation.trend_years=3
refuse "--set: demography.extrapolation.mortality" --set run.end_year=2060 \
    --set demography.extrapolation.mortality=linear
# Death rates that end before the start: nothing to extrapolate from.
"$PY" - "$SRC/configs/countries/china/data/china_mortality.csv" "$TMP/mx_early.csv" <<'PY'
import sys
out = open(sys.argv[2], "w")
for l in open(sys.argv[1]):
    if l[0].isdigit():
        y, rest = l.split(",", 1)
        l = f"{int(y) - 30},{rest}"
    out.write(l)
PY
refuse "no death rates to extrapolate from" --set demography.mortality_file="$TMP/mx_early.csv"
echo "horizons: ok"
