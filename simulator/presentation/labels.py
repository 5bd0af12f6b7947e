"""Series and parameters in words, for axes, legends, titles and summaries.

The plots and the text summaries name the same things; taking the wording from one place
keeps a series called the same on a colour bar, in a title and in the terminal. Words for an
experiment's metrics and factors, which need its types, are in :mod:`simulator.sweeps.experiment_labels`.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from simulator.core.structure import ACTOR_NAMES, DOMAIN_LABELS
from simulator.presentation.plots import INTENSITY

if TYPE_CHECKING:
    pass

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
