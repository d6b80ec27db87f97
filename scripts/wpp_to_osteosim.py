#!/usr/bin/python3
"""Derive osteosim demography tables from UN WPP-format CSVs.

Usage:
    wpp_to_osteosim.py POP.csv MX.csv OUT_DIR MIN_AGE --name NAME [--force]
                       [--migration MIG.csv] [--source TEXT] [--licence TEXT]

Inputs are the long tables of /work/shared/data (README there):
    POP.csv  year,sex,age,age_group,population   (persons, mid-year)
    MX.csv   year,period,sex,age,age_group,mx,... (central death rates)
    MIG.csv  year,period,sex,age,age_group,net_migrants (optional: net
             migrants over each 5-year period, negative = net emigration)
Outputs OUT_DIR/NAME_population.csv and OUT_DIR/NAME_mortality.csv (and
with --migration OUT_DIR/NAME_migration.csv, the table of the optional key
demography.migration_file) in the osteosim format `year,sex,age,value`
(docs/demography.md), keeping the age
groups that start at MIN_AGE or above (45 keeps the group below 50, which the
model needs to split groups into single ages).  Lines starting with '#' carry
the source and licence.  An existing output is not replaced without --force
(a forgotten --name must not overwrite another country's tables), and each
file is written under a temporary name and renamed when complete.  Only the
standard library is used.
"""
import argparse
import csv
import os
import sys

DEFAULT_SOURCE = ("United Nations, Department of Economic and Social Affairs, "
                  "Population Division (2024). World Population Prospects 2024, "
                  "Medium variant. Data accessed via the wpp2024 R package "
                  "(github.com/PPgp/wpp2024)")
DEFAULT_LICENCE = ("CC BY 3.0 IGO (https://creativecommons.org/licenses/by/3.0/igo/); "
                   "this file is an adaptation (age groups below MIN_AGE dropped)")


def die(msg):
    sys.stderr.write("wpp_to_osteosim: %s\n" % msg)
    sys.exit(2)


def read_rows(path, value_col, signed=False):
    """Yields (year, sex, age, value_text) from a WPP-format CSV."""
    try:
        f = open(path, newline="")
    except OSError as e:
        die("%s: cannot open: %s" % (path, e.strerror))
    with f:
        rd = csv.DictReader(f)
        for col in ("year", "sex", "age", value_col):
            if col not in (rd.fieldnames or []):
                die("%s:1: missing column '%s'" % (path, col))
        for row in rd:
            line = rd.line_num
            try:
                year, age = int(row["year"]), int(row["age"])
                value = float(row[value_col])
            except ValueError:
                die("%s:%d: non-numeric year, age or %s" % (path, line, value_col))
            sex = row["sex"].strip().lower()
            if sex not in ("female", "male"):
                die("%s:%d: sex must be female or male, not '%s'" % (path, line, sex))
            if value < 0 and not signed:
                die("%s:%d: negative %s" % (path, line, value_col))
            yield year, sex, age, row[value_col].strip()


def write_table(path, rows, what, src, args):
    rows = sorted(rows, key=lambda r: (r[0], r[1], r[2]))
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w", newline="") as f:
        f.write("# osteosim demography table: %s\n" % what)
        f.write("# source: %s\n" % args.source)
        f.write("# licence: %s\n" % args.licence.replace("MIN_AGE", str(args.min_age)))
        f.write("# derived by scripts/wpp_to_osteosim.py from %s (ages >= %d)\n"
                % (os.path.basename(src), args.min_age))
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["year", "sex", "age", "value"])
        for r in rows:
            w.writerow(r)
    os.replace(tmp, path)
    return len(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("population_csv")
    ap.add_argument("mortality_csv")
    ap.add_argument("out_dir")
    ap.add_argument("min_age", type=int)
    ap.add_argument("--name", required=True, help="output file prefix, e.g. the country (japan)")
    ap.add_argument("--force", action="store_true", help="replace existing output files")
    ap.add_argument("--migration", metavar="MIG.csv",
                    help="WPP net migrants by period, sex and age group: also write NAME_migration.csv")
    ap.add_argument("--source", default=DEFAULT_SOURCE)
    ap.add_argument("--licence", default=DEFAULT_LICENCE)
    args = ap.parse_args()
    if args.min_age < 0 or args.min_age >= 50:
        die("min_age must be in 0..49 (osteosim needs the group below 50)")

    pop = [(y, s, a, v) for y, s, a, v in read_rows(args.population_csv, "population")
           if a >= args.min_age]
    mx = [(y, s, a, v) for y, s, a, v in read_rows(args.mortality_csv, "mx")
          if a >= args.min_age]
    tables = [(pop, args.population_csv), (mx, args.mortality_csv)]
    mig = None
    if args.migration:
        mig = [(y, s, a, v) for y, s, a, v in read_rows(args.migration, "net_migrants", True)
               if a >= args.min_age]
        tables.append((mig, args.migration))
    for rows, path in tables:
        if not rows:
            die("%s: no rows with age >= %d" % (path, args.min_age))
        ages = sorted({r[2] for r in rows})
        if 50 not in ages or ages[0] >= 50:
            die("%s: age groups must include 50 and one group below it" % path)
        keys = {(r[0], r[1], r[2]) for r in rows}
        if len(keys) != len(rows):
            die("%s: duplicate (year, sex, age) rows" % path)
        years, sexes = {r[0] for r in rows}, {r[1] for r in rows}
        if len(keys) != len(years) * len(sexes) * len(ages) or len(sexes) != 2:
            die("%s: table is not complete for every year, sex and age group" % path)
    # Whole persons: WPP counts are thousands with three decimals.
    pop = [(y, s, a, "%d" % round(float(v))) for y, s, a, v in pop]
    if mig is not None:
        mig = [(y, s, a, "%d" % round(float(v))) for y, s, a, v in mig]

    os.makedirs(args.out_dir, exist_ok=True)
    p_out = os.path.join(args.out_dir, "%s_population.csv" % args.name)
    m_out = os.path.join(args.out_dir, "%s_mortality.csv" % args.name)
    g_out = os.path.join(args.out_dir, "%s_migration.csv" % args.name)
    for out in (p_out, m_out) + ((g_out,) if mig is not None else ()):
        if os.path.exists(out) and not args.force:
            die("%s exists: not replaced (pass --force to replace it)" % out)
    n1 = write_table(p_out, pop, "population (persons) at 1 July of year, by sex "
                     "and age group (age = first age; last group open)",
                     args.population_csv, args)
    n2 = write_table(m_out, mx, "central death rate mx (deaths per person-year) for "
                     "the period starting 1 January of year (5 years), by sex and age group "
                     "(age = first age; last group open)",
                     args.mortality_csv, args)
    print("wrote %s (%d rows) and %s (%d rows)" % (p_out, n1, m_out, n2))
    if mig is not None:
        n3 = write_table(g_out, mig, "net migrants (persons; negative: net emigration) over "
                         "the period starting 1 January of year (5 years), by sex and age group "
                         "at migration (age = first age; last group open)",
                         args.migration, args)
        print("wrote %s (%d rows)" % (g_out, n3))


if __name__ == "__main__":
    main()
