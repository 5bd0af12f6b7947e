"""Ablation switches: each bypasses what it names and nothing else; none changes the default model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from simulator.core.ablation import SWITCHES, Switch, check_ablation
from simulator.core.agents import TERM
from simulator.core.mechanisms.threat import direct_threat
from simulator.core.model import StrategicModel
from simulator.core.structure import ACTORS, CHALLENGERS, OBSERVERS, PAIRS
from simulator.inputs.calibration import default_calibration
from simulator.runs.results import RunResult
from simulator.runs.runner import simulate

from .conftest import ROOT, make_scenario


def _paths(*patterns: tuple[str, str]) -> list[str]:
    """Calibrated parameter paths that start with one prefix and end with the other."""
    keys = list(default_calibration().keys())
    return [k for k in keys for head, tail in patterns if k.startswith(head) and k.endswith(tail)]


def _zero(*paths: str) -> dict[str, float]:
    return dict.fromkeys(paths, 0.0)


EQUIVALENT: dict[Switch, dict[str, float]] = {
    Switch.PUSHBACK: _zero(*(f"{k}.pushback" for k in CHALLENGERS)),
    Switch.ACTIVITY_NOISE: _zero("model.activity_noise"),
    Switch.EPISODES: _zero(*(p for k in CHALLENGERS for p in _paths((f"{k}.episode_rate_", "")))),
    Switch.THREAT_LINKAGE: _zero(*(f"{o}.linkage" for o in OBSERVERS)),
    Switch.THREAT_SMOOTHING: _zero("model.threat_memory"),
    Switch.COMMITMENT_THREAT: _zero("USA.threat_response"),
    Switch.SPENDING_THREAT: _zero("EU.threat_response", "JPN.threat_response"),
    Switch.SPENDING_HEDGING: _zero("EU.hedge_response", "JPN.hedge_response"),
    Switch.DOMESTIC_CRISES: _zero("EU.crisis_rate", "JPN.crisis_rate"),
    Switch.COMMON_THREAT: _zero("model.weight_common_threat"),
    Switch.ABANDONMENT_FEAR: _zero("model.weight_abandonment"),
    Switch.ALLIANCE_PULL: _zero("model.weight_alliance"),
    Switch.VALUES: _zero("model.weight_values"),
    Switch.CAPABILITY: _zero("model.weight_capability"),
    Switch.CONSTRAINTS: _zero("model.weight_constraint"),
    Switch.ENTRAPMENT: _zero("EU.entrapment_aversion", "JPN.entrapment_aversion"),
    Switch.EXPOSURE: _zero("model.weight_exposure"),
    Switch.DEFERENCE: _zero("model.weight_deference"),
    Switch.RIVALRY: _zero("model.weight_rivalry"),
    Switch.CHALLENGER_ALIGNMENT: _zero("model.weight_challenger_alignment"),
    Switch.AGREEMENT_BRAKE: _zero("model.agreement_brake"),
    Switch.COOP_INERTIA: {"model.coop_rise_rate": 1.0, "model.coop_decay_rate": 1.0},
}
"""The parameter settings the ODD says are exactly equivalent to a switch (in a scenario without shocks)."""


def _run(ablate: frozenset[str] = frozenset(), **fields: object) -> RunResult:
    return simulate(make_scenario(**fields), ablate=ablate)


def _same(a: RunResult, b: RunResult) -> bool:
    return np.array_equal(a.values, b.values) and np.array_equal(a.drivers, b.drivers)


def test_no_switch_is_the_default_model() -> None:
    scenario = make_scenario(
        horizon=12, shocks=[{"kind": "us_retrenchment", "at": "2025Q3"}, {"kind": "dprk_provocation", "at": "2025Q2"}]
    )
    assert _same(simulate(scenario), simulate(scenario, ablate=frozenset()))


def test_unknown_switch_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown ablation switch 'pushbak'"):
        check_ablation(["pushbak"])
    assert check_ablation(["pushback"]) == {Switch.PUSHBACK}


def test_every_switch_is_documented_in_the_odd() -> None:
    odd = (ROOT / "docs" / "ODD.md").read_text(encoding="utf-8")
    section = odd[odd.index("Ablation switches") :]
    assert all(f"| `{s.value}` | {SWITCHES[s].section} |" in section for s in Switch)


@pytest.mark.parametrize("switch", list(EQUIVALENT), ids=str)
def test_switch_equals_its_parameter_setting(switch: Switch) -> None:
    """Where the ODD names an equivalent parameter setting, the runs agree exactly, and differ from the full model."""
    ablated = _run(frozenset({switch}))
    assert _same(ablated, _run(parameters=EQUIVALENT[switch]))
    assert not _same(ablated, _run())


def test_every_switch_changes_the_baseline_or_is_known_not_to() -> None:
    full = _run()
    inert = {s for s in Switch if _same(_run(frozenset({s})), full)}
    assert inert == {Switch.FISCAL_CAP}  # no partner reaches its fiscal cap in the calibrated world


def test_threat_activity_reads_assertiveness_not_activity() -> None:
    model = StrategicModel(
        make_scenario(), ablate=frozenset({Switch.THREAT_ACTIVITY, Switch.THREAT_LINKAGE, Switch.THREAT_SMOOTHING})
    )
    model.run()
    s = model.structure
    for o in range(len(OBSERVERS)):
        assert np.allclose(model.state.threat[:, o], direct_threat(s.salience[:, o], s.power, s.assertiveness))
    assert not np.allclose(model.state.activity, s.assertiveness)  # activity itself still moves


def test_commitment_adjustment_freezes_commitment_after_spin_up() -> None:
    shock = [{"kind": "us_retrenchment", "at": "2025Q1"}]
    frozen = _run(frozenset({Switch.COMMITMENT_ADJUSTMENT}), shocks=shock)
    moving = _run(shocks=shock)
    for theatre in ("europe", "indo_pacific"):
        series = frozen.series(f"us_commitment_{theatre}")
        assert np.array_equal(series, np.broadcast_to(series[0], series.shape))
        assert np.array_equal(series[0], moving.series(f"us_commitment_{theatre}")[0])  # same spin-up
    assert not np.allclose(moving.series("us_commitment_europe")[-1], moving.series("us_commitment_europe")[0])


def test_commitment_burden_is_the_commitment_half_of_burden_sensitivity() -> None:
    """With the friction term gone too, ignoring the shortfall is burden_sensitivity = 0."""
    both = frozenset({Switch.COMMITMENT_BURDEN, Switch.CONSTRAINTS})
    assert _same(_run(both), _run(frozenset({Switch.CONSTRAINTS}), parameters={"USA.burden_sensitivity": 0.0}))


def test_spending_floor_lets_japan_fall_below_its_path() -> None:
    full, ablated = _run(), _run(frozenset({Switch.SPENDING_FLOOR}))
    assert (ablated.series("spending_JPN") < full.series("spending_JPN") - 0.1).all()


def test_fiscal_cap_switch_lifts_spending_above_a_binding_cap() -> None:
    capped = {"EU.fiscal_cap": 1.0}
    held = _run(parameters=capped).series("spending_EU")[-1]
    free = _run(frozenset({Switch.FISCAL_CAP}), parameters=capped).series("spending_EU")[-1]
    assert (held < 1.01).all()  # moving down onto the cap (the spin-up does not quite reach it)
    assert (free > held + 0.1).all()


@pytest.mark.parametrize(("switches", "independent"), [({Switch.INSTABILITY_IN_DESIRE}, True), (set(), False)])
def test_instability_switch_cuts_stability_out_of_cooperation(switches: set[Switch], independent: bool) -> None:
    """Stability reaches cooperation only through κ: with that part cut, its level is irrelevant."""
    runs = [
        _run(frozenset(switches), parameters={"EU.stability": level, "JPN.stability": level}) for level in (0.5, 1.0)
    ]
    coop = [np.stack([r.series(f"coop_{p}") for p in PAIRS]) for r in runs]
    assert np.array_equal(coop[0], coop[1]) is independent


def test_instability_in_desire_removes_exactly_one_minus_stability_times_hardness() -> None:
    model = StrategicModel(make_scenario(parameters={"JPN.stability": 0.6}))
    japan, eu = model.actors["JPN"], ACTORS.index("EU")
    full = japan.desire_terms()[:, TERM["constraints"], eu]
    model.ablate = frozenset({Switch.INSTABILITY_IN_DESIRE})
    ablated = japan.desire_terms()[:, TERM["constraints"], eu]
    weight = model.params["model.weight_constraint"][:, None]
    hardness = model.structure.hardness
    assert np.allclose(full - ablated, -weight * (1.0 - model.state.stability[:, 1])[:, None] * hardness)


def test_agreement_floor_switch_lets_pairs_fall_below_the_floor() -> None:
    model = StrategicModel(make_scenario())
    floor = model.structure.agreement_floor
    model.run()
    assert (model.state.coop >= floor - 1e-12).all()
    ablated = StrategicModel(make_scenario(), ablate=frozenset({Switch.AGREEMENT_FLOOR}))
    ablated.run()
    assert (ablated.state.coop < floor - 0.01).any()


def test_pushback_noise_and_episodes_off_leave_activity_at_assertiveness() -> None:
    quiet = frozenset({Switch.ACTIVITY_NOISE, Switch.EPISODES})
    model = StrategicModel(make_scenario(), ablate=quiet | {Switch.PUSHBACK})
    model.run()
    assert np.array_equal(model.state.activity, model.structure.assertiveness)
    pushed = StrategicModel(make_scenario(), ablate=quiet)
    pushed.run()
    assert (pushed.state.activity > pushed.structure.assertiveness).any()


def test_random_switches_leave_no_randomness_in_cooperation() -> None:
    """Noise, episodes and crises are the only random draws: with all three off, the seed does not matter."""
    quiet = frozenset({Switch.ACTIVITY_NOISE, Switch.EPISODES, Switch.DOMESTIC_CRISES})
    a, b = _run(quiet, seed=1), _run(quiet, seed=2)
    assert _same(a, b)
    assert not _same(_run(quiet - {Switch.ACTIVITY_NOISE}, seed=1), _run(quiet - {Switch.ACTIVITY_NOISE}, seed=2))


def test_the_backcast_runs_with_every_switch() -> None:
    """The switches hold under a scenario that moves many parameters (a short slice of the backcast)."""
    from simulator.runs.runner import resolve

    backcast = replace(resolve(ROOT / "scenarios" / "historical_1991_2024.yaml", replicates=2), horizon=6)
    result = simulate(backcast, ablate=frozenset(Switch))
    assert np.isfinite(result.values).all()
