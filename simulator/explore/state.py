"""What the explorer page knows and does, as plain functions over plain data.

The page's state is one scenario in the scenario-file format (``name``, ``start``, ``horizon``,
``seed``, ``replicates``, ``parameters``, ``shocks``), held as JSON-able data in the browser.
Every edit here returns a new, validated state (through :func:`simulator.scenario_from_dict`,
the check ``eujsim validate`` makes), so what the page shows is always what the exported file
and its seed reproduce. Nothing in this module imports a web or plotting library: the page is
a thin layer over these functions, and they are tested without a browser.

Simulating a state runs the scenario and its no-shock twin over the same worlds, both keeping
the EU–Japan pair's desire terms, so that a click on a quarter is explained from what is
already simulated rather than by running again. Results are kept by state (:class:`Simulations`),
so pinning a variant or explaining a quarter costs nothing more.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from simulator.base.calendar import parse_quarter, quarter_label
from simulator.base.errors import UserError, clip, near_miss, quote
from simulator.base.paths import shipped_scenario, shipped_scenario_names
from simulator.base.yamlio import dump_yaml
from simulator.core.structure import HEADLINE_PAIR, SMALLEST_INDEX_EFFECT
from simulator.evaluation.explain import Explanation, explain
from simulator.evaluation.paired import PairedEffect, Verdict, paired_effect
from simulator.inputs.calibration import Calibration, Parameter, default_calibration
from simulator.inputs.documented_ranges import OutsideRange, outside_fixed
from simulator.inputs.scenario import Scenario, Shock, load_scenario, scenario_from_dict
from simulator.inputs.shocklib import OPS, default_library
from simulator.presentation.plots import TOO_SMALL_LABEL
from simulator.runs.results import INTERVAL, RunResult
from simulator.runs.runner import simulate, with_twin
from simulator.runs.twin import effect_line, paired_difference
from simulator.storage.output import folder_name

State = dict[str, Any]
"""A scenario in the file format, every key filled: the whole of what the page shows."""

HEADLINE = f"coop_{HEADLINE_PAIR}"
INFLUENTIAL = (
    "model.desire_intercept",
    "model.weight_values",
    "model.weight_common_threat",
    "model.weight_capability",
    "model.weight_abandonment",
    "model.weight_constraint",
    "EU_JPN.values",
    "model.desire_multiplicative_share",
    "USA.commitment_indo_pacific",
    "JPN.salience_RUS",
    "EU.salience_CHN",
    "USA.threat_response",
)
"""The parameters whose sliders the page shows first, most influential first.

