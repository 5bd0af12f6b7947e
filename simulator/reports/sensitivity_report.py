"""Writes ``docs/sensitivity.md`` and ``docs/sensitivity.csv`` from real runs (``make sensitivity``).

Two steps, both run through the project's own sweep engine (:func:`simulator.sweeps.sweep.run_sweep`)
and analysis (:func:`simulator.sweeps.analysis.analyze`, which computes the indices with SALib):

1. **Morris screening** of every calibrated parameter over its documented plausible range (the
   design of ``experiments/sensitivity_screening.yaml``) in each of the main scenarios, on final
   and mean EU–Japan cooperation;
2. **Sobol' indices** (S1, ST) of the parameters the baseline screening ranks highest by mu*,
   chosen here from the screening's numbers, at N and 2N base samples, so that the page can say
   how much the indices still move when the sample doubles.

Sweep folders go into a temporary folder that is removed afterwards; only the two doc files are
written, each atomically. Run it as ``python -m simulator.reports.sensitivity_report``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.base.errors import UserError
from simulator.base.yamlio import read_yaml
from simulator.inputs.calibration import default_calibration
from simulator.storage.output import write_text_atomically
from simulator.sweeps.analysis import analyze
from simulator.sweeps.designs import design_size
from simulator.sweeps.experiment import Experiment, experiment_from_dict
from simulator.sweeps.sensitivity import analysis_seed
from simulator.sweeps.sweep import run_complete_sweep

MODULE = "simulator.reports.sensitivity_report"
FINAL = "coop_EU_JPN:final"
MEAN = "coop_EU_JPN:mean"
METRICS = (FINAL, MEAN)
SMALLEST_EFFECT = 0.01
"""The smallest change of a 0-1 cooperation index that matters (as in docs/validation.md and docs/ablation.md)."""
CONVERGENCE_TOLERANCE = 0.05
"""Sobol' indices count as converged when no S1 or ST moves by more than this when N doubles."""
ADDITIVE_SHARE = 0.9
"""The chosen parameters count as acting almost additively when their S1 sum to at least this (and no ST − S1 exceeds
the convergence tolerance)."""
DEFAULT_SCENARIOS = ("baseline", "us_retrenchment", "taiwan_strait_crisis")


@dataclass
class Settings:
    """Sample sizes of the two steps (stated on the page)."""

    trajectories: int = 20
    replicates: int = 2
    sobol_samples: int = 256
    top_morris: int = 15
    top_sobol: int = 8
    workers: int | None = None


@dataclass
class Screening:
    """One scenario's Morris screening: its experiment, indices per metric and wall time."""

    scenario: str
    experiment: Experiment
    indices: dict[str, pd.DataFrame]
    seconds: float


@dataclass
class SobolRun:
    """Sobol' indices of the chosen parameters at one base sample size."""

    samples: int
    experiment: Experiment
    indices: dict[str, pd.DataFrame]
    seconds: float


@dataclass
class Measurements:
    """Everything the page is built from."""

    settings: Settings
    screenings: list[Screening]
    sobol: list[SobolRun]  # N, then 2N
    chosen: list[str]
    seconds: float
    machine: str
    notes: list[str] = field(default_factory=list)


def _run(
    experiment_file: Path, scenario: Path, samples: int, settings: Settings, work: Path, folder: str, **fields: object
) -> tuple[Experiment, dict, float]:
    """Run one sweep into ``work/folder`` and analyse it there.

    The experiment is ``experiment_file``'s, in ``scenario``, with ``samples``, this page's replicates,
    metrics and analysis metric, and any other ``fields`` in place of the file's.
    """
    data = dict(read_yaml(experiment_file).data)
    data.update(
        scenario=str(scenario.resolve()),
        samples=samples,
        replicates=settings.replicates,
        metrics=list(METRICS),
        analysis={"metric": FINAL},
        **fields,
    )
    experiment = experiment_from_dict(data, base_dir=experiment_file.parent)
    started = time.perf_counter()
    result = run_complete_sweep(experiment, work / folder, workers=settings.workers)
    analysis = analyze(result, out=work / f"{folder}-analysis")
    missing = [m for m in METRICS if m not in analysis.indices]
    if missing:
        raise UserError(f"sweep {folder} gave no indices for {', '.join(missing)}: {'; '.join(analysis.notes)}")
    return experiment, analysis.indices, time.perf_counter() - started


