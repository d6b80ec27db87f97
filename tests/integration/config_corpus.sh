#!/usr/bin/env bash
# Every malformed config under tests/configs/bad must fail `osteosim check`
# with exit code 2 and exactly one stderr line naming the file and the
# expected substring (from its "# expect:" line, or tests/configs/bad/EXPECT
# for files that cannot hold a comment).  The default scenario must pass,
# and its printed resolved YAML must pass again (round trip).
source "$(dirname "$0")/../integration_lib.sh"

BAD="$SRC/tests/configs/bad"
n=0
for f in "$BAD"/*.yaml; do
    name=$(basename "$f")
    want=$(grep -a -m1 '^# expect: ' "$f" | sed 's/^# expect: //' || true)
    [ -n "$want" ] || want=$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$BAD/EXPECT")
    [ -n "$want" ] || fail "$name: no '# expect:' line and no entry in EXPECT"
    rc=0
    "$OSTEOSIM" check "$f" >"$TMP/out" 2>"$TMP/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "$name: exit code $rc, expected 2 (stderr: $(cat "$TMP/err"))"
    lines=$(wc -l <"$TMP/err")
    [ "$lines" -eq 1 ] || fail "$name: $lines lines on stderr, expected 1: $(cat "$TMP/err")"
    grep -qF -- "$name" "$TMP/err" || fail "$name: error does not name the file: $(cat "$TMP/err")"
    grep -qF -- "$want" "$TMP/err" || fail "$name: error lacks '$want': $(cat "$TMP/err")"
    grep -qE '^osteosim: [^ ]+\.yaml:[0-9]+: ' "$TMP/err" || fail "$name: error lacks file:line: $(cat "$TMP/err")"
    n=$((n + 1))
done
[ "$n" -ge 30 ] || fail "only $n malformed configs, expected at least 30"

# CONFIG must fail `check` with exit 2 and one stderr line holding WANT,
# promptly (a FIFO must not block the reader).
expect_one() {
    local rc=0
    timeout 20 "$OSTEOSIM" check "$1" >/dev/null 2>"$TMP/err" || rc=$?
    [ "$rc" -eq 2 ] || fail "$1: exit code $rc, expected 2 (stderr: $(cat "$TMP/err"))"
    [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$1: expected one line: $(cat "$TMP/err")"
    grep -qF -- "$2" "$TMP/err" || fail "$1: error lacks '$2': $(cat "$TMP/err")"
}
# Inputs that are not regular files are refused before they are opened;
# /dev/zero is only named, never read or written.
rm -rf "$TMP/fifo.yaml" "$TMP/dir.yaml"
mkfifo "$TMP/fifo.yaml"
mkdir "$TMP/dir.yaml"
for target in "$TMP/fifo.yaml" "$TMP/dir.yaml" /dev/zero; do
    printf 'include:\n  - %s\n  - %s\n' "$SRC/configs/china.yaml" "$target" >"$TMP/inc.yaml"
    expect_one "$TMP/inc.yaml" "inc.yaml:3: include: cannot read '$target': is a"
    printf 'include: %s\ncalibration:\n  targets: %s\n' "$SRC/configs/china.yaml" "$target" >"$TMP/tg.yaml"
    expect_one "$TMP/tg.yaml" "tg.yaml:3: calibration.targets: cannot read '$target': is a"
    printf 'include: [%s, %s]\n' "$SRC/configs/countries/china/targets/china_2025.yaml" "$target" >"$TMP/targets.yaml"
    printf 'include: %s\ncalibration:\n  targets: %s\n' "$SRC/configs/china.yaml" "$TMP/targets.yaml" >"$TMP/tg.yaml"
    expect_one "$TMP/tg.yaml" "targets.yaml:1: include[1]: cannot open $target: is a"
done
expect_one "$TMP/fifo.yaml" "fifo.yaml: cannot read: is a FIFO"
# Size and nesting limits: one line, quickly.
"$PY" -c "import sys; sys.stdout.write('# padding\\n' * (2 << 20))" >"$TMP/big.yaml"
expect_one "$TMP/big.yaml" "big.yaml: cannot read: is larger than 16 MiB"
printf 'include: %s\nx: %s1%s\n' "$SRC/configs/china.yaml" "$(printf '[%.0s' $(seq 100000))" \
    "$(printf ']%.0s' $(seq 100000))" >"$TMP/deep.yaml"
expect_one "$TMP/deep.yaml" "deep.yaml:2: x[0][0]"
printf 'targets: %s\n' "$(printf '{a: %.0s' $(seq 100000))" >"$TMP/deep_targets.yaml"
printf 'include: %s\ncalibration:\n  targets: %s\n' "$SRC/configs/china.yaml" "$TMP/deep_targets.yaml" >"$TMP/tg.yaml"
expect_one "$TMP/tg.yaml" "deep_targets.yaml:1: targets.a.a"
# Seeds span uint64; --threads 0 means all cores, as run.threads: 0 does.
"$OSTEOSIM" check "$SRC/configs/china.yaml" --set run.seed=18446744073709551615 >"$TMP/seed.yaml" \
    || fail "run.seed 2^64-1 rejected"
grep -q '^  seed: 18446744073709551615$' "$TMP/seed.yaml" || fail "run.seed 2^64-1 not kept"
"$OSTEOSIM" run "$SRC/configs/china.yaml" --agents 1000 --set run.end_year=2025 \
    --set "output.cohort_years=[2025]" --seed 18446744073709551615 --threads 0 --quiet \
    -o "$TMP/seed.h5" >/dev/null || fail "--seed 2^64-1 --threads 0 rejected"
for bad in "--seed -1" "--seed 18446744073709551616" "--seed 1e3" "--threads -1" "--threads 4097"; do
    rc=0
    "$OSTEOSIM" run "$SRC/configs/china.yaml" $bad -o "$TMP/no.h5" 2>"$TMP/err" >/dev/null || rc=$?
    [ "$rc" -eq 2 ] && [ "$(wc -l <"$TMP/err")" -eq 1 ] || fail "$bad: exit $rc: $(cat "$TMP/err")"
done
rm -rf "$TMP/fifo.yaml" "$TMP/dir.yaml" "$TMP/big.yaml" "$TMP/deep.yaml" "$TMP/deep_targets.yaml"

"$OSTEOSIM" check "$SRC/configs/china.yaml" >"$TMP/resolved.yaml" 2>"$TMP/err" \
    || fail "configs/china.yaml does not check: $(cat "$TMP/err")"
"$OSTEOSIM" check "$TMP/resolved.yaml" >"$TMP/resolved2.yaml" 2>"$TMP/err" \
    || fail "resolved china.yaml does not check: $(cat "$TMP/err")"
cmp -s "$TMP/resolved.yaml" "$TMP/resolved2.yaml" || fail "resolved YAML is not stable under a round trip"
"$OSTEOSIM" check "$SRC/configs/china_programmes.yaml" >/dev/null 2>"$TMP/err" \
    || fail "configs/china_programmes.yaml does not check: $(cat "$TMP/err")"
echo "ok: $n malformed configs rejected, non-regular inputs and limits refused, china.yaml round-trips"
