#!/usr/bin/env bash
# Currency as data: every cost's unit follows economics.currency (declared
# "$economics.currency" in the modules), so the same configuration in another
# currency is a relabelling.  A copy of configs/ with CNY replaced by JPY
# gives results identical to the CNY run, labelled JPY in /summary units,
# /economics and /parameters; a cost written in CNY under a JPY currency is
# a one-line FILE:LINE error; a currency that is not an ISO 4217 code is
# refused.
. "$(dirname "$0")/../integration_lib.sh"
rm -rf "$TMP/configs"
cp -r "$SRC/configs" "$TMP/configs"
find "$TMP/configs" -name '*.yaml' -exec sed -i 's/CNY/JPY/g' {} +
args=(--agents 4000 --set run.end_year=2028 --threads 2 --quiet)
"$OSTEOSIM" run "$SRC/configs/china_programmes.yaml" "${args[@]}" -o "$TMP/cny.h5"
"$OSTEOSIM" run "$TMP/configs/china_programmes.yaml" "${args[@]}" -o "$TMP/jpy.h5" \
  || fail "the configuration in JPY does not run"
"$PY" - "$TMP/cny.h5" "$TMP/jpy.h5" <<'PY' || fail "JPY run"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
txt = lambda v: v.decode() if isinstance(v, bytes) else str(v)
for k in a["summary"]:
    assert np.array_equal(a["summary"][k][:], b["summary"][k][:]), k
    ua, ub = txt(a["summary"][k].attrs.get("units", "")), txt(b["summary"][k].attrs.get("units", ""))
    assert ub == ua.replace("CNY", "JPY"), (k, ua, ub)
costs = [k for k in b["summary"] if "JPY" in txt(b["summary"][k].attrs.get("units", ""))]
assert {"cost", "cost_discounted", "programme_cost"} <= set(costs), costs
assert txt(b["economics"].attrs["currency"]) == "JPY"
u = [txt(x) for x in b["parameters/used/unit"][:]]
assert not any("CNY" in x or "$" in x for x in u) and any("JPY" in x for x in u)
print("currency: JPY run identical to CNY, relabelled; cost columns:", ", ".join(sorted(costs)))
PY
# A cost left in CNY under a JPY currency: one line with file, line and key.
rc=0
"$OSTEOSIM" check "$SRC/configs/china.yaml" --set economics.currency=JPY > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -Eq "economics.yaml:[0-9]+: economics\.[a-z_.]+\.unit: unit 'CNY' does not match the declared unit 'JPY'" "$TMP/err" \
  || fail "CNY cost under JPY: exit $rc: $(cat "$TMP/err")"
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "more than one line: $(cat "$TMP/err")"
rm -rf "$TMP/yen"
cp -r "$SRC/configs" "$TMP/yen"
find "$TMP/yen" -name '*.yaml' -exec sed -i 's/CNY/yen/g' {} +
rc=0
"$OSTEOSIM" check "$TMP/yen/china.yaml" > /dev/null 2> "$TMP/err" || rc=$?
[ "$rc" -eq 2 ] && grep -q "economics.currency: 'yen' is not an ISO 4217 code" "$TMP/err" \
  || fail "currency yen: exit $rc: $(cat "$TMP/err")"
echo "currency: ok"
