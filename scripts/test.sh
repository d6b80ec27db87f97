#!/usr/bin/env bash
# Builds osteosim with warnings as errors and runs the whole test suite,
# then builds again with AddressSanitizer + UndefinedBehaviorSanitizer and
# runs the suite a second time.  Where MPI is installed both builds are the
# MPI-capable ones (tests/integration/mpi_identical.sh runs under mpirun),
# and a build without MPI and without the vectorised random-number kernels
# (build-nompi) runs the suite as well, so the single-process code path
# and the portable kernel stay tested.  Tests labelled `scripts` (the
# Python and R scripts; tests/CMakeLists.txt) run in the first build only.  Usage: scripts/test.sh [--no-sanitize]
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Release -DOSTEOSIM_WERROR=ON >/dev/null
cmake --build build-test -j "$jobs"
ctest --test-dir build-test --output-on-failure -j "$jobs"

if grep -q "^OS_USE_MPI:INTERNAL=ON" build-test/CMakeCache.txt; then
  # Also without the vectorised random-number kernels: the regression
  # baseline then shows the portable kernel gives the same numbers.
  cmake -S . -B build-nompi -DCMAKE_BUILD_TYPE=Release -DOSTEOSIM_WERROR=ON \
        -DOSTEOSIM_MPI=OFF -DOSTEOSIM_SIMD=OFF >/dev/null
  cmake --build build-nompi -j "$jobs"
  ctest --test-dir build-nompi --output-on-failure -j "$jobs" -LE scripts
fi

if [ "${1:-}" != "--no-sanitize" ]; then
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DOSTEOSIM_WERROR=ON \
        -DOSTEOSIM_SANITIZE=ON >/dev/null
  cmake --build build-asan -j "$jobs"
  # Open MPI's own allocations live until exit: tests/lsan.supp names them.
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp \
    ctest --test-dir build-asan --output-on-failure -j "$jobs" -LE scripts
fi
