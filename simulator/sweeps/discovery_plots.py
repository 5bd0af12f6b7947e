"""The two plots of a discovery: PRIM's coverage–density trade-off and the chosen box over each input's range.

``tradeoff.png`` shows every box of the peeling trajectory (or every CART leaf) by its coverage
and density, coloured by how many inputs it restricts, with the density asked for and the chosen
box marked, so a reader sees what a denser or a wider box would have cost. ``box.png`` draws, per
input, the swept range as a grey bar and the box's range over it, with the points where the
condition holds and where it does not, so a restriction can be checked against the data.

The figures read a discovery through :class:`DiscoveryView`, so that this module does not import
:mod:`simulator.sweeps.discovery`, which calls it. They share the simulator's plot style
(:func:`simulator.presentation.plots.style`), and each file (PNG, or the formats asked for) is written
through a temporary name and a rename.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from simulator.presentation.formats import DEFAULT_FORMATS
from simulator.presentation.plots import KEY_BELOW_GID, OKABE_ITO, note_below, plot_formats, save_figure, style

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    import pandas as pd
    from matplotlib.figure import Figure

MAX_ROWS = 12
"""Inputs drawn in ``box.png``: every restricted one, and the unrestricted ones while the total stays at this."""
HOLDS = OKABE_ITO[0]
FAILS = "#b0b0b0"
BOX = OKABE_ITO[1]


class ConditionView(Protocol):
    """What the plots need of a condition."""

    @property
    def text(self) -> str:
        """The condition as written back."""
        ...

    @property
    def metric(self) -> str:
        """The metric's column."""
        ...


class DiscoveryView(Protocol):
    """What the plots need of a discovery (:class:`simulator.sweeps.discovery.Discovery` has it)."""

    condition: ConditionView
    method: str
    min_density: float
    box: pd.DataFrame
    coverage: float
    density: float
    in_box: int
    holding_in_box: int
    total: int
    holding: int
    trajectory: pd.DataFrame
    chosen: int | None
    table: pd.DataFrame
    context: str

    def range_text(self, name: str, low: float, high: float) -> str:
        """A range of one input in words."""
        ...


