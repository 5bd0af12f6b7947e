"""Running a sweep: the Python API behind ``eujsim sweep``.

``run_sweep("experiments/hedging_vs_deference.yaml")`` builds the design, cuts it
into chunks of whole points, runs them on an executor and streams every finished
chunk to a Parquet part file in the sweep folder. When all chunks are in, the parts
are joined, in plan order, into ``worlds.parquet`` and ``quarters.parquet``.

The folder is the sweep's only state. It appears whole: its first files and the
manifest are written in a temporary folder beside it, which is then renamed into
place. A chunk's part is written to a temporary file and renamed, so it is either
whole or absent; ``--resume`` (``resume=True``) reruns exactly the chunks without
their parts, with the chunk plan stored in ``manifest.json``, and the joined files
come out byte for byte as an uninterrupted sweep's would. A chunk that raises is
written to ``errors/`` and the others go on.

A sweep folder has one owner at a time: the process running or resuming it holds its
lock (:mod:`simulator.storage.locks`) until the manifest is final, so a second ``--resume``
is refused instead of joining half the parts. The manifest says ``complete`` only
when every chunk of the plan has its parts and the joined tables hold every world;
it records their row counts (``rows``), and :attr:`SweepResult.shortfall` is the one
check every reader (analysis, compare, report) makes against them.

Folder layout::

    experiment.yaml      the resolved experiment (scenario inline; re-runnable)
    scenario.yaml        the resolved base scenario
    manifest.json        provenance, design, chunk plan, status, failures, timings
    points.parquet       the design: point, one column per factor
    worlds.parquet       one row per world: point, replicate, factors, metrics
    quarters.parquet     per point, series and step: mean, sd, p05, p25, p50, p75, p95
    parts/               chunk files while the sweep is incomplete
    errors/              one traceback per failed chunk
    plots/, indices/     written by :func:`simulator.sweeps.analysis.analyze`
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import multiprocessing
import os
import re
import shlex
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from simulator.base.calendar import quarter_label
from simulator.base.errors import IncompleteSweepWarning, UserError, clip
from simulator.base.paths import not_found
from simulator.base.progress import Progress
from simulator.core.engines import DEFAULT_ENGINE, check_engine_name
from simulator.inputs.documented_ranges import MANIFEST_KEY
from simulator.inputs.files import is_experiment_file
from simulator.runs.manifest import environment, now_utc, package_version
from simulator.storage.locks import LOCK_FILE, FolderLock, is_locked, owning
from simulator.storage.output import (
    RESULTS_ROOT,
    atomic_file,
    atomic_folder,
    check_writable,
    folder_name,
    free_folder,
    remove_abandoned,
    write_text_atomically,
)
from simulator.storage.ownership import KIND_NAMES, folder_kind, is_temporary
from simulator.sweeps.chunks import (
    Chunk,
    ChunkResult,
    check_engine,
    default_chunk_worlds,
    plan_chunks,
    simulate_chunk,
)
from simulator.sweeps.designs import design, design_size
from simulator.sweeps.executors import ChunkFailure, ChunkFunction, Task, check_executor, default_workers, make_executor
from simulator.sweeps.experiment import Experiment, load_experiment
from simulator.sweeps.sweep_size import check_analysis_fits, check_fits, estimate_sweep

EXPERIMENT_FILE = "experiment.yaml"
SCENARIO_FILE = "scenario.yaml"
MANIFEST_FILE = "manifest.json"
POINTS_FILE = "points.parquet"
WORLDS_FILE = "worlds.parquet"
QUARTERS_FILE = "quarters.parquet"
PARTS_DIR = "parts"
ERRORS_DIR = "errors"
PART_KINDS = ("worlds", "quarters")
"""The parts every chunk writes; a chunk is done when it has both."""
FORMAT_VERSION = 1
SWEEP_DEPENDENCIES = ("mesa", "numpy", "pandas", "pyarrow", "SALib", "scipy", "dask", "distributed")


class SweepInterruptedError(Exception):
    """The sweep was stopped (Ctrl-C); finished chunks are on disk and ``--resume`` continues it."""

    def __init__(self, folder: Path, done: int, total: int) -> None:
        super().__init__(f"interrupted after {done} of {total} chunks")
        self.folder = folder
        self.done = done
        self.total = total


@dataclass
class SweepResult:
    """A sweep folder: its experiment, manifest and tables.

    Reading the tables of a sweep that is not complete, or whose tables do not hold the rows its
    manifest promises, warns (:class:`IncompleteSweepWarning`) with :attr:`shortfall`. A table that
    cannot be read is a :class:`~simulator.base.errors.UserError` naming the file and what to do; an
    unfinished sweep's part file that cannot be read, or does not hold its chunk's rows, is left out
    (and named in :attr:`shortfall`), since ``--resume`` reruns its chunk.

    Attributes:
        folder: Where the sweep lives.
        experiment: The resolved experiment.
        manifest: The parsed ``manifest.json``.
    """

    folder: Path
    experiment: Experiment
    manifest: dict[str, Any]
    _warned: bool = dataclasses.field(default=False, init=False, repr=False, compare=False)
    _parts: tuple[list[Chunk], list[str]] | None = dataclasses.field(
        default=None, init=False, repr=False, compare=False
    )
    _unreadable: set[int] = dataclasses.field(default_factory=set, init=False, repr=False, compare=False)

    @property
    def complete(self) -> bool:
        """Whether every chunk finished (as the manifest says; :attr:`shortfall` checks the tables)."""
        return self.manifest.get("status") == "complete"

    @property
    def failures(self) -> list[dict[str, Any]]:
        """Failed chunks: index, points, error and the traceback file."""
        return list(self.manifest.get("failures", []))

    @property
    def expected_worlds(self) -> int:
        """Worlds of the whole design: points x replicates."""
        return int(self.manifest.get("points", 0)) * self._rows_per_point()["worlds"]

    def expected_quarter_rows(self) -> int:
        """Rows of ``quarters.parquet`` of the whole design: points x series x (horizon + 1)."""
        return int(self.manifest.get("points", 0)) * self._rows_per_point()["quarters"]

    def _rows_per_point(self) -> dict[str, int]:
        """Rows each point has in each table, as the manifest (or else the experiment) says."""
        horizon = self.manifest.get("scenario", {}).get("horizon_quarters", self.experiment.scenario.horizon)
        series = self.manifest.get("series", self.experiment.series)
        replicates = self.manifest.get("replicates", self.experiment.replicates)
        return rows_per_point(int(replicates), len(series), int(horizon))

    def row_count(self, kind: str = "worlds") -> int:
        """Rows a reader gets from :meth:`worlds` (or :meth:`quarters`), from the Parquet footers alone.

        Raises:
            UserError: naming a joined table that cannot be read, and what to do.
        """
        total = 0
        for file in self._files(kind, WORLDS_FILE if kind == "worlds" else QUARTERS_FILE):
            try:
                total += pq.read_metadata(file).num_rows
            except (OSError, ValueError, pa.ArrowException) as exc:  # pyarrow's ArrowInvalid is a ValueError
                raise self._damaged(file, _first_line(exc)) from None
        return total

    @property
    def shortfall(self) -> str | None:
        """What a reader of this sweep must be told about missing rows, or None when every row is there.

        A complete sweep's ``worlds.parquet`` must hold points x replicates rows and its
        ``quarters.parquet`` points x series x (horizon + 1), and both the rows the manifest recorded
        when they were joined; anything else means the folder was changed after the sweep (or written by
        two processes at once, which sweeps before the folder lock allowed). A sweep that is not
        complete (failed, interrupted, still running) says how many of its worlds have results, and
        which of its part files were left out as damaged. Counting reads only the Parquet footers; a
        table that cannot be read is named here, with what to do.
        """
        expected = self.expected_worlds
        design = f"{self.manifest.get('points', 0):,} points x {self.manifest.get('replicates', 0):,} replicates"
        try:
            worlds, quarters = self.row_count("worlds"), self.row_count("quarters")
        except UserError as exc:
            return str(exc)
        if not self.complete:
            status = self.manifest.get("status", "unknown")
            if is_locked(self.folder):
                status += "', still being written"
            elif status in ("created", "running"):
                status += "', but no process is writing it: it was stopped"
            else:
                status += "'"
            return (
                f"the sweep is incomplete (status '{status}): {worlds:,} of its {expected:,} worlds "
                f"({design}) have results, and what is computed from it covers those only{self._damage_note()}; "
                f"{self._remedy()}"
            )
        recorded = self.manifest.get("rows", {})
        if worlds != expected:
            what = f"{WORLDS_FILE} holds {worlds:,} worlds where the design has {expected:,} ({design})"
        elif worlds != recorded.get("worlds", worlds):
            what = f"{WORLDS_FILE} holds {worlds:,} rows where the manifest recorded {recorded['worlds']:,}"
        elif quarters != self.expected_quarter_rows():
            what = f"{QUARTERS_FILE} holds {quarters:,} rows where the design has {self.expected_quarter_rows():,}"
        elif quarters != recorded.get("quarters", quarters):
            what = f"{QUARTERS_FILE} holds {quarters:,} rows where the manifest recorded {recorded['quarters']:,}"
        else:
            return None
        return (
            f"the manifest says the sweep is complete but {what}: the folder was changed after the sweep, or "
            "written by two processes at once (which sweeps before the folder lock allowed); its numbers cover "
            f"only what is there: {self._remedy()}"
        )

    def _remedy(self) -> str:
        """What to do about missing or damaged results: resume an unfinished sweep, rerun a complete one."""
        command = f"eujsim sweep {shlex.quote(str(self.folder / EXPERIMENT_FILE))}"
        if self.complete or (self.manifest.get("status") == "incomplete" and not self.manifest.get("missing_chunks")):
            return f"run the sweep again into a new folder (`{command} --out NEW_FOLDER`)"
        return f"`{command} --resume --out {shlex.quote(str(self.folder))}` runs the rest"

    def _damaged(self, path: Path, reason: str = "not a readable Parquet file") -> UserError:
        """The error for a table of this sweep that cannot be read: which file, and what to do."""
        return UserError(f"is damaged ({clip(reason, 120)}); {self._remedy()}", file=path)

    def _damage_note(self) -> str:
        """The part files left out as damaged, for :attr:`shortfall` ('' when there are none)."""
        if not self._reads_parts():
            return ""
        unreadable = [_part_name(kind, i) for i in sorted(self._unreadable) for kind in PART_KINDS]
        damaged = list(dict.fromkeys([*self._chunk_parts()[1], *unreadable]))
        if not damaged:
            return ""
        shown = ", ".join(f"{PARTS_DIR}/{name}" for name in damaged[:3])
        more = f" and {len(damaged) - 3} more" if len(damaged) > 3 else ""
        files, its = ("file", "its chunk") if len(damaged) == 1 else ("files", "their chunks")
        return f"; {len(damaged)} damaged part {files} ({shown}{more}) left out, --resume runs {its} again"

    def _warn(self) -> None:
        """Warn, once per opened sweep, when its tables miss rows."""
        if self._warned:
            return
        self._warned = True
        text = self.shortfall
        if text:
            warnings.warn(f"{self.folder}: {text}", IncompleteSweepWarning, stacklevel=3)

    def points(self) -> pd.DataFrame:
        """The design: ``point`` and one column per factor.

        Raises:
            UserError: if ``points.parquet`` cannot be read, naming it and what to do.
        """
        path = self.folder / POINTS_FILE
        try:
            return pd.read_parquet(path)
        except FileNotFoundError:
            raise UserError(f"is missing; {self._remedy()}", file=path) from None
        except (OSError, ValueError, pa.ArrowException) as exc:
            raise self._damaged(path, _first_line(exc)) from None

    def worlds(self) -> pd.DataFrame:
        """One row per finished world: ``point``, ``replicate``, every factor, every metric."""
        self._warn()
        return self._finished("worlds", WORLDS_FILE)

    def quarters(self, series: str | None = None) -> pd.DataFrame:
        """Per-quarter statistics per finished point (optionally of one series)."""
        self._warn()
        return self._finished("quarters", QUARTERS_FILE, [("series", "==", series)] if series else None)

    def _reads_parts(self) -> bool:
        """Whether readers take the rows from ``parts/``: an unfinished sweep that has part files.

        A complete sweep has the joined files. An unfinished one keeps its chunks in ``parts/``, which
        hold everything finished so far; its joined files, if any, may be from an earlier session and
        miss the chunks finished since.
        """
        return not self.complete and any((self.folder / PARTS_DIR).glob("*.parquet"))

    def _chunk_parts(self) -> tuple[list[Chunk], list[str]]:
        """The chunks whose two parts hold their rows, and the part files that are damaged (read once)."""
        if self._parts is None:
            plan = _plan(self.folder, self.manifest)
            self._parts = check_parts(self.folder / PARTS_DIR, plan, self._rows_per_point())
        return self._parts

    def _files(self, kind: str, joined: str) -> list[Path]:
        """The files holding every finished chunk's rows of ``kind`` (see :meth:`_reads_parts`)."""
        if self._reads_parts():
            done = [c for c in self._chunk_parts()[0] if c.index not in self._unreadable]
            return [self.folder / PARTS_DIR / _part_name(kind, c.index) for c in done]
        return [self.folder / joined] if (self.folder / joined).is_file() else []

    def _finished(self, kind: str, joined: str, filters: list[tuple[str, str, str]] | None = None) -> pd.DataFrame:
        """Rows of every finished chunk, or an empty table when none has finished.

        A part that cannot be read after all (its footer could) is left out like a damaged one.

        Raises:
            UserError: for a joined table that cannot be read.
        """
        frames = []
        for file in self._files(kind, joined):
            try:
                frames.append(pd.read_parquet(file, filters=filters))
            except (OSError, ValueError, pa.ArrowException) as exc:
                if file.name == joined:
                    raise self._damaged(file, _first_line(exc)) from None
                self._unreadable.add(int(file.stem.rpartition("-")[2]))
        if not frames:
            return pd.DataFrame()
        return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)

    def point_means(self) -> pd.DataFrame:
        """Every metric averaged over each point's replicates, with the point's factor values."""
        worlds = self.worlds()
        columns = [m.name for m in self.experiment.metrics]
        means = worlds.groupby("point", sort=True)[columns].mean()
        return self.points().set_index("point").join(means).reset_index()