def screen(screening_file: Path, scenario: Path, settings: Settings, work: Path) -> Screening:
    """Morris screening of the screening experiment's parameters in ``scenario``.

    The design (parameters, ranges, levels, seed) is the experiment file's; the scenario, the
    number of trajectories and replicates and the metrics are this page's.
    """
    experiment, indices, seconds = _run(
        screening_file,
        scenario,
        settings.trajectories,
        settings,
        work,
        f"morris-{scenario.stem}",
        name=f"screening_{scenario.stem}",
    )
    return Screening(scenario.stem, experiment, indices, seconds)


def top_parameters(indices: pd.DataFrame, k: int) -> list[str]:
    """The ``k`` parameters with the largest mu* (ties in the table's order, NaN never chosen)."""
    ranked = indices.dropna(subset=["mu_star"]).sort_values("mu_star", ascending=False, kind="stable")
    return list(ranked.parameter.head(k))


def sobol(
    sobol_file: Path, scenario: Path, parameters: list[str], samples: int, settings: Settings, work: Path
) -> SobolRun:
    """Sobol' indices of ``parameters`` (each over its plausible range) in ``scenario`` at ``samples`` base samples."""
    experiment, indices, seconds = _run(
        sobol_file,
        scenario,
        samples,
        settings,
        work,
        f"sobol-{samples}",
        name=f"sobol_{samples}",
        parameters={p: {} for p in parameters},
    )
    return SobolRun(samples, experiment, indices, seconds)


def convergence(small: pd.DataFrame, large: pd.DataFrame) -> pd.DataFrame:
    """Per parameter, the change of S1 and ST from the smaller to the larger sample (larger minus smaller)."""
    both = large.merge(small, on="parameter", suffixes=("", "_small"), validate="one_to_one")
    both["dS1"] = both.S1 - both.S1_small
    both["dST"] = both.ST - both.ST_small
    return both


def largest_change(table: pd.DataFrame) -> tuple[float, str, str]:
    """The largest absolute change of S1 or ST in a :func:`convergence` table: size, parameter, index."""
    s1 = table.dS1.abs()
    st = table.dST.abs()
    if s1.max() >= st.max():
        return float(s1.max()), str(table.parameter[s1.idxmax()]), "S1"
    return float(st.max()), str(table.parameter[st.idxmax()]), "ST"


def measure(
    scenarios: Sequence[Path], screening_file: Path, sobol_file: Path, settings: Settings, work: Path
) -> Measurements:
    """Run every sweep of the page (the first scenario is the one the Sobol' step uses)."""
    started = time.perf_counter()
    screenings = [screen(screening_file, s, settings, work) for s in scenarios]
    chosen = top_parameters(screenings[0].indices[FINAL], settings.top_sobol)
    runs = [
        sobol(sobol_file, scenarios[0], chosen, n, settings, work)
        for n in (settings.sobol_samples, 2 * settings.sobol_samples)
    ]
    machine = f"{os.cpu_count()} cores, {platform.platform()}, Python {platform.python_version()}"
    return Measurements(settings, screenings, runs, chosen, time.perf_counter() - started, machine)


def _pm(value: float, conf: float) -> str:
    return f"{value:.3f} ± {conf:.3f}" if np.isfinite(conf) else f"{value:.3f}"


def _provenance(path: str) -> str:
    calibration = default_calibration()
    if path not in calibration:
        return "—"
    p = calibration[path]
    return f"{p.value:g} [{p.low:g}, {p.high:g}], {p.support_class}"


