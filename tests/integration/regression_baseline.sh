#!/usr/bin/env bash
# Regression baseline: the /summary of a small fixed run must equal
# tests/baseline/summary.h5 exactly.  A deliberate change of results is
# recorded by regenerating the baseline (scripts/update-baseline.sh).
. "$(dirname "$0")/../integration_lib.sh"
base="$SRC/tests/baseline/summary.h5"
[ -f "$base" ] || fail "no baseline $base: run scripts/update-baseline.sh"
cand="$TMP/summary.h5"
bash "$SRC/scripts/update-baseline.sh" --osteosim "$OSTEOSIM" --output "$cand" > /dev/null
if h5diff -q "$base" "$cand" /summary /summary; then
  echo "regression_baseline: ok"
  exit 0
fi
"$PY" - "$base" "$cand" <<'PY' >&2 || true
import sys, h5py, numpy as np
with h5py.File(sys.argv[1], "r") as a, h5py.File(sys.argv[2], "r") as b:
    print("baseline:", a.attrs.get("git_commit"), a.attrs.get("created"))
    sa, sb = a["summary"], b["summary"]
    for name in sorted(set(sa) - set(sb)):
        print(f"  column {name}: in the baseline only")
    for name in sorted(set(sb) - set(sa)):
        print(f"  column {name}: new (not in the baseline)")
    shown = 0
    for name in sorted(set(sa) & set(sb)):
        x, y = sa[name][:], sb[name][:]
        if x.shape != y.shape:
            print(f"  column {name}: {x.shape[0]} rows in the baseline, {y.shape[0]} now")
        elif not np.array_equal(x, y):
            bad = np.flatnonzero(x != y)
            i = bad[0]
            key = ", ".join(f"{k}={sa[k][i]}" for k in ("year", "arm", "sex", "age_lo") if k in sa)
            print(f"  column {name}: {len(bad)} of {len(x)} rows differ; first ({key}): "
                  f"baseline {x[i]!r}, now {y[i]!r}")
            shown += 1
            if shown == 10:
                print("  ...")
                break
PY
fail "/summary differs from tests/baseline/summary.h5. If the change in results is intended, run scripts/update-baseline.sh and commit the new baseline with a message saying why results changed."