The order of docs/sensitivity.md: mean Morris mu* of final EU–Japan cooperation over its three
screened scenarios (baseline, US retrenchment, Taiwan Strait crisis). It is kept here because an
installed package has no docs/ folder; a test checks it against docs/sensitivity.csv, so a new
sensitivity run that reorders the parameters fails until this list follows."""
DEFAULT_SCENARIO = "us_retrenchment"
"""The shipped scenario the page opens with when none is given: it has a shock, so the twin shows."""
CACHE_SIZE = 24
"""Simulated states kept in memory (about 1 MB each at 100 replicates): the live one, the pinned ones
and a few steps of undo."""


# -- loading and the state ------------------------------------------------------------------------


def library_scenarios() -> list[str]:
    """Names of the shipped scenarios the page offers (empty where the package was installed without them)."""
    return shipped_scenario_names()


def load_state(path: str | Path) -> State:
    """The state of a scenario file, or of a shipped scenario named without its folder (``baseline``).

    Raises:
        UserError: for a file that is not a valid scenario, as ``eujsim validate`` words it.
    """
    given = Path(path)
    found = given if given.is_file() else shipped_scenario(given)
    if found is None:
        raise UserError(
            f"no scenario file {quote(str(path))}{near_miss(str(given.stem), library_scenarios())} "
            f"Shipped scenarios: {', '.join(library_scenarios())}",
            field="scenario",
        )
    return state_of(load_scenario(found))


def state_of(scenario: Scenario) -> State:
    """A validated scenario as page state: the file format, with library shocks written as the library has them.

    A library shock keeps only its kind (its effects are the library's, as a hand-written file
    would have it); a shock with effects of its own keeps them, so an inline effect survives.
    """
    library = default_library()
    shocks = []
    for shock in scenario.shocks:
        entry: dict[str, Any] = {
            "name": shock.name,
            "kind": shock.kind,
            "at": quarter_label(shock.at),
            "magnitude": shock.magnitude,
            "ramp": shock.ramp,
            "duration": shock.duration,
            "decay": shock.decay,
        }
        known = library.get(shock.kind)
        if known is None or known.effects != shock.effects:
            entry["effects"] = [{"target": e.target, "op": e.op, "value": e.value} for e in shock.effects]
        shocks.append(entry)
    data = scenario.to_dict()
    data["shocks"] = shocks
    return data


def scenario_of(state: Mapping[str, Any]) -> Scenario:
    """The validated scenario of a state.

    Raises:
        UserError: for a state that is not a valid scenario (as ``eujsim validate`` would say it).
    """
    return scenario_from_dict(_file_form(state))


def _file_form(state: Mapping[str, Any]) -> dict[str, Any]:
    """The state as a scenario file holds it: a persistent shock omits ``duration`` rather than writing null."""
    data = copy.deepcopy(dict(state))
    data["shocks"] = [{k: v for k, v in shock.items() if v is not None} for shock in data.get("shocks", [])]
    if not data.get("parameters"):
        data.pop("parameters", None)
    return data


def _checked(state: Mapping[str, Any]) -> State:
    """``state`` validated and written back in its resolved form (unique shock names, defaults filled)."""
    return state_of(scenario_of(state))


def export_yaml(state: Mapping[str, Any]) -> str:
    """The state as a scenario file that ``eujsim validate`` accepts and ``eujsim run`` reproduces.

    Raises:
        UserError: for a state that is not a valid scenario (the page never holds one).
    """
    data = _file_form(state)
    scenario_from_dict(data)  # refuse to write what would not read back
    return dump_yaml(data)


def with_run_settings(state: Mapping[str, Any], *, seed: int | None = None, replicates: int | None = None) -> State:
    """``state`` with another base seed or number of replicates (each checked as the file format checks it)."""
    new = copy.deepcopy(dict(state))
    if seed is not None:
        new["seed"] = seed
    if replicates is not None:
        new["replicates"] = replicates
    return _checked(new)


# -- parameters ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterInfo:
    """What the page says beside a parameter's slider.

    Attributes:
        path: Dotted path, e.g. ``JPN.deference``.
        value: Calibrated value.
        low: Low end of the documented (plausible) range.
        high: High end of it.
        bounds: What the model can compute with; the slider reaches these, beyond the documented range.
        meaning: One sentence on what the number is in the world.
        source: The citation and quoted sentence, or the model's own assumption.
        unit: The unit's name.
    """

    path: str
    value: float
    low: float
    high: float
    bounds: tuple[float, float]
    meaning: str
    source: str
    unit: str

    @property
    def step(self) -> float:
        """A slider step of about a hundredth of the documented range, rounded to 1, 2 or 5 times a power of ten."""
        span = (self.high - self.low) or (self.bounds[1] - self.bounds[0]) or 1.0
        raw = span / 100
        power = 10 ** math.floor(math.log10(raw))
        return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def parameter_info(path: str, calibration: Calibration | None = None) -> ParameterInfo:
    """The slider's text for one parameter.

    Raises:
        UserError: for a path the calibration does not know.
    """
    calibration = calibration or default_calibration()
    param = calibration.check_path(path, field="parameter")
    return ParameterInfo(
        path=param.path,
        value=param.value,
        low=param.low,
        high=param.high,
        bounds=param.bounds,
        meaning=param.meaning,
        source=_source_text(param),
        unit=param.unit,
    )


def _source_text(param: Parameter) -> str:
    """The provenance of a parameter in one line: the cited sentence and what it supports, or the assumption."""
    if param.source is None:
        return f"The model's own assumption: {param.assumption or 'no source'}"
    said = f"{param.source.cite}: “{param.quote}”" if param.quote else param.source.cite
    return f"{said} (supports the {param.support_class})"


def slider_parameters(state: Mapping[str, Any], shown: Sequence[str] = ()) -> list[str]:
    """The parameters the page gives sliders: the influential ones, then any the state or the user added.

    Args:
        state: The page state; every parameter it sets gets a slider, so no setting is hidden.
        shown: Parameters the user asked for by search, in the order asked.
    """
    paths = list(INFLUENTIAL)
    for path in [*state.get("parameters", {}), *shown]:
        if path not in paths:
            paths.append(path)
    return paths


def search_parameters(words: str, calibration: Calibration | None = None, limit: int = 30) -> list[str]:
    """Parameters whose path or meaning holds every word (case-insensitive), as ``eujsim params WORD`` finds them."""
    calibration = calibration or default_calibration()
    return [path for path, param in calibration.items() if param.matches(words.split())][:limit]


def with_parameter(state: Mapping[str, Any], path: str, value: float | None) -> State:
    """``state`` with a parameter set to ``value``, or back at its calibrated value for None.

    A value equal to the calibration's is dropped rather than written, so an exported file sets
    only what the user changed.

    Raises:
        UserError: for an unknown path or a value outside what the model can compute with.
    """
    calibration = default_calibration()
    path = calibration.check_path(path, field="parameter").path
    new = copy.deepcopy(dict(state))
    parameters = dict(new.get("parameters") or {})
    if value is None or math.isclose(float(value), calibration[path].value, rel_tol=0, abs_tol=1e-12):
        parameters.pop(path, None)
    else:
        parameters[path] = calibration.check_value(path, float(value), field=path)
    new["parameters"] = parameters
    return _checked(new)


def warnings_of(state: Mapping[str, Any]) -> list[str]:
    """The page's warning lines: every setting outside its documented range, as a run's warning says it."""
    return [item.warning().removeprefix("warning: ") for item in outside_ranges(state)]


def outside_ranges(state: Mapping[str, Any]) -> list[OutsideRange]:
    """The state's parameter settings outside their documented ranges."""
    return outside_fixed(state.get("parameters") or {})


