#!/usr/bin/env bash
# A run killed part-way (SIGKILL) or stopped (SIGTERM) leaves no file at the
# target path, and an existing file there is not touched.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/configs/china.yaml"
for sig in KILL TERM; do
  out="$TMP/killed-$sig.h5"
  rm -f "$out" "$out".tmp.*
  "$OSTEOSIM" run "$cfg" --agents 400000 --quiet --threads 1 -o "$out" &
  pid=$!
  # Wait until the temporary file exists, i.e. the run is under way.
  for _ in $(seq 100); do ls "$out".tmp.* >/dev/null 2>&1 && break; sleep 0.1; done
  kill -s $sig $pid
  set +e; wait $pid; rc=$?; set -e
  [ ! -e "$out" ] || fail "SIG$sig left a file at the target path"
  if [ $sig = TERM ]; then
    [ $rc -eq 3 ] || fail "SIGTERM: exit $rc, expected 3"
    ls "$out".tmp.* >/dev/null 2>&1 && fail "SIGTERM left its temporary file"
  fi
  rm -f "$out".tmp.*
done
# A good file at the target survives a killed rerun.
good="$TMP/good.h5"
"$OSTEOSIM" run "$cfg" "${SMALL[@]}" -o "$good"
sum=$(md5sum < "$good")
"$OSTEOSIM" run "$cfg" --agents 400000 --quiet --threads 1 -o "$good" &
pid=$!
for _ in $(seq 100); do ls "$good".tmp.* >/dev/null 2>&1 && break; sleep 0.1; done
kill -9 $pid; wait $pid || true
rm -f "$good".tmp.*
[ "$(md5sum < "$good")" = "$sum" ] || fail "killed rerun damaged the existing output"
echo "engine_killed: ok"
