"""The engine's simulated quarters against the same quarters as one compiled kernel.

The engine advances all worlds in lockstep with many small NumPy calls per quarter. How far is
that from what the arithmetic itself costs? :mod:`simulator.core.fused` does the same update
in one numba kernel (a loop over worlds, the quarters inside, no Python between quarters), for
the calibration's default structure; this benchmark measures both on the same settled state,
with the same parameters, pre-drawn random numbers and shock schedule, and reports the time
per world-quarter of each and their ratio (engine / limit).

First it checks that the kernel reproduces ``simulator.run``: every recorded series, the
episodes, crises and drivers of the last quarter, for ``scenarios/us_retrenchment.yaml`` and
``scenarios/baseline.yaml`` with 1,000 worlds, to 1e-12 (exits with an error otherwise), the
final state arrays of ``model.run()``, and the settled state of its spin-up.

What is timed, best of ``--rounds`` alternating rounds:

* the limit, kernel: :func:`~simulator.core.fused.run_fused` (packing the inputs, the 40
  quarters and writing every recorded series) on a model built outside the timing, after the
  kernel has been compiled or loaded once (that first call is timed apart);
* the NumPy engine's quarters: ``model.step()`` for each of the 40 quarters (no recording), on
  a model built outside the timing;
* the engines' whole chunks: :func:`~simulator.sweeps.chunks.simulate_chunk` of a sweep of the
  same scenario (an LHS over two factors, 10 replicates per point) on each engine, everything
  a worker does for a chunk: building the model, drawing its random numbers, the spin-up (one
  world per point), the 40 quarters, the metrics and per-point statistics.

Each is reported per world-quarter and as a ratio to the limit.

Needs numba (``pip install -e '.[fast]'``). Run: ``python benchmarks/bench_limit.py``.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import fields
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from provenance import commit, load_average  # noqa: E402 - beside this script

from simulator.core.model import StrategicModel  # noqa: E402 - after the path of a plain checkout
from simulator.runs.ensembles import ensemble_overrides  # noqa: E402
from simulator.runs.runner import resolve, run  # noqa: E402
from simulator.sweeps.chunks import simulate_chunk  # noqa: E402
from simulator.sweeps.designs import design  # noqa: E402
from simulator.sweeps.experiment import Experiment, experiment_from_dict  # noqa: E402

try:
    from simulator.core.fused import run_fused, settle_fused
except ImportError as error:  # numba is the optional `fast` extra
    sys.exit(f"bench_limit.py needs numba (pip install -e '.[fast]'): {error}")

TOLERANCE = 1e-12
CHECKED = ("scenarios/us_retrenchment.yaml", "scenarios/baseline.yaml")
TIMED = "scenarios/us_retrenchment.yaml"


def build(path: str, worlds: int) -> StrategicModel:
    """A fresh, spun-up model of ``worlds`` replicates of a scenario, as ``simulator.run`` builds it."""
    scenario = resolve(str(ROOT / path), replicates=worlds)
    return StrategicModel(scenario, overrides=ensemble_overrides(scenario, np.arange(worlds)))


def check(path: str, worlds: int) -> float:
    """Largest difference between ``simulator.run`` and the kernel for one scenario; exits above the tolerance."""
    result = run(str(ROOT / path), replicates=worlds)
    fused = run_fused(build(path, worlds))
    worst = float(np.abs(result.values - fused.series).max())
    worst = max(worst, float(np.abs(result.drivers[-1] - fused.contributions).max()))
    same_events = np.array_equal(result.episodes[-1], fused.state.episodes) and np.array_equal(
        result.crises[-1], fused.state.crises
    )
    model = build(path, worlds)
    scenario = resolve(str(ROOT / path), replicates=worlds)
    settled = StrategicModel(scenario, overrides=ensemble_overrides(scenario, np.arange(worlds)), spin_up=settle_fused)
    for field in fields(model.state):
        engine, kernel = getattr(model.state, field.name), getattr(settled.state, field.name)
        worst = max(worst, float(np.abs(engine.astype(float) - kernel.astype(float)).max()))
    model.run()
    for field in fields(model.state):
        engine, kernel = getattr(model.state, field.name), getattr(fused.state, field.name)
        worst = max(worst, float(np.abs(engine.astype(float) - kernel.astype(float)).max()))
    if worst > TOLERANCE or not same_events:
        sys.exit(f"{path}: the kernel differs from the engine by {worst:.3g} (events equal: {same_events})")
    return worst


def time_engine(worlds: int) -> float:
    """Seconds of the engine's 40 quarters (model built outside the timing)."""
    model = build(TIMED, worlds)
    started = time.perf_counter()
    for _ in range(model.spec.horizon):
        model.step()
    return time.perf_counter() - started


