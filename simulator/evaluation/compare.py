"""Side-by-side comparison of scenarios: the Python API behind ``eujsim compare``.

``compare(["scenarios/baseline.yaml", "results/us_retrenchment"])`` reads result folders
(their saved numbers, nothing re-simulated) and runs scenario files, all scenario files
with the same seed, replicate numbers and parameters (common random numbers: the baseline's,
or a saved run's among the inputs when the baseline is a file), and returns a
:class:`Comparison` with pandas tables:

* ``table``: final, peak and mean of the metric and when it first reaches a threshold,
  per scenario, with 90% intervals, the difference to the baseline with its interval,
  and whether that difference is within noise;
* ``domains``: the final intensity of each cooperation domain, the same way;
* ``difference``: the difference to the baseline quarter by quarter;
* ``overlay``: each scenario's mean path and 90% band (what the overlay plot draws).

``Comparison.save(out)`` writes the folder ``eujsim report`` reads (see docs/compare.md).

How intervals are taken. Every interval is the 5th–95th percentile over replicates, the
band ``eujsim run`` prints. When two inputs share seed and replicate numbers and ran over the
same parameters (both the point calibration, or both the same ensemble file, by its sha256),
world r of one and world r of the other met the same random episodes and crises with the same
parameter values, so the difference is taken replicate by replicate (*paired*) and its interval
is the spread of those differences. Otherwise the interval is that of the difference of two
independent worlds, one from each input (every pair of worlds; *unpaired*), which is wider; for
inputs over different parameters the summary says so, as part of their difference is then the
difference of parameters, not of scenarios. A difference is
*within noise* when its interval contains 0. The share of replicates reaching the
threshold is a single number per input, so its interval is a bootstrap over replicates
(fixed seed; resampling replicates jointly when paired).

Constants. A series can be one number in every world and quarter of a run (a pair across
the camps at its agreement floor; :mod:`simulator.runs.constants`). Compared, it would show a
difference of zero, within noise, as if that were a finding. When the metric is held constant
at one value in every input, the summary says so instead of printing the table, and no
difference plot is drawn; when some inputs hold it constant, a note names them. The tables keep
their rows either way.

Calendar alignment. Inputs may start in different quarters or run for different
horizons. Statistics are over the *window*: the simulated quarters every input shares.
``difference`` covers every recorded quarter all inputs share (that can include the
starting state, the quarter before a scenario's start).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from simulator.base.calendar import quarter_label
from simulator.base.errors import ErrorCollector, UserError, choices_hint, clip, clip_path, near_miss
from simulator.base.paths import not_found
from simulator.core.structure import DOMAIN_LABELS, DOMAINS, HEADLINE_PAIR, MILESTONES, PAIRS
from simulator.inputs.ensemble import Ensemble, load_ensemble
from simulator.inputs.scenario import Scenario, Shock, check_replicates, check_seed
from simulator.runs.constants import CONSTANT_TOLERANCE, HeldConstant, held_constant
from simulator.runs.ensembles import saved_ensemble
from simulator.runs.results import INTERVAL, RunResult
from simulator.runs.run_folder import RunFolder, folder_kind, open_run
from simulator.runs.run_size import check_run_fits
from simulator.storage.output import RESULTS_ROOT, atomic_folder, distinct_names, folder_name, free_folder

DEFAULT_METRIC = f"coop_{HEADLINE_PAIR}"
DEFAULT_THRESHOLD = {label: level for level, label in MILESTONES}["operational partnership"]
"""0.55: the model's "operational partnership" milestone (:data:`~simulator.core.structure.MILESTONES`)."""
STATISTICS = ("final", "peak", "mean", "first_crossing", "share_crossing")
"""Rows of the table per scenario, in order."""
TABLE_COLUMNS = (
    "scenario",
    "statistic",
    "mean",
    "p5",
    "p95",
    "diff_mean",
    "diff_p5",
    "diff_p95",
    "within_noise",
)
DOMAIN_COLUMNS = ("scenario", "domain", "mean", "p5", "p95", "diff_mean", "diff_p5", "diff_p95", "within_noise")
DIFFERENCE_COLUMNS = ("quarter", "scenario", "mean", "p5", "p95")
OVERLAY_COLUMNS = ("scenario", "quarter", "mean", "p5", "p95")
MAX_INPUTS = 8
"""At most this many scenarios: the plots have eight distinguishable colours (Okabe–Ito)."""
MAX_GROUPS = 12
"""At most this many values of a ``--by`` factor; ordered values beyond eight get a sequential colour scale."""
BOOTSTRAP_SAMPLES = 2000
BOOTSTRAP_SEED = 20250101
"""Fixed seed of the bootstrap of shares, so that the same inputs give the same tables."""
MAX_PAIRS = 4_000_000
"""Above this many world pairs an unpaired interval uses an evenly spaced subset of each side's sorted values."""
FLOAT_FORMAT = "%.6g"
Source = Literal["run", "scenario", "sweep"]


@dataclass
class Compared:
    """One compared scenario: an input (a run folder, a scenario file) or one point or group of a sweep.

    Attributes:
        label: Name in tables and legends.
        path: The argument as given.
        source: ``run`` (a result folder), ``scenario`` (a file run for the comparison) or ``sweep``.
        scenario: The resolved scenario (for a sweep: the experiment's base scenario).
        seed: Base seed of its worlds.
        replicates: Replicate numbers of its worlds.
        description: The scenario's description, or the sweep point's factor values in words.
        result: The run (folder or fresh result) for run and scenario inputs.
        points: The sweep points it stands for (several for a group).
        shocks: The shocks to draw on the plots, as they act in these worlds (a sweep point's
            factors moved into them).
    """

    label: str
    path: str
    source: Source
    scenario: Scenario
    seed: int
    replicates: np.ndarray
    description: str = ""
    result: RunResult | RunFolder | None = None
    points: tuple[int, ...] = ()
    shocks: tuple[Shock, ...] = ()
    run_name: str = ""
    """Folder under ``runs/`` where a comparison saves this input's run (scenario files only)."""

    @property
    def ensemble(self) -> dict[str, Any] | None:
        """Name, sha256 and size of the parameter ensemble its worlds ran over (None: the point calibration).

        A saved run says it in its manifest; a scenario file in its resolved scenario. Sweep points
        never run over an ensemble.
        """
        if self.source == "run" and isinstance(self.result, RunFolder):
            entry = self.result.manifest.get("ensemble")
            if not isinstance(entry, dict):
                return None
            return {"name": str(entry.get("name", "?")), "sha256": entry.get("sha256"), "samples": entry.get("samples")}
        if self.source == "scenario" and self.scenario.ensemble is not None:
            ensemble = self.scenario.ensemble
            return {"name": ensemble.name, "sha256": ensemble.sha256, "samples": ensemble.size}
        return None

    @property
    def parameters_text(self) -> str:
        """The parameters its worlds ran over, in words: ``point calibration`` or ``<name> ensemble (N samples)``."""
        entry = self.ensemble
        if entry is None:
            return "point calibration"
        return f"{entry['name']} ensemble ({entry['samples']} samples)"

    @property
    def first_quarter(self) -> int:
        """Quarter count of step 0 (the starting state, the quarter before ``scenario.start``)."""
        return self.scenario.start - 1

    @property
    def recorded(self) -> np.ndarray:
        """Quarter counts of steps 0..horizon."""
        return self.first_quarter + np.arange(self.scenario.horizon + 1)

    @property
    def simulated(self) -> np.ndarray:
        """Quarter counts of the simulated steps 1..horizon."""
        return self.recorded[1:]

    def to_dict(self, paired: bool) -> dict[str, Any]:
        """The entry of ``compare.json``'s ``inputs`` list."""
        data: dict[str, Any] = {
            "label": self.label,
            "path": self.path,
            "source": self.source,
            "scenario": self.scenario.name,
            "seed": int(self.seed),
            "replicates": len(self.replicates),
            "description": self.description,
            "period": self.scenario.period,
            "paired_with_baseline": paired,
        }
        if self.source != "sweep":
            data["ensemble"] = self.ensemble
        if self.source == "scenario":
            data["run_folder"] = f"runs/{self.run_name}"
        elif self.source == "run":  # absolute, so a report made from another folder finds it
            data["run_folder"] = str(Path(self.path).resolve())
        if self.points:
            data["points"] = [int(p) for p in self.points]
        return data


