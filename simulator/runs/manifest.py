"""Provenance of a result: versions, seed, command line, git commit, timings."""

from __future__ import annotations

import hashlib
import platform
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.inputs.scenario import Scenario

DEPENDENCIES = ("mesa", "numpy", "pandas", "matplotlib", "pyyaml", "pydantic", "networkx")


def package_version(name: str) -> str | None:
    """Installed version of a distribution, or None."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def git_commit() -> str | None:
    """Commit of the source tree the package runs from, when it is a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    dirty = subprocess.run(
        ["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
        timeout=5,
        check=False,
    )
    return out.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")


def now_utc() -> str:
    """The current UTC time to the second, as manifests record it."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def environment(dependencies: Sequence[str] = DEPENDENCIES) -> dict[str, Any]:
    """Where a result was made: source commit, Python, platform and the versions of ``dependencies``."""
    return {
        "git_commit": git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "dependencies": {name: package_version(name) for name in dependencies},
    }


def file_digest(path: str | Path) -> str | None:
    """SHA-256 of a file, or None if it cannot be read."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def build_manifest(
    scenario: Scenario, *, replicates: int, timings: Mapping[str, float], extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Everything needed to reproduce and audit a run of ``scenario`` with ``replicates`` worlds.

    Args:
        scenario: The scenario run.
        replicates: Worlds simulated.
        timings: Seconds per phase of the run.
        extra: Entries to add or replace (the command line, the run's place in a comparison).

    The manifest lists the scenario's parameter values outside their documented ranges
    (:mod:`simulator.inputs.documented_ranges`), so that whoever audits a result learns from it
    alone that it rests on a setting the calibration does not argue for.
    """
    from simulator.inputs.calibration import default_calibration
    from simulator.inputs.documented_ranges import MANIFEST_KEY, outside_fixed

    calibration = default_calibration()
    manifest: dict[str, Any] = {
        "tool": "eujsim",
        "version": package_version("eujsim"),
        "created_utc": now_utc(),
        "scenario": {
            "name": scenario.name,
            "file": scenario.source,
            "sha256": file_digest(scenario.source) if scenario.source and Path(scenario.source).exists() else None,
        },
        "seed": scenario.seed,
        "replicates": replicates,
        "horizon_quarters": scenario.horizon,
        "command_line": None,  # filled in by the CLI; None for runs saved from the Python API
        **environment(),
        "calibration_parameters": len(calibration),
        # settings the calibration does not argue for (inside the hard bounds, outside the documented range)
        MANIFEST_KEY: [item.to_dict() for item in outside_fixed(scenario.parameters, calibration)],
        "timings_seconds": {k: round(v, 4) for k, v in timings.items()},
    }
    manifest.update(extra or {})
    return manifest