def open_sweep(folder: str | Path) -> SweepResult:
    """Open an existing sweep folder (for analysis, or to resume it).

    Raises:
        UserError: if the folder is not a sweep folder, or its manifest cannot be read.
    """
    folder = Path(folder)
    manifest_path = folder / MANIFEST_FILE
    if not folder.exists():
        raise not_found(folder, "not found", "give the folder an `eujsim sweep` wrote", expect="folder")
    if not folder.is_dir():
        raise UserError(_not_a_folder(folder), file=folder)
    kind = folder_kind(folder)
    if kind not in (None, "sweep"):
        raise UserError(f"is {KIND_NAMES[kind]}, not a sweep folder; give a folder `eujsim sweep` wrote", file=folder)
    if not manifest_path.is_file() or not (folder / EXPERIMENT_FILE).is_file():
        raise UserError(
            f"is not a sweep folder (no {MANIFEST_FILE} and {EXPERIMENT_FILE}); give the folder `eujsim sweep` wrote",
            file=folder,
        )
    manifest = _read_manifest(folder)
    experiment = load_experiment(folder / EXPERIMENT_FILE)
    return SweepResult(folder, experiment, manifest)


def _not_a_folder(path: Path) -> str:
    """What to say when a file is given where a sweep folder is needed."""
    if folder_kind(path.parent) == "sweep":
        return f"is a file of the sweep folder {path.parent}; give the folder itself"
    if is_experiment_file(path):
        return f"is an experiment file; run it with `eujsim sweep {shlex.quote(str(path))}`, then give its folder"
    return "is a file, not a sweep folder; give the folder `eujsim sweep` wrote (results/<experiment name> by default)"


