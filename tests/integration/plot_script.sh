#!/usr/bin/env bash
# The plotting script turns a small output into PNG figures.
. "$(dirname "$0")/../integration_lib.sh"
"$OSTEOSIM" run "$SRC/configs/china.yaml" "${SMALL[@]}" -o "$TMP/p.h5"
"$PY" "$SRC/scripts/plot_projection.py" "$TMP/p.h5" --outdir "$TMP/fig" > "$TMP/list.txt"
[ -s "$TMP/fig/china-population.png" ] || fail "no population figure"
while read -r png; do
  head -c 8 "$png" | od -An -c | grep -q 'P   N   G' || fail "$png is not a PNG"
done < "$TMP/list.txt"
echo "plot_script: ok"
