"""Quarterly calendar labels such as ``2025Q1``.

The model steps one quarter at a time. A quarter is stored as an integer count
(``year * 4 + quarter - 1``) so that arithmetic on dates is exact.
"""

from __future__ import annotations

import re

from simulator.errors import quote

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


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
    """Format a quarter count as ``YYYYQn``."""
    return f"{count // 4}Q{count % 4 + 1}"


def quarter_year(count: int) -> float:
    """Decimal year at the middle of a quarter (2025Q1 -> 2025.125)."""
    return count / 4 + 0.125
