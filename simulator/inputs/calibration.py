"""The calibration table: every model parameter with its value, range and provenance.

The table is read from ``data/calibration.yaml`` (data, not code) so that a
modeller can audit and change numbers without touching equations. Each
parameter has a dotted path ``<group>.<name>`` where the group is an actor code,
a pair such as ``EU_JPN``, a domain, ``world`` or ``model``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from pathlib import Path

from simulator.base.errors import UserError, clip, near_miss, quote
from simulator.base.yamlio import LoadedYaml, parse_yaml, read_yaml

SUPPORT_CLASSES = ("value", "direction", "context")
"""What a quoted sentence supports, strongest first.

``value``: the number follows from a figure in the quote (the entry shows the arithmetic);
``direction``: the quote says which way or that the effect exists, and the number is the
model's own (the entry's assumption says where it comes from); ``context``: the quote describes
the setting the parameter belongs to but neither the number nor its direction.
"""
PROVENANCE_CLASSES = (*SUPPORT_CLASSES, "assumption")
"""Every class a parameter's provenance falls in: the support classes, or no quote at all."""
SOURCE_KEYS = ("ref", "quote", "support", "arithmetic")
MEANING_LIMIT = 200
"""Most characters a parameter's ``meaning`` may have: one sentence an analyst reads at a glance."""
_SENTENCE_BREAK = re.compile(r"[.!?]\s+[A-Z]")
"""A full stop followed by a capital: where a second sentence would start."""
MEANING_FIX = (
    "add 'meaning:' with one plain sentence of at most 200 characters saying what the number is in the world, "
    "e.g. 'How strongly Japan's legal limits hold back hard-domain cooperation.'"
)
"""The fix every refused or missing meaning names."""


def parse_meaning(entry: Mapping[str, object], fail: Callable[[str], UserError]) -> str:
    """Read and check a parameter's ``meaning``: one plain sentence of at most 200 characters.

    A value, range and quote say how much, not what; without a sentence naming what the number
    is in the world an analyst must reverse-engineer it from equations. Requiring it in the
    loader means a parameter cannot be added without one, and the limits keep it a glance-size
    line that `eujsim params` and the report can show beside each parameter.

    Args:
        entry: The parameter's mapping in the calibration file.
        fail: Builds the one-line error for this entry.

    Returns:
        The sentence, with whitespace folded to single spaces.

    Raises:
        UserError: A missing, empty, overlong or multi-sentence meaning, naming the fix.
    """
    raw = entry.get("meaning")
    if raw is None:
        raise fail(f"missing 'meaning'; {MEANING_FIX}")
    if not isinstance(raw, str) or not raw.strip():
        raise fail(f"'meaning' is empty or not text; {MEANING_FIX}")
    text = " ".join(raw.split())
    if len(text) > MEANING_LIMIT:
        raise fail(
            f"'meaning' has {len(text)} characters, more than {MEANING_LIMIT}; shorten it to one plain sentence "
            "and keep the detail in 'assumption'"
        )
    if _SENTENCE_BREAK.search(text) or not text.endswith("."):
        raise fail("'meaning' must be exactly one sentence ending with '.'; move further sentences to 'assumption'")
    return text


@dataclass(frozen=True)
class Support:
    """What a quoted source says about a number: its class and, for a value, the arithmetic."""

    support: str
    arithmetic: str | None


def parse_support(entry: Mapping[str, object], fail: Callable[[str], UserError], *, needs_rationale: bool) -> Support:
    """Read and check ``support`` (and ``arithmetic``) of a quoted source entry.

    A quote that does not say what it supports invites reading a direction as a number, so the
    field is required; a ``value`` must show its arithmetic so a reviewer can redo it, and a
    weaker class must say where the number comes from instead (``needs_rationale``: the entry
    has no assumption).

    Args:
        entry: The ``source`` mapping of a parameter or shock kind.
        fail: Builds the one-line error for this entry.
        needs_rationale: True when the entry has no ``assumption`` to carry a non-value number.

    Returns:
        The checked support class and arithmetic.

    Raises:
        UserError: A missing or invalid field, naming the fix.
    """
    unknown = set(map(str, entry)) - set(SOURCE_KEYS)
    if unknown:
        raise fail(f"source has unknown key(s) {quote(sorted(unknown))}; allowed: {', '.join(SOURCE_KEYS)}")
    support = entry.get("support")
    if support is None:
        raise fail(
            "a quoted source needs 'support: value | direction | context' saying what the quote supports "
            "(docs/ODD.md §6)"
        )
    if support not in SUPPORT_CLASSES:
        raise fail(
            f"support must be one of {', '.join(SUPPORT_CLASSES)}, not {quote(support)}"
            f"{near_miss(str(support), SUPPORT_CLASSES)}"
        )
    arithmetic = str(entry.get("arithmetic") or "").strip() or None
    if support == "value" and arithmetic is None:
        raise fail(
            "support: value needs 'arithmetic' showing how the number follows from the quoted figure, "
            "or classify the quote as direction or context"
        )
    if support != "value" and arithmetic is not None:
        raise fail(f"'arithmetic' belongs to support: value only; this quote is classed {support}")
    if support != "value" and needs_rationale:
        raise fail(
            f"a quote classed {support} does not give the number; add an 'assumption' saying where it comes from"
        )
    return Support(str(support), arithmetic)


