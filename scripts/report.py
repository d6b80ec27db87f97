#!/usr/bin/python3
"""A self-contained HTML report of one osteosim run.

usage: /usr/bin/python3 scripts/report.py OUT.h5 [--outdir results]

Writes OUTDIR/<file>-report.html, named after the input file
(results/foo.h5 -> results/foo-report.html, so two runs' reports never
replace each other), with the figures embedded as PNG data URIs (the file
can be mailed or archived alone), and the same figures as
OUTDIR/<file>-report-*.png.  Sections:

  Run                       scenario, seed, version, commit, key settings
  Projected counts          osteoporosis, sarcopenia (EWGSOP2, AWGS 2019),
                            osteosarcopenia, falls, fractures by site and
                            deaths by sex and year (reference arm), with
                            95% bands when the file has /summary_quantiles
  Population pyramids       start and end year
  Calibration targets       the targets files named in the run's resolved
                            configuration (calibration.targets,
                            calibration.targets_extra) against model values
  Arms                      side-by-side bars when the run has several arms

Needs numpy, h5py and matplotlib (/usr/bin/python3 on the project machines);
PyYAML for the calibration table (skipped with a note without it).
"""
import argparse
import base64
import html
import io
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

try:
    import yaml
except ImportError:  # the report still works, without the calibration table
    yaml = None

SEXES = ((0, "women"), (1, "men"))
# Outcome columns shown in the projection, in order: (column, label).
OUTCOMES = (
    ("osteoporosis", "osteoporosis"),
    ("sarcopenia_ewgsop2", "sarcopenia (EWGSOP2)"),
    ("sarcopenia_awgs2019", "sarcopenia (AWGS 2019)"),
    ("osteosarcopenia_ewgsop2", "osteosarcopenia (EWGSOP2)"),
    ("osteosarcopenia_awgs2019", "osteosarcopenia (AWGS 2019)"),
    ("falls", "falls"),
    ("fractures_hip", "hip fractures"),
    ("fractures_vertebral", "vertebral fractures"),
    ("fractures_wrist", "wrist fractures"),
    ("fractures_other", "other fractures"),
    ("deaths", "deaths"),
)
# Stocks are counted at 1 July; everything else is a flow over the year.
STOCKS = {c for c, _ in OUTCOMES[:5]}
# Key outcomes compared across arms.
ARM_OUTCOMES = ("osteoporosis", "sarcopenia_awgs2019", "osteosarcopenia_awgs2019", "falls",
                "fractures_hip", "fractures_vertebral", "deaths", "cost_discounted",
                "qaly_discounted")
RUN_KEYS = ("scenario.name", "run.start_year", "run.end_year", "run.agents", "run.seed",
            "run.threads", "run.chunk_size", "demography.label", "mortality.adjust_background",
            "bone.tscore.reference", "output.cohort_years", "output.event_log",
            "calibration.targets", "calibration.targets_extra")


