"""The explanation figure: stacked contributions to a run's change, and the shocks' channels.

Contributions have both signs, so positive parts are stacked upward from zero and
negative parts downward, quarter by quarter; the black line is the simulated change,
which the stack always sums to. The bands are the plain categories of
:data:`simulator.evaluation.explain.GROUPS`, each a sum of mechanisms. The second panel
(when the scenario has shocks) opens up the shocks' band into the categories they acted
through.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from simulator.presentation.formats import DEFAULT_FORMATS
from simulator.presentation.plots import (
    RunView,
    key_below,
    label_quarters,
    note_below,
    place_legend_outside,
    plot_formats,
    run_notes_below,
    save_figure,
    shock_markers,
    style,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from matplotlib.axes import Axes


class ExplanationView(Protocol):
    """What the figure draws of an explanation (:class:`simulator.evaluation.explain.Explanation` provides it).

    Named here so that drawing knows nothing of how an explanation is computed.
    """

    @property
    def result(self) -> RunView:
        """The run explained."""
        ...

    @property
    def group_parts(self) -> np.ndarray:
        """(steps + 1, worlds, categories) contributions to the change since step 0, in plain categories."""
        ...

    @property
    def group_channels(self) -> np.ndarray:
        """(steps + 1, worlds, channel categories) the shocks' contribution by plain category."""
        ...

    @property
    def change(self) -> np.ndarray:
        """(steps + 1, worlds) simulated change since step 0."""
        ...

    @property
    def group_keys(self) -> list[str]:
        """Keys of ``group_parts``' last axis."""
        ...

    @property
    def channel_group_keys(self) -> list[str]:
        """Keys of ``group_channels``' last axis."""
        ...

    @property
    def shock_category(self) -> str:
        """Key of the shocks' own contribution."""
        ...

    @property
    def group_labels(self) -> dict[str, str]:
        """Each plain category in words."""
        ...

    @property
    def constant_note(self) -> str:
        """Why a series held at one number has nothing to explain ('' when it moves)."""
        ...

    @property
    def has_shocks(self) -> bool:
        """Whether the scenario has shocks."""
        ...

    @property
    def title(self) -> str:
        """The explained series in words."""
        ...


CATEGORY_COLOURS = {
    "threats": "#D55E00",
    "us_leaving": "#0072B2",
    "washington": "#F0E442",
    "limits": "#E69F00",
    "habit": "#999999",
    "shocks": "#332288",
}
"""One colour per plain category, from the Okabe–Ito colour-blind-safe palette, grey for the
mixed last one and Paul Tol's indigo for the shocks."""
SHOWN = 0.001
"""Categories whose mean contribution never reaches this size are left out of the stack and legend."""


def stack(ax: Axes, x: np.ndarray, paths: np.ndarray, keys: list[str], labels: dict[str, str]) -> list[Patch]:
    """Stack (steps, categories) mean contributions by sign and return legend handles, largest first."""
    positive_base = np.zeros(len(x))
    negative_base = np.zeros(len(x))
    handles = []
    sizes = np.abs(paths).max(axis=0)
    for index, key in enumerate(keys):
        if sizes[index] < SHOWN:
            continue
        values = paths[:, index]
        up, down = np.clip(values, 0, None), np.clip(values, None, 0)
        colour = CATEGORY_COLOURS[key]
        ax.fill_between(x, positive_base, positive_base + up, color=colour, lw=0)
        ax.fill_between(x, negative_base + down, negative_base, color=colour, lw=0)
        positive_base += up
        negative_base += down
        handles.append((sizes[index], Patch(facecolor=CATEGORY_COLOURS[key], label=labels[key])))
    return [patch for _, patch in sorted(handles, key=lambda item: -item[0])]


def plot_contributions(explanation: ExplanationView, path: Path, formats: Sequence[str] = DEFAULT_FORMATS) -> list[str]:
    """Draw the explanation figure into ``path`` in each of ``formats`` (PNG at 100 dpi by default); return its legend.

    The legend is the top panel's, in order.

    The figure stacks the plain categories (at most five, plus the shocks), not the model's ten
    mechanism categories: a reader can follow six colours, and the per-mechanism numbers are in
    the CSV files.
    """
    result = explanation.result
    x = result.steps
    labels = result.quarter_labels
    panels = 2 if explanation.has_shocks else 1
    unit = f"change since {labels[0]}, intensity (0–1 scale)"
    with style():
        fig, axes = plt.subplots(
            panels,
            1,
            figsize=(11, 4.6 * panels + 0.4),
            sharex=True,
            squeeze=False,
            gridspec_kw={"height_ratios": [3, 2][:panels]},
        )
        top = axes[0, 0]
        handles = stack(top, x, explanation.group_parts.mean(axis=1), explanation.group_keys, explanation.group_labels)
        legend = [h.get_label() for h in handles]
        (line,) = top.plot(x, explanation.change.mean(axis=1), color="black", lw=2, label="simulated change (mean)")
        top.axhline(0, color="black", lw=0.6)
        key = shock_markers(top, result)
        top.set_ylabel(unit)
        what = f"{explanation.title} did not move" if explanation.constant_note else f"Why {explanation.title} moved"
        top.set_title(f"{what} — scenario: {result.scenario.name}")
        place_legend_outside(top, [line, *handles], [h.get_label() for h in (line, *handles)], fontsize=8)
        if panels == 2:
            bottom = axes[1, 0]
            channel_keys = explanation.channel_group_keys
            handles = stack(bottom, x, explanation.group_channels.mean(axis=1), channel_keys, explanation.group_labels)
            shock_index = explanation.group_keys.index(explanation.shock_category)
            (total,) = bottom.plot(
                x,
                explanation.group_parts[..., shock_index].mean(axis=1),
                color="black",
                lw=2,
                label="shocks' effect (mean)",
            )
            bottom.axhline(0, color="black", lw=0.6)
            shock_markers(bottom, result, annotate=False)
            bottom.set_ylabel("run minus no-shock twin (0–1 scale)")
            bottom.set_title("How the shocks acted: their effect against the same worlds without them", fontsize=11)
            place_legend_outside(bottom, [total, *handles], [h.get_label() for h in (total, *handles)], fontsize=8)
        label_quarters(axes[-1, 0], labels)
        key_below(fig, key, ncol=3)
        if explanation.constant_note:
            note_below(fig, explanation.constant_note)
        run_notes_below(fig, result)
        with plot_formats(formats):
            save_figure(fig, path)
    return legend
