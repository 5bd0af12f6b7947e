"""Writes ``docs/validation.md`` and the backcast figure from real runs (``make validate``).

Every number in the report comes from running the scenario files through
:mod:`simulator.evaluation.validation`, the same checks the test suite asserts, so the report
cannot claim more than the tests. Run it as ``python -m simulator.reports.validation_report``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from simulator.base.errors import UserError
from simulator.evaluation.history_fit import (
    CUT_POINTS,
    TrackScore,
    coded_history,
    coded_levels,
    score_backcast,
    track_label,
)
from simulator.evaluation.joint_ranges import DEFAULT_POINTS, evaluate_all_joint
from simulator.evaluation.shock_response import event_response
from simulator.evaluation.structural import structural_table
from simulator.evaluation.validation import (
    HEADLINE,
    KNOWN_SHORTFALLS,
    PATTERNS,
    SMALLEST_INDEX_EFFECT,
    Check,
    Estimate,
    History,
    PatternResult,
    RunCache,
    bootstrap,
    deference_boundary,
    evaluate_ranges,
    mean_of,
)
from simulator.inputs.calibration import default_calibration
from simulator.inputs.ensemble import load_ensemble
from simulator.inputs.history import LEVEL_NAMES, CodedHistory
from simulator.inputs.scenario import Scenario
from simulator.presentation.plots import plot_history, plot_history_domains
from simulator.reports.calibration_report import OUT_OF_SAMPLE_CSV, out_of_sample_lines
from simulator.reports.joint_ranges_section import IMAGE_LINK, joint_section, write_failure_plots
from simulator.runs.results import RunResult
from simulator.storage.output import write_text_atomically

BACKCAST = "historical_1991_2024"
FIGURE = Path("img") / "backcast.png"
DOMAIN_FIGURE = Path("img") / "backcast_domains.png"
DEFERENCE_GRID = (0.2, 0.5, 0.8, 1.0)
WEIGHT_GRID = (0.1, 0.4, 0.7, 1.0, 1.5)
RUNS_OUT = 0.01
"""An effect on EU–Japan cooperation below this is treated as having run out."""


@dataclass(frozen=True)
class Tuned:
    """A number of the backcast that P1 or P2 rests on, and how it was chosen.

    Attributes:
        what: The event (shock name) or ``parameters`` for the 1991 world.
        target: Dotted parameter path, or ``magnitude`` for a shock's size.
        why: What the number does for the patterns and what was tried.
    """

    what: str
    target: str
    why: str

    def value(self, scenario: Scenario) -> float:
        """The number as it stands in the scenario file."""
        if self.what == "parameters":
            return scenario.parameters[self.target]
        shock = next(s for s in scenario.shocks if s.name == self.what)
        if self.target == "magnitude":
            return shock.magnitude
        return next(e.value for e in shock.effects if e.target == self.target)


TUNED = (
    Tuned(
        "First Trump term",
        "magnitude",
        "Size of the 2017–2020 retrenchment. Measured with 60 replicates: at 0.35 the abandonment fear it "
        "raises makes 2018–2021 rise about as steeply as 2022–2024 (P1's steepness gap −0.0003 to +0.0016, "
        "fails); at 0.25 the gap's interval clears zero by 0.0004, at 0.15 by 0.0011. The source says the "
        "first term 'left the general Indo-Pacific relatively untouched'.",
    ),
    Tuned(
        "Japan's first NSS",
        "EU_JPN.values",
        "Value convergence credited to the 2013 NSS (added to EU_JPN.values). Lowered from 0.1 together with "
        "the first Trump term's size, so that more of the convergence falls at the 2023 communiqué where the "
        "sources place it; its effect on its own was not measured.",
    ),
    Tuned(
        "parameters",
        "JPN.entrapment_aversion",
        "Japan's reluctance to be drawn into Europe's quarrel with Russia before 2022 (Abe's reticence); "
        "the invasion returns it to the calibrated 0.4. Tried to steepen the post-2022 rise; it moved the "
        "2024 mean by only 0.002 (30 replicates).",
    ),
    Tuned(
        "parameters",
        "JPN.salience_RUS",
        "Japan's weight on Russia before 2022, set from Niquet's wording and not varied; with JPN.linkage "
        "it is what makes Japan's reading move little after Crimea (P2). The invasion raises it to the "
        "calibrated 0.45.",
    ),
    Tuned(
        "parameters",
        "JPN.linkage",
        "Japan reads Russia and China separately until 2022 (P2); set from Niquet's wording and not "
        "varied. The invasion raises it to the calibrated 0.3.",
    ),
    Tuned(
        "parameters",
        "JPN.fiscal_cap",
        "Stands in for the political ceiling near 1% of GDP before 2022. Without it the threat and "
        "hedging responses put Japan at 1.53% of GDP in 2021; the 2022 NSS lifts it to the calibrated 3.",
    ),
)


KIND_MEANING = {
    "validation": "the model reproduces something not put into it (an effect of mechanisms acting together)",
    "verification": (
        "the code does what the ODD says: the effect follows from an ordering, rule or shock given as input"
    ),
    "calibration": (
        "inputs were adjusted until the check held (the backcast's targets), so it is a condition, not evidence"
    ),
}
INVASION = "Russia invades Ukraine"


def _verdict(check: Check) -> str:
    """Substantive, only statistically clear, or not even that."""
    if check.substantive:
        return "clears it"
    return "**clear but below it**" if check.passed else "**not clear**"


def threshold_section(
    calibrated: list[PatternResult], independent: list[PatternResult], facts: dict[str, float]
) -> list[str]:
    """Kinds of check, the smallest effect that matters and why, and every check against it twice."""
    pairs = [
        (c, d, r.pattern.code)
        for r, q in zip(calibrated, independent, strict=True)
        for c, d in zip(r.checks, q.checks, strict=True)
    ]
    out = [
        "## What each check can show, and the smallest effect that matters",
        "",
        "Each check is one of three kinds:",
        "",
        *[f"- **{kind}**: {meaning}." for kind, meaning in KIND_MEANING.items()],
        "",
        f"**The smallest effect that matters** on a 0–1 index is {SMALLEST_INDEX_EFFECT:g}. It is 7% of the 0.15",
        "gap between the milestones that read the scale as observable levels (docs/ODD.md §7.13); it is",
        f"{SMALLEST_INDEX_EFFECT / facts['sd']:.1f} replicate standard deviations of final EU–Japan cooperation "
        f"in the baseline ({facts['sd']:.4f}); and it is {SMALLEST_INDEX_EFFECT / facts['invasion']:.0%} of the",
        "effect of the February 2022 invasion on EU–Japan cooperation by 2024Q4 in the backcast",
        f"({facts['invasion']:+.3f}),",
        "the one large shock whose aftermath the sources describe. A check **clears it** when its whole",
        "95% interval lies beyond the threshold on the claimed side; a check that is statistically clear",
        "but does not clear it is reported as **clear but below it**, not as a pass.",
        "",
        "Every check is measured twice at the calibrated values: with **common random numbers** (every",
        "scenario file's own seed, so compared runs share their random draws and most noise cancels) and",
        "with **independent seeds** (every run its own seed, so a difference carries the full noise of",
        "two samples). An effect that only common random numbers make visible fails the second.",
        "",
        "| # | Check | Kind | Smallest effect that matters | Common random numbers | | Independent seeds | |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for crn, ind, code in pairs:
        side = ">" if crn.direction > 0 else "<"
        threshold = f"{side} {'+' if crn.direction > 0 else '−'}{crn.threshold:.2g} ({crn.threshold_reason})"
        out.append(
            f"| {code} | {crn.claim} | {crn.kind} | {threshold} | {crn.estimate} | {_verdict(crn)} | "
            f"{ind.estimate} | {_verdict(ind)} |"
        )
    out += ["", "**Counts by kind** (checks that clear the smallest effect that matters):", ""]
    for kind in KIND_MEANING:
        sub = [(c, d) for c, d, _ in pairs if c.kind == kind]
        if sub:
            out.append(
                f"- {kind}: {sum(c.substantive for c, _ in sub)} of {len(sub)} with common random numbers, "
                f"{sum(d.substantive for _, d in sub)} of {len(sub)} with independent seeds."
            )
    short = [(c, code) for c, _, code in pairs if not c.substantive]
    out += ["", "**Findings: checks below the smallest effect that matters** (common random numbers):", ""]
    for check, code in short:
        why = KNOWN_SHORTFALLS.get((code, check.claim), "Not yet explained: a new finding.")
        out.append(f"- {code}, *{check.claim}* ({check.estimate}): {why}")
    if not short:
        out.append("- none")
    out.append("")
    return out


def structural_section(table: pd.DataFrame, replicates: int) -> list[str]:
    """Every check under each structural variant of docs/ODD.md §7.15, judged as the checks above."""
    variants = list(dict.fromkeys(table["variant"]))
    out = [
        "## Structural uncertainty: the patterns under other model structures",
        "",
        "Three structural choices of the model can be switched (docs/ODD.md §7.15): cooperation moves",
        "toward the *mean* of the two desires instead of the lower one (`settlement_mean`); a challenger's",
        "overall threat is the probabilistic *union* of its channels instead of the largest",
        "(`threat_union`); constraints *scale* the drivers of desire down instead of subtracting",
        "(`desire_multiplicative`). Each variant sets one option to 1 and the others to 0; the weights",
        "were calibrated in the calibrated structure and are not refitted, so a shortfall measures the",
        f"alternative as calibrated here, not the best it could do ({replicates} replicates per scenario,",
        "common random numbers). A cell reads *clears* (beyond the smallest effect that matters),",
        "*below* (statistically clear but smaller) or **FAIL** (not clear in the claimed direction).",
        "",
        "| # | Check | " + " | ".join(f"`{v}`" for v in variants) + " |",
        "|---|---|" + "---|" * len(variants),
    ]
    order = list(dict.fromkeys(zip(table["pattern"], table["check"], strict=True)))
    for code, claim in order:
        rows = table[(table["pattern"] == code) & (table["check"] == claim)].set_index("variant")
        cells = []
        for v in variants:
            row = rows.loc[v]
            verdict = "clears" if row.substantive else "below" if row.passed else "**FAIL**"
            cells.append(f"{row.effect:+.4f} ({verdict})")
        out.append(f"| {code} | {claim} | " + " | ".join(cells) + " |")
    out += ["", "Checks that are not even statistically clear, per variant:", ""]
    for v in variants:
        failed = table[(table["variant"] == v) & ~table["passed"]]
        names = ", ".join(f"{r.pattern} *{r.check}*" for r in failed.itertuples()) or "none"
        out.append(f"- `{v}`: {len(failed)} of {int((table['variant'] == v).sum())} — {names}.")
    out.append("")
    return out


EARLIER_LOW = CUT_POINTS[0]
"""P1's reading of 'low' before the calibration by ABC: below the structured-dialogue milestone."""