def time_kernel(worlds: int) -> float:
    """Seconds of the kernel's 40 quarters (model built outside the timing)."""
    model = build(TIMED, worlds)
    started = time.perf_counter()
    run_fused(model)
    return time.perf_counter() - started


def chunk_experiment(worlds: int, engine: str) -> Experiment:
    """A sweep of the timed scenario whose one chunk is ``worlds`` worlds (10 replicates per point)."""
    spec = {
        "name": "bench_limit_chunk",
        "scenario": str(ROOT / TIMED),
        "replicates": 10,
        "method": "lhs",
        "samples": worlds // 10,
        "parameters": {
            "JPN.deference": {"low": 0.2, "high": 0.8},
            "shock.US retrenchment.magnitude": {"low": 0.0, "high": 1.0},
        },
        "metrics": ["coop_EU_JPN:final", "coop_EU_JPN:peak", "coop_EU_JPN:mean"],
        "engine": engine,
    }
    return experiment_from_dict(spec)


def time_chunk(worlds: int, engine: str) -> float:
    """Seconds of one whole sweep chunk of ``worlds`` worlds on ``engine`` (``simulate_chunk``)."""
    experiment = chunk_experiment(worlds, engine)
    points = design(experiment)
    started = time.perf_counter()
    simulate_chunk(experiment, points)
    return time.perf_counter() - started


def main() -> None:
    """Check the kernel against the engine, then time both side by side."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worlds", type=int, nargs="+", default=[1000, 10000], help="world counts to time")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (best of them is reported)")
    parser.add_argument("--check-worlds", type=int, default=1000, help="worlds of the reproduction check")
    args = parser.parse_args()
    load_before = load_average()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}; commit {commit()}")
    print(f"load average before: {load_before}")

    started = time.perf_counter()
    small = build(TIMED, 2)
    first = time.perf_counter()
    run_fused(small)
    first = time.perf_counter() - first
    again = time_kernel(2)
    print(
        f"kernel compiled, or loaded from numba's cache: {first - again:.2f} s "
        f"(first call {first:.2f} s, second {again * 1e3:.2f} ms)"
    )

    for path in CHECKED:
        worst = check(path, args.check_worlds)
        print(f"reproduces simulator.run of {path}, {args.check_worlds} worlds: max |difference| {worst:.2g}")

    print(f"\n{TIMED}, 40 quarters, best of {args.rounds} alternating rounds (spin-up excluded)")
    print(f"{'worlds':>8} {'engine s':>10} {'kernel s':>10} {'engine µs/wq':>13} {'kernel µs/wq':>13} {'ratio':>7}")
    for worlds in args.worlds:
        engine, kernel = [], []
        for _ in range(args.rounds):
            engine.append(time_engine(worlds))
            kernel.append(time_kernel(worlds))
        quarters = worlds * 40
        e, k = min(engine), min(kernel)
        print(
            f"{worlds:>8} {e:>10.3f} {k:>10.3f} {e / quarters * 1e6:>13.2f} {k / quarters * 1e6:>13.2f} {e / k:>7.1f}"
        )
    print(f"\nwhole sweep chunks of {TIMED} (10 replicates per point), best of {args.rounds} alternating rounds")
    print(f"{'worlds':>8} {'engine':>7} {'chunk s':>9} {'µs/wq':>7} {'limit µs/wq':>12} {'chunk / limit':>14}")
    for worlds in args.worlds:
        times: dict[str, list[float]] = {"kernel": [], "fused": [], "numpy": []}
        for _ in range(args.rounds):
            times["kernel"].append(time_kernel(worlds))
            times["fused"].append(time_chunk(worlds, "fused"))
            times["numpy"].append(time_chunk(worlds, "numpy"))
        quarters = worlds * 40
        limit = min(times["kernel"])
        for engine in ("fused", "numpy"):
            chunk = min(times[engine])
            print(
                f"{worlds:>8} {engine:>7} {chunk:>9.3f} {chunk / quarters * 1e6:>7.2f} "
                f"{limit / quarters * 1e6:>12.2f} {chunk / limit:>14.2f}"
            )
    load_after = load_average()
    print(f"\nload average after: {load_after}; total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
