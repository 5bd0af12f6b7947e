"""Summary metrics of an output series, one number per world.

Sweeps, sensitivity analyses and outside tools (EMA Workbench, SALib) need a few
numbers per world rather than whole trajectories. A metric is written
``<series>:<statistic>``, for example ``coop_EU_JPN:final``, ``coop_EU_JPN:peak``,
``threat_JPN_CHN:mean`` or ``coop_EU_JPN:first_above@0.55`` (the step at which the
series first reaches 0.55).

A world whose series never reaches a ``first_above`` level has no such step: its own value is
NaN (as ``worlds.parquet`` of a sweep records it), and every average over worlds counts it as
one quarter after the run, ``horizon + 1`` (:func:`never_reached`), beside the share of worlds
that did reach the level (the ``<metric>:reached`` outcome). :func:`simulator.model_function`
and :func:`simulator.evaluate_points` average through :func:`replicate_means`, and a sweep's
analysis fills the same value (:func:`simulator.sweeps.sensitivity.tabulate_points`), so a
point's ``first_above`` means the same wherever it is read. Averaging only the worlds that
reached the level would make a point where one world in ten gets there early look better than
one where every world gets there a little later, and would leave no number at all where none does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from simulator.base.errors import UserError, clip, near_miss, quote
from simulator.core.recorder import column_names

STATISTICS = ("final", "peak", "mean", "first_above")
REACHED = ":reached"
"""Added to a ``first_above`` metric's name for the share of worlds that reached its level."""


@dataclass(frozen=True)
class Metric:
    """One statistic of one recorded series.

    Attributes:
        series: A recorded column, e.g. ``coop_EU_JPN`` (see :func:`simulator.core.recorder.column_names`).
        statistic: ``final``, ``peak``, ``mean`` (over simulated quarters) or ``first_above``.
        threshold: Level for ``first_above``.
    """

    series: str
    statistic: str
    threshold: float | None = None

    @property
    def name(self) -> str:
        """The metric as written, which is also its column name in tables."""
        return f"{self.series}:{self.statistic}" + (
            f"@{level_text(self.threshold)}" if self.threshold is not None else ""
        )

    def compute(self, series: np.ndarray) -> np.ndarray:
        """The metric per world from a ``(steps + 1, worlds)`` series (row 0 is the start).

        ``first_above`` gives the first simulated step (1 = first quarter) at which the series
        is at or above the threshold, as a float so that "never" can be NaN; averages count
        such a world as ``horizon + 1`` (:func:`replicate_means`).
        """
        simulated = series[1:]
        if self.statistic == "final":
            return series[-1].copy()
        if self.statistic == "peak":
            return simulated.max(axis=0)
        if self.statistic == "mean":
            return simulated.mean(axis=0)
        reached = simulated >= self.threshold
        first = reached.argmax(axis=0).astype(float) + 1.0
        first[~reached.any(axis=0)] = np.nan
        return first


def never_reached(horizon: int) -> int:
    """The step a world that never reaches a ``first_above`` level counts as in an average: one past the run."""
    return horizon + 1


def replicate_means(metric: Metric, values: np.ndarray, horizon: int) -> dict[str, np.ndarray]:
    """A metric's mean over each point's replicates, and for ``first_above`` the share that reached the level.

    Every mean over replicates the simulator reports for outside tools is taken here, from one
    array layout, so that one point and many points averaged together give the same numbers to
    the last bit.

    Args:
        metric: The metric.
        values: Its value per world (:meth:`Metric.compute`), shape ``(points, replicates)``.
        horizon: Quarters simulated; a world that never reaches a ``first_above`` level counts as
            ``horizon + 1`` (:func:`never_reached`).

    Returns:
        ``{metric name: mean per point}``, and for ``first_above`` also
        ``{metric name + ":reached": share of replicates that reached the level}``.
    """
    values = np.asarray(values, dtype=float)
    if metric.statistic != "first_above":
        return {metric.name: values.mean(axis=-1)}
    reached = np.isfinite(values)
    filled = np.where(reached, values, float(never_reached(horizon)))
    return {metric.name: filled.mean(axis=-1), metric.name + REACHED: reached.mean(axis=-1)}


def level_text(level: float) -> str:
    """A level as a metric's name writes it: short (``0.55``, ``1``) but read back exactly.

    ``:g`` keeps six significant digits, so a level of 0.1234567 would come back from a saved
    experiment as 0.123457, a different metric; such a level is written in full.
    """
    text = f"{level:g}"
    return text if float(text) == level else repr(level)


def parse_metric(text: str) -> Metric:
    """Read ``series:statistic`` or ``series:first_above@level``.

    Raises:
        UserError: naming the unknown series or statistic, with the nearest valid one.
    """
    series, sep, rest = text.partition(":")
    statistic, at, level = rest.partition("@")
    columns = column_names()
    if not sep or series not in columns:
        raise UserError(
            f"metric {quote(text)}: no series '{clip(series)}'{near_miss(series, columns)}; write SERIES:STATISTIC, "
            "e.g. coop_EU_JPN:final",
            field="metrics",
        )
    if statistic not in STATISTICS:
        raise UserError(
            f"metric {quote(text)}: unknown statistic '{clip(statistic)}'{near_miss(statistic, STATISTICS)} "
            f"(choose from {', '.join(STATISTICS)})",
            field="metrics",
        )
    if (statistic == "first_above") != bool(at):
        raise UserError(
            f"metric {quote(text)}: first_above needs a level, e.g. {series}:first_above@0.55, and only it takes one",
            field="metrics",
        )
    threshold = None
    if at:
        try:
            threshold = float(level)
        except ValueError:
            raise UserError(f"metric {quote(text)}: level {quote(level)} is not a number", field="metrics") from None
        if not math.isfinite(threshold):
            raise UserError(
                f"metric {quote(text)}: level {quote(level)} is not a finite number; give a level such as 0.55",
                field="metrics",
            )
    return Metric(series, statistic, threshold)


def parse_metrics(texts: Iterable[str]) -> list[Metric]:
    """Parse several metrics, refusing duplicates."""
    metrics = [parse_metric(t) for t in texts]
    names = [m.name for m in metrics]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise UserError(f"metric {quote(duplicate)} is listed twice", field="metrics")
    return metrics
