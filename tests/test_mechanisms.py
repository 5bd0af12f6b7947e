"""Unit tests of each mechanism: a direction and a bound for each."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.core.mechanisms import activity, commitment, cooperation, spending, threat
from simulator.core.structure import ACTIVITIES, DOMAINS

W = 3
rng = np.random.default_rng(0)


# -- threat perception -----------------------------------------------------------


def test_direct_threat_grows_with_activity_salience_and_power_and_stays_in_unit_interval():
    act = rng.random((W, 3, 5))
    base = threat.direct_threat(np.full((W, 3), 0.5), np.full((W, 3), 0.5), act)
    assert np.all(threat.direct_threat(np.full((W, 3), 0.9), np.full((W, 3), 0.5), act) >= base)
    assert np.all(threat.direct_threat(np.full((W, 3), 0.5), np.full((W, 3), 0.9), act) >= base)
    assert np.all(threat.direct_threat(np.full((W, 3), 0.5), np.full((W, 3), 0.5), np.minimum(act + 0.1, 1)) >= base)
    assert base.min() >= 0 and base.max() <= 1


def test_linkage_carries_threat_only_through_alignment():
    readings = np.zeros((W, 3, 5))
    readings[:, 0, :] = 0.8  # strong reading of challenger 0 only
    alignment = np.zeros((W, 3, 3))
    assert np.all(threat.linked_threat(readings, alignment, np.ones(W)) == 0)
    alignment[:, 1, 0] = alignment[:, 0, 1] = 0.5
    carried = threat.linked_threat(readings, alignment, np.full(W, 0.4))
    np.testing.assert_allclose(carried[:, 1], 0.4 * 0.5 * 0.8)
    assert np.all(carried[:, 2] == 0)


def test_smoothing_moves_partly_toward_target():
    prev, target = np.full((W, 3, 5), 0.2), np.full((W, 3, 5), 0.6)
    new = threat.smooth(prev, target, np.full(W, 0.75))
    np.testing.assert_allclose(new, 0.3)


def test_overall_threat_is_at_least_the_strongest_channel_and_at_most_one():
    channels = rng.random((W, 3, 5))
    overall = threat.overall_threat(channels)
    assert np.all(overall >= channels.max(axis=-1) - 1e-12)
    assert np.all(overall <= 1)
    assert np.all(threat.overall_threat(np.zeros((W, 3, 5))) == 0)


# -- challenger activity ---------------------------------------------------------


def test_pushback_raises_activity_target_with_containment():
    profile = np.full((W, 5), 0.4)
    low = activity.activity_target(profile, np.full(W, 0.3), np.zeros(W))
    high = activity.activity_target(profile, np.full(W, 0.3), np.full(W, 0.8))
    np.testing.assert_allclose(low, 0.4)
    assert np.all(high > low) and high.max() <= 1


def _shares(aim: np.ndarray) -> np.ndarray:
    return aim / aim.sum(axis=2, keepdims=True)


def test_containment_rises_with_western_cooperation_and_is_zero_without_it():
    share = _shares(rng.random((W, len(DOMAINS), 3)))
    none = activity.containment(np.zeros((W, 3, len(DOMAINS))), share)
    some = activity.containment(np.full((W, 3, len(DOMAINS)), 0.3), share)
    more = activity.containment(np.full((W, 3, len(DOMAINS)), 0.5), share)
    assert np.all(none == 0)
    assert np.all(more > some) and more.max() <= 1


def test_containment_reads_the_mean_intensity_when_every_domain_is_aimed_evenly():
    even = np.full((W, len(DOMAINS), 3), 1 / 3)
    coop = rng.random((W, 3, len(DOMAINS)))
    np.testing.assert_allclose(activity.containment(coop, even), np.repeat(coop.mean(axis=(1, 2))[:, None], 3, axis=1))


def test_containment_counts_a_domain_toward_the_challenger_it_is_aimed_at():
    """Cooperation in a domain aimed wholly at one challenger contains that challenger only."""
    share = np.full((W, len(DOMAINS), 3), 1 / 3)
    share[:, 0] = [1.0, 0.0, 0.0]  # e.g. maritime aimed at China alone
    coop = np.full((W, 3, len(DOMAINS)), 0.4)
    before = activity.containment(coop, share)
    coop[:, :, 0] += 0.3
    after = activity.containment(coop, share)
    np.testing.assert_allclose(after[:, 0] - before[:, 0], 3 * 0.3 / len(DOMAINS))
    np.testing.assert_allclose(after[:, 1:], before[:, 1:])
    assert np.all(before[:, 0] > before[:, 1])  # the challenger the domain answers reads more


def test_containment_splits_the_wests_cooperation_among_the_challengers():
    """The readings add up to K times the mean intensity (before saturation): attention is shared."""
    share = _shares(rng.random((W, len(DOMAINS), 3)))
    coop = np.full((W, 3, len(DOMAINS)), 0.25)
    np.testing.assert_allclose(activity.containment(coop, share).sum(axis=1), 3 * 0.25)
    all_at_first = np.zeros((W, len(DOMAINS), 3))
    all_at_first[:, :, 0] = 1.0
    saturated = activity.containment(np.ones((W, 3, len(DOMAINS))), all_at_first)
    np.testing.assert_allclose(saturated, np.tile([1.0, 0.0, 0.0], (W, 1)))  # 3 x 1 saturates at 1


def test_activity_moves_toward_target_and_episodes_push_it_up():
    current, target = np.full((W, 5), 0.2), np.full((W, 5), 0.6)
    args = (np.full(W, 0.5), np.full(W, 0.0), np.full((W, 5), 0.5), np.full(W, 0.3))
    quiet, none = activity.next_activity(current, target, *args, np.zeros((W, 5)), np.ones((W, 5)))
    np.testing.assert_allclose(quiet, 0.4)
    assert not none.any()
    jumped, episodes = activity.next_activity(current, target, *args, np.zeros((W, 5)), np.zeros((W, 5)))
    assert episodes.all() and np.all(jumped > quiet) and jumped.max() <= 1


def test_mean_field_step_adds_the_expected_episode_jump():
    current, target = np.full((W, 5), 0.2), np.full((W, 5), 0.2)
    rate, size = np.full((W, 5), 0.4), np.full(W, 0.3)
    expected, episodes = activity.next_activity(current, target, np.full(W, 0.5), np.zeros(W), rate, size, None, None)
    chance = 0.4 * (0.5 + 0.2)
    np.testing.assert_allclose(expected, 0.2 + chance * 0.3 * 0.8)
    assert not episodes.any()


def test_noise_is_zero_at_the_bounds_and_full_away_from_them():
    moved = np.array([[0.0, 1.0, 0.05, 0.5, 0.97]] * W)
    draws = np.full((W, 5), 1.5)
    noise = activity.activity_noise(moved, np.full(W, 0.05), draws)
    np.testing.assert_allclose(noise[:, :2], 0.0)
    np.testing.assert_allclose(noise[:, 2], 0.05 / activity.NOISE_CUT * 1.5)  # spread shrinks near 0
    np.testing.assert_allclose(noise[:, 3], 0.05 * 1.5)  # full spread in the middle
    np.testing.assert_allclose(noise[:, 4], 0.03 / activity.NOISE_CUT * 1.5)  # and near 1


def test_noise_is_odd_in_its_draw_so_its_mean_is_zero():
    """Opposite draws give opposite noise: over a symmetric distribution the mean move is zero."""
    moved = rng.random((W, 5))
    draws = 3 * rng.standard_normal((W, 5))
    sd = np.full(W, 0.08)
    np.testing.assert_allclose(activity.activity_noise(moved, sd, draws), -activity.activity_noise(moved, sd, -draws))


def test_a_channel_at_zero_stays_at_zero_whatever_the_noise():
    """Noise creates no activity out of nothing: only an episode can lift a channel at 0."""
    zero = np.zeros((W, 5))
    for draws in (np.full((W, 5), 4.0), np.full((W, 5), -4.0), 3 * rng.standard_normal((W, 5))):
        new, episodes = activity.next_activity(
            zero, zero, np.full(W, 0.3), np.full(W, 0.1), np.zeros((W, 5)), np.full(W, 0.25), draws, rng.random((W, 5))
        )
        assert np.all(new == 0) and not episodes.any()


# -- US commitment -----------------------------------------------------------------


def test_burden_shortfall_is_zero_when_allies_meet_the_demand_and_grows_below_it():
    demand = np.full((W, 2), 5.0)
    assert np.all(commitment.burden_shortfall(demand, np.full((W, 2), 5.5)) == 0)
    np.testing.assert_allclose(commitment.burden_shortfall(demand, np.full((W, 2), 2.0)), 0.6)


def test_retrenchment_raises_the_demand_on_europe_only():
    """The push for five per cent is addressed to NATO members; Japan's demand stays at its own."""
    demand = np.stack([np.full(W, 5.0), np.full(W, 2.0)], axis=1)
    np.testing.assert_allclose(commitment.burden_shortfall(demand, np.full((W, 2), 2.0)), [[0.6, 0.0]] * W)


