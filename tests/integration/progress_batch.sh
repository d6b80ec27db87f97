#!/usr/bin/env bash
# Progress for batch logs: with stderr a file, one line per
# run.progress_every_percent of the whole job (draws, base case, arms,
# years), labelled, with an ETA for the whole job; a last "done" line;
# --quiet prints nothing.  On a terminal (emulated with script(1)), one
# self-overwriting counter for the whole job.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/tests/configs/arms_small.yaml"
small=(--agents 2000 --set run.end_year=2030)
"$OSTEOSIM" run "$cfg" "${small[@]}" --psa 2 --set run.progress_every_percent=20 \
  -o "$TMP/p.h5" > /dev/null 2> "$TMP/log"
"$PY" - "$TMP/log" <<'PY' || fail "batch progress lines: $(cat "$TMP/log")"
import re, sys
lines = open(sys.argv[1]).read().splitlines()
pat = re.compile(r"osteosim: progress (\d+)% \| (draw (\d) of 2|base case) \| arm (\d) of 4 \| year (\d{4}) \| "
                 r"\S+ agent-years, \S+/s \| elapsed \S+ \| ETA (\d+h)?(\d+m)?\d+s for the whole job$")
*steps, last = lines
assert re.fullmatch(r"osteosim: progress 100% \| done: \S+ agent-years in \S+", last), last
assert 4 <= len(steps) <= 5, steps           # every 20 % of 3 runs x 4 arms x 6 years
prev = -1
for s in steps:
    m = pat.match(s)
    assert m, s
    pct, draw, arm, year = int(m[1]), m[3], int(m[4]), int(m[5])
    run = int(draw) if draw else 3            # the base case runs after the draws
    done = (run - 1) * 24 + (arm - 1) * 6 + (year - 2025 + 1)
    # the share is of the whole job, not of one arm or draw
    assert abs(pct - 100 * done / 72) <= 0.5 + 1e-9, (s, done)
    assert pct > prev and pct >= 20 * len([p for p in steps[:steps.index(s) + 1]]) - 0.5, s
    prev = pct
assert any("draw 1 of 2" in s for s in steps) and any("base case" in s for s in steps)
PY
# By time only (0 %: no share lines; 0 minutes: none by time): the last line only.
"$OSTEOSIM" run "$cfg" "${small[@]}" --set run.progress_every_percent=0 --set run.progress_every_minutes=0 \
  -o "$TMP/t.h5" > /dev/null 2> "$TMP/log0"
[ "$(wc -l < "$TMP/log0")" -eq 1 ] && [ "$(grep -c 'progress 100% | done' "$TMP/log0")" -eq 1 ] ||
  fail "progress with both intervals off: $(cat "$TMP/log0")"
# Replicates are labelled and counted in the job.
"$OSTEOSIM" run "$cfg" "${small[@]}" --replicates 2 --set run.progress_every_percent=25 \
  -o "$TMP/r.h5" > /dev/null 2> "$TMP/logr"
[ "$(grep -c 'progress 75% | replicate 2 of 2 | arm 2 of 4 | year 2030' "$TMP/logr")" -eq 1 ] ||
  fail "replicates progress: $(cat "$TMP/logr")"
# --quiet: nothing at all on stderr.
"$OSTEOSIM" run "$cfg" "${small[@]}" --psa 2 --quiet -o "$TMP/q.h5" 2> "$TMP/logq"
[ ! -s "$TMP/logq" ] || fail "--quiet printed: $(cat "$TMP/logq")"
# A terminal: one counter over the job, rewritten in place.
if command -v script > /dev/null; then
  script -qec "'$OSTEOSIM' run '$cfg' --agents 2000 --set run.end_year=2030 --psa 2 -o '$TMP/tty.h5' > /dev/null" \
    "$TMP/tty" > /dev/null
  tr '\r' '\n' < "$TMP/tty" > "$TMP/tty.lines"
  for w in "job   1% | draw 1 of 2 | arm 1 of 4 | year 2025" "job  36% | draw 2 of 2 | arm 1 of 4 | year 2026" \
           "job  68% | base case | arm 1 of 4 | year 2025" "job 100% | base case | arm 4 of 4 | year 2030"; do
    [ "$(grep -cF -- "$w" "$TMP/tty.lines")" -eq 1 ] || fail "terminal progress lacks '$w'"
  done
  script -qec "'$OSTEOSIM' run '$cfg' --agents 2000 --set run.end_year=2026 --quiet -o '$TMP/ttyq.h5'" \
    "$TMP/ttyq" > /dev/null
  [ "$(grep -c 'job' "$TMP/ttyq")" -eq 0 ] || fail "--quiet printed progress on a terminal"
fi
echo "progress_batch: ok"
