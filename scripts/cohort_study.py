#!/usr/bin/python3
"""Virtual cohort study: the associations a prospective epidemiological study
of the simulated people would report, beside the published values the
model's inputs came from.

usage: /usr/bin/python3 scripts/cohort_study.py OUT.h5 [--baseline YEAR]
           [--follow-up F] [--weighted] [--bmd-sd SD] [--targets FILE]
           [--markdown FILE] [--json FILE]

Design.  The agents of one cohort snapshot (/cohort/<baseline>/, default the
first snapshot year) are enrolled at 1 July of the baseline year; their
exposures (sarcopenia, osteosarcopenia, prior fracture, femoral-neck BMD) are
measured there, once, as a study would at its baseline visit.  They are then
followed through the event log (/events/, run with output.event_log: true)
for the years baseline .. baseline+F-1 (default F = 5, shortened to the
run's end year).  Event codes are read from the `labels` attributes of
/events/type and /events/site: a clinical fracture is type `fracture` (a
`vertebral_deformity`, a morphometric fracture that never came to clinical
attention, is not one), a death is type `death`, a fall type `fall`.  Only
events of the reference arm (the arm of the snapshots) are used.

Outcomes and models:

* >=1 fall in the first follow-up year, and osteoporosis at baseline
  (cross-sectional): odds ratios from logistic regression.
* Time to first clinical fracture (any site, or hip) and time to death: hazard
  ratios from Poisson regression of the events with log person-time as
  offset and one baseline rate per follow-up year -- the piecewise-
  exponential model, which approximates a Cox model whose baseline hazard is
  constant within each year.  An agent contributes a full year for every
  year alive and event-free, and half a year for the year of the event or of
  death (events are dated to the year only); follow-up stops at the first
  event of the outcome, at death, or at the end of follow-up.

Every association is estimated crude (exposure alone; the Poisson models
keep their follow-up-year rates, the time scale of a Cox model) and adjusted
for age (continuous, and age^2) and sex, with 95 % Wald intervals.  The
analysis is unweighted by default: a cohort study of the simulated people.
With --weighted each agent counts by its `weight` (persons represented,
rescaled to mean 1) and the intervals use the robust (sandwich) variance
over agents.

The published comparison values come from configs/targets/associations.yaml
(--targets).  The module is importable: load_cohort() reads a file,
association() estimates one exposure-outcome pair, study() all rows of the
table; fit_logistic() and fit_poisson() are the IRLS fitters underneath.
"""
import argparse
import json
import math
import os
import sys

import numpy as np

Z95 = 1.959963984540054
# Bits of the dx column (models/diagnosis.h).
DX_OSTEOPOROSIS = 1 << 1
DX_SARC_EW = 1 << 3
DX_SARC_AWGS = 1 << 5
DX_OSTEOSARC_EW = 1 << 7
DX_OSTEOSARC_AWGS = 1 << 8
# fx_flags: bit 4+s = ever fractured at site s (models/events.h).
FX_EVER_ANY = 0xF0
# SD of femoral-neck BMD in young women, NHANES III (the FRAX reference).
FN_BMD_SD = 0.120
AGE_CENTRE = 70.0
DEFAULT_TARGETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                               "configs", "targets", "associations.yaml")
SARCOPENIA = (("EWGSOP2", DX_SARC_EW), ("AWGS 2019", DX_SARC_AWGS))
OSTEOSARCOPENIA = (("EWGSOP2", DX_OSTEOSARC_EW), ("AWGS 2019", DX_OSTEOSARC_AWGS))
# Outcomes: binary ones get an odds ratio, time-to-event ones a hazard ratio.
BINARY_OUTCOMES = ("fall_year1", "osteoporosis")
TIME_OUTCOMES = ("fracture", "hip_fracture", "death")


class InputError(Exception):
    """A file that cannot be analysed; main() prints it as one line, exit 2."""


# ---------------------------------------------------------------- regression

def _newton(model, theta, max_iter=100, tol=1e-9):
    """Maximise a concave log-likelihood by Newton-Raphson with step halving
    (IRLS for a GLM with canonical link).  MODEL(theta) returns (loglik,
    score, information, per-unit scores).  Returns (theta, information,
    unit scores), or None if the information is singular or there is no
    convergence (e.g. complete separation)."""
    ll, score, info, units = model(theta)
    for _ in range(max_iter):
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            return None
        t = 1.0
        while True:
            trial = model(theta + t * step)
            if trial[0] >= ll - 1e-12 * abs(ll) or t < 1e-6:
                break
            t /= 2
        theta = theta + t * step
        ll, score, info, units = trial
        if np.max(np.abs(t * step)) < tol:
            return theta, info, units
    return None


