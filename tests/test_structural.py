"""Structural options (docs/ODD.md §7.15): settlement, threat aggregation and desire form.

Each option is a parameter of unit ``share``; 0 is the calibrated structure and must give the
model's numbers exactly, 1 the alternative, and values between a blend. The tests check each
alternative's defining property, its bounds, that the driver attribution stays exact, that a
world's option never leaks into another world, and the structural evaluation of the patterns
on a small design.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from simulator import StrategicModel, default_calibration
from simulator.core.context import Context
from simulator.core.mechanisms import cooperation, threat
from simulator.core.mechanisms.cooperation import CONSTRAINT_TERMS
from simulator.core.state import N_TERMS
from simulator.core.structure import DOMAINS, MECHANISMS
from simulator.evaluation.explain import explain
from simulator.evaluation.structural import (
    CALIBRATED,
    STRUCTURAL_OPTIONS,
    markdown,
    pass_matrix,
    structural_table,
    variants,
)
from simulator.evaluation.validation import BY_CODE, RunCache
from simulator.runs.runner import simulate

from .conftest import SCENARIOS, make_scenario
from .test_invariance import SHOCKED, trajectory

OPTIONS = tuple(STRUCTURAL_OPTIONS.values())
CONSTRAINT = np.array([m in CONSTRAINT_TERMS for m in MECHANISMS[:N_TERMS]])
W = 4
rng = np.random.default_rng(11)


def signed_terms(shape: tuple[int, ...], scale: float = 0.3) -> np.ndarray:
    """Random desire terms (W, 8, ...) with the model's signs: drivers >= 0, constraint-type terms <= 0."""
    magnitude = rng.random((shape[0], N_TERMS, *shape[1:])) * scale
    sign = np.where(CONSTRAINT, -1.0, 1.0).reshape((1, N_TERMS) + (1,) * (len(shape) - 1))
    return sign * magnitude


# -- the calibration ---------------------------------------------------------------


@pytest.mark.parametrize("path", OPTIONS)
def test_each_option_is_a_share_whose_calibrated_value_is_the_calibrated_structure(path):
    param = default_calibration()[path]
    assert (param.value, param.low, param.high, param.unit, param.bounds) == (0.0, 0.0, 1.0, "share", (0.0, 1.0))
    assert param.source is None and "calibrated structure" in param.assumption
    assert "§7.15" in param.assumption


# -- settlement ----------------------------------------------------------------------


def _realise(coop, first, second, mean_share):
    shape = coop.shape
    return cooperation.realise(
        coop,
        first,
        second,
        np.full(shape[0], 0.12),
        np.full(shape[0], 0.06),
        np.full(shape[:2], 0.6),
        np.full(shape[0], 0.5),
        np.full(shape, 0.0),
        mean_share,
    )