# -- shocks ----------------------------------------------------------------------------------------------


def shock_kinds() -> list[tuple[str, str]]:
    """Every library kind with its description, for the page's list of shocks to add."""
    return [(kind, default_library()[kind].description) for kind in default_library()]


def with_shock(state: Mapping[str, Any], kind: str, at: str | None = None) -> State:
    """``state`` with a library shock added (timing from the library, onset a year into the run by default).

    Raises:
        UserError: for an unknown kind or an onset outside the run.
    """
    library = default_library()
    if kind not in library:
        raise UserError(f"unknown shock kind {quote(kind)}{near_miss(kind, library)}", field="kind")
    new = copy.deepcopy(dict(state))
    onset = at or _default_onset(new)
    known = library[kind]
    new["shocks"] = [
        *new.get("shocks", []),
        {
            "name": kind,
            "kind": kind,
            "at": onset,
            "magnitude": 1.0,
            "ramp": known.ramp,
            "duration": None,
            "decay": known.decay,
        },
    ]
    return _checked(new)


def with_inline_shock(
    state: Mapping[str, Any], name: str, target: str, op: str, value: float, at: str | None = None
) -> State:
    """``state`` with a shock of one inline effect (a parameter change the library has no kind for).

    Raises:
        UserError: for a bad name, an unknown target, an operation other than add, multiply or set,
            or a value the target cannot take.
    """
    if op not in OPS:
        raise UserError(f"op must be one of {', '.join(OPS)}, not {quote(op)}", field="op")
    name = " ".join(str(name).split()) or "inline"
    new = copy.deepcopy(dict(state))
    entry = {
        "name": clip(name),
        "kind": _kind_name(name),
        "at": at or _default_onset(new),
        "magnitude": 1.0,
        "ramp": 0,
        "duration": None,
        "decay": 0,
        "effects": [{"target": target, "op": op, "value": float(value)}],
    }
    new["shocks"] = [*new.get("shocks", []), entry]
    return _checked(new)


