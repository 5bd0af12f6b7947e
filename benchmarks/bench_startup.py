"""Benchmark of how fast the ``eujsim`` command answers (run with `make bench`).

A user who mistypes an option, asks for ``--help`` or validates a file waits for the
interpreter to start and the package to import before anything is said. This measures, in
one invocation on this machine, the wall time of each of these commands over repeated runs
(the median, so that one slow start does not decide), against a baseline measured in the
same run: the interpreter starting and doing nothing (``python -c pass``). The ratio says
how much the command adds to an interpreter start, the same on a fast or a slow machine.

The target is 0.5 s or less for each command on the development machine. The benchmark
also prints the slowest imports of ``eujsim --help`` (``python -X importtime``), so that a
heavy library loaded up front again is seen by name.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = 0.5
"""Seconds a command may take on the development machine."""
HEAVY = ("mesa", "pandas", "scipy", "SALib", "matplotlib", "pyarrow", "dask")
"""Libraries the quick commands must not import."""


def wall(argv: list[str], repeat: int) -> float:
    """Median wall time of running ``argv`` ``repeat`` times, in seconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def slowest_imports(argv: list[str], count: int = 5) -> list[tuple[int, str]]:
    """The ``count`` imports with the largest cumulative time (microseconds) under ``-X importtime``."""
    run = subprocess.run([sys.executable, "-X", "importtime", *argv], cwd=ROOT, capture_output=True, text=True)
    rows = []
    for line in run.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].strip()))
    return sorted(rows, reverse=True)[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs of each command (the median is reported)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        bad = Path(tmp) / "bad.yaml"
        bad.write_text("name: typo\nhorizon: 8\nreplicats: 10\n", encoding="utf-8")
        eujsim = [sys.executable, "-m", "simulator"]
        commands = {
            "eujsim --help": [*eujsim, "--help"],
            "eujsim validate BAD_FILE": [*eujsim, "validate", str(bad)],
            "eujsim params": [*eujsim, "params"],
            "eujsim shocks": [*eujsim, "shocks"],
        }
        baseline = wall([sys.executable, "-c", "pass"], args.repeat)
        results = {name: wall(argv, args.repeat) for name, argv in commands.items()}

    print(f"baseline: interpreter start (python -c pass) {baseline:.3f} s, median of {args.repeat}")
    print(f"{'command':<28} {'median':>8} {'x start':>8}  target ≤ {TARGET} s")
    missed = 0
    for name, seconds in results.items():
        ok = seconds <= TARGET
        missed += not ok
        print(f"{name:<28} {seconds:>7.3f}s {seconds / baseline:>7.1f}x  {'PASS' if ok else 'MISS'}")
    print("\nslowest imports of `eujsim --help` (cumulative):")
    for micros, module in slowest_imports(["-m", "simulator", "--help"]):
        flag = "  <- heavy" if module.split(".")[0] in HEAVY else ""
        print(f"  {micros / 1e6:6.3f} s  {module}{flag}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
