"""How much memory and disk a sweep will need, estimated before anything is written or allocated.

A sweep that cannot fit should be refused in one line, not die of a ``MemoryError``
halfway through building its design or be killed by the kernel with its folder half
written. :func:`estimate_sweep` works from the experiment's numbers alone (design size,
replicates, horizon, factors, metrics, series) and the execution options; it builds
nothing. :func:`check_fits` compares the estimate with what the machine has
(:mod:`simulator.base.resources`) and raises a :class:`~simulator.base.errors.UserError` naming
the estimate, what is available and what to change.

The coefficients below were measured, on Linux with Python 3.12, as stated in their
docstrings. The estimates are meant to be above the real use, never below it, and
within a factor of 1.5 of it for a chunk (1.25 times its traced peak, which the resident
set exceeds by about a tenth) and of 2 for a design (1.5 times the traced peak of
building it, plus the copy written to ``points.parquet``); ``tests/test_sweep.py`` checks
both against tracemalloc. On disk they are generous: they assume no compression.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from simulator.base.errors import UserError
from simulator.base.resources import available_memory, format_bytes, format_sizes, free_disk
from simulator.core.recorder import column_names
from simulator.sweeps.chunks import default_chunk_worlds
from simulator.sweeps.designs import design_size
from simulator.sweeps.executors import IN_FLIGHT_PER_WORKER
from simulator.sweeps.experiment import Experiment

WORLD_BYTES = 26_000
"""Memory of one world in a chunk, before its per-quarter part (:data:`WORLD_QUARTER_BYTES`).

