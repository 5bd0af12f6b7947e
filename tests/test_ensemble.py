"""Runs over a parameter ensemble: loading, per-world rows, precedence, records, and the band's name."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.base.errors import UserError
from simulator.core.model import StrategicModel
from simulator.core.randomness import ensemble_rows
from simulator.core.recorder import Recorder
from simulator.evaluation.compare import compare
from simulator.inputs.ensemble import POINT_BAND, Ensemble, load_ensemble, shipped_ensembles
from simulator.reports.report import build_report
from simulator.runs.ensembles import ensemble_overrides, fixed_by_scenario, replicate_samples
from simulator.runs.results import RunResult
from simulator.runs.run_folder import open_run, rerun
from simulator.runs.runner import resolve, simulate
from tests.conftest import SCENARIOS, cli_error, eujsim, make_scenario

DATA = Path(__file__).resolve().parent / "data"
SMALL = DATA / "ensemble_small.csv"
"""Six samples of four parameters, with a provenance YAML beside it (extra keys included)."""
SHIPPED = Path(__file__).resolve().parent.parent / "simulator" / "data" / "ensembles" / "calibrated.csv"
HEADER = "sample,model.desire_intercept,model.weight_values,model.weight_common_threat,JPN.deference"


@pytest.fixture(scope="module")
def small() -> Ensemble:
    return load_ensemble(SMALL)


def _short(ensemble: Ensemble | None, replicates: int = 6, **fields: object):
    """The baseline over 8 quarters, resolved with ``ensemble``."""
    base = resolve(SCENARIOS / "baseline.yaml", replicates=replicates, ensemble=ensemble, **fields)
    return replace(base, horizon=8)


# -- loading ------------------------------------------------------------------------------


def test_loads_samples_and_provenance(small):
    assert small.name == "ensemble_small"
    assert small.size == 6
    assert small.parameters == (
        "model.desire_intercept",
        "model.weight_values",
        "model.weight_common_threat",
        "JPN.deference",
    )
    assert small.samples.shape == (6, 4)
    assert small.samples[3, 3] == pytest.approx(0.6)
    assert list(small.sample_ids) == [0, 1, 2, 3, 4, 5]
    assert small.method == "hand-picked test samples"
    assert small.provenance["tolerance"] == 0.1  # keys it does not use are kept, not refused
    assert not small.samples.flags.writeable
    frame = small.frame
    assert list(frame.columns) == ["sample", *small.parameters]
    assert len(frame) == 6
    assert small.band == (
        "replicate noise and parameter uncertainty (ensemble_small ensemble: 6 samples, hand-picked test samples)"
    )


def test_without_a_provenance_file_the_method_is_said_to_be_unstated(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(HEADER + "\n0,-0.1,0.3,0.7,0.5\n", encoding="utf-8")
    ensemble = load_ensemble(path)
    assert ensemble.provenance == {}
    assert ensemble.method == "method not stated"
    assert ensemble.size == 1


def test_accepted_must_match_the_rows(tmp_path):
    shutil.copy(SMALL, tmp_path / "e.csv")
    (tmp_path / "e.yaml").write_text("method: ABC rejection\ntargets: backcast\naccepted: 7\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"7 samples were accepted but e\.csv has 6 rows") as caught:
        load_ensemble(tmp_path / "e.csv")
    assert caught.value.line == 3


def test_an_unknown_name_lists_the_shipped_ensembles():
    with pytest.raises(UserError, match="no ensemble named 'calibratd'") as caught:
        load_ensemble("calibratd")
    names = shipped_ensembles()
    assert ("the shipped ones are" in str(caught.value)) == bool(names)
    assert "path of your own CSV" in str(caught.value)


def test_the_shipped_calibrated_ensemble_loads_and_runs():
    assert SHIPPED.exists()  # a packaging regression fails here rather than being skipped
    ensemble = load_ensemble("calibrated")
    assert ensemble.shipped
    assert ensemble.name == "calibrated"
    assert ensemble.size >= 1
    assert "accepted" not in ensemble.provenance or ensemble.provenance["accepted"] == ensemble.size
    assert "calibrated" in shipped_ensembles()
    result = simulate(_short(None, replicates=3), ensemble="calibrated")
    assert result.band.startswith("replicate noise and parameter uncertainty (calibrated ensemble:")
    assert np.isfinite(result.values).all()


# -- per-world parameters ------------------------------------------------------------------


def test_worlds_take_different_rows_and_differ(small):
    scenario = _short(small)
    rows = ensemble_rows(scenario.seed, np.arange(6), small.size)
    assert sorted(rows) == list(range(6))  # the first N replicates use every row once
    overrides = ensemble_overrides(scenario, np.arange(6))
    assert overrides is not None
    np.testing.assert_array_equal(overrides["JPN.deference"], small.samples[rows, 3])
    result = simulate(scenario)
    final = result.series("coop_EU_JPN")[-1]
    assert len(np.unique(np.round(final, 9))) == 6  # six rows, six different worlds


def test_a_world_equals_a_plain_run_with_its_row_set(small):
    scenario = _short(small)
    result = simulate(scenario)
    rows = ensemble_rows(scenario.seed, np.arange(6), small.size)
    for world in (1, 4):
        values = dict(zip(small.parameters, small.samples[rows[world]].tolist(), strict=True))
        plain = simulate(_short(None, overrides=values), replicates=np.array([world]))
        np.testing.assert_allclose(plain.values[:, :, 0], result.values[:, :, world], rtol=0, atol=1e-12)


def test_a_replicates_row_does_not_depend_on_the_number_of_replicates(small):
    few, many = np.arange(5), np.arange(50)
    assert ensemble_rows(2025, few, 6)[3] == ensemble_rows(2025, many, 6)[3]
    np.testing.assert_array_equal(ensemble_rows(2025, few, 6), ensemble_rows(2025, many, 6)[:5])
    np.testing.assert_array_equal(ensemble_rows(2025, np.array([49, 3]), 6), ensemble_rows(2025, many, 6)[[49, 3]])
    for block in range(8):  # every block of six replicates uses each row once
        assert sorted(ensemble_rows(2025, many, 6)[6 * block : 6 * block + 6]) == list(range(6))
    assert not np.array_equal(ensemble_rows(2025, many, 6), ensemble_rows(2026, many, 6))
    small_run = simulate(_short(small, replicates=5))
    large_run = simulate(_short(small, replicates=50))
    np.testing.assert_array_equal(small_run.values[:, :, 3], large_run.values[:, :, 3])


def test_two_scenarios_with_the_same_seed_pair_their_rows(small):
    baseline = resolve(SCENARIOS / "baseline.yaml", replicates=20, ensemble=small)
    retrenchment = resolve(SCENARIOS / "us_retrenchment.yaml", replicates=20, seed=baseline.seed, ensemble=small)
    numbers = np.arange(20)
    np.testing.assert_array_equal(replicate_samples(baseline, numbers), replicate_samples(retrenchment, numbers))


# -- precedence -----------------------------------------------------------------------------


def test_set_and_the_scenario_file_win_over_the_ensemble(small, tmp_path):
    file = tmp_path / "own.yaml"
    file.write_text("name: own\nhorizon: 8\nreplicates: 6\nparameters:\n  model.weight_values: 0.2\n", encoding="utf-8")
    scenario = resolve(file, overrides={"JPN.deference": 0.35}, ensemble=small)
    assert fixed_by_scenario(scenario) == ("model.weight_values", "JPN.deference")
    overrides = ensemble_overrides(scenario, np.arange(6))
    assert overrides is not None
    assert set(overrides) == {"model.desire_intercept", "model.weight_common_threat"}
    model = StrategicModel(scenario, overrides=overrides)
    np.testing.assert_array_equal(model.base_params["JPN.deference"], np.full(6, 0.35))
    np.testing.assert_array_equal(model.base_params["model.weight_values"], np.full(6, 0.2))
    assert len(np.unique(model.base_params["model.desire_intercept"])) == 6
    status, _, err = eujsim(
        "run", file, "--set", "JPN.deference=0.35", "--ensemble", SMALL, "--out", tmp_path / "r", "--no-plots"
    )
    assert status == 0, err
    entry = json.loads((tmp_path / "r" / "manifest.json").read_text(encoding="utf-8"))["ensemble"]
    assert entry["fixed_by_scenario"] == ["model.weight_values", "JPN.deference"]


def test_when_the_scenario_fixes_every_parameter_the_ensemble_changes_nothing(small, tmp_path):
    fixed = {
        "model.desire_intercept": -0.08,
        "model.weight_values": 0.3,
        "model.weight_common_threat": 0.6,
        "JPN.deference": 0.35,
    }
    scenario = replace(resolve(SCENARIOS / "baseline.yaml", replicates=6, overrides=fixed, ensemble=small), horizon=8)
    assert fixed_by_scenario(scenario) == small.parameters
    assert ensemble_overrides(scenario, np.arange(6)) == {}
    assert small.values(np.arange(3), ()) == {}  # an empty choice is no parameter, not every one
    model = StrategicModel(scenario, overrides=ensemble_overrides(scenario, np.arange(6)))
    for path, value in fixed.items():
        np.testing.assert_array_equal(model.base_params[path], np.full(6, value))
    plain = simulate(replace(scenario, ensemble=None))
    np.testing.assert_array_equal(simulate(scenario).values, plain.values)
    sets = [arg for path, value in fixed.items() for arg in ("--set", f"{path}={value}")]
    status, _, err = eujsim(
        "run", SCENARIOS / "baseline.yaml", "--replicates", "6", *sets, "--ensemble", SMALL, "--out", tmp_path / "r"
    )
    assert status == 0, err
    entry = json.loads((tmp_path / "r" / "manifest.json").read_text(encoding="utf-8"))["ensemble"]
    assert entry["fixed_by_scenario"] == list(small.parameters)


# -- the default stays the point calibration ------------------------------------------------------


def test_without_an_ensemble_a_run_is_the_plain_model_byte_for_byte(tmp_path):
    scenario = make_scenario(replicates=3)
    assert ensemble_overrides(scenario, np.arange(3)) is None
    status, _, err = eujsim("run", SCENARIOS / "baseline.yaml", "--replicates", "3", "--out", tmp_path / "r")
    assert status == 0, err
    saved = (tmp_path / "r" / "timeseries.csv").read_bytes()
    # The path every run took before ensembles existed: the model with no per-world overrides.
    base = resolve(SCENARIOS / "baseline.yaml", replicates=3)
    model = StrategicModel(base)
    recorder = Recorder(model.n_worlds, base.horizon, keep_details=True)
    recorder.record(0, model.state)
    for step in range(1, base.horizon + 1):
        model.step()
        recorder.record(step, model.state, model.contributions)
    plain = RunResult(
        base, recorder.columns, recorder.values, recorder.drivers, recorder.episodes, recorder.crises, model.replicates
    )
    assert plain.timeseries.to_csv(index=False, float_format="%.6g").encode("utf-8") == saved
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text(encoding="utf-8"))
    assert "ensemble" not in manifest
    assert POINT_BAND in (tmp_path / "r" / "summary.txt").read_text(encoding="utf-8")


# -- bad files ---------------------------------------------------------------------------------


BAD_FILES = {
    "unknown column": (
        "sample,JPN.deferrence\n0,0.5\n",
        ["bad.csv:1", "column JPN.deferrence", "no parameter 'deferrence'", "did you mean 'deference'"],
    ),
    "out of range": (
        HEADER + "\n0,-0.1,0.3,0.7,0.5\n1,-0.1,0.3,0.7,1.5\n",
        ["bad.csv:3", "column JPN.deference", "out of range", "[0, 1]"],
    ),
    "empty": ("", ["bad.csv:1", "the file is empty", "header 'sample"]),
    "header only": (HEADER + "\n", ["bad.csv:1", "no samples", "add at least one row"]),
    "missing sample": ("JPN.deference\n0.5\n", ["bad.csv:1", "no 'sample' column", "add one numbering"]),
    "non-numeric": (
        HEADER + "\n0,-0.1,high,0.7,0.5\n",
        ["bad.csv:2", "column model.weight_values", "'high' is not a number"],
    ),
    "not finite": (HEADER + "\n0,-0.1,0.3,nan,0.5\n", ["bad.csv:2", "not a finite number"]),
    "short row": (HEADER + "\n0,-0.1,0.3\n", ["bad.csv:2", "3 values but the header has 5 columns"]),
    "repeated sample": (HEADER + "\n0,-0.1,0.3,0.7,0.5\n0,-0.1,0.3,0.7,0.5\n", ["bad.csv:3", "sample 0 appears twice"]),
    "huge sample id": (
        HEADER + "\n1e30,-0.1,0.3,0.7,0.5\n",
        ["bad.csv:2", "sample 1e+30 is not a whole number from 0"],
    ),
    "sample id 2^53": (HEADER + "\n9007199254740992,-0.1,0.3,0.7,0.5\n", ["bad.csv:2", "to 2^53 − 1"]),
    "negative sample id": (HEADER + "\n-1,-0.1,0.3,0.7,0.5\n", ["bad.csv:2", "sample -1 is not a whole number"]),
    "fractional sample id": (HEADER + "\n0.5,-0.1,0.3,0.7,0.5\n", ["bad.csv:2", "sample 0.5 is not a whole number"]),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_ensemble_file_is_one_error_line_and_exit_2(case, tmp_path):
    text, expected = BAD_FILES[case]
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    line = cli_error("run", SCENARIOS / "baseline.yaml", "--ensemble", path, "--out", tmp_path / "never")
    for part in expected:
        assert part in line, line
    assert not (tmp_path / "never").exists()


def test_an_unknown_ensemble_name_is_one_error_line(tmp_path):
    line = cli_error("run", SCENARIOS / "baseline.yaml", "--ensemble", "nonesuch", "--out", tmp_path / "never")
    assert "--ensemble: no ensemble named 'nonesuch' and no file of that name" in line


def test_the_largest_exact_sample_id_is_kept(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(HEADER + "\n9007199254740991,-0.1,0.3,0.7,0.5\n7,-0.1,0.3,0.7,0.5\n", encoding="utf-8")
    assert list(load_ensemble(path).sample_ids) == [2**53 - 1, 7]  # gaps and any order are allowed


def test_a_folder_is_refused_whether_named_relatively_or_absolutely(tmp_path, monkeypatch):
    (tmp_path / "fakesweep").mkdir()
    monkeypatch.chdir(tmp_path)
    for given in ("fakesweep", str(tmp_path / "fakesweep")):
        line = cli_error("run", SCENARIOS / "baseline.yaml", "--ensemble", given, "--out", tmp_path / "never")
        assert line.endswith(
            f"--ensemble: takes a shipped name such as 'calibrated' or an ensemble CSV file; {given} is a folder"
        ), line
        assert "YAML" not in line
    assert not (tmp_path / "never").exists()


def test_an_existing_file_is_read_as_a_csv_whatever_its_extension(tmp_path, monkeypatch, small):
    shutil.copy(SMALL, tmp_path / "samples.txt")
    monkeypatch.chdir(tmp_path)
    ensemble = load_ensemble("samples.txt")
    assert not ensemble.shipped
    assert ensemble.name == "samples"
    assert ensemble.file == str(tmp_path / "samples.txt")
    np.testing.assert_array_equal(ensemble.samples, small.samples)
    line = cli_error("run", SCENARIOS / "baseline.yaml", "--ensemble", "absent.txt", "--out", tmp_path / "never")
    assert "no ensemble named 'absent.txt' and no file of that name" in line


def test_a_shipped_name_wins_over_a_folder_of_that_name(tmp_path, monkeypatch):
    (tmp_path / "calibrated").mkdir()
    monkeypatch.chdir(tmp_path)
    assert load_ensemble("calibrated").shipped


def test_a_bad_provenance_file_is_one_error_line(tmp_path):
    shutil.copy(SMALL, tmp_path / "e.csv")
    (tmp_path / "e.yaml").write_text("method: [not, text]\n", encoding="utf-8")
    line = cli_error("run", SCENARIOS / "baseline.yaml", "--ensemble", tmp_path / "e.csv", "--out", tmp_path / "x")
    assert "e.yaml:1 (method): 'method' must be text" in line


# -- what is recorded and said ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def ensemble_run(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("ens") / "run"
    status, out, err = eujsim(
        "run", SCENARIOS / "us_retrenchment.yaml", "--replicates", "6", "--ensemble", SMALL, "--out", folder
    )
    assert status == 0, err
    return folder, out


def test_the_manifest_records_the_ensemble(ensemble_run, small):
    folder, _ = ensemble_run
    entry = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["ensemble"]
    assert entry["name"] == "ensemble_small"
    assert entry["sha256"] == small.sha256
    assert entry["file"] == str(SMALL)
    assert entry["samples"] == 6
    assert entry["method"] == "hand-picked test samples"
    assert entry["parameters"] == list(small.parameters)
    assert entry["fixed_by_scenario"] == []
    assert entry["shipped"] is False


def test_the_summary_names_the_band(ensemble_run):
    folder, out = ensemble_run
    assert "over the ensemble_small parameter ensemble" in out
    band = "90% of worlds: replicate noise and parameter uncertainty (ensemble_small ensemble: 6 samples"
    assert band in out
    assert band in (folder / "summary.txt").read_text(encoding="utf-8")
    assert open_run(folder).band.startswith("replicate noise and parameter uncertainty (ensemble_small ensemble")


def test_a_saved_ensemble_run_reruns_over_the_same_file(ensemble_run, tmp_path):
    folder, _ = ensemble_run
    again = rerun(folder)
    assert again.scenario.ensemble is not None
    copy = tmp_path / "run"
    shutil.copytree(folder, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    changed = tmp_path / "changed.csv"
    text = SMALL.read_text(encoding="utf-8")
    assert "0.20,0.55" in text
    changed.write_text(text.replace("0.20,0.55", "0.21,0.55"), encoding="utf-8")
    manifest["ensemble"]["file"] = str(changed)
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(UserError, match="whose file has changed since"):
        rerun(copy)


def test_the_report_names_the_band(ensemble_run, tmp_path):
    folder, _ = ensemble_run
    page = build_report(folder)
    assert "show replicate noise and parameter uncertainty (ensemble_small ensemble: 6 samples" in page
    assert "from one sample of the <strong>ensemble_small</strong> parameter ensemble" in page
    assert "No explanation" not in page  # explain simulated it again over the same rows
    status, _, err = eujsim("run", SCENARIOS / "baseline.yaml", "--replicates", "3", "--out", tmp_path / "p")
    assert status == 0, err
    assert "show replicate noise only (point calibration)" in build_report(tmp_path / "p")


def test_compare_runs_scenario_files_over_the_ensemble_paired(tmp_path):
    status, out, err = eujsim(
        "compare",
        SCENARIOS / "baseline.yaml",
        SCENARIOS / "us_retrenchment.yaml",
        "--replicates",
        "4",
        "--ensemble",
        SMALL,
        "--out",
        tmp_path / "c",
        "--no-plots",
    )
    assert status == 0, err
    assert out.count("over the ensemble_small parameter ensemble") == 2
    for name in ("baseline", "us_retrenchment"):
        manifest = json.loads((tmp_path / "c" / "runs" / name / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["ensemble"]["sha256"] == load_ensemble(SMALL).sha256


@pytest.fixture(scope="module")
def point_run(tmp_path_factory) -> Path:
    """The ensemble run's scenario saved over the point calibration, with the same seed and replicates."""
    folder = tmp_path_factory.mktemp("point") / "run"
    status, _, err = eujsim("run", SCENARIOS / "us_retrenchment.yaml", "--replicates", "6", "--out", folder)
    assert status == 0, err
    return folder


