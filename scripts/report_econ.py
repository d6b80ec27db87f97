"""The cost-effectiveness sections of scripts/report.py: the ICER table with
the efficiency frontier, the PSA summary, the cost-effectiveness plane,
acceptability curves with the frontier (CEAF), expected loss, EVPI and
EVPPI, the tornado diagram of a one-way DSA, and subgroups.

Each section reads its group when the file has it (/economics, /psa/ceac,
/psa/ceaf, /psa/expected_loss, /psa/summary, /psa/evpi, /psa/evppi,
/economics/subgroups, /dsa/oneway); CEAF, expected loss and the PSA summary
are computed here from the /psa rows when their groups are absent (and the
page says which); EVPPI, the tornado and subgroups are never computed
here: without their groups the section says which command writes them.
"""
import numpy as np

import matplotlib.pyplot as plt
from plotlib import esc, fmt, money, words

FRONTIER = {0: "on the frontier", 1: "dominated", 2: "extendedly dominated"}
# Per-draw outcomes of /psa/summary, in words.
PSA_STATS = (("incremental_cost", "extra cost"), ("incremental_qaly", "QALYs gained"),
             ("fractures_averted", "fractures averted"))
TORNADO_ROWS = 15


def scale(values, unit=""):
    """(divisor, words) putting the largest |value| into a readable range."""
    top = max([abs(v) for v in values if np.isfinite(v)] or [0])
    for div, w in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if top >= div:
            return div, f"{w} {unit}".strip()
    return 1.0, unit


def name_of(run, a):
    return words(run.arm_names.get(int(a), f"arm {a}"))


def multi_arm(run):
    return run.econ is not None and len(run.econ["arm"]) > 1


# --------------------------------------------------------------------------
# PSA: per-draw matrices, and what the contract's groups hold


class Psa:
    """The /psa rows as [draw, arm] matrices (arms in /economics order) and
    the decision tables over the /psa/ceac grid, read or computed."""

    def __init__(self, run):
        p, e = run.psa, run.econ
        self.arms = [int(a) for a in e["arm"]]
        self.draws = np.unique(p["draw"])
        di = {d: i for i, d in enumerate(self.draws)}
        ai = {a: i for i, a in enumerate(self.arms)}
        shape = (len(self.draws), len(self.arms))

        def mat(vals):
            m = np.full(shape, np.nan)
            for d, a, v in zip(p["draw"], p["arm"], vals):
                m[di[d], ai[int(a)]] = v
            return m

        self.cost, self.qaly = mat(p["incremental_cost"]), mat(p["incremental_qaly"])
        fr = sum(p[c] for c in ("fractures_hip", "fractures_vertebral", "fractures_wrist",
                                "fractures_other") if c in p)
        frm = mat(fr) if not np.isscalar(fr) else np.zeros(shape)
        self.stat = {"incremental_cost": self.cost, "incremental_qaly": self.qaly,
                     "fractures_averted": frm[:, [ai[run.ref_arm]]] - frm,
                     "cost_discounted": mat(p["cost_discounted"]),
                     "qaly_discounted": mat(p["qaly_discounted"])}
        ceac = run.psa_t.get("ceac")
        self.grid = np.unique(ceac["wtp"]) if ceac is not None else np.array(list(run.wtp))
        self.ceac = ceac
        self.ceaf, self.ceaf_from = self._ceaf(run.psa_t.get("ceaf"))
        self.loss, self.loss_from = self._loss(run.psa_t.get("expected_loss"))
        self.summary, self.summary_from = self._summary(run.psa_t.get("summary"))

    def nmb(self, w):
        return w * self.qaly - self.cost

    def _ceaf(self, t):
        if t is not None and "probability" in t:
            return (np.asarray(t["wtp"]), np.asarray(t["arm"]).astype(int),
                    np.asarray(t["probability"])), "read from <code>/psa/ceaf</code>"
        arm, prob = [], []
        for w in self.grid:
            nmb = self.nmb(w)
            best = int(np.argmax(nmb.mean(axis=0)))
            arm.append(self.arms[best])
            prob.append(float(np.mean(np.argmax(nmb, axis=1) == best)))
        return ((self.grid, np.array(arm), np.array(prob)),
                "computed here from the <code>/psa</code> rows (the file has no <code>/psa/ceaf</code>)")

    def _loss(self, t):
        """{arm: expected loss over the grid}."""
        if t is not None and "expected_loss" in t:
            out = {}
            for a in self.arms:
                sel = np.asarray(t["arm"]) == a
                order = np.argsort(t["wtp"][sel])
                out[a] = (t["wtp"][sel][order], t["expected_loss"][sel][order])
            return out, "read from <code>/psa/expected_loss</code>"
        out = {a: (self.grid, np.empty(len(self.grid))) for a in self.arms}
        for k, w in enumerate(self.grid):
            nmb = self.nmb(w)
            loss = (nmb.max(axis=1, keepdims=True) - nmb).mean(axis=0)
            for i, a in enumerate(self.arms):
                out[a][1][k] = loss[i]
        return out, ("computed here from the <code>/psa</code> rows (the file has no "
                     "<code>/psa/expected_loss</code>)")

    def _summary(self, t):
        """{arm: {stat: (mean, p2.5, p97.5)}}."""
        out = {}
        if t is not None and "arm" in t:
            for i, a in enumerate(np.asarray(t["arm"]).astype(int)):
                out[a] = {k: tuple(float(t[f"{k}_{s}"][i]) for s in ("mean", "p2_5", "p97_5"))
                          for k, _ in PSA_STATS if f"{k}_mean" in t}
            return out, "read from <code>/psa/summary</code>"
        for i, a in enumerate(self.arms):
            out[a] = {k: (float(np.mean(m[:, i])), float(np.percentile(m[:, i], 2.5)),
                          float(np.percentile(m[:, i], 97.5))) for k, m in self.stat.items()}
        return out, "computed here from the <code>/psa</code> rows (the file has no <code>/psa/summary</code>)"

    def p_ce(self, a, w):
        """Probability arm A is cost-effective at threshold W (/psa/ceac)."""
        if self.ceac is not None:
            sel = self.ceac["arm"] == a
            return float(np.interp(w, self.ceac["wtp"][sel], self.ceac["probability"][sel]))
        nmb = self.nmb(w)
        return float(np.mean(np.argmax(nmb, axis=1) == self.arms.index(a)))


