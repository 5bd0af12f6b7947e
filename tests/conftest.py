"""Shared fixtures: small scenarios that run in milliseconds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulator import Scenario, StrategicModel, scenario_from_dict

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
SEEDS = ROOT.parent / "shared" / "seeds"
SHOCK_KINDS = (
    "us_retrenchment",
    "taiwan_strait_crisis",
    "dprk_provocation",
    "russia_escalation",
    "china_economic_coercion",
    "chokepoint_disruption",
    "cyber_campaign",
    "japan_political_instability",
    "russia_dprk_alignment",
    "eu_cohesion_crisis",
)
"""The ten shock kinds the library must ship (issue: simulator core)."""


def make_scenario(**fields: Any) -> Scenario:
    """A validated scenario with small defaults (8 quarters, 4 replicates)."""
    data = {"name": "test", "horizon": 8, "replicates": 4, "seed": 7}
    data.update(fields)
    return scenario_from_dict(data)


def paired_model(path: str, low: float, high: float, **fields: Any) -> StrategicModel:
    """Two worlds with the same random stream that differ only in one parameter.

    World 0 has ``path = low`` and world 1 ``path = high``; after the spin-up each world
    sits at its own equilibrium, so comparing them isolates the parameter's effect.
    """
    scenario = make_scenario(replicates=2, **fields)
    return StrategicModel(
        scenario,
        replicates=np.array([0, 0]),
        overrides={path: np.array([low, high])},
    )


@pytest.fixture
def scenario_factory():
    return make_scenario
