"""User-facing errors.

Every mistake a user can make in a scenario, a shock library or on the command
line becomes a :class:`UserError`: one line naming where the problem is and how to
fix it. The CLI prints it and exits with status 2 instead of a traceback.
"""

from __future__ import annotations

import difflib
import math
import reprlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

QUOTE_LIMIT = 60
"""Characters of a user's value that a message quotes before cutting it off with '…'.

Enough to recognise the value; a message never repeats a whole long value (a file can
hold a name of a million characters), so every error stays one readable line."""
FIELD_LIMIT = 80
"""Characters of a field's dotted location shown in a message (keys are user text too)."""
FILE_LIMIT = 200
"""Characters of a file's path shown in a message; a longer path keeps its end, which names the file."""


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
            where = clip_path(self.file) + (f":{self.line}" if self.line else "")
        if self.field:
            field = clip(self.field, FIELD_LIMIT)
            where = f"{where} ({field})" if where else field
        return f"{where}: {self.message}" if where else self.message

    def problems(self) -> list[UserError]:
        """The single problems this error stands for: itself (several for a :class:`UserErrors`)."""
        return [self]


class UserErrors(UserError):
    """Several independent problems of one file (or one command line), reported together.

    A user who fixes one mistake only to meet the next on the following try loses a run
    per typo; so checks that can go on after a mistake collect them all and raise this.
    Its message, file, line and field are those of the first problem, so code that looks
    at one error still sees a sensible one; ``str()`` gives every problem, one a line, then
    a count, which is what the command line prints.

    Args:
        errors: The problems, in the order to report them (flattened if any is itself a UserErrors).
        source: What they are in, for the count line ("3 problems in scenarios/x.yaml"); by
            default the first problem's file.
    """

    def __init__(self, errors: Sequence[UserError], *, source: str | Path | None = None) -> None:
        flat = [problem for error in errors for problem in error.problems()]
        if not flat:
            raise ValueError("UserErrors needs at least one error")
        first = flat[0]
        super().__init__(first.message, file=first.file, line=first.line, field=first.field)
        self.errors = flat
        self.source = str(source) if source is not None else first.file

    def problems(self) -> list[UserError]:
        """Every single problem, in report order."""
        return list(self.errors)

    @property
    def summary(self) -> str:
        """The count line that closes the report, e.g. ``3 problems in scenarios/x.yaml``."""
        where = f" in {clip_path(self.source)}" if self.source else ""
        return f"{len(self.errors)} problems{where}"

    def __str__(self) -> str:
        return "\n".join([*(str(error) for error in self.errors), self.summary])


class ErrorCollector:
    """Gathers the problems of one file, or of every file of a command, so that all are reported in one go.

    Wrap each independent check in :meth:`check`; a :class:`UserError` it raises is kept and
    the next check runs. :meth:`raise_any` then raises nothing, the one problem exactly as it
    would have been raised alone, or a :class:`UserErrors` of all of them in file order.

    A command given several files (``eujsim run A.yaml B.yaml``) checks each into one collector,
    so a user with three bad files learns of all three before anything runs, instead of one per try.

    Args:
        source: The file (or other input) the checks are about, for the count line; None for a
            collector over several files, whose count line then names the file or says how many.
    """

    def __init__(self, source: str | Path | None = None) -> None:
        self.source = source
        self.errors: list[UserError] = []

    def __bool__(self) -> bool:
        return bool(self.errors)

    def add(self, error: UserError) -> None:
        """Keep ``error`` (each of its problems, if it holds several)."""
        self.errors.extend(error.problems())

    @contextmanager
    def check(self) -> Iterator[None]:
        """Run the block; a UserError it raises is kept instead of ending the checks."""
        try:
            yield
        except UserError as exc:
            self.add(exc)

    def raise_any(self, *, files: int | None = None) -> None:
        """Raise what was collected: nothing, the single error unchanged, or all of them in file order.

        Problems are grouped by file, in the order their files were first met, and sorted by line
        within a file (stably, so problems on one line keep the order they were found in, and
        problems without a line come last); problems of no file come after every file's. A problem
        found twice is reported once.

        Args:
            files: How many files the checks covered. When the problems come from several of them,
                the count line says so ("5 problems in 2 of 3 files"), because the user fixes files.

        Raises:
            UserError: the one problem found.
            UserErrors: when there were several.
        """
        unique: dict[str, UserError] = {}
        for error in self.errors:
            unique.setdefault(str(error), error)
        order = {name: rank for rank, name in enumerate(dict.fromkeys(e.file for e in unique.values() if e.file))}
        errors = sorted(
            unique.values(),
            key=lambda e: (e.file is None, order.get(e.file or "", 0), e.line is None, e.line or 0),
        )
        if len(errors) == 1:
            raise errors[0]
        if errors:
            source = self.source
            if len(order) > 1:
                source = f"{len(order)} of {files} files" if files is not None else f"{len(order)} files"
            elif source is None:  # the one file they are all in, or nothing ("2 problems")
                source = next(iter(order)) if all(error.file for error in errors) else ""
            raise UserErrors(errors, source=source)