def interval(t, div=None, digits=3):
    """'mean (p2.5 to p97.5)', scaled to words when DIV is None."""
    unit = ""
    if div is None:
        div, unit = scale(t)
        unit = " " + unit if unit else ""
    m, lo, hi = (v / div for v in t)
    return f"{m:,.{digits}g}{unit} ({lo:,.{digits}g} to {hi:,.{digits}g}{unit})"


# --------------------------------------------------------------------------
# Sections


def threshold_words(run, k):
    m = run.gdp_multiple[k] if k < len(run.gdp_multiple) else None
    w = f"{run.cur} {run.wtp[k]:,.0f} per QALY"
    return w + (f" ({m:g} &times; GDP per person)" if m else "")


def mark_thresholds(ax, run):
    """The scenario's thresholds as dashed lines labelled at the top."""
    for k, t in enumerate(run.wtp):
        ax.axvline(t / 1e3, color="grey", ls="--", lw=0.8)
        m = run.gdp_multiple[k] if k < len(run.gdp_multiple) else None
        ax.annotate(f"{m:g}× GDP" if m else f"{t:,.0f}", (t / 1e3, 1), xycoords=("data", "axes fraction"),
                    xytext=(2, -10), textcoords="offset points", fontsize=7, color="grey")


def icer_section(run):
    e, cur = run.econ, run.cur
    out = ["<h2>Cost-effectiveness</h2>"]
    order = np.argsort(e["cost_discounted"], kind="stable")
    # Totals and increments differ by orders of magnitude: a scale each.
    dt, tw = scale(e["cost_discounted"], cur)
    dtq, tqw = scale(e["qaly_discounted"], "QALYs")
    dc, cw = scale(np.concatenate([e["incremental_cost"]] + [e[f"nmb_{k + 1}"] for k in range(len(run.wtp))
                                                             if f"nmb_{k + 1}" in e]), cur)
    dq, qw = scale(e["incremental_qaly"], "QALYs")
    nmbk = [k for k in range(len(run.wtp)) if f"nmb_{k + 1}" in e]
    out.append(f"<p>Totals {run.years[0]}&ndash;{run.years[-1]}, costs and QALYs discounted, arms in "
               f"order of cost, against the reference arm ({esc(name_of(run, run.ref_arm))}). "
               "The <b>efficiency frontier</b> keeps the arms that no other arm, or mix of two "
               "arms, beats; its <b>sequential ICER</b> is the extra cost per extra QALY against "
               "the previous arm on the frontier. <b>Net monetary benefit</b> (NMB) = threshold "
               "&times; QALYs gained &minus; extra cost: at a threshold, the arm with the highest "
               "NMB is the one to choose. From <code>/economics</code>.</p>")
    head = ["arm", f"cost ({tw})", f"QALYs ({tqw})", f"extra cost ({cw})", f"QALYs gained ({qw})",
            "fractures averted", f"ICER against {esc(name_of(run, run.ref_arm))} ({cur}/QALY)",
            "against the reference", "efficiency frontier", f"sequential ICER ({cur}/QALY)"]
    head += [f"NMB at {run.wtp[k]:,.0f} ({cw})" for k in nmbk]
    dom = run.econ_t.labels("dominance")
    out.append("<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>")
    for i in order:
        cells = [esc(name_of(run, e["arm"][i])), fmt(e["cost_discounted"][i] / dt),
                 fmt(e["qaly_discounted"][i] / dtq), fmt(e["incremental_cost"][i] / dc),
                 fmt(e["incremental_qaly"][i] / dq), fmt(e["fractures_averted"][i]),
                 fmt(e["icer"][i]), esc(dom.get(int(e["dominance"][i]), "")),
                 esc(FRONTIER.get(int(e["frontier"][i]), "")) if "frontier" in e else "n/a",
                 fmt(e["frontier_icer"][i]) if "frontier_icer" in e else "n/a"]
        cells += [fmt(e[f"nmb_{k + 1}"][i] / dc) for k in nmbk]
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    out.append("<p>Best arm at each threshold (highest net monetary benefit): " + "; ".join(
        f"{threshold_words(run, k)}: <b>{esc(name_of(run, e['arm'][int(np.argmax(e[f'nmb_{k + 1}']))]))}</b>"
        for k in nmbk) + ".</p>")
    return out


