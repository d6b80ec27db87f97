#!/usr/bin/python3
"""Prints the arms comparison of a run as the Markdown table of
docs/interventions.md: totals over all simulated years against the
reference arm, from /economics (fractures averted by site, falls, deaths,
discounted QALYs, life-years, costs, ICER, net monetary benefit at each
threshold, dominance and the efficiency frontier).

usage: scripts/arms_table.py OUT.h5
"""
import sys

import h5py
import numpy as np

DOMINANCE = {0: "", 1: "dominated", 2: "extendedly dominated", 3: ""}
FRONTIER = {0: "on the frontier", 1: "dominated", 2: "extendedly dominated"}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip())
    try:
        f = h5py.File(sys.argv[1], "r")
        e = f["economics"]
    except (OSError, KeyError) as err:
        sys.exit(f"arms_table.py: {sys.argv[1]}: not an osteosim output with /economics ({err})")
    cur = e.attrs.get("currency", "")
    cur = cur.decode() if isinstance(cur, bytes) else cur
    names = [n.decode() for n in e["arm_name"][:]]
    ref = int(e.attrs.get("reference", 0))
    sites = ("hip", "vertebral", "wrist", "other")
    nmb = sorted(k for k in e if k.startswith("nmb_"))
    print(f"| arm | fractures averted | {' | '.join(sites)} | falls averted | deaths averted | "
          f"QALYs gained (disc.) | life-years gained (disc.) | programme cost (disc., {cur} bn) | "
          f"incremental cost (disc., {cur} bn) | ICER ({cur}/QALY) | NMB at {'/'.join(k[4:] for k in nmb)} "
          f"x GDP ({cur} bn) | dominance | frontier |")
    print("|" + "---|" * (12 + len(sites)))
    mega = lambda v: f"{v / 1e6:.2f} M"
    for a, name in enumerate(names):
        if a == ref:
            continue
        by_site = [mega(e[f"fractures_{s}"][ref] - e[f"fractures_{s}"][a]) for s in sites]
        icer = e["icer"][a]
        cells = [name, mega(e["fractures_averted"][a]), *by_site, mega(e["falls_averted"][a]),
                 mega(e["deaths_averted"][a]), mega(e["incremental_qaly"][a]),
                 mega(e["incremental_life_years"][a]), f"{e['programme_cost_discounted'][a] / 1e9:.0f}",
                 f"{e['incremental_cost'][a] / 1e9:.1f}",
                 "dominant" if np.isnan(icer) and e["incremental_cost"][a] < 0 else f"{icer:,.0f}",
                 "/".join(f"{e[k][a] / 1e9:.0f}" for k in nmb),
                 DOMINANCE.get(int(e["dominance"][a]), ""), FRONTIER.get(int(e["frontier"][a]), "")]
        print("| " + " | ".join(cells) + " |")
    fi = e["frontier_icer"][:]
    print()
    print("frontier ICERs: " + ", ".join(f"{names[a]} {fi[a]:,.0f}" for a in range(len(names)) if not np.isnan(fi[a])))


if __name__ == "__main__":
    main()
