#!/usr/bin/env bash
# Benchmark: the default China scenario with the full model and HDF5 output,
# at 1 thread and at all available threads, and, when the binary was built
# with MPI, at 1 and 2 MPI ranks of one thread each (rows "mpi1", "mpi2";
# mpirun --oversubscribe).  Prints agent-years, wall time,
# agent-years per second per core, parallel efficiency, peak memory, bytes
# per agent (peak RSS above a zero-agent run, divided by agents) and output size,
# and the floor: the same number of Philox draws per agent-year and the same
# state bytes touched, without the model (osteosim floor), with model/floor;
# and the same floor with the draws batched as column sweeps make them
# (osteosim floor --simd: os_rng_fill in tiles, the kernel OSTEOSIM_SIMD
# chooses; its name is printed), with model/floor_simd.
#
# Under MPI, peakRSS_MiB is the largest peak RSS of one rank (each rank is
# a process: /usr/bin/time per rank) and B/agent sums the ranks' peaks above
# a zero-agent run's under mpirun, divided by agents; the floor is the
# 1-thread one.
#
# The PSA row: draws per core-hour of `osteosim run --psa N` on
# configs/china_programmes.yaml (6 arms) at PSA_AGENTS agents (default
# 50000) and 1 thread: N (PSA_DRAWS, default 10; 0 skips the row) over the
# CPU time (user + sys) of the job with the draws less that of the same job
# without them.  Printed beside the figure measured before the arms of a
# draw shared their start population (run.shared_start): 643 draws per
# core-hour at 50000 agents and 10 draws (2026-12-02, 2-core machine shared
# with other jobs; PSA_BEFORE overrides it).
#
# usage: scripts/bench.sh [AGENTS (default 1000000)] [CONFIG (default configs/china.yaml)]
set -euo pipefail
cd "$(dirname "$0")/.."
agents=${1:-1000000}
cfg=${2:-configs/china.yaml}
ncores=$(nproc)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DOSTEOSIM_TESTS=OFF >/dev/null
cmake --build build-bench -j "$ncores" >/dev/null
bin=build-bench/osteosim

# field NAME FILE: the number after NAME in the run summary.
field() { grep -o "$1 *[0-9.e+]*" "$2" | head -1 | awk '{print $NF}'; }

# The smallest population the demography accepts (one agent per sex and age
# group) stands in for a zero-agent run.
$bin run "$cfg" --agents 22 --threads 1 -o "$tmp/zero.h5" > "$tmp/zero.txt"
rss0=$(grep -o 'peak RSS [0-9.]*' "$tmp/zero.txt" | awk '{print $3}')

printf '%-8s %14s %10s %16s %12s %12s %10s %12s %14s %12s %19s %17s\n' threads agent-years wall_s "agent-yr/s/core" efficiency peakRSS_MiB B/agent output_MiB "floor_yr/s/core" model/floor "floor_simd_yr/s/core" model/floor_simd
base=""
for t in 1 $ncores; do
  $bin run "$cfg" --agents "$agents" --threads "$t" -o "$tmp/run$t.h5" > "$tmp/run$t.txt"
  ay=$(grep -o 'agent-years *[0-9.e+]* in' "$tmp/run$t.txt" | awk '{print $2}')
  wall=$(grep -o 'in [0-9.]* s' "$tmp/run$t.txt" | head -1 | awk '{print $2}')
  rss=$(grep -o 'peak RSS [0-9.]*' "$tmp/run$t.txt" | awk '{print $3}')
  rate=$(awk -v a="$ay" -v w="$wall" -v t="$t" 'BEGIN{printf "%.4g", a/w/t}')
  [ -z "$base" ] && base=$rate
  eff=$(awk -v r="$rate" -v b="$base" 'BEGIN{printf "%.1f%%", 100*r/b}')
  bpa=$(awk -v r="$rss" -v z="$rss0" -v n="$agents" 'BEGIN{printf "%.0f", (r-z)*1048576/n}')
  size=$(du -m "$tmp/run$t.h5" | awk '{print $1}')
  blocks=$(grep -o 'random blocks *[0-9.]*' "$tmp/run$t.txt" | awk '{print $3}')
  row=$(grep -o 'bytes per agent *[0-9]*' "$tmp/run$t.txt" | awk '{print $4}')
  years=$(( $(grep -o '[0-9]*-[0-9]*$' <(head -1 "$tmp/run$t.txt") | cut -d- -f2) - $(grep -o '[0-9]*-[0-9]*$' <(head -1 "$tmp/run$t.txt") | cut -d- -f1) + 1 ))
  fagents=$(awk -v a="$ay" -v y="$years" 'BEGIN{printf "%d", a/y}')
  $bin floor --agents "$fagents" --years "$years" --blocks "$blocks" --bytes "$row" --threads "$t" > "$tmp/floor$t.txt"
  frate=$(grep -o '[0-9.e+]* agent-years/s' "$tmp/floor$t.txt" | awk -v t="$t" '{printf "%.4g", $1/t}')
  ratio=$(awk -v f="$frate" -v r="$rate" 'BEGIN{printf "%.2f", f/r}')
  $bin floor --agents "$fagents" --years "$years" --blocks "$blocks" --bytes "$row" --threads "$t" --simd > "$tmp/floor_simd$t.txt"
  srate=$(grep -o '[0-9.e+]* agent-years/s' "$tmp/floor_simd$t.txt" | awk -v t="$t" '{printf "%.4g", $1/t}')
  sratio=$(awk -v f="$srate" -v r="$rate" 'BEGIN{printf "%.2f", f/r}')
  printf '%-8s %14s %10s %16s %12s %12s %10s %12s %14s %12s %19s %17s\n' "$t" "$ay" "$wall" "$rate" "$eff" "$rss" "$bpa" "$size" "$frate" "$ratio" "$srate" "$sratio"
