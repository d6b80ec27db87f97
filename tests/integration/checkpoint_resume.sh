#!/usr/bin/env bash
# Surviving a killed job: a run killed with SIGKILL at any point, or stopped
# with SIGTERM, and resumed from its last checkpoint gives output bitwise
# identical to an uninterrupted run (/summary, /cohort, /events).
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/configs/china.yaml"
args=(--agents 100000 --set run.end_year=2036 --set "output.cohort_years=[2025,2030,2035]"
      --set output.event_log=true --quiet --threads 2)
"$OSTEOSIM" run "$cfg" "${args[@]}" -o "$TMP/ref.h5"

same_as_ref() {
  for g in /summary /cohort /events; do
    h5diff "$TMP/ref.h5" "$1" "$g" || fail "$2: $g differs from the uninterrupted run"
  done
}

# 1. SIGKILL after a checkpoint exists, then resume.
out="$TMP/killed.h5"; ck="$TMP/killed.ckpt.h5"
rm -f "$out" "$ck"
"$OSTEOSIM" run "$cfg" "${args[@]}" -o "$out" --checkpoint-every 2 &
pid=$!
for _ in $(seq 300); do [ -f "$ck" ] && break; sleep 0.05; done
kill -9 $pid; wait $pid || true
[ -f "$ck" ] || fail "no checkpoint appeared before the kill"
[ ! -e "$out" ] || rm -f "$out"   # the run may have finished first; resume must still work
rm -f "$out".tmp.*
"$OSTEOSIM" run --resume "$ck" --quiet --threads 1
same_as_ref "$out" "SIGKILL + resume"
[ ! -e "$ck" ] || fail "checkpoint not removed after the resumed run finished"

# 2. Repeated kills at arbitrary moments (some during checkpoint writes):
#    always resume from whatever checkpoint is there.
out="$TMP/multi.h5"; ck="$TMP/multi.ckpt.h5"
rm -f "$out" "$ck"
"$OSTEOSIM" run "$cfg" "${args[@]}" -o "$out" --checkpoint-every 1 &
pid=$!
for delay in 0.3 0.25 0.35; do
  sleep $delay
  kill -9 $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
  rm -f "$TMP"/multi*.tmp.*
  [ -f "$out" ] && break
  if [ -f "$ck" ]; then
    "$OSTEOSIM" run --resume "$ck" --quiet --threads 2 --checkpoint-every 1 &
  else
    "$OSTEOSIM" run "$cfg" "${args[@]}" -o "$out" --checkpoint-every 1 &
  fi
  pid=$!
done
wait $pid 2>/dev/null || true
if [ ! -f "$out" ]; then
  if [ -f "$ck" ]; then "$OSTEOSIM" run --resume "$ck" --quiet; else "$OSTEOSIM" run "$cfg" "${args[@]}" -o "$out"; fi
fi
same_as_ref "$out" "repeated kills"

# 3. SIGTERM: clean exit 3 with a usable checkpoint.
out="$TMP/term.h5"; ck="$TMP/term.ckpt.h5"
rm -f "$out" "$ck"
"$OSTEOSIM" run "$cfg" "${args[@]}" -o "$out" &
pid=$!
for _ in $(seq 200); do ls "$out".tmp.* >/dev/null 2>&1 && break; sleep 0.05; done
sleep 0.2
kill -TERM $pid
set +e; wait $pid; rc=$?; set -e
if [ $rc -eq 3 ]; then
  [ -f "$ck" ] || fail "SIGTERM: exit 3 but no checkpoint"
  [ ! -e "$out" ] || fail "SIGTERM: output written although the run stopped"
  "$OSTEOSIM" run --resume "$ck" --quiet
else
  [ $rc -eq 0 ] || fail "SIGTERM: exit $rc"   # finished before the signal arrived
fi
same_as_ref "$out" "SIGTERM + resume"

# Bad checkpoints are configuration errors.
set +e
"$OSTEOSIM" run --resume "$TMP/ref.h5" 2>/dev/null; [ $? -eq 2 ] || fail "resume from a non-checkpoint should exit 2"
"$OSTEOSIM" run "$cfg" --resume "$ck" 2>/dev/null; [ $? -eq 2 ] || fail "--resume with a CONFIG should exit 2"
set -e
echo "checkpoint_resume: ok"