def _earlier_low_sentence(backcast: RunResult) -> str:
    """P1's 'low before 2010' under its earlier reading, kept as a reported sensitivity of the change."""
    coop = backcast.series(HEADLINE)
    before = backcast.quarter_labels.index("2009Q4")
    estimate = bootstrap(mean_of(coop[1 : before + 1].mean(axis=0) - EARLIER_LOW), coop.shape[1])
    verdict = (
        "clear of the smallest effect that matters"
        if -estimate.high > SMALLEST_INDEX_EFFECT
        else "statistically clear but short of the smallest effect that matters"
        if estimate.high < 0
        else "not clear"
    )
    return " ".join(
        (
            f"P1's *low before 2010* reads 'low' as not yet a framework: a mean below {History.LOW:.2f}, where the",
            "coded history's level 2 begins. Until the calibration by approximate Bayesian computation it read",
            f"'below the structured-dialogue milestone ({EARLIER_LOW:.2f})'. That calibration showed the earlier",
            "reading to contradict the coded history, which puts the partnership at level 1 (dialogue, 0.25 and",
            "above) from 1991, and the reading was changed after those results were seen (docs/TRACE.md logs",
            f"it). Under the earlier reading the check gives {estimate} (needs < 0): {verdict}.",
        )
    )


def _calibration_source() -> str:
    """Which `make calibrate` the out-of-sample table comes from: its commit and date."""
    provenance = load_ensemble("calibrated").provenance
    return f"commit `{str(provenance.get('commit', 'unknown'))[:12]}`, {provenance.get('created', 'date unknown')}"


