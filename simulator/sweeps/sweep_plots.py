"""The plots of a sweep's ``plots/`` folder: metric against each parameter, phase diagram, envelopes, index chart.

Drawing is kept apart from the numbers (:mod:`simulator.sweeps.sensitivity`, :mod:`simulator.sweeps.factor_means`)
so that a change of style cannot change a table. The plots share the single-run plots' style
(:mod:`simulator.presentation.plots`): colour-blind-safe colours, units on every axis, a title naming the
experiment and scenario, and small print below the figure for anything a reader must know
(a substituted value, a binned design). Each plot is written in the formats asked for (PNG by default),
each file through a temporary name and a rename, so a reader never sees half a file.
"""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from simulator.base.calendar import quarter_label
from simulator.inputs.documented_ranges import title_note
from simulator.presentation.formats import DEFAULT_FORMATS
from simulator.presentation.labels import parameter_words, sentence, series_label, series_unit, wrap
from simulator.presentation.plots import (
    BAND_ALPHA,
    INTENSITY,
    OKABE_ITO,
    STYLE,
    change_colours,
    figure_paths,
    label_quarters,
    label_shocks_above,
    pack_shock_labels,
    plot_formats,
    shock_lines,
    shock_name,
)
from simulator.presentation.shock_windows import shade_windows, windows
from simulator.storage.output import atomic_file
from simulator.sweeps.designs import design_size
from simulator.sweeps.experiment_labels import (
    effect_unit,
    factor_label,
    factor_name,
    metric_label,
    metric_short,
    value_text,
)
from simulator.sweeps.factor_means import PhaseGrid, means_by_factor, phase_grid
from simulator.sweeps.interop import HEADLINE_SERIES
from simulator.sweeps.sensitivity import safe_name
from simulator.sweeps.sweep_data import SweepData

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

    from simulator.runs.metrics import Metric
    from simulator.sweeps.experiment import Factor

MAX_PANELS = 9
"""Panels of ``metric_vs_parameter.png``: beyond nine the panels get too small to read."""
MAX_ENVELOPES = 150
"""Trajectories drawn in ``envelopes.png``: more only thicken the bundle."""
MAX_BARS = 20
"""Parameters shown in an index chart (the CSV has all of them)."""
SEQUENTIAL = "viridis"
"""Colour map for ordered values: readable in grey and with the common colour-vision deficiencies."""
ERROR_BARS = {"elinewidth": 1, "capsize": 2.5, "ecolor": "#333333"}
"""Error bars of an index chart."""


def draw_sweep_plots(data: SweepData, folder: Path, formats: Sequence[str] = DEFAULT_FORMATS) -> list[Path]:
    """Draw every plot of the sweep into ``folder``, each in every one of ``formats``.

    Args:
        data: The sweep's numbers, with its indices when there are any.
        folder: The ``plots/`` folder (created if missing).
        formats: File formats to write each plot in (``png``, ``svg``, ``pdf``; ``eujsim analyze --format``).

    Returns:
        The files written, in order: ``metric_vs_parameter``, then ``phase_diagram``
        (when the experiment has one), ``envelopes`` (when the sweep kept a series) and the
        index chart of the analysis metric (when it has indices), each in the formats in the order given.
    """
    experiment = data.experiment
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    with plt.rc_context(STYLE), warnings.catch_warnings(), plot_formats(formats):
        warnings.simplefilter("ignore", UserWarning)  # e.g. "no contour levels were found" when nothing crosses
        files += _save(_metric_vs_parameter(data), folder / "metric_vs_parameter.png")
        figure = _phase_diagram(data)
        if figure is not None:
            files += _save(figure, folder / "phase_diagram.png")
        figure = _envelopes(data)
        if figure is not None:
            files += _save(figure, folder / "envelopes.png")
        metric = experiment.analysis_metric
        if metric in data.indices:
            draw = _sobol_chart if experiment.method == "sobol" else _morris_chart
            name = f"{experiment.method}_{safe_name(metric)}.png"
            files += _save(draw(data, data.indices[metric]), folder / name)
    return files


# -- figure scaffolding ------------------------------------------------------------


