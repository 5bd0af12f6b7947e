"""Metrics per world and the plain model function for outside tools."""

from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
import tempfile
import tomllib

import numpy as np
import pandas as pd
import pytest
from SALib import ProblemSpec

import simulator
from simulator.base.errors import UserError
from simulator.base.paths import SHIPPED_FOLDER, SHIPPED_SCENARIOS
from simulator.runs.metrics import Metric, never_reached, parse_metric, parse_metrics, replicate_means
from simulator.sweeps.sensitivity import tabulate_points
from simulator.sweeps.sweep import open_sweep

from .conftest import ROOT, SCENARIOS

RETRENCHMENT = SCENARIOS / "us_retrenchment.yaml"
BASELINE = SCENARIOS / "baseline.yaml"


def test_metrics_compute_final_peak_mean_and_first_crossing():
    series = np.array([[0.1, 0.1], [0.3, 0.2], [0.6, 0.25], [0.4, 0.3]])  # steps 0..3, two worlds
    assert parse_metric("coop_EU_JPN:final").compute(series).tolist() == [0.4, 0.3]
    assert parse_metric("coop_EU_JPN:peak").compute(series).tolist() == [0.6, 0.3]
    np.testing.assert_allclose(parse_metric("coop_EU_JPN:mean").compute(series), [13 / 30, 0.25])
    first = parse_metric("coop_EU_JPN:first_above@0.5").compute(series)
    assert first[0] == 2.0 and math.isnan(first[1])
    assert parse_metric("coop_EU_JPN:first_above@0.5").name == "coop_EU_JPN:first_above@0.5"


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("coop_EU_JAP:final", "did you mean 'coop_EU_JPN'"),
        ("coop_EU_JPN:fnal", "did you mean 'final'"),
        ("coop_EU_JPN", "SERIES:STATISTIC"),
        ("coop_EU_JPN:first_above", "needs a level"),
        ("coop_EU_JPN:final@0.3", "only it takes one"),
        ("coop_EU_JPN:first_above@high", "not a number"),
    ],
)
def test_bad_metrics_say_what_to_write(text, hint):
    with pytest.raises(UserError) as info:
        parse_metric(text)
    assert hint in str(info.value)


def test_a_metric_listed_twice_is_refused():
    with pytest.raises(UserError, match="twice"):
        parse_metrics(["coop_EU_JPN:final", "coop_EU_JPN:final"])
    assert parse_metrics(["coop_EU_JPN:final", "coop_EU_JPN:peak"]) == [
        Metric("coop_EU_JPN", "final"),
        Metric("coop_EU_JPN", "peak"),
    ]


def test_model_function_takes_parameters_as_dotted_paths_or_keywords():
    dotted = simulator.model_function(RETRENCHMENT, replicates=5, **{"JPN.deference": 0.8})
    keyword = simulator.model_function(RETRENCHMENT, replicates=5, JPN__deference=0.8)
    default = simulator.model_function(RETRENCHMENT, replicates=5)
    assert dotted == keyword
    assert set(default) == {"coop_EU_JPN:final", "coop_EU_JPN:peak", "coop_EU_JPN:mean"}
    # more deference to Washington, less drawn toward the EU under retrenchment (P4)
    assert dotted["coop_EU_JPN:mean"] < default["coop_EU_JPN:mean"]


def test_model_function_runs_the_shipped_baseline_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no scenarios/ folder here
    default = simulator.model_function(replicates=3)
    assert default == simulator.model_function(BASELINE, replicates=3)
    assert not any(tmp_path.iterdir()), "model_function wrote into the current folder"


def test_the_shipped_scenarios_are_package_data():
    """The package's scenarios folder is the project's, and a built package carries its files."""
    packaged = SHIPPED_SCENARIOS / "baseline.yaml"
    assert packaged.is_file()
    assert packaged.resolve() == BASELINE.resolve()
    assert {p.name for p in packaged.parent.glob("*.yaml")} == {p.name for p in SCENARIOS.glob("*.yaml")}
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert f"{SHIPPED_FOLDER}/*.yaml" in setuptools["package-data"]["simulator.data"]


def test_model_function_matches_the_run_api():
    result = simulator.run(RETRENCHMENT, replicates=5)
    values = simulator.model_function(RETRENCHMENT, replicates=5)
    assert values["coop_EU_JPN:final"] == pytest.approx(result.final("coop_EU_JPN").mean(), abs=1e-12)


