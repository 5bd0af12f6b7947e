"""Mechanism ablation: what each mechanism of docs/ODD.md §7 does to the outputs, scenario by scenario.

For each ablation switch (:mod:`simulator.core.ablation`) and each scenario, the scenario runs
twice with the same seed and replicates, once in full and once with the switch, and each output
is compared replicate by replicate (common random numbers, docs/ODD.md §7.12). Every row gives
the mean paired difference (ablated − full) with its 95% bootstrap interval and a verdict
against the smallest effect that matters (:data:`THRESHOLDS`; the argument for them is in
docs/ablation.md, written by :mod:`simulator.reports.ablation_report`).

The outputs measured are EU–Japan cooperation (final and peak, for every switch) and the
mechanism's own outputs, where the ODD says it acts (:data:`OWN_OUTPUTS`), averaged over the
simulated quarters.

Example (from a notebook)::

    from simulator.evaluation.ablation import ablation_table
    table = ablation_table(["scenarios/baseline.yaml"], replicates=50)
    table[table.verdict == "material"]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.core.ablation import SWITCHES, Switch, check_ablation
from simulator.core.structure import ACTIVITIES
from simulator.evaluation.paired import paired_effect
from simulator.inputs.scenario import Scenario
from simulator.runs.results import RunResult
from simulator.runs.runner import resolve, simulate

HEADLINE = "coop_EU_JPN"

THRESHOLDS: dict[str, float] = {"index": 0.01, "pct_gdp": 0.02}
"""Smallest effect that matters, per unit: 0.01 on the 0–1 indices, 0.02 percentage points of GDP
for spending. docs/ablation.md argues both from the milestone gaps and the enacted build-up."""

_ACTIVITY = ("activity_CHN", "activity_RUS", "activity_PRK")
_DESIRES = ("desire_EU_JPN", "desire_JPN_EU")
_COMMITMENT = ("us_commitment_europe", "us_commitment_indo_pacific")
_SPENDING = ("spending_JPN", "spending_EU")
_OTHER_PAIRS = ("coop_EU_USA", "coop_JPN_USA", "coop_CHN_RUS")

OWN_OUTPUTS: dict[Switch, tuple[str, ...]] = {
    Switch.PUSHBACK: _ACTIVITY,
    Switch.ACTIVITY_NOISE: _ACTIVITY,
    Switch.EPISODES: _ACTIVITY,
    Switch.THREAT_ACTIVITY: ("threat_JPN_CHN", "threat_EU_RUS", "threat_JPN_PRK"),
    Switch.THREAT_LINKAGE: ("threat_JPN_RUS", "threat_EU_CHN"),
    Switch.THREAT_SMOOTHING: ("threat_JPN_CHN", "threat_EU_RUS"),
    Switch.COMMITMENT_THREAT: _COMMITMENT,
    Switch.COMMITMENT_BURDEN: _COMMITMENT,
    Switch.COMMITMENT_ADJUSTMENT: _COMMITMENT,
    Switch.SPENDING_THREAT: _SPENDING,
    Switch.SPENDING_HEDGING: _SPENDING,
    Switch.SPENDING_FLOOR: _SPENDING,
    Switch.FISCAL_CAP: _SPENDING,
    Switch.DOMESTIC_CRISES: ("stability_JPN", "stability_EU"),
    Switch.COMMON_THREAT: _DESIRES,
    Switch.ABANDONMENT_FEAR: _DESIRES,
    Switch.ALLIANCE_PULL: ("coop_EU_USA", "coop_JPN_USA"),
    Switch.VALUES: _DESIRES,
    Switch.CAPABILITY: _DESIRES,
    Switch.CONSTRAINTS: _DESIRES,
    Switch.ENTRAPMENT: _DESIRES,
    Switch.INSTABILITY_IN_DESIRE: _DESIRES,
    Switch.EXPOSURE: _DESIRES,
    Switch.DEFERENCE: _DESIRES,
    Switch.RIVALRY: ("coop_JPN_CHN", "coop_EU_RUS"),
    Switch.CHALLENGER_ALIGNMENT: ("coop_CHN_RUS", "coop_RUS_PRK", "coop_CHN_PRK"),
    Switch.AGREEMENT_FLOOR: ("coop_EU_CHN", "coop_JPN_CHN", "coop_USA_CHN", "coop_RUS_PRK"),
    Switch.AGREEMENT_BRAKE: _OTHER_PAIRS,
    Switch.COOP_INERTIA: _OTHER_PAIRS,
}
"""Outputs where the ODD says each mechanism acts, besides EU–Japan cooperation.
``activity_<K>`` is the challenger's mean activity over its five channels."""


def unit_of(output: str) -> str:
    """The unit of an output series: ``pct_gdp`` for spending, ``index`` (0–1) otherwise."""
    return "pct_gdp" if output.startswith("spending_") else "index"