def text(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def esc(v):
    return html.escape(text(v))


def fmt(v, digits=4):
    """Readable number: thousands separators for large values."""
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    a = abs(v)
    if a >= 1e4:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


# --------------------------------------------------------------------------
# Loading


class Run:
    def __init__(self, path):
        with h5py.File(path, "r") as f:
            self.attrs = {k: (text(v) if isinstance(v, (bytes, str)) else v)
                          for k, v in f.attrs.items()}
            self.s = {k: f["summary"][k][:] for k in f["summary"].keys()}
            labels = f["summary/arm"].attrs.get("labels", "") if "arm" in f["summary"] else ""
            self.arm_labels = parse_labels(text(labels))
            self.used = read_params(f, "parameters/used")
            self.q = None
            if "summary_quantiles" in f:
                self.q = {k: f["summary_quantiles"][k][:] for k in f["summary_quantiles"].keys()
                          if isinstance(f["summary_quantiles"][k], h5py.Dataset)}
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


def parse_labels(s):
    out = {}
    for part in s.split(","):
        if "=" in part:
            k, v = part.split("=", 1)
            try:
                out[int(k)] = v.strip()
            except ValueError:
                pass
    return out


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
    def __init__(self, outdir, name):
        self.outdir, self.name, self.files = outdir, name, []

    def save(self, fig, tag):
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
        plt.close(fig)
        data = buf.getvalue()
        path = os.path.join(self.outdir, f"{self.name}-report-{tag}.png")
        with open(path, "wb") as fh:
            fh.write(data)
        self.files.append(path)
        b64 = base64.b64encode(data).decode("ascii")
        return f'<img alt="{esc(tag)}" src="data:image/png;base64,{b64}">'


def series(run, col, sex, arm=None):
    return np.array([run.total(col, arm=arm, year=y, sex=sex) for y in run.years])


def quantile_band(run, col, sex):
    """Summed band-wise 2.5% and 97.5% quantiles per year, or None."""
    q = run.q
    lo, hi = f"{col}_p2_5", f"{col}_p97_5"
    if not q or lo not in q or hi not in q:
        return None
    keys = q if "year" in q else (run.s if len(run.s["year"]) == len(q[lo]) else None)
    if keys is None or "sex" not in keys:
        return None
    sel0 = (keys["arm"] == run.ref) if "arm" in keys else np.ones(len(q[lo]), bool)
    sel0 &= keys["sex"] == sex
    return (np.array([q[lo][sel0 & (keys["year"] == y)].sum() for y in run.years]),
            np.array([q[hi][sel0 & (keys["year"] == y)].sum() for y in run.years]))


def projection_section(run, figs):
    cols = [(c, lab) for c, lab in OUTCOMES if c in run.s]
    out = [f"<h2>Projected counts {run.years[0]}&ndash;{run.years[-1]}</h2>"]
    if not cols:
        return out + ["<p>The run has none of the outcome columns.</p>"]
    has_q = any(quantile_band(run, c, 0) is not None for c, _ in cols)
    out.append("<p>Persons aged 50+ in the reference arm (%s), by sex. Stocks (osteoporosis, "
               "sarcopenia, osteosarcopenia) are counted at 1 July of the year; falls, fractures "
               "and deaths are those of the year from 1 July.</p>" % esc(run.arm_labels.get(run.ref, "arm %d" % run.ref)))
    if has_q:
        out.append("<p>Shaded: 95% uncertainty bands from <code>/summary_quantiles</code> "
                   "(2.5% and 97.5% quantiles across replicates, summed over age bands, "
                   "which makes them slightly conservative).</p>")
    else:
        out.append("<p>No uncertainty bands: the file has no <code>/summary_quantiles</code>. "
                   "Bands need replicate runs (probabilistic sensitivity analysis); "
                   "the lines are one stochastic run.</p>")
    ncol = 3
    nrow = (len(cols) + ncol - 1) // ncol
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.2 * ncol, 3.0 * nrow), squeeze=False)
    for ax, (c, lab) in zip(axes.flat, cols):
        for sex, slab in SEXES:
            v = series(run, c, sex) / 1e6
            ax.plot(run.years, v, color=f"C{sex}", label=slab)
            band = quantile_band(run, c, sex)
            if band is not None:
                ax.fill_between(run.years, band[0] / 1e6, band[1] / 1e6, color=f"C{sex}", alpha=0.2)
        ax.set_title(lab + (" (1 July)" if c in STOCKS else " (per year)"), fontsize=10)
        ax.set_ylabel("millions")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(cols):]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    fig.tight_layout()
    out.append(figs.save(fig, "projection"))
    # The numbers behind the figure, every 5 years.
    ys = [y for y in run.years if (y - run.years[0]) % 5 == 0]
    if run.years[-1] not in ys:
        ys.append(run.years[-1])
    out.append("<table><tr><th>outcome</th><th>sex</th>%s</tr>" % "".join(f"<th>{y}</th>" for y in ys))
    for c, lab in cols:
        for sex, slab in SEXES + ((None, "both"),):
            cells = "".join(f"<td>{fmt(run.total(c, year=y, sex=sex))}</td>" for y in ys)
            out.append(f"<tr><td>{esc(lab)}</td><td>{slab}</td>{cells}</tr>")
    out.append("</table>")
    return out


