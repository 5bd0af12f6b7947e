"""Fuzzing the file readers: whatever a scenario, experiment or shock-library file holds, eujsim ends well.

Every mutant starts from one of the shipped files (``scenarios/*.yaml``, ``experiments/*.yaml``,
the shock library ``simulator/data/shocks.yaml``) and is changed in one of two ways:

* structurally: the file is parsed, keys are deleted, renamed or added, values are replaced
  by numbers of every size (NaN, infinities, 10**400), long or odd text (unicode, ``$`` for
  matplotlib, ``=`` for spreadsheets, control characters) or values of another type, and the
  data is dumped back to YAML;
* textually: lines are inserted, repeated, deleted or cut, with what only raw YAML can say:
  deep nesting, self-referencing aliases, duplicate keys, tags (``!!python/object``,
  ``!!binary``, ``!foo``), integers beyond Python's 4,300-digit limit, bytes that are not UTF-8.

``eujsim validate`` (for a library, ``eujsim shocks --shocks``) then runs in-process on the
mutant. It must answer OK (exit 0, nothing on stderr) or, with exit 2, one line ``eujsim: error: …``
per mistake (then their count when there are several), each of at most :data:`MAX_MESSAGE`
characters, without an exception escaping, within
:data:`DEADLINE` (and never hang: :data:`HANG_LIMIT` stops it). A scenario that validates must
also read back unchanged from the resolved YAML a run would save.

The normal suite draws about 300 examples in all (about 15 s on two busy cores); ``make fuzz``
sets ``EUJSIM_FUZZ_EXAMPLES`` to draw that many per test, and then also runs scenarios that
validate (:func:`test_a_mutant_that_validates_runs_and_reads_back`, a few seconds each).
"""

from __future__ import annotations

import contextlib
import copy
import os
import re
import signal
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.base.yamlio import parse_yaml
from simulator.inputs.calibration import default_calibration
from simulator.inputs.scenario import load_scenario, parse_scenario

from .conftest import ERROR_PREFIX, ROOT, SCENARIOS, eujsim

EXAMPLES = int(os.environ.get("EUJSIM_FUZZ_EXAMPLES") or 0)
"""Examples per test from the environment (``make fuzz``); 0 keeps the small default of the normal suite."""
MAX_MESSAGE = 800
"""Longest error line allowed: a message quotes a short prefix of the user's value, never all of it.

Most messages are under 300 characters; the longest fixed one, a sweep refused for both memory
and disk (simulator/sweeps/sweep_size.py), reaches about 650 with a short path. A value quoted whole
would go far beyond."""
DEADLINE = timedelta(seconds=15)
"""Longest time one validation may take. The slowest of 3,000 mutants took 0.8 s and the median 4-17 ms,
but on two cores shared with other work one example took 10.9 s once and 0.7 s when repeated, and
Hypothesis fails a test whose timing varies so across the deadline; pathological inputs (an alias
bomb, a file read without end) take far longer than 15 s."""
HANG_LIMIT = 60
"""Seconds after which a validation counts as hung and is interrupted."""

