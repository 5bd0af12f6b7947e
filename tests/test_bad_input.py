"""Every user mistake ends in one clear ``eujsim: error:`` line, exit status 2, and nothing written.

Most cases run the command line in-process through :func:`simulator.cli.main` (fast);
a few run ``python -m simulator`` in a subprocess to prove that no traceback reaches
the terminal. The Python API must raise :class:`simulator.UserError` for the same
mistakes, never a pydantic or PyYAML exception.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

import simulator.presentation.plots
from simulator import UserError, load_scenario, scenario_from_dict
from simulator.cli import main

from .conftest import ROOT, SCENARIOS, cli_error, eujsim, one_error_line

BASELINE = SCENARIOS / "baseline.yaml"

# A shock block used by several cases; the shock's keys start on line 3.
SHOCK = 'name: x\nshocks:\n  - kind: us_retrenchment\n    at: "2025Q2"\n'

# (id, file text, line the message must name, substrings the message must contain)
BAD_SCENARIOS = [
    (
        "yaml_syntax_bad_indent",
        "name: x\nhorizon: 4\n  seed: 3\n",
        3,
        ["YAML syntax error", "mapping values are not allowed", "check indentation"],
    ),
    (
        "yaml_syntax_tab",
        "name: x\nhorizon: 4\nshocks:\n\t- kind: us_retrenchment\n",
        4,
        ["YAML syntax error", "'\\t'", "check indentation"],
    ),
    (
        "yaml_unclosed_quote",
        'name: x\ndescription: "never closed\nhorizon: 4\nseed: 3\n',
        2,
        ["YAML syntax error", "quoted scalar"],
    ),
    (
        "yaml_two_documents",
        "name: x\n---\nname: y\n",
        2,
        ["single document"],
    ),
    (
        "python_object_tag",
        "name: x\nhorizon: !!python/object/apply:os.system ['echo hacked']\n",
        2,
        ["!!python/object/apply:os.system", "not allowed", "remove the tag"],
    ),
    (
        "python_name_tag",
        "name: x\nseed: 1\nreplicates: !!python/name:os.system\n",
        3,
        ["!!python/name:os.system", "not allowed", "remove the tag"],
    ),
    (
        "custom_tag",
        "name: x\nhorizon: !quarters 4\n",
        2,
        ["!quarters", "remove the tag"],
    ),
    (
        "duplicate_key",
        "name: x\nhorizon: 4\nseed: 1\nhorizon: 8\n",
        4,
        ["'horizon' appears twice", "first on line 2", "keep one"],
    ),
    (
        "duplicate_key_in_shock",
        SHOCK + '    at: "2025Q3"\n',
        5,
        ["'at' appears twice", "first on line 4"],
    ),
    (
        "unknown_top_level_key",
        "name: x\nseed: 3\nhorizn: 8\n",
        3,
        ["(horizn)", "unknown key 'horizn'", "did you mean 'horizon'?"],
    ),
    (
        "unknown_shock_key",
        SHOCK + "    magnitud: 0.5\n",
        5,
        ["magnitud", "unknown key 'magnitud'", "did you mean 'magnitude'?"],
    ),
    (
        "unknown_effect_key",
        'name: x\nshocks:\n  - kind: new_kind\n    at: "2025Q2"\n    effects:\n'
        "      - target: JPN.deference\n        op: add\n        valu: 0.1\n",
        8,
        ["unknown key 'valu'", "did you mean 'value'?"],
    ),
    (
        "horizon_is_text",
        'name: x\nhorizon: "forty"\n',
        2,
        ["(horizon)", "'forty'", "whole number of quarters"],
    ),
    (
        "replicates_not_whole",
        "name: x\nreplicates: 2.5\n",
        2,
        ["(replicates)", "2.5", "whole number from 1 to 1000000"],
    ),
    (
        "seed_negative",
        "name: x\nseed: -1\n",
        2,
        ["(seed)", "-1", "whole number from 0 to 9223372036854775807"],
    ),
    (
        "magnitude_too_big",
        SHOCK + "    magnitude: 1.5\n",
        5,
        ["magnitude", "1.5", "a number from 0 to 1"],
    ),
    (
        "magnitude_nan",
        SHOCK + "    magnitude: .nan\n",
        5,
        ["magnitude", "a number from 0 to 1"],
    ),
    (
        "horizon_zero",
        "name: x\nhorizon: 0\n",
        2,
        ["(horizon)", "got 0", "from 1 to 400"],
    ),
    (
        "replicates_zero",
        "name: x\nreplicates: 0\n",
        2,
        ["(replicates)", "got 0", "whole number from 1 to 1000000"],
    ),
    (
        "parameter_out_of_bounds",
        "name: x\nparameters:\n  EU.deference: 0.5\n  JPN.deference: 3\n",
        4,
        ["parameters.JPN.deference", "out of range", "[0, 1]"],
    ),
    (
        "parameter_not_a_number",
        "name: x\nparameters:\n  JPN.deference: high\n",
        3,
        ["JPN.deference", "needs a number", "'high'"],
    ),
    (
        "parameter_unknown_actor",
        "name: x\nparameters:\n  JPX.deference: 0.3\n",
        3,
        ["JPX.deference", "unknown actor or group 'JPX'", "did you mean 'JPN'?"],
    ),
    (
        "parameter_unknown_name",
        "name: x\nparameters:\n  JPN.defference: 0.3\n",
        3,
        ["JPN.defference", "has no parameter 'defference'", "did you mean 'deference'?", "eujsim params"],
    ),
    (
        "parameter_not_a_path",
        "name: x\nparameters:\n  JPN:\n    deference: 0.3\n",
        3,
        ["'JPN' is not a parameter path", "<group>.<name>"],
    ),
    (
        "unknown_shock_kind",
        'name: x\nshocks:\n  - at: "2025Q2"\n    kind: us_retrenchmnt\n',
        4,
        ["shocks.0.kind", "unknown shock kind 'us_retrenchmnt'", "did you mean 'us_retrenchment'?", "effects"],
    ),
    (
        "new_kind_without_effects",
        'name: x\nshocks:\n  - kind: hormuz_closure\n    at: "2026Q1"\n',
        3,
        ["unknown shock kind 'hormuz_closure'", "a new kind needs an 'effects' list"],
    ),
    (
        "new_kind_with_empty_effects",
        'name: x\nshocks:\n  - kind: hormuz_closure\n    at: "2026Q1"\n    effects: []\n',
        5,
        ["effects", "non-empty list"],
    ),
    (
        "bad_effect_op",
        'name: x\nshocks:\n  - kind: hormuz_closure\n    at: "2026Q1"\n    effects:\n'
        "      - target: world.sealane_risk\n        op: plus\n        value: 0.4\n",
        7,
        ["op", "must be one of add, multiply, set", "'plus'"],
    ),
    (
        "bad_effect_target",
        'name: x\nshocks:\n  - kind: hormuz_closure\n    at: "2026Q1"\n    effects:\n'
        "      - target: world.sealane_rsk\n        op: add\n        value: 0.4\n",
        6,
        ["target", "did you mean 'sealane_risk'?"],
    ),
    (
        "effect_value_not_finite",
        'name: x\nshocks:\n  - kind: hormuz_closure\n    at: "2026Q1"\n    effects:\n'
        "      - target: world.sealane_risk\n        op: multiply\n        value: .inf\n",
        8,
        ["value", "finite number"],
    ),
    (
        "shock_outside_horizon",
        'name: x\nhorizon: 8\nshocks:\n  - kind: us_retrenchment\n    at: "2030Q1"\n',
        5,
        ["shocks.0.at", "outside the simulated quarters 2025Q1–2026Q4", "move it inside"],
    ),
    (
        "shock_before_start",
        'name: x\nstart: "2026Q1"\nshocks:\n  - kind: us_retrenchment\n    at: "2025Q4"\n',
        5,
        ["outside the simulated quarters"],
    ),
    (
        "malformed_quarter",
        'name: x\nshocks:\n  - kind: us_retrenchment\n    at: "2025-01"\n',
        4,
        ["shocks.0.at", "'2025-01' is not a quarter", "YYYYQn"],
    ),
    (
        "malformed_start",
        'name: x\nseed: 4\nstart: "2025Q5"\n',
        3,
        ["(start)", "'2025Q5' is not a quarter", "YYYYQn"],
    ),
    (
        "quarter_unquoted_number",
        "name: x\nshocks:\n  - kind: us_retrenchment\n    at: 2025\n",
        4,
        ["at", "got 2025", "in quotes"],
    ),
    (
        "shock_missing_at",
        "name: x\nshocks:\n  - kind: us_retrenchment\n    magnitude: 0.5\n",
        3,
        ["missing required key 'at'", "quarter"],
    ),
    (
        "shocks_not_a_list",
        "name: x\nshocks: us_retrenchment\n",
        2,
        ["(shocks)", "a list of shocks"],
    ),
    (
        "nested_500_deep",
        "name: x\nparameters:\n  JPN.deference: " + "[" * 500 + "]" * 500 + "\n",
        3,
        ["more than 32 deep", "check the brackets"],
    ),
    (
        "block_mappings_nested_too_deep",
        "name: x\ndescription:\n" + "".join("  " * (i + 1) + f"k{i}:\n" for i in range(40)) + "  " * 41 + "v\n",
        33,
        ["more than 32 deep"],
    ),
    ("alias_inside_itself", "name: x\nshocks: &l [*l]\n", 2, ["contain itself", "&name", "*name"]),
    ("alias_mapping_inside_itself", "name: x\ndescription: &m {a: [1, *m]}\n", 2, ["contain itself"]),
    (
        "aliases_nest_too_deep",
        "a0: &a0 [1]\n" + "".join(f"a{i}: &a{i} [*a{i - 1}]\n" for i in range(1, 40)) + "name: x\n",
        31,  # a30 is the first key whose value (a30 … a0, then 1) nests 33 deep through the aliases
        ["through its aliases", "more than 32 deep"],
    ),
    ("integer_over_4300_digits", "name: x\nseed: " + "9" * 5_000 + "\n", 2, ["more than 4,300 digits", "smaller"]),
    ("hex_integer_of_6000_digits", "name: x\nseed: 0x" + "f" * 5_000 + "\n", 2, ["an integer of about 6,021 digits"]),
    ("impossible_date", "name: x\ndescription: 2025-13-45\n", 2, ["'2025-13-45'", "put it in quotes"]),
    ("bool_tag_on_a_word", "name: x\nhorizon: !!bool maybe\n", 2, ["'maybe'", "!!bool", "remove the tag"]),
    ("int_tag_on_a_word", "name: x\nhorizon: !!int forty\n", 2, ["'forty'", "!!int"]),
    ("timestamp_tag_on_a_word", "name: x\nstart: !!timestamp soon\n", 2, ["'soon'", "!!timestamp"]),
    ("list_as_a_key", "name: x\n? [a, b]\n: c\n", 2, ["a key is a list or a mapping"]),
    ("self_containing_key", "name: x\n? &k [*k]\n: c\n", 2, ["a key is a list or a mapping"]),
    ("nul_character", "name: x\ndescription: a\x00b\n", 2, ["'\\x00' is not allowed", "remove it"]),
    (
        "parameter_too_large_for_a_float",
        "name: x\nparameters:\n  JPN.deference: 1" + "0" * 400 + "\n",
        3,
        ["JPN.deference = 1000", "(401 digits) is out of range", "[0, 1]"],
    ),
    ("shock_ramp_over_400", SHOCK + "    ramp: 401\n", 5, ["ramp", "from 0 to 400"]),
    ("start_year_0", 'name: x\nstart: "0000Q1"\n', 2, ["(start)", "0000Q1 is before 1900Q1", "since 1991"]),
    ("start_after_2199", 'name: x\nseed: 1\nstart: "2200Q1"\n', 3, ["2200Q1 is after 2199Q4", "start earlier"]),
    (
        "run_ends_after_2199",
        'name: x\nstart: "2190Q1"\nhorizon: 48\n',
        3,
        ["(horizon)", "would end in 2201Q4, after 2199Q4", "shorten the horizon"],
    ),
    (
        "name_starts_like_a_formula",
        'seed: 1\nname: "=HYPERLINK(\\"http://x\\")"\n',
        2,
        ["(name)", "'=HYPERLINK", "may not start with '='", "spreadsheet", "start the name with a letter or digit"],
    ),
    ("name_starts_with_a_tab", 'name: "\\tx"\n', 1, ["(name)", "may not start with '\\t'", "formula"]),
    ("shock_name_starts_with_plus", SHOCK + '    name: "+1"\n', 5, ["shocks.0.name", "may not start with '+'"]),
    (
        "new_kind_starts_with_minus",
        'name: x\nshocks:\n  - kind: "-2+3"\n    at: "2026Q1"\n    effects:\n'
        "      - {target: world.sealane_risk, op: add, value: 0.4}\n",
        3,
        ["shocks.0.kind", "may not start with '-'"],
    ),
    ("shock_name_starts_with_at", SHOCK + '    name: "@SUM(A1)"\n', 5, ["may not start with '@'"]),
    ("name_with_a_line_break", 'name: "two\\nlines"\n', 1, ["(name)", "one line of visible characters", "'\\n'"]),
    ("name_with_a_direction_override", 'name: "abc\\u202edef"\n', 1, ["invisible formatting", "'\\u202e'"]),
    ("name_of_81_characters", f"name: {'n' * 81}\n", 1, ["names are at most 80 characters (this one has 81)"]),
    ("name_blank", 'name: "  "\n', 1, ["at least one visible character"]),
    ("name_ends_with_a_space", 'name: "x "\n', 1, ["may not start or end with a space"]),
    (
        "description_of_2001_characters",
        f"name: x\ndescription: {'d' * 2001}\n",
        2,
        ["(description)", "at most 2000 characters", "text of at most 2,000 characters"],
    ),
    ("empty_file", "", 1, ["the file is empty"]),
    ("only_a_comment", "# nothing here yet\n", 1, ["the file is empty"]),
    ("top_level_list", "- name: x\n- horizon: 4\n", 1, ["a scenario is a mapping"]),
    ("top_level_scalar", "just some words\n", 1, ["a scenario is a mapping"]),
]


def assert_only(folder: Path, *names: str) -> None:
    """``folder`` holds exactly ``names``: no result folder, no hidden partial folder."""
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)


def names_line(message: str, file: Path, line: int) -> bool:
    """Does ``message`` name ``file`` at ``line`` (``file:line:`` or ``file:line (field)``)?"""
    return re.search(re.escape(f"{file}:{line}") + r"[: ]", message) is not None


# --- scenario files, through `eujsim run` and `eujsim validate` ------------------------------


each_bad_scenario = pytest.mark.parametrize(
    ("text", "line", "needles"), [c[1:] for c in BAD_SCENARIOS], ids=[c[0] for c in BAD_SCENARIOS]
)


@each_bad_scenario
def test_bad_scenario_run_gives_one_line_and_writes_nothing(tmp_path, text, line, needles):
    file = tmp_path / "bad.yaml"
    file.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    message = cli_error("run", file, "--out", out, "--replicates", "2", "--no-plots")
    assert names_line(message, file, line), f"expected {file}:{line} in: {message}"
    for needle in needles:
        assert needle in message
    assert_only(tmp_path, "bad.yaml")


@each_bad_scenario
def test_bad_scenario_api_raises_user_error_with_line(tmp_path, text, line, needles):
    file = tmp_path / "bad.yaml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_scenario(file)
    error = info.value
    assert not isinstance(error, ValidationError | yaml.YAMLError)
    assert error.__cause__ is None, "a library exception must not be chained to the user's error"
    assert error.__context__ is None or error.__suppress_context__
    assert error.file == str(file)
    assert error.line == line
    assert "\n" not in str(error)
    for needle in needles:
        assert needle in str(error)


def test_validate_reports_the_bad_file_among_good_ones(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nhorizn: 8\n", encoding="utf-8")
    status, out, err = eujsim("validate", BASELINE, bad)
    assert status == 2
    assert out.startswith(f"OK {BASELINE}")  # the good file before it was still checked
    message = one_error_line(err)
    assert f"{bad}:2 (horizn)" in message
    assert "did you mean 'horizon'?" in message


def test_line_numbers_point_at_the_offending_line_in_a_longer_file(tmp_path):
    lines = [
        "# a realistic file: comments, a folded description, several shocks",
        "name: two_shocks",  # 2
        "description: >-",
        "  A long description",
        "  over several lines.",
        'start: "2025Q1"',  # 6
        "horizon: 40",
        "parameters:",
        "  JPN.deference: 0.4",  # 9
        "  EU.entrapment_aversion: 0.6",
        "shocks:",
        "  - kind: us_retrenchment",  # 12
        '    at: "2025Q2"',
        "  - kind: taiwan_strait_crisis",  # 14
        '    at: "2027Q3"',
        "    magnitude: 0.8",
        "    duraton: 8",  # 17: the mistake
    ]
    file = tmp_path / "long.yaml"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_scenario(file)
    assert info.value.line == 17
    assert info.value.field == "shocks.1.duraton"
    assert "did you mean 'duration'?" in str(info.value)

    # the same file with the typo fixed but the second shock outside the horizon
    lines[-1] = "    duration: 8"
    lines[6] = "horizon: 8"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(UserError) as info:
        load_scenario(file)
    assert info.value.line == 15
    assert info.value.field == "shocks.1.at"


def test_scenario_from_dict_raises_user_error():
    with pytest.raises(UserError, match=r"did you mean 'horizon'\?"):
        scenario_from_dict({"name": "x", "horizn": 4})
    with pytest.raises(UserError, match=r"out of range"):
        scenario_from_dict({"name": "x", "parameters": {"JPN.deference": 3}})


def test_python_tag_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    file = tmp_path / "evil.yaml"
    file.write_text(
        f"name: x\nhorizon: !!python/object/apply:os.system ['touch {marker}']\n",
        encoding="utf-8",
    )
    message = cli_error("validate", file)
    assert "not allowed" in message
    assert not marker.exists()


# --- the files named on the command line ---------------------------------------------------


def test_missing_scenario_file(tmp_path):
    missing = tmp_path / "no_such_scenario.yaml"
    message = cli_error("run", missing, "--out", tmp_path / "out", "--no-plots")
    assert str(missing) in message
    assert "file not found" in message and "check the path" in message
    assert_only(tmp_path)


def test_folder_without_scenario_files(tmp_path):
    (tmp_path / "notes.txt").write_text("not a scenario")
    message = cli_error("validate", tmp_path)
    assert str(tmp_path) in message and "no scenario files" in message
    assert "*.yaml" in message


def test_scenario_file_not_utf8(tmp_path):
    file = tmp_path / "latin1.yaml"
    file.write_bytes("name: Tōkyō\ndescription: caf\xe9\n".encode("latin-1", errors="replace") + b"\xff\xfe")
    message = cli_error("validate", file)
    assert str(file) in message and "UTF-8" in message


def run_guarded(*argv: object, cwd: Path) -> subprocess.CompletedProcess:
    """``python -m simulator ARGV`` in a subprocess with a time limit and a memory cap.

    For inputs that, mishandled, would block for ever or read without end: the test then fails
    on the time limit instead of hanging, or on the cap instead of filling the machine's memory.
    """
    import resource

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (4 * 2**30, 4 * 2**30))

    return subprocess.run(
        [sys.executable, "-m", "simulator", *map(str, argv)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        preexec_fn=cap_memory,
    )


@pytest.mark.skipif(not Path("/dev/zero").exists() or not hasattr(os, "mkfifo"), reason="needs /dev/zero and mkfifo")
def test_a_device_or_a_pipe_is_refused_without_reading_it(tmp_path):
    pipe = tmp_path / "scenario.yaml"
    os.mkfifo(pipe)  # nothing ever writes to it: opening it to read would wait for ever
    for argv in (["validate", "/dev/zero"], ["shocks", "--shocks", pipe]):
        proc = run_guarded(*argv, cwd=tmp_path)
        assert proc.returncode == 2, proc.stderr[-2000:]
        message = one_error_line(proc.stderr)
        assert "is not a regular file" in message and "name a YAML file" in message


def test_a_file_above_the_size_limit_is_refused(tmp_path):
    from simulator.base.yamlio import MAX_FILE_BYTES

    line = "# a comment line of exactly forty bytes\n"
    file = tmp_path / "huge.yaml"
    file.write_text(line * (MAX_FILE_BYTES // len(line)), encoding="utf-8")
    assert file.stat().st_size == MAX_FILE_BYTES
    assert "the file is empty" in cli_error("validate", file)  # at the limit: read (and all comments)
    with file.open("a", encoding="utf-8") as handle:
        handle.write("x")
    message = cli_error("validate", file)
    assert "is larger than 1,000,000 bytes" in message and "a few KB" in message


def test_default_results_folder_is_not_created_for_a_bad_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("bad.yaml").write_text("name: x\nhorizon: 0\n", encoding="utf-8")
    message = cli_error("run", "bad.yaml", "--no-plots")
    assert "bad.yaml:2 (horizon)" in message
    assert_only(tmp_path, "bad.yaml")


# --- command-line options --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "needle"),
    [
        ("--replicates", "0", "from 1 to 1000000"),
        ("--replicates", "1000001", "from 1 to 1000000"),
        ("--seed", "-3", "from 0 to 9223372036854775807"),
        ("--seed", "99999999999999999999999999", "from 0 to 9223372036854775807"),
    ],
    ids=["replicates_zero", "replicates_above_the_schema", "negative_seed", "seed_above_the_schema"],
)
def test_bad_number_option_on_the_command_line(tmp_path, option, value, needle):
    for command in ("run", "compare"):
        message = cli_error(command, BASELINE, BASELINE, option, value, "--out", tmp_path / "out", "--no-plots")
        assert f"error: {option}: must be a whole number {needle}, got {value}" in message
    assert_only(tmp_path)


def test_seed_and_replicates_given_to_the_api_are_checked_like_a_file():
    from simulator.runs.runner import resolve

    scenario = load_scenario(BASELINE)
    for seed in (-1, 2**63, 2.5, True):
        with pytest.raises(UserError, match="seed: must be a whole number from 0 to 9223372036854775807"):
            resolve(scenario, seed=seed)
    for replicates in (0, 1_000_001):
        with pytest.raises(UserError, match="replicates: must be a whole number from 1 to 1000000"):
            scenario.with_overrides(replicates=replicates)
    edge = scenario.with_overrides(seed=2**63 - 1, replicates=1_000_000)
    assert scenario_from_dict(edge.to_dict()).to_dict() == edge.to_dict()


@pytest.mark.parametrize(
    ("assignment", "needles"),
    [
        ("JPN.deference", ["--set", "path=value", "JPN.deference=0.3"]),
        ("JPN.deference=high", ["--set JPN.deference", "'high' is not a number"]),
        ("JPN.deference=", ["--set JPN.deference", "is not a number"]),
        ("JPX.deference=0.3", ["--set JPX.deference", "did you mean 'JPN'?"]),
        ("JPN.defference=0.3", ["--set JPN.defference", "did you mean 'deference'?"]),
        ("JPN.deference=3", ["--set JPN.deference", "out of range", "[0, 1]"]),
        ("JPN.deference=nan", ["--set JPN.deference", "out of range"]),
    ],
    ids=["no_equals", "not_a_number", "empty_value", "unknown_actor", "unknown_name", "out_of_range", "nan"],
)
def test_bad_set_option(tmp_path, assignment, needles):
    message = cli_error("run", BASELINE, "--set", assignment, "--out", tmp_path / "out", "--no-plots")
    for needle in needles:
        assert needle in message
    assert_only(tmp_path)


def test_existing_out_folder_is_refused_and_left_untouched(tmp_path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "notes.txt").write_text("my earlier analysis\n", encoding="utf-8")
    (out / "timeseries.csv").write_text("replicate,step\n0,0\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    message = cli_error("run", BASELINE, "--replicates", "2", "--out", out, "--no-plots")
    assert str(out) in message
    assert "already exists" in message and "--force" in message
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert_only(tmp_path, "precious")


def test_out_that_is_an_existing_file_is_refused(tmp_path):
    out = tmp_path / "result.txt"
    out.write_text("keep me\n", encoding="utf-8")
    message = cli_error("run", BASELINE, "--replicates", "2", "--out", out, "--no-plots", "--force")
    assert str(out) in message and "is a file" in message
    assert out.read_text(encoding="utf-8") == "keep me\n"


def test_out_under_a_file_is_refused_before_simulating(tmp_path):
    blocker = tmp_path / "not_a_folder"
    blocker.write_text("x\n", encoding="utf-8")
    out = blocker / "sub" / "run1"
    message = cli_error("run", BASELINE, "--replicates", "2", "--out", out, "--no-plots")
    assert str(out) in message
    assert "not a writable folder" in message and "choose another --out" in message
    assert_only(tmp_path, "not_a_folder")


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root can write to read-only folders")
def test_out_under_a_read_only_folder_is_refused(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        message = cli_error("run", BASELINE, "--replicates", "2", "--out", locked / "run1", "--no-plots")
        assert "not a writable folder" in message
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o700)


def test_out_name_too_long_gives_one_line(tmp_path):
    out = tmp_path / ("r" * 300)
    message = cli_error("run", BASELINE, "--replicates", "2", "--out", out, "--no-plots")
    assert "too long" in message
    assert_only(tmp_path)


def test_usage_mistakes_are_one_line_too(capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", str(BASELINE), "--replicates", "many"])
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert out == ""
    message = one_error_line(err)
    assert "--replicates" in message and "'many'" in message and "eujsim run --help" in message

    with pytest.raises(SystemExit) as info:
        main(["simulate", str(BASELINE)])
    assert info.value.code == 2
    message = one_error_line(capsys.readouterr().err)
    assert "'simulate'" in message and "eujsim --help" in message


def test_params_unknown_actor():
    message = cli_error("params", "--actor", "XYZ")
    assert "--actor" in message and "no parameter group 'XYZ'" in message
    assert "groups:" in message and "JPN" in message
    message = cli_error("params", "--actor", "JNP")
    assert "did you mean 'JPN'?" in message


def test_shocks_unknown_kind():
    message = cli_error("shocks", "nosuchkind")
    assert "no shock kind 'nosuchkind'" in message and "eujsim shocks" in message
    message = cli_error("shocks", "us_retrenchmnt")
    assert "did you mean 'us_retrenchment'?" in message


# --- user shock libraries (--shocks) ---------------------------------------------------------

LIBRARY_WITH_BAD_TARGET = """\
kinds:
  hormuz_closure:
    description: Iran closes the Strait of Hormuz.
    effects:
      - {target: world.sealane_risk, op: add, value: 0.4}
      - {target: JPN.sealane_exposur, op: set, value: 1.0}
