"""The compiled kernel of benchmarks/bench_limit.py reproduces the engine.

The benchmark's figure (the engine's distance from its limit) only means something if the
kernel computes the same quarters; these checks keep it so as the engine changes, with few
worlds so that the kernel's compilation (a few seconds) dominates.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pytest

pytest.importorskip("numba", reason="numba (the optional `fast` extra) is not installed: no fused kernel to check")

from simulator.core import fused as fused_module
from simulator.core.fused import check_supported, run_fused, settle_fused
from simulator.core.model import StrategicModel
from simulator.runs.ensembles import ensemble_overrides
from simulator.runs.runner import resolve, run

WORLDS = 12
TOLERANCE = 1e-12


def build(path: str, **options: object) -> StrategicModel:
    """A spun-up model built as ``simulator.run`` builds it (``options`` go to the model)."""
    scenario = resolve(path, replicates=WORLDS)
    options.setdefault("overrides", ensemble_overrides(scenario, np.arange(WORLDS)))
    return StrategicModel(scenario, **options)


@pytest.mark.parametrize("path", ["scenarios/us_retrenchment.yaml", "scenarios/baseline.yaml"])
def test_the_kernel_reproduces_every_recorded_series_and_the_final_state(path: str) -> None:
    result = run(path, replicates=WORLDS)
    fused = run_fused(build(path))
    assert np.abs(result.values - fused.series).max() <= TOLERANCE
    assert np.abs(result.drivers[-1] - fused.contributions).max() <= TOLERANCE
    model = build(path)
    model.run()
    for field in fields(model.state):
        engine, kernel = getattr(model.state, field.name), getattr(fused.state, field.name)
        assert engine.dtype == kernel.dtype
        assert np.abs(engine.astype(float) - kernel.astype(float)).max() <= TOLERANCE, field.name


def test_the_kernel_reproduces_worlds_that_differ_in_parameters_and_shock_timing() -> None:
    scenario = resolve("scenarios/us_retrenchment.yaml", replicates=WORLDS)
    deference = np.linspace(0.1, 0.9, WORLDS)
    onset = np.linspace(scenario.start, scenario.start + 20, WORLDS).round()
    options = {"overrides": {"JPN.deference": deference}, "shock_overrides": {("US retrenchment", "at"): onset}}
    engine, kernel = StrategicModel(scenario, **options), StrategicModel(scenario, **options)
    fused = run_fused(kernel)
    engine.run()
    assert np.abs(engine.state.coop - fused.state.coop).max() <= TOLERANCE
    assert np.abs(engine.state.spending - fused.state.spending).max() <= TOLERANCE


@pytest.mark.parametrize("path", ["scenarios/us_retrenchment.yaml", "scenarios/historical_1991_2024.yaml"])
def test_the_kernels_spin_up_settles_every_world_as_the_numpy_spin_up_does(path: str) -> None:
    """Worlds that differ in parameters and in their own spin-up length, 0 quarters included."""
    scenario = resolve(path, replicates=WORLDS)
    overrides = {
        "JPN.deference": np.linspace(0.1, 0.9, WORLDS),
        "model.spinup_quarters": np.repeat([0.0, 7.0, 60.0, 90.0], WORLDS // 4),
    }
    reference = StrategicModel(scenario, overrides=overrides)
    kernel = StrategicModel(scenario, overrides=overrides, spin_up=settle_fused)
    for field in fields(reference.state):
        engine, settled = getattr(reference.state, field.name), getattr(kernel.state, field.name)
        assert engine.dtype == settled.dtype
        assert np.abs(engine.astype(float) - settled.astype(float)).max() <= TOLERANCE, field.name
    assert not kernel.state.desire[0].any() and kernel.state.desire[-1].any()  # 0 quarters: the initial state


def test_the_kernel_releases_the_gil_and_its_cache_is_vouched_for_by_the_layout_digest() -> None:
    """Threads run chunks side by side only if the kernel releases the GIL. numba keys its on-disk cache
    on fused.py alone, so the kernel's constants from other modules must match the digest recorded there."""
    assert fused_module._quarters.targetoptions["nogil"]
    assert fused_module.IMPORTED_LAYOUT == fused_module.LAYOUT, (
        "the kernel's compile-time constants changed (vocabulary, slots or recorded columns): check that the "
        f'kernel still matches them, then set LAYOUT = "{fused_module.IMPORTED_LAYOUT}" in simulator/core/fused.py'
    )
    assert fused_module._quarters._cache.__class__.__name__ != "NullCache"  # numba's cache is on


def test_the_layout_digest_changes_with_any_constant_the_kernel_reads_and_refuses_what_it_cannot_cover(monkeypatch):
    before = fused_module.layout_digest()
    assert before == fused_module.IMPORTED_LAYOUT  # stable after import
    monkeypatch.setattr(fused_module, "_WEST", fused_module._WEST[::-1].copy())
    assert fused_module.layout_digest() != before
    monkeypatch.undo()
    monkeypatch.setattr(fused_module, "_D", [6])
    with pytest.raises(TypeError, match="_D"):
        fused_module.layout_digest()


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"ablate": frozenset({"values"})}, "ablated"),
        ({"overrides": {"model.settlement_mean_share": 0.5}}, "settlement_mean_share"),
        ({"overrides": {"model.threat_union_share": 0.3}}, "threat_union_share"),
        ({"overrides": {"model.desire_multiplicative_share": 0.3}}, "desire_multiplicative_share"),
        ({"explained_pair": "EU_JPN"}, "explained pair"),
    ],
)
def test_the_kernel_refuses_what_it_does_not_implement(options: dict, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        check_supported(build("scenarios/baseline.yaml", **options))
