#!/usr/bin/python3
"""Compare an osteosim run with the UN WPP projection it starts from.

Usage: check_demography.py OUT.h5 DATA [--country NAME] [--arm N] [--tol PCT]
                           [--migration MIG.csv]
       check_demography.py OUT.h5 --pack PACK_DIR [--arm N] [--tol PCT]

Prints mid-year (1 July) population aged 50+, 65+ and 80+ by sex in 2030,
2040 and 2050: model (/summary, sum of the bands with age_lo at or above
the threshold) vs WPP 2024, with the % difference.  DATA is the WPP
population table (year,sex,age,...,population) or a directory holding
NAME_population_2025_2050.csv (as ../shared/data), NAME from --country or
else from the first word of the run's /demography label ("China, UN WPP
..." -> china).  With --pack, the table is the country pack's own
population table (demography.population_file of PACK_DIR/demography.yaml,
relative to that file; docs/countries.md), in osteosim's year,sex,age,value
format (a DATA file in that format is read too).  Exits 1 when any
difference exceeds --tol (default 2%),
2 on bad input.

Migration: WPP's population includes net migration, a run without
demography.migration_file does not.  Two more columns show it: `WPP mig`,
the net migrants aged 50+/65+/80+ (age at migration) of the WPP table
(NAME_migration_2025_2050.csv in DATA, or --migration) over the yearly flows
from the run's start year to the year before (period totals / 5), and
`run mig`, the run's own migrants_in - migrants_out over the same years
("-": the run has no migration).  A run without migration is expected to
fall short of WPP by about `WPP mig` (less the migrants' deaths).
"""
import argparse
import csv
import os
import sys

import h5py
import numpy as np

SEXES = ("female", "male")  # /summary sex codes 0, 1
THRESHOLDS = (50, 65, 80)
YEARS = (2030, 2040, 2050)


def die(msg):
    sys.stderr.write("check_demography: %s\n" % msg)
    sys.exit(2)


def wpp_file(data, country, label):
    """The WPP population table to compare with (see the usage)."""
    if os.path.isfile(data):
        return data
    if not os.path.isdir(data):
        die("%s: no such file or directory" % data)
    name = (country or label.split(",")[0].split()[0] if (country or label.strip()) else "").lower()
    path = os.path.join(data, "%s_population_2025_2050.csv" % name)
    if not name or not os.path.isfile(path):
        have = sorted(f[:-len("_population_2025_2050.csv")] for f in os.listdir(data)
                      if f.endswith("_population_2025_2050.csv"))
        die("%s: no population table for '%s' (have: %s); name it with --country"
            % (data, name, ", ".join(have) or "none"))
    return path


def pack_table(pack):
    """The population table named by PACK/demography.yaml."""
    yml = os.path.join(pack, "demography.yaml")
    try:
        import yaml
        with open(yml) as f:
            doc = yaml.safe_load(f) or {}
    except OSError as e:
        die("%s: cannot read: %s" % (yml, e.strerror))
    except yaml.YAMLError as e:
        die("%s: not YAML: %s" % (yml, str(e).splitlines()[0]))
    rel = ((doc.get("demography") or {}).get("population_file") if isinstance(doc, dict) else None)
    if not isinstance(rel, str) or not rel:
        die("%s: no demography.population_file" % yml)
    path = rel if os.path.isabs(rel) else os.path.join(pack, rel)
    if not os.path.isfile(path):
        die("%s: demography.population_file: no such file %s" % (yml, path))
    return path


def wpp_population(path):
    """{(year, sex, age): persons} from a WPP long table (population column)
    or an osteosim table (value column, '#' comment lines)."""
    pop = {}
    try:
        with open(path, newline="") as f:
            rd = csv.DictReader(line for line in f if not line.startswith("#"))
            col = "population" if "population" in (rd.fieldnames or []) else "value"
            for r in rd:
                key = (int(r["year"]), r["sex"], int(r["age"]))
                pop[key] = float(r[col])
    except (OSError, KeyError, ValueError) as e:
        die("%s: not a population table (%s)" % (path, e))
    return pop


