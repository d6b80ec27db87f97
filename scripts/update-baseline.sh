#!/usr/bin/env bash
# Regenerates the regression baseline tests/baseline/summary.h5: the /summary
# table of a small fixed run (data only: no attributes, so only results are
# compared).  See tests/baseline/README.md for when to do this.
#
# usage: scripts/update-baseline.sh [--osteosim BIN] [--output FILE]
#
#   --osteosim BIN  the program (default: $OSTEOSIM, else build/osteosim)
#   --output FILE   where to write (default: tests/baseline/summary.h5);
#                   tests/integration/regression_baseline.sh uses this to
#                   make a candidate file the same way
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
bin=${OSTEOSIM:-$src/build/osteosim}
dest=$src/tests/baseline/summary.h5
while [ $# -gt 0 ]; do
  case $1 in
    --osteosim) bin=$2; shift 2 ;;
    --output) dest=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "update-baseline.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[ -x "$bin" ] || { echo "update-baseline.sh: no program at $bin (build first, or pass --osteosim)" >&2; exit 2; }

# The fixed scenario.  Changing it changes the baseline: regenerate and say
# so in the commit message.
args=(run "$src/configs/china.yaml" --agents 20000 --set run.end_year=2035
      --set "output.cohort_years=[2025]" --threads 2 --quiet)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin" "${args[@]}" -o "$work/run.h5"
/usr/bin/python3 - "$work/run.h5" "$work/summary.h5" "osteosim ${args[*]}" <<'PY'
import sys, h5py
run, out, cmd = sys.argv[1:4]
with h5py.File(run, "r") as f, h5py.File(out, "w") as g:
    s = g.create_group("summary")
    for name, col in f["summary"].items():
        s.create_dataset(name, data=col[:])
    for a in ("osteosim_version", "git_commit", "created", "seed"):
        g.attrs[a] = f.attrs[a]
    g.attrs["command"] = cmd
PY
mkdir -p "$(dirname "$dest")"
mv "$work/summary.h5" "$dest"
echo "wrote $dest"
