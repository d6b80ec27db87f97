#!/usr/bin/env bash
# PSA from a calibration posterior (run --posterior, sim/psa_posterior.c),
# with a small posterior file made by tests/make_posterior.py in the format
# osteosim calibrate writes:
# - the posterior's parameters take the values of one particle per draw
#   (the one /psa/posterior names), jointly, and no other value;
# - the other parameters are the draws of a PSA from the priors;
# - /provenance records the file and its hash; /psa/targets compares every
#   draw with the calibration targets, and the run prints the share;
# - a job array with --posterior (emulated) merged equals --psa N, also
#   after a task is lost and run again, and so does a run under mpirun;
#   a draw task resumed from its checkpoint is the same draw;
# - bad posterior files are one line, exit 2, naming file and key, and
#   no output file.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/tests/configs/arms_small.yaml"
small=(--agents 3000 --set run.end_year=2027 --quiet)
mk() { "$PY" "$SRC/tests/make_posterior.py" "$@"; }
params=(--param fractures.hip.base_rate_female=0.0003:0.0005 --param falls.base_prob.female=0.09:0.13
        --param muscle.baseline.asmi_median_female_50=6.0:7.0)

"$OSTEOSIM" run "$cfg" "${small[@]}" --psa 4 -o "$TMP/prior.h5"
mk "$TMP/post.h5" --from "$TMP/prior.h5" "${params[@]}" --particles 30 --seed 3
"$OSTEOSIM" run "$cfg" --agents 3000 --set run.end_year=2027 --psa 4 --posterior "$TMP/post.h5" \
    -o "$TMP/batch.h5" > "$TMP/batch.out" 2> /dev/null
grep -q "PSA from the calibration posterior $TMP/post.h5" "$TMP/batch.out" || fail "no posterior line in the report"
grep -q "of draws meet all .* fitted targets" "$TMP/batch.out" || fail "no share of draws within tolerance"

"$PY" - "$TMP/batch.h5" "$TMP/prior.h5" "$TMP/post.h5" <<'PY' || fail "posterior draws"
import sys, h5py, numpy as np
b, pr, po = (h5py.File(x, "r") for x in sys.argv[1:4])
keys = [k.decode() if isinstance(k, bytes) else k for k in po["posterior/parameters"][:]]
samples = po["posterior/samples"][:]
part = b["psa/posterior/particle"][:]
assert list(b["psa/posterior/draw"][:]) == [1, 2, 3, 4]
for j, k in enumerate(keys):
    got = b["psa/parameters"][k][:]
    assert np.array_equal(got, samples[part, j]), (k, got, samples[part, j])
    if k in pr["psa/parameters"]:
        assert not np.array_equal(got, pr["psa/parameters"][k][:]), k
# the parameters the posterior does not hold: the prior PSA's draws
others = [k for k in pr["psa/parameters"] if k not in keys and k != "draw"]
assert len(others) > 20
for k in others:
    assert np.array_equal(b["psa/parameters"][k][:], pr["psa/parameters"][k][:]), k
# provenance: the file and the FNV-1a 64 hash of its bytes
h = 0xcbf29ce484222325
for byte in open(sys.argv[3], "rb").read():
    h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
pv = b["provenance"].attrs
s = lambda v: v.decode() if isinstance(v, bytes) else v
assert s(pv["posterior_hash"]) == "fnv1a64:%016x" % h, (s(pv["posterior_hash"]), h)
assert s(pv["posterior_file"]) == sys.argv[3]
assert "posterior" in s(b["psa"].attrs["parameter_basis"])
assert "parameter_basis" not in pr["psa"].attrs
# targets: a row per (draw, target), the flag recomputed from the values
t = b["psa/targets"]
n = len(b["psa/targets_summary/target"])
assert len(t["draw"]) == 4 * n and n > 10
v, o, tol, se, w = (t[c][:] for c in ("value", "observed", "tolerance", "mc_se", "within"))
ok = np.isfinite(v) & ((np.abs(v - o) <= tol) | (np.abs(v - o) <= tol + 2 * np.nan_to_num(se, nan=-1e300)))
assert np.array_equal(ok.astype(np.uint8), w)
ts = b["psa/targets_summary"]
share = ts["share_within"][:]
assert np.allclose(share, w.reshape(4, n).mean(axis=0))
fit = (ts["weight"][:] > 0) & np.isfinite(v.reshape(4, n)).any(axis=0)
all_ok = w.reshape(4, n)[:, fit].all(axis=1).mean()
assert ts.attrs["fitted_targets"] == fit.sum()
assert abs(ts.attrs["share_all_within"] - all_ok) < 1e-12
PY

# The job array (scripts/slurm/psa_array.sbatch) with --posterior: its
# merge equals the batch in every group; a lost task run again (a
# resubmitted array) gives the same file.
work="$TMP/array"
rm -rf "$work"
mkdir -p "$work"
task() { (cd "$work" && SLURM_ARRAY_TASK_ID=$1 SLURM_CPUS_PER_TASK=1 OSTEOSIM="$OSTEOSIM" \
          bash "$SRC/scripts/slurm/psa_array.sbatch" "$cfg" "${small[@]}" --posterior "$TMP/post.h5") ||
         fail "array task $1 failed"; }
for id in 4 0 2 1 3; do task $id; done
"$OSTEOSIM" psa-merge "$work"/results/psa_*.h5 -o "$TMP/merged.h5"
rm "$work/results/psa_2.h5"
for id in 0 1 2 3 4; do task $id; done > /dev/null
"$OSTEOSIM" psa-merge "$work"/results/psa_*.h5 -o "$TMP/merged2.h5"
for m in merged merged2; do
  for g in $(h5ls "$TMP/batch.h5" | awk '$2 == "Group" {print $1}'); do
    h5diff -q "$TMP/batch.h5" "$TMP/$m.h5" "/$g" "/$g" || fail "/$g of $m differs from --psa 4"
  done
