#!/usr/bin/python3
"""A report of one osteosim run that a policy reader can act on.

usage: /usr/bin/python3 scripts/report.py OUT.h5 [--outdir results] [--dsa DSA.h5] [--no-pdf]

Writes OUTDIR/<file>-report.html, named after the input file
(results/foo.h5 -> results/foo-report.html, so two runs' reports never
replace each other), with the figures embedded as PNG data URIs (the file
can be mailed or archived alone), the same figures as
OUTDIR/<file>-report-*.png, and OUTDIR/<file>-report.pdf (matplotlib's
PdfPages: the summary, every table and every figure; no other tools).
Sections:

  Summary                   the headline numbers in one paragraph, with
                            their Monte Carlo or PSA intervals
  Run                       scenario, seed, version, commit, key settings
  Burden                    osteoporosis, sarcopenia, osteosarcopenia, falls,
                            fractures by site, deaths, costs and QALYs per
                            year (reference arm), national totals with 95%
                            intervals when the file has replicates or a PSA
  Population pyramids       start and end year
  Calibration targets       the targets files named in the run's resolved
                            configuration against model values
  Arms                      outcomes of each arm against the reference
  Cost-effectiveness ...    for runs with arms (scripts/report_econ.py):
                            ICER table with the efficiency frontier and
                            sequential ICERs, NMB, PSA summary, CE plane,
                            CEAC with CEAF, expected loss, EVPI, EVPPI by
                            parameter group, tornado (/dsa/oneway, from the
                            file or --dsa), subgroups

Groups written by newer osteosim versions (/psa/ceaf, /psa/expected_loss,
/psa/summary, /psa/evppi, /economics/subgroups, /dsa) are read when present;
CEAF, expected loss and the PSA summary are otherwise computed from the
/psa rows, and the other sections name the command that writes them.

Needs numpy, h5py and matplotlib (/usr/bin/python3 on the project machines);
PyYAML for the calibration table (skipped with a note without it).
"""
import argparse
import base64
import html
import io
import os
import re
import sys
import textwrap

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.backends.backend_pdf import PdfPages  # noqa: E402

# The helpers sit beside this file, whichever way it is loaded.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_econ  # noqa: E402
from plotlib import Table, esc, fmt, money, parse_labels, table, text, words  # noqa: E402

try:
    import yaml
except ImportError:  # the report still works, without the calibration table
    yaml = None

SEXES = ((0, "women"), (1, "men"))
# Burden columns, in order: (column, kind) with kind "stock" (counted at
# 1 July), "flow" (over the year) or "money".
OUTCOMES = (
    ("osteoporosis", "stock"), ("sarcopenia_ewgsop2", "stock"), ("sarcopenia_awgs2019", "stock"),
    ("osteosarcopenia_ewgsop2", "stock"), ("osteosarcopenia_awgs2019", "stock"),
    ("adl_dependent", "stock"), ("care_home", "stock"), ("osteosarcopenic_obesity_awgs2019", "stock"),
    ("falls", "flow"), ("fractures_hip", "flow"), ("fractures_vertebral", "flow"),
    ("fractures_wrist", "flow"), ("fractures_other", "flow"), ("deaths", "flow"),
    ("cost", "money"), ("qaly", "flow"),
)
STOCKS = {c for c, k in OUTCOMES if k == "stock"}
# Totals over the run with PSA intervals (columns of the /psa rows).
PSA_TOTALS = ("falls", "fractures_hip", "fractures_vertebral", "fractures_wrist", "fractures_other",
              "deaths", "cost", "qaly")
# Key outcomes compared across arms.
ARM_OUTCOMES = ("osteoporosis", "sarcopenia_awgs2019", "osteosarcopenia_awgs2019", "falls",
                "fractures_hip", "fractures_vertebral", "deaths", "cost_discounted",
                "qaly_discounted")
RUN_KEYS = ("scenario.name", "run.start_year", "run.end_year", "run.agents", "run.seed",
            "run.threads", "run.chunk_size", "demography.label", "mortality.adjust_background",
            "bone.tscore.reference", "output.cohort_years", "output.event_log",
            "calibration.targets", "calibration.targets_extra")
PSA_GROUPS = ("ceac", "evpi", "ceaf", "expected_loss", "summary", "evppi", "evppi_groups", "targets_summary")


# --------------------------------------------------------------------------
# Loading


def read_dsa(f, path=None):
    if "dsa" not in f:
        return None
    return {"oneway": table(f, "dsa/oneway"), "base": table(f, "dsa/base"), "path": path}


def psa_basis(f):
    """/psa's parameter_basis ('' for a PSA from the priors) and the
    posterior recorded in /provenance."""
    basis = text(f["psa"].attrs.get("parameter_basis", "")) if "psa" in f else ""
    prov = {k: text(v) for k, v in f["provenance"].attrs.items()
            if isinstance(v, (bytes, str))} if "provenance" in f else {}
    return basis, prov


