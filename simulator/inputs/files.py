"""Which files a command was given: the scenario files in folders, and experiments told from scenarios.

Kept apart from the runner and the experiment machinery so that ``eujsim validate`` and
``eujsim run`` can check their arguments before importing the model.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from simulator.base.errors import ErrorCollector, UserError
from simulator.base.paths import not_found
from simulator.base.yamlio import read_yaml
from simulator.inputs.scenario import is_experiment_data

SCENARIO_SUFFIXES = (".yaml", ".yml")
"""File endings that make a file in a folder given to ``eujsim run`` a scenario."""


def scenario_files(paths: Iterable[str | Path], problems: ErrorCollector | None = None) -> list[Path]:
    """Expand the scenario paths of one command into the files to run, each once.

    A file is taken as given, whatever its ending; a folder contributes its ``*.yaml``
    and ``*.yml`` files, sorted by name, without looking into subfolders and skipping
    hidden files (editor back-ups such as ``.#name.yaml``), so a folder of scenarios can
    be run with one command. A file named twice, directly or through a folder, runs
    once, at its first position. Every path is checked here, before anything is loaded
    or simulated, so a typo in the last argument cannot waste the runs before it; and every
    bad path is reported, not only the first, so that one try shows them all.

    Args:
        paths: Scenario files and folders, in the order given.
        problems: Where to put the bad paths so that the caller reports them together with the
            problems of the good files; without it they are raised here, all at once.

    Returns:
        The scenario files in run order, spelt as given (or as folder/name); a bad path adds none.

    Raises:
        UserError: without ``problems``, for a path that does not exist or a folder without
            scenario files (UserErrors for several).
    """
    collector = ErrorCollector() if problems is None else problems
    files: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        with collector.check():
            for file in _files_of(Path(raw)):
                key = file.resolve()
                if key not in seen:
                    seen.add(key)
                    files.append(file)
    if problems is None:
        collector.raise_any(files=len(files) + len(collector.errors))
    return files


def _files_of(path: Path) -> list[Path]:
    """The scenario files one command-line path stands for: itself, or a folder's ``*.yaml``/``*.yml`` files.

    Raises:
        UserError: for a path that does not exist or a folder without scenario files.
    """
    if path.is_dir():
        found = sorted(
            p for p in path.iterdir() if p.suffix in SCENARIO_SUFFIXES and not p.name.startswith(".") and p.is_file()
        )
        if not found:
            raise UserError(
                "folder has no scenario files (*.yaml or *.yml; subfolders are not searched); "
                "put scenario files in it, or name the scenario files directly",
                file=path,
            )
        return found
    if path.exists():
        return [path]
    raise not_found(
        path,
        "file not found",
        "check the path (relative paths start from the current folder); give a scenario file or a folder of them",
    )


def is_experiment_file(path: str | Path) -> bool:
    """Whether a YAML file is an experiment rather than a scenario.

    See :func:`~simulator.inputs.scenario.is_experiment_data`.

    A file that cannot be read or parsed is not an experiment; loading it as a scenario then
    reports the problem at its line.
    """
    try:
        data = read_yaml(path).data
    except (UserError, OSError):
        return False
    return is_experiment_data(data)