def _title(data: SweepData, what: str) -> str:
    """``what`` above a line naming the experiment, scenario, design and how much of it finished.

    A sweep whose fixed values or swept ranges leave their parameters' documented ranges says so in a
    third line, so that no plot of it is read as resting on settings the sources support.
    """
    experiment = data.experiment
    worlds = len(data.worlds)
    points = f"{len(data.table)} points"
    if not data.complete:
        points = f"{len(data.table)} of {design_size(experiment)} points (incomplete)"
    outside = title_note(experiment.outside_documented_ranges())
    return (
        f"{what}\nexperiment: {experiment.name} · scenario: {experiment.scenario.name} "
        f"({experiment.scenario.period}) · {experiment.method}, {points}, {worlds:,} worlds"
        + (f"\n{outside}" if outside else "")
    )


def _save(figure: Figure, path: Path) -> list[Path]:
    """Save in each format of :func:`~simulator.presentation.plots.plot_formats` and close the figure.

    Each file goes through :func:`~simulator.storage.output.atomic_file` (whole or absent), as the
    sweep folder may be read while its analysis is redone. Returns the files written.
    """
    try:
        pack_shock_labels(figure)  # the layout is final here: stack overlapping shock labels into rows
        targets = figure_paths(path)
        for target in targets:
            with atomic_file(target) as tmp:
                figure.savefig(tmp, format=target.suffix.removeprefix("."), bbox_inches="tight", pad_inches=0.15)
    finally:
        plt.close(figure)
    return targets


def _add_note(figure: Figure, notes: list[str]) -> None:
    """Small print below the figure (bbox_inches='tight' keeps it)."""
    if notes:
        figure.text(0.01, -0.01, "\n".join(notes), ha="left", va="top", fontsize=8, color="#333333", wrap=True)


def _censor_note(data: SweepData, metric: Metric) -> list[str]:
    """The small print of a first_above metric: what a world that never reaches the level counts as."""
    if metric.name not in data.censored:
        return []
    return [
        f"A world in which {series_label(metric.series)} never reaches {metric.threshold:g} counts as "
        f"quarter {data.never} (one past the run)."
    ]


def _format_factor_axis(axis: Axis, factor: Factor, values: np.ndarray | None = None) -> None:
    """Tick an onset axis with quarter labels at whole quarters (over ``values`` if given); leave others alone."""
    if not factor.is_onset:
        return
    first, last = round(factor.low * 4), round(factor.high * 4)
    if values is not None and len(values):
        first, last = round(float(np.min(values)) * 4), round(float(np.max(values)) * 4)
    span = max(1, last - first)
    every = next((e for e in (1, 2, 4, 8, 12, 20, 40) if span / e <= 7), 40)
    axis.set_major_locator(FixedLocator([q / 4 for q in range(first, last + 1, every)]))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: factor.describe(v)))


# -- metric against each parameter -------------------------------------------------


def _ranked_factors(data: SweepData) -> tuple[list[Factor], dict[str, str]]:
    """The factors to draw, most influential first when there are indices, with each one's index text."""
    experiment = data.experiment
    frame = data.indices.get(experiment.analysis_metric)
    if frame is None:
        return list(experiment.factors[:MAX_PANELS]), {}
    column, symbol = ("ST", "ST") if experiment.method == "sobol" else ("mu_star", "μ*")
    order = list(frame["parameter"])[:MAX_PANELS]
    text = {row.parameter: f"{symbol} = {getattr(row, column):.3g}" for row in frame.itertuples()}
    return [experiment.factor(name) for name in order], text


