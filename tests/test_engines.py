"""The opt-in fused engine: chosen explicitly, recorded, deterministic, and equal to the reference to 1e-12."""

from __future__ import annotations

import gc
import importlib.util
import json
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulator
from simulator.base.errors import UserError
from simulator.cli.main import main
from simulator.core import engines
from simulator.sweeps import choices
from simulator.sweeps.chunks import ChunkResult, simulate_chunk
from simulator.sweeps.designs import design
from simulator.sweeps.executors import InlineExecutor, Task
from simulator.sweeps.experiment import experiment_from_dict, load_experiment
from simulator.sweeps.sweep import run_sweep
from simulator.sweeps.sweep_size import (
    FUSED_PROCESS_BYTES,
    MAIN_BASE_BYTES,
    chunk_memory,
    estimate_sweep,
    recorded_series,
)

from .test_sweep import small_experiment, write_experiment

HAS_NUMBA = importlib.util.find_spec("numba") is not None
needs_numba = pytest.mark.skipif(not HAS_NUMBA, reason="numba (the optional `fast` extra) is not installed")

TOLERANCE = 1e-12
"""How far the engines may differ: they agree to about 1e-15, not bit for bit."""


def varied_experiment(**changes: object) -> dict:
    """A small sweep over a parameter, a shock's size and its onset, so that every path of the kernel is used."""
    return small_experiment(
        method="lhs",
        samples=6,
        replicates=2,
        parameters={
            "shock.US retrenchment.magnitude": {"low": 0.0, "high": 1.0},
            "shock.US retrenchment.at": {"low": "2025Q2", "high": "2026Q4"},
            "JPN.deference": {},
        },
        **changes,
    )


def test_the_command_line_offers_the_engines_the_model_has():
    assert choices.ENGINES == engines.ENGINES


def test_an_unknown_engine_is_one_line_naming_the_key_and_the_choices():
    with pytest.raises(UserError, match=r"\(engine\): 'cuda' is not an engine: use one of numpy, fused"):
        experiment_from_dict(small_experiment(engine="cuda"))
    with pytest.raises(UserError, match="use one of numpy, fused"):
        run_sweep(experiment_from_dict(small_experiment()), engine="cuda")


def test_an_experiment_files_unknown_engine_names_its_line_and_quotes_the_name_clipped(tmp_path):
    path = write_experiment(tmp_path, small_experiment(engine="cuda\t" + "x" * 80))
    with pytest.raises(UserError) as caught:
        load_experiment(path)
    error = caught.value
    assert error.field == "engine" and error.line is not None and str(error.file) == str(path)
    assert error.message == f"'cuda\\t{'x' * 55}…' is not an engine: use one of numpy, fused"


def test_the_default_engine_keeps_an_experiment_and_its_fingerprint_unchanged():
    experiment = experiment_from_dict(small_experiment())
    assert experiment.engine == "numpy"
    assert "engine" not in experiment.to_dict()
    fused = experiment_from_dict(small_experiment(engine="fused"))
    assert fused.engine == "fused" and fused.to_dict()["engine"] == "fused"
    assert fused.fingerprint() != experiment.fingerprint()  # resuming on the other engine is refused


def test_missing_numba_is_one_line_with_the_install_command(monkeypatch, tmp_path):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "numba" else real(name, *a))
    with pytest.raises(
        UserError, match=r"^engine: fused needs numba, which is not installed: pip install 'eujsim\[fast\]'$"
    ) as caught:
        run_sweep(experiment_from_dict(small_experiment(engine="fused")), tmp_path / "s", workers=1)
    assert caught.value.field == "engine" and str(caught.value).startswith("engine: fused needs numba")
    assert not (tmp_path / "s").exists(), "refused before anything was written"


@needs_numba
def test_an_unsupported_structure_is_refused_before_any_work(tmp_path):
    varied = small_experiment(engine="fused", parameters={"model.threat_union_share": [0.0, 1.0]})
    with pytest.raises(UserError, match=r"varies model\.threat_union_share: use engine numpy"):
        run_sweep(experiment_from_dict(varied), tmp_path / "a", workers=1)
    fixed = small_experiment(engine="fused", set={"model.spinup_quarters": 20, "model.settlement_mean_share": 0.5})
    with pytest.raises(UserError, match=r"model\.settlement_mean_share must be 0 in every world; use engine numpy"):
        run_sweep(experiment_from_dict(fixed), tmp_path / "b", workers=1)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


