"""Shock responses: paired against the same scenario without the shock, right shape, known answers."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.evaluation.shock_response import (
    HEADLINE,
    OUTPUTS,
    active_steps,
    event_response,
    library_responses,
    standard_scenario,
    without_shock,
)

from .conftest import SHOCK_KINDS, make_scenario

BASE = make_scenario(horizon=20, replicates=4)


def test_every_library_kind_gives_one_row_per_output() -> None:
    table = library_responses(BASE, replicates=4)
    assert len(table) == len(SHOCK_KINDS) * len(OUTPUTS)
    assert set(table.shock) == set(SHOCK_KINDS)
    assert (table.peak_low <= table.peak_high).all() and (table.window_low <= table.window_high).all()


def test_a_shock_of_zero_magnitude_has_no_response() -> None:
    table = library_responses(BASE, replicates=4, magnitude=0.0)
    values = table[["window_mean", "window_low", "window_high", "peak", "peak_low", "peak_high"]].to_numpy()
    assert np.array_equal(values, np.zeros_like(values))


def test_retrenchment_draws_the_partners_closer() -> None:
    row = library_responses(BASE, replicates=4, kinds=["us_retrenchment"]).set_index("output").loc[HEADLINE]
    assert row.peak_low > 0 and row.window_low > 0
    assert row.peak_quarter >= row.onset and row.quarters_after_onset >= 0


def test_window_is_where_the_shock_has_strength() -> None:
    scenario = standard_scenario(BASE, "dprk_provocation", onset="2025Q3", duration=2)
    # onset step 3; ramp 1, duration 2, decay 6: strength > 0 for q = 0 .. 1 + 2 + 6 - 1
    assert active_steps(scenario, scenario.shocks[-1]) == (3, 3 + 8)


def test_event_response_removes_only_the_named_shock() -> None:
    scenario = make_scenario(
        horizon=12,
        replicates=4,
        shocks=[
            {"kind": "us_retrenchment", "at": "2025Q2", "name": "retrench"},
            {"kind": "dprk_provocation", "at": "2025Q2", "name": "tests"},
        ],
    )
    assert [s.name for s in without_shock(scenario, "tests").shocks] == ["retrench"]
    table = event_response(scenario, "tests").set_index("output")
    assert table.loc["threat_JPN_PRK", "peak"] > 0
    with pytest.raises(KeyError):
        event_response(scenario, "no such shock")


def test_timing_reads_half_peak_plateau_and_the_share_at_full_end() -> None:
    """A known path: onset at step 2, full effect ends at step 5, the response peaks at step 7."""
    from simulator.evaluation.shock_response import timing_of

    path = np.array([0.0, 0.0, 0.01, 0.03, 0.05, 0.06, 0.095, 0.10, 0.092, 0.05])
    timing = timing_of(path, first=2, peak_step=7, full_end=5)
    assert timing["half_after_onset"] == 2  # 0.05 >= 0.05 at step 4
    assert timing["share_at_full_end"] == pytest.approx(0.6)
    assert (timing["near_peak_from"], timing["near_peak_to"]) == (4, 6)  # steps 6..8 are >= 0.09
    falling = timing_of(-path, first=2, peak_step=7, full_end=None)
    assert falling["half_after_onset"] == 2 and np.isnan(falling["share_at_full_end"])


def test_library_rows_carry_the_timing_columns() -> None:
    row = library_responses(BASE, replicates=4, kinds=["us_retrenchment"]).set_index("output").loc[HEADLINE]
    assert 0 <= row.half_after_onset <= row.quarters_after_onset
    assert row.near_peak_from <= row.quarters_after_onset <= row.near_peak_to
    assert 0 < row.share_at_full_end <= 1.0 + 1e-12
