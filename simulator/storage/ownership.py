"""Which folders eujsim wrote, and whether anything else has been put in them.

``--force`` replaces a result folder, and everything in it is deleted. It must
therefore never reach a folder that holds a user's own files: a thesis in the folder
named by a mistyped ``--out``, or notes added to an old run. This module recognises the
four kinds of folder eujsim writes (a run, an explanation, a comparison and a sweep)
by the file that marks each, and lists every entry of such a folder that none of
eujsim's commands writes there. :func:`check_replaceable` combines the two: a folder
may be replaced only by a result of its own kind and only while it holds nothing else.

The layouts below are the contract between the writers (``RunResult.save``,
``Explanation.save``, ``Comparison.save``, the sweep and its analysis, ``eujsim
report``) and ``--force``; ``tests/test_output_safety.py`` writes a folder of every
kind with every command and checks that nothing in it counts as foreign, so a writer
that adds a file without adding it here fails that test.
"""

from __future__ import annotations

import fnmatch
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from simulator.base.errors import UserError
from simulator.storage.locks import LOCK_FILE, is_locked, is_locked_file

FolderKind = Literal["run", "explain", "compare", "sweep"]

KIND_NAMES: dict[FolderKind, str] = {
    "run": "a run folder (eujsim run)",
    "explain": "an explanation folder (eujsim explain)",
    "compare": "a comparison folder (eujsim compare)",
    "sweep": "a sweep folder (eujsim sweep)",
}
"""How messages name each kind."""

RUN_FILES = ("scenario.yaml", "manifest.json", "timeseries.csv")
"""Files every run folder has; together they mark one."""
COMPARE_FILE = "compare.json"
"""The file that marks a folder written by ``eujsim compare``."""
EXPLAIN_FILE = "explain.json"
"""The file that marks a folder written by ``eujsim explain``."""
SWEEP_FILE = "experiment.yaml"
"""The file that marks a sweep folder (with its ``manifest.json``)."""

PARTIAL = ".eujsim-partial-"
"""Marks the temporary folder an atomic write fills: ``.NAME.eujsim-partial-XXXXXXXX``."""
REPLACED = ".replaced"
"""Suffix of the folder a forced replacement moves the old result into, until it is deleted."""
TEMPORARY_FILE = ".eujsim-"
"""Marks the temporary file an atomic write fills: ``.NAME.eujsim-XXXXXXXX.tmp``."""

_RANDOM = r"[a-z0-9_]{8}"  # what tempfile puts in a name
TEMPORARY_FOLDER_NAME = re.compile(rf"^\..+{re.escape(PARTIAL)}{_RANDOM}(?:{re.escape(REPLACED)})?$", re.DOTALL)
"""Names of eujsim's temporary folders (and of old results moved aside), which nothing else is called."""
TEMPORARY_FILE_NAME = re.compile(rf"^\..+{re.escape(TEMPORARY_FILE)}{_RANDOM}\.tmp$", re.DOTALL)
"""Names of eujsim's temporary files."""


def is_temporary(name: str) -> bool:
    """Whether ``name`` is one eujsim gives its temporary folders and files (and nothing else)."""
    return bool(TEMPORARY_FOLDER_NAME.match(name) or TEMPORARY_FILE_NAME.match(name))


@dataclass(frozen=True)
class Layout:
    """What eujsim writes into one kind of folder.

    Attributes:
        files: Names (shell patterns) of the files it may hold.
        folders: Names (shell patterns) of its subfolders, each with the layout of what is in it.
    """

    files: tuple[str, ...]
    folders: dict[str, Layout | FolderKind] = field(default_factory=dict)