done
frate1=$(grep -o '[0-9.e+]* agent-years/s' "$tmp/floor1.txt" | awk '{printf "%.4g", $1}')
srate1=$(grep -o '[0-9.e+]* agent-years/s' "$tmp/floor_simd1.txt" | awk '{printf "%.4g", $1}')

if grep -q "^OS_USE_MPI:INTERNAL=ON" build-bench/CMakeCache.txt; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
  # A rank's zero-agent RSS includes the MPI libraries: measured under mpirun.
  mpirun --oversubscribe -np 1 /usr/bin/time -f %M -o "$tmp/rss_zero_mpi" \
    $bin run "$cfg" --agents 22 --threads 1 -o "$tmp/zero_mpi.h5" > /dev/null
  rss0m=$(awk '{printf "%.3f", $1 / 1024}' "$tmp/rss_zero_mpi")
  for k in 1 2; do
    # Each rank records its own peak RSS (KiB) under its rank number.
    mpirun --oversubscribe -np "$k" bash -c \
      '/usr/bin/time -f %M -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' "$tmp/rss_mpi$k" \
      $bin run "$cfg" --agents "$agents" --threads 1 -o "$tmp/mpi$k.h5" > "$tmp/mpi$k.txt"
    ay=$(grep -o 'agent-years *[0-9.e+]* in' "$tmp/mpi$k.txt" | awk '{print $2}')
    wall=$(grep -o 'in [0-9.]* s' "$tmp/mpi$k.txt" | head -1 | awk '{print $2}')
    rss=$(cat "$tmp/rss_mpi$k".* | awk '{m = $1 > m ? $1 : m} END {printf "%.1f", m / 1024}')
    bpa=$(cat "$tmp/rss_mpi$k".* | awk -v z="$rss0m" -v n="$agents" \
          '{s += $1 * 1024 - z * 1048576} END {printf "%.0f", s / n}')
    rate=$(awk -v a="$ay" -v w="$wall" -v t="$k" 'BEGIN{printf "%.4g", a/w/t}')
    eff=$(awk -v r="$rate" -v b="$base" 'BEGIN{printf "%.1f%%", 100*r/b}')
    size=$(du -m "$tmp/mpi$k.h5" | awk '{print $1}')
    ratio=$(awk -v f="$frate1" -v r="$rate" 'BEGIN{printf "%.2f", f/r}')
    sratio=$(awk -v f="$srate1" -v r="$rate" 'BEGIN{printf "%.2f", f/r}')
    printf '%-8s %14s %10s %16s %12s %12s %10s %12s %14s %12s %19s %17s\n' "mpi$k" "$ay" "$wall" "$rate" "$eff" "$rss" "$bpa" "$size" "$frate1" "$ratio" "$srate1" "$sratio"
  done
fi
echo "(random blocks per agent-year: $blocks; population store row: $row bytes; $(grep -o 'kernel [a-z0-9]*' "$tmp/floor_simd1.txt") for batched draws)"
if [ "$ncores" -gt 1 ] && ! h5diff -q "$tmp/run1.h5" "$tmp/run$ncores.h5" /summary; then
  echo "bench: WARNING: /summary differs between 1 and $ncores threads" >&2
  exit 1
fi
for k in 1 2; do
  if [ -f "$tmp/mpi$k.h5" ] && ! h5diff -q "$tmp/run1.h5" "$tmp/mpi$k.h5" /summary; then
    echo "bench: WARNING: /summary differs between 1 thread and $k MPI ranks" >&2
    exit 1
  fi
done

# PSA throughput (header): CPU seconds of a 1-thread job, with and without draws.
psa_n=${PSA_DRAWS:-10}
psa_agents=${PSA_AGENTS:-50000}
psa_before=${PSA_BEFORE:-643}
if [ "$psa_n" -gt 0 ]; then
  cpu_of() { /usr/bin/time -f '%U %S' -o "$tmp/cpu" "$@" > /dev/null; awk '{print $1 + $2}' "$tmp/cpu"; }
  psa=(run configs/china_programmes.yaml --agents "$psa_agents" --threads 1 --quiet)
  c0=$(cpu_of $bin "${psa[@]}" -o "$tmp/psa0.h5")
  c1=$(cpu_of $bin "${psa[@]}" --psa "$psa_n" -o "$tmp/psa.h5")
  dph=$(awk -v a="$c0" -v b="$c1" -v n="$psa_n" 'BEGIN{printf "%.0f", (b > a ? n * 3600 / (b - a) : 0)}')
  [ "$psa_agents" = 50000 ] || psa_before=-
  ratio=$(awk -v d="$dph" -v b="$psa_before" 'BEGIN{if (b > 0) printf "%.2f", d / b; else printf "-"}')
  printf '\n%-8s %8s %8s %12s %12s %16s %16s %10s\n' psa agents draws base_cpu_s job_cpu_s draws/core-hour before_draws/c-h after/before
  printf '%-8s %8s %8s %12s %12s %16s %16s %10s\n' psa "$psa_agents" "$psa_n" "$c0" "$c1" "$dph" "$psa_before" "$ratio"
fi
