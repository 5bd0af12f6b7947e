"""A file's mistakes all at once, the path that was meant, and ``validate --set``: what a new user meets first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ERROR_PREFIX, cli_error, eujsim

BASELINE = """\
name: baseline
start: "2025Q1"
horizon: 8
replicates: 4
"""


def error_lines(*argv: object) -> tuple[list[str], str]:
    """Run a command expected to fail on user input: its ``eujsim: error:`` lines and its last stderr line."""
    status, _, err = eujsim(*argv)
    assert status == 2, f"exit status {status}; stderr: {err}"
    assert "Traceback" not in err
    lines = err.splitlines()
    return [line.removeprefix(ERROR_PREFIX) for line in lines if line.startswith(ERROR_PREFIX)], lines[-1]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def line_number(problem: str) -> int:
    found = re.match(r".*?\.yaml:(\d+) ", problem)
    assert found, problem
    return int(found[1])


@pytest.mark.parametrize("command", ["validate", "run"])
def test_two_independent_mistakes_are_reported_in_one_try(tmp_path, command):
    file = write(
        tmp_path / "two.yaml",
        "name: two\nhorizn: 8\nparameters:\n  JPN.deferense: 0.3\n",
    )
    problems, last = error_lines(command, file)
    assert len(problems) == 2, problems
    assert problems[0].startswith(f"{file}:2 (horizn): unknown key 'horizn'; did you mean 'horizon'?")
    assert problems[1].startswith(f"{file}:4 (parameters.JPN.deferense): 'JPN' has no parameter 'deferense'")
    assert "did you mean 'deference'?" in problems[1]
    assert last == f"eujsim: 2 problems in {file}"


def test_three_mistakes_of_different_stages_come_in_file_order(tmp_path):
    file = write(
        tmp_path / "three.yaml",
        'name: three\nstart: "2025Q1"\nhorizon: 8\nshocks:\n'
        '  - kind: taiwan_strait_crisis\n    at: "2025Q3"\n    magnitude: 3\n'
        '  - kind: us_retrenchmint\n    at: "2025Q2"\n'
        "parameters:\n  JPN.deference: 5\n",
    )
    problems, last = error_lines("validate", file)
    assert len(problems) == 3, problems
    assert [line_number(p) for p in problems] == [7, 8, 11]
    assert "(shocks.0.magnitude)" in problems[0] and "a number from 0 to 1" in problems[0]
    assert "unknown shock kind 'us_retrenchmint'; did you mean 'us_retrenchment'?" in problems[1]
    assert "JPN.deference = 5 is out of range; it must lie in [0, 1]" in problems[2]
    assert last == f"eujsim: 3 problems in {file}"


def test_a_misspelt_key_is_one_problem_not_also_a_missing_one(tmp_path):
    file = write(tmp_path / "att.yaml", 'name: att\nshocks:\n  - kind: us_retrenchment\n    att: "2026Q1"\n')
    message = cli_error("validate", file)
    assert message == (
        f"{ERROR_PREFIX}{file}:4 (shocks.0.att): unknown key 'att'; did you mean 'at'? "
        "(allowed: kind, at, magnitude, ramp, duration, decay, name, effects)"
    )


def test_a_single_mistake_reads_as_it_always_did(tmp_path):
    file = write(tmp_path / "one.yaml", "name: one\nhorizon: 8\nparameters:\n  JPN.deference: 5\n")
    message = cli_error("validate", file)  # one line, no count
    assert message.startswith(f"{ERROR_PREFIX}{file}:4 (parameters.JPN.deference): JPN.deference = 5 is out of range")


def test_a_shock_outside_a_mistyped_period_is_not_blamed_on_the_default(tmp_path):
    file = write(
        tmp_path / "period.yaml", 'name: p\nhorizn: 80\nshocks:\n  - kind: us_retrenchment\n    at: "2040Q1"\n'
    )
    message = cli_error("validate", file)
    assert "unknown key 'horizn'" in message


def test_validate_goes_on_to_the_other_files(tmp_path):
    bad = write(tmp_path / "a.yaml", "name: a\nhorizn: 8\n")
    good = write(tmp_path / "b.yaml", BASELINE)
    worse = write(tmp_path / "c.yaml", "name: c\nhorizon: 8\nseeed: 1\nparameters:\n  JPN.deference: 5\n")
    status, out, err = eujsim("validate", bad, good, worse)
    assert status == 2
    assert out == f"OK {good}: 'baseline', 2025Q1–2026Q4, 4 replicates, seed 2025, 0 parameter override(s); no shocks\n"
    lines = err.splitlines()
    assert [line.split(" (")[0] for line in lines[:-2]] == [
        f"{ERROR_PREFIX}{bad}:2",
        f"{ERROR_PREFIX}{worse}:3",
        f"{ERROR_PREFIX}{worse}:5",
    ]
    assert lines[-2:] == [f"eujsim: 2 problems in {worse}", "eujsim: 2 of 3 files have problems"]


def test_an_experiment_with_two_schema_mistakes_reports_both(tmp_path):
    write(tmp_path / "base.yaml", BASELINE)
    file = write(
        tmp_path / "exp.yaml",
        "name: e\nscenario: base.yaml\nmethd: grid\nreplicates: 2\nparameters:\n"
        "  JPN.deference: [0.2, 0.4]\nseeed: 3\n",
    )
    problems, last = error_lines("validate", file)
    assert [line_number(p) for p in problems] == [3, 7]
    assert "did you mean 'method'?" in problems[0] and "did you mean 'seed'?" in problems[1]
    assert last == f"eujsim: 2 problems in {file}"


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project folder with the shipped layout, as the current folder."""
    write(tmp_path / "scenarios" / "baseline.yaml", BASELINE)
    write(tmp_path / "scenarios" / "us_retrenchment.yaml", BASELINE.replace("baseline", "us"))
    (tmp_path / "results" / "baseline").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("scenario/", "scenarios/"),  # a folder one letter off
        ("baseline", "scenarios/baseline.yaml"),  # a scenario's bare name
        ("baseline.yaml", "scenarios/baseline.yaml"),
        ("scenarios/baselin.yaml", "scenarios/baseline.yaml"),  # a near-miss file name
        ("scenarios/us_retrenchment", "scenarios/us_retrenchment.yaml"),  # without .yaml
        ("scenaro/baselne.yml", "scenarios/baseline.yaml"),  # folder and file both off
    ],
)
def test_run_suggests_the_path_meant(project, given, meant):
    assert cli_error("run", given) == (f"{ERROR_PREFIX}{Path(given)}: file not found; did you mean '{meant}'?")


