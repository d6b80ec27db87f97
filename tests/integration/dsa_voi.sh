#!/usr/bin/env bash
# Decision analyses: /psa/ceaf, /psa/expected_loss and /psa/summary
# recomputed independently from the /psa rows; EVPPI within [0, EVPI] and
# groups that cover the drawn parameters (default and psa.evppi_groups);
# /economics/subgroups adding up to /economics; `osteosim dsa`: bounds at
# the distributions' 2.5 % / 97.5 % quantiles, a parameter that cannot
# change anything gives the base case exactly (common random numbers), and
# /dsa/base equals the base case's /economics.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/tests/configs/dsa_small.yaml"
small=(--agents 2000 --set run.end_year=2027 --quiet)
"$OSTEOSIM" run "$cfg" "${small[@]}" --psa 12 -o "$TMP/psa.h5"
"$OSTEOSIM" run "$cfg" "${small[@]}" --psa 4 --set 'psa.evppi_groups.costs=[economics.cost]' \
    --set 'psa.evppi_groups.both=[falls, programmes.exercise.coverage]' -o "$TMP/groups.h5"
"$PY" - "$TMP/psa.h5" "$TMP/groups.h5" <<'PY' || fail "psa decision tables"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
p = f["psa"]
narms = len(set(p["arm"][:]))
draw = p["draw"][:]
n = len(set(draw))
c = p["cost_discounted"][:].reshape(n, narms)
e = p["qaly_discounted"][:].reshape(n, narms)
ceaf, loss = p["ceaf"], p["expected_loss"]
assert ceaf["wtp"].attrs["units"] == "CNY/QALY" and loss["expected_loss"].attrs["units"] == "CNY"
for i, w in enumerate(ceaf["wtp"][:]):
    nmb = w * e - c
    best = int(np.argmax(nmb.mean(axis=0)))
    assert ceaf["arm"][i] == best, (w, ceaf["arm"][i], best)
    share = np.mean(np.argmax(nmb, axis=1) == best)
    assert abs(ceaf["probability"][i] - share) < 1e-12
    el = (nmb.max(axis=1)[:, None] - nmb).mean(axis=0)
    rows = loss["wtp"][:] == w
    assert np.allclose(loss["expected_loss"][:][rows], el, rtol=1e-9, atol=1e-6)
    evpi = p["evpi/evpi_population"][:][p["evpi/wtp"][:] == w][0]
# EVPI and the losses are stored as float32: 1.2e-7 is two float32 epsilons.
    assert abs(el.min() - evpi) <= 1.2e-7 * max(1, abs(evpi)) + 1e-6, (el.min(), evpi)
    ev = p["evppi"]
    sel = ev["wtp"][:] == w
    assert (ev["evppi_population"][:][sel] >= 0).all()
    assert (ev["evppi_population"][:][sel] <= evpi * (1 + 1.2e-7) + 1e-6).all()
s = p["summary"]
ref = int(p.attrs["reference"])
for name, x in [("incremental_cost", c - c[:, [ref]]), ("incremental_qaly", e - e[:, [ref]]),
                ("cost_discounted", c), ("qaly_discounted", e)]:
    assert np.allclose(s[name + "_mean"][:], x.mean(axis=0), rtol=1e-9, atol=1e-9), name
    assert np.allclose(s[name + "_p2_5"][:], np.quantile(x, 0.025, axis=0), rtol=1e-9, atol=1e-9), name
    assert np.allclose(s[name + "_p97_5"][:], np.quantile(x, 0.975, axis=0), rtol=1e-9, atol=1e-9), name
fr = sum(p[k][:] for k in p if k.startswith("fractures_") and isinstance(p[k], h5py.Dataset)).reshape(n, narms)
assert np.allclose(s["fractures_averted_mean"][:], (fr[:, [ref]] - fr).mean(axis=0))
assert s["incremental_cost_mean"].attrs["units"] == "CNY"
# default groups: every drawn parameter in exactly one group
members = [x.decode() for x in p["evppi_groups/parameter"][:]]
drawn = sorted(k for k in p["parameters"] if k != "draw")
assert sorted(members) == drawn
groups = {x.decode() for x in p["evppi_groups/group"][:]}
assert "economics.cost" in groups and "programmes.unused" in groups, groups
assert p["evppi"].attrs["method"].startswith("Strong & Oakley 2014 regression")
assert len(p["evppi_parameters/parameter"][:]) == len(drawn) * len(f["economics/thresholds/wtp"][:])
# subgroups add up to /economics
sg, ec = f["economics/subgroups"], f["economics"]
bands = {x.decode() for x in sg["age_band"][:]}
assert bands == {"50-64", "65-79", "80+"}, bands
for k in ["cost_discounted", "qaly_discounted", "incremental_cost", "incremental_qaly", "nmb_1"]:
    tot = np.array([sg[k][:][sg["arm"][:] == a].sum() for a in range(narms)])
    assert np.allclose(tot, ec[k][:], rtol=1e-9), k
