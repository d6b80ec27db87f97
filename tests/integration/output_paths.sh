#!/usr/bin/env bash
# Where a run or an export may write (docs/user-guide.md, "Output files"):
# device-like targets, directories and the run's own inputs are refused
# before anything runs (exit 2, one line, target untouched); a symbolic link
# is followed and kept; stale temporary files of ended runs are swept; a full
# or closed stdout fails check and info; a late SIGTERM has a defined outcome.
. "$(dirname "$0")/../integration_lib.sh"
d="$TMP/paths"
rm -rf "$d"
mkdir -p "$d"
cat > "$d/my.yaml" <<YAML
include: [$SRC/configs/china.yaml, extra.yaml]
YAML
printf 'run:\n  seed: 7\n' > "$d/extra.yaml"
cp "$SRC/configs/countries/china/data/china_population.csv" "$d/pop.csv"
small=(--agents 2000 --set run.end_year=2026 --set "output.cohort_years=[2025]" --quiet)
"$OSTEOSIM" run "$d/my.yaml" "${small[@]}" -o "$d/good.h5"
mkfifo "$d/fifo"
mkdir "$d/dir"
ln "$d/my.yaml" "$d/hard.yaml"
ln -s my.yaml "$d/link-to-config.yaml"
ln -s missing.h5 "$d/dangling.h5"
ln -s good.h5 "$d/link.h5"
state() { # what a target is, and its content
  for f in "$@"; do
    if [ -L "$f" ]; then echo "link $(readlink "$f")"
    elif [ -p "$f" ]; then echo fifo
    elif [ -d "$f" ]; then echo "dir $(ls -A "$f" | wc -l)"
    elif [ -f "$f" ]; then md5sum < "$f"
    else echo absent; fi
  done
}
tried=0
# refused WHAT TARGET... -- COMMAND: exit 2, one line on stderr, nothing changed
refused() {
  local what=$1; shift
  local targets=()
  while [ "$1" != -- ]; do targets+=("$1"); shift; done
  shift
  local before rc
  before=$(state "${targets[@]}" "$d/my.yaml" "$d/extra.yaml" "$d/good.h5")
  set +e
  timeout 60 "$@" 2> "$d/err"; rc=$?
  set -e
  tried=$((tried + 1))
  [ $rc -eq 2 ] || fail "$what: exit $rc, expected 2 ($(cat "$d/err"))"
  [ "$(wc -l < "$d/err")" -eq 1 ] || fail "$what: expected one line, got: $(cat "$d/err")"
  [ "$(state "${targets[@]}" "$d/my.yaml" "$d/extra.yaml" "$d/good.h5")" = "$before" ] ||
    fail "$what: a target or an input changed"
  if ls "$d" | grep -c '\.tmp\.' > /dev/null; then fail "$what: temporary file left: $(ls "$d")"; fi
}
run=("$OSTEOSIM" run "$d/my.yaml" "${small[@]}")
refused "FIFO" "$d/fifo" -- "${run[@]}" -o "$d/fifo"
refused "directory" "$d/dir" -- "${run[@]}" -o "$d/dir"
refused "the config file" -- "${run[@]}" -o "$d/my.yaml"
refused "an included file" -- "${run[@]}" -o "$d/extra.yaml"
refused "a hard link of the config" "$d/hard.yaml" -- "${run[@]}" -o "$d/hard.yaml"
refused "a symlink to the config" "$d/link-to-config.yaml" -- "${run[@]}" -o "$d/link-to-config.yaml"
refused "a dangling symlink" "$d/dangling.h5" -- "${run[@]}" -o "$d/dangling.h5"
refused "a demographic table" "$d/pop.csv" -- "${run[@]}" --set "demography.population_file=$d/pop.csv" -o "$d/pop.csv"
refused "empty -o" -- "${run[@]}" -o ""
refused "--checkpoint = -o" "$d/new.h5" -- "${run[@]}" -o "$d/new.h5" --checkpoint "$d/new.h5"
refused "--checkpoint a FIFO" "$d/fifo" -- "${run[@]}" -o "$d/new.h5" --checkpoint "$d/fifo"
refused "--from X -o X" -- "$OSTEOSIM" run --from "$d/good.h5" -o "$d/good.h5" --quiet
refused "--from X -o a link to X" "$d/link.h5" -- "$OSTEOSIM" run --from "$d/good.h5" -o "$d/link.h5" --quiet
refused "export --csv FIFO" "$d/fifo" -- "$OSTEOSIM" export "$d/good.h5" --csv "$d/fifo"
refused "export --csv directory" "$d/dir" -- "$OSTEOSIM" export "$d/good.h5" --csv "$d/dir"
refused "export --csv the input" -- "$OSTEOSIM" export "$d/good.h5" --csv "$d/good.h5"
refused "export --csv empty" -- "$OSTEOSIM" export "$d/good.h5" --csv ""
# calibrate -o: the same rules, checked before the first evaluation; its
# inputs include the targets file and the targets files it includes.
cat > "$d/tg.yaml" <<YAML
include: [tinc.yaml]
targets:
  - {name: fallers_women, measure: prevalence, column: fallers, year: 2026, sex: female, age: [50, 200], value: 0.2, tolerance: 0.05, source: test}
