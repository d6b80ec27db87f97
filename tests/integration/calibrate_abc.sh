#!/usr/bin/env bash
# `osteosim calibrate --method abc-smc`: simulation-based calibration on
# model-made targets.  In each trial the parameters are drawn from the prior,
# the targets are the model's values at them (another seed) plus the normal
# error the targets' tolerances state, and the posterior is sampled; the
# known values must fall inside the 90 % and 50 % credible intervals at
# about those rates over the trials (Talts et al. 2018).  Also: the
# posterior file's contents, that its /provenance configuration is a valid
# scenario, the --fitted parameter file, and usage errors.
. "$(dirname "$0")/../integration_lib.sh"
cfg="$SRC/configs/china.yaml"
"$PY" - "$OSTEOSIM" "$cfg" "$TMP" <<'PY' || fail "simulation-based calibration"
import concurrent.futures as cf, subprocess, sys
import h5py, numpy as np

osteosim, cfg, tmp = sys.argv[1:]
LO, HI, TOL, LEVEL_Z = 0.04, 0.30, 0.04, 1.959963984540054
SIGMA = TOL / LEVEL_Z            # the targets' standard error (--scale-level 0.95)
KEYS = ["falls.base_prob.female", "falls.base_prob.male"]
quick = ["--threads", "1", "--set", "run.end_year=2025"]
TRIALS = 16

def targets(path, values):
    rows = [f"  - {{name: fallers_{s}, measure: prevalence, column: fallers, year: 2025, sex: {s}, "
            f"age: [50, 200], value: {v!r}, tolerance: {TOL}, source: generated}}"
            for s, v in zip(["female", "male"], values)]
    fit = [f"  - {{key: {k}, min: {LO}, max: {HI}}}" for k in KEYS]
    with open(path, "w") as f:
        f.write("targets:\n" + "\n".join(rows) + "\nfit:\n" + "\n".join(fit) + "\n")

def model_values(k, theta):
    """The model's fallers shares at THETA, seed 1000 + K (--max-iter 0
    evaluates the start point only)."""
    targets(f"{tmp}/gen{k}.yaml", [0.5, 0.5])
    sets = [a for key, v in zip(KEYS, theta) for a in ("--set", f"{key}={v!r}")]
    out = subprocess.run([osteosim, "calibrate", cfg, "--targets", f"{tmp}/gen{k}.yaml", "--max-iter", "0",
                          "--agents", "2000", "--set", f"run.seed={1000 + k}", *sets, *quick,
                          "-o", f"{tmp}/gen{k}.fitted.yaml"], check=True, capture_output=True, text=True).stdout
    vals = {l.split()[0]: float(l.split()[1]) for l in out.splitlines() if l.startswith("fallers_")}
    return [vals["fallers_female"], vals["fallers_male"]]

def trial(k):
    rng = np.random.default_rng(2026 + k)
    theta = np.exp(rng.uniform(np.log(LO), np.log(HI), 2))      # --prior bounds: uniform in log
    obs = np.array(model_values(k, theta)) + rng.normal(0, SIGMA, 2)
    targets(f"{tmp}/t{k}.yaml", obs.tolist())
    subprocess.run([osteosim, "calibrate", cfg, "--targets", f"{tmp}/t{k}.yaml", "--method", "abc-smc",
                    "--prior", "bounds", "--particles", "50", "--agents", "1000", "--agents-max", "2000",
                    "--seed", str(7 + k), *quick, "-o", f"{tmp}/post{k}.h5"],
                   check=True, capture_output=True)
    with h5py.File(f"{tmp}/post{k}.h5") as f:
        p = f["posterior"]
        s, w = p["samples"][:], p["weights"][:]
        assert p.attrs["converged"] == 1, k
        assert [x.decode() if isinstance(x, bytes) else x for x in p["parameters"][:]] == KEYS
        assert s.shape == (50, 2) and p["achieved"].shape == (50, 2) and abs(w.sum() - 1) < 1e-12
    inside = {}
    for lvl in (0.9, 0.5):
        for j in range(2):
            o = np.argsort(s[:, j])
            c = np.cumsum(w[o])
            lo = s[o, j][np.searchsorted(c, (1 - lvl) / 2)]
            hi = s[o, j][min(np.searchsorted(c, 1 - (1 - lvl) / 2), len(c) - 1)]
            inside[(lvl, j)] = lo <= theta[j] <= hi
    return inside

