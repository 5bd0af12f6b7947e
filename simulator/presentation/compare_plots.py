"""Plots of a comparison, in the style of the run plots (:mod:`simulator.presentation.plots`).

``overlay.png``: each scenario's mean path of the metric with its 90% band, on a calendar
axis, and every scenario's shock onsets in that scenario's colour; a note under it names the
scenarios that hold the metric at one number (not a result). ``difference.png``: the
difference to the baseline quarter by quarter with its interval (not drawn when the metric is
the same constant everywhere). ``domains.png``: the final
intensity of each cooperation domain (grouped bars with 90% intervals) beside the difference
to the baseline, faded where the difference is within noise.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simulator.base.calendar import parse_quarter, quarter_label
from simulator.core.structure import DOMAIN_LABELS, DOMAINS, SMALLEST_INDEX_EFFECT
from simulator.presentation.formats import DEFAULT_FORMATS
from simulator.presentation.labels import INTENSITY, series_label, series_unit, wrap
from simulator.presentation.plots import (
    BAND_ALPHA,
    MAX_NAMED_SHOCKS,
    OKABE_ITO,
    TOO_SMALL_LABEL,
    TOO_SMALL_STRIP,
    figure_paths,
    label_quarters,
    label_shocks_above,
    note_below,
    place_legend_outside,
    plot_formats,
    save_figure,
    shock_name,
    style,
)
from simulator.presentation.shock_windows import ShockShape, shade_windows, window_handle, windows

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes


class ComparedView(Protocol):
    """What the plots draw of one compared input (:class:`simulator.evaluation.compare.Compared` provides it)."""

    @property
    def label(self) -> str:
        """Name in legends."""
        ...

    @property
    def shocks(self) -> Sequence[ShockShape]:
        """The shocks to draw: name, onset quarter and the shape of their windows."""
        ...

    @property
    def recorded(self) -> np.ndarray:
        """Quarter counts of its recorded steps."""
        ...


class ComparisonView(Protocol):
    """What the plots draw of a comparison (:class:`simulator.evaluation.compare.Comparison` provides it).

    Named here so that drawing knows nothing of how a comparison is computed, and a comparison
    can save its plots without the two modules importing each other.
    """

    @property
    def inputs(self) -> Sequence[ComparedView]:
        """The compared inputs, in order."""
        ...

    @property
    def baseline(self) -> str:
        """The baseline's label."""
        ...

    @property
    def metric(self) -> str:
        """The compared series."""
        ...

    @property
    def window(self) -> tuple[str, str]:
        """First and last quarter of the shared window."""
        ...

    @property
    def window_counts(self) -> tuple[int, int]:
        """The shared window as quarter counts."""
        ...

    @property
    def paired(self) -> bool:
        """Whether every difference is paired replicate by replicate."""
        ...

    @property
    def grouped_by(self) -> str | None:
        """The sweep factor the inputs are its values of, or None."""
        ...

    @property
    def domain_series(self) -> list[str] | None:
        """The per-domain series of the metric, or None."""
        ...

    @property
    def overlay(self) -> pd.DataFrame:
        """Each input's mean path and band per quarter."""
        ...

    @property
    def difference(self) -> pd.DataFrame:
        """Each input's difference to the baseline per quarter."""
        ...

    @property
    def domains(self) -> pd.DataFrame:
        """Final intensity per domain and input, with the difference to the baseline."""
        ...

    @property
    def constant_everywhere(self) -> bool:
        """Whether the metric is one and the same number in every world and quarter of every input."""
        ...

    @property
    def constant_note(self) -> str:
        """Which inputs hold the metric constant, and at what ('' when none does)."""
        ...


OVERLAP_ALPHA = BAND_ALPHA * 0.6
"""Fill of a compared scenario's band: lighter than a run's, because two bands overlap here and their
mixed tints turn muddy; each band's own thin edge lines say where it ends."""
SHARED_SHOCK = "#555555"
"""Colour of a shock that several scenarios share with the same timing and shape."""
COLOURED_WINDOW = 0.45
"""Depth of a scenario-coloured shock window relative to a grey one: lighter, so that two scenarios' windows
over the same quarters stay pale where they overlap instead of mixing into a dark olive."""
OUTSIDE_SHARED = {"facecolor": "none", "edgecolor": "#c8c8c8", "hatch": "xx", "lw": 0}
"""How the quarters outside the shared window are marked: cross-hatched, apart from the fill of shock windows."""
FIGSIZE = (11, 5.4)
"""Size of the overlay and difference plots (inches)."""


