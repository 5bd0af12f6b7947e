"""The shock library: named kinds of shock with their effects and sources.

Kinds are data (``data/shocks.yaml``) so analysts can read, cite and extend them;
``eujsim run --shocks FILE`` adds or replaces kinds from a user's own file.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from pathlib import Path

from simulator.base.errors import ErrorCollector, UserError, clip, near_miss, quote
from simulator.base.names import DESCRIPTION_LIMIT, name_problem
from simulator.base.yamlio import LoadedYaml, parse_yaml, read_yaml
from simulator.inputs.calibration import Calibration, Source, as_float, default_calibration, parse_support

OPS = ("add", "multiply", "set")
MAX_TIMING_QUARTERS = 400
"""Longest ramp, duration or decay of a shock, in quarters: the longest run (a scenario's horizon is at most 400)."""
EFFECT_KEYS = ("target", "op", "value")


@dataclass(frozen=True)
class Effect:
    """One parameter change made by a shock."""

    target: str
    op: str
    value: float


@dataclass(frozen=True)
class ShockKind:
    """A named kind of shock from a library file.

    ``support`` says what ``quote`` supports (``direction`` or ``context`` for every shipped
    kind: the sources name the event, the effect sizes are the model's own), as for parameters.
    """

    kind: str
    description: str
    effects: tuple[Effect, ...]
    ramp: int
    decay: int
    source: Source | None
    quote: str | None
    origin: str
    support: str | None = None
    arithmetic: str | None = None


def parse_effects(
    raw: object, calibration: Calibration, *, file: str, loaded: LoadedYaml, where: tuple
) -> tuple[Effect, ...]:
    """Validate a list of ``{target, op, value}`` effects, reporting every bad effect at once.

    A shock written with several effects is usually written in one go, so its mistakes (a
    misspelt parameter, an unknown operation, a value out of range) come together too; each is
    reported at its own line and field instead of one per try.

    Raises:
        UserError: for the one problem, or UserErrors for several, in file order.
    """
    if not isinstance(raw, list) or not raw:
        raise UserError(
            "'effects' must be a non-empty list of {target, op, value}",
            file=file,
            line=loaded.line_of(where),
            field=".".join(map(str, where)),
        )
    problems = ErrorCollector(file)
    effects = []
    for index, item in enumerate(raw):
        effect = _parse_effect(item, calibration, file=file, loaded=loaded, loc=(*where, index), problems=problems)
        if effect is not None:
            effects.append(effect)
    problems.raise_any()
    return tuple(effects)


def _parse_effect(
    item: object, calibration: Calibration, *, file: str, loaded: LoadedYaml, loc: tuple, problems: ErrorCollector
) -> Effect | None:
    """One effect checked, its problems put in ``problems``: the effect, or None if it has any.

    Target, operation and value are checked independently, so one effect with a misspelt target
    and a bad operation reports both; the value is checked against the target's bounds only when
    the target exists and the operation sets it.
    """
    field = ".".join(map(str, loc))
    line = loaded.line_of(loc)
    if not isinstance(item, dict):
        problems.add(UserError("each effect is a mapping with target, op and value", file=file, line=line, field=field))
        return None
    unknown = sorted(set(item) - set(EFFECT_KEYS), key=str)
    for key in unknown:
        problems.add(
            UserError(
                f"unknown key '{clip(str(key))}' in an effect{near_miss(str(key), EFFECT_KEYS)}",
                file=file,
                line=loaded.line_of((*loc, key)),
                field=f"{field}.{key}",
            )
        )
    if unknown:  # a misspelt key is one problem, not also a missing one
        return None
    before = len(problems.errors)
    missing = [key for key in EFFECT_KEYS if key not in item]
    if missing:
        problems.add(UserError(f"effect is missing '{missing[0]}'", file=file, line=line, field=field))
        return None
    target = str(item["target"])
    target_ok = False
    with problems.check():
        calibration.check_path(target, file=file, line=loaded.line_of((*loc, "target")), field=f"{field}.target")
        target_ok = True
    op = item["op"]
    if op not in OPS:
        problems.add(
            UserError(
                f"op must be one of add, multiply, set, not {quote(op)}{near_miss(str(op), OPS)}",
                file=file,
                line=loaded.line_of((*loc, "op")),
                field=f"{field}.op",
            )
        )
    value = item["value"]
    value_line = loaded.line_of((*loc, "value"))
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(as_float(value)):
        problems.add(
            UserError(
                f"effect value must be a finite number, got {quote(value)}",
                file=file,
                line=value_line,
                field=f"{field}.value",
            )
        )
    elif op == "set" and target_ok:
        with problems.check():
            calibration.check_value(target, value, file=file, line=value_line, field=f"{field}.value")
    if len(problems.errors) > before:
        return None
    return Effect(target=target, op=str(op), value=float(value))


class ShockLibrary(Mapping[str, ShockKind]):
    """Read-only mapping from kind name to :class:`ShockKind`."""

    def __init__(self, kinds: dict[str, ShockKind]) -> None:
        self._kinds = kinds

    def __getitem__(self, kind: str) -> ShockKind:
        return self._kinds[kind]

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds)

    def __len__(self) -> int:
        return len(self._kinds)

    def extended(self, other: ShockLibrary) -> ShockLibrary:
        """This library with ``other``'s kinds added (same names replaced)."""
        return ShockLibrary({**self._kinds, **other._kinds})


