"""Running the ABC's prior samples: every sample's backcast, in lockstep, through the sweep engine.

The prior is a Latin hypercube over the documented ranges of the calibrated parameters
(:func:`simulator.evaluation.abc.calibrated_parameters`), built and simulated as an ordinary
sweep (:func:`simulator.sweeps.sweep.run_sweep`): the design comes from SALib through
:mod:`simulator.sweeps.designs`, the worlds of many samples run in one model per chunk, and
the per-quarter mean over each sample's replicates of the series the ABC reads is all that is
kept. Replicate r of every sample, and of the point calibration's run, draws the same random
numbers (common random numbers), so samples differ by their parameters, not by luck, and the
results are identical for any number of workers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.base.errors import UserError
from simulator.evaluation.abc import SERIES, Summary, calibrated_parameters, mean_path_summary
from simulator.evaluation.history_fit import BACKCAST
from simulator.inputs.calibration import default_calibration
from simulator.inputs.scenario import Scenario, load_scenario
from simulator.runs.runner import resolve, simulate
from simulator.sweeps.designs import design_seed
from simulator.sweeps.experiment import Experiment, experiment_from_dict
from simulator.sweeps.sweep import run_complete_sweep


@dataclass(frozen=True)
class PriorRuns:
    """The prior samples and what their backcasts showed.

    Attributes:
        design: ``point`` (the sample's number) and one column per calibrated parameter.
        summary: Yearly means per track and P1/P2 effects of every sample.
        parameters: The calibrated parameters, in calibration file order.
        replicates: Replicates per sample.
        seed: The worlds' seed (the backcast's own).
        lhs_seed: The seed SALib's Latin hypercube was drawn with (derived from ``seed``).
        seconds: Wall time of the sweep.
        workers: Worker processes the sweep used (None: all cores).
    """

    design: pd.DataFrame
    summary: Summary
    parameters: tuple[str, ...]
    replicates: int
    seed: int
    lhs_seed: int
    seconds: float
    workers: int | None

    @property
    def samples(self) -> int:
        """Number of prior samples."""
        return len(self.design)


def backcast_file(scenarios: Path) -> Path:
    """The backcast scenario file in ``scenarios``; a UserError naming the folder if it is missing."""
    path = scenarios / f"{BACKCAST}.yaml"
    if not path.is_file():
        raise UserError(f"no {path.name} in {scenarios}; pass the folder holding the backcast")
    return path


def prior_experiment(scenario_file: Path, samples: int, replicates: int) -> Experiment:
    """The sweep that simulates the prior: an LHS of ``samples`` points over the calibrated parameters."""
    parameters = calibrated_parameters(default_calibration(), load_scenario(scenario_file))
    data = {
        "name": "abc_prior",
        "description": "Prior samples of the ABC calibration: every calibrated parameter over its documented range.",
        "scenario": str(scenario_file.resolve()),
        "method": "lhs",
        "samples": samples,
        "replicates": replicates,
        "parameters": {p: {} for p in parameters},
        "metrics": ["coop_EU_JPN:final"],
        "series": list(SERIES),
    }
    return experiment_from_dict(data, base_dir=scenario_file.parent)


def run_prior(
    scenario_file: Path, samples: int, replicates: int, work: Path, *, workers: int | None = None
) -> PriorRuns:
    """Simulate every prior sample's backcast into the sweep folder ``work`` and summarise them.

    Args:
        scenario_file: The backcast scenario.
        samples: Number of prior samples (Latin hypercube points).
        replicates: Replicates per sample.
        work: A folder that does not exist yet (normally inside a temporary folder).
        workers: Worker processes (None: all cores).
    """
    experiment = prior_experiment(scenario_file, samples, replicates)
    started = time.perf_counter()
    result = run_complete_sweep(experiment, work, workers=workers)
    seconds = time.perf_counter() - started
    design = result.points().sort_values("point", ignore_index=True)
    paths: dict[str, np.ndarray] = {}
    labels: list[str] = []
    for series in SERIES:
        table = result.quarters(series)
        if not labels:
            first = table[table.point == table.point.min()].sort_values("step")
            labels = list(first.quarter)
        wide = table.pivot(index="point", columns="step", values="mean").sort_index()
        paths[series] = wide.to_numpy(dtype=float)
    return PriorRuns(
        design=design,
        summary=mean_path_summary(paths, labels),
        parameters=tuple(f.name for f in experiment.factors),
        replicates=replicates,
        seed=experiment.seed,
        lhs_seed=design_seed(experiment),
        seconds=seconds,
        workers=workers,
    )


def point_summary(scenario: Path | Scenario, replicates: int) -> Summary:
    """The summary of the backcast at the shipped point calibration, with ``replicates`` replicates.

    Its worlds use the same seed and replicate numbers as the prior's, so its distance is
    comparable with theirs noise for noise.
    """
    result = simulate(resolve(scenario, replicates=replicates), keep_details=False)
    paths = {series: result.series(series).mean(axis=1)[None, :] for series in SERIES}
    return mean_path_summary(paths, result.quarter_labels)
