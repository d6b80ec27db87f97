#!/usr/bin/env bash
# Replicates: /summary_quantiles equals the quantiles computed independently
# from separate runs at the replicate seeds; --from reproduces a run bitwise.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/configs/china.yaml"
small=(--agents 5000 --set run.end_year=2028 --quiet)
"$OSTEOSIM" run "$cfg" "${small[@]}" --replicates 4 -o "$TMP/rep.h5"
seeds=$("$PY" -c "import h5py,sys; print(' '.join(str(int(s)) for s in h5py.File(sys.argv[1])['summary_quantiles'].attrs['seeds']))" "$TMP/rep.h5")
k=0
for s in $seeds; do
  "$OSTEOSIM" run "$cfg" "${small[@]}" --seed "$s" -o "$TMP/seed$k.h5"
  k=$((k + 1))
done
[ $k -eq 4 ] || fail "expected 4 replicate seeds, got $k"
h5diff "$TMP/rep.h5" "$TMP/seed0.h5" /summary || fail "replicate 0 is not the run itself"
"$PY" - "$TMP" <<'PY'
import sys, h5py, numpy as np
tmp = sys.argv[1]
q = h5py.File(f"{tmp}/rep.h5")["summary_quantiles"]
runs = [h5py.File(f"{tmp}/seed{k}.h5")["summary"] for k in range(4)]
keys = ["year", "arm", "sex", "age_lo", "age_hi"]
for k in keys:
    assert (q[k][:] == runs[0][k][:]).all(), k
outcomes = [c for c in runs[0].keys() if c not in keys]
assert outcomes
for c in outcomes:
    v = np.stack([r[c][:] for r in runs])           # replicates x rows
    for suffix, ref in (("mean", v.mean(axis=0)), ("p2_5", np.percentile(v, 2.5, axis=0)),
                        ("p50", np.percentile(v, 50, axis=0)), ("p97_5", np.percentile(v, 97.5, axis=0))):
        got = q[f"{c}_{suffix}"][:]
        assert np.allclose(got, ref, rtol=1e-12, atol=1e-9), (c, suffix, np.abs(got - ref).max())
# Replicates differ from each other (else the seeds are not used).
assert not np.array_equal(runs[0]["osteoporosis"][:], runs[1]["osteoporosis"][:])
PY
# --from: the scenario stored in an output reproduces it bitwise, quantiles included.
"$OSTEOSIM" run --from "$TMP/rep.h5" -o "$TMP/again.h5" --quiet --threads 1
for g in /summary /summary_quantiles /cohort; do
  h5diff "$TMP/rep.h5" "$TMP/again.h5" "$g" || fail "--from differs in $g"
done
set +e
"$OSTEOSIM" run --from "$TMP/rep.h5" --quiet 2>/dev/null; [ $? -eq 2 ] || fail "--from without -o should exit 2"
"$OSTEOSIM" run --from "$TMP/none.h5" -o "$TMP/x.h5" --quiet 2>/dev/null; [ $? -eq 2 ] || fail "--from a missing file should exit 2"
set -e
echo "replicates_from: ok"
