"""Analysing a sweep: sensitivity indices, per-point tables and plots in its folder.

``analyze("results/hd")`` reads a sweep folder written by :func:`simulator.sweeps.sweep.run_sweep`
and writes two subfolders into it, replacing files of an earlier analysis one by one
(each through a temporary name and a rename, so a reader never sees half a file):

``indices/``
    ``point_means.csv`` for every method: one row per point with its factor values and,
    per metric, the mean over replicates and the 5% and 95% quantiles across them.
    Sobol sweeps add ``sobol_<metric>.csv`` (first-order S1 and total-order ST with their
    bootstrap confidence half-widths; with ``second_order``, ``sobol2_<metric>.csv`` of the
    pairs), Morris sweeps ``morris_<metric>.csv`` (mu, mu_star,
    its confidence half-width, sigma), both from SALib and sorted most influential first.
    ``README.txt`` says what every file holds.
``plots/``
    ``metric_vs_parameter.png``, ``phase_diagram.png`` (when the experiment has one),
    ``envelopes.png`` and the index chart of the analysis metric; with ``plot_formats`` (``--format``)
    each as ``.svg`` or ``.pdf`` too, or instead.
``analysis/discover/<condition>/``
    Only when conditions are given (``discover=[...]``): where in the inputs each condition holds,
    found by PRIM (:mod:`simulator.sweeps.discovery`).

Choices a reader of the numbers should know:

* A ``first_above`` metric is NaN in a world whose series never reaches the level. Here
  such a world counts as reaching it one quarter after the run (``horizon + 1``), so every
  point has a mean and the indices can be computed; the ``:reached`` column of
  ``point_means.csv`` gives the share of replicates that did reach it within the run.
* Sensitivity indices use each point's mean over its replicates, in design order; the
  bootstrap behind their confidence intervals has a seed derived from the experiment's,
  so analysing the same sweep again gives byte-identical CSV files.
* Sobol' and Morris estimators need every point of the design, so an incomplete sweep
  (failed or interrupted chunks) gets tables and plots of its finished points only.

This module is the entry point and does only the orchestration and the terminal summary: it
reads the sweep (:mod:`simulator.sweeps.sweep_data`), has :mod:`simulator.sweeps.sensitivity` compute and
write the tables and :mod:`simulator.sweeps.sweep_plots` draw the plots, removes what an earlier
analysis left behind, and sums the result up in a few lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.base.errors import UserError
from simulator.presentation.formats import DEFAULT_FORMATS, PLOT_FORMATS
from simulator.sweeps.conditions import Condition, parse_condition
from simulator.sweeps.discovery import (
    MASS_MIN,
    MIN_DENSITY,
    PASTE_ALPHA,
    PEEL_ALPHA,
    Discovery,
    check_options,
    discover_in_data,
    discovery_folder,
    empty_point_table,
    resolve_condition,
    write_discovery,
)
from simulator.sweeps.experiment_labels import value_text
from simulator.sweeps.factor_means import means_by_factor, phase_grid
from simulator.sweeps.rule_induction import load_ema
from simulator.sweeps.sensitivity import (
    POINT_MEANS_FILE,
    analysis_seed,
    safe_name,
    tabulate_points,
    write_indices,
    write_point_means,
    write_readme,
)
from simulator.sweeps.sweep import SweepResult, open_sweep
from simulator.sweeps.sweep_data import SweepData
from simulator.sweeps.sweep_plots import draw_sweep_plots
from simulator.sweeps.sweep_size import check_analysis_fits

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "INDICES_DIR",
    "PLOTS_DIR",
    "POINT_MEANS_FILE",
    "SweepAnalysis",
    "analysis_seed",
    "analyze",
    "safe_name",
]

INDICES_DIR = "indices"
PLOTS_DIR = "plots"


@dataclass
class SweepAnalysis:
    """What :func:`analyze` computed and wrote.

    Attributes:
        folder: The folder holding ``indices/`` and ``plots/``.
        files: Every file written, in the order written.
        indices: Sensitivity indices per metric name (Sobol or Morris), as in the CSV files;
            empty for other methods and for incomplete sweeps.
        point_means: The table of ``indices/point_means.csv``.
        summary: A few lines for the terminal: the design, the most influential
            parameters, where the phase diagram changes sign, and anything skipped.
        notes: Things skipped or substituted, each one sentence (also in ``summary``).
        warning: Rows missing from the sweep's tables (:attr:`simulator.sweeps.sweep.SweepResult.shortfall`),
            or None; also the summary's second line and the first of ``indices/README.txt``.
        discoveries: One per condition given to :func:`analyze`, in the order given (duplicates once).
    """

    folder: Path
    files: list[Path]
    indices: dict[str, pd.DataFrame]
    point_means: pd.DataFrame
    summary: str
    notes: list[str] = field(default_factory=list)
    warning: str | None = None
    discoveries: list[Discovery] = field(default_factory=list)


def analyze(
    sweep: str | Path | SweepResult,
    *,
    out: str | Path | None = None,
    discover: Sequence[str | Condition] = (),
    min_density: float = MIN_DENSITY,
    discover_method: str = "prim",
    plot_formats: Sequence[str] = DEFAULT_FORMATS,
) -> SweepAnalysis:
    """Compute indices and tables of a sweep and draw its plots into ``indices/`` and ``plots/``.

    Running it again recomputes everything and replaces the files, so it can follow a
    ``--resume`` or a change of the experiment's ``analysis`` settings. Each condition in
    ``discover`` is also searched for (:func:`simulator.sweeps.discovery.discover`) and written to
    ``analysis/discover/<condition>/``; the conditions, the options and the EMA Workbench are checked
    before anything is computed or written.

    Args:
        sweep: A sweep folder or an opened sweep.
        out: Folder to write ``indices/`` and ``plots/`` into (default: the sweep folder).
        discover: Conditions ``METRIC OP VALUE`` whose region in the inputs to find.
        min_density: Density the box of each discovery must reach.
        discover_method: ``prim`` or ``cart``.
        plot_formats: Write each plot (of the sweep and of every discovery) in these formats (``png``,
            ``svg``, ``pdf``); a plot of an earlier analysis in a format not asked for now is removed,
            so that no file in ``plots/`` is older than the numbers.

    Returns:
        The written files, the indices, the per-point table, the discoveries and a summary.

    Raises:
        UserError: if the folder is not a sweep or has no finished point yet, or a condition or
            option cannot be used.
    """
    result = sweep if isinstance(sweep, SweepResult) else open_sweep(sweep)
    experiment = result.experiment
    folder = Path(out) if out is not None else result.folder
    conditions = _conditions(result, discover)
    if conditions:
        check_options(discover_method, min_density, MASS_MIN, PEEL_ALPHA, PASTE_ALPHA)  # discover_in_data's defaults
    check_analysis_fits(
        experiment,
        file=result.folder,
        fix="analyse a copy of the sweep folder on a machine with more memory",
        worlds=result.row_count("worlds"),
    )
    raw = result.worlds()
    if raw.empty:
        raise UserError(
            "has no finished points to analyse yet; wait for the sweep, or rerun failed chunks with --resume",
            file=result.folder,
        )
    if conditions:
        load_ema(discover_method)  # a missing extra is said before anything is written
    raw = raw.sort_values(["point", "replicate"], kind="stable", ignore_index=True)
    data = tabulate_points(result, raw)

    indices = folder / INDICES_DIR
    files = [write_point_means(data, indices)]
    if experiment.method in {"sobol", "morris"}:
        files += write_indices(data, indices)
    files.append(write_readme(data, indices))
    files += draw_sweep_plots(data, folder / PLOTS_DIR, plot_formats)
    _remove_stale(folder, files)
    discoveries = []
    for condition in conditions:
        found = discover_in_data(data, condition, method=discover_method, min_density=min_density)
        write_discovery(found, discovery_folder(folder, condition), plot_formats)
        discoveries.append(found)
    summary = _summary(data, folder, files)
    summary += "".join(_discovery_lines(d, folder, plot_formats) for d in discoveries)
    return SweepAnalysis(
        folder=folder,
        files=files,
        indices=data.indices,
        point_means=data.table,
        summary=summary,
        notes=data.notes,
        warning=data.warning,
        discoveries=discoveries,
    )


def _conditions(result: SweepResult, given: Sequence[str | Condition]) -> list[Condition]:
    """The conditions to discover, read and checked against the sweep's metrics, each once."""
    if isinstance(given, (str, Condition)):
        given = [given]
    columns, factors = empty_point_table(result), result.experiment.factor_names
    conditions: dict[str, Condition] = {}
    for item in given:
        parsed = item if isinstance(item, Condition) else parse_condition(item, field="discover")
        resolved = resolve_condition(parsed, columns, factors, field="discover")
        conditions.setdefault(resolved.slug, resolved)
    return list(conditions.values())


