"""An out-of-sample check of the ABC calibration: fit the history to 2017, predict 2018–2024.

A calibration that has seen the whole history can only show that the model can be made to
fit it. Here the same prior runs are calibrated on the coded years up to 2017 alone (and on
the P1/P2 conditions that read no later quarter), and the accepted samples' backcasts then
predict the coded levels of 2018–2024 (posterior predictive: each sample's yearly mean
intensity read as a level). The prediction is scored against the coded history and against
two forecasts that need no model:

* **persistence** — each track's last coded level up to 2017, carried forward;
* **linear trend** — the least-squares line of coded level on year over the coded years up to
  2017, extended, rounded to a whole level and clipped to 0–4; a track with a single coded
  year falls back to persistence.

A track with no coded year up to 2017 gets no naive forecast; it is scored for the model
only and kept out of the comparison (:data:`COMPARABLE`), so that every forecast in a pooled
row is scored on the same track-years.

What the check cannot exclude: the model's structure and the dated events after 2017 (the
2018 SPA, the 2022 invasion, …) are inputs of the backcast, written with the whole history
known. The events are forcing, as in any hindcast; only the parameters were chosen blind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.evaluation.abc import YEARS, Summary, coded_matrix
from simulator.evaluation.history_fit import TRACKS, observed_level
from simulator.inputs.history import CodedHistory

THROUGH = 2017
"""Last year the out-of-sample calibration sees."""
PREDICTED = tuple(range(THROUGH + 1, YEARS[-1] + 1))
"""The years predicted and scored: 2018–2024."""
TOP_LEVEL = 4
POOLED = "pooled"
COMPARABLE = "comparable"
"""Scope of a score over the tracks every forecast covers (each has a coded year up to :data:`THROUGH`)."""
MODEL_ONLY = "model only"
"""Scope of a score over the tracks with no coded year up to :data:`THROUGH` (no naive forecast)."""


def known_levels(history: CodedHistory, track: str, through: int = THROUGH) -> tuple[np.ndarray, np.ndarray]:
    """A track's coded years up to ``through`` and their levels (gaps left out)."""
    coded = coded_matrix(history, track, through=through)
    keep = ~np.isnan(coded)
    return np.array(YEARS)[keep], coded[keep]


def persistence(history: CodedHistory, track: str, years: Sequence[int], through: int = THROUGH) -> np.ndarray | None:
    """The track's last coded level up to ``through`` for every year of ``years``; None without one."""
    _, levels = known_levels(history, track, through)
    if not levels.size:
        return None
    return np.full(len(years), float(levels[-1]))


def linear_trend(history: CodedHistory, track: str, years: Sequence[int], through: int = THROUGH) -> np.ndarray | None:
    """Least-squares line of coded level on year up to ``through``, rounded and clipped to 0–4.

    Fewer than two coded years give no line: persistence then (None if there is no coded year).
    Rounding is to the nearest level, halves to the even level (NumPy's rule).
    """
    known, levels = known_levels(history, track, through)
    if known.size < 2:
        return persistence(history, track, years, through)
    slope, intercept = np.polyfit(known.astype(float), levels, 1)
    return np.clip(np.round(intercept + slope * np.asarray(years, dtype=float)), 0, TOP_LEVEL)


@dataclass(frozen=True)
class Score:
    """How a forecast agrees with the coded levels on a set of track-years.

    Attributes:
        forecast: The forecast's name.
        track: A track, or :data:`POOLED`.
        scope: :data:`COMPARABLE` or :data:`MODEL_ONLY`.
        coded: Number of track-years scored.
        agreement: Share whose forecast level equals the coded level.
        within_one: Share whose forecast is within one level.
        mae: Mean absolute level error.
    """

    forecast: str
    track: str
    scope: str
    coded: int
    agreement: float
    within_one: float
    mae: float


