"""The EMA Workbench example in docs/examples runs and gives the simulator's own numbers."""

from __future__ import annotations

import importlib.util
import math
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


def test_wrapper_renames_keys_to_identifiers_and_keeps_the_values(example):
    """Needs no ema_workbench: the wrapper alone."""
    out = example.eujsim_model(replicates=3, JPN__deference=0.7, retrenchment_magnitude=0.4)
    direct = simulator.model_function(
        example.SCENARIO,
        replicates=3,
        metrics=example.METRICS,
        **{"JPN.deference": 0.7, "shock.US retrenchment.magnitude": 0.4},
    )
    assert list(out) == ["coop_EU_JPN_final", "coop_EU_JPN_mean"]
    assert all(name.isidentifier() for name in out)
    assert list(out.values()) == list(direct.values())
    assert all(math.isfinite(v) for v in out.values())


def test_every_input_name_is_an_identifier_and_the_shock_exists(example):
    assert all(name.isidentifier() for name in example.INPUTS)
    scenario = resolve(example.SCENARIO, replicates=1)
    shock_names = {shock.name for shock in scenario.shocks}
    assert "US retrenchment" in shock_names
    assert example.outcome_name("coop_EU_JPN:first_above@0.55") == "coop_EU_JPN_first_above_0_55"


def test_example_main_runs_experiments_that_reproduce_direct_calls(example, capsys):
    pytest.importorskip("ema_workbench", reason="the EMA Workbench example needs `pip install ema_workbench`")
    n, replicates = 4, 2
    experiments, outcomes = example.main(n_scenarios=n, replicates=replicates)

    assert len(experiments) == n
    assert set(outcomes) == {"coop_EU_JPN_final", "coop_EU_JPN_mean"}
    for values in outcomes.values():
        assert values.shape == (n,)
        assert np.isfinite(values).all()
        assert np.all((values >= 0) & (values <= 1))
    for name in example.INPUTS:
        assert experiments[name].nunique() == n, f"{name} did not vary across experiments"
    # the sampled values stay inside the ranges the model declares
    deference = default_calibration()["JPN.deference"]
    assert experiments["JPN__deference"].between(deference.low, deference.high).all()
    assert experiments["retrenchment_magnitude"].between(0, 1).all()
    # EMA passed the inputs and the replicates constant through: each result is the direct call's
    for i in range(n):
        inputs = {name: float(experiments[name].iloc[i]) for name in example.INPUTS}
        direct = example.eujsim_model(replicates=replicates, **inputs)
        assert direct == pytest.approx({k: v[i] for k, v in outcomes.items()}, rel=0, abs=1e-12)

    printed = capsys.readouterr().out
    assert f"{n} experiments, {replicates} replicates each" in printed
    assert "Feature scores" in printed
