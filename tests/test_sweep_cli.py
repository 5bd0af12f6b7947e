"""`eujsim sweep` end to end: real experiment files, interruption (Ctrl-C, kill -9), resume, failures, mistakes."""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import simulator.sweeps.sweep
from simulator.base.errors import UserError
from simulator.cli import main
from simulator.storage.locks import FolderLock
from simulator.sweeps.chunks import simulate_chunk
from simulator.sweeps.experiment import load_experiment
from simulator.sweeps.sweep import open_sweep, run_sweep
from simulator.sweeps.sweep_size import check_fits, estimate_sweep

from .conftest import ROOT, cli_error, eujsim, one_error_line
from .test_sweep import RANGES, fail_on_chunk_two, small_experiment, write_experiment

EUJSIM = [sys.executable, "-m", "simulator"]
FAILING_SWEEP = functools.partial(run_sweep, chunk_function=fail_on_chunk_two)
"""run_sweep with its second chunk failing, to patch in where the command line looks it up."""


def many_chunks(tmp_path: Path) -> Path:
    """An experiment of 30 one-point chunks that takes a few seconds in one process."""
    data = small_experiment(
        name="many",
        method="lhs",
        samples=30,
        replicates=2,
        parameters=RANGES,
    )
    return write_experiment(tmp_path, data)


def sweep_command(experiment: Path, out: Path, *extra: str) -> list[str]:
    return [*EUJSIM, "sweep", str(experiment), "--out", str(out), "--workers", "1", "--chunk-worlds", "2", *extra]


def start_and_stop(command: list[str], out: Path, stop: signal.Signals) -> subprocess.CompletedProcess:
    """Start a sweep, wait until a few chunks are on disk, then send ``stop`` to its process group."""
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, cwd=ROOT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        parts = out / "parts"
        if parts.is_dir() and len(list(parts.glob("worlds-*.parquet"))) >= 3:
            break
        if process.poll() is not None:
            pytest.fail(f"the sweep ended before it could be interrupted: {process.communicate()}")
        time.sleep(0.02)
    os.killpg(process.pid, stop)
    stdout, stderr = process.communicate(timeout=60)
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def result_bytes(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in ("points.parquet", "worlds.parquet", "quarters.parquet")}


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> tuple[Path, dict[str, bytes]]:
    folder = tmp_path_factory.mktemp("reference")
    experiment = many_chunks(folder)
    done = subprocess.run(
        sweep_command(experiment, folder / "out", "--no-analysis"), capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return experiment, result_bytes(folder / "out")


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGINT], ids=["kill -9", "Ctrl-C"])
def test_an_interrupted_sweep_resumes_to_identical_data(tmp_path, uninterrupted, stop):
    experiment, reference = uninterrupted
    out = tmp_path / "out"
    stopped = start_and_stop(sweep_command(experiment, out, "--no-analysis"), out, stop)
    if stop == signal.SIGINT:
        assert stopped.returncode == 130
        assert "Traceback" not in stopped.stderr
        assert "--resume" in stopped.stderr and str(out) in stopped.stderr
        assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    else:
        assert stopped.returncode == -signal.SIGKILL
        stopped_sweep = open_sweep(out).shortfall
        assert "(status 'running', but no process is writing it: it was stopped)" in stopped_sweep
    assert not (out / "worlds.parquet").exists()
    resumed = subprocess.run(
        sweep_command(experiment, out, "--no-analysis", "--resume"), capture_output=True, text=True, cwd=ROOT
    )
    assert resumed.returncode == 0, resumed.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    first, second = manifest["sessions"]
    assert second["chunks"] < first["chunks"] == 30, "the resumed session ran only the missing chunks"
    assert result_bytes(out) == reference


def test_failed_chunks_make_the_command_exit_non_zero(tmp_path, monkeypatch):
    experiment = write_experiment(tmp_path, small_experiment())
    monkeypatch.setattr(simulator.sweeps.sweep, "run_sweep", FAILING_SWEEP)
    status, out, _ = eujsim(
        "sweep", experiment, "--out", tmp_path / "s", "--workers", 1, "--chunk-worlds", 3, "--no-analysis"
    )
    assert status == 1
    assert "1 chunks failed (1 points)" in out and "--resume" in out
    assert (tmp_path / "s" / "errors" / "chunk-000002.txt").is_file()


