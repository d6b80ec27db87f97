#!/usr/bin/env bash
# Command-line contract: --help/--version everywhere, exit codes, one-line
# configuration errors naming file, line and key.
. "$(dirname "$0")/../integration_lib.sh"
for sub in "" run check info export calibrate floor psa-merge; do
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

# --help names every command (dsa is listed ahead of its registration).
"$OSTEOSIM" --help > "$TMP/help.txt"
for c in run check info export calibrate dsa psa-merge floor; do
  [ "$(grep -c "^  $c " "$TMP/help.txt")" -eq 1 ] || fail "--help lacks command '$c'"
done

# Keys the command line overrides (--threads, -o) are used, not unused;
# info is concise, --verbose lists datasets with their real types.
cat > "$TMP/cli.yaml" <<YAML
include: $SRC/configs/china.yaml
run:
  threads: 2
output:
  path: $TMP/never.h5
YAML
"$OSTEOSIM" run "$TMP/cli.yaml" "${SMALL[@]}" --threads 1 -o "$TMP/cli.h5"
[ ! -e "$TMP/never.h5" ] || fail "-o did not override output.path"
"$PY" - "$TMP/cli.h5" <<'PY' || fail "CLI-set keys listed as unused"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
unused = [k.decode() if isinstance(k, bytes) else k for k in f["parameters/unused/key"][:]]
used = [k.decode() if isinstance(k, bytes) else k for k in f["parameters/used/key"][:]]
assert "run.threads" not in unused and "output.path" not in unused, unused
assert "run.threads" in used and "output.path" in used
PY
"$OSTEOSIM" info "$TMP/cli.h5" > "$TMP/info.txt"
lines=$(wc -l < "$TMP/info.txt")
[ "$lines" -le 25 ] || fail "info is not concise: $lines lines"
for w in "scenario:        china" "years:           2025-2031" "agents:" "arms:" "groups:" "/summary " "rows x" "file size:"; do
  [ "$(grep -c -- "$w" "$TMP/info.txt")" -ge 1 ] || fail "info lacks '$w'"
done
[ "$(grep -c '/summary/population' "$TMP/info.txt")" -eq 0 ] || fail "info lists datasets without --verbose"
"$OSTEOSIM" info --verbose "$TMP/cli.h5" > "$TMP/infov.txt"
[ "$(grep -cE '/parameters/used/key +[0-9]+ x string$' "$TMP/infov.txt")" -eq 1 ] || fail "string column not shown as string"
[ "$(grep -cE '/summary/population +[0-9]+ x float64$' "$TMP/infov.txt")" -eq 1 ] || fail "float column type"
[ "$(grep -cE '/cohort/2025/sex +[0-9]+ x uint8$' "$TMP/infov.txt")" -eq 1 ] || fail "unsigned column not shown as uint8"
set +e
"$OSTEOSIM" info --frob "$TMP/cli.h5" 2>/dev/null; rc=$?
set -e
[ $rc -eq 2 ] || fail "info with an unknown option: exit $rc, expected 2"
echo "cli_contract: ok"
