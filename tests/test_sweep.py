"""Sweeps: experiment files, designs, chunked execution, determinism, failures and resuming."""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import tempfile
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import simulator
from simulator.base.errors import UserError
from simulator.storage.locks import LOCK_FILE, FolderLock
from simulator.sweeps import sweep as sweep_module
from simulator.sweeps.chunks import plan_chunks, simulate_chunk
from simulator.sweeps.designs import design, design_size
from simulator.sweeps.experiment import experiment_from_dict, load_experiment
from simulator.sweeps.sweep import (
    IncompleteSweepWarning,
    _join_parts,
    open_sweep,
    rows_per_point,
    run_complete_sweep,
    run_sweep,
    temporary_sweep,
)
from simulator.sweeps.sweep_size import chunk_memory, design_memory, recorded_series

from .conftest import ROOT, SCENARIOS

SHORT_SCENARIO = {
    "name": "short_retrenchment",
    "horizon": 12,
    "replicates": 1,
    "seed": 11,
    "shocks": [{"kind": "us_retrenchment", "name": "US retrenchment", "at": "2025Q3"}],
}
"""A quick base scenario: three years, one shock."""


RANGES = {"shock.US retrenchment.magnitude": {"low": 0.0, "high": 1.0}, "JPN.deference": {}}
"""Two factors by range alone, for the sampling methods."""


def small_experiment(**changes: object) -> dict:
    data = {
        "name": "small",
        "scenario": SHORT_SCENARIO,
        "set": {"model.spinup_quarters": 20},
        "replicates": 3,
        "method": "grid",
        "parameters": {
            "shock.US retrenchment.magnitude": {"low": 0.0, "high": 1.0, "levels": 3},
            "JPN.deference": [0.2, 0.8],
        },
        "metrics": ["coop_EU_JPN:final", "coop_EU_JPN:mean", "coop_EU_JPN:first_above@0.45"],
    }
    data.update(changes)
    return data


