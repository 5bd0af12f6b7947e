"""Simulating a chunk of a sweep: whole points, all their replicates, in one lockstep model.

A chunk is a run of consecutive points. Its worlds are laid out point by point
(point p's replicates 0..R-1, then point p+1's), each world taking its point's
factor values as per-world parameter and shock overrides, and its random numbers
from (seed, replicate) alone. A world's numbers therefore do not depend on which
chunk it is in, how big the chunk is or which machine runs it, which is what makes
sweeps identical across executors, worker counts and chunk sizes. Replicate r of
every point shares its random numbers (common random numbers), so the difference
between two points is the effect of their inputs, not noise between worlds.

Keeping whole points in one chunk lets the per-quarter statistics over a point's
replicates be computed where the trajectories are, so that only a few numbers
per world leave the worker.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.base.calendar import quarter_label
from simulator.base.errors import UserError
from simulator.core.engines import build_model, fused_refusal, require_fused, simulate_series
from simulator.core.model import StrategicModel
from simulator.core.parameters import Structure
from simulator.core.state import WorldState
from simulator.sweeps.experiment import Experiment

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
"""Per-quarter quantiles kept per point and series (columns p05, p25, p50, p75, p95)."""
QUANTILE_COLUMNS = tuple(f"p{round(q * 100):02d}" for q in QUANTILES)

DEFAULT_CHUNK_WORLDS = 2000
"""Largest default chunk: a worker's memory grows with its chunk, while the cost per world has
stopped falling well before (:func:`simulate_chunk` with 10 replicates per point, best of 3, two
runs: 1.7-2.0 ms per world at 250 worlds, 1.7-1.9 ms from 1,000 to 8,000)."""
MIN_CHUNK_WORLDS = 250
"""Smallest default chunk: below it the cost per world rises (same measurement: 2.2 ms at 100 worlds,
3.2 ms at 50), as each quarter's fixed Python overhead is shared by fewer worlds."""


@dataclass(frozen=True)
class Chunk:
    """Points ``start`` to ``stop - 1`` of a design, simulated together.

    Attributes:
        index: Position in the plan (0, 1, …); names the chunk's part files.
        start: First point.
        stop: One past the last point.
    """

    index: int
    start: int
    stop: int

    @property
    def points(self) -> int:
        """Number of points in the chunk."""
        return self.stop - self.start


