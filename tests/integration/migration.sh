#!/usr/bin/env bash
# Net migration (demography.migration_file, docs/demography.md "Migration").
# A synthetic table: +5,000,000 women aged 70-74 per 5-year period (1 M a
# year), -5,000,000 men aged 80-84 per period (1 M a year leave), zero
# elsewhere.  Against the same run without the key (same seed, disease
# effects off, so every other draw is the same):
#   - migrants_in: women 70-74 only, each year within one entrant weight of
#     1 M (stochastic rounding of 1 M / weight agents);
#   - in 2026 the women aged 70-74 are exactly the run without migration's
#     plus the 2025 arrivals, and the men aged 50+ exactly its men minus the
#     2025 leavers (common random numbers: nobody else's draws change);
#   - migrants_out: men 80-84 only, the six years' total within 4 binomial
#     standard errors of 6 M;
#   - a table of zeros adds the two columns and changes no other number;
#   - 1 and 2 threads, a run stopped and resumed, and 2 MPI ranks (when
#     built with MPI) give identical output.
# Omitting the key leaves results bitwise as before: regression_baseline.sh.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/configs/china.yaml"
args=(--agents 100000 --set run.end_year=2031 --set "output.cohort_years=[2025]"
      --set model.disease_effects=false --quiet)
mk_table() { # FILE FEMALE70 MALE80
  "$PY" - "$@" <<'PY'
import sys
path, f70, m80 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
with open(path, "w") as f:
    f.write("# synthetic net migrants per 5-year period (tests/integration/migration.sh)\n")
    f.write("year,sex,age,value\n")
    for y in range(2025, 2051, 5):
        for s in ("female", "male"):
            for a in range(45, 101, 5):
                v = f70 if (s, a) == ("female", 70) else m80 if (s, a) == ("male", 80) else 0
                f.write("%d,%s,%d,%d\n" % (y, s, a, v))
PY
}
mk_table "$TMP/mig.csv" 5000000 -5000000
mk_table "$TMP/zero.csv" 0 0
"$OSTEOSIM" check "$cfg" --set "demography.migration_file=$TMP/mig.csv" > /dev/null \
  || fail "check refused the synthetic table"
rm -f "$TMP"/*.h5
"$OSTEOSIM" run "$cfg" "${args[@]}" --threads 2 -o "$TMP/none.h5" || fail "run without migration"
"$OSTEOSIM" run "$cfg" "${args[@]}" --threads 2 --set "demography.migration_file=$TMP/mig.csv" \
  -o "$TMP/mig.h5" || fail "run with migration"
"$OSTEOSIM" run "$cfg" "${args[@]}" --threads 1 --set "demography.migration_file=$TMP/mig.csv" \
  -o "$TMP/mig1.h5" || fail "run with migration, 1 thread"
"$OSTEOSIM" run "$cfg" "${args[@]}" --threads 2 --set "demography.migration_file=$TMP/zero.csv" \
  -o "$TMP/zero.h5" || fail "run with a table of zeros"
for g in /summary /cohort /demography; do
  h5diff "$TMP/mig.h5" "$TMP/mig1.h5" "$g" || fail "$g: 1 and 2 threads differ"
done

"$PY" - "$TMP/none.h5" "$TMP/mig.h5" "$TMP/zero.h5" <<'PY' || fail "migration numbers"
import sys, h5py, numpy as np
def table(p):
    with h5py.File(p, "r") as h:
        s = h["summary"]
        w = int(h["demography"].attrs["entrant_weight"])
        return {k: s[k][:] for k in s.keys()}, w
a, w = table(sys.argv[1])
b, wb = table(sys.argv[2])
z, _ = table(sys.argv[3])
assert w == wb
assert "migrants_in" not in a and "migrants_in" in b and "migrants_out" in z
for k in a:   # zeros: every other column identical
    assert np.array_equal(a[k], z[k]), k
assert not z["migrants_in"].any() and not z["migrants_out"].any()
def cell(t, col, y, sex, age):
    return float(t[col][(t["year"] == y) & (t["sex"] == sex) & (t["age_lo"] == age)].sum())
def tot(t, col, y, sex):
    return float(t[col][(t["year"] == y) & (t["sex"] == sex)].sum())
flow = 1e6
for y in range(2025, 2031):
    i = cell(b, "migrants_in", y, 0, 70)
    assert abs(i - flow) < w, (y, i, w)
    assert i == tot(b, "migrants_in", y, 0) and tot(b, "migrants_in", y, 1) == 0, y
    assert tot(b, "migrants_out", y, 0) == 0, y
    assert cell(b, "migrants_out", y, 1, 80) == tot(b, "migrants_out", y, 1), y
# Nobody moves in the last year (nothing follows it).
assert tot(b, "migrants_in", 2031, 0) == 0 and tot(b, "migrants_out", 2031, 1) == 0
# Exact: the 2025 flows, and no other difference.
d70 = cell(b, "population", 2026, 0, 70) - cell(a, "population", 2026, 0, 70)
assert d70 == cell(b, "migrants_in", 2025, 0, 70), d70
dm = tot(a, "population", 2026, 1) - tot(b, "population", 2026, 1)
assert dm == tot(b, "migrants_out", 2025, 1), dm
assert tot(a, "population", 2025, 1) == tot(b, "population", 2025, 1)
# Leavers: binomial around 1 M a year (agents of weight ~w).
out = sum(tot(b, "migrants_out", y, 1) for y in range(2025, 2031))
men = cell(a, "population", 2025, 1, 80)
p = flow / men
se = w * np.sqrt(6 * flow / w * (1 - p))
assert abs(out - 6 * flow) < 4 * se, (out, se)
print("migration: in %.0f/yr (weight %d), out %.0f over 6 years (expected 6e6, se %.0f), "
      "2026 women 70-74 +%.0f, men -%.0f" % (cell(b, "migrants_in", 2025, 0, 70), w, out, se, d70, dm))
PY

# Stopped by SIGTERM once a checkpoint exists, resumed with 1 thread: the
# leavers' probabilities are recomputed from the checkpointed population.
ck="$TMP/stop.ckpt.h5"
rm -f "$ck"
"$OSTEOSIM" run "$cfg" "${args[@]}" --threads 2 --set "demography.migration_file=$TMP/mig.csv" \
  --checkpoint-every 1 -o "$TMP/stop.h5" &
pid=$!
for _ in $(seq 300); do [ -f "$ck" ] && break; sleep 0.1; done
kill -TERM "$pid" 2> /dev/null || true
rc=0; wait "$pid" || rc=$?
if [ "$rc" -eq 3 ]; then
  "$OSTEOSIM" run --resume "$ck" --quiet --threads 1 || fail "resume"
  echo "migration: stopped and resumed"
else
  [ "$rc" -eq 0 ] || fail "stopped run: exit $rc"
fi
for g in /summary /cohort; do
  h5diff "$TMP/mig.h5" "$TMP/stop.h5" "$g" || fail "$g: the resumed run differs"
done

if [ "${OS_MPI:-OFF}" = "ON" ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "${MPIEXEC:-mpirun}" -np 2 \
    "$OSTEOSIM" run "$cfg" "${args[@]}" --threads 1 --set "demography.migration_file=$TMP/mig.csv" \
    -o "$TMP/mpi.h5" || fail "2 MPI ranks"
  for g in /summary /cohort; do
    h5diff "$TMP/mig.h5" "$TMP/mpi.h5" "$g" || fail "$g: 2 MPI ranks differ from one process"
  done
  echo "migration: 2 MPI ranks identical"
fi
echo "migration: ok"
