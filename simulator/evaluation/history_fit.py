"""The observation model, and how well the backcast agrees with the coded history.

The model's cooperation intensity (0–1) is read as an ordinal level of the coded history
(:mod:`simulator.inputs.history`) through fixed cut points: the four milestones of
:data:`~simulator.core.structure.MILESTONES`. Level k (k = 1…4) begins at the k-th milestone,
because each milestone's name describes the same stage as the level:

======================  ===========  ============================
intensity               level        milestone at its lower edge
======================  ===========  ============================
below 0.25              0 none
0.25 to below 0.40      1 dialogue   structured dialogue
0.40 to below 0.55      2 framework  working cooperation
0.55 to below 0.70      3 joint      operational partnership
0.70 and above          4 integr.    alliance-like integration
======================  ===========  ============================

The cut points were set from the milestones' names before the backcast was scored and were
not adjusted to it; nothing here is estimated. docs/ODD.md §7.13 gives the reasoning.

The backcast is scored per track (each domain, and ``overall`` against the mean over
domains) on the years the history codes (gaps are left out):

* **Spearman's rank correlation** between the backcast's yearly mean intensity and the coded
  level: does the model rank the years as the sources do? Undefined (None) when the coded
  level never changes in the track, since there is nothing to rank.
* **Agreement**: the share of coded years whose mapped level equals the coded level, and
  **within one**: the share where they differ by at most one level. These test the cut points
  as well as the model.

A pooled score over all domain-years also ranks the domains against each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from simulator.core.structure import DOMAIN_LABELS, DOMAINS, HEADLINE_PAIR, MILESTONES
from simulator.inputs.history import FIRST_YEAR, LAST_YEAR, CodedHistory, load_history
from simulator.presentation.plots import CodedLevels

if TYPE_CHECKING:
    from simulator.runs.results import RunResult

BACKCAST = "historical_1991_2024"
OVERALL = "overall"
TRACKS = (OVERALL, *DOMAINS)
"""The tracks of the coded history: the partnership as a whole, then the model's domains."""
CUT_POINTS: tuple[float, ...] = tuple(level for level, _ in MILESTONES)
"""Intensity at which ordinal levels 1, 2, 3 and 4 begin: the milestones, unchanged."""
TOP = 1.0
"""Upper end of the intensity scale (the top of level 4's band)."""


def series_of(track: str) -> str:
    """The model series a track is compared with: ``coop_EU_JPN`` for ``overall``, else the domain's."""
    return f"coop_{HEADLINE_PAIR}" if track == OVERALL else f"coop_{HEADLINE_PAIR}_{track}"


def track_label(track: str) -> str:
    """A track's name for tables and plots."""
    return "overall (mean over domains)" if track == OVERALL else DOMAIN_LABELS[track]


def observed_level(intensity: float | np.ndarray) -> np.ndarray:
    """The ordinal level an intensity reads as: how many cut points lie at or below it."""
    return np.searchsorted(np.asarray(CUT_POINTS), np.asarray(intensity, dtype=float), side="right")


def level_band(level: int) -> tuple[float, float]:
    """The intensities that read as ``level``: [lower cut, next cut), the last one up to 1."""
    edges = (0.0, *CUT_POINTS, TOP)
    return edges[level], edges[level + 1]


def year_rows(labels: Sequence[str], *, what: str = "the run does") -> dict[int, list[int]]:
    """Per year 1991–2024, the positions of its quarters among ``labels`` ("1990Q4", "1991Q1", …).

    Raises:
        ValueError: "``what`` not cover" the first year without a quarter.
    """
    rows = {
        y: [i for i, label in enumerate(labels) if label.startswith(f"{y}Q")] for y in range(FIRST_YEAR, LAST_YEAR + 1)
    }
    missing = [y for y, r in rows.items() if not r]
    if missing:
        raise ValueError(f"{what} not cover {missing[0]}; the coded history needs {FIRST_YEAR}–{LAST_YEAR}")
    return rows


def yearly_means(result: RunResult, tracks: Sequence[str] = TRACKS) -> dict[str, np.ndarray]:
    """Per track, the backcast's intensity in each year 1991–2024: mean over the year's quarters and replicates."""
    rows = year_rows(result.quarter_labels)
    out = {}
    for track in tracks:
        values = result.series(series_of(track))
        out[track] = np.array([values[r].mean() for r in rows.values()])
    return out


