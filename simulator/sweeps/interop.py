"""A plain function of the model, for tools that drive models from outside.

Exploratory-modelling and sensitivity tools (EMA Workbench, SALib, scipy optimisers)
expect ``f(**inputs) -> {outcome: number}``. :func:`model_function` is that function:
the inputs are calibrated parameters and shock fields, the outcomes are metrics
(:mod:`simulator.runs.metrics`) averaged over replicates. A tool that has all its points before
it runs any (SALib, the EMA Workbench's samplers) can hand them to
:func:`simulator.evaluate_points` instead, which gives the same numbers many times faster.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from simulator.base.errors import UserError, choices_hint, clip, near_miss, quote
from simulator.base.paths import SHIPPED_SCENARIOS
from simulator.core.shocks import SHOCK_FIELDS
from simulator.core.structure import HEADLINE_PAIR
from simulator.inputs.calibration import as_float, keyword_path
from simulator.inputs.scenario import Scenario, shock_field_range, shock_onset
from simulator.runs.metrics import parse_metrics, replicate_means
from simulator.runs.runner import resolve, simulate

DEFAULT_SCENARIO = SHIPPED_SCENARIOS / "baseline.yaml"
"""The scenario :func:`model_function` runs when given none: the shipped baseline, found inside the
package, so that the default works from any folder and in an installed package."""
HEADLINE_SERIES = f"coop_{HEADLINE_PAIR}"
DEFAULT_METRICS = (f"{HEADLINE_SERIES}:final", f"{HEADLINE_SERIES}:peak", f"{HEADLINE_SERIES}:mean")
"""The metrics kept when none are named, here and in experiment files."""
SHOCK_PREFIX = "shock."
"""An input named ``shock.<shock name>.<field>`` sets a field of one of the scenario's shocks."""


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
        scenario: Scenario file or resolved scenario the inputs modify; by default the shipped
            baseline (``scenarios/baseline.yaml``, packaged with the simulator, so found from any folder).
        replicates: Worlds per call; they share the scenario's seed, so two calls that differ
            only in inputs are paired replicate by replicate (common random numbers).
        seed: Base seed, overriding the scenario's.
        metrics: Metric names such as ``coop_EU_JPN:final`` or ``coop_EU_JPN:first_above@0.55``.
        **inputs: Calibrated parameters by dotted path (``JPN.deference``) or with ``__`` for the
            dot (``JPN__deference``, usable as a Python keyword), and shock fields as
            ``shock.<shock name>.<field>`` with field one of at, magnitude, ramp, duration, decay
            (``at`` as a quarter such as ``"2026Q3"``).

    Returns:
        ``{metric: mean over replicates}``. A ``first_above`` metric counts a replicate that never
        reaches the level as ``horizon + 1`` (one quarter after the run), as a sweep's analysis
        does, so it always has a number; beside it, ``<metric>:reached`` gives the share of
        replicates that reached the level (:func:`simulator.runs.metrics.replicate_means`).

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
    out: dict[str, float] = {}
    for metric in chosen:
        per_world = metric.compute(result.series(metric.series)).reshape(1, -1)  # one point of R replicates
        for name, means in replicate_means(metric, per_world, resolved.horizon).items():
            out[name] = float(means[0])
    return out


def _split_inputs(inputs: Mapping[str, float | str]) -> tuple[dict[str, float], dict[str, float | str]]:
    parameters: dict[str, float] = {}
    shock_fields: dict[str, float | str] = {}
    for key, value in inputs.items():
        if key.startswith(SHOCK_PREFIX):
            shock_fields[key] = value
        else:
            parameters[keyword_path(key)] = value  # type: ignore[assignment]  # checked by resolve()
    return parameters, shock_fields


def _shock_overrides(scenario: Scenario, fields: Mapping[str, float | str]) -> dict[tuple[str, str], np.ndarray]:
    overrides = {}
    for name, value in fields.items():
        shock, field = shock_input(scenario, name)
        overrides[(shock, field)] = np.full(scenario.replicates, shock_input_value(scenario, name, field, value))
    return overrides


def shock_input(scenario: Scenario, name: str) -> tuple[str, str]:
    """The shock and field that an input named ``shock.<shock name>.<field>`` sets.

    Raises:
        UserError: for a shock the scenario does not have or an unknown field, naming the choices.
    """
    shock, _, field = name.removeprefix(SHOCK_PREFIX).rpartition(".")
    names = [s.name for s in scenario.shocks]
    if shock not in names:
        listed = choices_hint(names) if names else "none"
        raise UserError(
            f"scenario '{clip(scenario.name)}' has no shock named '{clip(shock)}'{near_miss(shock, names)} "
            f"(its shocks: {listed}); write shock.<shock name>.<field>",
            field=name,
        )
    if field not in SHOCK_FIELDS:
        raise UserError(
            f"unknown shock field '{clip(field)}'{near_miss(field, SHOCK_FIELDS)} "
            f"(choose from {', '.join(SHOCK_FIELDS)})",
            field=name,
        )
    return shock, field


def shock_input_value(scenario: Scenario, name: str, field: str, value: object) -> float:
    """Check one value of a shock field as a scenario file would and return the number the schedule uses.

    ``at`` is a quarter inside the run and comes back as its quarter count; the other fields
    are numbers in the range a scenario file allows (:func:`~simulator.inputs.scenario.shock_field_range`),
    except that ``ramp``, ``duration`` and ``decay`` may be fractional here.

    Args:
        scenario: The scenario whose shock it is (its run decides the quarters an onset may take).
        name: How the value is named in messages.
        field: at, magnitude, ramp, duration or decay.
        value: The value given.

    Raises:
        UserError: naming the fix.
    """
    if field == "at":
        if not isinstance(value, str):
            raise UserError(f'{clip(name)} needs a quarter in quotes such as "2026Q3", got {quote(value)}', field=name)
        try:
            return float(shock_onset(value, scenario.start, scenario.last))
        except ValueError as exc:
            raise UserError(str(exc), field=name) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UserError(f"{clip(name)} needs a number, got {quote(value)}", field=name)
    low, high = shock_field_range(field)
    if not low <= as_float(value) <= high:
        raise UserError(f"{clip(name)} = {quote(value)} is out of range [{low:g}, {high:g}]", field=name)
    return float(value)
