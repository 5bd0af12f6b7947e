"""End-to-end behaviour of the ``eujsim`` command line on the shipped scenario files.

Runs are in-process through :func:`simulator.cli.main` with few replicates; only one
run draws plots, and only the ``--help`` comparison starts subprocesses.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simulator.runs.runner
from simulator import load_scenario
from simulator.cli import main
from simulator.cli.parser import build_parser
from simulator.core.structure import DOMAINS

from .conftest import ROOT, SCENARIOS, SHOCK_KINDS, cli_error, eujsim, one_error_line

BASELINE = SCENARIOS / "baseline.yaml"
RETRENCHMENT = SCENARIOS / "us_retrenchment.yaml"
REPLICATES = 4
HORIZON = 40  # both shipped scenarios simulate 2025Q1–2034Q4

RESULT_FILES = {
    "scenario.yaml",
    "manifest.json",
    "timeseries.csv",
    "summary.txt",
    "summary.csv",
    "events.csv",
    "drivers.csv",
}
TWIN_FILES = {"twin_timeseries.csv", "twin_summary.csv"}
"""Written beside the run's own files when the scenario has shocks (unless --no-twin)."""
PLOTS = ["coop_eu_jpn.png", "domains_heatmap.png", "threats.png", "pairs.png"]


def run_ok(*argv: object) -> str:
    """Run ``eujsim ARGV`` expecting success; returns stdout."""
    status, out, err = eujsim(*argv)
    assert status == 0, err
    assert err == ""
    return out


@pytest.fixture(scope="module")
def retrenchment_run(tmp_path_factory) -> tuple[Path, str]:
    """The one run with plots: us_retrenchment, few replicates. Returns (folder, stdout)."""
    out = tmp_path_factory.mktemp("cli") / "retrenchment"
    stdout = run_ok("run", RETRENCHMENT, "--replicates", REPLICATES, "--out", out)
    return out, stdout


@pytest.fixture(scope="module")
def baseline_run(tmp_path_factory) -> Path:
    """The baseline with the file's seed, no plots: the reference for --set and --seed."""
    out = tmp_path_factory.mktemp("cli") / "baseline"
    run_ok("run", BASELINE, "--replicates", REPLICATES, "--out", out, "--no-plots", "--quiet")
    return out


# --- eujsim run: the result folder ---------------------------------------------------------


def test_run_writes_every_result_file(retrenchment_run):
    out, _ = retrenchment_run
    assert {p.name for p in out.iterdir()} >= RESULT_FILES | TWIN_FILES
    assert sorted(p.name for p in (out / "plots").iterdir()) == sorted(PLOTS)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")], "a temporary folder was left behind"
    assert os.stat(out).st_mode & 0o055, "the result folder must be readable like any other folder, not private"


def test_manifest_records_provenance(retrenchment_run):
    out, _ = retrenchment_run
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["seed"] == 2025
    assert manifest["replicates"] == REPLICATES
    assert manifest["horizon_quarters"] == HORIZON
    deps = manifest["dependencies"]
    assert re.match(r"3\.\d+", deps["mesa"]), deps
    assert deps["numpy"] == np.__version__
    assert deps["pandas"] == pd.__version__
    command = manifest["command_line"]
    assert command[:3] == ["eujsim", "run", str(RETRENCHMENT)]
    assert "--replicates" in command and str(REPLICATES) in command
    timings = manifest["timings_seconds"]
    assert timings and all(isinstance(v, int | float) and v >= 0 for v in timings.values())
    assert manifest["scenario"]["name"] == "us_retrenchment"


def test_timeseries_has_one_row_per_replicate_and_step(retrenchment_run):
    out, _ = retrenchment_run
    table = pd.read_csv(out / "timeseries.csv")
    assert list(table.columns[:3]) == ["replicate", "step", "quarter"]
    expected = [
        "coop_EU_JPN",
        *(f"coop_EU_JPN_{d}" for d in DOMAINS),
        "coop_JPN_USA",
        "coop_CHN_RUS",
        "threat_JPN_CHN",
        "us_commitment_europe",
        "us_commitment_indo_pacific",
        "spending_JPN",
    ]
    assert "coop_EU_JPN_maritime" in expected
    missing = [c for c in expected if c not in table.columns]
    assert not missing, missing
    assert len(table) == REPLICATES * (HORIZON + 1)
    assert sorted(table["replicate"].unique()) == list(range(REPLICATES))
    for _, rows in table.groupby("replicate"):
        assert rows["step"].tolist() == list(range(HORIZON + 1))
        assert rows["quarter"].iloc[1] == "2025Q1" and rows["quarter"].iloc[-1] == "2034Q4"
    coop = table[[c for c in table.columns if c.startswith("coop_")]]
    assert coop.notna().all().all()
    assert ((coop >= 0) & (coop <= 1)).all().all()


