#!/usr/bin/env bash
# The worked example of docs/developing.md builds and runs: a program with
# one more phase (tests/example/checkup.c) that declares one parameter and
# one column.  The parameter is validated like any other, the column is in
# the cohort snapshots and the registry, the summary column counts
# check-ups at the declared probability (within 4.5 standard errors), and
# the default phases' results are untouched by the extra phase.  The code
# shown in the doc is the file the test builds.
. "$(dirname "$0")/../integration_lib.sh"
ex="$SRC/tests/example"
cfg="$ex/checkup.yaml"
args=(--agents 20000 --set run.end_year=2027 --set "output.cohort_years=[2026]" --threads 2 --quiet)
"$OS_EXAMPLE" run "$cfg" "${args[@]}" -o "$TMP/ex.h5" || fail "the example program failed"
"$OSTEOSIM" run "$SRC/configs/china.yaml" "${args[@]}" -o "$TMP/base.h5" || fail "the default program failed"
# Validated like any parameter: a probability above 1 is a one-line error.
rc=0
"$OS_EXAMPLE" check "$cfg" --set checkup.probability=1.5 > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "checkup.probability" "$TMP/err" || fail "bad checkup.probability: exit $rc: $(cat "$TMP/err")"
# Only a program with the phase knows its key: the default one refuses it.
rc=0
"$OSTEOSIM" check "$cfg" > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "unknown key 'checkup.probability" "$TMP/err" || fail "default program: exit $rc: $(cat "$TMP/err")"
"$PY" - "$TMP/ex.h5" "$TMP/base.h5" <<'PY' || fail "example outputs"
import sys, h5py, numpy as np
ex, base = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
s, b = ex["summary"], base["summary"]
assert "checkups" in s, "no /summary/checkups"
assert s["checkups"].attrs["units"] in (b"persons", "persons")
# Check-ups among the living at the declared probability 0.3: agents are
# independent Bernoulli draws; compare in agent units.
for year in (2025, 2026, 2027):
    r = s["year"][:] == year
    pop, agents, got = s["population"][r].sum(), s["agents"][r].sum(), s["checkups"][r].sum()
    w = pop / agents                       # persons per agent
    n, k = agents, got / w
    se = np.sqrt(n * 0.3 * 0.7)
    assert abs(k - 0.3 * n) < 4.5 * se, (year, k, 0.3 * n, se)
col = ex["cohort/2026/checkup"][:]
assert set(np.unique(col)) <= {0, 1} and 0.2 < col.mean() < 0.4, col.mean()
# The extra phase draws from its own stream: every default column is unchanged.
for name in b:
    assert np.array_equal(s[name][:], b[name][:]), name
print("example_phase: checkups and columns ok")
PY
# The doc shows the file the test built.
"$PY" - "$SRC/docs/developing.md" "$ex/checkup.c" <<'PY' || fail "docs/developing.md does not show tests/example/checkup.c"
import sys
doc, code = open(sys.argv[1]).read(), open(sys.argv[2]).read()
start = doc.index("```c\n/* checkup.c") + len("```c\n")
assert doc[start:doc.index("```", start)] == code
PY
echo "example_phase: ok"