def basis_words(run):
    """What the PSA draws: from the priors, or from a calibration posterior."""
    if not getattr(run, "psa_basis", ""):
        return "of every parameter with a distribution (from the priors)"
    post = run.provenance.get("posterior_file", "?")
    return (f"<b>from the calibration posterior</b> <code>{esc(post)}</code> "
            f"({esc(run.provenance.get('posterior_hash', ''))}): the calibrated parameters jointly from one "
            "particle per draw, chosen by weight, every other parameter with a distribution from it")


def psa_targets_section(run):
    """The share of PSA draws within the calibration targets
    (/psa/targets_summary), beside another PSA's (--psa-compare)."""
    t = run.psa_t.get("targets_summary")
    if t is None:
        return []
    out = ["<h3>Calibration targets across the PSA draws</h3>"]
    kind = "posterior-based" if getattr(run, "psa_basis", "") else "prior-based"
    share = float(t.g.get("share_all_within", float("nan")))
    nfit = int(t.g.get("fitted_targets", 0))
    other = run.compare[2] if run.compare and run.compare[2] is not None else None
    msg = (f"<p>This PSA is <b>{kind}</b>: {100 * share:.1f}% of its draws meet all {nfit} fitted calibration "
           "targets (within tolerance or twice the draw's Monte Carlo error, as in the run's targets table)")
    if other is not None:
        okind = "posterior-based" if run.compare[1] else "prior-based"
        msg += (f", against {100 * float(other.g.get('share_all_within', float('nan'))):.1f}% in the {okind} "
                f"PSA of <code>{esc(run.compare[0])}</code>")
    out.append(msg + ". A draw outside the targets is a parameter set the data rule out; a PSA from the "
               "calibration posterior keeps the calibrated parameters where the targets put them.</p>")
    head = ["target", "observed", "tolerance", "model: mean [95% of draws]", "share within"]
    oshare = {}
    if other is not None:
        head.append("share within (compared PSA)")
        oshare = dict(zip(other["target"], other["share_within"]))
    out.append("<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>")
    for i, name in enumerate(t["target"]):
        if t["weight"][i] <= 0 or not np.isfinite(t["mean"][i]):
            continue
        cells = [esc(name), f"{t['observed'][i]:.4g}", f"{t['tolerance'][i]:.3g}",
                 f"{t['mean'][i]:.4g} [{t['q025'][i]:.4g}, {t['q975'][i]:.4g}]", f"{t['share_within'][i]:.2f}"]
        if other is not None:
            cells.append(f"{oshare[name]:.2f}" if name in oshare else "n/a")
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    return out


