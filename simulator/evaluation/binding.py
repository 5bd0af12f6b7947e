"""Which partner holds EU–Japan cooperation back: the share of cells where each side binds.

Realised cooperation moves toward the lower of the two desires (docs/ODD.md §7.9), so a
partner's own reservations (the EU's exposure, entrapment and cohesion; Japan's Article 9 and
deference) reach the outcome only where that partner's desire is the lower one. Counting the
cells (simulated quarter × world × domain) where the EU is that side shows whether the EU-side
mechanisms can act at all, and where.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.core.structure import DOMAINS
from simulator.inputs.scenario import Scenario
from simulator.runs.runner import simulate


@dataclass(frozen=True)
class BindingShares:
    """Where the EU's desire toward Japan is below Japan's toward the EU.

    Attributes:
        scenario: Name of the scenario measured.
        setting: Parameters set on top of the scenario file, in words ('' for none).
        overall: Share of all cells (simulated quarter × world × domain).
        by_domain: Share per domain, over quarters and worlds.
        peak_by_domain: Per domain, the largest share over worlds in any one quarter.
    """

    scenario: str
    setting: str
    overall: float
    by_domain: dict[str, float]
    peak_by_domain: dict[str, float]


def eu_lower(scenario: Scenario) -> np.ndarray:
    """(quarters, worlds, domains) True where the EU's desire is the lower one (ties go to Japan)."""
    history = simulate(scenario, explained_pair="EU_JPN", keep_details=False).pair_history
    if history is None:  # pragma: no cover - simulate keeps the history when asked for a pair
        raise RuntimeError("the run kept no EU–JPN desires")
    desires = history.desires[1:]
    return desires[:, :, 0, :] < desires[:, :, 1, :]


def binding_shares(scenario: Scenario, setting: str = "") -> BindingShares:
    """Shares of cells in which the EU is the side that holds cooperation with Japan back.

    Args:
        scenario: The resolved scenario to run.
        setting: What was set on top of the scenario file, for the table's label.
    """
    lower = eu_lower(scenario)
    per_quarter = lower.mean(axis=1)
    return BindingShares(
        scenario=scenario.name,
        setting=setting,
        overall=float(lower.mean()),
        by_domain={d: float(lower[:, :, i].mean()) for i, d in enumerate(DOMAINS)},
        peak_by_domain={d: float(per_quarter[:, i].max()) for i, d in enumerate(DOMAINS)},
    )
