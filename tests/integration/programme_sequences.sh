#!/usr/bin/env bash
# Treatment as practised (docs/programmes.md, Sequences): the shipped
# scenarios with sequences, case-finding and risk-factor eligibility pass
# `check`, and a short run of configs/china_sequences.yaml shows, from
# /summary, that zoledronic acid starts only after denosumab has been
# stopped by someone (never before the first denosumab year ends), that
# the sequence arm's denosumab starts are those of the denosumab-alone arm
# (same people, same draws), that vitamin D for the deficient reaches
# fewer people than vitamin D for everyone, and that the FRAX-like 10-year
# probability threshold treats some women at 20 % and nobody at 100 %.  The SARC-F arm of
# configs/china_programmes.yaml screens people and starts some.
source "$(dirname "$0")/../integration_lib.sh"

for cfg in china_sequences china_programmes; do
  "$OSTEOSIM" check "$SRC/configs/$cfg.yaml" >/dev/null 2>"$TMP/err" || fail "check $cfg: $(cat "$TMP/err")"
done
"$OSTEOSIM" run "$SRC/configs/china_sequences.yaml" --agents 6000 --quiet --set run.end_year=2034 \
    -o "$TMP/seq.h5" >/dev/null 2>"$TMP/err" || fail "china_sequences run: $(cat "$TMP/err")"
# Nobody's 10-year probability reaches 1: the threshold arm starts no one.
"$OSTEOSIM" run "$SRC/configs/china_sequences.yaml" --agents 6000 --quiet --set run.end_year=2030 \
    --set programmes.alendronate_by_probability.eligibility.fracture_probability_min=1 \
    -o "$TMP/seq_p1.h5" >/dev/null 2>"$TMP/err" || fail "china_sequences run at threshold 1: $(cat "$TMP/err")"
"$OSTEOSIM" run "$SRC/configs/china_programmes.yaml" --agents 3000 --quiet --set run.end_year=2029 \
    -o "$TMP/prog.h5" >/dev/null 2>"$TMP/err" || fail "china_programmes run: $(cat "$TMP/err")"

"$PY" - "$TMP/seq.h5" "$TMP/prog.h5" "$TMP/seq_p1.h5" <<'PY' || fail "sequence checks"
import sys
import h5py

def by_arm_year(path, col):
    """Column COL of /summary summed by (arm, year), and the arm names."""
    s = h5py.File(path, "r")["summary"]
    labels = s["arm"].attrs["labels"]
    labels = labels.decode() if isinstance(labels, bytes) else labels
    names = [kv.split("=", 1)[1] for kv in labels.split(",")]
    out = {}
    for a, y, x in zip(s["arm"][:], s["year"][:], s[col][:]):
        out[(int(a), int(y))] = out.get((int(a), int(y)), 0.0) + float(x)
    return out, names

starts, arms = by_arm_year(sys.argv[1], "programme_starts")
persons, _ = by_arm_year(sys.argv[1], "programme_persons")
A = {n: i for i, n in enumerate(arms)}
years = sorted({y for (_, y) in starts})
alone, seq = A["denosumab_stopped"], A["denosumab_then_zoledronic"]
first_dmab = min(y for y in years if starts.get((alone, y), 0) > 0)
zol = [starts.get((seq, y), 0) - starts.get((alone, y), 0) for y in years]
first_zol = min(y for y, z in zip(years, zol) if z > 0)
assert first_zol > first_dmab, f"zoledronic acid starts in {first_zol}, denosumab first in {first_dmab}"
assert all(z >= 0 for z in zol), "the sequence arm started fewer denosumab courses than denosumab alone"
all_d, defi = A["vitamin_d_all"], A["vitamin_d_deficient"]
tot = lambda arm: sum(persons.get((arm, y), 0) for y in years)
assert 0 < tot(defi) < tot(all_d), f"vitamin D persons: deficient {tot(defi)}, all {tot(all_d)}"

frax = A["alendronate_by_probability"]
assert sum(v for (a, _), v in starts.items() if a == frax) > 0, "the 10-year probability arm started nobody"
starts1, _ = by_arm_year(sys.argv[3], "programme_starts")
assert sum(v for (a, _), v in starts1.items() if a == frax) == 0, "threshold 1 started someone"

screens, parms = by_arm_year(sys.argv[2], "programme_screens")
pstarts, _ = by_arm_year(sys.argv[2], "programme_starts")
cf = parms.index("sarcf_case_finding")
assert sum(v for (a, _), v in screens.items() if a == cf) > 0, "SARC-F screened nobody"
assert sum(v for (a, _), v in pstarts.items() if a == cf) > 0, "SARC-F case-finding started nobody"
PY
