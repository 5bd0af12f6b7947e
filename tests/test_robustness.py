"""Robustness of shock handling: awkward timing, stacking and absurd magnitudes.

Every scenario here must run and leave every recorded output finite and inside its
range. Where the timing or stacking has a meaning, the tests also check that the
meaning holds: a shock acts in the quarter it starts, keeps acting when its profile
runs past the horizon, and two copies of a shock push at least as far as one.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import RunResult, StrategicModel, default_calibration, default_library, simulate
from simulator.core.recorder import column_names
from simulator.inputs.shocklib import OPS

from .conftest import make_scenario

CALIBRATION = default_calibration()
SPENDING_BOUNDS = CALIBRATION["JPN.fiscal_cap"].bounds  # the hard bounds of the % of GDP unit
RANGES = {
    "coop_": (0.0, 1.0),
    "desire_": (0.0, 1.0),
    "threat_": (0.0, 1.0),
    "containment_": (0.0, 1.0),
    "activity_": (0.0, 1.0),
    "us_commitment_": (0.0, 1.0),
    "stability_": (0.0, 1.0),
    "spending_": SPENDING_BOUNDS,
}
"""Range of every recorded column, by name prefix (see simulator/core/recorder.py)."""

HORIZON = 8  # make_scenario's default: 2025Q1–2026Q4, steps 0..8
QUIET = {"horizon": HORIZON, "replicates": 4, "seed": 7}


def run(**fields: Any) -> RunResult:
    """Simulate a small scenario (make_scenario defaults) with the given fields."""
    return simulate(make_scenario(**fields))


def assert_sane(result: RunResult) -> None:
    """Every output column of every replicate and step is finite and inside its range."""
    table = result.timeseries
    variables = [c for c in table.columns if c not in ("replicate", "step", "quarter")]
    assert variables == column_names(), "timeseries must expose every recorded variable"
    unchecked = [c for c in variables if not c.startswith(tuple(RANGES))]
    assert not unchecked, f"no range known for {unchecked}; add it to RANGES"
    data = table[variables].to_numpy(dtype=float)
    assert np.isfinite(data).all(), [c for c in variables if not np.isfinite(table[c]).all()]
    for prefix, (low, high) in RANGES.items():
        block = table[[c for c in variables if c.startswith(prefix)]]
        assert block.notna().all().all(), prefix
        low_seen, high_seen = block.min().min(), block.max().max()
        assert low <= low_seen and high_seen <= high, (prefix, low_seen, high_seen)
    assert np.isfinite(result.drivers).all(), "driver contributions must be finite too"
    assert np.isfinite(result.summary[["mean", "p5", "p50", "p95"]].to_numpy()).all()


def shock(kind: str, at: str, **fields: Any) -> dict[str, Any]:
    """One shock entry as written in a scenario file."""
    return {"kind": kind, "at": at, **fields}


def params_at(scenario_fields: dict[str, Any], step: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(base parameters, parameters in force) of a scenario's model at ``step``."""
    model = StrategicModel(make_scenario(**scenario_fields))
    params, _ = model.schedule.effective(model.base_params, step)
    return model.base_params, params


def targets(kind: str) -> list[str]:
    """The parameters a library shock kind changes."""
    return [effect.target for effect in default_library()[kind].effects]


@pytest.fixture(scope="module")
def no_shock() -> RunResult:
    """The reference run: same seed and size as the shocked runs, no shocks."""
    return run(**QUIET)


# --- timing ---------------------------------------------------------------------------------


