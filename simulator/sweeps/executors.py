"""Where chunks run: in this process, in local worker processes or threads, or on a Dask cluster.

Every executor takes the same tasks (a chunk's points) and yields each chunk's
outcome as it finishes, in whatever order. A chunk that raises does not stop the
others: the worker catches the exception and returns it as a :class:`ChunkFailure`
with its traceback, so failures look the same whichever executor ran them.

Only a bounded number of chunks is in flight at once (a few per worker), so the
results waiting to be written never pile up in memory, however many chunks a sweep has.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import itertools
import multiprocessing
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures import Executor as FuturesPool
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from simulator.base.errors import UserError
from simulator.sweeps.choices import EXECUTORS
from simulator.sweeps.chunks import ChunkResult
from simulator.sweeps.experiment import Experiment

IN_FLIGHT_PER_WORKER = 2
"""Chunks queued per worker: enough to keep it busy, few enough to bound memory."""

ChunkFunction = Callable[[Experiment, pd.DataFrame, int], ChunkResult]


@dataclass(frozen=True)
class ChunkFailure:
    """A chunk that raised: which one, what, where, and the process it ran in (``host:pid``, if known)."""

    chunk: int
    error: str
    traceback: str
    worker: str = ""


@dataclass(frozen=True)
class Task:
    """One chunk to simulate: its index and its rows of the design."""

    chunk: int
    points: pd.DataFrame


def guarded(function: ChunkFunction, experiment: Experiment, task: Task) -> ChunkResult | ChunkFailure:
    """Run one chunk, returning its exception as data instead of raising it.

    A finished chunk's model is freed only by the cycle collector, never by reference
    counting: a Mesa model refers to itself through its agents and also through Mesa's own
    step event and scenario object, so even removing the agents leaves it alive. The
    collector's full passes come too rarely for chunks of large arrays, so each chunk ends
    with one. Without it a worker held several dead models and a 100,000-world sweep
    (``benchmarks/bench_sweep.py --sizes 100000``) peaked at 1,894 MB summed RSS in two runs
    (922 MB in a third, on a heavily loaded machine), against 921-923 MB with it. The
    collection takes about 70 ms after a 2,000-world chunk of 3.5 s.

    A full collection walks every object the process holds, about 160,000 after the sweep's
    imports, which took 80 ms here: a third of a 2,000-world chunk on the fused engine, during
    which no other thread may run. Executors that run chunks in the sweep process therefore
    freeze the objects that exist before the first chunk (:func:`frozen_heap`), and the
    collection walks only what the chunks made.

    The outcome names the process that ran it (``host:pid``), so that the sweep can record how
    many workers really ran chunks.
    """
    worker = worker_identity()
    try:
        return dataclasses.replace(function(experiment, task.points, task.chunk), worker=worker)
    except Exception as exc:  # any failure of a chunk is recorded; the rest go on
        return ChunkFailure(task.chunk, f"{type(exc).__name__}: {exc}", traceback.format_exc(), worker)
    finally:
        gc.collect()


def worker_identity() -> str:
    """This worker as chunk outcomes and the manifest name it: ``host:pid``, and ``/thread`` in a worker thread."""
    process = f"{socket.gethostname()}:{os.getpid()}"
    thread = threading.current_thread()
    return process if thread is threading.main_thread() else f"{process}/{thread.name}"


class Executor(Protocol):
    """Runs chunks and yields their outcomes as they finish."""

    workers: int

    def run(
        self, function: ChunkFunction, experiment: Experiment, tasks: Iterable[Task]
    ) -> Iterator[ChunkResult | ChunkFailure]:
        """Yield one outcome per task, in completion order."""
        ...

    def present_workers(self) -> list[str] | None:
        """The workers (``host:pid``) connected now, where the executor can tell (None where it cannot)."""
        ...

    def close(self) -> None:
        """Release workers (and cancel chunks not yet started)."""
        ...


def _in_flight(
    tasks: Iterable[Task],
    limit: int,
    submit: Callable[[Task], Any],
    first_done: Callable[[Collection[Any]], Collection[Any]],
) -> Iterator[ChunkResult | ChunkFailure]:
    """Keep at most ``limit`` tasks submitted, in plan order, and yield each outcome as it finishes.

    ``submit`` starts a task and returns its future; ``first_done`` waits until at least one of
    the given futures is done and returns those that are. A future whose worker died (killed,
    out of memory, a lost Dask worker) raises from ``result()``; it is reported like a chunk that raised.
    """
    pending = iter(tasks)
    running: dict[Any, int] = {}
    while True:
        for task in itertools.islice(pending, limit - len(running)):
            running[submit(task)] = task.chunk
        if not running:
            return
        for future in first_done(running):
            chunk = running.pop(future)
            try:
                outcome = future.result()
            except Exception as exc:
                outcome = ChunkFailure(chunk, f"{type(exc).__name__}: {exc}", "")
            yield outcome


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Exempt the objects alive now from the cycle collector while chunks run in this process.

    They are the caller's and the imports', alive throughout, so the per-chunk collection of
    :func:`guarded` need not walk them again. At the end every frozen object is handed back to
    the collector (``gc.unfreeze``), so garbage the caller makes later is collected as before.
    That includes objects the caller may have frozen itself: the interpreter cannot tell whose
    freeze an object is under, and this process starts with a few hundred frozen objects of its
    own, so skipping the freeze when any exist would skip it always. Garbage already dead when
    the sweep starts waits until the end rather than being collected first, which would cost a
    full collection of the whole heap.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


class InlineExecutor:
    """Runs chunks one after another in this process (one worker; easiest to debug)."""

    workers = 1

    def run(
        self, function: ChunkFunction, experiment: Experiment, tasks: Iterable[Task]
    ) -> Iterator[ChunkResult | ChunkFailure]:
        """Yield each chunk's outcome in plan order."""
        with frozen_heap():
            for task in tasks:
                yield guarded(function, experiment, task)

    def present_workers(self) -> list[str]:
        """This process."""
        return [worker_identity()]

    def close(self) -> None:
        """Nothing to release."""


