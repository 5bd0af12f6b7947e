"""Explore the US retrenchment scenario with the EMA Workbench.

The simulator's plain function :func:`simulator.model_function` takes calibrated parameters
and shock fields as keywords and returns metrics averaged over replicates. The EMA Workbench
wants Python identifiers for parameter and outcome names, so :func:`eujsim_model` translates
between the two; :func:`main` samples three uncertainties with a Latin hypercube, runs the
experiments one after another and prints what drives EU–Japan cooperation.

Needs ``pip install ema_workbench`` (not a dependency of the simulator). Run from anywhere:

    python docs/examples/ema_workbench_example.py
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

import simulator
from simulator.inputs.calibration import default_calibration

if TYPE_CHECKING:
    from ema_workbench import Model

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "us_retrenchment.yaml"
METRICS = ("coop_EU_JPN:final", "coop_EU_JPN:mean")

# EMA name -> model_function input. Calibrated parameters already have an identifier form
# ("JPN__deference"); a shock field does not, because the shock's name has a space in it.
INPUTS = {
    "JPN__deference": "JPN.deference",
    "EU__entrapment_aversion": "EU.entrapment_aversion",
    "retrenchment_magnitude": "shock.US retrenchment.magnitude",
}


def outcome_name(metric: str) -> str:
    """An identifier for a metric: ``coop_EU_JPN:final`` -> ``coop_EU_JPN_final``."""
    return re.sub(r"\W", "_", metric)


def eujsim_model(replicates: int = 20, **inputs: float) -> dict[str, float]:
    """The simulator as EMA calls it: identifier names in, identifier names out.

    Args:
        replicates: Worlds per experiment, averaged by ``model_function``.
        **inputs: Values by EMA name (keys of ``INPUTS``, or any ``group__name`` parameter).

    Returns:
        ``{outcome name: mean over replicates}`` for each of ``METRICS``.
    """
    translated = {INPUTS.get(name, name): value for name, value in inputs.items()}
    metrics = simulator.model_function(SCENARIO, replicates=replicates, metrics=METRICS, **translated)
    return {outcome_name(metric): value for metric, value in metrics.items()}


def build_model(replicates: int) -> Model:
    """An EMA ``Model`` over the calibration ranges of two parameters and the shock's magnitude."""
    from ema_workbench import Constant, Model, RealParameter, ScalarOutcome

    calibration = default_calibration()
    deference, aversion = calibration["JPN.deference"], calibration["EU.entrapment_aversion"]
    model = Model("eujsim", function=eujsim_model)
    model.uncertainties = [
        RealParameter("JPN__deference", deference.low, deference.high),
        RealParameter("EU__entrapment_aversion", aversion.low, aversion.high),
        RealParameter("retrenchment_magnitude", 0.0, 1.0),  # a shock's magnitude runs over 0-1
    ]
    model.constants = [Constant("replicates", replicates)]
    model.outcomes = [ScalarOutcome(outcome_name(metric)) for metric in METRICS]
    return model


def main(n_scenarios: int = 200, replicates: int = 20, seed: int = 42) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Run ``n_scenarios`` sampled experiments, print a summary and return EMA's results."""
    from ema_workbench import Samplers, SequentialEvaluator, perform_experiments
    from ema_workbench.analysis import feature_scoring

    model = build_model(replicates)
    experiments, outcomes = perform_experiments(
        model,
        scenarios=n_scenarios,
        evaluator=SequentialEvaluator(model),
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
    print(by_magnitude[list(outcomes)].mean().round(3))
    scores = feature_scoring.get_feature_scores_all(inputs, outcomes, random_state=seed)
    print("\nFeature scores (extra trees; each column sums to 1):")
    print(scores.rename_axis(index=None).round(3))
    return experiments, outcomes


if __name__ == "__main__":
    main()
