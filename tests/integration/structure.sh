#!/usr/bin/env bash
# The engine/biology boundary and the size rules (scripts/check_structure.py)
# hold for the tree, and the checker finds each kind of breach planted in a
# copy: a biology word in sim/, an include cycle, a long function, a long
# file and a models/ header included by the engine.
. "$(dirname "$0")/../integration_lib.sh"
check="$SRC/scripts/check_structure.py"
"$PY" "$check" "$SRC" > "$TMP/ok.txt" || fail "the tree breaks the structure rules: $(cat "$TMP/ok.txt")"
t="$TMP/tree"
rm -rf "$t"
mkdir -p "$t/sim" "$t/models"
cp "$SRC"/sim/*.[ch] "$t/sim/"
cp "$SRC"/models/*.[ch] "$t/models/"
"$PY" "$check" "$t" > /dev/null || fail "the copied tree breaks the rules"
plant() {  # FILE TEXT EXPECTED: append TEXT to FILE in a fresh copy, expect EXPECTED
  rm -rf "$t.p"; cp -r "$t" "$t.p"
  printf '%s\n' "$2" >> "$t.p/$1"
  if "$PY" "$check" "$t.p" > "$TMP/p.txt"; then fail "planted $3 not found"; fi
  grep -q "$3" "$TMP/p.txt" || fail "planted $3: $(cat "$TMP/p.txt")"
}
plant sim/engine_run.c '/* the qaly column */' "names biology"
plant sim/pop.h '#include "engine.h"' "include cycle"
plant sim/err.c '#include "phases.h"' "includes models/phases.h"
body=$(echo 'int f(void)'; echo '{'; for i in $(seq 90); do echo '    (void)0;'; done; echo '}')
plant models/falls.c "$body" "function of 93 lines"
plant sim/err.c "$(for i in $(seq 500); do echo '/* */'; done)" "lines (at most 500)"
echo "structure: ok"
