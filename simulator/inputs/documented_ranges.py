"""Settings outside a parameter's documented range: found once, said the same way everywhere.

Every calibrated parameter has a documented range (``range: [low, high]`` in the calibration,
what the sources and the model's own assumptions support) inside wider hard bounds (the
unit's, what the model can compute with). A value outside the hard bounds is an error; a value
between the documented range and the hard bounds is allowed, because asking "what if" beyond
the evidence is legitimate, but a result that rests on it must say so. This module finds such
settings (fixed values of a run, or the ranges a sweep varies) and words them for the
terminal, the manifests, the plots and the report, so that each says the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.inputs.calibration import Calibration, default_calibration

MANIFEST_KEY = "outside_documented_ranges"
"""The key of run and sweep manifests that lists the settings outside their documented ranges."""


@dataclass(frozen=True)
class OutsideRange:
    """One setting outside its parameter's documented range.

    Attributes:
        path: The parameter's dotted path.
        low: Low end of the documented range.
        high: High end of the documented range.
        value: The value held fixed (a scenario's ``parameters``, ``--set``, an experiment's ``set``),
            or None for a swept parameter.
        swept: The ``(low, high)`` a sweep varies the parameter over, or None for a fixed value.
    """

    path: str
    low: float
    high: float
    value: float | None = None
    swept: tuple[float, float] | None = None

    @property
    def documented(self) -> str:
        """The documented range as written in messages, e.g. ``0.2–0.8``."""
        return f"{self.low:g}–{self.high:g}"

    @property
    def short(self) -> str:
        """A few words for a caption or a title: ``JPN.deference=0.95 (0.2–0.8)``.

        A swept parameter reads ``JPN.deference swept 0–1 beyond 0.2–0.8``.
        """
        if self.swept is not None:
            return f"{self.path} swept {self.swept[0]:g}–{self.swept[1]:g} beyond {self.documented}"
        return f"{self.path}={self.value:g} ({self.documented})"

    def warning(self) -> str:
        """The warning line printed on stderr before a run or sweep."""
        if self.swept is not None:
            return (
                f"warning: {self.path} is swept {self.swept[0]:g}–{self.swept[1]:g}, beyond its documented range "
                f"{self.documented}; results at points outside it rest on settings the calibration does not argue for"
            )
        return (
            f"warning: {self.path}={self.value:g} is outside its documented range {self.documented}; "
            "results rest on a setting the calibration does not argue for"
        )

    def to_dict(self) -> dict[str, Any]:
        """The manifest entry: ``{path, value, low, high}``, or ``{path, swept, low, high}`` for a swept parameter."""
        entry: dict[str, Any] = {"path": self.path}
        if self.swept is not None:
            entry["swept"] = list(self.swept)
        else:
            entry["value"] = self.value
        return {**entry, "low": self.low, "high": self.high}

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any]) -> OutsideRange:
        """An entry read back from a manifest (as :meth:`to_dict` wrote it).

        Raises:
            KeyError, TypeError, ValueError: for an entry not in that form.
        """
        swept = entry.get("swept")
        return cls(
            path=str(entry["path"]),
            low=float(entry["low"]),
            high=float(entry["high"]),
            value=None if swept is not None else float(entry["value"]),
            swept=None if swept is None else (float(swept[0]), float(swept[1])),
        )


def outside_fixed(parameters: Mapping[str, float], calibration: Calibration | None = None) -> list[OutsideRange]:
    """The fixed values among ``parameters`` (dotted path to value) that lie outside their documented range.

    A path the calibration does not know is skipped: it has no documented range to be outside
    of, and validation has refused it already.
    """
    calibration = calibration or default_calibration()
    found = []
    for path, value in parameters.items():
        param = calibration.get(path)
        if param is not None and not param.low <= value <= param.high:
            found.append(OutsideRange(path, param.low, param.high, value=float(value)))
    return found


def outside_swept(
    ranges: Iterable[tuple[str, float, float]], calibration: Calibration | None = None
) -> list[OutsideRange]:
    """The swept ``(path, low, high)`` ranges that reach beyond their parameter's documented range.

    A path the calibration does not know (a shock's field) is skipped.
    """
    calibration = calibration or default_calibration()
    found = []
    for path, low, high in ranges:
        param = calibration.get(path)
        if param is not None and (low < param.low or high > param.high):
            found.append(OutsideRange(path, param.low, param.high, swept=(float(low), float(high))))
    return found


LISTED = 3
"""Settings named one by one in a caption or a warning; beyond this many the rest are counted.

A scenario of another era (the 1991 backcast sets about twenty values outside today's ranges)
would otherwise bury a plot under its caption and a run under its warnings; the manifest keeps
the full list."""


def caption(found: Sequence[OutsideRange]) -> str:
    """The caption line under a run's plots, or "" when every setting is inside its documented range."""
    if not found:
        return ""
    if len(found) <= LISTED:
        return "Outside documented ranges: " + "; ".join(item.short for item in found)
    shown = "; ".join(item.short for item in found[:LISTED])
    return f"Outside documented ranges: {len(found)} settings, among them {shown} (manifest.json lists all)"


def summary_warning(found: Sequence[OutsideRange], where: str) -> str:
    """One warning line for many settings of one file, naming the first few and counting the rest."""
    shown = ", ".join(item.short for item in found[:LISTED])
    return (
        f"warning: {len(found)} settings of {where} are outside their documented ranges, among them {shown}; "
        "results rest on settings the calibration does not argue for (a run's manifest.json lists them all)"
    )


def warning_lines(found: Sequence[OutsideRange], where: str | None = None) -> list[str]:
    """The warning lines for the settings of one file: one per setting, or one for them all beyond :data:`LISTED`.

    Args:
        found: The settings outside their documented ranges.
        where: The file they come from, named in the lines when several files are checked; None for this run.
    """
    if len(found) > LISTED:  # many at once (a scenario of another era): one line, the manifest has the rest
        return [summary_warning(found, where if where is not None else "this run")]
    return [item.warning() + (f" ({where})" if where is not None else "") for item in found]


def title_note(found: Sequence[OutsideRange]) -> str:
    """The parenthesis a sweep plot's title ends with, or "" when every setting is inside its documented range."""
    if not found:
        return ""
    return "(outside documented ranges: " + "; ".join(item.short for item in found) + ")"


def from_manifest(
    manifest: Mapping[str, Any], unrecorded: Callable[[], list[OutsideRange]] | None = None
) -> list[OutsideRange]:
    """The settings a manifest records as outside their documented ranges.

    Args:
        manifest: A run's or sweep's manifest.
        unrecorded: For a folder written before manifests recorded them (no :data:`MANIFEST_KEY`),
            what finds them from the folder's own inputs; without it, such a folder has none.
    """
    if MANIFEST_KEY not in manifest and unrecorded is not None:
        return unrecorded()
    entries = manifest.get(MANIFEST_KEY) or []
    found = []
    for entry in entries if isinstance(entries, list) else []:
        try:
            found.append(OutsideRange.from_dict(entry))
        except (KeyError, TypeError, ValueError, IndexError):
            continue  # a hand-edited entry: the report shows the others rather than failing
    return found
