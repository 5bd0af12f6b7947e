"""Reading a result folder back: the run it holds, or the same run simulated again.

``eujsim compare``, ``explain`` and ``report`` start from folders that ``eujsim run``
wrote, possibly long ago. :func:`open_run` reads what the folder holds (the resolved
scenario, the manifest and the CSV tables) without simulating anything, so a
comparison shows exactly the numbers that were saved. :func:`rerun` simulates the
folder's scenario again, which is needed where the saved tables are not enough
(per-replicate driver contributions), and checks that the new run reproduces the saved
one before anything is built on it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.base.calendar import quarter_label
from simulator.base.errors import UserError, clip, near_miss
from simulator.base.paths import not_found
from simulator.core.structure import HEADLINE_PAIR
from simulator.inputs.scenario import Scenario, load_scenario
from simulator.runs.constants import HeldConstant, held_constant_pairs
from simulator.runs.ensembles import saved_band, saved_ensemble
from simulator.runs.results import RunResult
from simulator.runs.twin import TWIN_FILES, without_shocks
from simulator.storage.ownership import RUN_FILES, folder_kind

TABLE_COLUMNS = {
    "timeseries.csv": ("replicate", "step", "quarter"),
    TWIN_FILES[0]: ("replicate", "step", "quarter"),
    "summary.csv": ("step", "quarter", "variable", "mean", "p5", "p50", "p95"),
    "events.csv": ("replicate", "step", "quarter", "type", "actor", "name", "detail"),
    "drivers.csv": ("step", "quarter", "domain", "driver", "mean", "p5", "p95"),
}
"""The columns each table of a run folder has (as :meth:`RunResult.save` writes them); a table without them is damaged.