def test_overlapping_shocks_all_act_and_nothing_leaks_before_the_first(no_shock):
    shocks = [
        shock("us_retrenchment", "2025Q2", duration=4),
        shock("taiwan_strait_crisis", "2025Q3", duration=3, decay=2),
        shock("cyber_campaign", "2025Q3", ramp=0, duration=2),
        shock("chokepoint_disruption", "2025Q4", magnitude=0.5),
    ]
    fields = {**QUIET, "shocks": shocks}
    result = run(**fields)
    assert_sane(result)

    # In 2025Q4 (step 4) all four are in force at once: each one's targets have moved.
    base, params = params_at(fields, 4)
    for kind in ("us_retrenchment", "taiwan_strait_crisis", "cyber_campaign", "chokepoint_disruption"):
        moved = [t for t in targets(kind) if not np.allclose(params[t], base[t])]
        assert moved, f"{kind} has no effect while overlapping the others"

    # Same random streams: identical until the first onset (2025Q2 = step 2), different after.
    first_onset = 2
    np.testing.assert_array_equal(result.values[:first_onset], no_shock.values[:first_onset])
    assert not np.allclose(result.values[first_onset:], no_shock.values[first_onset:])

    # The overlap matters: adding the later shocks changes the quarters they cover.
    only_first = run(**QUIET, shocks=shocks[:1])
    np.testing.assert_array_equal(result.values[:3], only_first.values[:3])
    assert not np.allclose(result.series("threat_JPN_CHN")[3:], only_first.series("threat_JPN_CHN")[3:])


@pytest.mark.parametrize("ramp", [0, 4], ids=["at_once", "default_ramp"])
def test_a_shock_at_the_first_quarter_acts_in_quarter_one(no_shock, ramp):
    result = run(**QUIET, shocks=[shock("us_retrenchment", "2025Q1", ramp=ramp)])
    assert_sane(result)
    # The initial state (step 0) comes from the spin-up, which shocks never touch.
    np.testing.assert_array_equal(result.values[0], no_shock.values[0])
    # Quarter 1 (step 1) already feels the cut in US commitment to Europe, in every replicate.
    shocked, plain = result.series("us_commitment_europe")[1], no_shock.series("us_commitment_europe")[1]
    assert (shocked < plain).all(), (shocked, plain)
    onset = result.events.query("type == 'shock'").iloc[0]
    assert (onset["step"], onset["quarter"]) == (1, "2025Q1")


def test_a_shock_running_past_the_horizon_still_acts_in_the_last_quarter(no_shock):
    # Starts in the last quarter (2026Q4): ramp, duration and decay all lie beyond the horizon.
    last_quarter = shock("us_retrenchment", "2026Q4", ramp=3, duration=6, decay=10)
    # Starts earlier and is still ramping up when the run ends.
    long_ramp = shock("dprk_provocation", "2026Q1", ramp=20, duration=30, decay=40)
    result = run(**QUIET, shocks=[last_quarter, long_ramp])
    assert_sane(result)
    assert result.values.shape[0] == HORIZON + 1

    shocked, plain = result.series("us_commitment_europe")[-1], no_shock.series("us_commitment_europe")[-1]
    assert (shocked < plain).all(), "a shock whose profile extends beyond the horizon must act in the last quarter"
    np.testing.assert_array_equal(result.values[:5], no_shock.values[:5])  # nothing before 2026Q1 (step 5)

    events = result.events.query("type == 'shock'")
    assert events["step"].max() <= HORIZON, "no event may be dated after the horizon"
    assert sorted(events["detail"]) == ["dprk_provocation begins (magnitude 1)", "us_retrenchment begins (magnitude 1)"]


# --- stacking -------------------------------------------------------------------------------


