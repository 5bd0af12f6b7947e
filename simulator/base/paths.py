"""What a user probably meant by a path that does not exist.

"file not found" alone leaves the user to find their typo; most missing paths are one
letter off a real one (``scenario/`` for ``scenarios/``), lack their ``.yaml``, or name a
shipped scenario without its folder (``baseline`` for ``scenarios/baseline.yaml``). Every
command that opens a path the user gave builds its "not found" error with :func:`not_found`,
so each of them suggests the same way.
"""

from __future__ import annotations

import difflib
import itertools
from pathlib import Path
from typing import Literal

from simulator.base.errors import UserError, clip_path

Expect = Literal["file", "folder", "any"]
"""What a command wants at a path: a file (a YAML file), a folder (a result folder) or either."""

YAML_SUFFIXES = (".yaml", ".yml")
"""Endings tried after a name given without one."""
PROJECT_FOLDERS = ("scenarios", "experiments", "results")
"""Folders of the project tried for a bare name: where scenario, experiment and result folders live."""
MAX_ENTRIES = 5000
"""Entries of one folder compared with a misspelt name; a huge folder is not listed in full for a hint."""
MAX_MISSING_PARTS = 3
"""Missing path components that are corrected one after another (``scenaros/baselin.yml``)."""
CUTOFF = 0.7
"""Least similarity (difflib's ratio) of a name suggested for a misspelt one."""
SHIPPED_FOLDER = "scenarios"
"""The folder of ``simulator/data`` that holds the shipped scenario files."""
SHIPPED_SCENARIOS = Path(__file__).resolve().parents[1] / "data" / SHIPPED_FOLDER
"""The project's own scenario files, found from the package itself rather than from the current folder.

``simulator/data/scenarios`` is a link to the project's ``scenarios/`` folder, so a checkout (and the
editable install ``make setup`` makes) reads the files in place, and a built package copies them in as
package data (``pyproject.toml``). Either way a shipped scenario named without its folder
(``baseline``), and :func:`simulator.model_function`'s default scenario, are found from any working
directory."""


def not_found(path: str | Path, problem: str, fix: str, *, expect: Expect = "any") -> UserError:
    """The error for a path that does not exist, with the path the user probably meant.

    Args:
        path: The path as the user gave it.
        problem: What is wrong, e.g. ``"file not found"``.
        fix: What to do when no near path exists (kept as the message's end then, unchanged).
        expect: What the command wants there, so a folder is not suggested for a file.

    Returns:
        ``problem; did you mean 'X'?`` when a near path exists, else ``problem; fix``.
    """
    hint = suggest_path(path, expect=expect)
    message = f"{problem}; did you mean '{clip_path(hint)}'?" if hint else f"{problem}; {fix}"
    return UserError(message, file=path)


def suggest_path(path: str | Path, *, expect: Expect = "any") -> str | None:
    """The existing path closest to ``path``, spelt as the user would type it (a folder ends in '/'), or None.

    Tried in turn: the name with ``.yaml``/``.yml`` added; for a bare name, the same name in
    one of :data:`PROJECT_FOLDERS`; a near-miss name in the path's folder, whose own missing
    folders are corrected first the same way. Never raises: a path that cannot be looked at
    simply gets no suggestion.
    """
    try:
        given = Path(path)
        if len(given.parts) == 1 and not given.is_absolute():  # a bare name: the project's folders come early
            found = _bare_name(given.name, expect)
        else:
            found = _suggest(given, expect, MAX_MISSING_PARTS)
        if found is None:
            return None
        return f"{found}/" if found.is_dir() else str(found)
    except (OSError, ValueError):  # a name too long for the file system, a NUL byte, no permission
        return None


def _fits(path: Path, expect: Expect) -> bool:
    """Whether ``path`` exists and is what the command wants."""
    if expect == "file":
        return path.is_file()
    if expect == "folder":
        return path.is_dir()
    return path.exists()


