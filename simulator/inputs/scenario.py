"""Scenario files: schema, validation with line-precise errors, and resolution.

A scenario names a start quarter, a horizon, a seed, a number of replicates,
parameter overrides and a list of shocks. The file format is fixed (users'
files depend on it); see the README for a complete example. Validation turns
every mistake into a :class:`~simulator.base.errors.UserError` naming the file, the
line and the fix, and reports all of a file's mistakes at once.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulator.base.calendar import (
    FIRST_QUARTER,
    FIRST_YEAR,
    LAST_QUARTER,
    LAST_YEAR,
    check_period,
    parse_quarter,
    quarter_label,
)
from simulator.base.errors import ErrorCollector, UserError, choices_hint, clip, near_miss, quote
from simulator.base.names import DESCRIPTION_LIMIT, NAME_LIMIT, Description, Name, name_from_file
from simulator.base.schema_errors import schema_error, schema_location
from simulator.base.yamlio import LoadedYaml, dump_yaml, parse_yaml, read_yaml
from simulator.inputs.calibration import Calibration, default_calibration
from simulator.inputs.shocklib import MAX_TIMING_QUARTERS, Effect, ShockLibrary, default_library, parse_effects

if TYPE_CHECKING:
    from simulator.inputs.ensemble import Ensemble

DEFAULT_START = "2025Q1"
DEFAULT_HORIZON = 40
DEFAULT_SEED = 2025
DEFAULT_REPLICATES = 100
SEED_RANGE = (0, 2**63 - 1)
"""Seeds a scenario may take: whole numbers that fit a signed 64-bit integer, as every saved table holds them.

The one source of the bounds: the scenario and experiment schemas, ``--seed`` and
:meth:`Scenario.with_overrides` all check against it, so no seed is accepted that a saved
``scenario.yaml`` would then refuse."""
REPLICATES_RANGE = (1, 1_000_000)
"""Replicates a scenario may ask for (the one source of the bounds, as :data:`SEED_RANGE`)."""


class EffectSpec(BaseModel):
    """An inline parameter change (schema only; checked against the calibration later)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    target: str
    op: str
    value: float


class ShockSpec(BaseModel):
    """One shock as written in a scenario file."""

    model_config = ConfigDict(extra="forbid", strict=True)
    kind: Name
    at: str
    magnitude: float = Field(1.0, ge=0.0, le=1.0)
    ramp: int | None = Field(None, ge=0, le=MAX_TIMING_QUARTERS)
    duration: int | None = Field(None, ge=0, le=MAX_TIMING_QUARTERS)
    decay: int | None = Field(None, ge=0, le=MAX_TIMING_QUARTERS)
    name: Name | None = None
    effects: list[EffectSpec] | None = None


class ScenarioSpec(BaseModel):
    """A scenario file's top level."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: Name | None = None
    description: Description = ""
    start: str = DEFAULT_START
    horizon: int = Field(DEFAULT_HORIZON, ge=1, le=400)
    seed: int = Field(DEFAULT_SEED, ge=SEED_RANGE[0], le=SEED_RANGE[1])
    replicates: int = Field(DEFAULT_REPLICATES, ge=REPLICATES_RANGE[0], le=REPLICATES_RANGE[1])
    parameters: dict[str, Any] = Field(default_factory=dict)
    shocks: list[ShockSpec] = Field(default_factory=list)


_FIELD_HINTS = {
    "start": f'a quarter in quotes such as "2025Q1", from {FIRST_YEAR}Q1 to {LAST_YEAR}Q4',
    "at": 'a quarter in quotes such as "2026Q3"',
    "horizon": "a whole number of quarters from 1 to 400",
    "seed": f"a whole number from {SEED_RANGE[0]} to {SEED_RANGE[1]}",
    "replicates": f"a whole number from {REPLICATES_RANGE[0]} to {REPLICATES_RANGE[1]}",
    "magnitude": "a number from 0 to 1",
    "ramp": f"a whole number of quarters from 0 to {MAX_TIMING_QUARTERS}",
    "duration": f"a whole number of quarters from 0 to {MAX_TIMING_QUARTERS} (omit it for a persistent shock)",
    "decay": f"a whole number of quarters from 0 to {MAX_TIMING_QUARTERS}",
    "parameters": "a mapping of dotted paths to numbers, e.g. JPN.deference: 0.3",
    "shocks": "a list of shocks, each with at least kind and at",
    "kind": "the name of a shock kind (see `eujsim shocks`)",
    "name": f"one line of text, at most {NAME_LIMIT} characters",
    "description": f"text of at most {DESCRIPTION_LIMIT:,} characters",
}


@dataclass(frozen=True)
class Shock:
    """A shock resolved against the library: every field filled."""

    name: str
    kind: str
    at: int
    """Quarter count of onset (see :mod:`simulator.base.calendar`)."""
    magnitude: float
    ramp: int
    duration: int | None
    """Quarters at full effect; None means persistent."""
    decay: int
    effects: tuple[Effect, ...]
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form for the resolved scenario file."""
        return {
            "name": self.name,
            "kind": self.kind,
            "at": quarter_label(self.at),
            "magnitude": self.magnitude,
            "ramp": self.ramp,
            "duration": self.duration,
            "decay": self.decay,
            "effects": [{"target": e.target, "op": e.op, "value": e.value} for e in self.effects],
        }