def output_series(result: RunResult, output: str) -> np.ndarray:
    """(steps + 1, replicates) values of a recorded column, or of a challenger's mean activity."""
    if output in _ACTIVITY:
        return np.mean([result.series(f"{output}_{a}") for a in ACTIVITIES], axis=0)
    return result.series(output)


STATISTICS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "final": lambda series: series[-1],
    "peak": lambda series: series[1:].max(axis=0),
    "mean": lambda series: series[1:].mean(axis=0),
    "wobble": lambda series: np.abs(np.diff(series[1:], axis=0)).mean(axis=0),
}
"""Per-replicate statistics of a (steps + 1, replicates) series over the simulated steps 1..horizon.
``wobble`` is the mean absolute change from one quarter to the next: how irregular each world's
path is, which is what a mean-neutral noise is for (docs/ODD.md §4.9)."""

OWN_STATISTICS: dict[Switch, tuple[str, ...]] = {Switch.ACTIVITY_NOISE: ("mean", "wobble")}
"""Statistics of the own outputs per switch (``mean`` unless listed): the noise is built to leave
means alone and make each world's path irregular, so both are measured."""


def per_replicate(result: RunResult, output: str, statistic: str) -> np.ndarray:
    """(replicates,) one statistic of an output in each world.

    A challenger's ``wobble`` is the mean of its channels' wobbles: the channels' own noises
    would largely cancel in the wobble of their mean.
    """
    measure = STATISTICS[statistic]
    if statistic == "wobble" and output in _ACTIVITY:
        return np.mean([measure(result.series(f"{output}_{a}")) for a in ACTIVITIES], axis=0)
    return measure(output_series(result, output))


def measures(switch: Switch) -> list[tuple[str, str]]:
    """(output, statistic) pairs measured for a switch: EU–JPN final and peak, own outputs' run means.

    The noise's own outputs are also measured by their wobble (:data:`OWN_STATISTICS`).
    """
    statistics = OWN_STATISTICS.get(switch, ("mean",))
    return [(HEADLINE, "final"), (HEADLINE, "peak")] + [(o, s) for o in OWN_OUTPUTS[switch] for s in statistics]


def compare_runs(full: RunResult, ablated: RunResult, switch: Switch) -> list[dict[str, object]]:
    """Rows of paired differences (ablated − full) for one switch in one scenario."""
    rows: list[dict[str, object]] = []
    for output, statistic in measures(switch):
        reference = per_replicate(full, output, statistic)
        effect = paired_effect(per_replicate(ablated, output, statistic) - reference)
        unit = unit_of(output)
        rows.append(
            {
                "scenario": full.scenario.name,
                "switch": switch.value,
                "section": SWITCHES[switch].section,
                "output": output,
                "statistic": statistic,
                "unit": unit,
                "full_model": float(reference.mean()),
                "effect": effect.mean,
                "low": effect.low,
                "high": effect.high,
                "threshold": THRESHOLDS[unit],
                "verdict": effect.verdict(THRESHOLDS[unit]),
            }
        )
    return rows


def ablate_scenario(scenario: Scenario, switches: Iterable[Switch]) -> list[dict[str, object]]:
    """Rows for every switch in one resolved scenario (the full run is made once and shared)."""
    full = simulate(scenario, keep_details=False)
    rows: list[dict[str, object]] = []
    for switch in switches:
        rows += compare_runs(full, simulate(scenario, keep_details=False, ablate=frozenset({switch})), switch)
    return rows


def ablation_table(
    scenarios: Sequence[str | Path | Scenario],
    *,
    replicates: int = 50,
    seed: int | None = None,
    switches: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Paired effect of switching off each mechanism, per scenario and output.

    Args:
        scenarios: Scenario files (or resolved scenarios) to measure in.
        replicates: Replicates per run; the interval is over these.
        seed: Base seed for every run (default: each scenario's own).
        switches: Switch names to measure (default: all of :class:`Switch`, in order).
        progress: Called with each scenario's name before it runs (e.g. ``print``).

    Returns:
        One row per scenario, switch, output and statistic: ``scenario``, ``switch``,
        ``section`` (ODD), ``output``, ``statistic`` (final, peak or mean over the run),
        ``unit``, ``full_model`` (mean of the full model's statistic), ``effect`` (mean of
        ablated − full), ``low``/``high`` (95% bootstrap interval), ``threshold`` and
        ``verdict`` (material, negligible or unclear; :meth:`PairedEffect.verdict`).

    Raises:
        ValueError: for an unknown switch name.
        UserError: for a scenario file that is not valid.
    """
    chosen = list(Switch) if switches is None else sorted(check_ablation(switches), key=list(Switch).index)
    rows: list[dict[str, object]] = []
    for item in scenarios:
        scenario = resolve(item, replicates=replicates, seed=seed)
        if progress:
            progress(scenario.name)
        rows += ablate_scenario(scenario, chosen)
    return pd.DataFrame(rows)