def test_first_above_counts_a_replicate_that_never_reaches_the_level_as_one_quarter_after_the_run():
    """As a sweep's analysis does: a mean for every point, and the share that reached the level beside it."""
    result = simulator.run(RETRENCHMENT, replicates=8)
    per_world = parse_metric("coop_EU_JPN:first_above@0.62").compute(result.series("coop_EU_JPN"))
    reached = np.isfinite(per_world)
    assert 0 < reached.sum() < 8, "the level should be reached in some replicates only"
    horizon = result.scenario.horizon
    values = simulator.model_function(
        RETRENCHMENT, replicates=8, metrics=["coop_EU_JPN:first_above@0.62", "coop_EU_JPN:first_above@0.99"]
    )
    assert values["coop_EU_JPN:first_above@0.62"] == pytest.approx(np.where(reached, per_world, horizon + 1).mean())
    assert values["coop_EU_JPN:first_above@0.62:reached"] == reached.mean()
    # a level no replicate reaches: horizon + 1, not NaN, and a share of 0
    assert values["coop_EU_JPN:first_above@0.99"] == horizon + 1
    assert values["coop_EU_JPN:first_above@0.99:reached"] == 0.0
    assert list(values) == [
        "coop_EU_JPN:first_above@0.62",
        "coop_EU_JPN:first_above@0.62:reached",
        "coop_EU_JPN:first_above@0.99",
        "coop_EU_JPN:first_above@0.99:reached",
    ]


def test_replicate_means_is_the_sweeps_horizon_plus_one_rule():
    metric = parse_metric("coop_EU_JPN:first_above@0.5")
    values = np.array([[3.0, np.nan, 5.0, np.nan], [np.nan] * 4])
    means = replicate_means(metric, values, horizon=40)
    np.testing.assert_array_equal(means["coop_EU_JPN:first_above@0.5"], [(3 + 41 + 5 + 41) / 4, 41.0])
    np.testing.assert_array_equal(means["coop_EU_JPN:first_above@0.5:reached"], [0.5, 0.0])
    assert never_reached(40) == 41
    final = replicate_means(parse_metric("coop_EU_JPN:final"), np.array([[0.25, 0.75]]), horizon=40)
    assert list(final) == ["coop_EU_JPN:final"]
    np.testing.assert_array_equal(final["coop_EU_JPN:final"], [0.5])


def test_a_shock_at_zero_magnitude_is_the_baseline_exactly():
    off = simulator.model_function(RETRENCHMENT, replicates=5, **{"shock.US retrenchment.magnitude": 0.0})
    baseline = simulator.model_function(BASELINE, replicates=5)
    assert off == baseline


def test_a_later_shock_onset_delays_its_effect():
    metric = ["us_commitment_europe:mean"]
    early = simulator.model_function(RETRENCHMENT, replicates=3, metrics=metric)
    late = simulator.model_function(
        RETRENCHMENT, replicates=3, metrics=metric, **{"shock.US retrenchment.at": "2030Q1"}
    )
    assert late["us_commitment_europe:mean"] > early["us_commitment_europe:mean"] + 0.05


@pytest.mark.parametrize(
    ("inputs", "hint"),
    [
        ({"JPN__deferense": 0.3}, "did you mean 'deference'"),
        ({"JPN.deference": 7.0}, "out of range"),
        ({"shock.US retrenchmnt.magnitude": 0.5}, "did you mean 'US retrenchment'"),
        ({"shock.US retrenchment.size": 0.5}, "unknown shock field"),
        ({"shock.US retrenchment.magnitude": 2.0}, "out of range"),
        ({"shock.US retrenchment.at": "1990Q1"}, "outside the simulated quarters 2025Q1–2034Q4"),
    ],
)
def test_bad_inputs_are_user_errors_naming_the_fix(inputs, hint):
    with pytest.raises(UserError) as info:
        simulator.model_function(RETRENCHMENT, replicates=2, **inputs)
    assert hint in str(info.value)


# -- many points at once ----------------------------------------------------------------------

POINTS = pd.DataFrame(
    {
        "JPN.deference": [0.2, 0.5, 0.77, 0.3],
        "EU__entrapment_aversion": [0.3, 0.6, 0.45, 0.3],
        "shock.US retrenchment.magnitude": [0.1, 0.9, 0.0, 1.0],
        "shock.US retrenchment.at": ["2026Q1", "2028Q3", "2025Q2", "2030Q4"],
    },
    index=["a", "b", "c", "d"],
)
"""Four points mixing dotted and keyword parameter names, a shock's size and its onset."""
BATCH_METRICS = ["coop_EU_JPN:final", "coop_EU_JPN:mean", "coop_EU_JPN:first_above@0.6"]


