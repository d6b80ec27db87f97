#!/usr/bin/env bash
# run.shared_start: the start population and its burn-in built once and
# copied to every arm (on) give data identical to every arm building its
# own (off), and every arm's own start equals the copy (verify), for the
# programmes scenario (reference arm without programmes, then with them),
# its PSA draws, replicates, and a run killed in a later arm and resumed
# from its checkpoint.  Compared: every top-level group but /provenance
# and /parameters (which records the setting itself).
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/configs/china_programmes.yaml"
args=(--agents 6000 --set run.end_year=2030 --set "output.cohort_years=[2025,2030]" --quiet --threads 1)

same() {  # A B WHAT
  local g
  for g in $(h5ls "$1" | awk '{print "/" $1}'); do
    case "$g" in /provenance|/parameters) continue ;; esac
    h5diff -c "$1" "$2" "$g" > "$TMP/diff.txt" ||
      fail "$3: $g differs: $(head -3 "$TMP/diff.txt")"
  done
  [ "$(h5ls "$1" | awk '{print $1}')" = "$(h5ls "$2" | awk '{print $1}')" ] ||
    fail "$3: other top-level groups"
}
run() {  # MODE OUT [ARGS...]
  local mode=$1 out=$2
  shift 2
  "$OSTEOSIM" run "$cfg" "${args[@]}" --set run.shared_start="$mode" -o "$out" "$@"
}

# The programme scenario, its reference arm first without programmes and
# then with them (combined), so that the copy lacks or has the columns of
# programmes the copying arm has.
for ref in status_quo combined; do
  for m in off on verify; do run $m "$TMP/$ref.$m.h5" --set economics.reference_arm=$ref; done
  same "$TMP/$ref.off.h5" "$TMP/$ref.on.h5" "reference arm $ref, shared start on vs off"
  same "$TMP/$ref.off.h5" "$TMP/$ref.verify.h5" "reference arm $ref, verify vs off"
done
# auto (the default) shares when the copy fits: a limit too small for the
# copy but not for the run itself turns it off (as osteosim check says),
# with the same data either way.
small=(--set run.agents=6000 --set run.end_year=2030)
"$OSTEOSIM" check "$cfg" "${small[@]}" > "$TMP/check.txt"
grep -q '^# shared start population (run.shared_start auto): .*: built once, copied to every arm$' "$TMP/check.txt" ||
  fail "osteosim check: no shared start by default: $(grep '^#' "$TMP/check.txt")"
# The limit halfway between the estimate and the estimate with the copy
# (the estimate is printed to 0.1 MiB, the copy is larger than that).
to_b() { awk -v v="$1" -v u="$2" 'BEGIN{f = u == "MiB" ? 1048576 : u == "KiB" ? 1024 : 1; printf "%.0f", v * f}'; }
est=$(to_b $(sed -n 's/^# memory estimate: \([0-9.]*\) \([KM]iB\) .*/\1 \2/p' "$TMP/check.txt"))
copy=$(to_b $(sed -n 's/^# shared start population[^:]*: \([0-9.]*\) \([KM]iB\).*/\1 \2/p' "$TMP/check.txt"))
[ "$copy" -gt 209715 ] || fail "shared start population of $copy bytes: too small for this test"
limit=$((est + copy / 2))
"$OSTEOSIM" check "$cfg" "${small[@]}" --set run.max_memory=$limit > "$TMP/check2.txt" ||
  fail "run.max_memory $limit (estimate $est) refused"
grep -q '^# shared start population (run.shared_start auto): .*: not used, every arm builds its own$' "$TMP/check2.txt" ||
  fail "run.max_memory $limit below the estimate $est + copy $copy: still shared: $(grep '^#' "$TMP/check2.txt")"
run auto "$TMP/auto.h5" --set run.max_memory=$limit
same "$TMP/status_quo.off.h5" "$TMP/auto.h5" "shared start auto, not fitting"
if "$OSTEOSIM" check "$cfg" "${small[@]}" --set run.shared_start=on --set run.max_memory=$limit 2> "$TMP/on.txt" >/dev/null; then
  fail "run.shared_start on accepted a limit below the estimate with the copy"
fi
grep -q 'run.max_memory' "$TMP/on.txt" || fail "run.shared_start on, limit too small: $(cat "$TMP/on.txt")"

# PSA draws (each draw shares its own start) and replicates (each has its
# own seed, hence its own start).
run off "$TMP/psa.off.h5" --psa 3
run on "$TMP/psa.on.h5" --psa 3
same "$TMP/psa.off.h5" "$TMP/psa.on.h5" "--psa 3, shared start on vs off"
h5ls "$TMP/psa.on.h5/psa" > /dev/null || fail "--psa 3 wrote no /psa"
run off "$TMP/rep.off.h5" --replicates 2
run on "$TMP/rep.on.h5" --replicates 2
same "$TMP/rep.off.h5" "$TMP/rep.on.h5" "--replicates 2, shared start on vs off"

# Killed in the third arm of the run order (its checkpoint) and resumed:
# the resumed arm reads its population from the checkpoint, the later arms
# share a start built again from the seed.
out="$TMP/killed.h5"; ck="$TMP/killed.ckpt.h5"
rm -f "$out" "$ck"
# The program itself in the background, not the run() function: $! of a
# backgrounded function is its subshell, and killing that would leave the
# program running on, overwriting the checkpoint the resume reads.
"$OSTEOSIM" run "$cfg" "${args[@]}" --set run.shared_start=on -o "$out" --checkpoint-every 1 &
pid=$!
arm_of() { h5dump -a /arm "$1" 2>/dev/null | awk '/\(0\)/ {print $2}'; }
caught=0
while kill -0 $pid 2>/dev/null; do
  if [ -f "$ck" ] && [ "$(arm_of "$ck")" = "2" ]; then caught=1; break; fi
  sleep 0.02
done
kill -9 $pid 2>/dev/null || true; wait $pid 2>/dev/null || true
[ $caught = 1 ] || fail "no checkpoint of arm 2 seen before the run ended (last arm: $(arm_of "$ck"))"
rm -f "$out".tmp.*
"$OSTEOSIM" run --resume "$ck" --quiet --threads 2
for g in /summary /economics /cohort; do
  h5diff -c "$TMP/status_quo.off.h5" "$out" "$g" > "$TMP/diff.txt" ||
    fail "killed in arm 2 and resumed with a shared start: $g differs: $(head -3 "$TMP/diff.txt")"
done

# A bad value is a configuration error naming the key.
if run sometimes "$TMP/bad.h5" 2> "$TMP/bad.txt"; then fail "run.shared_start: sometimes accepted"; fi
grep -q 'run.shared_start' "$TMP/bad.txt" || fail "bad run.shared_start not named: $(cat "$TMP/bad.txt")"
echo "shared_start: ok"