Measured with tracemalloc's peak over :func:`simulator.sweeps.chunks.simulate_chunk` of one point of
400 replicates (US-retrenchment scenario): 29,554 bytes per world at a horizon of 12 quarters
and one series, 36,948 at 40 and 58,098 at 120, a straight line of 264 bytes per recorded step
above 26,100 bytes."""
WORLD_QUARTER_BYTES = 256
"""Memory per world and recorded step (horizon + 1 steps), whatever the series (same measurement)."""
SERIES_QUARTER_BYTES = 8
"""Memory per world, step and recorded series (one float64; same measurement: 8 series instead of
1 added 6,776 bytes per world over 121 steps, 8.0 bytes per series and step)."""
CHUNK_SAFETY = 1.25
"""Factor on a chunk's traced peak for what the process really takes: the resident set grew by
404 MB over a 10,000-world chunk of ``hedging_vs_deference`` (horizon 40) whose tracemalloc peak was
371 MB (1.09 times), and a worker keeps freed memory for its next chunk."""
WORKER_BASE_BYTES = 150_000_000
"""A local worker process before its first chunk: 99 MB resident when started by the fork server,
plus the experiment and pandas working memory (rounded up)."""
MAIN_BASE_BYTES = 250_000_000
"""The sweep process itself: 177 MB resident after importing the simulator, 215 MB once an experiment
is loaded and a small design built (rounded up)."""
FUSED_PROCESS_BYTES = 200_000_000
"""What a process that runs the fused engine's kernel adds once: importing numba (83 MiB more peak
resident set, ``ru_maxrss``) and compiling the kernel (107 MiB more), rounded up."""
FUSED_SERIES = len(column_names())
"""Series the fused kernel records whatever the sweep keeps (every column, 8 bytes per world and step)."""
FUSED_WORLD_BYTES = 18_000
"""Memory of one world in a fused chunk before its per-step part, which the kernel's spin-up keeps
below the NumPy engine's :data:`WORLD_BYTES`. tracemalloc peaks of
:func:`simulator.sweeps.chunks.simulate_chunk` on the fused engine, one point of 400 and of 1,000
replicates, one series, after a warm-up chunk: 27,300, 47,600 and 105,800 bytes per world at horizons
12, 40 and 120, a straight line of 727 bytes per recorded step above 17,900 bytes."""
FUSED_QUARTER_BYTES = 128
"""Memory per world and recorded step of a fused chunk besides its series (the statistics' working
arrays). tracemalloc peaks of :func:`simulator.sweeps.chunks.simulate_chunk` on the fused engine, 1,000
worlds after a warm-up chunk: 49.3 MB at a horizon of 40 and 107.5 MB at 120, 727 bytes per world and
step, of which the series are 480; this term keeps the estimate above the peak at 12 to 120 quarters."""
CHUNK_PLAN_BYTES = 1_500
"""The sweep process's memory per chunk of the plan: its :class:`~simulator.sweeps.chunks.Chunk`, its entry in
the manifest and the manifest's JSON text (tracemalloc peak while writing the manifest of 10^6
chunks: 1,080 bytes per chunk)."""
DESIGN_FACTOR = {"lhs": 10.0, "sobol": 5.0, "morris": 5.0}
"""Peak memory while a design is built and held, as a multiple of its table (8 bytes per point and
column, the point id included). tracemalloc peaks over :func:`simulator.sweeps.designs.design`, 2 and 5
factors: grid and random 2.0 times the table, sobol up to 4.0, morris up to 3.7, lhs (SALib's
permutations) up to 8.7; writing ``points.parquet`` copies the table once more. Methods not named
here take :data:`DESIGN_FACTOR_DEFAULT`."""
DESIGN_FACTOR_DEFAULT = 3.0
WORLD_ROW_BYTES = 8
"""Disk per world and column of ``worlds.parquet`` (point, replicate, factors, metrics): a float64 or
int64 uncompressed. Real files are smaller (26 bytes per row of 7 columns, against 56 here)."""
QUARTER_ROW_BYTES = 80
"""Disk per row of ``quarters.parquet`` (a point, series and step: 9 numbers and 2 labels); measured
69.5 bytes per row on a random design of 200 points."""
CHUNK_OUTPUT_BYTES = 100
"""Memory, in the sweep process, per world and per quarter row of a finished chunk waiting to be written."""


ANALYSIS_CELL_BYTES = 40
"""Memory of analysing a sweep, per world and column of ``worlds.parquet`` (reading it, sorting, filling
gaps, the per-point quantiles and the plots). Measured as the resident set's growth over
:func:`simulator.sweeps.analysis.analyze` of 1,000,000 and 4,000,000 worlds of 7 columns: 189 bytes per world
both times, 27 per column; rounded up by half."""
ANALYSIS_SERIES_ROW_BYTES = 400
"""Memory of analysing a sweep per row of ``quarters.parquet`` of the one series its envelopes draw:
the resident peak grew by 78 MB from 82,000 to 328,000 such rows (317 bytes per row), rounded up."""
ANALYSIS_SCAN_ROW_BYTES = QUARTER_ROW_BYTES
"""Memory per row of ``quarters.parquet`` of any series, since reading one series may scan them all."""


@dataclass(frozen=True)
class SweepSize:
    """What a sweep will need, before it runs.

    Attributes:
        points: Points of the design.
        replicates: Worlds per point.
        chunks: Chunks of the plan.
        chunk_worlds: Worlds of the largest chunk (a chunk holds whole points).
        processes: Worker processes on this machine running a chunk at once (0: chunks run in
            the sweep process itself; for a remote Dask scheduler, the workers are not on this machine).
        design_bytes: Peak memory of building and holding the design.
        main_bytes: Peak memory of the sweep process (with a chunk when it runs chunks itself).
        chunk_bytes: Memory of simulating the largest chunk.
        worker_bytes: Memory of one worker process running the largest chunk.
        disk_bytes: Disk for the tables, the parts and the manifest.
        threads: Worker threads of the sweep process running a chunk at once (the fused engine's
            local workers; their chunks are counted in ``main_bytes``).
    """

    points: int
    replicates: int
    chunks: int
    chunk_worlds: int
    processes: int
    design_bytes: int
    main_bytes: int
    chunk_bytes: int
    worker_bytes: int
    disk_bytes: int
    threads: int = 0

    @property
    def worlds(self) -> int:
        """Worlds of the whole sweep."""
        return self.points * self.replicates

    @property
    def memory_bytes(self) -> int:
        """Memory of the sweep process and all its local workers at once."""
        return self.main_bytes + self.processes * self.worker_bytes


def chunk_memory(worlds: int, horizon: int, series: int, engine: str = "numpy") -> int:
    """Memory of simulating a chunk of ``worlds`` worlds over ``horizon`` quarters, recording ``series`` series.

    The fused engine's kernel writes every series (:data:`FUSED_SERIES`) before the chunk keeps its
    own, so its chunk holds both; but it does not allocate the NumPy engine's per-quarter arrays
    (:data:`WORLD_QUARTER_BYTES`), only less (:data:`FUSED_QUARTER_BYTES`), so that the estimate of
    a fused chunk stays within 1.5 times its traced peak, as ``tests/test_engines.py`` checks.
    """
    if engine == "fused":
        per_step = FUSED_QUARTER_BYTES + SERIES_QUARTER_BYTES * (FUSED_SERIES + series)
        per_world = FUSED_WORLD_BYTES + (horizon + 1) * per_step
    else:
        per_step = WORLD_QUARTER_BYTES + SERIES_QUARTER_BYTES * series
        per_world = WORLD_BYTES + (horizon + 1) * per_step
    return math.ceil(worlds * per_world * CHUNK_SAFETY)


def design_memory(method: str, points: int, factors: int) -> int:
    """Peak memory of building a design of ``points`` points and ``factors`` factors and holding it."""
    return math.ceil(points * 8 * (factors + 1) * DESIGN_FACTOR.get(method, DESIGN_FACTOR_DEFAULT))


def recorded_series(experiment: Experiment) -> int:
    """Series a chunk records: the experiment's series and those its metrics read."""
    return len(dict.fromkeys([*experiment.series, *(m.series for m in experiment.metrics)]))


