"""Shock responses: what each shock kind does to EU–Japan cooperation, threat and spending.

A response is always paired: the scenario with the shock against the same scenario without
it, same seed and replicates, so replicate r of both receives the same random numbers
(docs/ODD.md §7.12) and the per-replicate difference is the shock's effect in that world.
Three measures per output:

- **window mean**: the difference averaged over the quarters in which the shock acts
  (strength above 0: ramp, full effect and decay; to the end of the run for a persistent shock);
- **peak**: the quarter, from onset to the end of the run, at which the mean difference over
  replicates is largest in size, with the difference there (the response can outlast the
  shock, so the search does not stop at the window's end);
- **timing**: that quarter as a calendar label and as quarters after onset (0 = the onset quarter).

Each shock kind of the library is measured in a **standard scenario**
(:func:`standard_scenario`): the baseline scenario file with that one shock at a fixed onset,
magnitude and duration, the kind's own ramp and decay. Using one design for every kind, rather
than the scenario files (which differ in onset, duration and magnitude, and do not all exist:
no file uses ``cyber_campaign``), makes the kinds comparable. :func:`event_response` measures
one named event of any scenario the same way, e.g. the February 2022 invasion in the
historical backcast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.base.calendar import parse_quarter
from simulator.core.shocks import shock_strength
from simulator.core.structure import CHALLENGERS, DOMAINS, PARTNERS
from simulator.evaluation.paired import paired_effect
from simulator.inputs.scenario import Scenario, Shock
from simulator.inputs.shocklib import ShockLibrary, default_library
from simulator.runs.results import RunResult
from simulator.runs.runner import resolve, simulate

HEADLINE = "coop_EU_JPN"
OUTPUTS: tuple[str, ...] = (
    HEADLINE,
    *(f"{HEADLINE}_{d}" for d in DOMAINS),
    *(f"threat_{o}_{k}" for o in PARTNERS for k in CHALLENGERS),
    *(f"spending_{p}" for p in PARTNERS),
)
"""Outputs measured: EU–JPN cooperation (aggregate and per domain), the partners' threat readings
of each challenger and the partners' spending."""

STANDARD_ONSET = "2026Q1"
STANDARD_DURATION = 8
STANDARD_MAGNITUDE = 1.0
"""The standard design: onset a year into the baseline's run, full magnitude, two years at full
effect (as in scenarios/taiwan_strait_crisis.yaml), then the kind's own decay; a run of 40
quarters leaves every kind's response at least five years after its onset."""


def standard_scenario(
    baseline: Scenario,
    kind: str,
    *,
    library: ShockLibrary | None = None,
    onset: str = STANDARD_ONSET,
    duration: int | None = STANDARD_DURATION,
    magnitude: float = STANDARD_MAGNITUDE,
) -> Scenario:
    """The baseline scenario with one shock of ``kind`` added (its ramp and decay from the library).

    Raises:
        KeyError: for a kind that is not in the library.
        ValueError: for an onset outside the baseline's simulated quarters.
    """
    entry = (library or default_library())[kind]
    at = parse_quarter(onset)
    if not baseline.start <= at <= baseline.last:
        raise ValueError(f"onset {onset} lies outside {baseline.period}")
    shock = Shock(
        name=kind,
        kind=kind,
        at=at,
        magnitude=magnitude,
        ramp=entry.ramp,
        duration=duration,
        decay=entry.decay,
        effects=entry.effects,
        description=entry.description,
    )
    return replace(baseline, name=f"{baseline.name}+{kind}", shocks=(*baseline.shocks, shock), source=None)


def without_shock(scenario: Scenario, name: str) -> Scenario:
    """The scenario with the shock called ``name`` removed (its twin for a paired comparison).

    Raises:
        KeyError: if no shock of the scenario has that name.
    """
    kept = tuple(s for s in scenario.shocks if s.name != name)
    if len(kept) == len(scenario.shocks):
        raise KeyError(f"{scenario.name} has no shock named {name!r}")
    return replace(scenario, name=f"{scenario.name}-{name}", shocks=kept, source=None)


def active_steps(scenario: Scenario, shock: Shock) -> tuple[int, int]:
    """First and last step (1-based, within the run) at which ``shock`` has strength above 0."""
    onset = shock.at - scenario.start + 1
    duration = np.inf if shock.duration is None else shock.duration
    steps = np.arange(1, scenario.horizon + 1)
    strength = shock_strength(steps, np.float64(onset), np.float64(shock.ramp), duration, np.float64(shock.decay))
    active = steps[strength > 0]
    return int(active[0]), int(active[-1])


NEAR_PEAK = 0.9
"""A response within this share of its peak (in size) counts as at its plateau."""


