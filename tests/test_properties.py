"""Property tests: any parameters within their ranges keep every output in range and finite, and a saved scenario
reads back as itself."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import default_calibration, default_library, load_scenario, scenario_from_dict
from simulator.base.calendar import FIRST_QUARTER, LAST_QUARTER, quarter_label
from simulator.base.names import DESCRIPTION_LIMIT, NAME_LIMIT, name_problem
from simulator.base.yamlio import parse_yaml
from simulator.core.shocks import shock_strength
from simulator.inputs.scenario import REPLICATES_RANGE, SEED_RANGE, parse_scenario
from simulator.inputs.shocklib import MAX_TIMING_QUARTERS
from simulator.runs.runner import simulate

from .conftest import make_scenario

CALIBRATION = default_calibration()
SWEEPABLE = [p for p in CALIBRATION.values() if p.path != "model.spinup_quarters"]
UNIT_INTERVAL = ("coop_", "threat_", "containment_", "activity_", "us_commitment_", "desire_")


@st.composite
def parameter_points(draw):
    """A value within its plausible range for every parameter (spin-up kept short for speed)."""
    fractions = draw(st.lists(st.floats(0, 1), min_size=len(SWEEPABLE), max_size=len(SWEEPABLE)))
    point = {p.path: p.low + f * (p.high - p.low) for p, f in zip(SWEEPABLE, fractions, strict=True)}
    point["model.spinup_quarters"] = 8.0
    return point


SHOCK_KINDS = sorted(default_library())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(point=parameter_points(), kinds=st.lists(st.sampled_from(SHOCK_KINDS), max_size=4), seed=st.integers(0, 10**6))
def test_outputs_stay_in_range_and_finite_for_any_parameters_and_shocks(point, kinds, seed):
    shocks = [{"kind": kind, "at": "2025Q2", "magnitude": 1.0} for kind in kinds]
    scenario = make_scenario(horizon=6, replicates=2, seed=seed, shocks=shocks, parameters=point)
    result = simulate(scenario)
    assert np.isfinite(result.values).all()
    assert np.isfinite(result.drivers).all()
    for name in result.columns:
        data = result.series(name)
        if name.startswith(UNIT_INTERVAL):
            assert data.min() >= 0.0 and data.max() <= 1.0, name
        if name.startswith("spending_"):
            assert data.min() >= 0.0 and data.max() <= 10.0, name


@settings(max_examples=25, deadline=None)
@given(point=parameter_points(), seed=st.integers(0, 10**6))
def test_driver_contributions_add_up_to_the_simulated_change(point, seed):
    result = simulate(make_scenario(horizon=5, replicates=2, seed=seed, parameters=point))
    change = np.diff(np.stack([result.series(f"coop_EU_JPN_{d}") for d in _domains()], axis=-1), axis=0)
    contributions = result.drivers[1:].sum(axis=2)  # (steps, worlds, domains)
    np.testing.assert_allclose(contributions, change, atol=1e-10)


def _domains():
    from simulator.core.structure import DOMAINS

    return DOMAINS


@given(
    step=st.integers(-5, 60),
    onset=st.integers(1, 20),
    ramp=st.integers(0, 6),
    duration=st.one_of(st.none(), st.integers(0, 10)),
    decay=st.integers(0, 6),
)
def test_shock_profile_is_zero_before_onset_full_after_ramp_and_bounded(step, onset, ramp, duration, decay):
    arr = lambda v: np.array([float(v)])  # noqa: E731
    dur = np.inf if duration is None else duration
    s = shock_strength(step, arr(onset), arr(ramp), arr(dur), arr(decay))[0]
    assert 0.0 <= s <= 1.0
    q = step - onset
    if q < 0:
        assert s == 0.0
    elif ramp <= q < ramp + dur:
        assert s == 1.0
    elif duration is not None and q >= ramp + duration + decay:
        assert s == 0.0


# --- what eujsim writes, eujsim reads back ---------------------------------------------------

NAME_TEXT = st.text(st.characters(codec="utf-8"), min_size=1, max_size=NAME_LIMIT).filter(
    lambda name: name_problem(name) is None
)
"""Any name the rules accept: letters of every script, $, _, emoji, up to the length limit."""


@st.composite
def edge_scenarios(draw):
    """Scenario data at accepted edge values: the ends of the calendar, horizons 1 and 400, extreme seeds."""
    start = draw(st.one_of(st.sampled_from([FIRST_QUARTER, LAST_QUARTER]), st.integers(FIRST_QUARTER, LAST_QUARTER)))
    longest = min(MAX_TIMING_QUARTERS, LAST_QUARTER - start + 1)
    horizon = draw(st.one_of(st.sampled_from([1, longest]), st.integers(1, longest)))
    last = start + horizon - 1
    quarter = st.one_of(st.sampled_from([start, last]), st.integers(start, last))
    timing = st.one_of(st.none(), st.sampled_from([0, MAX_TIMING_QUARTERS]), st.integers(0, MAX_TIMING_QUARTERS))
    shocks = []
    for _ in range(draw(st.integers(0, 3))):
        shock = {
            "kind": draw(st.sampled_from(SHOCK_KINDS)),
            "at": quarter_label(draw(quarter)),
            "magnitude": draw(st.floats(0, 1)),
            "name": draw(st.one_of(st.none(), NAME_TEXT)),
        }
        shock.update({key: value for key in ("ramp", "duration", "decay") if (value := draw(timing)) is not None})
        if draw(st.booleans()):  # a kind of its own
            shock["kind"] = draw(NAME_TEXT)
            target = draw(st.sampled_from(SWEEPABLE))
            shock["effects"] = [{"target": target.path, "op": "set", "value": draw(st.sampled_from(target.bounds))}]
        shocks.append(shock)
    parameter = draw(st.sampled_from(SWEEPABLE))
    return {
        "name": draw(NAME_TEXT),
        "description": draw(st.text(max_size=DESCRIPTION_LIMIT)),
        "start": quarter_label(start),
        "horizon": horizon,
        "seed": draw(st.one_of(st.sampled_from(SEED_RANGE), st.integers(*SEED_RANGE))),
        "replicates": draw(st.one_of(st.sampled_from(REPLICATES_RANGE), st.integers(*REPLICATES_RANGE))),
        "parameters": {parameter.path: draw(st.sampled_from([parameter.low, parameter.high, *parameter.bounds]))},
        "shocks": shocks,
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=edge_scenarios())
def test_a_resolved_scenario_reads_back_equal_to_itself(data):
    """The scenario.yaml a run saves (``Scenario.to_yaml``) validates and resolves to the same scenario."""
    scenario = scenario_from_dict(data)
    again = parse_scenario(parse_yaml(scenario.to_yaml(), "<saved>"), default_name="other")
    assert replace(again, source=None) == replace(scenario, source=None)
    with tempfile.TemporaryDirectory() as folder:
        saved = Path(folder) / "scenario.yaml"
        saved.write_text(scenario.to_yaml(), encoding="utf-8")
        assert replace(load_scenario(saved), source=None) == replace(scenario, source=None)
