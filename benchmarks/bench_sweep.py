"""Benchmark of sweeps against mesa.batch_run, and how sweeps scale (run with `make bench`).

Measures, in one invocation on this machine:

* (a) versus (b): the same grid of worlds (two factors x replicates, 40 quarters of the
  us_retrenchment scenario) run (a) by ``run_sweep`` allowed all cores, as it plans the
  sweep itself, (a') by ``run_sweep`` with one chunk per core, and (b) by
  ``mesa.batch_run`` on all cores, one world per Mesa run, through a small
  ``mesa.Model`` that wraps a one-world ``StrategicModel``. Wall times include
  starting workers. On the NumPy engine the final metric of every (point, replicate)
  must come out bit-identical from all of them; on the fused engine (``--engine
  fused``), within 1e-12 of the NumPy engine that ``mesa.batch_run`` drives (the two
  engines add some sums in another order). Otherwise the benchmark fails.
* the scaling curve: ``eujsim sweep`` as a separate process for 1,000, 10,000 and
  100,000 worlds x 40 quarters (``--sizes`` adds 1,000,000), with its wall time and the
  peak of the summed resident memory (VmRSS) of the sweep process and all its
  descendants, sampled every 50 ms (and the peak of their summed PSS, which counts shared
  pages once, read once a second).

It ends with a table of the targets and whether each was met. ``--quick`` runs a
smaller comparison and skips 100,000 worlds; ``--engine fused`` runs everything on the compiled
engine (``eujsim sweep --engine fused``) and ``--scaling-only`` skips the comparison with
``mesa.batch_run``, to time one engine's curve by itself; ``--profile`` instead profiles one
1,000-world chunk in this process and prints where its time goes.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import io
import os
import pstats
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from mesa.batchrunner import batch_run
from provenance import commit, load_average

from simulator.base.yamlio import dump_yaml
from simulator.core.model import StrategicModel
from simulator.core.recorder import Recorder
from simulator.runs.metrics import parse_metric
from simulator.sweeps.chunks import simulate_chunk, world_overrides
from simulator.sweeps.designs import design
from simulator.sweeps.executors import default_workers
from simulator.sweeps.experiment import Experiment, experiment_from_dict
from simulator.sweeps.sweep import run_sweep

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "us_retrenchment.yaml"
DEFERENCE = "JPN.deference"
MAGNITUDE = "shock.US retrenchment.magnitude"
METRIC = "coop_EU_JPN:final"
SCALING_METRICS = ["coop_EU_JPN:final", "coop_EU_JPN:peak", "coop_EU_JPN:mean"]
SCALING_REPLICATES = 10
SAMPLE_EVERY = 0.05
"""Seconds between samples of the sweep's process-tree memory (RSS)."""
PSS_EVERY = 20
"""PSS is read at every 20th sample (once a second): reading it walks the page tables of the workers."""

FULL_COMPARISON_WORLDS = 200
"""Worlds in the default (a) vs (b) comparison: 10 x 10 points x 2 replicates."""
TARGET_RATIO = 100.0
"""(a), the sweep as it plans itself, against (b) mesa.batch_run on all cores."""
TARGET_ALL_CORES_RATIO = 20.0
"""(a'), the sweep with one chunk per core, against (b)."""
TARGET_10K_SECONDS = 15.0
TARGET_100K_SECONDS = 15.0
TARGET_PEAK_BYTES = 1e9
"""Peak summed RSS of the sweep's process tree at 100,000 worlds, and streaming 1,000,000."""
FUSED_TOLERANCE = 1e-12
"""Largest difference allowed between the fused engine's worlds and mesa.batch_run's (the NumPy engine)."""
MB = 1e6


# -- the experiment shared by (a) and (b) -------------------------------------------


def comparison_spec(levels: int, replicates: int) -> dict[str, Any]:
    """A grid of ``levels`` x ``levels`` points, ``replicates`` worlds each."""
    return {
        "name": "bench_sweep_vs_batch_run",
        "scenario": str(SCENARIO),
        "replicates": replicates,
        "method": "grid",
        "parameters": {
            DEFERENCE: {"low": 0.2, "high": 0.8, "levels": levels},
            MAGNITUDE: {"low": 0.0, "high": 1.0, "levels": levels},
        },
        "metrics": [METRIC],
    }