def test_commitment_falls_with_shortfall_and_rises_with_threat():
    baseline = np.full((W, 2), 0.7)
    args = (np.full(W, 0.2), np.full((W, 2), 0.5), np.full(W, 0.4))
    no_gap = commitment.commitment_target(baseline, *args, np.zeros((W, 2)))
    gap = commitment.commitment_target(baseline, *args, np.full((W, 2), 0.6))
    assert np.all(gap < no_gap)
    more_threat = commitment.commitment_target(
        baseline, np.full(W, 0.2), np.full((W, 2), 0.9), np.full(W, 0.4), np.zeros((W, 2))
    )
    assert np.all(more_threat >= no_gap)
    extreme = commitment.commitment_target(
        np.full((W, 2), 1.0), np.full(W, 1.0), np.ones((W, 2)), np.zeros(W), np.zeros((W, 2))
    )
    assert extreme.max() <= 1


# -- defence spending ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "expected"), [(2020.0, 1.0), (2024.5, 1.6), (2026.0, 1.8), (2027.5, 2.0), (2030.0, 2.0)]
)
def test_japan_policy_path_goes_from_1_6_in_2024_to_2_by_2027(year, expected):
    one = np.ones(1)
    path = spending.policy_path(year, 1.0 * one, 2022.96 * one, 1.6 * one, 2024.5 * one, 2.0 * one, 2027.5 * one)
    np.testing.assert_allclose(path, expected)