def plan_chunks(points: int, replicates: int, chunk_worlds: int) -> list[Chunk]:
    """Cut ``points`` into consecutive chunks of about ``chunk_worlds`` worlds, whole points each."""
    per_chunk = max(1, chunk_worlds // replicates)
    return [
        Chunk(index, start, min(start + per_chunk, points)) for index, start in enumerate(range(0, points, per_chunk))
    ]


def default_chunk_worlds(total_worlds: int, workers: int) -> int:
    """A chunk size that gives every worker several chunks (for balance and a smooth progress bar).

    Results do not depend on it; it only trades per-chunk overhead against balance.
    """
    balanced = math.ceil(total_worlds / max(1, 4 * workers))
    return int(min(DEFAULT_CHUNK_WORLDS, max(MIN_CHUNK_WORLDS, balanced)))


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk returns: a row per world and per-quarter statistics per point.

    Attributes:
        chunk: The chunk's index in the plan.
        worlds: ``point``, ``replicate``, every factor, every metric.
        quarters: ``point``, ``step``, ``quarter``, ``series``, ``mean``, ``sd`` and the quantiles.
        worker: The process that simulated it (``host:pid``), set by the executor.
    """

    chunk: int
    worlds: pd.DataFrame
    quarters: pd.DataFrame
    worker: str = ""


def world_overrides(
    experiment: Experiment, points: pd.DataFrame, replicates: int
) -> tuple[dict[str, np.ndarray], dict[tuple[str, str], np.ndarray]]:
    """Per-world parameter and shock overrides for ``points``, ``replicates`` worlds each, point by point."""
    parameter_overrides: dict[str, np.ndarray] = {}
    shock_overrides: dict[tuple[str, str], np.ndarray] = {}
    for factor in experiment.factors:
        per_world = np.repeat(factor.model_values(points[factor.name].to_numpy()), replicates)
        if factor.shock is None:
            parameter_overrides[factor.name] = per_world
        else:
            shock_overrides[(factor.shock, factor.shock_field or "")] = per_world
    return parameter_overrides, shock_overrides


def check_engine(experiment: Experiment) -> None:
    """Refuse the fused engine, before any work, where it could not run every chunk.

    numba must be installed, no factor may vary a structural option the kernel does not
    implement, and the base scenario (its parameters, ``set`` values and shocks) must be one the
    kernel covers: a one-world model of it is built and asked. Without this check each chunk
    would fail on its own, after the sweep's folder and workers were set up. The NumPy engine
    runs everything, so it is not checked.

    Raises:
        UserError: one line naming the cause and the fix.
    """
    if experiment.engine != "fused":
        return
    require_fused()
    from simulator.core.fused_coverage import STRUCTURAL_OPTIONS

    file = experiment.source
    varied = next((f.name for f in experiment.factors if f.name in STRUCTURAL_OPTIONS), None)
    if varied is not None:
        raise UserError(
            f"fused covers the calibration's default structure only, and this experiment varies {varied}: "
            "use engine numpy, or hold it at 0",
            file=file,
            field="engine",
        )
    model = StrategicModel(  # the question needs the model's inputs, not its settled state
        experiment.scenario.with_overrides(seed=experiment.seed), replicates=np.arange(1), spin_up=_not_settled
    )
    refusal = fused_refusal(model)
    if refusal is not None:
        raise UserError(f"fused cannot run this experiment: {refusal}; use engine numpy", file=file, field="engine")


def _not_settled(model: StrategicModel, params: dict[str, np.ndarray], structure: Structure) -> WorldState:
    """A spin-up that skips the quarters: for a model built only to be asked what it contains."""
    return model.initial_state(params, structure)


def simulate_chunk(experiment: Experiment, points: pd.DataFrame, chunk: int = 0) -> ChunkResult:
    """Simulate every replicate of the given points (rows of the design) in one model.

    The quarters run on the experiment's engine (:mod:`simulator.core.engines`); a world's
    numbers do not depend on the chunk on either engine.

    Args:
        experiment: The experiment (scenario, factors, metrics, series, seed, engine).
        points: Consecutive rows of :func:`simulator.sweeps.designs.design`.
        chunk: The chunk's index, carried into the result.
    """
    replicates = experiment.replicates
    point_ids = points["point"].to_numpy()
    n_points = len(point_ids)
    parameter_overrides, shock_overrides = world_overrides(experiment, points, replicates)
    scenario = experiment.scenario.with_overrides(seed=experiment.seed)
    model = build_model(
        experiment.engine,
        scenario,
        replicates=np.tile(np.arange(replicates), n_points),
        overrides=parameter_overrides,
        shock_overrides=shock_overrides,
    )
    needed = list(dict.fromkeys([*experiment.series, *(m.series for m in experiment.metrics)]))
    values = simulate_series(model, experiment.engine, needed)

    columns: dict[str, np.ndarray] = {
        "point": np.repeat(point_ids, replicates).astype(np.int64),
        "replicate": model.replicates.astype(np.int64),
    }
    for factor in experiment.factors:
        columns[factor.name] = np.repeat(points[factor.name].to_numpy(dtype=float), replicates)
    for metric in experiment.metrics:
        columns[metric.name] = metric.compute(values[:, needed.index(metric.series), :])
    worlds = pd.DataFrame(columns)
    quarters = _quarter_statistics(experiment, values, needed, point_ids)
    return ChunkResult(chunk, worlds, quarters)


def _quarter_statistics(
    experiment: Experiment, recorded: np.ndarray, needed: list[str], point_ids: np.ndarray
) -> pd.DataFrame:
    """Mean, standard deviation and quantiles over each point's replicates, per quarter and series."""
    scenario = experiment.scenario
    steps = scenario.horizon + 1
    n_points = len(point_ids)
    labels = np.array([quarter_label(scenario.start - 1 + s) for s in range(steps)])
    frames = []
    for series in experiment.series:
        values = recorded[:, needed.index(series), :].reshape(steps, n_points, experiment.replicates)
        stats = {
            "mean": values.mean(axis=2),
            "sd": values.std(axis=2, ddof=1) if experiment.replicates > 1 else np.zeros((steps, n_points)),
        }
        for column, q in zip(QUANTILE_COLUMNS, np.quantile(values, QUANTILES, axis=2), strict=True):
            stats[column] = q
        frame = pd.DataFrame(
            {
                "point": np.tile(point_ids, steps).astype(np.int64),
                "step": np.repeat(np.arange(steps), n_points).astype(np.int64),
                "quarter": np.repeat(labels, n_points),
                "series": series,
            }
        )
        for column, table in stats.items():
            frame[column] = table.reshape(-1)
        frames.append(frame)
    quarters = pd.concat(frames, ignore_index=True)
    return quarters.sort_values(["point", "series", "step"], kind="stable", ignore_index=True)
