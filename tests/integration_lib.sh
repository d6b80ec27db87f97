# Shared helpers for integration tests (sourced; not a test itself).
set -euo pipefail
: "${OSTEOSIM:?}" "${SRC:?}" "${TMP:?}"
mkdir -p "$TMP"
PY=/usr/bin/python3
# A small, quick version of the default scenario.
SMALL=(--agents 20000 --set run.end_year=2031 --set "output.cohort_years=[2025,2030]" --quiet)
fail() { echo "FAIL: $*" >&2; exit 1; }
