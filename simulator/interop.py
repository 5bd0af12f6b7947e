"""A plain function of the model, for tools that drive models from outside.

Exploratory-modelling and sensitivity tools (EMA Workbench, SALib, scipy optimisers)
expect ``f(**inputs) -> {outcome: number}``. :func:`model_function` is that function:
the inputs are calibrated parameters and shock fields, the outcomes are metrics
(:mod:`simulator.metrics`) averaged over replicates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from simulator.calibration import keyword_path
from simulator.errors import UserError, near_miss
from simulator.metrics import parse_metrics
from simulator.runner import resolve, simulate
from simulator.scenario import Scenario, shock_field_range, shock_onset
from simulator.shocks import SHOCK_FIELDS

DEFAULT_SCENARIO = Path("scenarios") / "baseline.yaml"
DEFAULT_METRICS = ("coop_EU_JPN:final", "coop_EU_JPN:peak", "coop_EU_JPN:mean")
SHOCK_PREFIX = "shock."


def model_function(
    scenario: str | Path | Scenario = DEFAULT_SCENARIO,
    *,
    replicates: int = 20,
    seed: int | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
    **inputs: float | str,
) -> dict[str, float]:
    """Run a scenario with the given inputs and return metrics averaged over replicates.

    Args:
        scenario: Scenario file or resolved scenario the inputs modify.
        replicates: Worlds per call; they share the scenario's seed, so two calls that differ
            only in inputs are paired replicate by replicate (common random numbers).
        seed: Base seed, overriding the scenario's.
        metrics: Metric names such as ``coop_EU_JPN:final`` or ``coop_EU_JPN:first_above@0.55``.
        **inputs: Calibrated parameters by dotted path (``JPN.deference``) or with ``__`` for the
            dot (``JPN__deference``, usable as a Python keyword), and shock fields as
            ``shock.<shock name>.<field>`` with field one of at, magnitude, ramp, duration, decay
            (``at`` as a quarter such as ``"2026Q3"``).

    Returns:
        ``{metric: mean over replicates}``; a ``first_above`` metric averages the replicates that
        reach the level and is NaN if none does.

    Raises:
        UserError: for an unknown parameter, shock, field or metric, or an out-of-range value.

    Example:
        >>> model_function("scenarios/us_retrenchment.yaml", JPN__deference=0.8)  # doctest: +SKIP
        {'coop_EU_JPN:final': 0.49..., 'coop_EU_JPN:peak': ..., 'coop_EU_JPN:mean': ...}
    """
    parameters, shock_fields = _split_inputs(inputs)
    resolved = resolve(scenario, replicates=replicates, seed=seed, overrides=parameters)
    shock_overrides = _shock_overrides(resolved, shock_fields)
    chosen = parse_metrics(metrics)
    result = simulate(resolved, keep_details=False, shock_overrides=shock_overrides)
    out = {}
    for metric in chosen:
        values = metric.compute(result.series(metric.series))
        out[metric.name] = float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")
    return out


def _split_inputs(inputs: Mapping[str, float | str]) -> tuple[dict[str, float], dict[tuple[str, str], float | str]]:
    parameters: dict[str, float] = {}
    shock_fields: dict[tuple[str, str], float | str] = {}
    for key, value in inputs.items():
        if key.startswith(SHOCK_PREFIX):
            name, _, field = key[len(SHOCK_PREFIX) :].rpartition(".")
            shock_fields[(name, field)] = value
        else:
            parameters[keyword_path(key)] = value  # type: ignore[assignment]  # checked by resolve()
    return parameters, shock_fields


def _shock_overrides(
    scenario: Scenario, fields: Mapping[tuple[str, str], float | str]
) -> dict[tuple[str, str], np.ndarray]:
    names = [s.name for s in scenario.shocks]
    overrides = {}
    for (name, field), value in fields.items():
        where = f"{SHOCK_PREFIX}{name}.{field}"
        if name not in names:
            raise UserError(
                f"scenario '{scenario.name}' has no shock named '{name}'{near_miss(name, names)}",
                field=where,
            )
        if field not in SHOCK_FIELDS:
            raise UserError(
                f"unknown shock field '{field}'{near_miss(field, SHOCK_FIELDS)} "
                f"(choose from {', '.join(SHOCK_FIELDS)})",
                field=where,
            )
        overrides[(name, field)] = np.full(scenario.replicates, _field_value(scenario, where, field, value))
    return overrides


def _field_value(scenario: Scenario, where: str, field: str, value: float | str) -> float:
    """Check one shock field value as a scenario file would and return the number the schedule uses.

    Unlike in a file, ``ramp``, ``duration`` and ``decay`` may be fractional here.
    """
    if field == "at":
        try:
            return float(shock_onset(str(value), scenario.start, scenario.last))
        except ValueError as exc:
            raise UserError(str(exc), field=where) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"{where} needs a number, got {value!r}", field=where)
    low, high = shock_field_range(field)
    if not low <= float(value) <= high:
        raise UserError(f"{where} = {value} is out of range [{low:g}, {high:g}]", field=where)
    return float(value)
