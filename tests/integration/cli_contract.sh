#!/usr/bin/env bash
# Command-line contract: --help/--version everywhere, exit codes, one-line
# configuration errors naming file, line and key.
. "$(dirname "$0")/../integration_lib.sh"
for sub in "" run check info calibrate floor; do
  "$OSTEOSIM" $sub --help | grep -ci usage > /dev/null || fail "'$sub --help' prints no usage"
  "$OSTEOSIM" $sub --version | grep -c '^osteosim ' > /dev/null || fail "'$sub --version'"
done
set +e
"$OSTEOSIM" frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown command should exit 2"
"$OSTEOSIM" run 2>/dev/null; [ $? -eq 2 ] || fail "missing config should exit 2"
"$OSTEOSIM" run "$SRC/configs/china.yaml" --threads zero 2>/dev/null; [ $? -eq 2 ] || fail "bad --threads should exit 2"
"$OSTEOSIM" info "$TMP/none.h5" 2>/dev/null; [ $? -eq 1 ] || fail "info on a missing file should exit 1"
set -e

# A misspelt key: exit 2, one line with file, line and key (and a suggestion).
cat > "$TMP/typo.yaml" <<YAML
include: $SRC/configs/china.yaml
run:
  agnets: 1000
YAML
set +e
"$OSTEOSIM" run "$TMP/typo.yaml" -o "$TMP/typo.h5" 2> "$TMP/typo.err"; rc=$?
set -e
[ $rc -eq 2 ] || fail "misspelt key: exit $rc, expected 2"
[ "$(wc -l < "$TMP/typo.err")" -eq 1 ] || fail "misspelt key: expected one line, got: $(cat "$TMP/typo.err")"
grep -q "typo.yaml:3" "$TMP/typo.err" || fail "error lacks file:line: $(cat "$TMP/typo.err")"
grep -q "run.agnets" "$TMP/typo.err" || fail "error lacks the key: $(cat "$TMP/typo.err")"
grep -q "run.agents" "$TMP/typo.err" || fail "error lacks the suggestion: $(cat "$TMP/typo.err")"
[ ! -e "$TMP/typo.h5" ] || fail "a failed run wrote an output file"

# An unwritable output directory is a run failure (exit 1), not a crash.
set +e
"$OSTEOSIM" run "$SRC/configs/china.yaml" "${SMALL[@]}" -o "$TMP/no/such/dir/x.h5" 2>/dev/null; rc=$?
set -e
[ $rc -eq 1 ] || fail "unwritable output: exit $rc, expected 1"
echo "cli_contract: ok"