"""


def test_shock_library_with_unknown_target(tmp_path):
    library = tmp_path / "my_shocks.yaml"
    library.write_text(LIBRARY_WITH_BAD_TARGET, encoding="utf-8")
    scenario = tmp_path / "uses_it.yaml"
    scenario.write_text('name: x\nshocks:\n  - kind: hormuz_closure\n    at: "2026Q1"\n', encoding="utf-8")
    for argv in (
        ["run", scenario, "--shocks", library, "--out", tmp_path / "out", "--no-plots"],
        ["validate", scenario, "--shocks", library],
        ["shocks", "--shocks", library],
    ):
        message = cli_error(*argv)
        assert names_line(message, library, 6), message
        assert "JPN" in message and "did you mean 'sealane_exposure'?" in message
    assert_only(tmp_path, "my_shocks.yaml", "uses_it.yaml")


@pytest.mark.parametrize(
    ("text", "line", "needles"),
    [
        ("- just a list\n", 1, ["'kinds' mapping"]),
        (
            "kinds:\n  k:\n    description: d\n    efects: []\n",
            4,
            ["unknown key 'efects'", "did you mean 'effects'?"],
        ),
        (
            "kinds:\n  k:\n    description: d\n    source: {ref: [a, b]}\n    effects:\n"
            "      - {target: JPN.deference, op: add, value: 0.1}\n",
            4,
            ["source ref", "unknown"],
        ),
        (
            "kinds:\n  k:\n    description: d\n    ramp: -1\n    effects:\n"
            "      - {target: JPN.deference, op: add, value: 0.1}\n",
            4,
            ["'ramp'", "from 0 to 400", "got -1"],
        ),
        (
            "kinds:\n  k:\n    description: d\n    effects:\n      - {target: JPN.deference, op: add, 1: 2}\n",
            5,
            ["unknown key"],
        ),
        (
            'kinds:\n  "=k":\n    description: d\n    effects:\n      - {target: JPN.deference, op: add, value: 1}\n',
            2,
            ["kind '=k'", "may not start with '='"],
        ),
        (
            "kinds:\n  k:\n    description: [a, b]\n    effects:\n      - {target: JPN.deference, op: add, value: 1}\n",
            3,
            ["'description' is text of at most 2,000 characters"],
        ),
    ],
    ids=[
        "not_a_mapping",
        "unknown_key",
        "unhashable_source_ref",
        "negative_ramp",
        "odd_effect_keys",
        "kind_like_a_formula",
        "description_not_text",
    ],
)
def test_bad_shock_library(tmp_path, text, line, needles):
    library = tmp_path / "lib.yaml"
    library.write_text(text, encoding="utf-8")
    message = cli_error("shocks", "--shocks", library)
    assert names_line(message, library, line), message
    for needle in needles:
        assert needle in message


def test_missing_shock_library(tmp_path):
    message = cli_error("validate", BASELINE, "--shocks", tmp_path / "nope.yaml")
    assert f"{tmp_path / 'nope.yaml'}: file not found" in message


# --- interruption and the real terminal ------------------------------------------------------


def test_interrupted_run_leaves_no_partial_folder(capsys, tmp_path, monkeypatch):
    def interrupt(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(simulator.presentation.plots, "draw_run_plots", interrupt, raising=True)
    out = tmp_path / "run"
    status = main(["run", str(BASELINE), "--replicates", "2", "--out", str(out), "--quiet"])
    assert status == 130
    assert "nothing was written" in capsys.readouterr().err
    assert_only(tmp_path)


@pytest.mark.parametrize(
    ("text", "argv_tail", "needles"),
    [
        ("name: x\nhorizon: 4\nshocks:\n  - kind: [us_retrenchment\n", [], ["YAML syntax error"]),
        ("name: x\nhorizon: !!python/name:os.system\n", [], [":2:", "!!python/name:os.system"]),
        ("name: x\n", ["--set", "JPN.deference=3"], ["out of range"]),
    ],
    ids=["syntax", "python_tag", "set_out_of_range"],
)
def test_no_traceback_reaches_the_terminal(tmp_path, text, argv_tail, needles):
    file = tmp_path / "bad.yaml"
    file.write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "simulator", "run", str(file), "--no-plots", "--out", str(tmp_path / "o"), *argv_tail],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    message = one_error_line(proc.stderr)
    for needle in needles:
        assert needle in message
    assert_only(tmp_path, "bad.yaml")


def test_alias_bomb_is_refused_quickly(tmp_path, capsys):
    """A 'billion laughs' document (nested YAML aliases) is refused instead of stalling."""
    rows = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 9):
        items = ", ".join([f"*a{level - 1}"] * 9)
        rows.append(f"a{level}: &a{level} [{items}]")
    rows.append("shocks: *a8")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("eujsim: error:") and "aliases" in err and "\n" not in err


# --- messages quote a short prefix of what the user wrote ----------------------------------

LONG = "Q" * 100_000
LONG_VALUES = [
    ("name_not_text", f"name: [{LONG}]\n", "(name)"),
    ("horizon_text", f"name: x\nhorizon: {LONG}\n", "(horizon)"),
    ("start_text", f"name: x\nstart: {LONG}\n", "(start)"),
    ("unknown_key", f"name: x\n{LONG[:1000]}: 1\n", "unknown key"),  # YAML keys are at most 1024 characters
    ("parameter_path", f"name: x\nparameters:\n  JPN.{LONG[:1000]}: 0.3\n", "has no parameter"),
    ("parameter_value", f"name: x\nparameters:\n  JPN.deference: {LONG}\n", "needs a number"),
    ("shock_kind", f'name: x\nshocks:\n  - kind: {LONG}\n    at: "2025Q2"\n', "names are at most 80 characters"),
    ("shock_at", f"name: x\nshocks:\n  - kind: us_retrenchment\n    at: {LONG}\n", "is not a quarter"),
    ("effect_op", f"{SHOCK}    effects:\n      - {{target: JPN.deference, op: {LONG}, value: 1}}\n", "op must be"),
]


@pytest.mark.parametrize(("text", "needle"), [c[1:] for c in LONG_VALUES], ids=[c[0] for c in LONG_VALUES])
def test_a_message_quotes_only_the_start_of_a_long_value(tmp_path, text, needle):
    file = tmp_path / "long.yaml"
    file.write_text(text, encoding="utf-8")
    message = cli_error("validate", file)
    assert needle in message
    assert re.search(r"Q{60}'?…", message), message  # the start of the value, marked as cut
    assert "Q" * 121 not in message  # at most 60 quoted, 80 of a field, 120 of a path
    assert len(message) < 500, len(message)


def test_experiment_messages_quote_only_the_start_of_a_long_value(tmp_path):
    cases = {
        "scenario": f"scenario: {LONG}.yaml\nparameters: all\n",
        "metric": f"scenario: {BASELINE}\nparameters: all\nmetrics: [{LONG}]\n",
        "method": f"scenario: {BASELINE}\nparameters: all\nmethod: {LONG}\n",
        "set": f"scenario: {BASELINE}\nparameters: all\nset:\n  JPN.deference: {LONG}\n",
    }
    for field, text in cases.items():
        file = tmp_path / f"{field}.yaml"
        file.write_text(text, encoding="utf-8")
        message = cli_error("validate", file)
        assert f"({field}" in message
        assert re.search(r"Q{60}'?…", message), message
        assert "Q" * 121 not in message  # at most 60 quoted, 80 of a field, 120 of a path
        assert len(message) < 500, (field, len(message))


def test_a_key_with_a_line_break_stays_on_one_line(tmp_path):
    file = tmp_path / "newline.yaml"
    file.write_text('name: x\n"bad\\nkey\\ttab": 1\n', encoding="utf-8")
    message = cli_error("validate", file)  # checks for exactly one line
    assert "unknown key 'bad\\nkey\\ttab'" in message


def test_quote_is_short_for_any_value():
    from simulator.base.errors import clip, quote

    cyclic: list = []
    cyclic.append(cyclic)
    deep: list = []
    for _ in range(5_000):
        deep = [deep]
    for value in (10**400, -(10**5000), "é" * 10**6, cyclic, deep, {"k": "v" * 1000}, b"\x00" * 1000):
        shown = quote(value)
        assert len(shown) <= 130, (len(shown), shown)
        assert "\n" not in shown
    assert quote(10**400).startswith("1000") and "401 digits" in quote(10**400)
    assert "about 5,001 digits" in quote(-(10**5000))
    assert quote("2025Q5") == "'2025Q5'"
    assert clip("Tōkyō\n東京") == "Tōkyō\\n東京"
    assert clip("x" * 61) == "x" * 60 + "…"


# --- numbers: too large for a float, infinite or NaN -------------------------------------------

HUGE = 10**400


@pytest.mark.parametrize(
    ("changes", "field", "needles"),
    [
        ({"set": {"model.spinup_quarters": 20, "JPN.deference": HUGE}}, "set.JPN.deference", ["out of range"]),
        ({"parameters": {"JPN.deference": {"low": 0.1, "high": HUGE}}}, "high", ["valid number", "401 digits"]),
        ({"parameters": {"JPN.deference": [0.1, -HUGE]}}, "parameters.JPN.deference", ["got [0.1, -1000"]),
        ({"parameters": {"shock.US retrenchment.magnitude": {"low": 0, "high": HUGE}}}, "high", ["valid number"]),
        ({"parameters": {"shock.US retrenchment.at": {"low": 2025, "high": "2026Q1"}}}, "low", ["in quotes"]),
        ({"metrics": ["coop_EU_JPN:first_above@1e999"]}, "metrics", ["not a finite number"]),
        ({"metrics": ["coop_EU_JPN:first_above@nan"]}, "metrics", ["not a finite number"]),
        ({"metrics": ["coop_EU_JPN:first_above@" + "9" * 400]}, "metrics", ["not a finite number"]),
        (
            {
                "analysis": {
                    "phase": {"x": "JPN.deference", "y": "shock.US retrenchment.magnitude", "boundary": float("nan")}
                }
            },
            "boundary",
            ["finite"],
        ),
    ],
    ids=[
        "set",
        "range_high",
        "values",
        "shock_magnitude",
        "onset_not_text",
        "level_inf",
        "level_nan",
        "level_400_digits",
        "phase_boundary_nan",
    ],
)
def test_experiment_numbers_that_are_no_numbers_are_one_line(tmp_path, changes, field, needles):
    from .test_sweep import small_experiment, write_experiment

    path = write_experiment(tmp_path, small_experiment(**changes))
    message = cli_error("validate", path)
    assert f"{field})" in message, message
    for needle in needles:
        assert needle in message, message


@pytest.mark.parametrize(
    ("effect", "needle"),
    [
        ("{target: JPN.deference, op: add, value: 1" + "0" * 400 + "}", "finite number"),
        ("{target: JPN.deference, op: set, value: .nan}", "finite number"),
    ],
    ids=["huge_int", "nan"],
)
def test_shock_library_effect_value_must_be_finite(tmp_path, effect, needle):
    library = tmp_path / "lib.yaml"
    library.write_text(f"kinds:\n  k:\n    description: d\n    effects:\n      - {effect}\n", encoding="utf-8")
    message = cli_error("shocks", "--shocks", library)
    assert names_line(message, library, 5) and needle in message


def test_shock_library_timing_is_bounded_like_a_scenario_shock(tmp_path):
    library = tmp_path / "lib.yaml"
    for ramp in ("401", "1" + "0" * 400):
        library.write_text(
            f"kinds:\n  k:\n    description: d\n    ramp: {ramp}\n    effects:\n"
            "      - {target: JPN.deference, op: add, value: 0.1}\n",
            encoding="utf-8",
        )
        message = cli_error("shocks", "--shocks", library)
        assert names_line(message, library, 4) and "from 0 to 400" in message


def test_a_metric_level_reads_back_exactly_from_its_name():
    from simulator.runs.metrics import parse_metric

    for level in (0.55, 1.0, 0.1234567, 1e-9, 123456789.0):
        metric = parse_metric(f"coop_EU_JPN:first_above@{level!r}")
        assert parse_metric(metric.name) == metric
    assert parse_metric("coop_EU_JPN:first_above@0.55").name == "coop_EU_JPN:first_above@0.55"
    assert parse_metric("coop_EU_JPN:first_above@1").name == "coop_EU_JPN:first_above@1"


def test_api_numbers_too_large_for_a_float_are_user_errors():
    from simulator.runs.runner import resolve
    from simulator.sweeps.interop import shock_input_value

    scenario = load_scenario(SCENARIOS / "us_retrenchment.yaml")
    with pytest.raises(UserError, match="out of range"):
        resolve(scenario, overrides={"JPN.deference": HUGE})
    with pytest.raises(UserError, match="out of range"):
        shock_input_value(scenario, "shock.US retrenchment.magnitude", "magnitude", -HUGE)
    with pytest.raises(UserError, match="in quotes"):
        shock_input_value(scenario, "shock.US retrenchment.at", "at", 10**5000)


# --- names ---------------------------------------------------------------------------------


def test_a_file_name_that_cannot_be_a_name_needs_a_name_line(tmp_path):
    for stem in ("=evil", "x" * 81):
        file = tmp_path / f"{stem}.yaml"
        file.write_text("horizon: 4\n", encoding="utf-8")
        message = cli_error("validate", file)
        assert "(name)" in message and "the scenario has no name, and its file name" in message
        assert "add a line such as name: my_scenario" in message
        file.write_text("name: good\nhorizon: 4\n", encoding="utf-8")
        assert eujsim("validate", file)[0] == 0


def test_an_experiment_name_follows_the_rules_of_names(tmp_path):
    from .test_sweep import small_experiment, write_experiment

    message = cli_error("validate", write_experiment(tmp_path, small_experiment(name="@cmd")))
    assert "(name)" in message and "may not start with '@'" in message
    message = cli_error("validate", write_experiment(tmp_path, small_experiment(name=None), name="+exp.yaml"))
    assert "the experiment has no name" in message and "name: my_experiment" in message


# --- damaged result folders ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    """A two-quarter run of two replicates, without plots, to damage copies of."""
    folder = tmp_path_factory.mktemp("damaged") / "run"
    status, _, err = eujsim("run", BASELINE, "--replicates", 2, "--out", folder, "--no-plots", "--quiet")
    assert status == 0, err
    return folder


def replace_line(path: Path, index: int, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[index] = lines[index].replace(old, new, 1)
    path.write_text("".join(lines), encoding="utf-8")


DAMAGES = {
    "timeseries_empty": ("timeseries.csv", lambda p: p.write_text(""), "No columns to parse"),
    "timeseries_unclosed_quote": ("timeseries.csv", lambda p: p.write_text('a,b\n1,2,3\n"x\n'), "Error tokenizing"),
    "timeseries_header_only": (
        "timeseries.csv",
        lambda p: p.write_text(p.read_text().splitlines()[0] + "\n"),
        "it has no rows",
    ),
    "timeseries_not_utf8": ("timeseries.csv", lambda p: p.write_bytes(b"\xff\xfe\x00\x01"), "can't decode"),
    "timeseries_column_renamed": (
        "timeseries.csv",
        lambda p: replace_line(p, 0, "replicate", "replicat"),
        "it has no column replicate",
    ),
    "timeseries_text_value": (
        "timeseries.csv",
        lambda p: replace_line(p, 2, ",0.", ",x0."),
        "holds other values than the numbers",
    ),
    "timeseries_row_repeated": (
        "timeseries.csv",
        lambda p: p.write_text(
            "".join((lambda rows: [*rows[:3], rows[2], *rows[3:-1]])(p.read_text().splitlines(True)))
        ),
        "not steps 0–",
    ),
    "manifest_not_an_object": ("manifest.json", lambda p: p.write_text("[]"), "it holds no JSON object"),
    "manifest_cut": ("manifest.json", lambda p: p.write_text(p.read_text()[:50]), "is damaged"),
    "scenario_empty": ("scenario.yaml", lambda p: p.write_text(""), "the file is empty"),
    "scenario_year_0": (  # as an older eujsim saved start: "0000Q1"
        "scenario.yaml",
        lambda p: p.write_text(p.read_text().replace("start: 2025Q1", "start: 0Q1")),
        "'0Q1' is not a quarter",
    ),
}


@pytest.mark.parametrize(("name", "damage", "needle"), DAMAGES.values(), ids=DAMAGES.keys())
def test_a_damaged_run_folder_is_one_line_naming_the_file(tmp_path, small_run, name, damage, needle):
    folder = tmp_path / "run"
    shutil.copytree(small_run, folder)
    damage(folder / name)
    for argv in (["explain", folder], ["compare", folder, BASELINE, "--out", tmp_path / "c"], ["report", folder]):
        message = cli_error(*argv)
        assert f"{folder / name}" in message and needle in message, message
        assert "run the scenario again" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


SIDE_TABLE_DAMAGES = {
    "events_text_step": (
        "events.csv",
        lambda p: replace_line(p, 1, p.read_text().splitlines()[1].split(",")[1], "abc"),
        "its step column holds more than numbers",
    ),
}
"""Damage to a table that only ``report`` reads (explain and compare need the time series alone)."""


@pytest.mark.parametrize(("name", "damage", "needle"), SIDE_TABLE_DAMAGES.values(), ids=SIDE_TABLE_DAMAGES.keys())
def test_a_damaged_side_table_is_one_line_in_the_report(tmp_path, small_run, name, damage, needle):
    folder = tmp_path / "run"
    shutil.copytree(small_run, folder)
    damage(folder / name)
    message = cli_error("report", folder)
    assert f"{folder / name}" in message and needle in message and "run the scenario again" in message
    assert not (folder / "report.html").exists()


def test_the_tables_of_a_run_have_the_columns_the_reader_expects(small_run):
    from simulator.runs.run_folder import TABLE_COLUMNS

    for name, columns in TABLE_COLUMNS.items():
        if name.startswith("twin_"):
            continue  # a baseline run has no shocks, so no twin; tests/test_twin.py checks the twin's tables
        header = (small_run / name).read_text(encoding="utf-8").splitlines()[0].split(",")
        assert tuple(header[: len(columns)]) == columns, name


def test_a_list_of_choices_made_of_long_names_stays_short(tmp_path):
    from .test_sweep import small_experiment, write_experiment

    names = [f"{i:02d} " + "s" * 77 for i in range(12)]
    scenario = {
        "name": "long",
        "horizon": 4,
        "shocks": [{"kind": "us_retrenchment", "name": n, "at": "2025Q2"} for n in names],
    }
    experiment = small_experiment(scenario=scenario, parameters={"shock.no such shock.magnitude": [0.1, 0.2]})
    message = cli_error("validate", write_experiment(tmp_path, experiment))
    assert "has no shock named 'no such shock'" in message and "more)" in message
    assert len(message) < 500, len(message)

    library = tmp_path / "kinds.yaml"
    effect = "[{target: JPN.deference, op: add, value: 0.1}]"
    library.write_text(
        "kinds:\n" + "".join(f"  k{i:02d}{'k' * 76}:\n    description: d\n    effects: {effect}\n" for i in range(12)),
        encoding="utf-8",
    )
    file = tmp_path / "unknown_kind.yaml"
    file.write_text('name: x\nshocks:\n  - kind: nothing_like_it\n    at: "2025Q2"\n', encoding="utf-8")
    message = cli_error("validate", file, "--shocks", library)
    assert "unknown shock kind 'nothing_like_it'" in message and "more)" in message
    assert len(message) < 500, len(message)