# -- reading the inputs ---------------------------------------------------------------


@dataclass
class _Sweep:
    """A sweep folder and its per-world table, read once for all its compared points."""

    result: Any  # SweepResult
    worlds: pd.DataFrame


@dataclass
class Plan:
    """Everything checked and labelled, nothing simulated yet: :meth:`run` makes the :class:`Comparison`.

    The CLI prepares a plan first, so that every user error is reported (and the output
    folder chosen) before any scenario spends time running.
    """

    items: list[Compared]
    baseline: int
    metric: str
    threshold: float
    window: tuple[int, int]
    sweep: _Sweep | None = None
    by: str | None = None
    pending: dict[int, Scenario] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warning: str | None = None

    @property
    def labels(self) -> list[str]:
        """Labels of the compared scenarios, in order."""
        return [item.label for item in self.items]

    def default_folder(self, root: Path = RESULTS_ROOT) -> Path:
        """``results/compare-<label1>-vs-<label2>…`` (shortened when long), numbered past existing folders."""
        if self.sweep is not None:
            name = self.sweep.result.experiment.name
            tail = f"by-{self.by}" if self.by else "points-" + "-".join(str(i.points[0]) for i in self.items)
            stem = f"{name}-{tail}"
        else:
            parts = [folder_name(label) for label in self.labels]
            stem = "-vs-".join(parts)
            if len(stem) > 60:
                stem = "-vs-".join(p[:20] for p in parts[:2]) + (
                    f"-and-{len(parts) - 2}-more" if len(parts) > 2 else ""
                )
        return free_folder(root / folder_name(f"compare-{stem}"[:100]))

    def describe_runs(self) -> list[str]:
        """One line per scenario file that :meth:`run` will simulate."""
        lines = []
        for index, scenario in self.pending.items():
            lines.append(
                f"Running '{self.items[index].label}' ({self.items[index].path}): {scenario.replicates} replicates x "
                f"{scenario.horizon} quarters ({scenario.period}), seed {scenario.seed}"
                + (f", over the {scenario.ensemble.name} parameter ensemble" if scenario.ensemble else "")
            )
        return lines

    def run(self) -> Comparison:
        """Simulate the scenario files and compute every table."""
        from simulator.runs.runner import simulate

        for index, scenario in self.pending.items():
            item = self.items[index]
            item.result = simulate(scenario, replicates=item.replicates)
        self.pending = {}
        return Comparison(self)


def prepare(
    inputs: Sequence[str | Path],
    *,
    baseline: str | int | None = None,
    metric: str = DEFAULT_METRIC,
    threshold: float | None = None,
    seed: int | None = None,
    replicates: int | None = None,
    points: Sequence[int] | None = None,
    by: str | None = None,
    shocks: str | Path | None = None,
    ensemble: str | Path | None = None,
) -> Plan:
    """Read and check the inputs and options of a comparison without simulating anything.

    Arguments are those of :func:`compare`.

    Raises:
        UserError: for every problem, naming the input or option and the fix.
    """
    paths = [str(p) for p in inputs]
    if seed is not None:
        check_seed(seed, "--seed")
    if replicates is not None:
        check_replicates(replicates, "--replicates")
    if threshold is not None and not np.isfinite(threshold):
        raise UserError(f"--threshold must be a number, got {threshold}", field="--threshold")
    problems = ErrorCollector()  # every input is checked before any is run, and all their problems reported at once
    found: dict[int, str] = {}
    for index, path in enumerate(paths):
        with problems.check():
            found[index] = _input_kind(path)
    kinds = list(found.values())
    if "sweep" in kinds:
        problems.raise_any(files=len(paths))
        if len(paths) > 1:
            raise UserError(
                "a sweep folder is compared on its own, point by point (--points) or grouped by a factor (--by); "
                "give only the sweep folder, or compare run folders and scenario files without it",
                file=paths[kinds.index("sweep")],
            )
        if ensemble is not None:
            raise UserError(
                "--ensemble is for scenario files; a sweep's points were simulated with the parameters of its design",
                field="--ensemble",
            )
        return _prepare_sweep(paths[0], baseline, metric, threshold, points, by, seed, replicates)
    with problems.check():
        _check_input_count(paths, points, by)
    items: list[Compared] = []
    for index, kind in found.items():
        with problems.check():
            items.append(_load_input(paths[index], kind, shocks))
    problems.raise_any(files=len(paths))
    _label(items)
    base = _baseline_index(baseline, items, paths)
    _check_metric(metric, items)
    # Scenario files run with the seed and replicate numbers of a saved run, so that they pair with it:
    # the baseline's if it is a saved run, else the first saved run's; with none, the baseline file's
    # (--seed/--replicates override either).
    saved = [item for item in items if item.source == "run"]
    reference = items[base] if items[base].source == "run" or not saved else saved[0]
    reference_seed = reference.seed if seed is None else seed
    reference_reps = reference.replicates if replicates is None else np.arange(replicates)
    chosen = _ensemble_for_files(ensemble, reference, items)
    pending: dict[int, Scenario] = {}
    for index, item in enumerate(items):
        if item.source == "scenario":
            item.scenario = item.scenario.with_overrides(
                seed=reference_seed, replicates=len(reference_reps), ensemble=chosen
            )
            item.seed, item.replicates = reference_seed, np.array(reference_reps)
            with problems.check():
                check_run_fits(len(reference_reps), item.scenario.horizon, file=item.path)
            pending[index] = item.scenario
    problems.raise_any(files=len(paths))
    window = _window(items)
    plan = Plan(
        items=items,
        baseline=base,
        metric=metric,
        threshold=DEFAULT_THRESHOLD if threshold is None else float(threshold),
        window=window,
        pending=pending,
    )
    return plan


def _check_input_count(paths: Sequence[str], points: Sequence[int] | None, by: str | None) -> None:
    """Check that a comparison without a sweep folder has from two to :data:`MAX_INPUTS` inputs and no sweep options.

    Kept apart from :func:`prepare` so that its problem is reported together with those of the inputs.

    Raises:
        UserError: naming the option or the inputs, and the fix.
    """
    if points is not None or by is not None:
        raise UserError(
            "--points and --by choose points of a sweep folder; none of the inputs is one",
            field="--points" if points is not None else "--by",
        )
    if len(paths) < 2:
        raise UserError(
            "compare needs at least two inputs (result folders or scenario files), e.g. "
            "`eujsim compare scenarios/baseline.yaml scenarios/us_retrenchment.yaml`",
            field="inputs",
        )
    if len(paths) > MAX_INPUTS:
        raise UserError(
            f"{len(paths)} inputs given; compare at most {MAX_INPUTS} at a time (the plots have {MAX_INPUTS} "
            "distinguishable colours)",
            field="inputs",
        )