LIBRARY = ROOT / "simulator" / "data" / "shocks.yaml"
SEEDS = sorted(SCENARIOS.glob("*.yaml")) + sorted((ROOT / "experiments").glob("*.yaml")) + [LIBRARY]
TEXTS = {path.name: path.read_text(encoding="utf-8") for path in SEEDS}
DATA = {name: yaml.safe_load(text) for name, text in TEXTS.items()}
SCENARIO_SEEDS = sorted(path.name for path in SEEDS if path.parent == SCENARIOS)
FILE_SEEDS = sorted(name for name in TEXTS if name != LIBRARY.name)
"""The files ``eujsim validate`` reads: scenarios and experiments."""


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings of one fuzz test: ``examples`` in the normal suite, or as many as ``make fuzz`` asks."""
    return settings(
        max_examples=EXAMPLES or examples,
        deadline=DEADLINE,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )


# --- values a hand-written file could hold ----------------------------------------------------

HUGE_NUMBERS = [0, -1, 1, 2**63 - 1, 2**63, 2**64, 10**19, 10**400, -(10**400), 1e308, -0.0]
ODD_TEXT = [
    "",
    " ",
    "0000Q1",
    "0999Q4",
    "1899Q4",
    "1900Q1",
    "2199Q4",
    "2200Q1",
    "9999Q4",
    "2025Q5",
    "2025q1",
    " 2025Q1 ",
    "1e400",
    "nan",
    "inf",
    "-inf",
    "all",
    "$\\foo$",
    "$x^2$",
    "a_b_c",
    "=1+1",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "a\nb",
    "a\x00b",
    "\u202eevil",
    "東京 · Tōkyō",
    "😀",
    "shock.",
    "shock.US retrenchment.at",
    "shock.US retrenchment.magnitude",
    "shock.Taiwan Strait blockade.at",
    "JPN.deference",
    "model.spinup_quarters",
    "coop_EU_JPN:final",
    "coop_EU_JPN:first_above@1e999",
    "coop_EU_JPN:first_above@nan",
    "coop_EU_JPN:first_above@" + "9" * 400,
    "coop_EU_JPN:first_above@-inf",
    "/dev/zero",
    "/",
    "..",
    "../scenarios",
    "../scenarios/baseline.yaml",
    "../experiments/taiwan_timing.yaml",
]
KEYS = st.one_of(
    st.sampled_from(
        ["name", "kind", "at", "start", "seed", "replicates", "horizon", "magnitude", "effects", "value", "levels"]
    ),
    st.sampled_from(ODD_TEXT),
    st.text(max_size=12),
)
NUMBERS = st.one_of(
    st.sampled_from(HUGE_NUMBERS),
    st.integers(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),
)
TEXT = st.one_of(
    st.sampled_from(ODD_TEXT),
    st.text(max_size=40),
    st.builds(lambda char, n: char * n, st.sampled_from(["x", "é", "$", "=", "東"]), st.integers(61, 5_000)),
    st.builds(lambda n: "y" * n, st.sampled_from([100_000, 700_000])),
)
QUARTER = re.compile(r"^\d{4}Q[1-4]$")
QUARTERS = st.one_of(
    st.builds("{:04d}Q{}".format, st.integers(0, 9999), st.integers(0, 5)),
    st.builds("{}Q{}".format, st.integers(-99, 99_999), st.integers(1, 4)),
    st.sampled_from(ODD_TEXT),
)
SCALARS = st.one_of(st.none(), st.booleans(), NUMBERS, TEXT)
PARAMETER_PATHS = st.one_of(st.sampled_from(sorted(default_calibration())), KEYS)
LIKE = {"number": NUMBERS, "quarter": QUARTERS, "text": TEXT, "none": SCALARS}
"""Replacement values of the same kind as a leaf (see :func:`kind_of`)."""
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(KEYS, SCALARS, max_size=3),
)


# --- structured mutations: on the parsed data ---------------------------------------------------


def locations(data: object, prefix: tuple = ()) -> Iterator[tuple]:
    """Every place in a tree of dicts and lists, the root (``()``) first."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from locations(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from locations(value, (*prefix, index))


def get(data: object, location: tuple) -> object:
    for part in location:
        data = data[part]  # type: ignore[index]
    return data


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_leaf(value: object) -> bool:
    return not isinstance(value, dict | list)


def kind_of(value: object) -> str:
    """Which of :data:`LIKE` a leaf value is: a number, a quarter, or other text (or none)."""
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "quarter" if QUARTER.match(value) else "text"
    return "none"


def swapped(value: object) -> object:
    """The value in another type: a number as text, text in a list, a list as a mapping, …"""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return {str(i): v for i, v in enumerate(value)}
    if isinstance(value, dict):
        return list(value.values())
    return {}


