#!/usr/bin/env bash
# A full disk ends a run cleanly: exit 1, one line naming the output and
# "No space left on device", no temporary file left, the earlier file at the
# target byte-identical.  The disk fills after N bytes (an LD_PRELOAD shim,
# tests/shim/enospc.c) for N spread over the output's size.  The CSV side of
# export is tried with a file size limit (ulimit -f), which stdio meets too.
. "$(dirname "$0")/../integration_lib.sh"
shim=${OS_ENOSPC_SHIM:-}
[ -f "$shim" ] || { echo "disk_full: skipped (no shim built)"; exit 77; }
d="$TMP/full"
rm -rf "$d"
mkdir -p "$d"
cfg="$SRC/configs/china.yaml"
out="$d/out.h5"
"$OSTEOSIM" run "$cfg" "${SMALL[@]}" -o "$out"
cp "$out" "$d/earlier.h5"
size=$(stat -c %s "$out")
# Under AddressSanitizer its runtime must come first.
preload=$shim
asan=$(ldd "$OSTEOSIM" | awk '/libasan/ { print $3; exit }')
[ -z "$asan" ] || preload="$asan:$shim"
full() { OS_ENOSPC_DIR="$d" OS_ENOSPC_AFTER=$1 LD_PRELOAD="$preload" "${@:2}"; }
# A quick try: with room to spare the run succeeds under the shim.
set +e
full $((size * 4)) "$OSTEOSIM" run "$cfg" "${SMALL[@]}" -o "$d/try.h5" 2> "$d/err"; rc=$?
set -e
if [ $rc -ne 0 ]; then
  [ -n "$asan" ] && { echo "disk_full: skipped (the shim conflicts with ASan: $(head -1 "$d/err"))"; exit 77; }
  fail "the run fails under the shim with room to spare: $(cat "$d/err")"
