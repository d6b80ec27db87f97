#!/usr/bin/env bash
# economics.horizon: lifetime follows everyone alive after run.end_year to
# death and writes /economics_lifetime beside the calendar /economics.
# Checks: the calendar results are those of a calendar-horizon run (bitwise);
# everyone alive after the last calendar year dies in the survivors' years
# (lifetime deaths - calendar deaths = the population alive after end_year,
# per arm); lifetime costs, QALYs and life-years are at least the
# calendar's; both groups say their horizon; 1 and 2 threads (and 2 MPI
# ranks when built with MPI) give identical /economics_lifetime, and so
# does the base case of a run with --psa.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/configs/china_programmes.yaml"
args=(--agents 8000 --set run.end_year=2030 --quiet)
"$OSTEOSIM" run "$cfg" "${args[@]}" --threads 2 --set economics.horizon=lifetime -o "$TMP/life.h5"
"$OSTEOSIM" run "$cfg" "${args[@]}" --threads 1 --set economics.horizon=lifetime -o "$TMP/life1.h5"
"$OSTEOSIM" run "$cfg" "${args[@]}" --threads 2 -o "$TMP/cal.h5"
# PSA draws stay on the calendar horizon; the base case still follows.
"$OSTEOSIM" run "$cfg" "${args[@]}" --threads 2 --set economics.horizon=lifetime --psa 2 -o "$TMP/psa.h5"
files=("$TMP/life.h5" "$TMP/cal.h5" "$TMP/life1.h5" "$TMP/psa.h5")
if [ "${OS_MPI:-OFF}" = "ON" ]; then
  # As in mpi_identical.sh: Open MPI as root on 2 shared cores, no leak
  # checking under mpirun.
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
  export OMPI_MCA_mca_base_component_disable_dlclose=1 PMIX_MCA_mca_base_component_disable_dlclose=1
  env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "${MPIEXEC:-mpirun}" -np 2 \
    "$OSTEOSIM" run "$cfg" "${args[@]}" --threads 1 --set economics.horizon=lifetime -o "$TMP/mpi.h5" \
    || fail "mpirun -np 2 failed"
  files+=("$TMP/mpi.h5")
fi
"$PY" - "${files[@]}" <<'PY' || fail "lifetime horizon"
import sys, h5py, numpy as np
def same(x, y):
    return np.array_equal(x, y, equal_nan=x.dtype.kind == "f")
life, cal, life1 = (h5py.File(f, "r") for f in sys.argv[1:4])
others = [h5py.File(f, "r") for f in sys.argv[4:]]
assert "economics_lifetime" in life and "economics_lifetime" not in cal
E, C, L = cal["economics"], life["economics"], life["economics_lifetime"]
for k in E:
    if isinstance(E[k], h5py.Dataset):
        assert same(E[k][()], C[k][()]), f"calendar /economics/{k} changed"
h = lambda g: g.attrs["horizon"].decode() if isinstance(g.attrs["horizon"], bytes) else g.attrs["horizon"]
assert h(C).startswith("calendar") and h(L).startswith("lifetime"), (h(C), h(L))
s = life["summary"]
last = s["year"][:].max()
for a in range(len(L["arm"])):
    r = (s["arm"][:] == a) & (s["year"][:] == last)
    alive_after = s["population"][r].sum() - s["deaths"][r].sum()
    extra = L["deaths"][a] - C["deaths"][a]
    assert abs(extra - alive_after) <= 1e-6 * alive_after + 1, (a, extra, alive_after)
    for k in ("cost", "cost_discounted", "qaly", "qaly_discounted", "life_years"):
        assert L[k][a] >= C[k][a], (a, k)
for g in [life1] + others:
    for k in L:
        if isinstance(L[k], h5py.Dataset):
            assert same(L[k][()], g["economics_lifetime"][k][()]), k
assert "psa" in others[0], "no /psa"
print(f"lifetime_horizon: ok ({len(others)} PSA base case and MPI runs compared); lifetime ICERs:",
      " ".join(f"{n.decode()} {v:.0f}" for n, v in zip(L["arm_name"][:], L["icer"][:]) if v == v))
PY
echo "lifetime_horizon: ok"
