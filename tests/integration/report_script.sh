#!/usr/bin/env bash
# scripts/report.py: a self-contained HTML report (and its PDF) with every
# section and embedded PNGs; its calibration values equal those `osteosim
# run` prints; uncertainty bands and the arms comparison appear when the
# file has them; on a programme run with --psa every cost-effectiveness
# section is there, the analyses' groups are read when present, and CEAF
# and expected loss computed from the /psa rows agree with /psa/ceac and
# /psa/evpi.
. "$(dirname "$0")/../integration_lib.sh"
out="$TMP/r.h5"
"$OSTEOSIM" run "$SRC/configs/china.yaml" --agents 5000 --set run.end_year=2030 \
  --set "output.cohort_years=[2025]" -o "$out" \
  --set "calibration.targets=$SRC/configs/countries/china/targets/china_2025.yaml" \
  --set "calibration.targets_extra=$SRC/configs/countries/china/targets/china_events.yaml" > "$TMP/run.txt"
grep -q "calibration targets:" "$TMP/run.txt" || fail "run printed no targets table"
rm -rf "$TMP/rep"
"$PY" "$SRC/scripts/report.py" "$out" --outdir "$TMP/rep" > "$TMP/list.txt"
html="$TMP/rep/r-report.html"  # named after the input file
[ -s "$html" ] || fail "no report $html"
head -1 "$TMP/list.txt" | grep -cx "$html" > /dev/null || fail "report path not printed first"
sed -n 2p "$TMP/list.txt" | grep -cx "$TMP/rep/r-report.pdf" > /dev/null || fail "no PDF path printed"
head -c 5 "$TMP/rep/r-report.pdf" | grep -c "%PDF-" > /dev/null || fail "r-report.pdf is not a PDF"

# A two-arm copy with uncertainty quantiles (the engine has one arm so far).
"$PY" - "$out" "$TMP/arms.h5" <<'PY'
import shutil, sys, h5py, numpy as np
shutil.copy(sys.argv[1], sys.argv[2])
with h5py.File(sys.argv[2], "a") as f:
    s = f["summary"]
    cols = {k: s[k][:] for k in s}
    for k in list(s):
        v = cols[k]
        if k == "arm":
            v2 = np.ones_like(v)
        elif k in ("falls", "fractures_hip"):
            v2 = v * 0.8
        else:
            v2 = v
        del s[k]
        s[k] = np.concatenate([v, v2])
    s["arm"].attrs["labels"] = "0=status_quo,1=exercise"
    q = f.create_group("summary_quantiles")
    for k in ("year", "arm", "sex", "age_lo"):
        q[k] = cols[k]
    q["osteoporosis_p2_5"] = cols["osteoporosis"] * 0.9
    q["osteoporosis_p97_5"] = cols["osteoporosis"] * 1.1
PY
"$PY" "$SRC/scripts/report.py" "$TMP/arms.h5" --outdir "$TMP/rep2" --no-pdf > "$TMP/list2.txt"

"$PY" - "$SRC/scripts/report.py" "$out" "$TMP" <<'PY'
import base64, importlib.util, re, sys
import yaml
script, h5, tmp = sys.argv[1:4]
PNG = b"\x89PNG\r\n\x1a\n"

def check_html(path, titles, nimg):
    page = open(path, encoding="utf-8").read()
    for t in titles:
        assert f"<h2>{t}" in page, f"{path}: section '{t}' missing"
    imgs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(imgs) == nimg, (path, len(imgs))
    for b in imgs:
        assert base64.b64decode(b).startswith(PNG), "embedded image is not a PNG"
    assert 'src="http' not in page and "<script" not in page, "report is not self-contained"
    return page

common = ["Summary", "Run", "Burden", "Population pyramids", "Calibration targets", "Arms"]
page = check_html(f"{tmp}/rep/r-report.html", common + ["Cost-effectiveness"], 2)
for w in ["20250701", "China, people aged 50+", "run.agents", "No yearly intervals",
          "health and care costs", "CNY", "one stochastic run",
          "osteoporosis_women_50plus", "hip_fracture_women_55plus", "one arm"]:
    assert w in page, f"report lacks '{w}'"
page2 = check_html(f"{tmp}/rep2/arms-report.html", common, 3)
for w in ["95% Monte Carlo intervals", "exercise", "status quo"]:
    assert w in page2, f"two-arm report lacks '{w}'"
for lst in ("list.txt", "list2.txt"):
    pngs = [p for p in open(f"{tmp}/{lst}").read().split() if p.endswith(".png")]
    assert len(pngs) >= 2, pngs
    for p in pngs:
        assert open(p, "rb").read(8) == PNG, f"{p} is not a PNG"

# The report's model values equal those the C code prints after the run.
printed = {}
for line in open(f"{tmp}/run.txt"):
    m = re.match(r"^(\w+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(yes|NO|yes \(MC error\)|validation)$",
                 line.strip())
    if m:
        printed[m.group(1)] = float(m.group(2))