@dataclass(frozen=True)
class Source:
    """A source document as cited in the project."""

    key: str
    cite: str
    reference: str


@dataclass(frozen=True)
class Parameter:
    """One calibrated parameter.

    Attributes:
        path: Dotted path, e.g. ``JPN.deference``.
        value: Calibrated value.
        low: Low end of the plausible range (used by sensitivity analysis).
        high: High end of the plausible range.
        unit: Unit key (see ``units`` in the calibration file).
        bounds: Hard validity bounds from the unit; values outside are errors.
        source: Cited source, if any.
        quote: Quoted sentence from ``source``.
        support: What the quote supports (one of :data:`SUPPORT_CLASSES`), None without a source.
        arithmetic: For ``support: value``, how the number follows from the quoted figure.
        assumption: Rationale for the number when it is the model's own.
        meaning: One plain sentence saying what the number is in the world (required in the file).
    """

    path: str
    value: float
    low: float
    high: float
    unit: str
    unit_meaning: str
    bounds: tuple[float, float]
    source: Source | None
    quote: str | None
    assumption: str | None
    meaning: str
    support: str | None = None
    arithmetic: str | None = None

    @property
    def group(self) -> str:
        """The part of the path before the dot (actor, pair, domain, world, model)."""
        return self.path.split(".", 1)[0]

    @property
    def name(self) -> str:
        """The part of the path after the dot."""
        return self.path.split(".", 1)[1]

    @property
    def provenance(self) -> str:
        """Short provenance label: the citation, or 'assumption'."""
        return self.source.cite if self.source else "assumption"

    @property
    def support_class(self) -> str:
        """The provenance class the docs count: value, direction, context or assumption.

        A parameter without a source is an assumption; a quoted one is classed by what its
        quote supports, so a reader sees at once how much of the number the sources carry.
        """
        return self.support or "assumption"

    def matches(self, words: Sequence[str]) -> bool:
        """Whether every search word occurs, case-insensitively, in the parameter's path or meaning.

        The meaning is searched as well as the name because an analyst asks for a concept
        ("deference", "article 9"), not for the dotted path that implements it.
        """
        text = f"{self.path} {self.meaning}".casefold()
        return all(word.casefold() in text for word in words)


class Calibration(Mapping[str, Parameter]):
    """Read-only mapping from dotted path to :class:`Parameter`, in file order."""

    def __init__(self, parameters: dict[str, Parameter], sources: dict[str, Source], origin: str) -> None:
        self._parameters = parameters
        self.sources = sources
        self.origin = origin

    def __getitem__(self, path: str) -> Parameter:
        return self._parameters[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parameters)

    def __len__(self) -> int:
        return len(self._parameters)

    def groups(self) -> list[str]:
        """Parameter groups in file order."""
        return list(dict.fromkeys(p.group for p in self._parameters.values()))

    def check_path(
        self, path: str, *, file: str | None = None, line: int | None = None, field: str | None = None
    ) -> Parameter:
        """Return the parameter at ``path`` or raise a helpful :class:`UserError`."""
        if path in self._parameters:
            return self._parameters[path]
        group, _, name = path.partition(".")
        groups = self.groups()
        if not name:
            raise UserError(
                f"'{clip(path)}' is not a parameter path; write <group>.<name>, e.g. JPN.deference",
                file=file,
                line=line,
                field=field,
            )
        if group not in groups:
            raise UserError(
                f"unknown actor or group '{clip(group)}' in '{clip(path)}'{near_miss(group, groups)} "
                f"(groups: actors EU JPN USA CHN RUS PRK, pairs like EU_JPN, domains, world, model)",
                file=file,
                line=line,
                field=field,
            )
        names = [p.name for p in self._parameters.values() if p.group == group]
        raise UserError(
            f"'{group}' has no parameter '{clip(name)}'{near_miss(name, names)} (see `eujsim params --actor {group}`)",
            file=file,
            line=line,
            field=field,
        )

    def check_value(
        self, path: str, value: object, *, file: str | None = None, line: int | None = None, field: str | None = None
    ) -> float:
        """Validate a value for ``path`` against the type and hard bounds."""
        param = self.check_path(path, file=file, line=line, field=field)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise UserError(
                f"'{path}' needs a number ({param.unit_meaning}), got {quote(value)}", file=file, line=line, field=field
            )
        low, high = param.bounds
        if not low <= as_float(value) <= high:
            raise UserError(
                f"{path} = {quote(value)} is out of range; it must lie in [{low:g}, {high:g}] "
                f"({param.unit_meaning}; plausible range {param.low:g}–{param.high:g})",
                file=file,
                line=line,
                field=field,
            )
        return float(value)