def test_spending_target_rises_with_fear_is_capped_and_never_below_the_enacted_floor():
    floor, base = np.full(W, 1.6), np.full(W, 1.0)
    calm = spending.spending_target(
        floor, base, np.full(W, 0.4), np.full(W, 0.5), np.full(W, 1.2), np.zeros(W), np.full(W, 3.0)
    )
    afraid = spending.spending_target(
        floor, base, np.full(W, 0.4), np.full(W, 0.5), np.full(W, 1.2), np.ones(W), np.full(W, 3.0)
    )
    np.testing.assert_allclose(calm, 1.6)  # the enacted path binds
    assert np.all(afraid > calm)
    capped = spending.spending_target(
        floor, base, np.full(W, 5.0), np.ones(W), np.full(W, 5.0), np.ones(W), np.full(W, 3.0)
    )
    np.testing.assert_allclose(capped, 3.0)
    assert np.all(spending.next_spending(np.full(W, 1.0), np.full(W, 1.2), np.full(W, 0.1), floor) >= floor)


def test_only_threat_and_fear_beyond_the_readings_the_path_answers_lift_spending_above_it():
    path, cap = np.full(W, 2.0), np.full(W, 3.0)
    tr, hr = np.full(W, 0.4), np.full(W, 1.2)

    def target(threat: float, fear: float) -> np.ndarray:
        return spending.spending_target(
            path, path, tr, np.full(W, threat), hr, np.full(W, fear), cap, reference_threat=0.5, reference_fear=0.2
        )

    np.testing.assert_allclose(target(0.5, 0.2), 2.0)  # the situation the path was decided for: the path
    np.testing.assert_allclose(target(0.3, 0.1), 2.0)  # a calmer one does not cut below it
    np.testing.assert_allclose(target(0.7, 0.2), 2.0 + 0.4 * 0.2)
    np.testing.assert_allclose(target(0.5, 0.45), 2.0 + 1.2 * 0.25)
    np.testing.assert_allclose(target(1.0, 1.0), 3.0)  # the fiscal cap still holds


