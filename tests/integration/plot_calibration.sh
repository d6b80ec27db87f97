#!/usr/bin/env bash
# Diagnostics of a calibration posterior (scripts/plot_calibration.py) on a
# small posterior file in the calibrator's format (tests/make_posterior.py):
# four PNG figures and a text summary whose numbers are recomputed here;
# and the report of a PSA from that posterior says it is posterior-based
# and shows the share of draws within the calibration targets, beside a
# PSA from the priors (report.py --psa-compare).
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/tests/configs/arms_small.yaml"
small=(--agents 3000 --set run.end_year=2027 --quiet)
"$OSTEOSIM" run "$cfg" "${small[@]}" --psa 2 -o "$TMP/prior.h5"
"$PY" "$SRC/tests/make_posterior.py" "$TMP/post.h5" --from "$TMP/prior.h5" --particles 80 --seed 5 --rho 0.9 \
    --param fractures.hip.base_rate_female=0.0003:0.0005 --param falls.base_prob.female=0.09:0.13 \
    --param falls.base_prob.male=0.08:0.12 --targets 4
"$PY" "$SRC/scripts/plot_calibration.py" "$TMP/post.h5" -o "$TMP/fig" > "$TMP/list.txt"
for what in targets marginals correlations ess; do
  png="$TMP/fig/post-$what.png"
  [ -s "$png" ] || fail "no $what figure"
  grep -q 'P   N   G' <<< "$(head -c 8 "$png" | od -An -c)" || fail "$png is not a PNG"
done
[ "$(wc -l < "$TMP/list.txt")" -eq 5 ] || fail "not 5 files listed: $(cat "$TMP/list.txt")"
"$PY" - "$TMP/post.h5" "$TMP/fig/post-summary.txt" <<'PY' || fail "summary numbers"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")["posterior"]
txt = open(sys.argv[2]).read()
w = f["weights"][:]
assert f"effective sample size {1 / np.sum(w ** 2):.1f}" in txt, txt
keys = [k.decode() if isinstance(k, bytes) else k for k in f["parameters"][:]]
x = f["samples"][:]
for j, k in enumerate(keys):
    line = next(l for l in txt.splitlines() if l.startswith(k + " "))
    mean = float(line.split()[1])
    assert abs(mean - np.sum(w * x[:, j])) <= 1e-4 * abs(mean), (k, mean)
# the generated pair is the most correlated (rho 0.9)
assert "fractures.hip.base_rate_female ~ falls.base_prob.female: r = +0.8" in txt or \
       "fractures.hip.base_rate_female ~ falls.base_prob.female: r = +0.9" in txt, txt
PY
# Not a posterior: one line, exit 1.
set +e
"$PY" "$SRC/scripts/plot_calibration.py" "$TMP/prior.h5" -o "$TMP/fig2" 2> "$TMP/err.txt"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "not a posterior file" "$TMP/err.txt" || fail "a run output was not refused"

"$OSTEOSIM" run "$cfg" "${small[@]}" --psa 2 --posterior "$TMP/post.h5" -o "$TMP/pp.h5"
"$PY" "$SRC/scripts/report.py" "$TMP/pp.h5" --outdir "$TMP/rep" --no-pdf --psa-compare "$TMP/prior.h5" > /dev/null
html="$TMP/rep/pp-report.html"
grep -q "This PSA is <b>posterior-based</b>" "$html" || fail "the report does not say the PSA is posterior-based"
grep -q "from the calibration posterior</b> <code>$TMP/post.h5</code>" "$html" || fail "the report names no posterior"
grep -q "in the prior-based PSA of <code>$TMP/prior.h5</code>" "$html" || fail "no comparison with the prior PSA"
"$PY" "$SRC/scripts/report.py" "$TMP/prior.h5" --outdir "$TMP/rep" --no-pdf > /dev/null
grep -q "This PSA is <b>prior-based</b>" "$TMP/rep/prior-report.html" || fail "prior PSA not named prior-based"
echo "plot_calibration: ok"
