"""Many points of the model in one call, for tools that draw their whole sample first.

:func:`simulator.model_function` runs one point per call, and every call pays the model's fixed
cost again: reading the scenario, building the model and its 60-quarter spin-up, about 0.13 s
before the first simulated quarter. SALib, the EMA Workbench and a table of hand-picked cases
all have every point before they run any, so :func:`evaluate_points` takes them together and
runs them as one sweep (method ``explicit``, :mod:`simulator.sweeps.designs`): chunks of whole
points, each chunk one lockstep model over all its worlds, on the sweep engine's executors, so
the fixed cost is paid once per chunk of hundreds of points instead of once per point
(``benchmarks/bench_interop.py``; docs/performance.md has its figures).

On the default engine the numbers are :func:`~simulator.model_function`'s to the last bit, whatever the workers or
the chunk size: a world's random numbers depend only on (seed, replicate), a factor's value
reaches the model as the same per-world override a parameter given to ``model_function``
becomes, and both take the mean over replicates through
:func:`simulator.runs.metrics.replicate_means`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.base.errors import UserError, clip, quote
from simulator.base.names import NAME_LIMIT
from simulator.core.engines import DEFAULT_ENGINE
from simulator.inputs.calibration import default_calibration, keyword_path
from simulator.inputs.scenario import Scenario
from simulator.runs.metrics import Metric, parse_metrics, replicate_means
from simulator.runs.runner import resolve
from simulator.sweeps.experiment import Experiment, experiment_from_dict
from simulator.sweeps.interop import DEFAULT_METRICS, DEFAULT_SCENARIO, SHOCK_PREFIX, shock_input, shock_input_value
from simulator.sweeps.sweep import temporary_sweep, with_engine

POINTS_FIELD = "points"
"""How messages name the argument that holds the points."""
NAME_SUFFIX = " points"
"""Added to the scenario's name to name the sweep (its folder, its progress lines)."""


def evaluate_points(
    points: pd.DataFrame | Mapping[str, Any] | np.ndarray,
    scenario: str | Path | Scenario = DEFAULT_SCENARIO,
    *,
    names: Sequence[str] | None = None,
    replicates: int = 20,
    seed: int | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
    workers: int | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    chunk_worlds: int | None = None,
    out: str | Path | None = None,
    progress: bool | None = False,
    engine: str = DEFAULT_ENGINE,
    **fixed: float | str,
) -> pd.DataFrame:
    """Run many points of a scenario at once and return each point's metrics, as :func:`model_function` would.

    Each point is one call of :func:`simulator.model_function` with the same scenario,
    replicates, seed and metrics, and gives the same numbers, but all points run as one sweep
    of lockstep models, so the fixed cost of a call is paid once per chunk instead of once per
    point. With ``workers`` above 1 (the default is all cores) the chunks run in worker
    processes, which a script must start under ``if __name__ == "__main__":`` (docs/sweeps.md).

    Args:
        points: One row per point and one column per input, named as :func:`model_function`'s
            keywords (``JPN.deference`` or ``JPN__deference``; ``shock.<shock name>.<field>``,
            an onset as a quarter such as ``"2026Q3"``): a DataFrame, a mapping of names to
            equally long sequences, a SALib ``ProblemSpec`` that has been sampled (its names and
            samples), or a 2-D numpy array with ``names``.
        scenario: Scenario file or resolved scenario the inputs modify; by default the shipped baseline.
        names: The column names of a numpy array (only for an array).
        replicates: Worlds per point; replicate r of every point shares its random numbers.
        seed: Base seed, overriding the scenario's.
        metrics: Metric names such as ``coop_EU_JPN:final`` or ``coop_EU_JPN:first_above@0.55``.
        workers: Worker processes (default all cores; 1 runs everything in this process).
        executor: ``local`` or ``dask``, as for :func:`~simulator.sweeps.sweep.run_sweep`.
        scheduler: Dask scheduler address (default a local cluster of ``workers``).
        chunk_worlds: Worlds per chunk (whole points); the numbers do not depend on it.
        out: Keep the sweep in this new folder (an ordinary sweep folder, which ``eujsim analyze``
            reads); by default it is written to a temporary folder and removed before returning.
        progress: A progress bar (True), a log line every tenth of the way on standard error
            (False, the default) or either by whether standard error is a terminal (None).
        engine: ``numpy`` (the default and the reference) or ``fused``, the compiled kernel
            (:mod:`simulator.core.engines`; needs ``pip install 'eujsim[fast]'``). The two agree to about
            1e-15 but not bit for bit; the fused engine is faster and refuses a model it does not cover.
        **fixed: Inputs held at one value at every point, named as the columns are.

    Returns:
        One row per point, in the order and with the index of ``points``: its input columns, then
        the mean over replicates of each metric. A ``first_above`` metric counts a replicate that
        never reaches the level as ``horizon + 1`` and has a ``<metric>:reached`` column beside it,
        the share of replicates that reached the level (:func:`simulator.runs.metrics.replicate_means`).

    Raises:
        UserError: for points that cannot be read as a table, an unknown input, a value out of
            range, an unknown metric, or anything :func:`~simulator.sweeps.sweep.run_sweep`
            refuses; one line naming the input (and the row) and the fix.

    Example:
        >>> from SALib import ProblemSpec  # doctest: +SKIP
        >>> problem = ProblemSpec({"names": ["JPN.deference", "EU.entrapment_aversion"],
        ...                        "bounds": [[0.2, 0.8], [0.2, 0.8]]}).sample_sobol(64)  # doctest: +SKIP
        >>> table = simulator.evaluate_points(problem, "scenarios/us_retrenchment.yaml")  # doctest: +SKIP
        >>> problem.set_results(table["coop_EU_JPN:final"].to_numpy()).analyze_sobol()  # doctest: +SKIP
    """
    table = points_table(points, names)
    resolved = resolve(scenario, replicates=replicates, seed=seed)
    if resolved.ensemble is not None:
        raise UserError(
            "evaluate_points runs the point calibration; give the scenario without its parameter ensemble",
            field="scenario",
        )
    chosen = parse_metrics(metrics)
    experiment = with_engine(points_experiment(resolved, table, fixed, chosen), engine)
    with temporary_sweep(
        experiment,
        out,
        workers=workers,
        executor=executor,
        scheduler=scheduler,
        chunk_worlds=chunk_worlds,
        progress=progress,
    ) as result:
        worlds = result.worlds()
    worlds = worlds.sort_values(["point", "replicate"], kind="stable", ignore_index=True)
    shape = (len(table), experiment.replicates)
    means = table.copy()
    for metric in chosen:
        per_world = worlds[metric.name].to_numpy(dtype=float).reshape(shape)
        for name, values in replicate_means(metric, per_world, resolved.horizon).items():
            means[name] = values
    return means


