"""Sweep quantities in words: series, metrics, factors and their values, for axes, legends, titles and summaries.

The plots and the text summary of a sweep name the same things; taking the wording from
one place keeps a metric called the same on a colour bar, in a title and in the terminal.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from simulator.calibration import default_calibration
from simulator.plots import INTENSITY
from simulator.structure import ACTOR_NAMES, DOMAIN_LABELS

if TYPE_CHECKING:
    from simulator.experiment import Factor
    from simulator.metrics import Metric

SHORT_NAMES = {**ACTOR_NAMES, "EU": "EU", "USA": "US"}
"""Actor names for labels: :data:`~simulator.structure.ACTOR_NAMES` with the two long ones shortened."""
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


def effect_unit(metric: Metric) -> str:
    """The unit of a Morris elementary effect of ``metric``."""
    if metric.statistic == "first_above":
        return "quarters per parameter range"
    return f"{series_unit(metric.series)} per parameter range"


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


def factor_name(factor: Factor) -> str:
    """A factor in words without its unit, for titles and legends (the shock field, or the parameter)."""
    if factor.shock is not None:
        return factor.label
    return parameter_words(factor.name) if factor.name in default_calibration() else factor.label or factor.name


def factor_label(factor: Factor) -> str:
    """A factor in words with its unit, for an axis."""
    if factor.is_onset:
        return f"{factor.label} (quarter)"
    if factor.shock is not None:
        return f"{factor.label} (0–1)" if factor.shock_field == "magnitude" else factor.label
    calibration = default_calibration()
    if factor.name not in calibration:
        return factor.label or factor.name
    parameter = calibration[factor.name]
    return f"{parameter_words(factor.name)} ({UNIT_TEXT.get(parameter.unit, parameter.unit_meaning)})"


def value_text(factor: Factor, value: float) -> str:
    """A factor's value for a legend or summary: a quarter, or three significant digits."""
    return factor.describe(value) if factor.is_onset else f"{value:.3g}"


def sentence(text: str) -> str:
    """Capitalise the first letter only (``str.capitalize`` would lower-case "EU")."""
    return text[:1].upper() + text[1:]


def wrap(text: str, width: int) -> str:
    """Break a long label at spaces so that no line is longer than ``width`` (unless one word is)."""
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=False)