@functools.cache
def factor_experiment() -> Experiment:
    """The two factors and the seeded scenario, built once per process (Mesa workers included)."""
    return experiment_from_dict(comparison_spec(2, 1), base_dir=ROOT)


def _final_metric(model: OneWorldModel) -> float:
    return model.final_metric()


class OneWorldModel(mesa.Model):
    """One world of the sweep as a Mesa model, for ``mesa.batch_run``.

    The factor values and the replicate number arrive as keyword parameters; the world is
    a ``StrategicModel`` of that one replicate, with the factor values applied exactly as a
    sweep chunk applies them. Each step advances it a quarter; after the horizon the model
    stops and its DataCollector records the final metric.
    """

    def __init__(self, deference: float = 0.5, magnitude: float = 1.0, replicate: int = 0, rng: Any = None) -> None:
        super().__init__(rng=rng)
        experiment = factor_experiment()
        overrides, shock_overrides = world_overrides(
            experiment, pd.DataFrame({DEFERENCE: [deference], MAGNITUDE: [magnitude]}), 1
        )
        scenario = experiment.scenario.with_overrides(seed=experiment.seed)
        self.horizon = scenario.horizon
        self.world = StrategicModel(
            scenario, replicates=np.array([replicate]), overrides=overrides, shock_overrides=shock_overrides
        )
        self.metric = parse_metric(METRIC)
        self.recorder = Recorder(1, self.horizon, keep_details=False, columns=[self.metric.series])
        self.recorder.record(0, self.world.state)
        self.datacollector = mesa.DataCollector(model_reporters={METRIC: _final_metric})

    def step(self) -> None:
        """Advance the world one quarter; stop and collect after the horizon."""
        self.world.step()
        self.recorder.record(self.world.steps, self.world.state)
        if self.world.steps >= self.horizon:
            self.running = False
            self.datacollector.collect(self)

    def final_metric(self) -> float:
        """The metric of the one world, computed as a sweep computes it."""
        return float(self.metric.compute(self.recorder.values[:, 0, :])[0])


def timed_sweep(experiment: Experiment, workers: int, chunk_worlds: int | None) -> tuple[float, pd.DataFrame, str]:
    """Run a sweep into a temporary folder; its wall time, worlds table and how it ran.

    The fused engine's local workers are threads of the sweep process, the NumPy engine's
    worker processes (:func:`simulator.sweeps.executors.make_executor`).
    """
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        log = io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stderr(log):  # the sweep's progress lines
            result = run_sweep(
                experiment, Path(tmp) / "sweep", workers=workers, chunk_worlds=chunk_worlds, progress=False
            )
        seconds = time.perf_counter() - started
        if not result.complete:
            raise SystemExit(f"the sweep did not complete: {result.failures}")
        chunks = len(result.manifest["chunks"])
        processes = min(workers, chunks)
        kind = "threads" if experiment.engine == "fused" else "processes"
        how = f"{chunks} chunk{'s' * (chunks > 1)}, " + (
            "run in the sweep process" if processes == 1 else f"{processes} worker {kind}"
        )
        return seconds, result.worlds(), how


