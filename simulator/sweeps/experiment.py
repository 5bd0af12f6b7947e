"""Experiment files: which scenario to sweep, over which inputs, how, and what to keep.

An experiment names a base scenario and the *factors* to vary: calibrated parameters
by dotted path (``JPN.deference``) and fields of the scenario's shocks
(``shock.US retrenchment.magnitude``, ``shock.Taiwan Strait blockade.at``). Each factor
has a range, which for a calibrated parameter defaults to its plausible range in the
calibration file, so ``parameters: all`` is the whole calibrated model in one line.
The method (grid, explicit, random, lhs, sobol, morris) turns the factors into
*points* (see :mod:`simulator.sweeps.designs`), each simulated ``replicates`` times, and the
metrics (:mod:`simulator.runs.metrics`) are the numbers kept per world.

Like scenario files, experiment files are written by hand: every mistake becomes one
:class:`~simulator.base.errors.UserError` naming the file, the line and the fix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulator.base.calendar import quarter_label
from simulator.base.errors import UserError, clip, clip_path, near_miss
from simulator.base.names import DESCRIPTION_LIMIT, NAME_LIMIT, Description, Name, name_from_file
from simulator.base.schema_errors import schema_error
from simulator.base.yamlio import LoadedYaml, dump_yaml, read_yaml
from simulator.core.engines import DEFAULT_ENGINE, ENGINES, not_an_engine
from simulator.core.recorder import column_names
from simulator.inputs.calibration import Calibration, default_calibration
from simulator.inputs.documented_ranges import OutsideRange, outside_fixed, outside_swept
from simulator.inputs.scenario import SEED_RANGE, Scenario, load_scenario, scenario_from_dict
from simulator.runs.metrics import Metric, parse_metrics
from simulator.sweeps.interop import DEFAULT_METRICS, HEADLINE_SERIES, SHOCK_PREFIX, shock_input, shock_input_value

Fail = Callable[..., UserError]
"""Builds the error for a problem at a location of the file being parsed."""

METHODS = ("grid", "explicit", "random", "lhs", "sobol", "morris")
"""How factors become points; see :mod:`simulator.sweeps.designs`."""

DEFAULT_REPLICATES = 10
DEFAULT_GRID_LEVELS = 5
DEFAULT_MORRIS_LEVELS = 4


class RangeSpec(BaseModel):
    """A factor's range or values as written (all optional: a parameter's range defaults to calibration)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    low: float | str | None = None
    high: float | str | None = None
    values: list[float | str] | None = None
    levels: int | None = Field(None, ge=2, le=1000)


class PhaseSpec(BaseModel):
    """The phase diagram: a metric over two factors, optionally as a change from the lowest x."""

    model_config = ConfigDict(extra="forbid", strict=True)
    x: str
    y: str
    metric: str | None = None
    relative_to_lowest_x: bool = False
    boundary: float | None = Field(None, allow_inf_nan=False)


class AnalysisSpec(BaseModel):
    """What the analysis draws first; everything has a default."""

    model_config = ConfigDict(extra="forbid", strict=True)
    metric: str | None = None
    colour_by: str | None = None
    phase: PhaseSpec | None = None


