"""The engine of this checkout against the engine of an earlier commit, timed side by side.

On a shared machine absolute timings drift with the load, so this benchmark compares two
versions of the code in one invocation: the working tree and ``--against`` (a git revision,
exported with ``git archive`` into a temporary folder). Each round runs one measurement of each
version in its own fresh process, in alternating order, so both see the same load; the best of
the rounds is reported for each, with their ratio and the load average before and after.

What is measured, per version, in the worker process (imports and warm-up excluded):

* ``build``: ``StrategicModel(...)`` of one sweep chunk, spin-up included;
* ``quarters``: its 40 simulated quarters (``model.run()``);
* ``chunk``: ``simulate_chunk`` of the same points, recording and statistics included.

The chunk is that of ``bench_sweep.py --profile``: 100 points (a 10 x 10 grid over
``JPN.deference`` and the retrenchment's magnitude in ``scenarios/us_retrenchment.yaml``) x 10
replicates = 1,000 worlds. The benchmark also checks that both versions give the same final
state, bit for bit, and exits with an error otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from provenance import commit, load_average

ROOT = Path(__file__).resolve().parent.parent

WORKER = r"""
import hashlib, json, sys, time
import numpy as np
from dataclasses import fields
from simulator.core.model import StrategicModel
from simulator.sweeps.chunks import simulate_chunk, world_overrides
from simulator.sweeps.designs import design
from simulator.sweeps.experiment import experiment_from_dict

levels, replicates, scenario_path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
spec = {
    "name": "bench_engine", "scenario": scenario_path, "replicates": replicates, "method": "grid",
    "parameters": {"JPN.deference": {"low": 0.2, "high": 0.8, "levels": levels},
                   "shock.US retrenchment.magnitude": {"low": 0.0, "high": 1.0, "levels": levels}},
    "metrics": ["coop_EU_JPN:final"],
}
experiment = experiment_from_dict(spec)
points = design(experiment)
scenario = experiment.scenario.with_overrides(seed=experiment.seed)
overrides, shocks = world_overrides(experiment, points, replicates)
numbers = np.tile(np.arange(replicates), len(points))
build = lambda: StrategicModel(scenario, replicates=numbers, overrides=overrides, shock_overrides=shocks)
simulate_chunk(experiment, points.iloc[:1])  # warm imports and caches
started = time.perf_counter(); model = build(); built = time.perf_counter() - started
started = time.perf_counter(); model.run(); ran = time.perf_counter() - started
started = time.perf_counter(); simulate_chunk(experiment, points); chunk = time.perf_counter() - started
digest = hashlib.sha256()
for f in fields(model.state):
    digest.update(np.ascontiguousarray(getattr(model.state, f.name)).tobytes())
print(json.dumps({"build": built, "quarters": ran, "chunk": chunk, "state": digest.hexdigest()}))
"""


def export(revision: str, into: Path) -> Path:
    """The tree of ``revision`` written into ``into`` (``git archive``, no worktree is touched)."""
    archive = into / "tree.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), revision], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into / "tree", filter="data")
    return into / "tree"


def measure(tree: Path, levels: int, replicates: int) -> dict[str, float | str]:
    """One measurement of the engine in ``tree``, in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    scenario = str(tree / "scenarios" / "us_retrenchment.yaml")
    out = subprocess.run(
        [sys.executable, "-c", WORKER, str(levels), str(replicates), scenario],
        env=env,
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--against", default="0e8dcd2", help="git revision to compare with (default 0e8dcd2)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (best of them is reported)")
    parser.add_argument("--levels", type=int, default=10, help="grid levels per factor")
    parser.add_argument("--replicates", type=int, default=10, help="replicates per point")
    args = parser.parse_args()

    checkout = commit()
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="bench_engine_") as tmp:
        old_tree = export(args.against, Path(tmp))
        trees = {"this": ROOT, args.against: old_tree}
        results: dict[str, list[dict[str, float | str]]] = {name: [] for name in trees}
        for round_ in range(args.rounds):
            order = list(trees) if round_ % 2 == 0 else list(trees)[::-1]
            for name in order:
                results[name].append(measure(trees[name], args.levels, args.replicates))
    load_after = load_average()

    worlds = args.levels**2 * args.replicates
    print(
        f"Engine side by side: {args.levels**2} points x {args.replicates} replicates = {worlds} worlds x 40 quarters"
    )
    print(f"this checkout: {checkout}; against: {args.against}")
    print(f"{os.cpu_count()} CPUs; load average before {load_before}")
    print(f"best of {args.rounds} alternating rounds, each in a fresh process")
    print(f"{'part':<12}{'this (s)':>10}{args.against + ' (s)':>16}{'speed-up':>10}")
    for part in ("build", "quarters", "chunk"):
        new = min(float(r[part]) for r in results["this"])
        old = min(float(r[part]) for r in results[args.against])
        print(f"{part:<12}{new:>10.3f}{old:>16.3f}{old / new:>9.1f}x")
    print(f"load average after {load_after}")
    states = {r["state"] for rs in results.values() for r in rs}
    if len(states) != 1:
        sys.exit("the two versions end in different states")
    print("final state of all 1,000 worlds: bit-identical in both versions".replace("1,000", f"{worlds:,}"))


if __name__ == "__main__":
    main()