@pytest.fixture(scope="module")
def batch():
    return simulator.evaluate_points(POINTS, RETRENCHMENT, replicates=5, metrics=BATCH_METRICS, workers=1)


def test_evaluate_points_gives_model_functions_numbers_exactly_one_row_per_point_in_order(batch):
    assert list(batch.index) == ["a", "b", "c", "d"]
    assert list(batch.columns) == [*POINTS.columns, *BATCH_METRICS[:2], BATCH_METRICS[2], f"{BATCH_METRICS[2]}:reached"]
    pd.testing.assert_frame_equal(batch[POINTS.columns], POINTS)
    for label, row in POINTS.iterrows():
        direct = simulator.model_function(RETRENCHMENT, replicates=5, metrics=BATCH_METRICS, **row.to_dict())
        assert batch.loc[label, list(direct)].to_dict() == direct, f"point {label}"
    reached = batch[f"{BATCH_METRICS[2]}:reached"]
    assert (reached < 1).any() and (reached > 0).any(), "the level should be reached at some points only"


def test_evaluate_points_does_not_depend_on_workers_or_chunks(batch):
    parallel = simulator.evaluate_points(
        POINTS, RETRENCHMENT, replicates=5, metrics=BATCH_METRICS, workers=2, chunk_worlds=5
    )
    pd.testing.assert_frame_equal(parallel, batch, check_exact=True)


def test_evaluate_points_means_first_above_as_a_sweeps_analysis_does(batch, tmp_path):
    kept = simulator.evaluate_points(
        POINTS, RETRENCHMENT, replicates=5, metrics=BATCH_METRICS, workers=1, out=tmp_path / "sweep"
    )
    pd.testing.assert_frame_equal(kept, batch, check_exact=True)
    sweep = open_sweep(tmp_path / "sweep")  # the kept folder is an ordinary, complete sweep
    assert sweep.complete
    table = tabulate_points(sweep, sweep.worlds()).table
    for column in (BATCH_METRICS[2], f"{BATCH_METRICS[2]}:reached"):
        np.testing.assert_allclose(table[column].to_numpy(), batch[column].to_numpy(), rtol=0, atol=1e-12)


def test_evaluate_points_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    simulator.evaluate_points({"JPN.deference": [0.3, 0.6]}, replicates=2, workers=1)
    assert not any(tmp_path.iterdir())


def test_evaluate_points_reads_a_mapping_an_array_and_a_salib_problem_alike():
    values = np.array([[0.25, 0.7], [0.6, 0.35], [0.8, 0.5]])
    names = ["JPN.deference", "EU.entrapment_aversion"]
    options = {"scenario": RETRENCHMENT, "replicates": 2, "workers": 1}
    frame = simulator.evaluate_points(pd.DataFrame(values, columns=names), **options)
    from_mapping = simulator.evaluate_points(dict(zip(names, values.T, strict=True)), **options)
    from_array = simulator.evaluate_points(values, names=names, **options)
    problem = ProblemSpec({"names": names, "bounds": [[0.2, 0.8], [0.2, 0.8]]}).set_samples(values)
    from_problem = simulator.evaluate_points(problem, **options)
    for other in (from_mapping, from_array, from_problem):
        pd.testing.assert_frame_equal(other, frame, check_exact=True)
    # a single value in a mapping, or a keyword, holds an input at every point
    held = simulator.evaluate_points({"JPN.deference": values[:, 0], "EU.entrapment_aversion": 0.5}, **options)
    keyword = simulator.evaluate_points({"JPN.deference": values[:, 0]}, EU__entrapment_aversion=0.5, **options)
    pd.testing.assert_frame_equal(held.drop(columns="EU.entrapment_aversion"), keyword, check_exact=True)
    assert (
        keyword.loc[2, "coop_EU_JPN:final"]
        == simulator.model_function(RETRENCHMENT, replicates=2, JPN__deference=0.8, EU__entrapment_aversion=0.5)[
            "coop_EU_JPN:final"
        ]
    )