def psa_section(run, psa):
    out = ["<h2>Uncertainty: probabilistic sensitivity analysis</h2>"]
    if psa is None:
        return out + ["<p>No <code>/psa</code> in this file: <code>osteosim run SCENARIO --psa N</code> "
                      "draws every parameter with a distribution N times and writes it.</p>"]
    e = run.econ
    dc, cw = scale(e["incremental_cost"], run.cur)
    out.append(f"<p>{len(psa.draws)} draws {basis_words(run)}, each run over the "
               "same virtual people. Mean and 95% interval (2.5% to 97.5% of the draws) of the "
               f"incremental totals {run.years[0]}&ndash;{run.years[-1]} against "
               f"{esc(name_of(run, run.ref_arm))}; {psa.summary_from}. Probability cost-effective "
               "= share of draws in which the arm has the highest net monetary benefit "
               "(<code>/psa/ceac</code>).</p>")
    head = ["arm", f"extra cost ({cw})", "QALYs gained", "fractures averted"]
    head += [f"P(cost-effective) at {w:,.0f}" for w in run.wtp]
    out.append("<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>")
    for a in psa.arms:
        s = psa.summary.get(a, {})
        cells = [esc(name_of(run, a))]
        for k, div in (("incremental_cost", dc), ("incremental_qaly", None), ("fractures_averted", None)):
            cells.append(interval(s[k], div) if k in s else "n/a")
        cells += [f"{psa.p_ce(a, w):.2f}" for w in run.wtp]
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    return out + psa_targets_section(run)


def plane_section(run, psa, figs):
    e, cur = run.econ, run.cur
    out = ["<h2>Cost-effectiveness plane</h2>"]
    dc, cw = scale(e["incremental_cost"], cur)
    dq, qw = scale(e["incremental_qaly"], "QALYs")
    fig, ax = plt.subplots(figsize=(7.6, 5.4))
    for i, a in enumerate(e["arm"]):
        a = int(a)
        color = f"C{i % 10}"
        if psa is not None and a != run.ref_arm:
            j = psa.arms.index(a)
            ax.scatter(psa.qaly[:, j] / dq, psa.cost[:, j] / dc, s=9, alpha=0.35, color=color, lw=0)
        ax.scatter(e["incremental_qaly"][i] / dq, e["incremental_cost"][i] / dc, s=70, color=color,
                   edgecolor="black", zorder=3, label=name_of(run, a))
    if "frontier" in e:
        on = [i for i in np.argsort(e["cost_discounted"]) if e["frontier"][i] == 0]
        ax.plot(e["incremental_qaly"][on] / dq, e["incremental_cost"][on] / dc, color="black", lw=1.2,
                zorder=2, label="efficiency frontier")
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    xs = np.array([min(x0, 0), max(x1, 0)])
    for k, w in enumerate(run.wtp):
        ax.plot(xs, w * xs * dq / dc, ls=("--", ":", "-.")[k % 3], color="grey", lw=0.9,
                label=f"threshold {w:,.0f} {cur} per QALY")
    ax.set_xlim(*xs)
    ax.set_ylim(min(y0, 0), max(y1, 0))
    ax.axhline(0, color="black", lw=0.5)
    ax.axvline(0, color="black", lw=0.5)
    ax.set_xlabel(f"QALYs gained ({qw}, discounted)")
    ax.set_ylabel(f"extra cost ({cw}, discounted)")
    ax.set_title(f"Against {name_of(run, run.ref_arm)}"
                 + (f": point estimates and {len(psa.draws)} PSA draws" if psa is not None else ""),
                 fontsize=10)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.grid(alpha=0.3)
    out.append("<p>Each arm against the reference: right is more health, up is more cost. Below a "
               "threshold line an arm is worth its cost at that threshold. The black line joins "
               "the arms on the efficiency frontier"
               + (", the small dots are the PSA draws" if psa is not None else "") + ".</p>")
    out.append(figs.save(fig, "ce-plane"))
    return out