def test_a_mean_settlement_moves_toward_the_average_and_a_blend_in_between():
    coop = np.full((3, 1, 2), 0.3)
    first, second = np.full((3, 1, 2), 0.9), np.full((3, 1, 2), 0.5)
    result = _realise(coop, first, second, np.array([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(result.target[:, 0, 0], [0.5, 0.6, 0.7])
    np.testing.assert_allclose(result.coop[:, 0, 0], 0.3 + 0.12 * (np.array([0.5, 0.6, 0.7]) - 0.3))
    np.testing.assert_allclose(result.first_weight[:, 0, 0], [0.0, 0.25, 0.5])
    assert not result.first_binds.any(), "the lower side is still named, whatever the settlement"


def test_the_lower_desire_settlement_is_the_original_arithmetic_exactly():
    coop = rng.random((W, 3, 5))
    first, second = rng.random((W, 3, 5)), rng.random((W, 3, 5))
    none = _realise(coop, first, second, None)
    zero = _realise(coop, first, second, np.zeros(W))
    for field in ("coop", "target", "rate", "floor_lift", "first_weight"):
        assert getattr(none, field).tobytes() == getattr(zero, field).tobytes(), field
    np.testing.assert_array_equal(zero.target, np.minimum(first, second))


@pytest.mark.parametrize("share", [0.0, 0.3, 1.0])
def test_attribution_reads_both_sides_in_the_proportions_of_the_target(share):
    """Contributions sum to the change; with unclipped desires the terms carry all of it but inertia."""
    coop = rng.random((W, 1, 4)) * 0.5
    terms_a, terms_b = signed_terms((W, 4), 0.2), signed_terms((W, 4), 0.2)
    intercept = np.full(W, 0.3)
    desire_a = np.clip(intercept[:, None] + terms_a.sum(axis=1), 0, 1)[:, None]
    desire_b = np.clip(intercept[:, None] + terms_b.sum(axis=1), 0, 1)[:, None]
    result = _realise(coop, desire_a, desire_b, np.full(W, share))
    parts = cooperation.attribute(coop[:, 0], terms_a, terms_b, intercept, result, 0)
    np.testing.assert_allclose(parts.sum(axis=1), result.coop[:, 0] - coop[:, 0], atol=1e-12)
    weight = result.first_weight[:, 0][:, None, :]
    r0 = result.base_rate[:, 0][:, None, :]
    np.testing.assert_allclose(parts[:, :N_TERMS], r0 * (weight * terms_a + (1 - weight) * terms_b), atol=1e-12)


# -- threat aggregation --------------------------------------------------------------


def test_the_union_is_at_least_the_largest_channel_and_the_blend_lies_between():
    channels = rng.random((3, 3, 5))
    shares = np.array([0.0, 0.5, 1.0])
    overall = threat.overall_threat(channels, shares)
    strongest = channels.max(axis=-1)
    union = 1.0 - np.prod(1.0 - channels, axis=-1)
    np.testing.assert_array_equal(overall[0], strongest[0])
    np.testing.assert_allclose(overall[1], 0.5 * (strongest[1] + union[1]))
    np.testing.assert_allclose(overall[2], union[2])
    assert np.all(union >= strongest - 1e-15) and np.all(union <= 1.0)


def test_with_a_single_active_channel_union_and_maximum_agree():
    channels = np.zeros((2, 3, 5))
    channels[:, :, 2] = 0.7
    np.testing.assert_allclose(threat.overall_threat(channels, np.ones(2)), 0.7)


@settings(max_examples=60, deadline=None)
@given(
    channels=hnp.arrays(float, (2, 3, 5), elements=st.floats(0, 1)),
    share=st.floats(0, 1),
)
def test_the_overall_reading_stays_in_the_unit_interval_and_grows_with_the_share(channels, share):
    low = threat.overall_threat(channels, np.full(2, share))
    high = threat.overall_threat(channels, np.full(2, min(1.0, share + 0.1)))
    assert np.all((low >= 0) & (low <= 1))
    assert np.all(high >= low - 1e-12)


# -- desire form ---------------------------------------------------------------------


def test_without_constraints_the_multiplicative_desire_equals_the_additive():
    terms = np.abs(signed_terms((W, 6, 9)))
    terms[:, CONSTRAINT] = 0.0
    intercept = np.full(W, -0.05)
    additive, same = cooperation.desire(intercept, terms, np.zeros(W))
    product, effective = cooperation.desire(intercept, terms, np.ones(W))
    np.testing.assert_allclose(product, additive, atol=1e-15)
    np.testing.assert_allclose(effective, terms, atol=1e-15)
    assert same is terms, "the calibrated form passes the terms through untouched"


def test_a_constraint_removes_its_share_of_the_drivers():
    terms = np.zeros((1, N_TERMS, 2))
    terms[:, MECHANISMS.index("common_threat")] = [[0.6, 0.3]]
    terms[:, MECHANISMS.index("constraints")] = -0.25
    product, effective = cooperation.multiplicative_desire(np.zeros((1, 1)), terms)
    np.testing.assert_allclose(product, [[0.45, 0.225]])  # (0.6, 0.3) x (1 - 0.25)
    np.testing.assert_allclose(effective[:, MECHANISMS.index("constraints")], [[-0.15, -0.075]])
    additive, _ = cooperation.desire(np.zeros(1), terms, np.zeros(1))
    np.testing.assert_allclose(additive, [[0.35, 0.05]])  # the same constraint as a fixed cost


def test_constraints_compound_and_share_what_they_remove_by_magnitude():
    terms = np.zeros((1, N_TERMS, 1))
    terms[:, MECHANISMS.index("values")] = 0.8
    terms[:, MECHANISMS.index("constraints")] = -0.5
    terms[:, MECHANISMS.index("exposure")] = -0.25
    product, effective = cooperation.multiplicative_desire(np.zeros((1, 1)), terms)
    np.testing.assert_allclose(product, 0.8 * 0.5 * 0.75)
    removed = 0.8 - 0.3
    np.testing.assert_allclose(effective[0, MECHANISMS.index("constraints"), 0], -removed * 2 / 3)
    np.testing.assert_allclose(effective[0, MECHANISMS.index("exposure"), 0], -removed / 3)


@settings(max_examples=80, deadline=None)
@given(
    magnitudes=hnp.arrays(float, (2, N_TERMS, 3), elements=st.floats(0, 3)),
    intercept=st.floats(-1, 1),
    share=st.floats(0, 1),
)
def test_desire_stays_in_bounds_and_its_terms_add_up_under_any_blend(magnitudes, intercept, share):
    terms = np.where(CONSTRAINT[None, :, None], -magnitudes, magnitudes)
    base = np.full(2, intercept)
    shares = np.full(2, share)
    blended, read = cooperation.desire(base, terms, shares)
    assert np.all((blended >= 0) & (blended <= 1))
    additive_unclipped = intercept + terms.sum(axis=1)
    drivers = intercept + terms[:, ~CONSTRAINT].sum(axis=1)
    kept = np.prod(1.0 - np.clip(magnitudes[:, CONSTRAINT], 0, 1), axis=1)
    product_unclipped = np.where(drivers > 0, drivers * kept, drivers)
    expected = additive_unclipped if share == 0 else (1 - share) * additive_unclipped + share * product_unclipped
    np.testing.assert_allclose(intercept + read.sum(axis=1), expected, atol=1e-9)
    product, _ = cooperation.multiplicative_desire(np.full((2, 1), intercept), terms)
    assert np.all((product >= 0) & (product <= 1))
    if intercept + magnitudes[:, ~CONSTRAINT].sum(axis=1).max() <= 1.0:
        # while the drivers stay within the index, a constraint costs no more than as a fixed cost
        additive = np.clip(additive_unclipped, 0, 1)
        assert np.all(product >= additive - 1e-12)


# -- the model -----------------------------------------------------------------------


@pytest.mark.parametrize("path", OPTIONS)
def test_option_zero_is_the_calibrated_model_to_the_last_bit(path):
    scenario = make_scenario(**SHOCKED)
    plain, plain_drivers = trajectory(StrategicModel(scenario))
    zero, zero_drivers = trajectory(StrategicModel(scenario, overrides={path: 0.0}))
    assert plain.tobytes() == zero.tobytes() and plain_drivers.tobytes() == zero_drivers.tobytes()


@pytest.mark.parametrize("path", OPTIONS)
def test_a_worlds_option_never_reaches_another_world(path):
    scenario = make_scenario(**SHOCKED)
    shares = np.array([0.0, 1.0, 0.4])
    batch, drivers = trajectory(StrategicModel(scenario, replicates=np.array([2, 2, 2]), overrides={path: shares}))
    for w, share in enumerate(shares):
        alone, alone_drivers = trajectory(
            StrategicModel(scenario, replicates=np.array([2]), overrides={path: float(share)})
        )
        np.testing.assert_array_equal(batch[:, :, w], alone[:, :, 0])
        np.testing.assert_array_equal(drivers[:, w], alone_drivers[:, 0])
    assert not np.array_equal(batch[:, :, 0], batch[:, :, 1]), "the option changes the world"


@pytest.mark.parametrize("path", OPTIONS)
def test_each_option_is_deterministic_bounded_and_attributed_exactly(path):
    scenario = make_scenario(horizon=10, replicates=3, parameters={path: 1.0}, **SHOCKED)
    one, two = simulate(scenario), simulate(scenario)
    np.testing.assert_array_equal(one.values, two.values)
    np.testing.assert_array_equal(one.drivers, two.drivers)
    for name in one.columns:
        if name.startswith(("coop_", "threat_", "desire_", "containment_", "activity_")):
            assert one.series(name).min() >= 0 and one.series(name).max() <= 1, name
    change = np.diff(np.stack([one.series(f"coop_EU_JPN_{d}") for d in DOMAINS], axis=-1), axis=0)
    np.testing.assert_allclose(one.drivers[1:].sum(axis=2), change, atol=1e-12)


def test_the_recorded_threat_is_the_reading_the_agents_act_on():
    scenario = make_scenario(horizon=4, replicates=2, parameters={"model.threat_union_share": 1.0})
    model = StrategicModel(scenario)
    model.run()
    union = 1.0 - np.prod(1.0 - model.state.threat, axis=-1)
    np.testing.assert_allclose(model.state.overall_threat, union, atol=1e-15)
    shared = Context.read(model.state, model.structure, model.params)
    np.testing.assert_array_equal(shared.overall_threat, model.state.overall_threat)
    result = simulate(scenario)
    np.testing.assert_allclose(result.series("threat_JPN_CHN")[-1], union[:, 1, 0], atol=1e-15)


@pytest.mark.parametrize("path", OPTIONS)
def test_the_explanation_of_a_run_still_adds_up_under_each_option(path):
    shocks = [{"kind": "us_retrenchment", "at": "2025Q2"}]
    explanation = explain(simulate(make_scenario(horizon=8, replicates=2, parameters={path: 1.0}, shocks=shocks)))
    np.testing.assert_allclose(explanation.parts.sum(axis=2), explanation.change, atol=1e-12)


def test_the_options_move_the_model_the_way_their_readings_say():
    """Mean settlement and the multiplicative desire raise cooperation; the union raises threat."""
    base = simulate(make_scenario(horizon=4, replicates=2))
    runs = {path: simulate(make_scenario(horizon=4, replicates=2, parameters={path: 1.0})) for path in OPTIONS}
    assert np.all(runs["model.settlement_mean_share"].series("coop_EU_JPN") > base.series("coop_EU_JPN"))
    assert np.all(runs["model.desire_multiplicative_share"].series("coop_EU_JPN") > base.series("coop_EU_JPN"))
    assert np.all(runs["model.threat_union_share"].series("threat_JPN_CHN") > base.series("threat_JPN_CHN"))


# -- the structural evaluation of the patterns ---------------------------------------


def test_each_variant_switches_on_one_option_and_names_the_others():
    table = variants()
    assert list(table) == [CALIBRATED, *STRUCTURAL_OPTIONS]
    assert set(table[CALIBRATED].values()) == {0.0}
    for name, path in STRUCTURAL_OPTIONS.items():
        assert table[name] == {p: float(p == path) for p in OPTIONS}
    assert CALIBRATED not in variants(include_calibrated=False)


@pytest.fixture(scope="module")
def small_table():
    """Three patterns, every variant, three replicates."""
    return structural_table([BY_CODE["P3"], BY_CODE["P5"], BY_CODE["P8"]], folder=SCENARIOS, replicates=3)


def test_the_table_has_a_row_per_variant_and_check(small_table):
    assert list(small_table.columns) == [
        "pattern",
        "check",
        "variant",
        "effect",
        "low",
        "high",
        "direction",
        "passed",
        "substantive",
    ]
    assert not (small_table["substantive"] & ~small_table["passed"]).any(), "beyond the threshold implies clear"
    assert len(small_table) == 4 * (1 + 3 + 2)
    assert list(dict.fromkeys(small_table["variant"])) == [CALIBRATED, *STRUCTURAL_OPTIONS]
    assert (small_table["low"] <= small_table["effect"]).all() and (small_table["effect"] <= small_table["high"]).all()
    margin = np.where(small_table["direction"] > 0, small_table["low"], -small_table["high"])
    np.testing.assert_array_equal(small_table["passed"], margin > 0)
    matrix = pass_matrix(small_table)
    assert matrix.shape == (6, 4) and list(matrix.columns) == [CALIBRATED, *STRUCTURAL_OPTIONS]
    assert len(markdown(small_table).splitlines()) == 2 + len(small_table)


def test_the_calibrated_variant_is_the_validation_itself(small_table):
    runs = RunCache(SCENARIOS, 3)
    for code in ("P3", "P5", "P8"):
        checks = BY_CODE[code].evaluate(runs).checks
        rows = small_table[(small_table["variant"] == CALIBRATED) & (small_table["pattern"] == code)]
        assert list(rows["check"]) == [c.claim for c in checks]
        assert list(rows["effect"]) == [c.estimate.value for c in checks]
        assert list(rows["passed"]) == [c.passed for c in checks]


def test_the_table_is_the_same_each_time(small_table):
    again = structural_table([BY_CODE["P3"], BY_CODE["P5"], BY_CODE["P8"]], folder=SCENARIOS, replicates=3)
    assert again.equals(small_table)