@pytest.mark.parametrize(
    ("points", "options", "hint"),
    [
        ({"JPN__deferense": [0.3]}, {}, "did you mean 'deference'"),
        (pd.DataFrame({"JPN.deference": [0.3, 7.0]}, index=["x", "y"]), {}, "out of range; it must lie in [0, 1]"),
        (pd.DataFrame({"JPN.deference": [0.3, 7.0]}, index=["x", "y"]), {}, "(row 'y' of the points)"),
        ({"JPN.deference": [0.3, float("nan")]}, {}, "no value in row 1 (NaN)"),
        ({"shock.US retrenchment.at": [2026.5]}, {}, 'needs a quarter in quotes such as "2026Q3"'),
        ({"shock.US retrenchmnt.magnitude": [0.5]}, {}, "did you mean 'US retrenchment'"),
        ({"JPN.deference": [0.3, 0.4], "JPN__deference": [0.3, 0.4]}, {}, "both set JPN.deference; keep one"),
        ({"JPN.deference": [0.3, 0.4]}, {"JPN__deference": 0.5}, "both set JPN.deference"),
        ({"JPN.deference": [0.3, 0.4], "EU.entrapment_aversion": [0.5]}, {}, "equal lengths"),
        (np.array([[0.3, 0.4]]), {}, "needs names="),
        (np.array([[0.3, 0.4]]), {"names": ["JPN.deference"]}, "shape (1, 2) but 1 names"),
        ({"JPN.deference": [0.3]}, {"names": ["JPN.deference"]}, "names are for a numpy array"),
        (ProblemSpec({"names": ["JPN.deference", "EU.linkage"], "bounds": [[0, 1], [0, 1]]}), {}, "no samples yet"),
        (pd.DataFrame({"JPN.deference": []}), {}, "no points"),
        (pd.DataFrame(index=[0, 1]), {}, "no inputs"),
        (pd.DataFrame([[0.3]], columns=[7]), {}, "column 7 is not an input name"),
        ([0.3, 0.4], {}, "cannot read points from a list"),
        ({"JPN.deference": [0.3]}, {"metrics": ["coop_EU_JPN:fnal"]}, "did you mean 'final'"),
        ({"JPN.deference": [0.3]}, {"replicates": 0}, "replicates"),
    ],
)
def test_bad_points_are_user_errors_naming_the_input_and_the_fix(points, options, hint):
    with pytest.raises(UserError) as info:
        simulator.evaluate_points(points, RETRENCHMENT, workers=1, **options)
    assert hint in str(info.value)
    assert "\n" not in str(info.value)


def test_the_salib_example_samples_evaluates_in_one_call_and_analyses(capsys):
    spec = importlib.util.spec_from_file_location(
        "salib_sobol_example", ROOT / "docs" / "examples" / "salib_sobol_example.py"
    )
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    problem, table = example.main(base_samples=4, replicates=2, workers=1)

    names = [*example.PARAMETERS, example.MAGNITUDE]
    assert len(table) == 4 * (len(names) + 2), "Saltelli's N x (D + 2) points, a row each"
    np.testing.assert_array_equal(table[names].to_numpy(), problem.samples)
    np.testing.assert_array_equal(problem.results, table[list(example.METRICS)].to_numpy())
    assert np.isfinite(problem.results).all()
    for metric in example.METRICS:
        assert set(problem.analysis[metric]) >= {"S1", "ST", "S1_conf", "ST_conf"}
        assert np.isfinite(problem.analysis[metric]["ST"]).all()
    row = table.iloc[5]
    direct = simulator.model_function(
        example.SCENARIO, replicates=2, metrics=example.METRICS, **{name: row[name] for name in names}
    )
    assert {metric: row[metric] for metric in example.METRICS} == {metric: direct[metric] for metric in example.METRICS}
    printed = capsys.readouterr().out
    assert "24 points x 2 replicates" in printed and "Sobol' indices of coop_EU_JPN:final" in printed


SCRIPT = """
import simulator

def main():
    table = simulator.evaluate_points({"JPN.deference": [0.2, 0.4, 0.6, 0.8]}, replicates=2, workers=2, chunk_worlds=2)
    print(table["coop_EU_JPN:final"].notna().sum(), "points")

GUARD
"""


@pytest.mark.parametrize("guarded", [True, False])
def test_a_script_with_worker_processes_needs_the_main_guard_and_is_told_so(tmp_path, guarded):
    script = tmp_path / "script.py"
    guard = 'if __name__ == "__main__":\n    main()' if guarded else "main()"
    script.write_text(SCRIPT.replace("GUARD", guard), encoding="utf-8")
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=environment, cwd=tmp_path, timeout=300
    )
    if guarded:
        assert done.returncode == 0, done.stderr
        assert "4 points" in done.stdout
    else:
        assert done.returncode != 0
        last = done.stderr.strip().splitlines()[-1]
        assert "BrokenProcessPool" in last and 'if __name__ == "__main__":' in last
        # each worker stopped at once, before its own sweep made a folder, saying why
        assert "a sweep was started while a worker process imported the script" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["script.py"], "the temporary sweep was left behind"