def compare(
    inputs: Sequence[str | Path],
    *,
    baseline: str | int | None = None,
    metric: str = DEFAULT_METRIC,
    threshold: float | None = None,
    seed: int | None = None,
    replicates: int | None = None,
    points: Sequence[int] | None = None,
    by: str | None = None,
    shocks: str | Path | None = None,
    ensemble: str | Path | None = None,
) -> Comparison:
    """Compare scenarios side by side.

    Args:
        inputs: Result folders (``eujsim run``), scenario files, or one sweep folder.
        baseline: The input the others are compared with: its label, its path as given, or its
            position (an int counts from 0; a string of digits from 1, as on the command line).
            Default: the first.
        metric: A recorded series, e.g. ``coop_EU_JPN``, ``coop_EU_JPN_maritime``, ``threat_JPN_CHN``.
        threshold: Level whose first crossing is reported (default 0.55, "operational partnership";
            for a sweep, the level of its ``first_above`` metric of this series if it recorded one).
        seed: Seed for the scenario files. Default: the baseline's if it is a result folder, else
            the first result folder's among the inputs (so a scenario file pairs with a saved run),
            else the baseline file's own.
        replicates: Number of replicates for the scenario files (numbered from 0). Default: the
            replicate numbers of the input that gives the seed.
        points: Sweep point ids to compare (sweep folder only).
        by: A sweep factor: one compared scenario per value, averaged over the other factors' points.
        shocks: Extra shock library file whose kinds the scenario files may use.
        ensemble: A parameter ensemble for the scenario files (``"calibrated"`` or a CSV path): replicate r
            of every file takes the same row, so the comparison stays paired. Default: the ensemble of the
            saved run that gives the seed, if it used one, else the point calibration. When a saved run gives
            the seed, ``ensemble`` must be the one it ran over (see :func:`_ensemble_for_files`).

    Example:
        >>> c = compare(["scenarios/baseline.yaml", "scenarios/us_retrenchment.yaml"])  # doctest: +SKIP
        >>> c.table.query("statistic == 'final'")  # doctest: +SKIP
        >>> c.save("results/my_comparison")  # doctest: +SKIP

    Raises:
        UserError: for a problem with an input or option.
    """
    plan = prepare(
        inputs,
        baseline=baseline,
        metric=metric,
        threshold=threshold,
        seed=seed,
        replicates=replicates,
        points=points,
        by=by,
        shocks=shocks,
        ensemble=ensemble,
    )
    return plan.run()


def _ensemble_for_files(ensemble: str | Path | None, reference: Compared, items: list[Compared]) -> Ensemble | None:
    """The parameter ensemble the scenario files run over: ``--ensemble``, else the saved reference run's.

    Like the seed, the ensemble of a saved run among the inputs carries over to the files, so that a
    file compared with an ensemble run pairs with it world by world, row by row. An ``--ensemble``
    other than the reference run's is refused rather than run: the files would not pair with that
    run, and their difference to it would mix a change of parameters into the scenario effect.
    Comparing two saved runs over different parameters remains possible; it is marked unpaired.

    Raises:
        UserError: if ``--ensemble`` is given with no scenario file, cannot be read, or is not the
            parameters of the saved run the files are paired with.
    """
    if not any(item.source == "scenario" for item in items):
        if ensemble is not None:
            raise UserError("--ensemble is for scenario files; every input is a saved run", field="--ensemble")
        return None
    saved = reference.source == "run" and isinstance(reference.result, RunFolder)
    if ensemble is not None:
        chosen = load_ensemble(ensemble)
        entry = reference.ensemble if saved else None
        if saved and (entry is None or entry["sha256"] != chosen.sha256):
            raise UserError(
                f"the scenario files are paired with the saved run {clip_path(reference.path)}, which ran over the "
                f"{reference.parameters_text}, not the {chosen.name} ensemble, so they would not pair with it; "
                "drop --ensemble (the files then run over that run's parameters), or first save a run with "
                f"`eujsim run FILE --ensemble {clip(str(ensemble))}` and compare the saved runs (unpaired)",
                field="--ensemble",
            )
        return chosen
    if saved:
        assert isinstance(reference.result, RunFolder)
        return saved_ensemble(reference.result.manifest, reference.result.path)
    return None


def _input_kind(path: str) -> str:
    """``run``, ``sweep`` or ``scenario`` for an argument, or a UserError saying what it is instead."""
    p = Path(path)
    if not p.exists():
        raise not_found(
            path, "not found", "give a result folder (`eujsim run`), a sweep folder (`eujsim sweep`) or a scenario file"
        )
    if p.is_dir():
        kind = folder_kind(p)
        if kind == "compare":
            raise UserError(
                "is a comparison folder (`eujsim compare` wrote it); compare the run folders or scenario files "
                "it was made from",
                file=path,
            )
        if kind == "explain":
            raise UserError(
                f"is an explanation folder (`eujsim explain` wrote it); compare the run that holds it, {p.parent}",
                file=path,
            )
        if kind is None:
            raise UserError(
                "is not a result folder (no scenario.yaml, manifest.json and timeseries.csv) nor a sweep folder; "
                "give a folder `eujsim run` or `eujsim sweep` wrote, or a scenario file",
                file=path,
            )
        return kind
    from simulator.inputs.files import is_experiment_file

    if is_experiment_file(p):
        raise UserError(
            f"is an experiment file; run it with `eujsim sweep {path}` and compare the sweep folder it writes",
            file=path,
        )
    return "scenario"


def _load_input(path: str, kind: str, shocks: str | Path | None) -> Compared:
    if kind == "run":
        run = open_run(path)
        return Compared(
            label=run.scenario.name,
            path=path,
            source="run",
            scenario=run.scenario,
            seed=run.scenario.seed,
            replicates=np.asarray(run.replicates),
            description=run.scenario.description,
            result=run,
            shocks=tuple(run.scenario.shocks),
        )
    from simulator.runs.runner import resolve

    scenario = resolve(path, shocks=shocks)
    return Compared(
        label=scenario.name,
        path=path,
        source="scenario",
        scenario=scenario,
        seed=scenario.seed,
        replicates=np.arange(scenario.replicates),
        description=scenario.description,
        shocks=tuple(scenario.shocks),
    )


def _label(items: list[Compared]) -> None:
    """Make labels unique (the second 'baseline' becomes 'baseline (2)') and give each its own run folder name.

    Labels that differ only in characters a folder name cannot hold (``a/b`` and ``a?b``,
    ``.`` and ``..``) still get distinct folders under ``runs/``.
    """
    seen: dict[str, int] = {}
    taken = {item.label for item in items}
    for item in items:
        base = item.label
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            n = seen[base]
            while f"{base} ({n})" in taken:
                n += 1
            item.label = f"{base} ({n})"
            taken.add(item.label)
    for item, name in zip(items, distinct_names([item.label for item in items]), strict=True):
        item.run_name = name


def _exists(text: str) -> bool:
    """Whether ``text`` names an existing path (False for text no path could be, such as a very long label)."""
    try:
        return Path(text).exists()
    except (OSError, ValueError):
        return False