def _metric_vs_parameter(data: SweepData) -> Figure:
    """The analysis metric against each factor: marginal means with a 5–95% band."""
    experiment = data.experiment
    metric = data.metric
    factors, index_text = _ranked_factors(data)
    columns = 2 if len(factors) == 4 else min(3, len(factors))
    rows = math.ceil(len(factors) / columns)
    two_factor_grid = experiment.method == "grid" and len(experiment.factors) == 2
    figure, axes = plt.subplots(
        rows, columns, figsize=(4.8 * columns + (1.2 if two_factor_grid else 0), 3.7 * rows + 0.6), sharey=True
    )
    axes = np.atleast_1d(axes).ravel()
    handles: list[Line2D | Patch] = []
    for ax, factor in zip(axes, factors, strict=False):
        if two_factor_grid:
            other = next(f for f in experiment.factors if f.name != factor.name)
            handles = _lines_per_other(figure, ax, data, factor, other, metric.name)
        else:
            handles = _marginal(ax, data, factor, metric.name, scatter=experiment.method not in {"grid", "explicit"})
        ax.set_xlabel(factor_label(factor))
        if factor.is_onset:
            _format_factor_axis(ax.xaxis, factor)
            plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        if factor.name in index_text:
            ax.set_title(index_text[factor.name], fontsize=9, loc="left")
    for ax in axes[len(factors) :]:
        ax.set_visible(False)
    for row in range(rows):
        axes[row * columns].set_ylabel(wrap(metric_label(metric, experiment.scenario.horizon), 45))
    total = len(experiment.factors)
    shown = f" (the first {len(factors)} of {total} parameters)" if len(factors) < total else ""
    if index_text:
        method = "Sobol' total order ST" if experiment.method == "sobol" else "Morris μ*"
        subset = f"the {len(factors)} most influential of {total}" if len(factors) < total else "most influential first"
        shown = f" ({subset}, by {method})"
    figure.suptitle(_title(data, f"{sentence(metric_short(metric))} against each parameter{shown}"), fontsize=11)
    figure.tight_layout(rect=(0, 0.07 if rows == 1 else 0.04, 1, 1))
    figure.legend(handles=handles, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, 0.0), fontsize=9)
    notes = _censor_note(data, metric)
    if experiment.method == "morris":
        notes.append(
            "Morris points lie on few trajectories, so these means mix the other parameters' values; "
            "read the effects from the μ* chart."
        )
    elif len(experiment.factors) > 1 and not two_factor_grid:
        notes.append("Each panel averages over the other parameters' values.")
    _add_note(figure, notes)
    return figure


def _marginal(ax: Axes, data: SweepData, factor: Factor, metric: str, *, scatter: bool) -> list[Line2D | Patch]:
    """Mean per value (or bin) of the factor over everything else, the band over the worlds there."""
    binned = means_by_factor(data, factor, metric)
    colour = OKABE_ITO[0]
    handles: list[Line2D | Patch] = []
    if scatter:
        ax.scatter(data.table[factor.name], data.table[metric], s=9, color="#777777", alpha=0.55, lw=0, zorder=1)
        handles.append(Line2D([], [], ls="none", marker="o", color="#777777", ms=4, label="one point (mean)"))
    ax.fill_between(binned["x"], binned["low"], binned["high"], color=colour, alpha=BAND_ALPHA, lw=0, zorder=0)
    ax.plot(binned["x"], binned["mean"], color=colour, lw=2, marker="o", ms=3.5, zorder=2)
    what = "bin" if scatter else "value"
    handles += [
        Line2D([], [], color=colour, lw=2, marker="o", ms=3.5, label=f"mean per {what} of this parameter"),
        Patch(
            color=colour, alpha=0.35, lw=0, label=f"5–95% of the worlds {'in the bin' if scatter else 'at that value'}"
        ),
    ]
    return handles


def _lines_per_other(
    figure: Figure, ax: Axes, data: SweepData, factor: Factor, other: Factor, metric: str
) -> list[Line2D | Patch]:
    """A two-factor grid: one line per value of the other factor, coloured by it, each with its band."""
    table = data.table.sort_values([other.name, factor.name], kind="stable")
    values = np.unique(table[other.name])
    norm = _norm(values)
    cmap = plt.get_cmap(SEQUENTIAL)
    for value in values:
        rows = table[table[other.name] == value]
        colour = cmap(norm(value))
        ax.fill_between(rows[factor.name], rows[f"{metric}:p05"], rows[f"{metric}:p95"], color=colour, alpha=0.1, lw=0)
        ax.plot(rows[factor.name], rows[metric], color=colour, lw=1.8, marker="o", ms=3)
    bar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.02, fraction=0.06)
    bar.set_label(wrap(factor_label(other), 30), fontsize=8)
    if len(values) <= 12:
        bar.set_ticks(values)
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: other.describe(v)))
    else:
        _format_factor_axis(bar.ax.yaxis, other, values)
    grey = "#555555"
    return [
        Line2D([], [], color=grey, lw=1.8, marker="o", ms=3, label="mean over replicates (colour: other parameter)"),
        Patch(color=grey, alpha=0.25, lw=0, label="5–95% of replicates"),
    ]


