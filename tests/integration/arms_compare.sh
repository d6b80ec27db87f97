#!/usr/bin/env bash
# Arms of one scenario (tests/configs/arms_small.yaml): common random
# numbers (a zero-coverage arm equals the reference arm bitwise), /economics
# consistent with /summary by hand, thread count not changing any arm, and
# the programmes visibly doing what they say (fewer falls with an exercise
# programme, fewer hip fractures with a drug).
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/tests/configs/arms_small.yaml"
"$OSTEOSIM" run "$cfg" -o "$TMP/a.h5" --threads 1 --quiet
"$OSTEOSIM" run "$cfg" -o "$TMP/b.h5" --threads 2 --quiet
for g in /summary /economics; do
  h5diff -q "$TMP/a.h5" "$TMP/b.h5" "$g" "$g" || fail "$g differs between 1 and 2 threads"
done
"$PY" - "$TMP/a.h5" <<'PY' || fail "arms checks"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
s, e = f["summary"], f["economics"]
labels = dict(x.split("=") for x in s["arm"].attrs["labels"].split(","))
idx = {v: int(k) for k, v in labels.items()}
arm = s["arm"][:]
ref, zero, ex, drug = (arm == idx[n] for n in ("status_quo", "zero", "exercise", "drug"))
cols = [k for k in s if k != "arm"]
bad = [k for k in cols if not np.array_equal(s[k][:][ref], s[k][:][zero])]
assert not bad, f"zero-coverage arm differs from the reference in {bad}"
tot = lambda col, m: s[col][:][m].sum()
assert tot("programme_persons", ex) > 0 and tot("programme_persons", ref) == 0
assert tot("falls", ex) < 0.95 * tot("falls", ref), "exercise did not reduce falls"
assert tot("fractures_hip", drug) < tot("fractures_hip", ref), "drug did not reduce hip fractures"
assert tot("programme_screens", drug) > 0
# /economics rows are arms; values from /summary by hand
names = [x.decode() if isinstance(x, bytes) else x for x in e["arm_name"][:]]
r = names.index("status_quo")
for a, name in enumerate(names):
    m = arm == idx[name]
    for col in ("cost_discounted", "qaly_discounted", "fractures_hip", "deaths", "programme_cost"):
        assert np.isclose(e[col][a], tot(col, m), rtol=1e-12), (name, col)
    dc = tot("cost_discounted", m) - tot("cost_discounted", ref)
    dq = tot("qaly_discounted", m) - tot("qaly_discounted", ref)
    assert np.isclose(e["incremental_cost"][a], dc, rtol=1e-9, atol=1e-3)
    assert np.isclose(e["incremental_qaly"][a], dq, rtol=1e-9, atol=1e-6)
    wtp = e["thresholds/wtp"][:]
    for k, w in enumerate(wtp):
        assert np.isclose(e[f"nmb_{k + 1}"][a], w * dq - dc, rtol=1e-9, atol=1e-3), (name, k)
    if a != r and dq != 0 and e["dominance"][a] == 0:
        assert np.isclose(e["icer"][a], dc / dq, rtol=1e-9), name
assert e["dominance"][r] == 3 and e["dominance"][names.index("zero")] == 0
assert list(wtp) == [72000.0, 144000.0, 216000.0], wtp
PY
echo "arms_compare: ok"