def level_scores(forecast: str, track: str, scope: str, predicted: np.ndarray, coded: np.ndarray) -> Score:
    """Score predicted levels against coded ones; pairs where either is NaN are left out.

    ``predicted`` may carry a leading axis of samples (n, years): each sample is scored and the
    scores averaged (the expected score of one posterior draw).
    """
    predicted = np.asarray(predicted, dtype=float)
    coded = np.asarray(coded, dtype=float)
    keep = ~np.isnan(coded) & ~np.isnan(predicted).any(axis=tuple(range(predicted.ndim - 1)))
    error = np.abs(predicted[..., keep] - coded[keep])
    if not keep.any():
        return Score(forecast, track, scope, 0, float("nan"), float("nan"), float("nan"))
    return Score(
        forecast,
        track,
        scope,
        int(keep.sum()),
        float(np.mean(error == 0)),
        float(np.mean(error <= 1)),
        float(np.mean(error)),
    )


def predictive_levels(summary: Summary, years: Sequence[int] = PREDICTED) -> dict[str, np.ndarray]:
    """Posterior predictive levels: per track an (n, years) array, each sample's yearly mean read as a level."""
    index = [YEARS.index(y) for y in years]
    return {track: observed_level(values[:, index]).astype(float) for track, values in summary.yearly.items()}


def median_level(levels: np.ndarray) -> np.ndarray:
    """The posterior's point forecast per year: the median level over samples (the lower one of a tie)."""
    return np.quantile(levels, 0.5, axis=0, method="inverted_cdf").astype(float)


def score_table(
    forecasts: Mapping[str, Mapping[str, np.ndarray | None]],
    history: CodedHistory,
    years: Sequence[int] = PREDICTED,
    through: int = THROUGH,
) -> pd.DataFrame:
    """Scores per forecast and track, with pooled rows, on the coded track-years of ``years``.

    Args:
        forecasts: Per forecast name, per track: predicted levels, one per year of ``years``, or
            (n, years) for an ensemble scored sample by sample; None where it has no forecast.
        history: The coded history.
        years: The predicted years.
        through: The last year the forecasts saw; tracks with a coded year up to it are
            :data:`COMPARABLE`, the others :data:`MODEL_ONLY`.

    Returns:
        One row per forecast, track (and pooled per scope) with the fields of :class:`Score`.
        Pooled rows weight every track-year equally, ``overall`` included.
    """
    index = [YEARS.index(y) for y in years]
    tracks = [t for t in TRACKS if t in history]
    scope = {t: COMPARABLE if known_levels(history, t, through)[1].size else MODEL_ONLY for t in tracks}
    rows: list[Score] = []
    for name, by_track in forecasts.items():
        pooled: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}
        for track in tracks:
            predicted = by_track.get(track)
            coded = coded_matrix(history, track)[index]
            if predicted is None or np.isnan(coded).all():
                continue
            rows.append(level_scores(name, track, scope[track], np.asarray(predicted, dtype=float), coded))
            preds, codes = pooled.setdefault(scope[track], ([], []))
            preds.append(np.asarray(predicted, dtype=float))
            codes.append(coded)
        for where, (preds, codes) in pooled.items():
            rows.append(
                level_scores(name, POOLED, where, np.concatenate(preds, axis=-1), np.concatenate(codes, axis=-1))
            )
    return pd.DataFrame([vars(r) for r in rows])


def naive_forecasts(
    history: CodedHistory, years: Sequence[int] = PREDICTED, through: int = THROUGH
) -> dict[str, dict[str, np.ndarray | None]]:
    """Persistence and linear-trend forecasts of every track (None for a track with no coded year to ``through``)."""
    tracks = [t for t in TRACKS if t in history]
    return {
        "persistence": {t: persistence(history, t, years, through) for t in tracks},
        "linear trend": {t: linear_trend(history, t, years, through) for t in tracks},
    }


def model_forecasts(summary: Summary, name: str, years: Sequence[int] = PREDICTED) -> dict[str, dict[str, np.ndarray]]:
    """An ensemble's forecasts: its median level (``<name>, median level``) and its samples (``<name>, per sample``)."""
    levels = predictive_levels(summary, years)
    return {
        f"{name}, median level": {t: median_level(v) for t, v in levels.items()},
        f"{name}, per sample": levels,
    }


def pooled_row(table: pd.DataFrame, forecast: str, scope: str = COMPARABLE) -> pd.Series:
    """A forecast's pooled score row for one scope."""
    rows = table[(table.forecast == forecast) & (table.track == POOLED) & (table.scope == scope)]
    if rows.empty:
        raise KeyError(f"no pooled {scope} score of {forecast}")
    return rows.iloc[0]