The variables of ``timeseries.csv`` follow its first three columns."""
NUMERIC_COLUMNS = {
    "summary.csv": ("step", "mean", "p5", "p50", "p95"),
    "events.csv": ("step",),
    "drivers.csv": ("step", "mean", "p5", "p95"),
}
"""Columns of the side tables that hold numbers only (``timeseries.csv`` is checked whole when read)."""
SAVED_PRECISION = 1e-5
"""Relative tolerance when checking a new run against a saved one: CSVs keep six significant digits."""


@dataclass
class RunFolder:
    """A finished run read from its folder, with the access a :class:`RunResult` offers.

    ``series``, ``quarter_labels`` and ``replicates`` behave as on a :class:`RunResult`,
    so code that compares or reports runs takes either.

    Attributes:
        path: The folder.
        scenario: The resolved scenario the run used (``scenario.yaml``).
        manifest: Provenance written with the run (``manifest.json``).
        timeseries_file: The table of per-world series: ``timeseries.csv`` for the run,
            ``twin_timeseries.csv`` for its no-shock twin (:attr:`twin`).
    """

    path: Path
    scenario: Scenario
    manifest: dict[str, Any] = field(default_factory=dict)
    timeseries_file: str = "timeseries.csv"

    @cached_property
    def twin(self) -> RunFolder | None:
        """The saved no-shock twin (the same worlds without the shocks), or None if the folder has none.

        Folders of scenarios without shocks, of runs made with ``--no-twin`` and of older versions
        of eujsim hold no twin.
        """
        if self.timeseries_file != "timeseries.csv" or not (self.path / TWIN_FILES[0]).is_file():
            return None
        return RunFolder(self.path, without_shocks(self.scenario), self.manifest, timeseries_file=TWIN_FILES[0])

    @cached_property
    def timeseries(self) -> pd.DataFrame:
        """One row per replicate and step, as ``eujsim run`` saved it, checked to be whole.

        Raises:
            UserError: if the table is damaged: unreadable, without its columns, with text where
                numbers belong, or with rows missing or repeated.
        """
        frame = self._table(self.timeseries_file)
        path = self.path / self.timeseries_file
        if frame.empty:
            raise damaged(path, "it has no rows")
        kinds = {name: "iu" if name in ("replicate", "step") else "iuf" for name in frame.columns if name != "quarter"}
        wrong = [name for name, allowed in kinds.items() if frame[name].dtype.kind not in allowed]
        if wrong:
            raise damaged(path, f"column {clip(str(wrong[0]))} holds other values than the numbers it should")
        frame = frame.sort_values(["replicate", "step"], kind="stable")
        n_steps = self.scenario.horizon + 1
        n_worlds = len(frame) // n_steps
        if n_worlds * n_steps != len(frame) or n_worlds == 0:
            raise UserError(
                f"{self.timeseries_file} has {len(frame)} rows, not a whole number of runs of {n_steps} quarters; "
                "the folder is incomplete: run the scenario again",
                file=path,
            )
        whole = np.array_equal(frame["step"].to_numpy(), np.tile(np.arange(n_steps), n_worlds)) and np.array_equal(
            frame["replicate"].to_numpy(), np.repeat(frame["replicate"].unique(), n_steps)
        )
        if not whole:
            raise damaged(path, f"its rows are not steps 0–{n_steps - 1} of each replicate once")
        return frame

    @cached_property
    def summary(self) -> pd.DataFrame:
        """Mean and percentiles per quarter and variable (``summary.csv``)."""
        return self._table("summary.csv")

    @cached_property
    def events(self) -> pd.DataFrame:
        """Shocks, episodes and milestones (``events.csv``)."""
        frame = self._table("events.csv")
        try:
            frame["replicate"] = frame["replicate"].astype("Int64")
        except (TypeError, ValueError):
            raise damaged(self.path / "events.csv", "its replicate column holds more than whole numbers") from None
        return frame

    @cached_property
    def drivers_table(self) -> pd.DataFrame:
        """Mean and interval of each mechanism's contribution (``drivers.csv``)."""
        return self._table("drivers.csv")

    def _table(self, name: str) -> pd.DataFrame:
        """A table of the folder, with the columns it starts with (:data:`TABLE_COLUMNS`).

        Raises:
            UserError: if the table is missing or damaged, naming it and saying to run the scenario again.
        """
        path = self.path / name
        if not path.is_file():
            raise UserError(f"the run folder has no {name}; run the scenario again to rebuild it", file=self.path)
        try:
            frame = pd.read_csv(path, keep_default_na=False, na_values=[""])
        except (OSError, UnicodeDecodeError, pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
            raise damaged(path, first_line(exc)) from None
        missing = [column for column in TABLE_COLUMNS[name] if column not in frame.columns]
        if missing:
            raise damaged(path, f"it has no column {missing[0]}")
        for column in NUMERIC_COLUMNS.get(name, ()):
            if not pd.api.types.is_numeric_dtype(frame[column]):
                raise damaged(path, f"its {column} column holds more than numbers")
        return frame

    @cached_property
    def _values(self) -> dict[str, np.ndarray]:
        frame = self.timeseries
        n_steps = self.scenario.horizon + 1
        n_worlds = len(frame) // n_steps
        skip = {"replicate", "step", "quarter"}
        return {
            name: frame[name].to_numpy(dtype=float).reshape(n_worlds, n_steps).T
            for name in frame.columns
            if name not in skip
        }

    @property
    def columns(self) -> list[str]:
        """Recorded variables, in the saved order."""
        return list(self._values)

    @property
    def replicates(self) -> np.ndarray:
        """Replicate number of each world, in the order of the series' columns."""
        return np.unique(self.timeseries["replicate"].to_numpy())

    @property
    def steps(self) -> np.ndarray:
        """Step numbers 0..horizon."""
        return np.arange(self.scenario.horizon + 1)

    @property
    def quarter_labels(self) -> list[str]:
        """Calendar label of each step, as on a :class:`RunResult`."""
        return [quarter_label(self.scenario.start + s - 1) for s in self.steps]

    @property
    def band(self) -> str:
        """What the saved run's 90% bands hold, from its manifest (see :attr:`RunResult.band`)."""
        return saved_band(self.manifest)

    @cached_property
    def held_constant_pairs(self) -> list[HeldConstant]:
        """Pairs whose saved cooperation is one number in every world and quarter (:mod:`simulator.runs.constants`)."""
        return held_constant_pairs(self)

    def series(self, variable: str) -> np.ndarray:
        """(steps + 1, replicates) saved values of one variable."""
        try:
            return self._values[variable]
        except KeyError:
            raise UserError(
                f"no variable '{clip(variable)}' in this run{near_miss(variable, self._values)}; "
                f"the variables are the column names of {self.timeseries_file}",
                file=self.path,
            ) from None


def open_run(folder: str | Path) -> RunFolder:
    """Read a run folder written by ``eujsim run`` (or by ``RunResult.save``).

    Raises:
        UserError: if the path is not a run folder, saying what it is instead and what to give.
    """
    path = Path(folder)
    if not path.exists():
        raise not_found(path, "folder not found", "give a result folder written by `eujsim run`", expect="folder")
    kind = folder_kind(path)
    if kind != "run":
        what = {
            "sweep": "a sweep folder, not a single run",
            "compare": "a comparison folder, not a single run",
            "explain": "an explanation folder, not a run (its run is the folder that holds it)",
            None: "not a run folder (it needs " + ", ".join(RUN_FILES) + ")",
        }[kind]
        raise UserError(f"this is {what}; give a folder written by `eujsim run`", file=path)
    try:
        scenario = load_scenario(path / "scenario.yaml")
    except UserError as exc:
        raise UserError(
            f"cannot be read back ({clip(exc.message, 150)}): the folder is damaged or was written by an older "
            "eujsim; run the scenario again",
            file=exc.file,
            line=exc.line,
            field=exc.field,
        ) from None
    manifest_path = path / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise damaged(manifest_path, first_line(exc)) from None
    if not isinstance(manifest, dict):
        raise damaged(manifest_path, "it holds no JSON object")
    return RunFolder(path=path, scenario=scenario, manifest=manifest)


def damaged(path: Path, reason: str) -> UserError:
    """The error for a file of a run folder that cannot be used, with why (``reason``) and the fix."""
    return UserError(f"is damaged ({clip(reason, 120)}); run the scenario again to write a new folder", file=path)


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (pandas' messages run over several)."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def rerun(
    folder: str | Path | RunFolder,
    *,
    check: tuple[str, ...] = (f"coop_{HEADLINE_PAIR}",),
    explained_pair: str | None = None,
) -> RunResult:
    """Simulate a saved run's scenario again and check that it reproduces the saved numbers.

    Runs are deterministic (same scenario and seed, same numbers), so the new run equals
    the saved one unless the model changed in between. In that case everything built on
    the new run (drivers per replicate, a counterfactual twin) would describe a different
    model from the saved tables, so the mismatch is refused rather than explained away.
    A run made over a parameter ensemble is simulated over the same ensemble file again
    (checked by its sha256, :func:`simulator.runs.ensembles.saved_ensemble`).

    Args:
        folder: The run folder, or one already opened.
        check: Variables compared with the saved ``timeseries.csv``.
        explained_pair: Keep this pair's desire terms (see :func:`simulator.runs.runner.simulate`).

    Raises:
        UserError: if the new run does not reproduce the saved one, or its ensemble is gone or changed.
    """
    from simulator.runs.runner import simulate

    saved = folder if isinstance(folder, RunFolder) else open_run(folder)
    scenario = saved.scenario.with_overrides(ensemble=saved_ensemble(saved.manifest, saved.path))
    result = simulate(scenario, replicates=saved.replicates, explained_pair=explained_pair)
    for variable in check:
        new, old = result.series(variable), saved.series(variable)
        if new.shape != old.shape or not np.allclose(new, old, rtol=SAVED_PRECISION, atol=1e-6):
            made = saved.manifest.get("git_commit") or saved.manifest.get("version") or "an unknown version"
            raise UserError(
                f"simulating this run again does not reproduce its saved {variable} (it was made by {made}, "
                "and the model has changed since); run the scenario again with `eujsim run` and use the new folder",
                file=saved.path,
            )
    return result
