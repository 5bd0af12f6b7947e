"""Running a scenario: the Python API behind ``eujsim run``.

``simulator.run("scenarios/us_retrenchment.yaml")`` returns a
:class:`~simulator.results.RunResult` with pandas tables on it; the CLI is a thin
layer over this function.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from simulator.calibration import default_calibration
from simulator.errors import UserError
from simulator.model import StrategicModel
from simulator.recorder import PairHistory, Recorder
from simulator.results import RunResult
from simulator.run_size import check_run_fits
from simulator.scenario import Scenario, load_scenario
from simulator.shocklib import ShockLibrary, load_library

SCENARIO_SUFFIXES = (".yaml", ".yml")
"""File endings that make a file in a folder given to ``eujsim run`` a scenario."""


def scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand the scenario paths of one command into the files to run, each once.

    A file is taken as given, whatever its ending; a folder contributes its ``*.yaml``
    and ``*.yml`` files, sorted by name, without looking into subfolders and skipping
    hidden files (editor back-ups such as ``.#name.yaml``), so a folder of scenarios can
    be run with one command. A file named twice, directly or through a folder, runs
    once, at its first position. Every path is checked here, before anything is loaded
    or simulated, so a typo in the last argument cannot waste the runs before it.

    Args:
        paths: Scenario files and folders, in the order given.

    Returns:
        The scenario files in run order, spelt as given (or as folder/name).

    Raises:
        UserError: for a path that does not exist or a folder without scenario files.
    """
    files: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for p in path.iterdir()
                if p.suffix in SCENARIO_SUFFIXES and not p.name.startswith(".") and p.is_file()
            )
            if not found:
                raise UserError(
                    "folder has no scenario files (*.yaml or *.yml; subfolders are not searched); "
                    "put scenario files in it, or name the scenario files directly",
                    file=path,
                )
        elif path.exists():
            found = [path]
        else:
            raise UserError(
                "file not found; check the path (relative paths start from the current folder); "
                "give a scenario file or a folder of them",
                file=path,
            )
        for file in found:
            key = file.resolve()
            if key not in seen:
                seen.add(key)
                files.append(file)
    return files


def resolve(
    scenario: str | Path | Scenario,
    *,
    replicates: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, float] | None = None,
    shocks: str | Path | ShockLibrary | None = None,
) -> Scenario:
    """Load (if needed) and adjust a scenario; every override is validated.

    Raises:
        UserError: for a file that is not a valid scenario, an unknown parameter or a value out of its
            range, or a seed or replicate count outside the bounds a scenario file allows.
    """
    calibration = default_calibration()
    if not isinstance(scenario, Scenario):
        library = shocks if isinstance(shocks, ShockLibrary) else load_library(shocks, calibration)
        scenario = load_scenario(scenario, calibration=calibration, library=library)
    checked = {path: calibration.check_value(path, value, field=path) for path, value in (overrides or {}).items()}
    return scenario.with_overrides(parameters=checked, replicates=replicates, seed=seed)


def simulate(
    scenario: Scenario,
    *,
    replicates: np.ndarray | None = None,
    keep_details: bool = True,
    shock_overrides: Mapping[tuple[str, str], np.ndarray] | None = None,
    explained_pair: str | None = None,
) -> RunResult:
    """Simulate a resolved scenario and record everything.

    Args:
        scenario: The resolved scenario.
        replicates: Replicate number of each world (default ``0..scenario.replicates-1``).
        keep_details: Keep per-world drivers, episodes and crises (needed for events and drivers).
        shock_overrides: ``{(shock name, field): per-world array}`` to vary a shock's timing or size.
        explained_pair: Also keep this pair's desire terms, desires and per-domain cooperation
            every step, e.g. ``"EU_JPN"`` (for :mod:`simulator.explain`).

    Raises:
        UserError: if the run would need more memory than this machine has available
            (:func:`simulator.run_size.check_run_fits`), before anything is allocated.
    """
    worlds = scenario.replicates if replicates is None else len(replicates)
    check_run_fits(worlds, scenario.horizon, explained=explained_pair is not None, file=scenario.source)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    model = StrategicModel(
        scenario, replicates=replicates, shock_overrides=shock_overrides, explained_pair=explained_pair
    )
    timings["setup_and_spinup"] = time.perf_counter() - started
    recorder = Recorder(model.n_worlds, scenario.horizon, keep_details=keep_details)
    history = PairHistory(explained_pair, model.n_worlds, scenario.horizon) if explained_pair else None
    recorder.record(0, model.state)
    if history:
        history.record(0, model.pair_terms(history.pair))
    started = time.perf_counter()
    for step in range(1, scenario.horizon + 1):
        model.step()
        recorder.record(step, model.state, model.contributions)
        if history:
            history.record(step, model.pair_terms(history.pair))
    timings["simulate"] = time.perf_counter() - started
    return RunResult(
        scenario=scenario,
        columns=recorder.columns,
        values=recorder.values,
        drivers=recorder.drivers,
        episodes=recorder.episodes,
        crises=recorder.crises,
        replicates=model.replicates,
        timings=timings,
        pair_history=history,
    )


def run(
    scenario: str | Path | Scenario,
    *,
    replicates: int | None = None,
    seed: int | None = None,
    set: Mapping[str, float] | None = None,  # noqa: A002 - mirrors the CLI's --set
    shocks: str | Path | ShockLibrary | None = None,
) -> RunResult:
    """Run a scenario file (or :class:`Scenario`) and return its result.

    Args:
        scenario: Path of a scenario YAML file, or a resolved scenario.
        replicates: Number of replicates, overriding the file.
        seed: Base seed, overriding the file.
        set: Parameter overrides by dotted path, e.g. ``{"JPN.deference": 0.3}``.
        shocks: Extra shock library file whose kinds the scenario may use.

    Example:
        >>> result = run("scenarios/us_retrenchment.yaml", replicates=50)  # doctest: +SKIP
        >>> result.final("coop_EU_JPN").describe()  # doctest: +SKIP
    """
    resolved = resolve(scenario, replicates=replicates, seed=seed, overrides=set, shocks=shocks)
    return simulate(resolved)