def colours(comparison: ComparisonView) -> dict[str, str]:
    """One Okabe–Ito colour per compared scenario, in input order.

    More than eight (only the values of a sweep factor, which are ordered) take a sequential scale instead.
    """
    items = comparison.inputs
    if len(items) <= len(OKABE_ITO):
        return {item.label: OKABE_ITO[i] for i, item in enumerate(items)}
    scale = matplotlib.colormaps["viridis"]
    return {item.label: matplotlib.colors.to_hex(scale(i / (len(items) - 1) * 0.9)) for i, item in enumerate(items)}


def _axis(comparison: ComparisonView) -> tuple[int, list[str]]:
    """First quarter count on the x axis and the label of every quarter from there to the last recorded."""
    first = min(int(item.recorded[0]) for item in comparison.inputs)
    last = max(int(item.recorded[-1]) for item in comparison.inputs)
    return first, [quarter_label(q) for q in range(first, last + 1)]


def _shock_marks(ax: Axes, comparison: ComparisonView, origin: int, last_x: float) -> list[str]:
    """Each scenario's shock windows in its colour (grey for one several share alike); returns the key when numbered.

    A shock several scenarios share with the same timing and shape is drawn once, in grey; one
    they share at different quarters (or with a different shape) is drawn in each scenario's colour.
    """
    colour = colours(comparison)
    owners: dict[tuple[int, str, float, float | None, float], tuple[ShockShape, list[str]]] = {}
    for item in comparison.inputs:
        for shock in item.shocks:
            shape = (shock.at, shock.name, shock.ramp, shock.duration, shock.decay)
            owners.setdefault(shape, (shock, []))[1].append(item.label)
    marks = [owners[shape] for shape in sorted(owners, key=lambda k: (k[0], k[1]))]
    numbered = len(marks) > MAX_NAMED_SHOCKS
    shown = windows([shock for shock, _ in marks], origin, last_x)
    shades = [colour[labels[0]] if len(labels) == 1 else SHARED_SHOCK for _, labels in marks]
    shade_windows(ax, shown, colours=shades, depth=COLOURED_WINDOW)
    key = []
    texts = []
    for i, ((shock, _), window, shade) in enumerate(zip(marks, shown, shades, strict=True)):
        texts.append(str(i + 1) if numbered else shock_name(shock.name))
        ax.axvline(window.start, color=shade, ls="--", lw=0.8 if numbered else 1.2, zorder=1)
        if numbered:
            key.append(f"{i + 1:>2}  {quarter_label(shock.at)}  {shock_name(shock.name)}")
    xs = [window.start for window in shown]
    for label, shade in zip(label_shocks_above(ax, xs, texts, numbered=numbered), shades, strict=True):
        label.set_color(shade)
    return key


def _shade_outside(ax: Axes, comparison: ComparisonView, origin: int, n: int) -> bool:
    """Grey out the quarters outside the shared window (if any); returns whether anything was shaded."""
    first, last = (q - origin for q in comparison.window_counts)
    shaded = False
    if first - 1 > 0:  # the window's first quarter ends at x = first; step 0 before it is the starting state
        ax.axvspan(0, first - 1, **OUTSIDE_SHARED, zorder=0.2)
        shaded = True
    if last < n - 1:
        ax.axvspan(last, n - 1, **OUTSIDE_SHARED, zorder=0.2)
        shaded = True
    return shaded


def _shock_legend(comparison: ComparisonView) -> list[tuple[object, str]]:
    if not any(item.shocks for item in comparison.inputs):
        return []
    return [
        (
            Line2D([], [], color=SHARED_SHOCK, ls="--", lw=1.2),
            "shock onset, in its scenario's colour\n(grey: the same shock in several)",
        ),
        (
            window_handle(SHARED_SHOCK),
            "when it acts: darkest at full strength,\nlighter while it builds up or fades",
        ),
    ]


def _baseline_suffix(comparison: ComparisonView, label: str) -> str:
    """' (baseline)' after the baseline's label in a legend, unless the label says so already."""
    return " (baseline)" if label == comparison.baseline and "baseline" not in label else ""


def _names(comparison: ComparisonView, limit: int = 70) -> str:
    by = comparison.grouped_by
    if by:
        return f"by {by} ({len(comparison.inputs)} values)"
    text = " vs ".join(f"'{item.label}'" for item in comparison.inputs)
    return text if len(text) <= limit else f"{len(comparison.inputs)} scenarios"


