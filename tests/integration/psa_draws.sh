#!/usr/bin/env bash
# Probabilistic sensitivity analysis: draw k run alone (--psa-draw k)
# equals draw k of a batch (--psa N) row for row; /psa tables are
# complete; the CEAC sums to 1 across arms at every threshold.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/tests/configs/arms_small.yaml"
small=(--agents 3000 --set run.end_year=2027 --quiet)
"$OSTEOSIM" run "$cfg" "${small[@]}" --psa 3 -o "$TMP/batch.h5"
"$OSTEOSIM" run "$cfg" "${small[@]}" --psa-draw 2 -o "$TMP/alone.h5"
"$PY" - "$TMP/batch.h5" "$TMP/alone.h5" <<'PY' || fail "psa checks"
import sys, h5py, numpy as np
b, a = (h5py.File(p, "r")["psa"] for p in sys.argv[1:3])
assert sorted(set(b["draw"][:])) == [1, 2, 3] and set(a["draw"][:]) == {2}
rows = b["draw"][:] == 2
for k in b:
    if isinstance(b[k], h5py.Dataset):
        assert np.array_equal(b[k][:][rows], a[k][:]), k
bp, ap = b["parameters"], a["parameters"]
assert set(bp) == set(ap) and len(bp) > 50, len(bp)
for k in bp:
    assert bp[k][1] == ap[k][0], k
    assert k == "draw" or len(set(bp[k][:])) > 1, f"{k} not drawn"
ceac = b["ceac"]
narms = len(set(ceac["arm"][:]))
p = ceac["probability"][:].reshape(-1, narms)
assert np.allclose(p.sum(axis=1), 1.0)
assert (b["evpi/evpi_population"][:] >= -1e-6).all()
PY
# Draw k alone is a full run with its own parameters: --from reproduces it.
"$OSTEOSIM" run --from "$TMP/alone.h5" -o "$TMP/again.h5" --quiet
h5diff -q "$TMP/alone.h5" "$TMP/again.h5" /summary /summary || fail "--from of a PSA draw differs"
echo "psa_draws: ok"