def morris_table(screening: Screening, k: int) -> list[str]:
    """The top ``k`` parameters of one scenario by mu* of final cooperation, with their mean-cooperation indices."""
    final = screening.indices[FINAL].set_index("parameter")
    mean = screening.indices[MEAN].set_index("parameter")
    out = [
        "| Rank | Parameter | Value [range], provenance | mu* final ± 95% | sigma final | mu* mean ± 95% "
        "| sigma mean |",
        "|---|---|---|---|---|---|---|",
    ]
    for rank, name in enumerate(top_parameters(screening.indices[FINAL], k), start=1):
        f, m = final.loc[name], mean.loc[name]
        out.append(
            f"| {rank} | `{name}` | {_provenance(name)} | {_pm(f.mu_star, f.mu_star_conf)} | {f.sigma:.3f} | "
            f"{_pm(m.mu_star, m.mu_star_conf)} | {m.sigma:.3f} |"
        )
    return out


def drivers(screening: Screening, k: int) -> str:
    """One sentence on which parameters drive final cooperation in a scenario, from its Morris numbers."""
    table = screening.indices[FINAL].dropna(subset=["mu_star"])
    ranked = top_parameters(table, len(table))  # ranked once; the top 3, 5 and k are its heads
    top, five, heads = ranked[:3], ranked[:5], ranked[:k]
    by_name = table.set_index("parameter")
    total = float(table.mu_star.sum())
    share = float(table.mu_star.nlargest(5).sum()) / total if total > 0 else float("nan")
    matter = int((table.mu_star >= SMALLEST_EFFECT).sum())
    calibration = default_calibration()
    own = sum(1 for p in heads if p in calibration and calibration[p].support_class in {"assumption", "context"})
    named = ", ".join(f"`{p}` ({by_name.loc[p].mu_star:.3f})" for p in top)
    desire = sum(1 for p in five if p == "model.desire_intercept" or p.startswith("model.weight_"))
    count = "all" if desire == len(five) else f"{desire}"
    return (
        f"In `{screening.scenario}`, final EU–Japan cooperation is driven most by {named}; {count} of the top "
        f"{len(five)} are coefficients of the cooperation-desire equation shared by every actor (its intercept and the "
        "weights of the reasons to cooperate) rather than attributes of one actor or pair, the top five carry "
        f"{share:.0%} of the summed mu*, {matter} of "
        f"{len(table)} parameters have mu* ≥ {SMALLEST_EFFECT:g}, and {own} of the top {len(heads)} rest on the "
        "model's own assumption or on a source that gives only context (no quoted value or direction)."
    )


