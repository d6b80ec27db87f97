#!/usr/bin/env bash
# The PSA job array (scripts/slurm/psa_array.sbatch) emulated without Slurm:
# tasks 0..3 run the template's own command lines (task 0 the base case,
# task k draw k), and psa-merge of their files equals `run --psa 3` with
# the same seed: /psa (every subgroup) and every other group compare equal
# under h5diff.  Mismatched inputs are refused with one line, exit 2, and
# no output file; an input is never overwritten.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/tests/configs/arms_small.yaml"
small=(--agents 3000 --set run.end_year=2027 --quiet)
work="$TMP/array"
rm -rf "$work"   # a stale array from an earlier build would be skipped as done
mkdir -p "$work"
for id in 3 0 2 1; do   # tasks finish in any order
  (cd "$work" && SLURM_ARRAY_TASK_ID=$id SLURM_CPUS_PER_TASK=1 OSTEOSIM="$OSTEOSIM" \
     bash "$SRC/scripts/slurm/psa_array.sbatch" "$cfg" "${small[@]}") || fail "array task $id failed"
done
# A resubmitted task finds its file and skips.
out=$(cd "$work" && SLURM_ARRAY_TASK_ID=2 OSTEOSIM=/nonexistent bash "$SRC/scripts/slurm/psa_array.sbatch" "$cfg")
[ "$(echo "$out" | grep -c 'exists, skipped')" -eq 1 ] || fail "resubmitted task did not skip: $out"
ls "$work"/results/psa_{0,1,2,3}.h5 > /dev/null || fail "array files missing"

"$OSTEOSIM" run "$cfg" "${small[@]}" --psa 3 -o "$TMP/batch.h5"
"$OSTEOSIM" psa-merge "$work"/results/psa_*.h5 -o "$TMP/merged.h5"
h5diff -r "$TMP/batch.h5" "$TMP/merged.h5" /psa /psa > "$TMP/psa.diff" || fail "/psa of the merge differs: $(grep -v ' 0 differences' "$TMP/psa.diff" | head -5)"
for g in $(h5ls "$TMP/batch.h5" | awk '$2 == "Group" && $1 != "psa" {print $1}'); do
  h5diff -q "$TMP/batch.h5" "$TMP/merged.h5" "/$g" "/$g" || fail "/$g of the merge differs from --psa 3"
done
"$PY" - "$TMP/merged.h5" <<'PY' || fail "merged /psa content"
import sys, h5py
p = h5py.File(sys.argv[1], "r")["psa"]
assert sorted(set(p["draw"][:])) == [1, 2, 3], p["draw"][:]
assert list(p["parameters/draw"][:]) == [1, 2, 3]
for g in ("parameters", "ceac", "evpi"):
    assert g in p, g
PY

# Refusals: one line, exit 2, nothing written.
r="$work/results"
"$OSTEOSIM" run "$cfg" "${small[@]}" --seed 7 --psa-draw 2 -o "$TMP/seed7.h5"
"$OSTEOSIM" run "$cfg" --agents 3001 --set run.end_year=2027 --quiet --psa-draw 2 -o "$TMP/a3001.h5"
refuse() {   # WHAT PATTERN ARGS...
  local what=$1 pat=$2; shift 2
  set +e
  "$OSTEOSIM" psa-merge "$@" -o "$TMP/bad.h5" 2> "$TMP/bad.err"; local rc=$?
  set -e
  [ $rc -eq 2 ] || fail "$what: exit $rc, expected 2"
  [ "$(wc -l < "$TMP/bad.err")" -eq 1 ] || fail "$what: not one line: $(cat "$TMP/bad.err")"
  [ "$(grep -c -- "$pat" "$TMP/bad.err")" -eq 1 ] || fail "$what: message lacks '$pat': $(cat "$TMP/bad.err")"
  [ ! -e "$TMP/bad.h5" ] || fail "$what: wrote an output"
}
refuse "missing draw" "draw 2 of 1..3 is missing" "$r/psa_0.h5" "$r/psa_1.h5" "$r/psa_3.h5"
refuse "duplicate draw" "both hold draw 1" "$r/psa_0.h5" "$r/psa_1.h5" "$r/psa_1.h5"
refuse "no base case" "no base-case file" "$r/psa_1.h5" "$r/psa_2.h5"
refuse "two base cases" "both base cases" "$r/psa_0.h5" "$r/psa_0.h5" "$r/psa_1.h5"
refuse "other seed" "seed 7 differs" "$r/psa_0.h5" "$r/psa_1.h5" "$TMP/seed7.h5"
refuse "other configuration" "configuration differs" "$r/psa_0.h5" "$r/psa_1.h5" "$TMP/a3001.h5"
refuse "a --psa N file" "a --psa N run" "$r/psa_0.h5" "$TMP/batch.h5"

before=$(cksum < "$r/psa_1.h5")
set +e
"$OSTEOSIM" psa-merge "$r/psa_0.h5" "$r/psa_1.h5" -o "$r/psa_1.h5" 2> "$TMP/bad.err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "output over an input: exit $rc, expected 2"
[ "$(cksum < "$r/psa_1.h5")" = "$before" ] || fail "an input was overwritten"
echo "psa_array_merge: ok"
