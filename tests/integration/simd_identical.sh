#!/usr/bin/env bash
# Batched random streams: the default scenario gives bitwise-identical data
# (every top-level group; the root attributes are provenance) with the
# portable kernel (OSTEOSIM_SIMD=scalar), the default kernel and every
# vectorised kernel the CPU runs; the output records the kernel it used
# (root attribute rng_kernel).  A kernel the CPU lacks is reported as
# skipped; a bad OSTEOSIM_SIMD is one line and exit 2.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/configs/china.yaml"
args=(--agents 4000 --set run.end_year=2035 --set "output.cohort_years=[2025,2030,2035]"
      --set output.event_log=true --quiet --threads 2)

kernel_of() {  # FILE: its rng_kernel attribute
  "$PY" -c 'import sys, h5py; print(h5py.File(sys.argv[1], "r").attrs["rng_kernel"])' "$1"
}

OSTEOSIM_SIMD=scalar "$OSTEOSIM" run "$cfg" "${args[@]}" -o "$TMP/scalar.h5"
[ "$(kernel_of "$TMP/scalar.h5")" = scalar ] || fail "OSTEOSIM_SIMD=scalar: rng_kernel is $(kernel_of "$TMP/scalar.h5")"
groups=$(h5ls "$TMP/scalar.h5" | awk '{print "/" $1}' | sort | tr '\n' ' ')
for g in /summary /cohort /events /parameters; do
  case " $groups " in *" $g "*) ;; *) fail "the scalar run lacks $g: nothing to compare" ;; esac
done

same_as_scalar() {  # OUT WHAT
  [ "$groups" = "$(h5ls "$1" | awk '{print "/" $1}' | sort | tr '\n' ' ')" ] ||
    fail "$2: other top-level groups than the scalar run"
  for g in $groups; do
    h5diff "$TMP/scalar.h5" "$1" "$g" || fail "$2: $g differs from OSTEOSIM_SIMD=scalar"
  done
}

env -u OSTEOSIM_SIMD "$OSTEOSIM" run "$cfg" "${args[@]}" -o "$TMP/default.h5"
default=$(kernel_of "$TMP/default.h5")
same_as_scalar "$TMP/default.h5" "default kernel ($default)"
echo "simd_identical: default kernel $default: identical to scalar"

for k in sse2 avx2 avx512; do
  rm -f "$TMP/$k.h5"
  set +e
  OSTEOSIM_SIMD=$k "$OSTEOSIM" run "$cfg" "${args[@]}" -o "$TMP/$k.h5" 2>"$TMP/$k.err"
  rc=$?
  set -e
  if [ $rc -eq 2 ] && grep -q "OSTEOSIM_SIMD=$k: \(this CPU lacks\|kernel not in this build\)" "$TMP/$k.err"; then
    echo "simd_identical: kernel $k skipped: $(cat "$TMP/$k.err")"
    continue
  fi
  [ $rc -eq 0 ] || fail "OSTEOSIM_SIMD=$k: exit $rc ($(cat "$TMP/$k.err"))"
  [ "$(kernel_of "$TMP/$k.h5")" = "$k" ] || fail "OSTEOSIM_SIMD=$k: rng_kernel is $(kernel_of "$TMP/$k.h5")"
  same_as_scalar "$TMP/$k.h5" "OSTEOSIM_SIMD=$k"
  echo "simd_identical: kernel $k: identical to scalar"
done

# The benchmark floor draws the same words batched (--simd, in tiles, with a
# fractional block per agent-year) as with scalar streams: the same checksum.
checksum() { "$OSTEOSIM" floor --agents 3001 --years 3 --blocks 2.4 --bytes 8 --threads 2 "$@" |
             grep -o 'checksum [0-9.]*'; }
want=$(OSTEOSIM_SIMD=scalar checksum)
[ -n "$want" ] || fail "osteosim floor printed no checksum"
for k in scalar sse2 avx2 avx512; do
  if [ "$k" != scalar ] && [ ! -f "$TMP/$k.h5" ]; then continue; fi   # not run by this CPU
  got=$(OSTEOSIM_SIMD=$k checksum --simd)
  [ "$got" = "$want" ] || fail "floor --simd with OSTEOSIM_SIMD=$k: $got, scalar streams $want"
done

# A bad value: one line naming it, exit 2, no output file.
set +e
rm -f "$TMP/bad.h5"
OSTEOSIM_SIMD=avx9 "$OSTEOSIM" run "$cfg" "${args[@]}" -o "$TMP/bad.h5" 2>"$TMP/bad.err"
rc=$?
set -e
[ $rc -eq 2 ] || fail "OSTEOSIM_SIMD=avx9: exit $rc, not 2"
[ "$(wc -l < "$TMP/bad.err")" -eq 1 ] && grep -q "OSTEOSIM_SIMD=avx9" "$TMP/bad.err" ||
  fail "OSTEOSIM_SIMD=avx9: not one line naming it: $(cat "$TMP/bad.err")"
[ ! -e "$TMP/bad.h5" ] || fail "OSTEOSIM_SIMD=avx9: an output file was written"
echo "simd_identical: ok"