def test_validate_and_compare_suggest_too(project):
    assert cli_error("validate", "scenarios/baselin.yaml").endswith("did you mean 'scenarios/baseline.yaml'?")
    message = cli_error("compare", "scenarios/baseline.yaml", "scenarios/us_retrenchmnt.yaml")
    assert message.endswith("not found; did you mean 'scenarios/us_retrenchment.yaml'?")


@pytest.mark.parametrize("command", ["report", "explain", "analyze"])
def test_folder_commands_suggest_a_folder(project, command):
    assert cli_error(command, "results/baselin").endswith("did you mean 'results/baseline/'?")


def test_a_path_like_nothing_keeps_the_plain_advice(project):
    assert cli_error("run", "zzz_nothing_like_it.yaml") == (
        f"{ERROR_PREFIX}zzz_nothing_like_it.yaml: file not found; check the path (relative paths start from "
        "the current folder); give a scenario file or a folder of them"
    )


def test_validate_set_suggests_the_parameter_meant(tmp_path):
    file = write(tmp_path / "s.yaml", BASELINE)
    message = cli_error("validate", file, "--set", "JPN.deferense=0.3")
    assert "'JPN' has no parameter 'deferense'; did you mean 'deference'?" in message


def test_validate_set_names_the_range(tmp_path):
    file = write(tmp_path / "s.yaml", BASELINE)
    message = cli_error("validate", file, "--set", "JPN.deference=5")
    assert "is out of range; it must lie in [0, 1]" in message