def test_the_same_kind_twice_is_applied_twice_under_distinct_names(no_shock):
    once = [shock("us_retrenchment", "2025Q2", ramp=0)]
    twice = once * 2
    single, double = run(**QUIET, shocks=once), run(**QUIET, shocks=twice)
    assert_sane(double)

    names = [s.name for s in make_scenario(**QUIET, shocks=twice).shocks]
    assert names == ["us_retrenchment", "us_retrenchment #2"]
    onsets = double.events.query("type == 'shock' and detail.str.contains('begins')")
    assert onsets["name"].tolist() == names, "each copy is reported under its own name"

    # Both copies act on the parameters: a multiply compounds, an add doubles, a set stays a set.
    _, one = params_at({**QUIET, "shocks": once}, 3)
    base, two = params_at({**QUIET, "shocks": twice}, 3)
    np.testing.assert_allclose(two["USA.commitment_europe"], base["USA.commitment_europe"] * 0.6 * 0.6)
    np.testing.assert_allclose(two["JPN_USA.values"], base["JPN_USA.values"] - 0.2)
    np.testing.assert_allclose(two["USA.burden_demand"], one["USA.burden_demand"])

    # ... and so on the outcome: US commitment to Europe falls at least as far as with one copy.
    after = slice(2, None)
    one_copy = single.series("us_commitment_europe")[after]
    two_copies = double.series("us_commitment_europe")[after]
    plain = no_shock.series("us_commitment_europe")[after]
    assert (two_copies <= one_copy + 1e-12).all() and (one_copy <= plain + 1e-12).all()
    assert (two_copies[-1] < one_copy[-1]).all(), "the second copy must add to the first"


def test_explicit_duplicate_names_are_made_distinct():
    shocks = [shock("dprk_provocation", "2025Q2", name="Missile tests"), shock("dprk_provocation", "2025Q3")]
    shocks.append(shock("dprk_provocation", "2025Q4", name="Missile tests"))
    names = [s.name for s in make_scenario(**QUIET, shocks=shocks).shocks]
    assert names == ["Missile tests", "dprk_provocation", "Missile tests #2"]
    assert_sane(run(**QUIET, shocks=shocks))


def test_stacked_add_is_clipped_to_the_hard_bound():
    effects = [{"target": "world.sealane_risk", "op": "add", "value": 0.9}]
    stacked = [shock("piracy", "2025Q1", ramp=0, effects=effects)] * 3
    _, params = params_at({**QUIET, "shocks": stacked}, 1)
    assert (params["world.sealane_risk"] == CALIBRATION["world.sealane_risk"].bounds[1]).all()


# --- extreme magnitudes ---------------------------------------------------------------------

HUGE_EFFECTS = [
    {"target": "world.sealane_risk", "op": "add", "value": 1e6},
    {"target": "CHN.assertiveness_military", "op": "multiply", "value": 1e6},
    {"target": "RUS.assertiveness_gray_zone", "op": "add", "value": -1e6},
    {"target": "USA.commitment_europe", "op": "multiply", "value": -1e6},
    {"target": "JPN.deference", "op": "set", "value": 1.0},
    {"target": "EU.fiscal_cap", "op": "set", "value": 10.0},
    {"target": "JPN.fiscal_cap", "op": "multiply", "value": 1e6},
    {"target": "model.coop_rise_rate", "op": "set", "value": 1.0},
    {"target": "model.coop_decay_rate", "op": "set", "value": 0.0},
    {"target": "PRK.episode_rate_wmd", "op": "add", "value": 1e6},
]


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_huge_stacked_effects_keep_every_output_finite_and_in_range():
    shocks = [shock("blowout", at, ramp=1, duration=3, effects=HUGE_EFFECTS) for at in ("2025Q1", "2025Q2", "2025Q3")]
    result = run(**QUIET, shocks=shocks)
    assert_sane(result)
    _, params = params_at({**QUIET, "shocks": shocks}, 4)
    assert (params["world.sealane_risk"] == 1.0).all()
    assert (params["USA.commitment_europe"] == 0.0).all()
    assert (params["JPN.fiscal_cap"] == SPENDING_BOUNDS[1]).all()