def estimate_sweep(
    experiment: Experiment,
    *,
    workers: int,
    chunk_worlds: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
) -> SweepSize:
    """The memory and disk a sweep will need, from the experiment's numbers alone.

    Args:
        experiment: The experiment.
        workers: Worker count the sweep will use.
        chunk_worlds: Worlds per chunk (None: the default for this size and worker count).
        executor: ``local`` or ``dask``.
        scheduler: A Dask scheduler's address (its workers are on other machines), or None.
    """
    points = design_size(experiment)
    replicates = experiment.replicates
    worlds = points * replicates
    size = chunk_worlds or default_chunk_worlds(worlds, workers)
    per_chunk = max(1, size // replicates)  # as simulator.sweeps.chunks.plan_chunks cuts the design
    chunks = -(-points // per_chunk)
    largest = min(points, per_chunk) * replicates
    horizon = experiment.scenario.horizon
    series = recorded_series(experiment)
    factors = len(experiment.factors)
    columns = 2 + factors + len(experiment.metrics)
    chunk = chunk_memory(largest, horizon, series, experiment.engine)
    engine = FUSED_PROCESS_BYTES if experiment.engine == "fused" else 0  # paid by each process running chunks
    output = CHUNK_OUTPUT_BYTES * (largest + min(points, per_chunk) * len(experiment.series) * (horizon + 1))
    threads = 0  # local workers that are threads of the sweep process (the fused engine's)
    if executor == "local":  # one worker runs the chunks in the sweep process; never more workers than chunks
        processes = 0 if workers == 1 else min(workers, chunks)
        if experiment.engine == "fused" and processes:
            threads, processes = processes, 0
    else:  # a loopback cluster's workers are here; a remote scheduler's are on other machines
        processes = 0 if scheduler is not None else workers
    design = design_memory(experiment.method, points, factors)
    in_flight = output * max(1, processes, threads) * IN_FLIGHT_PER_WORKER
    main = MAIN_BASE_BYTES + design + CHUNK_PLAN_BYTES * chunks + in_flight
    if processes == 0 and scheduler is None:
        main += chunk * max(1, threads) + engine
    worker = WORKER_BASE_BYTES * (2 if executor == "dask" else 1) + chunk + engine  # a Dask worker has a nanny
    tables = WORLD_ROW_BYTES * columns * worlds + QUARTER_ROW_BYTES * points * len(experiment.series) * (horizon + 1)
    disk = 2 * tables + 8 * (factors + 1) * points + 80 * chunks  # parts and joined tables side by side while joining
    return SweepSize(
        points=points,
        replicates=replicates,
        chunks=chunks,
        chunk_worlds=largest,
        processes=processes,
        design_bytes=design,
        main_bytes=main,
        chunk_bytes=chunk,
        worker_bytes=worker,
        disk_bytes=disk,
        threads=threads,
    )


def check_fits(
    experiment: Experiment,
    size: SweepSize,
    folder: Path,
    *,
    memory: int | None = None,
    disk: int | None = None,
    disk_used: int = 0,
) -> None:
    """Refuse a sweep whose estimate exceeds the machine's available memory or the folder's free disk.

    Args:
        experiment: The experiment (for the message's file).
        size: Its estimate (:func:`estimate_sweep`).
        folder: The sweep folder (it may not exist yet): its file system's free space counts.
        memory: Available memory in bytes (default: :func:`simulator.base.resources.available_memory`;
            the memory check is skipped when it cannot be told).
        disk: Free disk in bytes (default: :func:`simulator.base.resources.free_disk` of ``folder``).
        disk_used: Bytes the folder already holds toward the estimate (parts of a resumed sweep).

    Raises:
        UserError: one line: what is needed, what is available and what to change.
    """
    memory = available_memory() if memory is None else memory
    disk = free_disk(folder) if disk is None else disk
    disk_need = max(0, size.disk_bytes - disk_used)
    short_of_memory = memory is not None and size.memory_bytes > memory
    short_of_disk = disk_need > disk
    if not (short_of_memory or short_of_disk):
        return
    need_disk, free = format_sizes(disk_need, disk)
    lead = f"too big to run: {size.points:,} points x {size.replicates:,} replicates need about "
    if short_of_disk and short_of_memory:  # the disk first: only a smaller sweep (or another disk) fixes it
        assert memory is not None
        need_memory, available = format_sizes(size.memory_bytes, memory)
        text = f"{need_disk} of disk ({free} is free there) and {need_memory} of memory ({available} is available): "
        text += _fixes_for_both(_memory_fixes(size, memory, explain=False))
    elif short_of_disk:
        text = (
            f"{need_disk} of disk for the tables of {size.worlds:,} worlds and their parts, but {free} is free "
            f"there: use {DISK_FIX}"
        )
    else:
        assert memory is not None
        need_memory, available = format_sizes(size.memory_bytes, memory)
        text = (
            f"{need_memory} of memory ({_memory_parts(size)}), but {available} is available: use "
            f"{', or '.join(_memory_fixes(size, memory, explain=True))}"
        )
    raise UserError(lead + text, file=experiment.source or experiment.name)


DISK_FIX = "fewer replicates or a smaller design, or --out on a disk with more room"
"""What makes a sweep's tables fit the disk: fewer worlds, or more room."""
SMALLER = ("fewer replicates", "a smaller design")
"""The memory fixes that also shrink the disk a sweep needs."""


def _fixes_for_both(memory_fixes: list[str]) -> str:
    """What to change when neither the memory nor the disk suffices: first what fixes both, if anything does."""
    both = [f for f in memory_fixes if f in SMALLER]
    memory_only = [f for f in memory_fixes if f not in SMALLER]
    if not both:
        return f"for the disk use {DISK_FIX}; for the memory use {', or '.join(memory_only)}"
    disk_only = [f for f in SMALLER if f not in both] + ["--out on a disk with more room"]
    also = f"; for the memory also {' or '.join(memory_only)}" if memory_only else ""
    return f"use {' or '.join(both)} (for the disk also {' or '.join(disk_only)}{also})"


def _memory_parts(size: SweepSize) -> str:
    """Where the memory goes: the sweep process (the design and its chunk plan) and each worker's chunk."""
    if size.processes:
        return (
            f"sweep process {format_bytes(size.main_bytes)}: the design and {size.chunks:,} chunks; {size.processes} "
            f"workers of {format_bytes(size.worker_bytes)}: a chunk of {size.chunk_worlds:,} worlds each"
        )
    if size.threads:
        return (
            f"the design, {size.chunks:,} chunks and {size.threads} chunks of {size.chunk_worlds:,} worlds at once "
            "(one per worker thread), in the sweep process"
        )
    return f"the design, {size.chunks:,} chunks and a chunk of {size.chunk_worlds:,} worlds, in the sweep process"


def _memory_fixes(size: SweepSize, memory: int, *, explain: bool) -> list[str]:
    """What would make the sweep fit ``memory``, each a phrase after 'use' (``explain``: say why where it helps)."""
    fixed = size.main_bytes if size.processes else size.main_bytes - size.chunk_bytes * max(1, size.threads)
    workers = size.processes or size.threads
    fixes = []
    if fixed < memory:  # the chunks are what does not fit
        fit = (memory - fixed) // (size.worker_bytes if size.processes else size.chunk_bytes)
        if workers > 1 and fit >= 1:
            fixes.append("--workers 1" if fit == 1 else f"--workers {fit} or fewer")
        if size.chunk_worlds > size.replicates:
            fixes.append("a smaller --chunk-worlds")
        else:
            fixes.append("fewer replicates (--chunk-worlds cannot split a point)" if explain else "fewer replicates")
    if size.design_bytes + CHUNK_PLAN_BYTES * size.chunks > size.chunk_bytes * max(1, size.processes, size.threads):
        fixes.append("a smaller design")
    return fixes or list(SMALLER)


def analysis_memory(experiment: Experiment, points: int | None = None, worlds: int | None = None) -> int:
    """Memory of analysing (or comparing points of) a sweep of this experiment: its process and the tables it reads.

    Args:
        experiment: The sweep's experiment.
        points: Points of the sweep (default: the experiment's design size).
        worlds: Worlds of the sweep (default: points x replicates).
    """
    points = design_size(experiment) if points is None else points
    worlds = points * experiment.replicates if worlds is None else worlds
    columns = 2 + len(experiment.factors) + len(experiment.metrics)
    steps = experiment.scenario.horizon + 1
    series_rows = points * steps if experiment.series else 0
    scanned = points * steps * len(experiment.series)
    return (
        MAIN_BASE_BYTES
        + ANALYSIS_CELL_BYTES * columns * worlds
        + ANALYSIS_SERIES_ROW_BYTES * series_rows
        + ANALYSIS_SCAN_ROW_BYTES * scanned
    )


def check_analysis_fits(
    experiment: Experiment,
    *,
    file: str | Path,
    fix: str,
    points: int | None = None,
    worlds: int | None = None,
    memory: int | None = None,
) -> None:
    """Refuse to analyse a sweep whose tables would not fit this machine's available memory.

    A sweep streams its worlds to disk chunk by chunk, so it can be far larger than the memory;
    its analysis reads the whole worlds table at once and would otherwise be killed by the
    kernel halfway through its plots.

    Args:
        experiment: The sweep's experiment.
        file: What the message names (the experiment file, or the sweep folder).
        fix: What to do instead, a phrase after the colon.
        points: Points of the sweep (default: the design size).
        worlds: Worlds the tables hold (default: points x replicates).
        memory: Available memory in bytes (default: :func:`simulator.base.resources.available_memory`;
            the check is skipped when it cannot be told).

    Raises:
        UserError: one line with the estimate, what is available and ``fix``.
    """
    memory = available_memory() if memory is None else memory
    points = design_size(experiment) if points is None else points
    worlds = points * experiment.replicates if worlds is None else worlds
    need = analysis_memory(experiment, points, worlds)
    if memory is None or need <= memory:
        return
    need_text, available = format_sizes(need, memory)
    raise UserError(
        f"analysing {worlds:,} worlds needs about {need_text} of memory, but {available} is available: {fix}",
        file=file,
    )
