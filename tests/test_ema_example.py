"""The EMA Workbench example in docs/examples runs and gives the simulator's own numbers."""

from __future__ import annotations

import contextlib
import importlib.util
import io
import sys

import numpy as np
import pytest

import simulator
from simulator.inputs.calibration import default_calibration
from simulator.runs.runner import resolve

from .conftest import ROOT

EXAMPLE = ROOT / "docs" / "examples" / "ema_workbench_example.py"


@pytest.fixture(scope="module")
def example():
    spec = importlib.util.spec_from_file_location("ema_workbench_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


def test_every_ema_name_is_an_identifier_and_every_simulator_name_exists(example):
    """Needs no ema_workbench: the names alone."""
    assert all(name.isidentifier() for name in example.INPUTS)
    assert all(example.outcome_name(metric).isidentifier() for metric in example.METRICS)
    scenario = resolve(example.SCENARIO, replicates=1)
    assert "US retrenchment" in {shock.name for shock in scenario.shocks}
    assert example.outcome_name("coop_EU_JPN:first_above@0.55") == "coop_EU_JPN_first_above_0_55"
    # the simulator's names are model_function's own: it takes them as they are
    inputs = dict(zip(example.INPUTS.values(), (0.7, 0.4, 0.5), strict=True))
    out = simulator.model_function(example.SCENARIO, replicates=2, metrics=list(example.METRICS), **inputs)
    assert set(example.METRICS) <= set(out)


@pytest.fixture(scope="module")
def runs(example):
    pytest.importorskip("ema_workbench", reason="the EMA Workbench example needs `pip install ema_workbench`")
    n, replicates = 4, 2
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        batch = example.main(n_scenarios=n, replicates=replicates, workers=1)
    sequential = example.main(n_scenarios=n, replicates=replicates, batch=False)
    return n, replicates, batch, sequential, printed.getvalue()


def test_the_model_is_model_function_itself_with_variable_names(example, runs):
    model = example.build_model(replicates=2)
    assert model.function is simulator.model_function
    assert {p.name: p.variable_name for p in model.uncertainties} == {k: [v] for k, v in example.INPUTS.items()}
    assert [list(o.variable_name) for o in model.outcomes] == [[m] for m in example.METRICS]


def test_example_main_runs_experiments_that_reproduce_direct_calls(example, runs):
    n, replicates, (experiments, outcomes), _, printed = runs
    assert len(experiments) == n
    assert set(outcomes) == {example.outcome_name(m) for m in example.METRICS}
    for values in outcomes.values():
        assert values.shape == (n,)
        assert np.isfinite(values).all(), "first_above counts a level never reached as horizon + 1, never NaN"
    for name in example.INPUTS:
        assert experiments[name].nunique() == n, f"{name} did not vary across experiments"
    # the sampled values stay inside the ranges the model declares
    deference = default_calibration()["JPN.deference"]
    assert experiments["JPN__deference"].between(deference.low, deference.high).all()
    assert experiments["retrenchment_magnitude"].between(0, 1).all()
    # each experiment's outcomes are model_function's for its inputs, under the simulator's names
    for i in range(n):
        inputs = {path: float(experiments[name].iloc[i]) for name, path in example.INPUTS.items()}
        direct = simulator.model_function(example.SCENARIO, replicates=replicates, metrics=example.METRICS, **inputs)
        assert {example.outcome_name(m): direct[m] for m in example.METRICS} == {k: v[i] for k, v in outcomes.items()}

    assert f"{n} experiments, {replicates} replicates each" in printed
    assert "Feature scores" in printed


def test_the_batch_evaluator_gives_the_sequential_evaluators_numbers(example, runs):
    _, _, (batch_experiments, batch), (sequential_experiments, sequential), _ = runs
    columns = list(example.INPUTS)
    assert batch_experiments[columns].equals(sequential_experiments[columns]), "the same sample both times"
    assert set(batch) == set(sequential)
    for name in batch:
        np.testing.assert_array_equal(batch[name], sequential[name])


def test_the_page_shows_the_example_as_it_is():
    page = (ROOT / "docs" / "ema_workbench.md").read_text(encoding="utf-8")
    assert f"```python\n{EXAMPLE.read_text(encoding='utf-8')}```" in page