def _draw_paths(
    ax: Axes, comparison: ComparisonView, frame: pd.DataFrame, items: list[ComparedView], names: list[str]
) -> bool:
    """One line per scenario of ``frame`` (quarter, scenario, mean, p5, p95), with its band where it has one.

    Returns whether any band was drawn.
    """
    origin, _ = _axis(comparison)
    colour = colours(comparison)
    any_band = False
    for item, name in zip(items, names, strict=True):
        rows = frame[frame["scenario"] == item.label]
        x = np.array([parse_quarter(q) for q in rows["quarter"]]) - origin
        if rows["p5"].notna().all():
            ax.fill_between(x, rows["p5"], rows["p95"], color=colour[item.label], alpha=OVERLAP_ALPHA, lw=0)
            for edge in (rows["p5"], rows["p95"]):
                ax.plot(x, edge, color=colour[item.label], lw=0.6, alpha=0.8, zorder=2.5)
            any_band = True
        ax.plot(x, rows["mean"], color=colour[item.label], lw=2, label=wrap(name, 40), zorder=3)
    return any_band


def _band_handle() -> Patch:
    """The legend sample of a band as :func:`_draw_paths` draws it: a light fill between two thin edges."""
    return Patch(facecolor=(0.47, 0.47, 0.47, 0.25), edgecolor="#777777", lw=0.8)


def _finish_time_axes(ax: Axes, comparison: ComparisonView, extra: list[tuple[object, str]]) -> None:
    """Shade the quarters outside the window, mark the shocks, label the quarters, and add the legend.

    The legend, right of the axes, lists the drawn lines, then ``extra``, the shading and the shock lines.
    """
    origin, labels = _axis(comparison)
    if _shade_outside(ax, comparison, origin, len(labels)):
        extra = [*extra, (Patch(**OUTSIDE_SHARED), "outside the shared window")]
    key = _shock_marks(ax, comparison, origin, float(len(labels) - 1))
    label_quarters(ax, labels)
    handles, names = ax.get_legend_handles_labels()
    extra = extra + _shock_legend(comparison)
    handles += [handle for handle, _ in extra]
    names += [name for _, name in extra]
    place_legend_outside(ax, handles, names, key=key, fontsize=8, handlelength=1.8)


def plot_overlay(comparison: ComparisonView, path: Path) -> None:
    """The metric of every scenario with its 90% band, shock onsets in the scenario's colour."""
    items = comparison.inputs
    with style():
        fig, ax = plt.subplots(figsize=FIGSIZE)
        names = [item.label + _baseline_suffix(comparison, item.label) for item in items]
        any_band = _draw_paths(ax, comparison, comparison.overlay, items, names)
        ax.set_ylabel(f"{wrap(series_label(comparison.metric), 45)}\n{series_unit(comparison.metric)}")
        ax.set_title(wrap(f"{series_label(comparison.metric)} — {_names(comparison)}", 90))
        extra: list[tuple[object, str]] = [(Line2D([], [], ls="none"), "lines: mean over replicates")]
        if any_band:
            extra.append((_band_handle(), "band: 90% of replicates"))
        if comparison.constant_everywhere and series_unit(comparison.metric) == INTENSITY:
            ax.set_ylim(0, 1)  # on the whole scale: zoomed onto one number, a flat line would look like news
        _finish_time_axes(ax, comparison, extra)
        if comparison.constant_note:
            note_below(fig, comparison.constant_note)
        save_figure(fig, path)


def plot_difference(comparison: ComparisonView, path: Path) -> None:
    """Difference to the baseline per shared quarter with its interval."""
    colour = colours(comparison)
    others = [item for item in comparison.inputs if item.label != comparison.baseline]
    with style():
        fig, ax = plt.subplots(figsize=FIGSIZE)
        ax.axhline(0, color=colour[comparison.baseline], lw=1.5, label=wrap(f"baseline: {comparison.baseline}", 40))
        any_band = _draw_paths(ax, comparison, comparison.difference, others, [item.label for item in others])
        ax.set_ylabel(f"difference to baseline\n{series_unit(comparison.metric)}")
        paired = "paired by replicate" if comparison.paired else "UNPAIRED (independent worlds)"
        ax.set_title(
            wrap(f"{series_label(comparison.metric)}: difference to baseline '{comparison.baseline}' ({paired})", 90)
        )
        extra: list[tuple[object, str]] = [(Line2D([], [], ls="none"), "lines: mean difference")]
        if any_band:
            extra.append((_band_handle(), "band: 90% interval of the difference"))
        else:
            extra.append((Line2D([], [], ls="none"), "(no interval: the sweep kept\nno per-quarter worlds)"))
        if series_unit(comparison.metric) == INTENSITY:
            extra.append(_too_small_strip(ax))
        _finish_time_axes(ax, comparison, extra)
        save_figure(fig, path)


