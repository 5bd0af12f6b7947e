"""The numbers of a sweep's ``indices/`` folder: per-point means, Sobol' and Morris indices, and their README.

Everything an analysis computes (rather than draws) is here, so the estimators and the
choices behind them (the ``horizon + 1`` stand-in for a level never reached, the bootstrap
seed, when an estimator is skipped) can be read and tested without the plotting code. The
indices come from SALib; every table is written through a temporary name and a rename.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from SALib.analyze import morris as morris_analysis
from SALib.analyze import sobol as sobol_analysis

from simulator.runs.metrics import REACHED
from simulator.storage.output import folder_name, write_text_atomically
from simulator.sweeps.designs import design_size, salib_problem
from simulator.sweeps.sweep_data import SweepData

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from simulator.sweeps.experiment import Experiment
    from simulator.sweeps.sweep import SweepResult

POINT_MEANS_FILE = "point_means.csv"
ANALYSIS_STREAM = 0xA7A
"""Paired with the experiment's seed for SALib's bootstrap, apart from the design's stream.

A SeedSequence ignores trailing zeros, so ``[seed, 0xA7A]`` is also the sequence of the first
stream of world replicate 2682 (``[seed, 2682, 0]``); only sweeps with more replicates than that
have such a world, and the bootstrap takes a single number from the sequence as its seed.
"""


def safe_name(metric: str) -> str:
    """A metric name as part of a file name: ``coop_EU_JPN:first_above@0.5`` -> ``coop_EU_JPN_first_above_0.5``."""
    return folder_name(metric)


def analysis_seed(experiment: Experiment) -> int:
    """The seed of SALib's bootstrap resampling, derived from the experiment's seed.

    Never 0: SALib's Sobol' analyser takes a seed of 0 as "no seed".
    """
    return int(np.random.SeedSequence([experiment.seed, ANALYSIS_STREAM]).generate_state(1)[0]) or 1


def tabulate_points(result: SweepResult, raw: pd.DataFrame) -> SweepData:
    """Fill first_above gaps with ``horizon + 1`` and build the per-point table.

    Args:
        result: The opened sweep.
        raw: Its finished worlds, sorted by point and replicate.

    Returns:
        The worlds with gaps filled and the table of per-point means and quantiles.
    """
    data = SweepData(result, worlds=raw, table=pd.DataFrame(), warning=result.shortfall)  # both replaced below
    never = data.never
    worlds = raw.fillna({name: float(never) for name in data.censored})
    grouped = worlds.groupby("point", sort=True)
    table = grouped[data.experiment.factor_names].first()
    for metric in data.experiment.metrics:
        values = grouped[metric.name]
        table[metric.name] = values.mean()
        table[f"{metric.name}:p05"] = values.quantile(0.05)
        table[f"{metric.name}:p95"] = values.quantile(0.95)
        if metric.name in data.censored:
            table[metric.name + REACHED] = raw[metric.name].notna().groupby(raw["point"], sort=True).mean()
    data.worlds, data.table = worlds, table.reset_index()
    if data.censored:
        data.notes.append(
            f"{', '.join(data.censored)}: a world that never reaches the level within the run counts as "
            f"quarter {never} (horizon + 1); the ':reached' column of {POINT_MEANS_FILE} gives the share that did"
        )
    return data


def write_point_means(data: SweepData, folder: Path) -> Path:
    """Write the per-point table to ``folder/point_means.csv`` and return its path."""
    path = folder / POINT_MEANS_FILE
    write_text_atomically(path, data.table.to_csv(index=False, lineterminator="\n"))
    return path


def write_indices(data: SweepData, folder: Path) -> list[Path]:
    """One CSV of indices per metric (when the sweep is complete and the metric varies).

    The indices also go into ``data.indices``, and the reason for any that are skipped into
    ``data.notes``.

    Args:
        data: A Sobol or Morris sweep's numbers.
        folder: The ``indices/`` folder.

    Returns:
        The CSV files written, in order.
    """
    experiment = data.experiment
    method = experiment.method
    label = "Sobol'" if method == "sobol" else "Morris"
    if not data.complete:
        status = data.result.manifest.get("status", "unknown")
        data.notes.append(
            f"{label} indices skipped: the sweep is incomplete ({len(data.table)} of {design_size(experiment)} "
            f"points finished, status '{status}') and the estimators need every point; rerun the missing chunks "
            "with `eujsim sweep --resume` and analyse again"
        )
        return []
    if len(data.table) != design_size(experiment):
        data.notes.append(
            f"{label} indices skipped: {len(data.table)} points have results but the design has "
            f"{design_size(experiment)}"
        )
        return []
    if method == "morris" and not _morris_steps_intact(data):
        data.notes.append(
            "Morris indices skipped: snapping an onset to whole quarters left some trajectory steps with no "
            "change; widen the onset range or use fewer levels"
        )
        return []
    files = []
    seed = analysis_seed(experiment)
    for metric in experiment.metrics:
        y = data.table[metric.name].to_numpy(dtype=float)
        if np.ptp(y) == 0:
            data.notes.append(f"{label} indices of {metric.name} skipped: it is the same at every point")
            continue
        if method == "sobol":
            frame, second = _sobol(experiment, y, seed)
            if second is not None:
                path = folder / f"sobol2_{safe_name(metric.name)}.csv"
                write_text_atomically(path, second.to_csv(index=False, lineterminator="\n"))
                files.append(path)
        else:
            x = data.table[experiment.factor_names].to_numpy(dtype=float)
            frame = _morris(experiment, x, y, seed)
        path = folder / f"{method}_{safe_name(metric.name)}.csv"
        write_text_atomically(path, frame.to_csv(index=False, lineterminator="\n"))
        files.append(path)
        data.indices[metric.name] = frame
    return files


def _sobol(experiment: Experiment, y: np.ndarray, seed: int) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """First- and total-order indices (and second-order pairs if the design has them)."""
    problem = salib_problem(experiment)
    with np.errstate(divide="ignore", invalid="ignore"):
        s = sobol_analysis.analyze(problem, y, calc_second_order=experiment.second_order, seed=seed)
    frame = _index_table(experiment, s, ("S1", "S1_conf", "ST", "ST_conf"), by="ST")
    if not experiment.second_order:
        return frame, None
    names = experiment.factor_names
    pairs = [(j, k) for j in range(len(names)) for k in range(j + 1, len(names))]
    second = pd.DataFrame(
        {
            "parameter_1": [names[j] for j, _ in pairs],
            "parameter_2": [names[k] for _, k in pairs],
            "S2": [float(s["S2"][j, k]) for j, k in pairs],
            "S2_conf": [float(s["S2_conf"][j, k]) for j, k in pairs],
        }
    )
    return frame, _largest_first(second, "S2")


def _morris(experiment: Experiment, x: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    """Elementary-effect statistics, in units of the metric per full range of the parameter."""
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sigma of a single trajectory is undefined
        s = morris_analysis.analyze(salib_problem(experiment), x, y, num_levels=experiment.levels, seed=seed)
    return _index_table(experiment, s, ("mu", "mu_star", "mu_star_conf", "sigma"), by="mu_star")


def _index_table(
    experiment: Experiment, salib: Mapping[str, object], columns: tuple[str, ...], *, by: str
) -> pd.DataFrame:
    """SALib's per-parameter ``columns`` as a table with a ``parameter`` column, largest ``by`` first."""
    frame = pd.DataFrame(
        {"parameter": experiment.factor_names, **{c: np.asarray(salib[c], dtype=float) for c in columns}}
    )
    return _largest_first(frame, by)