def compare(levels: int, replicates: int, workers: int, engine: str = "numpy") -> dict[str, float]:
    """Run (a) run_sweep and (b) mesa.batch_run over the same worlds; check they agree.

    (a) runs twice: as ``run_sweep(workers=all cores)`` plans it by itself (a small sweep is
    one chunk, run in the sweep process with no worker start-up), and with chunks cut so
    that every core gets a worker (paying the workers' start-up). On the fused engine, one
    untimed four-world sweep first loads numba and the compiled kernel, whose cost is printed
    apart: the simulator's own imports are not timed in (a) either.
    """
    experiment = experiment_from_dict({**comparison_spec(levels, replicates), "engine": engine}, base_dir=ROOT)
    points = design(experiment)
    n_worlds = len(points) * replicates
    horizon = experiment.scenario.horizon
    print(
        f"(a) vs (b): grid {levels} x {levels} points x {replicates} replicates = {n_worlds} worlds x "
        f"{horizon} quarters; {workers} processes allowed to each; (a) on the {engine} engine",
        flush=True,
    )
    if engine == "fused":
        warm = experiment_from_dict({**comparison_spec(2, 1), "engine": engine}, base_dir=ROOT)
        started = time.perf_counter()
        timed_sweep(warm, 1, None)
        loading = time.perf_counter() - started
        print(f"  loading numba and the compiled kernel (once per process, untimed below): {loading:.2f} s")
    sweep_seconds, sweep_worlds, how = timed_sweep(experiment, workers, None)
    print(f"  (a)  run_sweep, default plan: {sweep_seconds:8.2f} s {n_worlds / sweep_seconds:9.1f} worlds/s  ({how})")
    split = -(-n_worlds // (workers * replicates)) * replicates  # whole points, one chunk per worker
    split_seconds, split_worlds, split_how = timed_sweep(experiment, workers, split)
    rate = n_worlds / split_seconds
    print(f"  (a') run_sweep, all cores:    {split_seconds:8.2f} s {rate:9.1f} worlds/s  ({split_how})")
    if not sweep_worlds.equals(split_worlds):
        raise SystemExit("(a) and (a') differ: chunking changed the numbers")

    parameters = {
        "deference": [float(v) for v in points[DEFERENCE].unique()],
        "magnitude": [float(v) for v in points[MAGNITUDE].unique()],
        "replicate": list(range(replicates)),
    }
    started = time.perf_counter()
    rows = batch_run(
        OneWorldModel,
        parameters=parameters,
        number_processes=workers,
        rng=[None],  # one run per combination: what the deprecated iterations=1 means in Mesa 3.5
        data_collection_period=-1,
        max_steps=horizon,
        display_progress=False,
    )
    mesa_seconds = time.perf_counter() - started
    print(
        f"  (b)  mesa.batch_run:          {mesa_seconds:8.2f} s {n_worlds / mesa_seconds:9.1f} worlds/s  "
        f"({n_worlds} Mesa runs, {workers} spawned processes)",
        flush=True,
    )

    mesa_worlds = pd.DataFrame(rows).rename(columns={"deference": DEFERENCE, "magnitude": MAGNITUDE})
    keys = [DEFERENCE, MAGNITUDE, "replicate"]
    if len(mesa_worlds) != n_worlds or mesa_worlds.duplicated(keys).any() or (mesa_worlds["Step"] != horizon).any():
        raise SystemExit(f"batch_run returned {len(mesa_worlds)} runs, expected {n_worlds} of {horizon} steps each")
    joined = sweep_worlds.merge(mesa_worlds[[*keys, METRIC]], on=keys, how="outer", suffixes=("", "_mesa"))
    sweep_values = joined[METRIC].to_numpy()
    mesa_values = joined[f"{METRIC}_mesa"].to_numpy()
    if len(joined) != n_worlds or np.isnan(sweep_values).any() or np.isnan(mesa_values).any():
        raise SystemExit("the two runs did not simulate the same set of worlds")
    largest = float(np.abs(sweep_values - mesa_values).max())
    if engine == "fused":
        if largest > FUSED_TOLERANCE:
            raise SystemExit(f"same worlds: NO (largest difference {largest:.3g} > {FUSED_TOLERANCE:g})")
        print(f"  same worlds: yes ({METRIC} within {largest:.1g} in all {n_worlds} worlds)", flush=True)
    elif not np.array_equal(sweep_values, mesa_values):
        differ = int((sweep_values != mesa_values).sum())
        raise SystemExit(f"same worlds: NO ({differ} of {n_worlds} differ, largest difference {largest:.3g})")
    else:
        print(f"  same worlds: yes ({METRIC} bit-identical in all {n_worlds} worlds)", flush=True)
    ratio = mesa_seconds / sweep_seconds
    split_ratio = mesa_seconds / split_seconds
    print(f"  worlds/s ratio (a)/(b): {ratio:.1f}x; (a')/(b): {split_ratio:.1f}x", flush=True)
    return {"worlds": n_worlds, "ratio": ratio, "split_ratio": split_ratio}


# -- the scaling curve ------------------------------------------------------------------


def _kib(text: str, field: str) -> int:
    """A ``Field:   123 kB`` value of a /proc file, in bytes (0 if absent)."""
    for line in text.splitlines():
        if line.startswith(field):
            return int(line.split()[1]) * 1024
    return 0


def tree_memory(pid: int, with_pss: bool = True) -> tuple[int, int, int]:
    """Summed VmRSS and Pss (bytes) of a process and all its descendants, and how many processes.

    RSS counts a page shared by several processes (the forked workers share the fork
    server's) once per process, so the sum overstates the memory the tree takes; PSS
    divides each shared page among its sharers, so its sum is what the tree really adds.
    Reading PSS makes the kernel walk every page of the process, so it is optional.
    """
    rss = pss = count = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            rollup = Path(f"/proc/{current}/smaps_rollup").read_text() if with_pss else ""
            for task in Path(f"/proc/{current}/task").iterdir():
                stack.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, NotADirectoryError):
            continue  # the process ended between the reads
        count += 1
        rss += _kib(status, "VmRSS:")
        pss += _kib(rollup, "Pss:")
    return rss, pss, count