def _too_small_strip(ax: Axes) -> tuple[object, str]:
    """Hatch the differences too small to matter around zero, as the run's headline plot does; returns its legend entry.

    A difference of a few thousandths otherwise fills the whole height of the plot and reads as news.
    The y range is widened, if need be, so that zero and the strip always show with room around them.
    """
    ax.axhspan(-SMALLEST_INDEX_EFFECT, SMALLEST_INDEX_EFFECT, **TOO_SMALL_STRIP, zorder=0.4)
    low, high = ax.get_ylim()
    floor = 2 * SMALLEST_INDEX_EFFECT
    ax.set_ylim(min(low, -floor), max(high, floor))
    return Patch(**TOO_SMALL_STRIP), TOO_SMALL_LABEL


def plot_domains(comparison: ComparisonView, path: Path) -> None:
    """Final intensity per domain (grouped bars, 90% intervals) and the difference to the baseline."""
    colour = colours(comparison)
    frame = comparison.domains
    items = comparison.inputs
    others = [item for item in items if item.label != comparison.baseline]
    y = np.arange(len(DOMAINS))
    with style(), plt.rc_context({"axes.grid.axis": "x"}):
        fig, (left, right) = plt.subplots(
            1, 2, figsize=(12, 0.62 * len(DOMAINS) + 1.6), sharey=True, gridspec_kw={"width_ratios": [1, 1]}
        )
        height = 0.8 / len(items)
        for i, item in enumerate(items):
            rows = frame[frame["scenario"] == item.label].set_index("domain").loc[list(DOMAINS)]
            offset = (i - (len(items) - 1) / 2) * height
            left.barh(
                y + offset,
                rows["mean"],
                height=height,
                color=colour[item.label],
                label=wrap(item.label + _baseline_suffix(comparison, item.label), 40),
            )
            _interval_lines(left, y + offset, rows["p5"], rows["p95"])
        left.set_yticks(y)
        left.set_yticklabels([DOMAIN_LABELS[d] for d in DOMAINS])
        left.invert_yaxis()
        left.set_xlabel(f"final {series_unit(comparison.metric)}, {comparison.window[1]}")
        left.set_title("final intensity (bars: mean; lines: 90% of replicates)", fontsize=10)

        height = 0.8 / max(1, len(others))
        for i, item in enumerate(others):
            rows = frame[frame["scenario"] == item.label].set_index("domain").loc[list(DOMAINS)]
            offset = (i - (len(others) - 1) / 2) * height
            noise = rows["within_noise"].fillna(True).to_numpy(dtype=bool)
            for j, d in enumerate(DOMAINS):
                right.barh(
                    y[j] + offset,
                    rows.loc[d, "diff_mean"],
                    height=height,
                    color=colour[item.label],
                    alpha=0.3 if noise[j] else 1.0,
                )
            _interval_lines(right, y + offset, rows["diff_p5"], rows["diff_p95"])
        right.axvline(0, color=colour[comparison.baseline], lw=1.5)
        right.set_xlabel(f"difference to '{comparison.baseline}' — {series_unit(comparison.metric)}")
        paired = "paired" if comparison.paired else "unpaired"
        right.set_title(f"difference to baseline ({paired}; faded: within noise)", fontsize=10)
        handles, labels = left.get_legend_handles_labels()
        handles.append(Patch(color="#777777", alpha=0.3, lw=0))
        labels.append("faded: difference within noise\n(its 90% interval contains 0)")
        right.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8)
        fig.suptitle(wrap(f"{series_label(comparison.metric)} by domain — {_names(comparison)}", 100), fontsize=12)
        save_figure(fig, path)


def _interval_lines(ax: Axes, y: np.ndarray, low: pd.Series, high: pd.Series) -> None:
    """Draw each bar's 90% interval as a line from its 5th to its 95th percentile.

    Drawn from the percentiles themselves rather than as error bars around the mean: when a few
    worlds differ much more than the rest, the mean of a skewed difference lies outside its own
    5th–95th percentile range, and error bars measured from the mean would be negative.
    """
    ax.hlines(y, low.to_numpy(dtype=float), high.to_numpy(dtype=float), colors="#333333", lw=0.8, zorder=3)


def draw_compare_plots(
    comparison: ComparisonView, folder: Path, formats: Sequence[str] = DEFAULT_FORMATS
) -> list[Path]:
    """Draw overlay, difference and (for a pair's cooperation) domains into ``folder`` in each of ``formats``.

    A metric held at one number in every input has no difference to draw: only the overlay is
    drawn, with the note that says so. Returns the files written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    drawn = [(plot_overlay, "overlay.png")]
    if not comparison.constant_everywhere:
        drawn.append((plot_difference, "difference.png"))
    if comparison.domain_series is not None:
        drawn.append((plot_domains, "domains.png"))
    paths: list[Path] = []
    with plot_formats(formats):
        for draw, name in drawn:
            draw(comparison, folder / name)
            paths += figure_paths(folder / name)
    return paths