def as_float(value: int | float) -> float:
    """A number as a float for comparing it with bounds; an integer too large for a float is ±infinity.

    ``float(10**400)`` raises OverflowError, but such a value is simply out of any range, and
    saying so is the message the user needs. NaN stays NaN (outside every range as well).
    """
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def keyword_path(key: str) -> str:
    """The parameter path a Python keyword stands for: ``JPN__deference`` is ``JPN.deference``.

    Dotted paths are not valid keyword names, so keyword-argument APIs accept ``__`` for the
    dot; a dotted path passes through unchanged.
    """
    return key.replace("__", ".")


def _require(loaded: LoadedYaml, node: object, key: str, where: tuple, kind: type | tuple) -> object:
    if not isinstance(node, dict) or key not in node:
        raise UserError(
            f"missing '{clip(key)}'", file=loaded.path, line=loaded.line_of(where), field=".".join(map(str, where))
        )
    value = node[key]
    if not isinstance(value, kind):
        raise UserError(
            f"'{clip(key)}' has the wrong type",
            file=loaded.path,
            line=loaded.line_of((*where, key)),
            field=".".join(map(str, (*where, key))),
        )
    return value


def parse_calibration(loaded: LoadedYaml) -> Calibration:
    """Build a :class:`Calibration` from parsed YAML, checking every entry."""
    data = loaded.data
    if not isinstance(data, dict):
        raise UserError("a calibration file is a mapping with 'sources', 'units' and 'parameters'", file=loaded.path)
    raw_sources = _require(loaded, data, "sources", (), dict)
    sources = {
        key: Source(key=key, cite=str(entry["cite"]), reference=str(entry["reference"]))
        for key, entry in raw_sources.items()
    }
    units = _require(loaded, data, "units", (), dict)
    groups = _require(loaded, data, "parameters", (), dict)
    parameters: dict[str, Parameter] = {}
    for group, entries in groups.items():
        for name, entry in (entries or {}).items():
            where = ("parameters", group, name)
            path = f"{group}.{name}"
            line = loaded.line_of(where)

            def fail(message: str, line: int | None = line, path: str = path) -> UserError:
                return UserError(message, file=loaded.path, line=line, field=path)

            if not isinstance(entry, dict):
                raise fail("each parameter is a mapping with meaning, value, range, unit and source or assumption")
            unknown = set(entry) - {"meaning", "value", "range", "unit", "source", "assumption"}
            if unknown:
                raise fail(f"unknown key(s) {quote(sorted(map(str, unknown)))}")
            meaning = parse_meaning(entry, partial(fail, line=loaded.line_of((*where, "meaning"))))
            value = _require(loaded, entry, "value", where, (int, float))
            rng = _require(loaded, entry, "range", where, list)
            unit = _require(loaded, entry, "unit", where, str)
            if unit not in units:
                raise fail(f"unit '{clip(unit)}' is not declared under 'units'{near_miss(unit, units)}")
            if len(rng) != 2 or not all(isinstance(x, int | float) for x in rng) or not rng[0] <= rng[1]:
                raise fail("range must be [low, high] with low <= high")
            if not rng[0] <= value <= rng[1]:
                raise fail(f"value {quote(value)} lies outside its range {quote(rng)}")
            bounds = tuple(float(b) for b in units[unit]["bounds"])
            if not (bounds[0] <= rng[0] and rng[1] <= bounds[1]):
                raise fail(f"range {quote(rng)} exceeds the unit's bounds {list(bounds)}")
            source = sentence = support = None
            assumption = str(entry["assumption"]).strip() if entry.get("assumption") else None
            if "source" in entry:
                if not isinstance(entry["source"], dict):
                    raise fail("source is a mapping with ref, quote and support")
                ref = entry["source"].get("ref")
                if ref not in sources:
                    raise fail(f"source ref {quote(ref)} is not listed under 'sources'{near_miss(str(ref), sources)}")
                source = sources[ref]
                sentence = str(entry["source"].get("quote", "")).strip() or None
                if sentence is None:
                    raise fail("a source needs the quoted sentence that supports the value")
                support = parse_support(
                    entry["source"],
                    partial(fail, line=loaded.line_of((*where, "source")), path=f"{path}.source"),
                    needs_rationale=assumption is None,
                )
            if source is None and assumption is None:
                raise fail("needs a 'source' (with quote) or an 'assumption' explaining the value")
            parameters[path] = Parameter(
                path=path,
                value=float(value),
                low=float(rng[0]),
                high=float(rng[1]),
                unit=unit,
                unit_meaning=str(units[unit].get("meaning", unit)),
                bounds=(bounds[0], bounds[1]),
                source=source,
                quote=sentence,
                assumption=assumption,
                support=support.support if support else None,
                arithmetic=support.arithmetic if support else None,
                meaning=meaning,
            )
    return Calibration(parameters, sources, loaded.path)


@cache
def default_calibration() -> Calibration:
    """The calibration shipped with the package (parsed once per process)."""
    text = resources.files("simulator.data").joinpath("calibration.yaml").read_text(encoding="utf-8")
    return parse_calibration(parse_yaml(text, "simulator/data/calibration.yaml"))


def load_calibration(path: str | Path | None = None) -> Calibration:
    """Load a calibration file, or the packaged default when ``path`` is None."""
    if path is None:
        return default_calibration()
    return parse_calibration(read_yaml(path))