def _variance(result, weighted):
    """(theta, cov): the inverse information, or for weighted fits the
    robust sandwich variance over the units (agents)."""
    if result is None:
        return None
    theta, info, units = result
    try:
        cov = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        return None
    if weighted:
        cov = cov @ (units.T @ units) @ cov
    if not (np.all(np.isfinite(theta)) and np.all(np.isfinite(cov))):
        return None
    return theta, cov


def fit_logistic(X, y, weights=None):
    """Logistic regression of y (0/1) on the columns of X (include a column
    of ones).  Returns (beta, cov) or None."""
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)

    def model(beta):
        eta = np.clip(X @ beta, -35.0, 35.0)
        mu = 1.0 / (1.0 + np.exp(-eta))
        r = w * (y - mu)
        info = (X * (w * mu * (1.0 - mu))[:, None]).T @ X
        units = X * r[:, None] if weights is not None else None
        return np.sum(w * (y * eta - np.logaddexp(0.0, eta))), X.T @ r, info, units

    return _variance(_newton(model, np.zeros(X.shape[1])), weights is not None)


def fit_poisson(X, events, time, weights=None):
    """Poisson regression of event counts with log person-time as offset.

    X is one row per unit (agent; include a column of ones).  EVENTS and
    TIME are arrays of shape (units,), or (units, intervals) for the
    piecewise-exponential model: one baseline rate per interval (column),
    the first interval with events the reference; intervals without events
    drop out (their rate estimate is 0).  The likelihood is that of the
    expanded (unit, interval) rows, computed per unit.  Returns (beta, cov)
    with the coefficients of X first, then the log rate ratios of the later
    intervals; None when it cannot be fitted."""
    X = np.asarray(X, dtype=float)
    D = np.asarray(events, dtype=float).reshape(len(X), -1)
    T = np.asarray(time, dtype=float).reshape(len(X), -1)
    keep = D.sum(axis=0) > 0
    if not keep.any():
        return None
    D, T = D[:, keep], T[:, keep]
    w = np.ones(len(X)) if weights is None else np.asarray(weights, dtype=float)
    p, q = X.shape[1], D.shape[1] - 1

    def model(theta):
        eta = X @ theta[:p]
        mu = T * np.exp(np.minimum(eta, 700.0))[:, None] * np.exp(np.r_[0.0, theta[p:]])[None, :]
        wmu, wres = w[:, None] * mu, w[:, None] * (D - mu)
        ll = np.sum(w * (D.sum(axis=1) * eta - mu.sum(axis=1))) + np.sum((w[:, None] * D)[:, 1:].sum(axis=0) * theta[p:])
        r = wres.sum(axis=1)
        info = np.empty((p + q, p + q))
        info[:p, :p] = (X * wmu.sum(axis=1)[:, None]).T @ X
        info[:p, p:] = X.T @ wmu[:, 1:]
        info[p:, :p] = info[:p, p:].T
        info[p:, p:] = np.diag(wmu[:, 1:].sum(axis=0))
        score = np.r_[X.T @ r, wres[:, 1:].sum(axis=0)]
        units = np.hstack([X * r[:, None], wres[:, 1:]]) if weights is not None else None
        return ll, score, info, units

    theta = np.zeros(p + q)
    if np.allclose(X[:, 0], 1.0):   # start at the crude rate: Newton from 0 can overshoot
        theta[0] = math.log(np.sum(w[:, None] * D) / np.sum(w[:, None] * T))
    return _variance(_newton(model, theta), weights is not None)


def ratio_ci(fit, j=1):
    """exp(beta_j) with its 95 % Wald interval, as a dict."""
    beta, cov = fit
    se = math.sqrt(cov[j, j])
    return {"estimate": math.exp(beta[j]), "lo": math.exp(beta[j] - Z95 * se),
            "hi": math.exp(beta[j] + Z95 * se), "se_log": se}


# -------------------------------------------------------------------- cohort

