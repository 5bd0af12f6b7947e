"""Plots of a run, and the style every plot of the simulator shares.

Style choices: the Okabe–Ito palette (distinguishable with the common forms of
colour blindness), 90% bands over replicates, axis labels with units, titles
naming the scenario, shock windows shaded and labelled in a strip above the data
(so a label never hides a line), legends and keys outside the data.

The sweep plots (:mod:`simulator.sweeps.sweep_plots`) and any new kind of plot take the style
from here, so that all plots look alike. The pieces meant for reuse:

* :func:`style` — ``with style(): ...`` draws in the shared rc settings (:data:`STYLE`).
* :func:`label_quarters` — a calendar-quarter x axis over steps 0, 1, …
* :func:`band` — a mean line with its 5–95% band over replicates.
* :func:`shock_lines` and :func:`label_shocks_above` — dashed onset lines and their
  labels in a strip above the axes; :func:`shock_markers` does both for a run and shades each
  shock's window by its strength (:mod:`simulator.presentation.shock_windows`).
* :func:`shock_key` — the numbered key (number, quarter, name) of many shocks.
* :func:`place_legend_outside` — a legend right of the axes, optionally continued by a shock key.
* :func:`key_below` — a key under all the axes of a figure (for multi-panel figures).
* :func:`note_below` — a note in words under all the axes (what a figure leaves out, and why);
  :func:`run_notes_below` adds a run plot's closing captions (replicates and seed; settings outside
  their documented ranges).
* :func:`save_figure` — lay out, pack the shock labels into rows without overlap, save, close;
  :func:`plot_formats` makes it write each figure in several formats (PNG, SVG, PDF).
* :func:`coded_bands` and :func:`milestone_lines` — the coded history as intensity bands, and
  the milestones labelled with the ordinal level each one begins (:class:`CodedLevels`).
"""

from __future__ import annotations

import re
import textwrap
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import Colormap, ListedColormap, Normalize
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox, ScaledTranslation

from simulator.base.calendar import quarter_label
from simulator.base.errors import MissingGlyphWarning
from simulator.core.structure import (
    ACTOR_NAMES,
    CHALLENGERS,
    DOMAIN_LABELS,
    DOMAINS,
    HEADLINE_PAIR,
    MILESTONES,
    OBSERVERS,
    PAIRS,
    SMALLEST_INDEX_EFFECT,
)
from simulator.inputs.documented_ranges import caption, outside_fixed
from simulator.inputs.history import LEVEL_NAMES
from simulator.presentation.formats import DEFAULT_FORMATS
from simulator.presentation.labels import INTENSITY, HeldConstantView, constant_groups, pair_label
from simulator.presentation.shock_windows import shade_windows, window_note, windows
from simulator.storage.output import atomic_file

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.legend import Legend
    from matplotlib.text import Annotation

    from simulator.inputs.scenario import Scenario, Shock


class RunView(Protocol):
    """What the plots draw of a run (:class:`simulator.runs.results.RunResult` provides it).

    Named here so that drawing needs nothing above it and a run's results need no plotting.
    """

    @property
    def scenario(self) -> Scenario:
        """The scenario run (its name and shocks are drawn)."""
        ...

    @property
    def steps(self) -> np.ndarray:
        """Step numbers 0 … horizon."""
        ...

    @property
    def quarter_labels(self) -> list[str]:
        """The quarter of each step."""
        ...

    def series(self, variable: str) -> np.ndarray:
        """(steps, replicates) values of one variable."""
        ...

    @property
    def held_constant_pairs(self) -> Sequence[HeldConstantView]:
        """Pairs whose cooperation is one number in every world and quarter (not drawn as results)."""
        ...

    @property
    def band(self) -> str:
        """What the 90% bands hold, e.g. "replicate noise only (point calibration)" (said under each banded plot)."""
        ...


OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
CHALLENGER_COLOURS = {"CHN": "#D55E00", "RUS": "#0072B2", "PRK": "#009E73"}
BAND_ALPHA = 0.18
"""Opacity of a 5–95% band under its line."""
TWIN_COLOUR = OKABE_ITO[1]
"""Colour of a run's no-shock twin: orange, apart from the run's blue and the grey of shock lines."""
TWIN_LABEL = "without the shocks"
"""How the headline plot names the twin."""
DIFFERENCE_COLOUR = OKABE_ITO[4]
"""Colour of the paired difference run minus twin: reddish purple, neither the run's blue nor the twin's orange,
and apart from the grey strip of effects too small to matter behind it."""
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "axes.prop_cycle": matplotlib.cycler(color=list(OKABE_ITO)),
    "image.cmap": "viridis",
    "text.parse_math": False,
}
"""Matplotlib rc settings of every plot (readable at 100 dpi; Okabe–Ito for categories, viridis for scales).

Text is drawn as written (``text.parse_math`` off): names come from users' files, and matplotlib
would otherwise read ``$…$`` in a name as mathematics and stop at ``$\\foo$``. No plot writes
mathematics of its own."""
SHOCK_LINE = {"color": "#555555", "ls": "--"}
"""How a shock's onset line is drawn, on every plot with a time axis."""
SHOCK_LABEL_GID = "eujsim-shock-label"
"""Group id of the shock labels above an axes; :func:`save_figure` finds them by it to pack them into rows."""
KEY_BELOW_GID = "eujsim-key-below"
"""Group id of a key made by :func:`key_below`; :func:`save_figure` moves it under the axes."""
TITLE_GAP = 6
"""Points between the top of a strip of shock labels and the axes title."""
KEY_FONTSIZE = 7.5
"""Font size of a numbered shock key: small, but readable at 100 dpi."""


_GLYPH_MISSING = re.compile(r"^Glyph \d+ \((.+)\) missing from font")


@contextmanager
def style() -> Iterator[None]:
    """Draw in the shared rc settings (:data:`STYLE`) inside a ``with`` block.

    A context rather than a global ``rcParams`` update, so that importing the simulator
    never changes someone else's matplotlib settings. Matplotlib warns once per character
    its font lacks (a Japanese name: dozens of lines); those warnings become one
    :class:`MissingGlyphWarning` naming the characters, and every other warning passes on.
    """
    with plt.rc_context(STYLE), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    missing: dict[str, None] = {}
    for warning in caught:
        found = _GLYPH_MISSING.match(str(warning.message))
        if found:
            try:  # matplotlib names the character as \N{NAME}
                missing[found.group(1).encode("ascii").decode("unicode_escape")] = None
            except UnicodeError:
                missing[found.group(1)] = None
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    if missing:
        # In code-point order: plots that lack the same characters then say it in the same words, which the
        # command line prints once, whatever order each plot happened to draw its names in.
        shown = "".join(sorted(missing)[:12]) + ("…" if len(missing) > 12 else "")
        warnings.warn(
            f"the plot font has no glyph for {len(missing)} character(s) of the names ({shown}), which the plots "
            "draw as boxes; install a font that has them (e.g. Noto Sans CJK) and list it in matplotlib's "
            "font.sans-serif",
            MissingGlyphWarning,
            stacklevel=3,
        )