class Run:
    def __init__(self, path, dsa=None, compare=None):
        with h5py.File(path, "r") as f:
            self.attrs = {k: (text(v) if isinstance(v, (bytes, str)) else v)
                          for k, v in f.attrs.items()}
            self.s = {k: f["summary"][k][:] for k in f["summary"].keys()}
            self.units = {k: text(f["summary"][k].attrs.get("units", "")) for k in f["summary"].keys()}
            labels = f["summary/arm"].attrs.get("labels", "") if "arm" in f["summary"] else ""
            self.arm_labels = parse_labels(text(labels))
            self.used = read_params(f, "parameters/used")
            self.q = None
            if "summary_quantiles" in f:
                self.q = {k: f["summary_quantiles"][k][:] for k in f["summary_quantiles"].keys()
                          if isinstance(f["summary_quantiles"][k], h5py.Dataset)}
                self.replicates = int(f["summary_quantiles"].attrs.get("replicates", 0))
            self.econ_t = table(f, "economics")
            th = table(f, "economics/thresholds")
            self.psa_t = {k: t for k in PSA_GROUPS if (t := table(f, f"psa/{k}")) is not None}
            self.psa = Table(f["psa"]).c if "psa" in f and "incremental_cost" in f["psa"] else None
            self.subgroups = table(f, "economics/subgroups")
            self.dsa = read_dsa(f)
            self.psa_basis, self.provenance = psa_basis(f)
        # Another PSA of the scenario (e.g. from the priors) whose share of
        # draws within the calibration targets is set beside this one's.
        self.compare = None
        if compare:
            with h5py.File(compare, "r") as f:
                t = table(f, "psa/targets_summary")
                self.compare = (compare, psa_basis(f)[0], t)
        if dsa:
            with h5py.File(dsa, "r") as f:
                self.dsa = read_dsa(f, dsa)
        self.econ = self.econ_t.c if self.econ_t is not None and "arm" in self.econ_t else None
        self.wtp = np.asarray(th["wtp"]) if th is not None and "wtp" in th else np.array([])
        self.gdp_multiple = list(th["gdp_multiple"]) if th is not None and "gdp_multiple" in th else []
        # Currency from the units of the cost columns, never assumed.
        self.cur = (self.econ_t.units("cost_discounted") if self.econ is not None else "") \
            or self.units.get("cost", "")
        self.path = path
        self.name = self.attrs.get("scenario") or os.path.splitext(os.path.basename(path))[0]
        self.config = {}
        if yaml is not None and "config" in self.attrs:
            try:
                self.config = yaml.safe_load(self.attrs["config"]) or {}
            except yaml.YAMLError:
                self.config = {}
        self.years = np.unique(self.s["year"])
        self.arms = np.unique(self.s["arm"]) if "arm" in self.s else np.array([0])
        # The reference arm runs first: its rows come first.
        self.ref = int(self.s["arm"][0]) if "arm" in self.s and len(self.s["arm"]) else 0
        self.ref_arm = int(self.econ_t.g.get("reference", self.ref)) if self.econ is not None else self.ref
        self.arm_names = dict(self.arm_labels)
        if self.econ is not None and "arm_name" in self.econ:
            self.arm_names.update({int(a): n for a, n in zip(self.econ["arm"], self.econ["arm_name"])})

    def arm_words(self, a):
        return words(self.arm_names.get(int(a), f"arm {a}"))

    def cfg(self, dotted, default=None):
        node = self.config
        for part in dotted.split("."):
            if not isinstance(node, dict) or part not in node:
                return self.used.get(dotted, default)
            node = node[part]
        if isinstance(node, dict) and "value" in node:
            node = node["value"]
        return node

    def rows(self, arm=None, year=None, sex=None, age_lo=None, age_hi=None, table=None):
        """Boolean selection of summary rows (default: the reference arm);
        age range [age_lo, age_hi) on the band's first age."""
        s = self.s if table is None else table
        arm = self.ref if arm is None else arm
        sel = s["arm"] == arm if "arm" in s else np.ones(len(s["year"]), bool)
        if year is not None:
            sel &= s["year"] == year
        if sex is not None:
            sel &= s["sex"] == sex
        if age_lo is not None:
            sel &= s["age_lo"] >= age_lo
        if age_hi is not None:
            sel &= s["age_lo"] < age_hi
        return sel

    def total(self, col, **kw):
        return float(self.s[col][self.rows(**kw)].sum())


def read_params(f, group):
    if group not in f:
        return {}
    g = f[group]
    keys = [text(k) for k in g["key"][:]]
    vals = [text(v) for v in g["value"][:]]
    return dict(zip(keys, vals))


# --------------------------------------------------------------------------
# Figures