def timing_of(path: np.ndarray, first: int, peak_step: int, full_end: int | None) -> dict[str, object]:
    """How the mean response builds up, to tell a late reaction from the top of a long plateau.

    It measures when the response reaches half its peak, how much of it is there when the
    shock's full effect ends, and the quarters in which it stays near its peak.

    Args:
        path: (steps + 1,) mean paired difference per step.
        first: Onset step.
        peak_step: Step of the peak.
        full_end: Last step of full effect, or None for a shock that never ends within the run.

    Returns:
        ``half_after_onset`` (quarters after onset when the response first reaches half its peak),
        ``share_at_full_end`` (response then / peak; NaN without an end in the run),
        ``near_peak_from``/``near_peak_to`` (first and last quarter after onset within
        :data:`NEAR_PEAK` of the peak).
    """
    peak = path[peak_step]
    if peak == 0:  # no response: it is "there" from onset and never moves
        return {"half_after_onset": 0, "share_at_full_end": np.nan, "near_peak_from": 0, "near_peak_to": 0}
    sized = np.sign(peak) * path[first:]
    reached = np.flatnonzero(sized >= 0.5 * abs(peak))
    near = np.flatnonzero(sized >= NEAR_PEAK * abs(peak))
    share = float(path[full_end] / peak) if full_end is not None and full_end < len(path) else np.nan
    return {
        "half_after_onset": int(reached[0]),
        "share_at_full_end": share,
        "near_peak_from": int(near[0]),
        "near_peak_to": int(near[-1]),
    }


def measure_response(
    shocked: RunResult,
    twin: RunResult,
    shock: Shock,
    outputs: Sequence[str] = OUTPUTS,
) -> list[dict[str, object]]:
    """Rows of the paired response (shocked − twin) of each output to ``shock``.

    Args:
        shocked: The run with the shock.
        twin: The same scenario without it, same seed and replicates.
        shock: The shock whose response is measured (its onset and timing set the window).
        outputs: Columns to measure.
    """
    first, last = active_steps(shocked.scenario, shock)
    full_end = None if shock.duration is None else first + int(shock.ramp) + int(shock.duration) - 1
    labels = shocked.quarter_labels
    rows: list[dict[str, object]] = []
    for output in outputs:
        difference = shocked.series(output) - twin.series(output)  # (steps + 1, replicates)
        window = paired_effect(difference[first : last + 1].mean(axis=0))
        path = difference.mean(axis=1)
        peak_step = first + int(np.argmax(np.abs(path[first:])))
        peak = paired_effect(difference[peak_step])
        rows.append(
            {
                "shock": shock.kind,
                "output": output,
                "onset": labels[first],
                "window_end": labels[last],
                "window_mean": window.mean,
                "window_low": window.low,
                "window_high": window.high,
                "peak": peak.mean,
                "peak_low": peak.low,
                "peak_high": peak.high,
                "peak_quarter": labels[peak_step],
                "quarters_after_onset": peak_step - first,
                "peak_at_end": peak_step == len(labels) - 1,
                **timing_of(path, first, peak_step, full_end),
            }
        )
    return rows


def event_response(scenario: Scenario, shock_name: str, outputs: Sequence[str] = OUTPUTS) -> pd.DataFrame:
    """Response to one named shock of a resolved scenario, against the scenario without it.

    Raises:
        KeyError: if the scenario has no shock of that name.
    """
    shock = next((s for s in scenario.shocks if s.name == shock_name), None)
    if shock is None:
        raise KeyError(f"{scenario.name} has no shock named {shock_name!r}")
    shocked = simulate(scenario, keep_details=False)
    twin = simulate(without_shock(scenario, shock_name), keep_details=False)
    return pd.DataFrame(measure_response(shocked, twin, shock, outputs))


def library_responses(
    baseline: str | Path | Scenario = "scenarios/baseline.yaml",
    *,
    replicates: int = 100,
    seed: int | None = None,
    kinds: Iterable[str] | None = None,
    magnitude: float = STANDARD_MAGNITUDE,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Response of every shock kind of the library in its standard scenario.

    Args:
        baseline: The scenario the standard scenarios add one shock to (its own shocks are kept).
        replicates: Replicates per run; the intervals are over these.
        seed: Base seed (default: the baseline's own).
        kinds: Shock kinds to measure (default: every kind of the packaged library, in its order).
        magnitude: Magnitude of each shock (1 = the library's full effect).
        progress: Called with each kind before it runs.

    Returns:
        One row per kind and output: ``shock``, ``output``, ``onset``, ``window_end``,
        ``window_mean`` with ``window_low``/``window_high``, ``peak`` with
        ``peak_low``/``peak_high``, ``peak_quarter``, ``quarters_after_onset`` and ``peak_at_end``
        (True if the peak is the run's last quarter, so the response may still be growing).
    """
    library = default_library()
    base = resolve(baseline, replicates=replicates, seed=seed)
    twin = simulate(base, keep_details=False)
    rows: list[dict[str, object]] = []
    for kind in list(library) if kinds is None else list(kinds):
        if progress:
            progress(kind)
        scenario = standard_scenario(base, kind, library=library, magnitude=magnitude)
        rows += measure_response(simulate(scenario, keep_details=False), twin, scenario.shocks[-1])
    return pd.DataFrame(rows)