def write_experiment(folder: Path, data: dict, name: str = "exp.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


# -- experiment files and designs -------------------------------------------------


def test_shipped_experiments_load_and_name_their_factors():
    files = sorted((ROOT / "experiments").glob("*.yaml"))
    assert {f.stem for f in files} >= {
        "hedging_vs_deference",
        "sensitivity_screening",
        "sensitivity_sobol",
        "taiwan_timing",
    }
    for file in files:
        experiment = load_experiment(file)
        assert design_size(experiment) == len(design(experiment))
        assert experiment.description, f"{file.name} should say what question it answers"
    screening = load_experiment(ROOT / "experiments" / "sensitivity_screening.yaml")
    assert len(screening.factors) == len(simulator.inputs.calibration.default_calibration())


def test_ranges_default_to_the_calibration_and_onsets_read_as_quarters():
    calibration = simulator.inputs.calibration.default_calibration()
    experiment = experiment_from_dict(
        small_experiment(
            method="random",
            samples=40,
            parameters={"JPN.deference": None, "shock.US retrenchment.at": {"low": "2025Q2", "high": "2027Q4"}},
        )
    )
    deference, onset = experiment.factors
    assert (deference.low, deference.high) == (calibration["JPN.deference"].low, calibration["JPN.deference"].high)
    points = design(experiment)
    assert points["JPN.deference"].between(deference.low, deference.high).all()
    quarters = points["shock.US retrenchment.at"] * 4
    assert np.array_equal(quarters, quarters.round()), "onsets are whole quarters"
    assert onset.describe(2026.5) == "2026Q3"
    assert points["shock.US retrenchment.at"].between(2025.25, 2027.75).all()


@pytest.mark.parametrize(
    ("method", "extra", "expected"),
    [
        ("grid", {}, 3 * 2),
        ("random", {"samples": 7}, 7),
        ("lhs", {"samples": 9}, 9),
        ("sobol", {"samples": 8}, 8 * (2 + 2)),
        ("morris", {"samples": 5}, 5 * (2 + 1)),
    ],
)
def test_each_method_gives_its_number_of_points_inside_the_ranges(method, extra, expected):
    parameters = RANGES
    if method == "grid":
        parameters = small_experiment()["parameters"]
    experiment = experiment_from_dict(small_experiment(method=method, parameters=parameters, **extra))
    points = design(experiment)
    assert len(points) == expected == design_size(experiment)
    assert points["point"].tolist() == list(range(expected))
    for factor in experiment.factors:
        assert points[factor.name].between(factor.low, factor.high).all()
    again = design(experiment_from_dict(small_experiment(method=method, parameters=parameters, **extra)))
    pd.testing.assert_frame_equal(points, again)
    if method != "grid":
        other = design(experiment_from_dict(small_experiment(method=method, parameters=parameters, seed=99, **extra)))
        assert not points.equals(other), "another seed gives another design"


def test_grid_is_every_combination_and_explicit_pairs_by_position():
    grid = design(experiment_from_dict(small_experiment()))
    assert sorted(map(tuple, grid.iloc[:, 1:].to_numpy())) == [(m, d) for m in (0.0, 0.5, 1.0) for d in (0.2, 0.8)]
    explicit = design(
        experiment_from_dict(
            small_experiment(
                method="explicit",
                parameters={"JPN.deference": [0.2, 0.5, 0.7], "shock.US retrenchment.magnitude": [1.0, 0.0, 0.5]},
            )
        )
    )
    assert explicit.iloc[:, 1:].to_numpy().tolist() == [[0.2, 1.0], [0.5, 0.0], [0.7, 0.5]]


def test_parameters_all_is_every_calibrated_parameter_less_the_exclusions():
    experiment = experiment_from_dict(
        small_experiment(method="morris", samples=2, parameters="all", exclude=["model.spinup_quarters"])
    )
    names = experiment.factor_names
    assert "model.spinup_quarters" not in names
    assert len(names) == len(simulator.inputs.calibration.default_calibration()) - 1


@pytest.mark.parametrize(
    ("changes", "field", "hint"),
    [
        ({"metod": "grid"}, "metod", "did you mean 'method'"),
        ({"method": "latin"}, "method", "choose from grid, explicit, random, lhs, sobol, morris"),
        ({"parameters": {"JPN.deferance": {}}}, "parameters.JPN.deferance", "did you mean 'deference'"),
        ({"parameters": {"shock.US retrenchmnt.magnitude": {}}}, "parameters", "did you mean 'US retrenchment'"),
        ({"parameters": {"shock.US retrenchment.size": {}}}, "parameters", "choose from at, magnitude"),
        ({"parameters": {"JPN.deference": {"low": 0.5, "high": 2.0}}}, "high", "out of range"),
        ({"parameters": {"JPN.deference": {"low": 0.6, "high": 0.4}}}, "JPN.deference", "must be below"),
        ({"parameters": {"JPN.deference": {"lo": 0.1}}}, "lo", "did you mean 'low'"),
        ({"parameters": {"shock.US retrenchment.at": {"low": "2040Q1", "high": "2041Q1"}}}, "low", "outside"),
        ({"method": "sobol", "samples": 100, "parameters": RANGES}, "samples", "use 64 or 128"),
        ({"method": "lhs", "parameters": RANGES}, "samples", "needs samples"),
        ({"method": "random", "samples": 5, "parameters": {"JPN.deference": [0.1]}}, "values", "low and high"),
        ({"parameters": "everything"}, "parameters", "parameters: all"),
        ({"parameters": {"JPN.deference": {"values": [0.2, 0.4], "levels": 3}}}, "values", "not both"),
        (
            {"method": "explicit", "levels": 3, "parameters": {"JPN.deference": [0.2, 0.4]}},
            "levels",
            "not explicit; remove it",
        ),
        ({"metrics": ["coop_EU_JPN:fnal"]}, "metrics", "did you mean 'final'"),
        ({"set": {"JPN.deference": 0.4}}, "set", "both held fixed"),
        ({"analysis": {"colour_by": "EU.deference"}}, "colour_by", "not a varied parameter"),
        ({"replicates": 0}, "replicates", "greater than or equal to 1"),
    ],
)
def test_experiment_mistakes_name_the_field_and_the_fix(tmp_path, changes, field, hint):
    data = small_experiment(**changes)
    path = write_experiment(tmp_path, data)
    with pytest.raises(UserError) as caught:
        load_experiment(path)
    message = str(caught.value)
    assert field in message and hint in message, message
    assert caught.value.line is not None, "a mistake in a file is reported at its line"


def test_a_missing_scenario_file_is_reported_relative_to_the_experiment(tmp_path):
    path = write_experiment(tmp_path, small_experiment(scenario="no_such.yaml"))
    with pytest.raises(UserError, match="relative to the experiment file"):
        load_experiment(path)


# -- chunks and determinism -------------------------------------------------------


def test_chunk_plan_keeps_points_whole_and_covers_every_point_once():
    plan = plan_chunks(points=23, replicates=4, chunk_worlds=10)
    assert [c.points for c in plan] == [2] * 11 + [1]
    assert [c.start for c in plan] == list(range(0, 23, 2))
    assert plan_chunks(points=3, replicates=50, chunk_worlds=10)[0].points == 1, "a point is never split"


def test_a_sweep_world_is_the_same_world_as_a_single_run_with_those_inputs():
    experiment = experiment_from_dict(small_experiment())
    points = design(experiment)
    result = simulate_chunk(experiment, points)
    row = points.iloc[5]
    mine = result.worlds.query("point == 5")["coop_EU_JPN:final"].to_numpy()
    direct = simulator.model_function(
        experiment.scenario,
        replicates=experiment.replicates,
        seed=experiment.seed,
        metrics=["coop_EU_JPN:final"],
        **{"JPN.deference": row["JPN.deference"], "shock.US retrenchment.magnitude": row.iloc[1]},
    )
    assert direct["coop_EU_JPN:final"] == pytest.approx(mine.mean(), abs=1e-12)
    stats = result.quarters.query("point == 5 and series == 'coop_EU_JPN' and step == 12")
    assert stats["mean"].item() == pytest.approx(mine.mean(), abs=1e-12)
    assert stats["p05"].item() <= stats["p50"].item() <= stats["p95"].item()


def test_replicates_share_random_numbers_across_points():
    """Common random numbers: with magnitude 0 the retrenchment shock does nothing, whatever else differs."""
    experiment = experiment_from_dict(
        small_experiment(parameters={"shock.US retrenchment.magnitude": [0.0, 0.0]}, method="explicit")
    )
    worlds = simulate_chunk(experiment, design(experiment)).worlds
    first, second = (g["coop_EU_JPN:final"].to_numpy() for _, g in worlds.groupby("point"))
    assert np.array_equal(first, second)
    assert len(set(first)) == experiment.replicates, "replicates differ from each other"


def test_same_numbers_for_any_workers_chunk_size_and_executor(tmp_path):
    experiment = experiment_from_dict(small_experiment())
    runs = {
        "inline, one point per chunk": run_sweep(experiment, tmp_path / "a", workers=1, chunk_worlds=1, progress=False),
        "two processes, two points per chunk": run_sweep(
            experiment, tmp_path / "b", workers=2, chunk_worlds=6, progress=False
        ),
        "inline, one chunk": run_sweep(experiment, tmp_path / "c", workers=1, chunk_worlds=10_000, progress=False),
    }
    reference = runs.pop("inline, one point per chunk")
    assert len(reference.manifest["chunks"]) == 6
    for name, other in runs.items():
        pd.testing.assert_frame_equal(reference.worlds(), other.worlds(), obj=name)
        pd.testing.assert_frame_equal(reference.quarters(), other.quarters(), obj=name)


def test_dask_executor_on_a_loopback_cluster_gives_the_same_numbers(tmp_path):
    pytest.importorskip("distributed", reason="the dask extra is not installed (pip install 'eujsim[dask]')")
    experiment = experiment_from_dict(small_experiment())
    local = run_sweep(experiment, tmp_path / "local", workers=1, progress=False)
    dask = run_sweep(
        experiment,
        tmp_path / "dask",
        workers=2,
        executor="dask",
        chunk_worlds=3,
        progress=False,
        chunk_function=functools.partial(die_once, tmp_path / "died"),
    )
    assert dask.manifest["executor"] == "dask"
    assert dask.complete, dask.failures
    pd.testing.assert_frame_equal(local.worlds(), dask.worlds())
    pd.testing.assert_frame_equal(local.quarters(), dask.quarters())
    [session] = dask.manifest["sessions"]
    ran = session["chunks_per_worker"]
    assert sum(ran.values()) == 6 and session["workers"] == len(ran) == dask.manifest["workers"]
    dead = (tmp_path / "died").read_text()
    assert dead not in ran, "the worker that died ran no chunk to the end"
    assert session["workers_started"] == 2 and session["workers_at_end"] >= 1
    assert set(session["workers_lost"]) <= set(ran)


def die_once(marker: Path, experiment, points, chunk):
    """Chunk 1's first worker dies outright (as if killed); the chunk is run again on another worker."""
    if chunk == 1 and not marker.exists():
        marker.write_text(f"{os.uname().nodename}:{os.getpid()}")
        os._exit(1)
    return lock_fds(experiment, points, chunk)


# -- the folder -------------------------------------------------------------------


def test_sweep_folder_holds_the_named_files_and_reopens(tmp_path):
    experiment = experiment_from_dict(small_experiment())
    result = run_sweep(experiment, tmp_path / "sweep", workers=1, chunk_worlds=6, progress=False)
    names = {p.name for p in result.folder.iterdir()}
    assert {"experiment.yaml", "scenario.yaml", "manifest.json", "points.parquet", "worlds.parquet"} <= names
    assert "quarters.parquet" in names and "parts" not in names, "parts are joined and removed when complete"
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["worlds"] == 6 * 3 and manifest["failures"] == []
    worlds = result.worlds()
    assert list(worlds.columns) == [
        "point",
        "replicate",
        "shock.US retrenchment.magnitude",
        "JPN.deference",
        "coop_EU_JPN:final",
        "coop_EU_JPN:mean",
        "coop_EU_JPN:first_above@0.45",
    ]
    assert len(worlds) == 18 and worlds.groupby("point").size().eq(3).all()
    reopened = open_sweep(result.folder)
    assert reopened.experiment.fingerprint() == experiment.fingerprint(), "experiment.yaml re-runs the same sweep"
    pd.testing.assert_frame_equal(reopened.worlds(), worlds)
    means = reopened.point_means()
    assert len(means) == 6 and means["coop_EU_JPN:final"].notna().all()


def test_existing_folder_is_never_overwritten(tmp_path):
    experiment = experiment_from_dict(small_experiment())
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "keep.txt").write_text("mine")
    with pytest.raises(UserError, match="never overwrite"):
        run_sweep(experiment, tmp_path / "taken", workers=1, progress=False)
    assert (tmp_path / "taken" / "keep.txt").read_text() == "mine"