def test_summary_has_ordered_percentiles(retrenchment_run):
    out, _ = retrenchment_run
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["step", "quarter", "variable", "mean", "p5", "p50", "p95", "held_constant"]
    assert (summary["p5"] <= summary["p50"] + 1e-9).all()
    assert (summary["p50"] <= summary["p95"] + 1e-9).all()
    assert {"coop_EU_JPN", "spending_JPN", "us_commitment_europe"} <= set(summary["variable"])
    timeseries = pd.read_csv(out / "timeseries.csv")
    last = summary[(summary["step"] == HORIZON) & (summary["variable"] == "coop_EU_JPN")]
    final = timeseries.loc[timeseries["step"] == HORIZON, "coop_EU_JPN"]
    assert last["mean"].item() == pytest.approx(final.mean(), abs=1e-5)


def test_events_record_the_retrenchment_shock(retrenchment_run):
    out, _ = retrenchment_run
    events = pd.read_csv(out / "events.csv")
    assert {"replicate", "step", "quarter", "type", "name", "detail"} <= set(events.columns)
    shocks = events[events["type"] == "shock"]
    onset = shocks[shocks["detail"].str.contains("us_retrenchment begins")]
    assert len(onset) == 1
    assert onset["quarter"].item() == "2025Q2"
    assert onset["name"].item() == "US retrenchment"


def test_drivers_table_is_written(retrenchment_run):
    out, _ = retrenchment_run
    drivers = pd.read_csv(out / "drivers.csv")
    assert {"step", "quarter", "domain", "driver", "mean", "p5", "p95"} <= set(drivers.columns)
    assert {"all", *DOMAINS} == set(drivers["domain"])
    assert drivers["step"].min() == 1 and drivers["step"].max() == HORIZON
    assert drivers["mean"].abs().sum() > 0