def migration_file(data, path_pop, explicit):
    """The WPP migration table beside the population table, or None."""
    if explicit:
        if not os.path.isfile(explicit):
            die("%s: no such file" % explicit)
        return explicit
    cand = path_pop.replace("_population_", "_migration_")
    return cand if cand != path_pop and os.path.isfile(cand) else None


def wpp_migration(path):
    """Yearly net migrants {(year, sex, age)} from 5-year period totals."""
    mig = {}
    with open(path, newline="") as f:
        rd = csv.DictReader(f)
        for col in ("year", "sex", "age", "net_migrants"):
            if col not in (rd.fieldnames or []):
                die("%s:1: missing column '%s'" % (path, col))
        for r in rd:
            y0 = int(r["year"])
            for y in range(y0, y0 + 5):
                mig[(y, r["sex"], int(r["age"]))] = float(r["net_migrants"]) / 5.0
    return mig


def mig_cell(value):
    return "%10s" % "-" if value is None else "%+10.0f" % value


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("output")
    ap.add_argument("data_dir", nargs="?", help="WPP table, or a directory of NAME_population_2025_2050.csv")
    ap.add_argument("--pack", help="country pack directory: compare with its own population table")
    ap.add_argument("--country", help="country of the table in DATA (default: from the run)")
    ap.add_argument("--arm", type=int, default=0)
    ap.add_argument("--tol", type=float, default=2.0, help="largest |%% difference| accepted")
    ap.add_argument("--migration", help="WPP net migration table (default: beside the population table)")
    a = ap.parse_args()
    if (a.data_dir is None) == (a.pack is None):
        die("give either DATA or --pack PACK_DIR")
    try:
        with h5py.File(a.output, "r") as h:
            s = h["summary"]
            year, arm, sex = s["year"][:], s["arm"][:], s["sex"][:]
            age_lo, popn = s["age_lo"][:], s["population"][:]
            label = h["demography"].attrs.get("label", b"") if "demography" in h else b""
            net = s["migrants_in"][:] - s["migrants_out"][:] if "migrants_in" in s else None
    except (OSError, KeyError) as e:
        die("%s: not an osteosim output with /summary (%s)" % (a.output, e))
    label = label.decode() if isinstance(label, bytes) else str(label)
    path = pack_table(a.pack) if a.pack else wpp_file(a.data_dir, a.country, label)
    print("WPP table: %s" % path)
    wpp = wpp_population(path)
    mpath = migration_file(a.data_dir, path, a.migration)
    wmig = wpp_migration(mpath) if mpath else None
    print("WPP migration table: %s; run: %s" % (mpath or "none found",
          "with migration (migrants_in, migrants_out)" if net is not None else "no migration"))
    start = int(year.min()) if len(year) else 0
    print("%-6s %-6s %-4s %14s %14s %8s %10s %10s" % ("year", "sex", "ages", "model", "WPP 2024",
                                                     "diff %", "WPP mig", "run mig"))
    worst = 0.0
    for y in YEARS:
        for si, sname in enumerate(SEXES):
            for t in THRESHOLDS:
                sel = (year == y) & (arm == a.arm) & (sex == si) & (age_lo >= t)
                if not sel.any():
                    print("%-6d %-6s %3d+ %14s" % (y, sname, t, "not simulated"))
                    continue
                model = float(np.sum(popn[sel]))
                ref = sum(v for (yy, ss, aa), v in wpp.items() if yy == y and ss == sname and aa >= t)
                d = 100.0 * (model - ref) / ref
                worst = max(worst, abs(d))
                wm = None if wmig is None else sum(
                    v for (yy, ss, aa), v in wmig.items() if start <= yy < y and ss == sname and aa >= t)
                rm = None
                if net is not None:
                    win = (year >= start) & (year < y) & (arm == a.arm) & (sex == si) & (age_lo >= t)
                    rm = float(np.sum(net[win]))
                print("%-6d %-6s %3d+ %14.0f %14.0f %+8.2f %s %s"
                      % (y, sname, t, model, ref, d, mig_cell(wm), mig_cell(rm)))
    print("largest |difference|: %.2f%% (tolerance %.1f%%)" % (worst, a.tol))
    return 0 if worst <= a.tol else 1


if __name__ == "__main__":
    sys.exit(main())