def _baseline_index(baseline: str | int | None, items: list[Compared], paths: Sequence[str] | None) -> int:
    if baseline is None:
        return 0
    labels = [item.label for item in items]
    if isinstance(baseline, (int, np.integer)) and not isinstance(baseline, bool):
        if 0 <= baseline < len(items):
            return int(baseline)
        raise UserError(
            f"baseline position {baseline} is out of range: there are {len(items)} inputs (0–{len(items) - 1})",
            field="--baseline",
        )
    text = str(baseline)
    if text in labels:
        return labels.index(text)
    if paths and len(paths) == len(items) and text in paths:
        return list(paths).index(text)
    if paths and len(paths) == len(items) and _exists(text):
        resolved = [Path(p).resolve() for p in paths]
        if Path(text).resolve() in resolved:
            return resolved.index(Path(text).resolve())
    if text.isascii() and text.isdigit() and len(text) < 10:  # a position as the command line counts: 1 = the first
        if 1 <= int(text) <= len(items):
            return int(text) - 1
        raise UserError(
            f"baseline position {text} is out of range: there are {len(items)} compared scenarios (1–{len(items)})",
            field="--baseline",
        )
    raise UserError(
        f"no input labelled '{clip(text)}'{near_miss(text, labels)}; give a label ({choices_hint(labels)}), "
        "a position (1 = the first input) or a path as given",
        field="--baseline",
    )


def _check_metric(metric: str, items: list[Compared]) -> None:
    from simulator.core.recorder import column_names

    for item in items:
        columns = item.result.columns if isinstance(item.result, RunFolder) else column_names()
        if metric not in columns:
            raise UserError(
                f"no series '{clip(metric)}'{near_miss(metric, columns)}; choose a recorded series such as "
                "coop_EU_JPN, coop_EU_JPN_maritime, threat_JPN_CHN or spending_JPN (the columns of timeseries.csv)",
                file=item.path if isinstance(item.result, RunFolder) else None,
                field="--metric",
            )


def _window(items: list[Compared]) -> tuple[int, int]:
    """First and last simulated quarter (counts) that every input shares."""
    first = max(int(item.simulated[0]) for item in items)
    last = min(int(item.simulated[-1]) for item in items)
    if first > last:
        spans = ", ".join(f"'{item.label}' {item.scenario.period}" for item in items)
        raise UserError(
            f"the inputs share no simulated quarter ({spans}); compare scenarios whose periods overlap "
            "(set start and horizon in the scenario files)",
            field="inputs",
        )
    return first, last


# -- sweeps -----------------------------------------------------------------------------


def _prepare_sweep(
    path: str,
    baseline: str | int | None,
    metric: str,
    threshold: float | None,
    points: Sequence[int] | None,
    by: str | None,
    seed: int | None,
    replicates: int | None,
) -> Plan:
    from simulator.sweeps.experiment_labels import value_text
    from simulator.sweeps.sweep import open_sweep
    from simulator.sweeps.sweep_size import check_analysis_fits

    if seed is not None or replicates is not None:
        raise UserError(
            "a sweep folder is compared with the seed and replicates it was run with; drop --seed/--replicates",
            field="--seed" if seed is not None else "--replicates",
        )
    result = open_sweep(path)
    experiment = result.experiment
    check_analysis_fits(
        experiment,
        file=path,
        fix="compare on a copy of the sweep folder on a machine with more memory",
        worlds=result.row_count("worlds"),
    )
    worlds = result.worlds()
    if worlds.empty:
        raise UserError("has no finished worlds yet; finish it with `eujsim sweep --resume`", file=path)
    design = result.points()
    if (points is None) == (by is None):
        raise UserError(
            "say what to compare in the sweep: --points ID,ID,… (point ids of points.parquet) or --by FACTOR "
            f"(one of {', '.join(experiment.factor_names)})",
            field="--points" if points is not None else "--by",
        )
    if metric not in experiment.series:
        raise UserError(
            f"the sweep recorded no per-quarter series '{clip(metric)}'{near_miss(metric, experiment.series)}; "
            f"it has {', '.join(experiment.series)} (add the series to the experiment's `series:` to compare it)",
            file=path,
            field="--metric",
        )
    scenario = experiment.scenario
    reps = np.arange(experiment.replicates)
    items: list[Compared] = []
    finished = set(worlds["point"].unique().tolist())
    if points is not None:
        ids = list(dict.fromkeys(int(p) for p in points))
        if len(ids) < 2:
            raise UserError("--points needs at least two point ids, e.g. --points 0,12", field="--points")
        known = set(design["point"].tolist())
        missing = [p for p in ids if p not in known]
        if missing:
            raise UserError(
                f"point(s) {clip(', '.join(map(str, missing)))} not in the sweep, whose points are "
                f"0–{len(design) - 1} (see points.parquet)",
                field="--points",
            )
        unfinished = [p for p in ids if p not in finished]
        if unfinished:
            raise UserError(
                f"point(s) {clip(', '.join(map(str, unfinished)))} did not finish; resume the sweep or choose others",
                field="--points",
            )
        rows = design.set_index("point")
        for p in ids:
            values = rows.loc[p]
            text = ", ".join(f"{f.label or f.name} {value_text(f, values[f.name])}" for f in experiment.factors)
            items.append(
                Compared(
                    label=f"point {p}: {text}",
                    path=path,
                    source="sweep",
                    scenario=scenario,
                    seed=experiment.seed,
                    replicates=reps,
                    description=text,
                    points=(p,),
                    shocks=_point_shocks(experiment, [values]),
                )
            )
    else:
        assert by is not None
        if by not in experiment.factor_names:
            raise UserError(
                f"'{clip(by)}' is not a factor of this sweep{near_miss(by, experiment.factor_names)}; "
                f"its factors: {choices_hint(experiment.factor_names)}",
                field="--by",
            )
        factor = experiment.factor(by)
        done = design[design["point"].isin(finished)]
        values = sorted(done[by].unique())
        if len(values) < 2:
            raise UserError(f"the sweep has only one value of '{by}'; nothing to compare", field="--by")
        if len(values) > MAX_GROUPS:
            raise UserError(
                f"'{by}' takes {len(values)} values in this sweep; grouping compares at most {MAX_GROUPS} "
                "(a grid factor with few levels); use --points for a sampled design",
                field="--by",
            )
        others = [f for f in experiment.factors if f.name != by]
        for value in values:
            group = done[done[by] == value]
            text = f"{factor.label or factor.name} {value_text(factor, value)}"
            over = f", mean over {len(group)} point(s) of {', '.join(f.label or f.name for f in others)}"
            items.append(
                Compared(
                    label=text,
                    path=path,
                    source="sweep",
                    scenario=scenario,
                    seed=experiment.seed,
                    replicates=reps,
                    description=text + (over if others else ""),
                    points=tuple(int(p) for p in group["point"]),
                    shocks=_point_shocks(experiment, [row for _, row in group.iterrows()]),
                )
            )
    base = _baseline_index(baseline, items, None)
    level = threshold
    notes = [
        "sweep: the per-quarter table keeps each point's mean and percentiles, not its worlds, so the difference "
        "over time is the difference of means, without an interval"
    ]

    if level is None:
        recorded = [m.threshold for m in experiment.metrics if m.series == metric and m.statistic == "first_above"]
        level = recorded[0] if len(recorded) == 1 else DEFAULT_THRESHOLD
    if by is not None:
        notes.append(
            f"sweep grouped by {by}: each replicate's statistics are averaged over the group's points (the other "
            "factors' values), so intervals are over replicates of that average; the overlay shows the mean path "
            "only, as a group's band over worlds is not in the per-quarter table"
        )
    plan = Plan(
        items=items,
        baseline=base,
        metric=metric,
        threshold=float(level),
        window=(int(scenario.start), int(scenario.last)),
        sweep=_Sweep(result, worlds),
        by=by,
        notes=notes,
        warning=result.shortfall,
    )
    return plan


