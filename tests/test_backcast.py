"""The 1991–2024 backcast replays the sources' dated events and ends in the calibrated world."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from simulator import run
from simulator.base.calendar import quarter_label
from simulator.core.parameters import world_parameters
from simulator.core.shocks import ShockSchedule
from simulator.inputs.calibration import default_calibration
from simulator.inputs.scenario import load_scenario
from simulator.runs.runner import simulate

from .conftest import SCENARIOS

BACKCAST = SCENARIOS / "historical_1991_2024.yaml"

# The dated events the sources name, with the quarter each must start in.
DATED_EVENTS = {
    "1991 Hague Declaration": "1991Q3",
    "2001 Action Plan": "2001Q4",
    "9/11 attacks": "2001Q3",
    "2003 Strategic Partnership": "2003Q2",
    "2010 rare-earth curbs": "2010Q3",
    "Japan's first NSS": "2013Q4",
    "Annexation of Crimea": "2014Q1",
    "Reinterpretation of Article 9": "2014Q3",
    "First Trump term": "2017Q1",
    "2018 SPA and EPA": "2018Q3",
    "Russia invades Ukraine": "2022Q1",
    "Japan's 2022 NSS": "2022Q4",
    "2023 EU–Japan summit": "2023Q3",
    "Security and Defence Partnership": "2024Q4",
}


@pytest.fixture(scope="module")
def backcast():
    return run(BACKCAST, replicates=30)


@pytest.fixture(scope="module")
def baseline():
    return run(SCENARIOS / "baseline.yaml", replicates=30)


def test_backcast_spans_1991_to_2024_with_the_dated_events():
    scenario = load_scenario(BACKCAST)
    assert quarter_label(scenario.start) == "1991Q1"
    assert quarter_label(scenario.start + scenario.horizon - 1) == "2024Q4"
    onsets = {shock.name: quarter_label(shock.at) for shock in scenario.shocks}
    for name, quarter in DATED_EVENTS.items():
        assert onsets.get(name) == quarter, name


def test_backcast_parameters_end_exactly_at_the_calibrated_values():
    """Once every event is at full strength, the 1991 world has become the calibrated one."""
    calibration = default_calibration()
    scenario = load_scenario(BACKCAST)
    base = world_parameters(calibration, 1, scenario.parameters)
    final, _ = ShockSchedule(scenario, calibration, 1).effective(base, scenario.horizon)
    moved = set(scenario.parameters) | {e.target for s in scenario.shocks for e in s.effects}
    moved -= {p for p in moved if p.endswith(".stability_start")}  # read in the first quarter only
    assert len(moved) > 25
    off = {p: float(final[p][0]) for p in moved if not np.isclose(final[p][0], calibration[p].value)}
    assert not off, f"backcast parameters that do not end at their calibrated value: {off}"


def test_backcast_arrives_where_the_forward_scenarios_start(backcast, baseline):
    """Threats, activity, US commitment and spending in 2024Q4 match the baseline's starting state."""
    for column in backcast.columns:
        if column.startswith(("threat_", "activity_", "us_commitment_", "spending_")):
            end, start = backcast.series(column)[-1].mean(), baseline.series(column)[0].mean()
            assert abs(end - start) < 0.06, column


def test_cooperation_lags_the_forward_start_and_joins_the_baseline_when_the_backcast_runs_on(backcast, baseline):
    """One history (docs/ODD.md §1.2): the backcast's cooperation ends 2024Q4 below the forward
    baseline's starting state, because it still trails the 2022–2024 events; run on without new
    events, it meets the baseline within the smallest effect that matters (0.01) by 2034Q4."""
    headline = "coop_EU_JPN"
    gap = baseline.series(headline)[0].mean() - backcast.series(headline)[-1].mean()
    assert 0 < gap < 0.1, gap
    history = backcast.scenario
    continued = simulate(dataclasses.replace(history, horizon=history.horizon + 40), replicates=backcast.replicates)
    path = continued.series(headline).mean(axis=1)
    labels = continued.quarter_labels
    assert path[labels.index("2026Q4")] > path[labels.index("2024Q4")], "still rising after 2024"
    late = path[labels.index("2034Q4")] - baseline.series(headline)[baseline.quarter_labels.index("2034Q4")].mean()
    assert abs(late) < 0.01, late


def test_japan_spends_about_one_point_six_percent_in_2024(backcast):
    """Niquet (2024): the defence budget is "reaching 1.6% of GDP in 2024"."""
    spending = backcast.series("spending_JPN")[backcast.quarter_labels.index("2024Q3")]
    assert np.all(np.abs(spending - 1.6) < 0.05)
    before = backcast.series("spending_JPN")[backcast.quarter_labels.index("2021Q4")]
    assert np.all(before < 1.1)


def test_backcast_cooperation_stays_in_range_and_is_hard_last(backcast):
    """Hard military cooperation starts last: defence industry is the lowest domain throughout."""
    coop = backcast.series("coop_EU_JPN")
    assert np.all((coop >= 0) & (coop <= 1))
    domains = [c for c in backcast.columns if c.startswith("coop_EU_JPN_")]
    means = {c: backcast.series(c).mean() for c in domains}
    assert min(means, key=means.get) == "coop_EU_JPN_defence_industry"