def fail_on_chunk_two(experiment, points, chunk):
    if chunk == 2:
        raise RuntimeError("deliberate failure in chunk 2")
    return simulate_chunk(experiment, points, chunk)


def test_a_failing_chunk_is_recorded_the_rest_go_on_and_resume_completes_it(tmp_path):
    experiment = experiment_from_dict(small_experiment())
    folder = tmp_path / "sweep"
    failed = run_sweep(experiment, folder, workers=1, chunk_worlds=3, progress=False, chunk_function=fail_on_chunk_two)
    assert not failed.complete and failed.manifest["status"] == "failed"
    [failure] = failed.failures
    assert failure["chunk"] == 2 and "deliberate failure" in failure["error"]
    assert "deliberate failure in chunk 2" in (folder / failure["traceback"]).read_text()
    with pytest.warns(IncompleteSweepWarning, match=r"incomplete \(status 'failed'\): 15 of its 18 worlds"):
        assert sorted(failed.worlds()["point"].unique()) == [0, 1, 3, 4, 5], "the other chunks' results are kept"

    resumed = run_sweep(experiment, folder, resume=True, workers=1, progress=False)
    assert resumed.complete and resumed.failures == []
    assert [s["chunks"] for s in resumed.manifest["sessions"]] == [6, 1], "only the failed chunk ran again"
    clean = run_sweep(experiment, tmp_path / "clean", workers=1, chunk_worlds=3, progress=False)
    for name in ("worlds.parquet", "quarters.parquet"):
        assert (folder / name).read_bytes() == (clean.folder / name).read_bytes()


