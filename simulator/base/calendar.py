"""Quarterly calendar labels such as ``2025Q1``.

The model steps one quarter at a time. A quarter is stored as an integer count
(``year * 4 + quarter - 1``) so that arithmetic on dates is exact.

Scenarios simulate quarters of the years :data:`FIRST_YEAR` to :data:`LAST_YEAR`
(:func:`check_period`). The model is calibrated on the world since the end of the Cold War
and its backcast starts in 1991, so these years leave room on both sides; and every label
in them has the four digits that :func:`parse_quarter` reads, so saved files read back.
"""

from __future__ import annotations

import re

from simulator.base.errors import quote

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
FIRST_YEAR = 1900
"""First year a scenario may simulate."""
LAST_YEAR = 2199
"""Last year a scenario may simulate."""
FIRST_QUARTER = FIRST_YEAR * 4
"""Quarter count of the first quarter a scenario may simulate (1900Q1)."""
LAST_QUARTER = LAST_YEAR * 4 + 3
"""Quarter count of the last quarter a scenario may simulate (2199Q4)."""


def parse_quarter(text: str) -> int:
    """Parse ``YYYYQn`` into a quarter count.

    Raises:
        ValueError: if ``text`` is not of the form ``YYYYQn`` with n in 1–4.
    """
    match = _QUARTER.match(str(text).strip())
    if not match:
        raise ValueError(f"{quote(text)} is not a quarter; write it as YYYYQn, e.g. 2025Q1")
    return int(match.group(1)) * 4 + int(match.group(2)) - 1


def quarter_label(count: int) -> str:
    """Format a quarter count as ``YYYYQn`` (the year with four digits, as :func:`parse_quarter` reads it)."""
    return f"{count // 4:04d}Q{count % 4 + 1}"


def check_period(start: int, last: int) -> None:
    """Check that the quarters from ``start`` to ``last`` lie in the calendar (:data:`FIRST_YEAR`–:data:`LAST_YEAR`).

    Raises:
        ValueError: naming the quarter outside and the years allowed; the message says which end to move.
    """
    allowed = (
        f"scenarios simulate quarters from {quarter_label(FIRST_QUARTER)} to {quarter_label(LAST_QUARTER)} "
        "(the model is calibrated on the world since 1991)"
    )
    if start < FIRST_QUARTER:
        raise ValueError(f"{quarter_label(start)} is before {quarter_label(FIRST_QUARTER)}: {allowed}; start later")
    if start > LAST_QUARTER:
        raise ValueError(f"{quarter_label(start)} is after {quarter_label(LAST_QUARTER)}: {allowed}; start earlier")
    if last > LAST_QUARTER:
        raise ValueError(
            f"the run would end in {quarter_label(last)}, after {quarter_label(LAST_QUARTER)}: {allowed}; "
            "shorten the horizon or start earlier"
        )


def quarter_year(count: int) -> float:
    """Decimal year at the middle of a quarter (2025Q1 -> 2025.125)."""
    return count / 4 + 0.125
