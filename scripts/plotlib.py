"""Helpers shared by the plotting and report scripts (plot_projection.py,
plot_arms.py, report.py, report_econ.py)."""
import html
import os

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def text(v):
    """An HDF5 string attribute or value as str."""
    return v.decode() if isinstance(v, bytes) else str(v)


def stem(path):
    """The name figures of input file PATH are named after: results/foo.h5 ->
    foo, so two runs' figures never replace each other."""
    return os.path.splitext(os.path.basename(path))[0]


def save(fig, outdir, name, what):
    """Writes FIG as OUTDIR/NAME-WHAT.png and returns the path."""
    os.makedirs(outdir, exist_ok=True)
    path = os.path.join(outdir, f"{name}-{what}.png")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def parse_labels(attr):
    """A `labels` attribute '0=a,1=b' as {0: 'a', 1: 'b'}; labels may hold
    commas themselves ('1=dominant (costs less, gains more)'), so a part
    without 'k=' continues the previous label."""
    out, last = {}, None
    for part in text(attr).split(","):
        k, sep, v = part.partition("=")
        if sep and k.strip().lstrip("-").isdigit():
            last = int(k)
            out[last] = v.strip()
        elif last is not None:
            out[last] += "," + part
    return out


# Column names in words, for legends, axis labels and table rows.
WORDS = {
    "population": "people aged 50+",
    "osteoporosis": "osteoporosis",
    "osteopenia": "osteopenia",
    "sarcopenia_ewgsop2": "sarcopenia (EWGSOP2 definition)",
    "sarcopenia_awgs2019": "sarcopenia (AWGS 2019 definition)",
    "osteosarcopenia_ewgsop2": "osteosarcopenia (EWGSOP2)",
    "osteosarcopenia_awgs2019": "osteosarcopenia (AWGS 2019)",
    "falls": "falls",
    "fallers": "people who fell",
    "fractures_hip": "hip fractures",
    "fractures_vertebral": "clinical vertebral fractures",
    "fractures_wrist": "wrist fractures",
    "fractures_other": "other fractures",
    "fractures_total": "fractures, all sites",
    "deaths": "deaths",
    "hip_fracture_deaths": "deaths after hip fracture",
    "cost": "health and care costs",
    "cost_discounted": "health and care costs (discounted)",
    "qaly": "quality-adjusted life-years",
    "qaly_discounted": "quality-adjusted life-years (discounted)",
    "life_years": "life-years",
    "life_years_discounted": "life-years (discounted)",
    "programme_cost": "programme costs",
    "programme_cost_discounted": "programme costs (discounted)",
    "programme_starts": "people starting a programme",
    "hospital_days": "hospital days",
    "adl_dependent": "ADL-dependent (at home or in a care home)",
    "care_home": "care-home residents",
    "adl_onsets": "new ADL dependence",
    "care_home_admissions": "care-home admissions",
    "adl_recoveries": "recoveries from ADL dependence",
    "obesity_body_fat": "obesity (percent body fat)",
    "sarcopenic_obesity_awgs2019": "sarcopenic obesity (AWGS 2019)",
    "osteosarcopenic_obesity_awgs2019": "osteosarcopenic obesity (AWGS 2019)",
    "incremental_cost": "extra cost (discounted)",
    "incremental_qaly": "QALYs gained (discounted)",
    "fractures_averted": "fractures averted",
    "falls_averted": "falls averted",
    "deaths_averted": "deaths averted",
    "icer": "cost per QALY gained against the reference",
    "frontier_icer": "cost per QALY gained against the previous arm on the frontier",
}
# Words within arm and group names.
TOKENS = {"status_quo": "status quo", "vitamin_d": "vitamin D", "ct": "CT", "dxa": "DXA",
          "screen_treat": "screening + treatment", "qaly": "QALY", "psa": "PSA",
          "ltc": "long-term care", "dsa": "DSA"}


def words(name):
    """Column or arm name in words: WORDS, else underscores as spaces with
    the known abbreviations spelt out."""
    name = text(name)
    if name in WORDS:
        return WORDS[name]
    for k in sorted(TOKENS, key=len, reverse=True):
        if name == k or name.startswith(k + "_") or name.endswith("_" + k) or f"_{k}_" in name:
            name = ("_" + name + "_").replace(f"_{k}_", "_" + TOKENS[k].replace(" ", "\0") + "_")[1:-1]
    return name.replace("_", " ").replace("\0", " ")


def money(v, cur, digits=3):
    """V in currency CUR, scaled to thousand/million/billion/trillion."""
    a = abs(v)
    for div, unit in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if a >= div:
            return f"{cur} {v / div:.{digits}g} {unit}"
    return f"{cur} {v:,.0f}"


def esc(v):
    return html.escape(text(v))


def fmt(v, digits=4):
    """Readable number: thousands separators for large values."""
    if v is None or (isinstance(v, (float, np.floating)) and not np.isfinite(v)):
        return "n/a"
    if abs(v) >= 1e4:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


class Table:
    """The one-dimensional datasets of an HDF5 group: columns C (strings
    decoded), their attributes A (units, labels, wtp) and the group's
    attributes G."""

    def __init__(self, group):
        self.c, self.a = {}, {}
        self.g = {k: (text(v) if isinstance(v, (bytes, str)) else v) for k, v in group.attrs.items()}
        for k, d in group.items():
            if not isinstance(d, h5py.Dataset) or d.ndim != 1:
                continue
            v = d[:]
            if v.dtype.kind in "OSU":
                v = np.array([text(x) for x in v], dtype=object)
            self.c[k] = v
            self.a[k] = {n: (text(x) if isinstance(x, (bytes, str)) else x) for n, x in d.attrs.items()}

    def __contains__(self, k):
        return k in self.c

    def __getitem__(self, k):
        return self.c[k]

    def units(self, k, default=""):
        return self.a.get(k, {}).get("units", default)

    def labels(self, k):
        return parse_labels(self.a.get(k, {}).get("labels", ""))


def table(f, path):
    """Table of group PATH in open file F, or None when it is absent."""
    return Table(f[path]) if path in f and isinstance(f[path], h5py.Group) else None