@needs_numba
def test_fused_sweeps_are_identical_for_any_workers_and_chunk_size(tmp_path):
    experiment = experiment_from_dict(varied_experiment(engine="fused"))
    runs = {
        "inline, one point per chunk": run_sweep(experiment, tmp_path / "a", workers=1, chunk_worlds=1, progress=False),
        "two threads, two points per chunk": run_sweep(
            experiment, tmp_path / "b", workers=2, chunk_worlds=4, progress=False
        ),
        "inline, one chunk": run_sweep(experiment, tmp_path / "c", workers=1, chunk_worlds=10_000, progress=False),
    }
    reference = runs.pop("inline, one point per chunk")
    assert len(reference.manifest["chunks"]) == 6 and reference.manifest["engine"] == "fused"
    ran_on = runs["two threads, two points per chunk"].manifest["sessions"][-1]["chunks_per_worker"]
    assert all("/chunks" in worker for worker in ran_on), ran_on  # the fused engine's local workers are threads
    for name, other in runs.items():
        pd.testing.assert_frame_equal(reference.worlds(), other.worlds(), check_exact=True, obj=name)
        pd.testing.assert_frame_equal(reference.quarters(), other.quarters(), check_exact=True, obj=name)


@needs_numba
def test_fused_sweep_matches_the_reference_engine(tmp_path):
    experiment = experiment_from_dict(varied_experiment())
    numpy_run = run_sweep(experiment, tmp_path / "numpy", workers=1, progress=False)
    fused_run = run_sweep(experiment, tmp_path / "fused", workers=1, progress=False, engine="fused")
    assert numpy_run.manifest["engine"] == "numpy" and fused_run.manifest["engine"] == "fused"
    expected, got = numpy_run.worlds(), fused_run.worlds()
    assert expected["shock.US retrenchment.at"].nunique() > 1, "the onsets vary"
    pd.testing.assert_frame_equal(expected, got, check_exact=False, rtol=0, atol=TOLERANCE)
    pd.testing.assert_frame_equal(numpy_run.quarters(), fused_run.quarters(), check_exact=False, rtol=0, atol=TOLERANCE)


@needs_numba
def test_evaluate_points_takes_the_engine_and_agrees_with_the_reference():
    points = {"JPN.deference": [0.2, 0.5, 0.8], "shock.US retrenchment.at": ["2025Q3", "2026Q1", "2027Q2"]}
    scenario = simulator.scenario_from_dict({**small_experiment()["scenario"], "horizon": 12})
    kwargs = {"scenario": scenario, "replicates": 3, "workers": 1, "metrics": ["coop_EU_JPN:final", "coop_EU_JPN:mean"]}
    reference = simulator.evaluate_points(points, **kwargs)
    fused = simulator.evaluate_points(points, engine="fused", **kwargs)
    pd.testing.assert_frame_equal(reference, fused, check_exact=False, rtol=0, atol=TOLERANCE)
    assert not np.array_equal(reference["coop_EU_JPN:final"], reference["coop_EU_JPN:final"].iloc[::-1])


@needs_numba
def test_eujsim_sweep_engine_option_is_recorded_in_the_manifest(tmp_path, capsys):
    path = write_experiment(tmp_path, small_experiment())
    code = main(
        ["sweep", str(path), "--engine", "fused", "--workers", "1", "--no-analysis", "--out", str(tmp_path / "s")]
    )
    assert code == 0
    assert "engine fused" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["engine"] == "fused"


