"""Words for an experiment's metrics and factors on axes, legends and summaries.

These need the experiment's own types (:class:`~simulator.runs.metrics.Metric`,
:class:`~simulator.sweeps.experiment.Factor`), so they live above the plain labels of
:mod:`simulator.presentation.labels`, which every plot may use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.inputs.calibration import default_calibration
from simulator.presentation.labels import UNIT_TEXT, parameter_words, series_label, series_unit

if TYPE_CHECKING:
    from simulator.runs.metrics import Metric
    from simulator.sweeps.experiment import Factor


def metric_label(metric: Metric, horizon: int | None = None) -> str:
    """A metric in words with its unit, for an axis."""
    what = series_label(metric.series)
    unit = series_unit(metric.series)
    if metric.statistic == "final":
        return f"{what}, final quarter — {unit}"
    if metric.statistic == "peak":
        return f"peak {what} — {unit}"
    if metric.statistic == "mean":
        return f"{what}, mean over the run — {unit}"
    never = f" ({horizon + 1}: not in the run)" if horizon is not None else ""
    return f"quarters until {what} ≥ {metric.threshold:g}{never}"


def metric_short(metric: Metric) -> str:
    """A metric in a few words, for titles and colour bars."""
    what = series_label(metric.series)
    if metric.statistic == "first_above":
        return f"quarters until {what} ≥ {metric.threshold:g}"
    return f"{metric.statistic} {what}"


def effect_unit(metric: Metric) -> str:
    """The unit of a Morris elementary effect of ``metric``."""
    if metric.statistic == "first_above":
        return "quarters per parameter range"
    return f"{series_unit(metric.series)} per parameter range"


def factor_name(factor: Factor) -> str:
    """A factor in words without its unit, for titles and legends (the shock field, or the parameter)."""
    if factor.shock is not None:
        return factor.label
    return parameter_words(factor.name) if factor.name in default_calibration() else factor.label or factor.name


def factor_label(factor: Factor) -> str:
    """A factor in words with its unit, for an axis."""
    if factor.is_onset:
        return f"{factor.label} (quarter)"
    if factor.shock is not None:
        return f"{factor.label} (0–1)" if factor.shock_field == "magnitude" else factor.label
    calibration = default_calibration()
    if factor.name not in calibration:
        return factor.label or factor.name
    parameter = calibration[factor.name]
    return f"{parameter_words(factor.name)} ({UNIT_TEXT.get(parameter.unit, parameter.unit_meaning)})"


def value_text(factor: Factor, value: float) -> str:
    """A factor's value for a legend or summary: a quarter, or three significant digits."""
    return factor.describe(value) if factor.is_onset else f"{value:.3g}"