def _discovery_lines(discovery: Discovery, folder: Path, formats: Sequence[str]) -> str:
    """The discovery's sentence, notes and folder (with the plot files written in ``formats``), as summary lines."""
    where = discovery_folder(folder, discovery.condition)
    how = f" ({discovery.method.upper()})" if discovery.outcome == "box" else ""
    lines = [f"Discovery{how}: {discovery.summary}"]
    lines += [f"  {note}" for note in discovery.notes]
    plots = "".join(f"{stem}.{fmt}, " for stem in ("tradeoff", "box") for fmt in formats)
    written = f"box.csv, trajectory.csv, {plots}" if discovery.outcome == "box" else ""
    lines.append(f"  Wrote {written}discovery.json to {where}")
    return "\n" + "\n".join(lines)


OWN_FILES = {
    INDICES_DIR: ("sobol_*.csv", "sobol2_*.csv", "morris_*.csv"),
    PLOTS_DIR: tuple(
        f"{stem}.{fmt}"
        for stem in ("metric_vs_parameter", "phase_diagram", "envelopes", "sobol_*", "morris_*")
        for fmt in PLOT_FORMATS
    ),
}
"""Names an analysis writes; one that this analysis did not rewrite is left over from an earlier one."""


def _remove_stale(folder: Path, written: list[Path]) -> None:
    """Delete files of an earlier analysis that this one did not write.

    A phase diagram since dropped from the experiment, or the index chart of a former analysis
    metric, would otherwise sit beside the new plots as if current. Files with other names in
    ``plots/`` and ``indices/`` are left alone.
    """
    keep = set(written)
    for sub, patterns in OWN_FILES.items():
        for pattern in patterns:
            for path in (folder / sub).glob(pattern):
                if path not in keep:
                    path.unlink(missing_ok=True)