def ceac_section(run, psa, figs):
    out = ["<h2>Acceptability curves and frontier (CEAC, CEAF)</h2>"]
    if psa is None or psa.ceac is None:
        return out + ["<p>No <code>/psa/ceac</code>: written by <code>osteosim run SCENARIO --psa N</code>.</p>"]
    c = psa.ceac
    fig, ax = plt.subplots(figsize=(7.4, 4.4))
    for i, a in enumerate(psa.arms):
        sel = c["arm"] == a
        ax.plot(c["wtp"][sel] / 1e3, c["probability"][sel], color=f"C{i % 10}", label=name_of(run, a))
    w, arm, prob = psa.ceaf
    ax.scatter(w / 1e3, prob, s=28, facecolor="none", edgecolor="black", zorder=3,
               label="frontier (CEAF): the arm with the highest expected NMB")
    mark_thresholds(ax, run)
    ax.set_xlabel(f"willingness to pay (thousand {run.cur} per QALY)")
    ax.set_ylabel("probability cost-effective")
    ax.set_ylim(-0.02, 1.02)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.grid(alpha=0.3)
    out.append("<p>Probability that each arm has the highest net monetary benefit, over thresholds "
               "(<code>/psa/ceac</code>). Circles: the acceptability frontier, the probability of the "
               f"arm a decision maker would choose (highest expected NMB) at each threshold; {psa.ceaf_from}. "
               "Dashed lines: the scenario's thresholds.</p>")
    out.append(figs.save(fig, "ceac"))
    rows = []
    for k, t in enumerate(run.wtp):
        j = int(np.argmin(abs(w - t)))
        rows.append(f"<tr><td>{threshold_words(run, k)}</td><td>{esc(name_of(run, arm[j]))}</td>"
                    f"<td>{prob[j]:.2f}</td></tr>")
    out.append("<table><tr><th>threshold</th><th>arm chosen (highest expected NMB)</th>"
               "<th>probability it is the best</th></tr>" + "".join(rows) + "</table>")
    return out


def loss_section(run, psa, figs):
    out = ["<h2>Expected loss</h2>"]
    if psa is None:
        return out + ["<p>No <code>/psa</code>: run with <code>--psa N</code>.</p>"]
    vals = np.concatenate([v for _, v in psa.loss.values()])
    div, cw = scale(vals, run.cur)
    fig, ax = plt.subplots(figsize=(7.4, 4.4))
    for i, a in enumerate(psa.arms):
        w, v = psa.loss[a]
        ax.plot(w / 1e3, v / div, color=f"C{i % 10}", label=name_of(run, a))
    ev = run.psa_t.get("evpi")
    if ev is not None:
        ax.plot(ev["wtp"] / 1e3, ev["evpi_population"] / div, color="black", ls=":", lw=2,
                label="EVPI (the lowest expected loss)")
    mark_thresholds(ax, run)
    ax.set_xlabel(f"willingness to pay (thousand {run.cur} per QALY)")
    ax.set_ylabel(f"expected loss ({cw})")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.grid(alpha=0.3)
    out.append("<p>Expected loss of choosing each arm: the mean, over the PSA draws, of the net "
               "monetary benefit forgone against the best arm of that draw (population, "
               f"{run.years[0]}&ndash;{run.years[-1]}); the lowest curve is the arm to choose and "
               f"its loss is the EVPI; {psa.loss_from}.</p>")
    out.append(figs.save(fig, "expected-loss"))
    return out