def _largest_first(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Rows sorted by ``column``, largest first, ties in their order, NaN last."""
    return frame.sort_values(column, ascending=False, kind="stable", na_position="last", ignore_index=True)


def _morris_steps_intact(data: SweepData) -> bool:
    """Whether every step of every trajectory still moves exactly one factor after snapping onsets."""
    d = len(data.experiment.factors)
    x = data.table[data.experiment.factor_names].to_numpy(dtype=float).reshape(-1, d + 1, d)
    moved = (np.diff(x, axis=1) != 0).sum(axis=2)
    return bool((moved == 1).all())


def write_readme(data: SweepData, folder: Path) -> Path:
    """Write ``folder/README.txt``: what the files in ``indices/`` hold, so they can be read without this code.

    Args:
        data: The sweep's numbers, with the notes of everything skipped so far.
        folder: The ``indices/`` folder.

    Returns:
        The README's path.
    """
    experiment = data.experiment
    lines = [
        f"Analysis of sweep '{experiment.name}' (method {experiment.method}, scenario {experiment.scenario.name}).",
        *([f"Warning: {data.warning}."] if data.warning else []),
        "",
        f"{POINT_MEANS_FILE}: one row per finished point: its parameter values (a shock onset as a decimal",
        "  year at the start of its quarter: 2026.5 is 2026Q3), then per metric the mean over the point's",
        "  replicates and the 5% and 95% quantiles across them (columns <metric>:p05, <metric>:p95).",
    ]
    if data.censored:
        lines += [
            f"  first_above metrics count a world that never reaches the level within the run as quarter {data.never}",
            "  (horizon + 1); <metric>:reached is the share of replicates that reached it.",
        ]
    if experiment.method == "sobol":
        lines += [
            "sobol_<metric>.csv: Sobol' indices (SALib, Saltelli et al. 2010) of the per-point means:",
            "  S1 first-order share of variance, ST total-order share (with interactions), *_conf the",
            "  half-width of the 95% bootstrap interval; sorted by ST, largest first.",
        ]
        if experiment.second_order:
            lines.append("sobol2_<metric>.csv: second-order indices S2 of each pair of parameters.")
    if experiment.method == "morris":
        lines += [
            "morris_<metric>.csv: Morris elementary effects (SALib) of the per-point means, in metric units",
            "  per full range of the parameter: mu mean effect, mu_star mean absolute effect (its 95% bootstrap",
            "  half-width in mu_star_conf), sigma their spread (non-linearity or interactions); sorted by mu_star.",
        ]
    lines += [f"Bootstrap seed: {analysis_seed(experiment)} (from the experiment seed {experiment.seed})."]
    lines += ["", *[f"Note: {n}." for n in data.notes]] if data.notes else []
    path = folder / "README.txt"
    write_text_atomically(path, "\n".join(lines) + "\n")
    return path