class ExperimentSpec(BaseModel):
    """An experiment file's top level."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: Name | None = None
    description: Description = ""
    scenario: str | dict[str, Any]
    set: dict[str, Any] = Field(default_factory=dict)
    seed: int | None = Field(None, ge=SEED_RANGE[0], le=SEED_RANGE[1])
    replicates: int = Field(DEFAULT_REPLICATES, ge=1, le=100_000)
    method: str = "grid"
    samples: int | None = Field(None, ge=1, le=10_000_000)
    levels: int | None = Field(None, ge=2, le=1000)
    second_order: bool = False
    parameters: dict[str, RangeSpec | list[float | str] | None] | str
    exclude: list[str] = Field(default_factory=list)
    metrics: list[str] = Field(default_factory=lambda: list(DEFAULT_METRICS))
    series: list[str] | None = None
    analysis: AnalysisSpec = Field(default_factory=AnalysisSpec)
    engine: str = DEFAULT_ENGINE


_HINTS = {
    "name": f"one line of text, at most {NAME_LIMIT} characters",
    "description": f"text of at most {DESCRIPTION_LIMIT:,} characters",
    "scenario": "a scenario file path (relative to the experiment file) or an inline scenario mapping",
    "set": "a mapping of dotted paths to numbers held fixed in every world, e.g. model.weight_deference: 1.0",
    "seed": f"a whole number from {SEED_RANGE[0]} to {SEED_RANGE[1]}",
    "replicates": "a whole number of worlds per point, >= 1",
    "method": f"one of {', '.join(METHODS)}",
    "samples": "a whole number of points (sobol: base samples, a power of 2; morris: trajectories)",
    "levels": "a whole number >= 2",
    "parameters": "a mapping of dotted paths (or shock.<name>.<field>) to ranges, or the word all",
    "low": 'a number (a quarter such as "2026Q1" for a shock\'s at)',
    "high": 'a number (a quarter such as "2030Q4" for a shock\'s at)',
    "values": "a list of numbers (quarters for a shock's at)",
    "metrics": "a list such as [coop_EU_JPN:final, coop_EU_JPN:first_above@0.55]",
    "exclude": "a list of parameter paths left out of `parameters: all`",
    "engine": f"one of {', '.join(ENGINES)}",
}


@dataclass(frozen=True)
class Factor:
    """One varied input with its range, in the units the user reads.

    A shock's ``at`` is held as a decimal year at the start of the quarter
    (2026.5 is 2026Q3) so that it plots on a time axis and samples continuously;
    :meth:`model_values` turns it into the whole quarter the model needs.

    Attributes:
        name: As written: ``JPN.deference`` or ``shock.<shock name>.<field>``.
        low: Low end of the range.
        high: High end of the range.
        values: Explicit values (grid and explicit methods), or None.
        shock: The shock's name for a shock field, else None.
        shock_field: at, magnitude, ramp, duration or decay, for a shock field.
        label: Axis label for plots.
    """

    name: str
    low: float
    high: float
    values: tuple[float, ...] | None = None
    shock: str | None = None
    shock_field: str | None = None
    label: str = ""

    @property
    def is_onset(self) -> bool:
        """Whether the factor is a shock's onset quarter."""
        return self.shock_field == "at"

    def snap(self, values: np.ndarray) -> np.ndarray:
        """Round sampled values to what the model can use: onsets to whole quarters."""
        values = np.asarray(values, dtype=float)
        return np.round(values * 4) / 4 if self.is_onset else values

    def model_values(self, values: np.ndarray) -> np.ndarray:
        """The values as the model takes them (an onset as a quarter count)."""
        values = np.asarray(values, dtype=float)
        return np.round(values * 4) if self.is_onset else values

    def describe(self, value: float) -> str:
        """A value as a reader writes it (an onset as ``2026Q3``)."""
        return quarter_label(round(value * 4)) if self.is_onset else f"{value:g}"

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form for the resolved experiment file."""
        if self.values is not None:
            return {"values": [self.describe(v) if self.is_onset else v for v in self.values]}
        if self.is_onset:
            return {"low": self.describe(self.low), "high": self.describe(self.high)}
        return {"low": self.low, "high": self.high}


@dataclass(frozen=True)
class PhaseDiagram:
    """Resolved phase-diagram settings (see :class:`PhaseSpec`)."""

    x: str
    y: str
    metric: str
    relative_to_lowest_x: bool = False
    boundary: float | None = None


@dataclass(frozen=True)
class Experiment:
    """A validated experiment with every default filled.

    Attributes:
        name: Experiment name (defaults to the file's stem); names the results folder.
        description: What question the sweep answers.
        scenario: The base scenario every point modifies, with the experiment's ``set`` values applied
            (they are held fixed in every world).
        method: grid, explicit, random, lhs, sobol or morris.
        factors: The varied inputs.
        replicates: Worlds per point; replicate r of every point shares random numbers (common
            random numbers), so differences between points are not noise between worlds.
        seed: Base seed of worlds and of the sampling design.
        samples: Points for random/lhs, base samples for sobol, trajectories for morris.
        levels: Grid levels for ranges (grid) or the Morris grid's levels.
        second_order: Sobol second-order indices (more points).
        metrics: The numbers kept per world.
        series: Series whose per-quarter statistics are kept per point.
        analysis_metric: The metric plots and sensitivity indices show first.
        colour_by: The factor that colours the cooperation envelopes.
        phase: Phase-diagram settings, when there are two factors to put on its axes.
        engine: What runs the quarters (:mod:`simulator.core.engines`): ``numpy``, the reference, or
            ``fused``, the compiled kernel; the two agree to about 1e-15, not bit for bit, so it is
            part of what decides the numbers.
        source: The file it was read from, if any.
    """

    name: str
    description: str
    scenario: Scenario
    method: str
    factors: tuple[Factor, ...]
    replicates: int
    seed: int
    samples: int | None
    levels: int | None
    second_order: bool
    metrics: tuple[Metric, ...]
    series: tuple[str, ...]
    analysis_metric: str
    colour_by: str
    phase: PhaseDiagram | None
    engine: str = DEFAULT_ENGINE
    source: str | None = field(default=None, compare=False)

    @property
    def factor_names(self) -> list[str]:
        """Factor names in file order (the design's columns)."""
        return [f.name for f in self.factors]

    def factor(self, name: str) -> Factor:
        """The factor called ``name``."""
        return next(f for f in self.factors if f.name == name)

    def outside_documented_ranges(self, calibration: Calibration | None = None) -> list[OutsideRange]:
        """The settings of the sweep outside their parameters' documented ranges: fixed values, then swept ranges.

        A fixed value is one of the base scenario's parameters or of the experiment's ``set`` that
        no factor varies; a swept range is a parameter factor's low to high (shock fields have no
        documented range). The sweep's warnings, manifest and plot titles all come from this list,
        so that a result resting on settings the calibration does not argue for says so wherever it is read.
        """
        swept = {f.name for f in self.factors}
        fixed = {path: value for path, value in self.scenario.parameters.items() if path not in swept}
        ranges = [(f.name, f.low, f.high) for f in self.factors if f.shock is None]
        return outside_fixed(fixed, calibration) + outside_swept(ranges, calibration)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form: re-running it gives the same sweep, the scenario inline."""
        data: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "scenario": self.scenario.to_dict(),
            "seed": self.seed,
            "replicates": self.replicates,
            "method": self.method,
        }
        if self.samples is not None:
            data["samples"] = self.samples
        if self.levels is not None:
            data["levels"] = self.levels
        if self.method == "sobol":
            data["second_order"] = self.second_order
        data["parameters"] = {f.name: f.to_dict() for f in self.factors}
        data["metrics"] = [m.name for m in self.metrics]
        data["series"] = list(self.series)
        analysis: dict[str, Any] = {"metric": self.analysis_metric, "colour_by": self.colour_by}
        if self.phase:
            analysis["phase"] = {
                "x": self.phase.x,
                "y": self.phase.y,
                "metric": self.phase.metric,
                "relative_to_lowest_x": self.phase.relative_to_lowest_x,
            }
            if self.phase.boundary is not None:
                analysis["phase"]["boundary"] = self.phase.boundary
        data["analysis"] = analysis
        if self.engine != DEFAULT_ENGINE:  # absent for the reference, so older sweeps keep their fingerprints
            data["engine"] = self.engine
        return data

    def to_yaml(self) -> str:
        """The resolved experiment as YAML (``experiment.yaml`` in a sweep folder)."""
        return dump_yaml(self.to_dict())

    def fingerprint(self) -> str:
        """A digest of everything that decides the numbers, to refuse resuming a changed sweep.

        The analysis settings are left out: changing a plot must not invalidate results.
        """
        data = self.to_dict()
        data.pop("analysis")
        data.pop("description")
        return hashlib.sha256(dump_yaml(data).encode()).hexdigest()[:16]


SCENARIO_KEYS = ("start", "horizon", "shocks")
"""Keys a scenario file has and an experiment file does not."""


def is_scenario_data(data: object) -> bool:
    """Whether parsed YAML given as an experiment is a scenario file instead.

    The mirror image of :func:`~simulator.inputs.scenario.is_experiment_data`: no base ``scenario``, a key
    only scenarios have (``start``, ``horizon``, ``shocks``) and none only experiments have.
    """
    if not isinstance(data, dict) or "scenario" in data:
        return False
    experiment_only = set(ExperimentSpec.model_fields) - {"name", "description", "seed", "replicates", "parameters"}
    return any(key in data for key in SCENARIO_KEYS) and not any(key in data for key in experiment_only)


def load_experiment(path: str | Path, *, calibration: Calibration | None = None) -> Experiment:
    """Read and validate an experiment file.

    Raises:
        UserError: for any problem, naming the file, line, field and fix.
    """
    loaded = read_yaml(path)
    return parse_experiment(loaded, calibration=calibration, default_name=Path(path).stem)


def experiment_from_dict(
    data: dict[str, Any], *, base_dir: str | Path = ".", calibration: Calibration | None = None
) -> Experiment:
    """Build an experiment from plain data, as in a notebook; scenario paths are relative to ``base_dir``."""
    loaded = LoadedYaml(data=data, path=str(Path(base_dir) / "<experiment>"))
    return parse_experiment(loaded, calibration=calibration)


def parse_experiment(
    loaded: LoadedYaml, *, calibration: Calibration | None = None, default_name: str = "experiment"
) -> Experiment:
    """Validate parsed YAML and resolve it into an :class:`Experiment`."""
    calibration = calibration or default_calibration()
    file = loaded.path
    data = loaded.data
    if data is None:
        raise UserError("the file is empty; an experiment needs at least scenario and parameters", file=file, line=1)
    if not isinstance(data, dict):
        raise UserError("an experiment is a mapping of keys (scenario, method, parameters, …)", file=file, line=1)
    if is_scenario_data(data):
        key = next(k for k in SCENARIO_KEYS if k in data)
        raise UserError(
            "this is a scenario file, not an experiment (it names no base scenario); run it with `eujsim run FILE`, "
            "or name it as the `scenario:` of an experiment file to sweep its parameters (see experiments/)",
            file=file,
            line=loaded.line_of((key,)),
        )
    try:
        spec = ExperimentSpec.model_validate(data)
    except ValidationError as exc:
        raise schema_error(exc, loaded, _allowed_keys, _HINTS) from None

    def fail(message: str, *where: str | int) -> UserError:
        return UserError(message, file=file, line=loaded.line_of(where), field=".".join(map(str, where)) or None)

    scenario = _base_scenario(spec.scenario, loaded, calibration)
    fixed = {path: _fixed_value(calibration, path, value, fail) for path, value in spec.set.items()}
    scenario = scenario.with_overrides(parameters=fixed)
    if spec.method not in METHODS:
        raise fail(
            f"unknown method '{clip(spec.method)}'{near_miss(spec.method, METHODS)} (choose from {', '.join(METHODS)})",
            "method",
        )
    factors = _factors(spec, scenario, calibration, fail)
    both = next((f.name for f in factors if f.name in spec.set), None)
    if both:
        raise fail(f"{both} is both held fixed (set) and varied (parameters); keep one", "set", both)
    samples, levels = _design_settings(spec, factors, fail)
    metrics = _metrics(spec.metrics, fail)
    series = _series(spec, metrics, fail)
    names = [m.name for m in metrics]
    analysis_metric = spec.analysis.metric or names[0]
    if analysis_metric not in names:
        raise fail(
            f"analysis metric '{clip(analysis_metric)}' is not among the metrics{near_miss(analysis_metric, names)}",
            "analysis",
            "metric",
        )
    factor_names = [f.name for f in factors]
    colour_by = spec.analysis.colour_by or factor_names[0]
    if colour_by not in factor_names:
        raise fail(
            f"colour_by '{clip(colour_by)}' is not a varied parameter{near_miss(colour_by, factor_names)}",
            "analysis",
            "colour_by",
        )
    phase = _phase(spec, factor_names, names, analysis_metric, fail)
    if spec.engine not in ENGINES:
        raise fail(not_an_engine(spec.engine), "engine")
    return Experiment(
        name=spec.name or name_from_file(default_name, "experiment", file),
        description=" ".join(spec.description.split()),
        scenario=scenario,
        method=spec.method,
        factors=tuple(factors),
        replicates=spec.replicates,
        seed=scenario.seed if spec.seed is None else spec.seed,
        samples=samples,
        levels=levels,
        second_order=spec.second_order,
        metrics=tuple(metrics),
        series=tuple(series),
        analysis_metric=analysis_metric,
        colour_by=colour_by,
        phase=phase,
        engine=spec.engine,
        source=file,
    )


# -- pieces of parse_experiment ------------------------------------------------


def _allowed_keys(loc: tuple) -> list[str]:
    """The keys of the mapping that holds ``loc``."""
    if loc[:1] == ("analysis",):
        return list(PhaseSpec.model_fields if "phase" in loc[:-1] else AnalysisSpec.model_fields)
    if loc[:1] == ("parameters",):
        return list(RangeSpec.model_fields)
    return list(ExperimentSpec.model_fields)


def _base_scenario(given: str | dict[str, Any], loaded: LoadedYaml, calibration: Calibration) -> Scenario:
    """The base scenario: a file relative to the experiment's folder, or an inline mapping."""
    if isinstance(given, dict):
        return scenario_from_dict(given, calibration=calibration)
    path = Path(loaded.path).parent / given
    try:
        found = path.is_file()
    except OSError:  # a name too long for the file system, for one
        found = False
    if not found:
        raise UserError(
            f"scenario file '{clip(given)}' not found (looked for {clip_path(path, 120)}); "
            "paths are relative to the experiment file",
            file=loaded.path,
            line=loaded.line_of(("scenario",)),
            field="scenario",
        )
    return load_scenario(path, calibration=calibration)


def _fixed_value(calibration: Calibration, path: str, value: object, fail: Fail) -> float:
    """A ``set`` entry checked like a scenario's parameter override, reported at its line."""
    try:
        return calibration.check_value(path, value)
    except UserError as exc:
        raise fail(exc.message, "set", path) from None


def _factors(spec: ExperimentSpec, scenario: Scenario, calibration: Calibration, fail: Fail) -> list[Factor]:
    if isinstance(spec.parameters, str):
        if spec.parameters != "all":
            raise fail(
                f"parameters is '{clip(spec.parameters)}'; write `parameters: all` for every calibrated parameter "
                "or a mapping of parameters to ranges",
                "parameters",
            )
        for index, path in enumerate(spec.exclude):
            try:
                calibration.check_path(path)
            except UserError as exc:
                raise fail(exc.message, "exclude", index) from None
        excluded = set(spec.exclude)
        written: dict[str, RangeSpec | list[float | str] | None] = {p: None for p in calibration if p not in excluded}
    else:
        if spec.exclude:
            raise fail("exclude only goes with `parameters: all`; leave the parameter out instead", "exclude")
        written = spec.parameters
    if not written:
        raise fail("no parameters to vary; name at least one, or write `parameters: all`", "parameters")
    levels = spec.levels or DEFAULT_GRID_LEVELS
    return [_factor(name, given, scenario, calibration, spec.method, levels, fail) for name, given in written.items()]


def _factor(
    name: str,
    given: RangeSpec | list[float | str] | None,
    scenario: Scenario,
    calibration: Calibration,
    method: str,
    grid_levels: int,
    fail: Fail,
) -> Factor:
    where = ("parameters", name)
    spec = RangeSpec(values=given) if isinstance(given, list) else (given or RangeSpec())
    shock = field_name = None
    if name.startswith(SHOCK_PREFIX):
        try:
            shock, field_name = shock_input(scenario, name)
        except UserError as exc:
            raise fail(exc.message, *where) from None
        default = {"at": (scenario.start / 4, scenario.last / 4), "magnitude": (0.0, 1.0)}.get(field_name)
        if field_name == "at":
            label = f"{shock} onset"
        else:
            label = f"{shock} {field_name}" + ("" if field_name == "magnitude" else " (quarters)")
    else:
        try:
            param = calibration.check_path(name)
        except UserError as exc:
            raise fail(exc.message + "; a shock field is written shock.<shock name>.<field>", *where) from None
        default = (param.low, param.high)
        label = f"{name} ({param.unit})" if param.unit not in {"", "share", "index"} else name
    factor_kw: dict[str, Any] = {"shock": shock, "shock_field": field_name, "label": label}

    def check(value: object, key: str) -> float:
        """One value of the range checked as a scenario file checks it, in the factor's units."""
        try:
            if field_name is None:
                return calibration.check_value(name, value)
            number = shock_input_value(scenario, f"{name} {key}", field_name, value)
        except UserError as exc:
            raise fail(exc.message, *where, key) from None
        return number / 4 if field_name == "at" else number  # an onset as a decimal year

    if spec.values is not None:
        if method not in {"grid", "explicit"}:
            raise fail(
                f"values are for the grid and explicit methods; with {method} give low and high", *where, "values"
            )
        if not spec.values:
            raise fail("values is empty; list at least one value", *where, "values")
        if spec.levels is not None or spec.low is not None or spec.high is not None:
            raise fail("give either values, or low and high (with levels); not both", *where, "values")
        values = tuple(check(v, "values") for v in spec.values)
        return Factor(name=name, low=min(values), high=max(values), values=values, **factor_kw)
    if method == "explicit":
        raise fail("the explicit method needs a list of values for every parameter (equal lengths)", *where)
    low = check(spec.low, "low") if spec.low is not None else (default[0] if default else None)
    high = check(spec.high, "high") if spec.high is not None else (default[1] if default else None)
    if low is None or high is None:
        raise fail(f"{name} has no default range; give low and high", *where)
    if not low < high:
        raise fail(f"low ({low:g}) must be below high ({high:g})", *where)
    if spec.levels is not None and method != "grid":
        raise fail("levels per parameter is for the grid method", *where, "levels")
    factor = Factor(name=name, low=float(low), high=float(high), **factor_kw)
    if method != "grid":
        return factor
    grid = factor.snap(np.linspace(low, high, spec.levels or grid_levels))
    return replace(factor, values=tuple(dict.fromkeys(map(float, grid))))


def _design_settings(spec: ExperimentSpec, factors: list[Factor], fail: Fail) -> tuple[int | None, int | None]:
    """The design's samples and levels, checked against its method.

    (The number of points they make is :func:`simulator.sweeps.designs.design_size`.)
    """
    method = spec.method
    if method in {"grid", "explicit"} and spec.samples is not None:
        raise fail(f"samples is not used by the {method} method; remove it", "samples")
    if method not in {"grid", "explicit"} and spec.samples is None:
        example = {"random": 100, "lhs": 100, "sobol": 256, "morris": 10}[method]
        raise fail(f"the {method} method needs samples, e.g. samples: {example}", "samples")
    if method == "explicit":
        lengths = {f.name: len(f.values or ()) for f in factors}
        if len(set(lengths.values())) > 1:
            listed = ", ".join(f"{k}: {v}" for k, v in lengths.items())
            raise fail(
                f"the explicit method pairs values by position, so the lists need equal lengths ({listed})",
                "parameters",
            )
    if method == "sobol" and spec.samples & (spec.samples - 1):
        lower = 1 << (spec.samples.bit_length() - 1)
        raise fail(
            f"sobol samples must be a power of 2 for the sequence's balance; use {lower} or {lower * 2}", "samples"
        )
    if method == "morris" and len(factors) < 2:
        raise fail("Morris screening needs at least two parameters", "parameters")
    if spec.levels is not None and method in {"explicit", "random", "lhs", "sobol"}:
        raise fail(f"levels is for the grid and morris methods, not {method}; remove it", "levels")
    levels = {"grid": spec.levels or DEFAULT_GRID_LEVELS, "morris": spec.levels or DEFAULT_MORRIS_LEVELS}
    return spec.samples, levels.get(method)


def _metrics(texts: list[str], fail: Fail) -> list[Metric]:
    """Parse the metrics list, re-raising errors at the file's ``metrics`` line."""
    if not texts:
        raise fail("metrics is empty; keep at least one, e.g. coop_EU_JPN:final", "metrics")
    try:
        return parse_metrics(texts)
    except UserError as exc:
        raise fail(exc.message, "metrics") from None


def _series(spec: ExperimentSpec, metrics: list[Metric], fail: Fail) -> list[str]:
    columns = column_names()
    chosen = spec.series if spec.series is not None else [HEADLINE_SERIES, *[m.series for m in metrics]]
    for name in chosen:
        if name not in columns:
            raise fail(f"no series '{clip(name)}'{near_miss(name, columns)}", "series")
    return list(dict.fromkeys(chosen))


def _phase(
    spec: ExperimentSpec,
    factor_names: list[str],
    metric_names: list[str],
    analysis_metric: str,
    fail: Fail,
) -> PhaseDiagram | None:
    given = spec.analysis.phase
    if given is None:
        # Screening designs vary many factors at once; their first two in file order make no diagram worth drawing.
        if len(factor_names) < 2 or spec.method in {"sobol", "morris"}:
            return None
        return PhaseDiagram(factor_names[0], factor_names[1], analysis_metric)
    for key in ("x", "y"):
        value = getattr(given, key)
        if value not in factor_names:
            raise fail(
                f"phase {key} '{clip(value)}' is not a varied parameter{near_miss(value, factor_names)}",
                "analysis",
                "phase",
                key,
            )
    if given.x == given.y:
        raise fail("phase x and y are the same parameter; choose two", "analysis", "phase", "y")
    metric = given.metric or analysis_metric
    if metric not in metric_names:
        raise fail(
            f"phase metric '{clip(metric)}' is not among the metrics{near_miss(metric, metric_names)}",
            "analysis",
            "phase",
            "metric",
        )
    return PhaseDiagram(given.x, given.y, metric, given.relative_to_lowest_x, given.boundary)