done

# A draw task killed and resumed from its checkpoint is the same draw from
# the same posterior: /psa, /provenance and the results of the task's file
# run without a stop.
d2=(--agents 30000 --set run.end_year=2027 --quiet --threads 1 --psa-draw 2 --posterior "$TMP/post.h5")
"$OSTEOSIM" run "$cfg" "${d2[@]}" -o "$TMP/d2.h5"
out="$TMP/d2_killed.h5"; ck="$TMP/d2_killed.ckpt.h5"
rm -f "$out" "$ck"
"$OSTEOSIM" run "$cfg" "${d2[@]}" -o "$out" --checkpoint-every 1 &
pid=$!
caught=0
while kill -0 $pid 2>/dev/null; do
  if [ -f "$ck" ]; then caught=1; break; fi
  sleep 0.02
done
kill -9 $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
[ $caught = 1 ] || fail "no checkpoint of the draw task seen before it ended"
rm -f "$out".tmp.*
"$OSTEOSIM" run --resume "$ck" --quiet --threads 1
for g in /psa /provenance /summary /economics; do
  h5diff -q "$TMP/d2.h5" "$out" "$g" "$g" || fail "$g of the resumed draw task differs"
done

# Under mpirun the draws are spread over the ranks: the same file.
if [ "${OS_MPI:-OFF}" = "ON" ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  export OMPI_MCA_mca_base_component_disable_dlclose=1 PMIX_MCA_mca_base_component_disable_dlclose=1
  env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "${MPIEXEC:-mpirun}" -np 2 \
      "$OSTEOSIM" run "$cfg" "${small[@]}" --threads 1 --psa 4 --posterior "$TMP/post.h5" -o "$TMP/mpi.h5"
  for g in $(h5ls "$TMP/batch.h5" | awk '$2 == "Group" {print $1}'); do
    h5diff -q "$TMP/batch.h5" "$TMP/mpi.h5" "/$g" "/$g" || fail "/$g under mpirun -np 2 differs"
  done
fi

# Refusals: one line naming the file and the key, exit 2, no output.
refuse() {   # WHAT PATTERN CMD...
  local what=$1 pat=$2; shift 2
  rm -f "$TMP/bad.h5"
  set +e
  "$@" 2> "$TMP/bad.err" > /dev/null; local rc=$?
  set -e
  [ $rc -eq 2 ] || fail "$what: exit $rc, expected 2: $(cat "$TMP/bad.err")"
  [ "$(wc -l < "$TMP/bad.err")" -eq 1 ] || fail "$what: not one line: $(cat "$TMP/bad.err")"
  grep -q -- "$pat" "$TMP/bad.err" || fail "$what: message lacks '$pat': $(cat "$TMP/bad.err")"
  [ ! -e "$TMP/bad.h5" ] || fail "$what: wrote an output"
}
run_with() { "$OSTEOSIM" run "$cfg" "${small[@]}" --psa 2 --posterior "$1" -o "$TMP/bad.h5"; }
for d in unknown-param weights-sum samples-shape no-weights no-provenance structure; do
  mk "$TMP/$d.h5" --from "$TMP/prior.h5" "${params[@]}" --particles 10 --break $d
done
refuse "unknown parameter" "unknown-param.h5: /posterior/parameters: 'fractures.hip.base_rate_female_typo' is not a parameter of the scenario (did you mean 'fractures.hip.base_rate_female'?)" run_with "$TMP/unknown-param.h5"
refuse "weights" "weights-sum.h5: /posterior/weights: the weights sum to 1.5" run_with "$TMP/weights-sum.h5"
refuse "shape" "samples-shape.h5: /posterior/samples: has shape \[10, 2\], expected" run_with "$TMP/samples-shape.h5"
refuse "no weights" "no-weights.h5: posterior/weights: is missing" run_with "$TMP/no-weights.h5"
refuse "no provenance" "no-provenance.h5: /provenance: is missing" run_with "$TMP/no-provenance.h5"
refuse "structure" "structure.h5: /provenance: config differs in structure from the scenario's: 'bone.tscore.reference' is 'nhanes' there, 'national' in the scenario" run_with "$TMP/structure.h5"
refuse "not HDF5" "arms_small.yaml: not an HDF5 file" run_with "$SRC/tests/configs/arms_small.yaml"
refuse "missing file" "nope.h5: cannot read the posterior file" run_with "$TMP/nope.h5"
refuse "resume" "no --psa, --psa-draw or --posterior" "$OSTEOSIM" run --resume "$TMP/x.ckpt.h5" --posterior "$TMP/post.h5"
# psa-merge: draws from a posterior with a base case from the priors, and a
# posterior file changed after the run.
"$OSTEOSIM" run "$cfg" "${small[@]}" -o "$TMP/base_prior.h5"
refuse "mixed array" "psa_1.h5: PSA from $TMP/post.h5, the base case $TMP/base_prior.h5 from the priors" \
    "$OSTEOSIM" psa-merge "$TMP/base_prior.h5" "$work/results/psa_1.h5" -o "$TMP/bad.h5"
cp "$TMP/post.h5" "$TMP/post_keep.h5"
mk "$TMP/post.h5" --from "$TMP/prior.h5" "${params[@]}" --particles 30 --seed 4
refuse "changed posterior" "psa_0.h5: /provenance: posterior $TMP/post.h5 has changed since the run" \
    "$OSTEOSIM" psa-merge "$work"/results/psa_{0,1}.h5 -o "$TMP/bad.h5"
echo "psa_posterior: ok"