def run_sweep(
    experiment: str | Path | Experiment,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    chunk_worlds: int | None = None,
    resume: bool = False,
    progress: bool | None = None,
    command_line: list[str] | None = None,
    chunk_function: ChunkFunction = simulate_chunk,
    engine: str | None = None,
) -> SweepResult:
    """Run (or resume) a sweep and return its folder.

    The sweep is checked first (options, folder, and whether its memory and disk fit: see
    :mod:`simulator.sweeps.sweep_size`), before anything is written or allocated. The folder is locked
    from the moment it appears (or, on resume, before its manifest is read) until its manifest is final.

    Args:
        experiment: Experiment file or resolved experiment.
        out: Sweep folder. Default ``results/<experiment name>`` (``-2``, ``-3``, … if taken);
            with ``resume``, the newest unfinished sweep of this experiment there that no process is writing.
        workers: Worker processes (default: all cores; 1 runs in this process).
        executor: ``local`` or ``dask``.
        scheduler: Dask scheduler address (default: a loopback cluster of ``workers``).
        chunk_worlds: Worlds per chunk (rounded to whole points); results do not depend on it.
        resume: Continue the unfinished sweep in ``out``, rerunning only missing or failed chunks.
        progress: Progress bar (True), log lines (False), or choose by whether stderr is a terminal.
        command_line: Recorded in the manifest.
        chunk_function: What runs a chunk (tests substitute one that fails).
        engine: ``numpy`` or ``fused`` (:mod:`simulator.core.engines`), overriding the experiment's
            ``engine``; None keeps the experiment's (``numpy`` unless it says otherwise). Recorded in the
            manifest, as the two engines agree to about 1e-15 but not bit for bit.

    Raises:
        UserError: for a bad experiment, an unusable folder, a folder another process is writing,
            a changed experiment on resume, or a sweep too big for this machine.
        SweepInterruptedError: on Ctrl-C, after recording what finished.
    """
    refuse_in_a_starting_worker()
    if not isinstance(experiment, Experiment):
        experiment = load_experiment(experiment)
    experiment = with_engine(experiment, engine)
    workers = check_options(workers, chunk_worlds, executor, scheduler)
    folder = check_sweep(
        experiment,
        out,
        workers=workers,
        chunk_worlds=chunk_worlds,
        executor=executor,
        scheduler=scheduler,
        resume=resume,
    )
    with contextlib.ExitStack() as held:
        manifest = None
        if resume:
            held.enter_context(owning(folder, "resume this sweep"))
            manifest = _check_resumable(folder, experiment)  # read again, now that no one else can change it
        if manifest is not None:
            plan = _plan(folder, manifest)
            points = design(experiment)
            _restore_points(folder, points)
        else:  # a new sweep, or a resumed folder that an interrupted start left without a manifest
            size = chunk_worlds or default_chunk_worlds(design_size(experiment) * experiment.replicates, workers)
            points = design(experiment)
            plan = plan_chunks(len(points), experiment.replicates, size)
            # A default folder another sweep took meanwhile gives way to the next free number; the new
            # folder is locked from the moment it appears, by the lock its temporary folder held.
            manifest, folder, lock = _start_folder(
                folder, experiment, points, plan, size, command_line, in_place=resume, renumber=out is None
            )
            if lock is not None:
                held.callback(lock.release)
        return _run(folder, experiment, manifest, plan, points, workers, executor, scheduler, progress, chunk_function)