class _PoolExecutor:
    """Runs chunks in a ``concurrent.futures`` pool of ``workers`` on this machine."""

    def __init__(self, workers: int, pool: FuturesPool) -> None:
        self.workers = workers
        self._pool = pool

    def run(
        self, function: ChunkFunction, experiment: Experiment, tasks: Iterable[Task]
    ) -> Iterator[ChunkResult | ChunkFailure]:
        """Keep a few chunks per worker queued and yield outcomes as they finish."""
        return _in_flight(
            tasks,
            self.workers * IN_FLIGHT_PER_WORKER,
            lambda task: self._pool.submit(guarded, function, experiment, task),
            lambda futures: wait(futures, return_when=FIRST_COMPLETED).done,
        )

    def present_workers(self) -> None:
        """Not told: a dead worker process breaks the pool and its chunks fail; a thread dies only with this process."""
        return None

    def close(self) -> None:
        """Stop the workers once their running chunks finish, dropping chunks not yet started."""
        self._pool.shutdown(wait=True, cancel_futures=True)


class LocalExecutor(_PoolExecutor):
    """Runs chunks in a pool of worker processes on this machine.

    Workers are started by a fork server that has imported the simulator once, which
    keeps start-up short and is safe in a parent that has threads (a progress bar, Dask).
    """

    def __init__(self, workers: int) -> None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["simulator.sweeps.chunks", "simulator.sweeps.executors"])
        pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_prepare_worker, initargs=(os.getpid(),)
        )
        super().__init__(workers, pool)


class ThreadExecutor(_PoolExecutor):
    """Runs chunks in worker threads of this process: the local executor of the fused engine.

    The fused engine spends nearly all of a chunk in its compiled kernel, which releases the GIL
    (:mod:`simulator.core.fused`), so threads run chunks side by side on all cores. Against
    worker processes they start at once, with no fork server and no re-import, and share one
    copy of the imports, of numba and of the compiled kernel instead of holding one per process:
    that is what keeps a fused sweep under the memory of a NumPy one. The NumPy engine holds the
    GIL for most of a chunk, so it keeps worker processes (:class:`LocalExecutor`). A chunk's
    numbers do not depend on which thread runs it: each builds its own model.

    What threads give up is isolation: a chunk that kills its process (the machine running out
    of memory, a crash in compiled code) ends the sweep itself, not one worker. The chunks
    already written stay, and ``--resume`` runs the rest.
    """

    def __init__(self, workers: int) -> None:
        super().__init__(workers, ThreadPoolExecutor(max_workers=workers, thread_name_prefix="chunks"))

    def run(
        self, function: ChunkFunction, experiment: Experiment, tasks: Iterable[Task]
    ) -> Iterator[ChunkResult | ChunkFailure]:
        """As the pool does, with the heap frozen (:func:`frozen_heap`) while the chunks run."""
        with frozen_heap():
            yield from super().run(function, experiment, tasks)