def test_validate_set_reports_every_bad_override(tmp_path):
    file = write(tmp_path / "s.yaml", BASELINE)
    problems, last = error_lines("validate", file, "--set", "JPN.deference=5", "--set", "EU.nothing=1")
    assert len(problems) == 2 and last == "eujsim: 2 problems in the --set options"


def test_validate_set_with_a_good_value_passes_and_runs_nothing(tmp_path, monkeypatch):
    file = write(tmp_path / "s.yaml", BASELINE)
    monkeypatch.chdir(tmp_path)
    status, out, err = eujsim("validate", file, "--set", "JPN.deference=0.3")
    assert (status, err) == (0, "")
    assert f"OK {file}: 'baseline'" in out and "1 parameter override(s)" in out
    assert not (tmp_path / "results").exists()


# --- several files: every bad one in one try, before anything runs ---------------------------


@pytest.fixture
def three_files(tmp_path, monkeypatch) -> tuple[Path, Path, Path]:
    """Two bad scenario files (one with two problems) and a good one, in a project folder."""
    monkeypatch.chdir(tmp_path)
    bad = write(tmp_path / "a.yaml", "name: a\nhorizn: 8\n")
    good = write(tmp_path / "b.yaml", BASELINE)
    worse = write(tmp_path / "c.yaml", "name: c\nhorizon: 8\nseeed: 1\nparameters:\n  JPN.deference: 5\n")
    return bad, good, worse


def test_run_reports_every_bad_file_and_runs_nothing(tmp_path, three_files):
    bad, good, worse = three_files
    problems, last = error_lines("run", bad, good, worse, "missing.yaml", "--out", tmp_path / "out")
    assert [p.split(" ")[0] for p in problems] == [
        "missing.yaml:",  # a path that is not there is found first, before any file is read
        f"{bad}:2",
        f"{worse}:3",
        f"{worse}:5",
    ]
    assert "did you mean 'horizon'?" in problems[1]
    assert "did you mean 'seed'?" in problems[2] and "JPN.deference = 5 is out of range" in problems[3]
    assert last == "eujsim: 4 problems in 3 of 4 files"
    assert not (tmp_path / "out").exists() and not (tmp_path / "results").exists()


def test_run_with_one_bad_file_among_good_ones_names_that_file(tmp_path, three_files):
    _, good, worse = three_files
    problems, last = error_lines("run", good, worse, "--out", tmp_path / "out")
    assert len(problems) == 2 and all(p.startswith(f"{worse}:") for p in problems)
    assert last == f"eujsim: 2 problems in {worse}"
    assert not (tmp_path / "out").exists()


def test_run_of_a_folder_reports_every_bad_file_in_it(tmp_path, three_files):
    bad, _, worse = three_files
    problems, last = error_lines("run", tmp_path, "--out", tmp_path / "out")
    assert {p.split(":")[0] for p in problems} == {str(bad), str(worse)}
    assert last == "eujsim: 3 problems in 2 of 3 files"


def test_run_reports_every_missing_path_at_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty").mkdir()
    problems, last = error_lines("run", "nope.yaml", "empty", "gone.yaml")
    assert [p.split(":")[0] for p in problems] == ["nope.yaml", "empty", "gone.yaml"]
    assert "folder has no scenario files" in problems[1]
    assert last == "eujsim: 3 problems in 3 of 3 files"


def test_compare_reports_every_bad_input_before_running_any(tmp_path, three_files):
    bad, good, worse = three_files
    problems, last = error_lines("compare", bad, good, worse, "missing.yaml", "--out", tmp_path / "cmp")
    assert [p.split(" ")[0] for p in problems] == ["missing.yaml:", f"{bad}:2", f"{worse}:3", f"{worse}:5"]
    assert last == "eujsim: 4 problems in 3 of 4 files"
    assert not (tmp_path / "cmp").exists() and not (tmp_path / "results").exists()


def test_compare_of_one_missing_input_says_both_what_is_missing_and_what_is_needed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    problems, last = error_lines("compare", "missing.yaml")
    assert problems[0].startswith("missing.yaml: not found")
    assert problems[1].startswith("inputs: compare needs at least two inputs")
    assert last == "eujsim: 2 problems"  # not "in missing.yaml": the second problem is not in that file


