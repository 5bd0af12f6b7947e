"""Series and parameters in words, for axes, legends, titles and summaries.

The plots and the text summaries name the same things; taking the wording from one place
keeps a series called the same on a colour bar, in a title and in the terminal. Words for an
experiment's metrics and factors, which need its types, are in :mod:`simulator.sweeps.experiment_labels`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from simulator.core.structure import ACTOR_NAMES, DOMAIN_LABELS

INTENSITY = "intensity (0–1)"
"""Unit of every cooperation and threat series, as axes and summaries name it."""
SHORT_NAMES = {**ACTOR_NAMES, "EU": "EU", "USA": "US"}
"""Actor names for labels: :data:`~simulator.core.structure.ACTOR_NAMES` with the two long ones shortened."""
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


def series_label(series: str) -> str:
    """A recorded series in words: ``coop_EU_JPN`` -> ``EU–Japan cooperation``."""
    kind, _, rest = series.partition("_")
    parts = rest.split("_")
    name = SHORT_NAMES.get
    if kind == "coop" and len(parts) >= 2:
        domain = "_".join(parts[2:])
        text = f"{pair_label(f'{parts[0]}_{parts[1]}')} cooperation"
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


def pair_label(pair: str) -> str:
    """A pair in words, as legends and summaries name it: ``EU_CHN`` -> ``EU–China``, ``JPN_USA`` -> ``Japan–US``."""
    first, _, second = pair.partition("_")
    return f"{SHORT_NAMES.get(first, first)}–{SHORT_NAMES.get(second, second)}"


class HeldConstantView(Protocol):
    """A series held at one number in every world and quarter of a run (:class:`simulator.runs.constants.HeldConstant`).

    Named here so that words and drawings can say which series are constants without importing the rule.
    """

    @property
    def series(self) -> str:
        """The recorded series, e.g. ``coop_EU_CHN``."""
        ...

    @property
    def value(self) -> float:
        """The number it is held at."""
        ...

    @property
    def at_floor(self) -> bool:
        """Whether that number is the pair's agreement floor."""
        ...


@dataclass(frozen=True)
class ConstantGroup:
    """Series held constant for one reason, in words (see :func:`constant_groups`).

    Attributes:
        why: "held constant at their agreement floor in every world and quarter", or without the
            floor for constants the floor does not explain.
        listing: Each series with its value, highest first: "EU–China 0.029, US–China 0.0145, EU–Russia 0".
        count: How many series the group holds (for "a result" against "results").
    """

    why: str
    listing: str
    count: int

    @property
    def not_results(self) -> str:
        """The words "(not a result)" or "(not results)", by the group's size."""
        return "(not a result)" if self.count == 1 else "(not results)"


def constant_groups(constants: Sequence[HeldConstantView]) -> list[ConstantGroup]:
    """Held-constant series in words, one group per reason, the agreement floor first.

    Callers frame the groups (a summary line, a figure's note, a report's entry), so that the
    terminal, the report and the figures say the same thing in the same words.
    """
    groups = []
    for at_floor in (True, False):
        members = sorted((c for c in constants if c.at_floor == at_floor), key=lambda c: -c.value)
        if not members:
            continue
        where = ("at their agreement floor " if len(members) > 1 else "at its agreement floor ") if at_floor else ""
        listing = ", ".join(f"{_constant_name(c.series)} {c.value + 0.0:.3g}" for c in members)
        groups.append(ConstantGroup(f"held constant {where}in every world and quarter", listing, len(members)))
    return groups


def constant_lines(constants: Sequence[HeldConstantView]) -> list[str]:
    """One sentence per reason: "Held constant at their agreement floor in every world and quarter (not results): …"."""
    return [f"{sentence(g.why)} {g.not_results}: {g.listing}" for g in constant_groups(constants)]


def _constant_name(series: str) -> str:
    """A pair's aggregate as the pair alone (``EU–China``), any other series in words."""
    kind, _, rest = series.partition("_")
    if kind == "coop" and rest.count("_") == 1:
        return pair_label(rest)
    return series_label(series)


def series_unit(series: str) -> str:
    """The unit of a recorded series for an axis label."""
    return "% of GDP" if series.startswith("spending_") else INTENSITY


WORD_PARTS = {
    "commitment indo pacific": "commitment to the Indo-Pacific",
    "commitment europe": "commitment to Europe",
    "fimi": "FIMI",
    "wmd": "WMD",
}
"""Words of parameter names that read better written otherwise."""


def parameter_words(path: str) -> str:
    """A calibrated parameter's dotted path in words, for axes, legends and index charts.

    ``JPN.deference`` -> ``Japan: deference``, ``USA.commitment_indo_pacific`` ->
    ``US: commitment to the Indo-Pacific``, ``EU_JPN.values`` -> ``EU–Japan: values``,
    ``EU.salience_CHN`` -> ``EU: salience (China)``, ``model.weight_common_threat`` ->
    ``weight of common threat``, ``maritime.hardness`` -> ``maritime: hardness``. A path
    that is not ``group.name`` comes back unchanged.
    """
    group, dot, name = path.partition(".")
    if not dot:
        return path
    words = name.split("_")
    target = ""
    if len(words) > 1 and words[-1] in SHORT_NAMES:
        target = f" ({SHORT_NAMES[words.pop()]})"
    text = f" {' '.join(words)} "
    for raw, nice in WORD_PARTS.items():
        text = text.replace(f" {raw} ", f" {nice} ")
    text = text.strip()
    if group == "model" and text.startswith("weight "):
        text = "weight of " + text.removeprefix("weight ")
    text += target
    if group in {"model", "world"}:
        return text
    pair = group.split("_")
    if len(pair) == 2 and all(p in SHORT_NAMES for p in pair):
        owner = f"{SHORT_NAMES[pair[0]]}–{SHORT_NAMES[pair[1]]}"
    else:
        owner = SHORT_NAMES.get(group) or DOMAIN_LABELS.get(group, group.replace("_", " "))
    return f"{owner}: {text}"


def sentence(text: str) -> str:
    """Capitalise the first letter only (``str.capitalize`` would lower-case "EU")."""
    return text[:1].upper() + text[1:]


def wrap(text: str, width: int) -> str:
    """Break a long label at spaces so that no line is longer than ``width`` (unless one word is)."""
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)