class Figures:
    """PNG figures sized for the page (at most 10 inches wide at 100 dpi:
    1000 px, the page's width), kept for the PDF."""

    def __init__(self, outdir, name):
        self.outdir, self.name, self.files, self.png = outdir, name, [], {}

    def save(self, fig, tag):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
        plt.close(fig)
        data = buf.getvalue()
        path = os.path.join(self.outdir, f"{self.name}-report-{tag}.png")
        with open(path + ".tmp", "wb") as fh:
            fh.write(data)
        os.replace(path + ".tmp", path)
        self.files.append(path)
        self.png[tag] = data
        b64 = base64.b64encode(data).decode("ascii")
        return f'<img alt="{esc(tag)}" src="data:image/png;base64,{b64}">'


def series(run, col, sex=None, arm=None):
    return np.array([run.total(col, arm=arm, year=y, sex=sex) for y in run.years])


def quantile_band(run, col, sex=None):
    """Band-wise 2.5% and 97.5% replicate quantiles summed per year (over
    age bands, and sexes when SEX is None), or None.  A sum of quantiles
    bounds the quantile of the sum from outside: the band is conservative."""
    q = run.q
    lo, hi = f"{col}_p2_5", f"{col}_p97_5"
    if not q or lo not in q or hi not in q or "year" not in q:
        return None
    sel0 = (q["arm"] == run.ref) if "arm" in q else np.ones(len(q[lo]), bool)
    if sex is not None:
        sel0 &= q["sex"] == sex
    return (np.array([q[lo][sel0 & (q["year"] == y)].sum() for y in run.years]),
            np.array([q[hi][sel0 & (q["year"] == y)].sum() for y in run.years]))


def outcome_scale(run, col, kind):
    """(divisor, unit words) of one burden panel."""
    if kind == "money":
        top = float(np.max(np.abs(series(run, col)))) if len(run.years) else 0
        div, w = (1e12, "trillion") if top >= 1e12 else (1e9, "billion")
        return div, f"{run.cur} {w} per year"
    return 1e6, "millions" + (" (1 July)" if kind == "stock" else " per year")


def psa_totals(run):
    """{column: (mean, p2.5, p97.5)} of the reference arm's totals over the
    run across the PSA draws, or {}."""
    p = run.psa
    if p is None or "arm" not in p:
        return {}
    sel = p["arm"] == run.ref
    return {c: (float(np.mean(p[c][sel])), float(np.percentile(p[c][sel], 2.5)),
                float(np.percentile(p[c][sel], 97.5))) for c in PSA_TOTALS if c in p and sel.any()}


def cell(run, col, year):
    """National total of COL in YEAR, with its replicate interval."""
    v = run.total(col, year=year)
    band = quantile_band(run, col)
    if band is None:
        return fmt(v)
    k = int(np.searchsorted(run.years, year))
    return f"{fmt(v)}<br><small>({fmt(band[0][k])} to {fmt(band[1][k])})</small>"


def burden_section(run, figs):
    cols = [(c, k) for c, k in OUTCOMES if c in run.s]
    out = [f"<h2>Burden {run.years[0]}&ndash;{run.years[-1]}</h2>"]
    if not cols:
        return out + ["<p>The run has none of the outcome columns.</p>"]
    has_q = quantile_band(run, cols[0][0]) is not None
    out.append("<p>People aged 50+ in the reference arm (%s): national totals (black) and by sex. "
               "Cases (osteoporosis, sarcopenia, osteosarcopenia, ADL dependence, care-home residents, "
               "osteosarcopenic obesity) are counted on 1 July of the year; "
               "falls, fractures, deaths, costs and QALYs are those of the year from 1 July. Costs "
               "are health and care costs, undiscounted, in %s; QALYs undiscounted.</p>"
               % (esc(run.arm_words(run.ref)), esc(run.cur or "the run's currency")))
    if has_q:
        out.append(f"<p>Shaded and in brackets: 95% Monte Carlo intervals over {run.replicates} replicates "
                   "(<code>/summary_quantiles</code>: 2.5% and 97.5% quantiles, summed over age bands "
                   "and sexes, which makes them slightly wide).</p>")
    else:
        out.append("<p>No yearly intervals: the file has no <code>/summary_quantiles</code> "
                   "(<code>--replicates R</code> writes them); the lines are one stochastic run.</p>")
    ncol = 3
    nrow = (len(cols) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(10, 2.4 * nrow), squeeze=False)
    for ax, (c, kind) in zip(axes.flat, cols):
        div, unit = outcome_scale(run, c, kind)
        for sex, slab in SEXES:
            ax.plot(run.years, series(run, c, sex) / div, color=f"C{sex}", lw=1, label=slab)
        ax.plot(run.years, series(run, c) / div, color="black", lw=1.6, label="total")
        band = quantile_band(run, c)
        if band is not None:
            ax.fill_between(run.years, band[0] / div, band[1] / div, color="grey", alpha=0.3,
                            label="95% interval")
        ax.set_title(words(c), fontsize=9)
        ax.set_ylabel(unit, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(cols):]:
        ax.set_visible(False)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=4, fontsize=8, bbox_to_anchor=(0.5, -0.01))
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    out.append(figs.save(fig, "burden"))
    # The numbers behind the figure, every 5 years.
    ys = [y for y in run.years if (y - run.years[0]) % 5 == 0]
    if run.years[-1] not in ys:
        ys.append(run.years[-1])
    out.append("<table><tr><th>national total</th>%s</tr>" % "".join(f"<th>{y}</th>" for y in ys))
    for c, kind in cols:
        unit = f" ({esc(run.cur)})" if kind == "money" else (" (1 July)" if kind == "stock" else "")
        cells = "".join(f"<td>{cell(run, c, y)}</td>" for y in ys)
        out.append(f"<tr><td>{esc(words(c))}{unit}</td>{cells}</tr>")
    out.append("</table>")
    out += totals_table(run)
    out += sex_table(run, [c for c, _ in cols], ys)
    return out


