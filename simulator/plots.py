"""Plots of a run, in one consistent style.

Style choices: the Okabe–Ito palette (distinguishable with the common forms of
colour blindness), 90% bands over replicates, axis labels with units, titles
naming the scenario, shock onsets marked and labelled, legends outside the data.
The sweep plots (:mod:`simulator.sweep_plots`) take the style, the quarter axis and the
shock labels from here, so that both kinds of plot look alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.lines import Line2D

from simulator.calendar import quarter_label
from simulator.structure import ACTOR_NAMES, CHALLENGERS, DOMAIN_LABELS, DOMAINS, HEADLINE_PAIR, OBSERVERS

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from simulator.results import RunResult

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000")
CHALLENGER_COLOURS = {"CHN": "#D55E00", "RUS": "#0072B2", "PRK": "#009E73"}
INTENSITY = "intensity (0–1)"
BAND_ALPHA = 0.18
"""Opacity of a 5–95% band under its line."""
STYLE = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 12,
    "axes.labelsize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
}


def tick_every(n_steps: int) -> int:
    """Spacing of labelled quarters so that about ten labels fit."""
    for every in (1, 2, 4, 8, 12, 16, 20, 40):
        if n_steps / every <= 11:
            return every
    return 40


def quarter_axis(ax: Axes, result: RunResult) -> None:
    """Label the x axis with calendar quarters."""
    label_quarters(ax, result.quarter_labels)


def label_quarters(ax: Axes, labels: list[str]) -> None:
    """Label an x axis of steps 0, 1, … with their quarters (``labels[step]``), about ten of them."""
    every = tick_every(len(labels))
    ticks = list(range(0, len(labels), every))
    ax.set_xticks(ticks)
    ax.set_xticklabels([labels[t] for t in ticks], rotation=45, ha="right")
    ax.set_xlim(0, len(labels) - 1)
    ax.set_xlabel("quarter (end of)")


def band(ax: Axes, result: RunResult, variable: str, colour: str, label: str) -> None:
    """Mean line with the 5–95% band over replicates."""
    data = result.series(variable)
    x = result.steps
    low, high = np.percentile(data, 5, axis=1), np.percentile(data, 95, axis=1)
    ax.fill_between(x, low, high, color=colour, alpha=BAND_ALPHA, lw=0)
    ax.plot(x, data.mean(axis=1), color=colour, lw=2, label=label)


MAX_NAMED_SHOCKS = 6
"""Above this many shocks, markers carry numbers and a key lists the names beside the plot."""


def shock_markers(ax: Axes, result: RunResult, annotate: bool = True) -> list[str]:
    """Dashed vertical line at each shock's onset, labelled inside the top of the axes.

    A long scenario (the backcast has about thirty dated events) would bury the data under
    overlapping names, so beyond ``MAX_NAMED_SHOCKS`` each line gets a number instead, and
    the key (number, quarter, name) is returned for the caller to place beside the plot.
    Otherwise the key is empty.
    """
    start = result.scenario.start
    shocks = result.scenario.shocks
    numbered = len(shocks) > MAX_NAMED_SHOCKS
    for i, shock in enumerate(shocks):
        x = shock.at - start
        ax.axvline(x, color="#555555", ls="--", lw=0.8 if numbered else 1)
        if not annotate:
            continue
        label, y = (
            (str(i + 1), 0.99 - 0.045 * (i % 3)) if numbered else (shock.name.replace("_", " "), 0.97 - 0.07 * (i % 4))
        )
        label_shock(ax, label, x, y, fontsize=7 if numbered else 8)
    if annotate and numbered:
        return [f"{i + 1:>2}  {quarter_label(s.at)}  {s.name}" for i, s in enumerate(shocks)]
    return []


def label_shock(
    ax: Axes, text: str, x: float, y: float, *, fontsize: float = 8, offset: float = 2, zorder: float | None = None
) -> None:
    """Write ``text`` just right of a shock's line at ``x`` (data) and height ``y`` (axes fraction).

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


def _title(result: RunResult, what: str) -> str:
    return f"{what} — scenario: {result.scenario.name}"


def intensity_chart(
    result: RunResult, path: Path, lines: list[tuple[str, str, str]], what: str, band_label: str | None = None
) -> None:
    """Cooperation intensity over time: one banded line per ``(variable, colour, label)``."""
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(10, 5.2))
        for variable, colour, label in lines:
            band(ax, result, variable, colour, label)
        if band_label:
            ax.plot([], [], color=lines[0][1], alpha=0.3, lw=8, label=band_label)
        key = shock_markers(ax, result)
        ax.set_ylim(0, 1)
        ax.set_ylabel(f"cooperation {INTENSITY}")
        quarter_axis(ax, result)
        ax.set_title(_title(result, what))
        handles, labels = ax.get_legend_handles_labels()
        if key:  # the numbered shock key continues the legend, without line samples
            handles += [Line2D([], [], ls="none")] * (len(key) + 1)
            labels += ["", *key]
        ax.legend(
            handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7 if key else None, handlelength=1.5
        )
        fig.tight_layout()
        fig.savefig(path, bbox_inches="tight" if key else None)  # a long key may reach below the axes
        plt.close(fig)