def sobol_table(measured: Measurements, metric: str) -> tuple[list[str], pd.DataFrame]:
    """S1 and ST at N and 2N with their intervals, and the change between them, for one metric."""
    small, large = measured.sobol
    table = convergence(small.indices[metric], large.indices[metric]).sort_values("ST", ascending=False)
    n, n2 = small.samples, large.samples
    out = [
        f"| Parameter | S1 (N={n2}) ± 95% | ST (N={n2}) ± 95% | S1 (N={n}) | ST (N={n}) | change S1 | change ST |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples():
        out.append(
            f"| `{row.parameter}` | {_pm(row.S1, row.S1_conf)} | {_pm(row.ST, row.ST_conf)} | {row.S1_small:.3f} | "
            f"{row.ST_small:.3f} | {row.dS1:+.3f} | {row.dST:+.3f} |"
        )
    return out, table


def verdict(table: pd.DataFrame, small: int, large: int) -> str:
    """Whether the indices converged by :data:`CONVERGENCE_TOLERANCE`, from the change between the two samples."""
    size, name, index = largest_change(table)
    widest = float(np.nanmax(np.concatenate([table.S1_conf.to_numpy(), table.ST_conf.to_numpy()])))
    ok = size <= CONVERGENCE_TOLERANCE
    return (
        f"Largest change from N={small} to N={large}: {size:.3f} ({index} of `{name}`); "
        + (
            f"within {CONVERGENCE_TOLERANCE:g}, so by this criterion the indices have **converged**"
            if ok
            else f"more than {CONVERGENCE_TOLERANCE:g}, so by this criterion the indices have **not converged**"
        )
        + f". The widest 95% half-width at N={large} is {widest:.3f}."
    )


def additivity(table: pd.DataFrame) -> str:
    """Sum of S1 and the largest ST − S1, and what they say about interactions among the chosen parameters."""
    total, gap = float(table.S1.sum()), float((table.ST - table.S1).max())
    additive = total >= ADDITIVE_SHARE and gap < CONVERGENCE_TOLERANCE
    reading = (
        "the parameters act almost additively: nearly all the variance they cause is explained one at a time"
        if additive
        else "a visible part of the variance comes from interactions among the parameters"
    )
    return f"At the larger sample the S1 sum to {total:.2f} and the largest ST − S1 is {gap:.3f}: {reading}."


def build_page(measured: Measurements) -> str:
    """The Markdown text of docs/sensitivity.md."""
    s = measured.settings
    first = measured.screenings[0]
    exp = first.experiment
    d = len(exp.factors)
    small, large = measured.sobol
    k_sobol = len(measured.chosen)
    seeds = ", ".join(str(x) for x in sorted({x.experiment.seed for x in measured.screenings}))
    out = [
        "# Sensitivity of EU–Japan cooperation to the calibrated parameters",
        "",
        f"Generated by `python -m {MODULE}` (`make sensitivity`) from real runs; do not edit by hand.",
        "Every index is in [sensitivity.csv](sensitivity.csv).",
        "",
        "## How it was made",
        "",
        f"- **Screening** (Morris elementary effects): every one of the {d} parameters that the screening experiment",
        "  varies (`experiments/sensitivity_screening.yaml`: every calibrated parameter), each over its documented",
        f"  plausible range, {s.trajectories} trajectories on a {exp.levels}-level grid, so "
        f"{design_size(exp):,} points",
        f"  per scenario, {s.replicates} replicates per point (worlds share random numbers by replicate, so",
        "  differences between points are the effect of the parameters). Scenarios: "
        + ", ".join(f"`scenarios/{x.scenario}.yaml`" for x in measured.screenings)
        + ".",
        "- **Outputs**: final EU–Japan cooperation (`coop_EU_JPN:final`, the last quarter) and its mean over the run",
        "  (`coop_EU_JPN:mean`), each averaged over a point's replicates before the indices are computed.",
        "- **mu*** is the mean absolute elementary effect in cooperation units per full range of the parameter,",
        "  with the half-width of its 95% bootstrap interval; **sigma** is the spread of the effects (non-linearity",
        "  or interaction with other parameters).",
        f"- **Variance-based indices** (Sobol', Saltelli sampling): the {k_sobol} parameters with the highest mu* of",
        f"  final cooperation in the `{first.scenario}` screening, chosen by the generator from that result, each",
        f"  over its plausible range, at N={small.samples} and N={large.samples} base samples",
        f"  ({design_size(small.experiment):,} and {design_size(large.experiment):,} points, {s.replicates} replicates",
        "  each); the other parameters stay at their calibrated values. S1 is the share of variance a parameter",
        "  explains alone, ST adds its interactions; ± is the half-width of the 95% bootstrap interval.",
        "- **Convergence criterion**: the indices count as converged when no S1 or ST changes by more than",
        f"  {CONVERGENCE_TOLERANCE:g} when the base sample doubles from N={small.samples} to N={large.samples}.",
        f"- **Smallest effect that matters**: {SMALLEST_EFFECT:g} on the 0–1 cooperation index (as in",
        "  [validation.md](validation.md)); a parameter with mu* below it moves cooperation, on average, by less",
        "  than that across its whole plausible range.",
        f"- **Seeds**: {seeds} (the scenarios' own) for the worlds and the designs; SALib's bootstrap seed",
        f"  {', '.join(str(x) for x in sorted({analysis_seed(exp), analysis_seed(small.experiment)}))}.",
        "- **Indices** are computed by the sweep analysis (`eujsim analyze`, SALib), the same as for any sweep.",
        f"- **Runtime**: {measured.seconds:.0f} s in all ("
        + ", ".join(f"screening `{x.scenario}` {x.seconds:.0f} s" for x in measured.screenings)
        + f", Sobol' N={small.samples} {small.seconds:.0f} s, N={large.samples} {large.seconds:.0f} s) on "
        f"{measured.machine}, shared with other work.",
        "",
        "These are small designs chosen to run in minutes: the intervals below say how far each number can be",
        "trusted, and nothing here is claimed beyond them.",
        "",
        "## Screening: which parameters matter",
        "",
    ]
    for screening in measured.screenings:
        out += [f"- {drivers(screening, s.top_morris)}"]
    for screening in measured.screenings:
        out += [
            "",
            f"### `{screening.scenario}`: top {s.top_morris} by mu* of final cooperation",
            "",
            "Value [range] is the calibrated value and plausible range; provenance is what the cited source",
            "supports (value, direction, context) or `assumption` when no source is quoted.",
            "",
            *morris_table(screening, s.top_morris),
        ]
    out += [
        "",
        f"## Variance-based indices of the top {k_sobol} (`{first.scenario}`)",
        "",
        "Chosen from the screening by mu* of final cooperation: " + ", ".join(f"`{p}`" for p in measured.chosen) + ".",
    ]
    for metric in METRICS:
        lines, table = sobol_table(measured, metric)
        out += [
            "",
            f"### `{metric}`",
            "",
            *lines,
            "",
            additivity(table) + " " + verdict(table, small.samples, large.samples),
        ]
    out.append("")
    return "\n".join(out)


def build_csv(measured: Measurements) -> pd.DataFrame:
    """Every index the page uses, one row per analysis, scenario, metric and parameter."""
    frames = []
    for screening in measured.screenings:
        for metric in METRICS:
            frames.append(
                screening.indices[metric].assign(
                    analysis="morris",
                    scenario=screening.scenario,
                    metric=metric,
                    samples=measured.settings.trajectories,
                )
            )
    for run in measured.sobol:
        for metric in METRICS:
            frames.append(
                run.indices[metric].assign(
                    analysis="sobol", scenario=measured.screenings[0].scenario, metric=metric, samples=run.samples
                )
            )
    table = pd.concat(frames, ignore_index=True)
    first = ["analysis", "scenario", "metric", "samples", "parameter"]
    return table[first + [c for c in table.columns if c not in first]]


def write(measured: Measurements, docs: Path) -> None:
    """Write docs/sensitivity.md and docs/sensitivity.csv, each atomically."""
    write_text_atomically(docs / "sensitivity.md", build_page(measured))
    write_text_atomically(
        docs / "sensitivity.csv", build_csv(measured).to_csv(index=False, float_format="%.6g", lineterminator="\n")
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: write docs/sensitivity.md and .csv; exit 2 on a usage error."""
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__)
    parser.add_argument("--scenarios", type=Path, default=Path("scenarios"), help="folder of scenario files")
    parser.add_argument("--scenario", action="append", help="scenario names, baseline first (repeatable)")
    parser.add_argument("--experiments", type=Path, default=Path("experiments"), help="folder of experiment files")
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="where sensitivity.md and .csv go")
    parser.add_argument("--trajectories", type=int, default=Settings.trajectories, help="Morris trajectories")
    parser.add_argument("--replicates", type=int, default=Settings.replicates, help="replicates per point")
    parser.add_argument("--sobol-samples", type=int, default=Settings.sobol_samples, help="N (a power of 2); 2N too")
    parser.add_argument("--top", type=int, default=Settings.top_sobol, help="parameters for the Sobol' step")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    args = parser.parse_args(argv)
    settings = Settings(
        trajectories=args.trajectories,
        replicates=args.replicates,
        sobol_samples=args.sobol_samples,
        top_sobol=args.top,
        workers=args.workers,
    )
    scenarios = [args.scenarios / f"{name}.yaml" for name in (args.scenario or DEFAULT_SCENARIOS)]
    try:
        for path in scenarios:
            if not path.is_file():
                raise UserError(f"no {path.name} in {args.scenarios}; pass --scenarios FOLDER")
        with tempfile.TemporaryDirectory(prefix="eujsim-sensitivity-") as work:
            measured = measure(
                scenarios,
                args.experiments / "sensitivity_screening.yaml",
                args.experiments / "sensitivity_sobol.yaml",
                settings,
                Path(work),
            )
    except UserError as exc:
        print(f"sensitivity: error: {exc}", file=sys.stderr)
        return 2
    write(measured, args.docs)
    print(f"wrote {args.docs / 'sensitivity.md'} and sensitivity.csv in {measured.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