def _point_shocks(experiment: Any, rows: list[pd.Series]) -> tuple[Shock, ...]:
    """The shocks of sweep points as they act there: each factor of a shock moved into it.

    A shock of magnitude 0 at every point is left out. For a group whose points put a shock at
    different quarters, the shock is not drawn; where they give it different ramps, durations
    or decays, only its onset is (its window's shape is not one shape).
    """
    marks = []
    for shock in experiment.scenario.shocks:
        fields: dict[str, Any] = {}
        onsets = {shock.at}
        silent = False
        shape_varies = False
        for f in experiment.factors:
            if f.shock != shock.name:
                continue
            column = np.array([row[f.name] for row in rows], dtype=float)
            if f.is_onset:
                onsets = {int(v) for v in f.model_values(column)}
            elif f.shock_field == "magnitude":
                silent = silent or bool(np.all(column == 0))
            elif f.shock_field in ("ramp", "duration", "decay"):
                values = set(column.tolist())
                if len(values) == 1:
                    fields[f.shock_field] = values.pop()
                else:
                    shape_varies = True
        if len(onsets) != 1 or silent:
            continue
        if shape_varies:
            fields = {"ramp": 0, "duration": 0, "decay": 0}
        marks.append(replace(shock, at=onsets.pop(), **fields))
    return tuple(marks)


# -- statistics ------------------------------------------------------------------------