def _norm(values: np.ndarray) -> Normalize:
    """A colour scale over the values' range (one unit wide around a single value)."""
    low, high = float(np.min(values)), float(np.max(values))
    if low == high:
        low, high = low - 0.5, high + 0.5
    return Normalize(low, high)


# -- phase diagram -----------------------------------------------------------------


def _phase_diagram(data: SweepData) -> Figure | None:
    """The phase metric over the two phase factors (its change from the lowest x, if asked)."""
    phase = phase_grid(data)
    if phase is None:
        return None
    z = phase.grid.to_numpy(dtype=float)
    finite = z[np.isfinite(z)]
    if phase.relative:
        cmap, norm = change_colours(finite)
    else:
        cmap, norm = plt.get_cmap(SEQUENTIAL), _norm(finite if finite.size else np.zeros(1))
    with plt.rc_context({"axes.grid": False}):
        figure, ax = plt.subplots(figsize=(8.8, 6.4))
    ax.pcolormesh(phase.x_edges, phase.y_edges, np.ma.masked_invalid(z), cmap=cmap, norm=norm, shading="flat")
    xs, ys = phase.grid.columns.to_numpy(dtype=float), phase.grid.index.to_numpy(dtype=float)
    if z.size <= 100:
        for (i, j), value in np.ndenumerate(z):
            if np.isfinite(value):
                r, g, b, _ = cmap(norm(value))
                ink = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
                text = f"{value:+.3f}" if phase.relative else f"{value:.3g}"
                ax.text(xs[j], ys[i], text, ha="center", va="center", fontsize=7, color=ink)
    if phase.binned:
        locations = data.table[[phase.x.name, phase.y.name]].drop_duplicates()
        if len(locations) > np.isfinite(z).sum():  # points spread within cells, not one spot per cell
            ax.scatter(
                locations[phase.x.name],
                locations[phase.y.name],
                s=9,
                color="black",
                edgecolors="white",
                linewidths=0.4,
                alpha=0.6,
                zorder=2,
            )
            phase.note += " Dots are the points."
        ax.set_xlim(phase.x_edges[0], phase.x_edges[-1])
        ax.set_ylim(phase.y_edges[0], phase.y_edges[-1])
        _format_factor_axis(ax.xaxis, phase.x)
        _format_factor_axis(ax.yaxis, phase.y)
    else:
        for axis, factor, values in ((ax.xaxis, phase.x, xs), (ax.yaxis, phase.y, ys)):
            shown = values if len(values) <= 12 else values[:: math.ceil(len(values) / 12)]
            axis.set_major_locator(FixedLocator(shown))
            axis.set_major_formatter(FuncFormatter(lambda v, _pos, f=factor: f.describe(v)))
    if phase.x.is_onset:
        plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
    drawn = phase.level is not None and min(z.shape) >= 2 and _crosses(z, phase.level)
    if drawn:
        lines = ax.contour(xs, ys, np.ma.masked_invalid(z), levels=[phase.level], colors="black", linewidths=1.8)
        short = f"change = {phase.level:g}" if phase.relative else f"{phase.level:g}"
        ax.clabel(lines, fmt={phase.level: short}, fontsize=8, inline=True)
    bar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.02)
    bar.set_label(wrap(_phase_value_label(data, phase), 50))
    if drawn:
        bar.ax.axhline(phase.level, color="black", lw=1.5)
    ax.set_xlabel(factor_label(phase.x))
    ax.set_ylabel(factor_label(phase.y))
    what = f"Change of {metric_short(phase.metric)}" if phase.relative else sentence(metric_short(phase.metric))
    baseline = f" from the lowest {factor_name(phase.x)}" if phase.relative else ""
    ax.set_title(_title(data, f"{what}{baseline}"), fontsize=11)
    notes = [phase.note] if phase.note else []
    if phase.level is not None:
        if drawn:
            notes.append(f"Black line: {_level_text(phase)}.")
        elif finite.size:
            side = "above" if (finite >= phase.level).all() else "below"
            notes.append(f"No line at {_level_text(phase)}: the values are {side} {phase.level:g} everywhere.")
    notes += _censor_note(data, phase.metric)
    figure.tight_layout()
    _add_note(figure, notes)
    return figure


