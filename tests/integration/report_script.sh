#!/usr/bin/env bash
# scripts/report.py: a self-contained HTML report with every section and
# embedded PNGs; its calibration values equal those `osteosim run` prints;
# uncertainty bands and the arms comparison appear when the file has them.
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
"$PY" "$SRC/scripts/report.py" "$TMP/arms.h5" --outdir "$TMP/rep2" > "$TMP/list2.txt"

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

common = ["Run", "Projected counts", "Population pyramids", "Calibration targets", "Arms"]
page = check_html(f"{tmp}/rep/r-report.html", common, 2)
for w in ["20250701", "China, people aged 50+", "run.agents", "No uncertainty bands",
          "osteoporosis_women_50plus", "hip_fracture_women_55plus", "one arm"]:
    assert w in page, f"report lacks '{w}'"
page2 = check_html(f"{tmp}/rep2/arms-report.html", common, 3)
for w in ["95% uncertainty bands", "exercise", "status_quo"]:
    assert w in page2, f"two-arm report lacks '{w}'"
for lst in ("list.txt", "list2.txt"):
    pngs = open(f"{tmp}/{lst}").read().split()[1:]
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
echo "report_script: ok"