def parse_labels(attr):
    """'0=fall,1=fracture' -> {'fall': 0, 'fracture': 1}."""
    if isinstance(attr, bytes):
        attr = attr.decode()
    out = {}
    for item in str(attr).split(","):
        code, sep, name = item.partition("=")
        if sep:
            out[name.strip()] = int(code)
    return out


class Cohort:
    """The baseline snapshot and the follow-up of its agents.

    snap:      {column: array} of /cohort/<baseline>/ (one row per agent)
    years:     the follow-up years; nyears = len(years)
    first[o]:  per agent, the index (0 .. nyears-1) of the follow-up year of
               the first event of outcome o ("fracture", "hip_fracture",
               "death"), nyears if none
    fall_year1: per agent, >=1 fall in the first follow-up year
    """

    def __init__(self, path, baseline, years, snap, first, fall_year1, weighted):
        self.path, self.baseline, self.years = path, baseline, years
        self.nyears = len(years)
        self.snap, self.first, self.fall_year1 = snap, first, fall_year1
        self.n = len(snap["id"])
        self.weighted = weighted
        self.dx = snap["dx"].astype(np.int64)
        w = snap["weight"].astype(float)
        self.weights = w / w.mean() if weighted else None

    def has_dx(self, bit):
        return (self.dx & bit) != 0

    def prior_fracture(self):
        """A clinical fracture at any site, or a vertebral deformity (clinical
        or not: the model's prior-fracture risk counts both, as FRAX counts
        radiographic vertebral fractures), before baseline."""
        prior = (self.snap["fx_flags"].astype(np.int64) & FX_EVER_ANY) != 0
        if "vert_deformities" in self.snap:
            prior |= self.snap["vert_deformities"] > 0
        return prior

    def confounders(self):
        """Columns of the adjusted models: age (centred, per decade), age^2, male."""
        a = (self.snap["age"].astype(float) - AGE_CENTRE) / 10.0
        return np.column_stack([a, a * a, self.snap["sex"] == 1]).astype(float)

    def binary_outcome(self, name):
        if name == "fall_year1":
            return self.fall_year1
        if name == "osteoporosis":
            return self.has_dx(DX_OSTEOPOROSIS)
        raise ValueError(f"unknown binary outcome {name}")

    def subset(self, keep):
        """The cohort restricted to the agents where KEEP is true."""
        return Cohort(self.path, self.baseline, self.years,
                      {k: v[keep] for k, v in self.snap.items()},
                      {k: v[keep] for k, v in self.first.items()},
                      self.fall_year1[keep], self.weighted)


def low_grip(grip, sex, female_kg=18.0, male_kg=28.0):
    """Exposure: handgrip below the AWGS 2019 cut-offs (18 kg women, 28 kg men)."""
    grip = np.asarray(grip, dtype=float)
    return np.where(np.asarray(sex) == 0, grip < female_kg, grip < male_kg)


def later_snapshot(cohort, year, name):
    """Column NAME of the snapshot of YEAR for the cohort's agents, as
    (values, present): present is false for agents not in that snapshot
    (dead by then), whose values are 0."""
    import h5py

    with h5py.File(cohort.path, "r") as f:
        key = f"cohort/{year}"
        if key not in f or name not in f[key]:
            raise InputError(f"{cohort.path}: no /{key}/{name}")
        ids, values = f[key]["id"][:].astype(np.int64), f[key][name][:]
    pos, present = _lookup(ids, cohort.snap["id"].astype(np.int64))
    return np.where(present, values[pos], 0), present


def _lookup(ids, wanted):
    """Positions of WANTED in the sorted array IDS, and whether each is there."""
    pos = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    return pos, ids[pos] == wanted