def _run(
    folder: Path,
    experiment: Experiment,
    manifest: dict[str, Any],
    plan: list[Chunk],
    points: pd.DataFrame,
    workers: int,
    executor: str,
    scheduler: str | None,
    progress: bool | None,
    chunk_function: ChunkFunction,
) -> SweepResult:
    """Run the plan's unfinished chunks in a folder this process owns, join them and finish the manifest."""
    parts = folder / PARTS_DIR
    for place in (folder, parts):  # temporary files of a killed session; no one else writes here now
        remove_abandoned(place)
    per_point = rows_per_point(experiment.replicates, len(experiment.series), experiment.scenario.horizon)
    # A chunk is done when both its parts hold its rows; one whose part is damaged (cut, emptied, not
    # Parquet) runs again, as does one whose part the last join could not read after all.
    done, damaged = check_parts(parts, plan, per_point)
    rerun = set(manifest.get("missing_chunks", []))
    finished_before = {c.index for c in done} - rerun
    todo = [c for c in plan if c.index not in finished_before]
    for chunk in todo:
        (folder / ERRORS_DIR / f"chunk-{chunk.index:06d}.txt").unlink(missing_ok=True)
    # A local sweep never starts more processes than it has chunks; one chunk runs in this process.
    local_workers = workers if executor != "local" else min(workers, len(todo))
    manifest.update(status="running", executor=executor, workers=local_workers, scheduler=scheduler)
    session: dict[str, Any] = {
        "started_utc": now_utc(),
        "chunks": len(todo),
        "executor": executor,
        "workers_requested": workers,
    }
    if damaged:
        session["damaged_parts"] = damaged
    manifest.setdefault("sessions", []).append(session)
    _write_manifest(folder, manifest)

    started = time.perf_counter()
    failures: dict[int, ChunkFailure] = {}
    ran_on: dict[str, int] = {}
    total_worlds = len(points) * experiment.replicates
    done_worlds = total_worlds - sum(c.points for c in todo) * experiment.replicates
    runner = make_executor(executor, local_workers, scheduler, experiment.engine) if todo else None
    reporter = Progress(total_worlds, done_worlds, label=experiment.name, bar=progress)  # after a refused --scheduler
    tasks = (Task(c.index, points.iloc[c.start : c.stop].reset_index(drop=True)) for c in todo)  # one at a time
    by_index = {c.index: c for c in plan}
    finished = len(plan) - len(todo)
    try:
        for outcome in runner.run(chunk_function, experiment, tasks) if runner else ():
            chunk = by_index[outcome.chunk]
            if outcome.worker:
                ran_on[outcome.worker] = ran_on.get(outcome.worker, 0) + 1
            if isinstance(outcome, ChunkFailure):
                failures[chunk.index] = outcome
                _record_failure(folder, chunk, outcome, experiment.replicates)
            else:
                _write_part(parts, outcome)
            finished += 1
            reporter.advance(chunk.points * experiment.replicates, failed=len(failures))
        if runner:
            session.update(_workers_record(runner.workers, runner.present_workers(), ran_on))
    except KeyboardInterrupt:
        manifest["status"] = "interrupted"
        session.update(_workers_record(runner.workers if runner else 0, None, ran_on))
        session["seconds"] = round(time.perf_counter() - started, 3)
        manifest["workers"] = session["workers"]
        _write_manifest(folder, manifest)
        raise SweepInterruptedError(folder, finished, len(plan)) from None
    finally:  # also on any other error, so no worker is left running chunks
        reporter.close()
        if runner:
            runner.close()

    session.setdefault("workers", 0)  # nothing to run: no executor was started
    session["seconds"] = round(time.perf_counter() - started, 3)
    manifest["workers"] = session["workers"]
    manifest["failures"] = [
        {
            "chunk": index,
            "points": [by_index[index].start, by_index[index].stop - 1],
            "error": failure.error,
            "traceback": f"{ERRORS_DIR}/chunk-{index:06d}.txt",
        }
        for index, failure in sorted(failures.items())
    ]
    missing, rows = _join_parts(folder, plan, per_point)
    steps = experiment.scenario.horizon + 1
    expected = {"worlds": total_worlds, "quarters": len(points) * len(experiment.series) * steps}
    manifest["rows"] = rows
    manifest["missing_chunks"] = [c for c in missing if c not in failures]
    if failures:
        manifest["status"] = "failed"
    elif missing or rows != expected:
        manifest["status"] = "incomplete"
    else:
        manifest["status"] = "complete"
    manifest["finished_utc"] = now_utc()
    if manifest["status"] == "complete":
        shutil.rmtree(parts, ignore_errors=True)
        shutil.rmtree(folder / ERRORS_DIR, ignore_errors=True)
    if not manifest["missing_chunks"]:
        del manifest["missing_chunks"]
    _write_manifest(folder, manifest)
    return SweepResult(folder, experiment, manifest)


def _workers_record(started: int, present: list[str] | None, ran_on: dict[str, int]) -> dict[str, Any]:
    """A session's workers: how many the executor had, and which processes ran chunks (how many each).

    Where the executor can tell, also how many were connected at the end and which of those that ran
    chunks were gone by then (lost).
    """
    record: dict[str, Any] = {"workers_started": started, "workers": len(ran_on), "chunks_per_worker": ran_on}
    if present is not None:
        record["workers_at_end"] = len(present)
        record["workers_lost"] = sorted(set(ran_on) - set(present))
    return record


def with_engine(experiment: Experiment, engine: str | None) -> Experiment:
    """``experiment`` to run on ``engine`` (None keeps its own), the name checked.

    Raises:
        UserError: for a name that is not an engine.
    """
    if engine is None or engine == experiment.engine:
        return experiment
    return dataclasses.replace(experiment, engine=check_engine_name(engine))


def run_complete_sweep(
    experiment: Experiment,
    out: str | Path,
    *,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    chunk_worlds: int | None = None,
    progress: bool | None = False,
) -> SweepResult:
    """Run a sweep as one step of a larger computation, which needs every world of it.

    A report, a calibration or :func:`simulator.evaluate_points` cannot go on from part of a
    sweep, as ``eujsim sweep`` can by resuming, so a sweep that did not complete is an error
    here, naming the first failed chunk's error (its folder may be temporary and gone by the
    time anyone reads the message). The options are :func:`run_sweep`'s; ``progress`` is off
    (log lines) by default, as such a sweep is not the caller's main output.

    Raises:
        UserError: for everything :func:`run_sweep` refuses, and for a sweep that did not complete.
    """
    result = run_sweep(
        experiment,
        out,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        chunk_worlds=chunk_worlds,
        progress=progress,
    )
    if result.complete:
        return result
    failures = result.failures
    if failures:
        chunks = len(result.manifest.get("chunks", []))
        first = clip(failures[0]["error"], 200).rstrip(".")
        reason = f"{len(failures)} of its {chunks} chunks failed, the first with {first}"
        if failures[0]["error"].startswith(BROKEN_POOL):
            reason += f"; {BROKEN_POOL_HINT}"
    else:
        reason = result.shortfall or f"its status is '{result.manifest.get('status')}'"
    raise UserError(f"the sweep '{clip(experiment.name)}' did not finish: {reason}", file=result.folder)