def _prepare_worker(sweep_pid: int) -> None:
    """Make a worker leave Ctrl-C to the sweep process, and end when that process is gone.

    Ctrl-C reaches every process in the terminal's process group; a worker that died of
    it would be reported as a failed chunk instead of an interrupted sweep, so the sweep
    process alone handles it and stops the pool in order. If the sweep process is killed
    outright (kill -9), nothing tells its workers, which would wait for work forever; a
    watchdog thread ends the worker once the sweep process no longer exists.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with, args=(sweep_pid,), daemon=True, name="sweep-watchdog").start()


def _exit_with(pid: int, every: float = 1.0) -> None:
    while True:
        time.sleep(every)
        try:
            os.kill(pid, 0)
        except (ProcessLookupError, PermissionError):  # gone (PermissionError: the pid now is another user's)
            os._exit(1)


class DaskExecutor:
    """Runs chunks on a Dask distributed cluster, or on a loopback ``LocalCluster`` when no scheduler is given.

    The cluster's workers need the simulator installed (``pip install 'eujsim[dask]'``
    on each machine); the experiment travels with every chunk, so they need no files.
    """

    def __init__(self, workers: int, scheduler: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UserError(
                "the dask executor needs Dask distributed; install it with pip install 'eujsim[dask]'",
                field="--executor",
            ) from None
        self._cluster = None
        if scheduler is None:
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(scheduler, timeout="15s")
            except (OSError, TimeoutError) as exc:
                raise UserError(
                    f"cannot reach the Dask scheduler at {scheduler} ({exc}); start it with "
                    "`dask scheduler` and give its tcp://host:port",
                    field="--scheduler",
                ) from None
        self.workers = max(1, len(self._client.scheduler_info().get("workers", {})) or workers)

    def run(
        self, function: ChunkFunction, experiment: Experiment, tasks: Iterable[Task]
    ) -> Iterator[ChunkResult | ChunkFailure]:
        """Keep a few chunks per worker submitted and yield outcomes as they finish."""
        from distributed import wait as dask_wait

        [shared] = self._client.scatter([experiment], broadcast=True)
        return _in_flight(
            tasks,
            self.workers * IN_FLIGHT_PER_WORKER,
            lambda task: self._client.submit(guarded, function, shared, task, pure=False),
            lambda futures: dask_wait(list(futures), return_when="FIRST_COMPLETED").done,
        )

    def present_workers(self) -> list[str] | None:
        """The workers connected now, each asked who it is.

        A worker lost during the sweep is gone from them, and one its nanny restarted is a new process.
        """
        try:
            return sorted(self._client.run(worker_identity).values())
        except (OSError, TimeoutError):
            return None

    def close(self) -> None:
        """Disconnect (and stop the loopback cluster if this executor started it)."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def make_executor(kind: str, workers: int, scheduler: str | None = None, engine: str = "numpy") -> Executor:
    """The executor for ``--executor``/``--workers``/``--scheduler`` and the experiment's ``engine``.

    One local worker runs in this process: the same numbers, no process start-up. Several local
    workers are processes for the NumPy engine and threads for the fused one
    (:class:`ThreadExecutor` says why).
    """
    check_executor(kind, scheduler)
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    if workers == 1:
        return InlineExecutor()
    return ThreadExecutor(workers) if engine == "fused" else LocalExecutor(workers)


def check_executor(kind: str, scheduler: str | None) -> None:
    """Refuse an unknown ``--executor``, and a ``--scheduler`` for any executor but Dask.

    Raises:
        UserError: naming the option to fix.
    """
    if kind not in EXECUTORS:
        raise UserError(f"unknown executor '{kind}' (choose from {', '.join(EXECUTORS)})", field="--executor")
    if scheduler is not None and kind != "dask":
        raise UserError("--scheduler is for --executor dask", field="--scheduler")
