#!/usr/bin/env bash
# Weak scaling under MPI: AGENTS per rank, 2025-2050, one OpenMP thread per
# rank, 1, 2 and 4 ranks (or RANKS).  Prints one table row per rank count:
# wall seconds (slowest rank, from the output file), agent-years per second,
# efficiency (T1 / TK at fixed work per rank) and the largest peak RSS of a
# rank.  On a machine with fewer cores than ranks the runs are oversubscribed
# and efficiency drops accordingly.
#   scripts/weak_scaling.sh [AGENTS_PER_RANK] [BINARY]      (docs/hpc.md)
set -euo pipefail
cd "$(dirname "$0")/.."
per=${1:-100000}
bin=${2:-build/osteosim}
ranks=${RANKS:-"1 2 4"}
[ -x /usr/bin/time ] || { echo "weak_scaling: needs /usr/bin/time (Debian: time)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMP_NUM_THREADS=1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
printf "%5s %10s %8s %14s %10s %12s\n" ranks agents wall_s agent_years/s efficiency peak_RSS_MiB
t1=""
for k in $ranks; do
  n=$((per * k))
  mpirun -np "$k" bash -c '/usr/bin/time -f %M -o "$0/rss.$OMPI_COMM_WORLD_RANK" "$@"' "$dir" \
    "$bin" run configs/china.yaml --agents "$n" --set run.end_year=2050 --threads 1 --quiet \
    -o "$dir/out.h5"
  read -r wall ay < <(/usr/bin/python3 -c "
import h5py, sys
f = h5py.File(sys.argv[1], 'r')
print(float(f.attrs['wall_seconds']), float(f.attrs['agent_years']))" "$dir/out.h5")
  rss=$(sort -n "$dir"/rss.* | tail -1)
  [ -n "$t1" ] || t1=$wall
  awk -v k="$k" -v n="$n" -v w="$wall" -v ay="$ay" -v t1="$t1" -v rss="$rss" \
    'BEGIN { printf "%5d %10d %8.2f %14.0f %10.2f %12.1f\n", k, n, w, ay / w, t1 / w, rss / 1024 }'
  rm -f "$dir"/rss.* "$dir/out.h5"
done
