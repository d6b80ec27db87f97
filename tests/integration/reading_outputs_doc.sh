#!/usr/bin/env bash
# Every ```python block of docs/reading-outputs.md runs against a fresh
# output file (OUT.h5 replaced by its path), so the document cannot rot.
# Blocks whose first line is "# needs: MODULE" are skipped, with a note,
# when MODULE is not importable.
. "$(dirname "$0")/../integration_lib.sh"
out="$TMP/doc.h5"
"$OSTEOSIM" run "$SRC/configs/china.yaml" --agents 3000 --set run.end_year=2027 \
  --set "output.cohort_years=[2025,2027]" --set output.event_log=true --quiet -o "$out"
rm -rf "$TMP/blocks"
mkdir -p "$TMP/blocks"
"$PY" - "$SRC/docs/reading-outputs.md" "$out" "$TMP/blocks" <<'PY'
import re, sys
doc, out, dest = sys.argv[1:4]
blocks = re.findall(r"^```python\n(.*?)^```", open(doc, encoding="utf-8").read(), re.M | re.S)
assert len(blocks) >= 8, f"only {len(blocks)} python blocks"
for i, b in enumerate(blocks):
    assert "OUT.h5" in b, f"block {i + 1} does not use OUT.h5"
    with open(f"{dest}/block{i + 1:02d}.py", "w", encoding="utf-8") as fh:
        fh.write(b.replace("OUT.h5", out))
print(len(blocks), "python blocks")
PY
ran=0
for b in "$TMP"/blocks/block*.py; do
  need=$(sed -n '1s/^# needs: *//p' "$b")
  if [ -n "$need" ] && ! "$PY" -c "import $need" 2>/dev/null; then
    echo "skip $(basename "$b"): needs $need"
    continue
  fi
  (cd "$TMP" && "$PY" "$b" > "$b.out" 2>&1) || { cat "$b.out" >&2; fail "$(basename "$b") of docs/reading-outputs.md failed"; }
  ran=$((ran + 1))
done
[ "$ran" -ge 8 ] || fail "only $ran blocks ran"
echo "reading_outputs_doc: ok ($ran blocks)"
