"""Benchmark of the lockstep world engine (run with `make bench`).

Measures, in one invocation on this machine:

* the headline case: one run of 1,000 replicates x 40 quarters (wall time, per-world cost);
* a single default run: 100 replicates x 40 quarters;
* the baseline, measured in the same invocation: the same model simulating one world
  per model instance (as a naive one-world-at-a-time engine would), on a sample of worlds.

It prints the per-world cost of each and the ratio of the baseline to lockstep, so the
numbers compare like with like on whatever machine runs it.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from simulator import load_scenario
from simulator.runs.runner import simulate

ROOT = Path(__file__).resolve().parent.parent


def timed(fn, repeat: int = 1) -> float:
    """Best wall time of ``repeat`` calls, in seconds."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--worlds", type=int, default=1000, help="replicates in the headline run")
    parser.add_argument("--sample", type=int, default=20, help="worlds simulated one at a time for the baseline")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (best time is reported)")
    args = parser.parse_args()

    scenario = load_scenario(ROOT / "scenarios" / "us_retrenchment.yaml")
    big = scenario.with_overrides(replicates=args.worlds)
    default = scenario.with_overrides(replicates=100)

    simulate(scenario.with_overrides(replicates=2))  # warm imports and caches
    lockstep = timed(lambda: simulate(big, keep_details=False), args.repeat)
    default_run = timed(lambda: simulate(default), args.repeat)

    def one_at_a_time() -> None:
        for replicate in range(args.sample):
            simulate(scenario.with_overrides(replicates=1), replicates=np.array([replicate]), keep_details=False)

    baseline = timed(one_at_a_time, args.repeat)

    per_world_lockstep = lockstep / args.worlds
    per_world_single = baseline / args.sample
    print(f"Horizon {scenario.horizon} quarters (+ spin-up), best of {args.repeat}")
    print(f"{'case':<46}{'wall (s)':>10}{'per world (ms)':>16}")
    print(f"{f'lockstep: {args.worlds} worlds in one model':<46}{lockstep:>10.3f}{1000 * per_world_lockstep:>16.3f}")
    print(f"{'default run: 100 replicates, with recording':<46}{default_run:>10.3f}{1000 * default_run / 100:>16.3f}")
    print(
        f"{f'baseline: one world per model ({args.sample} worlds)':<46}{baseline:>10.3f}"
        f"{1000 * per_world_single:>16.3f}"
    )
    print(f"ratio baseline / lockstep per world: {per_world_single / per_world_lockstep:.1f}x")


if __name__ == "__main__":
    main()
