"""Analysing a sweep: sensitivity indices, per-point tables and plots in its folder.

``analyze("results/hd")`` reads a sweep folder written by :func:`simulator.sweep.run_sweep`
and writes two subfolders into it, replacing files of an earlier analysis one by one
(each through a temporary name and a rename, so a reader never sees half a file):

``indices/``
    ``point_means.csv`` for every method: one row per point with its factor values and,
    per metric, the mean over replicates and the 5% and 95% quantiles across them.
    Sobol sweeps add ``sobol_<metric>.csv`` (first-order S1 and total-order ST with their
    bootstrap confidence half-widths), Morris sweeps ``morris_<metric>.csv`` (mu, mu_star,
    its confidence half-width, sigma), both from SALib and sorted most influential first.
    ``README.txt`` says what every file holds.
``plots/``
    ``metric_vs_parameter.png``, ``phase_diagram.png`` (when the experiment has one),
    ``envelopes.png`` and the index chart of the analysis metric.

Choices a reader of the numbers should know:

* A ``first_above`` metric is NaN in a world whose series never reaches the level. Here
  such a world counts as reaching it one quarter after the run (``horizon + 1``), so every
  point has a mean and the indices can be computed; the ``:reached`` column of
  ``point_means.csv`` gives the share of replicates that did reach it within the run.
* Sensitivity indices use each point's mean over its replicates, in design order; the
  bootstrap behind their confidence intervals has a seed derived from the experiment's,
  so analysing the same sweep again gives byte-identical CSV files.
* Sobol' and Morris estimators need every point of the design, so an incomplete sweep
  (failed or interrupted chunks) gets tables and plots of its finished points only.
"""

from __future__ import annotations

import math
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import patheffects
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator
from SALib.analyze import morris as morris_analysis
from SALib.analyze import sobol as sobol_analysis

from simulator.calendar import quarter_label
from simulator.calibration import default_calibration
from simulator.designs import design_size, salib_problem
from simulator.errors import UserError
from simulator.experiment import HEADLINE_SERIES, Experiment, Factor
from simulator.metrics import Metric
from simulator.output import folder_name, write_text_atomically
from simulator.plots import INTENSITY, OKABE_ITO, STYLE, tick_every
from simulator.structure import DOMAIN_LABELS
from simulator.sweep import PARTS_DIR, QUARTERS_FILE, WORLDS_FILE, SweepResult, open_sweep

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.axis import Axis
    from matplotlib.figure import Figure

INDICES_DIR = "indices"
PLOTS_DIR = "plots"
POINT_MEANS_FILE = "point_means.csv"
ANALYSIS_STREAM = 0xA7A
"""Added to the experiment's seed for SALib's bootstrap, so it never shares numbers with the worlds or the design."""
MAX_PANELS = 9
"""Panels of ``metric_vs_parameter.png``: beyond nine the panels get too small to read."""
MAX_ENVELOPES = 150
"""Trajectories drawn in ``envelopes.png``: more only thicken the bundle."""
MAX_BARS = 20
"""Parameters shown in an index chart (the CSV has all of them)."""
MAX_BINS = 12
"""Bins of a scattered design along one factor."""
SEQUENTIAL = "viridis"
"""Colour map for ordered values: readable in grey and with the common colour-vision deficiencies."""
DIVERGING = "RdBu"
"""Colour map for changes around zero: red below, blue above, white at zero (ColorBrewer, colour-blind safe)."""
BAND_ALPHA = 0.18

SHORT_NAMES = {"EU": "EU", "JPN": "Japan", "USA": "US", "CHN": "China", "RUS": "Russia", "PRK": "North Korea"}
UNIT_TEXT = {
    "index": "0–1 index",
    "rate": "share of the gap per quarter",
    "probability": "chance per quarter",
    "pct_gdp": "% of GDP",
    "pct_gdp_per_index": "% of GDP per index unit",
    "year": "year",
    "quarters": "quarters",
    "weight": "weight",
    "offset": "offset on the 0–1 scale",
}


@dataclass
class SweepAnalysis:
    """What :func:`analyze` computed and wrote.

    Attributes:
        folder: The folder holding ``indices/`` and ``plots/``.
        files: Every file written, in the order written.
        indices: Sensitivity indices per metric name (Sobol or Morris), as in the CSV files;
            empty for other methods and for incomplete sweeps.
        point_means: The table of ``indices/point_means.csv``.
        summary: A few lines for the terminal: the design, the most influential
            parameters, where the phase diagram changes sign, and anything skipped.
        notes: Things skipped or substituted, each one sentence (also in ``summary``).
    """

    folder: Path
    files: list[Path]
    indices: dict[str, pd.DataFrame]
    point_means: pd.DataFrame
    summary: str
    notes: list[str] = field(default_factory=list)


@dataclass
class _Data:
    """The sweep's numbers as the plots need them (first_above gaps already filled)."""

    result: SweepResult
    experiment: Experiment
    worlds: pd.DataFrame
    table: pd.DataFrame
    complete: bool
    censored: list[str]
    indices: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def metric(self) -> Metric:
        return _metric(self.experiment, self.experiment.analysis_metric)


