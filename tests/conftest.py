"""Shared fixtures: small scenarios that run in milliseconds."""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulator import Scenario, StrategicModel, scenario_from_dict
from simulator.cli import main

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
SEEDS = ROOT.parent / "shared" / "seeds"
SHOCK_KINDS = (
    "us_retrenchment",
    "taiwan_strait_crisis",
    "dprk_provocation",
    "russia_escalation",
    "china_economic_coercion",
    "chokepoint_disruption",
    "cyber_campaign",
    "japan_political_instability",
    "russia_dprk_alignment",
    "eu_cohesion_crisis",
)
"""The ten shock kinds the library must ship (issue: simulator core)."""


ERROR_PREFIX = "eujsim: error: "


def eujsim(*argv: object) -> tuple[int, str, str]:
    """Run ``eujsim ARGV`` in-process; returns (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in argv])
    return status, out.getvalue(), err.getvalue()


def one_error_line(err: str) -> str:
    """The single stderr line, checked to be an ``eujsim: error:`` line without a traceback."""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, f"expected exactly one line on stderr, got:\n{err}"
    assert lines[0].startswith(ERROR_PREFIX), lines[0]
    assert len(lines[0]) > len(ERROR_PREFIX) + 20, "the message is too short to explain anything"
    return lines[0]


def cli_error(*argv: object) -> str:
    """Run ``eujsim ARGV`` expecting a user error: status 2, nothing on stdout, one error line."""
    status, out, err = eujsim(*argv)
    assert status == 2, f"exit status {status}; stderr: {err}"
    assert out == ""
    return one_error_line(err)


def python_blocks(markdown: Path) -> list[str]:
    """The ```python blocks of a Markdown file, in order, each as the text of a script."""
    return re.findall(r"^```python\n(.*?)^```", markdown.read_text(encoding="utf-8"), flags=re.DOTALL | re.MULTILINE)


def run_script(code: str, folder: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``code`` as a script file in ``folder`` with this interpreter, the project importable; returns the run.

    A script of its own, in a folder of its own, so that a documented example shows it works as a
    reader would run it: from another folder, with multiprocessing's ``__main__`` a real file.
    """
    script = folder / "example.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=folder, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"the example failed:\n{code}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done


def make_scenario(**fields: Any) -> Scenario:
    """A validated scenario with small defaults (8 quarters, 4 replicates)."""
    data = {"name": "test", "horizon": 8, "replicates": 4, "seed": 7}
    data.update(fields)
    return scenario_from_dict(data)


def paired_model(path: str, low: float, high: float, **fields: Any) -> StrategicModel:
    """Two worlds with the same random stream that differ only in one parameter.

    World 0 has ``path = low`` and world 1 ``path = high``; after the spin-up each world
    sits at its own equilibrium, so comparing them isolates the parameter's effect.
    """
    scenario = make_scenario(replicates=2, **fields)
    return StrategicModel(
        scenario,
        replicates=np.array([0, 0]),
        overrides={path: np.array([low, high])},
    )


@pytest.fixture
def scenario_factory():
    return make_scenario
