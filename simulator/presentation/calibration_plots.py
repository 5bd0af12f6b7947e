"""Figures of the ABC calibration page (docs/calibration.md).

Two figures, drawn from plain arrays so that nothing here depends on how they were computed:

* :func:`plot_posterior_backcast` — per track, the coded level (grey band of intensities that
  reads as it), the posterior predictive 90% band of the yearly mean intensity, the band of the
  out-of-sample calibration over the years it predicts, and the point calibration;
* :func:`plot_shrink` — the parameters whose range shrank most: prior range against posterior
  5–95% and median, each on its own range scaled to 0–1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from simulator.core.structure import MILESTONES
from simulator.presentation.labels import INTENSITY
from simulator.presentation.plots import (
    BAND_ALPHA,
    CODED_COLOUR,
    KEY_BELOW_GID,
    OKABE_ITO,
    CodedLevels,
    note_below,
    save_figure,
    style,
)

POSTERIOR_COLOUR = OKABE_ITO[0]
OUT_OF_SAMPLE_COLOUR = OKABE_ITO[3]
POINT_COLOUR = "#000000"


def _coded_boxes(ax: plt.Axes, years: Sequence[int], bands: Sequence[tuple[float, float] | None]) -> None:
    """Grey boxes, year by year, of the intensity band of the coded level; gaps stay blank."""
    for year, band in zip(years, bands, strict=True):
        if band is None:
            continue
        low, high = band
        ax.fill_between([year - 0.5, year + 0.5], [low, low], [high, high], color=CODED_COLOUR, alpha=0.2, lw=0)


def plot_posterior_backcast(
    path: Path,
    years: Sequence[int],
    tracks: Sequence[tuple[str, str]],
    posterior: Mapping[str, np.ndarray],
    out_of_sample: Mapping[str, np.ndarray],
    predicted: Sequence[int],
    point: Mapping[str, np.ndarray],
    coded: CodedLevels,
    *,
    note: str = "",
) -> None:
    """Small panels, one per track: coded levels, the posterior predictive bands and the point calibration.

    Args:
        path: The PNG to write.
        years: The years of the yearly arrays.
        tracks: (key, label) of each panel, in order.
        posterior: Per track, (n, years) yearly mean intensity of the accepted samples.
        out_of_sample: Per track, (m, years) yearly means of the samples accepted on the history to 2017.
        predicted: The years the out-of-sample calibration predicts (drawn only there).
        point: Per track, the point calibration's yearly means.
        coded: The coded history as intensity bands.
        note: A sentence under the panels.
    """
    x = np.asarray(years)
    shown = np.isin(x, predicted)
    with style():
        cols = 2
        rows = -(-len(tracks) // cols)
        fig, axes = plt.subplots(rows, cols, figsize=(12, 2.3 * rows + 0.6), sharex=True, sharey=True, squeeze=False)
        for ax, (track, label) in zip(axes.flat, tracks, strict=False):
            _coded_boxes(ax, years, coded.bands[track])
            for cut, _ in MILESTONES:
                ax.axhline(cut, color="#333333", lw=0.6, ls=":", zorder=0.7)
            low, mid, high = np.quantile(posterior[track], [0.05, 0.5, 0.95], axis=0)
            ax.fill_between(x, low, high, color=POSTERIOR_COLOUR, alpha=BAND_ALPHA * 1.5, lw=0)
            ax.plot(x, mid, color=POSTERIOR_COLOUR, lw=1.6)
            oos_low, oos_mid, oos_high = np.quantile(out_of_sample[track][:, shown], [0.05, 0.5, 0.95], axis=0)
            ax.fill_between(x[shown], oos_low, oos_high, color=OUT_OF_SAMPLE_COLOUR, alpha=BAND_ALPHA * 1.5, lw=0)
            ax.plot(x[shown], oos_mid, color=OUT_OF_SAMPLE_COLOUR, lw=1.6)
            ax.plot(x, point[track], color=POINT_COLOUR, lw=1.0, ls="--")
            ax.set_title(label, fontsize=10, loc="left")
            ax.set_ylim(0, 0.85)
        for ax in axes.flat[len(tracks) :]:
            ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel(INTENSITY)
        handles = [
            plt.Rectangle((0, 0), 1, 1, color=CODED_COLOUR, alpha=0.3),
            (
                plt.Rectangle((0, 0), 1, 1, color=POSTERIOR_COLOUR, alpha=BAND_ALPHA * 1.5),
                plt.Line2D([], [], color=POSTERIOR_COLOUR, lw=1.6),
            ),
            (
                plt.Rectangle((0, 0), 1, 1, color=OUT_OF_SAMPLE_COLOUR, alpha=BAND_ALPHA * 1.5),
                plt.Line2D([], [], color=OUT_OF_SAMPLE_COLOUR, lw=1.6),
            ),
            plt.Line2D([], [], color=POINT_COLOUR, lw=1.0, ls="--"),
            plt.Line2D([], [], color="#333333", lw=0.6, ls=":"),
        ]
        labels = [
            "coded level (band of intensity that reads as it)",
            "ABC posterior, whole history: median and 90% of accepted samples",
            f"ABC on the history to {min(predicted) - 1} only: prediction of {min(predicted)}–{max(predicted)}",
            "shipped point calibration",
            "cut points between levels (milestones)",
        ]
        fig.suptitle("Backcast 1991–2024 under the calibrated ensemble, against the coded history", x=0.01, ha="left")
        key = fig.legend(handles, labels, loc="upper left", bbox_to_anchor=(0.0, 0.0), ncol=2, fontsize=8.5)
        key.set_gid(KEY_BELOW_GID)  # save_figure moves it under the panels, above the note
        if note:
            note_below(fig, note)
        save_figure(fig, path)


def plot_shrink(path: Path, table: Sequence[Mapping[str, float | str]], *, chance: float, note: str = "") -> None:
    """Prior range (grey, the whole axis) against posterior 5–95% (bar) and median (dot), each scaled to its range.

    Args:
        path: The PNG to write.
        table: Rows with ``parameter``, ``prior_low``, ``prior_high``, ``p05``, ``p50``, ``p95``,
            ``value`` and ``shrink``, in the order to draw (top first).
        chance: The shrink random subsets reach by chance (stated in the title).
        note: A sentence under the plot.
    """
    with style():
        fig, ax = plt.subplots(figsize=(10, 0.38 * len(table) + 1.6))
        for i, row in enumerate(table):
            low, high = float(row["prior_low"]), float(row["prior_high"])

            def scaled(v: float, low: float = low, high: float = high) -> float:
                return (v - low) / (high - low)

            y = len(table) - 1 - i
            ax.barh(y, 1.0, left=0.0, height=0.6, color=CODED_COLOUR, alpha=0.15)
            ax.barh(
                y,
                scaled(float(row["p95"])) - scaled(float(row["p05"])),
                left=scaled(float(row["p05"])),
                height=0.6,
                color=POSTERIOR_COLOUR,
                alpha=0.6,
            )
            ax.plot(scaled(float(row["p50"])), y, "o", color=POSTERIOR_COLOUR, ms=5)
            ax.plot(scaled(float(row["value"])), y, "|", color=POINT_COLOUR, ms=12, mew=2, clip_on=False)
            ax.text(1.02, y, f"shrink {float(row['shrink']):.2f}", va="center", fontsize=8.5)
        ax.set_yticks(range(len(table)))
        ax.set_yticklabels(
            [f"{r['parameter']}  [{float(r['prior_low']):g}, {float(r['prior_high']):g}]" for r in table][::-1]
        )
        ax.set_xlim(0, 1)
        ax.set_xlabel("position within the documented range (0 = low end, 1 = high end)")
        ax.grid(axis="y", visible=False)
        ax.set_title(
            f"Most-shrunk parameters: posterior 5–95% (bar), median (dot), point calibration (|); "
            f"chance shrink {chance:.2f}",
            loc="left",
            fontsize=10.5,
        )
        if note:
            note_below(fig, note)
        save_figure(fig, path)
