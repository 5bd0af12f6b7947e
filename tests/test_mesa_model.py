"""The Mesa-conventional model: batch_run, DataCollector, running, rng and Mesa's Scenario object.

MesaModel adds Mesa's conventions to the lockstep engine; these tests hold it to giving exactly
``simulator.run``'s numbers through Mesa's own tools (batch_run in worker processes included).
"""

from __future__ import annotations

import multiprocessing
import warnings

import mesa
import numpy as np
import pandas as pd
import pytest
from mesa.experimental.scenarios import Scenario as MesaScenario

import simulator
from simulator.base.paths import SHIPPED_SCENARIOS
from simulator.core.recorder import column_names
from simulator.runs.mesa_model import BAND, HEADLINE, QUARTER, MesaModel

from .conftest import ROOT, python_blocks, run_script

HORIZON = 6
REPLICATES = 3
SCENARIO_YAML = f"""\
name: small_retrenchment
start: "2025Q1"
horizon: {HORIZON}
seed: 41
replicates: {REPLICATES}
shocks:
  - kind: us_retrenchment
    at: "2025Q3"
"""
COLUMNS = [QUARTER, *column_names(), *BAND]
SERIES = [*column_names(), *BAND]


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "small_retrenchment.yaml"
    path.write_text(SCENARIO_YAML, encoding="utf-8")
    return path