class TreeSampler:
    """Samples a process tree's summed memory in a thread and keeps the peaks.

    RSS is read every ``every`` seconds; PSS, which costs the sampled processes more,
    only every ``pss_every``-th time (never if 0).
    """

    def __init__(self, pid: int, every: float = SAMPLE_EVERY, pss_every: int = PSS_EVERY) -> None:
        self.pid = pid
        self.every = every
        self.pss_every = pss_every
        self.peak_rss = 0
        self.peak_pss = 0
        self.peak_processes = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            with_pss = self.pss_every > 0 and self.samples % self.pss_every == 0
            rss, pss, processes = tree_memory(self.pid, with_pss)
            self.samples += 1
            if rss > self.peak_rss:
                self.peak_rss, self.peak_processes = rss, processes
            self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(self.every)

    def stop(self) -> None:
        """Stop sampling (after the process has exited)."""
        self._stop.set()
        self._thread.join()


def eujsim_command() -> list[str]:
    """The `eujsim` of this interpreter's environment (or `python -m simulator`)."""
    script = Path(sys.executable).parent / "eujsim"
    return [str(script)] if script.exists() else [sys.executable, "-m", "simulator"]


@dataclass
class ScalingRun:
    """One point of the scaling curve."""

    worlds: int
    seconds: float
    peak_rss: int
    peak_pss: int
    peak_processes: int
    samples: int


