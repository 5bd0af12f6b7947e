"""No command destroys what it did not write, and killed runs leave nothing that lingers.

The reproducers of the reliability issue: ``--force`` over a user's folder, a scenario
file named ``..yaml``, ``report --out`` over a run's data, names that map to one folder,
temporary folders of killed runs, and a full disk that did not say where.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.storage.locks import FolderLock
from simulator.storage.output import (
    MAX_NAME_BYTES,
    atomic_file,
    atomic_folder,
    distinct_names,
    folder_name,
    remove_abandoned,
)
from simulator.storage.ownership import LAYOUTS, PARTIAL, REPLACED, folder_kind, foreign_entries

from .conftest import ROOT, SCENARIOS, cli_error, eujsim

SMALL = ("--replicates", 2, "--no-plots", "--quiet")


def ok(*argv: object) -> str:
    status, out, err = eujsim(*argv)
    assert status == 0, err
    return out


def short_scenario(path: Path, name: str, seed: int = 3) -> Path:
    path.write_text(f"name: {name!r}\nhorizon: 4\nseed: {seed}\nreplicates: 2\n", encoding="utf-8")
    return path


def user_folder(path: Path) -> dict[str, str]:
    """A folder of a user's own work; returns its files and contents, to check it is untouched."""
    (path / "chapters").mkdir(parents=True)
    files = {"thesis.tex": "\\documentclass{book}\n", "chapters/one.tex": "Chapter one.\n"}
    for name, text in files.items():
        (path / name).write_text(text, encoding="utf-8")
    return files