def refuse_in_a_starting_worker() -> None:
    """Refuse a sweep that a worker process would start while it imports the script that started the sweep.

    Each worker process imports the script that started its sweep. A script that starts the
    sweep outside ``if __name__ == "__main__":`` therefore starts it again in every worker, which
    Python refuses only once the worker tries to start processes of its own; by then the
    worker's sweep has made its (temporary) folder, which the parent, stopping its dead pool,
    may kill the worker before removing. This stops it first, with the fix, by the flag
    :mod:`multiprocessing` itself reads for that refusal (set while a new process imports the
    parent's main module).

    Raises:
        UserError: in a worker process that is still importing the parent's script.
    """
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise UserError(
            "a sweep was started while a worker process imported the script that started the sweep: start it "
            'under `if __name__ == "__main__":` (docs/sweeps.md), or use workers=1'
        )


BROKEN_POOL = "BrokenProcessPool"
"""How a chunk's error starts when its worker process stopped abruptly."""
BROKEN_POOL_HINT = (
    "worker processes stopped abruptly: a script that starts a sweep with more than one worker must start it "
    'under `if __name__ == "__main__":`, since each worker imports the script (docs/sweeps.md), or use workers=1; '
    "otherwise a worker may have run out of memory"
)
"""What to do when every worker died, in one line: the usual cause is a script without the guard."""


@contextlib.contextmanager
def temporary_sweep(
    experiment: Experiment,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    chunk_worlds: int | None = None,
    progress: bool | None = False,
) -> Iterator[SweepResult]:
    """Run a whole sweep (:func:`run_complete_sweep`) for the duration of a ``with`` block.

    Code that only needs a sweep's numbers (the joint ranges of the validation patterns, a batch
    of points from outside tools) reads them inside the block; the folder, written in the
    system's temporary folder, is removed when the block ends, however it ends, so nothing is
    left behind. Given ``out``, the sweep goes there instead and stays: an ordinary sweep folder
    that ``eujsim analyze`` reads.

    Yields:
        The finished sweep.
    """
    refuse_in_a_starting_worker()  # before its temporary folder is made
    options: dict[str, Any] = {
        "workers": workers,
        "executor": executor,
        "scheduler": scheduler,
        "chunk_worlds": chunk_worlds,
        "progress": progress,
    }
    if out is not None:
        yield run_complete_sweep(experiment, out, **options)
        return
    with tempfile.TemporaryDirectory(prefix=f"eujsim-{folder_name(experiment.name, 'sweep')[:40]}-") as tmp:
        try:
            result = run_complete_sweep(experiment, Path(tmp) / "sweep", **options)
        except UserError as exc:
            if exc.file is None or not Path(exc.file).is_relative_to(tmp):
                raise
            raise UserError(exc.message, field=exc.field) from None  # the folder is gone once this is read
        yield result


# -- the folder ------------------------------------------------------------------


def check_options(workers: int | None, chunk_worlds: int | None, executor: str, scheduler: str | None) -> int:
    """Refuse impossible execution options before anything is written; returns the worker count.

    Raises:
        UserError: naming the option to fix.
    """
    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise UserError(f"--workers must be at least 1, got {workers}", field="--workers")
    if chunk_worlds is not None and chunk_worlds < 1:
        raise UserError(f"--chunk-worlds must be at least 1, got {chunk_worlds}", field="--chunk-worlds")
    check_executor(executor, scheduler)
    return workers


def check_sweep(
    experiment: Experiment,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    chunk_worlds: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    resume: bool = False,
    analysis: bool = False,
) -> Path:
    """Everything that can refuse a sweep before anything is written or allocated; returns its folder.

    The options (:func:`check_options`), the engine (:func:`simulator.sweeps.chunks.check_engine`),
    the folder (:func:`sweep_folder`) and the size: the
    memory of the design and of the chunks running at once, and the disk of the tables, against
    what this machine has (:func:`simulator.sweeps.sweep_size.check_fits`).

    With ``analysis``, the analysis that follows the sweep must fit the memory too
    (:func:`simulator.sweeps.sweep_size.check_analysis_fits`).

    Raises:
        UserError: naming what to change.
    """
    workers = check_options(workers, chunk_worlds, executor, scheduler)
    check_engine(experiment)
    folder = sweep_folder(experiment, out, resume=resume)
    used = 0
    if resume and (folder / MANIFEST_FILE).is_file():
        chunk_worlds = _read_manifest(folder).get("chunk_worlds", chunk_worlds)
        used = sum(p.stat().st_size for p in (folder / PARTS_DIR).glob("*.parquet"))
    size = estimate_sweep(
        experiment, workers=workers, chunk_worlds=chunk_worlds, executor=executor, scheduler=scheduler
    )
    check_fits(experiment, size, folder, disk_used=used)
    if analysis:
        check_analysis_fits(experiment, file=experiment.source or experiment.name, fix=ANALYSIS_ELSEWHERE)
    return folder


ANALYSIS_ELSEWHERE = (
    "run the sweep with --no-analysis and analyse a copy of its folder on a machine with more memory "
    "(`eujsim analyze FOLDER`), or use fewer replicates or a smaller design"
)
"""What to do when a sweep fits this machine but its analysis does not."""


def sweep_folder(experiment: Experiment, out: str | Path | None = None, *, resume: bool = False) -> Path:
    """The folder a sweep will write (or resume), checked before anything runs.

    Raises:
        UserError: for an existing folder without ``resume``, or one that cannot be written; with it,
            for a folder that is not an unfinished sweep of this very experiment, or that another
            process is writing.
    """
    if not resume:
        return _new_folder(experiment, out)
    folder = _resume_folder(experiment, out)
    if is_locked(folder):
        with owning(folder, "resume this sweep"):  # refuses, naming the process
            pass
    _check_resumable(folder, experiment)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UserError(
            "cannot be written (read-only, or not yours); resuming writes the remaining chunks into it: copy the "
            "folder somewhere writable and resume the copy",
            file=folder,
        )
    return folder


