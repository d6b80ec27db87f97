#!/usr/bin/env bash
# The plotting scripts turn small outputs into PNG figures: the projection
# (plot_projection.py) and the arms with a PSA (plot_arms.py: arms side by
# side, cost-effectiveness plane with the PSA cloud, acceptability curves).
. "$(dirname "$0")/../integration_lib.sh"
"$OSTEOSIM" run "$SRC/configs/china.yaml" "${SMALL[@]}" -o "$TMP/p.h5"
"$PY" "$SRC/scripts/plot_projection.py" "$TMP/p.h5" --outdir "$TMP/fig" > "$TMP/list.txt"
# Figures are named after the input file, not the scenario.
[ -s "$TMP/fig/p-population.png" ] || fail "no population figure"
"$OSTEOSIM" run --from "$TMP/p.h5" -o "$TMP/q.h5" --quiet
"$PY" "$SRC/scripts/plot_projection.py" "$TMP/q.h5" --outdir "$TMP/fig" >> "$TMP/list.txt"
[ -s "$TMP/fig/q-population.png" ] && [ -s "$TMP/fig/p-population.png" ] ||
  fail "a second run of the scenario replaced the first run's figures"
"$OSTEOSIM" run "$SRC/tests/configs/arms_small.yaml" --agents 3000 --set run.end_year=2027 --psa 3 \
    --quiet -o "$TMP/arms.h5"
"$PY" "$SRC/scripts/plot_arms.py" "$TMP/arms.h5" --outdir "$TMP/fig" >> "$TMP/list.txt"
for what in arms ce-plane ceac; do
  [ -s "$TMP/fig/arms-$what.png" ] || fail "no $what figure"
done
# Without /psa: the plane without a cloud, no acceptability curve, a note.
"$PY" "$SRC/scripts/plot_arms.py" "$TMP/p.h5" --outdir "$TMP/fig2" > "$TMP/list2.txt" 2> "$TMP/err2.txt"
grep -q "no /psa" "$TMP/err2.txt" || fail "no note about the missing /psa"
[ ! -e "$TMP/fig2/p-ceac.png" ] || fail "acceptability curve without a PSA"
while read -r png; do
  head -c 8 "$png" | od -An -c | grep -c 'P   N   G' > /dev/null || fail "$png is not a PNG"
done < <(cat "$TMP/list.txt" "$TMP/list2.txt")
echo "plot_script: ok"