def test_eujsim_sweep_without_numba_exits_2_with_one_line(monkeypatch, tmp_path, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "numba" else real(name, *a))
    path = write_experiment(tmp_path, small_experiment())
    code = main(["sweep", str(path), "--engine", "fused", "--workers", "1", "--out", str(tmp_path / "s")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "Traceback" not in err
    assert err.endswith("fused needs numba, which is not installed: pip install 'eujsim[fast]'")
    assert not (tmp_path / "s").exists()


@needs_numba
def test_resuming_on_the_other_engine_names_the_engine_it_was_swept_with(tmp_path):
    experiment = experiment_from_dict(small_experiment())
    folder = tmp_path / "s"
    first = run_sweep(experiment, folder, workers=1, chunk_worlds=3, progress=False, engine="fused")
    assert first.complete
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["status"] = "interrupted"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UserError, match="was swept with engine fused, not numpy: resume it with --engine fused"):
        run_sweep(experiment, folder, workers=1, resume=True, progress=False)
    resumed = run_sweep(experiment, folder, workers=1, resume=True, progress=False, engine="fused")
    assert resumed.complete and resumed.manifest["engine"] == "fused"


def test_asking_whether_the_kernel_covers_an_experiment_does_not_import_numba():
    """The sweep's own process asks before any work; only the workers that run the kernel pay for numba."""
    code = (
        "import sys\n"
        "from simulator.sweeps.chunks import check_engine\n"
        "from simulator.sweeps.experiment import experiment_from_dict\n"
        "from tests.test_sweep import small_experiment\n"
        "check_engine(experiment_from_dict(small_experiment(engine='fused')))\n"
        "assert 'numba' not in sys.modules, 'numba was imported'\n"
    )
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


@needs_numba
def test_the_size_estimate_covers_a_fused_chunk_and_the_kernel_once_for_the_worker_threads():
    numpy_experiment = experiment_from_dict(small_experiment(replicates=200))
    fused_experiment = experiment_from_dict(small_experiment(replicates=200, engine="fused"))
    points = design(fused_experiment).iloc[:2].reset_index(drop=True)
    simulate_chunk(fused_experiment, points)  # compile outside the measurement, as a worker's first chunk does
    tracemalloc.start()
    try:
        simulate_chunk(fused_experiment, points)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    horizon, series = fused_experiment.scenario.horizon, recorded_series(fused_experiment)
    estimate = chunk_memory(400, horizon, series, "fused")
    assert peak <= estimate <= 1.5 * peak, (peak, estimate)
    plain = estimate_sweep(numpy_experiment, workers=2, chunk_worlds=400)
    fused = estimate_sweep(fused_experiment, workers=2, chunk_worlds=400)
    assert (plain.processes, plain.threads) == (2, 0)
    assert (fused.processes, fused.threads) == (0, 2)  # the fused engine's local workers are threads
    assert fused.memory_bytes >= MAIN_BASE_BYTES + 2 * fused.chunk_bytes + FUSED_PROCESS_BYTES
    assert fused.memory_bytes < plain.memory_bytes  # one process holds numba and the kernel, not two


@needs_numba
def test_fused_sweep_on_a_loopback_dask_cluster_is_identical_to_the_local_one(tmp_path):
    pytest.importorskip("distributed", reason="the dask extra is not installed (pip install 'eujsim[dask]')")
    experiment = experiment_from_dict(varied_experiment(engine="fused"))
    local = run_sweep(experiment, tmp_path / "local", workers=1, progress=False)
    dask = run_sweep(experiment, tmp_path / "dask", workers=2, executor="dask", chunk_worlds=4, progress=False)
    assert dask.complete, dask.failures
    assert dask.manifest["executor"] == "dask" and dask.manifest["engine"] == "fused"
    pd.testing.assert_frame_equal(local.worlds(), dask.worlds(), check_exact=True)
    pd.testing.assert_frame_equal(local.quarters(), dask.quarters(), check_exact=True)


def test_chunks_in_this_process_run_with_the_heap_frozen_and_give_it_back(tmp_path):
    """The per-chunk collection walks only what the chunks made; afterwards the collector sees everything again."""
    experiment = experiment_from_dict(small_experiment())
    points = design(experiment)
    seen: list[int] = []

    def spying_chunk(experiment, points, chunk):
        seen.append(gc.get_freeze_count())
        return simulate_chunk(experiment, points, chunk)

    gc.unfreeze()
    tasks = [Task(0, points.iloc[:2]), Task(1, points.iloc[2:4])]
    outcomes = list(InlineExecutor().run(spying_chunk, experiment, tasks))
    assert all(isinstance(o, ChunkResult) for o in outcomes)
    assert min(seen) > 10_000  # the imports' objects, at least, are frozen while chunks run
    assert gc.get_freeze_count() == 0