def _new_folder(experiment: Experiment, out: str | Path | None) -> Path:
    if out is None:
        folder = free_folder(RESULTS_ROOT / folder_name(experiment.name, "sweep"))
    else:
        folder = Path(out)
        if folder.exists():
            raise UserError(
                "already exists; sweeps never overwrite: choose another --out, or add --resume to continue "
                "an unfinished sweep there",
                file=folder,
            )
    check_writable(folder)  # before the disk estimate: a read-only disk is not a small one
    return folder


def _resume_folder(experiment: Experiment, out: str | Path | None) -> Path:
    """``out``, or else the newest unfinished sweep of this very experiment under ``results/``.

    Only ``results/NAME`` and ``results/NAME-N`` (the folders a sweep of ``NAME`` is given by
    default) count, and among them only sweeps with this experiment's fingerprint: ``NAME-x`` may
    be another experiment's folder, and a sweep of an edited experiment cannot be resumed.
    """
    if out is not None:
        return Path(out)
    base = RESULTS_ROOT / folder_name(experiment.name, "sweep")
    numbered = re.compile(rf"{re.escape(base.name)}-[0-9]+")
    try:
        candidates = [base, *sorted(p for p in base.parent.iterdir() if numbered.fullmatch(p.name))]
    except OSError:  # no results/ folder
        candidates = [base]
    fingerprint = experiment.fingerprint()
    unfinished, changed = [], []
    for folder in candidates:
        manifest = _manifest_or_none(folder)
        if manifest is None or manifest.get("status") == "complete" or manifest.get("kind") != "sweep":
            continue
        (unfinished if manifest.get("fingerprint") == fingerprint else changed).append(folder)
    free = [p for p in unfinished if not is_locked(p)]
    if unfinished and not free:
        busy = ", ".join(f"{p} ({FolderLock(p).holder()})" for p in unfinished)
        raise UserError(
            f"every unfinished sweep of '{experiment.name}' under {RESULTS_ROOT}/ is being written by another "
            f"process: {busy}; wait until it finishes, or give another folder with --out",
            field="--resume",
        )
    if not free:
        others = f" ({_listing(list(map(str, changed)))}: started from another version of it)" if changed else ""
        raise UserError(
            f"no unfinished sweep of '{experiment.name}' in {base} or {base}-N{others} to resume; give its folder "
            "with --out, or drop --resume to start a new sweep",
            field="--resume",
        )
    return max(free, key=lambda p: (p / MANIFEST_FILE).stat().st_mtime)


def _listing(names: list[str], limit: int = 3) -> str:
    """The first ``limit`` names, and how many more."""
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _manifest_or_none(folder: Path) -> dict[str, Any] | None:
    """The manifest of a sweep folder, or None when there is none or it cannot be read."""
    try:
        manifest = json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def _unstarted(folder: Path, experiment: Experiment) -> tuple[list[str], list[str]]:
    """What in a folder without a manifest stops a sweep of ``experiment`` from starting there afresh.

    Older versions wrote a sweep's first files (``experiment.yaml``, ``scenario.yaml``,
    ``points.parquet``) before its manifest, so a sweep killed while starting left them in a folder
    of their own. Starting there writes those files again, so the folder may hold them only as this
    very experiment's start writes them (byte for byte; the design's points), and otherwise nothing
    but the lock file, eujsim's temporary files and empty ``parts/`` and ``errors/``: a file of the
    user's own, even one named ``experiment.yaml``, is never written over.

    Returns:
        The files a start would write over that differ from what it writes, and the other entries
        that a sweep does not write; both empty when the sweep can start there.
    """
    own = {EXPERIMENT_FILE: experiment.to_yaml().encode(), SCENARIO_FILE: experiment.scenario.to_yaml().encode()}
    differ, foreign = [], []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        name = entry.name
        if entry.is_symlink() or not (entry.is_file() or entry.is_dir()):
            foreign.append(name)
        elif entry.is_dir():
            if name not in (PARTS_DIR, ERRORS_DIR) or any(entry.iterdir()):
                foreign.append(f"{name}/")
        elif name == LOCK_FILE or is_temporary(name) or _old_temporary(name):
            continue
        elif name in own:
            if entry.stat().st_size != len(own[name]) or entry.read_bytes() != own[name]:
                differ.append(name)
        elif name == POINTS_FILE:
            if not _holds_design(entry, experiment):
                differ.append(name)
        else:
            foreign.append(name)
    return differ, foreign


def _old_temporary(name: str) -> bool:
    """Whether ``name`` is a temporary file older versions wrote a sweep's first files through."""
    return name.endswith(".tmp") and any(name.startswith(f".{n}.") for n in (*BEFORE_MANIFEST, MANIFEST_FILE))


BEFORE_MANIFEST = (EXPERIMENT_FILE, SCENARIO_FILE, POINTS_FILE)
"""What a sweep wrote before its manifest, in versions that did not create the folder whole."""


def _holds_design(path: Path, experiment: Experiment) -> bool:
    """Whether a Parquet file holds exactly the design of ``experiment`` (checked by its footer first)."""
    if parquet_rows(path) != design_size(experiment):
        return False
    try:
        saved = pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException):
        return False
    return saved.equals(design(experiment))