def test_validate_checks_the_other_files_when_a_path_is_missing(tmp_path, three_files):
    bad, good, _ = three_files
    status, out, err = eujsim("validate", bad, "missing.yaml", good)
    assert status == 2 and "Traceback" not in err
    assert out.startswith(f"OK {good}: 'baseline'")
    lines = err.splitlines()
    assert lines[0].startswith(f"{ERROR_PREFIX}missing.yaml: file not found")
    assert lines[1].startswith(f"{ERROR_PREFIX}{bad}:2 (horizn)")
    assert lines[-1] == "eujsim: 2 of 3 files have problems"


# --- inline shock effects: every bad effect in one try ---------------------------------------

BAD_EFFECTS = """\
name: effects
horizon: 8
shocks:
  - kind: my_shock
    at: "{at}"
    effects:
      - {{target: JPN.deferense, op: add, value: 0.1}}
      - {{target: JPN.deference, op: plus, value: 0.1}}
      - {{target: JPN.deference, op: set, value: 5}}
      - {{target: JPN.deference, op: add, value: .nan}}
      - {{target: JPN.deference, op: add, value: 0.1}}
"""


@pytest.mark.parametrize("command", ["validate", "run"])
def test_every_bad_inline_effect_is_reported_with_its_line_and_field(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    file = write(tmp_path / "effects.yaml", BAD_EFFECTS.format(at="2025Q3"))
    problems, last = error_lines(command, file)
    assert [p.split(": ")[0] for p in problems] == [
        f"{file}:7 (shocks.0.effects.0.target)",
        f"{file}:8 (shocks.0.effects.1.op)",
        f"{file}:9 (shocks.0.effects.2.value)",
        f"{file}:10 (shocks.0.effects.3.value)",
    ]
    assert "'JPN' has no parameter 'deferense'; did you mean 'deference'?" in problems[0]
    assert "op must be one of add, multiply, set, not 'plus'" in problems[1]
    assert "JPN.deference = 5.0 is out of range; it must lie in [0, 1]" in problems[2]
    assert "effect value must be a finite number, got nan" in problems[3]
    assert last == f"eujsim: 4 problems in {file}"


def test_a_bad_onset_does_not_hide_the_bad_effects_of_its_shock(tmp_path):
    file = write(tmp_path / "effects.yaml", BAD_EFFECTS.format(at="2030Q1"))
    problems, last = error_lines("validate", file)
    assert problems[0].startswith(f"{file}:5 (shocks.0.at): shock at 2030Q1 lies outside the simulated quarters")
    assert [line_number(p) for p in problems] == [5, 7, 8, 9, 10]
    assert last == f"eujsim: 5 problems in {file}"


def test_one_effect_with_a_bad_target_and_a_bad_op_reports_both(tmp_path):
    file = write(
        tmp_path / "one.yaml",
        'name: one\nhorizon: 8\nshocks:\n  - kind: my_shock\n    at: "2025Q3"\n    effects:\n'
        "      - target: JPN.deferense\n        op: multiplie\n        value: 2\n",
    )
    problems, _ = error_lines("validate", file)
    assert [p.split(": ")[0] for p in problems] == [
        f"{file}:7 (shocks.0.effects.0.target)",
        f"{file}:8 (shocks.0.effects.0.op)",
    ]
    assert "did you mean 'multiply'?" in problems[1]


def test_a_shock_library_reports_every_bad_effect_of_a_kind(tmp_path):
    library = write(
        tmp_path / "lib.yaml",
        "kinds:\n  k:\n    description: d\n    effects:\n"
        "      - {target: EU.nothing, op: add, value: 0.1}\n"
        "      - {target: JPN.deference, op: add, value: 0.1, valeu: 2}\n"
        "      - {target: JPN.deference, op: set, value: -3}\n",
    )
    problems, last = error_lines("shocks", "--shocks", library)
    assert [line_number(p) for p in problems] == [5, 6, 7]
    assert "unknown key 'valeu' in an effect" in problems[1]
    assert "out of range" in problems[2]
    assert last == f"eujsim: 3 problems in {library}"