fit:
  - {key: falls.base_prob.female, min: 0.01, max: 0.6}
YAML
cat > "$d/tinc.yaml" <<YAML
targets:
  - {name: fallers_men, measure: prevalence, column: fallers, year: 2026, sex: male, age: [50, 200], value: 0.1, tolerance: 0.05, source: test}
YAML
ln "$d/tg.yaml" "$d/hard-tg.yaml"
ln -s tinc.yaml "$d/link-to-tinc.yaml"
cal=("$OSTEOSIM" calibrate "$d/my.yaml" --targets "$d/tg.yaml" --agents 2000 --set run.end_year=2026 --max-iter 0)
refused "calibrate -o FIFO" "$d/fifo" -- "${cal[@]}" -o "$d/fifo"
refused "calibrate -o directory" "$d/dir" -- "${cal[@]}" -o "$d/dir"
refused "calibrate -o the config" -- "${cal[@]}" -o "$d/my.yaml"
refused "calibrate -o an included config" -- "${cal[@]}" -o "$d/extra.yaml"
refused "calibrate -o the targets file" "$d/tg.yaml" -- "${cal[@]}" -o "$d/tg.yaml"
grep -qF "$d/tg.yaml: is the targets file of this run" "$d/err" || fail "calibrate -o targets: $(cat "$d/err")"
refused "calibrate -o an included targets file" "$d/tinc.yaml" -- "${cal[@]}" -o "$d/tinc.yaml"
grep -q "included by the targets file" "$d/err" || fail "calibrate -o an include: $(cat "$d/err")"
refused "calibrate -o a hard link of the targets" "$d/tg.yaml" "$d/hard-tg.yaml" -- "${cal[@]}" -o "$d/hard-tg.yaml"
refused "calibrate -o a symlink to an included targets file" "$d/tinc.yaml" "$d/link-to-tinc.yaml" -- \
  "${cal[@]}" -o "$d/link-to-tinc.yaml"
refused "calibrate -o a dangling symlink" "$d/dangling.h5" -- "${cal[@]}" -o "$d/dangling.h5"
refused "calibrate -o a demographic table" "$d/pop.csv" -- "${cal[@]}" --set "demography.population_file=$d/pop.csv" -o "$d/pop.csv"
refused "calibrate -o empty" -- "${cal[@]}" -o ""
start=$(date +%s)
refused "calibrate -o directory, large run" "$d/dir" -- "${cal[@]}" --agents 2000000 -o "$d/dir"
[ $(($(date +%s) - start)) -lt 20 ] || fail "calibrate -o a directory was refused only after evaluating"
# Followed symlink: the file it points to is written, the link stays.
echo old > "$d/fit.yaml"
ln -s fit.yaml "$d/link-fit.yaml"
"${cal[@]}" -o "$d/link-fit.yaml" > /dev/null
[ "$(readlink "$d/link-fit.yaml")" = fit.yaml ] || fail "calibrate replaced the symlink"
grep -q "falls:" "$d/fit.yaml" || fail "calibrate did not write the symlink's target"
if ls "$d" | grep -c '\.tmp\.' > /dev/null; then fail "calibrate left a temporary file"; fi

# The refusal comes before the simulation: a run of 2,000,000 agents would
# take far longer than this.
start=$(date +%s)
refused "directory, large run" "$d/dir" -- "$OSTEOSIM" run "$d/my.yaml" --agents 2000000 --quiet -o "$d/dir"
[ $(($(date +%s) - start)) -lt 20 ] || fail "-o a directory was refused only after the run"

