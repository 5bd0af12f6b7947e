"""The challengers' side on real runs: activity noise, containment per challenger, alignment.

Noise must spread the worlds without moving their mean, containment must tell the challengers
apart by the cooperation aimed at each (docs/ODD.md §7.2), and the challengers' alignment must
answer the containment they share (§7.8). The unit tests of the formulas are in
``test_mechanisms.py``; these check that the mechanisms act in the calibrated model.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.core.context import Context
from simulator.core.mechanisms import activity
from simulator.core.model import StrategicModel
from simulator.core.structure import ACTIVITIES, CHALLENGERS, DOMAINS, PAIRS, WESTERN_PAIRS
from simulator.runs.results import RunResult
from simulator.runs.runner import resolve, simulate

from .conftest import SCENARIOS

REPLICATES = 40
CRISIS = slice(6, 21)
"""Steps 6–20: the shocks of the shipped scenarios (onset 2025Q2) are at or near full effect."""


@cache
def _run(name: str, ablate: frozenset[str] = frozenset()) -> RunResult:
    return simulate(resolve(SCENARIOS / f"{name}.yaml", replicates=REPLICATES), keep_details=False, ablate=ablate)


def _effect(name: str, column: str, ablate: frozenset[str] = frozenset()) -> np.ndarray:
    """(steps,) mean over replicates of scenario − baseline, paired by replicate."""
    return (_run(name, ablate).series(column) - _run("baseline", ablate).series(column)).mean(axis=1)


# -- activity noise ------------------------------------------------------------------


unit = st.floats(0.0, 1.0)


@settings(max_examples=200, deadline=None)
@given(
    current=st.lists(unit, min_size=5, max_size=5),
    target=st.lists(unit, min_size=5, max_size=5),
    normal=st.lists(st.floats(-50.0, 50.0), min_size=5, max_size=5),
    uniform=st.lists(st.floats(0.0, 1.0, exclude_max=True), min_size=5, max_size=5),
    rate=st.lists(unit, min_size=5, max_size=5),
    adjust=unit,
    sd=unit,
    size=unit,
)
def test_activity_stays_in_the_unit_interval_for_any_draws(current, target, normal, uniform, rate, adjust, sd, size):
    """Bounds hold by construction, not by clipping: the noise never reaches past 0 or 1."""
    moved = np.clip(np.array([current]) + adjust * (np.array([target]) - np.array([current])), 0, 1)
    noise = activity.activity_noise(moved, np.array([sd]), np.array([normal]))
    assert np.all(moved + noise >= -1e-12) and np.all(moved + noise <= 1 + 1e-12)
    new, _ = activity.next_activity(
        np.array([current]),
        np.array([target]),
        np.array([adjust]),
        np.array([sd]),
        np.array([rate]),
        np.array([size]),
        np.array([normal]),
        np.array([uniform]),
    )
    assert np.all((new >= 0) & (new <= 1))


@settings(max_examples=200, deadline=None)
@given(
    current=st.lists(unit, min_size=5, max_size=5),
    target=st.lists(unit, min_size=5, max_size=5),
    normal=st.lists(st.floats(-50.0, 50.0), min_size=5, max_size=5),
    adjust=unit,
    sd=unit,
)
def test_noise_has_zero_mean_drift_without_episodes(current, target, normal, adjust, sd):
    """Without episodes, a draw and its opposite average to the deterministic step exactly.

    Every symmetric noise distribution is a mixture of such pairs, so the expected next
    activity is the deterministic one: noise adds spread, never drift, and a channel at zero
    assertiveness stays at zero.
    """
    args = (np.array([current]), np.array([target]), np.array([adjust]), np.array([sd]), np.zeros((1, 5)))
    size, draws = np.array([0.25]), np.array([normal])
    plain, _ = activity.next_activity(*args, size, None, None)
    up, _ = activity.next_activity(*args, size, draws, np.ones((1, 5)))
    down, _ = activity.next_activity(*args, size, -draws, np.ones((1, 5)))
    np.testing.assert_allclose((up + down) / 2, plain, atol=1e-12)
    if not any(current) and not any(target):
        assert np.all(up == 0) and np.all(down == 0)


def test_north_koreas_coercion_stays_at_zero_in_every_world():
    """PRK has no coercion (assertiveness 0, no episodes): noise alone creates none."""
    coercion = _run("baseline").series("activity_PRK_coercion")
    assert np.all(coercion == 0)


def test_noise_spreads_the_worlds_and_leaves_the_mean_in_place():
    """With episodes and crises off, noise is the only randomness: it makes the worlds differ,
    and each channel's mean over worlds and quarters stays within sampling error of the
    noiseless path (the clipped Gaussian it replaces lifted North Korea's coercion by 0.04 and
    China's missile activity by 0.012)."""
    quiet = frozenset({"episodes", "domestic_crises"})
    noisy, still = _run("baseline", quiet), _run("baseline", quiet | {"activity_noise"})
    for challenger in CHALLENGERS:
        for channel in ACTIVITIES:
            column = f"activity_{challenger}_{channel}"
            with_noise, without = noisy.series(column)[1:], still.series(column)[1:]
            assert abs(with_noise.mean() - without.mean()) < 0.008, column
            if without.mean() > 0.1:
                assert with_noise[-1].std() > 10 * max(without[-1].std(), 1e-4), column


# -- containment -----------------------------------------------------------------------


def _context_with(extra: dict[str, float]) -> Context:
    """The baseline's step-0 reading, with ``extra`` added to every western pair in those domains."""
    model = StrategicModel(resolve(SCENARIOS / "baseline.yaml", replicates=2))
    state = model.state.copy()
    for domain, amount in extra.items():
        for pair in WESTERN_PAIRS:
            state.coop[:, PAIRS.index(pair), DOMAINS.index(domain)] += amount
    return Context.read(state, model.structure, model.params)


def test_each_challenger_is_contained_chiefly_by_the_cooperation_aimed_at_it():
    """Maritime and economic-security cooperation contain China; non-proliferation contains
    North Korea; defence-industrial cooperation contains Russia (the war)."""
    base = _context_with({}).containment[0]
    china = _context_with({"maritime": 0.1, "economic_security": 0.1}).containment[0] - base
    dprk = _context_with({"non_proliferation": 0.1}).containment[0] - base
    russia = _context_with({"defence_industry": 0.1}).containment[0] - base
    chn, rus, prk = (CHALLENGERS.index(c) for c in CHALLENGERS)
    assert china[chn] > 3 * china[prk] and china[chn] > china[rus]
    assert dprk[prk] > 3 * dprk[chn] and dprk[prk] > 2 * dprk[rus]
    assert russia[rus] > russia[chn] and russia[rus] > russia[prk]


def test_containment_differs_between_challengers_in_the_baseline():
    result = _run("baseline")
    readings = {c: result.series(f"containment_{c}")[1:].mean() for c in CHALLENGERS}
    assert min(abs(readings[a] - readings[b]) for a in CHALLENGERS for b in CHALLENGERS if a < b) > 0.05


def test_a_crisis_turns_the_wests_containment_toward_the_challenger_behind_it():
    """Paired with the baseline during each crisis: the challenger whose activity the shock
    raises reads more containment, the others less or little more."""
    taiwan = {c: _effect("taiwan_strait_crisis", f"containment_{c}")[CRISIS].mean() for c in CHALLENGERS}
    assert taiwan["CHN"] > 0.05 and taiwan["RUS"] < 0 and taiwan["PRK"] < 0
    russia = {c: _effect("russia_escalation", f"containment_{c}")[CRISIS].mean() for c in CHALLENGERS}
    assert russia["RUS"] > 0.05 and russia["CHN"] < 0 and russia["PRK"] < 0
    axis = {c: _effect("russia_dprk_axis", f"containment_{c}")[CRISIS].mean() for c in CHALLENGERS}
    assert axis["PRK"] > 0.03 and axis["PRK"] > axis["RUS"] and axis["PRK"] > axis["CHN"]


# -- challenger alignment ----------------------------------------------------------------


def test_china_russia_alignment_answers_the_containment_they_share():
    """A Taiwan crisis raises the containment China reads, and with it China–Russia
    cooperation; US retrenchment loosens western cooperation, and the alignment with it. With the
    alignment term off, neither moves the pair."""
    off = frozenset({"challenger_alignment"})
    assert _effect("taiwan_strait_crisis", "coop_CHN_RUS").max() > 0.008
    assert _effect("us_retrenchment", "coop_CHN_RUS")[-1] < -0.004
    for scenario in ("taiwan_strait_crisis", "us_retrenchment"):
        assert np.abs(_effect(scenario, "coop_CHN_RUS", off)).max() < 1e-9


def test_the_russia_dprk_axis_moves_their_pair_and_the_alignment_term_adds_to_it():
    """The troop and arms flows raise Russia–North Korea cooperation (the shock's values and
    agreement); North Korea's larger military role draws western cooperation toward it, and the
    shared containment adds to the pair's rise."""
    full = _effect("russia_dprk_axis", "coop_RUS_PRK")[-1]
    without = _effect("russia_dprk_axis", "coop_RUS_PRK", frozenset({"challenger_alignment"}))[-1]
    assert full > 0.08
    assert full - without > 0.005
