#!/usr/bin/env python3
"""Load any table of an osteosim output file into a pandas DataFrame.

    from osteosim_read import read_osteosim
    economics = read_osteosim("OUT.h5", "economics")

A table is a group of 1-D datasets of equal length (docs/hdf5-schema.md).
`read_osteosim(path, group)` returns the datasets of GROUP as columns:
strings as str, integer codes with a `labels` attribute ("0=a,1=b") as
pandas categoricals in code order.  Code columns without labels (`arm` in
/psa, `sex` in /cohort/<year>) take the labels of the /summary column of
the same name, as `osteosim export` does.  Units go to `df.attrs["units"]`
(column -> units) and the group's attributes to `df.attrs["group"]`.  A
group whose tables are its subgroups (parameters, demography, cohort) gives
them stacked, with a first column `table` naming the subgroup (their units
keyed "subgroup/column", as the same name may differ: demography value).  GROUP
`totals` is /summary_totals/quantiles (national totals over replicates).

Needs h5py, numpy and pandas (Debian 12: apt-get install python3-h5py
python3-pandas).  As a script, prints the table:
    /usr/bin/python3 scripts/osteosim_read.py OUT.h5 economics
"""
import re
import sys

import h5py
import numpy as np
import pandas as pd

__all__ = ["read_osteosim", "parse_labels"]

# Identifying columns first, in this order (as `osteosim export`).
LEAD = ["year", "arm", "arm_name", "sex", "age_lo", "age_hi", "age_band", "draw", "replicate",
        "wtp", "id", "agent", "key"]


def parse_labels(text):
    """{code: name} of a "0=a,1=b" attribute; a name may hold commas
    ("0=none,1=dominant (costs less, gains more)")."""
    if isinstance(text, bytes):
        text = text.decode()
    out = {}
    for item in re.split(r",(?=-?\d+=)", text):
        code, _, name = item.partition("=")
        out[int(code)] = name
    return out


def _attr(obj, name):
    v = obj.attrs.get(name)
    if isinstance(v, bytes):
        v = v.decode()
    return v


def _column(ds, fallback):
    """Values of 1-D dataset DS, labelled when it (or FALLBACK) has labels."""
    if ds.dtype.kind in "SOU":
        return pd.Series(ds.asstr()[:], dtype=object)
    v = ds[:]
    labels = _attr(ds, "labels")
    if labels is None and fallback is not None and v.dtype.kind in "iu":
        labels = _attr(fallback, "labels")
    if labels is None or v.dtype.kind not in "iu":
        return pd.Series(v)
    names = parse_labels(labels)
    cats = [names[k] for k in sorted(names)]
    return pd.Series(pd.Categorical([names.get(int(x)) for x in v], categories=cats))


def _table(f, g):
    cols, units = {}, {}
    summary = f["summary"] if "summary" in f else None
    for name, obj in g.items():
        if not isinstance(obj, h5py.Dataset) or obj.ndim != 1:
            continue
        fallback = summary[name] if summary is not None and name in summary and summary[name] is not obj else None
        cols[name] = _column(obj, fallback)
        u = _attr(obj, "units")
        if not u and fallback is not None:
            u = _attr(fallback, "units")
        units[name] = u or ""
    lengths = {len(c) for c in cols.values()}
    if len(lengths) > 1:
        raise ValueError(f"{g.name}: columns of different lengths {sorted(lengths)}")
    order = [c for c in LEAD if c in cols] + [c for c in cols if c not in LEAD]
    df = pd.DataFrame({c: cols[c] for c in order})
    df.attrs["units"] = units
    return df


def read_osteosim(path, group="summary"):
    """GROUP of the output file PATH as a DataFrame (see the module text)."""
    if group == "totals":
        group = "summary_totals/quantiles"
    group = group.strip("/")
    with h5py.File(path, "r") as f:
        if group not in f or not isinstance(f[group], h5py.Group):
            raise KeyError(f"no /{group} in {path}")
        g = f[group]
        attrs = {k: _attr(g, k) for k in g.attrs}
        if any(isinstance(o, h5py.Dataset) for o in g.values()):
            df = _table(f, g)
        else:
            parts, units = [], {}
            for name, sub in g.items():
                if isinstance(sub, h5py.Group):
                    t = _table(f, sub)
                    units.update({f"{name}/{c}": u for c, u in t.attrs["units"].items()})
                    t.insert(0, "table", name)
                    parts.append(t)
            if not parts:
                raise KeyError(f"no tables under /{group} in {path}")
            df = pd.concat(parts, ignore_index=True)
            df.attrs["units"] = units
    df.attrs["group"] = attrs
    return df


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: osteosim_read.py OUT.h5 [GROUP]")
    pd.set_option("display.width", 200)
    table = read_osteosim(sys.argv[1], sys.argv[2] if len(sys.argv) == 3 else "summary")
    print(table)
