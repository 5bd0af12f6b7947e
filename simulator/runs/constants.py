"""Which series of a run are held constant: one number in every world and quarter.

Some pairs never move in a forward run. Cooperation across the camps (the EU, Japan or the
United States with China, Russia or North Korea) sits at the floor its agreements hold
(docs/ODD.md §7.9), because neither side's desire ever rises above it; in every world and
quarter the series is the same number. Printed beside EU–Japan cooperation, drawn on the same
axes or compared between scenarios, such a series looks like a finding although the model
only repeats a parameter. The outputs therefore ask this module which series are constants and
set them apart: named once with their value, never ranked among the movers, never drawn as
lines, never differenced.

The rule is measured on each run, not a list of pairs: a series is held constant when every
value over all its quarters (the starting state included) and all its replicates lies within
:data:`CONSTANT_TOLERANCE` of every other. A model change that makes a pair move, or a scenario
that lifts a floor, puts it back among the results without any edit here. A constant is said
to sit at its agreement floor only when its value is the pair's floor computed from the run's
own parameters by the model's formula, so the words never claim a reason the numbers do not show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from simulator.core.parameters import Structure, world_parameters
from simulator.core.structure import PAIRS
from simulator.inputs.calibration import default_calibration

if TYPE_CHECKING:
    from collections.abc import Iterable

    from simulator.inputs.scenario import Scenario

CONSTANT_TOLERANCE = 1e-9
"""Largest spread (highest minus lowest value) of a series still held constant.

Far below anything a reader could see or a summary prints (two or three decimals), and far above
floating-point noise in a series that is really one number (it is then exactly one number, as the
floor is applied by ``max``). ``timeseries.csv`` keeps six significant digits, so a constant stays
constant when a folder is read back, and a series that moves by more than this stays moving."""
FLOOR_TOLERANCE = 1e-5
"""Relative tolerance when matching a constant to its pair's agreement floor (a saved value has six digits)."""


class RunSeries(Protocol):
    """What the rule reads of a run: a :class:`~simulator.runs.results.RunResult` or a run folder read back."""

    @property
    def scenario(self) -> Scenario:
        """The resolved scenario (its parameters give the agreement floors)."""
        ...

    @property
    def columns(self) -> list[str]:
        """Recorded variables."""
        ...

    def series(self, variable: str) -> np.ndarray:
        """(steps + 1, replicates) values of one variable."""
        ...


@dataclass(frozen=True)
class HeldConstant:
    """A series held at one number in every world and quarter of a run.

    Attributes:
        series: The recorded series, e.g. ``coop_EU_CHN``.
        value: The number it is held at (the midpoint of its values).
        at_floor: Whether that number is the pair's agreement floor under the run's parameters.
    """

    series: str
    value: float
    at_floor: bool = False


def constant_value(values: np.ndarray, tolerance: float = CONSTANT_TOLERANCE) -> float | None:
    """The one number every value lies at, or None when the values move.

    Args:
        values: Every value of a series, of any shape (quarters by replicates).
        tolerance: Largest spread, highest minus lowest, of values still held constant.

    Returns:
        The midpoint of the values when their spread is at most ``tolerance``; None when it is
        larger, when there are no values, or when any value is missing (NaN) or infinite: a quarter
        whose value is unknown cannot be vouched for.
    """
    data = np.asarray(values, dtype=float)
    if data.size == 0 or not np.isfinite(data).all():
        return None
    low, high = float(data.min()), float(data.max())
    if high - low > tolerance:
        return None
    return (low + high) / 2


def agreement_floors(scenario: Scenario) -> dict[str, float]:
    """Each pair's agreement floor under the scenario's parameters: the mean over domains of the model's floor.

    Computed by the model's own :class:`~simulator.core.parameters.Structure`, so the floor the
    words name is the one the model applies (docs/ODD.md §7.9). Shocks are not applied: a shock
    that moves a floor also moves the pair, which is then no constant.
    """
    params = world_parameters(default_calibration(), 1, scenario.parameters)
    floor = Structure.from_parameters(params, 1).agreement_floor[0].mean(axis=1)
    return {pair: float(value) for pair, value in zip(PAIRS, floor, strict=True)}


def is_agreement_floor(value: float, floor: float) -> bool:
    """Whether a constant's ``value`` is the agreement ``floor`` (to the six digits a saved table keeps)."""
    return bool(np.isclose(value, floor, rtol=FLOOR_TOLERANCE, atol=CONSTANT_TOLERANCE))


def held_constant(
    run: RunSeries, names: Iterable[str] | None = None, tolerance: float = CONSTANT_TOLERANCE
) -> list[HeldConstant]:
    """The series of ``run`` held constant in every world and quarter, in column order.

    Args:
        run: A run or a run folder read back.
        names: The series to test (default: every recorded series); names the run lacks are skipped.
        tolerance: See :func:`constant_value`.
    """
    columns = run.columns
    wanted = columns if names is None else [name for name in names if name in columns]
    floors: dict[str, float] | None = None
    found = []
    for name in wanted:
        value = constant_value(run.series(name), tolerance)
        if value is None:
            continue
        pair = name.removeprefix("coop_")
        at_floor = False
        if name.startswith("coop_") and pair in PAIRS:
            floors = agreement_floors(run.scenario) if floors is None else floors
            at_floor = is_agreement_floor(value, floors[pair])
        found.append(HeldConstant(name, value, at_floor))
    return found


def held_constant_pairs(run: RunSeries, tolerance: float = CONSTANT_TOLERANCE) -> list[HeldConstant]:
    """The pairs whose cooperation (``coop_<A>_<B>``) is held constant in every world and quarter of ``run``."""
    return held_constant(run, [f"coop_{pair}" for pair in PAIRS], tolerance)


def moving_pairs(run: RunSeries, tolerance: float = CONSTANT_TOLERANCE) -> list[str]:
    """The pairs (``EU_JPN``, …) whose cooperation moves in ``run``: the results among the pairs."""
    constant = {c.series for c in held_constant_pairs(run, tolerance)}
    return [pair for pair in PAIRS if f"coop_{pair}" in run.columns and f"coop_{pair}" not in constant]