fi
rm -f "$d/try.h5"
tried=0 clean=0 crash=0 other=0
for n in 0 1 $((size / 20)) $((size / 4)) $((size / 2)) $((size * 3 / 4)) $((size * 9 / 10)); do
  tried=$((tried + 1))
  set +e
  full $n timeout 300 "$OSTEOSIM" run "$cfg" "${SMALL[@]}" -o "$out" 2> "$d/err"; rc=$?
  set -e
  why=""
  if [ $rc -ge 124 ]; then crash=$((crash + 1)); why="exit $rc (signal or hang)"
  elif [ $rc -ne 1 ]; then why="exit $rc"
  elif [ "$(wc -l < "$d/err")" -ne 1 ]; then why="$(wc -l < "$d/err") lines on stderr"
  elif ! grep -qF "$out: " "$d/err" || ! grep -q "No space left on device" "$d/err"; then why="message"
  elif ls "$d" | grep -c '\.tmp\.' > /dev/null; then why="temporary file left"
  elif ! cmp -s "$out" "$d/earlier.h5"; then why="earlier file changed"
  fi
  if [ -z "$why" ]; then clean=$((clean + 1))
  else
    [ $rc -ge 124 ] || other=$((other + 1))
    echo "N=$n of $size: $why: $(head -3 "$d/err")" >&2
  fi
  rm -f "$d"/*.tmp.*
done
echo "disk_full: run: tried $tried, clean $clean, crash $crash, other $other"
[ $clean -eq $tried ] || fail "not every full disk ended the run cleanly"

# A full disk while a checkpoint is written (--checkpoint-every 1, with
# /events too), or while a resumed run copies the checkpoint's output back:
# the same clean end, the previous checkpoint and the earlier output
# byte-identical.  OS_ENOSPC_MATCH makes only one file's writes count.
ev=("${SMALL[@]}" --set output.event_log=true)
out="$d/ev.h5" ck="$d/ev.ckpt.h5"
"$OSTEOSIM" run "$cfg" "${ev[@]}" -o "$out"
cp "$out" "$d/earlier.h5"
evsize=$(stat -c %s "$out")
# The previous checkpoint: the output's last writes fail, its checkpoints
# succeeded.
set +e
OS_ENOSPC_MATCH=ev.h5.tmp full $((evsize - 1)) "$OSTEOSIM" run "$cfg" "${ev[@]}" -o "$out" \
  --checkpoint-every 1 2> "$d/err"
set -e
[ -f "$ck" ] || fail "no checkpoint left by a run whose output failed at the end: $(cat "$d/err")"
cp "$ck" "$d/prev.ckpt.h5"
cksize=$(stat -c %s "$ck")
ctried=0 cclean=0 ccrash=0 cother=0
# A checkpoint written before the failing one replaced the previous one:
# it must be complete, resuming to the uninterrupted run's output.
resumable() {
  newer=$((newer + 1))
  "$OSTEOSIM" run --resume "$ck" --quiet -o "$d/resumed.h5" 2>> "$d/err" || return 1
  for g in /summary /cohort /events; do
    h5diff -q "$d/earlier.h5" "$d/resumed.h5" $g || return 1
  done
  rm -f "$d/resumed.h5"
}
newer=0
# case_ NAMES-REGEX N COMMAND...: the disk full after N bytes; exit 1, one
# line naming a file of NAMES-REGEX and the OS error, no temporary file,
# checkpoint and output unchanged.
case_() {
  local names=$1 n=$2; shift 2
  ctried=$((ctried + 1))
  cp "$d/prev.ckpt.h5" "$ck"
  set +e
  full "$n" timeout 300 "$@" 2> "$d/err"; rc=$?
  set -e
  why=""
  if [ $rc -ge 124 ]; then ccrash=$((ccrash + 1)); why="exit $rc (signal or hang)"
  elif [ $rc -ne 1 ]; then why="exit $rc"
  elif [ "$(wc -l < "$d/err")" -ne 1 ]; then why="$(wc -l < "$d/err") lines on stderr"
  elif ! grep -qE "^osteosim: ($names): " "$d/err" || ! grep -q "No space left on device" "$d/err"; then
    why="message"
  elif ls "$d" | grep -c '\.tmp\.' > /dev/null; then why="temporary file left"
  elif ! cmp -s "$out" "$d/earlier.h5"; then why="earlier output changed"
  elif ! cmp -s "$ck" "$d/prev.ckpt.h5" && ! resumable; then why="checkpoint neither the previous one nor complete"
  fi
  if [ -z "$why" ]; then cclean=$((cclean + 1))
  else
    [ $rc -ge 124 ] || cother=$((cother + 1))
    echo "checkpoint case $ctried (N=$n: ${*:2}): $why: $(head -3 "$d/err")" >&2
  fi
  rm -f "$d"/*.tmp.*
}
ckrun=("$OSTEOSIM" run "$cfg" "${ev[@]}" -o "$out" --checkpoint-every 1)
# Only the checkpoint fills the disk: at its creation, in /pop, in the copy
# of /cohort and /events, at its close; in the first and in later years.
for n in 0 1 $((cksize / 20)) $((cksize / 4)) $((cksize / 2)) $((cksize * 3 / 4)) \
         $((cksize * 9 / 10)) $((cksize * 3 / 2)) $((cksize * 5 / 2)); do
  OS_ENOSPC_MATCH=ev.ckpt.h5.tmp case_ "$ck" $n "${ckrun[@]}"
done
# Output and checkpoint share the disk: whichever write fails names its file.
for n in $((evsize / 2)) $((evsize + cksize / 2)) $((evsize * 2)) $((evsize * 4)); do
  case_ "$out|$ck" $n "${ckrun[@]}"
done
# Resuming: the copy of the checkpoint's output into the new output fails.
for n in 0 1000 $((evsize / 20)) $((evsize / 4)) $((evsize / 2)); do
  OS_ENOSPC_MATCH=ev.h5.tmp case_ "$out" $n "$OSTEOSIM" run --resume "$ck" --quiet
done
echo "disk_full: checkpoint: tried $ctried, clean $cclean, crash $ccrash, other $cother" \
     "($newer left a newer complete checkpoint)"
[ $cclean -eq $ctried ] || fail "not every full disk during a checkpoint ended the run cleanly"
out="$d/out.h5"

# export --csv over a size limit: exit 1, one line, no temporary file, the
# earlier CSV untouched.
"$OSTEOSIM" export "$out" --csv "$d/summary.csv"
cp "$d/summary.csv" "$d/earlier.csv"
for kb in 0 1 8; do
  set +e
  # stderr through a pipe: the size limit applies to regular files.
  msg=$( (trap '' XFSZ; ulimit -f $kb; exec "$OSTEOSIM" export "$out" --csv "$d/summary.csv") 2>&1 ); rc=$?
  set -e
  printf '%s\n' "$msg" > "$d/err"
  [ $rc -eq 1 ] || fail "export over ${kb} KiB: exit $rc ($(cat "$d/err"))"
  [ "$(wc -l < "$d/err")" -eq 1 ] && grep -qF "$d/summary.csv: " "$d/err" && grep -q "File too large" "$d/err" ||
    fail "export over ${kb} KiB: $(cat "$d/err")"
  if ls "$d" | grep -c '\.tmp\.' > /dev/null; then fail "export over ${kb} KiB left a temporary file"; fi
  cmp -s "$d/summary.csv" "$d/earlier.csv" || fail "export over ${kb} KiB changed the earlier CSV"
done
echo "disk_full: ok"