def test_abandonment_fear_grows_as_commitment_falls():
    reliance = np.full(W, 0.9)
    assert np.all(
        spending.abandonment_fear(reliance, np.full(W, 0.4)) > spending.abandonment_fear(reliance, np.full(W, 0.8))
    )


# -- cooperation --------------------------------------------------------------------


def test_shared_threat_never_exceeds_either_sides_reading():
    mine, theirs = rng.random((W, 3, 5)), rng.random((W, 3, 5))
    shared = cooperation.shared_channel_threat(mine, theirs)
    union = lambda t: 1 - np.prod(1 - t, axis=1)  # noqa: E731
    assert np.all(shared <= union(mine) + 1e-12) and np.all(shared <= union(theirs) + 1e-12)


def test_coercion_threat_calls_most_for_economic_security():
    from simulator.core.parameters import Structure, world_parameters
    from simulator.inputs.calibration import default_calibration

    structure = Structure.from_parameters(world_parameters(default_calibration(), 1), 1)
    shared = np.zeros((1, len(ACTIVITIES)))
    shared[0, ACTIVITIES.index("coercion")] = 0.8
    by_domain = cooperation.threat_by_domain(shared, np.zeros((1, 2)), structure.relevance, structure.risk_relevance)
    assert DOMAINS[int(np.argmax(by_domain[0]))] == "economic_security"


def _realise(coop, first, second, agreement=0.0, floor=0.0):
    shape = coop.shape
    return cooperation.realise(
        coop,
        first,
        second,
        np.full(shape[0], 0.12),
        np.full(shape[0], 0.06),
        np.full(shape[:2], agreement),
        np.full(shape[0], 0.5),
        np.full(shape, floor),
    )


def test_realised_cooperation_moves_toward_the_lower_desire():
    coop = np.full((W, 1, 2), 0.3)
    result = _realise(coop, np.full((W, 1, 2), 0.9), np.full((W, 1, 2), 0.5))
    np.testing.assert_allclose(result.coop, 0.3 + 0.12 * (0.5 - 0.3))
    assert not result.first_binds.any()


def test_agreements_slow_decay_and_hold_a_floor():
    coop = np.full((W, 1, 2), 0.6)
    low = np.full((W, 1, 2), 0.1)
    bare = _realise(coop, low, low).coop
    backed = _realise(coop, low, low, agreement=1.0).coop
    assert np.all(backed > bare)
    floored = _realise(coop, low, low, floor=0.58).coop
    np.testing.assert_allclose(floored, 0.58)


def test_rises_and_falls_use_their_own_rates():
    """A rise closes coop_rise_rate of the gap; a fall without agreements closes coop_decay_rate."""
    coop = np.full((W, 1, 2), 0.5)
    up = _realise(coop, np.full((W, 1, 2), 0.9), np.full((W, 1, 2), 0.9)).coop
    down = _realise(coop, np.full((W, 1, 2), 0.1), np.full((W, 1, 2), 0.1)).coop
    np.testing.assert_allclose(up, 0.5 + 0.12 * 0.4)
    np.testing.assert_allclose(down, 0.5 - 0.06 * 0.4)


def test_attribution_sums_exactly_to_the_change():
    coop = rng.random((W, 1, 4)) * 0.8
    terms_a, terms_b = rng.normal(0, 0.3, (W, 8, 4)), rng.normal(0, 0.3, (W, 8, 4))
    intercept = np.full(W, -0.05)
    desire_a = np.clip(intercept[:, None] + terms_a.sum(axis=1), 0, 1)[:, None]
    desire_b = np.clip(intercept[:, None] + terms_b.sum(axis=1), 0, 1)[:, None]
    result = _realise(coop, desire_a, desire_b, agreement=0.6, floor=0.2)
    parts = cooperation.attribute(coop[:, 0], terms_a, terms_b, intercept, result, 0)
    np.testing.assert_allclose(parts.sum(axis=1), result.coop[:, 0] - coop[:, 0], atol=1e-12)