def _level_text(phase: PhaseGrid) -> str:
    """The phase diagram's level line in words."""
    if phase.relative:
        return f"change = {phase.level:g}"
    return f"{metric_short(phase.metric)} = {phase.level:g}"


def _phase_value_label(data: SweepData, phase: PhaseGrid) -> str:
    """The colour bar's label: the phase metric, or its change."""
    label = metric_label(phase.metric, data.experiment.scenario.horizon)
    return f"change in {label}" if phase.relative else label


def _crosses(values: np.ndarray, level: float) -> bool:
    """Whether the finite values lie on both sides of ``level``."""
    finite = values[np.isfinite(values)]
    return bool(finite.size and finite.min() < level < finite.max())


# -- envelopes ---------------------------------------------------------------------


def _envelopes(data: SweepData) -> Figure | None:
    """Median trajectory of EU–JPN cooperation per point, coloured by a factor, with three 5–95% bands."""
    experiment = data.experiment
    series = HEADLINE_SERIES if HEADLINE_SERIES in experiment.series else (experiment.series or (None,))[0]
    if series is None:
        data.notes.append("no envelopes: the sweep kept no per-quarter series")
        return None
    quarters = data.result.quarters(series)
    if quarters.empty:
        data.notes.append(f"no envelopes: no per-quarter statistics of {series} in the sweep")
        return None
    colour_factor = experiment.factor(experiment.colour_by)
    steps = int(quarters["step"].max()) + 1
    medians = quarters.pivot(index="point", columns="step", values="p50").sort_index()
    medians = medians[medians.index.isin(data.table["point"])]  # a damaged sweep's two tables can disagree
    if medians.empty:
        data.notes.append(f"no envelopes: no point has both its worlds and its per-quarter statistics of {series}")
        return None
    order = data.table.set_index("point")[colour_factor.name].reindex(medians.index)
    order = order.sort_values(kind="stable")
    chosen = order.index.to_numpy()
    if len(chosen) > MAX_ENVELOPES:
        chosen = chosen[np.unique(np.round(np.linspace(0, len(chosen) - 1, MAX_ENVELOPES)).astype(int))]
    cmap = plt.get_cmap(SEQUENTIAL)
    norm = _norm(order.to_numpy(dtype=float))
    x = np.arange(steps)
    figure, ax = plt.subplots(figsize=(11, 5.8))
    lines = LineCollection(
        [np.column_stack([x, medians.loc[p].to_numpy()]) for p in chosen],
        colors=[cmap(norm(order[p])) for p in chosen],
        linewidths=0.9,
        alpha=0.75,
        zorder=2,
    )
    ax.add_collection(lines)
    handles: list[Line2D | Patch] = []
    # Name a band by its colour value: with only two values the middle position holds the high value.
    picks: dict[int, str] = {}
    lowest, highest = order.iloc[0], order.iloc[-1]
    for position in (0, len(order) // 2, len(order) - 1):
        value = order.iloc[position]
        name = "low" if value == lowest else "high" if value == highest else "middle"
        picks.setdefault(_representative(data, order, position), name)
    by_point = quarters.set_index(["point", "step"]).sort_index()
    for point, name in picks.items():
        rows = by_point.loc[point]
        colour = cmap(norm(order[point]))
        ax.fill_between(x, rows["p05"], rows["p95"], color=colour, alpha=0.3, lw=0, zorder=2.5)
        ax.plot(x, rows["p50"], color=colour, lw=2.4, zorder=3, path_effects=_outline())
        value = value_text(colour_factor, float(order[point]))
        handles.append(
            Patch(
                facecolor=colour,
                alpha=0.5,
                edgecolor=colour,
                label=f"5–95% of replicates, {name} {factor_name(colour_factor)} ({value}, point {point})",
            )
        )
    labels = quarters.drop_duplicates("step").set_index("step")["quarter"].reindex(range(steps)).to_list()
    label_quarters(ax, labels)
    _shock_markers(ax, data)
    ax.autoscale(axis="y")
    low, high = ax.get_ylim()
    ax.set_ylim(max(0.0, low - 0.02), min(1.0, high + 0.05) if series_unit(series) == INTENSITY else high + 0.05)
    ax.set_ylabel(f"{series_label(series)} — {series_unit(series)}")
    bar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.015)
    bar.set_label(factor_label(colour_factor))
    _format_factor_axis(bar.ax.yaxis, colour_factor, order.to_numpy())
    handles.insert(0, Line2D([], [], color="#555555", lw=0.9, label="median over replicates, one line per point"))
    subsample = f" ({len(chosen)} of {len(order)} points, evenly spread)" if len(chosen) < len(order) else ""
    coloured = factor_name(colour_factor)
    ax.set_title(_title(data, f"{sentence(series_label(series))} per point{subsample}, coloured by {coloured}"))
    figure.tight_layout()
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.2), ncol=2, fontsize=8)
    return figure