def test_sweep_prints_what_it_runs_and_where(tmp_path):
    experiment = write_experiment(tmp_path, small_experiment())
    status, out, err = eujsim("sweep", experiment, "--out", tmp_path / "s", "--workers", 1, "--no-analysis")
    assert status == 0, err
    assert out.splitlines()[0].startswith("Sweep 'small': grid, 6 points x 3 replicates of 'short_retrenchment'")
    assert f"{tmp_path / 's'}: 6 points x 3 replicates = 18 worlds" in out
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["command_line"][:2] == ["eujsim", "sweep"]


def test_validate_checks_experiment_files():
    status, out, err = eujsim("validate", ROOT / "experiments")
    assert status == 0, err
    assert out.count("OK ") == len(list((ROOT / "experiments").glob("*.yaml")))
    assert "experiment 'hedging_vs_deference', grid, 121 points x 20 replicates" in out


def test_run_given_an_experiment_points_to_sweep():
    line = cli_error("run", ROOT / "experiments" / "taiwan_timing.yaml")
    assert "eujsim sweep" in line


def test_validate_and_run_agree_that_a_file_with_shocks_is_a_scenario(tmp_path):
    stray = tmp_path / "stray.yaml"
    stray.write_text('name: x\nscenario: base\nshocks:\n  - kind: us_retrenchment\n    at: "2025Q2"\n')
    assert "unknown key 'scenario'" in cli_error("validate", stray)
    assert "unknown key 'scenario'" in cli_error("run", stray)


@pytest.mark.parametrize(
    ("args", "hint"),
    [
        (["--workers", "0"], "--workers must be at least 1"),
        (["--chunk-worlds", "0"], "--chunk-worlds must be at least 1"),
        (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler is for --executor dask"),
    ],
)
def test_sweep_option_mistakes_are_one_line(tmp_path, args, hint):
    experiment = write_experiment(tmp_path, small_experiment())
    line = cli_error("sweep", experiment, "--out", tmp_path / "s", *args)
    assert hint in line
    assert not (tmp_path / "s" / "worlds.parquet").exists()


def test_an_unknown_executor_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["sweep", str(write_experiment(tmp_path, small_experiment())), "--executor", "cloud"])
    assert info.value.code == 2
    message = one_error_line(capsys.readouterr().err)
    assert "invalid choice: 'cloud'" in message and "eujsim sweep --help" in message


def test_sweep_refuses_an_existing_folder_and_a_bad_experiment(tmp_path):
    experiment = write_experiment(tmp_path, small_experiment())
    (tmp_path / "taken").mkdir()
    assert "never overwrite" in cli_error("sweep", experiment, "--out", tmp_path / "taken")
    bad = write_experiment(tmp_path, small_experiment(method="latin"), name="bad.yaml")
    line = cli_error("sweep", bad)
    assert "bad.yaml:" in line and "unknown method 'latin'" in line


def test_resume_without_an_unfinished_sweep_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    experiment = write_experiment(tmp_path, small_experiment())
    assert "no unfinished sweep of 'small'" in cli_error("sweep", experiment, "--resume")
    assert "not a sweep that can be resumed" in cli_error("sweep", experiment, "--resume", "--out", tmp_path)


def test_analyze_refuses_a_folder_that_is_not_a_sweep(tmp_path):
    assert "is not a sweep folder" in cli_error("analyze", tmp_path)
    assert "not found" in cli_error("analyze", tmp_path / "missing")


# -- one owner per sweep folder -------------------------------------------------------------

BLOCKED_SWEEP = """
import sys, time
from pathlib import Path
from simulator.sweeps.chunks import simulate_chunk
from simulator.sweeps.sweep import open_sweep, run_sweep
from simulator.sweeps.sweep_size import check_fits, estimate_sweep

release = Path(sys.argv[3])

def wait_in_chunk_one(experiment, points, chunk):
    while chunk == 1 and not release.exists():  # waits for the test, not for time
        time.sleep(0.01)
    return simulate_chunk(experiment, points, chunk)

run_sweep(sys.argv[1], sys.argv[2], workers=1, chunk_worlds=3, progress=False, chunk_function=wait_in_chunk_one)
"""