def parse_library(loaded: LoadedYaml, calibration: Calibration) -> ShockLibrary:
    """Build a library from parsed YAML, validating every kind and effect."""
    file = loaded.path
    data = loaded.data
    if not isinstance(data, dict) or not isinstance(data.get("kinds"), dict):
        raise UserError("a shock library is a mapping with a 'kinds' mapping of named shocks", file=file, line=1)
    kinds: dict[str, ShockKind] = {}
    allowed = ["description", "source", "ramp", "decay", "effects"]
    for name, entry in data["kinds"].items():
        where = ("kinds", name)
        line = loaded.line_of(where)
        problem = name_problem(name) if isinstance(name, str) else "a kind's name is text"
        if problem:
            raise UserError(f"kind {quote(name)}: {problem}", file=file, line=line, field="kinds")
        if not isinstance(entry, dict):
            raise UserError(
                "each kind is a mapping with description, effects, ramp, decay", file=file, line=line, field=name
            )
        for key in entry:
            if key not in allowed:
                raise UserError(
                    f"unknown key '{clip(str(key))}'{near_miss(str(key), allowed)} (allowed: {', '.join(allowed)})",
                    file=file,
                    line=loaded.line_of((*where, key)),
                    field=f"{name}.{key}",
                )
        if "description" not in entry or "effects" not in entry:
            raise UserError("each kind needs a 'description' and 'effects'", file=file, line=line, field=name)
        description = entry["description"]
        if not isinstance(description, str) or len(description) > DESCRIPTION_LIMIT:
            raise UserError(
                f"'description' is text of at most {DESCRIPTION_LIMIT:,} characters, got {quote(description)}",
                file=file,
                line=loaded.line_of((*where, "description")),
                field=f"{name}.description",
            )
        source = sentence = support = None
        if "source" in entry:
            ref = entry["source"].get("ref") if isinstance(entry["source"], dict) else None
            if not isinstance(ref, str) or ref not in calibration.sources:
                raise UserError(
                    f"source ref {quote(ref)} is unknown; use one of {', '.join(calibration.sources)}",
                    file=file,
                    line=loaded.line_of((*where, "source")),
                    field=f"{name}.source",
                )
            source = calibration.sources[ref]
            sentence = str(entry["source"].get("quote", "")).strip() or None
            support = parse_support(
                entry["source"],
                partial(UserError, file=file, line=loaded.line_of((*where, "source")), field=f"{name}.source"),
                needs_rationale=False,
            )
        timing = {}
        for key, default in (("ramp", 0), ("decay", 0)):
            value = entry.get(key, default)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_TIMING_QUARTERS:
                raise UserError(
                    f"'{key}' must be a whole number of quarters from 0 to {MAX_TIMING_QUARTERS}, got {quote(value)}",
                    file=file,
                    line=loaded.line_of((*where, key)),
                    field=f"{name}.{key}",
                )
            timing[key] = value
        effects = parse_effects(entry["effects"], calibration, file=file, loaded=loaded, where=(*where, "effects"))
        kinds[str(name)] = ShockKind(
            kind=str(name),
            description=" ".join(description.split()),
            effects=effects,
            ramp=timing["ramp"],
            decay=timing["decay"],
            source=source,
            quote=sentence,
            origin=file,
            support=support.support if support else None,
            arithmetic=support.arithmetic if support else None,
        )
    return ShockLibrary(kinds)


@cache
def default_library() -> ShockLibrary:
    """The shock library shipped with the package."""
    text = resources.files("simulator.data").joinpath("shocks.yaml").read_text(encoding="utf-8")
    return parse_library(parse_yaml(text, "simulator/data/shocks.yaml"), default_calibration())


def load_library(extra: str | Path | None = None, calibration: Calibration | None = None) -> ShockLibrary:
    """The default library, extended with the kinds of ``extra`` if given."""
    library = default_library()
    if extra is None:
        return library
    return library.extended(parse_library(read_yaml(extra), calibration or default_calibration()))