@pytest.fixture
def keep_start_method():
    """batch_run switches the whole process to 'spawn'; put the previous method back for later tests."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


def summary_wide(result: simulator.RunResult) -> pd.DataFrame:
    """The run's per-quarter means and headline band in the DataCollector's layout (one row per step)."""
    summary = result.summary
    frame = summary.pivot(index="step", columns="variable", values="mean")[column_names()]
    headline = summary[summary.variable == HEADLINE].set_index("step")
    frame[BAND[0]] = headline["p5"]
    frame[BAND[1]] = headline["p95"]
    return frame


def test_batch_run_in_two_processes_gives_the_numbers_of_simulator_run(scenario_file, keep_start_method):
    deference = [0.3, 0.7]
    seeds = [11, 12]
    records = mesa.batch_run(
        MesaModel,
        parameters={"scenario_file": str(scenario_file), "replicates": REPLICATES, "jpn_deference": deference},
        rng=seeds,
        number_processes=2,
        data_collection_period=1,
        max_steps=100,
        display_progress=False,
    )
    table = pd.DataFrame(records)
    assert len(table) == len(deference) * len(seeds) * (HORIZON + 1)  # the runs stopped at the horizon
    assert set(COLUMNS) <= set(table.columns)
    for (seed, value), run in table.groupby(["seed", "jpn_deference"]):
        run = run.sort_values("Step")
        assert run["Step"].tolist() == list(range(HORIZON + 1))
        expected = summary_wide(
            simulator.run(scenario_file, replicates=REPLICATES, seed=int(seed), set={"JPN.deference": value})
        )
        np.testing.assert_allclose(run[SERIES].to_numpy(float), expected[SERIES].to_numpy(), rtol=0, atol=1e-12)
    finals = table[table.Step == HORIZON].set_index(["seed", "jpn_deference"])[HEADLINE]
    assert finals[(11, 0.3)] != finals[(11, 0.7)]  # the parameter reached the model
    assert finals[(11, 0.3)] != finals[(12, 0.3)]  # and so did the seed


def test_the_datacollector_holds_every_series_for_every_quarter(scenario_file):
    model = MesaModel(scenario_file, seed=3)
    model.run_model()
    frame = model.datacollector.get_model_vars_dataframe()
    assert list(frame.columns) == COLUMNS
    assert len(frame) == HORIZON + 1
    assert frame[QUARTER].tolist() == ["2024Q4", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2026Q1", "2026Q2"]
    pd.testing.assert_frame_equal(
        frame[SERIES].reset_index(drop=True),
        summary_wide(simulator.run(scenario_file, seed=3))[SERIES].reset_index(drop=True),
        check_exact=True,
        check_names=False,
    )
    assert (frame[BAND[0]] <= frame[HEADLINE]).all()
    assert (frame[HEADLINE] <= frame[BAND[1]]).all()
    assert len(model.agents) == 6  # the six actors are the model's Mesa agents


def test_result_is_the_run_of_simulator_run(scenario_file):
    model = MesaModel(scenario_file, overrides={"EU.entrapment_aversion": 0.4})
    with pytest.raises(simulator.UserError, match="0 of 6 quarters"):
        model.result()
    model.run_model()
    mine, theirs = model.result(), simulator.run(scenario_file, set={"EU.entrapment_aversion": 0.4})
    assert np.array_equal(mine.values, theirs.values)
    assert np.array_equal(mine.drivers, theirs.drivers)
    pd.testing.assert_frame_equal(mine.summary, theirs.summary)
    assert mine.scenario == theirs.scenario


def test_running_turns_false_at_the_horizon_and_a_later_step_changes_nothing(scenario_file):
    model = MesaModel(scenario_file)
    for step in range(1, HORIZON + 1):
        assert model.running
        model.step()
        assert model.steps == step
    assert not model.running
    before = model.recorder.values.copy(), model.datacollector.get_model_vars_dataframe()
    with pytest.warns(RuntimeWarning, match="ends after 6 quarters"):
        model.step()
    assert model.steps == HORIZON
    assert np.array_equal(model.recorder.values, before[0])
    pd.testing.assert_frame_equal(model.datacollector.get_model_vars_dataframe(), before[1])


def test_rng_chooses_the_worlds_and_the_same_rng_repeats_them(scenario_file):
    def coop(**kwargs) -> np.ndarray:
        model = MesaModel(scenario_file, **kwargs)
        model.run_model()
        return model.recorder.values

    first, second, third = coop(rng=1), coop(rng=2), coop(rng=3)
    assert not np.array_equal(first, second)
    assert not np.array_equal(second, third)
    assert not np.array_equal(first, third)
    assert np.array_equal(first, coop(rng=1))
    assert np.array_equal(first, coop(seed=1))  # seed is rng under the scenario file's name for it
    assert np.array_equal(first, simulator.run(scenario_file, seed=1).values)
    # None keeps the file's own seed, so the default model is the documented run
    assert np.array_equal(coop(), simulator.run(scenario_file).values)
    # a Generator gives one base seed drawn from it: as reproducible as its state
    assert np.array_equal(coop(rng=np.random.default_rng(9)), coop(rng=np.random.default_rng(9)))
    assert np.array_equal(coop(rng=np.random.SeedSequence(9)), coop(rng=np.random.default_rng(9)))
    assert not np.array_equal(coop(rng=np.random.default_rng(9)), coop(rng=np.random.default_rng(10)))
    drawn = MesaModel(scenario_file, rng=np.random.default_rng(9)).spec.seed
    assert drawn == int(np.random.default_rng(9).integers(0, 2**63 - 1, endpoint=True))
    model = MesaModel(scenario_file, rng=5)
    assert model.spec.seed == 5
    assert model.scenario.rng == 5  # Mesa's own record of the seed agrees


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rng": 1, "seed": 2}, "rng or seed, not both"),
        ({"rng": -1}, "whole number from 0"),
        ({"rng": True}, "whole number from 0"),
        ({"rng": "seven"}, "numpy Generator"),
        ({"rng": 3, "scenario": MesaScenario(rng=4)}, "differs from scenario.rng"),
        ({"scenario": MesaScenario(replicates=3)}, "only rng here, not replicates"),
        ({"scenario": "baseline"}, "must be Mesa's Scenario object"),
        ({"scenario_file": MesaScenario()}, "goes in as scenario="),
        ({"jpn_deference": 0.3, "overrides": {"JPN.deference": 0.4}}, "given twice"),
        ({"overrides": {"JPN.deferense": 0.4}}, "did you mean 'deference'"),
        ({"jpn_deference": 3.0}, "out of range"),
        ({"overrides": [("JPN.deference", 0.3)]}, "must be a mapping"),
    ],
)
def test_mistakes_are_user_errors_that_say_what_to_do(scenario_file, kwargs, message):
    kwargs.setdefault("scenario_file", scenario_file)
    with pytest.raises(simulator.UserError, match=message):
        MesaModel(**kwargs)


def test_mesas_own_scenario_object_is_accepted(scenario_file):
    plain = MesaModel(scenario_file, scenario=MesaScenario())  # what SolaraViz's Reset passes
    assert plain.spec.seed == 41
    assert plain.scenario.model is plain
    seeded = MesaModel(scenario_file, scenario=MesaScenario(rng=5))
    assert seeded.spec.seed == 5
    same = MesaModel(scenario_file, rng=5, scenario=MesaScenario(rng=5))
    assert same.spec.seed == 5


def test_a_shipped_scenario_is_found_by_name_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    default = MesaModel(replicates=2)
    assert default.spec.name == "baseline"
    assert default.spec.source == str(SHIPPED_SCENARIOS / "baseline.yaml")
    assert MesaModel("us_retrenchment.yaml", replicates=2).spec.name == "us_retrenchment"
    with pytest.raises(simulator.UserError, match="did you mean 'us_retrenchment'"):
        MesaModel("us_retrenchmnt")
    with pytest.raises(simulator.UserError, match=r"^nowhere/us_retrenchment.yaml: file not found"):
        MesaModel("nowhere/us_retrenchment.yaml")  # a path with a folder is a path, never a shipped name
    # a file of the user's own wins over a shipped scenario of the same name
    (tmp_path / "baseline.yaml").write_text(SCENARIO_YAML, encoding="utf-8")
    assert MesaModel("baseline.yaml").spec.name == "small_retrenchment"


def test_named_keywords_overrides_and_the_no_shock_twin(scenario_file):
    def values(**kwargs) -> np.ndarray:
        model = MesaModel(scenario_file, **kwargs)
        model.run_model()
        return model.recorder.values

    named = values(jpn_deference=0.3, weight_abandonment=0.6)
    assert np.array_equal(named, values(overrides={"JPN.deference": 0.3, "model.weight_abandonment": 0.6}))
    assert np.array_equal(named, values(jpn_deference=0.3, overrides={"model__weight_abandonment": 0.6}))
    expected = simulator.run(scenario_file, set={"JPN.deference": 0.3, "model.weight_abandonment": 0.6})
    assert np.array_equal(named, expected.values)
    twin = simulator.run(scenario_file, twin=True).twin
    assert np.array_equal(values(shocks=False), twin.values)
    assert not np.array_equal(values(shocks=False), values())


def test_no_warning_while_stepping_within_the_horizon(scenario_file):
    model = MesaModel(scenario_file)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.run_model()
    assert model.steps == HORIZON


DOC = ROOT / "docs" / "mesa.md"
VIZ_WORDS = ("solara", "SolaraViz", "mesa_viz")
"""A documented example that uses one of these needs the viz extra; tests/test_mesa_viz.py runs those."""
MODEL_EXAMPLES = [code for code in python_blocks(DOC) if not any(word in code for word in VIZ_WORDS)]


def test_the_mesa_doc_has_model_examples_to_run():
    assert len(MODEL_EXAMPLES) >= 3  # a model, rng, batch_run


@pytest.mark.parametrize("code", MODEL_EXAMPLES, ids=lambda code: code.splitlines()[0])
def test_every_model_example_of_the_mesa_doc_runs_from_another_folder(code, tmp_path):
    done = run_script(code, tmp_path)
    if "batch_run" in code:
        assert done.stdout.count("\n") > 6  # the table of six runs was printed