def load_cohort(path, baseline=None, follow_up=5, weighted=False):
    """Read the baseline snapshot and the follow-up events of OUT.h5; raises
    InputError with a one-line message when the file cannot be used."""
    import h5py

    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise InputError(f"{path}: not an HDF5 file ({str(e).splitlines()[0]})") from None
    with f:
        snaps = sorted(int(y) for y in f["cohort"]) if "cohort" in f else []
        if not snaps:
            raise InputError(f"{path}: no /cohort snapshot (set output.cohort_years)")
        baseline = snaps[0] if baseline is None else baseline
        if baseline not in snaps:
            raise InputError(f"{path}: no snapshot for baseline {baseline} "
                             f"(snapshots: {', '.join(map(str, snaps))})")
        if "events" not in f:
            raise InputError(f"{path}: no /events log (run with output.event_log: true)")
        g = f[f"cohort/{baseline}"]
        need = ("id", "sex", "age", "weight", "dx", "fx_flags", "bmd", "grip")
        missing = [c for c in need if c not in g]
        if missing:
            raise InputError(f"{path}: /cohort/{baseline} lacks {', '.join(missing)}")
        snap = {k: g[k][:] for k in g}
        ev = {k: f["events"][k][:] for k in ("agent", "year", "type", "site", "arm")}
        types = parse_labels(f["events/type"].attrs.get("labels", ""))
        sites = parse_labels(f["events/site"].attrs.get("labels", ""))
        ref_arm = int(f["summary/arm"][0]) if "summary/arm" in f else 0
        end_year = int(f.attrs["end_year"]) if "end_year" in f.attrs else baseline + follow_up - 1
    for name in ("fall", "fracture", "death"):
        if name not in types:
            raise InputError(f"{path}: /events/type labels lack '{name}'")
    if "hip" not in sites:
        raise InputError(f"{path}: /events/site labels lack 'hip'")
    last = min(baseline + follow_up - 1, end_year)
    if len(ev["year"]):
        last = min(last, int(ev["year"].max()))
    if last < baseline:
        raise InputError(f"{path}: no follow-up after baseline {baseline} (end year {end_year})")
    years = list(range(baseline, last + 1))

    ids = snap["id"].astype(np.int64)
    if np.any(np.diff(ids) <= 0):
        raise InputError(f"{path}: /cohort/{baseline}/id is not in agent-id order")
    pos, in_cohort = _lookup(ids, ev["agent"].astype(np.int64))
    k = ev["year"].astype(np.int64) - baseline
    keep = in_cohort & (ev["arm"] == ref_arm) & (k >= 0) & (k < len(years))
    rows, k, etype, esite = pos[keep], k[keep], ev["type"][keep], ev["site"][keep]

    def first_year(sel):   # per agent: follow-up year index of the first event in SEL
        first = np.full(len(ids), len(years), dtype=np.int64)
        np.minimum.at(first, rows[sel], k[sel])
        return first

    fracture = etype == types["fracture"]
    first = {"fracture": first_year(fracture),
             "hip_fracture": first_year(fracture & (esite == sites["hip"])),
             "death": first_year(etype == types["death"])}
    fall_year1 = first_year((etype == types["fall"]) & (k == 0)) == 0
    return Cohort(path, baseline, years, snap, first, fall_year1, weighted)


def person_years(cohort, outcome):
    """Events and person-time of OUTCOME per agent and follow-up year, two
    (agents, years) arrays: a full year while alive and event-free, half a
    year in the year of the first event or of death, nothing after."""
    event = cohort.first[outcome]
    stop = np.minimum(event, cohort.first["death"])[:, None]
    k = np.arange(cohort.nyears)[None, :]
    time = np.where(k < stop, 1.0, np.where(k == stop, 0.5, 0.0))
    return (k == event[:, None]).astype(float), time


# -------------------------------------------------------------- associations

def _na(reason):
    return {"estimate": None, "lo": None, "hi": None, "na": reason}


def association(cohort, x, outcome, binary=True):
    """Crude and age/sex-adjusted ratio of OUTCOME for exposure X (a boolean
    array, or with binary=False a continuous one: the ratio per unit):
    logistic regression (odds ratio) for a binary outcome, piecewise-
    exponential Poisson regression (hazard ratio) for a time to event.
    Returns a dict with counts and 'crude' and 'adjusted' estimates, each
    {'estimate', 'lo', 'hi', 'se_log'} or {'estimate': None, 'na': reason}."""
    x = np.asarray(x, dtype=float)
    if outcome in BINARY_OUTCOMES:
        y = cohort.binary_outcome(outcome).astype(float)
        fit = lambda X: fit_logistic(X, y, cohort.weights)  # noqa: E731
        events = y
    elif outcome in TIME_OUTCOMES:
        d, time = person_years(cohort, outcome)
        fit = lambda X: fit_poisson(X, d, time, cohort.weights)  # noqa: E731
        events = d.sum(axis=1)
    else:
        raise ValueError(f"unknown outcome {outcome}")
    out = {"ratio": "OR" if outcome in BINARY_OUTCOMES else "HR", "outcome": outcome,
           "n": int(cohort.n), "events": int(events.sum())}
    if binary:
        out["n_exposed"] = int(np.count_nonzero(x))
        out["events_exposed"] = int(events[x != 0].sum())
        reason = exposure_problem(out, outcome in BINARY_OUTCOMES)
    else:
        out["n_exposed"] = out["events_exposed"] = None
        reason = "no events" if out["events"] == 0 else None
    crude = np.column_stack([np.ones(cohort.n), x])      # the exposure is column 1
    for key, X in (("crude", crude), ("adjusted", np.hstack([crude, cohort.confounders()]))):
        result = None if reason else fit(X)
        out[key] = _na(reason or "not converged") if result is None else ratio_ci(result)
    return out