def test_a_point_run_and_an_ensemble_run_are_not_paired(point_run, ensemble_run, tmp_path):
    folder, _ = ensemble_run
    comparison = compare([point_run, folder])
    assert comparison.pairing == {"us_retrenchment": True, "us_retrenchment (2)": False}
    assert not comparison.paired
    text = comparison.text()
    assert "Paired" not in text
    assert "UNPAIRED: us_retrenchment (2) ran over other parameters than the baseline (point calibration; " in text
    assert "us_retrenchment (2): ensemble_small ensemble (6 samples)" in text
    assert "difference of parameters, not of scenarios" in text
    assert "seed 2025; point calibration]" in text
    assert "seed 2025; ensemble_small ensemble (6 samples)]" in text
    inputs = comparison.manifest()["inputs"]
    assert inputs[0]["ensemble"] is None
    assert inputs[1]["ensemble"]["name"] == "ensemble_small"
    assert inputs[1]["paired_with_baseline"] is False


def test_two_different_ensembles_are_not_paired(ensemble_run, small, tmp_path):
    folder, _ = ensemble_run
    other = tmp_path / "other.csv"
    other.write_text(SMALL.read_text(encoding="utf-8").replace("0.20,0.55", "0.21,0.55"), encoding="utf-8")
    status, _, err = eujsim(
        "run", SCENARIOS / "us_retrenchment.yaml", "--replicates", "6", "--ensemble", other, "--out", tmp_path / "o"
    )
    assert status == 0, err
    comparison = compare([folder, tmp_path / "o"])
    assert not comparison.paired
    assert "(ensemble_small ensemble (6 samples); us_retrenchment (2): other ensemble (6 samples))" in (
        comparison.pairing_line()
    )
    again = compare([folder, SCENARIOS / "baseline.yaml"])  # a file takes the saved run's ensemble and pairs
    assert again.paired
    assert again.inputs[1].scenario.ensemble == small


def test_an_ensemble_other_than_the_saved_runs_is_refused(point_run, ensemble_run, tmp_path):
    folder, _ = ensemble_run
    line = cli_error(
        "compare", point_run, SCENARIOS / "baseline.yaml", "--ensemble", SMALL, "--out", tmp_path / "never"
    )
    assert "--ensemble: the scenario files are paired with the saved run" in line
    assert "which ran over the point calibration, not the ensemble_small ensemble" in line
    assert "drop --ensemble" in line
    line = cli_error(
        "compare", SCENARIOS / "baseline.yaml", folder, "--ensemble", "calibrated", "--out", tmp_path / "never"
    )
    assert "ran over the ensemble_small ensemble (6 samples), not the calibrated ensemble" in line
    assert not (tmp_path / "never").exists()
    same = compare([folder, SCENARIOS / "baseline.yaml"], ensemble=SMALL)  # the same file: allowed, paired
    assert same.paired


def test_a_notebook_reads_the_samples_as_a_table(small):
    assert isinstance(small.frame, pd.DataFrame)
    assert small.frame["JPN.deference"].between(0, 1).all()