def plot_headline(result: RunResult, path: Path) -> None:
    """EU–Japan cooperation with its 90% band and shock markers."""
    line = (f"coop_{HEADLINE_PAIR}", OKABE_ITO[0], "EU–Japan, mean over replicates")
    intensity_chart(result, path, [line], "EU–Japan security cooperation", band_label="90% of replicates")


def plot_domain_heatmap(result: RunResult, path: Path) -> None:
    """Mean EU–JPN intensity per domain (rows) and quarter (columns)."""
    matrix = np.stack([result.series(f"coop_{HEADLINE_PAIR}_{d}").mean(axis=1) for d in DOMAINS])
    with plt.rc_context({**STYLE, "axes.grid": False}):
        fig, ax = plt.subplots(figsize=(10, 4.8))
        image = ax.imshow(matrix, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        ax.set_yticks(range(len(DOMAINS)))
        ax.set_yticklabels([DOMAIN_LABELS[d] for d in DOMAINS])
        quarter_axis(ax, result)
        ax.set_xlim(-0.5, matrix.shape[1] - 0.5)
        shock_markers(ax, result, annotate=False)
        cbar = fig.colorbar(image, ax=ax, pad=0.02)
        cbar.set_label(f"mean {INTENSITY}")
        ax.set_title(_title(result, "EU–Japan cooperation by domain"))
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)


def plot_threats(result: RunResult, path: Path) -> None:
    """How the EU, Japan and the USA read each challenger, with 90% bands."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(OBSERVERS), figsize=(13, 4.4), sharey=True)
        for ax, observer in zip(axes, OBSERVERS, strict=True):
            for challenger in CHALLENGERS:
                band(
                    ax,
                    result,
                    f"threat_{observer}_{challenger}",
                    CHALLENGER_COLOURS[challenger],
                    ACTOR_NAMES[challenger],
                )
            shock_markers(ax, result, annotate=False)
            ax.set_title(f"as read by {ACTOR_NAMES[observer]}")
            ax.set_ylim(0, 1)
            quarter_axis(ax, result)
        axes[0].set_ylabel(f"threat perception {INTENSITY}")
        axes[-1].legend(loc="upper left", bbox_to_anchor=(1.02, 1.0))
        fig.suptitle(_title(result, "Threat perceptions"))
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)


MAIN_PAIRS = ("EU_JPN", "EU_USA", "JPN_USA", "CHN_RUS", "RUS_PRK", "CHN_PRK")


def plot_pairs(result: RunResult, path: Path) -> None:
    """Cooperation of the main pairs (alliances and challenger alignment)."""
    lines = []
    for colour, pair in zip(OKABE_ITO, MAIN_PAIRS, strict=False):
        a, b = pair.split("_")
        lines.append((f"coop_{pair}", colour, f"{ACTOR_NAMES[a]} – {ACTOR_NAMES[b]}"))
    intensity_chart(result, path, lines, "Cooperation of the main pairs")


def plot_history(result: RunResult, path: Path) -> None:
    """A backcast on two panels: EU–Japan cooperation, and how the EU and Japan read Russia.

    The upper panel is pattern P1 (low, rising in the 2010s, steepest after 2022), the lower
    one P2 (Japan's reading of Russia moves little after 2014 and much after 2022). Every
    dated event of the scenario is marked and listed.
    """
    with plt.rc_context(STYLE):
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 8.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
        band(top, result, f"coop_{HEADLINE_PAIR}", OKABE_ITO[0], "EU–Japan, mean over replicates")
        top.plot([], [], color=OKABE_ITO[0], alpha=0.3, lw=8, label="90% of replicates")
        key = shock_markers(top, result)
        if key:
            top.text(1.02, 0.0, "\n".join(key), transform=top.transAxes, fontsize=7, va="bottom", family="monospace")
        top.set_ylim(0, 0.6)
        top.set_ylabel(f"cooperation {INTENSITY}")
        top.set_title(_title(result, "EU–Japan security cooperation"))
        top.legend(loc="lower right")
        for observer, colour in (("JPN", OKABE_ITO[3]), ("EU", OKABE_ITO[0])):
            band(bottom, result, f"threat_{observer}_RUS", colour, f"{ACTOR_NAMES[observer]} reading Russia")
        shock_markers(bottom, result, annotate=False)
        bottom.set_ylim(0, 0.6)
        bottom.set_ylabel(f"threat perception {INTENSITY}")
        bottom.legend(loc="upper left")
        quarter_axis(bottom, result)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)


RUN_PLOTS = {
    "coop_eu_jpn.png": plot_headline,
    "domains_heatmap.png": plot_domain_heatmap,
    "threats.png": plot_threats,
    "pairs.png": plot_pairs,
}


def draw_run_plots(result: RunResult, folder: Path) -> list[Path]:
    """Draw every run plot into ``folder`` and return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in RUN_PLOTS.items():
        draw(result, folder / name)
        paths.append(folder / name)
    return paths