def analyze(sweep: str | Path | SweepResult, *, out: str | Path | None = None) -> SweepAnalysis:
    """Compute indices and tables of a sweep and draw its plots into ``indices/`` and ``plots/``.

    Running it again recomputes everything and replaces the files, so it can follow a
    ``--resume`` or a change of the experiment's ``analysis`` settings.

    Args:
        sweep: A sweep folder or an opened sweep.
        out: Folder to write ``indices/`` and ``plots/`` into (default: the sweep folder).

    Returns:
        The written files, the indices, the per-point table and a summary.

    Raises:
        UserError: if the folder is not a sweep or has no finished point yet.
    """
    result = sweep if isinstance(sweep, SweepResult) else open_sweep(sweep)
    experiment = result.experiment
    folder = Path(out) if out is not None else result.folder
    raw = _read_results(result, "worlds")
    if raw.empty:
        raise UserError(
            "has no finished points to analyse yet; wait for the sweep, or rerun failed chunks with --resume",
            file=result.folder,
        )
    raw = raw.sort_values(["point", "replicate"], kind="stable", ignore_index=True)
    data = _prepare(result, raw)
    files: list[Path] = []

    path = folder / INDICES_DIR / POINT_MEANS_FILE
    write_text_atomically(path, data.table.to_csv(index=False, lineterminator="\n"))
    files.append(path)
    if experiment.method in {"sobol", "morris"}:
        files += _write_indices(data, folder / INDICES_DIR)
    files.append(_write_readme(data, folder / INDICES_DIR))

    plots = folder / PLOTS_DIR
    plots.mkdir(parents=True, exist_ok=True)
    with plt.rc_context(STYLE), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # e.g. "no contour levels were found" when nothing crosses
        files.append(_save(_metric_vs_parameter(data), plots / "metric_vs_parameter.png"))
        figure = _phase_diagram(data)
        if figure is not None:
            files.append(_save(figure, plots / "phase_diagram.png"))
        figure = _envelopes(data)
        if figure is not None:
            files.append(_save(figure, plots / "envelopes.png"))
        metric = experiment.analysis_metric
        if metric in data.indices:
            draw = _sobol_chart if experiment.method == "sobol" else _morris_chart
            name = f"{experiment.method}_{safe_name(metric)}.png"
            files.append(_save(draw(data, data.indices[metric]), plots / name))
    _remove_stale(folder, files)
    return SweepAnalysis(
        folder=folder,
        files=files,
        indices=data.indices,
        point_means=data.table,
        summary=_summary(data, folder, files),
        notes=data.notes,
    )


OWN_FILES = {
    INDICES_DIR: ("sobol_*.csv", "sobol2_*.csv", "morris_*.csv"),
    PLOTS_DIR: ("metric_vs_parameter.png", "phase_diagram.png", "envelopes.png", "sobol_*.png", "morris_*.png"),
}
"""Names an analysis writes; one that this analysis did not rewrite is left over from an earlier one."""


def _remove_stale(folder: Path, written: list[Path]) -> None:
    """Delete files of an earlier analysis that this one did not write.

    A phase diagram since dropped from the experiment, or the index chart of a former analysis
    metric, would otherwise sit beside the new plots as if current. Files with other names in
    ``plots/`` and ``indices/`` are left alone.
    """
    keep = set(written)
    for sub, patterns in OWN_FILES.items():
        for pattern in patterns:
            for path in (folder / sub).glob(pattern):
                if path not in keep:
                    path.unlink(missing_ok=True)


def safe_name(metric: str) -> str:
    """A metric name as part of a file name: ``coop_EU_JPN:first_above@0.5`` -> ``coop_EU_JPN_first_above_0.5``."""
    return folder_name(metric)


# -- reading and tabulating --------------------------------------------------------


def _read_results(result: SweepResult, kind: str, series: str | None = None) -> pd.DataFrame:
    """Worlds or quarters of every finished point.

    A complete sweep has the joined file. An unfinished one may have a stale joined file
    from an earlier session, or none, while its chunk parts hold everything finished so far.
    """
    filters = [("series", "==", series)] if series else None
    parts = sorted((result.folder / PARTS_DIR).glob(f"{kind}-*.parquet"))
    if parts and not result.complete:
        return pd.concat([pd.read_parquet(p, filters=filters) for p in parts], ignore_index=True)
    joined = result.folder / (WORLDS_FILE if kind == "worlds" else QUARTERS_FILE)
    if joined.is_file():
        return pd.read_parquet(joined, filters=filters)
    return pd.DataFrame()


def _metric(experiment: Experiment, name: str) -> Metric:
    return next(m for m in experiment.metrics if m.name == name)


def _prepare(result: SweepResult, raw: pd.DataFrame) -> _Data:
    """Fill first_above gaps with ``horizon + 1`` and build the per-point table."""
    experiment = result.experiment
    never = experiment.scenario.horizon + 1
    worlds = raw.copy()
    censored = []
    for metric in experiment.metrics:
        if metric.statistic == "first_above":
            censored.append(metric.name)
            worlds[metric.name] = worlds[metric.name].fillna(float(never))
    grouped = worlds.groupby("point", sort=True)
    table = grouped[experiment.factor_names].first()
    for metric in experiment.metrics:
        values = grouped[metric.name]
        table[metric.name] = values.mean()
        table[f"{metric.name}:p05"] = values.quantile(0.05)
        table[f"{metric.name}:p95"] = values.quantile(0.95)
        if metric.name in censored:
            table[f"{metric.name}:reached"] = raw[metric.name].notna().groupby(raw["point"], sort=True).mean()
    data = _Data(result, experiment, worlds, table.reset_index(), result.complete, censored)
    if censored:
        data.notes.append(
            f"{', '.join(censored)}: a world that never reaches the level within the run counts as "
            f"quarter {never} (horizon + 1); the ':reached' column of {POINT_MEANS_FILE} gives the share that did"
        )
    return data


def analysis_seed(experiment: Experiment) -> int:
    """The seed of SALib's bootstrap resampling, derived from the experiment's seed.

    Never 0: SALib's Sobol' analyser takes a seed of 0 as "no seed".
    """
    return int(np.random.SeedSequence([experiment.seed, ANALYSIS_STREAM]).generate_state(1)[0]) or 1


# -- sensitivity indices -----------------------------------------------------------


def _write_indices(data: _Data, folder: Path) -> list[Path]:
    """One CSV of indices per metric (when the sweep is complete and the metric varies)."""
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
    frame = pd.DataFrame(
        {
            "parameter": experiment.factor_names,
            "S1": np.asarray(s["S1"], dtype=float),
            "S1_conf": np.asarray(s["S1_conf"], dtype=float),
            "ST": np.asarray(s["ST"], dtype=float),
            "ST_conf": np.asarray(s["ST_conf"], dtype=float),
        }
    )
    frame = frame.sort_values("ST", ascending=False, kind="stable", na_position="last", ignore_index=True)
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
    return frame, second.sort_values("S2", ascending=False, kind="stable", na_position="last", ignore_index=True)