def _fmt_check(check: Check) -> str:
    mark = "pass" if check.substantive else "clear, below the smallest effect" if check.passed else "**FAIL**"
    return f"{check.claim}: {check.estimate} ({mark})"


def _pass(result: PatternResult) -> str:
    return f"{'pass' if result.passed else '**FAIL**'} ({result.margin:+.4f})"


def _boundary_sentence(grid: list[tuple[float, float, Estimate]]) -> str:
    """Where in the grid the effect is smallest inside the documented ranges, and where it runs out."""
    calibration = default_calibration()
    d_param, w_param = calibration["JPN.deference"], calibration["model.weight_deference"]
    inside = [(d, w, e) for d, w, e in grid if d_param.low <= d <= d_param.high and w_param.low <= w <= w_param.high]
    d_min, w_min, e_min = min(inside, key=lambda row: row[2].value)
    gone = [f"({d:g}, {w:g})" for d, w, e in grid if e.low <= RUNS_OUT]
    where = ", ".join(gone) if gone else "no point of the grid"
    return (
        f"Inside the documented ranges the smallest effect is {e_min} at JPN.deference={d_min:g}, "
        f"model.weight_deference={w_min:g}, so retrenchment draws the partners closer throughout them. "
        f"The effect's interval reaches down to {RUNS_OUT} or below at {where} "
        "(JPN.deference, model.weight_deference)."
    )


