"""Sobol' indices of the US retrenchment scenario with SALib, every point evaluated in one call.

SALib's ``ProblemSpec`` draws Saltelli's sample over four inputs: Japan's deference to
Washington and EU entrapment aversion (over their calibration ranges), the US Indo-Pacific
commitment, and the size of the US retrenchment shock. :func:`simulator.evaluate_points` runs
the whole sample as one sweep of lockstep models, instead of one ``model_function`` call per
point, and returns a table with a row per point in SALib's order; its metric columns are the
results SALib analyses. :func:`main` prints the first-order and total indices of each metric.

Run from anywhere (the ``__main__`` guard lets the sweep start worker processes):

    python docs/examples/salib_sobol_example.py
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from SALib import ProblemSpec

import simulator
from simulator.inputs.calibration import default_calibration

SCENARIO = Path(__file__).resolve().parents[2] / "scenarios" / "us_retrenchment.yaml"
METRICS = ("coop_EU_JPN:final", "coop_EU_JPN:first_above@0.58")
"""Final EU–Japan cooperation, and the quarter it first reaches 0.58 (41, one after the run, if never)."""
PARAMETERS = ("JPN.deference", "EU.entrapment_aversion", "USA.commitment_indo_pacific")
"""Calibrated parameters, sampled over their plausible ranges (``eujsim params``)."""
MAGNITUDE = "shock.US retrenchment.magnitude"
"""The shock's size, sampled over 0-1 (a shock field, named as in experiment files)."""


def problem() -> ProblemSpec:
    """The inputs and their ranges, with the metrics as SALib's outputs."""
    calibration = default_calibration()
    bounds = [[calibration[name].low, calibration[name].high] for name in PARAMETERS]
    return ProblemSpec(
        {
            "names": [*PARAMETERS, MAGNITUDE],
            "bounds": [*bounds, [0.0, 1.0]],
            "outputs": list(METRICS),
        }
    )


def main(
    base_samples: int = 128, replicates: int = 10, seed: int = 42, workers: int | None = None
) -> tuple[ProblemSpec, pd.DataFrame]:
    """Sample, evaluate every point in one call, analyse, print the indices; return the problem and the table.

    Args:
        base_samples: Saltelli's N, a power of 2; the sample has N x (D + 2) points (768 for 128).
        replicates: Worlds per point, averaged by the simulator.
        seed: Seed of the Sobol' sequence's scrambling and of the bootstrap of the confidence intervals.
        workers: Worker processes of the sweep (default: all cores).
    """
    spec = problem()
    spec.sample_sobol(base_samples, calc_second_order=False, seed=seed)
    table = simulator.evaluate_points(spec, SCENARIO, replicates=replicates, metrics=METRICS, workers=workers)
    spec.set_results(table[list(METRICS)].to_numpy())
    spec.analyze_sobol(calc_second_order=False, seed=seed)

    print(f"{len(table)} points x {replicates} replicates of {SCENARIO.name}\n")
    for metric in METRICS:
        indices = spec.analysis[metric]
        frame = pd.DataFrame(
            {key: indices[key] for key in ("S1", "S1_conf", "ST", "ST_conf")}, index=spec["names"]
        ).sort_values("ST", ascending=False)
        print(f"Sobol' indices of {metric} (95% confidence half-widths):")
        print(frame.round(3).to_string(), end="\n\n")
    return spec, table


if __name__ == "__main__":
    main()
