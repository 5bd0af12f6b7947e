"""Property tests: any parameters within their ranges keep every output in range and finite."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator import default_calibration, default_library
from simulator.runner import simulate
from simulator.shocks import shock_strength

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
    from simulator.structure import DOMAINS

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