@pytest.mark.filterwarnings("error::RuntimeWarning")
@pytest.mark.parametrize(
    "effects",
    [
        [
            {"target": "world.sealane_risk", "op": "add", "value": 1e308},
            {"target": "world.sealane_risk", "op": "add", "value": 1e308},
            {"target": "world.sealane_risk", "op": "set", "value": 0.5},
        ],
        [
            {"target": "JPN.deference", "op": "multiply", "value": 1e200},
            {"target": "JPN.deference", "op": "multiply", "value": 1e200},
            {"target": "JPN.deference", "op": "multiply", "value": 0.0},
        ],
        [
            {"target": "CHN.power", "op": "add", "value": -1e308},
            {"target": "CHN.power", "op": "multiply", "value": 1e10},
            {"target": "CHN.power", "op": "add", "value": 0.25},
        ],
    ],
    ids=["add_overflow_then_set", "multiply_overflow_then_zero", "negative_overflow_then_add"],
)
def test_effects_that_overflow_part_way_do_not_produce_nan(effects):
    """Regression: an intermediate inf followed by set / multiply 0 used to give NaN everywhere."""
    fields = {**QUIET, "shocks": [shock("overflow", "2025Q2", ramp=0, effects=effects)]}
    assert_sane(run(**fields))
    target = effects[0]["target"]
    low, high = CALIBRATION[target].bounds
    _, params = params_at(fields, 2)
    assert np.isfinite(params[target]).all()
    assert ((params[target] >= low) & (params[target] <= high)).all()


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_zero_spending_reference_with_zero_spending_stays_finite():
    """Regression: model.spending_reference may be 0 (its hard bound); 0 spending over it was 0/0 = NaN."""
    zero = ["EU.spending_base", "EU.fiscal_cap", "EU.threat_response", "EU.hedge_response", "model.spending_reference"]
    effects = [{"target": t, "op": "set", "value": 0.0} for t in zero]
    effects.append({"target": "model.spending_adjust", "op": "set", "value": 1.0})
    result = run(**QUIET, shocks=[shock("disarmament", "2025Q1", ramp=0, effects=effects)])
    assert_sane(result)
    assert (result.series("spending_EU")[1:] == 0.0).all(), "the EU should disarm completely in this scenario"


PATHS = sorted(p.path for p in CALIBRATION.values())
QUARTERS_OF_SIX = ["2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2"]
"""The quarters of the 6-quarter runs of the property test: first and last included."""
HUGE = [1e308, -1e308, 1e6, -1e6, 0.0]


@st.composite
def effect(draw: st.DrawFn) -> dict[str, Any]:
    """One inline effect: any parameter, any op, a huge, zero, bound or ordinary value."""
    target = draw(st.sampled_from(PATHS))
    op = draw(st.sampled_from(OPS))
    low, high = CALIBRATION[target].bounds
    if op == "set":  # a set value must lie within the hard bounds (validation refuses others)
        value = draw(st.sampled_from([low, high]) | st.floats(low, high))
    else:
        value = draw(st.sampled_from(HUGE) | st.floats(-1e6, 1e6))
    return {"target": target, "op": op, "value": value}


@st.composite
def stacked_shocks(draw: st.DrawFn) -> list[dict[str, Any]]:
    """One to three inline shocks at any quarter of a 6-quarter run, often on the same targets."""
    effects = draw(st.lists(effect(), min_size=1, max_size=5))
    shocks = []
    for index in range(draw(st.integers(1, 3))):
        own = draw(st.lists(st.sampled_from(effects), min_size=1, max_size=5))  # reuse targets: stacking
        shocks.append(
            {
                "kind": f"extreme_{index}",
                "at": draw(st.sampled_from(QUARTERS_OF_SIX)),
                "magnitude": draw(st.sampled_from([1.0, 0.5]) | st.floats(0.0, 1.0)),
                "ramp": draw(st.integers(0, 3)),
                "duration": draw(st.none() | st.integers(0, 4)),
                "decay": draw(st.integers(0, 3)),
                "effects": own,
            }
        )
    return shocks


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(shocks=stacked_shocks(), seed=st.integers(0, 10**6))
def test_any_stack_of_extreme_effects_keeps_outputs_finite_and_in_range(shocks, seed):
    scenario = make_scenario(
        horizon=6, replicates=2, seed=seed, shocks=shocks, parameters={"model.spinup_quarters": 8.0}
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        result = simulate(scenario)
    assert_sane(result)