def _check_resumable(folder: Path, experiment: Experiment) -> dict[str, Any] | None:
    """The manifest of a sweep that can be resumed, or None for a folder where it can start afresh.

    Raises:
        UserError: for a folder that is neither.
    """
    if not folder.is_dir():
        if folder.exists():
            raise UserError(
                "is a file; give the folder of an unfinished sweep with --out, or drop --resume", file=folder
            )
        raise UserError("not found; give the folder of an unfinished sweep, or drop --resume", file=folder)
    kind = folder_kind(folder)
    if kind not in (None, "sweep"):
        raise UserError(
            f"is {KIND_NAMES[kind]}, not a sweep; give the folder of an unfinished sweep of this experiment "
            "with --out, or drop --resume to start a new sweep (with a new --out folder)",
            file=folder,
        )
    if not (folder / MANIFEST_FILE).is_file():
        differ, foreign = _unstarted(folder, experiment)
        if not (differ or foreign):
            return None
        harm = []
        if differ:
            which = "differ" if differ[1:] else "differs"
            harm.append(f"write over {' and '.join(differ)}, which {which} from what this sweep writes")
        if foreign:
            harm.append(f"mix it with what a sweep does not write ({_listing(foreign)})")
        raise UserError(
            f"has no {MANIFEST_FILE}, so it is not a sweep that can be resumed, and starting one there would "
            f"{', and '.join(harm)}; nothing was changed: give a new folder with --out (without --resume) to start the "
            "sweep there",
            file=folder,
        )
    manifest = _read_manifest(folder)
    if manifest.get("kind") != "sweep":
        raise UserError(
            f"has a {MANIFEST_FILE} that is not a sweep's; give the folder of an unfinished sweep of this experiment "
            "with --out, or drop --resume to start a new sweep",
            file=folder,
        )
    if manifest.get("status") == "complete":
        raise UserError("is already complete; nothing to resume (run `eujsim analyze` on it)", file=folder)
    if manifest.get("fingerprint") != experiment.fingerprint():
        engine = manifest.get("engine", DEFAULT_ENGINE)  # sweeps from before the choice ran on the reference
        if engine != experiment.engine:
            raise UserError(
                f"was swept with engine {engine}, not {experiment.engine}: resume it with --engine {engine}, as the "
                "engines agree to about 1e-15 but not bit for bit and one sweep must not mix them",
                file=folder,
            )
        raise UserError(
            f"was started from a different experiment ('{clip(str(manifest.get('experiment')))}', or this one with "
            "another scenario, factors, method, seed, replicates or metrics); resuming would mix two sweeps: "
            f"resume it with its own {EXPERIMENT_FILE} (inside it), or start a new sweep without --resume",
            file=folder,
        )
    return manifest


def _plan(folder: Path, manifest: dict[str, Any]) -> list[Chunk]:
    """The chunk plan a manifest recorded.

    Raises:
        UserError: if the manifest's plan cannot be read.
    """
    try:
        return [Chunk(int(c["index"]), int(c["start"]), int(c["stop"])) for c in manifest["chunks"]]
    except (KeyError, TypeError, ValueError):
        raise UserError(
            "is damaged (its chunk plan cannot be read); run the sweep again into a new folder",
            file=folder / MANIFEST_FILE,
        ) from None


def _restore_points(folder: Path, points: pd.DataFrame) -> None:
    """Write ``points.parquet`` again if it is missing or cannot be read (the design follows from the experiment)."""
    path = folder / POINTS_FILE
    if parquet_rows(path) is None:
        _write_table(path, pa.Table.from_pandas(points, preserve_index=False))


def _start_folder(
    folder: Path,
    experiment: Experiment,
    points: pd.DataFrame,
    plan: list[Chunk],
    chunk_worlds: int,
    command_line: list[str] | None,
    *,
    in_place: bool = False,
    renumber: bool = False,
) -> tuple[dict[str, Any], Path, FolderLock | None]:
    """Write a new sweep's files and manifest, so that the folder appears only once it is whole.

    The files go into a temporary folder beside ``folder``, renamed into place once the manifest is
    written (:func:`simulator.storage.output.atomic_folder`); a sweep killed while starting leaves no folder.
    The lock the temporary folder held is kept on the folder it became, so that no other process can
    take the new sweep between its appearance and its first chunk. ``in_place`` starts afresh in an
    existing folder that holds no finished work (:func:`_unstarted`), which this process has locked:
    the manifest is written last, so the folder stays restartable.

    Args:
        folder: The sweep folder.
        experiment: The experiment.
        points: Its design.
        plan: Its chunk plan.
        chunk_worlds: Worlds per chunk the plan was cut for.
        command_line: Recorded in the manifest.
        in_place: Start in ``folder``, which exists and is locked by the caller.
        renumber: ``folder`` was chosen by default: if another sweep takes it meanwhile, use the next
            free ``folder-2``, ``folder-3`` … instead of failing.

    Returns:
        The manifest, the folder really written (another than ``folder`` only with ``renumber``) and
        the lock held on it (None ``in_place``, where the caller holds it).
    """
    manifest: dict[str, Any] = {
        "tool": "eujsim",
        "format": FORMAT_VERSION,
        "kind": "sweep",
        "version": package_version("eujsim"),
        "created_utc": now_utc(),
        "experiment": experiment.name,
        "experiment_file": experiment.source,
        "fingerprint": experiment.fingerprint(),
        "scenario": {
            "name": experiment.scenario.name,
            "start": quarter_label(experiment.scenario.start),
            "period": experiment.scenario.period,
            "horizon_quarters": experiment.scenario.horizon,
        },
        "method": experiment.method,
        "engine": experiment.engine,
        "seed": experiment.seed,
        "replicates": experiment.replicates,
        "points": len(points),
        "worlds": len(points) * experiment.replicates,
        "factors": [
            {"name": f.name, "low": f.low, "high": f.high, "label": f.label, "onset": f.is_onset}
            for f in experiment.factors
        ],
        "metrics": [m.name for m in experiment.metrics],
        "series": list(experiment.series),
        MANIFEST_KEY: [item.to_dict() for item in experiment.outside_documented_ranges()],
        "chunk_worlds": chunk_worlds,
        "chunks": [{"index": c.index, "start": c.start, "stop": c.stop} for c in plan],
        "command_line": command_line,
        **environment(SWEEP_DEPENDENCIES),
        "status": "created",
        "failures": [],
    }

    def write(into: Path) -> None:
        write_text_atomically(into / EXPERIMENT_FILE, experiment.to_yaml())
        write_text_atomically(into / SCENARIO_FILE, experiment.scenario.to_yaml())
        _write_table(into / POINTS_FILE, pa.Table.from_pandas(points, preserve_index=False))
        _write_manifest(into, manifest)

    if in_place:
        write(folder)
        return manifest, folder, None
    writer = atomic_folder(folder, "sweep", renumber=renumber, keep_lock=True)
    with writer as tmp:
        write(tmp)
        if folder.exists() and not renumber:  # another sweep took the --out folder since it was checked
            raise UserError(
                "was created by another process while this sweep was starting; sweeps never overwrite: "
                "choose another --out",
                file=folder,
            )
    return manifest, writer.destination, writer.lock