# -- summary ------------------------------------------------------------------------


def _summary(data: SweepData, folder: Path, files: list[Path]) -> str:
    """A few lines for the terminal: the design, the most influential parameters, the phase diagram, the notes."""
    experiment = data.experiment
    scenario = experiment.scenario
    lines = [
        f"{experiment.name}: {experiment.method}, {_points(data)} × {experiment.replicates} replicates "
        f"({len(data.worlds):,} worlds), scenario {scenario.name} {scenario.period}"
    ]
    if data.warning:
        lines.append(f"Warning: {data.warning}")
    metric = experiment.analysis_metric
    frame = data.indices.get(metric)
    if frame is not None:
        column = "ST" if experiment.method == "sobol" else "mu_star"
        label = "Sobol total-order ST" if experiment.method == "sobol" else "Morris μ*"
        top = ", ".join(
            f"{row.parameter} {getattr(row, column):.3g} ± {getattr(row, column + '_conf'):.2g}"
            for row in frame.head(3).itertuples()
        )
        lines.append(f"Most influential on {metric} ({label}): {top}")
    else:
        spreads = []
        for factor in experiment.factors:
            binned = means_by_factor(data, factor, metric)
            if len(binned) > 1:
                spreads.append((float(binned["mean"].max() - binned["mean"].min()), factor.name))
        spreads.sort(key=lambda s: -s[0])
        if spreads and spreads[0][0] == 0:
            lines.append(f"{metric} is the same at every point")
        elif spreads:
            top = ", ".join(f"{name} {spread:.3g}" for spread, name in spreads[:3])
            lines.append(f"Largest range of the mean {metric} across a parameter's values (not an index): {top}")
    lines += _phase_summary(data)
    lines += [f"Note: {note}" for note in data.notes]
    plots = [f for f in files if f.suffix.removeprefix(".") in PLOT_FORMATS]
    formats = ", ".join(dict.fromkeys(f.suffix.removeprefix(".") for f in plots))
    lines.append(
        f"Wrote {len(files) - len(plots)} tables to {folder / INDICES_DIR} and {len({f.stem for f in plots})} plots "
        f"({formats or 'none'}) to {folder / PLOTS_DIR}"
    )
    return "\n".join(lines)


def _points(data: SweepData) -> str:
    """``121 points``, or ``1 of 121 points`` when only some have results."""
    design = int(data.result.manifest.get("points", len(data.table)))
    return f"{len(data.table)} points" if len(data.table) == design else f"{len(data.table)} of {design:,} points"


def _phase_summary(data: SweepData) -> list[str]:
    """Where the phase metric crosses its level along x, for (up to eight) rows of y."""
    phase = phase_grid(data)
    if phase is None or phase.level is None:
        return []
    what = f"change of {phase.metric.name} from the lowest {phase.x.name}" if phase.relative else phase.metric.name
    level = phase.level
    grid = phase.grid
    count = len(grid)
    rows = range(count) if count <= 8 else sorted(set(np.linspace(0, count - 1, 5).round().astype(int)))
    approx = "≈ " if phase.binned else ""
    lines = [f"Phase diagram: {what} against {level:g}, by {phase.y.name}:"]
    for i in rows:
        row = grid.iloc[i].dropna()
        if phase.relative:
            row = row.iloc[1:]  # the baseline cell itself is 0 by construction
        y = f"{approx}{value_text(phase.y, float(grid.index[i]))}"
        if row.empty:
            lines.append(f"  {phase.y.name} {y}: no points")
            continue
        xs, z = row.index.to_numpy(dtype=float), row.to_numpy(dtype=float)
        crossings = [
            xs[k] + (level - z[k]) * (xs[k + 1] - xs[k]) / (z[k + 1] - z[k])
            for k in range(len(z) - 1)
            if (z[k] - level) * (z[k + 1] - level) < 0
        ]
        if crossings:
            where = ", ".join(f"≈ {phase.x.describe(c)}" if phase.x.is_onset else f"≈ {c:.3g}" for c in crossings)
            lines.append(f"  {phase.y.name} {y}: crosses {level:g} at {phase.x.name} {where}")
        elif (z > level).all():
            lines.append(f"  {phase.y.name} {y}: above {level:g} throughout")
        elif (z < level).all():
            lines.append(f"  {phase.y.name} {y}: below {level:g} throughout")
        else:
            lines.append(f"  {phase.y.name} {y}: touches {level:g} without crossing")
    return lines
