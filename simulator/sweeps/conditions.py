"""Conditions on a sweep's metrics, ``<metric> <op> <value>``, as scenario discovery asks them.

A condition such as ``coop_EU_JPN:final > 0.55`` is what a user wants to know the region of:
*where in the swept inputs does it hold?* It is read strictly, because a condition that is
quietly read another way (``=`` taken as ``>=``, ``0.55 < x`` turned round) would answer a
question the user did not ask. Every mistake is one :class:`~simulator.base.errors.UserError`
line that names the fix. Which metrics exist is the caller's business
(:func:`simulator.sweeps.discovery.discover` checks the metric against the sweep's table); this
module only reads the text.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from simulator.base.errors import UserError, clip, quote
from simulator.runs.metrics import level_text
from simulator.storage.output import folder_name

OPERATORS = (">", ">=", "<", "<=", "==")
"""The comparisons a condition may use."""
OPERATOR_WORDS = {">": "gt", ">=": "ge", "<": "lt", "<=": "le", "==": "eq"}
"""Each comparison in a folder name (``coop_EU_JPN_final_gt_0.55``): the symbols are not safe there."""
EXAMPLE = "'coop_EU_JPN:final > 0.55'"
"""The example every message ends with."""
SHAPE = f"write METRIC OP VALUE with OP one of {' '.join(OPERATORS)}, e.g. {EXAMPLE}"
"""The fix for a condition that is not of the right shape."""
CORRECTED = {"=": "==", "=>": ">=", "=<": "<=", "==>": ">=", "==<": "<="}
"""Comparisons that are a slip of a valid one, and the valid one."""
NOT_EQUAL = ("!=", "<>", "=!")
"""'Not equal', which a box cannot describe (it would be everything but a slice)."""
FLIPPED = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "=="}
"""The comparison with its sides swapped, to suggest ``METRIC OP VALUE`` for ``VALUE OP METRIC``."""
EQUAL_TOLERANCE = 1e-9
"""Relative difference within which a point mean equals the condition's value (0.1 + 0.2 equals 0.3)."""

_OPERATOR_RUN = re.compile(r"[<>=!]+")


@dataclass(frozen=True)
class Condition:
    """A parsed condition on one metric.

    Attributes:
        metric: The metric's column name, e.g. ``coop_EU_JPN:first_above@0.55``.
        op: One of :data:`OPERATORS`.
        value: The finite number the metric is compared with.
    """

    metric: str
    op: str
    value: float

    @property
    def text(self) -> str:
        """The condition as written back: ``coop_EU_JPN:final > 0.55`` (the value short but exact)."""
        return f"{self.metric} {self.op} {level_text(self.value)}"

    @property
    def slug(self) -> str:
        """A folder name for the condition: ``coop_EU_JPN_final_gt_0.55``.

        Two spellings of one condition (``x>0.55`` and ``x > 0.550``) get the same folder, so a
        discovery asked again replaces its earlier self instead of sitting beside it.
        """
        return folder_name(f"{self.metric}_{OPERATOR_WORDS[self.op]}_{level_text(self.value)}", fallback="condition")

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Where the condition holds, as booleans; a NaN value never satisfies it.

        Values within a relative :data:`EQUAL_TOLERANCE` of the condition's value count as equal to
        it, for every comparison alike: a mean over replicates rarely lands on a decimal exactly
        (the mean of 11, 12 and 13 quarters may come out a hair above 12), and ``m <= 12`` must
        then hold just as ``m == 12`` does, while ``m > 12`` must not.
        """
        x = np.asarray(values, dtype=float)
        equal = np.isclose(x, self.value, rtol=EQUAL_TOLERANCE, atol=0.0)
        with np.errstate(invalid="ignore"):
            above, below = (x > self.value) & ~equal, (x < self.value) & ~equal
        return {">": above, ">=": above | equal, "<": below, "<=": below | equal, "==": equal}[self.op]


def parse_condition(text: object, *, field: str | None = "condition") -> Condition:
    """Read ``METRIC OP VALUE``, refusing anything else.

    Spaces around the comparison are optional. The metric is taken as written (whether the sweep
    has it is checked later, against its table); the value must be a finite number.

    Args:
        text: The condition, e.g. ``"coop_EU_JPN:first_above@0.55 <= 12"``.
        field: Where the condition came from, for the message (``--discover`` on the command line).

    Returns:
        The condition.

    Raises:
        UserError: one line saying what is wrong and how to write it.
    """

    def fail(message: str) -> UserError:
        return UserError(message, field=field)

    if not isinstance(text, str):
        raise fail(f"a condition is text, not {quote(text)}; {SHAPE}")
    stripped = text.strip()
    if not stripped:
        raise fail(f"the condition is empty; {SHAPE}")
    shown = quote(stripped)
    if "\n" in stripped or "\r" in stripped:
        raise fail(f"condition {shown} spans several lines; give one condition per --discover, {SHAPE}")
    runs = list(_OPERATOR_RUN.finditer(stripped))
    if not runs:
        raise fail(f"condition {shown} has no comparison; {SHAPE}")
    if len(runs) > 1:
        raise fail(
            f"condition {shown} has {len(runs)} comparisons; a condition compares one metric with one value: {SHAPE}"
        )
    match = runs[0]
    op = match.group()
    metric, value_text = stripped[: match.start()].strip(), stripped[match.end() :].strip()
    if op in CORRECTED and metric and value_text:
        raise fail(
            f"condition {shown}: '{op}' is not a comparison; write '{clip(metric)} {CORRECTED[op]} {clip(value_text)}'"
        )
    if op in NOT_EQUAL:
        raise fail(
            f"condition {shown}: 'not equal' is not offered, since a box describes where a metric is above or "
            "below a value; use '<' or '>'"
        )
    if op not in OPERATORS:
        raise fail(f"condition {shown}: '{op}' is not a comparison; {SHAPE}")
    if not metric:
        raise fail(f"condition {shown} has no metric before '{op}'; {SHAPE}")
    if not value_text:
        raise fail(f"condition {shown} has no value after '{op}'; {SHAPE}")
    value = _number(value_text)
    if value is None:
        if _number(metric) is not None:  # VALUE OP METRIC: say how to turn it round
            raise fail(
                f"condition {shown} puts the value first; write the metric first: "
                f"'{clip(value_text)} {FLIPPED[op]} {clip(metric)}'"
            )
        raise fail(f"condition {shown}: the value {quote(value_text)} is not a number; {SHAPE}")
    if not math.isfinite(value):
        raise fail(f"condition {shown}: the value must be a finite number, not {quote(value_text)}; {SHAPE}")
    return Condition(metric, op, value)


def _number(text: str) -> float | None:
    """``text`` as a float, or None (Python's own float syntax, without digit-group underscores)."""
    if "_" in text:
        return None
    try:
        return float(text)
    except ValueError:
        return None
