"""Point means averaged along one factor (per value or bin) or over the plane of two (the phase grid).

The metric-against-parameter panels and the phase diagram draw these averages, and the text
summary quotes them (the largest range along a parameter, where the phase metric crosses
its level); computing them in one place keeps the plots and the summary telling the same story.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from simulator.sweeps.sweep_data import metric_named

if TYPE_CHECKING:
    from simulator.runs.metrics import Metric
    from simulator.sweeps.experiment import Factor
    from simulator.sweeps.sweep_data import SweepData

MAX_BINS = 12
"""Bins of a scattered design along one factor."""


def bin_values(
    values: np.ndarray, factor: Factor, count: int, *, distinct: int = MAX_BINS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bin number per value, bin centres and bin edges.

    Each distinct value is its own bin when there are at most ``distinct`` of them (grid
    levels, Morris levels, a few onset quarters); otherwise ``count`` equal-width bins
    span the factor's range.
    """
    unique = np.unique(values)
    if len(unique) <= distinct:
        return np.searchsorted(unique, values), unique, cell_edges(unique)
    edges = np.linspace(factor.low, factor.high, count + 1)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, count - 1)
    return index, (edges[1:] + edges[:-1]) / 2, edges


def cell_edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges halfway between grid values (half a step beyond the ends)."""
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middle = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - middle[0]], middle, [2 * centres[-1] - middle[-1]]])


def means_by_factor(data: SweepData, factor: Factor, metric: str) -> pd.DataFrame:
    """Per bin of ``factor``: centre, mean of the point means, and the 5–95% range over its worlds.

    Args:
        data: The sweep's numbers.
        factor: The factor to bin along.
        metric: Name of the metric to average.

    Returns:
        One row per bin: ``bin``, ``x`` (mean factor value), ``mean``, ``points``, ``low`` and ``high``.
    """
    table = data.table
    count = int(np.clip(round(math.sqrt(len(table))), 4, MAX_BINS))
    index, _, _ = bin_values(table[factor.name].to_numpy(dtype=float), factor, count)
    bins = pd.Series(index, index=table["point"])
    worlds = data.worlds.assign(bin=bins.reindex(data.worlds["point"]).to_numpy())
    points = table.assign(bin=bins.to_numpy())
    out = points.groupby("bin").agg(x=(factor.name, "mean"), mean=(metric, "mean"), points=("point", "size"))
    spread = worlds.groupby("bin")[metric].quantile([0.05, 0.95]).unstack()
    out["low"], out["high"] = spread[0.05], spread[0.95]
    return out.reset_index()


@dataclass
class PhaseGrid:
    """The phase metric over the x × y plane, as drawn and summarised.

    ``grid`` has a row per y value (or bin) and a column per x value (or bin), indexed by
    their centres; ``x_edges`` and ``y_edges`` bound the cells. A scattered design is
    binned: each cell averages the means of the points in it.
    """

    x: Factor
    y: Factor
    metric: Metric
    relative: bool
    level: float | None
    grid: pd.DataFrame
    x_edges: np.ndarray
    y_edges: np.ndarray
    binned: bool
    note: str = ""


def phase_grid(data: SweepData) -> PhaseGrid | None:
    """The experiment's phase metric over its two phase factors, or None if it has no phase diagram.

    With ``relative_to_lowest_x`` each row holds the change from its lowest non-blank x cell.
    """
    experiment = data.experiment
    phase = experiment.phase
    if phase is None:
        return None
    x, y = experiment.factor(phase.x), experiment.factor(phase.y)
    level = phase.boundary if phase.boundary is not None else (0.0 if phase.relative_to_lowest_x else None)
    table = data.table
    xs, ys = np.unique(table[x.name]), np.unique(table[y.name])
    full = len(table.groupby([x.name, y.name])) == len(xs) * len(ys)
    if experiment.method in {"grid", "explicit"} and full and min(len(xs), len(ys)) > 1:
        binned = False
        cells = table.groupby([y.name, x.name])[phase.metric].mean()
        grid = cells.unstack(x.name).sort_index().sort_index(axis=1)
        x_edges, y_edges = cell_edges(xs), cell_edges(ys)
    else:
        binned = True
        count = int(np.clip(round(math.sqrt(len(table) / 6)), 3, 10))
        bx, x_centres, x_edges = bin_values(table[x.name].to_numpy(dtype=float), x, count, distinct=max(count, 6))
        by, y_centres, y_edges = bin_values(table[y.name].to_numpy(dtype=float), y, count, distinct=max(count, 6))
        cells = table.assign(bx=bx, by=by).groupby(["by", "bx"])[phase.metric].mean().unstack("bx")
        grid = cells.reindex(index=range(len(y_centres)), columns=range(len(x_centres)))
        grid.index, grid.columns = y_centres, x_centres
    if phase.relative_to_lowest_x:
        baseline = grid.apply(lambda row: row.dropna().iloc[0] if row.notna().any() else np.nan, axis=1)
        grid = grid.sub(baseline, axis=0)
    result = PhaseGrid(
        x, y, metric_named(experiment, phase.metric), phase.relative_to_lowest_x, level, grid, x_edges, y_edges, binned
    )
    if binned:
        others = ", averaged over the other parameters" if len(experiment.factors) > 2 else ""
        result.note = (
            f"Scattered design: each cell is the mean of the point means in it ({grid.shape[1]} × {grid.shape[0]} "
            f"cells{others}; blank: no point)."
        )
        if phase.relative_to_lowest_x:
            result.note += f" Change from the lowest non-blank {x.label} cell of the same row."
    return result