def _score(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _levels(levels: tuple[int, ...]) -> str:
    return ", ".join(map(str, levels)) or "–"


def history_section(coded: CodedHistory, scores: list[TrackScore], replicates: int) -> list[str]:
    """The backcast scored against the coded history: the scale, the scores, every coded change."""
    domains = [t for t in coded if t != "overall"]
    n_coded, n_gaps = coded.coded_count(domains)
    cuts = ", ".join(f"{c:.2f}" for c in CUT_POINTS)
    out = [
        "## The backcast against the coded history",
        "",
        f"![EU–Japan cooperation per domain, backcast against the coded history]({DOMAIN_FIGURE.as_posix()})",
        "",
        "`simulator/data/history.yaml` codes, from dated passages of the five sources quoted word for word,",
        "the level of EU–Japan security cooperation per domain and year on an ordinal scale:",
        "; ".join(f"{k} {name}" for k, name in LEVEL_NAMES.items()) + " (coding rules in [history.md](history.md)).",
        "Years before a domain's first dated change are gaps,",
        f"not zeros: {n_coded} domain-years are coded and {n_gaps} are gaps. A model intensity reads as the",
        f"level whose band it falls in; the bands begin at the milestones {cuts} (docs/ODD.md §7.13). The cut",
        "points were set from the milestones' names and not adjusted to the backcast; nothing is fitted.",
        "In the figures a grey box is the band of intensities that reads as the coded level.",
        "",
        f"Scores of the backcast ({replicates} replicates; each year's intensity is the mean over its quarters",
        "and the replicates), over the coded years only. *Spearman*: rank correlation of intensity and coded",
        "level (– when the coded level never changes, so there is nothing to rank). *Agreement*: share of",
        "coded years whose mapped level equals the coded one; *within one*: differs by at most one level.",
        "*Pooled* takes every coded domain-year together, so it also ranks the domains against each other.",
        "",
        "| Track | Coded years | Coded levels | Backcast reads as | Spearman | Agreement | Within one |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in scores:
        name = "pooled (all domain-years)" if s.track == "pooled" else track_label(s.track)
        out.append(
            f"| {name} | {s.coded} | {_levels(s.levels)} | {_levels(s.mapped)} | {_score(s.spearman)} | "
            f"{_score(s.agreement)} | {_score(s.within_one)} |"
        )
    out += ["", "Every coded change:", "", "| Track | Year | Level | Source | Why |", "|---|---|---|---|---|"]
    for change in coded.changes():
        out.append(
            f"| {track_label(change.track)} | {change.year} | {change.level} {change.level_name} | "
            f"{change.source.cite} | {change.note} |"
        )
    out.append("")
    return out


def build_report(
    folder: Path, docs: Path, replicates: int, sweep_replicates: int, joint_points: int = DEFAULT_POINTS
) -> tuple[str, bool]:
    """Run everything, draw the figures into ``docs`` and return the report text and overall pass."""
    runs = RunCache(folder, replicates)
    calibrated = [p.evaluate(runs) for p in PATTERNS]
    independent = [p.evaluate(RunCache(folder, replicates, independent=True)) for p in PATTERNS]
    baseline_final = runs("baseline").series(HEADLINE)[-1]
    invasion = event_response(runs(BACKCAST).scenario, INVASION, outputs=(HEADLINE,)).iloc[0]
    facts = {"sd": float(baseline_final.std(ddof=1)), "invasion": float(invasion.peak)}
    ranges = {p.code: evaluate_ranges(p, folder=folder, replicates=sweep_replicates) for p in PATTERNS}
    grid = deference_boundary(DEFERENCE_GRID, WEIGHT_GRID, folder=folder, replicates=sweep_replicates)
    structural = structural_table(folder=folder, replicates=sweep_replicates)
    joint = evaluate_all_joint(folder=folder, points=joint_points)
    write_failure_plots(joint, docs / IMAGE_LINK)
    history = runs(BACKCAST)  # already run for P1 and P2
    backcast = history.scenario
    coded = coded_history()
    scores = score_backcast(history, coded)
    (docs / FIGURE).parent.mkdir(parents=True, exist_ok=True)
    plot_history(history, docs / FIGURE, coded_levels(coded))
    plot_history_domains(history, docs / DOMAIN_FIGURE, coded_levels(coded))

    n_pass = sum(r.passed for r in calibrated)
    range_results = [r for results in ranges.values() for r in results]
    range_pass = sum(r.passed for r in range_results)
    calibration = default_calibration()

    out = [
        "# Validation report",
        "",
        "<!-- Generated by `make validate` (python -m simulator.reports.validation_report); do not edit by hand. -->",
        "",
        "This file is written by `make validate` from real runs of the scenario files in `scenarios/`, using",
        "the checks in `simulator/evaluation/validation.py` that `tests/test_patterns.py` also asserts. Patterns come",
        "from docs/ODD.md §1.2; each is stated in one of the five source documents.",
        "",
        f"- **At the calibrated values: {n_pass} of {len(calibrated)} patterns are statistically clear in the "
        f"claimed direction** ({replicates} replicates per scenario); {sum(r.substantive for r in calibrated)} of "
        f"{len(calibrated)} clear the smallest effect that matters in every check, and "
        f"{sum(r.substantive for r in independent)} of {len(independent)} do so with independent seeds. Most checks "
        "verify the code rather than validate the model; the next section says which is which.",
        f"- **Across the documented ranges of each mechanism's own parameters: {range_pass} of "
        f"{len(range_results)} parameter points pass** ({sweep_replicates} replicates per point).",
        "- **With each mechanism's parameters moved together** over a Latin hypercube of their documented "
        "ranges, the share of points where every check holds in direction: "
        + ", ".join(f"{r.code} {r.holds_share:.0%}" for r in joint)
        + " (section *Joint variation of each mechanism's parameters*).",
        "",
        "**How to read an effect.** `+0.0123 [+0.0101, +0.0145]` is the mean over replicates of the",
        "measured effect, with a 95% percentile-bootstrap interval over replicates (2,000 resamples,",
        "fixed seed). A check is statistically clear if the whole interval lies on the side of zero the",
        "pattern claims, and it passes only if the interval also lies beyond the smallest effect that",
        "matters (next sections). Shock scenarios are",
        "compared with the baseline replicate by replicate: both use seed 2025, so replicate r of each",
        "draws the same random numbers (common random numbers), and the difference is the shock's effect.",
        "",
        "## Patterns at the calibrated values",
        "",
        "| # | Pattern | Source | Scenario(s) | Measured effect [95% interval] | Result |",
        "|---|---|---|---|---|---|",
    ]
    for result in calibrated:
        p = result.pattern
        effects = "<br>".join(_fmt_check(c) for c in result.checks)
        scenarios = ", ".join(f"`{s}`" for s in p.scenarios)
        verdict = "pass" if result.substantive else "clear, below the smallest effect" if result.passed else "**FAIL**"
        out.append(f'| {p.code} | {p.statement} | {p.cite}: "{p.quote}" | {scenarios} | {effects} | {verdict} |')

    out += ["", *threshold_section(calibrated, independent, facts)]
    out += ["", "### What each check measures", ""]
    for result in calibrated:
        out.append(f"- **{result.pattern.code}**")
        out += [f"  - *{c.claim}*: {c.measure}; claimed {'> 0' if c.direction > 0 else '< 0'}." for c in result.checks]

    out += [
        "",
        "## Across the documented parameter ranges",
        "",
        "One parameter at a time, and judged by statistical clearness only (the interval excludes zero on",
        "the claimed side), not by the smallest effect that matters; the next section moves them jointly.",
        "",
        "P3–P10 must also hold when each parameter of the mechanism behind them is moved, one at a",
        "time, to either end of its documented range (`eujsim params`). The cell shows the result and",
        "the margin: the smallest distance of any check's interval from zero on the claimed side.",
        "P1 and P2 are the calibration targets and are not swept.",
        "",
        "| Pattern | Parameter | Range | At the low end | At the high end |",
        "|---|---|---|---|---|",
    ]
    for pattern in PATTERNS:
        results = ranges[pattern.code]
        for i, path in enumerate(pattern.own_parameters):
            low, high = results[2 * i], results[2 * i + 1]
            param = calibration[path]
            out.append(f"| {pattern.code} | `{path}` | {param.low:g}–{param.high:g} | {_pass(low)} | {_pass(high)} |")

    out += ["", *joint_section(joint)]
    out += [
        "",
        "## P4: where the net effect of US retrenchment runs out",
        "",
        "Retrenchment pushes Japan toward the EU through fear of abandonment and holds it back through",
        "deference to Washington. The table gives the effect of `us_retrenchment` on EU–Japan",
        "cooperation (mean 2026Q2–2034Q4, against the baseline, paired by replicate) over a grid of",
        "Japan's deference and the weight of deference in the desire equation. The documented ranges are",
        f"`JPN.deference` {calibration['JPN.deference'].low:g}–{calibration['JPN.deference'].high:g} and "
        f"`model.weight_deference` {calibration['model.weight_deference'].low:g}–"
        f"{calibration['model.weight_deference'].high:g}.",
        "",
        "| `JPN.deference` \\ `model.weight_deference` | " + " | ".join(f"{w:g}" for w in WEIGHT_GRID) + " |",
        "|---" * (len(WEIGHT_GRID) + 1) + "|",
    ]
    for d in DEFERENCE_GRID:
        cells = [f"{e}" for dd, _, e in grid if dd == d]
        out.append(f"| {d:g} | " + " | ".join(cells) + " |")
    out += ["", _boundary_sentence(grid)]
    out += [
        "",
        "## The backcast, 1991–2024 (P1, P2)",
        "",
        f"![EU–Japan cooperation 1991–2024 with the dated events marked]({FIGURE.as_posix()})",
        "",
        f"`scenarios/{BACKCAST}.yaml` starts from a 1991 world (its `parameters`) and reaches the",
        "calibrated world of 2025 through the dated events of the sources; every parameter it moves ends",
        "exactly at its calibrated value (`tests/test_backcast.py`). The backcast is calibration: P1 and",
        "P2 rest on the numbers below, some of them adjusted until the patterns held. No value in",
        "`simulator/data/calibration.yaml` was changed to fit the backcast. The other numbers of the",
        "1991 world and the events were set once from the sources' wording and not adjusted.",
        "",
        _earlier_low_sentence(history),
        "",
        "| Where | Parameter | Value | How it was chosen |",
        "|---|---|---|---|",
    ]
    for tuned in TUNED:
        where = "1991 world" if tuned.what == "parameters" else f"event '{tuned.what}'"
        out.append(f"| {where} | `{tuned.target}` | {tuned.value(backcast):g} | {tuned.why} |")
    out += [
        "",
        "One change to the model itself came out of validation. The overall threat an observer reads",
        "from a challenger was a probabilistic union of the five channels, and it sat near 1 for Japan's",
        "view of China, so a Taiwan blockade could hardly move it and P5 came out reversed. The overall",
        "threat is now the most dangerous channel (docs/ODD.md §7.2).",
        "",
    ]
    out += structural_section(structural, sweep_replicates)
    out += history_section(coded, scores, replicates)
    out += [
        "",
        "## Out of sample and the calibrated ensemble",
        "",
        "`make calibrate` conditions the uncertain parameters on the coded history by approximate Bayesian",
        "computation (rejection) and ships the accepted samples as `simulator/data/ensembles/calibrated.csv`;",
        "docs/calibration.md gives the method, the targets, the tolerance, the acceptance rate and how much each",
        "range shrank. The same prior runs, accepted against the coded history up to 2017 only, predict the years",
        "after it. The table below is read from `docs/calibration_out_of_sample.csv`, which that target wrote",
        f"({_calibration_source()}).",
        "",
        *out_of_sample_lines(docs=docs),
    ]
    unexplained = [
        (r.pattern.code, c.claim)
        for r in calibrated
        for c in r.checks
        if not c.substantive and (r.pattern.code, c.claim) not in KNOWN_SHORTFALLS
    ]
    return "\n".join(out), n_pass == len(calibrated) and range_pass == len(range_results) and not unexplained


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write the report; exit 1 if any pattern fails, 2 on a usage error."""
    parser = argparse.ArgumentParser(prog="python -m simulator.reports.validation_report", description=__doc__)
    parser.add_argument("--scenarios", type=Path, default=Path("scenarios"), help="folder of scenario files")
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="where validation.md and the figure go")
    parser.add_argument("--replicates", type=int, default=100, help="replicates per scenario at calibrated values")
    parser.add_argument("--sweep-replicates", type=int, default=40, help="replicates per parameter point")
    parser.add_argument(
        "--joint-points", type=int, default=DEFAULT_POINTS, help="Latin-hypercube points per pattern (joint variation)"
    )
    args = parser.parse_args(argv)
    try:
        if args.replicates < 2 or args.sweep_replicates < 2:
            raise UserError("--replicates and --sweep-replicates need at least 2 for an interval")
        if args.joint_points < 10:
            raise UserError("--joint-points needs at least 10 points for shares and scenario discovery")
        if not (args.docs / OUT_OF_SAMPLE_CSV).is_file():
            raise UserError(f"no {args.docs / OUT_OF_SAMPLE_CSV}; run `make calibrate` first (it writes that table)")
        if not (args.scenarios / f"{BACKCAST}.yaml").is_file():
            raise UserError(f"no {BACKCAST}.yaml in {args.scenarios}; pass --scenarios FOLDER")
        text, passed = build_report(
            args.scenarios, args.docs, args.replicates, args.sweep_replicates, args.joint_points
        )
    except UserError as exc:
        print(f"validation: error: {exc}", file=sys.stderr)
        return 2
    write_text_atomically(args.docs / "validation.md", text)
    print(
        f"wrote {args.docs / 'validation.md'}, {args.docs / FIGURE} and {args.docs / DOMAIN_FIGURE}; "
        f"{'all pass' if passed else 'SOME FAIL'}"
    )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