def totals_table(run):
    """Totals over the run, with PSA intervals when the file has /psa."""
    pt = psa_totals(run)
    cols = [c for c in PSA_TOTALS if c in run.s]
    out = [f"<h3>Totals {run.years[0]}&ndash;{run.years[-1]}</h3>"]
    if pt:
        out.append(f"<p>Mean and 95% interval over {len(np.unique(run.psa['draw']))} PSA draws "
                   "(<code>/psa</code> rows of the reference arm: parameter uncertainty), beside "
                   "the base-case run.</p>")
    out.append("<table><tr><th>outcome</th><th>base case</th>"
               + ("<th>PSA mean</th><th>95% interval</th>" if pt else "") + "</tr>")
    for c in cols:
        unit = f" ({esc(run.cur)})" if c == "cost" else ""
        row = f"<tr><td>{esc(words(c))}{unit}</td><td>{fmt(run.total(c))}</td>"
        if pt:
            m, lo, hi = pt.get(c, (np.nan,) * 3)
            row += f"<td>{fmt(m)}</td><td>{fmt(lo)} to {fmt(hi)}</td>"
        out.append(row + "</tr>")
    out.append("</table>")
    return out


def sex_table(run, cols, ys):
    out = ["<h3>By sex</h3>",
           "<table><tr><th>outcome</th><th>sex</th>%s</tr>" % "".join(f"<th>{y}</th>" for y in ys)]
    for c in cols:
        for sex, slab in SEXES:
            cells = "".join(f"<td>{fmt(run.total(c, year=y, sex=sex))}</td>" for y in ys)
            out.append(f"<tr><td>{esc(words(c))}</td><td>{slab}</td>{cells}</tr>")
    out.append("</table>")
    return out