spec = importlib.util.spec_from_file_location("report", script)
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)
run = report.Run(h5)
n = 0
for key in ("calibration.targets", "calibration.targets_extra"):
    for t in report.load_targets(run.cfg(key)):
        if t["name"] not in printed:
            continue
        v = float(report.target_value(run, t))
        c = printed[t["name"]]
        assert abs(v - c) <= 1e-5 * max(abs(c), 1e-12), (t["name"], v, c)
        n += 1
assert n >= 8, f"only {n} targets compared"
print(f"report ok; {n} target values agree with osteosim run")
PY

# A small programme run with a PSA: every cost-effectiveness section.
prog="$TMP/prog.h5"
"$OSTEOSIM" run "$SRC/configs/china_programmes.yaml" --agents 5000 --psa 10 \
  --set run.end_year=2032 --set "output.cohort_years=[2025]" -o "$prog" --quiet
"$PY" "$SRC/scripts/report.py" "$prog" --outdir "$TMP/rep3" > "$TMP/list3.txt"
# The same file with the analyses' groups removed (computed here) and with
# hand-made ones (read, never recomputed), and a one-way DSA file.
"$PY" - "$prog" "$TMP" <<'PY'
import shutil, sys, h5py, numpy as np
prog, tmp = sys.argv[1:3]
GROUPS = ("psa/ceaf", "psa/expected_loss", "psa/summary", "psa/evppi", "psa/evppi_groups",
          "economics/subgroups", "dsa")
shutil.copy(prog, f"{tmp}/bare.h5")
with h5py.File(f"{tmp}/bare.h5", "a") as f:
    for g in GROUPS:
        if g in f:
            del f[g]
shutil.copy(f"{tmp}/bare.h5", f"{tmp}/full.h5")
with h5py.File(f"{tmp}/full.h5", "a") as f:
    wtp = np.unique(f["psa/ceac/wtp"][:])
    g = f.create_group("psa/ceaf")
    g["wtp"], g["arm"], g["probability"] = wtp, np.full(len(wtp), 2, np.int32), np.full(len(wtp), 0.123456)
    g = f.create_group("psa/expected_loss")
    arms = f["economics/arm"][:]
    g["wtp"], g["arm"] = np.repeat(wtp, len(arms)), np.tile(arms, len(wtp))
    g["expected_loss"] = np.full(len(wtp) * len(arms), 7.0e9)
    g = f.create_group("psa/summary")
    g["arm"] = arms
    for k in ("incremental_cost", "incremental_qaly", "fractures_averted"):
        for s, v in (("mean", 2.0), ("p2_5", 1.0), ("p97_5", 3.0)):
            g[f"{k}_{s}"] = np.full(len(arms), v * 1e5)
    g = f.create_group("psa/evppi")
    names = ["bone", "economics", "programmes"]
    g["group"] = np.repeat(np.array(names, dtype=object), len(wtp)).astype("S")
    g["wtp"] = np.tile(wtp, len(names))
    g["evppi_population"] = np.tile(wtp * 1e3, len(names)) * np.repeat([3.0, 2.0, 1.0], len(wtp))
    g["evppi_per_person"] = g["evppi_population"][:] / 5e8
    g.attrs["method"] = "Strong & Oakley 2014 regression (test)"
    g = f.create_group("psa/evppi_groups")
    g["group"], g["parameter"] = np.array([b"bone"]), np.array([b"bone.loss.female"])
    g = f.create_group("economics/subgroups")
    rows = [(s, b, a) for s in ("female", "male") for b in ("50-64", "65-79", "80+") for a in arms]
    g["sex"] = np.array([r[0] for r in rows], dtype="S")
    g["age_band"] = np.array([r[1] for r in rows], dtype="S")
    g["arm"] = np.array([r[2] for r in rows], np.int32)
    for k in ("cost_discounted", "qaly_discounted", "incremental_cost", "incremental_qaly", "icer",
              "nmb_1", "nmb_2", "nmb_3"):
        g[k] = np.arange(len(rows), dtype=float) * 1e6
        g[k].attrs["units"] = "CNY"
with h5py.File(f"{tmp}/dsa.h5", "w") as f:
    g = f.create_group("dsa/oneway")
    ps = ["fractures.hip.base_rate_female", "economics.cost.fracture.hip", "bone.loss.female"]
    rows = [(p, b, a) for p in ps for b in ("low", "high") for a in (1, 2)]
    g["parameter"] = np.array([r[0] for r in rows], dtype="S")
    g["bound"] = np.array([r[1] for r in rows], dtype="S")
    g["arm"] = np.array([r[2] for r in rows], np.int32)
    g["value"] = np.arange(len(rows), dtype=float)
    for k in ("incremental_cost", "incremental_qaly", "icer"):
        g[k] = np.ones(len(rows))
    g["nmb"] = np.array([(-1 if r[1] == "low" else 1) * (3 - ps.index(r[0])) * 1e9 for r in rows])
    g["nmb"].attrs.update({"wtp": 72000.0, "units": "CNY"})
    g = f.create_group("dsa/base")
    g["arm"], g["nmb"] = np.array([0, 1, 2], np.int32), np.array([0.0, 1e8, 2e8])
    for k in ("incremental_cost", "incremental_qaly", "icer"):
        g[k] = np.zeros(3)
