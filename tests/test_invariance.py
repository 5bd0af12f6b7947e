"""A world's trajectory depends only on its own parameters and seed (docs/ODD.md §2.4).

Identical alone or in a batch of any size, in any chunk, in any activation order;
the same scenario and seed give identical numbers.
"""

from __future__ import annotations

import numpy as np

from simulator import StrategicModel
from simulator.core.recorder import Recorder
from simulator.runs.runner import simulate

from .conftest import make_scenario

SHOCKED = {
    "shocks": [
        {"kind": "us_retrenchment", "at": "2025Q2"},
        {"kind": "dprk_provocation", "at": "2025Q3", "duration": 2},
    ]
}


def trajectory(model: StrategicModel) -> tuple[np.ndarray, np.ndarray]:
    """Recorded values (steps, variables, worlds) and drivers of a full run."""
    recorder = Recorder(model.n_worlds, model.spec.horizon)
    recorder.record(0, model.state)
    for step in range(1, model.spec.horizon + 1):
        model.step()
        recorder.record(step, model.state, model.contributions)
    return recorder.values, recorder.drivers


def test_world_is_identical_alone_and_inside_a_batch():
    scenario = make_scenario(**SHOCKED)
    batch, batch_drivers = trajectory(StrategicModel(scenario, replicates=np.arange(9)))
    alone, alone_drivers = trajectory(StrategicModel(scenario, replicates=np.array([5])))
    np.testing.assert_array_equal(batch[:, :, 5], alone[:, :, 0])
    np.testing.assert_array_equal(batch_drivers[:, 5], alone_drivers[:, 0])


def test_chunks_concatenate_to_the_whole_batch_in_any_order():
    scenario = make_scenario(**SHOCKED)
    whole, _ = trajectory(StrategicModel(scenario, replicates=np.arange(10)))
    first, _ = trajectory(StrategicModel(scenario, replicates=np.arange(0, 3)))
    second, _ = trajectory(StrategicModel(scenario, replicates=np.array([9, 8, 7, 6, 5, 4, 3])))
    joined = np.concatenate([first, second[:, :, ::-1]], axis=2)
    np.testing.assert_array_equal(whole, joined)


def test_per_world_parameters_do_not_leak_between_worlds():
    scenario = make_scenario()
    deference = np.array([0.1, 0.5, 0.9])
    batch, _ = trajectory(
        StrategicModel(scenario, replicates=np.array([0, 1, 2]), overrides={"JPN.deference": deference})
    )
    for w, value in enumerate(deference):
        alone, _ = trajectory(StrategicModel(scenario, replicates=np.array([w]), overrides={"JPN.deference": value}))
        np.testing.assert_array_equal(batch[:, :, w], alone[:, :, 0])


def test_per_world_shock_timing_does_not_leak_between_worlds():
    scenario = make_scenario(shocks=[{"kind": "taiwan_strait_crisis", "at": "2025Q2", "name": "crisis"}])
    onsets = np.array([scenario.start + 1, scenario.start + 4], dtype=float)
    batch, _ = trajectory(
        StrategicModel(scenario, replicates=np.array([0, 1]), shock_overrides={("crisis", "at"): onsets})
    )
    late, _ = trajectory(
        StrategicModel(scenario, replicates=np.array([1]), shock_overrides={("crisis", "at"): onsets[1:]})
    )
    np.testing.assert_array_equal(batch[:, :, 1], late[:, :, 0])
    assert not np.array_equal(batch[:, :, 0], batch[:, :, 1])


def test_activation_order_cannot_change_a_result():
    scenario = make_scenario(**SHOCKED)
    a, _ = trajectory(StrategicModel(scenario, activation_seed=1))
    b, _ = trajectory(StrategicModel(scenario, activation_seed=99))
    np.testing.assert_array_equal(a, b)


def test_same_seed_same_numbers_and_another_seed_other_numbers():
    scenario = make_scenario(**SHOCKED)
    one, two = simulate(scenario), simulate(scenario)
    np.testing.assert_array_equal(one.values, two.values)
    other = simulate(scenario.with_overrides(seed=scenario.seed + 1))
    assert not np.array_equal(one.values, other.values)


def test_replicates_differ_from_each_other():
    result = simulate(make_scenario(replicates=3))
    activity = result.series("activity_PRK_wmd")
    assert not np.array_equal(activity[:, 0], activity[:, 1])
