#!/usr/bin/env bash
# Every ```python and ```r block of docs/reading-outputs.md runs against a
# fresh output file (OUT.h5 replaced by its path) of the programme scenario
# with PSA draws, replicates, snapshots and the event log, from a directory
# where scripts/ and build/osteosim are as in the repository (the blocks are
# written for the repository root), so the document cannot rot.  Blocks
# whose first line is "# needs: MODULE" are skipped, with a note, when the
# Python module or R package is not installed.  R blocks run in order in one
# directory (the BCEA block reads the files the dampack one writes).
. "$(dirname "$0")/../integration_lib.sh"
out="$TMP/doc.h5"
"$OSTEOSIM" run "$SRC/configs/china_programmes.yaml" --agents 2000 --set run.end_year=2027 \
  --psa 2 --replicates 2 --set "output.cohort_years=[2025,2027]" --set output.event_log=true \
  --quiet -o "$out"
rm -rf "$TMP/blocks" "$TMP/root"
mkdir -p "$TMP/blocks" "$TMP/root/build"
ln -s "$SRC/scripts" "$TMP/root/scripts"
ln -s "$OSTEOSIM" "$TMP/root/build/osteosim"
"$PY" - "$SRC/docs/reading-outputs.md" "$out" "$TMP/blocks" <<'PY'
import re, sys
doc, out, dest = sys.argv[1:4]
text = open(doc, encoding="utf-8").read()
for lang, ext, least in (("python", "py", 12), ("r", "R", 8)):
    blocks = re.findall(rf"^```{lang}\n(.*?)^```", text, re.M | re.S)
    assert len(blocks) >= least, f"only {len(blocks)} {lang} blocks"
    for i, b in enumerate(blocks):
        assert "OUT.h5" in b or "psa_cost.csv" in b, f"{lang} block {i + 1} does not use OUT.h5"
        with open(f"{dest}/block{i + 1:02d}.{ext}", "w", encoding="utf-8") as fh:
            fh.write(b.replace("OUT.h5", out))
    print(len(blocks), lang, "blocks")
PY
have_r=1
command -v Rscript > /dev/null || { have_r=0; echo "no Rscript: R blocks not run"; }
ran=0
for b in "$TMP"/blocks/block*.py "$TMP"/blocks/block*.R; do
  need=$(sed -n '1s/^# needs: *//p' "$b")
  case $b in
    *.py)
      if [ -n "$need" ] && ! "$PY" -c "import $need" 2>/dev/null; then
        echo "skip $(basename "$b"): needs $need"; continue
      fi
      run=("$PY" "$b") ;;
    *.R)
      [ $have_r = 1 ] || continue
      if [ -n "$need" ] && ! Rscript -e "quit(status = !requireNamespace('$need', quietly = TRUE))" 2>/dev/null; then
        echo "skip $(basename "$b"): needs R package $need"; continue
      fi
      run=(Rscript "$b") ;;
  esac
  (cd "$TMP/root" && "${run[@]}" > "$b.out" 2>&1) || { cat "$b.out" >&2; fail "$(basename "$b") of docs/reading-outputs.md failed"; }
  ran=$((ran + 1))
done
want=12
[ $have_r = 1 ] && want=18
[ "$ran" -ge $want ] || fail "only $ran blocks ran"
echo "reading_outputs_doc: ok ($ran blocks)"