def clip(text: str, limit: int = QUOTE_LIMIT) -> str:
    r"""``text`` made fit for a one-line message: control characters escaped, at most ``limit`` characters.

    What is cut off is marked with '…'. Printable characters of any script stay as they are, so a
    Japanese or accented name reads as written; a newline or tab shows as ``\n``/``\t`` instead of
    breaking the message's line.
    """
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text[:limit])
    return shown + "…" if len(text) > limit else shown


def clip_path(path: str | Path, limit: int = FILE_LIMIT) -> str:
    """A path made fit for a one-line message: its last ``limit`` characters, which name the file.

    '…' marks what was cut from its start; control characters are escaped as in :func:`clip`.
    """
    text = str(path)
    return clip(text, len(text)) if len(text) <= limit else "…" + clip(text[-limit:], limit)


class _ShortRepr(reprlib.Repr):
    """``repr`` bounded in length and depth, for any value a YAML file or an API caller can give."""

    def __init__(self, limit: int) -> None:
        super().__init__(maxlevel=3, maxtuple=4, maxlist=4, maxdict=4, maxset=4, maxstring=limit, maxother=limit)
        self.limit = limit

    def repr_str(self, x: str, level: int) -> str:
        """A string's prefix: the start of a value is what its writer recognises."""
        return repr(x[: self.limit]) + ("…" if len(x) > self.limit else "")

    def repr_int(self, x: int, level: int) -> str:
        """An integer, or its first digits and length when it is long (Python cannot print one of 4,300 digits)."""
        digits = int(x.bit_length() * math.log10(2)) + 1
        if digits > 4000:
            return f"an integer of about {digits:,} digits"
        text = repr(x)
        return text if len(text) <= self.limit else f"{text[: self.limit]}… ({len(text.lstrip('-'))} digits)"


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A user's value as a message shows it: like ``repr``, on one line, at most about ``limit`` characters.

    Safe for any value: a huge integer, a deeply nested or self-containing list, a string of a
    million characters.
    """
    return clip(_ShortRepr(limit).repr(value), 2 * limit)


def near_miss(word: str, choices: Iterable[str]) -> str:
    """A '; did you mean 'X'?' hint for the closest valid choice, or ''.

    The hint ends a clause, so callers put it last or follow it with a new sentence.
    """
    options = sorted(set(choices))
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    if not close:
        close = [c for c in options if c.lower() == word.lower()]
    return f"; did you mean '{close[0]}'?" if close else ""


def choices_hint(choices: Iterable[str], limit: int = 12, width: int = 240) -> str:
    """Short list of valid choices for a message: at most ``limit`` of them in about ``width`` characters.

    Choices can be users' names (a scenario's shocks, a library's kinds) of up to 80 characters
    each, so the list stops at ``width`` as well as at ``limit`` and says how many it left out.
    """
    options = sorted(set(choices))
    shown: list[str] = []
    for option in options[:limit]:
        text = clip(option)
        if shown and sum(len(s) + 2 for s in shown) + len(text) > width:
            break
        shown.append(text)
    more = f", … ({len(options) - len(shown)} more)" if len(options) > len(shown) else ""
    return ", ".join(shown) + more


class IncompleteSweepWarning(UserWarning):
    """A sweep's tables hold fewer (or other) rows than its design: see ``SweepResult.shortfall``.

    Defined here, with the other things eujsim says to its users, so that the command line can
    filter it without importing the sweep machinery.
    """


class MissingGlyphWarning(UserWarning):
    """Some characters of a name have no glyph in the plot font, so the plots draw them as boxes.

    Defined here so that the command line can print it as one note without importing matplotlib.
    """
