#!/bin/sh
# Regenerates docs/columns.md from the column registry (sim/model.h):
# the unit test test_columns prints the registry of the project's phase
# table and, with OS_COLUMNS_DOC set, writes it instead of comparing.
#   scripts/columns_doc.sh [BUILD_DIR]     (default: build)
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
cmake --build "$build" --target test_columns >/dev/null
OS_COLUMNS_DOC="$src/docs/columns.md" "$build/tests/test_columns" >/dev/null
echo "wrote $src/docs/columns.md"