_PLOT_FORMATS = ("png", "svg", "pdf")
"""The formats ``--format`` writes a plot in (``simulator.presentation.formats.PLOT_FORMATS``, which this
layer cannot import)."""
_VECTOR_PLOTS = (
    "coop_eu_jpn",
    "domains_heatmap",
    "threats",
    "pairs",
    "overlay",
    "difference",
    "domains",
    "metric_vs_parameter",
    "phase_diagram",
    "envelopes",
    "sobol_*",
    "morris_*",
)
"""Stems of the plots ``--format`` may also write as SVG and PDF (the run's, the comparison's and the sweep's).

Named one by one, not as ``*.svg``: a user's own drawing kept in ``plots/`` is not one of eujsim's, and
``--force`` must refuse to delete it."""
_PLOTS = Layout(files=("*.png", *(f"{stem}.{fmt}" for stem in _VECTOR_PLOTS for fmt in _PLOT_FORMATS[1:])))
_INDICES = Layout(files=("*.csv", "*.png", "README.txt"))
_DISCOVERY = Layout(
    files=(
        "discovery.json",
        "box.csv",
        "trajectory.csv",
        *(f"{stem}.{fmt}" for stem in ("tradeoff", "box") for fmt in _PLOT_FORMATS),
    )
)
"""One discovery of a sweep's analysis (``eujsim analyze --discover``), ``analysis/discover/<condition>/``."""

LAYOUTS: dict[FolderKind, Layout] = {
    "run": Layout(
        files=(
            *RUN_FILES,
            "summary.txt",
            "summary.csv",
            "events.csv",
            "drivers.csv",
            "twin_timeseries.csv",  # the no-shock twin (simulator.runs.twin.TWIN_FILES)
            "twin_summary.csv",
            "report.html",
        ),
        folders={"plots": _PLOTS, "explain": "explain", "explain-*": "explain"},
    ),
    "explain": Layout(
        files=(
            EXPLAIN_FILE,
            "explanation.md",
            "totals.csv",
            "shock_channels.csv",
            "contributions.csv",
            *(f"contributions.{fmt}" for fmt in _PLOT_FORMATS),
        ),
    ),
    "compare": Layout(
        files=(COMPARE_FILE, "table.csv", "domains.csv", "difference.csv", "summary.txt", "report.html"),
        folders={"plots": _PLOTS, "runs": Layout(files=(), folders={"*": "run"})},
    ),
    "sweep": Layout(
        files=(
            SWEEP_FILE,
            "scenario.yaml",
            "manifest.json",
            "points.parquet",
            "worlds.parquet",
            "quarters.parquet",
            "report.html",
        ),
        folders={
            "parts": Layout(files=("*.parquet",)),
            "errors": Layout(files=("*.txt",)),
            "plots": _PLOTS,
            "indices": _INDICES,
            "analysis": Layout(files=(), folders={"discover": Layout(files=(), folders={"*": _DISCOVERY})}),
        },
    ),
}