def voi_section(run, psa, figs):
    out = ["<h2>Value of information (EVPI)</h2>"]
    ev = run.psa_t.get("evpi") if psa is not None else None
    if ev is None:
        return out + ["<p>No <code>/psa/evpi</code>: written by <code>osteosim run SCENARIO --psa N</code>.</p>"]
    div, cw = scale(ev["evpi_population"], run.cur)
    fig, ax = plt.subplots(figsize=(9, 4.2))
    ax.plot(ev["wtp"] / 1e3, ev["evpi_population"] / div, color="black")
    mark_thresholds(ax, run)
    ax.set_xlabel(f"willingness to pay (thousand {run.cur} per QALY)")
    ax.set_ylabel(f"EVPI, whole population ({cw})")
    ax.set_ylim(bottom=0)
    pp = ev["evpi_per_person"]
    ratio = float(np.max(ev["evpi_population"]) / np.max(pp)) if np.max(pp) > 0 else 0
    if ratio > 0:
        sec = ax.secondary_yaxis("right", functions=(lambda y: y * div / ratio, lambda y: y * ratio / div))
        sec.set_ylabel(f"per person aged 50+ ({run.cur})")
    ax.grid(alpha=0.3)
    out.append("<p>Expected value of perfect information: what removing all parameter uncertainty "
               "would be worth, in net monetary benefit, at each threshold (<code>/psa/evpi</code>). "
               "Research costing less than this could change the decision; above it, it cannot.</p>")
    out.append(figs.save(fig, "evpi"))
    rows = "".join(f"<tr><td>{threshold_words(run, k)}</td>"
                   f"<td>{money(float(np.interp(t, ev['wtp'], ev['evpi_population'])), run.cur)}</td>"
                   f"<td>{run.cur} {float(np.interp(t, ev['wtp'], pp)):,.2f}</td></tr>"
                   for k, t in enumerate(run.wtp))
    out.append("<table><tr><th>threshold</th><th>EVPI, population</th><th>EVPI per person</th></tr>"
               + rows + "</table>")
    return out