@dataclass(frozen=True)
class TrackScore:
    """How the backcast agrees with one track of the coded history.

    Attributes:
        track: Domain, ``overall``, or ``pooled`` (all domain-years together).
        coded: Number of coded (non-gap) years scored.
        levels: The distinct coded levels among them.
        spearman: Rank correlation of intensity and coded level; None when either is constant.
        agreement: Share of coded years whose mapped level equals the coded level.
        within_one: Share of coded years whose mapped level is within one of the coded level.
        mapped: The mapped levels the backcast shows over the coded years (distinct, sorted).
    """

    track: str
    coded: int
    levels: tuple[int, ...]
    spearman: float | None
    agreement: float | None
    within_one: float | None
    mapped: tuple[int, ...]


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rank correlation (ties averaged), or None if either side is constant or too short."""
    if len(x) < 2 or np.ptp(np.asarray(x, dtype=float)) == 0 or np.ptp(np.asarray(y, dtype=float)) == 0:
        return None
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def score_pairs(track: str, intensity: Sequence[float], coded: Sequence[int]) -> TrackScore:
    """Score paired (intensity, coded level) observations of one track; all gaps already removed."""
    x = np.asarray(intensity, dtype=float)
    levels = np.asarray(coded, dtype=int)
    if x.shape != levels.shape:
        raise ValueError(f"{track}: {x.size} intensities but {levels.size} coded levels")
    if not x.size:
        return TrackScore(track, 0, (), None, None, None, ())
    mapped = observed_level(x)
    return TrackScore(
        track=track,
        coded=int(x.size),
        levels=tuple(sorted({int(v) for v in levels})),
        spearman=spearman(x, levels),
        agreement=float(np.mean(mapped == levels)),
        within_one=float(np.mean(np.abs(mapped - levels) <= 1)),
        mapped=tuple(sorted({int(v) for v in mapped})),
    )


def score_history(yearly: Mapping[str, Sequence[float]], history: CodedHistory) -> list[TrackScore]:
    """Score yearly intensities against the coded history, per track and pooled over domains.

    Args:
        yearly: Per track, one intensity per year 1991–2024 (as :func:`yearly_means` gives).
        history: The coded history.

    Returns:
        One score per track of ``yearly`` that the history has, in ``yearly``'s order, then
        ``pooled``: every coded domain-year of the domains among them (``overall`` left out,
        since it is their mean).
    """
    scores = []
    pooled_x: list[float] = []
    pooled_y: list[int] = []
    years = list(history.years)
    for track, values in yearly.items():
        if track not in history:
            continue
        if len(values) != len(years):
            raise ValueError(f"{track}: {len(values)} yearly values for {len(years)} years {years[0]}–{years[-1]}")
        pairs = [(v, history.level(track, y)) for v, y in zip(values, years, strict=True)]
        x = [float(v) for v, level in pairs if level is not None]
        y = [level for _, level in pairs if level is not None]
        scores.append(score_pairs(track, x, y))
        if track != OVERALL:
            pooled_x += x
            pooled_y += y
    scores.append(score_pairs("pooled", pooled_x, pooled_y))
    return scores


def coded_history() -> CodedHistory:
    """The shipped coded history, its tracks checked against the model's domains."""
    return load_history(tracks=TRACKS)


def score_backcast(
    result: RunResult | None = None,
    history: CodedHistory | None = None,
    *,
    scenarios: Path = Path("scenarios"),
    replicates: int = 20,
) -> list[TrackScore]:
    """Score the historical backcast against the coded history.

    Args:
        result: A run of ``historical_1991_2024``; None runs it from ``scenarios``.
        history: The coded history; None loads the shipped one.
        scenarios: Folder holding the backcast scenario (used only when ``result`` is None).
        replicates: Replicates of that run.
    """
    if result is None:
        from simulator.runs.runner import resolve, simulate

        scenario = resolve(scenarios / f"{BACKCAST}.yaml", replicates=replicates)
        result = simulate(scenario, keep_details=False)
    history = coded_history() if history is None else history
    return score_history(yearly_means(result, [t for t in TRACKS if t in history]), history)


def coded_levels(history: CodedHistory) -> CodedLevels:
    """The coded history as intensity bands per year, for the backcast figures."""
    bands = {
        track: [None if (level := history.level(track, y)) is None else level_band(level) for y in history.years]
        for track in history
    }
    return CodedLevels(years=list(history.years), bands=bands)
