"""The spin-up runs once per distinct parameter row and gives every world exactly its row's state.

The model spins up only the distinct rows of its per-world parameters and hands each world
the settled state of its row (docs/ODD.md §3.3). These tests compare that with spinning up
every world on its own, bit for bit, so that a change which makes the spin-up read anything
but a world's parameters (a random draw, a shock, another world) fails here.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

from simulator import StrategicModel
from simulator.core import model as model_module
from simulator.core.parameters import distinct_worlds
from simulator.runs.ensembles import ensemble_overrides
from simulator.runs.runner import resolve

from .conftest import SCENARIOS, make_scenario

OPTIONS = {
    "JPN.deference": np.array([0.2, 0.2, 0.8, 0.2, 0.8, 0.5]),
    "model.spinup_quarters": np.array([60, 60, 12, 60, 12, 0.0]),
    "model.desire_multiplicative_share": np.array([0, 0, 0.5, 0, 0.5, 0.0]),
    "model.settlement_mean_share": np.array([0.3, 0.3, 0, 0.3, 0, 0.0]),
    "model.threat_union_share": np.array([0, 0, 0.6, 0, 0.6, 0.0]),
}
"""Six worlds, three distinct rows, varying the spin-up length and every structural option."""


def every_world_alone(params: dict[str, np.ndarray], n_worlds: int) -> tuple[np.ndarray, np.ndarray]:
    """The reference: every world its own row, as the model spun up before the reduction."""
    return np.arange(n_worlds), np.arange(n_worlds)


def build_pair(monkeypatch: pytest.MonkeyPatch, **kwargs: object) -> tuple[StrategicModel, StrategicModel]:
    """The same model built with the reduced spin-up and with a spin-up of every world."""
    reduced = StrategicModel(**kwargs)  # type: ignore[arg-type]
    with monkeypatch.context() as patch:
        patch.setattr(model_module, "distinct_worlds", every_world_alone)
        reference = StrategicModel(**kwargs)  # type: ignore[arg-type]
    return reduced, reference


def assert_same_model(reduced: StrategicModel, reference: StrategicModel, pair: str | None = None) -> None:
    """Equal settled state, context and kept terms, and equal after running the whole horizon."""
    for f in fields(reference.state):
        np.testing.assert_array_equal(getattr(reduced.state, f.name), getattr(reference.state, f.name), f.name)
    assert reduced.context is not None and reference.context is not None
    for f in fields(reference.context):
        np.testing.assert_array_equal(getattr(reduced.context, f.name), getattr(reference.context, f.name), f.name)
    if pair:
        for got, want in zip(reduced.pair_terms(pair), reference.pair_terms(pair), strict=True):
            np.testing.assert_array_equal(got, want)
    assert reduced.next is reduced.state
    reduced.run()
    reference.run()
    for f in fields(reference.state):
        np.testing.assert_array_equal(getattr(reduced.state, f.name), getattr(reference.state, f.name), f.name)
    np.testing.assert_array_equal(reduced.contributions, reference.contributions)


def test_distinct_rows_in_order_of_appearance():
    params = {
        "a": np.array([1.0, 2.0, 1.0, 3.0, 2.0]),
        "b": np.full(5, 7.0),
        "c": np.array([0.5, 0.5, 0.5, 0.5, 0.6]),
    }
    first, inverse = distinct_worlds(params, 5)
    np.testing.assert_array_equal(first, [0, 1, 3, 4])
    np.testing.assert_array_equal(inverse, [0, 1, 0, 2, 3])
    for path, values in params.items():
        np.testing.assert_array_equal(values[first][inverse], values, path)


def test_rows_are_compared_bit_for_bit():
    first, inverse = distinct_worlds({"a": np.array([0.0, -0.0, 0.0])}, 3)
    np.testing.assert_array_equal(first, [0, 1])
    np.testing.assert_array_equal(inverse, [0, 1, 0])


def test_identical_worlds_are_one_row():
    first, inverse = distinct_worlds({"a": np.full(4, 0.3)}, 4)
    np.testing.assert_array_equal(first, [0])
    np.testing.assert_array_equal(inverse, [0, 0, 0, 0])
    first, inverse = distinct_worlds({"a": np.full(1, 0.3)}, 1)
    np.testing.assert_array_equal(first, [0])


def test_spin_up_runs_once_per_distinct_row(monkeypatch: pytest.MonkeyPatch):
    rows: list[int] = []
    real = model_module.distinct_worlds

    def counting(params: dict[str, np.ndarray], n_worlds: int) -> tuple[np.ndarray, np.ndarray]:
        first, inverse = real(params, n_worlds)
        rows.append(len(first))
        return first, inverse

    monkeypatch.setattr(model_module, "distinct_worlds", counting)
    StrategicModel(make_scenario(), replicates=np.arange(6), overrides=OPTIONS)
    assert rows == [3]


def test_reduced_spin_up_equals_every_world_spun_up(monkeypatch: pytest.MonkeyPatch):
    scenario = make_scenario(shocks=[{"kind": "us_retrenchment", "at": "2025Q2"}])
    reduced, reference = build_pair(
        monkeypatch, scenario=scenario, replicates=np.arange(6), overrides=OPTIONS, explained_pair="EU_JPN"
    )
    assert_same_model(reduced, reference, "EU_JPN")


def test_reduced_spin_up_of_a_plain_run_and_the_backcast(monkeypatch: pytest.MonkeyPatch):
    for name in ("us_retrenchment", "historical_1991_2024"):
        scenario = resolve(SCENARIOS / f"{name}.yaml", replicates=5)
        reduced, reference = build_pair(monkeypatch, scenario=scenario, explained_pair="JPN_USA")
        assert_same_model(reduced, reference, "JPN_USA")


def test_reduced_spin_up_with_ablation(monkeypatch: pytest.MonkeyPatch):
    reduced, reference = build_pair(
        monkeypatch,
        scenario=make_scenario(),
        replicates=np.arange(6),
        overrides=OPTIONS,
        ablate=frozenset({"coop_inertia", "rivalry", "spending_floor"}),
    )
    assert_same_model(reduced, reference)


def test_ensemble_worlds_each_get_their_own_row(monkeypatch: pytest.MonkeyPatch):
    scenario = resolve(SCENARIOS / "baseline.yaml", replicates=6, ensemble="calibrated")
    replicates = np.array([0, 1, 2, 0, 1, 2])  # two copies of three ensemble worlds
    overrides = ensemble_overrides(scenario, replicates)
    assert overrides
    first, _ = distinct_worlds(StrategicModel(scenario, replicates=replicates, overrides=overrides).base_params, 6)
    assert len(first) == 3
    reduced, reference = build_pair(monkeypatch, scenario=scenario, replicates=replicates, overrides=overrides)
    assert_same_model(reduced, reference)