@dataclass(frozen=True)
class Scenario:
    """A validated scenario with every default filled.

    Attributes:
        name: Scenario name (defaults to the file's stem).
        description: What happens and why, for readers of results.
        start: Quarter count of the first simulated quarter.
        horizon: Number of quarters simulated.
        seed: Base seed; world r uses the stream derived from (seed, r).
        replicates: Number of worlds (replicates) in a run.
        parameters: Dotted-path overrides of the calibration.
        shocks: Resolved shocks in file order.
        source: Path of the file it was read from, if any.
        ensemble: Parameter ensemble whose rows the worlds take (:mod:`simulator.inputs.ensemble`),
            or None for the point calibration. Not part of the file format: it is a choice of how
            to run the scenario, recorded in a run's manifest rather than in its ``scenario.yaml``.
    """

    name: str
    description: str
    start: int
    horizon: int
    seed: int
    replicates: int
    parameters: Mapping[str, float] = field(default_factory=dict)
    shocks: tuple[Shock, ...] = ()
    source: str | None = None
    ensemble: Ensemble | None = None

    @property
    def last(self) -> int:
        """Quarter count of the last simulated quarter."""
        return self.start + self.horizon - 1

    @property
    def period(self) -> str:
        """The simulated quarters as a label, e.g. ``2025Q1–2034Q4``."""
        return f"{quarter_label(self.start)}–{quarter_label(self.last)}"

    def with_overrides(
        self,
        *,
        parameters: Mapping[str, float] | None = None,
        replicates: int | None = None,
        seed: int | None = None,
        ensemble: Ensemble | None = None,
    ) -> Scenario:
        """A copy with extra parameter overrides, another seed/replicate count, or a parameter ensemble.

        Raises:
            UserError: for a seed or replicate count outside :data:`SEED_RANGE` or :data:`REPLICATES_RANGE`,
                which a saved copy of the scenario could not be read back with.
        """
        if seed is not None:
            check_seed(seed)
        if replicates is not None:
            check_replicates(replicates)
        merged = dict(self.parameters)
        merged.update(parameters or {})
        return replace(
            self,
            parameters=merged,
            replicates=self.replicates if replicates is None else replicates,
            seed=self.seed if seed is None else seed,
            ensemble=self.ensemble if ensemble is None else ensemble,
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain data in the scenario file format, every default filled."""
        return {
            "name": self.name,
            "description": self.description,
            "start": quarter_label(self.start),
            "horizon": self.horizon,
            "seed": self.seed,
            "replicates": self.replicates,
            "parameters": dict(self.parameters),
            "shocks": [s.to_dict() for s in self.shocks],
        }

    def to_yaml(self) -> str:
        """The resolved scenario as YAML."""
        return dump_yaml(self.to_dict())


def check_seed(seed: object, field: str = "seed") -> int:
    """``seed`` if it is a whole number in :data:`SEED_RANGE`.

    Raises:
        UserError: naming ``field`` (``--seed`` on the command line) and the range.
    """
    return _check_whole(seed, SEED_RANGE, field)


def check_replicates(replicates: object, field: str = "replicates") -> int:
    """``replicates`` if it is a whole number in :data:`REPLICATES_RANGE`.

    Raises:
        UserError: naming ``field`` (``--replicates`` on the command line) and the range.
    """
    return _check_whole(replicates, REPLICATES_RANGE, field)


def _check_whole(value: object, bounds: tuple[int, int], field: str) -> int:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not low <= value <= high:
        raise UserError(f"must be a whole number from {low} to {high}, got {quote(value)}", field=field)
    return int(value)


def shock_onset(at: str, start: int, last: int) -> int:
    """The quarter count of a shock's ``at``, which must be a quarter from ``start`` to ``last``.

    Raises:
        ValueError: naming the fix, for text that is not a quarter or a quarter outside the run.
    """
    onset = parse_quarter(at)
    if not start <= onset <= last:
        raise ValueError(
            f"shock at {at} lies outside the simulated quarters "
            f"{quarter_label(start)}–{quarter_label(last)}; move it inside or change start/horizon"
        )
    return onset


def shock_field_range(name: str) -> tuple[float, float]:
    """The range a scenario file allows for the numeric shock field ``name`` (from :class:`ShockSpec`)."""
    metadata = ShockSpec.model_fields[name].metadata
    low = next(m.ge for m in metadata if hasattr(m, "ge"))
    high = next(m.le for m in metadata if hasattr(m, "le"))
    return float(low), float(high)


def is_experiment_data(data: object) -> bool:
    """Whether parsed YAML is an experiment file rather than a scenario.

    An experiment names a base ``scenario``; a mapping that also has ``shocks`` is a scenario
    with a stray key, and is reported as one.
    """
    return isinstance(data, dict) and "scenario" in data and "shocks" not in data


def _allowed_keys(loc: tuple) -> list[str]:
    """The keys of the mapping that holds ``loc``: the top level, a shock, or a shock's effect."""
    if len(loc) == 1:
        return list(ScenarioSpec.model_fields)
    if len(loc) >= 3 and loc[0] == "shocks" and "effects" in loc:
        return list(EffectSpec.model_fields)
    return list(ShockSpec.model_fields)


def parse_scenario(
    loaded: LoadedYaml,
    *,
    calibration: Calibration | None = None,
    library: ShockLibrary | None = None,
    default_name: str = "scenario",
) -> Scenario:
    """Validate parsed YAML and resolve it into a :class:`Scenario`.

    Raises:
        UserError: for any problem, naming the file, line, field and fix.
    """
    calibration = calibration or default_calibration()
    library = library or default_library()
    file = loaded.path
    data = loaded.data
    if data is None:
        raise UserError("the file is empty; a scenario needs at least a name (see the README)", file=file, line=1)
    if not isinstance(data, dict):
        raise UserError("a scenario is a mapping of keys (name, start, horizon, shocks, …)", file=file, line=1)
    if is_experiment_data(data):
        raise UserError(
            "this is an experiment file (it names a base scenario); run it with `eujsim sweep FILE`",
            file=file,
            line=loaded.line_of(("scenario",)),
            field="scenario",
        )
    problems = ErrorCollector(file)  # every mistake of the file is reported at once, in file order
    spec, shock_indices, bad = _validated_spec(data, loaded, problems)

    start = last = None
    if not _period_in_doubt(bad):
        with problems.check():
            start = _start_quarter(spec.start, loaded)
            _check_run_period(start, start + spec.horizon - 1, data, loaded)
            last = start + spec.horizon - 1

    overrides: dict[str, float] = {}
    for path, value in spec.parameters.items():
        with problems.check():
            overrides[path] = calibration.check_value(
                path, value, file=file, line=loaded.line_of(("parameters", path)), field=f"parameters.{path}"
            )

    resolved: list[tuple[ShockSpec, Shock]] = []
    for index, item in zip(shock_indices, spec.shocks, strict=True):
        with problems.check():
            resolved.append((item, _resolve_shock(item, index, loaded, calibration, library, start, last)))
    problems.raise_any()
    assert start is not None  # without problems, the period was read

    shocks: list[Shock] = []
    used_names: set[str] = set()
    for item, shock in resolved:
        name = _unique_name(item.name or item.kind, used_names)
        used_names.add(name)
        shocks.append(replace(shock, name=name))
    return Scenario(
        name=spec.name or name_from_file(default_name, "scenario", file),
        description=" ".join(spec.description.split()),
        start=start,
        horizon=spec.horizon,
        seed=spec.seed,
        replicates=spec.replicates,
        parameters=overrides,
        shocks=tuple(shocks),
        source=file,
    )


def _validated_spec(
    data: dict[str, Any], loaded: LoadedYaml, problems: ErrorCollector
) -> tuple[ScenarioSpec, list[int], set[str]]:
    """The file's schema, its failures collected, and what passed it kept so that the later checks still run.

    Without this, a file with a misspelt key would have its unknown parameters and shock kinds
    reported only on the next try.

    Returns:
        The spec of what passed the schema (a failed top-level key takes its default, a failed
        shock is left out), the file index of each shock in it, and the failed top-level keys.
    """
    shocks = data.get("shocks")
    try:
        return ScenarioSpec.model_validate(data), list(range(len(shocks or []))), set()
    except ValidationError as exc:
        problems.add(schema_error(exc, loaded, _allowed_keys, _FIELD_HINTS))
        locations = [schema_location(err) for err in exc.errors()]
    bad_shocks = {loc[1] for loc in locations if len(loc) >= 2 and loc[0] == "shocks" and isinstance(loc[1], int)}
    bad = {str(loc[0]) for loc in locations if loc and not (loc[0] == "shocks" and len(loc) >= 2)}
    kept = {key: value for key, value in data.items() if key not in bad}
    indices: list[int] = []
    if isinstance(shocks, list) and "shocks" not in bad:
        indices = [index for index in range(len(shocks)) if index not in bad_shocks]
        kept["shocks"] = [shocks[index] for index in indices]
    try:
        return ScenarioSpec.model_validate(kept), indices, bad
    except ValidationError:  # not expected; then nothing further can be checked soundly
        return ScenarioSpec(), [], {"start", "horizon"}


def _period_in_doubt(bad: set[str]) -> bool:
    """Whether a failed top-level key is, or looks like a misspelling of, ``start`` or ``horizon``.

    Then the defaults stand in for the quarters the user meant, and checking a shock's ``at``
    against them would report mistakes that are not there.
    """
    period = ["start", "horizon"]
    return any(key in period or difflib.get_close_matches(key, period, n=1, cutoff=0.6) for key in bad)


def _start_quarter(start: str, loaded: LoadedYaml) -> int:
    """The quarter count of the scenario's ``start``.

    Raises:
        UserError: at the ``start`` line, for text that is not a quarter.
    """
    try:
        return parse_quarter(start)
    except ValueError as exc:
        raise UserError(str(exc), file=loaded.path, line=loaded.line_of(("start",)), field="start") from None


def _check_run_period(start: int, last: int, data: Mapping[str, Any], loaded: LoadedYaml) -> None:
    """Check that the simulated quarters lie within the calendar the model knows.

    Raises:
        UserError: at ``horizon`` when a start inside the calendar runs past its end, else at ``start``.
    """
    try:
        check_period(start, last)
    except ValueError as exc:
        start_inside = FIRST_QUARTER <= start <= LAST_QUARTER
        where = "horizon" if start_inside and "horizon" in data else "start"  # the run ends too late
        raise UserError(str(exc), file=loaded.path, line=loaded.line_of((where,)), field=where) from None


def _resolve_shock(
    item: ShockSpec,
    index: int,
    loaded: LoadedYaml,
    calibration: Calibration,
    library: ShockLibrary,
    start: int | None,
    last: int | None,
) -> Shock:
    """One shock of the file checked against the library, the calibration and the run's quarters.

    Its name is the kind's or its own; :func:`parse_scenario` makes names unique afterwards.

    Args:
        item: The shock as written.
        index: Its position in the file's list, for lines and fields.
        loaded: The parsed file, for lines.
        calibration: What inline effects may change.
        library: The known shock kinds.
        start: First simulated quarter, or None when the file's period is itself wrong; then
            ``at`` is only checked to be a quarter.
        last: Last simulated quarter, or None as ``start``.

    Raises:
        UserError: for an unknown kind without effects, a bad ``at`` or a bad effect.
    """
    file = loaded.path
    loc = ("shocks", index)
    field_prefix = f"shocks.{index}"
    if item.kind not in library and item.effects is None:
        raise UserError(
            f"unknown shock kind '{clip(item.kind)}'{near_miss(item.kind, library)} "
            f"Known kinds: {choices_hint(library)}; a new kind needs an 'effects' list",
            file=file,
            line=loaded.line_of((*loc, "kind")),
            field=f"{field_prefix}.kind",
        )
    try:
        at = parse_quarter(item.at) if start is None or last is None else shock_onset(item.at, start, last)
    except ValueError as exc:
        raise UserError(str(exc), file=file, line=loaded.line_of((*loc, "at")), field=f"{field_prefix}.at") from None
    known = library.get(item.kind)
    if item.effects is not None:
        effects = parse_effects(
            [e.model_dump() for e in item.effects], calibration, file=file, loaded=loaded, where=(*loc, "effects")
        )
    else:
        assert known is not None
        effects = known.effects
    return Shock(
        name=item.name or item.kind,
        kind=item.kind,
        at=at,
        magnitude=float(item.magnitude),
        ramp=item.ramp if item.ramp is not None else (known.ramp if known else 0),
        duration=item.duration,
        decay=item.decay if item.decay is not None else (known.decay if known else 0),
        effects=effects,
        description=known.description if known else "",
    )


def _unique_name(name: str, used: set[str]) -> str:
    """``name``, or ``name #2``, ``name #3`` … for the second and later shocks of one name.

    The name is shortened to make room for the number, so that it stays within
    :data:`~simulator.base.names.NAME_LIMIT` and the saved scenario reads back.
    """
    unique, n = name, 2
    while unique in used:
        suffix = f" #{n}"
        unique, n = name[: NAME_LIMIT - len(suffix)] + suffix, n + 1
    return unique


SHIPPED_FOLDER = "scenarios"
"""The folder of ``simulator/data`` that holds the shipped scenario files.

It is a link to the project's ``scenarios/`` folder, so a checkout (and an editable install)
reads the files in place, and a built package copies them in as package data
(``pyproject.toml``): a shipped scenario is found wherever the package is, not only from the
project folder."""


def shipped_scenario(name: str) -> Path:
    """The path of a scenario file shipped with the package, e.g. ``shipped_scenario("baseline")``.

    Code that needs a shipped scenario by default (:func:`simulator.model_function`) asks here
    instead of for ``scenarios/<name>.yaml``, which exists only when the current folder is the project's.
    """
    return Path(str(resources.files("simulator.data").joinpath(SHIPPED_FOLDER, f"{name}.yaml")))


def load_scenario(
    path: str | Path,
    *,
    calibration: Calibration | None = None,
    library: ShockLibrary | None = None,
) -> Scenario:
    """Read and validate a scenario file."""
    loaded = read_yaml(path)
    return parse_scenario(loaded, calibration=calibration, library=library, default_name=Path(path).stem)


def scenario_from_dict(
    data: Mapping[str, Any],
    *,
    calibration: Calibration | None = None,
    library: ShockLibrary | None = None,
) -> Scenario:
    """Validate a scenario given as a Python mapping (same format as the files)."""
    loaded = parse_yaml(dump_yaml(dict(data)), "<scenario>")
    return parse_scenario(loaded, calibration=calibration, library=library)


def parse_assignment(text: str, calibration: Calibration | None = None) -> tuple[str, float]:
    """Parse a command-line ``path=value`` override."""
    calibration = calibration or default_calibration()
    path, sep, raw = text.partition("=")
    if not sep:
        raise UserError(f"--set needs path=value, e.g. --set JPN.deference=0.3 (got {quote(text)})", field="--set")
    try:
        value = float(raw)
    except ValueError:
        raise UserError(
            f"--set {clip(path.strip())}: {quote(raw)} is not a number; write e.g. --set JPN.deference=0.3",
            field="--set",
        ) from None
    path = path.strip()
    return path, calibration.check_value(path, value, field=f"--set {path}")


def parse_assignments(texts: Sequence[str], calibration: Calibration | None = None) -> dict[str, float]:
    """Parse every ``--set path=value`` of a command line, reporting all bad ones at once.

    Raises:
        UserError: for the one bad assignment, or UserErrors for several, in the order given.
    """
    calibration = calibration or default_calibration()
    problems = ErrorCollector("the --set options")
    overrides: dict[str, float] = {}
    for text in texts:
        with problems.check():
            path, value = parse_assignment(text, calibration)
            overrides[path] = value
    problems.raise_any()
    return overrides
