"""Explore the US retrenchment scenario with the EMA Workbench.

The workbench calls a model's function with one keyword per input, named by each parameter's
``variable_name``, and reads each outcome from the returned mapping by the outcome's
``variable_name``. Both may be any text, so :func:`simulator.model_function` is the workbench's
model function as it is: ``RealParameter("JPN__deference", ..., variable_name="JPN.deference")``
hands it ``JPN.deference``, and ``ScalarOutcome("coop_EU_JPN_final",
variable_name="coop_EU_JPN:final")`` takes that metric from its result. The workbench's own
names only have to be Python identifiers.

The workbench's evaluators run one experiment per function call, and every call pays the
model's fixed cost (about 0.13 s a call). :class:`BatchEvaluator` instead hands all the experiments of
``perform_experiments`` to :func:`simulator.evaluate_points` in one call, which runs them as one
sweep of lockstep models and gives each experiment the numbers ``model_function`` would.
:func:`main` samples three uncertainties with a Latin hypercube, runs the experiments that way
and prints what drives EU–Japan cooperation.

Needs ``pip install ema_workbench`` (not a dependency of the simulator). Run from anywhere (the
``__main__`` guard lets the sweep start worker processes):

    python docs/examples/ema_workbench_example.py
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

import simulator
from simulator.inputs.calibration import default_calibration

if TYPE_CHECKING:
    from ema_workbench import Model
    from ema_workbench.em_framework.model import AbstractModel
    from ema_workbench.em_framework.points import Experiment

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "us_retrenchment.yaml"
METRICS = ("coop_EU_JPN:final", "coop_EU_JPN:mean", "coop_EU_JPN:first_above@0.58")

# EMA name -> the simulator's name, given to the workbench as the parameter's variable_name.
INPUTS = {
    "JPN__deference": "JPN.deference",
    "EU__entrapment_aversion": "EU.entrapment_aversion",
    "retrenchment_magnitude": "shock.US retrenchment.magnitude",
}


def outcome_name(metric: str) -> str:
    """An identifier for a metric: ``coop_EU_JPN:final`` -> ``coop_EU_JPN_final``."""
    return re.sub(r"\W", "_", metric)


def build_model(replicates: int) -> Model:
    """An EMA ``Model`` of ``model_function`` over two parameters' calibration ranges and the shock's magnitude."""
    from ema_workbench import Constant, Model, RealParameter, ScalarOutcome

    calibration = default_calibration()
    deference, aversion = calibration["JPN.deference"], calibration["EU.entrapment_aversion"]
    ranges = {
        "JPN__deference": (deference.low, deference.high),
        "EU__entrapment_aversion": (aversion.low, aversion.high),
        "retrenchment_magnitude": (0.0, 1.0),  # a shock's magnitude runs over 0-1
    }
    model = Model("eujsim", function=simulator.model_function)
    model.uncertainties = [RealParameter(name, *ranges[name], variable_name=path) for name, path in INPUTS.items()]
    model.constants = [  # keywords of model_function (and of evaluate_points) held at one value
        Constant("scenario", str(SCENARIO)),
        Constant("replicates", replicates),
        Constant("metrics", list(METRICS)),
    ]
    model.outcomes = [ScalarOutcome(outcome_name(metric), variable_name=metric) for metric in METRICS]
    return model


def batch_evaluator(model: Model, workers: int | None = None) -> Any:
    """A :class:`BatchEvaluator` of ``model`` (the workbench is imported only here and in :func:`main`)."""
    from ema_workbench.em_framework.evaluators import BaseEvaluator

    class BatchEvaluator(BaseEvaluator):
        """Runs every experiment of ``perform_experiments`` in one call of :func:`simulator.evaluate_points`.

        The workbench hands an evaluator all its experiments and a callback that stores each one's
        outcomes; this one collects the experiments' inputs into one table, by the names the model's
        function takes, evaluates the table at once and reports each row to the callback, as
        ``SequentialEvaluator`` reports each call of the function. One model only.
        """

        def __init__(self, msis: AbstractModel, workers: int | None = None) -> None:
            super().__init__(msis)
            self.workers = workers

        def initialize(self) -> None:
            """Nothing to start: the sweep starts and stops its own workers."""

        def finalize(self) -> None:
            """Nothing to stop."""

        def evaluate_experiments(
            self, experiments: Iterable[Experiment], callback: Callable[..., None], **kwargs: Any
        ) -> None:
            """Evaluate all experiments in one call and report each one's outcomes."""
            experiments = list(experiments)
            (model,) = self._msis
            table = pd.DataFrame([experiment_inputs(model, e) for e in experiments])
            constants = {name: c.value for c in model.constants for name in c.variable_name}
            results = simulator.evaluate_points(table, workers=self.workers, **constants)
            for experiment, (_, row) in zip(experiments, results.iterrows(), strict=True):
                outcomes = {o.name: o.process([row[name] for name in o.variable_name]) for o in model.outcomes}
                callback(experiment, outcomes)

    return BatchEvaluator(model, workers)


def experiment_inputs(model: AbstractModel, experiment: Experiment) -> dict[str, Any]:
    """An experiment's sampled values by the names the model's function takes (each parameter's ``variable_name``)."""
    inputs: dict[str, Any] = {}
    for parameters, sample in ((model.uncertainties, experiment.scenario), (model.levers, experiment.policy)):
        for parameter in parameters:
            value = sample.get(parameter.name, parameter.default)
            if value is not None:
                inputs.update(dict.fromkeys(parameter.variable_name, value))
    return inputs


def main(
    n_scenarios: int = 200, replicates: int = 20, seed: int = 42, *, batch: bool = True, workers: int | None = None
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Run ``n_scenarios`` sampled experiments, print a summary and return EMA's results.

    Args:
        n_scenarios: Experiments (Latin hypercube samples of the three uncertainties).
        replicates: Worlds per experiment.
        seed: Seed of the sample and of the feature scoring.
        batch: All experiments in one call (:class:`BatchEvaluator`); False runs them one
            ``model_function`` call after another (``SequentialEvaluator``), with the same numbers.
        workers: Worker processes of the batch's sweep (default: all cores).
    """
    from ema_workbench import Samplers, SequentialEvaluator, perform_experiments
    from ema_workbench.analysis import feature_scoring

    model = build_model(replicates)
    experiments, outcomes = perform_experiments(
        model,
        scenarios=n_scenarios,
        evaluator=batch_evaluator(model, workers) if batch else SequentialEvaluator(model),
        uncertainty_sampling=Samplers.LHS,
        uncertainty_sampling_kwargs={"rng": seed},
    )

    inputs = experiments[list(INPUTS)]
    table = inputs.assign(**outcomes)
    edges, labels = [0.0, 0.25, 0.5, 0.75, 1.0], ["0-0.25", "0.25-0.5", "0.5-0.75", "0.75-1"]
    magnitude_bins = pd.cut(table["retrenchment_magnitude"], edges, labels=labels, include_lowest=True)
    by_magnitude = table.groupby(magnitude_bins, observed=True)
    print(f"{len(experiments)} experiments, {replicates} replicates each\n")
    print("Mean outcome by retrenchment magnitude:")
    print(by_magnitude[list(outcomes)].mean().round(3).to_string())
    scores = feature_scoring.get_feature_scores_all(inputs, outcomes, random_state=seed)
    print("\nFeature scores (extra trees; each column sums to 1):")
    print(scores.rename_axis(index=None).round(3).to_string())
    return experiments, outcomes


if __name__ == "__main__":
    main()
