#!/usr/bin/env bash
# A run with arms killed (SIGKILL) in a later arm and resumed from its
# checkpoint gives /summary and /economics identical to an uninterrupted
# run: the checkpoint keeps the arm, the summary rows of the arms already
# run, and what the reference arm carries to the others (the background
# mortality adjustment).
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/tests/configs/arms_small.yaml"
args=(--agents 100000 --quiet --threads 1)
"$OSTEOSIM" run "$cfg" "${args[@]}" -o "$TMP/ref.h5"
out="$TMP/killed.h5"; ck="$TMP/killed.ckpt.h5"
rm -f "$out" "$ck"
"$OSTEOSIM" run "$cfg" "${args[@]}" -o "$out" --checkpoint-every 1 &
pid=$!
# Kill once a checkpoint of the third arm in run order (arm index 2) exists.
arm_of() { h5dump -a /arm "$1" 2>/dev/null | awk '/\(0\)/ {print $2}'; }
caught=0
while kill -0 $pid 2>/dev/null; do   # as long as the run lasts, however slow
  if [ -f "$ck" ] && [ "$(arm_of "$ck")" = "2" ]; then caught=1; break; fi
  sleep 0.02
done
kill -9 $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
[ $caught = 1 ] || fail "no checkpoint of arm 2 seen before the run ended (last arm: $(arm_of "$ck"))"
[ ! -e "$out" ] || fail "killed run left an output file"
rm -f "$out".tmp.*
"$OSTEOSIM" run --resume "$ck" --quiet --threads 2
for g in /summary /economics; do
  h5diff "$TMP/ref.h5" "$out" "$g" || fail "$g differs from the uninterrupted run after a kill in arm 2"
done
echo "arms_resume: ok"