@st.composite
def structured_mutant(draw: st.DrawFn, seeds: list[str] = FILE_SEEDS) -> tuple[str, bytes]:
    """(seed file name, YAML bytes) of a shipped file with one to three changes to its data."""
    name = draw(st.sampled_from(seeds))
    data = copy.deepcopy(DATA[name])
    for _ in range(draw(st.integers(1, 3))):
        location = draw(st.sampled_from(list(locations(data))))
        target = get(data, location)
        parent = get(data, location[:-1]) if location else None
        op = draw(st.sampled_from(["delete", "replace", "rename", "add", "swap", "copy", "like", "override"]))
        if op == "override" and isinstance(data, dict):  # a parameter override: scenario parameters, experiment set
            table = data.setdefault("set" if name not in SCENARIO_SEEDS else "parameters", {})
            if isinstance(table, dict):
                table[draw(PARAMETER_PATHS)] = draw(st.one_of(NUMBERS, SCALARS))
            continue
        if op == "like":  # a value of the same kind: a number for a number, a quarter for a quarter, text for text
            leaves = [loc for loc in locations(data) if loc and is_leaf(get(data, loc))]
            kinds = {kind_of(get(data, loc)) for loc in leaves}
            kind = draw(st.sampled_from(sorted(kinds) or ["none"]))
            location = draw(st.sampled_from([loc for loc in leaves if kind_of(get(data, loc)) == kind] or [()]))
            if location:
                get(data, location[:-1])[location[-1]] = draw(LIKE[kind])  # type: ignore[index]
            continue
        if not location:  # the root: replace it, or add to it
            if op == "replace":
                data = draw(VALUES)
            elif isinstance(data, dict):
                data[draw(KEYS)] = draw(VALUES)
        elif op == "delete":
            del parent[location[-1]]  # type: ignore[index]
        elif op == "replace":
            parent[location[-1]] = draw(VALUES)  # type: ignore[index]
        elif op == "swap":
            parent[location[-1]] = swapped(target)  # type: ignore[index]
        elif op == "rename" and isinstance(parent, dict):
            parent[draw(KEYS)] = parent.pop(location[-1])
        elif op == "add" and isinstance(target, dict):
            target[draw(KEYS)] = draw(VALUES)
        elif op == "add" and isinstance(target, list):
            target.append(draw(VALUES))
        elif op == "copy" and isinstance(parent, list):  # one more of the same (a shock, an effect, a metric)
            parent.append(copy.deepcopy(target))
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    return name, text.encode("utf-8")


# --- textual mutations: on the raw YAML ------------------------------------------------------


def nested(depth: int, flow: str) -> str:
    """A flow collection ``depth`` levels deep: ``[[[…]]]`` or ``{a: {a: …}}``."""
    if flow == "[":
        return "[" * depth + "]" * depth
    return "{a: " * depth + "1" + "}" * depth


RAW_VALUES = st.one_of(
    st.builds(nested, st.integers(20, 3_000), st.sampled_from(["[", "{"])),
    st.sampled_from(
        [
            "&l [*l]",
            "&m {a: *m}",
            "&s [1, [2, *s]]",
            "*undefined",
            "!!python/object/apply:os.system ['true']",
            "!!python/name:os.system",
            "!!python/object:simulator.inputs.scenario.Scenario {}",
            "!!binary aGVsbG8=",
            "!!set {a, b}",
            "!!omap [a: 1]",
            "!!timestamp 2025-01-01",
            "!foo 3",
            "!<tag:example.com,2000:x> 1",
            "2025-01-01",
            "0x1F",
            "0o17",
            "1_000",
            "190:20:30",
            "1.0e400",
            "-.inf",
            ".nan",
            "1" + "0" * 400,
            "1" + "0" * 400 + ".5",
            '"\\x00"',
            '"\\t=1+1"',
            "|\n  two\n  lines",
            "[a, b",
            "'unclosed",
            "? [a, b]\n: c",
            "? {a: 1}\n: c",
        ]
    ),
    st.builds(lambda n: "9" * n, st.integers(4_200, 6_000)),
    st.text(max_size=20),
)
RAW_LINES = st.one_of(
    st.builds(lambda value: f"x: {value}", RAW_VALUES),
    st.sampled_from(
        [
            "---",
            "...",
            "--- !!python/object:os.system",
            "%YAML 1.1",
            "%TAG ! tag:example.com,2000:",
            "<<: {seed: 1}",
            "<<: *undefined",
            "a: &a [1, 2]\nb: [*a, *a, *a]",
            "\t- tab",
            "- list item",
            "name: twice",
            "  indented: 1",
            "shocks: []",
            "replicates: " + "9" * 5_000,
        ]
    ),
)