def draw_discovery_plots(
    discovery: DiscoveryView, folder: Path, formats: Sequence[str] = DEFAULT_FORMATS
) -> list[Path]:
    """Draw ``tradeoff`` and ``box`` into ``folder``, each in every one of ``formats``; return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    with style(), plot_formats(formats):
        files += save_figure(_tradeoff(discovery), folder / "tradeoff.png", atomic=True)
        files += save_figure(_box(discovery), folder / "box.png", atomic=True)
    return files


def _title(discovery: DiscoveryView, what: str) -> str:
    method = "PRIM" if discovery.method == "prim" else "CART"
    lines = [f"{what} ({method})", f"where {discovery.condition.text}"]
    if discovery.context:
        lines.append(discovery.context)
    return "\n".join(lines)


def _tradeoff(d: DiscoveryView) -> Figure:
    """Coverage against density of every candidate box; the chosen one ringed and labelled."""
    figure, ax = plt.subplots(figsize=(8.5, 6))
    steps = d.trajectory
    counts = steps["restricted"].to_numpy(dtype=int)
    top = max(int(counts.max()), 1)
    cmap = ListedColormap(plt.get_cmap("viridis")(np.linspace(0.0, 0.85, top + 1)))  # no pale yellow on white
    if d.method == "prim":
        ax.plot(steps["coverage"], steps["density"], color="#999999", lw=0.8, zorder=1)
    ax.scatter(
        steps["coverage"], steps["density"], c=counts, cmap=cmap, vmin=-0.5, vmax=top + 0.5, s=28, zorder=2,
        edgecolors="white", linewidths=0.4,
    )  # fmt: skip
    base = d.holding / d.total
    ax.axhline(d.min_density, color="#333333", ls="--", lw=1)
    ax.text(0.01, d.min_density, f" density asked for: {d.min_density:.0%}", va="bottom", ha="left", fontsize=8.5)
    ax.axhline(base, color="#333333", ls=":", lw=1)
    ax.text(
        0.01, base, f" all points: holds at {base:.0%} ({d.holding} of {d.total})", va="bottom", ha="left", fontsize=8.5
    )
    if d.chosen is not None:
        row = steps.loc[d.chosen]
        ax.scatter([row["coverage"]], [row["density"]], s=220, facecolors="none", edgecolors="#D55E00", lw=2, zorder=3)
        restricted = int(row["restricted"])
        label = (
            f"chosen box ({'step' if d.method == 'prim' else 'leaf'} {int(row['step'])})\n"
            f"coverage {row['coverage']:.0%}, density {row['density']:.0%}\n"
            f"{int(row['points'])} points, {restricted} input{'' if restricted == 1 else 's'} restricted"
        )
        ax.annotate(
            label,
            (row["coverage"], row["density"]),
            xytext=(0.06, 0.08 if base > 0.35 else 0.5),  # in the empty lower left, clear of the base line
            textcoords="axes fraction",
            ha="left",
            fontsize=9,
            arrowprops={"arrowstyle": "->", "color": "#D55E00", "lw": 1.2},
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": "#D55E00", "lw": 0.8},
        )
    ax.set_xlim(-0.02, 1.04)
    ax.set_ylim(-0.03, 1.04)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("coverage: share of the points where it holds that lie inside the box")
    ax.set_ylabel("density: share of the points inside the box where it holds")
    ax.set_title(_title(d, "Coverage–density trade-off of the candidate boxes"), fontsize=11)
    colourbar = figure.colorbar(
        plt.cm.ScalarMappable(norm=plt.Normalize(-0.5, top + 0.5), cmap=cmap), ax=ax, ticks=range(top + 1)
    )
    colourbar.set_label("inputs restricted")
    how = (
        "Each dot is a box on PRIM's peeling trajectory, from the box of all points (coverage 100%) inward; "
        if d.method == "prim"
        else "Each dot is a leaf of the classification tree (leaf 0 is the box of all points); "
    )
    note_below(
        figure,
        how + "the box reported is the one with the highest coverage among those with at least the density asked for "
        "(the densest box when none reaches it).",
    )
    return figure


def _box(d: DiscoveryView) -> Figure:
    """Per input, the swept range (grey), the box's range (orange) and the points (blue where it holds)."""
    box = d.box
    rows = list(box.head(MAX_ROWS).itertuples())  # restricted inputs come first, the most narrowed first
    height = 1.4 + 0.75 * len(rows)
    figure, ax = plt.subplots(figsize=(9.5, max(height, 3.6)))
    table = d.table
    holds = table["holds"].to_numpy(dtype=bool)
    rng = np.random.default_rng(0)  # a fixed jitter, so the same discovery draws the same picture
    for i, row in enumerate(rows):
        y = len(rows) - 1 - i
        span = (row.full_high - row.full_low) or 1.0
        ax.barh(y, 1.0, left=0.0, height=0.62, color="#e6e6e6", zorder=1)
        low, high = (row.low - row.full_low) / span, (row.high - row.full_low) / span
        ax.barh(
            y,
            high - low,
            left=low,
            height=0.62,
            color=BOX,
            alpha=0.55 if row.restricted else 0.18,
            zorder=2,
            edgecolor=BOX if row.restricted else "none",
            lw=1.2,
        )
        values = (table[row.input].to_numpy(dtype=float) - row.full_low) / span
        jitter = rng.uniform(-0.24, 0.24, len(values))
        ax.scatter(values[~holds], y + jitter[~holds], s=9, color=FAILS, marker="x", lw=0.8, zorder=3)
        ax.scatter(values[holds], y + jitter[holds], s=11, color=HOLDS, zorder=4)
        text = d.range_text(row.input, row.low, row.high) if row.restricted else "unrestricted"
        quasi = _quasi_p(row.quasi_p) if row.restricted else ""
        ax.text(
            1.02, y, f"{text}{quasi}", va="center", ha="left", fontsize=9, fontweight="bold" if row.restricted else None
        )
        full = d.range_text(row.input, row.full_low, row.full_high)
        ax.text(0.0, y - 0.42, full.split("–")[0], va="top", ha="left", fontsize=7.5, color="#555555")
        ax.text(1.0, y - 0.42, full.split("–")[-1], va="top", ha="right", fontsize=7.5, color="#555555")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r.input for r in reversed(rows)])
    ax.set_ylim(-0.8, len(rows) - 0.4)
    ax.set_xlim(-0.02, 1.02)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("position in the input's swept range (its ends written under each bar)")
    ax.grid(axis="y", visible=False)
    ax.set_title(
        _title(
            d,
            f"The box: holds at {d.density:.0%} of the points inside it ({d.holding_in_box} of {d.in_box}), "
            f"covers {d.coverage:.0%} of the points where it holds",
        ),
        fontsize=11,
    )
    handles = [
        Patch(color="#e6e6e6", label="swept range"),
        Patch(facecolor=BOX, alpha=0.55, edgecolor=BOX, label="the box"),
        Line2D([], [], ls="none", marker="o", color=HOLDS, label="a point where it holds"),
        Line2D([], [], ls="none", marker="x", color=FAILS, label="a point where it does not"),
    ]
    key = figure.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, 0.0), ncols=4, fontsize=8.5)
    key.set_gid(KEY_BELOW_GID)  # save_figure puts it under the axis label, above any note
    hidden = box.iloc[len(rows) :]
    if len(hidden):
        note_below(
            figure,
            f"{len(hidden)} more inputs are not drawn, {int((~hidden['restricted']).sum())} of them unrestricted "
            "(box.csv lists every input).",
        )
    return figure


def _quasi_p(value: float) -> str:
    """``, quasi-p 0.012`` (or ``< 0.001``) after a restricted range; '' when there is none (CART)."""
    if not isinstance(value, float) or not value >= 0:
        return ""
    return ", quasi-p < 0.001" if value < 0.001 else f", quasi-p {value:.2g}"