def evppi_section(run, psa, figs):
    out = ["<h2>EVPPI by parameter group</h2>"]
    t = run.psa_t.get("evppi")
    if t is None:
        return out + ["<p>No <code>/psa/evppi</code> in this file: EVPPI by parameter group is written "
                      "by <code>osteosim run SCENARIO --psa N</code> (osteosim versions with the "
                      "Strong &amp; Oakley regression; about 100 draws or more).</p>"]
    groups = list(dict.fromkeys(t["group"]))
    vals = {}
    for g in groups:
        sel = t["group"] == g
        order = np.argsort(t["wtp"][sel])
        vals[g] = (t["wtp"][sel][order], t["evppi_population"][sel][order], t["evppi_per_person"][sel][order])
    at = [{g: float(np.interp(w, *vals[g][:2])) for g in groups} for w in run.wtp]
    groups.sort(key=lambda g: -at[0][g] if at else 0)
    div, cw = scale([v for d in at for v in d.values()], run.cur)
    fig, ax = plt.subplots(figsize=(9, max(2.5, 0.32 * len(groups) * max(1, len(run.wtp)) / 1.5 + 1)))
    h = 0.8 / max(1, len(run.wtp))
    for k, w in enumerate(run.wtp):
        ax.barh(np.arange(len(groups)) + (k - (len(run.wtp) - 1) / 2) * h, [at[k][g] / div for g in groups],
                h, label=f"at {w:,.0f} {run.cur} per QALY", color=f"C{k}")
    ax.set_yticks(range(len(groups)))
    ax.set_yticklabels([words(g) for g in groups], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(f"EVPPI, whole population ({cw})")
    ax.legend(fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    method = run.psa_t["evppi"].a.get("evppi_population", {}).get("method") or run.psa_t["evppi"].g.get("method", "")
    out.append("<p>Expected value of perfect information about one group of parameters at a time: "
               "how much learning that group exactly would be worth. From <code>/psa/evppi</code>"
               + (f" ({esc(method)})" if method else "") + ".</p>")
    out.append(figs.save(fig, "evppi"))
    gp = run.psa_t.get("evppi_groups")
    members = {}
    if gp is not None and "group" in gp:
        for g, p in zip(gp["group"], gp["parameter"]):
            members.setdefault(g, []).append(p)
    out.append("<table><tr><th>group</th>" + "".join(f"<th>at {w:,.0f} ({cw})</th>" for w in run.wtp)
               + "<th>parameters</th></tr>")
    for g in groups:
        ps = members.get(g, [])
        ptxt = ", ".join(ps[:6]) + (f" and {len(ps) - 6} more" if len(ps) > 6 else "")
        out.append(f"<tr><td>{esc(words(g))}</td>" + "".join(f"<td>{fmt(d[g] / div)}</td>" for d in at)
                   + f"<td>{esc(ptxt)}</td></tr>")
    out.append("</table>")
    return out


def tornado_section(run, figs):
    out = ["<h2>One-way sensitivity analysis (tornado)</h2>"]
    d = run.dsa
    if d is None or d.get("oneway") is None:
        return out + ["<p>No <code>/dsa/oneway</code>: <code>osteosim dsa SCENARIO -o DSA.h5</code> writes "
                      "it; pass the file with <code>--dsa DSA.h5</code> (or report on DSA.h5 itself).</p>"]
    t, base = d["oneway"], d.get("base")
    w = t.a.get("nmb", {}).get("wtp", t.g.get("wtp", run.wtp[0] if len(run.wtp) else float("nan")))
    arms = [int(a) for a in np.unique(t["arm"]) if int(a) != run.ref_arm]
    bnmb = {}
    if base is not None:
        bnmb = {int(a): float(v) for a, v in zip(base["arm"], base["nmb"])}
    arm = max(arms, key=lambda a: bnmb.get(a, -np.inf)) if bnmb else arms[0]
    rows = {}
    for p, b, v, a, nmb in zip(t["parameter"], t["bound"], t["value"], t["arm"], t["nmb"]):
        if int(a) == arm:
            rows.setdefault(p, {})[b] = (float(v), float(nmb))
    b0 = bnmb.get(arm, np.nan)
    ranked = sorted(rows, key=lambda p: -abs(rows[p].get("high", (0, b0))[1] - rows[p].get("low", (0, b0))[1]))
    top = ranked[:TORNADO_ROWS][::-1]
    vals = [v[1] for p in top for v in rows[p].values()] + [b0]
    div, cw = scale(vals, run.cur)
    fig, ax = plt.subplots(figsize=(9, 0.32 * len(top) + 1.4))
    for bound, color, lab in (("low", "C0", "parameter at the low end of its range (2.5% quantile)"),
                              ("high", "C3", "parameter at the high end (97.5% quantile)")):
        x = [rows[p].get(bound, (0, b0))[1] / div for p in top]
        ax.barh(range(len(top)), np.array(x) - b0 / div, left=b0 / div, color=color, alpha=0.8, label=lab)
    ax.axvline(b0 / div, color="black", lw=1)
    ax.set_yticks(range(len(top)))
    ax.set_yticklabels(top, fontsize=8)
    ax.set_xlabel(f"net monetary benefit of {name_of(run, arm)} at {w:,.0f} {run.cur} per QALY ({cw})")
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    ax.grid(axis="x", alpha=0.3)
    out.append(f"<p>Each parameter set to the ends of its range, one at a time, all others at their "
               f"base values (<code>/dsa/oneway</code>{' from ' + esc(d['path']) if d.get('path') else ''}); "
               f"{esc(name_of(run, arm))} (the arm with the highest base-case NMB) against "
               f"{esc(name_of(run, run.ref_arm))}. The {len(top)} parameters that move its NMB most, "
               "largest on top; the line is the base case.</p>")
    out.append(figs.save(fig, "tornado"))
    out.append(f"<table><tr><th>parameter</th><th>low value</th><th>NMB ({cw})</th><th>high value</th>"
               f"<th>NMB ({cw})</th></tr>")
    for p in top[::-1]:
        lo, hi = rows[p].get("low", (np.nan, np.nan)), rows[p].get("high", (np.nan, np.nan))
        out.append(f"<tr><td>{esc(p)}</td><td>{fmt(lo[0])}</td><td>{fmt(lo[1] / div)}</td>"
                   f"<td>{fmt(hi[0])}</td><td>{fmt(hi[1] / div)}</td></tr>")
    out.append("</table>")
    return out


def subgroups_section(run):
    out = ["<h2>Subgroups by sex and age</h2>"]
    t = run.subgroups
    if t is None:
        return out + ["<p>No <code>/economics/subgroups</code> in this file: written by "
                      "<code>osteosim run</code> of a scenario with arms (osteosim versions with "
                      "subgroup cost-effectiveness).</p>"]
    dc, cw = scale(t["incremental_cost"], run.cur)
    nmbk = [k for k in range(len(run.wtp)) if f"nmb_{k + 1}" in t]
    out.append("<p>Costs, QALYs and fractures counted by sex and age band at the time of the event "
               f"(from <code>/economics/subgroups</code>), against {esc(name_of(run, run.ref_arm))}.</p>")
    head = ["sex", "age", "arm", f"extra cost ({cw})", "QALYs gained", f"ICER ({run.cur}/QALY)"]
    head += [f"NMB at {run.wtp[k]:,.0f} ({cw})" for k in nmbk]
    out.append("<table><tr>" + "".join(f"<th>{h}</th>" for h in head) + "</tr>")
    for i in range(len(t["arm"])):
        if int(t["arm"][i]) == run.ref_arm:
            continue
        cells = [esc(t["sex"][i]), esc(t["age_band"][i]), esc(name_of(run, t["arm"][i])),
                 fmt(t["incremental_cost"][i] / dc), fmt(t["incremental_qaly"][i]), fmt(t["icer"][i])]
        cells += [fmt(t[f"nmb_{k + 1}"][i] / dc) for k in nmbk]
        out.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    out.append("</table>")
    return out


def sections(run, figs):
    """Every cost-effectiveness section, or one paragraph for one arm."""
    if not multi_arm(run):
        return ["<h2>Cost-effectiveness</h2>",
                "<p>The run has one arm: there is nothing to compare. A scenario with arms (e.g. "
                "<code>configs/china_programmes.yaml</code>) gives the ICER table, the "
                "cost-effectiveness plane and, with <code>--psa N</code>, acceptability curves "
                "and the value of information.</p>"] + psa_targets_section(run)
    psa = Psa(run) if run.psa is not None else None
    out = icer_section(run) + psa_section(run, psa) + plane_section(run, psa, figs)
    out += ceac_section(run, psa, figs) + loss_section(run, psa, figs) + voi_section(run, psa, figs)
    out += evppi_section(run, psa, figs) + tornado_section(run, figs) + subgroups_section(run)
    return out


def headline(run):
    """Sentences of the plain-language summary about the arms."""
    if not multi_arm(run):
        return []
    e = run.econ
    psa = Psa(run) if run.psa is not None else None
    out = []
    if "frontier" in e:
        on = [i for i in np.argsort(e["cost_discounted"]) if e["frontier"][i] == 0 and int(e["arm"][i]) != run.ref_arm]
        if on:
            steps = ", then ".join(f"{esc(name_of(run, e['arm'][i]))} ({run.cur} {e['frontier_icer'][i]:,.0f} "
                                   "per QALY gained)" for i in on)
            out.append(f"On the efficiency frontier, starting from {esc(name_of(run, run.ref_arm))}: {steps}.")
    if len(run.wtp) and "nmb_1" in e:
        i = int(np.argmax(e["nmb_1"]))
        a = int(e["arm"][i])
        s = (f"At {threshold_words(run, 0)} the arm with the highest net monetary benefit is "
             f"<b>{esc(name_of(run, a))}</b>")
        if a != run.ref_arm:
            s += (f" ({money(e['nmb_1'][i], run.cur)} over {run.years[0]}&ndash;{run.years[-1]}; "
                  f"{fmt(e['fractures_averted'][i])} fractures averted)")
        if psa is not None:
            ps = psa.summary.get(a, {})
            s += f"; it is the best arm in {100 * psa.p_ce(a, run.wtp[0]):.0f}% of {len(psa.draws)} PSA draws"
            if a != run.ref_arm and "incremental_qaly" in ps:
                s += f", with {interval(ps['incremental_qaly'])} QALYs gained (mean and 95% interval)"
            ev = run.psa_t.get("evpi")
            if ev is not None:
                s += (f", and resolving all uncertainty would be worth "
                      f"{money(float(np.interp(run.wtp[0], ev['wtp'], ev['evpi_population'])), run.cur)} (EVPI)")
        out.append(s + ".")
    return out