def test_plots_are_valid_pngs(retrenchment_run):
    out, _ = retrenchment_run
    for name in PLOTS:
        data = (out / "plots" / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        assert data[12:16] == b"IHDR"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        assert width >= 300 and height >= 200, (name, width, height)
        assert len(data) > 10_000, f"{name} is suspiciously small ({len(data)} bytes)"


def test_stdout_ends_with_a_summary(retrenchment_run):
    out, stdout = retrenchment_run
    lines = stdout.strip().splitlines()
    assert lines[0].startswith("Running 'us_retrenchment'")
    assert f"{REPLICATES} replicates" in lines[0] and "seed 2025" in lines[0]
    assert str(out) in lines[-1]
    timeseries = pd.read_csv(out / "timeseries.csv")
    final = timeseries.loc[timeseries["step"] == HORIZON, "coop_EU_JPN"].mean()
    headline = next(line for line in lines if "EU–Japan cooperation  start" in line)
    assert f"final {final:.2f}" in headline
    assert lines[1].startswith("The shocks raised final EU–Japan cooperation by "), "the summary leads with the effect"


def test_resolved_scenario_reloads_and_reproduces(retrenchment_run, tmp_path):
    out, _ = retrenchment_run
    resolved = load_scenario(out / "scenario.yaml")
    original = load_scenario(RETRENCHMENT)
    assert resolved.replicates == REPLICATES
    assert (resolved.seed, resolved.start, resolved.horizon) == (original.seed, original.start, original.horizon)
    assert resolved.shocks == original.shocks  # every default filled in, effects inline
    again = tmp_path / "again"
    run_ok("run", out / "scenario.yaml", "--out", again, "--no-plots", "--quiet")
    assert (again / "timeseries.csv").read_bytes() == (out / "timeseries.csv").read_bytes()
    assert (again / "scenario.yaml").read_text(encoding="utf-8") == (out / "scenario.yaml").read_text(encoding="utf-8")


# --- where results go ------------------------------------------------------------------------


def test_default_folder_is_under_results_and_never_reused(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(BASELINE, tmp_path / "baseline.yaml")
    first = run_ok("run", "baseline.yaml", "--replicates", 2, "--no-plots", "--quiet")
    assert first.strip() == os.path.join("results", "baseline")
    assert (tmp_path / "results" / "baseline" / "timeseries.csv").is_file()
    before = (tmp_path / "results" / "baseline" / "manifest.json").read_bytes()

    second = run_ok("run", "baseline.yaml", "--replicates", 2, "--no-plots")
    assert os.path.join("results", "baseline-2") in second.strip().splitlines()[-1]
    assert (tmp_path / "results" / "baseline-2" / "timeseries.csv").is_file()
    assert (tmp_path / "results" / "baseline" / "manifest.json").read_bytes() == before
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["baseline", "baseline-2"]


def test_force_replaces_an_earlier_run(tmp_path):
    out = tmp_path / "run"
    run_ok("run", BASELINE, "--replicates", 2, "--seed", 1, "--out", out, "--no-plots", "--quiet")
    run_ok("run", BASELINE, "--replicates", 3, "--seed", 2, "--out", out, "--force", "--no-plots", "--quiet")
    assert {p.name for p in out.iterdir()} == RESULT_FILES
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["seed"], manifest["replicates"]) == (2, 3), "the folder holds the new run"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"], "no temporary or old folder left behind"


# --- several scenarios in one command ---------------------------------------------------------

SMALL = 3  # replicates for the multi-scenario runs


def write_scenario(path: Path, name: str, horizon: int = 6, extra: str = "") -> Path:
    """A short scenario file (a few quarters) so several runs stay fast."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"name: {name}\nhorizon: {horizon}\nseed: 11\n{extra}", encoding="utf-8")
    return path


RETRENCH_SHOCK = 'shocks:\n  - kind: us_retrenchment\n    at: "2025Q2"\n'


def test_several_files_each_get_their_own_default_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_scenario(Path("alpha.yaml"), "alpha")
    write_scenario(Path("beta.yaml"), "beta", extra=RETRENCH_SHOCK)
    out = run_ok("run", "alpha.yaml", "beta.yaml", "--replicates", SMALL, "--no-plots")
    lines = out.strip().splitlines()
    assert lines[0] == "[1/2] alpha.yaml: 'alpha', 3 replicates x 6 quarters (2025Q1–2026Q2), seed 11"
    assert lines[1].startswith("[2/2] beta.yaml: 'beta'")
    assert lines[1].endswith("and the same worlds without its shocks")
    assert lines[2] == "Results of 2 scenarios:"
    assert re.match(r"^  results/alpha\s+alpha\.yaml: final EU–Japan cooperation \d\.\d\d", lines[3])
    assert re.match(r"^  results/beta\s+beta\.yaml: final EU–Japan cooperation", lines[4])
    assert len(lines) == 5
    assert re.search(r"from the shocks$", lines[4]), "a scenario with shocks says what they did"
    for name in ("alpha", "beta"):
        folder = tmp_path / "results" / name
        twin = TWIN_FILES if name == "beta" else set()  # beta has a shock, alpha none
        assert {p.name for p in folder.iterdir()} == RESULT_FILES | twin, "--no-plots applies to every scenario"
        assert load_scenario(folder / "scenario.yaml").name == name
        assert len(pd.read_csv(folder / "timeseries.csv")) == SMALL * 7
    shocks = pd.read_csv(tmp_path / "results" / "beta" / "events.csv").query("type == 'shock'")
    assert "us_retrenchment begins" in shocks["detail"].iloc[0]

    # Run again: nothing is overwritten, both get the next free number.
    again = run_ok("run", "alpha.yaml", "beta.yaml", "--replicates", SMALL, "--no-plots", "--quiet")
    assert again.splitlines() == [os.path.join("results", "alpha-2"), os.path.join("results", "beta-2")]
    assert sorted(p.name for p in (tmp_path / "results").iterdir()) == ["alpha", "alpha-2", "beta", "beta-2"]


def test_options_apply_to_every_scenario_exactly_as_in_a_single_run(tmp_path):
    first = write_scenario(tmp_path / "in" / "first.yaml", "first", extra=RETRENCH_SHOCK)
    second = write_scenario(tmp_path / "in" / "second.yaml", "second", horizon=5)
    options = ["--replicates", SMALL, "--seed", 5, "--set", "JPN.deference=0.2", "--no-plots", "--quiet"]
    run_ok("run", first, second, "--out", tmp_path / "batch", *options)
    for file in (first, second):
        alone = tmp_path / f"alone_{file.stem}"
        run_ok("run", file, "--out", alone, *options)
        batch = tmp_path / "batch" / file.stem
        resolved = load_scenario(batch / "scenario.yaml")
        assert (resolved.seed, resolved.replicates) == (5, SMALL)
        assert resolved.parameters == {"JPN.deference": 0.2}
        assert (batch / "timeseries.csv").read_bytes() == (alone / "timeseries.csv").read_bytes()
        manifest = json.loads((batch / "manifest.json").read_text(encoding="utf-8"))
        assert manifest["command_line"][:4] == ["eujsim", "run", str(first), str(second)]


def test_a_folder_contributes_its_yaml_files_sorted_and_not_recursively(tmp_path):
    folder = tmp_path / "scenarios"
    write_scenario(folder / "zulu.yaml", "zulu")
    write_scenario(folder / "alpha.yml", "alpha")
    write_scenario(folder / "mike.yaml", "mike")
    write_scenario(folder / "nested" / "deep.yaml", "deep")
    (folder / "notes.txt").write_text("not a scenario\n", encoding="utf-8")
    (folder / ".#mike.yaml").write_text("an editor lock file, not YAML: [\n", encoding="utf-8")
    out = run_ok("run", folder, "--out", tmp_path / "out", "--replicates", SMALL, "--no-plots")
    order = [line.split()[1] for line in out.splitlines() if line.startswith("[")]
    assert order == [f"{folder / name}:" for name in ("alpha.yml", "mike.yaml", "zulu.yaml")]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["alpha", "mike", "zulu"]


def test_a_folder_with_one_scenario_still_treats_out_as_the_parent(tmp_path):
    write_scenario(tmp_path / "one" / "solo.yaml", "solo")
    out = run_ok("run", tmp_path / "one", "--out", tmp_path / "out", "--replicates", SMALL, "--no-plots", "--quiet")
    assert out.splitlines() == [str(tmp_path / "out" / "solo")]
    assert (tmp_path / "out" / "solo" / "timeseries.csv").is_file()


def test_a_file_named_twice_runs_once(tmp_path):
    folder = tmp_path / "set"
    alpha = write_scenario(folder / "alpha.yaml", "alpha")
    write_scenario(folder / "beta.yaml", "beta")
    out = run_ok("run", alpha, folder, alpha, "--out", tmp_path / "out", "--replicates", SMALL, "--no-plots", "--quiet")
    assert out.splitlines() == [str(tmp_path / "out" / "alpha"), str(tmp_path / "out" / "beta")]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["alpha", "beta"]


def test_same_file_name_in_two_folders_gets_a_numbered_folder(tmp_path):
    first = write_scenario(tmp_path / "a" / "base.yaml", "base A")
    second = write_scenario(tmp_path / "b" / "base.yaml", "base B", extra=RETRENCH_SHOCK)
    out = run_ok("run", first, second, "--out", tmp_path / "out", "--replicates", SMALL, "--no-plots", "--quiet")
    assert out.splitlines() == [str(tmp_path / "out" / "base"), str(tmp_path / "out" / "base-2")]
    assert load_scenario(tmp_path / "out" / "base" / "scenario.yaml").name == "base A"
    assert load_scenario(tmp_path / "out" / "base-2" / "scenario.yaml").name == "base B"


def test_out_is_the_parent_folder_and_force_works_per_result_folder(tmp_path):
    alpha = write_scenario(tmp_path / "alpha.yaml", "alpha")
    beta = write_scenario(tmp_path / "beta.yaml", "beta")
    parent = tmp_path / "out"
    run_ok("run", beta, "--out", parent / "beta", "--seed", 5, "--replicates", 1, "--no-plots", "--quiet")
    (parent / "keep.txt").write_text("unrelated\n", encoding="utf-8")

    message = cli_error("run", alpha, beta, "--out", parent, "--replicates", SMALL, "--no-plots")
    assert f"{parent / 'beta'}: already exists" in message and "--force" in message
    assert sorted(p.name for p in parent.iterdir()) == ["beta", "keep.txt"], "alpha must not run either"

    run_ok("run", alpha, beta, "--out", parent, "--force", "--replicates", SMALL, "--no-plots", "--quiet")
    assert sorted(p.name for p in parent.iterdir()) == ["alpha", "beta", "keep.txt"]
    assert {p.name for p in (parent / "beta").iterdir()} == RESULT_FILES
    manifest = json.loads((parent / "beta" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["replicates"] == SMALL, "--force replaced the earlier run of beta"


def test_out_that_is_a_file_is_refused_for_several_scenarios(tmp_path):
    alpha = write_scenario(tmp_path / "alpha.yaml", "alpha")
    beta = write_scenario(tmp_path / "beta.yaml", "beta")
    blocker = tmp_path / "out.txt"
    blocker.write_text("keep me\n", encoding="utf-8")
    message = cli_error("run", alpha, beta, "--out", blocker, "--force", "--no-plots")
    assert str(blocker) in message and "is a file" in message and "--out" in message
    assert blocker.read_text(encoding="utf-8") == "keep me\n"


def test_a_missing_path_means_nothing_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_scenario(Path("alpha.yaml"), "alpha")
    message = cli_error("run", "alpha.yaml", "typo.yaml", "--replicates", SMALL, "--no-plots")
    assert message.startswith("eujsim: error: typo.yaml: file not found; check the path")
    assert "folder" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alpha.yaml"], "no results folder may be created"


def test_an_empty_folder_is_a_user_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_scenario(Path("alpha.yaml"), "alpha")
    Path("empty").mkdir()
    (Path("empty") / "readme.txt").write_text("no scenarios here\n", encoding="utf-8")
    write_scenario(Path("empty") / "sub" / "hidden_below.yaml", "below")
    message = cli_error("run", "alpha.yaml", "empty", "--no-plots")
    assert message.startswith("eujsim: error: empty: folder has no scenario files")
    assert "*.yaml" in message and "*.yml" in message and "subfolders" in message
    assert not Path("results").exists()


def test_one_bad_file_among_good_ones_means_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_scenario(Path("good1.yaml"), "good1")
    write_scenario(Path("bad.yaml"), "bad", extra=RETRENCH_SHOCK.replace("2025Q2", "2030Q1"))  # after the horizon
    write_scenario(Path("good2.yaml"), "good2")
    message = cli_error("run", "good1.yaml", "bad.yaml", "good2.yaml", "--out", "out", "--no-plots")
    assert message.startswith("eujsim: error: bad.yaml:6 (shocks.0.at): shock at 2030Q1 lies outside")
    assert not Path("out").exists() and not Path("results").exists()

    # The same holds for a --set that does not fit, and for the default folder.
    message = cli_error("run", "good1.yaml", "good2.yaml", "--set", "JPN.deference=7", "--no-plots")
    assert "JPN.deference" in message and "out of range" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml", "good1.yaml", "good2.yaml"]


def test_quiet_prints_only_the_result_folders(tmp_path):
    files = [write_scenario(tmp_path / f"s{i}.yaml", f"s{i}") for i in range(3)]
    out = run_ok("run", *files, "--out", tmp_path / "out", "--replicates", SMALL, "--no-plots", "--quiet")
    assert out == "".join(f"{tmp_path / 'out' / f's{i}'}\n" for i in range(3))


def test_interrupting_a_batch_keeps_finished_folders_and_says_so(tmp_path, monkeypatch):
    files = [write_scenario(tmp_path / f"s{i}.yaml", f"s{i}") for i in range(3)]
    real = simulator.runs.runner.simulate
    calls = []

    def interrupted_second_time(scenario):
        calls.append(scenario.name)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(scenario)

    monkeypatch.setattr(simulator.runs.runner, "simulate", interrupted_second_time)
    status, out, err = eujsim("run", *files, "--out", tmp_path / "out", "--replicates", SMALL, "--no-plots", "--quiet")
    assert status == 130
    assert calls == ["s0", "s1"], "nothing runs after an interruption"
    assert out.splitlines() == [str(tmp_path / "out" / "s0")]
    assert err.strip() == f"eujsim: interrupted; {tmp_path / 'out' / 's1'} was not written; finished: {out.strip()}"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["s0"]


# --- options that change the run -------------------------------------------------------------


def test_set_changes_the_result_and_is_recorded(baseline_run, tmp_path):
    out = tmp_path / "low_deference"
    status, _, err = eujsim(
        "run", BASELINE, "--replicates", REPLICATES, "--set", "JPN.deference=0.1", "--out", out, "--no-plots"
    )
    assert status == 0, err
    assert err.startswith("warning: JPN.deference=0.1 is outside its documented range 0.2–0.8")  # below it
    resolved = load_scenario(out / "scenario.yaml")
    assert resolved.parameters == {"JPN.deference": 0.1}
    base = pd.read_csv(baseline_run / "timeseries.csv")
    changed = pd.read_csv(out / "timeseries.csv")
    assert list(changed.columns) == list(base.columns)
    assert not np.allclose(changed["coop_EU_JPN"], base["coop_EU_JPN"])
    # baseline file records no overrides
    assert load_scenario(baseline_run / "scenario.yaml").parameters == {}


def test_seed_changes_numbers_and_the_same_seed_reproduces_bytes(baseline_run, tmp_path):
    first, second = tmp_path / "seed7a", tmp_path / "seed7b"
    for out in (first, second):
        run_ok("run", BASELINE, "--replicates", REPLICATES, "--seed", 7, "--out", out, "--no-plots", "--quiet")
    assert (first / "timeseries.csv").read_bytes() == (second / "timeseries.csv").read_bytes()
    assert (first / "timeseries.csv").read_bytes() != (baseline_run / "timeseries.csv").read_bytes()
    assert load_scenario(first / "scenario.yaml").seed == 7
    assert json.loads((first / "manifest.json").read_text(encoding="utf-8"))["seed"] == 7


# --- validate, params, shocks ----------------------------------------------------------------


def test_validate_both_shipped_scenarios():
    out = run_ok("validate", BASELINE, RETRENCHMENT)
    lines = out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith(f"OK {BASELINE}: 'baseline'")
    assert lines[1].startswith(f"OK {RETRENCHMENT}: 'us_retrenchment'")
    assert "2025Q1–2034Q4" in lines[1] and "us_retrenchment@2025Q2" in lines[1]


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.y*ml")), ids=lambda p: p.name)
def test_every_shipped_scenario_validates(path):
    out = validate_ok(path)
    assert out.startswith(f"OK {path}:")
    assert load_scenario(path).horizon >= 1


def validate_ok(path: Path) -> str:
    """``eujsim validate PATH``'s stdout; only the backcast, which starts from the world of 1991, may warn.

    Its starting values lie outside the documented (present-day) ranges, and validation says so.
    """
    status, out, err = eujsim("validate", path)
    assert status == 0, err
    for line in err.splitlines():
        assert line.startswith("warning: ") and "historical_1991_2024.yaml" in line, line
    return out


def test_validate_accepts_a_folder_and_checks_every_file_in_it():
    out = validate_ok(SCENARIOS)
    lines = out.strip().splitlines()
    assert len(lines) == len(sorted(SCENARIOS.glob("*.yaml")))
    assert all(line.startswith("OK ") for line in lines)
    assert any("'historical_1991_2024', 1991Q1–2024Q4" in line for line in lines)


def test_scenarios_folder_is_not_empty():
    assert {"baseline.yaml", "us_retrenchment.yaml"} <= {p.name for p in SCENARIOS.glob("*.yaml")}


def test_params_lists_parameters():
    out = run_ok("params")
    assert out.splitlines()[0].split()[:4] == ["parameter", "value", "range", "unit"]
    assert re.search(r"^JPN\.deference\s+[\d.]+\s+[\d.]+–[\d.]+", out, re.MULTILINE)
    count = int(re.search(r"^(\d+) parameter\(s\)", out, re.MULTILINE).group(1))
    assert count > 50
    assert "--set PATH=VALUE" in out


def test_params_for_one_actor_with_sources():
    out = run_ok("params", "--actor", "JPN", "--sources")
    rows = [line.split()[0] for line in out.splitlines() if re.match(r"^[A-Za-z_]+\.\w+\s", line)]
    assert rows and all(r.startswith("JPN.") for r in rows)
    assert "JPN.deference" in rows
    assert re.search(r'^ {4}"[^"]{20,}', out, re.MULTILINE), "expected at least one quoted source sentence"
    assert "Sources:" in out
    assert f"{len(rows)} parameter(s)" in out


def listed_parameters(out: str) -> list[str]:
    """The parameter paths of `eujsim params` output, in order."""
    return [line.split()[0] for line in out.splitlines() if re.match(r"^[A-Za-z_]+\.\w+\s", line)]


def test_params_shows_what_each_parameter_means_under_its_row():
    from simulator import default_calibration

    out = run_ok("params", "--actor", "JPN")
    lines = out.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("JPN.constraint "))
    meaning = " ".join(line.strip() for line in lines[row + 1 : row + 4] if line.startswith("    "))
    assert meaning.startswith(default_calibration()["JPN.constraint"].meaning)
    assert "Article 9" in meaning
    assert all(len(line) <= 100 for line in lines if line.startswith("    ")), "meanings wrap at 100 columns"


def test_params_searches_names_and_meanings():
    from simulator import default_calibration

    out = run_ok("params", "deference")
    rows = listed_parameters(out)
    assert {"JPN.deference", "model.weight_deference"} <= set(rows)
    assert "JPN.constraint" not in rows and "EU.salience_CHN" not in rows
    assert all("deference" in f"{p} {default_calibration()[p].meaning}".lower() for p in rows)
    flat = " ".join(out.split())
    assert default_calibration()["JPN.deference"].meaning in flat
    assert default_calibration()["model.weight_deference"].meaning in flat
    assert f"{len(rows)} parameter(s) matching 'deference'." in out


def test_params_search_needs_every_word_and_ignores_case():
    assert listed_parameters(run_ok("params", "Deference", "JAPAN")) == ["JPN.deference"]
    assert listed_parameters(run_ok("params", "article", "9")) == ["JPN.constraint"]
    hard = listed_parameters(run_ok("params", "hardness", "maritime"))
    assert hard == ["maritime.hardness"]
    assert listed_parameters(run_ok("params", "salience", "--actor", "EU")) == [
        "EU.salience_CHN",
        "EU.salience_RUS",
        "EU.salience_PRK",
    ]


def test_params_search_without_a_match_exits_2_with_a_suggestion():
    message = cli_error("params", "defference")
    assert "no parameter matches 'defference'" in message and "did you mean 'deference'?" in message
    message = cli_error("params", "deference", "wmd")
    assert "no parameter matches 'deference wmd'" in message and "fewer words" in message
    assert "no parameter matches 'zzqx'" in cli_error("params", "zzqx")


def test_shocks_lists_all_ten_kinds():
    out = run_ok("shocks")
    listed = [line for line in out.splitlines() if line and not line.startswith(" ")]
    for kind in SHOCK_KINDS:
        assert kind in listed, kind
    assert "effect:" not in out  # effects only for a single kind


def test_shocks_shows_one_kind_with_its_effects():
    out = run_ok("shocks", "us_retrenchment")
    lines = out.splitlines()
    assert lines[0] == "us_retrenchment"
    assert "taiwan_strait_crisis" not in out
    effects = [line.strip() for line in lines if line.strip().startswith("effect:")]
    assert "effect: USA.commitment_europe multiply 0.6" in effects
    assert any("USA.commitment_indo_pacific" in e for e in effects)
    assert "default ramp" in out


def test_user_shock_library_kinds_can_be_listed_and_used(tmp_path):
    library = tmp_path / "mine.yaml"
    library.write_text(
        "kinds:\n  hormuz_closure:\n    description: Iran closes the Strait of Hormuz.\n    ramp: 1\n"
        "    effects:\n      - {target: world.sealane_risk, op: add, value: 0.4}\n",
        encoding="utf-8",
    )
    assert "effect: world.sealane_risk add 0.4" in run_ok("shocks", "hormuz_closure", "--shocks", library)
    scenario = tmp_path / "hormuz.yaml"
    scenario.write_text('name: hormuz\nhorizon: 8\nshocks:\n  - kind: hormuz_closure\n    at: "2025Q3"\n')
    assert "hormuz_closure@2025Q3" in run_ok("validate", scenario, "--shocks", library)


# --- the module entry point ------------------------------------------------------------------


def test_python_m_simulator_help_matches_eujsim_help():
    env = {**os.environ, "COLUMNS": "100", "PYTHONPATH": str(ROOT)}
    module = subprocess.run(
        [sys.executable, "-m", "simulator", "--help"], capture_output=True, text=True, timeout=120, env=env, check=False
    )
    assert module.returncode == 0, module.stderr
    assert module.stdout.startswith("usage: eujsim ")
    for command in ("run", "validate", "params", "shocks"):
        assert command in module.stdout
    script = Path(sys.executable).parent / "eujsim"
    if script.exists():
        console = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=120, env=env, check=False)
        assert console.returncode == 0
        assert console.stdout == module.stdout


# --- a run at the edges of what files allow reads back everywhere --------------------------------

EDGE_SCENARIO = """\
name: "Edge $x^2$ Ünïcödé_Ωμέγα"
description: The earliest quarter, the largest seed, one quarter, names with $ and _ for matplotlib.
start: "1900Q1"
horizon: 1
seed: 9223372036854775807
replicates: 2
shocks:
  - kind: us_retrenchment
    name: "$\\\\foo$ shock_one"
    at: "1900Q1"
  - kind: new_kind
    name: "$x^2$ Привет"
    at: "1900Q1"
    effects: [{target: JPN.deference, op: add, value: 0.1}]
"""
EDGE_EXPERIMENT = """\
name: "Sweep $x^2$"
scenario: edge.yaml
replicates: 1
method: grid
parameters:
  "shock.$\\\\foo$ shock_one.magnitude": [0.0, 1.0]
  JPN.deference: [0.2, 0.8]
"""


def is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def all_png(folder: Path) -> bool:
    """``folder`` holds files, all of them PNG images."""
    files = list(folder.iterdir())
    return bool(files) and all(is_png(p) for p in files)


def test_a_run_at_the_edges_plots_and_reads_back_in_every_command(tmp_path):
    """Earliest start, largest seed, one quarter, names matplotlib would read as mathematics: every command works."""
    scenario_file = tmp_path / "edge.yaml"
    scenario_file.write_text(EDGE_SCENARIO, encoding="utf-8")
    run_folder = tmp_path / "run"
    status, _, err = eujsim("run", scenario_file, "--out", run_folder, "--quiet")
    assert status == 0, err
    assert sorted(p.name for p in (run_folder / "plots").iterdir()) == sorted(PLOTS)
    assert all_png(run_folder / "plots")
    saved = load_scenario(run_folder / "scenario.yaml")
    assert saved.to_dict() == load_scenario(scenario_file).to_dict()
    assert [s.name for s in saved.shocks] == ["$\\foo$ shock_one", "$x^2$ Привет"]

    status, _, err = eujsim("explain", run_folder)
    assert status == 0, err
    assert is_png(run_folder / "explain" / "contributions.png")

    compared = tmp_path / "compared"
    status, _, err = eujsim("compare", run_folder, scenario_file, "--out", compared)
    assert status == 0, err
    assert all_png(compared / "plots")

    experiment_file = tmp_path / "sweep.yaml"
    experiment_file.write_text(EDGE_EXPERIMENT, encoding="utf-8")
    swept = tmp_path / "swept"
    status, _, err = eujsim("sweep", experiment_file, "--out", swept, "--workers", "1", "--progress", "log")
    assert status == 0, err
    assert all_png(swept / "plots")

    for folder in (run_folder, compared, swept):
        status, _, err = eujsim("report", folder)
        assert status == 0, err
        assert (folder / "report.html").stat().st_size > 10_000


# --- plot formats -----------------------------------------------------------------------------------


def test_run_writes_each_plot_in_every_format_asked_for_and_records_them(tmp_path):
    out = tmp_path / "formats"
    run_ok("run", RETRENCHMENT, "--replicates", 2, "--no-twin", "--format", "svg,pdf", "--out", out, "--quiet")
    stems = [Path(name).stem for name in PLOTS]
    assert sorted(p.name for p in (out / "plots").iterdir()) == sorted(
        f"{s}.{f}" for s in stems for f in ("svg", "pdf")
    )
    assert (out / "plots" / "pairs.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert (out / "plots" / "pairs.pdf").read_bytes().startswith(b"%PDF")
    assert json.loads((out / "manifest.json").read_text())["plot_formats"] == ["svg", "pdf"]
    # the vector plots are eujsim's own: --force replaces them as it replaces the PNGs
    run_ok("run", RETRENCHMENT, "--replicates", 2, "--no-twin", "--out", out, "--force", "--quiet")
    assert sorted(p.name for p in (out / "plots").iterdir()) == sorted(PLOTS)


def test_the_default_format_is_png_and_the_manifest_says_so(retrenchment_run):
    out, _ = retrenchment_run
    assert json.loads((out / "manifest.json").read_text())["plot_formats"] == ["png"]


@pytest.mark.parametrize("command", ["run", "compare"])
def test_an_unknown_plot_format_is_one_error_line_naming_the_allowed_ones(command, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, str(BASELINE), str(RETRENCHMENT), "--format", "png,gif", "--out", str(tmp_path / "never")])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    line = one_error_line(err)
    assert "'gif'" in line and "png, svg, pdf" in line and "--format" in line
    assert not (tmp_path / "never").exists()


def test_explain_writes_its_plot_in_every_format_asked_for(retrenchment_run, tmp_path):
    run, _ = retrenchment_run
    out = tmp_path / "why"
    stdout = run_ok("explain", run, "--out", out, "--format", "svg,pdf")
    plots = sorted(p.name for p in out.iterdir() if p.stem == "contributions" and p.suffix != ".csv")
    assert plots == ["contributions.pdf", "contributions.svg"]
    assert (out / "contributions.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert (out / "contributions.pdf").read_bytes().startswith(b"%PDF")
    assert json.loads((out / "explain.json").read_text())["plot_formats"] == ["svg", "pdf"]
    assert "(explanation.md, contributions.svg, contributions.pdf, totals.csv" in stdout
    # the vector files are eujsim's own: --force replaces the folder, and the default is PNG again
    run_ok("explain", run, "--out", out, "--force")
    assert sorted(p.name for p in out.glob("contributions.*") if p.suffix != ".csv") == ["contributions.png"]


def test_report_of_a_folder_with_vector_plots_only_says_why_it_shows_none(tmp_path):
    out = tmp_path / "svg_only"
    run_ok("run", RETRENCHMENT, "--replicates", 2, "--no-twin", "--format", "svg", "--out", out, "--quiet")
    run_ok("report", out)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "plots are in SVG only, and this report embeds PNG images" in page
    assert "--format png,svg" in page
    assert "has no plots" not in page


def command_parser(command: str) -> argparse.ArgumentParser:
    """The parser of one ``eujsim`` command."""
    parser = build_parser()
    return next(a for a in parser._actions if a.dest == "command").choices[command]


def build_parser_options(command: str) -> set[str]:
    """The option strings of one ``eujsim`` command."""
    return {option for action in command_parser(command)._actions for option in action.option_strings}


def test_report_help_says_it_embeds_png_whatever_the_format():
    assert "--format" not in build_parser_options("report")
    assert "embeds the folder's PNG plots" in " ".join(command_parser("report").format_help().split())


def test_every_command_that_writes_plots_takes_format():
    for command in ("run", "compare", "sweep", "analyze", "explain"):
        assert "--format" in build_parser_options(command), command
