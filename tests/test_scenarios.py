"""The shipped scenarios run and show the behaviour their descriptions claim."""

from __future__ import annotations

import re

import numpy as np
import pytest

from simulator import load_scenario, run, scenario_from_dict
from simulator.base.calendar import quarter_label

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def baseline():
    return run(SCENARIOS / "baseline.yaml", replicates=20)


@pytest.fixture(scope="module")
def retrenchment():
    return run(SCENARIOS / "us_retrenchment.yaml", replicates=20)


def test_baseline_is_close_to_stationary(baseline):
    path = baseline.series("coop_EU_JPN").mean(axis=1)
    assert abs(path[-1] - path[0]) < 0.03


def test_japan_spending_follows_the_enacted_path_in_the_baseline(baseline):
    """P10: 1.6% of GDP in 2024 rising to 2% by 2027 (Niquet 2024)."""
    labels = baseline.quarter_labels
    spending = baseline.series("spending_JPN").mean(axis=1)
    assert 1.6 < spending[labels.index("2025Q1")] < 1.8
    assert spending[labels.index("2027Q4")] == pytest.approx(2.0, abs=0.05)


def test_japan_spends_above_its_enacted_path_when_washington_retrenches(baseline, retrenchment):
    """Büyükarslan (2025): Japan "is set to accelerate its defence spending" against "an isolationist
    US foreign policy"; the enacted path is a floor, not a ceiling (docs/ODD.md §7.6)."""
    extra = retrenchment.final("spending_JPN").to_numpy() - baseline.final("spending_JPN").to_numpy()
    assert extra.min() > 0.1, "every world spends at least 0.1% of GDP more by 2034"
    assert retrenchment.final("spending_JPN").max() < 3.0, "within the fiscal cap"


def test_us_retrenchment_draws_eu_and_japan_closer_with_common_random_numbers(baseline, retrenchment):
    # the same seeds in both runs pair each replicate with its counterpart
    difference = retrenchment.final("coop_EU_JPN").to_numpy() - baseline.final("coop_EU_JPN").to_numpy()
    assert difference.mean() > 0.03
    assert difference.mean() - 3 * difference.std() > 0
    # and US commitment to Europe falls more than to the Indo-Pacific
    europe = baseline.final("us_commitment_europe").mean() - retrenchment.final("us_commitment_europe").mean()
    asia = baseline.final("us_commitment_indo_pacific").mean() - retrenchment.final("us_commitment_indo_pacific").mean()
    assert europe > asia > 0


def test_non_kinetic_domains_run_deeper_than_hard_ones(baseline):
    """P3 in the baseline: cyber, hybrid and economic security deeper than defence industry."""
    final = {d: baseline.series(f"coop_EU_JPN_{d}")[-1].mean() for d in ("cyber", "hybrid_fimi", "economic_security")}
    hard = baseline.series("coop_EU_JPN_defence_industry")[-1].mean()
    assert min(final.values()) > hard + 0.05


def test_drivers_table_adds_up_to_the_mean_change(retrenchment):
    table = retrenchment.drivers_table
    total = table[table.domain == "all"].groupby("step")["mean"].sum().to_numpy()
    change = np.diff(retrenchment.series("coop_EU_JPN").mean(axis=1))
    np.testing.assert_allclose(total, change, atol=1e-9)


def test_events_record_shocks_and_episodes(retrenchment):
    events = retrenchment.events
    assert (events.type == "shock").any()
    assert events[events.type == "shock"].quarter.iloc[0] == "2025Q2"
    assert (events.type == "episode").sum() > 10


SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.stem for p in SCENARIO_FILES])
def test_every_shipped_scenario_runs_cites_its_sources_and_stays_in_range(path):
    result = run(path, replicates=4)
    scenario = result.scenario
    assert scenario.name == path.stem
    # the description says what happens and which source supports it (author-year)
    assert re.search(r"\b(Büyükarslan|Lenhart & Tkacik|Niquet|Roy|News report) \d{4}\b", scenario.description), path
    assert path.stem == "historical_1991_2024" or quarter_label(scenario.start) == "2025Q1"
    values = result.values
    assert np.isfinite(values).all()
    for i, column in enumerate(result.columns):
        if column.startswith(("coop_", "desire_", "threat_", "activity_", "containment_", "us_", "stability_")):
            assert values[:, i].min() >= 0 and values[:, i].max() <= 1, (path.stem, column)


def test_the_library_covers_every_situation_the_sources_discuss():
    expected = {
        "baseline",
        "us_retrenchment",
        "taiwan_strait_crisis",
        "dprk_provocation",
        "russia_escalation",
        "china_economic_coercion",
        "red_sea_disruption",
        "japan_political_instability",
        "russia_dprk_axis",
        "eu_cohesion_crisis",
        "perfect_storm",
        "historical_1991_2024",
    }
    assert expected <= {p.stem for p in SCENARIO_FILES}


def test_every_quarter_a_scenario_can_record_reads_back_from_its_label():
    from simulator.base.calendar import FIRST_QUARTER, LAST_QUARTER, parse_quarter, quarter_label

    # step 0 is labelled with the quarter before the start, so the labels begin one quarter earlier
    for count in range(FIRST_QUARTER - 1, LAST_QUARTER + 1):
        label = quarter_label(count)
        assert len(label) == 6 and parse_quarter(label) == count
    assert quarter_label(1 * 4) == "0001Q1"  # four digits even where no scenario goes


def test_a_scenario_at_the_ends_of_the_calendar_saves_and_reloads(tmp_path):
    for start, at in (("1900Q1", "1900Q1"), ("2199Q4", "2199Q4")):
        scenario = scenario_from_dict(
            {"name": "edge", "start": start, "horizon": 1, "shocks": [{"kind": "us_retrenchment", "at": at}]}
        )
        saved = tmp_path / "scenario.yaml"
        saved.write_text(scenario.to_yaml(), encoding="utf-8")
        assert f"start: {start}" in saved.read_text(encoding="utf-8")
        again = load_scenario(saved)
        assert (again.start, again.shocks[0].at) == (scenario.start, scenario.shocks[0].at)


def test_shocks_of_one_long_name_are_numbered_within_the_name_limit_and_read_back():
    from simulator.base.names import NAME_LIMIT

    long = "n" * NAME_LIMIT
    shocks = [{"kind": "us_retrenchment", "name": long, "at": "2025Q2"} for _ in range(3)]
    scenario = scenario_from_dict({"name": "x", "horizon": 4, "shocks": shocks})
    names = [s.name for s in scenario.shocks]
    assert names == [long, long[:77] + " #2", long[:77] + " #3"]
    assert scenario_from_dict(scenario.to_dict()).to_dict() == scenario.to_dict()
