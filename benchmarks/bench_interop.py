"""Benchmark of outside calls: a Sobol' sample point by point against one vectorised call (run with `make bench`).

Measures, in one invocation on this machine, the same 768-point Sobol' sample (SALib's
``ProblemSpec``, Saltelli's scheme with N = 128 over four inputs of the us_retrenchment scenario:
128 x (4 + 2) points, first-order and total indices), 10 replicates per point:

* (a) point by point: ``simulator.model_function`` called once per point, as SALib's
  ``ProblemSpec.evaluate`` or an EMA ``SequentialEvaluator`` calls a plain model function. Each
  call reads the scenario, builds the model and runs its spin-up again. By default only every
  8th point (96 of 768, spread over the whole sample) is timed and the time per point is
  multiplied by 768, because the full run takes five minutes or more; ``--full`` times all 768.
  The output says which.
* (b) one call of ``simulator.evaluate_points`` for the whole sample, on all cores (the sweep
  engine's default), and (b') the same in one process (``workers=1``), which compares like with
  like with (a).

Wall times run from the call to its return, after one untimed call of each to load the modules.
Every timed point of (a) must equal its row of (b) exactly, and (b) and (b') must be identical,
or the benchmark fails. It ends with the ratio (a) / (b) against the target of 5x.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from SALib import ProblemSpec

import simulator
from simulator.inputs.calibration import default_calibration
from simulator.sweeps.executors import default_workers

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "us_retrenchment.yaml"
PARAMETERS = ("JPN.deference", "EU.entrapment_aversion", "USA.commitment_indo_pacific")
MAGNITUDE = "shock.US retrenchment.magnitude"
METRICS = ("coop_EU_JPN:final", "coop_EU_JPN:mean", "coop_EU_JPN:first_above@0.58")
BASE_SAMPLES = 128
"""Saltelli's N: 128 x (4 + 2) = 768 points without second-order indices."""
REPLICATES = 10
SEED = 42
SUBSET_STEP = 8
"""Without --full, (a) times points 0, 8, 16, …: 96 of the 768."""
TARGET_RATIO = 5.0


def problem() -> ProblemSpec:
    """The four inputs (three calibrated parameters over their plausible ranges, the shock's size over 0-1), sampled."""
    calibration = default_calibration()
    spec = ProblemSpec(
        {
            "names": [*PARAMETERS, MAGNITUDE],
            "bounds": [*[[calibration[p].low, calibration[p].high] for p in PARAMETERS], [0.0, 1.0]],
            "outputs": list(METRICS),
        }
    )
    return spec.sample_sobol(BASE_SAMPLES, calc_second_order=False, seed=SEED)


def point_by_point(table: pd.DataFrame, rows: list[int]) -> tuple[float, dict[int, dict[str, float]]]:
    """Call ``model_function`` once per chosen row; the wall time and each row's metrics."""
    results = {}
    started = time.perf_counter()
    for i in rows:
        inputs = {name: float(value) for name, value in table.iloc[i].items()}
        results[i] = simulator.model_function(SCENARIO, replicates=REPLICATES, metrics=METRICS, **inputs)
    return time.perf_counter() - started, results


def vectorised(spec: ProblemSpec, workers: int) -> tuple[float, pd.DataFrame]:
    """One ``evaluate_points`` call for the whole sample; its wall time and table (progress lines kept quiet)."""
    with contextlib.redirect_stderr(io.StringIO()):
        started = time.perf_counter()
        table = simulator.evaluate_points(spec, SCENARIO, replicates=REPLICATES, metrics=METRICS, workers=workers)
        return time.perf_counter() - started, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="time all 768 points point by point (5+ minutes)")
    parser.add_argument("--workers", type=int, default=default_workers(), help="processes for (b)")
    args = parser.parse_args()

    spec = problem()
    names = list(spec["names"])
    inputs = pd.DataFrame(spec.samples, columns=names)
    n = len(inputs)
    rows = list(range(n)) if args.full else list(range(0, n, SUBSET_STEP))
    versions = f"Python {sys.version.split()[0]}, numpy {np.__version__}"
    print(f"Machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable); {versions}")
    print(
        f"Sobol' sample: N = {BASE_SAMPLES}, {len(names)} inputs, {n} points x {REPLICATES} replicates = "
        f"{n * REPLICATES:,} worlds of {SCENARIO.name}; metrics {', '.join(METRICS)}",
        flush=True,
    )

    # warm up: imports and caches, untimed
    simulator.model_function(SCENARIO, replicates=2, metrics=METRICS)
    with contextlib.redirect_stderr(io.StringIO()):
        simulator.evaluate_points(inputs.iloc[:2], SCENARIO, replicates=2, metrics=METRICS, workers=1)

    seconds_a, direct = point_by_point(inputs, rows)
    per_point = seconds_a / len(rows)
    total_a = per_point * n
    how = (
        f"all {n} points timed"
        if args.full
        else f"{len(rows)} of {n} points timed (every {SUBSET_STEP}th), extrapolated to {n} at {per_point:.3f} s/point"
    )
    print(f"  (a)  model_function, point by point: {total_a:8.1f} s  ({how})", flush=True)
    seconds_b, table = vectorised(spec, args.workers)
    print(f"  (b)  evaluate_points, {args.workers} workers:    {seconds_b:8.1f} s  (one call, {n} points)", flush=True)
    seconds_b1, table_one = vectorised(spec, 1)
    print(f"  (b') evaluate_points, 1 process:     {seconds_b1:8.1f} s  (one call, {n} points)", flush=True)

    pd.testing.assert_frame_equal(table, table_one, check_exact=True)
    differ = [i for i in rows if any(table.iloc[i][m] != direct[i][m] for m in direct[i])]
    if differ:
        first = differ[0]
        raise SystemExit(f"same numbers: NO ({len(differ)} of {len(rows)} timed points differ, first at row {first})")
    kept = len(direct[rows[0]])
    print(
        f"  same numbers: yes (each of the {len(rows)} timed points, {kept} outcomes each, equal to its row of (b) "
        f"exactly; (b) and (b') identical)"
    )
    spec.set_results(table[list(METRICS)].to_numpy())
    with contextlib.redirect_stdout(io.StringIO()):
        spec.analyze_sobol(calc_second_order=False, seed=SEED)
    top = max(names, key=lambda name: spec.analysis[METRICS[0]]["ST"][names.index(name)])
    print(f"  Sobol' analysis of (b) done; largest total index of {METRICS[0]}: {top}")

    ratio, ratio_one = total_a / seconds_b, total_a / seconds_b1
    print(f"\n{'target':<44}{'wanted':>10}{'measured':>10}  result")
    for label, value in ((f"(a) / (b), {args.workers} workers", ratio), ("(a) / (b'), 1 process", ratio_one)):
        verdict = "PASS" if value >= TARGET_RATIO else "MISS"
        print(f"{label:<44}{f'>= {TARGET_RATIO:.0f}x':>10}{f'{value:.1f}x':>10}  {verdict}")
    if not args.full:
        print(f"note: (a) is extrapolated from {len(rows)} points; --full times all {n}")


if __name__ == "__main__":
    main()