def points_table(points: object, names: Sequence[str] | None = None) -> pd.DataFrame:
    """The points as a DataFrame with the caller's column names and index, one row per point.

    Raises:
        UserError: for a form of points it cannot read, an array without names, names that do not
            fit the array, columns of unequal length, a column name that is not text, a column
            given twice, or no points or no inputs at all.
    """
    if names is not None and not isinstance(points, np.ndarray):
        raise UserError(
            "names are for a numpy array of points; the columns of other forms name themselves", field="names"
        )
    if isinstance(points, pd.DataFrame):
        table = points.copy()
    elif isinstance(points, Mapping) and hasattr(points, "samples") and "names" in points:
        table = _problem_table(points)
    elif isinstance(points, np.ndarray):
        table = _array_table(points, names)
    elif isinstance(points, Mapping):
        table = _mapping_table(points)
    else:
        raise UserError(
            f"cannot read points from a {type(points).__name__}; give a DataFrame (a column per input), a mapping "
            "of input names to equally long sequences, a sampled SALib ProblemSpec, or a numpy array with names=",
            field=POINTS_FIELD,
        )
    bad = next((c for c in table.columns if not isinstance(c, str)), None)
    if bad is not None:
        raise UserError(
            f"column {quote(bad)} is not an input name; name each column as model_function's keywords, "
            "e.g. JPN.deference or shock.US retrenchment.magnitude",
            field=POINTS_FIELD,
        )
    twice = table.columns[table.columns.duplicated()]
    if len(twice):
        raise UserError(f"column '{clip(twice[0])}' is given twice; keep one", field=POINTS_FIELD)
    if table.shape[1] == 0:
        raise UserError(
            "no inputs: give at least one column (a calibrated parameter or a shock field); "
            "for the scenario as it is, call model_function",
            field=POINTS_FIELD,
        )
    if len(table) == 0:
        raise UserError("no points: give at least one row", field=POINTS_FIELD)
    return table


def _problem_table(problem: Mapping[str, Any]) -> pd.DataFrame:
    """A sampled SALib ``ProblemSpec`` as a table: its names as the columns, its samples as the rows."""
    samples = getattr(problem, "samples", None)
    if samples is None:
        raise UserError(
            "the SALib ProblemSpec has no samples yet; sample it first, e.g. problem.sample_sobol(64)",
            field=POINTS_FIELD,
        )
    return _array_table(np.asarray(samples), list(problem["names"]))