def _suggest(path: Path, expect: Expect, depth: int) -> Path | None:
    """The path nearest ``path`` whose folders exist, correcting up to ``depth`` missing components."""
    name = path.name
    if not name or name in {".", ".."}:
        return None
    parent = path.parent
    if parent.is_dir():
        folder = parent
    elif depth > 1 and parent != path:
        corrected = _suggest(parent, "folder", depth - 1)
        if corrected is None:
            return None
        folder = corrected
    else:
        return None
    return _in_folder(folder, name, expect, exact=folder != parent)


def _in_folder(folder: Path, name: str, expect: Expect, *, exact: bool) -> Path | None:
    """``name`` in ``folder``: as given (when ``exact``), with a YAML ending added, or its nearest entry."""
    return _exactly(folder, name, expect, as_given=exact) or _near_entry(folder, name, expect)


def _exactly(folder: Path, name: str, expect: Expect, *, as_given: bool) -> Path | None:
    """``name`` in ``folder`` as given (when ``as_given``), or with a YAML ending added."""
    candidates = [folder / name] if as_given else []
    if expect != "folder" and Path(name).suffix not in YAML_SUFFIXES:
        candidates += [folder / f"{name}{suffix}" for suffix in YAML_SUFFIXES]
    return next((candidate for candidate in candidates if _fits(candidate, expect)), None)


def _near_entry(folder: Path, name: str, expect: Expect) -> Path | None:
    """The entry of ``folder`` whose name (or name without its YAML ending) is closest to ``name``.

    Failing a close one, the only entry whose name starts with ``name``: ``hedging`` for
    ``hedging_vs_deference.yaml``.
    """
    show_hidden = name.startswith(".")
    by_key: dict[str, Path] = {}
    for entry in itertools.islice(folder.iterdir(), MAX_ENTRIES):
        if entry.name.startswith(".") and not show_hidden:
            continue
        if not _fits(entry, expect):
            continue
        by_key.setdefault(entry.name, entry)
        if entry.suffix in YAML_SUFFIXES:
            by_key.setdefault(entry.stem, entry)
    stem = Path(name).stem if Path(name).suffix in YAML_SUFFIXES else name
    for word in dict.fromkeys([name, stem]):
        close = difflib.get_close_matches(word, list(by_key), n=1, cutoff=CUTOFF)
        if close:
            return folder / by_key[close[0]].name
    started = {entry for key, entry in by_key.items() if key.startswith(stem)}  # the start of a long name
    return started.pop() if len(started) == 1 and len(stem) >= 3 else None


def _bare_name(name: str, expect: Expect) -> Path | None:
    """A name given without a folder: with a YAML ending here, then in :data:`PROJECT_FOLDERS`, then nearly.

    ``baseline`` most likely means ``scenarios/baseline.yaml``, not some ``baselines`` folder that
    happens to be in the current one; so every exact match is tried before any near miss.
    """
    here = Path()
    folders = [Path(folder) for folder in PROJECT_FOLDERS if Path(folder).is_dir()]
    exact = [_exactly(here, name, expect, as_given=False)]
    exact += [_exactly(folder, name, expect, as_given=True) for folder in folders]
    near = (_near_entry(folder, name, expect) for folder in [here, *folders])
    return next((found for found in itertools.chain(exact, near) if found is not None), None)


def shipped_scenario(name: str | Path) -> Path | None:
    """The shipped scenario file a bare name stands for (``baseline`` or ``baseline.yaml``), or None.

    Only a name without a folder can name a shipped scenario; anything else is a path and stays
    one, so that a user's own file is never silently swapped for a shipped one.
    """
    given = Path(name)
    if len(given.parts) != 1 or given.is_absolute() or given.name in {".", ".."}:
        return None
    stems = [given.name] if given.suffix in YAML_SUFFIXES else [f"{given.name}{suffix}" for suffix in YAML_SUFFIXES]
    return next((SHIPPED_SCENARIOS / stem for stem in stems if (SHIPPED_SCENARIOS / stem).is_file()), None)


def shipped_scenario_names() -> list[str]:
    """Names of the shipped scenarios (file stems, sorted); empty where the folder is not installed."""
    if not SHIPPED_SCENARIOS.is_dir():
        return []
    return sorted(path.stem for path in SHIPPED_SCENARIOS.iterdir() if path.suffix in YAML_SUFFIXES)
