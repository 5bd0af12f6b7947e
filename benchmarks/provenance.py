"""What every benchmark prints beside its figures: the commit it measured and how busy the machine was.

A figure without its commit cannot be traced, and one without the load average cannot be judged
(a second job on two cores doubles wall times), so the benchmarks print both the same way. Run as
scripts, they find this module beside them (a script's folder is first on ``sys.path``).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def commit() -> str:
    """The checkout's short commit, with ``(with uncommitted changes)`` when tracked files differ, or ``unknown``."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True
        )
    except OSError:
        return "unknown"
    return (head.stdout.strip() or "unknown") + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages, e.g. ``0.66 0.96 1.07``."""
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