def pyramid_section(run, figs):
    out = ["<h2>Population pyramids</h2>"]
    years = [run.years[0], run.years[-1]] if len(run.years) > 1 else [run.years[0]]
    bands = np.unique(run.s["age_lo"])
    fig, axes = plt.subplots(1, len(years), figsize=(5.5 * len(years), 4.2), squeeze=False, sharey=True)
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
        lab = run.arm_labels.get(int(run.arms[0]), f"arm {run.arms[0]}")
        return out + [f"<p>The run has one arm ({esc(lab)}): nothing to compare.</p>"]
    cols = [c for c in ARM_OUTCOMES if c in run.s]
    names = [run.arm_labels.get(int(a), f"arm {a}") for a in run.arms]
    out.append(f"<p>Stocks are counted in {run.years[-1]}; flows (events, costs, QALYs) are totals "
               f"{run.years[0]}&ndash;{run.years[-1]}. Bars are relative to the first arm "
               f"({esc(names[0])}) = 100.</p>")
    vals = {c: [arm_value(run, c, a) for a in run.arms] for c in cols}
    fig, ax = plt.subplots(figsize=(max(6, 1.1 * len(cols) * len(run.arms) / 2 + 3), 4))
    width = 0.8 / len(run.arms)
    for k, name in enumerate(names):
        rel = [100 * vals[c][k] / vals[c][0] if vals[c][0] else np.nan for c in cols]
        ax.bar(np.arange(len(cols)) + (k - (len(run.arms) - 1) / 2) * width, rel, width, label=name)
    ax.set_xticks(range(len(cols)))
    ax.set_xticklabels(cols, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel(f"% of {names[0]}")
    ax.axhline(100, color="k", lw=0.5)
    ax.legend(fontsize=8)
    fig.tight_layout()
    out.append(figs.save(fig, "arms"))
    out.append("<table><tr><th>outcome</th>%s</tr>" % "".join(f"<th>{esc(n)}</th>" for n in names))
    for c in cols:
        cells = "".join(f"<td>{fmt(v)}</td>" for v in vals[c])
        out.append(f"<tr><td>{esc(c)}</td>{cells}</tr>")
    out.append("</table>")
    return out


# --------------------------------------------------------------------------
# Page


def run_section(run):
    a = run.attrs
    desc = run.cfg("scenario.description", "")
    rows = [("scenario", run.name), ("description", desc), ("seed", a.get("seed", "?")),
            ("osteosim version", a.get("osteosim_version", "?")), ("commit", a.get("git_commit", "?")),
            ("created", a.get("created", "?")),
            ("years", f"{a.get('start_year', run.years[0])}-{a.get('end_year', run.years[-1])}"),
            ("arms", ", ".join(run.arm_labels.get(int(k), str(k)) for k in run.arms)),
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


CSS = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1em;font-size:90%}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right;vertical-align:top}
th{background:#f2f2f2;text-align:left}td:first-child{text-align:left}
img{max-width:100%}h2{border-bottom:1px solid #999;margin-top:1.5em}"""


def main(argv=None):
    ap = argparse.ArgumentParser(description="HTML report of an osteosim output file.")
    ap.add_argument("file", help="osteosim output (.h5)")
    ap.add_argument("--outdir", default="results", help="directory for the report and PNGs")
    args = ap.parse_args(argv)
    try:
        run = Run(args.file)
    except (OSError, KeyError) as e:
        print(f"report.py: {args.file}: cannot read ({e})", file=sys.stderr)
        return 1
    os.makedirs(args.outdir, exist_ok=True)
    # Named after the input file, not the scenario: two runs of one
    # scenario keep their own reports.
    stem = os.path.splitext(os.path.basename(args.file))[0]
    figs = Figures(args.outdir, stem)
    body = [f"<h1>osteosim report: {esc(run.name)}</h1>"]
    body += run_section(run)
    body += projection_section(run, figs)
    body += pyramid_section(run, figs)
    body += calibration_section(run)
    body += arms_section(run, figs)
    page = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>osteosim report: {esc(run.name)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")
    path = os.path.join(args.outdir, f"{stem}-report.html")
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(page)
    os.replace(tmp, path)
    print(path)
    for p in figs.files:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
