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
    n=$((n + 1))
done
[ "$n" -ge 30 ] || fail "only $n malformed configs, expected at least 30"

"$OSTEOSIM" check "$SRC/configs/china.yaml" >"$TMP/resolved.yaml" 2>"$TMP/err" \
    || fail "configs/china.yaml does not check: $(cat "$TMP/err")"
"$OSTEOSIM" check "$TMP/resolved.yaml" >"$TMP/resolved2.yaml" 2>"$TMP/err" \
    || fail "resolved china.yaml does not check: $(cat "$TMP/err")"
cmp -s "$TMP/resolved.yaml" "$TMP/resolved2.yaml" || fail "resolved YAML is not stable under a round trip"
echo "ok: $n malformed configs rejected, china.yaml round-trips"