def exposure_problem(counts, logistic):
    """Why a binary-exposure ratio cannot be estimated, or None."""
    n1, n0 = counts["n_exposed"], counts["n"] - counts["n_exposed"]
    e1, e0 = counts["events_exposed"], counts["events"] - counts["events_exposed"]
    if n1 == 0 or n0 == 0:
        return "no exposed" if n1 == 0 else "no unexposed"
    if e1 == 0 or e0 == 0:
        return "no events in exposed" if e1 == 0 else "no events in unexposed"
    if logistic and (e1 == n1 or e0 == n0):
        return "all exposed had it" if e1 == n1 else "all unexposed had it"
    return None


def exposures(cohort, bmd_sd):
    """The table's rows: (measure, definition, exposure array, outcome, binary)."""
    rows = []
    for measure, outcome in (("sarcopenia_falls", "fall_year1"),
                             ("sarcopenia_fracture", "fracture"),
                             ("sarcopenia_death", "death")):
        rows += [(measure, d, cohort.has_dx(bit), outcome, True) for d, bit in SARCOPENIA]
    rows.append(("prior_fracture_fracture", "any site, ever", cohort.prior_fracture(),
                 "fracture", True))
    rows += [("osteosarcopenia_death", d, cohort.has_dx(bit), "death", True)
             for d, bit in OSTEOSARCOPENIA]
    rows += [("sarcopenia_osteoporosis", d, cohort.has_dx(bit), "osteoporosis", True)
             for d, bit in SARCOPENIA]
    per_sd_decrease = -cohort.snap["bmd"].astype(float) / bmd_sd
    rows.append(("fn_bmd_hip_fracture", "per SD decrease", per_sd_decrease, "hip_fracture", False))
    rows.append(("fn_bmd_fracture", "per SD decrease", per_sd_decrease, "fracture", False))
    return rows


def study(cohort, bmd_sd=FN_BMD_SD, targets=None):
    """Every row of the virtual cohort study, with its published value."""
    out = []
    for measure, definition, x, outcome, binary in exposures(cohort, bmd_sd):
        row = {"measure": measure, "definition": definition}
        row.update(association(cohort, x, outcome, binary))
        row["published"] = published_for(targets or [], measure, definition)
        out.append(row)
    return out


# ------------------------------------------------------------ published values

def load_targets(path):
    """The entries of associations.yaml (a list of dicts)."""
    try:
        import yaml
    except ImportError:
        raise InputError("PyYAML is needed to read the targets (python3-yaml; scripts/setup.sh)") from None
    try:
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as e:
        raise InputError(f"{path}: {e}".splitlines()[0]) from None
    entries = doc.get("associations") if isinstance(doc, dict) else None
    if not isinstance(entries, list):
        raise InputError(f"{path}: no 'associations' list")
    return entries


def published_for(entries, measure, definition):
    """The entry for MEASURE whose `definitions` (if any) include DEFINITION."""
    for e in entries:
        if e.get("measure") == measure and definition in e.get("definitions", [definition]):
            return e
    return None


# ------------------------------------------------------------------ output

def fmt_ci(est):
    if est is None:
        return ""
    if est.get("estimate") is None:
        return "n/a: " + est.get("na", "")
    lo, hi = est.get("lo"), est.get("hi")
    ci = f" ({lo:.2f}-{hi:.2f})" if lo is not None and hi is not None else ""
    return f"{est['estimate']:.2f}{ci}"