with cf.ThreadPoolExecutor(2) as ex:
    res = list(ex.map(trial, range(TRIALS)))
n = 2 * TRIALS
c90 = sum(r[(0.9, j)] for r in res for j in range(2))
c50 = sum(r[(0.5, j)] for r in res for j in range(2))
print(f"coverage of the known values: 90 % intervals {c90}/{n}, 50 % intervals {c50}/{n}")
# Binomial(32, p): within about 3.2 standard deviations of the nominal rate
# (a posterior as wide as the prior covers nearly all at 50 %, one too
# narrow misses many at 90 %).
assert 23 <= c90 <= 32, c90
assert 7 <= c50 <= 25, c50
PY

# The posterior file of the last trial: the configuration it ran on is a
# scenario, and the contract's datasets are there.
"$PY" - "$TMP/post0.h5" "$TMP/prov.yaml" <<'PY' || fail "posterior file contents"
import sys, h5py
with h5py.File(sys.argv[1]) as f:
    for d in ["posterior/parameters", "posterior/samples", "posterior/weights", "posterior/achieved",
              "posterior/targets/names", "posterior/targets/value", "posterior/targets/scale",
              "posterior/targets/weight", "posterior/prior/lo", "posterior/prior/hi", "posterior/prior/dist",
              "posterior/generations/epsilon", "posterior/generations/acceptance", "posterior/generations/ess",
              "posterior/generations/evaluations", "posterior/generations/agents", "provenance/parameters/used/key"]:
        assert d in f, d
    a = f["posterior"].attrs
    for k in ["method", "seed", "agents", "particles", "generations", "ess", "command_line"]:
        assert k in a, k
    assert a["method"] == "abc-smc" and a["particles"] == 50
    g = f["posterior/generations"]
    assert g["epsilon"][-1] == 1.0 and (g["agents"][:] >= 1000).all() and g["agents"][-1] <= 2000
    open(sys.argv[2], "w").write(f["provenance"].attrs["config"])
PY
"$OSTEOSIM" check "$TMP/prov.yaml" > /dev/null || fail "the posterior's configuration is not a valid scenario"

# --fitted: the posterior mean as a parameter file a scenario can include.
"$OSTEOSIM" calibrate "$cfg" --targets "$TMP/t0.yaml" --method abc-smc --prior bounds --particles 30 \
    --generations 2 --agents 1000 --threads 1 --set run.end_year=2025 -o "$TMP/short.h5" \
    --fitted "$TMP/post_fitted.yaml" > "$TMP/short.out" 2>&1 || { cat "$TMP/short.out"; fail "calibrate --fitted failed"; }
grep -q 'from the ABC-SMC posterior of' "$TMP/post_fitted.yaml" || fail "no header with the command"
grep -q 'dist: {type: lognormal' "$TMP/post_fitted.yaml" || fail "no posterior dist"
printf 'include:\n  - %s\n  - %s\n' "$cfg" "$TMP/post_fitted.yaml" > "$TMP/scenario.yaml"
"$OSTEOSIM" check "$TMP/scenario.yaml" > /dev/null || fail "scenario with the posterior's parameter file does not validate"
"$PY" -c "import h5py,sys; a=h5py.File(sys.argv[1])['posterior'].attrs; assert a['generations']==2 and a['converged']==0" \
    "$TMP/short.h5" || fail "a run stopped by --generations is not marked unconverged"

# Usage errors exit 2 and write nothing.
set +e
"$OSTEOSIM" calibrate "$cfg" --targets "$TMP/t0.yaml" --method abc-smc --prior flat -o "$TMP/u.h5" > /dev/null 2>&1
[ $? -eq 2 ] || fail "bad --prior must exit 2"
"$OSTEOSIM" calibrate "$cfg" --targets "$TMP/t0.yaml" --fitted "$TMP/u.yaml" > /dev/null 2>&1
[ $? -eq 2 ] || fail "--fitted without abc-smc must exit 2"
"$OSTEOSIM" calibrate "$cfg" --targets "$TMP/t0.yaml" "$TMP/t1.yaml" --method abc-smc -o "$TMP/u.h5" > /dev/null 2> "$TMP/dup.err"
[ $? -eq 2 ] || fail "a target in two files must exit 2"
grep -q "also a target of" "$TMP/dup.err" || fail "no message for a target in two files"
[ ! -e "$TMP/u.h5" ] || fail "a refused calibration wrote its output"
exit 0
