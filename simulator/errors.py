"""User-facing errors.

Every mistake a user can make in a scenario, a shock library or on the command
line becomes a :class:`UserError`: one line naming where the problem is and how to
fix it. The CLI prints it and exits with status 2 instead of a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from pathlib import Path


class UserError(Exception):
    """A problem with the user's input, explained so they can fix it.

    Args:
        message: What is wrong and how to fix it.
        file: The file the problem is in, when there is one.
        line: 1-based line in ``file``, when known.
        field: Dotted location of the offending field, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file + (f":{self.line}" if self.line else "")
        if self.field:
            where = f"{where} ({self.field})" if where else self.field
        return f"{where}: {self.message}" if where else self.message


def near_miss(word: str, choices: Iterable[str]) -> str:
    """A '; did you mean 'X'?' hint for the closest valid choice, or ''.

    The hint ends a clause, so callers put it last or follow it with a new sentence.
    """
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close:
        close = [c for c in options if c.lower() == word.lower()]
    return f"; did you mean '{close[0]}'?" if close else ""


def choices_hint(choices: Iterable[str], limit: int = 12) -> str:
    """Short list of valid choices for a message."""
    options = sorted(set(choices))
    shown = ", ".join(options[:limit])
    more = f", … ({len(options) - limit} more)" if len(options) > limit else ""
    return shown + more
