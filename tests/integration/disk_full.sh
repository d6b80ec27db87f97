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
  elif ls "$d" | grep -q '\.tmp\.'; then why="temporary file left"
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
  if ls "$d" | grep -q '\.tmp\.'; then fail "export over ${kb} KiB left a temporary file"; fi
  cmp -s "$d/summary.csv" "$d/earlier.csv" || fail "export over ${kb} KiB changed the earlier CSV"
done
echo "disk_full: ok"
