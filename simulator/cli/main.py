"""The ``eujsim`` entry point: parse, run the command, and turn every user mistake into one line."""

from __future__ import annotations

import errno
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import TextIO

from simulator.base.errors import IncompleteSweepWarning, MissingGlyphWarning, UserError, clip_path
from simulator.cli.commands import COMMANDS, print_user_error
from simulator.cli.parser import PROG, build_parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``eujsim`` and ``python -m simulator``; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.command_line = [PROG, *argv]
    try:
        with warnings.catch_warnings():  # each command says in its own output when a sweep misses rows
            warnings.simplefilter("ignore", IncompleteSweepWarning)
            warnings.showwarning = _warning_printer()
            return COMMANDS[args.command](args)
    except UserError as exc:
        print_user_error(exc)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted; nothing was written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:
        print(f"{PROG}: error: {os_error_line(exc)}", file=sys.stderr)
        return 2


def _warning_printer() -> Callable[..., None]:
    """A ``warnings.showwarning`` for one command: a note eujsim raises for the user is one line, printed once."""
    shown: set[str] = set()

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        stream = sys.stderr if file is None else file
        if not issubclass(category, MissingGlyphWarning):
            stream.write(warnings.formatwarning(message, category, filename, lineno, line))
        elif str(message) not in shown:
            shown.add(str(message))
            stream.write(f"{PROG}: note: {message}\n")

    return show


OS_ERROR_FIXES = {
    errno.ENOSPC: "free some space on that disk, or write the results to another one",
    errno.EDQUOT: "free some space within your disk quota, or write the results to another disk",
    errno.EROFS: "that file system is read-only: write the results to another place",
    errno.EACCES: "check the path and its permissions",
    errno.EPERM: "check the path and its permissions",
    errno.ENAMETOOLONG: "use a shorter path",
    errno.EMFILE: "too many files are open: close some programs or raise the limit (ulimit -n)",
}
"""What to do about the operating-system errors a user can meet, by errno."""


def os_error_line(exc: OSError) -> str:
    """One line for an operating-system error: the file, what went wrong and what to do."""
    where = f"{clip_path(exc.filename)}: " if exc.filename else ""
    fix = OS_ERROR_FIXES.get(exc.errno or 0, "check the path and its permissions")
    return f"{where}{exc.strerror or exc}; {fix}"


def entry_point() -> None:
    """Console-script wrapper."""
    sys.exit(main())