def test_a_temporary_sweep_is_complete_inside_its_block_and_gone_after_it(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the system's temporary folders go
    experiment = experiment_from_dict(small_experiment())
    with temporary_sweep(experiment, workers=1) as result:
        assert result.complete and result.folder.is_relative_to(tmp_path)
        worlds = result.worlds()
    assert len(worlds) == 18
    assert not any(tmp_path.iterdir()), "the temporary sweep left something behind"
    # given a folder, the sweep is kept there: an ordinary sweep folder
    with temporary_sweep(experiment, tmp_path / "kept", workers=1) as kept:
        pd.testing.assert_frame_equal(kept.worlds(), worlds)
    assert open_sweep(tmp_path / "kept").complete


def test_a_temporary_sweep_that_does_not_complete_is_an_error_naming_the_failure(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(sweep_module, "run_sweep", functools.partial(run_sweep, chunk_function=fail_on_chunk_two))
    experiment = experiment_from_dict(small_experiment())
    with (
        pytest.raises(
            UserError, match=r"did not finish: 1 of its 6 chunks failed, the first with RuntimeError: deliberate"
        ),
        temporary_sweep(experiment, workers=1, chunk_worlds=3),
    ):
        pytest.fail("the block must not run")
    assert not any(tmp_path.iterdir())
    with pytest.raises(UserError, match="did not finish"):
        run_complete_sweep(experiment, tmp_path / "kept", workers=1, chunk_worlds=3)
    assert open_sweep(tmp_path / "kept").failures, "a kept folder stays, to be resumed"


def test_resume_refuses_a_changed_experiment_and_a_finished_sweep(tmp_path):
    experiment = experiment_from_dict(small_experiment())
    folder = tmp_path / "sweep"
    run_sweep(experiment, folder, workers=1, progress=False, chunk_function=fail_on_chunk_two, chunk_worlds=3)
    changed = experiment_from_dict(small_experiment(replicates=4))
    with pytest.raises(UserError, match="different experiment"):
        run_sweep(changed, folder, resume=True, workers=1, progress=False)
    run_sweep(experiment, folder, resume=True, workers=1, progress=False)
    with pytest.raises(UserError, match="already complete"):
        run_sweep(experiment, folder, resume=True, workers=1, progress=False)


def test_progress_is_log_lines_when_not_on_a_terminal(tmp_path, capsys):
    run_sweep(experiment_from_dict(small_experiment()), tmp_path / "s", workers=1, chunk_worlds=3)
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.startswith("small: ")]
    assert lines and lines[-1].startswith("small: 18/18 worlds (100%)")
    assert "\r" not in err, "no progress bar in a log"
    assert SCENARIOS.is_dir()


# -- properties ---------------------------------------------------------------------


@given(points=st.integers(1, 500), replicates=st.integers(1, 60), chunk_worlds=st.integers(1, 3000))
def test_any_chunk_plan_covers_every_point_exactly_once_in_order(points, replicates, chunk_worlds):
    plan = plan_chunks(points, replicates, chunk_worlds)
    covered = [p for chunk in plan for p in range(chunk.start, chunk.stop)]
    assert covered == list(range(points))
    assert [c.index for c in plan] == list(range(len(plan)))
    assert all(c.points * replicates <= max(chunk_worlds, replicates) for c in plan), "chunks stay bounded"


@settings(max_examples=25, deadline=None)
@given(
    method=st.sampled_from(["random", "lhs", "sobol", "morris"]),
    seed=st.integers(0, 2**32),
    low=st.floats(0.0, 0.5),
    width=st.floats(0.01, 0.5),
    first=st.integers(0, 30),
    span=st.integers(1, 9),
)
def test_any_design_stays_in_its_ranges_with_whole_quarter_onsets(method, seed, low, width, first, span):
    quarters = [f"{2025 + (first + k) // 4}Q{(first + k) % 4 + 1}" for k in (0, span)]
    data = small_experiment(
        scenario={**SHORT_SCENARIO, "horizon": 40},
        method=method,
        samples=4,
        seed=seed,
        parameters={
            "JPN.deference": {"low": low, "high": low + width},
            "shock.US retrenchment.at": {"low": quarters[0], "high": quarters[1]},
        },
    )
    experiment = experiment_from_dict(data)
    points = design(experiment)
    deference, onset = experiment.factors
    assert points["JPN.deference"].between(deference.low, deference.high).all()
    onsets = points["shock.US retrenchment.at"]
    assert np.array_equal(onsets * 4, (onsets * 4).round())
    assert onsets.between(onset.low, onset.high).all()


def test_progress_bar_shows_the_rate_and_time_left_on_a_terminal(tmp_path, capsys):
    run_sweep(experiment_from_dict(small_experiment()), tmp_path / "s", workers=1, chunk_worlds=3, progress=True)
    err = capsys.readouterr().err
    assert "small: 100%|" in err and "18/18" in err, err
    assert "world/s" in err and "<" in err, "rate and estimated time left"


# -- large designs --------------------------------------------------------------------


def old_grid(experiment):
    """The grid as designs.py built it before it used numpy: a list of itertools.product tuples."""
    return np.array(list(itertools.product(*[f.values for f in experiment.factors])), dtype=float)


def test_the_numpy_grid_is_byte_identical_to_the_product_of_the_values():
    files = [ROOT / "experiments" / "hedging_vs_deference.yaml"]
    experiments = [load_experiment(f) for f in files]
    experiments.append(experiment_from_dict(small_experiment()))
    experiments.append(
        experiment_from_dict(
            small_experiment(
                parameters={
                    "JPN.deference": [0.2, 0.8, 0.5],
                    "shock.US retrenchment.at": {"low": "2025Q2", "high": "2026Q4", "levels": 4},
                    "shock.US retrenchment.magnitude": {"levels": 2},
                }
            )
        )
    )
    for experiment in experiments:
        points = design(experiment)
        rows = old_grid(experiment)
        assert (
            points.iloc[:, 1:].to_numpy().tobytes()
            == np.column_stack([f.snap(rows[:, i]) for i, f in enumerate(experiment.factors)]).tobytes()
        )


def test_design_size_is_exact_beyond_int64():
    calibration = simulator.inputs.calibration.default_calibration()
    names = [p.path for p in calibration.values() if not p.path.startswith("model.")][:7]
    experiment = experiment_from_dict(small_experiment(parameters={name: {"levels": 1000} for name in names}))
    assert design_size(experiment) == 1000**7, "10^21 points: more than int64 holds"


def test_the_memory_estimates_hold_what_a_chunk_and_a_design_really_take():
    """The estimates are at least the traced peak and at most 1.5 (a chunk) or 2 (a design) times it.

    The design's estimate also covers the copy made to write points.parquet, which design() does not make.
    """
    experiment = experiment_from_dict(small_experiment(replicates=200))
    points = design(experiment).iloc[:2].reset_index(drop=True)
    tracemalloc.start()
    try:
        simulate_chunk(experiment, points)
        chunk_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        big = experiment_from_dict(
            small_experiment(
                parameters={"JPN.deference": {"levels": 400}, "shock.US retrenchment.magnitude": {"levels": 250}}
            )
        )
        table = design(big)
        design_peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    estimate = chunk_memory(400, experiment.scenario.horizon, recorded_series(experiment))
    assert chunk_peak <= estimate <= 1.5 * chunk_peak, (chunk_peak, estimate)
    estimate = design_memory("grid", len(table), 2)
    assert design_peak <= estimate <= 2 * design_peak, (design_peak, estimate)


# -- one owner, and complete only when whole ---------------------------------------------


def failed_sweep(folder: Path):
    """A sweep of 6 one-point chunks whose chunk 2 failed: unfinished, resumable."""
    experiment = experiment_from_dict(small_experiment())
    run_sweep(experiment, folder, workers=1, chunk_worlds=3, progress=False, chunk_function=fail_on_chunk_two)
    return experiment


def test_a_sweep_folder_locked_by_another_process_is_not_resumed(tmp_path):
    folder = tmp_path / "sweep"
    experiment = failed_sweep(folder)
    other = FolderLock(folder)  # a second open of the lock file: to flock, another owner
    assert other.acquire()
    try:
        with pytest.raises(UserError, match=rf"is being written by process {os.getpid()}; wait until it finishes"):
            run_sweep(experiment, folder, resume=True, workers=1, progress=False)
    finally:
        other.release()
    assert json.loads((folder / "manifest.json").read_text())["status"] == "failed", "left as it was"
    resumed = run_sweep(experiment, folder, resume=True, workers=1, progress=False)
    assert resumed.complete and len(resumed.worlds()) == 18


def test_the_lock_is_held_while_the_sweep_runs_and_released_at_the_end(tmp_path):
    seen = []

    def watch(experiment, points, chunk):
        seen.append(not FolderLock(tmp_path / "s").acquire())  # refused: the sweep holds it
        return simulate_chunk(experiment, points, chunk)

    run_sweep(experiment_from_dict(small_experiment()), tmp_path / "s", workers=1, progress=False, chunk_function=watch)
    assert seen and all(seen)
    assert (tmp_path / "s" / LOCK_FILE).is_file()
    assert FolderLock(tmp_path / "s").acquire(), "released once the manifest is final"


def lock_fds(experiment, points, chunk):
    """A chunk that fails if its process holds an open descriptor on a sweep folder's lock file."""
    held = [
        os.readlink(f"/proc/self/fd/{fd}")
        for fd in os.listdir("/proc/self/fd")
        if os.path.exists(f"/proc/self/fd/{fd}") and os.readlink(f"/proc/self/fd/{fd}").endswith(LOCK_FILE)
    ]
    if held:
        raise RuntimeError(f"the worker inherited the folder lock: {held}")
    return simulate_chunk(experiment, points, chunk)


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to list open descriptors")
def test_local_workers_do_not_inherit_the_folder_lock(tmp_path):
    """A worker holding the lock's descriptor would keep the folder locked after the sweep process is killed."""
    result = run_sweep(
        experiment_from_dict(small_experiment()),
        tmp_path / "s",
        workers=2,
        chunk_worlds=3,
        progress=False,
        chunk_function=lock_fds,
    )
    assert result.complete, result.failures
    assert all(w.rsplit(":", 1)[1] != str(os.getpid()) for w in result.manifest["sessions"][0]["chunks_per_worker"])


def test_a_sweep_missing_a_part_is_not_called_complete_and_resume_finishes_it(tmp_path):
    experiment = experiment_from_dict(small_experiment())
    folder = tmp_path / "s"

    def meddle(experiment, points, chunk):  # chunk 3 deletes chunk 1's worlds part, as a second writer could
        if chunk == 3:
            (folder / "parts" / "worlds-000001.parquet").unlink()
        return simulate_chunk(experiment, points, chunk)

    result = run_sweep(experiment, folder, workers=1, chunk_worlds=3, progress=False, chunk_function=meddle)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "incomplete" and not result.complete
    assert manifest["missing_chunks"] == [1]
    assert manifest["rows"]["worlds"] == 15 and pq.ParquetFile(folder / "worlds.parquet").metadata.num_rows == 15
    assert (folder / "parts").is_dir(), "parts are kept for the resume"
    with pytest.warns(IncompleteSweepWarning, match="15 of its 18 worlds"):
        result.worlds()
    resumed = run_sweep(experiment, folder, resume=True, workers=1, progress=False)
    assert resumed.complete and resumed.manifest["sessions"][-1]["chunks"] == 1
    assert resumed.manifest["rows"] == {"worlds": 18, "quarters": 6 * 1 * 13}
    assert resumed.shortfall is None


def test_the_join_skips_chunks_without_both_parts(tmp_path):
    folder = tmp_path / "sweep"
    failed_sweep(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    plan = [simulator.sweeps.chunks.Chunk(**c) for c in manifest["chunks"]]
    (folder / "parts" / "quarters-000004.parquet").unlink()
    missing, rows = _join_parts(folder, plan, rows_per_point(3, 1, 12))
    assert missing == [2, 4]
    assert rows == {"worlds": 4 * 3, "quarters": 4 * 13}
    assert sorted(pd.read_parquet(folder / "worlds.parquet")["point"].unique()) == [0, 1, 3, 5]
    assert sorted(pd.read_parquet(folder / "quarters.parquet")["point"].unique()) == [0, 1, 3, 5]


def clean_tables(tmp_path: Path) -> dict[str, bytes]:
    """The joined tables of an uninterrupted sweep of :func:`failed_sweep`'s experiment and chunk plan."""
    clean = run_sweep(experiment_from_dict(small_experiment()), tmp_path / "clean", workers=1, chunk_worlds=3)
    return {name: (clean.folder / name).read_bytes() for name in ("worlds.parquet", "quarters.parquet")}


DAMAGES = {
    "emptied": lambda path: path.write_bytes(b""),
    "random bytes": lambda path: path.write_bytes(bytes(range(256)) * 2),
    "cut short": lambda path: path.write_bytes(path.read_bytes()[:-40]),
    "fewer rows": lambda path: pq.write_table(pq.read_table(path).slice(0, 1), path),
}
"""Ways a file can be damaged: by a full disk, a copy gone wrong, an editor, or another program."""


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("kind", ["worlds", "quarters"])
def test_a_damaged_part_is_left_out_by_readers_and_run_again_by_resume(tmp_path, damage, kind):
    """The reviewer's reproducer: a damaged part made --resume and analyze end in ArrowInvalid, over and over."""
    folder = tmp_path / "sweep"
    experiment = failed_sweep(folder)  # chunk 2 failed; chunks 0, 1, 3, 4, 5 have their parts
    DAMAGES[damage](folder / "parts" / f"{kind}-000001.parquet")
    opened = open_sweep(folder)
    with pytest.warns(IncompleteSweepWarning, match=rf"12 of its 18 worlds .* damaged part file \(parts/{kind}-000001"):
        assert sorted(opened.worlds()["point"].unique()) == [0, 3, 4, 5], "chunk 1 is left out"
    assert sorted(opened.quarters()["point"].unique()) == [0, 3, 4, 5]
    assert "--resume runs its chunk again" in opened.shortfall

    resumed = run_sweep(experiment, folder, resume=True, workers=1, progress=False)
    assert resumed.complete and resumed.shortfall is None
    assert resumed.manifest["sessions"][-1]["chunks"] == 2, "the failed chunk and the damaged one"
    assert resumed.manifest["sessions"][-1]["damaged_parts"] == [f"{kind}-000001.parquet"]
    assert {n: (folder / n).read_bytes() for n in ("worlds.parquet", "quarters.parquet")} == clean_tables(tmp_path)


def test_a_part_damaged_while_the_sweep_runs_is_missing_and_resume_completes_it(tmp_path):
    """A part with too few rows made the sweep 'incomplete' for good: --resume said to start again elsewhere."""
    experiment = experiment_from_dict(small_experiment())
    folder = tmp_path / "s"

    def meddle(experiment, points, chunk):  # chunk 3 cuts chunk 1's worlds part to one row
        if chunk == 3:
            DAMAGES["fewer rows"](folder / "parts" / "worlds-000001.parquet")
        return simulate_chunk(experiment, points, chunk)

    result = run_sweep(experiment, folder, workers=1, chunk_worlds=3, progress=False, chunk_function=meddle)
    assert result.manifest["status"] == "incomplete" and result.manifest["missing_chunks"] == [1]
    assert result.manifest["rows"] == {"worlds": 15, "quarters": 5 * 13}, "the short part is not joined"
    assert "rerun them with --resume" in simulator.sweeps.sweep.summary_line(result)
    assert "--resume --out" in result.shortfall, "analyze, compare and report give the same advice"
    resumed = run_sweep(experiment, folder, resume=True, workers=1, progress=False)
    assert resumed.complete and resumed.manifest["sessions"][-1]["chunks"] == 1
    assert {n: (folder / n).read_bytes() for n in ("worlds.parquet", "quarters.parquet")} == clean_tables(tmp_path)


def test_a_part_that_reads_its_footer_but_not_its_data_is_left_out_of_the_join_and_run_again(tmp_path, monkeypatch):
    folder = tmp_path / "sweep"
    experiment = failed_sweep(folder)
    read_table = pq.read_table

    def unreadable_chunk_three(path, *args, **kwargs):
        if Path(path).name == "quarters-000003.parquet":
            raise pa.ArrowInvalid("deliberately unreadable data page")
        return read_table(path, *args, **kwargs)

    with monkeypatch.context() as broken:
        broken.setattr(pq, "read_table", unreadable_chunk_three)
        again = run_sweep(experiment, folder, resume=True, workers=1, progress=False)
    assert again.manifest["status"] == "incomplete" and again.manifest["missing_chunks"] == [3]
    assert again.manifest["rows"]["worlds"] == 15, "both tables leave chunk 3 out"
    resumed = run_sweep(experiment, folder, resume=True, workers=1, progress=False)
    assert resumed.complete and resumed.manifest["sessions"][-1]["chunks"] == 1, "chunk 3 ran again"
    assert {n: (folder / n).read_bytes() for n in ("worlds.parquet", "quarters.parquet")} == clean_tables(tmp_path)


@pytest.mark.parametrize("damage", ["emptied", "random bytes", "cut short"])
@pytest.mark.parametrize("name", ["worlds.parquet", "quarters.parquet", "points.parquet"])
def test_every_reader_names_a_damaged_table_and_what_to_do(tmp_path, damage, name):
    result = run_sweep(experiment_from_dict(small_experiment()), tmp_path / "s", workers=1, progress=False)
    DAMAGES[damage](tmp_path / "s" / name)
    damaged = open_sweep(tmp_path / "s")
    advice = rf"{tmp_path / 's' / name}: is damaged \(.*\); run the sweep again into a new folder"
    readers = {
        "worlds.parquet": [damaged.worlds, damaged.point_means],
        "quarters.parquet": [damaged.quarters],
        "points.parquet": [damaged.points, damaged.point_means],
    }[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", IncompleteSweepWarning)
        for reader in readers:
            with pytest.raises(UserError, match=advice):
                reader()
    if name != "points.parquet":
        assert re.match(advice, damaged.shortfall), "the report prints it as its warning"
    assert result.complete


def test_resume_writes_a_damaged_points_table_again(tmp_path):
    folder = tmp_path / "sweep"
    experiment = failed_sweep(folder)
    points = (folder / "points.parquet").read_bytes()
    DAMAGES["emptied"](folder / "points.parquet")
    with pytest.raises(UserError, match=r"points.parquet: is damaged .*`eujsim sweep .* --resume --out"):
        open_sweep(folder).points()
    run_sweep(experiment, folder, resume=True, workers=1, progress=False)
    assert (folder / "points.parquet").read_bytes() == points


def truncate(folder: Path, name: str, rows: int) -> None:
    """Keep the first ``rows`` rows of a joined table, as two sweeps writing one folder left it."""
    table = pq.read_table(folder / name)
    pq.write_table(table.slice(0, rows), folder / name)


def test_readers_say_when_a_complete_sweep_misses_rows(tmp_path):
    result = run_sweep(experiment_from_dict(small_experiment()), tmp_path / "s", workers=1, progress=False)
    assert result.manifest["rows"] == {"worlds": 18, "quarters": 6 * 13}
    assert open_sweep(tmp_path / "s").shortfall is None
    truncate(tmp_path / "s", "worlds.parquet", 6)
    damaged = open_sweep(tmp_path / "s")
    assert "worlds.parquet holds 6 worlds where the design has 18 (6 points x 3 replicates)" in damaged.shortfall
    with pytest.warns(IncompleteSweepWarning, match="holds 6 worlds"):
        damaged.point_means()
    run_sweep(experiment_from_dict(small_experiment()), tmp_path / "q", workers=1, progress=False)
    truncate(tmp_path / "q", "quarters.parquet", 40)
    with pytest.warns(IncompleteSweepWarning, match="quarters.parquet holds 40 rows where the design has 78"):
        open_sweep(tmp_path / "q").quarters()


# -- the folder appears whole; what was left half-started restarts ---------------------------


def test_a_sweep_that_fails_while_starting_leaves_no_folder(tmp_path, monkeypatch):
    experiment = experiment_from_dict(small_experiment())

    def broken(folder, manifest):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(simulator.sweeps.sweep, "_write_manifest", broken)
    with pytest.raises(OSError, match="No space left"):
        run_sweep(experiment, tmp_path / "s", workers=1, progress=False)
    assert not (tmp_path / "s").exists()
    assert list(tmp_path.iterdir()) == [], "nor a temporary folder"
    monkeypatch.undo()
    assert run_sweep(experiment, tmp_path / "s", workers=1, progress=False).complete


@pytest.mark.parametrize(
    "left", [("experiment.yaml", "scenario.yaml", "points.parquet"), ("experiment.yaml", "scenario.yaml"), ()]
)
def test_resume_starts_afresh_where_a_sweep_died_before_its_manifest(tmp_path, left):
    """Older versions wrote experiment.yaml, scenario.yaml and points.parquet before manifest.json."""
    experiment = experiment_from_dict(small_experiment())
    clean = run_sweep(experiment, tmp_path / "clean", workers=1, chunk_worlds=3, progress=False)
    folder = tmp_path / "half"
    folder.mkdir()
    for name in left:
        (folder / name).write_bytes((clean.folder / name).read_bytes())
    (folder / "parts").mkdir()
    resumed = run_sweep(experiment, folder, resume=True, workers=1, chunk_worlds=3, progress=False)
    assert resumed.complete
    for name in ("experiment.yaml", "points.parquet", "worlds.parquet", "quarters.parquet"):
        assert (folder / name).read_bytes() == (clean.folder / name).read_bytes()


def test_resume_refuses_a_folder_without_a_manifest_that_holds_other_files(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a sweep")
    with pytest.raises(UserError, match=r"has no manifest.json.*not a sweep that can be resumed.*\(notes.txt\).*--out"):
        run_sweep(experiment_from_dict(small_experiment()), folder, resume=True, workers=1, progress=False)
    assert [p.name for p in folder.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize(
    "damage",
    [
        "notes in experiment.yaml",
        "another scenario.yaml",
        "experiment.yaml cut short",
        "another design in points.parquet",
        "points.parquet cut short",
    ],
)
def test_resume_never_writes_over_files_that_are_not_this_experiments_start(tmp_path, damage):
    """The reviewer's reproducer: --resume on a folder of the user's experiment.yaml and scenario.yaml replaced both."""
    experiment = experiment_from_dict(small_experiment())
    clean = run_sweep(experiment, tmp_path / "clean", workers=1, progress=False)
    folder = tmp_path / "study"
    folder.mkdir()
    for name in ("experiment.yaml", "scenario.yaml", "points.parquet"):
        (folder / name).write_bytes((clean.folder / name).read_bytes())
    if damage == "notes in experiment.yaml":
        (folder / "experiment.yaml").write_bytes(experiment.to_yaml().encode() + b"# my notes\n")
    elif damage == "another scenario.yaml":
        (folder / "scenario.yaml").write_bytes((SCENARIOS / "us_retrenchment.yaml").read_bytes())
    elif damage == "experiment.yaml cut short":
        (folder / "experiment.yaml").write_bytes(experiment.to_yaml().encode()[:50])
    elif damage == "another design in points.parquet":
        other = run_sweep(
            experiment_from_dict(small_experiment(seed=5, method="random", samples=6, parameters=RANGES)),
            tmp_path / "other",
            workers=1,
            progress=False,
        )
        (folder / "points.parquet").write_bytes((other.folder / "points.parquet").read_bytes())
    else:
        (folder / "points.parquet").write_bytes((clean.folder / "points.parquet").read_bytes()[:100])
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(UserError, match=r"would write over .*, which differs? from what this sweep writes; nothing"):
        run_sweep(experiment, folder, resume=True, workers=1, progress=False)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before, "nothing was touched"


# -- what ran, recorded --------------------------------------------------------------------


def test_the_manifest_records_the_workers_that_really_ran_chunks(tmp_path):
    experiment = experiment_from_dict(small_experiment())
    one_chunk = run_sweep(experiment, tmp_path / "a", workers=4, chunk_worlds=100, progress=False)
    [session] = one_chunk.manifest["sessions"]
    assert session["workers_requested"] == 4
    assert session["workers"] == one_chunk.manifest["workers"] == 1, "one chunk runs in this process"
    assert session["chunks_per_worker"] == {f"{os.uname().nodename}:{os.getpid()}": 1}
    assert session["workers_at_end"] == 1 and session["workers_lost"] == []
    two = run_sweep(experiment, tmp_path / "b", workers=2, chunk_worlds=3, progress=False)
    [session] = two.manifest["sessions"]
    assert session["executor"] == "local" and session["workers_started"] == 2
    assert 1 <= session["workers"] == len(session["chunks_per_worker"]) <= 2
    assert sum(session["chunks_per_worker"].values()) == 6
    assert str(os.getpid()) not in [w.rsplit(":", 1)[1] for w in session["chunks_per_worker"]]
