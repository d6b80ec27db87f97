#!/usr/bin/env bash
# MPI: runs under mpirun with 1, 2 and 3 ranks give output identical to a
# single-process run of the same scenario and seed (every data group), and a
# 2-rank run stopped with SIGTERM exits 3 with a checkpoint whose resumption
# (same rank count) gives the same output; so do a scenario's arms and PSA
# draws spread over the ranks.  Skipped (77) without MPI.
. "$(dirname "$0")/../integration_lib.sh"
if [ "${OS_MPI:-OFF}" != "ON" ]; then
  echo "mpi_identical: skipped, osteosim built without MPI"
  exit 77
fi
# Open MPI refuses root without these; ranks share the 2 cores of CI.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
# Keep Open MPI's plugins loaded until exit, so that LeakSanitizer can name
# them in stacks and tests/lsan.supp can match (sanitizer build).
export OMPI_MCA_mca_base_component_disable_dlclose=1 PMIX_MCA_mca_base_component_disable_dlclose=1
# Under mpirun only, leak checking is off: Open MPI's plugins (PMIx, BTLs)
# leave allocations behind in frames LeakSanitizer cannot name once they
# are unloaded, so tests/lsan.supp cannot match them.  UBSan and ASan's
# other checks stay on, and every single-process run keeps leak checking.
MPIRUN=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" "${MPIEXEC:-mpirun}")
cfg="$SRC/configs/china.yaml"
args=(--agents 20000 --set run.end_year=2031 --set "output.cohort_years=[2025,2027,2030]"
      --set output.event_log=true --quiet --threads 1)
groups=(/summary /cohort /events /demography /parameters)

same_as() {  # REF OUT WHAT [GROUPS...]: all top-level groups by default
  local listed
  listed=$(h5ls "$1" | awk '{print "/" $1}' | sort | tr '\n' ' ')
  if [ $# -gt 3 ]; then
    listed="${*:4}"
  else
    [ "$listed" = "$(h5ls "$2" | awk '{print "/" $1}' | sort | tr '\n' ' ')" ] ||
      fail "$3: other top-level groups than the single-process run"
  fi
  for g in $listed; do
    h5diff "$1" "$2" "$g" || fail "$3: $g differs from the single-process run"
  done
}

"$OSTEOSIM" run "$cfg" "${args[@]}" --threads 2 -o "$TMP/single.h5"
for g in "${groups[@]}"; do
  h5ls "$TMP/single.h5$g" >/dev/null || fail "single-process run lacks $g"
done
[ "$(h5ls -r "$TMP/single.h5/events" | awk '/agent/ {print $3}' | tr -dc 0-9 | head -c1)" != 0 ] ||
  fail "the event log is empty: nothing to compare"
for k in 1 2 3; do
  rm -f "$TMP/np$k.h5"
  "${MPIRUN[@]}" -np $k "$OSTEOSIM" run "$cfg" "${args[@]}" -o "$TMP/np$k.h5"
  same_as "$TMP/single.h5" "$TMP/np$k.h5" "mpirun -np $k"
done

# A configuration error: one line on stderr (rank 0 only), exit 2.
set +e
"${MPIRUN[@]}" -np 2 "$OSTEOSIM" run "$cfg" --set run.end_year=1900 --quiet 2>"$TMP/cfgerr.txt"
rc=$?
set -e
[ $rc -ne 0 ] || fail "a configuration error under mpirun exited 0"
[ "$(grep -c '^osteosim' "$TMP/cfgerr.txt")" -eq 1 ] || fail "configuration error not reported once: $(cat "$TMP/cfgerr.txt")"

# SIGTERM to the ranks: exit 3, a checkpoint in 2 parts, resumed with 2 ranks.
long=(--agents 100000 --set run.end_year=2040 --set "output.cohort_years=[2025,2030,2035]"
      --set output.event_log=true --quiet --threads 1)
"$OSTEOSIM" run "$cfg" "${long[@]}" -o "$TMP/ref.h5"
out="$TMP/term.h5"; ck="$TMP/term.ckpt.h5"
rm -f "$out" "$ck" "$ck".rank*
"${MPIRUN[@]}" -np 2 "$OSTEOSIM" run "$cfg" "${long[@]}" -o "$out" 2>"$TMP/term.txt" &
pid=$!
for _ in $(seq 200); do ls "$out".tmp.* >/dev/null 2>&1 && break; sleep 0.05; done
sleep 0.3
# The ranks are mpirun's children: signal them, as a batch system does.
kill -TERM $(pgrep -P $pid) 2>/dev/null || true
set +e; wait $pid; rc=$?; set -e
if [ $rc -ne 0 ]; then
  [ $rc -eq 3 ] || fail "SIGTERM under mpirun: exit $rc ($(cat "$TMP/term.txt"))"
  echo "mpi_identical: stopped with exit 3: $(cat "$TMP/term.txt")"
  [ -f "$ck" ] && [ -f "$ck.rank1" ] || fail "SIGTERM: exit 3 but no 2-part checkpoint"
  [ ! -e "$out" ] || fail "SIGTERM: output written although the run stopped"
  set +e
  "$OSTEOSIM" run --resume "$ck" --quiet 2>/dev/null; rc=$?
  set -e
  [ $rc -eq 2 ] || fail "resuming a 2-rank checkpoint with 1 process should exit 2, not $rc"
  "${MPIRUN[@]}" -np 2 "$OSTEOSIM" run --resume "$ck" --quiet --threads 1
  [ ! -e "$ck" ] && [ ! -e "$ck.rank1" ] || fail "checkpoint parts not removed after the resumed run"
else
  echo "mpi_identical: the run finished before SIGTERM arrived; resume not exercised"
fi
# /parameters names the checkpoint as the origin of every value after a resume.
same_as "$TMP/ref.h5" "$out" "SIGTERM + resume under mpirun -np 2" /summary /cohort /events /demography

# Arms and a PSA: under 2 ranks the agents of each arm are split, and the
# PSA draws are spread over the ranks whole; every group is as in one process.
arms=("$SRC/tests/configs/arms_small.yaml" --agents 3000 --set run.end_year=2027 --psa 3 --quiet --threads 1)
"$OSTEOSIM" run "${arms[@]}" -o "$TMP/arms1.h5"
"${MPIRUN[@]}" -np 2 "$OSTEOSIM" run "${arms[@]}" -o "$TMP/arms2.h5"
same_as "$TMP/arms1.h5" "$TMP/arms2.h5" "arms with --psa 3 under mpirun -np 2"
echo "mpi_identical: ok"