def _kind_name(name: str) -> str:
    """A kind for an inline shock: its name in lower case with underscores, never a library kind's name."""
    kind = "_".join("".join(c if c.isalnum() else " " for c in name.lower()).split()) or "inline"
    return kind if kind not in default_library() else f"{kind}_inline"


def _default_onset(state: Mapping[str, Any]) -> str:
    """A year into the run (or its last quarter, for a shorter run)."""
    start = parse_quarter(state["start"])
    return quarter_label(min(start + 4, start + int(state["horizon"]) - 1))


def with_shock_fields(state: Mapping[str, Any], index: int, **fields: Any) -> State:
    """``state`` with fields of shock ``index`` changed (``at``, ``magnitude``, ``ramp``, ``duration``, ``decay``).

    ``duration=None`` makes the shock persistent.

    Raises:
        UserError: for a field the file format does not have, a value it refuses, or no such shock.
    """
    allowed = {"at", "magnitude", "ramp", "duration", "decay", "name"}
    unknown = set(fields) - allowed
    if unknown:
        raise UserError(f"a shock has no field {quote(sorted(unknown)[0])}", field="shock")
    new = copy.deepcopy(dict(state))
    shocks = new.get("shocks", [])
    if not 0 <= index < len(shocks):
        raise UserError(f"no shock number {index + 1}; this scenario has {len(shocks)}", field="shock")
    shocks[index].update(fields)
    return _checked(new)


def with_shock_moved(state: Mapping[str, Any], index: int, x0: float) -> State:
    """``state`` with shock ``index`` starting where it was dragged to on the timeline.

    The timeline's x is the run's step: step s is the end of the s-th simulated quarter, so a
    shock whose onset quarter is the run's k-th (k = 0 for the first) starts at x = k, the end of
    the quarter before it, as every plot of the project places it. ``x0`` is rounded to the nearest
    quarter and kept inside the run.
    """
    start = parse_quarter(state["start"])
    step = min(max(round(float(x0)), 0), int(state["horizon"]) - 1)
    return with_shock_fields(state, index, at=quarter_label(start + step))


def without_shock(state: Mapping[str, Any], index: int) -> State:
    """``state`` without shock ``index``."""
    new = copy.deepcopy(dict(state))
    shocks = list(new.get("shocks", []))
    if 0 <= index < len(shocks):
        shocks.pop(index)
    new["shocks"] = shocks
    return _checked(new)


# -- simulating ------------------------------------------------------------------------------------------


@dataclass
class View:
    """One simulated state: the run and its no-shock twin over the same worlds, both with EU–Japan desire terms.

    Attributes:
        result: The run (with ``twin`` set; None without shocks).
        seconds: Wall time of both simulations.
    """

    result: RunResult
    seconds: float

    @property
    def scenario(self) -> Scenario:
        """The simulated scenario."""
        return self.result.scenario

    @property
    def twin(self) -> RunResult | None:
        """The same worlds without the shocks, or None for a scenario without shocks."""
        return self.result.twin

    @cached_property
    def explanation(self) -> Explanation:
        """The run's explanation (mechanisms and the shocks' share), computed once from what is simulated."""
        return explain(self.result, twin=self.twin)

    def effect_line(self) -> str:
        """The summary's first line: what the shocks did, or that there are none."""
        return effect_line(self.result, self.twin, bool(self.scenario.shocks))