assert sg["cost_discounted"].attrs["units"] == "CNY" and sg["nmb_1"].attrs["wtp"] == ec["nmb_1"].attrs["wtp"]
# groups from psa.evppi_groups
g = h5py.File(sys.argv[2], "r")["psa"]
gg = [x.decode() for x in g["evppi_groups/group"][:]]
pp = [x.decode() for x in g["evppi_groups/parameter"][:]]
assert set(gg) == {"costs", "both"}, set(gg)
assert all(q.startswith("economics.cost.") for q, h in zip(pp, gg) if h == "costs")
both = {q for q, h in zip(pp, gg) if h == "both"}
assert "programmes.exercise.coverage" in both and all(q.startswith("falls.") or q == "programmes.exercise.coverage" for q in both)
assert set(x.decode() for x in g["evppi/group"][:]) == {"costs", "both"}
PY
# One-way DSA: one parameter of each kind of distribution, and one that
# changes nothing (a programme in no arm).
params=programmes.unused.coverage,programmes.exercise.coverage,falls.or_per_decade,hospital.los.hip
params=$params,bone.tscore.national.mean_female,risk.smoking.prevalence.female
"$OSTEOSIM" dsa "$cfg" --agents 2000 --set run.end_year=2027 --quiet --params "$params" -o "$TMP/dsa.h5"
[ -f "$TMP/dsa.h5" ] || fail "dsa wrote no file"
"$OSTEOSIM" check "$cfg" > "$TMP/resolved.yaml"
if "$OSTEOSIM" dsa "$cfg" --agents 2000 --quiet --params no.such.key -o "$TMP/bad.h5" 2> "$TMP/bad.err"; then
    fail "dsa accepted an unknown parameter"
fi
grep -c "no.such.key" "$TMP/bad.err" > /dev/null || fail "dsa error does not name the key"
[ ! -e "$TMP/bad.h5" ] || fail "a failed dsa left a file"
"$PY" - "$TMP/dsa.h5" "$TMP/resolved.yaml" <<'PY' || fail "dsa checks"
import sys, h5py, numpy as np, yaml
from scipy import stats
f = h5py.File(sys.argv[1], "r")
cfg = yaml.safe_load(open(sys.argv[2]))
o, b, ec = f["dsa/oneway"], f["dsa/base"], f["economics"]
key = np.array([x.decode() for x in o["parameter"][:]])
bound = np.array([x.decode() for x in o["bound"][:]])
arm = o["arm"][:]
narms = len(b["arm"][:])
assert len(set(key)) == 6 and len(key) == 6 * 2 * narms
assert np.allclose(b["incremental_cost"][:], ec["incremental_cost"][:], rtol=1e-12)
assert np.allclose(b["nmb"][:], ec["nmb_1"][:], rtol=1e-12)
assert o["nmb"].attrs["wtp"] == ec["nmb_1"].attrs["wtp"] and o["nmb"].attrs["units"] == "CNY"
def node(k):
    n = cfg
    for part in k.split("."):
        n = n[part]
    return n
def quantile(d, q):
    t = d["type"]
    if t == "normal": return stats.norm.ppf(q, d["mean"], d["sd"])
    if t == "lognormal": return stats.lognorm.ppf(q, d["sdlog"], scale=np.exp(d["meanlog"]))
    if t == "gamma": return stats.gamma.ppf(q, d["shape"], scale=d["scale"])
    if t == "beta": return stats.beta.ppf(q, d["a"], d["b"])
    if t == "uniform": return d["min"] + q * (d["max"] - d["min"])
    raise ValueError(t)
kinds = set()
for k in set(key):
    d = node(k)["dist"]
    kinds.add(d["type"])
    for bd, q in (("low", 0.025), ("high", 0.975)):
        v = o["value"][:][(key == k) & (bound == bd)]
        assert np.allclose(v, quantile(d, q), rtol=1e-6), (k, bd, v[0], quantile(d, q))
assert kinds == {"normal", "lognormal", "gamma", "beta", "uniform"}, kinds
for col in ["incremental_cost", "incremental_qaly", "nmb"]:
    x = o[col][:][key == "programmes.unused.coverage"].reshape(2, narms)
    assert np.array_equal(x[0], b[col][:]) and np.array_equal(x[1], b[col][:]), col
x = o["nmb"][:][key == "programmes.exercise.coverage"].reshape(2, narms)
assert not np.array_equal(x[0], x[1]), "exercise coverage changed nothing"
PY
echo "dsa_voi: ok"