def tick_every(n_steps: int, max_labels: int = 11) -> int:
    """Spacing of labelled quarters so that at most about ``max_labels`` labels fit.

    Steps of whole years (4, 8, …) when there are many quarters, so that every label
    names the same quarter of its year.
    """
    for every in (1, 2, 4, 8, 12, 16, 20, 40):
        if n_steps / every <= max_labels:
            return every
    return 40


def quarter_axis(ax: Axes, result: RunView, max_labels: int = 11) -> None:
    """Label the x axis with calendar quarters."""
    label_quarters(ax, result.quarter_labels, max_labels=max_labels)


def label_quarters(ax: Axes, labels: list[str], max_labels: int = 11) -> None:
    """Label an x axis of steps 0, 1, … with their quarters (``labels[step]``).

    Args:
        ax: The axes.
        labels: The quarter of each step, e.g. ``result.quarter_labels``.
        max_labels: At most about this many labels; a narrow panel needs fewer so that
            the rotated labels do not touch (about 6 for a third of a 13-inch figure).
    """
    every = tick_every(len(labels), max_labels)
    ticks = list(range(0, len(labels), every))
    ax.set_xticks(ticks)
    ax.set_xticklabels([labels[t] for t in ticks], rotation=45, ha="right", rotation_mode="anchor")
    ax.set_xlim(0, len(labels) - 1)
    ax.set_xlabel("quarter (end of)")


def band(ax: Axes, result: RunView, variable: str, colour: str, label: str) -> None:
    """Mean line with the 5–95% band over replicates."""
    band_of(ax, result.steps, result.series(variable), colour, label)