def _morris(experiment: Experiment, x: np.ndarray, y: np.ndarray, seed: int) -> pd.DataFrame:
    """Elementary-effect statistics, in units of the metric per full range of the parameter."""
    with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # sigma of a single trajectory is undefined
        s = morris_analysis.analyze(salib_problem(experiment), x, y, num_levels=experiment.levels, seed=seed)
    frame = pd.DataFrame(
        {
            "parameter": experiment.factor_names,
            "mu": np.asarray(s["mu"], dtype=float),
            "mu_star": np.asarray(s["mu_star"], dtype=float),
            "mu_star_conf": np.asarray(s["mu_star_conf"], dtype=float),
            "sigma": np.asarray(s["sigma"], dtype=float),
        }
    )
    return frame.sort_values("mu_star", ascending=False, kind="stable", na_position="last", ignore_index=True)


def _morris_steps_intact(data: _Data) -> bool:
    """Whether every step of every trajectory still moves exactly one factor after snapping onsets."""
    d = len(data.experiment.factors)
    x = data.table[data.experiment.factor_names].to_numpy(dtype=float).reshape(-1, d + 1, d)
    moved = (np.diff(x, axis=1) != 0).sum(axis=2)
    return bool((moved == 1).all())


def _write_readme(data: _Data, folder: Path) -> Path:
    """What the files in ``indices/`` hold, so that they can be read without this module."""
    experiment = data.experiment
    lines = [
        f"Analysis of sweep '{experiment.name}' (method {experiment.method}, scenario {experiment.scenario.name}).",
        "",
        f"{POINT_MEANS_FILE}: one row per finished point: its parameter values (a shock onset as a decimal",
        "  year at the start of its quarter: 2026.5 is 2026Q3), then per metric the mean over the point's",
        "  replicates and the 5% and 95% quantiles across them (columns <metric>:p05, <metric>:p95).",
    ]
    if data.censored:
        never = experiment.scenario.horizon + 1
        lines += [
            f"  first_above metrics count a world that never reaches the level within the run as quarter {never}",
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


# -- labels ------------------------------------------------------------------------


def series_label(series: str) -> str:
    """A recorded series in words: ``coop_EU_JPN`` -> ``EU–Japan cooperation``."""
    kind, _, rest = series.partition("_")
    parts = rest.split("_")
    name = SHORT_NAMES.get
    if kind == "coop" and len(parts) >= 2:
        domain = "_".join(parts[2:])
        text = f"{name(parts[0], parts[0])}–{name(parts[1], parts[1])} cooperation"
        return f"{text} ({DOMAIN_LABELS.get(domain, domain)})" if domain else text
    if kind == "desire" and len(parts) == 2:
        return f"{name(parts[0], parts[0])}'s desired cooperation with {name(parts[1], parts[1])}"
    if kind == "threat" and len(parts) == 2:
        return f"{name(parts[0], parts[0])}'s threat reading of {name(parts[1], parts[1])}"
    if kind == "containment":
        return f"containment of {name(rest, rest)}"
    if kind == "activity" and parts:
        return f"{name(parts[0], parts[0])} activity ({' '.join(parts[1:]).replace('_', ' ')})"
    if series.startswith("us_commitment_"):
        return f"US commitment to {series.removeprefix('us_commitment_').replace('_', '-').title()}"
    if kind == "spending":
        return f"{name(rest, rest)} defence spending"
    if kind == "stability":
        return f"{name(rest, rest)} domestic stability"
    return series


def series_unit(series: str) -> str:
    """The unit of a recorded series for an axis label."""
    return "% of GDP" if series.startswith("spending_") else INTENSITY


def metric_label(metric: Metric, horizon: int | None = None) -> str:
    """A metric in words with its unit, for an axis."""
    what = series_label(metric.series)
    unit = series_unit(metric.series)
    if metric.statistic == "final":
        return f"{what}, final quarter — {unit}"
    if metric.statistic == "peak":
        return f"peak {what} — {unit}"
    if metric.statistic == "mean":
        return f"{what}, mean over the run — {unit}"
    never = f" ({horizon + 1}: not in the run)" if horizon is not None else ""
    return f"quarters until {what} ≥ {metric.threshold:g}{never}"


def metric_short(metric: Metric) -> str:
    """A metric in a few words, for titles and colour bars."""
    what = series_label(metric.series)
    if metric.statistic == "first_above":
        return f"quarters until {what} ≥ {metric.threshold:g}"
    return f"{metric.statistic} {what}"


def factor_label(factor: Factor) -> str:
    """A factor with its unit, for an axis."""
    if factor.is_onset:
        return f"{factor.label} (quarter)"
    if factor.shock is not None:
        return f"{factor.label} (0–1)" if factor.shock_field == "magnitude" else factor.label
    calibration = default_calibration()
    if factor.name not in calibration:
        return factor.label or factor.name
    parameter = calibration[factor.name]
    return f"{factor.name} ({UNIT_TEXT.get(parameter.unit, parameter.unit_meaning)})"


def _onset_axis(axis: Axis, factor: Factor, values: np.ndarray | None = None) -> None:
    """Tick an onset axis with quarter labels at whole quarters."""
    first, last = round(factor.low * 4), round(factor.high * 4)
    if values is not None and len(values):
        first, last = round(float(np.min(values)) * 4), round(float(np.max(values)) * 4)
    span = max(1, last - first)
    every = next((e for e in (1, 2, 4, 8, 12, 20, 40) if span / e <= 7), 40)
    axis.set_major_locator(FixedLocator([q / 4 for q in range(first, last + 1, every)]))
    axis.set_major_formatter(FuncFormatter(lambda v, _pos: factor.describe(v)))


def _value_text(factor: Factor, value: float) -> str:
    """A factor's value for a legend or summary: a quarter, or three significant digits."""
    return factor.describe(value) if factor.is_onset else f"{value:.3g}"


def _format_factor_axis(axis: Axis, factor: Factor, values: np.ndarray | None = None) -> None:
    if factor.is_onset:
        _onset_axis(axis, factor, values)


def _title(data: _Data, what: str) -> str:
    experiment = data.experiment
    worlds = len(data.worlds)
    points = f"{len(data.table)} points"
    if not data.complete:
        points = f"{len(data.table)} of {design_size(experiment)} points (incomplete)"
    return (
        f"{what}\nexperiment: {experiment.name} · scenario: {experiment.scenario.name} "
        f"({experiment.scenario.period}) · {experiment.method}, {points}, {worlds:,} worlds"
    )


def _save(figure: Figure, path: Path) -> Path:
    """Save through a temporary name in the same folder and rename, so the PNG is whole or absent."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        figure.savefig(tmp, format="png", bbox_inches="tight", pad_inches=0.15)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        plt.close(figure)
    return path


def _add_note(figure: Figure, notes: list[str]) -> None:
    """Small print below the figure (bbox_inches='tight' keeps it)."""
    if notes:
        figure.text(0.01, -0.01, "\n".join(notes), ha="left", va="top", fontsize=8, color="#333333", wrap=True)


def _censor_note(data: _Data, metric: Metric) -> list[str]:
    if metric.name not in data.censored:
        return []
    return [
        f"A world in which {series_label(metric.series)} never reaches {metric.threshold:g} counts as "
        f"quarter {data.experiment.scenario.horizon + 1} (one past the run)."
    ]


# -- metric against each parameter -----------------------------------------------


def _ranked_factors(data: _Data) -> tuple[list[Factor], dict[str, str]]:
    """The factors to draw, most influential first when there are indices, with each one's index text."""
    experiment = data.experiment
    frame = data.indices.get(experiment.analysis_metric)
    if frame is None:
        return list(experiment.factors[:MAX_PANELS]), {}
    column, symbol = ("ST", "ST") if experiment.method == "sobol" else ("mu_star", "μ*")
    order = list(frame["parameter"])[:MAX_PANELS]
    text = {row.parameter: f"{symbol} = {getattr(row, column):.3g}" for row in frame.itertuples()}
    return [experiment.factor(name) for name in order], text


def _bins(
    values: np.ndarray, factor: Factor, count: int, *, distinct: int = MAX_BINS
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bin number per value, bin centres and bin edges.

    Each distinct value is its own bin when there are at most ``distinct`` of them (grid
    levels, Morris levels, a few onset quarters); otherwise ``count`` equal-width bins
    span the factor's range.
    """
    unique = np.unique(values)
    if len(unique) <= distinct:
        return np.searchsorted(unique, values), unique, _edges(unique)
    edges = np.linspace(factor.low, factor.high, count + 1)
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, count - 1)
    return index, (edges[1:] + edges[:-1]) / 2, edges


def _binned(data: _Data, factor: Factor, metric: str) -> pd.DataFrame:
    """Per bin of ``factor``: centre, mean of the point means, and the 5–95% range over its worlds."""
    table = data.table
    count = int(np.clip(round(math.sqrt(len(table))), 4, MAX_BINS))
    index, _, _ = _bins(table[factor.name].to_numpy(dtype=float), factor, count)
    bins = pd.Series(index, index=table["point"])
    worlds = data.worlds.assign(bin=bins.reindex(data.worlds["point"]).to_numpy())
    points = table.assign(bin=bins.to_numpy())
    out = points.groupby("bin").agg(x=(factor.name, "mean"), mean=(metric, "mean"), points=("point", "size"))
    spread = worlds.groupby("bin")[metric].quantile([0.05, 0.95]).unstack()
    out["low"], out["high"] = spread[0.05], spread[0.95]
    return out.reset_index()


def _metric_vs_parameter(data: _Data) -> Figure:
    """The analysis metric against each factor: marginal means with a 5–95% band."""
    experiment = data.experiment
    metric = data.metric
    factors, index_text = _ranked_factors(data)
    columns = 2 if len(factors) == 4 else min(3, len(factors))
    rows = math.ceil(len(factors) / columns)
    two_factor_grid = experiment.method == "grid" and len(experiment.factors) == 2
    figure, axes = plt.subplots(
        rows, columns, figsize=(4.8 * columns + (1.2 if two_factor_grid else 0), 3.7 * rows + 0.6), sharey=True
    )
    axes = np.atleast_1d(axes).ravel()
    handles: list[Line2D | Patch] = []
    for ax, factor in zip(axes, factors, strict=False):
        if two_factor_grid:
            other = next(f for f in experiment.factors if f.name != factor.name)
            handles = _lines_per_other(figure, ax, data, factor, other, metric.name)
        elif experiment.method in {"grid", "explicit"}:
            handles = _marginal(ax, data, factor, metric.name, scatter=False)
        else:
            handles = _marginal(ax, data, factor, metric.name, scatter=True)
        ax.set_xlabel(factor_label(factor))
        if factor.is_onset:
            _format_factor_axis(ax.xaxis, factor)
            plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
        else:
            ax.xaxis.set_major_locator(MaxNLocator(nbins=5))
        if factor.name in index_text:
            ax.set_title(index_text[factor.name], fontsize=9, loc="left")
    for ax in axes[len(factors) :]:
        ax.set_visible(False)
    for row in range(rows):
        axes[row * columns].set_ylabel(_wrap(metric_label(metric, experiment.scenario.horizon), 45))
    total = len(experiment.factors)
    shown = f" (the first {len(factors)} of {total} parameters)" if len(factors) < total else ""
    if index_text:
        method = "Sobol' total order ST" if experiment.method == "sobol" else "Morris μ*"
        subset = f"the {len(factors)} most influential of {total}" if len(factors) < total else "most influential first"
        shown = f" ({subset}, by {method})"
    figure.suptitle(_title(data, f"{_sentence(metric_short(metric))} against each parameter{shown}"), fontsize=11)
    figure.tight_layout(rect=(0, 0.07 if rows == 1 else 0.04, 1, 1))
    figure.legend(handles=handles, loc="lower center", ncol=len(handles), bbox_to_anchor=(0.5, 0.0), fontsize=9)
    notes = _censor_note(data, metric)
    if experiment.method == "morris":
        notes.append(
            "Morris points lie on few trajectories, so these means mix the other parameters' values; "
            "read the effects from the μ* chart."
        )
    elif len(experiment.factors) > 1 and not two_factor_grid:
        notes.append("Each panel averages over the other parameters' values.")
    _add_note(figure, notes)
    return figure


def _marginal(ax: Axes, data: _Data, factor: Factor, metric: str, *, scatter: bool) -> list[Line2D | Patch]:
    """Mean per value (or bin) of the factor over everything else, the band over the worlds there."""
    binned = _binned(data, factor, metric)
    colour = OKABE_ITO[0]
    handles: list[Line2D | Patch] = []
    if scatter:
        ax.scatter(data.table[factor.name], data.table[metric], s=9, color="#777777", alpha=0.55, lw=0, zorder=1)
        handles.append(Line2D([], [], ls="none", marker="o", color="#777777", ms=4, label="one point (mean)"))
    ax.fill_between(binned["x"], binned["low"], binned["high"], color=colour, alpha=BAND_ALPHA, lw=0, zorder=0)
    ax.plot(binned["x"], binned["mean"], color=colour, lw=2, marker="o", ms=3.5, zorder=2)
    what = "bin" if scatter else "value"
    handles += [
        Line2D([], [], color=colour, lw=2, marker="o", ms=3.5, label=f"mean per {what} of this parameter"),
        Patch(
            color=colour, alpha=0.35, lw=0, label=f"5–95% of the worlds {'in the bin' if scatter else 'at that value'}"
        ),
    ]
    return handles


def _lines_per_other(
    figure: Figure, ax: Axes, data: _Data, factor: Factor, other: Factor, metric: str
) -> list[Line2D | Patch]:
    """A two-factor grid: one line per value of the other factor, coloured by it, each with its band."""
    table = data.table.sort_values([other.name, factor.name], kind="stable")
    values = np.unique(table[other.name])
    norm = _norm(values)
    cmap = plt.get_cmap(SEQUENTIAL)
    for value in values:
        rows = table[table[other.name] == value]
        colour = cmap(norm(value))
        ax.fill_between(rows[factor.name], rows[f"{metric}:p05"], rows[f"{metric}:p95"], color=colour, alpha=0.1, lw=0)
        ax.plot(rows[factor.name], rows[metric], color=colour, lw=1.8, marker="o", ms=3)
    bar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.02, fraction=0.06)
    bar.set_label(_wrap(factor_label(other), 30), fontsize=8)
    _format_factor_axis(bar.ax.yaxis, other, values)
    if len(values) <= 12:
        bar.set_ticks(values)
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: other.describe(v)))
    grey = "#555555"
    return [
        Line2D([], [], color=grey, lw=1.8, marker="o", ms=3, label="mean over replicates (colour: other parameter)"),
        Patch(color=grey, alpha=0.25, lw=0, label="5–95% of replicates"),
    ]


def _norm(values: np.ndarray) -> Normalize:
    low, high = float(np.min(values)), float(np.max(values))
    if low == high:
        low, high = low - 0.5, high + 0.5
    return Normalize(low, high)


def _sentence(text: str) -> str:
    """Capitalise the first letter only (``str.capitalize`` would lower-case "EU")."""
    return text[:1].upper() + text[1:]


def _wrap(text: str, width: int) -> str:
    """Break a long label at spaces so it fits beside a panel."""
    words, lines, line = text.split(" "), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join([*lines, line])


# -- phase diagram -----------------------------------------------------------------


@dataclass
class _Phase:
    """The phase metric over the x × y plane, as drawn and summarised.

    ``grid`` has a row per y value (or bin) and a column per x value (or bin), indexed by
    their centres; ``x_edges`` and ``y_edges`` bound the cells. A scattered design is
    binned: each cell averages the means of the points in it.
    """

    x: Factor
    y: Factor
    metric: Metric
    relative: bool
    level: float | None
    grid: pd.DataFrame
    x_edges: np.ndarray
    y_edges: np.ndarray
    binned: bool
    note: str = ""


def _phase_values(data: _Data) -> _Phase | None:
    experiment = data.experiment
    phase = experiment.phase
    if phase is None or phase.x not in experiment.factor_names or phase.y not in experiment.factor_names:
        return None
    x, y = experiment.factor(phase.x), experiment.factor(phase.y)
    level = phase.boundary if phase.boundary is not None else (0.0 if phase.relative_to_lowest_x else None)
    table = data.table
    xs, ys = np.unique(table[x.name]), np.unique(table[y.name])
    full = len(table.groupby([x.name, y.name])) == len(xs) * len(ys)
    if experiment.method in {"grid", "explicit"} and full and min(len(xs), len(ys)) > 1:
        binned = False
        cells = table.groupby([y.name, x.name])[phase.metric].mean()
        grid = cells.unstack(x.name).sort_index().sort_index(axis=1)
        x_edges, y_edges = _edges(xs), _edges(ys)
    else:
        binned = True
        count = int(np.clip(round(math.sqrt(len(table) / 6)), 3, 10))
        bx, x_centres, x_edges = _bins(table[x.name].to_numpy(dtype=float), x, count, distinct=max(count, 6))
        by, y_centres, y_edges = _bins(table[y.name].to_numpy(dtype=float), y, count, distinct=max(count, 6))
        cells = table.assign(bx=bx, by=by).groupby(["by", "bx"])[phase.metric].mean().unstack("bx")
        grid = cells.reindex(index=range(len(y_centres)), columns=range(len(x_centres)))
        grid.index, grid.columns = y_centres, x_centres
    if phase.relative_to_lowest_x:
        baseline = grid.apply(lambda row: row.dropna().iloc[0] if row.notna().any() else np.nan, axis=1)
        grid = grid.sub(baseline, axis=0)
    result = _Phase(
        x, y, _metric(experiment, phase.metric), phase.relative_to_lowest_x, level, grid, x_edges, y_edges, binned
    )
    if binned:
        others = ", averaged over the other parameters" if len(experiment.factors) > 2 else ""
        result.note = (
            f"Scattered design: each cell is the mean of the point means in it ({grid.shape[1]} × {grid.shape[0]} "
            f"cells{others}; blank: no point)."
        )
        if phase.relative_to_lowest_x:
            result.note += f" Change from the lowest non-blank {x.label} cell of the same row."
    return result


def _phase_diagram(data: _Data) -> Figure | None:
    """The phase metric over the two phase factors (its change from the lowest x, if asked)."""
    phase = _phase_values(data)
    if phase is None:
        return None
    z = phase.grid.to_numpy(dtype=float)
    finite = z[np.isfinite(z)]
    if phase.relative:
        extent = float(np.abs(finite).max()) if finite.size else 1.0
        cmap, norm = plt.get_cmap(DIVERGING), Normalize(-(extent or 1e-9), extent or 1e-9)
    else:
        cmap, norm = plt.get_cmap(SEQUENTIAL), _norm(finite if finite.size else np.zeros(1))
    with plt.rc_context({"axes.grid": False}):
        figure, ax = plt.subplots(figsize=(8.8, 6.4))
    ax.pcolormesh(phase.x_edges, phase.y_edges, np.ma.masked_invalid(z), cmap=cmap, norm=norm, shading="flat")
    xs, ys = phase.grid.columns.to_numpy(dtype=float), phase.grid.index.to_numpy(dtype=float)
    if z.size <= 100:
        for (i, j), value in np.ndenumerate(z):
            if np.isfinite(value):
                r, g, b, _ = cmap(norm(value))
                ink = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
                text = f"{value:+.3f}" if phase.relative else f"{value:.3g}"
                ax.text(xs[j], ys[i], text, ha="center", va="center", fontsize=7, color=ink)
    if phase.binned:
        locations = data.table[[phase.x.name, phase.y.name]].drop_duplicates()
        if len(locations) > np.isfinite(z).sum():  # points spread within cells, not one spot per cell
            ax.scatter(
                locations[phase.x.name],
                locations[phase.y.name],
                s=9,
                color="black",
                edgecolors="white",
                linewidths=0.4,
                alpha=0.6,
                zorder=2,
            )
            phase.note += " Dots are the points."
        ax.set_xlim(phase.x_edges[0], phase.x_edges[-1])
        ax.set_ylim(phase.y_edges[0], phase.y_edges[-1])
        _format_factor_axis(ax.xaxis, phase.x)
        _format_factor_axis(ax.yaxis, phase.y)
    else:
        for axis, factor, values in ((ax.xaxis, phase.x, xs), (ax.yaxis, phase.y, ys)):
            shown = values if len(values) <= 12 else values[:: math.ceil(len(values) / 12)]
            axis.set_major_locator(FixedLocator(shown))
            axis.set_major_formatter(FuncFormatter(lambda v, _pos, f=factor: f.describe(v)))
    if phase.x.is_onset:
        plt.setp(ax.get_xticklabels(), rotation=45, ha="right")
    drawn = phase.level is not None and min(z.shape) >= 2 and _crosses(z, phase.level)
    if drawn:
        lines = ax.contour(xs, ys, np.ma.masked_invalid(z), levels=[phase.level], colors="black", linewidths=1.8)
        short = f"change = {phase.level:g}" if phase.relative else f"{phase.level:g}"
        ax.clabel(lines, fmt={phase.level: short}, fontsize=8, inline=True)
    bar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.02)
    bar.set_label(_wrap(_phase_value_label(data, phase), 50))
    if drawn:
        bar.ax.axhline(phase.level, color="black", lw=1.5)
    ax.set_xlabel(factor_label(phase.x))
    ax.set_ylabel(factor_label(phase.y))
    what = f"Change of {metric_short(phase.metric)}" if phase.relative else _sentence(metric_short(phase.metric))
    baseline = f" from the lowest {phase.x.label}" if phase.relative else ""
    ax.set_title(_title(data, f"{what}{baseline}"), fontsize=11)
    notes = [phase.note] if phase.note else []
    if phase.level is not None:
        if drawn:
            notes.append(f"Black line: {_level_text(phase)}.")
        elif finite.size:
            side = "above" if (finite >= phase.level).all() else "below"
            notes.append(f"No line at {_level_text(phase)}: the values are {side} {phase.level:g} everywhere.")
    notes += _censor_note(data, phase.metric)
    figure.tight_layout()
    _add_note(figure, notes)
    return figure


def _level_text(phase: _Phase) -> str:
    if phase.relative:
        return f"change = {phase.level:g}"
    return f"{metric_short(phase.metric)} = {phase.level:g}"


def _phase_value_label(data: _Data, phase: _Phase) -> str:
    label = metric_label(phase.metric, data.experiment.scenario.horizon)
    return f"change in {label}" if phase.relative else label


def _edges(centres: np.ndarray) -> np.ndarray:
    """Cell edges halfway between grid values (half a step beyond the ends)."""
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    middle = (centres[1:] + centres[:-1]) / 2
    return np.concatenate([[2 * centres[0] - middle[0]], middle, [2 * centres[-1] - middle[-1]]])


def _crosses(values: np.ndarray, level: float) -> bool:
    finite = values[np.isfinite(values)]
    return bool(finite.size and finite.min() < level < finite.max())


def _phase_summary(data: _Data) -> list[str]:
    """Where the phase metric crosses its level along x, for (up to eight) rows of y."""
    phase = _phase_values(data)
    if phase is None or phase.level is None:
        return []
    what = f"change of {phase.metric.name} from the lowest {phase.x.name}" if phase.relative else phase.metric.name
    level = phase.level
    grid = phase.grid
    count = len(grid)
    rows = range(count) if count <= 8 else sorted(set(np.linspace(0, count - 1, 5).round().astype(int)))
    approx = "≈ " if phase.binned else ""
    lines = [f"Phase diagram: {what} against {level:g}, by {phase.y.name}:"]
    for i in rows:
        row = grid.iloc[i].dropna()
        if phase.relative:
            row = row.iloc[1:]  # the baseline cell itself is 0 by construction
        y = f"{approx}{_value_text(phase.y, float(grid.index[i]))}"
        if row.empty:
            lines.append(f"  {phase.y.name} {y}: no points")
            continue
        xs, z = row.index.to_numpy(dtype=float), row.to_numpy(dtype=float)
        crossings = [
            xs[k] + (level - z[k]) * (xs[k + 1] - xs[k]) / (z[k + 1] - z[k])
            for k in range(len(z) - 1)
            if (z[k] - level) * (z[k + 1] - level) < 0
        ]
        if crossings:
            where = ", ".join(f"≈ {phase.x.describe(c)}" if phase.x.is_onset else f"≈ {c:.3g}" for c in crossings)
            lines.append(f"  {phase.y.name} {y}: crosses {level:g} at {phase.x.name} {where}")
        elif (z > level).all():
            lines.append(f"  {phase.y.name} {y}: above {level:g} throughout")
        elif (z < level).all():
            lines.append(f"  {phase.y.name} {y}: below {level:g} throughout")
        else:
            lines.append(f"  {phase.y.name} {y}: touches {level:g} without crossing")
    return lines


# -- envelopes ---------------------------------------------------------------------


def _envelopes(data: _Data) -> Figure | None:
    """Median trajectory of EU–JPN cooperation per point, coloured by a factor, with three 5–95% bands."""
    experiment = data.experiment
    series = HEADLINE_SERIES if HEADLINE_SERIES in experiment.series else (experiment.series or (None,))[0]
    if series is None:
        data.notes.append("no envelopes: the sweep kept no per-quarter series")
        return None
    quarters = _read_results(data.result, "quarters", series)
    if quarters.empty:
        data.notes.append(f"no envelopes: no per-quarter statistics of {series} in the sweep")
        return None
    colour_factor = experiment.factor(experiment.colour_by or experiment.factor_names[0])
    steps = int(quarters["step"].max()) + 1
    medians = quarters.pivot(index="point", columns="step", values="p50").sort_index()
    order = data.table.set_index("point")[colour_factor.name].reindex(medians.index)
    order = order.sort_values(kind="stable")
    chosen = order.index.to_numpy()
    if len(chosen) > MAX_ENVELOPES:
        chosen = chosen[np.unique(np.round(np.linspace(0, len(chosen) - 1, MAX_ENVELOPES)).astype(int))]
    cmap = plt.get_cmap(SEQUENTIAL)
    norm = _norm(order.to_numpy(dtype=float))
    x = np.arange(steps)
    figure, ax = plt.subplots(figsize=(11, 5.8))
    lines = LineCollection(
        [np.column_stack([x, medians.loc[p].to_numpy()]) for p in chosen],
        colors=[cmap(norm(order[p])) for p in chosen],
        linewidths=0.9,
        alpha=0.75,
        zorder=2,
    )
    ax.add_collection(lines)
    handles: list[Line2D | Patch] = []
    picks = dict.fromkeys(_representative(data, order, position) for position in (0, len(order) // 2, len(order) - 1))
    by_point = quarters.set_index(["point", "step"]).sort_index()
    for name, point in zip(("low", "middle", "high"), picks, strict=False):
        rows = by_point.loc[point]
        colour = cmap(norm(order[point]))
        ax.fill_between(x, rows["p05"], rows["p95"], color=colour, alpha=0.3, lw=0, zorder=2.5)
        ax.plot(x, rows["p50"], color=colour, lw=2.4, zorder=3, path_effects=_outline())
        value = _value_text(colour_factor, float(order[point]))
        handles.append(
            Patch(
                facecolor=colour,
                alpha=0.5,
                edgecolor=colour,
                label=f"5–95% of replicates, {name} {colour_factor.label} ({value}, point {point})",
            )
        )
    labels = quarters.drop_duplicates("step").set_index("step")["quarter"].reindex(range(steps)).to_list()
    every = tick_every(steps)
    ax.set_xticks(range(0, steps, every))
    ax.set_xticklabels([labels[t] for t in range(0, steps, every)], rotation=45, ha="right")
    ax.set_xlim(0, steps - 1)
    ax.set_xlabel("quarter (end of)")
    _shock_markers(ax, data, labels)
    ax.autoscale(axis="y")
    low, high = ax.get_ylim()
    ax.set_ylim(max(0.0, low - 0.02), min(1.0, high + 0.05) if series_unit(series) == INTENSITY else high + 0.05)
    ax.set_ylabel(f"{series_label(series)} — {series_unit(series)}")
    bar = figure.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, pad=0.015)
    bar.set_label(factor_label(colour_factor))
    _format_factor_axis(bar.ax.yaxis, colour_factor, order.to_numpy())
    handles.insert(0, Line2D([], [], color="#555555", lw=0.9, label="median over replicates, one line per point"))
    subsample = f" ({len(chosen)} of {len(order)} points, evenly spread)" if len(chosen) < len(order) else ""
    ax.set_title(_title(data, f"{series_label(series)} per point{subsample}, coloured by {colour_factor.label}"))
    figure.tight_layout()
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.0, -0.2), ncol=2, fontsize=8)
    return figure


def _representative(data: _Data, order: pd.Series, position: int) -> int:
    """A typical point at ``position`` of the colour order.

    In a grid many points share a colour value; of those, the one whose analysis metric is
    their median, rather than the one at a corner of the other factors.
    """
    value = order.iloc[position]
    same = order.index[order == value]
    metric = data.table.set_index("point").loc[same, data.experiment.analysis_metric].sort_values(kind="stable")
    return int(metric.index[(len(metric) - 1) // 2])


def _outline() -> list[patheffects.AbstractPathEffect]:
    """A white rim that keeps a highlighted line visible over the bundle."""
    return [patheffects.Stroke(linewidth=3.6, foreground="white"), patheffects.Normal()]


def _shock_markers(ax: Axes, data: _Data, labels: list[str]) -> None:
    """Onsets of the scenario's shocks; an onset that the sweep varies is shaded over its range."""
    experiment = data.experiment
    start = experiment.scenario.start
    varied = {f.shock: f for f in experiment.factors if f.is_onset}
    for i, shock in enumerate(experiment.scenario.shocks):
        name = shock.name.replace("_", " ")
        y = 0.98 - 0.07 * (i % 4)
        if shock.name in varied:
            factor = varied[shock.name]
            onsets = data.table[factor.name].to_numpy(dtype=float)
            left, right = round(onsets.min() * 4) - start, round(onsets.max() * 4) - start
            ax.axvspan(left, right, color="#999999", alpha=0.12, lw=0, zorder=0)
            text, x = f"{name} onset, varied {factor.describe(onsets.min())}–{factor.describe(onsets.max())}", left
        else:
            x = shock.at - start
            ax.axvline(x, color="#555555", ls="--", lw=1, zorder=1)
            text = f"{name} ({quarter_label(shock.at)})"
        ax.annotate(
            text,
            xy=(x, y),
            xycoords=("data", "axes fraction"),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=8,
            va="top",
            color="#333333",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            zorder=5,
        )


# -- index charts ------------------------------------------------------------------


def _sobol_chart(data: _Data, frame: pd.DataFrame) -> Figure:
    """S1 and ST of the most influential parameters as paired bars with their confidence intervals."""
    top = frame.head(MAX_BARS)
    n = len(top)
    figure, ax = plt.subplots(figsize=(10, 1.2 + 0.42 * n + 1.2))
    y = np.arange(n)
    height = 0.38
    error = {"elinewidth": 1, "capsize": 2.5, "ecolor": "#333333"}
    ax.barh(
        y - height / 2,
        top["ST"],
        height,
        xerr=top["ST_conf"],
        color=OKABE_ITO[0],
        label="total order ST",
        error_kw=error,
    )
    ax.barh(
        y + height / 2,
        top["S1"],
        height,
        xerr=top["S1_conf"],
        color=OKABE_ITO[1],
        label="first order S1",
        error_kw=error,
    )
    ax.set_yticks(y)
    ax.set_yticklabels(top["parameter"])
    ax.invert_yaxis()
    ax.axvline(0, color="#333333", lw=0.8)
    ax.set_xlabel("Sobol' index: share of the variance of the point means")
    ax.grid(axis="y", visible=False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    metric = data.metric
    shown = f" (top {n} of {len(frame)})" if n < len(frame) else ""
    ax.set_title(_title(data, f"Sobol' indices of {metric_short(metric)}{shown}"), fontsize=11)
    figure.tight_layout()
    notes = [
        f"Error bars: 95% bootstrap intervals. Base samples {data.experiment.samples}; small samples give "
        "wide intervals and can give slightly negative estimates of indices that are truly 0.",
        *_censor_note(data, metric),
    ]
    _add_note(figure, notes)
    return figure


def _morris_chart(data: _Data, frame: pd.DataFrame) -> Figure:
    """μ* bars with their confidence intervals, and μ* against σ to tell linear effects from interacting ones."""
    top = frame.head(MAX_BARS)
    n = len(top)
    metric = data.metric
    figure, (bars, scatter) = plt.subplots(
        1, 2, figsize=(13, 1.6 + 0.38 * n + 1.0), gridspec_kw={"width_ratios": [1.15, 1]}
    )
    y = np.arange(n)
    bars.barh(
        y,
        top["mu_star"],
        0.65,
        xerr=top["mu_star_conf"],
        color=OKABE_ITO[0],
        error_kw={"elinewidth": 1, "capsize": 2.5, "ecolor": "#333333"},
    )
    bars.set_yticks(y)
    bars.set_yticklabels(top["parameter"])
    bars.invert_yaxis()
    bars.grid(axis="y", visible=False)
    unit = _effect_unit(metric)
    bars.set_xlabel(f"μ*: mean |elementary effect| ({unit})")
    bars.set_title("ranking (error bars: 95% bootstrap interval)", fontsize=9, loc="left")

    scatter.scatter(frame["mu_star"], frame["sigma"], s=22, color=OKABE_ITO[0], zorder=3)
    limit = float(np.nanmax(np.r_[frame["mu_star"], frame["sigma"], 1e-12]))
    scatter.plot([0, limit * 1.05], [0, limit * 1.05], color="#999999", ls="--", lw=1, label="σ = μ*")
    for row in frame.head(6).itertuples():
        scatter.annotate(row.parameter, (row.mu_star, row.sigma), xytext=(4, 3), textcoords="offset points", fontsize=7)
    scatter.set_xlim(left=0)
    scatter.set_ylim(bottom=0)
    scatter.set_xlabel(f"μ* ({unit})")
    scatter.set_ylabel(f"σ: spread of the elementary effects ({unit})")
    scatter.set_title("above the line: effect varies with the other parameters", fontsize=9, loc="left")
    scatter.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
    shown = f" (top {n} of {len(frame)})" if n < len(frame) else ""
    figure.suptitle(_title(data, f"Morris screening of {metric_short(metric)}{shown}"), fontsize=11)
    figure.tight_layout()
    notes = [
        f"{data.experiment.samples} trajectories on a {data.experiment.levels}-level grid; an elementary effect "
        "is the change of the point mean when one parameter moves, scaled to the parameter's whole range.",
        *_censor_note(data, metric),
    ]
    _add_note(figure, notes)
    return figure


def _effect_unit(metric: Metric) -> str:
    if metric.statistic == "first_above":
        return "quarters per parameter range"
    return f"{series_unit(metric.series)} per parameter range"


# -- summary -----------------------------------------------------------------------


def _summary(data: _Data, folder: Path, files: list[Path]) -> str:
    experiment = data.experiment
    scenario = experiment.scenario
    lines = [
        f"{experiment.name}: {experiment.method}, {len(data.table)} points × {experiment.replicates} replicates "
        f"({len(data.worlds):,} worlds), scenario {scenario.name} {scenario.period}"
    ]
    metric = experiment.analysis_metric
    frame = data.indices.get(metric)
    if frame is not None:
        column = "ST" if experiment.method == "sobol" else "mu_star"
        label = "Sobol total-order ST" if experiment.method == "sobol" else "Morris μ*"
        top = ", ".join(
            f"{row.parameter} {getattr(row, column):.3g} ± {getattr(row, column + '_conf'):.2g}"
            for row in frame.head(3).itertuples()
        )
        lines.append(f"Most influential on {metric} ({label}): {top}")
    else:
        spreads = []
        for factor in experiment.factors:
            binned = _binned(data, factor, metric)
            if len(binned) > 1:
                spreads.append((float(binned["mean"].max() - binned["mean"].min()), factor.name))
        spreads.sort(key=lambda s: -s[0])
        if spreads and spreads[0][0] == 0:
            lines.append(f"{metric} is the same at every point")
        elif spreads:
            top = ", ".join(f"{name} {spread:.3g}" for spread, name in spreads[:3])
            lines.append(f"Largest range of the mean {metric} across a parameter's values (not an index): {top}")
    lines += _phase_summary(data)
    lines += [f"Note: {note}" for note in data.notes]
    plots = sum(1 for f in files if f.suffix == ".png")
    lines.append(
        f"Wrote {len(files) - plots} tables to {folder / INDICES_DIR} and {plots} plots to {folder / PLOTS_DIR}"
    )
    return "\n".join(lines)