class Simulations:
    """The states simulated so far, by content: one per page (:func:`simulator.explore.app.make_app` makes it).

    The last :data:`CACHE_SIZE` states are kept, so that pinning a variant or explaining a quarter
    costs nothing more. A lock is held while a state is simulated: the page asks for one state from
    several callbacks at once, which would each run it, and two simulations at once would only
    share the same cores.
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._lock = threading.Lock()
        self._simulated = functools.lru_cache(maxsize=size)(_simulated)

    def view(self, state: Mapping[str, Any]) -> View:
        """Simulate a state and its no-shock twin (same seed and worlds), or take them from the cache."""
        with self._lock:
            return self._simulated(json.dumps(_file_form(state), sort_keys=True))


def _simulated(file_form: str) -> View:
    """Simulate a state (in its file form, as JSON: the cache's key) and its twin."""
    started = time.perf_counter()
    result = simulate(scenario_from_dict(json.loads(file_form)), keep_details=False, explained_pair=HEADLINE_PAIR)
    with_twin(result, explained_pair=HEADLINE_PAIR)
    return View(result=result, seconds=time.perf_counter() - started)


@dataclass(frozen=True)
class Band:
    """A series' mean and the band of 90% of worlds, quarter by quarter (index = step)."""

    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


def band(values: np.ndarray) -> Band:
    """Mean and 5th–95th percentile over worlds of a (steps + 1, worlds) array."""
    low, high = np.percentile(values, INTERVAL, axis=1)
    return Band(values.mean(axis=1), low, high)


def shock_difference(view: View, variable: str = HEADLINE) -> Band | None:
    """The paired difference run minus twin of one series, world by world, or None without shocks."""
    if view.twin is None:
        return None
    return band(paired_difference(view.result, view.twin, variable))


# -- why a quarter moved ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterExplained:
    """What moved EU–Japan cooperation from the start to one quarter, by plain category.

    Attributes:
        step: The step explained (0 is the state before the first simulated quarter).
        quarter: Its quarter label.
        labels: Each category in words, largest contribution in size first.
        mean: Mean contribution of each, over worlds.
        low: 5th percentile of each.
        high: 95th percentile of each.
        change: Mean simulated change of cooperation since the start (the sum of the means).
        level: Mean cooperation at that quarter.
    """

    step: int
    quarter: str
    labels: list[str]
    mean: list[float]
    low: list[float]
    high: list[float]
    change: float
    level: float

    def sentence(self) -> str:
        """One line naming the largest contribution, or saying nothing moved by a matter-sized amount."""
        if not self.labels or abs(self.mean[0]) < SMALLEST_INDEX_EFFECT:
            return (
                f"By {self.quarter} EU–Japan cooperation had changed by {self.change:+.3f} since the start; "
                f"no category moved it by {SMALLEST_INDEX_EFFECT:g} or more."
            )
        return (
            f"By {self.quarter} EU–Japan cooperation had changed by {self.change:+.3f} since the start "
            f"(now {self.level:.3f}); most from {self.labels[0]} ({self.mean[0]:+.3f})."
        )


def explain_at(view: View, step: int) -> QuarterExplained:
    """The explanation's contributions at one quarter: the change since the start, split by category.

    Args:
        view: The simulated state.
        step: The quarter clicked, as a step of the run (clipped into the run).
    """
    explanation = view.explanation
    step = min(max(int(step), 0), explanation.parts.shape[0] - 1)
    totals = explanation.group_totals_at(step)
    ranked = totals.iloc[np.argsort(-totals["mean"].abs().to_numpy(), kind="stable")]
    return QuarterExplained(
        step=step,
        quarter=view.result.quarter_labels[step],
        labels=ranked["label"].tolist(),
        mean=ranked["mean"].tolist(),
        low=ranked["p5"].tolist(),
        high=ranked["p95"].tolist(),
        change=float(explanation.change[step].mean()),
        level=float(explanation.level[step].mean()),
    )


# -- pinned variants -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantDifference:
    """A pinned variant's difference from the reference variant, quarter by quarter and at the end.

    Attributes:
        label: The variant's label.
        paired: Whether the two share seed, replicates and calendar, so world r of each met the same
            random draws and the difference is taken world by world (as ``eujsim compare`` does).
        difference: The per-world difference (paired) or the difference of means with no band (unpaired).
        final: Mean final difference with its 95% bootstrap interval (paired only).
        verdict: ``material``, ``negligible`` or ``unclear`` against the smallest effect that matters.
    """

    label: str
    paired: bool
    difference: Band
    final: PairedEffect | None
    verdict: Verdict | None

    def sentence(self, reference: str) -> str:
        """One line on the final difference, in the words of ``eujsim compare``."""
        if self.final is None:
            mean = float(self.difference.mean[-1])
            return (
                f"{self.label} − {reference}: {mean:+.3f} at the end, not paired (seed, replicates or quarters "
                "differ), so no interval is given"
            )
        words = {
            "material": "a difference that matters",
            "negligible": TOO_SMALL_LABEL,
            "unclear": "too noisy to tell at these replicates",
        }
        final = self.final
        worlds = f"90% of worlds {self.difference.low[-1]:+.3f} to {self.difference.high[-1]:+.3f}"
        return (
            f"{self.label} − {reference}: {final.mean:+.3f} at the end, paired by world ({worlds}; "
            f"the mean's 95% bootstrap interval {final.low:+.3f} to {final.high:+.3f}): "
            f"{words[self.verdict or 'unclear']}"
        )


@dataclass(frozen=True)
class Variant:
    """A named state on the page's pin board."""

    label: str
    state: State


def pairs(a: Scenario, b: Scenario) -> bool:
    """Whether two scenarios run the same worlds: the same seed, replicates, start and horizon."""
    return (a.seed, a.replicates, a.start, a.horizon) == (b.seed, b.replicates, b.start, b.horizon)


def compare_variants(
    variants: Sequence[Variant], simulations: Simulations, variable: str = HEADLINE
) -> list[VariantDifference]:
    """Each variant after the first against the first (the reference), as ``eujsim compare`` sets them side by side.

    Every variant is simulated (or taken from ``simulations``) with its own seed and replicates; when
    those match the reference's, world r of both met the same random draws, and the difference is
    taken world by world with its band and a bootstrap interval of the final mean.
    """
    if len(variants) < 2:
        return []
    views = [simulations.view(v.state) for v in variants]
    reference = views[0]
    out = []
    for variant, view in zip(variants[1:], views[1:], strict=True):
        if pairs(view.scenario, reference.scenario):
            per_world = paired_difference(view.result, reference.result, variable)
            final = paired_effect(per_world[-1])
            out.append(
                VariantDifference(variant.label, True, band(per_world), final, final.verdict(SMALLEST_INDEX_EFFECT))
            )
        else:
            mean = view.result.series(variable).mean(axis=1)
            ref = reference.result.series(variable).mean(axis=1)
            n = min(len(mean), len(ref))
            diff = mean[:n] - ref[:n]
            out.append(VariantDifference(variant.label, False, Band(diff, diff, diff), None, None))
    return out


# -- exporting --------------------------------------------------------------------------------------------------


def write_run_report(state: Mapping[str, Any], folder: str | Path | None = None) -> Path:
    """Run the state as ``eujsim run`` does (with its twin and events), save the run folder and write its report.

    Args:
        state: The page state.
        folder: Where the run folder goes; a new temporary folder when None.

    Returns:
        The self-contained HTML report (``report.html`` inside the run folder).
    """
    from simulator.reports.report import write_report

    scenario = scenario_of(state)
    root = Path(folder) if folder is not None else Path(tempfile.mkdtemp(prefix="eujsim-explore-"))
    result = with_twin(simulate(scenario))
    saved = result.save(root / folder_name(scenario.name, "scenario"), force=True)
    return write_report(saved, force=True)


def shock_of(state: Mapping[str, Any], index: int) -> Shock:
    """Shock ``index`` of the state as resolved (every field filled, effects from the library)."""
    return scenario_of(state).shocks[index]