def scaling_run(worlds: int, tmp: Path, engine: str = "numpy") -> ScalingRun:
    """Run `eujsim sweep` for ``worlds`` worlds (LHS, 10 replicates per point) as a subprocess, on ``engine``."""
    if worlds % SCALING_REPLICATES:
        raise SystemExit(f"--sizes: {worlds} is not a multiple of {SCALING_REPLICATES} replicates")
    spec = {
        "name": f"bench_scaling_{worlds}",
        "scenario": str(SCENARIO),
        "replicates": SCALING_REPLICATES,
        "method": "lhs",
        "samples": worlds // SCALING_REPLICATES,
        "parameters": {DEFERENCE: {"low": 0.2, "high": 0.8}, MAGNITUDE: {"low": 0.0, "high": 1.0}},
        "metrics": SCALING_METRICS,
    }
    experiment_file = tmp / f"scaling_{worlds}.yaml"
    experiment_file.write_text(dump_yaml(spec), encoding="utf-8")
    out = tmp / f"scaling_{worlds}"
    command = [
        *eujsim_command(),
        "sweep",
        str(experiment_file),
        "--out",
        str(out),
        "--no-analysis",
        "--progress",
        "log",
        "--engine",
        engine,
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(process.pid)
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - started
    sampler.stop()
    if process.returncode != 0:
        raise SystemExit(f"eujsim sweep failed ({process.returncode}):\n{stdout}\n{stderr}")
    rows = pq.read_metadata(out / "worlds.parquet").num_rows
    if rows != worlds:
        raise SystemExit(f"the {worlds}-world sweep wrote {rows} worlds")
    return ScalingRun(worlds, seconds, sampler.peak_rss, sampler.peak_pss, sampler.peak_processes, sampler.samples)


def scaling(sizes: list[int], engine: str = "numpy") -> list[ScalingRun]:
    """The scaling curve, one subprocess per size, on ``engine``."""
    print(
        f"\nScaling: eujsim sweep --engine {engine} (LHS, {SCALING_REPLICATES} replicates per point, 40 quarters), "
        "one process each"
    )
    print(f"{'worlds':>9}{'wall (s)':>10}{'worlds/s':>10}{'peak RSS (MB)':>15}{'peak PSS (MB)':>15}{'processes':>11}")
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench_scaling_") as tmp:
        for worlds in sizes:
            run = scaling_run(worlds, Path(tmp), engine)
            runs.append(run)
            print(
                f"{run.worlds:>9,}{run.seconds:>10.2f}{run.worlds / run.seconds:>10.0f}"
                f"{run.peak_rss / MB:>15.0f}{run.peak_pss / MB:>15.0f}{run.peak_processes:>11}",
                flush=True,
            )
    return runs


# -- targets and profile ------------------------------------------------------------------


def verdicts(comparison: dict[str, float] | None, runs: list[ScalingRun]) -> None:
    """The targets, the measured figures and PASS/MISS (or not measured; no comparison with ``--scaling-only``)."""
    by_size = {r.worlds: r for r in runs}
    ten, hundred, million = by_size.get(10_000), by_size.get(100_000), by_size.get(1_000_000)
    rows: list[tuple[str, str, Any, Any]] = []
    if comparison is not None:
        ratio, split = comparison["ratio"], comparison["split_ratio"]
        all_cores = TARGET_ALL_CORES_RATIO
        rows += [
            ("(a) run_sweep / (b) mesa.batch_run", f">= {TARGET_RATIO:.0f}x", f"{ratio:.1f}x", ratio >= TARGET_RATIO),
            ("(a') all-cores run_sweep / (b)", f">= {all_cores:.0f}x", f"{split:.1f}x", split >= all_cores),
        ]
    rows += [
        (
            "10,000 worlds x 40 quarters, wall",
            f"<= {TARGET_10K_SECONDS:.0f} s",
            ten and f"{ten.seconds:.2f} s",
            ten and ten.seconds <= TARGET_10K_SECONDS,
        ),
        (
            "100,000 worlds x 40 quarters, wall",
            f"<= {TARGET_100K_SECONDS:.0f} s",
            hundred and f"{hundred.seconds:.2f} s",
            hundred and hundred.seconds <= TARGET_100K_SECONDS,
        ),
        (
            "100,000 worlds, peak tree RSS",
            f"< {TARGET_PEAK_BYTES / MB:.0f} MB",
            hundred and f"{hundred.peak_rss / MB:.0f} MB",
            hundred and hundred.peak_rss < TARGET_PEAK_BYTES,
        ),
        (
            "  (same run, summed PSS, for reference)",
            f"< {TARGET_PEAK_BYTES / MB:.0f} MB",
            hundred and f"{hundred.peak_pss / MB:.0f} MB",
            hundred and hundred.peak_pss < TARGET_PEAK_BYTES,
        ),
        (
            "1,000,000 worlds streamed, peak tree RSS",
            f"< {TARGET_PEAK_BYTES / MB:.0f} MB",
            million and f"{million.peak_rss / MB:.0f} MB",
            million and million.peak_rss < TARGET_PEAK_BYTES,
        ),
    ]
    print(f"\n{'target':<40}{'wanted':>12}{'measured':>12}  result")
    for name, wanted, measured, ok in rows:
        verdict = "not measured" if measured is None else "PASS" if ok else "MISS"
        print(f"{name:<40}{wanted:>12}{measured or '-':>12}  {verdict}")
    if comparison is not None and comparison["worlds"] < FULL_COMPARISON_WORLDS:
        print(
            f"note: a {comparison['worlds']:.0f}-world comparison is mostly process start-up; the ratio target "
            f"is judged on the full run ({FULL_COMPARISON_WORLDS} worlds)"
        )


def profile_chunk(worlds: int, top: int) -> None:
    """Profile one chunk of ``worlds`` worlds in this process; print the main costs."""
    replicates = SCALING_REPLICATES
    levels = round((worlds / replicates) ** 0.5)
    experiment = experiment_from_dict(comparison_spec(levels, replicates), base_dir=ROOT)
    points = design(experiment)
    simulate_chunk(experiment, points.iloc[:1])  # warm imports and caches
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    simulate_chunk(experiment, points)
    profiler.disable()
    wall = time.perf_counter() - started
    print(f"Profile of one chunk: {len(points) * replicates} worlds x {experiment.scenario.horizon} quarters")
    print(f"wall {wall:.3f} s (profiled; profiling adds overhead)")
    stats = pstats.Stats(profiler)
    raw = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for (_, _, tt, _, _) in raw.values())
    wanted = [
        ("model.py", "__init__", "StrategicModel(...) incl. spin-up"),
        ("model.py", "_spin_up", "  spin-up quarters"),
        ("model.py", "step", "simulated quarters (model.step)"),
        ("shocks.py", "effective", "  shocks in force"),
        ("parameters.py", "from_parameters", "  structure rebuilt for shocked quarters"),
        ("recorder.py", "record", "recording"),
        ("chunks.py", "_quarter_statistics", "per-point quarter statistics"),
    ]
    print(f"{'part':<44}{'cumulative (s)':>15}{'share':>8}")
    for file, function, label in wanted:
        found = [
            (calls, cum)
            for (path, _, name), (_, calls, _, cum, _) in raw.items()
            if path.endswith(f"/{file}") and "simulator" in path and name == function
        ]
        if found:
            cum = max(c for _, c in found)
            print(f"{label:<44}{cum:>15.3f}{100 * cum / total:>7.0f}%")

    scenario = experiment.scenario.with_overrides(seed=experiment.seed)
    n_points = len(points)

    def build(per_point: int) -> StrategicModel:
        overrides, shock_overrides = world_overrides(experiment, points, per_point)
        return StrategicModel(
            scenario,
            replicates=np.tile(np.arange(per_point), n_points),
            overrides=overrides,
            shock_overrides=shock_overrides,
        )

    def best(fn: Any, repeat: int = 3) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
        return min(times)

    def forty_quarters() -> None:
        model = build(replicates)
        started = time.perf_counter()
        model.run()
        steps.append(time.perf_counter() - started)

    steps: list[float] = []
    chunk_wall = best(lambda: simulate_chunk(experiment, points))
    every_world = best(lambda: build(replicates))
    per_point = best(lambda: build(1))
    best(forty_quarters)
    n_worlds = n_points * replicates
    print(f"\nUnprofiled, best of 3 ({n_points} points x {replicates} replicates):")
    for label, seconds in (
        ("whole chunk (simulate_chunk)", chunk_wall),
        (f"model set-up incl. spin-up, {n_worlds} worlds", every_world),
        (f"model set-up incl. spin-up, {n_points} worlds (one per point)", per_point),
        (f"{experiment.scenario.horizon} simulated quarters, {n_worlds} worlds", min(steps)),
    ):
        print(f"  {label:<56}{seconds:8.3f} s")
    print(f"\nTop {top} functions by own time (total profiled {total:.3f} s):")
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 50-world comparison and 1k/10k worlds only")
    parser.add_argument("--levels", type=int, help="grid levels per factor in the comparison (default 10; quick 5)")
    parser.add_argument("--replicates", type=int, default=2, help="replicates per point in the comparison")
    parser.add_argument(
        "--sizes",
        help="comma-separated world counts of the scaling curve (default 1000,10000,100000; quick 1000,10000)",
    )
    parser.add_argument("--workers", type=int, default=default_workers(), help="processes for (a) and (b)")
    parser.add_argument(
        "--engine", choices=("numpy", "fused"), default="numpy", help="what runs the quarters of (a) and the curve"
    )
    parser.add_argument("--scaling-only", action="store_true", help="skip the comparison with mesa.batch_run")
    parser.add_argument("--profile", action="store_true", help="only profile one 1,000-world chunk")
    parser.add_argument("--top", type=int, default=25, help="functions listed by --profile")
    args = parser.parse_args()

    if args.profile:
        print(f"load average before: {load_average()}")
        profile_chunk(1000, args.top)
        print(f"load average after: {load_average()}")
        return
    levels = args.levels or (5 if args.quick else 10)
    sizes = (
        [int(s.replace("_", "")) for s in args.sizes.split(",")]
        if args.sizes
        else ([1_000, 10_000] if args.quick else [1_000, 10_000, 100_000])
    )
    versions = f"Python {sys.version.split()[0]}, numpy {np.__version__}, mesa {mesa.__version__}"
    print(f"Machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable); {versions}")
    print(f"load average before: {load_average()}")
    print(f"commit: {commit()}")
    comparison = None if args.scaling_only else compare(levels, args.replicates, args.workers, args.engine)
    runs = scaling(sizes, args.engine)
    verdicts(comparison, runs)
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