def band_of(
    ax: Axes,
    x: np.ndarray,
    data: np.ndarray,
    colour: str,
    label: str,
    *,
    alpha: float = BAND_ALPHA,
    **line: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean line of (steps + 1, worlds) ``data`` with its 5–95% band over worlds; returns the band's edges.

    ``alpha`` is the band's opacity; ``line`` overrides the mean line's width (2) or adds its style.
    """
    low, high = np.percentile(data, 5, axis=1), np.percentile(data, 95, axis=1)
    ax.fill_between(x, low, high, color=colour, alpha=alpha, lw=0)
    ax.plot(x, data.mean(axis=1), color=colour, **{"lw": 2, **line}, label=label)
    return low, high


MAX_NAMED_SHOCKS = 6
"""Above this many shocks, markers carry numbers and a key lists the names beside the plot."""


def shock_name(name: str) -> str:
    """A shock's name as shown on a plot (library keys such as ``us_retrenchment`` in words)."""
    return name.replace("_", " ")


def shock_key(shocks: Sequence[Shock]) -> list[str]:
    """The key of numbered shock markers: one ``" 1  2025Q2  US retrenchment"`` line per shock.

    The numbers are right-aligned for a monospace font (as :func:`place_legend_outside`
    and :func:`key_below` set it), so that the quarters line up.
    """
    return [f"{i + 1:>2}  {quarter_label(s.at)}  {shock_name(s.name)}" for i, s in enumerate(shocks)]


def shock_lines(ax: Axes, xs: Sequence[float], *, lw: float = 1.0) -> None:
    """A dashed vertical line at each shock's onset ``x`` (data coordinates), under the data."""
    for x in xs:
        ax.axvline(x, lw=lw, zorder=1.5, **SHOCK_LINE)


def label_shocks_above(
    ax: Axes, xs: Sequence[float], texts: Sequence[str], *, numbered: bool = False, fontsize: float | None = None
) -> list[Annotation]:
    """Label shock onsets in a strip above the axes, each joined to its line by a dotted stub.

    Above the axes a label can never hide data, whatever the y range. The labels start in
    one row; :func:`save_figure` (or :func:`pack_shock_labels`) then stacks those that would
    overlap into further rows and lifts the title clear of them.

    Args:
        ax: The axes whose top the labels sit on.
        xs: Onset of each shock in data coordinates.
        texts: Label of each shock: its name, or its number when a key lists the names.
        numbered: Whether the texts are numbers (centred on the line, smaller) rather than
            names (starting at the line).
        fontsize: Font size; by default 8 for names and 7.5 for numbers.
    """
    size = fontsize if fontsize is not None else (KEY_FONTSIZE if numbered else 8)
    made = []
    for x, text in zip(xs, texts, strict=True):
        made.append(
            ax.annotate(
                text,
                xy=(x, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center" if numbered else "left",
                va="bottom",
                fontsize=size,
                color="#333333",
                bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none"},
                annotation_clip=False,
                gid=SHOCK_LABEL_GID,
                arrowprops={
                    "arrowstyle": "-",
                    "color": "#777777",
                    "lw": 0.6,
                    "ls": ":",
                    "shrinkA": 0,
                    "shrinkB": 0,
                    "relpos": (0.5 if numbered else 0.0, 0.0),
                    "patchA": None,  # no clipping of the stub by the text box: it ends under the box anyway
                },
            )
        )
    return made


def shock_markers(ax: Axes, result: RunView, annotate: bool = True, *, numbered: bool | None = None) -> list[str]:
    """Each shock's window shaded by its strength, a dashed line at its onset, its name in a strip above.

    A long scenario (the backcast has about thirty dated events) would bury the plot under
    names, so beyond ``MAX_NAMED_SHOCKS`` (or whenever ``numbered`` is true, e.g. on a narrow
    panel) each line gets a number instead, and the key (number, quarter, name) is returned
    for the caller to place beside the plot (:func:`place_legend_outside`, :func:`key_below`).
    Otherwise the key is empty. Save the figure with :func:`save_figure` so the labels are
    packed into rows that do not overlap.

    Args:
        ax: The axes, with steps (quarters since the start) on x.
        result: The run whose scenario holds the shocks.
        annotate: False draws the lines only (e.g. on the lower of two panels sharing x).
        numbered: Numbers instead of names; by default only for more than ``MAX_NAMED_SHOCKS``.

    Returns:
        The key lines of numbered markers, or an empty list.
    """
    shocks = result.scenario.shocks
    numbered = len(shocks) > MAX_NAMED_SHOCKS if numbered is None else numbered
    shown = windows(shocks, result.scenario.start - 1, float(result.steps[-1]))
    shade_windows(ax, shown)
    xs = [w.start for w in shown]
    shock_lines(ax, xs, lw=0.8 if numbered else 1.0)
    if not annotate:
        return []
    texts = [str(i + 1) for i in range(len(shocks))] if numbered else [shock_name(s.name) for s in shocks]
    label_shocks_above(ax, xs, texts, numbered=numbered)
    return shock_key(shocks) if numbered else []


def label_shock(
    ax: Axes, text: str, x: float, y: float, *, fontsize: float = 8, offset: float = 2, zorder: float | None = None
) -> None:
    """Write ``text`` just right of a shock's line at ``x`` (data) and height ``y`` (axes fraction).

    For a label inside the axes (prefer :func:`label_shocks_above`, which never covers data).
    The white box keeps the name readable where it crosses the plotted lines.
    """
    layer = {} if zorder is None else {"zorder": zorder}
    ax.annotate(
        text,
        xy=(x, y),
        xycoords=("data", "axes fraction"),
        xytext=(offset, 0),
        textcoords="offset points",
        fontsize=fontsize,
        va="top",
        color="#333333",
        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        **layer,
    )


def place_legend_outside(
    ax: Axes,
    handles: Sequence[Artist] | None = None,
    labels: Sequence[str] | None = None,
    *,
    key: Sequence[str] = (),
    **kwargs: Any,
) -> Legend:
    """A legend in the column right of the axes, so it never covers data.

    Args:
        ax: The axes.
        handles: Legend handles (default: the axes' labelled artists).
        labels: Their labels (default: the artists' labels).
        key: Lines of a numbered shock key (:func:`shock_markers`), listed under the
            entries in a small monospace font, without line samples.
        **kwargs: Passed to :meth:`~matplotlib.axes.Axes.legend`.

    Returns:
        The legend. Save with ``bbox_inches="tight"`` (as :func:`save_figure` does): a long
        key may reach below the axes.
    """
    if handles is None or labels is None:
        found_handles, found_labels = ax.get_legend_handles_labels()
        handles = found_handles if handles is None else handles
        labels = found_labels if labels is None else labels
    entries = len(handles)
    handles, labels = list(handles), list(labels)
    if key:
        handles += [Line2D([], [], ls="none")] * (len(key) + 1)
        labels += ["", *key]
    options = {"loc": "upper left", "bbox_to_anchor": (1.01, 1.0), "handlelength": 1.5, **kwargs}
    legend = ax.legend(handles, labels, **options)
    for text in legend.get_texts()[entries:]:
        text.set_fontsize(KEY_FONTSIZE)
        text.set_family("monospace")
    if key:  # a long key is taller than the axes: the layout fits the axes, the saved file the key
        legend.set_in_layout(False)
    return legend


def key_below(fig: Figure, key: Sequence[str], *, ncol: int = 2, title: str = "shocks") -> Legend | None:
    """A numbered shock key under all the axes of ``fig``, in ``ncol`` columns.

    For figures whose right side is taken (several panels, a colour bar).
    :func:`save_figure` moves it under the lowest tick labels once the layout is final.

    Returns:
        The key, or None when ``key`` is empty.
    """
    if not key:
        return None
    legend = fig.legend(
        [Line2D([], [], ls="none")] * len(key),
        list(key),  # a legend fills column by column, so the numbers run down each column
        loc="upper left",
        bbox_to_anchor=(0.0, 0.0),
        ncol=ncol,
        handlelength=0,
        handletextpad=0,
        columnspacing=2.0,
        title=title,
        title_fontsize=8,
        alignment="left",
        prop={"family": "monospace", "size": KEY_FONTSIZE},
    )
    legend.set_gid(KEY_BELOW_GID)
    return legend


NOTE_WIDTH = 150
"""Characters per line of a note under a figure about 10 inches wide (at the note's 8 points)."""


def note_below(fig: Figure, text: str, *, width: int = NOTE_WIDTH) -> Legend:
    """A note in words under all the axes of ``fig``, wrapped to ``width`` characters per line.

    For what a reader must know to read the figure right, such as the series it leaves out
    and why. :func:`save_figure` places it under the lowest tick labels (and under any key).
    """
    wrapped = "\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False))
    legend = fig.legend(
        [Line2D([], [], ls="none")],
        [wrapped],
        loc="upper left",
        bbox_to_anchor=(0.0, 0.0),
        handlelength=0,
        handletextpad=0,
        alignment="left",
        prop={"size": 8},
    )
    legend.get_texts()[0].set_color("#333333")
    legend.set_gid(KEY_BELOW_GID)
    return legend


def _axes_with_labels(fig: Figure) -> list[Axes]:
    return [ax for ax in fig.axes if any(t.get_gid() == SHOCK_LABEL_GID for t in ax.texts)]


def pack_shock_labels(fig: Figure) -> None:
    """Stack overlapping shock labels into rows and lift each titled axes' title above them.

    Works on the labels of :func:`label_shocks_above` in the figure's current layout, so
    call it after the layout is settled (:func:`save_figure` does). A label goes into the
    lowest row where it clears its left neighbour by 2 points.
    """
    renderer = fig.canvas.get_renderer()
    gap = 2 * fig.dpi / 72
    for ax in _axes_with_labels(fig):
        labels = sorted((t for t in ax.texts if t.get_gid() == SHOCK_LABEL_GID), key=lambda t: t.xy[0])
        row_height = 0.0
        ends: list[float] = []
        rows = []
        for label in labels:
            label.xyann = (0, 3)
            box = label.get_window_extent(renderer)
            row_height = max(row_height, box.height * 72 / fig.dpi + 1)
            row = next((r for r, end in enumerate(ends) if end + gap <= box.x0), len(ends))
            if row == len(ends):
                ends.append(box.x1)
            ends[row] = box.x1
            rows.append(row)
        for label, row in zip(labels, rows, strict=True):
            label.xyann = (0, 3 + row * row_height)
            label.set_zorder(3 + 1 / (row + 1))  # a lower label's white box hides the stubs that pass behind it
        strip = 3 + len(ends) * row_height  # points above the axes
        lift = ScaledTranslation(0, (strip + TITLE_GAP) / 72, fig.dpi_scale_trans)
        ax.title.set_transform(ax.transAxes + lift)


KEY_GAP = 2
"""Points between two keys or notes stacked under a figure, so that neither touches the other."""


def _place_keys_below(fig: Figure) -> None:
    """Move each key (:func:`key_below`) and note (:func:`note_below`) under the axes, one below the other."""
    keys = [legend for legend in fig.legends if legend.get_gid() == KEY_BELOW_GID]
    if not keys:
        return
    renderer = fig.canvas.get_renderer()
    boxes = [ax.get_tightbbox(renderer) for ax in fig.axes if ax.get_visible()]
    union = Bbox.union([b for b in boxes if b is not None])
    left, bottom = fig.transFigure.inverted().transform((union.x0, union.y0))
    top = bottom - 0.01
    gap = KEY_GAP * fig.dpi / 72
    for legend in keys:
        legend.set_bbox_to_anchor((left, top), transform=fig.transFigure)
        height = legend.get_window_extent(renderer).height
        top -= (height + gap) / fig.bbox.height


_FORMATS: ContextVar[tuple[str, ...]] = ContextVar("plot_formats", default=DEFAULT_FORMATS)


@contextmanager
def plot_formats(formats: Sequence[str]) -> Iterator[None]:
    """Inside the block, :func:`save_figure` writes each figure in every one of ``formats``.

    A context rather than an argument of every plot function, so that all the plots a result draws
    (a run's, a comparison's, the runs a comparison simulated) follow one ``--format`` without each
    drawing function passing it on.
    """
    token = _FORMATS.set(tuple(formats))
    try:
        yield
    finally:
        _FORMATS.reset(token)


def figure_paths(path: Path | str) -> list[Path]:
    """Every file :func:`save_figure` writes for ``path``: its stem in each format of :func:`plot_formats`."""
    return [Path(path).with_suffix(f".{fmt}") for fmt in _FORMATS.get()]


def save_figure(fig: Figure, path: Path | str, *, atomic: bool = False, **savefig_kw: Any) -> list[Path]:
    """Lay out, pack the shock labels, place any key below, save in each format and close the figure.

    The layout is fitted twice around the packing, because the rows of shock labels take
    height that the first fit does not know of. The file is cut to what was drawn
    (``bbox_inches="tight"``), so legends and keys outside the axes are kept whole. The figure
    is written once per format of :func:`plot_formats` (PNG unless asked otherwise), each file
    named as ``path`` with that format's suffix; with ``format`` in ``savefig_kw``, only ``path``.

    Args:
        fig: The figure.
        path: Where to write it (``plots/pairs.png``; ``plots/pairs.svg`` too when SVG is asked for).
        atomic: Write each file through a temporary name and a rename
            (:func:`~simulator.storage.output.atomic_file`), for a folder that is rewritten in place
            (a sweep's analysis), so that a reader never sees half a plot.
        **savefig_kw: Passed to :meth:`~matplotlib.figure.Figure.savefig` (e.g. ``format``).

    Returns:
        The files written.
    """
    try:
        layout(fig)
        outside = [a for ax in fig.axes for a in ax.get_children() if a.get_visible() and not a.get_in_layout()]
        outside += fig.get_default_bbox_extra_artists()
        options = {"bbox_inches": "tight", "pad_inches": 0.15, "bbox_extra_artists": outside, **savefig_kw}
        targets = [Path(path)] if "format" in savefig_kw else figure_paths(path)
        for target in targets:
            if atomic:
                with atomic_file(target) as tmp:  # the temporary name has no suffix to tell the format by
                    fig.savefig(tmp, **{"format": target.suffix.removeprefix("."), **options})
            else:
                fig.savefig(target, **options)
        return targets
    finally:
        plt.close(fig)


def layout(fig: Figure) -> None:
    """Fit the layout, pack the shock labels into rows, refit, and place keys below the axes.

    :func:`save_figure` calls it; call it yourself only to save in some other way.
    """
    fig.tight_layout()
    pack_shock_labels(fig)
    fig.tight_layout()
    pack_shock_labels(fig)
    _place_keys_below(fig)


def _title(result: RunView, what: str) -> str:
    return f"{what} — scenario: {result.scenario.name}"


def band_note(result: RunView) -> str:
    """The caption under a banded run plot that says which uncertainty the bands hold.

    A band over replicates of the point calibration and one over an ensemble of calibrations
    look alike but mean different things; the caption keeps a reader from taking one for the other.
    """
    return f"Shaded bands hold 90% of the worlds: {result.band}."


def run_caption(result: RunView) -> str:
    """The line under every run plot that says how many worlds it rests on and from which seed.

    A figure copied into a paper leaves its folder and manifest behind; with the count and the seed
    on it, a reader can judge how settled the bands are and anyone can draw the same figure again.
    """
    worlds = result.series(f"coop_{HEADLINE_PAIR}").shape[1]
    return f"{worlds} replicate{'s' if worlds != 1 else ''}, seed {result.scenario.seed}."


def run_notes_below(fig: Figure, result: RunView) -> None:
    """The closing captions of a run plot: replicates and seed, then any settings outside their documented ranges.

    Every run plot ends with this call, so the provenance line is added in one place. A result resting
    on a setting the calibration does not argue for must say so even as a plot copied out of the result
    folder on its own, so that note is drawn on the figure itself too.
    """
    shocks = result.scenario.shocks
    if shocks:
        note_below(fig, window_note(len(shocks), any(shock.duration is None for shock in shocks)))
    note_below(fig, run_caption(result))
    note = caption(outside_fixed(result.scenario.parameters))
    if note:
        note_below(fig, note)


def intensity_chart(
    result: RunView,
    path: Path,
    lines: list[tuple[str, str, str]],
    what: str,
    band_label: str | None = None,
    *,
    milestones: bool = False,
) -> Figure:
    """Cooperation intensity over time: one banded line per ``(variable, colour, label)``.

    With ``milestones``, dotted lines mark where EU–Japan cooperation reaches each milestone,
    labelled with the level of the coded history it reads as (docs/ODD.md, observation model),
    so that a reader of a forward run sees what a level means in things the sources record.
    Returns the figure, closed once saved.
    """
    with style():
        fig, ax = plt.subplots(figsize=(10, 5.2))
        for variable, colour, label in lines:
            band(ax, result, variable, colour, label)
        if band_label:
            ax.plot([], [], color=lines[0][1], alpha=0.3, lw=8, label=band_label)
        key = shock_markers(ax, result)
        ax.set_ylim(0, 1)
        if milestones:
            milestone_lines(ax, milestone_meanings())
        ax.set_ylabel(f"cooperation {INTENSITY}")
        quarter_axis(ax, result)
        ax.set_title(_title(result, what))
        place_legend_outside(ax, key=key)
        if band_label:
            note_below(fig, band_note(result))
        run_notes_below(fig, result)
        save_figure(fig, path)
    return fig


def plot_headline(result: RunView, path: Path, twin: RunView | None = None) -> Figure:
    """EU–Japan cooperation with its 90% band and shock markers; with a twin, also what the shocks did.

    Given the run's no-shock ``twin`` (the same worlds without the shocks), the upper panel adds the
    twin as a dashed line with a lighter band, and a lower panel shows the paired difference, world by
    world (mean and the band of 90% of worlds), against a zero line. The grey strip around zero is
    the smallest effect that matters on the 0–1 scale, so that a reader sees at once whether the gap
    is worth reading. Without a twin the plot is the single panel it always was.

    Returns:
        The figure, closed once saved (its axes and legends can still be read).
    """
    head = f"coop_{HEADLINE_PAIR}"
    if twin is None:
        line = (head, OKABE_ITO[0], "EU–Japan, mean over replicates")
        return intensity_chart(
            result, path, [line], "EU–Japan security cooperation", band_label="90% of replicates", milestones=True
        )
    with style():
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(10, 7.6), sharex=True, gridspec_kw={"height_ratios": [3, 1.6]})
        band(top, result, head, OKABE_ITO[0], "EU–Japan, with the shocks (mean)")
        twin_data = twin.series(head)
        band_of(top, twin.steps, twin_data, TWIN_COLOUR, TWIN_LABEL, alpha=BAND_ALPHA / 2, lw=1.8, ls="--")
        top.plot([], [], color=OKABE_ITO[0], alpha=0.3, lw=8, label="90% of replicates")
        key = shock_markers(top, result)
        top.set_ylim(0, 1)
        milestone_lines(top, milestone_meanings())
        top.set_ylabel(f"cooperation {INTENSITY}")
        top.set_title(_title(result, "EU–Japan security cooperation"))
        place_legend_outside(top)

        difference = result.series(head) - twin_data
        x = result.steps
        # Hatched, not filled: a grey fill would read as one more shock window.
        bottom.axhspan(-SMALLEST_INDEX_EFFECT, SMALLEST_INDEX_EFFECT, **TOO_SMALL_STRIP, zorder=0.4)
        bottom.axhline(0, color="#333333", lw=0.8, zorder=0.8)
        d_low, d_high = band_of(bottom, x, difference, DIFFERENCE_COLOUR, "mean of the worlds")
        bottom.plot([], [], color=DIFFERENCE_COLOUR, alpha=0.3, lw=8, label="90% of worlds")
        bottom.fill_between([], [], [], **TOO_SMALL_STRIP, label=TOO_SMALL_LABEL)
        shock_markers(bottom, result, annotate=False)
        bottom.set_ylim(*difference_limits(float(d_low.min()), float(d_high.max())))
        bottom.set_ylabel("shocks' effect\n(with − without)")
        bottom.set_title("What the shocks did: each world minus the same world without them", fontsize=10, loc="left")
        place_legend_outside(bottom)
        quarter_axis(bottom, result)
        key_below(fig, key, ncol=3)  # beside the upper panel a long key would run into the lower panel's legend
        note_below(
            fig,
            f"{band_note(result)} The dashed line is the same worlds {TWIN_LABEL} (same seed, so each world draws the "
            "same random numbers with and without them); the lower panel is their difference, world by world.",
        )
        run_notes_below(fig, result)
        save_figure(fig, path)
    return fig


TOO_SMALL_STRIP = {"facecolor": "none", "edgecolor": "#b0b0b0", "hatch": "////", "lw": 0}
"""How a difference plot marks the effects too small to matter around zero: hatched, apart from the
grey fill of shock windows."""
TOO_SMALL_LABEL = f"within ±{SMALLEST_INDEX_EFFECT:g}: too small to matter"
"""How every legend names the strip of effects too small to matter."""


def difference_limits(low: float, high: float) -> tuple[float, float]:
    """The y range of a difference panel that reaches ``low``–``high``: zero and the too-small strip always show.

    The range is at least twice the strip either way, with a margin, so that a difference of a few
    thousandths does not fill the panel and read as news.
    """
    floor = 2 * SMALLEST_INDEX_EFFECT
    lowest, highest = min(low, -floor), max(high, floor)
    margin = 0.08 * (highest - lowest)
    return lowest - margin, highest + margin


CHANGE_CMAP = "RdBu"
"""Diverging colour map of the domain heatmap: red for less cooperation, blue for more, white for none
(readable with the common forms of colour blindness)."""


def change_colours(changes: np.ndarray, *, least: float = 0.0) -> tuple[Colormap, Normalize]:
    """Colours of changes: white for none, blue for more, red for less, with no half of the scale unused.

    Changes of both signs take the whole diverging map (:data:`CHANGE_CMAP`), centred on zero. Changes
    of one sign only (a retrenchment that only ever raises cooperation) take that half of it, from white
    at zero to the largest change, so that the colour bar shows no range that nothing has and the cells
    use all its shades.

    Args:
        changes: The changes to colour (finite values).
        least: The smallest extent of the scale, so that a run with (almost) no change stays pale
            rather than stretching noise over the darkest colours.
    """
    extent = max(float(np.abs(changes).max()) if changes.size else 0.0, least) or 1e-9
    full = matplotlib.colormaps[CHANGE_CMAP]
    if changes.size and changes.min() >= 0:
        return ListedColormap(full(np.linspace(0.5, 1.0, 256)), name=f"{CHANGE_CMAP}_upper"), Normalize(0.0, extent)
    if changes.size and changes.max() <= 0:
        return ListedColormap(full(np.linspace(0.0, 0.5, 256)), name=f"{CHANGE_CMAP}_lower"), Normalize(-extent, 0.0)
    return full, Normalize(-extent, extent)


def _scale_words(norm: Normalize) -> str:
    """How far the colour scale of :func:`change_colours` runs, in words."""
    if norm.vmin == 0:
        return f"The colour scale runs from 0 to +{norm.vmax:.3g}, the largest change in the run (none is below zero)."
    if norm.vmax == 0:
        return f"The colour scale runs from {norm.vmin:.3g} to 0, the largest change in the run (none is above zero)."
    return f"The colour scale runs ±{norm.vmax:.3g} either way, the largest change in the run."


def domain_change(result: RunView, twin: RunView | None = None) -> tuple[np.ndarray, str]:
    """Mean EU–JPN change per domain (rows) and quarter (columns), and what it is a change against.

    With the no-shock ``twin``: each world minus the same world without the shocks, so that the
    heatmap shows what the shocks did. Without: each quarter minus the first, what the run did.
    """
    own = np.stack([result.series(f"coop_{HEADLINE_PAIR}_{d}").mean(axis=1) for d in DOMAINS])
    if twin is not None:
        other = np.stack([twin.series(f"coop_{HEADLINE_PAIR}_{d}").mean(axis=1) for d in DOMAINS])
        return own - other, f"against the same worlds {TWIN_LABEL}"
    return own - own[:, :1], f"since {result.quarter_labels[0]}"


def plot_domain_heatmap(result: RunView, path: Path, twin: RunView | None = None) -> Figure:
    """Change in mean EU–JPN intensity per domain (rows) and quarter (columns), shocks marked above.

    On a fixed 0–1 scale the domains' levels fill the picture and the few hundredths the shocks move
    them vanish; the change is what a reader looks for. With the run's no-shock ``twin`` the cells are
    the difference to the same worlds without the shocks, else the change since the first quarter,
    white for none on a scale that reaches the largest change (:func:`change_colours`: one-sided when
    every change has the same sign).

    Returns:
        The figure, closed once saved (its image and colour bar can still be read).
    """
    matrix, against = domain_change(result, twin)
    cmap, norm = change_colours(matrix, least=SMALLEST_INDEX_EFFECT)  # a run with no change stays pale, not loud
    with style(), plt.rc_context({"axes.grid": False}):
        strip_height = 0.5 if result.scenario.shocks else 0.0
        fig = plt.figure(figsize=(10, 4.8 + strip_height))
        grid = fig.add_gridspec(2, 2, height_ratios=[0.1 + strip_height, 4], width_ratios=[1, 0.025])
        strip = fig.add_subplot(grid[0, 0])  # first, as the top of the figure: it carries the title
        ax = fig.add_subplot(grid[1, 0], sharex=strip)
        bar_axes = fig.add_subplot(grid[1, 1], label="<colorbar>")  # as matplotlib names its own colour bars
        # Cell q sits on its step; the map shifts by half a cell so that a cell spans the quarter
        # it stands for (from the end of the quarter before to the end of its own), as the shock
        # windows and every line plot place a quarter.
        image = ax.imshow(
            matrix,
            aspect="auto",
            cmap=cmap,
            norm=norm,
            interpolation="nearest",
            extent=(-1, matrix.shape[1] - 1, len(DOMAINS) - 0.5, -0.5),
        )
        ax.set_yticks(range(len(DOMAINS)))
        ax.set_yticklabels([DOMAIN_LABELS[d] for d in DOMAINS])
        ax.set_ylabel("domain")
        quarter_axis(ax, result)
        ax.set_xlim(-1, matrix.shape[1] - 1)
        # The windows are shaded in a strip of their own above the map: laid over the cells, grey
        # would read as a colour of the scale.
        key = shock_markers(strip, result)
        strip.set_yticks([])
        strip.spines[["left", "bottom"]].set_visible(False)
        strip.tick_params(axis="x", length=0)
        if result.scenario.shocks:
            strip.set_ylabel("shocks", rotation=0, ha="right", va="center", fontsize=9)
        else:
            strip.set_visible(False)
        shock_lines(ax, [line.get_xdata()[0] for line in strip.lines])
        for line in ax.lines:  # dark dashes: the map is pale where nothing changes
            line.set_color("#222222")
            line.set_alpha(0.7)
        strip.tick_params(axis="x", labelbottom=False)
        cbar = fig.colorbar(image, cax=bar_axes)  # in a grid cell of its own: the strip keeps the map's width
        if twin is not None:
            cbar.set_label("with − without the shocks\n(mean intensity, 0–1 scale)")
            what = "EU–Japan cooperation by domain: with − without the shocks"
        else:
            cbar.set_label(f"change {against}\n(mean intensity, 0–1 scale)")
            what = f"EU–Japan cooperation by domain: change {against}"
        (strip if result.scenario.shocks else ax).set_title(_title(result, what))
        key_below(fig, key, ncol=3)
        note_below(
            fig,
            f"Cells: mean over the worlds of each domain's change {against}; blue more cooperation, red less, "
            f"white none. {_scale_words(norm)}",
        )
        run_notes_below(fig, result)
        save_figure(fig, path)
    return fig


def plot_threats(result: RunView, path: Path) -> None:
    """How the EU, Japan and the USA read each challenger, with 90% bands.

    One full-width panel per observer, stacked on a shared time axis, so that the shocks carry
    their names above the top panel (side by side, the narrow panels left room only for numbers)
    and their windows line up down the figure.
    """
    with style():
        fig, axes = plt.subplots(len(OBSERVERS), 1, figsize=(10, 9.6), sharex=True, sharey=True)
        key: list[str] = []
        for row, (ax, observer) in enumerate(zip(axes, OBSERVERS, strict=True)):
            for challenger in CHALLENGERS:
                band(
                    ax,
                    result,
                    f"threat_{observer}_{challenger}",
                    CHALLENGER_COLOURS[challenger],
                    ACTOR_NAMES[challenger],
                )
            if row == 0:
                key = shock_markers(ax, result)
            else:
                shock_markers(ax, result, annotate=False)
            # Inside the panel, top left: above it, the top panel's title would meet the shock names.
            ax.text(
                0.01,
                0.97,
                f"as read by {ACTOR_NAMES[observer]}",
                transform=ax.transAxes,
                va="top",
                fontsize=10,
                bbox={"boxstyle": "square,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
            )
            ax.set_ylim(0, 1)
            ax.set_ylabel(f"threat {INTENSITY}")
        quarter_axis(axes[-1], result)
        place_legend_outside(axes[0], title="challenger", alignment="left")
        fig.suptitle(_title(result, "Threat perceptions"))
        key_below(fig, key, ncol=3)
        note_below(fig, band_note(result))
        run_notes_below(fig, result)
        save_figure(fig, path)


WESTERN_PAIRS = ("EU_JPN", "EU_USA", "JPN_USA")
"""The pairs the simulator is about: drawn in full colour."""
MAIN_PAIRS = (*WESTERN_PAIRS, "CHN_RUS", "RUS_PRK", "CHN_PRK")
"""The pairs drawn first, in these colours: the Western alliances, then the alignment among the challengers."""


def pair_order(pairs: Sequence[str]) -> list[str]:
    """``pairs`` with the main pairs first (in :data:`MAIN_PAIRS` order), then the others as given."""
    return [p for p in MAIN_PAIRS if p in pairs] + [p for p in pairs if p not in MAIN_PAIRS]


PAIR_STYLES: dict[str, tuple[str, str, float]] = {
    "EU_JPN": (OKABE_ITO[0], "-", 2.0),
    "EU_USA": (OKABE_ITO[1], "-", 2.0),
    "JPN_USA": (OKABE_ITO[2], "-", 2.0),
    "CHN_RUS": ("#333333", "--", 1.5),
    "RUS_PRK": ("#7A7A7A", "-.", 1.5),
    "CHN_PRK": ("#A8A8A8", ":", 1.8),
}
"""``(colour, line style, width)`` of the main pairs.

The Western pairs, the story of the simulator, take three Okabe–Ito hues far apart (blue, orange,
bluish green) and solid lines; the challengers' alignment is drawn quieter, in three greys told apart
by lightness and dash, so that no challenger line shares a hue with a Western one."""
OTHER_PAIR_HUES = ("#D55E00", "#CC79A7", "#9A8700")
"""Hues of the cross-camp pairs (drawn only when a model change lets them move): Okabe–Ito's vermillion,
reddish purple and a darkened yellow, none near the Western pairs' blue, orange or green."""
OTHER_PAIR_LINES = ((0, (1, 1)), (0, (5, 2)), (0, (3, 1, 1, 1)))


def _shade(colour: str, amount: float) -> str:
    """``colour`` mixed towards black (``amount`` < 0) or white (> 0), so one hue gives distinct lines."""
    rgb = np.array(matplotlib.colors.to_rgb(colour))
    mixed = rgb + (1 - rgb) * amount if amount > 0 else rgb * (1 + amount)
    return matplotlib.colors.to_hex(mixed)


def pair_styles(pairs: Sequence[str]) -> list[tuple[str, Any, float]]:
    """``(colour, line style, width)`` of each pair's line, no two alike in colour.

    The main pairs take :data:`PAIR_STYLES`; any other pair one of three quiet hues, darker or
    lighter by turn and with its own dash, thin, so that they never outshout the main pairs.
    """
    styles = []
    others = 0
    for pair in pairs:
        if pair in PAIR_STYLES:
            styles.append(PAIR_STYLES[pair])
            continue
        hue = OTHER_PAIR_HUES[others % len(OTHER_PAIR_HUES)]
        turn = others // len(OTHER_PAIR_HUES)
        shade = (0.0, -0.35, 0.4, -0.6, 0.65)[turn % 5]
        styles.append((_shade(hue, shade), OTHER_PAIR_LINES[turn % len(OTHER_PAIR_LINES)], 1.3))
        others += 1
    return styles


def constant_note(constants: Sequence[HeldConstantView]) -> str:
    """The note under a figure that leaves out constant series: which, at what value, and why."""
    return " ".join(f"Not drawn, {g.why} {g.not_results}: {g.listing}." for g in constant_groups(constants))


def plot_pairs(result: RunView, path: Path) -> None:
    """Cooperation of every pair that moves; the pairs held constant are named in a note, not drawn.

    A pair held at one number in every world and quarter (its agreement floor, across the camps)
    would be a flat line beside the results; the note says which pairs those are, at what value,
    and why they are missing, so that an absent line is never mistaken for a forgotten one.
    """
    constants = list(result.held_constant_pairs)
    held = {c.series.removeprefix("coop_") for c in constants}
    moving = pair_order([pair for pair in PAIRS if pair not in held])
    with style():
        fig, ax = plt.subplots(figsize=(10, 5.2))
        for pair, (colour, line, width) in zip(moving, pair_styles(moving), strict=True):
            # the quieter lines keep quieter bands, so bands never pile up grey
            alpha = BAND_ALPHA if pair in WESTERN_PAIRS else BAND_ALPHA / 2
            data = result.series(f"coop_{pair}")
            band_of(ax, result.steps, data, colour, pair_label(pair), alpha=alpha, lw=width, ls=line)
        key = shock_markers(ax, result)
        ax.set_ylim(0, 1)
        ax.set_ylabel(f"cooperation {INTENSITY}")
        quarter_axis(ax, result)
        ax.set_title(_title(result, "Cooperation of the pairs that move"))
        if not moving:
            ax.text(0.5, 0.5, "no pair moves in this run", ha="center", va="center", transform=ax.transAxes)
        if moving or key:
            place_legend_outside(ax, key=key, title="pair (mean, 90% band)" if moving else None, alignment="left")
        if constants:
            note_below(fig, constant_note(constants))
        if moving:
            note_below(fig, band_note(result))
        run_notes_below(fig, result)
        save_figure(fig, path)


@dataclass(frozen=True)
class CodedLevels:
    """The coded history mapped onto the intensity scale, as the backcast figures draw it.

    Built by :func:`simulator.evaluation.history_fit.coded_levels`; named here so that drawing
    needs nothing above it.

    Attributes:
        years: The coded history's years (1991–2024).
        bands: Per track (``overall`` or a domain), per year the band of intensities that
            reads as the coded level, or None for a gap.
    """

    years: Sequence[int]
    bands: Mapping[str, Sequence[tuple[float, float] | None]]


CODED_COLOUR = "#555555"
"""Grey of the coded-history bands: evidence, drawn behind the model's coloured lines."""


def coded_bands(ax: Axes, result: RunView, years: Sequence[int], bands: Sequence[tuple[float, float] | None]) -> None:
    """Shade, year by year, the intensity band of the level the sources attest; gaps stay blank.

    A year runs from the end of the previous year's last quarter to the end of its own, so the
    boxes line up with the run's steps. Consecutive years with the same band form one box.
    """
    labels = result.quarter_labels
    spans: list[tuple[float, float, tuple[float, float]]] = []
    for year, band_ in zip(years, bands, strict=True):
        steps = [i for i, label in enumerate(labels) if label.startswith(f"{year}Q")]
        if band_ is None or not steps:
            continue
        x0, x1 = float(result.steps[steps[0]] - 1), float(result.steps[steps[-1]])
        if spans and spans[-1][2] == band_ and spans[-1][1] == x0:
            spans[-1] = (spans[-1][0], x1, band_)
        else:
            spans.append((x0, x1, band_))
    for x0, x1, (low, high) in spans:
        ax.fill_between([x0, x1], [low, low], [high, high], color=CODED_COLOUR, alpha=0.18, lw=0, zorder=0.5)
        ax.plot([x0, x1, x1, x0, x0], [low, low, high, high, low], color=CODED_COLOUR, lw=0.8, zorder=0.6)


def milestone_meanings() -> list[tuple[float, str]]:
    """Each milestone with what it means observably, e.g. (0.55, 'operational partnership = level 3, …').

    The milestones are the cut points of the observation model: an intensity from the k-th
    milestone up reads as level k of the coded history's ordinal scale.
    """
    return [(cut, f"{name} = level {k}, {LEVEL_NAMES[k]}") for k, (cut, name) in enumerate(MILESTONES, start=1)]


def milestone_lines(ax: Axes, milestones: Sequence[tuple[float, str]], *, labelled: bool = True) -> None:
    """Dotted lines at the milestones, each labelled at its left end with what it means observably."""
    low, high = ax.get_ylim()
    for level, meaning in milestones:
        if not low <= level <= high:
            continue
        ax.axhline(level, color="#333333", lw=0.7, ls=":", zorder=0.7)
        if labelled:
            ax.annotate(
                f"{level:.2f} {meaning}",
                xy=(0, level),
                xycoords=("axes fraction", "data"),
                xytext=(3, 1.5),
                textcoords="offset points",
                fontsize=7,
                color="#333333",
                va="bottom",
                zorder=3,  # above the shock lines that cross the label's start
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none", "pad": 0.6},
            )


def plot_history(result: RunView, path: Path, coded: CodedLevels | None = None) -> None:
    """A backcast on two panels: EU–Japan cooperation, and how the EU and Japan read Russia.

    The upper panel is pattern P1 (low, rising in the 2010s, steepest after 2022), the lower
    one P2 (Japan's reading of Russia moves little after 2014 and much after 2022). Every
    dated event of the scenario is marked and listed. With ``coded``, the upper panel also
    shows the overall level the sources attest (as the band of intensities that reads as it)
    and the milestones named by their ordinal level, so that model and evidence meet on one
    scale.
    """
    with style():
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 8.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        band(top, result, f"coop_{HEADLINE_PAIR}", OKABE_ITO[0], "EU–Japan, mean over replicates")
        top.plot([], [], color=OKABE_ITO[0], alpha=0.3, lw=8, label="90% of replicates")
        key = shock_markers(top, result)
        top.set_ylim(0, 0.6 if coded is None else 0.75)
        if coded is not None and "overall" in coded.bands:
            coded_bands(top, result, coded.years, coded.bands["overall"])
            top.fill_between(
                [],
                [],
                [],
                color=CODED_COLOUR,
                alpha=0.18,
                lw=0.8,
                label="level the sources attest\n(its band of intensity)",
            )
            milestone_lines(top, milestone_meanings())
        top.set_ylabel(f"cooperation {INTENSITY}")
        top.set_title(_title(result, "EU–Japan security cooperation"))
        place_legend_outside(top)
        for observer, colour in (("JPN", OKABE_ITO[3]), ("EU", OKABE_ITO[0])):
            band(bottom, result, f"threat_{observer}_RUS", colour, f"{ACTOR_NAMES[observer]} reading Russia")
        shock_markers(bottom, result, annotate=False)
        bottom.set_ylim(0, 0.6)
        bottom.set_ylabel(f"threat perception {INTENSITY}")
        place_legend_outside(bottom)
        quarter_axis(bottom, result)
        key_below(fig, key, ncol=3)  # beside the panels it would run into the lower panel's legend
        save_figure(fig, path)


def plot_history_domains(result: RunView, path: Path, coded: CodedLevels) -> None:
    """The backcast per domain, each beside the level the sources attest for it.

    Nine small panels on one scale: the model's mean intensity with its 90% band, grey boxes
    for the coded level (the band of intensities that reads as it; blank where the sources say
    nothing dated), and dotted milestone lines. The panels share their axes so that domains
    compare at a glance; the first panel names the lines.
    """
    with style():
        fig, axes = plt.subplots(3, 3, figsize=(13, 9), sharex=True, sharey=True)
        for ax, domain in zip(axes.flat, DOMAINS, strict=True):
            band(ax, result, f"coop_{HEADLINE_PAIR}_{domain}", OKABE_ITO[0], "model, mean over replicates")
            ax.set_ylim(0, 0.8)
            if domain in coded.bands:
                coded_bands(ax, result, coded.years, coded.bands[domain])
            milestone_lines(ax, milestone_meanings(), labelled=False)
            ax.set_title(DOMAIN_LABELS[domain])
            quarter_axis(ax, result, max_labels=4)
        for ax in axes[:-1].flat:
            ax.set_xlabel("")
        ticks = [0.0, *(level for level, _ in milestone_meanings())]
        for ax in axes[:, 0]:
            ax.set_yticks(ticks)
            ax.set_yticklabels(["0"] + [f"{level:.2f} L{k}" for k, (level, _) in enumerate(milestone_meanings(), 1)])
            ax.set_ylabel(INTENSITY)
        handles = [
            Line2D([], [], color=OKABE_ITO[0], lw=2),
            plt.Rectangle((0, 0), 1, 1, facecolor=CODED_COLOUR, alpha=0.18, edgecolor=CODED_COLOUR),
            Line2D([], [], color="#333333", lw=0.7, ls=":"),
        ]
        labels = [
            "model: mean over replicates (90% band)",
            "level the sources attest, as its band of intensity (no box: not coded)",
            "milestones: L1–L4 begin",
        ]
        meanings = [f"L{k}: {meaning}" for k, (_, meaning) in enumerate(milestone_meanings(), 1)]
        fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, -0.06), ncol=3, frameon=False)
        fig.text(0.5, -0.1, "   ".join(meanings), ha="center", fontsize=8)
        fig.suptitle(
            f"EU–Japan cooperation by domain, backcast against the coded history — scenario: {result.scenario.name}"
        )
        save_figure(fig, path)


RUN_PLOTS = {
    "coop_eu_jpn.png": plot_headline,
    "domains_heatmap.png": plot_domain_heatmap,
    "threats.png": plot_threats,
    "pairs.png": plot_pairs,
}
TWIN_PLOTS = (plot_headline, plot_domain_heatmap)
"""Run plots that draw against the no-shock twin when the run has one."""


def draw_run_plots(
    result: RunView, folder: Path, *, twin: RunView | None = None, formats: Sequence[str] = DEFAULT_FORMATS
) -> list[Path]:
    """Draw every run plot into ``folder`` in each of ``formats`` and return the files written.

    With the run's no-shock ``twin``, the headline plot shows it and what the shocks did
    (:func:`plot_headline`) and the domain heatmap the change against it (:func:`plot_domain_heatmap`);
    the other plots show the run alone.
    """
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    with plot_formats(formats):
        for name, draw in RUN_PLOTS.items():
            if draw in TWIN_PLOTS:
                draw(result, folder / name, twin)
            else:
                draw(result, folder / name)
            paths += figure_paths(folder / name)
    return paths