def _spread(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and 5th–95th percentile of the finite values (NaN when there are none)."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (np.nan, np.nan, np.nan)
    low, high = np.percentile(values, INTERVAL)
    return float(values.mean()), float(low), float(high)


def _paired(a: pd.Series, b: pd.Series) -> np.ndarray:
    """Per-replicate differences a − b on the replicates where both are defined."""
    joined = pd.concat([a.rename("a"), b.rename("b")], axis=1, join="inner").dropna()
    return (joined["a"] - joined["b"]).to_numpy(dtype=float)


def _unpaired(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Difference of independent worlds: mean(a) − mean(b) and the 5–95% of a_i − b_j over all pairs."""
    a = np.sort(np.asarray(a, dtype=float)[np.isfinite(a)])
    b = np.sort(np.asarray(b, dtype=float)[np.isfinite(b)])
    if a.size == 0 or b.size == 0:
        return (np.nan, np.nan, np.nan)
    mean = float(a.mean() - b.mean())
    limit = int(np.sqrt(MAX_PAIRS))
    if a.size * b.size > MAX_PAIRS:
        a = a[np.linspace(0, a.size - 1, min(a.size, limit)).round().astype(int)]
        b = b[np.linspace(0, b.size - 1, min(b.size, limit)).round().astype(int)]
    low, high = np.percentile(np.subtract.outer(a, b), INTERVAL)
    return mean, float(low), float(high)


def _bootstrap(a: np.ndarray, b: np.ndarray | None, paired: bool) -> tuple[float, float, float]:
    """Mean of ``a`` (or of a − b) with a 90% bootstrap interval of that mean over replicates."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    a = np.asarray(a, dtype=float)
    if b is None:
        means = a[rng.integers(0, a.size, (BOOTSTRAP_SAMPLES, a.size))].mean(axis=1)
        return float(a.mean()), *map(float, np.percentile(means, INTERVAL))
    b = np.asarray(b, dtype=float)
    if paired:
        diff = a - b
        means = diff[rng.integers(0, diff.size, (BOOTSTRAP_SAMPLES, diff.size))].mean(axis=1)
        return float(diff.mean()), *map(float, np.percentile(means, INTERVAL))
    ma = a[rng.integers(0, a.size, (BOOTSTRAP_SAMPLES, a.size))].mean(axis=1)
    mb = b[rng.integers(0, b.size, (BOOTSTRAP_SAMPLES, b.size))].mean(axis=1)
    return float(a.mean() - b.mean()), *map(float, np.percentile(ma - mb, INTERVAL))


def _noise(low: float, high: float) -> Any:
    """Whether an interval contains 0; missing (pd.NA) when the interval is."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return pd.NA
    return bool(low <= 0.0 <= high)


def _series_stats(series: np.ndarray, steps: np.ndarray, threshold: float) -> dict[str, np.ndarray]:
    """Per-world final, peak, mean and first crossing over the window's steps of a (steps + 1, worlds) series."""
    window = series[steps]
    reached = window >= threshold
    first = reached.argmax(axis=0).astype(float) + 1.0
    first[~reached.any(axis=0)] = np.nan
    return {
        "final": window[-1],
        "peak": window.max(axis=0),
        "mean": window.mean(axis=0),
        "first_crossing": first,
        "share_crossing": reached.any(axis=0).astype(float),
    }


class Comparison:
    """The result of :func:`compare`: tables, plots and the text summary of several scenarios.

    Attributes:
        inputs: The compared scenarios, in order.
        baseline: The baseline's label.
        metric: The compared series.
        threshold: Level whose first crossing is reported.
        window: First and last quarter label of the shared window the statistics are over.
        paired: Whether every difference is paired replicate by replicate.
        notes: What the comparison could not show, and why (also in the summary and compare.json).
        held_constant: Per input whose metric is one number in every world and quarter of its run, that
            constant (sweep points are not tested: their per-quarter table keeps no worlds).
        warning: For a sweep folder whose tables miss rows, what is missing
            (:attr:`simulator.sweeps.sweep.SweepResult.shortfall`; the summary's second line, and in compare.json).
    """

    def __init__(self, plan: Plan) -> None:
        self._plan = plan
        self.inputs = plan.items
        self.baseline = plan.items[plan.baseline].label
        self.metric = plan.metric
        self.threshold = plan.threshold
        self.window = (quarter_label(plan.window[0]), quarter_label(plan.window[1]))
        self.notes = list(plan.notes)
        self.warning = plan.warning
        base = plan.items[plan.baseline]
        self.pairing = {item.label: self._pairs(item, base) for item in self.inputs}
        self.paired = all(self.pairing.values())
        self.domain_series, reason = self._domain_series()
        if reason:
            self.notes.append(f"no per-domain comparison: {reason}")
        self.held_constant = self._held_constant()
        if self.held_constant and not self.constant_everywhere:
            self.notes.append(partly_constant_note(self.metric, self.held_constant))

    # -- set-up --------------------------------------------------------------------

    def _pairs(self, item: Compared, base: Compared) -> bool:
        """Whether world r of ``item`` and of ``base`` differ only by scenario (see :func:`unpaired_reasons`)."""
        return not unpaired_reasons(item, base)

    def _domain_series(self) -> tuple[list[str] | None, str]:
        """The per-domain series of the metric, or None and the reason there are none."""
        pair = self.metric.removeprefix("coop_")
        if self._plan.sweep is not None:
            return None, "the sweep recorded no per-domain series"
        if not self.metric.startswith("coop_") or pair not in PAIRS:
            return None, f"{self.metric} is not a pair's aggregate cooperation (coop_<pair>)"
        if pair != HEADLINE_PAIR:
            return None, f"runs record cooperation per domain for coop_{HEADLINE_PAIR} only"
        return [f"coop_{pair}_{d}" for d in DOMAINS], ""

    def _held_constant(self) -> dict[str, HeldConstant]:
        found = {}
        for item in self.inputs:
            if item.result is not None:
                for constant in held_constant(item.result, [self.metric]):
                    found[item.label] = constant
        return found

    @property
    def constant_everywhere(self) -> bool:
        """Whether the metric is one and the same number in every world and quarter of every input."""
        return constant_everywhere(self.held_constant, [item.label for item in self.inputs])

    @property
    def constant_note(self) -> str:
        """What the plots say under the overlay about inputs that hold the metric constant ('' when none)."""
        if not self.held_constant:
            return ""
        if self.constant_everywhere:
            return constant_statement(self.metric, self.held_constant)
        return partly_constant_note(self.metric, self.held_constant) + "."

    @property
    def grouped_by(self) -> str | None:
        """The sweep factor the compared scenarios are grouped by, if any."""
        return self._plan.by

    @property
    def baseline_item(self) -> Compared:
        """The baseline input."""
        return self.inputs[self._plan.baseline]

    @property
    def window_counts(self) -> tuple[int, int]:
        """The window as quarter counts."""
        return self._plan.window

    def _steps(self, item: Compared) -> np.ndarray:
        first, last = self._plan.window
        return np.arange(first, last + 1) - item.first_quarter

    def _series(self, item: Compared, variable: str) -> np.ndarray:
        assert item.result is not None
        return item.result.series(variable)

    # -- per-world statistics ------------------------------------------------------------

    @cached_property
    def worlds(self) -> dict[str, pd.DataFrame]:
        """Per compared scenario: one row per replicate, a column per statistic (first_crossing NaN = never)."""
        if self._plan.sweep is not None:
            return self._sweep_worlds()
        frames = {}
        for item in self.inputs:
            stats = _series_stats(self._series(item, self.metric), self._steps(item), self.threshold)
            frames[item.label] = pd.DataFrame(stats, index=pd.Index(item.replicates, name="replicate"))
        return frames

    def _sweep_worlds(self) -> dict[str, pd.DataFrame]:
        sweep = self._plan.sweep
        assert sweep is not None
        worlds = sweep.worlds
        columns = {
            "final": f"{self.metric}:final",
            "peak": f"{self.metric}:peak",
            "mean": f"{self.metric}:mean",
            "first_crossing": f"{self.metric}:first_above@{self.threshold:g}",
        }
        missing = [name for name, column in columns.items() if column not in worlds.columns]
        if missing:
            self.notes.append(
                "the sweep did not record "
                + ", ".join(columns[m] for m in missing)
                + " per world; those rows of the table are empty (add the metrics to the experiment to get them)"
            )
        frames = {}
        for item in self.inputs:
            rows = worlds[worlds["point"].isin(item.points)]
            data = pd.DataFrame({"replicate": rows["replicate"].to_numpy()})
            for name, column in columns.items():
                data[name] = rows[column].to_numpy(dtype=float) if column in rows else np.nan
            if columns["first_crossing"] in rows:
                data["share_crossing"] = rows[columns["first_crossing"]].notna().to_numpy(dtype=float)
            else:
                data["share_crossing"] = np.nan
            # a group: each replicate's statistics averaged over the group's points
            frames[item.label] = data.groupby("replicate", sort=True).mean()
        return frames

    def _row(self, item: Compared, values: pd.Series, base: pd.Series, kind: str) -> dict[str, Any]:
        paired = self.pairing[item.label]
        if kind == "share":
            if values.isna().all() or base.isna().all():
                stats = diff = (np.nan, np.nan, np.nan)
            else:
                stats = _bootstrap(values.to_numpy(), None, paired)
                if paired:
                    joined = pd.concat([values.rename("a"), base.rename("b")], axis=1, join="inner")
                    diff = _bootstrap(joined["a"].to_numpy(), joined["b"].to_numpy(), True)
                else:
                    diff = _bootstrap(values.to_numpy(), base.to_numpy(), False)
        else:
            stats = _spread(values.to_numpy())
            diff = _spread(_paired(values, base)) if paired else _unpaired(values.to_numpy(), base.to_numpy())
        return {
            "scenario": item.label,
            "mean": stats[0],
            "p5": stats[1],
            "p95": stats[2],
            "diff_mean": diff[0],
            "diff_p5": diff[1],
            "diff_p95": diff[2],
            "within_noise": _noise(diff[1], diff[2]),
        }

    @cached_property
    def table(self) -> pd.DataFrame:
        """Per scenario and statistic: mean, 90% interval, difference to the baseline and its interval.

        ``first_crossing`` is the position in the window (1 = its first quarter) of the first quarter
        the metric is at or above the threshold, over the worlds that reach it (for the difference:
        the replicates that reach it in both); ``share_crossing`` is the share of worlds that do.
        """
        rows = []
        base = self.worlds[self.baseline]
        for item in self.inputs:
            frame = self.worlds[item.label]
            for statistic in STATISTICS:
                kind = "share" if statistic == "share_crossing" else statistic
                row = self._row(item, frame[statistic], base[statistic], kind)
                row["statistic"] = statistic
                rows.append(row)
        return _typed(pd.DataFrame(rows, columns=list(TABLE_COLUMNS)))

    @cached_property
    def domains(self) -> pd.DataFrame:
        """Final intensity of each domain (at the window's last quarter) per scenario, with differences.

        Empty (with the columns) when the metric is not a pair's aggregate cooperation or the input is a sweep.
        """
        if self.domain_series is None:
            return _typed(pd.DataFrame(columns=list(DOMAIN_COLUMNS)))
        last = self._plan.window[1]
        finals = {
            item.label: {
                d: pd.Series(self._series(item, s)[last - item.first_quarter], index=item.replicates)
                for d, s in zip(DOMAINS, self.domain_series, strict=True)
            }
            for item in self.inputs
        }
        rows = []
        for item in self.inputs:
            for d in DOMAINS:
                row = self._row(item, finals[item.label][d], finals[self.baseline][d], "final")
                row["domain"] = d
                rows.append(row)
        return _typed(pd.DataFrame(rows, columns=list(DOMAIN_COLUMNS)))

    @cached_property
    def shared_quarters(self) -> np.ndarray:
        """Quarter counts every input recorded (steps 0..horizon), for the difference over time."""
        first = max(int(item.recorded[0]) for item in self.inputs)
        last = min(int(item.recorded[-1]) for item in self.inputs)
        return np.arange(first, last + 1)

    @cached_property
    def overlay(self) -> pd.DataFrame:
        """Per scenario and recorded quarter: mean and 5–95% band of the metric (band empty for sweep groups)."""
        frames = []
        if self._plan.sweep is not None:
            quarters = self._plan.sweep.result.quarters(self.metric)
            for item in self.inputs:
                rows = quarters[quarters["point"].isin(item.points)]
                grouped = rows.groupby("step", sort=True)
                frame = pd.DataFrame({"mean": grouped["mean"].mean()})
                single = len(item.points) == 1
                frame["p5"] = grouped["p05"].mean() if single else np.nan
                frame["p95"] = grouped["p95"].mean() if single else np.nan
                frame = frame.reset_index()
                frame["quarter"] = [quarter_label(item.first_quarter + s) for s in frame["step"]]
                frame["scenario"] = item.label
                frames.append(frame)
        else:
            for item in self.inputs:
                data = self._series(item, self.metric)
                frames.append(
                    pd.DataFrame(
                        {
                            "scenario": item.label,
                            "quarter": [quarter_label(q) for q in item.recorded],
                            "mean": data.mean(axis=1),
                            "p5": np.percentile(data, INTERVAL[0], axis=1),
                            "p95": np.percentile(data, INTERVAL[1], axis=1),
                        }
                    )
                )
        return pd.concat(frames, ignore_index=True)[list(OVERLAY_COLUMNS)]

    @cached_property
    def difference(self) -> pd.DataFrame:
        """Per shared quarter and non-baseline scenario: the difference to the baseline with its interval.

        Paired inputs: the mean and 5–95% of per-replicate differences; unpaired: the difference of
        means and the 5–95% of differences between independent worlds; sweeps: the difference of
        means only (the per-quarter table keeps no worlds).
        """
        quarters = self.shared_quarters
        labels = [quarter_label(q) for q in quarters]
        base = self.baseline_item
        if self._plan.sweep is not None:
            over = self.overlay.set_index(["scenario", "quarter"])["mean"]
        rows: list[pd.DataFrame] = []
        for item in self.inputs:
            if item.label == self.baseline:
                continue
            if self._plan.sweep is not None:
                mean = over.loc[item.label].loc[labels].to_numpy() - over.loc[base.label].loc[labels].to_numpy()
                low = high = np.full(len(quarters), np.nan)
            else:
                a = self._series(item, self.metric)[quarters - item.first_quarter]
                b = self._series(base, self.metric)[quarters - base.first_quarter]
                if self.pairing[item.label]:
                    order_a = np.argsort(item.replicates)
                    order_b = np.argsort(base.replicates)
                    diff = a[:, order_a] - b[:, order_b]
                    mean = diff.mean(axis=1)
                    low, high = np.percentile(diff, INTERVAL, axis=1)
                else:
                    stats = np.array([_unpaired(a[i], b[i]) for i in range(len(quarters))])
                    mean, low, high = stats[:, 0], stats[:, 1], stats[:, 2]
            rows.append(
                pd.DataFrame(
                    {
                        "quarter": labels,
                        "scenario": item.label,
                        "mean": mean,
                        "p5": low,
                        "p95": high,
                    }
                )
            )
        if not rows:
            return pd.DataFrame(columns=list(DIFFERENCE_COLUMNS))
        return pd.concat(rows, ignore_index=True)[list(DIFFERENCE_COLUMNS)]

    # -- words ---------------------------------------------------------------------------

    def pairing_line(self) -> str:
        """Whether the differences are paired, in one line."""
        base = self.baseline_item
        reps = base.replicates
        span = f"{int(reps.min())}–{int(reps.max())}" if len(reps) > 1 else str(int(reps[0]))
        if self.paired:
            how = (
                "sweep worlds share random numbers across points"
                if self._plan.sweep is not None
                else f"every input has seed {base.seed} and replicates {span} (common random numbers) and runs "
                f"over the {base.parameters_text}"
            )
            return f"Paired: {how}; differences are taken replicate by replicate."
        reasons = {item.label: unpaired_reasons(item, base) for item in self.inputs}
        unpaired = [label for label, ok in self.pairing.items() if not ok]
        seeds = [label for label in unpaired if "seed" in reasons[label]]
        parameters = [label for label in unpaired if "parameters" in reasons[label]]
        parts = []
        if seeds:
            parts.append(
                f"{', '.join(seeds)} {'has' if len(seeds) == 1 else 'have'} other seeds or replicates than the "
                f"baseline (seed {base.seed}, replicates {span})"
            )
        if parameters:
            others = "; ".join(
                f"{item.label}: {item.parameters_text}" for item in self.inputs if item.label in parameters
            )
            parts.append(
                f"{', '.join(parameters)} ran over other parameters than the baseline ({base.parameters_text}; "
                f"{others}), so part of {'its' if len(parameters) == 1 else 'their'} difference is the "
                "difference of parameters, not of scenarios"
            )
        fixes = ["the same seed"] if seeds else []
        if parameters:
            fixes.append("the same parameters (the same --ensemble, or none for the point calibration)")
        fix = " and ".join(fixes)
        return (
            f"UNPAIRED: {'; '.join(parts)}. Their differences compare independent worlds, so the intervals are "
            f"wider. Re-run with {fix} to pair them."
        )

    def text(self) -> str:
        """The comparison as printed in the terminal (and saved as summary.txt)."""
        from simulator.presentation.labels import series_label, series_unit

        lines = [
            f"Comparing {series_label(self.metric)} ({self.metric}, {series_unit(self.metric)}) over "
            f"{self.window[0]}–{self.window[1]}, baseline '{self.baseline}'",
        ]
        if self.warning:
            lines.append(f"Warning: the sweep folder {self._plan.items[0].path}: {self.warning}")
        for number, item in enumerate(self.inputs, start=1):
            reps = f"{len(item.replicates)} replicates, seed {item.seed}"
            where = item.path if item.source != "sweep" else f"{item.path}, {item.description}"
            over = f"; {item.parameters_text}" if item.source != "sweep" else ""
            lines.append(f"  {number}. {item.label}  [{item.source}: {where}; {item.scenario.period}; {reps}{over}]")
        lines.append(self.pairing_line())
        if self.constant_everywhere:
            lines += ["", constant_statement(self.metric, self.held_constant)]
        else:
            lines.append(
                "Intervals: 5th–95th percentile over replicates; differences to the baseline the same way. "
                "'~' marks a difference within noise (its interval contains 0)."
            )
            lines.append("")
            lines.extend(self._table_lines())
        if self.domain_series is not None:
            lines.append("")
            lines.extend(self._domain_lines())
        if self.notes:
            lines.append("")
            lines.extend(f"Note: {note}." for note in self.notes)
        return "\n".join(lines)

    def _table_lines(self) -> list[str]:
        width = max(len(label) for label in [*self.worlds, "scenario"])
        first = self.window_counts[0]
        header = f"{'':<20} {'scenario':<{width}}  {'value (90% interval)':<25} difference to baseline (90% interval)"
        lines = [header, "-" * len(header)]
        names = {
            "final": f"final ({self.window[1]})",
            "peak": "peak",
            "mean": "mean over window",
            "first_crossing": f"first ≥ {self.threshold:g}",
            "share_crossing": f"share reaching {self.threshold:g}",
        }
        table = self.table
        for statistic in STATISTICS:
            rows = table[table["statistic"] == statistic]
            for n, (_, row) in enumerate(rows.iterrows()):
                name = names[statistic] if n == 0 else ""
                if statistic == "first_crossing":
                    value = _quarters_text(row, first)
                    diff = _diff_text(row, "{:+.1f} q")
                elif statistic == "share_crossing":
                    value = _pct_text(row["mean"], row["p5"], row["p95"])
                    diff = _diff_text(
                        row.to_dict() | {k: row[k] * 100 for k in ("diff_mean", "diff_p5", "diff_p95")}, "{:+.0f} pts"
                    )
                else:
                    value = _value_text(row["mean"], row["p5"], row["p95"])
                    diff = _diff_text(row, "{:+.3f}")
                if row["scenario"] == self.baseline:
                    diff = "(baseline)"
                lines.append(f"{name:<20} {row['scenario']:<{width}}  {value:<25} {diff}".rstrip())
        lines.append(
            f"first ≥ {self.threshold:g}: mean quarter (90% interval) over the replicates that reach it; "
            "difference in quarters (q) over the replicates that reach it in both."
        )
        return lines

    def _domain_lines(self) -> list[str]:
        others = [item.label for item in self.inputs if item.label != self.baseline]
        frame = self.domains.set_index(["scenario", "domain"])
        cell = 24
        header = f"{'domain':<22} {self.baseline[:12]:>12}" + "".join(
            f"  {label[: cell - 2]:<{cell}}" for label in others
        )
        header = header.rstrip()
        lines = [
            f"Final {self.metric} by domain ({self.window[1]}): baseline mean, then difference to baseline "
            "(90% interval)",
            header,
            "-" * len(header),
        ]
        for d in DOMAINS:
            base = frame.loc[(self.baseline, d)]
            text = f"{DOMAIN_LABELS[d]:<22} {base['mean']:>12.3f}"
            for label in others:
                row = frame.loc[(label, d)]
                text += f"  {_diff_text(row, '{:+.3f}', compact=True):<{cell}}"
            lines.append(text.rstrip())
        return lines

    # -- writing -------------------------------------------------------------------------

    def manifest(self, command_line: Sequence[str] | None = None) -> dict[str, Any]:
        """The content of ``compare.json``."""
        from simulator.runs.manifest import environment, now_utc, package_version

        return {
            "kind": "compare",
            "tool": "eujsim",
            "version": package_version("eujsim"),
            "metric": self.metric,
            "baseline": self.baseline,
            "paired": self.paired,
            "threshold": self.threshold,
            "window": list(self.window),
            "inputs": [item.to_dict(self.pairing[item.label]) for item in self.inputs],
            "first_crossing_unit": f"quarters from the window's start (1 = {self.window[0]})",
            "interval": f"{INTERVAL[0]}th–{INTERVAL[1]}th percentile over replicates",
            "difference_quarters": [
                quarter_label(int(self.shared_quarters[0])),
                quarter_label(int(self.shared_quarters[-1])),
            ],
            "domains": self.domain_series is not None,
            "held_constant": {
                label: {"value": c.value, "at_floor": c.at_floor} for label, c in self.held_constant.items()
            },
            "notes": self.notes,
            **({"warning": self.warning} if self.warning else {}),
            "sweep": (
                {"by": self._plan.by, "points": [list(i.points) for i in self.inputs]}
                if self._plan.sweep is not None
                else None
            ),
            "command_line": list(command_line) if command_line is not None else None,
            "created_utc": now_utc(),
            **environment(),
        }

    def save(
        self,
        out: str | Path | None = None,
        *,
        force: bool = False,
        plots: bool = True,
        plot_formats: Sequence[str] = ("png",),
        command_line: Sequence[str] | None = None,
        renumber: bool = False,
    ) -> Path:
        """Write the comparison folder atomically and return its path.

        Args:
            out: The folder (default ``results/compare-<label>-vs-<label>…``, numbered past existing ones).
            force: Replace an existing ``out``.
            plots: Draw the plots (of the comparison and of the runs it simulated).
            plot_formats: Write each plot in these formats (``png``, ``svg``, ``pdf``); compare.json lists them.
            command_line: Recorded in compare.json.
            renumber: ``out`` was chosen as a free default (as when it is not given): if another process
                takes it meanwhile, write to the next free ``out-2``, ``out-3`` … (the returned path says which).

        Raises:
            UserError: if ``out`` exists (without ``force``) or cannot be written.
        """
        from simulator.presentation.compare_plots import draw_compare_plots

        renumber = renumber or out is None
        out = self._plan.default_folder() if out is None else Path(out)
        writer = atomic_folder(out, "compare", force=force, renumber=renumber)
        with writer as tmp:
            self.table.to_csv(tmp / "table.csv", index=False, float_format=FLOAT_FORMAT)
            self.domains.to_csv(tmp / "domains.csv", index=False, float_format=FLOAT_FORMAT)
            self.difference.to_csv(tmp / "difference.csv", index=False, float_format=FLOAT_FORMAT)
            (tmp / "summary.txt").write_text(self.text() + "\n", encoding="utf-8")
            if plots:
                draw_compare_plots(self, tmp / "plots", plot_formats)
            for item in self.inputs:
                if item.source == "scenario" and isinstance(item.result, RunResult):
                    extra = {"command_line": list(command_line) if command_line else None, "compared_in": str(out)}
                    item.result.save(
                        tmp / "runs" / item.run_name, plots=plots, plot_formats=plot_formats, manifest_extra=extra
                    )
            manifest = {**self.manifest(command_line), "plot_formats": list(plot_formats) if plots else []}
            (tmp / "compare.json").write_text(
                json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        return writer.destination


def unpaired_reasons(item: Compared, base: Compared) -> set[str]:
    """Why ``item``'s world r cannot be set against ``base``'s world r (empty: they pair).

    ``seed``: another seed or other replicate numbers, so other random episodes and crises.
    ``parameters``: another parameter ensemble (compared by its file's sha256) or one input over an
    ensemble and the other over the point calibration, so other parameter values in world r.
    """
    reasons = set()
    if item.seed != base.seed or not np.array_equal(np.sort(item.replicates), np.sort(base.replicates)):
        reasons.add("seed")
    if _parameters_key(item) != _parameters_key(base):
        reasons.add("parameters")
    return reasons


def _parameters_key(item: Compared) -> str:
    """What two inputs must share to run over the same parameters: the point calibration or an ensemble's sha256."""
    entry = item.ensemble
    return "point calibration" if entry is None else f"ensemble sha256 {entry['sha256']}"


def constant_everywhere(constants: Mapping[str, HeldConstant], labels: Sequence[str]) -> bool:
    """Whether every input of ``labels`` holds the metric constant, all at the same value."""
    if not labels or any(label not in constants for label in labels):
        return False
    values = [constants[label].value for label in labels]
    return max(values) - min(values) <= CONSTANT_TOLERANCE


def constant_statement(metric: str, constants: Mapping[str, HeldConstant]) -> str:
    """The sentence that replaces the table when every input holds the metric at the same number."""
    from simulator.presentation.labels import series_label

    values = list(constants.values())
    floor = " at its agreement floor" if all(c.at_floor for c in values) else ""
    return (
        f"{series_label(metric)} ({metric}) is held constant{floor} in every world and quarter of every compared "
        f"scenario, at {values[0].value + 0.0:.3g}: not a result, so no difference to the baseline is reported."
    )


def partly_constant_note(metric: str, constants: Mapping[str, HeldConstant]) -> str:
    """The note naming the inputs that hold the metric constant, when others let it move (no final period)."""
    listing = ", ".join(
        f"'{label}' ({c.value + 0.0:.3g}{', its agreement floor' if c.at_floor else ''})"
        for label, c in constants.items()
    )
    return f"{metric} is held constant in every world and quarter of {listing}: there it repeats a parameter"


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """Numbers as floats and the noise flag as a nullable boolean, so the CSVs are the same every time."""
    for column in ("mean", "p5", "p95", "diff_mean", "diff_p5", "diff_p95"):
        frame[column] = frame[column].astype(float)
    frame["within_noise"] = frame["within_noise"].astype("boolean")
    return frame


def _value_text(mean: float, low: float, high: float) -> str:
    if not np.isfinite(mean):
        return "–"
    return f"{mean:.3f} ({low:.3f}–{high:.3f})"


def _pct_text(mean: float, low: float, high: float) -> str:
    if not np.isfinite(mean):
        return "– (not recorded)"
    return f"{mean:.0%} ({low:.0%}–{high:.0%})"


def _quarters_text(row: Mapping[str, Any], first: int) -> str:
    if not np.isfinite(row["mean"]):
        return "never in the window"

    def label(position: float) -> str:
        return quarter_label(first + round(position) - 1)

    return f"{label(row['mean'])} ({label(row['p5'])}–{label(row['p95'])})"


def _diff_text(row: Mapping[str, Any], pattern: str, *, compact: bool = False) -> str:
    """``+0.101 (+0.080 to +0.120)`` with ``~`` when within noise, ``–`` when undefined."""
    if not np.isfinite(row["diff_mean"]):
        return "–"
    mark = " ~" if row["within_noise"] is True or row["within_noise"] == True else ""  # noqa: E712 (pd boolean)
    low, high = pattern.format(row["diff_p5"]), pattern.format(row["diff_p95"])
    if compact:
        return f"{pattern.format(row['diff_mean'])} [{low},{high}]{mark}"
    return f"{pattern.format(row['diff_mean'])} ({low} to {high}){mark}"