def fmt_published(p):
    if not p:
        return "-"
    lo, hi = p.get("ci") or (None, None)
    return ("~" if p.get("approximate") else "") + fmt_ci({"estimate": p["value"], "lo": lo, "hi": hi})


def table_rows(rows):
    head = ["measure", "definition", "ratio", "n exposed", "events (exp/all)",
            "crude (95% CI)", "adjusted (95% CI)", "published (95% CI)", "source"]
    body = []
    for r in rows:
        n_exp = "-" if r["n_exposed"] is None else f"{r['n_exposed']}/{r['n']}"
        events = str(r["events"]) if r["events_exposed"] is None else f"{r['events_exposed']}/{r['events']}"
        p = r["published"]
        source = "-" if not p else p.get("short", p.get("source", "")) + (
            " [unverified]" if p.get("unverified") else "")
        body.append([r["measure"], r["definition"], r["ratio"], n_exp, events,
                     fmt_ci(r["crude"]), fmt_ci(r["adjusted"]), fmt_published(p), source])
    return head, body


def header_lines(cohort, bmd_sd):
    y = cohort.years
    return [f"Virtual cohort study of {cohort.path}",
            f"baseline 1 July {cohort.baseline}: {cohort.n} agents; follow-up {y[0]}-{y[-1]} "
            f"({len(y)} years); {'weighted by agent weight (robust CIs)' if cohort.weighted else 'unweighted'}; "
            f"adjusted = age, age^2, sex; BMD SD {bmd_sd:g} g/cm2"]


def text_table(head, body):
    widths = [max(len(str(c)) for c in col) for col in zip(head, *body)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(head), "  ".join("-" * w for w in widths)] + [line(b) for b in body])


def markdown_table(head, body):
    esc = lambda s: str(s).replace("|", "\\|")  # noqa: E731
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(esc(c) for c in b) + " |" for b in body])


def sources_list(rows):
    seen = []
    for r in rows:
        p = r["published"]
        if p and p.get("source") and p["source"] not in seen:
            seen.append(p["source"])
    return seen


def to_json(cohort, bmd_sd, rows):
    return {"file": cohort.path, "baseline": cohort.baseline, "follow_up_years": cohort.years,
            "agents": int(cohort.n), "weighted": cohort.weighted, "bmd_sd": bmd_sd,
            "adjusted_for": ["age", "age^2", "sex"], "rows": rows}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("h5", help="osteosim output with a /cohort snapshot and /events")
    ap.add_argument("--baseline", type=int, help="snapshot year of the baseline (default: first)")
    ap.add_argument("--follow-up", type=int, default=5, help="years of follow-up (default 5)")
    ap.add_argument("--weighted", action="store_true", help="weight agents by `weight`")
    ap.add_argument("--bmd-sd", type=float, default=FN_BMD_SD,
                    help=f"SD of FN BMD for the gradient of risk (default {FN_BMD_SD} g/cm2)")
    ap.add_argument("--targets", default=DEFAULT_TARGETS, help="published values (YAML)")
    ap.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown")
    ap.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    a = ap.parse_args(argv)
    try:
        if a.follow_up < 1 or a.bmd_sd <= 0:
            raise InputError("--follow-up must be >= 1 and --bmd-sd > 0")
        targets = load_targets(a.targets)
        cohort = load_cohort(a.h5, a.baseline, a.follow_up, a.weighted)
    except InputError as e:
        print(f"cohort_study: {e}", file=sys.stderr)
        return 2
    if cohort.nyears < a.follow_up:
        print(f"cohort_study: follow-up shortened to {cohort.nyears} years (end of run)",
              file=sys.stderr)
    rows = study(cohort, a.bmd_sd, targets)
    head, body = table_rows(rows)
    print("\n".join(header_lines(cohort, a.bmd_sd)))
    print(text_table(head, body))
    if a.markdown:
        with open(a.markdown, "w", encoding="utf-8") as fh:
            fh.write("\n\n".join(header_lines(cohort, a.bmd_sd)) + "\n\n")
            fh.write(markdown_table(head, body) + "\n\nSources:\n\n")
            fh.write("".join(f"- {s}\n" for s in sources_list(rows)))
    if a.json:
        with open(a.json, "w", encoding="utf-8") as fh:
            json.dump(to_json(cohort, a.bmd_sd, rows), fh, indent=1)
            fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