def pyramid_section(run, figs):
    out = ["<h2>Population pyramids</h2>"]
    years = [run.years[0], run.years[-1]] if len(run.years) > 1 else [run.years[0]]
    bands = np.unique(run.s["age_lo"])
    fig, axes = plt.subplots(1, len(years), figsize=(4.8 * len(years), 4.0), squeeze=False, sharey=True)
    top = 0.0
    data = {}
    for y in years:
        for sex, _ in SEXES:
            data[y, sex] = np.array([run.total("population", year=y, sex=sex, age_lo=b, age_hi=b + 1)
                                     for b in bands]) / 1e6
            top = max(top, data[y, sex].max())
    labels = [f"{b}+" if b == bands[-1] else f"{b}-{b + 4}" for b in bands]
    for ax, y in zip(axes.flat, years):
        ax.barh(range(len(bands)), -data[y, 1], color="C1", label="men")
        ax.barh(range(len(bands)), data[y, 0], color="C0", label="women")
        ax.set_xlim(-top * 1.1, top * 1.1)
        ax.set_yticks(range(len(bands)))
        ax.set_yticklabels(labels)
        ax.set_title(f"{y} (1 July)")
        ax.set_xlabel("millions (men left, women right)")
        ticks = ax.get_xticks()
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{abs(t):g}" for t in ticks])
        ax.grid(axis="x", alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    out.append(f"<p>Persons aged 50+ by sex and 5-year age band, reference arm, "
               f"{' and '.join(str(y) for y in years)}.</p>")
    out.append(figs.save(fig, "pyramids"))
    tot = " &rarr; ".join(f"{y}: {fmt(run.total('population', year=y))}" for y in years)
    out.append(f"<p>Total aged 50+: {tot}.</p>")
    return out


# --------------------------------------------------------------------------
# Calibration targets


def target_value(run, t):
    """Model value of target T (format of sim/res_targets.h), or raises."""
    col = t["column"]
    if col not in run.s:
        raise KeyError(f"no column {col}")
    sex = {"female": 0, "male": 1, "both": None}[str(t.get("sex", "both"))]
    lo, hi = t.get("age", [50, 200])
    s = run.s
    # A band counts when it lies inside [lo, hi); the open band (age_hi < 0)
    # when hi lies above its first age (as sim/res_targets.c).
    inside = np.where(s["age_hi"] < 0, hi > s["age_lo"], s["age_hi"] + 1 <= hi)
    sel = run.rows(year=int(t["year"]), sex=sex, age_lo=lo) & inside
    if not sel.any():
        raise KeyError(f"no summary rows for year {t['year']}")
    num = run.s[col][sel].sum()
    m = t.get("measure", "prevalence")
    if m == "count":
        return num
    if m == "ratio":
        den_col = t.get("denominator")
        if den_col not in run.s:
            raise KeyError(f"no denominator column {den_col}")
        den = run.s[den_col][sel].sum()
    else:
        den = run.s["population"][sel].sum()
    if den == 0:
        raise ZeroDivisionError("denominator is zero")
    return num / den * (1e5 if m == "incidence" else 1.0)


def resolve_path(run, p):
    """Targets paths are absolute in the resolved configuration; relative
    ones are tried against the working directory, then the output file."""
    if os.path.isabs(p) or os.path.exists(p):
        return p
    return os.path.join(os.path.dirname(os.path.abspath(run.path)), p)


def load_targets(path, depth=0):
    """The targets of a targets file and of the files it includes (include:
    paths relative to the including file, as sim/res_targets.c reads them)."""
    with open(path, encoding="utf-8") as fh:
        doc = yaml.safe_load(fh) or {}
    targets = []
    for inc in doc.get("include") or []:
        if depth >= 8:
            raise ValueError(f"{path}: includes nested too deeply")
        targets += load_targets(os.path.join(os.path.dirname(os.path.abspath(path)), inc), depth + 1)
    return targets + list(doc.get("targets") or [])


def calibration_section(run):
    out = ["<h2>Calibration targets</h2>"]
    if yaml is None:
        return out + ["<p>PyYAML is not installed: the targets files cannot be read.</p>"]
    files = [run.cfg(k) for k in ("calibration.targets", "calibration.targets_extra")]
    files = [f for f in files if f]
    if not files:
        return out + ["<p>The run's configuration names no targets files "
                      "(<code>calibration.targets</code>, <code>calibration.targets_extra</code>). "
                      "Add e.g. <code>--set calibration.targets=configs/countries/china/targets/china_2025.yaml</code>.</p>"]
    out.append("<p>Model values are computed from <code>/summary</code> (reference arm) as in "
               "<code>sim/res_targets.h</code>: prevalence = persons with the condition / population, "
               "incidence = events per 100,000 persons per year, count = sum, ratio = sum / sum "
               "of the denominator column, over the target's year, sex and 5-year age bands "
               "(first age in [lo, hi)).</p>")
    for p in files:
        path = resolve_path(run, str(p))
        out.append(f"<h3>{esc(p)}</h3>")
        try:
            targets = load_targets(path)
        except (OSError, ValueError, yaml.YAMLError) as e:
            out.append(f"<p>Cannot read this targets file: {esc(e)}</p>")
            continue
        out.append("<table><tr><th>target</th><th>measure</th><th>year</th><th>sex</th><th>age</th>"
                   "<th>target value</th><th>tolerance</th><th>model</th><th>residual</th>"
                   "<th>within</th><th>source</th></tr>")
        ok = n = 0
        for t in targets:
            age = t.get("age", [50, 200])
            try:
                v = float(target_value(run, t))
                res = v - float(t["value"])
                within = abs(res) <= float(t.get("tolerance", 0))
                fitted = float(t.get("weight", 1)) > 0
                n += fitted
                ok += fitted and within
                cells = (fmt(v), fmt(res), ("yes" if within else "<b>NO</b>") if fitted else "validation")
            except (KeyError, ZeroDivisionError, ValueError, TypeError) as e:
                cells = ("n/a", "", esc(e))
            out.append("<tr>" + "".join(f"<td>{c}</td>" for c in (
                esc(t.get("name", "?")), esc(t.get("measure", "prevalence")), esc(t.get("year", "")),
                esc(t.get("sex", "both")), esc(f"[{age[0]}, {age[1]})"), fmt(float(t.get("value", "nan"))),
                fmt(float(t.get("tolerance", "nan"))), *cells,
                esc(t.get("source", "")))) + "</tr>")
        out.append("</table>")
        out.append(f"<p>{ok} of {n} computable fitted targets within tolerance (the run's own table "
                   "also counts those within twice its Monte Carlo error; validation targets are "
                   "not fitted).</p>")
    return out


# --------------------------------------------------------------------------
# Arms


def arm_value(run, col, arm):
    """End-year count for stocks; total over all years for flows."""
    if col in STOCKS:
        return run.total(col, arm=arm, year=run.years[-1])
    return run.total(col, arm=arm)


def arms_section(run, figs):
    out = ["<h2>Arms</h2>"]
    if len(run.arms) < 2:
        return out + [f"<p>The run has one arm ({esc(run.arm_words(run.arms[0]))}): nothing to compare.</p>"]
    cols = [c for c in ARM_OUTCOMES if c in run.s]
    others = [a for a in run.arms if int(a) != run.ref]
    ref = run.arm_words(run.ref)
    vals = {c: {int(a): arm_value(run, c, a) for a in run.arms} for c in cols}
    out.append(f"<p>Each arm against {esc(ref)}: cases counted in {run.years[-1]}; events, costs and "
               f"QALYs totals {run.years[0]}&ndash;{run.years[-1]} (costs and QALYs discounted).</p>")
    fig, ax = plt.subplots(figsize=(7.6, 0.12 * len(cols) * len(others) + 1.4))
    h = 0.8 / len(others)
    for k, a in enumerate(others):
        rel = [100 * (vals[c][int(a)] / vals[c][run.ref] - 1) if vals[c][run.ref] else np.nan for c in cols]
        ax.barh(np.arange(len(cols)) + (k - (len(others) - 1) / 2) * h, rel, h, color=f"C{(k + 1) % 10}",
                label=run.arm_words(a))
    ax.set_yticks(range(len(cols)))
    ax.set_yticklabels([words(c) for c in cols], fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel(f"% difference from {ref}")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.grid(axis="x", alpha=0.3)
    out.append(figs.save(fig, "arms"))
    out.append("<table><tr><th>outcome</th>%s</tr>" % "".join(f"<th>{esc(run.arm_words(a))}</th>"
                                                            for a in run.arms))
    for c in cols:
        unit = f" ({esc(run.units.get(c, ''))})" if run.units.get(c) == run.cur else ""
        cells = "".join(f"<td>{fmt(vals[c][int(a)])}</td>" for a in run.arms)
        out.append(f"<tr><td>{esc(words(c))}{unit}</td>{cells}</tr>")
    out.append("</table>")
    arms_cfg = run.config.get("arms") if isinstance(run.config.get("arms"), dict) else {}
    progs = run.config.get("programmes") if isinstance(run.config.get("programmes"), dict) else {}
    if arms_cfg:
        out.append("<table><tr><th>arm</th><th>programmes (evidence grade)</th></tr>")
        unsupported = []
        for name, members in arms_cfg.items():
            labs = []
            for m in members or []:
                p = progs.get(m) if isinstance(progs.get(m), dict) else {}
                grade = text(p.get("evidence", "")) if p else ""
                labs.append(text(p.get("label", m)) + (f" ({grade})" if grade else ""))
                if p and not has_effect(p):
                    unsupported.append((words(name), text(p.get("label", m)), grade))
            out.append(f"<tr><td>{esc(words(name))}</td><td style=\"text-align:left\">"
                       f"{esc('; '.join(labs) or 'none')}</td></tr>")
        out.append("</table>")
        for arm, lab, grade in unsupported:
            out.append(f"<p><b>No quantitative evidence:</b> {esc(lab)} (arm {esc(arm)}, evidence "
                       f"{esc(grade or '?')}) has no effect on bone, muscle, falls, fractures or death "
                       "in its base case: its arm differs from the reference only in cost (and adverse "
                       "events); a probabilistic analysis draws its effects around zero.</p>")
    return out


# Effects a programme can have, and the value that means none.
NO_EFFECT = {"bmd_change": 0.0, "muscle_mass_change": 0.0, "strength_change": 0.0, "fall_rr": 1.0,
             "mortality_rr": 1.0, "fracture_rr": 1.0}


def has_effect(prog):
    """Whether a programme's base case changes any outcome (effects other
    than their no-effect values)."""
    eff = prog.get("effects") if isinstance(prog.get("effects"), dict) else {}

    def value(v):
        v = v.get("value") if isinstance(v, dict) and "value" in v else v
        try:
            return float(v)
        except (TypeError, ValueError):
            return None

    for key, none in NO_EFFECT.items():
        v = eff.get(key)
        items = v.values() if key == "fracture_rr" and isinstance(v, dict) and "value" not in v else [v]
        for x in items:
            x = value(x)
            if x is not None and x != none:
                return True
    return False


# --------------------------------------------------------------------------
# Page


def run_section(run):
    a = run.attrs
    desc = run.cfg("scenario.description", "")
    rows = [("scenario", run.name), ("description", desc), ("seed", a.get("seed", "?")),
            ("osteosim version", a.get("osteosim_version", "?")), ("commit", a.get("git_commit", "?")),
            ("created", a.get("created", "?")),
            ("years", f"{a.get('start_year', run.years[0])}-{a.get('end_year', run.years[-1])}"),
            ("arms", ", ".join(run.arm_words(k) for k in run.arms)),
            ("bytes per agent", a.get("bytes_per_agent", "?"))]
    if a.get("wall_seconds"):
        rows.append(("work", f"{fmt(float(a.get('agent_years', 0)))} agent-years in "
                             f"{float(a['wall_seconds']):.3g} s"))
    rows.append(("file", os.path.abspath(run.path)))
    out = ["<h2>Run</h2>", "<table>"]
    out += [f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows]
    out.append("</table>")
    settings = [(k, run.used[k]) for k in RUN_KEYS if k in run.used]
    if settings:
        out.append("<h3>Key settings (from /parameters/used)</h3><table>")
        out += [f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in settings]
        out.append("</table>")
    return out


def change(run, col, div=1e6, unit="million"):
    """'A in first year to B in last year' for column COL, national totals,
    with the replicate intervals when the file has them."""
    y0, y1 = run.years[0], run.years[-1]
    band = quantile_band(run, col)
    parts = []
    for k, y in ((0, y0), (-1, y1)):
        v = run.total(col, year=y) / div
        txt = f"{v:,.3g} {unit}" if not col.startswith("cost") else money(v * div, run.cur)
        if band is not None:
            lo, hi = band[0][k] / div, band[1][k] / div
            txt += (f" (95% interval {lo:,.3g} to {hi:,.3g})" if not col.startswith("cost") else
                    f" (95% interval {money(lo * div, run.cur)} to {money(hi * div, run.cur)})")
        parts.append(f"{txt} in {y}")
    return " to ".join(parts)


def summary_section(run):
    """One plain-language paragraph of the headline numbers."""
    s = run.s
    ref = esc(run.arm_words(run.ref))
    agents = run.cfg("run.agents", run.attrs.get("agents", "?"))
    try:
        agents = f"{int(float(agents)):,}"
    except (TypeError, ValueError):
        agents = esc(agents)
    out = [f"This run simulates {agents} "
           f"virtual people standing for the population aged 50+ ({esc(run.cfg('demography.label', run.name))})."]
    if "population" in s:
        out.append(f"In the {ref} arm that population goes from {change(run, 'population')}.")
    cases = [(c, w) for c, w in (("osteoporosis", "osteoporosis"),
                                 ("osteosarcopenia_awgs2019", "osteosarcopenia (AWGS 2019)")) if c in s]
    if cases:
        out.append("People living with " + "; with ".join(f"{w}: {change(run, c)}" for c, w in cases) + ".")
    fr = [c for c in ("fractures_hip", "fractures_vertebral", "fractures_wrist", "fractures_other") if c in s]
    if fr:
        y0, y1 = run.years[0], run.years[-1]
        tot = [sum(run.total(c, year=y) for c in fr) / 1e6 for y in (y0, y1)]
        hip = ""
        if "fractures_hip" in s:
            hip = f" (hip fractures: {change(run, 'fractures_hip')})"
        out.append(f"Fractures rise from {tot[0]:,.3g} million a year in {y0} to {tot[1]:,.3g} million "
                   f"in {y1}{hip}.")
    if "cost" in s and run.cur:
        out.append(f"Yearly health and care costs (undiscounted) go from {change(run, 'cost')}.")
    pt = psa_totals(run)
    if pt.get("cost") and pt.get("qaly"):
        m, lo, hi = pt["cost"]
        out.append(f"Over {run.years[0]}&ndash;{run.years[-1]} they total {money(run.total('cost'), run.cur)}; "
                   f"across {len(np.unique(run.psa['draw']))} PSA draws of the model's parameters"
                   f"{' (calibrated parameters from the calibration posterior)' if run.psa_basis else ''}, "
                   f"{money(lo, run.cur)} to {money(hi, run.cur)} (95% interval).")
    if run.q is None and not pt:
        out.append("These figures are one stochastic run without intervals: <code>--replicates R</code> "
                   "gives Monte Carlo intervals and <code>--psa N</code> parameter uncertainty.")
    elif run.q is not None:
        out.append(f"Intervals are over {run.replicates} Monte Carlo replicates (simulation noise, not "
                   "parameter uncertainty).")
    out += report_econ.headline(run)
    return ["<h2>Summary</h2>", "<p>" + " ".join(out) + "</p>"]


CSS = """body{font-family:sans-serif;max-width:1040px;margin:2em auto;color:#222;line-height:1.4}
table{border-collapse:collapse;margin:0.5em 0 1em;font-size:85%}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right;vertical-align:top}
th{background:#f2f2f2;text-align:left}td:first-child{text-align:left}
img{max-width:100%}h2{border-bottom:1px solid #999;margin-top:1.5em}"""


# --------------------------------------------------------------------------
# PDF: the same page, one element (paragraph block, table, figure) per page
# region, drawn by matplotlib alone (no HTML renderer on Debian's default).

A4 = (11.69, 8.27)  # landscape, inches


def plain(h):
    return html.unescape(re.sub(r"<br>", " ", re.sub(r"<(?!br>)[^>]+>", "", h)))


def pdf_text(pdf, title, paras):
    fig = plt.figure(figsize=A4)
    y = 0.95
    fig.text(0.05, y, title, fontsize=14, weight="bold", va="top")
    y -= 0.06
    for p in paras:
        lines = textwrap.wrap(plain(p), 125)
        if y - 0.027 * len(lines) < 0.03:
            pdf.savefig(fig)
            plt.close(fig)
            fig = plt.figure(figsize=A4)
            y = 0.95
        fig.text(0.05, y, "\n".join(lines), fontsize=10, va="top", family="sans-serif")
        y -= 0.027 * len(lines) + 0.02
    pdf.savefig(fig)
    plt.close(fig)


def pdf_table(pdf, title, markup, per_page=28):
    rows = [[plain(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", markup, re.S)]
    rows = [r for r in rows if r]
    if not rows:
        return
    head, body = rows[0], rows[1:]
    width = max(len(r) for r in rows)
    for k in range(0, max(1, len(body)), per_page):
        fig, ax = plt.subplots(figsize=A4)
        ax.axis("off")
        ax.set_title(title, fontsize=11, loc="left")
        chunk = [r + [""] * (width - len(r)) for r in body[k:k + per_page]]
        cells = [["\n".join(textwrap.wrap(c, 28)) for c in r] for r in chunk] or [[""] * width]
        t = ax.table(cellText=cells, colLabels=["\n".join(textwrap.wrap(c, 18)) for c in
                                                 head + [""] * (width - len(head))],
                     loc="upper center", cellLoc="right")
        t.auto_set_font_size(False)
        t.set_fontsize(6.5 if width > 8 else 7.5)
        t.auto_set_column_width(list(range(width)))
        t.scale(1, 1.6)
        pdf.savefig(fig)
        plt.close(fig)


def pdf_figure(pdf, title, png):
    img = plt.imread(io.BytesIO(png), format="png")
    fig, ax = plt.subplots(figsize=A4)
    ax.imshow(img)
    ax.axis("off")
    ax.set_title(title, fontsize=11, loc="left")
    pdf.savefig(fig, dpi=110)
    plt.close(fig)


def write_pdf(path, title, body, figs):
    """BODY's (the HTML's) sections in order: paragraphs, tables, figures."""
    blocks = re.findall(r"<h2>.*?</h2>|<h3>.*?</h3>|<table.*?</table>|<img[^>]*>|<p>.*?</p>",
                        "\n".join(body), re.S)
    tmp = path + ".tmp"
    with open(tmp, "wb") as fh, PdfPages(fh) as pdf:
        section, paras = title, []
        for item in blocks + ["<h2></h2>"]:
            heading = re.match(r"<h2>(.*?)</h2>", item)
            if heading or item.startswith("<table") or item.startswith("<img"):
                if paras:
                    pdf_text(pdf, section, paras)
                    paras = []
            if heading:
                section = plain(heading.group(1))
            elif item.startswith("<table"):
                pdf_table(pdf, section, item)
            elif item.startswith("<img"):
                tag = re.search(r'alt="([^"]*)"', item).group(1)
                pdf_figure(pdf, section, figs.png[html.unescape(tag)])
            elif item.startswith("<p>") or item.startswith("<h3>"):
                paras.append(item)
        pdf.infodict()["Title"] = title
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description="HTML (and PDF) report of an osteosim output file.")
    ap.add_argument("file", help="osteosim output (.h5)")
    ap.add_argument("--outdir", default="results", help="directory for the report and PNGs")
    ap.add_argument("--dsa", help="output of `osteosim dsa` for the tornado diagram (/dsa/oneway)")
    ap.add_argument("--no-pdf", action="store_true", help="write the HTML report only")
    ap.add_argument("--psa-compare", metavar="OTHER.h5",
                    help="another PSA of the scenario (e.g. from the priors, when FILE's is from a calibration "
                         "posterior): its share of draws within the calibration targets beside FILE's")
    args = ap.parse_args(argv)
    try:
        run = Run(args.file, args.dsa, args.psa_compare)
    except (OSError, KeyError) as e:
        names = args.file + (f" or {args.dsa}" if args.dsa else "") + \
            (f" or {args.psa_compare}" if args.psa_compare else "")
        print(f"report.py: {names}: cannot read ({e})", file=sys.stderr)
        return 1
    os.makedirs(args.outdir, exist_ok=True)
    # Named after the input file, not the scenario: two runs of one
    # scenario keep their own reports.
    stem = os.path.splitext(os.path.basename(args.file))[0]
    figs = Figures(args.outdir, stem)
    title = f"osteosim report: {run.name}"
    body = [f"<h1>{esc(title)}</h1>"]
    body += summary_section(run)
    body += run_section(run)
    body += burden_section(run, figs)
    body += pyramid_section(run, figs)
    body += calibration_section(run)
    body += arms_section(run, figs)
    body += report_econ.sections(run, figs)
    page = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{esc(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
    path = os.path.join(args.outdir, f"{stem}-report.html")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(page)
    os.replace(tmp, path)
    print(path)
    if not args.no_pdf:
        pdf = os.path.join(args.outdir, f"{stem}-report.pdf")
        write_pdf(pdf, title, body, figs)
        print(pdf)
    for p in figs.files:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