def wait_for(path: Path, process: subprocess.Popen) -> None:
    """Wait until ``path`` exists, failing if the process ends first."""
    deadline = time.monotonic() + 120
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"the process ended first: {process.communicate()}")
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_a_second_resume_is_refused_while_a_sweep_runs_and_the_sweep_completes_whole(tmp_path):
    """The issue's reproducer: a --resume started beside a running sweep truncated it to 920 of 2,420 rows."""
    experiment = write_experiment(tmp_path, small_experiment())
    out, release = tmp_path / "s", tmp_path / "release"
    first = subprocess.Popen(
        [sys.executable, "-c", BLOCKED_SWEEP, str(experiment), str(out), str(release)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        wait_for(out / "parts" / "worlds-000000.parquet", first)  # chunk 0 is done, chunk 1 waits
        line = cli_error("sweep", experiment, "--out", out, "--resume", "--workers", 1, "--no-analysis")
        assert f"{out}: is being written by process {first.pid}; wait until it finishes" in line
        assert "(status 'running', still being written): 3 of its 18 worlds" in open_sweep(out).shortfall
        second = subprocess.run(
            [*EUJSIM, "sweep", str(experiment), "--out", str(out), "--resume", "--no-analysis"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        assert second.returncode == 2 and f"process {first.pid}" in one_error_line(second.stderr)
        assert "analyze" not in second.stdout
    finally:
        release.touch()
        _, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["rows"]["worlds"] == 18
    assert len(pd.read_parquet(out / "worlds.parquet")) == 18
    assert [s["chunks"] for s in manifest["sessions"]] == [6], "the refused resumes left no session behind"


def test_resume_without_out_skips_sweeps_that_another_process_is_writing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    experiment = write_experiment(tmp_path, small_experiment())
    with monkeypatch.context() as failing:
        failing.setattr(simulator.sweeps.sweep, "run_sweep", FAILING_SWEEP)
        for _ in range(2):  # results/small and results/small-2, both failed in chunk 2
            assert eujsim("sweep", experiment, "--workers", 1, "--chunk-worlds", 3, "--no-analysis")[0] == 1
    newest = tmp_path / "results" / "small-2"
    busy = FolderLock(newest)
    assert busy.acquire()
    try:
        status, out, err = eujsim("sweep", experiment, "--resume", "--workers", 1, "--no-analysis")
        assert status == 0, err
        assert "results/small: 6 points" in out, "the sweep no one was writing"
        line = cli_error("sweep", experiment, "--resume", "--workers", 1)
        assert "every unfinished sweep of 'small'" in line and f"process {os.getpid()}" in line
    finally:
        busy.release()
    assert json.loads((newest / "manifest.json").read_text())["status"] == "failed"


def test_resume_without_out_takes_only_this_experiments_own_folders(tmp_path, monkeypatch):
    """The reviewer's reproducer: experiment 'small' took results/small-x, another experiment's unfinished sweep."""
    monkeypatch.chdir(tmp_path)
    small = write_experiment(tmp_path, small_experiment())
    changed = write_experiment(tmp_path, small_experiment(replicates=4), name="changed.yaml")  # also named 'small'
    other = write_experiment(tmp_path, small_experiment(name="small-x"), name="x.yaml")
    with monkeypatch.context() as failing:
        failing.setattr(simulator.sweeps.sweep, "run_sweep", FAILING_SWEEP)
        for file in (small, changed, other):  # results/small, results/small-2, results/small-x (the newest)
            assert eujsim("sweep", file, "--workers", 1, "--chunk-worlds", 3, "--no-analysis")[0] == 1
    results = tmp_path / "results"
    assert sorted(p.name for p in results.iterdir()) == ["small", "small-2", "small-x"]
    status, out, err = eujsim("sweep", small, "--resume", "--workers", 1, "--no-analysis")
    assert status == 0, err
    assert "results/small: 6 points x 3 replicates" in out
    for name in ("small-2", "small-x"):
        assert json.loads((results / name / "manifest.json").read_text())["status"] == "failed", "left alone"
    line = cli_error("sweep", small, "--resume")
    assert "no unfinished sweep of 'small' in results/small or results/small-N" in line
    assert "(results/small-2: started from another version of it)" in line


def test_two_sweeps_started_together_without_out_get_a_folder_each(tmp_path, monkeypatch):
    """The reviewer's reproducer: the second of two `eujsim sweep X` failed, its default folder taken meanwhile."""
    monkeypatch.chdir(tmp_path)
    experiment = write_experiment(tmp_path, small_experiment())
    write_table = simulator.sweeps.sweep._write_table
    started = []

    def while_another_sweep_starts(path, table):  # the first file of this sweep's temporary folder
        if not started:
            started.append(path)
            assert run_sweep(experiment, workers=1, progress=False).folder == Path("results/small")
        write_table(path, table)

    locks = []

    def watch(experiment, points, chunk):
        mine, other = FolderLock(tmp_path / "results" / "small-2"), FolderLock(tmp_path / "results" / "small")
        locks.append((mine.acquire(), other.acquire()))
        other.release()
        return simulate_chunk(experiment, points, chunk)

    monkeypatch.setattr(simulator.sweeps.sweep, "_write_table", while_another_sweep_starts)
    monkeypatch.setattr(simulator.sweeps.sweep, "run_sweep", functools.partial(run_sweep, chunk_function=watch))
    status, out, err = eujsim("sweep", experiment, "--workers", 1, "--chunk-worlds", 3, "--no-analysis")
    assert status == 0, err
    assert started[0].parent.name.startswith(".small.eujsim-partial-"), "the other sweep came while this one started"
    assert "results/small-2: 6 points x 3 replicates = 18 worlds" in out
    assert locks == [(False, True)] * 6, "the lock is on the folder really written, and only on it"
    for name in ("small", "small-2"):
        assert json.loads((tmp_path / "results" / name / "manifest.json").read_text())["status"] == "complete"
    assert FolderLock(tmp_path / "results" / "small-2").acquire(), "released at the end"


def test_analyze_compare_and_report_warn_about_a_sweep_truncated_by_two_writers(tmp_path):
    """The folder the issue's reproducer left: complete in the manifest, 920 of 2,420 rows on disk."""
    experiment = write_experiment(tmp_path, small_experiment())
    out = tmp_path / "s"
    assert eujsim("sweep", experiment, "--out", out, "--workers", 1, "--no-analysis")[0] == 0
    table = pq.read_table(out / "worlds.parquet")
    pq.write_table(table.slice(0, 9), out / "worlds.parquet")
    warning = "worlds.parquet holds 9 worlds where the design has 18 (6 points x 3 replicates)"

    status, text, err = eujsim("analyze", out)
    assert status == 0, err
    assert text.splitlines()[0].startswith("small: grid, 3 of 6 points × 3 replicates (9 worlds)")
    assert text.splitlines()[1].startswith("Warning: the manifest says the sweep is complete but " + warning)
    assert "Warning" not in err, "said once, in the summary"
    assert warning in (out / "indices" / "README.txt").read_text()

    status, text, err = eujsim("compare", out, "--points", "0,1", "--out", tmp_path / "c", "--no-plots")
    assert status == 0, err
    assert text.splitlines()[1].startswith(f"Warning: the sweep folder {out}: the manifest says")
    assert (
        "run the sweep again into a new folder" in json.loads((tmp_path / "c" / "compare.json").read_text())["warning"]
    )

    status, text, err = eujsim("report", out)
    assert status == 0, err
    assert (
        f"<strong>Warning:</strong> the manifest says the sweep is complete but {warning}"
        in (out / "report.html").read_text()
    )
    status, text, err = eujsim("report", tmp_path / "c")
    assert status == 0, err
    assert "<strong>Warning:</strong> the manifest says" in (tmp_path / "c" / "report.html").read_text()


def test_analyze_of_a_failed_sweep_says_how_many_worlds_it_has(tmp_path, monkeypatch):
    experiment = write_experiment(tmp_path, small_experiment())
    monkeypatch.setattr(simulator.sweeps.sweep, "run_sweep", FAILING_SWEEP)
    status, text, _ = eujsim("sweep", experiment, "--out", tmp_path / "s", "--workers", 1, "--chunk-worlds", 3)
    assert status == 1
    assert "Warning: the sweep is incomplete (status 'failed'): 15 of its 18 worlds (6 points x 3 replicates)" in text
    assert "5 of 6 points × 3 replicates" in text


# -- a sweep killed while it starts ------------------------------------------------------------

BLOCKED_START = """
import sys, time
from pathlib import Path
import simulator.sweeps.sweep as sweep

ready = Path(sys.argv[3])
write_table = sweep._write_table

def write_then_hang(path, table):
    write_table(path, table)
    ready.touch()
    time.sleep(3600)  # killed by the test long before

sweep._write_table = write_then_hang
sweep.run_sweep(sys.argv[1], sys.argv[2], workers=1, progress=False)
"""


def test_a_sweep_killed_before_its_manifest_leaves_no_folder_and_can_start_again(tmp_path):
    experiment = write_experiment(tmp_path, small_experiment())
    out, ready = tmp_path / "s", tmp_path / "ready"
    starting = subprocess.Popen(
        [sys.executable, "-c", BLOCKED_START, str(experiment), str(out), str(ready)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    try:
        wait_for(ready, starting)  # points.parquet is written, the manifest is not
    finally:
        starting.kill()
        starting.communicate()
    assert not out.exists(), "the folder appears only once it holds its manifest"
    status, _, err = eujsim("sweep", experiment, "--out", out, "--workers", 1, "--no-analysis")
    assert status == 0, err
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


def test_resume_of_a_folder_an_older_version_left_without_a_manifest_starts_it(tmp_path):
    experiment = write_experiment(tmp_path, small_experiment())
    out = tmp_path / "s"
    out.mkdir()
    (out / "experiment.yaml").write_text(load_experiment(experiment).to_yaml())  # killed after its first file
    status, text, err = eujsim("sweep", experiment, "--out", out, "--resume", "--workers", 1, "--no-analysis")
    assert status == 0, err
    assert f"{out}: 6 points x 3 replicates = 18 worlds" in text


def test_resume_never_replaces_a_users_experiment_and_scenario_files(tmp_path):
    """The reviewer's reproducer: --resume on a folder of the user's own files started a sweep over them."""
    study = tmp_path / "study"
    study.mkdir()
    shipped = (ROOT / "experiments" / "hedging_vs_deference.yaml").read_text(encoding="utf-8")
    scenario = ROOT / "scenarios" / "us_retrenchment.yaml"
    experiment = study / "experiment.yaml"
    experiment.write_text(
        shipped.replace("../scenarios/us_retrenchment.yaml", str(scenario)) + "# my notes\n", encoding="utf-8"
    )
    (study / "scenario.yaml").write_bytes(scenario.read_bytes())
    before = {p.name: p.read_bytes() for p in study.iterdir()}
    line = cli_error("sweep", experiment, "--out", study, "--resume", "--no-analysis")
    assert "would write over experiment.yaml and scenario.yaml, which differ from what this sweep writes" in line
    assert "nothing was changed: give a new folder with --out (without --resume)" in line
    assert {p.name: p.read_bytes() for p in study.iterdir()} == before


def test_resume_of_a_run_folder_says_what_it_is(tmp_path):
    from .test_output_safety import SMALL, ok, short_scenario

    ok("run", short_scenario(tmp_path / "r.yaml", "r"), "--out", tmp_path / "r1", *SMALL)
    experiment = write_experiment(tmp_path, small_experiment())
    line = cli_error("sweep", experiment, "--resume", "--out", tmp_path / "r1")
    assert f"{tmp_path / 'r1'}: is a run folder (eujsim run), not a sweep; give the folder of an unfinished" in line
    assert "different experiment" not in line
    line = cli_error("analyze", tmp_path / "r1" / "timeseries.csv")
    assert f"{tmp_path / 'r1' / 'timeseries.csv'}: is a file, not a sweep folder; give the folder" in line
    assert "is a run folder (eujsim run), not a sweep folder" in cli_error("analyze", tmp_path / "r1")


def test_analyze_of_a_file_in_a_sweep_folder_names_the_folder(tmp_path):
    experiment = write_experiment(tmp_path, small_experiment())
    assert eujsim("sweep", experiment, "--out", tmp_path / "s", "--workers", 1, "--no-analysis")[0] == 0
    line = cli_error("analyze", tmp_path / "s" / "worlds.parquet")
    assert f"is a file of the sweep folder {tmp_path / 's'}; give the folder itself" in line
    assert "is an experiment file; run it with `eujsim sweep" in cli_error("analyze", experiment)


def test_sweep_of_a_scenario_file_says_to_run_it():
    line = cli_error("sweep", ROOT / "scenarios" / "baseline.yaml")
    assert "baseline.yaml:7: this is a scenario file, not an experiment" in line
    assert "run it with `eujsim run FILE`" in line and "unknown key" not in line


def test_a_read_only_out_is_refused_as_such_and_not_as_too_big(tmp_path, monkeypatch):
    """The reviewer's reproducer: on a read-only file system with 401 kB free, sweep said 'too big to run'."""
    experiment = write_experiment(tmp_path, small_experiment())
    failed = tmp_path / "failed"
    with monkeypatch.context() as failing:
        failing.setattr(simulator.sweeps.sweep, "run_sweep", FAILING_SWEEP)
        assert (
            eujsim("sweep", experiment, "--out", failed, "--workers", 1, "--chunk-worlds", 3, "--no-analysis")[0] == 1
        )
    readonly = tmp_path / "ro"
    readonly.mkdir()
    access = os.access  # a read-only file system refuses even root, which the tests may run as; chmod would not
    monkeypatch.setattr(os, "access", lambda path, mode: Path(path) not in (readonly, failed) and access(path, mode))
    monkeypatch.setattr("simulator.sweeps.sweep_size.free_disk", lambda path: 1_000)  # a read-only mount may be full
    line = cli_error("sweep", experiment, "--out", readonly / "s")
    assert f"{readonly / 's'}: cannot be created: '{readonly}' is not a writable folder" in line
    assert "too big" not in line
    assert not (readonly / "s").exists()
    line = cli_error("sweep", experiment, "--out", failed, "--resume")
    assert f"{failed}: cannot be written (read-only, or not yours)" in line


# -- damaged tables and parts -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["worlds.parquet", "quarters.parquet", "points.parquet"])
def test_analyze_and_compare_name_a_damaged_table_in_one_line(tmp_path, name):
    """The reviewer's reproducer: an emptied worlds.parquet made analyze and compare print a 40-line traceback."""
    experiment = write_experiment(tmp_path, small_experiment())
    out = tmp_path / "s"
    assert eujsim("sweep", experiment, "--out", out, "--workers", 1, "--no-analysis")[0] == 0
    (out / name).write_bytes(b"")
    fix = f"is damaged (Parquet file size is 0 bytes); run the sweep again into a new folder (`eujsim sweep {out}"
    if name != "points.parquet":  # analyze reads the factor values from worlds.parquet
        assert f"{out / name}: {fix}" in cli_error("analyze", out)
    assert f"{out / name}: {fix}" in cli_error("compare", out, "--points", "0,1", "--out", tmp_path / "c")
    assert not (tmp_path / "c").exists()
    status, _, err = eujsim("report", out)
    assert status == 0 or "damaged" in one_error_line(err)


def test_resume_reruns_a_damaged_part_and_analyze_says_it_left_it_out(tmp_path, monkeypatch):
    """The reviewer's reproducer: random bytes in a part made --resume and analyze end in ArrowInvalid for good."""
    experiment = write_experiment(tmp_path, small_experiment())
    out = tmp_path / "kp"
    with monkeypatch.context() as failing:
        failing.setattr(simulator.sweeps.sweep, "run_sweep", FAILING_SWEEP)
        assert eujsim("sweep", experiment, "--out", out, "--workers", 1, "--chunk-worlds", 3, "--no-analysis")[0] == 1
    (out / "parts" / "worlds-000000.parquet").write_bytes(os.urandom(100))
    status, text, err = eujsim("analyze", out)
    assert status == 0, err
    assert "1 damaged part file (parts/worlds-000000.parquet) left out, --resume runs its chunk again" in text
    assert f"`eujsim sweep {out / 'experiment.yaml'} --resume --out {out}` runs the rest" in text
    status, text, err = eujsim("sweep", experiment, "--out", out, "--resume", "--workers", 1, "--no-analysis")
    assert status == 0, err
    assert json.loads((out / "manifest.json").read_text())["rows"]["worlds"] == 18


def test_a_sweep_with_a_short_part_says_resume_and_resume_completes_it(tmp_path, monkeypatch):
    """The reviewer's reproducer: the sweep said 'run it again into a new folder', analyze said --resume (a no-op)."""
    experiment = write_experiment(tmp_path, small_experiment())
    out = tmp_path / "kp"

    def short_part(experiment, points, chunk):  # chunk 3 cuts chunk 1's worlds part to one row
        if chunk == 3:
            part = out / "parts" / "worlds-000001.parquet"
            pq.write_table(pq.read_table(part).slice(0, 1), part)
        return simulate_chunk(experiment, points, chunk)

    with monkeypatch.context() as meddling:
        meddling.setattr(simulator.sweeps.sweep, "run_sweep", functools.partial(run_sweep, chunk_function=short_part))
        status, text, _ = eujsim("sweep", experiment, "--out", out, "--workers", 1, "--chunk-worlds", 3)
    assert status == 1
    assert "1 chunks have no results (their parts are missing); rerun them with --resume" in text
    assert "Warning: the sweep is incomplete (status 'incomplete'): 15 of its 18 worlds" in text
    assert f"--resume --out {out}` runs the rest" in text
    status, text, err = eujsim("sweep", experiment, "--out", out, "--resume", "--workers", 1, "--no-analysis")
    assert status == 0, err
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"


# -- too big -----------------------------------------------------------------------------------

LAPTOP = {"memory": 8 * 10**9, "disk": 200 * 10**9}
"""A machine with 8 GB of memory available and 200 GB of free disk."""


@pytest.fixture
def laptop(monkeypatch):
    monkeypatch.setattr("simulator.sweeps.sweep_size.available_memory", lambda: LAPTOP["memory"])
    monkeypatch.setattr("simulator.sweeps.sweep_size.free_disk", lambda path: LAPTOP["disk"])


def test_a_grid_of_465_cubed_points_is_refused_before_anything_is_built(tmp_path, laptop):
    """The issue's reproducer: 10^8 points died in itertools.product."""
    experiment = write_experiment(
        tmp_path,
        small_experiment(
            replicates=20,
            parameters={
                "shock.US retrenchment.magnitude": {"levels": 465},
                "JPN.deference": {"levels": 465},
                "EU.deference": {"levels": 465},
            },
        ),
    )
    for command in (["sweep", experiment, "--out", tmp_path / "s"], ["validate", experiment]):
        line = cli_error(*command)
        assert f"{experiment}: too big to run: 100,544,625 points x 20 replicates need about" in line
        assert "of memory" in line and "8 GB is available" in line
        assert "smaller design" in line
        assert "of disk" in line and "200 GB is free" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.yaml"], "nothing written"


def test_ten_million_points_of_a_hundred_thousand_replicates_are_refused(tmp_path):
    """The issue's reproducer, on this machine: it left a 125 MB folder and a MemoryError."""
    experiment = write_experiment(
        tmp_path, small_experiment(method="random", samples=10_000_000, replicates=100_000, parameters=RANGES)
    )
    line = cli_error("sweep", experiment, "--out", tmp_path / "s", "--workers", 2)
    assert "too big to run: 10,000,000 points x 100,000 replicates need about" in line
    assert "TB of disk" in line
    size = estimate_sweep(load_experiment(experiment), workers=2)
    with pytest.raises(UserError, match=r"use --workers 1, or fewer replicates .*, or a smaller design") as refused:
        check_fits(load_experiment(experiment), size, tmp_path, memory=20 * 10**9, disk=10**15)
    assert "the design and 10,000,000 chunks" in str(refused.value), "the plan of 10^7 one-point chunks"
    assert not (tmp_path / "s").exists() and not list(tmp_path.glob(".s.*"))
    assert "too big to run" in cli_error("validate", experiment)


def test_a_refusal_for_memory_and_disk_at_once_is_short_fixes_both_and_never_looks_alike(tmp_path):
    """The reviewer's line: 'need about 25 GB of memory … but 25 GB is available', --workers 1 for 64 TB of disk,
    726 characters."""
    experiment = load_experiment(
        write_experiment(
            tmp_path, small_experiment(method="random", samples=10_000_000, replicates=100_000, parameters=RANGES)
        )
    )
    size = estimate_sweep(experiment, workers=2)
    memory = size.memory_bytes - 10**8  # rounds to the same GB as the estimate
    with pytest.raises(UserError) as refused:
        check_fits(experiment, size, tmp_path, memory=memory, disk=64 * 10**12)
    line = str(refused.value)
    need, available = re.search(r"and ([0-9.]+) GB of memory \(([0-9.]+) GB is available\)", line).groups()
    assert float(need) > float(available), line
    assert re.search(r"about 1\d\d TB of disk \(64 TB is free there\) and", line), (
        "the disk, which options cannot fix, first"
    )
    assert "use fewer replicates or a smaller design (for the disk also --out on a disk with more room; " in line
    assert "for the memory also --workers 1)" in line
    assert len(line) - len(str(experiment.source)) <= 300, (len(line), line)
    with pytest.raises(UserError) as refused:
        check_fits(experiment, size, tmp_path, memory=memory, disk=10**15)
    assert len(str(refused.value)) - len(str(experiment.source)) <= 340, "memory alone, with where it goes"


def test_a_point_too_big_for_memory_says_chunks_cannot_split_it(tmp_path, laptop):
    experiment = write_experiment(
        tmp_path, small_experiment(replicates=100_000, method="random", samples=4, parameters=RANGES)
    )
    LAPTOP["memory"] = 6 * 10**9
    try:
        line = cli_error("sweep", experiment, "--out", tmp_path / "s", "--workers", 2, "--chunk-worlds", 1000)
    finally:
        LAPTOP["memory"] = 8 * 10**9
    assert "2 workers of 3.8 GB: a chunk of 100,000 worlds each" in line
    assert "use --workers 1, or fewer replicates (--chunk-worlds cannot split a point)" in line
    assert "of disk" not in line, "the disk is big enough"


def test_ordinary_experiments_fit(tmp_path):
    status, _, err = eujsim("validate", ROOT / "experiments")
    assert status == 0, err


def test_a_sweep_whose_analysis_would_not_fit_is_refused_unless_it_skips_the_analysis(tmp_path, laptop):
    """A sweep streams its worlds to disk, so 10^8 worlds fit a laptop; their analysis reads them all at once."""
    experiment = write_experiment(
        tmp_path, small_experiment(method="random", samples=10_000, replicates=10_000, parameters=RANGES)
    )
    for command in (["sweep", experiment, "--out", tmp_path / "s", "--workers", 2], ["validate", experiment]):
        line = cli_error(*command)
        assert f"{experiment}: analysing 100,000,000 worlds needs about " in line
        assert "8 GB is available: run the sweep with --no-analysis and analyse a copy of its folder" in line
    loaded = load_experiment(experiment)
    folder = simulator.sweeps.sweep.check_sweep(loaded, tmp_path / "s", workers=2, analysis=False)
    assert folder == tmp_path / "s", "without the analysis the sweep itself fits"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp.yaml"], "nothing written"


def test_analyze_and_compare_refuse_a_sweep_too_big_for_the_memory_before_reading_it(tmp_path, monkeypatch):
    experiment = write_experiment(tmp_path, small_experiment())
    out = tmp_path / "s"
    status, _, err = eujsim("sweep", experiment, "--out", out, "--workers", 1, "--no-analysis")
    assert status == 0, err
    monkeypatch.setattr("simulator.sweeps.sweep_size.available_memory", lambda: 100 * 10**6)
    line = cli_error("analyze", out)
    assert f"{out}: analysing 18 worlds needs about " in line
    assert "but 100 MB is available: analyse a copy of the sweep folder on a machine with more memory" in line
    assert not (out / "plots").exists() and not (out / "indices").exists(), "nothing drawn"
    line = cli_error("compare", out, "--by", "JPN.deference", "--out", tmp_path / "c")
    assert "analysing 18 worlds needs about" in line and "compare on a copy of the sweep folder" in line
    assert not (tmp_path / "c").exists()


# -- plot formats ------------------------------------------------------------------------------------

SWEEP_PLOTS = ("metric_vs_parameter", "phase_diagram", "envelopes")
"""The plots of the small grid experiment (two factors, so a phase diagram; no indices)."""


def plot_names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_sweep_and_analyze_write_each_plot_in_every_format_asked_for(tmp_path):
    experiment = write_experiment(tmp_path, small_experiment(replicates=2))
    out = tmp_path / "s"
    status, stdout, err = eujsim("sweep", experiment, "--out", out, "--workers", 1, "--format", "svg,png")
    assert status == 0, err
    assert plot_names(out / "plots") == sorted(f"{stem}.{fmt}" for stem in SWEEP_PLOTS for fmt in ("png", "svg"))
    assert (out / "plots" / "envelopes.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert f"3 plots (svg, png) to {out / 'plots'}" in stdout

    # analysing again in PDF alone replaces them: no plot of the earlier analysis is left beside the new ones
    status, stdout, err = eujsim("analyze", out, "--format", "pdf", "--discover", "coop_EU_JPN:final > 0.5")
    assert status == 0, err
    assert plot_names(out / "plots") == sorted(f"{stem}.pdf" for stem in SWEEP_PLOTS)
    assert (out / "plots" / "phase_diagram.pdf").read_bytes().startswith(b"%PDF")
    assert f"3 plots (pdf) to {out / 'plots'}" in stdout
    discovery = next((out / "analysis" / "discover").iterdir())
    assert {"tradeoff.pdf", "box.pdf"} <= set(plot_names(discovery))
    assert not list(discovery.glob("*.png"))
    assert "tradeoff.pdf, box.pdf, discovery.json" in stdout

    # the default is PNG, and a discovery redone in it loses its PDFs too
    status, _, err = eujsim("analyze", out, "--discover", "coop_EU_JPN:final > 0.5")
    assert status == 0, err
    assert plot_names(out / "plots") == sorted(f"{stem}.png" for stem in SWEEP_PLOTS)
    assert {"tradeoff.png", "box.png"} <= set(plot_names(discovery)) and not list(discovery.glob("*.pdf"))


@pytest.mark.parametrize("command", ["sweep", "analyze", "explain"])
def test_a_bad_format_of_any_plotting_command_is_one_usage_line(command, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main([command, str(tmp_path), "--format", "png,jpeg"])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    line = one_error_line(err)
    assert "'jpeg'" in line and "png, svg, pdf" in line and "--format" in line