def assert_untouched(path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        assert (path / name).read_text(encoding="utf-8") == text, f"{name} was changed or removed"


def hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


# --- --force only over what eujsim wrote ---------------------------------------------------


@pytest.mark.parametrize("command", ["run", "compare", "explain"])
def test_force_never_replaces_a_folder_of_the_users_own(tmp_path, command):
    mydocs = tmp_path / "mydocs"
    files = user_folder(mydocs)
    scenario = short_scenario(tmp_path / "s.yaml", "s")
    if command == "run":
        argv = ["run", scenario]
    elif command == "compare":
        argv = ["compare", scenario, short_scenario(tmp_path / "t.yaml", "t", seed=4), "--no-plots"]
    else:
        ok("run", scenario, "--out", tmp_path / "r", *SMALL)
        argv = ["explain", tmp_path / "r"]
    message = cli_error(*argv, "--out", mydocs, "--force")
    assert f"{mydocs}: was not written by eujsim (it holds chapters/, thesis.tex)" in message
    assert "--force only replaces a result folder eujsim wrote" in message
    assert_untouched(mydocs, files)


def test_force_refuses_a_run_folder_that_also_holds_the_users_files(tmp_path):
    out = tmp_path / "run"
    ok("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", out, *SMALL)
    (out / "notes.md").write_text("my reading of this run\n", encoding="utf-8")
    (out / "plots").mkdir()
    (out / "plots" / "draft.svg").write_text("<svg/>", encoding="utf-8")
    message = cli_error("run", tmp_path / "s.yaml", "--out", out, "--force", *SMALL)
    assert "also holds files eujsim did not write (notes.md, plots/draft.svg)" in message
    assert (out / "notes.md").is_file() and (out / "plots" / "draft.svg").is_file()


def test_force_refuses_a_result_of_another_kind(tmp_path):
    scenario = short_scenario(tmp_path / "s.yaml", "s")
    ok("run", scenario, "--out", tmp_path / "run", *SMALL)
    ok("compare", scenario, tmp_path / "run", "--out", tmp_path / "cmp", "--no-plots")
    message = cli_error("run", scenario, "--out", tmp_path / "cmp", "--force", *SMALL)
    assert "is a comparison folder (eujsim compare); --force only replaces a run folder" in message
    assert folder_kind(tmp_path / "cmp") == "compare"


def test_force_replaces_an_empty_folder(tmp_path):
    (tmp_path / "out").mkdir()
    ok("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", tmp_path / "out", "--force", *SMALL)
    assert folder_kind(tmp_path / "out") == "run"


def test_force_never_replaces_a_folder_another_process_is_writing(tmp_path):
    out = tmp_path / "run"
    ok("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", out, *SMALL)
    lock = FolderLock(out)
    assert lock.acquire()
    try:
        message = cli_error("run", tmp_path / "s.yaml", "--out", out, "--force", *SMALL)
    finally:
        lock.release()
    assert "is being written by another eujsim process" in message


@pytest.mark.parametrize("out", [".", "..", "here/.."])
def test_out_that_names_the_current_folder_or_its_parent_is_refused(tmp_path, monkeypatch, out):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    message = cli_error("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", out, "--force", *SMALL)
    assert "is the current folder or one that contains it" in message


# --- folder names derived from file and scenario names ---------------------------------------


def test_a_scenario_file_named_dotdot_yaml_never_replaces_the_out_folder(tmp_path):
    dots = short_scenario(tmp_path / "..yaml", "dots")
    other = short_scenario(tmp_path / "a.yaml", "a")
    parent = tmp_path / "X"
    files = user_folder(parent)
    ok("run", dots, other, "--out", parent, "--force", *SMALL)
    assert_untouched(parent, files)
    assert folder_kind(parent / "run") == "run", "the file named ..yaml ran into X/run"
    assert folder_kind(parent / "a") == "run"
    assert json.loads((parent / "run" / "manifest.json").read_text(encoding="utf-8"))["scenario"]["name"] == "dots"


@given(st.text(max_size=300))
def test_a_derived_folder_name_is_always_one_plain_entry_of_its_parent(stem):
    name = folder_name(stem)
    assert name not in ("", ".", "..")
    assert not name.startswith(".")
    assert "/" not in name and "\\" not in name and "\0" not in name
    assert len(name.encode("utf-8")) <= MAX_NAME_BYTES
    parent = Path("/results")
    assert (parent / name).parent == parent


@given(st.lists(st.text(max_size=20), max_size=8))
def test_distinct_names_never_map_two_inputs_to_one_folder(stems):
    names = distinct_names(stems)
    assert len(names) == len(stems)
    assert len({n.casefold() for n in names}) == len(names)


@pytest.mark.parametrize("names", [("a/b", "a?b"), (".", ".."), ("Run", "run")])
def test_compare_saves_inputs_whose_names_map_to_one_folder_name_in_distinct_runs(tmp_path, names):
    first = short_scenario(tmp_path / "one.yaml", names[0])
    second = short_scenario(tmp_path / "two.yaml", names[1], seed=4)
    out = tmp_path / "cmp"
    ok("compare", first, second, "--out", out, "--no-plots")
    spec = json.loads((out / "compare.json").read_text(encoding="utf-8"))
    folders = [item["run_folder"] for item in spec["inputs"]]
    assert len(set(folders)) == 2, folders
    for folder, name in zip(folders, names, strict=True):
        assert (out / folder).parent == out / "runs"
        assert folder_kind(out / folder) == "run"
        saved = json.loads((out / folder / "manifest.json").read_text(encoding="utf-8"))
        assert saved["scenario"]["name"] == name
    assert sorted(p.name for p in out.iterdir()) == [
        "compare.json",
        "difference.csv",
        "domains.csv",
        "runs",
        "summary.txt",
        "table.csv",
    ]
    ok("report", out)


# --- no command writes over a file of a result folder ---------------------------------------


def test_report_force_never_writes_over_a_runs_data(tmp_path):
    out = tmp_path / "run"
    ok("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", out, *SMALL)
    data = (out / "timeseries.csv").read_bytes()
    message = cli_error("report", out, "--out", out / "timeseries.csv", "--force")
    assert "is not a report eujsim wrote" in message
    assert (out / "timeseries.csv").read_bytes() == data
    ok("report", out)
    ok("report", out, "--force")  # an earlier report may be replaced


def test_explain_force_never_writes_over_a_runs_file_or_folder(tmp_path):
    out = tmp_path / "run"
    ok("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", out, *SMALL)
    assert "exists and is a file" in cli_error("explain", out, "--out", out / "summary.csv", "--force")
    message = cli_error("explain", out, "--out", out, "--force")
    assert "is a run folder (eujsim run); --force only replaces an explanation folder" in message
    assert folder_kind(out) == "run"


# --- every layout is in sync with what the commands write ------------------------------------


def test_nothing_eujsim_writes_counts_as_foreign(tmp_path):
    """Every kind of folder, written by every command that writes into it, holds nothing foreign."""
    run = tmp_path / "run"
    ok("run", SCENARIOS / "us_retrenchment.yaml", "--replicates", 3, "--out", run)
    ok("explain", run)
    ok("explain", run, "--metric", "coop_EU_USA", "--domain", "maritime")
    ok("report", run)
    compare = tmp_path / "cmp"
    ok("compare", SCENARIOS / "baseline.yaml", run, "--out", compare)
    ok("report", compare)
    sweep = tmp_path / "sweep"
    experiment = tmp_path / "exp.yaml"
    experiment.write_text(
        "name: tiny\nscenario: {name: s, horizon: 4, replicates: 1, seed: 3}\nset: {model.spinup_quarters: 4}\n"
        "replicates: 2\nmethod: grid\nparameters: {JPN.deference: [0.3, 0.6]}\n",
        encoding="utf-8",
    )
    ok("sweep", experiment, "--out", sweep, "--workers", 1, "--progress", "log")
    ok("analyze", sweep, "--discover", "coop_EU_JPN:final > 0")  # tests/test_discovery.py has one with a box
    ok("report", sweep)
    kinds = {run: "run", run / "explain": "explain", compare: "compare", sweep: "sweep"}
    for folder, kind in kinds.items():
        assert folder_kind(folder) == kind
        assert foreign_entries(folder, kind) == [], folder
    assert {p.name for p in run.iterdir()} >= {"plots", "explain", "explain-EU_USA-maritime", "report.html"}
    assert set(LAYOUTS) == set(kinds.values())


# --- temporaries of killed runs ------------------------------------------------------------

INSIDE = """
import sys, time
from pathlib import Path
from simulator.storage.output import atomic_folder
with atomic_folder(Path(sys.argv[1]), "run") as tmp:
    (tmp / "timeseries.csv").write_text("half a result", encoding="utf-8")
    print(tmp, flush=True)
    time.sleep(60)
"""


def writer_inside_atomic_folder(out: Path) -> tuple[subprocess.Popen, Path]:
    """A process stopped half-way through writing ``out``; returns it and its temporary folder."""
    process = subprocess.Popen([sys.executable, "-c", INSIDE, str(out)], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


def test_temporaries_of_killed_runs_are_removed_by_the_next_run_and_live_ones_are_kept(tmp_path):
    # started together, so that none of them tidies away another's folder while it lives
    writers = [writer_inside_atomic_folder(tmp_path / f"killed{n}") for n in range(3)]
    killed = []
    for process, partial in writers:
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed.append(partial.name)
    assert hidden(tmp_path) == sorted(killed), "a killed run leaves its temporary folder"
    live, live_partial = writer_inside_atomic_folder(tmp_path / "live")
    try:
        ok("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", tmp_path / "next", *SMALL)
        assert hidden(tmp_path) == [live_partial.name], "killed runs' folders removed, the live one kept"
        assert (live_partial / "timeseries.csv").is_file()
    finally:
        live.send_signal(signal.SIGKILL)
        live.wait()
    assert folder_kind(tmp_path / "next") == "run"


def test_an_old_result_moved_aside_by_a_killed_replacement_is_put_back(tmp_path):
    out = tmp_path / "run"
    ok("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", out, *SMALL)
    before = (out / "timeseries.csv").read_bytes()
    # a replacement killed between moving the old result aside and moving the new one in
    partial = tmp_path / f".run{PARTIAL}abcd1234"
    partial.mkdir()
    FolderLock(partial).path.touch()
    os.replace(out, partial.with_name(partial.name + REPLACED))
    removed = remove_abandoned(tmp_path)
    assert removed == [partial]
    assert (out / "timeseries.csv").read_bytes() == before
    assert hidden(tmp_path) == []


def test_only_eujsims_own_temporaries_are_ever_removed(tmp_path):
    """Hidden files and folders of the user's, even named like temporaries, survive every write beside them."""
    old = time.time() - 3600
    mine = {
        ".thesis.tmp": "draft",
        ".notes.partial-2024/data": "keep",
        f".run{PARTIAL}zzzzzzzz/data": "no lock file inside, so not provably eujsim's",
        ".backup.eujsim-1234.tmp": "not the shape of eujsim's names",
    }
    for name, text in mine.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
        os.utime(tmp_path / name, (old, old))
    ok("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", tmp_path / "next", *SMALL)
    ok("report", tmp_path / "next", "--out", tmp_path / "next.html")
    assert remove_abandoned(tmp_path) == []
    for name, text in mine.items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text, name


def test_a_temporary_file_of_a_killed_writer_is_removed_and_a_live_one_kept(tmp_path):
    target = tmp_path / "report.html"
    with atomic_file(target) as live:
        live.write_text("being written", encoding="utf-8")
        assert remove_abandoned(tmp_path) == []
        assert live.read_text(encoding="utf-8") == "being written"
        abandoned = live.with_name(live.name.replace(live.name[-12:-4], "abcdefgh"))
        abandoned.write_text("left by a kill", encoding="utf-8")
        assert remove_abandoned(tmp_path) == [abandoned]
    assert target.read_text(encoding="utf-8") == "being written"


def test_force_refuses_a_user_file_named_like_a_temporary_inside_a_run(tmp_path):
    out = tmp_path / "run"
    ok("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", out, *SMALL)
    (out / ".notes.tmp").write_text("mine\n", encoding="utf-8")
    assert ".notes.tmp" in cli_error("run", tmp_path / "s.yaml", "--out", out, "--force", *SMALL)
    assert (out / ".notes.tmp").is_file()


def test_force_never_replaces_a_run_that_another_process_is_writing_into(tmp_path):
    """An explanation being written into a run folder holds a locked temporary there."""
    out = tmp_path / "run"
    ok("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", out, *SMALL)
    writer, partial = writer_inside_atomic_folder(out / "explain")
    try:
        message = cli_error("run", tmp_path / "s.yaml", "--out", out, "--force", *SMALL)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    assert f"is being written by another eujsim process ({partial.name}/)" in message
    assert partial.is_dir()


def test_compare_force_never_deletes_its_own_inputs(tmp_path):
    first = short_scenario(tmp_path / "a.yaml", "a")
    second = short_scenario(tmp_path / "b.yaml", "b", seed=4)
    ok("compare", first, second, "--out", tmp_path / "cm", "--no-plots")
    runs = tmp_path / "cm" / "runs"
    message = cli_error("compare", runs / "a", runs / "b", "--out", tmp_path / "cm", "--force", "--no-plots")
    assert f"holds {runs / 'a'}, which this command reads; --force would delete it" in message
    assert folder_kind(runs / "a") == "run" and folder_kind(runs / "b") == "run"


def test_run_force_never_deletes_the_scenario_file_it_runs(tmp_path):
    out = tmp_path / "run"
    ok("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", out, *SMALL)
    message = cli_error("run", out / "scenario.yaml", "--out", out, "--force", *SMALL)
    assert "which this command reads" in message


def test_out_that_is_a_symbolic_link_is_refused(tmp_path):
    target = tmp_path / "runA"
    ok("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", target, *SMALL)
    link = tmp_path / "linkrun"
    link.symlink_to(target, target_is_directory=True)
    message = cli_error("run", tmp_path / "s.yaml", "--out", link, "--force", *SMALL)
    assert "is a symbolic link" in message
    assert link.is_symlink() and folder_kind(target) == "run"
    assert hidden(tmp_path) == []


def test_out_named_like_a_temporary_is_refused(tmp_path):
    message = cli_error(
        "run", short_scenario(tmp_path / "s.yaml", "s"), "--out", tmp_path / f".r{PARTIAL}abcdefgh", *SMALL
    )
    assert "named like a temporary folder" in message


def test_two_runs_into_one_default_folder_both_keep_their_result(tmp_path, monkeypatch):
    """Without --out, a run whose default folder another run took meanwhile takes the next number."""
    import simulator.runs.runner

    monkeypatch.chdir(tmp_path)
    scenario = short_scenario(tmp_path / "s.yaml", "s")
    real_simulate = simulator.runs.runner.simulate
    started = []

    def while_another_run_finishes_first(*args, **kwargs):
        if not started:
            started.append(True)
            ok("run", scenario, *SMALL)  # planned results/s too, and saves it while this one simulates
        return real_simulate(*args, **kwargs)

    monkeypatch.setattr(simulator.runs.runner, "simulate", while_another_run_finishes_first)
    status, out, err = eujsim("run", scenario, "--seed", 9, *SMALL)
    assert status == 0, err
    assert out.strip() == str(Path("results") / "s-2")
    seeds = [json.loads((tmp_path / "results" / n / "manifest.json").read_text())["seed"] for n in ("s", "s-2")]
    assert seeds == [3, 9]


def test_a_default_folder_taken_in_the_instant_before_the_rename_gets_the_next_number(tmp_path, monkeypatch):
    """Another process may take the folder between the last check and the rename; the count starts from the base."""
    import simulator.storage.output

    (tmp_path / "s").mkdir()  # taken before: the result is planned for s-2
    rename = os.rename

    def another_process_first(source, target):
        if Path(target).name == "s-2":
            (tmp_path / "s-2").mkdir()
            (tmp_path / "s-2" / "theirs.txt").write_text("another result")
        rename(source, target)

    monkeypatch.setattr(simulator.storage.output.os, "rename", another_process_first)
    writer = atomic_folder(tmp_path / "s", "run", renumber=True)
    with writer as tmp:
        (tmp / "mine.txt").write_text("this result")
    assert writer.destination == tmp_path / "s-3", "not s-2-2"
    assert (tmp_path / "s-3" / "mine.txt").is_file() and (tmp_path / "s-2" / "theirs.txt").is_file()


# --- a full disk says where ---------------------------------------------------------------


def test_a_full_disk_names_the_result_folder_and_what_to_do(tmp_path, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_csv", full)
    out = tmp_path / "run"
    message = cli_error("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", out, *SMALL)
    assert (
        message == f"eujsim: error: {out}: No space left on device; free some space on that disk, or write the "
        "results to another one"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.yaml"], "nothing left behind"


def test_shutil_is_not_asked_to_remove_a_symlinked_entry(tmp_path):
    """A link a user put into a run folder counts as foreign, so --force never reaches it."""
    out = tmp_path / "run"
    ok("run", short_scenario(tmp_path / "s.yaml", "s"), "--out", out, *SMALL)
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "data.csv").write_text("1,2\n", encoding="utf-8")
    (out / "link").symlink_to(precious, target_is_directory=True)
    assert "link" in cli_error("run", tmp_path / "s.yaml", "--out", out, "--force", *SMALL)
    assert (precious / "data.csv").is_file()
    shutil.rmtree(out)


def test_every_test_that_docs_reliability_names_exists():
    """docs/reliability.md proves each guarantee by naming a test; a renamed or removed test must not go unnoticed."""
    import re

    text = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b(test_[a-z0-9_]+)\b(?!\.py)", text))
    defined = set()
    for path in (ROOT / "tests").glob("test_*.py"):
        defined |= set(re.findall(r"^def (test_[a-z0-9_]+)\(", path.read_text(encoding="utf-8"), flags=re.M))
    assert len(named) > 40
    assert named <= defined, sorted(named - defined)


def test_a_full_disk_while_writing_a_file_names_the_file_not_its_temporary(tmp_path, monkeypatch):
    from simulator.storage.output import write_text_atomically

    target = tmp_path / "indices" / "point_means.csv"

    def full(self, *args, **kwargs):  # as a full disk fails a write: naming the file written, a temporary
        raise OSError(errno.ENOSPC, "No space left on device", str(self))

    monkeypatch.setattr(Path, "write_text", full)
    with pytest.raises(OSError) as raised:
        write_text_atomically(target, "x")
    assert raised.value.filename == str(target)
    assert sorted(p.name for p in target.parent.iterdir()) == []