def _read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a sweep folder.

    Raises:
        UserError: if it cannot be read, or holds no JSON object.
    """
    path = folder / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(
            f"cannot be read ({clip(_first_line(exc), 120)}); the sweep folder is damaged: run the sweep again "
            "into a new folder",
            file=path,
        ) from None
    if not isinstance(manifest, dict):
        raise UserError(
            "holds no JSON object; the sweep folder is damaged: run the sweep again into a new folder", file=path
        )
    return manifest


def _write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    write_text_atomically(folder / MANIFEST_FILE, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")


# -- parts -----------------------------------------------------------------------


def _part_name(kind: str, index: int) -> str:
    return f"{kind}-{index:06d}.parquet"


def _write_table(path: Path, table: pa.Table) -> None:
    """Write a Parquet file whole or not at all."""
    with atomic_file(path) as tmp:
        pq.write_table(table, tmp)


def _write_part(parts: Path, result: ChunkResult) -> None:
    """Quarters first, worlds last (a chunk counts as done once both parts exist)."""
    _write_table(
        parts / _part_name("quarters", result.chunk), pa.Table.from_pandas(result.quarters, preserve_index=False)
    )
    _write_table(parts / _part_name("worlds", result.chunk), pa.Table.from_pandas(result.worlds, preserve_index=False))


def _record_failure(folder: Path, chunk: Chunk, failure: ChunkFailure, replicates: int) -> None:
    text = (
        f"chunk {chunk.index}: points {chunk.start}–{chunk.stop - 1} ({chunk.points * replicates} worlds)\n"
        f"{failure.error}\n\n{failure.traceback}"
    )
    write_text_atomically(folder / ERRORS_DIR / f"chunk-{chunk.index:06d}.txt", text)


def _present(parts: Path) -> set[str]:
    """Names of the part files in ``parts`` (one listing, instead of two file checks per chunk)."""
    return {p.name for p in parts.iterdir()} if parts.is_dir() else set()


def rows_per_point(replicates: int, series: int, horizon: int) -> dict[str, int]:
    """Rows one point has in each of a sweep's tables: a world each replicate, a row each series and step.

    :func:`simulator.sweeps.chunks.simulate_chunk` writes, per point, ``replicates`` rows of worlds and, per
    recorded series, a row of quarter statistics for each of the ``horizon + 1`` steps (step 0 included).
    """
    return {"worlds": replicates, "quarters": series * (horizon + 1)}


def parquet_rows(path: Path) -> int | None:
    """The rows a Parquet file's footer gives, or None if it is missing or cannot be read as Parquet."""
    try:
        return pq.read_metadata(path).num_rows
    except (OSError, ValueError, pa.ArrowException):  # pyarrow's ArrowInvalid is a ValueError
        return None


def check_parts(parts: Path, plan: list[Chunk], per_point: dict[str, int]) -> tuple[list[Chunk], list[str]]:
    """The chunks of ``plan`` whose two parts hold their rows, and the names of the part files that do not.

    A part counts when its Parquet footer reads and gives the rows its chunk must hold (the chunk's
    points times ``per_point`` of its kind, :func:`rows_per_point`); one that cannot be read (emptied,
    cut, overwritten) or holds other rows is damaged, and its chunk is not done, so that ``--resume``
    runs it again and its new part replaces the damaged one. Reads only the footers.
    """
    present = _present(parts)
    done: list[Chunk] = []
    damaged: list[str] = []
    for chunk in plan:
        whole = True
        for kind in PART_KINDS:
            name = _part_name(kind, chunk.index)
            if name not in present:
                whole = False
            elif parquet_rows(parts / name) != chunk.points * per_point[kind]:
                damaged.append(name)
                whole = False
        if whole:
            done.append(chunk)
    return done, damaged


class _UnreadablePartError(Exception):
    """A part whose footer read but whose data does not (raised inside the join, which leaves its chunk out)."""

    def __init__(self, chunk: int) -> None:
        super().__init__(f"chunk {chunk}")
        self.chunk = chunk


def _join_parts(folder: Path, plan: list[Chunk], per_point: dict[str, int]) -> tuple[list[int], dict[str, int]]:
    """Stream the parts, in plan order, into the two result tables (one part in memory at a time).

    Only chunks whose two parts hold their rows (:func:`check_parts`) are joined, so the two tables
    always cover the same points; a part that turns out unreadable while it is joined leaves its
    chunk out too (the join starts again without it).

    Returns:
        The chunks of the plan left out, and the rows written to each table.
    """
    done, _ = check_parts(folder / PARTS_DIR, plan, per_point)
    while True:
        try:
            rows = _write_joined(folder, done)
        except _UnreadablePartError as exc:
            done = [c for c in done if c.index != exc.chunk]
            continue
        joined = {c.index for c in done}
        return [c.index for c in plan if c.index not in joined], rows


def _write_joined(folder: Path, done: list[Chunk]) -> dict[str, int]:
    """Write ``worlds.parquet`` and ``quarters.parquet`` from the parts of ``done``; returns their rows.

    Raises:
        _UnreadablePartError: for a part that cannot be read (the table being written is discarded).
    """
    parts = folder / PARTS_DIR
    rows = {}
    for kind, target in zip(PART_KINDS, (WORLDS_FILE, QUARTERS_FILE), strict=True):
        rows[kind] = 0
        if not done:
            continue
        try:
            schema = pq.read_schema(parts / _part_name(kind, done[0].index))
        except (OSError, ValueError, pa.ArrowException):
            raise _UnreadablePartError(done[0].index) from None
        with atomic_file(folder / target) as tmp, pq.ParquetWriter(tmp, schema) as writer:
            for chunk in done:
                try:
                    table = pq.read_table(parts / _part_name(kind, chunk.index), schema=schema)
                except (OSError, ValueError, pa.ArrowException):
                    raise _UnreadablePartError(chunk.index) from None
                rows[kind] += table.num_rows
                writer.write_table(table)
    return rows


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message (pyarrow's and pandas' run over several), without the file's name."""
    lines = str(exc).strip().splitlines()
    line = lines[0] if lines else type(exc).__name__
    return re.sub(r"^Could not open Parquet input source '.*?': ", "", line)


def summary_line(result: SweepResult) -> str:
    """One line for the terminal: where, how many, how long, and any failures."""
    manifest = result.manifest
    seconds = sum(s.get("seconds", 0.0) for s in manifest.get("sessions", []))
    text = (
        f"{result.folder}: {manifest['points']:,} points x {manifest['replicates']} replicates = "
        f"{manifest['worlds']:,} worlds in {seconds:.1f} s"
    )
    if result.failures:
        failed = sum(f["points"][1] - f["points"][0] + 1 for f in result.failures)
        text += (
            f"; {len(result.failures)} chunks failed ({failed} points), see {result.folder / ERRORS_DIR}; "
            "rerun them with --resume"
        )
    missing = manifest.get("missing_chunks", [])
    if missing:
        text += f"; {len(missing)} chunks have no results (their parts are missing); rerun them with --resume"
    elif manifest.get("status") == "incomplete":
        text += "; the joined tables do not hold every world: run the sweep again into a new folder"
    return text
