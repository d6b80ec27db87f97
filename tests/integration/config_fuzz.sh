#!/usr/bin/env bash
# Seeded configuration fuzzer: mutants of the shipped configs (made by
# config_fuzz.py with a fixed seed) each go through `osteosim check`, which
# must exit 0, or exit 2 with one stderr line naming FILE:LINE; never a
# signal, a sanitizer report or a hang (timeout per case).  The sanitizer
# build runs a smaller sample.  FUZZ_CASES / FUZZ_SEED override the defaults.
source "$(dirname "$0")/../integration_lib.sh"

asan=0
case "$OSTEOSIM" in *asan*) asan=1 ;; esac
grep -qa __asan_init "$OSTEOSIM" && asan=1
cases=${FUZZ_CASES:-$([ $asan -eq 1 ] && echo 300 || echo 2000)}
limit=${FUZZ_TIMEOUT:-$([ $asan -eq 1 ] && echo 60 || echo 10)}

rm -rf "$TMP/fz"
"$PY" "$SRC/tests/integration/config_fuzz.py" "$SRC/configs" "$TMP/fz" "$cases" \
    "${FUZZ_SEED:-20250701}" >"$TMP/cases.tsv"

# One case: "ID<TAB>CONFIG<TAB>..." -> "ID RC LINES FILELINE" in $TMP/fz/ID/res.
one() {
    local id=$1 cfg=$2 rc=0 d="$TMP/fz/$1"
    timeout -k 2 "$limit" "$OSTEOSIM" check "$cfg" >/dev/null 2>"$d/err" || rc=$?
    local n=0 first="" fl=0 line
    while IFS= read -r line || [ -n "$line" ]; do
        [ $n -eq 0 ] && first=$line
        n=$((n + 1))
    done <"$d/err"
    [[ "$first" =~ ^osteosim:\ [^[:space:]]+:[0-9]+:\  ]] && fl=1
    echo "$id $rc $n $fl" >"$d/res"
}
export -f one
export OSTEOSIM TMP limit
cut -f1,2 "$TMP/cases.tsv" | tr '\t' '\n' | xargs -d '\n' -n2 -P2 bash -c 'one "$0" "$1"'

tried=0 ok=0 clean=0 noline=0 crash=0 hang=0 other=0
while IFS=$'\t' read -r id cfg what; do
    read -r _ rc n fl <"$TMP/fz/$id/res"
    tried=$((tried + 1))
    if [ "$rc" -eq 0 ]; then ok=$((ok + 1))
    elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then hang=$((hang + 1)); echo "HANG $id: $what" >&2
    elif [ "$rc" -gt 128 ]; then crash=$((crash + 1)); echo "SIGNAL $((rc - 128)) $id: $what" >&2
    elif [ "$rc" -eq 2 ] && [ "$n" -eq 1 ] && [ "$fl" -eq 1 ]; then clean=$((clean + 1))
    elif [ "$rc" -eq 2 ] && [ "$n" -eq 1 ]; then
        noline=$((noline + 1)); echo "NO FILE:LINE $id: $what: $(cat "$TMP/fz/$id/err")" >&2
    else
        other=$((other + 1)); echo "EXIT $rc, $n lines $id: $what: $(head -c 600 "$TMP/fz/$id/err")" >&2
    fi
done <"$TMP/cases.tsv"
echo "config_fuzz: tried $tried, exit 0 $ok, clean exit 2 $clean, lacking file:line $noline," \
     "other exit $other, crash $crash, hang $hang"
[ "$tried" -eq "$cases" ] || fail "ran $tried of $cases cases"
[ $((noline + other + crash + hang)) -eq 0 ] || fail "$((noline + other + crash + hang)) bad outcomes"
rm -rf "$TMP/fz"
