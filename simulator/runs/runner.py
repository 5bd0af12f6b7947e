"""Running a scenario: the Python API behind ``eujsim run``.

``simulator.run("scenarios/us_retrenchment.yaml")`` returns a
:class:`~simulator.runs.results.RunResult` with pandas tables on it; the CLI is a thin
layer over this function. ``run(..., ensemble="calibrated")`` gives each world one row of a
parameter ensemble, so that the band holds parameter uncertainty as well as replicate noise
(:mod:`simulator.runs.ensembles` says which row and what the scenario keeps).
``run(..., twin=True)`` also simulates the same worlds without the scenario's shocks and puts
them on ``result.twin``, so that the shocks' own effect can be read world by world
(:mod:`simulator.runs.twin`).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from simulator.core.model import StrategicModel
from simulator.core.recorder import PairHistory, Recorder
from simulator.inputs.calibration import default_calibration
from simulator.inputs.ensemble import Ensemble, load_ensemble
from simulator.inputs.scenario import Scenario, load_scenario
from simulator.inputs.shocklib import ShockLibrary, load_library
from simulator.runs.ensembles import ensemble_overrides
from simulator.runs.results import RunResult
from simulator.runs.run_size import check_run_fits
from simulator.runs.twin import without_shocks


def resolve(
    scenario: str | Path | Scenario,
    *,
    replicates: int | None = None,
    seed: int | None = None,
    overrides: Mapping[str, float] | None = None,
    shocks: str | Path | ShockLibrary | None = None,
    ensemble: str | Path | Ensemble | None = None,
) -> Scenario:
    """Load (if needed) and adjust a scenario; every override is validated.

    Args:
        scenario: Path of a scenario YAML file, or a scenario.
        replicates: Number of replicates, overriding the file.
        seed: Base seed, overriding the file.
        overrides: Parameter values by dotted path (``--set``); they win over the file's and the ensemble's.
        shocks: Extra shock library whose kinds the scenario may use.
        ensemble: A parameter ensemble, by name (``"calibrated"``), CSV path or as loaded; None keeps the
            point calibration (or the ensemble a given :class:`Scenario` already has).

    Raises:
        UserError: for a file that is not a valid scenario, an unknown parameter or a value out of its
            range, a seed or replicate count outside the bounds a scenario file allows, or an ensemble
            that cannot be used.
    """
    calibration = default_calibration()
    if not isinstance(scenario, Scenario):
        library = shocks if isinstance(shocks, ShockLibrary) else load_library(shocks, calibration)
        scenario = load_scenario(scenario, calibration=calibration, library=library)
    checked = {path: calibration.check_value(path, value, field=path) for path, value in (overrides or {}).items()}
    if ensemble is not None and not isinstance(ensemble, Ensemble):
        ensemble = load_ensemble(ensemble, calibration)
    return scenario.with_overrides(parameters=checked, replicates=replicates, seed=seed, ensemble=ensemble)


def simulate(
    scenario: Scenario,
    *,
    replicates: np.ndarray | None = None,
    keep_details: bool = True,
    shock_overrides: Mapping[tuple[str, str], np.ndarray] | None = None,
    explained_pair: str | None = None,
    ablate: frozenset[str] = frozenset(),
    ensemble: str | Path | Ensemble | None = None,
) -> RunResult:
    """Simulate a resolved scenario and record everything.

    Args:
        scenario: The resolved scenario.
        replicates: Replicate number of each world (default ``0..scenario.replicates-1``).
        keep_details: Keep per-world drivers, episodes and crises (needed for events and drivers).
        shock_overrides: ``{(shock name, field): per-world array}`` to vary a shock's timing or size.
        explained_pair: Also keep this pair's desire terms, desires and per-domain cooperation
            every step, e.g. ``"EU_JPN"`` (for :mod:`simulator.evaluation.explain`).
        ablate: Mechanisms switched off (:mod:`simulator.core.ablation`); empty runs the full model.
        ensemble: A parameter ensemble to run over instead of the scenario's own (as :func:`resolve`
            takes it); None keeps ``scenario.ensemble``, which is None for the point calibration.

    With ``scenario.ensemble`` set (see :func:`resolve`), world r takes the ensemble's row for
    (seed, r) in every parameter the scenario does not set itself (:mod:`simulator.runs.ensembles`).

    Raises:
        ValueError: for an unknown ablation switch.
        UserError: if the run would need more memory than this machine has available
            (:func:`simulator.runs.run_size.check_run_fits`), before anything is allocated.
    """
    if ensemble is not None:
        scenario = resolve(scenario, ensemble=ensemble)
    worlds = scenario.replicates if replicates is None else len(replicates)
    check_run_fits(worlds, scenario.horizon, explained=explained_pair is not None, file=scenario.source)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    numbers = np.arange(scenario.replicates) if replicates is None else np.asarray(replicates, dtype=int)
    model = StrategicModel(
        scenario,
        replicates=replicates,
        overrides=ensemble_overrides(scenario, numbers),
        shock_overrides=shock_overrides,
        explained_pair=explained_pair,
        ablate=ablate,
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
    return RunResult.from_recorder(scenario, recorder, model.replicates, timings=timings, pair_history=history)


def simulate_twin(
    result: RunResult, *, keep_details: bool = False, explained_pair: str | None = None
) -> RunResult | None:
    """The no-shock twin of a run: its scenario without shocks over the same worlds, or None without shocks.

    Same seed, replicate numbers, parameters and ensemble rows, so world r of the twin draws the
    random numbers world r of the run drew and differs only by what the shocks did.

    Args:
        result: The run.
        keep_details: Keep the twin's per-world drivers and episodes; by default only its series,
            which is all that is compared with the run's.
        explained_pair: A pair whose desire terms the twin keeps (an explanation splits the
            shocks' effect by mechanism with them).
    """
    if not result.scenario.shocks:
        return None
    return simulate(
        without_shocks(result.scenario),
        replicates=result.replicates,
        keep_details=keep_details,
        explained_pair=explained_pair,
    )


def with_twin(result: RunResult, *, explained_pair: str | None = None) -> RunResult:
    """``result`` with its no-shock twin simulated and set on ``result.twin`` (None without shocks)."""
    result.twin = simulate_twin(result, explained_pair=explained_pair)
    return result


def run(
    scenario: str | Path | Scenario,
    *,
    replicates: int | None = None,
    seed: int | None = None,
    set: Mapping[str, float] | None = None,  # noqa: A002 - mirrors the CLI's --set
    shocks: str | Path | ShockLibrary | None = None,
    ensemble: str | Path | Ensemble | None = None,
    twin: bool = False,
) -> RunResult:
    """Run a scenario file (or :class:`Scenario`) and return its result.

    Args:
        scenario: Path of a scenario YAML file, or a resolved scenario.
        replicates: Number of replicates, overriding the file.
        seed: Base seed, overriding the file.
        set: Parameter overrides by dotted path, e.g. ``{"JPN.deference": 0.3}``.
        shocks: Extra shock library file whose kinds the scenario may use.
        ensemble: ``"calibrated"`` (the shipped parameter ensemble), the path of an ensemble CSV, or
            None for the point calibration (the default, which every documented number refers to).
            Parameters the scenario or ``set`` give keep their values in every world.
        twin: Also simulate the same worlds without the scenario's shocks, as ``result.twin``
            (None for a scenario without shocks). It doubles the cost, so it is off here; ``eujsim run``
            turns it on. With it, ``result.shock_effect()`` says what the shocks did, world by world.

    Example:
        >>> result = run("scenarios/us_retrenchment.yaml", replicates=50)  # doctest: +SKIP
        >>> result.final("coop_EU_JPN").describe()  # doctest: +SKIP
        >>> wider = run("scenarios/baseline.yaml", ensemble="calibrated")  # doctest: +SKIP
        >>> paired = run("scenarios/us_retrenchment.yaml", twin=True)  # doctest: +SKIP
        >>> paired.shock_effect().final  # doctest: +SKIP
    """
    resolved = resolve(scenario, replicates=replicates, seed=seed, overrides=set, shocks=shocks, ensemble=ensemble)
    result = simulate(resolved)
    return with_twin(result) if twin else result
