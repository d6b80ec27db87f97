#!/usr/bin/env bash
# scripts/osteosim_read.py (pandas) and scripts/osteosim.R (hdf5r):
# read_osteosim(path, group) loads every kind of group into a data frame
# whose values equal the HDF5 datasets, codes as labelled categoricals /
# factors (labels with commas included), units attached.
. "$(dirname "$0")/../integration_lib.sh"
out="$TMP/r.h5"
"$OSTEOSIM" run "$SRC/configs/china_programmes.yaml" --agents 1000 --psa 2 --set run.end_year=2026 \
  --set output.event_log=true --set "output.cohort_years=[2026]" --quiet -o "$out"
groups="summary economics economics/thresholds psa psa/parameters psa/ceac psa/evpi events cohort/2026 parameters/used demography"

# The reference: each group's columns as plain arrays, and labelled cells,
# written by h5py alone for R to compare with.
"$PY" - "$out" "$TMP" $groups <<'PY'
import re, sys, h5py, numpy as np
out, tmp, groups = sys.argv[1], sys.argv[2], sys.argv[3:]
sys.path.insert(0, __import__("os").environ["SRC"] + "/scripts")
from osteosim_read import read_osteosim
import pandas as pd

def labels(ds, f):
    lab = ds.attrs.get("labels")
    name = ds.name.rsplit("/", 1)[-1]
    if lab is None and ds.dtype.kind in "iu" and name in f["summary"] and ds.parent.name != "/summary":
        lab = f["summary"][name].attrs.get("labels")
    if lab is None:
        return None
    lab = lab.decode() if isinstance(lab, bytes) else lab
    return {int(k): v for k, _, v in (s.partition("=") for s in re.split(r",(?=-?\d+=)", lab))}

with h5py.File(out, "r") as f:
    for g in groups:
        df = read_osteosim(out, g)
        grp = f[g]
        subs = [("", grp)] if any(isinstance(v, h5py.Dataset) for v in grp.values()) else \
               [(k, v) for k, v in grp.items() if isinstance(v, h5py.Group)]
        if len(subs) > 1:
            assert df.columns[0] == "table", (g, df.columns)
        start = 0
        for tag, t in subs:
            n = len(next(iter(t.values())))
            part = df.iloc[start:start + n]
            start += n
            if tag:
                assert (part["table"] == tag).all(), (g, tag)
            for c, ds in t.items():
                if not isinstance(ds, h5py.Dataset):
                    continue
                lab = labels(ds, f)
                got = part[c].to_numpy()
                if ds.dtype.kind in "SOU":
                    assert list(got) == list(ds.asstr()[:]), (g, c)
                elif lab is not None:
                    assert isinstance(df[c].dtype, pd.CategoricalDtype), (g, c, df[c].dtype)
                    assert list(df[c].cat.categories) == [lab[k] for k in sorted(lab)], (g, c)
                    assert list(got) == [lab.get(int(x)) for x in ds[:]], (g, c)
                else:
                    v = ds[:]
                    assert np.array_equal(got.astype(float), v.astype(float), equal_nan=True), (g, c)
                u = ds.attrs.get("units")
                if u not in (None, "", b""):
                    key = f"{tag}/{c}" if tag else c
                    assert df.attrs["units"][key] == (u.decode() if isinstance(u, bytes) else u), (g, key)
        assert start == len(df), (g, start, len(df))
        print(g, df.shape)
    e = read_osteosim(out, "economics")
    assert "reference" in set(e["dominance"]) and e["arm"].iloc[0] == "status_quo"
    assert e.attrs["units"]["cost_discounted"] == f["economics/cost_discounted"].attrs["units"]
    # Reference values for R: numbers as exact text, labelled cells as text.
    for g in groups:
        grp = f[g]
        if not any(isinstance(v, h5py.Dataset) for v in grp.values()):
            continue
        with open(f"{tmp}/ref_{g.replace('/', '_')}.tsv", "w", encoding="utf-8") as fh:
            for c, ds in grp.items():
                if not isinstance(ds, h5py.Dataset):
                    continue
                lab = labels(ds, f)
                if ds.dtype.kind in "SOU":
                    kind, vals = "s", [x.replace("\t", " ").replace("\n", " ") for x in ds.asstr()[:]]
                elif lab is not None:
                    kind, vals = "f", [lab[int(x)] for x in ds[:]]
                else:
                    kind, vals = "n", [repr(float(x)) for x in ds[:]]
                fh.write(c + "\t" + kind + "\t" + "\t".join(vals) + "\n")
print("python reader ok")
PY

command -v Rscript > /dev/null || { echo "no Rscript: R reader not tested"; exit 77; }
Rscript - "$SRC/scripts/osteosim.R" "$out" "$TMP" $groups <<'R'
args <- commandArgs(trailingOnly = TRUE)
source(args[1])
out <- args[2]; tmp <- args[3]; groups <- args[-(1:3)]
for (g in groups) {
  df <- read_osteosim(out, g)
  ref <- file.path(tmp, paste0("ref_", gsub("/", "_", g), ".tsv"))
  if (!file.exists(ref)) {            # stacked subgroups
    stopifnot(names(df)[1] == "table", nrow(df) > 0)
    cat(g, dim(df), "(stacked)\n")
    next
  }
  for (line in readLines(ref, encoding = "UTF-8")) {
    p <- strsplit(line, "\t", fixed = TRUE)[[1]]
    col <- p[1]; kind <- p[2]; want <- p[-(1:2)]
    got <- df[[col]]
    if (length(want) < nrow(df)) want <- c(want, rep("", nrow(df) - length(want)))
    if (kind == "f") {
      if (!is.factor(got)) stop(g, "/", col, ": not a factor")
      if (!identical(as.character(got), want)) stop(g, "/", col, ": labels differ")
    } else if (kind == "s") {
      if (!identical(gsub("[\t\n]", " ", got), want)) stop(g, "/", col, ": strings differ")
    } else {
      w <- as.numeric(want)
      if (!isTRUE(all(got == w | (is.na(got) & is.na(w))))) stop(g, "/", col, ": numbers differ")
    }
  }
  cat(g, dim(df), "\n")
}
e <- read_osteosim(out, "economics")
stopifnot(is.factor(e$arm), levels(e$arm)[1] == "status_quo", "reference" %in% as.character(e$dominance))
stopifnot(nzchar(attr(e, "units")[["cost_discounted"]]))
p <- read_osteosim(out, "parameters")
stopifnot("used" %in% as.character(p$table), nrow(read_osteosim(out, "parameters/unused")) == 0)  # -o and --threads count as used
d <- read_osteosim(out, "demography")
stopifnot(is.factor(d$sex), attr(d, "units")[["population/value"]] == "persons")
cat("R reader ok\n")
R
echo "readers: ok"