def _representative(data: SweepData, order: pd.Series, position: int) -> int:
    """A typical point at ``position`` of the colour order.

    In a grid many points share a colour value; of those, the one whose analysis metric is
    their median, rather than the one at a corner of the other factors.
    """
    value = order.iloc[position]
    same = order.index[order == value]
    metric = data.table.set_index("point").loc[same, data.experiment.analysis_metric].sort_values(kind="stable")
    return int(metric.index[(len(metric) - 1) // 2])


def _outline() -> list[patheffects.AbstractPathEffect]:
    """A white rim that keeps a highlighted line visible over the bundle."""
    return [patheffects.Stroke(linewidth=3.6, foreground="white"), patheffects.Normal()]


def _shock_markers(ax: Axes, data: SweepData) -> None:
    """The scenario's shocks, labelled above the axes, drawn as far as the sweep leaves them one shape.

    A window is shaded by its strength where the sweep leaves its shape alone; only the onset is
    drawn where the sweep varies its ramp, duration or decay; and where the sweep varies the onset
    itself, the range of onsets is hatched.
    """
    experiment = data.experiment
    start = experiment.scenario.start
    varied = {f.shock: f for f in experiment.factors if f.is_onset}
    reshaped = {f.shock for f in experiment.factors if f.shock_field in ("ramp", "duration", "decay")}
    last_x = float(ax.get_xlim()[1])
    xs: list[float] = []
    texts: list[str] = []
    fixed = []
    for shock in experiment.scenario.shocks:
        name = shock_name(shock.name)
        if shock.name in varied:
            factor = varied[shock.name]
            onsets = data.table[factor.name].to_numpy(dtype=float)
            left, right = round(onsets.min() * 4) - start, round(onsets.max() * 4) - start
            ax.axvspan(left, right, facecolor="none", edgecolor="#c4c4c4", hatch=".", lw=0, zorder=0.2)
            xs.append(left)
            varied_range = f"{factor.describe(onsets.min())}–{factor.describe(onsets.max())}"
            texts.append(f"{name} onset, varied {varied_range} (dotted)")
        else:
            if shock.name not in reshaped:
                fixed.append(shock)
            shock_lines(ax, [shock.at - start])
            xs.append(shock.at - start)
            texts.append(f"{name} ({quarter_label(shock.at)})")
    shade_windows(ax, windows(fixed, start - 1, last_x))
    label_shocks_above(ax, xs, texts)


# -- index charts ------------------------------------------------------------------


def _sobol_chart(data: SweepData, frame: pd.DataFrame) -> Figure:
    """S1 and ST of the most influential parameters as paired bars with their confidence intervals."""
    top, shown = _most_influential(frame)
    n = len(top)
    figure, ax = plt.subplots(figsize=(10, 1.2 + 0.42 * n + 1.2))
    y = np.arange(n)
    height = 0.38
    _index_bars(ax, y - height / 2, top, "ST", height, OKABE_ITO[0], label="total order ST")
    _index_bars(ax, y + height / 2, top, "S1", height, OKABE_ITO[1], label="first order S1")
    _parameter_axis(ax, top)
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_xlabel("Sobol' index: share of the variance of the point means")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    metric = data.metric
    ax.set_title(_title(data, f"Sobol' indices of {metric_short(metric)}{shown}"), fontsize=11)
    how = (
        f"Error bars: 95% bootstrap intervals. Base samples {data.experiment.samples}; small samples give "
        "wide intervals and can give slightly negative estimates of indices that are truly 0."
    )
    return _finish_index_chart(figure, data, metric, how)


def _morris_chart(data: SweepData, frame: pd.DataFrame) -> Figure:
    """μ* bars with their confidence intervals, and μ* against σ to tell linear effects from interacting ones."""
    top, shown = _most_influential(frame)
    n = len(top)
    metric = data.metric
    figure, (bars, scatter) = plt.subplots(
        1, 2, figsize=(13, 1.6 + 0.38 * n + 1.0), gridspec_kw={"width_ratios": [1.15, 1]}
    )
    _index_bars(bars, np.arange(n), top, "mu_star", 0.65, OKABE_ITO[0])
    _parameter_axis(bars, top)
    unit = effect_unit(metric)
    bars.set_xlabel(f"μ*: mean |elementary effect| ({unit})")
    bars.set_title("ranking (error bars: 95% bootstrap interval)", fontsize=9, loc="left")

    scatter.scatter(frame["mu_star"], frame["sigma"], s=22, color=OKABE_ITO[0], zorder=3)
    limit = float(np.nanmax(np.r_[frame["mu_star"], frame["sigma"], 1e-12]))
    scatter.plot([0, limit * 1.05], [0, limit * 1.05], color="#999999", ls="--", lw=1, label="σ = μ*")
    scatter.set_xlim(left=0)
    scatter.set_ylim(bottom=0)
    _name_points(scatter, frame.head(6))
    scatter.set_xlabel(f"μ* ({unit})")
    scatter.set_ylabel(f"σ: spread of the elementary effects ({unit})")
    scatter.set_title("above the line: effect varies with the other parameters", fontsize=9, loc="left")
    scatter.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    figure.suptitle(_title(data, f"Morris screening of {metric_short(metric)}{shown}"), fontsize=11)
    how = (
        f"{data.experiment.samples} trajectories on a {data.experiment.levels}-level grid; an elementary effect "
        "is the change of the point mean when one parameter moves, scaled to the parameter's whole range."
    )
    return _finish_index_chart(figure, data, metric, how)


def _name_points(ax: Axes, rows: pd.DataFrame) -> None:
    """Name the most influential parameters beside their (μ*, σ) points.

    Two points close together (similar μ* and σ) would have their names on top of each
    other, so a name goes below its point when the name above it would be within a line.
    """
    placed: list[tuple[float, float]] = []
    ordered = rows.sort_values("sigma", ascending=False, kind="stable")
    for row in ordered.itertuples():
        x, y = ax.transData.transform((row.mu_star, row.sigma))
        crowded = any(abs(y - py) < 14 and abs(x - px) < 120 for px, py in placed)
        offset, va = ((4, -3), "top") if crowded else ((4, 3), "bottom")
        ax.annotate(
            parameter_words(row.parameter),
            (row.mu_star, row.sigma),
            xytext=offset,
            textcoords="offset points",
            va=va,
            fontsize=8,
        )
        placed.append((x, y - 14 if crowded else y))


def _most_influential(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The first ``MAX_BARS`` rows of an index table, and `` (top n of N)`` for the title when that leaves some out."""
    top = frame.head(MAX_BARS)
    shown = f" (top {len(top)} of {len(frame)})" if len(top) < len(frame) else ""
    return top, shown


def _index_bars(
    ax: Axes, y: np.ndarray, top: pd.DataFrame, column: str, height: float, colour: str, *, label: str = ""
) -> None:
    """Horizontal bars of one index column at heights ``y``, with its ``<column>_conf`` interval as error bars."""
    ax.barh(
        y,
        top[column],
        height,
        xerr=top[f"{column}_conf"],
        color=colour,
        label=label,
        error_kw=dict(ERROR_BARS),
    )


def _parameter_axis(ax: Axes, top: pd.DataFrame) -> None:
    """Name the parameters along the y axis, most influential at the top, without horizontal grid lines."""
    ax.set_yticks(np.arange(len(top)))
    ax.set_yticklabels([parameter_words(name) for name in top["parameter"]])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)


def _finish_index_chart(figure: Figure, data: SweepData, metric: Metric, how: str) -> Figure:
    """Fit the layout and add the small print: how the indices were estimated, then any censoring."""
    figure.tight_layout()
    _add_note(figure, [how, *_censor_note(data, metric)])
    return figure