PY
"$PY" "$SRC/scripts/report.py" "$TMP/bare.h5" --outdir "$TMP/rep4" --no-pdf > "$TMP/list4.txt"
"$PY" "$SRC/scripts/report.py" "$TMP/full.h5" --dsa "$TMP/dsa.h5" --outdir "$TMP/rep5" > "$TMP/list5.txt"

"$PY" - "$SRC/scripts" "$TMP" <<'PY'
import os, re, sys
import numpy as np
scripts, tmp = sys.argv[1:3]
sys.path.insert(0, scripts)
import report, report_econ
PNG = b"\x89PNG\r\n\x1a\n"
CE = ["Summary", "Run", "Burden", "Population pyramids", "Calibration targets", "Arms",
      "Cost-effectiveness</h2>", "Uncertainty: probabilistic sensitivity analysis",
      "Cost-effectiveness plane", "Acceptability curves and frontier", "Expected loss",
      "Value of information", "EVPPI by parameter group", "One-way sensitivity analysis",
      "Subgroups by sex and age"]
FIGS = ["burden", "pyramids", "arms", "ce-plane", "ceac", "expected-loss", "evpi"]

def check(listing, stem, extra_figs=(), pdf=True):
    files = open(f"{tmp}/{listing}").read().split()
    page = open(files[0], encoding="utf-8").read()
    assert files[0].endswith(f"/{stem}-report.html"), files[0]
    for h in CE:
        assert f"<h2>{h}" in page, f"{stem}: section '{h}' missing"
    for tag in FIGS + list(extra_figs):
        p = [f for f in files if f.endswith(f"/{stem}-report-{tag}.png")]
        assert p and os.path.getsize(p[0]) > 5000, f"{stem}: figure {tag} missing or empty"
        assert open(p[0], "rb").read(8) == PNG
        assert f'alt="{tag}"' in page, f"{stem}: figure {tag} not in the page"
    if pdf:
        assert files[1].endswith(f"/{stem}-report.pdf") and open(files[1], "rb").read(5) == b"%PDF-"
        assert os.path.getsize(files[1]) > 50000, "PDF too small"
    # Legends and tables in words, the currency from the units attribute.
    for w in ["status quo", "CT screening + treatment", "efficiency frontier", "sequential ICER",
              "NMB at 72,000", "CNY", "PSA draws", "95% interval", "health and care costs"]:
        assert w in page, f"{stem}: lacks '{w}'"
    # Arm names in words; configuration keys (EVPPI's parameter lists) stay keys.
    ce = re.sub(r"<img[^>]*>", "", page).split("<h2>Cost-effectiveness</h2>")[1]
    assert "ct_screen_treat" not in re.sub(r"programmes\.ct_screen_treat\w*\.[\w.]+", "", ce)
    return page

check("list3.txt", "prog")
bare = check("list4.txt", "bare", pdf=False)
for w in ["computed here from the <code>/psa</code> rows (the file has no <code>/psa/ceaf</code>)",
          "No <code>/psa/evppi</code>", "No <code>/dsa/oneway</code>", "No <code>/economics/subgroups</code>"]:
    assert w in bare, f"bare report lacks '{w}'"
full = check("list5.txt", "full", ["evppi", "tornado"])
for w in ["read from <code>/psa/ceaf</code>", "read from <code>/psa/expected_loss</code>",
          "read from <code>/psa/summary</code>", "Strong &amp; Oakley 2014 regression (test)",
          "bone.loss.female", "fractures.hip.base_rate_female", "50-64", "80+", "dsa.h5"]:
    assert w in full, f"full report lacks '{w}'"

# Computed from the /psa rows: the CEAF is the CEAC of the chosen arm, and
# the lowest expected loss is the EVPI the engine wrote.
run = report.Run(f"{tmp}/bare.h5")
psa = report_econ.Psa(run)
w, arm, prob = psa.ceaf
ceac, evpi = run.psa_t["ceac"], run.psa_t["evpi"]
for k in range(len(w)):
    sel = (ceac["wtp"] == w[k]) & (ceac["arm"] == arm[k])
    assert abs(ceac["probability"][sel][0] - prob[k]) < 1e-12, (w[k], arm[k])
    low = min(float(np.interp(w[k], *psa.loss[a])) for a in psa.arms)
    ev = float(evpi["evpi_population"][evpi["wtp"] == w[k]][0])
    assert abs(low - ev) <= 1e-6 * max(abs(ev), 1.0), (w[k], low, ev)
# Read, not recomputed, when the file has the groups.
psa = report_econ.Psa(report.Run(f"{tmp}/full.h5"))
assert np.all(psa.ceaf[2] == 0.123456) and psa.summary[1]["incremental_qaly"] == (2e5, 1e5, 3e5)
print(f"cost-effectiveness report ok; CEAF and expected loss agree over {len(w)} thresholds")
PY
echo "report_script: ok"