# A symbolic link to a regular file is followed: the file is replaced, the
# link stays.
"$OSTEOSIM" run --from "$d/good.h5" -o "$d/copy.h5" --quiet
ln -s copy.h5 "$d/link-copy.h5"
"$OSTEOSIM" run "$d/my.yaml" "${small[@]}" --seed 9 -o "$d/link-copy.h5"
[ "$(readlink "$d/link-copy.h5")" = copy.h5 ] || fail "the symlink was replaced"
"$PY" -c "import h5py,sys; assert h5py.File(sys.argv[1])['/'].attrs['seed'] == 9" "$d/copy.h5" ||
  fail "the symlink's target was not written"
"$OSTEOSIM" export "$d/good.h5" --csv "$d/link-copy.h5"
[ -L "$d/link-copy.h5" ] && head -1 "$d/copy.h5" | grep -c year > /dev/null || fail "export through a symlink"

# Stale temporary files: only OUT.h5.tmp.<pid of an ended process>, regular
# and ours, are removed.
dead=$(sh -c 'echo $$')
sleep 60 & live=$!
for n in "out.h5.tmp.$dead" "out.h5.tmp.$live" out.h5.tmp.x1 out.h5.tmpfoo "other.h5.tmp.$dead"; do
  echo x > "$d/$n"
done
ln -s good.h5 "$d/out.h5.tmp.4000000"
"$OSTEOSIM" run "$d/my.yaml" "${small[@]}" -o "$d/out.h5"
kill $live; wait $live 2>/dev/null || true
[ ! -e "$d/out.h5.tmp.$dead" ] || fail "stale temporary file of an ended run not removed"
for n in "out.h5.tmp.$live" out.h5.tmp.x1 out.h5.tmpfoo "other.h5.tmp.$dead" out.h5.tmp.4000000; do
  [ -e "$d/$n" ] || [ -L "$d/$n" ] || fail "the sweep removed $n"
done
rm -f "$d"/*.tmp*

# check and info with a closed stdout: exit 1, one line on stderr.
for cmd in "check $d/my.yaml" "info $d/good.h5"; do
  set +e
  "$OSTEOSIM" $cmd >&- 2> "$d/err"; rc=$?
  set -e
  [ $rc -eq 1 ] || fail "$cmd >&-: exit $rc, expected 1"
  [ "$(wc -l < "$d/err")" -eq 1 ] && grep -q "standard output" "$d/err" ||
    fail "$cmd >&-: $(cat "$d/err")"
done

# SIGTERM at any moment: either stopped (exit 3, no file, a checkpoint) or,
# when it came after the last simulated year began, completed (exit 0, the
# file, a note on stderr); a signal that reaches a process already exiting
# leaves it exit 0 with its complete file.
term=("$OSTEOSIM" run "$d/my.yaml" --agents 60000 --set run.end_year=2026
      --set "output.cohort_years=[2026]" --quiet --threads 1 -o "$d/term.h5")
t0=$(date +%s%N); "${term[@]}"; t1=$(date +%s%N)
dur=$(( (t1 - t0) / 1000000 ))  # ms
stopped=0 completed=0 after=0
for k in 0 1 2 3 4 5 6 7 8; do
  rm -f "$d/term.h5" "$d/term.ckpt.h5"
  "${term[@]}" 2> "$d/err" &
  pid=$!
  # From the moment the output is open (the run is under way).
  for _ in $(seq 1000); do
    compgen -G "$d/term.h5.tmp.*" > /dev/null && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.005
  done
  sleep "$(awk -v d=$dur -v k=$k 'BEGIN { printf "%.3f", d * k / 9 / 1000 }')"
  kill -TERM $pid 2>/dev/null || true
  set +e; wait $pid; rc=$?; set -e
  case $rc in
    3) [ ! -e "$d/term.h5" ] && [ -e "$d/term.ckpt.h5" ] ||
         fail "TERM at $k/9 after the start: exit 3 without a checkpoint, or with a file"
       stopped=$((stopped + 1)) ;;
    0) [ -e "$d/term.h5" ] || fail "TERM at $k/9 after the start: exit 0 without the file"
       if grep -q "stop requested after the" "$d/err"; then
         completed=$((completed + 1))
       else
         # No note: the signal reached a process already exiting (the
         # kernel drops it; a check of /proc cannot tell that moment from a
         # live process).  The file must then be the complete one.
         "$OSTEOSIM" info "$d/term.h5" > /dev/null ||
           fail "TERM at $k/9 after the start: exit 0 without a note and an unreadable file"
         after=$((after + 1))
       fi ;;
    *) fail "TERM at $k/9 after the start: exit $rc" ;;
  esac
done
[ $stopped -gt 0 ] || fail "no SIGTERM stopped the run"
echo "output_paths: ok ($tried refused cases; SIGTERM: $stopped stopped, $completed completed with a note, $after after the end)"