@st.composite
def text_mutant(draw: st.DrawFn, seeds: list[str] = FILE_SEEDS) -> tuple[str, bytes]:
    """(seed file name, bytes) of a shipped file with one to three changes to its text or bytes."""
    name = draw(st.sampled_from(seeds))
    lines = TEXTS[name].splitlines()
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        op = draw(st.sampled_from(["insert", "value", "repeat", "delete", "cut", "characters"]))
        if op == "insert":
            lines.insert(at, draw(RAW_LINES))
        elif op == "value" and lines and ":" in lines[at]:  # a new value for the key on this line
            key = lines[at].split(":", 1)[0]
            lines[at] = f"{key}: {draw(RAW_VALUES)}"
        elif op == "repeat" and lines:  # a duplicate key, or one more list item
            lines.insert(at, lines[at])
        elif op == "delete" and lines:
            del lines[at]
        elif op == "cut" and lines:
            lines = lines[:at]
        elif op == "characters" and lines:
            column = draw(st.integers(0, len(lines[at])))
            lines[at] = lines[at][:column] + draw(st.text(min_size=1, max_size=5)) + lines[at][column:]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    encoding = draw(st.sampled_from(["utf-8"] * 8 + ["bom", "latin-1 byte", "nul byte", "utf-16"]))
    if encoding == "bom":
        data = b"\xef\xbb\xbf" + data
    elif encoding == "latin-1 byte":
        data = data.replace(b"e", b"\xe9", 1)
    elif encoding == "nul byte":
        data = data[: len(data) // 2] + b"\x00" + data[len(data) // 2 :]
    elif encoding == "utf-16":
        data = data.decode("utf-8").encode("utf-16")
    return name, data


# --- the check --------------------------------------------------------------------------------


class Hung(Exception):
    """Raised by the alarm when a validation runs past :data:`HANG_LIMIT`."""


@contextlib.contextmanager
def hang_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (a blocking read included) so that a hang fails the test."""

    def alarm(_signum: int, _frame: object) -> None:
        raise Hung(f"validation still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder laid out like the repository, so that an experiment's ``../scenarios/…`` resolves."""
    root = tmp_path_factory.mktemp("fuzz")
    (root / "scenarios").symlink_to(SCENARIOS, target_is_directory=True)
    (root / "experiments").mkdir()
    for path in SEEDS:  # the shipped files as they are: they must validate (and first-use costs are paid here)
        check_validate(path, path.name)
    return root


def check_validate(path: Path, seed: str) -> None:
    """``eujsim validate PATH`` (for a library, ``eujsim shocks --shocks PATH``) answers OK or one short error line.

    A scenario that validates must also read back unchanged from the YAML a run would save.
    """
    argv = ("shocks", "--shocks", path) if seed == LIBRARY.name else ("validate", path)
    with hang_limit(HANG_LIMIT):
        status, out, err = eujsim(*argv)
    assert status in (0, 2), f"exit status {status}; stderr: {err[:2000]}"
    if status == 2:
        assert out == ""
        check_error_line(err)
        return
    # A valid file may still rest on settings outside their documented ranges (the 1991 backcast does):
    # then stderr holds one warning line per such setting, and nothing else.
    for line in err.splitlines():
        assert line.startswith("warning: ") and "documented range" in line, line[:2000]
        assert len(line) <= MAX_MESSAGE + len(str(path)) + 3, f"{len(line)} characters: {line[:2000]!r}"
    if seed == LIBRARY.name:
        assert "Use one in a scenario" in out, out[:2000]
        return
    assert out.startswith(f"OK {path}"), out[:2000]
    if seed in SCENARIO_SEEDS and "experiment '" not in out:
        scenario = load_scenario(path)
        again = parse_scenario(parse_yaml(scenario.to_yaml(), "<resolved>"), default_name="other")
        assert replace(again, source=None) == replace(scenario, source=None)


def check_error_line(err: str) -> None:
    """``err`` is one ``eujsim: error:`` line, or several and their count, each at most :data:`MAX_MESSAGE` long.

    A file with several independent mistakes gets them all at once: one line each, then
    ``eujsim: N problems in FILE``.
    """
    lines = err.splitlines()
    problems = lines if len(lines) == 1 else lines[:-1]
    assert problems, f"nothing on stderr: {err[:2000]!r}"
    for line in problems:
        assert line.startswith(ERROR_PREFIX), line[:2000]
        assert len(line) <= MAX_MESSAGE, f"{len(line)} characters: {line[:2000]!r}"
    if len(lines) > 1:
        assert re.fullmatch(rf"eujsim: {len(problems)} problems in \S.*", lines[-1]), lines[-1][:2000]
        assert len(lines[-1]) <= MAX_MESSAGE, lines[-1][:2000]


@fuzz_settings(examples=120)
@given(mutant=structured_mutant())
def test_validate_survives_structured_mutants(workdir, mutant):
    seed, data = mutant
    path = workdir / "experiments" / "mutant.yaml"
    path.write_bytes(data)
    check_validate(path, seed)


@fuzz_settings(examples=120)
@given(mutant=text_mutant())
def test_validate_survives_textual_mutants(workdir, mutant):
    seed, data = mutant
    path = workdir / "experiments" / "mutant.yaml"
    path.write_bytes(data)
    check_validate(path, seed)


@fuzz_settings(examples=40)
@given(mutant=st.one_of(structured_mutant([LIBRARY.name]), text_mutant([LIBRARY.name])))
def test_shock_library_survives_mutants(workdir, mutant):
    seed, data = mutant
    path = workdir / "experiments" / "library.yaml"
    path.write_bytes(data)
    check_validate(path, seed)


SMALL_RUN = {"horizon": 3, "replicates": 1}
"""What a run of a mutant is cut down to, so that it takes seconds (the shipped files run 40–136 quarters)."""


def cut_down(data: dict) -> dict:
    """The scenario ``data`` in :data:`SMALL_RUN`'s size, its shocks moved to its first quarter to stay inside."""
    small = {**data, **SMALL_RUN}
    shocks = small.get("shocks")
    if isinstance(shocks, list):
        small["shocks"] = [{**s, "at": small.get("start", "2025Q1")} if isinstance(s, dict) else s for s in shocks]
    return small


@pytest.mark.skipif(not EXAMPLES, reason="runs scenarios, a few seconds each: only under make fuzz")
@settings(max_examples=max(EXAMPLES // 50, 5), deadline=None, suppress_health_check=list(HealthCheck))
@given(mutant=structured_mutant(SCENARIO_SEEDS))
def test_a_mutant_that_validates_runs_and_reads_back(workdir, mutant):
    """A scenario that validates also runs, with plots, and its folder reads back: eujsim report succeeds."""
    _, data = mutant
    loaded = yaml.safe_load(data)
    if not isinstance(loaded, dict):
        return
    path = workdir / "experiments" / "run.yaml"
    path.write_text(yaml.safe_dump(cut_down(loaded), allow_unicode=True), encoding="utf-8")
    if eujsim("validate", path)[0] != 0:
        return
    out = workdir / "runs" / "mutant"
    status, _, err = eujsim("run", path, "--out", out, "--force", "--quiet")
    assert status == 0, err[:2000]
    status, _, err = eujsim("report", out, "--force")
    assert status == 0, err[:2000]