def _array_table(array: np.ndarray, names: Sequence[str] | None) -> pd.DataFrame:
    """A 2-D array of points (a 1-D one is one input) with a name per column."""
    if names is None:
        raise UserError("a numpy array of points needs names=[...], one input name per column", field="names")
    names = list(names)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or array.shape[1] != len(names):
        raise UserError(
            f"the array of points has shape {array.shape} but {len(names)} names; give one name per column "
            "of a 2-D array (a row per point)",
            field="names",
        )
    return pd.DataFrame(array, columns=names)


def _mapping_table(mapping: Mapping[Any, Any]) -> pd.DataFrame:
    """Columns given as a mapping of names to sequences (a single value stands for every row)."""
    lengths = {key: len(value) for key, value in mapping.items() if np.ndim(value) > 0}
    if len(set(lengths.values())) > 1:
        listed = ", ".join(f"{clip(str(k), 40)}: {n}" for k, n in lengths.items())
        raise UserError(f"the columns need equal lengths, one value per point ({listed})", field=POINTS_FIELD)
    rows = next(iter(lengths.values()), 1 if mapping else 0)
    return pd.DataFrame({key: value if np.ndim(value) > 0 else [value] * rows for key, value in mapping.items()})


def points_experiment(
    scenario: Scenario, table: pd.DataFrame, fixed: Mapping[str, float | str], metrics: Sequence[Metric]
) -> Experiment:
    """The ``explicit`` sweep that runs every row of ``table`` as one point of ``scenario``.

    Every column becomes a factor whose i-th value is row i's, and every ``fixed`` input a
    factor with the same value at every point, so that all inputs reach the model alike, as the
    per-world overrides a ``model_function`` call's inputs become. Each value is checked here,
    as ``model_function`` checks it, so that an error names the column and the row.

    Raises:
        UserError: for an unknown input, an input given twice, or a value that is not allowed.
    """
    columns: dict[str, list[float | str]] = {}
    given: dict[str, str] = {}  # factor name -> the column (or keyword) that set it
    sources = [(name, table[name]) for name in table.columns]
    sources += [(name, pd.Series([value] * len(table), index=table.index)) for name, value in fixed.items()]
    for name, values in sources:
        factor = name if name.startswith(SHOCK_PREFIX) else keyword_path(name)
        if factor in given:
            raise UserError(
                f"{given[factor]} and {name} both set {factor}; keep one (a value for every point is a column, "
                "one for all points a keyword)",
                field=name,
            )
        given[factor] = name
        columns[factor] = _checked_values(scenario, name, factor, values)
    data = {
        "name": f"{scenario.name[: NAME_LIMIT - len(NAME_SUFFIX)].rstrip()}{NAME_SUFFIX}",
        "description": "Points evaluated together by simulator.evaluate_points.",
        "scenario": scenario.to_dict(),
        "seed": scenario.seed,
        "replicates": scenario.replicates,
        "method": "explicit",
        "parameters": {factor: {"values": values} for factor, values in columns.items()},
        "metrics": [m.name for m in metrics],
        "series": list(dict.fromkeys(m.series for m in metrics)),
    }
    return experiment_from_dict(data)


def _checked_values(scenario: Scenario, name: str, factor: str, values: pd.Series) -> list[float | str]:
    """A column's values as the experiment takes them, each checked as ``model_function`` checks it.

    An error names the column and the row, which the experiment, checking the values again, cannot name.
    """
    field = None
    if factor.startswith(SHOCK_PREFIX):
        _, field = shock_input(scenario, factor)
    else:
        default_calibration().check_path(factor, field=name)
    plain = (value.item() if isinstance(value, np.generic) else value for value in values)
    return [
        _checked_value(scenario, name, factor, field, value, row)
        for row, value in zip(values.index, plain, strict=True)
    ]


def _checked_value(
    scenario: Scenario, name: str, factor: str, field: str | None, value: object, row: object
) -> float | str:
    """One value of a column checked as ``model_function`` checks it (``field`` is a shock's field, or None).

    Raises:
        UserError: naming the column and the row.
    """
    if isinstance(value, float) and math.isnan(value):
        raise UserError(f"{clip(name)} has no value in row {quote(row)} (NaN); give one in every row", field=name)
    try:
        if field is None:
            return default_calibration().check_value(factor, value, field=name)
        number = shock_input_value(scenario, name, field, value)
    except UserError as exc:
        raise UserError(f"{exc.message} (row {quote(row)} of the points)", field=name) from None
    return value if field == "at" else number  # type: ignore[return-value]  # an onset stays a quarter, "2026Q3"
