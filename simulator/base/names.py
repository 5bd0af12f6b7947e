"""Rules for the names users give: scenarios, shocks, shock kinds and experiments.

A name travels further than any other text of a file: into plot titles, legends and shock
labels, the CSV tables of a run, a comparison and a sweep, folder names and the terminal.
So a name is one short line of visible characters that every one of those places shows as
written:

* at most :data:`NAME_LIMIT` characters, so that a title or a legend can hold it;
* no control or invisible formatting characters (a line break would split a table row or an
  error line; a right-to-left override would show a different name from the one stored);
* not starting with a character that makes a spreadsheet read a CSV cell as a formula
  (:data:`FORMULA_STARTS`): a user who opens ``events.csv`` in Excel or LibreOffice would
  otherwise run whatever the name says; nor with a space.

Plots draw names as plain text (see :data:`simulator.presentation.plots.STYLE`), so ``$`` and ``_`` are
fine. Descriptions are free text of at most :data:`DESCRIPTION_LIMIT` characters; they are
shown in reports but never written to a table.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from simulator.base.errors import UserError, quote

NAME_LIMIT = 80
"""Longest name, in characters: about what a plot title or a legend entry can show."""
DESCRIPTION_LIMIT = 2_000
"""Longest description, in characters: the longest shipped one (the 1991–2024 backcast) has 941."""
FORMULA_STARTS = frozenset("=+-@\t\r＝＋－＠")
"""First characters that make a spreadsheet take a CSV cell for a formula (with their full-width forms)."""


def name_problem(name: str) -> str | None:
    """What is wrong with ``name`` as a name, with the fix, or None if it is a good name."""
    if len(name) > NAME_LIMIT:
        return f"names are at most {NAME_LIMIT} characters (this one has {len(name):,}); shorten it"
    if not name.strip():
        return "a name needs at least one visible character"
    if name[0] in FORMULA_STARTS:
        return (
            f"a name may not start with {name[0]!r}: a spreadsheet opening the result tables would run it "
            "as a formula; start the name with a letter or digit"
        )
    if name[0].isspace() or name[-1].isspace():
        return "a name may not start or end with a space; remove it"
    odd = next((c for c in name if not c.isprintable()), None)
    if odd is not None:
        return (
            f"a name is one line of visible characters, and this one holds {odd!r} "
            f"(a control or invisible formatting character); remove it"
        )
    return None


def check_name(name: str) -> str:
    """``name`` if it is a good name (pydantic validator).

    Raises:
        ValueError: saying what is wrong and how to fix it (:func:`name_problem`).
    """
    problem = name_problem(name)
    if problem:
        raise ValueError(problem)
    return name


def name_from_file(stem: str, what: str, file: str) -> str:
    """A file's stem as the name of the scenario or experiment in it, which gives none, if it makes a good name.

    Args:
        stem: The file's name without its ending.
        what: ``scenario`` or ``experiment``, for the message.
        file: The file, for the message.

    Raises:
        UserError: saying to add a name, when the stem breaks a rule (``=report.yaml``, a name of 100 characters).
    """
    problem = name_problem(stem)
    if problem:
        raise UserError(
            f"the {what} has no name, and its file name {quote(stem)} cannot be one ({problem}); "
            f"add a line such as name: my_{what}",
            file=file,
            line=1,
            field="name",
        )
    return stem


Name = Annotated[str, AfterValidator(check_name)]
"""A name in a file's schema: text that :func:`name_problem` accepts."""
Description = Annotated[str, Field(max_length=DESCRIPTION_LIMIT)]
"""A description in a file's schema: text of at most :data:`DESCRIPTION_LIMIT` characters."""