def _manifest_tool(path: Path) -> str | None:
    """The ``tool`` a JSON manifest names, or None if it cannot be read."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    return data.get("tool") if isinstance(data, dict) else None


def folder_kind(path: str | Path) -> FolderKind | None:
    """What eujsim wrote into ``path`` (a run, explanation, comparison or sweep), or None.

    A comparison and an explanation are marked by their JSON file, a sweep by its
    experiment file, and a run by its scenario, manifest and time series together.
    """
    path = Path(path)
    if not path.is_dir():
        return None
    if (path / COMPARE_FILE).is_file():
        return "compare"
    if (path / EXPLAIN_FILE).is_file():
        return "explain"
    if (path / SWEEP_FILE).is_file() or (path / "worlds.parquet").is_file():
        return "sweep"
    if all((path / name).is_file() for name in RUN_FILES):
        return "run"
    return None


def _matches(name: str, patterns: tuple[str, ...] | list[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def foreign_entries(path: str | Path, kind: FolderKind | Layout, prefix: str = "") -> list[str]:
    """Entries of ``path`` that eujsim does not write into a folder of ``kind`` (relative, folders with '/').

    Subfolders are checked against their own layout, and a subfolder that should be
    another kind of result (an explanation inside a run, the runs of a comparison) must be
    one. Symbolic links always count as foreign: replacing the folder would not follow them,
    but a user who linked something in meant it to stay.
    """
    path = Path(path)
    layout = LAYOUTS[kind] if isinstance(kind, str) else kind
    found: list[str] = []
    for entry in sorted(path.iterdir(), key=lambda p: p.name):
        name = entry.name
        shown = f"{prefix}{name}/" if entry.is_dir() and not entry.is_symlink() else f"{prefix}{name}"
        if entry.is_symlink():
            found.append(shown)
        elif name == LOCK_FILE or is_temporary(name):
            continue
        elif entry.is_dir():
            inner = next((v for pattern, v in layout.folders.items() if fnmatch.fnmatchcase(name, pattern)), None)
            if inner is None or (isinstance(inner, str) and folder_kind(entry) != inner):
                found.append(shown)
            else:
                found.extend(foreign_entries(entry, inner, prefix=shown))
        elif not (entry.is_file() and _matches(name, layout.files)):
            found.append(shown)
    return found


def busy_entries(path: str | Path, prefix: str = "") -> list[str]:
    """What another eujsim process is writing in or under ``path``: the folder itself or its temporaries.

    A folder holds a lock while a sweep writes it, and an explanation or report written into
    a result folder fills a locked temporary there until it is renamed into place.
    """
    path = Path(path)
    found = ["./"] if not prefix and is_locked(path) else []
    for entry in sorted(path.iterdir(), key=lambda p: p.name):
        if entry.is_symlink():
            continue
        name = entry.name
        if entry.is_dir():
            if TEMPORARY_FOLDER_NAME.match(name) and is_locked(entry):
                found.append(f"{prefix}{name}/")
            else:
                found.extend(busy_entries(entry, prefix=f"{prefix}{name}/"))
        elif TEMPORARY_FILE_NAME.match(name) and is_locked_file(entry):
            found.append(f"{prefix}{name}")
    return found


def _listing(entries: list[str], limit: int = 3) -> str:
    shown = ", ".join(entries[:limit])
    return shown + (f" and {len(entries) - limit} more" if len(entries) > limit else "")


def check_replaceable(path: str | Path, kind: FolderKind) -> None:
    """Refuse to replace ``path`` unless it is empty, or an idle folder of ``kind`` holding only what eujsim wrote.

    Args:
        path: An existing folder that ``--force`` would replace.
        kind: The kind of result about to be written there.

    Raises:
        UserError: saying why the folder must stay, and what to do instead.
    """
    path = Path(path)
    entries = [e.name + ("/" if e.is_dir() else "") for e in sorted(path.iterdir(), key=lambda p: p.name)]
    if not entries:
        return  # an empty folder holds nothing to lose
    found = folder_kind(path)
    if found is None:
        raise UserError(
            f"was not written by eujsim (it holds {_listing(entries)}); --force only replaces a result folder "
            "eujsim wrote: choose another --out",
            file=path,
        )
    if found != kind:
        raise UserError(
            f"is {KIND_NAMES[found]}; --force only replaces {KIND_NAMES[kind].split(' (')[0]}: choose another --out",
            file=path,
        )
    if (found in ("run", "sweep")) and _manifest_tool(path / "manifest.json") != "eujsim":
        raise UserError(
            "has a manifest.json that eujsim did not write; --force only replaces a result folder eujsim wrote: "
            "choose another --out",
            file=path,
        )
    busy = busy_entries(path)
    if busy:
        raise UserError(
            f"is being written by another eujsim process ({_listing(busy)}); wait for it or choose another --out",
            file=path,
        )
    foreign = foreign_entries(path, kind)
    if foreign:
        raise UserError(
            f"is {KIND_NAMES[kind].split(' (')[0]} but also holds files eujsim did not write ({_listing(foreign)}); "
            "--force would delete them: move them out first, or choose another --out",
            file=path,
        )
